//! Aftercare check-ins as data (`knowledge/aftercare/checkin.toml`): the short wellbeing
//! check asked every time, and the answers that signal risk. A signal never decides
//! anything: the caller shows the crisis contacts and opens an alert for the care team.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::instruments::is_key;

pub const CHECKIN_TOML: &str = include_str!("../../../knowledge/aftercare/checkin.toml");

/// How a wellbeing question is answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    /// A whole number from `min` to `max`.
    Scale { min: i64, max: i64 },
    /// One of the named options.
    Choice { options: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Answer key, also the catalogue key (`checkin-q-<key>`).
    pub key: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
}

/// An answer that signals risk: an instrument item at or above a value, or a wellbeing
/// answer among the listed options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub id: String,
    #[serde(default)]
    pub instrument: Option<String>,
    /// 1-based item number of the instrument.
    #[serde(default)]
    pub item: Option<usize>,
    #[serde(default)]
    pub at_least: Option<i64>,
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub equals: Vec<String>,
    pub source: String,
    pub evidence: String,
}

/// A wellbeing answer: a number for a scale, an option for a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Number(i64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInKnowledge {
    pub version: String,
    pub questions: Vec<Question>,
    pub signals: Vec<Signal>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("check-in knowledge: {0}")]
pub struct KnowledgeError(pub String);

/// One problem with a set of wellbeing answers: the question key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerProblem {
    pub key: String,
    pub message: String,
}

impl CheckInKnowledge {
    pub fn parse(text: &str) -> Result<CheckInKnowledge, KnowledgeError> {
        let k: CheckInKnowledge =
            toml::from_str(text).map_err(|e| KnowledgeError(e.to_string()))?;
        let mut keys = BTreeSet::new();
        for q in &k.questions {
            if !is_key(&q.key) || !keys.insert(q.key.as_str()) {
                return Err(KnowledgeError(format!(
                    "question key {:?} is not a key or is repeated",
                    q.key
                )));
            }
            match &q.kind {
                QuestionKind::Scale { min, max } if min >= max => {
                    return Err(KnowledgeError(format!("{}: min must be below max", q.key)));
                }
                QuestionKind::Choice { options }
                    if options.len() < 2 || options.iter().any(|o| !is_key(o)) =>
                {
                    return Err(KnowledgeError(format!(
                        "{}: a choice needs two or more options, each a key",
                        q.key
                    )));
                }
                _ => {}
            }
        }
        let mut ids = BTreeSet::new();
        for s in &k.signals {
            if !is_key(&s.id) || !ids.insert(s.id.as_str()) {
                return Err(KnowledgeError(format!(
                    "signal id {:?} is not a key or is repeated",
                    s.id
                )));
            }
            if s.source.trim().is_empty()
                || !matches!(s.evidence.as_str(), "V" | "S" | "U" | "site")
            {
                return Err(KnowledgeError(format!(
                    "signal {} needs a source and an evidence tag (V, S, U or site)",
                    s.id
                )));
            }
            let on_item =
                s.instrument.is_some() && s.item.is_some_and(|i| i >= 1) && s.at_least.is_some();
            let on_question = match &s.question {
                Some(key) => match k.questions.iter().find(|q| &q.key == key) {
                    Some(Question {
                        kind: QuestionKind::Choice { options },
                        ..
                    }) => !s.equals.is_empty() && s.equals.iter().all(|e| options.contains(e)),
                    _ => false,
                },
                None => false,
            };
            if on_item == on_question {
                return Err(KnowledgeError(format!(
                    "signal {} must name either an instrument item (instrument, item, at_least) or a choice question and its options",
                    s.id
                )));
            }
        }
        Ok(k)
    }

    pub fn shipped() -> Result<CheckInKnowledge, KnowledgeError> {
        CheckInKnowledge::parse(CHECKIN_TOML)
    }

