//! The journal: mine / theirs / ours, private by default, shared entry by entry.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::intake::with_team;

#[tokio::test]
async fn a_writes_three_entries_b_sees_only_ours_the_team_sees_theirs_and_ours() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, facilitator) = with_team(&app, &pair).await;
    let write = |text: &str, tag: &str, partner: bool, team: bool| json!({"text": text, "tag": tag, "share": {"partner": partner, "team": team}});
    let (status, mine) = app
        .post_bearer(
            &pair.a_token,
            "/api/v1/me/journal",
            write("J-MINE-private", "mine", false, false),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let (_, theirs) = app
        .post_bearer(
            &pair.a_token,
            "/api/v1/me/journal",
            write("J-THEIRS-team", "theirs", false, true),
        )
        .await;
    let (_, ours) = app
        .post_bearer(
            &pair.a_token,
            "/api/v1/me/journal",
            write("J-OURS-both", "ours", true, true),
        )
        .await;
    // Private by default when no sharing is given.
    let (_, default) = app
        .post_bearer(
            &pair.a_token,
            "/api/v1/me/journal",
            json!({"text": "J-DEFAULT", "tag": "mine"}),
        )
        .await;
    assert_eq!(default["shared_with_partner"], false);
    assert_eq!(default["shared_with_team"], false);
    let path = format!("/api/v1/duos/{}/journal", pair.duo_id);

    let (status, b_sees) = app.raw_bearer(&pair.b_token, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(b_sees.contains("J-OURS-both"));
    for hidden in ["J-MINE-private", "J-THEIRS-team", "J-DEFAULT"] {
        assert!(!b_sees.contains(hidden), "B must not see {hidden}");
    }
    for team in [&clinician, &facilitator] {
        let (_, t) = app.raw_bearer(team, &path).await;
        assert!(
            t.contains("J-THEIRS-team") && t.contains("J-OURS-both"),
            "{t}"
        );
        assert!(!t.contains("J-MINE-private") && !t.contains("J-DEFAULT"));
    }
    // Filter by tag.
    let (_, only_ours) = app
        .get_bearer(&pair.a_token, "/api/v1/me/journal?tag=ours")
        .await;
    assert_eq!(only_ours.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get_bearer(&pair.a_token, "/api/v1/me/journal?tag=nobody")
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Unsharing takes effect at once.
    let ours_id = ours["id"].as_str().unwrap();
    let (status, _) = app
        .patch_bearer(
            &pair.a_token,
            &format!("/api/v1/me/journal/{ours_id}"),
            json!({"share": {"partner": false, "team": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, b_now) = app.raw_bearer(&pair.b_token, &path).await;
    assert!(!b_now.contains("J-OURS-both"));
    // B cannot change or even find A's entries; not-yours looks like nothing.
    let (s1, t1) = app
        .patch_bearer(
            &pair.b_token,
            &format!("/api/v1/me/journal/{}", theirs["id"].as_str().unwrap()),
            json!({"text": "x"}),
        )
        .await;
    let (s2, _) = app
        .patch_bearer(
            &pair.b_token,
            "/api/v1/me/journal/00000000-0000-7000-8000-000000000000",
            json!({"text": "x"}),
        )
        .await;
    assert_eq!(s1, StatusCode::NOT_FOUND);
    assert_eq!(s1, s2);
    assert!(!t1.to_string().contains("J-THEIRS"));
    // Sealed at rest; team reads audited.
    let raw: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body FROM journal_entries")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        raw.iter()
            .all(|b| !String::from_utf8_lossy(b).contains("J-"))
    );
    let (_, log) = app.get_bearer(&pair.a_token, "/api/v1/me/access-log").await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["what"] == "journal_entry"),
        "{log}"
    );
    let _ = mine;
}
