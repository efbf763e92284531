//! Errors of the persistence layer.

/// What can go wrong below the web layer. Messages never carry personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("sealed data could not be opened")]
    Unseal,
    #[error("data key destroyed")]
    KeyDestroyed,
    #[error("crypto: {0}")]
    Crypto(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// True when a unique constraint refused the write (duplicate email and the like).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                matches!(e.kind(), sqlx::error::ErrorKind::UniqueViolation)
            }
            _ => false,
        }
    }
}
