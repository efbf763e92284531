//! Research and privacy rights: studies, the pseudonym key (research codes and duo date
//! offsets), the facts an export reads, and erasure.

use std::collections::{BTreeSet, HashMap};

use crate::accounts::new_id;
use crate::db::{Db, IN_LIST, numbered_params};
use crate::duos::pseudonym;
use crate::error::{StoreError, StoreResult};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Study {
    pub id: String,
    pub name: String,
    pub protocol_id: String,
    pub active: bool,
    /// The research consent documents (ids) the study accepts.
    pub document_ids: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

type StudyRow = (String, String, String, i64, i64, i64);

async fn with_documents(db: &Db, r: StudyRow) -> StoreResult<Study> {
    let docs: Vec<(String,)> = sqlx::query_as(
        "SELECT document_id FROM study_documents WHERE study_id = $1 ORDER BY document_id",
    )
    .bind(&r.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(Study {
        id: r.0,
        name: r.1,
        protocol_id: r.2,
        active: r.3 != 0,
        document_ids: docs.into_iter().map(|d| d.0).collect(),
        created_at: r.4,
        updated_at: r.5,
    })
}

const STUDY_COLUMNS: &str = "id, name, protocol_id, active, created_at, updated_at";

pub async fn studies(db: &Db) -> StoreResult<Vec<Study>> {
    let rows: Vec<StudyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {STUDY_COLUMNS} FROM studies ORDER BY created_at, id"
    )))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(with_documents(db, r).await?);
    }
    Ok(out)
}

/// A study by its id or its protocol id.
pub async fn study(db: &Db, id_or_protocol: &str) -> StoreResult<Option<Study>> {
    let row: Option<StudyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {STUDY_COLUMNS} FROM studies WHERE id = $1 OR protocol_id = $1"
    )))
    .bind(id_or_protocol)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some(r) => Ok(Some(with_documents(db, r).await?)),
        None => Ok(None),
    }
}

