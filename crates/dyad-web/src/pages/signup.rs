//! Signing up as a pair: the sign-up form, confirming the email address, and the partner's
//! invitation page (join or decline). Every decision is the sign-up service's; these
//! handlers only gather the form and show the answer.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dyad_store::accounts::{self, TokenProblem};
use dyad_store::audit::AuditEntry;
use dyad_store::{duos, secrets};

use super::info::current_documents;
use super::{Ctx, FormErrors, field, form_pairs, page_errors, render, render_status};
use crate::access;
use crate::api::documents::DocumentView;
use crate::api::identity;
use crate::api::signup::{
    self, AcceptRequest, PartnerInvite, RELATIONSHIPS, SignupRequest, VERIFY_PURPOSE, apply_accept,
    apply_decline, apply_signup, apply_verify, open_invitation,
};
use crate::auth::{self, Authenticated, Lang, Pending};
use crate::duo;
use crate::error::in_language;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;

type MaybeAuth = Option<axum::Extension<Authenticated>>;

fn auth_of(a: &MaybeAuth) -> Option<&Authenticated> {
    a.as_ref().map(|e| &e.0)
}

/// A short page that says one thing: a confirmation, or why a link does not work.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub ctx: Ctx,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub link: Option<(String, String)>,
}

pub fn notice(
    ctx: Ctx,
    title: String,
    paragraphs: Vec<String>,
    link: Option<(&str, String)>,
) -> NoticePage {
    NoticePage {
        ctx,
        title,
        paragraphs,
        link: link.map(|(href, label)| (href.to_string(), label)),
    }
}

/// The documents a person accepts by signing up or joining, as links.
struct DocLinks {
    care: Vec<DocumentView>,
    research: Option<DocumentView>,
}

async fn doc_links(state: &AppState) -> AppResult<DocLinks> {
    let mut care = Vec::new();
    let mut research = None;
    for d in current_documents(state).await? {
        if d.kind == "research" {
            research = Some(d);
        } else {
            care.push(d);
        }
    }
    Ok(DocLinks { care, research })
}

fn relationship_choices(tr: &Tr) -> Vec<(String, String)> {
    RELATIONSHIPS
        .iter()
        .map(|r| ((*r).to_string(), tr.t(&format!("relationship-{r}"))))
        .collect()
}

/// Opens a session for the participant who just signed up or joined, like signing in.
async fn sign_in_participant(
    state: &AppState,
    participant_id: &str,
    previous: Option<&Authenticated>,
) -> AppResult<Response> {
    let participant = duos::participant_by_id(&state.db, participant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let user_id = participant.user_id.ok_or(AppError::NotFound)?;
    let user = accounts::user_by_id(&state.db, &user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    identity::end_previous_session(state, previous).await?;
    let token = auth::open_session(state, &user).await?;
    access::record(
        state,
        AuditEntry::new(&user.id, "participant", "sign_in")
            .subject(&user.id)
            .resource("session"),
    )
    .await?;
    let mut response = Redirect::to("/home").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::session_cookie(state, &token));
    Ok(response)
}

// ---------------------------------------------------------------- sign-up

#[derive(Default)]
struct SignupValues {
    name: String,
    email: String,
    relationship: String,
    motivation: String,
    partner_name: String,
    partner_email: String,
    age: bool,
    accept: bool,
    research: bool,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    ctx: Ctx,
    f: FormErrors,
    v: SignupValues,
    relationships: Vec<(String, String)>,
    docs: DocLinks,
}

async fn signup_page(
    state: &AppState,
    tr: Tr,
    auth: Option<&Authenticated>,
    f: FormErrors,
    v: SignupValues,
) -> AppResult<SignupPage> {
    Ok(SignupPage {
        relationships: relationship_choices(&tr),
        docs: doc_links(state).await?,
        ctx: Ctx::new(state, tr, auth),
        f,
        v,
    })
}

pub async fn signup_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
) -> AppResult<Response> {
    let page = signup_page(
        &state,
        tr,
        auth_of(&auth),
        FormErrors::default(),
        SignupValues::default(),
    )
    .await?;
    render(&page)
}

fn checked(pairs: &[(String, String)], key: &str) -> bool {
    !field(pairs, key).is_empty()
}

