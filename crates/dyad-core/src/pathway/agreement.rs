//! The duo agreement: its sections (keys exactly as the API names them), validation,
//! completeness, a canonical content hash, a readable diff between versions, and the signing
//! rules.
//!
//! A version is identified by its content hash. A signature names the hash it was given on, so a
//! signature on an earlier version never counts for the current one: any change needs both
//! participants and a facilitator to sign again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::ParseError;

/// The longest text any one section (or one participant's entry) may hold, in characters.
pub const MAX_TEXT_CHARS: usize = 5000;

/// The section keys, in the order the API lists them (and the diff reports them).
pub const SECTION_KEYS: [&str; 12] = [
    "intentions",
    "boundaries",
    "touch",
    "proximity",
    "sharing",
    "music",
    "time_outs",
    "talking",
    "shared_vs_own",
    "difficult_moments",
    "afterwards",
    "confidentiality",
];

/// A kind of touch a participant may consent to. Never sexual: these four are all there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchKind {
    Hand,
    Shoulder,
    Hug,
    Holding,
}

impl TouchKind {
    pub const ALL: [TouchKind; 4] = [
        TouchKind::Hand,
        TouchKind::Shoulder,
        TouchKind::Hug,
        TouchKind::Holding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TouchKind::Hand => "hand",
            TouchKind::Shoulder => "shoulder",
            TouchKind::Hug => "hug",
            TouchKind::Holding => "holding",
        }
    }
}

impl fmt::Display for TouchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TouchKind {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TouchKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseError::new("touch kind", s))
    }
}

/// One participant's touch consent: the kinds of touch they accept from their partner and from
/// a facilitator. Empty sets (the default) mean no touch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TouchConsent {
    pub from_partner: BTreeSet<TouchKind>,
    pub from_facilitator: BTreeSet<TouchKind>,
}

impl TouchConsent {
    pub fn is_empty(&self) -> bool {
        self.from_partner.is_empty() && self.from_facilitator.is_empty()
    }
}

/// The agreement's sections. Participant-keyed maps hold each person's own entry. An absent
/// entry and an empty one mean the same (no intention written, no touch, nothing to share).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgreementSections {
    pub intentions: BTreeMap<String, String>,
    pub boundaries: String,
    pub touch: BTreeMap<String, TouchConsent>,
    pub proximity: String,
    pub sharing: BTreeMap<String, String>,
    pub music: String,
    pub time_outs: String,
    pub talking: String,
    pub shared_vs_own: String,
    pub difficult_moments: String,
    pub afterwards: String,
    pub confidentiality: String,
}

/// A validation problem with one field; `field` is a dotted path inside `sections`
/// (e.g. `touch.p1.from_partner`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Parses `sections` as a client sent it, reporting every problem at once: not an object,
/// unknown section keys, wrong value types, unknown touch kinds, and then everything
/// [`AgreementSections::validate`] finds (unknown participant ids, over-long texts).
pub fn parse_sections(
    value: &Value,
    participants: &[String],
) -> Result<AgreementSections, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut sections = AgreementSections::default();
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError::new(
            "sections",
            "must be an object of agreement sections",
        )]);
    };
    for (key, v) in object {
        match key.as_str() {
            "intentions" => sections.intentions = parse_text_map(key, v, &mut errors),
            "sharing" => sections.sharing = parse_text_map(key, v, &mut errors),
            "touch" => sections.touch = parse_touch(v, &mut errors),
            _ => match sections.text_mut(key) {
                Some(slot) => *slot = parse_text(key, v, &mut errors),
                None => errors.push(FieldError::new(key.clone(), "unknown agreement section")),
            },
        }
    }
    errors.extend(sections.validate(participants));
    if errors.is_empty() {
        Ok(sections)
    } else {
        Err(errors)
    }
}

fn parse_text(field: &str, v: &Value, errors: &mut Vec<FieldError>) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        _ => {
            errors.push(FieldError::new(field, "must be text"));
            String::new()
        }
    }
}

