//! The preparation pages as a browser without script uses them: the facilitator plans
//! meetings (invitations with a calendar file in the outbox, double booking refused in
//! words), both participants write their own parts and sign the agreement, a facilitator
//! countersigns, an edit voids the signatures and shows what changed, a touch consent is
//! withdrawn on /consents, and the team's readiness page lists the open gates. The partner
//! never sees the other's individual meeting.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{Pair, TestApp, api, browser, spawn_app, totp_code};
use crate::helpers::{between, csrf, get, hidden_value, post};
use crate::intake::{complete_answers, fill_and_submit};

const PW: &str = "a staff member's long passphrase";

/// A staff member with a page session (TOTP enrolled through the pages) and a bearer
/// token. Returns (user id, bearer, browser).
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
    let token = hidden_value(&page, "csrf");
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

async fn participant(app: &TestApp, email: &str, password: &str) -> Client {
    let c = browser();
    let (status, location) = post(
        &c,
        app,
        "/login",
        &[("email", email), ("password", password), ("next", "/home")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    c
}

struct Duo {
    pair: Pair,
    fac_id: String,
    fac: Client,
    clin: Client,
    a: Client,
    b: Client,
}

/// A pair in preparation (both intakes in, a signed `duo` decision), with the care team
/// and both participants signed in through the pages.
async fn in_preparation_pages(app: &TestApp) -> Duo {
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let (clin_id, clinician, clin) =
        staff(app, &admin, "Mira", "mira@clinic.example", &["clinician"]).await;
    let (fac_id, _, fac) = staff(app, &admin, "Sam", "sam@clinic.example", &["facilitator"]).await;
    let (status, body) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", pair.duo_id),
            json!({"members": [{"user_id": clin_id, "role": "clinician"}, {"user_id": fac_id, "role": "facilitator"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    fill_and_submit(app, &pair.a_token, complete_answers("P-A")).await;
    let mut b = complete_answers("P-B");
    b["medications"] = json!([]);
    fill_and_submit(app, &pair.b_token, b).await;
    let (status, body) = app
        .post_bearer(
            &clinician,
            &format!("/api/v1/duos/{}/screening/decision", pair.duo_id),
            json!({"format": "duo", "rationale": "Reviewed both intakes and findings.", "password": PW}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let a = participant(app, "alex@example.org", "alex's own long passphrase").await;
    let b = participant(app, "bo@example.org", "bo's very own passphrase").await;
    Duo {
        pair,
        fac_id,
        fac,
        clin,
        a,
        b,
    }
}

/// A `datetime-local` value some hours from the app's clock.
fn local_in(app: &TestApp, hours: i64) -> String {
    let t = app.clock_now() + jiff::SignedDuration::from_hours(hours);
    t.to_string().chars().take(16).collect()
}

#[tokio::test]
async fn meetings_are_planned_on_the_page_and_the_partner_never_sees_an_individual_one() {
    let app = spawn_app().await;
    let d = in_preparation_pages(&app).await;
    let duo = &d.pair.duo_id;
    let path = format!("/duos/{duo}/meetings");
    let (status, page) = get(&d.fac, &app, &path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("type=\"datetime-local\"") && page.contains("UTC"));
    let token = hidden_value(&page, "csrf");
    let start = local_in(&app, 72);
    let (status, location) = post(
        &d.fac,
        &app,
        &path,
        &[
            ("csrf", &token),
            ("kind", "preparation"),
            ("with", "joint"),
            ("starts_at", &start),
            ("minutes", "90"),
            ("video_url", "https://video.example/room"),
            ("staff", &d.fac_id),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, format!("{path}?saved=scheduled"));
    let mail = app.last_mail_to("bo@example.org").unwrap();
    assert!(mail.contains("text/calendar"), "{mail}");
    assert!(mail.contains("BEGIN:VCALENDAR"));
    // The same facilitator at the same time: refused, in words, with what was typed kept.
    let (status, page) = post(
        &d.fac,
        &app,
        &path,
        &[
            ("csrf", &token),
            ("kind", "preparation"),
            ("with", &d.pair.a_pid),
            ("starts_at", &start),
            ("minutes", "60"),
            ("staff", &d.fac_id),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("error-summary") && page.contains("Already booked"),
        "{page}"
    );
    assert!(page.contains(&format!("value=\"{start}\"")));
    // Bad input is named at its field.
    let (status, page) = post(
        &d.fac,
        &app,
        &path,
        &[
            ("csrf", &token),
            ("kind", "preparation"),
            ("with", "joint"),
            ("starts_at", ""),
            ("minutes", "five"),
            ("video_url", "http://plain.example"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["starts_at", "minutes", "video_url"] {
        assert!(page.contains(&format!("href=\"#{id}\"")), "{id}: {page}");
        assert!(page.contains(&format!("id=\"{id}-error\"")), "{id}");
    }
    // An individual meeting for Alex only.
    let (status, _) = post(
        &d.fac,
        &app,
        &path,
        &[
            ("csrf", &token),
            ("kind", "preparation"),
            ("with", &d.pair.a_pid),
            ("starts_at", &local_in(&app, 100)),
            ("minutes", "60"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, a_page) = get(&d.a, &app, "/meetings").await;
    let (status, b_page) = get(&d.b, &app, "/meetings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a_page.matches("<li class=\"card\">").count(), 2, "{a_page}");
    assert!(a_page.contains("Just you"));
    assert_eq!(b_page.matches("<li class=\"card\">").count(), 1, "{b_page}");
    assert!(!b_page.contains("Just you") && !b_page.contains("Only with"));
    // Participants never get the team's pages.
    for p in [path.clone(), format!("/duos/{duo}/readiness")] {
        assert_eq!(get(&d.b, &app, &p).await.0, StatusCode::NOT_FOUND, "{p}");
    }
    // Marked held with a note.
    let (_, page) = get(&d.fac, &app, &path).await;
    let held = between(&page, &format!("action=\"/duos/{duo}/meetings/"), "/held\"");
    let (status, location) = post(
        &d.fac,
        &app,
        &format!("{path}/{held}/held"),
        &[("csrf", &token), ("note", "A calm first meeting.")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = get(&d.fac, &app, &location).await;
    assert!(page.contains("marked as held"), "{page}");
    // The duo page links to the preparation pages.
    let (_, duo_page) = get(&d.fac, &app, &format!("/duos/{duo}")).await;
    assert!(duo_page.contains(&format!("/duos/{duo}/agreement")));
    assert!(duo_page.contains(&format!("/duos/{duo}/readiness")));
}

const SHARED: [(&str, &str); 9] = [
    ("boundaries", "No talk about the old flat."),
    ("proximity", "Mattresses a metre apart."),
    ("music", "Quiet music, silence after noon."),
    ("time_outs", "A raised hand means a pause."),
    ("talking", "Quiet in the morning."),
    ("shared_vs_own", "Mostly each in our own process."),
    (
        "difficult_moments",
        "The facilitator sits with whoever needs it.",
    ),
    ("afterwards", "We talk the next evening, not before."),
    (
        "confidentiality",
        "What each says to the team stays with the team.",
    ),
];

async fn sign(client: &Client, app: &TestApp, duo: &str) -> (StatusCode, String) {
    let path = format!("/duos/{duo}/agreement");
    let (_, page) = get(client, app, &path).await;
    let version = hidden_value(&page, "version");
    post(
        client,
        app,
        &format!("{path}/sign"),
        &[
            ("csrf", &hidden_value(&page, "csrf")),
            ("version", &version),
        ],
    )
    .await
}

#[tokio::test]
async fn both_sign_a_facilitator_countersigns_consent_is_withdrawn_and_edits_void_signatures() {
    let app = spawn_app().await;
    let d = in_preparation_pages(&app).await;
    let duo = d.pair.duo_id.clone();
    let path = format!("/duos/{duo}/agreement");

    // Nothing ticked by default; touch is never sexual.
    let (status, page) = get(&d.a, &app, &path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("never sexual"));
    assert!(page.contains("name=\"touch_from_partner\"") && !page.contains(" checked>"));

    // The facilitator writes the shared parts.
    let token = csrf(&d.fac, &app, &path).await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend(SHARED);
    let (status, location) = post(&d.fac, &app, &path, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    // Signing is refused while an intention is missing; the page says what is missing.
    let (status, page) = sign(&d.a, &app, &duo).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("not complete"), "{page}");

    // Each writes their own parts.
    let token = csrf(&d.a, &app, &path).await;
    let (status, _) = post(
        &d.a,
        &app,
        &path,
        &[
            ("csrf", &token),
            ("intention", "To listen"),
            ("touch_from_partner", "hand"),
            ("touch_from_partner", "hug"),
            ("touch_from_facilitator", "shoulder"),
            ("sharing", "Nothing without asking me"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let token = csrf(&d.b, &app, &path).await;
    let (status, _) = post(
        &d.b,
        &app,
        &path,
        &[("csrf", &token), ("intention", "To be honest")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&d.b, &app, &path).await;
    assert!(
        page.contains("To listen") && page.contains("A hug"),
        "{page}"
    );
    assert!(page.contains("Your own parts"));

    // Both sign; not yet in effect; the facilitator countersigns.
    for c in [&d.a, &d.b] {
        let (status, location) = sign(c, &app, &duo).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    }
    let (_, page) = get(&d.a, &app, &path).await;
    assert!(page.contains("id=\"not-in-effect\""));
    assert!(page.contains("You have signed this version."));
    // The clinician reads but does not countersign.
    let (status, page) = get(&d.clin, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("/agreement/sign"));
    let (status, location) = sign(&d.fac, &app, &duo).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = get(&d.b, &app, &path).await;
    assert!(page.contains("id=\"in-effect\""), "{page}");
    assert!(page.contains("Sam (facilitator, countersigned)"), "{page}");

    // Alex withdraws the hug from Bo on /consents: at once.
    let (status, page) = get(&d.a, &app, "/consents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"consent-touch.hug.from_partner\" data-state=\"given\""));
    assert!(page.contains("effect at once"));
    let item = "/consents/touch.hug.from_partner/withdraw";
    let (status, confirm) = get(&d.a, &app, item).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("A hug from Bo"), "{confirm}");
    let (status, location) = post(
        &d.a,
        &app,
        item,
        &[("csrf", &hidden_value(&confirm, "csrf"))],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&d.a, &app, &location).await;
    assert!(page.contains("id=\"consent-touch.hug.from_partner\" data-state=\"withdrawn\""));
    assert!(page.contains("took effect straight away"));
    // Nothing given, nothing to withdraw: no confirmation page.
    assert_eq!(
        get(&d.a, &app, "/consents/touch.holding.from_partner/withdraw")
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // An edit after signing voids the signatures and shows what changed.
    let (_, page) = get(&d.a, &app, &path).await;
    // Alex signed it already, so the version stands in the text rather than in a form.
    let old_version = between(&page, "Version ", " ");
    let token = hidden_value(&page, "csrf");
    let (status, _) = post(
        &d.b,
        &app,
        &path,
        &[
            ("csrf", &csrf(&d.b, &app, &path).await),
            ("intention", "To be honest"),
            ("music", "Silence all day."),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&d.a, &app, &path).await;
    assert!(
        page.contains("What changed") && page.contains("Silence all day."),
        "{page}"
    );
    assert!(page.contains("id=\"not-in-effect\""));
    assert!(page.contains("Nobody has signed this version yet."));
    // The version Alex had open is stale now: the page says why.
    let (status, page) = post(
        &d.a,
        &app,
        &format!("{path}/sign"),
        &[("csrf", &token), ("version", &old_version)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("not the current agreement"), "{page}");

    // Alex's own to-dos on the home page; the team sees the open gates.
    let (_, home) = get(&d.a, &app, "/home").await;
    assert!(
        home.contains("Read and sign the current duo agreement."),
        "{home}"
    );
    assert!(home.contains("/consents") && home.contains(&path));
    let readiness = format!("/duos/{duo}/readiness");
    let (status, page) = get(&d.fac, &app, &readiness).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("gate-open"));
    for title in [
        "Agreement signed",
        "Joint preparation meeting held",
        "A ride home",
    ] {
        assert!(page.contains(title), "{title}: {page}");
    }
    let gates = between(&page, "<tbody>", "</tbody>");
    assert!(!gates.contains(&d.pair.a_pid), "names, not ids: {gates}");
    // The team ticks a checklist item; the clinician confirms a washout.
    let token = hidden_value(&page, "csrf");
    let (status, location) = post(
        &d.fac,
        &app,
        &format!("/duos/{duo}/checklist"),
        &[
            ("csrf", &token),
            ("participant_id", &d.pair.a_pid),
            ("item", "ride_home"),
            ("done", "yes"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(!page.contains(&format!("action=\"/duos/{duo}/washout\"")));
    let (_, page) = get(&d.clin, &app, &readiness).await;
    assert!(page.contains(&format!("action=\"/duos/{duo}/washout\"")));
    let (status, location) = post(
        &d.clin,
        &app,
        &format!("/duos/{duo}/washout"),
        &[
            ("csrf", &hidden_value(&page, "csrf")),
            ("participant_id", &d.pair.a_pid),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = get(&d.clin, &app, &location).await;
    assert!(page.contains("washout is confirmed"));
}
