//! Crash safety: the real binary under a write load from several clients (intake autosaves,
//! journal entries, messages to the team, session-day console entries) is killed with SIGKILL
//! at random moments and restarted, many times. Every write the server acknowledged must then
//! be present and intact, console entries resent after a lost answer must be stored once, and
//! `dyad audit verify` must pass. On SQLite, and on PostgreSQL when `DYAD_TEST_DATABASE_URL` is
//! set. The kill moments come from a seeded generator; the seed is printed, and
//! `DYAD_CRASH_SEED=<seed>` replays the same schedule.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::{self, Running};
use crate::helpers::{Pair, TestApp, spawn_app_with};
use crate::session::booked;

/// splitmix64: small, seedable, good enough to pick moments.
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeded from `DYAD_CRASH_SEED` when set, else from the clock; the seed is printed.
    pub(crate) fn from_env(what: &str) -> Rng {
        let seed = std::env::var("DYAD_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{what}: seed {seed} (replay with DYAD_CRASH_SEED={seed})");
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// A throwaway PostgreSQL database for one test, dropped at the end.
pub(crate) struct PgDatabase {
    admin: dyad_store::Db,
    name: String,
    pub(crate) url: String,
}

impl PgDatabase {
    /// `None` when `DYAD_TEST_DATABASE_URL` is not set; panics when it is set and the server
    /// does not answer (the PostgreSQL tests never skip silently in CI).
    pub(crate) async fn create(prefix: &str) -> Option<PgDatabase> {
        let Ok(admin_url) = std::env::var("DYAD_TEST_DATABASE_URL") else {
            eprintln!("DYAD_TEST_DATABASE_URL not set: PostgreSQL part not run");
            return None;
        };
        let admin = dyad_store::Db::connect(&admin_url, &dyad_store::DbOptions::default())
            .await
            .expect("DYAD_TEST_DATABASE_URL is set but PostgreSQL does not answer");
        let name = format!("{prefix}_{}", cli::uuid_like());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin.pool)
            .await
            .unwrap();
        let url = cli::replace_db(&admin_url, &name);
        Some(PgDatabase { admin, name, url })
    }

    pub(crate) async fn drop_database(self) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin.pool)
        .await
        .unwrap();
    }
}

/// One installation the binary runs on: a data folder (master key, outbox, and the SQLite
/// database unless a PostgreSQL URL is given) and the environment for every command.
pub(crate) struct Installation {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) data: PathBuf,
    pub(crate) env: Vec<(String, String)>,
}

