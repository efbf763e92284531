//! The browser suite's harness: the real `dyad` binary on a free port with a fresh data
//! folder, one `chromedriver`, and one headless Chromium per person.
//!
//! Everything listens on and talks to 127.0.0.1 only. Each test runs its body through
//! [`run`], which closes every browser it opened even when the body fails, so no Chromium
//! is left behind.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_dyad");
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long any single wait (a page load, a server start) may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("local address")
        .port()
}

/// The screen a person uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewport {
    /// Participants: a phone held upright.
    Phone,
    /// The session-day console: a tablet in landscape.
    Tablet,
    /// Staff at a desk.
    Desktop,
}

impl Viewport {
    pub fn size(self) -> (u32, u32) {
        match self {
            Viewport::Phone => (390, 844),
            Viewport::Tablet => (1024, 768),
            Viewport::Desktop => (1280, 800),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Viewport::Phone => "phone",
            Viewport::Tablet => "tablet",
            Viewport::Desktop => "desktop",
        }
    }
}

/// `Ok(())` when Chromium and chromedriver are installed; otherwise what is missing.
fn browser_installed() -> Result<PathBuf, String> {
    let chromium = std::env::var_os("DYAD_E2E_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM));
    if !chromium.is_file() {
        return Err(format!("{} is not installed", chromium.display()));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("chromedriver").is_file()))
        .unwrap_or(false);
    if !on_path {
        return Err("chromedriver is not on PATH".into());
    }
    Ok(chromium)
}

/// Whether the suite can run here. In CI a missing browser is a failure, never a skip.
fn require_browser() -> Option<PathBuf> {
    match browser_installed() {
        Ok(path) => Some(path),
        Err(why) => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            if ci {
                panic!(
                    "the browser suite cannot run: {why}. Install it with `bash .ci/e2e-setup.sh` \
                     (Debian packages chromium and chromium-driver)."
                );
            }
            eprintln!(
                "SKIPPED browser suite: {why}. Run `bash .ci/e2e-setup.sh` to install chromium \
                 and chromium-driver (with CI set, this is a failure)."
            );
            None
        }
    }
}

/// The real `dyad` binary, started on a fresh data folder.
pub struct Dyad {
    child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    pub admin_email: String,
    pub admin_password: String,
}

impl Drop for Dyad {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Dyad {
    fn start(data_dir: &Path) -> Dyad {
        let port = free_port();
        let mut child = Command::new(BIN)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DYAD_DATA_DIR", data_dir)
            .env("DYAD_LISTEN", format!("127.0.0.1:{port}"))
            .env("DYAD_LOG", "warn")
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the dyad binary");
        let stdout = child.stdout.take().expect("dyad stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let deadline = Instant::now() + WAIT;
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    let done = line.starts_with("dyad is running at");
                    lines.push(line);
                    if done {
                        break;
                    }
                }
                Err(_) if Instant::now() > deadline => {
                    let _ = child.kill();
                    panic!("dyad did not start within {WAIT:?}: {lines:?}")
                }
                Err(_) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        panic!("dyad exited with {status}: {lines:?}");
                    }
                }
            }
        }
        let value_of = |label: &str| {
            lines.iter().find_map(|l| {
                l.trim()
                    .strip_prefix(label)
                    .map(|rest| rest.trim().to_string())
            })
        };
        let admin_password = value_of("one-time password")
            .unwrap_or_else(|| panic!("first start prints a one-time password: {lines:?}"));
        let admin_email = value_of("email").unwrap_or_else(|| "admin@dyad.local".into());
        Dyad {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir: data_dir.to_path_buf(),
            admin_email,
            admin_password,
        }
    }

    /// The newest `.eml` in the outbox that is addressed to `to`, as text (soft line breaks
    /// of quoted-printable undone).
    pub fn newest_mail_to(&self, to: &str) -> String {
        let outbox = self.data_dir.join("outbox");
        let mut mails: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&outbox)
            .unwrap_or_else(|e| panic!("read {}: {e}", outbox.display()))
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        mails.sort();
        mails
            .iter()
            .rev()
            .map(|(_, path)| std::fs::read_to_string(path).expect("read mail"))
            .map(|text| text.replace("=\r\n", "").replace("=\n", ""))
            .find(|text| text.contains(&format!("To: {to}")))
            .unwrap_or_else(|| panic!("no mail to {to} in {}", outbox.display()))
    }

    /// The first link in `mail` that starts with `<base><prefix>`.
    pub fn link_in(&self, mail: &str, prefix: &str) -> String {
        let marker = format!("{}{prefix}", self.base);
        let start = mail
            .find(&marker)
            .unwrap_or_else(|| panic!("no {marker}… link in the mail:\n{mail}"));
        mail[start..]
            .chars()
            .take_while(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | ':' | '.' | '?' | '=')
            })
            .collect()
    }
}

