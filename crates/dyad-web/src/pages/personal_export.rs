//! The readable version of the personal export (`/me/export`): the same document as
//! `GET /api/v1/me/export`, built by the same service (policy and audit trail), shown as
//! headings, lists and tables, with a link to download the JSON.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use super::info::day;
use super::{Ctx, label, render_status};
use crate::api::personal_export::{PersonalExport, build};
use crate::auth::{Lang, SignedIn};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/me/export" => get(export_page),
    }
}

/// An answer as plain text: lists joined, objects as `key: value` pairs.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", plain(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    match v.as_object() {
        Some(map) => map.iter().map(|(k, v)| (k.clone(), plain(v))).collect(),
        None => Vec::new(),
    }
}

pub struct IntakeBlock {
    pub title: String,
    pub answers: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    ctx: Ctx,
    e: PersonalExport,
    intakes: Vec<IntakeBlock>,
    checkins: Vec<(String, String, String, String)>,
}

pub async fn export_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let e = build(&state, &auth).await?;
    let mut intakes = vec![IntakeBlock {
        title: tr.ta("export-intake-current", &[("status", &e.intake.status)]),
        answers: pairs(&e.intake.answers),
    }];
    for v in &e.intake_versions {
        intakes.push(IntakeBlock {
            title: tr.ta(
                "export-intake-version",
                &[
                    ("version", &v.version.to_string()),
                    ("date", &day(&v.submitted_at)),
                ],
            ),
            answers: pairs(&v.answers),
        });
    }
    let checkins = e
        .checkins
        .iter()
        .map(|c| {
            let when = match c.point.strip_prefix("day_") {
                Some(n) => tr.ta("checkin-point-day", &[("n", n)]),
                None => label(&tr, "checkin-point", &c.point),
            };
            let answers = c.answers.as_ref().map(plain).unwrap_or_default();
            (
                when,
                label(&tr, "checkin-status", &c.status),
                c.answered_at.as_deref().map(day).unwrap_or_default(),
                answers,
            )
        })
        .collect();
    render_status(
        StatusCode::OK,
        &ExportPage {
            ctx: Ctx::new(&state, tr, Some(&auth)),
            e,
            intakes,
            checkins,
        },
    )
}
