//! Research and privacy rights: study settings, the pseudonymised export (REDCap and FHIR)
//! over several duos, erasure that reaches an older backup, and encrypted backups through
//! the real binary.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Pair, TestApp, api, spawn_app};
use crate::intake::{complete_answers, fill_and_submit};

async fn research_document_id(app: &TestApp) -> String {
    let r = api()
        .get(app.url("/api/v1/documents"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let docs: Value = r.json().await.unwrap();
    docs.as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "research")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn give_research_consent(app: &TestApp, token: &str, doc: &str) {
    let (status, body) = app
        .post_bearer(
            token,
            "/api/v1/me/documents/accept",
            json!({"document_ids": [doc]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn get_bytes(app: &TestApp, token: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let r = api()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status(), r.bytes().await.unwrap().to_vec())
}

pub(crate) fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        out.insert(f.name().to_string(), text);
    }
    out
}

pub(crate) fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (head, rows)
}

/// Every `YYYY-MM-DD` inside `s`.
fn dates_in(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    for i in 0..b.len().saturating_sub(9) {
        let w = &b[i..i + 10];
        let shape = w.iter().enumerate().all(|(j, c)| {
            if j == 4 || j == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
        if shape {
            out.push(String::from_utf8_lossy(w).into_owned());
        }
    }
    out
}

/// Fails when a cell holds a name, an email, a canary of free text, a time of day or a real
/// date (any date within the days the test ran, or the date of birth).
fn assert_clean(cell: &str, real_dates: &BTreeSet<String>) {
    assert!(!cell.contains('@'), "an email in {cell:?}");
    for word in cell.split(|c: char| !c.is_alphanumeric()) {
        assert!(!["Alex", "Bo"].contains(&word), "a name in {cell:?}");
    }
    for canary in [
        "CANARY",
        "My own reason",
        "To listen",
        "Feel closer",
        "sertraline",
        "We want to talk",
        "feel close again",
    ] {
        assert!(!cell.contains(canary), "free text in {cell:?}");
    }
    for d in dates_in(cell) {
        assert!(!real_dates.contains(&d), "a real date in {cell:?}");
    }
    let b = cell.as_bytes();
    let has_time = b.windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    });
    assert!(!has_time, "a time of day in {cell:?}");
}

fn walk_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| walk_strings(x, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            out.push(k.clone());
            walk_strings(x, out)
        }),
        _ => {}
    }
}

fn real_dates(app: &TestApp) -> BTreeSet<String> {
    let mut dates = BTreeSet::new();
    let now = app.clock_now();
    for d in -3..=3 {
        let t = now + jiff::SignedDuration::from_hours(24 * d);
        dates.insert(t.to_string()[..10].to_string());
    }
    dates.insert("1990-04-12".into());
    dates
}

struct World {
    app: TestApp,
    admin: String,
    researcher: String,
    coordinator: String,
    clinician: String,
    pairs: Vec<Pair>,
}

