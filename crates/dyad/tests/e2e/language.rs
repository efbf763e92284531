//! The language switch in the footer, and the pages in Dutch.

use crate::harness::{Viewport, run};

#[tokio::test(flavor = "multi_thread")]
async fn the_footer_switch_turns_the_pages_dutch() {
    run("Dutch", |suite| async move {
        let person = suite.browser("participant", Viewport::Phone).await;
        person.open("/login").await;
        assert_eq!(person.html_lang().await, "en");
        person.audit("login (English)").await;
        person.screenshot("login").await;

        person.click_through("footer a[hreflang='nl']").await;
        assert_eq!(
            person.html_lang().await,
            "nl",
            "the switch turned the page Dutch"
        );
        let current = person.text("footer [aria-current]").await;
        assert_eq!(current, "Nederlands");
        eprintln!(
            "[e2e] the language switch went back to {}",
            person.path().await
        );
        person.audit("after the switch (Dutch)").await;
        person.screenshot("home-nl").await;

        // The choice sticks: the sign-in page is Dutch too.
        person.open("/login").await;
        assert_eq!(person.html_lang().await, "nl");
        assert_eq!(person.text("main h1").await, "Inloggen");
        assert_eq!(person.text("label[for='password']").await, "Wachtwoord");
        let title = person.client.title().await.expect("title");
        assert!(title.starts_with("Inloggen"), "page title: {title}");
        person.audit("login (Dutch)").await;
        person.screenshot("login-nl").await;

        // On a tablet, the public home page in Dutch.
        let tablet = suite.browser("visitor", Viewport::Tablet).await;
        tablet.open("/lang/nl").await;
        assert_eq!(tablet.html_lang().await, "nl");
        tablet.audit("home (Dutch)").await;
        tablet.screenshot("home-nl").await;

        // And back to English.
        person.click_through("footer a[hreflang='en']").await;
        assert_eq!(person.html_lang().await, "en");
    })
    .await;
}
