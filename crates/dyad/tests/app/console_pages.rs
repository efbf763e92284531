//! The session-day pages as a browser without script uses them: booking refused with
//! each gate named, then booked; two facilitators on their own page sessions, one posting
//! vital signs over a limit, the other seeing the alert in the live fragment and
//! acknowledging it; the console is not there for a participant or unassigned staff.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{Pair, TestApp, api, browser, spawn_app, totp_code};
use crate::helpers::{between, csrf, get, post};
use crate::intake::{complete_answers, fill_and_submit};

const PW: &str = "a staff member's long passphrase";

/// A staff member with a page session (TOTP enrolled through the pages) and a bearer.
async fn staff(
    app: &TestApp,
    admin: &str,
    name: &str,
    email: &str,
    roles: &[&str],
) -> (String, String, Client) {
    let id = app.make_staff(admin, name, email, roles, PW).await;
    let c = browser();
    let (status, location) = post(
        &c,
        app,
        "/login",
        &[("email", email), ("password", PW), ("next", "/home")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = get(&c, app, "/account/totp").await;
    let secret = between(&page, "id=\"totp-secret\">", "<");
    let token = between(&page, "name=\"csrf\" value=\"", "\"");
    let code = totp_code(&secret, app.now_secs());
    let (status, _) = post(
        &c,
        app,
        "/account/totp",
        &[("csrf", &token), ("code", &code)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.advance_secs(31);
    let code = totp_code(&secret, app.now_secs());
    let (status, body) = app.login(&api(), email, PW, Some(&code)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (id, body["token"].as_str().unwrap().to_string(), c)
}

struct Duo {
    pair: Pair,
    clin: (String, String),
    fac1: (String, String, Client),
    fac2: (String, String, Client),
    outsider: Client,
}

/// A pair in preparation with a clinician and two facilitators on the team, each signed
/// in through the pages, a staff member who is not on the team, and a room.
async fn in_preparation(app: &TestApp) -> Duo {
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let (clin_id, clin_token, _) =
        staff(app, &admin, "Mira", "mira@clinic.example", &["clinician"]).await;
    let fac1 = staff(app, &admin, "Sam", "sam@clinic.example", &["facilitator"]).await;
    let fac2 = staff(app, &admin, "Kim", "kim@clinic.example", &["facilitator"]).await;
    let (_, _, outsider) = staff(app, &admin, "Lou", "lou@clinic.example", &["facilitator"]).await;
    let (status, body) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", pair.duo_id),
            json!({"members": [{"user_id": clin_id, "role": "clinician"}, {"user_id": fac1.0, "role": "facilitator"}, {"user_id": fac2.0, "role": "facilitator"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    fill_and_submit(app, &pair.a_token, complete_answers("P-A")).await;
    let mut b = complete_answers("P-B");
    b["medications"] = json!([]);
    fill_and_submit(app, &pair.b_token, b).await;
    let (status, body) = app
        .post_bearer(&clin_token, &format!("/api/v1/duos/{}/screening/decision", pair.duo_id), json!({"format": "duo", "rationale": "Reviewed both intakes and findings.", "password": PW}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .post_bearer(&admin, "/api/v1/rooms", json!({"name": "Garden room"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Duo {
        pair,
        clin: (clin_id, clin_token),
        fac1,
        fac2,
        outsider,
    }
}

/// Meets every readiness gate over the API, as the session tests do.
async fn meet_gates(app: &TestApp, d: &Duo) {
    let pair = &d.pair;
    let fac = &d.fac1.1;
    let (status, _) = app
        .post_bearer(
            &d.clin.1,
            &format!("/api/v1/duos/{}/washout", pair.duo_id),
            json!({"participant_id": pair.a_pid}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for pid in [&pair.a_pid, &pair.b_pid] {
        for item in ["support_contact", "ride_home"] {
            let (status, _) = app
                .post_bearer(
                    fac,
                    &format!("/api/v1/duos/{}/checklist", pair.duo_id),
                    json!({"item": item, "participant_id": pid, "done": true}),
                )
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT);
        }
    }
    let past = (app.clock_now() - jiff::SignedDuration::from_hours(2)).to_string();
    let (status, m) = app
        .post_bearer(
            fac,
            &format!("/api/v1/duos/{}/meetings", pair.duo_id),
            json!({"kind": "preparation", "with": "joint", "starts_at": past, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (status, _) = app
        .post_bearer(
            fac,
            &format!("/api/v1/meetings/{}/held", m["id"].as_str().unwrap()),
            json!({"note": "Good first meeting."}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let path = format!("/api/v1/duos/{}/agreement", pair.duo_id);
    let sections = json!({
        "intentions": {pair.a_pid.clone(): "To listen", pair.b_pid.clone(): "To be honest"},
        "boundaries": "No talk about the old flat.",
        "touch": {pair.a_pid.clone(): {"from_partner": ["hand"], "from_facilitator": ["shoulder"]}, pair.b_pid.clone(): {"from_partner": ["hand"], "from_facilitator": []}},
        "proximity": "Mattresses a metre apart.",
        "sharing": {pair.a_pid.clone(): "Nothing without asking me", pair.b_pid.clone(): "Nothing"},
        "music": "Quiet music.", "time_outs": "A raised hand means a pause.", "talking": "Quiet in the morning.",
        "shared_vs_own": "Mostly each in our own process.", "difficult_moments": "The facilitator sits with whoever needs it.",
        "afterwards": "We talk the next evening.", "confidentiality": "What each says stays with the team."
    });
    let (status, body) = app
        .put_bearer(fac, &path, json!({"sections": sections}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let version = body["version"].clone();
    for t in [&pair.a_token, &pair.b_token, fac] {
        let (status, body) = app
            .post_bearer(t, &format!("{path}/sign"), json!({"version": version}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

fn start_local(app: &TestApp) -> String {
    (app.clock_now() + jiff::SignedDuration::from_hours(72))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Books through the page; answers the status and the redirect target or the page.
async fn book(app: &TestApp, d: &Duo, room: &str) -> (StatusCode, String) {
    let path = format!("/duos/{}/sessions/new", d.pair.duo_id);
    let c = &d.fac1.2;
    let token = csrf(c, app, &path).await;
    let start = start_local(app);
    post(
        c,
        app,
        &path,
        &[
            ("csrf", &token),
            ("room", room),
            ("starts_at", &start),
            ("team", &d.fac1.0),
            ("team", &d.fac2.0),
            ("team", &d.clin.0),
            ("escort", "Bo's sister drives them home"),
            ("support_contact", "Sister, +31 6 1234 5678"),
        ],
    )
    .await
}

#[tokio::test]
async fn booking_through_the_page_names_the_gates_then_books() {
    let app = spawn_app().await;
    let d = in_preparation(&app).await;
    let (status, page) = get(
        &d.fac1.2,
        &app,
        &format!("/duos/{}/sessions/new", d.pair.duo_id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Garden room") && page.contains("Kim"),
        "{page}"
    );
    // No room: refused with the input kept.
    let (status, page) = book(&app, &d, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Bo&#x27;s sister drives them home") || page.contains("Bo&#39;s sister"));
    // Gates not met: each named in words.
    let (status, page) = book(&app, &d, "Garden room").await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    for gate in [
        "agreement_signed",
        "joint_prep_meeting_held",
        "washout_confirmed",
        "checklist_item",
    ] {
        assert!(page.contains(gate), "{gate} missing: {page}");
    }
    // Participants are named, not numbered.
    assert!(page.contains("participant Alex") && !page.contains(&d.pair.a_pid));
    meet_gates(&app, &d).await;
    let (status, location) = book(&app, &d, "Garden room").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(location.starts_with("/sessions/"), "{location}");
    let (status, page) = get(&d.fac2.2, &app, &location).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Bo&#x27;s sister") || page.contains("Bo&#39;s sister"));
}

#[tokio::test]
async fn one_facilitator_records_vitals_over_the_limit_the_other_sees_and_acknowledges() {
    let app = spawn_app().await;
    let d = in_preparation(&app).await;
    meet_gates(&app, &d).await;
    let (status, location) = book(&app, &d, "Garden room").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id = between(&format!("{location}?"), "/sessions/", "?");
    let page = format!("/sessions/{id}");
    let events = format!("/sessions/{id}/events");

    // Sam switches the mode and records Alex's blood pressure over the limit.
    let token = csrf(&d.fac1.2, &app, &page).await;
    let (status, to) = post(
        &d.fac1.2,
        &app,
        &events,
        &[("csrf", &token), ("kind", "mode"), ("mode", "joint")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let vitals = [
        ("csrf", token.as_str()),
        ("kind", "vitals"),
        ("participant_id", d.pair.a_pid.as_str()),
        ("systolic", "190"),
        ("diastolic", "85"),
        ("pulse", "90"),
        ("temperature_c", "36.9"),
        ("suds", "4"),
    ];
    let (status, to) = post(&d.fac1.2, &app, &events, &vitals).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    // A value out of range is refused in words, the input kept.
    let mut bad = vitals.to_vec();
    bad[3] = ("systolic", "900");
    let (status, body) = post(&d.fac1.2, &app, &events, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("value=\"900\""), "{body}");

    // Kim's live fragment shows the alert, the mode and the timeline.
    let (status, live) = get(&d.fac2.2, &app, &format!("/sessions/{id}/live")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(live.contains("Vital signs over the limit"), "{live}");
    assert!(live.contains("systolic 190"), "{live}");
    assert!(live.contains("Joint") && live.contains("Sam"), "{live}");
    assert!(!live.contains("<html"), "a fragment, not a page");
    let alert = between(&live, "name=\"alert_id\" value=\"", "\"");
    let token = csrf(&d.fac2.2, &app, &page).await;
    let (status, to) = post(
        &d.fac2.2,
        &app,
        &events,
        &[("csrf", &token), ("kind", "ack"), ("alert_id", &alert)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, live) = get(&d.fac1.2, &app, &format!("/sessions/{id}/live")).await;
    assert!(!live.contains("name=\"alert_id\""), "{live}");
    assert!(live.contains("Alerts acknowledged: 1"), "{live}");
    assert!(live.contains("Alert acknowledged"), "{live}");

    // Neither a participant nor staff off the team finds the console.
    for (status, _) in [
        app.raw_bearer(&d.pair.a_token, &page).await,
        get(&d.outsider, &app, &page).await,
        get(&d.outsider, &app, &format!("/sessions/{id}/live")).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, nobody) = get(&d.outsider, &app, "/sessions/no-such-session").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{nobody}");
}

#[tokio::test]
async fn an_entry_is_corrected_through_its_filled_in_form_and_the_day_closes_after_discharge() {
    let app = spawn_app().await;
    let d = in_preparation(&app).await;
    meet_gates(&app, &d).await;
    let (status, location) = book(&app, &d, "Garden room").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id = between(&format!("{location}?"), "/sessions/", "?");
    let page = format!("/sessions/{id}");
    let events = format!("/sessions/{id}/events");
    let c = &d.fac1.2;

    // A typo: pulse 200 where 100 was measured.
    let token = csrf(c, &app, &page).await;
    let (status, to) = post(
        c,
        &app,
        &events,
        &[
            ("csrf", &token),
            ("kind", "vitals"),
            ("participant_id", &d.pair.b_pid),
            ("systolic", "120"),
            ("diastolic", "80"),
            ("pulse", "200"),
            ("temperature_c", "36.8"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, console) = get(c, &app, &page).await;
    let entry = between(&console, "?correct=", "#correcting");

    // The link opens the vitals form filled in with what was recorded, as a correction.
    let (status, form) = get(c, &app, &format!("{page}?correct={entry}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("You are correcting entry #"), "{form}");
    assert!(
        form.contains("name=\"kind\" value=\"correction\""),
        "{form}"
    );
    assert!(
        form.contains(&format!("name=\"corrects\" value=\"{entry}\"")),
        "{form}"
    );
    assert!(
        form.contains("value=\"200\""),
        "recorded value shown: {form}"
    );

    // A bad value in the correction is refused in words and the form stays a correction.
    let token = between(&form, "name=\"csrf\" value=\"", "\"");
    let correction = |pulse: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("kind", "correction".to_string()),
            ("corrects", entry.clone()),
            ("of_kind", "vitals".to_string()),
            ("participant_id", d.pair.b_pid.clone()),
            ("systolic", "120".to_string()),
            ("diastolic", "80".to_string()),
            ("pulse", pulse.to_string()),
            ("temperature_c", "36.8".to_string()),
        ]
    };
    let bad = correction("-5");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = post(c, &app, &events, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("value=\"-5\""), "{body}");
    assert!(
        body.contains("name=\"kind\" value=\"correction\""),
        "{body}"
    );

    let good = correction("100");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, to) = post(c, &app, &events, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");

    // Both entries stay; the original is marked, the correction points at it, and the
    // console's latest vitals show the corrected value.
    let (status, state) = app
        .get_bearer(&d.fac2.1, &format!("/api/v1/sessions/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{state}");
    let timeline = state["timeline"].as_array().unwrap();
    let original = timeline.iter().find(|e| e["id"] == entry.as_str()).unwrap();
    assert_eq!(original["data"]["pulse"], 200.0, "{original}");
    assert!(original["corrected_by"].is_string(), "{original}");
    let fixed = timeline
        .iter()
        .find(|e| e["corrects"] == entry.as_str())
        .unwrap();
    assert_eq!(fixed["kind"], "correction");
    assert_eq!(fixed["data"]["pulse"], 100.0);
    assert_eq!(state["vitals"][&d.pair.b_pid]["pulse"], 100.0, "{state}");

    // Closing before the discharges is refused, naming who is waiting.
    let token = csrf(c, &app, &page).await;
    let close = format!("/sessions/{id}/close");
    let (status, body) = post(c, &app, &close, &[("csrf", &token)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body.contains("Record the discharge first for: Alex, Bo"),
        "{body}"
    );
    for pid in [&d.pair.a_pid, &d.pair.b_pid] {
        let (status, to) = post(
            c,
            &app,
            &events,
            &[
                ("csrf", &token),
                ("kind", "discharge"),
                ("participant_id", pid),
                ("check", "vitals_stable"),
                ("check", "suds_at_or_below_baseline"),
                ("check", "clinician_agrees"),
                ("check", "escort_or_overnight"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    }
    let (status, to) = post(c, &app, &close, &[("csrf", &token)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.ends_with("?saved=closed"), "{to}");
    let (_, closed) = get(&d.fac2.2, &app, &page).await;
    assert!(closed.contains("The session is closed") || closed.contains("closed"));
    assert!(
        !closed.contains("?correct="),
        "no corrections after closing"
    );
    assert!(!closed.contains(&format!("action=\"{close}\"")));
}
