//! Staff accounts: created by an admin, completed by the person from a mailed link.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dyad_core::policy::{Action, Resource, ResourceKind, Role};
use dyad_store::accounts::{self, NewUser};
use dyad_store::audit::AuditEntry;
use dyad_store::secrets;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access;
use crate::auth::{Authenticated, SignedIn};
use crate::error::{AppError, AppResult, FieldError, Json, Problem};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;

use super::identity::SETUP_PURPOSE;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaff {
    pub name: String,
    pub email: String,
    /// Staff roles: facilitator, clinician, coordinator, researcher, admin.
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMember {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub active: bool,
    pub totp_enabled: bool,
}

impl From<&accounts::User> for StaffMember {
    fn from(u: &accounts::User) -> Self {
        Self {
            id: u.id.clone(),
            name: u.name.clone(),
            email: u.email.clone(),
            roles: u.roles.clone(),
            active: u.active,
            totp_enabled: u.totp_enabled,
        }
    }
}

/// Parses staff roles; a participant role is refused, a staff account is never a participant.
pub fn parse_staff_roles(roles: &[String]) -> Result<Vec<String>, FieldError> {
    let mut parsed = Vec::new();
    for r in roles {
        let role: Role = r.trim().parse().map_err(|_| {
            FieldError::new("roles", format!("'{}' is not a role dyad knows.", r.trim()))
        })?;
        if !role.is_staff() {
            return Err(FieldError::new(
                "roles",
                "A staff account cannot hold the participant role.",
            ));
        }
        if !parsed.contains(&role.as_str().to_string()) {
            parsed.push(role.as_str().to_string());
        }
    }
    if parsed.is_empty() {
        return Err(FieldError::new("roles", "Choose at least one role."));
    }
    Ok(parsed)
}

pub fn looks_like_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.contains(char::is_whitespace)
}

async fn require_accounts(state: &AppState, auth: &Authenticated, action: Action) -> AppResult<()> {
    access::authorize(
        state,
        auth,
        action,
        &Resource::system(ResourceKind::Accounts),
        "accounts",
    )
    .await
    .map(|_| ())
}

/// Shared by the page and the API: creates the account and mails the set-up link.
pub async fn create_staff(
    state: &AppState,
    auth: &Authenticated,
    new: &NewStaff,
) -> AppResult<accounts::User> {
    require_accounts(state, auth, Action::Write).await?;
    let mut errors = Vec::new();
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "name",
            "Give a name of 1 to 200 characters.",
        ));
    }
    if !looks_like_email(&new.email) {
        errors.push(FieldError::new(
            "email",
            "Give a valid email address, like name@example.org.",
        ));
    }
    let roles = match parse_staff_roles(&new.roles) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = state.now();
    // Nobody knows this password; the person sets their own through the link.
    let unusable = dyad_store::password::hash_password(&secrets::random_token())?;
    let user = accounts::create_user(
        &state.db,
        &NewUser {
            email: new.email.clone(),
            name: name.to_string(),
            password_hash: unusable,
            kind: "staff".into(),
            roles: roles.clone(),
            must_change_password: false,
            participant_id: None,
            email_verified: true,
        },
        now,
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::Validation(vec![FieldError::new(
                "email",
                "An account with this email already exists.",
            )])
        } else {
            e.into()
        }
    })?;
    send_setup_link(state, &user).await?;
    access::record(
        state,
        AuditEntry::new(&auth.user.id, &auth.audit_role(), "create_staff")
            .subject(&user.id)
            .resource("accounts")
            .reason(&format!("roles={}", roles.join(","))),
    )
    .await?;
    Ok(user)
}

