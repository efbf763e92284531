//! Sign-in, sign-out, the caller's own account, TOTP enrolment and staff set-up links.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dyad_store::accounts::{self, TokenProblem};
use dyad_store::audit::AuditEntry;
use dyad_store::{password, secrets};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access;
use crate::auth::{
    self, Authenticated, ClientAddr, Pending, SignInRefusal, clear_session_cookie, session_cookie,
};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::state::AppState;

pub const SETUP_PURPOSE: &str = "staff_setup";

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The current authenticator code, or an unused recovery code (staff).
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub role: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub user: UserSummary,
    /// Steps still owed (`change_password`, `enrol_totp`); until done, the token opens only
    /// the endpoints that complete them.
    pub required: Vec<String>,
}

pub fn summary(user: &accounts::User) -> UserSummary {
    UserSummary {
        id: user.id.clone(),
        role: user.roles.first().cloned().unwrap_or_default(),
        name: user.name.clone(),
    }
}

/// Ends the session a request came with, so every sign-in gets a fresh session id.
pub async fn end_previous_session(
    state: &AppState,
    previous: Option<&Authenticated>,
) -> AppResult<()> {
    if let Some(prev) = previous {
        accounts::delete_session(&state.db, &prev.session.token_hash).await?;
    }
    Ok(())
}

