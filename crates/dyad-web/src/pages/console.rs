//! Pages of the session day: booking and the live console. Every read and write goes
//! through the session services (`crate::api::session`), which call the policy and write
//! the audit trail. Every control is a plain form post; `static/console.js` only refreshes
//! the live part when the stream says something changed, and refuses entries while the
//! stream is down.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dyad_core::policy::{Action, Resource, ResourceKind};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Ctx, FormErrors, field, fields, form_pairs, render_status};
use crate::access;
use crate::api::session::{
    ConsoleView, NewSession, SessionContext, apply_booking, apply_close, apply_event, console_of,
    load_for_team, protocol,
};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

use super::label;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/duos/{id}/sessions/new" => get(booking_page).post(booking_submit),
        "/sessions/{id}" => get(console_page),
        "/sessions/{id}/live" => get(live_fragment),
        "/sessions/{id}/events" => post(event_submit),
        "/sessions/{id}/close" => post(close_submit),
        "/sessions/{id}/cancel" => post(cancel_submit),
    }
}

// ---------------------------------------------------------------- shared bits

/// `2027-01-15T09:00:00Z` → `2027-01-15 09:00 UTC`.
fn when(tr: &Tr, rfc3339: &str) -> String {
    let short: String = rfc3339
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ");
    tr.ta("console-time-utc", &[("time", &short)])
}

/// Session pages are for staff; a participant asking gets what a missing page gets.
fn staff_only(auth: &Authenticated) -> AppResult<()> {
    if auth.user.is_staff() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A `datetime-local` value (`2027-01-15T09:00`), read as UTC, as RFC 3339.
fn utc_from_local(value: &str) -> String {
    let v = value.trim();
    match v.len() {
        16 => format!("{v}:00Z"),
        19 => format!("{v}Z"),
        _ => v.to_string(),
    }
}

fn name_in(ctx: &DuoContext, pid: &str) -> String {
    ctx.participant(pid)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| pid.to_string())
}

// ---------------------------------------------------------------- booking

#[derive(Default)]
pub struct BookingForm {
    pub room: String,
    pub starts_at: String,
    pub team: Vec<String>,
    pub overnight: bool,
    pub escort: String,
    pub support_contact: String,
    pub allow_recovery_conflict: bool,
}

pub struct StaffChoice {
    pub id: String,
    pub name: String,
    pub role: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "console_booking.html")]
