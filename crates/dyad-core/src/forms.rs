//! The intake form as data: its definition, and the pure checks the web layer runs on answers.
//!
//! The form is a TOML file (`knowledge/forms/intake-v1.toml`, format in the README beside it).
//! Answers are one JSON object keyed by question key; the keys and shapes are binding
//! (`shared/API.md`, "Intake"). Per question kind, an answer is:
//!
//! | kind | JSON value |
//! |---|---|
//! | `choice` | one option code, a string |
//! | `multi_choice` | a list of distinct option codes; `[]` means "none of these" |
//! | `scale` | a whole number from `min` to `max` |
//! | `number` | a number from `min` to `max` (whole if `integer`) |
//! | `date` | `"YYYY-MM-DD"` |
//! | `boolean` | `true` or `false` |
//! | `text` | a string of at most `max_length` characters |
//! | `medication_list` | `[{ "name", "dose"?, "frequency"? }]`; `[]` means none |
//! | `substance_list` | `[{ "name", "frequency"? }]`; `[]` means none |
//! | `instrument` | one entry per item, in item order: an allowed item value, or `null` while a draft leaves it unanswered |
//! | `group` | an object keyed by its fields' keys |
//!
//! `null` anywhere a question's answer goes means "not answered". Field paths in errors are
//! `key`, `key.field` for groups, `key[i]` (0-based) for list entries and instrument items, and
//! `key[i].name` inside medication and substance entries.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::instruments::{DefinitionError, InstrumentDef, Instruments, Score, Sex, is_key};

mod translation;
pub use translation::{FormTranslation, QuestionTranslation, SectionTranslation};

/// The shipped intake form file.
pub const INTAKE_V1_TOML: &str = include_str!("../../../knowledge/forms/intake-v1.toml");

/// The largest magnitude a scale's `min` and `max` may have, as for instrument option values.
/// It keeps the conversion of the file's numbers to whole numbers exact.
pub const SCALE_LIMIT: i64 = crate::instruments::OPTION_VALUE_LIMIT;

/// Longest medicine or substance name accepted.
pub const MAX_NAME_LENGTH: usize = 200;
/// Longest dose or frequency text accepted.
pub const MAX_DETAIL_LENGTH: usize = 200;

const DEFAULT_TEXT_LENGTH: usize = 2000;
const DEFAULT_MAX_ITEMS: usize = 50;
/// Id of the section [`Form::shipped_with`] adds for site-loaded instruments.
pub const ADDITIONAL_SECTION_ID: &str = "additional_questionnaires";

/// One choice option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stable code stored in the answers.
    pub code: String,
    pub label: String,
    /// An optional heading to group options under when shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// The test a condition applies to another question's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionTest {
    /// The answer (a list) contains this code.
    Includes(String),
    /// The answer equals this value.
    Equals(Value),
    /// The answer is one of these values.
    In(Vec<Value>),
}

/// Show a question only when another question's answer passes a test. `key` is the other
/// question's path (`conditions`, or `self_harm.thoughts_past_month` for a group field).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub key: String,
    #[serde(flatten)]
    pub test: ConditionTest,
}

/// What a question asks for, and its settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    Choice {
        options: Vec<ChoiceOption>,
    },
    MultiChoice {
        options: Vec<ChoiceOption>,
    },
    Scale {
        min: i64,
        max: i64,
        min_label: String,
        max_label: String,
    },
    Number {
        min: f64,
        max: f64,
        integer: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    Date,
    Boolean,
    Text {
        max_length: usize,
    },
    MedicationList {
        max_items: usize,
    },
    SubstanceList {
        max_items: usize,
    },
    Instrument {
        instrument: String,
    },
    Group {
        fields: Vec<Question>,
    },
}

/// One question. Inside a group, `key` is the field's key within the group object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub key: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    #[serde(flatten)]
    pub kind: QuestionKind,
}

impl Question {
    /// The fields of a group question (empty for other kinds).
    pub fn fields(&self) -> &[Question] {
        match &self.kind {
            QuestionKind::Group { fields } => fields,
            _ => &[],
        }
    }

    /// The options of a choice or multi-choice question.
    pub fn options(&self) -> Option<&[ChoiceOption]> {
        match &self.kind {
            QuestionKind::Choice { options } | QuestionKind::MultiChoice { options } => {
                Some(options)
            }
            _ => None,
        }
    }
}

/// A section: one page of the intake.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// Show the form's `private_note_text` ("your partner will never see these answers").
    pub private_note: bool,
    pub questions: Vec<Question>,
}

/// A parsed, checked form together with the instruments it refers to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    pub id: String,
    /// The version to record with each intake (`1`, or `1+cssrs.2` with site instruments).
    pub version: String,
    /// The language of the texts: the file's `language` (default `en`), or the language of
    /// the translation [`Form::localised`] applied.
    pub lang: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    pub private_note_text: String,
    pub sections: Vec<Section>,
    /// SHA-256 (hex) of the form file text.
    pub sha256: String,
    instruments: Instruments,
    /// The file's `[translations.<lang>]` tables, checked against the form.
    #[serde(skip)]
    translations: BTreeMap<String, FormTranslation>,
}

/// Why a form file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the form is not valid TOML: {0}")]
    Toml(String),
    #[error("form: {0}")]
    Invalid(String),
    #[error(transparent)]
    Instrument(#[from] DefinitionError),
}

/// Every [`FieldError::code`] the checks of a form give, so a message catalogue can be checked
/// for a message per code.
pub const FIELD_ERROR_CODES: &[&str] = &[
    "not_an_object",
    "unknown_question",
    "not_a_choice",
    "choose_one",
    "choice_list",
    "choice_twice",
    "not_a_choice_here",
    "choice_code",
    "whole_number_range",
    "number_range",
    "date",
    "boolean",
    "text_too_long",
    "text",
    "instrument_not_loaded",
    "instrument_list",
    "instrument_count",
    "item_value",
    "group_object",
    "entry_list",
    "too_many_entries",
    "entry_object",
    "entry_name",
    "too_long",
    "unknown_detail",
    "missing_item",
    "missing_question",
];

/// A problem with one answer, for the `errors` list of a 422 response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    /// In English, for the API.
    pub message: String,
    /// What kind of problem it is, stable and the same in every language (`whole_number_range`),
    /// with the values the message names: for saying the same thing in the reader's language.
    #[serde(skip)]
    pub code: &'static str,
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    fn new(
        field: impl Into<String>,
        code: &'static str,
        args: Vec<(&'static str, String)>,
        message: impl Into<String>,
    ) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
            code,
            args,
        }
    }
}

// ---- raw file shapes -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    id: String,
    version: String,
    language: Option<String>,
    title: String,
    intro: Option<String>,
    private_note_text: String,
    sections: Vec<RawSection>,
    #[serde(default)]
    translations: BTreeMap<String, FormTranslation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    title: String,
    intro: Option<String>,
    #[serde(default)]
    private_note: bool,
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    key: String,
    kind: String,
    text: String,
    help: Option<String>,
    #[serde(default)]
    required: bool,
    when: Option<RawCondition>,
    options: Option<Vec<ChoiceOption>>,
    min: Option<f64>,
    max: Option<f64>,
    min_label: Option<String>,
    max_label: Option<String>,
    integer: Option<bool>,
    unit: Option<String>,
    max_length: Option<usize>,
    max_items: Option<usize>,
    instrument: Option<String>,
    fields: Option<Vec<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    key: String,
    includes: Option<String>,
    equals: Option<Value>,
    #[serde(rename = "in")]
    in_: Option<Vec<Value>>,
}

