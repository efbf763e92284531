//! Retention over HTTP with the manual clock: the admin reads and changes the periods, the
//! daily run removes what is due (and only that), leaves a report and an audit record, and
//! runs once per day however many workers ask.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, spawn_app, totp_code};

const DAY: i64 = 24 * 3600;

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind.to_string())
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// A fresh admin session (the earlier one has expired after the clock moved on).
async fn admin_again(app: &TestApp, password: &str, secret: &str) -> String {
    app.advance_secs(31);
    let code = totp_code(secret, app.now_secs());
    let (status, body) = app
        .login(&api(), &app.admin_email, password, Some(&code))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

/// Runs the day's retention (or waits for the background worker that got there first).
async fn run_today(app: &TestApp) {
    let day = dyad_core::retention::due_day(app.clock_now().as_microsecond());
    dyad_web::jobs::run_due(&app.state, "w-test").await.unwrap();
    for _ in 0..100 {
        let reports = dyad_store::retention::reports(&app.state.db, 1)
            .await
            .unwrap();
        if reports.first().is_some_and(|r| r.day == day) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no retention report for day {day}");
}

fn kind<'a>(report: &'a Value, kind: &str) -> &'a Value {
    report["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap_or_else(|| panic!("{kind} missing from {report}"))
}

async fn journal(app: &TestApp, token: &str, text: &str) {
    let (status, body) = app
        .post_bearer(
            token,
            "/api/v1/me/journal",
            json!({"text": text, "tag": "mine", "share": {"partner": false, "team": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn the_daily_run_removes_what_is_due_reports_it_and_runs_once() {
    let app = spawn_app().await;
    let (admin, password, secret) = app.ready_admin().await;

    // The shipped periods, each a practice setting to confirm.
    let (status, view) = app.get_bearer(&admin, "/api/v1/retention").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let rules = view["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 6);
    for r in rules {
        assert_eq!(r["days"], r["default_days"], "{r}");
        assert!(r["basis"].as_str().unwrap().contains("confirm"), "{r}");
    }

    // Two duos: one ends (withdrawn), one carries on.
    let ended = app
        .signed_up_pair("ada@example.org", "bo@example.org")
        .await;
    let going = app.signed_up_pair("cy@example.org", "di@example.org").await;
    journal(&app, &ended.a_token, "RETAIN-CANARY ended one").await;
    journal(&app, &ended.b_token, "RETAIN-CANARY ended two").await;
    journal(&app, &going.a_token, "RETAIN-CANARY going").await;
    for token in [&ended.a_token, &going.a_token] {
        let (status, body) = app
            .post_bearer(token, "/api/v1/me/messages", json!({"text": "hello team"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let now_micros = app.clock_now().as_microsecond();
    for (id, duo, pid) in [
        ("ci-ended", &ended.duo_id, &ended.a_pid),
        ("ci-going", &going.duo_id, &going.a_pid),
    ] {
        sqlx::query("INSERT INTO checkins (id, participant_id, duo_id, session_id, point, instruments, due_at, closes_at, answered_at, answers, created_at) VALUES ($1, $2, $3, 's', 'day_1', '[]', $4, $4, $4, $5, $4)")
            .bind(id)
            .bind(pid)
            .bind(duo)
            .bind(now_micros)
            .bind(b"sealed answers".to_vec())
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    let (status, body) = app
        .post_bearer(
            &ended.a_token,
            &format!("/api/v1/duos/{}/withdraw", ended.duo_id),
            json!({"reason": "moving abroad"}),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");

    // The admin shortens the care-content periods to 30 days; bad input changes nothing.
    for k in ["journal", "messages", "checkin_answers"] {
        let (status, body) = app
            .put_bearer(
                &admin,
                &format!("/api/v1/retention/{k}"),
                json!({"days": 30}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for (path, body, expected) in [
        (
            "/api/v1/retention/journal",
            json!({"days": -1}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/retention/journal",
            json!({"days": 40_000}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/retention/journal",
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/retention/photos",
            json!({"days": 3}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, answer) = app.put_bearer(&admin, path, body).await;
        assert_eq!(status, expected, "{path} {answer}");
    }
    let (status, _) = app
        .put_bearer(
            &going.a_token,
            "/api/v1/retention/journal",
            json!({"days": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get_bearer(&going.a_token, "/api/v1/retention").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, view) = app.get_bearer(&admin, "/api/v1/retention").await;
    let journal_rule = view["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "journal")
        .unwrap();
    assert_eq!(journal_rule["days"], 30);
    assert_eq!(journal_rule["default_days"], 7305);
    assert!(journal_rule["changed_by"].is_string());
    let (_, audit) = app
        .get_bearer(&admin, "/api/v1/audit?action=set_retention")
        .await;
    assert_eq!(audit.as_array().unwrap().len(), 3, "{audit}");

    // Outbox mail files count by the file system's clock: one written 40 days ago goes.
    let outbox = app.outbox();
    std::fs::create_dir_all(&outbox).unwrap();
    let old_mail = outbox.join("old-mail.eml");
    std::fs::write(&old_mail, "Subject: old").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&old_mail)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(40 * DAY as u64))
        .unwrap();
    let mails_before = std::fs::read_dir(&outbox).unwrap().count();

    // A day on: the day's run is due, but nothing has been ended for 30 days yet.
    app.advance_secs(DAY);
    run_today(&app).await;
    let duo_journal = "SELECT COUNT(*) FROM journal_entries WHERE duo_id = $1";
    assert_eq!(count(&app, duo_journal, &ended.duo_id).await, 2);
    assert!(!old_mail.exists(), "a 40-day-old outbox file is removed");
    assert_eq!(
        std::fs::read_dir(&outbox).unwrap().count(),
        mails_before - 1,
        "fresh mail stays"
    );

    // 31 days after the end: two workers ask at once; the run happens once.
    app.advance_secs(30 * DAY);
    let (a, b) = tokio::join!(
        dyad_web::api::retention::run_if_due(&app.state, "w1"),
        dyad_web::api::retention::run_if_due(&app.state, "w2"),
    );
    let ran = [a.unwrap(), b.unwrap()].into_iter().flatten().count();
    assert!(ran <= 1, "one run per day");
    run_today(&app).await;
    assert!(
        dyad_web::api::retention::run_if_due(&app.state, "w3")
            .await
            .unwrap()
            .is_none()
    );
    let runs = "SELECT COUNT(*) FROM retention_runs WHERE claimed_by <> $1";
    assert_eq!(
        count(&app, runs, "").await,
        3,
        "startup, a day on, 31 days on"
    );
    assert_eq!(count(&app, duo_journal, &ended.duo_id).await, 0);
    assert_eq!(count(&app, duo_journal, &going.duo_id).await, 1);
    let messages = "SELECT COUNT(*) FROM messages WHERE participant_id = $1";
    assert_eq!(count(&app, messages, &ended.a_pid).await, 0);
    assert_eq!(count(&app, messages, &going.a_pid).await, 1);
    let answers = "SELECT COUNT(*) FROM checkins WHERE answers IS NOT NULL AND id = $1";
    assert_eq!(count(&app, answers, "ci-ended").await, 0);
    assert_eq!(count(&app, answers, "ci-going").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM checkins WHERE id = $1",
            "ci-ended"
        )
        .await,
        1,
        "the check-in itself stays"
    );

    // The report says what each run did; the audit trail has the counts.
    let admin = admin_again(&app, &password, &secret).await;
    let (status, view) = app.get_bearer(&admin, "/api/v1/retention").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let reports = view["reports"].as_array().unwrap();
    let latest = &reports[0];
    assert_eq!(kind(latest, "journal")["removed"], 2, "{latest}");
    assert_eq!(kind(latest, "journal")["days"], 30);
    assert_eq!(kind(latest, "messages")["removed"], 1);
    assert_eq!(kind(latest, "checkin_answers")["removed"], 1);
    assert_eq!(kind(latest, "mail_outbox")["removed"], 0);
    assert!(
        latest["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["error"].is_null())
    );
    let day_before = &reports[1];
    assert_eq!(kind(day_before, "journal")["removed"], 0, "{day_before}");
    assert_eq!(
        kind(day_before, "mail_outbox")["removed"],
        1,
        "{day_before}"
    );
    assert!(view["next_run_at"].as_str().unwrap() > latest["ran_at"].as_str().unwrap());
    let (_, audit) = app
        .get_bearer(&admin, "/api/v1/audit?action=apply_retention")
        .await;
    let reasons: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("journal=2")
            && r.contains("messages=1")
            && r.contains("checkin_answers=1")),
        "{reasons:?}"
    );
    assert!(reasons.iter().all(|r| !r.contains("RETAIN-CANARY")));
}
