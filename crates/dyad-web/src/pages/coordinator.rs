//! The care team's pages: duos by phase with search, one duo with its administrative
//! timeline, assigning the care team, emergency (break-glass) access, and a participant's
//! message thread. What each person may see is decided by the duo services and the policy;
//! coordinators get no clinical content from them.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dyad_core::pathway::Phase;
use dyad_core::policy::{self, Action, Resource, ResourceKind};
use dyad_store::{accounts, duos};
use serde::Deserialize;

use super::participant::MessagesPage;
use super::{Ctx, FormErrors, field, fields, form_pairs, page_errors, render, render_status};
use crate::access;
use crate::api::duos::{
    DuoQuery, DuoView, TeamAssignment, apply_break_glass, apply_team, duo_view, timeline_of,
    visible_duos,
};
use crate::api::messages;
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

use super::label;

// ---------------------------------------------------------------- the list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    phase: Option<String>,
    q: Option<String>,
    assigned_to: Option<String>,
    /// 1-based; anything unreadable is the first page.
    page: Option<String>,
}

/// Duos per page of the list: a screenful on a desktop, quick to load.
const PAGE_SIZE: i64 = 50;

/// A link to another page of the list, with the same filters.
fn page_href(q: &ListQuery, page: i64) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(p) = q.phase.as_deref().filter(|p| !p.is_empty()) {
        pairs.push(("phase", p.to_string()));
    }
    if let Some(t) = q.q.as_deref().filter(|t| !t.trim().is_empty()) {
        pairs.push(("q", t.to_string()));
    }
    if q.assigned_to.as_deref() == Some("me") {
        pairs.push(("assigned_to", "me".into()));
    }
    pairs.push(("page", page.to_string()));
    format!(
        "/duos?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

pub struct Pager {
    pub label: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

pub struct Row {
    pub id: String,
    pub code: String,
    pub names: String,
    pub phase: String,
    pub days: i64,
    pub invitation: String,
}

#[derive(Template)]
#[template(path = "duos.html")]
struct DuosPage {
    ctx: Ctx,
    rows: Vec<Row>,
    phases: Vec<(String, String)>,
    q_phase: String,
    q_text: String,
    mine: bool,
    pager: Pager,
    f: FormErrors,
}

fn row(tr: &Tr, d: DuoView) -> Row {
    Row {
        names: d
            .participants
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(" & "),
        phase: label(tr, "phase", &d.phase),
        days: d.days_in_phase.unwrap_or(0),
        invitation: d
            .invitation
            .as_deref()
            .map(|i| label(tr, "invitation-short", i))
            .unwrap_or_default(),
        code: d.code.unwrap_or_default(),
        id: d.id,
    }
}

pub async fn duos_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    // One more than a page tells whether a next page exists.
    let query = DuoQuery {
        phase: q.phase.clone().filter(|p| !p.is_empty()),
        q: q.q.clone(),
        assigned_to: q.assigned_to.clone().filter(|a| a == "me"),
        limit: Some(PAGE_SIZE + 1),
        offset: Some((page - 1) * PAGE_SIZE),
    };
    let (mut rows, errors): (Vec<Row>, _) = match visible_duos(&state, &auth, &query).await {
        Ok(list) => (list.into_iter().map(|d| row(&tr, d)).collect(), Vec::new()),
        Err(e) => (Vec::new(), page_errors(e)?),
    };
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let pager = Pager {
        label: tr.ta("duos-page", &[("page", &page.to_string())]),
        prev: (page > 1).then(|| page_href(&q, page - 1)),
        next: more.then(|| page_href(&q, page + 1)),
    };
    let phases = Phase::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), label(&tr, "phase", p.as_str())))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &DuosPage {
            ctx: Ctx::new(&state, tr, Some(&auth)).wide(),
            rows,
            phases,
            q_phase: q.phase.unwrap_or_default(),
            q_text: q.q.unwrap_or_default(),
            mine: q.assigned_to.as_deref() == Some("me"),
            pager,
            f: FormErrors::new(errors),
        },
    )
}

// ---------------------------------------------------------------- one duo

pub struct Person {
    pub id: String,
    pub name: String,
    pub messages: bool,
    pub intake: bool,
}

pub struct Choice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

pub struct Event {
    pub at: String,
    pub from: String,
    pub to: String,
    pub event: String,
}

