//! Journal entries, sealed under their writer's key, with per-entry sharing flags.

use crate::db::Db;
use crate::error::StoreResult;

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub participant_id: String,
    pub duo_id: String,
    pub tag: String,
    pub body_sealed: Vec<u8>,
    pub share_partner: bool,
    pub share_team: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

type Row = (String, String, String, String, Vec<u8>, i64, i64, i64, i64);

fn from_row(r: Row) -> Entry {
    Entry {
        id: r.0,
        participant_id: r.1,
        duo_id: r.2,
        tag: r.3,
        body_sealed: r.4,
        share_partner: r.5 != 0,
        share_team: r.6 != 0,
        created_at: r.7,
        updated_at: r.8,
    }
}

const COLUMNS: &str =
    "id, participant_id, duo_id, tag, body, share_partner, share_team, created_at, updated_at";

pub async fn insert(db: &Db, e: &Entry) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO journal_entries (id, participant_id, duo_id, tag, body, share_partner, share_team, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&e.id)
    .bind(&e.participant_id)
    .bind(&e.duo_id)
    .bind(&e.tag)
    .bind(e.body_sealed.clone())
    .bind(i64::from(e.share_partner))
    .bind(i64::from(e.share_team))
    .bind(e.created_at)
    .bind(e.updated_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn update(db: &Db, e: &Entry) -> StoreResult<()> {
    sqlx::query(
        "UPDATE journal_entries SET tag = $1, body = $2, share_partner = $3, share_team = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&e.tag)
    .bind(e.body_sealed.clone())
    .bind(i64::from(e.share_partner))
    .bind(i64::from(e.share_team))
    .bind(e.updated_at)
    .bind(&e.id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn by_id(db: &Db, id: &str) -> StoreResult<Option<Entry>> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM journal_entries WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(from_row))
}

/// One participant's entries, newest first, optionally one tag.
pub async fn of_participant(
    db: &Db,
    participant_id: &str,
    tag: Option<&str>,
) -> StoreResult<Vec<Entry>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM journal_entries WHERE participant_id = $1 AND ($2 = '' OR tag = $2) ORDER BY created_at DESC, id DESC"
    )))
    .bind(participant_id)
    .bind(tag.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Every entry of a duo that is shared with someone (the caller filters per reader).
pub async fn shared_in_duo(db: &Db, duo_id: &str) -> StoreResult<Vec<Entry>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM journal_entries WHERE duo_id = $1 AND (share_partner = 1 OR share_team = 1) ORDER BY created_at DESC, id DESC"
    )))
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}
