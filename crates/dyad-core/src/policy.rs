//! The information wall: the one policy function every read and write goes through.
//!
//! `can(actor, action, resource)` answers in two steps. First the actor's [`Relation`] to the
//! resource is derived (owner, partner, a member of the duo's team, a coordinator, a holder of
//! an emergency break-glass grant, or unrelated). Then a single match over
//! `(kind, action, relation)` decides. Anything that match does not name is denied.
//!
//! The rules (DESIGN.md, "The information wall"):
//!
//! - A participant reads their own records, the duo's shared ones (duo summary, agreement, joint
//!   meetings, the neutral screening outcome) and journal entries the partner shared with them.
//!   Never the partner's intake, findings, messages, check-ins or withdrawal reason.
//! - An account that is a participant is never staff: if the actor holds [`Role::Participant`]
//!   or carries a `participant_id`, every staff role it also holds is ignored.
//! - Staff see only duos they are assigned to. A team assignment counts only when the account
//!   holds the matching role (an admin listed as a team facilitator is not a facilitator).
//! - Coordinators see every duo's administration (summary, team, contacts, meetings), never
//!   clinical content. Researchers get nothing but the research export. Admins manage accounts,
//!   settings and the audit trail, never clinical content.
//! - The duo's team and coordinators move a duo's phase by hand (pause, resume, integration
//!   done, close: `DuoSummary` write); participants never do, they only withdraw.
//! - Break glass: a facilitator, clinician or admin who is not on the duo's team but holds an
//!   active grant for it may *read* its clinical records (and its summary). Such a decision is
//!   [`Decision::AllowBreakGlass`], which the caller must flag in the audit trail. Never writes.
//! - A resource missing the scope its kind needs (no duo, or no owner where the record belongs
//!   to one participant, or an owner who is not a participant of the duo) is denied.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A name that is not one of the known names of a policy enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {}", .expected.join(", "))]
pub struct ParseNameError {
    /// What was being parsed, e.g. "role".
    pub what: &'static str,
    /// The text that did not match.
    pub value: String,
    /// Every accepted name.
    pub expected: &'static [&'static str],
}

/// Declares a fieldless enum whose variants have stable snake_case names, with `ALL`,
/// `as_str`, `Display` and `FromStr`, all generated from one list so they cannot drift apart.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; <[&str]>::len(&[$($text),+])] = [$($name::$variant),+];

            /// The stable snake_case name (the same one serde uses).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseNameError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| ParseNameError {
                        what: $what,
                        value: s.to_owned(),
                        expected: &[$($text),+],
                    })
            }
        }
    };
}

named_enum! {
    /// The role an account holds. An account may hold several staff roles; a participant
    /// account is only ever a participant.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role as "role" {
        /// One of the two people of a duo.
        Participant = "participant",
        /// Prepares, guides and integrates sessions of the duos they are assigned to.
        Facilitator = "facilitator",
        /// Reviews screening, decides and signs, and watches the session of their duos.
        Clinician = "clinician",
        /// Runs administration: teams, contacts, schedule, phase. Never clinical content.
        Coordinator = "coordinator",
        /// Receives pseudonymised research exports, nothing else.
        Researcher = "researcher",
        /// Manages accounts, settings and the audit trail. Never clinical content.
        Admin = "admin",
    }
}

impl Role {
    /// Every role but [`Role::Participant`] is a staff role.
    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Participant)
    }

    /// The care-team role this account role can fill, if any.
    pub const fn team_role(self) -> Option<TeamRole> {
        match self {
            Role::Facilitator => Some(TeamRole::Facilitator),
            Role::Clinician => Some(TeamRole::Clinician),
            _ => None,
        }
    }
}

named_enum! {
    /// The role a staff member has within one duo's care team.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum TeamRole as "team role" {
        /// A facilitator of this duo.
        Facilitator = "facilitator",
        /// The clinician of this duo.
        Clinician = "clinician",
    }
}

impl TeamRole {
    /// The account role a staff member needs for this team role to count.
    pub const fn account_role(self) -> Role {
        match self {
            TeamRole::Facilitator => Role::Facilitator,
            TeamRole::Clinician => Role::Clinician,
        }
    }
}

named_enum! {
    /// What the actor wants to do with a resource.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Action as "action" {
        /// See it.
        Read = "read",
        /// Create, change or delete it.
        Write = "write",
        /// Put a signature on it (the duo agreement).
        Sign = "sign",
        /// Take a signed clinical decision (the screening decision).
        Decide = "decide",
        /// Take it out of the system as a file.
        Export = "export",
    }
}

/// What a kind of resource needs to be judged: nothing, a duo, or a duo and the participant
/// the record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceScope {
    /// Not tied to a duo; build it with [`Resource::system`].
    System,
    /// Belongs to a duo; build it with [`Resource::duo`], or with [`Resource::owned`] when the
    /// record concerns one participant (an individual meeting, an alert about one person).
    Duo,
    /// Belongs to one participant of a duo; build it with [`Resource::owned`].
    Owned,
}

named_enum! {
    /// Every kind of thing the policy guards.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ResourceKind as "resource kind" {
        /// Phase, format, names and team of a duo (duo scope). Writing it moves the phase
        /// by hand: pause, resume, integration done, close.
        DuoSummary = "duo_summary",
        /// Who is on a duo's care team and the duo's administrative timeline (duo scope).
        TeamAssignment = "team_assignment",
        /// A participant's administrative contact data (owned).
        Contacts = "contacts",
        /// A participant's intake answers and instrument scores (owned, clinical).
        Intake = "intake",
        /// Findings the screening rules produced over both intakes (duo scope, clinical).
        ScreeningFindings = "screening_findings",
        /// The clinician's signed screening decision with its rationale (duo scope, clinical).
        ScreeningDecision = "screening_decision",
        /// The neutral participant-facing outcome of screening (duo scope).
        ScreeningOutcome = "screening_outcome",
        /// Why a participant withdrew (owned, clinical).
        WithdrawalReason = "withdrawal_reason",
        /// The duo agreement, its versions and signatures (duo scope, clinical).
        Agreement = "agreement",
        /// A participant's consents: touch, proximity, sharing, research (owned, clinical).
        Consents = "consents",
        /// Preparation and integration meetings (duo scope; owned by one participant when
        /// individual).
        Meetings = "meetings",
        /// The rooms sessions are held in (system).
        Rooms = "rooms",
        /// The live session-day console: mode, vitals, dosing, timeline (duo scope, clinical).
        SessionConsole = "session_console",
        /// One journal entry, shared entry by entry (owned, clinical).
        JournalEntry = "journal_entry",
        /// A participant's message thread with the care team (owned, clinical).
        Messages = "messages",
        /// A participant's aftercare check-ins and their answers (owned, clinical).
        CheckIn = "check_in",
        /// Risk alerts raised to the care team (duo scope, clinical).
        Alerts = "alerts",
        /// Notes the care team keeps (duo scope, clinical).
        ClinicalNote = "clinical_note",
        /// The append-only, hash-chained audit trail (system).
        AuditTrail = "audit_trail",
        /// Who accessed a participant's records, when and why (owned).
        AccessLog = "access_log",
        /// Staff and participant accounts (system).
        Accounts = "accounts",
        /// Instance settings (system).
        Settings = "settings",
        /// The pseudonymised research export (system).
        ResearchExport = "research_export",
        /// Study settings: protocol id and the research consent documents a study uses
        /// (system; administration, never clinical content).
        Study = "study",
        /// Everything held about a participant, for that participant (owned).
        PersonalExport = "personal_export",
        /// Crypto-shredding a participant's data (owned).
        Erasure = "erasure",
    }
}

