//! A participant's own pages: their home (where the pathway stands, what comes next, the
//! invitation), documents and re-acceptance, the private thread with the care team, and
//! stopping. What the partner said or why they stopped never appears here.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dyad_core::pathway::Phase;
use dyad_core::policy::{Action, Resource, ResourceKind};

use super::info::{Block, blocks, day};
use super::{Ctx, FormErrors, field, fields, form_pairs, page_errors, render, render_status};
use crate::access;
use crate::api::documents::{DocumentView, apply_accept_documents, my_documents_of};
use crate::api::duos::apply_withdraw;
use crate::api::messages::{self, MessageView};
use crate::api::signup::{InvitationStatus, apply_cancel, apply_resend, invitation_status_of};
use crate::auth::{Authenticated, Lang, Pending, SignedIn};
use crate::duo;
use crate::error::in_language;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;

/// How a phase is told to the participant. A duo that stopped, for whatever reason and by
/// whomever, is only "stopped"; a paused one only "paused".
pub fn stage_of(phase: Phase) -> &'static str {
    match phase {
        Phase::Withdrawn | Phase::Declined | Phase::Closed => "stopped",
        Phase::Paused => "paused",
        p => p.as_str(),
    }
}

/// The steps of the pathway as the participant sees them, for the progress list.
const STEPS: &[&str] = &[
    "invited",
    "intake",
    "screening",
    "preparation",
    "scheduled",
    "session",
    "integration",
    "aftercare",
];

pub struct Step {
    pub label: String,
    pub current: bool,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "participant_home.html")]
struct HomePage {
    ctx: Ctx,
    welcome: String,
    stage: &'static str,
    now: String,
    next: String,
    steps: Vec<Step>,
    partner: Option<String>,
    invitation: Option<InvitationStatus>,
    invitation_text: String,
    can_stop: bool,
    pending_documents: bool,
    message: Option<String>,
    /// The neutral screening outcome, the same words for both participants.
    outcome: Option<String>,
    /// From preparation on: the duo (for the agreement link) and the participant's own
    /// open to-dos, never the partner's.
    prep_duo: Option<String>,
    todos: Vec<String>,
}

/// The participant's home; `message` is a confirmation to show on top.
pub async fn home_with(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    message: Option<String>,
) -> AppResult<Response> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::DuoSummary, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let phase = ctx.phase();
    let stage = stage_of(phase);
    let position = STEPS.iter().position(|s| *s == phase.as_str());
    let steps = STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| Step {
            label: tr.t(&format!("step-{s}")),
            current: position == Some(i),
            done: position.is_some_and(|p| i < p),
        })
        .collect();
    let invitation = match crate::api::signup::invitation_status_in(state, &ctx, &pid).await {
        Ok(s) => Some(s),
        Err(AppError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let invitation_text = invitation
        .as_ref()
        .map(|i| {
            tr.ta(
                &format!("invitation-{}", i.status.replace('_', "-")),
                &[("name", &i.partner_name)],
            )
        })
        .unwrap_or_default();
    // Worked out when the request signed in (the same moment): no need to ask again.
    let pending_documents = auth.required.iter().any(|s| s == "accept_documents");
    let partner = ctx.partner_of(&pid).map(|p| p.name.clone());
    // While screening and right after it: only the neutral outcome, never who caused it.
    let decided = ctx.duo.format.is_some();
    let outcome = match phase {
        Phase::Screening => true,
        Phase::Preparation | Phase::Declined => decided,
        _ => false,
    };
    let outcome = if outcome {
        let o = crate::api::screening::own_outcome_in(state, auth, &ctx).await?;
        Some(tr.t(&format!(
            "screening-outcome-{}",
            o.outcome.replace('_', "-")
        )))
    } else {
        None
    };
    let (prep_duo, todos) = super::preparation::home_preparation(state, &tr, &ctx, &pid).await?;
    render(&HomePage {
        welcome: tr.ta("dashboard-welcome", &[("name", &auth.user.name)]),
        now: tr.t(&format!("phase-now-{stage}")),
        next: tr.t(&format!("phase-next-{stage}")),
        ctx: Ctx::new(state, tr, Some(auth)),
        stage,
        steps,
        partner,
        invitation,
        invitation_text,
        can_stop: !phase.is_terminal(),
        pending_documents,
        message,
        outcome,
        prep_duo,
        todos,
    })
}

pub async fn home(state: &AppState, tr: Tr, auth: &Authenticated) -> AppResult<Response> {
    home_with(state, tr, auth, None).await
}

// ---------------------------------------------------------------- the invitation

pub async fn resend_invitation(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let message = match apply_resend(&state, &auth).await {
        Ok(()) => tr.t("invitation-resent"),
        Err(AppError::Conflict(_)) => tr.t("invitation-not-open"),
        Err(e) => return Err(e),
    };
    home_with(&state, tr, &auth, Some(message)).await
}

pub async fn cancel_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let status = invitation_status_of(&state, &auth).await?;
    if status.status != "waiting" {
        return Ok(Redirect::to("/home").into_response());
    }
    render(&ConfirmPage {
        title: tr.t("cancel-title"),
        body: tr.ta("cancel-body", &[("name", &status.partner_name)]),
        action: "/invitation/cancel".into(),
        submit: tr.t("cancel-submit"),
        ctx: Ctx::new(&state, tr, Some(&auth)),
    })
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    title: String,
    body: String,
    action: String,
    submit: String,
}

pub async fn cancel_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let message = match apply_cancel(&state, &auth).await {
        Ok(()) => tr.t("invitation-cancelled"),
        Err(AppError::Conflict(_)) => tr.t("invitation-not-open"),
        Err(e) => return Err(e),
    };
    home_with(&state, tr, &auth, Some(message)).await
}

