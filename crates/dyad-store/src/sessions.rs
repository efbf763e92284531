//! Session day: rooms, booked sessions with the staff they book, and the console's event
//! log. Events are append-only: each gets the next `seq` of its session under a unique
//! `(session_id, seq)` key, claimed with a retry when two writers race.

use crate::accounts::new_id;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};

// --- rooms ----------------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Room {
    pub id: String,
    pub name: String,
}

/// Creates a room; `Conflict` when the name is taken.
pub async fn create_room(db: &Db, name: &str, by: &str, now: i64) -> StoreResult<Room> {
    let id = new_id();
    sqlx::query("INSERT INTO rooms (id, name, created_by, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(name)
        .bind(by)
        .bind(now)
        .execute(&db.pool)
        .await
        .map_err(|e| {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                StoreError::Conflict(format!("a room named {name:?} exists"))
            } else {
                e
            }
        })?;
    Ok(Room {
        id,
        name: name.to_string(),
    })
}

pub async fn rooms(db: &Db) -> StoreResult<Vec<Room>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM rooms ORDER BY name")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Room { id, name })
        .collect())
}

/// A room by id, or else by its exact name.
pub async fn find_room(db: &Db, id_or_name: &str) -> StoreResult<Option<Room>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT id, name FROM rooms WHERE id = $1 OR name = $1 ORDER BY id LIMIT 1")
            .bind(id_or_name)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(id, name)| Room { id, name }))
}

// --- sessions -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub duo_id: String,
    /// Set for a one-person session (individual tracks); `None` for the duo.
    pub participant_id: Option<String>,
    pub room_id: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub overnight: bool,
    pub escort_sealed: Option<Vec<u8>>,
    pub support_contact_sealed: Option<Vec<u8>>,
    /// booked, running or closed (a cancelled booking is closed, with `cancelled_at`)
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    /// Set when the booking was cancelled before the day began.
    pub cancelled_at: Option<i64>,
}

impl Session {
    /// A booking that was cancelled before the day began.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
}

type SessionRow = (
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
    i64,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

/// The columns a new session is inserted with.
const SESSION_COLUMNS: &str = "id, duo_id, participant_id, room_id, starts_at, ends_at, overnight, escort, support_contact, status, created_by, created_at, closed_at";
/// The columns a session is read with.
const SESSION_READ: &str = "id, duo_id, participant_id, room_id, starts_at, ends_at, overnight, escort, support_contact, status, created_by, created_at, closed_at, cancelled_at";

fn session_from(r: SessionRow) -> Session {
    Session {
        id: r.0,
        duo_id: r.1,
        participant_id: r.2,
        room_id: r.3,
        starts_at: r.4,
        ends_at: r.5,
        overnight: r.6 != 0,
        escort_sealed: r.7,
        support_contact_sealed: r.8,
        status: r.9,
        created_by: r.10,
        created_at: r.11,
        closed_at: r.12,
        cancelled_at: r.13,
    }
}

/// What clashes with a booking of `room` and `staff` between `starts_at` and `ends_at`:
/// (room taken, staff booked in a session or a meeting).
pub async fn clashes(
    db: &Db,
    room_id: &str,
    staff: &[String],
    starts_at: i64,
    ends_at: i64,
) -> StoreResult<(bool, Vec<String>)> {
    let mut conn = db.pool.acquire().await?;
    clashes_on(&mut conn, room_id, staff, starts_at, ends_at).await
}

async fn clashes_on(
    conn: &mut sqlx::AnyConnection,
    room_id: &str,
    staff: &[String],
    starts_at: i64,
    ends_at: i64,
) -> StoreResult<(bool, Vec<String>)> {
    let room: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE room_id = $1 AND status <> 'closed' AND starts_at < $2 AND ends_at > $3",
    )
    .bind(room_id)
    .bind(ends_at)
    .bind(starts_at)
    .fetch_one(&mut *conn)
    .await?;
    let mut busy = Vec::new();
    for user in staff {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM session_staff ss WHERE ss.user_id = $1 AND ss.starts_at < $2 AND ss.ends_at > $3 \
               AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = ss.session_id AND s.cancelled_at IS NOT NULL)) \
             + (SELECT COUNT(*) FROM meeting_staff WHERE user_id = $1 AND starts_at < $2 AND ends_at > $3)",
        )
        .bind(user)
        .bind(ends_at)
        .bind(starts_at)
        .fetch_one(&mut *conn)
        .await?;
        if n > 0 {
            busy.push(user.clone());
        }
    }
    Ok((room > 0, busy))
}

