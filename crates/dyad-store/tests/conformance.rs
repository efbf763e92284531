//! One conformance suite, two backends: every story below runs against a fresh SQLite file
//! and, when `DYAD_TEST_DATABASE_URL` is set, against a fresh PostgreSQL database.
//!
//! ```text
//! cargo test -p dyad-store --test conformance
//! DYAD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo test -p dyad-store --test conformance
//! ```

mod common;

use std::collections::BTreeSet;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use dyad_store::accounts::{self, AuthSession, NewUser, TokenProblem};
use dyad_store::audit::{self, AuditEntry, AuditFilter};
use dyad_store::sealing::{MasterKey, Place, Sealer};
use dyad_store::secrets::{random_token, token_hash};
use dyad_store::{Backend, Db, StoreError};
use tokio::task::JoinSet;

/// Declares a story's two tests: `$sqlite` always runs, `$postgres` runs when
/// `DYAD_TEST_DATABASE_URL` is set. `postgres_ignore = "..."` marks only the PostgreSQL
/// test as ignored, for a known and reported bug.
macro_rules! conformance {
    ($story:ident => $sqlite:ident, $postgres:ident $(, postgres_ignore = $reason:literal)?) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            common::run_sqlite($story).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[ignore = $reason])?
        async fn $postgres() {
            common::run_postgres(stringify!($story), $story).await;
        }
    };
}

/// A fixed "now" (UTC microseconds) so every story is deterministic.
const T0: i64 = 1_700_000_000_000_000;
const SECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

fn staff(email: &str, name: &str, roles: &[&str]) -> NewUser {
    NewUser {
        email: email.into(),
        name: name.into(),
        password_hash: format!("$test$hash-of-{name}"),
        kind: "staff".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        must_change_password: true,
        participant_id: None,
        email_verified: false,
    }
}

fn participant(email: &str, name: &str, participant_id: Option<&str>) -> NewUser {
    NewUser {
        email: email.into(),
        name: name.into(),
        password_hash: format!("$test$hash-of-{name}"),
        kind: "participant".into(),
        roles: vec![],
        must_change_password: false,
        participant_id: participant_id.map(str::to_string),
        email_verified: true,
    }
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

// --- 1. migrations ------------------------------------------------------------------------

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Number of migrations embedded for the backend (each is recorded once when applied).
fn migration_files(backend: Backend) -> i64 {
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    let n = migrator.iter().count();
    assert!(n > 0, "no {} migrations embedded", backend.as_str());
    n as i64
}

/// Counts applied migrations without `Db::ready`, in SQL both backends accept.
async fn applied_migrations(db: &Db) -> i64 {
    count(db, "SELECT COUNT(*) FROM _sqlx_migrations WHERE success").await
}

/// Writes to and reads from every migrated table, so "migrated" means usable.
async fn schema_is_usable(db: &Db) {
    let user = accounts::create_user(db, &staff("probe@example.org", "Probe", &["admin"]), T0)
        .await
        .expect("users table");
    accounts::record_failure(db, "probe", T0)
        .await
        .expect("login_throttle table");
    accounts::create_token(db, &token_hash("probe"), "probe", &user.id, T0, T0 + HOUR)
        .await
        .expect("purpose_tokens table");
    audit::append(db, &AuditEntry::new(&user.id, "admin", "probe"), T0)
        .await
        .expect("audit_log table");
    for table in [
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM auth_sessions",
        "SELECT COUNT(*) FROM recovery_codes",
        "SELECT COUNT(*) FROM purpose_tokens",
        "SELECT COUNT(*) FROM login_throttle",
        "SELECT COUNT(*) FROM data_keys",
        "SELECT COUNT(*) FROM break_glass",
        "SELECT COUNT(*) FROM audit_log",
    ] {
        count(db, table).await;
    }
}

/// Migration state checked through `Db::ready`, the readiness probe the service exposes.
async fn migrations(db: Db) {
    let migration_files = migration_files(db.backend);
    assert!(db.ready().await.expect("ready() after migrate"));
    db.migrate().await.expect("a second migrate is harmless");
    db.migrate().await.expect("a third migrate is harmless");
    assert!(db.ready().await.expect("ready() after re-migrating"));
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        migration_files,
        "re-migrating must not record migrations twice"
    );
    schema_is_usable(&db).await;

    if db.backend == Backend::Postgres {
        let admin_url = common::postgres_admin_url().expect("postgres run without its URL");
        let scratch = common::ScratchPostgres::create(&admin_url).await;
        let a = scratch.connect().await;
        let b = scratch.connect().await;
        let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
        let ready = (a.ready().await, b.ready().await);
        a.pool.close().await;
        b.pool.close().await;
        scratch.drop_database().await;
        ra.expect("first of two concurrent migrations");
        rb.expect("second of two concurrent migrations");
        assert!(ready.0.expect("ready() on pool a"));
        assert!(ready.1.expect("ready() on pool b"));
    }
}

conformance!(migrations => migrations_sqlite, migrations_postgres);

/// The same guarantees read straight from `_sqlx_migrations` rather than through
/// `Db::ready`, with several rounds of concurrent migration on PostgreSQL: a broken readiness
/// query and a broken migration lock show up as different failures.
async fn migrations_applied(db: Db) {
    let migration_files = migration_files(db.backend);
    assert_eq!(applied_migrations(&db).await, migration_files);
    db.migrate().await.expect("a second migrate is harmless");
    assert_eq!(applied_migrations(&db).await, migration_files);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM _sqlx_migrations").await,
        migration_files
    );
    schema_is_usable(&db).await;

    if db.backend == Backend::Postgres {
        let admin_url = common::postgres_admin_url().expect("postgres run without its URL");
        // A few rounds: the race window of two fresh pools is small.
        for _ in 0..3 {
            let scratch = common::ScratchPostgres::create(&admin_url).await;
            let a = scratch.connect().await;
            let b = scratch.connect().await;
            let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
            let applied = (applied_migrations(&a).await, applied_migrations(&b).await);
            let rows = count(&a, "SELECT COUNT(*) FROM _sqlx_migrations").await;
            let usable = accounts::count_users(&b).await;
            a.pool.close().await;
            b.pool.close().await;
            scratch.drop_database().await;
            ra.expect("first of two concurrent migrations");
            rb.expect("second of two concurrent migrations");
            assert_eq!(applied, (migration_files, migration_files));
            assert_eq!(rows, migration_files, "each migration recorded once");
            assert_eq!(usable.expect("users table after concurrent migrate"), 0);
        }
    }
}

conformance!(migrations_applied => migrations_applied_sqlite, migrations_applied_postgres);

// --- 2. accounts --------------------------------------------------------------------------

fn session(user_id: &str, now: i64, idle: i64, lifetime: i64) -> (String, AuthSession) {
    let token = random_token();
    let s = AuthSession {
        token_hash: token_hash(&token),
        user_id: user_id.into(),
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
        idle_micros: idle,
        expires_at: now + lifetime,
    };
    (token, s)
}

