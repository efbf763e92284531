//! Aftercare: check-ins on the protocol's schedule after each session (created when the
//! session closes, with a reminder mail as a durable job when each one opens), answers sealed
//! under the participant's key and scored with the instrument definitions, risk signals from
//! `knowledge/aftercare/checkin.toml` that at once show the participant the practice's crisis
//! contacts and open an alert for the duo's care team — mailed to the duo's clinicians, and
//! escalated by mail to the whole team and the coordinators when nobody acknowledges it in the
//! protocol's time. The team acknowledges, notes and resolves alerts; every action goes
//! through the policy and the audit trail. Outcomes over time: instrument totals from the
//! check-ins against the intake baseline.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::aftercare::{Answer, CheckInKnowledge};
use dyad_core::policy::{self, Action, Resource, ResourceKind, TeamRole};
use dyad_store::aftercare::{self as store, Alert, AlertNote, CheckIn};
use dyad_store::audit::AuditEntry;
use dyad_store::sealing::Place;
use dyad_store::{accounts, duos, intake, jobs};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::access;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError, Json, Problem, Query};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;

pub const CHECKIN_REMINDER_JOB: &str = "checkin_reminder";
pub const ALERT_NOTICE_JOB: &str = "alert_notice";
pub const ALERT_ESCALATION_JOB: &str = "alert_escalation";
pub const MAX_NOTE: usize = 5000;

/// The shipped check-in knowledge, parsed once.
pub fn knowledge() -> AppResult<&'static CheckInKnowledge> {
    static K: OnceLock<Result<CheckInKnowledge, String>> = OnceLock::new();
    K.get_or_init(|| CheckInKnowledge::shipped().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(e.clone()))
}

/// Where an answered check-in's answers are sealed (under the participant's key).
pub fn answers_place(id: &str) -> Place<'_> {
    Place {
        table: "checkins",
        row: id,
        field: "answers",
    }
}

/// Where an alert's signal ids are sealed (under the participant's key).
pub fn signals_place(id: &str) -> Place<'_> {
    Place {
        table: "alerts",
        row: id,
        field: "signals",
    }
}

fn note_place(id: &str) -> Place<'_> {
    Place {
        table: "alert_notes",
        row: id,
        field: "body",
    }
}

// --- scheduling -----------------------------------------------------------------------------

/// Creates the check-ins of a closed session for each of its participants, with a reminder
/// job at the time each opens. Idempotent: a second call for the same session adds nothing.
/// Returns the number of check-ins the session has.
pub async fn schedule_after_session(
    state: &AppState,
    duo_id: &str,
    session_id: &str,
    participants: &[String],
    closed_at: i64,
) -> AppResult<usize> {
    let protocol = crate::api::session::protocol()?;
    let now = state.now();
    let mut count = 0;
    for pid in participants {
        for planned in protocol.aftercare.schedule(closed_at) {
            let stored = store::insert_checkin(
                &state.db,
                &CheckIn {
                    id: accounts::new_id(),
                    participant_id: pid.clone(),
                    duo_id: duo_id.to_string(),
                    session_id: session_id.to_string(),
                    point: planned.point,
                    instruments: planned.instruments,
                    due_at: planned.due_at,
                    closes_at: planned.closes_at,
                    answered_at: None,
                    answers_sealed: None,
                    created_at: now,
                },
            )
            .await?;
            jobs::enqueue(
                &state.db,
                CHECKIN_REMINDER_JOB,
                &format!("checkin_reminder:{}", stored.id),
                &stored.id,
                stored.due_at,
                now,
            )
            .await?;
            count += 1;
        }
    }
    Ok(count)
}