/// Creates a study, or updates the one with the same id; its document list is replaced.
#[allow(clippy::too_many_arguments)]
pub async fn save_study(
    db: &Db,
    id: Option<&str>,
    name: &str,
    protocol_id: &str,
    active: bool,
    document_ids: &[String],
    by: &str,
    now: i64,
) -> StoreResult<String> {
    let mut tx = db.pool.begin().await?;
    let id = match id {
        Some(id) => {
            let done = sqlx::query(
                "UPDATE studies SET name = $1, protocol_id = $2, active = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(name)
            .bind(protocol_id)
            .bind(i64::from(active))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            id.to_string()
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO studies (id, name, protocol_id, active, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(&id)
            .bind(name)
            .bind(protocol_id)
            .bind(i64::from(active))
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            id
        }
    };
    sqlx::query("DELETE FROM study_documents WHERE study_id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    for doc in document_ids {
        sqlx::query("INSERT INTO study_documents (study_id, document_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(doc)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

// --- the pseudonym key ----------------------------------------------------------------------

/// The participant's research code, created on first use. Stable afterwards.
pub async fn subject_code(db: &Db, participant_id: &str, now: i64) -> StoreResult<String> {
    loop {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT code FROM research_subjects WHERE participant_id = $1")
                .bind(participant_id)
                .fetch_optional(&db.pool)
                .await?;
        if let Some((code,)) = row {
            return Ok(code);
        }
        let inserted = sqlx::query(
            "INSERT INTO research_subjects (participant_id, code, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(participant_id)
        .bind(pseudonym('R'))
        .bind(now)
        .execute(&db.pool)
        .await?;
        // Zero rows: another export won the race, or (rarely) the code was taken; read again.
        let _ = inserted;
    }
}

/// The duo's research code and date offset in days, created on first use. `random` picks
/// the offset (see `dyad_core::research::pick_offset`), avoiding offsets other duos have.
pub async fn duo_code(
    db: &Db,
    duo_id: &str,
    now: i64,
    pick: impl Fn(&BTreeSet<i64>) -> i64,
) -> StoreResult<(String, i64)> {
    loop {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT code, offset_days FROM research_duos WHERE duo_id = $1")
                .bind(duo_id)
                .fetch_optional(&db.pool)
                .await?;
        if let Some(found) = row {
            return Ok(found);
        }
        let taken: Vec<(i64,)> = sqlx::query_as("SELECT offset_days FROM research_duos")
            .fetch_all(&db.pool)
            .await?;
        let taken: BTreeSet<i64> = taken.into_iter().map(|t| t.0).collect();
        sqlx::query(
            "INSERT INTO research_duos (duo_id, code, offset_days, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(duo_id)
        .bind(pseudonym('Y'))
        .bind(pick(&taken))
        .bind(now)
        .execute(&db.pool)
        .await?;
    }
}

/// Runs `sql` (`{ids}` marking where the `IN` list goes) once per [`IN_LIST`] ids, and gives
/// every row to `each`.
async fn for_each_in<R>(
    db: &Db,
    sql: &str,
    ids: &[String],
    mut each: impl FnMut(R),
) -> StoreResult<()>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    for chunk in ids.chunks(IN_LIST) {
        let sql = sql.replace("{ids}", &numbered_params(1, chunk.len()));
        let mut query = sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&db.pool).await? {
            each(row);
        }
    }
    Ok(())
}

/// [`subject_code`] for many participants at once: each one's research code, those without
/// one given a new one (written in one statement per [`IN_LIST`] ids).
pub async fn subject_codes(
    db: &Db,
    participant_ids: &[String],
    now: i64,
) -> StoreResult<HashMap<String, String>> {
    let mut codes = HashMap::new();
    for chunk in participant_ids.chunks(IN_LIST) {
        loop {
            for_each_in(
                db,
                "SELECT participant_id, code FROM research_subjects WHERE participant_id IN ({ids})",
                chunk,
                |(id, code): (String, String)| {
                    codes.insert(id, code);
                },
            )
            .await?;
            let mut missing: Vec<&String> =
                chunk.iter().filter(|id| !codes.contains_key(*id)).collect();
            missing.sort();
            missing.dedup();
            if missing.is_empty() {
                break;
            }
            let values = (0..missing.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO research_subjects (participant_id, code, created_at) VALUES {values} \
                 ON CONFLICT DO NOTHING"
            )));
            for id in missing {
                insert = insert.bind(id).bind(pseudonym('R')).bind(now);
            }
            // Rows left out: another export won the race, or (rarely) a code was taken; the
            // next round reads them again.
            insert.execute(&db.pool).await?;
        }
    }
    Ok(codes)
}

/// [`duo_code`] for many duos at once: each one's code and offset, those without one given
/// a new one. `pick` sees the offsets already taken, including those picked before it in
/// this call.
pub async fn duo_codes(
    db: &Db,
    duo_ids: &[String],
    now: i64,
    pick: impl Fn(&BTreeSet<i64>) -> i64,
) -> StoreResult<HashMap<String, (String, i64)>> {
    let mut found = HashMap::new();
    let mut taken = BTreeSet::new();
    let mut read_taken = false;
    for chunk in duo_ids.chunks(IN_LIST) {
        loop {
            for_each_in(
                db,
                "SELECT duo_id, code, offset_days FROM research_duos WHERE duo_id IN ({ids})",
                chunk,
                |(id, code, offset): (String, String, i64)| {
                    found.insert(id, (code, offset));
                },
            )
            .await?;
            let mut missing: Vec<&String> =
                chunk.iter().filter(|id| !found.contains_key(*id)).collect();
            missing.sort();
            missing.dedup();
            if missing.is_empty() {
                break;
            }
            if !read_taken {
                let rows: Vec<(i64,)> = sqlx::query_as("SELECT offset_days FROM research_duos")
                    .fetch_all(&db.pool)
                    .await?;
                taken.extend(rows.into_iter().map(|r| r.0));
                read_taken = true;
            }
            let values = (0..missing.len())
                .map(|i| {
                    format!(
                        "(${}, ${}, ${}, ${})",
                        4 * i + 1,
                        4 * i + 2,
                        4 * i + 3,
                        4 * i + 4
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO research_duos (duo_id, code, offset_days, created_at) VALUES {values} \
                 ON CONFLICT DO NOTHING"
            )));
            for id in missing {
                let offset = pick(&taken);
                taken.insert(offset);
                insert = insert.bind(id).bind(pseudonym('Y')).bind(offset).bind(now);
            }
            insert.execute(&db.pool).await?;
        }
    }
    Ok(found)
}

/// One participant as an export starts from: ids only, never names.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub participant_id: String,
    pub duo_id: String,
    pub user_id: String,
    pub member_role: String,
    pub relationship: String,
}

/// Every participant with an account who is not erased, oldest duo first.
pub async fn candidates(db: &Db) -> StoreResult<Vec<Candidate>> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT p.id, p.duo_id, p.user_id, p.member_role, d.relationship FROM participants p \
         JOIN duos d ON d.id = p.duo_id \
         WHERE p.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.participant_id = p.id) \
         ORDER BY d.created_at, p.duo_id, p.created_at",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            participant_id: r.0,
            duo_id: r.1,
            user_id: r.2,
            member_role: r.3,
            relationship: r.4,
        })
        .collect())
}

/// Acceptances of research consent documents: `(document id, version, accepted_at)`.
pub async fn research_acceptances(
    db: &Db,
    user_id: &str,
) -> StoreResult<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.version, a.accepted_at FROM \
         (SELECT user_id, document_id, accepted_at FROM consent_acceptances \
          UNION ALL SELECT user_id, document_id, accepted_at FROM consent_renewals) a \
         JOIN consent_documents d ON d.id = a.document_id WHERE a.user_id = $1 AND d.kind = 'research' \
         ORDER BY a.accepted_at",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}

