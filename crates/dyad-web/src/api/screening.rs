//! Screening: rules over both intakes give findings with sources and a recommended
//! format; the duo's clinician decides, with a written rationale, signed by re-entering
//! the password. Participants see only a neutral outcome that never says who caused it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::pathway::{DecisionFormat, PathwayFacts, Phase, Transition};
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_core::screening::{Finding, IntakeAnswers, Screening};
use dyad_store::audit::AuditEntry;
use dyad_store::screening as store;
use dyad_store::sealing::Place;
use dyad_store::{accounts, intake};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::access;
use crate::api::intake::version_place;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;

/// What signing a decision means; stored with every signature.
pub const SIGNATURE_MEANING: &str = "I have reviewed both intakes and the findings, and I take this decision under my professional responsibility.";

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub format: String,
    pub rationale: String,
    pub signed_by: String,
    /// The signer's printed name at the time of signing.
    pub signer_name: String,
    /// UTC
    pub signed_at: String,
    pub meaning: String,
    pub knowledge_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningView {
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
    pub recommended_format: String,
    pub format_reasons: Vec<String>,
    pub knowledge_version: String,
    /// Every signed decision, oldest first; the last is in force.
    pub decisions: Vec<DecisionView>,
    /// Participants who have not submitted an intake yet.
    pub waiting_for: Vec<String>,
}

fn findings_place(run_id: &str) -> Place<'_> {
    Place {
        table: "screening_findings",
        row: run_id,
        field: "findings",
    }
}

fn rationale_place(decision_id: &str) -> Place<'_> {
    Place {
        table: "screening_decisions",
        row: decision_id,
        field: "rationale",
    }
}

