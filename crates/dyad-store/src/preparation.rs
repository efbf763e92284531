//! Preparation records: meetings with the staff they book, agreement versions and
//! signatures, consent withdrawals, the pre-session checklist and washout confirmations.

use crate::accounts::new_id;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Meeting {
    pub id: String,
    pub duo_id: String,
    pub kind: String,
    pub with_participant: Option<String>,
    pub starts_at: i64,
    pub minutes: i64,
    pub video_url: String,
    pub created_by: String,
    pub held_at: Option<i64>,
}

type MeetingRow = (
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    String,
    String,
    Option<i64>,
);

fn meeting_from(r: MeetingRow) -> Meeting {
    Meeting {
        id: r.0,
        duo_id: r.1,
        kind: r.2,
        with_participant: r.3,
        starts_at: r.4,
        minutes: r.5,
        video_url: r.6,
        created_by: r.7,
        held_at: r.8,
    }
}

const MEETING_COLUMNS: &str =
    "id, duo_id, kind, with_participant, starts_at, minutes, video_url, created_by, held_at";

/// Staff among `staff` already booked between `starts_at` and `ends_at` (meetings only).
pub async fn busy_staff(
    db: &Db,
    staff: &[String],
    starts_at: i64,
    ends_at: i64,
) -> StoreResult<Vec<String>> {
    let mut busy = Vec::new();
    for user in staff {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_staff WHERE user_id = $1 AND starts_at < $2 AND ends_at > $3")
            .bind(user)
            .bind(ends_at)
            .bind(starts_at)
            .fetch_one(&db.pool)
            .await?;
        if n > 0 {
            busy.push(user.clone());
        }
    }
    Ok(busy)
}

/// Creates a meeting and books its staff in one transaction; a clash found inside the
/// transaction is a `Conflict` (so two bookings racing for one person cannot both win on
/// a single writer; on PostgreSQL the check and insert share the transaction too).
pub async fn create_meeting(db: &Db, m: &Meeting, staff: &[String], now: i64) -> StoreResult<()> {
    let ends = m.starts_at + m.minutes * 60 * 1_000_000;
    let mut tx = db.pool.begin().await?;
    for user in staff {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_staff WHERE user_id = $1 AND starts_at < $2 AND ends_at > $3")
            .bind(user)
            .bind(ends)
            .bind(m.starts_at)
            .fetch_one(&mut *tx)
            .await?;
        if n > 0 {
            return Err(StoreError::Conflict(format!(
                "staff member {user} is booked at that time"
            )));
        }
    }
    sqlx::query(
        "INSERT INTO meetings (id, duo_id, kind, with_participant, starts_at, minutes, video_url, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&m.id)
    .bind(&m.duo_id)
    .bind(&m.kind)
    .bind(m.with_participant.clone())
    .bind(m.starts_at)
    .bind(m.minutes)
    .bind(&m.video_url)
    .bind(&m.created_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for user in staff {
        sqlx::query("INSERT INTO meeting_staff (meeting_id, user_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)")
            .bind(&m.id)
            .bind(user)
            .bind(m.starts_at)
            .bind(ends)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn meeting_by_id(db: &Db, id: &str) -> StoreResult<Option<Meeting>> {
    let row: Option<MeetingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(meeting_from))
}

pub async fn meetings_of(db: &Db, duo_id: &str) -> StoreResult<Vec<Meeting>> {
    let rows: Vec<MeetingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE duo_id = $1 ORDER BY starts_at, id"
    )))
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(meeting_from).collect())
}

pub async fn meeting_staff(db: &Db, meeting_id: &str) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM meeting_staff WHERE meeting_id = $1")
            .bind(meeting_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn mark_held(
    db: &Db,
    id: &str,
    note_sealed: Option<Vec<u8>>,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE meetings SET held_at = $1, note = $2 WHERE id = $3 AND held_at IS NULL",
    )
    .bind(now)
    .bind(note_sealed)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

// --- agreement ----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct AgreementVersion {
    pub id: String,
    pub version: i64,
    pub sections_sealed: Vec<u8>,
    pub content_hash: String,
    pub created_by: String,
    pub created_at: i64,
}

pub async fn agreement_versions(db: &Db, duo_id: &str) -> StoreResult<Vec<AgreementVersion>> {
    type Row = (String, i64, Vec<u8>, String, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, version, sections, content_hash, created_by, created_at FROM agreement_versions WHERE duo_id = $1 ORDER BY version",
    )
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AgreementVersion {
            id: r.0,
            version: r.1,
            sections_sealed: r.2,
            content_hash: r.3,
            created_by: r.4,
            created_at: r.5,
        })
        .collect())
}

