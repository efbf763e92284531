//! The confidential intake: each participant fills in their own, alone; drafts save as
//! they go; submission locks it; the duo's clinician and facilitators read it (audited);
//! a change after submission is a staff-requested amendment that keeps the old version.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::forms::Form;
use dyad_core::instruments::Score;
use dyad_core::pathway::{PathwayFacts, Phase, Transition};
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_store::accounts;
use dyad_store::audit::AuditEntry;
use dyad_store::intake::{self, Intake};
use dyad_store::sealing::Place;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::access;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::{AppError, AppResult, FieldError, Json, Problem, Query};
use crate::state::AppState;

static FORM: OnceLock<Form> = OnceLock::new();

/// Installs the intake form for this process (the shipped one plus any licensed instruments
/// the site loads); called once at start, before serving. Returns false when a form was
/// already in use.
pub fn install_form(form: Form) -> bool {
    FORM.set(form).is_ok()
}

/// Builds the shipped form with the licensed instrument definitions a site provides.
pub fn form_with_instruments(files: &[String]) -> Result<Form, String> {
    let texts: Vec<&str> = files.iter().map(String::as_str).collect();
    let instruments =
        dyad_core::instruments::Instruments::shipped_with(&texts).map_err(|e| e.to_string())?;
    Form::shipped_with(instruments).map_err(|e| e.to_string())
}

/// The intake form in use: the shipped definition unless the binary installed another.
pub fn form() -> AppResult<&'static Form> {
    if let Some(form) = FORM.get() {
        return Ok(form);
    }
    let shipped = Form::shipped().map_err(|e| {
        AppError::Internal(format!("the intake form definition does not load: {e}"))
    })?;
    let _ = FORM.set(shipped);
    FORM.get()
        .ok_or_else(|| AppError::Internal("the intake form is not available".into()))
}

/// The intake form as a reader of `lang` sees it ([`Form::localised`]: the form's translation
/// for `lang`, English for whatever it lacks, instruments only in a validated translation).
/// Built once per language dyad speaks; any other language gets the form as it is.
pub fn form_for(lang: &str) -> AppResult<&'static Form> {
    static LOCALISED: OnceLock<BTreeMap<&'static str, Form>> = OnceLock::new();
    let base = form()?;
    let all = LOCALISED.get_or_init(|| {
        crate::i18n::LANGUAGES
            .iter()
            .map(|(code, _)| (*code, base.localised(code)))
            .collect()
    });
    Ok(all.get(lang).unwrap_or(base))
}

pub fn working_place(participant_id: &str) -> Place<'_> {
    Place {
        table: "intakes",
        row: participant_id,
        field: "answers",
    }
}

pub fn version_place(version_id: &str) -> Place<'_> {
    Place {
        table: "intake_versions",
        row: version_id,
        field: "answers",
    }
}

/// The catalogue key for a form check's code (`whole_number_range` →
/// `intake-check-whole-number-range`, in `locales/*/errors.ftl`).
pub fn check_key(code: &str) -> String {
    format!("intake-check-{}", code.replace('_', "-"))
}

