//! Research exports: pseudonymised, pair-aware, built from values (no I/O).
//!
//! What leaves in an export (and what never does):
//!
//! - People appear only under their research code (`R-…`) and their duo's code (`Y-…`); both
//!   are random and kept apart from the care codes staff see, so an export row cannot be
//!   matched to the care record by anyone without the pseudonym key.
//! - Dates are shifted by the duo's offset (the same whole number of days for both members,
//!   stable across exports), so intervals within the pair and over time stay true. Only days
//!   leave, never a time of day. The date of birth leaves only as an age in whole years,
//!   top-coded at 90.
//! - Only structured answers leave: choices, scales, numbers, yes/no and instrument items.
//!   Free text, dates and medication or substance lists (which can hold typed names) never do.
//!
//! Two formats: REDCap (a data dictionary with REDCap's 18 columns, records with one row per
//! participant per event, and the instrument–event mapping) and a FHIR R4 `Bundle`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::forms::{Form, Question, QuestionKind};

/// REDCap's data dictionary header, in its fixed order.
pub const REDCAP_HEADER: [&str; 18] = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
];

/// Every field type REDCap accepts in a data dictionary.
pub const REDCAP_FIELD_TYPES: [&str; 12] = [
    "text",
    "notes",
    "dropdown",
    "radio",
    "checkbox",
    "yesno",
    "truefalse",
    "calc",
    "file",
    "slider",
    "descriptive",
    "sql",
];

/// The arm every event belongs to (dyad has one arm).
pub const ARM: &str = "arm_1";

/// Ages above this leave as this value (a common safe-harbour rule for small groups).
pub const AGE_TOP_CODE: i64 = 90;

/// Days a duo's dates move back: a random whole number in this range.
pub const OFFSET_RANGE_DAYS: std::ops::RangeInclusive<i64> = -365..=-30;

/// The kinds of field dyad writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Radio,
    Checkbox,
    YesNo,
}

impl FieldType {
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Radio => "radio",
            FieldType::Checkbox => "checkbox",
            FieldType::YesNo => "yesno",
        }
    }
}

/// Text validation of a `text` field, with optional bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// `integer`, `number` or `date_ymd`.
    pub kind: &'static str,
    pub min: Option<String>,
    pub max: Option<String>,
}

/// One line of the data dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub name: String,
    pub form: &'static str,
    pub field_type: FieldType,
    pub label: String,
    /// `(raw code, label)` for radio and checkbox fields.
    pub choices: Vec<(String, String)>,
    pub validation: Option<Validation>,
    pub note: String,
}

impl FieldDef {
    fn new(name: impl Into<String>, form: &'static str, t: FieldType, label: &str) -> Self {
        Self {
            name: name.into(),
            form,
            field_type: t,
            label: clean_label(label),
            choices: Vec::new(),
            validation: None,
            note: String::new(),
        }
    }

    fn validated(mut self, kind: &'static str, min: Option<String>, max: Option<String>) -> Self {
        self.validation = Some(Validation { kind, min, max });
        self
    }

    fn with_choices(mut self, choices: Vec<(String, String)>) -> Self {
        self.choices = choices;
        self
    }

    fn noted(mut self, note: &str) -> Self {
        self.note = note.to_string();
        self
    }

    /// The records columns this field fills: one, or one per choice for a checkbox.
    pub fn columns(&self) -> Vec<String> {
        match self.field_type {
            FieldType::Checkbox => self
                .choices
                .iter()
                .map(|(code, _)| format!("{}___{code}", self.name))
                .collect(),
            _ => vec![self.name.clone()],
        }
    }
}

/// The forms (REDCap instruments) and which events carry them.
pub const FORM_PARTICIPANT: &str = "participant";
pub const FORM_INTAKE: &str = "intake";
pub const FORM_SESSION: &str = "session";
pub const FORM_CHECKIN: &str = "checkin";

/// Labels in REDCap cells: one line, and no `|` (it separates choices).
fn clean_label(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "/")
}

/// A choice code as REDCap accepts it in a checkbox column name: lowercase letters, digits
/// and underscores.
pub fn redcap_code(code: &str) -> String {
    let mut out: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push('x');
    }
    out
}

/// The data dictionary for `form`: who (pair and role), the intake's structured answers and
/// instruments, the session and the check-ins (each event carries the `participant` form
/// too, so `dyad_code` and `member_role` are on every row).
pub fn dictionary(form: &Form) -> Vec<FieldDef> {
    use FieldType::{Radio, Text, YesNo};
    let mut fields = vec![
        FieldDef::new("record_id", FORM_PARTICIPANT, Text, "Research code").noted(
            "Random code of the participant; the key to the person stays with the practice.",
        ),
        FieldDef::new("dyad_code", FORM_PARTICIPANT, Text, "Duo code")
            .noted("Random code shared by both members of a duo."),
        FieldDef::new("member_role", FORM_PARTICIPANT, Radio, "Role in the duo").with_choices(
            vec![
                ("inviter".into(), "Signed up and invited the partner".into()),
                ("invitee".into(), "Joined by invitation".into()),
            ],
        ),
        FieldDef::new(
            "duo_relationship",
            FORM_PARTICIPANT,
            Radio,
            "How the two know each other",
        )
        .with_choices(
            ["couple", "friends", "family", "other"]
                .into_iter()
                .map(|c| (c.to_string(), c.to_string()))
                .collect(),
        ),
        FieldDef::new(
            "intake_date",
            FORM_INTAKE,
            Text,
            "Intake submitted (shifted date)",
        )
        .validated("date_ymd", None, None)
        .noted("Shifted by the duo's offset; intervals within the duo are true."),
        FieldDef::new(
            "age_years",
            FORM_INTAKE,
            Text,
            "Age in whole years at intake",
        )
        .validated("integer", Some("0".into()), Some(AGE_TOP_CODE.to_string()))
        .noted("Ages above 90 are given as 90."),
    ];
    for section in &form.sections {
        for q in &section.questions {
            question_fields(form, q, "", &mut fields);
        }
    }
    fields.extend([
        FieldDef::new(
            "session_date",
            FORM_SESSION,
            Text,
            "Session day (shifted date)",
        )
        .validated("date_ymd", None, None),
        FieldDef::new("session_kind", FORM_SESSION, Radio, "Kind of session").with_choices(vec![
            ("duo".into(), "Both members together".into()),
            ("individual".into(), "One member alone".into()),
        ]),
        FieldDef::new("session_completed", FORM_SESSION, YesNo, "Session closed"),
    ]);
    fields.extend(checkin_fields(form));
    fields
}

