//! Accounts, server-side sign-in sessions, single-use purpose tokens, recovery codes,
//! sign-in throttling and break-glass grants.

use crate::db::Db;
use crate::error::{StoreError, StoreResult};

/// An account. Staff and participants share the table; `kind` keeps them apart for good.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub kind: String,
    pub roles: Vec<String>,
    pub must_change_password: bool,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub totp_last_step: i64,
    pub active: bool,
    pub email_verified: bool,
    pub participant_id: Option<String>,
    pub lang: String,
    pub created_at: i64,
}

impl User {
    pub fn is_staff(&self) -> bool {
        self.kind == "staff"
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

type UserRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<Vec<u8>>,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    String,
    i64,
);

const USER_COLUMNS: &str = "id, email, name, password_hash, kind, roles, must_change_password, \
     totp_secret, totp_enabled, totp_last_step, active, email_verified, participant_id, lang, created_at";

fn user_from_row(r: UserRow) -> User {
    User {
        id: r.0,
        email: r.1,
        name: r.2,
        password_hash: r.3,
        kind: r.4,
        roles: r
            .5
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        must_change_password: r.6 != 0,
        totp_secret: r.7,
        totp_enabled: r.8 != 0,
        totp_last_step: r.9,
        active: r.10 != 0,
        email_verified: r.11 != 0,
        participant_id: r.12,
        lang: r.13,
        created_at: r.14,
    }
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub kind: String,
    pub roles: Vec<String>,
    pub must_change_password: bool,
    pub participant_id: Option<String>,
    pub email_verified: bool,
}

/// Emails are compared case-insensitively; they are stored trimmed and lowercased.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub async fn create_user(db: &Db, new: &NewUser, now: i64) -> StoreResult<User> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, kind, roles, must_change_password, \
         email_verified, participant_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&id)
    .bind(normalise_email(&new.email))
    .bind(&new.name)
    .bind(&new.password_hash)
    .bind(&new.kind)
    .bind(new.roles.join(","))
    .bind(i64::from(new.must_change_password))
    .bind(i64::from(new.email_verified))
    .bind(new.participant_id.clone())
    .bind(now)
    .execute(&db.pool)
    .await?;
    user_by_id(db, &id).await?.ok_or(StoreError::NotFound)
}

pub async fn user_by_id(db: &Db, id: &str) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(user_from_row))
}

pub async fn user_by_email(db: &Db, email: &str) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    )))
    .bind(normalise_email(email))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(user_from_row))
}

pub async fn list_staff(db: &Db) -> StoreResult<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE kind = 'staff' ORDER BY name"
    )))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(user_from_row).collect())
}

pub async fn count_users(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await?)
}

