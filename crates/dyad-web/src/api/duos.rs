//! The duo as staff and participants see it: listing, the duo itself, the care team,
//! private withdrawal, the administrative timeline, and break-glass access.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::pathway::{PathwayFacts, Transition};
use dyad_core::policy::{self, Action, Resource, ResourceKind, TeamRole};
use dyad_store::accounts;
use dyad_store::audit::AuditEntry;
use dyad_store::duos;
use dyad_store::sealing::Place;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError, Json, Problem, Query};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMember {
    pub id: String,
    pub name: String,
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuoView {
    pub id: String,
    pub phase: String,
    pub format: Option<String>,
    pub relationship: String,
    pub participants: Vec<PersonRef>,
    pub team: Vec<TeamMember>,
    /// The pseudonymous code (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Days in the current phase (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_in_phase: Option<i64>,
    /// The partner's invitation: waiting, joined, will_not_go_ahead (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation: Option<String>,
}

pub fn days_in_phase(state: &AppState, since: i64) -> i64 {
    (state.now() - since).max(0) / (24 * 3600 * 1_000_000)
}

pub async fn duo_view(state: &AppState, ctx: &DuoContext, staff: bool) -> AppResult<DuoView> {
    let invitation = if staff {
        duos::invitation_of_duo(&state.db, &ctx.duo.id).await?
    } else {
        None
    };
    Ok(duo_view_with(state, ctx, staff, invitation.as_ref()))
}

/// [`duo_view`] with the duo's latest invitation already read.
fn duo_view_with(
    state: &AppState,
    ctx: &DuoContext,
    staff: bool,
    invitation: Option<&duos::Invitation>,
) -> DuoView {
    let invitation = invitation.map(|i| crate::api::signup::inviter_status(&i.status).to_string());
    DuoView {
        id: ctx.duo.id.clone(),
        phase: ctx.duo.phase.clone(),
        format: ctx.duo.format.clone(),
        relationship: ctx.duo.relationship.clone(),
        participants: ctx
            .participants
            .iter()
            .map(|p| PersonRef {
                id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect(),
        team: ctx
            .team
            .iter()
            .map(|(id, role, name)| TeamMember {
                id: id.clone(),
                name: name.clone(),
                role: role.clone(),
            })
            .collect(),
        code: staff.then(|| ctx.duo.code.clone()),
        days_in_phase: staff.then(|| days_in_phase(state, ctx.duo.phase_since)),
        invitation: invitation.filter(|_| staff),
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
pub struct DuoQuery {
    pub phase: Option<String>,
    /// `me`: only duos whose care team includes the caller.
    pub assigned_to: Option<String>,
    /// A name, email address or pseudonymous code.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The duos the caller may see, each judged by the policy.
pub async fn visible_duos(
    state: &AppState,
    auth: &Authenticated,
    q: &DuoQuery,
) -> AppResult<Vec<DuoView>> {
    if !auth.user.is_staff() {
        return Err(AppError::Forbidden);
    }
    let phase = q.phase.as_deref().filter(|p| !p.is_empty());
    if let Some(p) = phase
        && p.parse::<dyad_core::pathway::Phase>().is_err()
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "phase",
            "Not a phase dyad knows.",
        )]));
    }
    let mine_only = q.assigned_to.as_deref() == Some("me");
    let is_coordinator = auth.user.has_role("coordinator");
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let offset = q.offset.unwrap_or(0).max(0);
    let candidates = if is_coordinator && !mine_only {
        duos::list_duos(&state.db, phase, search, limit, offset).await?
    } else {
        let mut list = Vec::new();
        for id in duos::duo_ids_for_team_member(&state.db, &auth.user.id).await? {
            if let Some(d) = duos::duo_by_id(&state.db, &id).await?
                && phase.is_none_or(|p| d.phase == p)
            {
                list.push(d);
            }
        }
        list.sort_by_key(|d| std::cmp::Reverse(d.created_at));
        list.into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect()
    };
    let actor = auth.actor();
    let mut out = Vec::new();
    for (ctx, invitation) in duo::load_many(state, candidates).await? {
        if policy::can(
            &actor,
            Action::Read,
            &Resource::duo(ResourceKind::DuoSummary, &ctx.scope),
        )
        .is_allowed()
        {
            out.push(duo_view_with(state, &ctx, true, invitation.as_ref()));
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/duos", tag = "duos", params(DuoQuery),
    responses((status = 200, body = Vec<DuoView>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Query(q): Query<DuoQuery>,
) -> AppResult<Json<Vec<DuoView>>> {
    Ok(Json(visible_duos(&state, &auth, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/duos/{id}", tag = "duos", params(("id" = String, Path)),
    responses((status = 200, body = DuoView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<DuoView>> {
    let ctx = duo::load(&state, &id).await?;
    access::authorize(
        &state,
        &auth,
        Action::Read,
        &Resource::duo(ResourceKind::DuoSummary, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    Ok(Json(duo_view(&state, &ctx, auth.user.is_staff()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamRequest {
    pub members: Vec<TeamAssignment>,
}

#[derive(Debug, Deserialize, ToSchema, Clone)]
pub struct TeamAssignment {
    pub user_id: String,
    /// facilitator or clinician
    pub role: String,
}

/// Shared by the page and the API: replaces the care team; each member must be an active
/// staff account holding the role they are given.
pub const MAX_TEAM: usize = 20;

pub async fn apply_team(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    members: &[TeamAssignment],
) -> AppResult<()> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::duo(ResourceKind::TeamAssignment, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    // Each member is looked up; a care team is a handful of people.
    if members.len() > MAX_TEAM {
        return Err(AppError::Validation(vec![FieldError::new(
            "members",
            format!("A care team has at most {MAX_TEAM} members."),
        )]));
    }
    let mut errors = Vec::new();
    let mut clean: Vec<(String, String)> = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let field = format!("members[{i}]");
        let Ok(role) = m.role.parse::<TeamRole>() else {
            errors.push(FieldError::new(
                &field,
                "The role must be facilitator or clinician.",
            ));
            continue;
        };
        match accounts::user_by_id(&state.db, &m.user_id).await? {
            Some(u) if u.is_staff() && u.active && u.has_role(role.as_str()) => {
                if !clean.iter().any(|(id, _)| id == &u.id) {
                    clean.push((u.id, role.as_str().to_string()));
                }
            }
            _ => errors.push(FieldError::new(
                &field,
                format!(
                    "This person is not an active {} on the staff.",
                    role.as_str()
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    duos::set_team(&state.db, duo_id, &clean).await?;
    let summary = clean
        .iter()
        .map(|(id, r)| format!("{r}:{id}"))
        .collect::<Vec<_>>()
        .join(",");
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "assign_team")
            .subject(duo_id)
            .resource("team_assignment")
            .reason(&summary),
    )
    .await
}

#[utoipa::path(put, path = "/api/v1/duos/{id}/team", tag = "duos", request_body = TeamRequest, params(("id" = String, Path)),
    responses((status = 200, body = DuoView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_team(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<TeamRequest>,
) -> AppResult<Json<DuoView>> {
    apply_team(&state, &auth, &id, &body.members).await?;
    let ctx = duo::load(&state, &id).await?;
    Ok(Json(duo_view(&state, &ctx, true).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct WithdrawRequest {
    /// Seen by the care team only, never by the partner.
    pub reason: Option<String>,
}

pub const MAX_REASON: usize = 2000;

/// Shared by the page and the API: a participant stops, privately. The partner sees only
/// that the duo stopped; the reason is sealed and readable by the team.
pub async fn apply_withdraw(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    let ctx = duo::load(state, duo_id).await?;
    let pid = auth.user.participant_id.clone().ok_or(AppError::NotFound)?;
    let resource = Resource::owned(ResourceKind::WithdrawalReason, &ctx.scope, &pid);
    access::authorize(state, auth, Action::Write, &resource, &pid).await?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(AppError::Validation(vec![FieldError::new(
            "reason",
            format!("Keep it under {MAX_REASON} characters."),
        )]));
    }
    let next = duo::advance(
        state,
        &ctx,
        Transition::Withdraw { by: pid.clone() },
        auth,
        PathwayFacts::default(),
    )
    .await?;
    let now = state.now();
    let id = accounts::new_id();
    let sealed = match reason {
        Some(r) => Some(
            state
                .sealer
                .seal(&state.db, &pid, withdrawal_place(&id), r.as_bytes(), now)
                .await?,
        ),
        None => None,
    };
    duos::record_withdrawal(&state.db, duo_id, &pid, sealed, &id, now).await?;
    if ctx.duo.phase == "invited"
        && let Some(inv) = duos::invitation_of_duo(&state.db, duo_id).await?
    {
        duos::end_invitation(&state.db, &inv.id, "cancelled", now).await?;
    }
    notify_team(state, &ctx).await?;
    tracing::info!(phase = next.as_str(), "a participant withdrew");
    Ok(())
}

pub fn withdrawal_place(id: &str) -> Place<'_> {
    Place {
        table: "withdrawals",
        row: id,
        field: "reason",
    }
}

/// Tells the care team a duo changed, without saying what or why.
async fn notify_team(state: &AppState, ctx: &DuoContext) -> AppResult<()> {
    for (user_id, _, _) in &ctx.team {
        if let Some(u) = accounts::user_by_id(&state.db, user_id).await? {
            let tr = crate::i18n::Tr::new(&u.lang);
            let link = format!("{}/duos/{}", state.config.base_url, ctx.duo.id);
            let mail = crate::mail::Mail {
                to: u.email.clone(),
                subject: tr.ta("mail-duo-changed-subject", &[("code", &ctx.duo.code)]),
                text: tr.ta(
                    "mail-duo-changed-body",
                    &[("name", &u.name), ("code", &ctx.duo.code), ("link", &link)],
                ),
            };
            state
                .mailer
                .send(&mail)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/withdraw", tag = "duos", request_body = WithdrawRequest, params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<WithdrawRequest>,
) -> AppResult<StatusCode> {
    apply_withdraw(&state, &auth, &id, body.reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: String,
    pub from_phase: String,
    pub to_phase: String,
    pub event: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalView {
    pub participant_id: String,
    pub at: String,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
    /// Only for the care team: who withdrew and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withdrawals: Vec<WithdrawalView>,
}

/// The administrative timeline; the care team also sees withdrawal reasons (audited).
pub async fn timeline_of(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<Timeline> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::TeamAssignment, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let entries = duos::phase_log(&state.db, duo_id)
        .await?
        .into_iter()
        .map(|e| TimelineEntry {
            at: rfc3339(e.at),
            from_phase: e.from_phase,
            to_phase: e.to_phase,
            event: e.transition,
        })
        .collect();
    let mut withdrawals = Vec::new();
    for (id, pid, sealed, at) in duos::withdrawals_of(&state.db, duo_id).await? {
        let resource = Resource::owned(ResourceKind::WithdrawalReason, &ctx.scope, &pid);
        if !policy::can(&auth.actor(), Action::Read, &resource).is_allowed()
            || auth.user.participant_id.as_deref() == Some(pid.as_str())
        {
            continue;
        }
        access::authorize(state, auth, Action::Read, &resource, &pid).await?;
        let reason = match sealed {
            Some(s) => Some(
                String::from_utf8_lossy(
                    &state
                        .sealer
                        .open(&state.db, &pid, withdrawal_place(&id), &s, state.now())
                        .await?,
                )
                .to_string(),
            ),
            None => None,
        };
        withdrawals.push(WithdrawalView {
            participant_id: pid,
            at: rfc3339(at),
            reason,
        });
    }
    Ok(Timeline {
        entries,
        withdrawals,
    })
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/timeline", tag = "duos", params(("id" = String, Path)),
    responses((status = 200, body = Timeline), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Timeline>> {
    Ok(Json(timeline_of(&state, &auth, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BreakGlassRequest {
    /// Why access is needed now; kept in the audit trail and shown to admins.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BreakGlassGranted {
    pub expires_at: String,
}

/// Shared by the page and the API: emergency read access for a staff member outside the
/// care team, with a reason, for a limited time, flagged everywhere.
pub async fn apply_break_glass(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    reason: &str,
) -> AppResult<BreakGlassGranted> {
    if !policy::can_request_break_glass(&auth.actor()) {
        return Err(AppError::Forbidden);
    }
    let ctx = duo::load(state, duo_id).await?;
    if ctx.scope.is_on_team(&auth.user.id) {
        return Err(AppError::Conflict(
            "You are on this duo's care team already.".into(),
        ));
    }
    let reason = reason.trim();
    if reason.chars().count() < 10 || reason.chars().count() > 1000 {
        return Err(AppError::Validation(vec![FieldError::new(
            "reason",
            "Give the reason in 10 to 1000 characters.",
        )]));
    }
    let now = state.now();
    let expires = now + state.config.break_glass_minutes * 60 * 1_000_000;
    accounts::grant_break_glass(&state.db, &auth.user.id, duo_id, reason, now, expires).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "break_glass")
            .subject(duo_id)
            .resource("duo")
            .reason(reason)
            .flags("break_glass"),
    )
    .await?;
    Ok(BreakGlassGranted {
        expires_at: rfc3339(expires),
    })
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/break-glass", tag = "duos", request_body = BreakGlassRequest, params(("id" = String, Path)),
    responses((status = 201, body = BreakGlassGranted), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn break_glass(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<BreakGlassRequest>,
) -> AppResult<(StatusCode, Json<BreakGlassGranted>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_break_glass(&state, &auth, &id, &body.reason).await?),
    ))
}
