//! Intake answer payloads (autosaved drafts and submissions, as JSON bytes) against the shipped
//! form: validation, the submit check, scoring and pruning must never panic.
#![no_main]

use dyad_fuzz::{FORM, exercise_form, json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(answers) = json(data) else { return };
    exercise_form(&FORM, &answers);
});
