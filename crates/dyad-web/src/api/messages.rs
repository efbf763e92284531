//! The private thread between a participant and their care team. The partner never sees
//! it; mails only say that a message is waiting.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_store::accounts;
use dyad_store::duos;
use dyad_store::sealing::Place;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;

pub const MAX_MESSAGE: usize = 5000;

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    pub from_team: bool,
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NewMessage {
    #[serde(default)]
    pub text: String,
}

fn place(id: &str) -> Place<'_> {
    Place {
        table: "messages",
        row: id,
        field: "body",
    }
}

/// The thread of `participant_id`, read through the policy (and so audited).
pub async fn thread(
    state: &AppState,
    auth: &Authenticated,
    participant_id: &str,
) -> AppResult<Vec<MessageView>> {
    let participant = duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &participant.duo_id).await?;
    let resource = Resource::owned(ResourceKind::Messages, &ctx.scope, participant_id);
    access::authorize(state, auth, Action::Read, &resource, participant_id).await?;
    let mut out = Vec::new();
    for m in duos::messages_of(&state.db, participant_id).await? {
        let text = state
            .sealer
            .open(
                &state.db,
                participant_id,
                place(&m.id),
                &m.body_sealed,
                state.now(),
            )
            .await?;
        out.push(MessageView {
            id: m.id,
            from_team: m.from_team,
            author: m.author_name,
            at: rfc3339(m.created_at),
            text: String::from_utf8_lossy(&text).into(),
        });
    }
    Ok(out)
}

/// Adds a message to the thread and sends a content-free notice to the other side.
pub async fn post(
    state: &AppState,
    auth: &Authenticated,
    participant_id: &str,
    text: &str,
) -> AppResult<()> {
    let participant = duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &participant.duo_id).await?;
    let resource = Resource::owned(ResourceKind::Messages, &ctx.scope, participant_id);
    access::authorize(state, auth, Action::Write, &resource, participant_id).await?;
    let text = text.trim();
    let n = text.chars().count();
    if n == 0 || n > MAX_MESSAGE {
        return Err(AppError::Validation(vec![FieldError::from_catalogue(
            "text",
            "check-message-length",
            &[("max", &MAX_MESSAGE.to_string())],
        )]));
    }
    let now = state.now();
    let id = accounts::new_id();
    let sealed = state
        .sealer
        .seal(&state.db, participant_id, place(&id), text.as_bytes(), now)
        .await?;
    let from_team = auth.user.participant_id.as_deref() != Some(participant_id);
    duos::add_message(
        &state.db,
        &id,
        participant_id,
        &auth.user.id,
        from_team,
        sealed,
        now,
    )
    .await?;
    let recipients: Vec<String> = if from_team {
        participant.user_id.into_iter().collect()
    } else {
        ctx.team.iter().map(|(id, _, _)| id.clone()).collect()
    };
    for user_id in recipients {
        if let Some(u) = accounts::user_by_id(&state.db, &user_id).await? {
            let tr = Tr::new(&u.lang);
            let link = if from_team {
                format!("{}/messages", state.config.base_url)
            } else {
                format!(
                    "{}/participants/{participant_id}/messages",
                    state.config.base_url
                )
            };
            let mail = Mail {
                to: u.email.clone(),
                subject: tr.ta(
                    "mail-message-subject",
                    &[("practice", &state.config.practice.name)],
                ),
                text: tr.ta(
                    "mail-message-body",
                    &[
                        ("name", &u.name),
                        ("link", &link),
                        ("practice", &state.config.practice.name),
                    ],
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

fn own_pid(auth: &Authenticated) -> AppResult<String> {
    auth.user.participant_id.clone().ok_or(AppError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/me/messages", tag = "messages",
    responses((status = 200, body = Vec<MessageView>)), security(("bearer" = [])))]
pub async fn my_thread(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<MessageView>>> {
    let pid = own_pid(&auth)?;
    Ok(Json(thread(&state, &auth, &pid).await?))
}

#[utoipa::path(post, path = "/api/v1/me/messages", tag = "messages", request_body = NewMessage,
    responses((status = 201), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn my_post(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<NewMessage>,
) -> AppResult<StatusCode> {
    let pid = own_pid(&auth)?;
    post(&state, &auth, &pid, &body.text).await?;
    Ok(StatusCode::CREATED)
}

#[utoipa::path(get, path = "/api/v1/participants/{id}/messages", tag = "messages", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MessageView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn team_thread(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<MessageView>>> {
    Ok(Json(thread(&state, &auth, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/participants/{id}/messages", tag = "messages", params(("id" = String, Path)), request_body = NewMessage,
    responses((status = 201), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn team_post(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<NewMessage>,
) -> AppResult<StatusCode> {
    post(&state, &auth, &id, &body.text).await?;
    Ok(StatusCode::CREATED)
}
