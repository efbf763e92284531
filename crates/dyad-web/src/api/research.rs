//! Research and privacy rights: study settings, the pseudonymised research export (REDCap
//! or FHIR R4), and erasure by crypto-shredding.

use std::io::Write;
use std::path::Path;

use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dyad_core::policy::{Action, Resource, ResourceKind};
use dyad_core::research::{
    self as model, ExportMeta, FieldDef, ResearchAcceptance, Subject, current_research_consent,
};
use dyad_core::time::from_micros;
use dyad_store::Db;
use dyad_store::audit::AuditEntry;
use dyad_store::db::IN_LIST;
use dyad_store::research::{self as store, Study};
use dyad_store::sealing::{DataKey, Sealer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::access;
use crate::api::intake::version_place;
use crate::api::records::rfc3339;
use crate::auth::{Authenticated, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError, Json, Problem, Query};
use crate::state::AppState;

// --- studies --------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyView {
    pub id: String,
    pub name: String,
    pub protocol_id: String,
    pub active: bool,
    /// The research consent documents (ids) whose acceptance counts as consent to this study.
    pub document_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Study> for StudyView {
    fn from(s: Study) -> Self {
        Self {
            id: s.id,
            name: s.name,
            protocol_id: s.protocol_id,
            active: s.active,
            document_ids: s.document_ids,
            created_at: rfc3339(s.created_at),
            updated_at: rfc3339(s.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct StudyInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub protocol_id: String,
    #[serde(default)]
    pub document_ids: Vec<String>,
    pub active: Option<bool>,
}

pub async fn list_studies_for(state: &AppState, auth: &Authenticated) -> AppResult<Vec<StudyView>> {
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::system(ResourceKind::Study),
        "studies",
    )
    .await?;
    Ok(store::studies(&state.db)
        .await?
        .into_iter()
        .map(StudyView::from)
        .collect())
}

#[utoipa::path(get, path = "/api/v1/studies", tag = "research",
    responses((status = 200, body = Vec<StudyView>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list_studies(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<StudyView>>> {
    Ok(Json(list_studies_for(&state, &auth).await?))
}

/// Shared by the page and the API: creates (`id` None) or updates a study.
pub async fn apply_save_study(
    state: &AppState,
    auth: &Authenticated,
    id: Option<&str>,
    input: &StudyInput,
) -> AppResult<StudyView> {
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::system(ResourceKind::Study),
        id.unwrap_or("new_study"),
    )
    .await?;
    if let Some(id) = id
        && store::study(&state.db, id)
            .await?
            .is_none_or(|s| s.id != id)
    {
        return Err(AppError::NotFound);
    }
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "name",
            "Give the study a name of 1 to 200 characters.",
        ));
    }
    let protocol = input.protocol_id.trim();
    if protocol.is_empty()
        || protocol.len() > 64
        || !protocol
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        errors.push(FieldError::new(
            "protocol_id",
            "Give the protocol id as registered: 1 to 64 letters, digits, '-', '.' or '_'.",
        ));
    }
    let research_docs: Vec<String> = store::research_documents(&state.db)
        .await?
        .into_iter()
        .map(|d| d.0)
        .collect();
    if input.document_ids.is_empty()
        || input
            .document_ids
            .iter()
            .any(|d| !research_docs.contains(d))
    {
        errors.push(FieldError::new(
            "document_ids",
            "Choose one or more versions of the research consent document.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut docs = input.document_ids.clone();
    docs.sort();
    docs.dedup();
    let saved = store::save_study(
        &state.db,
        id,
        name,
        protocol,
        input.active.unwrap_or(true),
        &docs,
        &auth.user.id,
        state.now(),
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::Validation(vec![FieldError::new(
                "protocol_id",
                "Another study has this protocol id.",
            )])
        } else {
            e.into()
        }
    })?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "save_study")
            .subject(&saved)
            .resource("study")
            .reason(&format!("protocol={protocol} documents={}", docs.join(","))),
    )
    .await?;
    let study = store::study(&state.db, &saved)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(study.into())
}

