//! The aftercare pages as a browser without script uses them: A finds the check-in from the
//! home page, a half-filled form is refused in words keeping what was chosen, a risk answer
//! ends on a calm page with the crisis contacts; the clinician's inbox shows the alert and
//! acknowledges, notes and resolves it with plain forms; the charts of outcomes carry their
//! numbers in a table; B and unassigned staff find none of it.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::aftercare::{DAY, answer, calm, checkins, closed_session, find, later};
use crate::helpers::{TestApp, api, browser, spawn_app};

async fn get(
    client: &Client,
    app: &TestApp,
    path: &str,
    bearer: Option<&str>,
) -> (StatusCode, String) {
    let mut req = client.get(app.url(path));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// Posts a form; answers the status and the redirect target or the page.
async fn post(
    client: &Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    bearer: Option<&str>,
) -> (StatusCode, String) {
    let mut req = client.post(app.url(path)).form(form);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    crate::helpers::status_and_target(req.send().await.unwrap()).await
}

fn csrf_of(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    page[start..].chars().take_while(|c| *c != '"').collect()
}

/// A participant signed in with the browser's cookie.
async fn signed_in(app: &TestApp, email: &str, password: &str) -> Client {
    let c = browser();
    let (status, body) = app.login(&c, email, password, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    c
}

#[tokio::test]
async fn a_check_in_through_the_pages_reaches_the_clinicians_inbox_and_is_dealt_with() {
    let app = spawn_app().await;
    let c = closed_session(&app).await;
    later(&app, DAY + 60).await;
    let a = signed_in(&app, "alex@example.org", "alex's own long passphrase").await;

    // From home to the check-in.
    let (status, home) = get(&a, &app, "/home", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("href=\"/checkins\""), "{home}");
    let (status, list) = get(&a, &app, "/checkins", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.contains("id=\"not-watched\""));
    assert!(list.contains("Check-ins are not watched in real time"));
    assert!(list.contains("112"), "crisis contacts from the settings");
    let day1 = find(&checkins(&app, &c.pair.a_token).await, "day_1")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        list.contains(&format!("<a href=\"/checkins/{day1}\">Day 1</a>")),
        "{list}"
    );
    assert!(list.contains("After six months"), "coming up");

    // The form: each question a labelled radio group.
    let path = format!("/checkins/{day1}");
    let (status, form) = get(&a, &app, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("<legend>How is your mood today?</legend>"));
    assert!(form.contains("<label class=\"check\" for=\"w-self_harm-plan\"><input type=\"radio\" id=\"w-self_harm-plan\" name=\"w-self_harm\" value=\"plan\""));
    let token = csrf_of(&form);

    // Half filled: refused in words, with what was chosen kept.
    let (status, page) = post(&a, &app, &path, &[("csrf", &token), ("w-mood", "3")], None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("href=\"#w-sleep\">Choose an answer.</a>"),
        "{page}"
    );
    assert!(
        page.contains("id=\"w-mood-3\" name=\"w-mood\" value=\"3\" checked"),
        "{page}"
    );

    // A risk answer: a calm page with the crisis contacts.
    let (status, location) = post(
        &a,
        &app,
        &path,
        &[
            ("csrf", &token),
            ("w-mood", "2"),
            ("w-sleep", "3"),
            ("w-self_harm", "plan"),
            ("w-contact", "no"),
        ],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, format!("{path}?saved=1"));
    let (_, done) = get(&a, &app, &location, None).await;
    assert!(done.contains("id=\"risk-response\""), "{done}");
    assert!(done.contains("Thank you for telling us"));
    assert!(
        done.contains("<ul id=\"crisis-contacts\"><li>Emergency services: 112"),
        "{done}"
    );
    assert!(!done.contains("checkin-form"), "answered once");

    // The clinician's inbox.
    let staff = api();
    let (status, inbox) = get(&staff, &app, "/alerts", Some(&c.clinician)).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert!(inbox.contains("A plan for self-harm"), "{inbox}");
    assert!(inbox.contains("Alex"));
    assert!(inbox.contains("Open — nobody has acknowledged it yet"));
    let marker = "<article class=\"card\" id=\"alert-";
    let start = inbox.find(marker).unwrap() + marker.len();
    let alert: String = inbox[start..].chars().take_while(|c| *c != '"').collect();
    let (status, location) = post(
        &staff,
        &app,
        &format!("/alerts/{alert}/acknowledge"),
        &[("back", "duo")],
        Some(&c.clinician),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(
        location,
        format!(
            "/duos/{}/alerts?saved=acknowledge#alert-{alert}",
            c.pair.duo_id
        )
    );
    let (_, duo_page) = get(
        &staff,
        &app,
        &format!("/duos/{}/alerts", c.pair.duo_id),
        Some(&c.clinician),
    )
    .await;
    assert!(
        duo_page.contains("The alert is acknowledged") || duo_page.contains("Acknowledged by"),
        "{duo_page}"
    );
    assert!(duo_page.contains("Mira"));
    let (status, page) = post(
        &staff,
        &app,
        &format!("/alerts/{alert}/note"),
        &[("text", " ")],
        Some(&c.clinician),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Write the note before saving."), "{page}");
    let (status, _) = post(
        &staff,
        &app,
        &format!("/alerts/{alert}/note"),
        &[("text", "Phoned Alex; safety plan agreed.")],
        Some(&c.clinician),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = post(
        &staff,
        &app,
        &format!("/alerts/{alert}/resolve"),
        &[("note", "Seen the next day.")],
        Some(&c.clinician),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, inbox) = get(&staff, &app, "/alerts", Some(&c.clinician)).await;
    assert!(inbox.contains("id=\"no-alerts\""), "{inbox}");
    let (_, all) = get(&staff, &app, "/alerts?status=all", Some(&c.clinician)).await;
    assert!(all.contains("Phoned Alex; safety plan agreed."));
    assert!(all.contains("Resolved by"));

    // B, an unassigned clinician: nothing, exactly as for an id that does not exist.
    let b = signed_in(&app, "bo@example.org", "bo's very own passphrase").await;
    let (_, outsider) = app
        .staff_session(&c.admin, "Uma", "uma@clinic.example", &["clinician"])
        .await;
    let nobody = "00000000-0000-7000-8000-0000000000ff";
    for (client, bearer) in [(&b, None), (&staff, Some(outsider.as_str()))] {
        for p in [
            format!("/checkins/{day1}"),
            format!("/duos/{}/alerts", c.pair.duo_id),
            format!("/duos/{}/outcomes", c.pair.duo_id),
        ] {
            let (status, page) = get(client, &app, &p, bearer).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
            assert!(
                !page.contains("self-harm") && !page.contains("Alex"),
                "{p}: {page}"
            );
        }
        // A browser sends its form token; a bearer request needs none.
        let token = match bearer {
            None => csrf_of(&get(client, &app, "/checkins", None).await.1),
            Some(_) => String::new(),
        };
        let form = [("csrf", token.as_str()), ("text", "x")];
        let (s1, _) = post(
            client,
            &app,
            &format!("/alerts/{alert}/note"),
            &form,
            bearer,
        )
        .await;
        let (s2, _) = post(
            client,
            &app,
            &format!("/alerts/{nobody}/note"),
            &form,
            bearer,
        )
        .await;
        assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    }
    let (_, inbox) = get(&staff, &app, "/alerts", Some(&outsider)).await;
    assert!(inbox.contains("id=\"no-alerts\""));
}

#[tokio::test]
async fn outcome_charts_show_each_persons_totals_against_the_intake_with_a_table() {
    let app = spawn_app().await;
    let c = closed_session(&app).await;
    later(&app, 14 * DAY + 60).await;
    answer(&app, &c.pair.a_token, "week_2",
        json!({"wellbeing": calm(), "instruments": {"phq9": [1,1,0,1,0,0,0,0,0], "gad7": [1,1,1,0,0,0,0]}})).await;

    let a = signed_in(&app, "alex@example.org", "alex's own long passphrase").await;
    let (status, page) = get(&a, &app, "/outcomes", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // PHQ-9: intake 6 (the intake answers), week 2 total 3.
    assert!(
        page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""),
        "{page}"
    );
    assert!(page.contains(&format!(
        "aria-labelledby=\"chart-{}-phq9-title chart-{}-phq9-desc\"",
        c.pair.a_pid, c.pair.a_pid
    )));
    assert!(
        page.contains("Total at intake 6, latest 3, out of 27; 1 check-ins answered."),
        "{page}"
    );
    assert!(page.contains("<td>Intake</td><td>6</td>"), "{page}");
    assert!(
        page.contains("<td>After two weeks</td><td>3</td>"),
        "{page}"
    );
    // Two points: the intake at the left edge, week 2 at the right; 6/27 and 3/27 of 184.
    assert!(page.contains("points=\"48.0,159.1 584.0,179.6\""), "{page}");
    assert!(!page.contains("person-2"), "only one's own");

    // The team sees both, side by side.
    let (status, page) = get(
        &api(),
        &app,
        &format!("/duos/{}/outcomes", c.pair.duo_id),
        Some(&c.clinician),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("class=\"side-by-side\""));
    assert!(
        page.contains("<h2 id=\"person-1\">Alex</h2>")
            && page.contains("<h2 id=\"person-2\">Bo</h2>"),
        "{page}"
    );
    assert_eq!(
        page.matches("<svg").count(),
        6,
        "three instruments for each"
    );
    let (status, json) = app
        .get_bearer(
            &c.clinician,
            &format!("/api/v1/participants/{}/outcomes", c.pair.a_pid),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["series"][0]["instrument"], "phq9");
    assert_eq!(json["series"][0]["baseline"]["total"], 6);
    assert_eq!(json["series"][0]["points"][0]["total"], 3);
    let (status, _) = get(
        &api(),
        &app,
        &format!("/duos/{}/outcomes", c.pair.duo_id),
        Some(&c.pair.b_token),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