/// What the parser remembers about questions already defined, for checking conditions.
struct Seen {
    kinds: BTreeMap<String, QuestionKind>,
}

fn build_question(
    raw: RawQuestion,
    group: Option<&str>,
    instruments: &Instruments,
    seen: &mut Seen,
) -> Result<Question, FormError> {
    let path = match group {
        Some(g) => format!("{g}.{}", raw.key),
        None => raw.key.clone(),
    };
    let bad = |m: String| FormError::Invalid(format!("question {path}: {m}"));
    if !is_key(&raw.key) {
        return Err(bad(
            "the key must be lowercase letters, digits and underscores, starting with a letter"
                .into(),
        ));
    }
    if seen.kinds.contains_key(&path) {
        return Err(bad("this key is used twice".into()));
    }
    if raw.text.trim().is_empty() {
        return Err(bad("it has no text".into()));
    }

    // Which settings were given, so that a setting that does not apply is reported.
    let mut given: Vec<&str> = Vec::new();
    for (name, present) in [
        ("options", raw.options.is_some()),
        ("min", raw.min.is_some()),
        ("max", raw.max.is_some()),
        ("min_label", raw.min_label.is_some()),
        ("max_label", raw.max_label.is_some()),
        ("integer", raw.integer.is_some()),
        ("unit", raw.unit.is_some()),
        ("max_length", raw.max_length.is_some()),
        ("max_items", raw.max_items.is_some()),
        ("instrument", raw.instrument.is_some()),
        ("fields", raw.fields.is_some()),
    ] {
        if present {
            given.push(name);
        }
    }
    let allowed: &[&str] = match raw.kind.as_str() {
        "choice" | "multi_choice" => &["options"],
        "scale" => &["min", "max", "min_label", "max_label"],
        "number" => &["min", "max", "integer", "unit"],
        "date" | "boolean" => &[],
        "text" => &["max_length"],
        "medication_list" | "substance_list" => &["max_items"],
        "instrument" => &["instrument"],
        "group" => &["fields"],
        other => {
            return Err(bad(format!(
                "unknown kind {other} (known: choice, multi_choice, scale, number, date, boolean, text, medication_list, substance_list, instrument, group)"
            )));
        }
    };
    if let Some(extra) = given.iter().find(|g| !allowed.contains(g)) {
        return Err(bad(format!(
            "`{extra}` does not apply to a {} question",
            raw.kind
        )));
    }

    let when = match raw.when {
        None => None,
        Some(c) => Some(build_condition(c, &path, seen)?),
    };

    let kind = match raw.kind.as_str() {
        "choice" | "multi_choice" => {
            let options = raw.options.unwrap_or_default();
            if options.is_empty() {
                return Err(bad("it needs `options`".into()));
            }
            let mut codes = BTreeSet::new();
            for o in &options {
                if !is_key(&o.code) {
                    return Err(bad(format!(
                        "option code {} must be lowercase letters, digits and underscores",
                        o.code
                    )));
                }
                if !codes.insert(o.code.as_str()) {
                    return Err(bad(format!("option code {} is listed twice", o.code)));
                }
            }
            if raw.kind == "choice" {
                QuestionKind::Choice { options }
            } else {
                QuestionKind::MultiChoice { options }
            }
        }
        "scale" => {
            let (Some(min), Some(max)) = (raw.min, raw.max) else {
                return Err(bad("a scale needs `min` and `max`".into()));
            };
            if min.fract() != 0.0 || max.fract() != 0.0 || min >= max {
                return Err(bad(
                    "a scale needs whole numbers with `min` below `max`".into()
                ));
            }
            // Without a bound, `as i64` would saturate: 1e19 and 2e19 would both become
            // i64::MAX, a scale with a single value.
            let limit = SCALE_LIMIT as f64;
            if min < -limit || max > limit {
                return Err(bad(format!(
                    "a scale's `min` and `max` must lie between -{SCALE_LIMIT} and {SCALE_LIMIT}"
                )));
            }
            QuestionKind::Scale {
                min: min as i64,
                max: max as i64,
                min_label: raw.min_label.unwrap_or_default(),
                max_label: raw.max_label.unwrap_or_default(),
            }
        }
        "number" => {
            let (Some(min), Some(max)) = (raw.min, raw.max) else {
                return Err(bad("a number needs `min` and `max`".into()));
            };
            if !min.is_finite() || !max.is_finite() || min > max {
                return Err(bad("a number needs `min` at or below `max`".into()));
            }
            QuestionKind::Number {
                min,
                max,
                integer: raw.integer.unwrap_or(false),
                unit: raw.unit,
            }
        }
        "date" => QuestionKind::Date,
        "boolean" => QuestionKind::Boolean,
        "text" => {
            let max_length = raw.max_length.unwrap_or(DEFAULT_TEXT_LENGTH);
            if max_length == 0 {
                return Err(bad("`max_length` must be above zero".into()));
            }
            QuestionKind::Text { max_length }
        }
        "medication_list" | "substance_list" => {
            let max_items = raw.max_items.unwrap_or(DEFAULT_MAX_ITEMS);
            if max_items == 0 {
                return Err(bad("`max_items` must be above zero".into()));
            }
            if raw.kind == "medication_list" {
                QuestionKind::MedicationList { max_items }
            } else {
                QuestionKind::SubstanceList { max_items }
            }
        }
        "instrument" => {
            if group.is_some() {
                return Err(bad("an instrument cannot sit inside a group".into()));
            }
            let Some(id) = raw.instrument else {
                return Err(bad("it needs `instrument` (an instrument id)".into()));
            };
            if !instruments.contains(&id) {
                return Err(bad(format!("no instrument with id {id} is loaded")));
            }
            if id != raw.key {
                return Err(bad(format!(
                    "the key must be the instrument id ({id}), so that answers sit under the instrument's own key"
                )));
            }
            QuestionKind::Instrument { instrument: id }
        }
        _ => {
            // "group", the only kind left after the check above.
            if group.is_some() {
                return Err(bad("a group cannot sit inside a group".into()));
            }
            let raw_fields = raw.fields.unwrap_or_default();
            if raw_fields.is_empty() {
                return Err(bad("a group needs `fields`".into()));
            }
            // The group itself is known before its fields, so they may refer to each other in
            // order but not to the group.
            seen.kinds
                .insert(path.clone(), QuestionKind::Group { fields: Vec::new() });
            let mut fields = Vec::with_capacity(raw_fields.len());
            for f in raw_fields {
                fields.push(build_question(f, Some(&raw.key), instruments, seen)?);
            }
            QuestionKind::Group { fields }
        }
    };
    seen.kinds.insert(path, kind.clone());
    Ok(Question {
        key: raw.key,
        text: raw.text,
        help: raw.help,
        required: raw.required,
        when,
        kind,
    })
}

