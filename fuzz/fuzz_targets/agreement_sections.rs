//! Agreement payloads (`sections` of `PUT /api/v1/duos/{id}/agreement`, as JSON bytes):
//! `parse_sections` must answer with field errors, never panic; accepted sections must normalise,
//! hash and diff without panicking.
#![no_main]

use dyad_core::pathway::agreement::{
    AgreementSections, canonical_hash, canonical_json, diff, parse_sections,
};
use dyad_fuzz::json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(value) = json(data) else { return };
    let participants = vec!["p1".to_owned(), "p2".to_owned()];
    let _ = canonical_json(&value);
    let _ = canonical_hash(&value);
    // One payload, or `[old, new]` to diff two versions.
    let payloads = match &value {
        serde_json::Value::Array(list) if list.len() == 2 => vec![&list[0], &list[1]],
        _ => vec![&value],
    };
    let mut parsed: Vec<AgreementSections> = Vec::new();
    for payload in payloads {
        if let Ok(sections) = parse_sections(payload, &participants) {
            let _ = sections.validate(&participants);
            let _ = sections.missing_sections(&participants);
            let _ = sections.is_complete(&participants);
            let _ = sections.normalized_json();
            let _ = sections.canonical_json();
            let _ = sections.content_hash();
            parsed.push(sections);
        }
    }
    let empty = AgreementSections::default();
    for sections in &parsed {
        let _ = diff(&empty, sections);
        let _ = diff(sections, &empty);
    }
    if let [old, new] = parsed.as_slice() {
        let _ = diff(old, new);
    }
});
