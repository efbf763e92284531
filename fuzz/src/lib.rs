//! Helpers shared by the fuzz targets: the shipped data, parsed once, and answer sets built from
//! a form so that a fuzzed form or instrument is also exercised with answers that reach its
//! rules (not only with `{}`).

use std::sync::LazyLock;

use dyad_core::forms::{Form, Question, QuestionKind};
use dyad_core::instruments::{InstrumentDef, Instruments};
use serde_json::{Map, Value, json};

/// The four shipped instruments (PHQ-9, GAD-7, PCL-5, AUDIT-C), parsed once.
pub static INSTRUMENTS: LazyLock<Instruments> =
    LazyLock::new(|| Instruments::shipped().expect("the shipped instruments parse"));

/// The shipped intake form, parsed once.
pub static FORM: LazyLock<Form> =
    LazyLock::new(|| Form::shipped().expect("the shipped intake form parses"));

/// The text of a fuzz input, or `None` when it is not UTF-8 (every parser here takes `&str`,
/// as the web layer hands them only valid UTF-8).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A JSON value from a fuzz input, or `None` when it is not JSON.
pub fn json(data: &[u8]) -> Option<Value> {
    serde_json::from_slice(data).ok()
}

/// Answers for an instrument: every item at its lowest (`high == false`) or highest option.
pub fn instrument_answers(def: &InstrumentDef, high: bool) -> Vec<i64> {
    def.items
        .iter()
        .map(|item| {
            let values = item.options.iter().map(|o| o.value);
            if high { values.max() } else { values.min() }.unwrap_or(0)
        })
        .collect()
}

/// A value for one question, at the low or high end of what it accepts (and, for texts and
/// lists, one step past the limit on the high end).
fn value_for(form: &Form, q: &Question, high: bool) -> Value {
    match &q.kind {
        QuestionKind::Choice { options } => {
            let option = if high {
                options.last()
            } else {
                options.first()
            };
            option.map_or(Value::Null, |o| json!(o.code))
        }
        QuestionKind::MultiChoice { options } => {
            let codes: Vec<&str> = options.iter().map(|o| o.code.as_str()).collect();
            if high { json!(codes) } else { json!([]) }
        }
        QuestionKind::Scale { min, max, .. } => json!(if high { *max } else { *min }),
        QuestionKind::Number { min, max, .. } => json!(if high { *max } else { *min }),
        QuestionKind::Date => json!(if high { "2024-02-29" } else { "1900-01-01" }),
        QuestionKind::Boolean => json!(high),
        QuestionKind::Text { max_length } => {
            if high {
                json!("é".repeat(max_length.saturating_add(1).min(20_000)))
            } else {
                json!("")
            }
        }
        QuestionKind::MedicationList { max_items } | QuestionKind::SubstanceList { max_items } => {
            let entry = json!({"name": "sertraline", "dose": "50 mg", "frequency": "daily"});
            if high {
                Value::Array(vec![entry; max_items.saturating_add(1).min(200)])
            } else {
                json!([entry])
            }
        }
        QuestionKind::Instrument { instrument } => match form.instrument(instrument) {
            Some(def) => json!(instrument_answers(def, high)),
            None => json!([]),
        },
        QuestionKind::Group { fields } => {
            let mut object = Map::new();
            for field in fields {
                object.insert(field.key.clone(), value_for(form, field, high));
            }
            Value::Object(object)
        }
    }
}

/// Answer sets to run a form's rules on: empty, not an object, every question at its low end,
/// and every question at its high end.
pub fn answer_sets(form: &Form) -> Vec<Value> {
    let mut sets = vec![json!({}), json!(null), json!([1, "x"])];
    for high in [false, true] {
        let mut object = Map::new();
        for (_, q) in form.all_questions() {
            object.insert(q.key.clone(), value_for(form, q, high));
        }
        sets.push(Value::Object(object));
    }
    sets
}

/// Runs every function that reads intake answers against a form.
pub fn exercise_form(form: &Form, answers: &Value) {
    let _ = form.validate_draft(answers);
    let _ = form.check_submit(answers);
    let _ = form.missing_for_submit(answers);
    let _ = form.progress(answers);
    let _ = form.scores(answers);
    let pruned = form.prune_hidden(answers);
    let _ = form.validate_draft(&pruned);
    let _ = form.check_submit(&pruned);
    for section in &form.sections {
        for q in form.visible_questions(&section.id, answers) {
            let _ = form.visible_fields(q, answers);
        }
    }
    for key in form.keys() {
        let _ = form.is_visible(&key, answers);
        let _ = form.question(&key);
    }
}
