//! Static assets compiled into the binary; nothing is loaded from elsewhere.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../static/dyad.css");
const HTMX: &str = include_str!("../static/htmx.min.js");
const INTAKE_JS: &str = include_str!("../static/intake.js");
const CONSOLE_JS: &str = include_str!("../static/console.js");

pub const ROUTES: [&str; 4] = [
    "/static/dyad.css",
    "/static/htmx.min.js",
    "/static/intake.js",
    "/static/console.js",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/dyad.css", get(css))
        .route("/static/htmx.min.js", get(htmx))
        .route("/static/intake.js", get(intake_js))
        .route("/static/console.js", get(console_js))
}

const CACHE: &str = "public, max-age=86400";

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        CSS,
    )
}

async fn htmx() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        HTMX,
    )
}

async fn intake_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        INTAKE_JS,
    )
}

async fn console_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        CONSOLE_JS,
    )
}
