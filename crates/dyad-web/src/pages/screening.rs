//! Pages of the screening step: the duo's clinician reads both people's findings side by
//! side (with the answer, source and evidence behind each), the recommended format and the
//! earlier signed decisions, and signs a decision by re-entering the password. Everything is
//! read through the screening and intake services, which ask the policy and write the audit;
//! participants never reach these pages (they answer exactly like a missing page).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dyad_core::forms::{Form, QuestionKind};
use dyad_core::pathway::{DecisionFormat, Phase};
use dyad_core::policy::{self, Action, Resource, ResourceKind};
use dyad_core::screening::{Evidence, Finding, Severity};
use serde::Deserialize;
use serde_json::Value;

use super::{Ctx, FormErrors, field, form_pairs, render_status};
use crate::api::intake::{form, staff_view};
use crate::api::screening::{
    DecisionRequest, MAX_RATIONALE, MIN_RATIONALE, SIGNATURE_MEANING, ScreeningView,
    apply_decision, review,
};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/screening/screening.css" => get(stylesheet),
        "/duos/{id}/screening" => get(screening_page).post(decision_submit),
    }
}

// ---------------------------------------------------------------- what the page shows

/// Severities as the page groups them: the most serious first.
const SEVERITY_ORDER: [Severity; 4] = [
    Severity::Exclusion,
    Severity::Contraindication,
    Severity::Caution,
    Severity::Info,
];

/// The answer a finding rests on.
pub struct AnswerRef {
    /// The question, readable (`Medications`, `PHQ-9, question 9`).
    pub label: String,
    /// What the person answered there, when it can be shown in a line.
    pub value: String,
    /// The raw answer path (`medications[0].name`).
    pub path: String,
    /// The staff view of that person's intake.
    pub href: Option<String>,
}

pub struct FindingRow {
    pub code: String,
    pub explanation: String,
    pub action: Option<String>,
    pub source: String,
    pub evidence: String,
    pub evidence_label: String,
    pub needs_review: bool,
    pub needs_washout: bool,
    pub answer: Option<AnswerRef>,
}

pub struct SeverityGroup {
    /// `exclusion`, `contraindication`, `caution`, `info` (the CSS class).
    pub severity: &'static str,
    pub label: String,
    pub hint: String,
    pub findings: Vec<FindingRow>,
}

pub struct Column {
    pub participant_id: String,
    pub name: String,
    pub waiting: bool,
    pub count: usize,
    pub count_text: String,
    pub groups: Vec<SeverityGroup>,
}

pub struct DecisionRow {
    pub format: String,
    pub rationale: String,
    pub signer_name: String,
    pub signed_at: String,
    pub signed_at_iso: String,
    pub meaning: String,
    pub knowledge_version: String,
    pub in_force: bool,
}

pub struct FormatChoice {
    pub value: &'static str,
    pub label: String,
    pub description: String,
    pub checked: bool,
    pub recommended: bool,
}

#[derive(Template)]
#[template(path = "screening_review.html")]
struct ReviewPage {
    ctx: Ctx,
    duo_id: String,
    code: String,
    columns: Vec<Column>,
    duo_groups: Vec<SeverityGroup>,
    duo_count: usize,
    recommended: String,
    reasons: Vec<String>,
    knowledge_version: String,
    decisions: Vec<DecisionRow>,
    /// The form is there for those the policy lets decide, while a decision can be taken.
    can_decide: bool,
    /// Why no decision can be taken now, when the clinician could otherwise decide.
    not_open: Option<String>,
    formats: Vec<FormatChoice>,
    rationale: String,
    rationale_hint: String,
    max_rationale: usize,
    /// The meaning of the signature in the reader's language.
    meaning: String,
    /// The meaning as it is recorded with the signature, when it differs from `meaning`.
    meaning_recorded: Option<String>,
    f: FormErrors,
    conflict: Option<String>,
    saved: Option<String>,
}

/// What the decision form held when it was sent (never the password).
#[derive(Default)]
struct Typed {
    format: String,
    rationale: String,
}

fn label(tr: &Tr, key: &str, fallback: &str) -> String {
    let text = tr.t(key);
    if text == key {
        fallback.replace('_', " ")
    } else {
        text
    }
}

