//! Intakes: one working copy per participant (draft or submitted) with sealed answers,
//! and every submitted version kept when a staff-requested amendment reopens it.

use crate::accounts::new_id;
use std::collections::HashMap;

use crate::db::{Db, IN_LIST, numbered_params};
use crate::error::{StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct Intake {
    pub participant_id: String,
    pub form_version: String,
    pub status: String,
    pub answers_sealed: Vec<u8>,
    pub revision: i64,
    pub version: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

type IntakeRow = (String, String, String, Vec<u8>, i64, i64, i64, Option<i64>);

pub async fn intake_of(db: &Db, participant_id: &str) -> StoreResult<Option<Intake>> {
    let row: Option<IntakeRow> = sqlx::query_as(
        "SELECT participant_id, form_version, status, answers, revision, version, updated_at, submitted_at \
         FROM intakes WHERE participant_id = $1",
    )
    .bind(participant_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Intake {
        participant_id: r.0,
        form_version: r.1,
        status: r.2,
        answers_sealed: r.3,
        revision: r.4,
        version: r.5,
        updated_at: r.6,
        submitted_at: r.7,
    }))
}

/// Saves the draft. `expected_revision` is the revision the caller read (0 for none):
/// a save based on an older copy is refused rather than silently overwriting newer answers.
pub async fn save_draft(
    db: &Db,
    participant_id: &str,
    form_version: &str,
    answers_sealed: &[u8],
    expected_revision: i64,
    now: i64,
) -> StoreResult<i64> {
    if expected_revision == 0 {
        let inserted = sqlx::query(
            "INSERT INTO intakes (participant_id, form_version, status, answers, revision, version, created_at, updated_at) \
             VALUES ($1, $2, 'draft', $3, 1, 1, $4, $4) ON CONFLICT (participant_id) DO NOTHING",
        )
        .bind(participant_id)
        .bind(form_version)
        .bind(answers_sealed.to_vec())
        .bind(now)
        .execute(&db.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(1);
        }
        return Err(StoreError::Conflict("the intake changed elsewhere".into()));
    }
    let updated = sqlx::query(
        "UPDATE intakes SET answers = $1, form_version = $2, revision = revision + 1, updated_at = $3 \
         WHERE participant_id = $4 AND status = 'draft' AND revision = $5",
    )
    .bind(answers_sealed.to_vec())
    .bind(form_version)
    .bind(now)
    .bind(participant_id)
    .bind(expected_revision)
    .execute(&db.pool)
    .await?;
    if updated.rows_affected() == 1 {
        Ok(expected_revision + 1)
    } else {
        Err(StoreError::Conflict(
            "the intake changed elsewhere or is submitted".into(),
        ))
    }
}

/// Locks the draft as submitted and keeps a copy as a numbered version, atomically.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    db: &Db,
    participant_id: &str,
    answers_sealed_for_version: &[u8],
    version_id: &str,
    expected_revision: i64,
    reason: &str,
    requested_by: &str,
    now: i64,
) -> StoreResult<i64> {
    let mut tx = db.pool.begin().await?;
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT version, form_version FROM intakes WHERE participant_id = $1 AND status = 'draft' AND revision = $2",
    )
    .bind(participant_id)
    .bind(expected_revision)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((version, form_version)) = row else {
        return Err(StoreError::Conflict(
            "the intake changed elsewhere or is submitted".into(),
        ));
    };
    sqlx::query(
        "UPDATE intakes SET status = 'submitted', submitted_at = $1, updated_at = $1, revision = revision + 1 \
         WHERE participant_id = $2",
    )
    .bind(now)
    .bind(participant_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO intake_versions (id, participant_id, version, form_version, answers, submitted_at, amendment_reason, requested_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(version_id)
    .bind(participant_id)
    .bind(version)
    .bind(&form_version)
    .bind(answers_sealed_for_version.to_vec())
    .bind(now)
    .bind(reason)
    .bind(requested_by)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// Reopens a submitted intake for an amendment: the next version starts as a draft with the
/// same answers; the submitted versions stay as they are.
pub async fn reopen(db: &Db, participant_id: &str, now: i64) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE intakes SET status = 'draft', version = version + 1, revision = revision + 1, updated_at = $1 \
         WHERE participant_id = $2 AND status = 'submitted'",
    )
    .bind(now)
    .bind(participant_id)
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(
            "only a submitted intake can be reopened".into(),
        ))
    }
}

#[derive(Debug, Clone)]
pub struct IntakeVersion {
    pub id: String,
    pub version: i64,
    pub form_version: String,
    pub answers_sealed: Vec<u8>,
    pub submitted_at: i64,
    pub amendment_reason: String,
    pub requested_by: String,
}

pub async fn versions_of(db: &Db, participant_id: &str) -> StoreResult<Vec<IntakeVersion>> {
    type Row = (String, i64, String, Vec<u8>, i64, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, version, form_version, answers, submitted_at, amendment_reason, requested_by \
         FROM intake_versions WHERE participant_id = $1 ORDER BY version",
    )
    .bind(participant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| IntakeVersion {
            id: r.0,
            version: r.1,
            form_version: r.2,
            answers_sealed: r.3,
            submitted_at: r.4,
            amendment_reason: r.5,
            requested_by: r.6,
        })
        .collect())
}

/// [`versions_of`] for many participants at once (in `IN` lists of [`IN_LIST`] ids): each
/// participant's versions in version order; one without any is left out.
pub async fn versions_of_many(
    db: &Db,
    participant_ids: &[String],
) -> StoreResult<HashMap<String, Vec<IntakeVersion>>> {
    type Row = (String, String, i64, String, Vec<u8>, i64, String, String);
    let mut out: HashMap<String, Vec<IntakeVersion>> = HashMap::new();
    for ids in participant_ids.chunks(IN_LIST) {
        let sql = format!(
            "SELECT participant_id, id, version, form_version, answers, submitted_at, amendment_reason, requested_by \
             FROM intake_versions WHERE participant_id IN ({}) ORDER BY participant_id, version",
            numbered_params(1, ids.len())
        );
        let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id);
        }
        for r in query.fetch_all(&db.pool).await? {
            out.entry(r.0).or_default().push(IntakeVersion {
                id: r.1,
                version: r.2,
                form_version: r.3,
                answers_sealed: r.4,
                submitted_at: r.5,
                amendment_reason: r.6,
                requested_by: r.7,
            });
        }
    }
    Ok(out)
}

pub fn new_version_id() -> String {
    new_id()
}

/// The latest submitted version's id and whether it asked for a washout (`None` for a
/// version submitted before the flag existed).
pub async fn washout_flag(
    db: &Db,
    participant_id: &str,
) -> StoreResult<Option<(String, Option<bool>)>> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT id, needs_washout FROM intake_versions WHERE participant_id = $1 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(participant_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(id, flag)| (id, flag.map(|f| f != 0))))
}

pub async fn set_washout_flag(db: &Db, version_id: &str, needed: bool) -> StoreResult<()> {
    sqlx::query("UPDATE intake_versions SET needs_washout = $1 WHERE id = $2")
        .bind(i64::from(needed))
        .bind(version_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
