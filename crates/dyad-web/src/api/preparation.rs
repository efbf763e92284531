//! Preparation: meetings (invitations with iCalendar, reminders as durable jobs), the duo
//! agreement (versions, diff, signatures), consents that can be withdrawn at any moment,
//! and the readiness gates.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::pathway::{
    AgreementFacts, AgreementSections, ChecklistItem, ConsentBasis, ConsentItem, ConsentWithdrawal,
    DiffLine, ReadinessFacts, ReadinessReport, Signature, Signer,
};
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_core::time::from_micros;
use dyad_store::audit::AuditEntry;
use dyad_store::preparation::{self as store, AgreementSignature, Meeting};
use dyad_store::sealing::Place;
use dyad_store::{accounts, duos, jobs};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::access;
use crate::api::records::{parse_time, rfc3339};
use crate::auth::{Authenticated, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;

const DAY: i64 = 24 * 3600 * 1_000_000;
pub const REMINDER_JOB: &str = "meeting_reminder";

fn note_place(id: &str) -> Place<'_> {
    Place {
        table: "meetings",
        row: id,
        field: "note",
    }
}

fn agreement_place(id: &str) -> Place<'_> {
    Place {
        table: "agreement_versions",
        row: id,
        field: "sections",
    }
}

// --- meetings -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewMeeting {
    /// preparation or integration
    #[serde(default)]
    pub kind: String,
    /// "joint" or a participant id for an individual meeting
    #[serde(default)]
    pub with: String,
    /// RFC 3339; a time in the past records a meeting that already took place
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub minutes: i64,
    pub video_url: Option<String>,
    /// Staff taking part (defaults to the caller when staff on the team).
    #[serde(default)]
    pub staff: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: String,
    pub kind: String,
    /// joint, or the participant id of an individual meeting
    pub with: String,
    pub starts_at: String,
    pub minutes: i64,
    pub video_url: String,
    pub held: bool,
    pub staff: Vec<String>,
}

async fn meeting_view(state: &AppState, m: &Meeting) -> AppResult<MeetingView> {
    Ok(MeetingView {
        id: m.id.clone(),
        kind: m.kind.clone(),
        with: m.with_participant.clone().unwrap_or_else(|| "joint".into()),
        starts_at: rfc3339(m.starts_at),
        minutes: m.minutes,
        video_url: m.video_url.clone(),
        held: m.held_at.is_some(),
        staff: store::meeting_staff(&state.db, &m.id).await?,
    })
}

fn meeting_resource<'a>(ctx: &'a DuoContext, with: Option<&'a str>) -> Resource<'a> {
    match with {
        Some(pid) => Resource::owned(ResourceKind::Meetings, &ctx.scope, pid),
        None => Resource::duo(ResourceKind::Meetings, &ctx.scope),
    }
}

