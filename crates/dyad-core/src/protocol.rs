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
    pub aftercare: Aftercare,
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

/// Check-ins after a session: daily for the first days, then the later points, each with the
/// instruments due there; and how soon an unacknowledged alert is escalated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aftercare {
    pub daily_days: i64,
    pub daily_instruments: Vec<String>,
    pub daily_source: String,
    pub daily_evidence: String,
    pub last_open_days: i64,
    pub escalate_after_minutes: i64,
    pub escalate_source: String,
    pub escalate_evidence: String,
    pub points: Vec<AftercarePoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AftercarePoint {
    /// A stable key (`week_2`), used in job keys and the catalogue (`checkin-point-week_2`).
    pub point: String,
    pub after_days: i64,
    pub instruments: Vec<String>,
    pub source: String,
    pub evidence: String,
}

/// One check-in of a schedule, with its times relative to the close of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledCheckIn {
    /// `day_1` … `day_7`, then the later points' keys.
    pub point: String,
    pub instruments: Vec<String>,
    /// When it opens and closes, in UTC microseconds.
    pub due_at: i64,
    pub closes_at: i64,
}

const DAY_MICROS: i64 = 24 * 3600 * 1_000_000;

impl Aftercare {
    /// The points in order: `day_1`…`day_N`, then the later points.
    pub fn points(&self) -> Vec<(String, i64, Vec<String>)> {
        let mut out: Vec<(String, i64, Vec<String>)> = (1..=self.daily_days)
            .map(|d| (format!("day_{d}"), d, self.daily_instruments.clone()))
            .collect();
        out.extend(
            self.points
                .iter()
                .map(|p| (p.point.clone(), p.after_days, p.instruments.clone())),
        );
        out
    }

    /// The check-ins for a session closed at `closed_at` (microseconds): each opens
    /// `after_days` later and stays open until the next one opens; the last one stays open
    /// `last_open_days`.
    pub fn schedule(&self, closed_at: i64) -> Vec<ScheduledCheckIn> {
        let points = self.points();
        points
            .iter()
            .enumerate()
            .map(|(i, (point, days, instruments))| {
                let due_at = closed_at + days * DAY_MICROS;
                let closes_at = match points.get(i + 1) {
                    Some((_, next, _)) => closed_at + next * DAY_MICROS,
                    None => due_at + self.last_open_days * DAY_MICROS,
                };
                ScheduledCheckIn {
                    point: point.clone(),
                    instruments: instruments.clone(),
                    due_at,
                    closes_at,
                }
            })
            .collect()
    }

    /// How long the team has to acknowledge an alert before it is escalated, in microseconds.
    pub fn escalate_after_micros(&self) -> i64 {
        self.escalate_after_minutes * 60 * 1_000_000
    }

    fn check(&self) -> Result<(), ProtocolError> {
        let invalid = |m: &str| Err(ProtocolError::Invalid(format!("aftercare: {m}")));
        if !(0..=31).contains(&self.daily_days) {
            return invalid("daily_days must be 0 to 31");
        }
        if !(1..=365).contains(&self.last_open_days) {
            return invalid("last_open_days must be 1 to 365");
        }
        if !(1..=7 * 24 * 60).contains(&self.escalate_after_minutes) {
            return invalid("escalate_after_minutes must be 1 minute to 7 days");
        }
        let tagged = |source: &str, evidence: &str| {
            !source.trim().is_empty() && matches!(evidence, "V" | "S" | "U")
        };
        if !tagged(&self.daily_source, &self.daily_evidence)
            || !tagged(&self.escalate_source, &self.escalate_evidence)
        {
            return invalid(
                "the daily check-ins and the escalation need a source and an evidence tag",
            );
        }
        let mut last = self.daily_days;
        for p in &self.points {
            if !crate::instruments::is_key(&p.point) || p.point.starts_with("day_") {
                return invalid(&format!("{:?} is not a usable point name", p.point));
            }
            if p.after_days <= last || p.after_days > 3 * 365 {
                return invalid(&format!(
                    "point {} must come after the one before it (and within 3 years)",
                    p.point
                ));
            }
            if !tagged(&p.source, &p.evidence) {
                return invalid(&format!(
                    "point {} needs a source and an evidence tag",
                    p.point
                ));
            }
            last = p.after_days;
        }
        if self.points().is_empty() {
            return invalid("there are no check-ins");
        }
        for (point, _, instruments) in self.points() {
            if instruments.iter().any(|i| !crate::instruments::is_key(i)) {
                return invalid(&format!(
                    "point {point} names an instrument that is not a key"
                ));
            }
        }
        Ok(())
    }
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
        p.aftercare.check()?;
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
    fn the_aftercare_schedule_is_daily_for_a_week_then_week_2_and_months_1_3_6() {
        let p = Protocol::shipped().unwrap();
        let closed = 1_000 * DAY_MICROS;
        let s = p.aftercare.schedule(closed);
        let names: Vec<&str> = s.iter().map(|c| c.point.as_str()).collect();
        assert_eq!(
            names,
            [
                "day_1", "day_2", "day_3", "day_4", "day_5", "day_6", "day_7", "week_2", "month_1",
                "month_3", "month_6"
            ]
        );
        assert_eq!(s[0].due_at, closed + DAY_MICROS);
        assert_eq!(
            s[0].closes_at,
            closed + 2 * DAY_MICROS,
            "open until the next one"
        );
        assert!(s[0].instruments.is_empty());
        assert_eq!(s[6].closes_at, closed + 14 * DAY_MICROS);
        assert_eq!(s[7].instruments, ["phq9", "gad7"]);
        assert_eq!(s[8].instruments, ["phq9", "gad7", "pcl5"]);
        assert_eq!(s[10].due_at, closed + 182 * DAY_MICROS);
        assert_eq!(s[10].closes_at, closed + (182 + 14) * DAY_MICROS);
        assert_eq!(p.aftercare.escalate_after_micros(), 60 * 60 * 1_000_000);
        assert_eq!(p.aftercare.escalate_evidence, "U");
        // Every instrument named is one dyad ships.
        let shipped = crate::instruments::Instruments::shipped().unwrap();
        for c in &s {
            assert!(c.instruments.iter().all(|i| shipped.contains(i)), "{c:?}");
        }
    }

    #[test]
    fn bad_aftercare_settings_are_refused() {
        let out_of_order = DEFAULT_TOML.replace("after_days = 30", "after_days = 10");
        assert!(Protocol::parse(&out_of_order).is_err());
        let no_source =
            DEFAULT_TOML.replace("escalate_evidence = \"U\"", "escalate_evidence = \"\"");
        assert!(Protocol::parse(&no_source).is_err());
        let zero =
            DEFAULT_TOML.replace("escalate_after_minutes = 60", "escalate_after_minutes = 0");
        assert!(Protocol::parse(&zero).is_err());
    }

    #[test]
    fn overlap() {
        assert!(overlaps((0, 10), (5, 15)));
        assert!(!overlaps((0, 10), (10, 20)));
    }
}
