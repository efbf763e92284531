//! A form's texts in other languages, as data in the form file (`[translations.<lang>]`).
//!
//! A translation keys on the stable ids of the form: section ids, question paths (`sex`,
//! `relationship.trust`), option codes. Option group headings key on their English text, as
//! they have no id of their own. Every entry is optional: whatever a translation lacks is shown
//! in the form's own language, text by text. [`Form::untranslated`] lists what is missing, so a
//! test can insist a shipped language is complete.
//!
//! Only the form's own texts are translated here. Instruments are validated questionnaires: their
//! wording comes only from a published, validated translation in the instrument's own file
//! (`crate::instruments`), never from the form.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{ADDITIONAL_SECTION_ID, Form, FormError, Question, QuestionKind};

/// The form's texts in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormTranslation {
    pub title: Option<String>,
    pub intro: Option<String>,
    pub private_note_text: Option<String>,
    /// By section id.
    #[serde(default)]
    pub sections: BTreeMap<String, SectionTranslation>,
    /// By question path (`sex`, `relationship.trust`).
    #[serde(default)]
    pub questions: BTreeMap<String, QuestionTranslation>,
}

/// A section's texts in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionTranslation {
    pub title: Option<String>,
    pub intro: Option<String>,
}

/// A question's texts in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionTranslation {
    pub text: Option<String>,
    pub help: Option<String>,
    pub min_label: Option<String>,
    pub max_label: Option<String>,
    /// A unit is a symbol (`kg`) and needs no translation; give one only where it differs.
    pub unit: Option<String>,
    /// Option labels by option code.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Option group headings by their text in the form's own language.
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
}

