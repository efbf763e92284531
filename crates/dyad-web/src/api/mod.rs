//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from the handlers.

pub mod identity;
pub mod records;
pub mod staff;

use axum::Router;
use axum::routing::{get, patch, post};
use utoipa::OpenApi;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/v1/auth/login", post(identity::login))
        .route("/api/v1/auth/logout", post(identity::logout))
        .route(
            "/api/v1/auth/logout-everywhere",
            post(identity::logout_everywhere),
        )
        .route("/api/v1/me", get(identity::me))
        .route("/api/v1/me/password", post(identity::change_password))
        .route("/api/v1/me/totp/enrol", post(identity::totp_enrol))
        .route("/api/v1/me/totp/confirm", post(identity::totp_confirm))
        .route("/api/v1/setup/{token}", post(identity::complete_setup))
        .route("/api/v1/staff", post(staff::create).get(staff::list))
        .route("/api/v1/staff/{id}", patch(staff::update))
        .route("/api/v1/audit", get(records::audit))
        .route("/api/v1/break-glass", get(records::break_glass_grants))
        .route("/api/v1/me/access-log", get(records::access_log))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "dyad API",
        description = "The care pathway of guided duo sessions. Errors are RFC 9457 problem documents.",
        version = "1"
    ),
    paths(
        identity::login,
        identity::logout,
        identity::logout_everywhere,
        identity::me,
        identity::change_password,
        identity::totp_enrol,
        identity::totp_confirm,
        identity::complete_setup,
        staff::create,
        staff::list,
        staff::update,
        records::audit,
        records::break_glass_grants,
        records::access_log,
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