/// One chromedriver; every person's browser is a session on it.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        Driver { child, port }
    }
}

/// A running dyad, a chromedriver and the browsers opened so far.
pub struct Suite {
    pub app: Dyad,
    driver: Driver,
    chromium: PathBuf,
    browsers: Mutex<Vec<Client>>,
    dir: tempfile::TempDir,
    started: Instant,
}

impl Suite {
    fn start(chromium: PathBuf) -> Suite {
        let started = Instant::now();
        let dir = tempfile::tempdir().expect("temp dir");
        let app = Dyad::start(&dir.path().join("data"));
        let driver = Driver::start();
        eprintln!(
            "[e2e] dyad at {} and chromedriver on {} ready in {:.2?}",
            app.base,
            driver.port,
            started.elapsed()
        );
        Suite {
            app,
            driver,
            chromium,
            browsers: Mutex::new(Vec::new()),
            dir,
            started,
        }
    }

    /// Opens a fresh Chromium (own profile, no shared cookies) for one person.
    pub async fn browser(&self, person: &str, viewport: Viewport) -> Browser {
        let t = Instant::now();
        let (w, h) = viewport.size();
        let profile = self.dir.path().join(format!("chromium-{person}"));
        std::fs::create_dir_all(&profile).expect("profile dir");
        let mut options = json!({
                "binary": self.chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--window-size={w},{h}"),
                    format!("--user-data-dir={}", profile.display()),
                ]
        });
        if viewport == Viewport::Phone {
            // A window cannot be narrower than 500 px; a phone's viewport is emulated.
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": w, "height": h, "pixelRatio": 1.0, "mobile": true, "touch": true}
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.driver.port))
            .await
            .unwrap_or_else(|e| panic!("open Chromium for {person}: {e}"));
        self.browsers
            .lock()
            .expect("browser list")
            .push(client.clone());
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(30)),
                Some(WAIT),
                Some(Duration::from_secs(0)),
            ))
            .await
            .expect("set timeouts");
        if viewport != Viewport::Phone {
            fit_viewport(&client, w, h).await;
        }
        eprintln!(
            "[e2e] browser for {person} ({}, {w}×{h}) opened in {:.2?}",
            viewport.label(),
            t.elapsed()
        );
        Browser {
            client,
            base: self.app.base.clone(),
            person: person.to_string(),
            viewport,
        }
    }

    async fn close_browsers(&self) {
        let browsers = std::mem::take(&mut *self.browsers.lock().expect("browser list"));
        for client in browsers {
            let _ = client.close().await;
        }
    }
}

/// The page area (not the window) as wide and high as the person's screen.
async fn fit_viewport(client: &Client, w: u32, h: u32) {
    let inner = || async {
        let v = client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .expect("read the viewport");
        let n = |i: usize| v[i].as_u64().unwrap_or(0) as i64;
        (n(0), n(1))
    };
    let (iw, ih) = inner().await;
    if (iw, ih) != (i64::from(w), i64::from(h)) {
        let (ww, wh) = client.get_window_size().await.expect("window size");
        let width = ww as i64 + i64::from(w) - iw;
        let height = wh as i64 + i64::from(h) - ih;
        client
            .set_window_size(width as u32, height as u32)
            .await
            .expect("resize the window");
    }
    let got = inner().await;
    assert_eq!(
        got,
        (i64::from(w), i64::from(h)),
        "the browser shows a {w}×{h} viewport"
    );
}

/// Runs one browser test: starts dyad and chromedriver, runs `body`, then closes every
/// browser whether or not the body passed, and reports the time taken. Without an
/// installed browser the test is skipped locally and fails in CI.
pub async fn run<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Arc<Suite>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(chromium) = require_browser() else {
        return;
    };
    let suite = Arc::new(Suite::start(chromium));
    let outcome = tokio::spawn(body(suite.clone())).await;
    suite.close_browsers().await;
    eprintln!(
        "[e2e] {name}: {} in {:.2?}",
        if outcome.is_ok() { "passed" } else { "FAILED" },
        suite.started.elapsed()
    );
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("{name}: {err}"),
        }
    }
}