// --- the participant's check-ins --------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = CheckInScore)]
pub struct ScoreView {
    pub total: i64,
    pub max_total: i64,
    /// The severity band's label, when the instrument has bands.
    pub band: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckInView {
    pub id: String,
    /// `day_1` … `day_7`, `week_2`, `month_1`, `month_3`, `month_6`
    pub point: String,
    /// upcoming, due, answered or missed
    pub status: String,
    pub due_at: String,
    pub closes_at: String,
    pub answered_at: Option<String>,
    /// The instruments asked at this point, besides the short wellbeing check.
    pub instruments: Vec<String>,
    /// The answers given (`{wellbeing, instruments}`), once answered.
    #[schema(value_type = Object)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Value>,
    /// Instrument totals, once answered.
    pub scores: BTreeMap<String, ScoreView>,
    /// Whether the answers signalled risk (the care team was alerted).
    pub risk: bool,
}

/// What is sealed for an answered check-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    wellbeing: BTreeMap<String, Answer>,
    instruments: BTreeMap<String, Vec<i64>>,
    scores: BTreeMap<String, StoredScore>,
    signals: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredScore {
    total: i64,
    max_total: i64,
    band: Option<String>,
}

fn status_of(c: &CheckIn, now: i64) -> &'static str {
    if c.answered_at.is_some() {
        "answered"
    } else if now < c.due_at {
        "upcoming"
    } else if now < c.closes_at {
        "due"
    } else {
        "missed"
    }
}

async fn open_stored(state: &AppState, c: &CheckIn) -> AppResult<Option<Stored>> {
    let Some(sealed) = &c.answers_sealed else {
        return Ok(None);
    };
    let plain = state
        .sealer
        .open(
            &state.db,
            &c.participant_id,
            answers_place(&c.id),
            sealed,
            state.now(),
        )
        .await?;
    serde_json::from_slice(&plain)
        .map(Some)
        .map_err(|e| AppError::Internal(format!("stored check-in: {e}")))
}

