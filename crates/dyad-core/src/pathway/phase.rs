//! The pathway state machine: phases, the formats a screening can decide, transitions and
//! their guards.
//!
//! ```text
//! invited ─▶ intake ─▶ screening ─▶ preparation ─▶ scheduled ─▶ session ─▶ integration ─▶ aftercare ─▶ closed
//!    │                     │  ▲          │  ▲  ▲         │                      │   │
//!    │                     │  └ rescreen ┘  │  └ cancel ─┘                      │   └ next session ─▶ preparation
//!    ├ declined / expired  └ not_eligible ─▶ declined
//!    └─ any non-terminal phase ─▶ withdrawn (a participant);  pausable phases ⇄ paused (the team)
//! ```
//!
//! Terminal phases (`closed`, `withdrawn`, `declined`) accept no transition at all.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ParseError;
use super::gates::{Audience, Gate, GateCode, ReadinessFacts, readiness};

/// Where a duo stands on its pathway. Serialised in snake_case, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Invited,
    Intake,
    Screening,
    Preparation,
    Scheduled,
    Session,
    Integration,
    Aftercare,
    Closed,
    Withdrawn,
    Declined,
    Paused,
}

impl Phase {
    pub const ALL: [Phase; 12] = [
        Phase::Invited,
        Phase::Intake,
        Phase::Screening,
        Phase::Preparation,
        Phase::Scheduled,
        Phase::Session,
        Phase::Integration,
        Phase::Aftercare,
        Phase::Closed,
        Phase::Withdrawn,
        Phase::Declined,
        Phase::Paused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Invited => "invited",
            Phase::Intake => "intake",
            Phase::Screening => "screening",
            Phase::Preparation => "preparation",
            Phase::Scheduled => "scheduled",
            Phase::Session => "session",
            Phase::Integration => "integration",
            Phase::Aftercare => "aftercare",
            Phase::Closed => "closed",
            Phase::Withdrawn => "withdrawn",
            Phase::Declined => "declined",
            Phase::Paused => "paused",
        }
    }

    /// `closed`, `withdrawn` and `declined`: nothing leaves them.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Closed | Phase::Withdrawn | Phase::Declined)
    }

    /// The phases the team may pause (and that a resume may return to). Not `invited` (nothing
    /// has started), not `session` (a live session is ended or withdrawn from, never paused).
    pub fn is_pausable(self) -> bool {
        matches!(
            self,
            Phase::Intake
                | Phase::Screening
                | Phase::Preparation
                | Phase::Scheduled
                | Phase::Integration
                | Phase::Aftercare
        )
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Phase {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phase::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| ParseError::new("phase", s))
    }
}

/// The format a clinician's signed screening decision names. The screening module has its own
/// richer `Format`; this is the pathway's view of the same five values, so the two modules do
/// not depend on each other (convert through [`DecisionFormat::from_str`] / `as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionFormat {
    Duo,
    DuoTwoFacilitators,
    IndividualThenDuo,
    IndividualOnly,
    NotEligible,
}

impl DecisionFormat {
    pub const ALL: [DecisionFormat; 5] = [
        DecisionFormat::Duo,
        DecisionFormat::DuoTwoFacilitators,
        DecisionFormat::IndividualThenDuo,
        DecisionFormat::IndividualOnly,
        DecisionFormat::NotEligible,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionFormat::Duo => "duo",
            DecisionFormat::DuoTwoFacilitators => "duo_two_facilitators",
            DecisionFormat::IndividualThenDuo => "individual_then_duo",
            DecisionFormat::IndividualOnly => "individual_only",
            DecisionFormat::NotEligible => "not_eligible",
        }
    }

    /// Whether a joint (duo) session may eventually take place under this format.
    pub fn allows_duo(self) -> bool {
        matches!(
            self,
            DecisionFormat::Duo
                | DecisionFormat::DuoTwoFacilitators
                | DecisionFormat::IndividualThenDuo
        )
    }

    /// How preparation runs under this format; `None` for `not_eligible` (the duo ends).
    pub fn track(self) -> Option<PreparationTrack> {
        match self {
            DecisionFormat::Duo | DecisionFormat::DuoTwoFacilitators => {
                Some(PreparationTrack::Joint)
            }
            DecisionFormat::IndividualThenDuo => Some(PreparationTrack::IndividualThenJoint),
            DecisionFormat::IndividualOnly => Some(PreparationTrack::IndividualOnly),
            DecisionFormat::NotEligible => None,
        }
    }

    /// The fewest facilitators the session team needs under this format.
    pub fn min_facilitators(self) -> u8 {
        match self {
            DecisionFormat::DuoTwoFacilitators => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for DecisionFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DecisionFormat {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DecisionFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| ParseError::new("format", s))
    }
}

/// How the duo prepares after an eligible screening decision. The duo stays one pathway in
/// every case; individual tracks are meetings with one participant each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreparationTrack {
    /// `duo`, `duo_two_facilitators`: joint preparation, a joint session.
    Joint,
    /// `individual_then_duo`: each completes an individual track first, then joint preparation.
    IndividualThenJoint,
    /// `individual_only`: individual tracks and individual sessions, no joint session.
    IndividualOnly,
}

