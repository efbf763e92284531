//! Settings the web layer needs, already validated by the binary.

use serde::{Deserialize, Serialize};

/// The practice's own details, shown on public pages and next to journals and check-ins.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PracticeSettings {
    pub name: String,
    pub contact: String,
    /// Who to call in a crisis, one line each (e.g. "Emergency: 112").
    pub crisis_contacts: Vec<String>,
}

impl Default for PracticeSettings {
    fn default() -> Self {
        Self {
            name: "dyad practice".into(),
            contact: "Ask your care team for the practice's contact details.".into(),
            crisis_contacts: vec![
                "Emergency services: 112 (EU) or your local emergency number".into(),
            ],
        }
    }
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use to reach dyad, without a trailing slash.
    pub base_url: String,
    /// Cookies carry `Secure` unless dyad is served over plain http on localhost.
    pub secure_cookies: bool,
    /// Bearer token for `GET /metrics` on the main listener; without it `/metrics` is not
    /// served there (a separate metrics listener may still be configured).
    pub metrics_token: Option<String>,
    pub max_body_bytes: usize,
    pub practice: PracticeSettings,
    pub staff_idle_minutes: i64,
    pub staff_absolute_hours: i64,
    pub participant_idle_minutes: i64,
    pub participant_absolute_hours: i64,
    /// How long a staff set-up link stays valid.
    pub setup_link_hours: i64,
    /// How long a break-glass grant lasts.
    pub break_glass_minutes: i64,
    /// How long an invitation link stays valid.
    pub invitation_days: i64,
    /// The erasure ledger beside the master key: every erased participant id, so a restored
    /// older backup forgets them again at start (see `api::research::apply_erasures`).
    pub erasure_ledger: Option<std::path::PathBuf>,
}

impl WebConfig {
    pub fn for_base_url(base_url: &str) -> Self {
        let base_url = base_url.trim_end_matches('/').to_string();
        Self {
            secure_cookies: !base_url.starts_with("http://"),
            base_url,
            metrics_token: None,
            max_body_bytes: 256 * 1024,
            practice: PracticeSettings::default(),
            staff_idle_minutes: 30,
            staff_absolute_hours: 12,
            participant_idle_minutes: 120,
            participant_absolute_hours: 24 * 14,
            setup_link_hours: 72,
            break_glass_minutes: 60,
            invitation_days: 14,
            erasure_ledger: None,
        }
    }

    /// The origin (scheme, host, port) that browsers send in `Origin`.
    pub fn origin(&self) -> &str {
        let after_scheme = self.base_url.find("://").map(|i| i + 3).unwrap_or(0);
        match self.base_url[after_scheme..].find('/') {
            Some(slash) => &self.base_url[..after_scheme + slash],
            None => &self.base_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_strips_path() {
        let c = WebConfig::for_base_url("https://dyad.example.org/clinic/");
        assert_eq!(c.base_url, "https://dyad.example.org/clinic");
        assert_eq!(c.origin(), "https://dyad.example.org");
        assert!(c.secure_cookies);
        let c = WebConfig::for_base_url("http://127.0.0.1:8080");
        assert_eq!(c.origin(), "http://127.0.0.1:8080");
        assert!(!c.secure_cookies);
    }
}
