//! The pathway in Dutch: a participant who chooses Dutch reads the intake's own questions in
//! Dutch, the validated questionnaires in their published English wording with a Dutch note
//! saying why, and the services' validation messages in Dutch. The API's form speaks Dutch only
//! when asked (`?lang=nl`) and keeps its English otherwise.

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, browser, spawn_app};

const A_PASSWORD: &str = "alex's own long passphrase";

async fn get(client: &Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// The first `value` of the input named `name`.
fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker).expect("input on the page");
    let tag = &html[at..at + html[at..].find('>').unwrap()];
    let v = &tag[tag.find("value=\"").expect("a value") + 7..];
    v[..v.find('"').unwrap()].to_string()
}

/// Alex, signed in on a browser, who chose Dutch with the language switch.
async fn dutch_participant(app: &TestApp) -> Client {
    let client = browser();
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("email", "alex@example.org"),
            ("password", A_PASSWORD),
            ("next", "/intake"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in");
    let r = client.get(app.url("/lang/nl")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "language switch");
    client
}

#[tokio::test]
async fn a_dutch_participant_reads_the_intake_in_dutch() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let a = dutch_participant(&app).await;

    let (status, start) = get(&a, &app, "/intake").await;
    assert_eq!(status, StatusCode::OK);
    assert!(start.contains("<html lang=\"nl\">"));
    assert!(start.contains("Je intake"), "{start}");
    assert!(start.contains("Je partner ziet deze antwoorden nooit."));
    assert!(start.contains("Over jou"), "section titles in Dutch");

    // The form's own questions, help and options, in Dutch; the answer codes are unchanged.
    let (_, about) = get(&a, &app, "/intake/about_you").await;
    assert!(about.contains("Wat is je geslacht, voor medische doeleinden?"));
    assert!(about.contains("Een schatting is goed."));
    assert!(about.contains("value=\"female\""));
    assert!(about.contains("Vrouw"));
    assert!(
        !about.contains("What is your sex"),
        "no English question left"
    );
    let (_, health) = get(&a, &app, "/intake/physical_health").await;
    assert!(
        health.contains("Hart en bloedvaten"),
        "option group heading"
    );
    assert!(health.contains("Een onregelmatige hartslag (hartritmestoornis)"));
    let (_, relationship) = get(&a, &app, "/intake/relationship").await;
    assert!(relationship.contains("Hoeveel vertrouwen heb je in je partner?"));
    assert!(
        relationship.contains("Helemaal niet veilig"),
        "scale end label"
    );

    // A validated questionnaire is not re-worded: its published English, marked as English,
    // under a Dutch note that says why.
    let (_, phq9) = get(&a, &app, "/intake/phq9").await;
    assert!(phq9.contains("Je stemming in de afgelopen twee weken"));
    assert!(
        phq9.contains("Deze vragenlijst staat hier in de gevalideerde Engelse versie."),
        "{phq9}"
    );
    assert!(phq9.contains("<legend lang=\"en\">1. Little interest or pleasure in doing things"));
    assert!(phq9.contains("<span lang=\"en\">Not at all</span>"));

    // A value the service refuses comes back in Dutch, on the page, linked to its field.
    let r = a
        .post(app.url("/intake/relationship"))
        .form(&[
            ("csrf", input_value(&relationship, "csrf").as_str()),
            ("revision", input_value(&relationship, "revision").as_str()),
            ("action", "next"),
            ("shown", "relationship"),
            ("shown", "relationship.trust"),
            ("relationship.trust", "9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = r.text().await.unwrap();
    assert!(
        refused.contains("Vul een heel getal in van 1 tot en met 5."),
        "{refused}"
    );
    assert!(refused.contains("href=\"#relationship_trust\""));
    assert!(!refused.contains("Must be a whole number"));

    // Submitting too early: what is missing is named in Dutch.
    let (_, review) = get(&a, &app, "/intake/review").await;
    let r = a
        .post(app.url("/intake/submit"))
        .form(&[("csrf", input_value(&review, "csrf").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = r.text().await.unwrap();
    assert!(
        refused.contains("Wat is je geslacht, voor medische doeleinden?: Beantwoord deze vraag."),
        "{refused}"
    );

    // The API keeps its English unless asked, and names the language it answers in.
    let (status, form) = app.get_bearer(&pair.a_token, "/api/v1/intake/form").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(form["title"], "Your intake");
    assert_eq!(form["lang"], "en");
    let (status, form) = app
        .get_bearer(&pair.a_token, "/api/v1/intake/form?lang=nl")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(form["title"], "Je intake");
    assert_eq!(form["lang"], "nl");
    assert_eq!(form["instruments"]["phq9"]["language"], "en");
    assert_eq!(
        form["instruments"]["phq9"]["translation_source"],
        Value::Null
    );
    let (status, problem) = app
        .get_bearer(&pair.a_token, "/api/v1/intake/form?lang=xx")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "lang");
    // The OpenAPI document names the parameter.
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let params = &doc["paths"]["/api/v1/intake/form"]["get"]["parameters"];
    assert_eq!(params[0]["name"], "lang", "{params}");
    // The API's validation messages stay English, whatever the account's language.
    let (status, problem) = app
        .put_bearer(
            &pair.a_token,
            "/api/v1/me/intake",
            serde_json::json!({"answers": {"relationship": {"trust": 9}}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["message"],
        "Must be a whole number from 1 to 5."
    );
}

#[tokio::test]
async fn sign_up_mistakes_are_explained_in_dutch() {
    let app = spawn_app().await;
    let client = browser();
    let r = client
        .post(app.url("/signup"))
        .header("accept-language", "nl-NL,nl;q=0.9")
        .form(&[
            ("csrf", ""),
            ("name", "Alex"),
            ("email", "not-an-email"),
            ("password", "short"),
            ("motivation", "We willen weer met elkaar praten."),
            ("partner_name", "Bo"),
            ("partner_email", "bo@pair.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    for dutch in [
        "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
        "Kies een ander wachtwoord: gebruik minstens 12 tekens.",
        "Kies hoe jullie elkaar kennen.",
        "Meedoen kan pas vanaf 18 jaar.",
        "Lees en accepteer de deelnamevoorwaarden en de privacyverklaring.",
    ] {
        assert!(page.contains(dutch), "{dutch} missing in {page}");
    }
    assert!(!page.contains("Give a valid email address"));
    // The same mistakes through the API: English, as before.
    let (status, problem) = app
        .post_json(
            "/api/v1/signup",
            serde_json::json!({
                "name": "Alex", "email": "not-an-email", "password": "long enough passphrase",
                "relationship": "couple", "motivation": "x", "age_confirmed": true,
                "accept_documents": true,
                "partner": {"name": "Bo", "email": "bo@pair.example"}
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["message"],
        "Give a valid email address, like name@example.org."
    );
}
