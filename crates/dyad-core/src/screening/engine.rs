//! The rules engine: intake answers in, findings and a suggested format out. Pure.

use std::collections::HashSet;

use serde_json::Value;

use super::knowledge::{EntryKind, Knowledge, Rule, Scale, Test};
use super::matching::{self, Resolved};
use super::{Evidence, Finding, Format, IntakeAnswers, Screening, Severity};

const UNRECOGNISED_SOURCE: &str =
    "dyad screening: no knowledge entry matched this answer, so it needs a person to check it";

/// Screens the participants of a duo (normally two) against a knowledge base.
///
/// Every finding names its participant, the answer that caused it, its source and its evidence
/// tag. The recommended format is the most restrictive of: `not_eligible` for any exclusion, the
/// formats that relational and aggregate rules call for, and otherwise `duo`. It is a suggestion
/// for the clinician, who decides.
pub fn screen(knowledge: &Knowledge, participants: &[IntakeAnswers]) -> Screening {
    let mut findings: Vec<Finding> = Vec::new();
    let mut formats: Vec<(Format, String)> = Vec::new();

    if participants.len() != 2 {
        findings.push(Finding {
            code: "duo_incomplete".to_owned(),
            severity: Severity::Caution,
            participant_id: None,
            explanation: format!(
                "Screening covers {} participant(s); a duo has two, so the picture is incomplete.",
                participants.len()
            ),
            source: "dyad API contract: a duo is two people who share one pathway".to_owned(),
            evidence: Evidence::Verified,
            answer_path: None,
            action: Some("Screen again once both intakes are submitted.".to_owned()),
            needs_washout: false,
            needs_review: true,
        });
    }

    for participant in participants {
        let mut own = Participant::new(knowledge, participant);
        own.scales();
        own.names("medications", EntryKind::Medication);
        own.names("substances", EntryKind::Substance);
        own.condition_codes();
        own.rules();
        own.aggregates();
        for (format, finding) in &own.formats {
            formats.push((*format, reason(finding)));
        }
        findings.extend(own.findings);
    }

    for finding in &findings {
        if finding.severity == Severity::Exclusion {
            formats.push((Format::NotEligible, reason(finding)));
        }
    }
    let recommended_format = formats
        .iter()
        .map(|(format, _)| *format)
        .max()
        .unwrap_or(Format::Duo);
    let mut format_reasons: Vec<String> = Vec::new();
    for (format, why) in formats {
        if format == recommended_format && !format_reasons.contains(&why) {
            format_reasons.push(why);
        }
    }
    if format_reasons.is_empty() {
        format_reasons
            .push("No finding calls for a more restrictive format than a duo session.".to_owned());
    }

    // Most severe first; the sort is stable, so participant and rule order are kept within a level.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    Screening {
        findings,
        recommended_format,
        format_reasons,
        knowledge_version: knowledge.version().to_owned(),
    }
}

fn reason(finding: &Finding) -> String {
    let who = finding
        .participant_id
        .as_deref()
        .map_or_else(|| "the duo".to_owned(), |id| format!("participant {id}"));
    format!("{} ({who}): {}", finding.code, finding.explanation)
}

/// One participant's screening in progress.
struct Participant<'a> {
    knowledge: &'a Knowledge,
    id: &'a str,
    answers: &'a Value,
    findings: Vec<Finding>,
    /// Formats asked for by this participant's findings, with the finding that asked.
    formats: Vec<(Format, Finding)>,
    /// Answer paths that could not be read; rules on them are not evaluated.
    unreadable: HashSet<String>,
}

impl<'a> Participant<'a> {
    fn new(knowledge: &'a Knowledge, intake: &'a IntakeAnswers) -> Self {
        Participant {
            knowledge,
            id: &intake.participant_id,
            answers: &intake.answers,
            findings: Vec::new(),
            formats: Vec::new(),
            unreadable: HashSet::new(),
        }
    }

    fn finding(&self, code: &str, severity: Severity, explanation: String) -> Finding {
        Finding {
            code: code.to_owned(),
            severity,
            participant_id: Some(self.id.to_owned()),
            explanation,
            source: String::new(),
            evidence: Evidence::Unverified,
            answer_path: None,
            action: None,
            needs_washout: false,
            needs_review: false,
        }
    }

    fn unreadable(&mut self, path: &str, expected: &str, source: Option<(&str, Evidence)>) {
        if !self.unreadable.insert(path.to_owned()) {
            return;
        }
        let mut finding = self.finding(
            "answer_unreadable",
            Severity::Caution,
            format!(
                "The answer at `{path}` could not be read ({expected} expected), so it was not \
                 screened — review."
            ),
        );
        let (source, evidence) = source.unwrap_or((UNRECOGNISED_SOURCE, Evidence::Unverified));
        finding.source = source.to_owned();
        finding.evidence = evidence;
        finding.answer_path = Some(path.to_owned());
        finding.action = Some("Check the answer with the participant.".to_owned());
        finding.needs_review = true;
        self.findings.push(finding);
    }

    /// Checks the shape of every scored answer before rules use it.
    fn scales(&mut self) {
        for scale in self.knowledge.scales() {
            let value = lookup(self.answers, &scale.path);
            if is_absent(value) {
                continue;
            }
            if read_scale(value, scale).is_none() {
                let expected = match scale.items {
                    Some(n) => format!(
                        "{n} whole numbers from {} to {} for {}",
                        scale.min, scale.max, scale.label
                    ),
                    None => format!(
                        "a whole number from {} to {} for {}",
                        scale.min, scale.max, scale.label
                    ),
                };
                self.unreadable(
                    &scale.path,
                    &expected,
                    Some((&scale.source, scale.evidence)),
                );
            }
        }
    }

    /// Medicines or substances: each name is recognised, or reported as not recognised.
    fn names(&mut self, key: &str, kind: EntryKind) {
        let value = lookup(self.answers, key);
        if is_absent(value) {
            return;
        }
        let Some(items) = value.and_then(Value::as_array) else {
            self.unreadable(key, "a list of names", None);
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let name = match item {
                Value::String(s) => Some(s.as_str()),
                Value::Object(map) => map.get("name").and_then(Value::as_str),
                _ => None,
            };
            let Some(name) = name else {
                self.unreadable(&format!("{key}[{i}]"), "an entry with a `name`", None);
                continue;
            };
            let path = match item {
                Value::Object(_) => format!("{key}[{i}].name"),
                _ => format!("{key}[{i}]"),
            };
            for resolved in matching::resolve(self.knowledge, name, kind) {
                let finding = match resolved {
                    Resolved::Recognised(found) => self.interaction(kind, name, &found, &path),
                    Resolved::Ambiguous { text, candidates } => {
                        let names: Vec<&str> = candidates
                            .iter()
                            .filter_map(|&c| self.knowledge.entries().get(c))
                            .map(|e| e.name.as_str())
                            .collect();
                        self.not_recognised(
                            kind,
                            &path,
                            format!(
                                "\"{text}\" is not recognised with confidence — it is close to {} — review.",
                                names.join(" and ")
                            ),
                        )
                    }
                    Resolved::Unrecognised { text } => self.not_recognised(
                        kind,
                        &path,
                        format!(
                            "\"{text}\" is not recognised — review. dyad has no interaction entry \
                             for this name, so a clinician checks it by hand."
                        ),
                    ),
                };
                self.findings.push(finding);
            }
        }
    }

