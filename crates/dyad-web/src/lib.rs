//! dyad's HTTP layer: server-rendered pages and the JSON API under `/api/v1`.
//!
//! Handlers never decide access themselves: they describe the resource and ask
//! [`access::Gate`], which calls the one policy function of `dyad-core` and writes the
//! audit record.

pub mod access;
pub mod api;
pub mod assets;
pub mod auth;
pub mod config;
pub mod duo;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod middleware;
pub mod pages;
pub mod state;

pub use config::{PracticeSettings, WebConfig};

/// Builds a router and the list of its paths from one table of `"path" => method_router`.
#[macro_export]
macro_rules! route_table {
    ($($path:literal => $handler:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut router = ::axum::Router::new();
        #[allow(unused_mut)]
        let mut paths: Vec<&'static str> = Vec::new();
        $(
            router = router.route($path, $handler);
            paths.push($path);
        )*
        (router, paths)
    }};
}

/// Every route path the application serves (pages, API, assets, operations), for tests
/// that must cover each one.
pub fn route_paths() -> Vec<&'static str> {
    let mut paths = api::routes().1;
    paths.extend(pages::route_paths());
    paths.extend(assets::ROUTES);
    paths.extend(middleware::OPERATIONAL_ROUTES);
    paths
}
pub use state::AppState;

use axum::Router;

/// The whole application: pages, API, health, metrics and static assets.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .merge(pages::routes())
        .merge(api::routes().0)
        .merge(assets::routes())
        .merge(middleware::operational_routes())
        .fallback(|| async { error::AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::load_session,
        ))
        // Outside the CSRF guard, so its refusals also reach people as a page.
        .layer(axum::middleware::from_fn(middleware::html_errors))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .layer(axum::middleware::from_fn(error::explain_too_large))
        .layer(axum::middleware::from_fn(middleware::observe))
        .with_state(state)
}