fn severity_label(tr: &Tr, s: Severity) -> String {
    tr.t(&format!("screening-severity-{}", s.as_str()))
}

fn evidence_label(tr: &Tr, e: Evidence) -> String {
    tr.t(&format!("screening-evidence-{}", e.as_str().to_lowercase()))
}

fn format_label(tr: &Tr, format: &str) -> String {
    label(
        tr,
        &format!("screening-format-{}", format.replace('_', "-")),
        format,
    )
}

/// "2025-03-01T09:30:12Z" as "2025-03-01 09:30 UTC".
fn utc(rfc3339: &str) -> String {
    let short: String = rfc3339.chars().take(16).collect();
    format!("{} UTC", short.replace('T', " "))
}

/// The value at an answer path (`medications[0].name`, `phq9[8]`, `relationship.trust`).
fn lookup<'a>(answers: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = answers;
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            current = current.get(key)?;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let n: usize = index.strip_suffix(']')?.parse().ok()?;
            current = current.get(n)?;
        }
    }
    Some(current)
}

/// A one-line rendering of an answer, with choice codes shown as their labels.
fn value_text(tr: &Tr, form: &Form, path: &str, value: &Value) -> String {
    let question_path = path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join(".");
    let options = form.question(&question_path).and_then(|q| q.options());
    let code_label = |code: &str| {
        options
            .and_then(|o| o.iter().find(|c| c.code == code))
            .map(|c| c.label.clone())
            .unwrap_or_else(|| code.to_string())
    };
    match value {
        Value::Null => tr.t("intake-not-answered"),
        Value::Bool(true) => tr.t("intake-yes"),
        Value::Bool(false) => tr.t("intake-no"),
        Value::Number(n) => n.to_string(),
        Value::String(s) => code_label(s),
        Value::Array(items) if items.is_empty() => tr.t("intake-list-none"),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => code_label(s),
                Value::Object(o) => o
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_default(),
                other => other.to_string(),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(o) => {
            // A medication or substance row: its name and dose.
            ["name", "dose", "frequency"]
                .iter()
                .filter_map(|k| o.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ")
        }
    }
}

/// A readable label for an answer path.
fn path_label(tr: &Tr, form: &Form, path: &str) -> String {
    let top = path.split(['.', '[']).next().unwrap_or(path);
    let Some(q) = form.question(top) else {
        return path.to_string();
    };
    if let Some(rest) = path.strip_prefix(&format!("{top}."))
        && let Some(f) = q.fields().iter().find(|f| f.key == rest)
    {
        return format!("{} — {}", q.text, f.text);
    }
    if let (QuestionKind::Instrument { instrument }, Some(i)) = (
        &q.kind,
        path.strip_prefix(&format!("{top}["))
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|r| r.parse::<usize>().ok()),
    ) {
        let short = form
            .instrument(instrument)
            .map(|d| d.short_name.clone())
            .unwrap_or_else(|| q.text.clone());
        return tr.ta(
            "intake-item-label",
            &[("instrument", &short), ("n", &(i + 1).to_string())],
        );
    }
    q.text.clone()
}

fn row(
    tr: &Tr,
    form: &Form,
    finding: &Finding,
    answers: Option<&Value>,
    owner: Option<&str>,
) -> FindingRow {
    let answer = finding.answer_path.as_ref().map(|path| AnswerRef {
        label: path_label(tr, form, path),
        value: answers
            .and_then(|a| lookup(a, path))
            .map(|v| value_text(tr, form, path, v))
            .unwrap_or_default(),
        path: path.clone(),
        href: owner.map(|pid| format!("/participants/{pid}/intake")),
    });
    FindingRow {
        code: finding.code.clone(),
        explanation: finding.explanation.clone(),
        action: finding.action.clone().filter(|a| !a.trim().is_empty()),
        source: finding.source.clone(),
        evidence: finding.evidence.as_str().to_string(),
        evidence_label: evidence_label(tr, finding.evidence),
        needs_review: finding.needs_review,
        needs_washout: finding.needs_washout,
        answer,
    }
}