/// The fields of the `checkin` form: the shifted date and, per instrument the form knows, the
/// total of that instrument at a check-in (`checkin_<id>_total`).
pub fn checkin_fields(form: &Form) -> Vec<FieldDef> {
    let mut fields = vec![
        FieldDef::new(
            "checkin_date",
            FORM_CHECKIN,
            FieldType::Text,
            "Check-in (shifted date)",
        )
        .validated("date_ymd", None, None),
    ];
    for def in form.instruments().iter() {
        fields.push(
            FieldDef::new(
                format!("checkin_{}_total", def.id),
                FORM_CHECKIN,
                FieldType::Text,
                &format!("{} total score at the check-in", def.short_name),
            )
            .validated(
                "integer",
                Some(def.min_total.to_string()),
                Some(def.max_total.to_string()),
            )
            .noted(&format!("{} version {}", def.short_name, def.version)),
        );
    }
    fields
}

fn question_fields(form: &Form, q: &Question, prefix: &str, out: &mut Vec<FieldDef>) {
    use FieldType::{Checkbox, Radio, Text, YesNo};
    let name = format!("{prefix}{}", q.key);
    match &q.kind {
        QuestionKind::Choice { options } => out.push(
            FieldDef::new(&name, FORM_INTAKE, Radio, &q.text).with_choices(
                options
                    .iter()
                    .map(|o| (redcap_code(&o.code), clean_label(&o.label)))
                    .collect(),
            ),
        ),
        QuestionKind::MultiChoice { options } => out.push(
            FieldDef::new(&name, FORM_INTAKE, Checkbox, &q.text).with_choices(
                options
                    .iter()
                    .map(|o| (redcap_code(&o.code), clean_label(&o.label)))
                    .collect(),
            ),
        ),
        QuestionKind::Scale { min, max, .. } => {
            out.push(FieldDef::new(&name, FORM_INTAKE, Text, &q.text).validated(
                "integer",
                Some(min.to_string()),
                Some(max.to_string()),
            ))
        }
        QuestionKind::Number {
            min, max, integer, ..
        } => out.push(FieldDef::new(&name, FORM_INTAKE, Text, &q.text).validated(
            if *integer { "integer" } else { "number" },
            Some(min.to_string()),
            Some(max.to_string()),
        )),
        QuestionKind::Boolean => out.push(FieldDef::new(&name, FORM_INTAKE, YesNo, &q.text)),
        QuestionKind::Instrument { instrument } => {
            let Some(def) = form.instrument(instrument) else {
                return;
            };
            for item in &def.items {
                out.push(
                    FieldDef::new(
                        format!("{name}_{}", item.number),
                        FORM_INTAKE,
                        Radio,
                        &format!("{} item {}: {}", def.short_name, item.number, item.text),
                    )
                    .with_choices(
                        item.options
                            .iter()
                            .map(|o| (o.value.to_string(), clean_label(&o.label)))
                            .collect(),
                    ),
                );
            }
            out.push(
                FieldDef::new(
                    format!("{name}_total"),
                    FORM_INTAKE,
                    Text,
                    &format!("{} total score", def.short_name),
                )
                .validated(
                    "integer",
                    Some(def.min_total.to_string()),
                    Some(def.max_total.to_string()),
                )
                .noted(&format!("{} version {}", def.short_name, def.version)),
            );
        }
        QuestionKind::Group { fields } => {
            for f in fields {
                question_fields(form, f, &format!("{name}_"), out);
            }
        }
        // Free text, exact dates and typed medication or substance names never leave.
        QuestionKind::Text { .. }
        | QuestionKind::Date
        | QuestionKind::MedicationList { .. }
        | QuestionKind::SubstanceList { .. } => {}
    }
}

/// One scored instrument inside an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentResponse {
    /// The answer key (`phq9`).
    pub id: String,
    pub short_name: String,
    pub version: String,
    /// Item values in item order.
    pub items: Vec<i64>,
    pub total: i64,
}

/// One event of one participant: its real moment (shifted on the way out) and the raw
/// REDCap values of its fields (checkbox columns already expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// REDCap's unique event name (`intake_arm_1`, `session_1_arm_1`, `checkin_2_arm_1`).
    pub name: String,
    pub form: &'static str,
    pub at: Timestamp,
    pub values: BTreeMap<String, String>,
    pub responses: Vec<InstrumentResponse>,
}

/// The research consent an export rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResearchConsent {
    pub document_id: String,
    pub version: String,
    pub given_at: Timestamp,
}

/// One participant as the export sees them: codes, never names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub code: String,
    pub dyad_code: String,
    /// `inviter` or `invitee`.
    pub member_role: String,
    pub relationship: String,
    /// The duo's shift in days (negative: moved back).
    pub offset_days: i64,
    /// FHIR administrative gender (`female`, `male`, `other`, `unknown`).
    pub gender: String,
    pub consent: ResearchConsent,
    pub events: Vec<Event>,
}

