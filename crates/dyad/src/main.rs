//! `dyad`: runs the service, and the operator's commands around it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use dyad::{Settings, SystemClock};
use dyad_core::time::Clock;
use dyad_store::accounts;
use dyad_store::sealing::{MasterKey, Sealer};

#[derive(Parser)]
#[command(
    name = "dyad",
    version,
    about = "The care pathway of guided duo sessions, self-hosted."
)]
struct Cli {
    /// A TOML configuration file (also DYAD_CONFIG). Environment variables DYAD_* override it.
    #[arg(long, global = true, env = "DYAD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (the default). First start creates the data folder, the master
    /// key, the database and an admin account, and prints how to sign in.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write a consistent copy of the database to FILE (SQLite: online copy; PostgreSQL: pg_dump).
    Backup {
        /// Where to write the backup; must not exist yet.
        file: PathBuf,
        /// Encrypt the backup with age to this public key (`age1…`, see `dyad backup-keygen`);
        /// only the holder of the matching identity can read it, and the server never has it.
        #[arg(long)]
        recipient: Option<String>,
    },
    /// Create an age identity for encrypted backups in FILE (mode 0600) and print its public
    /// key. Keep the file off the dyad server.
    BackupKeygen {
        /// Where to write the identity; must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a backup (encrypted or not) in place of the database, then forget everyone erased
    /// since it was taken (the erasure ledger beside the master key). SQLite: the database
    /// file must not exist yet (stop dyad, move it aside). PostgreSQL: pg_restore --clean.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// The age identity file, for an encrypted backup.
        #[arg(long)]
        identity: Option<PathBuf>,
    },
    /// Erase one participant's data at their request: destroys their data key (sealed data
    /// becomes unreadable everywhere, older backups included), replaces name and e-mail, keeps
    /// signed consents and the audit trail. The partner's data stay. Cannot be undone.
    Erase {
        /// The participant's care code (P-…), as the duo page shows it.
        #[arg(long)]
        participant: String,
        /// Why, and how the request reached you (10 to 2,000 characters).
        #[arg(long)]
        reason: String,
        /// The legal-hold check: none (checked, no hold) or active (erasure is refused).
        #[arg(long)]
        legal_hold: String,
        /// The research-obligation check: none, exported_data_kept or blocks_erasure (refused).
        #[arg(long)]
        research_obligations: String,
    },
    /// Exports to files.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Check the configuration and print it with secrets hidden.
    CheckConfig,
    /// Master-key operations.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Audit-trail operations.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Tools for development and benchmarks; never for a production database.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum DevCommand {
    /// Fill the database with a realistic synthetic data set (staff, duos in every phase,
    /// sealed intakes, screenings, agreements, session days, journals, aftercare check-ins,
    /// an audit trail).
    /// Refuses a database that holds anything but seeded data.
    Seed {
        /// How many duos to create.
        #[arg(long, default_value_t = 100)]
        duos: usize,
        /// Pad the audit trail with staff reads until the seed appended this many records.
        #[arg(long, default_value_t = 0)]
        audit_records: u64,
        /// Seed even though the database holds data that was not seeded. Only for a copy
        /// that holds no real people's data.
        #[arg(long)]
        i_know_this_is_not_production: bool,
        /// Seed of the random choices.
        #[arg(long, default_value_t = 1)]
        random_seed: u64,
        /// Also write the seeded sign-ins as KEY='value' lines to this new file (mode 0600),
        /// for scripts such as bench/run.
        #[arg(long)]
        logins_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account with the password read from a file. Staff still set up an
    /// authenticator app at first sign-in.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// One or more staff roles, comma separated: facilitator, clinician, coordinator, researcher, admin.
        #[arg(long, value_delimiter = ',')]
        role: Vec<String>,
        /// A file holding the password (so it never appears in the process list or shell history).
        #[arg(long)]
        password_file: PathBuf,
    },
    /// Give an account a new one-time password (printed once) and sign it out everywhere.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The pseudonymised research export (participants with current research consent only),
    /// as the researcher's API gives it; audited.
    Research {
        /// redcap (a zip of CSV files) or fhir (an R4 Bundle as JSON).
        #[arg(long, default_value = "redcap")]
        format: String,
        /// A study's id or protocol id: only consents to that study's documents count.
        #[arg(long)]
        study: Option<String>,
        /// Where to write the file (mode 0600); must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-wrap every data key under a new master key, then replace the key file (the old
    /// one is kept beside it as <file>.old until you delete it).
    Rotate,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Prove the audit chain unbroken, or name the first bad record (exit code 1).
    Verify,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dyad: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    init_logging(&settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dyad: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dyad: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DYAD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<std::process::ExitCode> {
    let clock = SystemClock;
    match command {
        Command::Serve => serve(settings).await?,
        Command::Migrate => {
            let db = dyad::open_db(&settings).await?;
            db.migrate().await?;
            println!("migrations applied ({})", db.backend.as_str());
        }
        Command::CheckConfig => {
            print!("{}", settings.redacted());
            let form = dyad::intake_form(&settings)?;
            println!("intake form version {}", form.version);
            for def in form.instruments().iter() {
                println!(
                    "instrument {} ({}), version {}",
                    def.id, def.short_name, def.version
                );
            }
            let key = settings.master_key_path();
            if key.exists() {
                MasterKey::load(&key)?;
                println!("master key: readable, private");
            } else {
                println!("master key: not created yet (first start creates it)");
            }
            println!("configuration is valid");
        }
        Command::Backup { file, recipient } => {
            match &recipient {
                Some(r) => dyad::privacy::encrypted_backup(&settings, &file, r).await?,
                None => dyad::backup(&settings, &file).await?,
            }
            println!(
                "backup written to {}{}",
                file.display(),
                if recipient.is_some() {
                    " (encrypted with age)"
                } else {
                    ""
                }
            );
            println!(
                "keep the master key file ({}) safe and apart from backups: without it a backup cannot be read",
                settings.master_key_path().display()
            );
        }
        Command::BackupKeygen { out } => {
            let public = dyad::privacy::keygen(&out)?;
            println!(
                "identity written to {} (keep it off this server)",
                out.display()
            );
            println!("public key (pass as --recipient): {public}");
        }
        Command::Restore { file, identity } => {
            let said =
                dyad::privacy::restore(&settings, &clock, &file, identity.as_deref()).await?;
            println!("{said}");
        }
        Command::Erase {
            participant,
            reason,
            legal_hold,
            research_obligations,
        } => {
            let request = dyad_web::api::research::ErasureRequest {
                reason,
                confirm_code: String::new(),
                legal_hold,
                research_obligations,
            };
            let said = dyad::privacy::erase(&settings, &clock, &participant, request).await?;
            println!("{said}");
        }
        Command::Export(ExportCommand::Research { format, study, out }) => {
            let said =
                dyad::privacy::export_research(&settings, &clock, &format, study.as_deref(), &out)
                    .await?;
            println!("{said}");
        }
        Command::Admin(AdminCommand::Create {
            email,
            name,
            role,
            password_file,
        }) => {
            let password = std::fs::read_to_string(&password_file)
                .with_context(|| format!("reading {}", password_file.display()))?;
            let password = password.trim_end_matches(['\n', '\r']);
            if let Some(problem) = dyad_store::password::password_problem(password) {
                anyhow::bail!(
                    "the password in {} is not acceptable: {problem}",
                    password_file.display()
                );
            }
            let roles = dyad_web::api::staff::parse_staff_roles(&role)
                .map_err(|e| anyhow::anyhow!(e.message))?;
            let opened = dyad::open(&settings, &clock).await?;
            let user = accounts::create_user(
                &opened.db,
                &accounts::NewUser {
                    email,
                    name,
                    password_hash: dyad_store::password::hash_password(password)?,
                    kind: "staff".into(),
                    roles: roles.clone(),
                    must_change_password: false,
                    participant_id: None,
                    email_verified: true,
                },
                clock.now_micros(),
            )
            .await
            .map_err(|e| {
                if e.is_unique_violation() {
                    anyhow::anyhow!("an account with this email already exists")
                } else {
                    e.into()
                }
            })?;
            dyad_store::audit::append(
                &opened.db,
                &dyad_store::audit::AuditEntry::new("cli", "operator", "create_staff")
                    .subject(&user.id)
                    .resource("accounts")
                    .reason(&format!("roles={}", roles.join(","))),
                clock.now_micros(),
            )
            .await?;
            println!("created {} ({})", user.id, roles.join(","));
        }
        Command::Admin(AdminCommand::ResetPassword { email }) => {
            let opened = dyad::open(&settings, &clock).await?;
            let user = accounts::user_by_email(&opened.db, &email)
                .await?
                .context("no account with this email")?;
            let one_time = dyad_store::secrets::readable_password(4);
            let hash = dyad_store::password::hash_password(&one_time)?;
            accounts::set_password(&opened.db, &user.id, &hash, true, clock.now_micros()).await?;
            accounts::delete_user_sessions(&opened.db, &user.id).await?;
            dyad_store::audit::append(
                &opened.db,
                &dyad_store::audit::AuditEntry::new("cli", "operator", "reset_password")
                    .subject(&user.id)
                    .resource("accounts"),
                clock.now_micros(),
            )
            .await?;
            println!("one-time password for {}: {one_time}", user.email);
            println!("it must be changed at the next sign-in");
        }
        Command::Keys(KeysCommand::Rotate) => {
            let path = settings.master_key_path();
            let old = MasterKey::load(&path)?;
            let db = dyad::open_db(&settings).await?;
            let new = MasterKey::generate();
            let staged = path.with_extension("key.new");
            if staged.exists() {
                std::fs::remove_file(&staged)?;
            }
            new.write_new(&staged)?;
            let count = Sealer::new(old).rotate(&db, &new).await?;
            std::fs::rename(&path, path.with_extension("key.old"))?;
            std::fs::rename(&staged, &path)?;
            println!(
                "re-wrapped {count} data keys under the new master key {}",
                new.id()
            );
            println!(
                "the previous key is at {}; delete it once a backup with the new key exists",
                path.with_extension("key.old").display()
            );
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = dyad::open_db(&settings).await?;
            let started = std::time::Instant::now();
            let report = dyad_store::audit::verify(&db).await?;
            match report.first_bad {
                None => println!(
                    "audit chain intact: {} records verified in {:.2?}",
                    report.records,
                    started.elapsed()
                ),
                Some((seq, why)) => {
                    println!(
                        "audit chain BROKEN at record {seq}: {why} ({} records before it verified)",
                        report.records
                    );
                    return Ok(std::process::ExitCode::from(1));
                }
            }
        }
        Command::Dev(DevCommand::Seed {
            duos,
            audit_records,
            i_know_this_is_not_production,
            random_seed,
            logins_file,
        }) => {
            if logins_file.as_ref().is_some_and(|f| f.exists()) {
                anyhow::bail!("the logins file already exists; choose a new file name");
            }
            dyad_web::api::intake::install_form(dyad::intake_form(&settings)?);
            let opened = dyad::open(&settings, &clock).await?;
            if let Some((email, password)) = &opened.first_start.admin {
                println!("first start: administrator {email}, one-time password {password}");
            }
            let options = dyad::seed::SeedOptions {
                duos,
                audit_records,
                not_production: i_know_this_is_not_production,
                random_seed,
            };
            let report =
                dyad::seed::seed(&opened.db, &opened.sealer, clock.now_micros(), &options).await?;
            print!("{}", report.describe());
            if let Some(path) = logins_file {
                write_private(&path, &report.env_lines())?;
                println!("sign-ins written to {}", path.display());
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Writes a new file readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let form = dyad::intake_form(&settings)?;
    dyad_web::api::intake::install_form(form);
    let opened = dyad::open(&settings, clock.as_ref()).await?;
    let state = dyad::app_state(&settings, &opened, clock)?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    if let Some(addr) = &settings.metrics_listen {
        let metrics_listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        tokio::spawn(dyad::serve_metrics(metrics_listener));
    }
    announce(&settings, &opened);
    tracing::info!(listen = %settings.listen, backend = opened.db.backend.as_str(), "dyad is serving");
    dyad::serve(state, listener, shutdown_signal()).await?;
    tracing::info!("dyad stopped");
    Ok(())
}

/// Tells the person who started dyad what happened and how to sign in. Printed to stdout,
/// once; the one-time password never goes to the log.
fn announce(settings: &Settings, opened: &dyad::Opened) {
    let url = settings.base_url();
    let first = &opened.first_start;
    if first.created_data_dir || first.created_master_key || first.admin.is_some() {
        println!();
        println!("  dyad — first start");
        if first.created_data_dir {
            println!(
                "  created the data folder      {}",
                settings.data_dir.display()
            );
        }
        if first.created_master_key {
            println!(
                "  created the master key       {} (mode 0600; back it up apart from the data)",
                settings.master_key_path().display()
            );
        }
        if let Some((email, password)) = &first.admin {
            println!();
            println!("  Open {url}/login and sign in as the administrator:");
            println!("    email               {email}");
            println!("    one-time password   {password}");
            println!();
            println!("  This password is shown only now. You will choose your own and set up");
            println!("  an authenticator app right after signing in.");
        }
        println!();
    }
    println!("dyad is running at {url}");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