impl PreparationTrack {
    pub fn needs_joint_prep(self) -> bool {
        matches!(
            self,
            PreparationTrack::Joint | PreparationTrack::IndividualThenJoint
        )
    }

    pub fn needs_individual_track(self) -> bool {
        matches!(
            self,
            PreparationTrack::IndividualThenJoint | PreparationTrack::IndividualOnly
        )
    }
}

/// A step on the pathway. Serialised with a `kind` tag for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transition {
    /// The invited partner accepted the invitation: `invited → intake`.
    PartnerJoined,
    /// The invited partner declined: `invited → declined`.
    InvitationDeclined,
    /// The invitation lapsed and the duo is given up: `invited → closed`. Guarded by the clock.
    /// (Re-sending an invitation is not a transition; the duo stays `invited`.)
    InvitationExpired,
    /// Both intakes are submitted: `intake → screening`.
    IntakesSubmitted,
    /// The clinician signed a decision: `screening → preparation`, or `→ declined` for
    /// `not_eligible`. The format must be the one of the signed decision in the facts.
    ScreeningDecided { format: DecisionFormat },
    /// New clinical information (a new medication, a new condition) sends the duo back to
    /// screening: `preparation | scheduled → screening`. The store cancels any booked session
    /// and retires the previous decision.
    Rescreen,
    /// A session is booked: `preparation → scheduled`, only when every readiness gate holds.
    SessionBooked,
    /// The booked session is cancelled: `scheduled → preparation`.
    SessionCancelled,
    /// The session day begins: `scheduled → session`; the readiness gates are checked again.
    SessionStarted,
    /// The session ended and every participant was discharged: `session → integration`.
    SessionClosed,
    /// Another session is planned after integration: `integration → preparation`.
    NextSession,
    /// Integration is complete: `integration → aftercare`.
    IntegrationDone,
    /// The pathway is complete (`aftercare → closed`) or a paused duo is closed for good
    /// (`paused → closed`).
    Close,
    /// A participant withdraws, privately: any non-terminal phase `→ withdrawn`.
    Withdraw { by: String },
    /// The team pauses the pathway: a pausable phase `→ paused`. The store records the phase
    /// it paused from and passes it back as [`PathwayFacts::paused_from`].
    Pause,
    /// `paused →` the phase it was paused from; a duo paused while `scheduled` resumes in
    /// `preparation`, because its booking must be made again through the gates.
    Resume,
}

impl Transition {
    /// A stable snake_case name, for the audit trail and error details.
    pub fn name(&self) -> &'static str {
        match self {
            Transition::PartnerJoined => "partner_joined",
            Transition::InvitationDeclined => "invitation_declined",
            Transition::InvitationExpired => "invitation_expired",
            Transition::IntakesSubmitted => "intakes_submitted",
            Transition::ScreeningDecided { .. } => "screening_decided",
            Transition::Rescreen => "rescreen",
            Transition::SessionBooked => "session_booked",
            Transition::SessionCancelled => "session_cancelled",
            Transition::SessionStarted => "session_started",
            Transition::SessionClosed => "session_closed",
            Transition::NextSession => "next_session",
            Transition::IntegrationDone => "integration_done",
            Transition::Close => "close",
            Transition::Withdraw { .. } => "withdraw",
            Transition::Pause => "pause",
            Transition::Resume => "resume",
        }
    }
}

/// Everything the guards need, gathered by the store before it asks for a transition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathwayFacts {
    /// The facts the readiness gates read (participants, intakes, decision, agreement,
    /// meetings, washouts, checklist).
    pub readiness: ReadinessFacts,
    /// The phase the duo was paused from, when it is paused.
    pub paused_from: Option<Phase>,
    /// When the pending invitation expires.
    pub invitation_expires_at: Option<Timestamp>,
    /// The current time, as the caller's clock tells it.
    pub now: Option<Timestamp>,
    /// Participants whose discharge from the current session is recorded.
    pub discharged: Vec<String>,
    /// Integration meetings held since the last session.
    pub integration_meetings_held: u32,
}

/// A refused transition: the phase it was asked in, the transition, and every gate that is
/// missing (code + plain-English message), so the API can answer 409 naming them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.detail())]
pub struct GuardError {
    pub phase: Phase,
    pub transition: &'static str,
    pub missing: Vec<Gate>,
}

impl GuardError {
    fn new(phase: Phase, t: &Transition, missing: Vec<Gate>) -> Self {
        Self {
            phase,
            transition: t.name(),
            missing,
        }
    }

    fn one(phase: Phase, t: &Transition, code: GateCode, message: String) -> Self {
        Self::new(phase, t, vec![Gate::unmet(code, message, Audience::Team)])
    }

    /// The stable codes of the missing gates, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.missing.iter().map(|g| g.code.as_str()).collect()
    }

    /// One sentence for a problem-details `detail`: the refused step and each missing gate.
    /// Messages may name participant ids: show them to the team, not to a partner.
    pub fn detail(&self) -> String {
        let reasons: Vec<&str> = self.missing.iter().map(|g| g.message.as_str()).collect();
        format!(
            "{} refused in phase {}: {}",
            self.transition,
            self.phase,
            reasons.join(" ")
        )
    }
}

