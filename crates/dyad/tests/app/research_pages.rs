//! Research and privacy pages: the team's erasure page (the checks as form fields, refusals
//! in words, nothing erased after a refusal, the partner and other staff find nothing), and
//! the participant's research consent page (give, withdraw, give again).

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, browser, spawn_app, totp_code};
use crate::helpers::{between, get, post};

const PW: &str = "a staff member's long passphrase";

pub fn csrf_of(page: &str) -> String {
    between(page, "name=\"csrf\" value=\"", "\"")
}

/// A staff member signed in through the pages (TOTP enrolled there).
async fn staff_browser(app: &TestApp, admin: &str, email: &str, roles: &[&str]) -> Client {
    app.make_staff(admin, "Cora Team", email, roles, PW).await;
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
    let code = totp_code(&secret, app.now_secs());
    let (status, _) = post(
        &c,
        app,
        "/account/totp",
        &[("csrf", &csrf_of(&page)), ("code", &code)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.advance_secs(31);
    c
}

async fn erased(app: &TestApp, pid: &str) -> bool {
    dyad_store::research::erasure_of(&app.state.db, pid)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn the_team_erases_through_the_page_after_the_checks() {
    let app = spawn_app().await;
    let (admin, _, _) = app.ready_admin().await;
    let pair = app
        .signed_up_pair("ada@example.org", "bo@example.org")
        .await;
    let coordinator = staff_browser(&app, &admin, "cora@example.org", &["coordinator"]).await;
    let (_, facilitator) = app
        .staff_session(&admin, "Fay", "fay@example.org", &["facilitator"])
        .await;
    let a = dyad_store::duos::participant_by_id(&app.state.db, &pair.a_pid)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/participants/{}/erasure", pair.a_pid);

    // The duo page links to it; the page explains and asks for the checks.
    let (status, duo) = get(&coordinator, &app, &format!("/duos/{}", pair.duo_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(duo.contains(&format!("href=\"{path}\"")), "{duo}");
    let (status, page) = get(&coordinator, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "name=\"reason\"",
        "name=\"legal_hold\" value=\"none\"",
        "name=\"legal_hold\" value=\"active\"",
        "name=\"research_obligations\" value=\"blocks_erasure\"",
        "name=\"confirm_code\"",
        a.code.as_str(),
        "Kept: signed consents",
    ] {
        assert!(page.contains(needle), "{needle} missing");
    }
    let token = csrf_of(&page);

    // Nothing filled in: each check named, nothing erased, what was typed kept.
    let (status, page) = post(
        &coordinator,
        &app,
        &path,
        &[
            ("csrf", &token),
            ("reason", "short"),
            ("confirm_code", "P-WRONG"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for needle in [
        "Say why, in 10 to 2,000 characters",
        "Type the participant&#39;s code exactly",
        "Check for a legal hold",
        "Check the research obligations",
        "P-WRONG",
    ] {
        assert!(page.contains(needle), "{needle} missing from {page}");
    }
    assert!(!erased(&app, &pair.a_pid).await);
    let reason = "Ada asked by e-mail on 3 May; confirmed by phone.";
    let good = |hold: &'static str, research: &'static str| {
        [
            ("reason", reason),
            ("confirm_code", a.code.as_str()),
            ("legal_hold", hold),
            ("research_obligations", research),
        ]
    };
    // A legal hold or research obligations stop it, in words, with nothing erased.
    for (hold, research, words) in [
        ("active", "none", "A legal hold applies to this record"),
        (
            "none",
            "blocks_erasure",
            "Research obligations keep this record",
        ),
    ] {
        let mut form = vec![("csrf", token.as_str())];
        form.extend(good(hold, research));
        let (status, page) = post(&coordinator, &app, &path, &form).await;
        assert_eq!(status, StatusCode::CONFLICT, "{page}");
        assert!(page.contains(words), "{words} missing");
        assert!(page.contains("Nothing was erased"));
        assert!(!erased(&app, &pair.a_pid).await);
    }

    // The partner and a facilitator (not allowed to erase) find no such page.
    let (status, _) = app.raw_bearer(&pair.b_token, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.raw_bearer(&facilitator, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // With the checks done, it erases, and the page then shows what was recorded.
    let mut form = vec![("csrf", token.as_str())];
    form.extend(good("none", "none"));
    let (status, location) = post(&coordinator, &app, &path, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, path);
    assert!(erased(&app, &pair.a_pid).await);
    let (status, page) = get(&coordinator, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("This person&#39;s data was erased."),
        "{page}"
    );
    assert!(page.contains(reason.replace('\'', "&#39;").as_str()));
    assert!(page.contains("Checked: no legal hold applies"));
    assert!(!page.contains("name=\"confirm_code\""), "no second form");
    // Sending the form again changes nothing.
    let (status, _) = post(&coordinator, &app, &path, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, me) = app.get_bearer(&pair.b_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(json!(me["participant_id"]), json!(pair.b_pid));
}

/// Posts a page form as a bearer client (bearer requests need no CSRF token).
async fn post_bearer_form(
    app: &TestApp,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let r = crate::helpers::api()
        .post(app.url(path))
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or(r.text().await.unwrap()))
}

async fn research_state(app: &TestApp, token: &str) -> String {
    let (status, consents) = app.get_bearer(token, "/api/v1/me/consents").await;
    assert_eq!(status, StatusCode::OK, "{consents}");
    consents
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"] == "research")
        .unwrap()["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_participant_gives_withdraws_and_gives_again_research_consent_on_its_page() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("ada@example.org", "bo@example.org")
        .await;
    let a = &pair.a_token;
    assert_eq!(research_state(&app, a).await, "not_given");

    // The consents page leads here; the page shows the text and a plain choice.
    let (status, consents) = app.raw_bearer(a, "/consents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(consents.contains("href=\"/research-consent\""));
    let (status, page) = app.raw_bearer(a, "/research-consent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-state=\"not_given\""), "{page}");
    assert!(page.contains("changes nothing about the care you receive"));
    let doc = between(&page, "name=\"document_id\" value=\"", "\"");

    // Not ticked: nothing recorded, said in words.
    let give = |agree: &'static str, doc: String| {
        vec![
            ("action", "give".to_string()),
            ("agree", agree.to_string()),
            ("document_id", doc),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_bearer_form(app, a, "/research-consent", &refs).await
        }
    };
    let (status, page) = send(give("", doc.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Tick the box to say you agree"), "{page}");
    assert_eq!(research_state(&app, a).await, "not_given");
    // A text that is no longer the current one: refused, nothing recorded.
    let (status, page) = send(give("yes", "an-old-version".into())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("has just changed"), "{page}");
    assert_eq!(research_state(&app, a).await, "not_given");

    // Given.
    let (status, location) = send(give("yes", doc.clone())).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, "/research-consent?saved=given");
    assert_eq!(research_state(&app, a).await, "given");
    let (_, page) = app.raw_bearer(a, "/research-consent?saved=given").await;
    assert!(page.contains("Your research consent is recorded"));
    assert!(page.contains("data-state=\"given\""));
    assert_eq!(
        research_state(&app, &pair.b_token).await,
        "not_given",
        "B's is B's own"
    );

    // Withdrawn, then given again: a renewal beside the first acceptance.
    let (status, location) = send(vec![("action", "withdraw".to_string())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(research_state(&app, a).await, "withdrawn");
    let (_, page) = app.raw_bearer(a, "/research-consent").await;
    assert!(page.contains("data-state=\"withdrawn\""));
    app.advance_secs(60);
    let (status, _) = send(give("yes", doc.clone())).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(research_state(&app, a).await, "given");
    let user_id = dyad_store::duos::participant_by_id(&app.state.db, &pair.a_pid)
        .await
        .unwrap()
        .unwrap()
        .user_id
        .unwrap();
    let accepted = dyad_store::research::research_acceptances(&app.state.db, &user_id)
        .await
        .unwrap();
    assert_eq!(
        accepted.len(),
        2,
        "first acceptance and renewal: {accepted:?}"
    );
    // Giving it while given changes nothing.
    let (status, _) = send(give("yes", doc)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        dyad_store::research::research_acceptances(&app.state.db, &user_id)
            .await
            .unwrap()
            .len(),
        2
    );
    let (_, audit) = app
        .get_bearer(
            &app.ready_admin().await.0,
            "/api/v1/audit?action=give_consent",
        )
        .await;
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");
}
