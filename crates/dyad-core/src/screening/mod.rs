//! Screening and suitability: the knowledge base and the rules engine.
//!
//! dyad supports professional judgement; it does not replace it. Screening reads both
//! participants' intake answers, flags what the knowledge base says deserves attention, explains
//! each flag with its source and evidence tag, and suggests a session format. The duo's clinician
//! makes every decision.
//!
//! The knowledge base lives in `knowledge/*.toml` at the repository root (see
//! `knowledge/README.md`). The shipped files are embedded at build time ([`embedded`]); a site may
//! load its own reviewed copy with [`Knowledge::parse`] or [`Knowledge::parse_many`].
//!
//! Everything here is pure: no I/O, no clock, no randomness.

mod engine;
mod knowledge;
mod matching;

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use engine::screen;
pub use knowledge::{
    Aggregate, EntryKind, InteractionClass, Knowledge, KnowledgeError, Rule, Scale, SubstanceEntry,
    Test,
};
pub use matching::Suggestion;

/// The knowledge files shipped with dyad, in the order they are hashed and merged.
const EMBEDDED_FILES: [(&str, &str); 4] = [
    (
        "interactions.toml",
        include_str!("../../../../knowledge/interactions.toml"),
    ),
    (
        "conditions.toml",
        include_str!("../../../../knowledge/conditions.toml"),
    ),
    (
        "instrument_results.toml",
        include_str!("../../../../knowledge/instrument_results.toml"),
    ),
    (
        "relational.toml",
        include_str!("../../../../knowledge/relational.toml"),
    ),
];

static EMBEDDED: OnceLock<Result<Knowledge, KnowledgeError>> = OnceLock::new();

/// The knowledge base shipped with dyad, parsed once.
///
/// An error here means a shipped file is malformed; the crate's tests guard against that.
pub fn embedded() -> Result<&'static Knowledge, KnowledgeError> {
    EMBEDDED
        .get_or_init(|| Knowledge::parse_many(&EMBEDDED_FILES))
        .as_ref()
        .map_err(Clone::clone)
}

/// The version of the shipped knowledge base: SHA-256 (lower-case hex, 64 characters) of the
/// embedded files concatenated in order.
pub fn knowledge_version() -> String {
    version_of(EMBEDDED_FILES.iter().map(|(_, text)| *text))
}

/// SHA-256 over texts concatenated in order, as lower-case hex.
pub(crate) fn version_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for text in texts {
        hasher.update(text.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Autocomplete for the intake form's medication field, from the shipped knowledge base:
/// prefix matches first, then close spellings. Returns nothing for an empty query.
pub fn suggest_medications(query: &str, limit: usize) -> Vec<Suggestion> {
    match embedded() {
        Ok(knowledge) => knowledge.suggest(query, EntryKind::Medication, limit),
        Err(_) => Vec::new(),
    }
}

/// Autocomplete for the intake form's recreational-substance field.
pub fn suggest_substances(query: &str, limit: usize) -> Vec<Suggestion> {
    match embedded() {
        Ok(knowledge) => knowledge.suggest(query, EntryKind::Substance, limit),
        Err(_) => Vec::new(),
    }
}

/// Screens a duo with the shipped knowledge base.
pub fn screen_duo(
    first: &IntakeAnswers,
    second: &IntakeAnswers,
) -> Result<Screening, KnowledgeError> {
    let knowledge = embedded()?;
    Ok(screen(knowledge, &[first.clone(), second.clone()]))
}

/// One participant's intake answers, keyed as in the API contract (`medications`, `conditions`,
/// `phq9`, `relationship`, …). Missing keys are tolerated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeAnswers {
    pub participant_id: String,
    pub answers: serde_json::Value,
}

impl IntakeAnswers {
    pub fn new(participant_id: impl Into<String>, answers: serde_json::Value) -> Self {
        Self {
            participant_id: participant_id.into(),
            answers,
        }
    }
}

/// The result of screening a duo. Findings are for the care team only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// Most severe first; within a severity, in participant order.
    pub findings: Vec<Finding>,
    /// A suggestion for the clinician: the most restrictive format any finding calls for.
    pub recommended_format: Format,
    /// Why that format: the findings that call for it.
    pub format_reasons: Vec<String>,
    /// [`Knowledge::version`] of the knowledge base used.
    pub knowledge_version: String,
}

/// One thing the clinician should see, with its reason and its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    /// `None` for a finding about the duo as a whole.
    pub participant_id: Option<String>,
    pub explanation: String,
    pub source: String,
    pub evidence: Evidence,
    /// The answer that caused it, e.g. `medications[0].name`, `phq9[8]`, `relationship.trust`.
    pub answer_path: Option<String>,
    pub action: Option<String>,
    pub needs_washout: bool,
    pub needs_review: bool,
}