impl ResourceKind {
    /// The scope a resource of this kind must carry; a resource without it is denied.
    pub const fn scope(self) -> ResourceScope {
        use ResourceKind as K;
        match self {
            K::Rooms | K::AuditTrail | K::Accounts | K::Settings | K::ResearchExport | K::Study => {
                ResourceScope::System
            }
            K::DuoSummary
            | K::TeamAssignment
            | K::ScreeningFindings
            | K::ScreeningDecision
            | K::ScreeningOutcome
            | K::Agreement
            | K::Meetings
            | K::SessionConsole
            | K::Alerts
            | K::ClinicalNote => ResourceScope::Duo,
            K::Contacts
            | K::Intake
            | K::WithdrawalReason
            | K::Consents
            | K::JournalEntry
            | K::Messages
            | K::CheckIn
            | K::AccessLog
            | K::PersonalExport
            | K::Erasure => ResourceScope::Owned,
        }
    }
}

/// Whether a kind is clinical content: what coordinators, researchers and admins never see
/// (admins only through break glass), and what only the duo's own team reads.
pub fn is_clinical(kind: ResourceKind) -> bool {
    use ResourceKind as K;
    matches!(
        kind,
        K::Intake
            | K::ScreeningFindings
            | K::ScreeningDecision
            | K::WithdrawalReason
            | K::Agreement
            | K::Consents
            | K::SessionConsole
            | K::JournalEntry
            | K::Messages
            | K::CheckIn
            | K::Alerts
            | K::ClinicalNote
    )
}

/// Who is asking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The account id.
    pub user_id: String,
    /// The roles the account holds.
    pub roles: Vec<Role>,
    /// The participant record of a participant account; `None` for staff.
    pub participant_id: Option<String>,
}

impl Actor {
    /// A participant account.
    pub fn participant(user_id: impl Into<String>, participant_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            roles: vec![Role::Participant],
            participant_id: Some(participant_id.into()),
        }
    }

    /// A staff account holding `roles`.
    pub fn staff(user_id: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        Self {
            user_id: user_id.into(),
            roles: roles.into_iter().collect(),
            participant_id: None,
        }
    }

    /// A participant account: one holding [`Role::Participant`] or carrying a participant id.
    pub fn is_participant(&self) -> bool {
        self.roles.contains(&Role::Participant) || self.participant_id.is_some()
    }

    /// The roles the policy honours: only `Participant` for a participant account (any staff
    /// roles it holds are ignored), otherwise the staff roles, sorted and without repeats.
    pub fn effective_roles(&self) -> Vec<Role> {
        if self.is_participant() {
            return vec![Role::Participant];
        }
        let mut roles: Vec<Role> = self
            .roles
            .iter()
            .copied()
            .filter(|r| r.is_staff())
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }
}

/// One duo as the policy sees it. The caller loads it fresh for every decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuoScope {
    /// The duo's id.
    pub duo_id: String,
    /// The participant ids of the duo (one before the invitation is accepted, then two).
    pub participant_ids: Vec<String>,
    /// The care team: `(user_id, team role)`; a user may appear once per team role.
    pub team: Vec<(String, TeamRole)>,
    /// User ids holding an active, unexpired break-glass grant for this duo right now; the
    /// caller computes expiry.
    pub break_glass_users: Vec<String>,
}

impl DuoScope {
    /// Whether `participant_id` is one of the duo's participants. An empty id never is.
    pub fn has_participant(&self, participant_id: &str) -> bool {
        !participant_id.is_empty() && self.participant_ids.iter().any(|p| p == participant_id)
    }

    /// Whether `user_id` is listed on the team in any team role. An empty id never is.
    pub fn is_on_team(&self, user_id: &str) -> bool {
        !user_id.is_empty() && self.team.iter().any(|(u, _)| u == user_id)
    }

    /// Whether `user_id` is listed on the team in `role`. An empty id never is.
    pub fn has_team_role(&self, user_id: &str, role: TeamRole) -> bool {
        !user_id.is_empty() && self.team.iter().any(|(u, r)| u == user_id && *r == role)
    }

    /// Whether `user_id` holds an active break-glass grant. An empty id never does.
    pub fn holds_break_glass(&self, user_id: &str) -> bool {
        !user_id.is_empty() && self.break_glass_users.iter().any(|u| u == user_id)
    }
}

/// The thing an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource<'a> {
    /// What kind of record it is.
    pub kind: ResourceKind,
    /// The duo it belongs to; required unless the kind is [`ResourceScope::System`].
    pub duo: Option<&'a DuoScope>,
    /// The participant id the record belongs to; required for [`ResourceScope::Owned`] kinds.
    pub owner: Option<&'a str>,
    /// The owner shared it with their partner (journal entries).
    pub shared_with_partner: bool,
    /// The owner shared it with the care team (journal entries).
    pub shared_with_team: bool,
}

impl<'a> Resource<'a> {
    /// A resource that belongs to no duo (accounts, settings, the audit trail, research export).
    pub const fn system(kind: ResourceKind) -> Resource<'static> {
        Resource {
            kind,
            duo: None,
            owner: None,
            shared_with_partner: false,
            shared_with_team: false,
        }
    }

    /// A duo-level resource, shared by both participants (summary, agreement, joint meeting).
    pub const fn duo(kind: ResourceKind, duo: &'a DuoScope) -> Self {
        Resource {
            kind,
            duo: Some(duo),
            owner: None,
            shared_with_partner: false,
            shared_with_team: false,
        }
    }

    /// A resource that belongs to (or, for duo-level kinds, concerns) one participant of `duo`.
    pub const fn owned(kind: ResourceKind, duo: &'a DuoScope, owner: &'a str) -> Self {
        Resource {
            kind,
            duo: Some(duo),
            owner: Some(owner),
            shared_with_partner: false,
            shared_with_team: false,
        }
    }

    /// The same resource with the owner's sharing choices (journal entries).
    pub const fn with_sharing(self, partner: bool, team: bool) -> Self {
        Resource {
            shared_with_partner: partner,
            shared_with_team: team,
            ..self
        }
    }

    /// Whether the resource carries the scope its kind needs: a duo unless the kind is a
    /// system one, an owner for owned kinds, and any owner is a participant of the duo.
    pub fn is_well_formed(&self) -> bool {
        match self.kind.scope() {
            ResourceScope::System => true,
            ResourceScope::Duo => self
                .duo
                .is_some_and(|d| self.owner.is_none_or(|o| d.has_participant(o))),
            ResourceScope::Owned => match (self.duo, self.owner) {
                (Some(d), Some(o)) => d.has_participant(o),
                _ => false,
            },
        }
    }
}

/// The answer of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Allowed only through an active break-glass grant: the caller must flag it in the audit
    /// trail (and should show the actor that they are reading under break glass).
    AllowBreakGlass,
    /// Not allowed. For a participant asking about something not theirs, answer as if it did
    /// not exist (404), per the API contract.
    Deny,
}

impl Decision {
    /// Whether the action may go ahead ([`Decision::Allow`] or [`Decision::AllowBreakGlass`]).
    pub const fn is_allowed(self) -> bool {
        !matches!(self, Decision::Deny)
    }

    /// Whether the action goes ahead only through break glass, and so must be flagged.
    pub const fn is_break_glass(self) -> bool {
        matches!(self, Decision::AllowBreakGlass)
    }

    /// Deny < AllowBreakGlass < Allow: a plain allow is preferred to a break-glass one.
    const fn strength(self) -> u8 {
        match self {
            Decision::Deny => 0,
            Decision::AllowBreakGlass => 1,
            Decision::Allow => 2,
        }
    }
}

