//! The start of the pathway as two people walk it on their phones: Alex signs up in
//! English and invites Bo; Bo opens the mailed link, switches the pages to Dutch and joins;
//! each completes the whole intake with the keyboard alone (Tab, Space, arrows, typing,
//! Enter) and submits it. Every page is audited with axe-core.

use std::time::Duration;

use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::harness::{Browser, Viewport, run};
use crate::keyboard::{press, type_text};

/// What has focus, for the keyboard walker to decide what a person would do there.
async fn focus_info(browser: &Browser) -> Value {
    browser
        .client
        .execute(
            r#"const e = document.activeElement;
            if (!e || e === document.body) { return {tag: 'body'}; }
            const info = {tag: e.tagName.toLowerCase(), type: (e.getAttribute('type') || '').toLowerCase(),
                id: e.id || '', name: e.getAttribute('name') || '', value: e.value || '',
                checked: !!e.checked, inRow: !!e.closest('.intake-row'),
                action: e.getAttribute('value') || '', hidden: e.classList.contains('visually-hidden')};
            if (info.type === 'radio') {
                const group = Array.from(document.getElementsByName(info.name));
                info.anyChecked = group.some(r => r.checked);
                const calm = ['no', 'false', '0', 'never'];
                const at = group.findIndex(r => calm.includes(r.value));
                info.prefer = at < 0 ? 0 : at;
                info.index = group.indexOf(e);
            }
            return info;"#,
            vec![],
        )
        .await
        .expect("focused element")
}

/// Completes the section shown now with the keyboard; answers false on the review page.
async fn keyboard_section(person: &Browser) -> bool {
    let path = person.path().await;
    if path.starts_with("/intake/review") {
        return false;
    }
    assert!(
        path.starts_with("/intake/"),
        "{} expected an intake section, is on {path}:\n{}",
        person.person,
        person.main_text().await
    );
    person
        .client
        .execute(
            "window.scrollTo(0, 0); if (document.activeElement) { document.activeElement.blur(); } return null;",
            vec![],
        )
        .await
        .expect("start at the top");
    for _ in 0..400 {
        press(person, &[Key::Tab.into()]).await;
        let f = focus_info(person).await;
        let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        match (s("tag").as_str(), s("type").as_str()) {
            // Space chooses the focused option; each arrow moves the choice on.
            ("input", "radio") if f["anyChecked"] != json!(true) => {
                press(person, &[' ']).await;
                let steps = f["prefer"].as_i64().unwrap_or(0) - f["index"].as_i64().unwrap_or(0);
                for _ in 0..steps.max(0) {
                    press(person, &[Key::Down.into()]).await;
                }
            }
            // "None of these" / "I take none": the calm answer of a list question.
            ("input", "checkbox") if s("id").ends_with("__none") && f["checked"] != json!(true) => {
                press(person, &[' ']).await;
            }
            ("input", "date") if s("value").is_empty() => {
                type_text(person, "04121990").await;
            }
            ("input", "text") | ("textarea", _)
                if s("value").is_empty() && f["inRow"] != json!(true) =>
            {
                let answer = if s("id").contains("height") {
                    "172"
                } else if s("id").contains("weight") {
                    "70"
                } else {
                    "To understand each other again"
                };
                type_text(person, answer).await;
            }
            ("button", "submit") if s("action") == "next" && f["hidden"] != json!(true) => {
                person.mark_page().await;
                press(person, &[Key::Enter.into()]).await;
                person.wait_new_page().await;
                let after = person.path().await;
                assert_ne!(
                    after,
                    path,
                    "{}: the section {path} was not accepted:\n{}",
                    person.person,
                    person.main_text().await
                );
                return true;
            }
            _ => {}
        }
    }
    panic!(
        "{}: the Next button of {path} was never reached with Tab",
        person.person
    );
}

