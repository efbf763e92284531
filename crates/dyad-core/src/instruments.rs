//! Validated questionnaires (instruments) as data: definitions, loading and scoring.
//!
//! A definition is a TOML file (format in `knowledge/instruments/README.md`). dyad ships the four
//! free-to-use instruments the clinical brief names (PHQ-9, GAD-7, PCL-5, AUDIT-C); a site that
//! holds a licence for another instrument (C-SSRS, CSI, HITS, ...) loads its definition from a
//! file with [`InstrumentDef::parse`] and [`Instruments::add`]. Its answers then live under the
//! definition's own `id` in the intake answers.
//!
//! Scoring is the sum of the item values. A definition may add severity bands, item flags (such
//! as PHQ-9 item 9 above zero), a positive-screen cut-off (optionally by sex, as for AUDIT-C) and
//! symptom-pattern criteria (the provisional DSM-5 rule of the PCL-5). A figure whose evidence
//! tag is `U` (not verified) is refused: it cannot become a scoring rule until someone checks it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The shipped PHQ-9 definition file.
pub const PHQ9_TOML: &str = include_str!("../../../knowledge/instruments/phq9.toml");
/// The shipped GAD-7 definition file.
pub const GAD7_TOML: &str = include_str!("../../../knowledge/instruments/gad7.toml");
/// The shipped PCL-5 definition file.
pub const PCL5_TOML: &str = include_str!("../../../knowledge/instruments/pcl5.toml");
/// The shipped AUDIT-C definition file.
pub const AUDITC_TOML: &str = include_str!("../../../knowledge/instruments/auditc.toml");

/// Every shipped definition file, in the order the intake asks them.
pub const SHIPPED: [&str; 4] = [PHQ9_TOML, GAD7_TOML, PCL5_TOML, AUDITC_TOML];

/// The largest magnitude a response option's value may have. Published instruments score items
/// in single or double digits; the bound keeps every total far from integer overflow and refuses
/// definitions whose values are clearly a mistake.
pub const OPTION_VALUE_LIMIT: i64 = 1_000_000;

/// How sure we are of a figure: the tags of the clinical brief, plus `site` for a figure a site
/// checked itself (a licensed instrument's manual, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Evidence {
    /// Verified in a public copy of the primary source.
    #[serde(rename = "V")]
    Verified,
    /// Secondary source only.
    #[serde(rename = "S")]
    Secondary,
    /// Not verified. Refused for anything that scores.
    #[serde(rename = "U")]
    Unverified,
    /// Checked by the site that loads the definition (from the licensed manual).
    #[serde(rename = "site")]
    Site,
}

/// Sex as the intake records it (`sex` answer), used for sex-specific cut-offs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    /// Reads the intake code (`female`, `male`, `other`).
    pub fn from_code(code: &str) -> Option<Sex> {
        match code {
            "female" => Some(Sex::Female),
            "male" => Some(Sex::Male),
            "other" => Some(Sex::Other),
            _ => None,
        }
    }

    /// The intake code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        }
    }
}

/// One response option: what the person sees and the value it scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseOption {
    pub value: i64,
    pub label: String,
}

/// One item, with its published text and the options it offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// 1-based item number, as printed on the published form.
    pub number: usize,
    pub text: String,
    pub options: Vec<ResponseOption>,
}

impl Item {
    fn min_value(&self) -> i64 {
        self.options.iter().map(|o| o.value).min().unwrap_or(0)
    }

    fn max_value(&self) -> i64 {
        self.options.iter().map(|o| o.value).max().unwrap_or(0)
    }

    /// Whether `value` is one of this item's option values.
    pub fn allows(&self, value: i64) -> bool {
        self.options.iter().any(|o| o.value == value)
    }

    fn allowed_list(&self) -> String {
        let values: Vec<String> = self.options.iter().map(|o| o.value.to_string()).collect();
        values.join(", ")
    }
}

/// A severity band over the total, both ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub id: String,
    pub label: String,
    pub min: i64,
    pub max: i64,
}

/// A flag raised by a single item's answer, whatever the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFlag {
    pub id: String,
    /// 1-based item number.
    pub item: usize,
    /// Raised when the item's value is at least this.
    pub at_least: i64,
    pub label: String,
}

/// Which side of the cut-off is a positive screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Positive when total >= value (PHQ-9, AUDIT-C, HITS).
    AtLeast,
    /// Positive when total <= value (satisfaction scales where low is the concern).
    AtMost,
}

impl Direction {
    fn positive(self, total: i64, value: i64) -> bool {
        match self {
            Direction::AtLeast => total >= value,
            Direction::AtMost => total <= value,
        }
    }
}

/// The positive-screen rule over the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Screen {
    pub direction: Direction,
    /// The cut-off for everyone, or for whoever `by_sex` does not name.
    pub value: Option<i64>,
    /// Sex-specific cut-offs (AUDIT-C).
    pub by_sex: BTreeMap<Sex, i64>,
    pub label: String,
    pub source: String,
    pub evidence: Evidence,
}

/// A group of items that must have enough endorsed symptoms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub name: String,
    /// 1-based item numbers.
    pub items: Vec<usize>,
    pub min_count: usize,
}

/// A symptom-pattern rule: an item counts as endorsed at `item_at_least` or more, and every
/// cluster needs at least `min_count` endorsed items. When met, `id` is added to the flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    pub id: String,
    pub label: String,
    pub item_at_least: i64,
    pub clusters: Vec<Cluster>,
    pub source: String,
    pub evidence: Evidence,
}

/// A complete instrument definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstrumentDef {
    /// The answer key, snake_case (`phq9`).
    pub id: String,
    /// As usually printed (`PHQ-9`).
    pub short_name: String,
    pub name: String,
    pub version: String,
    pub licence: String,
    pub source: String,
    pub evidence: Evidence,
    /// The published stem shown above the items.
    pub instructions: String,
    pub notes: Option<String>,
    /// The language of `name`, `instructions`, the items and the option labels: the file's
    /// `language` (default `en`), or the language of the translation [`Instruments::localised`]
    /// applied.
    pub language: String,
    /// Where the wording comes from when it is a translation: the citation of the published,
    /// validated translation. `None` for the instrument's own wording.
    pub translation_source: Option<String>,
    pub items: Vec<Item>,
    pub bands: Vec<Band>,
    pub flags: Vec<ItemFlag>,
    pub screen: Option<Screen>,
    pub criteria: Vec<Criterion>,
    /// Lowest and highest possible totals.
    pub min_total: i64,
    pub max_total: i64,
    /// SHA-256 (hex) of the definition text, to record which definition scored an answer.
    pub sha256: String,
    /// Validated translations from the file (`[translations.<lang>]`), checked against the
    /// items.
    #[serde(skip)]
    translations: BTreeMap<String, InstrumentTranslation>,
}

