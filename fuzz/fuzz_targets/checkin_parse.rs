//! The aftercare check-in knowledge (`knowledge/aftercare/checkin.toml`: the wellbeing
//! questions and the answers that signal risk): `CheckInKnowledge::parse` must refuse anything
//! malformed with an error, and knowledge it accepts must check answers and read signals
//! without panicking, whatever the answers hold.
#![no_main]

use std::collections::BTreeMap;

use dyad_core::aftercare::{Answer, CheckInKnowledge};
use dyad_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let Ok(knowledge) = CheckInKnowledge::parse(text) else {
        return;
    };
    let keys: Vec<String> = knowledge.questions.iter().map(|q| q.key.clone()).collect();
    let texts: Vec<String> = knowledge
        .signals
        .iter()
        .flat_map(|s| s.equals.iter().cloned())
        .chain(["".to_string(), "no".to_string()])
        .collect();
    let mut sets: Vec<BTreeMap<String, Answer>> = vec![BTreeMap::new()];
    for n in [i64::MIN, -1, 0, 5, 10, i64::MAX] {
        sets.push(
            keys.iter()
                .map(|k| (k.clone(), Answer::Number(n)))
                .collect(),
        );
    }
    for t in &texts {
        sets.push(
            keys.iter()
                .map(|k| (k.clone(), Answer::Text(t.clone())))
                .collect(),
        );
    }
    let mut items: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for s in &knowledge.signals {
        if let Some(instrument) = &s.instrument {
            items.insert(instrument.clone(), vec![i64::MAX; 64]);
        }
    }
    for answers in &sets {
        let _ = knowledge.check(answers);
        let _ = knowledge.signals(answers, &items);
        let _ = knowledge.signals(answers, &BTreeMap::new());
    }
});
