//! Public information (what a duo session is, the pathway, what to expect, safety), the
//! consent documents as people read them, and the admin page that publishes new versions.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use dyad_core::policy::{Action, Resource, ResourceKind};

use super::{Ctx, FormErrors, field, form_pairs, page_errors, render, render_status};
use crate::access;
use crate::api::documents::{self, DocumentView, KINDS, NewDocument, apply_publish};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;

/// A piece of running text: a paragraph, or a list when every line starts with "- ".
#[derive(Clone)]
pub enum Block {
    Para(String),
    List(Vec<String>),
}

/// Splits a text into paragraphs (at blank lines) and lists.
pub fn blocks(text: &str) -> Vec<Block> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<&str> = p.lines().map(str::trim).collect();
            if lines.iter().all(|l| l.starts_with("- ")) {
                Block::List(
                    lines
                        .iter()
                        .map(|l| l.trim_start_matches("- ").to_string())
                        .collect(),
                )
            } else {
                Block::Para(lines.join(" "))
            }
        })
        .collect()
}

pub struct Section {
    pub id: String,
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Template)]
#[template(path = "info.html")]
struct InfoPage {
    ctx: Ctx,
    page: &'static str,
    title: String,
    intro: String,
    sections: Vec<Section>,
    crisis: Vec<String>,
    contact: String,
}

/// Which sections each page has; the texts are `info-<page>-<section>-title` and `-body`.
const ABOUT: &[&str] = &["what", "together", "why", "suits", "not-suits", "lawful"];
const PATHWAY: &[&str] = &[
    "signup",
    "intake",
    "screening",
    "preparation",
    "session",
    "integration",
    "aftercare",
    "stopping",
];
const EXPECT: &[&str] = &["can", "cannot", "different", "research"];
const SAFETY: &[&str] = &[
    "framework",
    "screening",
    "setting",
    "relational",
    "after",
    "stop",
];

fn info_page(
    state: &AppState,
    tr: Tr,
    auth: Option<&Authenticated>,
    page: &'static str,
    sections: &[&str],
) -> AppResult<Response> {
    let sections = sections
        .iter()
        .map(|s| Section {
            id: (*s).to_string(),
            heading: tr.t(&format!("info-{page}-{s}-title")),
            blocks: blocks(&tr.ta(
                &format!("info-{page}-{s}-body"),
                &[("practice", &state.config.practice.name)],
            )),
        })
        .collect();
    render(&InfoPage {
        title: tr.t(&format!("info-{page}-title")),
        intro: tr.ta(
            &format!("info-{page}-intro"),
            &[("practice", &state.config.practice.name)],
        ),
        ctx: Ctx::new(state, tr, auth),
        page,
        sections,
        crisis: state.config.practice.crisis_contacts.clone(),
        contact: state.config.practice.contact.clone(),
    })
}

pub async fn about(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: Option<axum::Extension<Authenticated>>,
) -> AppResult<Response> {
    info_page(&state, tr, auth.as_ref().map(|a| &a.0), "about", ABOUT)
}

pub async fn pathway(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: Option<axum::Extension<Authenticated>>,
) -> AppResult<Response> {
    info_page(&state, tr, auth.as_ref().map(|a| &a.0), "pathway", PATHWAY)
}

pub async fn expect(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: Option<axum::Extension<Authenticated>>,
) -> AppResult<Response> {
    info_page(&state, tr, auth.as_ref().map(|a| &a.0), "expect", EXPECT)
}

pub async fn safety(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: Option<axum::Extension<Authenticated>>,
) -> AppResult<Response> {
    info_page(&state, tr, auth.as_ref().map(|a| &a.0), "safety", SAFETY)
}

/// The versions in effect now (shared with the API's `GET /documents`).
pub async fn current_documents(state: &AppState) -> AppResult<Vec<DocumentView>> {
    Ok(documents::current(State(state.clone())).await?.0)
}

/// A date (YYYY-MM-DD) from an RFC 3339 time, for people.
pub fn day(rfc3339: &str) -> String {
    rfc3339.chars().take(10).collect()
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    ctx: Ctx,
    doc: DocumentView,
    blocks: Vec<Block>,
    effective: String,
}

/// The version of one consent document in effect now, readable by anyone.
pub async fn document(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: Option<axum::Extension<Authenticated>>,
    Path(kind): Path<String>,
) -> AppResult<Response> {
    let doc = current_documents(&state)
        .await?
        .into_iter()
        .find(|d| d.kind == kind)
        .ok_or(AppError::NotFound)?;
    render(&DocumentPage {
        ctx: Ctx::new(&state, tr, auth.as_ref().map(|a| &a.0)),
        blocks: blocks(&doc.body),
        effective: day(&doc.effective_at),
        doc,
    })
}

