//! Runs due background jobs. Every instance runs this loop; the store's claim makes sure
//! each job runs once (`FOR UPDATE SKIP LOCKED` on PostgreSQL), failures retry with
//! backoff, and jobs survive restarts because they live in the database.

use dyad_store::jobs;

use crate::state::AppState;

/// How long a claimed job is leased to one worker.
const LEASE_MICROS: i64 = 5 * 60 * 1_000_000;

/// Runs the jobs due now; returns how many completed.
pub async fn run_due(state: &AppState, worker: &str) -> Result<usize, dyad_store::StoreError> {
    // The daily retention run is claimed per day in its own table, not through `jobs`.
    if let Err(error) = crate::api::retention::run_if_due(state, worker).await {
        tracing::warn!(%error, "retention run failed; retried when its claim runs out");
    }
    let now = state.now();
    let claimed = jobs::claim(&state.db, worker, now, now + LEASE_MICROS, 20).await?;
    let mut done = 0;
    for job in claimed {
        let outcome = match job.kind.as_str() {
            crate::api::preparation::REMINDER_JOB => {
                crate::api::preparation::send_reminder(state, &job.payload)
                    .await
                    .map_err(|e| e.to_string())
            }
            crate::api::session::FOLLOW_UP_JOB => {
                crate::api::session::send_follow_up(state, &job.payload)
                    .await
                    .map_err(|e| e.to_string())
            }
            crate::api::aftercare::CHECKIN_REMINDER_JOB => {
                crate::api::aftercare::send_checkin_reminder(state, &job.payload)
                    .await
                    .map_err(|e| e.to_string())
            }
            crate::api::aftercare::ALERT_NOTICE_JOB => {
                crate::api::aftercare::send_alert_notice(state, &job.payload)
                    .await
                    .map_err(|e| e.to_string())
            }
            crate::api::aftercare::ALERT_ESCALATION_JOB => {
                crate::api::aftercare::send_alert_escalation(state, &job.payload)
                    .await
                    .map_err(|e| e.to_string())
            }
            other => Err(format!("unknown job kind {other}")),
        };
        match outcome {
            Ok(()) => {
                if jobs::complete(&state.db, &job.id, worker, state.now()).await? {
                    done += 1;
                }
            }
            Err(error) => {
                tracing::warn!(kind = %job.kind, attempts = job.attempts, %error, "job failed; will retry");
                jobs::retry_later(&state.db, &job.id, job.attempts, &error, state.now()).await?;
            }
        }
    }
    Ok(done)
}

/// The loop the server runs in the background.
pub async fn worker_loop(state: AppState, worker: String) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = run_due(&state, &worker).await {
            tracing::warn!(error = %e, "job runner could not reach the database");
        }
    }
}
