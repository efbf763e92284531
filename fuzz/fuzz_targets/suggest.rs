//! Autocomplete queries for the intake's medication and substance fields (typed by a
//! participant, any Unicode): must never panic. The first byte picks the limit.
#![no_main]

use dyad_core::screening::{suggest_medications, suggest_substances};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&limit, rest)) = data.split_first() else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    let limit = usize::from(limit % 32);
    let _ = suggest_medications(query, limit);
    let _ = suggest_substances(query, limit);
});