pub fn refusal_error(refusal: SignInRefusal) -> AppError {
    match refusal {
        SignInRefusal::Invalid => AppError::InvalidCredentials,
        SignInRefusal::CodeNeeded => AppError::CodeNeeded,
        SignInRefusal::Throttled { retry_after_secs } => AppError::RateLimited { retry_after_secs },
    }
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse, description = "Signed in; also sets the session cookie"),
        (status = 401, body = Problem, description = "Wrong email, password or code; `required: [\"totp\"]` when a code is needed"),
        (status = 429, body = Problem, description = "Too many failed attempts")))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    previous: Option<axum::Extension<Authenticated>>,
    Json(body): Json<LoginRequest>,
) -> AppResult<Response> {
    let outcome = auth::sign_in(
        &state,
        &body.email,
        &body.password,
        body.totp.as_deref(),
        &client,
    )
    .await?
    .map_err(refusal_error)?;
    end_previous_session(&state, previous.as_ref().map(|e| &e.0)).await?;
    access::record(
        &state,
        AuditEntry::new(&outcome.user.id, &outcome.user.roles.join(","), "sign_in")
            .subject(&outcome.user.id)
            .resource("session"),
    )
    .await?;
    let cookie = session_cookie(&state, &outcome.token);
    let body = LoginResponse {
        token: outcome.token,
        user: summary(&outcome.user),
        required: outcome.required,
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity",
    responses((status = 204, description = "Signed out")), security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, Pending(auth): Pending) -> AppResult<Response> {
    accounts::delete_session(&state.db, &auth.session.token_hash).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie(&state))],
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout-everywhere", tag = "identity",
    responses((status = 204, description = "Every session of this account ended")), security(("bearer" = [])))]
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
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie(&state))],
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub role: String,
    pub roles: Vec<String>,
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duo_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    pub required: Vec<String>,
    pub lang: String,
    /// The synchronizer token to send as `X-CSRF-Token` on cookie-authenticated changes
    /// (bearer clients need none).
    pub csrf_token: String,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = MeResponse), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn me(
    State(state): State<AppState>,
    Pending(auth): Pending,
) -> AppResult<Json<MeResponse>> {
    let u = &auth.user;
    let duo_id = match &u.participant_id {
        Some(pid) => dyad_store::duos::participant_by_id(&state.db, pid)
            .await?
            .map(|p| p.duo_id),
        None => None,
    };
    Ok(Json(MeResponse {
        id: u.id.clone(),
        role: u.roles.first().cloned().unwrap_or_default(),
        roles: u.roles.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        duo_id,
        participant_id: u.participant_id.clone(),
        required: auth.required.clone(),
        lang: u.lang.clone(),
        csrf_token: auth.session.csrf_token.clone(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Why `candidate` cannot be a password, as an error on `field` (the rules of
/// `dyad_store::password`, said through the message catalogue).
pub fn password_error(field: &str, candidate: &str) -> Option<FieldError> {
    password::password_problem(candidate)?;
    Some(if candidate.chars().count() < password::MIN_PASSWORD_LEN {
        FieldError::from_catalogue(
            field,
            "check-password-too-short",
            &[("min", &password::MIN_PASSWORD_LEN.to_string())],
        )
    } else {
        FieldError::from_catalogue(
            field,
            "check-password-too-long",
            &[("max", &password::MAX_PASSWORD_LEN.to_string())],
        )
    })
}

/// Shared by the page and the API: checks the current password, sets the new one, ends the
/// account's other sessions.
pub async fn apply_password_change(
    state: &AppState,
    auth: &Authenticated,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let mut errors = Vec::new();
    if !auth::verify_blocking(current.to_string(), auth.user.password_hash.clone()).await {
        errors.push(FieldError::from_catalogue(
            "current_password",
            "check-password-not-current",
            &[],
        ));
    }
    if let Some(problem) = password_error("new_password", new) {
        errors.push(problem);
    } else if new == current {
        errors.push(FieldError::from_catalogue(
            "new_password",
            "check-password-unchanged",
            &[],
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = auth::hash_blocking(new.to_string()).await?;
    accounts::set_password(&state.db, &auth.user.id, &hash, false, state.now()).await?;
    // Other devices signed in with the old password are signed out.
    sqlx_free_delete_other_sessions(state, auth).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "change_password")
            .subject(&auth.user.id),
    )
    .await
}

async fn sqlx_free_delete_other_sessions(state: &AppState, auth: &Authenticated) -> AppResult<()> {
    let keep = auth.session.clone();
    accounts::delete_user_sessions(&state.db, &auth.user.id).await?;
    accounts::create_session(&state.db, &keep).await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "identity", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    Pending(auth): Pending,
    Json(body): Json<PasswordChange>,
) -> AppResult<StatusCode> {
    apply_password_change(&state, &auth, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32 secret for manual entry.
    pub secret: String,
    /// `otpauth://` URI (RFC 6238, SHA-1, 6 digits, 30 s).
    pub otpauth_uri: String,
}

#[utoipa::path(post, path = "/api/v1/me/totp/enrol", tag = "identity",
    responses((status = 200, body = TotpEnrolment), (status = 403, body = Problem), (status = 409, body = Problem, description = "Already enrolled")), security(("bearer" = [])))]
pub async fn totp_enrol(
    State(state): State<AppState>,
    Pending(auth): Pending,
) -> AppResult<Json<TotpEnrolment>> {
    if !auth.user.is_staff() {
        return Err(AppError::Forbidden);
    }
    if auth.user.totp_enabled {
        return Err(AppError::Conflict(
            "An authenticator is already set up for this account.".into(),
        ));
    }
    let (secret, otpauth_uri) = auth::start_totp_enrolment(&state, &auth.user).await?;
    Ok(Json(TotpEnrolment {
        secret,
        otpauth_uri,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TotpCode {
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Shown once; each works once in place of an authenticator code.
    pub recovery_codes: Vec<String>,
}

/// Shared by the page and the API.
pub async fn apply_totp_confirm(
    state: &AppState,
    auth: &Authenticated,
    code: &str,
) -> AppResult<Vec<String>> {
    if !auth.user.is_staff() {
        return Err(AppError::Forbidden);
    }
    if auth.user.totp_enabled {
        return Err(AppError::Conflict(
            "An authenticator is already set up for this account.".into(),
        ));
    }
    match auth::confirm_totp(state, &auth.user, code).await? {
        Some(codes) => {
            access::record(
                state,
                AuditEntry::new(&auth.user.id, &auth.audit_role(), "enrol_totp")
                    .subject(&auth.user.id),
            )
            .await?;
            Ok(codes)
        }
        None => Err(AppError::Validation(vec![FieldError::from_catalogue(
            "code",
            "check-totp-code",
            &[],
        )])),
    }
}

#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "identity", request_body = TotpCode,
    responses((status = 200, body = RecoveryCodes), (status = 409, body = Problem, description = "Already enrolled, or no enrolment started"), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn totp_confirm(
    State(state): State<AppState>,
    Pending(auth): Pending,
    Json(body): Json<TotpCode>,
) -> AppResult<Json<RecoveryCodes>> {
    let recovery_codes = apply_totp_confirm(&state, &auth, &body.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetupRequest {
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetupResponse {
    pub user_id: String,
}

pub fn token_problem_error(problem: TokenProblem) -> AppError {
    match problem {
        TokenProblem::Unknown => AppError::NotFound,
        TokenProblem::Expired => {
            AppError::Conflict("This link has expired. Ask for a new one.".into())
        }
        TokenProblem::Used => AppError::Conflict("This link has already been used.".into()),
    }
}

/// Shared by the page and the API: sets the first password of a staff account.
pub async fn apply_setup(state: &AppState, token: &str, new_password: &str) -> AppResult<String> {
    if let Some(problem) = password_error("password", new_password) {
        return Err(AppError::Validation(vec![problem]));
    }
    let hash = secrets::token_hash(token);
    let now = state.now();
    // Check before hashing the password, so a dead link answers at once.
    accounts::peek_token(&state.db, &hash, SETUP_PURPOSE, now)
        .await?
        .map_err(token_problem_error)?;
    let password_hash = auth::hash_blocking(new_password.to_string()).await?;
    let user_id = accounts::take_token(&state.db, &hash, SETUP_PURPOSE, now)
        .await?
        .map_err(token_problem_error)?;
    accounts::set_password(&state.db, &user_id, &password_hash, false, now).await?;
    access::record(
        state,
        AuditEntry::new(&user_id, "staff", "complete_setup").subject(&user_id),
    )
    .await?;
    Ok(user_id)
}

#[utoipa::path(post, path = "/api/v1/setup/{token}", tag = "identity", request_body = SetupRequest,
    params(("token" = String, Path, description = "The token at the end of the mailed set-up link")),
    responses((status = 200, body = SetupResponse), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn complete_setup(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(body): Json<SetupRequest>,
) -> AppResult<Json<SetupResponse>> {
    let user_id = apply_setup(&state, &token, &body.password).await?;
    Ok(Json(SetupResponse { user_id }))
}
