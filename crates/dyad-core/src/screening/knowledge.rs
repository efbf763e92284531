//! The knowledge base: its TOML format, parsing and validation.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::matching::{self, AliasIndex};
use super::{Evidence, Format, Severity};

/// Why a knowledge file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnowledgeError {
    #[error("knowledge file `{file}` is not valid: {message}")]
    Syntax { file: String, message: String },
    #[error("knowledge file `{file}`, {entry}: {problem}")]
    Invalid {
        file: String,
        entry: String,
        problem: String,
    },
}

/// Whether a name belongs to the `medications` or the `substances` answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    #[default]
    Medication,
    Substance,
}

/// An interaction rule shared by a class of medicines or substances (`[[class]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionClass {
    pub id: String,
    pub label: String,
    pub severity: Severity,
    /// What happens, in a sentence.
    pub mechanism: String,
    /// What the team is advised to do.
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub needs_washout: bool,
    /// Only where the source verifies a figure.
    #[serde(default)]
    pub washout_weeks: Option<u32>,
    /// Always route to clinician review.
    #[serde(default)]
    pub review: bool,
    /// Sources disagree; never cleared or excluded automatically.
    #[serde(default)]
    pub disputed: bool,
    pub evidence: Evidence,
    pub source: String,
}

/// A medicine or substance by name (`[[medication]]`, `[[substance]]`); optional fields
/// override its class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubstanceEntry {
    /// The generic (or common) name.
    pub name: String,
    /// Brand names and other names people use.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub class: String,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub mechanism: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub needs_washout: Option<bool>,
    #[serde(default)]
    pub washout_weeks: Option<u32>,
    #[serde(default)]
    pub review: Option<bool>,
    #[serde(default)]
    pub disputed: Option<bool>,
    pub evidence: Evidence,
    pub source: String,
    /// Set from the table the entry was written in.
    #[serde(skip)]
    pub kind: EntryKind,
}

impl SubstanceEntry {
    /// The generic name followed by the aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A rule on one participant's answers (`[[rule]]`): fires when every test holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub code: String,
    pub severity: Severity,
    pub when: Vec<Test>,
    pub explanation: String,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub review: bool,
    #[serde(default)]
    pub needs_washout: bool,
    /// The session format this finding calls for, if any.
    #[serde(default)]
    pub format: Option<Format>,
    /// Which answer to name as the cause; defaults to the last test's path.
    #[serde(default)]
    pub answer_path: Option<String>,
    pub evidence: Evidence,
    pub source: String,
}

/// One condition on an answer. Paths are dotted keys into the answers (`self_harm.plan_past_month`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Test {
    /// The answer is a list holding `value`.
    Contains { path: String, value: String },
    /// The answer equals `value` (text compared trimmed and case-insensitively; `true`/`false`
    /// read as `yes`/`no`).
    Equals { path: String, value: String },
    /// The answer is missing or is none of `values`.
    NotIn { path: String, values: Vec<String> },
    /// The answer is yes (`true`, `"yes"`, `"true"`).
    IsTrue { path: String },
    /// The answer is a number within the inclusive bounds.
    Number {
        path: String,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    /// The answer is a list of integers whose total is within the inclusive bounds.
    Sum {
        path: String,
        #[serde(default)]
        min: Option<i64>,
        #[serde(default)]
        max: Option<i64>,
    },
    /// Item `item` (1-based) of a list of integers is within the inclusive bounds.
    Item {
        path: String,
        item: usize,
        #[serde(default)]
        min: Option<i64>,
        #[serde(default)]
        max: Option<i64>,
    },
}

impl Test {
    pub fn path(&self) -> &str {
        match self {
            Test::Contains { path, .. }
            | Test::Equals { path, .. }
            | Test::NotIn { path, .. }
            | Test::IsTrue { path }
            | Test::Number { path, .. }
            | Test::Sum { path, .. }
            | Test::Item { path, .. } => path,
        }
    }

    /// The answer path to name in a finding.
    pub(crate) fn answer_path(&self) -> String {
        match self {
            Test::Item { path, item, .. } => format!("{path}[{}]", item.saturating_sub(1)),
            other => other.path().to_owned(),
        }
    }
}