/// Three duos with submitted intakes. Duos 1 and 2: both consent to research. Duo 3: A
/// consents and withdraws, B consents.
async fn world() -> World {
    let app = spawn_app().await;
    let mut pairs = Vec::new();
    for i in 1..=3 {
        pairs.push(
            app.signed_up_pair(&format!("a{i}@example.org"), &format!("b{i}@example.org"))
                .await,
        );
    }
    let (admin, clinician, _fac) = crate::intake::with_team(&app, &pairs[0]).await;
    let (_, researcher) = app
        .staff_session(&admin, "Rosa", "rosa@clinic.example", &["researcher"])
        .await;
    let (_, coordinator) = app
        .staff_session(&admin, "Cor", "cor@clinic.example", &["coordinator"])
        .await;
    let doc = research_document_id(&app).await;
    for (i, p) in pairs.iter().enumerate() {
        fill_and_submit(&app, &p.a_token, complete_answers(&format!("CANARY-A{i}"))).await;
        fill_and_submit(&app, &p.b_token, complete_answers(&format!("CANARY-B{i}"))).await;
        give_research_consent(&app, &p.a_token, &doc).await;
        give_research_consent(&app, &p.b_token, &doc).await;
    }
    app.advance_secs(60);
    let (status, body) = app
        .post_bearer(
            &pairs[2].a_token,
            "/api/v1/me/consents/research/withdraw",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    World {
        app,
        admin,
        researcher,
        coordinator,
        clinician,
        pairs,
    }
}

#[tokio::test]
async fn a_researcher_exports_several_duos_pseudonymised_and_pair_aware() {
    let w = world().await;
    let app = &w.app;
    let real = real_dates(app);

    // Only researchers export; studies are for coordinators and admins.
    for token in [&w.coordinator, &w.admin, &w.pairs[0].a_token] {
        let (status, _) = get_bytes(app, token, "/api/v1/export/research?format=redcap").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, body) = app
        .post_bearer(
            &w.researcher,
            "/api/v1/studies",
            json!({"name": "x", "protocol_id": "P1", "document_ids": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // A study that uses the research consent document.
    let doc = research_document_id(app).await;
    let (status, study) = app
        .post_bearer(
            &w.coordinator,
            "/api/v1/studies",
            json!({"name": "Duo sessions pilot", "protocol_id": "DUO-2026-01", "document_ids": [doc]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{study}");
    let (status, bad) = app
        .post_bearer(
            &w.coordinator,
            "/api/v1/studies",
            json!({"name": "", "protocol_id": "has space", "document_ids": ["nope"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(bad["errors"].as_array().unwrap().len(), 3, "{bad}");

    // The study page lists it; a form adds another (and refuses bad input in words).
    let (status, page) = app.raw_bearer(&w.coordinator, "/studies").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("DUO-2026-01") && page.contains("Duo sessions pilot"),
        "{page}"
    );
    let (status, _) = app.raw_bearer(&w.researcher, "/studies").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = api()
        .post(app.url("/studies"))
        .bearer_auth(&w.coordinator)
        .form(&[
            ("name", "Follow-up"),
            ("protocol_id", "bad id"),
            ("document_ids", doc.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("Follow-up"),
        "keeps the typed name"
    );
    let r = api()
        .post(app.url("/studies"))
        .bearer_auth(&w.coordinator)
        .form(&[
            ("name", "Follow-up"),
            ("protocol_id", "DUO-2026-02"),
            ("document_ids", doc.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, listed) = app.get_bearer(&w.admin, "/api/v1/studies").await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    // REDCap.
    let (status, bytes) = get_bytes(
        app,
        &w.researcher,
        "/api/v1/export/research?format=redcap&study=DUO-2026-01",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let files = unzip(&bytes);
    let (dict_head, dict) = table(&files["data_dictionary.csv"]);
    assert_eq!(dict_head, dyad_core::research::REDCAP_HEADER.to_vec());
    assert_eq!(dict[0][0], "record_id");
    let types: BTreeMap<String, String> =
        dict.iter().map(|r| (r[0].clone(), r[3].clone())).collect();
    for (name, t) in &types {
        assert!(
            dyad_core::research::REDCAP_FIELD_TYPES.contains(&t.as_str()),
            "{name}: {t}"
        );
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name}"
        );
    }
    assert_eq!(types["phq9_1"], "radio");
    assert_eq!(types["conditions"], "checkbox");
    assert_eq!(types["self_harm_thoughts_past_month"], "yesno");
    for r in &dict {
        assert_eq!(r.len(), 18);
        assert_eq!(r[10], "", "no field is an identifier");
    }
    let (head, rows) = table(&files["records.csv"]);
    assert_eq!(&head[..2], ["record_id", "redcap_event_name"]);
    assert!(head.contains(&"dyad_code".to_string()) && head.contains(&"member_role".to_string()));
    // Five people with current consent (duo 3's A withdrew), one intake row each.
    assert_eq!(rows.len(), 5, "{rows:?}");
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    for row in &rows {
        for cell in row {
            assert_clean(cell, &real);
        }
        for h in &head {
            assert_clean(h, &real);
        }
        assert_eq!(row[col("redcap_event_name")], "intake_arm_1");
        assert!(row[col("record_id")].starts_with("R-"));
        assert!(row[col("dyad_code")].starts_with("Y-"));
    }
    for text in files.values() {
        assert_clean(text, &real);
    }
    // Offsets: the same within each duo, different between duos.
    let today: jiff::civil::Date = app.clock_now().to_string()[..10].parse().unwrap();
    let mut by_duo: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for row in &rows {
        let shifted: jiff::civil::Date = row[col("intake_date")].parse().unwrap();
        let days = (shifted - today).get_days() as i64;
        assert!((-365..=-30).contains(&days), "{days}");
        by_duo
            .entry(row[col("dyad_code")].clone())
            .or_default()
            .insert(days);
    }
    assert_eq!(by_duo.len(), 3);
    let offsets: BTreeSet<i64> = by_duo
        .values()
        .map(|o| {
            assert_eq!(o.len(), 1, "one offset within a duo");
            *o.iter().next().unwrap()
        })
        .collect();
    assert_eq!(offsets.len(), 3, "different offsets between duos");
    let roles: Vec<&str> = rows
        .iter()
        .map(|r| r[col("member_role")].as_str())
        .collect();
    assert_eq!(roles.iter().filter(|r| **r == "inviter").count(), 2);
    assert_eq!(roles.iter().filter(|r| **r == "invitee").count(), 3);

    // Stable across exports: the same codes and dates again.
    let (_, again) = get_bytes(app, &w.researcher, "/api/v1/export/research?format=redcap").await;
    assert_eq!(unzip(&again)["records.csv"], files["records.csv"]);

    // FHIR.
    let (status, bytes) =
        get_bytes(app, &w.researcher, "/api/v1/export/research?format=fhir").await;
    assert_eq!(status, StatusCode::OK);
    let bundle: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        dyad_core::research::check_r4_bundle(&bundle),
        Vec::<String>::new()
    );
    let kinds: Vec<String> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap().to_string())
        .collect();
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("Patient"), 5);
    assert_eq!(count("Group"), 3);
    assert_eq!(
        count("RelatedPerson"),
        4,
        "only where both are in the export"
    );
    assert_eq!(count("Consent"), 5);
    assert_eq!(count("QuestionnaireResponse"), 20, "four instruments each");
    let mut strings = Vec::new();
    walk_strings(&bundle, &mut strings);
    for s in &strings {
        assert_clean(s, &real);
    }

    let (status, bad) = app
        .get_bearer(&w.researcher, "/api/v1/export/research?format=pdf")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

    // Every export is in the audit trail with its filter and row count.
    let (status, audit) = app
        .get_bearer(&w.admin, "/api/v1/audit?action=export")
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let reasons: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["resource"] == "research_export")
        .filter_map(|a| a["reason"].as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("format=redcap study=DUO-2026-01") && r.contains("rows=5")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("format=fhir") && r.contains("participants=5")),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn erasure_destroys_the_key_everywhere_including_an_older_backup_and_spares_the_partner() {
    let w = world().await;
    let app = &w.app;
    let pair = &w.pairs[0];
    let a = dyad_store::duos::participant_by_id(&app.state.db, &pair.a_pid)
        .await
        .unwrap()
        .unwrap();

    // A backup taken before the erasure.
    let backup_dir = tempfile::tempdir().unwrap();
    let backup = backup_dir.path().join("before.db");
    app.state.db.backup_sqlite(&backup).await.unwrap();

    let path = format!("/api/v1/participants/{}/erasure", pair.a_pid);
    let good = json!({
        "reason": "A asked by mail on 3 May to erase everything; confirmed by phone.",
        "confirm_code": a.code,
        "legal_hold": "none",
        "research_obligations": "exported_data_kept",
    });
    // The partner and a researcher cannot; the partner is told nothing exists.
    let (status, _) = app.post_bearer(&pair.b_token, &path, good.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.post_bearer(&w.researcher, &path, good.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The checks are required and acted on.
    let (status, body) = app
        .post_bearer(
            &w.coordinator,
            &path,
            json!({"reason": "short", "confirm_code": "P-WRONG"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"].as_array().unwrap().len(), 4, "{body}");
    let mut hold = good.clone();
    hold["legal_hold"] = json!("active");
    let (status, body) = app.post_bearer(&w.coordinator, &path, hold).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let mut blocked = good.clone();
    blocked["research_obligations"] = json!("blocks_erasure");
    let (status, body) = app.post_bearer(&w.coordinator, &path, blocked).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // Nothing changed by the refusals.
    let (status, _) = app.get_bearer(&pair.a_token, "/api/v1/me/intake").await;
    assert_eq!(status, StatusCode::OK);

    let (status, done) = app.post_bearer(&w.coordinator, &path, good.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(done["checks"]["legal_hold"], "none");
    assert_eq!(done["checks"]["research_obligations"], "exported_data_kept");
    let (status, _) = app.post_bearer(&w.coordinator, &path, good.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "once only");

    // Live database: A's sealed data does not open, for the team or anyone.
    let versions = dyad_store::intake::versions_of(&app.state.db, &pair.a_pid)
        .await
        .unwrap();
    let v = versions.last().unwrap();
    let opened = app
        .state
        .sealer
        .open(
            &app.state.db,
            &pair.a_pid,
            dyad_web::api::intake::version_place(&v.id),
            &v.answers_sealed,
            app.state.now(),
        )
        .await;
    assert!(matches!(opened, Err(dyad_store::StoreError::KeyDestroyed)));
    let (status, body) = app
        .raw_bearer(
            &w.clinician,
            &format!("/api/v1/participants/{}/intake", pair.a_pid),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(!body.contains("CANARY-A0"));
    // Direct identifiers are gone; A cannot sign in; signed consents and the audit trail stay.
    let a_after = dyad_store::duos::participant_by_id(&app.state.db, &pair.a_pid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a_after.name, "Erased participant");
    assert!(!a_after.email.contains("a1@example.org"));
    let (status, _) = app
        .login(&api(), "a1@example.org", "alex's own long passphrase", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get_bearer(&pair.a_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let kept = dyad_store::duos::acceptances_of(&app.state.db, a_after.user_id.as_deref().unwrap())
        .await
        .unwrap();
    assert!(
        kept.iter().any(|a| a.kind == "research"),
        "signed consents kept"
    );
    let verified = dyad_store::audit::verify(&app.state.db).await.unwrap();
    assert!(verified.first_bad.is_none());

    // B's pathway and data work as before.
    let (status, mine) = app.get_bearer(&pair.b_token, "/api/v1/me/intake").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert!(mine.to_string().contains("CANARY-B0"));
    let (status, view) = app
        .get_bearer(
            &w.clinician,
            &format!("/api/v1/participants/{}/intake", pair.b_pid),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (status, duo) = app
        .get_bearer(&pair.b_token, &format!("/api/v1/duos/{}", pair.duo_id))
        .await;
    assert_eq!(status, StatusCode::OK, "{duo}");
    let (status, _) = app
        .post_bearer(&pair.b_token, "/api/v1/me/journal", json!({"text": "still here", "tag": "mine", "share": {"partner": false, "team": false}}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // The export leaves A out from now on.
    let (_, bytes) = get_bytes(app, &w.researcher, "/api/v1/export/research?format=redcap").await;
    let (_, rows) = table(&unzip(&bytes)["records.csv"]);
    assert_eq!(rows.len(), 4);

    // The older backup, restored as the documented drill does (the same master key and the
    // ledger beside it): A stays unreadable, B reads.
    let restored = backup_dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(&backup, restored.join("dyad.db")).unwrap();
    let data = &app.settings.data_dir;
    for f in ["master.key", "master.key.erasures"] {
        std::fs::copy(data.join(f), restored.join(f)).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            restored.join("master.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let settings = dyad::Settings {
        data_dir: restored.clone(),
        ..app.settings.clone()
    };
    // Before dyad touches it, the old copy still holds A's wrapped key: the ledger is what
    // makes it forget.
    let raw = dyad::open_db(&settings).await.unwrap();
    assert!(
        dyad_store::research::has_live_key(&raw, &pair.a_pid)
            .await
            .unwrap()
    );
    raw.pool.close().await;
    let opened = dyad::open(&settings, app.clock.as_ref()).await.unwrap();
    let old_versions = dyad_store::intake::versions_of(&opened.db, &pair.a_pid)
        .await
        .unwrap();
    let ov = old_versions.last().unwrap();
    let a_open = opened
        .sealer
        .open(
            &opened.db,
            &pair.a_pid,
            dyad_web::api::intake::version_place(&ov.id),
            &ov.answers_sealed,
            0,
        )
        .await;
    assert!(
        matches!(a_open, Err(dyad_store::StoreError::KeyDestroyed)),
        "{a_open:?}"
    );
    let b_versions = dyad_store::intake::versions_of(&opened.db, &pair.b_pid)
        .await
        .unwrap();
    let bv = b_versions.last().unwrap();
    let b_plain = opened
        .sealer
        .open(
            &opened.db,
            &pair.b_pid,
            dyad_web::api::intake::version_place(&bv.id),
            &bv.answers_sealed,
            0,
        )
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&b_plain).contains("CANARY-B0"));
}

#[tokio::test]
async fn encrypted_backup_and_restore_through_the_binary() {
    use crate::cli::{dyad, one_time_password, start};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = start(&data, &[]);
    let password = one_time_password(&run.stdout).unwrap();

    let identity = dir.path().join("backup-identity.txt");
    let out = dyad(&data, &[])
        .args(["backup-keygen", "--out"])
        .arg(&identity)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let public = said
        .split_whitespace()
        .find(|w| w.starts_with("age1"))
        .unwrap()
        .to_string();

    let backup = dir.path().join("backup.age");
    let out = dyad(&data, &[])
        .arg("backup")
        .arg(&backup)
        .args(["--recipient", &public])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    assert!(
        !bytes.windows(15).any(|w| w == b"SQLite format 3"),
        "encrypted"
    );
    assert!(!bytes.windows(16).any(|w| w == b"admin@dyad.local"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no unencrypted copy left beside it (data, identity, backup)"
    );
    let out = dyad(&data, &[])
        .arg("backup")
        .arg(dir.path().join("b2.age"))
        .args(["--recipient", "not-a-key"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    drop(run);

    // The drill: a fresh folder with the same master key; restore with the identity.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(data.join("master.key"), restored.join("master.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            restored.join("master.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let out = dyad(&restored, &[])
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "an encrypted backup needs the identity"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--identity"));
    let out = dyad(&restored, &[])
        .arg("restore")
        .arg(&backup)
        .arg("--identity")
        .arg(&identity)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Never over a live database.
    let out = dyad(&restored, &[])
        .arg("restore")
        .arg(&backup)
        .arg("--identity")
        .arg(&identity)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let run = start(&restored, &[]);
    assert!(one_time_password(&run.stdout).is_none());
    let r = api()
        .post(format!("http://127.0.0.1:{}/api/v1/auth/login", run.port))
        .json(&json!({"email": "admin@dyad.local", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_research_export_cli_writes_the_same_file_and_audits_it() {
    let w = world().await;
    let app = &w.app;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export.json");
    let said =
        dyad::privacy::export_research(&app.settings, app.clock.as_ref(), "fhir", None, &out)
            .await
            .unwrap();
    assert!(said.contains("5 participants"), "{said}");
    let bundle: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(
        dyad_core::research::check_r4_bundle(&bundle),
        Vec::<String>::new()
    );
    assert!(
        dyad::privacy::export_research(&app.settings, app.clock.as_ref(), "fhir", None, &out)
            .await
            .is_err(),
        "never overwrites"
    );
    let (_, audit) = app
        .get_bearer(&w.admin, "/api/v1/audit?action=export")
        .await;
    assert!(audit.to_string().contains("participants=5"), "{audit}");
}

/// Session-day entries about one person are sealed under that person's key: erasing A
/// shreds A's discharge (and vitals, doses, notes) while B's entries and the duo's own still
/// open, and the console still shows, with A's entries marked erased.
#[tokio::test]
async fn erasure_shreds_the_erased_persons_session_entries_and_keeps_the_partners() {
    let app = spawn_app().await;
    let closed = crate::aftercare::closed_session(&app).await;
    let pair = &closed.pair;
    let a = dyad_store::duos::participant_by_id(&app.state.db, &pair.a_pid)
        .await
        .unwrap()
        .unwrap();
    let (status, body) = app
        .post_bearer(
            &closed.admin,
            &format!("/api/v1/participants/{}/erasure", pair.a_pid),
            json!({
                "reason": "A asked in person on 4 May to erase everything.",
                "confirm_code": a.code,
                "legal_hold": "none",
                "research_obligations": "none",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Straight from the database: A's entries open with no key (not even the duo's), B's do.
    let events = dyad_store::sessions::events_of(&app.state.db, &closed.session)
        .await
        .unwrap();
    let (mut of_a, mut of_b, mut of_duo) = (0, 0, 0);
    for ev in &events {
        let open = |owner: String| {
            let (db, sealer) = (&app.state.db, &app.state.sealer);
            let (id, body) = (ev.id.clone(), ev.body_sealed.clone());
            async move {
                let place = dyad_store::sealing::Place {
                    table: "session_events",
                    row: &id,
                    field: "body",
                };
                sealer.open(db, &owner, place, &body, 0).await
            }
        };
        match ev.participant_id.as_deref() {
            Some(p) if p == pair.a_pid => {
                of_a += 1;
                assert!(matches!(
                    open(pair.a_pid.clone()).await,
                    Err(dyad_store::StoreError::KeyDestroyed)
                ));
                assert!(
                    open(pair.duo_id.clone()).await.is_err(),
                    "not under the duo key"
                );
            }
            Some(p) => {
                assert_eq!(p, pair.b_pid);
                of_b += 1;
                assert!(open(pair.b_pid.clone()).await.is_ok());
            }
            None => {
                of_duo += 1;
                assert!(open(pair.duo_id.clone()).await.is_ok());
            }
        }
    }
    assert!(
        of_a >= 1 && of_b >= 1 && of_duo >= 1,
        "{of_a} {of_b} {of_duo}"
    );

    // An entry from before entries were sealed per person (under the duo's key) still reads.
    let author = events[0].author_id.clone();
    let old_id = "entry-sealed-under-the-duo-key";
    let old_body = app
        .state
        .sealer
        .seal(
            &app.state.db,
            &pair.duo_id,
            dyad_store::sealing::Place {
                table: "session_events",
                row: old_id,
                field: "body",
            },
            br#"{"text": "OLD-DUO-SEALED note about B"}"#,
            0,
        )
        .await
        .unwrap();
    dyad_store::sessions::append_event(
        &app.state.db,
        &dyad_store::sessions::NewEvent {
            id: old_id,
            session_id: &closed.session,
            kind: "note",
            participant_id: Some(&pair.b_pid),
            corrects: None,
            author_id: &author,
            at: 0,
            body_sealed: &old_body,
            client_key: None,
        },
    )
    .await
    .unwrap();

    // The console: A's entries say erased, B's and the duo's keep their data.
    let (status, console) = app
        .get_bearer(
            &closed.facilitator,
            &format!("/api/v1/sessions/{}", closed.session),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{console}");
    let timeline = console["timeline"].as_array().unwrap();
    assert!(timeline.iter().any(|e| e["id"] == old_id));
    for entry in timeline {
        if entry["participant_id"] == json!(pair.a_pid) {
            assert_eq!(entry["data"], json!({"erased": true}), "{entry}");
        } else if entry["id"] == old_id {
            assert_eq!(entry["data"]["text"], "OLD-DUO-SEALED note about B");
        } else if entry["participant_id"] == json!(pair.b_pid) {
            assert_eq!(
                entry["data"]["checklist"]["clinician_agrees"], true,
                "{entry}"
            );
        } else {
            assert_eq!(entry["data"]["mode"], "joint", "{entry}");
        }
    }
    let (status, page) = app
        .raw_bearer(
            &closed.facilitator,
            &format!("/sessions/{}", closed.session),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Erased: this person&#39;s data was erased")
            || page.contains("Erased: this person's data was erased"),
        "the console page marks A's entries erased"
    );
}

/// `dyad erase`: the operator erases by care code with the same checks; refusals name the
/// option and erase nothing; the ledger lists the erased person; the partner is untouched.
#[tokio::test]
async fn the_erase_command_checks_like_the_page_and_erases_by_code() {
    let app = spawn_app().await;
    let (admin, _, _) = app.ready_admin().await;
    let pair = app
        .signed_up_pair("ada@example.org", "bo@example.org")
        .await;
    let a = dyad_store::duos::participant_by_id(&app.state.db, &pair.a_pid)
        .await
        .unwrap()
        .unwrap();
    let request =
        |reason: &str, hold: &str, research: &str| dyad_web::api::research::ErasureRequest {
            reason: reason.into(),
            confirm_code: String::new(),
            legal_hold: hold.into(),
            research_obligations: research.into(),
        };
    let erase = |code: String, req: dyad_web::api::research::ErasureRequest| {
        let app = &app;
        async move {
            dyad::privacy::erase(&app.settings, app.clock.as_ref(), &code, req)
                .await
                .map_err(|e| e.to_string())
        }
    };
    let reason = "Ada asked by letter on 2 June to erase everything.";
    let err = erase(a.code.clone(), request("short", "maybe", "none"))
        .await
        .unwrap_err();
    assert!(err.contains("nothing was erased"), "{err}");
    assert!(
        err.contains("--reason") && err.contains("--legal-hold"),
        "{err}"
    );
    let err = erase(a.code.clone(), request(reason, "active", "none"))
        .await
        .unwrap_err();
    assert!(err.contains("legal hold"), "{err}");
    let err = erase("P-NONE-NONE".into(), request(reason, "none", "none"))
        .await
        .unwrap_err();
    assert!(err.contains("no participant"), "{err}");
    assert!(
        dyad_store::research::erasure_of(&app.state.db, &pair.a_pid)
            .await
            .unwrap()
            .is_none()
    );

    let said = erase(a.code.to_lowercase(), request(reason, "none", "none"))
        .await
        .unwrap();
    assert!(said.contains(&a.code), "{said}");
    assert!(
        !dyad_store::research::has_live_key(&app.state.db, &pair.a_pid)
            .await
            .unwrap()
    );
    let ledger =
        std::fs::read_to_string(app.settings.data_dir.join("master.key.erasures")).unwrap();
    assert!(ledger.lines().any(|l| l == pair.a_pid), "{ledger}");
    let (status, _) = app.get_bearer(&pair.a_token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get_bearer(&pair.b_token, "/api/v1/me/intake").await;
    assert_eq!(status, StatusCode::OK);
    let (_, audit) = app.get_bearer(&admin, "/api/v1/audit?action=erase").await;
    let records = audit.as_array().unwrap();
    assert!(
        records
            .iter()
            .any(|r| r["actor_role"] == "operator" && r["outcome"] != "deny"),
        "{audit}"
    );
    assert!(
        records.iter().any(|r| r["outcome"] == "deny"),
        "the refusal is audited"
    );
    let err = erase(a.code.clone(), request(reason, "none", "none"))
        .await
        .unwrap_err();
    assert!(err.contains("already erased"), "{err}");
}
