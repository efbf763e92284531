//! Proof that the accessibility audit really runs: a page with known violations fails it.

use crate::a11y;
use crate::harness::{Viewport, run};

/// An image without a text alternative (axe `image-alt`, critical) and a page without a
/// language (`html-has-lang`, serious).
const BROKEN_PAGE: &str = "data:text/html;charset=utf-8,%3C!doctype%20html%3E%3Chtml%3E\
%3Chead%3E%3Ctitle%3EBroken%3C%2Ftitle%3E%3C%2Fhead%3E%3Cbody%3E%3Cmain%3E%3Ch1%3EBroken\
%3C%2Fh1%3E%3Cimg%20id%3D%22no-alt%22%20src%3D%22data%3Aimage%2Fgif%3Bbase64%2C\
R0lGODlhAQABAAAAACw%3D%22%3E%3C%2Fmain%3E%3C%2Fbody%3E%3C%2Fhtml%3E";

/// The same page, repaired.
const FIXED_PAGE: &str = "data:text/html;charset=utf-8,%3C!doctype%20html%3E%3Chtml%20lang%3D%22en%22%3E\
%3Chead%3E%3Ctitle%3EFixed%3C%2Ftitle%3E%3C%2Fhead%3E%3Cbody%3E%3Cmain%3E%3Ch1%3EFixed\
%3C%2Fh1%3E%3Cimg%20alt%3D%22A%20dot%22%20src%3D%22data%3Aimage%2Fgif%3Bbase64%2C\
R0lGODlhAQABAAAAACw%3D%22%3E%3C%2Fmain%3E%3C%2Fbody%3E%3C%2Fhtml%3E";

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_fails_a_page_with_known_violations() {
    run("audit self-test", |suite| async move {
        let browser = suite.browser("auditor", Viewport::Phone).await;
        browser.open(BROKEN_PAGE).await;
        let report = a11y::check_no_serious_a11y(&browser.client, "broken page")
            .await
            .expect_err("the broken page must fail the audit");
        assert!(report.contains("image-alt (critical)"), "{report}");
        assert!(report.contains("#no-alt"), "names the element: {report}");
        assert!(report.contains("html-has-lang (serious)"), "{report}");

        // The assertion helper itself panics with that report (printed below: expected).
        eprintln!("[e2e] expected: the audit of the broken page panics next");
        let client = browser.client.clone();
        let outcome = tokio::spawn(async move {
            a11y::assert_no_serious_a11y(&client, "broken page").await;
        })
        .await;
        let panic = outcome.expect_err("assert_no_serious_a11y fails on the broken page");
        let message = panic
            .try_into_panic()
            .ok()
            .and_then(|p| p.downcast::<String>().ok())
            .map(|s| *s)
            .unwrap_or_default();
        assert!(message.contains("image-alt"), "panic message: {message}");

        browser.open(FIXED_PAGE).await;
        a11y::assert_no_serious_a11y(&browser.client, "fixed page").await;
    })
    .await;
}
