//! Pages of the preparation step: the duo's meetings (scheduled by the team, seen by each
//! participant as far as they concern them), the duo agreement (each person's own entries,
//! versions with "what changed", signatures and the facilitator's countersign), a
//! participant's consents with withdrawal at any moment, and the readiness gates for the
//! team. Every read and write goes through the preparation services
//! (`crate::api::preparation`), which call the policy and write the audit trail; the
//! policy is asked here only to decide which forms to offer.

use std::collections::BTreeSet;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dyad_core::pathway::TouchKind;
use dyad_core::policy::{self, Action, Resource, ResourceKind};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Ctx, FormErrors, field, fields, form_pairs, page_errors, render_status};
use crate::access;
use crate::api::preparation::{
    AgreementView, ChecklistUpdate, MeetingView, NewMeeting, agreement_view, apply_agreement,
    apply_checklist, apply_held, apply_meeting, apply_sign, apply_washout, apply_withdraw_consent,
    consent_states, team_readiness, visible_meetings,
};
use crate::auth::{Authenticated, Lang, SignedIn};
use crate::duo::{self, DuoContext};
use crate::error::in_language;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

use super::label;

pub fn routes() -> (Router<AppState>, Vec<&'static str>) {
    crate::route_table! {
        "/duos/{id}/meetings" => get(meetings_page).post(meeting_submit),
        "/duos/{id}/meetings/{meeting}/held" => axum::routing::post(held_submit),
        "/meetings" => get(my_meetings),
        "/duos/{id}/agreement" => get(agreement_page).post(agreement_submit),
        "/duos/{id}/agreement/sign" => axum::routing::post(sign_submit),
        "/consents" => get(consents_page),
        "/consents/{item}/withdraw" => get(withdraw_confirm).post(withdraw_submit),
        "/duos/{id}/readiness" => get(readiness_page),
        "/duos/{id}/checklist" => axum::routing::post(checklist_submit),
        "/duos/{id}/washout" => axum::routing::post(washout_submit),
    }
}

// ---------------------------------------------------------------- shared bits

/// `2027-01-15T09:00:00Z` → `2027-01-15 09:00 UTC`.
fn when(tr: &Tr, rfc3339: &str) -> String {
    let short: String = rfc3339
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ");
    tr.ta("prep-time-utc", &[("time", &short)])
}

fn status_for(f: &FormErrors) -> StatusCode {
    if f.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A participant's name in the duo (an id that is not one stays as it was).
fn name_in(ctx: &DuoContext, pid: &str) -> String {
    ctx.participant(pid)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| pid.to_string())
}

/// A staff member's name from the duo's team.
fn staff_name(tr: &Tr, ctx: &DuoContext, uid: &str) -> String {
    ctx.team
        .iter()
        .find(|(u, _, _)| u == uid)
        .map(|(_, _, n)| n.clone())
        .unwrap_or_else(|| tr.t("prep-staff-other"))
}

