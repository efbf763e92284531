//! Foundation: pages render, headers are set, errors are problem documents, health and
//! readiness answer, metrics stay private, the OpenAPI document is served, and a
//! mistyped database URL is refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{api, spawn_app, spawn_app_with};

#[tokio::test]
async fn home_page_renders_with_security_headers() {
    let app = spawn_app().await;
    let r = api().get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.contains_key("x-operation-id"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("/static/dyad.css"));
    assert!(!html.contains("http://cdn"), "nothing from a CDN");
}

#[tokio::test]
async fn api_answers_carry_the_same_headers() {
    let app = spawn_app().await;
    let r = api().get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn bad_requests_get_problem_json() {
    let app = spawn_app().await;
    // Malformed JSON.
    let r = api()
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], 400);
    assert_eq!(p["code"], "bad_request");
    assert!(p["type"].as_str().unwrap().starts_with("urn:dyad:problem:"));
    assert!(p["title"].is_string() && p["detail"].is_string());
    assert!(!p["operation_id"].as_str().unwrap().is_empty());
    // Well-formed JSON of the wrong shape is a validation error with fields.
    let r = api()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "invalid_input");
    assert!(p["errors"].as_array().is_some_and(|e| !e.is_empty()));
}

#[tokio::test]
async fn unknown_pages_get_a_readable_error_page_with_operation_id() {
    let app = spawn_app().await;
    let r = api()
        .get(app.url("/setup/forged-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap();
    assert!(html.contains("This link does not work"));
    let r = api().get(app.url("/admin/staff")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn an_unknown_address_gets_a_page_and_an_unknown_api_path_a_problem() {
    let app = spawn_app().await;
    let r = api().get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap();
    assert!(html.contains("<main id=\"main\""), "{html}");
    assert!(html.contains("Back to the start page"));
    let r = api()
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let big = "x".repeat(300 * 1024);
    let r = api()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": big, "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = api().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = api().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn metrics_need_the_token() {
    let app = spawn_app().await;
    let r = api().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "no token configured: not served"
    );
    let app =
        spawn_app_with(|s| s.metrics_token = dyad::config::Secret(Some("metrics-secret".into())))
            .await;
    api().get(app.url("/")).send().await.unwrap();
    let r = api().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = api()
        .get(app.url("/metrics"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = api()
        .get(app.url("/metrics"))
        .bearer_auth("metrics-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.contains("dyad_http_requests_total"), "{text}");
    assert!(!text.contains("@"), "no emails in metrics");
}

#[tokio::test]
async fn openapi_document_is_served_and_complete() {
    let app = spawn_app().await;
    let r = api()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/staff",
        "/api/v1/setup/{token}",
        "/api/v1/audit",
        "/api/v1/me/totp/enrol",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    // A field the API answers with `null` must say so (schemathesis checks every answer).
    let answers = &doc["components"]["schemas"]["StaffIntake"]["properties"]["answers"];
    assert!(
        answers.to_string().contains("null"),
        "the team's intake view answers null before anything is submitted: {answers}"
    );
}

#[tokio::test]
async fn language_follows_choice_and_browser() {
    let app = spawn_app().await;
    let r = api()
        .get(app.url("/"))
        .header("accept-language", "nl-NL,nl;q=0.9")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"nl\">"));
    let r = api().get(app.url("/lang/nl")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("dyad_lang=nl")
    );
}

#[tokio::test]
async fn a_mistyped_sqlite_url_is_refused_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("dayd.db");
    let settings = dyad::Settings {
        data_dir: dir.path().join("data"),
        database_url: Some(format!("sqlite://{}", missing.display())),
        ..dyad::Settings::default()
    };
    let clock = dyad::SystemClock;
    let err = match dyad::open(&settings, &clock).await {
        Ok(_) => panic!("a missing database file must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("does not exist"), "{err}");
    assert!(!missing.exists(), "no empty database was created");
    let bad_scheme = dyad::Settings {
        database_url: Some("sqlit://x.db".into()),
        ..dyad::Settings::default()
    };
    assert!(bad_scheme.validate().is_err());
}

#[tokio::test]
async fn first_start_creates_a_private_key_file_and_one_admin() {
    let app = spawn_app().await;
    let key = app.settings.master_key_path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(app.admin_password.len(), 19);
    // A second start finds the admin and creates nobody.
    let again = dyad::open(&app.settings, &dyad::SystemClock).await.unwrap();
    assert!(again.first_start.admin.is_none());
    assert!(!again.first_start.created_master_key);
}
