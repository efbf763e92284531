//! Pages of the journal: a participant writes entries tagged mine, theirs or ours (private
//! by default), filters them by tag, shares or unshares each one with the partner and/or
//! the care team and edits its text; the partner and the team read what was shared with
//! them. Every read and write goes through the journal services (`crate::api::journal`),
//! which call the policy and write the audit trail. Entries are not watched in real time:
//! each page says so, with the practice's crisis contacts.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::info::day;
use super::{Ctx, FormErrors, field, form_pairs, page_errors, render_status};
use crate::api::journal::{
    EntryChange, EntryView, NewEntry, Sharing, TAGS, apply_change, apply_write, own_entries,
    shared_with_me,
};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo;
use crate::error::in_language;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/journal" => get(journal_page).post(write_submit),
        "/journal/{entry}" => get(entry_page).post(edit_submit),
        "/journal/{entry}/sharing" => post(sharing_submit),
        "/duos/{id}/journal" => get(shared_page),
    }
}

// ---------------------------------------------------------------- shared bits

/// The gentle prompts offered above the form, by catalogue key.
const PROMPTS: [&str; 6] = [
    "journal-prompt-1",
    "journal-prompt-2",
    "journal-prompt-3",
    "journal-prompt-4",
    "journal-prompt-5",
    "journal-prompt-6",
];

fn status_for(f: &FormErrors) -> StatusCode {
    if f.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn tag_label(tr: &Tr, tag: &str) -> String {
    tr.t(&format!("journal-tag-{tag}"))
}

/// One tag choice of the radio group or the filter.
pub struct TagChoice {
    pub value: &'static str,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

fn tag_choices(tr: &Tr, selected: &str) -> Vec<TagChoice> {
    TAGS.iter()
        .map(|t| TagChoice {
            value: t,
            label: tag_label(tr, t),
            hint: tr.t(&format!("journal-tag-{t}-hint")),
            checked: *t == selected,
        })
        .collect()
}

/// One of the caller's own entries, with the values its forms show.
pub struct OwnRow {
    pub id: String,
    pub tag: String,
    pub tag_label: String,
    pub text: String,
    pub date: String,
    pub at: String,
    pub edited: bool,
    pub partner: bool,
    pub team: bool,
    pub sharing: String,
    /// The text in the edit form (what was typed when an edit was refused).
    pub draft: String,
    pub open: bool,
    /// The input id of the edit form's textarea (and the anchor of its error).
    pub text_id: String,
}

fn sharing_text(tr: &Tr, partner_name: &str, partner: bool, team: bool) -> String {
    match (partner, team) {
        (false, false) => tr.t("journal-shared-nobody"),
        (true, false) => tr.ta("journal-shared-partner", &[("name", partner_name)]),
        (false, true) => tr.t("journal-shared-team"),
        (true, true) => tr.ta("journal-shared-both", &[("name", partner_name)]),
    }
}

fn own_row(tr: &Tr, partner_name: &str, e: EntryView) -> OwnRow {
    OwnRow {
        tag_label: tag_label(tr, &e.tag),
        sharing: sharing_text(tr, partner_name, e.shared_with_partner, e.shared_with_team),
        date: day(&e.created_at),
        edited: e.updated_at != e.created_at,
        partner: e.shared_with_partner,
        team: e.shared_with_team,
        draft: e.text.clone(),
        open: false,
        text_id: format!("text-{}", e.id),
        at: e.created_at,
        text: e.text,
        tag: e.tag,
        id: e.id,
    }
}

/// The partner's name (or a plain word while nobody has joined yet) and the duo's id.
async fn partner_name(
    state: &AppState,
    tr: &Tr,
    auth: &Authenticated,
) -> AppResult<(String, String)> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    let name = ctx
        .partner_of(&pid)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| tr.t("journal-your-partner"));
    Ok((name, ctx.duo.id.clone()))
}

#[derive(Deserialize, Default)]
pub struct JournalQuery {
    tag: Option<String>,
    saved: Option<String>,
}