/// How an actor stands to a resource; derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// A participant of the duo the record belongs to: its owner, or, for a duo-level record
    /// that concerns neither participant in particular, either participant.
    Owner,
    /// The other participant of the duo a participant's record belongs to.
    Partner,
    /// On the duo's care team in this team role (and holding the matching account role).
    Team(TeamRole),
    /// A coordinator; coordinators stand in this relation to every duo.
    Coordinator,
    /// A facilitator, clinician or admin not on the team, holding an active break-glass grant.
    BreakGlass,
    /// None of the above.
    Unrelated,
}

impl Relation {
    /// Every relation.
    pub const ALL: [Relation; 7] = [
        Relation::Owner,
        Relation::Partner,
        Relation::Team(TeamRole::Facilitator),
        Relation::Team(TeamRole::Clinician),
        Relation::Coordinator,
        Relation::BreakGlass,
        Relation::Unrelated,
    ];

    /// A stable snake_case label, for the audit trail.
    pub const fn as_str(self) -> &'static str {
        match self {
            Relation::Owner => "owner",
            Relation::Partner => "partner",
            Relation::Team(TeamRole::Facilitator) => "team_facilitator",
            Relation::Team(TeamRole::Clinician) => "team_clinician",
            Relation::Coordinator => "coordinator",
            Relation::BreakGlass => "break_glass",
            Relation::Unrelated => "unrelated",
        }
    }

    /// Closeness, for picking the one relation to report for a multi-role actor.
    const fn closeness(self) -> u8 {
        match self {
            Relation::Owner => 6,
            Relation::Partner => 5,
            Relation::Team(TeamRole::Clinician) => 4,
            Relation::Team(TeamRole::Facilitator) => 3,
            Relation::Coordinator => 2,
            Relation::BreakGlass => 1,
            Relation::Unrelated => 0,
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How `actor`, acting in `role`, stands to `resource`. A role the actor does not effectively
/// hold (see [`Actor::effective_roles`]) gives [`Relation::Unrelated`], as does a resource
/// without a duo.
pub fn relation_as(actor: &Actor, role: Role, resource: &Resource<'_>) -> Relation {
    let Some(duo) = resource.duo else {
        return Relation::Unrelated;
    };
    if !actor.effective_roles().contains(&role) {
        return Relation::Unrelated;
    }
    let user = actor.user_id.as_str();
    let break_glass = || {
        if !duo.is_on_team(user) && duo.holds_break_glass(user) {
            Relation::BreakGlass
        } else {
            Relation::Unrelated
        }
    };
    match role {
        Role::Participant => {
            let Some(me) = actor.participant_id.as_deref() else {
                return Relation::Unrelated;
            };
            if !duo.has_participant(me) {
                return Relation::Unrelated;
            }
            match resource.owner {
                None => Relation::Owner,
                Some(owner) if owner == me => Relation::Owner,
                Some(owner) if duo.has_participant(owner) => Relation::Partner,
                Some(_) => Relation::Unrelated,
            }
        }
        Role::Facilitator | Role::Clinician => match role.team_role() {
            Some(t) if duo.has_team_role(user, t) => Relation::Team(t),
            _ => break_glass(),
        },
        Role::Coordinator => Relation::Coordinator,
        Role::Admin => break_glass(),
        Role::Researcher => Relation::Unrelated,
    }
}

/// How the actor stands to the resource: the closest relation over the roles it effectively
/// holds (owner, partner, team clinician, team facilitator, coordinator, break glass).
pub fn relation(actor: &Actor, resource: &Resource<'_>) -> Relation {
    actor
        .effective_roles()
        .into_iter()
        .map(|role| relation_as(actor, role, resource))
        .max_by_key(|r| r.closeness())
        .unwrap_or(Relation::Unrelated)
}

/// Whether the actor may open a break-glass grant at all: a facilitator, clinician or admin
/// account (never a participant, coordinator or researcher). Whether a grant is warranted for a
/// duo, its reason and its expiry are the caller's to record; a grant held by a member of the
/// duo's team changes nothing.
pub fn can_request_break_glass(actor: &Actor) -> bool {
    actor
        .effective_roles()
        .iter()
        .any(|r| matches!(r, Role::Facilitator | Role::Clinician | Role::Admin))
}

/// A decision with the reason for it, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The decision.
    pub decision: Decision,
    /// The role that earned an allow; `None` when denied.
    pub role: Option<Role>,
    /// The relation that earned an allow; when denied, [`relation`] of the actor.
    pub relation: Relation,
}

/// Decides, and says which role and relation earned the decision. Each role the actor
/// effectively holds is judged on its own; the strongest answer wins (a plain allow over a
/// break-glass one).
pub fn judge(actor: &Actor, action: Action, resource: &Resource<'_>) -> Verdict {
    let mut verdict = Verdict {
        decision: Decision::Deny,
        role: None,
        relation: relation(actor, resource),
    };
    if !resource.is_well_formed() {
        return verdict;
    }
    for role in actor.effective_roles() {
        let rel = relation_as(actor, role, resource);
        let decision = rule(role, rel, action, resource);
        if decision.strength() > verdict.decision.strength() {
            verdict = Verdict {
                decision,
                role: Some(role),
                relation: rel,
            };
        }
    }
    verdict
}

/// May `actor` take `action` on `resource`? Default deny.
pub fn can(actor: &Actor, action: Action, resource: &Resource<'_>) -> Decision {
    judge(actor, action, resource).decision
}

/// The wall itself: one role's relation, the action and the kind decide. Anything not named
/// here is denied. `role` matters only for the system powers of admins and researchers; every
/// other rule follows from the relation alone.
fn rule(role: Role, rel: Relation, action: Action, res: &Resource<'_>) -> Decision {
    use Action::{Decide, Export, Read, Sign, Write};
    use Decision::{Allow, AllowBreakGlass, Deny};
    use Relation::{BreakGlass, Coordinator, Owner, Partner, Team};
    use ResourceKind as K;
    use TeamRole::{Clinician, Facilitator};

    let admin = role == Role::Admin;
    let researcher = role == Role::Researcher;

    match (res.kind, action, rel) {
        // Administration: the duo's people, its team and every coordinator.
        (K::DuoSummary, Read, Owner | Partner | Team(_) | Coordinator) => Allow,
        // Moving the pathway on by hand (pause, resume, integration done, close): the team
        // and coordinators; never a participant, who only withdraws (`WithdrawalReason`).
        (K::DuoSummary, Write, Team(_) | Coordinator) => Allow,
        (K::TeamAssignment, Read | Write, Coordinator) => Allow,
        (K::TeamAssignment, Read, Team(_)) => Allow,
        (K::Contacts, Read | Write, Owner) => Allow,
        (K::Contacts, Read, Team(_) | Coordinator) => Allow,
        (K::Meetings, Read, Owner) => Allow,
        (K::Meetings, Read | Write, Team(_) | Coordinator) => Allow,
        (K::Rooms, Read, _) if role.is_staff() && !researcher => Allow,
        (K::Rooms, Write, _) if admin || role == Role::Coordinator => Allow,

        // Intake and screening: each alone; the partner never.
        (K::Intake, Read | Write, Owner) => Allow,
        (K::Intake, Read, Team(_)) => Allow,
        // The duo's clinician may decide to reopen a submitted intake for an amendment.
        (K::Intake, Decide, Team(Clinician)) => Allow,
        (K::ScreeningFindings, Read, Team(Clinician)) => Allow,
        (K::ScreeningDecision, Read | Decide, Team(Clinician)) => Allow,
        (K::ScreeningDecision, Read, Team(Facilitator)) => Allow,
        (K::ScreeningOutcome, Read, Owner | Partner) => Allow,
        (K::WithdrawalReason, Read | Write, Owner) => Allow,
        (K::WithdrawalReason, Read, Team(_)) => Allow,

        // Preparation and session day.
        (K::Agreement, Read | Write | Sign, Owner | Partner | Team(Facilitator)) => Allow,
        (K::Agreement, Read, Team(Clinician)) => Allow,
        (K::Consents, Read | Write, Owner) => Allow,
        (K::Consents, Read, Team(_)) => Allow,
        (K::SessionConsole, Read | Write, Team(_)) => Allow,

        // Integration and aftercare: shared entry by entry.
        (K::JournalEntry, Read | Write, Owner) => Allow,
        (K::JournalEntry, Read, Partner) if res.shared_with_partner => Allow,
        (K::JournalEntry, Read, Team(_)) if res.shared_with_team => Allow,
        (K::Messages, Read | Write, Owner | Team(_)) => Allow,
        (K::CheckIn, Read | Write, Owner) => Allow,
        (K::CheckIn, Read, Team(_)) => Allow,
        (K::Alerts | K::ClinicalNote, Read | Write, Team(_)) => Allow,

        // Break glass: read-only, flagged.
        (
            K::DuoSummary
            | K::Intake
            | K::ScreeningFindings
            | K::ScreeningDecision
            | K::WithdrawalReason
            | K::Consents
            | K::SessionConsole
            | K::CheckIn
            | K::Alerts
            | K::ClinicalNote,
            Read,
            BreakGlass,
        ) => AllowBreakGlass,
        (K::JournalEntry, Read, BreakGlass) if res.shared_with_team => AllowBreakGlass,

        // Records and the system.
        (K::AccessLog, Read, Owner) => Allow,
        (K::PersonalExport, Read | Export, Owner) => Allow,
        (K::Erasure, Write, Coordinator) => Allow,
        (K::AuditTrail | K::AccessLog, Read, _) if admin => Allow,
        (K::Accounts | K::Settings, Read | Write, _) if admin => Allow,
        (K::Erasure, Write, _) if admin => Allow,
        (K::ResearchExport, Export, _) if researcher => Allow,
        (K::Study, Read | Write, _) if admin || role == Role::Coordinator => Allow,

        _ => Deny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    use Action::{Decide, Export, Read, Sign, Write};
    use Decision::{Allow, AllowBreakGlass, Deny};
    use ResourceKind as K;

    /// The whole wall as data: one block per resource kind, one line per action, one column
    /// per actor archetype standing in one relation to the subject (participant `p-a`).
    ///
    /// Columns: `P` participant, `F` facilitator, `C` clinician, `Co` coordinator,
    /// `R` researcher, `A` admin; `own` owner (for duo-level kinds: a participant of the duo),
    /// `ptn` partner, `team` on the duo's team, `bg` holding a break-glass grant, `co` the
    /// coordinator relation, `unr` unrelated (a coordinator is unrelated only to a resource
    /// with no duo). These fourteen are every relation a role can stand in; the proptest
    /// `relation_as_stays_within_the_table_columns` proves no other pair occurs.
    ///
    /// Cells: `A` Allow, `B` AllowBreakGlass, `.` Deny; `p` Allow only when shared with the
    /// partner, `t` Allow only when shared with the team, `b` AllowBreakGlass only when
    /// shared with the team.
    const TABLE: &str = "
            P.own P.ptn P.unr | F.team F.bg F.unr | C.team C.bg C.unr | Co.co Co.unr | R.unr | A.bg A.unr
    [duo_summary]
    read      A     A     .   |   A     B     .   |   A     B     .   |   A     .    |   .   |  B     .
    write     .     .     .   |   A     .     .   |   A     .     .   |   A     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [team_assignment]
    read      .     .     .   |   A     .     .   |   A     .     .   |   A     .    |   .   |  .     .
    write     .     .     .   |   .     .     .   |   .     .     .   |   A     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [contacts]
    read      A     .     .   |   A     .     .   |   A     .     .   |   A     .    |   .   |  .     .
    write     A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [intake]
    read      A     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [screening_findings]
    read      .     .     .   |   .     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [screening_decision]
    read      .     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [screening_outcome]
    read      A     A     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [withdrawal_reason]
    read      A     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [agreement]
    read      A     A     .   |   A     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    write     A     A     .   |   A     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      A     A     .   |   A     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [consents]
    read      A     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [meetings]
    read      A     .     .   |   A     .     .   |   A     .     .   |   A     .    |   .   |  .     .
    write     .     .     .   |   A     .     .   |   A     .     .   |   A     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [rooms]
    read      .     .     .   |   A     A     A   |   A     A     A   |   A     A    |   .   |  A     A
    write     .     .     .   |   .     .     .   |   .     .     .   |   A     A    |   .   |  A     A
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [session_console]
    read      .     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     .     .     .   |   A     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [journal_entry]
    read      A     p     .   |   t     b     .   |   t     b     .   |   .     .    |   .   |  b     .
    write     A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [messages]
    read      A     .     .   |   A     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    write     A     .     .   |   A     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [check_in]
    read      A     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [alerts]
    read      .     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     .     .     .   |   A     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [clinical_note]
    read      .     .     .   |   A     B     .   |   A     B     .   |   .     .    |   .   |  B     .
    write     .     .     .   |   A     .     .   |   A     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [audit_trail]
    read      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  A     A
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [access_log]
    read      A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  A     A
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [accounts]
    read      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  A     A
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  A     A
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [settings]
    read      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  A     A
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  A     A
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [research_export]
    read      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   A   |  .     .
    [study]
    read      .     .     .   |   .     .     .   |   .     .     .   |   A     A    |   .   |  A     A
    write     .     .     .   |   .     .     .   |   .     .     .   |   A     A    |   .   |  A     A
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [personal_export]
    read      A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    write     .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    A     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    [erasure]
    read      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    write     .     .     .   |   .     .     .   |   .     .     .   |   A     .    |   .   |  A     A
    sign      .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    decide    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    export    .     .     .   |   .     .     .   |   .     .     .   |   .     .    |   .   |  .     .
    ";

    /// One cell of the table.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Cell {
        Always(Decision),
        IfSharedWithPartner(Decision),
        IfSharedWithTeam(Decision),
    }

    impl Cell {
        fn parse(c: &str) -> Cell {
            match c {
                "A" => Cell::Always(Allow),
                "B" => Cell::Always(AllowBreakGlass),
                "." => Cell::Always(Deny),
                "p" => Cell::IfSharedWithPartner(Allow),
                "t" => Cell::IfSharedWithTeam(Allow),
                "b" => Cell::IfSharedWithTeam(AllowBreakGlass),
                other => panic!("unknown cell {other:?}"),
            }
        }

        fn expect(self, res: &Resource<'_>) -> Decision {
            match self {
                Cell::Always(d) => d,
                Cell::IfSharedWithPartner(d) if res.shared_with_partner => d,
                Cell::IfSharedWithTeam(d) if res.shared_with_team => d,
                Cell::IfSharedWithPartner(_) | Cell::IfSharedWithTeam(_) => Deny,
            }
        }
    }

    struct Table {
        columns: Vec<(Role, Relation)>,
        cells: BTreeMap<(ResourceKind, Action, usize), Cell>,
        lines: usize,
    }

    fn parse_column(token: &str) -> (Role, Relation) {
        let (role, rel) = token.split_once('.').expect("column is ROLE.REL");
        let role = match role {
            "P" => Role::Participant,
            "F" => Role::Facilitator,
            "C" => Role::Clinician,
            "Co" => Role::Coordinator,
            "R" => Role::Researcher,
            "A" => Role::Admin,
            other => panic!("unknown role column {other:?}"),
        };
        let rel = match rel {
            "own" => Relation::Owner,
            "ptn" => Relation::Partner,
            "team" => Relation::Team(role.team_role().expect("only team roles have team columns")),
            "co" => Relation::Coordinator,
            "bg" => Relation::BreakGlass,
            "unr" => Relation::Unrelated,
            other => panic!("unknown relation column {other:?}"),
        };
        (role, rel)
    }

    fn table() -> Table {
        let mut lines = TABLE.lines().map(str::trim).filter(|l| !l.is_empty());
        let header = lines.next().expect("a header line");
        let columns: Vec<(Role, Relation)> = header
            .split_whitespace()
            .filter(|t| *t != "|")
            .map(parse_column)
            .collect();
        let mut cells = BTreeMap::new();
        let mut kind = None;
        let mut count = 0;
        for line in lines {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                kind = Some(name.parse::<ResourceKind>().expect("a kind name"));
                continue;
            }
            let kind = kind.expect("a [kind] before its rows");
            let mut tokens = line.split_whitespace().filter(|t| *t != "|");
            let action: Action = tokens
                .next()
                .expect("an action")
                .parse()
                .expect("an action");
            let row: Vec<Cell> = tokens.map(Cell::parse).collect();
            assert_eq!(
                row.len(),
                columns.len(),
                "{kind} {action}: one cell per column"
            );
            for (i, cell) in row.into_iter().enumerate() {
                let previous = cells.insert((kind, action, i), cell);
                assert!(previous.is_none(), "{kind} {action} appears twice");
            }
            count += 1;
        }
        Table {
            columns,
            cells,
            lines: count,
        }
    }

    impl Table {
        fn column(&self, role: Role, rel: Relation) -> Option<usize> {
            self.columns.iter().position(|c| *c == (role, rel))
        }
    }

    const A: &str = "p-a";
    const B: &str = "p-b";

    fn scope() -> DuoScope {
        DuoScope {
            duo_id: "duo-1".into(),
            participant_ids: vec![A.into(), B.into()],
            team: vec![
                ("u-fac".into(), TeamRole::Facilitator),
                ("u-clin".into(), TeamRole::Clinician),
            ],
            break_glass_users: vec!["u-fac-bg".into(), "u-clin-bg".into(), "u-admin-bg".into()],
        }
    }

    /// The actor standing as `role` in `rel` to participant A's records in [`scope`].
    fn archetype(role: Role, rel: Relation) -> Actor {
        match (role, rel) {
            (Role::Participant, Relation::Owner) => Actor::participant("u-a", A),
            (Role::Participant, Relation::Partner) => Actor::participant("u-b", B),
            (Role::Participant, Relation::Unrelated) => Actor::participant("u-z", "p-z"),
            (Role::Facilitator, Relation::Team(_)) => Actor::staff("u-fac", [role]),
            (Role::Clinician, Relation::Team(_)) => Actor::staff("u-clin", [role]),
            (Role::Facilitator, Relation::BreakGlass) => Actor::staff("u-fac-bg", [role]),
            (Role::Clinician, Relation::BreakGlass) => Actor::staff("u-clin-bg", [role]),
            (Role::Admin, Relation::BreakGlass) => Actor::staff("u-admin-bg", [role]),
            (Role::Facilitator, Relation::Unrelated) => Actor::staff("u-fac-x", [role]),
            (Role::Clinician, Relation::Unrelated) => Actor::staff("u-clin-x", [role]),
            (Role::Admin, Relation::Unrelated) => Actor::staff("u-admin", [role]),
            (Role::Coordinator, _) => Actor::staff("u-coord", [role]),
            (Role::Researcher, _) => Actor::staff("u-res", [role]),
            other => panic!("no archetype for {other:?}"),
        }
    }

    /// The resources of `kind` on which the archetype stands in `rel`; every one of them, with
    /// every sharing choice, must get the same table cell.
    fn subjects<'a>(
        kind: ResourceKind,
        role: Role,
        rel: Relation,
        duo: &'a DuoScope,
    ) -> Vec<Resource<'a>> {
        if (role, rel) == (Role::Coordinator, Relation::Unrelated) {
            return vec![Resource::system(kind)];
        }
        let mut out = vec![Resource::owned(kind, duo, A)];
        if kind.scope() != ResourceScope::Owned && rel != Relation::Partner {
            out.push(Resource::duo(kind, duo));
        }
        if kind.scope() == ResourceScope::System {
            out.push(Resource::system(kind));
        }
        out
    }

    fn with_all_sharing(res: Resource<'_>) -> [Resource<'_>; 4] {
        [
            res.with_sharing(false, false),
            res.with_sharing(true, false),
            res.with_sharing(false, true),
            res.with_sharing(true, true),
        ]
    }

    #[test]
    fn table_covers_every_kind_action_role_and_relation() {
        let t = table();
        let mut checked = 0;
        for kind in ResourceKind::ALL {
            for action in Action::ALL {
                for role in Role::ALL {
                    for rel in Relation::ALL {
                        // A pair without a column must be one no actor can stand in; the
                        // proptest `relation_as_stays_within_the_table_columns` holds that.
                        let Some(col) = t.column(role, rel) else {
                            continue;
                        };
                        assert!(
                            t.cells.contains_key(&(kind, action, col)),
                            "no row for {kind} {action} as {role} ({rel})"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(t.lines, ResourceKind::ALL.len() * Action::ALL.len());
        assert_eq!(checked, t.cells.len());
        // Every role has at least one column.
        for role in Role::ALL {
            assert!(
                t.columns.iter().any(|(r, _)| *r == role),
                "no column for {role}"
            );
        }
    }

    #[test]
    fn policy_matches_the_table() {
        let t = table();
        let duo = scope();
        for ((kind, action, col), cell) in &t.cells {
            let (role, rel) = t.columns[*col];
            let actor = archetype(role, rel);
            for subject in subjects(*kind, role, rel, &duo) {
                if subject.duo.is_some() {
                    assert_eq!(
                        relation_as(&actor, role, &subject),
                        rel,
                        "fixture for {role} {rel}"
                    );
                    assert_eq!(relation(&actor, &subject), rel, "fixture for {role} {rel}");
                }
                for res in with_all_sharing(subject) {
                    assert_eq!(
                        can(&actor, *action, &res),
                        cell.expect(&res),
                        "{kind} {action} as {role} ({rel}), owner {:?}, shared partner={} team={}",
                        res.owner,
                        res.shared_with_partner,
                        res.shared_with_team
                    );
                }
            }
        }
    }

    fn every_resource_of<'a>(kind: ResourceKind, duo: &'a DuoScope) -> Vec<Resource<'a>> {
        let mut out = Vec::new();
        for base in [
            Resource::system(kind),
            Resource::duo(kind, duo),
            Resource::owned(kind, duo, A),
            Resource::owned(kind, duo, B),
        ] {
            out.extend(with_all_sharing(base));
        }
        out
    }

    fn clinical_kinds() -> impl Iterator<Item = ResourceKind> {
        ResourceKind::ALL.into_iter().filter(|k| is_clinical(*k))
    }

    #[test]
    fn partner_never_reads_private_records() {
        let duo = scope();
        let partner = Actor::participant("u-b", B);
        for kind in [
            K::Intake,
            K::ScreeningFindings,
            K::ScreeningDecision,
            K::WithdrawalReason,
            K::Messages,
            K::Consents,
            K::CheckIn,
            K::Contacts,
            K::AccessLog,
            K::PersonalExport,
            K::ClinicalNote,
            K::Alerts,
        ] {
            for res in with_all_sharing(Resource::owned(kind, &duo, A)) {
                for action in Action::ALL {
                    assert_eq!(can(&partner, action, &res), Deny, "{kind} {action}");
                }
            }
        }
        // A journal entry reaches the partner only when shared with the partner, and only to
        // read: sharing with the team does not open it to the partner.
        let entry = Resource::owned(K::JournalEntry, &duo, A);
        for (partner_flag, team_flag) in [(false, false), (false, true)] {
            let res = entry.with_sharing(partner_flag, team_flag);
            for action in Action::ALL {
                assert_eq!(can(&partner, action, &res), Deny);
            }
        }
        let shared = entry.with_sharing(true, false);
        assert_eq!(can(&partner, Read, &shared), Allow);
        assert_eq!(can(&partner, Write, &shared), Deny);
    }

    #[test]
    fn participants_share_the_duo_level_records() {
        let duo = scope();
        for actor in [Actor::participant("u-a", A), Actor::participant("u-b", B)] {
            for kind in [
                K::DuoSummary,
                K::ScreeningOutcome,
                K::Agreement,
                K::Meetings,
            ] {
                assert_eq!(
                    can(&actor, Read, &Resource::duo(kind, &duo)),
                    Allow,
                    "{kind}"
                );
            }
            assert_eq!(can(&actor, Sign, &Resource::duo(K::Agreement, &duo)), Allow);
        }
        // An individual meeting is the owner's, not the partner's.
        let individual = Resource::owned(K::Meetings, &duo, A);
        assert_eq!(can(&Actor::participant("u-a", A), Read, &individual), Allow);
        assert_eq!(can(&Actor::participant("u-b", B), Read, &individual), Deny);
    }

    #[test]
    fn coordinator_never_reads_clinical_content() {
        let duo = scope();
        let mut holder = scope();
        holder.break_glass_users.push("u-coord".into());
        let coordinator = Actor::staff("u-coord", [Role::Coordinator]);
        for kind in clinical_kinds() {
            for d in [&duo, &holder] {
                for res in every_resource_of(kind, d) {
                    for action in Action::ALL {
                        assert_eq!(can(&coordinator, action, &res), Deny, "{kind} {action}");
                    }
                }
            }
        }
        // ...but does see every duo's administration.
        for kind in [K::DuoSummary, K::TeamAssignment, K::Meetings] {
            assert_eq!(
                can(&coordinator, Read, &Resource::duo(kind, &duo)),
                Allow,
                "{kind}"
            );
        }
        assert_eq!(
            can(&coordinator, Read, &Resource::owned(K::Contacts, &duo, A)),
            Allow
        );
        // The withdrawal reason is clinical: the coordinator learns only the phase.
        assert!(is_clinical(K::WithdrawalReason));
        let reason = Resource::owned(K::WithdrawalReason, &duo, A);
        assert_eq!(can(&coordinator, Read, &reason), Deny);
    }

    #[test]
    fn admin_never_reads_clinical_content_without_break_glass() {
        let duo = scope();
        let admin = Actor::staff("u-admin", [Role::Admin]);
        for kind in clinical_kinds() {
            for res in every_resource_of(kind, &duo) {
                for action in Action::ALL {
                    assert_eq!(can(&admin, action, &res), Deny, "{kind} {action}");
                }
            }
        }
        // Listed on the team by mistake, an admin is still not a team member.
        let mut listed = scope();
        listed.team.push(("u-admin".into(), TeamRole::Clinician));
        for kind in clinical_kinds() {
            for res in every_resource_of(kind, &listed) {
                for action in Action::ALL {
                    assert_eq!(can(&admin, action, &res), Deny, "{kind} {action}");
                }
            }
        }
        // With a grant: flagged reads, nothing else.
        let holder = Actor::staff("u-admin-bg", [Role::Admin]);
        let intake = Resource::owned(K::Intake, &duo, A);
        assert_eq!(can(&holder, Read, &intake), AllowBreakGlass);
        assert_eq!(can(&holder, Write, &intake), Deny);
        // An admin's own powers are not break-glass ones.
        assert_eq!(can(&admin, Read, &Resource::system(K::AuditTrail)), Allow);
        assert_eq!(
            can(&holder, Read, &Resource::owned(K::AccessLog, &duo, A)),
            Allow
        );
    }

    #[test]
    fn break_glass_is_read_only_and_flagged() {
        let duo = scope();
        let readable = [
            K::DuoSummary,
            K::Intake,
            K::ScreeningFindings,
            K::ScreeningDecision,
            K::WithdrawalReason,
            K::Consents,
            K::SessionConsole,
            K::CheckIn,
            K::Alerts,
            K::ClinicalNote,
        ];
        for user in ["u-fac-bg", "u-clin-bg", "u-admin-bg"] {
            let role = match user {
                "u-fac-bg" => Role::Facilitator,
                "u-clin-bg" => Role::Clinician,
                _ => Role::Admin,
            };
            let actor = Actor::staff(user, [role]);
            for kind in ResourceKind::ALL
                .into_iter()
                .filter(|k| k.scope() != ResourceScope::System)
            {
                for res in every_resource_of(kind, &duo) {
                    let read = judge(&actor, Read, &res);
                    if !res.is_well_formed() {
                        assert_eq!(read.decision, Deny);
                    } else if role == Role::Admin && kind == K::AccessLog {
                        // An admin's own power, not break glass.
                        assert_eq!(read.decision, Allow);
                    } else if readable.contains(&kind)
                        || (kind == K::JournalEntry && res.shared_with_team)
                    {
                        assert_eq!(read.decision, AllowBreakGlass, "{user} {kind}");
                        assert!(read.decision.is_allowed() && read.decision.is_break_glass());
                        assert_eq!(read.relation, Relation::BreakGlass);
                    } else {
                        assert_eq!(read.decision, Deny, "{user} {kind}");
                    }
                    for action in [Write, Sign, Decide, Export] {
                        let d = can(&actor, action, &res);
                        assert_ne!(d, AllowBreakGlass, "{user} {kind} {action}");
                        if is_clinical(kind) {
                            assert_eq!(d, Deny, "{user} {kind} {action}");
                        }
                    }
                }
            }
            // The grant is for this duo only, and ends when the caller stops listing it.
            let mut expired = scope();
            expired.break_glass_users.clear();
            assert_eq!(
                can(&actor, Read, &Resource::owned(K::Intake, &expired, A)),
                Deny
            );
        }
        // A team member's reads are plain allows even if also listed as a grant holder.
        let mut both = scope();
        both.break_glass_users.push("u-clin".into());
        let clinician = Actor::staff("u-clin", [Role::Clinician]);
        assert_eq!(
            can(&clinician, Read, &Resource::owned(K::Intake, &both, A)),
            Allow
        );
        // Coordinators and researchers cannot break glass.
        both.break_glass_users
            .extend(["u-coord".into(), "u-res".into()]);
        for actor in [
            Actor::staff("u-coord", [Role::Coordinator]),
            Actor::staff("u-res", [Role::Researcher]),
        ] {
            assert_eq!(
                can(&actor, Read, &Resource::owned(K::Intake, &both, A)),
                Deny
            );
        }
    }

    #[test]
    fn a_participant_with_stray_staff_roles_is_only_a_participant() {
        let duo = scope();
        let mut stray = Actor::participant("u-fac", A); // even a user id that is on the team
        stray.roles.extend([
            Role::Admin,
            Role::Clinician,
            Role::Facilitator,
            Role::Coordinator,
        ]);
        let plain = Actor::participant("u-fac", A);
        assert_eq!(stray.effective_roles(), vec![Role::Participant]);
        for kind in ResourceKind::ALL {
            for res in every_resource_of(kind, &duo) {
                for action in Action::ALL {
                    assert_eq!(
                        can(&stray, action, &res),
                        can(&plain, action, &res),
                        "{kind} {action}"
                    );
                }
            }
        }
        assert_eq!(
            can(&stray, Read, &Resource::owned(K::Intake, &duo, B)),
            Deny
        );
        assert_eq!(can(&stray, Read, &Resource::system(K::Accounts)), Deny);
        // A participant id alone makes a participant, whatever the roles say.
        let linked = Actor {
            user_id: "u-clin".into(),
            roles: vec![Role::Clinician],
            participant_id: Some("p-z".into()),
        };
        assert_eq!(linked.effective_roles(), vec![Role::Participant]);
        assert_eq!(
            can(&linked, Read, &Resource::owned(K::Intake, &duo, A)),
            Deny
        );
    }

    #[test]
    fn unassigned_staff_are_denied() {
        let duo = scope();
        for role in [Role::Facilitator, Role::Clinician, Role::Researcher] {
            let actor = Actor::staff("u-elsewhere", [role]);
            for kind in ResourceKind::ALL
                .into_iter()
                .filter(|k| k.scope() != ResourceScope::System)
            {
                for res in every_resource_of(kind, &duo) {
                    for action in Action::ALL {
                        assert_eq!(can(&actor, action, &res), Deny, "{role} {kind} {action}");
                    }
                }
            }
        }
        // A facilitator of another duo is unrelated to this one.
        let other = DuoScope {
            duo_id: "duo-2".into(),
            participant_ids: vec!["p-y".into()],
            team: vec![("u-elsewhere".into(), TeamRole::Facilitator)],
            break_glass_users: vec![],
        };
        let facilitator = Actor::staff("u-elsewhere", [Role::Facilitator]);
        assert_eq!(
            can(
                &facilitator,
                Read,
                &Resource::owned(K::Intake, &other, "p-y")
            ),
            Allow
        );
        assert_eq!(
            can(&facilitator, Read, &Resource::owned(K::Intake, &duo, A)),
            Deny
        );
        // A team role counts only with the matching account role.
        let mut mismatched = scope();
        mismatched
            .team
            .push(("u-fac-x".into(), TeamRole::Clinician));
        let facilitator = Actor::staff("u-fac-x", [Role::Facilitator]);
        let findings = Resource::duo(K::ScreeningFindings, &mismatched);
        assert_eq!(can(&facilitator, Read, &findings), Deny);
        assert_eq!(relation(&facilitator, &findings), Relation::Unrelated);
    }

    #[test]
    fn missing_or_inconsistent_scope_is_denied() {
        let duo = scope();
        let everyone: Vec<Actor> = [
            Actor::participant("u-a", A),
            Actor::staff("u-fac", [Role::Facilitator]),
            Actor::staff("u-clin", [Role::Clinician]),
            Actor::staff("u-coord", [Role::Coordinator]),
            Actor::staff("u-admin-bg", [Role::Admin]),
        ]
        .into();
        for kind in ResourceKind::ALL
            .into_iter()
            .filter(|k| k.scope() != ResourceScope::System)
        {
            let no_duo = Resource {
                owner: Some(A),
                ..Resource::system(kind)
            };
            let stranger = Resource::owned(kind, &duo, "p-z");
            let empty = Resource::owned(kind, &duo, "");
            let mut cases = vec![Resource::system(kind), no_duo, stranger, empty];
            if kind.scope() == ResourceScope::Owned {
                cases.push(Resource::duo(kind, &duo));
            }
            for res in cases {
                assert!(!res.is_well_formed());
                for actor in &everyone {
                    for action in Action::ALL {
                        assert_eq!(can(actor, action, &res), Deny, "{kind} {action} {res:?}");
                    }
                }
            }
        }
        // Empty ids never match anything.
        let mut blank = scope();
        blank.team.push((String::new(), TeamRole::Clinician));
        blank.participant_ids.push(String::new());
        let nobody = Actor::staff("", [Role::Clinician]);
        assert_eq!(
            can(&nobody, Read, &Resource::duo(K::ScreeningFindings, &blank)),
            Deny
        );
        let no_one = Actor::participant("", "");
        assert_eq!(
            can(&no_one, Read, &Resource::duo(K::DuoSummary, &blank)),
            Deny
        );
        assert_eq!(
            can(&Actor::default(), Read, &Resource::duo(K::DuoSummary, &duo)),
            Deny
        );
    }

    #[test]
    fn researchers_get_only_the_research_export() {
        let duo = scope();
        let researcher = Actor::staff("u-res", [Role::Researcher]);
        for kind in ResourceKind::ALL {
            for res in every_resource_of(kind, &duo) {
                for action in Action::ALL {
                    let expected = if kind == K::ResearchExport && action == Export {
                        Allow
                    } else {
                        Deny
                    };
                    assert_eq!(can(&researcher, action, &res), expected, "{kind} {action}");
                }
            }
        }
    }

    #[test]
    fn only_facilitators_clinicians_and_admins_may_open_break_glass() {
        for role in Role::ALL {
            let expected = matches!(role, Role::Facilitator | Role::Clinician | Role::Admin);
            assert_eq!(
                can_request_break_glass(&Actor::staff("u", [role])),
                expected,
                "{role}"
            );
        }
        let mut participant = Actor::participant("u", "p");
        participant.roles.push(Role::Admin);
        assert!(!can_request_break_glass(&participant));
        assert!(!can_request_break_glass(&Actor::default()));
    }

    #[test]
    fn judge_names_the_role_and_relation_that_allowed() {
        let duo = scope();
        let both = Actor::staff("u-clin", [Role::Coordinator, Role::Clinician]);
        let findings = Resource::duo(K::ScreeningFindings, &duo);
        let v = judge(&both, Read, &findings);
        assert_eq!(v.decision, Allow);
        assert_eq!(v.role, Some(Role::Clinician));
        assert_eq!(v.relation, Relation::Team(TeamRole::Clinician));
        let denied = judge(
            &Actor::participant("u-b", B),
            Read,
            &Resource::owned(K::Intake, &duo, A),
        );
        assert_eq!(denied.role, None);
        assert_eq!(denied.relation, Relation::Partner);
        assert_eq!(
            Relation::Team(TeamRole::Clinician).to_string(),
            "team_clinician"
        );
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        fn check<T>(all: &[T])
        where
            T: Copy
                + PartialEq
                + fmt::Debug
                + fmt::Display
                + FromStr<Err = ParseNameError>
                + Serialize,
            T: for<'de> Deserialize<'de>,
        {
            for v in all {
                let name = v.to_string();
                assert_eq!(name.parse::<T>(), Ok(*v));
                assert_eq!(serde_json::to_string(v).ok(), Some(format!("\"{name}\"")));
                assert_eq!(
                    serde_json::from_str::<T>(&format!("\"{name}\"")).ok(),
                    Some(*v)
                );
            }
        }
        check(&Role::ALL);
        check(&TeamRole::ALL);
        check(&Action::ALL);
        check(&ResourceKind::ALL);
        let err = "doctor".parse::<Role>().expect_err("not a role");
        assert_eq!(
            err.to_string(),
            "unknown role \"doctor\"; expected one of: participant, facilitator, clinician, \
             coordinator, researcher, admin"
        );
        assert!("Admin".parse::<Role>().is_err());
        assert_eq!(Role::ALL.iter().filter(|r| r.is_staff()).count(), 5);
        for t in TeamRole::ALL {
            assert_eq!(t.account_role().team_role(), Some(t));
        }
        let mut labels: Vec<&str> = Relation::ALL.iter().map(|r| r.as_str()).collect();
        labels.dedup();
        assert_eq!(labels.len(), Relation::ALL.len());
        assert_eq!(
            serde_json::to_string(&AllowBreakGlass).ok().as_deref(),
            Some("\"allow_break_glass\"")
        );
    }

    /// Fails to compile when a relation is added, reminding to list it in `Relation::ALL`.
    #[test]
    fn relation_all_is_complete() {
        for rel in Relation::ALL {
            match rel {
                Relation::Owner
                | Relation::Partner
                | Relation::Team(TeamRole::Facilitator | TeamRole::Clinician)
                | Relation::Coordinator
                | Relation::BreakGlass
                | Relation::Unrelated => {}
            }
        }
        assert_eq!(Relation::ALL.len(), 7);
    }

    // ---- properties over random actors and scopes ----

    const USERS: [&str; 6] = ["u1", "u2", "u3", "u4", "u5", ""];
    const PIDS: [&str; 5] = ["p1", "p2", "p3", "p4", ""];

    fn arb_user() -> impl Strategy<Value = String> {
        proptest::sample::select(USERS.to_vec()).prop_map(String::from)
    }

    fn arb_pid() -> impl Strategy<Value = String> {
        proptest::sample::select(PIDS.to_vec()).prop_map(String::from)
    }

    fn arb_actor() -> impl Strategy<Value = Actor> {
        (
            arb_user(),
            proptest::collection::vec(proptest::sample::select(Role::ALL.to_vec()), 0..4),
            proptest::option::weighted(0.3, arb_pid()),
        )
            .prop_map(|(user_id, roles, participant_id)| Actor {
                user_id,
                roles,
                participant_id,
            })
    }

    fn arb_scope() -> impl Strategy<Value = DuoScope> {
        (
            proptest::collection::vec(arb_pid(), 0..3),
            proptest::collection::vec(
                (arb_user(), proptest::sample::select(TeamRole::ALL.to_vec())),
                0..4,
            ),
            proptest::collection::vec(arb_user(), 0..3),
        )
            .prop_map(|(participant_ids, team, break_glass_users)| DuoScope {
                duo_id: "d".into(),
                participant_ids,
                team,
                break_glass_users,
            })
    }

    fn arb_kind() -> impl Strategy<Value = ResourceKind> {
        proptest::sample::select(ResourceKind::ALL.to_vec())
    }

    fn arb_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }

    fn arb_owner() -> impl Strategy<Value = Option<String>> {
        proptest::option::weighted(0.8, arb_pid())
    }

    fn resource<'a>(
        kind: ResourceKind,
        duo: Option<&'a DuoScope>,
        owner: &'a Option<String>,
        share: (bool, bool),
    ) -> Resource<'a> {
        Resource {
            kind,
            duo,
            owner: owner.as_deref(),
            shared_with_partner: share.0,
            shared_with_team: share.1,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn strangers_never_get_clinical_content(
            actor in arb_actor(),
            duo in arb_scope(),
            kind in arb_kind().prop_filter("clinical", |k| is_clinical(*k)),
            action in arb_action(),
            owner in arb_owner(),
            share in any::<(bool, bool)>(),
            with_duo in any::<bool>(),
        ) {
            let on_team = duo.team.iter().any(|(u, _)| *u == actor.user_id);
            let in_duo = actor.participant_id.as_ref().is_some_and(|p| duo.participant_ids.contains(p));
            let holds_grant = duo.break_glass_users.contains(&actor.user_id);
            if !on_team && !in_duo && !holds_grant {
                let res = resource(kind, with_duo.then_some(&duo), &owner, share);
                prop_assert_eq!(can(&actor, action, &res), Deny);
            }
        }

        #[test]
        fn a_partner_never_gets_the_others_private_records(
            mut actor in arb_actor(),
            mut duo in arb_scope(),
            action in arb_action(),
            share in any::<(bool, bool)>(),
            kind in proptest::sample::select(vec![
                K::Intake, K::ScreeningFindings, K::ScreeningDecision, K::WithdrawalReason,
                K::Messages, K::Consents, K::CheckIn, K::ClinicalNote, K::Alerts,
            ]),
        ) {
            // Whatever else the partner's account holds or is listed as.
            duo.participant_ids.extend([String::from("pa"), String::from("pb")]);
            duo.team.push((actor.user_id.clone(), TeamRole::Clinician));
            duo.break_glass_users.push(actor.user_id.clone());
            actor.participant_id = Some("pb".into());
            let owner = Some(String::from("pa"));
            let res = resource(kind, Some(&duo), &owner, share);
            prop_assert_eq!(can(&actor, action, &res), Deny);
        }

        #[test]
        fn relation_as_stays_within_the_table_columns(
            actor in arb_actor(),
            duo in arb_scope(),
            kind in arb_kind(),
            owner in arb_owner(),
            with_duo in any::<bool>(),
        ) {
            let t = table();
            let res = resource(kind, with_duo.then_some(&duo), &owner, (false, false));
            for role in actor.effective_roles() {
                let rel = relation_as(&actor, role, &res);
                prop_assert!(t.column(role, rel).is_some(), "{} stands {} with no column", role, rel);
            }
            // `relation` reports one of the per-role relations (or Unrelated for no roles).
            let reported = relation(&actor, &res);
            let per_role: Vec<Relation> =
                actor.effective_roles().into_iter().map(|r| relation_as(&actor, r, &res)).collect();
            prop_assert!(per_role.contains(&reported) || (per_role.is_empty() && reported == Relation::Unrelated));
        }

        #[test]
        fn many_roles_get_the_best_of_each_and_no_more(
            actor in arb_actor(),
            duo in arb_scope(),
            kind in arb_kind(),
            action in arb_action(),
            owner in arb_owner(),
            share in any::<(bool, bool)>(),
        ) {
            let res = resource(kind, Some(&duo), &owner, share);
            let combined = can(&actor, action, &res);
            let best = actor
                .effective_roles()
                .into_iter()
                .map(|role| can(&Actor { roles: vec![role], ..actor.clone() }, action, &res))
                .max_by_key(|d| d.strength())
                .unwrap_or(Deny);
            prop_assert_eq!(combined, best);
        }

        #[test]
        fn break_glass_only_reads_and_only_for_grant_holders_off_the_team(
            actor in arb_actor(),
            duo in arb_scope(),
            kind in arb_kind(),
            action in arb_action(),
            owner in arb_owner(),
            share in any::<(bool, bool)>(),
        ) {
            let res = resource(kind, Some(&duo), &owner, share);
            if can(&actor, action, &res) == AllowBreakGlass {
                prop_assert_eq!(action, Read);
                prop_assert!(!actor.is_participant());
                prop_assert!(duo.holds_break_glass(&actor.user_id));
                prop_assert!(!duo.is_on_team(&actor.user_id));
                prop_assert!(can_request_break_glass(&actor));
            }
        }

        #[test]
        fn stray_staff_roles_change_nothing_for_a_participant(
            actor in arb_actor(),
            duo in arb_scope(),
            kind in arb_kind(),
            action in arb_action(),
            owner in arb_owner(),
            share in any::<(bool, bool)>(),
        ) {
            let res = resource(kind, Some(&duo), &owner, share);
            let participant = Actor { roles: vec![Role::Participant], ..actor.clone() };
            let mut stray = actor.clone();
            stray.roles.push(Role::Participant);
            prop_assert_eq!(can(&stray, action, &res), can(&participant, action, &res));
        }
    }
}