    fn not_recognised(&self, kind: EntryKind, path: &str, explanation: String) -> Finding {
        let code = match kind {
            EntryKind::Medication => "unrecognised_medication",
            EntryKind::Substance => "unrecognised_substance",
        };
        let mut finding = self.finding(code, Severity::Caution, explanation);
        finding.source = UNRECOGNISED_SOURCE.to_owned();
        finding.answer_path = Some(path.to_owned());
        finding.action = Some(
            "Confirm the name with the participant and check interactions with MDMA by hand."
                .to_owned(),
        );
        finding.needs_review = true;
        finding
    }

    fn interaction(
        &self,
        kind: EntryKind,
        given: &str,
        found: &matching::Recognised,
        path: &str,
    ) -> Finding {
        // Both lookups succeed for a validated knowledge base; the fallback keeps the name visible.
        let entry = self.knowledge.entries().get(found.entry);
        let Some((entry, class)) = entry.and_then(|e| Some((e, self.knowledge.class_of(e)?)))
        else {
            return self.not_recognised(
                kind,
                path,
                format!("\"{}\" is not recognised — review.", given.trim()),
            );
        };
        let disputed = entry.disputed.unwrap_or(class.disputed);
        let mechanism = entry.mechanism.as_deref().unwrap_or(&class.mechanism);
        let evidence = entry.evidence.min(class.evidence);

        let what = describe(&entry.name, &class.label);
        let mut explanation = if found.approximate {
            let read_as = if matching::key(&found.alias) == matching::key(&entry.name) {
                entry.name.clone()
            } else {
                format!("{} ({})", found.alias, entry.name)
            };
            format!(
                "Listed as \"{}\": read as {read_as}, a close spelling — please confirm the name. \
                 This is {what}. {mechanism}",
                given.trim(),
            )
        } else {
            format!("Listed as \"{}\": {what}. {mechanism}", given.trim())
        };
        if disputed && !mechanism.contains("disagree") {
            explanation.push_str(" Sources disagree about this combination.");
        }
        if disputed {
            explanation
                .push_str(" dyad neither clears nor excludes it: it goes to clinician review.");
        }
        if evidence == Evidence::Unverified && !explanation.contains("unverified") {
            explanation.push_str(" This is unverified — clinical lead to confirm.");
        }

        let source = if entry.source == class.source {
            class.source.clone()
        } else {
            format!("{} | {}", class.source, entry.source)
        };
        let mut finding = self.finding(
            &format!("interaction_{}", class.id),
            entry.severity.unwrap_or(class.severity),
            explanation,
        );
        finding.source = source;
        finding.evidence = evidence;
        finding.answer_path = Some(path.to_owned());
        finding.action = entry.action.clone().or_else(|| class.action.clone());
        finding.needs_washout = entry.needs_washout.unwrap_or(class.needs_washout);
        finding.needs_review =
            entry.review.unwrap_or(class.review) || disputed || found.approximate;
        finding
    }

    /// Condition codes the knowledge base does not know are reported, not dropped.
    fn condition_codes(&mut self) {
        let value = lookup(self.answers, "conditions");
        if is_absent(value) {
            return;
        }
        let Some(items) = value.and_then(Value::as_array) else {
            self.unreadable("conditions", "a list of condition codes", None);
            return;
        };
        let known = self.knowledge.condition_codes();
        let mut unknown = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(normal) {
                Some(code) if known.contains(code.as_str()) => {}
                Some(code) if code.is_empty() => {}
                Some(code) => unknown.push((i, code)),
                None => unknown.push((i, item.to_string())),
            }
        }
        for (i, code) in unknown {
            let mut finding = self.finding(
                "unrecognised_condition",
                Severity::Caution,
                format!("The condition \"{code}\" is not recognised — review."),
            );
            finding.source = UNRECOGNISED_SOURCE.to_owned();
            finding.answer_path = Some(format!("conditions[{i}]"));
            finding.action = Some("Clinician reviews this condition by hand.".to_owned());
            finding.needs_review = true;
            self.findings.push(finding);
        }
    }

    fn rules(&mut self) {
        for rule in self.knowledge.rules() {
            match self.holds(rule) {
                Ok(true) => self.fire(rule),
                Ok(false) => {}
                Err((path, expected)) => self.unreadable(&path, expected, None),
            }
        }
    }

    /// Whether every test holds; an answer that cannot be read stops the rule.
    fn holds(&self, rule: &Rule) -> Result<bool, (String, &'static str)> {
        for test in &rule.when {
            if self.unreadable.contains(test.path()) {
                return Ok(false);
            }
            if !evaluate(self.answers, test)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn fire(&mut self, rule: &Rule) {
        let mut finding = self.finding(&rule.code, rule.severity, rule.explanation.clone());
        finding.source = rule.source.clone();
        finding.evidence = rule.evidence;
        finding.answer_path = rule
            .answer_path
            .clone()
            .or_else(|| rule.when.last().map(Test::answer_path));
        finding.action = rule.action.clone();
        finding.needs_washout = rule.needs_washout;
        finding.needs_review = rule.review;
        if let Some(format) = rule.format {
            self.formats.push((format, finding.clone()));
        }
        self.findings.push(finding);
    }

    fn aggregates(&mut self) {
        for aggregate in self.knowledge.aggregates() {
            let count = self
                .findings
                .iter()
                .filter(|f| f.severity >= aggregate.at_least)
                .filter(|f| !aggregate.exclude_codes.contains(&f.code))
                .filter(|f| !self.knowledge.aggregates().iter().any(|a| a.code == f.code))
                .count();
            if count < aggregate.min_findings {
                continue;
            }
            let mut finding = self.finding(
                &aggregate.code,
                aggregate.severity,
                format!("{} ({count} findings.)", aggregate.explanation),
            );
            finding.source = aggregate.source.clone();
            finding.evidence = aggregate.evidence;
            finding.action = aggregate.action.clone();
            finding.needs_review = aggregate.review;
            if let Some(format) = aggregate.format {
                self.formats.push((format, finding.clone()));
            }
            self.findings.push(finding);
        }
    }
}

/// "sertraline, a selective serotonin reuptake inhibitor (SSRI)"; just the label when it already
/// names the entry ("lithium", "bupropion (CYP2D6 inhibitor)").
fn describe(name: &str, label: &str) -> String {
    let first_word = matching::words(name).into_iter().next().unwrap_or_default();
    if matching::key(label).starts_with(&first_word) {
        return label.to_owned();
    }
    let article = match label.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    };
    format!("{name}, {article} {label}")
}