/// A published, validated translation of an instrument: every item and every option label, and
/// the source that published and validated it. A partial translation is refused: a validated
/// questionnaire is asked in one wording, never a mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentTranslation {
    /// The citation of the validated translation (authors, year, where it was published).
    pub source: String,
    pub evidence: Evidence,
    pub name: Option<String>,
    pub instructions: String,
    /// Per item, in item order: its text and its option labels by value.
    pub items: Vec<(String, BTreeMap<i64, String>)>,
}

/// Why a definition file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("the instrument definition is not valid TOML: {0}")]
    Toml(String),
    #[error("instrument {id}: {message}")]
    Invalid { id: String, message: String },
    #[error(
        "instrument {id}: {what} is tagged U (not verified); check it against the source and tag it V, S or site before it can score"
    )]
    Unverified { id: String, what: String },
    #[error("an instrument with id {0} is already loaded")]
    Duplicate(String),
}

/// Why a set of answers could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("{instrument} needs {expected} answers, but {got} were given")]
    WrongCount {
        instrument: String,
        expected: usize,
        got: usize,
    },
    #[error("{instrument} item {item}: {value} is not an allowed answer (allowed: {allowed})")]
    OutOfRange {
        instrument: String,
        /// 1-based item number.
        item: usize,
        value: i64,
        allowed: String,
    },
    /// The answers' total does not fit in an `i64`. A parsed definition cannot get here (its
    /// option values are bounded); a definition built by hand with huge values can.
    #[error("{instrument}: the total of the answers is too large to compute")]
    TotalOverflow { instrument: String },
}

/// The cut-off that was applied for a positive screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedCutoff {
    pub direction: Direction,
    pub value: i64,
    /// Set when a sex-specific cut-off was used.
    pub sex: Option<Sex>,
}

/// The result of scoring one completed instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Score {
    pub instrument: String,
    pub version: String,
    pub total: i64,
    pub max_total: i64,
    /// The severity band the total falls in, when the instrument has bands.
    pub band: Option<Band>,
    /// Ids of raised item flags and met criteria, in definition order.
    pub flags: Vec<String>,
    /// `None` when the instrument has no screen rule, or when the rule depends on sex and the
    /// sex-specific cut-offs disagree for an unknown or unlisted sex.
    pub positive_screen: Option<bool>,
    pub cutoff: Option<AppliedCutoff>,
}