#[utoipa::path(post, path = "/api/v1/studies", tag = "research", request_body = StudyInput,
    responses((status = 201, body = StudyView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_study(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<StudyInput>,
) -> AppResult<(StatusCode, Json<StudyView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_save_study(&state, &auth, None, &body).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/studies/{id}", tag = "research", params(("id" = String, Path)), request_body = StudyInput,
    responses((status = 200, body = StudyView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn update_study(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<StudyInput>,
) -> AppResult<Json<StudyView>> {
    Ok(Json(
        apply_save_study(&state, &auth, Some(&id), &body).await?,
    ))
}

// --- the export -----------------------------------------------------------------------------

/// Which format an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Redcap,
    Fhir,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "redcap" => Ok(Format::Redcap),
            "fhir" => Ok(Format::Fhir),
            other => Err(format!("unknown format {other:?}; choose redcap or fhir")),
        }
    }
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Redcap => "redcap",
            Format::Fhir => "fhir",
        }
    }
}

/// A finished export: the file and what it holds.
pub struct Export {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub file_name: String,
    /// Participants included.
    pub participants: usize,
    /// Rows of `records.csv` (one per participant per event), or resources in the bundle.
    pub rows: usize,
    /// The filter, as written to the audit trail.
    pub filter: String,
}

/// Everyone whose research consent is current (for the study's documents when a study is
/// given), with their events. The key to the people stays in the database; nothing here
/// names anyone.
///
/// People are read a batch at a time ([`dyad_store::db::IN_LIST`] candidates): a few queries
/// per batch for all of them, and each person's data key unwrapped once.
pub async fn gather(
    db: &Db,
    sealer: &Sealer,
    form: &dyad_core::forms::Form,
    study: Option<&Study>,
    now: i64,
) -> AppResult<(Vec<FieldDef>, Vec<Subject>)> {
    let mut subjects = Vec::new();
    gather_each(db, sealer, form, study, now, |batch| {
        subjects.extend(batch);
        Ok(())
    })
    .await?;
    Ok((model::dictionary(form), subjects))
}

/// [`gather`] a batch of subjects at a time, in order, handing each batch to `each`: what
/// lets an export write its rows without holding everyone's events at once.
pub async fn gather_each(
    db: &Db,
    sealer: &Sealer,
    form: &dyad_core::forms::Form,
    study: Option<&Study>,
    now: i64,
    mut each: impl FnMut(Vec<Subject>) -> AppResult<()>,
) -> AppResult<()> {
    for batch in store::candidates(db).await?.chunks(IN_LIST) {
        let mut subjects = Vec::new();
        gather_batch(db, sealer, form, study, now, batch, &mut subjects).await?;
        each(subjects)?;
    }
    Ok(())
}

