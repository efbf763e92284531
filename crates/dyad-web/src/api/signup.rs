//! Pair sign-up: one person signs up and invites the other, who accepts or declines on
//! their own; email verification; the inviter's view of the invitation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::pathway::{PathwayFacts, Transition};
use dyad_store::accounts::{self, NewUser, TokenProblem};
use dyad_store::audit::AuditEntry;
use dyad_store::duos::{self, NewDuo, NewPartner};
use dyad_store::sealing::Place;
use dyad_store::secrets;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access;
use crate::api::staff::looks_like_email;
use crate::auth::{Authenticated, SignedIn};
use crate::duo;
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;

pub const RELATIONSHIPS: &[&str] = &["couple", "friends", "family", "other"];
pub const INVITATION_PURPOSE: &str = "invitation";
pub const VERIFY_PURPOSE: &str = "verify_email";
pub const MAX_NAME: usize = 200;
pub const MAX_MOTIVATION: usize = 5000;
/// Sign-ups accepted from one address per hour.
pub const SIGNUPS_PER_HOUR: i64 = 10;
/// Mails one person can cause per kind (verification, invitation) per day.
pub const RESENDS_PER_DAY: i64 = 5;

#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct PartnerInvite {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct SignupRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    /// couple, friends, family or other
    #[serde(default)]
    pub relationship: String,
    /// Your own reasons, in your own words.
    #[serde(default)]
    pub motivation: String,
    #[serde(default)]
    pub partner: PartnerInvite,
    #[serde(default)]
    pub age_confirmed: bool,
    /// Accepts the current participation terms and privacy notice.
    #[serde(default)]
    pub accept_documents: bool,
    /// Optional and separate from consent to care.
    #[serde(default)]
    pub research_consent: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    pub participant_id: String,
    pub duo_id: String,
}

fn check_name(field: &str, value: &str, errors: &mut Vec<FieldError>) {
    let n = value.trim().chars().count();
    if n == 0 || n > MAX_NAME {
        errors.push(FieldError::from_catalogue(
            field,
            "check-name-length",
            &[("max", &MAX_NAME.to_string())],
        ));
    }
}

fn check_common(
    password_text: &str,
    motivation: &str,
    age: bool,
    accept: bool,
    errors: &mut Vec<FieldError>,
) {
    if let Some(problem) = crate::api::identity::password_error("password", password_text) {
        errors.push(problem);
    }
    let m = motivation.trim().chars().count();
    if m == 0 {
        errors.push(FieldError::from_catalogue(
            "motivation",
            "check-motivation-empty",
            &[],
        ));
    } else if m > MAX_MOTIVATION {
        errors.push(FieldError::from_catalogue(
            "motivation",
            "check-motivation-long",
            &[("max", &MAX_MOTIVATION.to_string())],
        ));
    }
    if !age {
        errors.push(FieldError::from_catalogue(
            "age_confirmed",
            "check-age",
            &[],
        ));
    }
    if !accept {
        errors.push(FieldError::from_catalogue(
            "accept_documents",
            "check-accept-documents",
            &[],
        ));
    }
}

pub fn validate_signup(req: &SignupRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_name("name", &req.name, &mut errors);
    if !looks_like_email(&req.email) {
        errors.push(FieldError::from_catalogue("email", "check-email", &[]));
    }
    if !RELATIONSHIPS.contains(&req.relationship.as_str()) {
        errors.push(FieldError::from_catalogue(
            "relationship",
            "check-relationship",
            &[],
        ));
    }
    check_name("partner.name", &req.partner.name, &mut errors);
    if !looks_like_email(&req.partner.email) {
        errors.push(FieldError::from_catalogue(
            "partner.email",
            "check-partner-email",
            &[],
        ));
    } else if accounts::normalise_email(&req.partner.email) == accounts::normalise_email(&req.email)
    {
        errors.push(FieldError::from_catalogue(
            "partner.email",
            "check-partner-email-is-yours",
            &[],
        ));
    }
    check_common(
        &req.password,
        &req.motivation,
        req.age_confirmed,
        req.accept_documents,
        &mut errors,
    );
    errors
}