/// Applies one transition to the current phase, checking its guards against `facts`.
/// On refusal every missing gate is listed, not just the first.
pub fn apply(current: Phase, t: &Transition, facts: &PathwayFacts) -> Result<Phase, GuardError> {
    use Phase as P;
    use Transition as T;

    if current.is_terminal() {
        return Err(GuardError::one(
            current,
            t,
            GateCode::PhaseTerminal,
            format!("The pathway is {current}, a final phase; no further step is possible."),
        ));
    }

    match (current, t) {
        (P::Invited, T::PartnerJoined) => Ok(P::Intake),
        (P::Invited, T::InvitationDeclined) => Ok(P::Declined),
        (P::Invited, T::InvitationExpired) => match (facts.invitation_expires_at, facts.now) {
            (Some(expires), Some(now)) if now >= expires => Ok(P::Closed),
            _ => Err(GuardError::one(
                current,
                t,
                GateCode::InvitationNotExpired,
                "The invitation has not expired yet.".to_owned(),
            )),
        },
        (P::Intake, T::IntakesSubmitted) => {
            let missing: Vec<Gate> = readiness(&facts.readiness)
                .gates
                .into_iter()
                .filter(|g| {
                    !g.met
                        && matches!(
                            g.code,
                            GateCode::TwoParticipants | GateCode::IntakeSubmitted
                        )
                })
                .collect();
            guarded(current, t, missing, P::Screening)
        }
        (P::Screening, T::ScreeningDecided { format }) => {
            if facts.readiness.decision != Some(*format) {
                return Err(GuardError::one(
                    current,
                    t,
                    GateCode::DecisionNotRecorded,
                    format!("No signed screening decision for the format {format} is recorded."),
                ));
            }
            Ok(if format.track().is_some() {
                P::Preparation
            } else {
                P::Declined
            })
        }
        (P::Preparation | P::Scheduled, T::Rescreen) => Ok(P::Screening),
        (P::Preparation, T::SessionBooked) => all_gates(current, t, facts, P::Scheduled),
        (P::Scheduled, T::SessionCancelled) => Ok(P::Preparation),
        (P::Scheduled, T::SessionStarted) => all_gates(current, t, facts, P::Session),
        (P::Session, T::SessionClosed) => {
            let missing = facts
                .readiness
                .distinct_participants()
                .into_iter()
                .filter(|p| !facts.discharged.iter().any(|d| d == p))
                .map(|p| {
                    Gate::unmet(
                        GateCode::DischargeRecorded,
                        format!("No discharge is recorded for participant {p}."),
                        Audience::Team,
                    )
                })
                .collect();
            guarded(current, t, missing, P::Integration)
        }
        (P::Integration, T::NextSession) => Ok(P::Preparation),
        (P::Integration, T::IntegrationDone) => {
            let missing = if facts.integration_meetings_held == 0 {
                vec![Gate::unmet(
                    GateCode::IntegrationMeetingHeld,
                    "No integration meeting has been held yet.".to_owned(),
                    Audience::Both,
                )]
            } else {
                Vec::new()
            };
            guarded(current, t, missing, P::Aftercare)
        }
        (P::Aftercare | P::Paused, T::Close) => Ok(P::Closed),
        (_, T::Withdraw { by }) => {
            if facts.readiness.participants.iter().any(|p| p == by) {
                Ok(P::Withdrawn)
            } else {
                Err(GuardError::one(
                    current,
                    t,
                    GateCode::NotAParticipant,
                    "Only a participant of this duo can withdraw it.".to_owned(),
                ))
            }
        }
        (from, T::Pause) if from.is_pausable() => Ok(P::Paused),
        (P::Paused, T::Resume) => match facts.paused_from {
            Some(P::Scheduled) => Ok(P::Preparation),
            Some(back) if back.is_pausable() => Ok(back),
            _ => Err(GuardError::one(
                current,
                t,
                GateCode::PreviousPhaseUnknown,
                "The phase the pathway was paused from is not known.".to_owned(),
            )),
        },
        _ => Err(GuardError::one(
            current,
            t,
            GateCode::TransitionNotAllowed,
            format!(
                "The step {} is not possible while the pathway is {current}.",
                t.name()
            ),
        )),
    }
}

/// The steps the care team takes by hand. Every other transition follows from something
/// that happens (an invitation answered, intakes submitted, a decision signed, a booking,
/// the session day, a cancelled booking, a withdrawal).
pub const TEAM_STEPS: [Transition; 5] = [
    Transition::IntegrationDone,
    Transition::NextSession,
    Transition::Close,
    Transition::Pause,
    Transition::Resume,
];

/// The team step named `name` (`integration_done`, `next_session`, `close`, `pause`,
/// `resume`), if it is one.
pub fn team_step(name: &str) -> Option<Transition> {
    TEAM_STEPS.into_iter().find(|t| t.name() == name)
}

