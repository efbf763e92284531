//! Consent items derived from the agreement in effect, plus research consent, and withdrawal.
//!
//! Items: `touch.<kind>.from_partner`, `touch.<kind>.from_facilitator`, `proximity`,
//! `sharing`, `research`. A withdrawal takes effect at once and stays in effect: the item is
//! given again only by a signature made after it (a newly signed agreement version, or a new
//! research consent).

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ParseError;
use super::agreement::{AgreementSections, TouchKind};

/// One consent item. Serialised as its dotted name (`touch.hug.from_partner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ConsentItem {
    /// The participant accepts this kind of touch from their partner.
    TouchFromPartner(TouchKind),
    /// The participant accepts this kind of touch from a facilitator.
    TouchFromFacilitator(TouchKind),
    /// The participant accepts the proximity the agreement describes.
    Proximity,
    /// The team may share with the partner what the participant's `sharing` entry says.
    Sharing,
    /// Research use of the participant's pseudonymised data (given at sign-up, not in the
    /// agreement).
    Research,
}

impl ConsentItem {
    /// Every item, in the order they are listed to a participant.
    pub fn all() -> Vec<ConsentItem> {
        let mut items: Vec<ConsentItem> = TouchKind::ALL
            .into_iter()
            .map(ConsentItem::TouchFromPartner)
            .collect();
        items.extend(
            TouchKind::ALL
                .into_iter()
                .map(ConsentItem::TouchFromFacilitator),
        );
        items.extend([
            ConsentItem::Proximity,
            ConsentItem::Sharing,
            ConsentItem::Research,
        ]);
        items
    }

    pub fn name(self) -> String {
        match self {
            ConsentItem::TouchFromPartner(k) => format!("touch.{k}.from_partner"),
            ConsentItem::TouchFromFacilitator(k) => format!("touch.{k}.from_facilitator"),
            ConsentItem::Proximity => "proximity".to_owned(),
            ConsentItem::Sharing => "sharing".to_owned(),
            ConsentItem::Research => "research".to_owned(),
        }
    }
}

impl fmt::Display for ConsentItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for ConsentItem {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConsentItem::all()
            .into_iter()
            .find(|i| i.name() == s)
            .ok_or_else(|| ParseError::new("consent item", s))
    }
}

impl TryFrom<String> for ConsentItem {
    type Error = ParseError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ConsentItem> for String {
    fn from(item: ConsentItem) -> Self {
        item.name()
    }
}

/// The state of one consent item for one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    Given,
    Withdrawn,
    NotGiven,
}

impl ConsentState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::Given => "given",
            ConsentState::Withdrawn => "withdrawn",
            ConsentState::NotGiven => "not_given",
        }
    }
}

/// The agreement items as an agreement's sections give them to one participant: `given` or
/// `not_given`, before any withdrawal. `research` is not part of the agreement and is not
/// listed; see [`consent_states`] for the full picture.
pub fn consent_items(
    sections: &AgreementSections,
    participant_id: &str,
) -> Vec<(ConsentItem, ConsentState)> {
    let state = |given: bool| {
        if given {
            ConsentState::Given
        } else {
            ConsentState::NotGiven
        }
    };
    let touch = sections.touch.get(participant_id);
    let mut out = Vec::new();
    for kind in TouchKind::ALL {
        let given = touch.is_some_and(|t| t.from_partner.contains(&kind));
        out.push((ConsentItem::TouchFromPartner(kind), state(given)));
    }
    for kind in TouchKind::ALL {
        let given = touch.is_some_and(|t| t.from_facilitator.contains(&kind));
        out.push((ConsentItem::TouchFromFacilitator(kind), state(given)));
    }
    out.push((
        ConsentItem::Proximity,
        state(!sections.proximity.trim().is_empty()),
    ));
    let shares = sections
        .sharing
        .get(participant_id)
        .is_some_and(|t| !t.trim().is_empty());
    out.push((ConsentItem::Sharing, state(shares)));
    out
}

/// A participant withdrew one item at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentWithdrawal {
    pub item: ConsentItem,
    pub at: Timestamp,
}

/// What one participant's consents rest on.
#[derive(Debug, Clone, Copy)]
pub struct ConsentBasis<'a> {
    /// The agreement version in effect and when this participant signed it; `None` while no
    /// version is in effect (then no agreement item is given).
    pub agreement: Option<(&'a AgreementSections, Timestamp)>,
    /// When research consent was (last) given; `None` if never.
    pub research_given_at: Option<Timestamp>,
    /// This participant's withdrawals, in any order.
    pub withdrawals: &'a [ConsentWithdrawal],
}

/// One line of `GET /me/consents`: `{item, state, since}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEntry {
    pub item: ConsentItem,
    pub state: ConsentState,
    /// When the state began: the signature for `given`, the withdrawal for `withdrawn`,
    /// `None` for `not_given`.
    pub since: Option<Timestamp>,
}

