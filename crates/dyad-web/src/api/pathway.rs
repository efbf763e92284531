//! Moving a duo's pathway on by hand, and calling off a booked session day.
//!
//! The care team takes five steps by hand (`dyad_core::pathway::TEAM_STEPS`): integration
//! done (integration → aftercare, once an integration meeting was held since the last
//! session day), another session (integration → preparation), close (aftercare or paused →
//! closed), pause and resume. Each goes through the state machine (`duo::advance`, which
//! writes the phase log and the audit trail); the reason given is sealed under the duo's key
//! and read back by the team and coordinators only. Participants get a calm note that says
//! what changes for them, never why.
//!
//! A booked session day that has not begun (no console entry yet) can be cancelled: the row
//! stays as a record, the room and the staff are free again, and a duo session moves the duo
//! back from `scheduled` to `preparation`. Pausing a scheduled duo calls its booking off too,
//! because resuming leads back to preparation, where a new booking passes the gates again.

use axum::extract::{Path, State};
use dyad_core::pathway::{GuardError, PathwayFacts, Phase, Transition};
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_store::audit::AuditEntry;
use dyad_store::pathway::{self as store, PathwayStep};
use dyad_store::sealing::Place;
use dyad_store::sessions::{self, Session};
use dyad_store::{accounts, jobs, preparation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access;
use crate::api::records::rfc3339;
use crate::api::session::{SessionView, session_view};
use crate::auth::{Authenticated, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;

/// The longest reason, in characters.
pub const MAX_REASON: usize = 2000;

fn step_place(id: &str) -> Place<'_> {
    Place {
        table: "pathway_steps",
        row: id,
        field: "reason",
    }
}

fn cancel_place(id: &str) -> Place<'_> {
    Place {
        table: "sessions",
        row: id,
        field: "cancel_reason",
    }
}

/// A trimmed reason within the limit; `None` when empty.
fn checked_reason(reason: Option<&str>, required: bool) -> AppResult<Option<String>> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match reason {
        None if required => Err(AppError::Validation(vec![FieldError::new(
            "reason",
            "Give the reason; the care team reads it, the participants do not.",
        )])),
        Some(r) if r.chars().count() > MAX_REASON => {
            Err(AppError::Validation(vec![FieldError::new(
                "reason",
                format!("Keep the reason under {MAX_REASON} characters."),
            )]))
        }
        other => Ok(other.map(str::to_string)),
    }
}

// --- facts ----------------------------------------------------------------------------------

/// Integration meetings held since the duo's last session day: held, and planned for or
/// marked held after the start of the latest duo session that took place. Before any
/// session day every held integration meeting counts.
async fn integration_meetings_held(state: &AppState, ctx: &DuoContext) -> AppResult<u32> {
    let last = sessions::sessions_of(&state.db, &ctx.duo.id)
        .await?
        .into_iter()
        .filter(|s| s.participant_id.is_none() && s.status == "closed" && !s.is_cancelled())
        .max_by_key(|s| s.starts_at);
    let held = preparation::meetings_of(&state.db, &ctx.duo.id)
        .await?
        .into_iter()
        .filter(|m| m.kind == "integration")
        .filter(|m| match (m.held_at, &last) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(held_at), Some(s)) => {
                m.starts_at >= s.starts_at || s.closed_at.is_some_and(|c| held_at >= c)
            }
        })
        .count();
    Ok(u32::try_from(held).unwrap_or(u32::MAX))
}

/// What the guards of the team's steps read, filled in as `duo::advance` fills it, so a
/// check made here answers as the state machine will.
async fn facts_for(state: &AppState, ctx: &DuoContext) -> AppResult<PathwayFacts> {
    let mut facts = PathwayFacts {
        integration_meetings_held: integration_meetings_held(state, ctx).await?,
        ..Default::default()
    };
    facts.readiness.participants = ctx.scope.participant_ids.clone();
    facts.paused_from = ctx.duo.paused_from.as_deref().and_then(|p| p.parse().ok());
    facts.now = Some(state.clock.now());
    Ok(facts)
}

