//! Retention: the admin's overrides of the shipped periods, what the daily job removes per
//! kind of record, and the report of each run.

use crate::db::Db;
use crate::error::StoreResult;

/// Phases in which a duo's pathway has ended; nothing leaves them, so `phase_since` is
/// when it ended.
const ENDED: &str = "('closed', 'withdrawn', 'declined')";

/// An admin's change of a period: `(kind, days, updated_by, updated_at)`.
pub type Override = (String, i64, String, i64);

pub async fn overrides(db: &Db) -> StoreResult<Vec<Override>> {
    Ok(sqlx::query_as(
        "SELECT kind, days, updated_by, updated_at FROM retention_rules ORDER BY kind",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Sets (or changes) the period an admin chose for one kind.
pub async fn set_override(db: &Db, kind: &str, days: i64, by: &str, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO retention_rules (kind, days, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind) DO UPDATE SET days = $2, updated_by = $3, updated_at = $4",
    )
    .bind(kind)
    .bind(days)
    .bind(by)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Journal entries of duos whose pathway ended before `cutoff`: deleted.
pub async fn remove_journal(db: &Db, cutoff: i64) -> StoreResult<u64> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM journal_entries WHERE duo_id IN \
         (SELECT id FROM duos WHERE phase IN {ENDED} AND phase_since < $1)"
    )))
    .bind(cutoff)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Messages with the team of members of duos whose pathway ended before `cutoff`: deleted.
pub async fn remove_messages(db: &Db, cutoff: i64) -> StoreResult<u64> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM messages WHERE participant_id IN (SELECT p.id FROM participants p \
         JOIN duos d ON d.id = p.duo_id WHERE d.phase IN {ENDED} AND d.phase_since < $1)"
    )))
    .bind(cutoff)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Check-in answers of duos whose pathway ended before `cutoff`: the answers go, the
/// check-in (when it was due and answered) and any alert it raised stay.
pub async fn remove_checkin_answers(db: &Db, cutoff: i64) -> StoreResult<u64> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE checkins SET answers = NULL WHERE answers IS NOT NULL AND duo_id IN \
         (SELECT id FROM duos WHERE phase IN {ENDED} AND phase_since < $1)"
    )))
    .bind(cutoff)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Single-use links used, revoked or expired before `cutoff`: deleted.
pub async fn remove_used_links(db: &Db, cutoff: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "DELETE FROM purpose_tokens WHERE (used_at IS NOT NULL AND used_at < $1) \
         OR (revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1",
    )
    .bind(cutoff)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Claims the run of `day` for `worker` until `lease_until`: a day nobody claimed, or whose
/// claim ran out without a report (the instance failed or stopped mid-run). False when
/// another worker holds it or it is done.
pub async fn claim_run(
    db: &Db,
    day: i64,
    worker: &str,
    now: i64,
    lease_until: i64,
) -> StoreResult<bool> {
    let fresh = sqlx::query(
        "INSERT INTO retention_runs (day, claimed_by, claimed_until) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO NOTHING",
    )
    .bind(day)
    .bind(worker)
    .bind(lease_until)
    .execute(&db.pool)
    .await?;
    if fresh.rows_affected() == 1 {
        return Ok(true);
    }
    let taken_over = sqlx::query(
        "UPDATE retention_runs SET claimed_by = $1, claimed_until = $2 \
         WHERE day = $3 AND report IS NULL AND claimed_until < $4",
    )
    .bind(worker)
    .bind(lease_until)
    .bind(day)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(taken_over.rows_affected() == 1)
}

/// Stores the report of a claimed run; false when the claim was lost meanwhile.
pub async fn finish_run(
    db: &Db,
    day: i64,
    worker: &str,
    report_json: &str,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE retention_runs SET ran_at = $1, report = $2 \
         WHERE day = $3 AND claimed_by = $4 AND report IS NULL",
    )
    .bind(now)
    .bind(report_json)
    .bind(day)
    .bind(worker)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredReport {
    pub day: i64,
    pub ran_at: i64,
    pub ran_by: String,
    /// The report as JSON.
    pub report: String,
}

/// The latest finished runs, newest first.
pub async fn reports(db: &Db, limit: i64) -> StoreResult<Vec<StoredReport>> {
    let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT day, ran_at, claimed_by, report FROM retention_runs \
         WHERE report IS NOT NULL AND ran_at IS NOT NULL ORDER BY day DESC LIMIT $1",
    )
    .bind(limit.clamp(1, 100))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredReport {
            day: r.0,
            ran_at: r.1,
            ran_by: r.2,
            report: r.3,
        })
        .collect())
}
