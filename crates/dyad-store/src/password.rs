//! Password hashing with Argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{StoreError, StoreResult};

/// Shortest password dyad accepts; length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longest password hashed, so nobody can make the server hash megabytes.
pub const MAX_PASSWORD_LEN: usize = 256;

pub fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Crypto(e.to_string()))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, used to spend the same time on unknown emails as on known
/// ones so that timing does not reveal which addresses have accounts.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&crate::secrets::random_token()).unwrap_or_default())
}

/// Checks a new password against the length rules; returns a plain-English problem.
pub fn password_problem(password: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        Some(format!("use at least {MIN_PASSWORD_LEN} characters"))
    } else if password.len() > MAX_PASSWORD_LEN {
        Some(format!("use at most {MAX_PASSWORD_LEN} characters"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_reject() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn length_rules() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("long enough pass").is_none());
        assert!(password_problem(&"a".repeat(300)).is_some());
    }
}
