//! `GET /api/v1/me/export`: everything dyad holds about the caller, as one JSON document —
//! profile, accepted documents, consents, intake (working copy and every submitted
//! version), journal, check-ins, the message thread with the care team, meetings and who
//! accessed the caller's records. The export itself is judged by the policy
//! (`PersonalExport`, owner only) and audited, and each part is read through the same
//! services as everywhere else, so the partner's private data never enters it: only joint
//! meetings and the caller's own, only the caller's own journal, check-ins and messages.

use axum::extract::State;
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_store::{accounts, duos, intake};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::access;
use crate::api::aftercare::{CheckInView, own_checkins};
use crate::api::intake::{MyIntake, my_intake_view, version_place};
use crate::api::journal::{EntryView, own_entries};
use crate::api::messages::{MessageView, thread};
use crate::api::preparation::{ConsentView, MeetingView, consent_states, visible_meetings};
use crate::api::records::{AccessItem, own_access_log, rfc3339};
use crate::auth::{Authenticated, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, Json, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportProfile {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub language: String,
    pub account_created_at: String,
    pub participant_id: String,
    pub participant_code: String,
    /// inviter or invitee
    pub member_role: String,
    pub duo_id: String,
    pub duo_code: String,
    pub relationship: String,
    pub phase: String,
    /// What the caller wrote about why they want to take part.
    pub motivation: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDocument {
    pub kind: String,
    pub version: String,
    pub accepted_at: String,
    pub method: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportIntakeVersion {
    pub version: i64,
    pub form_version: String,
    pub submitted_at: String,
    #[schema(value_type = Object)]
    pub answers: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalExport {
    pub generated_at: String,
    pub profile: ExportProfile,
    pub documents: Vec<ExportDocument>,
    pub consents: Vec<ConsentView>,
    /// The working copy of the intake.
    pub intake: MyIntake,
    /// Every submitted version.
    pub intake_versions: Vec<ExportIntakeVersion>,
    pub journal: Vec<EntryView>,
    pub checkins: Vec<CheckInView>,
    pub messages: Vec<MessageView>,
    pub meetings: Vec<MeetingView>,
    pub access_log: Vec<AccessItem>,
}

/// Shared by the page and the API.
pub async fn build(state: &AppState, auth: &Authenticated) -> AppResult<PersonalExport> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Export,
        &Resource::owned(ResourceKind::PersonalExport, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let participant = ctx.participant(&pid).cloned().ok_or(AppError::NotFound)?;
    let now = state.now();
    let motivation = match duos::participant_motivation(&state.db, &pid).await? {
        Some(sealed) if !sealed.is_empty() => {
            let plain = state
                .sealer
                .open(
                    &state.db,
                    &pid,
                    crate::api::signup::motivation_place(&pid),
                    &sealed,
                    now,
                )
                .await?;
            Some(String::from_utf8_lossy(&plain).into_owned())
        }
        _ => None,
    };
    let user = accounts::user_by_id(&state.db, &auth.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let documents = duos::acceptances_of(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|a| ExportDocument {
            kind: a.kind,
            version: a.version,
            accepted_at: rfc3339(a.accepted_at),
            method: a.method,
        })
        .collect();
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::owned(ResourceKind::Consents, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let consents = consent_states(state, &ctx, &pid).await?;
    let intake_now = my_intake_view(state, auth).await?;
    let mut intake_versions = Vec::new();
    for v in intake::versions_of(&state.db, &pid).await? {
        let plain = state
            .sealer
            .open(
                &state.db,
                &pid,
                version_place(&v.id),
                &v.answers_sealed,
                now,
            )
            .await?;
        intake_versions.push(ExportIntakeVersion {
            version: v.version,
            form_version: v.form_version,
            submitted_at: rfc3339(v.submitted_at),
            answers: serde_json::from_slice(&plain)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        });
    }
    Ok(PersonalExport {
        generated_at: rfc3339(now),
        profile: ExportProfile {
            user_id: user.id.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            language: user.lang.clone(),
            account_created_at: rfc3339(user.created_at),
            participant_id: pid.clone(),
            participant_code: participant.code.clone(),
            member_role: participant.member_role.clone(),
            duo_id: ctx.duo.id.clone(),
            duo_code: ctx.duo.code.clone(),
            relationship: ctx.duo.relationship.clone(),
            phase: ctx.duo.phase.clone(),
            motivation,
        },
        documents,
        consents,
        intake: intake_now,
        intake_versions,
        journal: own_entries(state, auth, None).await?,
        checkins: own_checkins(state, auth).await?,
        messages: thread(state, auth, &pid).await?,
        meetings: visible_meetings(state, auth, &ctx.duo.id).await?,
        access_log: own_access_log(state, auth).await?,
    })
}

#[utoipa::path(get, path = "/api/v1/me/export", tag = "records",
    responses((status = 200, body = PersonalExport), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<PersonalExport>> {
    Ok(Json(build(&state, &auth).await?))
}
