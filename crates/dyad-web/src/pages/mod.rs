//! Server-rendered pages. Each page handler gathers what it shows, then renders one
//! template; every text comes from the message catalogue.

mod account;
mod admin;
mod aftercare;
mod console;
mod coordinator;
mod info;
mod intake;
mod journal;
mod participant;
mod pathway;
mod personal_export;
mod preparation;
mod public;
mod research;
mod screening;
mod signup;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth::Authenticated;
use crate::error::{AppResult, FieldError};
use crate::i18n::{LANGUAGES, Tr};
use crate::state::AppState;

/// Every page route, registered once: the router and the list of paths come from one
/// table (see `route_table!`), so tests can walk every page.
fn table() -> (Router<AppState>, Vec<&'static str>) {
    let (pages, mut paths) = crate::route_table! {
            "/" => get(public::home),
            "/lang/{code}" => get(public::set_language),
            "/login" => get(account::login_form).post(account::login_submit),
            "/logout" => post(account::logout),
            "/logout/everywhere" => post(account::logout_everywhere),
            "/home" => get(account::dashboard),
            "/account" => get(account::account_page),
            "/account/steps" => get(account::steps),
            "/account/password" => post(account::password_submit),
            "/account/totp" => get(account::totp_page).post(account::totp_submit),
            "/setup/{token}" => get(account::setup_form).post(account::setup_submit),
            "/me/access-log" => get(account::access_log),
            "/admin/staff" => get(admin::staff_page).post(admin::staff_create),
            "/admin/staff/{id}/roles" => post(admin::staff_roles),
            "/admin/staff/{id}/active" => post(admin::staff_active),
            "/admin/audit" => get(admin::audit_page),
            "/about" => get(info::about),
            "/pathway" => get(info::pathway),
            "/expect" => get(info::expect),
            "/safety" => get(info::safety),
            "/documents/{kind}" => get(info::document),
            "/admin/documents" => get(info::admin_documents).post(info::admin_publish),
            "/signup" => get(signup::signup_form).post(signup::signup_submit),
            "/verify/{token}" => get(signup::verify_form).post(signup::verify_submit),
            "/account/verify-email" => get(signup::check_email).post(signup::resend_verification),
            "/join/{token}" => get(signup::join_form).post(signup::join_submit),
            "/join/{token}/decline" => get(signup::decline_form).post(signup::decline_submit),
            "/documents/review" => get(participant::review_documents).post(participant::accept_documents),
            "/me/documents" => get(participant::my_documents),
            "/invitation/resend" => post(participant::resend_invitation),
            "/invitation/cancel" => get(participant::cancel_form).post(participant::cancel_submit),
            "/withdraw" => get(participant::withdraw_form).post(participant::withdraw_submit),
            "/messages" => get(participant::messages_page).post(participant::messages_post),
            "/participants/{id}/messages" => get(coordinator::team_messages).post(coordinator::team_messages_post),
            "/duos" => get(coordinator::duos_page),
            "/duos/{id}" => get(coordinator::duo_page),
            "/duos/{id}/team" => post(coordinator::team_submit),
            "/duos/{id}/break-glass" => post(coordinator::break_glass_submit),
    };
    let mut router = pages;
    for (more, more_paths) in [
        intake::routes(),
        screening::routes(),
        preparation::routes(),
        journal::routes(),
        aftercare::routes(),
        personal_export::routes(),
        console::routes(),
        pathway::routes(),
        research::routes(),
    ] {
        router = router.merge(more);
        paths.extend(more_paths);
    }
    (router, paths)
}

pub fn routes() -> Router<AppState> {
    table().0
}

pub fn route_paths() -> Vec<&'static str> {
    table().1
}

/// What the base layout needs on every page.
pub struct Ctx {
    pub tr: Tr,
    pub practice: String,
    pub user_name: Option<String>,
    pub is_admin: bool,
    /// Staff with a set-up account (for the "Duos" link).
    pub is_staff: bool,
    /// A participant with a set-up account (for the "Messages" link).
    pub is_participant: bool,
    pub csrf: String,
    pub wide: bool,
    pub languages: &'static [(&'static str, &'static str)],
}

