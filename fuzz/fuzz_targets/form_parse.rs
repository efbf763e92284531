//! Form definition files (`knowledge/forms/*.toml`): `Form::parse` must refuse anything malformed
//! with an error, and a form it accepts must then evaluate any answers without panicking.
#![no_main]

use dyad_core::forms::Form;
use dyad_fuzz::{INSTRUMENTS, answer_sets, exercise_form, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    // `Form::parse(text)` is `Form::parse_with(text, Instruments::shipped()?)`; the shipped
    // instruments are parsed once here instead of on every run.
    let Ok(form) = Form::parse_with(text, INSTRUMENTS.clone()) else {
        return;
    };
    for answers in answer_sets(&form) {
        exercise_form(&form, &answers);
    }
});