#[derive(Template)]
#[template(path = "admin_documents.html")]
struct AdminDocumentsPage {
    ctx: Ctx,
    docs: Vec<DocumentView>,
    kinds: Vec<(String, String)>,
    f: FormErrors,
    done: Option<String>,
    v_kind: String,
    v_version: String,
    v_title: String,
    v_body: String,
    v_effective: String,
}

async fn admin_documents_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    f: FormErrors,
    done: Option<String>,
    v: &NewDocument,
) -> AppResult<AdminDocumentsPage> {
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::system(ResourceKind::Settings),
        "consent_documents",
    )
    .await?;
    let docs = current_documents(state).await?;
    let kinds = KINDS
        .iter()
        .map(|k| ((*k).to_string(), tr.t(&format!("doc-kind-{k}"))))
        .collect();
    Ok(AdminDocumentsPage {
        ctx: Ctx::new(state, tr, Some(auth)).wide(),
        docs,
        kinds,
        f,
        done,
        v_kind: v.kind.clone(),
        v_version: v.version.clone(),
        v_title: v.title.clone(),
        v_body: v.body.clone(),
        v_effective: v.effective_at.clone().unwrap_or_default(),
    })
}

pub async fn admin_documents(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let page = admin_documents_for(
        &state,
        tr,
        &auth,
        FormErrors::default(),
        None,
        &NewDocument::default(),
    )
    .await?;
    render(&page)
}

pub async fn admin_publish(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let new = NewDocument {
        kind: field(&pairs, "kind").to_string(),
        version: field(&pairs, "version").to_string(),
        title: field(&pairs, "title").to_string(),
        body: field(&pairs, "body").to_string(),
        effective_at: Some(field(&pairs, "effective_at").trim().to_string())
            .filter(|s| !s.is_empty()),
    };
    match apply_publish(&state, &auth, &new).await {
        Ok(doc) => {
            let done = Some(tr.ta(
                "admin-docs-published",
                &[("title", &doc.title), ("version", &doc.version)],
            ));
            let page = admin_documents_for(
                &state,
                tr,
                &auth,
                FormErrors::default(),
                done,
                &NewDocument::default(),
            )
            .await?;
            render(&page)
        }
        Err(e) => {
            let errors = FormErrors::new(page_errors(e)?);
            let page = admin_documents_for(&state, tr, &auth, errors, None, &new).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_split_paragraphs_and_lists() {
        let b = blocks("One\nline.\n\n- a\n- b\n\n\nLast.");
        assert_eq!(b.len(), 3);
        assert!(matches!(&b[0], Block::Para(p) if p == "One line."));
        assert!(matches!(&b[1], Block::List(l) if l == &["a", "b"]));
        assert!(matches!(&b[2], Block::Para(p) if p == "Last."));
    }

    /// Keys built at run time (sections, phases, kinds) exist in every language.
    #[test]
    fn composed_keys_exist_in_every_language() {
        let mut keys = Vec::new();
        for (page, sections) in [
            ("about", ABOUT),
            ("pathway", PATHWAY),
            ("expect", EXPECT),
            ("safety", SAFETY),
        ] {
            keys.push(format!("info-{page}-title"));
            keys.push(format!("info-{page}-intro"));
            for s in sections {
                keys.push(format!("info-{page}-{s}-title"));
                keys.push(format!("info-{page}-{s}-body"));
            }
        }
        for phase in dyad_core::pathway::Phase::ALL {
            let stage = super::super::participant::stage_of(phase);
            keys.push(format!("phase-{}", phase.as_str()));
            keys.push(format!("phase-now-{stage}"));
            keys.push(format!("phase-next-{stage}"));
        }
        for k in KINDS {
            keys.push(format!("doc-kind-{k}"));
        }
        for r in crate::api::signup::RELATIONSHIPS {
            keys.push(format!("relationship-{r}"));
        }
        for m in ["sign_up", "invitation", "re-accept"] {
            keys.push(format!("doc-method-{m}"));
        }
        for i in ["waiting", "joined", "will_not_go_ahead"] {
            keys.push(format!("invitation-short-{i}"));
            keys.push(format!("invitation-{}", i.replace('_', "-")));
        }
        for (lang, _) in crate::i18n::LANGUAGES {
            let tr = Tr::new(lang);
            for key in &keys {
                let text = tr.ta(key, &[("practice", "P"), ("name", "N")]);
                assert_ne!(&text, key, "{lang} lacks {key}");
            }
        }
    }
}