// ---------------------------------------------------------------- stopping

#[derive(Template)]
#[template(path = "withdraw.html")]
struct WithdrawPage {
    ctx: Ctx,
    f: FormErrors,
    reason: String,
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let (ctx, _) = duo::of_participant(&state, &auth).await?;
    if ctx.phase().is_terminal() {
        return Ok(Redirect::to("/home").into_response());
    }
    render(&WithdrawPage {
        ctx: Ctx::new(&state, tr, Some(&auth)),
        f: FormErrors::default(),
        reason: String::new(),
    })
}

pub async fn withdraw_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let reason = field(&pairs, "reason").to_string();
    let (ctx, _) = duo::of_participant(&state, &auth).await?;
    let result = if field(&pairs, "confirm").is_empty() {
        Err(vec![crate::error::FieldError::new(
            "confirm",
            tr.t("withdraw-confirm-missing"),
        )])
    } else {
        match apply_withdraw(&state, &auth, &ctx.duo.id, Some(&reason)).await {
            Ok(()) => Ok(()),
            Err(e) => Err(in_language(&tr, page_errors(e)?)),
        }
    };
    match result {
        Ok(()) => home_with(&state, tr.clone(), &auth, Some(tr.t("withdraw-done"))).await,
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &WithdrawPage {
                ctx: Ctx::new(&state, tr, Some(&auth)),
                f: FormErrors::new(errors),
                reason,
            },
        ),
    }
}

// ---------------------------------------------------------------- documents

pub struct Accepted {
    pub kind: String,
    pub version: String,
    pub date: String,
    pub method: String,
}

#[derive(Template)]
#[template(path = "my_documents.html")]
struct MyDocumentsPage {
    ctx: Ctx,
    accepted: Vec<Accepted>,
    pending: bool,
}

pub async fn my_documents(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let mine = my_documents_of(&state, &auth).await?;
    let accepted = mine
        .accepted
        .into_iter()
        .map(|a| Accepted {
            kind: tr.t(&format!("doc-kind-{}", a.kind)),
            version: a.version,
            date: day(&a.accepted_at),
            method: tr.t(&format!("doc-method-{}", a.method)),
        })
        .collect();
    render(&MyDocumentsPage {
        ctx: Ctx::new(&state, tr, Some(&auth)),
        accepted,
        pending: !mine.pending.is_empty(),
    })
}

pub struct PendingDoc {
    pub doc: DocumentView,
    pub blocks: Vec<Block>,
    pub effective: String,
}

#[derive(Template)]
#[template(path = "review_documents.html")]
struct ReviewPage {
    ctx: Ctx,
    docs: Vec<PendingDoc>,
    f: FormErrors,
}

async fn review_page(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    f: FormErrors,
) -> AppResult<Option<ReviewPage>> {
    let pending = my_documents_of(state, auth).await?.pending;
    if pending.is_empty() {
        return Ok(None);
    }
    Ok(Some(ReviewPage {
        ctx: Ctx::new(state, tr, Some(auth)),
        docs: pending
            .into_iter()
            .map(|d| PendingDoc {
                blocks: blocks(&d.body),
                effective: day(&d.effective_at),
                doc: d,
            })
            .collect(),
        f,
    }))
}

/// New versions of the documents, in full, to accept before going on.
pub async fn review_documents(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
) -> AppResult<Response> {
    match review_page(&state, tr, &auth, FormErrors::default()).await? {
        Some(page) => render(&page),
        None => Ok(Redirect::to("/account/steps").into_response()),
    }
}

pub async fn accept_documents(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let ids = fields(&pairs, "document_ids");
    match apply_accept_documents(&state, &auth, &ids).await {
        Ok(()) => Ok(Redirect::to("/account/steps").into_response()),
        Err(e) => {
            let f = FormErrors::new(in_language(&tr, page_errors(e)?));
            match review_page(&state, tr, &auth, f).await? {
                Some(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
                None => Ok(Redirect::to("/account/steps").into_response()),
            }
        }
    }
}

// ---------------------------------------------------------------- messages

#[derive(Template)]
#[template(path = "messages.html")]
pub struct MessagesPage {
    pub ctx: Ctx,
    pub title: String,
    pub intro: String,
    pub action: String,
    pub thread: Vec<MessageView>,
    pub f: FormErrors,
    pub text: String,
    pub back: Option<(String, String)>,
}

fn own_participant(auth: &Authenticated) -> AppResult<String> {
    auth.user.participant_id.clone().ok_or(AppError::NotFound)
}

async fn messages_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    f: FormErrors,
    text: String,
) -> AppResult<MessagesPage> {
    let pid = own_participant(auth)?;
    let thread = messages::thread(state, auth, &pid).await?;
    Ok(MessagesPage {
        title: tr.t("messages-title"),
        intro: tr.t("messages-intro"),
        action: "/messages".into(),
        ctx: Ctx::new(state, tr, Some(auth)),
        thread,
        f,
        text,
        back: None,
    })
}

pub async fn messages_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    render(&messages_for(&state, tr, &auth, FormErrors::default(), String::new()).await?)
}

pub async fn messages_post(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let text = field(&pairs, "text").to_string();
    let pid = own_participant(&auth)?;
    match messages::post(&state, &auth, &pid, &text).await {
        Ok(()) => Ok(Redirect::to("/messages").into_response()),
        Err(e) => {
            let f = FormErrors::new(in_language(&tr, page_errors(e)?));
            let page = messages_for(&state, tr, &auth, f, text).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