fn saved_text(tr: &Tr, saved: Option<&str>) -> Option<String> {
    match saved {
        Some(what @ ("written" | "shared" | "edited")) => {
            Some(tr.t(&format!("journal-saved-{what}")))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- the own journal

/// What was typed in the write form.
#[derive(Default)]
pub struct WriteForm {
    pub text: String,
    pub tag: String,
    pub partner: bool,
    pub team: bool,
}

#[derive(Template)]
#[template(path = "journal_page.html")]
struct JournalPage {
    ctx: Ctx,
    /// "Share with <partner name>".
    partner: String,
    /// "What <partner name> shared with you", linking to the duo's shared entries.
    from_partner: String,
    duo_id: String,
    prompts: Vec<String>,
    crisis: Vec<String>,
    tags: Vec<TagChoice>,
    filters: Vec<TagChoice>,
    filter: String,
    form: WriteForm,
    rows: Vec<OwnRow>,
    f: FormErrors,
    saved: Option<String>,
    max: usize,
}

/// A refused edit: the entry, what was typed, and the errors at that entry.
struct EditProblem {
    id: String,
    text: String,
}

#[allow(clippy::too_many_arguments)]
async fn journal_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    filter: Option<String>,
    form: WriteForm,
    edit: Option<EditProblem>,
    mut f: FormErrors,
    saved: Option<String>,
) -> AppResult<Response> {
    let (partner, duo_id) = partner_name(state, &tr, auth).await?;
    let filter = filter.filter(|t| !t.is_empty());
    let entries = match own_entries(state, auth, filter.as_deref()).await {
        Ok(list) => list,
        Err(AppError::Validation(_)) => {
            f.0.push(FieldError::new("filter", tr.t("journal-error-filter")));
            own_entries(state, auth, None).await?
        }
        Err(e) => return Err(e),
    };
    let filter = filter.filter(|t| TAGS.contains(&t.as_str()));
    let mut rows: Vec<OwnRow> = entries
        .into_iter()
        .map(|e| own_row(&tr, &partner, e))
        .collect();
    if let Some(problem) = edit {
        for row in rows.iter_mut().filter(|r| r.id == problem.id) {
            row.draft = problem.text.clone();
            row.open = true;
        }
    }
    let mut filters = vec![TagChoice {
        value: "",
        label: tr.t("journal-filter-all"),
        hint: String::new(),
        checked: filter.is_none(),
    }];
    filters.extend(tag_choices(&tr, filter.as_deref().unwrap_or("-")));
    render_status(
        status_for(&f),
        &JournalPage {
            prompts: PROMPTS.iter().map(|k| tr.t(k)).collect(),
            crisis: state.config.practice.crisis_contacts.clone(),
            tags: tag_choices(&tr, &form.tag),
            filters,
            filter: filter.unwrap_or_default(),
            partner: tr.ta("journal-share-partner", &[("name", &partner)]),
            from_partner: tr.ta("journal-from-partner", &[("name", &partner)]),
            ctx: Ctx::new(state, tr, Some(auth)),
            duo_id,
            form,
            rows,
            f,
            saved,
            max: crate::api::journal::MAX_ENTRY,
        },
    )
}

pub async fn journal_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Query(q): Query<JournalQuery>,
) -> AppResult<Response> {
    let saved = saved_text(&tr, q.saved.as_deref());
    journal_for(
        &state,
        tr,
        &auth,
        q.tag,
        WriteForm::default(),
        None,
        FormErrors::default(),
        saved,
    )
    .await
}

/// The page's words for a refused field, keyed by the form's input ids.
fn page_words(tr: &Tr, errors: Vec<FieldError>, text_id: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| match e.field.as_str() {
            "text" => FieldError::new(text_id, tr.t("journal-error-text")),
            "tag" => FieldError::new("tag", tr.t("journal-error-tag")),
            _ => FieldError::new(text_id, e.message),
        })
        .collect()
}

pub async fn write_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let form = WriteForm {
        text: field(&pairs, "text").to_string(),
        tag: field(&pairs, "tag").to_string(),
        partner: !field(&pairs, "share_partner").is_empty(),
        team: !field(&pairs, "share_team").is_empty(),
    };
    let new = NewEntry {
        text: form.text.clone(),
        tag: form.tag.clone(),
        share: Sharing {
            partner: form.partner,
            team: form.team,
        },
    };
    match apply_write(&state, &auth, &new).await {
        Ok(_) => Ok(Redirect::to("/journal?saved=written").into_response()),
        Err(e) => {
            let f = FormErrors::new(page_words(&tr, in_language(&tr, page_errors(e)?), "text"));
            journal_for(&state, tr, &auth, None, form, None, f, None).await
        }
    }
}