/// Whether `lang` looks like a language code: `nl`, `de`, `pt_br` (lowercase letters, at most
/// one `_` region part).
pub(super) fn is_language_code(lang: &str) -> bool {
    let mut parts = lang.split('_');
    let primary = parts.next().unwrap_or("");
    let region = parts.next();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|r| {
            (2..=4).contains(&r.len())
                && r.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts.next().is_none()
}

/// The option group headings a question uses, in its own language.
fn group_headings(q: &Question) -> BTreeSet<&str> {
    q.options()
        .unwrap_or_default()
        .iter()
        .filter_map(|o| o.group.as_deref())
        .collect()
}

/// Checks a translation against the form it belongs to: every id must name something the form
/// has, and every text must be a text the form has in its own language (a `help` for a question
/// without help is refused: it would have nothing to stand in for).
pub(super) fn check(form: &Form, lang: &str, t: &FormTranslation) -> Result<(), FormError> {
    let bad = |m: String| FormError::Invalid(format!("translation {lang}: {m}"));
    if !is_language_code(lang) {
        return Err(bad(
            "the language must be a code such as nl or pt_br (lowercase letters)".into(),
        ));
    }
    if lang == form.lang {
        return Err(bad(format!("the form is already in {lang}")));
    }
    let blank = |what: &str, v: &Option<String>| -> Result<(), FormError> {
        match v {
            Some(s) if s.trim().is_empty() => Err(bad(format!("{what} is empty"))),
            _ => Ok(()),
        }
    };
    blank("title", &t.title)?;
    blank("intro", &t.intro)?;
    blank("private_note_text", &t.private_note_text)?;
    if t.intro.is_some() && form.intro.is_none() {
        return Err(bad("the form has no intro to translate".into()));
    }
    for (id, s) in &t.sections {
        let has_intro = match form.section(id) {
            Some(section) => section.intro.is_some(),
            // Added when a site loads licensed instruments; always has an intro.
            None if id == ADDITIONAL_SECTION_ID => true,
            None => return Err(bad(format!("the form has no section {id}"))),
        };
        blank(&format!("section {id} title"), &s.title)?;
        blank(&format!("section {id} intro"), &s.intro)?;
        if s.intro.is_some() && !has_intro {
            return Err(bad(format!("section {id} has no intro to translate")));
        }
    }
    for (path, qt) in &t.questions {
        let Some(q) = form.question(path) else {
            return Err(bad(format!("the form has no question {path}")));
        };
        let what = |field: &str| format!("question {path} {field}");
        blank(&what("text"), &qt.text)?;
        blank(&what("help"), &qt.help)?;
        blank(&what("min_label"), &qt.min_label)?;
        blank(&what("max_label"), &qt.max_label)?;
        blank(&what("unit"), &qt.unit)?;
        if qt.help.is_some() && q.help.is_none() {
            return Err(bad(format!("question {path} has no help to translate")));
        }
        let is_scale = matches!(q.kind, QuestionKind::Scale { .. });
        if (qt.min_label.is_some() || qt.max_label.is_some()) && !is_scale {
            return Err(bad(format!(
                "question {path} is not a scale, so it has no min_label or max_label"
            )));
        }
        let has_unit = matches!(&q.kind, QuestionKind::Number { unit: Some(_), .. });
        if qt.unit.is_some() && !has_unit {
            return Err(bad(format!("question {path} has no unit to translate")));
        }
        let codes: BTreeSet<&str> = q
            .options()
            .unwrap_or_default()
            .iter()
            .map(|o| o.code.as_str())
            .collect();
        for (code, label) in &qt.options {
            if !codes.contains(code.as_str()) {
                return Err(bad(format!("question {path} has no option {code}")));
            }
            if label.trim().is_empty() {
                return Err(bad(format!("question {path} option {code} is empty")));
            }
        }
        let headings = group_headings(q);
        for (heading, text) in &qt.groups {
            if !headings.contains(heading.as_str()) {
                return Err(bad(format!(
                    "question {path} has no option group \"{heading}\""
                )));
            }
            if text.trim().is_empty() {
                return Err(bad(format!(
                    "question {path} option group \"{heading}\" is empty"
                )));
            }
        }
    }
    Ok(())
}

/// Puts the texts of `t` over one question (and its fields), leaving what `t` lacks as it is.
fn apply_question(q: &mut Question, path: &str, t: &FormTranslation) {
    if let Some(qt) = t.questions.get(path) {
        if let Some(text) = &qt.text {
            q.text = text.clone();
        }
        if let (Some(help), Some(_)) = (&qt.help, &q.help) {
            q.help = Some(help.clone());
        }
        match &mut q.kind {
            QuestionKind::Choice { options } | QuestionKind::MultiChoice { options } => {
                for o in options {
                    if let Some(label) = qt.options.get(&o.code) {
                        o.label = label.clone();
                    }
                    if let Some(group) = &mut o.group
                        && let Some(text) = qt.groups.get(group.as_str())
                    {
                        *group = text.clone();
                    }
                }
            }
            QuestionKind::Scale {
                min_label,
                max_label,
                ..
            } => {
                if let Some(text) = &qt.min_label {
                    *min_label = text.clone();
                }
                if let Some(text) = &qt.max_label {
                    *max_label = text.clone();
                }
            }
            QuestionKind::Number { unit: Some(u), .. } => {
                if let Some(text) = &qt.unit {
                    *u = text.clone();
                }
            }
            _ => {}
        }
    }
    if let QuestionKind::Group { fields } = &mut q.kind {
        for f in fields {
            let fpath = format!("{path}.{}", f.key);
            apply_question(f, &fpath, t);
        }
    }
}

impl Form {
    /// The languages this form has a translation for (besides its own, [`Form::lang`]).
    pub fn translated_languages(&self) -> impl Iterator<Item = &str> {
        self.translations.keys().map(String::as_str)
    }

    /// This form as a reader of `lang` sees it: every text the translation for `lang` has,
    /// the form's own text for the rest, and each instrument in a validated translation where
    /// its file has one (else in its own wording). Keys, codes, conditions and checks are
    /// unchanged, so answers given on a translated form are the same answers. A language
    /// without a translation gives the form as it is.
    pub fn localised(&self, lang: &str) -> Form {
        let mut form = self.clone();
        form.instruments = self.instruments.localised(lang);
        let Some(t) = self.translations.get(lang) else {
            return form;
        };
        form.lang = lang.to_string();
        if let Some(title) = &t.title {
            form.title = title.clone();
        }
        if let (Some(intro), Some(_)) = (&t.intro, &form.intro) {
            form.intro = Some(intro.clone());
        }
        if let Some(text) = &t.private_note_text {
            form.private_note_text = text.clone();
        }
        for section in &mut form.sections {
            if let Some(st) = t.sections.get(&section.id) {
                if let Some(title) = &st.title {
                    section.title = title.clone();
                }
                if let (Some(intro), Some(_)) = (&st.intro, &section.intro) {
                    section.intro = Some(intro.clone());
                }
            }
            let added = section.id == ADDITIONAL_SECTION_ID;
            for q in &mut section.questions {
                let key = q.key.clone();
                apply_question(q, &key, t);
                // A licensed instrument added to the form is named by its own (translated)
                // name, unless the translation names it.
                if added
                    && !t.questions.contains_key(&key)
                    && let QuestionKind::Instrument { instrument } = &q.kind
                    && let Some(def) = form.instruments.get(instrument)
                {
                    q.text = format!("{} ({})", def.name, def.short_name);
                }
            }
        }
        form
    }

    /// The ids of the texts the translation for `lang` lacks, in form order (`title`,
    /// `sections.about_you.intro`, `questions.sex.options.female`,
    /// `questions.conditions.groups.Mental health`, ...). Units are symbols and not listed;
    /// instruments are not the form's texts and not listed either.
    pub fn untranslated(&self, lang: &str) -> Vec<String> {
        let empty = FormTranslation::default();
        let t = self.translations.get(lang).unwrap_or(&empty);
        let mut missing = Vec::new();
        let mut need = |present: bool, id: String| {
            if !present {
                missing.push(id);
            }
        };
        need(t.title.is_some(), "title".into());
        if self.intro.is_some() {
            need(t.intro.is_some(), "intro".into());
        }
        need(t.private_note_text.is_some(), "private_note_text".into());
        for section in &self.sections {
            let st = t.sections.get(&section.id);
            need(
                st.is_some_and(|s| s.title.is_some()),
                format!("sections.{}.title", section.id),
            );
            if section.intro.is_some() {
                need(
                    st.is_some_and(|s| s.intro.is_some()),
                    format!("sections.{}.intro", section.id),
                );
            }
            for q in &section.questions {
                let mut paths = vec![(q.key.clone(), q)];
                paths.extend(
                    q.fields()
                        .iter()
                        .map(|f| (format!("{}.{}", q.key, f.key), f)),
                );
                for (path, q) in paths {
                    // An added licensed instrument is named by its own definition.
                    if section.id == ADDITIONAL_SECTION_ID {
                        continue;
                    }
                    let qt = t.questions.get(&path);
                    let id = |field: &str| format!("questions.{path}.{field}");
                    need(qt.is_some_and(|x| x.text.is_some()), id("text"));
                    if q.help.is_some() {
                        need(qt.is_some_and(|x| x.help.is_some()), id("help"));
                    }
                    if matches!(q.kind, QuestionKind::Scale { .. }) {
                        need(qt.is_some_and(|x| x.min_label.is_some()), id("min_label"));
                        need(qt.is_some_and(|x| x.max_label.is_some()), id("max_label"));
                    }
                    for o in q.options().unwrap_or_default() {
                        need(
                            qt.is_some_and(|x| x.options.contains_key(&o.code)),
                            id(&format!("options.{}", o.code)),
                        );
                    }
                    for heading in group_headings(q) {
                        need(
                            qt.is_some_and(|x| x.groups.contains_key(heading)),
                            id(&format!("groups.{heading}")),
                        );
                    }
                }
            }
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::super::INTAKE_V1_TOML;
    use super::*;
    use serde_json::json;

    fn form() -> Form {
        Form::shipped().expect("shipped form parses")
    }

    /// Like the locale completeness test: a shipped language lacks no text of the form.
    #[test]
    fn every_text_of_the_shipped_form_has_a_dutch_version() {
        let f = form();
        assert_eq!(f.lang, "en");
        assert_eq!(f.translated_languages().collect::<Vec<_>>(), vec!["nl"]);
        let missing = f.untranslated("nl");
        assert!(missing.is_empty(), "Dutch lacks {missing:?}");
        // The check itself finds what is missing.
        let none = f.untranslated("de");
        assert!(none.contains(&"title".to_string()));
        assert!(none.contains(&"questions.relationship.trust.min_label".to_string()));
        assert!(none.contains(&"questions.conditions.groups.Mental health".to_string()));
        assert!(none.contains(&"questions.sex.options.female".to_string()));
    }

    #[test]
    fn a_dutch_reader_gets_dutch_texts_and_the_same_questions() {
        let f = form();
        let nl = f.localised("nl");
        assert_eq!(nl.lang, "nl");
        assert_eq!(nl.title, "Je intake");
        assert_eq!(
            nl.section("about_you").map(|s| s.title.as_str()),
            Some("Over jou")
        );
        let sex = nl.question("sex").expect("sex");
        assert_eq!(sex.text, "Wat is je geslacht, voor medische doeleinden?");
        let labels: Vec<&str> = sex
            .options()
            .unwrap_or_default()
            .iter()
            .map(|o| o.label.as_str())
            .collect();
        assert_eq!(labels, vec!["Vrouw", "Man", "Anders"]);
        let conditions = nl.question("conditions").expect("conditions");
        let first = &conditions.options().unwrap_or_default()[0];
        assert_eq!(
            (first.code.as_str(), first.label.as_str()),
            ("hypertension", "Hoge bloeddruk")
        );
        assert_eq!(first.group.as_deref(), Some("Hart en bloedvaten"));
        let trust = nl.question("relationship.trust").expect("trust");
        assert_eq!(trust.text, "Hoeveel vertrouwen heb je in je partner?");
        assert!(
            matches!(&trust.kind, QuestionKind::Scale { min_label, .. } if min_label == "Helemaal niet")
        );
        // Same keys, same checks, same version: answers do not depend on the language.
        assert_eq!(nl.keys(), f.keys());
        assert_eq!(
            (nl.version.as_str(), nl.sha256.as_str()),
            (f.version.as_str(), f.sha256.as_str())
        );
        let bad = json!({"relationship": {"trust": 9}, "sex": "f"});
        assert_eq!(nl.validate_draft(&bad), f.validate_draft(&bad));
        // The shipped instruments have no validated Dutch translation: their wording stays.
        let phq9 = nl.instrument("phq9").expect("phq9");
        assert_eq!(phq9.language, "en");
        assert_eq!(
            phq9.items[0].text,
            f.instrument("phq9").expect("phq9").items[0].text
        );
        // A language without a translation is the form as it is.
        assert_eq!(f.localised("de"), f);
    }

    #[test]
    fn a_site_instrument_section_reads_in_dutch_with_its_own_name() {
        let licensed = r#"
id = "fci2"
short_name = "FCI-2"
name = "Fictional Closeness Index"
version = "1"
licence = "Fictional, for tests."
source = "dyad test suite"
evidence = "site"
instructions = "Think about the past month."
options = [{ value = 0, label = "No" }, { value = 1, label = "Yes" }]
items = [{ text = "We laugh together." }, { text = "I feel heard." }]
"#;
        let instruments =
            crate::instruments::Instruments::shipped_with(&[licensed]).expect("loads");
        let nl = Form::shipped_with(instruments)
            .expect("form")
            .localised("nl");
        let section = nl.section(ADDITIONAL_SECTION_ID).expect("added section");
        assert_eq!(section.title, "Meer vragenlijsten");
        assert_eq!(
            section.questions[0].text,
            "Fictional Closeness Index (FCI-2)"
        );
        assert_eq!(
            nl.instrument("fci2").map(|d| d.language.as_str()),
            Some("en")
        );
    }

    #[test]
    fn translations_that_do_not_fit_the_form_are_refused() {
        let with = |table: &str| format!("{INTAKE_V1_TOML}\n{table}\n");
        let cases = [
            (
                "[translations.de.sections.nowhere]\ntitle = \"x\"",
                "no section nowhere",
            ),
            (
                "[translations.de.questions.shoe_size]\ntext = \"x\"",
                "no question shoe_size",
            ),
            (
                "[translations.de.questions.sex]\noptions = { alien = \"x\" }",
                "no option alien",
            ),
            (
                "[translations.de.questions.date_of_birth]\nhelp = \"x\"",
                "no help to translate",
            ),
            (
                "[translations.de.questions.sex]\nmin_label = \"x\"",
                "is not a scale",
            ),
            (
                "[translations.de.questions.sex]\ntext = \" \"",
                "question sex text is empty",
            ),
            (
                "[translations.de.questions.conditions]\ngroups = { \"Lungs\" = \"x\" }",
                "no option group \"Lungs\"",
            ),
            (
                "[translations.de.questions.sex]\nlabel = \"x\"",
                "not valid TOML",
            ),
            ("[translations.DE]\ntitle = \"x\"", "must be a code"),
            ("[translations.en]\ntitle = \"x\"", "already in en"),
        ];
        for (table, expected) in cases {
            let err = Form::parse(&with(table)).expect_err(expected).to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
        // A partial translation is allowed; what it lacks falls back text by text.
        let partial =
            Form::parse(&with("[translations.de]\ntitle = \"Deine Aufnahme\"")).expect("parses");
        let de = partial.localised("de");
        assert_eq!(de.title, "Deine Aufnahme");
        assert_eq!(
            de.section("about_you").map(|s| s.title.as_str()),
            Some("About you")
        );
        assert!(
            partial
                .untranslated("de")
                .contains(&"sections.about_you.title".to_string())
        );
    }
}