/// A refusal in words, each unmet gate as "code: message", like the booking's.
fn refusal(e: &GuardError) -> String {
    let gates: Vec<String> = e
        .missing
        .iter()
        .map(|g| format!("{}: {}", g.code.as_str(), g.message))
        .collect();
    format!(
        "The step {} is not possible while the pathway is {}. {}",
        e.transition,
        e.phase,
        gates.join(" | ")
    )
}

// --- the pathway view -----------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct GateView {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOffer {
    /// integration_done, next_session, close, pause or resume
    pub transition: String,
    /// The phase the step leads to now; `null` while a gate holds it back.
    pub to_phase: Option<String>,
    /// The gates still unmet (empty when the step can be taken now).
    pub unmet: Vec<GateView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepTaken {
    pub at: String,
    pub transition: String,
    pub from_phase: String,
    pub to_phase: String,
    /// The user id of who took the step.
    pub by: String,
    pub by_name: String,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PathwayView {
    pub phase: String,
    /// The phase a paused pathway was paused from.
    pub paused_from: Option<String>,
    /// Exactly the steps the current phase allows, each with what it needs still.
    pub offered: Vec<StepOffer>,
    /// The steps the team took by hand, oldest first, with their reasons.
    pub steps: Vec<StepTaken>,
}

/// The offers alone: what the duo page's card shows.
pub async fn offers(state: &AppState, ctx: &DuoContext) -> AppResult<Vec<StepOffer>> {
    let facts = facts_for(state, ctx).await?;
    Ok(dyad_core::pathway::offered_steps(ctx.phase(), &facts)
        .into_iter()
        .map(|(t, outcome)| match outcome {
            Ok(next) => StepOffer {
                transition: t.name().to_string(),
                to_phase: Some(next.as_str().to_string()),
                unmet: Vec::new(),
            },
            Err(e) => StepOffer {
                transition: t.name().to_string(),
                to_phase: None,
                unmet: e
                    .missing
                    .iter()
                    .map(|g| GateView {
                        code: g.code.as_str().to_string(),
                        message: g.message.clone(),
                    })
                    .collect(),
            },
        })
        .collect())
}

/// The duo's pathway for its team and coordinators (the administrative timeline's readers).
pub async fn pathway_of(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<PathwayView> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::TeamAssignment, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let mut steps = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    for s in store::steps_of(&state.db, &ctx.duo.id).await? {
        let reason = match &s.reason_sealed {
            Some(sealed) => Some(
                String::from_utf8_lossy(
                    &state
                        .sealer
                        .open(
                            &state.db,
                            &ctx.duo.id,
                            step_place(&s.id),
                            sealed,
                            state.now(),
                        )
                        .await?,
                )
                .into_owned(),
            ),
            None => None,
        };
        let by_name = match names.iter().find(|(id, _)| id == &s.actor_id) {
            Some((_, n)) => n.clone(),
            None => {
                let n = accounts::user_by_id(&state.db, &s.actor_id)
                    .await?
                    .map(|u| u.name)
                    .unwrap_or_default();
                names.push((s.actor_id.clone(), n.clone()));
                n
            }
        };
        steps.push(StepTaken {
            at: rfc3339(s.at),
            transition: s.transition,
            from_phase: s.from_phase,
            to_phase: s.to_phase,
            by: s.actor_id,
            by_name,
            reason,
        });
    }
    Ok(PathwayView {
        phase: ctx.phase().as_str().to_string(),
        paused_from: ctx.duo.paused_from.clone(),
        offered: offers(state, &ctx).await?,
        steps,
    })
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/pathway", tag = "duos", params(("id" = String, Path)),
    responses((status = 200, body = PathwayView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<PathwayView>> {
    Ok(Json(pathway_of(&state, &auth, &id).await?))
}

// --- a step by hand -------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct StepRequest {
    /// integration_done, next_session, close, pause or resume
    #[serde(default)]
    pub transition: String,
    /// Why; seen by the care team and coordinators, never by the participants.
    pub reason: Option<String>,
}

async fn record_step(
    state: &AppState,
    ctx: &DuoContext,
    auth: &Authenticated,
    transition: &Transition,
    (from, to): (Phase, Phase),
    reason: Option<&str>,
) -> AppResult<()> {
    let id = accounts::new_id();
    let now = state.now();
    let reason_sealed = match reason {
        Some(r) => Some(
            state
                .sealer
                .seal(&state.db, &ctx.duo.id, step_place(&id), r.as_bytes(), now)
                .await?,
        ),
        None => None,
    };
    store::record_step(
        &state.db,
        &PathwayStep {
            id,
            duo_id: ctx.duo.id.clone(),
            transition: transition.name().to_string(),
            from_phase: from.as_str().to_string(),
            to_phase: to.as_str().to_string(),
            reason_sealed,
            actor_id: auth.user.id.clone(),
            at: now,
        },
    )
    .await?;
    Ok(())
}

/// Shared by the page and the API: one step by hand, refused in words (409) naming each
/// unmet gate, else taken, recorded with its reason and told to the participants.
pub async fn apply_step(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    req: &StepRequest,
) -> AppResult<PathwayView> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::duo(ResourceKind::DuoSummary, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let Some(transition) = dyad_core::pathway::team_step(req.transition.trim()) else {
        return Err(AppError::Validation(vec![FieldError::new(
            "transition",
            "Choose integration_done, next_session, close, pause or resume.",
        )]));
    };
    let reason = checked_reason(req.reason.as_deref(), false)?;
    let current = ctx.phase();
    let facts = facts_for(state, &ctx).await?;
    if let Err(e) = dyad_core::pathway::apply(current, &transition, &facts) {
        return Err(AppError::Conflict(refusal(&e)));
    }
    let next = duo::advance(state, &ctx, transition.clone(), auth, facts).await?;
    record_step(
        state,
        &ctx,
        auth,
        &transition,
        (current, next),
        reason.as_deref(),
    )
    .await?;
    // Resuming leads a scheduled duo back to preparation: its booking is called off now.
    let mut called_off = Vec::new();
    if transition == Transition::Pause && current == Phase::Scheduled {
        let why = reason
            .clone()
            .unwrap_or_else(|| "The pathway was paused.".to_string());
        called_off = call_off_duo_bookings(state, auth, &ctx, &why).await?;
    }
    let note = match transition {
        Transition::Pause if called_off.is_empty() => Some("mail-pathway-paused"),
        Transition::Pause => Some("mail-pathway-paused-session"),
        Transition::Resume => Some("mail-pathway-resumed"),
        Transition::Close => Some("mail-pathway-closed"),
        _ => None,
    };
    if let Some(key) = note {
        let link = format!("{}/home", state.config.base_url);
        for (email, name, lang) in participants_to_tell(state, &ctx, None).await? {
            let tr = Tr::new(&lang);
            send(
                state,
                Mail {
                    to: email,
                    subject: tr.ta(
                        &format!("{key}-subject"),
                        &[("practice", &state.config.practice.name)],
                    ),
                    text: tr.ta(&format!("{key}-body"), &[("name", &name), ("link", &link)]),
                },
            )
            .await?;
        }
    }
    let ctx = duo::load(state, duo_id).await?;
    Ok(PathwayView {
        phase: ctx.phase().as_str().to_string(),
        paused_from: ctx.duo.paused_from.clone(),
        offered: offers(state, &ctx).await?,
        steps: pathway_of(state, auth, duo_id).await?.steps,
    })
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/pathway", tag = "duos", params(("id" = String, Path)), request_body = StepRequest,
    responses((status = 200, body = PathwayView), (status = 404, body = Problem), (status = 409, description = "the step is not possible now; `detail` names each unmet gate", body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn step(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<StepRequest>,
) -> AppResult<Json<PathwayView>> {
    Ok(Json(apply_step(&state, &auth, &id, &body).await?))
}

// --- cancelling a session day ---------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct CancelRequest {
    /// Why the day is called off; seen by the care team and coordinators, never by the
    /// participants (their note says only that the day will not take place).
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancelledView {
    /// The session, now with status `cancelled`.
    pub session: SessionView,
    /// The duo's phase afterwards.
    pub phase: String,
}

/// Participants a note goes to: (email, name, language); `only` narrows it to one.
async fn participants_to_tell(
    state: &AppState,
    ctx: &DuoContext,
    only: Option<&str>,
) -> AppResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for p in &ctx.participants {
        if only.is_some_and(|o| o != p.id) {
            continue;
        }
        if let Some(uid) = &p.user_id
            && let Some(u) = accounts::user_by_id(&state.db, uid).await?
            && u.active
        {
            out.push((u.email, u.name, u.lang));
        }
    }
    Ok(out)
}

async fn send(state: &AppState, mail: Mail) -> AppResult<()> {
    state
        .mailer
        .send(&mail)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// `2027-01-15T09:00:00Z` → `2027-01-15 09:00 UTC`.
fn when(rfc3339_time: &str) -> String {
    let short: String = rfc3339_time
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ");
    format!("{short} UTC")
}

/// Cancels one booking that has not begun, frees its room and staff, cancels its jobs and
/// tells the staff booked on it. False when it began (or was called off) meanwhile.
async fn cancel_row(
    state: &AppState,
    auth: &Authenticated,
    ctx: &DuoContext,
    s: &Session,
    reason: &str,
) -> AppResult<bool> {
    let now = state.now();
    let sealed = state
        .sealer
        .seal(
            &state.db,
            &ctx.duo.id,
            cancel_place(&s.id),
            reason.as_bytes(),
            now,
        )
        .await?;
    if !sessions::cancel_booked(&state.db, &s.id, &auth.user.id, &sealed, now).await? {
        return Ok(false);
    }
    jobs::cancel_prefix(&state.db, &format!("follow_up:{}:", s.id), now).await?;
    let kind = match &s.participant_id {
        Some(pid) => format!("one_person:{pid}"),
        None => "duo".to_string(),
    };
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "cancel_session")
            .subject(&ctx.duo.id)
            .resource("session_console")
            .reason(&kind),
    )
    .await?;
    let room = sessions::find_room(&state.db, &s.room_id)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let at = when(&rfc3339(s.starts_at));
    let link = format!("{}/duos/{}", state.config.base_url, ctx.duo.id);
    for user_id in sessions::session_staff(&state.db, &s.id).await? {
        let Some(u) = accounts::user_by_id(&state.db, &user_id).await? else {
            continue;
        };
        if !u.active {
            continue;
        }
        let tr = Tr::new(&u.lang);
        send(
            state,
            Mail {
                to: u.email,
                subject: tr.ta(
                    "mail-session-cancelled-staff-subject",
                    &[("code", &ctx.duo.code)],
                ),
                text: tr.ta(
                    "mail-session-cancelled-staff-body",
                    &[
                        ("name", &u.name),
                        ("code", &ctx.duo.code),
                        ("when", &at),
                        ("room", &room),
                        ("link", &link),
                    ],
                ),
            },
        )
        .await?;
    }
    Ok(true)
}

/// Calls off every booked duo session of `ctx` that has not begun, for a step that leaves
/// `scheduled` another way (a pause, a new screening decision); answers what it called off.
/// The staff booked are told; telling the participants is the caller's.
pub(crate) async fn call_off_duo_bookings(
    state: &AppState,
    auth: &Authenticated,
    ctx: &DuoContext,
    reason: &str,
) -> AppResult<Vec<Session>> {
    let mut called_off = Vec::new();
    for s in sessions::sessions_of(&state.db, &ctx.duo.id).await? {
        if s.participant_id.is_none()
            && s.status == "booked"
            && !s.is_cancelled()
            && cancel_row(state, auth, ctx, &s, reason).await?
        {
            called_off.push(s);
        }
    }
    Ok(called_off)
}

/// The calm note that a session day will not take place, to the people it was for.
pub(crate) async fn tell_participants_day_off(
    state: &AppState,
    ctx: &DuoContext,
    session: &Session,
) -> AppResult<()> {
    let at = when(&rfc3339(session.starts_at));
    let link = format!("{}/messages", state.config.base_url);
    for (email, name, lang) in
        participants_to_tell(state, ctx, session.participant_id.as_deref()).await?
    {
        let tr = Tr::new(&lang);
        send(
            state,
            Mail {
                to: email,
                subject: tr.ta("mail-session-cancelled-subject", &[("when", &at)]),
                text: tr.ta(
                    "mail-session-cancelled-body",
                    &[("name", &name), ("when", &at), ("link", &link)],
                ),
            },
        )
        .await?;
    }
    Ok(())
}

/// Shared by the page and the API: calls off a booked session day that has not begun.
pub async fn apply_cancel(
    state: &AppState,
    auth: &Authenticated,
    session_id: &str,
    reason: &str,
) -> AppResult<CancelledView> {
    let session = sessions::session_by_id(&state.db, session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &session.duo_id).await?;
    // Who may book may call off: the team and coordinators (a one-person session is that
    // person's, as its booking was).
    let resource = match &session.participant_id {
        Some(pid) if ctx.participant(pid).is_some() => {
            Resource::owned(ResourceKind::Meetings, &ctx.scope, pid)
        }
        _ => Resource::duo(ResourceKind::Meetings, &ctx.scope),
    };
    access::authorize(state, auth, Action::Write, &resource, &ctx.duo.id).await?;
    let reason = checked_reason(Some(reason), true)?.unwrap_or_default();
    let duo_session = session.participant_id.is_none();
    // A crash between calling off the booking and moving the phase leaves a duo scheduled
    // with nothing booked; asking again finishes the step.
    let unfinished = session.is_cancelled()
        && duo_session
        && ctx.phase() == Phase::Scheduled
        && !sessions::sessions_of(&state.db, &ctx.duo.id)
            .await?
            .iter()
            .any(|s| s.participant_id.is_none() && s.status != "closed");
    if session.is_cancelled() && !unfinished {
        return Err(AppError::Conflict(
            "This session day is already cancelled.".into(),
        ));
    }
    if !session.is_cancelled() {
        let begun =
            session.status != "booked" || sessions::last_seq(&state.db, &session.id).await? > 0;
        if begun || !cancel_row(state, auth, &ctx, &session, &reason).await? {
            return Err(AppError::Conflict(
                "The session day has begun, so it can no longer be cancelled. Record what happens on the console and close it once everyone is discharged."
                    .into(),
            ));
        }
    }
    let mut phase = ctx.phase();
    if duo_session && phase == Phase::Scheduled {
        match duo::advance(
            state,
            &ctx,
            Transition::SessionCancelled,
            auth,
            PathwayFacts::default(),
        )
        .await
        {
            Ok(next) => {
                record_step(
                    state,
                    &ctx,
                    auth,
                    &Transition::SessionCancelled,
                    (phase, next),
                    Some(&reason),
                )
                .await?;
                phase = next;
            }
            // Someone moved the pathway on meanwhile (a pause, a new screening): the
            // booking is off all the same.
            Err(AppError::Conflict(_)) => phase = duo::load(state, &ctx.duo.id).await?.phase(),
            Err(e) => return Err(e),
        }
    }
    if !unfinished {
        tell_participants_day_off(state, &ctx, &session).await?;
    }
    let session = sessions::session_by_id(&state.db, session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CancelledView {
        session: session_view(state, &session).await?,
        phase: phase.as_str().to_string(),
    })
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/cancel", tag = "session", params(("id" = String, Path)), request_body = CancelRequest,
    responses((status = 200, body = CancelledView), (status = 404, body = Problem), (status = 409, description = "the session day has begun, or is already cancelled", body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<CancelRequest>,
) -> AppResult<Json<CancelledView>> {
    Ok(Json(apply_cancel(&state, &auth, &id, &body.reason).await?))
}