/// Findings grouped by severity, most serious first; empty groups are left out.
fn groups(
    tr: &Tr,
    form: &Form,
    findings: &[&Finding],
    answers: Option<&Value>,
    owner: Option<&str>,
) -> Vec<SeverityGroup> {
    SEVERITY_ORDER
        .iter()
        .filter_map(|s| {
            let rows: Vec<FindingRow> = findings
                .iter()
                .filter(|f| f.severity == *s)
                .map(|f| row(tr, form, f, answers, owner))
                .collect();
            (!rows.is_empty()).then(|| SeverityGroup {
                severity: s.as_str(),
                label: severity_label(tr, *s),
                hint: tr.t(&format!("screening-severity-{}-hint", s.as_str())),
                findings: rows,
            })
        })
        .collect()
}

/// Field errors of the decision in the reader's language.
fn translated(tr: &Tr, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let message = match e.field.as_str() {
                "format" => tr.t("screening-error-format"),
                "rationale" => tr.ta(
                    "screening-error-rationale",
                    &[
                        ("min", &MIN_RATIONALE.to_string()),
                        ("max", &MAX_RATIONALE.to_string()),
                    ],
                ),
                "password" => tr.t("screening-error-password"),
                _ => e.message.clone(),
            };
            FieldError::new(&e.field, message)
        })
        .collect()
}

