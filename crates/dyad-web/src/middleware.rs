//! Cross-cutting request handling: operation ids and metrics, security headers, CSRF,
//! error pages for people, and the operational endpoints.

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::auth::Authenticated;
use crate::error::{AppError, OPERATION_ID, Problem};
use crate::state::AppState;

/// Gives each request an operation id (in the log, in error pages, in `X-Operation-Id`)
/// and counts it by route template — never by concrete path, which may hold ids.
pub async fn observe(req: Request, next: Next) -> Response {
    let operation_id = uuid::Uuid::new_v4().simple().to_string();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let started = Instant::now();
    let span = tracing::info_span!("request", operation_id = %operation_id, %method, %route);
    let mut response = OPERATION_ID
        .scope(operation_id.clone(), async move {
            let _entered = span.enter();
            drop(_entered);
            next.run(req).await
        })
        .await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    tracing::info!(operation_id = %operation_id, %method, %route, status, elapsed_ms = elapsed * 1000.0, "served");
    metrics::counter!("dyad_http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("dyad_http_request_seconds", "route" => route).record(elapsed);
    if let Ok(v) = HeaderValue::from_str(&operation_id) {
        response.headers_mut().insert("x-operation-id", v);
    }
    response
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// The same protective headers on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/static/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form
    // posts, which the CSRF check refuses. Nothing leaves the site either way.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        // Pages and API answers may hold health data: keep them out of shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// CSRF protection for cookie-authenticated state changes: the request must come from our
/// own origin and, when a session cookie is in play, carry the session's synchronizer token
/// (header `X-CSRF-Token`, or form field `csrf`). Bearer requests are exempt: browsers never
/// attach bearer tokens on their own.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_unsafe(req.method()) {
        return next.run(req).await;
    }
    let auth = req.extensions().get::<Authenticated>().cloned();
    if auth.as_ref().is_some_and(|a| a.via_bearer) {
        return next.run(req).await;
    }
    if !same_origin(req.headers(), state.config.origin()) {
        return csrf_refused();
    }
    // Signing in starts a new session: the same-origin check above is what protects it,
    // and it must work from a browser that still holds an old session.
    let signing_in = matches!(req.uri().path(), "/login" | "/api/v1/auth/login");
    let Some(auth) = auth.filter(|_| !signing_in) else {
        return next.run(req).await;
    };
    let expected = auth.session.csrf_token.clone();
    if let Some(sent) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        if dyad_store::secrets::constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return next.run(req).await;
        }
        return csrf_refused();
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return csrf_refused();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.config.max_body_bytes).await else {
        return AppError::BadRequest("The request is too large.".into()).into_response();
    };
    let sent = form_urlencoded_value(&bytes, "csrf");
    match sent {
        Some(sent)
            if dyad_store::secrets::constant_time_eq(sent.as_bytes(), expected.as_bytes()) =>
        {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => csrf_refused(),
    }
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// True when the browser says the request comes from our own pages. Requests without
/// `Origin` and `Sec-Fetch-Site` (scripts, curl) carry no ambient browser credentials.
pub fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    if let Some(sent) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return sent == origin;
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

fn csrf_refused() -> Response {
    AppError::Forbidden.into_response()
}

/// Pages answer errors with a readable page (or a redirect to sign in); the API keeps its
/// problem documents.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") || path.starts_with("/static/") {
        return next.run(req).await;
    }
    let tr = crate::auth::request_tr(&req);
    let response = next.run(req).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem {
        return response;
    }
    let status = response.status();
    let Ok(bytes) = axum::body::to_bytes(response.into_body(), 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let problem: Option<Problem> = serde_json::from_slice(&bytes).ok();
    let code = problem
        .as_ref()
        .map(|p| p.code.as_str())
        .unwrap_or("internal");
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to(&format!("/login?next={}", urlencode(&path))).into_response();
    }
    if code == "steps_required" {
        return Redirect::to("/account/steps").into_response();
    }
    let operation_id = problem
        .as_ref()
        .map(|p| p.operation_id.clone())
        .unwrap_or_default();
    crate::pages::error_page(&tr, status, code, &operation_id)
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

pub const OPERATIONAL_ROUTES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Health, readiness and metrics.
pub fn operational_routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_on_main))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ready().await {
        Ok(true) => (StatusCode::OK, "ready").into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// `/metrics` on the main listener only with the configured bearer token; without a token
/// it does not exist here (operators bind a separate metrics listener instead).
async fn metrics_on_main(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (Some(token), Some(handle)) = (&state.config.metrics_token, &state.metrics) else {
        return AppError::NotFound.into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match sent {
        Some(sent) if dyad_store::secrets::constant_time_eq(sent.as_bytes(), token.as_bytes()) => {
            render_metrics(handle)
        }
        _ => AppError::NotFound.into_response(),
    }
}

pub fn render_metrics(handle: &metrics_exporter_prometheus::PrometheusHandle) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_checks() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h, "http://a"));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, "http://a"));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://a"));
        assert!(same_origin(&h, "http://a"));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://evil"));
        assert!(!same_origin(&h, "http://a"));
    }

    #[test]
    fn reads_form_field() {
        assert_eq!(
            form_urlencoded_value(b"a=1&csrf=xyz%2B", "csrf").as_deref(),
            Some("xyz+")
        );
        assert_eq!(form_urlencoded_value(b"a=1", "csrf"), None);
    }
}