pub async fn set_password(
    db: &Db,
    user_id: &str,
    password_hash: &str,
    must_change: bool,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(password_hash)
    .bind(i64::from(must_change))
    .bind(now)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Stores a pending (not yet confirmed) TOTP secret, sealed by the caller.
pub async fn set_totp_secret(db: &Db, user_id: &str, sealed: &[u8], now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled = 0, updated_at = $2 WHERE id = $3",
    )
    .bind(sealed.to_vec())
    .bind(now)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn enable_totp(db: &Db, user_id: &str, step: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET totp_enabled = 1, totp_last_step = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(step)
    .bind(now)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Records the time step of an accepted code so the same code cannot be replayed. Returns
/// false when a code of this step or a later one was already used.
pub async fn claim_totp_step(db: &Db, user_id: &str, step: i64) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(user_id)
            .execute(&db.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_roles(db: &Db, user_id: &str, roles: &[String], now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE users SET roles = $1, updated_at = $2 WHERE id = $3 AND kind = 'staff'")
        .bind(roles.join(","))
        .bind(now)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_active(db: &Db, user_id: &str, active: bool, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(now)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    if !active {
        delete_user_sessions(db, user_id).await?;
    }
    Ok(())
}

pub async fn set_lang(db: &Db, user_id: &str, lang: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
        .bind(lang)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// --- sessions -----------------------------------------------------------------------------

/// A server-side sign-in session. Only the token's hash is stored.
#[derive(Debug, Clone)]
pub struct AuthSession {
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_micros: i64,
    pub expires_at: i64,
}

impl AuthSession {
    /// Live when neither the idle timeout nor the absolute lifetime has passed.
    pub fn is_live(&self, now: i64) -> bool {
        now < self.expires_at && now < self.last_seen_at.saturating_add(self.idle_micros)
    }
}

pub async fn create_session(db: &Db, s: &AuthSession) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
         idle_micros, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&s.token_hash)
    .bind(&s.user_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.idle_micros)
    .bind(s.expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn session_by_hash(db: &Db, token_hash: &str) -> StoreResult<Option<AuthSession>> {
    // The same query signed-in requests use, so the stories that test sessions test it.
    Ok(session_and_user(db, token_hash)
        .await?
        .map(|(session, _)| session))
}

/// A session and its account in one round trip: every signed-in request starts here.
pub async fn session_and_user(
    db: &Db,
    token_hash: &str,
) -> StoreResult<Option<(AuthSession, User)>> {
    use sqlx::Row;
    let user_columns = USER_COLUMNS
        .split(',')
        .map(|c| format!("u.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, \
         s.idle_micros, s.expires_at, {user_columns} \
         FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
    )))
    .bind(token_hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let session = AuthSession {
        token_hash: r.try_get(0)?,
        user_id: r.try_get(1)?,
        csrf_token: r.try_get(2)?,
        created_at: r.try_get(3)?,
        last_seen_at: r.try_get(4)?,
        idle_micros: r.try_get(5)?,
        expires_at: r.try_get(6)?,
    };
    let user: UserRow = (
        r.try_get(7)?,
        r.try_get(8)?,
        r.try_get(9)?,
        r.try_get(10)?,
        r.try_get(11)?,
        r.try_get(12)?,
        r.try_get(13)?,
        r.try_get(14)?,
        r.try_get(15)?,
        r.try_get(16)?,
        r.try_get(17)?,
        r.try_get(18)?,
        r.try_get(19)?,
        r.try_get(20)?,
        r.try_get(21)?,
    );
    Ok(Some((session, user_from_row(user))))
}

/// Moves the idle deadline on. Called at most once a minute per session to spare writes.
pub async fn touch_session(db: &Db, token_hash: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE auth_sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// "Sign out everywhere".
pub async fn delete_user_sessions(db: &Db, user_id: &str) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired_sessions(db: &Db, now: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "DELETE FROM auth_sessions WHERE expires_at <= $1 OR last_seen_at + idle_micros <= $1",
    )
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

// --- purpose tokens -----------------------------------------------------------------------

/// Why a single-use link did not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// No such token for this purpose (forged, mistyped, or for something else).
    Unknown,
    Expired,
    Used,
}

pub async fn create_token(
    db: &Db,
    token_hash: &str,
    purpose: &str,
    subject_id: &str,
    now: i64,
    expires_at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO purpose_tokens (token_hash, purpose, subject_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(subject_id)
    .bind(now)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Checks a token without using it: the subject when it is valid now.
pub async fn peek_token(
    db: &Db,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> StoreResult<Result<String, TokenProblem>> {
    let row: Option<(String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT subject_id, expires_at, used_at, revoked_at FROM purpose_tokens \
         WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(token_hash)
    .bind(purpose)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        None => Err(TokenProblem::Unknown),
        Some((_, _, _, Some(_))) => Err(TokenProblem::Unknown),
        Some((_, _, Some(_), _)) => Err(TokenProblem::Used),
        Some((_, expires, _, _)) if expires <= now => Err(TokenProblem::Expired),
        Some((subject, _, _, _)) => Ok(subject),
    })
}

/// The subject a token (of any state) was issued for.
pub async fn token_subject(
    db: &Db,
    token_hash: &str,
    purpose: &str,
) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT subject_id FROM purpose_tokens WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(token_hash)
    .bind(purpose)
    .fetch_optional(&db.pool)
    .await?)
}

/// Uses a token once, atomically: of two concurrent uses exactly one succeeds.
pub async fn take_token(
    db: &Db,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> StoreResult<Result<String, TokenProblem>> {
    let taken: Option<String> = sqlx::query_scalar(
        "UPDATE purpose_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 RETURNING subject_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose)
    .fetch_optional(&db.pool)
    .await?;
    match taken {
        Some(subject) => Ok(Ok(subject)),
        None => Ok(Err(peek_token(db, token_hash, purpose, now)
            .await?
            .err()
            .unwrap_or(TokenProblem::Used))),
    }
}

/// Revokes every open token of a purpose for a subject (e.g. before resending a link).
pub async fn revoke_tokens(db: &Db, purpose: &str, subject_id: &str, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE purpose_tokens SET revoked_at = $1 WHERE purpose = $2 AND subject_id = $3 \
         AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(purpose)
    .bind(subject_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

// --- recovery codes -----------------------------------------------------------------------

pub async fn replace_recovery_codes(db: &Db, user_id: &str, hashes: &[String]) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Spends one recovery code; false when it is unknown or already used.
pub async fn use_recovery_code(db: &Db, user_id: &str, hash: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(hash)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

// --- throttling ---------------------------------------------------------------------------

/// Failures allowed before delays start.
pub const FREE_FAILURES: i64 = 3;
/// The longest a key is blocked after repeated failures.
pub const MAX_BLOCK_MICROS: i64 = 15 * 60 * 1_000_000;

/// The delay after `failures` consecutive failures: none for the first few, then doubling
/// from one second up to fifteen minutes.
pub fn block_after(failures: i64) -> i64 {
    if failures <= FREE_FAILURES {
        return 0;
    }
    let exponent = (failures - FREE_FAILURES - 1).min(20) as u32;
    (1_000_000i64 << exponent).min(MAX_BLOCK_MICROS)
}

/// When the key may try again, if it is blocked now.
pub async fn blocked_until(db: &Db, key: &str, now: i64) -> StoreResult<Option<i64>> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT blocked_until FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&db.pool)
            .await?;
    Ok(until.filter(|u| *u > now))
}

/// Counts a failure and returns the new block deadline.
pub async fn record_failure(db: &Db, key: &str, now: i64) -> StoreResult<i64> {
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_throttle (throttle_key, failures, last_failure, blocked_until) \
         VALUES ($1, 1, $2, 0) \
         ON CONFLICT (throttle_key) DO UPDATE SET failures = login_throttle.failures + 1, \
         last_failure = excluded.last_failure RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    let until = now + block_after(failures);
    sqlx::query("UPDATE login_throttle SET blocked_until = $1 WHERE throttle_key = $2")
        .bind(until)
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(until)
}

pub async fn clear_failures(db: &Db, key: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Counts one use of `key` in a fixed window and says whether it is still within `max`.
/// Used for sign-ups per address and for mails a person can trigger (resends), so nobody
/// can turn dyad into a mail cannon. Shares the throttle table, so every instance counts
/// together.
pub async fn take_rate(
    db: &Db,
    key: &str,
    now: i64,
    window_micros: i64,
    max: i64,
) -> StoreResult<bool> {
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO login_throttle (throttle_key, failures, last_failure, blocked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (throttle_key) DO UPDATE SET \
         failures = CASE WHEN login_throttle.last_failure + $3 <= $2 THEN 1 ELSE login_throttle.failures + 1 END, \
         last_failure = CASE WHEN login_throttle.last_failure + $3 <= $2 THEN $2 ELSE login_throttle.last_failure END \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(window_micros)
    .fetch_one(&db.pool)
    .await?;
    Ok(count <= max)
}

// --- break-glass --------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct BreakGlassGrant {
    pub id: String,
    pub user_id: String,
    pub duo_id: String,
    pub reason: String,
    pub granted_at: i64,
    pub expires_at: i64,
}

pub async fn grant_break_glass(
    db: &Db,
    user_id: &str,
    duo_id: &str,
    reason: &str,
    now: i64,
    expires_at: i64,
) -> StoreResult<BreakGlassGrant> {
    let grant = BreakGlassGrant {
        id: new_id(),
        user_id: user_id.into(),
        duo_id: duo_id.into(),
        reason: reason.into(),
        granted_at: now,
        expires_at,
    };
    sqlx::query(
        "INSERT INTO break_glass (id, user_id, duo_id, reason, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&grant.id)
    .bind(&grant.user_id)
    .bind(&grant.duo_id)
    .bind(&grant.reason)
    .bind(grant.granted_at)
    .bind(grant.expires_at)
    .execute(&db.pool)
    .await?;
    Ok(grant)
}

/// Users holding an unexpired grant for the duo at `now`.
pub async fn active_break_glass_users(db: &Db, duo_id: &str, now: i64) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT user_id FROM break_glass WHERE duo_id = $1 AND expires_at > $2",
    )
    .bind(duo_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await?)
}

/// The most recent grants, for the admins' review.
pub async fn recent_break_glass(db: &Db, limit: i64) -> StoreResult<Vec<BreakGlassGrant>> {
    let rows: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, user_id, duo_id, reason, granted_at, expires_at FROM break_glass \
         ORDER BY granted_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BreakGlassGrant {
            id: r.0,
            user_id: r.1,
            duo_id: r.2,
            reason: r.3,
            granted_at: r.4,
            expires_at: r.5,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_delays_grow_and_cap() {
        assert_eq!(block_after(1), 0);
        assert_eq!(block_after(3), 0);
        assert_eq!(block_after(4), 1_000_000);
        assert_eq!(block_after(5), 2_000_000);
        assert_eq!(block_after(8), 16_000_000);
        assert_eq!(block_after(40), MAX_BLOCK_MICROS);
    }

    #[test]
    fn sessions_expire_by_idle_and_absolute_limits() {
        let s = AuthSession {
            token_hash: String::new(),
            user_id: String::new(),
            csrf_token: String::new(),
            created_at: 0,
            last_seen_at: 100,
            idle_micros: 50,
            expires_at: 1_000,
        };
        assert!(s.is_live(120));
        assert!(!s.is_live(150));
        let s = AuthSession {
            last_seen_at: 990,
            ..s
        };
        assert!(!s.is_live(1_000));
    }

    #[test]
    fn emails_normalise() {
        assert_eq!(normalise_email("  Ana@Example.ORG "), "ana@example.org");
    }
}
