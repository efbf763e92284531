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