/// Walks the whole intake by keyboard from its start page, then submits it on the review
/// page, auditing and photographing each page once.
async fn intake_by_keyboard(person: &Browser, lang: &str) {
    person.open("/intake").await;
    person.audit("intake start").await;
    person.screenshot(&format!("{lang}-intake-start")).await;
    // The start page's first action leads into the first section.
    person
        .click_through("main a.button[href^='/intake/']")
        .await;
    // The form's own words are in the person's language, not only the page around them.
    let first = person.text("main h1").await;
    let expected = if lang == "nl" {
        "Over jou"
    } else {
        "About you"
    };
    assert!(
        first.contains(expected),
        "{} sees the first section as {first:?}",
        person.person
    );
    let mut sections = 0;
    loop {
        if sections < 12 {
            person.audit(&format!("intake section {sections}")).await;
        }
        if sections == 4 {
            person.screenshot(&format!("{lang}-intake-section")).await;
        }
        if !keyboard_section(person).await {
            break;
        }
        sections += 1;
        assert!(sections < 20, "the intake ends");
    }
    assert!(sections >= 10, "every section walked ({sections})");
    person.audit("intake review").await;
    person.screenshot(&format!("{lang}-intake-review")).await;
    // Submit from the review page with the keyboard too.
    person
        .client
        .execute(
            "window.scrollTo(0, 0); if (document.activeElement) { document.activeElement.blur(); } return null;",
            vec![],
        )
        .await
        .expect("start at the top");
    crate::keyboard::tab_to(person, "submit", 200).await;
    loop {
        let f = focus_info(person).await;
        let in_submit_form = person
            .client
            .execute(
                "const f = document.activeElement.closest('form'); return f ? f.getAttribute('action') : '';",
                vec![],
            )
            .await
            .expect("form of the focused button");
        if in_submit_form == json!("/intake/submit") && f["tag"] == json!("button") {
            break;
        }
        crate::keyboard::tab_to(person, "submit", 200).await;
    }
    person.mark_page().await;
    press(person, &[Key::Enter.into()]).await;
    person.wait_new_page().await;
    person.audit("intake submitted").await;
    person.screenshot(&format!("{lang}-intake-done")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pair_signs_up_and_each_completes_the_intake_by_keyboard_in_english_and_dutch() {
    run(
        "sign-up and intake, English and Dutch",
        |suite| async move {
            let app = &suite.app;
            let alex = suite.browser("alex", Viewport::Phone).await;

            // Alex signs up and names Bo.
            alex.open("/signup").await;
            alex.audit("sign-up").await;
            alex.screenshot("signup").await;
            alex.fill("#name", "Alex").await;
            alex.fill("#email", "alex@example.org").await;
            alex.fill("#password", "alex's own long passphrase").await;
            alex.click("#age_confirmed").await;
            alex.click("input[name=relationship][value=couple]").await;
            alex.fill(
                "#motivation",
                "We want to talk about what happened last year.",
            )
            .await;
            alex.fill("#partner_name", "Bo").await;
            alex.fill("#partner_email", "bo@example.org").await;
            alex.click("#accept_documents").await;
            alex.click_through("main form[action='/signup'] button[type=submit]")
                .await;
            alex.audit("after sign-up").await;
            alex.screenshot("check-email").await;
            let verify = app.link_in(&app.newest_mail_to("alex@example.org"), "/verify/");
            alex.open(&verify).await;
            alex.audit("verify e-mail").await;
            alex.click_through("main form button[type=submit]").await;
            alex.open("/home").await;
            alex.assert_path("/home").await;
            alex.audit("participant home").await;
            alex.screenshot("participant-home").await;

            // Bo opens the invitation, turns the pages Dutch and joins.
            let bo = suite.browser("bo", Viewport::Phone).await;
            let join = app.link_in(&app.newest_mail_to("bo@example.org"), "/join/");
            bo.open(&join).await;
            bo.click_through("footer a[hreflang='nl']").await;
            bo.assert_path(join.trim_start_matches(app.base.as_str()))
                .await;
            assert_eq!(bo.html_lang().await, "nl", "the join page in Dutch");
            bo.audit("join, Dutch").await;
            bo.screenshot("nl-join").await;
            bo.fill("#name", "Bo").await;
            bo.fill("#password", "bo's very own passphrase").await;
            bo.fill(
                "#motivation",
                "Ik wil dat we ons weer dicht bij elkaar voelen.",
            )
            .await;
            bo.click("#age_confirmed").await;
            bo.click("#accept_documents").await;
            bo.click_through("main form button[type=submit]").await;
            bo.open("/home").await;
            bo.assert_path("/home").await;
            assert_eq!(bo.html_lang().await, "nl");
            bo.audit("home, Dutch").await;
            bo.screenshot("nl-participant-home").await;

            // Each completes the intake with the keyboard alone.
            intake_by_keyboard(&alex, "en").await;
            intake_by_keyboard(&bo, "nl").await;
            assert_eq!(bo.html_lang().await, "nl", "the intake stayed Dutch");
            for person in [&alex, &bo] {
                person.open("/intake").await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                let page = person.main_text().await;
                assert!(
                    !page.contains("intake-next"),
                    "no untranslated message keys:\n{page}"
                );
            }
        },
    )
    .await;
}
