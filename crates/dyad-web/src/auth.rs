//! Signing in and out: server-side sessions (cookie or bearer, one token), throttling,
//! TOTP for staff, and the steps a new account still owes.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use dyad_core::policy::{Actor, Role};
use dyad_store::accounts::{self, AuthSession, User};
use dyad_store::sealing::Place;
use dyad_store::{password, secrets};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::{AppError, AppResult};
use crate::i18n::{Tr, negotiate};
use crate::state::AppState;

pub const LANG_COOKIE: &str = "dyad_lang";

/// The session cookie's name. With `Secure`, the `__Host-` prefix also pins it to this
/// host and path.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-dyad"
    } else {
        "dyad_session"
    }
}

/// A signed-in caller, put into the request by [`load_session`].
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub session: AuthSession,
    pub via_bearer: bool,
    /// Steps still owed (`change_password`, `enrol_totp`); while any remain, only the
    /// endpoints that complete them open.
    pub required: Vec<String>,
}

impl Authenticated {
    pub fn actor(&self) -> Actor {
        actor_of(&self.user)
    }

    /// The role written to the audit trail: the first of the account's roles.
    pub fn audit_role(&self) -> String {
        self.user.roles.first().cloned().unwrap_or_default()
    }
}

pub fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: user.id.clone(),
        roles: user
            .roles
            .iter()
            .filter_map(|r| r.parse::<Role>().ok())
            .collect(),
        participant_id: user.participant_id.clone(),
    }
}

/// The account behind a session that is still live and active, or `None` — for a
/// long-lived response (the console stream) to notice a sign-out, an expiry or a
/// deactivation after it started. Reads only; it does not move the idle deadline.
pub async fn still_signed_in(state: &AppState, token_hash: &str) -> AppResult<Option<User>> {
    let Some((session, user)) = accounts::session_and_user(&state.db, token_hash).await? else {
        return Ok(None);
    };
    Ok((session.is_live(state.now()) && user.active).then_some(user))
}

/// Steps an account owes before it may do anything else.
pub fn required_steps(user: &User) -> Vec<String> {
    let mut steps = Vec::new();
    if user.must_change_password {
        steps.push("change_password".to_string());
    }
    if user.is_staff() && !user.totp_enabled {
        steps.push("enrol_totp".to_string());
    }
    steps
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then_some(v)
        })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Looks up the caller's session (bearer first, then cookie) and keeps it alive.
pub async fn load_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let (token, via_bearer) = match bearer(headers) {
        Some(t) => (Some(t.to_string()), true),
        None => (
            cookie_value(headers, session_cookie_name(state.config.secure_cookies))
                .map(str::to_string),
            false,
        ),
    };
    if let Some(token) = token
        && let Ok(Some(auth)) = resolve(&state, &token, via_bearer).await
    {
        req.extensions_mut().insert(auth);
    }
    next.run(req).await
}

async fn resolve(
    state: &AppState,
    token: &str,
    via_bearer: bool,
) -> AppResult<Option<Authenticated>> {
    let now = state.now();
    let hash = secrets::token_hash(token);
    let Some((session, user)) = accounts::session_and_user(&state.db, &hash).await? else {
        return Ok(None);
    };
    if !session.is_live(now) {
        accounts::delete_session(&state.db, &hash).await?;
        return Ok(None);
    }
    if !user.active {
        return Ok(None);
    }
    // Spare a write per request: the idle deadline moves on at most once a minute.
    if now - session.last_seen_at > 60_000_000 {
        accounts::touch_session(&state.db, &hash, now).await?;
    }
    let mut required = required_steps(&user);
    if !user.is_staff() {
        if !user.email_verified {
            required.push("verify_email".to_string());
        }
        if dyad_store::duos::has_pending_documents(&state.db, &user.id, now).await? {
            required.push("accept_documents".to_string());
        }
    }
    Ok(Some(Authenticated {
        user,
        session,
        via_bearer,
        required,
    }))
}

/// Any signed-in caller, even one who still owes set-up steps.
pub struct Pending(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for Pending {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated>()
            .cloned()
            .map(Pending)
            .ok_or(AppError::Unauthenticated)
    }
}

/// A signed-in caller with a fully set-up account.
pub struct SignedIn(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Pending(auth) = Pending::from_request_parts(parts, state).await?;
        if !auth.required.is_empty() {
            return Err(AppError::StepsRequired(auth.required));
        }
        Ok(SignedIn(auth))
    }
}