/// Participants have no screening pages: for them these answer exactly like a missing page.
fn staff_only(auth: &Authenticated) -> AppResult<()> {
    if auth.user.participant_id.is_some() || !auth.user.is_staff() {
        return Err(AppError::NotFound);
    }
    Ok(())
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

struct Outcome {
    status: StatusCode,
    typed: Typed,
    f: FormErrors,
    conflict: bool,
    saved: Option<String>,
}

async fn page_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    outcome: Outcome,
) -> AppResult<Response> {
    staff_only(auth)?;
    // The policy decides first (and audits); only then is the duo itself read.
    let view: ScreeningView = review(state, auth, id).await?;
    let ctx = duo::load(state, id).await?;
    let form = form()?;

    let mut columns = Vec::new();
    for p in &ctx.participants {
        let own: Vec<&Finding> = view
            .findings
            .iter()
            .filter(|f| f.participant_id.as_deref() == Some(p.id.as_str()))
            .collect();
        let waiting = view.waiting_for.contains(&p.id);
        // The answers behind the findings, read through the intake service (audited).
        let answers = if own.iter().any(|f| f.answer_path.is_some()) {
            match staff_view(state, auth, &p.id).await {
                Ok(intake) => intake.answers,
                Err(AppError::NotFound | AppError::Forbidden) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        columns.push(Column {
            participant_id: p.id.clone(),
            name: p.name.clone(),
            waiting,
            count: own.len(),
            count_text: tr.ta(
                "screening-person-count",
                &[("count", &own.len().to_string())],
            ),
            groups: groups(&tr, form, &own, answers.as_ref(), Some(&p.id)),
        });
    }
    let known = |pid: &str| ctx.participants.iter().any(|p| p.id == pid);
    let duo_level: Vec<&Finding> = view
        .findings
        .iter()
        .filter(|f| f.participant_id.as_deref().is_none_or(|pid| !known(pid)))
        .collect();

    let count = view.decisions.len();
    let decisions: Vec<DecisionRow> = view
        .decisions
        .iter()
        .enumerate()
        .rev()
        .map(|(i, d)| DecisionRow {
            format: format_label(&tr, &d.format),
            rationale: d.rationale.clone(),
            signer_name: d.signer_name.clone(),
            signed_at: utc(&d.signed_at),
            signed_at_iso: d.signed_at.clone(),
            meaning: d.meaning.clone(),
            knowledge_version: d.knowledge_version.clone(),
            in_force: i + 1 == count,
        })
        .collect();

    let can_decide = policy::can(
        &auth.actor(),
        Action::Decide,
        &Resource::duo(ResourceKind::ScreeningDecision, &ctx.scope),
    )
    .is_allowed();
    let phase = ctx.phase();
    let not_open = if !view.waiting_for.is_empty() {
        Some(tr.t("screening-not-open-waiting"))
    } else if !matches!(
        phase,
        Phase::Screening | Phase::Preparation | Phase::Scheduled
    ) {
        Some(tr.ta(
            "screening-not-open-phase",
            &[(
                "phase",
                &label(&tr, &format!("phase-{phase}"), phase.as_str()),
            )],
        ))
    } else {
        None
    };
    let conflict = outcome.conflict.then(|| {
        not_open
            .clone()
            .unwrap_or_else(|| tr.t("screening-conflict-changed"))
    });

    let chosen = if outcome.typed.format.is_empty() {
        None
    } else {
        Some(outcome.typed.format.as_str())
    };
    let formats = DecisionFormat::ALL
        .iter()
        .map(|fmt| {
            let v = fmt.as_str();
            let key = v.replace('_', "-");
            FormatChoice {
                value: v,
                label: format_label(&tr, v),
                description: tr.t(&format!("screening-format-{key}-description")),
                checked: chosen == Some(v),
                recommended: view.recommended_format == v,
            }
        })
        .collect();
    let meaning = tr.t("screening-sign-meaning");
    let meaning_recorded = (meaning != SIGNATURE_MEANING).then(|| SIGNATURE_MEANING.to_string());

    let page = ReviewPage {
        duo_id: ctx.duo.id.clone(),
        code: ctx.duo.code.clone(),
        duo_count: duo_level.len(),
        duo_groups: groups(&tr, form, &duo_level, None, None),
        columns,
        recommended: format_label(&tr, &view.recommended_format),
        reasons: view.format_reasons.clone(),
        knowledge_version: view.knowledge_version.clone(),
        decisions,
        can_decide,
        not_open,
        formats,
        rationale: outcome.typed.rationale,
        rationale_hint: tr.ta(
            "screening-decide-rationale-hint",
            &[("min", &MIN_RATIONALE.to_string())],
        ),
        max_rationale: MAX_RATIONALE,
        meaning,
        meaning_recorded,
        f: outcome.f,
        conflict,
        saved: outcome.saved,
        ctx: Ctx::new(state, tr, Some(auth)).wide(),
    };
    Ok(no_store(render_status(outcome.status, &page)?))
}

#[derive(Deserialize, Default)]
pub struct SignedQuery {
    signed: Option<String>,
}

pub async fn screening_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SignedQuery>,
) -> AppResult<Response> {
    let saved = q.signed.is_some().then(|| tr.t("screening-signed"));
    page_for(
        &state,
        tr,
        &auth,
        &id,
        Outcome {
            status: StatusCode::OK,
            typed: Typed::default(),
            f: FormErrors::default(),
            conflict: false,
            saved,
        },
    )
    .await
}

pub async fn decision_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let req = DecisionRequest {
        format: field(&pairs, "format").to_string(),
        rationale: field(&pairs, "rationale").to_string(),
        password: field(&pairs, "password").to_string(),
    };
    let typed = Typed {
        format: req.format.clone(),
        rationale: req.rationale.clone(),
    };
    let outcome = match apply_decision(&state, &auth, &id, &req).await {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/duos/{id}/screening?signed=1#decisions")).into_response(),
            );
        }
        Err(AppError::Validation(errors)) => Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            f: FormErrors::new(translated(&tr, errors)),
            conflict: false,
            saved: None,
        },
        Err(AppError::Conflict(_)) => Outcome {
            status: StatusCode::CONFLICT,
            typed,
            f: FormErrors::default(),
            conflict: true,
            saved: None,
        },
        Err(e) => return Err(e),
    };
    page_for(&state, tr, &auth, &id, outcome).await
}

// ---------------------------------------------------------------- the few extra rules