impl Ctx {
    pub fn new(state: &AppState, tr: Tr, auth: Option<&Authenticated>) -> Self {
        Self {
            tr,
            practice: state.config.practice.name.clone(),
            user_name: auth
                .filter(|a| a.required.is_empty())
                .map(|a| a.user.name.clone()),
            is_admin: auth.is_some_and(|a| a.user.has_role("admin")),
            is_staff: auth.is_some_and(|a| a.required.is_empty() && a.user.is_staff()),
            is_participant: auth
                .is_some_and(|a| a.required.is_empty() && a.user.participant_id.is_some()),
            csrf: auth
                .map(|a| a.session.csrf_token.clone())
                .unwrap_or_default(),
            wide: false,
            languages: LANGUAGES,
        }
    }

    pub fn wide(mut self) -> Self {
        self.wide = true;
        self
    }
}

/// A label from the catalogue (`<prefix>-<value>`), or the raw value made readable when the
/// catalogue has none, so a phase or kind added later still shows something.
pub(crate) fn label(tr: &Tr, prefix: &str, value: &str) -> String {
    let key = format!("{prefix}-{value}");
    let text = tr.t(&key);
    if text == key {
        value.replace('_', " ")
    } else {
        text
    }
}

/// Renders a template as an HTML response.
pub fn render<T: Template>(template: &T) -> AppResult<Response> {
    Ok(Html(template.render()?).into_response())
}

/// Renders with a status (e.g. 422 for a form with errors).
pub fn render_status<T: Template>(status: StatusCode, template: &T) -> AppResult<Response> {
    Ok((status, Html(template.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    heading: String,
    body: String,
    operation_id: String,
}

/// The page people see when something is refused or goes wrong.
pub fn error_page(tr: &Tr, status: StatusCode, code: &str, operation_id: &str) -> Response {
    let key = match code {
        "not_found" | "forbidden" | "conflict" | "rate_limited" | "bad_request"
        | "invalid_input" => code,
        _ => "internal",
    };
    let page = ErrorPage {
        ctx: Ctx {
            tr: tr.clone(),
            practice: "dyad".into(),
            user_name: None,
            is_admin: false,
            is_staff: false,
            is_participant: false,
            csrf: String::new(),
            wide: false,
            languages: LANGUAGES,
        },
        heading: tr.t(&format!("error-{key}-title")),
        body: tr.t(&format!("error-{key}-body")),
        operation_id: operation_id.to_string(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// Form fields as pairs, keeping repeated keys (checkbox groups).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

pub fn field<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub fn fields(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

/// Field errors for a page, from an API-style error.
pub fn page_errors(err: crate::error::AppError) -> Result<Vec<FieldError>, crate::error::AppError> {
    match err {
        crate::error::AppError::Validation(errors) => Ok(errors),
        crate::error::AppError::Conflict(detail) => Ok(vec![FieldError::new("main", detail)]),
        other => Err(other),
    }
}

/// The anchor (and input `id`) a field error points at: API field names such as
/// `partner.email` or `members[0]` become `partner_email` and `members`.
pub fn field_id(field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    base.replace('.', "_")
}

/// A form's field errors, keyed by input `id`, for the error summary and the fields.
#[derive(Debug, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn new(errors: Vec<FieldError>) -> Self {
        Self(
            errors
                .into_iter()
                .map(|e| FieldError::new(&field_id(&e.field), e.message))
                .collect(),
        )
    }

    pub fn invalid(&self, id: &str) -> bool {
        self.0.iter().any(|e| e.field == id)
    }

    /// Every message for one field, in one line.
    pub fn message(&self, id: &str) -> String {
        self.0
            .iter()
            .filter(|e| e.field == id)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
