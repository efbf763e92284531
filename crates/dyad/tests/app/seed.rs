//! `dyad dev seed`: a small synthetic data set in a fresh database works end to end for the
//! seeded people (pages and API, sealed data opening, the audit chain intact), and a
//! database holding real data is refused — in-process and through the real binary.

use dyad::seed::{SEED_DOMAIN, SEED_PASSWORD, SeedOptions, SeedReport, seed};
use reqwest::StatusCode;
use serde_json::json;

use crate::cli::dyad as dyad_command;
use crate::helpers::{TestApp, api, spawn_app, totp_code};

fn options(duos: usize) -> SeedOptions {
    SeedOptions {
        duos,
        audit_records: 0,
        not_production: false,
        random_seed: 5,
    }
}

async fn seeded(app: &TestApp, duos: usize) -> SeedReport {
    seed(
        &app.state.db,
        &app.state.sealer,
        app.state.now(),
        &options(duos),
    )
    .await
    .expect("seeding a fresh database")
}

async fn participant_token(app: &TestApp, email: &str) -> String {
    let (status, body) = app.login(&api(), email, SEED_PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["required"], json!([]), "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn staff_token(app: &TestApp, report: &SeedReport, email: &str) -> String {
    let code = totp_code(&report.totp_secret, app.now_secs());
    let (status, body) = app.login(&api(), email, SEED_PASSWORD, Some(&code)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["required"], json!([]), "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn page(app: &TestApp, token: &str, path: &str) -> String {
    let (status, text) = app.raw_bearer(token, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    text
}

#[tokio::test]
async fn seeded_people_use_the_pages_and_the_api() {
    let app = spawn_app().await;
    let report = seeded(&app, 30).await;
    let t = report.targets.clone();
    assert_eq!(report.duos_by_phase.values().sum::<u64>(), 30);
    for phase in [
        "invited",
        "intake",
        "preparation",
        "session",
        "closed",
        "withdrawn",
    ] {
        assert!(
            report.duos_by_phase.contains_key(phase),
            "{phase}: {report:?}"
        );
    }
    for table in [
        "intake_versions",
        "screening_findings",
        "session_events",
        "journal_entries",
    ] {
        assert!(
            report.rows.get(table).copied().unwrap_or(0) > 0,
            "{table}: {report:?}"
        );
    }
    assert!(t.participant.email.ends_with(SEED_DOMAIN));
    let described = report.describe();
    assert!(described.contains(&t.participant.email) && described.contains(&report.totp_secret));

    // The participant in preparation: home, journal (sealed entries open), own intake.
    let participant = participant_token(&app, &t.participant.email).await;
    page(&app, &participant, "/home").await;
    page(&app, &participant, "/journal").await;
    let (status, journal) = app.get_bearer(&participant, "/api/v1/me/journal").await;
    assert_eq!(status, StatusCode::OK, "{journal}");
    let entries = journal.as_array().expect("a list of entries");
    assert!(!entries.is_empty());
    assert!(
        entries
            .iter()
            .all(|e| !e["text"].as_str().unwrap_or("").is_empty())
    );
    let (status, intake) = app.get_bearer(&participant, "/api/v1/me/intake").await;
    assert_eq!(status, StatusCode::OK, "{intake}");
    assert_eq!(intake["status"], "submitted");
    assert_eq!(intake["missing"], json!([]));
    let (status, agreement) = app
        .get_bearer(
            &participant,
            &format!("/api/v1/duos/{}/agreement", t.participant_duo),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{agreement}");

    // The participant whose intake is a draft can go on saving it.
    let drafting = participant_token(&app, &t.intake_participant.email).await;
    let (status, saved) = app
        .put_bearer(
            &drafting,
            "/api/v1/me/intake",
            json!({"answers": {"goals": "Talk more."}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["status"], "draft");

    // The coordinator: the duo list (page and API, paged), no clinical content.
    let coordinator = staff_token(&app, &report, &t.coordinator.email).await;
    let list = page(&app, &coordinator, "/duos").await;
    let (status, duos) = app
        .get_bearer(&coordinator, "/api/v1/duos?limit=10&offset=10")
        .await;
    assert_eq!(status, StatusCode::OK, "{duos}");
    let duos = duos.as_array().unwrap();
    assert_eq!(duos.len(), 10);
    assert!(
        duos.iter()
            .all(|d| list.contains(d["code"].as_str().unwrap()))
    );
    let (status, _) = app
        .get_bearer(
            &coordinator,
            &format!("/api/v1/participants/{}/intake", t.clinical_participant),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a coordinator reads no intake"
    );

    // The clinician reads the intake (sealed, audited) and the screening of their duo.
    let clinician = staff_token(&app, &report, &t.clinician.email).await;
    let (status, intake) = app
        .get_bearer(
            &clinician,
            &format!("/api/v1/participants/{}/intake", t.clinical_participant),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{intake}");
    assert!(intake.to_string().contains("phq9"), "{intake}");
    page(
        &app,
        &clinician,
        &format!("/participants/{}/intake", t.clinical_participant),
    )
    .await;
    page(
        &app,
        &clinician,
        &format!("/duos/{}/screening", t.clinical_duo),
    )
    .await;

    // The facilitator's running session day: the console opens its entries and takes more.
    let facilitator = staff_token(&app, &report, &t.facilitator.email).await;
    let (status, console) = app
        .get_bearer(
            &facilitator,
            &format!("/api/v1/sessions/{}", t.running_session),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{console}");
    assert_eq!(console["session"]["status"], "running", "{console}");
    let (status, created) = app
        .post_bearer(
            &facilitator,
            &format!("/api/v1/sessions/{}/events", t.running_session),
            json!({"kind": "note", "text": "Both resting."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["seq"].as_i64().unwrap() > 1, "{created}");

    // Aftercare: check-ins after each closed session, answered ones sealed and scored as a
    // real answer is, others missed, open or still to come.
    let counts: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM checkins GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(
        counts.len() == 2 && counts.iter().all(|(_, n)| *n > 0),
        "answered and unanswered check-ins: {counts:?}"
    );
    assert_eq!(
        report.rows.get("checkins").copied(),
        Some(counts.iter().map(|(_, n)| *n as u64).sum::<u64>()),
        "{report:?}"
    );
    assert!(
        report.describe().contains(" checkins "),
        "{}",
        report.describe()
    );
    let (pid, duo_id, email): (String, String, String) = sqlx::query_as(
        "SELECT c.participant_id, c.duo_id, u.email FROM checkins c \
         JOIN participants p ON p.id = c.participant_id JOIN users u ON u.id = p.user_id \
         WHERE c.answered_at IS NOT NULL AND c.instruments <> '' ORDER BY c.answered_at LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a check-in answered with instruments");
    let person = participant_token(&app, &email).await;
    let (status, mine) = app.get_bearer(&person, "/api/v1/me/checkins").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let mine = mine.as_array().expect("a list of check-ins");
    let answered: Vec<_> = mine.iter().filter(|c| c["status"] == "answered").collect();
    assert!(!answered.is_empty(), "{mine:?}");
    assert!(
        answered
            .iter()
            .all(|c| c["answers"]["wellbeing"]["mood"].is_i64()),
        "{answered:?}"
    );
    assert!(
        answered
            .iter()
            .any(|c| c["scores"]["phq9"]["total"].is_i64()),
        "{answered:?}"
    );
    page(&app, &person, "/checkins").await;
    page(&app, &person, "/outcomes").await;
    let (status, outcomes) = app.get_bearer(&person, "/api/v1/me/outcomes").await;
    assert_eq!(status, StatusCode::OK, "{outcomes}");
    let phq9 = outcomes["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["instrument"] == "phq9")
        .expect("a PHQ-9 series")
        .clone();
    assert!(phq9["baseline"]["total"].is_i64(), "{phq9}");
    assert!(!phq9["points"].as_array().unwrap().is_empty(), "{phq9}");
    // The duo's clinician reads the same outcomes.
    let (clinician_email,): (String,) = sqlx::query_as(
        "SELECT u.email FROM duo_team t JOIN users u ON u.id = t.user_id \
         WHERE t.duo_id = $1 AND t.team_role = 'clinician'",
    )
    .bind(&duo_id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    // (Signed in already when it is the same clinician: a code is taken once.)
    let their_clinician = if clinician_email == t.clinician.email {
        clinician.clone()
    } else {
        staff_token(&app, &report, &clinician_email).await
    };
    let (status, seen) = app
        .get_bearer(
            &their_clinician,
            &format!("/api/v1/participants/{pid}/outcomes"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["series"], outcomes["series"]);
    page(&app, &their_clinician, &format!("/duos/{duo_id}/outcomes")).await;

    // The research export reads the seeded check-ins: rows with their scores.
    let export = dyad_web::api::research::build(
        &app.state.db,
        &app.state.sealer,
        dyad_web::api::intake::form().unwrap(),
        None,
        dyad_web::api::research::Format::Redcap,
        app.state.now(),
    )
    .await
    .expect("the research export of seeded data");
    let files = crate::research::unzip(&export.bytes);
    let (head, rows) = crate::research::table(&files["records.csv"]);
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let scored = rows
        .iter()
        .filter(|r| r[col("redcap_event_name")].starts_with("checkin_"))
        .filter(|r| !r[col("checkin_phq9_total")].is_empty())
        .count();
    assert!(scored > 0, "check-in rows with a PHQ-9 total in the export");

    // The chain holds the seeded trail and everything the requests above appended.
    let verified = dyad_store::audit::verify(&app.state.db).await.unwrap();
    assert!(verified.ok(), "{verified:?}");
    assert!(verified.records > report.rows["audit_log"]);

    // Seeding again adds to seeded data (new addresses), and pads the audit trail.
    let again = seed(
        &app.state.db,
        &app.state.sealer,
        app.state.now(),
        &SeedOptions {
            audit_records: 5_000,
            ..options(3)
        },
    )
    .await
    .expect("seeded data may be seeded again");
    assert!(again.rows["audit_log"] >= 5_000);
    assert_ne!(again.targets.coordinator.email, t.coordinator.email);
    let verified = dyad_store::audit::verify(&app.state.db).await.unwrap();
    assert!(verified.ok(), "{verified:?}");
}

async fn seeded_accounts(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email LIKE $1")
        .bind(format!("%@{SEED_DOMAIN}"))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_with_real_people_is_refused_unless_told_otherwise() {
    let app = spawn_app().await;
    app.signed_up_pair("alex@example.org", "bo@example.org")
        .await;
    let err = seed(
        &app.state.db,
        &app.state.sealer,
        app.state.now(),
        &options(5),
    )
    .await
    .expect_err("real people in the database")
    .to_string();
    assert!(err.contains("--i-know-this-is-not-production"), "{err}");
    assert!(err.contains("2 accounts that were not seeded"), "{err}");
    assert_eq!(
        seeded_accounts(&app).await,
        0,
        "nothing written after a refusal"
    );

    let report = seed(
        &app.state.db,
        &app.state.sealer,
        app.state.now(),
        &SeedOptions {
            not_production: true,
            ..options(5)
        },
    )
    .await
    .expect("seeding when told the database is not production");
    assert_eq!(report.duos_by_phase.values().sum::<u64>(), 5);
    assert!(seeded_accounts(&app).await > 0);
}

#[tokio::test]
async fn the_command_refuses_real_data_and_seeds_a_fresh_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logins = dir.path().join("logins.env");
    let out = dyad_command(&data, &[])
        .args(["dev", "seed", "--duos", "12", "--logins-file"])
        .arg(&logins)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("seeded 12 duos"), "{text}");
    assert!(text.contains(SEED_PASSWORD), "{text}");
    let env = std::fs::read_to_string(&logins).unwrap();
    assert!(
        env.contains("SEED_COORDINATOR_EMAIL='coordinator1."),
        "{env}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&logins).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // A real account (the admin created with a password of their own) makes it refuse.
    let password = dir.path().join("pw");
    std::fs::write(&password, "a real admin's passphrase").unwrap();
    let out = dyad_command(&data, &[])
        .args([
            "admin",
            "create",
            "--email",
            "lead@clinic.example",
            "--name",
            "Lead",
            "--role",
            "admin",
            "--password-file",
        ])
        .arg(&password)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = dyad_command(&data, &[])
        .args(["dev", "seed", "--duos", "3"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("1 accounts that were not seeded"), "{err}");
    assert!(err.contains("--i-know-this-is-not-production"), "{err}");
}

/// The coordinator's list comes in pages of 50, newest first, with links that keep the
/// filters; the pages do not overlap and together hold every duo.
#[tokio::test]
async fn the_duo_list_pages_through_every_duo() {
    let app = spawn_app().await;
    let report = seeded(&app, 70).await;
    let coordinator = staff_token(&app, &report, &report.targets.coordinator.email).await;
    let codes = |html: &str| -> Vec<String> {
        html.split("<td class=\"mono\"><a href=\"/duos/")
            .skip(1)
            .map(|s| crate::helpers::between(s, "\">", "</a>"))
            .collect()
    };
    let first = page(&app, &coordinator, "/duos").await;
    let first_codes = codes(&first);
    assert_eq!(first_codes.len(), 50, "a full first page");
    assert!(
        first.contains("href=\"/duos?page=2\" rel=\"next\""),
        "{first}"
    );
    assert!(!first.contains("rel=\"prev\""));
    let second = page(&app, &coordinator, "/duos?page=2").await;
    let second_codes = codes(&second);
    assert_eq!(second_codes.len(), 20, "the rest on the second page");
    assert!(second.contains("href=\"/duos?page=1\" rel=\"prev\""));
    assert!(!second.contains("rel=\"next\""));
    let mut all: Vec<String> = first_codes.into_iter().chain(second_codes).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 70, "no duo on two pages, none left out");
    // Filters travel with the links; a page past the end is empty, not an error.
    let filtered = page(&app, &coordinator, "/duos?phase=intake&q=+&page=2").await;
    assert!(
        filtered.contains("href=\"/duos?phase=intake&#38;page=1\" rel=\"prev\""),
        "{filtered}"
    );
    let beyond = page(&app, &coordinator, "/duos?page=99").await;
    assert!(codes(&beyond).is_empty());
    assert!(beyond.contains("rel=\"prev\""));
    let nonsense = page(&app, &coordinator, "/duos?page=x").await;
    assert_eq!(
        codes(&nonsense).len(),
        50,
        "an unreadable page number is the first page"
    );
}