fn parse_text_map(
    field: &str,
    v: &Value,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<String, String> {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(pid, text)| {
                (
                    pid.clone(),
                    parse_text(&format!("{field}.{pid}"), text, errors),
                )
            })
            .collect(),
        Value::Null => BTreeMap::new(),
        _ => {
            errors.push(FieldError::new(
                field,
                "must be an object of participant id to text",
            ));
            BTreeMap::new()
        }
    }
}

fn parse_touch(v: &Value, errors: &mut Vec<FieldError>) -> BTreeMap<String, TouchConsent> {
    let m = match v {
        Value::Object(m) => m,
        Value::Null => return BTreeMap::new(),
        _ => {
            errors.push(FieldError::new(
                "touch",
                "must be an object of participant id to {from_partner, from_facilitator}",
            ));
            return BTreeMap::new();
        }
    };
    let mut out = BTreeMap::new();
    for (pid, entry) in m {
        let mut consent = TouchConsent::default();
        match entry {
            Value::Object(fields) => {
                for (name, kinds) in fields {
                    let field = format!("touch.{pid}.{name}");
                    let slot = match name.as_str() {
                        "from_partner" => &mut consent.from_partner,
                        "from_facilitator" => &mut consent.from_facilitator,
                        _ => {
                            errors.push(FieldError::new(
                                field,
                                "unknown key: expected from_partner or from_facilitator",
                            ));
                            continue;
                        }
                    };
                    *slot = parse_kinds(&field, kinds, errors);
                }
            }
            Value::Null => {}
            _ => errors.push(FieldError::new(
                format!("touch.{pid}"),
                "must be an object {from_partner, from_facilitator}",
            )),
        }
        out.insert(pid.clone(), consent);
    }
    out
}

fn parse_kinds(field: &str, v: &Value, errors: &mut Vec<FieldError>) -> BTreeSet<TouchKind> {
    let list = match v {
        Value::Array(list) => list,
        Value::Null => return BTreeSet::new(),
        _ => {
            errors.push(FieldError::new(field, "must be a list of touch kinds"));
            return BTreeSet::new();
        }
    };
    let mut kinds = BTreeSet::new();
    for item in list {
        match item.as_str().map(TouchKind::from_str) {
            Some(Ok(kind)) => {
                kinds.insert(kind);
            }
            _ => errors.push(FieldError::new(
                field,
                format!("unknown touch kind {item}: expected one of hand, shoulder, hug, holding"),
            )),
        }
    }
    kinds
}

