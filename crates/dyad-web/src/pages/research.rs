//! Study settings for coordinators and admins: the studies, their protocol ids and the
//! research consent document versions each accepts as consent.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::{Ctx, field, fields, form_pairs, page_errors, render, render_status};
use crate::api::research::{StudyInput, StudyView, apply_save_study, list_studies_for};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::error::{AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> (axum::Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/studies" => get(studies_page).post(studies_create),
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
