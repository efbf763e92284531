//! The journal pages as a browser without script uses them: A writes three entries (mine
//! kept private, theirs shared with the care team, ours shared with B and the team); B's
//! page of shared entries shows only the third, the clinician's the second and third;
//! unsharing on the page hides an entry from B at once; B cannot reach A's entry forms;
//! bad input is refused in words and keeps what was typed.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, browser, spawn_app, totp_code};
use crate::helpers::{between, csrf, get, hidden_value, post};

const PW: &str = "a staff member's long passphrase";

/// The id of the entry card that holds `text`.
fn entry_id(page: &str, text: &str) -> String {
    let at = page
        .find(text)
        .unwrap_or_else(|| panic!("{text} not in {page}"));
    let start = page[..at].rfind("id=\"entry-").unwrap() + "id=\"entry-".len();
    let end = page[start..].find('"').unwrap() + start;
    // The card's heading carries the same id with `-title`.
    page[start..end].trim_end_matches("-title").to_string()
}

async fn participant(app: &TestApp, email: &str, password: &str) -> Client {
    let c = browser();
    let (status, location) = post(
        &c,
        app,
        "/login",
        &[("email", email), ("password", password), ("next", "/home")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    c
}

/// A staff member signed in through the pages with TOTP. Returns (user id, browser).
async fn staff(
    app: &TestApp,
    admin: &str,
    name: &str,
    email: &str,
    roles: &[&str],
) -> (String, Client) {
    let id = app.make_staff(admin, name, email, roles, PW).await;
    let c = browser();
    let (status, location) = post(
        &c,
        app,
        "/login",
        &[("email", email), ("password", PW), ("next", "/home")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = get(&c, app, "/account/totp").await;
    let secret = between(&page, "id=\"totp-secret\">", "<");
    let token = hidden_value(&page, "csrf");
    let code = totp_code(&secret, app.now_secs());
    let (status, _) = post(
        &c,
        app,
        "/account/totp",
        &[("csrf", &token), ("code", &code)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.advance_secs(31);
    (id, c)
}

/// Writes one entry through the journal page.
async fn write(
    c: &Client,
    app: &TestApp,
    text: &str,
    tag: &str,
    partner: bool,
    team: bool,
) -> (StatusCode, String) {
    let token = csrf(c, app, "/journal").await;
    let mut form = vec![("csrf", token.as_str()), ("text", text), ("tag", tag)];
    if partner {
        form.push(("share_partner", "yes"));
    }
    if team {
        form.push(("share_team", "yes"));
    }
    post(c, app, "/journal", &form).await
}

#[tokio::test]
async fn shared_entries_reach_only_whom_they_were_shared_with_and_unsharing_is_immediate() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, _, _) = app.ready_admin().await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noor", "noor@clinic.example", &["coordinator"])
        .await;
    let (clin_id, clin) = staff(&app, &admin, "Mira", "mira@clinic.example", &["clinician"]).await;
    let (status, body) = app
        .put_bearer(
            &coordinator,
            &format!("/api/v1/duos/{}/team", pair.duo_id),
            json!({"members": [{"user_id": clin_id, "role": "clinician"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let a = participant(&app, "alex@example.org", "alex's own long passphrase").await;
    let b = participant(&app, "bo@example.org", "bo's very own passphrase").await;

    // The journal is open right after joining, private by default, with the notice.
    let (status, page) = get(&a, &app, "/journal").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"not-watched\""), "{page}");
    assert!(page.contains("not watched in real time"));
    assert!(page.contains("Share with Bo"));
    assert!(page.contains("type=\"radio\" id=\"tag-mine\""));
    assert!(!page.contains("name=\"share_partner\" value=\"yes\" checked"));
    assert!(!page.contains("name=\"share_team\" value=\"yes\" checked"));
    let (_, home) = get(&a, &app, "/home").await;
    assert!(home.contains("href=\"/journal\""));

    for (text, tag, partner, team) in [
        ("JP-MINE-private", "mine", false, false),
        ("JP-THEIRS-team", "theirs", false, true),
        ("JP-OURS-bo", "ours", true, true),
    ] {
        let (status, location) = write(&a, &app, text, tag, partner, team).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
        assert_eq!(location, "/journal?saved=written");
    }
    let (_, page) = get(&a, &app, "/journal?saved=written").await;
    assert!(page.contains("Your entry is saved."));
    for text in ["JP-MINE-private", "JP-THEIRS-team", "JP-OURS-bo"] {
        assert!(page.contains(text), "{page}");
    }
    assert!(page.contains("Private: only you can read this."));
    assert!(page.contains("Shared with your care team."));
    assert!(page.contains("Shared with Bo and your care team."));
    // The filter by tag.
    let (_, only_ours) = get(&a, &app, "/journal?tag=ours").await;
    assert!(only_ours.contains("JP-OURS-bo"));
    assert!(!only_ours.contains("JP-MINE-private") && !only_ours.contains("JP-THEIRS-team"));

    let shared = format!("/duos/{}/journal", pair.duo_id);
    let (status, b_page) = get(&b, &app, &shared).await;
    assert_eq!(status, StatusCode::OK, "{b_page}");
    assert!(b_page.contains("JP-OURS-bo") && b_page.contains("Alex"));
    assert!(!b_page.contains("JP-MINE-private") && !b_page.contains("JP-THEIRS-team"));
    assert!(b_page.contains("id=\"not-watched\""));

    let (status, team_page) = get(&clin, &app, &shared).await;
    assert_eq!(status, StatusCode::OK, "{team_page}");
    assert!(team_page.contains("JP-THEIRS-team") && team_page.contains("JP-OURS-bo"));
    assert!(!team_page.contains("JP-MINE-private"));
    let (_, duo) = get(&clin, &app, &format!("/duos/{}", pair.duo_id)).await;
    assert!(duo.contains(&format!("href=\"{shared}\"")));

    // B cannot reach A's entry forms: they read as entries that do not exist.
    let ours = entry_id(&page, "JP-OURS-bo");
    let mine = entry_id(&page, "JP-MINE-private");
    let b_token = csrf(&b, &app, "/journal").await;
    for id in [&ours, &mine] {
        let (status, _) = get(&b, &app, &format!("/journal/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(
            &b,
            &app,
            &format!("/journal/{id}/sharing"),
            &[("csrf", &b_token), ("share_partner", "yes")],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(
            &b,
            &app,
            &format!("/journal/{id}"),
            &[("csrf", &b_token), ("text", "B-WAS-HERE")],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (_, still) = get(&a, &app, "/journal").await;
    assert!(!still.contains("B-WAS-HERE"));
    let (_, own) = get(&a, &app, &format!("/journal/{mine}")).await;
    assert!(own.contains("Private: only you can read this."), "{own}");

    // Unsharing with B on the page hides the entry from B at once; the team keeps it.
    let a_token = csrf(&a, &app, "/journal").await;
    let (status, location) = post(
        &a,
        &app,
        &format!("/journal/{ours}/sharing"),
        &[("csrf", &a_token), ("share_team", "yes")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, b_page) = get(&b, &app, &shared).await;
    assert!(!b_page.contains("JP-OURS-bo"), "{b_page}");
    let (_, team_page) = get(&clin, &app, &shared).await;
    assert!(team_page.contains("JP-OURS-bo"));
    let (_, page) = get(&a, &app, "/journal?saved=shared").await;
    assert!(page.contains("Shared with your care team."));
    assert!(!page.contains("Shared with Bo and your care team."));

    // Editing the text on the page.
    let (status, location) = post(
        &a,
        &app,
        &format!("/journal/{mine}"),
        &[("csrf", &a_token), ("text", "JP-MINE-rewritten")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = get(&a, &app, "/journal").await;
    assert!(page.contains("JP-MINE-rewritten") && !page.contains("JP-MINE-private"));
}

#[tokio::test]
async fn bad_input_is_refused_in_words_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let _pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let a = participant(&app, "alex@example.org", "alex's own long passphrase").await;

    // An empty entry.
    let (status, page) = write(&a, &app, "   ", "mine", true, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("class=\"error-summary\""));
    assert!(page.contains("href=\"#text\""));
    assert!(page.contains("Write something in the entry before saving."));
    assert!(page.contains("aria-invalid=\"true\""));
    // The sharing choice stays as it was ticked.
    assert!(page.contains("id=\"share_partner\" name=\"share_partner\" value=\"yes\" checked"));

    // An unknown tag keeps the typed text.
    let (status, page) = write(&a, &app, "JP-KEEP-typed words", "everyone", false, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("href=\"#tag\""));
    assert!(page.contains("Choose whether this is mine, theirs or ours."));
    assert!(page.contains(">JP-KEEP-typed words</textarea>"), "{page}");
    // No tag at all is refused the same way.
    let (status, page) = write(&a, &app, "JP-KEEP-again", "", false, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(">JP-KEEP-again</textarea>"));
    let (_, list) = get(&a, &app, "/journal").await;
    assert!(list.contains("You have not written anything yet."));

    // An edit that empties an entry is refused at that entry, the typed text kept.
    let (status, _) = write(&a, &app, "JP-FIRST", "ours", false, false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = get(&a, &app, "/journal").await;
    let id = entry_id(&list, "JP-FIRST");
    let token = hidden_value(&list, "csrf");
    let (status, page) = post(
        &a,
        &app,
        &format!("/journal/{id}"),
        &[("csrf", &token), ("text", " ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(&format!("href=\"#text-{id}\"")));
    assert!(page.contains("<details open>"));
    let (status, page) = post(
        &a,
        &app,
        &format!("/journal/{id}"),
        &[("csrf", &token), ("text", " "), ("from", "entry")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("Write something in the entry before saving."));
    let (_, list) = get(&a, &app, "/journal").await;
    assert!(list.contains("JP-FIRST"));

    // An unknown filter says so and shows every entry.
    let (status, page) = get(&a, &app, "/journal?tag=nobody").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("That filter does not exist"));
    assert!(page.contains("JP-FIRST"));
}