struct BookingPage {
    ctx: Ctx,
    duo_id: String,
    code: String,
    rooms: Vec<(String, String)>,
    staff: Vec<StaffChoice>,
    form: BookingForm,
    f: FormErrors,
    /// The reasons a booking was refused (409), each in words.
    refused: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
async fn booking_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    form: BookingForm,
    f: FormErrors,
    refused: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    staff_only(auth)?;
    let ctx = duo::load(state, id).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::duo(ResourceKind::Meetings, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let rooms = crate::api::session::list_rooms(State(state.clone()), SignedIn(auth.clone()))
        .await?
        .0
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let staff = ctx
        .team
        .iter()
        .filter(|(uid, _, _)| seen.insert(uid.clone()))
        .map(|(uid, role, name)| StaffChoice {
            checked: form.team.contains(uid),
            id: uid.clone(),
            name: name.clone(),
            role: label(&tr, "role", role),
        })
        .collect();
    render_status(
        status,
        &BookingPage {
            duo_id: ctx.duo.id.clone(),
            code: ctx.duo.code.clone(),
            rooms,
            staff,
            form,
            f,
            refused,
            ctx: Ctx::new(state, tr, Some(auth)),
        },
    )
}

pub async fn booking_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let form = BookingForm {
        team: vec![auth.user.id.clone()],
        ..Default::default()
    };
    booking_for(
        &state,
        tr,
        &auth,
        &id,
        form,
        FormErrors::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// A refusal's detail, one reason a line: the gates (or clashes) are joined with ` | `
/// or `; ` after an introduction.
fn reasons(detail: &str) -> Vec<String> {
    let (intro, rest) = match detail.split_once(". ") {
        Some((intro, rest)) if rest.contains(" | ") || rest.contains(':') => {
            (Some(intro.to_string()), rest.to_string())
        }
        _ => (None, detail.to_string()),
    };
    let mut out: Vec<String> = intro.into_iter().map(|i| format!("{i}.")).collect();
    if rest.contains(" | ") {
        out.extend(rest.split(" | ").map(|r| r.trim().to_string()));
    } else if let Some((head, list)) = rest.split_once(": ")
        && list.contains("; ")
    {
        out.push(format!("{head}:"));
        out.extend(list.split("; ").map(|r| r.trim().to_string()));
    } else {
        out.push(rest);
    }
    out
}

pub async fn booking_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let form = BookingForm {
        room: field(&pairs, "room").to_string(),
        starts_at: field(&pairs, "starts_at").to_string(),
        team: fields(&pairs, "team"),
        overnight: !field(&pairs, "overnight").is_empty(),
        escort: field(&pairs, "escort").to_string(),
        support_contact: field(&pairs, "support_contact").to_string(),
        allow_recovery_conflict: !field(&pairs, "allow_recovery_conflict").is_empty(),
    };
    let request = NewSession {
        starts_at: utc_from_local(&form.starts_at),
        room: form.room.clone(),
        team: form.team.clone(),
        overnight: form.overnight,
        escort: Some(form.escort.clone()),
        support_contact: Some(form.support_contact.clone()),
        participant_id: None,
        allow_recovery_conflict: form.allow_recovery_conflict,
    };
    match apply_booking(&state, &auth, &id, &request).await {
        Ok(s) => Ok(Redirect::to(&format!("/sessions/{}?saved=booked", s.id)).into_response()),
        Err(AppError::Conflict(detail)) => {
            // The gates name participants by id; the page names them.
            let ctx = duo::load(&state, &id).await?;
            let refused = reasons(&detail)
                .into_iter()
                .map(|r| {
                    ctx.participants
                        .iter()
                        .fold(r, |r, p| r.replace(&p.id, &p.name))
                })
                .collect();
            booking_for(
                &state,
                tr,
                &auth,
                &id,
                form,
                FormErrors::default(),
                refused,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(AppError::Validation(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "starts_at" => FieldError::new("starts_at", tr.t("console-error-starts-at")),
                    f if f.starts_with("team") => FieldError::new("team", e.message),
                    _ => e,
                })
                .collect();
            booking_for(
                &state,
                tr,
                &auth,
                &id,
                form,
                FormErrors::new(errors),
                Vec::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------- the console

pub struct AlertRow {
    pub id: String,
    pub detail: String,
    pub raised_at: String,
    pub emergency: bool,
    pub acknowledged: bool,
}

pub struct Person {
    pub id: String,
    pub name: String,
    pub consents: Vec<(String, String)>,
    pub vitals: Vec<(String, String)>,
    pub vitals_at: String,
    pub due: bool,
    pub discharged: bool,
    pub alerts: Vec<AlertRow>,
    pub acked: usize,
}

pub struct Entry {
    pub id: String,
    pub seq: i64,
    pub who: String,
    pub at: String,
    pub kind: String,
    pub about: String,
    pub summary: String,
    pub correction_of: Option<i64>,
    pub corrected: bool,
    /// The form a correction of this entry is made in (the original entry's kind), or
    /// empty when the page offers no correction (mode switches, acknowledgements,
    /// discharges).
    pub form_kind: String,
}

/// What the live part shows: both columns and the timeline.
pub struct Live {
    pub session_id: String,
    pub status: String,
    pub mode: String,
    pub mode_pid: String,
    pub mode_text: String,
    pub people: Vec<Person>,
    pub timeline: Vec<Entry>,
    /// The newest entry in words, for the screen reader announcement.
    pub latest: String,
    pub last_seq: i64,
}

impl Live {
    /// Closed after the day, or cancelled before it: nothing more is recorded.
    pub fn closed(&self) -> bool {
        self.status == "closed" || self.status == "cancelled"
    }
}

fn consent_label(tr: &Tr, item: &str, partner: &str) -> String {
    let parts: Vec<&str> = item.split('.').collect();
    match parts.as_slice() {
        ["touch", kind, from] => tr.ta(
            &format!("console-consent-touch-{}", from.replace('_', "-")),
            &[
                ("touch", &label(tr, "prep-touch-kind", kind)),
                ("partner", partner),
            ],
        ),
        [other] => label(tr, "console-consent", other),
        _ => item.to_string(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "✓".into(),
        Value::Bool(false) => "✗".into(),
        Value::Null => String::new(),
        // 200.0 reads (and fills a form) as 200.
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn summary(tr: &Tr, data: &Value) -> String {
    let Some(obj) = data.as_object() else {
        return String::new();
    };
    if data["erased"] == Value::Bool(true) {
        return tr.t("console-entry-erased");
    }
    obj.iter()
        .filter(|(k, _)| k.as_str() != "alert_id")
        .map(|(k, v)| match v {
            Value::Object(inner) => format!(
                "{}: {}",
                label(tr, "console-field", k),
                inner
                    .iter()
                    .map(|(i, b)| format!("{} {}", label(tr, "console-check", i), value_text(b)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::String(s) if k == "mode" || k == "dose" || k == "severity" => format!(
                "{}: {}",
                label(tr, "console-field", k),
                label(tr, &format!("console-{k}"), s)
            ),
            _ => format!("{}: {}", label(tr, "console-field", k), value_text(v)),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn live_of(tr: &Tr, sc: &SessionContext, v: &ConsoleView) -> Live {
    let ctx = &sc.ctx;
    let seq_of = |id: &str| v.timeline.iter().find(|e| e.id == id).map(|e| e.seq);
    let people = v
        .participants
        .iter()
        .map(|pid| {
            let partner = ctx
                .partner_of(pid)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let vit = v.vitals.get(pid).cloned().unwrap_or(Value::Null);
            let vitals = ["systolic", "diastolic", "pulse", "temperature_c", "suds"]
                .into_iter()
                .filter_map(|m| {
                    vit.get(m)
                        .filter(|x| !x.is_null())
                        .map(|x| (label(tr, "console-field", m), value_text(x)))
                })
                .collect();
            Person {
                id: pid.clone(),
                name: name_in(ctx, pid),
                consents: v
                    .consents
                    .get(pid)
                    .map(|list| {
                        list.iter()
                            .map(|c| {
                                (
                                    consent_label(tr, &c.item, &partner),
                                    label(tr, "console-consent-state", &c.state),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                vitals,
                vitals_at: vit
                    .get("at")
                    .and_then(Value::as_str)
                    .map(|a| when(tr, a))
                    .unwrap_or_default(),
                due: v.measurement_due.get(pid).copied().unwrap_or(false),
                discharged: v.discharged.contains(pid),
                acked: v
                    .alerts
                    .iter()
                    .filter(|a| &a.participant_id == pid && a.acknowledged)
                    .count(),
                alerts: v
                    .alerts
                    .iter()
                    .filter(|a| &a.participant_id == pid)
                    .map(|a| AlertRow {
                        id: a.id.clone(),
                        detail: a.detail.clone(),
                        raised_at: when(tr, &a.raised_at),
                        emergency: a.kind == "vital_signs_emergency",
                        acknowledged: a.acknowledged,
                    })
                    .collect(),
            }
        })
        .collect();
    let timeline: Vec<Entry> = v
        .timeline
        .iter()
        .rev()
        .map(|e| Entry {
            id: e.id.clone(),
            seq: e.seq,
            who: e.author_name.clone(),
            at: when(tr, &e.at),
            kind: label(tr, "console-kind", &e.kind),
            about: e
                .participant_id
                .as_deref()
                .map(|p| name_in(ctx, p))
                .unwrap_or_default(),
            summary: summary(tr, &e.data),
            correction_of: e.corrects.as_deref().and_then(seq_of),
            corrected: e.corrected_by.is_some(),
            form_kind: correctable_kind(v, e),
        })
        .collect();
    let latest = timeline
        .first()
        .map(|e| {
            tr.ta(
                "console-announce-entry",
                &[("kind", &e.kind), ("who", &e.who)],
            )
        })
        .unwrap_or_default();
    let (mode, mode_pid, mode_text) = match &v.mode {
        None => (String::new(), String::new(), tr.t("console-mode-none")),
        Some(m) => {
            let pid = m.participant_id.clone().unwrap_or_default();
            let text = if m.mode == "one_on_one" {
                tr.ta(
                    "console-mode-one-on-one-with",
                    &[("name", &name_in(ctx, &pid))],
                )
            } else {
                label(tr, "console-mode", &m.mode)
            };
            (
                m.mode.clone(),
                pid,
                tr.ta(
                    "console-mode-since",
                    &[("mode", &text), ("since", &when(tr, &m.since))],
                ),
            )
        }
    };
    Live {
        session_id: sc.session.id.clone(),
        status: v.session.status.clone(),
        mode,
        mode_pid,
        mode_text,
        people,
        timeline,
        latest,
        last_seq: v.last_seq,
    }
}

/// Entries whose form the console shows again, filled in, to correct them.
const CORRECTABLE: [&str; 4] = ["vitals", "dose", "adverse_event", "note"];

/// The kind of the original entry behind `e` (a correction corrects the original), when
/// the console can correct it.
fn correctable_kind(v: &ConsoleView, e: &crate::api::session::TimelineEntry) -> String {
    let root = match &e.corrects {
        Some(id) => v.timeline.iter().find(|o| &o.id == id).unwrap_or(e),
        None => e,
    };
    if CORRECTABLE.contains(&root.kind.as_str()) {
        root.kind.clone()
    } else {
        String::new()
    }
}

/// The entry being corrected: its form is shown filled in with the recorded values and
/// posts a `correction` pointing at it.
#[derive(Default)]
pub struct Correcting {
    pub id: String,
    pub seq: i64,
    pub kind: String,
    pub pid: String,
    /// "You are correcting entry #n…", in the reader's language.
    pub notice: String,
}

impl Correcting {
    pub fn is(&self, kind: &str, pid: &str) -> bool {
        !self.id.is_empty() && self.kind == kind && self.pid == pid
    }

    /// The entry `id` of the console, with its recorded values as if they had been posted.
    fn of(v: &ConsoleView, id: &str) -> Option<(Correcting, Posted)> {
        let e = v.timeline.iter().find(|e| e.id == id)?;
        let kind = correctable_kind(v, e);
        if kind.is_empty() {
            return None;
        }
        // A note's "about" is a choice in the one note form, not a column.
        let pid = if kind == "note" {
            String::new()
        } else {
            e.participant_id.clone().unwrap_or_default()
        };
        let mut pairs: Vec<(String, String)> = e
            .data
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(_, v)| !v.is_object())
                    .map(|(k, v)| (k.clone(), value_text(v)))
                    .collect()
            })
            .unwrap_or_default();
        if kind == "note" {
            pairs.push((
                "participant_id".into(),
                e.participant_id.clone().unwrap_or_default(),
            ));
        }
        Some((
            Correcting {
                id: e.id.clone(),
                seq: e.seq,
                kind: kind.clone(),
                pid: pid.clone(),
                notice: String::new(),
            },
            Posted { kind, pid, pairs },
        ))
    }
}

/// What a failed entry form posted, to show it again next to its errors.
#[derive(Default)]
pub struct Posted {
    pub kind: String,
    pub pid: String,
    pub pairs: Vec<(String, String)>,
}

impl Posted {
    pub fn get(&self, kind: &str, pid: &str, key: &str) -> String {
        if self.kind == kind && self.pid == pid {
            field(&self.pairs, key).to_string()
        } else {
            String::new()
        }
    }

    pub fn is(&self, kind: &str, pid: &str, key: &str, value: &str) -> bool {
        self.kind == kind && self.pid == pid && field(&self.pairs, key) == value
    }
}

#[derive(Template)]
#[template(path = "console_page.html")]
struct ConsolePage {
    ctx: Ctx,
    live: Live,
    code: String,
    duo_id: String,
    room: String,
    starts: String,
    escort: String,
    support_contact: String,
    overnight: bool,
    checklist: Vec<(String, String)>,
    f: FormErrors,
    posted: Posted,
    correcting: Correcting,
    saved: Option<String>,
    /// The day may still be called off: booked, nothing recorded yet.
    can_cancel: bool,
    cancel_reason: String,
}

#[derive(Template)]
#[template(path = "console_live.html")]
struct LivePart {
    ctx: Ctx,
    live: Live,
}

#[derive(Deserialize, Default)]
pub struct ConsoleQuery {
    saved: Option<String>,
    /// An entry to correct: its form is shown filled in.
    correct: Option<String>,
}

/// What the console shows besides the live state: a failed form with its errors, or the
/// entry being corrected.
#[derive(Default)]
struct Shown {
    f: FormErrors,
    posted: Posted,
    /// Set for a correction that failed validation (the entry id), or from `?correct=`.
    correct: Option<String>,
    saved: Option<String>,
    /// The reason a refused cancellation posted.
    cancel_reason: String,
}

async fn console_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    shown: Shown,
    status: StatusCode,
) -> AppResult<Response> {
    staff_only(auth)?;
    let sc = load_for_team(state, auth, id, Action::Read).await?;
    let view = console_of(state, &sc).await?;
    let Shown {
        f,
        mut posted,
        correct,
        saved,
        cancel_reason,
    } = shown;
    let mut correcting = Correcting::default();
    if let Some((found, recorded)) = correct.as_deref().and_then(|c| Correcting::of(&view, c)) {
        // After a failed correction the posted values stay; from a link, the recorded ones.
        if posted.kind.is_empty() {
            posted = recorded;
        }
        correcting = Correcting {
            notice: tr.ta("console-correcting", &[("seq", &found.seq.to_string())]),
            ..found
        };
    }
    let live = live_of(&tr, &sc, &view);
    let checklist = protocol()?
        .discharge
        .checklist
        .iter()
        .map(|i| (i.clone(), label(&tr, "console-check", i)))
        .collect();
    let page = ConsolePage {
        code: sc.ctx.duo.code.clone(),
        duo_id: sc.ctx.duo.id.clone(),
        room: view.session.room.name.clone(),
        starts: when(&tr, &view.session.starts_at),
        escort: view.escort.clone().unwrap_or_default(),
        support_contact: view.support_contact.clone().unwrap_or_default(),
        overnight: view.session.overnight,
        checklist,
        f,
        posted,
        correcting,
        saved,
        can_cancel: view.session.status == "booked"
            && view.timeline.is_empty()
            && dyad_core::policy::can(
                &auth.actor(),
                Action::Write,
                &match &sc.session.participant_id {
                    Some(pid) => Resource::owned(ResourceKind::Meetings, &sc.ctx.scope, pid),
                    None => Resource::duo(ResourceKind::Meetings, &sc.ctx.scope),
                },
            )
            .is_allowed(),
        cancel_reason,
        live,
        ctx: Ctx::new(state, tr, Some(auth)).wide(),
    };
    render_status(status, &page)
}

pub async fn console_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ConsoleQuery>,
) -> AppResult<Response> {
    let saved = match q.saved.as_deref() {
        Some(what @ ("booked" | "entry" | "closed" | "cancelled")) => {
            Some(tr.t(&format!("console-saved-{what}")))
        }
        _ => None,
    };
    let shown = Shown {
        correct: q.correct,
        saved,
        ..Shown::default()
    };
    console_for(&state, tr, &auth, &id, shown, StatusCode::OK).await
}

/// The live part alone (both columns and the timeline), for `console.js` to swap in.
pub async fn live_fragment(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let sc = load_for_team(&state, &auth, &id, Action::Read).await?;
    let view = console_of(&state, &sc).await?;
    let part = LivePart {
        live: live_of(&tr, &sc, &view),
        ctx: Ctx::new(&state, tr, Some(&auth)),
    };
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Html(part.render()?),
    )
        .into_response())
}

const NUMBERS: [&str; 6] = [
    "systolic",
    "diastolic",
    "pulse",
    "temperature_c",
    "suds",
    "amount_mg",
];

/// The JSON body `apply_event` takes, from a console form.
fn event_body(pairs: &[(String, String)]) -> Value {
    let mut body = Map::new();
    let mut checklist = Map::new();
    for (k, v) in pairs {
        let v = v.trim();
        // `of_kind` only tells the page which form a correction came from.
        if k == "csrf" || k == "of_kind" || v.is_empty() {
            continue;
        }
        if k == "check" {
            checklist.insert(v.to_string(), json!(true));
        } else if NUMBERS.contains(&k.as_str()) {
            // A value that is not a number is sent as text, which is refused in words.
            match v.replace(',', ".").parse::<f64>() {
                Ok(n) => body.insert(k.clone(), json!(n)),
                Err(_) => body.insert(k.clone(), json!(v)),
            };
        } else {
            body.insert(k.clone(), json!(v));
        }
    }
    if field(pairs, "kind") == "discharge" {
        body.insert("checklist".into(), Value::Object(checklist));
    }
    Value::Object(body)
}

pub async fn event_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let request = event_body(&pairs);
    match apply_event(&state, &auth, &id, &request).await {
        Ok(_) => Ok(Redirect::to(&format!("/sessions/{id}?saved=entry")).into_response()),
        Err(e) => {
            let (status, errors) = match e {
                AppError::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
                AppError::Conflict(detail) => {
                    (StatusCode::CONFLICT, vec![FieldError::new("main", detail)])
                }
                other => return Err(other),
            };
            // A correction is shown again in the form of the entry it corrects.
            let correct = (field(&pairs, "kind") == "correction")
                .then(|| field(&pairs, "corrects").to_string());
            let kind = match correct {
                Some(_) => field(&pairs, "of_kind").to_string(),
                None => field(&pairs, "kind").to_string(),
            };
            // A note's "about" is a choice, not the column its form sits in.
            let pid = if kind == "note" {
                String::new()
            } else {
                field(&pairs, "participant_id").to_string()
            };
            // Each error points at its field in the form that was posted.
            let errors = errors
                .into_iter()
                .map(|e| {
                    let anchor = if e.field == "main" {
                        "console-forms".to_string()
                    } else {
                        format!("{kind}-{pid}-{}", e.field)
                    };
                    FieldError::new(&anchor, e.message)
                })
                .collect();
            let shown = Shown {
                f: FormErrors(errors),
                posted: Posted { kind, pid, pairs },
                correct,
                saved: None,
                cancel_reason: String::new(),
            };
            console_for(&state, tr, &auth, &id, shown, status).await
        }
    }
}

/// Closing the session day: refused in words until each person's discharge is recorded;
/// once closed, the protocol's follow-up contacts are scheduled.
pub async fn close_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    staff_only(&auth)?;
    match apply_close(&state, &auth, &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/sessions/{id}?saved=closed")).into_response()),
        Err(AppError::Conflict(detail)) => {
            // Name the people still waiting for their discharge, in the reader's language.
            let sc = load_for_team(&state, &auth, &id, Action::Read).await?;
            let view = console_of(&state, &sc).await?;
            let waiting: Vec<String> = view
                .participants
                .iter()
                .filter(|p| !view.discharged.contains(*p))
                .map(|p| name_in(&sc.ctx, p))
                .collect();
            let message = if waiting.is_empty() {
                detail
            } else {
                tr.ta(
                    "console-close-needs-discharge",
                    &[("names", &waiting.join(", "))],
                )
            };
            let shown = Shown {
                f: FormErrors(vec![FieldError::new("close", message)]),
                ..Shown::default()
            };
            console_for(&state, tr, &auth, &id, shown, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other),
    }
}

/// Calling off a booked day before its first entry: refused in words once it has begun;
/// afterwards the console shows it cancelled.
pub async fn cancel_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let reason = field(&pairs, "reason").to_string();
    let (status, errors) =
        match crate::api::pathway::apply_cancel(&state, &auth, &id, &reason).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/sessions/{id}?saved=cancelled")).into_response());
            }
            Err(AppError::Validation(errors)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                errors
                    .into_iter()
                    .map(|e| FieldError::new("cancel-reason", e.message))
                    .collect(),
            ),
            Err(AppError::Conflict(detail)) => (
                StatusCode::CONFLICT,
                vec![FieldError::new("cancel", detail)],
            ),
            Err(other) => return Err(other),
        };
    let shown = Shown {
        f: FormErrors(errors),
        cancel_reason: reason,
        ..Shown::default()
    };
    console_for(&state, tr, &auth, &id, shown, status).await
}
