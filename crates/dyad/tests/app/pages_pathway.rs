//! The pair's pathway through the pages alone: public information, sign-up with errors that
//! keep what was typed, email confirmation, the partner's invitation (join, decline, dead
//! links), the participant home, re-acceptance of documents, private messages, withdrawal
//! without the reason reaching the partner, and the coordinator's duo pages.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, browser, spawn_app, totp_code};
use crate::helpers::{between, csrf, get_or_location as get, hidden_value, post};

const A_PASSWORD: &str = "alex's own long passphrase";
const B_PASSWORD: &str = "bo's very own passphrase";

/// A signs up through the form and confirms the mailed link; returns A's browser.
async fn sign_up(app: &TestApp, a_email: &str, b_email: &str) -> Client {
    let a = browser();
    let (status, location) = post(
        &a,
        app,
        "/signup",
        &[
            ("csrf", ""),
            ("name", "Alex"),
            ("email", a_email),
            ("password", A_PASSWORD),
            ("age_confirmed", "yes"),
            ("relationship", "couple"),
            (
                "motivation",
                "We want to talk about what happened last year.",
            ),
            ("partner_name", "Bo"),
            ("partner_email", b_email),
            ("accept_documents", "yes"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, "/home");
    // Home first asks for the email address to be confirmed.
    assert_eq!(get(&a, app, "/home").await.1, "/account/steps");
    assert_eq!(
        get(&a, app, "/account/steps").await.1,
        "/account/verify-email"
    );
    let (status, page) = get(&a, app, "/account/verify-email").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Check your email"), "{page}");
    let token = app.link_token(
        &app.last_mail_to(a_email).expect("verification mail"),
        "verify",
    );
    // Opening the link changes nothing (mail scanners open links too); the button does.
    let (status, page) = get(&a, app, &format!("/verify/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden_value(&page, "csrf");
    let (status, page) = post(&a, app, &format!("/verify/{token}"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("your email address is confirmed"), "{page}");
    let (status, _) = post(&a, app, &format!("/verify/{token}"), &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "the link works once");
    a
}

/// B opens the mailed invitation and joins with their own motivation; returns B's browser.
async fn join(app: &TestApp, b_email: &str) -> Client {
    let b = browser();
    let token = app.link_token(&app.last_mail_to(b_email).expect("invitation"), "join");
    let (status, page) = get(&b, app, &format!("/join/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Alex invites you to take part together"),
        "{page}"
    );
    assert!(
        !page.contains("what happened last year"),
        "the inviter's motivation stays with the team"
    );
    let (status, location) = post(
        &b,
        app,
        &format!("/join/{token}"),
        &[
            ("csrf", ""),
            ("name", "Bo"),
            ("password", B_PASSWORD),
            ("motivation", "I want us to feel close again."),
            ("age_confirmed", "yes"),
            ("accept_documents", "yes"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, "/home");
    // The link is spent: a third person using it gets a clear refusal.
    let (status, page) = get(&browser(), app, &format!("/join/{token}")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("already been answered"), "{page}");
    b
}

/// A staff member signed in through the pages, TOTP enrolled on the way.
async fn staff_browser(app: &TestApp, email: &str, password: &str) -> Client {
    let c = browser();
    let (status, location) = post(
        &c,
        app,
        "/login",
        &[("email", email), ("password", password), ("next", "/home")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/account/steps");
    let (_, page) = get(&c, app, "/account/totp").await;
    let secret = between(&page, "id=\"totp-secret\">", "<");
    let csrf = hidden_value(&page, "csrf");
    let code = totp_code(&secret, app.now_secs());
    let (status, _) = post(
        &c,
        app,
        "/account/totp",
        &[("csrf", &csrf), ("code", &code)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    c
}

#[tokio::test]
async fn public_information_and_documents() {
    let app = spawn_app().await;
    let c = browser();
    for (path, text) in [
        ("/about", "What a duo session is"),
        ("/pathway", "Intake, each alone"),
        ("/expect", "What it cannot promise"),
        ("/safety", "Emergency services: 112"),
        ("/documents/terms", "Participation terms"),
        ("/documents/privacy", "Privacy notice"),
        ("/signup", "name=\"partner_email\""),
        ("/", "href=\"/signup\""),
    ] {
        let (status, page) = get(&c, &app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains(text), "{path} lacks {text}");
        assert!(page.contains("href=\"/safety\""), "{path} links safety");
    }
    let (status, _) = get(&c, &app, "/documents/nonsense").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = c
        .get(app.url("/about"))
        .header("accept-language", "nl-NL")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Wat een duosessie is"));
}

#[tokio::test]
async fn a_pair_signs_up_joins_and_a_coordinator_assigns_the_team() {
    let app = spawn_app().await;
    let a = browser();
    // Bad input: every problem is named, linked to its field, and nothing typed is lost.
    let (status, page) = post(
        &a,
        &app,
        "/signup",
        &[
            ("csrf", ""),
            ("name", "Alex"),
            ("email", "not-an-email"),
            ("password", "short"),
            (
                "motivation",
                "We want to talk about what happened last year.",
            ),
            ("partner_name", ""),
            ("partner_email", "bo@pair.example"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in [
        "email",
        "password",
        "relationship",
        "partner_name",
        "age_confirmed",
        "accept_documents",
    ] {
        assert!(
            page.contains(&format!("href=\"#{id}\"")),
            "summary links {id}"
        );
        assert!(page.contains(&format!("id=\"{id}\"")), "field {id} exists");
    }
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("value=\"Alex\""));
    assert!(page.contains("value=\"not-an-email\""));
    assert!(page.contains("value=\"bo@pair.example\""));
    assert!(page.contains(">We want to talk about what happened last year.</textarea>"));
    assert!(
        app.last_mail_to("bo@pair.example").is_none(),
        "nothing sent"
    );

    let a = sign_up(&app, "alex@pair.example", "bo@pair.example").await;
    let (status, home) = get(&a, &app, "/home").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("We are waiting for Bo to answer."), "{home}");
    assert!(home.contains("action=\"/invitation/resend\""));

    // A dead or forged invitation link says so.
    let (status, page) = get(&browser(), &app, "/join/not-a-real-token").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("This link does not work"), "{page}");

    let b = join(&app, "bo@pair.example").await;
    let (status, home) = get(&b, &app, "/home").await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert!(home.contains("You are both in."), "{home}");
    assert!(
        home.contains("href=\"/intake\""),
        "the intake is one step away"
    );
    assert!(!home.contains("what happened last year"));
    let (_, home) = get(&a, &app, "/home").await;
    assert!(home.contains("You are both in."), "{home}");
    assert!(home.contains("Bo has joined."), "{home}");
    assert!(!home.contains("feel close again"));

    // A coordinator finds the duo and assigns its care team through the form.
    let (admin, _, _) = app.ready_admin().await;
    let password = "a staff member's long passphrase";
    app.make_staff(
        &admin,
        "Noor",
        "noor@clinic.example",
        &["coordinator"],
        password,
    )
    .await;
    let fenna = app
        .make_staff(
            &admin,
            "Fenna",
            "fenna@clinic.example",
            &["facilitator"],
            password,
        )
        .await;
    let cas = app
        .make_staff(
            &admin,
            "Cas",
            "cas@clinic.example",
            &["clinician"],
            password,
        )
        .await;
    let noor = staff_browser(&app, "noor@clinic.example", password).await;
    let (status, list) = get(&noor, &app, "/duos").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.contains("<td>Alex &#38; Bo</td>"), "{list}");
    assert!(list.contains("<td>Intake</td>"), "{list}");
    assert!(list.contains("<td>joined</td>"), "{list}");
    let id = between(&list, "href=\"/duos/", "\"");
    let (_, found) = get(&noor, &app, "/duos?q=Bo").await;
    assert!(found.contains(&id));
    let (_, none) = get(&noor, &app, "/duos?phase=screening").await;
    assert!(!none.contains(&id));
    let (status, _) = get(&noor, &app, "/duos?phase=nonsense").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, page) = get(&noor, &app, &format!("/duos/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("name=\"facilitator\" value=\"{fenna}\"")));
    assert!(page.contains(&format!("name=\"clinician\" value=\"{cas}\"")));
    assert!(!page.contains("what happened last year") && !page.contains("feel close again"));
    assert!(
        !page.contains("/messages"),
        "coordinators get no clinical threads"
    );
    let csrf = hidden_value(&page, "csrf");
    let (status, location) = post(
        &noor,
        &app,
        &format!("/duos/{id}/team"),
        &[
            ("csrf", &csrf),
            ("facilitator", &fenna),
            ("clinician", &cas),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = get(&noor, &app, &location).await;
    assert!(page.contains("The care team has been saved."));
    assert!(page.contains("Fenna (Facilitator)"), "{page}");
    assert!(page.contains("Cas (Clinician)"), "{page}");
    assert!(page.contains("partner joined"), "timeline: {page}");
    // Someone who is not staff holding that role is refused, with a message.
    let (status, page) = post(
        &noor,
        &app,
        &format!("/duos/{id}/team"),
        &[("csrf", &csrf), ("clinician", &fenna)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#members\""), "{page}");
}

#[tokio::test]
async fn declining_shows_the_inviter_only_that_it_will_not_go_ahead() {
    let app = spawn_app().await;
    let a = sign_up(&app, "ann@pair.example", "ben@pair.example").await;
    let b = browser();
    let token = app.link_token(&app.last_mail_to("ben@pair.example").unwrap(), "join");
    let (status, page) = get(&b, &app, &format!("/join/{token}/decline")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Alex hears only that it will not go ahead"),
        "{page}"
    );
    let (status, page) = post(&b, &app, &format!("/join/{token}/decline"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("You have said no"));
    let (status, _) = post(&b, &app, &format!("/join/{token}/decline"), &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, home) = get(&a, &app, "/home").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("will not go ahead"), "{home}");
    assert!(home.contains("Your pathway has stopped."), "{home}");
    assert!(
        !home.contains("declined"),
        "no reason or mechanism shown: {home}"
    );
    assert!(!home.contains("action=\"/invitation/resend\""));
}

#[tokio::test]
async fn withdrawal_reason_never_reaches_the_partner() {
    let app = spawn_app().await;
    let a = sign_up(&app, "ada@pair.example", "bram@pair.example").await;
    let b = join(&app, "bram@pair.example").await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let (fid, facilitator) = app
        .staff_session(&admin, "Fenna", "fenna@clinic.example", &["facilitator"])
        .await;
    let (_, list) = app.get_bearer(&coordinator, "/api/v1/duos").await;
    let duo_id = list[0]["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{duo_id}/team"),
            json!({"members": [{"user_id": fid, "role": "facilitator"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A private message to the team; the partner's thread stays empty.
    let token = csrf(&a, &app, "/messages").await;
    let (status, _) = post(&a, &app, "/messages", &[("csrf", &token), ("text", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post(
        &a,
        &app,
        "/messages",
        &[("csrf", &token), ("text", "A note only for my team.")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, thread) = get(&a, &app, "/messages").await;
    assert!(thread.contains("A note only for my team."));
    assert!(thread.contains("Your partner never sees these messages."));
    let (_, thread) = get(&b, &app, "/messages").await;
    assert!(!thread.contains("A note only for my team."));

    // Withdrawing asks for confirmation and keeps the typed reason.
    let reason = "My own private fears about the session";
    let token = csrf(&a, &app, "/withdraw").await;
    let (status, page) = post(
        &a,
        &app,
        "/withdraw",
        &[("csrf", &token), ("reason", reason)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#confirm\""));
    assert!(page.contains(reason));
    let (status, page) = post(
        &a,
        &app,
        "/withdraw",
        &[("csrf", &token), ("reason", reason), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("You have stopped taking part."));

    // The partner sees only that it stopped, on every page they have.
    let (status, home) = get(&b, &app, "/home").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Your pathway has stopped."), "{home}");
    for path in [
        "/home",
        "/messages",
        "/me/documents",
        "/me/access-log",
        "/withdraw",
    ] {
        let (_, page) = get(&b, &app, path).await;
        assert!(!page.contains(reason), "{path} shows the reason");
        assert!(!page.contains("private fears"), "{path}");
        assert!(!page.contains("withdrew"), "{path} says who stopped");
    }
    let (status, _) = get(&b, &app, &format!("/duos/{duo_id}")).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "participants have no duo pages"
    );

    // The care team reads the reason; the coordinator does not.
    let (status, page) = app
        .raw_bearer(&facilitator, &format!("/duos/{duo_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(reason), "{page}");
    assert!(page.contains("/messages"), "the team opens threads");
    let (status, page) = app
        .raw_bearer(&coordinator, &format!("/duos/{duo_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(reason));

    // A clinician outside the team sees only the emergency way in, with its warning.
    let (_, outsider) = app
        .staff_session(&admin, "Olaf", "olaf@clinic.example", &["clinician"])
        .await;
    let (status, page) = app.raw_bearer(&outsider, &format!("/duos/{duo_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Use emergency access only"), "{page}");
    assert!(!page.contains(reason));
    let path = format!("/duos/{duo_id}/break-glass");
    let r = crate::helpers::api()
        .post(app.url(&path))
        .bearer_auth(&outsider)
        .form(&[("reason", "short")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("href=\"#reason\""));
    let r = crate::helpers::api()
        .post(app.url(&path))
        .bearer_auth(&outsider)
        .form(&[(
            "reason",
            "Ada's clinician is unreachable and she called in distress",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, page) = app
        .raw_bearer(&outsider, &format!("/duos/{duo_id}?saved=break-glass"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("with emergency access"), "{page}");
}

#[tokio::test]
async fn a_new_document_version_is_accepted_again_at_the_next_visit() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@docs.example", "bo@docs.example")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (status, page) = app.raw_bearer(&admin, "/admin/documents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Publish a new version"));
    let (status, _) = app.raw_bearer(&pair.b_token, "/admin/documents").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The publish form names what is missing and keeps the text.
    let r = crate::helpers::api()
        .post(app.url("/admin/documents"))
        .bearer_auth(&admin)
        .form(&[
            ("kind", "terms"),
            ("version", ""),
            ("title", "Participation terms"),
            ("body", "Draft text kept."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("href=\"#version\""), "{page}");
    assert!(page.contains(">Draft text kept.</textarea>"));
    let (status, body) = app
        .post_bearer(
            &admin,
            "/api/v1/documents",
            json!({"kind": "terms", "version": "2", "title": "Participation terms",
                   "body": "New terms.\n\nA second paragraph about stopping."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let b = browser();
    let (status, location) = post(
        &b,
        &app,
        "/login",
        &[
            ("email", "bo@docs.example"),
            ("password", B_PASSWORD),
            ("next", "/home"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/account/steps");
    assert_eq!(get(&b, &app, "/home").await.1, "/account/steps");
    assert_eq!(get(&b, &app, "/account/steps").await.1, "/documents/review");
    let (status, page) = get(&b, &app, "/documents/review").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<p>A second paragraph about stopping.</p>"),
        "{page}"
    );
    let token = hidden_value(&page, "csrf");
    let doc_id = hidden_value(&page, "document_ids");
    let (status, _) = post(&b, &app, "/documents/review", &[("csrf", &token)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, location) = post(
        &b,
        &app,
        "/documents/review",
        &[("csrf", &token), ("document_ids", &doc_id)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/account/steps");
    let (status, home) = get(&b, &app, "/home").await;
    assert_eq!(status, StatusCode::OK, "{home}");
    let (_, docs) = get(&b, &app, "/me/documents").await;
    assert!(
        docs.contains("accepted again after a new version"),
        "{docs}"
    );
    assert!(
        docs.contains("<td>1</td>") && docs.contains("<td>2</td>"),
        "{docs}"
    );
}
