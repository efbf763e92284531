//! Random tokens and their stored hashes.
//!
//! Tokens handed to people (session tokens, set-up and invitation links, recovery codes) are
//! random and only their SHA-256 is stored, so a copy of the database opens nothing.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A URL-safe random token with 256 bits of entropy.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A human-typable one-time password: groups of lowercase letters and digits without
/// look-alikes (no 0/o, 1/l/i).
pub fn readable_password(groups: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = String::new();
    for g in 0..groups {
        if g > 0 {
            out.push('-');
        }
        for _ in 0..4 {
            let idx = (rand::rngs::OsRng.next_u32() as usize) % ALPHABET.len();
            out.push(char::from(ALPHABET[idx]));
        }
    }
    out
}

/// Constant-time comparison of two short secrets.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn readable_passwords_avoid_lookalikes() {
        let p = readable_password(4);
        assert_eq!(p.len(), 19);
        assert!(!p.contains(['0', 'o', '1', 'l', 'i']));
    }
}
