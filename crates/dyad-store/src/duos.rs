//! Duos and their participants, invitations, the phase log, consent documents with their
//! acceptances, private withdrawals, and each participant's thread with the care team.

use crate::accounts::new_id;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Duo {
    pub id: String,
    pub code: String,
    pub relationship: String,
    pub phase: String,
    pub phase_since: i64,
    pub paused_from: Option<String>,
    pub format: Option<String>,
    pub created_at: i64,
}

type DuoRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    i64,
);

fn duo_from(r: DuoRow) -> Duo {
    Duo {
        id: r.0,
        code: r.1,
        relationship: r.2,
        phase: r.3,
        phase_since: r.4,
        paused_from: r.5,
        format: r.6,
        created_at: r.7,
    }
}

const DUO_COLUMNS: &str =
    "id, code, relationship, phase, phase_since, paused_from, format, created_at";

#[derive(Debug, Clone, serde::Serialize)]
pub struct Participant {
    pub id: String,
    pub duo_id: String,
    pub user_id: Option<String>,
    pub code: String,
    pub member_role: String,
    pub name: String,
    pub email: String,
    pub created_at: i64,
}

type ParticipantRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

fn participant_from(r: ParticipantRow) -> Participant {
    Participant {
        id: r.0,
        duo_id: r.1,
        user_id: r.2,
        code: r.3,
        member_role: r.4,
        name: r.5.unwrap_or_default(),
        email: r.6.unwrap_or_default(),
        created_at: r.7,
    }
}

const PARTICIPANT_SELECT: &str = "SELECT p.id, p.duo_id, p.user_id, p.code, p.member_role, u.name, u.email, p.created_at \
     FROM participants p LEFT JOIN users u ON u.id = p.user_id";

/// A pseudonymous code such as `D-7KQ2-M9XH`: random, stable, and free of look-alikes.
pub fn pseudonym(prefix: char) -> String {
    use rand::RngCore;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = String::from(prefix);
    for _ in 0..2 {
        out.push('-');
        for _ in 0..4 {
            let i = (rand::rngs::OsRng.next_u32() as usize) % ALPHABET.len();
            out.push(char::from(ALPHABET[i]));
        }
    }
    out
}

pub async fn duo_by_id(db: &Db, id: &str) -> StoreResult<Option<Duo>> {
    let row: Option<DuoRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DUO_COLUMNS} FROM duos WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(duo_from))
}

/// Duos newest first, optionally in one phase, filtered by name, email or code.
pub async fn list_duos(
    db: &Db,
    phase: Option<&str>,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<Duo>> {
    let pattern = search
        .map(|s| format!("%{}%", s.trim().to_lowercase()))
        .unwrap_or_default();
    let rows: Vec<DuoRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DUO_COLUMNS} FROM duos d WHERE ($1 = '' OR d.phase = $1) AND ($2 = '' OR LOWER(d.code) LIKE $2 \
         OR EXISTS (SELECT 1 FROM participants p JOIN users u ON u.id = p.user_id WHERE p.duo_id = d.id \
                    AND (LOWER(u.name) LIKE $2 OR u.email LIKE $2 OR LOWER(p.code) LIKE $2)) \
         OR EXISTS (SELECT 1 FROM invitations i WHERE i.duo_id = d.id AND (LOWER(i.partner_name) LIKE $2 OR i.partner_email LIKE $2))) \
         ORDER BY d.created_at DESC LIMIT $3 OFFSET $4"
    )))
    .bind(phase.unwrap_or(""))
    .bind(pattern)
    .bind(limit.clamp(1, 500))
    .bind(offset.max(0))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(duo_from).collect())
}

/// What a list of duos needs of each, read for many duos at once: one query per kind
/// instead of one per duo.
#[derive(Debug, Default)]
pub struct DuoDetails {
    /// By duo id, in the order [`participants_of`] gives.
    pub participants: std::collections::HashMap<String, Vec<Participant>>,
    /// By duo id, as [`team_of`] gives: (user id, team role, name).
    pub teams: std::collections::HashMap<String, Vec<(String, String, String)>>,
    /// By duo id: users with active break-glass access at `now`.
    pub break_glass: std::collections::HashMap<String, Vec<String>>,
    /// By duo id: the latest invitation, as [`invitation_of_duo`] gives.
    pub invitations: std::collections::HashMap<String, Invitation>,
}

