//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from the handlers.

pub mod aftercare;
pub mod documented_errors;
pub mod documents;
pub mod duos;
pub mod identity;
pub mod intake;
pub mod journal;
pub mod messages;
pub mod pathway;
pub mod personal_export;
pub mod preparation;
pub mod records;
pub mod research;
pub mod retention;
pub mod screening;
pub mod session;
pub mod signup;
pub mod staff;

use axum::Router;
use axum::routing::{get, patch, post, put};
use utoipa::OpenApi;

use documented_errors::ProblemResponses;

use crate::state::AppState;

/// Every API route, registered once: the router and the list of paths come from the same
/// table, so a test can walk every route (see the wall suite in `crates/dyad/tests`).
pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/api/openapi.json" => get(openapi_json),
        "/api/v1/auth/login" => post(identity::login),
        "/api/v1/auth/logout" => post(identity::logout),
        "/api/v1/auth/logout-everywhere" => post(identity::logout_everywhere),
        "/api/v1/me" => get(identity::me),
        "/api/v1/me/password" => post(identity::change_password),
        "/api/v1/me/totp/enrol" => post(identity::totp_enrol),
        "/api/v1/me/totp/confirm" => post(identity::totp_confirm),
        "/api/v1/setup/{token}" => post(identity::complete_setup),
        "/api/v1/staff" => post(staff::create).get(staff::list),
        "/api/v1/staff/{id}" => patch(staff::update),
        "/api/v1/audit" => get(records::audit),
        "/api/v1/break-glass" => get(records::break_glass_grants),
        "/api/v1/me/access-log" => get(records::access_log),
        "/api/v1/signup" => post(signup::signup),
        "/api/v1/verify/{token}" => post(signup::verify),
        "/api/v1/invitations/{token}/accept" => post(signup::accept),
        "/api/v1/invitations/{token}/decline" => post(signup::decline),
        "/api/v1/me/invitation" => get(signup::my_invitation),
        "/api/v1/me/invitation/resend" => post(signup::resend),
        "/api/v1/me/invitation/cancel" => post(signup::cancel),
        "/api/v1/duos" => get(duos::list),
        "/api/v1/duos/{id}" => get(duos::get),
        "/api/v1/duos/{id}/team" => put(duos::put_team),
        "/api/v1/duos/{id}/withdraw" => post(duos::withdraw),
        "/api/v1/duos/{id}/timeline" => get(duos::timeline),
        "/api/v1/duos/{id}/break-glass" => post(duos::break_glass),
        "/api/v1/duos/{id}/pathway" => get(pathway::get).post(pathway::step),
        "/api/v1/documents" => get(documents::current).post(documents::publish),
        "/api/v1/me/documents" => get(documents::mine),
        "/api/v1/me/documents/accept" => post(documents::accept),
        "/api/v1/me/messages" => get(messages::my_thread).post(messages::my_post),
        "/api/v1/participants/{id}/messages" => get(messages::team_thread).post(messages::team_post),
        "/api/v1/me/intake" => get(intake::get_mine).put(intake::put_mine),
        "/api/v1/me/intake/submit" => post(intake::submit_mine),
        "/api/v1/participants/{id}/intake" => get(intake::get_for_staff),
        "/api/v1/participants/{id}/intake/amendment" => post(intake::amend),
        "/api/v1/intake/form" => get(intake::form_definition),
        "/api/v1/intake/suggest" => get(intake::suggest),
        "/api/v1/duos/{id}/screening" => get(screening::get),
        "/api/v1/duos/{id}/screening/decision" => post(screening::decide),
        "/api/v1/me/screening-outcome" => get(screening::outcome),
        "/api/v1/duos/{id}/meetings" => post(preparation::create_meeting).get(preparation::list_meetings),
        "/api/v1/meetings/{id}/held" => post(preparation::held),
        "/api/v1/duos/{id}/agreement" => get(preparation::get_agreement).put(preparation::put_agreement),
        "/api/v1/duos/{id}/agreement/sign" => post(preparation::sign),
        "/api/v1/me/consents" => get(preparation::my_consents),
        "/api/v1/me/consents/{item}/withdraw" => post(preparation::withdraw_consent),
        "/api/v1/duos/{id}/readiness" => get(preparation::readiness),
        "/api/v1/me/todos" => get(preparation::my_todos),
        "/api/v1/duos/{id}/checklist" => post(preparation::checklist),
        "/api/v1/duos/{id}/washout" => post(preparation::washout),
        "/api/v1/me/agreement-draft" => get(preparation::get_draft).put(preparation::put_draft),
        "/api/v1/me/agreement-draft/share" => post(preparation::share_draft),
        "/api/v1/me/journal" => post(journal::write).get(journal::mine),
        "/api/v1/me/journal/{id}" => patch(journal::change),
        "/api/v1/duos/{id}/journal" => get(journal::shared),
        "/api/v1/rooms" => post(session::create_room).get(session::list_rooms),
        "/api/v1/duos/{id}/sessions" => post(session::book).get(session::list),
        "/api/v1/sessions/{id}" => get(session::console),
        "/api/v1/sessions/{id}/events" => post(session::post_event),
        "/api/v1/sessions/{id}/stream" => get(session::stream),
        "/api/v1/sessions/{id}/close" => post(session::close),
        "/api/v1/sessions/{id}/cancel" => post(pathway::cancel),
        "/api/v1/me/checkins" => get(aftercare::my_checkins),
        "/api/v1/me/checkins/{id}" => post(aftercare::answer),
        "/api/v1/me/outcomes" => get(aftercare::my_outcomes),
        "/api/v1/participants/{id}/outcomes" => get(aftercare::participant_outcomes),
        "/api/v1/alerts" => get(aftercare::list_mine),
        "/api/v1/duos/{id}/alerts" => get(aftercare::list_for_duo),
        "/api/v1/alerts/{id}/acknowledge" => post(aftercare::acknowledge),
        "/api/v1/alerts/{id}/note" => post(aftercare::note),
        "/api/v1/alerts/{id}/resolve" => post(aftercare::resolve),
        "/api/v1/me/export" => get(personal_export::export),
        "/api/v1/studies" => get(research::list_studies).post(research::create_study),
        "/api/v1/studies/{id}" => put(research::update_study),
        "/api/v1/export/research" => get(research::export),
        "/api/v1/participants/{id}/erasure" => post(research::erase),
        "/api/v1/retention" => get(retention::get_settings),
        "/api/v1/retention/{kind}" => put(retention::put_period),
    }
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
        signup::signup,
        signup::verify,
        signup::accept,
        signup::decline,
        signup::my_invitation,
        signup::resend,
        signup::cancel,
        duos::list,
        duos::get,
        duos::put_team,
        duos::withdraw,
        duos::timeline,
        duos::break_glass,
        pathway::get,
        pathway::step,
        documents::current,
        documents::publish,
        documents::mine,
        documents::accept,
        messages::my_thread,
        messages::my_post,
        messages::team_thread,
        messages::team_post,
        intake::get_mine,
        intake::put_mine,
        intake::submit_mine,
        intake::get_for_staff,
        intake::amend,
        intake::form_definition,
        intake::suggest,
        screening::get,
        screening::decide,
        screening::outcome,
        preparation::create_meeting,
        preparation::list_meetings,
        preparation::held,
        preparation::get_agreement,
        preparation::put_agreement,
        preparation::sign,
        preparation::my_consents,
        preparation::withdraw_consent,
        preparation::readiness,
        preparation::my_todos,
        preparation::checklist,
        preparation::washout,
        preparation::get_draft,
        preparation::put_draft,
        preparation::share_draft,
        journal::write,
        journal::mine,
        journal::change,
        journal::shared,
        session::create_room,
        session::list_rooms,
        session::book,
        session::list,
        session::console,
        session::post_event,
        session::stream,
        session::close,
        pathway::cancel,
        aftercare::my_checkins,
        aftercare::answer,
        aftercare::my_outcomes,
        aftercare::participant_outcomes,
        aftercare::list_mine,
        aftercare::list_for_duo,
        aftercare::acknowledge,
        aftercare::note,
        aftercare::resolve,
        personal_export::export,
        research::list_studies,
        research::create_study,
        research::update_study,
        research::export,
        research::erase,
        retention::get_settings,
        retention::put_period,
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&BearerAuth, &ProblemResponses)
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