/// [`gather`] for one batch of candidates, in their order.
async fn gather_batch(
    db: &Db,
    sealer: &Sealer,
    form: &dyad_core::forms::Form,
    study: Option<&Study>,
    now: i64,
    batch: &[store::Candidate],
    subjects: &mut Vec<Subject>,
) -> AppResult<()> {
    let ids = |f: fn(&store::Candidate) -> &String, of: &[&store::Candidate]| -> Vec<String> {
        of.iter().map(|c| f(c).clone()).collect()
    };
    let all: Vec<&store::Candidate> = batch.iter().collect();
    let acceptances = store::research_acceptances_of(db, &ids(|c| &c.user_id, &all)).await?;
    let withdrawals = store::research_withdrawals_of(db, &ids(|c| &c.participant_id, &all)).await?;
    let mut consenting = Vec::new();
    for c in batch {
        let acceptances: Vec<ResearchAcceptance> = acceptances
            .get(&c.user_id)
            .into_iter()
            .flatten()
            .map(|(document_id, version, at)| ResearchAcceptance {
                document_id: document_id.clone(),
                version: version.clone(),
                accepted_at: from_micros(*at),
            })
            .collect();
        let withdrawals: Vec<jiff::Timestamp> = withdrawals
            .get(&c.participant_id)
            .into_iter()
            .flatten()
            .map(|at| from_micros(*at))
            .collect();
        if let Some(consent) = current_research_consent(
            &acceptances,
            &withdrawals,
            study.map(|s| s.document_ids.as_slice()),
        ) {
            consenting.push((c, consent));
        }
    }
    if consenting.is_empty() {
        return Ok(());
    }

    // What the consenting people's events are made of, for all of them at once.
    let people: Vec<&store::Candidate> = consenting.iter().map(|(c, _)| *c).collect();
    let pids = ids(|c| &c.participant_id, &people);
    let mut versions = dyad_store::intake::versions_of_many(db, &pids).await?;
    let mut checkins = dyad_store::aftercare::answered_checkins_of(db, &pids).await?;
    let pairs: Vec<(String, String)> = people
        .iter()
        .map(|c| (c.duo_id.clone(), c.participant_id.clone()))
        .collect();
    let mut sessions = store::sessions_of_participants(db, &pairs).await?;
    let sealed: Vec<String> = pids
        .iter()
        .filter(|p| versions.contains_key(*p) || checkins.contains_key(*p))
        .cloned()
        .collect();
    let mut keys = sealer.data_keys(db, &sealed).await?;

    let mut included = Vec::new();
    for (c, consent) in consenting {
        let pid = &c.participant_id;
        // The person's data key, unwrapped once for all their sealed answers. `None`: it was
        // destroyed (erased). A person with no key row yet goes the ordinary way, which
        // creates one on first use.
        let key = match keys.remove(pid) {
            Some(key) => key,
            None if sealed.contains(pid) => match sealer.data_key(db, pid, now).await {
                Ok(key) => Some(key),
                Err(dyad_store::StoreError::KeyDestroyed) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let mut events = Vec::new();
        let mut gender = "unknown".to_string();
        if let Some(v) = versions.remove(pid).and_then(|mut v| v.pop()) {
            // An erased key: nothing of this person can be read, so nothing leaves.
            let Some(key) = &key else {
                continue;
            };
            let plain = key.open(pid, version_place(&v.id), &v.answers_sealed)?;
            let answers: Value = serde_json::from_slice(&plain)
                .map_err(|e| AppError::Internal(format!("stored intake: {e}")))?;
            gender = match answers.get("sex").and_then(Value::as_str) {
                Some(g @ ("female" | "male" | "other")) => g.to_string(),
                _ => "unknown".into(),
            };
            events.push(model::intake_event(
                form,
                &answers,
                from_micros(v.submitted_at),
            ));
        }
        for (i, (at, one_person, closed)) in sessions
            .remove(pid)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            events.push(model::session_event(
                i + 1,
                from_micros(at),
                !one_person,
                closed,
            ));
        }
        let answered = checkins.remove(pid).unwrap_or_default();
        if !answered.is_empty() {
            let Some(key) = &key else {
                return Err(dyad_store::StoreError::KeyDestroyed.into());
            };
            events.extend(checkin_events(form, key, pid, answered)?);
        }
        included.push((c, consent, gender, events));
    }

    // Research codes for everyone included, and the duos' codes and date offsets.
    let included_pids: Vec<String> = included
        .iter()
        .map(|(c, ..)| c.participant_id.clone())
        .collect();
    let codes = store::subject_codes(db, &included_pids, now).await?;
    let duo_ids: Vec<String> = included.iter().map(|(c, ..)| c.duo_id.clone()).collect();
    let duo_codes = store::duo_codes(db, &duo_ids, now, |taken| {
        model::pick_offset(rand::random::<u64>(), taken)
    })
    .await?;
    for (c, consent, gender, events) in included {
        let (Some(code), Some((dyad_code, offset_days))) =
            (codes.get(&c.participant_id), duo_codes.get(&c.duo_id))
        else {
            return Err(AppError::Internal("a research code was not stored".into()));
        };
        subjects.push(Subject {
            code: code.clone(),
            dyad_code: dyad_code.clone(),
            member_role: c.member_role.clone(),
            relationship: c.relationship.clone(),
            offset_days: *offset_days,
            gender,
            consent,
            events,
        });
    }
    Ok(())
}

/// Check-in events of one participant from their answered check-ins (in the order they
/// open), with the instruments asked at each (the short wellbeing questions are not
/// exported).
fn checkin_events(
    form: &dyad_core::forms::Form,
    key: &DataKey,
    participant_id: &str,
    answered: Vec<dyad_store::aftercare::CheckIn>,
) -> AppResult<Vec<model::Event>> {
    let mut events = Vec::new();
    let answered = answered
        .into_iter()
        .filter_map(|c| Some((c.answered_at?, c.answers_sealed.clone()?, c)));
    for (number, (at, sealed, c)) in answered.enumerate() {
        let place = dyad_store::sealing::Place {
            table: "checkins",
            row: &c.id,
            field: "answers",
        };
        let plain = key.open(participant_id, place, &sealed)?;
        let stored: Value = serde_json::from_slice(&plain)
            .map_err(|e| AppError::Internal(format!("stored check-in: {e}")))?;
        let instruments: std::collections::BTreeMap<String, Vec<i64>> = stored
            .get("instruments")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        events.push(model::checkin_event(
            form,
            number + 1,
            from_micros(at),
            &instruments,
        ));
    }
    Ok(events)
}

/// Builds the export file.
pub async fn build(
    db: &Db,
    sealer: &Sealer,
    form: &dyad_core::forms::Form,
    study: Option<&Study>,
    format: Format,
    now: i64,
) -> AppResult<Export> {
    let fields = model::dictionary(form);
    let meta = ExportMeta {
        protocol_id: study.map(|s| s.protocol_id.clone()),
    };
    let stem = match &meta.protocol_id {
        Some(p) => format!("dyad-research-{p}"),
        None => "dyad-research".to_string(),
    };
    let filter = format!(
        "format={} study={} consent=current",
        format.as_str(),
        meta.protocol_id.as_deref().unwrap_or("any")
    );
    let csv_err = |e: csv::Error| AppError::Internal(format!("writing csv: {e}"));
    let mut participants = 0;
    Ok(match format {
        Format::Redcap => {
            // Rows are written as each batch of people is read; only the text is kept.
            let mut records = model::RecordsCsv::new(&fields).map_err(csv_err)?;
            let mut events = model::EventForms::default();
            let mut rows = 0;
            gather_each(db, sealer, form, study, now, |batch| {
                participants += batch.len();
                rows += batch.iter().map(|s| s.events.len()).sum::<usize>();
                records.write(&batch).map_err(csv_err)?;
                events.add(&batch);
                Ok(())
            })
            .await?;
            let files = [
                (
                    "data_dictionary.csv",
                    model::redcap_dictionary_csv(&fields).map_err(csv_err)?,
                ),
                ("records.csv", records.finish().map_err(csv_err)?),
                (
                    "instrument_event_mapping.csv",
                    events.csv().map_err(csv_err)?,
                ),
            ];
            Export {
                bytes: zip_files(&files)?,
                content_type: "application/zip",
                file_name: format!("{stem}-redcap.zip"),
                participants,
                rows,
                filter,
            }
        }
        Format::Fhir => {
            // The bundle groups people by duo, so everyone is gathered first; its resources
            // carry the scored instruments, not the REDCap values, which are let go at once.
            let mut subjects = Vec::new();
            gather_each(db, sealer, form, study, now, |batch| {
                for mut s in batch {
                    for e in &mut s.events {
                        e.values.clear();
                    }
                    subjects.push(s);
                }
                Ok(())
            })
            .await?;
            participants = subjects.len();
            let (bytes, rows) = model::fhir_bundle_json(&meta, &subjects)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Export {
                bytes,
                content_type: "application/fhir+json",
                file_name: format!("{stem}-fhir.json"),
                participants,
                rows,
                filter,
            }
        }
    })
}

fn zip_files(files: &[(&str, String)]) -> AppResult<Vec<u8>> {
    let internal = |e: zip::result::ZipError| AppError::Internal(format!("writing zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Stored, not compressed: the files are small, and it keeps the zip crate's features off.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in files {
        zip.start_file(*name, options).map_err(internal)?;
        zip.write_all(text.as_bytes())
            .map_err(|e| AppError::Internal(format!("writing zip: {e}")))?;
    }
    Ok(zip.finish().map_err(internal)?.into_inner())
}

/// The audit record every export leaves: who, the filter and how many rows.
pub fn export_audit(actor: &str, role: &str, export: &Export) -> AuditEntry {
    AuditEntry::new(actor, role, "export")
        .resource("research_export")
        .reason(&format!(
            "{} participants={} rows={}",
            export.filter, export.participants, export.rows
        ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `redcap` (a zip of data_dictionary.csv, records.csv, instrument_event_mapping.csv)
    /// or `fhir` (an R4 Bundle).
    pub format: Option<String>,
    /// A study's id or protocol id: only consents to that study's documents count.
    pub study: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/export/research", tag = "research", params(ExportQuery),
    responses((status = 200, description = "The export file"), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    access::authorize(
        &state,
        &auth,
        Action::Export,
        &Resource::system(ResourceKind::ResearchExport),
        "research_export",
    )
    .await?;
    let format: Format = q
        .format
        .as_deref()
        .unwrap_or("redcap")
        .parse()
        .map_err(|m: String| AppError::Validation(vec![FieldError::new("format", m)]))?;
    let study = match q.study.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(store::study(&state.db, s).await?.ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                "study",
                "There is no study with this id.",
            )])
        })?),
        None => None,
    };
    let form = crate::api::intake::form()?;
    let out = build(
        &state.db,
        &state.sealer,
        form,
        study.as_ref(),
        format,
        state.now(),
    )
    .await?;
    access::record(
        &state,
        export_audit(&auth.user.id, &auth.audit_role(), &out),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, out.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", out.file_name),
            ),
        ],
        out.bytes,
    )
        .into_response())
}