/// The caller's language, for pages and mails.
pub struct Lang(pub Tr);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(tr_from(
            &parts.headers,
            parts.extensions.get::<Authenticated>(),
        )))
    }
}

fn tr_from(headers: &HeaderMap, auth: Option<&Authenticated>) -> Tr {
    let explicit = cookie_value(headers, LANG_COOKIE)
        .map(str::to_string)
        .or_else(|| auth.map(|a| a.user.lang.clone()));
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    negotiate(explicit.as_deref(), accept)
}

pub fn request_tr(req: &Request) -> Tr {
    tr_from(req.headers(), req.extensions().get::<Authenticated>())
}

/// The address a request came from, for throttling.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        Ok(ClientAddr(addr))
    }
}

/// What a successful sign-in gives.
pub struct SignInOutcome {
    pub token: String,
    pub user: User,
    pub required: Vec<String>,
}

/// Why a sign-in did not succeed. The messages never say whether the email exists.
#[derive(Debug)]
pub enum SignInRefusal {
    /// Email, password or code not right (deliberately one answer for all three).
    Invalid,
    /// A staff account with an authenticator must give its code.
    CodeNeeded,
    Throttled {
        retry_after_secs: i64,
    },
}

/// Checks credentials and opens a new session. Any session the browser already had is
/// ended by the caller, so the session id is always renewed at sign-in.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password_text: &str,
    code: Option<&str>,
    client: &str,
) -> AppResult<Result<SignInOutcome, SignInRefusal>> {
    let now = state.now();
    let account_key = format!("account:{}", accounts::normalise_email(email));
    let address_key = format!("address:{client}");
    for key in [&account_key, &address_key] {
        if let Some(until) = accounts::blocked_until(&state.db, key, now).await? {
            let retry_after_secs = ((until - now) / 1_000_000).max(1);
            return Ok(Err(SignInRefusal::Throttled { retry_after_secs }));
        }
    }
    let user = accounts::user_by_email(&state.db, email).await?;
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_string());
    let password_ok = verify_blocking(password_text.to_string(), stored).await;
    let user = match user {
        Some(u) if password_ok && u.active => u,
        _ => {
            fail(state, &account_key, &address_key, now).await?;
            return Ok(Err(SignInRefusal::Invalid));
        }
    };
    if user.is_staff() && user.totp_enabled {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let Some(code) = code else {
            return Ok(Err(SignInRefusal::CodeNeeded));
        };
        if !second_factor_ok(state, &user, code).await? {
            fail(state, &account_key, &address_key, now).await?;
            return Ok(Err(SignInRefusal::Invalid));
        }
    }
    accounts::clear_failures(&state.db, &account_key).await?;
    accounts::clear_failures(&state.db, &address_key).await?;
    let token = open_session(state, &user).await?;
    let mut required = required_steps(&user);
    if !user.is_staff() {
        if !user.email_verified {
            required.push("verify_email".to_string());
        }
        if dyad_store::duos::has_pending_documents(&state.db, &user.id, now).await? {
            required.push("accept_documents".to_string());
        }
    }
    Ok(Ok(SignInOutcome {
        token,
        user,
        required,
    }))
}

async fn fail(state: &AppState, account_key: &str, address_key: &str, now: i64) -> AppResult<()> {
    accounts::record_failure(&state.db, account_key, now).await?;
    accounts::record_failure(&state.db, address_key, now).await?;
    metrics::counter!("dyad_sign_in_failures_total").increment(1);
    Ok(())
}

/// Argon2 is deliberately slow: keep it off the async workers.
pub async fn verify_blocking(password_text: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || password::verify_password(&password_text, &stored))
        .await
        .unwrap_or(false)
}

pub async fn hash_blocking(password_text: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || password::hash_password(&password_text))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::from)
}

/// Opens a new server-side session and returns its token (only the hash is stored).
pub async fn open_session(state: &AppState, user: &User) -> AppResult<String> {
    let now = state.now();
    let (idle_minutes, absolute_hours) = if user.is_staff() {
        (
            state.config.staff_idle_minutes,
            state.config.staff_absolute_hours,
        )
    } else {
        (
            state.config.participant_idle_minutes,
            state.config.participant_absolute_hours,
        )
    };
    let token = secrets::random_token();
    let session = AuthSession {
        token_hash: secrets::token_hash(&token),
        user_id: user.id.clone(),
        csrf_token: secrets::random_token(),
        created_at: now,
        last_seen_at: now,
        idle_micros: idle_minutes * 60 * 1_000_000,
        expires_at: now + absolute_hours * 3600 * 1_000_000,
    };
    accounts::create_session(&state.db, &session).await?;
    Ok(token)
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = state.config.secure_cookies;
    let value = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict{}",
        session_cookie_name(secure),
        token,
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    let secure = state.config.secure_cookies;
    let value = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        session_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

// --- TOTP ---------------------------------------------------------------------------------

const TOTP_PLACE_TABLE: &str = "users";
const TOTP_FIELD: &str = "totp_secret";

fn totp_for(secret: Vec<u8>, account: &str) -> AppResult<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        Some("dyad".to_string()),
        account.replace(':', ""),
    )
    .map_err(|e| AppError::Internal(format!("totp: {e}")))
}

