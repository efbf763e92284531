//! Loading a duo with what the policy needs to judge access to it, and moving it along
//! its pathway through the state machine of `dyad-core`.

use dyad_core::pathway::{PathwayFacts, Phase, Transition};
use dyad_core::policy::{DuoScope, TeamRole};
use dyad_store::accounts;
use dyad_store::audit::AuditEntry;
use dyad_store::duos::{self, Duo, Participant};

use crate::access;
use crate::auth::Authenticated;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A duo, its participants and its policy scope.
pub struct DuoContext {
    pub duo: Duo,
    pub participants: Vec<Participant>,
    pub team: Vec<(String, String, String)>,
    pub scope: DuoScope,
}

impl DuoContext {
    pub fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id == id)
    }

    pub fn partner_of(&self, id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id != id)
    }

    pub fn phase(&self) -> Phase {
        self.duo.phase.parse().unwrap_or(Phase::Closed)
    }
}

/// Loads a duo; a duo that does not exist is `NotFound` (the same answer a refusal gets).
pub async fn load(state: &AppState, duo_id: &str) -> AppResult<DuoContext> {
    let duo = duos::duo_by_id(&state.db, duo_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let participants = duos::participants_of(&state.db, duo_id).await?;
    let team = duos::team_of(&state.db, duo_id).await?;
    let break_glass_users =
        accounts::active_break_glass_users(&state.db, duo_id, state.now()).await?;
    Ok(context(duo, participants, team, break_glass_users))
}

/// Contexts of many duos at once, for lists: the same as [`load`] for each, with the
/// duos' latest invitations, in a handful of queries instead of several per duo.
pub async fn load_many(
    state: &AppState,
    list: Vec<Duo>,
) -> AppResult<Vec<(DuoContext, Option<duos::Invitation>)>> {
    let ids: Vec<String> = list.iter().map(|d| d.id.clone()).collect();
    let mut details = duos::details_of(&state.db, &ids, state.now()).await?;
    Ok(list
        .into_iter()
        .map(|duo| {
            let participants = details.participants.remove(&duo.id).unwrap_or_default();
            let team = details.teams.remove(&duo.id).unwrap_or_default();
            let break_glass_users = details.break_glass.remove(&duo.id).unwrap_or_default();
            let invitation = details.invitations.remove(&duo.id);
            (
                context(duo, participants, team, break_glass_users),
                invitation,
            )
        })
        .collect())
}

fn context(
    duo: Duo,
    participants: Vec<Participant>,
    team: Vec<(String, String, String)>,
    break_glass_users: Vec<String>,
) -> DuoContext {
    let scope = DuoScope {
        duo_id: duo.id.clone(),
        participant_ids: participants.iter().map(|p| p.id.clone()).collect(),
        team: team
            .iter()
            .filter_map(|(user, role, _)| role.parse::<TeamRole>().ok().map(|r| (user.clone(), r)))
            .collect(),
        break_glass_users,
    };
    DuoContext {
        duo,
        participants,
        team,
        scope,
    }
}

/// The duo of a signed-in participant.
pub async fn of_participant(
    state: &AppState,
    auth: &Authenticated,
) -> AppResult<(DuoContext, String)> {
    let pid = auth.user.participant_id.clone().ok_or(AppError::NotFound)?;
    let participants = duos::participants_beside(&state.db, &pid).await?;
    let duo_id = participants
        .iter()
        .find(|p| p.id == pid)
        .map(|p| p.duo_id.clone())
        .ok_or(AppError::NotFound)?;
    let duo = duos::duo_by_id(&state.db, &duo_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let team = duos::team_of(&state.db, &duo_id).await?;
    let break_glass_users =
        accounts::active_break_glass_users(&state.db, &duo_id, state.now()).await?;
    Ok((context(duo, participants, team, break_glass_users), pid))
}

/// Asks the state machine whether `transition` may happen now; applies and logs it when
/// it may, answers 409 naming what is missing when it may not.
pub async fn advance(
    state: &AppState,
    ctx: &DuoContext,
    transition: Transition,
    actor: &Authenticated,
    mut facts: PathwayFacts,
) -> AppResult<Phase> {
    let current = ctx.phase();
    facts.readiness.participants = ctx.scope.participant_ids.clone();
    facts.paused_from = ctx.duo.paused_from.as_deref().and_then(|p| p.parse().ok());
    facts.now = Some(state.clock.now());
    let next = dyad_core::pathway::apply(current, &transition, &facts)
        .map_err(|e| AppError::Conflict(e.detail()))?;
    let paused_from = (next == Phase::Paused).then(|| current.as_str());
    duos::set_phase(
        &state.db,
        &ctx.duo.id,
        current.as_str(),
        next.as_str(),
        transition.name(),
        &actor.user.id,
        state.now(),
        paused_from,
    )
    .await
    .map_err(|e| match e {
        dyad_store::StoreError::Conflict(d) => AppError::Conflict(d),
        other => other.into(),
    })?;
    access::record(
        state,
        AuditEntry::new(&actor.user.id, &actor.audit_role(), "transition")
            .subject(&ctx.duo.id)
            .resource("duo_phase")
            .reason(&format!(
                "{}:{}->{}",
                transition.name(),
                current.as_str(),
                next.as_str()
            )),
    )
    .await?;
    Ok(next)
}
