//! Pages of aftercare: a participant's check-ins (what is ready now, what comes next, what
//! is past) with a plain form per check-in and, after an answer that signals risk, a calm
//! page with the practice's crisis contacts; outcomes over time as SVG charts with a table of
//! the same numbers; the team's alerts inbox (all their duos, or one duo) with acknowledge,
//! note and resolve forms, and both participants' outcomes side by side. Every read and
//! change goes through the services in `crate::api::aftercare` (policy and audit trail).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dyad_core::aftercare::{Answer, QuestionKind};
use dyad_core::chart::{ChartPoint, LineChart};
use serde::Deserialize;
use std::collections::BTreeMap;

use super::info::day;
use super::{Ctx, FormErrors, field, form_pairs, label, page_errors, render_status};
use crate::api::aftercare::{
    AlertAction, AlertView, CheckInAnswers, CheckInView, OutcomeSeries, Outcomes,
    apply_alert_action, apply_answer, duo_alerts, inbox, knowledge, outcomes_of, own_checkin,
    own_checkins,
};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/checkins" => get(checkins_page),
        "/checkins/{id}" => get(checkin_page).post(checkin_submit),
        "/outcomes" => get(my_outcomes_page),
        "/alerts" => get(inbox_page),
        "/duos/{id}/alerts" => get(duo_alerts_page),
        "/alerts/{id}/acknowledge" => post(acknowledge_submit),
        "/alerts/{id}/note" => post(note_submit),
        "/alerts/{id}/resolve" => post(resolve_submit),
        "/duos/{id}/outcomes" => get(duo_outcomes_page),
    }
}

fn point_label(tr: &Tr, point: &str) -> String {
    match point.strip_prefix("day_") {
        Some(n) => tr.ta("checkin-point-day", &[("n", n)]),
        None => label(tr, "checkin-point", point),
    }
}

// ---------------------------------------------------------------- the check-in list

pub struct CheckInRow {
    pub id: String,
    pub label: String,
    pub status: String,
    pub status_label: String,
    pub due: String,
    pub closes: String,
    pub answered: String,
    pub open_until: String,
    pub risk: bool,
}

fn row(tr: &Tr, c: &CheckInView) -> CheckInRow {
    CheckInRow {
        id: c.id.clone(),
        label: point_label(tr, &c.point),
        status: c.status.clone(),
        status_label: label(tr, "checkin-status", &c.status),
        due: day(&c.due_at),
        closes: day(&c.closes_at),
        answered: c.answered_at.as_deref().map(day).unwrap_or_default(),
        open_until: tr.ta("checkins-open-until", &[("date", &day(&c.closes_at))]),
        risk: c.risk,
    }
}

#[derive(Template)]
#[template(path = "checkins.html")]
struct CheckInsPage {
    ctx: Ctx,
    crisis: Vec<String>,
    due: Vec<CheckInRow>,
    upcoming: Vec<CheckInRow>,
    past: Vec<CheckInRow>,
}

pub async fn checkins_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let list = own_checkins(&state, &auth).await?;
    let rows: Vec<CheckInRow> = list.iter().map(|c| row(&tr, c)).collect();
    let pick = |statuses: &[&str]| -> Vec<CheckInRow> {
        rows.iter()
            .filter(|r| statuses.contains(&r.status.as_str()))
            .map(|r| CheckInRow {
                id: r.id.clone(),
                label: r.label.clone(),
                status: r.status.clone(),
                status_label: r.status_label.clone(),
                due: r.due.clone(),
                closes: r.closes.clone(),
                answered: r.answered.clone(),
                open_until: r.open_until.clone(),
                risk: r.risk,
            })
            .collect()
    };
    let due = pick(&["due"]);
    let upcoming = pick(&["upcoming"]);
    let mut past = pick(&["answered", "missed"]);
    past.reverse();
    render_status(
        StatusCode::OK,
        &CheckInsPage {
            crisis: state.config.practice.crisis_contacts.clone(),
            ctx: Ctx::new(&state, tr, Some(&auth)),
            due,
            upcoming,
            past,
        },
    )
}

// ---------------------------------------------------------------- one check-in