fn build_condition(raw: RawCondition, path: &str, seen: &Seen) -> Result<Condition, FormError> {
    let bad = |m: String| FormError::Invalid(format!("question {path}: condition: {m}"));
    let Some(target) = seen.kinds.get(&raw.key) else {
        return Err(bad(format!(
            "{} is not a question asked before this one",
            raw.key
        )));
    };
    let codes: Option<BTreeSet<&str>> = match target {
        QuestionKind::Choice { options } | QuestionKind::MultiChoice { options } => {
            Some(options.iter().map(|o| o.code.as_str()).collect())
        }
        _ => None,
    };
    let check_code = |v: &Value| -> Result<(), FormError> {
        if let Some(codes) = &codes {
            match v.as_str() {
                Some(c) if codes.contains(c) => Ok(()),
                _ => Err(bad(format!("{v} is not an option of {}", raw.key))),
            }
        } else {
            Ok(())
        }
    };
    let test = match (raw.includes, raw.equals, raw.in_) {
        (Some(code), None, None) => {
            if !matches!(target, QuestionKind::MultiChoice { .. }) {
                return Err(bad(format!(
                    "`includes` needs a multi_choice question, and {} is not one",
                    raw.key
                )));
            }
            check_code(&Value::String(code.clone()))?;
            ConditionTest::Includes(code)
        }
        (None, Some(v), None) => {
            check_code(&v)?;
            ConditionTest::Equals(v)
        }
        (None, None, Some(vs)) => {
            if vs.is_empty() {
                return Err(bad("`in` needs at least one value".into()));
            }
            for v in &vs {
                check_code(v)?;
            }
            ConditionTest::In(vs)
        }
        _ => {
            return Err(bad(
                "give exactly one of `includes`, `equals` or `in`".into()
            ));
        }
    };
    Ok(Condition { key: raw.key, test })
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn is_blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

fn lookup<'a>(answers: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = answers;
    for part in path.split('.') {
        current = current.get(part)?;
    }
    if current.is_null() {
        None
    } else {
        Some(current)
    }
}

impl Form {
    /// The shipped intake form with the shipped instruments.
    pub fn shipped() -> Result<Form, FormError> {
        Form::parse(INTAKE_V1_TOML)
    }

    /// The shipped intake form plus every instrument in `instruments` that it does not already
    /// ask (licensed instruments a site loaded). Those are added, required, in a section
    /// `additional_questionnaires` after the last instrument section, and the version becomes
    /// `<version>+<id>.<instrument version>` for each.
    pub fn shipped_with(instruments: Instruments) -> Result<Form, FormError> {
        let mut form = Form::parse_with(INTAKE_V1_TOML, instruments)?;
        form.add_missing_instruments();
        Ok(form)
    }

    /// Parses a form file against the shipped instruments.
    pub fn parse(text: &str) -> Result<Form, FormError> {
        Form::parse_with(text, Instruments::shipped()?)
    }

    /// Parses a form file against a given set of instruments.
    pub fn parse_with(text: &str, instruments: Instruments) -> Result<Form, FormError> {
        let raw: RawForm = toml::from_str(text).map_err(|e| FormError::Toml(e.to_string()))?;
        if !is_key(&raw.id) {
            return Err(FormError::Invalid(
                "the form id must be lowercase letters, digits and underscores".into(),
            ));
        }
        if raw.version.trim().is_empty() {
            return Err(FormError::Invalid("the form needs a version".into()));
        }
        if raw.sections.is_empty() {
            return Err(FormError::Invalid("the form has no sections".into()));
        }
        let mut seen = Seen {
            kinds: BTreeMap::new(),
        };
        let mut section_ids = BTreeSet::new();
        let mut sections = Vec::with_capacity(raw.sections.len());
        for s in raw.sections {
            if !is_key(&s.id) {
                return Err(FormError::Invalid(format!(
                    "section id {} must be lowercase letters, digits and underscores",
                    s.id
                )));
            }
            if !section_ids.insert(s.id.clone()) {
                return Err(FormError::Invalid(format!(
                    "section id {} is used twice",
                    s.id
                )));
            }
            if s.questions.is_empty() {
                return Err(FormError::Invalid(format!(
                    "section {} has no questions",
                    s.id
                )));
            }
            let mut questions = Vec::with_capacity(s.questions.len());
            for q in s.questions {
                questions.push(build_question(q, None, &instruments, &mut seen)?);
            }
            sections.push(Section {
                id: s.id,
                title: s.title,
                intro: s.intro,
                private_note: s.private_note,
                questions,
            });
        }
        let lang = raw.language.unwrap_or_else(|| "en".to_string());
        if !translation::is_language_code(&lang) {
            return Err(FormError::Invalid(
                "the form's language must be a code such as en or nl".into(),
            ));
        }
        let mut form = Form {
            id: raw.id,
            version: raw.version,
            lang,
            title: raw.title,
            intro: raw.intro,
            private_note_text: raw.private_note_text,
            sections,
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            instruments,
            translations: BTreeMap::new(),
        };
        for (lang, t) in &raw.translations {
            translation::check(&form, lang, t)?;
        }
        form.translations = raw.translations;
        Ok(form)
    }

    fn add_missing_instruments(&mut self) {
        let asked: BTreeSet<String> = self
            .all_questions()
            .filter_map(|(_, q)| match &q.kind {
                QuestionKind::Instrument { instrument } => Some(instrument.clone()),
                _ => None,
            })
            .collect();
        let extra: Vec<&InstrumentDef> = self
            .instruments
            .iter()
            .filter(|d| !asked.contains(&d.id) && !self.has_key(&d.id))
            .collect();
        if extra.is_empty() {
            return;
        }
        let questions: Vec<Question> = extra
            .iter()
            .map(|d| Question {
                key: d.id.clone(),
                text: format!("{} ({})", d.name, d.short_name),
                help: None,
                required: true,
                when: None,
                kind: QuestionKind::Instrument {
                    instrument: d.id.clone(),
                },
            })
            .collect();
        let suffix: Vec<String> = extra
            .iter()
            .map(|d| format!("+{}.{}", d.id, d.version))
            .collect();
        self.version.push_str(&suffix.concat());
        let position = self
            .sections
            .iter()
            .rposition(|s| {
                s.questions
                    .iter()
                    .any(|q| matches!(q.kind, QuestionKind::Instrument { .. }))
            })
            .map_or(self.sections.len(), |i| i + 1);
        self.sections.insert(
            position,
            Section {
                id: ADDITIONAL_SECTION_ID.to_string(),
                title: "More questionnaires".to_string(),
                intro: Some(
                    "Your care team uses these questionnaires as well. Choose the answer that fits best."
                        .to_string(),
                ),
                private_note: false,
                questions,
            },
        );
    }

    /// The instruments this form refers to.
    pub fn instruments(&self) -> &Instruments {
        &self.instruments
    }

    /// The definition of instrument `id`.
    pub fn instrument(&self, id: &str) -> Option<&InstrumentDef> {
        self.instruments.get(id)
    }

    /// A section by id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Every top-level question with its section, in form order.
    pub fn all_questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    fn has_key(&self, key: &str) -> bool {
        self.all_questions().any(|(_, q)| q.key == key)
    }

