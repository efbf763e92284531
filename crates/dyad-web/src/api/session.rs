//! Session day: rooms, booking (readiness gates, team, room and staff calendars, the
//! recovery window kept free), the live console (an append-only, sealed event log with
//! corrections that point at what they correct), its server-sent event stream, and closing
//! with the protocol's follow-up contacts as durable jobs.
//!
//! One-person sessions (individual tracks): `participant_id` on the booking. Their readiness
//! is the gates about that participant and the team, without the two-person gates
//! (`two_participants`, `joint_prep_meeting_held`) and without the partner's gates. They do
//! not move the duo's shared pathway phase (the state machine has one phase per duo; its
//! session guards are about both people), so the duo stays in `preparation` around them.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use dyad_core::pathway::{DecisionFormat, GateCode, PathwayFacts, Phase, Transition};
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_core::protocol::Protocol;
use dyad_store::audit::AuditEntry;
use dyad_store::sealing::Place;
use dyad_store::sessions::{self as store, NewEvent, Session, SessionEvent};
use dyad_store::{accounts, jobs};
use futures_util::stream::Stream;

use crate::live::{Marker, Subscription};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::access;
use crate::api::preparation::{ConsentView, consent_states, readiness_facts};
use crate::api::records::{parse_time, rfc3339};
use crate::auth::{Authenticated, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::mail::Mail;
use crate::state::AppState;

const HOUR: i64 = 3600 * 1_000_000;
const DAY: i64 = 24 * HOUR;
pub const FOLLOW_UP_JOB: &str = "session_follow_up";
const CANCELLED: &str = "This session day was cancelled; nothing more can be recorded on it.";

/// The shipped protocol (`knowledge/protocols/default.toml`), parsed once.
pub fn protocol() -> AppResult<&'static Protocol> {
    static P: OnceLock<Result<Protocol, String>> = OnceLock::new();
    P.get_or_init(|| Protocol::shipped().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(e.clone()))
}

fn conflict(e: dyad_store::StoreError) -> AppError {
    match e {
        dyad_store::StoreError::Conflict(d) => AppError::Conflict(d),
        other => other.into(),
    }
}