// --- research consent after sign-up ---------------------------------------------------------

/// Shared by the page: the participant gives research consent to `document_id`, which must be
/// the research consent version in effect (the one they read). Giving it again after a
/// withdrawal is a renewal; the earlier acceptance and the withdrawal stay on record.
pub async fn apply_give_research_consent(
    state: &AppState,
    auth: &Authenticated,
    document_id: &str,
) -> AppResult<()> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::owned(ResourceKind::Consents, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let now = state.now();
    let current = dyad_store::duos::current_documents(&state.db, now)
        .await?
        .into_iter()
        .find(|d| d.kind == "research")
        .ok_or_else(|| {
            AppError::Conflict("No research consent text is published at the moment.".into())
        })?;
    if current.id != document_id {
        return Err(AppError::Validation(vec![FieldError::new(
            "document_id",
            "The research consent text has changed; read the current version and agree to it.",
        )]));
    }
    let given = crate::api::preparation::consent_states(state, &ctx, &pid)
        .await?
        .into_iter()
        .any(|c| c.item == "research" && c.state == "given");
    if given {
        return Ok(());
    }
    store::give_consent(&state.db, &auth.user.id, &current.id, "page", now).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, "participant", "give_consent")
            .subject(&pid)
            .resource("consents")
            .reason(&format!("research version={}", current.version)),
    )
    .await
}