/// One person's browser.
pub struct Browser {
    pub client: Client,
    base: String,
    pub person: String,
    pub viewport: Viewport,
}

impl Browser {
    /// Opens a path on dyad (or a full URL) and waits until the page has loaded.
    pub async fn open(&self, path_or_url: &str) {
        let url = if path_or_url.starts_with("http") || path_or_url.starts_with("data:") {
            path_or_url.to_string()
        } else {
            format!("{}{}", self.base, path_or_url)
        };
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("{}: open {url}: {e}", self.person));
        self.wait_loaded().await;
    }

    /// The path of the page shown now.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("current url")
            .path()
            .to_string()
    }

    pub async fn assert_path(&self, expected: &str) {
        let path = self.path().await;
        assert_eq!(
            path,
            expected,
            "{} is on {path}, expected {expected}; the page says:\n{}",
            self.person,
            self.main_text().await
        );
    }

    /// Marks the current document, so that [`Browser::wait_new_page`] knows when it was
    /// replaced (also when a form posts back to the same address).
    pub async fn mark_page(&self) {
        self.client
            .execute("window.__dyadE2eOld = true; return null;", vec![])
            .await
            .expect("mark the page");
    }

    /// Waits until a marked page was replaced by a new one that finished loading.
    pub async fn wait_new_page(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = self
                .client
                .execute(
                    "return window.__dyadE2eOld === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(ready, Ok(Value::Bool(true))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: no new page after {WAIT:?} (still on {})",
                self.person,
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    async fn wait_loaded(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = self
                .client
                .execute("return document.readyState === 'complete';", vec![])
                .await;
            if matches!(ready, Ok(Value::Bool(true))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: page did not load",
                self.person
            );
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(e) => panic!(
                "{}: no element `{css}` on {}: {e}\n{}",
                self.person,
                self.path().await,
                self.main_text().await
            ),
        }
    }

    /// Types into a field (clearing it first).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("{}: type into `{css}`: {e}", self.person));
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: click `{css}`: {e}", self.person));
    }

    /// Clicks something that loads a new page (a link, a submit button) and waits for it.
    pub async fn click_through(&self, css: &str) {
        self.mark_page().await;
        self.click(css).await;
        self.wait_new_page().await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// What the page says in its `<main>` (or the whole body when it has none).
    pub async fn main_text(&self) -> String {
        let text = self
            .client
            .execute(
                "const m = document.querySelector('main') || document.body; \
                 return document.title + '\\n' + (m ? m.innerText : '');",
                vec![],
            )
            .await;
        match text {
            Ok(Value::String(text)) => text,
            other => format!("(no text: {other:?})"),
        }
    }

    pub async fn html_lang(&self) -> String {
        self.client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .expect("read lang")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Runs the axe-core audit on the page shown now and fails on serious or critical
    /// findings.
    pub async fn audit(&self, page: &str) {
        let name = format!("{} {page}", self.person);
        crate::a11y::assert_no_serious_a11y(&self.client, &name).await;
    }

    /// Saves what the screen shows to `target/screenshots/<viewport>-<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        // The PNG header holds width and height: the picture must be the person's screen.
        let size = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
        assert!(png.len() > 24, "a PNG screenshot");
        assert_eq!(
            (size(16), size(20)),
            self.viewport.size(),
            "the {} screenshot is the size of the {} screen",
            name,
            self.viewport.label()
        );
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let file = dir.join(format!("{}-{name}.png", self.viewport.label()));
        std::fs::write(&file, png).expect("write screenshot");
        eprintln!("[e2e] screenshot {}", file.display());
    }
}

/// `target/screenshots`, beside the folder cargo gives integration tests.
pub fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("screenshots")
}

/// A TOTP code as an authenticator app shows it now (SHA-1, 6 digits, 30 s).
pub fn totp_now(secret_base32: &str) -> String {
    let secret = totp_rs::Secret::Encoded(secret_base32.trim().to_string())
        .to_bytes()
        .expect("base32 secret");
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    totp.generate(now)
}
