//! `dyad dev seed`: a realistic synthetic data set, for benchmarks and demonstrations.
//!
//! It writes what the pathway itself would have written — staff with an authenticator,
//! participants who signed up and joined, duos in every phase with their phase log, sealed
//! intakes (drafts and submitted versions), screening runs computed by the real rules engine,
//! signed decisions, agreements with signatures, meetings, booked, running and closed
//! session days with their console entries, journal entries, messages, private withdrawals,
//! aftercare check-ins after each closed session (answered, missed, open and still to come,
//! with the alerts a request for contact opens), and a hash-chained audit trail — through the same sealing (per-owner data keys, the same
//! associated data) and the same row formats, many rows per statement.
//!
//! Every seeded account has an email address under [`SEED_DOMAIN`]; a database holding
//! anything else is refused unless the operator says explicitly that it is not production.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use dyad_core::aftercare::CheckInKnowledge;
use dyad_core::forms::Form;
use dyad_core::pathway::{AgreementSections, DecisionFormat, TouchConsent, TouchKind};
use dyad_core::protocol::Protocol;
use dyad_core::screening::{IntakeAnswers, Knowledge};
use dyad_store::Db;
use dyad_store::accounts::new_id;
use dyad_store::audit::{AuditEntry, record_hash};
use dyad_store::bulk::{self, Cell};
use dyad_store::sealing::{DataKey, Place, Sealer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// Every seeded account's email address ends in `@` and this (a reserved, undeliverable
/// domain), which is also how a later run tells seeded data from real data.
pub const SEED_DOMAIN: &str = "seed.dyad.invalid";

/// The password of every seeded account (synthetic people only).
pub const SEED_PASSWORD: &str = "seeded synthetic account";

const MICROS_PER_DAY: i64 = 24 * 3600 * 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * 1_000_000;
const DUOS_PER_BATCH: usize = 500;
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub duos: usize,
    /// Pad the audit trail with staff reads until the seed has appended at least this many
    /// records (0: only the records the seeded history itself produces).
    pub audit_records: u64,
    /// The operator confirmed that the database holds no production data.
    pub not_production: bool,
    /// Seed of the random choices (the same seed gives the same people and phases).
    pub random_seed: u64,
}

/// One seeded account to sign in with.
#[derive(Debug, Clone, Default)]
pub struct Login {
    pub email: String,
    pub user_id: String,
}

/// The seeded accounts and records a benchmark or a demonstration starts from.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// A participant in preparation, with journal entries, messages and a signed decision.
    pub participant: Login,
    pub participant_duo: String,
    /// A participant whose intake is a draft (phase intake): can autosave.
    pub intake_participant: Login,
    pub coordinator: Login,
    /// The clinician of `clinical_duo`, and one of its participants with a submitted intake.
    pub clinician: Login,
    pub clinical_duo: String,
    pub clinical_participant: String,
    /// A facilitator of `running_session`, a session day in progress.
    pub facilitator: Login,
    pub running_session: String,
    /// More participants with a draft intake, and more running sessions with a
    /// facilitator of each (email), for load spread over many people as in real use.
    pub intake_participants: Vec<String>,
    pub running_sessions: Vec<(String, String)>,
}

/// How many extra sign-ins the seed names for load tests.
const MORE_TARGETS: usize = 64;

/// What the seed wrote.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub rows: BTreeMap<&'static str, u64>,
    pub duos_by_phase: BTreeMap<&'static str, u64>,
    pub duos_elapsed: Duration,
    pub audit_elapsed: Duration,
    pub password: String,
    /// The authenticator secret (base32) shared by every seeded staff account.
    pub totp_secret: String,
    pub targets: Targets,
}

impl SeedReport {
    /// Lines for the operator: what was created and how to sign in.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let total: u64 = self.duos_by_phase.values().sum();
        out.push_str(&format!(
            "seeded {total} duos in {:.1?} (audit padding {:.1?})\n",
            self.duos_elapsed, self.audit_elapsed
        ));
        out.push_str("duos by phase:");
        for (phase, n) in &self.duos_by_phase {
            out.push_str(&format!(" {phase} {n},"));
        }
        out.pop();
        out.push_str("\nrows written:");
        for (table, n) in &self.rows {
            out.push_str(&format!(" {table} {n},"));
        }
        out.pop();
        let t = &self.targets;
        out.push_str(&format!(
            "\n\nEvery seeded account (addresses @{SEED_DOMAIN}) has the password {:?}.\n\
             Staff also need a code from an authenticator app set up with the secret {}.\n\
             \x20 participant (preparation)   {}\n\
             \x20 participant (intake draft)  {}\n\
             \x20 coordinator                 {}\n\
             \x20 clinician                   {}  (duo {}, participant {})\n\
             \x20 facilitator                 {}  (running session {})\n",
            self.password,
            self.totp_secret,
            t.participant.email,
            t.intake_participant.email,
            t.coordinator.email,
            t.clinician.email,
            t.clinical_duo,
            t.clinical_participant,
            t.facilitator.email,
            t.running_session,
        ));
        out
    }

    /// `KEY=value` lines for scripts (the benchmark sources them).
    pub fn env_lines(&self) -> String {
        let t = &self.targets;
        let pairs = [
            ("SEED_PASSWORD", self.password.as_str()),
            ("SEED_TOTP_SECRET", &self.totp_secret),
            ("SEED_PARTICIPANT_EMAIL", &t.participant.email),
            ("SEED_PARTICIPANT_DUO", &t.participant_duo),
            ("SEED_INTAKE_PARTICIPANT_EMAIL", &t.intake_participant.email),
            ("SEED_COORDINATOR_EMAIL", &t.coordinator.email),
            ("SEED_CLINICIAN_EMAIL", &t.clinician.email),
            ("SEED_CLINICAL_DUO", &t.clinical_duo),
            ("SEED_CLINICAL_PARTICIPANT", &t.clinical_participant),
            ("SEED_FACILITATOR_EMAIL", &t.facilitator.email),
            ("SEED_RUNNING_SESSION", &t.running_session),
        ];
        let intake = t.intake_participants.join(" ");
        let sessions = t
            .running_sessions
            .iter()
            .map(|(s, e)| format!("{s},{e}"))
            .collect::<Vec<_>>()
            .join(" ");
        pairs
            .iter()
            .chain([
                &("SEED_INTAKE_PARTICIPANTS", intake.as_str()),
                &("SEED_RUNNING_SESSIONS", sessions.as_str()),
            ])
            .map(|(k, v)| format!("{k}='{}'\n", v.replace('\'', "")))
            .collect()
    }
}

/// What in the database is not seed data: a list of plain descriptions, empty when there
/// is nothing but seeded data and an untouched first-start admin.
pub async fn foreign_data(db: &Db) -> anyhow::Result<Vec<String>> {
    let pattern = format!("%@{SEED_DOMAIN}");
    let users: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE email NOT LIKE $1 \
         AND NOT (kind = 'staff' AND must_change_password = 1 AND totp_enabled = 0)",
    )
    .bind(&pattern)
    .fetch_one(&db.pool)
    .await?;
    let duos: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM duos d WHERE NOT EXISTS (SELECT 1 FROM participants p \
         JOIN users u ON u.id = p.user_id WHERE p.duo_id = d.id AND u.email LIKE $1)",
    )
    .bind(&pattern)
    .fetch_one(&db.pool)
    .await?;
    let mut found = Vec::new();
    if users > 0 {
        found.push(format!("{users} accounts that were not seeded"));
    }
    if duos > 0 {
        found.push(format!("{duos} duos that were not seeded"));
    }
    Ok(found)
}