// --- rooms ----------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewRoom {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomView {
    pub id: String,
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/rooms", tag = "session", request_body = NewRoom,
    responses((status = 201, body = RoomView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_room(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<NewRoom>,
) -> AppResult<(StatusCode, Json<RoomView>)> {
    access::authorize(
        &state,
        &auth,
        Action::Write,
        &Resource::system(ResourceKind::Rooms),
        "rooms",
    )
    .await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::Validation(vec![FieldError::new(
            "name",
            "Name the room in 1 to 80 characters.",
        )]));
    }
    let room = store::create_room(&state.db, name, &auth.user.id, state.now())
        .await
        .map_err(conflict)?;
    access::record(
        &state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "create_room")
            .subject(&room.id)
            .resource("rooms"),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(RoomView {
            id: room.id,
            name: room.name,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/rooms", tag = "session",
    responses((status = 200, body = Vec<RoomView>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list_rooms(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<RoomView>>> {
    access::authorize(
        &state,
        &auth,
        Action::Read,
        &Resource::system(ResourceKind::Rooms),
        "rooms",
    )
    .await?;
    Ok(Json(
        store::rooms(&state.db)
            .await?
            .into_iter()
            .map(|r| RoomView {
                id: r.id,
                name: r.name,
            })
            .collect(),
    ))
}

// --- booking --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewSession {
    /// RFC 3339
    #[serde(default)]
    pub starts_at: String,
    /// A room id or its exact name.
    #[serde(default)]
    pub room: String,
    /// The staff on the session (user ids), at least the protocol's `min_team`.
    #[serde(default)]
    pub team: Vec<String>,
    #[serde(default)]
    pub overnight: bool,
    pub escort: Option<String>,
    pub support_contact: Option<String>,
    /// Books a one-person session for this participant (individual tracks).
    pub participant_id: Option<String>,
    /// Book although another appointment of a participant falls in the recovery window.
    #[serde(default)]
    pub allow_recovery_conflict: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub duo_id: String,
    /// Set for a one-person session.
    pub participant_id: Option<String>,
    pub room: RoomView,
    pub starts_at: String,
    pub ends_at: String,
    /// End of the recovery window kept free of other appointments.
    pub recovery_until: String,
    pub team: Vec<String>,
    pub overnight: bool,
    /// booked, running, closed, or cancelled (a booking called off before the day began)
    pub status: String,
}

fn recovery_until(ends_at: i64, days_after: i64) -> i64 {
    // The rest of the session's (UTC) day and `days_after` whole days after it.
    let day_start = ends_at - ends_at.rem_euclid(DAY);
    day_start + (1 + days_after.max(0)) * DAY
}

pub(crate) async fn session_view(state: &AppState, s: &Session) -> AppResult<SessionView> {
    let p = protocol()?;
    let room = store::find_room(&state.db, &s.room_id)
        .await?
        .map(|r| RoomView {
            id: r.id,
            name: r.name,
        })
        .unwrap_or(RoomView {
            id: s.room_id.clone(),
            name: String::new(),
        });
    Ok(SessionView {
        id: s.id.clone(),
        duo_id: s.duo_id.clone(),
        participant_id: s.participant_id.clone(),
        room,
        starts_at: rfc3339(s.starts_at),
        ends_at: rfc3339(s.ends_at),
        recovery_until: rfc3339(recovery_until(s.ends_at, p.session.recovery_days_after)),
        team: store::session_staff(&state.db, &s.id).await?,
        overnight: s.overnight,
        status: if s.is_cancelled() {
            "cancelled".into()
        } else {
            s.status.clone()
        },
    })
}

fn session_place<'a>(id: &'a str, field: &'a str) -> Place<'a> {
    Place {
        table: "sessions",
        row: id,
        field,
    }
}

fn event_place(id: &str) -> Place<'_> {
    Place {
        table: "session_events",
        row: id,
        field: "body",
    }
}

/// The unmet readiness gates for this booking, as "code: message".
async fn unmet_gates(
    state: &AppState,
    ctx: &DuoContext,
    one: Option<&str>,
) -> AppResult<Vec<String>> {
    let mut facts = readiness_facts(state, ctx).await?;
    if let Some(pid) = one {
        facts.participants.retain(|p| p == pid);
        facts.intakes_submitted.retain(|p| p == pid);
        facts.individual_tracks_completed.retain(|p| p == pid);
        facts.washouts.retain(|w| w.participant_id == pid);
        facts
            .checklist
            .retain(|c| c.participant_id.as_deref().is_none_or(|p| p == pid));
    }
    Ok(dyad_core::pathway::readiness(&facts)
        .unmet()
        .filter(|g| {
            one.is_none()
                || !matches!(
                    g.code,
                    GateCode::TwoParticipants | GateCode::JointPrepMeetingHeld
                )
        })
        .map(|g| format!("{}: {}", g.code.as_str(), g.message))
        .collect())
}

fn text_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Option<String> {
    let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("Keep this under {max} characters."),
        ));
        return None;
    }
    Some(v.to_string())
}

/// Shared by the page and the API.
pub async fn apply_booking(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    req: &NewSession,
) -> AppResult<SessionView> {
    let ctx = duo::load(state, duo_id).await?;
    let one = req
        .participant_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let resource = match one {
        Some(pid) if ctx.participant(pid).is_some() => {
            Resource::owned(ResourceKind::Meetings, &ctx.scope, pid)
        }
        _ => Resource::duo(ResourceKind::Meetings, &ctx.scope),
    };
    access::authorize(state, auth, Action::Write, &resource, &ctx.duo.id).await?;
    let p = protocol()?;

    let mut errors = Vec::new();
    if let Some(pid) = one
        && ctx.participant(pid).is_none()
    {
        errors.push(FieldError::new(
            "participant_id",
            "Not a participant of this duo.",
        ));
    }
    let starts_at = match parse_time("starts_at", &Some(req.starts_at.clone())) {
        Ok(Some(t)) => t,
        _ => {
            errors.push(FieldError::new(
                "starts_at",
                "Give the start as an RFC 3339 time, like 2027-01-15T09:00:00Z.",
            ));
            0
        }
    };
    let room = match req.room.trim() {
        "" => None,
        r => store::find_room(&state.db, r).await?,
    };
    if room.is_none() {
        errors.push(FieldError::new(
            "room",
            "No room with that id or name; add it under rooms first.",
        ));
    }
    let mut team: Vec<String> = Vec::new();
    for t in &req.team {
        if !team.contains(t) {
            team.push(t.clone());
        }
    }
    let mut facilitators = 0;
    for (i, member) in team.iter().enumerate() {
        let active = accounts::user_by_id(&state.db, member)
            .await?
            .is_some_and(|u| u.is_staff() && u.active);
        let team_role = ctx
            .team
            .iter()
            .find(|(u, _, _)| u == member)
            .map(|(_, r, _)| r.as_str());
        if !active || team_role.is_none() || !ctx.scope.is_on_team(member) {
            errors.push(FieldError::new(
                &format!("team[{i}]"),
                "Not an active staff member on this duo's care team.",
            ));
        } else if team_role == Some("facilitator") {
            facilitators += 1;
        }
    }
    if team.len() < p.session.min_team {
        errors.push(FieldError::new(
            "team",
            format!(
                "The protocol asks for a team of at least {} ({}).",
                p.session.min_team, p.session.min_team_source
            ),
        ));
    }
    let format: Option<DecisionFormat> = ctx.duo.format.as_deref().and_then(|f| f.parse().ok());
    if let Some(f) = format
        && facilitators < f.min_facilitators()
    {
        errors.push(FieldError::new(
            "team",
            format!(
                "The screening decision {f} asks for at least {} facilitators on the session.",
                f.min_facilitators()
            ),
        ));
    }
    let escort = text_field(&mut errors, "escort", &req.escort, 500);
    let support_contact = text_field(&mut errors, "support_contact", &req.support_contact, 500);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let room = room.ok_or(AppError::NotFound)?;

    // The screening decision decides between a duo session and one-person sessions.
    match (one, format) {
        (None, Some(DecisionFormat::IndividualOnly)) => {
            return Err(AppError::Conflict(
                "The screening decision is individual_only: book one-person sessions (participant_id)."
                    .into(),
            ));
        }
        (Some(_), f)
            if !f
                .and_then(|f| f.track())
                .is_some_and(|t| t.needs_individual_track()) =>
        {
            return Err(AppError::Conflict(
                "One-person sessions are for the individual tracks (individual_then_duo, individual_only)."
                    .into(),
            ));
        }
        _ => {}
    }
    if one.is_some() && ctx.phase() != Phase::Preparation {
        return Err(AppError::Conflict(format!(
            "A session can be booked in preparation; the pathway is {}.",
            ctx.phase().as_str()
        )));
    }
    let unmet = unmet_gates(state, &ctx, one).await?;
    if !unmet.is_empty() {
        return Err(AppError::Conflict(format!(
            "Not ready to book a session. {}",
            unmet.join(" | ")
        )));
    }

    let ends_at = starts_at + p.session.duration_hours * HOUR;
    let (room_taken, busy) = store::clashes(&state.db, &room.id, &team, starts_at, ends_at).await?;
    if room_taken {
        return Err(AppError::Conflict(format!(
            "The room {} is booked at that time.",
            room.name
        )));
    }
    if !busy.is_empty() {
        return Err(AppError::Conflict(format!(
            "Already booked at that time: {}.",
            busy.join(", ")
        )));
    }

    // The recovery window: no other appointment of either participant.
    let until = recovery_until(ends_at, p.session.recovery_days_after);
    let whose: Vec<String> = match one {
        Some(pid) => vec![pid.to_string()],
        None => ctx.scope.participant_ids.clone(),
    };
    let mut clashes = Vec::new();
    for m in dyad_store::preparation::meetings_of(&state.db, &ctx.duo.id).await? {
        let concerns = m
            .with_participant
            .as_ref()
            .is_none_or(|w| whose.contains(w));
        let m_end = m.starts_at + m.minutes * 60_000_000;
        if concerns && dyad_core::protocol::overlaps((ends_at, until), (m.starts_at, m_end)) {
            clashes.push(format!(
                "{} meeting {} at {}",
                m.kind,
                m.id,
                rfc3339(m.starts_at)
            ));
        }
    }
    for s in store::sessions_of(&state.db, &ctx.duo.id).await? {
        let concerns = s.participant_id.as_ref().is_none_or(|w| whose.contains(w));
        if concerns
            && s.status != "closed"
            && dyad_core::protocol::overlaps((ends_at, until), (s.starts_at, s.ends_at))
        {
            clashes.push(format!("session {} at {}", s.id, rfc3339(s.starts_at)));
        }
    }
    if !clashes.is_empty() && !req.allow_recovery_conflict {
        return Err(AppError::Conflict(format!(
            "The recovery window until {} is not free: {}. Move it, or book with allow_recovery_conflict.",
            rfc3339(until),
            clashes.join("; ")
        )));
    }

    let id = accounts::new_id();
    let now = state.now();
    let seal = |field: &'static str, text: Option<String>| {
        let id = id.clone();
        let duo_id = ctx.duo.id.clone();
        async move {
            match text {
                Some(t) => Ok::<_, AppError>(Some(
                    state
                        .sealer
                        .seal(
                            &state.db,
                            &duo_id,
                            session_place(&id, field),
                            t.as_bytes(),
                            now,
                        )
                        .await?,
                )),
                None => Ok(None),
            }
        }
    };
    let session = Session {
        id: id.clone(),
        duo_id: ctx.duo.id.clone(),
        participant_id: one.map(str::to_string),
        room_id: room.id.clone(),
        starts_at,
        ends_at,
        overnight: req.overnight,
        escort_sealed: seal("escort", escort).await?,
        support_contact_sealed: seal("support_contact", support_contact).await?,
        status: "booked".into(),
        created_by: auth.user.id.clone(),
        created_at: now,
        closed_at: None,
        cancelled_at: None,
    };
    store::create_session(&state.db, &session, &team)
        .await
        .map_err(conflict)?;
    if one.is_none() {
        let facts = PathwayFacts {
            readiness: readiness_facts(state, &ctx).await?,
            ..Default::default()
        };
        if let Err(e) = duo::advance(state, &ctx, Transition::SessionBooked, auth, facts).await {
            store::delete_unstarted(&state.db, &id).await?;
            return Err(e);
        }
    }
    let mut reason = match one {
        Some(pid) => format!("one_person:{pid}"),
        None => "duo".to_string(),
    };
    if !clashes.is_empty() {
        reason.push_str(&format!(
            "; recovery_conflict_override: {}",
            clashes.join("; ")
        ));
    }
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "book_session")
            .subject(&ctx.duo.id)
            .resource("session_console")
            .reason(&reason),
    )
    .await?;
    session_view(state, &session).await
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/sessions", tag = "session", params(("id" = String, Path)), request_body = NewSession,
    responses((status = 201, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn book(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<NewSession>,
) -> AppResult<(StatusCode, Json<SessionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_booking(&state, &auth, &id, &body).await?),
    ))
}