/// The form's checks as field errors: the core's English message for the API, and the
/// catalogue key with its values for pages in other languages.
fn core_errors(errors: Vec<dyad_core::forms::FieldError>) -> AppError {
    AppError::Validation(
        errors
            .into_iter()
            .map(|e| FieldError {
                key: (!e.code.is_empty()).then(|| check_key(e.code)),
                args: e
                    .args
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                ..FieldError::new(&e.field, e.message)
            })
            .collect(),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyIntake {
    /// draft or submitted
    pub status: String,
    pub form_version: String,
    #[schema(value_type = Object)]
    pub answers: Value,
    /// Pass back on the next save, so a stale copy never overwrites newer answers.
    pub revision: i64,
    pub version: i64,
    pub answered_sections: usize,
    pub total_sections: usize,
    /// Answers still needed before submitting.
    pub missing: Vec<String>,
}

async fn open_answers(state: &AppState, pid: &str, sealed: &[u8]) -> AppResult<Value> {
    let plain = state
        .sealer
        .open(&state.db, pid, working_place(pid), sealed, state.now())
        .await?;
    serde_json::from_slice(&plain).map_err(|e| AppError::Internal(format!("stored intake: {e}")))
}

/// The participant's own intake, after the policy and the audit trail.
pub async fn own_intake(
    state: &AppState,
    auth: &Authenticated,
) -> AppResult<(DuoContext, String, Option<Intake>, Value)> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    let resource = Resource::owned(ResourceKind::Intake, &ctx.scope, &pid);
    access::authorize(state, auth, Action::Read, &resource, &pid).await?;
    let stored = intake::intake_of(&state.db, &pid).await?;
    let answers = match &stored {
        Some(i) => open_answers(state, &pid, &i.answers_sealed).await?,
        None => Value::Object(Map::new()),
    };
    Ok((ctx, pid, stored, answers))
}

pub async fn my_intake_view(state: &AppState, auth: &Authenticated) -> AppResult<MyIntake> {
    let form = form()?;
    let (_, _, stored, answers) = own_intake(state, auth).await?;
    Ok(view_of(form, stored.as_ref(), answers))
}

/// What the participant sees of an intake: `stored` as it is now, `answers` unsealed.
fn view_of(form: &Form, stored: Option<&Intake>, answers: Value) -> MyIntake {
    let (answered, total) = form.progress(&answers);
    MyIntake {
        status: stored
            .map(|i| i.status.clone())
            .unwrap_or_else(|| "draft".into()),
        form_version: stored
            .map(|i| i.form_version.clone())
            .unwrap_or_else(|| form.version.clone()),
        missing: form.missing_for_submit(&answers),
        revision: stored.map(|i| i.revision).unwrap_or(0),
        version: stored.map(|i| i.version).unwrap_or(1),
        answered_sections: answered,
        total_sections: total,
        answers,
    }
}

#[utoipa::path(get, path = "/api/v1/me/intake", tag = "intake",
    responses((status = 200, body = MyIntake), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_mine(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<MyIntake>> {
    Ok(Json(my_intake_view(&state, &auth).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SaveIntake {
    /// Answers to merge into the draft, by key; a `null` value clears that answer.
    #[schema(value_type = Object)]
    pub answers: Value,
    /// The revision the answers were based on; omit to save over whatever is there.
    pub revision: Option<i64>,
}

fn may_edit(ctx: &DuoContext, stored: Option<&Intake>) -> AppResult<()> {
    let phase = ctx.phase();
    let reopened = stored.is_some_and(|i| i.version > 1 && i.status == "draft");
    if phase == Phase::Intake || (reopened && !phase.is_terminal()) {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "The intake cannot be changed at this point of the pathway.".into(),
        ))
    }
}

/// Shared by the page and the API: merges answers into the draft and saves it sealed.
/// Without a `revision` the answers go over whatever is there: when another save lands
/// between reading the draft and writing it, the merge is done again on the newer draft
/// (a few times) instead of refusing.
pub async fn apply_save(
    state: &AppState,
    auth: &Authenticated,
    patch: &Value,
    revision: Option<i64>,
) -> AppResult<MyIntake> {
    for _ in 0..5 {
        if let Some(saved) = save_once(state, auth, patch, revision).await? {
            return Ok(saved);
        }
        if revision.is_some() {
            break;
        }
    }
    Err(AppError::Conflict(
        "Your intake was changed on another device. Reload to see the newest answers.".into(),
    ))
}

/// One read–merge–write; `None` when another save landed after the read.
async fn save_once(
    state: &AppState,
    auth: &Authenticated,
    patch: &Value,
    revision: Option<i64>,
) -> AppResult<Option<MyIntake>> {
    let form = form()?;
    let Value::Object(patch) = patch else {
        return Err(AppError::Validation(vec![FieldError::new(
            "answers",
            "Send the answers as an object keyed by question.",
        )]));
    };
    let (ctx, pid, stored, current) = own_intake(state, auth).await?;
    may_edit(&ctx, stored.as_ref())?;
    if stored.as_ref().is_some_and(|i| i.status == "submitted") {
        return Err(AppError::Conflict(
            "Your intake is submitted and locked. Ask your care team if something needs to change."
                .into(),
        ));
    }
    let mut merged = match current {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    let merged = Value::Object(merged);
    let errors = form.validate_draft(&merged);
    if !errors.is_empty() {
        return Err(core_errors(errors));
    }
    let plain = serde_json::to_vec(&merged).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = state.now();
    let sealed = state
        .sealer
        .seal(&state.db, &pid, working_place(&pid), &plain, now)
        .await?;
    let expected = revision.unwrap_or_else(|| stored.as_ref().map(|i| i.revision).unwrap_or(0));
    let revision =
        match intake::save_draft(&state.db, &pid, &form.version, &sealed, expected, now).await {
            Ok(revision) => revision,
            Err(dyad_store::StoreError::Conflict(_)) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
    access::record(
        state,
        AuditEntry::new(&auth.user.id, "participant", "write")
            .subject(&pid)
            .resource("intake")
            .reason("draft"),
    )
    .await?;
    // The draft as just saved, without reading and unsealing it again.
    let saved = Intake {
        participant_id: pid,
        form_version: form.version.clone(),
        status: "draft".into(),
        answers_sealed: sealed,
        revision,
        version: stored.as_ref().map(|i| i.version).unwrap_or(1),
        updated_at: now,
        submitted_at: None,
    };
    Ok(Some(view_of(form, Some(&saved), merged)))
}

#[utoipa::path(put, path = "/api/v1/me/intake", tag = "intake", request_body = SaveIntake,
    responses((status = 200, body = MyIntake), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_mine(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<SaveIntake>,
) -> AppResult<Json<MyIntake>> {
    Ok(Json(
        apply_save(&state, &auth, &body.answers, body.revision).await?,
    ))
}

/// Shared by the page and the API: checks completeness, locks the intake, keeps the
/// version, and moves the duo to screening when both have submitted.
pub async fn apply_submit(state: &AppState, auth: &Authenticated) -> AppResult<MyIntake> {
    let form = form()?;
    let (ctx, pid, stored, answers) = own_intake(state, auth).await?;
    may_edit(&ctx, stored.as_ref())?;
    let Some(stored) = stored else {
        return Err(core_errors(form.check_submit(&Value::Object(Map::new()))));
    };
    if stored.status == "submitted" {
        return Err(AppError::Conflict(
            "Your intake is already submitted.".into(),
        ));
    }
    let errors = form.check_submit(&answers);
    if !errors.is_empty() {
        return Err(core_errors(errors));
    }
    let pruned = form.prune_hidden(&answers);
    let plain = serde_json::to_vec(&pruned).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = state.now();
    let version_id = intake::new_version_id();
    let sealed = state
        .sealer
        .seal(&state.db, &pid, version_place(&version_id), &plain, now)
        .await?;
    let reason = if stored.version > 1 { "amendment" } else { "" };
    let version = intake::submit(
        &state.db,
        &pid,
        &sealed,
        &version_id,
        stored.revision,
        reason,
        &auth.user.id,
        now,
    )
    .await
    .map_err(|e| match e {
        dyad_store::StoreError::Conflict(d) => AppError::Conflict(d),
        other => other.into(),
    })?;
    // Decided now, from the answers in hand, so that readiness never reopens them.
    let washout = needs_washout(&pid, pruned)?;
    intake::set_washout_flag(&state.db, &version_id, washout).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, "participant", "submit_intake")
            .subject(&pid)
            .resource("intake")
            .reason(&format!("version={version}")),
    )
    .await?;
    if ctx.phase() == Phase::Intake {
        let mut submitted = Vec::new();
        for p in &ctx.participants {
            if intake::intake_of(&state.db, &p.id)
                .await?
                .is_some_and(|i| i.status == "submitted")
            {
                submitted.push(p.id.clone());
            }
        }
        if submitted.len() == ctx.participants.len() && ctx.participants.len() == 2 {
            let mut facts = PathwayFacts::default();
            facts.readiness.intakes_submitted = submitted;
            duo::advance(state, &ctx, Transition::IntakesSubmitted, auth, facts).await?;
        }
    }
    my_intake_view(state, auth).await
}

#[utoipa::path(post, path = "/api/v1/me/intake/submit", tag = "intake",
    responses((status = 200, body = MyIntake), (status = 409, body = Problem), (status = 422, body = Problem, description = "Lists the missing answers")),
    security(("bearer" = [])))]
pub async fn submit_mine(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<MyIntake>> {
    Ok(Json(apply_submit(&state, &auth).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    pub version: i64,
    pub submitted_at: String,
    pub amendment: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffIntake {
    pub participant_id: String,
    /// draft (never submitted, or reopened for an amendment) or submitted
    pub status: String,
    /// The newest submitted version, if any.
    pub version: Option<i64>,
    pub form_version: Option<String>,
    pub submitted_at: Option<String>,
    /// The newest submitted answers; `null` while nothing has been submitted.
    #[schema(value_type = Option<Object>)]
    pub answers: Option<Value>,
    #[schema(value_type = Object)]
    pub scores: BTreeMap<String, Score>,
    pub versions: Vec<VersionSummary>,
}

/// The duo team's view of one participant's submitted intake (audited read).
pub async fn staff_view(
    state: &AppState,
    auth: &Authenticated,
    participant_id: &str,
) -> AppResult<StaffIntake> {
    let form = form()?;
    let participant = dyad_store::duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &participant.duo_id).await?;
    let resource = Resource::owned(ResourceKind::Intake, &ctx.scope, participant_id);
    access::authorize(state, auth, Action::Read, &resource, participant_id).await?;
    let stored = intake::intake_of(&state.db, participant_id).await?;
    let versions = intake::versions_of(&state.db, participant_id).await?;
    let latest = versions.last();
    let answers = match latest {
        Some(v) => {
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
            Some(
                serde_json::from_slice::<Value>(&plain)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            )
        }
        None => None,
    };
    let scores = answers.as_ref().map(|a| form.scores(a)).unwrap_or_default();
    Ok(StaffIntake {
        participant_id: participant_id.to_string(),
        status: stored.map(|s| s.status).unwrap_or_else(|| "draft".into()),
        version: latest.map(|v| v.version),
        form_version: latest.map(|v| v.form_version.clone()),
        submitted_at: latest.map(|v| rfc3339(v.submitted_at)),
        answers,
        scores,
        versions: versions
            .iter()
            .map(|v| VersionSummary {
                version: v.version,
                submitted_at: rfc3339(v.submitted_at),
                amendment: !v.amendment_reason.is_empty(),
            })
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/participants/{id}/intake", tag = "intake", params(("id" = String, Path)),
    responses((status = 200, body = StaffIntake), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_for_staff(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
) -> AppResult<Json<StaffIntake>> {
    Ok(Json(staff_view(&state, &auth, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AmendmentRequest {
    /// Why the intake needs to change (kept with the new version).
    pub reason: String,
}

/// Shared by the page and the API: the clinician reopens a submitted intake so the
/// participant can change it; the submitted version stays.
pub async fn apply_amendment(
    state: &AppState,
    auth: &Authenticated,
    participant_id: &str,
    reason: &str,
) -> AppResult<()> {
    let participant = dyad_store::duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &participant.duo_id).await?;
    let resource = Resource::owned(ResourceKind::Intake, &ctx.scope, participant_id);
    access::authorize(state, auth, Action::Decide, &resource, participant_id).await?;
    let reason = reason.trim();
    if reason.chars().count() < 5 || reason.chars().count() > 1000 {
        return Err(AppError::Validation(vec![FieldError::new(
            "reason",
            "Give the reason in 5 to 1000 characters.",
        )]));
    }
    if ctx.phase().is_terminal() {
        return Err(AppError::Conflict("This duo's pathway has ended.".into()));
    }
    intake::reopen(&state.db, participant_id, state.now())
        .await
        .map_err(|e| match e {
            dyad_store::StoreError::Conflict(d) => AppError::Conflict(d),
            other => other.into(),
        })?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "request_amendment")
            .subject(participant_id)
            .resource("intake")
            .reason(reason),
    )
    .await?;
    if let Some(user_id) = participant.user_id
        && let Some(u) = accounts::user_by_id(&state.db, &user_id).await?
    {
        let tr = crate::i18n::Tr::new(&u.lang);
        let link = format!("{}/intake", state.config.base_url);
        let mail = crate::mail::Mail {
            to: u.email.clone(),
            subject: tr.ta(
                "mail-amend-subject",
                &[("practice", &state.config.practice.name)],
            ),
            text: tr.ta("mail-amend-body", &[("name", &u.name), ("link", &link)]),
        };
        state
            .mailer
            .send(&mail)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/participants/{id}/intake/amendment", tag = "intake", params(("id" = String, Path)),
    request_body = AmendmentRequest,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn amend(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<AmendmentRequest>,
) -> AppResult<StatusCode> {
    apply_amendment(&state, &auth, &id, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FormQuery {
    /// The language of the texts: `en` (default) or `nl`. Keys, codes and checks are the same
    /// in every language; a text without a translation stays English, and instruments are
    /// translated only where a validated translation exists (see each instrument's `language`).
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/intake/form", tag = "intake", params(FormQuery),
    responses((status = 200, description = "The intake form definition: sections, questions, conditions, instruments, and the `lang` of its texts"),
        (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn form_definition(
    SignedIn(_auth): SignedIn,
    Query(q): Query<FormQuery>,
) -> AppResult<axum::Json<&'static Form>> {
    let Some(lang) = q.lang else {
        return Ok(axum::Json(form()?));
    };
    if !crate::i18n::LANGUAGES.iter().any(|(code, _)| *code == lang) {
        let known: Vec<&str> = crate::i18n::LANGUAGES.iter().map(|(c, _)| *c).collect();
        return Err(AppError::Validation(vec![FieldError::new(
            "lang",
            format!("Choose one of: {}.", known.join(", ")),
        )]));
    }
    Ok(axum::Json(form_for(&lang)?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SuggestQuery {
    /// What was typed so far.
    pub q: String,
    /// medication (default) or substance
    pub kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    pub name: String,
    pub generic: String,
}

#[utoipa::path(get, path = "/api/v1/intake/suggest", tag = "intake", params(SuggestQuery),
    responses((status = 200, body = Vec<SuggestionView>)), security(("bearer" = [])))]
pub async fn suggest(
    SignedIn(_auth): SignedIn,
    Query(q): Query<SuggestQuery>,
) -> AppResult<Json<Vec<SuggestionView>>> {
    let query: String = q.q.chars().take(60).collect();
    let found = match q.kind.as_deref() {
        Some("substance") => dyad_core::screening::suggest_substances(&query, 8),
        _ => dyad_core::screening::suggest_medications(&query, 8),
    };
    Ok(Json(
        found
            .into_iter()
            .map(|s| SuggestionView {
                name: s.name,
                generic: s.generic,
            })
            .collect(),
    ))
}

/// Whether the screening rules ask for a medication washout on these answers.
pub(crate) fn needs_washout(participant_id: &str, answers: Value) -> AppResult<bool> {
    let knowledge =
        dyad_core::screening::embedded().map_err(|e| AppError::Internal(e.to_string()))?;
    let result = dyad_core::screening::screen(
        knowledge,
        &[dyad_core::screening::IntakeAnswers::new(
            participant_id.to_string(),
            answers,
        )],
    );
    Ok(result.findings.iter().any(|f| f.needs_washout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Tr;

    /// Every check of the form can be said through the catalogue (and so in every language:
    /// the locale completeness test holds the languages to the same ids).
    #[test]
    fn every_form_check_has_a_catalogue_message() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en");
        let mut ids = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("locales") {
            let text = std::fs::read_to_string(entry.expect("file").path()).expect("ftl");
            ids.extend(crate::i18n::message_ids(&text));
        }
        for code in dyad_core::forms::FIELD_ERROR_CODES {
            let key = check_key(code);
            assert!(ids.contains(&key), "no message {key}");
        }
    }

    #[test]
    fn a_form_check_reads_in_dutch_and_the_api_keeps_its_english() {
        let form = Form::shipped().expect("form");
        let AppError::Validation(errors) =
            core_errors(form.validate_draft(&serde_json::json!({"relationship": {"trust": 9}})))
        else {
            panic!("validation error expected");
        };
        let error = errors.into_iter().next().expect("one error");
        assert_eq!(error.message, "Must be a whole number from 1 to 5.");
        let json = serde_json::to_value(&error).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"field": "relationship.trust", "message": "Must be a whole number from 1 to 5."})
        );
        let nl = error.in_language(&Tr::new("nl"));
        assert_eq!(nl.message, "Vul een heel getal in van 1 tot en met 5.");
        assert_eq!(nl.field, "relationship.trust");
    }

    #[test]
    fn the_localised_forms_keep_the_installed_form_checks() {
        let nl = form_for("nl").expect("form");
        assert_eq!(nl.lang, "nl");
        assert_eq!(nl.title, "Je intake");
        let en = form_for("en").expect("form");
        assert_eq!(en.lang, "en");
        assert_eq!(nl.keys(), en.keys());
        // A language dyad does not speak gets the form as it is.
        assert_eq!(form_for("de").expect("form").lang, "en");
    }
}