/// Team pages are for staff; a participant asking gets what a missing page gets.
fn staff_only(auth: &Authenticated) -> AppResult<()> {
    if auth.user.is_staff() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Errors for one form: a conflict (field `main`) is shown at `anchor`.
fn errors_at(errors: Vec<FieldError>, anchor: &str) -> FormErrors {
    FormErrors::new(
        errors
            .into_iter()
            .map(|e| {
                if e.field == "main" {
                    FieldError::new(anchor, e.message)
                } else {
                    e
                }
            })
            .collect(),
    )
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn saved_text(tr: &Tr, q: &SavedQuery) -> Option<String> {
    match q.saved.as_deref() {
        Some(
            what @ ("scheduled" | "held" | "agreement" | "signed" | "withdrawn" | "checklist"
            | "washout" | "draft"),
        ) => Some(tr.t(&format!("prep-saved-{what}"))),
        _ => None,
    }
}

// ---------------------------------------------------------------- meetings

pub struct MeetingRow {
    pub id: String,
    pub kind: String,
    pub with: String,
    pub when: String,
    pub minutes: i64,
    pub video_url: String,
    pub held: bool,
    pub staff: String,
    pub past: bool,
}

fn meeting_row(
    tr: &Tr,
    ctx: &DuoContext,
    m: MeetingView,
    now: &str,
    me: Option<&str>,
) -> MeetingRow {
    let joint = m.with == "joint";
    MeetingRow {
        kind: label(tr, "prep-kind", &m.kind),
        with: if joint {
            tr.t("prep-with-joint")
        } else if me == Some(m.with.as_str()) {
            tr.t("prep-with-you")
        } else {
            tr.ta("prep-with-one", &[("name", &name_in(ctx, &m.with))])
        },
        past: m.starts_at.as_str() < now,
        when: when(tr, &m.starts_at),
        minutes: m.minutes,
        video_url: m.video_url,
        held: m.held,
        staff: m
            .staff
            .iter()
            .map(|s| staff_name(tr, ctx, s))
            .collect::<Vec<_>>()
            .join(", "),
        id: m.id,
    }
}

#[derive(Default)]
pub struct MeetingForm {
    pub kind: String,
    pub with: String,
    pub starts_at: String,
    pub minutes: String,
    pub video_url: String,
    pub staff: Vec<String>,
}

pub struct StaffChoice {
    pub id: String,
    pub name: String,
    pub role: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "prep_meetings.html")]
struct MeetingsPage {
    ctx: Ctx,
    duo_id: String,
    code: String,
    rows: Vec<MeetingRow>,
    can_schedule: bool,
    can_mark_held: bool,
    people: Vec<(String, String)>,
    staff: Vec<StaffChoice>,
    form: MeetingForm,
    /// The meeting whose "held" form had a problem.
    held_for: String,
    held_note: String,
    f: FormErrors,
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn meetings_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    form: Option<MeetingForm>,
    held: Option<(String, String)>,
    f: FormErrors,
    saved: Option<String>,
) -> AppResult<Response> {
    staff_only(auth)?;
    let list = visible_meetings(state, auth, id).await?;
    let ctx = duo::load(state, id).await?;
    let actor = auth.actor();
    let can_schedule = policy::can(
        &actor,
        Action::Write,
        &Resource::duo(ResourceKind::Meetings, &ctx.scope),
    )
    .is_allowed();
    let can_mark_held = policy::can(
        &actor,
        Action::Write,
        &Resource::duo(ResourceKind::ClinicalNote, &ctx.scope),
    )
    .is_allowed();
    let now = crate::api::records::rfc3339(state.now());
    let rows = list
        .into_iter()
        .map(|m| meeting_row(&tr, &ctx, m, &now, None))
        .collect();
    let form = form.unwrap_or_else(|| MeetingForm {
        kind: "preparation".into(),
        with: "joint".into(),
        minutes: "60".into(),
        ..Default::default()
    });
    let mut seen = BTreeSet::new();
    let staff = ctx
        .team
        .iter()
        .filter(|(uid, _, _)| seen.insert(uid.clone()))
        .map(|(uid, role, name)| StaffChoice {
            checked: if form.staff.is_empty() {
                *uid == auth.user.id
            } else {
                form.staff.contains(uid)
            },
            id: uid.clone(),
            name: name.clone(),
            role: label(&tr, "role", role),
        })
        .collect();
    let (held_for, held_note) = held.unwrap_or_default();
    render_status(
        status_for(&f),
        &MeetingsPage {
            duo_id: ctx.duo.id.clone(),
            code: ctx.duo.code.clone(),
            rows,
            can_schedule,
            can_mark_held,
            people: ctx
                .participants
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect(),
            staff,
            form,
            held_for,
            held_note,
            f,
            saved,
            ctx: Ctx::new(state, tr, Some(auth)),
        },
    )
}

pub async fn meetings_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let saved = saved_text(&tr, &q);
    meetings_for(
        &state,
        tr,
        &auth,
        &id,
        None,
        None,
        FormErrors::default(),
        saved,
    )
    .await
}

/// A `datetime-local` value (`2027-01-15T09:00`), read as UTC, as RFC 3339.
fn utc_from_local(value: &str) -> String {
    let v = value.trim();
    match v.len() {
        16 => format!("{v}:00Z"),
        19 => format!("{v}Z"),
        _ => v.to_string(),
    }
}