impl Installation {
    pub(crate) fn new(database_url: Option<&str>) -> Installation {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let env = database_url
            .map(|u| vec![("DYAD_DATABASE_URL".to_string(), u.to_string())])
            .unwrap_or_default();
        Installation { dir, data, env }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Sets the installation up in this process (manual clock, so the test helpers can
    /// step through TOTP and the pathway), for the binary to run on afterwards.
    pub(crate) async fn in_process(&self) -> TestApp {
        let data = self.data.clone();
        let url = self
            .env
            .iter()
            .find(|(k, _)| k == "DYAD_DATABASE_URL")
            .map(|(_, v)| v.clone());
        spawn_app_with(move |s| {
            s.data_dir = data;
            s.database_url = url;
        })
        .await
    }

    /// Starts `dyad serve` (blocking until it says it runs).
    pub(crate) fn start(&self) -> Running {
        cli::start(&self.data, &self.env())
    }

    /// Runs a `dyad` command to the end.
    pub(crate) fn run(&self, args: &[&str]) -> std::process::Output {
        cli::dyad(&self.data, &self.env())
            .args(args)
            .output()
            .unwrap()
    }

    pub(crate) fn run_with_file(&self, args: &[&str], file: &Path) -> std::process::Output {
        cli::dyad(&self.data, &self.env())
            .args(args)
            .arg(file)
            .output()
            .unwrap()
    }

    /// `dyad audit verify` passes; returns what it printed.
    pub(crate) fn audit_verifies(&self) -> String {
        let out = self.run(&["audit", "verify"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "audit verify failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }
}

/// Who writes during the load: two duos, one with a booked session and its facilitator.
pub(crate) struct Writers {
    pub(crate) session_pair: Pair,
    pub(crate) facilitator: String,
    pub(crate) session_id: String,
    /// A second duo still in intake, for autosaves.
    pub(crate) intake_pair: Pair,
}

pub(crate) async fn prepare_writers(app: &TestApp) -> Writers {
    let (session_pair, team, session_id) = booked(app).await;
    let intake_pair = app
        .signed_up_pair("cleo@example.org", "dani@example.org")
        .await;
    Writers {
        session_pair,
        facilitator: team.facilitator,
        session_id,
        intake_pair,
    }
}

/// What the clients saw acknowledged (2xx) and what they sent without an answer.
#[derive(Default, Clone)]
pub(crate) struct Ledger {
    /// token label → (entry id, text) of acknowledged journal entries.
    pub(crate) journal: HashMap<String, Vec<(String, String)>>,
    /// token label → texts of acknowledged messages.
    pub(crate) messages: HashMap<String, Vec<String>>,
    /// token label → (last acknowledged autosave number, highest number sent).
    pub(crate) intake: HashMap<String, (u64, u64)>,
    /// client_key → (entry id, text) of acknowledged console notes.
    pub(crate) console: HashMap<String, (String, String)>,
    /// Requests that got no answer (connection refused or cut by a kill).
    pub(crate) unanswered: u64,
}

/// The load: one task per writer, each sending its next write as soon as the last one was
/// answered, and retrying against whatever base URL the server runs on now.
pub(crate) struct Load {
    pub(crate) base: Arc<RwLock<String>>,
    pub(crate) ledger: Arc<Mutex<Ledger>>,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) acked: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

enum Write {
    Journal { label: String, token: String },
    Message { label: String, token: String },
    Intake { label: String, token: String },
    Console { token: String, session: String },
}

impl Load {
    pub(crate) fn start(base: String, w: &Writers) -> Load {
        let base = Arc::new(RwLock::new(base));
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let writes = vec![
            Write::Journal {
                label: "alex".into(),
                token: w.session_pair.a_token.clone(),
            },
            Write::Journal {
                label: "cleo".into(),
                token: w.intake_pair.a_token.clone(),
            },
            Write::Message {
                label: "bo".into(),
                token: w.session_pair.b_token.clone(),
            },
            Write::Intake {
                label: "cleo".into(),
                token: w.intake_pair.a_token.clone(),
            },
            Write::Intake {
                label: "dani".into(),
                token: w.intake_pair.b_token.clone(),
            },
            Write::Console {
                token: w.facilitator.clone(),
                session: w.session_id.clone(),
            },
        ];
        let tasks = writes
            .into_iter()
            .map(|write| {
                let (base, ledger, stop, acked) =
                    (base.clone(), ledger.clone(), stop.clone(), acked.clone());
                tokio::spawn(async move { write_loop(write, base, ledger, stop, acked).await })
            })
            .collect();
        Load {
            base,
            ledger,
            stop,
            acked,
            tasks,
        }
    }

    pub(crate) fn point_at(&self, base: String) {
        *self.base.write().unwrap() = base;
    }

    pub(crate) async fn finish(self) -> Ledger {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.unwrap();
        }
        Arc::try_unwrap(self.ledger)
            .ok()
            .unwrap()
            .into_inner()
            .unwrap()
    }
}

async fn write_loop(
    write: Write,
    base: Arc<RwLock<String>>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
) {
    let http = client();
    let mut n: u64 = 0;
    // A console keeps resending its queued entry (same key) until it gets an answer.
    let mut queued: Option<(String, String)> = None;
    while !stop.load(Ordering::SeqCst) {
        let base = base.read().unwrap().clone();
        n += 1;
        let (request, note) = match &write {
            Write::Journal { label, token } => {
                let text = format!("crash journal {label} #{n}");
                (
                    http.post(format!("{base}/api/v1/me/journal"))
                        .bearer_auth(token)
                        .json(&json!({"text": text, "tag": "mine"})),
                    text,
                )
            }
            Write::Message { label, token } => {
                let text = format!("crash message {label} #{n}");
                (
                    http.post(format!("{base}/api/v1/me/messages"))
                        .bearer_auth(token)
                        .json(&json!({"text": text})),
                    text,
                )
            }
            Write::Intake { label, token } => {
                ledger
                    .lock()
                    .unwrap()
                    .intake
                    .entry(label.clone())
                    .or_default()
                    .1 = n;
                (
                    http.put(format!("{base}/api/v1/me/intake"))
                        .bearer_auth(token)
                        .json(&json!({"answers": {"goals": format!("autosave {n}")}})),
                    String::new(),
                )
            }
            Write::Console { token, session } => {
                let (key, text) = queued
                    .get_or_insert_with(|| {
                        (format!("crash-{n}"), format!("crash console note #{n}"))
                    })
                    .clone();
                (
                    http.post(format!("{base}/api/v1/sessions/{session}/events"))
                        .bearer_auth(token)
                        .json(&json!({"kind": "note", "text": text, "client_key": key})),
                    text,
                )
            }
        };
        let answer = match request.send().await {
            Ok(r) => {
                let status = r.status();
                match r.json::<Value>().await {
                    Ok(body) => Some((status, body)),
                    Err(_) => None, // the body was cut off by a kill
                }
            }
            Err(_) => None,
        };
        let Some((status, body)) = answer else {
            ledger.lock().unwrap().unanswered += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        assert!(
            status.is_success(),
            "a write was refused, not lost: {status} {body}"
        );
        acked.fetch_add(1, Ordering::SeqCst);
        let mut l = ledger.lock().unwrap();
        match &write {
            Write::Journal { label, .. } => l
                .journal
                .entry(label.clone())
                .or_default()
                .push((body["id"].as_str().unwrap().to_string(), note)),
            Write::Message { label, .. } => l.messages.entry(label.clone()).or_default().push(note),
            Write::Intake { label, .. } => {
                assert_eq!(body["answers"]["goals"], format!("autosave {n}"));
                l.intake.entry(label.clone()).or_default().0 = n;
            }
            Write::Console { .. } => {
                let (key, text) = queued.take().unwrap();
                let id = body["id"].as_str().unwrap().to_string();
                if let Some((earlier, _)) = l.console.get(&key) {
                    assert_eq!(earlier, &id, "one key, one entry");
                }
                l.console.insert(key, (id, text));
            }
        }
    }
}

/// Reads everything back through the API and checks the ledger against it: every
/// acknowledged write is there, intact. `later`, for a copy taken while writes went on, is the
/// ledger when the copy was finished: the copy may hold what was written until then, no more.
pub(crate) async fn check_ledger(base: &str, w: &Writers, ledger: &Ledger, later: Option<&Ledger>) {
    let http = client();
    let get = |token: &str, path: &str| {
        let r = http.get(format!("{base}{path}")).bearer_auth(token).send();
        async move {
            let r = r.await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    let token_of = |label: &str| match label {
        "alex" => w.session_pair.a_token.clone(),
        "bo" => w.session_pair.b_token.clone(),
        "cleo" => w.intake_pair.a_token.clone(),
        "dani" => w.intake_pair.b_token.clone(),
        other => panic!("{other}"),
    };
    for (label, entries) in &ledger.journal {
        let stored = get(&token_of(label), "/api/v1/me/journal").await;
        let stored: HashMap<&str, &str> = stored
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["id"].as_str().unwrap(), e["text"].as_str().unwrap()))
            .collect();
        for (id, text) in entries {
            assert_eq!(
                stored.get(id.as_str()),
                Some(&text.as_str()),
                "acknowledged journal entry {id} of {label} lost or changed"
            );
        }
        if let Some(later) = later {
            // At most one more per writer than acknowledged by then: the one in flight.
            let most = later.journal.get(label).map_or(0, Vec::len) + 1;
            assert!(
                stored.len() <= most,
                "{label}: the copy holds {} entries, at most {most} were written",
                stored.len()
            );
        }
    }
    for (label, texts) in &ledger.messages {
        let thread = get(&token_of(label), "/api/v1/me/messages").await;
        let stored: Vec<&str> = thread
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        for text in texts {
            assert!(
                stored.contains(&text.as_str()),
                "acknowledged message {text:?} lost"
            );
        }
    }
    for (label, (last_acked, _)) in &ledger.intake {
        let last_sent = later.unwrap_or(ledger).intake[label].1;
        let intake = get(&token_of(label), "/api/v1/me/intake").await;
        let goals = intake["answers"]["goals"].as_str().unwrap_or("");
        let saved: u64 = goals
            .strip_prefix("autosave ")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        // The last acknowledged autosave, or one sent after it whose answer a kill cut off.
        assert!(
            (*last_acked..=last_sent).contains(&saved),
            "{label}'s intake holds autosave {saved}, acknowledged up to {last_acked}"
        );
    }
    let console = get(
        &w.facilitator,
        &format!("/api/v1/sessions/{}", w.session_id),
    )
    .await;
    let notes: Vec<(&str, &str)> = console["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "note")
        .map(|e| {
            (
                e["id"].as_str().unwrap(),
                e["data"]["text"].as_str().unwrap(),
            )
        })
        .collect();
    for (key, (id, text)) in &ledger.console {
        let found: Vec<_> = notes.iter().filter(|(_, t)| t == text).collect();
        assert_eq!(
            found.len(),
            1,
            "console note {key} must be stored exactly once"
        );
        assert_eq!(found[0].0, id, "console note {key} keeps its id");
    }
    let mut seqs: Vec<i64> = console["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "console entries are numbered without gaps or repeats"
    );
    if !ledger.console.is_empty() {
        // The first console entry started the session day; a kill must not leave the
        // session running with the duo still in preparation.
        let duo = get(
            &w.facilitator,
            &format!("/api/v1/duos/{}", w.session_pair.duo_id),
        )
        .await;
        assert_eq!(duo["phase"], "session", "{duo}");
    }
}

/// Kills the running server with SIGKILL `kills` times at random moments under the load,
/// restarting it each time; returns the last running server.
async fn kill_and_restart(
    inst: &Arc<Installation>,
    mut running: Running,
    load: &Load,
    rng: &mut Rng,
    kills: u64,
) -> Running {
    for round in 1..=kills {
        // Let a few writes land first, so each kill interrupts real work.
        let before = load.acked.load(Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(10);
        while load.acked.load(Ordering::SeqCst) < before + 3 {
            assert!(Instant::now() < deadline, "no writes acknowledged in 10 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.between(0, 700))).await;
        running.child.kill().unwrap(); // SIGKILL
        running.child.wait().unwrap();
        let inst = inst.clone();
        running = tokio::task::spawn_blocking(move || inst.start())
            .await
            .unwrap();
        load.point_at(format!("http://127.0.0.1:{}", running.port));
        eprintln!(
            "kill {round}/{kills}: {} writes acknowledged so far",
            load.acked.load(Ordering::SeqCst)
        );
    }
    running
}

async fn crash_drill(pg: Option<PgDatabase>, what: &str) {
    let started = Instant::now();
    let inst = Arc::new(Installation::new(pg.as_ref().map(|p| p.url.as_str())));
    let app = inst.in_process().await;
    let writers = prepare_writers(&app).await;
    drop(app);
    eprintln!("{what}: set up in {:?}", started.elapsed());

    let mut rng = Rng::from_env(what);
    let kills = rng.between(15, 25);
    let start_inst = inst.clone();
    let running = tokio::task::spawn_blocking(move || start_inst.start())
        .await
        .unwrap();
    let load = Load::start(format!("http://127.0.0.1:{}", running.port), &writers);
    let running = kill_and_restart(&inst, running, &load, &mut rng, kills).await;
    // A last stretch of writes on the final server, then stop and read everything back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let acknowledged = load.acked.load(Ordering::SeqCst);
    let ledger = load.finish().await;
    let base = format!("http://127.0.0.1:{}", running.port);
    check_ledger(&base, &writers, &ledger, None).await;
    drop(running);
    let verified = inst.audit_verifies();
    eprintln!(
        "{what}: {kills} kills survived, {} writes acknowledged and found intact, {} requests cut off, {} in {:?}",
        acknowledged,
        ledger.unanswered,
        verified.trim(),
        started.elapsed()
    );
    assert!(acknowledged > kills * 3);
    assert!(!ledger.console.is_empty() && !ledger.journal.is_empty());
    if let Some(pg) = pg {
        pg.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_on_sqlite() {
    crash_drill(None, "crash drill (SQLite)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_on_postgres() {
    let Some(pg) = PgDatabase::create("dyad_crash").await else {
        return;
    };
    crash_drill(Some(pg), "crash drill (PostgreSQL)").await;
}
