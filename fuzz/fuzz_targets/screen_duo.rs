//! Screening a duo with the shipped knowledge base (`screening::screen_duo`) on two arbitrary
//! answer sets: the input is `[first, second]` as JSON (any other JSON value is screened against
//! an empty answer set). Must never panic.
#![no_main]

use dyad_core::screening::{IntakeAnswers, screen_duo};
use dyad_fuzz::json;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Some(value) = json(data) else { return };
    let (first, second) = match value {
        Value::Array(mut list) if list.len() == 2 => {
            let second = list.pop().unwrap_or_default();
            let first = list.pop().unwrap_or_default();
            (first, second)
        }
        other => (other, json!({})),
    };
    let first = IntakeAnswers::new("first", first);
    let second = IntakeAnswers::new("second", second);
    let screening = screen_duo(&first, &second).expect("the shipped knowledge base parses");
    // The reverse order must screen too.
    let _ = screen_duo(&second, &first);
    let _ = serde_json::to_string(&screening);
});