/// The value at a dotted path, if any.
fn lookup<'v>(answers: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(answers, |value, part| value.as_object()?.get(part))
}

fn is_absent(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null))
}

fn normal(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Text answers, with booleans read as yes/no.
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(normal(s)),
        Value::Bool(true) => Some("yes".to_owned()),
        Value::Bool(false) => Some("no".to_owned()),
        _ => None,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match normal(s).as_str() {
            "yes" | "true" => Some(true),
            "no" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

fn as_integer(value: &Value) -> Option<i64> {
    let n = as_number(value)?;
    // Whole numbers only; the range check keeps the conversion exact.
    (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

fn as_integers(value: &Value) -> Option<Vec<i64>> {
    value.as_array()?.iter().map(as_integer).collect()
}

/// An answer checked against its scale: the integers, or `None` if it does not fit.
fn read_scale(value: Option<&Value>, scale: &Scale) -> Option<Vec<i64>> {
    let value = value?;
    let numbers = match scale.items {
        Some(n) => as_integers(value).filter(|v| v.len() == n)?,
        None => vec![as_integer(value)?],
    };
    numbers
        .iter()
        .all(|n| (scale.min..=scale.max).contains(n))
        .then_some(numbers)
}

fn within<T: PartialOrd>(value: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|m| value >= m) && max.is_none_or(|m| value <= m)
}

/// One test on one participant's answers; `Err` when the answer is present but unreadable.
fn evaluate(answers: &Value, test: &Test) -> Result<bool, (String, &'static str)> {
    let value = lookup(answers, test.path());
    let unreadable = |expected: &'static str| Err((test.path().to_owned(), expected));
    if is_absent(value) {
        return Ok(matches!(test, Test::NotIn { .. }));
    }
    let Some(value) = value else {
        return Ok(false);
    };
    match test {
        Test::Contains { value: wanted, .. } => {
            let Some(items) = value.as_array() else {
                return unreadable("a list");
            };
            let wanted = normal(wanted);
            Ok(items
                .iter()
                .filter_map(Value::as_str)
                .any(|item| normal(item) == wanted))
        }
        Test::Equals { value: wanted, .. } => match as_text(value) {
            Some(text) => Ok(text == normal(wanted)),
            None => unreadable("a text answer"),
        },
        Test::NotIn { values, .. } => match as_text(value) {
            Some(text) => Ok(!values.iter().any(|v| normal(v) == text)),
            None => unreadable("a text answer"),
        },
        Test::IsTrue { .. } => match as_bool(value) {
            Some(b) => Ok(b),
            None => unreadable("yes or no"),
        },
        Test::Number { min, max, .. } => match as_number(value) {
            Some(n) => Ok(within(n, *min, *max)),
            None => unreadable("a number"),
        },
        Test::Sum { min, max, .. } => match as_integers(value) {
            // Each item is below 1e15, but enough of them overflow an `i64`: such a list is not
            // an answer any form produces, so it is reported as unreadable rather than summed.
            Some(items) => match items.iter().try_fold(0i64, |sum, n| sum.checked_add(*n)) {
                Some(total) => Ok(within(total, *min, *max)),
                None => unreadable("a list of whole numbers small enough to add up"),
            },
            None => unreadable("a list of whole numbers"),
        },
        Test::Item { item, min, max, .. } => match as_integers(value) {
            Some(items) => match items.get(item.saturating_sub(1)) {
                Some(n) => Ok(within(*n, *min, *max)),
                None => unreadable("a list long enough for the item"),
            },
            None => unreadable("a list of whole numbers"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    type Changes<'a> = &'a [(&'a str, Value)];
    type ConditionCase<'a> = (Changes<'a>, &'static str, Severity);
    type InstrumentCase = (Vec<(&'static str, Value)>, Vec<(&'static str, Severity)>);

    fn knowledge() -> &'static Knowledge {
        crate::screening::embedded().expect("shipped knowledge parses")
    }

    /// A complete intake that raises nothing.
    fn clean() -> Value {
        json!({
            "medications": [],
            "substances": [],
            "conditions": [],
            "pregnant": "no",
            "breastfeeding": "no",
            "sex": "female",
            "phq9": [0, 0, 0, 0, 0, 0, 0, 0, 0],
            "gad7": [0, 0, 0, 0, 0, 0, 0],
            "pcl5": vec![0; 20],
            "auditc": [0, 0, 0],
            "self_harm": {
                "thoughts_past_month": false, "plan_past_month": false,
                "attempt_past_year": false, "attempt_ever": false
            },
            "relationship": {
                "conflict": 2, "trust": 4, "safety": 5, "equality": 4,
                "pressured": false, "afraid_of_partner": false, "controlled": false
            },
            "motivation": { "own": "to understand each other", "mainly_for_partner": 1 },
            "intention": "to listen", "goals": "closeness"
        })
    }

    /// `clean()` with the given top-level or dotted keys replaced.
    fn with(changes: &[(&str, Value)]) -> Value {
        let mut answers = clean();
        for (path, value) in changes {
            let mut target = &mut answers;
            let parts: Vec<&str> = path.split('.').collect();
            for part in &parts[..parts.len() - 1] {
                target = &mut target[*part];
            }
            target[parts[parts.len() - 1]] = value.clone();
        }
        answers
    }

    fn run(first: Value, second: Value) -> Screening {
        screen(
            knowledge(),
            &[
                IntakeAnswers::new("p1", first),
                IntakeAnswers::new("p2", second),
            ],
        )
    }

    fn of<'s>(screening: &'s Screening, participant: &str) -> Vec<&'s Finding> {
        screening
            .findings
            .iter()
            .filter(|f| f.participant_id.as_deref() == Some(participant))
            .collect()
    }

    fn codes(screening: &Screening, participant: &str) -> Vec<String> {
        of(screening, participant)
            .iter()
            .map(|f| f.code.clone())
            .collect()
    }

    fn meds(names: &[&str]) -> Value {
        Value::Array(
            names
                .iter()
                .map(|n| json!({"name": n, "dose": "1"}))
                .collect(),
        )
    }

    #[test]
    fn a_clean_duo_raises_nothing_and_may_meet_as_a_duo() {
        let s = run(clean(), clean());
        assert!(s.findings.is_empty(), "{:#?}", s.findings);
        assert_eq!(s.recommended_format, Format::Duo);
        assert_eq!(s.format_reasons.len(), 1);
        assert_eq!(s.knowledge_version, knowledge().version());
        assert_eq!(s.knowledge_version, crate::screening::knowledge_version());
    }

    #[test]
    fn missing_keys_are_tolerated() {
        let s = run(json!({}), Value::Null);
        assert!(s.findings.is_empty(), "{:#?}", s.findings);
        assert_eq!(s.recommended_format, Format::Duo);
    }

    #[test]
    fn medications_map_to_their_rule_and_severity() {
        use Severity::*;
        // (name, code, severity, needs_washout, needs_review)
        let table: &[(&str, &str, Severity, bool, bool)] = &[
            ("phenelzine", "interaction_maoi", Exclusion, true, true),
            ("tranylcypromine", "interaction_maoi", Exclusion, true, true),
            ("selegiline", "interaction_maoi", Exclusion, true, true),
            ("moclobemide", "interaction_maoi", Exclusion, true, true),
            (
                "ritonavir",
                "interaction_cyp_booster",
                Exclusion,
                false,
                true,
            ),
            (
                "cobicistat",
                "interaction_cyp_booster",
                Exclusion,
                false,
                true,
            ),
            (
                "Paxlovid",
                "interaction_cyp_booster",
                Exclusion,
                false,
                true,
            ),
            (
                "darunavir",
                "interaction_protease_inhibitor",
                Caution,
                false,
                true,
            ),
            (
                "fluoxetine",
                "interaction_ssri",
                Contraindication,
                true,
                true,
            ),
            (
                "sertraline",
                "interaction_ssri",
                Contraindication,
                true,
                true,
            ),
            ("Paxil", "interaction_ssri", Contraindication, true, true),
            ("Seroxat", "interaction_ssri", Contraindication, true, true),
            ("Celexa", "interaction_ssri", Contraindication, true, true),
            ("Cipralex", "interaction_ssri", Contraindication, true, true),
            ("Luvox", "interaction_ssri", Contraindication, true, true),
            (
                "vortioxetine",
                "interaction_spari",
                Contraindication,
                true,
                true,
            ),
            ("Effexor", "interaction_snri", Contraindication, true, true),
            ("Cymbalta", "interaction_snri", Contraindication, true, true),
            (
                "desvenlafaxine",
                "interaction_snri",
                Contraindication,
                true,
                true,
            ),
            ("Wellbutrin", "interaction_bupropion", Caution, false, true),
            (
                "terbinafine",
                "interaction_cyp2d6_inhibitor",
                Caution,
                false,
                true,
            ),
            (
                "lithium",
                "interaction_lithium",
                Contraindication,
                false,
                true,
            ),
            (
                "tramadol",
                "interaction_tramadol",
                Contraindication,
                true,
                true,
            ),
            (
                "dextromethorphan",
                "interaction_dextromethorphan",
                Contraindication,
                true,
                false,
            ),
            (
                "Ritalin",
                "interaction_stimulant_prescribed",
                Caution,
                true,
                true,
            ),
            (
                "Concerta",
                "interaction_stimulant_prescribed",
                Caution,
                true,
                true,
            ),
            (
                "Adderall",
                "interaction_stimulant_prescribed",
                Caution,
                true,
                true,
            ),
            (
                "Elvanse",
                "interaction_stimulant_prescribed",
                Caution,
                true,
                true,
            ),
            (
                "Vyvanse",
                "interaction_stimulant_prescribed",
                Caution,
                true,
                true,
            ),
            ("caffeine", "interaction_caffeine", Info, false, false),
            ("Lyrica", "interaction_pregabalin", Caution, false, true),
            ("gabapentin", "interaction_gabapentin", Info, false, false),
            (
                "diazepam",
                "interaction_benzodiazepine",
                Caution,
                false,
                true,
            ),
            (
                "lorazepam",
                "interaction_benzodiazepine",
                Caution,
                false,
                true,
            ),
            (
                "alprazolam",
                "interaction_benzodiazepine",
                Caution,
                false,
                true,
            ),
            (
                "haloperidol",
                "interaction_antipsychotic",
                Caution,
                false,
                true,
            ),
            (
                "quetiapine",
                "interaction_antipsychotic",
                Caution,
                false,
                true,
            ),
            (
                "olanzapine",
                "interaction_antipsychotic",
                Caution,
                false,
                true,
            ),
            (
                "risperidone",
                "interaction_antipsychotic",
                Caution,
                false,
                true,
            ),
            (
                "aripiprazole",
                "interaction_antipsychotic",
                Caution,
                false,
                true,
            ),
            ("sumatriptan", "interaction_triptan", Caution, false, true),
            (
                "St John's wort",
                "interaction_st_johns_wort",
                Caution,
                false,
                true,
            ),
            (
                "5-HTP",
                "interaction_five_htp",
                Contraindication,
                true,
                false,
            ),
            (
                "linezolid",
                "interaction_linezolid",
                Contraindication,
                true,
                true,
            ),
            (
                "trazodone",
                "interaction_serotonergic_other",
                Caution,
                true,
                true,
            ),
            (
                "mirtazapine",
                "interaction_serotonergic_other",
                Caution,
                true,
                true,
            ),
            ("clomipramine", "interaction_tricyclic", Caution, true, true),
            ("codeine", "interaction_opioid", Info, false, false),
        ];
        for &(name, code, severity, washout, review) in table {
            let s = run(with(&[("medications", meds(&[name]))]), clean());
            let found = of(&s, "p1");
            assert_eq!(found.len(), 1, "{name}: {found:#?}");
            let f = found[0];
            assert_eq!(f.code, code, "{name}");
            assert_eq!(f.severity, severity, "{name}");
            assert_eq!(f.needs_washout, washout, "{name} washout");
            assert_eq!(f.needs_review, review, "{name} review");
            assert_eq!(
                f.answer_path.as_deref(),
                Some("medications[0].name"),
                "{name}"
            );
            assert!(!f.source.is_empty() && f.action.is_some(), "{name}");
            assert!(of(&s, "p2").is_empty(), "{name}");
        }
    }

    #[test]
    fn substances_map_to_their_rule_and_severity() {
        use Severity::*;
        let table: &[(&str, &str, Severity)] = &[
            ("ayahuasca", "interaction_maoi", Exclusion),
            ("Syrian rue", "interaction_maoi", Exclusion),
            ("harmala", "interaction_maoi", Exclusion),
            ("cocaine", "interaction_stimulant_street", Caution),
            ("speed", "interaction_stimulant_street", Caution),
            ("amphetamine", "interaction_stimulant_street", Caution),
            (
                "mephedrone",
                "interaction_serotonin_releaser",
                Contraindication,
            ),
            ("alcohol", "interaction_alcohol", Caution),
            ("cannabis", "interaction_psychedelic_low_risk", Info),
            ("magic mushrooms", "interaction_psychedelic_low_risk", Info),
            ("ketamine", "interaction_psychedelic_low_risk", Info),
            ("GHB", "interaction_recreational_caution", Caution),
            (
                "PCP",
                "interaction_recreational_dangerous",
                Contraindication,
            ),
            ("DXM", "interaction_dextromethorphan", Contraindication),
            ("coffee", "interaction_caffeine", Info),
            ("ecstasy", "interaction_mdma_prior_use", Info),
        ];
        for &(name, code, severity) in table {
            let substances = json!([{ "name": name, "frequency": "monthly" }]);
            let s = run(with(&[("substances", substances)]), clean());
            let found = of(&s, "p1");
            assert_eq!(found.len(), 1, "{name}: {found:#?}");
            assert_eq!(found[0].code, code, "{name}");
            assert_eq!(found[0].severity, severity, "{name}");
            assert_eq!(found[0].answer_path.as_deref(), Some("substances[0].name"));
        }
    }

    #[test]
    fn brand_names_and_misspellings_are_recognised() {
        for (name, code) in [
            ("Prozak", "interaction_ssri"),
            ("sertralin", "interaction_ssri"),
            ("Zolof", "interaction_ssri"),
            ("MOCLOBEMIDE ", "interaction_maoi"),
            ("  zoloft", "interaction_ssri"),
            ("Sertraline 100mg", "interaction_ssri"),
        ] {
            let s = run(with(&[("medications", meds(&[name]))]), clean());
            assert_eq!(codes(&s, "p1"), vec![code.to_owned()], "{name}");
        }
        // A close spelling is flagged for the name to be confirmed.
        let s = run(with(&[("medications", meds(&["Prozak"]))]), clean());
        let f = &s.findings[0];
        assert!(f.needs_review);
        assert!(
            f.explanation.contains("confirm the name"),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains("fluoxetine"));
        // An exact brand name says which generic it is.
        let s = run(with(&[("medications", meds(&["Zoloft"]))]), clean());
        assert!(
            s.findings[0]
                .explanation
                .starts_with("Listed as \"Zoloft\": sertraline, a selective serotonin")
        );
    }

    #[test]
    fn fluoxetine_carries_its_longer_washout() {
        let s = run(with(&[("medications", meds(&["Prozac"]))]), clean());
        let action = s.findings[0].action.clone().unwrap_or_default();
        assert!(action.contains("6 weeks"), "{action}");
        let s = run(with(&[("medications", meds(&["sertraline"]))]), clean());
        let action = s.findings[0].action.clone().unwrap_or_default();
        assert!(
            action.contains("2 weeks") && action.contains("Prescriber-led"),
            "{action}"
        );
    }

    #[test]
    fn an_unknown_name_is_reported_never_dropped() {
        let s = run(with(&[("medications", meds(&["Frobnicol"]))]), clean());
        assert_eq!(codes(&s, "p1"), vec!["unrecognised_medication"]);
        let f = &s.findings[0];
        assert_eq!(f.severity, Severity::Caution);
        assert!(f.needs_review);
        assert!(f.explanation.contains("not recognised — review"));
        assert!(f.explanation.contains("Frobnicol"));
        assert_eq!(f.answer_path.as_deref(), Some("medications[0].name"));

        let s = run(with(&[("substances", json!([{"name": "glorp"}]))]), clean());
        assert_eq!(codes(&s, "p1"), vec!["unrecognised_substance"]);

        // Plain strings are read as names too; odd entries are reported.
        let s = run(
            with(&[("medications", json!(["sertraline", 42, {"dose": "5"}]))]),
            clean(),
        );
        assert_eq!(
            codes(&s, "p1"),
            vec!["interaction_ssri", "answer_unreadable", "answer_unreadable"]
        );
        assert_eq!(s.findings[0].answer_path.as_deref(), Some("medications[0]"));
    }

    #[test]
    fn unknown_findings_do_not_change_the_format() {
        let s = run(
            with(&[(
                "medications",
                meds(&["aaaaaa", "bbbbbb", "cccccc", "dddddd"]),
            )]),
            clean(),
        );
        assert_eq!(codes(&s, "p1").len(), 4);
        assert_eq!(s.recommended_format, Format::Duo);
    }

    #[test]
    fn lithium_goes_to_clinician_review_as_disputed() {
        let s = run(with(&[("medications", meds(&["Priadel"]))]), clean());
        let f = &s.findings[0];
        assert_eq!(f.code, "interaction_lithium");
        assert!(f.needs_review);
        assert!(f.explanation.contains("disagree"), "{}", f.explanation);
        assert!(
            f.explanation.contains("clinician review"),
            "{}",
            f.explanation
        );
        assert!(f.source.contains("TripSit") && f.source.contains("Liechti"));
        assert_ne!(s.recommended_format, Format::NotEligible);
    }

    #[test]
    fn unverified_interactions_say_so() {
        for name in ["sumatriptan", "St John's wort", "linezolid", "mirtazapine"] {
            let s = run(with(&[("medications", meds(&[name]))]), clean());
            let f = &s.findings[0];
            assert_eq!(f.evidence, Evidence::Unverified, "{name}");
            assert!(
                f.explanation
                    .contains("unverified — clinical lead to confirm"),
                "{name}: {}",
                f.explanation
            );
        }
    }

    #[test]
    fn combinations_attribute_to_the_right_participant() {
        let s = run(
            with(&[("medications", meds(&["sertraline", "tramadol"]))]),
            clean(),
        );
        assert_eq!(
            codes(&s, "p1"),
            vec!["interaction_ssri", "interaction_tramadol"]
        );
        assert!(codes(&s, "p2").is_empty());
        let paths: Vec<_> = of(&s, "p1").iter().map(|f| f.answer_path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                Some("medications[0].name".to_owned()),
                Some("medications[1].name".to_owned())
            ]
        );

        // Written in one field, both are still found.
        let s = run(
            clean(),
            with(&[("medications", meds(&["Zoloft + Tramal"]))]),
        );
        assert!(codes(&s, "p1").is_empty());
        assert_eq!(
            codes(&s, "p2"),
            vec!["interaction_ssri", "interaction_tramadol"]
        );

        // Each person keeps their own findings.
        let s = run(
            with(&[("medications", meds(&["moclobemide"]))]),
            with(&[("medications", meds(&["caffeine"]))]),
        );
        assert_eq!(codes(&s, "p1"), vec!["interaction_maoi"]);
        assert_eq!(codes(&s, "p2"), vec!["interaction_caffeine"]);
        assert_eq!(s.recommended_format, Format::NotEligible);
        assert!(
            s.format_reasons
                .iter()
                .all(|r| r.contains("participant p1"))
        );
    }

    #[test]
    fn conditions_map_to_their_rule_and_severity() {
        use Severity::*;
        let table: &[ConditionCase<'_>] = &[
            (
                &[
                    ("conditions", json!(["hypertension"])),
                    ("hypertension_controlled", json!("no")),
                ],
                "hypertension_uncontrolled",
                Exclusion,
            ),
            (
                &[
                    ("conditions", json!(["hypertension"])),
                    ("hypertension_controlled", json!("yes")),
                ],
                "hypertension_controlled",
                Caution,
            ),
            (
                &[("conditions", json!(["hypertension"]))],
                "hypertension_control_unknown",
                Contraindication,
            ),
            (
                &[
                    ("conditions", json!(["hypertension"])),
                    ("hypertension_controlled", json!("unsure")),
                ],
                "hypertension_control_unknown",
                Contraindication,
            ),
            (
                &[("conditions", json!(["heart_disease"]))],
                "heart_disease",
                Contraindication,
            ),
            (
                &[("conditions", json!(["arrhythmia"]))],
                "arrhythmia",
                Exclusion,
            ),
            (
                &[("conditions", json!(["qt_prolongation"]))],
                "qt_prolongation",
                Exclusion,
            ),
            (
                &[("conditions", json!(["stroke_or_aneurysm"]))],
                "stroke_or_aneurysm",
                Contraindication,
            ),
            (
                &[("conditions", json!(["liver_disease"]))],
                "liver_disease",
                Caution,
            ),
            (
                &[("conditions", json!(["kidney_disease"]))],
                "kidney_disease",
                Caution,
            ),
            (&[("conditions", json!(["epilepsy"]))], "epilepsy", Caution),
            (&[("conditions", json!(["glaucoma"]))], "glaucoma", Caution),
            (
                &[("conditions", json!(["hyperthyroidism"]))],
                "hyperthyroidism",
                Caution,
            ),
            (&[("conditions", json!(["diabetes"]))], "diabetes", Caution),
            (
                &[("conditions", json!(["hyponatraemia_history"]))],
                "hyponatraemia_history",
                Caution,
            ),
            (
                &[("conditions", json!(["psychosis"]))],
                "psychosis",
                Exclusion,
            ),
            (
                &[("conditions", json!(["bipolar_1"]))],
                "bipolar_1",
                Exclusion,
            ),
            (
                &[("conditions", json!(["bipolar_2"]))],
                "bipolar_2",
                Caution,
            ),
            (
                &[("conditions", json!(["dissociative_identity_disorder"]))],
                "dissociative_identity_disorder",
                Exclusion,
            ),
            (
                &[("conditions", json!(["eating_disorder_purging"]))],
                "eating_disorder_purging",
                Contraindication,
            ),
            (
                &[("conditions", json!(["personality_disorder"]))],
                "personality_disorder",
                Contraindication,
            ),
            (
                &[("conditions", json!(["substance_use_disorder"]))],
                "substance_use_disorder",
                Contraindication,
            ),
            (
                &[("conditions", json!([" Arrhythmia "]))],
                "arrhythmia",
                Exclusion,
            ),
            (&[("pregnant", json!("yes"))], "pregnant", Exclusion),
            (
                &[("pregnant", json!("unknown"))],
                "pregnancy_unknown",
                Contraindication,
            ),
            (
                &[("breastfeeding", json!("yes"))],
                "breastfeeding",
                Exclusion,
            ),
            (
                &[("breastfeeding", json!("unknown"))],
                "breastfeeding_unknown",
                Contraindication,
            ),
        ];
        for (changes, code, severity) in table {
            let s = run(with(changes), clean());
            let found = of(&s, "p1");
            assert_eq!(found.len(), 1, "{code}: {found:#?}");
            assert_eq!(found[0].code, *code);
            assert_eq!(found[0].severity, *severity, "{code}");
            let expected = if *severity == Exclusion {
                Format::NotEligible
            } else {
                Format::Duo
            };
            assert_eq!(s.recommended_format, expected, "{code}");
        }
    }

    #[test]
    fn an_unknown_condition_code_is_reported() {
        let s = run(
            with(&[("conditions", json!(["asthma", "diabetes"]))]),
            clean(),
        );
        assert_eq!(codes(&s, "p1"), vec!["unrecognised_condition", "diabetes"]);
        assert_eq!(s.findings[0].answer_path.as_deref(), Some("conditions[0]"));
    }

    #[test]
    fn instruments_map_to_their_rule_and_severity() {
        use Severity::*;
        let phq = |total: i64, item9: i64| {
            let mut items = vec![0i64; 9];
            items[8] = item9;
            let mut rest = total - item9;
            for slot in items.iter_mut().take(8) {
                let add = rest.min(3);
                *slot = add;
                rest -= add;
            }
            json!(items)
        };
        let gad = |total: i64| {
            let mut rest = total;
            json!(
                (0..7)
                    .map(|_| {
                        let a = rest.min(3);
                        rest -= a;
                        a
                    })
                    .collect::<Vec<_>>()
            )
        };
        let pcl = |total: i64| {
            let mut rest = total;
            json!(
                (0..20)
                    .map(|_| {
                        let a = rest.min(4);
                        rest -= a;
                        a
                    })
                    .collect::<Vec<_>>()
            )
        };
        let table: Vec<InstrumentCase> = vec![
            (vec![("phq9", phq(4, 0))], vec![]),
            (vec![("phq9", phq(5, 0))], vec![("phq9_mild", Info)]),
            (vec![("phq9", phq(9, 0))], vec![("phq9_mild", Info)]),
            (vec![("phq9", phq(10, 0))], vec![("phq9_moderate", Info)]),
            (
                vec![("phq9", phq(15, 0))],
                vec![("phq9_moderately_severe", Caution)],
            ),
            (vec![("phq9", phq(20, 0))], vec![("phq9_severe", Caution)]),
            (
                vec![("phq9", phq(27, 3))],
                vec![("phq9_item9_positive", Caution), ("phq9_severe", Caution)],
            ),
            (
                vec![("phq9", phq(1, 1))],
                vec![("phq9_item9_positive", Caution)],
            ),
            (vec![("gad7", gad(4))], vec![]),
            (vec![("gad7", gad(5))], vec![("gad7_mild", Info)]),
            (vec![("gad7", gad(12))], vec![("gad7_moderate", Info)]),
            (vec![("gad7", gad(21))], vec![("gad7_severe", Caution)]),
            (vec![("pcl5", pcl(32))], vec![]),
            (vec![("pcl5", pcl(33))], vec![("pcl5_above_cutoff", Info)]),
            (
                vec![("sex", json!("male")), ("auditc", json!([1, 1, 1]))],
                vec![],
            ),
            (
                vec![("sex", json!("male")), ("auditc", json!([2, 1, 1]))],
                vec![("auditc_above_cutoff", Caution)],
            ),
            (
                vec![("sex", json!("female")), ("auditc", json!([1, 1, 0]))],
                vec![],
            ),
            (
                vec![("sex", json!("female")), ("auditc", json!([1, 1, 1]))],
                vec![("auditc_above_cutoff", Caution)],
            ),
            (
                vec![("sex", json!("other")), ("auditc", json!([1, 1, 1]))],
                vec![("auditc_above_cutoff", Caution)],
            ),
            (
                vec![("sex", Value::Null), ("auditc", json!([1, 1, 1]))],
                vec![("auditc_above_cutoff", Caution)],
            ),
            (
                vec![("self_harm.thoughts_past_month", json!(true))],
                vec![("self_harm_thoughts_past_month", Caution)],
            ),
            (
                vec![("self_harm.plan_past_month", json!(true))],
                vec![("self_harm_plan_past_month", Exclusion)],
            ),
            (
                vec![("self_harm.attempt_past_year", json!(true))],
                vec![("self_harm_attempt_past_year", Exclusion)],
            ),
            (
                vec![("self_harm.attempt_ever", json!(true))],
                vec![("self_harm_attempt_ever", Caution)],
            ),
        ];
        for (changes, expected) in table {
            let s = run(with(&changes), clean());
            let mut got: Vec<(String, Severity)> = of(&s, "p1")
                .iter()
                .map(|f| (f.code.clone(), f.severity))
                .collect();
            got.sort();
            let mut want: Vec<(String, Severity)> = expected
                .iter()
                .map(|(c, sv)| ((*c).to_owned(), *sv))
                .collect();
            want.sort();
            assert_eq!(got, want, "{changes:?}");
        }
        let s = run(with(&[("phq9", phq(1, 1))]), clean());
        assert_eq!(s.findings[0].answer_path.as_deref(), Some("phq9[8]"));
        let s = run(with(&[("self_harm.plan_past_month", json!(true))]), clean());
        assert_eq!(s.recommended_format, Format::NotEligible);
        assert!(s.findings[0].needs_review);
    }

    #[test]
    fn unreadable_answers_are_reported_and_not_scored() {
        for (path, value) in [
            ("phq9", json!([3, 3, 3])),
            ("phq9", json!([0, 0, 0, 0, 0, 0, 0, 0, 9])),
            ("phq9", json!("lots")),
            ("gad7", json!([0, 0, 0, 0, 0, 0, 0.5])),
            ("relationship.trust", json!(9)),
            ("relationship.trust", json!("high")),
            ("self_harm.plan_past_month", json!("perhaps")),
            ("medications", json!("sertraline")),
            ("conditions", json!("diabetes")),
        ] {
            let s = run(with(&[(path, value.clone())]), clean());
            let found = of(&s, "p1");
            assert_eq!(found.len(), 1, "{path} = {value}: {found:#?}");
            assert_eq!(found[0].code, "answer_unreadable", "{path}");
            assert_eq!(found[0].answer_path.as_deref(), Some(path));
            assert!(found[0].needs_review);
            assert!(found[0].explanation.contains("review"));
        }
    }

    /// Fuzz regression `knowledge_parse/sum-rule-without-a-scale.toml`: a sum rule on a path no
    /// `[[scale]]` bounds, fed 9,300 values of 999,999,999,999,999. Each value reads as a whole
    /// number but the total does not fit in an `i64`; adding them up used to panic.
    #[test]
    fn a_sum_too_large_to_add_up_is_unreadable() {
        let knowledge = Knowledge::parse(include_str!(
            "../../../../fuzz/regressions/knowledge_parse/sum-rule-without-a-scale.toml"
        ))
        .expect("the regression input parses");
        let huge = json!({"phq9": vec![999_999_999_999_999_i64; 9_300]});
        let small = json!({"phq9": [1, 2, 3]});
        let s = screen(
            &knowledge,
            &[
                IntakeAnswers::new("p1", huge),
                IntakeAnswers::new("p2", small),
            ],
        );
        let found = of(&s, "p1");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].code, "answer_unreadable");
        assert_eq!(found[0].answer_path.as_deref(), Some("phq9"));
        assert!(found[0].explanation.contains("small enough to add up"));
        assert!(found[0].needs_review);
        // The rule still works on an ordinary answer.
        assert_eq!(codes(&s, "p2"), vec!["big_total"]);

        // Just past the edge: 9,224 such values overflow, 9,223 do not.
        let edge = json!({"phq9": vec![999_999_999_999_999_i64; 9_224]});
        let s = screen(
            &knowledge,
            &[
                IntakeAnswers::new("p1", edge),
                IntakeAnswers::new("p2", json!({})),
            ],
        );
        assert_eq!(codes(&s, "p1"), vec!["answer_unreadable"]);
        // Just below it, the total is computed and the rule fires.
        let below = json!({"phq9": vec![999_999_999_999_999_i64; 9_223]});
        let s = screen(
            &knowledge,
            &[
                IntakeAnswers::new("p1", below),
                IntakeAnswers::new("p2", json!({})),
            ],
        );
        assert_eq!(codes(&s, "p1"), vec!["big_total"]);
    }

    /// A `[[scale]]` whose bounds admit huge values does not make the sum safe: every value
    /// passes the scale, and the overflow is still reported as unreadable.
    #[test]
    fn a_scaled_sum_too_large_to_add_up_is_unreadable() {
        let text = format!(
            "[[scale]]\npath = \"score\"\nlabel = \"score\"\nitems = 9300\nmin = 0\nmax = {}\n\
             evidence = \"V\"\nsource = \"s\"\n\n\
             [[rule]]\ncode = \"high\"\nseverity = \"info\"\n\
             when = [{{ op = \"sum\", path = \"score\", min = 1 }}]\n\
             explanation = \"x\"\nreview = false\nevidence = \"V\"\nsource = \"s\"\n",
            i64::MAX
        );
        let knowledge = Knowledge::parse(&text).expect("parses");
        let mut ordinary = vec![0_i64; 9_300];
        ordinary[0] = 1;
        let s = screen(
            &knowledge,
            &[
                IntakeAnswers::new("p1", json!({"score": vec![999_999_999_999_999_i64; 9_300]})),
                IntakeAnswers::new("p2", json!({"score": ordinary})),
            ],
        );
        let found = of(&s, "p1");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].code, "answer_unreadable");
        assert_eq!(found[0].answer_path.as_deref(), Some("score"));
        assert_eq!(codes(&s, "p2"), vec!["high"]);
    }

    #[test]
    fn relational_answers_lead_to_a_format() {
        let table: Vec<(&str, Value, &str, Format)> = vec![
            (
                "relationship.afraid_of_partner",
                json!(true),
                "afraid_of_partner",
                Format::IndividualOnly,
            ),
            (
                "relationship.controlled",
                json!(true),
                "controlled_by_partner",
                Format::IndividualOnly,
            ),
            (
                "relationship.pressured",
                json!(true),
                "pressured_to_take_part",
                Format::IndividualThenDuo,
            ),
            (
                "relationship.safety",
                json!(1),
                "low_safety",
                Format::IndividualOnly,
            ),
            (
                "relationship.safety",
                json!(2),
                "reduced_safety",
                Format::IndividualThenDuo,
            ),
            (
                "relationship.conflict",
                json!(4),
                "high_conflict",
                Format::DuoTwoFacilitators,
            ),
            (
                "relationship.conflict",
                json!(5),
                "high_conflict",
                Format::DuoTwoFacilitators,
            ),
            (
                "relationship.trust",
                json!(2),
                "low_trust",
                Format::IndividualThenDuo,
            ),
            (
                "relationship.trust",
                json!(1),
                "low_trust",
                Format::IndividualThenDuo,
            ),
            (
                "relationship.equality",
                json!(2),
                "inequality",
                Format::IndividualThenDuo,
            ),
            (
                "motivation.mainly_for_partner",
                json!(4),
                "mainly_for_partner",
                Format::IndividualThenDuo,
            ),
            (
                "motivation.mainly_for_partner",
                json!("5"),
                "mainly_for_partner",
                Format::IndividualThenDuo,
            ),
        ];
        for (path, value, code, format) in table {
            // The answer may come from either participant.
            for (first, second, who) in [
                (with(&[(path, value.clone())]), clean(), "p1"),
                (clean(), with(&[(path, value.clone())]), "p2"),
            ] {
                let s = run(first, second);
                let found = of(&s, who);
                assert_eq!(found.len(), 1, "{path}: {found:#?}");
                assert_eq!(found[0].code, code);
                assert_eq!(found[0].answer_path.as_deref(), Some(path));
                assert_eq!(s.recommended_format, format, "{path} = {value}");
                assert_eq!(s.format_reasons.len(), 1);
                assert!(s.format_reasons[0].starts_with(code));
                assert!(s.format_reasons[0].contains(&format!("participant {who}")));
            }
        }
        // Boundaries that do not fire.
        for (path, value) in [
            ("relationship.conflict", json!(3)),
            ("relationship.trust", json!(3)),
            ("relationship.safety", json!(3)),
            ("relationship.equality", json!(3)),
            ("motivation.mainly_for_partner", json!(3)),
            ("relationship.afraid_of_partner", json!(false)),
        ] {
            let s = run(with(&[(path, value)]), clean());
            assert!(s.findings.is_empty(), "{path}");
            assert_eq!(s.recommended_format, Format::Duo);
        }
    }

    #[test]
    fn the_most_restrictive_format_wins() {
        let conflict = ("relationship.conflict", json!(5));
        let trust = ("relationship.trust", json!(1));
        let afraid = ("relationship.afraid_of_partner", json!(true));

        let s = run(
            with(std::slice::from_ref(&conflict)),
            with(std::slice::from_ref(&trust)),
        );
        assert_eq!(s.recommended_format, Format::IndividualThenDuo);
        assert_eq!(s.format_reasons.len(), 1);
        assert!(s.format_reasons[0].starts_with("low_trust (participant p2)"));

        let s = run(
            with(&[conflict.clone(), afraid.clone()]),
            with(std::slice::from_ref(&trust)),
        );
        assert_eq!(s.recommended_format, Format::IndividualOnly);

        let s = run(
            with(&[conflict, afraid]),
            with(&[trust, ("pregnant", json!("yes"))]),
        );
        assert_eq!(s.recommended_format, Format::NotEligible);
        assert!(
            s.format_reasons
                .iter()
                .any(|r| r.starts_with("pregnant (participant p2)"))
        );
        assert!(
            s.format_reasons
                .iter()
                .all(|r| !r.starts_with("high_conflict"))
        );

        // Both participants with the same concern: both reasons are listed.
        let both = ("relationship.pressured", json!(true));
        let s = run(with(std::slice::from_ref(&both)), with(&[both]));
        assert_eq!(s.format_reasons.len(), 2);
    }

    #[test]
    fn several_cautions_for_one_person_suggest_more_individual_support() {
        let s = run(
            with(&[
                ("conditions", json!(["diabetes", "glaucoma"])),
                ("medications", meds(&["Wellbutrin"])),
            ]),
            clean(),
        );
        let p1 = codes(&s, "p1");
        assert!(p1.contains(&"more_individual_support".to_owned()), "{p1:?}");
        assert_eq!(s.recommended_format, Format::IndividualThenDuo);
        assert!(codes(&s, "p2").is_empty());

        // Two cautions are not enough, and info findings do not count.
        let s = run(
            with(&[
                ("conditions", json!(["diabetes", "glaucoma"])),
                ("medications", meds(&["caffeine", "gabapentin"])),
            ]),
            clean(),
        );
        assert!(!codes(&s, "p1").contains(&"more_individual_support".to_owned()));
        assert_eq!(s.recommended_format, Format::Duo);
    }

    #[test]
    fn findings_come_most_severe_first() {
        let s = run(
            with(&[(
                "medications",
                meds(&["caffeine", "Wellbutrin", "sertraline", "phenelzine"]),
            )]),
            clean(),
        );
        let severities: Vec<Severity> = s.findings.iter().map(|f| f.severity).collect();
        let mut sorted = severities.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(severities, sorted);
        assert_eq!(s.findings[0].code, "interaction_maoi");
    }

    #[test]
    fn an_incomplete_duo_is_flagged_at_duo_level() {
        let s = screen(knowledge(), &[IntakeAnswers::new("p1", clean())]);
        assert_eq!(s.findings.len(), 1);
        assert_eq!(s.findings[0].code, "duo_incomplete");
        assert_eq!(s.findings[0].participant_id, None);
    }

    #[test]
    fn screen_duo_uses_the_shipped_knowledge() {
        let a = IntakeAnswers::new("a", with(&[("medications", meds(&["Zoloft"]))]));
        let b = IntakeAnswers::new("b", clean());
        let s = crate::screening::screen_duo(&a, &b).expect("shipped knowledge");
        assert_eq!(codes(&s, "a"), vec!["interaction_ssri"]);
        let json = serde_json::to_value(&s).expect("serialises");
        assert_eq!(json["findings"][0]["severity"], "contraindication");
        assert_eq!(json["findings"][0]["evidence"], "V");
        assert_eq!(json["recommended_format"], "duo");
    }

    proptest! {
        #[test]
        fn every_listed_name_yields_a_finding(name in "\\PC{1,40}") {
            prop_assume!(!name.trim().is_empty());
            let s = run(with(&[("medications", meds(&[name.as_str()]))]), clean());
            let p1 = of(&s, "p1");
            prop_assert!(!p1.is_empty());
            prop_assert!(p1.iter().all(|f| f.answer_path.as_deref() == Some("medications[0].name")));
        }

        #[test]
        fn screening_never_panics_on_odd_numbers(
            conflict in proptest::num::f64::ANY,
            items in proptest::collection::vec(-5i64..10, 0..12),
        ) {
            let answers = with(&[
                ("relationship.conflict", json!(conflict)),
                ("phq9", json!(items)),
            ]);
            let s = run(answers, clean());
            prop_assert_eq!(s.knowledge_version.len(), 64);
        }
    }
}
