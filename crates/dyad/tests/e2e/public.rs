//! What anyone sees without an account, on a phone: the front page and a set-up link that
//! does not work.

use crate::harness::{Viewport, run};

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_on_a_phone() {
    run("public pages", |suite| async move {
        let visitor = suite.browser("visitor", Viewport::Phone).await;
        visitor.open("/").await;
        assert_eq!(visitor.html_lang().await, "en");
        visitor.audit("front page").await;
        visitor.screenshot("home").await;
        visitor.click_through("main a.button[href='/login']").await;
        visitor.assert_path("/login").await;

        visitor.open("/setup/not-a-real-link").await;
        assert!(
            visitor
                .find("main [role=alert]")
                .await
                .is_displayed()
                .await
                .unwrap_or(false)
        );
        visitor.audit("unknown set-up link").await;
        visitor.screenshot("setup-unknown-link").await;
    })
    .await;
}