pub struct ChoiceOpt {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One question of the form: a wellbeing question or an instrument item, as a radio group.
pub struct QuestionField {
    /// The input name and the fieldset's id (the anchor of its error).
    pub name: String,
    pub legend: String,
    pub hint: String,
    pub options: Vec<ChoiceOpt>,
    /// Options in a row (a 0–10 scale) rather than one per line.
    pub inline: bool,
}

pub struct InstrumentBlock {
    pub id: String,
    pub title: String,
    pub instructions: String,
    pub items: Vec<QuestionField>,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckInPage {
    ctx: Ctx,
    crisis: Vec<String>,
    id: String,
    title: String,
    status: String,
    open_until: String,
    answered_on: String,
    risk: bool,
    wellbeing: Vec<QuestionField>,
    instruments: Vec<InstrumentBlock>,
    scores: Vec<(String, String)>,
    f: FormErrors,
    saved: bool,
}

fn wellbeing_fields(tr: &Tr, typed: &BTreeMap<String, String>) -> AppResult<Vec<QuestionField>> {
    let k = knowledge()?;
    Ok(k.questions
        .iter()
        .map(|q| {
            let name = format!("w-{}", q.key);
            let chosen = typed.get(&name).map(String::as_str).unwrap_or("");
            let (options, inline) = match &q.kind {
                QuestionKind::Scale { min, max } => (
                    (*min..=*max)
                        .map(|v| ChoiceOpt {
                            value: v.to_string(),
                            label: v.to_string(),
                            checked: chosen == v.to_string(),
                        })
                        .collect(),
                    true,
                ),
                QuestionKind::Choice { options } => (
                    options
                        .iter()
                        .map(|o| ChoiceOpt {
                            value: o.clone(),
                            label: tr.t(&format!("checkin-q-{}-{o}", q.key)),
                            checked: chosen == o,
                        })
                        .collect(),
                    false,
                ),
            };
            QuestionField {
                legend: tr.t(&format!("checkin-q-{}", q.key)),
                hint: tr.t(&format!("checkin-q-{}-hint", q.key)),
                name,
                options,
                inline,
            }
        })
        .collect())
}

fn instrument_blocks(
    instruments: &[String],
    typed: &BTreeMap<String, String>,
) -> AppResult<Vec<InstrumentBlock>> {
    let form = crate::api::intake::form()?;
    Ok(instruments
        .iter()
        .filter_map(|id| form.instruments().get(id))
        .map(|def| InstrumentBlock {
            id: def.id.clone(),
            title: def.short_name.clone(),
            instructions: def.instructions.clone(),
            items: def
                .items
                .iter()
                .map(|item| {
                    let name = format!("i-{}-{}", def.id, item.number);
                    let chosen = typed.get(&name).map(String::as_str).unwrap_or("");
                    QuestionField {
                        legend: format!("{}. {}", item.number, item.text),
                        hint: String::new(),
                        options: item
                            .options
                            .iter()
                            .map(|o| ChoiceOpt {
                                value: o.value.to_string(),
                                label: o.label.clone(),
                                checked: chosen == o.value.to_string(),
                            })
                            .collect(),
                        inline: false,
                        name,
                    }
                })
                .collect(),
        })
        .collect())
}

async fn checkin_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    typed: BTreeMap<String, String>,
    f: FormErrors,
    saved: bool,
) -> AppResult<Response> {
    let c = own_checkin(state, auth, id).await?;
    let wellbeing = wellbeing_fields(&tr, &typed)?;
    let instruments = instrument_blocks(&c.instruments, &typed)?;
    let form = crate::api::intake::form()?;
    let scores = c
        .scores
        .iter()
        .map(|(k, s)| {
            let name = form
                .instruments()
                .get(k)
                .map(|d| d.short_name.clone())
                .unwrap_or_else(|| k.clone());
            let band = s
                .band
                .clone()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default();
            (name, format!("{} / {}{band}", s.total, s.max_total))
        })
        .collect();
    let status = if f.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &CheckInPage {
            crisis: state.config.practice.crisis_contacts.clone(),
            title: point_label(&tr, &c.point),
            status: c.status.clone(),
            open_until: tr.ta("checkins-open-until", &[("date", &day(&c.closes_at))]),
            answered_on: tr.ta(
                "checkin-answered-on",
                &[(
                    "date",
                    &c.answered_at.as_deref().map(day).unwrap_or_default(),
                )],
            ),
            risk: c.risk,
            ctx: Ctx::new(state, tr, Some(auth)),
            id: c.id,
            wellbeing,
            instruments,
            scores,
            f,
            saved,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn checkin_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let saved = q.saved.is_some();
    checkin_for(
        &state,
        tr,
        &auth,
        &id,
        BTreeMap::new(),
        FormErrors::default(),
        saved,
    )
    .await
}

pub async fn checkin_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let typed: BTreeMap<String, String> = pairs
        .iter()
        .filter(|(k, _)| k.starts_with("w-") || k.starts_with("i-"))
        .cloned()
        .collect();
    // Which instruments this check-in asks (also judges access: not one's own is not found).
    let c = own_checkin(&state, &auth, &id).await?;
    let k = knowledge()?;
    let mut answers = CheckInAnswers::default();
    for q in &k.questions {
        let value = field(&pairs, &format!("w-{}", q.key)).trim();
        if value.is_empty() {
            continue;
        }
        let answer = match &q.kind {
            QuestionKind::Scale { .. } => match value.parse::<i64>() {
                Ok(n) => Answer::Number(n),
                Err(_) => Answer::Text(value.to_string()),
            },
            QuestionKind::Choice { .. } => Answer::Text(value.to_string()),
        };
        answers.wellbeing.insert(q.key.clone(), answer);
    }
    let form = crate::api::intake::form()?;
    let mut missing_items: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for instrument in &c.instruments {
        let Some(def) = form.instruments().get(instrument) else {
            continue;
        };
        let mut values = Vec::new();
        for item in &def.items {
            let name = format!("i-{instrument}-{}", item.number);
            match field(&pairs, &name).parse::<i64>() {
                Ok(v) => values.push(v),
                Err(_) => missing_items
                    .entry(instrument.clone())
                    .or_default()
                    .push(name),
            }
        }
        if !missing_items.contains_key(instrument) {
            answers.instruments.insert(instrument.clone(), values);
        }
    }
    match apply_answer(&state, &auth, &id, &answers).await {
        Ok(_) => Ok(Redirect::to(&format!("/checkins/{id}?saved=1")).into_response()),
        Err(e) => {
            let mut words = Vec::new();
            for err in page_errors(e)? {
                if let Some(key) = err.field.strip_prefix("wellbeing.") {
                    words.push(FieldError::new(
                        &format!("w-{key}"),
                        tr.t("checkin-error-answer"),
                    ));
                } else if let Some(instrument) = err.field.strip_prefix("instruments.") {
                    match missing_items.get(instrument) {
                        Some(names) => words.extend(
                            names
                                .iter()
                                .map(|n| FieldError::new(n, tr.t("checkin-error-answer"))),
                        ),
                        None => words.push(FieldError::new(
                            &format!("i-{instrument}-1"),
                            err.message.clone(),
                        )),
                    }
                } else {
                    words.push(FieldError::new("main", err.message.clone()));
                }
            }
            let f = FormErrors::new(words);
            checkin_for(&state, tr, &auth, &id, typed, f, false).await
        }
    }
}

// ---------------------------------------------------------------- outcomes

pub struct ChartRow {
    pub when: String,
    pub point: String,
    pub total: i64,
}

pub struct ChartBlock {
    pub title: String,
    pub svg: String,
    pub rows: Vec<ChartRow>,
    pub empty: bool,
    pub caption: String,
}

pub struct PersonCharts {
    pub name: String,
    pub charts: Vec<ChartBlock>,
}

/// A chart and its table for one series: the intake as baseline, then each check-in.
pub fn chart_block(tr: &Tr, id: &str, person: &str, s: &OutcomeSeries) -> ChartBlock {
    let mut rows = Vec::new();
    let baseline = s.baseline.as_ref().map(|b| {
        rows.push(ChartRow {
            when: day(&b.at),
            point: tr.t("outcomes-intake"),
            total: b.total,
        });
        ChartPoint {
            at: b.at_micros,
            value: b.total,
            label: format!("{} {}", tr.t("outcomes-intake"), day(&b.at)),
        }
    });
    let points: Vec<ChartPoint> = s
        .points
        .iter()
        .map(|p| {
            rows.push(ChartRow {
                when: day(&p.at),
                point: point_label(tr, &p.point),
                total: p.total,
            });
            ChartPoint {
                at: p.at_micros,
                value: p.total,
                label: day(&p.at),
            }
        })
        .collect();
    let latest = s
        .points
        .last()
        .map(|p| p.total.to_string())
        .unwrap_or_else(|| "—".into());
    let intake = s
        .baseline
        .as_ref()
        .map(|b| b.total.to_string())
        .unwrap_or_else(|| "—".into());
    let title = tr.ta(
        "outcomes-chart-title",
        &[("instrument", &s.short_name), ("name", person)],
    );
    let desc = tr.ta(
        "outcomes-chart-desc",
        &[
            ("intake", &intake),
            ("latest", &latest),
            ("max", &s.max_total.to_string()),
            ("count", &s.points.len().to_string()),
        ],
    );
    let chart = LineChart {
        id: id.to_string(),
        title: title.clone(),
        desc: desc.clone(),
        y_max: s.max_total,
        baseline,
        baseline_label: tr.t("outcomes-intake"),
        points,
    };
    ChartBlock {
        empty: rows.is_empty(),
        svg: chart.to_svg(),
        caption: desc,
        title,
        rows,
    }
}

fn person_charts(tr: &Tr, o: &Outcomes) -> PersonCharts {
    PersonCharts {
        charts: o
            .series
            .iter()
            .map(|s| {
                let id = format!("chart-{}-{}", o.participant_id, s.instrument);
                chart_block(tr, &id, &o.name, s)
            })
            .collect(),
        name: o.name.clone(),
    }
}

#[derive(Template)]
#[template(path = "outcomes.html")]
struct OutcomesPage {
    ctx: Ctx,
    heading: String,
    back: String,
    back_label: String,
    people: Vec<PersonCharts>,
    own: bool,
}

pub async fn my_outcomes_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let pid = auth.user.participant_id.clone().ok_or(AppError::NotFound)?;
    let o = outcomes_of(&state, &auth, &pid).await?;
    render_status(
        StatusCode::OK,
        &OutcomesPage {
            heading: tr.t("outcomes-title-own"),
            back: "/checkins".into(),
            back_label: tr.t("checkins-title"),
            people: vec![person_charts(&tr, &o)],
            own: true,
            ctx: Ctx::new(&state, tr, Some(&auth)),
        },
    )
}