/// Adds version `version`; `Conflict` when someone else added it first.
#[allow(clippy::too_many_arguments)]
pub async fn add_agreement_version(
    db: &Db,
    id: &str,
    duo_id: &str,
    version: i64,
    sealed: Vec<u8>,
    hash: &str,
    by: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO agreement_versions (id, duo_id, version, sections, content_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(duo_id)
    .bind(version)
    .bind(sealed)
    .bind(hash)
    .bind(by)
    .bind(now)
    .execute(&db.pool)
    .await
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() { StoreError::Conflict("the agreement changed meanwhile".into()) } else { e }
    })?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AgreementSignature {
    pub version: i64,
    pub content_hash: String,
    pub participant_id: Option<String>,
    pub user_id: String,
    pub role: String,
    pub signed_at: i64,
}

pub async fn signatures_of(db: &Db, duo_id: &str) -> StoreResult<Vec<AgreementSignature>> {
    type Row = (i64, String, Option<String>, String, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT version, content_hash, participant_id, user_id, role, signed_at FROM agreement_signatures WHERE duo_id = $1 ORDER BY signed_at, id",
    )
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AgreementSignature {
            version: r.0,
            content_hash: r.1,
            participant_id: r.2,
            user_id: r.3,
            role: r.4,
            signed_at: r.5,
        })
        .collect())
}

pub async fn add_signature(db: &Db, duo_id: &str, s: &AgreementSignature) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO agreement_signatures (id, duo_id, version, content_hash, participant_id, user_id, role, signed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (duo_id, version, user_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(duo_id)
    .bind(s.version)
    .bind(&s.content_hash)
    .bind(s.participant_id.clone())
    .bind(&s.user_id)
    .bind(&s.role)
    .bind(s.signed_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

// --- consents, checklist, washout -----------------------------------------------------------

pub async fn add_consent_withdrawal(
    db: &Db,
    participant_id: &str,
    item: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO consent_withdrawals (id, participant_id, item, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(new_id())
    .bind(participant_id)
    .bind(item)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn consent_withdrawals(db: &Db, participant_id: &str) -> StoreResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT item, at FROM consent_withdrawals WHERE participant_id = $1 ORDER BY at",
    )
    .bind(participant_id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn set_checklist(
    db: &Db,
    duo_id: &str,
    item: &str,
    participant_id: Option<&str>,
    done: bool,
    by: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO checklist (duo_id, item, participant_id, done, by_user, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (duo_id, item, participant_id) DO UPDATE SET done = excluded.done, by_user = excluded.by_user, at = excluded.at",
    )
    .bind(duo_id)
    .bind(item)
    .bind(participant_id.unwrap_or(""))
    .bind(i64::from(done))
    .bind(by)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// (item, participant id or empty, done)
pub async fn checklist_of(db: &Db, duo_id: &str) -> StoreResult<Vec<(String, String, bool)>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as("SELECT item, participant_id, done FROM checklist WHERE duo_id = $1 ORDER BY item, participant_id")
        .bind(duo_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(|r| (r.0, r.1, r.2 != 0)).collect())
}

pub async fn confirm_washout(
    db: &Db,
    duo_id: &str,
    participant_id: &str,
    by: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO washout_confirmations (duo_id, participant_id, confirmed_by, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (duo_id, participant_id) DO NOTHING",
    )
    .bind(duo_id)
    .bind(participant_id)
    .bind(by)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn washouts_confirmed(db: &Db, duo_id: &str) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT participant_id FROM washout_confirmations WHERE duo_id = $1")
            .bind(duo_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

// --- private agreement drafts -------------------------------------------------------------

pub async fn save_agreement_draft(
    db: &Db,
    participant_id: &str,
    duo_id: &str,
    sealed: Vec<u8>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO agreement_drafts (participant_id, duo_id, body, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (participant_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
    )
    .bind(participant_id)
    .bind(duo_id)
    .bind(sealed)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn agreement_draft(db: &Db, participant_id: &str) -> StoreResult<Option<(Vec<u8>, i64)>> {
    Ok(
        sqlx::query_as("SELECT body, updated_at FROM agreement_drafts WHERE participant_id = $1")
            .bind(participant_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn delete_agreement_draft(db: &Db, participant_id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM agreement_drafts WHERE participant_id = $1")
        .bind(participant_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
