//! The real binary: first start, restart, backup and restore, audit verification, a
//! mistyped database URL, and two instances on one PostgreSQL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_dyad");

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) stdout: Vec<String>,
    pub(crate) port: u16,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn dyad(data_dir: &Path, extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DYAD_DATA_DIR", data_dir)
        .env("DYAD_LOG", "warn");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

/// Starts `dyad serve` and waits until it says it is running.
pub(crate) fn start(data_dir: &Path, extra: &[(&str, &str)]) -> Running {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut env: Vec<(&str, &str)> = vec![("DYAD_LISTEN", &listen)];
    env.extend_from_slice(extra);
    let mut child = dyad(data_dir, &env)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.starts_with("dyad is running at");
                lines.push(line);
                if done {
                    break;
                }
            }
            Err(_) if Instant::now() > deadline => panic!("dyad did not start: {lines:?}"),
            Err(_) => {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("dyad exited with {status}: {lines:?}");
                }
            }
        }
    }
    Running {
        child,
        stdout: lines,
        port,
    }
}

pub(crate) fn one_time_password(lines: &[String]) -> Option<String> {
    lines.iter().find_map(|l| {
        l.trim()
            .strip_prefix("one-time password")
            .map(|p| p.trim().to_string())
    })
}

async fn login_status(port: u16, email: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn first_start_prints_the_password_and_url_then_restarts_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = start(&data, &[]);
    let text = run.stdout.join("\n");
    assert!(
        text.contains(&format!("http://127.0.0.1:{}/login", run.port)),
        "{text}"
    );
    assert!(text.contains("admin@dyad.local"), "{text}");
    let password = one_time_password(&run.stdout).expect("password printed");
    let home = reqwest::get(format!("http://127.0.0.1:{}/", run.port))
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(
        login_status(run.port, "admin@dyad.local", &password).await,
        StatusCode::OK
    );
    drop(run);

    // A restart on the same data prints no password and keeps the account.
    let again = start(&data, &[]);
    assert!(
        one_time_password(&again.stdout).is_none(),
        "{:?}",
        again.stdout
    );
    assert_eq!(
        login_status(again.port, "admin@dyad.local", &password).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn backup_restores_into_a_working_instance() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = start(&data, &[]);
    let password = one_time_password(&run.stdout).unwrap();
    let backup = dir.path().join("backup.db");
    let out = dyad(&data, &[])
        .args(["backup"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Refuses to overwrite.
    let out = dyad(&data, &[])
        .args(["backup"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!out.status.success());
    drop(run);

    // The documented restore: a data folder with the backup as dyad.db and the same key.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(&backup, restored.join("dyad.db")).unwrap();
    std::fs::copy(data.join("master.key"), restored.join("master.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            restored.join("master.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let run = start(&restored, &[]);
    assert!(
        one_time_password(&run.stdout).is_none(),
        "the restored database already has its admin"
    );
    assert_eq!(
        login_status(run.port, "admin@dyad.local", &password).await,
        StatusCode::OK
    );
    let out = dyad(&restored, &[])
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[tokio::test]
async fn audit_verify_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = start(&data, &[]);
    let password = one_time_password(&run.stdout).unwrap();
    for _ in 0..3 {
        assert_eq!(
            login_status(run.port, "admin@dyad.local", &password).await,
            StatusCode::OK
        );
    }
    drop(run);
    let out = dyad(&data, &[]).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("3 records verified"), "{text}");
    // Alter one record directly in the database file.
    let url = format!("sqlite://{}", data.join("dyad.db").display());
    let db = dyad_store::Db::connect(&url, &dyad_store::DbOptions::default())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor_role = 'clinician' WHERE seq = 2")
        .execute(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    let out = dyad(&data, &[]).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("BROKEN at record 2"), "{text}");
}

#[tokio::test]
async fn a_mistyped_database_url_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let typo = format!("sqlite://{}/dayd.db", dir.path().display());
    let out = dyad(
        &dir.path().join("data"),
        &[("DYAD_DATABASE_URL", &typo), ("DYAD_LISTEN", "127.0.0.1:0")],
    )
    .arg("serve")
    .output()
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!dir.path().join("dayd.db").exists());
    let out = dyad(&dir.path().join("data"), &[("DYAD_LISTN", "x")])
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a mistyped setting is an error");
    let out = dyad(
        &dir.path().join("data"),
        &[("DYAD_DATABASE_URL", "postgres://u:hunter2@h/db")],
    )
    .arg("check-config")
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("postgres://u:***@h/db") && !text.contains("hunter2"),
        "{text}"
    );
}

#[tokio::test]
async fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "create", "--help"],
        vec!["admin", "reset-password", "--help"],
        vec!["backup", "--help"],
        vec!["check-config", "--help"],
        vec!["keys", "rotate", "--help"],
        vec!["audit", "verify", "--help"],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
}

