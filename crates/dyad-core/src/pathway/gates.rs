//! Readiness gates: what must hold before a session can be booked (and again when it starts),
//! computed from plain facts the store gathers.
//!
//! Each gate names who acts on it ([`Audience`]): the team, one participant, or both. A
//! participant is only ever shown their own open to-dos ([`ReadinessReport::todos_for`]); gates
//! about the partner never reach them.

use serde::{Deserialize, Serialize};

use super::agreement::{MissingSignature, Signature, missing_signatures};
use super::phase::{DecisionFormat, PreparationTrack};

/// Stable snake_case codes for readiness gates and transition guards. The UI may translate
/// them; the API puts them in 409 answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateCode {
    /// The duo has two distinct participants.
    TwoParticipants,
    /// A participant's intake is submitted (one gate per participant).
    IntakeSubmitted,
    /// A signed screening decision exists and it is not `not_eligible`.
    ScreeningApproved,
    /// A participant signed the current agreement version (one gate per participant).
    AgreementSigned,
    /// A facilitator countersigned the current agreement version.
    AgreementCountersigned,
    /// At least one joint preparation meeting was held.
    JointPrepMeetingHeld,
    /// A participant completed their individual track (one gate per participant).
    IndividualTrackCompleted,
    /// The clinician confirmed a medication washout a finding asked for.
    WashoutConfirmed,
    /// One item of the protocol's pre-session checklist is done.
    ChecklistItem,
    /// Transition guard: the step does not exist from the current phase.
    TransitionNotAllowed,
    /// Transition guard: the pathway is in a final phase.
    PhaseTerminal,
    /// Transition guard: the actor is not a participant of this duo.
    NotAParticipant,
    /// Transition guard: no signed decision with that format is recorded.
    DecisionNotRecorded,
    /// Transition guard: a resume without a known phase to return to.
    PreviousPhaseUnknown,
    /// Transition guard: the invitation has not expired.
    InvitationNotExpired,
    /// Transition guard: a participant's discharge from the session is not recorded.
    DischargeRecorded,
    /// Transition guard: no integration meeting was held.
    IntegrationMeetingHeld,
}

impl GateCode {
    pub fn as_str(self) -> &'static str {
        match self {
            GateCode::TwoParticipants => "two_participants",
            GateCode::IntakeSubmitted => "intake_submitted",
            GateCode::ScreeningApproved => "screening_approved",
            GateCode::AgreementSigned => "agreement_signed",
            GateCode::AgreementCountersigned => "agreement_countersigned",
            GateCode::JointPrepMeetingHeld => "joint_prep_meeting_held",
            GateCode::IndividualTrackCompleted => "individual_track_completed",
            GateCode::WashoutConfirmed => "washout_confirmed",
            GateCode::ChecklistItem => "checklist_item",
            GateCode::TransitionNotAllowed => "transition_not_allowed",
            GateCode::PhaseTerminal => "phase_terminal",
            GateCode::NotAParticipant => "not_a_participant",
            GateCode::DecisionNotRecorded => "decision_not_recorded",
            GateCode::PreviousPhaseUnknown => "previous_phase_unknown",
            GateCode::InvitationNotExpired => "invitation_not_expired",
            GateCode::DischargeRecorded => "discharge_recorded",
            GateCode::IntegrationMeetingHeld => "integration_meeting_held",
        }
    }
}

/// Who acts on a gate and may see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "participant_id", rename_all = "snake_case")]
pub enum Audience {
    /// The care team only (clinical confirmations, countersignatures, the decision).
    Team,
    /// One participant (and the team); never their partner.
    Participant(String),
    /// Both participants and the team.
    Both,
}

/// One gate: its code, whether it holds, a plain-English message for the team, who acts on it,
/// and for checklist gates the item id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    pub code: GateCode,
    pub met: bool,
    pub message: String,
    pub audience: Audience,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
}

impl Gate {
    /// A gate whose message says what holds when it is met and what is missing when not.
    fn check(code: GateCode, met: bool, ok: String, missing: String, audience: Audience) -> Self {
        Self {
            code,
            met,
            message: if met { ok } else { missing },
            audience,
            item: None,
        }
    }

