//! `spawn_app()`: dyad on a free port with a fresh database, a manual clock and the
//! mail outbox in a temp folder.

use std::path::PathBuf;
use std::sync::Arc;

use dyad::Settings;
use dyad_core::time::{Clock, ManualClock};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct TestApp {
    pub base: String,
    pub _dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub settings: Settings,
    pub admin_email: String,
    pub admin_password: String,
    pub state: dyad_web::AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut settings = Settings {
        listen: addr.to_string(),
        data_dir: dir.path().join("data"),
        ..Settings::default()
    };
    adjust(&mut settings);
    settings.validate().unwrap();
    let clock = Arc::new(ManualClock::new(jiff::Timestamp::now()));
    let opened = dyad::open(&settings, clock.as_ref()).await.unwrap();
    let (admin_email, admin_password) = opened
        .first_start
        .admin
        .clone()
        .expect("first start creates an admin");
    let state = dyad::app_state(&settings, &opened, clock.clone() as Arc<dyn Clock>).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(dyad::serve(state.clone(), listener, async move {
        let _ = rx.await;
    }));
    TestApp {
        base: format!("http://{addr}"),
        _dir: dir,
        clock,
        settings,
        admin_email,
        admin_password,
        state,
        shutdown: Some(tx),
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A plain API client without cookies.
pub fn api() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn totp_code(secret_base32: &str, at_secs: i64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    );
    totp.generate(at_secs as u64)
}

impl TestApp {
    /// Another instance of the same installation (same database, key, mail outbox and
    /// clock), on its own port, as a second app server behind a load balancer would be.
    pub async fn second_instance(&self) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let opened = dyad::open(&self.settings, self.clock.as_ref())
            .await
            .unwrap();
        let state = dyad::app_state(
            &self.settings,
            &opened,
            self.clock.clone() as Arc<dyn Clock>,
        )
        .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(dyad::serve(state.clone(), listener, async move {
            let _ = rx.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            _dir: tempfile::tempdir().unwrap(),
            clock: self.clock.clone(),
            settings: self.settings.clone(),
            admin_email: self.admin_email.clone(),
            admin_password: self.admin_password.clone(),
            state,
            shutdown: Some(tx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn now_secs(&self) -> i64 {
        self.clock.now().as_second()
    }

    pub fn clock_now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance(jiff::SignedDuration::from_secs(secs));
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
        totp: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut body = json!({"email": email, "password": password});
        if let Some(code) = totp {
            body["totp"] = json!(code);
        }
        let r = client
            .post(self.url("/api/v1/auth/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_bearer(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = api()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_bearer(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = api()
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub fn outbox(&self) -> PathBuf {
        self.settings.outbox_dir()
    }

    /// The newest mail to `to`, as raw text.
    pub fn last_mail_to(&self, to: &str) -> Option<String> {
        let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(self.outbox())
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                let modified = e.metadata().ok()?.modified().ok()?;
                Some((modified, text))
            })
            .filter(|(_, text)| text.contains(&format!("To: {to}")))
            .collect();
        mails.sort_by_key(|(m, _)| *m);
        mails.pop().map(|(_, t)| t)
    }

    /// The token at the end of a link `<base>/<prefix>/<token>` in a mail.
    pub fn link_token(&self, mail: &str, prefix: &str) -> String {
        let marker = format!("{}/{prefix}/", self.base);
        let start = mail.find(&marker).expect("link in mail") + marker.len();
        mail[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// Signs in as the first admin, changes the one-time password and enrols TOTP.
    /// Returns (bearer token of a full session, new password, TOTP secret).
    pub async fn ready_admin(&self) -> (String, String, String) {
        let client = api();
        let (status, body) = self
            .login(&client, &self.admin_email, &self.admin_password, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["token"].as_str().unwrap().to_string();
        let new_password = "a calm and long admin passphrase".to_string();
        let (status, body) = self
            .post_bearer(
                &token,
                "/api/v1/me/password",
                json!({"current_password": self.admin_password, "new_password": new_password}),
            )
            .await;
        assert!(status.is_success(), "{status} {body}");
        let (status, body) = self
            .post_bearer(&token, "/api/v1/me/totp/enrol", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let secret = body["secret"].as_str().unwrap().to_string();
        let code = totp_code(&secret, self.now_secs());
        let (status, body) = self
            .post_bearer(&token, "/api/v1/me/totp/confirm", json!({"code": code}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // A code may be used once: step the clock so the next sign-in has a fresh one.
        self.advance_secs(31);
        let code = totp_code(&secret, self.now_secs());
        let (status, body) = self
            .login(&client, &self.admin_email, &new_password, Some(&code))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["required"], json!([]));
        (
            body["token"].as_str().unwrap().to_string(),
            new_password,
            secret,
        )
    }

    /// Creates a staff member through the API and completes the mailed set-up link.
    pub async fn make_staff(
        &self,
        admin_token: &str,
        name: &str,
        email: &str,
        roles: &[&str],
        password: &str,
    ) -> String {
        let (status, body) = self
            .post_bearer(
                admin_token,
                "/api/v1/staff",
                json!({"name": name, "email": email, "roles": roles}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let mail = self.last_mail_to(email).expect("set-up mail");
        let token = self.link_token(&mail, "setup");
        let r = api()
            .post(self.url(&format!("/api/v1/setup/{token}")))
            .json(&json!({"password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        body["id"].as_str().unwrap().to_string()
    }
}

impl TestApp {
    /// A staff member with a full session: created by the admin, set up from the mailed
    /// link, TOTP enrolled. Returns (user id, bearer token).
    pub async fn staff_session(
        &self,
        admin_token: &str,
        name: &str,
        email: &str,
        roles: &[&str],
    ) -> (String, String) {
        let password = "a staff member's long passphrase";
        let id = self
            .make_staff(admin_token, name, email, roles, password)
            .await;
        let (status, body) = self.login(&api(), email, password, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let pending = body["token"].as_str().unwrap().to_string();
        let (_, enrol) = self
            .post_bearer(&pending, "/api/v1/me/totp/enrol", json!({}))
            .await;
        let secret = enrol["secret"].as_str().unwrap().to_string();
        let (status, body) = self
            .post_bearer(
                &pending,
                "/api/v1/me/totp/confirm",
                json!({"code": totp_code(&secret, self.now_secs())}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Codes are single-use per time step; the next sign-in needs the next step.
        self.advance_secs(31);
        let code = totp_code(&secret, self.now_secs());
        let (status, body) = self.login(&api(), email, password, Some(&code)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (id, body["token"].as_str().unwrap().to_string())
    }

    /// A signs up and invites B; both verify/join through the API. Returns the pair.
    pub async fn signed_up_pair(&self, a_email: &str, b_email: &str) -> Pair {
        let (status, body) = self
            .post_json(
                "/api/v1/signup",
                json!({
                    "name": "Alex", "email": a_email, "password": "alex's own long passphrase",
                    "relationship": "couple", "motivation": "We want to talk about what happened last year.",
                    "partner": {"name": "Bo", "email": b_email},
                    "age_confirmed": true, "accept_documents": true
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let duo_id = body["duo_id"].as_str().unwrap().to_string();
        let a_pid = body["participant_id"].as_str().unwrap().to_string();
        let verify = self.link_token(
            &self.last_mail_to(a_email).expect("verification mail"),
            "verify",
        );
        let (status, body) = self
            .post_json(&format!("/api/v1/verify/{verify}"), json!({}))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let invite = self.link_token(
            &self.last_mail_to(b_email).expect("invitation mail"),
            "join",
        );
        let (status, body) = self
            .post_json(
                &format!("/api/v1/invitations/{invite}/accept"),
                json!({"name": "Bo", "password": "bo's very own passphrase", "motivation": "I want us to feel close again.",
                       "age_confirmed": true, "accept_documents": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let b_pid = body["participant_id"].as_str().unwrap().to_string();
        let (status, a) = self
            .login(&api(), a_email, "alex's own long passphrase", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{a}");
        assert_eq!(a["required"], json!([]), "{a}");
        let (status, b) = self
            .login(&api(), b_email, "bo's very own passphrase", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{b}");
        Pair {
            duo_id,
            a_pid,
            b_pid,
            a_token: a["token"].as_str().unwrap().to_string(),
            b_token: b["token"].as_str().unwrap().to_string(),
        }
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = api().post(self.url(path)).json(&body).send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn patch_bearer(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = api()
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn put_bearer(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = api()
            .put(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Every response body text a caller gets for `path`, for leak checks.
    pub async fn raw_bearer(&self, token: &str, path: &str) -> (StatusCode, String) {
        let r = api()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.text().await.unwrap_or_default())
    }
}

/// Two participants of one duo, signed in.
#[derive(Debug, Clone)]
pub struct Pair {
    pub duo_id: String,
    pub a_pid: String,
    pub b_pid: String,
    pub a_token: String,
    pub b_token: String,
}

// ---------------------------------------------------------------- pages as a browser uses them

/// The text between `start` and the next `end` in `s` (fails the test when absent).
pub fn between(s: &str, start: &str, end: &str) -> String {
    let i = s
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found in {s}"))
        + start.len();
    let j = s[i..].find(end).unwrap() + i;
    s[i..j].to_string()
}

/// The value of the hidden field `name` in a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    between(html, &format!("name=\"{name}\" value=\""), "\"")
}

/// GETs a page; answers the status and the body.
pub async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// Answers the status and the redirect target, or the body when there is none.
pub async fn status_and_target(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// GETs a page; answers the status and the redirect target or the body.
pub async fn get_or_location(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
) -> (StatusCode, String) {
    status_and_target(client.get(app.url(path)).send().await.unwrap()).await
}

/// Posts a form; answers the status and the redirect target or the page.
pub async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    status_and_target(client.post(app.url(path)).form(form).send().await.unwrap()).await
}

/// The session's synchronizer token, read from a page that carries a form.
pub async fn csrf(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let (status, page) = get(client, app, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {page}");
    hidden_value(&page, "csrf")
}
