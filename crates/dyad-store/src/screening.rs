//! Screening runs, their sealed findings, and the clinician's signed decisions.

use crate::accounts::new_id;
use crate::db::Db;
use crate::error::StoreResult;

/// Records a run with its findings (each set sealed by the caller under its owner's key).
#[allow(clippy::too_many_arguments)]
pub async fn record_run(
    db: &Db,
    duo_id: &str,
    knowledge_version: &str,
    recommended_format: &str,
    run_by: &str,
    sealed_by_owner: &[(String, Vec<u8>)],
    run_id: &str,
    now: i64,
) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO screening_runs (id, duo_id, knowledge_version, recommended_format, run_at, run_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(run_id)
    .bind(duo_id)
    .bind(knowledge_version)
    .bind(recommended_format)
    .bind(now)
    .bind(run_by)
    .execute(&mut *tx)
    .await?;
    for (owner, sealed) in sealed_by_owner {
        sqlx::query(
            "INSERT INTO screening_findings (run_id, owner_id, findings) VALUES ($1, $2, $3)",
        )
        .bind(run_id)
        .bind(owner)
        .bind(sealed.clone())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub id: String,
    pub run_id: String,
    pub format: String,
    pub rationale_sealed: Vec<u8>,
    pub signed_by: String,
    pub signer_name: String,
    pub meaning: String,
    pub signed_at: i64,
    pub knowledge_version: String,
}

pub struct NewDecision<'a> {
    pub id: &'a str,
    pub duo_id: &'a str,
    pub run_id: &'a str,
    pub format: &'a str,
    pub rationale_sealed: Vec<u8>,
    pub signed_by: &'a str,
    pub signer_name: &'a str,
    pub meaning: &'a str,
}

pub async fn record_decision(db: &Db, d: &NewDecision<'_>, now: i64) -> StoreResult<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO screening_decisions (id, duo_id, run_id, format, rationale, signed_by, signer_name, meaning, signed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(d.id)
    .bind(d.duo_id)
    .bind(d.run_id)
    .bind(d.format)
    .bind(d.rationale_sealed.clone())
    .bind(d.signed_by)
    .bind(d.signer_name)
    .bind(d.meaning)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE duos SET format = $1 WHERE id = $2")
        .bind(d.format)
        .bind(d.duo_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Every decision for a duo, oldest first; the last one is in force.
pub async fn decisions_of(db: &Db, duo_id: &str) -> StoreResult<Vec<Decision>> {
    type Row = (
        String,
        String,
        String,
        Vec<u8>,
        String,
        String,
        String,
        i64,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.id, d.run_id, d.format, d.rationale, d.signed_by, d.signer_name, d.meaning, d.signed_at, r.knowledge_version \
         FROM screening_decisions d JOIN screening_runs r ON r.id = d.run_id WHERE d.duo_id = $1 ORDER BY d.signed_at, d.id",
    )
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Decision {
            id: r.0,
            run_id: r.1,
            format: r.2,
            rationale_sealed: r.3,
            signed_by: r.4,
            signer_name: r.5,
            meaning: r.6,
            signed_at: r.7,
            knowledge_version: r.8,
        })
        .collect())
}

/// The most recent run for a duo: (run id, knowledge version, recommended format).
pub async fn latest_run(db: &Db, duo_id: &str) -> StoreResult<Option<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, knowledge_version, recommended_format FROM screening_runs WHERE duo_id = $1 ORDER BY run_at DESC, id DESC LIMIT 1",
    )
    .bind(duo_id)
    .fetch_optional(&db.pool)
    .await?)
}

pub fn new_run_id() -> String {
    new_id()
}