pub async fn meeting_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let form = MeetingForm {
        kind: field(&pairs, "kind").to_string(),
        with: field(&pairs, "with").to_string(),
        starts_at: field(&pairs, "starts_at").to_string(),
        minutes: field(&pairs, "minutes").to_string(),
        video_url: field(&pairs, "video_url").to_string(),
        staff: fields(&pairs, "staff"),
    };
    let request = NewMeeting {
        kind: form.kind.clone(),
        with: form.with.clone(),
        starts_at: utc_from_local(&form.starts_at),
        // A length that is not a number is refused like any length out of range.
        minutes: form.minutes.trim().parse::<i64>().unwrap_or(0),
        video_url: Some(form.video_url.clone()).filter(|v| !v.trim().is_empty()),
        staff: form.staff.clone(),
    };
    match apply_meeting(&state, &auth, &id, &request).await {
        Ok(_) => Ok(Redirect::to(&format!("/duos/{id}/meetings?saved=scheduled")).into_response()),
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?)
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "starts_at" => FieldError::new("starts_at", tr.t("prep-error-starts-at")),
                    "minutes" => FieldError::new("minutes", tr.t("prep-error-minutes")),
                    f if f.starts_with("staff") => FieldError::new("staff", e.message),
                    _ => e,
                })
                .collect();
            let f = errors_at(errors, "schedule");
            meetings_for(&state, tr, &auth, &id, Some(form), None, f, None).await
        }
    }
}

pub async fn held_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let note = field(&pairs, "note").to_string();
    // The meeting must belong to this duo: one the caller may see on this duo's list.
    let on_this_duo = visible_meetings(&state, &auth, &id)
        .await?
        .iter()
        .any(|m| m.id == meeting);
    if !on_this_duo {
        return Err(AppError::NotFound);
    }
    match apply_held(&state, &auth, &meeting, Some(&note)).await {
        Ok(()) => Ok(Redirect::to(&format!("/duos/{id}/meetings?saved=held")).into_response()),
        Err(e) => {
            let anchor = format!("note-{meeting}");
            let errors = in_language(&tr, page_errors(e)?)
                .into_iter()
                .map(|e| FieldError::new(&anchor, e.message))
                .collect();
            let f = FormErrors::new(errors);
            meetings_for(&state, tr, &auth, &id, None, Some((meeting, note)), f, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "prep_my_meetings.html")]
struct MyMeetingsPage {
    ctx: Ctx,
    rows: Vec<MeetingRow>,
}

/// A participant's meetings: the joint ones and their own, never the partner's.
pub async fn my_meetings(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
) -> AppResult<Response> {
    let (ctx, pid) = duo::of_participant(&state, &auth).await?;
    let list = visible_meetings(&state, &auth, &ctx.duo.id).await?;
    let now = crate::api::records::rfc3339(state.now());
    let rows = list
        .into_iter()
        .filter(|m| m.with == "joint" || m.with == pid)
        .map(|m| meeting_row(&tr, &ctx, m, &now, Some(&pid)))
        .collect();
    render_status(
        StatusCode::OK,
        &MyMeetingsPage {
            ctx: Ctx::new(&state, tr, Some(&auth)),
            rows,
        },
    )
}

// ---------------------------------------------------------------- the agreement

/// The sections everyone shares, in the agreement's order.
const SHARED: [&str; 9] = [
    "boundaries",
    "proximity",
    "music",
    "time_outs",
    "talking",
    "shared_vs_own",
    "difficult_moments",
    "afterwards",
    "confidentiality",
];

pub struct SharedSection {
    pub key: String,
    pub title: String,
    pub hint: String,
    pub text: String,
    /// The value in the edit form (what was typed when the form comes back with errors).
    pub draft: String,
    pub missing: bool,
}

pub struct PersonEntries {
    pub name: String,
    pub is_me: bool,
    pub intention: String,
    pub touch_partner: String,
    pub touch_facilitator: String,
    pub sharing: String,
    pub intention_missing: bool,
}

pub struct TouchChoice {
    pub kind: String,
    pub label: String,
    pub checked: bool,
}

pub struct MyEntries {
    pub partner_legend: String,
    pub sharing_label: String,
    pub intention: String,
    pub sharing: String,
    pub from_partner: Vec<TouchChoice>,
    pub from_facilitator: Vec<TouchChoice>,
}

pub struct SignatureRow {
    pub who: String,
    pub role: String,
    pub at: String,
}

pub struct DiffRow {
    pub section: String,
    pub change: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "prep_agreement.html")]
