//! Limits where input arrives: body size on every kind of caller, text lengths, list lengths,
//! and the rate limits on sign-up and on new invitation links. Each refusal is a problem
//! document naming what was wrong, and nothing is half-written after it: the lists and counts
//! read back are the same as before.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, spawn_app};
use crate::intake::with_team;

const PROBLEM: &str = "application/problem+json";

/// POSTs/PUTs/PATCHes `body` with `token` (if any); returns status, content type and body.
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    body: &Value,
) -> (StatusCode, String, Value) {
    let mut req = api().request(method, app.url(path)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, r.json().await.unwrap_or(Value::Null))
}

/// The number of items a GET answers with (an array, or the array under `key`).
async fn count(app: &TestApp, token: &str, path: &str) -> usize {
    let (status, body) = app.get_bearer(token, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body.as_array()
        .or_else(|| body["items"].as_array())
        .unwrap_or_else(|| panic!("{path}: not a list: {body}"))
        .len()
}

fn text(n: usize) -> String {
    // Multi-byte characters: limits count characters, not bytes.
    "é".repeat(n)
}

/// One text or list limit: the value at the limit is taken (when `at_limit` is given), one past
/// it is refused naming `field`, and the `list` read back afterwards has grown only by what
/// was taken.
struct Case<'a> {
    what: &'a str,
    method: reqwest::Method,
    token: Option<&'a str>,
    path: String,
    at_limit: Option<Value>,
    over_limit: Value,
    field: &'a str,
    list: Option<(&'a str, String)>,
}

#[tokio::test]
async fn text_and_list_limits_are_named_and_nothing_is_half_written() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let (admin, clinician, _facilitator) = with_team(&app, &pair).await;
    let clinician_id = app.get_bearer(&clinician, "/api/v1/me").await.1["id"].clone();
    // Break glass is for staff outside the care team.
    let (_, outsider) = app
        .staff_session(&admin, "Lee", "lee@clinic.example", &["clinician"])
        .await;
    let (_, coordinator) = app
        .staff_session(&admin, "Noa", "noa@clinic.example", &["coordinator"])
        .await;
    let (a, post, put) = (
        pair.a_token.as_str(),
        reqwest::Method::POST,
        reqwest::Method::PUT,
    );
    let meds = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({"name": format!("medicine {i}"), "dose": "1 mg"}))
            .collect()
    };
    // The same real member over and over: without a limit it would be taken (and looked up
    // once per entry).
    let members = |n: usize| -> Value {
        (0..n)
            .map(|_| json!({"user_id": clinician_id, "role": "clinician"}))
            .collect()
    };
    let cases = vec![
        Case {
            what: "journal entry (20 000 characters)",
            method: post.clone(),
            token: Some(a),
            path: "/api/v1/me/journal".into(),
            at_limit: Some(json!({"text": text(20_000), "tag": "mine"})),
            over_limit: json!({"text": text(20_001), "tag": "mine"}),
            field: "text",
            list: Some((a, "/api/v1/me/journal".into())),
        },
        Case {
            what: "message to the team (5 000 characters)",
            method: post.clone(),
            token: Some(a),
            path: "/api/v1/me/messages".into(),
            at_limit: Some(json!({"text": text(5_000)})),
            over_limit: json!({"text": text(5_001)}),
            field: "text",
            list: Some((a, "/api/v1/me/messages".into())),
        },
        Case {
            what: "intake free text (the form's max_length, 4 000 for goals)",
            method: put.clone(),
            token: Some(a),
            path: "/api/v1/me/intake".into(),
            at_limit: Some(json!({"answers": {"goals": text(4_000)}})),
            over_limit: json!({"answers": {"goals": text(4_001)}}),
            field: "goals",
            list: None,
        },
        Case {
            what: "intake list (the form's max_items, 50 medicines)",
            method: put.clone(),
            token: Some(a),
            path: "/api/v1/me/intake".into(),
            at_limit: Some(json!({"answers": {"medications": meds(50)}})),
            over_limit: json!({"answers": {"medications": meds(51)}}),
            field: "medications",
            list: None,
        },
        Case {
            what: "withdrawal reason (2 000 characters)",
            method: post.clone(),
            token: Some(a),
            path: format!("/api/v1/duos/{}/withdraw", pair.duo_id),
            at_limit: None,
            over_limit: json!({"reason": text(2_001)}),
            field: "reason",
            list: None,
        },
        Case {
            what: "break-glass reason (1 000 characters)",
            method: post.clone(),
            token: Some(&outsider),
            path: format!("/api/v1/duos/{}/break-glass", pair.duo_id),
            at_limit: None,
            over_limit: json!({"reason": text(1_001)}),
            field: "reason",
            list: Some((&admin, "/api/v1/break-glass".into())),
        },
        Case {
            what: "care team (20 members)",
            method: put.clone(),
            token: Some(&coordinator),
            path: format!("/api/v1/duos/{}/team", pair.duo_id),
            at_limit: None,
            over_limit: json!({"members": members(21)}),
            field: "members",
            list: None,
        },
        Case {
            what: "room name (80 characters)",
            method: post.clone(),
            token: Some(&admin),
            path: "/api/v1/rooms".into(),
            at_limit: Some(json!({"name": text(80)})),
            over_limit: json!({"name": text(81)}),
            field: "name",
            list: Some((&admin, "/api/v1/rooms".into())),
        },
        Case {
            what: "staff name (200 characters)",
            method: post.clone(),
            token: Some(&admin),
            path: "/api/v1/staff".into(),
            at_limit: Some(
                json!({"name": text(200), "email": "long@clinic.example", "roles": ["facilitator"]}),
            ),
            over_limit: json!({"name": text(201), "email": "longer@clinic.example", "roles": ["facilitator"]}),
            field: "name",
            list: Some((&admin, "/api/v1/staff".into())),
        },
        Case {
            what: "e-mail address (254 characters)",
            method: post.clone(),
            token: Some(&admin),
            path: "/api/v1/staff".into(),
            at_limit: None,
            over_limit: json!({"name": "Kim", "email": format!("{}@clinic.example", "k".repeat(240)), "roles": ["facilitator"]}),
            field: "email",
            list: Some((&admin, "/api/v1/staff".into())),
        },
        Case {
            what: "consent document title (200 characters)",
            method: post.clone(),
            token: Some(&admin),
            path: "/api/v1/documents".into(),
            at_limit: None,
            over_limit: json!({"kind": "terms", "version": "2", "title": text(201), "body": "Terms."}),
            field: "title",
            list: None,
        },
        Case {
            what: "sign-up name, motivation and password (200, 5 000, 256)",
            method: post.clone(),
            token: None,
            path: "/api/v1/signup".into(),
            at_limit: None,
            over_limit: json!({"name": text(201), "email": "cleo@example.org", "password": "p".repeat(257),
                "relationship": "friends", "motivation": text(5_001), "partner": {"name": "Dani", "email": "dani@example.org"},
                "age_confirmed": true, "accept_documents": true}),
            field: "name",
            list: None,
        },
    ];
    let mut tried = 0;
    for case in cases {
        let before = match &case.list {
            Some((t, p)) => Some(count(&app, t, p).await),
            None => None,
        };
        let intake_before = app.get_bearer(a, "/api/v1/me/intake").await.1;
        let (status, kind, body) = send(
            &app,
            case.method.clone(),
            case.token,
            &case.path,
            &case.over_limit,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {body}",
            case.what
        );
        assert_eq!(kind, PROBLEM, "{}", case.what);
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: {body}", case.what))
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(
            fields
                .iter()
                .any(|f| *f == case.field || f.starts_with(&format!("{}[", case.field))),
            "{}: {case_field} not named in {body}",
            case.what,
            case_field = case.field
        );
        tried += 1;
        // Nothing half-written.
        if let (Some((t, p)), Some(n)) = (&case.list, before) {
            assert_eq!(
                count(&app, t, p).await,
                n,
                "{}: refused yet written",
                case.what
            );
        }
        let intake_after = app.get_bearer(a, "/api/v1/me/intake").await.1;
        assert_eq!(
            intake_after["revision"], intake_before["revision"],
            "{}",
            case.what
        );
        if let Some(ok) = &case.at_limit {
            let (status, _, body) =
                send(&app, case.method.clone(), case.token, &case.path, ok).await;
            assert!(
                status.is_success(),
                "{}: the limit itself is allowed: {status} {body}",
                case.what
            );
            if let (Some((t, p)), Some(n)) = (&case.list, before) {
                assert_eq!(count(&app, t, p).await, n + 1, "{}", case.what);
            }
            tried += 1;
        }
    }
    // The refused sign-up sent no mail and created no account.
    assert!(app.last_mail_to("cleo@example.org").is_none());
    assert!(app.last_mail_to("dani@example.org").is_none());
    // The duo is still going: the refused withdrawal did not withdraw it.
    let (_, duo) = app
        .get_bearer(a, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_ne!(duo["phase"], "withdrawn", "{duo}");
    eprintln!("limits: {tried} text and list limits tried");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_a_problem_and_nothing_written() {
    let app = spawn_app().await;
    let pair = app
        .signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let limit = app.settings.max_body_kb * 1024;
    let big = "x".repeat(limit + 1);
    let a = pair.a_token.as_str();
    let journal_before = count(&app, a, "/api/v1/me/journal").await;
    let cases: Vec<(reqwest::Method, Option<&str>, &str, Value)> = vec![
        (
            reqwest::Method::POST,
            None,
            "/api/v1/signup",
            json!({"name": big, "email": "cleo@example.org"}),
        ),
        (
            reqwest::Method::POST,
            None,
            "/api/v1/auth/login",
            json!({"email": "alex@example.org", "password": big}),
        ),
        (
            reqwest::Method::POST,
            Some(a),
            "/api/v1/me/journal",
            json!({"text": big, "tag": "mine"}),
        ),
        (
            reqwest::Method::PUT,
            Some(a),
            "/api/v1/me/intake",
            json!({"answers": {"goals": big}}),
        ),
        (
            reqwest::Method::POST,
            Some(a),
            "/api/v1/me/messages",
            json!({"text": big}),
        ),
    ];
    for (method, token, path, body) in cases {
        let (status, kind, problem) = send(&app, method, token, path, &body).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(kind, PROBLEM, "{path}: {problem}");
        assert_eq!(problem["status"], 413, "{path}: {problem}");
    }
    // A body without a length header (chunked) is cut off at the limit too.
    assert_eq!(
        chunked_post(&app, a, "/api/v1/me/journal", limit).await,
        413
    );
    assert_eq!(count(&app, a, "/api/v1/me/journal").await, journal_before);
    assert!(app.last_mail_to("cleo@example.org").is_none());
}

/// Sends a JSON body of more than `limit` bytes with `Transfer-Encoding: chunked` (no
/// Content-Length to refuse up front); returns the status code answered.
async fn chunked_post(app: &TestApp, token: &str, path: &str, limit: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut chunks = vec![br#"{"tag": "mine", "text": ""#.to_vec()];
    chunks.extend(std::iter::repeat_n(
        vec![b'y'; 16 * 1024],
        limit / (16 * 1024) + 1,
    ));
    chunks.push(br#""}"#.to_vec());
    for chunk in chunks {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk,
            b"\r\n".to_vec(),
        ]
        .concat();
        // The server may answer and close before the whole body is sent.
        if tcp.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 64];
    let n = tcp.read(&mut answer).await.unwrap();
    let line = String::from_utf8_lossy(&answer[..n]).to_string();
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {line}"))
}

#[tokio::test]
async fn sign_ups_and_invitation_links_are_rate_limited() {
    let app = spawn_app().await;
    let signup = |i: usize| {
        json!({"name": format!("Person {i}"), "email": format!("p{i}@example.org"), "password": "a long enough passphrase",
            "relationship": "friends", "motivation": "We want to try it together.", "partner": {"name": "Other", "email": format!("o{i}@example.org")},
            "age_confirmed": true, "accept_documents": true})
    };
    // Ten sign-ups an hour from one address; the eleventh is refused and writes nothing.
    for i in 0..10 {
        let (status, body) = app.post_json("/api/v1/signup", signup(i)).await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
    }
    let r = api()
        .post(app.url("/api/v1/signup"))
        .json(&signup(10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(r.headers()["content-type"], PROBLEM);
    assert!(app.last_mail_to("p10@example.org").is_none());
    assert!(app.last_mail_to("o10@example.org").is_none());
    let (status, _) = app
        .login(&api(), "p10@example.org", "a long enough passphrase", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no account was created");
    app.advance_secs(3601);
    let (status, body) = app.post_json("/api/v1/signup", signup(10)).await;
    assert_eq!(status, StatusCode::CREATED, "an hour later: {body}");

    // New invitation links: five a day per invitation, then refused until the next day.
    let verify = app.link_token(&app.last_mail_to("p0@example.org").unwrap(), "verify");
    app.post_json(&format!("/api/v1/verify/{verify}"), json!({}))
        .await;
    let (status, login) = app
        .login(&api(), "p0@example.org", "a long enough passphrase", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let token = login["token"].as_str().unwrap();
    let first_link = app.last_mail_to("o0@example.org").unwrap();
    for i in 0..5 {
        let (status, body) = app
            .post_bearer(token, "/api/v1/me/invitation/resend", json!({}))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "resend {i}: {body}");
    }
    let newest = app.last_mail_to("o0@example.org").unwrap();
    assert_ne!(newest, first_link);
    let (status, body) = app
        .post_bearer(token, "/api/v1/me/invitation/resend", json!({}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(
        app.last_mail_to("o0@example.org").unwrap(),
        newest,
        "no mail after the refusal"
    );
    // The link mailed last still works: the refusal did not replace it.
    let join = app.link_token(&newest, "join");
    let (status, body) = app
        .post_json(
            &format!("/api/v1/invitations/{join}/accept"),
            json!({"name": "Other", "password": "another long passphrase", "motivation": "To try it together.",
                   "age_confirmed": true, "accept_documents": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