pub async fn duo_outcomes_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let ctx = duo::load(&state, &id).await?;
    if !auth.user.is_staff() {
        return Err(AppError::NotFound);
    }
    let mut people = Vec::new();
    for p in &ctx.participants {
        let o = outcomes_of(&state, &auth, &p.id).await?;
        people.push(person_charts(&tr, &o));
    }
    render_status(
        StatusCode::OK,
        &OutcomesPage {
            heading: tr.ta("outcomes-title-duo", &[("code", &ctx.duo.code)]),
            back: format!("/duos/{id}"),
            back_label: tr.t("journal-back-duo"),
            people,
            own: false,
            ctx: Ctx::new(&state, tr, Some(&auth)).wide(),
        },
    )
}

// ---------------------------------------------------------------- alerts for the team

pub struct AlertCard {
    pub id: String,
    pub duo_id: String,
    pub duo_code: String,
    pub person: String,
    pub point: String,
    pub status: String,
    pub status_label: String,
    pub opened: String,
    pub acknowledged: String,
    pub resolved: String,
    pub escalated: bool,
    pub signals: Vec<(String, String)>,
    pub notes: Vec<(String, String, String)>,
}

fn card(tr: &Tr, a: AlertView) -> AlertCard {
    let who_when = |by: &Option<String>, at: &Option<String>| match (by, at) {
        (Some(by), Some(at)) => format!(
            "{by}, {}",
            at.replace('T', " ").chars().take(16).collect::<String>()
        ),
        _ => String::new(),
    };
    AlertCard {
        person: a.participant_name.clone(),
        point: a
            .point
            .as_deref()
            .map(|p| point_label(tr, p))
            .unwrap_or_default(),
        status_label: label(tr, "alert-status", &a.status),
        opened: a.opened_at.replace('T', " ").chars().take(16).collect(),
        acknowledged: who_when(&a.acknowledged_by, &a.acknowledged_at),
        resolved: who_when(&a.resolved_by, &a.resolved_at),
        escalated: a.escalated_at.is_some(),
        signals: a
            .signals
            .iter()
            .map(|s| (label(tr, "alert-signal", &s.id), s.source.clone()))
            .collect(),
        notes: a
            .notes
            .into_iter()
            .map(|n| {
                (
                    n.author,
                    n.at.replace('T', " ").chars().take(16).collect(),
                    n.text,
                )
            })
            .collect(),
        status: a.status,
        duo_code: a.duo_code,
        duo_id: a.duo_id,
        id: a.id,
    }
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    heading: String,
    /// Where the forms come back to: `/alerts` or `/duos/{id}/alerts`.
    here: String,
    duo: Option<(String, String)>,
    all: bool,
    cards: Vec<AlertCard>,
    f: FormErrors,
    saved: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AlertsQuery {
    status: Option<String>,
    saved: Option<String>,
}

fn saved_text(tr: &Tr, saved: Option<&str>) -> Option<String> {
    match saved {
        Some(what @ ("acknowledge" | "note" | "resolve")) => {
            Some(tr.t(&format!("alert-saved-{what}")))
        }
        _ => None,
    }
}

pub async fn inbox_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Query(q): Query<AlertsQuery>,
) -> AppResult<Response> {
    let all = q.status.as_deref() == Some("all");
    let cards = inbox(&state, &auth, all)
        .await?
        .into_iter()
        .map(|a| card(&tr, a))
        .collect();
    render_status(
        StatusCode::OK,
        &AlertsPage {
            heading: tr.t("alerts-title"),
            here: "/alerts".into(),
            duo: None,
            saved: saved_text(&tr, q.saved.as_deref()),
            ctx: Ctx::new(&state, tr, Some(&auth)),
            all,
            cards,
            f: FormErrors::default(),
        },
    )
}

