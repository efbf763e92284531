//! Session-day protocols as data (`knowledge/protocols/`): vital-sign alert limits, the
//! measurement interval, dosing scheme, discharge checklist and follow-up. Every value is a
//! setting for the clinical lead to confirm; dyad raises alerts, people decide.

use serde::{Deserialize, Serialize};

pub const DEFAULT_TOML: &str = include_str!("../../../knowledge/protocols/default.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub id: String,
    pub version: String,
    pub title: String,
    pub confirmed_by_clinical_lead: bool,
    pub session: SessionRules,
    pub measurements: Measurements,
    pub limits: Vec<Limit>,
    pub dosing: Dosing,
    pub discharge: Discharge,
    pub follow_up: FollowUp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRules {
    pub duration_hours: i64,
    pub min_team: usize,
    pub min_team_source: String,
    pub min_team_evidence: String,
    pub recovery_days_after: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurements {
    pub interval_minutes: i64,
    pub interval_source: String,
    pub interval_evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// systolic, diastolic, pulse, temperature_c or suds
    pub measure: String,
    pub above: f64,
    pub unit: String,
    #[serde(default)]
    pub severity: Option<String>,
    pub source: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dosing {
    pub initial_mg: Vec<i64>,
    pub supplemental_mg: Vec<i64>,
    pub supplemental_window_minutes: Vec<i64>,
    pub source: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discharge {
    pub checklist: Vec<String>,
    pub source: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub daily_contacts: i64,
    pub source: String,
    pub evidence: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtocolError {
    #[error("protocol file: {0}")]
    Syntax(String),
    #[error("protocol file: {0}")]
    Invalid(String),
}

const MEASURES: [&str; 5] = ["systolic", "diastolic", "pulse", "temperature_c", "suds"];

impl Protocol {
    pub fn parse(text: &str) -> Result<Protocol, ProtocolError> {
        let p: Protocol = toml::from_str(text).map_err(|e| ProtocolError::Syntax(e.to_string()))?;
        if p.session.min_team == 0 || p.session.duration_hours <= 0 || p.session.duration_hours > 24
        {
            return Err(ProtocolError::Invalid(
                "the session needs a team and a duration of 1 to 24 hours".into(),
            ));
        }
        if !(5..=240).contains(&p.measurements.interval_minutes) {
            return Err(ProtocolError::Invalid(
                "the measurement interval must be 5 to 240 minutes".into(),
            ));
        }
        for l in &p.limits {
            if !MEASURES.contains(&l.measure.as_str()) {
                return Err(ProtocolError::Invalid(format!(
                    "unknown measure {:?}",
                    l.measure
                )));
            }
            if !l.above.is_finite()
                || l.source.trim().is_empty()
                || !matches!(l.evidence.as_str(), "V" | "S" | "U")
            {
                return Err(ProtocolError::Invalid(format!(
                    "the limit for {} needs a finite value, a source and an evidence tag",
                    l.measure
                )));
            }
        }
        if p.discharge.checklist.is_empty() {
            return Err(ProtocolError::Invalid(
                "the discharge checklist is empty".into(),
            ));
        }
        Ok(p)
    }

    pub fn shipped() -> Result<Protocol, ProtocolError> {
        Protocol::parse(DEFAULT_TOML)
    }

    /// The limits a set of measurements goes beyond, most severe first.
    pub fn exceeded(&self, values: &[(&str, f64)]) -> Vec<&Limit> {
        let mut out: Vec<&Limit> = self
            .limits
            .iter()
            .filter(|l| {
                values
                    .iter()
                    .any(|(m, v)| *m == l.measure && v.is_finite() && *v > l.above)
            })
            .collect();
        out.sort_by_key(|l| std::cmp::Reverse(l.severity.is_some()));
        out
    }
}

/// Whether two periods (start, end) in microseconds overlap.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_protocol_parses_and_marks_unverified_limits() {
        let p = Protocol::shipped().unwrap();
        assert!(
            !p.confirmed_by_clinical_lead,
            "a clinical lead must confirm the defaults"
        );
        assert_eq!(p.session.min_team, 2);
        assert_eq!(p.measurements.interval_evidence, "U");
        assert!(p.limits.iter().all(|l| !l.source.is_empty()));
        assert_eq!(p.follow_up.daily_contacts, 7);
    }

    #[test]
    fn limits_are_exceeded_above_not_at() {
        let p = Protocol::shipped().unwrap();
        assert!(p.exceeded(&[("systolic", 160.0)]).is_empty());
        let hit = p.exceeded(&[("systolic", 161.0), ("pulse", 90.0)]);
        assert_eq!(hit.len(), 1);
        assert_eq!(hit[0].measure, "systolic");
        let fever = p.exceeded(&[("temperature_c", 38.6)]);
        assert_eq!(fever.len(), 2);
        assert_eq!(fever[0].severity.as_deref(), Some("emergency"));
        assert!(p.exceeded(&[("pulse", f64::NAN)]).is_empty());
    }

    #[test]
    fn bad_protocols_are_refused() {
        let bad = DEFAULT_TOML.replace("measure = \"pulse\"", "measure = \"mood\"");
        assert!(Protocol::parse(&bad).is_err());
        assert!(Protocol::parse("id = 1").is_err());
        let no_team = DEFAULT_TOML.replace("min_team = 2", "min_team = 0");
        assert!(Protocol::parse(&no_team).is_err());
    }

    #[test]
    fn overlap() {
        assert!(overlaps((0, 10), (5, 15)));
        assert!(!overlaps((0, 10), (10, 20)));
    }
}