impl AgreementSections {
    fn text_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "boundaries" => &mut self.boundaries,
            "proximity" => &mut self.proximity,
            "music" => &mut self.music,
            "time_outs" => &mut self.time_outs,
            "talking" => &mut self.talking,
            "shared_vs_own" => &mut self.shared_vs_own,
            "difficult_moments" => &mut self.difficult_moments,
            "afterwards" => &mut self.afterwards,
            "confidentiality" => &mut self.confidentiality,
            _ => return None,
        })
    }

    /// The shared text sections as (key, text), in API order.
    fn texts(&self) -> [(&'static str, &str); 9] {
        [
            ("boundaries", &self.boundaries),
            ("proximity", &self.proximity),
            ("music", &self.music),
            ("time_outs", &self.time_outs),
            ("talking", &self.talking),
            ("shared_vs_own", &self.shared_vs_own),
            ("difficult_moments", &self.difficult_moments),
            ("afterwards", &self.afterwards),
            ("confidentiality", &self.confidentiality),
        ]
    }

    /// The text of one shared text section; `None` for the other keys.
    fn text(&self, key: &str) -> Option<&str> {
        self.texts()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, t)| t)
    }

    /// Checks participant ids (every key must be one of `participants`) and text lengths.
    pub fn validate(&self, participants: &[String]) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let known = |pid: &String| participants.contains(pid);
        for (key, text) in self.texts() {
            check_len(key, text, &mut errors);
        }
        for (section, map) in [("intentions", &self.intentions), ("sharing", &self.sharing)] {
            for (pid, text) in map {
                let field = format!("{section}.{pid}");
                if !known(pid) {
                    errors.push(FieldError::new(field.clone(), "unknown participant"));
                }
                check_len(&field, text, &mut errors);
            }
        }
        for pid in self.touch.keys() {
            if !known(pid) {
                errors.push(FieldError::new(
                    format!("touch.{pid}"),
                    "unknown participant",
                ));
            }
        }
        errors
    }

    /// The sections still empty, as dotted keys (`boundaries`, `intentions.<pid>`). Signing
    /// needs this to be empty. `touch` and `sharing` are never missing: an absent entry is the
    /// explicit default (no touch, nothing shared).
    pub fn missing_sections(&self, participants: &[String]) -> Vec<String> {
        let mut missing = Vec::new();
        for key in SECTION_KEYS {
            if key == "intentions" {
                for p in participants {
                    if self.intentions.get(p).is_none_or(|t| t.trim().is_empty()) {
                        missing.push(format!("intentions.{p}"));
                    }
                }
            } else if self.text(key).is_some_and(|t| t.trim().is_empty()) {
                missing.push(key.to_owned());
            }
        }
        missing
    }

    /// Whether every section is filled for these participants (see [`Self::missing_sections`]).
    pub fn is_complete(&self, participants: &[String]) -> bool {
        self.missing_sections(participants).is_empty()
    }

    /// The sections as a JSON value with empty participant entries left out, so an absent
    /// entry and an empty one hash alike.
    pub fn normalized_json(&self) -> Value {
        let text_map = |m: &BTreeMap<String, String>| {
            Value::Object(
                m.iter()
                    .filter(|(_, t)| !t.is_empty())
                    .map(|(k, t)| (k.clone(), Value::String(t.clone())))
                    .collect(),
            )
        };
        let kinds = |set: &BTreeSet<TouchKind>| {
            Value::Array(
                set.iter()
                    .map(|k| Value::String(k.as_str().to_owned()))
                    .collect(),
            )
        };
        let mut out = Map::new();
        out.insert("intentions".to_owned(), text_map(&self.intentions));
        out.insert("sharing".to_owned(), text_map(&self.sharing));
        out.insert(
            "touch".to_owned(),
            Value::Object(
                self.touch
                    .iter()
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(pid, c)| {
                        let mut entry = Map::new();
                        entry.insert("from_partner".to_owned(), kinds(&c.from_partner));
                        entry.insert("from_facilitator".to_owned(), kinds(&c.from_facilitator));
                        (pid.clone(), Value::Object(entry))
                    })
                    .collect(),
            ),
        );
        for (key, text) in self.texts() {
            out.insert(key.to_owned(), Value::String(text.to_owned()));
        }
        Value::Object(out)
    }

    /// Canonical JSON of the normalised sections: object keys sorted by byte order, no
    /// whitespace, minimal string escapes.
    pub fn canonical_json(&self) -> String {
        canonical_json(&self.normalized_json())
    }

    /// SHA-256 (lower-case hex) over [`Self::canonical_json`]: the version's identity.
    pub fn content_hash(&self) -> String {
        sha256_hex(self.canonical_json().as_bytes())
    }
}