/// [`research_acceptances`] of many users at once, by user id (users without any left out).
pub async fn research_acceptances_of(
    db: &Db,
    user_ids: &[String],
) -> StoreResult<HashMap<String, Vec<(String, String, i64)>>> {
    let mut out: HashMap<String, Vec<(String, String, i64)>> = HashMap::new();
    for_each_in(
        db,
        "SELECT a.user_id, d.id, d.version, a.accepted_at FROM \
         (SELECT user_id, document_id, accepted_at FROM consent_acceptances \
          UNION ALL SELECT user_id, document_id, accepted_at FROM consent_renewals) a \
         JOIN consent_documents d ON d.id = a.document_id WHERE a.user_id IN ({ids}) AND d.kind = 'research' \
         ORDER BY a.user_id, a.accepted_at",
        user_ids,
        |(user, id, version, at): (String, String, String, i64)| {
            out.entry(user).or_default().push((id, version, at));
        },
    )
    .await?;
    Ok(out)
}

/// [`research_withdrawals`] of many participants at once (those without any left out).
pub async fn research_withdrawals_of(
    db: &Db,
    participant_ids: &[String],
) -> StoreResult<HashMap<String, Vec<i64>>> {
    let mut out: HashMap<String, Vec<i64>> = HashMap::new();
    for_each_in(
        db,
        "SELECT participant_id, at FROM consent_withdrawals \
         WHERE participant_id IN ({ids}) AND item = 'research' ORDER BY participant_id, at",
        participant_ids,
        |(id, at): (String, i64)| out.entry(id).or_default().push(at),
    )
    .await?;
    Ok(out)
}

/// Records that the user accepts `document_id` now: the first acceptance of the document, or,
/// when they accepted it before (and withdrew since), a renewal beside the first one.
pub async fn give_consent(
    db: &Db,
    user_id: &str,
    document_id: &str,
    method: &str,
    now: i64,
) -> StoreResult<()> {
    let first = sqlx::query(
        "INSERT INTO consent_acceptances (id, user_id, document_id, accepted_at, method) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, document_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(document_id)
    .bind(now)
    .bind(method)
    .execute(&db.pool)
    .await?;
    if first.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO consent_renewals (id, user_id, document_id, accepted_at, method) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(user_id)
        .bind(document_id)
        .bind(now)
        .bind(method)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// When research consent was withdrawn.
pub async fn research_withdrawals(db: &Db, participant_id: &str) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT at FROM consent_withdrawals WHERE participant_id = $1 AND item = 'research' ORDER BY at",
    )
    .bind(participant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Sessions a participant took part in: `(starts_at, one-person session, closed)`; a
/// cancelled booking never took place and is left out.
pub async fn sessions_of_participant(
    db: &Db,
    duo_id: &str,
    participant_id: &str,
) -> StoreResult<Vec<(i64, bool, bool)>> {
    let rows: Vec<(i64, Option<String>, String)> = sqlx::query_as(
        "SELECT starts_at, participant_id, status FROM sessions \
         WHERE duo_id = $1 AND (participant_id IS NULL OR participant_id = $2) AND cancelled_at IS NULL ORDER BY starts_at",
    )
    .bind(duo_id)
    .bind(participant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, one, status)| (at, one.is_some(), status == "closed"))
        .collect())
}

/// [`sessions_of_participant`] for many participants at once, by participant id: `pairs`
/// holds `(duo id, participant id)`; everyone is in the answer (with no sessions, an empty
/// list).
pub async fn sessions_of_participants(
    db: &Db,
    pairs: &[(String, String)],
) -> StoreResult<HashMap<String, Vec<(i64, bool, bool)>>> {
    let mut duo_ids: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
    duo_ids.sort();
    duo_ids.dedup();
    let mut by_duo: HashMap<String, Vec<(i64, Option<String>, String)>> = HashMap::new();
    for_each_in(
        db,
        "SELECT duo_id, starts_at, participant_id, status FROM sessions \
         WHERE duo_id IN ({ids}) AND cancelled_at IS NULL ORDER BY duo_id, starts_at",
        &duo_ids,
        |(duo, at, one, status): (String, i64, Option<String>, String)| {
            by_duo.entry(duo).or_default().push((at, one, status));
        },
    )
    .await?;
    Ok(pairs
        .iter()
        .map(|(duo, participant)| {
            let sessions = by_duo
                .get(duo)
                .map(|rows| {
                    rows.iter()
                        .filter(|(_, one, _)| one.as_ref().is_none_or(|p| p == participant))
                        .map(|(at, one, status)| (*at, one.is_some(), status == "closed"))
                        .collect()
                })
                .unwrap_or_default();
            (participant.clone(), sessions)
        })
        .collect())
}

