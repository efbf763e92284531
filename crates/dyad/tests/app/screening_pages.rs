//! The screening pages, as a browser uses them: the duo's clinician signs in with a TOTP
//! code, reads both people's findings side by side with their sources and the answers
//! behind them, signs a decision (a wrong password is refused and the rationale kept), and
//! both participants see the same neutral outcome on their home page. The partner and a
//! facilitator get the page a missing one gets, and nothing of A's findings reaches B.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, browser, spawn_app, totp_code};
use crate::helpers::{between, get_or_location as get, hidden_value, post};
use crate::intake::{complete_answers, fill_and_submit};

const STAFF_PASSWORD: &str = "a staff member's long passphrase";
const A_PASSWORD: &str = "alex's own long passphrase";
const B_PASSWORD: &str = "bo's very own passphrase";
const RATIONALE: &str = "Sertraline taper with the prescriber first; both intakes read in full.";

/// A staff member's first page session: sign in, enrol TOTP on the page, full session.
async fn staff_browser(app: &TestApp, email: &str) -> Client {
    let c = browser();
    let (status, location) = post(
        &c,
        app,
        "/login",
        &[
            ("email", email),
            ("password", STAFF_PASSWORD),
            ("next", "/home"),
        ],
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
    // Codes are single-use per time step: later sign-ins get the next one.
    app.advance_secs(31);
    c
}

async fn participant_browser(app: &TestApp, email: &str, password: &str) -> Client {
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

/// The part of the review page that is one person's column.
fn column<'a>(page: &'a str, name: &str) -> &'a str {
    page.split("<section class=\"card\" aria-labelledby=\"person-")
        .skip(1)
        .map(|s| s.split("</section>").next().unwrap())
        .find(|s| s.contains(&format!(">{name}</h3>")))
        .unwrap_or_else(|| panic!("no column for {name}"))
}

/// The neutral outcome paragraph of a participant's home page.
fn outcome(home: &str) -> String {
    between(home, "<p id=\"screening-outcome\">", "</p>")
}

