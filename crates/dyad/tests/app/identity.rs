//! Identity: the first admin's journey, staff set-up links, TOTP, sessions, CSRF,
//! throttling and the audit trail.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{api, browser, spawn_app, spawn_app_with, totp_code};

#[tokio::test]
async fn admin_sets_up_and_creates_a_clinician_who_signs_in_with_totp() {
    let app = spawn_app().await;
    let client = api();

    // The one-time password works, but opens only the set-up steps.
    let (status, body) = app
        .login(&client, &app.admin_email, &app.admin_password, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["required"], json!(["change_password", "enrol_totp"]));
    assert_eq!(body["user"]["role"], "admin");
    let pending = body["token"].as_str().unwrap().to_string();
    let (status, body) = app.get_bearer(&pending, "/api/v1/staff").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "steps_required");
    let (status, me) = app.get_bearer(&pending, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["required"], json!(["change_password", "enrol_totp"]));

    let (admin, _, _) = app.ready_admin().await;
    let (status, _) = app.get_bearer(&admin, "/api/v1/staff").await;
    assert_eq!(status, StatusCode::OK);

    // The admin creates a clinician; a set-up link goes out by mail.
    let (status, body) = app
        .post_bearer(&admin, "/api/v1/staff", json!({"name": "Dr. Mira Jansen", "email": "mira@clinic.example", "roles": ["clinician"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["roles"], json!(["clinician"]));
    let mail = app
        .last_mail_to("mira@clinic.example")
        .expect("a set-up mail in the outbox");
    assert!(mail.contains(&format!("{}/setup/", app.base)));
    let token = app.link_token(&mail, "setup");
    assert!(token.len() >= 40);

    // The set-up page renders; the link sets the password once.
    let r = api()
        .get(app.url(&format!("/setup/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = api()
        .post(app.url(&format!("/api/v1/setup/{token}")))
        .json(&json!({"password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a weak password is refused and the link survives"
    );
    let r = api()
        .post(app.url(&format!("/api/v1/setup/{token}")))
        .json(&json!({"password": "mira's own long passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = api()
        .post(app.url(&format!("/api/v1/setup/{token}")))
        .json(&json!({"password": "another long passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "the link works once");

    // First sign-in: TOTP must be enrolled before anything else.
    let (status, body) = app
        .login(
            &client,
            "mira@clinic.example",
            "mira's own long passphrase",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["required"], json!(["enrol_totp"]));
    let t = body["token"].as_str().unwrap().to_string();
    let (_, enrol) = app
        .post_bearer(&t, "/api/v1/me/totp/enrol", json!({}))
        .await;
    let secret = enrol["secret"].as_str().unwrap().to_string();
    assert!(
        enrol["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let (status, body) = app
        .post_bearer(&t, "/api/v1/me/totp/confirm", json!({"code": "000000"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .post_bearer(
            &t,
            "/api/v1/me/totp/confirm",
            json!({"code": totp_code(&secret, app.now_secs())}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let recovery: Vec<String> = serde_json::from_value(body["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);

    // From now on every sign-in needs a code.
    app.advance_secs(31);
    let (status, body) = app
        .login(
            &client,
            "mira@clinic.example",
            "mira's own long passphrase",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["required"], json!(["totp"]));
    let code = totp_code(&secret, app.now_secs());
    let (status, body) = app
        .login(
            &client,
            "mira@clinic.example",
            "mira's own long passphrase",
            Some(&code),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["required"], json!([]));
    assert_eq!(body["user"]["role"], "clinician");

    // The same code cannot be replayed.
    let (status, _) = app
        .login(
            &client,
            "mira@clinic.example",
            "mira's own long passphrase",
            Some(&code),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A recovery code works once in place of a code.
    let (status, _) = app
        .login(
            &client,
            "mira@clinic.example",
            "mira's own long passphrase",
            Some(&recovery[0]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .login(
            &client,
            "mira@clinic.example",
            "mira's own long passphrase",
            Some(&recovery[0]),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A clinician may not manage staff or read the audit trail.
    let clinician = body["token"].as_str().unwrap().to_string();
    let (status, _) = app.get_bearer(&clinician, "/api/v1/staff").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get_bearer(&clinician, "/api/v1/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The audit trail holds the story and its chain verifies.
    let (status, rows) = app
        .get_bearer(&admin, "/api/v1/audit?action=create_staff")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let (_, denied) = app.get_bearer(&admin, "/api/v1/audit?action=read").await;
    assert!(
        denied
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["outcome"] == "deny"),
        "refusals are recorded: {denied}"
    );
    let report = dyad_store::audit::verify(&app.state.db).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(report.records >= 5);
}

#[tokio::test]
async fn role_changes_and_deactivation_are_audited_and_take_effect() {
    let app = spawn_app().await;
    let (admin, _, _) = app.ready_admin().await;
    let id = app
        .make_staff(
            &admin,
            "Sam Facilitator",
            "sam@clinic.example",
            &["facilitator"],
            "sam's long passphrase!",
        )
        .await;
    let r = api()
        .patch(app.url(&format!("/api/v1/staff/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"roles": ["facilitator", "coordinator"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["roles"], json!(["facilitator", "coordinator"]));
    let r = api()
        .patch(app.url(&format!("/api/v1/staff/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"roles": ["participant"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "staff never become participants"
    );

    let (status, body) = app
        .login(&api(), "sam@clinic.example", "sam's long passphrase!", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sam = body["token"].as_str().unwrap().to_string();
    let r = api()
        .patch(app.url(&format!("/api/v1/staff/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (status, _) = app.get_bearer(&sam, "/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "deactivation ends sessions"
    );
    let (status, _) = app
        .login(&api(), "sam@clinic.example", "sam's long passphrase!", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (_, rows) = app
        .get_bearer(&admin, &format!("/api/v1/audit?subject={id}"))
        .await;
    let actions: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"change_roles"), "{actions:?}");
    assert!(actions.contains(&"deactivate"), "{actions:?}");
    let roles_row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "change_roles")
        .unwrap();
    assert_eq!(
        roles_row["reason"],
        "from=facilitator to=facilitator,coordinator"
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_without_revealing_accounts() {
    let app = spawn_app().await;
    let client = api();
    let (s1, unknown) = app
        .login(&client, "nobody@nowhere.example", "whatever password", None)
        .await;
    let (s2, wrong) = app
        .login(&client, &app.admin_email, "wrong password here", None)
        .await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown["detail"], wrong["detail"],
        "the same answer for unknown emails and wrong passwords"
    );
    assert_eq!(unknown["code"], wrong["code"]);
    // A few more failures and the account is held back, even with the right password.
    for _ in 0..3 {
        app.login(&client, &app.admin_email, "wrong password here", None)
            .await;
    }
    let (status, body) = app
        .login(&client, &app.admin_email, &app.admin_password, None)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "rate_limited");
    // The delay passes with time.
    app.advance_secs(20);
    let (status, _) = app
        .login(&client, &app.admin_email, &app.admin_password, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_renew_at_sign_in() {
    let app = spawn_app().await;
    let b = browser();
    let (status, first) = app
        .login(&b, &app.admin_email, &app.admin_password, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let first_token = first["token"].as_str().unwrap().to_string();
    // Signing in again from the same browser replaces the session.
    let (_, second) = app
        .login(&b, &app.admin_email, &app.admin_password, None)
        .await;
    let second_token = second["token"].as_str().unwrap().to_string();
    assert_ne!(first_token, second_token);
    let (status, _) = app.get_bearer(&first_token, "/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old session id is dead"
    );
    let (status, _) = app.get_bearer(&second_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    // Staff sessions end after 30 idle minutes.
    app.advance_secs(29 * 60);
    let (status, _) = app.get_bearer(&second_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    app.advance_secs(29 * 60);
    let (status, _) = app.get_bearer(&second_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "activity moved the idle deadline");
    app.advance_secs(31 * 60);
    let (status, _) = app.get_bearer(&second_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_end_at_their_absolute_lifetime() {
    let app = spawn_app().await;
    let (status, body) = app
        .login(&api(), &app.admin_email, &app.admin_password, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = body["token"].as_str().unwrap().to_string();
    // Keep it busy every 20 minutes for 12 hours: the absolute limit still ends it.
    for _ in 0..36 {
        app.advance_secs(20 * 60);
        app.get_bearer(&token, "/api/v1/me").await;
    }
    let (status, _) = app.get_bearer(&token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session() {
    let app = spawn_app().await;
    let (_, a) = app
        .login(&api(), &app.admin_email, &app.admin_password, None)
        .await;
    let (_, b) = app
        .login(&api(), &app.admin_email, &app.admin_password, None)
        .await;
    let a = a["token"].as_str().unwrap().to_string();
    let b = b["token"].as_str().unwrap().to_string();
    let (status, _) = app
        .post_bearer(&a, "/api/v1/auth/logout-everywhere", json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_bearer(&a, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_bearer(&b, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn session_cookie_flags() {
    let app = spawn_app().await;
    let r = api()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": app.admin_email, "password": app.admin_password}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("dyad_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Strict"));
    assert!(cookie.contains("Path=/"));
    assert!(!cookie.contains("Secure"), "plain-http localhost only");
    // Behind https the cookie is Secure and host-bound.
    let app = spawn_app_with(|s| s.base_url = Some("https://dyad.example.org".into())).await;
    let r = api()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": app.admin_email, "password": app.admin_password}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-dyad="));
    assert!(cookie.contains("; Secure"));
}

#[tokio::test]
async fn cookie_authenticated_changes_need_the_csrf_token() {
    let app = spawn_app().await;
    let b = browser();
    let (status, _) = app
        .login(&b, &app.admin_email, &app.admin_password, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let me: Value = b
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let change = json!({"current_password": app.admin_password, "new_password": "a brand new long passphrase"});

    // No token: refused.
    let r = b
        .post(app.url("/api/v1/me/password"))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A wrong token: refused.
    let r = b
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", "forged")
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The right token but another site's origin: refused.
    let r = b
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.example")
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A page form without the hidden field: refused.
    let r = b
        .post(app.url("/account/password"))
        .form(&[
            ("current_password", app.admin_password.as_str()),
            ("new_password", "a brand new long passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nothing changed: the old password still works.
    let (status, _) = app
        .login(&api(), &app.admin_email, &app.admin_password, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // With the token and our own origin: done.
    let r = b
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .header("origin", &app.base)
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn pages_walk_the_admin_through_set_up() {
    let app = spawn_app().await;
    let b = browser();
    let page = b
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"email\""));
    let r = b
        .post(app.url("/login"))
        .form(&[
            ("email", app.admin_email.as_str()),
            ("password", "wrong wrong wrong"),
            ("next", "/home"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("not right"));
    let r = b
        .post(app.url("/login"))
        .form(&[
            ("email", app.admin_email.as_str()),
            ("password", app.admin_password.as_str()),
            ("next", "/home"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/account/steps");
    // Every page sends the new admin to the password change first.
    let r = b.get(app.url("/home")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/account/steps");
    let r = b.get(app.url("/account/steps")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/account");
    let account = b
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&account, "csrf");
    let r = b
        .post(app.url("/account/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", app.admin_password.as_str()),
            ("new_password", "my own admin passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/account/totp");
    let totp_page = b
        .get(app.url("/account/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        totp_page.contains("data:image/svg+xml;base64,"),
        "QR code rendered by the server"
    );
    let secret = between(&totp_page, "id=\"totp-secret\">", "<");
    let r = b
        .post(app.url("/account/totp"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", totp_code(&secret, app.now_secs()).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let codes_page = r.text().await.unwrap();
    assert!(codes_page.contains("id=\"recovery-codes\""));
    let r = b.get(app.url("/home")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let staff_page = b.get(app.url("/admin/staff")).send().await.unwrap();
    assert_eq!(staff_page.status(), StatusCode::OK);
    // Create a staff member through the form (checkbox roles).
    let r = b
        .post(app.url("/admin/staff"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Noor Coordinator"),
            ("email", "noor@clinic.example"),
            ("roles", "coordinator"),
            ("roles", "facilitator"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Noor Coordinator"));
    assert!(app.last_mail_to("noor@clinic.example").is_some());
    // Bad input keeps what was typed and says what is wrong.
    let r = b
        .post(app.url("/admin/staff"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Kim"),
            ("email", "not-an-email"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Kim\""));
    assert!(html.contains("Choose at least one role."));
    let audit = b.get(app.url("/admin/audit")).send().await.unwrap();
    assert_eq!(audit.status(), StatusCode::OK);
    assert!(audit.text().await.unwrap().contains("create_staff"));
}

fn hidden_value(html: &str, name: &str) -> String {
    between(html, &format!("name=\"{name}\" value=\""), "\"")
}

fn between(s: &str, start: &str, end: &str) -> String {
    let i = s.find(start).unwrap_or_else(|| panic!("{start} not found")) + start.len();
    let j = s[i..].find(end).unwrap() + i;
    s[i..j].to_string()
}