struct AgreementPage {
    ctx: Ctx,
    duo_id: String,
    back: String,
    version: i64,
    in_effect: bool,
    shared: Vec<SharedSection>,
    people: Vec<PersonEntries>,
    signatures: Vec<SignatureRow>,
    missing: Vec<String>,
    diff: Vec<DiffRow>,
    can_edit: bool,
    is_participant: bool,
    me: Option<MyEntries>,
    can_sign: bool,
    signed_by_me: bool,
    /// The participant keeps a private draft of their own parts, not yet shared.
    private_draft: bool,
    f: FormErrors,
    saved: Option<String>,
}

fn text_of(sections: &Value, key: &str) -> String {
    sections
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn entry_of(sections: &Value, key: &str, pid: &str) -> String {
    sections
        .get(key)
        .and_then(|m| m.get(pid))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn touch_of(sections: &Value, pid: &str, from: &str) -> Vec<String> {
    sections
        .get("touch")
        .and_then(|t| t.get(pid))
        .and_then(|t| t.get(from))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn touch_list(tr: &Tr, kinds: &[String]) -> String {
    if kinds.is_empty() {
        tr.t("prep-touch-none")
    } else {
        kinds
            .iter()
            .map(|k| label(tr, "prep-touch-kind", k))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A dotted section key of the diff or the missing list (`intentions.<pid>`,
/// `touch.<pid>.from_partner`) in words.
fn section_words(tr: &Tr, ctx: &DuoContext, key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        [section] => label(tr, "prep-section", section),
        [section, pid] => format!(
            "{} — {}",
            label(tr, "prep-section", section),
            name_in(ctx, pid)
        ),
        [_, pid, from] => format!(
            "{} — {}",
            label(tr, "prep-touch-from", from),
            name_in(ctx, pid)
        ),
        _ => key.to_string(),
    }
}

fn change_text(tr: &Tr, value: Option<&str>) -> String {
    match value {
        Some(v) if TouchKind::ALL.iter().any(|k| k.as_str() == v) => {
            label(tr, "prep-touch-kind", v)
        }
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// What was typed, for a form that comes back with errors.
struct AgreementDraft {
    pairs: Vec<(String, String)>,
}

async fn agreement_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    draft: Option<AgreementDraft>,
    f: FormErrors,
    saved: Option<String>,
) -> AppResult<Response> {
    let view: AgreementView = agreement_view(state, auth, id).await?;
    let ctx = duo::load(state, id).await?;
    let actor = auth.actor();
    let agreement = Resource::duo(ResourceKind::Agreement, &ctx.scope);
    let can_edit = policy::can(&actor, Action::Write, &agreement).is_allowed()
        && matches!(ctx.phase(), dyad_core::pathway::Phase::Preparation);
    let my_pid = auth
        .user
        .participant_id
        .clone()
        .filter(|p| ctx.participant(p).is_some());
    let signed_by_me = view.signatures.iter().any(|s| s.user_id == auth.user.id);
    // A private draft of one's own parts fills the own-parts fields until it is shared.
    let private = match (&my_pid, &draft) {
        (Some(_), None) => crate::api::preparation::own_draft(state, auth).await?,
        _ => None,
    };
    let private_draft = private.is_some();
    let draft = draft.or_else(|| {
        private.map(|p| {
            let mut pairs = vec![
                ("intention".to_string(), p.intention),
                ("sharing".to_string(), p.sharing),
            ];
            pairs.extend(
                p.touch_from_partner
                    .into_iter()
                    .map(|k| ("touch_from_partner".to_string(), k)),
            );
            pairs.extend(
                p.touch_from_facilitator
                    .into_iter()
                    .map(|k| ("touch_from_facilitator".to_string(), k)),
            );
            AgreementDraft { pairs }
        })
    });
    let can_sign = view.version > 0
        && !signed_by_me
        && policy::can(&actor, Action::Sign, &agreement).is_allowed();
    let missing_set: BTreeSet<&str> = view.missing_sections.iter().map(String::as_str).collect();
    let draft_value = |name: &str, stored: String| -> String {
        match &draft {
            Some(d) if d.pairs.iter().any(|(k, _)| k == name) => field(&d.pairs, name).to_string(),
            _ => stored,
        }
    };
    let shared = SHARED
        .iter()
        .map(|key| {
            let text = text_of(&view.sections, key);
            SharedSection {
                key: (*key).to_string(),
                title: label(&tr, "prep-section", key),
                hint: tr.t(&format!("prep-section-{key}-hint")),
                draft: draft_value(key, text.clone()),
                missing: missing_set.contains(key),
                text,
            }
        })
        .collect();
    let people = ctx
        .participants
        .iter()
        .map(|p| PersonEntries {
            name: p.name.clone(),
            is_me: my_pid.as_deref() == Some(p.id.as_str()),
            intention: entry_of(&view.sections, "intentions", &p.id),
            touch_partner: touch_list(&tr, &touch_of(&view.sections, &p.id, "from_partner")),
            touch_facilitator: touch_list(
                &tr,
                &touch_of(&view.sections, &p.id, "from_facilitator"),
            ),
            sharing: entry_of(&view.sections, "sharing", &p.id),
            intention_missing: missing_set.contains(format!("intentions.{}", p.id).as_str()),
        })
        .collect();
    let me = my_pid.as_ref().map(|pid| {
        let choices = |from: &str| {
            let name = format!("touch_{from}");
            let chosen: Vec<String> = match &draft {
                Some(d) => fields(&d.pairs, &name),
                None => touch_of(&view.sections, pid, from),
            };
            TouchKind::ALL
                .iter()
                .map(|k| TouchChoice {
                    kind: k.as_str().to_string(),
                    label: label(&tr, "prep-touch-kind", k.as_str()),
                    checked: chosen.iter().any(|c| c == k.as_str()),
                })
                .collect()
        };
        let partner = ctx
            .partner_of(pid)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        MyEntries {
            partner_legend: tr.ta("prep-field-touch-partner", &[("partner", &partner)]),
            sharing_label: tr.ta("prep-field-sharing", &[("partner", &partner)]),
            intention: draft_value("intention", entry_of(&view.sections, "intentions", pid)),
            sharing: draft_value("sharing", entry_of(&view.sections, "sharing", pid)),
            from_partner: choices("from_partner"),
            from_facilitator: choices("from_facilitator"),
        }
    });
    let signatures = view
        .signatures
        .iter()
        .map(|s| SignatureRow {
            who: match &s.participant_id {
                Some(pid) => name_in(&ctx, pid),
                None => staff_name(&tr, &ctx, &s.user_id),
            },
            role: label(&tr, "prep-signer", &s.role),
            at: when(&tr, &s.signed_at),
        })
        .collect();
    let missing = view
        .missing_sections
        .iter()
        .map(|m| section_words(&tr, &ctx, m))
        .collect();
    let diff = view
        .diff
        .iter()
        .map(|d| DiffRow {
            section: section_words(&tr, &ctx, &d.section),
            change: label(&tr, "prep-change", &d.change),
            before: change_text(&tr, d.before.as_deref()),
            after: change_text(&tr, d.after.as_deref()),
        })
        .collect();
    let is_participant = my_pid.is_some();
    render_status(
        status_for(&f),
        &AgreementPage {
            duo_id: ctx.duo.id.clone(),
            back: if is_participant {
                "/home".into()
            } else {
                format!("/duos/{}", ctx.duo.id)
            },
            version: view.version,
            in_effect: view.in_effect,
            shared,
            people,
            signatures,
            missing,
            diff,
            can_edit,
            is_participant,
            me,
            can_sign,
            signed_by_me,
            private_draft,
            f,
            saved,
            ctx: Ctx::new(state, tr, Some(auth)),
        },
    )
}

pub async fn agreement_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let saved = saved_text(&tr, &q);
    agreement_for(&state, tr, &auth, &id, None, FormErrors::default(), saved).await
}

/// The sections to save: the current version with the shared texts from the form and, for
/// a participant, their own intention, touch consents and sharing. Everyone else's own
/// entries stay as they are (the service keeps them so in any case).
fn sections_from_form(current: &Value, pairs: &[(String, String)], me: Option<&str>) -> Value {
    let mut sections: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
    for key in SHARED {
        if pairs.iter().any(|(k, _)| k == key) {
            sections.insert(
                key.to_string(),
                Value::String(field(pairs, key).to_string()),
            );
        }
    }
    if let Some(pid) = me {
        for (section, name) in [("intentions", "intention"), ("sharing", "sharing")] {
            let mut map = sections
                .get(section)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            map.insert(
                pid.to_string(),
                Value::String(field(pairs, name).to_string()),
            );
            sections.insert(section.to_string(), Value::Object(map));
        }
        let mut touch = sections
            .get("touch")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        touch.insert(
            pid.to_string(),
            json!({
                "from_partner": fields(pairs, "touch_from_partner"),
                "from_facilitator": fields(pairs, "touch_from_facilitator"),
            }),
        );
        sections.insert("touch".into(), Value::Object(touch));
    }
    Value::Object(sections)
}

/// Service field names (`sections.intentions.<pid>`) as this page's input ids.
fn agreement_error(e: FieldError, me: Option<&str>) -> FieldError {
    let field = e.field.strip_prefix("sections.").unwrap_or(&e.field);
    let id = match me {
        Some(pid) if field == format!("intentions.{pid}") => "intention".to_string(),
        Some(pid) if field == format!("sharing.{pid}") => "sharing".to_string(),
        Some(pid) if field.starts_with(&format!("touch.{pid}")) => "touch".to_string(),
        _ if SHARED.contains(&field) => field.to_string(),
        _ => "edit".to_string(),
    };
    FieldError::new(&id, e.message)
}

pub async fn agreement_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let current = agreement_view(&state, &auth, &id).await?;
    let ctx = duo::load(&state, &id).await?;
    let me = auth
        .user
        .participant_id
        .clone()
        .filter(|p| ctx.participant(p).is_some());
    if me.is_some() && field(&pairs, "action") == "draft" {
        let parts = crate::api::preparation::OwnParts {
            intention: field(&pairs, "intention").to_string(),
            touch_from_partner: fields(&pairs, "touch_from_partner"),
            touch_from_facilitator: fields(&pairs, "touch_from_facilitator"),
            sharing: field(&pairs, "sharing").to_string(),
        };
        return match crate::api::preparation::apply_save_draft(&state, &auth, &parts).await {
            Ok(()) => {
                Ok(Redirect::to(&format!("/duos/{id}/agreement?saved=draft")).into_response())
            }
            Err(e) => {
                let errors = in_language(&tr, page_errors(e)?)
                    .into_iter()
                    .map(|e| agreement_error(e, me.as_deref()))
                    .collect();
                agreement_for(
                    &state,
                    tr,
                    &auth,
                    &id,
                    Some(AgreementDraft { pairs }),
                    FormErrors::new(errors),
                    None,
                )
                .await
            }
        };
    }
    let sections = sections_from_form(&current.sections, &pairs, me.as_deref());
    match apply_agreement(&state, &auth, &id, &sections).await {
        Ok(_) => {
            if let Some(pid) = &me {
                dyad_store::preparation::delete_agreement_draft(&state.db, pid).await?;
            }
            Ok(Redirect::to(&format!("/duos/{id}/agreement?saved=agreement")).into_response())
        }
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?)
                .into_iter()
                .map(|e| {
                    if e.field == "main" {
                        FieldError::new("edit", e.message)
                    } else {
                        agreement_error(e, me.as_deref())
                    }
                })
                .collect();
            let draft = AgreementDraft { pairs };
            agreement_for(
                &state,
                tr,
                &auth,
                &id,
                Some(draft),
                FormErrors::new(errors),
                None,
            )
            .await
        }
    }
}

pub async fn sign_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let version = field(&pairs, "version").trim().parse::<i64>().unwrap_or(0);
    match apply_sign(&state, &auth, &id, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/duos/{id}/agreement?saved=signed")).into_response()),
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?)
                .into_iter()
                .map(|e| FieldError::new("sign", e.message))
                .collect();
            agreement_for(&state, tr, &auth, &id, None, FormErrors::new(errors), None).await
        }
    }
}

