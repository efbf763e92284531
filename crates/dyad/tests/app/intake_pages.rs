//! The intake pages over HTTP, as a browser without script uses them: one section at a
//! time with the csrf field of each page, a draft that survives a new sign-in, review and
//! submit, the private promise and the quick exit, and the care team's side-by-side view.

use dyad_core::forms::Form;
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, browser, spawn_app};
use crate::intake::{complete_answers, fill_and_submit, with_team};

const A_PASSWORD: &str = "alex's own long passphrase";

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Client {
    let client = browser();
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("email", email),
            ("password", password),
            ("next", "/intake"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in");
    client
}

async fn page(client: &Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// Every `value` of inputs named `name` on a page (in order).
fn input_values(html: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&marker) {
        let after = &rest[at + marker.len()..];
        let tag_end = after.find('>').unwrap_or(after.len());
        let tag = &after[..tag_end];
        if let Some(v) = tag.find("value=\"") {
            let v = &tag[v + 7..];
            out.push(v[..v.find('"').unwrap()].to_string());
        }
        rest = after;
    }
    out
}

fn csrf_of(html: &str) -> String {
    input_values(html, "csrf")
        .into_iter()
        .next()
        .expect("csrf field on the page")
}

/// The form inputs a person would fill in for `key`'s answer.
fn inputs(key: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((key.into(), s.clone())),
        Value::Number(n) => out.push((key.into(), n.to_string())),
        Value::Bool(b) => out.push((key.into(), if *b { "yes" } else { "no" }.into())),
        Value::Array(list) if list.is_empty() => out.push((format!("{key}__none"), "1".into())),
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                match v {
                    Value::Object(entry) => {
                        for (part, text) in entry {
                            inputs(&format!("{key}[{i}].{part}"), text, out);
                        }
                    }
                    Value::Number(n) => out.push((format!("{key}[{i}]"), n.to_string())),
                    Value::String(code) => out.push((key.into(), code.clone())),
                    _ => {}
                }
            }
        }
        Value::Object(fields) => {
            for (f, v) in fields {
                inputs(&format!("{key}.{f}"), v, out);
            }
        }
        Value::Null => {}
    }
}

