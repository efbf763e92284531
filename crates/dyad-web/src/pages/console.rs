//! Pages of the session day: booking and the live console.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {}
}