pub async fn duo_alerts_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<AlertsQuery>,
) -> AppResult<Response> {
    let all = q.status.as_deref() == Some("all");
    let (ctx, alerts) = duo_alerts(&state, &auth, &id, all).await?;
    render_status(
        StatusCode::OK,
        &AlertsPage {
            heading: tr.ta("alerts-title-duo", &[("code", &ctx.duo.code)]),
            here: format!("/duos/{id}/alerts"),
            duo: Some((ctx.duo.id.clone(), ctx.duo.code.clone())),
            saved: saved_text(&tr, q.saved.as_deref()),
            cards: alerts.into_iter().map(|a| card(&tr, a)).collect(),
            ctx: Ctx::new(&state, tr, Some(&auth)),
            all,
            f: FormErrors::default(),
        },
    )
}

/// Where to go back to after a form: the inbox, or the duo's alerts page (nothing else).
fn back_to(pairs: &[(String, String)], duo_id: &str) -> String {
    if field(pairs, "back") == "duo" {
        format!("/duos/{duo_id}/alerts")
    } else {
        "/alerts".into()
    }
}

async fn alert_form(
    state: AppState,
    tr: Tr,
    auth: Authenticated,
    id: String,
    body: Bytes,
    action: AlertAction,
    what: &str,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let note = match action {
        AlertAction::Acknowledge => None,
        AlertAction::Note => Some(field(&pairs, "text").to_string()),
        AlertAction::Resolve => Some(field(&pairs, "note").to_string()),
    };
    match apply_alert_action(&state, &auth, &id, action, note.as_deref()).await {
        Ok(a) => {
            let back = back_to(&pairs, &a.duo_id);
            Ok(Redirect::to(&format!("{back}?saved={what}#alert-{id}")).into_response())
        }
        Err(e) => {
            let errors = page_errors(e)?;
            // The alert exists and is the caller's to act on (else we would not be here).
            let a = dyad_store::aftercare::alert_by_id(&state.db, &id)
                .await?
                .ok_or(AppError::NotFound)?;
            let (ctx, alerts) = duo_alerts(&state, &auth, &a.duo_id, true).await?;
            let words = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "text" => FieldError::new(&format!("note-{id}"), tr.t("alert-error-note")),
                    _ => FieldError::new(&format!("alert-{id}"), e.message),
                })
                .collect();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AlertsPage {
                    heading: tr.ta("alerts-title-duo", &[("code", &ctx.duo.code)]),
                    here: format!("/duos/{}/alerts", ctx.duo.id),
                    duo: Some((ctx.duo.id.clone(), ctx.duo.code.clone())),
                    saved: None,
                    cards: alerts.into_iter().map(|a| card(&tr, a)).collect(),
                    ctx: Ctx::new(&state, tr, Some(&auth)),
                    all: true,
                    f: FormErrors::new(words),
                },
            )
        }
    }
}

pub async fn acknowledge_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    alert_form(
        state,
        tr,
        auth,
        id,
        body,
        AlertAction::Acknowledge,
        "acknowledge",
    )
    .await
}

pub async fn note_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    alert_form(state, tr, auth, id, body, AlertAction::Note, "note").await
}

pub async fn resolve_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    alert_form(state, tr, auth, id, body, AlertAction::Resolve, "resolve").await
}