/// The team steps the current phase allows at all, each with what it gives under `facts`:
/// the next phase, or the gates still unmet (a step the phase allows but a guard holds back
/// is listed, so the team can see what it waits for). Steps the phase never allows are left
/// out.
pub fn offered_steps(
    current: Phase,
    facts: &PathwayFacts,
) -> Vec<(Transition, Result<Phase, GuardError>)> {
    TEAM_STEPS
        .into_iter()
        .filter_map(|t| {
            let outcome = apply(current, &t, facts);
            let impossible = outcome.as_ref().is_err_and(|e| {
                e.missing.iter().any(|g| {
                    matches!(
                        g.code,
                        GateCode::TransitionNotAllowed | GateCode::PhaseTerminal
                    )
                })
            });
            (!impossible).then_some((t, outcome))
        })
        .collect()
}

fn guarded(
    current: Phase,
    t: &Transition,
    missing: Vec<Gate>,
    next: Phase,
) -> Result<Phase, GuardError> {
    if missing.is_empty() {
        Ok(next)
    } else {
        Err(GuardError::new(current, t, missing))
    }
}

fn all_gates(
    current: Phase,
    t: &Transition,
    facts: &PathwayFacts,
    next: Phase,
) -> Result<Phase, GuardError> {
    let missing = readiness(&facts.readiness)
        .gates
        .into_iter()
        .filter(|g| !g.met)
        .collect();
    guarded(current, t, missing, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pathway::gates::{AgreementFacts, ChecklistItem, WashoutFact};
    use crate::pathway::test_support::{
        at, facilitator, participant, pids, ready_facts, signature,
    };
    use Phase as P;
    use Transition as T;
    use proptest::prelude::*;

    /// Facts under which every guard of every transition holds.
    fn good_facts() -> PathwayFacts {
        PathwayFacts {
            readiness: ready_facts(),
            paused_from: Some(P::Preparation),
            invitation_expires_at: Some(at(0)),
            now: Some(at(1)),
            discharged: pids(),
            integration_meetings_held: 1,
        }
    }

    fn every_transition() -> Vec<Transition> {
        vec![
            T::PartnerJoined,
            T::InvitationDeclined,
            T::InvitationExpired,
            T::IntakesSubmitted,
            T::ScreeningDecided {
                format: DecisionFormat::Duo,
            },
            T::Rescreen,
            T::SessionBooked,
            T::SessionCancelled,
            T::SessionStarted,
            T::SessionClosed,
            T::NextSession,
            T::IntegrationDone,
            T::Close,
            T::Withdraw {
                by: "p1".to_owned(),
            },
            T::Pause,
            T::Resume,
        ]
    }

    /// The allowed steps, written out independently of `apply` (with `good_facts`).
    fn allowed(from: Phase, t: &Transition) -> Option<Phase> {
        let table: &[(Phase, &str, Phase)] = &[
            (P::Invited, "partner_joined", P::Intake),
            (P::Invited, "invitation_declined", P::Declined),
            (P::Invited, "invitation_expired", P::Closed),
            (P::Intake, "intakes_submitted", P::Screening),
            (P::Screening, "screening_decided", P::Preparation),
            (P::Preparation, "rescreen", P::Screening),
            (P::Scheduled, "rescreen", P::Screening),
            (P::Preparation, "session_booked", P::Scheduled),
            (P::Scheduled, "session_cancelled", P::Preparation),
            (P::Scheduled, "session_started", P::Session),
            (P::Session, "session_closed", P::Integration),
            (P::Integration, "next_session", P::Preparation),
            (P::Integration, "integration_done", P::Aftercare),
            (P::Aftercare, "close", P::Closed),
            (P::Paused, "close", P::Closed),
            (P::Intake, "pause", P::Paused),
            (P::Screening, "pause", P::Paused),
            (P::Preparation, "pause", P::Paused),
            (P::Scheduled, "pause", P::Paused),
            (P::Integration, "pause", P::Paused),
            (P::Aftercare, "pause", P::Paused),
            (P::Paused, "resume", P::Preparation),
        ];
        if t.name() == "withdraw" && !from.is_terminal() {
            return Some(P::Withdrawn);
        }
        table
            .iter()
            .find(|(f, name, _)| *f == from && *name == t.name())
            .map(|(_, _, to)| *to)
    }

    #[test]
    fn every_phase_and_transition_is_allowed_or_refused_as_the_table_says() {
        let facts = good_facts();
        let mut allowed_count = 0;
        for from in Phase::ALL {
            for t in every_transition() {
                let got = apply(from, &t, &facts);
                match allowed(from, &t) {
                    Some(to) => {
                        allowed_count += 1;
                        assert_eq!(got, Ok(to), "{from} --{}-->", t.name());
                    }
                    None => {
                        let err = got.expect_err("refused");
                        let code = if from.is_terminal() {
                            "phase_terminal"
                        } else {
                            "transition_not_allowed"
                        };
                        assert_eq!(err.codes(), vec![code], "{from} --{}-->", t.name());
                    }
                }
            }
        }
        // 22 table rows + withdraw from 9 non-terminal phases.
        assert_eq!(allowed_count, 31);
    }

    #[test]
    fn screening_decisions_lead_to_preparation_or_declined() {
        let cases = [
            (DecisionFormat::Duo, P::Preparation),
            (DecisionFormat::DuoTwoFacilitators, P::Preparation),
            (DecisionFormat::IndividualThenDuo, P::Preparation),
            (DecisionFormat::IndividualOnly, P::Preparation),
            (DecisionFormat::NotEligible, P::Declined),
        ];
        for (format, to) in cases {
            let mut facts = good_facts();
            facts.readiness.decision = Some(format);
            let t = T::ScreeningDecided { format };
            assert_eq!(apply(P::Screening, &t, &facts), Ok(to), "{format}");
        }
    }

    #[test]
    fn resume_returns_to_the_phase_paused_from_except_scheduled() {
        let cases = [
            (P::Intake, P::Intake),
            (P::Screening, P::Screening),
            (P::Preparation, P::Preparation),
            (P::Scheduled, P::Preparation),
            (P::Integration, P::Integration),
            (P::Aftercare, P::Aftercare),
        ];
        for (from, to) in cases {
            let facts = PathwayFacts {
                paused_from: Some(from),
                ..good_facts()
            };
            assert_eq!(apply(P::Paused, &T::Resume, &facts), Ok(to), "{from}");
        }
    }

    /// (phase, transition, facts, expected codes, expected detail fragment)
    type Refusal = (
        Phase,
        Transition,
        PathwayFacts,
        Vec<&'static str>,
        &'static str,
    );

    fn refusals() -> Vec<Refusal> {
        let good = good_facts();
        let with = |f: &dyn Fn(&mut PathwayFacts)| {
            let mut facts = good_facts();
            f(&mut facts);
            facts
        };
        vec![
            (
                P::Invited,
                T::InvitationExpired,
                with(&|f| f.now = Some(at(-1))),
                vec!["invitation_not_expired"],
                "The invitation has not expired yet.",
            ),
            (
                P::Invited,
                T::InvitationExpired,
                with(&|f| f.invitation_expires_at = None),
                vec!["invitation_not_expired"],
                "not expired",
            ),
            (
                P::Intake,
                T::IntakesSubmitted,
                with(&|f| f.readiness.intakes_submitted = vec!["p1".to_owned()]),
                vec!["intake_submitted"],
                "The intake of participant p2 is not submitted yet.",
            ),
            (
                P::Intake,
                T::IntakesSubmitted,
                with(&|f| {
                    f.readiness.participants = vec!["p1".to_owned()];
                    f.readiness.intakes_submitted = Vec::new();
                }),
                vec!["two_participants", "intake_submitted"],
                "The duo needs two participants; 1 joined.",
            ),
            (
                P::Screening,
                T::ScreeningDecided {
                    format: DecisionFormat::Duo,
                },
                with(&|f| f.readiness.decision = None),
                vec!["decision_not_recorded"],
                "No signed screening decision for the format duo is recorded.",
            ),
            (
                P::Screening,
                T::ScreeningDecided {
                    format: DecisionFormat::Duo,
                },
                with(&|f| f.readiness.decision = Some(DecisionFormat::IndividualOnly)),
                vec!["decision_not_recorded"],
                "format duo",
            ),
            (
                P::Preparation,
                T::SessionBooked,
                with(&|f| f.readiness.joint_prep_meetings_held = 0),
                vec!["joint_prep_meeting_held"],
                "session_booked refused in phase preparation: No joint preparation meeting has been held yet.",
            ),
            (
                P::Preparation,
                T::SessionBooked,
                with(&|f| f.readiness.agreement.signatures.truncate(1)),
                vec!["agreement_signed", "agreement_countersigned"],
                "Participant p2 has not signed the current agreement version. No facilitator has countersigned",
            ),
            (
                P::Scheduled,
                T::SessionStarted,
                with(&|f| {
                    if let Some(item) = f.readiness.checklist.get_mut(1) {
                        item.done = false;
                    }
                }),
                vec!["checklist_item"],
                "Pre-session checklist item ride_home for participant p2 is not done.",
            ),
            (
                P::Scheduled,
                T::SessionStarted,
                with(&|f| f.readiness.washouts[0].confirmed_by_clinician = false),
                vec!["washout_confirmed"],
                "The clinician has not confirmed the medication washout for participant p2.",
            ),
            (
                P::Session,
                T::SessionClosed,
                with(&|f| f.discharged = vec!["p2".to_owned()]),
                vec!["discharge_recorded"],
                "No discharge is recorded for participant p1.",
            ),
            (
                P::Integration,
                T::IntegrationDone,
                with(&|f| f.integration_meetings_held = 0),
                vec!["integration_meeting_held"],
                "No integration meeting has been held yet.",
            ),
            (
                P::Preparation,
                T::Withdraw {
                    by: "stranger".to_owned(),
                },
                good.clone(),
                vec!["not_a_participant"],
                "Only a participant of this duo can withdraw it.",
            ),
            (
                P::Paused,
                T::Resume,
                with(&|f| f.paused_from = None),
                vec!["previous_phase_unknown"],
                "paused from is not known",
            ),
            (
                P::Paused,
                T::Resume,
                with(&|f| f.paused_from = Some(P::Session)),
                vec!["previous_phase_unknown"],
                "not known",
            ),
            (
                P::Withdrawn,
                T::Resume,
                good.clone(),
                vec!["phase_terminal"],
                "The pathway is withdrawn, a final phase; no further step is possible.",
            ),
            (
                P::Preparation,
                T::SessionStarted,
                good,
                vec!["transition_not_allowed"],
                "The step session_started is not possible while the pathway is preparation.",
            ),
        ]
    }

    #[test]
    fn refused_guards_name_every_missing_gate() {
        for (from, t, facts, codes, fragment) in refusals() {
            let err = apply(from, &t, &facts).expect_err("refused");
            assert_eq!(err.codes(), codes, "{from} --{}-->", t.name());
            assert!(
                err.detail().contains(fragment),
                "{from} --{}-->: {:?} lacks {fragment:?}",
                t.name(),
                err.detail()
            );
            assert_eq!(err.to_string(), err.detail());
        }
    }

    #[test]
    fn booking_with_nothing_in_place_lists_every_gate() {
        let facts = PathwayFacts {
            readiness: ReadinessFacts {
                participants: pids(),
                checklist: vec![ChecklistItem {
                    id: "pregnancy_test".to_owned(),
                    participant_id: Some("p2".to_owned()),
                    done: false,
                }],
                washouts: vec![WashoutFact {
                    participant_id: "p1".to_owned(),
                    confirmed_by_clinician: false,
                }],
                ..ReadinessFacts::default()
            },
            ..PathwayFacts::default()
        };
        let err = apply(P::Preparation, &T::SessionBooked, &facts).expect_err("refused");
        assert_eq!(
            err.codes(),
            vec![
                "intake_submitted",
                "intake_submitted",
                "screening_approved",
                "agreement_signed",
                "agreement_signed",
                "agreement_countersigned",
                "joint_prep_meeting_held",
                "washout_confirmed",
                "checklist_item",
            ]
        );
        assert_eq!(err.phase, P::Preparation);
        assert_eq!(err.transition, "session_booked");
    }

    #[test]
    fn a_stale_signature_blocks_booking() {
        let mut facts = good_facts();
        let old = "0".repeat(64);
        facts.readiness.agreement = AgreementFacts {
            current_version_hash: facts.readiness.agreement.current_version_hash.clone(),
            signatures: vec![
                signature(&old, participant("p1"), 1),
                signature(
                    facts
                        .readiness
                        .agreement
                        .current_version_hash
                        .as_deref()
                        .unwrap(),
                    participant("p2"),
                    2,
                ),
                signature(
                    facts
                        .readiness
                        .agreement
                        .current_version_hash
                        .as_deref()
                        .unwrap(),
                    facilitator("f1"),
                    3,
                ),
            ],
        };
        let err = apply(P::Preparation, &T::SessionBooked, &facts).expect_err("refused");
        assert_eq!(err.codes(), vec!["agreement_signed"]);
        assert!(err.detail().contains("Participant p1 has not signed"));
    }

    #[test]
    fn happy_path_from_invitation_to_closed() {
        let facts = good_facts();
        let steps = [
            (T::PartnerJoined, P::Intake),
            (T::IntakesSubmitted, P::Screening),
            (
                T::ScreeningDecided {
                    format: DecisionFormat::Duo,
                },
                P::Preparation,
            ),
            (T::SessionBooked, P::Scheduled),
            (T::SessionStarted, P::Session),
            (T::SessionClosed, P::Integration),
            (T::IntegrationDone, P::Aftercare),
            (T::Close, P::Closed),
        ];
        let mut phase = P::Invited;
        for (t, to) in steps {
            phase = apply(phase, &t, &facts).unwrap();
            assert_eq!(phase, to);
        }
    }

    #[test]
    fn the_team_is_offered_exactly_the_steps_the_phase_allows() {
        let names = |phase: Phase,
                     facts: &PathwayFacts|
         -> Vec<(&'static str, Result<Phase, Vec<&'static str>>)> {
            offered_steps(phase, facts)
                .into_iter()
                .map(|(t, outcome)| (t.name(), outcome.map_err(|e| e.codes())))
                .collect()
        };
        let mut facts = good_facts();
        facts.integration_meetings_held = 0;
        assert_eq!(
            names(P::Integration, &facts),
            vec![
                ("integration_done", Err(vec!["integration_meeting_held"])),
                ("next_session", Ok(P::Preparation)),
                ("pause", Ok(P::Paused)),
            ]
        );
        facts.integration_meetings_held = 1;
        assert_eq!(
            names(P::Integration, &facts)[0],
            ("integration_done", Ok(P::Aftercare))
        );
        assert_eq!(
            names(P::Aftercare, &facts),
            vec![("close", Ok(P::Closed)), ("pause", Ok(P::Paused))]
        );
        facts.paused_from = Some(P::Scheduled);
        assert_eq!(
            names(P::Paused, &facts),
            vec![("close", Ok(P::Closed)), ("resume", Ok(P::Preparation))]
        );
        facts.paused_from = None;
        assert_eq!(
            names(P::Paused, &facts)[1],
            ("resume", Err(vec!["previous_phase_unknown"]))
        );
        assert_eq!(names(P::Session, &facts), vec![]);
        assert_eq!(
            names(P::Preparation, &facts),
            vec![("pause", Ok(P::Paused))]
        );
        for terminal in [P::Closed, P::Withdrawn, P::Declined] {
            assert_eq!(names(terminal, &facts), vec![], "{terminal}");
        }
        for t in TEAM_STEPS {
            assert_eq!(team_step(t.name()), Some(t.clone()));
        }
        assert_eq!(team_step("session_booked"), None);
        assert_eq!(team_step("withdraw"), None);
    }

    #[test]
    fn phase_and_format_strings_round_trip() {
        for p in Phase::ALL {
            assert_eq!(p.as_str().parse::<Phase>(), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for f in DecisionFormat::ALL {
            assert_eq!(f.as_str().parse::<DecisionFormat>(), Ok(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        assert_eq!(
            "finished".parse::<Phase>().unwrap_err().to_string(),
            "unknown phase: \"finished\""
        );
        assert!("Duo".parse::<DecisionFormat>().is_err());
    }

    #[test]
    fn formats_say_whether_a_duo_goes_ahead_and_how_it_prepares() {
        use DecisionFormat as F;
        let table = [
            (F::Duo, true, Some(PreparationTrack::Joint), 1),
            (
                F::DuoTwoFacilitators,
                true,
                Some(PreparationTrack::Joint),
                2,
            ),
            (
                F::IndividualThenDuo,
                true,
                Some(PreparationTrack::IndividualThenJoint),
                1,
            ),
            (
                F::IndividualOnly,
                false,
                Some(PreparationTrack::IndividualOnly),
                1,
            ),
            (F::NotEligible, false, None, 1),
        ];
        for (f, duo, track, facilitators) in table {
            assert_eq!(f.allows_duo(), duo, "{f}");
            assert_eq!(f.track(), track, "{f}");
            assert_eq!(f.min_facilitators(), facilitators, "{f}");
        }
    }

    #[test]
    fn transitions_serialise_with_a_kind_tag() {
        let t = T::ScreeningDecided {
            format: DecisionFormat::IndividualThenDuo,
        };
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "screening_decided", "format": "individual_then_duo"})
        );
        assert_eq!(serde_json::from_value::<Transition>(json).unwrap(), t);
        assert_eq!(
            serde_json::to_value(T::Withdraw {
                by: "p2".to_owned()
            })
            .unwrap(),
            serde_json::json!({"kind": "withdraw", "by": "p2"})
        );
    }

    // ---- property tests ----

    fn any_phase() -> impl Strategy<Value = Phase> {
        proptest::sample::select(Phase::ALL.to_vec())
    }

    fn any_format() -> impl Strategy<Value = DecisionFormat> {
        proptest::sample::select(DecisionFormat::ALL.to_vec())
    }

    fn any_transition() -> impl Strategy<Value = Transition> {
        prop_oneof![
            1 => Just(T::PartnerJoined),
            1 => Just(T::InvitationDeclined),
            1 => Just(T::InvitationExpired),
            1 => Just(T::IntakesSubmitted),
            1 => any_format().prop_map(|format| T::ScreeningDecided { format }),
            1 => Just(T::Rescreen),
            4 => Just(T::SessionBooked),
            1 => Just(T::SessionCancelled),
            1 => Just(T::SessionStarted),
            1 => Just(T::SessionClosed),
            1 => Just(T::NextSession),
            1 => Just(T::IntegrationDone),
            1 => Just(T::Close),
            1 => proptest::sample::select(vec!["p1", "p2", "stranger"])
                .prop_map(|by| T::Withdraw { by: by.to_owned() }),
            1 => Just(T::Pause),
            1 => Just(T::Resume),
        ]
    }

    fn likely() -> proptest::bool::Weighted {
        proptest::bool::weighted(0.9)
    }

    fn subset_of_pids() -> impl Strategy<Value = Vec<String>> {
        (likely(), likely()).prop_map(|(a, b)| {
            let mut out = Vec::new();
            if a {
                out.push("p1".to_owned());
            }
            if b {
                out.push("p2".to_owned());
            }
            out
        })
    }

    /// Readiness facts biased towards every gate holding, so both outcomes are common.
    fn any_readiness() -> impl Strategy<Value = ReadinessFacts> {
        let participants = prop_oneof![
            8 => Just(pids()),
            1 => Just(vec!["p1".to_owned()]),
            1 => Just(vec!["p1".to_owned(), "p1".to_owned()]),
        ];
        let decision = prop_oneof![
            8 => any_format().prop_map(Some),
            1 => Just(None),
        ];
        let hashes = || proptest::sample::select(vec!["h1", "h2"]);
        let signer = prop_oneof![
            Just(participant("p1")),
            Just(participant("p2")),
            Just(facilitator("f1")),
        ];
        let on_h1 = (likely(), likely(), likely()).prop_map(|(a, b, c)| {
            [
                (a, participant("p1")),
                (b, participant("p2")),
                (c, facilitator("f1")),
            ]
            .into_iter()
            .filter(|(keep, _)| *keep)
            .map(|(_, s)| signature("h1", s, 0))
            .collect::<Vec<_>>()
        });
        let others = proptest::collection::vec(
            (hashes(), signer).prop_map(|(h, s)| signature(h, s, 0)),
            0..3,
        );
        let signatures = (on_h1, others).prop_map(|(mut a, b)| {
            a.extend(b);
            a
        });
        let current = prop_oneof![
            8 => Just(Some("h1".to_owned())),
            1 => Just(Some("h2".to_owned())),
            1 => Just(None),
        ];
        let washouts = proptest::collection::vec(
            (proptest::sample::select(vec!["p1", "p2"]), likely()).prop_map(|(p, ok)| {
                WashoutFact {
                    participant_id: p.to_owned(),
                    confirmed_by_clinician: ok,
                }
            }),
            0..3,
        );
        let checklist = proptest::collection::vec(
            (
                proptest::sample::select(vec!["ride_home", "support_contact", "pregnancy_test"]),
                proptest::option::of(proptest::sample::select(vec!["p1", "p2"])),
                likely(),
            )
                .prop_map(|(id, p, done)| ChecklistItem {
                    id: id.to_owned(),
                    participant_id: p.map(str::to_owned),
                    done,
                }),
            0..4,
        );
        (
            participants,
            subset_of_pids(),
            decision,
            current,
            signatures,
            prop_oneof![1 => Just(0u32), 6 => Just(1u32), 1 => Just(2u32)],
            subset_of_pids(),
            washouts,
            checklist,
        )
            .prop_map(
                |(
                    participants,
                    intakes_submitted,
                    decision,
                    current_version_hash,
                    signatures,
                    joint_prep_meetings_held,
                    individual_tracks_completed,
                    washouts,
                    checklist,
                )| ReadinessFacts {
                    participants,
                    intakes_submitted,
                    decision,
                    agreement: AgreementFacts {
                        current_version_hash,
                        signatures,
                    },
                    joint_prep_meetings_held,
                    individual_tracks_completed,
                    washouts,
                    checklist,
                },
            )
    }

    fn any_facts() -> impl Strategy<Value = PathwayFacts> {
        (
            any_readiness(),
            proptest::option::of(any_phase()),
            -5i64..5,
            subset_of_pids(),
            0u32..2,
        )
            .prop_map(
                |(readiness, paused_from, now, discharged, meetings)| PathwayFacts {
                    readiness,
                    paused_from,
                    invitation_expires_at: Some(at(0)),
                    now: Some(at(now)),
                    discharged,
                    integration_meetings_held: meetings,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the start and the steps, `scheduled` (and `session`) is only ever entered
        /// when every readiness gate holds in the facts given to that step.
        #[test]
        fn scheduled_only_when_every_gate_holds(
            start in any_phase(),
            steps in proptest::collection::vec((any_transition(), any_facts()), 1..40),
        ) {
            let mut phase = start;
            for (t, facts) in &steps {
                if let Ok(next) = apply(phase, t, facts) {
                    let entered = |p: Phase| next == p && phase != p;
                    if entered(P::Scheduled) || entered(P::Session) {
                        let report = readiness(&facts.readiness);
                        prop_assert!(report.all_met(), "{phase} --{}--> {next}: {:?}", t.name(), report.unmet().collect::<Vec<_>>());
                    }
                    phase = next;
                }
            }
        }

        /// Booking succeeds exactly when the readiness report says every gate holds, and a
        /// refusal lists exactly the unmet gates.
        #[test]
        fn booking_matches_the_readiness_report(facts in any_facts()) {
            let report = readiness(&facts.readiness);
            match apply(P::Preparation, &T::SessionBooked, &facts) {
                Ok(next) => {
                    prop_assert_eq!(next, P::Scheduled);
                    prop_assert!(report.all_met());
                }
                Err(err) => {
                    let unmet: Vec<Gate> = report.unmet().cloned().collect();
                    prop_assert_eq!(err.missing, unmet);
                }
            }
        }

        #[test]
        fn terminal_phases_stay_terminal(
            phase in proptest::sample::select(vec![P::Closed, P::Withdrawn, P::Declined]),
            t in any_transition(),
            facts in any_facts(),
        ) {
            let err = apply(phase, &t, &facts);
            prop_assert!(err.is_err());
            prop_assert_eq!(err.unwrap_err().codes(), vec!["phase_terminal"]);
        }

        #[test]
        fn withdraw_is_possible_from_every_non_terminal_phase(
            phase in any_phase().prop_filter("non-terminal", |p| !p.is_terminal()),
            by in proptest::sample::select(vec!["p1", "p2"]),
            facts in any_facts(),
        ) {
            let mut facts = facts;
            if !facts.readiness.participants.iter().any(|p| p == by) {
                facts.readiness.participants.push(by.to_owned());
            }
            let t = T::Withdraw { by: by.to_owned() };
            prop_assert_eq!(apply(phase, &t, &facts), Ok(P::Withdrawn));
        }

        /// A participant's to-dos never mention their partner.
        #[test]
        fn todos_never_mention_the_partner(facts in any_readiness()) {
            let report = readiness(&facts);
            for todo in report.todos_for("p1") {
                prop_assert!(!todo.message.contains("p2"), "{:?}", todo);
            }
            prop_assert_eq!(report.all_met(), report.unmet().next().is_none());
        }
    }
}
