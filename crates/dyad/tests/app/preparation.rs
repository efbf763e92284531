//! Preparation over the API: meetings with calendar invitations and reminders as durable
//! jobs, the agreement signed by both and countersigned, consent withdrawal, readiness.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Pair, TestApp, spawn_app};
use crate::intake::{complete_answers, fill_and_submit, with_team};

const PW: &str = "a staff member's long passphrase";

/// A pair through screening with a `duo` decision; returns (admin, clinician, facilitator).
pub async fn in_preparation(app: &TestApp, pair: &Pair) -> (String, String, String) {
    let (admin, clinician, facilitator) = with_team(app, pair).await;
    fill_and_submit(app, &pair.a_token, complete_answers("P-A")).await;
    let mut b = complete_answers("P-B");
    b["medications"] = json!([]);
    fill_and_submit(app, &pair.b_token, b).await;
    let (status, body) = app
        .post_bearer(&clinician, &format!("/api/v1/duos/{}/screening/decision", pair.duo_id), json!({"format": "duo", "rationale": "Reviewed both intakes and findings.", "password": PW}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (admin, clinician, facilitator)
}

fn full_sections(pair: &Pair) -> Value {
    json!({
        "intentions": {pair.a_pid.clone(): "To listen", pair.b_pid.clone(): "To be honest"},
        "boundaries": "No talk about the old flat.",
        "touch": {pair.a_pid.clone(): {"from_partner": ["hand", "hug"], "from_facilitator": ["shoulder"]}, pair.b_pid.clone(): {"from_partner": ["hand"], "from_facilitator": []}},
        "proximity": "Mattresses a metre apart.",
        "sharing": {pair.a_pid.clone(): "Nothing without asking me", pair.b_pid.clone(): "Nothing"},
        "music": "Quiet music, silence after noon.",
        "time_outs": "A raised hand means a pause.",
        "talking": "Quiet in the morning.",
        "shared_vs_own": "Mostly each in our own process.",
        "difficult_moments": "The facilitator sits with whoever needs it.",
        "afterwards": "We talk the next evening, not before.",
        "confidentiality": "What each says to the team stays with the team."
    })
}

#[tokio::test]
async fn meetings_are_booked_without_double_booking_and_mailed_with_a_calendar() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, _, facilitator) = in_preparation(&app, &pair).await;
    let start = (app.clock_now() + jiff::SignedDuration::from_hours(72)).to_string();
    let path = format!("/api/v1/duos/{}/meetings", pair.duo_id);
    let (status, m) = app.post_bearer(&facilitator, &path, json!({"kind": "preparation", "with": "joint", "starts_at": start, "minutes": 90, "video_url": "https://video.example/room"})).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let mail = app.last_mail_to("bo@example.org").unwrap();
    assert!(mail.contains("text/calendar"), "{mail}");
    assert!(mail.contains("BEGIN:VCALENDAR"));
    // The same facilitator cannot be in two places at once.
    let (status, body) = app
        .post_bearer(
            &facilitator,
            &path,
            json!({"kind": "preparation", "with": pair.a_pid, "starts_at": start, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // Bad input is named.
    let (status, body) = app.post_bearer(&facilitator, &path, json!({"kind": "party", "with": "nobody", "starts_at": "soon", "minutes": 5, "video_url": "http://x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"].as_array().unwrap().len(), 5, "{body}");
    // Participants cannot schedule.
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            &path,
            json!({"kind": "preparation", "with": "joint", "starts_at": start, "minutes": 60})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // An individual meeting is not visible to the partner.
    let later = (app.clock_now() + jiff::SignedDuration::from_hours(100)).to_string();
    let (status, _) = app
        .post_bearer(
            &facilitator,
            &path,
            json!({"kind": "preparation", "with": pair.a_pid, "starts_at": later, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, a_list) = app.get_bearer(&pair.a_token, &path).await;
    let (_, b_list) = app.get_bearer(&pair.b_token, &path).await;
    assert_eq!(a_list.as_array().unwrap().len(), 2);
    assert_eq!(b_list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn reminders_run_once_survive_restarts_and_are_idempotent() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, _, facilitator) = in_preparation(&app, &pair).await;
    let start = (app.clock_now() + jiff::SignedDuration::from_hours(48)).to_string();
    app.post_bearer(
        &facilitator,
        &format!("/api/v1/duos/{}/meetings", pair.duo_id),
        json!({"kind": "preparation", "with": "joint", "starts_at": start, "minutes": 90}),
    )
    .await;
    let reminders = |app: &TestApp| count_mails(app, "bo@example.org", "Reminder");
    // Not due yet.
    assert_eq!(dyad_web::jobs::run_due(&app.state, "w1").await.unwrap(), 0);
    app.advance_secs(25 * 3600);
    // Two workers (as two instances would) race for the same job: it runs once.
    let (a, b) = tokio::join!(
        dyad_web::jobs::run_due(&app.state, "w1"),
        dyad_web::jobs::run_due(&app.state, "w2")
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(reminders(&app), 1);
    // A "restart" (a fresh runner) finds nothing left to do.
    assert_eq!(
        dyad_web::jobs::run_due(&app.state, "after-restart")
            .await
            .unwrap(),
        0
    );
    assert_eq!(reminders(&app), 1);
    let jobs: Vec<_> = dyad_store::jobs::all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.0 == "meeting_reminder")
        .collect();
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].2, "done");
    // Enqueueing the same reminder again is a no-op.
    assert!(
        !dyad_store::jobs::enqueue(&app.state.db, "meeting_reminder", &jobs[0].1, "x", 0, 0)
            .await
            .unwrap()
    );
}

fn count_mails(app: &TestApp, to: &str, subject_word: &str) -> usize {
    std::fs::read_dir(app.outbox())
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter(|t| {
            t.contains(&format!("To: {to}")) && t.contains(&format!("Subject: {subject_word}"))
        })
        .count()
}

#[tokio::test]
async fn the_agreement_takes_both_signatures_and_a_countersign_and_edits_void_them() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, facilitator) = in_preparation(&app, &pair).await;
    let path = format!("/api/v1/duos/{}/agreement", pair.duo_id);
    let (status, empty) = app.get_bearer(&pair.a_token, &path).await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty["version"], 0);
    assert_eq!(empty["in_effect"], false);
    // Unknown touch kinds (never sexual) are refused.
    let mut bad = full_sections(&pair);
    bad["touch"][pair.a_pid.as_str()]["from_partner"] = json!(["sexual"]);
    assert_eq!(
        app.put_bearer(&facilitator, &path, json!({"sections": bad}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, v1) = app
        .put_bearer(
            &facilitator,
            &path,
            json!({"sections": full_sections(&pair)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["version"], 1);
    let sign = format!("{path}/sign");
    assert_eq!(
        app.post_bearer(&pair.a_token, &sign, json!({"version": 1}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.post_bearer(&pair.b_token, &sign, json!({"version": 1}))
            .await
            .0,
        StatusCode::OK
    );
    let (_, view) = app.get_bearer(&pair.a_token, &path).await;
    assert_eq!(
        view["in_effect"], false,
        "a facilitator's countersign is still missing"
    );
    assert_eq!(
        app.post_bearer(&clinician, &sign, json!({"version": 1}))
            .await
            .0,
        StatusCode::NOT_FOUND,
        "clinicians read, facilitators countersign"
    );
    assert_eq!(
        app.post_bearer(&facilitator, &sign, json!({"version": 1}))
            .await
            .0,
        StatusCode::OK
    );
    let (_, view) = app.get_bearer(&pair.b_token, &path).await;
    assert_eq!(view["in_effect"], true);
    // Consents follow the agreement in effect.
    let (_, consents) = app.get_bearer(&pair.a_token, "/api/v1/me/consents").await;
    let state_of = |c: &Value, item: &str| {
        c.as_array()
            .unwrap()
            .iter()
            .find(|e| e["item"] == item)
            .map(|e| e["state"].clone())
            .unwrap()
    };
    assert_eq!(state_of(&consents, "touch.hug.from_partner"), "given");
    assert_eq!(
        state_of(&consents, "touch.holding.from_partner"),
        "not_given"
    );

    // An edit after signing makes a new version; signatures do not carry over; the diff shows it.
    let mut edited = full_sections(&pair);
    edited["music"] = json!("Silence all day.");
    let (_, v2) = app
        .put_bearer(&pair.b_token, &path, json!({"sections": edited}))
        .await;
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["in_effect"], false);
    assert!(v2["signatures"].as_array().unwrap().is_empty());
    assert!(
        v2["diff"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["section"] == "music" && d["after"] == "Silence all day."),
        "{v2}"
    );
    // Signing the stale version is refused.
    let (status, body) = app
        .post_bearer(&pair.a_token, &sign, json!({"version": 1}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // B cannot change A's own entries.
    let mut sneaky = full_sections(&pair);
    sneaky["intentions"][pair.a_pid.as_str()] = json!("Written by B");
    sneaky["music"] = json!("Silence all day.");
    let (_, v3) = app
        .put_bearer(&pair.b_token, &path, json!({"sections": sneaky}))
        .await;
    assert_eq!(
        v3["sections"]["intentions"][pair.a_pid.as_str()],
        "To listen"
    );
}

#[tokio::test]
async fn withdrawing_touch_consent_takes_effect_at_once_and_needs_a_new_signature() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, facilitator) = in_preparation(&app, &pair).await;
    let path = format!("/api/v1/duos/{}/agreement", pair.duo_id);
    app.put_bearer(
        &facilitator,
        &path,
        json!({"sections": full_sections(&pair)}),
    )
    .await;
    for t in [&pair.a_token, &pair.b_token, &facilitator] {
        assert_eq!(
            app.post_bearer(t, &format!("{path}/sign"), json!({"version": 1}))
                .await
                .0,
            StatusCode::OK
        );
    }
    let (status, after) = app
        .post_bearer(
            &pair.a_token,
            "/api/v1/me/consents/touch.hug.from_partner/withdraw",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let hug = after
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["item"] == "touch.hug.from_partner")
        .unwrap();
    assert_eq!(hug["state"], "withdrawn");
    // Withdrawing what was never given is refused; an unknown item does not exist.
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            "/api/v1/me/consents/touch.holding.from_partner/withdraw",
            json!({})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            "/api/v1/me/consents/touch.sexual.from_partner/withdraw",
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, rows) = app
        .get_bearer(&admin, "/api/v1/audit?action=withdraw_consent")
        .await;
    assert_eq!(rows.as_array().unwrap().len(), 1);
    // Signing the same version again does not give it back: it needs a new version.
    app.post_bearer(
        &pair.a_token,
        &format!("{path}/sign"),
        json!({"version": 1}),
    )
    .await;
    let (_, now) = app.get_bearer(&pair.a_token, "/api/v1/me/consents").await;
    assert_eq!(
        now.as_array()
            .unwrap()
            .iter()
            .find(|e| e["item"] == "touch.hug.from_partner")
            .unwrap()["state"],
        "withdrawn"
    );
}

#[tokio::test]
async fn readiness_lists_each_gate_and_participants_see_only_their_own_todos() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, facilitator) = in_preparation(&app, &pair).await;
    let gates_path = format!("/api/v1/duos/{}/readiness", pair.duo_id);
    let (status, gates) = app.get_bearer(&facilitator, &gates_path).await;
    assert_eq!(status, StatusCode::OK, "{gates}");
    let unmet: Vec<&str> = gates
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["met"] == false)
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    for code in [
        "agreement_signed",
        "joint_prep_meeting_held",
        "washout_confirmed",
        "checklist_item",
    ] {
        assert!(unmet.contains(&code), "{code} should be open: {unmet:?}");
    }
    assert_eq!(
        app.get_bearer(&pair.a_token, &gates_path).await.0,
        StatusCode::NOT_FOUND,
        "participants see their own to-dos only"
    );
    let (_, todos_a) = app.raw_bearer(&pair.a_token, "/api/v1/me/todos").await;
    let (_, todos_b) = app.raw_bearer(&pair.b_token, "/api/v1/me/todos").await;
    assert!(
        !todos_b.contains("washout") && !todos_b.contains(&pair.a_pid),
        "B never sees A's washout: {todos_b}"
    );
    let _ = todos_a;
    // The clinician confirms A's washout; the team ticks the checklist; a joint meeting held.
    assert_eq!(
        app.post_bearer(
            &clinician,
            &format!("/api/v1/duos/{}/washout", pair.duo_id),
            json!({"participant_id": pair.a_pid})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post_bearer(
            &facilitator,
            &format!("/api/v1/duos/{}/washout", pair.duo_id),
            json!({"participant_id": pair.a_pid})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    for pid in [&pair.a_pid, &pair.b_pid] {
        for item in ["support_contact", "ride_home"] {
            assert_eq!(
                app.post_bearer(
                    &facilitator,
                    &format!("/api/v1/duos/{}/checklist", pair.duo_id),
                    json!({"item": item, "participant_id": pid, "done": true})
                )
                .await
                .0,
                StatusCode::NO_CONTENT
            );
        }
    }
    let past = (app.clock_now() - jiff::SignedDuration::from_hours(2)).to_string();
    let (status, m) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/duos/{}/meetings", pair.duo_id),
            json!({"kind": "preparation", "with": "joint", "starts_at": past, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(
        app.post_bearer(
            &facilitator,
            &format!("/api/v1/meetings/{}/held", m["id"].as_str().unwrap()),
            json!({"note": "Good first meeting."})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let path = format!("/api/v1/duos/{}/agreement", pair.duo_id);
    app.put_bearer(
        &facilitator,
        &path,
        json!({"sections": full_sections(&pair)}),
    )
    .await;
    for t in [&pair.a_token, &pair.b_token, &facilitator] {
        app.post_bearer(t, &format!("{path}/sign"), json!({"version": 1}))
            .await;
    }
    let (_, gates) = app.get_bearer(&facilitator, &gates_path).await;
    let open: Vec<&Value> = gates
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["met"] == false)
        .collect();
    assert!(open.is_empty(), "every gate met: {open:?}");
}

/// Two dyad instances against one PostgreSQL database: a session opened on one works on
/// the other, and a due reminder is sent once although both run their job loops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_share_sessions_and_send_a_reminder_once() {
    let Ok(admin_url) = std::env::var("DYAD_TEST_DATABASE_URL") else {
        eprintln!("DYAD_TEST_DATABASE_URL not set: PostgreSQL part not run");
        return;
    };
    let admin_db = dyad_store::Db::connect(&admin_url, &dyad_store::DbOptions::default())
        .await
        .expect("DYAD_TEST_DATABASE_URL is set but PostgreSQL does not answer");
    let name = format!(
        "dyad_jobs_{}",
        dyad_store::secrets::random_token()
            .to_lowercase()
            .replace(['-', '_'], "")
            .get(..16)
            .unwrap_or("x")
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin_db.pool)
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let app = crate::helpers::spawn_app_with(|s| s.database_url = Some(url.clone())).await;
    // The second instance: same database, same key, its own listener and job loop.
    let second = app.second_instance().await;

    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (status, _) = second.get_bearer(&pair.a_token, "/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a session from instance 1 works on instance 2"
    );
    let (_, _, facilitator) = in_preparation(&app, &pair).await;
    let start = (app.clock_now() + jiff::SignedDuration::from_hours(30)).to_string();
    let (status, body) = second
        .post_bearer(
            &facilitator,
            &format!("/api/v1/duos/{}/meetings", pair.duo_id),
            json!({"kind": "preparation", "with": "joint", "starts_at": start, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.advance_secs(7 * 3600);
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            dyad_web::jobs::run_due(&app.state, "instance-1"),
            dyad_web::jobs::run_due(&second.state, "instance-2")
        );
        a.unwrap();
        b.unwrap();
    }
    assert_eq!(
        count_mails(&app, "bo@example.org", "Reminder"),
        1,
        "one reminder, not two"
    );
    drop(second);
    drop(app);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin_db.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn each_person_drafts_their_own_parts_privately_and_shares_when_ready() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, _, facilitator) = in_preparation(&app, &pair).await;
    let path = format!("/api/v1/duos/{}/agreement", pair.duo_id);
    app.put_bearer(
        &facilitator,
        &path,
        json!({"sections": full_sections(&pair)}),
    )
    .await;
    let private = json!({"intention": "DRAFT-ONLY-4b1e: to forgive", "touch_from_partner": ["hand"], "touch_from_facilitator": [], "sharing": "nothing"});
    let (status, body) = app
        .put_bearer(&pair.a_token, "/api/v1/me/agreement-draft", private)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Nobody else sees the draft: not the partner, not the team, not in the agreement.
    for token in [&pair.b_token, &facilitator] {
        let (_, text) = app.raw_bearer(token, &path).await;
        assert!(!text.contains("DRAFT-ONLY-4b1e"), "{text}");
    }
    let (_, bos) = app
        .raw_bearer(&pair.b_token, "/api/v1/me/agreement-draft")
        .await;
    assert!(!bos.contains("DRAFT-ONLY-4b1e"));
    let (_, mine) = app
        .get_bearer(&pair.a_token, "/api/v1/me/agreement-draft")
        .await;
    assert_eq!(mine["intention"], "DRAFT-ONLY-4b1e: to forgive");
    // Bad touch kinds are refused in a draft too.
    let (status, _) = app
        .put_bearer(
            &pair.a_token,
            "/api/v1/me/agreement-draft",
            json!({"intention": "x", "touch_from_partner": ["kiss"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Sharing puts it into a new version and forgets the draft.
    let (status, v) = app
        .post_bearer(&pair.a_token, "/api/v1/me/agreement-draft/share", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["sections"]["intentions"][pair.a_pid.as_str()],
        "DRAFT-ONLY-4b1e: to forgive"
    );
    assert_eq!(v["version"], 2);
    assert_eq!(
        app.get_bearer(&pair.a_token, "/api/v1/me/agreement-draft")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}