/// Seeds the data set. Refuses a database holding real data unless `not_production`.
pub async fn seed(
    db: &Db,
    sealer: &Sealer,
    now: i64,
    options: &SeedOptions,
) -> anyhow::Result<SeedReport> {
    let foreign = foreign_data(db).await?;
    if !foreign.is_empty() && !options.not_production {
        bail!(
            "this database already holds {}; seeding would mix synthetic people into it. \
             Seed an empty database, or pass --i-know-this-is-not-production if it holds \
             no real data",
            foreign.join(" and ")
        );
    }
    let form = dyad_web::api::intake::form().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let knowledge = dyad_core::screening::embedded().context("screening knowledge")?;
    let protocol = dyad_web::api::session::protocol().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let checkin_knowledge =
        dyad_web::api::aftercare::knowledge().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let documents: Vec<String> = dyad_store::duos::current_documents(db, now)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let tail: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    let (seq, prev) = tail.unwrap_or((0, GENESIS.to_string()));

    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(options.random_seed);
    // Not from the seeded generator: a second run with the same seed needs new addresses.
    let mut os = rand::rngs::OsRng;
    let tag: String = (0..4)
        .map(|_| char::from(b"abcdefghjkmnpqrstuvwxyz23456789"[os.gen_range(0..31)]))
        .collect();
    let password_hash = dyad_store::password::hash_password(SEED_PASSWORD)?;
    let totp_raw: Vec<u8> = (0..20).map(|_| rng.r#gen::<u8>()).collect();
    let totp_secret = match totp_rs::Secret::Raw(totp_raw.clone()).to_encoded() {
        totp_rs::Secret::Encoded(s) => s,
        totp_rs::Secret::Raw(_) => bail!("the authenticator secret could not be encoded"),
    };

    let mut g = Generator {
        rng,
        sealer: sealer.clone(),
        form,
        knowledge,
        checkin_knowledge,
        protocol,
        documents,
        password_hash,
        tag,
        now,
        staff: Staff::default(),
        rooms: Vec::new(),
        chain: Chain {
            seq,
            prev,
            pending: Vec::new(),
        },
        people: 0,
        report: SeedReport {
            password: SEED_PASSWORD.to_string(),
            totp_secret,
            ..SeedReport::default()
        },
    };

    // The staff and the rooms first: every duo refers to them.
    let mut batch = Batch::default();
    g.staff_and_rooms(options.duos, &totp_raw, &mut batch)?;
    write(db, &mut g.report, batch).await?;

    // The duos, a batch at a time: generating (sealing, screening) on a worker thread while
    // the previous batch is written.
    let total = options.duos;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Batch>>(1);
    let worker = std::thread::spawn(move || {
        let mut start = 0;
        while start < total {
            let end = (start + DUOS_PER_BATCH).min(total);
            let result = g.duos(start..end);
            let failed = result.is_err();
            if tx.blocking_send(result).is_err() || failed {
                break;
            }
            start = end;
        }
        g
    });
    let mut report = SeedReport::default();
    let mut failure = None;
    while let Some(batch) = rx.recv().await {
        match batch {
            Ok(batch) => {
                if let Err(e) = write(db, &mut report, batch).await {
                    failure = Some(e);
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(rx);
    let mut g = worker
        .join()
        .map_err(|_| anyhow::anyhow!("the seed worker stopped unexpectedly"))?;
    if let Some(e) = failure {
        return Err(e);
    }
    for (table, n) in report.rows {
        *g.report.rows.entry(table).or_default() += n;
    }
    for (phase, n) in report.duos_by_phase {
        *g.report.duos_by_phase.entry(phase).or_default() += n;
    }
    g.report.duos_elapsed = started.elapsed();

    // Padding the audit trail with ordinary staff reads, for verification at scale.
    let padding_started = Instant::now();
    let appended = *g.report.rows.get("audit_log").unwrap_or(&0);
    let mut missing = options.audit_records.saturating_sub(appended);
    while missing > 0 {
        let n = missing.min(50_000);
        let mut batch = Batch::default();
        g.audit_padding(n, &mut batch);
        write(db, &mut g.report, batch).await?;
        missing -= n;
    }
    g.report.audit_elapsed = padding_started.elapsed();
    // A bulk load leaves PostgreSQL without statistics until autovacuum comes by; gather
    // them now, so the data set is measured as a running server would plan it.
    db.refresh_statistics()
        .await
        .context("gathering the planner's statistics")?;
    Ok(g.report)
}

/// Writes one batch in one transaction, in the order foreign keys need.
async fn write(db: &Db, report: &mut SeedReport, batch: Batch) -> anyhow::Result<()> {
    let mut tx = db.pool.begin().await?;
    let mut rows = batch.rows;
    let audit_rows = rows.pop().unwrap_or_default();
    for (spec, rows) in TABLES.iter().zip(rows) {
        if rows.is_empty() {
            continue;
        }
        let n = bulk::insert(&mut tx, spec.0, spec.1, rows)
            .await
            .with_context(|| format!("writing seeded rows to {}", spec.0))?;
        *report.rows.entry(spec.0).or_default() += n;
    }
    if !audit_rows.is_empty() {
        let n = write_audit(&mut tx, audit_rows)
            .await
            .context("writing seeded audit records")?;
        *report.rows.entry("audit_log").or_default() += n;
    }
    tx.commit().await?;
    for (phase, n) in batch.phases {
        *report.duos_by_phase.entry(phase).or_default() += n;
    }
    Ok(())
}

// ------------------------------------------------------------------------------ tables

type Spec = (&'static str, &'static [&'static str]);

/// Every table the seed writes, in foreign-key order, with its columns.
const TABLES: [Spec; 26] = [
    (
        "duos",
        &[
            "id",
            "code",
            "relationship",
            "phase",
            "phase_since",
            "paused_from",
            "format",
            "created_at",
        ],
    ),
    (
        "users",
        &[
            "id",
            "email",
            "name",
            "password_hash",
            "kind",
            "roles",
            "must_change_password",
            "totp_secret",
            "totp_enabled",
            "totp_last_step",
            "active",
            "email_verified",
            "participant_id",
            "lang",
            "created_at",
            "updated_at",
        ],
    ),
    ("rooms", &["id", "name", "created_by", "created_at"]),
    (
        "participants",
        &[
            "id",
            "duo_id",
            "user_id",
            "code",
            "member_role",
            "motivation",
            "created_at",
        ],
    ),
    (
        "data_keys",
        &["owner_id", "wrapped_key", "master_key_id", "created_at"],
    ),
    ("duo_team", &["duo_id", "user_id", "team_role"]),
    (
        "invitations",
        &[
            "id",
            "duo_id",
            "partner_name",
            "partner_email",
            "status",
            "created_at",
            "expires_at",
            "updated_at",
        ],
    ),
    (
        "phase_log",
        &[
            "id",
            "duo_id",
            "from_phase",
            "to_phase",
            "transition",
            "actor_id",
            "at",
        ],
    ),
    (
        "consent_acceptances",
        &["id", "user_id", "document_id", "accepted_at", "method"],
    ),
    (
        "withdrawals",
        &["id", "duo_id", "participant_id", "reason", "at"],
    ),
    (
        "messages",
        &[
            "id",
            "participant_id",
            "author_id",
            "from_team",
            "body",
            "created_at",
        ],
    ),
    (
        "intakes",
        &[
            "participant_id",
            "form_version",
            "status",
            "answers",
            "revision",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
        ],
    ),
    (
        "intake_versions",
        &[
            "id",
            "participant_id",
            "version",
            "form_version",
            "answers",
            "submitted_at",
            "amendment_reason",
            "requested_by",
        ],
    ),
    (
        "screening_runs",
        &[
            "id",
            "duo_id",
            "knowledge_version",
            "recommended_format",
            "run_at",
            "run_by",
        ],
    ),
    ("screening_findings", &["run_id", "owner_id", "findings"]),
    (
        "screening_decisions",
        &[
            "id",
            "duo_id",
            "run_id",
            "format",
            "rationale",
            "signed_by",
            "signer_name",
            "meaning",
            "signed_at",
        ],
    ),
    (
        "meetings",
        &[
            "id",
            "duo_id",
            "kind",
            "with_participant",
            "starts_at",
            "minutes",
            "video_url",
            "created_by",
            "created_at",
            "held_at",
            "note",
        ],
    ),
    (
        "meeting_staff",
        &["meeting_id", "user_id", "starts_at", "ends_at"],
    ),
    (
        "agreement_versions",
        &[
            "id",
            "duo_id",
            "version",
            "sections",
            "content_hash",
            "created_by",
            "created_at",
        ],
    ),
    (
        "agreement_signatures",
        &[
            "id",
            "duo_id",
            "version",
            "content_hash",
            "participant_id",
            "user_id",
            "role",
            "signed_at",
        ],
    ),
    (
        "sessions",
        &[
            "id",
            "duo_id",
            "participant_id",
            "room_id",
            "starts_at",
            "ends_at",
            "overnight",
            "escort",
            "support_contact",
            "status",
            "created_by",
            "created_at",
            "closed_at",
        ],
    ),
    (
        "session_staff",
        &["session_id", "user_id", "starts_at", "ends_at"],
    ),
    (
        "session_events",
        &[
            "id",
            "session_id",
            "seq",
            "kind",
            "participant_id",
            "corrects",
            "author_id",
            "at",
            "body",
            "client_key",
        ],
    ),
    (
        "journal_entries",
        &[
            "id",
            "participant_id",
            "duo_id",
            "tag",
            "body",
            "share_partner",
            "share_team",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "checkins",
        &[
            "id",
            "participant_id",
            "duo_id",
            "session_id",
            "point",
            "instruments",
            "due_at",
            "closes_at",
            "answered_at",
            "answers",
            "created_at",
        ],
    ),
    (
        "alerts",
        &[
            "id",
            "duo_id",
            "participant_id",
            "checkin_id",
            "signals",
            "status",
            "opened_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "escalated_at",
        ],
    ),
];

const AUDIT_COLUMNS: &[&str] = &[
    "seq",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "subject_id",
    "resource",
    "outcome",
    "reason",
    "flags",
    "prev_hash",
    "hash",
];

/// Rows for one transaction, one list per table of [`TABLES`] plus the audit records.
struct Batch {
    rows: Vec<Vec<Vec<Cell>>>,
    phases: BTreeMap<&'static str, u64>,
}

impl Default for Batch {
    fn default() -> Self {
        Self {
            rows: vec![Vec::new(); TABLES.len() + 1],
            phases: BTreeMap::new(),
        }
    }
}

impl Batch {
    fn push(&mut self, table: &str, row: Vec<Cell>) {
        let i = TABLES
            .iter()
            .position(|t| t.0 == table)
            .unwrap_or_else(|| panic!("the seed does not write {table}"));
        debug_assert_eq!(row.len(), TABLES[i].1.len(), "row width of {table}");
        self.rows[i].push(row);
    }
}

// The audit trail is written last in each transaction, through its own slot.
async fn write_audit(tx: &mut sqlx::AnyConnection, rows: Vec<Vec<Cell>>) -> anyhow::Result<u64> {
    Ok(bulk::insert(tx, "audit_log", AUDIT_COLUMNS, rows).await?)
}

// ------------------------------------------------------------------------------ generation

#[derive(Default)]
struct Staff {
    /// (user id, name)
    facilitators: Vec<(String, String)>,
    clinicians: Vec<(String, String)>,
    coordinators: Vec<(String, String)>,
}

/// The audit chain as the seed extends it: the last seq and hash, and the entries of the
/// current batch waiting to be chained (in time order).
struct Chain {
    seq: i64,
    prev: String,
    pending: Vec<(i64, AuditEntry)>,
}

struct Generator {
    rng: StdRng,
    sealer: Sealer,
    form: &'static Form,
    knowledge: &'static Knowledge,
    checkin_knowledge: &'static CheckInKnowledge,
    protocol: &'static Protocol,
    documents: Vec<String>,
    password_hash: String,
    tag: String,
    now: i64,
    staff: Staff,
    rooms: Vec<String>,
    chain: Chain,
    people: usize,
    report: SeedReport,
}

/// The phases in pathway order, and how often each occurs among seeded duos (per 100).
const PATHWAY: [(&str, u32); 9] = [
    ("invited", 5),
    ("intake", 18),
    ("screening", 8),
    ("preparation", 16),
    ("scheduled", 8),
    ("session", 3),
    ("integration", 12),
    ("aftercare", 16),
    ("closed", 14),
];
const WITHDRAWN_PER_100: u32 = 5;
const DECLINED_PER_100: u32 = 3;

const FIRST_NAMES: [&str; 40] = [
    "Alex", "Bo", "Sam", "Noor", "Mira", "Jonas", "Lena", "Tariq", "Ines", "Ruben", "Femke",
    "Daan", "Yara", "Milan", "Sofia", "Kofi", "Hana", "Lucas", "Amira", "Thijs", "Eva", "Omar",
    "Lotte", "Jin", "Maya", "Pieter", "Zoë", "Ravi", "Anouk", "Elif", "Sven", "Nadia", "Tom",
    "Leila", "Bram", "Iris", "Karim", "Saar", "Finn", "Roos",
];
const INITIALS: &[u8] = b"ABCDEFGHJKLMNOPRSTVWZ";
const RELATIONSHIPS: [&str; 4] = ["couple", "couple", "friends", "family"];

const MOTIVATIONS: [&str; 6] = [
    "We want to talk about what happened last year without it turning into a fight.",
    "Since the loss we have drifted apart and would like to find each other again.",
    "We are close friends and want to understand an old hurt between us.",
    "I hope we can feel safe with each other again.",
    "My sister and I want to make peace with how we grew up.",
    "We have tried talking many times; we would like to try it this way, with support.",
];
const JOURNAL_TEXTS: [&str; 8] = [
    "Slept badly, but the walk this morning helped. I noticed I was less tense around them.",
    "We had the first real conversation in months. I did not interrupt once.",
    "Today was heavy. I keep thinking about what was said near the end of the session.",
    "Small thing: they made coffee without asking and it felt like being seen.",
    "I wrote down three things I want to remember from the preparation meeting.",
    "Old anger came up when we talked about money. I took a break like we agreed.",
    "Grateful, and a little scared of falling back into old habits.",
    "We laughed about something silly for the first time in ages.",
];
const MESSAGES: [&str; 4] = [
    "Is it all right if I bring my own blanket on the day?",
    "Thank you for the call, it helped to hear what to expect.",
    "Could we move the meeting next week to the afternoon?",
    "I have a question about my medication; can the clinician call me?",
];
const NOTES: [&str; 4] = [
    "Both settled, lying down with eye shades; music on.",
    "Brief talk between them, calm; back to their own process.",
    "A asked for water and a blanket; given.",
    "Emotional release, stayed with B; resolved within twenty minutes.",
];
const MEDICATIONS: [(&str, &str); 5] = [
    ("levothyroxine", "50 mcg"),
    ("ibuprofen", "400 mg when needed"),
    ("lisinopril", "10 mg"),
    ("sertraline", "50 mg"),
    ("cetirizine", "10 mg"),
];

fn days(n: i64) -> i64 {
    n * MICROS_PER_DAY
}

impl Generator {
    fn seal(
        &self,
        key: &DataKey,
        owner: &str,
        place: Place<'_>,
        plain: &[u8],
    ) -> anyhow::Result<Vec<u8>> {
        Ok(key.seal(owner, place, plain)?)
    }

    /// A data key for a new owner, with its row.
    fn data_key(&self, owner: &str, at: i64, batch: &mut Batch) -> anyhow::Result<DataKey> {
        let (key, wrapped) = self.sealer.new_data_key(owner)?;
        batch.push(
            "data_keys",
            vec![
                owner.into(),
                wrapped.into(),
                self.sealer.master_key_id().into(),
                at.into(),
            ],
        );
        Ok(key)
    }

    fn audit(&mut self, at: i64, entry: AuditEntry) {
        self.chain.pending.push((at, entry));
    }

    /// Chains the pending audit entries (oldest first) onto the trail.
    fn chain_pending(&mut self, batch: &mut Batch) {
        let mut pending = std::mem::take(&mut self.chain.pending);
        pending.sort_by_key(|(at, _)| *at);
        let slot = TABLES.len();
        for (at, e) in pending {
            self.chain.seq += 1;
            let seq = self.chain.seq;
            let hash = record_hash(&self.chain.prev, seq, at, &e);
            batch.rows[slot].push(vec![
                seq.into(),
                at.into(),
                e.actor_id.into(),
                e.actor_role.into(),
                e.action.into(),
                e.subject_id.into(),
                e.resource.into(),
                e.outcome.into(),
                e.reason.into(),
                e.flags.into(),
                self.chain.prev.clone().into(),
                hash.clone().into(),
            ]);
            self.chain.prev = hash;
        }
    }

    fn name(&mut self) -> String {
        let first = FIRST_NAMES[self.rng.gen_range(0..FIRST_NAMES.len())];
        let initial = char::from(INITIALS[self.rng.gen_range(0..INITIALS.len())]);
        format!("{first} {initial}.")
    }

    fn email(&self, who: &str, n: usize) -> String {
        format!("{who}{n}.{}@{SEED_DOMAIN}", self.tag)
    }

    fn staff_and_rooms(
        &mut self,
        duos: usize,
        totp_raw: &[u8],
        batch: &mut Batch,
    ) -> anyhow::Result<()> {
        let created = self.now - days(800);
        let plan = [
            ("facilitator", (duos / 50).max(4)),
            ("clinician", (duos / 100).max(2)),
            ("coordinator", (duos / 2000).max(2)),
            ("researcher", 1),
        ];
        for (role, count) in plan {
            for n in 1..=count {
                let id = new_id();
                let name = self.name();
                let sealed_totp = self.sealer.seal_system(
                    Place {
                        table: "users",
                        row: &id,
                        field: "totp_secret",
                    },
                    totp_raw,
                )?;
                let email = self.email(role, n);
                batch.push(
                    "users",
                    vec![
                        id.clone().into(),
                        email.clone().into(),
                        name.clone().into(),
                        self.password_hash.clone().into(),
                        "staff".into(),
                        role.into(),
                        0i64.into(),
                        sealed_totp.into(),
                        1i64.into(),
                        0i64.into(),
                        1i64.into(),
                        1i64.into(),
                        Cell::Text(None),
                        "en".into(),
                        created.into(),
                        created.into(),
                    ],
                );
                self.audit(
                    created,
                    AuditEntry::new("cli", "operator", "create_staff")
                        .subject(&id)
                        .resource("accounts")
                        .reason(&format!("roles={role}")),
                );
                let entry = (id.clone(), name);
                match role {
                    "facilitator" => self.staff.facilitators.push(entry),
                    "clinician" => self.staff.clinicians.push(entry),
                    "coordinator" => {
                        if self.report.targets.coordinator.email.is_empty() {
                            self.report.targets.coordinator = Login { email, user_id: id };
                        }
                        self.staff.coordinators.push(entry)
                    }
                    _ => {}
                }
            }
        }
        let rooms = (duos / 500).max(3);
        let by = self.staff.coordinators[0].0.clone();
        for n in 1..=rooms {
            let id = new_id();
            batch.push(
                "rooms",
                vec![
                    id.clone().into(),
                    format!("Room {n} ({})", self.tag).into(),
                    by.clone().into(),
                    created.into(),
                ],
            );
            self.rooms.push(id);
        }
        self.chain_pending(batch);
        Ok(())
    }

    /// The phase of duo `i`: the first duos walk through every phase once (so even a
    /// small data set has each), the rest follow the weights.
    fn phase_of(&mut self, i: usize) -> &'static str {
        const ORDER: [&str; 11] = [
            "preparation",
            "intake",
            "session",
            "screening",
            "scheduled",
            "integration",
            "aftercare",
            "closed",
            "invited",
            "withdrawn",
            "declined",
        ];
        if let Some(p) = ORDER.get(i) {
            return p;
        }
        let mut roll = self
            .rng
            .gen_range(0..100 + WITHDRAWN_PER_100 + DECLINED_PER_100);
        for (phase, weight) in PATHWAY {
            if roll < weight {
                return phase;
            }
            roll -= weight;
        }
        if roll < WITHDRAWN_PER_100 {
            "withdrawn"
        } else {
            "declined"
        }
    }

    fn duos(&mut self, range: std::ops::Range<usize>) -> anyhow::Result<Batch> {
        let mut batch = Batch::default();
        for i in range {
            let phase = self.phase_of(i);
            self.duo(i, phase, &mut batch)?;
            *batch.phases.entry(phase).or_default() += 1;
        }
        self.chain_pending(&mut batch);
        Ok(batch)
    }

    /// Complete, valid intake answers for one person.
    fn answers(&mut self, pid_tag: &str) -> Value {
        let r = &mut self.rng;
        let sex = ["female", "male", "female", "male", "other"][r.gen_range(0..5)];
        let year = r.gen_range(1960..2003);
        let mut conditions = Vec::new();
        if r.gen_bool(0.15) {
            conditions.push("hypertension");
        }
        if r.gen_bool(0.05) {
            conditions.push("diabetes");
        }
        if r.gen_bool(0.03) {
            conditions.push("hyperthyroidism");
        }
        let meds: Vec<Value> = (0..r.gen_range(0..3))
            .map(|_| {
                let (name, dose) = MEDICATIONS[r.gen_range(0..MEDICATIONS.len())];
                json!({"name": name, "dose": dose})
            })
            .collect();
        let scores = |r: &mut StdRng, n: usize, max: u8| -> Vec<u8> {
            (0..n).map(|_| r.gen_range(0..=max)).collect()
        };
        let mut a = json!({
            "sex": sex,
            "date_of_birth": format!("{year}-{:02}-{:02}", r.gen_range(1..13), r.gen_range(1..29)),
            "weight_kg": r.gen_range(48..110),
            "conditions": conditions,
            "mental_health_care_now": if r.gen_bool(0.2) { "yes" } else { "no" },
            "psychiatric_admission_ever": "no",
            "medications": meds,
            "substances": [],
            "phq9": scores(r, 9, 2),
            "gad7": scores(r, 7, 2),
            "pcl5": scores(r, 20, 2),
            "auditc": scores(r, 3, 2),
            "self_harm": {"thoughts_past_month": false, "plan_past_month": false, "attempt_past_year": false, "attempt_ever": false},
            "relationship": {
                "conflict": r.gen_range(1..5), "trust": r.gen_range(2..6), "safety": r.gen_range(3..6),
                "equality": r.gen_range(2..6), "pressured": false, "afraid_of_partner": false, "controlled": false
            },
            "motivation": {"own": format!("I want us to understand each other again ({pid_tag})."), "mainly_for_partner": r.gen_range(1..4)},
            "intention": "To listen without fixing, and to say what I usually keep to myself.",
            "goals": "Fewer silent evenings; talking about the hard year without blaming."
        });
        if conditions.contains(&"hypertension") {
            a["hypertension_controlled"] = json!("yes");
        }
        if sex != "male" {
            a["pregnant"] = json!("no");
            a["breastfeeding"] = json!("no");
        }
        a
    }

    /// The first sections of an intake, as a draft half filled in.
    fn draft_answers(&mut self, pid_tag: &str) -> Value {
        let full = self.answers(pid_tag);
        let keep = self.rng.gen_range(2..9);
        let mut out = serde_json::Map::new();
        if let Value::Object(map) = full {
            for (k, v) in map.into_iter().take(keep) {
                out.insert(k, v);
            }
        }
        Value::Object(out)
    }

    fn duo(&mut self, i: usize, phase: &'static str, batch: &mut Batch) -> anyhow::Result<()> {
        // How far along the pathway the duo came (withdrawn and declined stop somewhere).
        let stage = match phase {
            "withdrawn" => self.rng.gen_range(1..5),
            "declined" => 0,
            p => PATHWAY.iter().position(|(q, _)| *q == p).unwrap_or(0),
        };
        let step = days(self.rng.gen_range(6..21));
        let created = self.now - step * (stage as i64 + 1) - days(self.rng.gen_range(1..30));
        let at = |k: i64| created + k * step;
        let duo_id = new_id();
        let relationship = RELATIONSHIPS[self.rng.gen_range(0..RELATIONSHIPS.len())];
        let duo_key = self.data_key(&duo_id, created, batch)?;

        // Staff: every duo past the invitation has a facilitator and a clinician.
        let facilitator = self.staff.facilitators[i % self.staff.facilitators.len()].clone();
        let clinician = self.staff.clinicians[i % self.staff.clinicians.len()].clone();
        let coordinator = self.staff.coordinators[i % self.staff.coordinators.len()].clone();

        // The two people.
        let joined = stage >= 1 && phase != "declined";
        let count = if joined { 2 } else { 1 };
        let mut people = Vec::new();
        for member in 0..count {
            self.people += 1;
            let n = self.people;
            let pid = new_id();
            let uid = new_id();
            let name = self.name();
            let email = self.email("p", n);
            let since = if member == 0 {
                created
            } else {
                at(1) - days(1)
            };
            let key = self.data_key(&pid, since, batch)?;
            let motivation = MOTIVATIONS[self.rng.gen_range(0..MOTIVATIONS.len())];
            let motivation = self.seal(
                &key,
                &pid,
                Place {
                    table: "participants",
                    row: &pid,
                    field: "motivation",
                },
                motivation.as_bytes(),
            )?;
            batch.push(
                "users",
                vec![
                    uid.clone().into(),
                    email.clone().into(),
                    name.clone().into(),
                    self.password_hash.clone().into(),
                    "participant".into(),
                    "participant".into(),
                    0i64.into(),
                    Cell::Blob(None),
                    0i64.into(),
                    0i64.into(),
                    1i64.into(),
                    1i64.into(),
                    pid.clone().into(),
                    "en".into(),
                    since.into(),
                    since.into(),
                ],
            );
            batch.push(
                "participants",
                vec![
                    pid.clone().into(),
                    duo_id.clone().into(),
                    uid.clone().into(),
                    dyad_store::duos::pseudonym('P').into(),
                    if member == 0 { "inviter" } else { "invitee" }.into(),
                    motivation.into(),
                    since.into(),
                ],
            );
            for doc in &self.documents {
                batch.push(
                    "consent_acceptances",
                    vec![
                        new_id().into(),
                        uid.clone().into(),
                        doc.clone().into(),
                        since.into(),
                        if member == 0 { "sign_up" } else { "invitation" }.into(),
                    ],
                );
            }
            self.audit(
                since,
                AuditEntry::new(
                    &uid,
                    "participant",
                    if member == 0 { "sign_up" } else { "join" },
                )
                .subject(&duo_id)
                .resource("duo"),
            );
            people.push(Person {
                pid,
                uid,
                email,
                key,
            });
        }
        let partner_name = self.name();
        let invitation_status = match phase {
            "declined" => "declined",
            _ if joined => "joined",
            "withdrawn" => "cancelled",
            _ => "waiting",
        };
        batch.push(
            "invitations",
            vec![
                new_id().into(),
                duo_id.clone().into(),
                partner_name.into(),
                people
                    .get(1)
                    .map(|p| p.email.clone())
                    .unwrap_or_else(|| self.email("invitee", self.people))
                    .into(),
                invitation_status.into(),
                created.into(),
                (created + days(14)).into(),
                if joined { at(1) } else { created }.into(),
            ],
        );
        if joined {
            batch.push(
                "duo_team",
                vec![
                    duo_id.clone().into(),
                    facilitator.0.clone().into(),
                    "facilitator".into(),
                ],
            );
            batch.push(
                "duo_team",
                vec![
                    duo_id.clone().into(),
                    clinician.0.clone().into(),
                    "clinician".into(),
                ],
            );
            self.audit(
                at(1),
                AuditEntry::new(&coordinator.0, "coordinator", "write")
                    .subject(&duo_id)
                    .resource("team_assignment")
                    .outcome("allow"),
            );
        }

        // The phase log: sign-up, then each step the duo took.
        let mut log = vec![(
            "invited",
            "invited",
            "sign_up",
            people[0].uid.clone(),
            created,
        )];
        let steps = [
            ("intake", "partner_joined"),
            ("screening", "intakes_submitted"),
            ("preparation", "screening_decided"),
            ("scheduled", "session_booked"),
            ("session", "session_started"),
            ("integration", "session_closed"),
            ("aftercare", "integration_done"),
            ("closed", "close"),
        ];
        let mut current = "invited";
        for (k, (to, transition)) in steps.iter().enumerate().take(stage) {
            let actor = match *transition {
                "partner_joined" => people[1].uid.clone(),
                "intakes_submitted" => people[1].uid.clone(),
                "screening_decided" => clinician.0.clone(),
                _ => facilitator.0.clone(),
            };
            log.push((current, to, transition, actor, at(k as i64 + 1)));
            current = to;
        }
        let phase_since;
        match phase {
            "declined" => {
                phase_since = created + days(3);
                log.push((
                    "invited",
                    "declined",
                    "invitation_declined",
                    people[0].uid.clone(),
                    phase_since,
                ));
            }
            "withdrawn" => {
                phase_since = at(stage as i64) + days(2);
                let who = &people[self.rng.gen_range(0..people.len())];
                log.push((
                    current,
                    "withdrawn",
                    "withdraw",
                    who.uid.clone(),
                    phase_since,
                ));
                let wid = new_id();
                let reason = self.seal(
                    &who.key,
                    &who.pid,
                    Place {
                        table: "withdrawals",
                        row: &wid,
                        field: "reason",
                    },
                    b"It is not the right time for me.",
                )?;
                batch.push(
                    "withdrawals",
                    vec![
                        wid.into(),
                        duo_id.clone().into(),
                        who.pid.clone().into(),
                        reason.into(),
                        phase_since.into(),
                    ],
                );
            }
            _ => phase_since = at(stage as i64),
        }
        for (from, to, transition, actor, when) in &log {
            batch.push(
                "phase_log",
                vec![
                    new_id().into(),
                    duo_id.clone().into(),
                    (*from).into(),
                    (*to).into(),
                    (*transition).into(),
                    actor.clone().into(),
                    (*when).into(),
                ],
            );
            if *transition != "sign_up" {
                self.audit(
                    *when,
                    AuditEntry::new(
                        actor,
                        if actor.as_str() == people[0].uid {
                            "participant"
                        } else {
                            "facilitator"
                        },
                        "transition",
                    )
                    .subject(&duo_id)
                    .resource("duo_phase")
                    .reason(&format!("{transition}:{from}->{to}")),
                );
            }
        }

        // Intakes: drafts in the intake phase, submitted versions from screening on.
        let mut submitted: Vec<IntakeAnswers> = Vec::new();
        if joined && stage >= 1 {
            for (k, p) in people.iter().enumerate() {
                let tag = format!("{}-{}", i, k);
                let done = stage >= 2 || (stage == 1 && k == 0 && self.rng.gen_bool(0.3));
                let answers = if done {
                    self.answers(&tag)
                } else {
                    self.draft_answers(&tag)
                };
                let plain = serde_json::to_vec(&answers)?;
                let sealed = self.seal(
                    &p.key,
                    &p.pid,
                    dyad_web::api::intake::working_place(&p.pid),
                    &plain,
                )?;
                let started = at(1);
                let submitted_at = at(2) - days(1);
                batch.push(
                    "intakes",
                    vec![
                        p.pid.clone().into(),
                        self.form.version.clone().into(),
                        if done { "submitted" } else { "draft" }.into(),
                        sealed.into(),
                        if done { 9i64 } else { 6i64 }.into(),
                        1i64.into(),
                        started.into(),
                        if done {
                            submitted_at
                        } else {
                            started + days(2)
                        }
                        .into(),
                        if done { Some(submitted_at) } else { None }.into(),
                    ],
                );
                self.audit(
                    started,
                    AuditEntry::new(&p.uid, "participant", "write")
                        .subject(&p.pid)
                        .resource("intake")
                        .outcome("allow"),
                );
                if done {
                    let vid = new_id();
                    let sealed = self.seal(
                        &p.key,
                        &p.pid,
                        dyad_web::api::intake::version_place(&vid),
                        &plain,
                    )?;
                    batch.push(
                        "intake_versions",
                        vec![
                            vid.into(),
                            p.pid.clone().into(),
                            1i64.into(),
                            self.form.version.clone().into(),
                            sealed.into(),
                            submitted_at.into(),
                            "".into(),
                            "".into(),
                        ],
                    );
                    submitted.push(IntakeAnswers::new(p.pid.clone(), answers));
                }
            }
        }

        // Screening with the real rules over both intakes; the clinician decides and signs.
        let mut format: Option<String> = None;
        if stage >= 2 && submitted.len() == 2 {
            let result = dyad_core::screening::screen(self.knowledge, &submitted);
            let run_id = new_id();
            let run_at = at(2);
            batch.push(
                "screening_runs",
                vec![
                    run_id.clone().into(),
                    duo_id.clone().into(),
                    result.knowledge_version.clone().into(),
                    result.recommended_format.as_str().into(),
                    run_at.into(),
                    clinician.0.clone().into(),
                ],
            );
            let owners: Vec<(&str, &DataKey)> = people
                .iter()
                .map(|p| (p.pid.as_str(), &p.key))
                .chain(std::iter::once((duo_id.as_str(), &duo_key)))
                .collect();
            for (owner, key) in owners {
                let own: Vec<_> = result
                    .findings
                    .iter()
                    .filter(|f| f.participant_id.as_deref().unwrap_or(&duo_id) == owner)
                    .collect();
                let sealed = self.seal(
                    key,
                    owner,
                    Place {
                        table: "screening_findings",
                        row: &run_id,
                        field: "findings",
                    },
                    &serde_json::to_vec(&own)?,
                )?;
                batch.push(
                    "screening_findings",
                    vec![run_id.clone().into(), owner.into(), sealed.into()],
                );
            }
            self.audit(
                run_at,
                AuditEntry::new(&clinician.0, "clinician", "read")
                    .subject(&duo_id)
                    .resource("screening_findings")
                    .outcome("allow"),
            );
            if stage >= 3 {
                let decided = result
                    .recommended_format
                    .as_str()
                    .parse::<DecisionFormat>()
                    .map(|f| f.as_str())
                    .unwrap_or("duo_two_facilitators");
                let did = new_id();
                let rationale = self.seal(
                    &duo_key,
                    &duo_id,
                    Place {
                        table: "screening_decisions",
                        row: &did,
                        field: "rationale",
                    },
                    b"Both intakes reviewed with the findings; no contraindication that rules out this format. Blood pressure to be checked at the preparation meeting.",
                )?;
                batch.push(
                    "screening_decisions",
                    vec![
                        did.into(),
                        duo_id.clone().into(),
                        run_id.clone().into(),
                        decided.into(),
                        rationale.into(),
                        clinician.0.clone().into(),
                        clinician.1.clone().into(),
                        dyad_web::api::screening::SIGNATURE_MEANING.into(),
                        (at(3) - days(1)).into(),
                    ],
                );
                self.audit(
                    at(3) - days(1),
                    AuditEntry::new(&clinician.0, "clinician", "decide")
                        .subject(&duo_id)
                        .resource("screening_decision")
                        .outcome("allow"),
                );
                format = Some(decided.to_string());
            }
        }

        // Preparation: a joint meeting, the agreement with signatures.
        if stage >= 3 && format.is_some() {
            let mid = new_id();
            let starts = at(3) + days(3);
            let held = stage >= 4;
            let note = if held {
                Some(self.seal(
                    &duo_key,
                    &duo_id,
                    Place {
                        table: "meetings",
                        row: &mid,
                        field: "note",
                    },
                    b"Went through the agreement together; both want quiet in the first hours.",
                )?)
            } else {
                None
            };
            batch.push(
                "meetings",
                vec![
                    mid.clone().into(),
                    duo_id.clone().into(),
                    "preparation".into(),
                    Cell::Text(None),
                    starts.into(),
                    60i64.into(),
                    "".into(),
                    facilitator.0.clone().into(),
                    at(3).into(),
                    if held {
                        Some(starts + 60 * MICROS_PER_MINUTE)
                    } else {
                        None
                    }
                    .into(),
                    note.into(),
                ],
            );
            batch.push(
                "meeting_staff",
                vec![
                    mid.into(),
                    facilitator.0.clone().into(),
                    starts.into(),
                    (starts + 60 * MICROS_PER_MINUTE).into(),
                ],
            );
            let mut sections = AgreementSections {
                boundaries: "We each stay in our own process unless invited.".into(),
                proximity: "Mattresses an arm's length apart.".into(),
                music: "Music through headphones; silence on request.".into(),
                time_outs: "Either of us may step out with a facilitator.".into(),
                talking: "Quiet in the first hours, talking later if both want.".into(),
                shared_vs_own: "Mostly our own process, a shared hour after the peak.".into(),
                difficult_moments: "A facilitator sits with the one who struggles.".into(),
                afterwards: "We talk the next morning, not on the drive home.".into(),
                confidentiality: "What is said in the room stays with the team.".into(),
                ..AgreementSections::default()
            };
            for p in &people {
                sections
                    .intentions
                    .insert(p.pid.clone(), "To feel safe together and to listen.".into());
                sections.touch.insert(
                    p.pid.clone(),
                    TouchConsent {
                        from_partner: [TouchKind::Hand, TouchKind::Hug].into(),
                        from_facilitator: [TouchKind::Shoulder].into(),
                    },
                );
            }
            let hash = sections.content_hash();
            let aid = new_id();
            let sealed = self.seal(
                &duo_key,
                &duo_id,
                Place {
                    table: "agreement_versions",
                    row: &aid,
                    field: "sections",
                },
                &serde_json::to_vec(&sections)?,
            )?;
            batch.push(
                "agreement_versions",
                vec![
                    aid.into(),
                    duo_id.clone().into(),
                    1i64.into(),
                    sealed.into(),
                    hash.clone().into(),
                    facilitator.0.clone().into(),
                    (at(3) + days(4)).into(),
                ],
            );
            if stage >= 4 {
                let signed = at(4) - days(1);
                let signers = people
                    .iter()
                    .map(|p| (Some(p.pid.clone()), p.uid.clone(), "participant"))
                    .chain(std::iter::once((
                        None,
                        facilitator.0.clone(),
                        "facilitator",
                    )));
                for (pid, uid, role) in signers {
                    batch.push(
                        "agreement_signatures",
                        vec![
                            new_id().into(),
                            duo_id.clone().into(),
                            1i64.into(),
                            hash.clone().into(),
                            pid.into(),
                            uid.clone().into(),
                            role.into(),
                            signed.into(),
                        ],
                    );
                    self.audit(
                        signed,
                        AuditEntry::new(&uid, role, "sign")
                            .subject(&duo_id)
                            .resource("agreement")
                            .reason("version=1"),
                    );
                }
            }
        }

        // The session day: booked, running (entries so far) or closed (the whole day).
        if stage >= 4 && format.is_some() {
            let sid = new_id();
            let room = self.rooms[i % self.rooms.len()].clone();
            let status = match stage {
                4 => "booked",
                5 => "running",
                _ => "closed",
            };
            let starts = match status {
                "booked" => {
                    self.now
                        + days(self.rng.gen_range(3..40))
                        + (i as i64 % 600) * MICROS_PER_MINUTE
                }
                "running" => self.now - 3 * 60 * MICROS_PER_MINUTE,
                _ => at(5),
            };
            let ends = starts + 8 * 60 * MICROS_PER_MINUTE;
            let escort = self.seal(
                &duo_key,
                &duo_id,
                Place {
                    table: "sessions",
                    row: &sid,
                    field: "escort",
                },
                b"Picked up by a friend at 18:00",
            )?;
            let support = self.seal(
                &duo_key,
                &duo_id,
                Place {
                    table: "sessions",
                    row: &sid,
                    field: "support_contact",
                },
                b"Sister, +31 6 0000 0000",
            )?;
            batch.push(
                "sessions",
                vec![
                    sid.clone().into(),
                    duo_id.clone().into(),
                    Cell::Text(None),
                    room.into(),
                    starts.into(),
                    ends.into(),
                    0i64.into(),
                    escort.into(),
                    support.into(),
                    status.into(),
                    facilitator.0.clone().into(),
                    (at(4) - days(2)).into(),
                    if status == "closed" { Some(ends) } else { None }.into(),
                ],
            );
            batch.push(
                "session_staff",
                vec![
                    sid.clone().into(),
                    facilitator.0.clone().into(),
                    starts.into(),
                    ends.into(),
                ],
            );
            batch.push(
                "session_staff",
                vec![
                    sid.clone().into(),
                    clinician.0.clone().into(),
                    starts.into(),
                    ends.into(),
                ],
            );
            if status != "booked" {
                let events = self.session_events(&people, status == "closed");
                for (seq, (minute, kind, who, body)) in events.into_iter().enumerate() {
                    let eid = new_id();
                    let when = starts + minute * MICROS_PER_MINUTE;
                    let sealed = self.seal(
                        &duo_key,
                        &duo_id,
                        Place {
                            table: "session_events",
                            row: &eid,
                            field: "body",
                        },
                        &serde_json::to_vec(&body)?,
                    )?;
                    batch.push(
                        "session_events",
                        vec![
                            eid.into(),
                            sid.clone().into(),
                            (seq as i64 + 1).into(),
                            kind.into(),
                            who.into(),
                            Cell::Text(None),
                            facilitator.0.clone().into(),
                            when.into(),
                            sealed.into(),
                            Cell::Text(None),
                        ],
                    );
                    self.audit(
                        when,
                        AuditEntry::new(&facilitator.0, "facilitator", "session_entry")
                            .subject(&duo_id)
                            .resource("session_console")
                            .reason(kind),
                    );
                }
            }
            if status == "closed" {
                self.checkins(&duo_id, &sid, ends, &people, &clinician, batch)?;
            }
            if status == "running" && self.report.targets.running_sessions.len() < MORE_TARGETS {
                let email = self.staff_email("facilitator", &facilitator.0);
                self.report
                    .targets
                    .running_sessions
                    .push((sid.clone(), email));
            }
            if self.report.targets.running_session.is_empty() && status == "running" {
                self.report.targets.running_session = sid;
                self.report.targets.facilitator = Login {
                    email: self.staff_email("facilitator", &facilitator.0),
                    user_id: facilitator.0.clone(),
                };
            }
        }

        // Journals and messages, from preparation on.
        if stage >= 3 && joined {
            for (k, p) in people.iter().enumerate() {
                for e in 0..self.rng.gen_range(1..7) {
                    let jid = new_id();
                    let text = JOURNAL_TEXTS[(i + k + e) % JOURNAL_TEXTS.len()];
                    let sealed = self.seal(
                        &p.key,
                        &p.pid,
                        Place {
                            table: "journal_entries",
                            row: &jid,
                            field: "body",
                        },
                        text.as_bytes(),
                    )?;
                    let when = at(3) + days(e as i64 * 2 + 1);
                    let tag = ["mine", "theirs", "ours"][(e + k) % 3];
                    let share_partner = e % 3 == 1;
                    let share_team = e % 2 == 1;
                    batch.push(
                        "journal_entries",
                        vec![
                            jid.into(),
                            p.pid.clone().into(),
                            duo_id.clone().into(),
                            tag.into(),
                            sealed.into(),
                            i64::from(share_partner).into(),
                            i64::from(share_team).into(),
                            when.into(),
                            when.into(),
                        ],
                    );
                }
            }
        }
        if joined {
            for p in &people {
                for m in 0..self.rng.gen_range(0..3) {
                    let mid = new_id();
                    let from_team = m % 2 == 1;
                    let text = if from_team {
                        "Thank you for your message; we will call you on Thursday."
                    } else {
                        MESSAGES[(i + m) % MESSAGES.len()]
                    };
                    let sealed = self.seal(
                        &p.key,
                        &p.pid,
                        Place {
                            table: "messages",
                            row: &mid,
                            field: "body",
                        },
                        text.as_bytes(),
                    )?;
                    let author = if from_team {
                        facilitator.0.clone()
                    } else {
                        p.uid.clone()
                    };
                    batch.push(
                        "messages",
                        vec![
                            mid.into(),
                            p.pid.clone().into(),
                            author.into(),
                            i64::from(from_team).into(),
                            sealed.into(),
                            (at(1) + days(m as i64 + 1)).into(),
                        ],
                    );
                }
            }
        }

        // Staff reads of the intakes, as a clinician reviewing them does.
        if stage >= 2 && submitted.len() == 2 {
            for p in &people {
                for _ in 0..self.rng.gen_range(1..4) {
                    let when = at(2) + self.rng.gen_range(0..step);
                    self.audit(
                        when,
                        AuditEntry::new(&clinician.0, "clinician", "read")
                            .subject(&p.pid)
                            .resource("intake")
                            .outcome("allow"),
                    );
                }
            }
        }

        batch.push(
            "duos",
            vec![
                duo_id.clone().into(),
                dyad_store::duos::pseudonym('D').into(),
                relationship.into(),
                phase.into(),
                phase_since.into(),
                Cell::Text(None),
                format.clone().into(),
                created.into(),
            ],
        );

        let clinician_email = self.staff_email("clinician", &clinician.0);
        let t = &mut self.report.targets;
        if phase == "preparation" && t.participant.email.is_empty() {
            t.participant = Login {
                email: people[0].email.clone(),
                user_id: people[0].uid.clone(),
            };
            t.participant_duo = duo_id.clone();
        }
        if phase == "intake" && t.intake_participants.len() < MORE_TARGETS {
            for p in &people {
                if !submitted.iter().any(|s| s.participant_id == p.pid) {
                    t.intake_participants.push(p.email.clone());
                }
            }
        }
        if phase == "intake" && t.intake_participant.email.is_empty() {
            let p = &people[1];
            t.intake_participant = Login {
                email: p.email.clone(),
                user_id: p.uid.clone(),
            };
        }
        if phase == "preparation" && t.clinical_duo.is_empty() && submitted.len() == 2 {
            t.clinical_duo = duo_id.clone();
            t.clinical_participant = people[0].pid.clone();
            t.clinician = Login {
                email: clinician_email,
                user_id: clinician.0.clone(),
            };
        }
        Ok(())
    }

    /// The email address of a seeded staff member, from their place in the staff list.
    fn staff_email(&self, role: &str, user_id: &str) -> String {
        let list = match role {
            "clinician" => &self.staff.clinicians,
            _ => &self.staff.facilitators,
        };
        let n = list.iter().position(|(id, _)| id == user_id).unwrap_or(0) + 1;
        self.email(role, n)
    }

    /// The console entries of a session day: (minute, kind, participant, body).
    fn session_events(
        &mut self,
        people: &[Person],
        whole_day: bool,
    ) -> Vec<(i64, &'static str, Option<String>, Value)> {
        let mut out = vec![(0, "mode", None, json!({"mode": "joint"}))];
        for p in people {
            out.push((
                5,
                "dose",
                Some(p.pid.clone()),
                json!({"substance": "MDMA", "dose": "initial", "amount_mg": 100.0}),
            ));
        }
        let hours = if whole_day { 7 } else { 2 };
        let interval = self.protocol.measurements.interval_minutes.max(15);
        let mut minute = interval;
        while minute <= hours * 60 {
            for p in people {
                let r = &mut self.rng;
                out.push((
                    minute,
                    "vitals",
                    Some(p.pid.clone()),
                    json!({
                        "systolic": f64::from(r.gen_range(110..150)),
                        "diastolic": f64::from(r.gen_range(65..95)),
                        "pulse": f64::from(r.gen_range(60..110)),
                        "temperature_c": 36.5 + f64::from(r.gen_range(0..10)) / 10.0,
                    }),
                ));
            }
            if minute % 90 == 0 {
                let text = NOTES[self.rng.gen_range(0..NOTES.len())];
                out.push((minute + 2, "note", None, json!({"text": text})));
            }
            minute += interval;
        }
        if whole_day {
            let checklist: serde_json::Map<String, Value> = self
                .protocol
                .discharge
                .checklist
                .iter()
                .map(|item| (item.clone(), json!(true)))
                .collect();
            for p in people {
                out.push((
                    hours * 60 + 30,
                    "discharge",
                    Some(p.pid.clone()),
                    json!({"checklist": checklist}),
                ));
            }
        }
        out
    }

    /// The aftercare check-ins of a session that closed at `closed_at`, for each person, on
    /// the protocol's schedule (as closing a session creates them): answered ones (checked,
    /// scored and sealed by the same code as a real answer), missed ones, the one open now
    /// and those still to come. An answer that asks the team to get in touch opens an alert,
    /// which the clinician has acknowledged or resolved.
    fn checkins(
        &mut self,
        duo_id: &str,
        session_id: &str,
        closed_at: i64,
        people: &[Person],
        clinician: &(String, String),
        batch: &mut Batch,
    ) -> anyhow::Result<()> {
        let schedule = self.protocol.aftercare.schedule(closed_at);
        for p in people {
            // How faithfully this person answers.
            let keen = self.rng.gen_range(0.4..0.95);
            for (k, planned) in schedule.iter().enumerate() {
                let cid = new_id();
                let open_until = planned.closes_at.min(self.now);
                // One still open has fewer answers so far.
                let chance = if self.now < planned.closes_at {
                    keen / 2.0
                } else {
                    keen
                };
                let mut answered_at = None;
                let mut sealed = None;
                if open_until > planned.due_at && self.rng.gen_bool(chance) {
                    let at = planned.due_at + self.rng.gen_range(0..open_until - planned.due_at);
                    let body = self.checkin_answers(&planned.instruments, k);
                    let prepared =
                        dyad_web::api::aftercare::prepare_answers(&planned.instruments, &body)
                            .map_err(|e| anyhow::anyhow!("seeded check-in answers: {e:?}"))?;
                    sealed = Some(self.seal(
                        &p.key,
                        &p.pid,
                        dyad_web::api::aftercare::answers_place(&cid),
                        &prepared.plain,
                    )?);
                    answered_at = Some(at);
                    self.audit(
                        at,
                        AuditEntry::new(&p.uid, "participant", "write")
                            .subject(&p.pid)
                            .resource("check_in")
                            .outcome("allow"),
                    );
                    if !prepared.signals.is_empty() {
                        self.alert(
                            duo_id,
                            p,
                            &cid,
                            &planned.point,
                            at,
                            &prepared.signals,
                            clinician,
                            batch,
                        )?;
                    }
                }
                batch.push(
                    "checkins",
                    vec![
                        cid.into(),
                        p.pid.clone().into(),
                        duo_id.into(),
                        session_id.into(),
                        planned.point.clone().into(),
                        planned.instruments.join(",").into(),
                        planned.due_at.into(),
                        planned.closes_at.into(),
                        answered_at.into(),
                        sealed.into(),
                        closed_at.into(),
                    ],
                );
            }
        }
        Ok(())
    }

    /// Answers to one check-in: the wellbeing check and each instrument asked, mostly calm
    /// and easing over the months (`k` counts the check-ins since the session). Items that
    /// signal risk are answered at their lowest; a few people ask the team to get in touch.
    fn checkin_answers(
        &mut self,
        instruments: &[String],
        k: usize,
    ) -> dyad_web::api::aftercare::CheckInAnswers {
        use dyad_core::aftercare::Answer;
        let r = &mut self.rng;
        let lift = (k as i64).min(3);
        let mut wellbeing = BTreeMap::new();
        wellbeing.insert(
            "mood".to_string(),
            Answer::Number(r.gen_range(3 + lift..=9)),
        );
        wellbeing.insert(
            "sleep".to_string(),
            Answer::Number(r.gen_range(2 + lift..=9)),
        );
        wellbeing.insert("self_harm".to_string(), Answer::Text("no".into()));
        let contact = if r.gen_bool(0.03) { "yes" } else { "no" };
        wellbeing.insert("contact".to_string(), Answer::Text(contact.into()));
        let mut answers = BTreeMap::new();
        for id in instruments {
            let Some(def) = self.form.instruments().get(id) else {
                continue;
            };
            let risky: Vec<usize> = self
                .checkin_knowledge
                .signals
                .iter()
                .filter(|s| s.instrument.as_deref() == Some(id.as_str()))
                .filter_map(|s| s.item)
                .collect();
            let items = def
                .items
                .iter()
                .map(|item| {
                    let n = item.options.len();
                    let i = if risky.contains(&item.number) || n == 0 {
                        0
                    } else {
                        // Low answers are likelier: the smaller of two rolls.
                        r.gen_range(0..n).min(r.gen_range(0..n))
                    };
                    item.options.get(i).map_or(0, |o| o.value)
                })
                .collect();
            answers.insert(id.clone(), items);
        }
        dyad_web::api::aftercare::CheckInAnswers {
            wellbeing,
            instruments: answers,
        }
    }

    /// The alert an answer with risk signals opened, and what the clinician did with it.
    #[allow(clippy::too_many_arguments)]
    fn alert(
        &mut self,
        duo_id: &str,
        p: &Person,
        checkin_id: &str,
        point: &str,
        opened: i64,
        signals: &[String],
        clinician: &(String, String),
        batch: &mut Batch,
    ) -> anyhow::Result<()> {
        let aid = new_id();
        let sealed = self.seal(
            &p.key,
            &p.pid,
            dyad_web::api::aftercare::signals_place(&aid),
            signals.join(",").as_bytes(),
        )?;
        self.audit(
            opened,
            AuditEntry::new("system", "system", "open_alert")
                .subject(&p.pid)
                .resource("alerts")
                .reason(&format!("check-in {point}")),
        );
        let acknowledged = opened + self.rng.gen_range(5..50) * MICROS_PER_MINUTE;
        let resolved = acknowledged + self.rng.gen_range(1..48) * 60 * MICROS_PER_MINUTE;
        let (status, acknowledged, resolved) = if resolved <= self.now {
            ("resolved", Some(acknowledged), Some(resolved))
        } else if acknowledged <= self.now {
            ("acknowledged", Some(acknowledged), None)
        } else {
            ("open", None, None)
        };
        for (at, action) in [
            (acknowledged, "alert_acknowledge"),
            (resolved, "alert_resolve"),
        ] {
            if let Some(at) = at {
                self.audit(
                    at,
                    AuditEntry::new(&clinician.0, "clinician", action)
                        .subject(&p.pid)
                        .resource("alerts")
                        .reason(&aid),
                );
            }
        }
        let by = |at: Option<i64>| at.map(|_| clinician.0.clone());
        batch.push(
            "alerts",
            vec![
                aid.clone().into(),
                duo_id.into(),
                p.pid.clone().into(),
                checkin_id.into(),
                sealed.into(),
                status.into(),
                opened.into(),
                acknowledged.into(),
                by(acknowledged).into(),
                resolved.into(),
                by(resolved).into(),
                Cell::Int(None),
            ],
        );
        Ok(())
    }

    /// `n` more audit records: staff reading intakes and screening of seeded duos.
    fn audit_padding(&mut self, n: u64, batch: &mut Batch) {
        let year = days(365);
        for _ in 0..n {
            let clinician =
                &self.staff.clinicians[self.rng.gen_range(0..self.staff.clinicians.len())];
            let actor = clinician.0.clone();
            let when = self.now - self.rng.gen_range(0..year);
            let subject = new_id();
            let (action, resource) = [
                ("read", "intake"),
                ("read", "screening_findings"),
                ("read", "session_console"),
                ("write", "session_console"),
            ][self.rng.gen_range(0..4)];
            self.audit(
                when,
                AuditEntry::new(&actor, "clinician", action)
                    .subject(&subject)
                    .resource(resource)
                    .outcome("allow"),
            );
        }
        self.chain_pending(batch);
    }
}

struct Person {
    pid: String,
    uid: String,
    email: String,
    key: DataKey,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_answers_pass_the_form() {
        let form = dyad_web::api::intake::form().unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let master = dyad_store::sealing::MasterKey::generate();
        let mut g = Generator {
            rng: StdRng::seed_from_u64(rng.r#gen()),
            sealer: Sealer::new(master),
            form,
            knowledge: dyad_core::screening::embedded().unwrap(),
            checkin_knowledge: dyad_web::api::aftercare::knowledge().unwrap(),
            protocol: dyad_web::api::session::protocol().unwrap(),
            documents: Vec::new(),
            password_hash: String::new(),
            tag: "test".into(),
            now: 0,
            staff: Staff::default(),
            rooms: Vec::new(),
            chain: Chain {
                seq: 0,
                prev: GENESIS.into(),
                pending: Vec::new(),
            },
            people: 0,
            report: SeedReport::default(),
        };
        for i in 0..200 {
            let answers = g.answers(&i.to_string());
            let problems = form.check_submit(&answers);
            assert!(problems.is_empty(), "{answers}: {problems:?}");
            let draft = g.draft_answers(&i.to_string());
            let problems = form.validate_draft(&draft);
            assert!(problems.is_empty(), "{draft}: {problems:?}");
        }
    }
}
