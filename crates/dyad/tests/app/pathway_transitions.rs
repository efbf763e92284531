//! The steps the care team takes by hand, over the API: calling off a booked session day
//! (room and staff free again, the duo back in preparation, a begun day refused), integration
//! done behind its gate, closing, pausing and resuming; each on the timeline and in the audit
//! trail, and nothing of it for a participant or for staff outside the team.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Pair, TestApp, spawn_app};
use crate::session::{Team, booked};

const REASON: &str = "Bo has the flu; the clinician wants a new date in two weeks.";

async fn phase(app: &TestApp, team: &Team, pair: &Pair) -> String {
    let (status, duo) = app
        .get_bearer(&team.facilitator, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(status, StatusCode::OK, "{duo}");
    duo["phase"].as_str().unwrap().to_string()
}

async fn session_of(app: &TestApp, team: &Team, pair: &Pair, id: &str) -> Value {
    let (status, list) = app
        .get_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/sessions", pair.duo_id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
        .expect("the session is listed")
}

async fn step(app: &TestApp, token: &str, pair: &Pair, body: Value) -> (StatusCode, Value) {
    app.post_bearer(
        token,
        &format!("/api/v1/duos/{}/pathway", pair.duo_id),
        body,
    )
    .await
}

async fn audit_text(app: &TestApp, team: &Team, action: &str) -> String {
    let (status, trail) = app
        .get_bearer(&team.admin, &format!("/api/v1/audit?action={action}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    trail.to_string()
}

async fn timeline_events(app: &TestApp, team: &Team, pair: &Pair) -> Vec<String> {
    let (status, t) = app
        .get_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/timeline", pair.duo_id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

/// A staff member outside the duo's team (facilitator and clinician).
async fn outsider(app: &TestApp, team: &Team) -> String {
    app.staff_session(
        &team.admin,
        "Uma",
        "uma@clinic.example",
        &["facilitator", "clinician"],
    )
    .await
    .1
}

/// Runs the booked day: an entry starts it, both are discharged, it closes (→ integration).
async fn run_the_day(app: &TestApp, pair: &Pair, team: &Team, session: &str) {
    let events = format!("/api/v1/sessions/{session}/events");
    let (status, body) = app
        .post_bearer(
            &team.facilitator,
            &events,
            json!({"kind": "mode", "mode": "joint"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let all = json!({"vitals_stable": true, "suds_at_or_below_baseline": true, "clinician_agrees": true, "escort_or_overnight": true});
    for pid in [&pair.a_pid, &pair.b_pid] {
        let (status, body) = app
            .post_bearer(
                &team.clinician,
                &events,
                json!({"kind": "discharge", "participant_id": pid, "checklist": all}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/sessions/{session}/close"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["phase"], "integration");
}

#[tokio::test]
async fn a_cancelled_day_frees_room_and_team_and_sends_the_duo_back_to_preparation() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    let before = session_of(&app, &team, &pair, &session).await;
    assert_eq!(before["status"], "booked");
    let cancel = format!("/api/v1/sessions/{session}/cancel");

    // Neither participant nor staff outside the team can even find it.
    let uma = outsider(&app, &team).await;
    for token in [&pair.a_token, &pair.b_token, &uma] {
        let (status, body) = app
            .post_bearer(token, &cancel, json!({"reason": REASON}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    assert_eq!(
        app.post_bearer(
            &team.facilitator,
            "/api/v1/sessions/no-such-session/cancel",
            json!({"reason": REASON})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // A reason is needed; nothing changes without it.
    let (status, body) = app
        .post_bearer(&team.facilitator, &cancel, json!({"reason": "  "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "reason");
    assert_eq!(phase(&app, &team, &pair).await, "scheduled");

    let (status, body) = app
        .post_bearer(&team.facilitator, &cancel, json!({"reason": REASON}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session"]["status"], "cancelled");
    assert_eq!(body["phase"], "preparation");
    assert_eq!(phase(&app, &team, &pair).await, "preparation");
    assert_eq!(
        session_of(&app, &team, &pair, &session).await["status"],
        "cancelled"
    );
    // Calm notes: the participants learn the day is off, never why; the staff that it is free.
    for email in ["alex@example.org", "bo@example.org"] {
        let mail = app.last_mail_to(email).expect("a note to each participant");
        assert!(mail.contains("will not take place"), "{mail}");
        assert!(
            !mail.contains("flu"),
            "the reason stays with the team: {mail}"
        );
    }
    let mail = app
        .last_mail_to("sam@clinic.example")
        .expect("a note to the facilitator booked on it");
    assert!(mail.contains("cancelled"), "{mail}");
    assert!(!mail.contains("flu"), "{mail}");
    // The reason is sealed at rest.
    let raw: Vec<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT cancel_reason FROM sessions WHERE id = $1")
            .bind(&session)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let raw = raw[0].clone().expect("a sealed reason");
    assert!(!String::from_utf8_lossy(&raw).contains("flu"), "sealed");
    // Once is enough; the console takes nothing more on it.
    let (status, body) = app
        .post_bearer(&team.facilitator, &cancel, json!({"reason": REASON}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("already cancelled")
    );
    let (status, body) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/sessions/{session}/events"),
            json!({"kind": "note", "text": "late"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        phase(&app, &team, &pair).await,
        "preparation",
        "an entry on a cancelled day moves nothing"
    );

    // The same room, the same team, the same hour: free again.
    let (status, again) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/sessions", pair.duo_id),
            json!({"starts_at": before["starts_at"], "room": "Garden room", "team": [team.fac_id, team.clin_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(phase(&app, &team, &pair).await, "scheduled");

    // On the timeline and in the audit trail, with the reason for the team.
    let events = timeline_events(&app, &team, &pair).await;
    assert!(
        events.contains(&"session_cancelled".to_string()),
        "{events:?}"
    );
    assert!(
        audit_text(&app, &team, "cancel_session")
            .await
            .contains(&pair.duo_id)
    );
    assert!(
        audit_text(&app, &team, "transition")
            .await
            .contains("session_cancelled:scheduled->preparation")
    );
    let (status, pathway) = app
        .get_bearer(
            &team.clinician,
            &format!("/api/v1/duos/{}/pathway", pair.duo_id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{pathway}");
    assert_eq!(pathway["steps"][0]["transition"], "session_cancelled");
    assert_eq!(pathway["steps"][0]["reason"], REASON);
    assert_eq!(pathway["steps"][0]["by_name"], "Sam");

    // A day that has begun (its first entry) is no longer cancelled, only closed.
    let second = again["id"].as_str().unwrap();
    let (status, _) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/sessions/{second}/events"),
            json!({"kind": "mode", "mode": "joint"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/sessions/{second}/cancel"),
            json!({"reason": REASON}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("has begun"));
    assert_eq!(phase(&app, &team, &pair).await, "session");
    assert_eq!(
        session_of(&app, &team, &pair, second).await["status"],
        "running"
    );
}

#[tokio::test]
async fn integration_done_waits_for_an_integration_meeting_then_aftercare_and_close() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    run_the_day(&app, &pair, &team, &session).await;
    let path = format!("/api/v1/duos/{}/pathway", pair.duo_id);

    // Exactly the steps integration allows; integration_done names what it waits for.
    let (status, view) = app.get_bearer(&team.facilitator, &path).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["phase"], "integration");
    let offered: Vec<&str> = view["offered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["transition"].as_str().unwrap())
        .collect();
    assert_eq!(offered, vec!["integration_done", "next_session", "pause"]);
    assert_eq!(view["offered"][0]["to_phase"], Value::Null);
    assert_eq!(
        view["offered"][0]["unmet"][0]["code"],
        "integration_meeting_held"
    );

    // Nobody outside the team: the same answer as a duo that does not exist.
    let uma = outsider(&app, &team).await;
    for token in [&pair.a_token, &pair.b_token, &uma] {
        assert_eq!(app.get_bearer(token, &path).await.0, StatusCode::NOT_FOUND);
        let (status, body) = step(
            &app,
            token,
            &pair,
            json!({"transition": "integration_done"}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    assert_eq!(
        app.post_bearer(
            &team.facilitator,
            "/api/v1/duos/no-such-duo/pathway",
            json!({"transition": "pause"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // Only the team's steps, by name.
    for bad in ["session_booked", "withdraw", "finish", ""] {
        let (status, body) = step(&app, &team.facilitator, &pair, json!({"transition": bad})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["errors"][0]["field"], "transition");
    }
    let long = "x".repeat(2001);
    let (status, _) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "pause", "reason": long}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A step the phase does not allow is refused in words.
    let (status, body) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "close"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("transition_not_allowed")
    );

    // The gate: no integration meeting yet.
    let (status, body) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "integration_done", "reason": "Both say they are settled."}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("integration_meeting_held"), "{detail}");
    assert!(detail.contains("No integration meeting"), "{detail}");
    assert_eq!(phase(&app, &team, &pair).await, "integration");
    // A meeting planned but not held does not count.
    let (status, m) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/meetings", pair.duo_id),
            json!({"kind": "integration", "with": "joint", "starts_at": app.clock_now().to_string(), "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (status, _) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "integration_done"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/meetings/{}/held", m["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, view) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "integration_done", "reason": "Both say they are settled."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["phase"], "aftercare");
    let offered: Vec<&str> = view["offered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["transition"].as_str().unwrap())
        .collect();
    assert_eq!(offered, vec!["close", "pause"]);

    // A coordinator closes the completed pathway; the participants get a calm note.
    let (_, coordinator) = app
        .staff_session(&team.admin, "Kim", "kim@clinic.example", &["coordinator"])
        .await;
    let (status, view) = step(
        &app,
        &coordinator,
        &pair,
        json!({"transition": "close", "reason": "Six-month check-in done."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["phase"], "closed");
    assert_eq!(view["offered"], json!([]));
    assert_eq!(phase(&app, &team, &pair).await, "closed");
    for email in ["alex@example.org", "bo@example.org"] {
        let mail = app.last_mail_to(email).expect("a closing note");
        assert!(mail.contains("closed your pathway"), "{mail}");
        assert!(!mail.contains("check-in done"), "{mail}");
    }
    // Nothing leaves closed.
    let (status, body) = step(&app, &coordinator, &pair, json!({"transition": "resume"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("phase_terminal"));

    // Each step is on the timeline and in the audit trail, with who and why for the team.
    let events = timeline_events(&app, &team, &pair).await;
    for e in ["session_closed", "integration_done", "close"] {
        assert!(events.contains(&e.to_string()), "{e}: {events:?}");
    }
    let trail = audit_text(&app, &team, "transition").await;
    assert!(
        trail.contains("integration_done:integration->aftercare"),
        "{trail}"
    );
    assert!(trail.contains("close:aftercare->closed"), "{trail}");
    let (status, view) = app.get_bearer(&coordinator, &path).await;
    assert_eq!(status, StatusCode::OK);
    let steps = view["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "{view}");
    assert_eq!(steps[0]["transition"], "integration_done");
    assert_eq!(steps[0]["reason"], "Both say they are settled.");
    assert_eq!(steps[1]["by_name"], "Kim");
    assert_eq!(steps[1]["from_phase"], "aftercare");
    assert_eq!(steps[1]["to_phase"], "closed");
}

#[tokio::test]
async fn a_pause_calls_off_the_booking_and_a_resume_goes_back_to_preparation() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    let starts = session_of(&app, &team, &pair, &session).await["starts_at"].clone();

    let (status, view) = step(
        &app,
        &team.clinician,
        &pair,
        json!({"transition": "pause", "reason": "A new medication for Alex; review first."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["phase"], "paused");
    assert_eq!(view["paused_from"], "scheduled");
    let offered: Vec<&str> = view["offered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["transition"].as_str().unwrap())
        .collect();
    assert_eq!(offered, vec!["close", "resume"]);
    // The booking is off: its room and team are free, and the note says so, without why.
    assert_eq!(
        session_of(&app, &team, &pair, &session).await["status"],
        "cancelled"
    );
    for email in ["alex@example.org", "bo@example.org"] {
        let mail = app.last_mail_to(email).expect("a pause note");
        assert!(mail.contains("paused your pathway"), "{mail}");
        assert!(!mail.contains("medication"), "{mail}");
    }
    assert!(
        audit_text(&app, &team, "cancel_session")
            .await
            .contains(&pair.duo_id)
    );

    // Resumed from scheduled, the duo is back in preparation and books again.
    let (status, view) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "resume"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["phase"], "preparation");
    assert_eq!(view["paused_from"], Value::Null);
    let mail = app.last_mail_to("bo@example.org").unwrap();
    assert!(mail.contains("pathway continues"), "{mail}");
    let (status, again) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/sessions", pair.duo_id),
            json!({"starts_at": starts, "room": "Garden room", "team": [team.fac_id, team.clin_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");

    // Paused from preparation resumes in preparation; a paused pathway may also be closed.
    let second = again["id"].as_str().unwrap();
    let (status, _) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/sessions/{second}/cancel"),
            json!({"reason": "The room flooded."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, view) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "pause"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["paused_from"], "preparation");
    let (status, view) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "resume"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["phase"], "preparation");
    let (status, _) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "pause"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, view) = step(
        &app,
        &team.facilitator,
        &pair,
        json!({"transition": "close", "reason": "They decided not to go on."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["phase"], "closed");

    let trail = audit_text(&app, &team, "transition").await;
    for t in [
        "pause:scheduled->paused",
        "resume:paused->preparation",
        "session_cancelled:scheduled->preparation",
        "pause:preparation->paused",
        "close:paused->closed",
    ] {
        assert!(trail.contains(t), "{t}: {trail}");
    }
    let events = timeline_events(&app, &team, &pair).await;
    assert_eq!(
        events.iter().filter(|e| e.as_str() == "pause").count(),
        3,
        "{events:?}"
    );
}

// --- the pages --------------------------------------------------------------------------------

async fn page(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let r = crate::helpers::api()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// Posts a form; answers the status and the redirect target or the page.
async fn form(
    app: &TestApp,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let r = crate::helpers::api()
        .post(app.url(path))
        .bearer_auth(token)
        .form(fields)
        .send()
        .await
        .unwrap();
    crate::helpers::status_and_target(r).await
}

/// The steps the duo page offers, as the values of its forms' `transition` fields.
fn offered_on(page: &str) -> Vec<String> {
    page.split("name=\"transition\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_pages_offer_the_phases_steps_and_call_off_a_booked_day() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    let console = format!("/sessions/{session}");
    let duo_page = format!("/duos/{}", pair.duo_id);
    let cancel_action = format!("action=\"/sessions/{session}/cancel\"");

    // Booked, nothing recorded: the console offers to call the day off.
    let (status, html) = page(&app, &team.facilitator, &console).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&cancel_action), "{html}");
    assert!(html.contains("Cancel this session day"));
    assert_eq!(
        offered_on(&page(&app, &team.facilitator, &duo_page).await.1),
        vec!["pause"]
    );
    // Not there for a participant.
    assert_eq!(
        page(&app, &pair.a_token, &console).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        form(
            &app,
            &pair.a_token,
            &format!("{console}/cancel"),
            &[("reason", REASON)]
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        form(
            &app,
            &pair.b_token,
            &format!("{duo_page}/pathway"),
            &[("transition", "pause")]
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Without a reason: said next to the field, nothing changed.
    let (status, html) = form(
        &app,
        &team.facilitator,
        &format!("{console}/cancel"),
        &[("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"cancel-reason-error\""), "{html}");
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(phase(&app, &team, &pair).await, "scheduled");
    let (status, to) = form(
        &app,
        &team.facilitator,
        &format!("{console}/cancel"),
        &[("reason", REASON)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert_eq!(to, format!("{console}?saved=cancelled"));
    let (_, html) = page(&app, &team.facilitator, &to).await;
    assert!(html.contains("The session day is cancelled."), "{html}");
    assert!(!html.contains(&cancel_action));
    assert!(
        !html.contains("/events\""),
        "no entry forms on a cancelled day"
    );
    assert_eq!(phase(&app, &team, &pair).await, "preparation");

    // The duo page: the step on record with its reason; pausing from the card.
    let (_, html) = page(&app, &team.facilitator, &duo_page).await;
    assert!(html.contains("id=\"pathway\""));
    assert!(html.contains("session cancelled"), "{html}");
    assert!(html.contains(REASON));
    let (status, to) = form(
        &app,
        &team.facilitator,
        &format!("{duo_page}/pathway"),
        &[
            ("transition", "pause"),
            ("reason", "Waiting for the new GP letter."),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, html) = page(&app, &team.facilitator, &to).await;
    assert!(html.contains("The step is recorded."));
    assert_eq!(offered_on(&html), vec!["close", "resume"]);
    assert!(html.contains("Waiting for the new GP letter."));
    let (status, _) = form(
        &app,
        &team.facilitator,
        &format!("{duo_page}/pathway"),
        &[("transition", "resume")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        offered_on(&page(&app, &team.facilitator, &duo_page).await.1),
        vec!["pause"]
    );

    // Booked again and begun: the console no longer offers to call it off.
    let (status, again) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/sessions", pair.duo_id),
            json!({"starts_at": session_of(&app, &team, &pair, &session).await["starts_at"], "room": "Garden room", "team": [team.fac_id, team.clin_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let second = again["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/sessions/{second}/events"),
            json!({"kind": "note", "text": "They arrived."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, html) = page(&app, &team.facilitator, &format!("/sessions/{second}")).await;
    assert!(
        !html.contains(&format!("action=\"/sessions/{second}/cancel\"")),
        "{html}"
    );
    let (status, html) = form(
        &app,
        &team.facilitator,
        &format!("/sessions/{second}/cancel"),
        &[("reason", REASON)],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("has begun"), "{html}");

    // In integration the card offers integration done and says what it waits for.
    run_the_day(&app, &pair, &team, &second).await;
    let (_, html) = page(&app, &team.facilitator, &duo_page).await;
    assert_eq!(
        offered_on(&html),
        vec!["integration_done", "next_session", "pause"]
    );
    assert!(
        html.contains("An integration meeting has to be held first"),
        "{html}"
    );
    let (status, html) = form(
        &app,
        &team.facilitator,
        &format!("{duo_page}/pathway"),
        &[
            ("transition", "integration_done"),
            ("reason", "They feel settled."),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("href=\"#pathway-integration_done\""),
        "{html}"
    );
    assert!(html.contains("They feel settled."), "the reason is kept");
    assert_eq!(phase(&app, &team, &pair).await, "integration");
}

#[tokio::test]
async fn a_new_screening_decision_calls_off_the_booked_day() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    let before = session_of(&app, &team, &pair, &session).await;
    let (status, body) = app
        .post_bearer(
            &team.clinician,
            &format!("/api/v1/duos/{}/screening/decision", pair.duo_id),
            json!({"format": "duo_two_facilitators", "rationale": "A new medication; two facilitators from now on.", "password": "a staff member's long passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(phase(&app, &team, &pair).await, "preparation");
    assert_eq!(
        session_of(&app, &team, &pair, &session).await["status"],
        "cancelled",
        "booked under the old decision"
    );
    let notes: Vec<String> = std::fs::read_dir(app.outbox())
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter(|m| m.contains("To: alex@example.org") && m.contains("will not take place"))
        .collect();
    assert_eq!(notes.len(), 1, "one calm note about the day");
    assert!(!notes[0].contains("medication"), "{}", notes[0]);
    // Its room and team are free for those hours again.
    let micros = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_microsecond()
    };
    let free = dyad_store::sessions::clashes(
        &app.state.db,
        before["room"]["id"].as_str().unwrap(),
        &[team.fac_id.clone(), team.clin_id.clone()],
        micros(&before["starts_at"]),
        micros(&before["ends_at"]),
    )
    .await
    .unwrap();
    assert_eq!(free, (false, vec![]));
}
