//! Pages of the journal.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {}
}