pub async fn signup_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
    crate::auth::ClientAddr(client): crate::auth::ClientAddr,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let v = SignupValues {
        name: field(&pairs, "name").to_string(),
        email: field(&pairs, "email").trim().to_string(),
        relationship: field(&pairs, "relationship").to_string(),
        motivation: field(&pairs, "motivation").to_string(),
        partner_name: field(&pairs, "partner_name").to_string(),
        partner_email: field(&pairs, "partner_email").trim().to_string(),
        age: checked(&pairs, "age_confirmed"),
        accept: checked(&pairs, "accept_documents"),
        research: checked(&pairs, "research_consent"),
    };
    let req = SignupRequest {
        name: v.name.clone(),
        email: v.email.clone(),
        password: field(&pairs, "password").to_string(),
        relationship: v.relationship.clone(),
        motivation: v.motivation.clone(),
        partner: PartnerInvite {
            name: v.partner_name.clone(),
            email: v.partner_email.clone(),
        },
        age_confirmed: v.age,
        accept_documents: v.accept,
        research_consent: Some(v.research),
    };
    match apply_signup(&state, &req, tr.lang(), &client).await {
        Ok(joined) => sign_in_participant(&state, &joined.participant_id, auth_of(&auth)).await,
        Err(e) => {
            let f = FormErrors::new(in_language(&tr, page_errors(e)?));
            let page = signup_page(&state, tr, auth_of(&auth), f, v).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------------------------------------------------------------- email verification

fn link_problem(tr: &Tr, p: TokenProblem) -> (StatusCode, String) {
    match p {
        TokenProblem::Unknown => (StatusCode::NOT_FOUND, tr.t("link-unknown")),
        TokenProblem::Expired => (StatusCode::CONFLICT, tr.t("verify-expired")),
        TokenProblem::Used => (StatusCode::CONFLICT, tr.t("verify-used")),
    }
}

async fn verify_problem(state: &AppState, token: &str) -> AppResult<Option<TokenProblem>> {
    Ok(accounts::peek_token(
        &state.db,
        &secrets::token_hash(token),
        VERIFY_PURPOSE,
        state.now(),
    )
    .await?
    .err())
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    ctx: Ctx,
    token: String,
}

fn verify_problem_page(
    state: &AppState,
    tr: Tr,
    auth: Option<&Authenticated>,
    p: TokenProblem,
) -> AppResult<Response> {
    let (status, text) = link_problem(&tr, p);
    let back = if auth.is_some() {
        ("/account/steps", tr.t("verify-continue"))
    } else {
        ("/login", tr.t("nav-sign-in"))
    };
    render_status(
        status,
        &notice(
            Ctx::new(state, tr.clone(), auth),
            tr.t("verify-title"),
            vec![text],
            Some(back),
        ),
    )
}

/// Shows a button rather than confirming on the spot: mail scanners open links too.
pub async fn verify_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if let Some(p) = verify_problem(&state, &token).await? {
        return verify_problem_page(&state, tr, auth_of(&auth), p);
    }
    render(&VerifyPage {
        ctx: Ctx::new(&state, tr, auth_of(&auth)),
        token,
    })
}

pub async fn verify_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if let Some(p) = verify_problem(&state, &token).await? {
        return verify_problem_page(&state, tr, auth_of(&auth), p);
    }
    match apply_verify(&state, &token).await {
        Ok(()) => {}
        Err(AppError::NotFound) => {
            return verify_problem_page(&state, tr, auth_of(&auth), TokenProblem::Unknown);
        }
        Err(AppError::Conflict(_)) => {
            return verify_problem_page(&state, tr, auth_of(&auth), TokenProblem::Used);
        }
        Err(e) => return Err(e),
    }
    let link = if auth.is_some() {
        ("/account/steps", tr.t("verify-continue"))
    } else {
        ("/login", tr.t("nav-sign-in"))
    };
    render(&notice(
        Ctx::new(&state, tr.clone(), None),
        tr.t("verify-done-title"),
        vec![tr.t("verify-done-body")],
        Some(link),
    ))
}

#[derive(Template)]
#[template(path = "check_email.html")]
struct CheckEmailPage {
    ctx: Ctx,
    body: String,
    sent: bool,
}

/// The step a new participant owes first: confirming their email address.
pub async fn check_email(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
) -> AppResult<Response> {
    if !auth.required.iter().any(|s| s == "verify_email") {
        return Ok(Redirect::to("/account/steps").into_response());
    }
    render(&CheckEmailPage {
        body: tr.ta("check-email-body", &[("email", &auth.user.email)]),
        ctx: Ctx::new(&state, tr, Some(&auth)),
        sent: false,
    })
}

pub async fn resend_verification(
    State(state): State<AppState>,
    Lang(tr): Lang,
    Pending(auth): Pending,
) -> AppResult<Response> {
    if !auth.required.iter().any(|s| s == "verify_email") {
        return Ok(Redirect::to("/account/steps").into_response());
    }
    signup::send_verification(&state, &auth.user.id).await?;
    render(&CheckEmailPage {
        body: tr.ta("check-email-body", &[("email", &auth.user.email)]),
        ctx: Ctx::new(&state, tr, Some(&auth)),
        sent: true,
    })
}

// ---------------------------------------------------------------- the invitation

fn invitation_problem_page(
    state: &AppState,
    tr: Tr,
    auth: Option<&Authenticated>,
    p: TokenProblem,
) -> AppResult<Response> {
    let (status, text) = match p {
        TokenProblem::Unknown => (StatusCode::NOT_FOUND, tr.t("link-unknown")),
        TokenProblem::Expired => (StatusCode::CONFLICT, tr.t("join-expired")),
        TokenProblem::Used => (StatusCode::CONFLICT, tr.t("join-used")),
    };
    render_status(
        status,
        &notice(
            Ctx::new(state, tr.clone(), auth),
            tr.t("join-problem-title"),
            vec![text],
            Some(("/about", tr.t("info-about-title"))),
        ),
    )
}