/// The newest submitted answers of a participant, opened under their key.
async fn submitted_answers(state: &AppState, participant_id: &str) -> AppResult<Option<Value>> {
    let Some(v) = intake::versions_of(&state.db, participant_id).await?.pop() else {
        return Ok(None);
    };
    let plain = state
        .sealer
        .open(
            &state.db,
            participant_id,
            version_place(&v.id),
            &v.answers_sealed,
            state.now(),
        )
        .await?;
    Ok(Some(
        serde_json::from_slice(&plain).map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

/// Runs the rules over both submitted intakes and records the run (findings sealed per
/// person). Returns the run id and the result.
async fn run(
    state: &AppState,
    auth: &Authenticated,
    ctx: &DuoContext,
) -> AppResult<(String, Screening, Vec<String>)> {
    let mut inputs = Vec::new();
    let mut waiting = Vec::new();
    for p in &ctx.participants {
        match submitted_answers(state, &p.id).await? {
            Some(answers) => inputs.push(IntakeAnswers::new(p.id.clone(), answers)),
            None => waiting.push(p.id.clone()),
        }
    }
    let knowledge = dyad_core::screening::embedded()
        .map_err(|e| AppError::Internal(format!("knowledge: {e}")))?;
    let result = dyad_core::screening::screen(knowledge, &inputs);
    let run_id = store::new_run_id();
    let now = state.now();
    let mut sealed = Vec::new();
    for owner in ctx
        .participants
        .iter()
        .map(|p| p.id.clone())
        .chain(std::iter::once(ctx.duo.id.clone()))
    {
        let own: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| f.participant_id.as_deref().unwrap_or(&ctx.duo.id) == owner)
            .collect();
        let plain = serde_json::to_vec(&own).map_err(|e| AppError::Internal(e.to_string()))?;
        sealed.push((
            owner.clone(),
            state
                .sealer
                .seal(&state.db, &owner, findings_place(&run_id), &plain, now)
                .await?,
        ));
    }
    store::record_run(
        &state.db,
        &ctx.duo.id,
        &result.knowledge_version,
        result.recommended_format.as_str(),
        &auth.user.id,
        &sealed,
        &run_id,
        now,
    )
    .await?;
    Ok((run_id, result, waiting))
}

async fn decision_views(state: &AppState, ctx: &DuoContext) -> AppResult<Vec<DecisionView>> {
    let mut out = Vec::new();
    for d in store::decisions_of(&state.db, &ctx.duo.id).await? {
        let rationale = state
            .sealer
            .open(
                &state.db,
                &ctx.duo.id,
                rationale_place(&d.id),
                &d.rationale_sealed,
                state.now(),
            )
            .await?;
        out.push(DecisionView {
            format: d.format,
            rationale: String::from_utf8_lossy(&rationale).into(),
            signed_by: d.signed_by,
            signer_name: d.signer_name,
            signed_at: rfc3339(d.signed_at),
            meaning: d.meaning,
            knowledge_version: d.knowledge_version,
        });
    }
    Ok(out)
}

/// Shared by the page and the API: the clinician's review (an audited clinical read).
pub async fn review(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
) -> AppResult<ScreeningView> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::ScreeningFindings, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let (_, result, waiting_for) = run(state, auth, &ctx).await?;
    Ok(ScreeningView {
        findings: result.findings,
        recommended_format: result.recommended_format.as_str().to_string(),
        format_reasons: result.format_reasons,
        knowledge_version: result.knowledge_version,
        decisions: decision_views(state, &ctx).await?,
        waiting_for,
    })
}

#[utoipa::path(get, path = "/api/v1/duos/{id}/screening", tag = "screening", params(("id" = String, Path)),
    responses((status = 200, body = ScreeningView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<ScreeningView>> {
    Ok(Json(review(&state, &auth, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct DecisionRequest {
    /// duo, duo_two_facilitators, individual_then_duo, individual_only or not_eligible
    #[serde(default)]
    pub format: String,
    /// Why: required, in the clinician's own words.
    #[serde(default)]
    pub rationale: String,
    /// Re-entered password: the electronic signature.
    #[serde(default)]
    pub password: String,
}

pub const MIN_RATIONALE: usize = 20;
pub const MAX_RATIONALE: usize = 10_000;

/// Shared by the page and the API: validates, re-authenticates, records the signed
/// decision, moves the pathway and tells both participants the same neutral outcome.
pub async fn apply_decision(
    state: &AppState,
    auth: &Authenticated,
    duo_id: &str,
    req: &DecisionRequest,
) -> AppResult<DecisionView> {
    let ctx = duo::load(state, duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Decide,
        &Resource::duo(ResourceKind::ScreeningDecision, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    let mut errors = Vec::new();
    let format = req.format.parse::<DecisionFormat>();
    if format.is_err() {
        errors.push(FieldError::new("format", "Choose one of the formats."));
    }
    let rationale = req.rationale.trim();
    let n = rationale.chars().count();
    if !(MIN_RATIONALE..=MAX_RATIONALE).contains(&n) {
        errors.push(FieldError::new(
            "rationale",
            format!("Write the rationale in {MIN_RATIONALE} to {MAX_RATIONALE} characters."),
        ));
    }
    if !crate::auth::verify_blocking(req.password.clone(), auth.user.password_hash.clone()).await {
        errors.push(FieldError::new(
            "password",
            "This is not your password. Your signature needs your current password.",
        ));
    }
    let Ok(format) = format else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    // A first decision needs the duo in screening; a later one sends it back through
    // screening, so the pathway (and any booking) follows the new decision.
    let phase = ctx.phase();
    let mut ctx = ctx;
    if matches!(phase, Phase::Preparation | Phase::Scheduled) {
        duo::advance(
            state,
            &ctx,
            Transition::Rescreen,
            auth,
            PathwayFacts::default(),
        )
        .await?;
        // A booked day was booked under the old decision: it is called off, and a new
        // booking passes the gates again.
        if phase == Phase::Scheduled {
            for s in crate::api::pathway::call_off_duo_bookings(
                state,
                auth,
                &ctx,
                "A new screening decision was taken.",
            )
            .await?
            {
                crate::api::pathway::tell_participants_day_off(state, &ctx, &s).await?;
            }
        }
        ctx = duo::load(state, duo_id).await?;
    } else if phase != Phase::Screening {
        return Err(AppError::Conflict(format!(
            "A screening decision cannot be taken while the duo is in phase {}.",
            phase.as_str()
        )));
    }
    let (run_id, result, waiting) = run(state, auth, &ctx).await?;
    if !waiting.is_empty() {
        return Err(AppError::Conflict(
            "Both intakes must be submitted before deciding.".into(),
        ));
    }
    let now = state.now();
    let id = accounts::new_id();
    let sealed = state
        .sealer
        .seal(
            &state.db,
            &ctx.duo.id,
            rationale_place(&id),
            rationale.as_bytes(),
            now,
        )
        .await?;
    let mut facts = PathwayFacts::default();
    facts.readiness.decision = Some(format);
    duo::advance(
        state,
        &ctx,
        Transition::ScreeningDecided { format },
        auth,
        facts,
    )
    .await?;
    store::record_decision(
        &state.db,
        &store::NewDecision {
            id: &id,
            duo_id: &ctx.duo.id,
            run_id: &run_id,
            format: format.as_str(),
            rationale_sealed: sealed,
            signed_by: &auth.user.id,
            signer_name: &auth.user.name,
            meaning: SIGNATURE_MEANING,
        },
        now,
    )
    .await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "sign_decision")
            .subject(&ctx.duo.id)
            .resource("screening_decision")
            .reason(&format!(
                "format={} recommended={} knowledge={}",
                format.as_str(),
                result.recommended_format.as_str(),
                result.knowledge_version
            )),
    )
    .await?;
    notify_participants(state, &ctx, format).await?;
    Ok(DecisionView {
        format: format.as_str().into(),
        rationale: rationale.into(),
        signed_by: auth.user.id.clone(),
        signer_name: auth.user.name.clone(),
        signed_at: rfc3339(now),
        meaning: SIGNATURE_MEANING.into(),
        knowledge_version: result.knowledge_version,
    })
}

/// The only outcome participants learn, the same for both: never who caused it.
pub fn neutral_outcome(format: Option<&str>) -> &'static str {
    match format {
        None => "pending",
        Some("duo") | Some("duo_two_facilitators") => "go_on_to_preparation",
        Some(_) => "team_will_contact",
    }
}

async fn notify_participants(
    state: &AppState,
    ctx: &DuoContext,
    format: DecisionFormat,
) -> AppResult<()> {
    let key = neutral_outcome(Some(format.as_str()));
    for p in &ctx.participants {
        let Some(user_id) = &p.user_id else { continue };
        let Some(u) = accounts::user_by_id(&state.db, user_id).await? else {
            continue;
        };
        let tr = Tr::new(&u.lang);
        let link = format!("{}/home", state.config.base_url);
        let mail = Mail {
            to: u.email.clone(),
            subject: tr.ta(
                "mail-outcome-subject",
                &[("practice", &state.config.practice.name)],
            ),
            text: tr.ta(
                &format!("mail-outcome-{key}"),
                &[("name", &u.name), ("link", &link)],
            ),
        };
        state
            .mailer
            .send(&mail)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/duos/{id}/screening/decision", tag = "screening", params(("id" = String, Path)),
    request_body = DecisionRequest,
    responses((status = 201, body = DecisionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<DecisionRequest>,
) -> AppResult<(StatusCode, Json<DecisionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_decision(&state, &auth, &id, &body).await?),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    /// pending, go_on_to_preparation or team_will_contact — the same for both participants.
    pub outcome: String,
}

pub async fn own_outcome(state: &AppState, auth: &Authenticated) -> AppResult<OutcomeView> {
    let (ctx, _) = duo::of_participant(state, auth).await?;
    own_outcome_in(state, auth, &ctx).await
}

/// [`own_outcome`] for the caller's duo context, loaded already.
pub async fn own_outcome_in(
    state: &AppState,
    auth: &Authenticated,
    ctx: &duo::DuoContext,
) -> AppResult<OutcomeView> {
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::duo(ResourceKind::ScreeningOutcome, &ctx.scope),
        &ctx.duo.id,
    )
    .await?;
    Ok(OutcomeView {
        outcome: neutral_outcome(ctx.duo.format.as_deref()).to_string(),
    })
}

#[utoipa::path(get, path = "/api/v1/me/screening-outcome", tag = "screening",
    responses((status = 200, body = OutcomeView)), security(("bearer" = [])))]
pub async fn outcome(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<OutcomeView>> {
    Ok(Json(own_outcome(&state, &auth).await?))
}
