//! The duo care pathway: phases and their transitions, the readiness gates a session booking
//! must pass, the duo agreement and the consents derived from it.
//!
//! Everything here is pure. The store gathers plain facts (who submitted an intake, which
//! signatures exist, which meetings were held, what the clock says) and passes them in; the
//! functions answer with the next phase, a list of gates, or the reasons for a refusal.
//!
//! - [`phase`]: [`Phase`], [`DecisionFormat`], [`Transition`], [`apply`] and [`GuardError`].
//! - [`gates`]: [`readiness`] over [`ReadinessFacts`], giving a [`ReadinessReport`].
//! - [`agreement`]: [`AgreementSections`], validation, completeness, content hash, diff and
//!   the signing rules ([`in_effect`]).
//! - [`consent`]: consent items derived from the agreement in effect, and withdrawal.

pub mod agreement;
pub mod consent;
pub mod gates;
pub mod phase;

#[cfg(test)]
mod test_support;

pub use agreement::{
    AgreementSections, Change, DiffLine, FieldError, MissingSignature, SignError, Signature,
    Signer, TouchConsent, TouchKind, check_sign, diff, in_effect, missing_signatures,
    parse_sections,
};
pub use consent::{
    ConsentBasis, ConsentEntry, ConsentError, ConsentItem, ConsentState, ConsentWithdrawal,
    check_withdraw, consent_items, consent_states,
};
pub use gates::{
    AgreementFacts, Audience, ChecklistItem, Gate, GateCode, ReadinessFacts, ReadinessReport, Todo,
    WashoutFact, readiness,
};
pub use phase::{
    DecisionFormat, GuardError, PathwayFacts, Phase, PreparationTrack, TEAM_STEPS, Transition,
    apply, offered_steps, team_step,
};

/// A string that names none of the values of an enumeration (a phase, a format, a consent
/// item, ...). `kind` says which enumeration was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {value:?}")]
pub struct ParseError {
    pub kind: &'static str,
    pub value: String,
}

impl ParseError {
    pub(crate) fn new(kind: &'static str, value: &str) -> Self {
        Self {
            kind,
            value: value.to_owned(),
        }
    }
}
