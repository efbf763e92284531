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
pub mod mail;
pub mod middleware;
pub mod pages;
pub mod state;

pub use config::{PracticeSettings, WebConfig};
pub use state::AppState;

use axum::Router;

/// The whole application: pages, API, health, metrics and static assets.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(assets::routes())
        .merge(middleware::operational_routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::load_session,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .layer(axum::middleware::from_fn(middleware::observe))
        .with_state(state)
}
