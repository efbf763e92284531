//! The session day in real browsers: two facilitators, each on their own tablet, run one
//! duo session. One switches the mode and records vital signs over the protocol's limit;
//! the other sees the alert arrive without reloading and acknowledges it; a participant
//! withdraws a consent on her phone and both consoles show it within seconds; a
//! correction, both discharges and the close follow. The steps before the session day
//! (accounts, intake, screening decision, preparation gates) are set up over the JSON API:
//! their pages have their own journeys.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use fantoccini::key::Key;

use crate::harness::{Browser, Dyad, Viewport, run};
use crate::keyboard::{press, tab_to};
use crate::setup::{ALEX_PASSWORD, Care, STAFF_PASSWORD, Staff, pair_with_team, sign_in};

/// Everything up to a booked session day, over the API. Answers the session id.
struct Booked {
    session: String,
    sam: Staff,
    kim: Staff,
}

async fn book_a_session_day(app: &Dyad) -> Booked {
    let Care {
        api,
        admin,
        mira,
        sam,
        kim,
        duo,
        alex_id,
        bo_id,
        alex,
        bo,
        ..
    } = pair_with_team(app).await;
    api.ok(
        Method::POST,
        Some(&mira.token),
        &format!("/api/v1/duos/{duo}/screening/decision"),
        json!({"format": "duo", "rationale": "Reviewed both intakes and the findings.", "password": STAFF_PASSWORD}),
    )
    .await;

    // Preparation: washout confirmed, checklists, a joint meeting held, the agreement signed.
    api.ok(
        Method::POST,
        Some(&mira.token),
        &format!("/api/v1/duos/{duo}/washout"),
        json!({"participant_id": alex_id}),
    )
    .await;
    for pid in [&alex_id, &bo_id] {
        for item in ["support_contact", "ride_home"] {
            api.ok(
                Method::POST,
                Some(&sam.token),
                &format!("/api/v1/duos/{duo}/checklist"),
                json!({"item": item, "participant_id": pid, "done": true}),
            )
            .await;
        }
    }
    let past = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2)).to_string();
    let meeting = api
        .ok(
            Method::POST,
            Some(&sam.token),
            &format!("/api/v1/duos/{duo}/meetings"),
            json!({"kind": "preparation", "with": "joint", "starts_at": past, "minutes": 60}),
        )
        .await;
    api.ok(
        Method::POST,
        Some(&sam.token),
        &format!(
            "/api/v1/meetings/{}/held",
            meeting["id"].as_str().expect("id")
        ),
        json!({"note": "A good first meeting."}),
    )
    .await;
    let sections = json!({
        "intentions": {alex_id.clone(): "To listen", bo_id.clone(): "To be honest"},
        "boundaries": "No talk about the old flat.",
        "touch": {alex_id.clone(): {"from_partner": ["hand"], "from_facilitator": ["shoulder"]},
                  bo_id.clone(): {"from_partner": ["hand"], "from_facilitator": []}},
        "proximity": "Mattresses a metre apart.",
        "sharing": {alex_id.clone(): "Nothing without asking me", bo_id.clone(): "Nothing"},
        "music": "Quiet music.", "time_outs": "A raised hand means a pause.",
        "talking": "Quiet in the morning.", "shared_vs_own": "Mostly each in our own process.",
        "difficult_moments": "The facilitator sits with whoever needs it.",
        "afterwards": "We talk the next evening.",
        "confidentiality": "What each says stays with the team."
    });
    let agreement = format!("/api/v1/duos/{duo}/agreement");
    let version = api
        .ok(
            Method::PUT,
            Some(&sam.token),
            &agreement,
            json!({"sections": sections}),
        )
        .await["version"]
        .clone();
    for token in [&alex, &bo, &sam.token] {
        api.ok(
            Method::POST,
            Some(token),
            &format!("{agreement}/sign"),
            json!({"version": version}),
        )
        .await;
    }
    api.ok(
        Method::POST,
        Some(&admin),
        "/api/v1/rooms",
        json!({"name": "Garden room"}),
    )
    .await;
    let starts = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(72)).to_string();
    let session = api
        .ok(
            Method::POST,
            Some(&sam.token),
            &format!("/api/v1/duos/{duo}/sessions"),
            json!({"starts_at": starts, "room": "Garden room", "team": [sam.id, kim.id, mira.id]}),
        )
        .await;
    Booked {
        session: session["id"].as_str().expect("session id").to_string(),
        sam,
        kim,
    }
}