// ---- raw file shapes -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDef {
    id: String,
    short_name: Option<String>,
    name: String,
    version: String,
    licence: String,
    source: String,
    evidence: Evidence,
    instructions: String,
    notes: Option<String>,
    language: Option<String>,
    #[serde(default)]
    options: Vec<ResponseOption>,
    items: Vec<RawItem>,
    #[serde(default)]
    translations: BTreeMap<String, RawTranslation>,
    #[serde(default)]
    bands: Vec<Band>,
    #[serde(default)]
    flags: Vec<ItemFlag>,
    screen: Option<RawScreen>,
    #[serde(default)]
    criteria: Vec<RawCriterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    text: String,
    options: Option<Vec<ResponseOption>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranslation {
    source: String,
    evidence: Evidence,
    name: Option<String>,
    instructions: String,
    #[serde(default)]
    options: Vec<ResponseOption>,
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScreen {
    direction: Direction,
    value: Option<i64>,
    #[serde(default)]
    by_sex: BTreeMap<Sex, i64>,
    label: String,
    source: String,
    evidence: Evidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: String,
    label: String,
    item_at_least: i64,
    clusters: Vec<Cluster>,
    source: String,
    evidence: Evidence,
}

/// Whether a string is a usable key: lowercase ASCII letters, digits and underscores, starting
/// with a letter.
pub(crate) fn is_key(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl InstrumentDef {
    /// Parses and checks a definition file.
    pub fn parse(text: &str) -> Result<InstrumentDef, DefinitionError> {
        let raw: RawDef = toml::from_str(text).map_err(|e| DefinitionError::Toml(e.to_string()))?;
        let id = raw.id.clone();
        let invalid = |message: String| DefinitionError::Invalid {
            id: id.clone(),
            message,
        };
        let unverified = |what: &str| DefinitionError::Unverified {
            id: id.clone(),
            what: what.to_string(),
        };

        if !is_key(&raw.id) {
            return Err(invalid(
                "the id must be lowercase letters, digits and underscores, starting with a letter"
                    .into(),
            ));
        }
        if raw.evidence == Evidence::Unverified {
            return Err(unverified("the definition"));
        }
        if raw.items.is_empty() {
            return Err(invalid("it has no items".into()));
        }

        let mut items = Vec::with_capacity(raw.items.len());
        for (i, raw_item) in raw.items.into_iter().enumerate() {
            let number = i + 1;
            if raw_item.text.trim().is_empty() {
                return Err(invalid(format!("item {number} has no text")));
            }
            let options = raw_item.options.unwrap_or_else(|| raw.options.clone());
            if options.is_empty() {
                return Err(invalid(format!(
                    "item {number} has no response options (give `options` at the top or on the item)"
                )));
            }
            let mut seen = BTreeSet::new();
            for o in &options {
                if !(-OPTION_VALUE_LIMIT..=OPTION_VALUE_LIMIT).contains(&o.value) {
                    return Err(invalid(format!(
                        "item {number} offers the value {}, but option values must lie between -{OPTION_VALUE_LIMIT} and {OPTION_VALUE_LIMIT}",
                        o.value
                    )));
                }
                if !seen.insert(o.value) {
                    return Err(invalid(format!(
                        "item {number} lists the value {} twice",
                        o.value
                    )));
                }
            }
            items.push(Item {
                number,
                text: raw_item.text,
                options,
            });
        }
        let total_of = |value: fn(&Item) -> i64, which: &str| {
            checked_sum(items.iter().map(value)).ok_or_else(|| {
                invalid(format!(
                    "the {which} possible total of the item values is too large to compute"
                ))
            })
        };
        let min_total = total_of(Item::min_value, "lowest")?;
        let max_total = total_of(Item::max_value, "highest")?;

        // Bands: sorted, contiguous, covering every possible total.
        if let Some(last) = raw.bands.last() {
            let mut expected = min_total;
            let mut ids = BTreeSet::new();
            for band in &raw.bands {
                if !ids.insert(band.id.as_str()) {
                    return Err(invalid(format!("band {} is listed twice", band.id)));
                }
                if band.min != expected || band.max < band.min {
                    return Err(invalid(format!(
                        "band {} covers {}-{}, but the bands must run without gaps or overlaps from {} to {}",
                        band.id, band.min, band.max, min_total, max_total
                    )));
                }
                if band.max > max_total {
                    return Err(invalid(format!(
                        "band {} ends at {}, but the highest possible total is {}",
                        band.id, band.max, max_total
                    )));
                }
                // `band.max <= max_total`, which is bounded, so this only fails on a definition
                // that is wrong anyway; refuse rather than wrap.
                expected = band.max.checked_add(1).ok_or_else(|| {
                    invalid(format!(
                        "band {} ends at {}, beyond any possible total",
                        band.id, band.max
                    ))
                })?;
            }
            if last.max != max_total {
                return Err(invalid(format!(
                    "the bands end at {}, but the highest possible total is {}",
                    last.max, max_total
                )));
            }
        }

        for flag in &raw.flags {
            let Some(item) = items.get(flag.item.wrapping_sub(1)) else {
                return Err(invalid(format!(
                    "flag {} refers to item {}, which does not exist",
                    flag.id, flag.item
                )));
            };
            if flag.at_least > item.max_value() {
                return Err(invalid(format!(
                    "flag {} can never be raised: item {} scores at most {}",
                    flag.id,
                    flag.item,
                    item.max_value()
                )));
            }
        }

        let screen = match raw.screen {
            None => None,
            Some(s) => {
                if s.evidence == Evidence::Unverified {
                    return Err(unverified("the screen cut-off"));
                }
                if s.value.is_none() && s.by_sex.is_empty() {
                    return Err(invalid(
                        "the screen needs a `value` or `by_sex` cut-offs".into(),
                    ));
                }
                for v in s.value.iter().chain(s.by_sex.values()) {
                    if *v < min_total || *v > max_total {
                        return Err(invalid(format!(
                            "the screen cut-off {v} lies outside the possible totals {min_total}-{max_total}"
                        )));
                    }
                }
                Some(Screen {
                    direction: s.direction,
                    value: s.value,
                    by_sex: s.by_sex,
                    label: s.label,
                    source: s.source,
                    evidence: s.evidence,
                })
            }
        };

        let mut criteria = Vec::with_capacity(raw.criteria.len());
        for c in raw.criteria {
            if c.evidence == Evidence::Unverified {
                return Err(unverified(&format!("criterion {}", c.id)));
            }
            if c.clusters.is_empty() {
                return Err(invalid(format!("criterion {} has no clusters", c.id)));
            }
            for cluster in &c.clusters {
                if let Some(bad) = cluster.items.iter().find(|n| **n == 0 || **n > items.len()) {
                    return Err(invalid(format!(
                        "criterion {} cluster {} refers to item {bad}, which does not exist",
                        c.id, cluster.name
                    )));
                }
                if cluster.min_count > cluster.items.len() {
                    return Err(invalid(format!(
                        "criterion {} cluster {} asks for {} items out of {}",
                        c.id,
                        cluster.name,
                        cluster.min_count,
                        cluster.items.len()
                    )));
                }
            }
            criteria.push(Criterion {
                id: c.id,
                label: c.label,
                item_at_least: c.item_at_least,
                clusters: c.clusters,
                source: c.source,
                evidence: c.evidence,
            });
        }

        let mut flag_ids = BTreeSet::new();
        for fid in raw
            .flags
            .iter()
            .map(|f| f.id.as_str())
            .chain(criteria.iter().map(|c| c.id.as_str()))
        {
            if !is_key(fid) {
                return Err(invalid(format!(
                    "flag id {fid} must be lowercase letters, digits and underscores"
                )));
            }
            if !flag_ids.insert(fid) {
                return Err(invalid(format!("flag id {fid} is used twice")));
            }
        }

        let language = raw.language.unwrap_or_else(|| "en".to_string());
        let mut translations = BTreeMap::new();
        for (lang, t) in raw.translations {
            let t = check_translation(&items, &language, &lang, t)
                .map_err(|m| invalid(format!("translation {lang}: {m}")))?;
            if t.evidence == Evidence::Unverified {
                return Err(unverified(&format!("the {lang} translation")));
            }
            translations.insert(lang, t);
        }

        let short_name = raw.short_name.unwrap_or_else(|| raw.id.clone());
        Ok(InstrumentDef {
            id: raw.id,
            short_name,
            name: raw.name,
            version: raw.version,
            licence: raw.licence,
            source: raw.source,
            evidence: raw.evidence,
            instructions: raw.instructions,
            notes: raw.notes,
            language,
            translation_source: None,
            items,
            bands: raw.bands,
            flags: raw.flags,
            screen,
            criteria,
            min_total,
            max_total,
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            translations,
        })
    }

    /// The languages this definition has a validated translation for.
    pub fn translation_languages(&self) -> impl Iterator<Item = &str> {
        self.translations.keys().map(String::as_str)
    }

    /// The validated translation into `lang`, when the file has one.
    pub fn translation(&self, lang: &str) -> Option<&InstrumentTranslation> {
        self.translations.get(lang)
    }

    /// This definition worded in `lang` when it has a validated translation into `lang`; else
    /// as it is. Values, items and rules are the same either way.
    pub fn localised(&self, lang: &str) -> InstrumentDef {
        let mut def = self.clone();
        let Some(t) = self.translations.get(lang) else {
            return def;
        };
        def.language = lang.to_string();
        def.translation_source = Some(t.source.clone());
        if let Some(name) = &t.name {
            def.name = name.clone();
        }
        def.instructions = t.instructions.clone();
        for (item, (text, labels)) in def.items.iter_mut().zip(&t.items) {
            item.text = text.clone();
            for o in &mut item.options {
                if let Some(label) = labels.get(&o.value) {
                    o.label = label.clone();
                }
            }
        }
        def
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the definition has no items (never true for a parsed definition).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The band a total falls in.
    pub fn band_for(&self, total: i64) -> Option<&Band> {
        self.bands.iter().find(|b| b.min <= total && total <= b.max)
    }

    /// Checks one item's value; `index` is 0-based.
    pub fn check_item(&self, index: usize, value: i64) -> Result<(), ScoreError> {
        match self.items.get(index) {
            Some(item) if item.allows(value) => Ok(()),
            Some(item) => Err(ScoreError::OutOfRange {
                instrument: self.short_name.clone(),
                item: item.number,
                value,
                allowed: item.allowed_list(),
            }),
            None => Err(ScoreError::WrongCount {
                instrument: self.short_name.clone(),
                expected: self.items.len(),
                got: index + 1,
            }),
        }
    }

    /// Scores a complete set of answers, with the sex used for sex-specific cut-offs.
    pub fn score(&self, answers: &[i64], sex: Option<Sex>) -> Result<Score, ScoreError> {
        if answers.len() != self.items.len() {
            return Err(ScoreError::WrongCount {
                instrument: self.short_name.clone(),
                expected: self.items.len(),
                got: answers.len(),
            });
        }
        for (i, v) in answers.iter().enumerate() {
            self.check_item(i, *v)?;
        }
        let total =
            checked_sum(answers.iter().copied()).ok_or_else(|| ScoreError::TotalOverflow {
                instrument: self.short_name.clone(),
            })?;
        let value_of = |number: usize| answers.get(number.wrapping_sub(1)).copied();

        let mut flags = Vec::new();
        for flag in &self.flags {
            if value_of(flag.item).is_some_and(|v| v >= flag.at_least) {
                flags.push(flag.id.clone());
            }
        }
        for c in &self.criteria {
            let met = c.clusters.iter().all(|cluster| {
                let endorsed = cluster
                    .items
                    .iter()
                    .filter(|n| value_of(**n).is_some_and(|v| v >= c.item_at_least))
                    .count();
                endorsed >= cluster.min_count
            });
            if met {
                flags.push(c.id.clone());
            }
        }

        let (positive_screen, cutoff) = match &self.screen {
            None => (None, None),
            Some(screen) => screen_result(screen, total, sex),
        };

        Ok(Score {
            instrument: self.id.clone(),
            version: self.version.clone(),
            total,
            max_total: self.max_total,
            band: self.band_for(total).cloned(),
            flags,
            positive_screen,
            cutoff,
        })
    }
}

/// Checks a translation against the parsed items: the same number of items, and for each item a
/// label for exactly the values the item offers.
fn check_translation(
    items: &[Item],
    own_language: &str,
    lang: &str,
    raw: RawTranslation,
) -> Result<InstrumentTranslation, String> {
    if lang == own_language {
        return Err(format!("the instrument is already worded in {lang}"));
    }
    if !lang.chars().all(|c| c.is_ascii_lowercase() || c == '_') || lang.len() < 2 {
        return Err("the language must be a code such as nl or pt_br".into());
    }
    if raw.source.trim().is_empty() {
        return Err("it needs `source`: the published, validated translation it copies".into());
    }
    if raw.instructions.trim().is_empty() {
        return Err("it has no instructions".into());
    }
    if raw.items.len() != items.len() {
        return Err(format!(
            "it has {} items, but the instrument has {}: a validated translation translates every item",
            raw.items.len(),
            items.len()
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (item, t) in items.iter().zip(raw.items) {
        let number = item.number;
        if t.text.trim().is_empty() {
            return Err(format!("item {number} has no text"));
        }
        let options = t.options.unwrap_or_else(|| raw.options.clone());
        let mut labels = BTreeMap::new();
        for o in options {
            if !item.allows(o.value) {
                return Err(format!(
                    "item {number} labels the value {}, which the item does not offer",
                    o.value
                ));
            }
            if o.label.trim().is_empty() || labels.insert(o.value, o.label).is_some() {
                return Err(format!(
                    "item {number} labels the value {} twice or with an empty label",
                    o.value
                ));
            }
        }
        if let Some(o) = item.options.iter().find(|o| !labels.contains_key(&o.value)) {
            return Err(format!(
                "item {number} has no label for the value {}",
                o.value
            ));
        }
        out.push((t.text, labels));
    }
    Ok(InstrumentTranslation {
        source: raw.source,
        evidence: raw.evidence,
        name: raw.name,
        instructions: raw.instructions,
        items: out,
    })
}

/// The sum of `values`, or `None` when it does not fit in an `i64`.
fn checked_sum(values: impl IntoIterator<Item = i64>) -> Option<i64> {
    values.into_iter().try_fold(0i64, i64::checked_add)
}

/// Applies a screen rule. A sex-specific cut-off is used when the sex is listed; otherwise the
/// general `value`; otherwise (sex unknown or not listed, and no general value) the result is
/// positive or negative only when every listed cut-off agrees, and `None` when they disagree.
fn screen_result(
    screen: &Screen,
    total: i64,
    sex: Option<Sex>,
) -> (Option<bool>, Option<AppliedCutoff>) {
    let listed = sex.and_then(|s| screen.by_sex.get(&s).map(|v| (s, *v)));
    if let Some((s, value)) = listed {
        return (
            Some(screen.direction.positive(total, value)),
            Some(AppliedCutoff {
                direction: screen.direction,
                value,
                sex: Some(s),
            }),
        );
    }
    if let Some(value) = screen.value {
        return (
            Some(screen.direction.positive(total, value)),
            Some(AppliedCutoff {
                direction: screen.direction,
                value,
                sex: None,
            }),
        );
    }
    let results: BTreeSet<bool> = screen
        .by_sex
        .values()
        .map(|v| screen.direction.positive(total, *v))
        .collect();
    match (results.len(), results.first()) {
        (1, Some(r)) => (Some(*r), None),
        _ => (None, None),
    }
}

/// Scores a complete set of answers without a sex (sex-specific cut-offs then apply only where
/// they agree). See [`InstrumentDef::score`].
pub fn score(def: &InstrumentDef, answers: &[i64]) -> Result<Score, ScoreError> {
    def.score(answers, None)
}

/// Scores with the sex used for sex-specific cut-offs.
pub fn score_for(
    def: &InstrumentDef,
    answers: &[i64],
    sex: Option<Sex>,
) -> Result<Score, ScoreError> {
    def.score(answers, sex)
}

/// A set of instrument definitions, keyed by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Instruments {
    defs: BTreeMap<String, InstrumentDef>,
}

impl Instruments {
    /// An empty set.
    pub fn new() -> Instruments {
        Instruments::default()
    }

    /// The four shipped instruments: PHQ-9, GAD-7, PCL-5, AUDIT-C.
    pub fn shipped() -> Result<Instruments, DefinitionError> {
        let mut set = Instruments::new();
        for text in SHIPPED {
            set.add(InstrumentDef::parse(text)?)?;
        }
        Ok(set)
    }

    /// The shipped instruments plus site-provided definition files (licensed instruments).
    pub fn shipped_with(files: &[&str]) -> Result<Instruments, DefinitionError> {
        let mut set = Instruments::shipped()?;
        for text in files {
            set.load(text)?;
        }
        Ok(set)
    }

    /// Adds a definition; refuses a second definition with the same id.
    pub fn add(&mut self, def: InstrumentDef) -> Result<(), DefinitionError> {
        if self.defs.contains_key(&def.id) {
            return Err(DefinitionError::Duplicate(def.id));
        }
        self.defs.insert(def.id.clone(), def);
        Ok(())
    }

    /// Parses a definition file and adds it; returns its id.
    pub fn load(&mut self, text: &str) -> Result<String, DefinitionError> {
        let def = InstrumentDef::parse(text)?;
        let id = def.id.clone();
        self.add(def)?;
        Ok(id)
    }

    pub fn get(&self, id: &str) -> Option<&InstrumentDef> {
        self.defs.get(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.defs.contains_key(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &InstrumentDef> {
        self.defs.values()
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.defs.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Every definition as a reader of `lang` sees it (see [`InstrumentDef::localised`]).
    pub fn localised(&self, lang: &str) -> Instruments {
        Instruments {
            defs: self
                .defs
                .iter()
                .map(|(id, def)| (id.clone(), def.localised(lang)))
                .collect(),
        }
    }

    /// Scores answers for the instrument `id`; `None` when no such instrument is loaded.
    pub fn score(
        &self,
        id: &str,
        answers: &[i64],
        sex: Option<Sex>,
    ) -> Option<Result<Score, ScoreError>> {
        self.get(id).map(|def| def.score(answers, sex))
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Instruments {
        Instruments::shipped().expect("shipped instruments parse")
    }

    fn def(id: &str) -> InstrumentDef {
        shipped().get(id).expect("instrument present").clone()
    }

    /// Answers with `total` spread over items from the first, each up to `max`.
    fn spread(n: usize, max: i64, total: i64) -> Vec<i64> {
        let mut left = total;
        (0..n)
            .map(|_| {
                let v = left.min(max);
                left -= v;
                v
            })
            .collect()
    }

    fn band_of(def: &InstrumentDef, answers: &[i64]) -> String {
        score(def, answers)
            .expect("scores")
            .band
            .expect("has a band")
            .id
    }

    #[test]
    fn shipped_set_has_the_four_free_instruments() {
        let set = shipped();
        let ids: Vec<&str> = set.ids().collect();
        assert_eq!(ids, vec!["auditc", "gad7", "pcl5", "phq9"]);
        let counts: Vec<(String, usize, i64)> = set
            .iter()
            .map(|d| (d.id.clone(), d.len(), d.max_total))
            .collect();
        assert_eq!(
            counts,
            vec![
                ("auditc".to_string(), 3, 12),
                ("gad7".to_string(), 7, 21),
                ("pcl5".to_string(), 20, 80),
                ("phq9".to_string(), 9, 27),
            ]
        );
        for d in set.iter() {
            assert_ne!(d.evidence, Evidence::Unverified);
            assert_eq!(d.min_total, 0);
            assert_eq!(d.sha256.len(), 64);
        }
    }

    #[test]
    fn published_wording_is_kept() {
        let phq = def("phq9");
        assert_eq!(
            phq.items[8].text,
            "Thoughts that you would be better off dead or of hurting yourself in some way"
        );
        assert_eq!(phq.items[0].options[0].label, "Not at all");
        let gad = def("gad7");
        assert_eq!(gad.items[0].options[0].label, "Not at all");
        assert_eq!(
            gad.items[1].text,
            "Not being able to stop or control worrying"
        );
        let pcl = def("pcl5");
        assert_eq!(pcl.items[17].text, "Feeling jumpy or easily startled?");
        assert_eq!(pcl.items[0].options[4].label, "Extremely");
        let audit = def("auditc");
        assert_eq!(
            audit.items[2].text,
            "How often do you have six or more drinks on one occasion?"
        );
        assert_eq!(audit.items[1].options[4].label, "10 or more");
    }

    #[test]
    fn phq9_band_boundaries() {
        let phq = def("phq9");
        let cases = [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ];
        for (total, band) in cases {
            let answers = spread(9, 3, total);
            // Keep item 9 at zero where possible so the flag does not depend on the spread.
            assert_eq!(answers.iter().sum::<i64>(), total);
            assert_eq!(band_of(&phq, &answers), band, "total {total}");
            let s = score(&phq, &answers).expect("scores");
            assert_eq!(s.total, total);
            assert_eq!(s.positive_screen, Some(total >= 10), "total {total}");
        }
    }

    #[test]
    fn phq9_hand_computed_total() {
        let phq = def("phq9");
        let s = score(&phq, &[1, 2, 0, 3, 1, 0, 2, 1, 0]).expect("scores");
        assert_eq!(s.total, 10);
        assert_eq!(s.band.map(|b| b.label), Some("Moderate".to_string()));
        assert!(s.flags.is_empty());
        assert_eq!(s.max_total, 27);
        assert_eq!(s.instrument, "phq9");
    }

    #[test]
    fn phq9_item9_flag() {
        let phq = def("phq9");
        let s = score(&phq, &[0, 0, 0, 0, 0, 0, 0, 0, 1]).expect("scores");
        assert_eq!(s.total, 1);
        assert_eq!(s.flags, vec!["item9_positive".to_string()]);
        assert_eq!(s.band.map(|b| b.id), Some("minimal".to_string()));
        let s = score(&phq, &[0, 0, 0, 0, 0, 0, 0, 0, 3]).expect("scores");
        assert_eq!(s.flags, vec!["item9_positive".to_string()]);
        let s = score(&phq, &[3, 3, 3, 3, 3, 3, 3, 3, 0]).expect("scores");
        assert!(s.flags.is_empty());
        assert_eq!(s.total, 24);
    }

    #[test]
    fn gad7_band_boundaries() {
        let gad = def("gad7");
        let cases = [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ];
        for (total, band) in cases {
            let answers = spread(7, 3, total);
            assert_eq!(band_of(&gad, &answers), band, "total {total}");
        }
        let s = score(&gad, &[2, 1, 3, 0, 1, 2, 1]).expect("scores");
        assert_eq!(s.total, 10);
        assert_eq!(s.positive_screen, Some(true));
        let s = score(&gad, &[2, 1, 3, 0, 1, 2, 0]).expect("scores");
        assert_eq!(s.total, 9);
        assert_eq!(s.positive_screen, Some(false));
    }

    #[test]
    fn pcl5_cutoff_boundary() {
        let pcl = def("pcl5");
        let at = spread(20, 4, 33);
        let below = spread(20, 4, 32);
        let s = score(&pcl, &at).expect("scores");
        assert_eq!((s.total, s.positive_screen), (33, Some(true)));
        assert_eq!(
            s.cutoff,
            Some(AppliedCutoff {
                direction: Direction::AtLeast,
                value: 33,
                sex: None
            })
        );
        assert!(s.band.is_none());
        let s = score(&pcl, &below).expect("scores");
        assert_eq!((s.total, s.positive_screen), (32, Some(false)));
        let s = score(&pcl, &[4; 20]).expect("scores");
        assert_eq!(s.total, 80);
    }

    #[test]
    fn pcl5_provisional_dsm5_rule() {
        let pcl = def("pcl5");
        // B: item 1; C: item 6; D: items 8, 9; E: items 15, 16 — each rated 2.
        let mut answers = vec![0; 20];
        for n in [1, 6, 8, 9, 15, 16] {
            answers[n - 1] = 2;
        }
        let s = score(&pcl, &answers).expect("scores");
        assert_eq!(s.total, 12);
        assert_eq!(s.flags, vec!["provisional_dsm5_ptsd".to_string()]);
        assert_eq!(s.positive_screen, Some(false));
        // Only one D item: not met. Many 1s do not count as symptoms.
        answers[8] = 1;
        let s = score(&pcl, &answers).expect("scores");
        assert!(s.flags.is_empty());
        let s = score(&pcl, &[1; 20]).expect("scores");
        assert!(s.flags.is_empty());
    }

    #[test]
    fn auditc_cutoffs_by_sex() {
        let audit = def("auditc");
        let three = [1, 1, 1];
        let two = [1, 1, 0];
        let four = [2, 1, 1];
        let s = score_for(&audit, &three, Some(Sex::Female)).expect("scores");
        assert_eq!((s.total, s.positive_screen), (3, Some(true)));
        assert_eq!(
            s.cutoff.map(|c| (c.value, c.sex)),
            Some((3, Some(Sex::Female)))
        );
        let s = score_for(&audit, &two, Some(Sex::Female)).expect("scores");
        assert_eq!((s.total, s.positive_screen), (2, Some(false)));
        let s = score_for(&audit, &four, Some(Sex::Male)).expect("scores");
        assert_eq!((s.total, s.positive_screen), (4, Some(true)));
        assert_eq!(
            s.cutoff.map(|c| (c.value, c.sex)),
            Some((4, Some(Sex::Male)))
        );
        let s = score_for(&audit, &three, Some(Sex::Male)).expect("scores");
        assert_eq!((s.total, s.positive_screen), (3, Some(false)));
        // Sex other or unknown: decided only where both cut-offs agree.
        for sex in [Some(Sex::Other), None] {
            let s = score_for(&audit, &four, sex).expect("scores");
            assert_eq!(s.positive_screen, Some(true));
            let s = score_for(&audit, &two, sex).expect("scores");
            assert_eq!(s.positive_screen, Some(false));
            let s = score_for(&audit, &three, sex).expect("scores");
            assert_eq!(s.positive_screen, None);
            assert!(s.cutoff.is_none());
        }
        assert!(
            score_for(&audit, &three, None)
                .expect("scores")
                .band
                .is_none()
        );
    }

    #[test]
    fn wrong_counts_are_rejected() {
        let set = shipped();
        for d in set.iter() {
            for n in [0, d.len() - 1, d.len() + 1] {
                let answers = vec![0; n];
                let err = score(d, &answers).expect_err("wrong count");
                assert_eq!(
                    err,
                    ScoreError::WrongCount {
                        instrument: d.short_name.clone(),
                        expected: d.len(),
                        got: n
                    }
                );
            }
        }
        let phq = def("phq9");
        let msg = score(&phq, &[0; 8]).expect_err("eight").to_string();
        assert_eq!(msg, "PHQ-9 needs 9 answers, but 8 were given");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let phq = def("phq9");
        let err = score(&phq, &[0, 0, 0, 4, 0, 0, 0, 0, 0]).expect_err("4 is too high");
        assert_eq!(
            err.to_string(),
            "PHQ-9 item 4: 4 is not an allowed answer (allowed: 0, 1, 2, 3)"
        );
        assert!(score(&phq, &[0, 0, 0, 0, 0, 0, 0, 0, -1]).is_err());
        let pcl = def("pcl5");
        let mut answers = vec![0; 20];
        answers[19] = 5;
        assert!(matches!(
            score(&pcl, &answers),
            Err(ScoreError::OutOfRange {
                item: 20,
                value: 5,
                ..
            })
        ));
        let audit = def("auditc");
        assert!(score(&audit, &[0, 0, 5]).is_err());
    }

    const FICTIONAL: &str = r#"
id = "fci3"
short_name = "FCI-3"
name = "Fictional Closeness Index (test only)"
version = "2"
licence = "Fictional instrument written for tests; a real licensed instrument would state its licence here."
source = "dyad test suite"
evidence = "site"
instructions = "Think about the past month."
options = [
  { value = 1, label = "Never" },
  { value = 2, label = "Rarely" },
  { value = 3, label = "Sometimes" },
  { value = 4, label = "Often" },
  { value = 5, label = "Always" },
]

[[items]]
text = "We laugh together."
[[items]]
text = "I feel heard."
[[items]]
text = "We make plans together."
options = [{ value = 0, label = "No" }, { value = 2, label = "Yes" }]

[[bands]]
id = "low"
label = "Low"
min = 2
max = 6
[[bands]]
id = "high"
label = "High"
min = 7
max = 12

[[flags]]
id = "never_heard"
item = 2
at_least = 1
label = "Answered item 2"

[screen]
direction = "at_most"
value = 5
label = "Total of 5 or less: low closeness"
source = "fictional manual, p. 1"
evidence = "site"
"#;

    #[test]
    fn licensed_definition_file_loads_and_scores() {
        let set = Instruments::shipped_with(&[FICTIONAL]).expect("loads");
        assert_eq!(set.len(), 5);
        let fci = set.get("fci3").expect("present");
        assert_eq!((fci.min_total, fci.max_total), (2, 12));
        let s = set
            .score("fci3", &[1, 2, 2], None)
            .expect("known")
            .expect("scores");
        assert_eq!(s.total, 5);
        assert_eq!(s.positive_screen, Some(true));
        assert_eq!(s.band.map(|b| b.id), Some("low".to_string()));
        assert_eq!(s.flags, vec!["never_heard".to_string()]);
        let s = set
            .score("fci3", &[5, 5, 2], None)
            .expect("known")
            .expect("scores");
        assert_eq!((s.total, s.positive_screen), (12, Some(false)));
        // Item 3 offers only 0 and 2.
        assert!(matches!(
            set.score("fci3", &[1, 1, 1], None),
            Some(Err(ScoreError::OutOfRange { item: 3, .. }))
        ));
        assert!(set.score("nope", &[1], None).is_none());
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let mut set = shipped();
        assert_eq!(
            set.load(PHQ9_TOML),
            Err(DefinitionError::Duplicate("phq9".into()))
        );
    }

    #[test]
    fn unverified_figures_are_refused() {
        let text = FICTIONAL.replacen(
            "source = \"fictional manual, p. 1\"\nevidence = \"site\"",
            "source = \"fictional manual, p. 1\"\nevidence = \"U\"",
            1,
        );
        assert!(matches!(
            InstrumentDef::parse(&text),
            Err(DefinitionError::Unverified { .. })
        ));
    }

    #[test]
    fn broken_definitions_are_refused_with_a_reason() {
        let gap = FICTIONAL.replace("min = 7", "min = 8");
        let err = InstrumentDef::parse(&gap).expect_err("gap");
        assert!(err.to_string().contains("without gaps"), "{err}");
        let bad_flag = FICTIONAL.replace("item = 2", "item = 9");
        assert!(InstrumentDef::parse(&bad_flag).is_err());
        let typo = FICTIONAL.replace("instructions =", "instruction =");
        assert!(matches!(
            InstrumentDef::parse(&typo),
            Err(DefinitionError::Toml(_))
        ));
        let bad_id = FICTIONAL.replace("id = \"fci3\"", "id = \"FCI-3\"");
        assert!(InstrumentDef::parse(&bad_id).is_err());
        let dup_value = FICTIONAL.replace(
            "{ value = 2, label = \"Rarely\" }",
            "{ value = 1, label = \"Rarely\" }",
        );
        assert!(InstrumentDef::parse(&dup_value).is_err());
        let out_of_range_cut = FICTIONAL.replace("value = 5\nlabel", "value = 40\nlabel");
        assert!(InstrumentDef::parse(&out_of_range_cut).is_err());
    }

    /// A one- or two-item definition with the given options and bands, for the overflow cases.
    fn tiny(options: &str, items: usize, bands: &str) -> String {
        let items = "[[items]]\ntext = \"one\"\n".repeat(items);
        format!(
            "id = \"big\"\nshort_name = \"BIG\"\nname = \"Big\"\nversion = \"1\"\nlicence = \"x\"\n\
             source = \"x\"\nevidence = \"V\"\ninstructions = \"x\"\noptions = [ {options} ]\n\n\
             {items}\n{bands}"
        )
    }

    fn invalid_message(text: &str) -> String {
        match InstrumentDef::parse(text) {
            Err(DefinitionError::Invalid { message, .. }) => message,
            other => panic!("expected an invalid definition, got {other:?}"),
        }
    }

    /// Fuzz regression `instrument_parse/item-values-overflow-the-total.toml`: two items whose
    /// options include i64::MAX; summing the highest total used to panic.
    #[test]
    fn huge_option_values_are_refused() {
        let text = include_str!(
            "../../../fuzz/regressions/instrument_parse/item-values-overflow-the-total.toml"
        );
        let message = invalid_message(text);
        assert!(
            message.contains("option values must lie between -1000000 and 1000000"),
            "{message}"
        );
        assert!(message.contains("9223372036854775807"), "{message}");
        // The same at the other end, and just past the limit on either side.
        for value in [i64::MIN, -1_000_001, 1_000_001] {
            let text = tiny(
                &format!("{{ value = {value}, label = \"v\" }}, {{ value = 0, label = \"zero\" }}"),
                2,
                "",
            );
            let message = invalid_message(&text);
            assert!(message.contains(&value.to_string()), "{message}");
        }
        // An item's own options are bounded too.
        let text = FICTIONAL.replace(
            "options = [{ value = 0, label = \"No\" }, { value = 2, label = \"Yes\" }]",
            "options = [{ value = 0, label = \"No\" }, { value = 9223372036854775807, label = \"Yes\" }]",
        );
        assert!(invalid_message(&text).starts_with("item 3 offers the value"));
    }

    #[test]
    fn option_values_at_the_limit_are_accepted_and_score() {
        let text = tiny(
            "{ value = -1000000, label = \"low\" }, { value = 1000000, label = \"high\" }",
            2,
            "[[bands]]\nid = \"all\"\nlabel = \"all\"\nmin = -2000000\nmax = 2000000\n",
        );
        let def = InstrumentDef::parse(&text).expect("values at the limit are allowed");
        assert_eq!((def.min_total, def.max_total), (-2_000_000, 2_000_000));
        let s = score(&def, &[1_000_000, 1_000_000]).expect("scores");
        assert_eq!(s.total, 2_000_000);
        assert_eq!(s.band.map(|b| b.id), Some("all".to_string()));
        let s = score(&def, &[-1_000_000, -1_000_000]).expect("scores");
        assert_eq!(s.total, -2_000_000);
        // Answers outside the options are refused before anything is added up.
        assert!(matches!(
            score(&def, &[i64::MAX, i64::MAX]),
            Err(ScoreError::OutOfRange { item: 1, .. })
        ));
    }

    /// Fuzz regression `instrument_parse/band-max-overflows.toml`, and the same band with
    /// options inside the limit: `band.max + 1` (and `max_total + 1`) used to overflow.
    #[test]
    fn bands_ending_at_i64_max_are_refused() {
        let text =
            include_str!("../../../fuzz/regressions/instrument_parse/band-max-overflows.toml");
        assert!(invalid_message(text).contains("option values must lie between"));

        let one_band =
            "[[bands]]\nid = \"all\"\nlabel = \"all\"\nmin = 0\nmax = 9223372036854775807\n";
        let options = "{ value = 3, label = \"three\" }, { value = 0, label = \"zero\" }";
        let message = invalid_message(&tiny(options, 1, one_band));
        assert_eq!(
            message,
            "band all ends at 9223372036854775807, but the highest possible total is 3"
        );
        // A band after one that ends at i64::MAX.
        let two_bands =
            format!("{one_band}[[bands]]\nid = \"more\"\nlabel = \"more\"\nmin = 4\nmax = 5\n");
        assert!(invalid_message(&tiny(options, 1, &two_bands)).contains("band all ends at"));
        // A band that starts at i64::MAX (after a gap).
        let from_max = "[[bands]]\nid = \"top\"\nlabel = \"top\"\nmin = 9223372036854775807\nmax = 9223372036854775807\n";
        assert!(invalid_message(&tiny(options, 1, from_max)).contains("without gaps"));
        // Bands that stop short are still refused with their end named.
        let short = "[[bands]]\nid = \"low\"\nlabel = \"low\"\nmin = 0\nmax = 2\n";
        assert_eq!(
            invalid_message(&tiny(options, 1, short)),
            "the bands end at 2, but the highest possible total is 3"
        );
        // And the same bands done right are accepted.
        let right = "[[bands]]\nid = \"all\"\nlabel = \"all\"\nmin = 0\nmax = 3\n";
        assert!(InstrumentDef::parse(&tiny(options, 1, right)).is_ok());
    }

    /// A definition built by hand (the fields are public) can hold values no parsed definition
    /// has; scoring it reports the overflow instead of panicking.
    #[test]
    fn a_total_that_overflows_is_an_error_not_a_panic() {
        let mut def = InstrumentDef::parse(&tiny(
            "{ value = 1, label = \"one\" }, { value = 0, label = \"zero\" }",
            2,
            "",
        ))
        .expect("parses");
        for item in &mut def.items {
            item.options[0].value = i64::MAX;
        }
        let err = score(&def, &[i64::MAX, i64::MAX]).expect_err("overflows");
        assert_eq!(
            err,
            ScoreError::TotalOverflow {
                instrument: "BIG".to_string()
            }
        );
        assert_eq!(
            err.to_string(),
            "BIG: the total of the answers is too large to compute"
        );
        assert_eq!(score(&def, &[i64::MAX, 0]).map(|s| s.total), Ok(i64::MAX));
    }

    #[test]
    fn checked_sum_refuses_overflow() {
        assert_eq!(checked_sum([1, 2, 3]), Some(6));
        assert_eq!(checked_sum([]), Some(0));
        assert_eq!(checked_sum([i64::MAX, 1]), None);
        assert_eq!(checked_sum([i64::MIN, -1]), None);
        assert_eq!(checked_sum([i64::MAX, 1, -1]), None);
    }

    /// A fictional validated translation of the fictional instrument, for the format.
    const FICTIONAL_NL: &str = r#"
[translations.nl]
source = "Fictional validated Dutch translation (test only), Journal of Tests 1:1"
evidence = "site"
name = "Fictieve Nabijheidsindex"
instructions = "Denk aan de afgelopen maand."
options = [
  { value = 1, label = "Nooit" },
  { value = 2, label = "Zelden" },
  { value = 3, label = "Soms" },
  { value = 4, label = "Vaak" },
  { value = 5, label = "Altijd" },
]
items = [
  { text = "We lachen samen." },
  { text = "Ik voel me gehoord." },
  { text = "We maken samen plannen.", options = [{ value = 0, label = "Nee" }, { value = 2, label = "Ja" }] },
]
"#;

    #[test]
    fn a_validated_translation_rewords_nothing_but_the_texts() {
        let text = format!("{FICTIONAL}{FICTIONAL_NL}");
        let def = InstrumentDef::parse(&text).expect("parses");
        assert_eq!(def.language, "en");
        assert_eq!(def.translation_languages().collect::<Vec<_>>(), vec!["nl"]);
        let nl = def.localised("nl");
        assert_eq!(nl.language, "nl");
        assert_eq!(
            nl.translation_source.as_deref(),
            Some("Fictional validated Dutch translation (test only), Journal of Tests 1:1")
        );
        assert_eq!(nl.name, "Fictieve Nabijheidsindex");
        assert_eq!(nl.instructions, "Denk aan de afgelopen maand.");
        assert_eq!(nl.items[1].text, "Ik voel me gehoord.");
        assert_eq!(nl.items[0].options[4].label, "Altijd");
        assert_eq!(nl.items[2].options[1].label, "Ja");
        // Values, rules and scores are those of the instrument.
        let values = |d: &InstrumentDef| -> Vec<Vec<i64>> {
            d.items
                .iter()
                .map(|i| i.options.iter().map(|o| o.value).collect())
                .collect()
        };
        assert_eq!(values(&nl), values(&def));
        assert_eq!(nl.score(&[1, 1, 2], None), def.score(&[1, 1, 2], None));
        // No translation into German: the instrument's own wording.
        let de = def.localised("de");
        assert_eq!(
            (de.language.as_str(), de.translation_source.as_deref()),
            ("en", None)
        );
        assert_eq!(de.items[1].text, "I feel heard.");
    }

    #[test]
    fn a_translation_must_be_complete_and_cite_its_source() {
        let full = format!("{FICTIONAL}{FICTIONAL_NL}");
        let cases = [
            (
                full.replace("source = \"Fictional validated", "source = \" \"\nx = \"Fictional validated"),
                "not valid TOML",
            ),
            (
                full.replace("source = \"Fictional validated Dutch translation (test only), Journal of Tests 1:1\"", "source = \"  \""),
                "needs `source`",
            ),
            (
                full.replace("  { text = \"We lachen samen.\" },\n", ""),
                "it has 2 items, but the instrument has 3",
            ),
            (
                full.replace("  { value = 5, label = \"Altijd\" },\n", ""),
                "item 1 has no label for the value 5",
            ),
            (
                full.replace("{ value = 2, label = \"Ja\" }", "{ value = 3, label = \"Ja\" }"),
                "item 3 labels the value 3, which the item does not offer",
            ),
            (
                full.replace("evidence = \"site\"\nname = \"Fictieve", "evidence = \"U\"\nname = \"Fictieve"),
                "the nl translation is tagged U",
            ),
            (full.replace("[translations.nl]", "[translations.en]"), "already worded in en"),
        ];
        for (text, expected) in cases {
            let err = InstrumentDef::parse(&text).expect_err(expected).to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }

    /// dyad ships no translation of its instruments: none was checked against a published,
    /// validated source. A site adds one in the file, with its source (README beside the files).
    #[test]
    fn the_shipped_instruments_are_in_their_published_english_wording() {
        for def in shipped().iter() {
            assert_eq!(def.language, "en", "{}", def.id);
            assert_eq!(def.translation_languages().count(), 0, "{}", def.id);
        }
    }

    proptest::proptest! {
        #[test]
        fn phq9_total_is_the_sum_and_has_one_band(answers in proptest::collection::vec(0i64..=3, 9)) {
            let phq = def("phq9");
            let s = score(&phq, &answers).expect("valid answers score");
            proptest::prop_assert_eq!(s.total, answers.iter().sum::<i64>());
            proptest::prop_assert!(s.band.is_some());
            proptest::prop_assert_eq!(s.flags.contains(&"item9_positive".to_string()), answers[8] > 0);
        }
    }
}
