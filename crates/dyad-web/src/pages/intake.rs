//! The intake pages: the participant answers one section at a time (saved as they go, with
//! or without script), reviews and submits; the duo's clinician and facilitators read one
//! intake or the two side by side. Every read and write goes through the intake services
//! (`crate::api::intake`), which call the policy and write the audit trail.
//!
//! Input names are the answer paths of the API (`sex`, `relationship.trust`, `phq9[3]`,
//! `medications[0].name`), plus `<key>__none` for an explicit "none" on lists and
//! multiple choice; element ids are [`anchor`] of the same paths, so an error from the
//! service links straight to its field.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dyad_core::forms::{ChoiceOption, Form, Question, QuestionKind, Section};
use dyad_core::instruments::InstrumentDef;
use serde_json::{Map, Number, Value};

use super::{Ctx, field, fields, form_pairs, render, render_status};
use crate::api::intake::{
    MyIntake, StaffIntake, apply_save, apply_submit, form_for, my_intake_view, staff_view,
};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/intake" => get(start),
        "/intake/review" => get(review),
        "/intake/submit" => post(submit),
        "/intake/intake.css" => get(stylesheet),
        "/intake/suggest/{kind}" => get(suggest),
        "/intake/{section}" => get(section_page).post(section_post),
        "/intake/{section}/autosave" => post(autosave),
        "/leave" => get(leave),
        "/participants/{id}/intake" => get(staff_one),
        "/duos/{id}/intakes" => get(staff_duo),
    }
}

// ---------------------------------------------------------------- paths and raw values

/// The element id for an answer path: `relationship.trust` → `relationship_trust`,
/// `phq9[3]` → `phq9-3`, `medications[0].name` → `medications-0_name`.
pub fn anchor(path: &str) -> String {
    path.replace('.', "_").replace('[', "-").replace(']', "")
}

/// The top-level answer key of a path.
fn top_key(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

/// The section a path's question sits in.
fn section_of<'a>(form: &'a Form, path: &str) -> Option<&'a Section> {
    let top = top_key(path);
    form.all_questions()
        .find(|(_, q)| q.key == top)
        .map(|(s, _)| s)
}

/// What the person typed or chose, by input name, as strings (several for checkboxes).
type Raw = BTreeMap<String, Vec<String>>;

fn raw_one<'a>(raw: &'a Raw, name: &str) -> &'a str {
    raw.get(name)
        .and_then(|v| v.iter().find(|s| !s.is_empty()))
        .map(String::as_str)
        .unwrap_or("")
}

fn raw_from_pairs(pairs: &[(String, String)]) -> Raw {
    let mut raw = Raw::new();
    for (k, v) in pairs {
        raw.entry(k.clone()).or_default().push(v.clone());
    }
    raw
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("yes".into()),
        Value::Bool(false) => Some("no".into()),
        _ => None,
    }
}

/// Stored answers as the raw input values of one question (and its fields).
fn raw_from_answer(q: &Question, path: &str, value: Option<&Value>, raw: &mut Raw) {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return;
    };
    match &q.kind {
        QuestionKind::MultiChoice { .. } => {
            let codes: Vec<String> = value
                .as_array()
                .map(|a| a.iter().filter_map(scalar_text).collect())
                .unwrap_or_default();
            if codes.is_empty() && value.is_array() {
                raw.insert(format!("{path}__none"), vec!["1".into()]);
            }
            raw.insert(path.to_string(), codes);
        }
        QuestionKind::MedicationList { .. } | QuestionKind::SubstanceList { .. } => {
            let Some(entries) = value.as_array() else {
                return;
            };
            if entries.is_empty() {
                raw.insert(format!("{path}__none"), vec!["1".into()]);
            }
            for (i, e) in entries.iter().enumerate() {
                for part in ["name", "dose", "frequency"] {
                    if let Some(text) = e.get(part).and_then(scalar_text) {
                        raw.insert(format!("{path}[{i}].{part}"), vec![text]);
                    }
                }
            }
        }
        QuestionKind::Instrument { .. } => {
            if let Some(items) = value.as_array() {
                for (i, v) in items.iter().enumerate() {
                    if let Some(text) = scalar_text(v) {
                        raw.insert(format!("{path}[{i}]"), vec![text]);
                    }
                }
            }
        }
        QuestionKind::Group { fields } => {
            for f in fields {
                raw_from_answer(f, &format!("{path}.{}", f.key), value.get(&f.key), raw);
            }
        }
        _ => {
            if let Some(text) = scalar_text(value) {
                raw.insert(path.to_string(), vec![text]);
            }
        }
    }
}

fn raw_from_answers(section: &Section, answers: &Value) -> Raw {
    let mut raw = Raw::new();
    for q in &section.questions {
        raw_from_answer(q, &q.key, answers.get(&q.key), &mut raw);
    }
    raw
}

/// The row indices present for a list question, in order.
fn list_rows(raw: &Raw, key: &str) -> Vec<usize> {
    let prefix = format!("{key}[");
    let mut rows: BTreeSet<usize> = BTreeSet::new();
    for name in raw.keys() {
        if let Some(rest) = name.strip_prefix(&prefix)
            && let Some((i, _)) = rest.split_once(']')
            && let Ok(i) = i.parse::<usize>()
        {
            rows.insert(i);
        }
    }
    rows.into_iter().collect()
}

/// A whole number or a decimal, accepting a decimal comma.
fn parse_number(text: &str) -> Option<Value> {
    let t = text.trim().replace(',', ".");
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Number(i.into()));
    }
    let f = t.parse::<f64>().ok().filter(|f| f.is_finite())?;
    Number::from_f64(f).map(Value::Number)
}

/// What came with a posted page, for converting it to answers.
#[derive(Clone, Copy)]
struct Posting<'a> {
    tr: &'a Tr,
    form: &'a Form,
    raw: &'a Raw,
    /// The answer paths that were on the page.
    shown: &'a BTreeSet<String>,
    /// A list row the person asked to remove.
    remove: Option<(&'a str, usize)>,
}