// --- erasure --------------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Erasure {
    pub id: String,
    pub participant_id: String,
    pub executed_by: String,
    pub reason: String,
    /// The documented checks, as JSON.
    pub checks: String,
    pub executed_at: i64,
}

pub async fn erasure_of(db: &Db, participant_id: &str) -> StoreResult<Option<Erasure>> {
    let row: Option<(String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, participant_id, executed_by, reason, checks, executed_at FROM erasures WHERE participant_id = $1",
    )
    .bind(participant_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Erasure {
        id: r.0,
        participant_id: r.1,
        executed_by: r.2,
        reason: r.3,
        checks: r.4,
        executed_at: r.5,
    }))
}

/// Every erased participant id.
pub async fn erased_ids(db: &Db) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT participant_id FROM erasures ORDER BY executed_at")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Records the erasure and removes the direct identifiers in one transaction: the account's
/// name and email become a tombstone, it can no longer sign in, its sessions and recovery
/// codes go, the invitation that named the person forgets name and email, and the research
/// code is deleted (so earlier exports can no longer be tied back). Signed consents,
/// signatures and the audit trail stay. The data key is destroyed by the caller (the sealer).
pub async fn record_erasure(
    db: &Db,
    participant_id: &str,
    executed_by: &str,
    reason: &str,
    checks_json: &str,
    now: i64,
) -> StoreResult<Erasure> {
    let mut tx = db.pool.begin().await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO erasures (id, participant_id, executed_by, reason, checks, executed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(participant_id)
    .bind(executed_by)
    .bind(reason)
    .bind(checks_json)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() {
            StoreError::Conflict("this participant is already erased".into())
        } else {
            e
        }
    })?;
    let row: Option<(String, Option<String>, String)> =
        sqlx::query_as("SELECT duo_id, user_id, member_role FROM participants WHERE id = $1")
            .bind(participant_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((duo_id, user_id, member_role)) = row else {
        return Err(StoreError::NotFound);
    };
    if let Some(uid) = &user_id {
        let tombstone = format!("erased-{id}@erased.invalid");
        sqlx::query(
            "UPDATE users SET name = 'Erased participant', email = $1, password_hash = '', \
             totp_secret = NULL, totp_enabled = 0, active = 0, updated_at = $2 WHERE id = $3",
        )
        .bind(&tombstone)
        .bind(now)
        .bind(uid)
        .execute(&mut *tx)
        .await?;
        for table in ["auth_sessions", "recovery_codes"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE user_id = $1"
            )))
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        }
    }
    if member_role == "invitee" {
        sqlx::query(
            "UPDATE invitations SET partner_name = 'Erased participant', partner_email = '' WHERE duo_id = $1",
        )
        .bind(&duo_id)
        .execute(&mut *tx)
        .await?;
    }
    // Sealed under the erased key anyway; dropping it leaves nothing to try.
    sqlx::query("UPDATE participants SET motivation = NULL WHERE id = $1")
        .bind(participant_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM research_subjects WHERE participant_id = $1")
        .bind(participant_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    erasure_of(db, participant_id)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The participant with this care code (`P-…`, any letter case).
pub async fn participant_id_by_code(db: &Db, code: &str) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM participants WHERE code = $1")
        .bind(code.trim().to_ascii_uppercase())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.0))
}

/// Whether the participant has a session booked or running (erasure waits for it to end).
pub async fn has_open_session(db: &Db, duo_id: &str, participant_id: &str) -> StoreResult<bool> {
    Ok(sessions_of_participant(db, duo_id, participant_id)
        .await?
        .iter()
        .any(|(_, _, closed)| !closed))
}

/// Whether the participant ever received a research code (was in an export).
pub async fn has_research_code(db: &Db, participant_id: &str) -> StoreResult<bool> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT code FROM research_subjects WHERE participant_id = $1")
            .bind(participant_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.is_some())
}

/// Whether `owner` still has a data key that can be unwrapped (none yet, or destroyed, is
/// false).
pub async fn has_live_key(db: &Db, owner: &str) -> StoreResult<bool> {
    let row: Option<(Option<Vec<u8>>,)> =
        sqlx::query_as("SELECT wrapped_key FROM data_keys WHERE owner_id = $1")
            .bind(owner)
            .fetch_optional(&db.pool)
            .await?;
    Ok(matches!(row, Some((Some(_),))))
}

/// Every version of the research consent document: `(id, version, title)`, oldest first.
pub async fn research_documents(db: &Db) -> StoreResult<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, version, title FROM consent_documents WHERE kind = 'research' ORDER BY effective_at, created_at",
    )
    .fetch_all(&db.pool)
    .await?)
}
