//! The care team and the wall between the two people, in real browsers: the clinician
//! signs in with an authenticator code and signs the screening decision on its page; Alex
//! writes three journal entries on her phone — one private, one shared with the team, one
//! shared with Bo and the team — and each reader sees only what was shared with them.

use crate::harness::{Browser, Viewport, run};
use crate::setup::{ALEX_PASSWORD, BO_PASSWORD, STAFF_PASSWORD, pair_with_team};

async fn sign_in(browser: &Browser, email: &str, password: &str, code: Option<&str>) {
    browser.open("/login").await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    if let Some(code) = code {
        browser.fill("#totp", code).await;
    }
    browser
        .click_through("form[action='/login'] button[type=submit]")
        .await;
}

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

            // Alex writes: mine (private), theirs (team), ours (Bo).
            let alex = suite.browser("alex", Viewport::Phone).await;
            sign_in(&alex, "alex@example.org", ALEX_PASSWORD, None).await;
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
            let bo = suite.browser("bo", Viewport::Phone).await;
            sign_in(&bo, "bo@example.org", BO_PASSWORD, None).await;
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