/// Mails a fresh single-use set-up link; older open links for the account stop working.
pub async fn send_setup_link(state: &AppState, user: &accounts::User) -> AppResult<()> {
    let now = state.now();
    let token = secrets::random_token();
    accounts::revoke_tokens(&state.db, SETUP_PURPOSE, &user.id, now).await?;
    let expires = now + state.config.setup_link_hours * 3600 * 1_000_000;
    accounts::create_token(
        &state.db,
        &secrets::token_hash(&token),
        SETUP_PURPOSE,
        &user.id,
        now,
        expires,
    )
    .await?;
    let tr = Tr::new(&user.lang);
    let link = format!("{}/setup/{}", state.config.base_url, token);
    let hours = state.config.setup_link_hours.to_string();
    let mail = Mail {
        to: user.email.clone(),
        subject: tr.ta(
            "mail-setup-subject",
            &[("practice", &state.config.practice.name)],
        ),
        text: tr.ta(
            "mail-setup-body",
            &[
                ("name", &user.name),
                ("link", &link),
                ("hours", &hours),
                ("practice", &state.config.practice.name),
            ],
        ),
    };
    state
        .mailer
        .send(&mail)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

#[utoipa::path(post, path = "/api/v1/staff", tag = "staff", request_body = NewStaff,
    responses((status = 201, body = StaffMember), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Json(body): Json<NewStaff>,
) -> AppResult<(StatusCode, Json<StaffMember>)> {
    let user = create_staff(&state, &auth, &body).await?;
    Ok((StatusCode::CREATED, Json(StaffMember::from(&user))))
}

#[utoipa::path(get, path = "/api/v1/staff", tag = "staff",
    responses((status = 200, body = Vec<StaffMember>), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
) -> AppResult<Json<Vec<StaffMember>>> {
    require_accounts(&state, &auth, Action::Read).await?;
    let staff = accounts::list_staff(&state.db).await?;
    Ok(Json(staff.iter().map(StaffMember::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffUpdate {
    pub roles: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// Shared by the page and the API: changes roles or deactivates; every change is audited.
pub async fn update_staff(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    change: &StaffUpdate,
) -> AppResult<accounts::User> {
    require_accounts(state, auth, Action::Write).await?;
    let user = accounts::user_by_id(&state.db, id)
        .await?
        .filter(|u| u.is_staff())
        .ok_or(AppError::NotFound)?;
    let now = state.now();
    if let Some(roles) = &change.roles {
        let roles = parse_staff_roles(roles).map_err(|e| AppError::Validation(vec![e]))?;
        if user.id == auth.user.id && !roles.iter().any(|r| r == "admin") {
            return Err(AppError::Conflict(
                "You cannot remove your own admin role.".into(),
            ));
        }
        accounts::set_roles(&state.db, &user.id, &roles, now).await?;
        access::record(
            state,
            AuditEntry::new(&auth.user.id, &auth.audit_role(), "change_roles")
                .subject(&user.id)
                .resource("accounts")
                .reason(&format!(
                    "from={} to={}",
                    user.roles.join(","),
                    roles.join(",")
                )),
        )
        .await?;
    }
    if let Some(active) = change.active {
        if user.id == auth.user.id && !active {
            return Err(AppError::Conflict(
                "You cannot deactivate your own account.".into(),
            ));
        }
        accounts::set_active(&state.db, &user.id, active, now).await?;
        access::record(
            state,
            AuditEntry::new(
                &auth.user.id,
                &auth.audit_role(),
                if active { "activate" } else { "deactivate" },
            )
            .subject(&user.id)
            .resource("accounts"),
        )
        .await?;
    }
    accounts::user_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[utoipa::path(patch, path = "/api/v1/staff/{id}", tag = "staff", request_body = StaffUpdate,
    params(("id" = String, Path)),
    responses((status = 200, body = StaffMember), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    SignedIn(auth): SignedIn,
    Path(id): Path<String>,
    Json(body): Json<StaffUpdate>,
) -> AppResult<Json<StaffMember>> {
    let user = update_staff(&state, &auth, &id, &body).await?;
    Ok(Json(StaffMember::from(&user)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse() {
        assert_eq!(
            parse_staff_roles(&["clinician".into(), "admin".into()]).unwrap(),
            vec!["clinician", "admin"]
        );
        assert!(parse_staff_roles(&["participant".into()]).is_err());
        assert!(parse_staff_roles(&["wizard".into()]).is_err());
        assert!(parse_staff_roles(&[]).is_err());
    }

    #[test]
    fn emails() {
        assert!(looks_like_email("ana@example.org"));
        assert!(!looks_like_email("ana@example"));
        assert!(!looks_like_email("ana example@x.org"));
        assert!(!looks_like_email("@x.org"));
    }
}
