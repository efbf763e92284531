//! Aftercare check-ins (answers sealed under the participant's key), the alerts a risk
//! answer opens for the care team, and the team's notes on them.
//!
//! State changes are single conditional `UPDATE`s, so two people (or two instances) acting
//! at once never both win: an answer is taken once while the check-in is open, an alert is
//! acknowledged once and resolved once, and escalated once.

use std::collections::HashMap;

use crate::db::{Db, IN_LIST, numbered_params};
use crate::error::StoreResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub id: String,
    pub participant_id: String,
    pub duo_id: String,
    pub session_id: String,
    pub point: String,
    /// Instrument ids due at this point.
    pub instruments: Vec<String>,
    pub due_at: i64,
    pub closes_at: i64,
    pub answered_at: Option<i64>,
    pub answers_sealed: Option<Vec<u8>>,
    pub created_at: i64,
}

type CheckInRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<Vec<u8>>,
    i64,
);

const CHECKIN_COLUMNS: &str = "id, participant_id, duo_id, session_id, point, instruments, due_at, closes_at, answered_at, answers, created_at";

fn checkin_from(r: CheckInRow) -> CheckIn {
    CheckIn {
        id: r.0,
        participant_id: r.1,
        duo_id: r.2,
        session_id: r.3,
        point: r.4,
        instruments: r
            .5
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        due_at: r.6,
        closes_at: r.7,
        answered_at: r.8,
        answers_sealed: r.9,
        created_at: r.10,
    }
}

/// Adds a check-in unless the session already has this point for this participant.
/// Returns the stored one (the new one, or the one that was there).
pub async fn insert_checkin(db: &Db, c: &CheckIn) -> StoreResult<CheckIn> {
    sqlx::query(
        "INSERT INTO checkins (id, participant_id, duo_id, session_id, point, instruments, due_at, closes_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (session_id, participant_id, point) DO NOTHING",
    )
    .bind(&c.id)
    .bind(&c.participant_id)
    .bind(&c.duo_id)
    .bind(&c.session_id)
    .bind(&c.point)
    .bind(c.instruments.join(","))
    .bind(c.due_at)
    .bind(c.closes_at)
    .bind(c.created_at)
    .execute(&db.pool)
    .await?;
    let row: CheckInRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE session_id = $1 AND participant_id = $2 AND point = $3"
    )))
    .bind(&c.session_id)
    .bind(&c.participant_id)
    .bind(&c.point)
    .fetch_one(&db.pool)
    .await?;
    Ok(checkin_from(row))
}

pub async fn checkin_by_id(db: &Db, id: &str) -> StoreResult<Option<CheckIn>> {
    let row: Option<CheckInRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(checkin_from))
}

/// One participant's check-ins in the order they open.
pub async fn checkins_of(db: &Db, participant_id: &str) -> StoreResult<Vec<CheckIn>> {
    let rows: Vec<CheckInRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE participant_id = $1 ORDER BY due_at, point"
    )))
    .bind(participant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(checkin_from).collect())
}

/// The answered check-ins (with their sealed answers) of many participants at once (in `IN`
/// lists of [`IN_LIST`] ids), each participant's in the order they open; one without any is
/// left out.
pub async fn answered_checkins_of(
    db: &Db,
    participant_ids: &[String],
) -> StoreResult<HashMap<String, Vec<CheckIn>>> {
    let mut out: HashMap<String, Vec<CheckIn>> = HashMap::new();
    for ids in participant_ids.chunks(IN_LIST) {
        let sql = format!(
            "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE participant_id IN ({}) \
             AND answered_at IS NOT NULL AND answers IS NOT NULL ORDER BY participant_id, due_at, point",
            numbered_params(1, ids.len())
        );
        let mut query = sqlx::query_as::<_, CheckInRow>(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id);
        }
        for row in query.fetch_all(&db.pool).await? {
            let c = checkin_from(row);
            out.entry(c.participant_id.clone()).or_default().push(c);
        }
    }
    Ok(out)
}

