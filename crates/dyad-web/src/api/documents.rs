//! Consent documents: versioned texts, each acceptance recorded with who, which version,
//! when and how. A new version asks people to accept again at their next visit.

use axum::extract::State;
use axum::http::StatusCode;
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_store::audit::AuditEntry;
use dyad_store::duos::{self, Document};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access;
use crate::api::records::{parse_time, rfc3339};
use crate::auth::{Authenticated, Pending, SignedIn};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::state::AppState;

pub const KINDS: &[&str] = &["terms", "privacy", "research"];

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    /// terms, privacy or research
    pub kind: String,
    pub version: String,
    pub title: String,
    pub body: String,
    pub effective_at: String,
}

impl From<Document> for DocumentView {
    fn from(d: Document) -> Self {
        Self {
            id: d.id,
            kind: d.kind,
            version: d.version,
            title: d.title,
            body: d.body,
            effective_at: rfc3339(d.effective_at),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/documents", tag = "documents",
    responses((status = 200, body = Vec<DocumentView>, description = "The versions in effect now")))]
pub async fn current(State(state): State<AppState>) -> AppResult<Json<Vec<DocumentView>>> {
    Ok(Json(
        duos::current_documents(&state.db, state.now())
            .await?
            .into_iter()
            .map(DocumentView::from)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewDocument {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// RFC 3339 time or date; now when absent.
    pub effective_at: Option<String>,
}

/// Shared by the page and the API.
pub async fn apply_publish(
    state: &AppState,
    auth: &Authenticated,
    new: &NewDocument,
) -> AppResult<DocumentView> {
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::system(ResourceKind::Settings),
        "consent_documents",
    )
    .await?;
    let mut errors = Vec::new();
    if !KINDS.contains(&new.kind.as_str()) {
        errors.push(FieldError::new(
            "kind",
            "Choose terms, privacy or research.",
        ));
    }
    if new.version.trim().is_empty() || new.version.len() > 40 {
        errors.push(FieldError::new(
            "version",
            "Give a version label of 1 to 40 characters.",
        ));
    }
    if new.title.trim().is_empty() || new.title.chars().count() > 200 {
        errors.push(FieldError::new(
            "title",
            "Give a title of 1 to 200 characters.",
        ));
    }
    if new.body.trim().is_empty() || new.body.chars().count() > 100_000 {
        errors.push(FieldError::new(
            "body",
            "The text must not be empty (at most 100,000 characters).",
        ));
    }
    let effective = match parse_time("effective_at", &new.effective_at) {
        Ok(t) => t.unwrap_or_else(|| state.now()),
        Err(AppError::Validation(mut e)) => {
            errors.append(&mut e);
            state.now()
        }
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let doc = duos::publish_document(
        &state.db,
        &new.kind,
        new.version.trim(),
        new.title.trim(),
        &new.body,
        effective,
        state.now(),
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::Validation(vec![FieldError::new(
                "version",
                "This version of this document exists already.",
            )])
        } else {
            e.into()
        }
    })?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "publish_document")
            .subject(&doc.id)
            .resource("consent_documents")
            .reason(&format!("{} {}", doc.kind, doc.version)),
    )
    .await?;
    Ok(doc.into())
}

