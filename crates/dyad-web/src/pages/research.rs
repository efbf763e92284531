//! Study settings for coordinators and admins: the studies, their protocol ids and the
//! research consent document versions each accepts as consent. The erasure page: the team
//! records the legal-hold and research-obligation checks and erases one participant.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use dyad_core::policy::{Action, Resource, ResourceKind};

use super::info::{Block, blocks};
use super::{Ctx, FormErrors, field, fields, form_pairs, page_errors, render, render_status};
use crate::api::records::rfc3339;
use crate::api::research::{
    ErasureRequest, StudyInput, StudyView, apply_erasure, apply_give_research_consent,
    apply_save_study, list_studies_for,
};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> (axum::Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/studies" => get(studies_page).post(studies_create),
        "/participants/{id}/erasure" => get(erasure_page).post(erasure_submit),
        "/research-consent" => get(research_consent_page).post(research_consent_submit),
    }
}

#[derive(Template)]
#[template(path = "studies.html")]
struct StudiesPage {
    ctx: Ctx,
    studies: Vec<StudyView>,
    /// `(document id, "version – title")` of every research consent document version.
    documents: Vec<(String, String)>,
    errors: Vec<FieldError>,
    form_name: String,
    form_protocol: String,
    form_documents: Vec<String>,
}

impl StudiesPage {
    fn document_label(&self, id: &str) -> String {
        self.documents
            .iter()
            .find(|(d, _)| d == id)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

async fn page_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    errors: Vec<FieldError>,
    form: StudyInput,
) -> AppResult<StudiesPage> {
    let studies = list_studies_for(state, auth).await?;
    let documents = dyad_store::research::research_documents(&state.db)
        .await?
        .into_iter()
        .map(|(id, version, title)| (id, format!("{version} – {title}")))
        .collect();
    Ok(StudiesPage {
        ctx: Ctx::new(state, tr, Some(auth)).wide(),
        studies,
        documents,
        errors,
        form_name: form.name,
        form_protocol: form.protocol_id,
        form_documents: form.document_ids,
    })
}

pub async fn studies_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    render(&page_for(&state, tr, &auth, Vec::new(), StudyInput::default()).await?)
}

pub async fn studies_create(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let input = StudyInput {
        name: field(&pairs, "name").to_string(),
        protocol_id: field(&pairs, "protocol_id").trim().to_string(),
        document_ids: fields(&pairs, "document_ids"),
        active: Some(true),
    };
    match apply_save_study(&state, &auth, None, &input).await {
        Ok(_) => Ok(Redirect::to("/studies").into_response()),
        Err(e) => {
            let errors = page_errors(e)?;
            let page = page_for(&state, tr, &auth, errors, input).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// --- erasure ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "erasure.html")]
struct ErasurePage {
    ctx: Ctx,
    participant_id: String,
    duo_id: String,
    code: String,
    name: String,
    /// The person was in a research export before (their research code exists).
    exported_before: bool,
    f: FormErrors,
    form: ErasureRequest,
    /// `(when, reason, legal hold, research obligations)` once erased.
    done: Option<(String, String, String, String)>,
}

/// The participant and their duo when the caller may erase them; "does not exist" otherwise,
/// as for every other duo resource.
async fn erasable(
    state: &AppState,
    auth: &Authenticated,
    participant_id: &str,
) -> AppResult<(dyad_store::duos::Participant, crate::duo::DuoContext)> {
    let participant = dyad_store::duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = crate::duo::load(state, &participant.duo_id).await?;
    let allowed = dyad_core::policy::can(
        &auth.actor(),
        Action::Write,
        &Resource::owned(ResourceKind::Erasure, &ctx.scope, participant_id),
    )
    .is_allowed();
    if !allowed {
        return Err(AppError::NotFound);
    }
    Ok((participant, ctx))
}

async fn erasure_page_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    participant_id: &str,
    errors: Vec<FieldError>,
    form: ErasureRequest,
) -> AppResult<ErasurePage> {
    let (participant, ctx) = erasable(state, auth, participant_id).await?;
    let done = dyad_store::research::erasure_of(&state.db, participant_id)
        .await?
        .map(|e| {
            let checks: serde_json::Value = serde_json::from_str(&e.checks).unwrap_or_default();
            let answer = |key: &str| {
                let value = checks[key].as_str().unwrap_or_default();
                super::label(&tr, &format!("erasure-{}", key.replace('_', "-")), value)
            };
            (
                rfc3339(e.executed_at),
                e.reason,
                answer("legal_hold"),
                answer("research_obligations"),
            )
        });
    Ok(ErasurePage {
        exported_before: dyad_store::research::has_research_code(&state.db, participant_id).await?,
        ctx: Ctx::new(state, tr, Some(auth)),
        participant_id: participant.id.clone(),
        duo_id: ctx.duo.id.clone(),
        code: participant.code.clone(),
        name: ctx
            .participant(participant_id)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        f: FormErrors::new(errors),
        form,
        done,
    })
}

pub async fn erasure_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render(
        &erasure_page_for(
            &state,
            tr,
            &auth,
            &id,
            Vec::new(),
            ErasureRequest::default(),
        )
        .await?,
    )
}

/// The API's words for a refused erasure, in the reader's language: each field's own
/// message, and for a refusal after the checks, the check that stood in the way.
fn erasure_errors(tr: &Tr, form: &ErasureRequest, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let key = match e.field.as_str() {
                "reason" => "erasure-error-reason",
                "confirm_code" => "erasure-error-confirm",
                "legal_hold" => "erasure-error-hold",
                "research_obligations" => "erasure-error-research",
                _ if form.legal_hold == "active" => "erasure-refused-hold",
                _ if form.research_obligations == "blocks_erasure" => "erasure-refused-research",
                _ => "erasure-refused-session",
            };
            let field = match e.field.as_str() {
                "main" if form.legal_hold == "active" => "legal_hold",
                "main" if form.research_obligations == "blocks_erasure" => "research_obligations",
                other => other,
            };
            FieldError::new(field, tr.t(key))
        })
        .collect()
}