/// Shared by the page and the API.
pub async fn apply_meeting(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    req: &NewMeeting,
) -> AppResult<MeetingView> {
    let ctx = duo::load(state, duo_id).await?;
    let mut errors = Vec::new();
    if !matches!(req.kind.as_str(), "preparation" | "integration") {
        errors.push(FieldError::new(
            "kind",
            "Choose preparation or integration.",
        ));
    }
    let with = match req.with.as_str() {
        "joint" | "" => None,
        pid if ctx.participant(pid).is_some() => Some(pid.to_string()),
        _ => {
            errors.push(FieldError::new(
                "with",
                "Choose joint or one of the duo's participants.",
            ));
            None
        }
    };
    access::authorize(
        state,
        auth,
        Action::Write,
        &meeting_resource(&ctx, with.as_deref()),
        &ctx.duo.id,
    )
    .await?;
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
    if !(15..=480).contains(&req.minutes) {
        errors.push(FieldError::new(
            "minutes",
            "A meeting lasts 15 to 480 minutes.",
        ));
    }
    let video_url = req.video_url.clone().unwrap_or_default().trim().to_string();
    if !video_url.is_empty() && !video_url.starts_with("https://") {
        errors.push(FieldError::new(
            "video_url",
            "A video link must start with https://",
        ));
    }
    let mut staff = req.staff.clone();
    if staff.is_empty() && ctx.scope.is_on_team(&auth.user.id) {
        staff.push(auth.user.id.clone());
    }
    for (i, s) in staff.iter().enumerate() {
        if !accounts::user_by_id(&state.db, s)
            .await?
            .is_some_and(|u| u.is_staff() && u.active)
        {
            errors.push(FieldError::new(
                &format!("staff[{i}]"),
                "Not an active staff member.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let busy = store::busy_staff(
        &state.db,
        &staff,
        starts_at,
        starts_at + req.minutes * 60_000_000,
    )
    .await?;
    if !busy.is_empty() {
        return Err(AppError::Conflict(format!(
            "Already booked at that time: {}.",
            busy.join(", ")
        )));
    }
    let now = state.now();
    let meeting = Meeting {
        id: accounts::new_id(),
        duo_id: ctx.duo.id.clone(),
        kind: req.kind.clone(),
        with_participant: with.clone(),
        starts_at,
        minutes: req.minutes,
        video_url,
        created_by: auth.user.id.clone(),
        held_at: None,
    };
    store::create_meeting(&state.db, &meeting, &staff, now)
        .await
        .map_err(|e| match e {
            dyad_store::StoreError::Conflict(d) => AppError::Conflict(d),
            other => other.into(),
        })?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "schedule_meeting")
            .subject(&ctx.duo.id)
            .resource("meetings"),
    )
    .await?;
    if starts_at > now {
        invite(state, &ctx, &meeting, &staff).await?;
        let reminder_at = (starts_at - DAY).max(now);
        jobs::enqueue(
            &state.db,
            REMINDER_JOB,
            &format!("reminder:{}", meeting.id),
            &meeting.id,
            reminder_at,
            now,
        )
        .await?;
    }
    meeting_view(state, &meeting).await
}

/// Everyone a meeting concerns: its participants and its staff, as (email, name, lang).
async fn attendees(
    state: &AppState,
    ctx: &DuoContext,
    m: &Meeting,
    staff: &[String],
) -> AppResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for p in &ctx.participants {
        if m.with_participant.as_deref().is_none_or(|w| w == p.id)
            && let Some(uid) = &p.user_id
            && let Some(u) = accounts::user_by_id(&state.db, uid).await?
        {
            out.push((u.email, u.name, u.lang));
        }
    }
    for s in staff {
        if let Some(u) = accounts::user_by_id(&state.db, s).await? {
            out.push((u.email, u.name, u.lang));
        }
    }
    Ok(out)
}