/// The documents accepted by "I accept": the current care documents, plus the research
/// consent only when asked for.
async fn documents_to_accept(state: &AppState, research: bool) -> AppResult<Vec<String>> {
    Ok(duos::current_documents(&state.db, state.now())
        .await?
        .into_iter()
        .filter(|d| d.kind != "research" || research)
        .map(|d| d.id)
        .collect())
}

fn days(micros_days: i64) -> i64 {
    micros_days * 24 * 3600 * 1_000_000
}

/// Shared by the page and the API.
pub async fn apply_signup(
    state: &AppState,
    req: &SignupRequest,
    lang: &str,
    client: &str,
) -> AppResult<Joined> {
    let hour = 3600 * 1_000_000;
    if !accounts::take_rate(
        &state.db,
        &format!("signup:{client}"),
        state.now(),
        hour,
        SIGNUPS_PER_HOUR,
    )
    .await?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: 3600,
        });
    }
    let errors = validate_signup(req);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if accounts::user_by_email(&state.db, &req.email)
        .await?
        .is_some()
    {
        return Err(AppError::Validation(vec![FieldError::from_catalogue(
            "email",
            "check-email-taken",
            &[],
        )]));
    }
    let now = state.now();
    let duo_id = accounts::new_id();
    let participant_id = accounts::new_id();
    let invitation_id = accounts::new_id();
    let motivation_sealed = state
        .sealer
        .seal(
            &state.db,
            &participant_id,
            motivation_place(&participant_id),
            req.motivation.trim().as_bytes(),
            now,
        )
        .await?;
    let invitation_token = secrets::random_token();
    let password_hash = crate::auth::hash_blocking(req.password.clone()).await?;
    let new = NewDuo {
        duo_id: duo_id.clone(),
        relationship: req.relationship.clone(),
        user: NewUser {
            email: req.email.trim().to_string(),
            name: req.name.trim().to_string(),
            password_hash,
            kind: "participant".into(),
            roles: vec!["participant".into()],
            must_change_password: false,
            participant_id: Some(participant_id.clone()),
            email_verified: false,
        },
        participant_id: participant_id.clone(),
        motivation_sealed,
        invitation_id: invitation_id.clone(),
        partner_name: req.partner.name.trim().to_string(),
        partner_email: req.partner.email.trim().to_string(),
        invitation_expires_at: now + days(state.config.invitation_days),
        invitation_token_hash: secrets::token_hash(&invitation_token),
        document_ids: documents_to_accept(state, req.research_consent.unwrap_or(false)).await?,
        accept_method: "sign_up".into(),
    };
    let user_id = duos::create_duo(&state.db, &new, now).await.map_err(|e| {
        if e.is_unique_violation() {
            AppError::Validation(vec![FieldError::from_catalogue(
                "email",
                "check-email-taken",
                &[],
            )])
        } else {
            e.into()
        }
    })?;
    if lang != "en" {
        accounts::set_lang(&state.db, &user_id, lang).await?;
    }
    access::record(
        state,
        AuditEntry::new(&user_id, "participant", "sign_up")
            .subject(&duo_id)
            .resource("duo"),
    )
    .await?;
    send_verification(state, &user_id).await?;
    send_invitation(
        state,
        &new.partner_email,
        &new.partner_name,
        &new.user.name,
        &invitation_token,
        lang,
    )
    .await?;
    Ok(Joined {
        participant_id,
        duo_id,
    })
}

pub fn motivation_place(participant_id: &str) -> Place<'_> {
    Place {
        table: "participants",
        row: participant_id,
        field: "motivation",
    }
}