// --- erasure --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct ErasureRequest {
    /// Why (the participant's request, its date and how it reached the team).
    #[serde(default)]
    pub reason: String,
    /// The care code of the participant (`P-…`), typed again so nobody erases the wrong
    /// person.
    #[serde(default)]
    pub confirm_code: String,
    /// The legal-hold check: `none` (checked, no hold) or `active` (a hold applies: erasure
    /// is refused).
    #[serde(default)]
    pub legal_hold: String,
    /// The research-obligation check: `none` (no research use), `exported_data_kept` (data
    /// already exported under research consent stays with the researchers, pseudonymised;
    /// the key to it is destroyed here) or `blocks_erasure` (erasure would seriously impair
    /// the research, GDPR Art. 17(3)(d): erasure is refused).
    #[serde(default)]
    pub research_obligations: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureView {
    pub id: String,
    pub participant_id: String,
    pub executed_at: String,
    /// The checks as recorded.
    #[schema(value_type = Object)]
    pub checks: Value,
}

/// Appends an erased participant id to the ledger beside the master key, durably.
pub fn append_ledger(path: &Path, participant_id: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{participant_id}")?;
    f.sync_all()
}

/// The ids in the ledger (empty when there is none yet).
pub fn read_ledger(path: &Path) -> std::io::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Destroys the data key of every participant the ledger or the database names as erased
/// and whose key is still there: what makes a restored older backup forget them again.
/// Returns how many keys were destroyed now.
pub async fn apply_erasures(
    db: &Db,
    sealer: &Sealer,
    ledger: Option<&Path>,
    now: i64,
) -> anyhow::Result<usize> {
    let mut ids = store::erased_ids(db).await?;
    if let Some(path) = ledger {
        ids.extend(read_ledger(path)?);
    }
    ids.sort();
    ids.dedup();
    let mut destroyed = 0;
    for id in ids {
        if store::has_live_key(db, &id).await? {
            sealer.destroy(db, &id, now).await?;
            destroyed += 1;
        }
    }
    Ok(destroyed)
}

