//! The audit trail: append-only, hash-chained records of every access and change.
//!
//! Each record's hash covers its own fields and the previous record's hash, so altering,
//! deleting or reordering records breaks the chain at the first record touched. Records
//! hold who, what, when and the outcome — never clinical content.

use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::{StoreError, StoreResult};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to record. `subject_id` is the participant, duo or account the action concerns.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub subject_id: String,
    pub resource: String,
    pub outcome: String,
    pub reason: String,
    pub flags: String,
}

impl AuditEntry {
    pub fn new(actor_id: &str, actor_role: &str, action: &str) -> Self {
        Self {
            actor_id: actor_id.into(),
            actor_role: actor_role.into(),
            action: action.into(),
            outcome: "ok".into(),
            ..Default::default()
        }
    }

    pub fn subject(mut self, subject_id: &str) -> Self {
        self.subject_id = subject_id.into();
        self
    }

    pub fn resource(mut self, resource: &str) -> Self {
        self.resource = resource.into();
        self
    }

    pub fn outcome(mut self, outcome: &str) -> Self {
        self.outcome = outcome.into();
        self
    }

    pub fn reason(mut self, reason: &str) -> Self {
        self.reason = reason.into();
        self
    }

    pub fn flags(mut self, flags: &str) -> Self {
        self.flags = flags.into();
        self
    }
}

/// A stored record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub subject_id: String,
    pub resource: String,
    pub outcome: String,
    pub reason: String,
    pub flags: String,
    pub prev_hash: String,
    pub hash: String,
}

type Row = (
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

fn from_row(r: Row) -> AuditRecord {
    AuditRecord {
        seq: r.0,
        at: r.1,
        actor_id: r.2,
        actor_role: r.3,
        action: r.4,
        subject_id: r.5,
        resource: r.6,
        outcome: r.7,
        reason: r.8,
        flags: r.9,
        prev_hash: r.10,
        hash: r.11,
    }
}

const COLUMNS: &str = "seq, at, actor_id, actor_role, action, subject_id, resource, outcome, \
                       reason, flags, prev_hash, hash";

/// The chain hash of one record. JSON array encoding keeps field boundaries unambiguous.
pub fn record_hash(prev_hash: &str, seq: i64, at: i64, e: &AuditEntry) -> String {
    chain_hash(
        prev_hash,
        seq,
        at,
        [
            &e.actor_id,
            &e.actor_role,
            &e.action,
            &e.subject_id,
            &e.resource,
            &e.outcome,
            &e.reason,
            &e.flags,
        ],
    )
}

/// The compact JSON array `[prev_hash, seq, at, actor_id, …, flags]` hashed as it is
/// written, without building a JSON value first (verification hashes a million of these).
fn chain_hash(prev_hash: &str, seq: i64, at: i64, fields: [&str; 8]) -> String {
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(Sha256::new());
    // Serialising strings and integers into a hasher cannot fail.
    let [a, b, c, d, e, f, g, i] = fields;
    let _ = serde_json::to_writer(&mut h, &(prev_hash, seq, at, a, b, c, d, e, f, g, i));
    hex::encode(h.0.finalize())
}

/// Records waiting to be appended, and the turn that one writer at a time holds.
///
/// Appending is a group commit: a caller queues its record and waits for the turn; whoever
/// gets it writes every record queued by then in one transaction — one disk flush for the
/// lot instead of one per record — and answers each waiting caller. With `synchronous =
/// FULL` on SQLite a flush is most of an audited request's cost, so under load many
/// requests share one; alone, a record is written at once as before.
#[derive(Debug, Default)]
pub struct GroupCommit {
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    waiting: std::sync::Mutex<Vec<Waiting>>,
}

#[derive(Debug)]
struct Waiting {
    entry: AuditEntry,
    at: i64,
    reply: tokio::sync::oneshot::Sender<StoreResult<i64>>,
}

/// At most this many records in one transaction (12 parameters each).
const BATCH: usize = 80;

/// Appends one record and returns its sequence number. Returns once the record is
/// committed. Other instances on the same database race for the next `seq`; the primary
/// key lets exactly one win and the others retry on the new tail, so the chain never forks.
pub async fn append(db: &Db, entry: &AuditEntry, now: i64) -> StoreResult<i64> {
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    let queue = &db.audit;
    queue
        .waiting
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(Waiting {
            entry: entry.clone(),
            at: now,
            reply,
        });
    let turn = queue.turn.clone().lock_owned().await;
    // A writer that held the turn before us may have taken our record with its own.
    if let Ok(result) = answer.try_recv() {
        return result;
    }
    let batch: Vec<Waiting> = {
        let mut waiting = queue
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let n = waiting.len().min(BATCH);
        waiting.drain(..n).collect()
    };
    // The write runs on its own task: a caller that goes away (a closed connection drops
    // its request) must not abandon the records of the others it took along.
    let db = db.clone();
    tokio::spawn(async move {
        let _turn = turn;
        write_batch(&db, batch).await;
    });
    answer
        .await
        .unwrap_or_else(|_| Err(StoreError::Conflict("audit record not written".into())))
}

/// Writes `batch` after the current tail in one transaction and answers each caller.
async fn write_batch(db: &Db, batch: Vec<Waiting>) {
    let records: Vec<(&AuditEntry, i64)> = batch.iter().map(|w| (&w.entry, w.at)).collect();
    let result = insert_after_tail(db, &records).await;
    match result {
        Ok(first_seq) => {
            for (i, w) in batch.into_iter().enumerate() {
                let _ = w.reply.send(Ok(first_seq + i as i64));
            }
        }
        Err(e) => {
            let why = e.to_string();
            for w in batch {
                let _ = w.reply.send(Err(StoreError::Conflict(format!(
                    "audit record not written: {why}"
                ))));
            }
        }
    }
}

/// Inserts `records` as the next records of the chain; returns the first one's `seq`.
async fn insert_after_tail(db: &Db, records: &[(&AuditEntry, i64)]) -> StoreResult<i64> {
    if records.is_empty() {
        return Ok(0);
    }
    let mut sql = String::from(
        "INSERT INTO audit_log (seq, at, actor_id, actor_role, action, subject_id, resource, \
         outcome, reason, flags, prev_hash, hash) VALUES ",
    );
    let rows: Vec<String> = (0..records.len())
        .map(|i| format!("({})", crate::db::numbered_params(i * 12 + 1, 12)))
        .collect();
    sql.push_str(&rows.join(", "));
    for _ in 0..64 {
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&db.pool)
                .await?;
        let (prev_seq, mut prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for (i, (entry, at)) in records.iter().enumerate() {
            let seq = prev_seq + 1 + i as i64;
            let hash = record_hash(&prev_hash, seq, *at, entry);
            query = query
                .bind(seq)
                .bind(*at)
                .bind(entry.actor_id.clone())
                .bind(entry.actor_role.clone())
                .bind(entry.action.clone())
                .bind(entry.subject_id.clone())
                .bind(entry.resource.clone())
                .bind(entry.outcome.clone())
                .bind(entry.reason.clone())
                .bind(entry.flags.clone())
                .bind(prev_hash)
                .bind(hash.clone());
            prev_hash = hash;
        }
        // One statement is one transaction: all the records land, or none.
        match query.execute(&db.pool).await {
            Ok(_) => return Ok(prev_seq + 1),
            Err(e) => {
                let err = StoreError::from(e);
                if !err.is_unique_violation() {
                    return Err(err);
                }
            }
        }
    }
    Err(StoreError::Conflict("audit trail busy".into()))
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: u64,
    /// The first record that breaks the chain, and what is wrong with it.
    pub first_bad: Option<(i64, String)>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.first_bad.is_none()
    }
}