/// The header of an export: what was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportMeta {
    /// The study's protocol id, when the export was for one study.
    pub protocol_id: Option<String>,
}

// --- consent --------------------------------------------------------------------------------

/// One acceptance of a research consent document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResearchAcceptance {
    pub document_id: String,
    pub version: String,
    pub accepted_at: Timestamp,
}

/// The research consent in force: the latest acceptance of a research document (one the study
/// uses, when `study_documents` is given), unless a withdrawal of research consent came at or
/// after it. `None` means the person is left out of every export.
pub fn current_research_consent(
    acceptances: &[ResearchAcceptance],
    withdrawals: &[Timestamp],
    study_documents: Option<&[String]>,
) -> Option<ResearchConsent> {
    let latest = acceptances
        .iter()
        .filter(|a| study_documents.is_none_or(|docs| docs.contains(&a.document_id)))
        .max_by_key(|a| a.accepted_at)?;
    if withdrawals.iter().any(|w| *w >= latest.accepted_at) {
        return None;
    }
    Some(ResearchConsent {
        document_id: latest.document_id.clone(),
        version: latest.version.clone(),
        given_at: latest.accepted_at,
    })
}

// --- dates ----------------------------------------------------------------------------------

/// A duo's offset from a random number: a whole number of days in [`OFFSET_RANGE_DAYS`],
/// preferring one no other duo has (so two duos' dates never move together by chance while
/// the range has room).
pub fn pick_offset(random: u64, taken: &BTreeSet<i64>) -> i64 {
    let lo = *OFFSET_RANGE_DAYS.start();
    let span = (OFFSET_RANGE_DAYS.end() - lo + 1) as u64;
    let start = random % span;
    (0..span)
        .map(|i| lo + ((start + i) % span) as i64)
        .find(|d| !taken.contains(d))
        .unwrap_or(lo + start as i64)
}

/// The UTC calendar day of `at`, moved by `offset_days`.
pub fn shifted_date(at: Timestamp, offset_days: i64) -> Date {
    let day = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    day.checked_add(jiff::Span::new().days(offset_days))
        .unwrap_or(day)
}

/// Whole years between `born` and `on`, top-coded at [`AGE_TOP_CODE`].
pub fn age_years(born: Date, on: Date) -> Option<i64> {
    if born > on {
        return None;
    }
    let mut years = i64::from(on.year() - born.year());
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    Some(years.min(AGE_TOP_CODE))
}

// --- events ---------------------------------------------------------------------------------

/// The intake event from a submitted intake's answers.
pub fn intake_event(form: &Form, answers: &Value, submitted_at: Timestamp) -> Event {
    let mut values = BTreeMap::new();
    if let Some(born) = answers
        .get("date_of_birth")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Date>().ok())
    {
        let on = submitted_at
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        if let Some(age) = age_years(born, on) {
            values.insert("age_years".into(), age.to_string());
        }
    }
    let mut responses = Vec::new();
    for section in &form.sections {
        for q in &section.questions {
            answer_values(
                form,
                q,
                "",
                answers.get(&q.key),
                &mut values,
                &mut responses,
            );
        }
    }
    Event {
        name: format!("intake_{ARM}"),
        form: FORM_INTAKE,
        at: submitted_at,
        values,
        responses,
    }
}

fn answer_values(
    form: &Form,
    q: &Question,
    prefix: &str,
    answer: Option<&Value>,
    values: &mut BTreeMap<String, String>,
    responses: &mut Vec<InstrumentResponse>,
) {
    let name = format!("{prefix}{}", q.key);
    match &q.kind {
        QuestionKind::Choice { options } => {
            if let Some(code) = answer.and_then(Value::as_str)
                && options.iter().any(|o| o.code == code)
            {
                values.insert(name, redcap_code(code));
            }
        }
        QuestionKind::MultiChoice { options } => {
            let Some(list) = answer.and_then(Value::as_array) else {
                return;
            };
            for o in options {
                let ticked = list.iter().any(|v| v.as_str() == Some(o.code.as_str()));
                values.insert(
                    format!("{name}___{}", redcap_code(&o.code)),
                    if ticked { "1" } else { "0" }.into(),
                );
            }
        }
        QuestionKind::Scale { .. } => {
            if let Some(n) = answer.and_then(Value::as_i64) {
                values.insert(name, n.to_string());
            }
        }
        QuestionKind::Number { .. } => {
            if let Some(n) = answer.and_then(Value::as_f64) {
                values.insert(name, n.to_string());
            }
        }
        QuestionKind::Boolean => {
            if let Some(b) = answer.and_then(Value::as_bool) {
                values.insert(name, if b { "1" } else { "0" }.into());
            }
        }
        QuestionKind::Instrument { instrument } => {
            let (Some(def), Some(list)) = (
                form.instrument(instrument),
                answer.and_then(Value::as_array),
            ) else {
                return;
            };
            let Some(items) = list.iter().map(Value::as_i64).collect::<Option<Vec<i64>>>() else {
                return;
            };
            // Only a complete, valid set is exported (a score from part of the items would
            // mislead).
            let Ok(score) = def.score(&items, None) else {
                return;
            };
            for (i, v) in items.iter().enumerate() {
                values.insert(format!("{name}_{}", i + 1), v.to_string());
            }
            values.insert(format!("{name}_total"), score.total.to_string());
            responses.push(InstrumentResponse {
                id: name,
                short_name: def.short_name.clone(),
                version: def.version.clone(),
                items,
                total: score.total,
            });
        }
        QuestionKind::Group { fields } => {
            for f in fields {
                answer_values(
                    form,
                    f,
                    &format!("{name}_"),
                    answer.and_then(|a| a.get(&f.key)),
                    values,
                    responses,
                );
            }
        }
        QuestionKind::Text { .. }
        | QuestionKind::Date
        | QuestionKind::MedicationList { .. }
        | QuestionKind::SubstanceList { .. } => {}
    }
}

