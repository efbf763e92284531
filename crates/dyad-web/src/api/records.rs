//! The audit trail for admins, break-glass grants, and "who accessed my record".

use axum::extract::State;
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_store::accounts;
use dyad_store::audit::{self, AuditFilter, AuditRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access;
use crate::auth::SignedIn;
use crate::error::{AppError, AppResult, Json, Problem, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub action: Option<String>,
    /// RFC 3339 time or UTC microseconds.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Page backwards: records with a lower sequence number than this.
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditItem {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub subject_id: String,
    pub resource: String,
    pub outcome: String,
    pub reason: String,
    pub flags: String,
    pub hash: String,
}

pub fn rfc3339(micros: i64) -> String {
    dyad_core::time::from_micros(micros).to_string()
}

impl From<AuditRecord> for AuditItem {
    fn from(r: AuditRecord) -> Self {
        Self {
            seq: r.seq,
            at: rfc3339(r.at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: r.action,
            subject_id: r.subject_id,
            resource: r.resource,
            outcome: r.outcome,
            reason: r.reason,
            flags: r.flags,
            hash: r.hash,
        }
    }
}

pub fn parse_time(field: &str, value: &Option<String>) -> AppResult<Option<i64>> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(micros) = v.parse::<i64>() {
        return Ok(Some(micros));
    }
    if let Ok(ts) = v.parse::<jiff::Timestamp>() {
        return Ok(Some(ts.as_microsecond()));
    }
    if let Ok(date) = v.parse::<jiff::civil::Date>()
        && let Ok(ts) = date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
    {
        return Ok(Some(ts.timestamp().as_microsecond()));
    }
    Err(AppError::Validation(vec![crate::error::FieldError::new(
        field,
        "Give a date (2026-11-27) or an RFC 3339 time.",
    )]))
}

pub fn filter_from(q: &AuditQuery) -> AppResult<AuditFilter> {
    let nonempty = |s: &Option<String>| {
        s.as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Ok(AuditFilter {
        actor_id: nonempty(&q.actor),
        subject_id: nonempty(&q.subject),
        action: nonempty(&q.action),
        since: parse_time("since", &q.since)?,
        until: parse_time("until", &q.until)?,
        before_seq: q.before,
        limit: q.limit.unwrap_or(100),
    })
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "records", params(AuditQuery),
    responses((status = 200, body = Vec<AuditItem>), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditItem>>> {
    access::authorize(
        &state,
        &auth,
        Action::Read,
        &Resource::system(ResourceKind::AuditTrail),
        "audit_trail",
    )
    .await?;
    let filter = filter_from(&q)?;
    let rows = audit::list(&state.db, &filter).await?;
    Ok(Json(rows.into_iter().map(AuditItem::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/break-glass", tag = "records",
    responses((status = 200, body = Vec<Object>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn break_glass_grants(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<accounts::BreakGlassGrant>>> {
    access::authorize(
        &state,
        &auth,
        Action::Read,
        &Resource::system(ResourceKind::AuditTrail),
        "break_glass",
    )
    .await?;
    Ok(Json(accounts::recent_break_glass(&state.db, 200).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessItem {
    pub at: String,
    pub who: String,
    pub role: String,
    pub action: String,
    pub what: String,
    pub reason: String,
    pub break_glass: bool,
}

/// Who, other than the participant, accessed their records.
pub async fn access_items(
    state: &AppState,
    participant_id: &str,
    own_user_id: &str,
) -> AppResult<Vec<AccessItem>> {
    let rows = audit::list(
        &state.db,
        &AuditFilter {
            subject_id: Some(participant_id.to_string()),
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    let mut items = Vec::new();
    for r in rows
        .into_iter()
        .filter(|r| r.actor_id != own_user_id && r.outcome == "allow")
    {
        let who = accounts::user_by_id(&state.db, &r.actor_id)
            .await?
            .map(|u| u.name)
            .unwrap_or_else(|| "—".into());
        items.push(AccessItem {
            at: rfc3339(r.at),
            who,
            role: r.actor_role,
            action: r.action,
            what: r.resource,
            reason: r.reason,
            break_glass: r.flags.contains("break_glass"),
        });
    }
    Ok(items)
}

#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "records",
    responses((status = 200, body = Vec<AccessItem>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn access_log(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<AccessItem>>> {
    Ok(Json(own_access_log(&state, &auth).await?))
}

/// The caller's own "who accessed my record", through the policy like any other read.
pub async fn own_access_log(
    state: &AppState,
    auth: &crate::auth::Authenticated,
) -> AppResult<Vec<AccessItem>> {
    let (ctx, pid) = crate::duo::of_participant(state, auth)
        .await
        .map_err(|_| AppError::Forbidden)?;
    let resource = Resource::owned(ResourceKind::AccessLog, &ctx.scope, &pid);
    access::authorize(state, auth, Action::Read, &resource, &pid).await?;
    access_items(state, &pid, &auth.user.id).await
}