// ---------------------------------------------------------------- consents

pub struct ConsentRow {
    pub item: String,
    pub label: String,
    pub state: String,
    pub state_label: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "prep_consents.html")]
struct ConsentsPage {
    ctx: Ctx,
    duo_id: String,
    rows: Vec<ConsentRow>,
    f: FormErrors,
    saved: Option<String>,
}

/// What a consent item means, in words, naming the partner where it concerns them.
fn consent_label(tr: &Tr, item: &str, partner: &str) -> String {
    let parts: Vec<&str> = item.split('.').collect();
    match parts.as_slice() {
        ["touch", kind, from] => tr.ta(
            &format!("prep-consent-touch-{}", from.replace('_', "-")),
            &[
                ("touch", &label(tr, "prep-touch-kind", kind)),
                ("partner", partner),
            ],
        ),
        [other] => tr.ta(&format!("prep-consent-{other}"), &[("partner", partner)]),
        _ => item.to_string(),
    }
}

async fn consents_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    f: FormErrors,
    saved: Option<String>,
) -> AppResult<Response> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    access::authorize(
        state,
        auth,
        Action::Read,
        &Resource::owned(ResourceKind::Consents, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let partner = ctx
        .partner_of(&pid)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let rows = consent_states(state, &ctx, &pid)
        .await?
        .into_iter()
        .map(|c| ConsentRow {
            label: consent_label(&tr, &c.item, &partner),
            state_label: label(&tr, "prep-consent-state", &c.state),
            since: c.since.as_deref().map(|s| when(&tr, s)).unwrap_or_default(),
            state: c.state,
            item: c.item,
        })
        .collect();
    render_status(
        status_for(&f),
        &ConsentsPage {
            duo_id: ctx.duo.id.clone(),
            rows,
            f,
            saved,
            ctx: Ctx::new(state, tr, Some(auth)),
        },
    )
}

pub async fn consents_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let saved = saved_text(&tr, &q);
    consents_for(&state, tr, &auth, FormErrors::default(), saved).await
}