/// Every consent item of one participant, with withdrawals applied: an item given by a
/// signature is `withdrawn` when a withdrawal of it is at or after that signature.
pub fn consent_states(basis: &ConsentBasis<'_>, participant_id: &str) -> Vec<ConsentEntry> {
    let mut given: Vec<(ConsentItem, Option<Timestamp>)> = match basis.agreement {
        Some((sections, signed_at)) => consent_items(sections, participant_id)
            .into_iter()
            .map(|(item, state)| (item, (state == ConsentState::Given).then_some(signed_at)))
            .collect(),
        None => ConsentItem::all()
            .into_iter()
            .filter(|i| *i != ConsentItem::Research)
            .map(|i| (i, None))
            .collect(),
    };
    given.push((ConsentItem::Research, basis.research_given_at));

    given
        .into_iter()
        .map(|(item, given_at)| {
            let Some(given_at) = given_at else {
                return ConsentEntry {
                    item,
                    state: ConsentState::NotGiven,
                    since: None,
                };
            };
            let withdrawn_at = basis
                .withdrawals
                .iter()
                .filter(|w| w.item == item && w.at >= given_at)
                .map(|w| w.at)
                .min();
            match withdrawn_at {
                Some(at) => ConsentEntry {
                    item,
                    state: ConsentState::Withdrawn,
                    since: Some(at),
                },
                None => ConsentEntry {
                    item,
                    state: ConsentState::Given,
                    since: Some(given_at),
                },
            }
        })
        .collect()
}

/// Why a withdrawal is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// There is nothing to withdraw: the item was never given (or not under the version in
    /// effect).
    #[error("consent for {0} is not given, so it cannot be withdrawn")]
    NotGiven(ConsentItem),
    /// Already withdrawn; callers may treat a repeat as success (withdrawal is idempotent).
    #[error("consent for {0} is already withdrawn")]
    AlreadyWithdrawn(ConsentItem),
}

impl ConsentError {
    pub fn code(&self) -> &'static str {
        match self {
            ConsentError::NotGiven(_) => "consent_not_given",
            ConsentError::AlreadyWithdrawn(_) => "consent_already_withdrawn",
        }
    }
}