const CSS: &str = "\
.screening-cols { display: grid; grid-template-columns: 1fr; gap: 1rem; }
@media (min-width: 56rem) { .screening-cols { grid-template-columns: 1fr 1fr; } }
.screening-cols > section { min-width: 0; }
.screening-support { border-left: 4px solid var(--accent); background: var(--surface); padding: .75rem 1rem; border-radius: 6px; margin: 0 0 1rem; }
.sev-group { margin: 1rem 0 0; }
.sev-group h3, .sev-group h4 { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; margin: 0 0 .25rem; }
.sev-badge { display: inline-block; font-size: .85rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  padding: .1rem .5rem; border-radius: 4px; border: 2px solid currentColor; }
.sev-exclusion .sev-badge { color: var(--danger); border-style: double; border-width: 4px; }
.sev-contraindication .sev-badge { color: var(--danger); }
.sev-caution .sev-badge { color: var(--focus); border-style: dashed; }
.sev-info .sev-badge { color: var(--muted); border-style: dotted; }
ul.findings { list-style: none; padding: 0; margin: 0; }
ul.findings > li { border: 1px solid var(--border); border-left-width: 6px; border-radius: 8px; padding: .75rem 1rem; margin: .5rem 0; background: var(--surface); }
.sev-exclusion ul.findings > li, .sev-contraindication ul.findings > li { border-left-color: var(--danger); }
.sev-caution ul.findings > li { border-left-color: var(--focus); }
.sev-info ul.findings > li { border-left-color: var(--border); }
.finding-explanation { margin: 0 0 .5rem; font-weight: 600; }
.finding-marks { display: flex; flex-wrap: wrap; gap: .4rem; margin: 0 0 .5rem; padding: 0; list-style: none; }
.finding-marks li { font-size: .85rem; font-weight: 600; padding: .05rem .5rem; border: 1px solid var(--text); border-radius: 999px; }
dl.finding-detail { margin: 0; display: grid; grid-template-columns: 1fr; gap: 0 .75rem; }
@media (min-width: 30rem) { dl.finding-detail { grid-template-columns: max-content 1fr; } }
dl.finding-detail dt { font-weight: 600; color: var(--muted); }
dl.finding-detail dd { margin: 0 0 .35rem; overflow-wrap: anywhere; }
fieldset.formats { border: 0; padding: 0; margin: 0 0 1.25rem; min-width: 0; }
.format-option { display: flex; gap: .6rem; align-items: flex-start; font-weight: 400; padding: .5rem 0; border-top: 1px solid var(--border); }
.format-option input { width: 1.25rem; height: 1.25rem; margin-top: .3rem; flex: none; }
.format-option strong { display: block; }
.signature-meaning { border: 2px solid var(--accent); border-radius: 8px; padding: .75rem 1rem; margin: 0 0 1rem; }
.signature-meaning p { margin: .25rem 0; }
.decision-in-force { border-left: 4px solid var(--ok); }
.rationale { white-space: pre-line; overflow-wrap: anywhere; }
";

/// The screening page's extra rules (no inline styles under the CSP).
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        CSS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_paths_resolve() {
        let answers = serde_json::json!({
            "medications": [{"name": "sertraline", "dose": "50 mg"}],
            "phq9": [0, 1, 2, 0, 0, 0, 0, 0, 3],
            "relationship": {"trust": 2}
        });
        assert_eq!(
            lookup(&answers, "medications[0].name"),
            Some(&serde_json::json!("sertraline"))
        );
        assert_eq!(lookup(&answers, "phq9[8]"), Some(&serde_json::json!(3)));
        assert_eq!(
            lookup(&answers, "relationship.trust"),
            Some(&serde_json::json!(2))
        );
        assert_eq!(lookup(&answers, "medications[4].name"), None);
        assert_eq!(lookup(&answers, "phq9[x]"), None);
    }

    #[test]
    fn the_english_meaning_is_the_recorded_one() {
        // The page shows what the signature means; in English it must be the recorded text.
        assert_eq!(Tr::new("en").t("screening-sign-meaning"), SIGNATURE_MEANING);
    }

    #[test]
    fn every_format_and_severity_has_its_words() {
        for lang in ["en", "nl"] {
            let tr = Tr::new(lang);
            for f in DecisionFormat::ALL {
                let key = f.as_str().replace('_', "-");
                for k in [
                    format!("screening-format-{key}"),
                    format!("screening-format-{key}-description"),
                ] {
                    assert_ne!(tr.t(&k), k, "{lang}: {k}");
                }
            }
            for s in Severity::ALL {
                for k in [
                    format!("screening-severity-{}", s.as_str()),
                    format!("screening-severity-{}-hint", s.as_str()),
                ] {
                    assert_ne!(tr.t(&k), k, "{lang}: {k}");
                }
            }
            for e in ["v", "s", "u"] {
                let k = format!("screening-evidence-{e}");
                assert_ne!(tr.t(&k), k, "{lang}: {k}");
            }
            for o in ["pending", "go-on-to-preparation", "team-will-contact"] {
                let k = format!("screening-outcome-{o}");
                assert_ne!(tr.t(&k), k, "{lang}: {k}");
            }
        }
    }
}
