//! The journal: each participant writes entries tagged mine, theirs or ours, private by
//! default, and shares them entry by entry with the partner and/or the care team — and
//! can unshare later. Text is sealed under the writer's key; every read goes through the
//! policy (`JournalEntry` with the entry's sharing flags) and is audited.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use dyad_core::policy::{self, Action, Resource, ResourceKind};
use dyad_store::accounts;
use dyad_store::journal::{self, Entry};
use dyad_store::sealing::{DataKey, Place};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::state::AppState;

pub const TAGS: [&str; 3] = ["mine", "theirs", "ours"];
pub const MAX_ENTRY: usize = 20_000;

fn place(id: &str) -> Place<'_> {
    Place {
        table: "journal_entries",
        row: id,
        field: "body",
    }
}

#[derive(Debug, Deserialize, ToSchema, Default, Clone, Copy)]
pub struct Sharing {
    #[serde(default)]
    pub partner: bool,
    #[serde(default)]
    pub team: bool,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewEntry {
    #[serde(default)]
    pub text: String,
    /// mine, theirs or ours
    #[serde(default)]
    pub tag: String,
    /// Private by default.
    #[serde(default)]
    pub share: Sharing,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct EntryChange {
    pub text: Option<String>,
    pub tag: Option<String>,
    pub share: Option<Sharing>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub id: String,
    pub tag: String,
    pub text: String,
    pub shared_with_partner: bool,
    pub shared_with_team: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Present when someone else wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

fn check(text: Option<&str>, tag: Option<&str>) -> AppResult<()> {
    let mut errors = Vec::new();
    if let Some(text) = text {
        let n = text.trim().chars().count();
        if n == 0 || n > MAX_ENTRY {
            errors.push(FieldError::from_catalogue(
                "text",
                "check-journal-length",
                &[("max", &MAX_ENTRY.to_string())],
            ));
        }
    }
    if let Some(tag) = tag
        && !TAGS.contains(&tag)
    {
        errors.push(FieldError::from_catalogue("tag", "check-journal-tag", &[]));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

async fn view(state: &AppState, e: &Entry, author: Option<String>) -> AppResult<EntryView> {
    let key = state
        .sealer
        .data_key(&state.db, &e.participant_id, state.now())
        .await?;
    view_with(&key, e, author)
}

/// [`view`] with the writer's data key already unwrapped (one per list, not one per entry).
fn view_with(key: &DataKey, e: &Entry, author: Option<String>) -> AppResult<EntryView> {
    let text = key.open(&e.participant_id, place(&e.id), &e.body_sealed)?;
    Ok(EntryView {
        id: e.id.clone(),
        tag: e.tag.clone(),
        text: String::from_utf8_lossy(&text).into(),
        shared_with_partner: e.share_partner,
        shared_with_team: e.share_team,
        created_at: rfc3339(e.created_at),
        updated_at: rfc3339(e.updated_at),
        author,
    })
}

/// Shared by the page and the API.
pub async fn apply_write(
    state: &AppState,
    auth: &Authenticated,
    new: &NewEntry,
) -> AppResult<EntryView> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    let resource = Resource::owned(ResourceKind::JournalEntry, &ctx.scope, &pid);
    access::authorize(state, auth, Action::Write, &resource, &pid).await?;
    check(Some(&new.text), Some(&new.tag))?;
    let now = state.now();
    let id = accounts::new_id();
    let sealed = state
        .sealer
        .seal(&state.db, &pid, place(&id), new.text.trim().as_bytes(), now)
        .await?;
    let entry = Entry {
        id,
        participant_id: pid.clone(),
        duo_id: ctx.duo.id.clone(),
        tag: new.tag.clone(),
        body_sealed: sealed,
        share_partner: new.share.partner,
        share_team: new.share.team,
        created_at: now,
        updated_at: now,
    };
    journal::insert(&state.db, &entry).await?;
    view(state, &entry, None).await
}

#[utoipa::path(post, path = "/api/v1/me/journal", tag = "journal", request_body = NewEntry,
    responses((status = 201, body = EntryView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn write(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<NewEntry>,
) -> AppResult<(StatusCode, Json<EntryView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_write(&state, &auth, &body).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
pub struct TagQuery {
    /// mine, theirs or ours
    pub tag: Option<String>,
}

/// The caller's own entries (an audited read of their own journal).
pub async fn own_entries(
    state: &AppState,
    auth: &Authenticated,
    tag: Option<&str>,
) -> AppResult<Vec<EntryView>> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::owned(ResourceKind::JournalEntry, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let tag = tag.filter(|t| !t.is_empty());
    check(None, tag)?;
    let entries = journal::of_participant(&state.db, &pid, tag).await?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let key = state.sealer.data_key(&state.db, &pid, state.now()).await?;
    entries.iter().map(|e| view_with(&key, e, None)).collect()
}

#[utoipa::path(get, path = "/api/v1/me/journal", tag = "journal", params(TagQuery),
    responses((status = 200, body = Vec<EntryView>)), security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Query(q): Query<TagQuery>,
) -> AppResult<Json<Vec<EntryView>>> {
    Ok(Json(own_entries(&state, &auth, q.tag.as_deref()).await?))
}

/// Shared by the page and the API: change text, tag or sharing of one's own entry.
pub async fn apply_change(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    change: &EntryChange,
) -> AppResult<EntryView> {
    let mut entry = journal::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &entry.duo_id).await?;
    // Only the writer may change an entry (the policy allows writes to the owner alone); for
    // anyone else it does not exist.
    let resource = Resource::owned(
        ResourceKind::JournalEntry,
        &ctx.scope,
        &entry.participant_id,
    );
    access::authorize(state, auth, Action::Write, &resource, &entry.participant_id).await?;
    check(change.text.as_deref(), change.tag.as_deref())?;
    let now = state.now();
    if let Some(text) = &change.text {
        entry.body_sealed = state
            .sealer
            .seal(
                &state.db,
                &entry.participant_id,
                place(&entry.id),
                text.trim().as_bytes(),
                now,
            )
            .await?;
    }
    if let Some(tag) = &change.tag {
        entry.tag = tag.clone();
    }
    if let Some(share) = change.share {
        entry.share_partner = share.partner;
        entry.share_team = share.team;
    }
    entry.updated_at = now;
    journal::update(&state.db, &entry).await?;
    view(state, &entry, None).await
}

#[utoipa::path(patch, path = "/api/v1/me/journal/{id}", tag = "journal", params(("id" = String, Path)), request_body = EntryChange,
    responses((status = 200, body = EntryView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn change(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<EntryChange>,
) -> AppResult<Json<EntryView>> {
    Ok(Json(apply_change(&state, &auth, &id, &body).await?))
}

/// The entries of a duo shared with the caller: the partner sees what was shared with the
/// partner, the team what was shared with the team. Each read is judged and audited.
pub async fn shared_with_me(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<Vec<EntryView>> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::DuoSummary, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let actor = auth.actor();
    let mut out = Vec::new();
    for e in journal::shared_in_duo(&state.db, duo_id).await? {
        if auth.user.participant_id.as_deref() == Some(e.participant_id.as_str()) {
            continue;
        }
        let resource = Resource::owned(ResourceKind::JournalEntry, &ctx.scope, &e.participant_id)
            .with_sharing(e.share_partner, e.share_team);
        if !policy::can(&actor, Action::Read, &resource).is_allowed() {
            continue;
        }
        access::authorize(state, auth, Action::Read, &resource, &e.participant_id).await?;
        let author = ctx.participant(&e.participant_id).map(|p| p.name.clone());
        out.push(view(state, &e, author).await?);
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/journal", tag = "journal", params(("id" = String, Path)),
    responses((status = 200, body = Vec<EntryView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn shared(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<EntryView>>> {
    Ok(Json(shared_with_me(&state, &auth, &id).await?))
}