/// A session event (`number` counts from 1 per participant).
pub fn session_event(number: usize, at: Timestamp, duo: bool, closed: bool) -> Event {
    let mut values = BTreeMap::new();
    values.insert(
        "session_kind".into(),
        if duo { "duo" } else { "individual" }.into(),
    );
    values.insert(
        "session_completed".into(),
        if closed { "1" } else { "0" }.into(),
    );
    Event {
        name: format!("session_{number}_{ARM}"),
        form: FORM_SESSION,
        at,
        values,
        responses: Vec::new(),
    }
}

/// A check-in event (`number` counts from 1 per participant) from the instrument answers
/// given at it (`instrument id → item values`); sets that do not score are left out.
pub fn checkin_event(
    form: &Form,
    number: usize,
    at: Timestamp,
    instruments: &BTreeMap<String, Vec<i64>>,
) -> Event {
    let mut values = BTreeMap::new();
    let mut responses = Vec::new();
    for (id, items) in instruments {
        let Some(def) = form.instrument(id) else {
            continue;
        };
        let Ok(score) = def.score(items, None) else {
            continue;
        };
        values.insert(format!("checkin_{id}_total"), score.total.to_string());
        responses.push(InstrumentResponse {
            id: id.clone(),
            short_name: def.short_name.clone(),
            version: def.version.clone(),
            items: items.clone(),
            total: score.total,
        });
    }
    Event {
        name: format!("checkin_{number}_{ARM}"),
        form: FORM_CHECKIN,
        at,
        values,
        responses,
    }
}

fn date_field(form: &str) -> &'static str {
    match form {
        FORM_INTAKE => "intake_date",
        FORM_SESSION => "session_date",
        _ => "checkin_date",
    }
}

// --- REDCap ---------------------------------------------------------------------------------

fn csv_text(rows: Vec<Vec<String>>) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row)?;
    }
    csv_string(w)
}