fn check_len(field: &str, text: &str, errors: &mut Vec<FieldError>) {
    let n = text.chars().count();
    if n > MAX_TEXT_CHARS {
        errors.push(FieldError::new(
            field,
            format!("is {n} characters long; at most {MAX_TEXT_CHARS} are allowed"),
        ));
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Canonical JSON text of any value: object keys sorted by byte order, no insignificant
/// whitespace, strings with minimal escapes. Independent of the map order the value carries.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// SHA-256 (lower-case hex) over [`canonical_json`] of a value.
pub fn canonical_hash(value: &Value) -> String {
    sha256_hex(canonical_json(value).as_bytes())
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What happened to one line between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

/// One line of a diff: the section (a dotted key such as `boundaries`, `intentions.<pid>`,
/// `touch.<pid>.from_partner`), what changed, and the text before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub section: String,
    pub change: Change,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl fmt::Display for DiffLine {
    /// `+ section: after`, `- section: before`, `~ section: "before" → "after"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let before = self.before.as_deref().unwrap_or("");
        let after = self.after.as_deref().unwrap_or("");
        match self.change {
            Change::Added => write!(f, "+ {}: {after}", self.section),
            Change::Removed => write!(f, "- {}: {before}", self.section),
            Change::Changed => write!(f, "~ {}: {before:?} → {after:?}", self.section),
        }
    }
}

/// The differences from `old` to `new`, section by section in API order. Texts give one line
/// each (added, removed or changed); touch consents give one line per kind added or removed.
pub fn diff(old: &AgreementSections, new: &AgreementSections) -> Vec<DiffLine> {
    let mut lines = Vec::new();
    for key in SECTION_KEYS {
        match key {
            "intentions" => diff_map(key, &old.intentions, &new.intentions, &mut lines),
            "sharing" => diff_map(key, &old.sharing, &new.sharing, &mut lines),
            "touch" => diff_touch(&old.touch, &new.touch, &mut lines),
            _ => diff_text(key.to_owned(), old.text(key), new.text(key), &mut lines),
        }
    }
    lines
}

fn diff_text(section: String, before: Option<&str>, after: Option<&str>, out: &mut Vec<DiffLine>) {
    let before = before.filter(|t| !t.is_empty());
    let after = after.filter(|t| !t.is_empty());
    let change = match (before, after) {
        (None, None) => return,
        (Some(b), Some(a)) if a == b => return,
        (None, Some(_)) => Change::Added,
        (Some(_), None) => Change::Removed,
        (Some(_), Some(_)) => Change::Changed,
    };
    out.push(DiffLine {
        section,
        change,
        before: before.map(str::to_owned),
        after: after.map(str::to_owned),
    });
}

fn diff_map(
    section: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<DiffLine>,
) {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for pid in keys {
        diff_text(
            format!("{section}.{pid}"),
            old.get(pid).map(String::as_str),
            new.get(pid).map(String::as_str),
            out,
        );
    }
}

fn diff_touch(
    old: &BTreeMap<String, TouchConsent>,
    new: &BTreeMap<String, TouchConsent>,
    out: &mut Vec<DiffLine>,
) {
    let none = TouchConsent::default();
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for pid in keys {
        let o = old.get(pid).unwrap_or(&none);
        let n = new.get(pid).unwrap_or(&none);
        for (name, before, after) in [
            ("from_partner", &o.from_partner, &n.from_partner),
            ("from_facilitator", &o.from_facilitator, &n.from_facilitator),
        ] {
            let section = format!("touch.{pid}.{name}");
            for kind in before.difference(after) {
                out.push(DiffLine {
                    section: section.clone(),
                    change: Change::Removed,
                    before: Some(kind.as_str().to_owned()),
                    after: None,
                });
            }
            for kind in after.difference(before) {
                out.push(DiffLine {
                    section: section.clone(),
                    change: Change::Added,
                    before: None,
                    after: Some(kind.as_str().to_owned()),
                });
            }
        }
    }
}

/// Who signed: a participant, or a facilitator countersigning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Signer {
    Participant { participant_id: String },
    Facilitator { user_id: String },
}

/// A signature on one agreement version, named by its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub version_hash: String,
    pub signer: Signer,
    pub signed_at: Timestamp,
}

/// A signature the current version still needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "participant_id", rename_all = "snake_case")]
pub enum MissingSignature {
    Participant(String),
    Facilitator,
}

