//! The one door to protected data: every handler describes what it wants and asks here.
//!
//! [`authorize`] asks `dyad_core::policy::can` and writes the audit record, so no handler
//! decides access on its own and no read of clinical content goes unrecorded. A refusal on
//! anything that belongs to a duo looks exactly like "does not exist".

use dyad_core::policy::{self, Action, Decision, Resource};
use dyad_store::audit::{self, AuditEntry};

use crate::auth::Authenticated;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Decides, records, and answers. `subject_id` names the participant, duo or account the
/// access concerns (it goes into the audit trail; never content).
pub async fn authorize(
    state: &AppState,
    auth: &Authenticated,
    action: Action,
    resource: &Resource<'_>,
    subject_id: &str,
) -> AppResult<Decision> {
    let decision = policy::can(&auth.actor(), action, resource);
    let clinical = policy::is_clinical(resource.kind);
    let record = clinical
        || action != Action::Read
        || !decision.is_allowed()
        || decision == Decision::AllowBreakGlass;
    if record {
        let (outcome, flags) = match decision {
            Decision::Allow => ("allow", ""),
            Decision::AllowBreakGlass => ("allow", "break_glass"),
            Decision::Deny => ("deny", ""),
        };
        let entry = AuditEntry::new(&auth.user.id, &auth.audit_role(), action.as_str())
            .subject(subject_id)
            .resource(resource.kind.as_str())
            .outcome(outcome)
            .flags(flags);
        audit::append(&state.db, &entry, state.now()).await?;
    }
    if decision.is_allowed() {
        Ok(decision)
    } else if resource.duo.is_some() || resource.owner.is_some() {
        Err(AppError::NotFound)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Records an event that is not an access decision (sign-in, role change, set-up).
pub async fn record(state: &AppState, entry: AuditEntry) -> AppResult<()> {
    audit::append(&state.db, &entry, state.now()).await?;
    Ok(())
}