/// One's own entry by id; anyone else's (or none) is not found.
async fn own_entry(state: &AppState, auth: &Authenticated, id: &str) -> AppResult<EntryView> {
    own_entries(state, auth, None)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "journal_entry.html")]
struct EntryPage {
    ctx: Ctx,
    partner: String,
    crisis: Vec<String>,
    row: OwnRow,
    f: FormErrors,
    max: usize,
}

async fn entry_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    draft: Option<String>,
    f: FormErrors,
) -> AppResult<Response> {
    let entry = own_entry(state, auth, id).await?;
    let (partner, _) = partner_name(state, &tr, auth).await?;
    let mut row = own_row(&tr, &partner, entry);
    if let Some(text) = draft {
        row.draft = text;
    }
    row.open = true;
    render_status(
        status_for(&f),
        &EntryPage {
            crisis: state.config.practice.crisis_contacts.clone(),
            partner: tr.ta("journal-share-partner", &[("name", &partner)]),
            ctx: Ctx::new(state, tr, Some(auth)),
            row,
            f,
            max: crate::api::journal::MAX_ENTRY,
        },
    )
}

/// One entry on its own page, with its forms.
pub async fn entry_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(entry): Path<String>,
) -> AppResult<Response> {
    entry_for(&state, tr, &auth, &entry, None, FormErrors::default()).await
}

/// Where a form came from: the entry's own page or the journal.
fn from_entry_page(pairs: &[(String, String)]) -> bool {
    field(pairs, "from") == "entry"
}

pub async fn edit_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(entry): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let text = field(&pairs, "text").to_string();
    let change = EntryChange {
        text: Some(text.clone()),
        ..Default::default()
    };
    match apply_change(&state, &auth, &entry, &change).await {
        Ok(_) => Ok(Redirect::to(&format!("/journal?saved=edited#entry-{entry}")).into_response()),
        Err(e) => {
            let anchor = format!("text-{entry}");
            let f = FormErrors::new(page_words(&tr, in_language(&tr, page_errors(e)?), &anchor));
            if from_entry_page(&pairs) {
                entry_for(&state, tr, &auth, &entry, Some(text), f).await
            } else {
                let edit = EditProblem { id: entry, text };
                let form = WriteForm::default();
                journal_for(&state, tr, &auth, None, form, Some(edit), f, None).await
            }
        }
    }
}

pub async fn sharing_submit(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(entry): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let share = Sharing {
        partner: !field(&pairs, "share_partner").is_empty(),
        team: !field(&pairs, "share_team").is_empty(),
    };
    let change = EntryChange {
        share: Some(share),
        ..Default::default()
    };
    apply_change(&state, &auth, &entry, &change).await?;
    Ok(Redirect::to(&format!("/journal?saved=shared#entry-{entry}")).into_response())
}

// ---------------------------------------------------------------- shared with me

pub struct SharedRow {
    pub id: String,
    pub author: String,
    pub tag_label: String,
    pub text: String,
    pub date: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "journal_shared.html")]
struct SharedPage {
    ctx: Ctx,
    duo_id: String,
    is_participant: bool,
    crisis: Vec<String>,
    rows: Vec<SharedRow>,
}

/// What the partner or the team may read of a duo's journals.
pub async fn shared_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let entries = shared_with_me(&state, &auth, &id).await?;
    let rows = entries
        .into_iter()
        .map(|e| SharedRow {
            author: e.author.clone().unwrap_or_default(),
            tag_label: tag_label(&tr, &e.tag),
            date: day(&e.created_at),
            at: e.created_at,
            text: e.text,
            id: e.id,
        })
        .collect();
    render_status(
        StatusCode::OK,
        &SharedPage {
            is_participant: auth.user.participant_id.is_some(),
            crisis: state.config.practice.crisis_contacts.clone(),
            ctx: Ctx::new(&state, tr, Some(&auth)),
            duo_id: id,
            rows,
        },
    )
}