fn without_operation_id(html: &str) -> String {
    match (html.find("<code class=\"mono\">"), html.find("</code>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_string(),
    }
}

#[tokio::test]
async fn the_clinician_reviews_and_signs_and_both_see_the_same_neutral_outcome() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let clin_id = app
        .make_staff(
            &admin,
            "Mira",
            "mira@clinic.example",
            &["clinician"],
            STAFF_PASSWORD,
        )
        .await;
    let (fac_id, _) = app
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
    let clinician = staff_browser(&app, "mira@clinic.example").await;
    let a = participant_browser(&app, "alex@example.org", A_PASSWORD).await;
    let b = participant_browser(&app, "bo@example.org", B_PASSWORD).await;
    let screening = format!("/duos/{}/screening", pair.duo_id);

    // A has submitted, B not yet: the page says so and no decision can be signed.
    fill_and_submit(&app, &pair.a_token, complete_answers("CANARY-SP-A")).await;
    let (status, page) = get(&clinician, &app, &screening).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(column(&page, "Bo").contains("has not submitted an intake"));
    assert!(!page.contains("name=\"password\""));
    let csrf = hidden_value(&page, "csrf");
    let (status, refused) = post(
        &clinician,
        &app,
        &screening,
        &[
            ("csrf", &csrf),
            ("format", "duo"),
            ("rationale", RATIONALE),
            ("password", STAFF_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused.contains("The decision was not recorded"));
    assert!(refused.contains("once both people have submitted their intake"));

    let mut bo = complete_answers("CANARY-SP-B");
    bo["medications"] = json!([]);
    bo["conditions"] = json!([]);
    bo.as_object_mut()
        .unwrap()
        .remove("hypertension_controlled");
    fill_and_submit(&app, &pair.b_token, bo).await;

    // While the clinician looks: the same calm words for both.
    let (_, home_a) = get(&a, &app, "/home").await;
    let (_, home_b) = get(&b, &app, "/home").await;
    assert!(outcome(&home_a).contains("looking at everything carefully"));
    assert_eq!(outcome(&home_a), outcome(&home_b));

    // The duo page leads the clinician to the review.
    let (_, duo_page) = get(&clinician, &app, &format!("/duos/{}", pair.duo_id)).await;
    assert!(duo_page.contains(&format!("href=\"{screening}\"")));

    // The review: findings per person with source, evidence and the answer behind them.
    let (status, page) = get(&clinician, &app, &screening).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("does not replace it"));
    assert!(page.contains("class=\"screening-cols\""));
    let alex = column(&page, "Alex");
    assert!(alex.contains("sertraline"), "{alex}");
    assert!(alex.contains("medications[0].name"));
    assert!(alex.contains(&format!("href=\"/participants/{}/intake\"", pair.a_pid)));
    let ssri = alex
        .split("<li>")
        .find(|f| f.contains("medications[0].name"))
        .unwrap();
    let source = between(ssri, "Source</dt><dd lang=\"en\">", "</dd>");
    assert!(source.trim().len() > 3, "a source is shown: {ssri}");
    assert!(ssri.contains("Evidence</dt>"));
    assert!(ssri.contains("class=\"sev-badge\""));
    assert!(!column(&page, "Bo").contains("sertraline"));
    assert!(page.contains("Recommended format"));
    let version = between(&page, "Knowledge version <code class=\"mono\">", "</code>");
    assert_eq!(version.len(), 64, "{version}");
    assert!(page.contains("No decision has been signed yet."));
    // What the signature means stands above the password field.
    let meaning_at = page.find("professional responsibility").unwrap();
    let password_at = page.find("name=\"password\"").unwrap();
    assert!(meaning_at < password_at);

    // A wrong password is refused; the choice and the rationale stay, the password not.
    let csrf = hidden_value(&page, "csrf");
    let (status, refused) = post(
        &clinician,
        &app,
        &screening,
        &[
            ("csrf", &csrf),
            ("format", "duo_two_facilitators"),
            ("rationale", RATIONALE),
            ("password", "not my password at all"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("class=\"error-summary\""));
    assert!(refused.contains("href=\"#password\""));
    assert!(refused.contains("This is not your password"));
    assert!(refused.contains(RATIONALE));
    assert!(refused.contains("value=\"duo_two_facilitators\" checked"));
    assert!(!refused.contains("not my password at all"));
    assert!(refused.contains("No decision has been signed yet."));
    // Without a rationale: refused too, the chosen format kept.
    let (status, refused) = post(
        &clinician,
        &app,
        &screening,
        &[
            ("csrf", &csrf),
            ("format", "duo"),
            ("rationale", ""),
            ("password", STAFF_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("href=\"#rationale\""));
    assert!(refused.contains("value=\"duo\" checked"));

    // Signed: the page shows the new decision with name, UTC time and meaning.
    let (status, location) = post(
        &clinician,
        &app,
        &screening,
        &[
            ("csrf", &csrf),
            ("format", "duo"),
            ("rationale", RATIONALE),
            ("password", STAFF_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(location.starts_with(&screening));
    let (status, page) = get(&clinician, &app, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Your decision is signed"));
    let decisions = between(&page, "id=\"decisions\"", "</section>");
    assert!(decisions.contains(RATIONALE));
    assert!(decisions.contains("Duo session"));
    assert!(decisions.contains("Mira"));
    assert!(decisions.contains(" UTC</time>"));
    assert!(decisions.contains("professional responsibility"));
    assert!(decisions.contains("in force"));

    // Both participants: the same neutral words, nothing about who or why.
    let (_, home_a) = get(&a, &app, "/home").await;
    let (_, home_b) = get(&b, &app, "/home").await;
    assert!(outcome(&home_a).contains("You can go on to preparation"));
    assert_eq!(outcome(&home_a), outcome(&home_b));
    for home in [&home_a, &home_b] {
        assert!(!home.contains(RATIONALE));
        assert!(!home.contains("sertraline"));
    }

    // Dutch for the clinician.
    let (_, _) = get(&clinician, &app, "/lang/nl").await;
    let (_, nl) = get(&clinician, &app, &screening).await;
    assert!(nl.contains("vervangt het niet"), "{nl}");
}

#[tokio::test]
async fn the_partner_and_a_facilitator_get_nothing() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, facilitator) = crate::intake::with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("CANARY-SP-A")).await;
    fill_and_submit(&app, &pair.b_token, complete_answers("CANARY-SP-B")).await;
    let screening = format!("/duos/{}/screening", pair.duo_id);
    // The clinician's findings exist (so there is something to leak).
    let (status, page) = app.raw_bearer(&clinician, &screening).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("sertraline"));

    let a = participant_browser(&app, "alex@example.org", A_PASSWORD).await;
    let b = participant_browser(&app, "bo@example.org", B_PASSWORD).await;
    let (missing, nothing) = get(&b, &app, "/duos/no-such-duo/screening").await;
    assert_eq!(missing, StatusCode::NOT_FOUND);
    for client in [&a, &b] {
        let (status, body) = get(client, &app, &screening).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            without_operation_id(&body).replace(&pair.duo_id, "{id}"),
            without_operation_id(&nothing).replace("no-such-duo", "{id}"),
            "the partner's refusal reads like a missing page"
        );
        let csrf = hidden_value(&get(client, &app, "/messages").await.1, "csrf");
        let (status, _) = post(
            client,
            &app,
            &screening,
            &[
                ("csrf", &csrf),
                ("format", "duo"),
                ("rationale", RATIONALE),
                ("password", B_PASSWORD),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, body) = app.raw_bearer(&facilitator, &screening).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("sertraline"));
    let (_, duo_page) = app
        .raw_bearer(&facilitator, &format!("/duos/{}", pair.duo_id))
        .await;
    assert!(!duo_page.contains(&screening));

    // Nothing of A's findings in B's pages.
    for path in [
        "/home".to_string(),
        "/messages".to_string(),
        "/me/access-log".to_string(),
        screening.clone(),
        format!("/participants/{}/intake", pair.a_pid),
    ] {
        let (_, body) = get(&b, &app, &path).await;
        for secret in ["CANARY-SP-A", "medications[0].name", "Contraindication"] {
            assert!(!body.contains(secret), "{path} shows {secret} to B");
        }
    }
}
