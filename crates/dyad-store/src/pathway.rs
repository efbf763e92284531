//! Steps the care team takes on a duo's pathway by hand, with the reason given. The phase
//! log (`duos::phase_log`) holds every step of every kind; this adds who gave which reason,
//! sealed under the duo's key by the caller.

use crate::db::Db;
use crate::error::StoreResult;

#[derive(Debug, Clone)]
pub struct PathwayStep {
    pub id: String,
    pub duo_id: String,
    pub transition: String,
    pub from_phase: String,
    pub to_phase: String,
    pub reason_sealed: Option<Vec<u8>>,
    pub actor_id: String,
    pub at: i64,
}

type StepRow = (
    String,
    String,
    String,
    String,
    String,
    Option<Vec<u8>>,
    String,
    i64,
);

pub async fn record_step(db: &Db, step: &PathwayStep) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO pathway_steps (id, duo_id, transition, from_phase, to_phase, reason, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&step.id)
    .bind(&step.duo_id)
    .bind(&step.transition)
    .bind(&step.from_phase)
    .bind(&step.to_phase)
    .bind(step.reason_sealed.clone())
    .bind(&step.actor_id)
    .bind(step.at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A duo's steps, oldest first.
pub async fn steps_of(db: &Db, duo_id: &str) -> StoreResult<Vec<PathwayStep>> {
    let rows: Vec<StepRow> = sqlx::query_as(
        "SELECT id, duo_id, transition, from_phase, to_phase, reason, actor_id, at \
         FROM pathway_steps WHERE duo_id = $1 ORDER BY at, id",
    )
    .bind(duo_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PathwayStep {
            id: r.0,
            duo_id: r.1,
            transition: r.2,
            from_phase: r.3,
            to_phase: r.4,
            reason_sealed: r.5,
            actor_id: r.6,
            at: r.7,
        })
        .collect())
}