/// Who invited, and how they know each other: all the invitation page tells.
struct Invite {
    inviter: String,
    partner_name: String,
    heading: String,
    intro: String,
    email: String,
    decline: String,
}

async fn invite_of(
    state: &AppState,
    tr: &Tr,
    token: &str,
) -> AppResult<Result<Invite, TokenProblem>> {
    let inv = match open_invitation(state, token).await? {
        Ok(inv) => inv,
        Err(p) => return Ok(Err(p)),
    };
    let ctx = duo::load(state, &inv.duo_id).await?;
    let inviter = ctx
        .participants
        .iter()
        .find(|p| p.member_role == "inviter")
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let relationship = tr.t(&format!("relationship-{}", ctx.duo.relationship));
    Ok(Ok(Invite {
        heading: tr.ta("join-heading", &[("inviter", &inviter)]),
        intro: tr.ta(
            "join-intro",
            &[("inviter", &inviter), ("relationship", &relationship)],
        ),
        email: tr.ta("join-email", &[("email", &inv.partner_email)]),
        decline: tr.ta("join-decline-body", &[("inviter", &inviter)]),
        inviter,
        partner_name: inv.partner_name,
    }))
}

#[derive(Default)]
struct JoinValues {
    name: String,
    motivation: String,
    age: bool,
    accept: bool,
    research: bool,
}

#[derive(Template)]
#[template(path = "join.html")]
struct JoinPage {
    ctx: Ctx,
    token: String,
    texts: Invite,
    f: FormErrors,
    v: JoinValues,
    docs: DocLinks,
}

pub async fn join_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let invite = match invite_of(&state, &tr, &token).await? {
        Ok(i) => i,
        Err(p) => return invitation_problem_page(&state, tr, auth_of(&auth), p),
    };
    let v = JoinValues {
        name: invite.partner_name.clone(),
        ..Default::default()
    };
    render(&JoinPage {
        docs: doc_links(&state).await?,
        ctx: Ctx::new(&state, tr, auth_of(&auth)),
        token,
        texts: invite,
        f: FormErrors::default(),
        v,
    })
}

pub async fn join_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
    Path(token): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let v = JoinValues {
        name: field(&pairs, "name").to_string(),
        motivation: field(&pairs, "motivation").to_string(),
        age: checked(&pairs, "age_confirmed"),
        accept: checked(&pairs, "accept_documents"),
        research: checked(&pairs, "research_consent"),
    };
    let req = AcceptRequest {
        name: v.name.clone(),
        password: field(&pairs, "password").to_string(),
        motivation: v.motivation.clone(),
        age_confirmed: v.age,
        accept_documents: v.accept,
        research_consent: Some(v.research),
    };
    let err = match apply_accept(&state, &token, &req, tr.lang()).await {
        Ok(joined) => {
            return sign_in_participant(&state, &joined.participant_id, auth_of(&auth)).await;
        }
        Err(e) => e,
    };
    // A link that stopped working says so plainly instead of listing field errors.
    let invite = match invite_of(&state, &tr, &token).await? {
        Ok(i) => i,
        Err(p) => return invitation_problem_page(&state, tr, auth_of(&auth), p),
    };
    let f = FormErrors::new(in_language(&tr, page_errors(err)?));
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &JoinPage {
            docs: doc_links(&state).await?,
            ctx: Ctx::new(&state, tr, auth_of(&auth)),
            token,
            texts: invite,
            f,
            v,
        },
    )
}

#[derive(Template)]
#[template(path = "decline.html")]
struct DeclinePage {
    ctx: Ctx,
    token: String,
    body: String,
}

pub async fn decline_form(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let invite = match invite_of(&state, &tr, &token).await? {
        Ok(i) => i,
        Err(p) => return invitation_problem_page(&state, tr, auth_of(&auth), p),
    };
    render(&DeclinePage {
        body: tr.ta("decline-body", &[("inviter", &invite.inviter)]),
        ctx: Ctx::new(&state, tr, auth_of(&auth)),
        token,
    })
}

pub async fn decline_submit(
    State(state): State<AppState>,
    Lang(tr): Lang,
    auth: MaybeAuth,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if let Err(p) = open_invitation(&state, &token).await? {
        return invitation_problem_page(&state, tr, auth_of(&auth), p);
    }
    match apply_decline(&state, &token).await {
        Ok(()) => render(&notice(
            Ctx::new(&state, tr.clone(), auth_of(&auth)),
            tr.t("declined-title"),
            vec![tr.t("declined-body"), tr.t("declined-later")],
            Some(("/", tr.t("error-back-home"))),
        )),
        Err(AppError::NotFound) => {
            invitation_problem_page(&state, tr, auth_of(&auth), TokenProblem::Unknown)
        }
        Err(AppError::Conflict(_)) => {
            invitation_problem_page(&state, tr, auth_of(&auth), TokenProblem::Used)
        }
        Err(e) => Err(e),
    }
}
