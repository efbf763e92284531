//! The confidential intake over the API: drafts, submission, scores, amendments, and
//! the partner's wall.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Pair, TestApp, spawn_app};

/// A complete set of answers for the shipped form, with a canary in the free text.
pub fn complete_answers(canary: &str) -> Value {
    json!({
        "sex": "female",
        "date_of_birth": "1990-04-12",
        "weight_kg": 64,
        "pregnant": "no",
        "breastfeeding": "no",
        "conditions": ["hypertension"],
        "hypertension_controlled": "yes",
        "mental_health_care_now": "no",
        "psychiatric_admission_ever": "no",
        "medications": [{"name": "sertraline", "dose": "50 mg"}],
        "substances": [],
        "phq9": [1, 1, 0, 2, 1, 0, 1, 0, 0],
        "gad7": [1, 2, 1, 0, 1, 1, 0],
        "pcl5": [0, 1, 1, 0, 2, 1, 0, 0, 1, 1, 0, 0, 1, 2, 0, 1, 0, 1, 0, 0],
        "auditc": [2, 1, 0],
        "self_harm": {"thoughts_past_month": false, "plan_past_month": false, "attempt_past_year": false, "attempt_ever": false},
        "relationship": {"conflict": 2, "trust": 4, "safety": 5, "equality": 4, "pressured": false, "afraid_of_partner": false, "controlled": false},
        "motivation": {"own": format!("My own reason {canary}"), "mainly_for_partner": 1},
        "intention": format!("To listen better {canary}"),
        "goals": "Feel closer"
    })
}

