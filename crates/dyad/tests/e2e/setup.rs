//! Set-up over the JSON API for journeys that start later in the pathway: the first
//! admin, staff set up from their mailed links, a pair signed up with both intakes
//! submitted, and a care team assigned. The pages of these steps have their own journeys.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Browser, Dyad, totp_now};

pub const STAFF_PASSWORD: &str = "a staff member's long passphrase";
pub const ALEX_PASSWORD: &str = "alex's own long passphrase";
pub const BO_PASSWORD: &str = "bo's very own passphrase";

/// The JSON API of the running dyad, with bearer tokens.
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(app: &Dyad) -> Api {
        Api {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            base: app.base.clone(),
        }
    }

    pub async fn call(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if method != Method::GET {
            request = request.json(&body);
        }
        let response = request.send().await.expect("dyad answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A call that must succeed; answers the body.
    pub async fn ok(&self, method: Method, token: Option<&str>, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(method.clone(), token, path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .ok(
                Method::POST,
                None,
                "/api/v1/auth/login",
                json!({"email": email, "password": password}),
            )
            .await;
        body["token"].as_str().expect("token").to_string()
    }

    /// Enrols the authenticator app for a signed-in account; answers the secret and the
    /// recovery codes.
    pub async fn enrol_totp(&self, token: &str) -> (String, Vec<String>) {
        let enrol = self
            .ok(
                Method::POST,
                Some(token),
                "/api/v1/me/totp/enrol",
                json!({}),
            )
            .await;
        let secret = enrol["secret"].as_str().expect("secret");
        let codes = self
            .ok(
                Method::POST,
                Some(token),
                "/api/v1/me/totp/confirm",
                json!({"code": totp_now(secret)}),
            )
            .await;
        let codes = codes["recovery_codes"]
            .as_array()
            .expect("recovery codes")
            .iter()
            .map(|c| c.as_str().unwrap_or_default().to_string())
            .collect();
        (secret.to_string(), codes)
    }
}

/// A staff member set up from the mailed link: id, bearer token and recovery codes (the
/// browser signs in with one, as a TOTP code may be used once only).
pub struct Staff {
    pub id: String,
    pub email: String,
    pub token: String,
    pub recovery: Vec<String>,
    /// The authenticator secret; a code may be used once per 30-second step.
    pub totp_secret: String,
    /// The step whose code the enrolment used.
    pub enrolled_step: u64,
}

fn totp_step() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        / 30
}

impl Staff {
    /// A code the authenticator shows once the enrolment's step has passed (each code is
    /// accepted once), waiting for the next step when needed.
    pub async fn fresh_totp(&self) -> String {
        while totp_step() <= self.enrolled_step {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        totp_now(&self.totp_secret)
    }
}

pub async fn staff(api: &Api, app: &Dyad, admin: &str, name: &str, roles: &[&str]) -> Staff {
    let email = format!("{}@clinic.example", name.to_lowercase());
    let created = api
        .ok(
            Method::POST,
            Some(admin),
            "/api/v1/staff",
            json!({"name": name, "email": email, "roles": roles}),
        )
        .await;
    let link = app.link_in(&app.newest_mail_to(&email), "/setup/");
    let token = link.rsplit('/').next().unwrap_or_default();
    api.ok(
        Method::POST,
        None,
        &format!("/api/v1/setup/{token}"),
        json!({"password": STAFF_PASSWORD}),
    )
    .await;
    let bearer = api.login(&email, STAFF_PASSWORD).await;
    let enrolled_step = totp_step();
    let (totp_secret, recovery) = api.enrol_totp(&bearer).await;
    Staff {
        id: created["id"].as_str().expect("staff id").to_string(),
        email,
        token: bearer,
        recovery,
        totp_secret,
        enrolled_step,
    }
}

pub fn intake_answers(medications: Value) -> Value {
    json!({
        "sex": "female", "date_of_birth": "1990-04-12", "weight_kg": 64,
        "pregnant": "no", "breastfeeding": "no",
        "conditions": [], "mental_health_care_now": "no", "psychiatric_admission_ever": "no",
        "medications": medications, "substances": [],
        "phq9": [1, 1, 0, 2, 1, 0, 1, 0, 0], "gad7": [1, 2, 1, 0, 1, 1, 0],
        "pcl5": [0, 1, 1, 0, 2, 1, 0, 0, 1, 1, 0, 0, 1, 2, 0, 1, 0, 1, 0, 0],
        "auditc": [2, 1, 0],
        "self_harm": {"thoughts_past_month": false, "plan_past_month": false, "attempt_past_year": false, "attempt_ever": false},
        "relationship": {"conflict": 2, "trust": 4, "safety": 5, "equality": 4, "pressured": false, "afraid_of_partner": false, "controlled": false},
        "motivation": {"own": "To understand each other again", "mainly_for_partner": 1},
        "intention": "To listen better", "goals": "Feel closer"
    })
}

/// A pair with both intakes submitted and a team of a coordinator (Noor), a clinician
/// (Mira) and two facilitators (Sam, Kim); the screening decision is still to be made.
pub struct Care {
    pub api: Api,
    pub admin: String,
    pub mira: Staff,
    pub sam: Staff,
    pub kim: Staff,
    pub duo: String,
    pub alex_id: String,
    pub bo_id: String,
    pub alex: String,
    pub bo: String,
}

pub async fn pair_with_team(app: &Dyad) -> Care {
    let api = Api::new(app);
    // The first admin: one-time password, own password, authenticator.
    let admin = api.login(&app.admin_email, &app.admin_password).await;
    api.ok(
        Method::POST,
        Some(&admin),
        "/api/v1/me/password",
        json!({"current_password": app.admin_password, "new_password": "a calm and long admin passphrase"}),
    )
    .await;
    api.enrol_totp(&admin).await;
    let noor = staff(&api, app, &admin, "Noor", &["coordinator"]).await;
    let mira = staff(&api, app, &admin, "Mira", &["clinician"]).await;
    let sam = staff(&api, app, &admin, "Sam", &["facilitator"]).await;
    let kim = staff(&api, app, &admin, "Kim", &["facilitator"]).await;

    // Alex signs up and invites Bo; Bo joins from the mailed link.
    let signed_up = api
        .ok(
            Method::POST,
            None,
            "/api/v1/signup",
            json!({
                "name": "Alex", "email": "alex@example.org", "password": ALEX_PASSWORD,
                "relationship": "couple", "motivation": "We want to talk about last year.",
                "partner": {"name": "Bo", "email": "bo@example.org"},
                "age_confirmed": true, "accept_documents": true
            }),
        )
        .await;
    let duo = signed_up["duo_id"].as_str().expect("duo").to_string();
    let alex_id = signed_up["participant_id"]
        .as_str()
        .expect("pid")
        .to_string();
    let verify = app.link_in(&app.newest_mail_to("alex@example.org"), "/verify/");
    api.ok(
        Method::POST,
        None,
        &format!(
            "/api/v1/verify/{}",
            verify.rsplit('/').next().unwrap_or_default()
        ),
        json!({}),
    )
    .await;
    let join = app.link_in(&app.newest_mail_to("bo@example.org"), "/join/");
    let joined = api
        .ok(
            Method::POST,
            None,
            &format!(
                "/api/v1/invitations/{}/accept",
                join.rsplit('/').next().unwrap_or_default()
            ),
            json!({"name": "Bo", "password": BO_PASSWORD, "motivation": "To feel close again.",
                   "age_confirmed": true, "accept_documents": true}),
        )
        .await;
    let bo_id = joined["participant_id"].as_str().expect("pid").to_string();
    let alex = api.login("alex@example.org", ALEX_PASSWORD).await;
    let bo = api.login("bo@example.org", BO_PASSWORD).await;

    api.ok(
        Method::PUT,
        Some(&noor.token),
        &format!("/api/v1/duos/{duo}/team"),
        json!({"members": [
            {"user_id": mira.id, "role": "clinician"},
            {"user_id": sam.id, "role": "facilitator"},
            {"user_id": kim.id, "role": "facilitator"}
        ]}),
    )
    .await;
    for (token, meds) in [
        (&alex, json!([{"name": "sertraline", "dose": "50 mg"}])),
        (&bo, json!([])),
    ] {
        api.ok(
            Method::PUT,
            Some(token),
            "/api/v1/me/intake",
            json!({"answers": intake_answers(meds)}),
        )
        .await;
        api.ok(
            Method::POST,
            Some(token),
            "/api/v1/me/intake/submit",
            json!({}),
        )
        .await;
    }
    Care {
        api,
        admin,
        mira,
        sam,
        kim,
        duo,
        alex_id,
        bo_id,
        alex,
        bo,
    }
}

/// Signs a person in through the login page; staff give an authenticator or recovery code.
pub async fn sign_in(browser: &Browser, email: &str, password: &str, code: Option<&str>) {
    browser.open("/login").await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    if let Some(code) = code {
        browser.fill("#totp", code).await;
    }
    browser
        .click_through("form[action='/login'] button[type=submit]")
        .await;
}