    /// Every answer key the form can hold: top-level keys and `group.field` paths, in order.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (_, q) in self.all_questions() {
            keys.push(q.key.clone());
            for f in q.fields() {
                keys.push(format!("{}.{}", q.key, f.key));
            }
        }
        keys
    }

    /// A question by path (`sex`, `relationship.trust`).
    pub fn question(&self, path: &str) -> Option<&Question> {
        let (top, field) = match path.split_once('.') {
            Some((t, f)) => (t, Some(f)),
            None => (path, None),
        };
        let q = self.all_questions().find(|(_, q)| q.key == top)?.1;
        match field {
            None => Some(q),
            Some(f) => q.fields().iter().find(|x| x.key == f),
        }
    }

    fn condition_holds(&self, condition: &Condition, answers: &Value, depth: usize) -> bool {
        // Conditions only point backwards (checked when parsing), so this terminates; the depth
        // limit is a second guard.
        if depth > 16 || !self.path_visible(&condition.key, answers, depth + 1) {
            return false;
        }
        let Some(value) = lookup(answers, &condition.key) else {
            return false;
        };
        match &condition.test {
            ConditionTest::Includes(code) => value
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(code))),
            ConditionTest::Equals(expected) => value == expected,
            ConditionTest::In(values) => values.contains(value),
        }
    }

    fn question_visible(&self, q: &Question, answers: &Value, depth: usize) -> bool {
        q.when
            .as_ref()
            .is_none_or(|c| self.condition_holds(c, answers, depth))
    }

    fn path_visible(&self, path: &str, answers: &Value, depth: usize) -> bool {
        let (top, field) = match path.split_once('.') {
            Some((t, f)) => (t, Some(f)),
            None => (path, None),
        };
        let Some((_, q)) = self.all_questions().find(|(_, q)| q.key == top) else {
            return false;
        };
        if !self.question_visible(q, answers, depth) {
            return false;
        }
        match field {
            None => true,
            Some(f) => q
                .fields()
                .iter()
                .find(|x| x.key == f)
                .is_some_and(|x| self.question_visible(x, answers, depth)),
        }
    }

    /// Whether the question at `path` is shown, given the answers so far.
    pub fn is_visible(&self, path: &str, answers: &Value) -> bool {
        self.path_visible(path, answers, 0)
    }

    /// The questions of a section that are shown, given the answers so far (empty for an
    /// unknown section).
    pub fn visible_questions(&self, section_id: &str, answers: &Value) -> Vec<&Question> {
        self.section(section_id)
            .map(|s| {
                s.questions
                    .iter()
                    .filter(|q| self.question_visible(q, answers, 0))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The fields of a group question that are shown.
    pub fn visible_fields<'a>(&self, group: &'a Question, answers: &Value) -> Vec<&'a Question> {
        group
            .fields()
            .iter()
            .filter(|f| self.question_visible(f, answers, 0))
            .collect()
    }

    /// Checks a draft: any subset of answers may be present, but what is present must be valid.
    /// Answers to questions hidden by a condition are checked too, but never required.
    pub fn validate_draft(&self, answers: &Value) -> Vec<FieldError> {
        let Some(map) = answers.as_object() else {
            return vec![FieldError::new(
                "",
                "not_an_object",
                vec![],
                "The answers must be a JSON object.",
            )];
        };
        let mut errors = Vec::new();
        for (key, value) in map {
            if value.is_null() {
                continue;
            }
            match self.all_questions().find(|(_, q)| &q.key == key) {
                Some((_, q)) => self.validate_value(q, key, value, &mut errors),
                None => errors.push(FieldError::new(
                    key.clone(),
                    "unknown_question",
                    vec![],
                    "This is not a question on this form.",
                )),
            }
        }
        errors
    }

    fn validate_value(
        &self,
        q: &Question,
        path: &str,
        value: &Value,
        errors: &mut Vec<FieldError>,
    ) {
        let mut err = |code: &'static str, args: Vec<(&'static str, String)>, m: String| {
            errors.push(FieldError::new(path, code, args, m))
        };
        match &q.kind {
            QuestionKind::Choice { options } => match value.as_str() {
                Some(code) if options.iter().any(|o| o.code == code) => {}
                Some(code) => err(
                    "not_a_choice",
                    vec![("code", code.to_string()), ("choices", codes_list(options))],
                    format!(
                        "\"{code}\" is not one of the choices ({}).",
                        codes_list(options)
                    ),
                ),
                None => err(
                    "choose_one",
                    vec![("choices", codes_list(options))],
                    format!("Choose one of: {}.", codes_list(options)),
                ),
            },
            QuestionKind::MultiChoice { options } => {
                let Some(list) = value.as_array() else {
                    err(
                        "choice_list",
                        vec![],
                        "Must be a list of choices (an empty list means none).".into(),
                    );
                    return;
                };
                let mut seen = BTreeSet::new();
                for (i, v) in list.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    match v.as_str() {
                        Some(code) if options.iter().any(|o| o.code == code) => {
                            if !seen.insert(code) {
                                errors.push(FieldError::new(
                                    item_path,
                                    "choice_twice",
                                    vec![("code", code.to_string())],
                                    format!("\"{code}\" is listed more than once."),
                                ));
                            }
                        }
                        Some(code) => errors.push(FieldError::new(
                            item_path,
                            "not_a_choice_here",
                            vec![("code", code.to_string())],
                            format!("\"{code}\" is not one of the choices here."),
                        )),
                        None => errors.push(FieldError::new(
                            item_path,
                            "choice_code",
                            vec![],
                            "Must be a choice code (text).",
                        )),
                    }
                }
            }
            QuestionKind::Scale { min, max, .. } => match value.as_i64() {
                Some(n) if (*min..=*max).contains(&n) => {}
                _ => err(
                    "whole_number_range",
                    vec![("min", min.to_string()), ("max", max.to_string())],
                    format!("Must be a whole number from {min} to {max}."),
                ),
            },
            QuestionKind::Number {
                min, max, integer, ..
            } => match value.as_f64() {
                Some(n) if *integer && n.fract() != 0.0 => err(
                    "whole_number_range",
                    vec![("min", min.to_string()), ("max", max.to_string())],
                    format!("Must be a whole number from {min} to {max}."),
                ),
                Some(n) if n >= *min && n <= *max => {}
                _ => err(
                    "number_range",
                    vec![("min", min.to_string()), ("max", max.to_string())],
                    format!("Must be a number from {min} to {max}."),
                ),
            },
            QuestionKind::Date => match value.as_str() {
                Some(s) if valid_date(s) => {}
                _ => err(
                    "date",
                    vec![],
                    "Must be a date written as YYYY-MM-DD, from 1900 on.".into(),
                ),
            },
            QuestionKind::Boolean => {
                if !value.is_boolean() {
                    err("boolean", vec![], "Must be true or false.".into());
                }
            }
            QuestionKind::Text { max_length } => match value.as_str() {
                Some(s) if chars(s) <= *max_length => {}
                Some(s) => err(
                    "text_too_long",
                    vec![
                        ("max", max_length.to_string()),
                        ("length", chars(s).to_string()),
                    ],
                    format!(
                        "Must be at most {max_length} characters long (this is {}).",
                        chars(s)
                    ),
                ),
                None => err("text", vec![], "Must be text.".into()),
            },
            QuestionKind::MedicationList { max_items } => {
                validate_entries(path, value, *max_items, &["dose", "frequency"], errors)
            }
            QuestionKind::SubstanceList { max_items } => {
                validate_entries(path, value, *max_items, &["frequency"], errors)
            }
            QuestionKind::Instrument { instrument } => {
                let Some(def) = self.instruments.get(instrument) else {
                    err(
                        "instrument_not_loaded",
                        vec![],
                        "This questionnaire is not loaded.".into(),
                    );
                    return;
                };
                let Some(list) = value.as_array() else {
                    err(
                        "instrument_list",
                        vec![("count", def.len().to_string())],
                        format!("Must be a list of {} answers, one per item.", def.len()),
                    );
                    return;
                };
                if list.len() != def.len() {
                    err(
                        "instrument_count",
                        vec![
                            ("count", def.len().to_string()),
                            ("got", list.len().to_string()),
                        ],
                        format!(
                            "Must be a list of {} answers, one per item (use null for an item not answered yet); this has {}.",
                            def.len(),
                            list.len()
                        ),
                    );
                    return;
                }
                for (i, (v, item)) in list.iter().zip(&def.items).enumerate() {
                    if v.is_null() {
                        continue;
                    }
                    let ok = v.as_i64().is_some_and(|n| item.allows(n));
                    if !ok {
                        let allowed: Vec<String> =
                            item.options.iter().map(|o| o.value.to_string()).collect();
                        errors.push(FieldError::new(
                            format!("{path}[{i}]"),
                            "item_value",
                            vec![
                                ("number", item.number.to_string()),
                                ("allowed", allowed.join(", ")),
                            ],
                            format!(
                                "Item {} must be one of {}.",
                                item.number,
                                allowed.join(", ")
                            ),
                        ));
                    }
                }
            }
            QuestionKind::Group { fields } => {
                let Some(obj) = value.as_object() else {
                    err(
                        "group_object",
                        vec![],
                        "Must be an object of answers.".into(),
                    );
                    return;
                };
                for (k, v) in obj {
                    let field_path = format!("{path}.{k}");
                    if v.is_null() {
                        continue;
                    }
                    match fields.iter().find(|f| &f.key == k) {
                        Some(f) => self.validate_value(f, &field_path, v, errors),
                        None => errors.push(FieldError::new(
                            field_path,
                            "unknown_question",
                            vec![],
                            "This is not a question on this form.",
                        )),
                    }
                }
            }
        }
    }

    fn missing_in(&self, q: &Question, path: &str, answers: &Value, out: &mut Vec<String>) {
        let value = lookup(answers, path);
        match (&q.kind, value) {
            (QuestionKind::Group { fields }, Some(Value::Object(_))) => {
                for f in fields {
                    if f.required && self.question_visible(f, answers, 0) {
                        self.missing_in(f, &format!("{path}.{}", f.key), answers, out);
                    }
                }
            }
            (QuestionKind::Instrument { .. }, Some(Value::Array(list))) => {
                for (i, v) in list.iter().enumerate() {
                    if v.is_null() {
                        out.push(format!("{path}[{i}]"));
                    }
                }
            }
            (QuestionKind::MedicationList { .. } | QuestionKind::SubstanceList { .. }, v)
            | (QuestionKind::MultiChoice { .. }, v) => {
                // An empty list is an answer ("none").
                if v.is_none() {
                    out.push(path.to_string());
                }
            }
            (_, v) => {
                if is_blank(v) {
                    out.push(path.to_string());
                }
            }
        }
    }

    /// The required answers still missing among the questions that are shown: a key for a
    /// question not answered at all, `group.field` for a missing field of an answered group,
    /// and `key[i]` for an unanswered item of a started instrument. A blank text counts as
    /// missing; an empty list counts as an answer ("none").
    pub fn missing_for_submit(&self, answers: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for (_, q) in self.all_questions() {
            if q.required && self.question_visible(q, answers, 0) {
                self.missing_in(q, &q.key, answers, &mut out);
            }
        }
        out
    }

    /// Everything that stands in the way of submitting, as field errors for a 422 response:
    /// the errors of [`Form::validate_draft`], then one per missing answer.
    pub fn check_submit(&self, answers: &Value) -> Vec<FieldError> {
        let mut errors = self.validate_draft(answers);
        for field in self.missing_for_submit(answers) {
            let (code, message) = if field.ends_with(']') {
                ("missing_item", "Please answer this item.")
            } else {
                ("missing_question", "Please answer this question.")
            };
            errors.push(FieldError::new(field, code, vec![], message));
        }
        errors
    }

    /// How many sections are answered, out of how many. A section counts as answered when
    /// every required question shown in it is answered (and, for a section without required
    /// questions, when at least one of its questions is answered).
    pub fn progress(&self, answers: &Value) -> (usize, usize) {
        let answered = self
            .sections
            .iter()
            .filter(|s| {
                let visible: Vec<&Question> = s
                    .questions
                    .iter()
                    .filter(|q| self.question_visible(q, answers, 0))
                    .collect();
                let required: Vec<&&Question> = visible.iter().filter(|q| q.required).collect();
                if required.is_empty() {
                    visible.iter().any(|q| lookup(answers, &q.key).is_some())
                } else {
                    required.iter().all(|q| {
                        let mut missing = Vec::new();
                        self.missing_in(q, &q.key, answers, &mut missing);
                        missing.is_empty()
                    })
                }
            })
            .count();
        (answered, self.sections.len())
    }

    /// Scores every instrument whose answers are complete and valid, keyed by instrument id.
    /// The `sex` answer, when present, selects sex-specific cut-offs.
    pub fn scores(&self, answers: &Value) -> BTreeMap<String, Score> {
        let sex = answers
            .get("sex")
            .and_then(Value::as_str)
            .and_then(Sex::from_code);
        let mut scores = BTreeMap::new();
        for (_, q) in self.all_questions() {
            let QuestionKind::Instrument { instrument } = &q.kind else {
                continue;
            };
            let (Some(def), Some(list)) = (
                self.instruments.get(instrument),
                answers.get(&q.key).and_then(Value::as_array),
            ) else {
                continue;
            };
            let values: Option<Vec<i64>> = list.iter().map(Value::as_i64).collect();
            if let Some(Ok(score)) = values.map(|v| def.score(&v, sex)) {
                scores.insert(instrument.clone(), score);
            }
        }
        scores
    }

    /// A copy of the answers without the answers to questions (and group fields) that are
    /// hidden by a condition: what to store when a draft is submitted.
    pub fn prune_hidden(&self, answers: &Value) -> Value {
        let Some(map) = answers.as_object() else {
            return answers.clone();
        };
        let mut out = Map::new();
        for (key, value) in map {
            let Some((_, q)) = self.all_questions().find(|(_, q)| &q.key == key) else {
                out.insert(key.clone(), value.clone());
                continue;
            };
            if !self.question_visible(q, answers, 0) {
                continue;
            }
            match value {
                Value::Object(fields) if !q.fields().is_empty() => {
                    let kept: Map<String, Value> = fields
                        .iter()
                        .filter(|(k, _)| {
                            q.fields()
                                .iter()
                                .find(|f| &f.key == *k)
                                .is_none_or(|f| self.question_visible(f, answers, 0))
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    out.insert(key.clone(), Value::Object(kept));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(out)
    }
}

fn codes_list(options: &[ChoiceOption]) -> String {
    let codes: Vec<&str> = options.iter().map(|o| o.code.as_str()).collect();
    codes.join(", ")
}

fn valid_date(s: &str) -> bool {
    s.len() == 10
        && s.parse::<jiff::civil::Date>()
            .is_ok_and(|d| d.year() >= 1900)
}

/// Checks a medication or substance list: entries `{name, <optional text fields>}`.
fn validate_entries(
    path: &str,
    value: &Value,
    max_items: usize,
    optional: &[&str],
    errors: &mut Vec<FieldError>,
) {
    let Some(list) = value.as_array() else {
        errors.push(FieldError::new(
            path,
            "entry_list",
            vec![],
            "Must be a list (an empty list means none).",
        ));
        return;
    };
    if list.len() > max_items {
        errors.push(FieldError::new(
            path,
            "too_many_entries",
            vec![
                ("max", max_items.to_string()),
                ("count", list.len().to_string()),
            ],
            format!(
                "Must list at most {max_items} entries (this has {}).",
                list.len()
            ),
        ));
    }
    for (i, entry) in list.iter().enumerate() {
        let entry_path = format!("{path}[{i}]");
        let Some(obj) = entry.as_object() else {
            errors.push(FieldError::new(
                entry_path,
                "entry_object",
                vec![],
                "Each entry must be an object with a name.",
            ));
            continue;
        };
        match obj.get("name") {
            Some(Value::String(name)) if name.trim().is_empty() => errors.push(FieldError::new(
                format!("{entry_path}.name"),
                "entry_name",
                vec![],
                "Please give a name.",
            )),
            Some(Value::String(name)) if chars(name) > MAX_NAME_LENGTH => {
                errors.push(FieldError::new(
                    format!("{entry_path}.name"),
                    "too_long",
                    vec![("max", MAX_NAME_LENGTH.to_string())],
                    format!("Must be at most {MAX_NAME_LENGTH} characters long."),
                ))
            }
            Some(Value::String(_)) => {}
            Some(_) => errors.push(FieldError::new(
                format!("{entry_path}.name"),
                "text",
                vec![],
                "Must be text.",
            )),
            None => errors.push(FieldError::new(
                format!("{entry_path}.name"),
                "entry_name",
                vec![],
                "Please give a name.",
            )),
        }
        for (k, v) in obj {
            if k == "name" {
                continue;
            }
            let field_path = format!("{entry_path}.{k}");
            if !optional.contains(&k.as_str()) {
                let details: String = optional.iter().map(|o| format!(", {o}")).collect();
                errors.push(FieldError::new(
                    field_path,
                    "unknown_detail",
                    vec![("details", format!("name{details}"))],
                    format!(
                        "Unknown detail; an entry has name{}.",
                        optional
                            .iter()
                            .map(|o| format!(", {o}"))
                            .collect::<String>()
                    ),
                ));
                continue;
            }
            match v {
                Value::Null => {}
                Value::String(s) if chars(s) <= MAX_DETAIL_LENGTH => {}
                Value::String(_) => errors.push(FieldError::new(
                    field_path,
                    "too_long",
                    vec![("max", MAX_DETAIL_LENGTH.to_string())],
                    format!("Must be at most {MAX_DETAIL_LENGTH} characters long."),
                )),
                _ => errors.push(FieldError::new(field_path, "text", vec![], "Must be text.")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Form {
        Form::shipped().expect("shipped form parses")
    }

    fn complete() -> Value {
        json!({
            "sex": "female",
            "date_of_birth": "1990-04-01",
            "weight_kg": 64.5,
            "conditions": ["hypertension"],
            "hypertension_controlled": "yes",
            "pregnant": "no",
            "breastfeeding": "no",
            "mental_health_care_now": "no",
            "psychiatric_admission_ever": "no",
            "medications": [{"name": "sertraline", "dose": "50 mg", "frequency": "daily"}],
            "substances": [],
            "phq9": [1, 2, 0, 3, 1, 0, 2, 1, 0],
            "gad7": [0, 0, 1, 0, 0, 0, 0],
            "pcl5": vec![0; 20],
            "auditc": [1, 1, 1],
            "self_harm": {
                "thoughts_past_month": false,
                "plan_past_month": false,
                "attempt_past_year": false,
                "attempt_ever": false
            },
            "relationship": {
                "conflict": 2, "trust": 4, "safety": 5, "equality": 4,
                "pressured": false, "afraid_of_partner": false, "controlled": false
            },
            "motivation": {"own": "We want to understand each other again.", "mainly_for_partner": 2},
            "intention": "To listen.",
            "goals": "Fewer silent evenings."
        })
    }

    fn without(mut v: Value, keys: &[&str]) -> Value {
        if let Some(map) = v.as_object_mut() {
            for k in keys {
                map.remove(*k);
            }
        }
        v
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    const API_KEYS: [&str; 30] = [
        "medications",
        "substances",
        "conditions",
        "hypertension_controlled",
        "pregnant",
        "breastfeeding",
        "sex",
        "phq9",
        "gad7",
        "pcl5",
        "auditc",
        "self_harm",
        "self_harm.thoughts_past_month",
        "self_harm.plan_past_month",
        "self_harm.attempt_past_year",
        "self_harm.attempt_ever",
        "relationship",
        "relationship.conflict",
        "relationship.trust",
        "relationship.safety",
        "relationship.equality",
        "relationship.pressured",
        "relationship.afraid_of_partner",
        "relationship.controlled",
        "motivation",
        "motivation.own",
        "motivation.mainly_for_partner",
        "intention",
        "goals",
        "date_of_birth",
    ];

    const API_CONDITIONS: [&str; 19] = [
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
    ];

    fn codes(form: &Form, path: &str) -> Vec<String> {
        form.question(path)
            .and_then(Question::options)
            .map(|o| o.iter().map(|c| c.code.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn shipped_form_parses_in_a_sensible_order() {
        let f = form();
        assert_eq!((f.id.as_str(), f.version.as_str()), ("intake", "1"));
        let ids: Vec<&str> = f.sections.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "about_you",
                "physical_health",
                "mental_health",
                "medication_substances",
                "phq9",
                "gad7",
                "pcl5",
                "auditc",
                "safety",
                "relationship",
                "goals"
            ]
        );
        assert!(f.section("relationship").is_some_and(|s| s.private_note));
        assert!(f.private_note_text.contains("never see"));
        assert_eq!(f.sha256.len(), 64);
    }

    #[test]
    fn every_api_key_is_in_the_form_with_the_api_shape() {
        let f = form();
        let keys = f.keys();
        for k in API_KEYS {
            assert!(keys.iter().any(|x| x == k), "{k} missing from the form");
        }
        let conditions = codes(&f, "conditions");
        for c in API_CONDITIONS {
            assert!(conditions.iter().any(|x| x == c), "condition {c} missing");
        }
        assert_eq!(codes(&f, "sex"), vec!["female", "male", "other"]);
        assert_eq!(codes(&f, "hypertension_controlled"), vec!["yes", "no"]);
        for k in ["pregnant", "breastfeeding"] {
            assert_eq!(codes(&f, k), vec!["yes", "no", "unknown"]);
        }
        for (k, n) in [("phq9", 9), ("gad7", 7), ("pcl5", 20), ("auditc", 3)] {
            let q = f.question(k).expect("instrument question");
            assert_eq!(
                q.kind,
                QuestionKind::Instrument {
                    instrument: k.to_string()
                }
            );
            assert_eq!(f.instrument(k).map(InstrumentDef::len), Some(n));
        }
        for k in ["conflict", "trust", "safety", "equality"] {
            let q = f.question(&format!("relationship.{k}")).expect("field");
            assert!(matches!(q.kind, QuestionKind::Scale { min: 1, max: 5, .. }));
        }
        for k in ["pressured", "afraid_of_partner", "controlled"] {
            let q = f.question(&format!("relationship.{k}")).expect("field");
            assert_eq!(q.kind, QuestionKind::Boolean);
        }
        for k in [
            "thoughts_past_month",
            "plan_past_month",
            "attempt_past_year",
            "attempt_ever",
        ] {
            let q = f.question(&format!("self_harm.{k}")).expect("field");
            assert_eq!(q.kind, QuestionKind::Boolean);
        }
        assert!(matches!(
            f.question("motivation.mainly_for_partner").map(|q| &q.kind),
            Some(QuestionKind::Scale { min: 1, max: 5, .. })
        ));
        assert!(matches!(
            f.question("motivation.own").map(|q| &q.kind),
            Some(QuestionKind::Text { .. })
        ));
        assert!(matches!(
            f.question("medications").map(|q| &q.kind),
            Some(QuestionKind::MedicationList { .. })
        ));
        assert!(matches!(
            f.question("substances").map(|q| &q.kind),
            Some(QuestionKind::SubstanceList { .. })
        ));
        for k in ["intention", "goals"] {
            assert!(matches!(
                f.question(k).map(|q| &q.kind),
                Some(QuestionKind::Text { .. })
            ));
        }
        assert!(validate_ok(&f, &complete()));
    }

    fn validate_ok(f: &Form, answers: &Value) -> bool {
        let errors = f.validate_draft(answers);
        assert!(errors.is_empty(), "{errors:?}");
        true
    }

    fn visible_keys(f: &Form, section: &str, answers: &Value) -> Vec<String> {
        f.visible_questions(section, answers)
            .iter()
            .map(|q| q.key.clone())
            .collect()
    }

    #[test]
    fn hypertension_controlled_is_asked_only_with_hypertension() {
        let f = form();
        let none = json!({});
        let other = json!({"conditions": ["diabetes"]});
        let with = json!({"conditions": ["diabetes", "hypertension"]});
        for a in [&none, &other] {
            assert!(
                !visible_keys(&f, "physical_health", a).contains(&"hypertension_controlled".into())
            );
            assert!(!f.is_visible("hypertension_controlled", a));
        }
        assert!(
            visible_keys(&f, "physical_health", &with).contains(&"hypertension_controlled".into())
        );
        // Required only when shown.
        let mut answers = complete();
        answers["conditions"] = json!(["diabetes"]);
        let answers = without(answers, &["hypertension_controlled"]);
        assert!(f.missing_for_submit(&answers).is_empty());
        answers_with_hypertension_need_the_answer(&f);
    }

    fn answers_with_hypertension_need_the_answer(f: &Form) {
        let answers = without(complete(), &["hypertension_controlled"]);
        assert_eq!(
            f.missing_for_submit(&answers),
            vec!["hypertension_controlled"]
        );
    }

    #[test]
    fn pregnancy_questions_follow_sex() {
        let f = form();
        for (sex, shown) in [
            (json!("female"), true),
            (json!("other"), true),
            (json!("male"), false),
            (Value::Null, false),
        ] {
            let answers = json!({ "sex": sex });
            let keys = visible_keys(&f, "physical_health", &answers);
            assert_eq!(keys.contains(&"pregnant".to_string()), shown, "{sex}");
            assert_eq!(keys.contains(&"breastfeeding".to_string()), shown, "{sex}");
        }
        let mut male = without(complete(), &["pregnant", "breastfeeding"]);
        male["sex"] = json!("male");
        assert!(f.missing_for_submit(&male).is_empty());
        // A hidden answer left over from an earlier choice is dropped on pruning.
        male["pregnant"] = json!("no");
        assert!(f.validate_draft(&male).is_empty());
        let pruned = f.prune_hidden(&male);
        assert!(pruned.get("pregnant").is_none());
        assert_eq!(pruned.get("sex"), Some(&json!("male")));
    }

    #[test]
    fn drafts_may_be_partial() {
        let f = form();
        assert!(f.validate_draft(&json!({})).is_empty());
        assert!(
            f.validate_draft(&json!({"sex": "male", "goals": null}))
                .is_empty()
        );
        assert!(
            f.validate_draft(&json!({
                "phq9": [1, null, null, null, null, null, null, null, null],
                "relationship": {"trust": 3},
                "self_harm": {"attempt_ever": false},
                "medications": [{"name": "lithium"}],
                "conditions": []
            }))
            .is_empty()
        );
        assert!(f.validate_draft(&complete()).is_empty());
    }

    #[test]
    fn drafts_reject_bad_types_ranges_and_codes() {
        let f = form();
        let bad = json!({
            "sex": "f",
            "conditions": ["hypertension", "gout", "hypertension"],
            "hypertension_controlled": true,
            "weight_kg": 900,
            "height_cm": 170.5,
            "date_of_birth": "01/04/1990",
            "phq9": [0, 0, 0, 4, 0, 0, 0, 0, 0],
            "gad7": [0, 0, 0],
            "auditc": "3",
            "relationship": {"trust": 6, "pressured": "no", "mood": 3},
            "self_harm": [true],
            "motivation": {"own": "x".repeat(2001), "mainly_for_partner": 2.5},
            "medications": [{"dose": "5 mg"}, {"name": "tramadol", "route": "oral"}, "aspirin"],
            "substances": {"name": "cannabis"},
            "favourite_colour": "blue"
        });
        let errors = f.validate_draft(&bad);
        let mut got = fields(&errors);
        got.sort_unstable();
        let mut want = vec![
            "sex",
            "conditions[1]",
            "conditions[2]",
            "hypertension_controlled",
            "weight_kg",
            "height_cm",
            "date_of_birth",
            "phq9[3]",
            "gad7",
            "auditc",
            "relationship.trust",
            "relationship.pressured",
            "relationship.mood",
            "self_harm",
            "motivation.own",
            "motivation.mainly_for_partner",
            "medications[0].name",
            "medications[1].route",
            "medications[2]",
            "substances",
            "favourite_colour",
        ];
        want.sort_unstable();
        assert_eq!(got, want, "{errors:#?}");
        for e in &errors {
            assert!(FIELD_ERROR_CODES.contains(&e.code), "{e:?}");
        }
        let msg = |field: &str| {
            errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
                .unwrap_or_default()
        };
        assert_eq!(msg("phq9[3]"), "Item 4 must be one of 0, 1, 2, 3.");
        assert_eq!(
            msg("relationship.trust"),
            "Must be a whole number from 1 to 5."
        );
        assert_eq!(
            msg("conditions[1]"),
            "\"gout\" is not one of the choices here."
        );
        assert!(msg("gad7").contains("7 answers"), "{}", msg("gad7"));
        assert_eq!(
            f.validate_draft(&json!([1, 2])),
            vec![FieldError::new(
                "",
                "not_an_object",
                vec![],
                "The answers must be a JSON object."
            )]
        );
        assert_eq!(
            fields(&f.validate_draft(&json!({"date_of_birth": "1990-02-30"}))),
            vec!["date_of_birth"]
        );
    }

    #[test]
    fn missing_for_submit_lists_exactly_the_missing_required_keys() {
        let f = form();
        assert!(f.missing_for_submit(&complete()).is_empty());
        let answers = without(
            complete(),
            &["sex", "phq9", "goals", "medications", "self_harm"],
        );
        // Without sex the pregnancy questions are hidden, so they are not listed.
        assert_eq!(
            f.missing_for_submit(&answers),
            vec!["sex", "medications", "phq9", "self_harm", "goals"]
        );
        let mut partial = complete();
        partial["relationship"] =
            json!({"conflict": 1, "trust": 5, "safety": 5, "pressured": false});
        partial["pcl5"][4] = Value::Null;
        partial["pcl5"][19] = Value::Null;
        partial["intention"] = json!("   ");
        partial["conditions_other"] = Value::Null;
        assert_eq!(
            f.missing_for_submit(&partial),
            vec![
                "pcl5[4]",
                "pcl5[19]",
                "relationship.equality",
                "relationship.afraid_of_partner",
                "relationship.controlled",
                "intention"
            ]
        );
        let all = f.missing_for_submit(&json!({}));
        assert_eq!(
            all,
            vec![
                "sex",
                "date_of_birth",
                "weight_kg",
                "conditions",
                "mental_health_care_now",
                "psychiatric_admission_ever",
                "medications",
                "substances",
                "phq9",
                "gad7",
                "pcl5",
                "auditc",
                "self_harm",
                "relationship",
                "motivation",
                "intention",
                "goals"
            ]
        );
        let errors = f.check_submit(&partial);
        assert_eq!(errors.len(), 6);
        assert_eq!(
            errors[0],
            FieldError::new(
                "pcl5[4]",
                "missing_item",
                vec![],
                "Please answer this item."
            )
        );
        assert_eq!(
            errors[5],
            FieldError::new(
                "intention",
                "missing_question",
                vec![],
                "Please answer this question."
            )
        );
    }

    #[test]
    fn progress_counts_answered_sections() {
        let f = form();
        assert_eq!(f.progress(&json!({})), (0, 11));
        assert_eq!(f.progress(&complete()), (11, 11));
        let some = json!({
            "sex": "male", "date_of_birth": "1980-01-01", "weight_kg": 80,
            "phq9": [0, 0, 0, 0, 0, 0, 0, 0, null],
            "gad7": [0, 0, 0, 0, 0, 0, 0]
        });
        assert_eq!(f.progress(&some), (2, 11));
    }

    #[test]
    fn scores_cover_each_complete_instrument() {
        let f = form();
        let scores = f.scores(&complete());
        let ids: Vec<&str> = scores.keys().map(String::as_str).collect();
        assert_eq!(ids, vec!["auditc", "gad7", "pcl5", "phq9"]);
        let phq = &scores["phq9"];
        assert_eq!(phq.total, 10);
        assert_eq!(phq.band.as_ref().map(|b| b.id.as_str()), Some("moderate"));
        // Female, AUDIT-C total 3: at the women's cut-off.
        assert_eq!(scores["auditc"].positive_screen, Some(true));
        let mut male = complete();
        male["sex"] = json!("male");
        assert_eq!(f.scores(&male)["auditc"].positive_screen, Some(false));
        let mut partial = complete();
        partial["phq9"][8] = Value::Null;
        partial["gad7"] = json!([0, 0, 9, 0, 0, 0, 0]);
        let scores = f.scores(&partial);
        assert!(!scores.contains_key("phq9"));
        assert!(!scores.contains_key("gad7"));
        assert!(scores.contains_key("pcl5"));
    }

    const FICTIONAL: &str = r#"
id = "fci3"
short_name = "FCI-3"
name = "Fictional Closeness Index"
version = "2"
licence = "Fictional, for tests."
source = "dyad test suite"
evidence = "site"
instructions = "Think about the past month."
options = [
  { value = 1, label = "Never" },
  { value = 2, label = "Sometimes" },
  { value = 3, label = "Always" },
]
[[items]]
text = "We laugh together."
[[items]]
text = "I feel heard."
[[items]]
text = "We make plans together."
[screen]
direction = "at_most"
value = 4
label = "Low closeness"
source = "fictional manual"
evidence = "site"
"#;

    #[test]
    fn a_site_loaded_instrument_joins_the_form_under_its_own_key() {
        let instruments = Instruments::shipped_with(&[FICTIONAL]).expect("loads");
        let f = Form::shipped_with(instruments).expect("form builds");
        assert_eq!(f.version, "1+fci3.2");
        let ids: Vec<&str> = f.sections.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids[8], ADDITIONAL_SECTION_ID);
        assert_eq!(ids[7], "auditc");
        assert_eq!(f.progress(&json!({})), (0, 12));
        let mut answers = complete();
        assert_eq!(f.missing_for_submit(&answers), vec!["fci3"]);
        answers["fci3"] = json!([1, 2, 4]);
        assert_eq!(fields(&f.validate_draft(&answers)), vec!["fci3[2]"]);
        answers["fci3"] = json!([1, 2, 1]);
        assert!(f.check_submit(&answers).is_empty());
        let score = &f.scores(&answers)["fci3"];
        assert_eq!((score.total, score.positive_screen), (4, Some(true)));
        // The shipped form alone does not know the key.
        assert_eq!(fields(&form().validate_draft(&answers)), vec!["fci3"]);
    }

    #[test]
    fn broken_forms_are_refused_with_a_reason() {
        let cases = [
            (
                INTAKE_V1_TOML.replacen("kind = \"date\"", "kind = \"calendar\"", 1),
                "unknown kind calendar",
            ),
            (
                INTAKE_V1_TOML.replace(
                    "when = { key = \"conditions\", includes = \"hypertension\" }",
                    "when = { key = \"conditions\", includes = \"gout\" }",
                ),
                "not an option of conditions",
            ),
            (
                INTAKE_V1_TOML.replace(
                    "when = { key = \"conditions\", includes = \"hypertension\" }",
                    "when = { key = \"goals\", equals = \"x\" }",
                ),
                "not a question asked before this one",
            ),
            (
                INTAKE_V1_TOML.replacen(
                    "when = { key = \"sex\", in = [\"female\", \"other\"] }",
                    "when = { key = \"sex\", includes = \"female\" }",
                    1,
                ),
                "needs a multi_choice question",
            ),
            (
                INTAKE_V1_TOML.replace("instrument = \"gad7\"", "instrument = \"phq9\""),
                "the key must be the instrument id",
            ),
            (
                INTAKE_V1_TOML.replace("instrument = \"gad7\"", "instrument = \"cssrs\""),
                "no instrument with id cssrs",
            ),
            (
                INTAKE_V1_TOML.replacen("max_length = 2000", "max_items = 2000", 1),
                "`max_items` does not apply to a text question",
            ),
            (
                INTAKE_V1_TOML.replacen("key = \"weight_kg\"", "key = \"sex\"", 1),
                "question sex: this key is used twice",
            ),
            (
                INTAKE_V1_TOML.replacen("required = true", "requird = true", 1),
                "not valid TOML",
            ),
            (
                INTAKE_V1_TOML.replacen(
                    "min = 1\nmax = 5\nmin_label = \"No conflict\"",
                    "min = 1e19\nmax = 2e19\nmin_label = \"No conflict\"",
                    1,
                ),
                "must lie between -1000000 and 1000000",
            ),
            (
                INTAKE_V1_TOML.replacen(
                    "min = 1\nmax = 5\nmin_label = \"No conflict\"",
                    "min = -9223372036854775808\nmax = 5\nmin_label = \"No conflict\"",
                    1,
                ),
                "must lie between -1000000 and 1000000",
            ),
            (
                INTAKE_V1_TOML.replacen(
                    "min = 1\nmax = 5\nmin_label = \"No conflict\"",
                    "min = 1\nmax = 1000001\nmin_label = \"No conflict\"",
                    1,
                ),
                "must lie between -1000000 and 1000000",
            ),
        ];
        for (text, expected) in cases {
            let err = Form::parse(&text).expect_err(expected).to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }

    #[test]
    fn the_form_serialises_for_the_web_layer() {
        let f = form();
        let v = serde_json::to_value(&f).expect("serialises");
        let physical = &v["sections"][1]["questions"];
        let hc = physical
            .as_array()
            .and_then(|qs| qs.iter().find(|q| q["key"] == "hypertension_controlled"))
            .expect("question present");
        assert_eq!(hc["kind"], "choice");
        assert_eq!(
            hc["when"],
            json!({"key": "conditions", "includes": "hypertension"})
        );
        assert_eq!(v["instruments"]["phq9"]["items"][8]["number"], 9);
        let rel = &v["sections"][9]["questions"][0];
        assert_eq!(rel["kind"], "group");
        assert_eq!(rel["fields"][1]["key"], "trust");
        assert_eq!(rel["fields"][1]["max"], 5);
    }
}
