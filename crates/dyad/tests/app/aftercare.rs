//! Aftercare over the API: check-ins created when a session closes, on the protocol's
//! schedule with the manual clock, reminder mails as jobs; answers sealed and scored; risk
//! answers showing the crisis contacts and opening an alert for the team, mailed to the
//! clinician and escalated when nobody acknowledges it; alert actions audited; the wall
//! around check-ins and alerts; outcomes; the personal export.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Pair, TestApp, spawn_app};
use crate::preparation::in_preparation;

pub const DAY: i64 = 24 * 3600;

pub struct Closed {
    pub pair: Pair,
    pub admin: String,
    pub clinician: String,
    pub facilitator: String,
    pub session: String,
}

fn sections(pair: &Pair) -> Value {
    json!({
        "intentions": {pair.a_pid.clone(): "To listen", pair.b_pid.clone(): "To be honest"},
        "boundaries": "No talk about the old flat.",
        "touch": {pair.a_pid.clone(): {"from_partner": ["hand"], "from_facilitator": []}, pair.b_pid.clone(): {"from_partner": ["hand"], "from_facilitator": []}},
        "proximity": "Mattresses a metre apart.",
        "sharing": {pair.a_pid.clone(): "Nothing without asking me", pair.b_pid.clone(): "Nothing"},
        "music": "Quiet music.",
        "time_outs": "A raised hand means a pause.",
        "talking": "Quiet in the morning.",
        "shared_vs_own": "Mostly each in our own process.",
        "difficult_moments": "The facilitator sits with whoever needs it.",
        "afterwards": "We talk the next evening.",
        "confidentiality": "What each says to the team stays with the team."
    })
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let (_, me) = app.get_bearer(token, "/api/v1/me").await;
    me["id"].as_str().unwrap().to_string()
}

/// A duo through preparation, its session held and closed: the duo is in integration.
pub async fn closed_session(app: &TestApp) -> Closed {
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, clinician, facilitator) = in_preparation(app, &pair).await;
    let d = &pair.duo_id;
    let ok = |s: StatusCode, b: &Value| assert!(s.is_success(), "{s} {b}");
    let (s, b) = app
        .post_bearer(
            &clinician,
            &format!("/api/v1/duos/{d}/washout"),
            json!({"participant_id": pair.a_pid}),
        )
        .await;
    ok(s, &b);
    for pid in [&pair.a_pid, &pair.b_pid] {
        for item in ["support_contact", "ride_home"] {
            let (s, b) = app
                .post_bearer(
                    &facilitator,
                    &format!("/api/v1/duos/{d}/checklist"),
                    json!({"item": item, "participant_id": pid, "done": true}),
                )
                .await;
            ok(s, &b);
        }
    }
    let past = (app.clock_now() - jiff::SignedDuration::from_hours(2)).to_string();
    let (s, m) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/duos/{d}/meetings"),
            json!({"kind": "preparation", "with": "joint", "starts_at": past, "minutes": 60}),
        )
        .await;
    ok(s, &m);
    let (s, b) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/meetings/{}/held", m["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    ok(s, &b);
    let path = format!("/api/v1/duos/{d}/agreement");
    let (s, body) = app
        .put_bearer(&facilitator, &path, json!({"sections": sections(&pair)}))
        .await;
    ok(s, &body);
    for t in [&pair.a_token, &pair.b_token, &facilitator] {
        let (s, b) = app
            .post_bearer(
                t,
                &format!("{path}/sign"),
                json!({"version": body["version"]}),
            )
            .await;
        ok(s, &b);
    }
    let (s, b) = app
        .post_bearer(&admin, "/api/v1/rooms", json!({"name": "Garden room"}))
        .await;
    ok(s, &b);
    let team = [
        user_id(app, &facilitator).await,
        user_id(app, &clinician).await,
    ];
    let starts = (app.clock_now() + jiff::SignedDuration::from_hours(72)).to_string();
    let (s, session) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/duos/{d}/sessions"),
            json!({"starts_at": starts, "room": "Garden room", "team": team,
            "overnight": false, "escort": "A friend", "support_contact": "A friend"}),
        )
        .await;
    ok(s, &session);
    let session = session["id"].as_str().unwrap().to_string();
    let events = format!("/api/v1/sessions/{session}/events");
    let (s, b) = app
        .post_bearer(
            &facilitator,
            &events,
            json!({"kind": "mode", "mode": "joint"}),
        )
        .await;
    ok(s, &b);
    let all = json!({"vitals_stable": true, "suds_at_or_below_baseline": true, "clinician_agrees": true, "escort_or_overnight": true});
    for pid in [&pair.a_pid, &pair.b_pid] {
        let (s, b) = app
            .post_bearer(
                &clinician,
                &events,
                json!({"kind": "discharge", "participant_id": pid, "checklist": all}),
            )
            .await;
        ok(s, &b);
    }
    let (s, closed) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/sessions/{session}/close"),
            json!({}),
        )
        .await;
    ok(s, &closed);
    assert_eq!(closed["phase"], "integration");
    Closed {
        pair,
        admin,
        clinician,
        facilitator,
        session,
    }
}