pub struct Withdrawal {
    pub name: String,
    pub at: String,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "duo.html")]
struct DuoPage {
    ctx: Ctx,
    id: String,
    code: String,
    phase: String,
    days: i64,
    relationship: String,
    invitation: String,
    people: Vec<Person>,
    team: Vec<(String, String)>,
    timeline: Option<Vec<Event>>,
    withdrawals: Vec<Withdrawal>,
    /// The team form, for those the policy lets assign it.
    can_assign: bool,
    facilitators: Vec<Choice>,
    clinicians: Vec<Choice>,
    /// The screening review, for those the policy lets read the findings.
    can_read_screening: bool,
    /// Emergency access, for staff outside the team who may ask for it.
    can_break_glass: bool,
    break_glass_active: bool,
    reason: String,
    /// The steps the team may take by hand, for those the policy lets move the phase.
    pathway: Option<super::pathway::PathwayCard>,
    f: FormErrors,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "break_glass.html")]
struct BreakGlassPage {
    ctx: Ctx,
    id: String,
    reason: String,
    f: FormErrors,
}

fn time(rfc3339: &str) -> String {
    rfc3339
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ")
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn duo_page_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    f: FormErrors,
    reason: String,
    saved: Option<String>,
    pathway_draft: Option<super::pathway::Draft>,
) -> AppResult<Response> {
    // Participants follow their duo on their own home page, never on the team's view.
    if !auth.user.is_staff() {
        return Err(AppError::Forbidden);
    }
    let ctx = duo::load(state, id).await?;
    let actor = auth.actor();
    let decision = match access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::DuoSummary, &ctx.scope),
        &ctx.duo.id,
    )
    .await
    {
        Ok(d) => d,
        // Staff outside the team see only the way in for emergencies.
        Err(AppError::NotFound)
            if auth.user.is_staff() && policy::can_request_break_glass(&actor) =>
        {
            let status = if f.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return render_status(
                status,
                &BreakGlassPage {
                    ctx: Ctx::new(state, tr, Some(auth)),
                    id: ctx.duo.id.clone(),
                    reason,
                    f,
                },
            );
        }
        Err(e) => return Err(e),
    };
    let view = duo_view(state, &ctx, true).await?;
    let name_of = |pid: &str| {
        ctx.participant(pid)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let (timeline, withdrawals) = match timeline_of(state, auth, &ctx.duo.id).await {
        Ok(t) => (
            Some(
                t.entries
                    .into_iter()
                    .map(|e| Event {
                        at: time(&e.at),
                        from: label(&tr, "phase", &e.from_phase),
                        to: label(&tr, "phase", &e.to_phase),
                        event: label(&tr, "event", &e.event),
                    })
                    .collect(),
            ),
            t.withdrawals
                .into_iter()
                .map(|w| Withdrawal {
                    name: name_of(&w.participant_id),
                    at: time(&w.at),
                    reason: w.reason,
                })
                .collect(),
        ),
        Err(AppError::NotFound | AppError::Forbidden) => (None, Vec::new()),
        Err(e) => return Err(e),
    };
    let can_assign = policy::can(
        &actor,
        Action::Write,
        &Resource::duo(ResourceKind::TeamAssignment, &ctx.scope),
    )
    .is_allowed();
    let (mut facilitators, mut clinicians) = (Vec::new(), Vec::new());
    if can_assign {
        let on_team =
            |uid: &str, role: &str| ctx.team.iter().any(|(u, r, _)| u == uid && r == role);
        for s in accounts::list_staff(&state.db).await? {
            if !s.active {
                continue;
            }
            for (role, list) in [
                ("facilitator", &mut facilitators),
                ("clinician", &mut clinicians),
            ] {
                if s.has_role(role) {
                    list.push(Choice {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        checked: on_team(&s.id, role),
                    });
                }
            }
        }
    }
    let people = ctx
        .participants
        .iter()
        .map(|p| Person {
            id: p.id.clone(),
            name: p.name.clone(),
            messages: policy::can(
                &actor,
                Action::Read,
                &Resource::owned(ResourceKind::Messages, &ctx.scope, &p.id),
            )
            .is_allowed(),
            intake: policy::can(
                &actor,
                Action::Read,
                &Resource::owned(ResourceKind::Intake, &ctx.scope, &p.id),
            )
            .is_allowed(),
        })
        .collect();
    let status = if f.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let on_team = ctx.scope.is_on_team(&auth.user.id);
    let pathway = super::pathway::card(state, &tr, auth, &ctx, pathway_draft.as_ref()).await?;
    render_status(
        status,
        &DuoPage {
            id: ctx.duo.id.clone(),
            code: view.code.clone().unwrap_or_default(),
            phase: label(&tr, "phase", &view.phase),
            days: view.days_in_phase.unwrap_or(0),
            relationship: label(&tr, "relationship", &view.relationship),
            invitation: view
                .invitation
                .as_deref()
                .map(|i| label(&tr, "invitation-short", i))
                .unwrap_or_default(),
            people,
            team: view
                .team
                .iter()
                .map(|m| (m.name.clone(), label(&tr, "role", &m.role)))
                .collect(),
            timeline,
            withdrawals,
            can_assign,
            facilitators,
            clinicians,
            can_read_screening: policy::can(
                &actor,
                Action::Read,
                &Resource::duo(ResourceKind::ScreeningFindings, &ctx.scope),
            )
            .is_allowed(),
            can_break_glass: !on_team && policy::can_request_break_glass(&actor),
            break_glass_active: decision == policy::Decision::AllowBreakGlass,
            reason,
            pathway,
            f,
            saved,
            ctx: Ctx::new(state, tr, Some(auth)).wide(),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn duo_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let saved = match q.saved.as_deref() {
        Some("team") => Some(tr.t("duo-team-saved")),
        Some("break-glass") => Some(tr.t("duo-break-glass-granted")),
        Some("pathway") => Some(tr.t("pathway-saved")),
        _ => None,
    };
    duo_page_for(
        &state,
        tr,
        &auth,
        &id,
        FormErrors::default(),
        String::new(),
        saved,
        None,
    )
    .await
}

pub async fn team_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let members: Vec<TeamAssignment> = ["facilitator", "clinician"]
        .iter()
        .flat_map(|role| {
            fields(&pairs, role)
                .into_iter()
                .map(|user_id| TeamAssignment {
                    user_id,
                    role: (*role).to_string(),
                })
        })
        .collect();
    match apply_team(&state, &auth, &id, &members).await {
        Ok(()) => Ok(Redirect::to(&format!("/duos/{id}?saved=team")).into_response()),
        Err(e) => {
            let f = FormErrors::new(page_errors(e)?);
            duo_page_for(&state, tr, &auth, &id, f, String::new(), None, None).await
        }
    }
}

pub async fn break_glass_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let reason = field(&pairs, "reason").to_string();
    match apply_break_glass(&state, &auth, &id, &reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/duos/{id}?saved=break-glass")).into_response()),
        Err(e) => {
            let f = FormErrors::new(page_errors(e)?);
            duo_page_for(&state, tr, &auth, &id, f, reason, None, None).await
        }
    }
}