pub async fn fill_and_submit(app: &TestApp, token: &str, answers: Value) {
    let (status, body) = app
        .put_bearer(token, "/api/v1/me/intake", json!({"answers": answers}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post_bearer(token, "/api/v1/me/intake/submit", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "submitted");
}

/// A pair with a coordinator-assigned clinician and facilitator. Returns the admin,
/// the clinician and facilitator tokens.
pub async fn with_team(app: &TestApp, pair: &Pair) -> (String, String, String) {
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let (clin_id, clinician) = app
        .staff_session(&admin, "Mira", "mira@clinic.example", &["clinician"])
        .await;
    let (fac_id, facilitator) = app
        .staff_session(&admin, "Sam", "sam@clinic.example", &["facilitator"])
        .await;
    let (status, body) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", pair.duo_id),
            json!({"members": [{"user_id": clin_id, "role": "clinician"}, {"user_id": fac_id, "role": "facilitator"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (admin, clinician, facilitator)
}

#[tokio::test]
async fn drafts_save_partially_resume_and_refuse_bad_values() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (status, empty) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty["status"], "draft");
    assert_eq!(empty["revision"], 0);
    let (status, saved) = app.put_bearer(&pair.a_token, "/api/v1/me/intake", json!({"answers": {"sex": "male", "phq9": [1, null, null, null, null, null, null, null, null]}})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["revision"], 1);
    // Another device picks it up where it was left.
    let (_, again) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(again["answers"]["sex"], "male");
    assert_eq!(again["answers"]["phq9"][0], 1);
    // Merge: a later section keeps the earlier answers.
    let (_, merged) = app
        .put_bearer(
            &pair.a_token,
            "/api/v1/me/intake",
            json!({"answers": {"goals": "calm"}, "revision": 1}),
        )
        .await;
    assert_eq!(merged["answers"]["sex"], "male");
    assert_eq!(merged["revision"], 2);
    // A save from a stale copy is refused, not silently overwriting.
    let (status, _) = app
        .put_bearer(
            &pair.a_token,
            "/api/v1/me/intake",
            json!({"answers": {"goals": "old"}, "revision": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Bad values are named; nothing is lost.
    let (status, body) = app
        .put_bearer(
            &pair.a_token,
            "/api/v1/me/intake",
            json!({"answers": {"phq9": [9, 0, 0, 0, 0, 0, 0, 0, 0], "conditions": ["made_up"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.iter().any(|f| f.starts_with("phq9")), "{fields:?}");
    assert!(
        fields.iter().any(|f| f.starts_with("conditions")),
        "{fields:?}"
    );
    let (_, kept) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(kept["answers"]["goals"], "calm");
    // Sealed at rest.
    let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT answers FROM intakes")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw[0]).contains("calm"));
}

#[tokio::test]
async fn submit_refuses_incomplete_answers_listing_what_is_missing() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    app.put_bearer(
        &pair.a_token,
        "/api/v1/me/intake",
        json!({"answers": {"sex": "male"}}),
    )
    .await;
    let (status, body) = app
        .post_bearer(&pair.a_token, "/api/v1/me/intake/submit", json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for key in ["phq9", "gad7", "medications", "relationship"] {
        assert!(
            fields.iter().any(|f| f.starts_with(key)),
            "{key} not listed in {fields:?}"
        );
    }
    assert!(
        !fields.contains(&"pregnant"),
        "hidden questions are not required for sex=male"
    );
    let (_, mine) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(mine["status"], "draft");
}

#[tokio::test]
async fn both_submit_and_the_duo_moves_to_screening_with_scores_for_the_team() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, clinician, facilitator) = with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("CANARY-A-1")).await;
    let (_, duo) = app
        .get_bearer(&pair.a_token, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(duo["phase"], "intake", "one intake is not enough");
    // Locked after submission.
    let (status, _) = app
        .put_bearer(
            &pair.a_token,
            "/api/v1/me/intake",
            json!({"answers": {"goals": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mut b = complete_answers("CANARY-B-1");
    b["sex"] = json!("male");
    b.as_object_mut().unwrap().remove("pregnant");
    b.as_object_mut().unwrap().remove("breastfeeding");
    fill_and_submit(&app, &pair.b_token, b).await;
    let (_, duo) = app
        .get_bearer(&pair.a_token, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(duo["phase"], "screening");

    for token in [&clinician, &facilitator] {
        let (status, view) = app
            .get_bearer(
                token,
                &format!("/api/v1/participants/{}/intake", pair.a_pid),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["status"], "submitted");
        assert_eq!(view["version"], 1);
        assert_eq!(view["scores"]["phq9"]["total"], 6);
        assert_eq!(view["scores"]["phq9"]["band"]["id"], "mild");
        assert_eq!(view["scores"]["gad7"]["total"], 6);
        assert_eq!(view["answers"]["medications"][0]["name"], "sertraline");
    }
    // Every staff read is audited.
    let (_, rows) = app
        .get_bearer(
            &admin,
            &format!("/api/v1/audit?subject={}&action=read", pair.a_pid),
        )
        .await;
    let intake_reads = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resource"] == "intake" && r["actor_role"] != "participant")
        .count();
    assert!(intake_reads >= 2, "{rows}");
    // The admin cannot read it, nor can an unassigned clinician.
    assert_eq!(
        app.get_bearer(
            &admin,
            &format!("/api/v1/participants/{}/intake", pair.a_pid)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_amendment_creates_a_new_version_and_keeps_the_old() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, facilitator) = with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("CANARY-A-2")).await;
    let path = format!("/api/v1/participants/{}/intake/amendment", pair.a_pid);
    assert_eq!(
        app.post_bearer(
            &facilitator,
            &path,
            json!({"reason": "Please check the medication list"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND,
        "only the clinician"
    );
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            &path,
            json!({"reason": "I want to change it"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_bearer(
            &clinician,
            &path,
            json!({"reason": "Please check the medication list"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let mail = app.last_mail_to("alex@example.org").unwrap();
    assert!(!mail.contains("medication"), "no clinical content in mail");
    let (_, mine) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(mine["status"], "draft");
    assert_eq!(mine["version"], 2);
    assert_eq!(
        mine["answers"]["medications"][0]["name"], "sertraline",
        "the draft starts from the submitted answers"
    );
    let (status, _) = app
        .put_bearer(
            &pair.a_token,
            "/api/v1/me/intake",
            json!({"answers": {"medications": [{"name": "sertraline", "dose": "25 mg"}]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The team still sees version 1 until the new one is submitted.
    let (_, view) = app
        .get_bearer(
            &clinician,
            &format!("/api/v1/participants/{}/intake", pair.a_pid),
        )
        .await;
    assert_eq!(view["version"], 1);
    assert_eq!(view["answers"]["medications"][0]["dose"], "50 mg");
    let (status, _) = app
        .post_bearer(&pair.a_token, "/api/v1/me/intake/submit", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, view) = app
        .get_bearer(
            &clinician,
            &format!("/api/v1/participants/{}/intake", pair.a_pid),
        )
        .await;
    assert_eq!(view["version"], 2);
    assert_eq!(view["answers"]["medications"][0]["dose"], "25 mg");
    assert_eq!(view["versions"].as_array().unwrap().len(), 2);
    assert_eq!(view["versions"][1]["amendment"], true);
}

#[tokio::test]
async fn the_partner_cannot_reach_the_intake_and_not_yours_looks_like_nothing() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    fill_and_submit(&app, &pair.a_token, complete_answers("CANARY-A-3")).await;
    let (s1, own) = app
        .raw_bearer(
            &pair.b_token,
            &format!("/api/v1/participants/{}/intake", pair.a_pid),
        )
        .await;
    let (s2, none) = app
        .raw_bearer(
            &pair.b_token,
            "/api/v1/participants/00000000-0000-7000-8000-000000000000/intake",
        )
        .await;
    assert_eq!(s1, StatusCode::NOT_FOUND);
    assert_eq!(s1, s2);
    assert!(!own.contains("CANARY-A-3"));
    let strip = |t: &str| -> Value {
        let mut v: Value = serde_json::from_str(t).unwrap();
        v.as_object_mut().unwrap().remove("operation_id");
        v
    };
    assert_eq!(
        strip(&own),
        strip(&none),
        "the refusal is indistinguishable from a missing id"
    );
    let (_, bos) = app.raw_bearer(&pair.b_token, "/api/v1/me/intake").await;
    assert!(!bos.contains("CANARY-A-3"));
}

#[tokio::test]
async fn medication_names_get_suggestions() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (status, list) = app
        .get_bearer(&pair.a_token, "/api/v1/intake/suggest?q=zolof")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["generic"] == "sertraline"),
        "{list}"
    );
    let (status, form) = app.get_bearer(&pair.a_token, "/api/v1/intake/form").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form["sections"].as_array().unwrap().len() >= 10);
}

#[tokio::test]
async fn a_participant_sees_who_read_their_record_and_the_partner_does_not() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, _) = with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("LOG-A")).await;
    let (status, _) = app
        .get_bearer(
            &clinician,
            &format!("/api/v1/participants/{}/intake", pair.a_pid),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, log) = app.get_bearer(&pair.a_token, "/api/v1/me/access-log").await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let reads: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["what"] == "intake" && e["who"] == "Mira")
        .collect();
    assert_eq!(reads.len(), 1, "{log}");
    assert_eq!(reads[0]["role"], "clinician");
    assert_eq!(reads[0]["break_glass"], false);
    // Own reads are not listed, and B's log says nothing of A.
    assert!(log.as_array().unwrap().iter().all(|e| e["who"] != "Alex"));
    let (_, b_log) = app.raw_bearer(&pair.b_token, "/api/v1/me/access-log").await;
    assert!(!b_log.contains("intake"), "{b_log}");
    // The page shows the same.
    let page = crate::helpers::browser();
    let r = page
        .post(app.url("/login"))
        .form(&[
            ("email", "alex@example.org"),
            ("password", "alex's own long passphrase"),
            ("next", "/me/access-log"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page
        .get(app.url("/me/access-log"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Mira (clinician)"), "{html}");
}

/// Saves without a revision go over whatever is there: two devices saving different
/// answers at the same moment both land, neither is refused.
#[tokio::test]
async fn saves_without_a_revision_at_the_same_moment_both_land() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.com", "bo@example.com")
        .await;
    let mut saves = tokio::task::JoinSet::new();
    for i in 0..8 {
        let url = app.url("/api/v1/me/intake");
        let token = pair.a_token.clone();
        let answers = if i % 2 == 0 {
            json!({"goals": format!("goal {i}")})
        } else {
            json!({"sex": "female"})
        };
        saves.spawn(async move {
            crate::helpers::api()
                .put(url)
                .bearer_auth(token)
                .json(&json!({"answers": answers}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    for status in saves.join_all().await {
        assert_eq!(status, StatusCode::OK);
    }
    let (_, kept) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(kept["answers"]["sex"], "female", "{kept}");
    assert!(
        kept["answers"]["goals"]
            .as_str()
            .unwrap()
            .starts_with("goal ")
    );
    assert_eq!(kept["revision"], 8, "every save counted: {kept}");
}