#[derive(Template)]
#[template(path = "prep_withdraw.html")]
struct WithdrawPage {
    ctx: Ctx,
    item: String,
    label: String,
}

/// The short confirmation before a withdrawal (a page, so it works without script).
pub async fn withdraw_confirm(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(item): Path<String>,
) -> AppResult<Response> {
    let (ctx, pid) = duo::of_participant(&state, &auth).await?;
    access::authorize(
        &state,
        &auth,
        Action::Read,
        &Resource::owned(ResourceKind::Consents, &ctx.scope, &pid),
        &pid,
    )
    .await?;
    let given = consent_states(&state, &ctx, &pid)
        .await?
        .into_iter()
        .any(|c| c.item == item && c.state == "given");
    if !given {
        return Err(AppError::NotFound);
    }
    let partner = ctx
        .partner_of(&pid)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    render_status(
        StatusCode::OK,
        &WithdrawPage {
            label: consent_label(&tr, &item, &partner),
            item,
            ctx: Ctx::new(&state, tr, Some(&auth)),
        },
    )
}

pub async fn withdraw_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(item): Path<String>,
) -> AppResult<Response> {
    match apply_withdraw_consent(&state, &auth, &item).await {
        Ok(_) => Ok(Redirect::to("/consents?saved=withdrawn").into_response()),
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?)
                .into_iter()
                .map(|e| FieldError::new("consents", e.message))
                .collect();
            consents_for(&state, tr, &auth, FormErrors::new(errors), None).await
        }
    }
}

