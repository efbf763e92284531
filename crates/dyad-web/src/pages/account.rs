//! Signing in and out, the account page, TOTP enrolment, staff set-up links, and the
//! participant's "who accessed my record".

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use dyad_store::accounts;
use dyad_store::audit::AuditEntry;
use dyad_store::secrets;
use serde::Deserialize;

use super::{Ctx, field, form_pairs, page_errors, render, render_status};
use crate::access;
use crate::api::identity::{self, apply_password_change, apply_setup, apply_totp_confirm};
use crate::api::records::AccessItem;
use crate::auth::{self, Authenticated, ClientAddr, Lang, Pending, SignInRefusal, SignedIn};
use crate::error::in_language;
use crate::error::{AppError, AppResult, FieldError};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    email: String,
    next: String,
    message: Option<String>,
    code_needed: bool,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after sign-in.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/home".to_string()
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    render(&LoginPage {
        ctx: Ctx::new(&state, tr, None),
        email: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/home")),
        message: None,
        code_needed: false,
    })
}

pub async fn login_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    ClientAddr(client): ClientAddr,
    previous: Option<axum::Extension<Authenticated>>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let email = field(&pairs, "email").trim().to_string();
    let next = safe_next(field(&pairs, "next"));
    let code = Some(field(&pairs, "totp")).filter(|c| !c.trim().is_empty());
    let result = auth::sign_in(&state, &email, field(&pairs, "password"), code, &client).await?;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(refusal) => {
            let (status, message, code_needed) = match refusal {
                SignInRefusal::Invalid => (StatusCode::UNAUTHORIZED, tr.t("login-invalid"), false),
                SignInRefusal::CodeNeeded => {
                    (StatusCode::UNAUTHORIZED, tr.t("login-code-needed"), true)
                }
                SignInRefusal::Throttled { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    tr.ta(
                        "login-throttled",
                        &[("seconds", &retry_after_secs.to_string())],
                    ),
                    false,
                ),
            };
            return render_status(
                status,
                &LoginPage {
                    ctx: Ctx::new(&state, tr, None),
                    email,
                    next,
                    message: Some(message),
                    code_needed,
                },
            );
        }
    };
    identity::end_previous_session(&state, previous.as_ref().map(|e| &e.0)).await?;
    access::record(
        &state,
        AuditEntry::new(&outcome.user.id, &outcome.user.roles.join(","), "sign_in")
            .subject(&outcome.user.id)
            .resource("session"),
    )
    .await?;
    let target = if outcome.required.is_empty() {
        next
    } else {
        "/account/steps".to_string()
    };
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie(&state, &outcome.token),
    );
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Authenticated>>,
) -> AppResult<Response> {
    if let Some(auth) = auth {
        accounts::delete_session(&state.db, &auth.0.session.token_hash).await?;
    }
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::clear_session_cookie(&state));
    Ok(response)
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    Pending(auth): Pending,
) -> AppResult<Response> {
    accounts::delete_user_sessions(&state.db, &auth.user.id).await?;
    access::record(
        &state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "sign_out_everywhere")
            .subject(&auth.user.id),
    )
    .await?;
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::clear_session_cookie(&state));
    Ok(response)
}

/// Sends a new account to the next step it owes.
pub async fn steps(Pending(auth): Pending) -> Response {
    if auth.required.iter().any(|s| s == "change_password") {
        Redirect::to("/account").into_response()
    } else if auth.required.iter().any(|s| s == "enrol_totp") {
        Redirect::to("/account/totp").into_response()
    } else if auth.required.iter().any(|s| s == "verify_email") {
        Redirect::to("/account/verify-email").into_response()
    } else if auth.required.iter().any(|s| s == "accept_documents") {
        Redirect::to("/documents/review").into_response()
    } else {
        Redirect::to("/home").into_response()
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    ctx: Ctx,
    welcome: String,
    is_admin: bool,
    is_staff: bool,
    is_participant: bool,
    roles: String,
}

pub async fn dashboard(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    // Participants have their own home: where their pathway stands and what comes next.
    if auth.user.participant_id.is_some() {
        return super::participant::home(&state, tr, &auth).await;
    }
    let roles = auth
        .user
        .roles
        .iter()
        .map(|r| tr.t(&format!("role-{r}")))
        .collect::<Vec<_>>()
        .join(", ");
    let welcome = tr.ta("dashboard-welcome", &[("name", &auth.user.name)]);
    render(&Dashboard {
        is_admin: auth.user.has_role("admin"),
        is_staff: auth.user.is_staff(),
        is_participant: auth.user.participant_id.is_some(),
        ctx: Ctx::new(&state, tr, Some(&auth)),
        welcome,
        roles,
    })
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    must_change: bool,
    is_staff: bool,
    totp_enabled: bool,
    errors: Vec<FieldError>,
    done: Option<String>,
}

fn account_page_for(
    state: &AppState,
    tr: crate::i18n::Tr,
    auth: &Authenticated,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> AccountPage {
    AccountPage {
        ctx: Ctx::new(state, tr, Some(auth)),
        must_change: auth.user.must_change_password,
        is_staff: auth.user.is_staff(),
        totp_enabled: auth.user.totp_enabled,
        errors,
        done,
    }
}

pub async fn account_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
) -> AppResult<Response> {
    render(&account_page_for(&state, tr, &auth, Vec::new(), None))
}

pub async fn password_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    match apply_password_change(
        &state,
        &auth,
        field(&pairs, "current_password"),
        field(&pairs, "new_password"),
    )
    .await
    {
        Ok(()) => {
            let still_owed = auth.user.is_staff() && !auth.user.totp_enabled;
            if still_owed {
                return Ok(Redirect::to("/account/totp").into_response());
            }
            let mut auth = auth;
            auth.user.must_change_password = false;
            let done = Some(tr.t("account-password-changed"));
            render(&account_page_for(&state, tr, &auth, Vec::new(), done))
        }
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &account_page_for(&state, tr, &auth, errors, None),
            )
        }
    }
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    ctx: Ctx,
    secret: String,
    qr_data_url: String,
    errors: Vec<FieldError>,
}