    pub(crate) fn unmet(code: GateCode, message: String, audience: Audience) -> Self {
        Self {
            code,
            met: false,
            message,
            audience,
            item: None,
        }
    }

    /// The second-person text a participant sees for this gate as their own to-do.
    fn todo_text(&self) -> String {
        match self.code {
            GateCode::IntakeSubmitted => "Complete and submit your intake.".to_owned(),
            GateCode::AgreementSigned => "Read and sign the current duo agreement.".to_owned(),
            GateCode::JointPrepMeetingHeld => {
                "Attend a joint preparation meeting with your partner and facilitators.".to_owned()
            }
            GateCode::IndividualTrackCompleted => {
                "Complete your individual preparation meetings.".to_owned()
            }
            GateCode::ChecklistItem => format!(
                "Complete the pre-session checklist item: {}.",
                self.item.as_deref().unwrap_or("")
            ),
            GateCode::IntegrationMeetingHeld => "Attend an integration meeting.".to_owned(),
            _ => self.message.clone(),
        }
    }
}

/// An open to-do for one participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    pub code: GateCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub message: String,
}

/// All readiness gates, met or not, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessReport {
    pub gates: Vec<Gate>,
}

impl ReadinessReport {
    pub fn all_met(&self) -> bool {
        self.gates.iter().all(|g| g.met)
    }

    pub fn unmet(&self) -> impl Iterator<Item = &Gate> {
        self.gates.iter().filter(|g| !g.met)
    }

    /// The open to-dos of one participant: unmet gates addressed to them or to both. Gates
    /// about the partner or for the team only are left out.
    pub fn todos_for(&self, participant_id: &str) -> Vec<Todo> {
        self.unmet()
            .filter(|g| match &g.audience {
                Audience::Participant(p) => p == participant_id,
                Audience::Both => true,
                Audience::Team => false,
            })
            .map(|g| Todo {
                code: g.code,
                item: g.item.clone(),
                message: g.todo_text(),
            })
            .collect()
    }
}

/// The current agreement version and the signatures held (on any version).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementFacts {
    /// The content hash of the current version; `None` while no version exists.
    pub current_version_hash: Option<String>,
    pub signatures: Vec<Signature>,
}

/// A medication washout a screening finding asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WashoutFact {
    pub participant_id: String,
    pub confirmed_by_clinician: bool,
}

/// One item of the protocol's pre-session checklist (pregnancy test where relevant, support
/// contact, ride home, ...). `participant_id` is `None` for an item about the duo as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub id: String,
    pub participant_id: Option<String>,
    pub done: bool,
}

/// The plain facts the readiness gates are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessFacts {
    /// The participants who have joined the duo.
    pub participants: Vec<String>,
    /// Participants whose intake is submitted.
    pub intakes_submitted: Vec<String>,
    /// The format of the clinician's signed screening decision, if there is one.
    pub decision: Option<DecisionFormat>,
    pub agreement: AgreementFacts,
    /// Joint preparation meetings marked held.
    pub joint_prep_meetings_held: u32,
    /// Participants whose individual track is completed (read for `individual_then_duo` and
    /// `individual_only`).
    pub individual_tracks_completed: Vec<String>,
    /// Washouts asked for by findings (only those asked for).
    pub washouts: Vec<WashoutFact>,
    /// The protocol's pre-session checklist.
    pub checklist: Vec<ChecklistItem>,
}

impl ReadinessFacts {
    /// The participants, each once, in the order given.
    pub fn distinct_participants(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.participants {
            if !out.contains(&p.as_str()) {
                out.push(p);
            }
        }
        out
    }
}

