//! The message catalogue: every text a person reads comes from `locales/<lang>/*.ftl`.
//! Adding a language means adding a folder.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Bidi isolation marks around placeables would end up inside emails and titles.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Languages dyad speaks, in the order the language switch shows them.
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("nl", "Nederlands")];

static EN: LanguageIdentifier = langid!("en");
static NL: LanguageIdentifier = langid!("nl");

/// A translator for one language, handed to every template.
#[derive(Debug, Clone)]
pub struct Tr {
    lang: &'static str,
}

impl Tr {
    pub fn new(lang: &str) -> Self {
        let lang = LANGUAGES
            .iter()
            .find(|(code, _)| *code == lang)
            .map(|(code, _)| *code)
            .unwrap_or("en");
        Self { lang }
    }

    pub fn lang(&self) -> &'static str {
        self.lang
    }

    fn id(&self) -> &'static LanguageIdentifier {
        match self.lang {
            "nl" => &NL,
            _ => &EN,
        }
    }

    /// The message for `key`; a missing key shows itself so it is noticed, never panics.
    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The message for `key` with named arguments.
    pub fn ta(&self, key: &str, args: &[(&'static str, &str)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.to_string())))
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_string())
    }
}

impl Tr {
    /// The message for `key` with arguments named at run time (a field error's), or `None`
    /// when the catalogue has no such message.
    pub fn lookup(&self, key: &str, args: &[(String, String)]) -> Option<String> {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Owned(k.clone()), FluentValue::from(v.clone())))
            .collect();
        LOCALES.try_lookup_with_args(self.id(), key, &map)
    }
}

/// Picks the language: an explicit choice (cookie or account), else the browser's
/// `Accept-Language`, else English.
pub fn negotiate(explicit: Option<&str>, accept_language: Option<&str>) -> Tr {
    if let Some(lang) = explicit.filter(|l| LANGUAGES.iter().any(|(c, _)| c == l)) {
        return Tr::new(lang);
    }
    if let Some(header) = accept_language {
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_lowercase();
            let primary = tag.split('-').next().unwrap_or("");
            if let Some((code, _)) = LANGUAGES.iter().find(|(c, _)| *c == primary) {
                return Tr::new(code);
            }
        }
    }
    Tr::new("en")
}

/// Every message id of a catalogue file, for the completeness test.
pub fn message_ids(ftl: &str) -> std::collections::BTreeSet<String> {
    ftl.lines()
        .filter(|l| !l.starts_with([' ', '#', '.', '\t', '[', '*', '}']) && l.contains(" ="))
        .filter_map(|l| l.split(" =").next())
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_lookup_and_arguments() {
        let tr = Tr::new("en");
        assert_eq!(tr.t("nav-sign-in"), "Sign in");
        assert!(
            tr.ta("otp-printed", &[("url", "http://x")])
                .contains("http://x")
        );
        assert_eq!(tr.t("no-such-key"), "no-such-key");
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(Some("nl"), None).lang(), "nl");
        assert_eq!(negotiate(Some("xx"), Some("nl-NL,en;q=0.5")).lang(), "nl");
        assert_eq!(negotiate(None, Some("de-DE,en;q=0.8")).lang(), "en");
        assert_eq!(negotiate(None, None).lang(), "en");
    }

    /// A message that exists in one language and not in another fails here.
    #[test]
    fn every_language_has_every_message() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let read = |lang: &str| -> std::collections::BTreeSet<String> {
            let mut ids = std::collections::BTreeSet::new();
            let folder = dir.join(lang);
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                ids.extend(message_ids(&std::fs::read_to_string(path).unwrap()));
            }
            ids
        };
        let en = read("en");
        assert!(en.len() > 20);
        for (lang, _) in LANGUAGES {
            let other = read(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(
                extra.is_empty(),
                "{lang} has messages English lacks: {extra:?}"
            );
        }
    }
}