/// The signatures the version `version_hash` still needs: each participant's own and one
/// facilitator's. Signatures on any other version are ignored.
pub fn missing_signatures(
    version_hash: &str,
    signatures: &[Signature],
    participants: &[String],
) -> Vec<MissingSignature> {
    let current = || signatures.iter().filter(|s| s.version_hash == version_hash);
    let mut missing: Vec<MissingSignature> = Vec::new();
    for p in participants {
        let signed = current().any(
            |s| matches!(&s.signer, Signer::Participant { participant_id } if participant_id == p),
        );
        let listed = missing.contains(&MissingSignature::Participant(p.clone()));
        if !signed && !listed {
            missing.push(MissingSignature::Participant(p.clone()));
        }
    }
    if !current().any(|s| matches!(s.signer, Signer::Facilitator { .. })) {
        missing.push(MissingSignature::Facilitator);
    }
    missing
}

/// Whether the version `version_hash` is in effect: signed by both (two distinct) participants
/// and countersigned by a facilitator, all on that very version.
pub fn in_effect(version_hash: &str, signatures: &[Signature], participants: &[String]) -> bool {
    let distinct: BTreeSet<&String> = participants.iter().collect();
    distinct.len() == 2 && missing_signatures(version_hash, signatures, participants).is_empty()
}

/// Why a signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The version signed is not the current one (the API answers 409).
    #[error("this is not the current agreement version; the current one is {current}")]
    StaleVersion { current: String },
    /// The signer is a participant of another duo.
    #[error("only a participant of this duo can sign as a participant")]
    NotAParticipant,
    /// Sections are still empty; signing needs every section filled.
    #[error("the agreement is not complete; empty: {}", missing.join(", "))]
    Incomplete { missing: Vec<String> },
}

impl SignError {
    pub fn code(&self) -> &'static str {
        match self {
            SignError::StaleVersion { .. } => "stale_version",
            SignError::NotAParticipant => "not_a_participant",
            SignError::Incomplete { .. } => "agreement_incomplete",
        }
    }
}