/// Computes every readiness gate from the facts. The order is stable: participants, intakes,
/// screening, agreement, preparation, washouts, checklist.
pub fn readiness(facts: &ReadinessFacts) -> ReadinessReport {
    let mut gates = Vec::new();
    let participants = facts.distinct_participants();

    gates.push(Gate::check(
        GateCode::TwoParticipants,
        participants.len() == 2,
        "Both participants have joined.".to_owned(),
        format!(
            "The duo needs two participants; {} joined.",
            participants.len()
        ),
        Audience::Team,
    ));

    for p in &participants {
        gates.push(Gate::check(
            GateCode::IntakeSubmitted,
            facts.intakes_submitted.iter().any(|s| s == p),
            format!("The intake of participant {p} is submitted."),
            format!("The intake of participant {p} is not submitted yet."),
            Audience::Participant((*p).to_owned()),
        ));
    }

    let screening_missing = match facts.decision {
        Some(DecisionFormat::NotEligible) => {
            "The signed screening decision is not_eligible: no session can take place."
        }
        _ => "No signed screening decision yet.",
    };
    gates.push(Gate::check(
        GateCode::ScreeningApproved,
        facts.decision.is_some_and(|f| f.track().is_some()),
        format!(
            "The signed screening decision is {}.",
            facts.decision.map_or("", DecisionFormat::as_str)
        ),
        screening_missing.to_owned(),
        Audience::Team,
    ));

    agreement_gates(facts, &participants, &mut gates);

    // Without a decision the default (joint) preparation is what the duo is heading for.
    let track = facts
        .decision
        .and_then(DecisionFormat::track)
        .unwrap_or(PreparationTrack::Joint);
    if track.needs_individual_track() {
        for p in &participants {
            gates.push(Gate::check(
                GateCode::IndividualTrackCompleted,
                facts.individual_tracks_completed.iter().any(|s| s == p),
                format!("Participant {p} has completed their individual track."),
                format!("Participant {p} has not completed their individual track."),
                Audience::Participant((*p).to_owned()),
            ));
        }
    }
    if track.needs_joint_prep() {
        gates.push(Gate::check(
            GateCode::JointPrepMeetingHeld,
            facts.joint_prep_meetings_held > 0,
            "A joint preparation meeting has been held.".to_owned(),
            "No joint preparation meeting has been held yet.".to_owned(),
            Audience::Both,
        ));
    }

    for w in &facts.washouts {
        let p = &w.participant_id;
        gates.push(Gate::check(
            GateCode::WashoutConfirmed,
            w.confirmed_by_clinician,
            format!("The clinician confirmed the medication washout for participant {p}."),
            format!("The clinician has not confirmed the medication washout for participant {p}."),
            Audience::Team,
        ));
    }

    for c in &facts.checklist {
        let (audience, whose) = match &c.participant_id {
            Some(p) => (
                Audience::Participant(p.clone()),
                format!(" for participant {p}"),
            ),
            None => (Audience::Team, String::new()),
        };
        gates.push(Gate {
            item: Some(c.id.clone()),
            ..Gate::check(
                GateCode::ChecklistItem,
                c.done,
                format!("Pre-session checklist item {}{whose} is done.", c.id),
                format!("Pre-session checklist item {}{whose} is not done.", c.id),
                audience,
            )
        });
    }

    ReadinessReport { gates }
}

