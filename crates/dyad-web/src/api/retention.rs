//! Retention: how long each kind of record is kept (`knowledge/retention/rules.toml`, a
//! practice setting to confirm, changed at run time by an admin), the daily job that removes
//! what is due, and the report each run leaves.

use std::collections::BTreeMap;
use std::path::Path;

use axum::extract::{Path as UrlPath, State};
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_core::retention::{self as model, KINDS, MAX_DAYS, RetentionRules};
use dyad_store::audit::AuditEntry;
use dyad_store::retention as store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::mail::Mailer;
use crate::state::AppState;

/// How many past runs the settings view shows.
const REPORTS_SHOWN: i64 = 10;

/// The period in force for each kind: the admin's override, else the shipped default.
pub async fn periods(state: &AppState) -> AppResult<BTreeMap<String, i64>> {
    let shipped = RetentionRules::embedded();
    let mut out: BTreeMap<String, i64> = shipped
        .rules
        .iter()
        .map(|r| (r.kind.clone(), r.days))
        .collect();
    for (kind, days, _, _) in store::overrides(&state.db).await? {
        if out.contains_key(&kind) {
            out.insert(kind, days);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct KindReport {
    pub kind: String,
    /// The period the run used.
    pub days: i64,
    /// Records from before this moment were due.
    pub cutoff: String,
    /// How many records were removed (for `checkin_answers`: check-ins whose answers were).
    pub removed: u64,
    /// Why this kind could not be applied, when it could not (the others still were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RetentionReport {
    pub ran_at: String,
    /// `job` for the daily run.
    pub ran_by: String,
    pub kinds: Vec<KindReport>,
}

/// Deletes outbox mail files written before `cutoff` (UTC microseconds); returns how many.
fn remove_old_mail(dir: &Path, cutoff: i64) -> std::io::Result<u64> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let written = entry.metadata()?.modified()?;
        let micros = jiff::Timestamp::try_from(written)
            .map(|t| t.as_microsecond())
            .unwrap_or(i64::MAX);
        if micros < cutoff {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// How long one instance holds the day's run before another may take it over.
const LEASE_MICROS: i64 = 30 * 60 * 1_000_000;

/// Applies every rule once and returns the report. Database records count by the service's
/// clock; outbox files by the file system's, since their times are the file system's.
pub async fn apply(state: &AppState, ran_by: &str) -> AppResult<RetentionReport> {
    let now = state.now();
    let periods = periods(state).await?;
    let mut kinds = Vec::new();
    for kind in KINDS {
        let days = periods[kind];
        let cutoff = model::cutoff(now, days);
        let (cutoff, outcome): (i64, Result<u64, String>) = match kind {
            "journal" => (cutoff, Ok(store::remove_journal(&state.db, cutoff).await?)),
            "messages" => (cutoff, Ok(store::remove_messages(&state.db, cutoff).await?)),
            "checkin_answers" => (
                cutoff,
                Ok(store::remove_checkin_answers(&state.db, cutoff).await?),
            ),
            "sign_in_sessions" => (
                cutoff,
                Ok(dyad_store::accounts::delete_expired_sessions(&state.db, cutoff).await?),
            ),
            "used_links" => (
                cutoff,
                Ok(store::remove_used_links(&state.db, cutoff).await?),
            ),
            "mail_outbox" => {
                let cutoff = model::cutoff(jiff::Timestamp::now().as_microsecond(), days);
                let outcome = match &state.mailer {
                    Mailer::Outbox { dir, .. } => {
                        remove_old_mail(dir, cutoff).map_err(|e| format!("outbox folder: {e}"))
                    }
                    Mailer::Smtp { .. } => Ok(0),
                };
                (cutoff, outcome)
            }
            other => (cutoff, Err(format!("no way to apply {other}"))),
        };
        let (removed, error) = match outcome {
            Ok(n) => (n, None),
            Err(e) => {
                tracing::warn!(kind, error = %e, "retention could not be applied");
                (0, Some(e))
            }
        };
        kinds.push(KindReport {
            kind: kind.to_string(),
            days,
            cutoff: rfc3339(cutoff),
            removed,
            error,
        });
    }
    Ok(RetentionReport {
        ran_at: rfc3339(now),
        ran_by: ran_by.to_string(),
        kinds,
    })
}

/// Runs the day's retention when it is due and no instance has run it yet: stores the report
/// and, when anything was removed or could not be, an audit record with the counts. Returns
/// the report when this call ran it.
pub async fn run_if_due(state: &AppState, worker: &str) -> AppResult<Option<RetentionReport>> {
    let now = state.now();
    let day = model::due_day(now);
    if !store::claim_run(&state.db, day, worker, now, now + LEASE_MICROS).await? {
        return Ok(None);
    }
    let report = apply(state, worker).await?;
    let json = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    if !store::finish_run(&state.db, day, worker, &json, state.now()).await? {
        // Another instance took the run over after our lease ran out; its report stands.
        return Ok(None);
    }
    if report
        .kinds
        .iter()
        .any(|k| k.removed > 0 || k.error.is_some())
    {
        let counts: Vec<String> = report
            .kinds
            .iter()
            .map(|k| match &k.error {
                None => format!("{}={}", k.kind, k.removed),
                Some(_) => format!("{}=failed", k.kind),
            })
            .collect();
        access::record(
            state,
            AuditEntry::new("system", "system", "apply_retention")
                .subject(&format!("retention:{day}"))
                .resource("retention")
                .reason(&counts.join(" ")),
        )
        .await?;
    }
    Ok(Some(report))
}

/// Between daily runs, ended sign-in sessions are swept every few minutes by the same rule.
pub async fn sweep_sign_in_sessions(state: &AppState) -> AppResult<u64> {
    let days = periods(state).await?["sign_in_sessions"];
    Ok(
        dyad_store::accounts::delete_expired_sessions(&state.db, model::cutoff(state.now(), days))
            .await?,
    )
}

// --- the admin's view -----------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    pub kind: String,
    /// The period in force, in days.
    pub days: i64,
    /// The period shipped in `knowledge/retention/rules.toml`.
    pub default_days: i64,
    pub counted_from: String,
    pub removes: String,
    /// Why the shipped number: a practice setting to confirm.
    pub basis: String,
    /// Who changed the period and when, if an admin did.
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionView {
    pub rules: Vec<RuleView>,
    /// The latest runs, newest first.
    pub reports: Vec<RetentionReport>,
    /// When the next daily run starts.
    pub next_run_at: String,
}

pub async fn view_for(state: &AppState, auth: &Authenticated) -> AppResult<RetentionView> {
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::system(ResourceKind::Settings),
        "retention",
    )
    .await?;
    let overrides = store::overrides(&state.db).await?;
    let rules = RetentionRules::embedded()
        .rules
        .into_iter()
        .map(|r| {
            let changed = overrides.iter().find(|o| o.0 == r.kind);
            RuleView {
                days: changed.map_or(r.days, |o| o.1),
                default_days: r.days,
                changed_by: changed.map(|o| o.2.clone()),
                changed_at: changed.map(|o| rfc3339(o.3)),
                kind: r.kind,
                counted_from: r.counted_from,
                removes: r.removes,
                basis: r.basis,
            }
        })
        .collect();
    let mut reports = Vec::new();
    for stored in store::reports(&state.db, REPORTS_SHOWN).await? {
        let report: RetentionReport = serde_json::from_str(&stored.report)
            .map_err(|e| AppError::Internal(format!("stored retention report: {e}")))?;
        reports.push(report);
    }
    Ok(RetentionView {
        rules,
        reports,
        next_run_at: rfc3339(model::next_run(state.now()).1),
    })
}

#[utoipa::path(get, path = "/api/v1/retention", tag = "records",
    responses((status = 200, body = RetentionView), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<RetentionView>> {
    Ok(Json(view_for(&state, &auth).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct PeriodInput {
    /// Days to keep this kind of record, 0 to 36525.
    pub days: Option<i64>,
}

/// Shared by the page and the API: changes the period of one kind.
pub async fn apply_set_period(
    state: &AppState,
    auth: &Authenticated,
    kind: &str,
    input: &PeriodInput,
) -> AppResult<RetentionView> {
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::system(ResourceKind::Settings),
        "retention",
    )
    .await?;
    if !KINDS.contains(&kind) {
        return Err(AppError::NotFound);
    }
    let days = match input.days {
        Some(d) if model::valid_days(d) => d,
        _ => {
            return Err(AppError::Validation(vec![FieldError::new(
                "days",
                format!("Give the number of days to keep these records: 0 to {MAX_DAYS}."),
            )]));
        }
    };
    let before = periods(state).await?[kind];
    store::set_override(&state.db, kind, days, &auth.user.id, state.now()).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "set_retention")
            .subject(kind)
            .resource("retention")
            .reason(&format!("{kind}: {before} -> {days} days")),
    )
    .await?;
    view_for(state, auth).await
}

#[utoipa::path(put, path = "/api/v1/retention/{kind}", tag = "records", params(("kind" = String, Path)), request_body = PeriodInput,
    responses((status = 200, body = RetentionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_period(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    UrlPath(kind): UrlPath<String>,
    Json(body): Json<PeriodInput>,
) -> AppResult<Json<RetentionView>> {
    Ok(Json(apply_set_period(&state, &auth, &kind, &body).await?))
}
