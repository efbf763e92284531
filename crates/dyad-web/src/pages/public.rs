//! Pages anyone may read.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Ctx, render};
use crate::auth::{Authenticated, LANG_COOKIE, Lang};
use crate::error::AppResult;
use crate::i18n::LANGUAGES;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    crisis: Vec<String>,
}

pub async fn home(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: Option<axum::Extension<Authenticated>>,
) -> AppResult<Response> {
    render(&HomePage {
        ctx: Ctx::new(&state, tr, auth.as_ref().map(|a| &a.0)),
        crisis: state.config.practice.crisis_contacts.clone(),
    })
}

/// Remembers the chosen language in a cookie (and on the account) and goes back.
pub async fn set_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    auth: Option<axum::Extension<Authenticated>>,
) -> AppResult<Response> {
    let code = LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, _)| *c)
        .unwrap_or("en");
    if let Some(auth) = auth {
        dyad_store::accounts::set_lang(&state.db, &auth.0.user.id, code).await?;
    }
    // Only a same-site path is followed back, never an outside address.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix(state.config.origin()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or("/")
        .to_string();
    let cookie = format!("{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000");
    let mut response = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}