pub async fn details_of(db: &Db, duo_ids: &[String], now: i64) -> StoreResult<DuoDetails> {
    let mut out = DuoDetails::default();
    if duo_ids.is_empty() {
        return Ok(out);
    }
    let list = crate::db::numbered_params(1, duo_ids.len());
    let rows: Vec<ParticipantRow> = duo_ids
        .iter()
        .fold(
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PARTICIPANT_SELECT} WHERE p.duo_id IN ({list}) ORDER BY p.created_at"
            ))),
            |q, id| q.bind(id),
        )
        .fetch_all(&db.pool)
        .await?;
    for p in rows.into_iter().map(participant_from) {
        out.participants
            .entry(p.duo_id.clone())
            .or_default()
            .push(p);
    }
    let rows: Vec<(String, String, String, String)> = duo_ids
        .iter()
        .fold(
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT t.duo_id, t.user_id, t.team_role, u.name FROM duo_team t JOIN users u ON u.id = t.user_id \
                 WHERE t.duo_id IN ({list}) ORDER BY t.team_role, u.name"
            ))),
            |q, id| q.bind(id),
        )
        .fetch_all(&db.pool)
        .await?;
    for (duo, user, role, name) in rows {
        out.teams.entry(duo).or_default().push((user, role, name));
    }
    let rows: Vec<(String, String)> = duo_ids
        .iter()
        .fold(
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT DISTINCT duo_id, user_id FROM break_glass WHERE duo_id IN ({list}) AND expires_at > ${}",
                duo_ids.len() + 1
            ))),
            |q, id| q.bind(id),
        )
        .bind(now)
        .fetch_all(&db.pool)
        .await?;
    for (duo, user) in rows {
        out.break_glass.entry(duo).or_default().push(user);
    }
    let rows: Vec<InvitationRow> = duo_ids
        .iter()
        .fold(
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations WHERE duo_id IN ({list}) ORDER BY created_at"
            ))),
            |q, id| q.bind(id),
        )
        .fetch_all(&db.pool)
        .await?;
    // Oldest first: the latest of each duo is the one left standing.
    for i in rows.into_iter().map(invitation_from) {
        out.invitations.insert(i.duo_id.clone(), i);
    }
    Ok(out)
}

/// Ids of the duos a staff member is on the team of.
pub async fn duo_ids_for_team_member(db: &Db, user_id: &str) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT duo_id FROM duo_team WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn participants_of(db: &Db, duo_id: &str) -> StoreResult<Vec<Participant>> {
    let rows: Vec<ParticipantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PARTICIPANT_SELECT} WHERE p.duo_id = $1 ORDER BY p.created_at"
    )))
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(participant_from).collect())
}

/// Both members of the duo `participant_id` belongs to, in one query (empty when there is
/// no such participant): what a participant's own request starts from.
pub async fn participants_beside(db: &Db, participant_id: &str) -> StoreResult<Vec<Participant>> {
    let rows: Vec<ParticipantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PARTICIPANT_SELECT} WHERE p.duo_id = (SELECT duo_id FROM participants WHERE id = $1) \
         ORDER BY p.created_at"
    )))
    .bind(participant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(participant_from).collect())
}

pub async fn participant_by_id(db: &Db, id: &str) -> StoreResult<Option<Participant>> {
    let row: Option<ParticipantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PARTICIPANT_SELECT} WHERE p.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(participant_from))
}

pub async fn participant_motivation(db: &Db, participant_id: &str) -> StoreResult<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>,)> =
        sqlx::query_as("SELECT motivation FROM participants WHERE id = $1")
            .bind(participant_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|r| r.0))
}

