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