// ---------------------------------------------------------------- readiness

pub struct GateRow {
    pub title: String,
    pub met: bool,
    pub message: String,
}

#[derive(Default)]
pub struct ChecklistForm {
    pub participant_id: String,
    pub item: String,
    pub other: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "prep_readiness.html")]
struct ReadinessPage {
    ctx: Ctx,
    duo_id: String,
    code: String,
    gates: Vec<GateRow>,
    open: usize,
    people: Vec<(String, String)>,
    can_checklist: bool,
    can_washout: bool,
    form: ChecklistForm,
    f: FormErrors,
    saved: Option<String>,
}

async fn readiness_for(
    state: &AppState,
    tr: Tr,
    auth: &Authenticated,
    id: &str,
    form: Option<ChecklistForm>,
    f: FormErrors,
    saved: Option<String>,
) -> AppResult<Response> {
    staff_only(auth)?;
    let gates = team_readiness(state, auth, id).await?;
    let ctx = duo::load(state, id).await?;
    let actor = auth.actor();
    let gates: Vec<GateRow> = gates
        .into_iter()
        .map(|g| {
            let mut message = g.message;
            for p in &ctx.participants {
                message = message.replace(&p.id, &p.name);
            }
            GateRow {
                title: match &g.item {
                    Some(item) => format!(
                        "{}: {}",
                        label(&tr, "prep-gate", &g.code),
                        label(&tr, "prep-item", item)
                    ),
                    None => label(&tr, "prep-gate", &g.code),
                },
                met: g.met,
                message,
            }
        })
        .collect();
    let open = gates.iter().filter(|g| !g.met).count();
    render_status(
        status_for(&f),
        &ReadinessPage {
            duo_id: ctx.duo.id.clone(),
            code: ctx.duo.code.clone(),
            gates,
            open,
            people: ctx
                .participants
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect(),
            can_checklist: policy::can(
                &actor,
                Action::Write,
                &Resource::duo(ResourceKind::ClinicalNote, &ctx.scope),
            )
            .is_allowed(),
            can_washout: policy::can(
                &actor,
                Action::Decide,
                &Resource::duo(ResourceKind::ScreeningDecision, &ctx.scope),
            )
            .is_allowed(),
            form: form.unwrap_or(ChecklistForm {
                participant_id: ctx
                    .participants
                    .first()
                    .map(|p| p.id.clone())
                    .unwrap_or_default(),
                item: "support_contact".into(),
                done: true,
                ..Default::default()
            }),
            f,
            saved,
            ctx: Ctx::new(state, tr, Some(auth)),
        },
    )
}

