//! The care team and the wall between the two people, in real browsers: the clinician
//! signs in with an authenticator code and signs the screening decision on its page; a
//! facilitator plans a meeting and marks it held; the agreement is written by the
//! facilitator and by each person, signed by both on their phones and countersigned; Alex
//! writes three journal entries on her phone — one private, one shared with the team, one
//! shared with Bo and the team — and each reader sees only what was shared with them.

use crate::harness::{Browser, Viewport, run};
use crate::setup::{ALEX_PASSWORD, BO_PASSWORD, STAFF_PASSWORD, pair_with_team, sign_in};

/// Writes one journal entry through the journal page.
async fn write(person: &Browser, text: &str, tag: &str, partner: bool, team: bool) {
    person.open("/journal").await;
    person.fill("#text", text).await;
    person.click(&format!("#tag-{tag}")).await;
    if partner {
        person.click("#share_partner").await;
    }
    if team {
        person.click("#share_team").await;
    }
    person.click_through("form#write button[type=submit]").await;
    assert!(
        person.main_text().await.contains(text),
        "the entry is on the journal page"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clinician_signs_a_decision_and_each_reader_sees_only_what_was_shared() {
    run(
        "screening decision and journal sharing",
        |suite| async move {
            let app = &suite.app;
            let care = pair_with_team(app).await;

            // Mira signs in with her authenticator and signs the decision, password again.
            let mira = suite.browser("mira", Viewport::Desktop).await;
            let code = care.mira.fresh_totp().await;
            sign_in(&mira, &care.mira.email, STAFF_PASSWORD, Some(&code)).await;
            mira.assert_path("/home").await;
            let screening = format!("/duos/{}/screening", care.duo);
            mira.open(&screening).await;
            mira.audit("screening review").await;
            mira.screenshot("screening-review").await;
            mira.click("input[name=format][value=duo]").await;
            mira.fill(
                "#rationale",
                "Both intakes reviewed with the findings; no exclusion applies.",
            )
            .await;
            mira.fill("#password", STAFF_PASSWORD).await;
            mira.click_through(&format!("form[action='{screening}'] button[type=submit]"))
                .await;
            let page = mira.main_text().await;
            assert!(
                page.contains("no exclusion applies"),
                "the signed decision is shown:\n{page}"
            );
            mira.audit("screening decision signed").await;
            mira.screenshot("screening-signed").await;

            // Preparation on the pages: Sam plans a joint meeting and marks it held.
            let sam = suite.browser("sam", Viewport::Desktop).await;
            let code = care.sam.fresh_totp().await;
            sign_in(&sam, &care.sam.email, STAFF_PASSWORD, Some(&code)).await;
            let meetings = format!("/duos/{}/meetings", care.duo);
            sam.open(&meetings).await;
            sam.audit("meetings").await;
            sam.screenshot("meetings").await;
            let earlier = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(3))
                .strftime("%Y-%m-%dT%H:%M")
                .to_string();
            // The date-and-time widget's keyboard differs per browser locale; its value is set as
            // the widget would set it.
            sam.client
                .execute(
                    "document.getElementById('starts_at').value = arguments[0]; return null;",
                    vec![serde_json::json!(earlier)],
                )
                .await
                .expect("set the start");
            sam.fill("#minutes", "60").await;
            sam.click_through("form#schedule button[type=submit]").await;
            sam.click_through(&format!(
                "form[action^='{meetings}/'][action$='/held'] button[type=submit]"
            ))
            .await;
            sam.audit("meeting held").await;

            // The agreement: Sam writes the shared parts, each person their own, all sign.
            let agreement = format!("/duos/{}/agreement", care.duo);
            sam.open(&agreement).await;
            sam.audit("agreement, facilitator").await;
            for (key, text) in [
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
            ] {
                sam.fill(&format!("form#edit #{key}"), text).await;
            }
            sam.click_through("form#edit button[type=submit]:not([name])")
                .await;
            let alex = suite.browser("alex", Viewport::Phone).await;
            sign_in(&alex, "alex@example.org", ALEX_PASSWORD, None).await;
            let bo = suite.browser("bo", Viewport::Phone).await;
            sign_in(&bo, "bo@example.org", BO_PASSWORD, None).await;
            for (person, intention) in [(&alex, "To listen"), (&bo, "To be honest")] {
                person.open(&agreement).await;
                person.fill("#intention", intention).await;
                person
                    .click("input[name=touch_from_partner][value=hand]")
                    .await;
                person.fill("#sharing", "Nothing without asking me").await;
                person
                    .click_through("form#edit button[type=submit]:not([name])")
                    .await;
            }
            for person in [&alex, &bo] {
                person.open(&agreement).await;
                person.audit("agreement, participant").await;
                person.screenshot("agreement").await;
                person.click_through("form#sign button[type=submit]").await;
                let page = person.main_text().await;
                assert!(page.contains("You have signed this version."), "{page}");
            }
            sam.open(&agreement).await;
            sam.click_through("form#sign button[type=submit]").await;
            bo.open(&agreement).await;
            bo.find("#in-effect").await;

            // Alex writes: mine (private), theirs (team), ours (Bo).
            write(
                &alex,
                "A private thought about my father.",
                "mine",
                false,
                false,
            )
            .await;
            write(&alex, "Bo seemed tired this week.", "theirs", false, true).await;
            write(&alex, "We laughed together on Sunday.", "ours", true, true).await;
            alex.audit("journal").await;
            alex.screenshot("journal").await;

            // Bo sees only the entry shared with him.
            let shared = format!("/duos/{}/journal", care.duo);
            bo.open(&shared).await;
            let page = bo.main_text().await;
            assert!(page.contains("We laughed together on Sunday."), "{page}");
            assert!(!page.contains("A private thought"), "{page}");
            assert!(!page.contains("Bo seemed tired"), "{page}");
            bo.audit("partner's shared journal").await;
            bo.screenshot("journal-shared-with-partner").await;

            // The clinician sees what was shared with the team and with both, not the private one.
            mira.open(&shared).await;
            let page = mira.main_text().await;
            assert!(page.contains("Bo seemed tired this week."), "{page}");
            assert!(page.contains("We laughed together on Sunday."), "{page}");
            assert!(!page.contains("A private thought"), "{page}");
            mira.audit("team's view of the journal").await;
            mira.screenshot("journal-team").await;
        },
    )
    .await;
}
