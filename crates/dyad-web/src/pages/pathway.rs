//! The pathway card on the duo page: exactly the steps the team may take by hand from the
//! current phase, each as its own form with a reason, what each step still waits for, and
//! the steps taken so far with their reasons. Everything goes through `api::pathway`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use dyad_core::policy::{self, Action, Resource, ResourceKind};

use super::coordinator::duo_page_for;
use super::{FormErrors, field, form_pairs, label};
use crate::api::pathway::{StepRequest, apply_step, offers, pathway_of};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo::DuoContext;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/duos/{id}/pathway" => post(step_submit),
    }
}

/// What a refused form posted, so it is shown again as it was.
#[derive(Debug, Default, Clone)]
pub struct Draft {
    pub transition: String,
    pub reason: String,
}

pub struct Offer {
    pub transition: String,
    pub label: String,
    /// "Leads to: …", empty while a gate holds the step back.
    pub to: String,
    /// What the step still waits for, in words.
    pub waits: Vec<String>,
    pub reason: String,
}

pub struct Taken {
    pub at: String,
    pub event: String,
    pub from: String,
    pub to: String,
    pub by: String,
    pub reason: Option<String>,
}

pub struct PathwayCard {
    pub phase: String,
    pub paused_from: String,
    pub offers: Vec<Offer>,
    pub steps: Vec<Taken>,
}

fn short(rfc3339: &str) -> String {
    rfc3339
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ")
}

/// A gate in the reader's language, or the state machine's own words when the catalogue
/// has none; participant ids become names.
fn gate_text(tr: &Tr, ctx: &DuoContext, code: &str, message: &str) -> String {
    let key = format!("pathway-gate-{code}");
    let text = tr.t(&key);
    let text = if text == key {
        message.to_string()
    } else {
        text
    };
    ctx.participants
        .iter()
        .fold(text, |t, p| t.replace(&p.id, &p.name))
}

/// The card, for those the policy lets move the phase; `None` for everyone else.
pub(super) async fn card(
    state: &AppState,
    tr: &Tr,
    auth: &Authenticated,
    ctx: &DuoContext,
    draft: Option<&Draft>,
) -> AppResult<Option<PathwayCard>> {
    let may_move = policy::can(
        &auth.actor(),
        Action::Write,
        &Resource::duo(ResourceKind::DuoSummary, &ctx.scope),
    )
    .is_allowed();
    if !may_move {
        return Ok(None);
    }
    let offers = offers(state, ctx)
        .await?
        .into_iter()
        .map(|o| Offer {
            label: label(tr, "pathway-step", &o.transition),
            to: o
                .to_phase
                .as_deref()
                .map(|p| tr.ta("pathway-leads-to", &[("phase", &label(tr, "phase", p))]))
                .unwrap_or_default(),
            waits: o
                .unmet
                .iter()
                .map(|g| gate_text(tr, ctx, &g.code, &g.message))
                .collect(),
            reason: draft
                .filter(|d| d.transition == o.transition)
                .map(|d| d.reason.clone())
                .unwrap_or_default(),
            transition: o.transition,
        })
        .collect();
    let steps = match pathway_of(state, auth, &ctx.duo.id).await {
        Ok(view) => view
            .steps
            .into_iter()
            .rev()
            .map(|s| Taken {
                at: short(&s.at),
                event: label(tr, "event", &s.transition),
                from: label(tr, "phase", &s.from_phase),
                to: label(tr, "phase", &s.to_phase),
                by: tr.ta("pathway-by", &[("name", &s.by_name)]),
                reason: s.reason,
            })
            .collect(),
        Err(AppError::NotFound | AppError::Forbidden) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(Some(PathwayCard {
        phase: label(tr, "phase", ctx.phase().as_str()),
        paused_from: ctx
            .duo
            .paused_from
            .as_deref()
            .map(|p| label(tr, "phase", p))
            .unwrap_or_default(),
        offers,
        steps,
    }))
}

/// One step from the card: taken and back to the duo page, or the page again with the
/// refusal in words and the reason kept.
pub async fn step_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    // The team's pages are for staff; a participant gets what a missing page gets.
    if !auth.user.is_staff() {
        return Err(AppError::NotFound);
    }
    let pairs = form_pairs(&body);
    let draft = Draft {
        transition: field(&pairs, "transition").trim().to_string(),
        reason: field(&pairs, "reason").to_string(),
    };
    let request = StepRequest {
        transition: draft.transition.clone(),
        reason: Some(draft.reason.clone()),
    };
    let form = format!("pathway-{}", draft.transition);
    let errors = match apply_step(&state, &auth, &id, &request).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/duos/{id}?saved=pathway#pathway")).into_response());
        }
        Err(AppError::Validation(errors)) => errors
            .into_iter()
            .map(|e| match e.field.as_str() {
                "reason" => {
                    FieldError::new(&format!("pathway-reason-{}", draft.transition), e.message)
                }
                _ => FieldError::new("pathway", e.message),
            })
            .collect(),
        Err(AppError::Conflict(detail)) => {
            // Say what the step waits for in the reader's language when the card knows it.
            let ctx = crate::duo::load(&state, &id).await?;
            let waits: Vec<String> = offers(&state, &ctx)
                .await?
                .into_iter()
                .find(|o| o.transition == draft.transition)
                .map(|o| {
                    o.unmet
                        .iter()
                        .map(|g| gate_text(&tr, &ctx, &g.code, &g.message))
                        .collect()
                })
                .unwrap_or_default();
            let message = if waits.is_empty() {
                detail
            } else {
                format!("{} {}", tr.t("pathway-waits-for"), waits.join(" "))
            };
            vec![FieldError::new(&form, message)]
        }
        Err(other) => return Err(other),
    };
    duo_page_for(
        &state,
        tr,
        &auth,
        &id,
        FormErrors(errors),
        String::new(),
        None,
        Some(draft),
    )
    .await
}
