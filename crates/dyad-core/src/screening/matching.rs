//! Matching free-text medicine and substance names to knowledge entries.
//!
//! Names are compared by a key: lower case, letters and digits only, with dose figures, units,
//! release suffixes (`XR`, `XL`) and salt names dropped. A key that matches no name exactly is
//! compared by Damerau–Levenshtein distance with a length-aware limit, so that short names never
//! match loosely. Anything still unmatched is reported by the engine, never dropped.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::knowledge::{EntryKind, Knowledge, SubstanceEntry};

/// One autocomplete suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The name to offer, as spelled in the knowledge base (a generic or a brand name).
    pub name: String,
    /// The generic (or common) name of the entry it belongs to.
    pub generic: String,
    /// True when `name` is a brand or other alias rather than the generic name.
    pub matched_alias: bool,
}

/// Words that say nothing about which medicine it is.
const NOISE_WORDS: &[&str] = &[
    "mg",
    "mcg",
    "ug",
    "µg",
    "g",
    "ml",
    "iu",
    "xl",
    "xr",
    "sr",
    "er",
    "cr",
    "la",
    "mr",
    "cd",
    "tablet",
    "tablets",
    "tab",
    "tabs",
    "capsule",
    "capsules",
    "caps",
    "daily",
    "retard",
    "hydrochloride",
    "hcl",
    "hydrobromide",
    "hbr",
    "maleate",
    "mesylate",
    "dimesylate",
    "besylate",
    "succinate",
    "tartrate",
    "fumarate",
    "sulfate",
    "sulphate",
    "oxalate",
];

/// Separators between several names written in one field.
const SEPARATORS: &[char] = &['/', '+', ',', ';', '&', '(', ')', '|'];
const SEPARATOR_WORDS: &[&str] = &["and", "with", "plus", "or"];

fn is_dose(token: &str) -> bool {
    let digits_end = token
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(token.len(), |(i, _)| i);
    if digits_end == 0 {
        return false;
    }
    let unit = &token[digits_end..];
    unit.is_empty() || NOISE_WORDS.contains(&unit) || unit == "%"
}

/// The words of a name after normalising: lower case, apostrophes, hyphens and dots joined,
/// other punctuation as spaces, and dose figures, units, release suffixes and salts dropped
/// (except the first word, which always stays).
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            cleaned.push(c);
        } else if matches!(c, '\'' | '’' | '`' | '-' | '.' | '‐' | '–') {
            // joined: "St John's" → "st johns", "5-HTP" → "5htp"
        } else {
            cleaned.push(' ');
        }
    }
    let mut out = Vec::new();
    for (i, word) in cleaned.split_whitespace().enumerate() {
        if i > 0 && (NOISE_WORDS.contains(&word) || is_dose(word)) {
            continue;
        }
        out.push(word.to_owned());
    }
    out
}

/// The comparison key of a name: its words with the spaces removed.
pub(crate) fn key(text: &str) -> String {
    words(text).concat()
}

/// The largest edit distance accepted for a query key of this many characters.
fn max_distance(chars: usize) -> usize {
    match chars {
        0..=4 => 0,
        5..=7 => 1,
        8..=12 => 2,
        _ => 3,
    }
}

#[derive(Debug, Clone)]
struct AliasRef {
    entry: usize,
    kind: EntryKind,
    key: String,
    display: String,
    chars: usize,
}

/// Two entries in the same list claiming the same name.
#[derive(Debug)]
pub(crate) struct AliasClash {
    pub alias: String,
    pub first: String,
    pub second: String,
}

/// Every name of every entry, by key.
#[derive(Debug, Clone, Default)]
pub(crate) struct AliasIndex {
    names: Vec<AliasRef>,
    exact: HashMap<String, Vec<usize>>,
}