fn qr_data_url(uri: &str) -> AppResult<String> {
    let code =
        qrcode::QrCode::new(uri.as_bytes()).map_err(|e| AppError::Internal(format!("qr: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

async fn totp_page_for(
    state: &AppState,
    tr: crate::i18n::Tr,
    auth: &Authenticated,
    errors: Vec<FieldError>,
) -> AppResult<TotpPage> {
    // Each visit shows a fresh secret; only the latest one can be confirmed.
    let (secret, uri) = auth::start_totp_enrolment(state, &auth.user).await?;
    Ok(TotpPage {
        ctx: Ctx::new(state, tr, Some(auth)),
        secret,
        qr_data_url: qr_data_url(&uri)?,
        errors,
    })
}

pub async fn totp_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
) -> AppResult<Response> {
    if !auth.user.is_staff() || auth.user.totp_enabled {
        return Ok(Redirect::to("/account").into_response());
    }
    if auth.user.must_change_password {
        return Ok(Redirect::to("/account").into_response());
    }
    render(&totp_page_for(&state, tr, &auth, Vec::new()).await?)
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryPage {
    ctx: Ctx,
    codes: Vec<String>,
}

pub async fn totp_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    match apply_totp_confirm(&state, &auth, field(&pairs, "code")).await {
        Ok(codes) => {
            let mut auth = auth;
            auth.required.retain(|s| s != "enrol_totp");
            render(&RecoveryPage {
                ctx: Ctx::new(&state, tr, Some(&auth)),
                codes,
            })
        }
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?);
            let page = totp_page_for(&state, tr, &auth, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    ctx: Ctx,
    token: String,
    problem: Option<String>,
    errors: Vec<FieldError>,
}

pub async fn setup_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let check = accounts::peek_token(
        &state.db,
        &secrets::token_hash(&token),
        identity::SETUP_PURPOSE,
        state.now(),
    )
    .await?;
    let problem = check.err().map(|p| tr.t(token_problem_key(p)));
    let status = if problem.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &SetupPage {
            ctx: Ctx::new(&state, tr, None),
            token,
            problem,
            errors: Vec::new(),
        },
    )
}

fn token_problem_key(p: accounts::TokenProblem) -> &'static str {
    match p {
        accounts::TokenProblem::Unknown => "link-unknown",
        accounts::TokenProblem::Expired => "link-expired",
        accounts::TokenProblem::Used => "link-used",
    }
}

pub async fn setup_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Path(token): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    match apply_setup(&state, &token, field(&pairs, "password")).await {
        Ok(_) => Ok(Redirect::to("/login").into_response()),
        Err(AppError::NotFound) => render_status(
            StatusCode::NOT_FOUND,
            &SetupPage {
                problem: Some(tr.t("link-unknown")),
                ctx: Ctx::new(&state, tr, None),
                token,
                errors: Vec::new(),
            },
        ),
        Err(AppError::Conflict(detail)) => render_status(
            StatusCode::CONFLICT,
            &SetupPage {
                ctx: Ctx::new(&state, tr, None),
                token,
                problem: Some(detail),
                errors: Vec::new(),
            },
        ),
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetupPage {
                    ctx: Ctx::new(&state, tr, None),
                    token,
                    problem: None,
                    errors,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    ctx: Ctx,
    items: Vec<AccessItem>,
}

pub async fn access_log(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let items = crate::api::records::own_access_log(&state, &auth).await?;
    render(&AccessLogPage {
        ctx: Ctx::new(&state, tr, Some(&auth)),
        items,
    })
}