/// Converts the raw values of one question to its JSON answer; `Value::Null` clears it.
/// Conversion problems (a word in a number field) are reported and the answer left as is.
fn convert(
    posting: Posting<'_>,
    q: &Question,
    path: &str,
    current: Option<&Value>,
    errors: &mut Vec<FieldError>,
) -> Option<Value> {
    let Posting {
        tr,
        form: instruments,
        raw,
        shown,
        remove,
    } = posting;
    let text = raw_one(raw, path).trim().to_string();
    let value = match &q.kind {
        QuestionKind::Choice { .. } | QuestionKind::Date => {
            if text.is_empty() {
                Value::Null
            } else {
                Value::String(text)
            }
        }
        QuestionKind::Text { .. } => {
            let typed = raw_one(raw, path);
            if typed.trim().is_empty() {
                Value::Null
            } else {
                Value::String(typed.to_string())
            }
        }
        QuestionKind::Boolean => match text.as_str() {
            "yes" => Value::Bool(true),
            "no" => Value::Bool(false),
            _ => Value::Null,
        },
        QuestionKind::Scale { .. } | QuestionKind::Number { .. } => {
            if text.is_empty() {
                Value::Null
            } else if let Some(n) = parse_number(&text) {
                n
            } else {
                errors.push(FieldError::new(path, tr.t("intake-error-number")));
                return None;
            }
        }
        QuestionKind::MultiChoice { .. } => {
            let mut codes: Vec<String> = Vec::new();
            for c in raw.get(path).into_iter().flatten() {
                if !c.is_empty() && !codes.contains(c) {
                    codes.push(c.clone());
                }
            }
            let none = !raw_one(raw, &format!("{path}__none")).is_empty();
            if none && !codes.is_empty() {
                errors.push(FieldError::new(path, tr.t("intake-error-none-and-some")));
                return None;
            }
            if codes.is_empty() && !none {
                Value::Null
            } else {
                Value::Array(codes.into_iter().map(Value::String).collect())
            }
        }
        QuestionKind::MedicationList { .. } | QuestionKind::SubstanceList { .. } => {
            let parts: &[&str] = if matches!(q.kind, QuestionKind::MedicationList { .. }) {
                &["name", "dose", "frequency"]
            } else {
                &["name", "frequency"]
            };
            let mut entries = Vec::new();
            for i in list_rows(raw, path) {
                if remove == Some((path, i)) {
                    continue;
                }
                let mut entry = Map::new();
                for part in parts {
                    let v = raw_one(raw, &format!("{path}[{i}].{part}")).trim();
                    if !v.is_empty() {
                        entry.insert((*part).to_string(), Value::String(v.to_string()));
                    }
                }
                if !entry.is_empty() {
                    entries.push(Value::Object(entry));
                }
            }
            let none = !raw_one(raw, &format!("{path}__none")).is_empty();
            if none && !entries.is_empty() {
                errors.push(FieldError::new(path, tr.t("intake-error-none-and-some")));
                return None;
            }
            if entries.is_empty() && !none {
                Value::Null
            } else {
                Value::Array(entries)
            }
        }
        QuestionKind::Instrument { instrument } => {
            let count = instruments
                .instrument(instrument)
                .map(|d| d.items.len())
                .unwrap_or(0);
            let mut items = Vec::with_capacity(count);
            for i in 0..count {
                let item_path = format!("{path}[{i}]");
                let t = raw_one(raw, &item_path).trim().to_string();
                if t.is_empty() {
                    items.push(Value::Null);
                } else if let Ok(n) = t.parse::<i64>() {
                    items.push(Value::Number(n.into()));
                } else {
                    errors.push(FieldError::new(&item_path, tr.t("intake-error-number")));
                    return None;
                }
            }
            if items.iter().all(Value::is_null) {
                Value::Null
            } else {
                Value::Array(items)
            }
        }
        QuestionKind::Group { fields } => {
            // Fields not on the page (hidden by a condition) keep their stored answers.
            let mut object = current
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for f in fields {
                let fpath = format!("{path}.{}", f.key);
                if !shown.contains(&fpath) {
                    continue;
                }
                let v = convert(posting, f, &fpath, None, errors)?;
                if v.is_null() {
                    object.remove(&f.key);
                } else {
                    object.insert(f.key.clone(), v);
                }
            }
            if object.is_empty() {
                Value::Null
            } else {
                Value::Object(object)
            }
        }
    };
    Some(value)
}

/// The answers of the questions that were on the page, as a patch for `apply_save`.
fn section_patch(
    posting: Posting<'_>,
    section: &Section,
    current: &Value,
    errors: &mut Vec<FieldError>,
) -> Map<String, Value> {
    let mut patch = Map::new();
    for q in &section.questions {
        if !posting.shown.contains(&q.key) {
            continue;
        }
        if let Some(v) = convert(posting, q, &q.key, current.get(&q.key), errors) {
            patch.insert(q.key.clone(), v);
        }
    }
    patch
}

// ---------------------------------------------------------------- saving

enum Saved {
    Done(MyIntake),
    /// Some answers were refused; the rest were saved when possible.
    Invalid(Vec<FieldError>),
    Conflict(String),
}

/// True when the stored answers already hold every value of the patch (an autosave got
/// there first, so a revision conflict loses nothing).
fn already_stored(patch: &Map<String, Value>, answers: &Value) -> bool {
    patch.iter().all(|(k, v)| match answers.get(k) {
        None | Some(Value::Null) => v.is_null(),
        Some(stored) => stored == v,
    })
}

fn conflict_text(tr: &Tr, detail: &str) -> String {
    if detail.contains("another device") {
        tr.t("intake-conflict-device")
    } else {
        tr.t("intake-conflict-closed")
    }
}

