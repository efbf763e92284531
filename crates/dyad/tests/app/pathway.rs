//! Pair sign-up, the partner's invitation, consent documents and the duo's lifecycle,
//! over the API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn signup_body(email: &str, partner_email: &str) -> Value {
    json!({
        "name": "Alex", "email": email, "password": "alex's own long passphrase",
        "relationship": "friends", "motivation": "My own reasons.",
        "partner": {"name": "Bo", "email": partner_email},
        "age_confirmed": true, "accept_documents": true, "research_consent": true
    })
}

fn accept_body() -> Value {
    json!({"name": "Bo", "password": "bo's very own passphrase", "motivation": "Mine.", "age_confirmed": true, "accept_documents": true})
}

async fn user_count(app: &TestApp) -> i64 {
    dyad_store::accounts::count_users(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signs_up_b_joins_and_both_reach_intake() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    for token in [&pair.a_token, &pair.b_token] {
        let (status, duo) = app
            .get_bearer(token, &format!("/api/v1/duos/{}", pair.duo_id))
            .await;
        assert_eq!(status, StatusCode::OK, "{duo}");
        assert_eq!(duo["phase"], "intake");
        assert_eq!(duo["relationship"], "couple");
        assert_eq!(duo["participants"].as_array().unwrap().len(), 2);
        assert!(
            duo.get("code").is_none(),
            "participants do not see the pseudonymous code"
        );
    }
    let (_, me) = app.get_bearer(&pair.b_token, "/api/v1/me").await;
    assert_eq!(me["duo_id"], pair.duo_id.as_str());
    assert_eq!(me["participant_id"], pair.b_pid.as_str());
    assert_eq!(me["role"], "participant");
    // The inviter sees only that the partner joined.
    let (_, inv) = app.get_bearer(&pair.a_token, "/api/v1/me/invitation").await;
    assert_eq!(inv["status"], "joined");
    // Mails hold no motivation or other answers.
    let invite_mail = app.last_mail_to("bo@example.org").unwrap();
    assert!(!invite_mail.contains("what happened last year"));
    // Motivations are sealed at rest.
    let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT motivation FROM participants")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(raw.len(), 2);
    for blob in raw {
        assert!(!String::from_utf8_lossy(&blob).contains("feel close"));
    }
}

#[tokio::test]
async fn the_email_must_be_verified_before_anything_else() {
    let app = spawn_app().await;
    let (status, _) = app
        .post_json(
            "/api/v1/signup",
            signup_body("alex@example.org", "bo@example.org"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, login) = app
        .login(
            &crate::helpers::api(),
            "alex@example.org",
            "alex's own long passphrase",
            None,
        )
        .await;
    assert_eq!(login["required"], json!(["verify_email"]));
    let token = login["token"].as_str().unwrap();
    let (status, _) = app.get_bearer(token, "/api/v1/me/invitation").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post_json("/api/v1/verify/forged-token-value", json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let verify = app.link_token(&app.last_mail_to("alex@example.org").unwrap(), "verify");
    assert_eq!(
        app.post_json(&format!("/api/v1/verify/{verify}"), json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post_json(&format!("/api/v1/verify/{verify}"), json!({}))
            .await
            .0,
        StatusCode::CONFLICT,
        "single use"
    );
    let (status, inv) = app.get_bearer(token, "/api/v1/me/invitation").await;
    assert_eq!(status, StatusCode::OK, "{inv}");
    assert_eq!(inv["status"], "waiting");
}

#[tokio::test]
async fn invitation_links_are_single_use_expiring_and_unforgeable() {
    let app = spawn_app().await;
    app.post_json(
        "/api/v1/signup",
        signup_body("alex@example.org", "bo@example.org"),
    )
    .await;
    let token = app.link_token(&app.last_mail_to("bo@example.org").unwrap(), "join");
    // Forged.
    let (status, _) = app
        .post_json("/api/v1/invitations/not-a-real-token/accept", accept_body())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // B joins; a third person using the same link afterwards is refused.
    assert_eq!(
        app.post_json(
            &format!("/api/v1/invitations/{token}/accept"),
            accept_body()
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let mut third = accept_body();
    third["name"] = json!("Carol");
    let (status, body) = app
        .post_json(&format!("/api/v1/invitations/{token}/accept"), third)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        app.post_json(&format!("/api/v1/invitations/{token}/decline"), json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );

    // Expiry: 14 days by default.
    app.post_json(
        "/api/v1/signup",
        signup_body("dana@example.org", "eli@example.org"),
    )
    .await;
    let late = app.link_token(&app.last_mail_to("eli@example.org").unwrap(), "join");
    let verify = app.link_token(&app.last_mail_to("dana@example.org").unwrap(), "verify");
    app.post_json(&format!("/api/v1/verify/{verify}"), json!({}))
        .await;
    app.advance_secs(15 * 24 * 3600);
    let (status, body) = app
        .post_json(&format!("/api/v1/invitations/{late}/accept"), accept_body())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("expired"));
    let (_, dana) = app
        .login(
            &crate::helpers::api(),
            "dana@example.org",
            "alex's own long passphrase",
            None,
        )
        .await;
    let dana = dana["token"].as_str().unwrap().to_string();
    let (_, inv) = app.get_bearer(&dana, "/api/v1/me/invitation").await;
    assert_eq!(inv["status"], "will_not_go_ahead");
    let (_, me) = app.get_bearer(&dana, "/api/v1/me").await;
    let (_, duo) = app
        .get_bearer(
            &dana,
            &format!("/api/v1/duos/{}", me["duo_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(duo["phase"], "closed");
}

#[tokio::test]
async fn resend_replaces_the_link_and_cancel_ends_it() {
    let app = spawn_app().await;
    app.post_json(
        "/api/v1/signup",
        signup_body("alex@example.org", "bo@example.org"),
    )
    .await;
    let first = app.link_token(&app.last_mail_to("bo@example.org").unwrap(), "join");
    let verify = app.link_token(&app.last_mail_to("alex@example.org").unwrap(), "verify");
    app.post_json(&format!("/api/v1/verify/{verify}"), json!({}))
        .await;
    let (_, a) = app
        .login(
            &crate::helpers::api(),
            "alex@example.org",
            "alex's own long passphrase",
            None,
        )
        .await;
    let a = a["token"].as_str().unwrap().to_string();
    app.advance_secs(2);
    assert_eq!(
        app.post_bearer(&a, "/api/v1/me/invitation/resend", json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let second = app.link_token(&app.last_mail_to("bo@example.org").unwrap(), "join");
    assert_ne!(first, second);
    assert_eq!(
        app.post_json(
            &format!("/api/v1/invitations/{first}/accept"),
            accept_body()
        )
        .await
        .0,
        StatusCode::NOT_FOUND,
        "the old link is dead"
    );
    assert_eq!(
        app.post_bearer(&a, "/api/v1/me/invitation/cancel", json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/invitations/{second}/accept"),
            accept_body()
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, inv) = app.get_bearer(&a, "/api/v1/me/invitation").await;
    assert_eq!(inv["status"], "will_not_go_ahead");
}

#[tokio::test]
async fn declining_tells_the_inviter_only_that_it_will_not_go_ahead() {
    let app = spawn_app().await;
    app.post_json(
        "/api/v1/signup",
        signup_body("alex@example.org", "bo@example.org"),
    )
    .await;
    let verify = app.link_token(&app.last_mail_to("alex@example.org").unwrap(), "verify");
    app.post_json(&format!("/api/v1/verify/{verify}"), json!({}))
        .await;
    let token = app.link_token(&app.last_mail_to("bo@example.org").unwrap(), "join");
    app.advance_secs(1);
    assert_eq!(
        app.post_json(&format!("/api/v1/invitations/{token}/decline"), json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, a) = app
        .login(
            &crate::helpers::api(),
            "alex@example.org",
            "alex's own long passphrase",
            None,
        )
        .await;
    let a = a["token"].as_str().unwrap().to_string();
    let (_, inv) = app.get_bearer(&a, "/api/v1/me/invitation").await;
    assert_eq!(inv["status"], "will_not_go_ahead");
    let mail = app.last_mail_to("alex@example.org").unwrap();
    assert!(mail.contains("will not go ahead as planned"), "{mail}");
    assert!(!mail.to_lowercase().contains("declin"), "never why");
}

#[tokio::test]
async fn bad_input_in_every_field_is_named_and_nothing_is_created() {
    let app = spawn_app().await;
    let before = user_count(&app).await;
    let (status, body) = app
        .post_json(
            "/api/v1/signup",
            json!({"name": "", "email": "nope", "password": "short", "relationship": "enemies", "motivation": "",
                   "partner": {"name": "", "email": "nope"}, "age_confirmed": false, "accept_documents": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "name",
        "email",
        "password",
        "relationship",
        "motivation",
        "partner.name",
        "partner.email",
        "age_confirmed",
        "accept_documents",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    // Own address as the partner's.
    let (status, body) = app
        .post_json(
            "/api/v1/signup",
            signup_body("same@example.org", "SAME@example.org"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "partner.email");
    // Wrong types are a clear 422 too.
    let (status, _) = app.post_json("/api/v1/signup", json!({"name": 5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(user_count(&app).await, before, "nothing half-written");
    assert!(app.last_mail_to("nope").is_none());
}

#[tokio::test]
async fn duplicate_emails_are_refused() {
    let app = spawn_app().await;
    assert_eq!(
        app.post_json(
            "/api/v1/signup",
            signup_body("alex@example.org", "bo@example.org")
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (status, body) = app
        .post_json(
            "/api/v1/signup",
            signup_body("ALEX@example.org", "carol@example.org"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "email");
    assert!(app.last_mail_to("carol@example.org").is_none());
}

#[tokio::test]
async fn a_new_document_version_is_accepted_again_and_the_old_record_kept() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (status, doc) = app
        .post_bearer(&admin, "/api/v1/documents", json!({"kind": "terms", "version": "2", "title": "Participation terms", "body": "Updated terms."}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let (status, dup) = app
        .post_bearer(
            &admin,
            "/api/v1/documents",
            json!({"kind": "terms", "version": "2", "title": "x", "body": "y"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{dup}");
    // A participant may not publish.
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            "/api/v1/documents",
            json!({"kind": "terms", "version": "3", "title": "x", "body": "y"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (_, me) = app.get_bearer(&pair.a_token, "/api/v1/me").await;
    assert_eq!(me["required"], json!(["accept_documents"]));
    let (status, _) = app
        .get_bearer(&pair.a_token, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the new version comes first");
    let (_, mine) = app.get_bearer(&pair.a_token, "/api/v1/me/documents").await;
    assert_eq!(mine["pending"].as_array().unwrap().len(), 1);
    assert_eq!(mine["pending"][0]["version"], "2");
    let doc_id = doc["id"].as_str().unwrap();
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            "/api/v1/me/documents/accept",
            json!({"document_ids": ["made-up"]})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            "/api/v1/me/documents/accept",
            json!({"document_ids": [doc_id]})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, mine) = app.get_bearer(&pair.a_token, "/api/v1/me/documents").await;
    assert!(mine["pending"].as_array().unwrap().is_empty());
    let versions: Vec<(String, String)> = mine["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_string(),
                a["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        versions.contains(&("terms".into(), "1".into())),
        "the old acceptance stays: {versions:?}"
    );
    assert!(versions.contains(&("terms".into(), "2".into())));
    let (_, me) = app.get_bearer(&pair.a_token, "/api/v1/me").await;
    assert_eq!(me["required"], json!([]));
}

#[tokio::test]
async fn withdrawal_is_private_to_the_team_for_each_partner() {
    for withdrawing_first in [true, false] {
        let app = spawn_app().await;
        let pair = app
            .signed_up_pair("alex@example.org", "bo@example.org")
            .await;
        let (admin, _, _) = app.ready_admin().await;
        let (_, coordinator) = app
            .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
            .await;
        let (clin_id, clinician) = app
            .staff_session(&admin, "Mira", "mira@clinic.example", &["clinician"])
            .await;
        let (status, body) = app
            .put_bearer(
                &coordinator,
                &format!("/api/v1/duos/{}/team", pair.duo_id),
                json!({"members": [{"user_id": clin_id, "role": "clinician"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (leaver, stayer, leaver_pid) = if withdrawing_first {
            (&pair.a_token, &pair.b_token, &pair.a_pid)
        } else {
            (&pair.b_token, &pair.a_token, &pair.b_pid)
        };
        let reason = "a private reason only the team may read 7f3a";
        let (status, body) = app
            .post_bearer(
                leaver,
                &format!("/api/v1/duos/{}/withdraw", pair.duo_id),
                json!({"reason": reason}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        // The partner sees that it stopped, nothing more.
        let (_, duo) = app
            .get_bearer(stayer, &format!("/api/v1/duos/{}", pair.duo_id))
            .await;
        assert_eq!(duo["phase"], "withdrawn");
        for path in [
            format!("/api/v1/duos/{}", pair.duo_id),
            format!("/api/v1/duos/{}/timeline", pair.duo_id),
            "/api/v1/me".into(),
            format!("/api/v1/participants/{leaver_pid}/messages"),
        ] {
            let (_, text) = app.raw_bearer(stayer, &path).await;
            assert!(!text.contains(reason), "{path} leaked the reason");
            assert!(
                !text.contains(leaver_pid.as_str()) || path.ends_with(&pair.duo_id),
                "{path}: {text}"
            );
        }
        let (status, _) = app
            .get_bearer(stayer, &format!("/api/v1/duos/{}/timeline", pair.duo_id))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The coordinator sees the phase, not the reason.
        let (status, tl) = app
            .raw_bearer(
                &coordinator,
                &format!("/api/v1/duos/{}/timeline", pair.duo_id),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(tl.contains("withdrawn") && !tl.contains(reason), "{tl}");
        // The clinician reads the reason, and the read is audited.
        let (status, tl) = app
            .get_bearer(
                &clinician,
                &format!("/api/v1/duos/{}/timeline", pair.duo_id),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(tl["withdrawals"][0]["reason"], reason);
        let (_, rows) = app
            .get_bearer(
                &admin,
                &format!("/api/v1/audit?subject={leaver_pid}&action=read"),
            )
            .await;
        assert!(
            rows.as_array()
                .unwrap()
                .iter()
                .any(|r| r["resource"] == "withdrawal_reason" && r["outcome"] == "allow"),
            "{rows}"
        );
        // Nothing was deleted, and the reason is sealed.
        let blobs: Vec<Option<Vec<u8>>> = sqlx::query_scalar("SELECT reason FROM withdrawals")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(blobs.len(), 1);
        assert!(!String::from_utf8_lossy(blobs[0].as_ref().unwrap()).contains("private reason"));
        // Withdrawing again is refused as a pathway conflict.
        assert_eq!(
            app.post_bearer(
                stayer,
                &format!("/api/v1/duos/{}/withdraw", pair.duo_id),
                json!({})
            )
            .await
            .0,
            StatusCode::CONFLICT
        );
    }
}

#[tokio::test]
async fn coordinators_list_search_and_assign_without_clinical_access() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    app.post_json(
        "/api/v1/signup",
        signup_body("dana@example.org", "eli@example.org"),
    )
    .await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let (fac_id, facilitator) = app
        .staff_session(&admin, "Sam", "sam@clinic.example", &["facilitator"])
        .await;
    let (status, list) = app.get_bearer(&coordinator, "/api/v1/duos").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (_, intake) = app
        .get_bearer(&coordinator, "/api/v1/duos?phase=intake")
        .await;
    assert_eq!(intake.as_array().unwrap().len(), 1);
    assert!(intake[0]["code"].as_str().unwrap().starts_with("D-"));
    assert_eq!(intake[0]["days_in_phase"], 0);
    let (_, found) = app
        .get_bearer(&coordinator, "/api/v1/duos?q=eli@example")
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["invitation"], "waiting");
    let code = intake[0]["code"].as_str().unwrap();
    let (_, by_code) = app
        .get_bearer(&coordinator, &format!("/api/v1/duos?q={code}"))
        .await;
    assert_eq!(by_code[0]["id"], pair.duo_id.as_str());
    assert_eq!(
        app.get_bearer(&coordinator, "/api/v1/duos?phase=nonsense")
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // An unassigned facilitator sees nothing; after assignment, the duo.
    let (_, none) = app.get_bearer(&facilitator, "/api/v1/duos").await;
    assert!(none.as_array().unwrap().is_empty());
    assert_eq!(
        app.get_bearer(&facilitator, &format!("/api/v1/duos/{}", pair.duo_id))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Only a coordinator assigns; roles must match.
    let team = json!({"members": [{"user_id": fac_id, "role": "facilitator"}]});
    assert_eq!(
        app.put_bearer(
            &facilitator,
            &format!("/api/v1/duos/{}/team", pair.duo_id),
            team.clone()
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let wrong = json!({"members": [{"user_id": fac_id, "role": "clinician"}]});
    assert_eq!(
        app.put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", pair.duo_id),
            wrong
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, duo) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", pair.duo_id),
            team,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{duo}");
    assert_eq!(duo["team"][0]["name"], "Sam");
    let (_, mine) = app
        .get_bearer(&facilitator, "/api/v1/duos?assigned_to=me")
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    // Participants may not list duos, and see their team by name.
    assert_eq!(
        app.get_bearer(&pair.a_token, "/api/v1/duos").await.0,
        StatusCode::FORBIDDEN
    );
    let (_, duo) = app
        .get_bearer(&pair.a_token, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(duo["team"][0]["role"], "facilitator");
    // The coordinator cannot read a participant's message thread (clinical).
    assert_eq!(
        app.get_bearer(
            &coordinator,
            &format!("/api/v1/participants/{}/messages", pair.a_pid)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, rows) = app
        .get_bearer(&admin, "/api/v1/audit?action=assign_team")
        .await;
    assert_eq!(rows.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn message_threads_stay_between_a_participant_and_the_team() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let (fac_id, facilitator) = app
        .staff_session(&admin, "Sam", "sam@clinic.example", &["facilitator"])
        .await;
    app.put_bearer(
        &coordinator,
        &format!("/api/v1/duos/{}/team", pair.duo_id),
        json!({"members": [{"user_id": fac_id, "role": "facilitator"}]}),
    )
    .await;
    let secret = "something I cannot say in front of Bo 91c2";
    assert_eq!(
        app.post_bearer(
            &pair.a_token,
            "/api/v1/me/messages",
            json!({"text": secret})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post_bearer(&pair.a_token, "/api/v1/me/messages", json!({"text": "  "}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The facilitator got a notice without content, and reads the thread.
    let notice = app.last_mail_to("sam@clinic.example").unwrap();
    assert!(!notice.contains(secret));
    let (status, thread) = app
        .get_bearer(
            &facilitator,
            &format!("/api/v1/participants/{}/messages", pair.a_pid),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(thread[0]["text"], secret);
    assert_eq!(
        app.post_bearer(
            &facilitator,
            &format!("/api/v1/participants/{}/messages", pair.a_pid),
            json!({"text": "Thank you for telling us."})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (_, mine) = app.get_bearer(&pair.a_token, "/api/v1/me/messages").await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
    assert_eq!(mine[1]["from_team"], true);
    // Bo never sees it: not by id, not in his own thread.
    let (status, text) = app
        .raw_bearer(
            &pair.b_token,
            &format!("/api/v1/participants/{}/messages", pair.a_pid),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!text.contains(secret));
    let (_, bos) = app.raw_bearer(&pair.b_token, "/api/v1/me/messages").await;
    assert!(!bos.contains(secret));
    assert_eq!(
        app.post_bearer(
            &pair.b_token,
            &format!("/api/v1/participants/{}/messages", pair.a_pid),
            json!({"text": "hi"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn break_glass_needs_a_reason_expires_and_is_flagged() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, outsider) = app
        .staff_session(&admin, "Ola", "ola@clinic.example", &["clinician"])
        .await;
    let (_, researcher) = app
        .staff_session(&admin, "Rae", "rae@clinic.example", &["researcher"])
        .await;
    app.post_bearer(
        &pair.a_token,
        "/api/v1/me/messages",
        json!({"text": "hello team"}),
    )
    .await;
    let thread = format!("/api/v1/participants/{}/messages", pair.a_pid);
    assert_eq!(
        app.get_bearer(&outsider, &thread).await.0,
        StatusCode::NOT_FOUND
    );
    let bg = format!("/api/v1/duos/{}/break-glass", pair.duo_id);
    assert_eq!(
        app.post_bearer(&outsider, &bg, json!({"reason": "x"}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post_bearer(
            &researcher,
            &bg,
            json!({"reason": "I would like to look at this record"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (status, grant) = app
        .post_bearer(
            &outsider,
            &bg,
            json!({"reason": "Night on call: participant phoned in distress"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    // Messages are clinical but not opened by break glass (read-only access to the
    // listed clinical kinds); the duo summary is.
    let (status, _) = app
        .get_bearer(&outsider, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, grants) = app.get_bearer(&admin, "/api/v1/break-glass").await;
    assert_eq!(
        grants[0]["reason"],
        "Night on call: participant phoned in distress"
    );
    let (_, rows) = app
        .get_bearer(&admin, "/api/v1/audit?action=break_glass")
        .await;
    assert_eq!(rows[0]["flags"], "break_glass");
    let (_, rows) = app
        .get_bearer(
            &admin,
            &format!("/api/v1/audit?subject={}&action=read", pair.duo_id),
        )
        .await;
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["flags"] == "break_glass" && r["resource"] == "duo_summary"),
        "the emergency read is flagged: {rows}"
    );
    // One hour later the grant is gone.
    app.advance_secs(61 * 60);
    let users = dyad_store::accounts::active_break_glass_users(
        &app.state.db,
        &pair.duo_id,
        app.state.now(),
    )
    .await
    .unwrap();
    assert!(users.is_empty());
}

#[tokio::test]
async fn sign_ups_and_resends_are_rate_limited() {
    let app = spawn_app().await;
    for i in 0..10 {
        let (status, body) = app
            .post_json(
                "/api/v1/signup",
                signup_body(&format!("p{i}@example.org"), &format!("q{i}@example.org")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let before = user_count(&app).await;
    let (status, body) = app
        .post_json(
            "/api/v1/signup",
            signup_body("late@example.org", "later@example.org"),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(
        user_count(&app).await,
        before,
        "nothing half-written after a refusal"
    );
    assert!(app.last_mail_to("later@example.org").is_none());
    // An hour later sign-ups are open again.
    app.advance_secs(3601);
    assert_eq!(
        app.post_json(
            "/api/v1/signup",
            signup_body("late@example.org", "later@example.org")
        )
        .await
        .0,
        StatusCode::CREATED
    );

    // The inviter may resend a handful of times a day, not more.
    let verify = app.link_token(&app.last_mail_to("late@example.org").unwrap(), "verify");
    app.post_json(&format!("/api/v1/verify/{verify}"), json!({}))
        .await;
    let (_, a) = app
        .login(
            &crate::helpers::api(),
            "late@example.org",
            "alex's own long passphrase",
            None,
        )
        .await;
    let a = a["token"].as_str().unwrap().to_string();
    for _ in 0..5 {
        assert_eq!(
            app.post_bearer(&a, "/api/v1/me/invitation/resend", json!({}))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        app.post_bearer(&a, "/api/v1/me/invitation/resend", json!({}))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
}
