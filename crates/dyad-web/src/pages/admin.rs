//! Admin pages: staff accounts, break-glass grants, and the audit trail.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dyad_core::policy::{Action, Resource, ResourceKind, Role};
use dyad_store::accounts;

use super::{Ctx, field, fields, form_pairs, page_errors, render, render_status};
use crate::access;
use crate::api::records::{AuditItem, AuditQuery, filter_from, rfc3339};
use crate::api::staff::{NewStaff, StaffMember, StaffUpdate, create_staff, update_staff};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::error::{AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage {
    ctx: Ctx,
    staff: Vec<StaffMember>,
    role_choices: Vec<(String, String)>,
    grants: Vec<(String, String, String, String)>,
    errors: Vec<FieldError>,
    done: Option<String>,
    form_name: String,
    form_email: String,
}

async fn staff_page_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    errors: Vec<FieldError>,
    done: Option<String>,
    form: (String, String),
) -> AppResult<StaffPage> {
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::system(ResourceKind::Accounts),
        "accounts",
    )
    .await?;
    let staff = accounts::list_staff(&state.db).await?;
    let grants = accounts::recent_break_glass(&state.db, 50)
        .await?
        .into_iter()
        .map(|g| (rfc3339(g.granted_at), g.user_id, g.duo_id, g.reason))
        .collect();
    let role_choices = Role::ALL
        .iter()
        .filter(|r| r.is_staff())
        .map(|r| {
            (
                r.as_str().to_string(),
                tr.t(&format!("role-{}", r.as_str())),
            )
        })
        .collect();
    Ok(StaffPage {
        ctx: Ctx::new(state, tr, Some(auth)).wide(),
        staff: staff.iter().map(StaffMember::from).collect(),
        role_choices,
        grants,
        errors,
        done,
        form_name: form.0,
        form_email: form.1,
    })
}

pub async fn staff_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    render(&staff_page_for(&state, tr, &auth, Vec::new(), None, Default::default()).await?)
}

pub async fn staff_create(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let new = NewStaff {
        name: field(&pairs, "name").to_string(),
        email: field(&pairs, "email").trim().to_string(),
        roles: fields(&pairs, "roles"),
    };
    match create_staff(&state, &auth, &new).await {
        Ok(user) => {
            let done = Some(tr.ta("staff-created", &[("name", &user.name)]));
            render(&staff_page_for(&state, tr, &auth, Vec::new(), done, Default::default()).await?)
        }
        Err(e) => {
            let errors = page_errors(e)?;
            let page =
                staff_page_for(&state, tr, &auth, errors, None, (new.name, new.email)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn apply_update(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    change: StaffUpdate,
) -> AppResult<Response> {
    match update_staff(state, auth, id, &change).await {
        Ok(_) => Ok(Redirect::to("/admin/staff").into_response()),
        Err(e) => {
            let errors = page_errors(e)?;
            let page = staff_page_for(state, tr, auth, errors, None, Default::default()).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn staff_roles(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let roles = field(&pairs, "roles")
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    apply_update(
        &state,
        tr,
        &auth,
        &id,
        StaffUpdate {
            roles: Some(roles),
            active: None,
        },
    )
    .await
}

pub async fn staff_active(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let active = field(&pairs, "active") == "true";
    apply_update(
        &state,
        tr,
        &auth,
        &id,
        StaffUpdate {
            roles: None,
            active: Some(active),
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    ctx: Ctx,
    rows: Vec<AuditItem>,
    errors: Vec<FieldError>,
    q_actor: String,
    q_subject: String,
    q_action: String,
    q_since: String,
    q_until: String,
}

pub async fn audit_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    access::authorize(
        &state,
        &auth,
        Action::Read,
        &Resource::system(ResourceKind::AuditTrail),
        "audit_trail",
    )
    .await?;
    let (rows, errors) = match filter_from(&q) {
        Ok(filter) => (
            dyad_store::audit::list(&state.db, &filter)
                .await?
                .into_iter()
                .map(AuditItem::from)
                .collect(),
            Vec::new(),
        ),
        Err(e) => (Vec::new(), page_errors(e)?),
    };
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    render(&AuditPage {
        ctx: Ctx::new(&state, tr, Some(&auth)).wide(),
        rows,
        errors,
        q_actor: s(&q.actor),
        q_subject: s(&q.subject),
        q_action: s(&q.action),
        q_since: s(&q.since),
        q_until: s(&q.until),
    })
}