// ---------------------------------------------------------------- a participant's thread

async fn team_messages_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    participant_id: &str,
    f: FormErrors,
    text: String,
) -> AppResult<MessagesPage> {
    // The thread is read through the policy first; only then is the name looked up.
    let thread = messages::thread(state, auth, participant_id).await?;
    let participant = duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(MessagesPage {
        title: tr.ta("messages-team-title", &[("name", &participant.name)]),
        intro: tr.t("messages-team-intro"),
        action: format!("/participants/{participant_id}/messages"),
        back: Some((
            format!("/duos/{}", participant.duo_id),
            tr.t("messages-back-to-duo"),
        )),
        ctx: Ctx::new(state, tr, Some(auth)),
        thread,
        f,
        text,
    })
}

pub async fn team_messages(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let page =
        team_messages_for(&state, tr, &auth, &id, FormErrors::default(), String::new()).await?;
    render(&page)
}

pub async fn team_messages_post(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let text = field(&pairs, "text").to_string();
    match messages::post(&state, &auth, &id, &text).await {
        Ok(()) => Ok(Redirect::to(&format!("/participants/{id}/messages")).into_response()),
        Err(e) => {
            let errors: Vec<FieldError> = page_errors(e)?;
            let page =
                team_messages_for(&state, tr, &auth, &id, FormErrors::new(errors), text).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
