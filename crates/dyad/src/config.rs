//! Settings from defaults, an optional TOML file and `DYAD_*` environment variables
//! (secrets also from `DYAD_*_FILE`), validated before anything starts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A secret setting: never printed by `Debug`.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub Option<String>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Some(***)"
        } else {
            "None"
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address and port the web server listens on.
    pub listen: String,
    /// The address people use to reach dyad (links in mails); defaults to `http://<listen>`.
    pub base_url: Option<String>,
    /// Folder for the SQLite database, the master key and the mail outbox.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `sqlite://<data_dir>/dyad.db`.
    pub database_url: Option<String>,
    /// The master key file; defaults to `<data_dir>/master.key`.
    pub master_key_file: Option<PathBuf>,
    /// SMTP server URL (`smtps://user:pass@host`); unset writes mails to `<data_dir>/outbox/`.
    pub smtp_url: Secret,
    pub mail_from: String,
    /// `text` or `json`.
    pub log_format: String,
    /// A separate listener for `/metrics` (e.g. `127.0.0.1:9090`).
    pub metrics_listen: Option<String>,
    /// Bearer token that opens `/metrics` on the main listener.
    pub metrics_token: Secret,
    /// Email of the first admin account, created on first start.
    pub admin_email: String,
    pub practice_name: String,
    pub practice_contact: String,
    pub crisis_contacts: Vec<String>,
    pub max_body_kb: usize,
    pub db_max_connections: u32,
    /// Definition files of licensed instruments (C-SSRS, CSI, HITS, …) a site holds a
    /// licence for; see knowledge/instruments/README.md.
    pub licensed_instruments: Vec<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        let practice = dyad_web::PracticeSettings::default();
        Self {
            listen: "127.0.0.1:8080".into(),
            base_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            master_key_file: None,
            smtp_url: Secret::default(),
            mail_from: "dyad <dyad@localhost>".into(),
            log_format: "text".into(),
            metrics_listen: None,
            metrics_token: Secret::default(),
            admin_email: "admin@dyad.local".into(),
            practice_name: practice.name,
            practice_contact: practice.contact,
            crisis_contacts: practice.crisis_contacts,
            max_body_kb: 256,
            db_max_connections: 8,
            licensed_instruments: Vec::new(),
        }
    }
}

/// The secrets that may also come from a file named by `DYAD_<NAME>_FILE`.
const FILE_SECRETS: &[&str] = &["SMTP_URL", "METRICS_TOKEN", "DATABASE_URL"];

impl Settings {
    /// Reads defaults, then the TOML file (if given), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(format!(
                    "the configuration file {} does not exist",
                    file.display()
                ));
            }
            figment = figment.merge(Toml::file(file));
        }
        // `*_FILE` variables name files holding secrets (read below), except the master key
        // file, which is a setting of its own.
        let env = Env::prefixed("DYAD_")
            .ignore(&["CONFIG", "LOG", "TEST_DATABASE_URL"])
            .filter(|k| {
                let k = k.as_str().to_ascii_uppercase();
                !k.ends_with("_FILE") || k == "MASTER_KEY_FILE"
            });
        figment = figment.merge(env);
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| format!("configuration: {e}"))?;
        for name in FILE_SECRETS {
            let var = format!("DYAD_{name}_FILE");
            if let Ok(path) = std::env::var(&var) {
                let value = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{var}: cannot read {path}: {e}"))?
                    .trim()
                    .to_string();
                match *name {
                    "SMTP_URL" => settings.smtp_url = Secret(Some(value)),
                    "METRICS_TOKEN" => settings.metrics_token = Secret(Some(value)),
                    _ => settings.database_url = Some(value),
                }
            }
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Every problem at once, in plain words.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.listen.parse::<SocketAddr>().is_err() {
            problems.push(format!(
                "listen = {:?} is not an address:port such as 127.0.0.1:8080",
                self.listen
            ));
        }
        if let Some(url) = &self.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            problems.push(format!(
                "base_url = {url:?} must start with http:// or https://"
            ));
        }
        if let Some(url) = &self.database_url
            && dyad_store::Backend::from_url(url).is_err()
        {
            problems.push("database_url must start with sqlite:// or postgres://".to_string());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            problems.push(format!(
                "log_format = {:?} must be text or json",
                self.log_format
            ));
        }
        if let Some(addr) = &self.metrics_listen
            && addr.parse::<SocketAddr>().is_err()
        {
            problems.push(format!("metrics_listen = {addr:?} is not an address:port"));
        }
        if let Some(url) = &self.smtp_url.0
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            problems.push("smtp_url must start with smtp:// or smtps://".to_string());
        }
        if self.max_body_kb == 0 || self.max_body_kb > 10 * 1024 {
            problems.push("max_body_kb must be between 1 and 10240".to_string());
        }
        if self.db_max_connections == 0 {
            problems.push("db_max_connections must be at least 1".to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "configuration problems:\n  - {}",
                problems.join("\n  - ")
            ))
        }
    }

    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// The database URL, and whether it is the default (only then may a missing SQLite
    /// file be created).
    pub fn database(&self) -> (String, bool) {
        match &self.database_url {
            Some(url) => (url.clone(), false),
            None => (
                format!("sqlite://{}", self.data_dir.join("dyad.db").display()),
                true,
            ),
        }
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("master.key"))
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// The settings with secrets and database credentials masked, for `check-config`.
    pub fn redacted(&self) -> String {
        let (db, default) = self.database();
        let db = redact_url(&db);
        format!(
            "listen = {}\nbase_url = {}\ndata_dir = {}\ndatabase_url = {}{}\nmaster_key_file = {}\nmail = {}\nlog_format = {}\nmetrics = {}\n",
            self.listen,
            self.base_url(),
            self.data_dir.display(),
            db,
            if default { " (default)" } else { "" },
            self.master_key_path().display(),
            if self.smtp_url.0.is_some() {
                "SMTP (configured)".to_string()
            } else {
                format!("outbox folder {}", self.outbox_dir().display())
            },
            self.log_format,
            match (&self.metrics_listen, self.metrics_token.0.is_some()) {
                (Some(addr), _) => format!("separate listener {addr}"),
                (None, true) => "main listener with bearer token".into(),
                (None, false) => "off".into(),
            }
        )
    }
}

/// Hides the password of a URL.
pub fn redact_url(url: &str) -> String {
    if let (Some(scheme_end), Some(at)) = (url.find("://"), url.rfind('@')) {
        let creds = &url[scheme_end + 3..at];
        if let Some(colon) = creds.find(':') {
            return format!(
                "{}{}:***{}",
                &url[..scheme_end + 3],
                &creds[..colon],
                &url[at..]
            );
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!(s.base_url(), "http://127.0.0.1:8080");
        let (url, default) = s.database();
        assert!(default);
        assert!(url.starts_with("sqlite://") && url.ends_with("dyad.db"));
    }

    #[test]
    fn problems_are_listed_together() {
        let s = Settings {
            listen: "nonsense".into(),
            log_format: "xml".into(),
            database_url: Some("sqlit://x.db".into()),
            ..Settings::default()
        };
        let err = s.validate().unwrap_err();
        assert!(err.contains("listen"), "{err}");
        assert!(err.contains("log_format"), "{err}");
        assert!(err.contains("database_url"), "{err}");
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings {
            smtp_url: Secret(Some("smtps://u:hunter2@x".into())),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