/// Posts one section's answers as the page's form (csrf, revision and the questions shown
/// come from the page); returns the status and where it leads.
async fn post_section(
    client: &Client,
    app: &TestApp,
    section: &str,
    answers: &Value,
    action: &str,
) -> (StatusCode, String, String) {
    let (status, html) = page(client, app, &format!("/intake/{section}")).await;
    assert_eq!(status, StatusCode::OK, "{section}: {html}");
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf_of(&html)),
        ("action".into(), action.into()),
    ];
    for r in input_values(&html, "revision") {
        form.push(("revision".into(), r));
    }
    for key in input_values(&html, "shown") {
        form.push(("shown".into(), key.clone()));
        if !key.contains('.')
            && let Some(v) = answers.get(&key)
        {
            inputs(&key, v, &mut form);
        }
    }
    let r = client
        .post(app.url(&format!("/intake/{section}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap_or_default())
}

/// Answers a section through its page, following a follow-up question when one appears.
async fn answer_section(client: &Client, app: &TestApp, section: &str, answers: &Value) -> String {
    for _ in 0..3 {
        let (status, location, body) = post_section(client, app, section, answers, "next").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{section}: {body}");
        if !location.starts_with(&format!("/intake/{section}")) {
            return location;
        }
    }
    panic!("{section} kept asking");
}

#[tokio::test]
async fn a_participant_completes_the_intake_through_the_pages() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let form = Form::shipped().unwrap();
    let answers = complete_answers("canary-alex");
    let a = sign_in(&app, "alex@example.org", A_PASSWORD).await;

    // The start page: the form's promise, the quick exit, one h1.
    let (status, start) = page(&a, &app, "/intake").await;
    assert_eq!(status, StatusCode::OK, "{start}");
    assert!(
        start.contains(&form.private_note_text),
        "promise on the start page"
    );
    assert!(start.contains("href=\"/leave\""));
    assert_eq!(start.matches("<h1").count(), 1);

    // A word in a number field: 422, the typed value kept, the error linked to the field.
    let (_, html) = page(&a, &app, "/intake/about_you").await;
    assert!(html.contains("Section 1 of 11"), "progress shown");
    assert!(html.contains("<progress"));
    let r = a
        .post(app.url("/intake/about_you"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("action", "next"),
            ("shown", "sex"),
            ("shown", "weight_kg"),
            ("sex", "female"),
            ("weight_kg", "sixty-four"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("value=\"sixty-four\""), "typed value kept");
    assert!(
        body.contains("href=\"#weight_kg\""),
        "error summary links to the field"
    );
    assert!(body.contains("aria-invalid=\"true\""));
    assert!(body.contains("aria-describedby=\"weight_kg-hint weight_kg-error\""));
    // The valid answer beside it was saved anyway.
    let (_, again) = page(&a, &app, "/intake/about_you").await;
    assert!(again.contains("value=\"female\" checked"), "sex saved");

    // Autosave (htmx posts the form on change) answers with a status line.
    let r = a
        .post(app.url("/intake/about_you/autosave"))
        .form(&[
            ("csrf", csrf_of(&again).as_str()),
            ("shown", "date_of_birth"),
            ("date_of_birth", "1990-04-12"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("Saved."), "{fragment}");
    assert!(fragment.contains("hx-swap-oob"), "revision refreshed");

    // The first four sections, through the pages.
    for s in &form.sections[..4] {
        let next = answer_section(&a, &app, &s.id, &answers).await;
        assert!(next.starts_with("/intake/"), "{next}");
    }
    // A typed medicine name gets suggestions; "none" is an explicit choice.
    let (_, meds) = page(&a, &app, "/intake/medication_substances").await;
    assert!(meds.contains("value=\"sertraline\""));
    assert!(meds.contains("<datalist id=\"medications-suggestions\">"));
    assert!(meds.contains("name=\"substances__none\" value=\"1\" checked"));
    // "Add another" works without script: it saves and leads to the new empty row.
    let (status, location, _) = post_section(
        &a,
        &app,
        "medication_substances",
        &answers,
        "add:medications",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/intake/medication_substances#medications-1_name");
    let (_, meds) = page(&a, &app, "/intake/medication_substances").await;
    assert!(meds.contains("id=\"medications-1_name\""));

    // The draft survives: a new sign-in (another browser) sees the answers.
    let fresh = sign_in(&app, "alex@example.org", A_PASSWORD).await;
    let (_, about) = page(&fresh, &app, "/intake/about_you").await;
    assert!(about.contains("value=\"64\""), "weight kept");
    assert!(about.contains("value=\"1990-04-12\""), "date kept");
    let (_, health) = page(&fresh, &app, "/intake/physical_health").await;
    assert!(
        health.contains("name=\"hypertension_controlled\""),
        "follow-up shown"
    );

    // Review lists what is missing; submit refuses.
    let (status, review) = page(&fresh, &app, "/intake/review").await;
    assert_eq!(status, StatusCode::OK);
    assert!(review.contains("Still to answer"));
    assert!(
        review.contains("href=\"/intake/goals#intention\""),
        "{review}"
    );
    let r = fresh
        .post(app.url("/intake/submit"))
        .form(&[("csrf", csrf_of(&review).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = r.text().await.unwrap();
    assert!(refused.contains("id=\"error-summary\""));
    assert!(refused.contains("/intake/goals#intention"));
    let (_, api) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(api["status"], "draft");

    // The private sections carry the promise and the quick exit.
    for s in form.sections.iter().filter(|s| s.private_note) {
        let (_, html) = page(&fresh, &app, &format!("/intake/{}", s.id)).await;
        assert!(html.contains(&form.private_note_text), "{}", s.id);
        assert!(html.contains("data-quick-exit"), "{}", s.id);
        let exit = html.find("href=\"/leave\"").unwrap();
        assert!(exit < html.find("<h1").unwrap(), "quick exit comes first");
    }
    let (status, neutral) = page(&fresh, &app, "/leave").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!neutral.to_lowercase().contains("dyad"));
    assert!(!neutral.contains("intake"));

    // The rest, then submit.
    for s in &form.sections[4..] {
        answer_section(&fresh, &app, &s.id, &answers).await;
    }
    let (_, review) = page(&fresh, &app, "/intake/review").await;
    assert!(!review.contains("Still to answer"), "{review}");
    assert!(review.contains("canary-alex"));
    let r = fresh
        .post(app.url("/intake/submit"))
        .form(&[("csrf", csrf_of(&review).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, done) = page(&fresh, &app, "/intake").await;
    assert!(
        done.contains("your intake is with your care team"),
        "{done}"
    );
    let (_, api) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(api["status"], "submitted");
    assert_eq!(api["answers"]["medications"][0]["name"], "sertraline");
    assert_eq!(api["answers"]["weight_kg"], 64);
    assert_eq!(api["answers"]["relationship"]["pressured"], false);
    assert_eq!(api["answers"]["phq9"], answers["phq9"]);
    // Locked: the section pages lead to the confirmation.
    let (status, _) = page(&fresh, &app, "/intake/goals").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// An error page without its per-request operation id.
fn without_operation_id(html: &str) -> String {
    match (html.find("<code class=\"mono\">"), html.find("</code>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_string(),
    }
}

#[tokio::test]
async fn the_clinician_sees_both_side_by_side_and_the_partner_gets_nothing() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, _) = with_team(&app, &pair).await;
    fill_and_submit(&app, &pair.a_token, complete_answers("canary-alex")).await;
    fill_and_submit(&app, &pair.b_token, complete_answers("canary-bo")).await;

    let (status, both) = app
        .raw_bearer(&clinician, &format!("/duos/{}/intakes", pair.duo_id))
        .await;
    assert_eq!(status, StatusCode::OK, "{both}");
    assert!(both.contains("canary-alex") && both.contains("canary-bo"));
    assert!(both.contains("PHQ-9") && both.contains("sertraline"));
    assert!(both.contains("class=\"intake-cols\""));
    let (status, one) = app
        .raw_bearer(&clinician, &format!("/participants/{}/intake", pair.a_pid))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(one.contains("canary-alex") && !one.contains("canary-bo"));

    // The partner, and the participant herself, get the page a missing one gets.
    let (missing, nothing) = app
        .raw_bearer(&pair.b_token, "/participants/no-such-id/intake")
        .await;
    assert_eq!(missing, StatusCode::NOT_FOUND);
    for path in [
        format!("/duos/{}/intakes", pair.duo_id),
        format!("/participants/{}/intake", pair.a_pid),
        format!("/participants/{}/intake", pair.b_pid),
    ] {
        let (status, body) = app.raw_bearer(&pair.b_token, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("canary-alex"), "{path}");
        assert_eq!(
            without_operation_id(&body),
            without_operation_id(&nothing),
            "{path} looks like a missing page"
        );
    }
}