impl AliasIndex {
    pub(crate) fn build(entries: &[SubstanceEntry]) -> Result<AliasIndex, AliasClash> {
        let mut index = AliasIndex::default();
        for (entry_at, entry) in entries.iter().enumerate() {
            for name in entry.names() {
                let key = key(name);
                let at = index.names.len();
                let slot = index.exact.entry(key.clone()).or_default();
                let mut duplicate = false;
                for other in slot.iter().filter_map(|&i| index.names.get(i)) {
                    if other.kind != entry.kind {
                        continue;
                    }
                    if other.entry != entry_at {
                        return Err(AliasClash {
                            alias: name.to_owned(),
                            first: entries
                                .get(other.entry)
                                .map_or_else(String::new, |e| e.name.clone()),
                            second: entry.name.clone(),
                        });
                    }
                    duplicate = true;
                }
                if duplicate {
                    continue;
                }
                slot.push(at);
                index.names.push(AliasRef {
                    entry: entry_at,
                    kind: entry.kind,
                    chars: key.chars().count(),
                    key,
                    display: name.to_owned(),
                });
            }
        }
        Ok(index)
    }
}

/// A name recognised in an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recognised {
    /// Index into [`Knowledge::entries`].
    pub entry: usize,
    /// The knowledge-base name it matched, as spelled there.
    pub alias: String,
    /// Matched by spelling distance rather than exactly.
    pub approximate: bool,
}

/// What became of one name (or one part of a field listing several names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    Recognised(Recognised),
    /// Close to several different entries; the clinician must check.
    Ambiguous {
        text: String,
        candidates: Vec<usize>,
    },
    Unrecognised {
        text: String,
    },
}

/// Resolves a free-text field. A field may name several medicines ("sertraline + tramadol");
/// each is resolved, and parts that match nothing are reported.
pub(crate) fn resolve(knowledge: &Knowledge, text: &str, kind: EntryKind) -> Vec<Resolved> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    if key(text).is_empty() {
        return vec![Resolved::Unrecognised {
            text: text.to_owned(),
        }];
    }
    if let Some(found) = resolve_one(knowledge, text, kind) {
        return vec![found];
    }
    let parts = split_parts(text);
    let mut out: Vec<Resolved> = Vec::new();
    if parts.len() > 1 {
        for part in parts {
            let found = resolve_one(knowledge, &part, kind)
                .or_else(|| by_words(knowledge, &part, kind))
                .unwrap_or(Resolved::Unrecognised { text: part });
            push_unique(&mut out, found);
        }
        return out;
    }
    vec![
        by_words(knowledge, text, kind).unwrap_or(Resolved::Unrecognised {
            text: text.to_owned(),
        }),
    ]
}

fn push_unique(out: &mut Vec<Resolved>, found: Resolved) {
    if let Resolved::Recognised(r) = &found
        && out
            .iter()
            .any(|o| matches!(o, Resolved::Recognised(p) if p.entry == r.entry))
    {
        return;
    }
    out.push(found);
}

fn split_parts(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for chunk in text.split(SEPARATORS) {
        let mut current: Vec<&str> = Vec::new();
        for word in chunk.split_whitespace() {
            if SEPARATOR_WORDS.contains(&word.to_lowercase().as_str()) {
                if !current.is_empty() {
                    parts.push(current.join(" "));
                    current.clear();
                }
            } else {
                current.push(word);
            }
        }
        if !current.is_empty() {
            parts.push(current.join(" "));
        }
    }
    parts.retain(|p| !key(p).is_empty());
    parts
}

/// Exact, then approximate, match of the whole text.
fn resolve_one(knowledge: &Knowledge, text: &str, kind: EntryKind) -> Option<Resolved> {
    let index = &knowledge.aliases;
    let query = key(text);
    if query.is_empty() {
        return None;
    }
    if let Some(hits) = index.exact.get(&query) {
        let preferred = hits
            .iter()
            .filter_map(|&i| index.names.get(i))
            .find(|a| a.kind == kind)
            .or_else(|| hits.first().and_then(|&i| index.names.get(i)));
        if let Some(alias) = preferred {
            return Some(Resolved::Recognised(Recognised {
                entry: alias.entry,
                alias: alias.display.clone(),
                approximate: false,
            }));
        }
    }

    let chars = query.chars().count();
    let limit = max_distance(chars);
    if limit == 0 {
        return None;
    }
    let mut best = usize::MAX;
    let mut close: Vec<&AliasRef> = Vec::new();
    for alias in &index.names {
        if alias.chars < 5 || alias.chars.abs_diff(chars) > limit {
            continue;
        }
        let distance = strsim::damerau_levenshtein(&query, &alias.key);
        if distance > limit {
            continue;
        }
        if distance < best {
            best = distance;
            close.clear();
        }
        if distance == best {
            close.push(alias);
        }
    }
    if close.is_empty() {
        return None;
    }
    let same_kind: Vec<&AliasRef> = close.iter().copied().filter(|a| a.kind == kind).collect();
    let pool = if same_kind.is_empty() {
        close
    } else {
        same_kind
    };
    let mut entries: Vec<usize> = pool.iter().map(|a| a.entry).collect();
    entries.sort_unstable();
    entries.dedup();
    match (entries.as_slice(), pool.first()) {
        ([_], Some(alias)) => Some(Resolved::Recognised(Recognised {
            entry: alias.entry,
            alias: alias.display.clone(),
            approximate: true,
        })),
        _ => Some(Resolved::Ambiguous {
            text: text.to_owned(),
            candidates: entries,
        }),
    }
}