/// Books a session and its staff in one transaction; a clash found inside it is a
/// `Conflict`.
pub async fn create_session(db: &Db, s: &Session, staff: &[String]) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    let (room, busy) = clashes_on(&mut tx, &s.room_id, staff, s.starts_at, s.ends_at).await?;
    if room {
        return Err(StoreError::Conflict(
            "the room is booked at that time".into(),
        ));
    }
    if !busy.is_empty() {
        return Err(StoreError::Conflict(format!(
            "already booked at that time: {}",
            busy.join(", ")
        )));
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )))
    .bind(&s.id)
    .bind(&s.duo_id)
    .bind(s.participant_id.clone())
    .bind(&s.room_id)
    .bind(s.starts_at)
    .bind(s.ends_at)
    .bind(i64::from(s.overnight))
    .bind(s.escort_sealed.clone())
    .bind(s.support_contact_sealed.clone())
    .bind(&s.status)
    .bind(&s.created_by)
    .bind(s.created_at)
    .bind(s.closed_at)
    .execute(&mut *tx)
    .await?;
    for user in staff {
        sqlx::query(
            "INSERT INTO session_staff (session_id, user_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&s.id)
        .bind(user)
        .bind(s.starts_at)
        .bind(s.ends_at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes a booking that never started (the pathway refused it after the insert).
pub async fn delete_unstarted(db: &Db, id: &str) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_events WHERE session_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if n == 0 {
        sqlx::query("DELETE FROM session_staff WHERE session_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE id = $1 AND status = 'booked'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn session_by_id(db: &Db, id: &str) -> StoreResult<Option<Session>> {
    let row: Option<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_READ} FROM sessions WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(session_from))
}

pub async fn sessions_of(db: &Db, duo_id: &str) -> StoreResult<Vec<Session>> {
    let rows: Vec<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_READ} FROM sessions WHERE duo_id = $1 ORDER BY starts_at, id"
    )))
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(session_from).collect())
}

pub async fn session_staff(db: &Db, session_id: &str) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM session_staff WHERE session_id = $1 ORDER BY user_id",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Cancels a booking whose day has not begun: no entry yet, still `booked`. The row stays,
/// closed with `cancelled_at`, so the room (only sessions not closed hold it) and the staff
/// (sessions not cancelled hold them) are free again. False when the session started, was
/// cancelled or closed meanwhile; nothing is changed then.
pub async fn cancel_booked(
    db: &Db,
    id: &str,
    by: &str,
    reason_sealed: &[u8],
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET status = 'closed', closed_at = $1, cancelled_at = $1, cancelled_by = $2, cancel_reason = $3 \
         WHERE id = $4 AND status = 'booked' AND cancelled_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM session_events e WHERE e.session_id = $4)",
    )
    .bind(now)
    .bind(by)
    .bind(reason_sealed.to_vec())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Why a booking was cancelled, sealed, and who cancelled it.
pub async fn cancellation_of(db: &Db, id: &str) -> StoreResult<Option<(String, Option<Vec<u8>>)>> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT cancelled_by, cancel_reason FROM sessions WHERE id = $1 AND cancelled_at IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(by, reason)| (by.unwrap_or_default(), reason)))
}

/// Moves a session from status `from` to `to`; false when it was not in `from` (someone
/// else moved it first).
pub async fn set_status(db: &Db, id: &str, from: &str, to: &str, now: i64) -> StoreResult<bool> {
    let closed_at = (to == "closed").then_some(now);
    let done = sqlx::query(
        "UPDATE sessions SET status = $1, closed_at = COALESCE($2, closed_at) WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(closed_at)
    .bind(id)
    .bind(from)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

// --- events ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    pub id: String,
    pub session_id: String,
    pub seq: i64,
    pub kind: String,
    pub participant_id: Option<String>,
    pub corrects: Option<String>,
    pub author_id: String,
    pub at: i64,
    pub body_sealed: Vec<u8>,
}

/// What a new event carries; the store gives it its `seq`.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub session_id: &'a str,
    pub kind: &'a str,
    pub participant_id: Option<&'a str>,
    pub corrects: Option<&'a str>,
    pub author_id: &'a str,
    pub at: i64,
    pub body_sealed: &'a [u8],
    /// The console's own key for the entry, so a resend after a dropped connection is
    /// stored once.
    pub client_key: Option<&'a str>,
}