async fn send(state: &AppState, mail: Mail) -> AppResult<()> {
    state
        .mailer
        .send(&mail)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Mails a fresh verification link to the account.
pub async fn send_verification(state: &AppState, user_id: &str) -> AppResult<()> {
    let user = accounts::user_by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !accounts::take_rate(
        &state.db,
        &format!("verify-mail:{user_id}"),
        state.now(),
        days(1),
        RESENDS_PER_DAY,
    )
    .await?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: 3600,
        });
    }
    let now = state.now();
    let token = secrets::random_token();
    accounts::revoke_tokens(&state.db, VERIFY_PURPOSE, user_id, now).await?;
    accounts::create_token(
        &state.db,
        &secrets::token_hash(&token),
        VERIFY_PURPOSE,
        user_id,
        now,
        now + days(7),
    )
    .await?;
    let tr = Tr::new(&user.lang);
    let link = format!("{}/verify/{token}", state.config.base_url);
    send(
        state,
        Mail {
            to: user.email.clone(),
            subject: tr.ta(
                "mail-verify-subject",
                &[("practice", &state.config.practice.name)],
            ),
            text: tr.ta(
                "mail-verify-body",
                &[
                    ("name", &user.name),
                    ("link", &link),
                    ("practice", &state.config.practice.name),
                ],
            ),
        },
    )
    .await
}