/// Checks a signature before it is stored: it must be on the current version (`current`,
/// whose hash is computed here), by a participant of the duo or a facilitator, and the
/// current version must be complete.
pub fn check_sign(
    current: &AgreementSections,
    participants: &[String],
    signed_hash: &str,
    signer: &Signer,
) -> Result<(), SignError> {
    let current_hash = current.content_hash();
    if signed_hash != current_hash {
        return Err(SignError::StaleVersion {
            current: current_hash,
        });
    }
    if let Signer::Participant { participant_id } = signer
        && !participants.contains(participant_id)
    {
        return Err(SignError::NotAParticipant);
    }
    let missing = current.missing_sections(participants);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(SignError::Incomplete { missing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pathway::test_support::{
        complete_sections, facilitator, participant, pids, signature,
    };
    use serde_json::json;

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn parses_the_api_shape_and_round_trips_through_serde() {
        let value = json!({
            "intentions": {"p1": "To feel safe together.", "p2": "To listen without fixing."},
            "boundaries": "We each stay in our own process unless invited.",
            "touch": {"p1": {"from_partner": ["hug", "hand", "hug"], "from_facilitator": ["shoulder"]}},
            "proximity": "Mattresses an arm's length apart.",
            "sharing": {"p1": "That I felt close."},
            "music": "Music through headphones; silence on request.",
            "time_outs": "Either of us may step out with a facilitator.",
            "talking": "Quiet in the first hours, talking later if both want.",
            "shared_vs_own": "Mostly our own process, a shared hour after the peak.",
            "difficult_moments": "A facilitator sits with the one who struggles.",
            "afterwards": "We talk the next morning, not on the drive home.",
            "confidentiality": "What is said in the room stays with the team.",
        });
        let sections = parse_sections(&value, &pids()).unwrap();
        assert_eq!(sections, complete_sections());
        let back: AgreementSections =
            serde_json::from_value(serde_json::to_value(&sections).unwrap()).unwrap();
        assert_eq!(back, sections);
        assert_eq!(
            serde_json::to_value(&sections.touch).unwrap(),
            json!({"p1": {"from_partner": ["hand", "hug"], "from_facilitator": ["shoulder"]}})
        );
    }

    #[test]
    fn a_partial_version_parses_with_defaults() {
        let sections =
            parse_sections(&json!({"music": "silence", "touch": null}), &pids()).unwrap();
        assert_eq!(sections.music, "silence");
        assert!(sections.touch.is_empty(), "no entry means no touch");
        assert!(parse_sections(&json!({}), &pids()).unwrap() == AgreementSections::default());
    }

    #[test]
    fn validation_reports_every_problem_with_its_field() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let value = json!({
            "intentions": {"p1": "ok", "p9": "who?"},
            "touch": {
                "p1": {"from_partner": ["hand", "sexual"], "from_strangers": ["hug"]},
                "p7": {"from_facilitator": []},
                "p2": "hug"
            },
            "sharing": ["p1"],
            "boundaries": long,
            "music": 3,
            "dress_code": "none",
        });
        let errors = parse_sections(&value, &pids()).unwrap_err();
        let mut got = fields(&errors);
        got.sort();
        let mut expected = vec![
            (
                "boundaries",
                "is 5001 characters long; at most 5000 are allowed",
            ),
            ("dress_code", "unknown agreement section"),
            ("intentions.p9", "unknown participant"),
            ("music", "must be text"),
            ("sharing", "must be an object of participant id to text"),
            (
                "touch.p1.from_partner",
                "unknown touch kind \"sexual\": expected one of hand, shoulder, hug, holding",
            ),
            (
                "touch.p1.from_strangers",
                "unknown key: expected from_partner or from_facilitator",
            ),
            (
                "touch.p2",
                "must be an object {from_partner, from_facilitator}",
            ),
            ("touch.p7", "unknown participant"),
        ];
        expected.sort();
        assert_eq!(got, expected);

        assert_eq!(
            fields(&parse_sections(&json!([]), &pids()).unwrap_err()),
            vec![("sections", "must be an object of agreement sections")]
        );
        // Exactly at the limit is fine; multi-byte characters count as one.
        let at_limit = "é".repeat(MAX_TEXT_CHARS);
        assert!(parse_sections(&json!({"music": at_limit}), &pids()).is_ok());
    }

    #[test]
    fn completeness_lists_the_empty_sections() {
        assert!(complete_sections().is_complete(&pids()));
        assert_eq!(
            AgreementSections::default().missing_sections(&pids()),
            vec![
                "intentions.p1",
                "intentions.p2",
                "boundaries",
                "proximity",
                "music",
                "time_outs",
                "talking",
                "shared_vs_own",
                "difficult_moments",
                "afterwards",
                "confidentiality",
            ]
        );
        let mut s = complete_sections();
        s.intentions.insert("p2".to_owned(), "   ".to_owned());
        s.music.clear();
        s.touch.clear();
        s.sharing.clear();
        assert_eq!(s.missing_sections(&pids()), vec!["intentions.p2", "music"]);
        assert!(!s.is_complete(&pids()));
    }

    #[test]
    fn the_hash_is_stable_and_independent_of_key_order() {
        let a: Value = serde_json::from_str(
            r#"{"music":"m","boundaries":"b","intentions":{"p2":"y","p1":"x"},
                "touch":{"p1":{"from_facilitator":["hug"],"from_partner":["holding","hand"]}}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"touch":{"p1":{"from_partner":["hand","holding"],"from_facilitator":["hug"]}},
                "intentions":{"p1":"x","p2":"y"},"boundaries":"b","music":"m"}"#,
        )
        .unwrap();
        let sa = parse_sections(&a, &pids()).unwrap();
        let sb = parse_sections(&b, &pids()).unwrap();
        assert_eq!(sa.content_hash(), sb.content_hash());
        assert_eq!(
            canonical_hash(&a),
            canonical_hash(&json!({
                "touch": a["touch"].clone(), "intentions": {"p1": "x", "p2": "y"}, "boundaries": "b", "music": "m"
            }))
        );
        assert_eq!(sa.content_hash().len(), 64);

        // Empty entries hash like absent ones.
        let mut with_empty = sa.clone();
        with_empty.sharing.insert("p2".to_owned(), String::new());
        with_empty
            .touch
            .insert("p2".to_owned(), TouchConsent::default());
        assert_eq!(with_empty.content_hash(), sa.content_hash());

        // Any change of content changes the hash.
        let mut changed = sa.clone();
        changed.music.push('!');
        assert_ne!(changed.content_hash(), sa.content_hash());
        let mut more_touch = sa.clone();
        if let Some(t) = more_touch.touch.get_mut("p1") {
            t.from_partner.insert(TouchKind::Shoulder);
        }
        assert_ne!(more_touch.content_hash(), sa.content_hash());
    }

    #[test]
    fn canonical_json_is_pinned() {
        // The stored hashes of signed versions depend on this exact text: never change it.
        let mut s = AgreementSections {
            music: "quiet \"please\"\n".to_owned(),
            ..AgreementSections::default()
        };
        s.touch.insert(
            "p1".to_owned(),
            TouchConsent {
                from_partner: [TouchKind::Hug, TouchKind::Hand].into(),
                from_facilitator: Default::default(),
            },
        );
        assert_eq!(
            s.canonical_json(),
            concat!(
                r#"{"afterwards":"","boundaries":"","confidentiality":"","difficult_moments":"","#,
                r#""intentions":{},"music":"quiet \"please\"\n","proximity":"","shared_vs_own":"","#,
                r#""sharing":{},"talking":"","time_outs":"","#,
                r#""touch":{"p1":{"from_facilitator":[],"from_partner":["hand","hug"]}}}"#
            )
        );
        assert_eq!(
            canonical_json(&json!({"b": [1, true, null], "a": "\u{1}é"})),
            "{\"a\":\"\\u0001é\",\"b\":[1,true,null]}"
        );
        assert_eq!(
            AgreementSections::default().content_hash(),
            sha256_hex(AgreementSections::default().canonical_json().as_bytes())
        );
    }

    #[test]
    fn diff_gives_readable_lines_in_section_order() {
        let old = complete_sections();
        let mut new = old.clone();
        new.intentions
            .insert("p2".to_owned(), "To listen.".to_owned());
        new.boundaries.clear();
        if let Some(t) = new.touch.get_mut("p1") {
            t.from_partner.remove(&TouchKind::Hug);
            t.from_facilitator.insert(TouchKind::Hand);
        }
        new.touch.insert(
            "p2".to_owned(),
            TouchConsent {
                from_partner: [TouchKind::Holding].into(),
                from_facilitator: Default::default(),
            },
        );
        new.sharing.remove("p1");
        new.sharing
            .insert("p2".to_owned(), "Only that I am fine.".to_owned());
        new.music = "Silence.".to_owned();

        let lines: Vec<String> = diff(&old, &new).iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "~ intentions.p2: \"To listen without fixing.\" → \"To listen.\"",
                "- boundaries: We each stay in our own process unless invited.",
                "- touch.p1.from_partner: hug",
                "+ touch.p1.from_facilitator: hand",
                "+ touch.p2.from_partner: holding",
                "- sharing.p1: That I felt close.",
                "+ sharing.p2: Only that I am fine.",
                "~ music: \"Music through headphones; silence on request.\" → \"Silence.\"",
            ]
        );
        let first = &diff(&old, &new)[0];
        assert_eq!(first.change, Change::Changed);
        assert_eq!(first.before.as_deref(), Some("To listen without fixing."));
        assert_eq!(first.after.as_deref(), Some("To listen."));
        assert!(diff(&old, &old).is_empty());
        assert_eq!(
            serde_json::to_value(&diff(&old, &new)[2]).unwrap(),
            json!({"section": "touch.p1.from_partner", "change": "removed", "before": "hug", "after": null})
        );
    }

    #[test]
    fn in_effect_needs_both_participants_and_a_facilitator_on_the_current_version() {
        let h = complete_sections().content_hash();
        let p = pids();
        let all = vec![
            signature(&h, participant("p1"), 1),
            signature(&h, participant("p2"), 2),
            signature(&h, facilitator("f1"), 3),
        ];
        assert!(in_effect(&h, &all, &p));
        assert!(missing_signatures(&h, &all, &p).is_empty());

        // One participant signature missing.
        let one_missing = vec![all[0].clone(), all[2].clone()];
        assert!(!in_effect(&h, &one_missing, &p));
        assert_eq!(
            missing_signatures(&h, &one_missing, &p),
            vec![MissingSignature::Participant("p2".to_owned())]
        );

        // The facilitator's countersignature missing.
        let no_countersign = vec![all[0].clone(), all[1].clone()];
        assert!(!in_effect(&h, &no_countersign, &p));
        assert_eq!(
            missing_signatures(&h, &no_countersign, &p),
            vec![MissingSignature::Facilitator]
        );

        // Signatures on an earlier version do not carry over.
        let stale = vec![
            signature("old", participant("p1"), 1),
            signature(&h, participant("p2"), 2),
            signature("old", facilitator("f1"), 3),
        ];
        assert!(!in_effect(&h, &stale, &p));
        assert!(in_effect(
            "old",
            &[
                stale[0].clone(),
                stale[2].clone(),
                signature("old", participant("p2"), 0)
            ],
            &p
        ));

        // A stranger's signature never stands in for a participant's.
        let stranger = vec![
            signature(&h, participant("p1"), 1),
            signature(&h, participant("p3"), 2),
            signature(&h, facilitator("f1"), 3),
        ];
        assert!(!in_effect(&h, &stranger, &p));

        // A duo of one (or one id listed twice) is never in effect.
        assert!(!in_effect(&h, &all, &["p1".to_owned()]));
        assert!(!in_effect(&h, &all, &["p1".to_owned(), "p1".to_owned()]));
    }

    #[test]
    fn signing_is_checked_against_the_current_complete_version() {
        let current = complete_sections();
        let h = current.content_hash();
        let p = pids();
        assert_eq!(check_sign(&current, &p, &h, &participant("p1")), Ok(()));
        assert_eq!(check_sign(&current, &p, &h, &facilitator("f9")), Ok(()));

        let err = check_sign(&current, &p, "stale", &participant("p1")).unwrap_err();
        assert_eq!(err, SignError::StaleVersion { current: h.clone() });
        assert_eq!(err.code(), "stale_version");

        let err = check_sign(&current, &p, &h, &participant("p3")).unwrap_err();
        assert_eq!(err.code(), "not_a_participant");

        let mut draft = current.clone();
        draft.afterwards.clear();
        let err = check_sign(&draft, &p, &draft.content_hash(), &participant("p2")).unwrap_err();
        assert_eq!(
            err,
            SignError::Incomplete {
                missing: vec!["afterwards".to_owned()]
            }
        );
        assert_eq!(
            err.to_string(),
            "the agreement is not complete; empty: afterwards"
        );
    }

    #[test]
    fn signatures_serialise_with_a_role_tag() {
        let s = signature("h", participant("p1"), 0);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v["signer"],
            json!({"role": "participant", "participant_id": "p1"})
        );
        assert_eq!(serde_json::from_value::<Signature>(v).unwrap(), s);
        assert_eq!(
            serde_json::to_value(facilitator("f1")).unwrap(),
            json!({"role": "facilitator", "user_id": "f1"})
        );
    }
}