/// The expected shape of an answer (`[[scale]]`): `items` integers (or one) from `min` to `max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub path: String,
    pub label: String,
    #[serde(default)]
    pub items: Option<usize>,
    pub min: i64,
    pub max: i64,
    pub evidence: Evidence,
    pub source: String,
}

/// A rule over one participant's findings taken together (`[[aggregate]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregate {
    pub code: String,
    pub severity: Severity,
    #[serde(default)]
    pub format: Option<Format>,
    /// Fires when at least this many findings …
    pub min_findings: usize,
    /// … at this severity or above are present (excluding `exclude_codes`).
    pub at_least: Severity,
    #[serde(default)]
    pub exclude_codes: Vec<String>,
    pub explanation: String,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub review: bool,
    pub evidence: Evidence,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default, rename = "class")]
    classes: Vec<InteractionClass>,
    #[serde(default, rename = "medication")]
    medications: Vec<SubstanceEntry>,
    #[serde(default, rename = "substance")]
    substances: Vec<SubstanceEntry>,
    #[serde(default, rename = "rule")]
    rules: Vec<Rule>,
    #[serde(default, rename = "scale")]
    scales: Vec<Scale>,
    #[serde(default, rename = "aggregate")]
    aggregates: Vec<Aggregate>,
}

/// A parsed and validated knowledge base.
#[derive(Debug, Clone)]
pub struct Knowledge {
    classes: Vec<InteractionClass>,
    entries: Vec<SubstanceEntry>,
    rules: Vec<Rule>,
    scales: Vec<Scale>,
    aggregates: Vec<Aggregate>,
    version: String,
    class_index: HashMap<String, usize>,
    pub(crate) aliases: AliasIndex,
}

impl Knowledge {
    /// Parses one knowledge document (any mix of the tables described in `knowledge/README.md`).
    pub fn parse(text: &str) -> Result<Knowledge, KnowledgeError> {
        Self::parse_many(&[("knowledge", text)])
    }

    /// Parses several documents, given as `(name, text)`, into one knowledge base. The version is
    /// the SHA-256 of the texts concatenated in the given order.
    pub fn parse_many(files: &[(&str, &str)]) -> Result<Knowledge, KnowledgeError> {
        let mut classes = Vec::new();
        let mut entries = Vec::new();
        let mut rules = Vec::new();
        let mut scales = Vec::new();
        let mut aggregates = Vec::new();
        // Which file each item came from, for error messages.
        let mut class_files = Vec::new();
        let mut entry_files = Vec::new();

        for (file, text) in files {
            let doc: FileDoc = toml::from_str(text).map_err(|e| KnowledgeError::Syntax {
                file: (*file).to_owned(),
                message: e.to_string(),
            })?;
            let check = Check { file };
            for class in &doc.classes {
                check.class(class)?;
            }
            for rule in &doc.rules {
                check.rule(rule)?;
            }
            for scale in &doc.scales {
                check.scale(scale)?;
            }
            for aggregate in &doc.aggregates {
                check.aggregate(aggregate)?;
            }
            class_files.extend(doc.classes.iter().map(|_| *file));
            classes.extend(doc.classes);
            for (kind, list) in [
                (EntryKind::Medication, doc.medications),
                (EntryKind::Substance, doc.substances),
            ] {
                for mut entry in list {
                    entry.kind = kind;
                    entry_files.push(*file);
                    entries.push(entry);
                }
            }
            rules.extend(doc.rules);
            scales.extend(doc.scales);
            aggregates.extend(doc.aggregates);
        }

        let mut class_index = HashMap::new();
        for (i, class) in classes.iter().enumerate() {
            if class_index.insert(class.id.clone(), i).is_some() {
                return Err(invalid(
                    class_files.get(i).copied().unwrap_or("knowledge"),
                    &format!("class `{}`", class.id),
                    "the class id is used twice",
                ));
            }
        }
        for (i, entry) in entries.iter().enumerate() {
            let file = entry_files.get(i).copied().unwrap_or("knowledge");
            let Some(class) = class_index.get(&entry.class).and_then(|&i| classes.get(i)) else {
                return Err(invalid(
                    file,
                    &format!("entry `{}`", entry.name),
                    &format!("names class `{}`, which is not defined", entry.class),
                ));
            };
            Check { file }.entry(entry, class)?;
        }
        let mut scale_paths = HashSet::new();
        for scale in &scales {
            if !scale_paths.insert(scale.path.as_str()) {
                return Err(invalid(
                    "knowledge",
                    &format!("scale `{}`", scale.path),
                    "the path is described twice",
                ));
            }
        }

        let aliases = AliasIndex::build(&entries).map_err(|clash| {
            invalid(
                "knowledge",
                &format!("name `{}`", clash.alias),
                &format!(
                    "belongs to both `{}` and `{}`; a name may belong to one entry per list",
                    clash.first, clash.second
                ),
            )
        })?;

        Ok(Knowledge {
            classes,
            entries,
            rules,
            scales,
            aggregates,
            version: super::version_of(files.iter().map(|(_, text)| *text)),
            class_index,
            aliases,
        })
    }