/// Exact matches of single words or word pairs inside a longer text ("Sertraline Accord 50 mg").
/// Words shorter than four characters are not tried, to avoid chance hits.
fn by_words(knowledge: &Knowledge, text: &str, kind: EntryKind) -> Option<Resolved> {
    let words = words(text);
    if words.len() < 2 {
        return None;
    }
    let mut candidates: Vec<String> = words
        .iter()
        .filter(|w| w.chars().count() >= 4)
        .cloned()
        .collect();
    candidates.extend(words.windows(2).map(|pair| pair.concat()));
    let mut found: Vec<Recognised> = Vec::new();
    for candidate in candidates {
        let Some(hits) = knowledge.aliases.exact.get(&candidate) else {
            continue;
        };
        let alias = hits
            .iter()
            .filter_map(|&i| knowledge.aliases.names.get(i))
            .find(|a| a.kind == kind)
            .or_else(|| hits.first().and_then(|&i| knowledge.aliases.names.get(i)));
        if let Some(alias) = alias
            && !found.iter().any(|f| f.entry == alias.entry)
        {
            found.push(Recognised {
                entry: alias.entry,
                alias: alias.display.clone(),
                approximate: false,
            });
        }
    }
    match found.len() {
        1 => found.pop().map(Resolved::Recognised),
        0 => None,
        _ => Some(Resolved::Ambiguous {
            text: text.to_owned(),
            candidates: found.iter().map(|f| f.entry).collect(),
        }),
    }
}