pub async fn erasure_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let form = ErasureRequest {
        reason: field(&pairs, "reason").to_string(),
        confirm_code: field(&pairs, "confirm_code").trim().to_string(),
        legal_hold: field(&pairs, "legal_hold").to_string(),
        research_obligations: field(&pairs, "research_obligations").to_string(),
    };
    // Erased meanwhile (another tab, a colleague): the page shows the erasure.
    if dyad_store::research::erasure_of(&state.db, &id)
        .await?
        .is_some()
    {
        return Ok(Redirect::to(&format!("/participants/{id}/erasure")).into_response());
    }
    match apply_erasure(&state, &auth, &id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/participants/{id}/erasure")).into_response()),
        Err(e) => {
            let status = match &e {
                AppError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let errors = erasure_errors(&tr, &form, page_errors(e)?);
            let page = erasure_page_for(&state, tr, &auth, &id, errors, form).await?;
            render_status(status, &page)
        }
    }
}

// --- research consent, for the participant --------------------------------------------------

#[derive(Template)]
#[template(path = "research_consent.html")]
struct ResearchConsentPage {
    ctx: Ctx,
    /// `given`, `withdrawn` or `not_given`.
    state: String,
    since: Option<String>,
    /// The research consent text in effect: `(id, title, version)` and its paragraphs.
    document: Option<(String, String, String)>,
    blocks: Vec<Block>,
    saved: Option<String>,
    f: FormErrors,
}

async fn research_consent_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    errors: Vec<FieldError>,
    saved: Option<String>,
) -> AppResult<ResearchConsentPage> {
    let (ctx, pid) = crate::duo::of_participant(state, auth).await?;
    crate::access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::owned(ResourceKind::Consents, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let research = crate::api::preparation::consent_states(state, &ctx, &pid)
        .await?
        .into_iter()
        .find(|c| c.item == "research");
    let doc = dyad_store::duos::current_documents(&state.db, state.now())
        .await?
        .into_iter()
        .find(|d| d.kind == "research");
    Ok(ResearchConsentPage {
        ctx: Ctx::new(state, tr, Some(auth)),
        state: research
            .as_ref()
            .map_or("not_given".to_string(), |c| c.state.clone()),
        since: research
            .and_then(|c| c.since)
            .map(|t| t.chars().take(10).collect()),
        blocks: doc.as_ref().map(|d| blocks(&d.body)).unwrap_or_default(),
        document: doc.map(|d| (d.id, d.title, d.version)),
        saved,
        f: FormErrors::new(errors),
    })
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn research_consent_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    crate::error::Query(q): crate::error::Query<SavedQuery>,
) -> AppResult<Response> {
    let saved = match q.saved.as_deref() {
        Some("given") => Some(tr.t("research-consent-saved-given")),
        Some("withdrawn") => Some(tr.t("research-consent-saved-withdrawn")),
        _ => None,
    };
    render(&research_consent_for(&state, tr, &auth, Vec::new(), saved).await?)
}

pub async fn research_consent_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let outcome = match field(&pairs, "action") {
        "give" if field(&pairs, "agree") != "yes" => {
            Err(AppError::Validation(vec![FieldError::new(
                "agree",
                tr.t("research-consent-error-agree"),
            )]))
        }
        "give" => apply_give_research_consent(&state, &auth, field(&pairs, "document_id"))
            .await
            .map(|_| "given"),
        "withdraw" => crate::api::preparation::apply_withdraw_consent(&state, &auth, "research")
            .await
            .map(|_| "withdrawn"),
        _ => Err(AppError::Validation(vec![FieldError::new(
            "agree",
            tr.t("research-consent-error-agree"),
        )])),
    };
    match outcome {
        Ok(done) => Ok(Redirect::to(&format!("/research-consent?saved={done}")).into_response()),
        Err(e) => {
            let errors = page_errors(e)?
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "agree" => e,
                    "document_id" => {
                        FieldError::new("agree", tr.t("research-consent-error-changed"))
                    }
                    _ => FieldError::new("agree", tr.t("research-consent-error-state")),
                })
                .collect();
            let page = research_consent_for(&state, tr, &auth, errors, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