/// A refused erasure leaves its reason in the audit trail.
async fn refuse_erasure(
    ctx: &ErasureContext<'_>,
    participant_id: &str,
    why: &str,
) -> AppResult<()> {
    dyad_store::audit::append(
        ctx.db,
        &AuditEntry::new(ctx.actor_id, ctx.actor_role, "erase")
            .subject(participant_id)
            .resource("erasure")
            .outcome("deny")
            .reason(why),
        ctx.now,
    )
    .await?;
    Ok(())
}

/// What an erasure needs besides the request: the database and sealer, the ledger beside
/// the master key, the time, and who executes it (a signed-in team member, or the operator).
pub struct ErasureContext<'a> {
    pub db: &'a Db,
    pub sealer: &'a Sealer,
    pub ledger: Option<&'a Path>,
    pub now: i64,
    pub actor_id: &'a str,
    pub actor_role: &'a str,
}

/// Shared by the page and the API: the policy decides who may, then [`execute_erasure`].
pub async fn apply_erasure(
    state: &AppState,
    auth: &Authenticated,
    participant_id: &str,
    req: &ErasureRequest,
) -> AppResult<ErasureView> {
    let participant = dyad_store::duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = duo::load(state, &participant.duo_id).await?;
    access::authorize(
        state,
        auth,
        Action::Write,
        &Resource::owned(ResourceKind::Erasure, &ctx.scope, participant_id),
        participant_id,
    )
    .await?;
    let role = auth.audit_role();
    let ctx = ErasureContext {
        db: &state.db,
        sealer: &state.sealer,
        ledger: state.config.erasure_ledger.as_deref(),
        now: state.now(),
        actor_id: &auth.user.id,
        actor_role: &role,
    };
    execute_erasure(&ctx, &participant, req).await
}

