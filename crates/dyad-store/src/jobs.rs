//! Durable background jobs: stored in the database, claimed by one worker at a time
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances never run a job twice),
//! retried with backoff, and never enqueued twice for the same purpose (`dedupe_key`).

use crate::accounts::new_id;
use crate::db::{Backend, Db};
use crate::error::StoreResult;

#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Enqueues a job unless one with the same key exists (done or not). Returns whether it
/// was new.
pub async fn enqueue(
    db: &Db,
    kind: &str,
    dedupe_key: &str,
    payload: &str,
    run_at: i64,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO jobs (id, kind, dedupe_key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(kind)
    .bind(dedupe_key)
    .bind(payload)
    .bind(run_at)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims up to `limit` due jobs for `worker`, leasing them until `lease_until`.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> StoreResult<Vec<Job>> {
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1 WHERE id IN ( \
         SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $3 AND locked_until < $3 AND attempts < max_attempts \
         ORDER BY run_at LIMIT $4 {lock}) \
         RETURNING id, kind, payload, attempts, max_attempts"
    );
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(lease_until)
        .bind(worker)
        .bind(now)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Job {
            id: r.0,
            kind: r.1,
            payload: r.2,
            attempts: r.3,
            max_attempts: r.4,
        })
        .collect())
}

/// Marks a claimed job done; false when the lease was lost to another worker meanwhile.
pub async fn complete(db: &Db, id: &str, worker: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET done_at = $1 WHERE id = $2 AND locked_by = $3 AND done_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a failed job back with exponential backoff (30 s, 1 min, 2 min, … up to 6 h).
pub async fn retry_later(
    db: &Db,
    id: &str,
    attempts: i64,
    error: &str,
    now: i64,
) -> StoreResult<()> {
    let backoff = (30_000_000i64 << attempts.clamp(0, 10)).min(6 * 3600 * 1_000_000);
    sqlx::query("UPDATE jobs SET run_at = $1, locked_until = 0, last_error = $2 WHERE id = $3")
        .bind(now + backoff)
        .bind(error.chars().take(500).collect::<String>())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Cancels jobs whose key starts with `prefix` that have not run yet.
pub async fn cancel_prefix(db: &Db, prefix: &str, now: i64) -> StoreResult<u64> {
    let done = sqlx::query("UPDATE jobs SET done_at = $1, last_error = 'cancelled' WHERE done_at IS NULL AND dedupe_key LIKE $2")
        .bind(now)
        .bind(format!("{prefix}%"))
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// (kind, dedupe key, done) for every job, for tests and the admin view.
pub async fn all(db: &Db) -> StoreResult<Vec<(String, String, bool)>> {
    let rows: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT kind, dedupe_key, done_at FROM jobs ORDER BY run_at, id")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.0, r.1, r.2.is_some()))
        .collect())
}