/// The care team of a duo: (user id, team role, name).
pub async fn team_of(db: &Db, duo_id: &str) -> StoreResult<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT t.user_id, t.team_role, u.name FROM duo_team t JOIN users u ON u.id = t.user_id \
         WHERE t.duo_id = $1 ORDER BY t.team_role, u.name",
    )
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Replaces the care team of a duo in one transaction.
pub async fn set_team(db: &Db, duo_id: &str, members: &[(String, String)]) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM duo_team WHERE duo_id = $1")
        .bind(duo_id)
        .execute(&mut *tx)
        .await?;
    for (user_id, role) in members {
        sqlx::query("INSERT INTO duo_team (duo_id, user_id, team_role) VALUES ($1, $2, $3)")
            .bind(duo_id)
            .bind(user_id)
            .bind(role)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

// --- creation -----------------------------------------------------------------------------

/// Everything sign-up writes, prepared (ids chosen, motivation sealed) by the caller.
#[derive(Debug, Clone)]
pub struct NewDuo {
    pub duo_id: String,
    pub relationship: String,
    pub user: crate::accounts::NewUser,
    pub participant_id: String,
    pub motivation_sealed: Vec<u8>,
    pub invitation_id: String,
    pub partner_name: String,
    pub partner_email: String,
    pub invitation_expires_at: i64,
    pub invitation_token_hash: String,
    pub document_ids: Vec<String>,
    pub accept_method: String,
}

/// Creates the account, the duo in phase `invited`, the inviter, the invitation and the
/// document acceptances, all or nothing. Returns the new user id.
pub async fn create_duo(db: &Db, new: &NewDuo, now: i64) -> StoreResult<String> {
    let user_id = new_id();
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, kind, roles, must_change_password, email_verified, \
         participant_id, created_at, updated_at) VALUES ($1, $2, $3, $4, 'participant', 'participant', 0, 0, $5, $6, $6)",
    )
    .bind(&user_id)
    .bind(crate::accounts::normalise_email(&new.user.email))
    .bind(&new.user.name)
    .bind(&new.user.password_hash)
    .bind(&new.participant_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO duos (id, code, relationship, phase, phase_since, created_at) VALUES ($1, $2, $3, 'invited', $4, $4)")
        .bind(&new.duo_id)
        .bind(pseudonym('D'))
        .bind(&new.relationship)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO participants (id, duo_id, user_id, code, member_role, motivation, created_at) \
         VALUES ($1, $2, $3, $4, 'inviter', $5, $6)",
    )
    .bind(&new.participant_id)
    .bind(&new.duo_id)
    .bind(&user_id)
    .bind(pseudonym('P'))
    .bind(new.motivation_sealed.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO invitations (id, duo_id, partner_name, partner_email, status, created_at, expires_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $5)",
    )
    .bind(&new.invitation_id)
    .bind(&new.duo_id)
    .bind(&new.partner_name)
    .bind(crate::accounts::normalise_email(&new.partner_email))
    .bind(now)
    .bind(new.invitation_expires_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO purpose_tokens (token_hash, purpose, subject_id, created_at, expires_at) VALUES ($1, 'invitation', $2, $3, $4)",
    )
    .bind(&new.invitation_token_hash)
    .bind(&new.invitation_id)
    .bind(now)
    .bind(new.invitation_expires_at)
    .execute(&mut *tx)
    .await?;
    for doc in &new.document_ids {
        insert_acceptance(&mut tx, &user_id, doc, now, &new.accept_method).await?;
    }
    log_phase(
        &mut tx,
        &new.duo_id,
        "invited",
        "invited",
        "sign_up",
        &user_id,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// What accepting an invitation writes, prepared by the caller.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub invitation_id: String,
    pub token_hash: String,
    pub duo_id: String,
    pub user: crate::accounts::NewUser,
    pub participant_id: String,
    pub motivation_sealed: Vec<u8>,
    pub document_ids: Vec<String>,
    pub accept_method: String,
    pub next_phase: String,
}