/// What appending gave: a new entry, or the one stored earlier under the same client key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    New(i64),
    Existing(SessionEvent),
}

/// The entry a console stored earlier under `client_key`.
pub async fn event_by_client_key(
    db: &Db,
    session_id: &str,
    client_key: &str,
) -> StoreResult<Option<SessionEvent>> {
    let row: Option<EventRow> = sqlx::query_as(
        "SELECT id, session_id, seq, kind, participant_id, corrects, author_id, at, body \
         FROM session_events WHERE session_id = $1 AND client_key = $2",
    )
    .bind(session_id)
    .bind(client_key)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(event_from))
}

/// Appends an event with the next `seq` of its session. Two writers racing for the same
/// `seq` collide on the unique key; the loser reads the new maximum and tries again.
pub async fn append_event(db: &Db, e: &NewEvent<'_>) -> StoreResult<Appended> {
    for _ in 0..50 {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM session_events WHERE session_id = $1")
                .bind(e.session_id)
                .fetch_one(&db.pool)
                .await?;
        let seq = last.unwrap_or(0) + 1;
        let inserted = sqlx::query(
            "INSERT INTO session_events (id, session_id, seq, kind, participant_id, corrects, author_id, at, body, client_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(e.id)
        .bind(e.session_id)
        .bind(seq)
        .bind(e.kind)
        .bind(e.participant_id.map(str::to_string))
        .bind(e.corrects.map(str::to_string))
        .bind(e.author_id)
        .bind(e.at)
        .bind(e.body_sealed.to_vec())
        .bind(e.client_key.map(str::to_string))
        .execute(&db.pool)
        .await;
        match inserted {
            Ok(_) => return Ok(Appended::New(seq)),
            Err(err) => {
                let err = StoreError::from(err);
                if !err.is_unique_violation() {
                    return Err(err);
                }
                if let Some(key) = e.client_key
                    && let Some(earlier) = event_by_client_key(db, e.session_id, key).await?
                {
                    return Ok(Appended::Existing(earlier));
                }
                // Someone else took this seq: read the new maximum and try again.
                tokio::task::yield_now().await;
            }
        }
    }
    Err(StoreError::Conflict(
        "too many writers at once; try again".into(),
    ))
}

type EventRow = (
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    Vec<u8>,
);

pub async fn events_of(db: &Db, session_id: &str) -> StoreResult<Vec<SessionEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, session_id, seq, kind, participant_id, corrects, author_id, at, body \
         FROM session_events WHERE session_id = $1 ORDER BY seq",
    )
    .bind(session_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(event_from).collect())
}

fn event_from(r: EventRow) -> SessionEvent {
    SessionEvent {
        id: r.0,
        session_id: r.1,
        seq: r.2,
        kind: r.3,
        participant_id: r.4,
        corrects: r.5,
        author_id: r.6,
        at: r.7,
        body_sealed: r.8,
    }
}

/// The last `seq` of a session (0 before the first event).
pub async fn last_seq(db: &Db, session_id: &str) -> StoreResult<i64> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(seq) FROM session_events WHERE session_id = $1")
            .bind(session_id)
            .fetch_one(&db.pool)
            .await?;
    Ok(last.unwrap_or(0))
}

/// A number that changes whenever a consent of the duo's participants may have changed:
/// a withdrawal, a new agreement version or a signature. The live console polls it.
pub async fn consent_marker(db: &Db, duo_id: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM consent_withdrawals WHERE participant_id IN (SELECT id FROM participants WHERE duo_id = $1)) \
         + (SELECT COUNT(*) FROM agreement_versions WHERE duo_id = $1) \
         + (SELECT COUNT(*) FROM agreement_signatures WHERE duo_id = $1)",
    )
    .bind(duo_id)
    .fetch_one(&db.pool)
    .await?)
}