/// Waits until the text of `css` satisfies `want` — without the page being reloaded.
async fn see_live(browser: &Browser, css: &str, what: &str, want: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = browser
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                vec![json!(css)],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if want(&text) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not see {what} in `{css}` within 10 s; it shows:\n{text}",
            browser.person
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let same_page = browser
        .client
        .execute("return window.__dyadE2eOld === true;", vec![])
        .await
        .expect("read the page mark");
    assert_eq!(
        same_page,
        json!(true),
        "{} saw {what} without a reload",
        browser.person
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_facilitators_run_a_session_day_on_two_tablets() {
    run("session day on two tablets", |suite| async move {
        let app = &suite.app;
        let booked = book_a_session_day(app).await;
        let console = format!("/sessions/{}", booked.session);

        let sam = suite.browser("sam", Viewport::Tablet).await;
        let kim = suite.browser("kim", Viewport::Tablet).await;
        sign_in(
            &sam,
            &booked.sam.email,
            STAFF_PASSWORD,
            Some(&booked.sam.recovery[0]),
        )
        .await;
        sign_in(
            &kim,
            &booked.kim.email,
            STAFF_PASSWORD,
            Some(&booked.kim.recovery[0]),
        )
        .await;
        sam.open(&console).await;
        kim.open(&console).await;
        sam.audit("console").await;
        sam.screenshot("console").await;
        // Kim's page must stay the same page all along: mark it.
        kim.mark_page().await;

        // One tap switches the mode; Kim sees it.
        sam.click_through("#mode-joint").await;
        see_live(&kim, "#mode-now", "the joint mode", |t| t.contains("Joint")).await;

        // Sam records Alex's vital signs with the blood pressure over the limit.
        let alex_col = sam
            .find("#console-forms section.console-col")
            .await
            .attr("aria-labelledby")
            .await
            .expect("column label")
            .expect("labelled");
        let alex = alex_col.trim_start_matches("forms-").to_string();
        for (field, value) in [
            ("systolic", "190"),
            ("diastolic", "85"),
            ("pulse", "92"),
            ("temperature_c", "37.1"),
            ("suds", "4"),
        ] {
            sam.fill(&format!("#vitals-{alex}-{field}"), value).await;
        }
        sam.click_through(&format!(
            "form.console-entry:has(#vitals-{alex}-systolic) button[type=submit]"
        ))
        .await;
        see_live(&kim, "#console-live", "the blood-pressure alert", |t| {
            t.contains("Vital signs over the limit")
        })
        .await;
        // A screen reader hears what arrived: the polite live region names the entry.
        see_live(&kim, "#console-announce", "an announcement", |t| {
            t.contains("Sam")
        })
        .await;
        kim.audit("console with an alert").await;
        kim.screenshot("console-alert").await;

        // Kim acknowledges it; Sam's console no longer shows it as open.
        sam.mark_page().await;
        kim.click_through("#console-live form.console-entry button[id^='ack-']")
            .await;
        kim.mark_page().await;
        see_live(&sam, "#console-live", "the acknowledgement", |t| {
            t.contains("Alerts acknowledged: 1")
        })
        .await;

        // Alex, on her phone, withdraws a consent; both consoles show it without reload.
        let phone = suite.browser("alex", Viewport::Phone).await;
        sign_in(&phone, "alex@example.org", ALEX_PASSWORD, None).await;
        phone.open("/consents").await;
        phone.audit("consents").await;
        phone.screenshot("consents").await;
        phone
            .click_through("main a.button[href^='/consents/'][href$='/withdraw']")
            .await;
        phone.audit("withdraw a consent").await;
        phone.click_through("main form button[type=submit]").await;
        phone.screenshot("consent-withdrawn").await;
        sam.mark_page().await;
        for browser in [&sam, &kim] {
            see_live(
                browser,
                &format!("section[aria-labelledby='person-{alex}']"),
                "the withdrawn consent",
                |t| t.to_lowercase().contains("withdrawn"),
            )
            .await;
        }

        // A dose, then a correction of it through its filled-in form.
        sam.fill(&format!("#dose-{alex}-amount_mg"), "120").await;
        sam.click(&format!(
            "form.console-entry:has(#dose-{alex}-amount_mg) input[name=dose][value=initial]"
        ))
        .await;
        sam.click_through(&format!(
            "form.console-entry:has(#dose-{alex}-amount_mg) button[type=submit]"
        ))
        .await;
        sam.click_through("#console-live ol.timeline li a[href*='?correct=']")
            .await;
        sam.find("#correcting").await;
        sam.fill(&format!("#dose-{alex}-amount_mg"), "80").await;
        sam.click_through(&format!(
            "form.console-entry:has(#dose-{alex}-amount_mg) button[type=submit]"
        ))
        .await;
        see_live(&kim, "#console-live ol.timeline", "the correction", |t| {
            t.contains("Correction") && t.contains("corrected later")
        })
        .await;

        // Kim switches the mode with the keyboard alone: Tab to the button, Enter.
        kim.client
            .execute("document.querySelector('#mode-title').scrollIntoView(); window.getSelection().removeAllRanges(); document.activeElement.blur(); return null;", vec![])
            .await
            .expect("start from the top");
        sam.mark_page().await;
        tab_to(&kim, "#mode-own", 40).await;
        kim.mark_page().await;
        press(&kim, &[Key::Enter.into()]).await;
        kim.wait_new_page().await;
        see_live(&sam, "#mode-now", "the mode Kim chose", |t| {
            t.contains("Each in own process")
        })
        .await;

        // Discharge both, then close the day.
        let people: Vec<String> = {
            let mut ids = Vec::new();
            for section in sam
                .client
                .find_all(fantoccini::Locator::Css(
                    "#console-forms section.console-col",
                ))
                .await
                .expect("columns")
            {
                let label = section
                    .attr("aria-labelledby")
                    .await
                    .expect("label")
                    .unwrap_or_default();
                ids.push(label.trim_start_matches("forms-").to_string());
            }
            ids
        };
        assert_eq!(people.len(), 2, "one column per person");
        for pid in &people {
            for item in [
                "vitals_stable",
                "suds_at_or_below_baseline",
                "clinician_agrees",
                "escort_or_overnight",
            ] {
                kim.click(&format!(
                    "#discharge-{pid}-checklist input[name=check][value={item}]"
                ))
                .await;
            }
            kim.click_through(&format!("#discharge-{pid}-checklist button[type=submit]"))
                .await;
        }
        kim.click_through("#close button[type=submit]").await;
        assert!(
            kim.main_text().await.contains("The session is closed"),
            "closed: {}",
            kim.main_text().await
        );
        kim.audit("closed console").await;
        kim.screenshot("console-closed").await;
        sam.open(&console).await;
        assert!(sam.main_text().await.contains("closed"));

        // Aftercare: closing scheduled Alex's check-ins, the first a day later. The test lets
        // that day pass by moving the first check-in's time into the past in the database.
        phone.open("/checkins").await;
        phone.audit("check-ins, none open yet").await;
        let db = dyad_store::db::Db::connect(
            &format!("sqlite://{}", app.data_dir.join("dyad.db").display()),
            &dyad_store::db::DbOptions::default(),
        )
        .await
        .expect("open the database");
        let an_hour_ago = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1))
            .as_microsecond();
        let moved = sqlx::query(
            "UPDATE checkins SET due_at = $1 WHERE due_at = (SELECT MIN(due_at) FROM checkins)",
        )
        .bind(an_hour_ago)
        .execute(&db.pool)
        .await
        .expect("move the first check-ins")
        .rows_affected();
        assert!(moved >= 1, "closing the session created check-ins");
        db.pool.close().await;

        // Alex answers on her phone and asks for contact: the crisis contacts are shown at
        // once and an alert opens for the team.
        phone.open("/checkins").await;
        phone.screenshot("checkins").await;
        phone
            .click_through("main a[href^='/checkins/']")
            .await;
        phone.audit("a check-in").await;
        phone.screenshot("checkin").await;
        for (question, answer) in [("self_harm", "no"), ("contact", "yes")] {
            phone
                .click(&format!("input[name$='{question}'][value='{answer}']"))
                .await;
        }
        for scale in ["mood", "sleep"] {
            phone.click(&format!("input[name$='{scale}'][value='4']")).await;
        }
        phone
            .click_through("form#checkin-form button[type=submit]")
            .await;
        let page = phone.main_text().await;
        assert!(
            page.contains("112") || page.to_lowercase().contains("crisis"),
            "the crisis contacts are shown after a risk answer:\n{page}"
        );
        phone.audit("after a check-in asking for contact").await;
        phone.screenshot("checkin-crisis-contacts").await;

        // Kim finds the alert in the team's inbox and acknowledges it.
        kim.open("/alerts").await;
        let inbox = kim.main_text().await;
        assert!(inbox.contains("D-"), "the alert names the duo:\n{inbox}");
        kim.audit("alerts inbox").await;
        kim.screenshot("alerts").await;
        kim.click_through("form[action$='/acknowledge'] button[type=submit]")
            .await;
        kim.audit("alert acknowledged").await;
    })
    .await;
}
