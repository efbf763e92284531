//! Session-day protocol files (`knowledge/protocols/*.toml`): `Protocol::parse` must refuse
//! anything malformed with an error, and a protocol it accepts must then judge vital signs
//! against its limits and lay out its aftercare schedule without panicking or overflowing.
#![no_main]

use dyad_core::protocol::Protocol;
use dyad_fuzz::text;
use libfuzzer_sys::fuzz_target;

const MEASURES: [&str; 5] = ["systolic", "diastolic", "pulse", "temperature_c", "suds"];

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let Ok(protocol) = Protocol::parse(text) else {
        return;
    };
    for value in [0.0, 37.5, 161.0, -1e6, 1e6, f64::MAX, f64::MIN, f64::NAN] {
        let values: Vec<(&str, f64)> = MEASURES.iter().map(|m| (*m, value)).collect();
        let _ = protocol.exceeded(&values);
    }
    // Sessions closed at the epoch, now-ish, and far in the future (year ~2500).
    for closed_at in [0_i64, 1_800_000_000_000_000, 16_725_225_600_000_000] {
        let schedule = protocol.aftercare.schedule(closed_at);
        for pair in schedule.windows(2) {
            assert!(pair[0].due_at < pair[1].due_at, "check-ins in time order");
        }
        for c in &schedule {
            assert!(c.due_at < c.closes_at, "a check-in closes after it opens");
        }
    }
    let _ = protocol.aftercare.escalate_after_micros();
});
