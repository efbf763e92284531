//! Licensed-instrument definition files a site uploads: `InstrumentDef::parse` and
//! `Instruments::load` must refuse anything malformed with an error; an accepted definition must
//! score any answers, and join the intake form (`Form::shipped_with`), without panicking.
#![no_main]

use dyad_core::forms::Form;
use dyad_core::instruments::{InstrumentDef, Sex};
use dyad_fuzz::{INSTRUMENTS, answer_sets, exercise_form, instrument_answers, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let Ok(def) = InstrumentDef::parse(text) else {
        return;
    };
    let low = instrument_answers(&def, false);
    let high = instrument_answers(&def, true);
    let mut too_long = high.clone();
    too_long.push(0);
    let out_of_range = vec![i64::MAX; def.items.len()];
    for answers in [&low, &high, &too_long, &out_of_range, &Vec::new()] {
        for sex in [None, Some(Sex::Female), Some(Sex::Male), Some(Sex::Other)] {
            let _ = def.score(answers, sex);
        }
    }
    for total in [def.min_total, def.max_total, 0, i64::MIN, i64::MAX] {
        let _ = def.band_for(total);
    }
    for index in 0..=def.items.len() {
        let _ = def.check_item(index, 0);
    }

    // As a site loads it: next to the shipped instruments, then into the intake form.
    let mut set = INSTRUMENTS.clone();
    if set.load(text).is_err() {
        return;
    }
    let Ok(form) = Form::shipped_with(set) else {
        return;
    };
    for answers in answer_sets(&form) {
        exercise_form(&form, &answers);
    }
});