#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", request_body = NewDocument,
    responses((status = 201, body = DocumentView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<NewDocument>,
) -> AppResult<(StatusCode, Json<DocumentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_publish(&state, &auth, &body).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptDocuments {
    pub document_ids: Vec<String>,
}

/// Shared by the page and the API: accepts current documents (older or unknown ids are
/// refused, so nobody accepts a text they were not shown).
pub async fn apply_accept_documents(
    state: &AppState,
    auth: &Authenticated,
    ids: &[String],
) -> AppResult<()> {
    let current: Vec<String> = duos::current_documents(&state.db, state.now())
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    if ids.is_empty() || ids.iter().any(|id| !current.contains(id)) {
        return Err(AppError::Validation(vec![FieldError::new(
            "document_ids",
            "Accept the current versions shown to you.",
        )]));
    }
    duos::accept_documents(&state.db, &auth.user.id, ids, state.now(), "re-accept").await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "accept_documents")
            .subject(&auth.user.id)
            .reason(&ids.join(",")),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/me/documents/accept", tag = "documents", request_body = AcceptDocuments,
    responses((status = 204), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn accept(
    State(state): State<AppState>,
    Pending(auth): Pending,
    Json(body): Json<AcceptDocuments>,
) -> AppResult<StatusCode> {
    apply_accept_documents(&state, &auth, &body.document_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyDocuments {
    pub accepted: Vec<AcceptanceView>,
    /// Current versions still to accept.
    pub pending: Vec<DocumentView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptanceView {
    pub document_id: String,
    pub kind: String,
    pub version: String,
    pub accepted_at: String,
    pub method: String,
}

pub async fn my_documents_of(state: &AppState, auth: &Authenticated) -> AppResult<MyDocuments> {
    let accepted = duos::acceptances_of(&state.db, &auth.user.id)
        .await?
        .into_iter()
        .map(|a| AcceptanceView {
            document_id: a.document_id,
            kind: a.kind,
            version: a.version,
            accepted_at: rfc3339(a.accepted_at),
            method: a.method,
        })
        .collect();
    let pending = duos::pending_documents(&state.db, &auth.user.id, state.now())
        .await?
        .into_iter()
        .map(DocumentView::from)
        .collect();
    Ok(MyDocuments { accepted, pending })
}

#[utoipa::path(get, path = "/api/v1/me/documents", tag = "documents",
    responses((status = 200, body = MyDocuments)), security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    Pending(auth): Pending,
) -> AppResult<Json<MyDocuments>> {
    Ok(Json(my_documents_of(&state, &auth).await?))
}

/// Writes first versions of the documents when none exist, so a new installation can take
/// sign-ups. The practice replaces them with its own reviewed texts.
pub async fn seed_defaults(db: &dyad_store::Db, now: i64) -> dyad_store::StoreResult<()> {
    if duos::document_count(db).await? > 0 {
        return Ok(());
    }
    for (kind, title, body) in DEFAULTS {
        match duos::publish_document(db, kind, "1", title, body, now, now).await {
            Ok(_) => {}
            // Another instance starting at the same moment wrote it first.
            Err(e) if e.is_unique_violation() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

const DEFAULTS: &[(&str, &str, &str)] = &[
    (
        "terms",
        "Participation terms",
        "Taking part is voluntary. You can stop at any moment, without giving a reason, and stopping never affects other care you receive.\n\n\
         Each of you answers your own questions. What you tell the care team stays between you and the team: your partner does not see it, and you do not see theirs. You choose what to share with each other.\n\n\
         Before a session, a clinician checks carefully whether it is safe for each of you. The answer may be that a duo session is not right for now; that decision is made for your safety and is never a judgement of you.\n\n\
         On the session day a team of at least two people is with you throughout. You agree beforehand, together and each for yourself, how you want to be together, including touch, which is never sexual and always yours to withdraw.\n\n\
         This practice works only within scientific research or harm reduction, where that is lawful. It does not replace medical care: in an emergency, call the emergency services.",
    ),
    (
        "privacy",
        "Privacy notice",
        "We keep what you tell us because it is needed for your care and safety. Health information is sealed (encrypted) at rest with a key of your own.\n\n\
         Only the care team assigned to you can read your clinical answers, and every time someone opens them it is recorded; you can see that list yourself. Your partner never sees your answers.\n\n\
         You may ask to see everything we hold about you, to correct it, or to have it erased, as far as legal and research obligations allow. Emails never contain health information.",
    ),
    (
        "research",
        "Consent to research use",
        "With your permission, your answers can be used for scientific research in a pseudonymised form: without your name, email or exact dates, under a code. \
         This is separate from your care: saying no changes nothing about the care you receive, and you can withdraw this permission at any time.",
    ),
];