    /// SHA-256 (hex) of the texts this knowledge base was parsed from.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn classes(&self) -> &[InteractionClass] {
        &self.classes
    }

    pub fn entries(&self) -> &[SubstanceEntry] {
        &self.entries
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn scales(&self) -> &[Scale] {
        &self.scales
    }

    pub fn aggregates(&self) -> &[Aggregate] {
        &self.aggregates
    }

    /// The class an entry belongs to (validated at parse time).
    pub fn class_of(&self, entry: &SubstanceEntry) -> Option<&InteractionClass> {
        self.class_index
            .get(&entry.class)
            .and_then(|&i| self.classes.get(i))
    }

    /// The condition codes the rules know, from `contains` tests on `conditions`.
    pub fn condition_codes(&self) -> HashSet<&str> {
        self.rules
            .iter()
            .flat_map(|rule| rule.when.iter())
            .filter_map(|test| match test {
                Test::Contains { path, value } if path == "conditions" => Some(value.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Autocomplete over the names of one list: prefix matches first, then close spellings.
    pub fn suggest(&self, query: &str, kind: EntryKind, limit: usize) -> Vec<super::Suggestion> {
        matching::suggest(self, query, kind, limit)
    }
}

fn invalid(file: &str, entry: &str, problem: &str) -> KnowledgeError {
    KnowledgeError::Invalid {
        file: file.to_owned(),
        entry: entry.to_owned(),
        problem: problem.to_owned(),
    }
}

struct Check<'a> {
    file: &'a str,
}

impl Check<'_> {
    fn text(&self, entry: &str, field: &str, value: &str) -> Result<(), KnowledgeError> {
        if value.trim().is_empty() {
            Err(invalid(self.file, entry, &format!("`{field}` is empty")))
        } else {
            Ok(())
        }
    }

    fn optional_text(
        &self,
        entry: &str,
        field: &str,
        value: Option<&String>,
    ) -> Result<(), KnowledgeError> {
        match value {
            Some(v) => self.text(entry, field, v),
            None => Ok(()),
        }
    }

    fn class(&self, class: &InteractionClass) -> Result<(), KnowledgeError> {
        let label = format!("class `{}`", class.id);
        self.text(&label, "id", &class.id)?;
        self.text(&label, "label", &class.label)?;
        self.text(&label, "mechanism", &class.mechanism)?;
        self.text(&label, "source", &class.source)?;
        self.optional_text(&label, "action", class.action.as_ref())?;
        if class.washout_weeks.is_some() && !class.needs_washout {
            return Err(invalid(
                self.file,
                &label,
                "`washout_weeks` is set but `needs_washout` is false",
            ));
        }
        if class.disputed && !class.review {
            return Err(invalid(
                self.file,
                &label,
                "a disputed class must also set `review = true`",
            ));
        }
        Ok(())
    }

    fn entry(
        &self,
        entry: &SubstanceEntry,
        class: &InteractionClass,
    ) -> Result<(), KnowledgeError> {
        let label = format!("entry `{}`", entry.name);
        self.text(&label, "name", &entry.name)?;
        self.text(&label, "source", &entry.source)?;
        self.optional_text(&label, "mechanism", entry.mechanism.as_ref())?;
        self.optional_text(&label, "action", entry.action.as_ref())?;
        for alias in &entry.aliases {
            self.text(&label, "aliases", alias)?;
        }
        for name in entry.names() {
            if matching::key(name).is_empty() {
                return Err(invalid(
                    self.file,
                    &label,
                    &format!("the name `{name}` has no letters or digits to match on"),
                ));
            }
        }
        let washout = entry.needs_washout.unwrap_or(class.needs_washout);
        if entry.washout_weeks.is_some() && !washout {
            return Err(invalid(
                self.file,
                &label,
                "`washout_weeks` is set but no washout is needed",
            ));
        }
        if entry.disputed == Some(true) && entry.review == Some(false) {
            return Err(invalid(
                self.file,
                &label,
                "a disputed entry cannot set `review = false`",
            ));
        }
        Ok(())
    }

    fn rule(&self, rule: &Rule) -> Result<(), KnowledgeError> {
        let label = format!("rule `{}`", rule.code);
        self.text(&label, "code", &rule.code)?;
        self.text(&label, "explanation", &rule.explanation)?;
        self.text(&label, "source", &rule.source)?;
        self.optional_text(&label, "action", rule.action.as_ref())?;
        self.optional_text(&label, "answer_path", rule.answer_path.as_ref())?;
        if rule.when.is_empty() {
            return Err(invalid(self.file, &label, "`when` has no tests"));
        }
        if rule.severity == Severity::Exclusion
            && rule.format.is_some_and(|f| f != Format::NotEligible)
        {
            return Err(invalid(
                self.file,
                &label,
                "an exclusion always recommends `not_eligible`",
            ));
        }
        for test in &rule.when {
            self.test(&label, test)?;
        }
        Ok(())
    }

    fn test(&self, label: &str, test: &Test) -> Result<(), KnowledgeError> {
        if test.path().split('.').any(|part| part.trim().is_empty()) {
            return Err(invalid(self.file, label, "a test has an empty path"));
        }
        let bounded = match test {
            Test::Number { min, max, .. } => min.is_some() || max.is_some(),
            Test::Sum { min, max, .. } => min.is_some() || max.is_some(),
            Test::Item { item, min, max, .. } => {
                if *item == 0 {
                    return Err(invalid(self.file, label, "`item` counts from 1"));
                }
                min.is_some() || max.is_some()
            }
            Test::NotIn { values, .. } => !values.is_empty(),
            Test::Contains { value, .. } | Test::Equals { value, .. } => !value.trim().is_empty(),
            Test::IsTrue { .. } => true,
        };
        if bounded {
            Ok(())
        } else {
            Err(invalid(
                self.file,
                label,
                &format!("the test on `{}` has no bound or value", test.path()),
            ))
        }
    }

    fn scale(&self, scale: &Scale) -> Result<(), KnowledgeError> {
        let label = format!("scale `{}`", scale.path);
        self.text(&label, "path", &scale.path)?;
        self.text(&label, "label", &scale.label)?;
        self.text(&label, "source", &scale.source)?;
        if scale.min > scale.max {
            return Err(invalid(self.file, &label, "`min` is above `max`"));
        }
        if scale.items == Some(0) {
            return Err(invalid(self.file, &label, "`items` must be at least 1"));
        }
        Ok(())
    }

    fn aggregate(&self, aggregate: &Aggregate) -> Result<(), KnowledgeError> {
        let label = format!("aggregate `{}`", aggregate.code);
        self.text(&label, "code", &aggregate.code)?;
        self.text(&label, "explanation", &aggregate.explanation)?;
        self.text(&label, "source", &aggregate.source)?;
        self.optional_text(&label, "action", aggregate.action.as_ref())?;
        if aggregate.min_findings == 0 {
            return Err(invalid(
                self.file,
                &label,
                "`min_findings` must be at least 1",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> &'static Knowledge {
        crate::screening::embedded().expect("shipped knowledge parses")
    }

    #[test]
    fn every_entry_carries_a_source_and_an_evidence_tag() {
        let k = shipped();
        let evidence_ok = |e: Evidence| {
            matches!(
                e,
                Evidence::Verified | Evidence::Secondary | Evidence::Unverified
            )
        };
        for class in k.classes() {
            assert!(!class.source.trim().is_empty(), "class {}", class.id);
            assert!(evidence_ok(class.evidence));
        }
        for entry in k.entries() {
            assert!(!entry.source.trim().is_empty(), "entry {}", entry.name);
            assert!(evidence_ok(entry.evidence));
        }
        for rule in k.rules() {
            assert!(!rule.source.trim().is_empty(), "rule {}", rule.code);
            assert!(!rule.explanation.trim().is_empty(), "rule {}", rule.code);
            assert!(evidence_ok(rule.evidence));
        }
        for scale in k.scales() {
            assert!(!scale.source.trim().is_empty(), "scale {}", scale.path);
        }
        for aggregate in k.aggregates() {
            assert!(
                !aggregate.source.trim().is_empty(),
                "aggregate {}",
                aggregate.code
            );
        }
    }

    #[test]
    fn every_source_file_line_with_source_has_evidence() {
        // The raw files: each table that names a source also names an evidence tag.
        for (file, text) in super::super::EMBEDDED_FILES {
            let value: toml::Value = toml::from_str(text).expect("valid TOML");
            let Some(table) = value.as_table() else {
                panic!("{file} is not a table")
            };
            for (key, items) in table {
                let Some(items) = items.as_array() else {
                    continue;
                };
                for item in items {
                    let source = item.get("source").and_then(toml::Value::as_str);
                    let evidence = item.get("evidence").and_then(toml::Value::as_str);
                    assert!(
                        source.is_some_and(|s| !s.trim().is_empty()),
                        "{file} [[{key}]] {item:?}"
                    );
                    assert!(
                        matches!(evidence, Some("V" | "S" | "U")),
                        "{file} [[{key}]] {item:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn unverified_entries_say_so_in_their_text() {
        let k = shipped();
        for class in k
            .classes()
            .iter()
            .filter(|c| c.evidence == Evidence::Unverified)
        {
            assert!(class.mechanism.contains("unverified"), "class {}", class.id);
        }
        for rule in k
            .rules()
            .iter()
            .filter(|r| r.evidence == Evidence::Unverified)
        {
            assert!(
                rule.explanation.contains("unverified"),
                "rule {}",
                rule.code
            );
        }
        for entry in k
            .entries()
            .iter()
            .filter(|e| e.evidence == Evidence::Unverified)
        {
            assert!(entry.source.contains("unverified"), "entry {}", entry.name);
        }
    }

    #[test]
    fn shipped_knowledge_covers_the_brief() {
        let k = shipped();
        let classes: HashSet<&str> = k.classes().iter().map(|c| c.id.as_str()).collect();
        for id in [
            "maoi",
            "cyp_booster",
            "ssri",
            "snri",
            "bupropion",
            "cyp2d6_inhibitor",
            "lithium",
            "tramadol",
            "dextromethorphan",
            "stimulant_prescribed",
            "stimulant_street",
            "caffeine",
            "pregabalin",
            "gabapentin",
            "benzodiazepine",
            "antipsychotic",
            "triptan",
            "st_johns_wort",
            "five_htp",
            "linezolid",
            "serotonergic_other",
            "tricyclic",
        ] {
            assert!(classes.contains(id), "missing class {id}");
        }
        let codes = k.condition_codes();
        for code in [
            "hypertension",
            "heart_disease",
            "arrhythmia",
            "qt_prolongation",
            "stroke_or_aneurysm",
            "liver_disease",
            "kidney_disease",
            "epilepsy",
            "glaucoma",
            "hyperthyroidism",
            "diabetes",
            "hyponatraemia_history",
            "psychosis",
            "bipolar_1",
            "bipolar_2",
            "dissociative_identity_disorder",
            "eating_disorder_purging",
            "personality_disorder",
            "substance_use_disorder",
        ] {
            assert!(codes.contains(code), "missing condition {code}");
        }
        let lithium = k
            .classes()
            .iter()
            .find(|c| c.id == "lithium")
            .expect("lithium");
        assert!(lithium.disputed && lithium.review);
    }

    #[test]
    fn verified_washouts_are_encoded_and_no_others() {
        let k = shipped();
        let weeks: Vec<(&str, u32)> = k
            .classes()
            .iter()
            .filter_map(|c| c.washout_weeks.map(|w| (c.id.as_str(), w)))
            .collect();
        assert_eq!(weeks, vec![("ssri", 2), ("spari", 2), ("snri", 2)]);
        let fluoxetine = k
            .entries()
            .iter()
            .find(|e| e.name == "fluoxetine")
            .expect("fluoxetine");
        assert_eq!(fluoxetine.washout_weeks, Some(6));
        let others: Vec<&str> = k
            .entries()
            .iter()
            .filter(|e| e.washout_weeks.is_some())
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(others, vec!["fluoxetine"]);
    }

    #[test]
    fn malformed_documents_are_refused_with_a_typed_error() {
        let base_class = r#"
[[class]]
id = "x"
label = "x"
severity = "caution"
mechanism = "m"
evidence = "V"
source = "s"
"#;
        let cases: Vec<(&str, String)> = vec![
            ("not toml", "[[class]\n".to_owned()),
            ("bad severity", base_class.replace("caution", "severe")),
            ("bad evidence", base_class.replace("\"V\"", "\"X\"")),
            ("empty source", base_class.replace("source = \"s\"", "source = \" \"")),
            ("missing source", base_class.replace("source = \"s\"", "")),
            ("unknown field", format!("{base_class}colour = \"red\"\n")),
            (
                "unknown class",
                format!("{base_class}\n[[medication]]\nname = \"a\"\nclass = \"y\"\nevidence = \"V\"\nsource = \"s\"\n"),
            ),
            (
                "alias clash",
                format!(
                    "{base_class}\n[[medication]]\nname = \"abc\"\nclass = \"x\"\nevidence = \"V\"\nsource = \"s\"\n\
                     [[medication]]\nname = \"def\"\naliases = [\"A-B-C\"]\nclass = \"x\"\nevidence = \"V\"\nsource = \"s\"\n"
                ),
            ),
            (
                "washout without need",
                base_class.replace("mechanism = \"m\"", "mechanism = \"m\"\nwashout_weeks = 3"),
            ),
            (
                "disputed without review",
                base_class.replace("mechanism = \"m\"", "mechanism = \"m\"\ndisputed = true"),
            ),
            (
                "rule without tests",
                "[[rule]]\ncode = \"c\"\nseverity = \"info\"\nwhen = []\nexplanation = \"e\"\nevidence = \"V\"\nsource = \"s\"\n".to_owned(),
            ),
            (
                "unbounded number",
                "[[rule]]\ncode = \"c\"\nseverity = \"info\"\nwhen = [{ op = \"number\", path = \"a\" }]\nexplanation = \"e\"\nevidence = \"V\"\nsource = \"s\"\n".to_owned(),
            ),
            (
                "item zero",
                "[[rule]]\ncode = \"c\"\nseverity = \"info\"\nwhen = [{ op = \"item\", path = \"a\", item = 0, min = 1 }]\nexplanation = \"e\"\nevidence = \"V\"\nsource = \"s\"\n".to_owned(),
            ),
            (
                "exclusion with a lighter format",
                "[[rule]]\ncode = \"c\"\nseverity = \"exclusion\"\nformat = \"duo\"\nwhen = [{ op = \"is_true\", path = \"a\" }]\nexplanation = \"e\"\nevidence = \"V\"\nsource = \"s\"\n".to_owned(),
            ),
            (
                "unknown op",
                "[[rule]]\ncode = \"c\"\nseverity = \"info\"\nwhen = [{ op = \"maybe\", path = \"a\" }]\nexplanation = \"e\"\nevidence = \"V\"\nsource = \"s\"\n".to_owned(),
            ),
            (
                "scale bounds",
                "[[scale]]\npath = \"a\"\nlabel = \"a\"\nmin = 3\nmax = 1\nevidence = \"V\"\nsource = \"s\"\n".to_owned(),
            ),
        ];
        for (name, text) in cases {
            assert!(Knowledge::parse(&text).is_err(), "{name} should be refused");
        }
        assert!(Knowledge::parse(base_class).is_ok());
    }

    #[test]
    fn a_site_can_load_its_own_file() {
        let text = r#"
[[class]]
id = "local"
label = "local class"
severity = "caution"
mechanism = "A local rule."
evidence = "S"
source = "Site formulary"

[[medication]]
name = "examplamine"
aliases = ["Examplex"]
class = "local"
evidence = "S"
source = "Site formulary"
"#;
        let k = Knowledge::parse(text).expect("parses");
        assert_eq!(k.entries().len(), 1);
        assert_eq!(k.entries()[0].kind, EntryKind::Medication);
        assert_eq!(k.version().len(), 64);
        assert_ne!(k.version(), crate::screening::knowledge_version());
        assert!(k.class_of(&k.entries()[0]).is_some());
    }
}