/// Saves a patch. When the service refuses some answers, the others are saved anyway, so
/// that nothing valid waits on one wrong field.
async fn save(
    state: &AppState,
    auth: &Authenticated,
    tr: &Tr,
    patch: Map<String, Value>,
    revision: Option<i64>,
) -> AppResult<Saved> {
    if patch.is_empty() {
        return Ok(Saved::Done(my_intake_view(state, auth).await?));
    }
    match apply_save(state, auth, &Value::Object(patch.clone()), revision).await {
        Ok(view) => Ok(Saved::Done(view)),
        Err(AppError::Validation(errors)) => {
            let refused: BTreeSet<&str> = errors.iter().map(|e| top_key(&e.field)).collect();
            let rest: Map<String, Value> = patch
                .iter()
                .filter(|(k, _)| !refused.contains(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !rest.is_empty() {
                // Best effort: the refused answers are shown again as typed either way.
                let _ = apply_save(state, auth, &Value::Object(rest), revision).await;
            }
            Ok(Saved::Invalid(errors))
        }
        Err(AppError::Conflict(detail)) => {
            let view = my_intake_view(state, auth).await?;
            if view.status == "draft" && already_stored(&patch, &view.answers) {
                Ok(Saved::Done(view))
            } else {
                Ok(Saved::Conflict(conflict_text(tr, &detail)))
            }
        }
        Err(other) => Err(other),
    }
}

/// The service's field errors in the reader's language.
fn localise(tr: &Tr, errors: Vec<FieldError>) -> Vec<FieldError> {
    crate::error::in_language(tr, errors)
}

// ---------------------------------------------------------------- view models

pub struct Ui {
    pub or_text: String,
    pub name: String,
    pub dose: String,
    pub frequency: String,
    pub remove: String,
    pub list_hint: String,
}

impl Ui {
    fn new(tr: &Tr) -> Self {
        Self {
            or_text: tr.t("intake-or"),
            name: tr.t("intake-list-name"),
            dose: tr.t("intake-list-dose"),
            frequency: tr.t("intake-list-frequency"),
            remove: tr.t("intake-list-remove"),
            list_hint: tr.t("intake-list-remove-hint"),
        }
    }
}

pub struct Opt {
    pub id: String,
    pub value: String,
    pub label: String,
    /// Read by screen readers only (the scale's end labels).
    pub extra: String,
    pub checked: bool,
}

pub struct OptGroup {
    pub label: Option<String>,
    pub options: Vec<Opt>,
}

pub struct ItemView {
    pub id: String,
    pub name: String,
    pub legend: String,
    pub error: String,
    pub options: Vec<Opt>,
}

pub struct RowView {
    pub legend: String,
    pub index: usize,
    pub name_name: String,
    pub name_id: String,
    pub name: String,
    pub dose_name: String,
    pub dose_id: String,
    pub dose: String,
    pub frequency_name: String,
    pub frequency_id: String,
    pub frequency: String,
    pub error: String,
    pub did_you_mean: String,
    pub removable: bool,
}

/// One question on the page, ready for the template.
pub struct FieldView {
    /// choice, multi, boolean, scale, number, date, line, textarea, meds, subs, instrument, group
    pub kind: &'static str,
    pub name: String,
    pub id: String,
    pub label: String,
    pub hint: String,
    pub error: String,
    pub describedby: String,
    pub invalid: bool,
    pub value: String,
    pub groups: Vec<OptGroup>,
    pub min_label: String,
    pub max_label: String,
    pub unit: String,
    pub max_length: usize,
    pub none_checked: bool,
    pub none_label: String,
    pub add_label: String,
    pub rows: Vec<RowView>,
    pub suggestions: Vec<String>,
    pub suggest_kind: &'static str,
    pub instructions: String,
    /// Above an instrument shown in another language than the page's: why.
    pub instrument_note: String,
    /// The language of the instrument's wording, when it is not the page's (for `lang`).
    pub content_lang: String,
    pub items: Vec<ItemView>,
    pub fields: Vec<FieldView>,
}

fn errors_for(errors: &[FieldError], path: &str) -> String {
    errors
        .iter()
        .filter(|e| e.field == path)
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn options_of(id: &str, options: &[ChoiceOption], chosen: &[String]) -> Vec<OptGroup> {
    let mut groups: Vec<OptGroup> = Vec::new();
    for (i, o) in options.iter().enumerate() {
        let opt = Opt {
            id: if i == 0 {
                id.to_string()
            } else {
                format!("{id}--{i}")
            },
            value: o.code.clone(),
            label: o.label.clone(),
            extra: String::new(),
            checked: chosen.contains(&o.code),
        };
        match groups.last_mut() {
            Some(g) if g.label == o.group => g.options.push(opt),
            _ => groups.push(OptGroup {
                label: o.group.clone(),
                options: vec![opt],
            }),
        }
    }
    groups
}

fn suggestions_for(kind: &str, typed: &str, limit: usize) -> Vec<String> {
    let query: String = typed.chars().take(60).collect();
    if query.trim().chars().count() < 2 {
        return Vec::new();
    }
    let found = if kind == "substance" {
        dyad_core::screening::suggest_substances(&query, limit)
    } else {
        dyad_core::screening::suggest_medications(&query, limit)
    };
    found.into_iter().map(|s| s.name).collect()
}

struct Build<'a> {
    tr: &'a Tr,
    form: &'a Form,
    raw: &'a Raw,
    errors: &'a [FieldError],
}

impl Build<'_> {
    fn field(&self, q: &Question, path: &str, answers: &Value) -> FieldView {
        let id = anchor(path);
        let error = errors_for(self.errors, path);
        let hint = q.help.clone().unwrap_or_default();
        let mut describedby = Vec::new();
        if !hint.is_empty() {
            describedby.push(format!("{id}-hint"));
        }
        if !error.is_empty() {
            describedby.push(format!("{id}-error"));
        }
        let chosen: Vec<String> = self.raw.get(path).cloned().unwrap_or_default();
        let mut view = FieldView {
            kind: "line",
            name: path.to_string(),
            id: id.clone(),
            label: if q.required || matches!(q.kind, QuestionKind::Group { .. }) {
                q.text.clone()
            } else {
                format!("{} ({})", q.text, self.tr.t("intake-optional"))
            },
            hint,
            invalid: !error.is_empty(),
            error,
            describedby: describedby.join(" "),
            value: raw_one(self.raw, path).to_string(),
            groups: Vec::new(),
            min_label: String::new(),
            max_label: String::new(),
            unit: String::new(),
            max_length: 0,
            none_checked: !raw_one(self.raw, &format!("{path}__none")).is_empty(),
            none_label: String::new(),
            add_label: String::new(),
            rows: Vec::new(),
            suggestions: Vec::new(),
            suggest_kind: "medication",
            instructions: String::new(),
            instrument_note: String::new(),
            content_lang: String::new(),
            items: Vec::new(),
            fields: Vec::new(),
        };
        match &q.kind {
            QuestionKind::Choice { options } => {
                view.kind = "choice";
                view.groups = options_of(&id, options, &chosen);
            }
            QuestionKind::MultiChoice { options } => {
                view.kind = "multi";
                view.groups = options_of(&id, options, &chosen);
                view.none_label = self.tr.t("intake-none-of-these");
            }
            QuestionKind::Boolean => {
                view.kind = "boolean";
                let options = [
                    ChoiceOption {
                        code: "yes".into(),
                        label: self.tr.t("intake-yes"),
                        group: None,
                    },
                    ChoiceOption {
                        code: "no".into(),
                        label: self.tr.t("intake-no"),
                        group: None,
                    },
                ];
                view.groups = options_of(&id, &options, &chosen);
            }
            QuestionKind::Scale {
                min,
                max,
                min_label,
                max_label,
            } => {
                view.kind = "scale";
                view.min_label = min_label.clone();
                view.max_label = max_label.clone();
                let options = (*min..=*max)
                    .enumerate()
                    .map(|(i, n)| Opt {
                        id: if i == 0 {
                            id.clone()
                        } else {
                            format!("{id}--{i}")
                        },
                        value: n.to_string(),
                        label: n.to_string(),
                        extra: if n == *min {
                            format!(" ({min_label})")
                        } else if n == *max {
                            format!(" ({max_label})")
                        } else {
                            String::new()
                        },
                        checked: chosen.contains(&n.to_string()),
                    })
                    .collect();
                view.groups = vec![OptGroup {
                    label: None,
                    options,
                }];
            }
            QuestionKind::Number { unit, .. } => {
                view.kind = "number";
                view.unit = unit.clone().unwrap_or_default();
            }
            QuestionKind::Date => view.kind = "date",
            QuestionKind::Text { max_length } => {
                view.kind = if *max_length > 200 {
                    "textarea"
                } else {
                    "line"
                };
                view.max_length = *max_length;
            }
            QuestionKind::MedicationList { .. } | QuestionKind::SubstanceList { .. } => {
                let meds = matches!(q.kind, QuestionKind::MedicationList { .. });
                view.kind = if meds { "meds" } else { "subs" };
                view.suggest_kind = if meds { "medication" } else { "substance" };
                view.none_label = self.tr.t(if meds {
                    "intake-meds-none"
                } else {
                    "intake-subs-none"
                });
                view.add_label = self.tr.t(if meds {
                    "intake-meds-add"
                } else {
                    "intake-subs-add"
                });
                let mut rows = list_rows(self.raw, path);
                // Always one empty row to type into; "add another" saves and focuses it.
                let next = rows.last().map(|l| l + 1).unwrap_or(0);
                rows.push(next);
                let mut suggestions: Vec<String> = Vec::new();
                let count = rows.len();
                for (shown_index, i) in rows.into_iter().enumerate() {
                    let p = |part: &str| format!("{path}[{i}].{part}");
                    let name = raw_one(self.raw, &p("name")).to_string();
                    let found = suggestions_for(view.suggest_kind, &name, 5);
                    let exact = found.iter().any(|s| s.eq_ignore_ascii_case(name.trim()));
                    let did_you_mean = if !name.trim().is_empty() && !exact && !found.is_empty() {
                        self.tr.ta(
                            "intake-did-you-mean",
                            &[(
                                "names",
                                &found.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                            )],
                        )
                    } else {
                        String::new()
                    };
                    for s in found {
                        if !suggestions.contains(&s) {
                            suggestions.push(s);
                        }
                    }
                    let row_errors: Vec<&str> = self
                        .errors
                        .iter()
                        .filter(|e| e.field.starts_with(&format!("{path}[{i}]")))
                        .map(|e| e.message.as_str())
                        .collect();
                    view.rows.push(RowView {
                        legend: self.tr.ta(
                            if meds {
                                "intake-meds-row"
                            } else {
                                "intake-subs-row"
                            },
                            &[("n", &(shown_index + 1).to_string())],
                        ),
                        index: i,
                        name_id: anchor(&p("name")),
                        name_name: p("name"),
                        name,
                        dose_id: anchor(&p("dose")),
                        dose_name: p("dose"),
                        dose: raw_one(self.raw, &p("dose")).to_string(),
                        frequency_id: anchor(&p("frequency")),
                        frequency_name: p("frequency"),
                        frequency: raw_one(self.raw, &p("frequency")).to_string(),
                        error: row_errors.join(" "),
                        did_you_mean,
                        removable: shown_index + 1 < count,
                    });
                }
                view.suggestions = suggestions;
            }
            QuestionKind::Instrument { instrument } => {
                view.kind = "instrument";
                if let Some(def) = self.form.instrument(instrument) {
                    view.instructions = def.instructions.clone();
                    // A validated questionnaire is never re-worded: without a validated
                    // translation it is shown as published, and the reader is told why.
                    if def.language != self.tr.lang() {
                        view.instrument_note = self.tr.ta(
                            "intake-instrument-original-language",
                            &[("language", &def.language)],
                        );
                        view.content_lang = def.language.clone();
                    }
                    view.items = def
                        .items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let ipath = format!("{path}[{i}]");
                            let iid = anchor(&ipath);
                            let picked = raw_one(self.raw, &ipath).to_string();
                            ItemView {
                                legend: format!("{}. {}", item.number, item.text),
                                error: errors_for(self.errors, &ipath),
                                options: item
                                    .options
                                    .iter()
                                    .enumerate()
                                    .map(|(j, o)| Opt {
                                        id: if j == 0 {
                                            iid.clone()
                                        } else {
                                            format!("{iid}--{j}")
                                        },
                                        value: o.value.to_string(),
                                        label: o.label.clone(),
                                        extra: String::new(),
                                        checked: picked == o.value.to_string(),
                                    })
                                    .collect(),
                                id: iid,
                                name: ipath,
                            }
                        })
                        .collect();
                }
            }
            QuestionKind::Group { .. } => {
                view.kind = "group";
                view.fields = self
                    .form
                    .visible_fields(q, answers)
                    .into_iter()
                    .map(|f| self.field(f, &format!("{path}.{}", f.key), answers))
                    .collect();
            }
        }
        view
    }
}