async fn accounts_story(db: Db) {
    // Create and look up, by id and by email in any case.
    let ana = accounts::create_user(
        &db,
        &staff("  Ana.Vos@Example.ORG ", "Ana Vos", &["coordinator"]),
        T0,
    )
    .await
    .expect("create staff");
    assert_eq!(ana.email, "ana.vos@example.org");
    assert_eq!(ana.name, "Ana Vos");
    assert!(ana.is_staff());
    assert!(ana.has_role("coordinator"));
    assert!(!ana.has_role("admin"));
    assert!(ana.must_change_password);
    assert!(ana.active);
    assert!(!ana.totp_enabled);
    assert_eq!(ana.totp_secret, None);
    assert_eq!(ana.totp_last_step, 0);
    assert_eq!(ana.lang, "en");
    assert_eq!(ana.created_at, T0);

    let by_id = accounts::user_by_id(&db, &ana.id)
        .await
        .unwrap()
        .expect("by id");
    assert_eq!(by_id.email, ana.email);
    for spelling in [
        "ana.vos@example.org",
        "ANA.VOS@EXAMPLE.ORG",
        " Ana.Vos@example.Org",
    ] {
        let found = accounts::user_by_email(&db, spelling)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("lookup by {spelling:?}"));
        assert_eq!(found.id, ana.id);
    }
    assert!(
        accounts::user_by_id(&db, "no-such-id")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        accounts::user_by_email(&db, "nobody@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // Duplicate email, whatever its case, is a unique violation.
    let dup = accounts::create_user(&db, &staff("ANA.VOS@example.org", "Other", &[]), T0)
        .await
        .expect_err("duplicate email must be refused");
    assert!(dup.is_unique_violation(), "{dup:?}");
    // So is a second account for the same participant; NULL participant ids do not clash.
    let p1 = accounts::create_user(
        &db,
        &participant("p1@example.org", "P One", Some("pt-1")),
        T0,
    )
    .await
    .expect("participant");
    assert!(!p1.is_staff());
    assert_eq!(p1.participant_id.as_deref(), Some("pt-1"));
    assert!(p1.email_verified);
    let dup = accounts::create_user(
        &db,
        &participant("p1b@example.org", "P One B", Some("pt-1")),
        T0,
    )
    .await
    .expect_err("second account for one participant");
    assert!(dup.is_unique_violation(), "{dup:?}");
    accounts::create_user(&db, &participant("p2@example.org", "P Two", None), T0)
        .await
        .expect("participant without id");
    accounts::create_user(&db, &participant("p3@example.org", "P Three", None), T0)
        .await
        .expect("another participant without id");
    // A failure that is not a unique violation is not reported as one.
    let mut bad_kind = staff("kind@example.org", "Kind", &[]);
    bad_kind.kind = "robot".into();
    let err = accounts::create_user(&db, &bad_kind, T0)
        .await
        .expect_err("CHECK (kind IN ...)");
    assert!(!err.is_unique_violation(), "{err:?}");
    assert_eq!(accounts::count_users(&db).await.unwrap(), 4);

    // Passwords.
    accounts::set_password(&db, &ana.id, "$test$new-hash", false, T0 + 1)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert_eq!(u.password_hash, "$test$new-hash");
    assert!(!u.must_change_password);
    accounts::set_password(&db, &ana.id, "$test$reset", true, T0 + 2)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert_eq!(u.password_hash, "$test$reset");
    assert!(u.must_change_password);

    // Roles: staff only, order kept, empty allowed.
    let roles = vec!["admin".to_string(), "clinician".to_string()];
    accounts::set_roles(&db, &ana.id, &roles, T0 + 3)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert_eq!(u.roles, roles);
    assert!(u.has_role("admin") && u.has_role("clinician") && !u.has_role("coordinator"));
    accounts::set_roles(&db, &p1.id, &roles, T0 + 3)
        .await
        .unwrap();
    let p = accounts::user_by_id(&db, &p1.id).await.unwrap().unwrap();
    assert!(p.roles.is_empty(), "participants never get staff roles");
    accounts::set_roles(&db, &ana.id, &[], T0 + 4)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert!(u.roles.is_empty());

    accounts::set_lang(&db, &ana.id, "nl").await.unwrap();
    assert_eq!(
        accounts::user_by_id(&db, &ana.id)
            .await
            .unwrap()
            .unwrap()
            .lang,
        "nl"
    );

    // Deactivation ends the user's sessions and nobody else's.
    let (_, s1) = session(&ana.id, T0, 30 * MINUTE, 12 * HOUR);
    let (_, s2) = session(&ana.id, T0, 30 * MINUTE, 12 * HOUR);
    let (_, s3) = session(&p1.id, T0, 30 * MINUTE, 12 * HOUR);
    for s in [&s1, &s2, &s3] {
        accounts::create_session(&db, s).await.unwrap();
    }
    accounts::set_active(&db, &ana.id, false, T0 + 5)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert!(!u.active);
    assert!(
        accounts::session_by_hash(&db, &s1.token_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        accounts::session_by_hash(&db, &s2.token_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        accounts::session_by_hash(&db, &s3.token_hash)
            .await
            .unwrap()
            .is_some()
    );
    accounts::set_active(&db, &ana.id, true, T0 + 6)
        .await
        .unwrap();
    assert!(
        accounts::user_by_id(&db, &ana.id)
            .await
            .unwrap()
            .unwrap()
            .active
    );

    // list_staff: staff only, ordered by name. Names share one capitalisation pattern so the
    // order does not depend on the server's collation.
    for (email, name) in [
        ("zoe@example.org", "Zoe Jansen"),
        ("bram@example.org", "Bram de Wit"),
        ("chris@example.org", "Chris Bakker"),
        ("aart@example.org", "Aart Mulder"),
    ] {
        accounts::create_user(&db, &staff(email, name, &["clinician"]), T0)
            .await
            .unwrap();
    }
    let names: Vec<String> = accounts::list_staff(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(
        names,
        [
            "Aart Mulder",
            "Ana Vos",
            "Bram de Wit",
            "Chris Bakker",
            "Zoe Jansen"
        ]
    );

    // TOTP: a pending secret, enabling, and replay refusal.
    accounts::set_totp_secret(&db, &ana.id, &[1, 2, 3, 0, 255], T0 + 7)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert_eq!(u.totp_secret.as_deref(), Some(&[1u8, 2, 3, 0, 255][..]));
    assert!(!u.totp_enabled);
    accounts::enable_totp(&db, &ana.id, 1_000, T0 + 8)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert!(u.totp_enabled);
    assert_eq!(u.totp_last_step, 1_000);
    assert!(
        !accounts::claim_totp_step(&db, &ana.id, 1_000)
            .await
            .unwrap(),
        "the enabling code cannot be replayed"
    );
    assert!(
        accounts::claim_totp_step(&db, &ana.id, 1_001)
            .await
            .unwrap()
    );
    assert!(
        !accounts::claim_totp_step(&db, &ana.id, 1_001)
            .await
            .unwrap(),
        "the same step twice"
    );
    assert!(
        !accounts::claim_totp_step(&db, &ana.id, 999).await.unwrap(),
        "an older step"
    );
    assert!(
        accounts::claim_totp_step(&db, &ana.id, 1_005)
            .await
            .unwrap()
    );
    assert_eq!(
        accounts::user_by_id(&db, &ana.id)
            .await
            .unwrap()
            .unwrap()
            .totp_last_step,
        1_005
    );
    assert!(
        !accounts::claim_totp_step(&db, "no-such-id", 5_000)
            .await
            .unwrap()
    );
    // Re-enrolling resets the flag, not the replay guard.
    accounts::set_totp_secret(&db, &ana.id, &[9], T0 + 9)
        .await
        .unwrap();
    let u = accounts::user_by_id(&db, &ana.id).await.unwrap().unwrap();
    assert!(!u.totp_enabled);
    assert_eq!(u.totp_last_step, 1_005);

    // Concurrent claims of one step: exactly one wins.
    let mut set = JoinSet::new();
    for _ in 0..6 {
        let db = db.clone();
        let id = ana.id.clone();
        set.spawn(async move { accounts::claim_totp_step(&db, &id, 2_000).await.unwrap() });
    }
    let wins = set.join_all().await.into_iter().filter(|w| *w).count();
    assert_eq!(wins, 1, "one TOTP step is accepted once");

    // Recovery codes are single-use and replaced wholesale.
    let codes = vec![token_hash("code-a"), token_hash("code-b")];
    accounts::replace_recovery_codes(&db, &ana.id, &codes)
        .await
        .unwrap();
    assert!(
        accounts::use_recovery_code(&db, &ana.id, &codes[0], T0)
            .await
            .unwrap()
    );
    assert!(
        !accounts::use_recovery_code(&db, &ana.id, &codes[0], T0)
            .await
            .unwrap()
    );
    assert!(
        !accounts::use_recovery_code(&db, &p1.id, &codes[1], T0)
            .await
            .unwrap()
    );
    accounts::replace_recovery_codes(&db, &ana.id, &[token_hash("code-c")])
        .await
        .unwrap();
    assert!(
        !accounts::use_recovery_code(&db, &ana.id, &codes[1], T0)
            .await
            .unwrap()
    );
    assert!(
        accounts::use_recovery_code(&db, &ana.id, &token_hash("code-c"), T0)
            .await
            .unwrap()
    );
}

conformance!(accounts_story => accounts_sqlite, accounts_postgres);

// --- 3. sessions --------------------------------------------------------------------------

async fn sessions(db: Db) {
    let user = accounts::create_user(&db, &staff("s@example.org", "Sam", &["clinician"]), T0)
        .await
        .unwrap();
    let other = accounts::create_user(&db, &staff("o@example.org", "Olga", &[]), T0)
        .await
        .unwrap();
    let idle = 30 * MINUTE;
    let lifetime = 8 * HOUR;
    let (token, s) = session(&user.id, T0, idle, lifetime);
    accounts::create_session(&db, &s).await.unwrap();

    let stored = accounts::session_by_hash(&db, &token_hash(&token))
        .await
        .unwrap()
        .expect("lookup by hash");
    assert_eq!(stored.token_hash, s.token_hash);
    assert_eq!(stored.user_id, user.id);
    assert_eq!(stored.csrf_token, s.csrf_token);
    assert_eq!(stored.created_at, T0);
    assert_eq!(stored.last_seen_at, T0);
    assert_eq!(stored.idle_micros, idle);
    assert_eq!(stored.expires_at, T0 + lifetime);
    assert!(
        accounts::session_by_hash(&db, &token)
            .await
            .unwrap()
            .is_none(),
        "the raw token is not a key"
    );
    assert!(
        accounts::session_by_hash(&db, &token_hash("forged"))
            .await
            .unwrap()
            .is_none()
    );

    // A session for an unknown user is refused (foreign keys are on for both backends).
    let (_, orphan) = session("no-such-user", T0, idle, lifetime);
    assert!(accounts::create_session(&db, &orphan).await.is_err());
    // The same token hash twice is refused.
    assert!(accounts::create_session(&db, &s).await.is_err());

    // Idle limit.
    assert!(stored.is_live(T0));
    assert!(stored.is_live(T0 + idle - 1));
    assert!(!stored.is_live(T0 + idle));

    // touch moves the idle deadline on; the absolute limit still holds.
    let mut now = T0;
    while now + idle / 2 < T0 + lifetime {
        now += idle / 2;
        accounts::touch_session(&db, &s.token_hash, now)
            .await
            .unwrap();
    }
    let touched = accounts::session_by_hash(&db, &s.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(touched.last_seen_at, now);
    assert_eq!(touched.created_at, T0, "touch keeps the creation time");
    assert!(
        touched.is_live(T0 + idle + 1),
        "alive past the first idle limit"
    );
    assert!(touched.is_live(T0 + lifetime - 1));
    assert!(
        !touched.is_live(T0 + lifetime),
        "the absolute lifetime ends it however recent the last touch"
    );

    // delete_session.
    accounts::delete_session(&db, &s.token_hash).await.unwrap();
    assert!(
        accounts::session_by_hash(&db, &s.token_hash)
            .await
            .unwrap()
            .is_none()
    );
    accounts::delete_session(&db, &s.token_hash).await.unwrap();

    // delete_user_sessions: counts, and spares other users.
    let mine: Vec<_> = (0..3)
        .map(|_| session(&user.id, T0, idle, lifetime).1)
        .collect();
    let (_, theirs) = session(&other.id, T0, idle, lifetime);
    for s in mine.iter().chain([&theirs]) {
        accounts::create_session(&db, s).await.unwrap();
    }
    assert_eq!(
        accounts::delete_user_sessions(&db, &user.id).await.unwrap(),
        3
    );
    assert_eq!(
        accounts::delete_user_sessions(&db, &user.id).await.unwrap(),
        0
    );
    for s in &mine {
        assert!(
            accounts::session_by_hash(&db, &s.token_hash)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        accounts::session_by_hash(&db, &theirs.token_hash)
            .await
            .unwrap()
            .is_some()
    );
    accounts::delete_session(&db, &theirs.token_hash)
        .await
        .unwrap();

    // delete_expired_sessions removes idle-expired and absolutely expired sessions only.
    let now = T0 + 10 * HOUR;
    let (_, live) = session(&user.id, now - MINUTE, idle, lifetime);
    let (_, idle_out) = session(&user.id, now - idle, idle, lifetime);
    let (_, idle_almost) = session(&user.id, now - idle + 1, idle, lifetime);
    let mut absolute_out = session(&other.id, now - lifetime, idle, lifetime).1;
    absolute_out.last_seen_at = now - SECOND; // recently touched, but past its lifetime
    let (_, absolute_almost) = session(&other.id, now - lifetime + 1, lifetime, lifetime);
    for s in [
        &live,
        &idle_out,
        &idle_almost,
        &absolute_out,
        &absolute_almost,
    ] {
        accounts::create_session(&db, s).await.unwrap();
    }
    assert_eq!(
        accounts::delete_expired_sessions(&db, now).await.unwrap(),
        2
    );
    for (s, kept) in [
        (&live, true),
        (&idle_out, false),
        (&idle_almost, true),
        (&absolute_out, false),
        (&absolute_almost, true),
    ] {
        let found = accounts::session_by_hash(&db, &s.token_hash).await.unwrap();
        assert_eq!(
            found.is_some(),
            kept,
            "session created at {}",
            s.created_at - T0
        );
        if let Some(found) = found {
            assert!(found.is_live(now), "kept sessions are live");
        }
    }
    assert_eq!(
        accounts::delete_expired_sessions(&db, now).await.unwrap(),
        0
    );
    assert_eq!(
        accounts::delete_expired_sessions(&db, now + lifetime)
            .await
            .unwrap(),
        3
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM auth_sessions").await, 0);
}

conformance!(sessions => sessions_sqlite, sessions_postgres);

// --- 4. purpose tokens --------------------------------------------------------------------

async fn purpose_tokens(db: Db) {
    let expires = T0 + HOUR;
    let link = token_hash("invite-link");
    accounts::create_token(&db, &link, "invite", "user-1", T0, expires)
        .await
        .unwrap();

    // Peek does not use it; take uses it exactly once.
    assert_eq!(
        accounts::peek_token(&db, &link, "invite", T0)
            .await
            .unwrap(),
        Ok("user-1".to_string())
    );
    assert_eq!(
        accounts::peek_token(&db, &link, "reset", T0).await.unwrap(),
        Err(TokenProblem::Unknown),
        "a token is bound to its purpose"
    );
    assert_eq!(
        accounts::take_token(&db, &link, "reset", T0).await.unwrap(),
        Err(TokenProblem::Unknown)
    );
    assert_eq!(
        accounts::take_token(&db, &link, "invite", T0 + 1)
            .await
            .unwrap(),
        Ok("user-1".to_string())
    );
    assert_eq!(
        accounts::take_token(&db, &link, "invite", T0 + 2)
            .await
            .unwrap(),
        Err(TokenProblem::Used)
    );
    assert_eq!(
        accounts::peek_token(&db, &link, "invite", T0 + 2)
            .await
            .unwrap(),
        Err(TokenProblem::Used)
    );

    // Expiry is exclusive: at `expires_at` the token is expired.
    let short = token_hash("short-lived");
    accounts::create_token(&db, &short, "reset", "user-2", T0, T0 + 10)
        .await
        .unwrap();
    assert_eq!(
        accounts::peek_token(&db, &short, "reset", T0 + 9)
            .await
            .unwrap(),
        Ok("user-2".to_string())
    );
    assert_eq!(
        accounts::take_token(&db, &short, "reset", T0 + 10)
            .await
            .unwrap(),
        Err(TokenProblem::Expired)
    );
    assert_eq!(
        accounts::take_token(&db, &short, "reset", T0 + HOUR)
            .await
            .unwrap(),
        Err(TokenProblem::Expired),
        "a failed take does not consume it"
    );

    // Forged.
    assert_eq!(
        accounts::take_token(&db, &token_hash(&random_token()), "invite", T0)
            .await
            .unwrap(),
        Err(TokenProblem::Unknown)
    );

    // Revocation hits every open token of the purpose and subject, and nothing else.
    let (r1, r2) = (token_hash("r1"), token_hash("r2"));
    let other_purpose = token_hash("r3");
    let other_subject = token_hash("r4");
    let already_used = token_hash("r5");
    accounts::create_token(&db, &r1, "verify", "user-3", T0, expires)
        .await
        .unwrap();
    accounts::create_token(&db, &r2, "verify", "user-3", T0, expires)
        .await
        .unwrap();
    accounts::create_token(&db, &other_purpose, "invite", "user-3", T0, expires)
        .await
        .unwrap();
    accounts::create_token(&db, &other_subject, "verify", "user-4", T0, expires)
        .await
        .unwrap();
    accounts::create_token(&db, &already_used, "verify", "user-3", T0, expires)
        .await
        .unwrap();
    assert!(
        accounts::take_token(&db, &already_used, "verify", T0)
            .await
            .unwrap()
            .is_ok()
    );
    accounts::revoke_tokens(&db, "verify", "user-3", T0 + 5)
        .await
        .unwrap();
    for t in [&r1, &r2] {
        assert_eq!(
            accounts::take_token(&db, t, "verify", T0 + 6)
                .await
                .unwrap(),
            Err(TokenProblem::Unknown)
        );
        assert_eq!(
            accounts::peek_token(&db, t, "verify", T0 + 6)
                .await
                .unwrap(),
            Err(TokenProblem::Unknown)
        );
    }
    assert_eq!(
        accounts::take_token(&db, &already_used, "verify", T0 + 6)
            .await
            .unwrap(),
        Err(TokenProblem::Used),
        "revoking leaves used tokens used"
    );
    assert_eq!(
        accounts::take_token(&db, &other_purpose, "invite", T0 + 6)
            .await
            .unwrap(),
        Ok("user-3".to_string())
    );
    assert_eq!(
        accounts::take_token(&db, &other_subject, "verify", T0 + 6)
            .await
            .unwrap(),
        Ok("user-4".to_string())
    );

    // Duplicate hashes are refused.
    let err = accounts::create_token(&db, &r1, "verify", "user-9", T0, expires)
        .await
        .expect_err("duplicate token hash");
    assert!(err.is_unique_violation(), "{err:?}");

    // Ten concurrent takes of one token: exactly one wins, the rest see it used.
    for round in 0..3 {
        let contested = token_hash(&format!("contested-{round}"));
        accounts::create_token(&db, &contested, "invite", "user-5", T0, expires)
            .await
            .unwrap();
        let mut set = JoinSet::new();
        for i in 0..10 {
            let db = db.clone();
            let contested = contested.clone();
            set.spawn(async move {
                accounts::take_token(&db, &contested, "invite", T0 + 100 + i)
                    .await
                    .expect("take_token under contention")
            });
        }
        let results = set.join_all().await;
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {results:?}");
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Ok(s) if s == "user-5") || *r == Err(TokenProblem::Used)),
            "round {round}: {results:?}"
        );
    }
}

conformance!(purpose_tokens => purpose_tokens_sqlite, purpose_tokens_postgres);

// --- 5. throttle --------------------------------------------------------------------------

async fn throttle(db: Db) {
    let key = "login:ana@example.org";
    let bystander = "login:bram@example.org";
    assert_eq!(accounts::blocked_until(&db, key, T0).await.unwrap(), None);

    let mut now = T0;
    for failures in 1..=30 {
        now += SECOND;
        let until = accounts::record_failure(&db, key, now).await.unwrap();
        let delay = accounts::block_after(failures);
        assert_eq!(until, now + delay, "after {failures} failures");
        let blocked = accounts::blocked_until(&db, key, now).await.unwrap();
        if failures <= accounts::FREE_FAILURES {
            assert_eq!(delay, 0);
            assert_eq!(blocked, None, "the first failures are free");
        } else {
            assert!(delay > 0);
            assert_eq!(blocked, Some(until), "after {failures} failures");
            assert_eq!(
                accounts::blocked_until(&db, key, until).await.unwrap(),
                None,
                "the block ends at its deadline"
            );
        }
        if failures >= 2 {
            assert!(
                delay >= accounts::block_after(failures - 1),
                "delays never shrink"
            );
        }
    }
    assert_eq!(
        accounts::blocked_until(&db, key, now).await.unwrap(),
        Some(now + accounts::MAX_BLOCK_MICROS),
        "capped at fifteen minutes"
    );
    assert_eq!(
        count(&db, "SELECT MAX(failures) FROM login_throttle").await,
        30
    );
    assert_eq!(
        accounts::blocked_until(&db, bystander, now).await.unwrap(),
        None
    );
    assert_eq!(
        accounts::record_failure(&db, bystander, now).await.unwrap(),
        now
    );

    accounts::clear_failures(&db, key).await.unwrap();
    assert_eq!(accounts::blocked_until(&db, key, now).await.unwrap(), None);
    assert_eq!(
        accounts::record_failure(&db, key, now).await.unwrap(),
        now,
        "clearing starts the count again"
    );
    for _ in 0..3 {
        accounts::record_failure(&db, key, now).await.unwrap();
    }
    assert_eq!(
        accounts::blocked_until(&db, key, now).await.unwrap(),
        Some(now + SECOND),
        "the fourth failure after a clear blocks for one second"
    );
    accounts::clear_failures(&db, "never-failed").await.unwrap();

    // Concurrent failures are all counted.
    let racer = "login:racer@example.org";
    let mut set = JoinSet::new();
    for _ in 0..8 {
        let db = db.clone();
        set.spawn(async move { accounts::record_failure(&db, racer, T0).await.unwrap() });
    }
    set.join_all().await;
    let failures: i64 =
        sqlx::query_scalar("SELECT failures FROM login_throttle WHERE throttle_key = $1")
            .bind(racer)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(failures, 8);
}

conformance!(throttle => throttle_sqlite, throttle_postgres);

// --- 6. break-glass -----------------------------------------------------------------------

async fn break_glass(db: Db) {
    let a = accounts::create_user(&db, &staff("a@example.org", "Anne", &["clinician"]), T0)
        .await
        .unwrap();
    let b = accounts::create_user(&db, &staff("b@example.org", "Bert", &["clinician"]), T0)
        .await
        .unwrap();
    let c = accounts::create_user(&db, &staff("c@example.org", "Cees", &["clinician"]), T0)
        .await
        .unwrap();

    let g1 = accounts::grant_break_glass(&db, &a.id, "duo-1", "night shift", T0, T0 + 100)
        .await
        .unwrap();
    let g2 = accounts::grant_break_glass(&db, &b.id, "duo-1", "covering", T0 + 10, T0 + 50)
        .await
        .unwrap();
    let g3 = accounts::grant_break_glass(&db, &a.id, "duo-2", "urgent call", T0 + 20, T0 + 1000)
        .await
        .unwrap();
    let g4 = accounts::grant_break_glass(&db, &a.id, "duo-1", "again", T0 + 30, T0 + 200)
        .await
        .unwrap();
    let g5 = accounts::grant_break_glass(&db, &c.id, "duo-1", "already over", T0 + 5, T0 + 5)
        .await
        .unwrap();
    assert_eq!(g1.user_id, a.id);
    assert_eq!(g1.duo_id, "duo-1");
    assert_ne!(g1.id, g4.id);

    assert!(
        accounts::grant_break_glass(&db, "no-such-user", "duo-1", "x", T0, T0 + 1)
            .await
            .is_err(),
        "grants reference real users"
    );

    let active = |duo: &'static str, now: i64| {
        let db = db.clone();
        async move {
            accounts::active_break_glass_users(&db, duo, now)
                .await
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>()
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut ab = vec![a.id.clone(), b.id.clone()];
    ab.sort();
    let got = active("duo-1", T0 + 20).await;
    assert_eq!(
        got.len(),
        2,
        "one entry per user despite two grants: {got:?}"
    );
    assert_eq!(sorted(got), ab);
    assert_eq!(active("duo-1", T0 + 49).await.len(), 2);
    assert_eq!(
        active("duo-1", T0 + 50).await,
        vec![a.id.clone()],
        "expiry is exclusive"
    );
    assert_eq!(
        active("duo-1", T0 + 150).await,
        vec![a.id.clone()],
        "the later grant"
    );
    assert!(active("duo-1", T0 + 200).await.is_empty());
    assert_eq!(active("duo-2", T0 + 500).await, vec![a.id.clone()]);
    assert!(active("duo-3", T0).await.is_empty());

    let recent = accounts::recent_break_glass(&db, 3).await.unwrap();
    let ids: Vec<&str> = recent.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        ids,
        [g4.id.as_str(), g3.id.as_str(), g2.id.as_str()],
        "newest first"
    );
    let first = &recent[0];
    assert_eq!(first.user_id, a.id);
    assert_eq!(first.duo_id, "duo-1");
    assert_eq!(first.reason, "again");
    assert_eq!(first.granted_at, T0 + 30);
    assert_eq!(first.expires_at, T0 + 200);
    let all = accounts::recent_break_glass(&db, 100).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        ids,
        [&g4.id, &g3.id, &g2.id, &g5.id, &g1.id].map(String::as_str)
    );
}

conformance!(break_glass => break_glass_sqlite, break_glass_postgres);

// --- 7. sealing ---------------------------------------------------------------------------

const ANSWERS: Place<'static> = Place {
    table: "intakes",
    row: "intake-1",
    field: "answers",
};

async fn wrapped_key(db: &Db, owner: &str) -> Option<(Option<Vec<u8>>, String, Option<i64>)> {
    sqlx::query_as(
        "SELECT wrapped_key, master_key_id, destroyed_at FROM data_keys WHERE owner_id = $1",
    )
    .bind(owner)
    .fetch_optional(&db.pool)
    .await
    .unwrap()
}

/// True when some 32-byte window of `bytes`, used as a data key, opens `sealed`: that is,
/// when the stored row holds the data key in the clear.
fn holds_plain_key(bytes: &[u8], owner: &str, place: Place<'_>, sealed: &[u8]) -> bool {
    let aad = format!(
        "dyad/v1|{}|{}|{}|{}",
        owner, place.table, place.row, place.field
    );
    let (nonce, ct) = sealed[1..].split_at(24);
    bytes.windows(32).any(|window| {
        XChaCha20Poly1305::new(window.into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .is_ok()
    })
}

async fn sealing(db: Db) {
    let sealer = Sealer::new(MasterKey::generate());
    let text = b"I take sertraline 50 mg";

    // Round trip per owner; the same plaintext seals differently each time and per owner.
    let p1 = sealer.seal(&db, "p1", ANSWERS, text, T0).await.unwrap();
    let p1_again = sealer.seal(&db, "p1", ANSWERS, text, T0).await.unwrap();
    let p2 = sealer.seal(&db, "p2", ANSWERS, text, T0).await.unwrap();
    assert_ne!(p1, p1_again, "fresh nonce per seal");
    assert!(!p1.windows(10).any(|w| w == b"sertraline"));
    for (owner, sealed) in [("p1", &p1), ("p1", &p1_again), ("p2", &p2)] {
        assert_eq!(
            sealer.open(&db, owner, ANSWERS, sealed, T0).await.unwrap(),
            text
        );
    }
    let empty = sealer.seal(&db, "p1", ANSWERS, b"", T0).await.unwrap();
    assert_eq!(
        sealer.open(&db, "p1", ANSWERS, &empty, T0).await.unwrap(),
        b""
    );

    // A ciphertext moved to another row, field, table or owner does not open.
    for (owner, place) in [
        (
            "p1",
            Place {
                row: "intake-2",
                ..ANSWERS
            },
        ),
        (
            "p1",
            Place {
                field: "notes",
                ..ANSWERS
            },
        ),
        (
            "p1",
            Place {
                table: "journal",
                ..ANSWERS
            },
        ),
        ("p2", ANSWERS),
    ] {
        let err = sealer
            .open(&db, owner, place, &p1, T0)
            .await
            .expect_err("moved ciphertext must not open");
        assert!(
            matches!(err, StoreError::Unseal),
            "{place:?} for {owner}: {err:?}"
        );
    }
    let mut flipped = p1.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert!(matches!(
        sealer.open(&db, "p1", ANSWERS, &flipped, T0).await,
        Err(StoreError::Unseal)
    ));

    // The data key row: one per owner, wrapped, naming the master key, not the key itself.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM data_keys").await, 2);
    let (wrapped, master_id, destroyed) = wrapped_key(&db, "p1").await.expect("p1 key row");
    let wrapped = wrapped.expect("live key is stored");
    assert_eq!(master_id, sealer.master_key_id());
    assert_eq!(destroyed, None);
    assert_eq!(
        wrapped.len(),
        1 + 24 + 32 + 16,
        "version, nonce, wrapped key, tag"
    );
    assert!(
        !holds_plain_key(&wrapped, "p1", ANSWERS, &p1),
        "plaintext data key in the row"
    );
    let all_key_bytes: Vec<u8> = sqlx::query_scalar::<_, Vec<u8>>(
        "SELECT wrapped_key FROM data_keys WHERE wrapped_key IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .concat();
    assert!(!holds_plain_key(&all_key_bytes, "p2", ANSWERS, &p2));
    // A different master key cannot unwrap the stored data keys.
    let stranger = Sealer::new(MasterKey::generate());
    assert!(matches!(
        stranger.open(&db, "p1", ANSWERS, &p1, T0).await,
        Err(StoreError::Unseal)
    ));

    // Destroying p1's key: p1's data is gone for good, p2's still opens.
    sealer.destroy(&db, "p1", T0 + HOUR).await.unwrap();
    for sealed in [&p1, &p1_again] {
        assert!(matches!(
            sealer.open(&db, "p1", ANSWERS, sealed, T0 + HOUR).await,
            Err(StoreError::KeyDestroyed)
        ));
    }
    assert!(
        matches!(
            sealer.seal(&db, "p1", ANSWERS, text, T0 + HOUR).await,
            Err(StoreError::KeyDestroyed)
        ),
        "a destroyed owner gets no new key"
    );
    let (wrapped, _, destroyed) = wrapped_key(&db, "p1").await.unwrap();
    assert_eq!(wrapped, None);
    assert_eq!(destroyed, Some(T0 + HOUR));
    assert_eq!(
        sealer.open(&db, "p2", ANSWERS, &p2, T0).await.unwrap(),
        text
    );
    sealer.destroy(&db, "p1", T0 + 2 * HOUR).await.unwrap();
    // Destroying an owner never seen before also bars it.
    sealer.destroy(&db, "p-never", T0).await.unwrap();
    assert!(matches!(
        sealer.seal(&db, "p-never", ANSWERS, text, T0).await,
        Err(StoreError::KeyDestroyed)
    ));

    // Rotation to a new master key.
    let p3 = sealer.seal(&db, "p3", ANSWERS, b"third", T0).await.unwrap();
    let new_master = MasterKey::generate();
    let new_id = new_master.id().to_string();
    assert_ne!(new_id, sealer.master_key_id());
    assert_eq!(
        sealer.rotate(&db, &new_master).await.unwrap(),
        2,
        "p2 and p3"
    );
    let rotated = Sealer::new(new_master);
    assert_eq!(
        rotated.open(&db, "p2", ANSWERS, &p2, T0).await.unwrap(),
        text
    );
    assert_eq!(
        rotated.open(&db, "p3", ANSWERS, &p3, T0).await.unwrap(),
        b"third"
    );
    for (owner, sealed) in [("p2", &p2), ("p3", &p3)] {
        assert!(
            matches!(
                sealer.open(&db, owner, ANSWERS, sealed, T0).await,
                Err(StoreError::Unseal)
            ),
            "the old master key can no longer unwrap {owner}'s key"
        );
        assert_eq!(wrapped_key(&db, owner).await.unwrap().1, new_id);
    }
    assert!(matches!(
        rotated.open(&db, "p1", ANSWERS, &p1, T0).await,
        Err(StoreError::KeyDestroyed)
    ));
    // Data sealed after rotation opens with the new key only.
    let p2_new = rotated
        .seal(&db, "p2", ANSWERS, b"after", T0)
        .await
        .unwrap();
    assert_eq!(
        rotated.open(&db, "p2", ANSWERS, &p2_new, T0).await.unwrap(),
        b"after"
    );
    // A second rotation by a sealer that holds the wrong key fails and changes nothing.
    assert!(sealer.rotate(&db, &MasterKey::generate()).await.is_err());
    assert_eq!(
        rotated.open(&db, "p3", ANSWERS, &p3, T0).await.unwrap(),
        b"third"
    );

    // Concurrent first use of one owner's key: one key, and it opens every task's value.
    let mut set = JoinSet::new();
    for i in 0..8 {
        let db = db.clone();
        let sealer = rotated.clone();
        set.spawn(async move {
            let row = format!("row-{i}");
            let place = Place {
                row: &row,
                ..ANSWERS
            };
            let msg = format!("message {i}");
            let sealed = sealer
                .seal(&db, "racer", place, msg.as_bytes(), T0)
                .await
                .expect("concurrent first seal");
            (row, msg, sealed)
        });
    }
    let sealed = set.join_all().await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_keys WHERE owner_id = $1")
        .bind("racer")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    for (row, msg, ct) in &sealed {
        let place = Place { row, ..ANSWERS };
        assert_eq!(
            rotated.open(&db, "racer", place, ct, T0).await.unwrap(),
            msg.as_bytes(),
            "{row} sealed under a key that lost the race"
        );
    }
}

conformance!(sealing => sealing_sqlite, sealing_postgres);

// --- 8. audit -----------------------------------------------------------------------------

type AuditRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

async fn audit_rows(db: &Db) -> Vec<AuditRow> {
    sqlx::query_as(
        "SELECT seq, at, actor_id, actor_role, action, subject_id, resource, outcome, reason, \
         flags, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

async fn insert_audit_rows(db: &Db, rows: &[AuditRow]) {
    let mut tx = db.pool.begin().await.unwrap();
    for r in rows {
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, actor_role, action, subject_id, resource, \
             outcome, reason, flags, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(r.0)
        .bind(r.1)
        .bind(&r.2)
        .bind(&r.3)
        .bind(&r.4)
        .bind(&r.5)
        .bind(&r.6)
        .bind(&r.7)
        .bind(&r.8)
        .bind(&r.9)
        .bind(&r.10)
        .bind(&r.11)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Puts the pristine chain back, so each tampering works on its own copy.
async fn restore_chain(db: &Db, pristine: &[AuditRow]) {
    sqlx::query("DELETE FROM audit_log")
        .execute(&db.pool)
        .await
        .unwrap();
    insert_audit_rows(db, pristine).await;
    let report = audit::verify(db).await.unwrap();
    assert!(report.ok(), "restored chain verifies: {report:?}");
    assert_eq!(report.records, pristine.len() as u64);
}

async fn exec(db: &Db, sql: &'static str, seq: i64) {
    let done = sqlx::query(sql)
        .bind(seq)
        .execute(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert!(done.rows_affected() >= 1, "{sql} touched no row");
}

fn entry(i: i64) -> AuditEntry {
    AuditEntry::new(
        &format!("actor-{}", i % 3),
        "clinician",
        ["view", "edit"][(i % 2) as usize],
    )
    .subject(&format!("duo-{}", i % 4))
    .resource(&format!("intake/{i}"))
    .reason(if i % 5 == 0 { "break-glass" } else { "" })
    .flags(if i % 7 == 0 { "emergency" } else { "" })
}

async fn audit_chain(db: Db) {
    const N: i64 = 12;
    let empty = audit::verify(&db).await.unwrap();
    assert!(empty.ok());
    assert_eq!(empty.records, 0);

    for i in 1..=N {
        let seq = audit::append(&db, &entry(i), T0 + i * SECOND)
            .await
            .unwrap();
        assert_eq!(seq, i, "sequence numbers start at 1 and have no gaps");
    }
    let report = audit::verify(&db).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.records, N as u64);
    let pristine = audit_rows(&db).await;
    assert_eq!(pristine.len(), N as usize);
    assert_eq!(
        pristine[0].10,
        "0".repeat(64),
        "the chain starts at the genesis hash"
    );
    for pair in pristine.windows(2) {
        assert_eq!(
            pair[1].10, pair[0].11,
            "each record links to its predecessor"
        );
    }

    let expect_bad = |report: audit::VerifyReport, seq: i64, what: &str| {
        let (bad, why) = report
            .first_bad
            .clone()
            .unwrap_or_else(|| panic!("{what}: tampering went unnoticed"));
        assert_eq!(bad, seq, "{what}: {why}");
        assert_eq!(
            report.records,
            (seq - 1) as u64,
            "{what}: records before the break"
        );
    };

    // UPDATE one field of record k.
    let k = 7;
    let updates: [(&str, &'static str); 11] = [
        ("at", "UPDATE audit_log SET at = at + 1 WHERE seq = $1"),
        (
            "actor_id",
            "UPDATE audit_log SET actor_id = 'mallory' WHERE seq = $1",
        ),
        (
            "actor_role",
            "UPDATE audit_log SET actor_role = 'admin' WHERE seq = $1",
        ),
        (
            "action",
            "UPDATE audit_log SET action = 'noop' WHERE seq = $1",
        ),
        (
            "subject_id",
            "UPDATE audit_log SET subject_id = 'duo-x' WHERE seq = $1",
        ),
        (
            "resource",
            "UPDATE audit_log SET resource = '' WHERE seq = $1",
        ),
        (
            "outcome",
            "UPDATE audit_log SET outcome = 'denied' WHERE seq = $1",
        ),
        (
            "reason",
            "UPDATE audit_log SET reason = 'routine' WHERE seq = $1",
        ),
        ("flags", "UPDATE audit_log SET flags = 'x' WHERE seq = $1"),
        (
            "prev_hash",
            "UPDATE audit_log SET prev_hash = hash WHERE seq = $1",
        ),
        (
            "hash",
            "UPDATE audit_log SET hash = prev_hash WHERE seq = $1",
        ),
    ];
    for (field, sql) in updates {
        restore_chain(&db, &pristine).await;
        exec(&db, sql, k).await;
        expect_bad(
            audit::verify(&db).await.unwrap(),
            k,
            &format!("UPDATE {field}"),
        );
    }
    // UPDATE of the first and the last record.
    for seq in [1, N] {
        restore_chain(&db, &pristine).await;
        exec(
            &db,
            "UPDATE audit_log SET outcome = 'denied' WHERE seq = $1",
            seq,
        )
        .await;
        expect_bad(
            audit::verify(&db).await.unwrap(),
            seq,
            "UPDATE at the chain's end",
        );
    }
    // Rewriting record k together with its own hash breaks the link of record k + 1.
    restore_chain(&db, &pristine).await;
    let r = &pristine[(k - 1) as usize];
    let forged = AuditEntry::new(&r.2, &r.3, &r.4)
        .subject(&r.5)
        .resource(&r.6)
        .outcome("denied")
        .reason(&r.8)
        .flags(&r.9);
    let forged_hash = audit::record_hash(&r.10, k, r.1, &forged);
    sqlx::query("UPDATE audit_log SET outcome = 'denied', hash = $1 WHERE seq = $2")
        .bind(&forged_hash)
        .bind(k)
        .execute(&db.pool)
        .await
        .unwrap();
    expect_bad(
        audit::verify(&db).await.unwrap(),
        k + 1,
        "rewrite with rehash",
    );

    // DELETE record k (k < N), including the first.
    for seq in [k, 1, N - 1] {
        restore_chain(&db, &pristine).await;
        exec(&db, "DELETE FROM audit_log WHERE seq = $1", seq).await;
        expect_bad(
            audit::verify(&db).await.unwrap(),
            seq,
            &format!("DELETE {seq}"),
        );
    }

    // Reorder: swap the whole content (all but seq) of records j and k.
    let (j, k) = (4, 9);
    restore_chain(&db, &pristine).await;
    let mut swapped = pristine.clone();
    let (mut a, mut b) = (
        swapped[(j - 1) as usize].clone(),
        swapped[(k - 1) as usize].clone(),
    );
    (a.0, b.0) = (k, j);
    swapped[(j - 1) as usize] = b;
    swapped[(k - 1) as usize] = a;
    sqlx::query("DELETE FROM audit_log")
        .execute(&db.pool)
        .await
        .unwrap();
    insert_audit_rows(&db, &swapped).await;
    expect_bad(audit::verify(&db).await.unwrap(), j, "swap of two records");
    // Reorder by renumbering two neighbours.
    restore_chain(&db, &pristine).await;
    exec(&db, "UPDATE audit_log SET seq = -1 WHERE seq = $1", 5).await;
    exec(&db, "UPDATE audit_log SET seq = 5 WHERE seq = $1", 6).await;
    exec(&db, "UPDATE audit_log SET seq = 6 WHERE seq = $1", -1).await;
    expect_bad(
        audit::verify(&db).await.unwrap(),
        5,
        "renumbered neighbours",
    );
    // Swap only the payload of two records, keeping their hashes in place.
    restore_chain(&db, &pristine).await;
    let mut payload_swapped = pristine.clone();
    let (a, b) = (
        payload_swapped[(j - 1) as usize].clone(),
        payload_swapped[(k - 1) as usize].clone(),
    );
    let pj = &mut payload_swapped[(j - 1) as usize];
    (pj.1, pj.2, pj.3, pj.4, pj.5, pj.6, pj.7, pj.8, pj.9) =
        (b.1, b.2, b.3, b.4, b.5, b.6, b.7, b.8, b.9);
    let pk = &mut payload_swapped[(k - 1) as usize];
    (pk.1, pk.2, pk.3, pk.4, pk.5, pk.6, pk.7, pk.8, pk.9) =
        (a.1, a.2, a.3, a.4, a.5, a.6, a.7, a.8, a.9);
    sqlx::query("DELETE FROM audit_log")
        .execute(&db.pool)
        .await
        .unwrap();
    insert_audit_rows(&db, &payload_swapped).await;
    expect_bad(audit::verify(&db).await.unwrap(), j, "payload swap");

    // Back to the pristine chain: appending continues it.
    restore_chain(&db, &pristine).await;
    assert_eq!(audit::append(&db, &entry(N + 1), T0).await.unwrap(), N + 1);
    assert!(audit::verify(&db).await.unwrap().ok());
}

conformance!(audit_chain => audit_chain_sqlite, audit_chain_postgres);

async fn audit_concurrent(db: Db) {
    const TASKS: i64 = 50;
    let mut set = JoinSet::new();
    for i in 0..TASKS {
        let db = db.clone();
        set.spawn(async move {
            audit::append(&db, &entry(i), T0 + i)
                .await
                .expect("concurrent append")
        });
    }
    let seqs: BTreeSet<i64> = set.join_all().await.into_iter().collect();
    assert_eq!(
        seqs,
        (1..=TASKS).collect::<BTreeSet<_>>(),
        "every append got its own sequence number, without gaps"
    );
    let report = audit::verify(&db).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.records, TASKS as u64);
    let rows = audit_rows(&db).await;
    assert_eq!(rows.len() as i64, TASKS);
    let resources: BTreeSet<&str> = rows.iter().map(|r| r.6.as_str()).collect();
    assert_eq!(
        resources.len() as i64,
        TASKS,
        "no append lost or duplicated"
    );
}

conformance!(audit_concurrent => audit_concurrent_sqlite, audit_concurrent_postgres);

/// Two instances' worth of appenders at once: each instance writes its waiting records in
/// groups, the instances race each other for the tail, and the chain stays one chain.
async fn audit_groups_from_two_instances(db: Db) {
    const PER_INSTANCE: i64 = 60;
    let other = db.with_own_audit_queue();
    let mut set = JoinSet::new();
    for i in 0..PER_INSTANCE * 2 {
        let db = if i % 2 == 0 {
            db.clone()
        } else {
            other.clone()
        };
        set.spawn(async move {
            audit::append(&db, &entry(i), T0 + i)
                .await
                .expect("append from either instance")
        });
    }
    let seqs: BTreeSet<i64> = set.join_all().await.into_iter().collect();
    assert_eq!(
        seqs,
        (1..=PER_INSTANCE * 2).collect::<BTreeSet<_>>(),
        "every append got its own sequence number, without gaps"
    );
    let report = audit::verify(&db).await.unwrap();
    assert!(report.ok(), "{report:?}");
    let resources: BTreeSet<String> = audit_rows(&db).await.into_iter().map(|r| r.6).collect();
    assert_eq!(
        resources.len() as i64,
        PER_INSTANCE * 2,
        "none lost or doubled"
    );
    // A record appended alone afterwards follows straight on.
    let next = audit::append(&other, &entry(1000), T0 + 1000)
        .await
        .unwrap();
    assert_eq!(next, PER_INSTANCE * 2 + 1);
    assert!(audit::verify(&db).await.unwrap().ok());
}

conformance!(audit_groups_from_two_instances => audit_groups_two_instances_sqlite, audit_groups_two_instances_postgres);

/// Connections are set up for small queries: no JIT compilation on PostgreSQL, and the
/// planner's statistics can be gathered after a bulk load on either backend.
async fn planner_settings(db: Db) {
    if db.backend == Backend::Postgres {
        for _ in 0..3 {
            let jit: String = sqlx::query_scalar("SHOW jit")
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(jit, "off", "every pooled connection has JIT off");
        }
    }
    db.refresh_statistics().await.expect("statistics gathered");
}

conformance!(planner_settings => planner_settings_sqlite, planner_settings_postgres);

/// What `audit::list` should return, computed from the rows themselves.
fn expected_list(rows: &[AuditRow], f: &AuditFilter) -> Vec<i64> {
    let mut out: Vec<i64> = rows
        .iter()
        .filter(|r| f.actor_id.as_ref().is_none_or(|a| &r.2 == a))
        .filter(|r| f.subject_id.as_ref().is_none_or(|s| &r.5 == s))
        .filter(|r| f.action.as_ref().is_none_or(|a| &r.4 == a))
        .filter(|r| f.since.is_none_or(|t| r.1 >= t))
        .filter(|r| f.until.is_none_or(|t| r.1 <= t))
        .filter(|r| f.before_seq.is_none_or(|s| r.0 < s))
        .map(|r| r.0)
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.truncate(f.limit.clamp(1, 500) as usize);
    out
}

async fn listed(db: &Db, f: &AuditFilter) -> Vec<i64> {
    audit::list(db, f)
        .await
        .unwrap_or_else(|e| panic!("list {f:?}: {e}"))
        .into_iter()
        .map(|r| r.seq)
        .collect()
}

async fn audit_list(db: Db) {
    const N: i64 = 30;
    for i in 1..=N {
        audit::append(&db, &entry(i), T0 + i * 10).await.unwrap();
    }
    let rows = audit_rows(&db).await;
    let all = AuditFilter {
        limit: 100,
        ..Default::default()
    };
    let got = listed(&db, &all).await;
    assert_eq!(got, (1..=N).rev().collect::<Vec<_>>(), "newest first");

    let records = audit::list(&db, &all).await.unwrap();
    let newest = &records[0];
    let want = &rows[(N - 1) as usize];
    assert_eq!(
        (
            newest.at,
            &newest.actor_id,
            &newest.actor_role,
            &newest.action,
            &newest.subject_id,
            &newest.resource,
            &newest.outcome,
            &newest.reason,
            &newest.flags,
            &newest.prev_hash,
            &newest.hash
        ),
        (
            want.1, &want.2, &want.3, &want.4, &want.5, &want.6, &want.7, &want.8, &want.9,
            &want.10, &want.11
        )
    );

    let s = |v: &str| Some(v.to_string());
    let filters = [
        AuditFilter {
            actor_id: s("actor-1"),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            subject_id: s("duo-2"),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            action: s("edit"),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            since: Some(T0 + 100),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            until: Some(T0 + 100),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            since: Some(T0 + 55),
            until: Some(T0 + 205),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            before_seq: Some(11),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            actor_id: s("actor-0"),
            subject_id: s("duo-1"),
            action: s("view"),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            actor_id: s("actor-2"),
            since: Some(T0 + 50),
            before_seq: Some(26),
            limit: 3,
            ..Default::default()
        },
        AuditFilter {
            actor_id: s("nobody"),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            actor_id: s("' OR '1'='1"),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            subject_id: s("duo-1' --"),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            since: Some(T0 + 1000),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            before_seq: Some(1),
            limit: 100,
            ..Default::default()
        },
        AuditFilter {
            limit: 5,
            ..Default::default()
        },
    ];
    for f in &filters {
        let got = listed(&db, f).await;
        let want = expected_list(&rows, f);
        assert_eq!(got, want, "{f:?}");
    }
    // The filters are not vacuous.
    assert_eq!(listed(&db, &filters[0]).await.len(), 10);
    assert_eq!(
        listed(&db, &filters[5]).await,
        (6..=20).rev().collect::<Vec<_>>()
    );
    assert!(listed(&db, &filters[9]).await.is_empty());
    assert!(
        listed(&db, &filters[10]).await.is_empty(),
        "filters are bound, not spliced"
    );

    // Paging with before_seq walks the whole trail once, newest first.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = listed(
            &db,
            &AuditFilter {
                before_seq: before,
                limit: 7,
                ..Default::default()
            },
        )
        .await;
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        before = page.last().copied();
        paged.extend(page);
    }
    assert_eq!(paged, (1..=N).rev().collect::<Vec<_>>());

    // The limit is clamped to 1..=500. Extend the chain (valid links, written in bulk).
    let mut prev = rows.last().unwrap().11.clone();
    let mut extra = Vec::new();
    for seq in N + 1..=N + 520 {
        let at = T0 + seq * 10;
        let e = entry(seq);
        let hash = audit::record_hash(&prev, seq, at, &e);
        extra.push((
            seq,
            at,
            e.actor_id,
            e.actor_role,
            e.action,
            e.subject_id,
            e.resource,
            e.outcome,
            e.reason,
            e.flags,
            prev,
            hash.clone(),
        ));
        prev = hash;
    }
    insert_audit_rows(&db, &extra).await;
    let report = audit::verify(&db).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.records, (N + 520) as u64);
    for (limit, len) in [
        (0, 1),
        (-7, 1),
        (1, 1),
        (499, 499),
        (500, 500),
        (501, 500),
        (i64::MAX, 500),
    ] {
        let got = listed(
            &db,
            &AuditFilter {
                limit,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(got.len(), len, "limit {limit}");
        assert_eq!(got[0], N + 520, "limit {limit}: newest first");
    }
}

conformance!(audit_list => audit_list_sqlite, audit_list_postgres);

// --- 12. jobs -----------------------------------------------------------------------------

/// Durable jobs: enqueued once per key, claimed by exactly one of several concurrent
/// workers (as several instances would), retried with backoff, done once.
async fn jobs_story(db: Db) {
    use dyad_store::jobs;
    let now = 1_000_000_000_000;
    for i in 0..40 {
        assert!(
            jobs::enqueue(
                &db,
                "test",
                &format!("key-{i}"),
                &format!("{i}"),
                now - 1,
                now
            )
            .await
            .unwrap()
        );
    }
    assert!(
        !jobs::enqueue(&db, "test", "key-0", "again", now, now)
            .await
            .unwrap(),
        "one job per key"
    );
    // Four workers claim at the same moment; every job goes to exactly one of them.
    let lease = now + 60_000_000;
    let (a, b, c, d) = tokio::join!(
        jobs::claim(&db, "w1", now, lease, 40),
        jobs::claim(&db, "w2", now, lease, 40),
        jobs::claim(&db, "w3", now, lease, 40),
        jobs::claim(&db, "w4", now, lease, 40),
    );
    let mut ids: Vec<String> = [a.unwrap(), b.unwrap(), c.unwrap(), d.unwrap()]
        .into_iter()
        .flatten()
        .map(|j| j.id)
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(total, 40, "every due job claimed");
    assert_eq!(ids.len(), 40, "no job claimed twice");
    // Leased jobs are not handed out again until the lease ends.
    assert!(
        jobs::claim(&db, "w5", now + 1, lease, 40)
            .await
            .unwrap()
            .is_empty()
    );
    // A failed job comes back after its backoff, not before.
    let job = jobs::claim(&db, "w6", lease + 1, lease + 60_000_000, 1)
        .await
        .unwrap()
        .remove(0);
    jobs::retry_later(&db, &job.id, job.attempts, "smtp down", lease + 1)
        .await
        .unwrap();
    assert!(
        jobs::claim(&db, "w7", lease + 2, lease + 120_000_000, 40)
            .await
            .unwrap()
            .iter()
            .all(|j| j.id != job.id)
    );
    // Completion counts once, and only for the worker holding the lease.
    let later = lease + 10 * 60_000_000;
    let again = jobs::claim(&db, "w8", later, later + 60_000_000, 40)
        .await
        .unwrap();
    let first = &again[0];
    assert!(
        !jobs::complete(&db, &first.id, "someone-else", later)
            .await
            .unwrap()
    );
    assert!(jobs::complete(&db, &first.id, "w8", later).await.unwrap());
    assert!(!jobs::complete(&db, &first.id, "w8", later).await.unwrap());
    let done = jobs::all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, _, d)| *d)
        .count();
    assert_eq!(done, 1);
}

conformance!(jobs_story => jobs_sqlite, jobs_postgres);

// --- aftercare: check-ins and alerts --------------------------------------------------------

async fn aftercare_story(db: Db) {
    use dyad_store::aftercare::{self as care, Alert, AlertNote, CheckIn};
    let day = 24 * HOUR;
    sqlx::query("INSERT INTO duos (id, code, relationship, phase, phase_since, created_at) VALUES ('duo-1', 'D-AFTR-CARE', 'couple', 'integration', $1, $1)")
        .bind(T0)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO participants (id, duo_id, code, member_role, created_at) VALUES ('p-a', 'duo-1', 'P-AAAA-AAAA', 'inviter', $1)")
        .bind(T0)
        .execute(&db.pool)
        .await
        .unwrap();
    let clinician =
        accounts::create_user(&db, &staff("mira@example.org", "Mira", &["clinician"]), T0)
            .await
            .unwrap();
    let planned = CheckIn {
        id: "c-1".into(),
        participant_id: "p-a".into(),
        duo_id: "duo-1".into(),
        session_id: "s-1".into(),
        point: "week_2".into(),
        instruments: vec!["phq9".into(), "gad7".into()],
        due_at: T0 + day,
        closes_at: T0 + 2 * day,
        answered_at: None,
        answers_sealed: None,
        created_at: T0,
    };
    let stored = care::insert_checkin(&db, &planned).await.unwrap();
    assert_eq!(stored, planned);
    // The same point of the same session again keeps the first one.
    let again = care::insert_checkin(
        &db,
        &CheckIn {
            id: "c-2".into(),
            ..planned.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(again.id, "c-1");
    assert_eq!(care::checkins_of(&db, "p-a").await.unwrap().len(), 1);
    // Answered only while open, and once.
    assert!(
        !care::answer_checkin(&db, "c-1", b"early", T0 + day - 1)
            .await
            .unwrap()
    );
    assert!(
        !care::answer_checkin(&db, "c-1", b"late", T0 + 2 * day)
            .await
            .unwrap()
    );
    assert!(
        care::answer_checkin(&db, "c-1", b"sealed", T0 + day)
            .await
            .unwrap()
    );
    assert!(
        !care::answer_checkin(&db, "c-1", b"twice", T0 + day + 1)
            .await
            .unwrap()
    );
    let answered = care::checkin_by_id(&db, "c-1").await.unwrap().unwrap();
    assert_eq!(answered.answered_at, Some(T0 + day));
    assert_eq!(answered.answers_sealed.as_deref(), Some(&b"sealed"[..]));

    let alert = |id: &str, at: i64| Alert {
        id: id.into(),
        duo_id: "duo-1".into(),
        participant_id: "p-a".into(),
        checkin_id: Some("c-1".into()),
        signals_sealed: b"sealed-signals".to_vec(),
        status: "open".into(),
        opened_at: at,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        resolved_by: None,
        escalated_at: None,
    };
    care::open_alert(&db, &alert("a-1", T0 + day))
        .await
        .unwrap();
    care::open_alert(&db, &alert("a-2", T0 + day + 1))
        .await
        .unwrap();
    // Escalation is claimed once, and never for an acknowledged alert.
    assert!(
        care::claim_escalation(&db, "a-1", T0 + day + HOUR)
            .await
            .unwrap()
    );
    assert!(
        !care::claim_escalation(&db, "a-1", T0 + day + HOUR)
            .await
            .unwrap()
    );
    assert!(
        care::acknowledge(&db, "a-2", &clinician.id, T0 + day + 2)
            .await
            .unwrap()
    );
    assert!(
        !care::acknowledge(&db, "a-2", &clinician.id, T0 + day + 3)
            .await
            .unwrap()
    );
    assert!(
        !care::claim_escalation(&db, "a-2", T0 + day + HOUR)
            .await
            .unwrap()
    );
    // Resolving also acknowledges an alert nobody acknowledged, and keeps an earlier one.
    assert!(
        care::resolve(&db, "a-1", &clinician.id, T0 + 2 * day)
            .await
            .unwrap()
    );
    assert!(
        !care::resolve(&db, "a-1", &clinician.id, T0 + 2 * day)
            .await
            .unwrap()
    );
    let a1 = care::alert_by_id(&db, "a-1").await.unwrap().unwrap();
    assert_eq!(
        (a1.status.as_str(), a1.acknowledged_at),
        ("resolved", Some(T0 + 2 * day))
    );
    assert_eq!(a1.escalated_at, Some(T0 + day + HOUR));
    assert!(
        care::resolve(&db, "a-2", &clinician.id, T0 + 3 * day)
            .await
            .unwrap()
    );
    let a2 = care::alert_by_id(&db, "a-2").await.unwrap().unwrap();
    assert_eq!(a2.acknowledged_at, Some(T0 + day + 2));
    // Open lists leave resolved alerts out; newest first otherwise.
    assert!(
        care::alerts_of_duo(&db, "duo-1", false)
            .await
            .unwrap()
            .is_empty()
    );
    let all: Vec<String> = care::alerts_of_duo(&db, "duo-1", true)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(all, ["a-2", "a-1"]);
    for (i, at) in [(1, T0 + 5), (2, T0 + 4)] {
        care::add_note(
            &db,
            &AlertNote {
                id: format!("n-{i}"),
                alert_id: "a-1".into(),
                author_id: clinician.id.clone(),
                body_sealed: vec![i as u8],
                created_at: at,
            },
        )
        .await
        .unwrap();
    }
    let notes: Vec<String> = care::notes_of(&db, "a-1")
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(notes, ["n-2", "n-1"], "oldest first");
}

conformance!(aftercare_story => aftercare_sqlite, aftercare_postgres);

// --- research: studies, the pseudonym key, erasure -------------------------------------------

/// A duo with two members who both have accounts, a waiting invitation that names the
/// invitee, and a sign-in session and recovery code for each. Returns the user ids.
async fn research_duo(db: &Db, duo: &str, a: &str, b: &str, at: i64) -> (String, String) {
    sqlx::query("INSERT INTO duos (id, code, relationship, phase, phase_since, created_at) VALUES ($1, $2, 'friends', 'integration', $3, $3)")
        .bind(duo)
        .bind(format!("D-{duo}"))
        .bind(at)
        .execute(&db.pool)
        .await
        .unwrap();
    let mut users = Vec::new();
    for (pid, role) in [(a, "inviter"), (b, "invitee")] {
        let user = accounts::create_user(
            db,
            &participant(
                &format!("{pid}@example.org"),
                &format!("Name of {pid}"),
                Some(pid),
            ),
            at,
        )
        .await
        .unwrap();
        sqlx::query("INSERT INTO participants (id, duo_id, user_id, code, member_role, motivation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(pid)
            .bind(duo)
            .bind(&user.id)
            .bind(format!("P-{pid}"))
            .bind(role)
            .bind(b"sealed motivation".to_vec())
            .bind(at)
            .execute(&db.pool)
            .await
            .unwrap();
        accounts::create_session(
            db,
            &AuthSession {
                token_hash: token_hash(&format!("session-{pid}")),
                user_id: user.id.clone(),
                csrf_token: "csrf".into(),
                created_at: at,
                last_seen_at: at,
                idle_micros: HOUR,
                expires_at: at + 12 * HOUR,
            },
        )
        .await
        .unwrap();
        accounts::replace_recovery_codes(db, &user.id, &[token_hash(&format!("rc-{pid}"))])
            .await
            .unwrap();
        users.push(user.id);
    }
    sqlx::query("INSERT INTO invitations (id, duo_id, partner_name, partner_email, status, created_at, expires_at, updated_at) VALUES ($1, $2, $3, $4, 'joined', $5, $5, $5)")
        .bind(format!("inv-{duo}"))
        .bind(duo)
        .bind(format!("Name of {b}"))
        .bind(format!("{b}@example.org"))
        .bind(at)
        .execute(&db.pool)
        .await
        .unwrap();
    (users.remove(0), users.remove(0))
}

async fn research_story(db: Db) {
    use dyad_store::duos;
    use dyad_store::research as rs;
    let sealer = Sealer::new(MasterKey::generate());
    let coordinator = accounts::create_user(
        &db,
        &staff("cora@example.org", "Cora", &["coordinator"]),
        T0,
    )
    .await
    .unwrap();

    // Studies: the research consent versions they accept, updated in place, protocol ids unique.
    let care = duos::publish_document(&db, "care", "1", "Care", "text", T0, T0)
        .await
        .unwrap();
    let r1 = duos::publish_document(&db, "research", "1", "Research v1", "text", T0, T0)
        .await
        .unwrap();
    let r2 = duos::publish_document(&db, "research", "2", "Research v2", "text", T0 + 1, T0 + 1)
        .await
        .unwrap();
    let docs: Vec<String> = rs::research_documents(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.0)
        .collect();
    assert_eq!(
        docs,
        [r1.id.clone(), r2.id.clone()],
        "research versions only, oldest first"
    );
    let study = rs::save_study(
        &db,
        None,
        "Duo pilot",
        "NL-123",
        true,
        std::slice::from_ref(&r1.id),
        &coordinator.id,
        T0,
    )
    .await
    .unwrap();
    let other = rs::save_study(
        &db,
        None,
        "Other",
        "NL-456",
        true,
        std::slice::from_ref(&r2.id),
        &coordinator.id,
        T0,
    )
    .await
    .unwrap();
    let clash = rs::save_study(
        &db,
        Some(&other),
        "Other",
        "NL-123",
        true,
        &[],
        &coordinator.id,
        T0 + 1,
    )
    .await
    .unwrap_err();
    assert!(clash.is_unique_violation(), "{clash}");
    rs::save_study(
        &db,
        Some(&study),
        "Duo pilot (renamed)",
        "NL-123",
        false,
        &[r1.id.clone(), r2.id.clone()],
        &coordinator.id,
        T0 + 2,
    )
    .await
    .unwrap();
    assert!(matches!(
        rs::save_study(
            &db,
            Some("nope"),
            "x",
            "X-1",
            true,
            &[],
            &coordinator.id,
            T0
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let by_protocol = rs::study(&db, "NL-123").await.unwrap().unwrap();
    assert_eq!(by_protocol.id, study);
    assert_eq!(by_protocol.name, "Duo pilot (renamed)");
    assert!(!by_protocol.active);
    assert_eq!(by_protocol.document_ids.len(), 2);
    assert_eq!(
        (by_protocol.created_at, by_protocol.updated_at),
        (T0, T0 + 2)
    );
    assert_eq!(
        rs::study(&db, &other).await.unwrap().unwrap().document_ids,
        [r2.id.as_str()]
    );
    assert!(rs::study(&db, "NL-999").await.unwrap().is_none());
    assert_eq!(rs::studies(&db).await.unwrap().len(), 2);

    // Two duos; a participant without an account yet is no candidate.
    let (ua, ub) = research_duo(&db, "duo-1", "p-a", "p-b", T0).await;
    let (uc, _ud) = research_duo(&db, "duo-2", "p-c", "p-d", T0 + 10).await;
    sqlx::query("INSERT INTO duos (id, code, relationship, phase, phase_since, created_at) VALUES ('duo-3', 'D-duo-3', 'couple', 'invited', $1, $1)")
        .bind(T0 + 20)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO participants (id, duo_id, code, member_role, created_at) VALUES ('p-e', 'duo-3', 'P-p-e', 'inviter', $1)")
        .bind(T0 + 20)
        .execute(&db.pool)
        .await
        .unwrap();
    let ids = |cs: Vec<rs::Candidate>| cs.into_iter().map(|c| c.participant_id).collect::<Vec<_>>();
    assert_eq!(
        ids(rs::candidates(&db).await.unwrap()),
        ["p-a", "p-b", "p-c", "p-d"]
    );
    let first = rs::candidates(&db).await.unwrap().remove(0);
    assert_eq!(
        (
            first.duo_id.as_str(),
            first.user_id.as_str(),
            first.member_role.as_str(),
            first.relationship.as_str()
        ),
        ("duo-1", ua.as_str(), "inviter", "friends")
    );

    // Consent facts: research acceptances only (care documents left out), withdrawals by item.
    duos::accept_documents(
        &db,
        &ua,
        &[care.id.clone(), r1.id.clone()],
        T0 + 5,
        "checkbox",
    )
    .await
    .unwrap();
    duos::accept_documents(&db, &ua, std::slice::from_ref(&r2.id), T0 + 6, "checkbox")
        .await
        .unwrap();
    let accepted = rs::research_acceptances(&db, &ua).await.unwrap();
    assert_eq!(
        accepted,
        [
            (r1.id.clone(), "1".to_string(), T0 + 5),
            (r2.id.clone(), "2".to_string(), T0 + 6)
        ]
    );
    assert!(rs::research_acceptances(&db, &ub).await.unwrap().is_empty());
    dyad_store::preparation::add_consent_withdrawal(&db, "p-a", "photos", T0 + 7)
        .await
        .unwrap();
    dyad_store::preparation::add_consent_withdrawal(&db, "p-a", "research", T0 + 8)
        .await
        .unwrap();
    assert_eq!(
        rs::research_withdrawals(&db, "p-a").await.unwrap(),
        [T0 + 8]
    );
    assert!(
        rs::research_withdrawals(&db, "p-b")
            .await
            .unwrap()
            .is_empty()
    );

    // Giving consent after sign-up: the first time an acceptance, again (after a withdrawal)
    // a renewal beside it; both count, the first stays as it was.
    rs::give_consent(&db, &ub, &r2.id, "page", T0 + 20)
        .await
        .unwrap();
    rs::give_consent(&db, &ub, &r2.id, "page", T0 + 30)
        .await
        .unwrap();
    assert_eq!(
        rs::research_acceptances(&db, &ub).await.unwrap(),
        [
            (r2.id.clone(), "2".to_string(), T0 + 20),
            (r2.id.clone(), "2".to_string(), T0 + 30)
        ]
    );
    let listed: Vec<(i64, String)> = duos::acceptances_of(&db, &ub)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.accepted_at, a.kind))
        .collect();
    assert_eq!(
        listed,
        [
            (T0 + 20, "research".to_string()),
            (T0 + 30, "research".to_string())
        ]
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM consent_renewals").await, 1);

    // Sessions a participant took part in: the duo's joint ones and their own one-person ones.
    sqlx::query("INSERT INTO rooms (id, name, created_by, created_at) VALUES ('room-1', 'Garden room', $1, $2)")
        .bind(&coordinator.id)
        .bind(T0)
        .execute(&db.pool)
        .await
        .unwrap();
    for (id, who, starts, status) in [
        ("s-1", None, T0 + HOUR, "closed"),
        ("s-2", Some("p-b"), T0 + 3 * HOUR, "booked"),
        ("s-3", Some("p-a"), T0 + 2 * HOUR, "closed"),
    ] {
        sqlx::query("INSERT INTO sessions (id, duo_id, participant_id, room_id, starts_at, ends_at, overnight, status, created_by, created_at) VALUES ($1, 'duo-1', $2, 'room-1', $3, $4, 0, $5, $6, $7)")
            .bind(id)
            .bind(who)
            .bind(starts)
            .bind(starts + HOUR)
            .bind(status)
            .bind(&coordinator.id)
            .bind(T0)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    assert_eq!(
        rs::sessions_of_participant(&db, "duo-1", "p-a")
            .await
            .unwrap(),
        [(T0 + HOUR, false, true), (T0 + 2 * HOUR, true, true)]
    );
    assert_eq!(
        rs::sessions_of_participant(&db, "duo-1", "p-b")
            .await
            .unwrap(),
        [(T0 + HOUR, false, true), (T0 + 3 * HOUR, true, false)]
    );
    assert!(!rs::has_open_session(&db, "duo-1", "p-a").await.unwrap());
    assert!(rs::has_open_session(&db, "duo-1", "p-b").await.unwrap());

    // Research codes: made once, stable, distinct, also when several exports race for them.
    assert!(!rs::has_research_code(&db, "p-a").await.unwrap());
    let (a1, a2, a3) = tokio::join!(
        rs::subject_code(&db, "p-a", T0),
        rs::subject_code(&db, "p-a", T0),
        rs::subject_code(&db, "p-a", T0),
    );
    let code_a = a1.unwrap();
    assert!(code_a.starts_with('R'), "{code_a}");
    assert_eq!((a2.unwrap(), a3.unwrap()), (code_a.clone(), code_a.clone()));
    assert_eq!(
        rs::subject_code(&db, "p-a", T0 + HOUR).await.unwrap(),
        code_a
    );
    let code_b = rs::subject_code(&db, "p-b", T0).await.unwrap();
    assert_ne!(code_a, code_b);
    assert!(rs::has_research_code(&db, "p-a").await.unwrap());
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM research_subjects").await,
        2
    );

    // Duo codes and offsets: one per duo, the picker sees the offsets already taken.
    let seen = std::sync::Mutex::new(Vec::new());
    let pick = |taken: &BTreeSet<i64>| {
        seen.lock().unwrap().push(taken.clone());
        (1..).map(|n| -n * 7).find(|o| !taken.contains(o)).unwrap()
    };
    let (y1, off1) = rs::duo_code(&db, "duo-1", T0, pick).await.unwrap();
    assert_eq!(
        rs::duo_code(&db, "duo-1", T0 + HOUR, pick).await.unwrap(),
        (y1.clone(), off1)
    );
    let (y2, off2) = rs::duo_code(&db, "duo-2", T0, pick).await.unwrap();
    assert!(y1.starts_with('Y') && y2.starts_with('Y') && y1 != y2);
    assert_eq!((off1, off2), (-7, -14));
    assert_eq!(
        seen.into_inner().unwrap(),
        [BTreeSet::new(), BTreeSet::from([-7])],
        "the picker runs only when a duo has no offset yet"
    );

    // The batched reads an export makes give what the one-at-a-time ones give.
    let everyone: Vec<String> = ["p-a", "p-b", "p-c", "p-d", "p-nobody"]
        .map(String::from)
        .to_vec();
    let codes = rs::subject_codes(&db, &everyone[..4], T0).await.unwrap();
    assert_eq!((&codes["p-a"], &codes["p-b"]), (&code_a, &code_b));
    assert_eq!(codes.len(), 4);
    assert_eq!(
        rs::subject_code(&db, "p-c", T0).await.unwrap(),
        codes["p-c"],
        "a new code is stored"
    );
    assert_ne!(codes["p-c"], codes["p-d"]);
    let seen = std::sync::Mutex::new(Vec::new());
    let pick = |taken: &BTreeSet<i64>| {
        seen.lock().unwrap().push(taken.clone());
        (1..).map(|n| -n * 7).find(|o| !taken.contains(o)).unwrap()
    };
    let duo_ids = ["duo-1", "duo-3", "duo-2", "duo-3"].map(String::from);
    let duo_codes = rs::duo_codes(&db, &duo_ids, T0, pick).await.unwrap();
    assert_eq!(duo_codes.len(), 3);
    assert_eq!(duo_codes["duo-1"], (y1.clone(), off1));
    assert_eq!(duo_codes["duo-2"], (y2.clone(), off2));
    assert_eq!(duo_codes["duo-3"].1, -21, "after the offsets taken");
    assert_eq!(
        rs::duo_code(&db, "duo-3", T0, |_| 0).await.unwrap(),
        duo_codes["duo-3"]
    );
    assert_eq!(seen.into_inner().unwrap(), [BTreeSet::from([-7, -14])]);
    let users = [ua.clone(), ub.clone(), uc.clone()];
    let acceptances = rs::research_acceptances_of(&db, &users).await.unwrap();
    for user in &users {
        assert_eq!(
            acceptances.get(user).cloned().unwrap_or_default(),
            rs::research_acceptances(&db, user).await.unwrap(),
            "{user}"
        );
    }
    let withdrawals = rs::research_withdrawals_of(&db, &everyone).await.unwrap();
    assert_eq!(withdrawals.len(), 1);
    assert_eq!(withdrawals["p-a"], [T0 + 8]);
    let pairs: Vec<(String, String)> = [("duo-1", "p-a"), ("duo-1", "p-b"), ("duo-2", "p-c")]
        .map(|(d, p)| (d.to_string(), p.to_string()))
        .to_vec();
    let sessions = rs::sessions_of_participants(&db, &pairs).await.unwrap();
    for (duo, p) in &pairs {
        assert_eq!(
            sessions[p],
            rs::sessions_of_participant(&db, duo, p).await.unwrap(),
            "{p}"
        );
    }
    assert!(sessions["p-c"].is_empty());
    for (id, p, version) in [("v-1", "p-a", 1), ("v-2", "p-a", 2), ("v-3", "p-c", 1)] {
        sqlx::query("INSERT INTO intake_versions (id, participant_id, version, form_version, answers, submitted_at, amendment_reason, requested_by) VALUES ($1, $2, $3, '1', $4, $5, '', '')")
            .bind(id)
            .bind(p)
            .bind(version)
            .bind(id.as_bytes().to_vec())
            .bind(T0 + version)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let versions = dyad_store::intake::versions_of_many(&db, &everyone)
        .await
        .unwrap();
    let ids_of = |vs: &[dyad_store::intake::IntakeVersion]| {
        vs.iter()
            .map(|v| (v.id.clone(), v.version, v.answers_sealed.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(versions.len(), 2);
    for p in ["p-a", "p-c"] {
        assert_eq!(
            ids_of(&versions[p]),
            ids_of(&dyad_store::intake::versions_of(&db, p).await.unwrap())
        );
    }
    for (id, p, point, due) in [
        ("c-2", "p-b", "day_2", T0 + 2 * HOUR),
        ("c-1", "p-b", "day_1", T0 + HOUR),
        ("c-3", "p-b", "day_3", T0 + 3 * HOUR),
        ("c-4", "p-a", "day_1", T0 + HOUR),
    ] {
        let c = dyad_store::aftercare::CheckIn {
            id: id.into(),
            participant_id: p.into(),
            duo_id: "duo-1".into(),
            session_id: "s-1".into(),
            point: point.into(),
            instruments: vec!["phq9".into()],
            due_at: due,
            closes_at: due + HOUR,
            answered_at: None,
            answers_sealed: None,
            created_at: T0,
        };
        dyad_store::aftercare::insert_checkin(&db, &c)
            .await
            .unwrap();
        if id != "c-2" {
            assert!(
                dyad_store::aftercare::answer_checkin(&db, id, id.as_bytes(), due + 1)
                    .await
                    .unwrap()
            );
        }
    }
    let answered = dyad_store::aftercare::answered_checkins_of(&db, &everyone)
        .await
        .unwrap();
    let of = |p: &str| {
        answered[p]
            .iter()
            .map(|c| (c.id.as_str(), c.answers_sealed.clone().unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("p-b"),
        [("c-1", b"c-1".to_vec()), ("c-3", b"c-3".to_vec())]
    );
    assert_eq!(of("p-a"), [("c-4", b"c-4".to_vec())]);
    assert_eq!(answered.len(), 2);
    // Data keys, each unwrapped once: live ones open what they sealed, destroyed ones are
    // None, owners without a key are left out (and get none).
    let sealed_c = sealer
        .seal(&db, "p-c", ANSWERS, b"c's answers", T0)
        .await
        .unwrap();
    sealer.seal(&db, "p-d", ANSWERS, b"d", T0).await.unwrap();
    sealer.destroy(&db, "p-d", T0).await.unwrap();
    let keys = sealer.data_keys(&db, &everyone[2..]).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys["p-c"]
            .as_ref()
            .unwrap()
            .open("p-c", ANSWERS, &sealed_c)
            .unwrap(),
        b"c's answers"
    );
    assert!(keys["p-d"].is_none());
    assert!(!rs::has_live_key(&db, "p-nobody").await.unwrap());

    // Erasure of p-a: identifiers gone, sessions and codes gone, the key destroyed by the
    // sealer; the partner untouched; a second erasure is a conflict.
    sealer
        .seal(&db, "p-a", ANSWERS, b"a's answers", T0)
        .await
        .unwrap();
    let b_sealed = sealer
        .seal(&db, "p-b", ANSWERS, b"b's answers", T0)
        .await
        .unwrap();
    assert!(rs::has_live_key(&db, "p-a").await.unwrap());
    assert!(!rs::has_live_key(&db, "p-nobody").await.unwrap());
    assert!(rs::erasure_of(&db, "p-a").await.unwrap().is_none());
    let erasure = rs::record_erasure(
        &db,
        "p-a",
        &coordinator.id,
        "asked by mail on 1 May",
        r#"{"legal_hold":"none"}"#,
        T0 + 9 * HOUR,
    )
    .await
    .unwrap();
    sealer.destroy(&db, "p-a", T0 + 9 * HOUR).await.unwrap();
    assert_eq!(
        (
            erasure.participant_id.as_str(),
            erasure.executed_by.as_str(),
            erasure.reason.as_str(),
            erasure.checks.as_str(),
            erasure.executed_at
        ),
        (
            "p-a",
            coordinator.id.as_str(),
            "asked by mail on 1 May",
            r#"{"legal_hold":"none"}"#,
            T0 + 9 * HOUR
        )
    );
    assert_eq!(
        rs::erasure_of(&db, "p-a").await.unwrap().unwrap().id,
        erasure.id
    );
    assert!(!rs::has_live_key(&db, "p-a").await.unwrap());
    assert!(rs::has_live_key(&db, "p-b").await.unwrap());
    let erased_user = accounts::user_by_id(&db, &ua).await.unwrap().unwrap();
    assert_eq!(erased_user.name, "Erased participant");
    assert!(
        erased_user.email.ends_with("@erased.invalid"),
        "{}",
        erased_user.email
    );
    assert!(!erased_user.active);
    assert!(
        accounts::user_by_email(&db, "p-a@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        accounts::session_by_hash(&db, &token_hash("session-p-a"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        accounts::session_by_hash(&db, &token_hash("session-p-b"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        !accounts::use_recovery_code(&db, &ua, &token_hash("rc-p-a"), T0 + 10 * HOUR)
            .await
            .unwrap()
    );
    assert!(
        accounts::use_recovery_code(&db, &ub, &token_hash("rc-p-b"), T0 + 10 * HOUR)
            .await
            .unwrap()
    );
    assert!(
        duos::participant_motivation(&db, "p-a")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        duos::participant_motivation(&db, "p-b")
            .await
            .unwrap()
            .is_some()
    );
    assert!(!rs::has_research_code(&db, "p-a").await.unwrap());
    assert_eq!(rs::subject_code(&db, "p-b", T0).await.unwrap(), code_b);
    // The signed consents stay, the partner's name is still on the invitation (the inviter
    // was erased, not the invitee).
    assert_eq!(rs::research_acceptances(&db, &ua).await.unwrap().len(), 2);
    let invitation = duos::invitation_of_duo(&db, "duo-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invitation.partner_name, "Name of p-b");
    assert_eq!(
        sealer
            .open(&db, "p-b", ANSWERS, &b_sealed, T0)
            .await
            .unwrap(),
        b"b's answers"
    );
    assert_eq!(
        ids(rs::candidates(&db).await.unwrap()),
        ["p-b", "p-c", "p-d"]
    );
    assert_eq!(rs::erased_ids(&db).await.unwrap(), ["p-a"]);
    let again = rs::record_erasure(&db, "p-a", &coordinator.id, "twice", "{}", T0 + 10 * HOUR)
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again}");

    // Erasing an invitee forgets their name and email on the invitation too.
    rs::record_erasure(
        &db,
        "p-d",
        &coordinator.id,
        "asked in person",
        "{}",
        T0 + 11 * HOUR,
    )
    .await
    .unwrap();
    let invitation = duos::invitation_of_duo(&db, "duo-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            invitation.partner_name.as_str(),
            invitation.partner_email.as_str()
        ),
        ("Erased participant", "")
    );
    assert_eq!(
        accounts::user_by_id(&db, &uc).await.unwrap().unwrap().name,
        "Name of p-c"
    );
    assert_eq!(rs::erased_ids(&db).await.unwrap(), ["p-a", "p-d"]);
    assert!(
        rs::record_erasure(&db, "p-nobody", &coordinator.id, "x", "{}", T0)
            .await
            .is_err()
    );
    assert_eq!(
        rs::erased_ids(&db).await.unwrap().len(),
        2,
        "a failed erasure leaves no record"
    );
}

conformance!(research_story => research_sqlite, research_postgres);

// --- retention: overrides, what is due, one run per day -------------------------------------

async fn retention_story(db: Db) {
    use dyad_store::retention as rt;
    let day = 24 * HOUR;
    // Overrides: set, changed in place.
    rt::set_override(&db, "journal", 30, "admin-1", T0)
        .await
        .unwrap();
    rt::set_override(&db, "journal", 60, "admin-2", T0 + 1)
        .await
        .unwrap();
    rt::set_override(&db, "messages", 0, "admin-1", T0 + 2)
        .await
        .unwrap();
    assert_eq!(
        rt::overrides(&db).await.unwrap(),
        [
            ("journal".to_string(), 60, "admin-2".to_string(), T0 + 1),
            ("messages".to_string(), 0, "admin-1".to_string(), T0 + 2)
        ]
    );

    // An ended duo (withdrawn at T0) and one still going, each with journal, message and
    // an answered check-in.
    let author = accounts::create_user(&db, &staff("sam@example.org", "Sam", &["facilitator"]), T0)
        .await
        .unwrap();
    for (duo, pid, phase) in [
        ("duo-end", "p-end", "withdrawn"),
        ("duo-go", "p-go", "aftercare"),
    ] {
        sqlx::query("INSERT INTO duos (id, code, relationship, phase, phase_since, created_at) VALUES ($1, $2, 'couple', $3, $4, $4)")
            .bind(duo)
            .bind(format!("D-{duo}"))
            .bind(phase)
            .bind(T0)
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO participants (id, duo_id, code, member_role, created_at) VALUES ($1, $2, $3, 'inviter', $4)")
            .bind(pid)
            .bind(duo)
            .bind(format!("P-{pid}"))
            .bind(T0)
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO journal_entries (id, participant_id, duo_id, tag, body, created_at, updated_at) VALUES ($1, $2, $3, 'mine', $4, $5, $5)")
            .bind(format!("j-{pid}"))
            .bind(pid)
            .bind(duo)
            .bind(b"sealed".to_vec())
            .bind(T0)
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO messages (id, participant_id, author_id, from_team, body, created_at) VALUES ($1, $2, $3, 1, $4, $5)")
            .bind(format!("m-{pid}"))
            .bind(pid)
            .bind(&author.id)
            .bind(b"sealed".to_vec())
            .bind(T0)
            .execute(&db.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO checkins (id, participant_id, duo_id, session_id, point, instruments, due_at, closes_at, answered_at, answers, created_at) VALUES ($1, $2, $3, 's', 'day_1', '[]', $4, $4, $4, $5, $4)")
            .bind(format!("c-{pid}"))
            .bind(pid)
            .bind(duo)
            .bind(T0)
            .bind(b"sealed".to_vec())
            .execute(&db.pool)
            .await
            .unwrap();
    }
    // Not yet due: the cutoff is not after the end.
    assert_eq!(rt::remove_journal(&db, T0).await.unwrap(), 0);
    assert_eq!(rt::remove_messages(&db, T0).await.unwrap(), 0);
    assert_eq!(rt::remove_checkin_answers(&db, T0).await.unwrap(), 0);
    // Due: only the ended duo's content, once.
    for _ in 0..2 {
        let removed = (
            rt::remove_journal(&db, T0 + 1).await.unwrap(),
            rt::remove_messages(&db, T0 + 1).await.unwrap(),
            rt::remove_checkin_answers(&db, T0 + 1).await.unwrap(),
        );
        assert!(removed == (1, 1, 1) || removed == (0, 0, 0), "{removed:?}");
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM journal_entries").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM messages").await, 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM checkins").await,
        2,
        "check-ins stay"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM checkins WHERE answers IS NOT NULL"
        )
        .await,
        1
    );

    // Single-use links: used, revoked or expired before the cutoff go; open ones stay.
    for (name, expires) in [
        ("used", T0 + day),
        ("revoked", T0 + day),
        ("expired", T0),
        ("open", T0 + day),
    ] {
        accounts::create_token(
            &db,
            &token_hash(name),
            "setup",
            "someone",
            T0 - day,
            expires,
        )
        .await
        .unwrap();
    }
    assert_eq!(
        accounts::take_token(&db, &token_hash("used"), "setup", T0)
            .await
            .unwrap(),
        Ok("someone".to_string())
    );
    sqlx::query("UPDATE purpose_tokens SET revoked_at = $1 WHERE token_hash = $2")
        .bind(T0)
        .bind(token_hash("revoked"))
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(rt::remove_used_links(&db, T0).await.unwrap(), 0);
    assert_eq!(rt::remove_used_links(&db, T0 + 1).await.unwrap(), 3);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM purpose_tokens").await, 1);

    // The day's run: claimed by one of several workers, taken over only after the lease.
    let (a, b, c) = tokio::join!(
        rt::claim_run(&db, 19_000, "w1", T0, T0 + HOUR),
        rt::claim_run(&db, 19_000, "w2", T0, T0 + HOUR),
        rt::claim_run(&db, 19_000, "w3", T0, T0 + HOUR),
    );
    let winners: Vec<&str> = [("w1", a), ("w2", b), ("w3", c)]
        .into_iter()
        .filter(|(_, won)| *won.as_ref().unwrap())
        .map(|(w, _)| w)
        .collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let winner = winners[0];
    assert!(
        !rt::claim_run(&db, 19_000, "w4", T0 + HOUR - 1, T0 + 2 * HOUR)
            .await
            .unwrap()
    );
    // The winner stalled; w4 takes over after the lease, and the stale winner cannot finish.
    assert!(
        rt::claim_run(&db, 19_000, "w4", T0 + HOUR + 1, T0 + 2 * HOUR)
            .await
            .unwrap()
    );
    assert!(
        !rt::finish_run(&db, 19_000, winner, "{}", T0 + HOUR + 2)
            .await
            .unwrap()
    );
    assert!(
        rt::finish_run(&db, 19_000, "w4", r#"{"n":1}"#, T0 + HOUR + 3)
            .await
            .unwrap()
    );
    assert!(
        !rt::finish_run(&db, 19_000, "w4", "{}", T0 + HOUR + 4)
            .await
            .unwrap()
    );
    assert!(
        !rt::claim_run(&db, 19_000, "w5", T0 + 9 * HOUR, T0 + 10 * HOUR)
            .await
            .unwrap(),
        "done is done"
    );
    assert!(
        rt::claim_run(&db, 19_001, "w5", T0 + day, T0 + day + HOUR)
            .await
            .unwrap()
    );
    assert!(
        rt::finish_run(&db, 19_001, "w5", r#"{"n":2}"#, T0 + day)
            .await
            .unwrap()
    );
    assert!(
        rt::claim_run(&db, 19_002, "w6", T0 + 2 * day, T0 + 2 * day + HOUR)
            .await
            .unwrap()
    );
    let reports = rt::reports(&db, 10).await.unwrap();
    let listed: Vec<(i64, &str, &str)> = reports
        .iter()
        .map(|r| (r.day, r.ran_by.as_str(), r.report.as_str()))
        .collect();
    assert_eq!(
        listed,
        [(19_001, "w5", r#"{"n":2}"#), (19_000, "w4", r#"{"n":1}"#)],
        "finished runs only, newest first"
    );
}

conformance!(retention_story => retention_sqlite, retention_postgres);

// --- a cancelled session day ----------------------------------------------------------------

/// A booking called off before its day: the row stays (closed, with who, when and the
/// sealed reason), its room and staff are free for the same hours again, it is called off
/// once only, and a day with an entry is never called off. The team's steps by hand keep
/// their sealed reasons, oldest first.
async fn session_cancel_story(db: Db) {
    use dyad_store::pathway::{self as pw, PathwayStep};
    use dyad_store::sessions::{self as ss, NewEvent, Session};
    let fay = accounts::create_user(&db, &staff("fay@example.org", "Fay", &["facilitator"]), T0)
        .await
        .unwrap();
    let cleo = accounts::create_user(&db, &staff("cleo@example.org", "Cleo", &["clinician"]), T0)
        .await
        .unwrap();
    sqlx::query("INSERT INTO duos (id, code, relationship, phase, phase_since, created_at) VALUES ('duo-c', 'D-CANC-ELED', 'couple', 'scheduled', $1, $1)")
        .bind(T0)
        .execute(&db.pool)
        .await
        .unwrap();
    let room = ss::create_room(&db, "Garden room", &fay.id, T0)
        .await
        .unwrap();
    let team = vec![fay.id.clone(), cleo.id.clone()];
    let day = |id: &str| Session {
        id: id.to_string(),
        duo_id: "duo-c".into(),
        participant_id: None,
        room_id: room.id.clone(),
        starts_at: T0 + 72 * HOUR,
        ends_at: T0 + 80 * HOUR,
        overnight: false,
        escort_sealed: None,
        support_contact_sealed: None,
        status: "booked".into(),
        created_by: fay.id.clone(),
        created_at: T0,
        closed_at: None,
        cancelled_at: None,
    };
    let (from, to) = (T0 + 73 * HOUR, T0 + 74 * HOUR);
    ss::create_session(&db, &day("s-1"), &team).await.unwrap();
    assert_eq!(
        ss::clashes(&db, &room.id, &team, from, to).await.unwrap(),
        (true, team.clone())
    );
    assert!(matches!(
        ss::create_session(&db, &day("s-2"), &team).await,
        Err(StoreError::Conflict(_))
    ));

    assert!(
        ss::cancel_booked(&db, "s-1", &fay.id, b"sealed reason", T0 + HOUR)
            .await
            .unwrap()
    );
    let s1 = ss::session_by_id(&db, "s-1").await.unwrap().unwrap();
    assert!(s1.is_cancelled());
    assert_eq!(s1.status, "closed");
    assert_eq!(
        (s1.closed_at, s1.cancelled_at),
        (Some(T0 + HOUR), Some(T0 + HOUR))
    );
    assert_eq!(
        ss::cancellation_of(&db, "s-1").await.unwrap(),
        Some((fay.id.clone(), Some(b"sealed reason".to_vec())))
    );
    assert_eq!(ss::cancellation_of(&db, "s-2").await.unwrap(), None);
    assert_eq!(
        ss::clashes(&db, &room.id, &team, from, to).await.unwrap(),
        (false, vec![])
    );
    assert!(
        !ss::cancel_booked(&db, "s-1", &cleo.id, b"again", T0 + 2 * HOUR)
            .await
            .unwrap()
    );
    assert_eq!(
        ss::cancellation_of(&db, "s-1").await.unwrap().unwrap().0,
        fay.id,
        "the first cancellation stands"
    );

    // The same hours book again; once the day has an entry it is not called off.
    ss::create_session(&db, &day("s-2"), &team).await.unwrap();
    ss::append_event(
        &db,
        &NewEvent {
            id: "e-1",
            session_id: "s-2",
            kind: "note",
            participant_id: None,
            corrects: None,
            author_id: &fay.id,
            at: T0 + 2 * HOUR,
            body_sealed: b"sealed",
            client_key: None,
        },
    )
    .await
    .unwrap();
    assert!(
        !ss::cancel_booked(&db, "s-2", &fay.id, b"too late", T0 + 3 * HOUR)
            .await
            .unwrap()
    );
    let s2 = ss::session_by_id(&db, "s-2").await.unwrap().unwrap();
    assert_eq!((s2.status.as_str(), s2.is_cancelled()), ("booked", false));
    assert_eq!(
        ss::clashes(&db, &room.id, &team, from, to).await.unwrap(),
        (true, team.clone())
    );

    for (id, transition, from_phase, to_phase, reason, actor, at) in [
        (
            "st-2",
            "pause",
            "preparation",
            "paused",
            None,
            &cleo.id,
            T0 + 5 * HOUR,
        ),
        (
            "st-1",
            "session_cancelled",
            "scheduled",
            "preparation",
            Some(b"sealed".to_vec()),
            &fay.id,
            T0 + HOUR,
        ),
    ] {
        pw::record_step(
            &db,
            &PathwayStep {
                id: id.into(),
                duo_id: "duo-c".into(),
                transition: transition.into(),
                from_phase: from_phase.into(),
                to_phase: to_phase.into(),
                reason_sealed: reason,
                actor_id: actor.clone(),
                at,
            },
        )
        .await
        .unwrap();
    }
    let steps = pw::steps_of(&db, "duo-c").await.unwrap();
    let order: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(order, ["st-1", "st-2"]);
    assert_eq!(steps[0].reason_sealed.as_deref(), Some(&b"sealed"[..]));
    assert_eq!(steps[1].reason_sealed, None);
    assert_eq!(steps[1].actor_id, cleo.id);
    assert!(pw::steps_of(&db, "duo-other").await.unwrap().is_empty());
}

conformance!(session_cancel_story => session_cancel_sqlite, session_cancel_postgres);