fn agreement_gates(facts: &ReadinessFacts, participants: &[&str], gates: &mut Vec<Gate>) {
    let Some(hash) = facts.agreement.current_version_hash.as_deref() else {
        for p in participants {
            gates.push(Gate::unmet(
                GateCode::AgreementSigned,
                format!("There is no duo agreement yet for participant {p} to sign."),
                Audience::Participant((*p).to_owned()),
            ));
        }
        gates.push(Gate::unmet(
            GateCode::AgreementCountersigned,
            "There is no duo agreement yet for a facilitator to countersign.".to_owned(),
            Audience::Team,
        ));
        return;
    };
    let owned: Vec<String> = participants.iter().map(|p| (*p).to_owned()).collect();
    let missing = missing_signatures(hash, &facts.agreement.signatures, &owned);
    for p in participants {
        let unsigned = missing
            .iter()
            .any(|m| matches!(m, MissingSignature::Participant(id) if id == p));
        gates.push(Gate::check(
            GateCode::AgreementSigned,
            !unsigned,
            format!("Participant {p} signed the current agreement version."),
            format!("Participant {p} has not signed the current agreement version."),
            Audience::Participant((*p).to_owned()),
        ));
    }
    gates.push(Gate::check(
        GateCode::AgreementCountersigned,
        !missing.contains(&MissingSignature::Facilitator),
        "A facilitator countersigned the current agreement version.".to_owned(),
        "No facilitator has countersigned the current agreement version.".to_owned(),
        Audience::Team,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pathway::test_support::{facilitator, participant, ready_facts, signature};

    fn codes(report: &ReadinessReport) -> Vec<(&'static str, bool)> {
        report
            .gates
            .iter()
            .map(|g| (g.code.as_str(), g.met))
            .collect()
    }

    fn unmet_messages(facts: &ReadinessFacts) -> Vec<String> {
        readiness(facts)
            .unmet()
            .map(|g| g.message.clone())
            .collect()
    }

    #[test]
    fn every_gate_holds_for_a_ready_duo_in_a_stable_order() {
        let report = readiness(&ready_facts());
        assert!(report.all_met());
        assert_eq!(
            codes(&report),
            vec![
                ("two_participants", true),
                ("intake_submitted", true),
                ("intake_submitted", true),
                ("screening_approved", true),
                ("agreement_signed", true),
                ("agreement_signed", true),
                ("agreement_countersigned", true),
                ("joint_prep_meeting_held", true),
                ("washout_confirmed", true),
                ("checklist_item", true),
                ("checklist_item", true),
                ("checklist_item", true),
            ]
        );
        let messages: Vec<&str> = report.gates.iter().map(|g| g.message.as_str()).collect();
        assert_eq!(messages[3], "The signed screening decision is duo.");
        assert_eq!(
            messages[6],
            "A facilitator countersigned the current agreement version."
        );
        assert_eq!(
            messages[9],
            "Pre-session checklist item ride_home for participant p1 is done."
        );
        assert!(report.todos_for("p1").is_empty());
    }

    /// (what is changed, expected unmet messages)
    #[test]
    fn gate_messages_say_what_is_missing() {
        type Change = fn(&mut ReadinessFacts);
        let table: Vec<(Change, Vec<&str>)> = vec![
            (
                |f| f.participants.truncate(1),
                vec!["The duo needs two participants; 1 joined."],
            ),
            (
                |f| f.intakes_submitted.clear(),
                vec![
                    "The intake of participant p1 is not submitted yet.",
                    "The intake of participant p2 is not submitted yet.",
                ],
            ),
            (
                |f| f.decision = None,
                vec!["No signed screening decision yet."],
            ),
            (
                |f| f.decision = Some(DecisionFormat::NotEligible),
                vec!["The signed screening decision is not_eligible: no session can take place."],
            ),
            (
                |f| f.agreement = AgreementFacts::default(),
                vec![
                    "There is no duo agreement yet for participant p1 to sign.",
                    "There is no duo agreement yet for participant p2 to sign.",
                    "There is no duo agreement yet for a facilitator to countersign.",
                ],
            ),
            (
                |f| {
                    f.agreement.signatures.retain(|s| {
                        matches!(
                            s.signer,
                            super::super::agreement::Signer::Participant { .. }
                        )
                    })
                },
                vec!["No facilitator has countersigned the current agreement version."],
            ),
            (
                |f| f.joint_prep_meetings_held = 0,
                vec!["No joint preparation meeting has been held yet."],
            ),
            (
                |f| f.washouts[0].confirmed_by_clinician = false,
                vec!["The clinician has not confirmed the medication washout for participant p2."],
            ),
            (
                |f| f.checklist[2].done = false,
                vec!["Pre-session checklist item room_prepared is not done."],
            ),
            (
                |f| f.decision = Some(DecisionFormat::IndividualThenDuo),
                vec![
                    "Participant p1 has not completed their individual track.",
                    "Participant p2 has not completed their individual track.",
                ],
            ),
        ];
        for (change, expected) in table {
            let mut facts = ready_facts();
            change(&mut facts);
            assert_eq!(unmet_messages(&facts), expected);
        }
    }

    #[test]
    fn individual_tracks_replace_or_precede_joint_preparation() {
        let mut facts = ready_facts();
        facts.decision = Some(DecisionFormat::IndividualOnly);
        facts.joint_prep_meetings_held = 0;
        facts.individual_tracks_completed = vec!["p1".to_owned()];
        let report = readiness(&facts);
        let gate_codes: Vec<&str> = report.gates.iter().map(|g| g.code.as_str()).collect();
        assert!(!gate_codes.contains(&"joint_prep_meeting_held"));
        assert_eq!(
            report
                .unmet()
                .map(|g| g.message.as_str())
                .collect::<Vec<_>>(),
            vec!["Participant p2 has not completed their individual track."]
        );

        facts.decision = Some(DecisionFormat::IndividualThenDuo);
        facts.individual_tracks_completed = vec!["p1".to_owned(), "p2".to_owned()];
        let report = readiness(&facts);
        assert_eq!(
            report.unmet().map(|g| g.code.as_str()).collect::<Vec<_>>(),
            vec!["joint_prep_meeting_held"]
        );
    }

    #[test]
    fn signatures_on_a_stale_version_or_missing_ones_do_not_count() {
        let mut facts = ready_facts();
        let current = facts.agreement.current_version_hash.clone().unwrap();
        facts.agreement.signatures = vec![
            signature("stale", participant("p1"), 1),
            signature(&current, participant("p2"), 2),
            signature("stale", facilitator("f1"), 3),
        ];
        assert_eq!(
            unmet_messages(&facts),
            vec![
                "Participant p1 has not signed the current agreement version.",
                "No facilitator has countersigned the current agreement version.",
            ]
        );
    }

    #[test]
    fn a_participant_sees_only_their_own_open_todos() {
        let mut facts = ready_facts();
        facts.intakes_submitted.clear();
        facts.joint_prep_meetings_held = 0;
        facts.washouts[0].confirmed_by_clinician = false;
        facts.checklist[1].done = false; // p2's ride home
        facts.checklist[2].done = false; // team item
        facts.agreement.signatures.clear();
        let report = readiness(&facts);

        let p1: Vec<(&str, String)> = report
            .todos_for("p1")
            .into_iter()
            .map(|t| (t.code.as_str(), t.message))
            .collect();
        assert_eq!(
            p1,
            vec![
                (
                    "intake_submitted",
                    "Complete and submit your intake.".to_owned()
                ),
                (
                    "agreement_signed",
                    "Read and sign the current duo agreement.".to_owned()
                ),
                (
                    "joint_prep_meeting_held",
                    "Attend a joint preparation meeting with your partner and facilitators."
                        .to_owned()
                ),
            ]
        );
        let p2 = report.todos_for("p2");
        assert_eq!(p2.len(), 4);
        assert_eq!(p2[3].item.as_deref(), Some("ride_home"));
        assert_eq!(
            p2[3].message,
            "Complete the pre-session checklist item: ride_home."
        );
        assert!(
            report
                .todos_for("someone_else")
                .iter()
                .all(|t| t.code == GateCode::JointPrepMeetingHeld)
        );
    }

    #[test]
    fn duplicate_participants_count_once() {
        let mut facts = ready_facts();
        facts.participants = vec!["p1".to_owned(), "p1".to_owned()];
        let report = readiness(&facts);
        assert_eq!(
            report
                .unmet()
                .map(|g| g.message.as_str())
                .collect::<Vec<_>>(),
            vec!["The duo needs two participants; 1 joined."]
        );
    }

    #[test]
    fn gates_serialise_with_snake_case_codes_and_tagged_audiences() {
        let mut facts = ready_facts();
        facts.checklist[0].done = false;
        let report = readiness(&facts);
        let gate = report.unmet().next().unwrap();
        assert_eq!(
            serde_json::to_value(gate).unwrap(),
            serde_json::json!({
                "code": "checklist_item",
                "met": false,
                "message": "Pre-session checklist item ride_home for participant p1 is not done.",
                "audience": {"kind": "participant", "participant_id": "p1"},
                "item": "ride_home",
            })
        );
        assert_eq!(
            serde_json::to_value(&report.gates[0].audience).unwrap(),
            serde_json::json!({"kind": "team"})
        );
    }
}