// ---------------------------------------------------------------- pages

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

#[derive(Template)]
#[template(path = "intake_start.html")]
struct StartPage {
    ctx: Ctx,
    title: String,
    intro: String,
    promise: String,
    sections: Vec<SectionLink>,
    started: bool,
    continue_to: String,
    answered: usize,
    total: usize,
    progress_text: String,
}

pub struct SectionLink {
    pub id: String,
    pub title: String,
    pub done: bool,
    pub private: bool,
}

#[derive(Template)]
#[template(path = "intake_done.html")]
struct DonePage {
    ctx: Ctx,
}

/// The sections with what is still missing in each.
fn section_links(form: &Form, missing: &[String], answers: &Value) -> Vec<SectionLink> {
    form.sections
        .iter()
        .map(|s| {
            let lacking = missing
                .iter()
                .any(|m| section_of(form, m).is_some_and(|x| x.id == s.id));
            let any_answer = s
                .questions
                .iter()
                .any(|q| answers.get(&q.key).is_some_and(|v| !v.is_null()));
            SectionLink {
                id: s.id.clone(),
                title: s.title.clone(),
                done: !lacking && any_answer,
                private: s.private_note,
            }
        })
        .collect()
}

pub async fn start(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let form = form_for(tr.lang())?;
    let view = my_intake_view(&state, &auth).await?;
    if view.status == "submitted" {
        return Ok(no_store(render(&DonePage {
            ctx: Ctx::new(&state, tr, Some(&auth)),
        })?));
    }
    let sections = section_links(form, &view.missing, &view.answers);
    let started = view
        .answers
        .as_object()
        .is_some_and(|m| m.values().any(|v| !v.is_null()));
    let continue_to = sections
        .iter()
        .find(|s| !s.done)
        .map(|s| format!("/intake/{}", s.id))
        .unwrap_or_else(|| "/intake/review".into());
    let progress_text = tr.ta(
        "intake-sections-answered",
        &[
            ("answered", &view.answered_sections.to_string()),
            ("total", &view.total_sections.to_string()),
        ],
    );
    Ok(no_store(render(&StartPage {
        title: form.title.clone(),
        intro: form.intro.clone().unwrap_or_default(),
        promise: form.private_note_text.clone(),
        ctx: Ctx::new(&state, tr, Some(&auth)),
        sections,
        started,
        continue_to,
        answered: view.answered_sections,
        total: view.total_sections,
        progress_text,
    })?))
}

#[derive(Template)]
#[template(path = "intake_section.html")]
struct SectionPage {
    ctx: Ctx,
    ui: Ui,
    section_id: String,
    title: String,
    intro: String,
    private: bool,
    promise: String,
    step_text: String,
    position: usize,
    total: usize,
    has_prev: bool,
    is_last: bool,
    saved: bool,
    revision: i64,
    shown: Vec<String>,
    fields: Vec<FieldView>,
    errors: Vec<FieldError>,
}