async fn page_after(db: Db, after: i64, page: i64) -> StoreResult<Vec<Row>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    )))
    .bind(after)
    .bind(page)
    .fetch_all(&db.pool)
    .await?)
}

/// Walks the whole chain in order, page by page, and names the first broken record. The
/// next page is read while the current one is hashed, so the database and the hashing
/// each keep a core busy.
pub async fn verify(db: &Db) -> StoreResult<VerifyReport> {
    const PAGE: i64 = 20_000;
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_string();
    let mut records = 0u64;
    let mut rows = page_after(db.clone(), 0, PAGE).await?;
    loop {
        if rows.is_empty() {
            return Ok(VerifyReport {
                records,
                first_bad: None,
            });
        }
        let last_seq = rows.last().map_or(0, |r| r.0);
        let next = tokio::spawn(page_after(db.clone(), last_seq, PAGE));
        for row in rows {
            let r = from_row(row);
            if r.seq != expected_seq {
                next.abort();
                return Ok(bad(
                    records,
                    expected_seq,
                    "a record is missing before this point",
                ));
            }
            if r.prev_hash != prev_hash {
                next.abort();
                return Ok(bad(
                    records,
                    r.seq,
                    "it does not follow the previous record",
                ));
            }
            let fields = [
                r.actor_id.as_str(),
                &r.actor_role,
                &r.action,
                &r.subject_id,
                &r.resource,
                &r.outcome,
                &r.reason,
                &r.flags,
            ];
            if chain_hash(&prev_hash, r.seq, r.at, fields) != r.hash {
                next.abort();
                return Ok(bad(records, r.seq, "its content was altered"));
            }
            records += 1;
            expected_seq += 1;
            prev_hash = r.hash;
        }
        rows = next
            .await
            .map_err(|e| StoreError::Conflict(format!("reading the audit trail: {e}")))??;
    }
}

fn bad(records: u64, seq: i64, why: &str) -> VerifyReport {
    VerifyReport {
        records,
        first_bad: Some((seq, why.to_string())),
    }
}

/// Filters for reading the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub subject_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Newest first, filtered. Every filter is a bound parameter.
pub async fn list(db: &Db, f: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
    let limit = f.limit.clamp(1, 500);
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log \
         WHERE ($1 = '' OR actor_id = $1) AND ($2 = '' OR subject_id = $2) \
         AND ($3 = '' OR action = $3) AND at >= $4 AND at <= $5 AND seq < $6 \
         ORDER BY seq DESC LIMIT $7"
    )))
    .bind(f.actor_id.clone().unwrap_or_default())
    .bind(f.subject_id.clone().unwrap_or_default())
    .bind(f.action.clone().unwrap_or_default())
    .bind(f.since.unwrap_or(i64::MIN))
    .bind(f.until.unwrap_or(i64::MAX))
    .bind(f.before_seq.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash is the SHA-256 of the compact JSON array of the fields: records written
    /// before it was computed without a JSON value must still verify.
    #[test]
    fn record_hash_is_the_hash_of_the_json_array() {
        let e = AuditEntry::new("u1", "clinician", "read")
            .subject("p\"1")
            .resource("intake")
            .reason("line\nbreak é")
            .flags("break_glass");
        let canonical = serde_json::json!([
            GENESIS,
            7,
            1_700_000_000_000_000i64,
            e.actor_id,
            e.actor_role,
            e.action,
            e.subject_id,
            e.resource,
            e.outcome,
            e.reason,
            e.flags
        ])
        .to_string();
        assert_eq!(
            record_hash(GENESIS, 7, 1_700_000_000_000_000, &e),
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
    }
}