/// The sessions of a duo the caller may see (participants: the duo's and their own).
pub async fn visible_sessions(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<Vec<SessionView>> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::Meetings, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let actor = auth.actor();
    let mut out = Vec::new();
    for s in store::sessions_of(&state.db, duo_id).await? {
        let resource = match &s.participant_id {
            Some(pid) => Resource::owned(ResourceKind::Meetings, &ctx.scope, pid),
            None => Resource::duo(ResourceKind::Meetings, &ctx.scope),
        };
        if dyad_core::policy::can(&actor, Action::Read, &resource).is_allowed() {
            out.push(session_view(state, &s).await?);
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/sessions", tag = "session", params(("id" = String, Path)),
    responses((status = 200, body = Vec<SessionView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<SessionView>>> {
    Ok(Json(visible_sessions(&state, &auth, &id).await?))
}

// --- console --------------------------------------------------------------------------------

/// A session, its duo, and the participants it is for, after the policy said yes.
pub struct SessionContext {
    pub session: Session,
    pub ctx: DuoContext,
    pub participants: Vec<String>,
}

/// Loads a session for its team; anyone else gets "does not exist".
pub async fn load_for_team(
    state: &AppState,
    auth: &Authenticated,
    session_id: &str,
    action: Action,
) -> AppResult<SessionContext> {
    let session = store::session_by_id(&state.db, session_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &session.duo_id).await?;
    access::authorize(
        state,
        auth,
        action,
        &Resource::duo(ResourceKind::SessionConsole, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let participants = match &session.participant_id {
        Some(p) => vec![p.clone()],
        None => ctx.scope.participant_ids.clone(),
    };
    Ok(SessionContext {
        session,
        ctx,
        participants,
    })
}

/// One opened event of the log.
#[derive(Debug, Clone)]
struct Opened {
    ev: SessionEvent,
    data: Value,
}

async fn open_events(state: &AppState, sc: &SessionContext) -> AppResult<Vec<Opened>> {
    let now = state.now();
    let mut out = Vec::new();
    for ev in store::events_of(&state.db, &sc.session.id).await? {
        let (db, sealer, place) = (&state.db, &state.sealer, event_place(&ev.id));
        let body = &ev.body_sealed;
        // An entry about one person is sealed under that person's key (so erasing them
        // shreds it); older entries, and entries about no one, under the duo's key.
        let plain = match &ev.participant_id {
            Some(pid) => match sealer.open(db, pid, place, body, now).await {
                Err(dyad_store::StoreError::Unseal) => {
                    Some(sealer.open(db, &sc.ctx.duo.id, place, body, now).await?)
                }
                Err(dyad_store::StoreError::KeyDestroyed) => None,
                other => Some(other?),
            },
            None => Some(sealer.open(db, &sc.ctx.duo.id, place, body, now).await?),
        };
        let data: Value = match plain {
            Some(plain) => {
                serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.to_string()))?
            }
            None => json!({"erased": true}),
        };
        out.push(Opened { ev, data });
    }
    Ok(out)
}

/// The kind an entry is about: its own, or for a correction the corrected entry's kind.
fn effective_kind<'a>(e: &'a Opened, by_id: &HashMap<&str, &'a Opened>) -> &'a str {
    match (&e.ev.corrects, e.ev.kind.as_str()) {
        (Some(root), "correction") => by_id.get(root.as_str()).map_or("", |r| r.ev.kind.as_str()),
        (_, k) => k,
    }
}

/// The entries as they stand: each original with the data of its latest correction, in
/// the order of the originals.
fn effective(events: &[Opened]) -> Vec<Opened> {
    let mut latest: HashMap<&str, &Opened> = HashMap::new();
    for e in events {
        if let Some(root) = &e.ev.corrects {
            latest.insert(root.as_str(), e);
        }
    }
    events
        .iter()
        .filter(|e| e.ev.corrects.is_none())
        .map(|e| match latest.get(e.ev.id.as_str()) {
            Some(c) => Opened {
                ev: SessionEvent {
                    participant_id: c.ev.participant_id.clone(),
                    ..e.ev.clone()
                },
                data: c.data.clone(),
            },
            None => e.clone(),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// The id of the entry that recorded the values.
    pub id: String,
    pub participant_id: String,
    /// vital_signs, or vital_signs_emergency when a limit marked emergency is passed
    pub kind: String,
    pub detail: String,
    pub raised_at: String,
    pub acknowledged: bool,
    pub acknowledged_by: Option<String>,
}

/// Every entry that recorded vital signs beyond a protocol limit raises an alert; a later
/// correction does not take it away (it still needs someone to acknowledge it).
fn alerts_of(p: &Protocol, events: &[Opened]) -> Vec<AlertView> {
    let by_id: HashMap<&str, &Opened> = events.iter().map(|e| (e.ev.id.as_str(), e)).collect();
    let acks: HashMap<&str, &str> = events
        .iter()
        .filter(|e| e.ev.kind == "ack")
        .filter_map(|e| {
            e.data["alert_id"]
                .as_str()
                .map(|a| (a, e.ev.author_id.as_str()))
        })
        .collect();
    let mut out = Vec::new();
    for e in events {
        if effective_kind(e, &by_id) != "vitals" {
            continue;
        }
        let values: Vec<(&str, f64)> = ["systolic", "diastolic", "pulse", "temperature_c", "suds"]
            .into_iter()
            .filter_map(|m| e.data[m].as_f64().map(|v| (m, v)))
            .collect();
        let hit = p.exceeded(&values);
        if hit.is_empty() {
            continue;
        }
        let detail = hit
            .iter()
            .map(|l| {
                let v = values
                    .iter()
                    .find(|(m, _)| *m == l.measure)
                    .map_or(0.0, |(_, v)| *v);
                format!(
                    "{} {} {} is above the limit {} {}{} (evidence {}: {})",
                    l.measure,
                    v,
                    l.unit,
                    l.above,
                    l.unit,
                    l.severity
                        .as_deref()
                        .map(|s| format!(", {s}"))
                        .unwrap_or_default(),
                    l.evidence,
                    l.source
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let emergency = hit.iter().any(|l| l.severity.is_some());
        out.push(AlertView {
            id: e.ev.id.clone(),
            participant_id: e.ev.participant_id.clone().unwrap_or_default(),
            kind: if emergency {
                "vital_signs_emergency"
            } else {
                "vital_signs"
            }
            .into(),
            detail,
            raised_at: rfc3339(e.ev.at),
            acknowledged: acks.contains_key(e.ev.id.as_str()),
            acknowledged_by: acks.get(e.ev.id.as_str()).map(|a| a.to_string()),
        });
    }
    out
}

#[derive(Debug, Serialize, ToSchema)]
// Its own name in the OpenAPI document: the duo timeline has a `TimelineEntry` too.
#[schema(as = SessionTimelineEntry)]
pub struct TimelineEntry {
    pub id: String,
    pub seq: i64,
    pub kind: String,
    pub participant_id: Option<String>,
    /// For a correction: the entry it corrects.
    pub corrects: Option<String>,
    /// The latest correction of this entry, if any.
    pub corrected_by: Option<String>,
    pub author_id: String,
    pub author_name: String,
    pub at: String,
    /// The entry's fields; `{"erased": true}` when the person it concerns was erased.
    #[schema(value_type = Object)]
    pub data: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModeView {
    /// joint, one_on_one or own_process
    pub mode: String,
    pub participant_id: Option<String>,
    pub since: String,
    pub by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleView {
    pub session: SessionView,
    pub participants: Vec<String>,
    pub escort: Option<String>,
    pub support_contact: Option<String>,
    /// The latest mode; `null` before the first switch.
    pub mode: Option<ModeView>,
    /// Each participant's current consents.
    pub consents: HashMap<String, Vec<ConsentView>>,
    /// Each participant's latest vital signs (corrections applied), `null` before any.
    #[schema(value_type = Object)]
    pub vitals: HashMap<String, Value>,
    pub alerts: Vec<AlertView>,
    pub timeline: Vec<TimelineEntry>,
    /// Whether a measurement is due (none yet, or the last one older than the protocol's
    /// interval) while the session runs and the person is not discharged.
    pub measurement_due: HashMap<String, bool>,
    pub measurement_interval_minutes: i64,
    pub discharged: Vec<String>,
    pub last_seq: i64,
}

fn discharged_of(effective: &[Opened]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in effective.iter().filter(|e| e.ev.kind == "discharge") {
        if let Some(p) = &e.ev.participant_id
            && !out.contains(p)
        {
            out.push(p.clone());
        }
    }
    out
}

pub async fn console_of(state: &AppState, sc: &SessionContext) -> AppResult<ConsoleView> {
    let p = protocol()?;
    let events = open_events(state, sc).await?;
    let eff = effective(&events);
    let mut names: HashMap<String, String> = HashMap::new();
    for e in &events {
        if !names.contains_key(&e.ev.author_id) {
            let name = accounts::user_by_id(&state.db, &e.ev.author_id)
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            names.insert(e.ev.author_id.clone(), name);
        }
    }
    let mut corrected_by: HashMap<&str, &str> = HashMap::new();
    for e in &events {
        if let Some(root) = &e.ev.corrects {
            corrected_by.insert(root.as_str(), e.ev.id.as_str());
        }
    }
    let timeline = events
        .iter()
        .map(|e| TimelineEntry {
            id: e.ev.id.clone(),
            seq: e.ev.seq,
            kind: e.ev.kind.clone(),
            participant_id: e.ev.participant_id.clone(),
            corrects: e.ev.corrects.clone(),
            corrected_by: corrected_by.get(e.ev.id.as_str()).map(|c| c.to_string()),
            author_id: e.ev.author_id.clone(),
            author_name: names.get(&e.ev.author_id).cloned().unwrap_or_default(),
            at: rfc3339(e.ev.at),
            data: e.data.clone(),
        })
        .collect();
    let mode = eff
        .iter()
        .rev()
        .find(|e| e.ev.kind == "mode")
        .map(|e| ModeView {
            mode: e.data["mode"].as_str().unwrap_or_default().to_string(),
            participant_id: e.ev.participant_id.clone(),
            since: rfc3339(e.ev.at),
            by: e.ev.author_id.clone(),
        });
    let discharged = discharged_of(&eff);
    let now = state.now();
    let mut consents = HashMap::new();
    let mut vitals = HashMap::new();
    let mut due = HashMap::new();
    for pid in &sc.participants {
        consents.insert(pid.clone(), consent_states(state, &sc.ctx, pid).await?);
        let latest = eff
            .iter()
            .rev()
            .find(|e| e.ev.kind == "vitals" && e.ev.participant_id.as_deref() == Some(pid));
        vitals.insert(
            pid.clone(),
            latest.map_or(Value::Null, |e| {
                let mut v = e.data.clone();
                v["at"] = json!(rfc3339(e.ev.at));
                v["by"] = json!(e.ev.author_id);
                v["entry_id"] = json!(e.ev.id);
                v
            }),
        );
        let last_at = events
            .iter()
            .filter(|e| {
                e.ev.participant_id.as_deref() == Some(pid)
                    && (e.ev.kind == "vitals"
                        || (e.ev.kind == "correction" && e.data.get("systolic").is_some()))
            })
            .map(|e| e.ev.at)
            .max();
        let running = sc.session.status == "running";
        let is_due = running
            && !discharged.contains(pid)
            && last_at.is_none_or(|t| now - t >= p.measurements.interval_minutes * 60_000_000);
        due.insert(pid.clone(), is_due);
    }
    let open = |sealed: &Option<Vec<u8>>, field: &'static str| {
        let sealed = sealed.clone();
        async move {
            match sealed {
                Some(s) => {
                    let plain = state
                        .sealer
                        .open(
                            &state.db,
                            &sc.ctx.duo.id,
                            session_place(&sc.session.id, field),
                            &s,
                            now,
                        )
                        .await?;
                    Ok::<_, AppError>(Some(String::from_utf8_lossy(&plain).into_owned()))
                }
                None => Ok(None),
            }
        }
    };
    Ok(ConsoleView {
        session: session_view(state, &sc.session).await?,
        participants: sc.participants.clone(),
        escort: open(&sc.session.escort_sealed, "escort").await?,
        support_contact: open(&sc.session.support_contact_sealed, "support_contact").await?,
        mode,
        consents,
        vitals,
        alerts: alerts_of(p, &events),
        timeline,
        measurement_due: due,
        measurement_interval_minutes: p.measurements.interval_minutes,
        discharged,
        last_seq: events.last().map_or(0, |e| e.ev.seq),
    })
}

#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "session", params(("id" = String, Path)),
    responses((status = 200, body = ConsoleView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn console(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<ConsoleView>> {
    let sc = load_for_team(&state, &auth, &id, Action::Read).await?;
    Ok(Json(console_of(&state, &sc).await?))
}

// --- events ---------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct EventCreated {
    pub id: String,
    pub seq: i64,
    pub kind: String,
    pub at: String,
    /// True when this entry was stored earlier under the same `client_key` (a resend).
    pub replayed: bool,
}

fn replayed(e: &SessionEvent) -> EventCreated {
    EventCreated {
        id: e.id.clone(),
        seq: e.seq,
        kind: e.kind.clone(),
        at: rfc3339(e.at),
        replayed: true,
    }
}

fn s(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn n(body: &Value, key: &str) -> Option<f64> {
    body.get(key)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite())
}

/// Checks the fields of one entry kind; answers (participant, the data to seal).
fn validate(
    kind: &str,
    body: &Value,
    participants: &[String],
    p: &Protocol,
) -> Result<(Option<String>, Value), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut data = Map::new();
    let who = |errors: &mut Vec<FieldError>, required: bool| -> Option<String> {
        match s(body, "participant_id") {
            Some(pid) if participants.contains(&pid) => Some(pid),
            Some(_) => {
                errors.push(FieldError::new(
                    "participant_id",
                    "Not a participant of this session.",
                ));
                None
            }
            None if required => {
                errors.push(FieldError::new(
                    "participant_id",
                    "Name the participant this entry is about.",
                ));
                None
            }
            None => None,
        }
    };
    let text = |errors: &mut Vec<FieldError>,
                data: &mut Map<String, Value>,
                key: &str,
                required: bool,
                max: usize| {
        match s(body, key) {
            Some(v) if v.chars().count() > max => errors.push(FieldError::new(
                key,
                format!("Keep this under {max} characters."),
            )),
            Some(v) => {
                data.insert(key.into(), json!(v));
            }
            None if required => errors.push(FieldError::new(key, "This is needed.")),
            None => {}
        }
    };
    let participant = match kind {
        "mode" => {
            let mode = s(body, "mode").unwrap_or_default();
            if !matches!(mode.as_str(), "joint" | "one_on_one" | "own_process") {
                errors.push(FieldError::new(
                    "mode",
                    "Choose joint, one_on_one or own_process.",
                ));
            }
            data.insert("mode".into(), json!(mode));
            let pid = who(&mut errors, mode == "one_on_one");
            if mode != "one_on_one" { None } else { pid }
        }
        "vitals" => {
            let pid = who(&mut errors, true);
            for (key, lo, hi, required) in [
                ("systolic", 40.0, 300.0, true),
                ("diastolic", 20.0, 200.0, true),
                ("pulse", 20.0, 250.0, true),
                ("temperature_c", 30.0, 45.0, true),
                ("suds", 0.0, 10.0, false),
            ] {
                match n(body, key) {
                    Some(v) if (lo..=hi).contains(&v) => {
                        data.insert(key.into(), json!(v));
                    }
                    Some(_) => errors.push(FieldError::new(
                        key,
                        format!("Give a value from {lo} to {hi}."),
                    )),
                    None if required => {
                        errors.push(FieldError::new(key, "Give the measured value."))
                    }
                    None => {}
                }
            }
            pid
        }
        "dose" => {
            let pid = who(&mut errors, true);
            text(&mut errors, &mut data, "substance", true, 100);
            let dose = s(body, "dose").unwrap_or_default();
            if !matches!(dose.as_str(), "initial" | "supplemental" | "withheld") {
                errors.push(FieldError::new(
                    "dose",
                    "Choose initial, supplemental or withheld.",
                ));
            }
            data.insert("dose".into(), json!(dose));
            match n(body, "amount_mg") {
                Some(v) if (0.0..=1000.0).contains(&v) && (v > 0.0 || dose == "withheld") => {
                    data.insert("amount_mg".into(), json!(v));
                }
                None if dose == "withheld" => {}
                _ => errors.push(FieldError::new(
                    "amount_mg",
                    "Give the amount in mg (more than 0, at most 1000).",
                )),
            }
            text(&mut errors, &mut data, "reason", dose == "withheld", 2000);
            if dose == "supplemental" {
                data.insert(
                    "protocol_window_minutes".into(),
                    json!(p.dosing.supplemental_window_minutes),
                );
            }
            pid
        }
        "note" => {
            text(&mut errors, &mut data, "text", true, 4000);
            who(&mut errors, false)
        }
        "adverse_event" => {
            let pid = who(&mut errors, true);
            let severity = s(body, "severity").unwrap_or_default();
            if !matches!(
                severity.as_str(),
                "mild" | "moderate" | "severe" | "life_threatening"
            ) {
                errors.push(FieldError::new(
                    "severity",
                    "Choose mild, moderate, severe or life_threatening.",
                ));
            }
            data.insert("severity".into(), json!(severity));
            text(&mut errors, &mut data, "description", true, 4000);
            text(&mut errors, &mut data, "action", true, 4000);
            text(&mut errors, &mut data, "outcome", false, 4000);
            pid
        }
        "discharge" => {
            let pid = who(&mut errors, true);
            let list = body.get("checklist").and_then(Value::as_object);
            let mut checked = Map::new();
            let mut open = Vec::new();
            for item in &p.discharge.checklist {
                let done = list
                    .and_then(|l| l.get(item))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                checked.insert(item.clone(), json!(done));
                if !done {
                    open.push(item.as_str());
                }
            }
            if !open.is_empty() {
                errors.push(FieldError::new(
                    "checklist",
                    format!(
                        "Every discharge item must hold; still open: {}.",
                        open.join(", ")
                    ),
                ));
            }
            data.insert("checklist".into(), Value::Object(checked));
            text(&mut errors, &mut data, "note", false, 2000);
            pid
        }
        _ => {
            errors.push(FieldError::new(
                "kind",
                "Choose mode, vitals, dose, note, adverse_event, discharge, ack or correction.",
            ));
            None
        }
    };
    if errors.is_empty() {
        Ok((participant, Value::Object(data)))
    } else {
        Err(errors)
    }
}

/// Shared by the page and the API: appends one entry to the session's log.
pub async fn apply_event(
    state: &AppState,
    auth: &Authenticated,
    session_id: &str,
    body: &Value,
) -> AppResult<EventCreated> {
    let sc = load_for_team(state, auth, session_id, Action::Write).await?;
    let p = protocol()?;
    if sc.session.is_cancelled() {
        return Err(AppError::Conflict(CANCELLED.into()));
    }
    if sc.session.status == "closed" {
        return Err(AppError::Conflict(
            "The session is closed; entries can no longer be added.".into(),
        ));
    }
    // A console that lost its connection resends its queued entries with their keys.
    let client_key = s(body, "client_key");
    if let Some(key) = &client_key {
        if key.len() > 64
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(AppError::Validation(vec![FieldError::new(
                "client_key",
                "Up to 64 letters, digits, - or _.",
            )]));
        }
        if let Some(earlier) = store::event_by_client_key(&state.db, &sc.session.id, key).await? {
            return Ok(replayed(&earlier));
        }
    }
    let kind = s(body, "kind").unwrap_or_default();
    let (participant, data, corrects) = match kind.as_str() {
        "ack" => {
            let events = open_events(state, &sc).await?;
            let alert_id = s(body, "alert_id").unwrap_or_default();
            let alerts = alerts_of(p, &events);
            match alerts.iter().find(|a| a.id == alert_id) {
                None => {
                    return Err(AppError::Validation(vec![FieldError::new(
                        "alert_id",
                        "No alert with that id in this session.",
                    )]));
                }
                Some(a) if a.acknowledged => {
                    return Err(AppError::Conflict(
                        "This alert is already acknowledged.".into(),
                    ));
                }
                Some(a) => (
                    Some(a.participant_id.clone()).filter(|p| !p.is_empty()),
                    json!({"alert_id": alert_id}),
                    None,
                ),
            }
        }
        "correction" => {
            let target = s(body, "corrects").unwrap_or_default();
            let events = store::events_of(&state.db, &sc.session.id).await?;
            let Some(found) = events.iter().find(|e| e.id == target) else {
                return Err(AppError::Validation(vec![FieldError::new(
                    "corrects",
                    "No entry with that id in this session.",
                )]));
            };
            // A correction of a correction corrects the original entry.
            let root = match &found.corrects {
                Some(r) => events.iter().find(|e| &e.id == r).unwrap_or(found),
                None => found,
            };
            if root.kind == "ack" {
                return Err(AppError::Validation(vec![FieldError::new(
                    "corrects",
                    "An acknowledgement cannot be corrected.",
                )]));
            }
            let (pid, data) =
                validate(&root.kind, body, &sc.participants, p).map_err(AppError::Validation)?;
            (pid, data, Some(root.id.clone()))
        }
        k => {
            let (pid, data) =
                validate(k, body, &sc.participants, p).map_err(AppError::Validation)?;
            (pid, data, None)
        }
    };

    // The first entry starts the session day and, for a duo session, moves the duo's phase
    // on. These are two writes: when a crash came between them, the session is running
    // while the duo is still `scheduled`, and the next entry finishes the step.
    let started_now = sc.session.status == "booked"
        && store::set_status(&state.db, &sc.session.id, "booked", "running", state.now()).await?;
    let phase_behind = sc.session.status == "running" && sc.ctx.phase() == Phase::Scheduled;
    if sc.session.participant_id.is_none() && (started_now || phase_behind) {
        let facts = PathwayFacts {
            readiness: readiness_facts(state, &sc.ctx).await?,
            ..Default::default()
        };
        match duo::advance(state, &sc.ctx, Transition::SessionStarted, auth, facts).await {
            Ok(_) => {}
            // Another writer (on this or another instance) finished the step meanwhile.
            Err(AppError::Conflict(_)) if !started_now => {}
            Err(e) => {
                if started_now {
                    store::set_status(&state.db, &sc.session.id, "running", "booked", state.now())
                        .await?;
                }
                return Err(e);
            }
        }
    }

    let id = accounts::new_id();
    let now = state.now();
    let plain = serde_json::to_vec(&data).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = state
        .sealer
        .seal(
            &state.db,
            participant.as_deref().unwrap_or(&sc.ctx.duo.id),
            event_place(&id),
            &plain,
            now,
        )
        .await?;
    let seq = store::append_event(
        &state.db,
        &NewEvent {
            id: &id,
            session_id: &sc.session.id,
            kind: &kind,
            participant_id: participant.as_deref(),
            corrects: corrects.as_deref(),
            author_id: &auth.user.id,
            at: now,
            body_sealed: &sealed,
            client_key: client_key.as_deref(),
        },
    )
    .await
    .map_err(conflict)?;
    let seq = match seq {
        store::Appended::New(seq) => seq,
        store::Appended::Existing(earlier) => return Ok(replayed(&earlier)),
    };
    state.live.poke(&sc.session.id);
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "session_entry")
            .subject(&sc.ctx.duo.id)
            .resource("session_console")
            .reason(&kind),
    )
    .await?;
    Ok(EventCreated {
        id,
        seq,
        kind,
        at: rfc3339(now),
        replayed: false,
    })
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/events", tag = "session", params(("id" = String, Path)),
    request_body(content = Object, description = "`{kind, client_key?, ...}`: mode, vitals, dose, note, adverse_event, discharge, ack or correction"),
    responses((status = 201, body = EventCreated), (status = 200, description = "stored earlier under the same client_key", body = EventCreated), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn post_event(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> AppResult<(StatusCode, Json<EventCreated>)> {
    let created = apply_event(&state, &auth, &id, &body).await?;
    let status = if created.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(created)))
}

// --- live stream ----------------------------------------------------------------------------

struct Poll {
    state: AppState,
    duo_id: String,
    /// The signed-in session the stream was opened with, re-checked as it runs.
    token_hash: String,
    /// What this listener has been told so far.
    told: Marker,
    live: Subscription,
    started: bool,
    next_check: tokio::time::Instant,
}

/// How often the stream asks again whether its reader may still see the console: a
/// sign-out, expiry, deactivation or removal from the team ends it.
const RECHECK: Duration = Duration::from_secs(10);

/// Whether the reader of `poll` may still read the console. Only the policy decides;
/// nothing is recorded, as the stream carries sequence numbers, never content.
async fn still_allowed(poll: &Poll) -> AppResult<bool> {
    let Some(user) = crate::auth::still_signed_in(&poll.state, &poll.token_hash).await? else {
        return Ok(false);
    };
    let ctx = duo::load(&poll.state, &poll.duo_id).await?;
    let resource = Resource::duo(ResourceKind::SessionConsole, &ctx.scope);
    Ok(dyad_core::policy::can(&crate::auth::actor_of(&user), Action::Read, &resource).is_allowed())
}

/// Follows the session's watcher on this instance (see [`crate::live`]); yields an event
/// when the log or a participant's consents changed.
fn changes(poll: Poll) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(poll, |mut poll| async move {
        if !poll.started {
            poll.started = true;
            let ev = Event::default()
                .event("seq")
                .data(json!({"seq": poll.told.seq, "consents": poll.told.consents}).to_string());
            return Some((Ok(ev), poll));
        }
        loop {
            tokio::select! {
                moved = poll.live.marker.changed() => {
                    if moved.is_err() {
                        return None;
                    }
                    let now = *poll.live.marker.borrow_and_update();
                    if now == poll.told {
                        continue;
                    }
                    let what = if now.seq != poll.told.seq { "entries" } else { "consents" };
                    poll.told = now;
                    let ev = Event::default().event("changed").data(
                        json!({"seq": now.seq, "consents": now.consents, "what": what}).to_string(),
                    );
                    return Some((Ok(ev), poll));
                }
                _ = tokio::time::sleep_until(poll.next_check) => {
                    poll.next_check = tokio::time::Instant::now() + RECHECK;
                    if !matches!(still_allowed(&poll).await, Ok(true)) {
                        return None;
                    }
                }
            }
        }
    })
}

#[utoipa::path(get, path = "/api/v1/sessions/{id}/stream", tag = "session", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream: `seq` on connect, then `changed` with the new seq", content_type = "text/event-stream", body = String), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn stream(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let sc = load_for_team(&state, &auth, &id, Action::Read).await?;
    let told = Marker {
        seq: store::last_seq(&state.db, &sc.session.id).await?,
        consents: store::consent_marker(&state.db, &sc.ctx.duo.id).await?,
    };
    let live = state
        .live
        .subscribe(&state, &sc.session.id, &sc.ctx.duo.id, told);
    let poll = Poll {
        duo_id: sc.ctx.duo.id,
        token_hash: auth.session.token_hash.clone(),
        told,
        live,
        state,
        started: false,
        next_check: tokio::time::Instant::now() + RECHECK,
    };
    Ok(Sse::new(changes(poll)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

// --- closing --------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct Closed {
    pub status: String,
    /// The duo's phase afterwards.
    pub phase: String,
    /// The follow-up contacts scheduled (job keys).
    pub follow_ups: Vec<String>,
}

pub async fn apply_close(
    state: &AppState,
    auth: &Authenticated,
    session_id: &str,
) -> AppResult<Closed> {
    let sc = load_for_team(state, auth, session_id, Action::Write).await?;
    let p = protocol()?;
    if sc.session.is_cancelled() {
        return Err(AppError::Conflict(CANCELLED.into()));
    }
    match sc.session.status.as_str() {
        "booked" => {
            return Err(AppError::Conflict(
                "The session has not started: nothing is recorded yet.".into(),
            ));
        }
        "closed" => return Err(AppError::Conflict("The session is already closed.".into())),
        _ => {}
    }
    let events = open_events(state, &sc).await?;
    let discharged = discharged_of(&effective(&events));
    // Named with the guard's code for both kinds of session; the state machine checks the
    // same again for a duo session.
    let missing: Vec<String> = sc
        .participants
        .iter()
        .filter(|p| !discharged.contains(p))
        .map(|p| {
            format!(
                "{}: No discharge is recorded for participant {p}.",
                GateCode::DischargeRecorded.as_str()
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(AppError::Conflict(format!(
            "The session cannot close yet. {}",
            missing.join(" | ")
        )));
    }
    let phase = if sc.session.participant_id.is_none() {
        let facts = PathwayFacts {
            readiness: readiness_facts(state, &sc.ctx).await?,
            discharged: discharged.clone(),
            ..Default::default()
        };
        duo::advance(state, &sc.ctx, Transition::SessionClosed, auth, facts)
            .await?
            .as_str()
            .to_string()
    } else {
        sc.ctx.phase().as_str().to_string()
    };
    let now = state.now();
    if !store::set_status(&state.db, &sc.session.id, "running", "closed", now).await? {
        return Err(AppError::Conflict("The session is already closed.".into()));
    }
    let mut follow_ups = Vec::new();
    for day in 1..=p.follow_up.daily_contacts {
        let key = format!("follow_up:{}:{day}", sc.session.id);
        jobs::enqueue(
            &state.db,
            FOLLOW_UP_JOB,
            &key,
            &format!("{}:{day}", sc.session.id),
            now + day * DAY,
            now,
        )
        .await?;
        follow_ups.push(key);
    }
    // Aftercare check-ins for each person of the session, on the protocol's schedule.
    crate::api::aftercare::schedule_after_session(
        state,
        &sc.ctx.duo.id,
        &sc.session.id,
        &sc.participants,
        now,
    )
    .await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "close_session")
            .subject(&sc.ctx.duo.id)
            .resource("session_console"),
    )
    .await?;
    Ok(Closed {
        status: "closed".into(),
        phase,
        follow_ups,
    })
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/close", tag = "session", params(("id" = String, Path)),
    responses((status = 200, body = Closed), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Closed>> {
    Ok(Json(apply_close(&state, &auth, &id).await?))
}

/// The follow-up job: mails the duo's care team that a contact is due. The mail holds the
/// duo's code and nothing about the session.
pub async fn send_follow_up(state: &AppState, payload: &str) -> AppResult<()> {
    let (session_id, day) = payload.rsplit_once(':').unwrap_or((payload, ""));
    let Some(session) = store::session_by_id(&state.db, session_id).await? else {
        return Ok(());
    };
    let ctx = duo::load(state, &session.duo_id).await?;
    let total = protocol()?.follow_up.daily_contacts;
    let mut sent = HashSet::new();
    for (user_id, _, _) in &ctx.team {
        if !sent.insert(user_id.clone()) {
            continue;
        }
        let Some(u) = accounts::user_by_id(&state.db, user_id).await? else {
            continue;
        };
        if !u.active {
            continue;
        }
        let mail = Mail {
            to: u.email,
            subject: format!("Follow-up contact due for duo {}", ctx.duo.code),
            text: format!(
                "Hello {},\n\nA follow-up contact is due for duo {} (day {day} of {total}).\n\nOpen dyad: {}/duos/{}\n",
                u.name, ctx.duo.code, state.config.base_url, ctx.duo.id
            ),
        };
        state
            .mailer
            .send(&mail)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}