pub async fn readiness_page(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let saved = saved_text(&tr, &q);
    readiness_for(&state, tr, &auth, &id, None, FormErrors::default(), saved).await
}

pub async fn checklist_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let form = ChecklistForm {
        participant_id: field(&pairs, "participant_id").to_string(),
        item: field(&pairs, "item").to_string(),
        other: field(&pairs, "other").trim().to_string(),
        done: field(&pairs, "done") != "no",
    };
    let item = if form.item == "other" {
        form.other.to_lowercase().replace([' ', '-'], "_")
    } else {
        form.item.clone()
    };
    let update = ChecklistUpdate {
        item,
        participant_id: Some(form.participant_id.clone()).filter(|p| !p.is_empty()),
        done: form.done,
    };
    match apply_checklist(&state, &auth, &id, &update).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/duos/{id}/readiness?saved=checklist")).into_response())
        }
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?)
                .into_iter()
                .map(|e| {
                    let anchor = match e.field.as_str() {
                        "item" => "other",
                        "participant_id" => "checklist_participant",
                        _ => "checklist",
                    };
                    FieldError::new(anchor, e.message)
                })
                .collect();
            readiness_for(
                &state,
                tr,
                &auth,
                &id,
                Some(form),
                FormErrors::new(errors),
                None,
            )
            .await
        }
    }
}

pub async fn washout_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    staff_only(&auth)?;
    let pairs = form_pairs(&body);
    let pid = field(&pairs, "participant_id").to_string();
    match apply_washout(&state, &auth, &id, &pid).await {
        Ok(()) => Ok(Redirect::to(&format!("/duos/{id}/readiness?saved=washout")).into_response()),
        Err(e) => {
            let errors = in_language(&tr, page_errors(e)?)
                .into_iter()
                .map(|e| FieldError::new("washout_participant", e.message))
                .collect();
            readiness_for(&state, tr, &auth, &id, None, FormErrors::new(errors), None).await
        }
    }
}

// ---------------------------------------------------------------- the participant's home

/// For the participant's home: from preparation on, the duo id (for the agreement,
/// meetings and consents links) and, during preparation, the participant's own open
/// to-dos in their language.
pub async fn home_preparation(
    state: &AppState,
    tr: &Tr,
    ctx: &crate::duo::DuoContext,
    pid: &str,
) -> AppResult<(Option<String>, Vec<String>)> {
    let duo_id = ctx.duo.id.as_str();
    let phase = ctx.phase();
    use dyad_core::pathway::Phase;
    let from_preparation = matches!(
        phase,
        Phase::Preparation
            | Phase::Scheduled
            | Phase::Session
            | Phase::Integration
            | Phase::Aftercare
    );
    if !from_preparation {
        return Ok((None, Vec::new()));
    }
    let todos = if phase == Phase::Preparation {
        crate::api::preparation::my_todos_in(state, ctx, pid)
            .await?
            .into_iter()
            .map(|t| todo_text(tr, &t.code, &t.message))
            .collect()
    } else {
        Vec::new()
    };
    Ok((Some(duo_id.to_string()), todos))
}

/// A to-do in the participant's language; a checklist item names the item.
fn todo_text(tr: &Tr, code: &str, message: &str) -> String {
    if code == "checklist_item" {
        let item = message
            .rsplit(": ")
            .next()
            .unwrap_or("")
            .trim_end_matches('.');
        return if !item.is_empty() && item.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            tr.ta(
                "prep-todo-checklist_item",
                &[("item", &label(tr, "prep-item", item))],
            )
        } else {
            message.to_string()
        };
    }
    let key = format!("prep-todo-{code}");
    let text = tr.t(&key);
    if text == key {
        message.to_string()
    } else {
        text
    }
}