/// Uses the invitation token and adds the partner, all or nothing. `Conflict` when the
/// token was used (or the invitation ended) in the meantime.
pub async fn join_duo(db: &Db, new: &NewPartner, now: i64) -> StoreResult<String> {
    let user_id = new_id();
    let mut tx = db.pool.begin().await?;
    let taken = sqlx::query(
        "UPDATE purpose_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = 'invitation' \
         AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(&new.token_hash)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() != 1 {
        return Err(StoreError::Conflict("invitation no longer open".into()));
    }
    let updated = sqlx::query("UPDATE invitations SET status = 'joined', updated_at = $1 WHERE id = $2 AND status = 'waiting'")
        .bind(now)
        .bind(&new.invitation_id)
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict("invitation no longer open".into()));
    }
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, kind, roles, must_change_password, email_verified, \
         participant_id, created_at, updated_at) VALUES ($1, $2, $3, $4, 'participant', 'participant', 0, 1, $5, $6, $6)",
    )
    .bind(&user_id)
    .bind(crate::accounts::normalise_email(&new.user.email))
    .bind(&new.user.name)
    .bind(&new.user.password_hash)
    .bind(&new.participant_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO participants (id, duo_id, user_id, code, member_role, motivation, created_at) \
         VALUES ($1, $2, $3, $4, 'invitee', $5, $6)",
    )
    .bind(&new.participant_id)
    .bind(&new.duo_id)
    .bind(&user_id)
    .bind(pseudonym('P'))
    .bind(new.motivation_sealed.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for doc in &new.document_ids {
        insert_acceptance(&mut tx, &user_id, doc, now, &new.accept_method).await?;
    }
    set_phase_tx(
        &mut tx,
        &new.duo_id,
        "invited",
        &new.next_phase,
        "partner_joined",
        &user_id,
        now,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

// --- phases -------------------------------------------------------------------------------

async fn log_phase(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    duo_id: &str,
    from: &str,
    to: &str,
    transition: &str,
    actor_id: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO phase_log (id, duo_id, from_phase, to_phase, transition, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(new_id())
        .bind(duo_id)
        .bind(from)
        .bind(to)
        .bind(transition)
        .bind(actor_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn set_phase_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    duo_id: &str,
    from: &str,
    to: &str,
    transition: &str,
    actor_id: &str,
    now: i64,
    paused_from: Option<&str>,
) -> StoreResult<()> {
    // Compare-and-set on the phase: a concurrent transition from the same phase loses.
    let done = sqlx::query("UPDATE duos SET phase = $1, phase_since = $2, paused_from = $3 WHERE id = $4 AND phase = $5")
        .bind(to)
        .bind(now)
        .bind(paused_from)
        .bind(duo_id)
        .bind(from)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "the duo moved on in the meantime".into(),
        ));
    }
    log_phase(tx, duo_id, from, to, transition, actor_id, now).await
}

/// Moves a duo from `from` to `to` and writes the phase log, atomically.
#[allow(clippy::too_many_arguments)]
pub async fn set_phase(
    db: &Db,
    duo_id: &str,
    from: &str,
    to: &str,
    transition: &str,
    actor_id: &str,
    now: i64,
    paused_from: Option<&str>,
) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    set_phase_tx(
        &mut tx,
        duo_id,
        from,
        to,
        transition,
        actor_id,
        now,
        paused_from,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PhaseEntry {
    pub from_phase: String,
    pub to_phase: String,
    pub transition: String,
    pub actor_id: String,
    pub at: i64,
}

pub async fn phase_log(db: &Db, duo_id: &str) -> StoreResult<Vec<PhaseEntry>> {
    let rows: Vec<(String, String, String, String, i64)> =
        sqlx::query_as("SELECT from_phase, to_phase, transition, actor_id, at FROM phase_log WHERE duo_id = $1 ORDER BY at, id")
            .bind(duo_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| PhaseEntry {
            from_phase: r.0,
            to_phase: r.1,
            transition: r.2,
            actor_id: r.3,
            at: r.4,
        })
        .collect())
}

// --- invitations --------------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Invitation {
    pub id: String,
    pub duo_id: String,
    pub partner_name: String,
    pub partner_email: String,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
}

type InvitationRow = (String, String, String, String, String, i64, i64);

fn invitation_from(r: InvitationRow) -> Invitation {
    Invitation {
        id: r.0,
        duo_id: r.1,
        partner_name: r.2,
        partner_email: r.3,
        status: r.4,
        created_at: r.5,
        expires_at: r.6,
    }
}