async fn send_invitation(
    state: &AppState,
    to: &str,
    partner_name: &str,
    inviter_name: &str,
    token: &str,
    lang: &str,
) -> AppResult<()> {
    let tr = Tr::new(lang);
    let link = format!("{}/join/{token}", state.config.base_url);
    let days = state.config.invitation_days.to_string();
    send(
        state,
        Mail {
            to: to.to_string(),
            subject: tr.ta(
                "mail-invite-subject",
                &[
                    ("inviter", inviter_name),
                    ("practice", &state.config.practice.name),
                ],
            ),
            text: tr.ta(
                "mail-invite-body",
                &[
                    ("name", partner_name),
                    ("inviter", inviter_name),
                    ("link", &link),
                    ("days", &days),
                    ("practice", &state.config.practice.name),
                ],
            ),
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/signup", tag = "sign-up", request_body = SignupRequest,
    responses((status = 201, body = Joined), (status = 422, body = Problem), (status = 429, body = Problem, description = "Too many sign-ups from this address; see Retry-After")))]
pub async fn signup(
    State(state): State<AppState>,
    crate::auth::ClientAddr(client): crate::auth::ClientAddr,
    Json(body): Json<SignupRequest>,
) -> AppResult<(StatusCode, Json<Joined>)> {
    let joined = apply_signup(&state, &body, "en", &client).await?;
    Ok((StatusCode::CREATED, Json(joined)))
}

/// Shared by the page and the API: confirms the address a verification link was sent to.
pub async fn apply_verify(state: &AppState, token: &str) -> AppResult<()> {
    let user_id = accounts::take_token(
        &state.db,
        &secrets::token_hash(token),
        VERIFY_PURPOSE,
        state.now(),
    )
    .await?
    .map_err(crate::api::identity::token_problem_error)?;
    duos::mark_email_verified(&state.db, &user_id).await?;
    access::record(
        state,
        AuditEntry::new(&user_id, "participant", "verify_email").subject(&user_id),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/verify/{token}", tag = "sign-up", params(("token" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<StatusCode> {
    apply_verify(&state, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An open invitation behind a token, or why it is not open. Expired invitations are
/// closed on the way (the inviter then sees "will not go ahead").
pub async fn open_invitation(
    state: &AppState,
    token: &str,
) -> AppResult<Result<duos::Invitation, TokenProblem>> {
    let hash = secrets::token_hash(token);
    let id = match accounts::peek_token(&state.db, &hash, INVITATION_PURPOSE, state.now()).await? {
        Ok(id) => id,
        Err(TokenProblem::Expired) => {
            if let Some(inv) = invitation_for_token(state, &hash).await? {
                expire(state, &inv).await?;
            }
            return Ok(Err(TokenProblem::Expired));
        }
        Err(p) => return Ok(Err(p)),
    };
    let invitation = duos::invitation_by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if invitation.status != "waiting" {
        return Ok(Err(TokenProblem::Used));
    }
    Ok(Ok(invitation))
}

async fn invitation_for_token(state: &AppState, hash: &str) -> AppResult<Option<duos::Invitation>> {
    let row: Option<(String,)> = sqlx_subject(state, hash).await?;
    match row {
        Some((id,)) => Ok(duos::invitation_by_id(&state.db, &id).await?),
        None => Ok(None),
    }
}

async fn sqlx_subject(state: &AppState, hash: &str) -> AppResult<Option<(String,)>> {
    Ok(accounts::token_subject(&state.db, hash, INVITATION_PURPOSE)
        .await?
        .map(|s| (s,)))
}

/// Closes an invitation that ran out of time and the duo with it.
pub async fn expire(state: &AppState, inv: &duos::Invitation) -> AppResult<()> {
    if inv.status != "waiting" || inv.expires_at > state.now() {
        return Ok(());
    }
    if duos::end_invitation(&state.db, &inv.id, "expired", state.now()).await? {
        let ctx = duo::load(state, &inv.duo_id).await?;
        let system = system_actor();
        let facts = PathwayFacts {
            invitation_expires_at: Some(dyad_core::time::from_micros(inv.expires_at)),
            ..Default::default()
        };
        duo::advance(state, &ctx, Transition::InvitationExpired, &system, facts).await?;
    }
    Ok(())
}

/// The actor recorded for changes dyad makes by itself (expiry and the like).
pub fn system_actor() -> Authenticated {
    Authenticated {
        user: accounts::User {
            id: "system".into(),
            email: String::new(),
            name: "dyad".into(),
            password_hash: String::new(),
            kind: "staff".into(),
            roles: vec!["system".into()],
            must_change_password: false,
            totp_secret: None,
            totp_enabled: true,
            totp_last_step: 0,
            active: true,
            email_verified: true,
            participant_id: None,
            lang: "en".into(),
            created_at: 0,
        },
        session: accounts::AuthSession {
            token_hash: String::new(),
            user_id: "system".into(),
            csrf_token: String::new(),
            created_at: 0,
            last_seen_at: 0,
            idle_micros: 0,
            expires_at: 0,
        },
        via_bearer: true,
        required: Vec::new(),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct AcceptRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub motivation: String,
    #[serde(default)]
    pub age_confirmed: bool,
    #[serde(default)]
    pub accept_documents: bool,
    #[serde(default)]
    pub research_consent: Option<bool>,
}

fn invitation_problem(p: TokenProblem) -> AppError {
    match p {
        TokenProblem::Unknown => AppError::NotFound,
        TokenProblem::Expired => AppError::Conflict(
            "This invitation has expired. Ask the person who invited you to send a new one.".into(),
        ),
        TokenProblem::Used => {
            AppError::Conflict("This invitation has already been answered.".into())
        }
    }
}

/// Shared by the page and the API.
pub async fn apply_accept(
    state: &AppState,
    token: &str,
    req: &AcceptRequest,
    lang: &str,
) -> AppResult<Joined> {
    let invitation = open_invitation(state, token)
        .await?
        .map_err(invitation_problem)?;
    let mut errors = Vec::new();
    check_name("name", &req.name, &mut errors);
    check_common(
        &req.password,
        &req.motivation,
        req.age_confirmed,
        req.accept_documents,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let ctx = duo::load(state, &invitation.duo_id).await?;
    let next = dyad_core::pathway::apply(
        ctx.phase(),
        &Transition::PartnerJoined,
        &PathwayFacts::default(),
    )
    .map_err(|e| AppError::Conflict(e.detail()))?;
    let now = state.now();
    let participant_id = accounts::new_id();
    let motivation_sealed = state
        .sealer
        .seal(
            &state.db,
            &participant_id,
            motivation_place(&participant_id),
            req.motivation.trim().as_bytes(),
            now,
        )
        .await?;
    let password_hash = crate::auth::hash_blocking(req.password.clone()).await?;
    let new = NewPartner {
        invitation_id: invitation.id.clone(),
        token_hash: secrets::token_hash(token),
        duo_id: invitation.duo_id.clone(),
        user: NewUser {
            email: invitation.partner_email.clone(),
            name: req.name.trim().to_string(),
            password_hash,
            kind: "participant".into(),
            roles: vec!["participant".into()],
            must_change_password: false,
            participant_id: Some(participant_id.clone()),
            email_verified: true,
        },
        participant_id: participant_id.clone(),
        motivation_sealed,
        document_ids: documents_to_accept(state, req.research_consent.unwrap_or(false)).await?,
        accept_method: "invitation".into(),
        next_phase: next.as_str().into(),
    };
    let user_id = duos::join_duo(&state.db, &new, now)
        .await
        .map_err(|e| match e {
            dyad_store::StoreError::Conflict(_) => invitation_problem(TokenProblem::Used),
            e if e.is_unique_violation() => AppError::Validation(vec![FieldError::from_catalogue(
                "email",
                "check-invitation-email-taken",
                &[],
            )]),
            e => e.into(),
        })?;
    if lang != "en" {
        accounts::set_lang(&state.db, &user_id, lang).await?;
    }
    access::record(
        state,
        AuditEntry::new(&user_id, "participant", "accept_invitation")
            .subject(&invitation.duo_id)
            .resource("duo"),
    )
    .await?;
    notify_inviter(state, &ctx, "mail-partner-joined").await?;
    Ok(Joined {
        participant_id,
        duo_id: invitation.duo_id,
    })
}

async fn notify_inviter(state: &AppState, ctx: &duo::DuoContext, key: &str) -> AppResult<()> {
    let Some(inviter) = ctx.participants.iter().find(|p| p.member_role == "inviter") else {
        return Ok(());
    };
    let Some(user_id) = &inviter.user_id else {
        return Ok(());
    };
    let Some(user) = accounts::user_by_id(&state.db, user_id).await? else {
        return Ok(());
    };
    let tr = Tr::new(&user.lang);
    let link = format!("{}/home", state.config.base_url);
    send(
        state,
        Mail {
            to: user.email.clone(),
            subject: tr.ta(
                &format!("{key}-subject"),
                &[("practice", &state.config.practice.name)],
            ),
            text: tr.ta(
                &format!("{key}-body"),
                &[
                    ("name", &user.name),
                    ("link", &link),
                    ("practice", &state.config.practice.name),
                ],
            ),
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", tag = "sign-up", request_body = AcceptRequest,
    params(("token" = String, Path)),
    responses((status = 201, body = Joined), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(body): Json<AcceptRequest>,
) -> AppResult<(StatusCode, Json<Joined>)> {
    let joined = apply_accept(&state, &token, &body, "en").await?;
    Ok((StatusCode::CREATED, Json(joined)))
}

/// Shared by the page and the API: the invited person says no. The inviter learns only
/// that the duo will not go ahead.
pub async fn apply_decline(state: &AppState, token: &str) -> AppResult<()> {
    let invitation = open_invitation(state, token)
        .await?
        .map_err(invitation_problem)?;
    let hash = secrets::token_hash(token);
    accounts::take_token(&state.db, &hash, INVITATION_PURPOSE, state.now())
        .await?
        .map_err(invitation_problem)?;
    duos::end_invitation(&state.db, &invitation.id, "declined", state.now()).await?;
    let ctx = duo::load(state, &invitation.duo_id).await?;
    duo::advance(
        state,
        &ctx,
        Transition::InvitationDeclined,
        &system_actor(),
        PathwayFacts::default(),
    )
    .await?;
    notify_inviter(state, &ctx, "mail-duo-stopped").await
}

#[utoipa::path(post, path = "/api/v1/invitations/{token}/decline", tag = "sign-up", params(("token" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn decline(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<StatusCode> {
    apply_decline(&state, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationStatus {
    /// waiting, joined or will_not_go_ahead — never why.
    pub status: String,
    pub partner_name: String,
    pub expires_at: String,
}

pub fn inviter_status(status: &str) -> &'static str {
    match status {
        "waiting" => "waiting",
        "joined" => "joined",
        _ => "will_not_go_ahead",
    }
}

async fn own_invitation(
    state: &AppState,
    auth: &Authenticated,
) -> AppResult<(duo::DuoContext, duos::Invitation)> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    let inv = invitation_in(state, &ctx, &pid).await?;
    Ok((ctx, inv))
}

/// The invitation of the duo `ctx`, when `pid` is the member who sent it.
async fn invitation_in(
    state: &AppState,
    ctx: &duo::DuoContext,
    pid: &str,
) -> AppResult<duos::Invitation> {
    let me = ctx.participant(pid).ok_or(AppError::NotFound)?;
    if me.member_role != "inviter" {
        return Err(AppError::NotFound);
    }
    let mut inv = duos::invitation_of_duo(&state.db, &ctx.duo.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if inv.status == "waiting" && inv.expires_at <= state.now() {
        expire(state, &inv).await?;
        inv.status = "expired".into();
    }
    Ok(inv)
}

pub async fn invitation_status_of(
    state: &AppState,
    auth: &Authenticated,
) -> AppResult<InvitationStatus> {
    let (ctx, pid) = duo::of_participant(state, auth).await?;
    invitation_status_in(state, &ctx, &pid).await
}

/// [`invitation_status_of`] for a duo context the caller has loaded already.
pub async fn invitation_status_in(
    state: &AppState,
    ctx: &duo::DuoContext,
    pid: &str,
) -> AppResult<InvitationStatus> {
    let inv = invitation_in(state, ctx, pid).await?;
    Ok(InvitationStatus {
        status: inviter_status(&inv.status).to_string(),
        partner_name: inv.partner_name,
        expires_at: crate::api::records::rfc3339(inv.expires_at),
    })
}

#[utoipa::path(get, path = "/api/v1/me/invitation", tag = "sign-up",
    responses((status = 200, body = InvitationStatus), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn my_invitation(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<InvitationStatus>> {
    Ok(Json(invitation_status_of(&state, &auth).await?))
}

/// Shared by the page and the API: a new link for a waiting invitation.
pub async fn apply_resend(state: &AppState, auth: &Authenticated) -> AppResult<()> {
    let (_, inv) = own_invitation(state, auth).await?;
    if inv.status != "waiting" {
        return Err(AppError::Conflict(
            "This invitation is no longer open.".into(),
        ));
    }
    let now = state.now();
    if !accounts::take_rate(
        &state.db,
        &format!("invite-mail:{}", inv.id),
        now,
        days(1),
        RESENDS_PER_DAY,
    )
    .await?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: 3600,
        });
    }
    let token = secrets::random_token();
    duos::renew_invitation(
        &state.db,
        &inv.id,
        &secrets::token_hash(&token),
        now,
        now + days(state.config.invitation_days),
    )
    .await?;
    send_invitation(
        state,
        &inv.partner_email,
        &inv.partner_name,
        &auth.user.name,
        &token,
        &auth.user.lang,
    )
    .await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, "participant", "resend_invitation")
            .subject(&inv.duo_id)
            .resource("duo"),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/me/invitation/resend", tag = "sign-up",
    responses((status = 204), (status = 409, body = Problem), (status = 429, body = Problem, description = "Too many new links today; see Retry-After")), security(("bearer" = [])))]
pub async fn resend(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<StatusCode> {
    apply_resend(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shared by the page and the API: the inviter calls it off before the partner joined.
pub async fn apply_cancel(state: &AppState, auth: &Authenticated) -> AppResult<()> {
    let (ctx, inv) = own_invitation(state, auth).await?;
    if inv.status != "waiting" {
        return Err(AppError::Conflict(
            "This invitation is no longer open.".into(),
        ));
    }
    duos::end_invitation(&state.db, &inv.id, "cancelled", state.now()).await?;
    let by = auth.user.participant_id.clone().unwrap_or_default();
    duo::advance(
        state,
        &ctx,
        Transition::Withdraw { by },
        auth,
        PathwayFacts::default(),
    )
    .await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/me/invitation/cancel", tag = "sign-up",
    responses((status = 204), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<StatusCode> {
    apply_cancel(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}