/// The text a CSV writer wrote (every cell is text, so it is UTF-8; taken over, not copied).
fn csv_string(w: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// `data_dictionary.csv`.
pub fn redcap_dictionary_csv(fields: &[FieldDef]) -> Result<String, csv::Error> {
    let mut rows = vec![REDCAP_HEADER.iter().map(|s| s.to_string()).collect()];
    for f in fields {
        let choices = f
            .choices
            .iter()
            .map(|(code, label)| format!("{code}, {label}"))
            .collect::<Vec<_>>()
            .join(" | ");
        let (vtype, vmin, vmax) = match &f.validation {
            Some(v) => (
                v.kind.to_string(),
                v.min.clone().unwrap_or_default(),
                v.max.clone().unwrap_or_default(),
            ),
            None => Default::default(),
        };
        rows.push(vec![
            f.name.clone(),
            f.form.to_string(),
            String::new(),
            f.field_type.as_str().to_string(),
            f.label.clone(),
            choices,
            f.note.clone(),
            vtype,
            vmin,
            vmax,
            // No field holds an identifier: names, emails and exact dates never leave.
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    csv_text(rows)
}

/// `records.csv`: one row per participant per event, columns in dictionary order with
/// `redcap_event_name` after `record_id`.
pub fn redcap_records_csv(fields: &[FieldDef], subjects: &[Subject]) -> Result<String, csv::Error> {
    let mut records = RecordsCsv::new(fields)?;
    records.write(subjects)?;
    records.finish()
}

/// `records.csv` written a batch of subjects at a time, so an export need not hold everyone's
/// events at once: the same text as [`redcap_records_csv`] over all the batches in order.
pub struct RecordsCsv {
    columns: Vec<String>,
    writer: csv::Writer<Vec<u8>>,
}

impl RecordsCsv {
    /// Starts the file with its header row.
    pub fn new(fields: &[FieldDef]) -> Result<Self, csv::Error> {
        let mut columns = vec!["record_id".to_string(), "redcap_event_name".to_string()];
        columns.extend(
            fields
                .iter()
                .filter(|f| f.name != "record_id")
                .flat_map(FieldDef::columns),
        );
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&columns)?;
        Ok(Self { columns, writer })
    }

    /// One row per event of each subject, in order.
    pub fn write(&mut self, subjects: &[Subject]) -> Result<(), csv::Error> {
        for s in subjects {
            for e in &s.events {
                let date_column = date_field(e.form);
                let date = shifted_date(e.at, s.offset_days).to_string();
                // Who and when are the subject's and the event's; everything else is the
                // event's own values.
                let cell = |column: &String| -> &str {
                    match column.as_str() {
                        "record_id" => &s.code,
                        "redcap_event_name" => &e.name,
                        "dyad_code" => &s.dyad_code,
                        "member_role" => &s.member_role,
                        "duo_relationship" => &s.relationship,
                        c if c == date_column => &date,
                        c => e.values.get(c).map_or("", String::as_str),
                    }
                };
                self.writer.write_record(self.columns.iter().map(cell))?;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<String, csv::Error> {
        csv_string(self.writer)
    }
}

/// `instrument_event_mapping.csv` (REDCap's upload format): which forms each event carries.
pub fn redcap_event_mapping_csv(subjects: &[Subject]) -> Result<String, csv::Error> {
    let mut events = EventForms::default();
    events.add(subjects);
    events.csv()
}

/// The events met in batches of subjects and the form each carries, for
/// `instrument_event_mapping.csv`.
#[derive(Debug, Default)]
pub struct EventForms(BTreeMap<String, &'static str>);

impl EventForms {
    pub fn add(&mut self, subjects: &[Subject]) {
        for s in subjects {
            for e in &s.events {
                self.0.insert(e.name.clone(), e.form);
            }
        }
    }

    /// The same text as [`redcap_event_mapping_csv`] over every subject added.
    pub fn csv(&self) -> Result<String, csv::Error> {
        let mut rows = vec![vec![
            "arm_num".to_string(),
            "unique_event_name".to_string(),
            "form".to_string(),
        ]];
        for (name, form) in &self.0 {
            for f in [FORM_PARTICIPANT, form] {
                rows.push(vec!["1".into(), name.clone(), f.into()]);
            }
        }
        csv_text(rows)
    }
}

// --- FHIR R4 --------------------------------------------------------------------------------

/// A stable `urn:uuid:` for a resource, derived from its kind and pseudonymous key (so the
/// same export twice gives the same ids, and nothing about the person is in it).
fn urn(kind: &str, key: &str) -> String {
    let h = Sha256::digest(format!("dyad-fhir|{kind}|{key}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80; // version 8: custom
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let x = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn fhir_id(urn: &str) -> String {
    urn.trim_start_matches("urn:uuid:").to_string()
}

const CODE_SYSTEM: &str = "urn:dyad:research-code";
const DYAD_CODE_SYSTEM: &str = "urn:dyad:dyad-code";

fn relationship_code(relationship: &str) -> (&'static str, &'static str) {
    match relationship {
        "couple" => ("SIGOTHR", "significant other"),
        "friends" => ("FRND", "unrelated friend"),
        "family" => ("FAMMEMB", "family member"),
        _ => ("NBOR", "neighbor"),
    }
}

/// The FHIR R4 `Bundle` (type `collection`): per duo a `Group`; per person a `Patient`
/// (no identifier beyond the research code), a `RelatedPerson` (this person as related to
/// the partner), a `Consent` and a `QuestionnaireResponse` per scored instrument per event.
pub fn fhir_bundle(meta: &ExportMeta, subjects: &[Subject]) -> Value {
    let mut entries = Vec::new();
    fhir_entries(meta, subjects, |entry| entries.push(entry));
    bundle_shell(meta, entries)
}

/// The bundle of [`fhir_bundle`] as `serde_json::to_vec_pretty` writes it (the same bytes),
/// with its number of entries, written one entry at a time: an export of thousands of people
/// never holds the whole bundle as a JSON tree.
pub fn fhir_bundle_json(
    meta: &ExportMeta,
    subjects: &[Subject],
) -> Result<(Vec<u8>, usize), serde_json::Error> {
    // The bundle without entries, split where they go: `"entry": []` at the top level.
    let shell = serde_json::to_vec_pretty(&bundle_shell(meta, Vec::new()))?;
    const EMPTY: &[u8] = b"\n  \"entry\": []";
    let Some(at) = shell.windows(EMPTY.len()).position(|w| w == EMPTY) else {
        let bundle = fhir_bundle(meta, subjects);
        let count = bundle["entry"].as_array().map_or(0, Vec::len);
        return Ok((serde_json::to_vec_pretty(&bundle)?, count));
    };
    let open = at + EMPTY.len() - 1;
    let mut out = shell[..open].to_vec();
    let mut count = 0;
    let mut failed = None;
    fhir_entries(meta, subjects, |entry| {
        if failed.is_some() {
            return;
        }
        let text = match serde_json::to_vec_pretty(&entry) {
            Ok(text) => text,
            Err(e) => {
                failed = Some(e);
                return;
            }
        };
        // An element of the top-level array sits two levels deep: four spaces before each
        // of its lines (strings in JSON hold no raw line breaks).
        out.extend_from_slice(if count == 0 { b"\n" } else { b",\n" });
        for (i, line) in text.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(b"    ");
            out.extend_from_slice(line);
        }
        count += 1;
    });
    if let Some(e) = failed {
        return Err(e);
    }
    if count > 0 {
        out.extend_from_slice(b"\n  ");
    }
    out.extend_from_slice(&shell[open..]);
    Ok((out, count))
}

/// The bundle around its entries.
fn bundle_shell(meta: &ExportMeta, entries: Vec<Value>) -> Value {
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "total": entries.len(),
        "entry": entries,
    });
    if let Some(p) = &meta.protocol_id {
        bundle["identifier"] = json!({"system": "urn:dyad:study", "value": p});
    }
    // `total` is only allowed on search and history bundles (bdl-1).
    if let Some(map) = bundle.as_object_mut() {
        map.remove("total");
    }
    bundle
}

/// Each entry of the bundle (`{fullUrl, resource}`), in bundle order.
fn fhir_entries(meta: &ExportMeta, subjects: &[Subject], mut each: impl FnMut(Value)) {
    let mut push = |full_url: String, resource: Value| {
        each(json!({"fullUrl": full_url, "resource": resource}));
    };
    let mut duos: BTreeMap<&str, Vec<&Subject>> = BTreeMap::new();
    for s in subjects {
        duos.entry(s.dyad_code.as_str()).or_default().push(s);
    }
    for (dyad_code, members) in &duos {
        let group = urn("Group", dyad_code);
        push(
            group.clone(),
            json!({
                "resourceType": "Group",
                "id": fhir_id(&group),
                "identifier": [{"system": DYAD_CODE_SYSTEM, "value": dyad_code}],
                "type": "person",
                "actual": true,
                "quantity": members.len(),
                "member": members.iter().map(|m| json!({"entity": {"reference": urn("Patient", &m.code)}})).collect::<Vec<_>>(),
            }),
        );
        for s in members {
            let patient = urn("Patient", &s.code);
            push(
                patient.clone(),
                json!({
                    "resourceType": "Patient",
                    "id": fhir_id(&patient),
                    "identifier": [{"system": CODE_SYSTEM, "value": s.code}],
                    "gender": s.gender,
                }),
            );
            if let Some(partner) = members.iter().find(|m| m.code != s.code) {
                let (code, display) = relationship_code(&s.relationship);
                let rp = urn("RelatedPerson", &format!("{}|{}", s.code, partner.code));
                push(
                    rp.clone(),
                    json!({
                        "resourceType": "RelatedPerson",
                        "id": fhir_id(&rp),
                        "identifier": [{"system": CODE_SYSTEM, "value": s.code}],
                        "patient": {"reference": urn("Patient", &partner.code)},
                        "relationship": [{"coding": [{
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                            "code": code, "display": display
                        }]}],
                    }),
                );
            }
            let consent = urn("Consent", &s.code);
            let policy = match &meta.protocol_id {
                Some(p) => format!("urn:dyad:study:{p}:research-consent:{}", s.consent.version),
                None => format!("urn:dyad:research-consent:{}", s.consent.version),
            };
            push(
                consent.clone(),
                json!({
                    "resourceType": "Consent",
                    "id": fhir_id(&consent),
                    "status": "active",
                    "scope": {"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "research", "display": "Research"
                    }]},
                    "category": [{"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                        "code": "research", "display": "Research Information Access"
                    }]}],
                    "patient": {"reference": patient},
                    "dateTime": shifted_date(s.consent.given_at, s.offset_days).to_string(),
                    "policy": [{"uri": policy}],
                    "provision": {"type": "permit"},
                }),
            );
            for e in &s.events {
                for r in &e.responses {
                    let qr = urn(
                        "QuestionnaireResponse",
                        &format!("{}|{}|{}", s.code, e.name, r.id),
                    );
                    push(
                        qr.clone(),
                        json!({
                            "resourceType": "QuestionnaireResponse",
                            "id": fhir_id(&qr),
                            "questionnaire": format!("urn:dyad:instrument:{}|{}", r.id, r.version),
                            "status": "completed",
                            "subject": {"reference": patient},
                            "authored": shifted_date(e.at, s.offset_days).to_string(),
                            "item": r.items.iter().enumerate().map(|(i, v)| json!({
                                "linkId": format!("{}_{}", r.id, i + 1),
                                "answer": [{"valueInteger": v}],
                            })).chain(std::iter::once(json!({
                                "linkId": format!("{}_total", r.id),
                                "text": format!("{} total score", r.short_name),
                                "answer": [{"valueInteger": r.total}],
                            }))).collect::<Vec<_>>(),
                        }),
                    );
                }
            }
        }
    }
}

/// Checks a bundle against the parts of the FHIR R4 resource definitions dyad relies on:
/// the elements each resource requires (cardinality 1..1 / 1..*), the value sets of the
/// required `code` elements, the invariants bdl-7 (unique `fullUrl`), cnl-0/ppc-1 (a Consent
/// has a policy or policyRule), the `id` and `date` formats, and that every reference points at
/// an entry of the bundle. Returns every problem found.
pub fn check_r4_bundle(bundle: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    need(
        bundle["resourceType"] == "Bundle",
        "resourceType is not Bundle".into(),
    );
    need(
        matches!(
            bundle["type"].as_str(),
            Some(
                "document"
                    | "message"
                    | "transaction"
                    | "transaction-response"
                    | "batch"
                    | "batch-response"
                    | "history"
                    | "searchset"
                    | "collection"
            )
        ),
        "Bundle.type is missing or not a BundleType".into(),
    );
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let mut urls = BTreeSet::new();
    for e in &entries {
        let url = e["fullUrl"].as_str().unwrap_or_default().to_string();
        need(!url.is_empty(), "an entry has no fullUrl".into());
        need(
            urls.insert(url.clone()),
            format!("fullUrl {url} is not unique (bdl-7)"),
        );
    }
    let is_id = |v: &Value| {
        v.as_str().is_some_and(|s| {
            (1..=64).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        })
    };
    let is_date = |v: &Value| v.as_str().is_some_and(|s| s.parse::<Date>().is_ok());
    let resolves = |v: &Value| v["reference"].as_str().is_some_and(|r| urls.contains(r));
    let coded = |v: &Value| {
        v["coding"].as_array().is_some_and(|c| {
            !c.is_empty()
                && c.iter()
                    .all(|c| c["system"].is_string() && c["code"].is_string())
        })
    };
    for e in &entries {
        let r = &e["resource"];
        let kind = r["resourceType"].as_str().unwrap_or_default().to_string();
        need(is_id(&r["id"]), format!("{kind}: id is not a FHIR id"));
        match kind.as_str() {
            "Patient" => {
                need(
                    matches!(
                        r["gender"].as_str(),
                        None | Some("male" | "female" | "other" | "unknown")
                    ),
                    "Patient.gender is not an AdministrativeGender".into(),
                );
                for forbidden in [
                    "name",
                    "telecom",
                    "address",
                    "birthDate",
                    "photo",
                    "contact",
                ] {
                    need(
                        r.get(forbidden).is_none(),
                        format!("Patient carries {forbidden}"),
                    );
                }
            }
            "Group" => {
                need(
                    matches!(
                        r["type"].as_str(),
                        Some(
                            "person"
                                | "animal"
                                | "practitioner"
                                | "device"
                                | "medication"
                                | "substance"
                        )
                    ),
                    "Group.type (1..1) is missing or not a GroupType".into(),
                );
                need(
                    r["actual"].is_boolean(),
                    "Group.actual (1..1) is missing".into(),
                );
                for m in r["member"].as_array().into_iter().flatten() {
                    need(
                        resolves(&m["entity"]),
                        "Group.member.entity does not resolve".into(),
                    );
                }
            }
            "RelatedPerson" => {
                need(
                    resolves(&r["patient"]),
                    "RelatedPerson.patient (1..1) is missing or does not resolve".into(),
                );
                for forbidden in ["name", "telecom", "address", "birthDate"] {
                    need(
                        r.get(forbidden).is_none(),
                        format!("RelatedPerson carries {forbidden}"),
                    );
                }
            }
            "QuestionnaireResponse" => {
                need(
                    matches!(
                        r["status"].as_str(),
                        Some(
                            "in-progress"
                                | "completed"
                                | "amended"
                                | "entered-in-error"
                                | "stopped"
                        )
                    ),
                    "QuestionnaireResponse.status (1..1) is missing or not allowed".into(),
                );
                need(
                    resolves(&r["subject"]),
                    "QuestionnaireResponse.subject does not resolve".into(),
                );
                need(
                    is_date(&r["authored"]),
                    "QuestionnaireResponse.authored is not a date".into(),
                );
                for item in r["item"].as_array().into_iter().flatten() {
                    need(
                        item["linkId"].is_string(),
                        "QuestionnaireResponse.item.linkId (1..1) is missing".into(),
                    );
                }
            }
            "Consent" => {
                need(
                    matches!(
                        r["status"].as_str(),
                        Some(
                            "draft"
                                | "proposed"
                                | "active"
                                | "rejected"
                                | "inactive"
                                | "entered-in-error"
                        )
                    ),
                    "Consent.status (1..1) is missing or not allowed".into(),
                );
                need(coded(&r["scope"]), "Consent.scope (1..1) is missing".into());
                need(
                    r["category"]
                        .as_array()
                        .is_some_and(|c| !c.is_empty() && c.iter().all(coded)),
                    "Consent.category (1..*) is missing".into(),
                );
                need(
                    r["policy"].as_array().is_some_and(|p| !p.is_empty())
                        || r["policyRule"].is_object(),
                    "Consent has neither policy nor policyRule (ppc-1)".into(),
                );
                need(
                    resolves(&r["patient"]),
                    "Consent.patient does not resolve".into(),
                );
                need(
                    is_date(&r["dateTime"]),
                    "Consent.dateTime is not a date".into(),
                );
            }
            other => need(false, format!("unexpected resource {other:?}")),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn form() -> Form {
        Form::shipped().unwrap()
    }

    fn answers() -> Value {
        json!({
            "sex": "female",
            "date_of_birth": "1980-06-15",
            "weight_kg": 70,
            "height_cm": 170,
            "conditions": ["epilepsy"],
            "conditions_other": "A free text that must never leave",
            "mental_health_notes": "private notes",
            "phq9": [1, 1, 1, 0, 0, 0, 0, 0, 0],
            "gad7": [0, 0, 0, 0, 0, 0, 3],
            "self_harm": {"thoughts_past_month": false, "plan_past_month": false, "attempt_past_year": false, "attempt_ever": false},
            "relationship": {"conflict": 2, "trust": 4, "safety": 5, "equality": 4, "pressured": false, "afraid_of_partner": false, "controlled": false},
            "relationship_notes": "secret",
            "motivation": {"own": "my own words", "mainly_for_partner": 2},
            "intention": "to heal",
        })
    }

    fn subject(code: &str, dyad: &str, role: &str, offset: i64) -> Subject {
        let f = form();
        Subject {
            code: code.into(),
            dyad_code: dyad.into(),
            member_role: role.into(),
            relationship: "couple".into(),
            offset_days: offset,
            gender: "female".into(),
            consent: ResearchConsent {
                document_id: "doc".into(),
                version: "1".into(),
                given_at: ts("2026-03-01T10:00:00Z"),
            },
            events: vec![
                intake_event(&f, &answers(), ts("2026-03-10T23:30:00Z")),
                session_event(1, ts("2026-04-02T09:00:00Z"), true, true),
                checkin_event(
                    &f,
                    1,
                    ts("2026-04-09T09:00:00Z"),
                    &BTreeMap::from([("phq9".to_string(), vec![0, 0, 0, 0, 0, 0, 0, 0, 1])]),
                ),
            ],
        }
    }

    #[test]
    fn dictionary_has_valid_types_names_and_no_free_text() {
        let fields = dictionary(&form());
        let names: BTreeSet<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), fields.len(), "field names are unique");
        assert_eq!(fields[0].name, "record_id");
        for f in &fields {
            assert!(REDCAP_FIELD_TYPES.contains(&f.field_type.as_str()));
            assert!(crate::instruments::is_key(&f.name), "{}", f.name);
            assert!(f.name.len() <= 100);
        }
        for gone in [
            "conditions_other",
            "mental_health_notes",
            "relationship_notes",
            "motivation_own",
            "intention",
            "goals",
            "date_of_birth",
            "medications",
            "substances",
        ] {
            assert!(!names.contains(gone), "{gone} must not be exported");
        }
        for kept in [
            "phq9_1",
            "phq9_total",
            "relationship_conflict",
            "sex",
            "conditions",
        ] {
            assert!(names.contains(kept), "{kept}");
        }
        let csv = redcap_dictionary_csv(&fields).unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            REDCAP_HEADER
        );
        for rec in r.records() {
            assert_eq!(rec.unwrap().len(), 18);
        }
    }

    #[test]
    fn records_shift_dates_and_leave_text_out() {
        let fields = dictionary(&form());
        let s = subject("R-AAAA-BBBB", "Y-CCCC-DDDD", "inviter", -40);
        let csv = redcap_records_csv(&fields, std::slice::from_ref(&s)).unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(&head[..2], ["record_id", "redcap_event_name"]);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        // 23:30 UTC on 10 March, moved back 40 days.
        assert_eq!(&rows[0][col("intake_date")], "2026-01-29");
        assert_eq!(&rows[0][col("age_years")], "45");
        assert_eq!(&rows[0][col("phq9_total")], "3");
        assert_eq!(&rows[0][col("conditions___epilepsy")], "1");
        assert_eq!(&rows[1][col("redcap_event_name")], "session_1_arm_1");
        assert_eq!(&rows[1][col("session_date")], "2026-02-21");
        assert_eq!(&rows[1][col("dyad_code")], "Y-CCCC-DDDD");
        assert_eq!(&rows[2][col("redcap_event_name")], "checkin_1_arm_1");
        assert_eq!(&rows[2][col("checkin_date")], "2026-02-28");
        assert_eq!(&rows[2][col("checkin_phq9_total")], "1");
        assert!(!csv.contains("free text") && !csv.contains("secret") && !csv.contains("1980"));
        assert!(!csv.contains("2026-03-10") && !csv.contains("2026-04-02"));

        // Written a batch of subjects at a time, the file is the same.
        let others = [
            subject("R-EEEE-EEEE", "Y-CCCC-DDDD", "invitee", -40),
            subject("R-FFFF-FFFF", "Y-GGGG-HHHH", "inviter", -100),
        ];
        let all = [s.clone(), others[0].clone(), others[1].clone()];
        let mut batched = RecordsCsv::new(&fields).unwrap();
        batched.write(std::slice::from_ref(&s)).unwrap();
        batched.write(&[]).unwrap();
        batched.write(&others).unwrap();
        assert_eq!(
            batched.finish().unwrap(),
            redcap_records_csv(&fields, &all).unwrap()
        );
        let mut events = EventForms::default();
        events.add(&all[..1]);
        events.add(&all[1..]);
        assert_eq!(
            events.csv().unwrap(),
            redcap_event_mapping_csv(&all).unwrap()
        );
    }

    #[test]
    fn ages_are_whole_years_and_top_coded() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(age_years(d("1980-06-15"), d("2026-06-14")), Some(45));
        assert_eq!(age_years(d("1980-06-15"), d("2026-06-15")), Some(46));
        assert_eq!(age_years(d("1920-01-01"), d("2026-06-15")), Some(90));
        assert_eq!(age_years(d("2030-01-01"), d("2026-06-15")), None);
    }

    #[test]
    fn offsets_stay_in_range_and_avoid_taken_ones() {
        let mut taken = BTreeSet::new();
        for r in 0..400u64 {
            let o = pick_offset(r.wrapping_mul(2654435761), &taken);
            assert!(OFFSET_RANGE_DAYS.contains(&o));
            if taken.len() < 336 {
                assert!(taken.insert(o), "{o} was taken");
            }
        }
    }

    #[test]
    fn consent_is_current_until_withdrawn_and_can_be_given_again() {
        let acc = |id: &str, at: &str| ResearchAcceptance {
            document_id: id.into(),
            version: id.into(),
            accepted_at: ts(at),
        };
        let a = [acc("v1", "2026-01-01T00:00:00Z")];
        assert_eq!(
            current_research_consent(&a, &[], None).unwrap().version,
            "v1"
        );
        let w = [ts("2026-02-01T00:00:00Z")];
        assert!(current_research_consent(&a, &w, None).is_none());
        let again = [
            acc("v1", "2026-01-01T00:00:00Z"),
            acc("v2", "2026-03-01T00:00:00Z"),
        ];
        assert_eq!(
            current_research_consent(&again, &w, None).unwrap().version,
            "v2"
        );
        // A study that uses only v1 does not count the later v2.
        let only_v1 = vec!["v1".to_string()];
        assert!(current_research_consent(&again, &w, Some(&only_v1)).is_none());
        assert!(current_research_consent(&[], &[], None).is_none());
    }

    #[test]
    fn fhir_bundle_meets_the_r4_requirements() {
        let subjects = vec![
            subject("R-AAAA-AAAA", "Y-1111-1111", "inviter", -40),
            subject("R-BBBB-BBBB", "Y-1111-1111", "invitee", -40),
        ];
        let meta = ExportMeta {
            protocol_id: Some("DUO-2026-01".into()),
        };
        let b = fhir_bundle(&meta, &subjects);
        assert_eq!(check_r4_bundle(&b), Vec::<String>::new());
        let kinds: Vec<&str> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["resourceType"].as_str().unwrap())
            .collect();
        let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
        assert_eq!(count("Group"), 1);
        assert_eq!(count("Patient"), 2);
        assert_eq!(count("RelatedPerson"), 2);
        assert_eq!(count("Consent"), 2);
        assert_eq!(
            count("QuestionnaireResponse"),
            6,
            "phq9 and gad7 at intake and phq9 at the check-in, for each"
        );
        assert_eq!(b, fhir_bundle(&meta, &subjects), "stable across exports");
        // Written an entry at a time, the bundle is the same text as written whole.
        for (meta, subjects) in [
            (meta.clone(), subjects.clone()),
            (ExportMeta::default(), subjects.clone()),
            (meta.clone(), Vec::new()),
            (ExportMeta::default(), Vec::new()),
        ] {
            let whole = fhir_bundle(&meta, &subjects);
            let (text, count) = fhir_bundle_json(&meta, &subjects).unwrap();
            assert_eq!(
                String::from_utf8(text).unwrap(),
                String::from_utf8(serde_json::to_vec_pretty(&whole).unwrap()).unwrap()
            );
            assert_eq!(count, whole["entry"].as_array().unwrap().len());
        }
        // The check notices what the definitions require.
        let mut broken = b.clone();
        broken["entry"][0]["resource"]
            .as_object_mut()
            .unwrap()
            .remove("type");
        broken["entry"][1]["resource"]["name"] = json!([{"text": "Alex"}]);
        assert_eq!(
            check_r4_bundle(&broken).len(),
            2,
            "{:?}",
            check_r4_bundle(&broken)
        );
    }
}