#[derive(serde::Deserialize, Default)]
pub struct SectionQuery {
    saved: Option<String>,
}

struct SectionInput<'a> {
    raw: &'a Raw,
    answers: &'a Value,
    revision: i64,
    errors: Vec<FieldError>,
    saved: bool,
}

fn section_view(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    form: &Form,
    section: &Section,
    input: SectionInput<'_>,
) -> SectionPage {
    let position = form
        .sections
        .iter()
        .position(|s| s.id == section.id)
        .unwrap_or(0);
    let build = Build {
        tr: &tr,
        form,
        raw: input.raw,
        errors: &input.errors,
    };
    let questions = form.visible_questions(&section.id, input.answers);
    let fields: Vec<FieldView> = questions
        .iter()
        .map(|q| build.field(q, &q.key, input.answers))
        .collect();
    let mut shown = Vec::new();
    for q in &questions {
        shown.push(q.key.clone());
        for f in form.visible_fields(q, input.answers) {
            shown.push(format!("{}.{}", q.key, f.key));
        }
    }
    let errors = input
        .errors
        .iter()
        .map(|e| FieldError::new(&format!("#{}", anchor(&e.field)), e.message.clone()))
        .collect();
    SectionPage {
        ui: Ui::new(&tr),
        section_id: section.id.clone(),
        title: section.title.clone(),
        intro: section.intro.clone().unwrap_or_default(),
        private: section.private_note,
        promise: form.private_note_text.clone(),
        step_text: tr.ta(
            "intake-step",
            &[
                ("n", &(position + 1).to_string()),
                ("total", &form.sections.len().to_string()),
            ],
        ),
        position: position + 1,
        total: form.sections.len(),
        has_prev: position > 0,
        is_last: position + 1 == form.sections.len(),
        saved: input.saved,
        revision: input.revision,
        shown,
        fields,
        errors,
        ctx: Ctx::new(state, tr, Some(auth)),
    }
}

fn find_section<'a>(form: &'a Form, id: &str) -> AppResult<&'a Section> {
    form.section(id).ok_or(AppError::NotFound)
}

pub async fn section_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(section_id): Path<String>,
    Query(q): Query<SectionQuery>,
) -> AppResult<Response> {
    let form = form_for(tr.lang())?;
    let section = find_section(form, &section_id)?;
    let view = my_intake_view(&state, &auth).await?;
    if view.status == "submitted" {
        return Ok(Redirect::to("/intake").into_response());
    }
    let raw = raw_from_answers(section, &view.answers);
    let page = section_view(
        &state,
        tr,
        &auth,
        form,
        section,
        SectionInput {
            raw: &raw,
            answers: &view.answers,
            revision: view.revision,
            errors: Vec::new(),
            saved: q.saved.is_some(),
        },
    );
    Ok(no_store(render(&page)?))
}

/// The answers as they would be with this page's values: for deciding which questions
/// show when the page is drawn again.
fn overlay(current: &Value, patch: &Map<String, Value>) -> Value {
    let mut merged = current.as_object().cloned().unwrap_or_default();
    for (k, v) in patch {
        if v.is_null() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    Value::Object(merged)
}

struct Posted {
    raw: Raw,
    shown: BTreeSet<String>,
    revision: Option<i64>,
    action: String,
}

fn posted(body: &[u8]) -> Posted {
    let pairs = form_pairs(body);
    Posted {
        shown: fields(&pairs, "shown").into_iter().collect(),
        revision: field(&pairs, "revision").parse().ok(),
        action: field(&pairs, "action").to_string(),
        raw: raw_from_pairs(&pairs),
    }
}

pub async fn section_post(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(section_id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let form = form_for(tr.lang())?;
    let section = find_section(form, &section_id)?;
    let input = posted(&body);
    let current = my_intake_view(&state, &auth).await?;
    if current.status == "submitted" {
        return Ok(Redirect::to("/intake").into_response());
    }
    // "remove:<key>:<row>" and "add:<key>" act on a medication or substance list.
    let mut parts = input.action.splitn(3, ':');
    let verb = parts.next().unwrap_or("");
    let list_key = parts.next().unwrap_or("").to_string();
    let row: Option<usize> = parts.next().and_then(|r| r.parse().ok());
    let remove = (verb == "remove")
        .then_some(())
        .and(row)
        .map(|r| (list_key.as_str(), r));
    let mut errors = Vec::new();
    let patch = section_patch(
        Posting {
            tr: &tr,
            form,
            raw: &input.raw,
            shown: &input.shown,
            remove,
        },
        section,
        &current.answers,
        &mut errors,
    );
    let typed_answers = overlay(&current.answers, &patch);
    let outcome = save(&state, &auth, &tr, patch, input.revision).await?;
    let saved_view = match outcome {
        Saved::Done(view) if errors.is_empty() => view,
        other => {
            match other {
                Saved::Invalid(more) => errors.extend(localise(&tr, more)),
                Saved::Conflict(message) => errors.push(FieldError::new("main", message)),
                Saved::Done(_) => {}
            }
            let fresh = my_intake_view(&state, &auth).await?;
            let mut raw = input.raw.clone();
            if let Some((key, i)) = remove {
                raw.retain(|k, _| !k.starts_with(&format!("{key}[{i}]")));
            }
            let page = section_view(
                &state,
                tr,
                &auth,
                form,
                section,
                SectionInput {
                    raw: &raw,
                    answers: &typed_answers,
                    revision: fresh.revision,
                    errors,
                    saved: false,
                },
            );
            return Ok(no_store(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page,
            )?));
        }
    };
    let here = format!("/intake/{}", section.id);
    let target = match verb {
        "add" => {
            let rows = saved_view
                .answers
                .get(&list_key)
                .and_then(Value::as_array)
                .map(Vec::len)
                .unwrap_or(0);
            format!("{here}#{}", anchor(&format!("{list_key}[{rows}].name")))
        }
        "remove" => format!("{here}#{}", anchor(&list_key)),
        "save" => format!("{here}?saved=1"),
        _ => {
            // A question that appeared with these answers (a follow-up) is asked first.
            let now_shown: Vec<String> = form
                .visible_questions(&section.id, &saved_view.answers)
                .iter()
                .map(|q| q.key.clone())
                .collect();
            if let Some(new) = now_shown.iter().find(|k| !input.shown.contains(*k)) {
                format!("{here}#{}", anchor(new))
            } else {
                let position = form
                    .sections
                    .iter()
                    .position(|s| s.id == section.id)
                    .unwrap_or(0);
                if verb == "back" {
                    match position.checked_sub(1).and_then(|p| form.sections.get(p)) {
                        Some(prev) => format!("/intake/{}", prev.id),
                        None => "/intake".into(),
                    }
                } else {
                    match form.sections.get(position + 1) {
                        Some(next) => format!("/intake/{}", next.id),
                        None => "/intake/review".into(),
                    }
                }
            }
        }
    };
    Ok(Redirect::to(&target).into_response())
}

#[derive(Template)]
#[template(path = "intake_autosave.html")]
struct AutosaveFragment {
    message: String,
    problems: Vec<FieldError>,
    revision: i64,
    more_questions: Option<String>,
    more_label: String,
}

/// Saves as answers are given (htmx posts the form on every change) and answers with a
/// short status line for the page's live region.
pub async fn autosave(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(section_id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let form = form_for(tr.lang())?;
    let section = find_section(form, &section_id)?;
    let input = posted(&body);
    let current = my_intake_view(&state, &auth).await?;
    let mut errors = Vec::new();
    let patch = section_patch(
        Posting {
            tr: &tr,
            form,
            raw: &input.raw,
            shown: &input.shown,
            remove: None,
        },
        section,
        &current.answers,
        &mut errors,
    );
    let outcome = if current.status == "submitted" {
        Saved::Conflict(tr.t("intake-locked"))
    } else {
        save(&state, &auth, &tr, patch, input.revision).await?
    };
    let (message, revision, more_questions) = match outcome {
        Saved::Done(view) if errors.is_empty() => {
            let appeared = form
                .visible_questions(&section.id, &view.answers)
                .iter()
                .any(|q| !input.shown.contains(&q.key));
            (
                tr.t("intake-autosaved"),
                view.revision,
                appeared.then(|| format!("/intake/{}", section.id)),
            )
        }
        Saved::Done(view) => (tr.t("intake-autosave-partly"), view.revision, None),
        Saved::Invalid(more) => {
            errors.extend(localise(&tr, more));
            let fresh = my_intake_view(&state, &auth).await?;
            (tr.t("intake-autosave-partly"), fresh.revision, None)
        }
        Saved::Conflict(message) => (message, current.revision, None),
    };
    let fragment = AutosaveFragment {
        message,
        problems: errors
            .into_iter()
            .map(|e| FieldError::new(&anchor(&e.field), e.message))
            .collect(),
        revision,
        more_questions,
        more_label: tr.t("intake-more-questions"),
    };
    Ok(no_store(Html(fragment.render()?).into_response()))
}

#[derive(serde::Deserialize)]
pub struct SuggestQuery {
    #[serde(flatten)]
    typed: BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "intake_suggest.html")]
struct SuggestFragment {
    names: Vec<String>,
}

/// Name suggestions for a medication or substance row, as `<option>`s for its datalist.
pub async fn suggest(
    SignedIn(_auth): SignedIn,
    Path(kind): Path<String>,
    Query(q): Query<SuggestQuery>,
) -> AppResult<Response> {
    let typed = q
        .typed
        .values()
        .find(|v| !v.trim().is_empty())
        .cloned()
        .unwrap_or_default();
    let names = suggestions_for(&kind, &typed, 8);
    Ok(Html(SuggestFragment { names }.render()?).into_response())
}

// ---------------------------------------------------------------- review and submit

pub struct ReviewSection {
    pub id: String,
    pub title: String,
    pub answers: Vec<(String, String)>,
}

pub struct MissingLink {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "intake_review.html")]
struct ReviewPage {
    ctx: Ctx,
    sections: Vec<ReviewSection>,
    missing: Vec<MissingLink>,
    errors: Vec<FieldError>,
}