/// Checks a withdrawal against the current states (from [`consent_states`]). On `Ok` the
/// store records a [`ConsentWithdrawal`] at the current time; it takes effect at once.
pub fn check_withdraw(states: &[ConsentEntry], item: ConsentItem) -> Result<(), ConsentError> {
    match states.iter().find(|e| e.item == item).map(|e| e.state) {
        Some(ConsentState::Given) => Ok(()),
        Some(ConsentState::Withdrawn) => Err(ConsentError::AlreadyWithdrawn(item)),
        Some(ConsentState::NotGiven) | None => Err(ConsentError::NotGiven(item)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pathway::test_support::{at, complete_sections};

    fn states(basis: &ConsentBasis<'_>, pid: &str) -> Vec<(String, ConsentState)> {
        consent_states(basis, pid)
            .into_iter()
            .map(|e| (e.item.name(), e.state))
            .collect()
    }

    fn state_of(entries: &[ConsentEntry], name: &str) -> (ConsentState, Option<Timestamp>) {
        let e = entries.iter().find(|e| e.item.name() == name).unwrap();
        (e.state, e.since)
    }

    #[test]
    fn items_are_derived_from_the_agreement() {
        use ConsentState::{Given as G, NotGiven as N};
        let s = complete_sections();
        let named = |pid| {
            consent_items(&s, pid)
                .into_iter()
                .map(|(i, st)| (i.name(), st))
                .collect::<Vec<_>>()
        };
        let expected_p1 = vec![
            ("touch.hand.from_partner", G),
            ("touch.shoulder.from_partner", N),
            ("touch.hug.from_partner", G),
            ("touch.holding.from_partner", N),
            ("touch.hand.from_facilitator", N),
            ("touch.shoulder.from_facilitator", G),
            ("touch.hug.from_facilitator", N),
            ("touch.holding.from_facilitator", N),
            ("proximity", G),
            ("sharing", G),
        ];
        assert_eq!(
            named("p1"),
            expected_p1
                .into_iter()
                .map(|(n, st)| (n.to_owned(), st))
                .collect::<Vec<_>>()
        );
        // p2 has no touch entry and no sharing entry: no touch, nothing shared.
        let p2 = named("p2");
        assert!(
            p2.iter()
                .filter(|(n, _)| n.starts_with("touch."))
                .all(|(_, st)| *st == N)
        );
        assert_eq!(p2[8], ("proximity".to_owned(), G));
        assert_eq!(p2[9], ("sharing".to_owned(), N));
    }

    #[test]
    fn item_names_round_trip() {
        let all = ConsentItem::all();
        assert_eq!(all.len(), 11);
        for item in all {
            assert_eq!(item.name().parse::<ConsentItem>(), Ok(item));
            let json = serde_json::to_value(item).unwrap();
            assert_eq!(json, serde_json::Value::String(item.name()));
            assert_eq!(serde_json::from_value::<ConsentItem>(json).unwrap(), item);
        }
        assert!("touch.kiss.from_partner".parse::<ConsentItem>().is_err());
        assert!(serde_json::from_str::<ConsentItem>("\"touch\"").is_err());
        assert_eq!(ConsentState::NotGiven.as_str(), "not_given");
    }

    #[test]
    fn nothing_is_given_while_no_agreement_is_in_effect() {
        let basis = ConsentBasis {
            agreement: None,
            research_given_at: Some(at(5)),
            withdrawals: &[],
        };
        let got = states(&basis, "p1");
        assert_eq!(got.len(), 11);
        assert!(got[..10].iter().all(|(_, s)| *s == ConsentState::NotGiven));
        assert_eq!(got[10], ("research".to_owned(), ConsentState::Given));
    }

    #[test]
    fn withdrawal_takes_effect_at_once_and_only_a_new_signature_gives_again() {
        let s = complete_sections();
        let hug = ConsentItem::TouchFromPartner(TouchKind::Hug);
        let withdrawals = [ConsentWithdrawal {
            item: hug,
            at: at(50),
        }];

        // Signed at 10, withdrawn at 50: withdrawn since 50; other items untouched.
        let basis = ConsentBasis {
            agreement: Some((&s, at(10))),
            research_given_at: None,
            withdrawals: &withdrawals,
        };
        let entries = consent_states(&basis, "p1");
        assert_eq!(
            state_of(&entries, "touch.hug.from_partner"),
            (ConsentState::Withdrawn, Some(at(50)))
        );
        assert_eq!(
            state_of(&entries, "touch.hand.from_partner"),
            (ConsentState::Given, Some(at(10)))
        );
        assert_eq!(
            state_of(&entries, "research"),
            (ConsentState::NotGiven, None)
        );

        // A newly signed version (signed at 60) that still includes the hug gives it again.
        let resigned = ConsentBasis {
            agreement: Some((&s, at(60))),
            ..basis
        };
        assert_eq!(
            state_of(&consent_states(&resigned, "p1"), "touch.hug.from_partner"),
            (ConsentState::Given, Some(at(60)))
        );

        // A withdrawal at the very moment of signing still counts.
        let same_moment = ConsentBasis {
            agreement: Some((&s, at(50))),
            ..basis
        };
        assert_eq!(
            state_of(
                &consent_states(&same_moment, "p1"),
                "touch.hug.from_partner"
            )
            .0,
            ConsentState::Withdrawn
        );

        // The earliest withdrawal after the signature is the one reported.
        let twice = [
            ConsentWithdrawal {
                item: hug,
                at: at(70),
            },
            ConsentWithdrawal {
                item: hug,
                at: at(5),
            },
            ConsentWithdrawal {
                item: hug,
                at: at(30),
            },
        ];
        let basis = ConsentBasis {
            agreement: Some((&s, at(10))),
            research_given_at: None,
            withdrawals: &twice,
        };
        assert_eq!(
            state_of(&consent_states(&basis, "p1"), "touch.hug.from_partner"),
            (ConsentState::Withdrawn, Some(at(30)))
        );
    }

    #[test]
    fn research_consent_is_withdrawn_and_given_again_by_a_new_consent() {
        let withdrawals = [ConsentWithdrawal {
            item: ConsentItem::Research,
            at: at(20),
        }];
        let basis = |given| ConsentBasis {
            agreement: None,
            research_given_at: Some(at(given)),
            withdrawals: &withdrawals,
        };
        assert_eq!(
            state_of(&consent_states(&basis(1), "p1"), "research"),
            (ConsentState::Withdrawn, Some(at(20)))
        );
        assert_eq!(
            state_of(&consent_states(&basis(30), "p1"), "research"),
            (ConsentState::Given, Some(at(30)))
        );
    }

    #[test]
    fn withdrawing_checks_the_current_state() {
        let s = complete_sections();
        let withdrawals = [ConsentWithdrawal {
            item: ConsentItem::Sharing,
            at: at(20),
        }];
        let basis = ConsentBasis {
            agreement: Some((&s, at(10))),
            research_given_at: None,
            withdrawals: &withdrawals,
        };
        let entries = consent_states(&basis, "p1");
        let hug = ConsentItem::TouchFromPartner(TouchKind::Hug);
        assert_eq!(check_withdraw(&entries, hug), Ok(()));
        assert_eq!(
            check_withdraw(&entries, ConsentItem::Sharing),
            Err(ConsentError::AlreadyWithdrawn(ConsentItem::Sharing))
        );
        let err = check_withdraw(&entries, ConsentItem::Research).unwrap_err();
        assert_eq!(err.code(), "consent_not_given");
        assert_eq!(
            err.to_string(),
            "consent for research is not given, so it cannot be withdrawn"
        );
        assert_eq!(
            check_withdraw(&entries, ConsentItem::TouchFromFacilitator(TouchKind::Hug)),
            Err(ConsentError::NotGiven(ConsentItem::TouchFromFacilitator(
                TouchKind::Hug
            )))
        );
    }
}
