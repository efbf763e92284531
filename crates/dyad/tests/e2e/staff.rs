//! The first admin sets up their account in the browser and adds a clinician, who sets up
//! theirs from the mailed link in their own browser.

use crate::harness::{Viewport, run, totp_now};

const ADMIN_PASSWORD: &str = "a calm and long admin passphrase";
const CLINICIAN_NAME: &str = "Sam de Vries";
const CLINICIAN_EMAIL: &str = "sam@clinic.example";
const CLINICIAN_PASSWORD: &str = "sam's own long passphrase";

#[tokio::test(flavor = "multi_thread")]
async fn admin_sets_up_and_adds_a_clinician_who_sets_up_from_the_mailed_link() {
    run("admin and clinician set-up", |suite| async move {
        let app = &suite.app;
        let admin = suite.browser("admin", Viewport::Desktop).await;

        // Sign in with the one-time password printed at first start.
        admin.open("/login").await;
        admin.audit("login").await;
        admin.screenshot("login").await;
        admin.fill("#email", &app.admin_email).await;
        admin.fill("#password", &app.admin_password).await;
        admin
            .click_through("form[action='/login'] button[type=submit]")
            .await;

        // First the password change…
        admin.assert_path("/account").await;
        admin.audit("account, must change password").await;
        admin.screenshot("account-must-change").await;
        admin.fill("#current_password", &app.admin_password).await;
        admin.fill("#new_password", ADMIN_PASSWORD).await;
        admin
            .click_through("form[action='/account/password'] button[type=submit]")
            .await;

        // …then the authenticator app.
        admin.assert_path("/account/totp").await;
        admin.audit("authenticator set-up").await;
        admin.screenshot("totp").await;
        let secret = admin.text("#totp-secret").await;
        admin.fill("#code", &totp_now(&secret)).await;
        admin
            .click_through("form[action='/account/totp'] button[type=submit]")
            .await;
        let codes = admin.text("#recovery-codes").await;
        assert!(
            codes.lines().filter(|l| !l.trim().is_empty()).count() >= 5,
            "recovery codes shown: {codes:?}"
        );
        admin.audit("recovery codes").await;
        admin.screenshot("recovery-codes").await;
        admin.click_through("main a.button[href='/home']").await;
        admin.assert_path("/home").await;
        admin.audit("home").await;
        admin.screenshot("admin-home").await;

        // Add a clinician with the role checkboxes.
        admin
            .click_through("header nav a[href='/admin/staff']")
            .await;
        admin.assert_path("/admin/staff").await;
        admin.audit("staff").await;
        admin.fill("#name", CLINICIAN_NAME).await;
        admin.fill("#email", CLINICIAN_EMAIL).await;
        admin
            .click("#roles input[type=checkbox][value='clinician']")
            .await;
        admin
            .click_through("form[action='/admin/staff'] button[type=submit]")
            .await;
        let page = admin.main_text().await;
        assert!(
            page.contains(CLINICIAN_NAME) && page.contains(CLINICIAN_EMAIL),
            "the staff list shows the new clinician:\n{page}"
        );
        admin.audit("staff, after adding a clinician").await;
        admin.screenshot("admin-staff").await;
        admin
            .click_through("header nav a[href='/admin/audit']")
            .await;
        let trail = admin.main_text().await;
        assert!(
            trail.contains("create_staff"),
            "the audit trail names the new account:\n{trail}"
        );
        admin.audit("audit trail").await;
        admin.screenshot("admin-audit").await;

        // The clinician opens the set-up link from the mail in their own browser.
        let mail = app.newest_mail_to(CLINICIAN_EMAIL);
        let link = app.link_in(&mail, "/setup/");
        let clinician = suite.browser("clinician", Viewport::Desktop).await;
        clinician.open(&link).await;
        clinician.audit("set-up link").await;
        clinician.screenshot("setup").await;
        clinician.fill("#password", CLINICIAN_PASSWORD).await;
        clinician
            .click_through("main form button[type=submit]")
            .await;
        clinician.assert_path("/login").await;
        clinician.fill("#email", CLINICIAN_EMAIL).await;
        clinician.fill("#password", CLINICIAN_PASSWORD).await;
        clinician
            .click_through("form[action='/login'] button[type=submit]")
            .await;
        clinician.assert_path("/account/totp").await;
        clinician.audit("authenticator set-up").await;
        let secret = clinician.text("#totp-secret").await;
        clinician.fill("#code", &totp_now(&secret)).await;
        clinician
            .click_through("form[action='/account/totp'] button[type=submit]")
            .await;
        assert!(!clinician.text("#recovery-codes").await.trim().is_empty());
        clinician.click_through("main a.button[href='/home']").await;
        clinician.assert_path("/home").await;
        let home = clinician.text("main h1").await;
        assert!(home.contains(CLINICIAN_NAME), "welcome heading: {home}");
        clinician.audit("home").await;
        clinician.screenshot("clinician-home").await;

        // A page the clinician may not open answers with dyad's own calm error page.
        clinician.open("/admin/staff").await;
        let refused = clinician.main_text().await;
        assert!(
            !refused.contains(CLINICIAN_NAME) && !refused.contains("\"status\""),
            "refused as a page, without the staff list:\n{refused}"
        );
        clinician.find("main#main h1").await;
        clinician.audit("refused page").await;
        clinician.screenshot("clinician-refused").await;

        // Signing out from the header ends the session. (The error page's header does not
        // know who is signed in, so the clinician goes home first.)
        clinician.open("/home").await;
        clinician
            .click_through("header form[action='/logout'] button[type=submit]")
            .await;
        clinician.assert_path("/").await;
        clinician.open("/home").await;
        clinician.assert_path("/login").await;
    })
    .await;
}