/// Stores the answers when the check-in is open at `now` and not answered yet; false
/// otherwise (answered meanwhile, not open yet, or closed).
pub async fn answer_checkin(db: &Db, id: &str, sealed: &[u8], now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE checkins SET answers = $1, answered_at = $2 \
         WHERE id = $3 AND answered_at IS NULL AND due_at <= $2 AND closes_at > $2",
    )
    .bind(sealed.to_vec())
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: String,
    pub duo_id: String,
    pub participant_id: String,
    pub checkin_id: Option<String>,
    /// The signal ids, sealed under the participant's key.
    pub signals_sealed: Vec<u8>,
    /// open, acknowledged or resolved
    pub status: String,
    pub opened_at: i64,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub escalated_at: Option<i64>,
}

type AlertRow = (
    String,
    String,
    String,
    Option<String>,
    Vec<u8>,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

const ALERT_COLUMNS: &str = "id, duo_id, participant_id, checkin_id, signals, status, opened_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, escalated_at";

fn alert_from(r: AlertRow) -> Alert {
    Alert {
        id: r.0,
        duo_id: r.1,
        participant_id: r.2,
        checkin_id: r.3,
        signals_sealed: r.4,
        status: r.5,
        opened_at: r.6,
        acknowledged_at: r.7,
        acknowledged_by: r.8,
        resolved_at: r.9,
        resolved_by: r.10,
        escalated_at: r.11,
    }
}

pub async fn open_alert(db: &Db, a: &Alert) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO alerts (id, duo_id, participant_id, checkin_id, signals, status, opened_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6)",
    )
    .bind(&a.id)
    .bind(&a.duo_id)
    .bind(&a.participant_id)
    .bind(a.checkin_id.clone())
    .bind(a.signals_sealed.clone())
    .bind(a.opened_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn alert_by_id(db: &Db, id: &str) -> StoreResult<Option<Alert>> {
    let row: Option<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(alert_from))
}

/// A duo's alerts, newest first; resolved ones only when asked for.
pub async fn alerts_of_duo(db: &Db, duo_id: &str, with_resolved: bool) -> StoreResult<Vec<Alert>> {
    let rows: Vec<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE duo_id = $1 AND ($2 = 1 OR status <> 'resolved') \
         ORDER BY opened_at DESC, id DESC"
    )))
    .bind(duo_id)
    .bind(i64::from(with_resolved))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(alert_from).collect())
}

/// Acknowledges an open alert; false when it was already acknowledged or resolved.
pub async fn acknowledge(db: &Db, id: &str, user_id: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE alerts SET status = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2 \
         WHERE id = $3 AND status = 'open'",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Resolves an alert that is not resolved yet (resolving also acknowledges it).
pub async fn resolve(db: &Db, id: &str, user_id: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE alerts SET status = 'resolved', resolved_at = $1, resolved_by = $2, \
         acknowledged_at = COALESCE(acknowledged_at, $1), acknowledged_by = COALESCE(acknowledged_by, $2) \
         WHERE id = $3 AND status <> 'resolved'",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims the escalation of an alert that is still open and not escalated before; true
/// for exactly one caller.
pub async fn claim_escalation(db: &Db, id: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE alerts SET escalated_at = $1 WHERE id = $2 AND status = 'open' AND escalated_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertNote {
    pub id: String,
    pub alert_id: String,
    pub author_id: String,
    pub body_sealed: Vec<u8>,
    pub created_at: i64,
}

pub async fn add_note(db: &Db, n: &AlertNote) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO alert_notes (id, alert_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&n.id)
    .bind(&n.alert_id)
    .bind(&n.author_id)
    .bind(n.body_sealed.clone())
    .bind(n.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// An alert's notes, oldest first.
pub async fn notes_of(db: &Db, alert_id: &str) -> StoreResult<Vec<AlertNote>> {
    let rows: Vec<(String, String, String, Vec<u8>, i64)> = sqlx::query_as(
        "SELECT id, alert_id, author_id, body, created_at FROM alert_notes WHERE alert_id = $1 ORDER BY created_at, id",
    )
    .bind(alert_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AlertNote {
            id: r.0,
            alert_id: r.1,
            author_id: r.2,
            body_sealed: r.3,
            created_at: r.4,
        })
        .collect())
}
