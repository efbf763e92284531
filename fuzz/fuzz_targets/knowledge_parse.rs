//! Knowledge files (`knowledge/*.toml`: interactions, conditions, instrument results, relational
//! rules): `Knowledge::parse` must refuse anything malformed with an error, and a knowledge base
//! it accepts must then screen a duo and answer autocomplete queries without panicking.
#![no_main]

use dyad_core::screening::{EntryKind, IntakeAnswers, Knowledge, screen};
use dyad_fuzz::{FORM, answer_sets, text};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let Ok(knowledge) = Knowledge::parse(text) else {
        return;
    };
    // Answers that name everything this knowledge base knows, so that its rules fire.
    let mut medications = Vec::new();
    let mut substances = Vec::new();
    for entry in knowledge.entries() {
        for name in entry.names() {
            let item = json!({"name": name});
            match entry.kind {
                EntryKind::Medication => medications.push(item),
                EntryKind::Substance => substances.push(item),
            }
        }
    }
    let conditions: Vec<&str> = knowledge.condition_codes().into_iter().collect();
    let mut sets = answer_sets(&FORM);
    for set in sets.iter_mut() {
        if let Value::Object(map) = set {
            map.insert("medications".into(), json!(medications));
            map.insert("substances".into(), json!(substances));
            map.insert("conditions".into(), json!(conditions));
        }
    }
    // Hostile answers: every path a rule tests or a scale describes holds extreme numbers, once
    // as a short list of the largest integers JSON can carry, once as a long list of the largest
    // values the engine reads as whole numbers (below 1e15).
    let paths: Vec<&str> = knowledge
        .rules()
        .iter()
        .flat_map(|rule| rule.when.iter().map(|test| test.path()))
        .chain(knowledge.scales().iter().map(|scale| scale.path.as_str()))
        .collect();
    for extreme in [
        json!([i64::MAX, i64::MAX, i64::MIN, 1]),
        json!(vec![999_999_999_999_999_i64; 9_300]),
    ] {
        let mut hostile = serde_json::Map::new();
        for path in &paths {
            set_path(&mut hostile, path, extreme.clone());
        }
        sets.push(Value::Object(hostile));
    }
    for pair in sets.windows(2) {
        let first = IntakeAnswers::new("first", pair[0].clone());
        let second = IntakeAnswers::new("second", pair[1].clone());
        let _ = screen(&knowledge, &[first, second]);
    }
    for entry in knowledge.entries().iter().take(8) {
        for name in entry.names().take(2) {
            let prefix: String = name.chars().take(3).collect();
            let _ = knowledge.suggest(&prefix, entry.kind, 10);
            let _ = knowledge.suggest(name, entry.kind, 10);
        }
    }
});

/// Sets `a.b.c` in a JSON object, creating objects on the way (a non-object on the way is
/// replaced).
fn set_path(map: &mut serde_json::Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let slot = map
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Default::default()));
            if !slot.is_object() {
                *slot = Value::Object(Default::default());
            }
            if let Value::Object(inner) = slot {
                set_path(inner, rest, value);
            }
        }
    }
}