pub async fn checkins(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, list) = app.get_bearer(token, "/api/v1/me/checkins").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

pub fn find<'a>(list: &'a [Value], point: &str) -> &'a Value {
    list.iter()
        .find(|c| c["point"] == point)
        .unwrap_or_else(|| panic!("no {point} in {list:?}"))
}

pub fn calm() -> Value {
    json!({"mood": 7, "sleep": 6, "self_harm": "no", "contact": "no"})
}

fn mails(app: &TestApp, to: &str, subject_part: &str) -> usize {
    std::fs::read_dir(app.outbox())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .filter(|t| t.contains(&format!("To: {to}")) && t.contains(subject_part))
                .count()
        })
        .unwrap_or(0)
}

/// Moves the manual clock on. Everyone's sign-in is kept alive across the jump (as if each
/// had signed in again), so the tests can follow weeks of aftercare with the same tokens.
pub async fn later(app: &TestApp, secs: i64) {
    app.advance_secs(secs);
    let now = app.clock_now().as_microsecond();
    sqlx::query("UPDATE auth_sessions SET last_seen_at = $1, expires_at = $2")
        .bind(now)
        .bind(now + 400 * DAY * 1_000_000)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

async fn run_jobs(app: &TestApp) {
    dyad_web::jobs::run_due(&app.state, "w1").await.unwrap();
}

#[tokio::test]
async fn check_ins_follow_the_schedule_with_reminders_and_refuse_out_of_time_answers() {
    let app = spawn_app().await;
    let c = closed_session(&app).await;
    let a = checkins(&app, &c.pair.a_token).await;
    let points: Vec<&str> = a.iter().map(|c| c["point"].as_str().unwrap()).collect();
    assert_eq!(
        points,
        [
            "day_1", "day_2", "day_3", "day_4", "day_5", "day_6", "day_7", "week_2", "month_1",
            "month_3", "month_6"
        ]
    );
    assert!(a.iter().all(|c| c["status"] == "upcoming"));
    assert_eq!(find(&a, "week_2")["instruments"], json!(["phq9", "gad7"]));
    assert_eq!(
        find(&a, "month_1")["instruments"],
        json!(["phq9", "gad7", "pcl5"])
    );
    // B has their own, never A's.
    let b = checkins(&app, &c.pair.b_token).await;
    assert_eq!(b.len(), 11);
    assert!(b.iter().all(|x| a.iter().all(|y| x["id"] != y["id"])));
    // A reminder job per check-in, keyed so it is never enqueued twice.
    let jobs = dyad_store::jobs::all(&app.state.db).await.unwrap();
    assert_eq!(
        jobs.iter().filter(|j| j.0 == "checkin_reminder").count(),
        22
    );
    let of_session: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE session_id = $1")
        .bind(&c.session)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(of_session, 22);

    // Nothing is due yet, and an upcoming check-in cannot be answered.
    let day1 = find(&a, "day_1")["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .post_bearer(
            &c.pair.a_token,
            &format!("/api/v1/me/checkins/{day1}"),
            json!({"wellbeing": calm()}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    run_jobs(&app).await;
    assert_eq!(mails(&app, "alex@example.org", "check-in is ready"), 0);

    // A day later the first one opens and its reminder is mailed, with a link and nothing else.
    later(&app, DAY + 60).await;
    run_jobs(&app).await;
    let mail = app.last_mail_to("alex@example.org").unwrap();
    assert!(mail.contains("A check-in is ready for you"), "{mail}");
    assert!(mail.contains(&format!("/checkins/{day1}")), "{mail}");
    assert_eq!(mails(&app, "bo@example.org", "check-in is ready"), 1);
    let a = checkins(&app, &c.pair.a_token).await;
    assert_eq!(find(&a, "day_1")["status"], "due");
    assert_eq!(find(&a, "day_2")["status"], "upcoming");

    // Bad answers are refused all at once, nothing stored.
    let (status, body) = app
        .post_bearer(&c.pair.a_token, &format!("/api/v1/me/checkins/{day1}"),
            json!({"wellbeing": {"mood": 12, "self_harm": "maybe", "contact": "no"}, "instruments": {"phq9": [0,0,0,0,0,0,0,0,0]}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "wellbeing.mood",
            "wellbeing.sleep",
            "wellbeing.self_harm",
            "instruments.phq9"
        ]
    );

    // A calm answer: stored, sealed, no alert, no crisis block.
    let (status, done) = app
        .post_bearer(
            &c.pair.a_token,
            &format!("/api/v1/me/checkins/{day1}"),
            json!({"wellbeing": calm()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["risk"], false);
    assert_eq!(done["crisis_contacts"], json!([]));
    assert_eq!(done["checkin"]["status"], "answered");
    assert_eq!(done["checkin"]["answers"]["wellbeing"]["mood"], 7);
    let (status, _) = app
        .post_bearer(
            &c.pair.a_token,
            &format!("/api/v1/me/checkins/{day1}"),
            json!({"wellbeing": calm()}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "answered once");
    let raw: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT answers FROM checkins WHERE answers IS NOT NULL")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(raw.len(), 1);
    assert!(
        !String::from_utf8_lossy(&raw[0]).contains("self_harm"),
        "sealed at rest"
    );
    let (_, alerts) = app
        .get_bearer(
            &c.clinician,
            &format!("/api/v1/duos/{}/alerts", c.pair.duo_id),
        )
        .await;
    assert_eq!(alerts, json!([]));

    // Two days on, day 1 has closed (missed for B) and day 2 is open; a reminder for an
    // answered check-in is not sent.
    later(&app, DAY).await;
    run_jobs(&app).await;
    let b = checkins(&app, &c.pair.b_token).await;
    assert_eq!(find(&b, "day_1")["status"], "missed");
    assert_eq!(find(&b, "day_2")["status"], "due");
    let b_day1 = find(&b, "day_1")["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .post_bearer(
            &c.pair.b_token,
            &format!("/api/v1/me/checkins/{b_day1}"),
            json!({"wellbeing": calm()}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "closed");

    // Week 2 asks the instruments due there, scored with the instrument definitions.
    later(&app, 12 * DAY).await;
    let a = checkins(&app, &c.pair.a_token).await;
    let week2 = find(&a, "week_2");
    assert_eq!(week2["status"], "due");
    let week2 = week2["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .post_bearer(
            &c.pair.a_token,
            &format!("/api/v1/me/checkins/{week2}"),
            json!({"wellbeing": calm(), "instruments": {"phq9": [0,1,0,0,0,0,0,0,0]}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "instruments.gad7");
    let (status, done) = app
        .post_bearer(&c.pair.a_token, &format!("/api/v1/me/checkins/{week2}"),
            json!({"wellbeing": calm(), "instruments": {"phq9": [1,1,0,1,0,0,0,0,0], "gad7": [1,1,1,0,0,0,0]}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["checkin"]["scores"]["phq9"]["total"], 3);
    assert_eq!(done["checkin"]["scores"]["phq9"]["band"], "Minimal");
    assert_eq!(done["checkin"]["scores"]["gad7"]["total"], 3);
    assert_eq!(done["risk"], false);
}

/// Answers A's check-in `point` (it must be due) and returns the response.
pub async fn answer(app: &TestApp, token: &str, point: &str, body: Value) -> Value {
    let list = checkins(app, token).await;
    let id = find(&list, point)["id"].as_str().unwrap().to_string();
    let (status, done) = app
        .post_bearer(token, &format!("/api/v1/me/checkins/{id}"), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    done
}

#[tokio::test]
async fn a_risk_answer_shows_crisis_contacts_alerts_the_clinician_and_escalates_when_unacknowledged()
 {
    let app = spawn_app().await;
    let c = closed_session(&app).await;
    let duo = &c.pair.duo_id;
    later(&app, DAY + 60).await;
    run_jobs(&app).await;

    // A says they have thoughts of self-harm and would like contact.
    let done = answer(
        &app,
        &c.pair.a_token,
        "day_1",
        json!({"wellbeing": {"mood": 2, "sleep": 3, "self_harm": "thoughts", "contact": "yes"}}),
    )
    .await;
    assert_eq!(done["risk"], true);
    let contacts = done["crisis_contacts"].as_array().unwrap();
    assert!(!contacts.is_empty());
    assert!(
        contacts[0].as_str().unwrap().contains("112"),
        "{contacts:?}"
    );
    assert_eq!(done["checkin"]["risk"], true);

    // The clinician sees an open alert naming the signals with their sources.
    let (status, alerts) = app
        .get_bearer(&c.clinician, &format!("/api/v1/duos/{duo}/alerts"))
        .await;
    assert_eq!(status, StatusCode::OK, "{alerts}");
    let alerts = alerts.as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert["status"], "open");
    assert_eq!(alert["participant_id"], c.pair.a_pid.as_str());
    assert_eq!(alert["point"], "day_1");
    let signals: Vec<&str> = alert["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(signals, ["self_harm_thoughts", "asked_for_contact"]);
    assert!(!alert["signals"][0]["source"].as_str().unwrap().is_empty());
    // The inbox across the clinician's duos has it too.
    let (_, inbox) = app.get_bearer(&c.clinician, "/api/v1/alerts").await;
    assert_eq!(inbox.as_array().unwrap().len(), 1);

    // The clinician is told at once, without content; nobody else yet.
    run_jobs(&app).await;
    let notice = app.last_mail_to("mira@clinic.example").unwrap();
    assert!(notice.contains("A check-in needs attention"), "{notice}");
    assert!(
        !notice.contains("self_harm") && !notice.contains("Alex"),
        "{notice}"
    );
    assert_eq!(mails(&app, "sam@clinic.example", "needs attention"), 0);
    assert_eq!(
        mails(&app, "mira@clinic.example", "Not acknowledged yet"),
        0
    );

    // Unacknowledged after the protocol's 60 minutes: the clinician, the facilitator and the
    // coordinator are mailed, once.
    later(&app, 59 * 60).await;
    run_jobs(&app).await;
    assert_eq!(
        mails(&app, "mira@clinic.example", "Not acknowledged yet"),
        0,
        "not before its time"
    );
    later(&app, 2 * 60).await;
    run_jobs(&app).await;
    for who in [
        "mira@clinic.example",
        "sam@clinic.example",
        "noor@clinic.example",
    ] {
        assert_eq!(mails(&app, who, "Not acknowledged yet"), 1, "{who}");
    }
    let escalation = app.last_mail_to("noor@clinic.example").unwrap();
    assert!(
        !escalation.contains("self_harm") && !escalation.contains("Alex"),
        "{escalation}"
    );
    assert_eq!(mails(&app, "alex@example.org", "Not acknowledged"), 0);
    later(&app, 3600).await;
    run_jobs(&app).await;
    assert_eq!(
        mails(&app, "mira@clinic.example", "Not acknowledged yet"),
        1,
        "once"
    );
    let (_, alerts) = app
        .get_bearer(&c.clinician, &format!("/api/v1/duos/{duo}/alerts"))
        .await;
    assert!(alerts[0]["escalated_at"].is_string());

    // A second risk answer (PHQ-9 item 9 at week 2), acknowledged in time: no escalation.
    later(&app, 13 * DAY).await;
    let done = answer(&app, &c.pair.a_token, "week_2",
        json!({"wellbeing": calm(), "instruments": {"phq9": [0,0,0,0,0,0,0,0,1], "gad7": [0,0,0,0,0,0,0]}})).await;
    assert_eq!(done["risk"], true);
    let (_, alerts) = app
        .get_bearer(&c.clinician, &format!("/api/v1/duos/{duo}/alerts"))
        .await;
    let second = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["point"] == "week_2")
        .unwrap()
        .clone();
    assert_eq!(second["signals"][0]["id"], "phq9_item9");
    let (status, acked) = app
        .post_bearer(
            &c.clinician,
            &format!(
                "/api/v1/alerts/{}/acknowledge",
                second["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(acked["status"], "acknowledged");
    assert_eq!(acked["acknowledged_by"], "Mira");
    later(&app, 2 * 3600).await;
    run_jobs(&app).await;
    assert_eq!(
        mails(&app, "mira@clinic.example", "Not acknowledged yet"),
        1,
        "no second escalation"
    );
    assert_eq!(
        mails(&app, "noor@clinic.example", "Not acknowledged yet"),
        1
    );
}

#[tokio::test]
async fn alert_actions_are_audited_and_only_the_duos_team_reaches_check_ins_and_alerts() {
    let app = spawn_app().await;
    let c = closed_session(&app).await;
    let duo = &c.pair.duo_id;
    later(&app, DAY + 60).await;
    answer(
        &app,
        &c.pair.a_token,
        "day_1",
        json!({"wellbeing": {"mood": 1, "sleep": 1, "self_harm": "plan", "contact": "no"}}),
    )
    .await;
    let (_, alerts) = app
        .get_bearer(&c.clinician, &format!("/api/v1/duos/{duo}/alerts"))
        .await;
    let alert = alerts[0]["id"].as_str().unwrap().to_string();
    let signals: Vec<&str> = alerts[0]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(signals, ["self_harm_thoughts", "self_harm_plan"]);
    let a_checkins = checkins(&app, &c.pair.a_token).await;
    let a_day2 = find(&a_checkins, "day_2")["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Who else finds nothing: the partner, an unassigned clinician, a coordinator (not
    // clinical content), the admin — all exactly as for an id that does not exist.
    let (_, outsider) = app
        .staff_session(&c.admin, "Uma", "uma@clinic.example", &["clinician"])
        .await;
    let (_, coordinator) = app
        .staff_session(&c.admin, "Cato", "cato@clinic.example", &["coordinator"])
        .await;
    let nobody = "00000000-0000-7000-8000-0000000000ff";
    for token in [&c.pair.b_token, &outsider, &coordinator, &c.admin] {
        let (status, body) = app
            .get_bearer(token, &format!("/api/v1/duos/{duo}/alerts"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        for action in ["acknowledge", "note", "resolve"] {
            let (s1, b1) = app
                .post_bearer(
                    token,
                    &format!("/api/v1/alerts/{alert}/{action}"),
                    json!({"text": "x"}),
                )
                .await;
            let (s2, _) = app
                .post_bearer(
                    token,
                    &format!("/api/v1/alerts/{nobody}/{action}"),
                    json!({"text": "x"}),
                )
                .await;
            assert_eq!(s1, StatusCode::NOT_FOUND, "{action}: {b1}");
            assert_eq!(s1, s2);
        }
        let (status, _) = app
            .post_bearer(
                token,
                &format!("/api/v1/me/checkins/{a_day2}"),
                json!({"wellbeing": calm()}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .get_bearer(
                token,
                &format!("/api/v1/participants/{}/outcomes", c.pair.a_pid),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (_, inbox) = app.get_bearer(&outsider, "/api/v1/alerts").await;
    assert_eq!(inbox, json!([]));
    let (status, _) = app.get_bearer(&c.pair.a_token, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "participants have no inbox");
    // B's own list never holds A's check-ins; B reading A's outcomes gets nothing.
    let b = checkins(&app, &c.pair.b_token).await;
    assert!(b.iter().all(|x| x["risk"] == false));
    let (status, _) = app
        .get_bearer(
            &c.pair.b_token,
            &format!("/api/v1/participants/{}/outcomes", c.pair.a_pid),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The team acts: acknowledge once, notes (sealed), resolve once.
    let base = format!("/api/v1/alerts/{alert}");
    let (status, _) = app
        .post_bearer(&c.facilitator, &format!("{base}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post_bearer(&c.clinician, &format!("{base}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = app
        .post_bearer(&c.clinician, &format!("{base}/note"), json!({"text": "  "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, noted) = app
        .post_bearer(
            &c.clinician,
            &format!("{base}/note"),
            json!({"text": "Called Alex at 14:10; safety plan agreed."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{noted}");
    assert_eq!(noted["notes"][0]["author"], "Mira");
    let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM alert_notes")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&raw[0]).contains("safety plan"),
        "sealed"
    );
    let (status, resolved) = app
        .post_bearer(
            &c.clinician,
            &format!("{base}/resolve"),
            json!({"note": "Seen in person the next day."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["notes"].as_array().unwrap().len(), 2);
    let (status, _) = app
        .post_bearer(&c.clinician, &format!("{base}/resolve"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Resolved alerts leave the open list, and stay readable on request.
    let (_, open) = app
        .get_bearer(&c.clinician, &format!("/api/v1/duos/{duo}/alerts"))
        .await;
    assert_eq!(open, json!([]));
    let (_, all) = app
        .get_bearer(
            &c.clinician,
            &format!("/api/v1/duos/{duo}/alerts?status=all"),
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    // Every action is in the audit trail, as are the refusals.
    for action in [
        "alert_acknowledge",
        "alert_note",
        "alert_resolve",
        "open_alert",
    ] {
        let (status, trail) = app
            .get_bearer(&c.admin, &format!("/api/v1/audit?action={action}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let trail = trail.as_array().unwrap();
        assert!(!trail.is_empty(), "{action}");
        assert!(
            trail
                .iter()
                .all(|r| r["subject_id"] == c.pair.a_pid.as_str()),
            "{trail:?}"
        );
    }
    let (_, denied) = app
        .get_bearer(&c.admin, &format!("/api/v1/audit?subject={}", c.pair.a_pid))
        .await;
    assert!(
        denied
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["resource"] == "alerts" && r["outcome"] == "deny")
    );
}

#[tokio::test]
async fn the_export_holds_everything_about_the_caller_and_nothing_private_of_the_partner() {
    let app = spawn_app().await;
    let c = closed_session(&app).await;
    let duo = &c.pair.duo_id;
    later(&app, DAY + 60).await;
    answer(&app, &c.pair.a_token, "day_1", json!({"wellbeing": calm()})).await;
    answer(
        &app,
        &c.pair.b_token,
        "day_1",
        json!({"wellbeing": {"mood": 1, "sleep": 2, "self_harm": "no", "contact": "yes"}}),
    )
    .await;
    for (token, text) in [
        (&c.pair.a_token, "EXPORT-A-JOURNAL"),
        (&c.pair.b_token, "EXPORT-B-JOURNAL"),
    ] {
        let (status, _) = app
            .post_bearer(
                token,
                "/api/v1/me/journal",
                json!({"text": text, "tag": "mine", "share": {"partner": false, "team": true}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for (token, text) in [
        (&c.pair.a_token, "EXPORT-A-MESSAGE"),
        (&c.pair.b_token, "EXPORT-B-MESSAGE"),
    ] {
        let (status, _) = app
            .post_bearer(token, "/api/v1/me/messages", json!({"text": text}))
            .await;
        assert!(status.is_success());
    }
    // An individual meeting for B only.
    let soon = (app.clock_now() + jiff::SignedDuration::from_hours(30)).to_string();
    let (status, own_meeting) = app
        .post_bearer(
            &c.facilitator,
            &format!("/api/v1/duos/{duo}/meetings"),
            json!({"kind": "integration", "with": c.pair.b_pid, "starts_at": soon, "minutes": 45}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own_meeting}");

    // The clinician reads A's intake: A's access log will say so.
    let (status, _) = app
        .get_bearer(
            &c.clinician,
            &format!("/api/v1/participants/{}/intake", c.pair.a_pid),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, export) = app.get_bearer(&c.pair.a_token, "/api/v1/me/export").await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["profile"]["email"], "alex@example.org");
    assert_eq!(export["profile"]["participant_id"], c.pair.a_pid.as_str());
    assert!(
        export["profile"]["motivation"]
            .as_str()
            .unwrap()
            .contains("what happened last year")
    );
    assert!(!export["documents"].as_array().unwrap().is_empty());
    assert!(!export["consents"].as_array().unwrap().is_empty());
    assert_eq!(export["intake"]["status"], "submitted");
    assert_eq!(
        export["intake_versions"][0]["answers"]["phq9"],
        json!([1, 1, 0, 2, 1, 0, 1, 0, 0])
    );
    assert_eq!(export["journal"][0]["text"], "EXPORT-A-JOURNAL");
    assert_eq!(export["checkins"].as_array().unwrap().len(), 11);
    assert_eq!(
        find(export["checkins"].as_array().unwrap(), "day_1")["answers"]["wellbeing"]["mood"],
        7
    );
    assert!(
        export["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["text"] == "EXPORT-A-MESSAGE")
    );
    let meetings = export["meetings"].as_array().unwrap();
    assert!(
        meetings.iter().all(|m| m["id"] != own_meeting["id"]),
        "B's own meeting is not A's"
    );
    assert!(meetings.iter().any(|m| m["with"] == "joint"));
    let log = export["access_log"].as_array().unwrap();
    assert!(
        log.iter()
            .any(|a| a["who"] == "Mira" && a["what"] == "intake"),
        "{log:?}"
    );
    // Nothing of B's own: not the journal, the message, the answers, the sign-up words.
    let text = export.to_string();
    for secret in [
        "EXPORT-B-JOURNAL",
        "EXPORT-B-MESSAGE",
        "I want us to feel close again",
        "\"contact\":\"yes\"",
        &c.pair.b_pid,
    ] {
        assert!(!text.contains(secret), "A's export holds {secret}");
    }
    // B's has B's, not A's.
    let (_, b_export) = app.raw_bearer(&c.pair.b_token, "/api/v1/me/export").await;
    assert!(
        b_export.contains("EXPORT-B-JOURNAL") && b_export.contains("I want us to feel close again")
    );
    assert!(!b_export.contains("EXPORT-A") && !b_export.contains("what happened last year"));
    // Audited; staff have no export of their own.
    let (_, trail) = app
        .get_bearer(
            &c.admin,
            &format!("/api/v1/audit?action=export&subject={}", c.pair.a_pid),
        )
        .await;
    assert_eq!(trail.as_array().unwrap().len(), 1, "{trail}");
    assert_eq!(trail[0]["resource"], "personal_export");
    let (status, _) = app.get_bearer(&c.clinician, "/api/v1/me/export").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The readable page says the same.
    let (status, page) = app.raw_bearer(&c.pair.a_token, "/me/export").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Everything we hold about you"));
    assert!(page.contains("EXPORT-A-JOURNAL") && page.contains("what happened last year"));
    assert!(!page.contains("EXPORT-B"));
}