async fn checkin_view(state: &AppState, c: &CheckIn) -> AppResult<CheckInView> {
    let stored = open_stored(state, c).await?;
    Ok(CheckInView {
        id: c.id.clone(),
        point: c.point.clone(),
        status: status_of(c, state.now()).into(),
        due_at: rfc3339(c.due_at),
        closes_at: rfc3339(c.closes_at),
        answered_at: c.answered_at.map(rfc3339),
        instruments: c.instruments.clone(),
        answers: stored
            .as_ref()
            .map(|s| json!({"wellbeing": s.wellbeing, "instruments": s.instruments})),
        scores: stored
            .as_ref()
            .map(|s| {
                s.scores
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            ScoreView {
                                total: v.total,
                                max_total: v.max_total,
                                band: v.band.clone(),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        risk: stored.is_some_and(|s| !s.signals.is_empty()),
    })
}

/// The caller's own check-ins that have opened (due, answered, missed) and those still to
/// come, in the order they open (an audited read of their own records).
pub async fn own_checkins(state: &AppState, auth: &Authenticated) -> AppResult<Vec<CheckInView>> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::owned(ResourceKind::CheckIn, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let mut out = Vec::new();
    for c in store::checkins_of(&state.db, &pid).await? {
        out.push(checkin_view(state, &c).await?);
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/me/checkins", tag = "aftercare",
    responses((status = 200, body = Vec<CheckInView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn my_checkins(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<CheckInView>>> {
    Ok(Json(own_checkins(&state, &auth).await?))
}

/// One of the caller's own check-ins; anyone else's (or none) is not found.
pub async fn own_checkin(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
) -> AppResult<CheckInView> {
    let c = store::checkin_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &c.duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::owned(ResourceKind::CheckIn, &ctx.scope, &c.participant_id),
        &c.participant_id,
    )
    .await?;
    // This is the participant's own view with its form; the team reads outcomes instead.
    if auth.user.participant_id.as_deref() != Some(c.participant_id.as_str()) {
        return Err(AppError::NotFound);
    }
    checkin_view(state, &c).await
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct CheckInAnswers {
    /// The short wellbeing check: `mood` and `sleep` 0–10, `self_harm` one of
    /// `no`, `thoughts`, `plan`, `contact` (asks the team to get in touch) `no` or `yes`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub wellbeing: BTreeMap<String, Answer>,
    /// Item answers of each instrument due at this point, by instrument id.
    #[serde(default)]
    pub instruments: BTreeMap<String, Vec<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInResult {
    pub checkin: CheckInView,
    /// True when an answer signalled risk: the care team is alerted.
    pub risk: bool,
    /// The practice's crisis contacts, given whenever an answer signalled risk.
    pub crisis_contacts: Vec<String>,
}

/// An answered check-in as it is stored: the sealed part in plain (JSON) and the ids of the
/// risk signals its answers raise.
pub struct PreparedAnswers {
    pub plain: Vec<u8>,
    pub signals: Vec<String>,
}

/// Checks the answers to a check-in that asks `instruments` (every problem at once), scores
/// each instrument and finds the risk signals: what [`apply_answer`] seals at
/// [`answers_place`] under the participant's key, and what bulk writers such as
/// `dyad dev seed` seal the same way.
pub fn prepare_answers(
    instruments: &[String],
    body: &CheckInAnswers,
) -> AppResult<PreparedAnswers> {
    let k = knowledge()?;
    let form = crate::api::intake::form()?;
    let mut errors: Vec<FieldError> = k
        .check(&body.wellbeing)
        .into_iter()
        .map(|p| FieldError::new(&format!("wellbeing.{}", p.key), p.message))
        .collect();
    let mut scores = BTreeMap::new();
    for instrument in instruments {
        let Some(def) = form.instruments().get(instrument) else {
            return Err(AppError::Internal(format!(
                "the protocol asks for instrument {instrument}, which is not loaded"
            )));
        };
        match body.instruments.get(instrument) {
            None => errors.push(FieldError::new(
                &format!("instruments.{instrument}"),
                format!("Answer each of the {} questions.", def.items.len()),
            )),
            Some(answers) => match def.score(answers, None) {
                Ok(s) => {
                    scores.insert(
                        instrument.clone(),
                        StoredScore {
                            total: s.total,
                            max_total: s.max_total,
                            band: s.band.map(|b| b.label),
                        },
                    );
                }
                Err(e) => errors.push(FieldError::new(
                    &format!("instruments.{instrument}"),
                    e.to_string(),
                )),
            },
        }
    }
    for extra in body.instruments.keys() {
        if !instruments.contains(extra) {
            errors.push(FieldError::new(
                &format!("instruments.{extra}"),
                "This instrument is not asked at this check-in.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let signals: Vec<String> = k
        .signals(&body.wellbeing, &body.instruments)
        .into_iter()
        .map(|s| s.id.clone())
        .collect();
    let stored = Stored {
        wellbeing: body.wellbeing.clone(),
        instruments: body.instruments.clone(),
        scores,
        signals: signals.clone(),
    };
    let plain = serde_json::to_vec(&stored).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(PreparedAnswers { plain, signals })
}

/// Shared by the page and the API: stores the answers of one's own open check-in, and on a
/// risk answer opens an alert for the care team.
pub async fn apply_answer(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    body: &CheckInAnswers,
) -> AppResult<CheckInResult> {
    let c = store::checkin_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &c.duo_id).await?;
    let resource = Resource::owned(ResourceKind::CheckIn, &ctx.scope, &c.participant_id);
    access::authorize(state, auth, Action::Write, &resource, &c.participant_id).await?;
    let now = state.now();
    match status_of(&c, now) {
        "answered" => {
            return Err(AppError::Conflict(
                "This check-in is already answered.".into(),
            ));
        }
        "upcoming" => {
            return Err(AppError::Conflict(format!(
                "This check-in opens at {}.",
                rfc3339(c.due_at)
            )));
        }
        "missed" => {
            return Err(AppError::Conflict(
                "This check-in has closed; the next one will be ready at its time.".into(),
            ));
        }
        _ => {}
    }
    let PreparedAnswers { plain, signals } = prepare_answers(&c.instruments, body)?;
    let sealed = state
        .sealer
        .seal(
            &state.db,
            &c.participant_id,
            answers_place(&c.id),
            &plain,
            now,
        )
        .await?;
    if !store::answer_checkin(&state.db, &c.id, &sealed, now).await? {
        return Err(AppError::Conflict(
            "This check-in is already answered or has closed.".into(),
        ));
    }
    if !signals.is_empty() {
        open_alert(state, &ctx, &c, &signals).await?;
    }
    let answered = store::checkin_by_id(&state.db, &c.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CheckInResult {
        checkin: checkin_view(state, &answered).await?,
        risk: !signals.is_empty(),
        crisis_contacts: if signals.is_empty() {
            Vec::new()
        } else {
            state.config.practice.crisis_contacts.clone()
        },
    })
}

#[utoipa::path(post, path = "/api/v1/me/checkins/{id}", tag = "aftercare", params(("id" = String, Path)), request_body = CheckInAnswers,
    responses((status = 200, body = CheckInResult), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn answer(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<CheckInAnswers>,
) -> AppResult<Json<CheckInResult>> {
    Ok(Json(apply_answer(&state, &auth, &id, &body).await?))
}

/// Opens an alert for the duo's team: a notice to its clinicians now, an escalation when
/// nobody has acknowledged it in the protocol's time. Both are durable jobs, so a mail
/// server that is down delays them without losing them.
async fn open_alert(
    state: &AppState,
    ctx: &DuoContext,
    c: &CheckIn,
    signals: &[String],
) -> AppResult<()> {
    let now = state.now();
    let id = accounts::new_id();
    let sealed = state
        .sealer
        .seal(
            &state.db,
            &c.participant_id,
            signals_place(&id),
            signals.join(",").as_bytes(),
            now,
        )
        .await?;
    store::open_alert(
        &state.db,
        &Alert {
            id: id.clone(),
            duo_id: ctx.duo.id.clone(),
            participant_id: c.participant_id.clone(),
            checkin_id: Some(c.id.clone()),
            signals_sealed: sealed,
            status: "open".into(),
            opened_at: now,
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            resolved_by: None,
            escalated_at: None,
        },
    )
    .await?;
    let after = crate::api::session::protocol()?
        .aftercare
        .escalate_after_micros();
    jobs::enqueue(
        &state.db,
        ALERT_NOTICE_JOB,
        &format!("alert_notice:{id}"),
        &id,
        now,
        now,
    )
    .await?;
    jobs::enqueue(
        &state.db,
        ALERT_ESCALATION_JOB,
        &format!("alert_escalation:{id}"),
        &id,
        now + after,
        now,
    )
    .await?;
    access::record(
        state,
        AuditEntry::new("system", "system", "open_alert")
            .subject(&c.participant_id)
            .resource("alerts")
            .reason(&format!("check-in {}", c.point)),
    )
    .await?;
    Ok(())
}

// --- jobs -------------------------------------------------------------------------------------

async fn send(state: &AppState, mail: &Mail) -> AppResult<()> {
    state
        .mailer
        .send(mail)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The reminder when a check-in opens: a link, nothing else. Skipped once it is answered
/// or closed.
pub async fn send_checkin_reminder(state: &AppState, checkin_id: &str) -> AppResult<()> {
    let Some(c) = store::checkin_by_id(&state.db, checkin_id).await? else {
        return Ok(());
    };
    if status_of(&c, state.now()) != "due" {
        return Ok(());
    }
    let Some(p) = duos::participant_by_id(&state.db, &c.participant_id).await? else {
        return Ok(());
    };
    let Some(uid) = &p.user_id else {
        return Ok(());
    };
    let Some(user) = accounts::user_by_id(&state.db, uid).await? else {
        return Ok(());
    };
    if !user.active {
        return Ok(());
    }
    let tr = Tr::new(&user.lang);
    send(
        state,
        &Mail {
            to: user.email,
            subject: tr.t("mail-checkin-subject"),
            text: tr.ta(
                "mail-checkin-body",
                &[
                    ("name", &user.name),
                    (
                        "link",
                        &format!("{}/checkins/{}", state.config.base_url, c.id),
                    ),
                ],
            ),
        },
    )
    .await
}

/// Active staff accounts of the duo's team in `roles`, once each: (email, name, lang).
async fn team_people(
    state: &AppState,
    ctx: &DuoContext,
    roles: &[TeamRole],
) -> AppResult<Vec<(String, String, String)>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (user_id, role) in &ctx.scope.team {
        if !roles.contains(role) || !seen.insert(user_id.clone()) {
            continue;
        }
        if let Some(u) = accounts::user_by_id(&state.db, user_id).await?
            && u.active
            && u.has_role(role.account_role().as_str())
        {
            out.push((u.email, u.name, u.lang));
        }
    }
    Ok(out)
}

async fn mail_staff(
    state: &AppState,
    people: Vec<(String, String, String)>,
    subject_key: &str,
    body_key: &str,
    code: &str,
) -> AppResult<()> {
    for (email, name, lang) in people {
        let tr = Tr::new(&lang);
        send(
            state,
            &Mail {
                to: email,
                subject: tr.ta(subject_key, &[("code", code)]),
                text: tr.ta(
                    body_key,
                    &[
                        ("name", &name),
                        ("code", code),
                        ("link", &format!("{}/alerts", state.config.base_url)),
                    ],
                ),
            },
        )
        .await?;
    }
    Ok(())
}

/// Tells the duo's clinicians (or, with none on the team, its facilitators) that an alert
/// is waiting. The mail names the duo's code and links to the inbox; nothing else.
pub async fn send_alert_notice(state: &AppState, alert_id: &str) -> AppResult<()> {
    let Some(a) = store::alert_by_id(&state.db, alert_id).await? else {
        return Ok(());
    };
    if a.status != "open" {
        return Ok(());
    }
    let ctx = duo::load(state, &a.duo_id).await?;
    let mut people = team_people(state, &ctx, &[TeamRole::Clinician]).await?;
    if people.is_empty() {
        people = team_people(state, &ctx, &[TeamRole::Facilitator]).await?;
    }
    mail_staff(
        state,
        people,
        "mail-alert-subject",
        "mail-alert-body",
        &ctx.duo.code,
    )
    .await
}

/// When nobody acknowledged the alert in time: mails the duo's clinicians and facilitators
/// and every coordinator (who may not read the alert, but can make sure someone does).
/// Claimed once, so it is sent once even with several instances.
pub async fn send_alert_escalation(state: &AppState, alert_id: &str) -> AppResult<()> {
    let Some(a) = store::alert_by_id(&state.db, alert_id).await? else {
        return Ok(());
    };
    if a.status != "open" || a.escalated_at.is_some() {
        return Ok(());
    }
    let ctx = duo::load(state, &a.duo_id).await?;
    let mut people =
        team_people(state, &ctx, &[TeamRole::Clinician, TeamRole::Facilitator]).await?;
    for u in accounts::list_staff(&state.db).await? {
        if u.active && u.has_role("coordinator") && !people.iter().any(|(e, _, _)| *e == u.email) {
            people.push((u.email, u.name, u.lang));
        }
    }
    if !store::claim_escalation(&state.db, &a.id, state.now()).await? {
        return Ok(());
    }
    access::record(
        state,
        AuditEntry::new("system", "system", "escalate_alert")
            .subject(&a.participant_id)
            .resource("alerts"),
    )
    .await?;
    mail_staff(
        state,
        people,
        "mail-escalation-subject",
        "mail-escalation-body",
        &ctx.duo.code,
    )
    .await
}

// --- alerts for the team ---------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct SignalView {
    pub id: String,
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: String,
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
// Its own name in the OpenAPI document: the session console has an `AlertView` too.
#[schema(as = AftercareAlert)]
pub struct AlertView {
    pub id: String,
    pub duo_id: String,
    pub duo_code: String,
    pub participant_id: String,
    pub participant_name: String,
    /// The check-in point whose answers raised it.
    pub point: Option<String>,
    pub signals: Vec<SignalView>,
    /// open, acknowledged or resolved
    pub status: String,
    pub opened_at: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub escalated_at: Option<String>,
    pub notes: Vec<NoteView>,
}

async fn name_of(state: &AppState, user_id: Option<&str>) -> AppResult<Option<String>> {
    Ok(match user_id {
        Some(id) => Some(
            accounts::user_by_id(&state.db, id)
                .await?
                .map(|u| u.name)
                .unwrap_or_else(|| "—".into()),
        ),
        None => None,
    })
}

async fn alert_view(state: &AppState, ctx: &DuoContext, a: &Alert) -> AppResult<AlertView> {
    let now = state.now();
    let signals = state
        .sealer
        .open(
            &state.db,
            &a.participant_id,
            signals_place(&a.id),
            &a.signals_sealed,
            now,
        )
        .await?;
    let k = knowledge()?;
    let signals = String::from_utf8_lossy(&signals)
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|id| SignalView {
            id: id.to_string(),
            source: k
                .signals
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.source.clone())
                .unwrap_or_default(),
        })
        .collect();
    let mut notes = Vec::new();
    for n in store::notes_of(&state.db, &a.id).await? {
        let text = state
            .sealer
            .open(
                &state.db,
                &a.participant_id,
                note_place(&n.id),
                &n.body_sealed,
                now,
            )
            .await?;
        notes.push(NoteView {
            author: name_of(state, Some(&n.author_id))
                .await?
                .unwrap_or_default(),
            at: rfc3339(n.created_at),
            text: String::from_utf8_lossy(&text).into(),
            id: n.id,
        });
    }
    let point = match &a.checkin_id {
        Some(id) => store::checkin_by_id(&state.db, id).await?.map(|c| c.point),
        None => None,
    };
    Ok(AlertView {
        id: a.id.clone(),
        duo_id: a.duo_id.clone(),
        duo_code: ctx.duo.code.clone(),
        participant_id: a.participant_id.clone(),
        participant_name: ctx
            .participant(&a.participant_id)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        point,
        signals,
        status: a.status.clone(),
        opened_at: rfc3339(a.opened_at),
        acknowledged_at: a.acknowledged_at.map(rfc3339),
        acknowledged_by: name_of(state, a.acknowledged_by.as_deref()).await?,
        resolved_at: a.resolved_at.map(rfc3339),
        resolved_by: name_of(state, a.resolved_by.as_deref()).await?,
        escalated_at: a.escalated_at.map(rfc3339),
        notes,
    })
}

#[derive(Debug, Deserialize, IntoParams, Default)]
pub struct AlertQuery {
    /// `all` includes resolved alerts; by default only open and acknowledged ones.
    pub status: Option<String>,
}

/// A duo's alerts for its team (each read judged and audited per alert).
pub async fn duo_alerts(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    with_resolved: bool,
) -> AppResult<(DuoContext, Vec<AlertView>)> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::Alerts, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let mut out = Vec::new();
    for a in store::alerts_of_duo(&state.db, duo_id, with_resolved).await? {
        let resource = Resource::owned(ResourceKind::Alerts, &ctx.scope, &a.participant_id);
        access::authorize(state, auth, Action::Read, &resource, &a.participant_id).await?;
        out.push(alert_view(state, &ctx, &a).await?);
    }
    Ok((ctx, out))
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/alerts", tag = "aftercare", params(("id" = String, Path), AlertQuery),
    responses((status = 200, body = Vec<AlertView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_for_duo(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<AlertQuery>,
) -> AppResult<Json<Vec<AlertView>>> {
    let all = q.status.as_deref() == Some("all");
    Ok(Json(duo_alerts(&state, &auth, &id, all).await?.1))
}

/// The alerts of every duo the caller may read alerts of (a staff member's inbox), newest
/// first.
pub async fn inbox(
    state: &AppState,
    auth: &Authenticated,
    with_resolved: bool,
) -> AppResult<Vec<AlertView>> {
    if !auth.user.is_staff() {
        return Err(AppError::Forbidden);
    }
    let actor = auth.actor();
    let mut out = Vec::new();
    for duo_id in duos::duo_ids_for_team_member(&state.db, &auth.user.id).await? {
        let ctx = duo::load(state, &duo_id).await?;
        let allowed = policy::can(
            &actor,
            Action::Read,
            &Resource::duo(ResourceKind::Alerts, &ctx.scope),
        )
        .is_allowed();
        if allowed {
            out.extend(duo_alerts(state, auth, &duo_id, with_resolved).await?.1);
        }
    }
    out.sort_by(|a, b| b.opened_at.cmp(&a.opened_at));
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "aftercare", params(AlertQuery),
    responses((status = 200, body = Vec<AlertView>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list_mine(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Query(q): Query<AlertQuery>,
) -> AppResult<Json<Vec<AlertView>>> {
    let all = q.status.as_deref() == Some("all");
    Ok(Json(inbox(&state, &auth, all).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct AlertNoteBody {
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct ResolveBody {
    /// An optional closing note (what was done).
    #[serde(default)]
    pub note: Option<String>,
}

/// What a team member does with an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    Acknowledge,
    Note,
    Resolve,
}

impl AlertAction {
    fn audit_name(self) -> &'static str {
        match self {
            AlertAction::Acknowledge => "alert_acknowledge",
            AlertAction::Note => "alert_note",
            AlertAction::Resolve => "alert_resolve",
        }
    }
}

fn check_note(text: &str, required: bool) -> AppResult<()> {
    let n = text.trim().chars().count();
    if (required && n == 0) || n > MAX_NOTE {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            format!("Write 1 to {MAX_NOTE} characters."),
        )]));
    }
    Ok(())
}

/// Shared by the pages and the API: acknowledge, note or resolve one alert, judged by the
/// policy (the duo's team only; anyone else finds nothing) and audited.
pub async fn apply_alert_action(
    state: &AppState,
    auth: &Authenticated,
    alert_id: &str,
    action: AlertAction,
    note: Option<&str>,
) -> AppResult<AlertView> {
    let a = store::alert_by_id(&state.db, alert_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &a.duo_id).await?;
    let resource = Resource::owned(ResourceKind::Alerts, &ctx.scope, &a.participant_id);
    access::authorize(state, auth, Action::Write, &resource, &a.participant_id).await?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    check_note(note.unwrap_or(""), action == AlertAction::Note)?;
    let now = state.now();
    match action {
        AlertAction::Acknowledge => {
            if !store::acknowledge(&state.db, &a.id, &auth.user.id, now).await? {
                return Err(AppError::Conflict(format!(
                    "This alert is already {}.",
                    store::alert_by_id(&state.db, &a.id)
                        .await?
                        .map(|x| x.status)
                        .unwrap_or_default()
                )));
            }
        }
        AlertAction::Resolve => {
            if !store::resolve(&state.db, &a.id, &auth.user.id, now).await? {
                return Err(AppError::Conflict("This alert is already resolved.".into()));
            }
        }
        AlertAction::Note => {}
    }
    if let Some(text) = note {
        let id = accounts::new_id();
        let sealed = state
            .sealer
            .seal(
                &state.db,
                &a.participant_id,
                note_place(&id),
                text.as_bytes(),
                now,
            )
            .await?;
        store::add_note(
            &state.db,
            &AlertNote {
                id,
                alert_id: a.id.clone(),
                author_id: auth.user.id.clone(),
                body_sealed: sealed,
                created_at: now,
            },
        )
        .await?;
    }
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), action.audit_name())
            .subject(&a.participant_id)
            .resource("alerts")
            .reason(&a.id),
    )
    .await?;
    let a = store::alert_by_id(&state.db, &a.id)
        .await?
        .ok_or(AppError::NotFound)?;
    alert_view(state, &ctx, &a).await
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "aftercare", params(("id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn acknowledge(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<AlertView>> {
    Ok(Json(
        apply_alert_action(&state, &auth, &id, AlertAction::Acknowledge, None).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/note", tag = "aftercare", params(("id" = String, Path)), request_body = AlertNoteBody,
    responses((status = 201, body = AlertView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn note(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<AlertNoteBody>,
) -> AppResult<(StatusCode, Json<AlertView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_alert_action(&state, &auth, &id, AlertAction::Note, Some(&body.text)).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", tag = "aftercare", params(("id" = String, Path)), request_body = ResolveBody,
    responses((status = 200, body = AlertView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn resolve(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<ResolveBody>,
) -> AppResult<Json<AlertView>> {
    Ok(Json(
        apply_alert_action(
            &state,
            &auth,
            &id,
            AlertAction::Resolve,
            body.note.as_deref(),
        )
        .await?,
    ))
}

// --- outcomes over time ------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomePoint {
    /// RFC 3339.
    pub at: String,
    #[serde(skip)]
    pub at_micros: i64,
    pub total: i64,
    /// `intake` for the baseline, else the check-in point.
    pub point: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeSeries {
    pub instrument: String,
    pub short_name: String,
    pub max_total: i64,
    /// The intake total (the latest submitted intake version).
    pub baseline: Option<OutcomePoint>,
    /// Totals from answered check-ins, in time order.
    pub points: Vec<OutcomePoint>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outcomes {
    pub participant_id: String,
    pub name: String,
    pub series: Vec<OutcomeSeries>,
}

/// One participant's instrument totals over time against the intake baseline: for the
/// participant and the duo's team (judged and audited as reads of check-ins and intake).
pub async fn outcomes_of(
    state: &AppState,
    auth: &Authenticated,
    participant_id: &str,
) -> AppResult<Outcomes> {
    let participant = duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &participant.duo_id).await?;
    for kind in [ResourceKind::CheckIn, ResourceKind::Intake] {
        let resource = Resource::owned(kind, &ctx.scope, participant_id);
        access::authorize(state, auth, Action::Read, &resource, participant_id).await?;
    }
    let form = crate::api::intake::form()?;
    let protocol = crate::api::session::protocol()?;
    let mut instruments: Vec<String> = Vec::new();
    for (_, _, list) in protocol.aftercare.points() {
        for i in list {
            if !instruments.contains(&i) {
                instruments.push(i);
            }
        }
    }
    // The baseline: scores of the newest submitted intake version.
    let mut baseline = BTreeMap::new();
    if let Some(v) = intake::versions_of(&state.db, participant_id).await?.last() {
        let plain = state
            .sealer
            .open(
                &state.db,
                participant_id,
                crate::api::intake::version_place(&v.id),
                &v.answers_sealed,
                state.now(),
            )
            .await?;
        let answers: Value =
            serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.to_string()))?;
        for (id, score) in form.scores(&answers) {
            baseline.insert(
                id,
                OutcomePoint {
                    at: rfc3339(v.submitted_at),
                    at_micros: v.submitted_at,
                    total: score.total,
                    point: "intake".into(),
                },
            );
        }
    }
    let mut points: BTreeMap<String, Vec<OutcomePoint>> = BTreeMap::new();
    for c in store::checkins_of(&state.db, participant_id).await? {
        let (Some(at), Some(stored)) = (c.answered_at, open_stored(state, &c).await?) else {
            continue;
        };
        for (id, s) in stored.scores {
            points.entry(id).or_default().push(OutcomePoint {
                at: rfc3339(at),
                at_micros: at,
                total: s.total,
                point: c.point.clone(),
            });
        }
    }
    let series = instruments
        .into_iter()
        .filter_map(|id| {
            let def = form.instruments().get(&id)?;
            let mut pts = points.remove(&id).unwrap_or_default();
            pts.sort_by_key(|p| p.at_micros);
            Some(OutcomeSeries {
                short_name: def.short_name.clone(),
                max_total: def.max_total,
                baseline: baseline.remove(&id),
                points: pts,
                instrument: id,
            })
        })
        .collect();
    Ok(Outcomes {
        participant_id: participant_id.to_string(),
        name: participant.name,
        series,
    })
}

#[utoipa::path(get, path = "/api/v1/me/outcomes", tag = "aftercare",
    responses((status = 200, body = Outcomes), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn my_outcomes(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Outcomes>> {
    let pid = auth.user.participant_id.clone().ok_or(AppError::NotFound)?;
    Ok(Json(outcomes_of(&state, &auth, &pid).await?))
}

#[utoipa::path(get, path = "/api/v1/participants/{id}/outcomes", tag = "aftercare", params(("id" = String, Path)),
    responses((status = 200, body = Outcomes), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn participant_outcomes(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Outcomes>> {
    Ok(Json(outcomes_of(&state, &auth, &id).await?))
}