/// A readable label for an answer path (`relationship.trust`, `pcl5[4]`).
fn path_label(tr: &Tr, form: &Form, path: &str) -> String {
    let top = top_key(path);
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

fn missing_links(tr: &Tr, form: &Form, paths: &[String]) -> Vec<MissingLink> {
    paths
        .iter()
        .map(|p| MissingLink {
            href: format!(
                "/intake/{}#{}",
                section_of(form, p).map(|s| s.id.as_str()).unwrap_or(""),
                anchor(p)
            ),
            label: path_label(tr, form, p),
        })
        .collect()
}

/// A short, readable summary of one answer.
fn summarise(tr: &Tr, form: &Form, q: &Question, value: &Value, detailed: bool) -> String {
    let option_label = |options: &[ChoiceOption], code: &str| {
        options
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.label.clone())
            .unwrap_or_else(|| code.to_string())
    };
    match (&q.kind, value) {
        (QuestionKind::Choice { options }, Value::String(code)) => option_label(options, code),
        (QuestionKind::MultiChoice { options }, Value::Array(codes)) => {
            if codes.is_empty() {
                tr.t("intake-none-of-these")
            } else {
                codes
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|c| option_label(options, c))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
        (QuestionKind::Boolean, Value::Bool(b)) => {
            tr.t(if *b { "intake-yes" } else { "intake-no" })
        }
        (
            QuestionKind::Scale {
                max,
                min_label,
                max_label,
                min,
            },
            Value::Number(n),
        ) => tr.ta(
            "intake-scale-answer",
            &[
                ("value", &n.to_string()),
                ("min", &min.to_string()),
                ("max", &max.to_string()),
                ("min_label", min_label),
                ("max_label", max_label),
            ],
        ),
        (QuestionKind::Number { unit, .. }, Value::Number(n)) => match unit {
            Some(u) => format!("{n} {u}"),
            None => n.to_string(),
        },
        (
            QuestionKind::MedicationList { .. } | QuestionKind::SubstanceList { .. },
            Value::Array(list),
        ) => {
            if list.is_empty() {
                tr.t("intake-list-none")
            } else {
                list.iter()
                    .map(|e| {
                        ["name", "dose", "frequency"]
                            .iter()
                            .filter_map(|p| e.get(*p).and_then(Value::as_str))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
        (QuestionKind::Instrument { instrument }, Value::Array(items)) => {
            let answered = items.iter().filter(|v| !v.is_null()).count();
            let def = form.instrument(instrument);
            if detailed && let Some(def) = def {
                items
                    .iter()
                    .zip(&def.items)
                    .map(|(v, item)| {
                        let label = v
                            .as_i64()
                            .and_then(|n| item.options.iter().find(|o| o.value == n))
                            .map(|o| format!("{} ({})", o.label, o.value))
                            .unwrap_or_else(|| tr.t("intake-not-answered"));
                        format!("{}. {}: {}", item.number, item.text, label)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                tr.ta(
                    "intake-items-answered",
                    &[
                        ("answered", &answered.to_string()),
                        (
                            "total",
                            &def.map(|d| d.items.len())
                                .unwrap_or(items.len())
                                .to_string(),
                        ),
                    ],
                )
            }
        }
        (QuestionKind::Group { fields }, Value::Object(map)) => fields
            .iter()
            .filter_map(|f| {
                map.get(&f.key)
                    .map(|v| format!("{}: {}", f.text, summarise(tr, form, f, v, detailed)))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn answer_sections(tr: &Tr, form: &Form, answers: &Value, detailed: bool) -> Vec<ReviewSection> {
    let not_answered = tr.t("intake-not-answered");
    form.sections
        .iter()
        .map(|s| ReviewSection {
            id: s.id.clone(),
            title: s.title.clone(),
            answers: form
                .visible_questions(&s.id, answers)
                .into_iter()
                .map(|q| {
                    let text = match answers.get(&q.key).filter(|v| !v.is_null()) {
                        Some(v) => summarise(tr, form, q, v, detailed),
                        None => not_answered.clone(),
                    };
                    (q.text.clone(), text)
                })
                .collect(),
        })
        .collect()
}

fn review_page(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    form: &Form,
    view: &MyIntake,
    errors: Vec<FieldError>,
) -> ReviewPage {
    let summary = errors
        .iter()
        .map(|e| {
            if e.field.is_empty() {
                return e.clone();
            }
            let link = missing_links(&tr, form, std::slice::from_ref(&e.field));
            FieldError::new(
                &link.first().map(|l| l.href.clone()).unwrap_or_default(),
                format!(
                    "{}: {}",
                    link.first().map(|l| l.label.as_str()).unwrap_or(""),
                    e.message
                ),
            )
        })
        .collect();
    ReviewPage {
        sections: answer_sections(&tr, form, &view.answers, false),
        missing: missing_links(&tr, form, &view.missing),
        errors: summary,
        ctx: Ctx::new(state, tr, Some(auth)),
    }
}

pub async fn review(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let form = form_for(tr.lang())?;
    let view = my_intake_view(&state, &auth).await?;
    if view.status == "submitted" {
        return Ok(Redirect::to("/intake").into_response());
    }
    Ok(no_store(render(&review_page(
        &state,
        tr,
        &auth,
        form,
        &view,
        Vec::new(),
    ))?))
}

pub async fn submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let form = form_for(tr.lang())?;
    let errors = match apply_submit(&state, &auth).await {
        Ok(_) => return Ok(Redirect::to("/intake").into_response()),
        Err(AppError::Validation(errors)) => localise(&tr, errors),
        Err(AppError::Conflict(detail)) => {
            let view = my_intake_view(&state, &auth).await?;
            if view.status == "submitted" {
                return Ok(Redirect::to("/intake").into_response());
            }
            vec![FieldError::new("", conflict_text(&tr, &detail))]
        }
        Err(other) => return Err(other),
    };
    let view = my_intake_view(&state, &auth).await?;
    Ok(no_store(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &review_page(&state, tr, &auth, form, &view, errors),
    )?))
}

// ---------------------------------------------------------------- quick exit

#[derive(Template)]
#[template(path = "intake_leave.html")]
struct LeavePage {
    tr: Tr,
}

/// The neutral page the quick-exit control leads to: no name, no logo, nothing that says
/// where the person came from.
pub async fn leave(Lang(tr): Lang) -> AppResult<Response> {
    Ok(no_store(render(&LeavePage { tr })?))
}

const CSS: &str = "\
.quick-exit-bar { display: flex; justify-content: flex-end; margin: 0 0 .75rem; }
.quick-exit { display: inline-block; font-weight: 700; padding: .55rem 1rem; min-height: 44px;
  border-radius: 8px; background: var(--danger); color: #fff; text-decoration: none; border: 2px solid var(--danger); }
.quick-exit:hover { text-decoration: underline; }
.intake-step { margin: 0; color: var(--muted); }
progress.intake-progress { width: 100%; height: .8rem; accent-color: var(--accent); }
.intake-private { border-left: 4px solid var(--accent); background: var(--surface); padding: .75rem 1rem; border-radius: 6px; margin: 0 0 1rem; }
.intake-private strong { display: block; }
.intake-instrument-note { border-left: 4px solid var(--border); padding: .25rem .75rem; color: var(--muted); }
fieldset { border: 0; padding: 0; margin: 0 0 1.25rem; min-width: 0; }
fieldset.intake-group, .intake-instrument, fieldset.intake-list { background: var(--surface); border: 1px solid var(--border);
  border-radius: var(--radius); padding: var(--space); }
fieldset fieldset legend { font-weight: 600; }
.intake-option-group { margin: .75rem 0 .25rem; }
.intake-option-group legend { color: var(--muted); font-size: .95rem; }
.scale-row { display: flex; flex-wrap: wrap; gap: .25rem .5rem; align-items: center; }
.scale-option { display: inline-flex; flex-direction: column; align-items: center; font-weight: 400; min-width: 2.75rem; padding: .25rem; }
.scale-option input { width: 1.5rem; height: 1.5rem; }
.scale-end { font-size: .9rem; color: var(--muted); flex-basis: 100%; }
@media (min-width: 30rem) { .scale-end { flex-basis: auto; max-width: 9rem; } }
.intake-row { border-top: 1px solid var(--border); padding-top: .75rem; }
.intake-unit { display: flex; gap: .5rem; align-items: center; }
.intake-unit input { max-width: 10rem; }
.intake-actions { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1.5rem 0; }
.autosave { min-height: 1.6em; color: var(--ok); margin: .5rem 0; }
.autosave .problem { color: var(--danger); }
dl.intake-answers { margin: 0; }
dl.intake-answers dt { font-weight: 600; margin-top: .75rem; }
dl.intake-answers dd { margin: 0; white-space: pre-line; overflow-wrap: anywhere; }
.intake-cols { display: grid; grid-template-columns: 1fr; gap: 1rem; }
@media (min-width: 56rem) { .intake-cols { grid-template-columns: 1fr 1fr; } }
.intake-cols > section { min-width: 0; }
.status-done { color: var(--ok); font-weight: 600; }
.status-todo { color: var(--muted); }
";

/// The few extra rules of the intake pages (no inline styles under the CSP).
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        CSS,
    )
}

// ---------------------------------------------------------------- the care team's view

pub struct ScoreView {
    pub name: String,
    pub total: String,
    pub band: String,
    pub flags: Vec<String>,
    pub screen: String,
}

pub struct MedRow {
    pub name: String,
    pub dose: String,
    pub frequency: String,
}

pub struct StaffColumn {
    pub heading: String,
    pub participant_id: String,
    pub status: String,
    pub version: String,
    pub submitted_at: String,
    pub form_version: String,
    pub submitted: bool,
    pub scores: Vec<ScoreView>,
    pub medications: Vec<MedRow>,
    pub medications_none: bool,
    pub substances: Vec<MedRow>,
    pub substances_none: bool,
    pub versions: Vec<String>,
    pub sections: Vec<ReviewSection>,
}

fn flag_label(def: &InstrumentDef, id: &str) -> String {
    def.flags
        .iter()
        .find(|f| f.id == id)
        .map(|f| f.label.clone())
        .or_else(|| {
            def.criteria
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.label.clone())
        })
        .unwrap_or_else(|| id.to_string())
}

fn list_rows_of(answers: Option<&Value>, key: &str) -> (Vec<MedRow>, bool) {
    let list = answers.and_then(|a| a.get(key)).and_then(Value::as_array);
    let rows = list
        .map(|l| {
            l.iter()
                .map(|e| {
                    let part = |p: &str| e.get(p).and_then(Value::as_str).unwrap_or("").to_string();
                    MedRow {
                        name: part("name"),
                        dose: part("dose"),
                        frequency: part("frequency"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    (rows, list.is_some_and(|l| l.is_empty()))
}

fn staff_column(tr: &Tr, form: &Form, heading: String, intake: StaffIntake) -> StaffColumn {
    let scores = intake
        .scores
        .iter()
        .map(|(id, s)| {
            let def = form.instrument(id);
            ScoreView {
                name: def
                    .map(|d| d.short_name.clone())
                    .unwrap_or_else(|| id.clone()),
                total: format!("{} / {}", s.total, s.max_total),
                band: s.band.as_ref().map(|b| b.label.clone()).unwrap_or_default(),
                flags: s
                    .flags
                    .iter()
                    .map(|f| def.map(|d| flag_label(d, f)).unwrap_or_else(|| f.clone()))
                    .collect(),
                screen: match s.positive_screen {
                    Some(true) => {
                        let label = def
                            .and_then(|d| d.screen.as_ref())
                            .map(|x| x.label.clone())
                            .unwrap_or_default();
                        let cutoff = s
                            .cutoff
                            .as_ref()
                            .map(|c| c.value.to_string())
                            .unwrap_or_default();
                        tr.ta(
                            "intake-staff-screen-positive",
                            &[("label", &label), ("cutoff", &cutoff)],
                        )
                    }
                    Some(false) => tr.t("intake-staff-screen-negative"),
                    None => String::new(),
                },
            }
        })
        .collect();
    let (medications, medications_none) = list_rows_of(intake.answers.as_ref(), "medications");
    let (substances, substances_none) = list_rows_of(intake.answers.as_ref(), "substances");
    StaffColumn {
        heading,
        participant_id: intake.participant_id.clone(),
        status: tr.t(if intake.status == "submitted" {
            "intake-staff-status-submitted"
        } else {
            "intake-staff-status-draft"
        }),
        version: intake.version.map(|v| v.to_string()).unwrap_or_default(),
        submitted_at: intake.submitted_at.clone().unwrap_or_default(),
        form_version: intake.form_version.clone().unwrap_or_default(),
        submitted: intake.answers.is_some(),
        scores,
        medications,
        medications_none,
        substances,
        substances_none,
        versions: intake
            .versions
            .iter()
            .map(|v| {
                tr.ta(
                    if v.amendment {
                        "intake-staff-version-amended"
                    } else {
                        "intake-staff-version"
                    },
                    &[("version", &v.version.to_string()), ("at", &v.submitted_at)],
                )
            })
            .collect(),
        sections: intake
            .answers
            .as_ref()
            .map(|a| answer_sections(tr, form, a, true))
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "intake_staff.html")]
struct StaffPage {
    ctx: Ctx,
    title: String,
    columns: Vec<StaffColumn>,
    duo_id: String,
    not_joined: bool,
}

/// Participants have no staff pages: for them these answer exactly like a missing page.
fn staff_only(auth: &Authenticated) -> AppResult<()> {
    if auth.user.participant_id.is_some() || !auth.user.is_staff() {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub async fn staff_one(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let form = form_for(tr.lang())?;
    let intake = staff_view(&state, &auth, &id).await?;
    // Only after the policy allowed the read: the participant's name and duo for the heading.
    let participant = dyad_store::duos::participant_by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = tr.ta("intake-staff-title", &[("name", &participant.name)]);
    let column = staff_column(&tr, form, participant.name.clone(), intake);
    Ok(no_store(render(&StaffPage {
        ctx: Ctx::new(&state, tr, Some(&auth)),
        title,
        columns: vec![column],
        duo_id: participant.duo_id,
        not_joined: false,
    })?))
}

pub async fn staff_duo(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let form = form_for(tr.lang())?;
    let ctx = duo::load(&state, &id).await?;
    if ctx.participants.is_empty() {
        return Err(AppError::NotFound);
    }
    // Every read goes through the service; one refusal refuses the page.
    let mut intakes = Vec::new();
    for p in &ctx.participants {
        intakes.push((p.name.clone(), staff_view(&state, &auth, &p.id).await?));
    }
    let columns = intakes
        .into_iter()
        .map(|(name, intake)| staff_column(&tr, form, name, intake))
        .collect();
    let title = tr.ta("intake-staff-duo-title", &[("code", &ctx.duo.code)]);
    Ok(no_store(render(&StaffPage {
        ctx: Ctx::new(&state, tr, Some(&auth)).wide(),
        title,
        columns,
        duo_id: ctx.duo.id.clone(),
        not_joined: ctx.participants.len() < 2,
    })?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_answer_paths() {
        assert_eq!(anchor("sex"), "sex");
        assert_eq!(anchor("relationship.trust"), "relationship_trust");
        assert_eq!(anchor("phq9[3]"), "phq9-3");
        assert_eq!(anchor("medications[0].name"), "medications-0_name");
        assert_eq!(top_key("medications[0].name"), "medications");
        assert_eq!(top_key("relationship.trust"), "relationship");
    }

    #[test]
    fn numbers_keep_their_type() {
        assert_eq!(parse_number("64"), Some(serde_json::json!(64)));
        assert_eq!(parse_number("64,5"), Some(serde_json::json!(64.5)));
        assert_eq!(parse_number("sixty"), None);
    }

    #[test]
    fn a_section_round_trips_through_its_inputs() {
        let form = Form::shipped().expect("form");
        let tr = Tr::new("en");
        let answers = serde_json::json!({
            "conditions": [], "medications": [{"name": "sertraline", "dose": "50 mg"}],
            "substances": [], "relationship": {"trust": 4, "pressured": false},
            "phq9": [1, null, 0, null, null, null, null, null, null]
        });
        for id in [
            "physical_health",
            "medication_substances",
            "relationship",
            "phq9",
        ] {
            let section = form.section(id).expect("section");
            let raw = raw_from_answers(section, &answers);
            let mut shown = BTreeSet::new();
            for q in form.visible_questions(id, &answers) {
                shown.insert(q.key.clone());
                for f in form.visible_fields(q, &answers) {
                    shown.insert(format!("{}.{}", q.key, f.key));
                }
            }
            let mut errors = Vec::new();
            let patch = section_patch(
                Posting {
                    tr: &tr,
                    form: &form,
                    raw: &raw,
                    shown: &shown,
                    remove: None,
                },
                section,
                &answers,
                &mut errors,
            );
            assert!(errors.is_empty(), "{errors:?}");
            for (k, v) in &patch {
                let want = answers.get(k).cloned().unwrap_or(Value::Null);
                assert_eq!(v, &want, "{k}");
            }
        }
    }
}
