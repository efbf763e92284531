//! Screening: findings with sources for the clinician, a signed decision, a neutral
//! outcome for both participants, and nothing for the partner.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::intake::{complete_answers, fill_and_submit, with_team};

#[tokio::test]
async fn the_clinician_reviews_findings_and_signs_a_decision() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, clinician, facilitator) = with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("CANARY-S-A")).await;
    let mut b = complete_answers("CANARY-S-B");
    b["medications"] = json!([]);
    b["conditions"] = json!([]);
    b.as_object_mut().unwrap().remove("hypertension_controlled");
    fill_and_submit(&app, &pair.b_token, b).await;

    let path = format!("/api/v1/duos/{}/screening", pair.duo_id);
    let (status, view) = app.get_bearer(&clinician, &path).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["knowledge_version"].as_str().unwrap().len(), 64);
    let findings = view["findings"].as_array().unwrap();
    let ssri = findings
        .iter()
        .find(|f| f["code"].as_str().unwrap().contains("ssri"))
        .expect("sertraline is flagged");
    assert_eq!(ssri["participant_id"], pair.a_pid.as_str());
    assert!(!ssri["source"].as_str().unwrap().is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["participant_id"] != pair.b_pid.as_str()
                || !f["code"].as_str().unwrap().contains("ssri"))
    );
    assert!(view["recommended_format"].is_string());
    // Only the clinician reads findings.
    assert_eq!(
        app.get_bearer(&facilitator, &path).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get_bearer(&admin, &path).await.0, StatusCode::NOT_FOUND);
    let (s_partner, t_partner) = app.raw_bearer(&pair.b_token, &path).await;
    assert_eq!(s_partner, StatusCode::NOT_FOUND);
    assert!(!t_partner.contains("ssri"));

    // The signature: a wrong password, a missing rationale, an unknown format are refused.
    let decide = format!("/api/v1/duos/{}/screening/decision", pair.duo_id);
    let (status, body) = app.post_bearer(&clinician, &decide, json!({"format": "duo", "rationale": "Reviewed both carefully; taper plan agreed with prescriber.", "password": "wrong"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "password");
    let (status, body) = app.post_bearer(&clinician, &decide, json!({"format": "duo", "rationale": "ok", "password": "a staff member's long passphrase"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app.post_bearer(&clinician, &decide, json!({"format": "maybe", "rationale": "Reviewed both carefully and at length.", "password": "a staff member's long passphrase"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post_bearer(&facilitator, &decide, json!({"format": "duo", "rationale": "Reviewed both carefully and at length.", "password": "a staff member's long passphrase"})).await.0, StatusCode::NOT_FOUND);
    let (status, signed) = app
        .post_bearer(&clinician, &decide, json!({"format": "duo", "rationale": "Reviewed both carefully; taper plan agreed with prescriber.", "password": "a staff member's long passphrase"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    assert_eq!(signed["signer_name"], "Mira");
    assert!(
        signed["meaning"]
            .as_str()
            .unwrap()
            .contains("professional responsibility")
    );
    assert!(signed["signed_at"].as_str().unwrap().ends_with('Z'));

    let (_, duo) = app
        .get_bearer(&pair.a_token, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(duo["phase"], "preparation");
    for token in [&pair.a_token, &pair.b_token] {
        let (_, o) = app.get_bearer(token, "/api/v1/me/screening-outcome").await;
        assert_eq!(o["outcome"], "go_on_to_preparation");
    }

    // A later change is a new signed decision; the first one stays.
    let (status, _) = app
        .post_bearer(&clinician, &decide, json!({"format": "individual_then_duo", "rationale": "After the joint meeting: one-on-one work first.", "password": "a staff member's long passphrase"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, view) = app.get_bearer(&clinician, &path).await;
    let decisions = view["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["format"], "duo");
    assert_eq!(decisions[1]["format"], "individual_then_duo");
    // Both participants get the same neutral outcome; nothing says who caused it.
    let (_, oa) = app
        .raw_bearer(&pair.a_token, "/api/v1/me/screening-outcome")
        .await;
    let (_, ob) = app
        .raw_bearer(&pair.b_token, "/api/v1/me/screening-outcome")
        .await;
    assert_eq!(oa, ob);
    assert!(oa.contains("team_will_contact"));
    let mail_a = app.last_mail_to("alex@example.org").unwrap();
    let mail_b = app.last_mail_to("bo@example.org").unwrap();
    let body = |m: &str| {
        m.split("\r\n\r\n")
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n")
            .replace("Alex", "X")
            .replace("Bo", "X")
    };
    assert_eq!(body(&mail_a), body(&mail_b), "the same words for both");
    assert!(!mail_a.to_lowercase().contains("sertraline"));
    // The decision is audited with the knowledge version.
    let (_, rows) = app
        .get_bearer(&admin, "/api/v1/audit?action=sign_decision")
        .await;
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(rows[0]["reason"].as_str().unwrap().contains("knowledge="));
}

#[tokio::test]
async fn not_eligible_closes_the_duo_with_the_same_words_for_both() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, _) = with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("X1")).await;
    fill_and_submit(&app, &pair.b_token, complete_answers("X2")).await;
    let decide = format!("/api/v1/duos/{}/screening/decision", pair.duo_id);
    let (status, _) = app
        .post_bearer(&clinician, &decide, json!({"format": "not_eligible", "rationale": "Relationship safety concerns; individual support offered.", "password": "a staff member's long passphrase"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, duo) = app
        .get_bearer(&pair.b_token, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(
        duo["phase"], "declined",
        "declined at screening (DESIGN.md)"
    );
    assert_eq!(duo["format"], "not_eligible");
    let (_, oa) = app
        .get_bearer(&pair.a_token, "/api/v1/me/screening-outcome")
        .await;
    let (_, ob) = app
        .get_bearer(&pair.b_token, "/api/v1/me/screening-outcome")
        .await;
    assert_eq!(oa, ob);
    // Closed: no further decision.
    let (status, _) = app
        .post_bearer(&clinician, &decide, json!({"format": "duo", "rationale": "Trying to reopen a closed duo here.", "password": "a staff member's long passphrase"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn no_decision_before_both_intakes() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, _) = with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("X1")).await;
    let (status, view) = app
        .get_bearer(
            &clinician,
            &format!("/api/v1/duos/{}/screening", pair.duo_id),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["waiting_for"], json!([pair.b_pid]));
    let (status, body) = app
        .post_bearer(&clinician, &format!("/api/v1/duos/{}/screening/decision", pair.duo_id), json!({"format": "duo", "rationale": "Too early to decide but trying anyway.", "password": "a staff member's long passphrase"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}
