//! The information wall, proven: for every route the application serves (enumerated from
//! the router's own table, so a new route is covered automatically), B tries every id B
//! could guess or learn, with every method. Nothing of A's private content may appear in
//! any response, and "not yours" must look exactly like "does not exist".

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Pair, TestApp, spawn_app};
use crate::intake::{complete_answers, fill_and_submit, with_team};

/// Content only A and A's care team may ever see.
struct Secrets {
    canaries: Vec<String>,
}

async fn a_confides(app: &TestApp, pair: &Pair, clinician: &str) -> Secrets {
    let intake = "WALL-A-INTAKE-5e1d";
    fill_and_submit(app, &pair.a_token, complete_answers(intake)).await;
    let mut b = complete_answers("WALL-B-OWN");
    b["medications"] = json!([]);
    fill_and_submit(app, &pair.b_token, b).await;
    let message = "WALL-A-MESSAGE-77aa";
    app.post_bearer(
        &pair.a_token,
        "/api/v1/me/messages",
        json!({"text": message}),
    )
    .await;
    // Journal entries that are A's alone or shared with the team only.
    for (text, team) in [
        ("WALL-A-JOURNAL-private", false),
        ("WALL-A-JOURNAL-team", true),
    ] {
        let (status, body) = app
            .post_bearer(
                &pair.a_token,
                "/api/v1/me/journal",
                json!({"text": text, "tag": "theirs", "share": {"partner": false, "team": team}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let rationale = "WALL-RATIONALE-c0de: reviewed both intakes carefully.";
    let (status, body) = app
        .post_bearer(
            clinician,
            &format!("/api/v1/duos/{}/screening/decision", pair.duo_id),
            json!({"format": "duo", "rationale": rationale, "password": "a staff member's long passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Secrets {
        canaries: vec![
            intake.to_string(),
            message.to_string(),
            "WALL-RATIONALE-c0de".to_string(),
            "WALL-A-JOURNAL".to_string(),
            // A's motivation at sign-up.
            "what happened last year".to_string(),
        ],
    }
}

/// Every id in the database: whatever B could learn or guess, from any table, including
/// tables that later features add.
async fn every_id(app: &TestApp) -> BTreeSet<String> {
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    let mut ids = BTreeSet::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
        for column in columns.iter().filter(|c| *c == "id" || c.ends_with("_id")) {
            let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT DISTINCT CAST({column} AS TEXT) FROM {table}"
            )))
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
            ids.extend(values.into_iter().flatten().filter(|v| !v.is_empty()));
        }
    }
    ids
}

/// Ids that are B's own or shared with B (B may act on those; they are not the wall).
async fn b_side(app: &TestApp, pair: &Pair) -> BTreeSet<String> {
    let (_, me) = app.get_bearer(&pair.b_token, "/api/v1/me").await;
    [
        pair.b_pid.clone(),
        pair.duo_id.clone(),
        me["id"].as_str().unwrap().to_string(),
    ]
    .into_iter()
    .collect()
}

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];
/// Routes that would end B's own session and so blind the rest of the walk.
const ENDS_OWN_SESSION: [&str; 2] = ["/api/v1/auth/logout", "/api/v1/auth/logout-everywhere"];
const NOBODY: &str = "00000000-0000-7000-8000-0000000000ff";

fn fill(path: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        out.push_str(id);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

async fn call(app: &TestApp, token: &str, method: &Method, path: &str) -> (StatusCode, String) {
    let client = crate::helpers::api();
    let mut req = client
        .request(method.clone(), app.url(path))
        .bearer_auth(token);
    if *method != Method::GET && *method != Method::DELETE {
        req = req.json(&json!({}));
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

fn without_operation_id(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(mut v) => {
            if let Some(o) = v.as_object_mut() {
                o.remove("operation_id");
            }
            v.to_string()
        }
        // Pages carry the operation id in the text; drop that one line.
        Err(_) => body
            .lines()
            .filter(|l| !l.contains("mono\">") || !l.contains("code"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partner_learns_nothing_by_any_route_or_id() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (_, clinician, _) = with_team(&app, &pair).await;
    let secrets = a_confides(&app, &pair, &clinician).await;
    let ids = every_id(&app).await;
    let own = b_side(&app, &pair).await;
    let routes = dyad_web::route_paths();
    assert!(
        routes.len() >= 40,
        "the route table is complete: {}",
        routes.len()
    );

    let mut requests = 0usize;
    let mut compared = 0usize;
    for route in &routes {
        if ENDS_OWN_SESSION.contains(route) {
            continue;
        }
        let candidates: Vec<String> = if route.contains('{') {
            ids.iter().cloned().chain([NOBODY.to_string()]).collect()
        } else {
            vec![String::new()]
        };
        for method in &METHODS {
            let mut nobody_answer: Option<(StatusCode, String)> = None;
            if route.contains('{') {
                let (s, t) = call(&app, &pair.b_token, method, &fill(route, NOBODY)).await;
                requests += 1;
                nobody_answer = Some((s, without_operation_id(&t).replace(NOBODY, "{id}")));
            }
            for id in &candidates {
                // B changes only what is B's to change; on B's side reads are enough.
                if own.contains(id) && *method != Method::GET {
                    continue;
                }
                let path = if id.is_empty() {
                    route.to_string()
                } else {
                    fill(route, id)
                };
                let (status, text) = call(&app, &pair.b_token, method, &path).await;
                requests += 1;
                assert!(
                    status != StatusCode::INTERNAL_SERVER_ERROR,
                    "{method} {path} failed with 500: {text}"
                );
                for canary in &secrets.canaries {
                    assert!(
                        !text.contains(canary.as_str()),
                        "{method} {path} leaked A's content ({canary}) to B: {text}"
                    );
                }
                if let Some((s0, t0)) = &nobody_answer
                    && !own.contains(id)
                {
                    {
                        compared += 1;
                        assert_eq!(
                            status, *s0,
                            "{method} {path}: 'not yours' answers differently from 'does not exist'"
                        );
                        // A page may echo the address it was asked for; that is not a leak.
                        assert_eq!(
                            without_operation_id(&text).replace(id.as_str(), "{id}"),
                            *t0,
                            "{method} {path}: 'not yours' reads differently from 'does not exist'"
                        );
                    }
                }
            }
        }
    }
    eprintln!(
        "wall: {} routes, {} ids, {requests} requests, {compared} not-yours comparisons",
        routes.len(),
        ids.len()
    );
    assert!(compared > 100);

    // The same walk from A's side still finds A's own content, so the canaries are real.
    let (_, mine) = app.raw_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert!(mine.contains(&secrets.canaries[0]));
    let (_, thread) = app.raw_bearer(&pair.a_token, "/api/v1/me/messages").await;
    assert!(thread.contains(&secrets.canaries[1]));
}