/// Autocomplete: names of `kind` starting with the query (or with a word starting with it),
/// then names within a small spelling distance of the query.
pub(crate) fn suggest(
    knowledge: &Knowledge,
    query: &str,
    kind: EntryKind,
    limit: usize,
) -> Vec<Suggestion> {
    let query_key = key(query);
    if query_key.is_empty() || limit == 0 {
        return Vec::new();
    }
    let query_words = words(query);
    let chars = query_key.chars().count();
    let fuzzy_limit = match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    let mut scored: Vec<(usize, usize, &AliasRef)> = Vec::new();
    for alias in knowledge.aliases.names.iter().filter(|a| a.kind == kind) {
        let score = if alias.key.starts_with(&query_key) {
            Some(0)
        } else if words(&alias.display).iter().any(|w| {
            query_words
                .first()
                .is_some_and(|q| w.starts_with(q.as_str()))
        }) {
            Some(1)
        } else if fuzzy_limit > 0 {
            let head: String = alias.key.chars().take(chars).collect();
            let distance = strsim::damerau_levenshtein(&query_key, &head)
                .min(strsim::damerau_levenshtein(&query_key, &alias.key));
            (distance <= fuzzy_limit).then_some(2 + distance)
        } else {
            None
        };
        if let Some(score) = score {
            scored.push((score, alias.chars, alias));
        }
    }
    scored.sort_by(|a, b| (a.0, a.1, &a.2.key).cmp(&(b.0, b.1, &b.2.key)));
    let mut out: Vec<Suggestion> = Vec::new();
    for (_, _, alias) in scored {
        let Some(entry) = knowledge.entries().get(alias.entry) else {
            continue;
        };
        let suggestion = Suggestion {
            name: alias.display.clone(),
            generic: entry.name.clone(),
            matched_alias: key(&alias.display) != key(&entry.name),
        };
        if !out.contains(&suggestion) {
            out.push(suggestion);
        }
        if out.len() >= limit {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> &'static Knowledge {
        crate::screening::embedded().expect("shipped knowledge parses")
    }

    fn generic_of(text: &str, kind: EntryKind) -> Vec<String> {
        let k = shipped();
        resolve(k, text, kind)
            .into_iter()
            .map(|r| match r {
                Resolved::Recognised(r) => k.entries()[r.entry].name.clone(),
                Resolved::Ambiguous { .. } => "?ambiguous".to_owned(),
                Resolved::Unrecognised { .. } => "?unrecognised".to_owned(),
            })
            .collect()
    }

    #[test]
    fn keys_normalise_case_punctuation_doses_and_suffixes() {
        for (input, expected) in [
            ("  MOCLOBEMIDE ", "moclobemide"),
            ("Sertraline 50mg", "sertraline"),
            ("sertraline 50 mg tablets", "sertraline"),
            ("Effexor XR", "effexor"),
            ("St. John's Wort", "stjohnswort"),
            ("5-HTP", "5htp"),
            ("5 HTP", "5htp"),
            ("Bupropion HCl 150 mg XL", "bupropion"),
            ("", ""),
            ("  ", ""),
        ] {
            assert_eq!(key(input), expected, "{input:?}");
        }
    }

    #[test]
    fn names_brands_and_misspellings_resolve() {
        use EntryKind::Medication as M;
        for (input, expected) in [
            ("sertraline", "sertraline"),
            ("Zoloft", "sertraline"),
            ("Zolof", "sertraline"),
            ("sertralin", "sertraline"),
            ("Prozac", "fluoxetine"),
            ("Prozak", "fluoxetine"),
            ("MOCLOBEMIDE ", "moclobemide"),
            ("moclobemid", "moclobemide"),
            ("Paxil", "paroxetine"),
            ("Seroxat", "paroxetine"),
            ("Celexa", "citalopram"),
            ("Cipramil", "citalopram"),
            ("Lexapro", "escitalopram"),
            ("Cipralex", "escitalopram"),
            ("Luvox", "fluvoxamine"),
            ("Effexor", "venlafaxine"),
            ("Effexor XR 75mg", "venlafaxine"),
            ("Cymbalta", "duloxetine"),
            ("Wellbutrin XL", "bupropion"),
            ("Ritalin", "methylphenidate"),
            ("Concerta", "methylphenidate"),
            ("Adderall", "amphetamine"),
            ("Elvanse", "lisdexamfetamine"),
            ("Vyvanse", "lisdexamfetamine"),
            ("Lyrica", "pregabalin"),
            ("Norvir", "ritonavir"),
            ("Paxlovid", "nirmatrelvir with ritonavir"),
            ("lopinavir/ritonavir", "lopinavir with ritonavir"),
            ("Priadel", "lithium"),
            ("Lithium carbonate 400 mg", "lithium"),
            ("St John's Wort", "St John's wort"),
            ("5-htp", "5-HTP"),
            ("Imigran", "sumatriptan"),
            ("Xanax", "alprazolam"),
            ("Seroquel", "quetiapine"),
            ("citalopam", "citalopram"),
            ("escitalopam", "escitalopram"),
            ("Sertraline Accord", "sertraline"),
        ] {
            assert_eq!(generic_of(input, M), vec![expected.to_owned()], "{input:?}");
        }
    }

    #[test]
    fn exact_names_are_not_approximate_and_misspellings_are() {
        let k = shipped();
        let exact = resolve(k, "Zoloft", EntryKind::Medication);
        assert!(matches!(&exact[..], [Resolved::Recognised(r)] if !r.approximate));
        let close = resolve(k, "Zolof", EntryKind::Medication);
        assert!(
            matches!(&close[..], [Resolved::Recognised(r)] if r.approximate && r.alias == "Zoloft")
        );
    }

    #[test]
    fn the_list_decides_between_prescribed_and_street_names() {
        assert_eq!(
            generic_of("amphetamine", EntryKind::Medication),
            vec!["amphetamine"]
        );
        assert_eq!(
            generic_of("amphetamine", EntryKind::Substance),
            vec!["amphetamine (non-prescribed)"]
        );
        // A medicine written under substances is still recognised.
        assert_eq!(
            generic_of("sertraline", EntryKind::Substance),
            vec!["sertraline"]
        );
        assert_eq!(
            generic_of("ayahuasca", EntryKind::Medication),
            vec!["ayahuasca"]
        );
    }

    #[test]
    fn several_names_in_one_field_are_each_resolved() {
        assert_eq!(
            generic_of("sertraline + tramadol", EntryKind::Medication),
            vec!["sertraline", "tramadol"]
        );
        assert_eq!(
            generic_of("Zoloft (sertraline)", EntryKind::Medication),
            vec!["sertraline"]
        );
        assert_eq!(
            generic_of("lithium and unknownium", EntryKind::Medication),
            vec!["lithium", "?unrecognised"]
        );
    }

    #[test]
    fn unknown_and_short_names_do_not_match_loosely() {
        for input in [
            "paracetamol",
            "ibuprofen",
            "metformin",
            "levothyroxine",
            "omeprazole",
            "atorvastatin",
            "amlodipine",
            "salbutamol",
            "cetirizine",
            "insulin",
            "aspirin",
            "ramipril",
            "lamotrigine",
            "Lamictal",
            "melatonin",
            "propranolol",
            "xyz",
            "abc",
            "Zzzzzz",
            "ket0",
            "dmx",
        ] {
            assert_eq!(
                generic_of(input, EntryKind::Medication),
                vec!["?unrecognised".to_owned()],
                "{input:?}"
            );
        }
        assert!(generic_of("   ", EntryKind::Medication).is_empty());
    }

    #[test]
    fn distance_limits_grow_with_length() {
        assert_eq!(max_distance(3), 0);
        assert_eq!(max_distance(4), 0);
        assert_eq!(max_distance(5), 1);
        assert_eq!(max_distance(7), 1);
        assert_eq!(max_distance(8), 2);
        assert_eq!(max_distance(13), 3);
    }

    #[test]
    fn suggestions_offer_prefixes_first_then_close_spellings() {
        let k = shipped();
        let s = suggest(k, "sert", EntryKind::Medication, 5);
        assert_eq!(s.first().map(|s| s.generic.as_str()), Some("sertraline"));
        // Prefix matches come before close spellings.
        let prefix: Vec<bool> = s.iter().map(|s| key(&s.name).starts_with("sert")).collect();
        let mut ordered = prefix.clone();
        ordered.sort_by(|a, b| b.cmp(a));
        assert_eq!(prefix, ordered, "{s:?}");

        let s = suggest(k, "zol", EntryKind::Medication, 10);
        assert!(s.contains(&Suggestion {
            name: "Zoloft".to_owned(),
            generic: "sertraline".to_owned(),
            matched_alias: true,
        }));

        let s = suggest(k, "prozak", EntryKind::Medication, 3);
        assert_eq!(s.first().map(|s| s.generic.as_str()), Some("fluoxetine"));

        let s = suggest(k, "john", EntryKind::Medication, 3);
        assert_eq!(
            s.first().map(|s| s.generic.as_str()),
            Some("St John's wort")
        );

        assert!(suggest(k, "", EntryKind::Medication, 5).is_empty());
        assert!(suggest(k, "sert", EntryKind::Medication, 0).is_empty());
        assert_eq!(suggest(k, "s", EntryKind::Medication, 4).len(), 4);
        // Substances are kept out of the medication list.
        assert!(
            suggest(k, "cocaine", EntryKind::Medication, 5)
                .iter()
                .all(|s| s.generic != "cocaine")
        );
        assert_eq!(
            suggest(k, "coca", EntryKind::Substance, 5)
                .first()
                .map(|s| s.generic.as_str()),
            Some("cocaine")
        );
    }

    #[test]
    fn generic_names_are_not_marked_as_aliases() {
        let k = shipped();
        let s = suggest(k, "sertraline", EntryKind::Medication, 1);
        assert_eq!(
            s,
            vec![Suggestion {
                name: "sertraline".to_owned(),
                generic: "sertraline".to_owned(),
                matched_alias: false,
            }]
        );
    }
}
