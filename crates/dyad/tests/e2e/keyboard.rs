//! Signing in with the keyboard alone: Tab moves through the page in order, Enter submits.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use crate::harness::{Browser, Viewport, run};

/// Presses and releases each key in turn, as a person on a keyboard does.
pub(crate) async fn press(browser: &Browser, keys: &[char]) {
    let mut actions = KeyActions::new("keyboard".to_string());
    for &key in keys {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    browser
        .client
        .perform_actions(actions)
        .await
        .expect("key actions");
}

pub(crate) async fn type_text(browser: &Browser, text: &str) {
    press(browser, &text.chars().collect::<Vec<_>>()).await;
}

/// A short description of the focused element: tag, id, class and href.
pub(crate) async fn focused(browser: &Browser) -> String {
    browser
        .client
        .execute(
            "const e = document.activeElement; \
             return [e.tagName.toLowerCase(), e.id ? '#' + e.id : '', \
                     e.className ? '.' + e.className : '', e.getAttribute('href') || '', \
                     e.getAttribute('type') || ''].join(' ').trim();",
            vec![],
        )
        .await
        .expect("active element")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Tabs forward until `want` (a fragment of [`focused`]) has focus; fails after `max` tabs.
pub(crate) async fn tab_to(browser: &Browser, want: &str, max: usize) -> usize {
    let mut seen = Vec::new();
    for n in 1..=max {
        press(browser, &[Key::Tab.into()]).await;
        let now = focused(browser).await;
        if now.contains(want) {
            return n;
        }
        seen.push(now);
    }
    panic!("`{want}` not reached with {max} Tab presses; focus went through {seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_with_the_keyboard_alone() {
    run("keyboard sign-in", |suite| async move {
        let app = &suite.app;
        let person = suite.browser("keyboard", Viewport::Desktop).await;
        person.open("/login").await;
        person.audit("login").await;

        // The first Tab lands on the skip link; Enter on it moves focus to the content.
        press(&person, &[Key::Tab.into()]).await;
        let first = focused(&person).await;
        assert!(
            first.contains(".skip-link") && first.contains("#main"),
            "the first focusable element is the skip link, not `{first}`"
        );
        let visible = person
            .client
            .execute(
                "const r = document.activeElement.getBoundingClientRect(); \
                 return r.width > 0 && r.height > 0 && r.top >= 0;",
                vec![],
            )
            .await
            .expect("skip link box");
        assert_eq!(
            visible,
            serde_json::Value::Bool(true),
            "the focused skip link is visible"
        );
        person.screenshot("login-skip-link-focused").await;
        press(&person, &[Key::Enter.into()]).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let at = focused(&person).await;
        assert!(
            at.starts_with("main #main"),
            "skip link moved focus to `{at}`"
        );

        // From the content: email, password, (the optional code), the button.
        assert_eq!(tab_to(&person, "input #email", 1).await, 1);
        type_text(&person, &app.admin_email).await;
        assert_eq!(tab_to(&person, "input #password", 1).await, 1);
        type_text(&person, &app.admin_password).await;
        tab_to(&person, "button", 2).await;
        person.mark_page().await;
        press(&person, &[Key::Enter.into()]).await;
        person.wait_new_page().await;

        // Signed in: a new admin is sent to change the one-time password first.
        person.assert_path("/account").await;
        let email = person
            .client
            .find(fantoccini::Locator::Css("#current_password"))
            .await;
        assert!(email.is_ok(), "the password change form is shown");
        person.audit("account after keyboard sign-in").await;
    })
    .await;
}