/// Checks the request and erases: the documented checks are required and acted on (a legal
/// hold, blocking research obligations or an open session refuse it, audited), then the
/// ledger, the tombstones and the key. Used by [`apply_erasure`] and by `dyad erase`.
pub async fn execute_erasure(
    ctx: &ErasureContext<'_>,
    participant: &dyad_store::duos::Participant,
    req: &ErasureRequest,
) -> AppResult<ErasureView> {
    let participant_id = participant.id.as_str();
    if store::erasure_of(ctx.db, participant_id).await?.is_some() {
        return Err(AppError::Conflict(
            "This participant is already erased.".into(),
        ));
    }
    let mut errors = Vec::new();
    let reason = req.reason.trim();
    if reason.chars().count() < 10 || reason.chars().count() > 2000 {
        errors.push(FieldError::new(
            "reason",
            "Say why, in 10 to 2,000 characters: the request, its date and how it reached you.",
        ));
    }
    if !req
        .confirm_code
        .trim()
        .eq_ignore_ascii_case(&participant.code)
    {
        errors.push(FieldError::new(
            "confirm_code",
            "Type the participant's code exactly as shown, to confirm who is erased.",
        ));
    }
    if !matches!(req.legal_hold.as_str(), "none" | "active") {
        errors.push(FieldError::new(
            "legal_hold",
            "Check for a legal hold and answer none or active.",
        ));
    }
    if !matches!(
        req.research_obligations.as_str(),
        "none" | "exported_data_kept" | "blocks_erasure"
    ) {
        errors.push(FieldError::new(
            "research_obligations",
            "Check the research obligations and answer none, exported_data_kept or blocks_erasure.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if req.legal_hold == "active" {
        refuse_erasure(ctx, participant_id, "legal_hold=active").await?;
        return Err(AppError::Conflict(
            "A legal hold applies to this record, so it cannot be erased now.".into(),
        ));
    }
    if req.research_obligations == "blocks_erasure" {
        refuse_erasure(ctx, participant_id, "research_obligations=blocks_erasure").await?;
        return Err(AppError::Conflict(
            "Research obligations keep this record for now (GDPR Art. 17(3)(d)); tell the participant why.".into(),
        ));
    }
    if store::has_open_session(ctx.db, &participant.duo_id, participant_id).await? {
        refuse_erasure(ctx, participant_id, "open_session").await?;
        return Err(AppError::Conflict(
            "A session is booked or running for this participant; close or cancel it first.".into(),
        ));
    }
    let exported_before = store::has_research_code(ctx.db, participant_id).await?;
    let checks = serde_json::json!({
        "legal_hold": req.legal_hold,
        "research_obligations": req.research_obligations,
        "exported_before": exported_before,
        "open_session": false,
        "confirm_code_matched": true,
        "kept": ["consent_acceptances", "agreement_signatures", "audit_trail"],
    });
    let now = ctx.now;
    // The ledger first: if it cannot be written, nothing has changed yet.
    if let Some(path) = ctx.ledger {
        append_ledger(path, participant_id)
            .map_err(|e| AppError::Internal(format!("writing the erasure ledger: {e}")))?;
    }
    let erasure = store::record_erasure(
        ctx.db,
        participant_id,
        ctx.actor_id,
        reason,
        &checks.to_string(),
        now,
    )
    .await?;
    ctx.sealer.destroy(ctx.db, participant_id, now).await?;
    dyad_store::audit::append(
        ctx.db,
        &AuditEntry::new(ctx.actor_id, ctx.actor_role, "erase")
            .subject(participant_id)
            .resource("erasure")
            .reason(&format!(
                "legal_hold={} research_obligations={} exported_before={exported_before}",
                req.legal_hold, req.research_obligations
            )),
        now,
    )
    .await?;
    Ok(ErasureView {
        id: erasure.id,
        participant_id: erasure.participant_id,
        executed_at: rfc3339(erasure.executed_at),
        checks,
    })
}

#[utoipa::path(post, path = "/api/v1/participants/{id}/erasure", tag = "research", params(("id" = String, Path)), request_body = ErasureRequest,
    responses((status = 201, body = ErasureView), (status = 404, body = Problem), (status = 409, body = Problem, description = "A legal hold, research obligations or an open session stand in the way, or already erased"), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn erase(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<ErasureRequest>,
) -> AppResult<(StatusCode, Json<ErasureView>)> {
    Ok((
        StatusCode::CREATED,
        Json(apply_erasure(&state, &auth, &id, &body).await?),
    ))
}
