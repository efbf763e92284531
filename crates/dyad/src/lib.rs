//! The dyad binary as a library: start-up, first-run bootstrap and the server, so that
//! integration tests run the real thing in-process.

pub mod config;
pub mod privacy;
pub mod seed;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use dyad_core::time::Clock;
use dyad_store::accounts::{self, NewUser};
use dyad_store::sealing::{MasterKey, Sealer};
use dyad_store::{Db, DbOptions, password, secrets};
use dyad_web::{AppState, WebConfig, mail::Mailer};

pub use config::Settings;

/// The real clock, used by the binary; tests pass their own.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }
}

/// What first start created, to be told to the person running it.
#[derive(Debug, Default)]
pub struct FirstStart {
    pub created_data_dir: bool,
    pub created_master_key: bool,
    pub admin: Option<(String, String)>,
}

/// Everything opened and ready to serve.
pub struct Opened {
    pub db: Db,
    pub sealer: Sealer,
    pub first_start: FirstStart,
}

/// Opens the data directory, the master key and the database, migrates, and creates the
/// first admin when there is no account yet.
pub async fn open(settings: &Settings, clock: &dyn Clock) -> anyhow::Result<Opened> {
    let mut first = FirstStart::default();
    if !settings.data_dir.exists() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data folder {}",
                settings.data_dir.display()
            )
        })?;
        first.created_data_dir = true;
    }
    let (master, created) = MasterKey::load_or_create(&settings.master_key_path())?;
    first.created_master_key = created;
    let db = open_db(settings).await?;
    db.migrate().await.context("migrating the database")?;
    let sealer = Sealer::new(master);
    // A restored older backup may still hold keys of people erased since: forget them again.
    privacy::apply_erasures(settings, &db, &sealer, clock.now_micros())
        .await
        .context("applying the erasure ledger")?;
    dyad_web::api::documents::seed_defaults(&db, clock.now_micros()).await?;
    if accounts::count_users(&db).await? == 0 {
        let one_time = secrets::readable_password(4);
        let hash = password::hash_password(&one_time)?;
        let created = accounts::create_user(
            &db,
            &NewUser {
                email: settings.admin_email.clone(),
                name: "Administrator".into(),
                password_hash: hash,
                kind: "staff".into(),
                roles: vec!["admin".into()],
                must_change_password: true,
                participant_id: None,
                email_verified: true,
            },
            clock.now_micros(),
        )
        .await;
        match created {
            Ok(user) => first.admin = Some((user.email, one_time)),
            // Another instance starting at the same moment created it first.
            Err(e) if e.is_unique_violation() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Opened {
        db,
        sealer,
        first_start: first,
    })
}

/// Reads the licensed instrument files and builds the intake form with them.
pub fn intake_form(settings: &Settings) -> anyhow::Result<dyad_core::forms::Form> {
    let mut texts = Vec::new();
    for path in &settings.licensed_instruments {
        texts
            .push(std::fs::read_to_string(path).with_context(|| {
                format!("reading the instrument definition {}", path.display())
            })?);
    }
    dyad_web::api::intake::form_with_instruments(&texts)
        .map_err(|e| anyhow::anyhow!("instrument definitions: {e}"))
}

/// Connects to the configured database; only the default SQLite file may be created.
pub async fn open_db(settings: &Settings) -> anyhow::Result<Db> {
    let (url, is_default) = settings.database();
    let options = DbOptions {
        create_sqlite_file: is_default,
        max_connections: settings.db_max_connections,
    };
    Ok(Db::connect(&url, &options).await?)
}

pub fn web_config(settings: &Settings) -> WebConfig {
    let mut config = WebConfig::for_base_url(&settings.base_url());
    config.metrics_token = settings.metrics_token.0.clone();
    config.max_body_bytes = settings.max_body_kb * 1024;
    config.erasure_ledger = Some(privacy::erasure_ledger_path(settings));
    config.practice = dyad_web::PracticeSettings {
        name: settings.practice_name.clone(),
        contact: settings.practice_contact.clone(),
        crisis_contacts: settings.crisis_contacts.clone(),
    };
    config
}

pub fn mailer(settings: &Settings) -> anyhow::Result<Mailer> {
    Ok(match &settings.smtp_url.0 {
        Some(url) => Mailer::smtp(url, &settings.mail_from)?,
        None => Mailer::outbox(settings.outbox_dir(), &settings.mail_from)?,
    })
}

/// Installs the Prometheus recorder once per process.
pub fn metrics_handle() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .ok()
        })
        .clone()
}

pub fn app_state(
    settings: &Settings,
    opened: &Opened,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AppState> {
    Ok(AppState {
        db: opened.db.clone(),
        sealer: opened.sealer.clone(),
        clock,
        mailer: mailer(settings)?,
        config: Arc::new(web_config(settings)),
        metrics: metrics_handle(),
        live: Default::default(),
    })
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = dyad_web::router(state.clone());
    let sweeper = tokio::spawn(sweep_sessions(state.clone()));
    let worker = format!(
        "{}-{}",
        std::process::id(),
        dyad_store::secrets::random_token().get(..8).unwrap_or("w")
    );
    let jobs = tokio::spawn(dyad_web::jobs::worker_loop(state, worker));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    sweeper.abort();
    jobs.abort();
    Ok(())
}

/// A separate listener that serves only `/metrics`.
pub async fn serve_metrics(listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async {
            match metrics_handle() {
                Some(h) => dyad_web::middleware::render_metrics(&h),
                None => {
                    axum::response::IntoResponse::into_response(axum::http::StatusCode::NOT_FOUND)
                }
            }
        }),
    );
    axum::serve(listener, app).await?;
    Ok(())
}

async fn sweep_sessions(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        // Ended sessions go once the retention period for sign-in sessions has passed.
        if let Err(e) = dyad_web::api::retention::sweep_sign_in_sessions(&state).await {
            tracing::warn!(error = %e, "could not sweep expired sessions");
        }
    }
}

/// Writes a consistent copy of the database to `target`.
pub async fn backup(settings: &Settings, target: &Path) -> anyhow::Result<()> {
    if target.exists() {
        anyhow::bail!(
            "{} already exists; choose a new file name",
            target.display()
        );
    }
    let db = open_db(settings).await?;
    match db.backend {
        dyad_store::Backend::Sqlite => db.backup_sqlite(target).await?,
        dyad_store::Backend::Postgres => {
            let (url, _) = settings.database();
            let status = std::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(target)
                .arg(&url)
                .status()
                .context("running pg_dump (install the PostgreSQL client tools)")?;
            if !status.success() {
                anyhow::bail!("pg_dump failed with {status}");
            }
        }
    }
    Ok(())
}