/// How much attention a finding needs, least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no action implied.
    Info,
    /// Needs a clinician's plan (review, taper, monitoring) before a session.
    Caution,
    /// Should not be combined with MDMA: a session cannot go ahead while it holds, though it may
    /// be resolvable (a supervised washout, abstinence, clarification).
    Contraindication,
    /// A hard exclusion: not eligible while it holds.
    Exclusion,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Caution,
        Severity::Contraindication,
        Severity::Exclusion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Caution => "caution",
            Severity::Contraindication => "contraindication",
            Severity::Exclusion => "exclusion",
        }
    }
}

/// Session formats, least to most restrictive (the derived order is that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Duo,
    DuoTwoFacilitators,
    IndividualThenDuo,
    IndividualOnly,
    NotEligible,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Duo,
        Format::DuoTwoFacilitators,
        Format::IndividualThenDuo,
        Format::IndividualOnly,
        Format::NotEligible,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Duo => "duo",
            Format::DuoTwoFacilitators => "duo_two_facilitators",
            Format::IndividualThenDuo => "individual_then_duo",
            Format::IndividualOnly => "individual_only",
            Format::NotEligible => "not_eligible",
        }
    }
}

/// How well a knowledge entry's claim is supported (clinical brief, "Evidence tags").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Evidence {
    /// Not verified in a public copy; never presented as fact.
    #[serde(rename = "U")]
    Unverified,
    /// Secondary source only.
    #[serde(rename = "S")]
    Secondary,
    /// Verified in a public copy.
    #[serde(rename = "V")]
    Verified,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Verified => "V",
            Evidence::Secondary => "S",
            Evidence::Unverified => "U",
        }
    }
}

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! str_enum {
    ($ty:ty, $kind:literal, $all:expr) => {
        impl FromStr for $ty {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                $all.into_iter()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| UnknownValue {
                        kind: $kind,
                        value: s.to_owned(),
                    })
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum!(Severity, "severity", Severity::ALL);
str_enum!(Format, "format", Format::ALL);
str_enum!(
    Evidence,
    "evidence tag",
    [
        Evidence::Verified,
        Evidence::Secondary,
        Evidence::Unverified
    ]
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_round_trips_through_str_and_serde() {
        for (value, text) in [
            (Severity::Info, "info"),
            (Severity::Caution, "caution"),
            (Severity::Contraindication, "contraindication"),
            (Severity::Exclusion, "exclusion"),
        ] {
            assert_eq!(value.as_str(), text);
            assert_eq!(text.parse::<Severity>(), Ok(value));
            assert_eq!(value.to_string(), text);
            assert_eq!(
                serde_json::to_value(value).ok(),
                Some(serde_json::json!(text))
            );
        }
        assert!("severe".parse::<Severity>().is_err());
        assert!(Severity::Info < Severity::Caution);
        assert!(Severity::Contraindication < Severity::Exclusion);
    }

    #[test]
    fn format_round_trips_and_orders_by_restrictiveness() {
        for (value, text) in [
            (Format::Duo, "duo"),
            (Format::DuoTwoFacilitators, "duo_two_facilitators"),
            (Format::IndividualThenDuo, "individual_then_duo"),
            (Format::IndividualOnly, "individual_only"),
            (Format::NotEligible, "not_eligible"),
        ] {
            assert_eq!(value.as_str(), text);
            assert_eq!(text.parse::<Format>(), Ok(value));
            assert_eq!(
                serde_json::to_value(value).ok(),
                Some(serde_json::json!(text))
            );
        }
        assert!("group".parse::<Format>().is_err());
        let mut sorted = Format::ALL;
        sorted.sort();
        assert_eq!(sorted, Format::ALL);
    }

    #[test]
    fn evidence_serialises_as_letters() {
        for (value, text) in [
            (Evidence::Verified, "V"),
            (Evidence::Secondary, "S"),
            (Evidence::Unverified, "U"),
        ] {
            assert_eq!(value.as_str(), text);
            assert_eq!(text.parse::<Evidence>(), Ok(value));
            assert_eq!(
                serde_json::to_value(value).ok(),
                Some(serde_json::json!(text))
            );
        }
    }

    #[test]
    fn knowledge_version_is_stable_sha256_hex() {
        let first = knowledge_version();
        assert_eq!(first.len(), 64);
        assert!(
            first
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(first, knowledge_version());
        let knowledge = embedded().expect("embedded knowledge parses");
        assert_eq!(knowledge.version(), first);
    }

    #[test]
    fn a_different_text_gives_a_different_version() {
        assert_ne!(version_of(["a"]), version_of(["b"]));
        assert_eq!(version_of(["ab"]), version_of(["a", "b"]));
    }
}
