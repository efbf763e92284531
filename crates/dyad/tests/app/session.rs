//! Session day over the API: booking behind the readiness gates, team, room and staff
//! calendars and the recovery window; the live console (every entry kind, alerts from the
//! protocol's limits, corrections, concurrent writers, live consents), its server-sent
//! event stream, closing with follow-up jobs, and the wall around every session route.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Pair, TestApp, api, spawn_app};
use crate::intake::{complete_answers, fill_and_submit};
use crate::preparation::in_preparation;

const PW: &str = "a staff member's long passphrase";

fn sections(pair: &Pair) -> Value {
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

async fn user_id(app: &TestApp, token: &str) -> String {
    let (status, me) = app.get_bearer(token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me["id"].as_str().unwrap().to_string()
}

/// Completes every readiness gate the way the preparation readiness test does.
async fn complete_gates(
    app: &TestApp,
    pair: &Pair,
    clinician: &str,
    facilitator: &str,
    hours_ago: i64,
) {
    let (status, _) = app
        .post_bearer(
            clinician,
            &format!("/api/v1/duos/{}/washout", pair.duo_id),
            json!({"participant_id": pair.a_pid}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for pid in [&pair.a_pid, &pair.b_pid] {
        for item in ["support_contact", "ride_home"] {
            let (status, _) = app
                .post_bearer(
                    facilitator,
                    &format!("/api/v1/duos/{}/checklist", pair.duo_id),
                    json!({"item": item, "participant_id": pid, "done": true}),
                )
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT);
        }
    }
    let past = (app.clock_now() - jiff::SignedDuration::from_hours(hours_ago)).to_string();
    let (status, m) = app
        .post_bearer(
            facilitator,
            &format!("/api/v1/duos/{}/meetings", pair.duo_id),
            json!({"kind": "preparation", "with": "joint", "starts_at": past, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (status, _) = app
        .post_bearer(
            facilitator,
            &format!("/api/v1/meetings/{}/held", m["id"].as_str().unwrap()),
            json!({"note": "Good first meeting."}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let path = format!("/api/v1/duos/{}/agreement", pair.duo_id);
    let (status, body) = app
        .put_bearer(facilitator, &path, json!({"sections": sections(pair)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let version = body["version"].clone();
    for t in [&pair.a_token, &pair.b_token, &facilitator.to_string()] {
        let (status, body) = app
            .post_bearer(t, &format!("{path}/sign"), json!({"version": version}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

pub(crate) struct Team {
    pub(crate) admin: String,
    pub(crate) clinician: String,
    pub(crate) facilitator: String,
    pub(crate) clin_id: String,
    pub(crate) fac_id: String,
}

async fn ready_pair(app: &TestApp) -> (Pair, Team) {
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, clinician, facilitator) = in_preparation(app, &pair).await;
    let clin_id = user_id(app, &clinician).await;
    let fac_id = user_id(app, &facilitator).await;
    (
        pair,
        Team {
            admin,
            clinician,
            facilitator,
            clin_id,
            fac_id,
        },
    )
}

async fn room(app: &TestApp, admin: &str, name: &str) -> String {
    let (status, body) = app
        .post_bearer(admin, "/api/v1/rooms", json!({"name": name}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

fn in_hours(app: &TestApp, h: i64) -> String {
    (app.clock_now() + jiff::SignedDuration::from_hours(h)).to_string()
}

/// A duo with every gate met and a session booked in "Garden room" 72 hours from now.
pub(crate) async fn booked(app: &TestApp) -> (Pair, Team, String) {
    let (pair, team) = ready_pair(app).await;
    complete_gates(app, &pair, &team.clinician, &team.facilitator, 2).await;
    room(app, &team.admin, "Garden room").await;
    let (status, s) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/sessions", pair.duo_id),
            json!({"starts_at": in_hours(app, 72), "room": "Garden room", "team": [team.fac_id, team.clin_id],
                   "overnight": false, "escort": "Bo's sister drives them home", "support_contact": "Sister, +31 6 1234 5678"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    (pair, team, s["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn booking_names_each_unmet_gate_then_books_once_every_gate_holds() {
    let app = spawn_app().await;
    let (pair, team) = ready_pair(&app).await;
    // Rooms: coordinators and admins add them; a participant may not; staff list them.
    let garden = room(&app, &team.admin, "Garden room").await;
    assert_eq!(
        app.post_bearer(&team.admin, "/api/v1/rooms", json!({"name": "Garden room"}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post_bearer(&team.admin, "/api/v1/rooms", json!({"name": " "}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post_bearer(&pair.a_token, "/api/v1/rooms", json!({"name": "Mine"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_bearer(&team.facilitator, "/api/v1/rooms", json!({"name": "Mine"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, rooms) = app.get_bearer(&team.facilitator, "/api/v1/rooms").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rooms, json!([{"id": garden, "name": "Garden room"}]));

    let path = format!("/api/v1/duos/{}/sessions", pair.duo_id);
    let start = in_hours(&app, 72);
    let request = json!({"starts_at": start, "room": garden, "team": [team.fac_id, team.clin_id], "overnight": true});
    let (status, body) = app
        .post_bearer(&team.facilitator, &path, request.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().unwrap();
    for gate in [
        "agreement_signed",
        "agreement_countersigned",
        "joint_prep_meeting_held",
        "washout_confirmed",
        "checklist_item",
    ] {
        assert!(detail.contains(gate), "{gate} should be named: {detail}");
    }
    assert!(!detail.contains("intake_submitted"), "{detail}");

    complete_gates(&app, &pair, &team.clinician, &team.facilitator, 2).await;

    // Bad input is named, each field.
    let (status, body) = app
        .post_bearer(
            &team.facilitator,
            &path,
            json!({"starts_at": "tomorrow-ish", "room": "Attic", "team": [team.fac_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["starts_at", "room", "team"], "{body}");
    // Staff not on this duo's team do not count towards it.
    let (outsider_id, _) = app
        .staff_session(&team.admin, "Uma", "uma@clinic.example", &["facilitator"])
        .await;
    let (status, body) = app
        .post_bearer(
            &team.facilitator,
            &path,
            json!({"starts_at": start, "room": "Garden room", "team": [team.fac_id, outsider_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "team[1]");
    // A one-person session is for individual tracks only; this duo's decision is `duo`.
    let mut one = request.clone();
    one["participant_id"] = json!(pair.a_pid);
    let (status, body) = app.post_bearer(&team.facilitator, &path, one).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("individual"));

    // The recovery window (rest of the day and the next day) is kept free.
    let evening = in_hours(&app, 72 + 8 + 20);
    let (status, m) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/meetings", pair.duo_id),
            json!({"kind": "integration", "with": pair.b_pid, "starts_at": evening, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (status, body) = app
        .post_bearer(&team.facilitator, &path, request.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("recovery window") && detail.contains(m["id"].as_str().unwrap()),
        "{detail}"
    );
    let mut anyway = request.clone();
    anyway["allow_recovery_conflict"] = json!(true);
    anyway["escort"] = json!("Overnight in the practice's rest room");
    let (status, s) = app.post_bearer(&team.facilitator, &path, anyway).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert_eq!(s["status"], "booked");
    assert_eq!(s["room"]["name"], "Garden room");
    assert_eq!(s["overnight"], true);
    let starts: jiff::Timestamp = s["starts_at"].as_str().unwrap().parse().unwrap();
    let ends: jiff::Timestamp = s["ends_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((ends - starts).as_hours(), 8, "the protocol's duration");
    let (_, duo) = app
        .get_bearer(&team.facilitator, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(duo["phase"], "scheduled");
    let (status, listed) = app.get_bearer(&pair.a_token, &path).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed[0]["id"], s["id"]);
    let (_, audit) = app
        .get_bearer(&team.admin, "/api/v1/audit?action=book_session")
        .await;
    let reasons = audit.to_string();
    assert!(
        reasons.contains("recovery_conflict_override"),
        "the override is on the record: {reasons}"
    );
    // The escort is sealed at rest.
    let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT escort FROM sessions")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&raw[0]).contains("rest room"),
        "sealed"
    );
    // Booked once: the pathway is scheduled, another booking is refused.
    let (status, _) = app
        .post_bearer(
            &team.facilitator,
            &path,
            json!({"starts_at": in_hours(&app, 200), "room": garden, "team": [team.fac_id, team.clin_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn rooms_and_staff_are_never_double_booked() {
    let app = spawn_app().await;
    let (pair, team, _) = booked(&app).await;
    let _ = pair;
    // A second duo with the same care team.
    let other = app
        .signed_up_pair("cam@example.org", "dee@example.org")
        .await;
    let (_, coordinator) = app
        .staff_session(&team.admin, "Kim", "kim@clinic.example", &["coordinator"])
        .await;
    let (status, body) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", other.duo_id),
            json!({"members": [{"user_id": team.clin_id, "role": "clinician"}, {"user_id": team.fac_id, "role": "facilitator"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    fill_and_submit(&app, &other.a_token, complete_answers("P-C")).await;
    let mut d = complete_answers("P-D");
    d["medications"] = json!([]);
    fill_and_submit(&app, &other.b_token, d).await;
    let (status, body) = app
        .post_bearer(&team.clinician, &format!("/api/v1/duos/{}/screening/decision", other.duo_id), json!({"format": "duo", "rationale": "Reviewed both intakes and findings.", "password": PW}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    complete_gates(&app, &other, &team.clinician, &team.facilitator, 5).await;
    let (second_fac, _) = app
        .staff_session(&team.admin, "Ali", "ali@clinic.example", &["facilitator"])
        .await;
    let (second_clin, _) = app
        .staff_session(&team.admin, "Joy", "joy@clinic.example", &["clinician"])
        .await;
    let (status, _) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", other.duo_id),
            json!({"members": [
                {"user_id": team.clin_id, "role": "clinician"}, {"user_id": team.fac_id, "role": "facilitator"},
                {"user_id": second_clin, "role": "clinician"}, {"user_id": second_fac, "role": "facilitator"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    room(&app, &team.admin, "Blue room").await;
    let path = format!("/api/v1/duos/{}/sessions", other.duo_id);
    // Same room, overlapping time, a free team: the room is taken.
    let (status, body) = app
        .post_bearer(&coordinator, &path, json!({"starts_at": in_hours(&app, 76), "room": "Garden room", "team": [second_fac, second_clin]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("Garden room"));
    // Another room, but the first session's facilitator is in it.
    let (status, body) = app
        .post_bearer(&coordinator, &path, json!({"starts_at": in_hours(&app, 76), "room": "Blue room", "team": [team.fac_id, second_clin]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains(&team.fac_id),
        "{body}"
    );
    // A meeting books staff too.
    let (status, _) = app
        .post_bearer(
            &team.facilitator,
            &format!("/api/v1/duos/{}/meetings", other.duo_id),
            json!({"kind": "preparation", "with": "joint", "starts_at": in_hours(&app, 150), "minutes": 60, "staff": [second_fac]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .post_bearer(&coordinator, &path, json!({"starts_at": in_hours(&app, 146), "room": "Blue room", "team": [second_fac, second_clin]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&second_fac));
    // Free room and team: booked, by a coordinator.
    let (status, body) = app
        .post_bearer(&coordinator, &path, json!({"starts_at": in_hours(&app, 76), "room": "Blue room", "team": [second_fac, second_clin]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn post(app: &TestApp, token: &str, session: &str, body: Value) -> (StatusCode, Value) {
    app.post_bearer(token, &format!("/api/v1/sessions/{session}/events"), body)
        .await
}

#[tokio::test]
async fn the_console_records_every_entry_with_alerts_corrections_and_live_consents() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    let fac = team.facilitator.as_str();
    let clin = team.clinician.as_str();
    let console = format!("/api/v1/sessions/{session}");
    let (status, state) = app.get_bearer(fac, &console).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["mode"], Value::Null);
    assert_eq!(state["escort"], "Bo's sister drives them home");
    assert_eq!(state["measurement_due"][&pair.a_pid], false, "not started");

    // Mode: the first entry starts the session day.
    let (status, m) = post(
        &app,
        fac,
        &session,
        json!({"kind": "mode", "mode": "joint"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["seq"], 1);
    let (_, duo) = app
        .get_bearer(fac, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(duo["phase"], "session");
    let (_, state) = app.get_bearer(fac, &console).await;
    assert_eq!(state["measurement_due"][&pair.a_pid], true, "none yet");
    let (status, _) = post(
        &app,
        clin,
        &session,
        json!({"kind": "mode", "mode": "one_on_one", "participant_id": pair.b_pid}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = post(
        &app,
        fac,
        &session,
        json!({"kind": "mode", "mode": "one_on_one"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Doses: initial, supplemental, withheld with a reason (required).
    for (dose, amount) in [("initial", 120), ("supplemental", 60)] {
        let (status, body) = post(&app, fac, &session, json!({"kind": "dose", "participant_id": pair.a_pid, "substance": "MDMA", "amount_mg": amount, "dose": dose})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = post(&app, fac, &session, json!({"kind": "dose", "participant_id": pair.b_pid, "substance": "MDMA", "amount_mg": 0, "dose": "withheld"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "reason");
    let (status, _) = post(&app, fac, &session, json!({"kind": "dose", "participant_id": pair.b_pid, "substance": "MDMA", "dose": "withheld", "reason": "Blood pressure still high"})).await;
    assert_eq!(status, StatusCode::CREATED);

    // Vitals within the limits: no alert. Over the protocol's limit: an alert to acknowledge.
    let (status, _) = post(&app, fac, &session, json!({"kind": "vitals", "participant_id": pair.a_pid, "systolic": 160, "diastolic": 90, "pulse": 88, "temperature_c": 37.1, "suds": 3})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, high) = post(&app, fac, &session, json!({"kind": "vitals", "participant_id": pair.b_pid, "systolic": 172, "diastolic": 95, "pulse": 104, "temperature_c": 37.4})).await;
    assert_eq!(status, StatusCode::CREATED, "{high}");
    let (status, body) = post(&app, fac, &session, json!({"kind": "vitals", "participant_id": pair.b_pid, "systolic": 900, "diastolic": 95, "pulse": 104})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, state) = app.get_bearer(clin, &console).await;
    let alerts = state["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["id"], high["id"]);
    assert_eq!(alerts[0]["participant_id"], json!(pair.b_pid));
    assert_eq!(alerts[0]["acknowledged"], false);
    let detail = alerts[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("systolic") && detail.contains("pulse") && !detail.contains("diastolic"),
        "{detail}"
    );
    assert_eq!(state["vitals"][&pair.b_pid]["systolic"], 172.0);
    assert_eq!(state["measurement_due"][&pair.b_pid], false);
    assert_eq!(state["mode"]["mode"], "one_on_one");
    assert_eq!(state["mode"]["participant_id"], json!(pair.b_pid));
    let (status, _) = post(
        &app,
        clin,
        &session,
        json!({"kind": "ack", "alert_id": high["id"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = post(
        &app,
        clin,
        &session,
        json!({"kind": "ack", "alert_id": high["id"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = post(
        &app,
        clin,
        &session,
        json!({"kind": "ack", "alert_id": "nothing"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, state) = app.get_bearer(fac, &console).await;
    assert_eq!(state["alerts"][0]["acknowledged"], true);
    // The measurement interval passes: a reminder that a measurement is due.
    // (In two steps: staff sessions end after a quarter hour or so of idleness.)
    app.advance_secs(10 * 60);
    let (_, state) = app.get_bearer(fac, &console).await;
    assert_eq!(state["measurement_due"][&pair.b_pid], false);
    app.advance_secs(10 * 60);
    app.get_bearer(clin, &console).await;
    app.advance_secs(11 * 60);
    let (status, state) = app.get_bearer(fac, &console).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["measurement_due"][&pair.b_pid], true);

    // A console that lost its connection resends its queue: each entry is stored once.
    let queued =
        json!({"kind": "note", "text": "Written while offline.", "client_key": "tablet-1-0007"});
    let (status, first) = post(&app, fac, &session, queued.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = post(&app, fac, &session, queued).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["seq"], first["seq"]);
    assert_eq!(again["replayed"], true);
    let (status, _) = post(
        &app,
        fac,
        &session,
        json!({"kind": "note", "text": "x", "client_key": "no spaces please"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Notes and adverse events.
    let (status, note) = post(
        &app,
        fac,
        &session,
        json!({"kind": "note", "text": "Alex is crying quietly, feels safe."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = post(&app, clin, &session, json!({"kind": "adverse_event", "participant_id": pair.b_pid, "severity": "mild", "description": "Jaw tension", "action": "Offered chewing gum", "outcome": "Eased"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = post(&app, clin, &session, json!({"kind": "adverse_event", "participant_id": pair.b_pid, "severity": "awful", "description": "", "action": ""})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post(&app, fac, &session, json!({"kind": "dance"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A correction is a new entry pointing at the old one; the original stays.
    let (status, fix) = post(&app, fac, &session, json!({"kind": "correction", "corrects": note["id"], "text": "Alex is crying quietly and says they feel safe."})).await;
    assert_eq!(status, StatusCode::CREATED, "{fix}");
    let (status, _) = post(
        &app,
        fac,
        &session,
        json!({"kind": "correction", "corrects": note["id"], "text": ""}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validated as the original kind"
    );
    let (_, state) = app.get_bearer(fac, &console).await;
    let timeline = state["timeline"].as_array().unwrap();
    let original = timeline.iter().find(|e| e["id"] == note["id"]).unwrap();
    assert_eq!(
        original["data"]["text"],
        "Alex is crying quietly, feels safe."
    );
    assert_eq!(original["corrected_by"], fix["id"]);
    assert!(!original["author_name"].as_str().unwrap().is_empty());
    let correction = timeline.iter().find(|e| e["id"] == fix["id"]).unwrap();
    assert_eq!(correction["corrects"], note["id"]);
    assert_eq!(correction["kind"], "correction");
    let seqs: Vec<i64> = timeline
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // Corrected vitals show as the latest values; the alert they raised stays acknowledged.
    let (status, _) = post(&app, fac, &session, json!({"kind": "correction", "corrects": high["id"], "participant_id": pair.b_pid, "systolic": 127, "diastolic": 85, "pulse": 90, "temperature_c": 37.4})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, state) = app.get_bearer(fac, &console).await;
    assert_eq!(state["vitals"][&pair.b_pid]["systolic"], 127.0);
    // Entries are sealed at rest.
    let bodies: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM session_events")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        bodies
            .iter()
            .all(|b| !String::from_utf8_lossy(b).contains("crying"))
    );

    // A consent withdrawn on a participant's phone shows on the console at once.
    let hug = |s: &Value| {
        s["consents"][&pair.a_pid]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["item"] == "touch.hug.from_partner")
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(hug(&state), "given");
    let (status, _) = app
        .post_bearer(
            &pair.a_token,
            "/api/v1/me/consents/touch.hug.from_partner/withdraw",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, state) = app.get_bearer(clin, &console).await;
    assert_eq!(hug(&state), "withdrawn");

    // Two writers at once never collide: distinct, increasing seqs.
    let before = state["last_seq"].as_i64().unwrap();
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..12 {
        let token = if i % 2 == 0 { fac } else { clin }.to_string();
        let url = app.url(&format!("/api/v1/sessions/{session}/events"));
        writers.spawn(async move {
            let r = api()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"kind": "note", "text": format!("note {i}")}))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut got: Vec<i64> = Vec::new();
    while let Some(done) = writers.join_next().await {
        let (status, body) = done.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        got.push(body["seq"].as_i64().unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, ((before + 1)..=(before + 12)).collect::<Vec<_>>());

    // Closing needs a discharge for each participant, with every checklist item.
    let close = format!("/api/v1/sessions/{session}/close");
    let (status, body) = app.post_bearer(fac, &close, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("discharge_recorded")
    );
    let all = json!({"vitals_stable": true, "suds_at_or_below_baseline": true, "clinician_agrees": true, "escort_or_overnight": true});
    let (status, body) = post(&app, clin, &session, json!({"kind": "discharge", "participant_id": pair.a_pid, "checklist": {"vitals_stable": true}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("clinician_agrees")
    );
    let (status, _) = post(
        &app,
        clin,
        &session,
        json!({"kind": "discharge", "participant_id": pair.a_pid, "checklist": all}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app.post_bearer(fac, &close, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&pair.b_pid));
    let (status, _) = post(
        &app,
        clin,
        &session,
        json!({"kind": "discharge", "participant_id": pair.b_pid, "checklist": all}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, closed) = app.post_bearer(fac, &close, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["phase"], "integration");
    assert_eq!(closed["follow_ups"].as_array().unwrap().len(), 7);
    let jobs = dyad_store::jobs::all(&app.state.db).await.unwrap();
    let follow: Vec<&String> = jobs
        .iter()
        .filter(|j| j.0 == "session_follow_up")
        .map(|j| &j.1)
        .collect();
    assert_eq!(follow.len(), 7);
    assert!(follow.contains(&&format!("follow_up:{session}:1")));
    assert!(follow.contains(&&format!("follow_up:{session}:7")));
    // Nothing more after closing.
    assert_eq!(
        post(&app, fac, &session, json!({"kind": "note", "text": "late"}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post_bearer(fac, &close, json!({})).await.0,
        StatusCode::CONFLICT
    );
    // The first follow-up is due a day later and mails the team, without content.
    app.advance_secs(24 * 3600 + 60);
    dyad_web::jobs::run_due(&app.state, "w1").await.unwrap();
    let mail = app
        .last_mail_to("sam@clinic.example")
        .expect("follow-up mail");
    assert!(mail.contains("Follow-up contact due for duo"), "{mail}");
    assert!(!mail.contains("crying") && !mail.contains("MDMA"));
}

#[tokio::test]
async fn the_stream_tells_another_console_within_a_second() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    let mut stream = api()
        .get(app.url(&format!("/api/v1/sessions/{session}/stream")))
        .bearer_auth(&team.clinician)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut seen = String::new();
    async fn read_until(stream: &mut reqwest::Response, seen: &mut String, needle: &str) {
        while !seen.contains(needle) {
            let chunk = stream.chunk().await.unwrap().expect("stream open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    tokio::time::timeout(
        Duration::from_secs(2),
        read_until(&mut stream, &mut seen, "event: seq"),
    )
    .await
    .expect("the current seq on connect");
    assert!(seen.contains("\"seq\":0"), "{seen}");
    // Another facilitator's entry reaches this console within a second.
    let (status, _) = post(
        &app,
        &team.facilitator,
        &session,
        json!({"kind": "mode", "mode": "own_process"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let sent = std::time::Instant::now();
    tokio::time::timeout(
        Duration::from_secs(1),
        read_until(&mut stream, &mut seen, "event: changed"),
    )
    .await
    .expect("changed within a second");
    assert!(sent.elapsed() < Duration::from_secs(1));
    assert!(seen.contains("\"seq\":1"), "{seen}");
    // A consent withdrawn by a participant reaches it too.
    seen.clear();
    let (status, _) = app
        .post_bearer(
            &pair.a_token,
            "/api/v1/me/consents/touch.hug.from_partner/withdraw",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::timeout(
        Duration::from_secs(1),
        read_until(&mut stream, &mut seen, "\"what\":\"consents\""),
    )
    .await
    .expect("the withdrawal within a second");
    drop(stream);
}

/// Many consoles on one session day share one watcher on the instance; every one of them
/// hears each entry, and the watcher stops once the last console has gone.
#[tokio::test]
async fn consoles_on_one_session_share_one_watcher() {
    let app = spawn_app().await;
    let (_pair, team, session) = booked(&app).await;
    async fn read_until(stream: &mut reqwest::Response, seen: &mut String, needle: &str) {
        while !seen.contains(needle) {
            let chunk = stream.chunk().await.unwrap().expect("stream open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    let mut streams = Vec::new();
    for token in [&team.clinician, &team.facilitator, &team.clinician] {
        let mut stream = api()
            .get(app.url(&format!("/api/v1/sessions/{session}/stream")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        let mut seen = String::new();
        tokio::time::timeout(
            Duration::from_secs(2),
            read_until(&mut stream, &mut seen, "event: seq"),
        )
        .await
        .expect("the current seq on connect");
        streams.push((stream, seen));
    }
    assert_eq!(app.state.live.watched(), 1, "one watcher for the session");
    for n in 1..=2 {
        let (status, _) = post(
            &app,
            &team.facilitator,
            &session,
            json!({"kind": "note", "text": format!("note {n}")}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        for (stream, seen) in &mut streams {
            tokio::time::timeout(
                Duration::from_secs(2),
                read_until(stream, seen, &format!("\"seq\":{n},")),
            )
            .await
            .expect("every console hears the entry");
        }
    }
    drop(streams);
    let gone = tokio::time::timeout(Duration::from_secs(5), async {
        while app.state.live.watched() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the watcher outlived its consoles");
}

#[tokio::test]
async fn an_entry_after_a_crash_between_start_and_phase_finishes_the_step() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    // What a kill between the two writes leaves: the session running, the duo scheduled.
    assert!(
        dyad_store::sessions::set_status(&app.state.db, &session, "booked", "running", 0)
            .await
            .unwrap()
    );
    let duo = format!("/api/v1/duos/{}", pair.duo_id);
    let (_, before) = app.get_bearer(&team.facilitator, &duo).await;
    assert_eq!(before["phase"], "scheduled", "{before}");
    let (status, body) = post(
        &app,
        &team.facilitator,
        &session,
        json!({"kind": "mode", "mode": "joint"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, after) = app.get_bearer(&team.facilitator, &duo).await;
    assert_eq!(after["phase"], "session", "{after}");
}

#[tokio::test]
async fn the_stream_ends_when_its_reader_signs_out() {
    let app = spawn_app().await;
    let (_, team, session) = booked(&app).await;
    let mut stream = api()
        .get(app.url(&format!("/api/v1/sessions/{session}/stream")))
        .bearer_auth(&team.clinician)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let (status, _) = app
        .post_bearer(&team.clinician, "/api/v1/auth/logout-everywhere", json!({}))
        .await;
    assert!(status.is_success(), "{status}");
    // The stream asks again every ten seconds; it must end, not keep telling.
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match stream.chunk().await {
                Ok(Some(_)) => continue,
                _ => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived the sign-out");
}

#[tokio::test]
async fn partners_participants_and_unassigned_staff_find_no_session() {
    let app = spawn_app().await;
    let (pair, team, session) = booked(&app).await;
    let (_, outsider) = app
        .staff_session(
            &team.admin,
            "Uma",
            "uma@clinic.example",
            &["facilitator", "clinician"],
        )
        .await;
    let (_, coordinator) = app
        .staff_session(&team.admin, "Kim", "kim@clinic.example", &["coordinator"])
        .await;
    for token in [
        &pair.a_token,
        &pair.b_token,
        &outsider,
        &coordinator,
        &team.admin,
    ] {
        for path in [
            format!("/api/v1/sessions/{session}"),
            format!("/api/v1/sessions/{session}/stream"),
        ] {
            assert_eq!(
                app.get_bearer(token, &path).await.0,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        for path in [
            format!("/api/v1/sessions/{session}/events"),
            format!("/api/v1/sessions/{session}/close"),
        ] {
            assert_eq!(
                app.post_bearer(token, &path, json!({"kind": "note", "text": "x"}))
                    .await
                    .0,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        // "Not yours" looks exactly like "does not exist".
        assert_eq!(
            app.get_bearer(token, "/api/v1/sessions/no-such-session")
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
    for token in [&pair.a_token, &outsider] {
        assert_eq!(
            app.post_bearer(
                token,
                &format!("/api/v1/duos/{}/sessions", pair.duo_id),
                json!({"starts_at": in_hours(&app, 300), "room": "Garden room", "team": []})
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_one_person_session_serves_the_individual_tracks() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, clinician, facilitator) = crate::intake::with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("P-A")).await;
    let mut b = complete_answers("P-B");
    b["medications"] = json!([]);
    fill_and_submit(&app, &pair.b_token, b).await;
    let (status, body) = app
        .post_bearer(&clinician, &format!("/api/v1/duos/{}/screening/decision", pair.duo_id), json!({"format": "individual_only", "rationale": "Each first on their own.", "password": PW}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let fac_id = user_id(&app, &facilitator).await;
    let clin_id = user_id(&app, &clinician).await;
    room(&app, &admin, "Garden room").await;
    let path = format!("/api/v1/duos/{}/sessions", pair.duo_id);
    let request = json!({"starts_at": in_hours(&app, 72), "room": "Garden room", "team": [fac_id, clin_id], "participant_id": pair.b_pid, "overnight": true});
    // No duo session under individual_only.
    let mut duo_session = request.clone();
    duo_session["participant_id"] = Value::Null;
    let (status, body) = app.post_bearer(&facilitator, &path, duo_session).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("individual_only"));
    // Bo's own gates are named; Alex's and the two-person gates are not.
    let (status, body) = app.post_bearer(&facilitator, &path, request.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("individual_track_completed") && detail.contains("agreement_signed"),
        "{detail}"
    );
    assert!(
        !detail.contains(&pair.a_pid)
            && !detail.contains("joint_prep_meeting_held")
            && !detail.contains("two_participants"),
        "{detail}"
    );
    // Bo's track: an individual meeting held, the checklist, the agreement signed.
    let past = (app.clock_now() - jiff::SignedDuration::from_hours(3)).to_string();
    let (status, m) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/duos/{}/meetings", pair.duo_id),
            json!({"kind": "preparation", "with": pair.b_pid, "starts_at": past, "minutes": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    app.post_bearer(
        &facilitator,
        &format!("/api/v1/meetings/{}/held", m["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    for item in ["support_contact", "ride_home"] {
        app.post_bearer(
            &facilitator,
            &format!("/api/v1/duos/{}/checklist", pair.duo_id),
            json!({"item": item, "participant_id": pair.b_pid, "done": true}),
        )
        .await;
    }
    let agreement = format!("/api/v1/duos/{}/agreement", pair.duo_id);
    let (status, v) = app
        .put_bearer(
            &facilitator,
            &agreement,
            json!({"sections": sections(&pair)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for t in [&pair.b_token, &facilitator] {
        let (status, body) = app
            .post_bearer(
                t,
                &format!("{agreement}/sign"),
                json!({"version": v["version"]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, s) = app.post_bearer(&facilitator, &path, request).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert_eq!(s["participant_id"], json!(pair.b_pid));
    let session = s["id"].as_str().unwrap().to_string();
    // Bo sees their own session's booking; Alex does not.
    let (status, mine) = app.get_bearer(&pair.b_token, &path).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let (_, theirs) = app.get_bearer(&pair.a_token, &path).await;
    assert_eq!(theirs, json!([]));
    // The console is about Bo alone.
    let (status, body) = post(&app, &facilitator, &session, json!({"kind": "vitals", "participant_id": pair.a_pid, "systolic": 120, "diastolic": 80, "pulse": 70, "temperature_c": 36.8})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = post(
        &app,
        &facilitator,
        &session,
        json!({"kind": "mode", "mode": "one_on_one", "participant_id": pair.b_pid}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, state) = app
        .get_bearer(&clinician, &format!("/api/v1/sessions/{session}"))
        .await;
    assert_eq!(state["participants"], json!([pair.b_pid]));
    assert!(state["consents"].get(&pair.a_pid).is_none());
    let all = json!({"vitals_stable": true, "suds_at_or_below_baseline": true, "clinician_agrees": true, "escort_or_overnight": true});
    let (status, _) = post(
        &app,
        &clinician,
        &session,
        json!({"kind": "discharge", "participant_id": pair.b_pid, "checklist": all}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, closed) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/sessions/{session}/close"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(
        closed["phase"], "preparation",
        "the duo's shared phase does not move for one person"
    );
    assert_eq!(closed["follow_ups"].as_array().unwrap().len(), 7);
}

/// Two instances on one PostgreSQL database: writers on both number the entries without
/// a collision, and the stream on one instance sees an entry written on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn entries_from_two_instances_on_postgres_never_collide() {
    let Ok(admin_url) = std::env::var("DYAD_TEST_DATABASE_URL") else {
        eprintln!("DYAD_TEST_DATABASE_URL not set: PostgreSQL part not run");
        return;
    };
    let admin_db = dyad_store::Db::connect(&admin_url, &dyad_store::DbOptions::default())
        .await
        .expect("DYAD_TEST_DATABASE_URL is set but PostgreSQL does not answer");
    let name = format!(
        "dyad_sess_{}",
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
    let second = app.second_instance().await;
    let (_, team, session) = booked(&app).await;
    let mut stream = api()
        .get(second.url(&format!("/api/v1/sessions/{session}/stream")))
        .bearer_auth(&team.clinician)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..16 {
        let base = if i % 2 == 0 { &app } else { &second };
        let token = if i % 3 == 0 {
            &team.facilitator
        } else {
            &team.clinician
        }
        .to_string();
        let url = base.url(&format!("/api/v1/sessions/{session}/events"));
        writers.spawn(async move {
            let r = api()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"kind": "note", "text": format!("note {i}")}))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut got = Vec::new();
    while let Some(done) = writers.join_next().await {
        let (status, body) = done.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        got.push(body["seq"].as_i64().unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (1..=16).collect::<Vec<_>>());
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(2), async {
        while !seen.contains("event: changed") {
            let chunk = stream.chunk().await.unwrap().expect("stream open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("the other instance's stream saw the entries");
    drop(stream);
    drop(second);
    drop(app);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin_db.pool)
    .await
    .unwrap();
}