async fn invite(
    state: &AppState,
    ctx: &DuoContext,
    m: &Meeting,
    staff: &[String],
) -> AppResult<()> {
    let starts = from_micros(m.starts_at);
    let ends = from_micros(m.starts_at + m.minutes * 60_000_000);
    for (email, name, lang) in attendees(state, ctx, m, staff).await? {
        let tr = Tr::new(&lang);
        let summary = tr.ta(
            &format!("meeting-title-{}", m.kind),
            &[("practice", &state.config.practice.name)],
        );
        let when = rfc3339(m.starts_at);
        let ics = dyad_core::calendar::invitation(&dyad_core::calendar::Event {
            uid: &format!("{}@dyad", m.id),
            summary: &summary,
            description: &tr.t("meeting-calendar-note"),
            location: &m.video_url,
            starts_at: starts,
            ends_at: ends,
            stamp: state.clock.now(),
            organizer_email: "dyad@localhost",
        });
        let mail = Mail {
            to: email,
            subject: summary.clone(),
            text: tr.ta(
                "mail-meeting-body",
                &[
                    ("name", &name),
                    ("when", &when),
                    ("minutes", &m.minutes.to_string()),
                    ("link", &format!("{}/home", state.config.base_url)),
                ],
            ),
        };
        state
            .mailer
            .send_with_calendar(&mail, &ics)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// The reminder job: mails everyone the day before. Skips meetings already held.
pub async fn send_reminder(state: &AppState, meeting_id: &str) -> AppResult<()> {
    let Some(m) = store::meeting_by_id(&state.db, meeting_id).await? else {
        return Ok(());
    };
    if m.held_at.is_some() {
        return Ok(());
    }
    let ctx = duo::load(state, &m.duo_id).await?;
    let staff = store::meeting_staff(&state.db, &m.id).await?;
    for (email, name, lang) in attendees(state, &ctx, &m, &staff).await? {
        let tr = Tr::new(&lang);
        let mail = Mail {
            to: email,
            subject: tr.t("mail-reminder-subject"),
            text: tr.ta(
                "mail-reminder-body",
                &[
                    ("name", &name),
                    ("when", &rfc3339(m.starts_at)),
                    ("link", &format!("{}/home", state.config.base_url)),
                ],
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

#[utoipa::path(post, path = "/api/v1/duos/{id}/meetings", tag = "preparation", params(("id" = String, Path)), request_body = NewMeeting,
    responses((status = 201, body = MeetingView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_meeting(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<NewMeeting>,
) -> AppResult<(StatusCode, Json<MeetingView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_meeting(&state, &auth, &id, &body).await?),
    ))
}

/// The meetings the caller may see (participants: joint ones and their own).
pub async fn visible_meetings(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<Vec<MeetingView>> {
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
    for m in store::meetings_of(&state.db, duo_id).await? {
        if dyad_core::policy::can(
            &actor,
            Action::Read,
            &meeting_resource(&ctx, m.with_participant.as_deref()),
        )
        .is_allowed()
        {
            out.push(meeting_view(state, &m).await?);
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/meetings", tag = "preparation", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MeetingView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_meetings(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<MeetingView>>> {
    Ok(Json(visible_meetings(&state, &auth, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct HeldRequest {
    pub note: Option<String>,
}

/// Shared by the page and the API: a facilitator marks a meeting held, with a short note.
pub async fn apply_held(
    state: &AppState,
    auth: &Authenticated,
    meeting_id: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let m = store::meeting_by_id(&state.db, meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &m.duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::duo(ResourceKind::ClinicalNote, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::Validation(vec![FieldError::new(
            "note",
            "Keep the note under 2000 characters.",
        )]));
    }
    let sealed = match note {
        Some(n) => Some(
            state
                .sealer
                .seal(
                    &state.db,
                    &ctx.duo.id,
                    note_place(meeting_id),
                    n.as_bytes(),
                    state.now(),
                )
                .await?,
        ),
        None => None,
    };
    if !store::mark_held(&state.db, meeting_id, sealed, state.now()).await? {
        return Err(AppError::Conflict(
            "This meeting is already marked held.".into(),
        ));
    }
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "meeting_held")
            .subject(&ctx.duo.id)
            .resource("meetings"),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/meetings/{id}/held", tag = "preparation", params(("id" = String, Path)), request_body = HeldRequest,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn held(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<HeldRequest>,
) -> AppResult<StatusCode> {
    apply_held(&state, &auth, &id, body.note.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- agreement ----------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    pub participant_id: Option<String>,
    pub user_id: String,
    pub role: String,
    pub signed_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiffView {
    pub section: String,
    pub change: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<DiffLine> for DiffView {
    fn from(d: DiffLine) -> Self {
        Self {
            section: d.section.clone(),
            change: format!("{:?}", d.change).to_lowercase(),
            before: d.before,
            after: d.after,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    /// 0 while nothing has been written.
    pub version: i64,
    #[schema(value_type = Object)]
    pub sections: Value,
    pub content_hash: String,
    /// Signatures on this version only.
    pub signatures: Vec<SignatureView>,
    pub in_effect: bool,
    /// Sections still empty (signing needs every one filled).
    pub missing_sections: Vec<String>,
    /// What changed since the previous version.
    pub diff: Vec<DiffView>,
}

struct Current {
    version: i64,
    sections: AgreementSections,
    previous: Option<AgreementSections>,
}

async fn current_agreement(state: &AppState, ctx: &DuoContext) -> AppResult<Current> {
    let versions = store::agreement_versions(&state.db, &ctx.duo.id).await?;
    let open = |v: &store::AgreementVersion| {
        let v = v.clone();
        async move {
            let plain = state
                .sealer
                .open(
                    &state.db,
                    &ctx.duo.id,
                    agreement_place(&v.id),
                    &v.sections_sealed,
                    state.now(),
                )
                .await?;
            serde_json::from_slice::<AgreementSections>(&plain)
                .map_err(|e| AppError::Internal(e.to_string()))
        }
    };
    let n = versions.len();
    let sections = match versions.last() {
        Some(v) => open(v).await?,
        None => AgreementSections::default(),
    };
    let previous = if n >= 2 {
        Some(open(&versions[n - 2]).await?)
    } else {
        None
    };
    Ok(Current {
        version: versions.last().map(|v| v.version).unwrap_or(0),
        sections,
        previous,
    })
}

fn core_signatures(sigs: &[AgreementSignature]) -> Vec<Signature> {
    sigs.iter()
        .map(|s| Signature {
            version_hash: s.content_hash.clone(),
            signer: match &s.participant_id {
                Some(pid) => Signer::Participant {
                    participant_id: pid.clone(),
                },
                None => Signer::Facilitator {
                    user_id: s.user_id.clone(),
                },
            },
            signed_at: from_micros(s.signed_at),
        })
        .collect()
}

pub async fn agreement_view(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<AgreementView> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::Agreement, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let cur = current_agreement(state, &ctx).await?;
    let hash = cur.sections.content_hash();
    let sigs = store::signatures_of(&state.db, duo_id).await?;
    let in_effect = cur.version > 0
        && dyad_core::pathway::in_effect(
            &hash,
            &core_signatures(&sigs),
            &ctx.scope.participant_ids,
        );
    Ok(AgreementView {
        version: cur.version,
        sections: serde_json::to_value(&cur.sections)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        missing_sections: cur.sections.missing_sections(&ctx.scope.participant_ids),
        signatures: sigs
            .into_iter()
            .filter(|s| s.version == cur.version)
            .map(|s| SignatureView {
                participant_id: s.participant_id,
                user_id: s.user_id,
                role: s.role,
                signed_at: rfc3339(s.signed_at),
            })
            .collect(),
        diff: match &cur.previous {
            Some(p) => dyad_core::pathway::agreement::diff(p, &cur.sections)
                .into_iter()
                .map(DiffView::from)
                .collect(),
            None => Vec::new(),
        },
        content_hash: hash,
        in_effect,
    })
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/agreement", tag = "preparation", params(("id" = String, Path)),
    responses((status = 200, body = AgreementView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_agreement(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<AgreementView>> {
    Ok(Json(agreement_view(&state, &auth, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgreementUpdate {
    #[schema(value_type = Object)]
    pub sections: Value,
}

/// Shared by the page and the API: a new version. Each participant may change only the
/// shared sections and their own entries (intention, touch, sharing); earlier signatures
/// do not carry over.
pub async fn apply_agreement(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    sections: &Value,
) -> AppResult<AgreementView> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::duo(ResourceKind::Agreement, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    if !matches!(ctx.phase(), dyad_core::pathway::Phase::Preparation) {
        return Err(AppError::Conflict(
            "The agreement can be changed during preparation only.".into(),
        ));
    }
    let mut new = dyad_core::pathway::parse_sections(sections, &ctx.scope.participant_ids)
        .map_err(|errors| {
            AppError::Validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(&format!("sections.{}", e.field), e.message))
                    .collect(),
            )
        })?;
    let cur = current_agreement(state, &ctx).await?;
    // A participant's own entries are theirs alone: keep the partner's as they were.
    if let Some(me) = auth.user.participant_id.as_deref() {
        for (map_old, map_new) in [
            (&cur.sections.intentions, &mut new.intentions),
            (&cur.sections.sharing, &mut new.sharing),
        ] {
            map_new.retain(|k, _| k == me);
            for (k, v) in map_old.iter().filter(|(k, _)| *k != me) {
                map_new.insert(k.clone(), v.clone());
            }
        }
        new.touch.retain(|k, _| k == me);
        for (k, v) in cur.sections.touch.iter().filter(|(k, _)| *k != me) {
            new.touch.insert(k.clone(), v.clone());
        }
    }
    if new.content_hash() == cur.sections.content_hash() && cur.version > 0 {
        return agreement_view(state, auth, duo_id).await;
    }
    let now = state.now();
    let id = accounts::new_id();
    let plain = serde_json::to_vec(&new).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = state
        .sealer
        .seal(&state.db, &ctx.duo.id, agreement_place(&id), &plain, now)
        .await?;
    store::add_agreement_version(
        &state.db,
        &id,
        &ctx.duo.id,
        cur.version + 1,
        sealed,
        &new.content_hash(),
        &auth.user.id,
        now,
    )
    .await
    .map_err(|e| match e {
        dyad_store::StoreError::Conflict(d) => AppError::Conflict(d),
        other => other.into(),
    })?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "write")
            .subject(&ctx.duo.id)
            .resource("agreement")
            .reason(&format!("version={}", cur.version + 1)),
    )
    .await?;
    state.live.poke_duo(&ctx.duo.id);
    agreement_view(state, auth, duo_id).await
}

#[utoipa::path(put, path = "/api/v1/duos/{id}/agreement", tag = "preparation", params(("id" = String, Path)), request_body = AgreementUpdate,
    responses((status = 200, body = AgreementView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_agreement(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<AgreementUpdate>,
) -> AppResult<Json<AgreementView>> {
    Ok(Json(
        apply_agreement(&state, &auth, &id, &body.sections).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignRequest {
    pub version: i64,
}

/// Shared by the page and the API: a participant signs, or a facilitator countersigns,
/// the current version only.
pub async fn apply_sign(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    version: i64,
) -> AppResult<AgreementView> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Sign,
        &Resource::duo(ResourceKind::Agreement, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let cur = current_agreement(state, &ctx).await?;
    if cur.version == 0 || version != cur.version {
        return Err(AppError::Conflict(format!(
            "Version {version} is not the current agreement; the current one is version {}.",
            cur.version
        )));
    }
    let signer = match &auth.user.participant_id {
        Some(pid) => Signer::Participant {
            participant_id: pid.clone(),
        },
        None => Signer::Facilitator {
            user_id: auth.user.id.clone(),
        },
    };
    let hash = cur.sections.content_hash();
    dyad_core::pathway::check_sign(&cur.sections, &ctx.scope.participant_ids, &hash, &signer)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let now = state.now();
    store::add_signature(
        &state.db,
        duo_id,
        &AgreementSignature {
            version,
            content_hash: hash,
            participant_id: auth.user.participant_id.clone(),
            user_id: auth.user.id.clone(),
            role: if auth.user.participant_id.is_some() {
                "participant".into()
            } else {
                "facilitator".into()
            },
            signed_at: now,
        },
    )
    .await?;
    state.live.poke_duo(duo_id);
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "sign")
            .subject(&ctx.duo.id)
            .resource("agreement")
            .reason(&format!("version={version}")),
    )
    .await?;
    agreement_view(state, auth, duo_id).await
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/agreement/sign", tag = "preparation", params(("id" = String, Path)), request_body = SignRequest,
    responses((status = 200, body = AgreementView), (status = 404, body = Problem), (status = 409, body = Problem, description = "Not the current version, or incomplete")), security(("bearer" = [])))]
pub async fn sign(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<SignRequest>,
) -> AppResult<Json<AgreementView>> {
    Ok(Json(apply_sign(&state, &auth, &id, body.version).await?))
}

// --- consents -----------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    pub item: String,
    /// given, withdrawn or not_given
    pub state: String,
    pub since: Option<String>,
}

/// One participant's consent states, from the version in effect and their withdrawals.
pub async fn consent_states(
    state: &AppState,
    ctx: &DuoContext,
    pid: &str,
) -> AppResult<Vec<ConsentView>> {
    let cur = current_agreement(state, ctx).await?;
    let hash = cur.sections.content_hash();
    let sigs = store::signatures_of(&state.db, &ctx.duo.id).await?;
    let core = core_signatures(&sigs);
    let effective =
        cur.version > 0 && dyad_core::pathway::in_effect(&hash, &core, &ctx.scope.participant_ids);
    let signed_at = sigs
        .iter()
        .find(|s| s.content_hash == hash && s.participant_id.as_deref() == Some(pid))
        .map(|s| from_micros(s.signed_at));
    let withdrawals: Vec<ConsentWithdrawal> = store::consent_withdrawals(&state.db, pid)
        .await?
        .into_iter()
        .filter_map(|(item, at)| {
            item.parse::<ConsentItem>()
                .ok()
                .map(|item| ConsentWithdrawal {
                    item,
                    at: from_micros(at),
                })
        })
        .collect();
    let research_given_at = match ctx.participant(pid).and_then(|p| p.user_id.clone()) {
        Some(uid) => duos::acceptances_of(&state.db, &uid)
            .await?
            .into_iter()
            .filter(|a| a.kind == "research")
            .map(|a| from_micros(a.accepted_at))
            .max(),
        None => None,
    };
    let basis = ConsentBasis {
        agreement: if effective {
            signed_at.map(|t| (&cur.sections, t))
        } else {
            None
        },
        research_given_at,
        withdrawals: &withdrawals,
    };
    Ok(dyad_core::pathway::consent_states(&basis, pid)
        .into_iter()
        .map(|e| ConsentView {
            item: e.item.name(),
            state: e.state.as_str().to_string(),
            since: e.since.map(|t| t.to_string()),
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/me/consents", tag = "preparation",
    responses((status = 200, body = Vec<ConsentView>)), security(("bearer" = [])))]
pub async fn my_consents(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<ConsentView>>> {
    let (ctx, pid) = duo::of_participant(&state, &auth).await?;
    access::authorize(
        &state,
        &auth,
        Action::Read,
        &Resource::owned(ResourceKind::Consents, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    Ok(Json(consent_states(&state, &ctx, &pid).await?))
}

/// Shared by the page and the API: effective at once, audited; giving it again needs a
/// new signature.
pub async fn apply_withdraw_consent(
    state: &AppState,
    auth: &Authenticated,
    item: &str,
) -> AppResult<Vec<ConsentView>> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::owned(ResourceKind::Consents, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let parsed: ConsentItem = item.parse().map_err(|_| AppError::NotFound)?;
    let states = consent_states(state, &ctx, &pid).await?;
    match states
        .iter()
        .find(|s| s.item == parsed.name())
        .map(|s| s.state.as_str())
    {
        Some("given") => {}
        Some("withdrawn") => return Ok(states),
        _ => {
            return Err(AppError::Conflict(
                "This consent is not given, so there is nothing to withdraw.".into(),
            ));
        }
    }
    store::add_consent_withdrawal(&state.db, &pid, &parsed.name(), state.now()).await?;
    state.live.poke_duo(&ctx.duo.id);
    access::record(
        state,
        AuditEntry::new(&auth.user.id, "participant", "withdraw_consent")
            .subject(&pid)
            .resource("consents")
            .reason(&parsed.name()),
    )
    .await?;
    consent_states(state, &ctx, &pid).await
}

#[utoipa::path(post, path = "/api/v1/me/consents/{item}/withdraw", tag = "preparation", params(("item" = String, Path)),
    responses((status = 200, body = Vec<ConsentView>), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(item): Path<String>,
) -> AppResult<Json<Vec<ConsentView>>> {
    Ok(Json(apply_withdraw_consent(&state, &auth, &item).await?))
}

// --- readiness ----------------------------------------------------------------------------

/// The protocol's pre-session checklist items per participant (defaults until protocol
/// files exist: a support contact and a ride home; a pregnancy test where relevant is
/// added by the team as an item).
pub const CHECKLIST: [&str; 2] = ["support_contact", "ride_home"];

/// Every fact the gates read, gathered from the store.
pub async fn readiness_facts(state: &AppState, ctx: &DuoContext) -> AppResult<ReadinessFacts> {
    let mut facts = ReadinessFacts {
        participants: ctx.scope.participant_ids.clone(),
        ..Default::default()
    };
    for p in &ctx.participants {
        if dyad_store::intake::intake_of(&state.db, &p.id)
            .await?
            .is_some_and(|i| i.status == "submitted")
        {
            facts.intakes_submitted.push(p.id.clone());
        }
    }
    facts.decision = ctx.duo.format.as_deref().and_then(|f| f.parse().ok());
    let cur = current_agreement(state, ctx).await?;
    let sigs = store::signatures_of(&state.db, &ctx.duo.id).await?;
    facts.agreement = AgreementFacts {
        current_version_hash: (cur.version > 0).then(|| cur.sections.content_hash()),
        signatures: core_signatures(&sigs),
    };
    let meetings = store::meetings_of(&state.db, &ctx.duo.id).await?;
    facts.joint_prep_meetings_held = meetings
        .iter()
        .filter(|m| m.kind == "preparation" && m.with_participant.is_none() && m.held_at.is_some())
        .count() as u32;
    facts.individual_tracks_completed = ctx
        .participants
        .iter()
        .filter(|p| {
            meetings.iter().any(|m| {
                m.kind == "preparation"
                    && m.with_participant.as_deref() == Some(&p.id)
                    && m.held_at.is_some()
            })
        })
        .map(|p| p.id.clone())
        .collect();
    let confirmed = store::washouts_confirmed(&state.db, &ctx.duo.id).await?;
    for p in &ctx.participants {
        if washout_needed(state, &p.id).await? {
            facts.washouts.push(dyad_core::pathway::WashoutFact {
                participant_id: p.id.clone(),
                confirmed_by_clinician: confirmed.contains(&p.id),
            });
        }
    }
    let done = store::checklist_of(&state.db, &ctx.duo.id).await?;
    for p in &ctx.participants {
        for item in CHECKLIST {
            let is_done = done
                .iter()
                .any(|(i, pid, d)| i == item && pid == &p.id && *d);
            facts.checklist.push(ChecklistItem {
                id: item.to_string(),
                participant_id: Some(p.id.clone()),
                done: is_done,
            });
        }
    }
    for (item, pid, d) in done
        .iter()
        .filter(|(i, _, _)| !CHECKLIST.contains(&i.as_str()))
    {
        facts.checklist.push(ChecklistItem {
            id: item.clone(),
            participant_id: (!pid.is_empty()).then(|| pid.clone()),
            done: *d,
        });
    }
    Ok(facts)
}

/// Whether a finding on the participant's latest submitted intake asked for a washout:
/// decided when the version was submitted, so readiness opens no sealed answers.
async fn washout_needed(state: &AppState, participant_id: &str) -> AppResult<bool> {
    let Some((version_id, flag)) =
        dyad_store::intake::washout_flag(&state.db, participant_id).await?
    else {
        return Ok(false);
    };
    if let Some(needed) = flag {
        return Ok(needed);
    }
    // A version submitted before the flag existed: screen it once and remember.
    let Some(v) = dyad_store::intake::versions_of(&state.db, participant_id)
        .await?
        .into_iter()
        .find(|v| v.id == version_id)
    else {
        return Ok(false);
    };
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
    let needed = crate::api::intake::needs_washout(participant_id, answers)?;
    dyad_store::intake::set_washout_flag(&state.db, &version_id, needed).await?;
    Ok(needed)
}

pub async fn readiness_of(state: &AppState, ctx: &DuoContext) -> AppResult<ReadinessReport> {
    Ok(dyad_core::pathway::readiness(
        &readiness_facts(state, ctx).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GateView {
    pub code: String,
    pub met: bool,
    pub message: String,
    pub item: Option<String>,
}

/// The gates for the team (a clinical read: messages may name washouts).
pub async fn team_readiness(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<Vec<GateView>> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::ClinicalNote, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    Ok(readiness_of(state, &ctx)
        .await?
        .gates
        .into_iter()
        .map(|g| GateView {
            code: g.code.as_str().to_string(),
            met: g.met,
            message: g.message,
            item: g.item,
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/readiness", tag = "preparation", params(("id" = String, Path)),
    responses((status = 200, body = Vec<GateView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn readiness(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<GateView>>> {
    Ok(Json(team_readiness(&state, &auth, &id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TodoView {
    pub code: String,
    pub message: String,
}

/// A participant's own open to-dos, never the partner's.
pub async fn my_todos_of(state: &AppState, auth: &Authenticated) -> AppResult<Vec<TodoView>> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    my_todos_in(state, &ctx, &pid).await
}

/// [`my_todos_of`] for a duo context the caller has loaded already.
pub async fn my_todos_in(
    state: &AppState,
    ctx: &duo::DuoContext,
    pid: &str,
) -> AppResult<Vec<TodoView>> {
    let report = readiness_of(state, ctx).await?;
    Ok(report
        .todos_for(pid)
        .into_iter()
        .map(|t| TodoView {
            code: t.code.as_str().to_string(),
            message: t.message,
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/me/todos", tag = "preparation", responses((status = 200, body = Vec<TodoView>)), security(("bearer" = [])))]
pub async fn my_todos(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<TodoView>>> {
    Ok(Json(my_todos_of(&state, &auth).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChecklistUpdate {
    pub item: String,
    pub participant_id: Option<String>,
    pub done: bool,
}

/// Shared by the page and the API: the team ticks a pre-session checklist item.
pub async fn apply_checklist(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    u: &ChecklistUpdate,
) -> AppResult<()> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::duo(ResourceKind::ClinicalNote, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let item = u.item.trim();
    if item.is_empty()
        || item.len() > 60
        || !item.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "item",
            "Name the item in lowercase letters and underscores.",
        )]));
    }
    if let Some(pid) = &u.participant_id
        && ctx.participant(pid).is_none()
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "participant_id",
            "Not a participant of this duo.",
        )]));
    }
    store::set_checklist(
        &state.db,
        duo_id,
        item,
        u.participant_id.as_deref(),
        u.done,
        &auth.user.id,
        state.now(),
    )
    .await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "checklist")
            .subject(duo_id)
            .resource("clinical_note")
            .reason(item),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/checklist", tag = "preparation", params(("id" = String, Path)), request_body = ChecklistUpdate,
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn checklist(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<ChecklistUpdate>,
) -> AppResult<StatusCode> {
    apply_checklist(&state, &auth, &id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WashoutConfirmation {
    pub participant_id: String,
}

/// Shared by the page and the API: the clinician confirms a medication washout.
pub async fn apply_washout(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    pid: &str,
) -> AppResult<()> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Decide,
        &Resource::duo(ResourceKind::ScreeningDecision, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    if ctx.participant(pid).is_none() {
        return Err(AppError::Validation(vec![FieldError::new(
            "participant_id",
            "Not a participant of this duo.",
        )]));
    }
    store::confirm_washout(&state.db, duo_id, pid, &auth.user.id, state.now()).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "confirm_washout")
            .subject(pid)
            .resource("screening_decision"),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/washout", tag = "preparation", params(("id" = String, Path)), request_body = WashoutConfirmation,
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn washout(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<WashoutConfirmation>,
) -> AppResult<StatusCode> {
    apply_washout(&state, &auth, &id, &body.participant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- private drafts of one's own parts ------------------------------------------------------

/// A participant's own parts of the agreement, kept private until they share them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct OwnParts {
    #[serde(default)]
    pub intention: String,
    /// Kinds of touch welcome from the partner (hand, shoulder, hug, holding); none by default.
    #[serde(default)]
    pub touch_from_partner: Vec<String>,
    /// Kinds of touch welcome from a facilitator; none by default.
    #[serde(default)]
    pub touch_from_facilitator: Vec<String>,
    /// What the team may share with the partner afterwards; nothing by default.
    #[serde(default)]
    pub sharing: String,
}

fn draft_place(pid: &str) -> Place<'_> {
    Place {
        table: "agreement_drafts",
        row: pid,
        field: "body",
    }
}

/// The caller's private draft, if any (only ever their own: no id is taken from outside).
pub async fn own_draft(state: &AppState, auth: &Authenticated) -> AppResult<Option<OwnParts>> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::owned(ResourceKind::Agreement, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    match store::agreement_draft(&state.db, &pid).await? {
        Some((sealed, _)) => {
            let plain = state
                .sealer
                .open(&state.db, &pid, draft_place(&pid), &sealed, state.now())
                .await?;
            Ok(Some(
                serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.to_string()))?,
            ))
        }
        None => Ok(None),
    }
}

/// The own parts merged into full sections, checked by the same rules as the agreement.
fn merged(
    current: &AgreementSections,
    pid: &str,
    parts: &OwnParts,
    participants: &[String],
) -> AppResult<Value> {
    let mut sections =
        serde_json::to_value(current).map_err(|e| AppError::Internal(e.to_string()))?;
    sections["intentions"][pid] = Value::String(parts.intention.clone());
    sections["sharing"][pid] = Value::String(parts.sharing.clone());
    sections["touch"][pid] = serde_json::json!({"from_partner": parts.touch_from_partner, "from_facilitator": parts.touch_from_facilitator});
    dyad_core::pathway::parse_sections(&sections, participants).map_err(|errors| {
        AppError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(&format!("sections.{}", e.field), e.message))
                .collect(),
        )
    })?;
    Ok(sections)
}

/// Shared by the page and the API: keeps the caller's own parts privately; the partner and
/// the team see nothing of them until they are shared.
pub async fn apply_save_draft(
    state: &AppState,
    auth: &Authenticated,
    parts: &OwnParts,
) -> AppResult<()> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::owned(ResourceKind::Agreement, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let cur = current_agreement(state, &ctx).await?;
    merged(&cur.sections, &pid, parts, &ctx.scope.participant_ids)?;
    let plain = serde_json::to_vec(parts).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = state
        .sealer
        .seal(&state.db, &pid, draft_place(&pid), &plain, state.now())
        .await?;
    store::save_agreement_draft(&state.db, &pid, &ctx.duo.id, sealed, state.now()).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, "participant", "write")
            .subject(&pid)
            .resource("agreement_draft"),
    )
    .await
}

/// Shared by the page and the API: puts the private draft into a new shared version and
/// forgets the draft.
pub async fn apply_share_draft(state: &AppState, auth: &Authenticated) -> AppResult<AgreementView> {
    let Some(parts) = own_draft(state, auth).await? else {
        return Err(AppError::Conflict(
            "There is no private draft to share.".into(),
        ));
    };
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    let cur = current_agreement(state, &ctx).await?;
    let sections = merged(&cur.sections, &pid, &parts, &ctx.scope.participant_ids)?;
    let view = apply_agreement(state, auth, &ctx.duo.id, &sections).await?;
    store::delete_agreement_draft(&state.db, &pid).await?;
    Ok(view)
}

#[utoipa::path(get, path = "/api/v1/me/agreement-draft", tag = "preparation",
    responses((status = 200, body = OwnParts), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_draft(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<OwnParts>> {
    own_draft(&state, &auth)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(put, path = "/api/v1/me/agreement-draft", tag = "preparation", request_body = OwnParts,
    responses((status = 204), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_draft(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<OwnParts>,
) -> AppResult<StatusCode> {
    apply_save_draft(&state, &auth, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/agreement-draft/share", tag = "preparation",
    responses((status = 200, body = AgreementView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn share_draft(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<AgreementView>> {
    Ok(Json(apply_share_draft(&state, &auth).await?))
}