#[tokio::test]
async fn admin_create_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a long provisioning password\n").unwrap();
    let out = dyad(&data, &[])
        .args([
            "admin",
            "create",
            "--email",
            "ops@clinic.example",
            "--name",
            "Ops",
            "--role",
            "coordinator,facilitator",
            "--password-file",
        ])
        .arg(&pw)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = start(&data, &[]);
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/api/v1/auth/login", run.port))
        .json(&serde_json::json!({"email": "ops@clinic.example", "password": "a long provisioning password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["required"],
        serde_json::json!(["enrol_totp"]),
        "staff still enrol TOTP"
    );
}

/// Two instances started at the same moment against one empty PostgreSQL database both
/// come up healthy; only one creates the admin.
#[tokio::test]
async fn two_instances_start_together_on_postgres() {
    let Ok(admin_url) = std::env::var("DYAD_TEST_DATABASE_URL") else {
        eprintln!("DYAD_TEST_DATABASE_URL not set: PostgreSQL part not run");
        return;
    };
    let name = format!("dyad_cli_{}", uuid_like());
    let admin = dyad_store::Db::connect(&admin_url, &dyad_store::DbOptions::default())
        .await
        .expect("DYAD_TEST_DATABASE_URL is set but PostgreSQL does not answer");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin.pool)
        .await
        .unwrap();
    let url = replace_db(&admin_url, &name);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("master.key");
    dyad_store::sealing::MasterKey::generate()
        .write_new(&key)
        .unwrap();
    let key_str = key.display().to_string();
    let env = [
        ("DYAD_DATABASE_URL", url.as_str()),
        ("DYAD_MASTER_KEY_FILE", key_str.as_str()),
    ];
    let (d1, d2) = (dir.path().join("a"), dir.path().join("b"));
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start(&d1, &env));
        let b = s.spawn(|| start(&d2, &env));
        (a.join().unwrap(), b.join().unwrap())
    });
    for port in [a.port, b.port] {
        let r = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let printed: Vec<String> = [&a, &b]
        .iter()
        .filter_map(|r| one_time_password(&r.stdout))
        .collect();
    assert_eq!(printed.len(), 1, "exactly one instance created the admin");
    // A session opened on one instance is valid on the other.
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/api/v1/auth/login", a.port))
        .json(&serde_json::json!({"email": "admin@dyad.local", "password": printed[0]}))
        .send()
        .await
        .unwrap();
    let token = r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/api/v1/me", b.port))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    drop((a, b));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin.pool)
    .await
    .unwrap();
}

pub(crate) fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{}", nanos, std::process::id())
}

pub(crate) fn replace_db(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

const FICTIONAL_INSTRUMENT: &str = r#"
id = "fci3"
short_name = "FCI-3"
name = "Fictional Closeness Index (test only)"
version = "2"
licence = "Fictional instrument written for tests."
source = "dyad test suite"
evidence = "site"
instructions = "Think about the past month."
options = [{ value = 0, label = "No" }, { value = 1, label = "Yes" }]

[[items]]
text = "We laugh together."
[[items]]
text = "I feel heard."
"#;

/// A site with a licence points dyad at its definition file; the intake then asks it.
#[tokio::test]
async fn a_licensed_instrument_definition_is_loaded_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fci3.toml");
    std::fs::write(&file, FICTIONAL_INSTRUMENT).unwrap();
    let list = format!("[\"{}\"]", file.display());
    let out = dyad(
        &dir.path().join("data"),
        &[("DYAD_LICENSED_INSTRUMENTS", &list)],
    )
    .arg("check-config")
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("instrument fci3 (FCI-3), version 2"),
        "{text}"
    );
    assert!(text.contains("intake form version 1+fci3.2"), "{text}");
    // A broken file stops the start with a clear message.
    std::fs::write(&file, "id = ").unwrap();
    let out = dyad(
        &dir.path().join("data"),
        &[("DYAD_LICENSED_INSTRUMENTS", &list)],
    )
    .arg("check-config")
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("instrument definitions"));
}

fn newest_mail_to(data: &Path, to: &str) -> String {
    let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(data.join("outbox"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            Some((
                e.metadata().ok()?.modified().ok()?,
                std::fs::read_to_string(e.path()).ok()?,
            ))
        })
        .filter(|(_, t)| t.contains(&format!("To: {to}")))
        .collect();
    mails.sort_by_key(|(m, _)| *m);
    mails.pop().map(|(_, t)| t).expect("a mail")
}

fn token_after(mail: &str, marker: &str) -> String {
    let start = mail.find(marker).expect("link") + marker.len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// `dyad keys rotate` re-wraps every data key: sealed data written before opens after, and
/// the old key file alone no longer opens anything.
#[tokio::test]
async fn keys_rotate_keeps_sealed_data_readable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = start(&data, &[]);
    let base = format!("http://127.0.0.1:{}", run.port);
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/api/v1/signup"))
        .json(&serde_json::json!({"name": "Alex", "email": "alex@example.org", "password": "alex's own long passphrase", "relationship": "couple",
            "motivation": "mine", "partner": {"name": "Bo", "email": "bo@example.org"}, "age_confirmed": true, "accept_documents": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let verify = token_after(&newest_mail_to(&data, "alex@example.org"), "/verify/");
    client
        .post(format!("{base}/api/v1/verify/{verify}"))
        .send()
        .await
        .unwrap();
    let login = |port: u16| {
        let client = client.clone();
        async move {
            let r = client
                .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
                .json(&serde_json::json!({"email": "alex@example.org", "password": "alex's own long passphrase"}))
                .send()
                .await
                .unwrap();
            r.json::<serde_json::Value>().await.unwrap()["token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let token = login(run.port).await;
    let r = client
        .post(format!("{base}/api/v1/me/messages"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"text": "sealed before rotation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    drop(run);

    let old_key = std::fs::read_to_string(data.join("master.key")).unwrap();
    let out = dyad(&data, &[]).args(["keys", "rotate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("re-wrapped"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let new_key = std::fs::read_to_string(data.join("master.key")).unwrap();
    assert_ne!(old_key, new_key);

    let run = start(&data, &[]);
    let token = login(run.port).await;
    let thread: serde_json::Value = client
        .get(format!("http://127.0.0.1:{}/api/v1/me/messages", run.port))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(thread[0]["text"], "sealed before rotation");
    drop(run);

    // The old key alone opens nothing any more.
    std::fs::write(data.join("master.key"), old_key).unwrap();
    let run = start(&data, &[]);
    let token = login(run.port).await;
    let r = client
        .get(format!("http://127.0.0.1:{}/api/v1/me/messages", run.port))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "data keys no longer unwrap with the old master key"
    );
}
