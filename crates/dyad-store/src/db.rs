//! Connecting to the database chosen by URL scheme, and migrating it.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection, Executor};

use crate::error::{StoreError, StoreResult};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine sits behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(
                "the database URL must start with sqlite:// or postgres://".into(),
            ))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Create a missing SQLite file. Only the first start in dyad's own data directory sets
    /// this: a mistyped URL must fail rather than quietly open a new, empty database.
    pub create_sqlite_file: bool,
    pub max_connections: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            create_sqlite_file: false,
            max_connections: 8,
        }
    }
}

/// The connection pool plus the backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Audit appends through this pool are written in groups (see `audit::append`).
    pub(crate) audit: std::sync::Arc<crate::audit::GroupCommit>,
}

/// Path of the file a `sqlite://` URL points at, without query parameters.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

impl Db {
    /// Opens the pool. SQLite connections get WAL, foreign keys, a busy timeout and full
    /// synchronous commits on every connection.
    pub async fn connect(url: &str, options: &DbOptions) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut connect_url = url.to_string();
        if backend == Backend::Sqlite {
            let path = sqlite_path(url).ok_or_else(|| {
                StoreError::Config("the SQLite URL must name a database file".into())
            })?;
            if !path.exists() {
                if !options.create_sqlite_file {
                    return Err(StoreError::Config(format!(
                        "the SQLite database {} does not exist; check the database URL \
                         (dyad creates a database only in its own data directory on first start)",
                        path.display()
                    )));
                }
                if let Some(parent) = path.parent()
                    && !parent.as_os_str().is_empty()
                    && !parent.exists()
                {
                    return Err(StoreError::Config(format!(
                        "the folder {} for the SQLite database does not exist",
                        parent.display()
                    )));
                }
                connect_url = with_query(&connect_url, "mode=rwc");
            }
        }
        let connect_options = AnyConnectOptions::from_str(&connect_url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection it hands out by default: a second round trip
            // (or, on SQLite, a second hand-off to the connection's thread) for every
            // statement. Only a connection that sat idle long enough to have been dropped
            // by a server or a firewall is checked; a live one is used at once.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > Duration::from_secs(30) {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;",
                        )
                        .await?;
                    } else {
                        // PostgreSQL compiles a query to machine code (JIT) when its estimated
                        // cost is high, and a prepared statement's generic plan for the
                        // optional filters of the duo list is estimated very high: every list
                        // request then spent ~20 ms compiling for a 0.3 ms query. dyad's queries
                        // are small; JIT only costs them.
                        conn.execute("SET jit = off").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await?;
        Ok(Db {
            pool,
            backend,
            audit: Default::default(),
        })
    }

    /// Gathers the planner's statistics after a bulk load. On a live PostgreSQL server
    /// autovacuum does this within minutes; until then the planner guesses row counts and
    /// picks hash joins over whole tables for lookups of a few rows. SQLite plans from its
    /// indexes alone, so there it does nothing.
    pub async fn refresh_statistics(&self) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            self.pool.execute("ANALYZE").await?;
        }
        Ok(())
    }

    /// The same pool with an audit queue of its own, as a second instance on the same
    /// database would have: its appends race the other queue's instead of joining them.
    pub fn with_own_audit_queue(&self) -> Db {
        Db {
            pool: self.pool.clone(),
            backend: self.backend,
            audit: Default::default(),
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations. On PostgreSQL sqlx holds an advisory lock while it
    /// migrates, so instances starting together take turns instead of racing.
    pub async fn migrate(&self) -> StoreResult<()> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers and every embedded migration has been applied.
    pub async fn ready(&self) -> StoreResult<bool> {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT version, CAST(CASE WHEN success THEN 1 ELSE 0 END AS BIGINT) FROM _sqlx_migrations")
                .fetch_all(&self.pool)
                .await?;
        Ok(self
            .migrator()
            .iter()
            .all(|m| rows.iter().any(|(v, ok)| *v == m.version && *ok == 1)))
    }

    /// Writes a consistent copy of a SQLite database to `target` (online, with `VACUUM INTO`).
    pub async fn backup_sqlite(&self, target: &Path) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(
                "VACUUM INTO backups are for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        }
        let target = target.to_string_lossy().replace('\'', "''");
        let sql = format!("VACUUM INTO '{target}'");
        self.pool.execute(sqlx::AssertSqlSafe(sql)).await?;
        Ok(())
    }
}

fn with_query(url: &str, param: &str) -> String {
    if url.contains('?') {
        format!("{url}&{param}")
    } else {
        format!("{url}?{param}")
    }
}

/// How many ids one `IN (…)` list of a batched read holds: far below both backends'
/// parameter limits, and few enough that each statement stays cheap to bind.
pub const IN_LIST: usize = 500;

/// `$first, $first+1, …` for `n` bound parameters: an `IN (…)` list or a row of `VALUES`.
pub(crate) fn numbered_params(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("sqlit://x.db").is_err());
        assert!(Backend::from_url("mysql://x").is_err());
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db?mode=ro"),
            Some(PathBuf::from("/tmp/a.db"))
        );
        assert_eq!(
            sqlite_path("sqlite://data/dyad.db"),
            Some(PathBuf::from("data/dyad.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