const INVITATION_COLUMNS: &str =
    "id, duo_id, partner_name, partner_email, status, created_at, expires_at";

pub async fn invitation_by_id(db: &Db, id: &str) -> StoreResult<Option<Invitation>> {
    let row: Option<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(invitation_from))
}

pub async fn invitation_of_duo(db: &Db, duo_id: &str) -> StoreResult<Option<Invitation>> {
    let row: Option<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE duo_id = $1 ORDER BY created_at DESC LIMIT 1"
    )))
    .bind(duo_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(invitation_from))
}

/// Sets the status of a still-waiting invitation; false when it was no longer waiting.
pub async fn end_invitation(db: &Db, id: &str, status: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE invitations SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'waiting'",
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    sqlx::query("UPDATE purpose_tokens SET revoked_at = $1 WHERE purpose = 'invitation' AND subject_id = $2 AND used_at IS NULL AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A new link for a waiting invitation: older links stop working, the expiry moves on.
pub async fn renew_invitation(
    db: &Db,
    id: &str,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE purpose_tokens SET revoked_at = $1 WHERE purpose = 'invitation' AND subject_id = $2 AND used_at IS NULL AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO purpose_tokens (token_hash, purpose, subject_id, created_at, expires_at) VALUES ($1, 'invitation', $2, $3, $4)")
        .bind(token_hash)
        .bind(id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE invitations SET expires_at = $1, updated_at = $2 WHERE id = $3")
        .bind(expires_at)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// --- consent documents --------------------------------------------------------------------

#[derive(Debug, Clone, serde::Serialize)]
pub struct Document {
    pub id: String,
    pub kind: String,
    pub version: String,
    pub title: String,
    pub body: String,
    pub effective_at: i64,
}

type DocumentRow = (String, String, String, String, String, i64);

fn document_from(r: DocumentRow) -> Document {
    Document {
        id: r.0,
        kind: r.1,
        version: r.2,
        title: r.3,
        body: r.4,
        effective_at: r.5,
    }
}

pub async fn publish_document(
    db: &Db,
    kind: &str,
    version: &str,
    title: &str,
    body: &str,
    effective_at: i64,
    now: i64,
) -> StoreResult<Document> {
    let id = new_id();
    sqlx::query("INSERT INTO consent_documents (id, kind, version, title, body, effective_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&id)
        .bind(kind)
        .bind(version)
        .bind(title)
        .bind(body)
        .bind(effective_at)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(Document {
        id,
        kind: kind.into(),
        version: version.into(),
        title: title.into(),
        body: body.into(),
        effective_at,
    })
}

/// For each kind, the newest version in effect at `now`.
pub async fn current_documents(db: &Db, now: i64) -> StoreResult<Vec<Document>> {
    let rows: Vec<DocumentRow> = sqlx::query_as(
        "SELECT d.id, d.kind, d.version, d.title, d.body, d.effective_at FROM consent_documents d \
         WHERE d.effective_at <= $1 AND NOT EXISTS (SELECT 1 FROM consent_documents n WHERE n.kind = d.kind \
         AND n.effective_at <= $1 AND (n.effective_at > d.effective_at OR (n.effective_at = d.effective_at AND n.created_at > d.created_at))) \
         ORDER BY d.kind",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(document_from).collect())
}

pub async fn document_count(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM consent_documents")
        .fetch_one(&db.pool)
        .await?)
}

async fn insert_acceptance(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    document_id: &str,
    now: i64,
    method: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO consent_acceptances (id, user_id, document_id, accepted_at, method) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, document_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(user_id)
    .bind(document_id)
    .bind(now)
    .bind(method)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn accept_documents(
    db: &Db,
    user_id: &str,
    document_ids: &[String],
    now: i64,
    method: &str,
) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    for doc in document_ids {
        insert_acceptance(&mut tx, user_id, doc, now, method).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Acceptance {
    pub document_id: String,
    pub kind: String,
    pub version: String,
    pub accepted_at: i64,
    pub method: String,
}

pub async fn acceptances_of(db: &Db, user_id: &str) -> StoreResult<Vec<Acceptance>> {
    let rows: Vec<(String, String, String, i64, String)> = sqlx::query_as(
        "SELECT d.id, d.kind, d.version, a.accepted_at, a.method FROM \
         (SELECT user_id, document_id, accepted_at, method FROM consent_acceptances \
          UNION ALL SELECT user_id, document_id, accepted_at, method FROM consent_renewals) a \
         JOIN consent_documents d ON d.id = a.document_id WHERE a.user_id = $1 ORDER BY a.accepted_at",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Acceptance {
            document_id: r.0,
            kind: r.1,
            version: r.2,
            accepted_at: r.3,
            method: r.4,
        })
        .collect())
}

/// Current care documents (not the optional research consent) the user has not accepted.
pub async fn pending_documents(db: &Db, user_id: &str, now: i64) -> StoreResult<Vec<Document>> {
    let accepted: Vec<String> = acceptances_of(db, user_id)
        .await?
        .into_iter()
        .map(|a| a.document_id)
        .collect();
    Ok(current_documents(db, now)
        .await?
        .into_iter()
        .filter(|d| d.kind != "research" && !accepted.contains(&d.id))
        .collect())
}

/// Whether any current care document (not the optional research consent) waits for the
/// user's acceptance — asked on every signed-in participant request, so one query, no bodies.
pub async fn has_pending_documents(db: &Db, user_id: &str, now: i64) -> StoreResult<bool> {
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM consent_documents d \
         WHERE d.kind <> 'research' AND d.effective_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM consent_documents n WHERE n.kind = d.kind \
         AND n.effective_at <= $1 AND (n.effective_at > d.effective_at OR (n.effective_at = d.effective_at AND n.created_at > d.created_at))) \
         AND NOT EXISTS (SELECT 1 FROM consent_acceptances a WHERE a.user_id = $2 AND a.document_id = d.id) \
         AND NOT EXISTS (SELECT 1 FROM consent_renewals r WHERE r.user_id = $2 AND r.document_id = d.id)",
    )
    .bind(now)
    .bind(user_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(pending > 0)
}

// --- withdrawal and messages --------------------------------------------------------------

pub async fn record_withdrawal(
    db: &Db,
    duo_id: &str,
    participant_id: &str,
    reason_sealed: Option<Vec<u8>>,
    withdrawal_id: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO withdrawals (id, duo_id, participant_id, reason, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(withdrawal_id)
        .bind(duo_id)
        .bind(participant_id)
        .bind(reason_sealed)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// (withdrawal id, participant id, sealed reason, when)
pub async fn withdrawals_of(
    db: &Db,
    duo_id: &str,
) -> StoreResult<Vec<(String, String, Option<Vec<u8>>, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, participant_id, reason, at FROM withdrawals WHERE duo_id = $1 ORDER BY at",
    )
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?)
}

#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: String,
    pub participant_id: String,
    pub author_id: String,
    pub author_name: String,
    pub from_team: bool,
    pub body_sealed: Vec<u8>,
    pub created_at: i64,
}

pub async fn add_message(
    db: &Db,
    id: &str,
    participant_id: &str,
    author_id: &str,
    from_team: bool,
    body_sealed: Vec<u8>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO messages (id, participant_id, author_id, from_team, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(participant_id)
        .bind(author_id)
        .bind(i64::from(from_team))
        .bind(body_sealed)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn messages_of(db: &Db, participant_id: &str) -> StoreResult<Vec<StoredMessage>> {
    type MessageRow = (String, String, String, String, i64, Vec<u8>, i64);
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT m.id, m.participant_id, m.author_id, u.name, m.from_team, m.body, m.created_at FROM messages m \
         JOIN users u ON u.id = m.author_id WHERE m.participant_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(participant_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredMessage {
            id: r.0,
            participant_id: r.1,
            author_id: r.2,
            author_name: r.3,
            from_team: r.4 != 0,
            body_sealed: r.5,
            created_at: r.6,
        })
        .collect())
}

pub async fn mark_email_verified(db: &Db, user_id: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
