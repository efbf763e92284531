//! The harness behind the conformance suite: every story runs against a fresh SQLite file
//! and, when `DYAD_TEST_DATABASE_URL` names a PostgreSQL server, against a fresh database
//! created on that server and dropped afterwards.

use std::future::Future;

use dyad_store::{Db, DbOptions};
use sqlx::{AssertSqlSafe, Executor};

/// The environment variable naming the PostgreSQL admin URL.
pub const PG_ENV: &str = "DYAD_TEST_DATABASE_URL";

/// The admin URL when the PostgreSQL half of the suite is enabled.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|v| !v.trim().is_empty())
}

/// A fresh, migrated SQLite database in its own temporary folder. Keep the folder alive for
/// as long as the database is used.
pub async fn fresh_sqlite() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let db = Db::connect(
        &url,
        &DbOptions {
            create_sqlite_file: true,
            ..Default::default()
        },
    )
    .await
    .expect("open a fresh SQLite database");
    db.migrate().await.expect("migrate SQLite");
    (dir, db)
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_and_path = &base[scheme_end..];
    let host = host_and_path
        .split_once('/')
        .map_or(host_and_path, |(h, _)| h);
    let mut out = format!("{}{}/{}", &base[..scheme_end], host, name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A throw-away database on the PostgreSQL server of `DYAD_TEST_DATABASE_URL`.
pub struct ScratchPostgres {
    admin: Db,
    pub name: String,
    pub url: String,
}

impl ScratchPostgres {
    /// Creates an empty (unmigrated) database. Panics when the server cannot be reached:
    /// a configured server that is down must fail the suite, not skip it.
    pub async fn create(admin_url: &str) -> Self {
        let admin = Db::connect(
            admin_url,
            &DbOptions {
                max_connections: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| {
            panic!("{PG_ENV} is set, but the PostgreSQL server it names could not be reached: {e}")
        });
        let name = format!("dyad_t_{}", uuid::Uuid::new_v4().simple());
        admin
            .pool
            .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e}"));
        let url = with_database(admin_url, &name);
        Self { admin, name, url }
    }

    /// Opens a pool on the scratch database.
    pub async fn connect(&self) -> Db {
        Db::connect(&self.url, &DbOptions::default())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "connecting to the scratch database {} failed: {e}",
                    self.name
                )
            })
    }

    /// Drops the database, closing whatever connections are still open.
    pub async fn drop_database(self) {
        self.admin
            .pool
            .execute(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .await
            .unwrap_or_else(|e| panic!("DROP DATABASE {} failed: {e}", self.name));
        self.admin.pool.close().await;
    }
}

/// Runs `story` against a fresh, migrated SQLite database.
pub async fn run_sqlite<F, Fut>(story: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (dir, db) = fresh_sqlite().await;
    let outcome = tokio::spawn(story(db.clone())).await;
    db.pool.close().await;
    drop(dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `story` against a fresh, migrated PostgreSQL database, or returns early with a note
/// when `DYAD_TEST_DATABASE_URL` is not set. The database is dropped even when the story
/// panics; the panic is then passed on.
pub async fn run_postgres<F, Fut>(story_name: &str, story: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(admin_url) = postgres_admin_url() else {
        eprintln!("note: {PG_ENV} is not set; skipping the PostgreSQL run of `{story_name}`");
        return;
    };
    let scratch = ScratchPostgres::create(&admin_url).await;
    let db = scratch.connect().await;
    let migrated = db.migrate().await;
    let outcome = match migrated {
        Ok(()) => Some(tokio::spawn(story(db.clone())).await),
        Err(_) => None,
    };
    db.pool.close().await;
    scratch.drop_database().await;
    if let Err(e) = migrated {
        panic!("migrating the PostgreSQL scratch database failed: {e}");
    }
    if let Some(Err(e)) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://h:5432", "x"),
            "postgresql://h:5432/x"
        );
    }
}