    /// Every question answered, each within its scale or among its options, and nothing
    /// else. Returns every problem at once.
    pub fn check(&self, answers: &BTreeMap<String, Answer>) -> Vec<AnswerProblem> {
        let mut problems = Vec::new();
        for q in &self.questions {
            let problem = match (&q.kind, answers.get(&q.key)) {
                (_, None) => Some("Answer this question.".to_string()),
                (QuestionKind::Scale { min, max }, Some(Answer::Number(v)))
                    if (min..=max).contains(&v) =>
                {
                    None
                }
                (QuestionKind::Scale { min, max }, _) => {
                    Some(format!("Choose a whole number from {min} to {max}."))
                }
                (QuestionKind::Choice { options }, Some(Answer::Text(t)))
                    if options.contains(t) =>
                {
                    None
                }
                (QuestionKind::Choice { options }, _) => {
                    Some(format!("Choose one of: {}.", options.join(", ")))
                }
            };
            if let Some(message) = problem {
                problems.push(AnswerProblem {
                    key: q.key.clone(),
                    message,
                });
            }
        }
        for key in answers.keys() {
            if !self.questions.iter().any(|q| &q.key == key) {
                problems.push(AnswerProblem {
                    key: key.clone(),
                    message: "There is no such question.".into(),
                });
            }
        }
        problems
    }

    /// The signals a set of answers raises, in file order. `instruments` holds the item
    /// answers of the instruments given, by instrument id.
    pub fn signals(
        &self,
        wellbeing: &BTreeMap<String, Answer>,
        instruments: &BTreeMap<String, Vec<i64>>,
    ) -> Vec<&Signal> {
        self.signals
            .iter()
            .filter(|s| {
                if let (Some(instrument), Some(item), Some(at_least)) =
                    (&s.instrument, s.item, s.at_least)
                {
                    return instruments
                        .get(instrument)
                        .and_then(|answers| answers.get(item - 1))
                        .is_some_and(|v| *v >= at_least);
                }
                match s.question.as_ref().and_then(|q| wellbeing.get(q)) {
                    Some(Answer::Text(t)) => s.equals.contains(t),
                    _ => false,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wellbeing(self_harm: &str, contact: &str) -> BTreeMap<String, Answer> {
        BTreeMap::from([
            ("mood".into(), Answer::Number(6)),
            ("sleep".into(), Answer::Number(7)),
            ("self_harm".into(), Answer::Text(self_harm.into())),
            ("contact".into(), Answer::Text(contact.into())),
        ])
    }

    fn ids<'a>(s: &[&'a Signal]) -> Vec<&'a str> {
        s.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn the_shipped_knowledge_parses_with_a_source_for_every_signal() {
        let k = CheckInKnowledge::shipped().unwrap();
        assert_eq!(k.questions.len(), 4);
        assert!(k.signals.iter().all(|s| !s.source.is_empty()));
    }

    #[test]
    fn calm_answers_raise_nothing_and_each_risk_answer_raises_its_signal() {
        let k = CheckInKnowledge::shipped().unwrap();
        let none = BTreeMap::new();
        assert!(k.signals(&wellbeing("no", "no"), &none).is_empty());
        assert_eq!(
            ids(&k.signals(&wellbeing("plan", "no"), &none)),
            ["self_harm_thoughts", "self_harm_plan"]
        );
        assert_eq!(
            ids(&k.signals(&wellbeing("thoughts", "no"), &none)),
            ["self_harm_thoughts"]
        );
        assert_eq!(
            ids(&k.signals(&wellbeing("no", "yes"), &none)),
            ["asked_for_contact"]
        );
        let mut phq = vec![0; 9];
        let calm = BTreeMap::from([("phq9".to_string(), phq.clone())]);
        assert!(k.signals(&wellbeing("no", "no"), &calm).is_empty());
        phq[8] = 1;
        let item9 = BTreeMap::from([("phq9".to_string(), phq)]);
        assert_eq!(
            ids(&k.signals(&wellbeing("no", "no"), &item9)),
            ["phq9_item9"]
        );
    }

    #[test]
    fn answers_are_checked_all_at_once() {
        let k = CheckInKnowledge::shipped().unwrap();
        assert!(k.check(&wellbeing("no", "no")).is_empty());
        let mut bad = wellbeing("maybe", "no");
        bad.insert("mood".into(), Answer::Number(11));
        bad.remove("sleep");
        bad.insert("extra".into(), Answer::Number(1));
        let keys: Vec<String> = k.check(&bad).into_iter().map(|p| p.key).collect();
        assert_eq!(keys, ["mood", "sleep", "self_harm", "extra"]);
    }

    #[test]
    fn malformed_knowledge_is_refused() {
        let no_source = CHECKIN_TOML.replace("evidence = \"site\"", "evidence = \"\"");
        assert!(CheckInKnowledge::parse(&no_source).is_err());
        let unknown_option = CHECKIN_TOML.replace("equals = [\"plan\"]", "equals = [\"maybe\"]");
        assert!(CheckInKnowledge::parse(&unknown_option).is_err());
        assert!(CheckInKnowledge::parse("version = 1").is_err());
    }
}
