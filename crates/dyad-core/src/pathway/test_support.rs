//! Shared fixtures for the pathway tests.

use jiff::Timestamp;

use super::agreement::{AgreementSections, Signature, Signer, TouchConsent, TouchKind};
use super::gates::{AgreementFacts, ChecklistItem, ReadinessFacts, WashoutFact};
use super::phase::DecisionFormat;

pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + seconds).unwrap()
}

pub fn pids() -> Vec<String> {
    vec!["p1".to_owned(), "p2".to_owned()]
}

pub fn complete_sections() -> AgreementSections {
    let mut s = AgreementSections {
        boundaries: "We each stay in our own process unless invited.".to_owned(),
        proximity: "Mattresses an arm's length apart.".to_owned(),
        music: "Music through headphones; silence on request.".to_owned(),
        time_outs: "Either of us may step out with a facilitator.".to_owned(),
        talking: "Quiet in the first hours, talking later if both want.".to_owned(),
        shared_vs_own: "Mostly our own process, a shared hour after the peak.".to_owned(),
        difficult_moments: "A facilitator sits with the one who struggles.".to_owned(),
        afterwards: "We talk the next morning, not on the drive home.".to_owned(),
        confidentiality: "What is said in the room stays with the team.".to_owned(),
        ..AgreementSections::default()
    };
    s.intentions
        .insert("p1".to_owned(), "To feel safe together.".to_owned());
    s.intentions
        .insert("p2".to_owned(), "To listen without fixing.".to_owned());
    s.touch.insert(
        "p1".to_owned(),
        TouchConsent {
            from_partner: [TouchKind::Hand, TouchKind::Hug].into(),
            from_facilitator: [TouchKind::Shoulder].into(),
        },
    );
    s.sharing
        .insert("p1".to_owned(), "That I felt close.".to_owned());
    s
}

pub fn signature(hash: &str, signer: Signer, seconds: i64) -> Signature {
    Signature {
        version_hash: hash.to_owned(),
        signer,
        signed_at: at(seconds),
    }
}

pub fn participant(id: &str) -> Signer {
    Signer::Participant {
        participant_id: id.to_owned(),
    }
}

pub fn facilitator(id: &str) -> Signer {
    Signer::Facilitator {
        user_id: id.to_owned(),
    }
}

/// Facts under which every readiness gate holds, for a `duo` decision.
pub fn ready_facts() -> ReadinessFacts {
    let hash = complete_sections().content_hash();
    ReadinessFacts {
        participants: pids(),
        intakes_submitted: pids(),
        decision: Some(DecisionFormat::Duo),
        agreement: AgreementFacts {
            current_version_hash: Some(hash.clone()),
            signatures: vec![
                signature(&hash, participant("p1"), 10),
                signature(&hash, participant("p2"), 20),
                signature(&hash, facilitator("f1"), 30),
            ],
        },
        joint_prep_meetings_held: 1,
        individual_tracks_completed: Vec::new(),
        washouts: vec![WashoutFact {
            participant_id: "p2".to_owned(),
            confirmed_by_clinician: true,
        }],
        checklist: vec![
            ChecklistItem {
                id: "ride_home".to_owned(),
                participant_id: Some("p1".to_owned()),
                done: true,
            },
            ChecklistItem {
                id: "ride_home".to_owned(),
                participant_id: Some("p2".to_owned()),
                done: true,
            },
            ChecklistItem {
                id: "room_prepared".to_owned(),
                participant_id: None,
                done: true,
            },
        ],
    }
}