/// A new pending TOTP secret for the account: returns the base32 secret and otpauth URI.
pub async fn start_totp_enrolment(state: &AppState, user: &User) -> AppResult<(String, String)> {
    let raw = Secret::generate_secret()
        .to_bytes()
        .map_err(|e| AppError::Internal(format!("totp secret: {e:?}")))?;
    let place = Place {
        table: TOTP_PLACE_TABLE,
        row: &user.id,
        field: TOTP_FIELD,
    };
    let sealed = state.sealer.seal_system(place, &raw)?;
    accounts::set_totp_secret(&state.db, &user.id, &sealed, state.now()).await?;
    let totp = totp_for(raw, &user.email)?;
    Ok((totp.get_secret_base32(), totp.get_url()))
}

fn user_totp(state: &AppState, user: &User) -> AppResult<Option<TOTP>> {
    let Some(sealed) = &user.totp_secret else {
        return Ok(None);
    };
    let place = Place {
        table: TOTP_PLACE_TABLE,
        row: &user.id,
        field: TOTP_FIELD,
    };
    let raw = state.sealer.open_system(place, sealed)?;
    Ok(Some(totp_for(raw, &user.email)?))
}

/// The time step a code matches (one step of clock drift either way), if any.
fn matching_step(totp: &TOTP, code: &str, now_secs: u64) -> Option<i64> {
    let step = now_secs / 30;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| {
            let expected = totp.generate(s * 30);
            secrets::constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
        .and_then(|s| i64::try_from(s).ok())
}

fn now_secs(state: &AppState) -> u64 {
    u64::try_from(state.clock.now().as_second()).unwrap_or(0)
}

/// Confirms enrolment with a first code; returns fresh recovery codes.
pub async fn confirm_totp(
    state: &AppState,
    user: &User,
    code: &str,
) -> AppResult<Option<Vec<String>>> {
    let Some(totp) = user_totp(state, user)? else {
        return Err(AppError::Conflict("Start enrolment first.".into()));
    };
    let Some(step) = matching_step(&totp, code.trim(), now_secs(state)) else {
        return Ok(None);
    };
    accounts::enable_totp(&state.db, &user.id, step, state.now()).await?;
    let codes: Vec<String> = (0..10).map(|_| secrets::readable_password(2)).collect();
    let hashes: Vec<String> = codes.iter().map(|c| secrets::token_hash(c)).collect();
    accounts::replace_recovery_codes(&state.db, &user.id, &hashes).await?;
    Ok(Some(codes))
}

/// A current TOTP code (each used once) or an unused recovery code.
async fn second_factor_ok(state: &AppState, user: &User, code: &str) -> AppResult<bool> {
    if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        let Some(totp) = user_totp(state, user)? else {
            return Ok(false);
        };
        return match matching_step(&totp, code, now_secs(state)) {
            Some(step) => Ok(accounts::claim_totp_step(&state.db, &user.id, step).await?),
            None => Ok(false),
        };
    }
    let hash = secrets::token_hash(&code.to_lowercase());
    Ok(accounts::use_recovery_code(&state.db, &user.id, &hash, state.now()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; dyad_session=tok; b=2"),
        );
        assert_eq!(cookie_value(&h, "dyad_session"), Some("tok"));
        assert_eq!(cookie_value(&h, "c"), None);
    }

    #[test]
    fn totp_steps_match_with_drift() {
        let totp = totp_for(vec![7u8; 20], "a@b").unwrap();
        let now = 1_700_000_000u64;
        let code = totp.generate(now);
        assert_eq!(matching_step(&totp, &code, now), Some((now / 30) as i64));
        let old = totp.generate(now - 30);
        assert!(matching_step(&totp, &old, now).is_some());
        let older = totp.generate(now - 90);
        assert!(matching_step(&totp, &older, now).is_none());
    }
}
