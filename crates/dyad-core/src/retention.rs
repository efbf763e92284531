//! Retention as data (`knowledge/retention/rules.toml`): how long each kind of record is kept
//! before the daily retention job removes it. The numbers are practice settings to confirm;
//! an admin's override (kept by the store) wins over the file.

use serde::{Deserialize, Serialize};

pub const RULES_TOML: &str = include_str!("../../../knowledge/retention/rules.toml");

const DAY_MICROS: i64 = 86_400_000_000;
/// The daily run starts at 03:00 UTC, when a practice is quiet.
const RUN_OFFSET_MICROS: i64 = 3 * 3_600_000_000;
/// Longest period a rule may name (a century): beyond it a typo is more likely than intent.
pub const MAX_DAYS: i64 = 36_525;

/// Every kind of record retention looks after, in the order reports list them.
pub const KINDS: [&str; 6] = [
    "journal",
    "messages",
    "checkin_answers",
    "sign_in_sessions",
    "used_links",
    "mail_outbox",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub kind: String,
    pub days: i64,
    /// From which moment the days count.
    pub counted_from: String,
    /// What the job removes.
    pub removes: String,
    /// Why this number: its source, or that it is a practice setting the practice confirms.
    pub basis: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRules {
    pub version: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("retention rules: {0}")]
pub struct RulesError(pub String);

/// Whether `days` is a period a rule may name.
pub fn valid_days(days: i64) -> bool {
    (0..=MAX_DAYS).contains(&days)
}

impl RetentionRules {
    /// Parses and checks the file: every kind exactly once, in range, with a basis.
    pub fn parse(text: &str) -> Result<RetentionRules, RulesError> {
        let rules: RetentionRules = toml::from_str(text).map_err(|e| RulesError(e.to_string()))?;
        for kind in KINDS {
            let n = rules.rules.iter().filter(|r| r.kind == kind).count();
            if n != 1 {
                return Err(RulesError(format!(
                    "kind {kind} must appear once, found {n} times"
                )));
            }
        }
        for r in &rules.rules {
            if !KINDS.contains(&r.kind.as_str()) {
                return Err(RulesError(format!("unknown kind {:?}", r.kind)));
            }
            if !valid_days(r.days) {
                return Err(RulesError(format!(
                    "{}: days must be 0 to {MAX_DAYS}, not {}",
                    r.kind, r.days
                )));
            }
            if r.basis.trim().is_empty() || r.evidence.trim().is_empty() {
                return Err(RulesError(format!(
                    "{}: basis and evidence are required",
                    r.kind
                )));
            }
        }
        Ok(rules)
    }

    /// The rules shipped with dyad.
    pub fn embedded() -> RetentionRules {
        Self::parse(RULES_TOML).expect("knowledge/retention/rules.toml is checked by a test")
    }

    pub fn rule(&self, kind: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.kind == kind)
    }
}

/// Records whose period started before this moment are due: `now` minus `days`.
pub fn cutoff(now: i64, days: i64) -> i64 {
    now.saturating_sub(days.saturating_mul(DAY_MICROS))
}

/// The next daily run at or after `now` (UTC microseconds), and its day number (days since
/// 1970-01-01), which names the run so each day's run is enqueued once.
pub fn next_run(now: i64) -> (i64, i64) {
    let day = now.div_euclid(DAY_MICROS);
    let at = day * DAY_MICROS + RUN_OFFSET_MICROS;
    if at >= now {
        (day, at)
    } else {
        (day + 1, at + DAY_MICROS)
    }
}

/// The day (number) of the latest daily run due at or before `now`: today's once 03:00 UTC
/// has passed, else yesterday's. A run covers everything due, so a missed day needs no
/// catching up beyond the latest one.
pub fn due_day(now: i64) -> i64 {
    let day = now.div_euclid(DAY_MICROS);
    if now >= day * DAY_MICROS + RUN_OFFSET_MICROS {
        day
    } else {
        day - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_parse_and_cover_every_kind() {
        let rules = RetentionRules::embedded();
        for kind in KINDS {
            let rule = rules.rule(kind).unwrap();
            assert!(valid_days(rule.days));
            assert!(
                rule.basis.contains("confirm"),
                "{kind}: a shipped number is a practice setting to confirm"
            );
        }
    }

    #[test]
    fn a_missing_duplicate_unknown_or_out_of_range_rule_is_refused() {
        let without_mail = RULES_TOML.replace("kind = \"mail_outbox\"", "kind = \"journal\"");
        assert!(
            RetentionRules::parse(&without_mail)
                .unwrap_err()
                .0
                .contains("once")
        );
        let unknown = format!(
            "{RULES_TOML}\n[[rules]]\nkind = \"photos\"\ndays = 1\ncounted_from = \"x\"\nremoves = \"x\"\nbasis = \"x\"\nevidence = \"site\"\n"
        );
        assert!(
            RetentionRules::parse(&unknown)
                .unwrap_err()
                .0
                .contains("photos")
        );
        let negative = RULES_TOML.replace("days = 90", "days = -1");
        assert!(
            RetentionRules::parse(&negative)
                .unwrap_err()
                .0
                .contains("used_links")
        );
        let no_basis = RULES_TOML.replacen(
            "basis = \"An ended session opens nothing; kept no longer than needed. Practice to confirm.\"",
            "basis = \" \"",
            1,
        );
        assert!(
            RetentionRules::parse(&no_basis)
                .unwrap_err()
                .0
                .contains("sign_in_sessions")
        );
    }

    #[test]
    fn cutoff_counts_whole_days_back() {
        assert_eq!(cutoff(10 * DAY_MICROS, 3), 7 * DAY_MICROS);
        assert_eq!(cutoff(5, 0), 5);
        assert_eq!(cutoff(i64::MIN + 1, MAX_DAYS), i64::MIN);
    }

    #[test]
    fn the_daily_run_is_at_three_in_the_morning_utc() {
        let day = 20_000;
        let three = day * DAY_MICROS + RUN_OFFSET_MICROS;
        assert_eq!(next_run(day * DAY_MICROS), (day, three));
        assert_eq!(next_run(three), (day, three));
        assert_eq!(next_run(three + 1), (day + 1, three + DAY_MICROS));
        assert_eq!(next_run(day * DAY_MICROS - 1), (day, three));
        assert_eq!(due_day(three - 1), day - 1);
        assert_eq!(due_day(three), day);
        assert_eq!(due_day(three + DAY_MICROS - 1), day);
    }
}
