//! One error type for every handler, answered as RFC 9457 problem details.
//!
//! Page routes get the same error rendered as an HTML page by
//! [`crate::middleware::html_errors`]; both carry the request's operation id, which is also
//! written to the log so a person reporting a problem can be matched to it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

tokio::task_local! {
    /// The id of the request being served, set by the observing middleware.
    pub static OPERATION_ID: String;
}

pub fn operation_id() -> String {
    OPERATION_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "none".to_string())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// In English: what the API answers.
    pub message: String,
    /// The catalogue message `message` was written from, with its arguments, so that a page
    /// can say the same in the reader's language ([`FieldError::in_language`]). Not in the JSON.
    #[serde(skip)]
    pub key: Option<String>,
    #[serde(skip)]
    pub args: Vec<(String, String)>,
}

impl FieldError {
    /// A message written as it is (shown in English on every page).
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            key: None,
            args: Vec::new(),
        }
    }

    /// A message from the catalogue (`locales/*/errors.ftl`): `message` is its English text.
    pub fn from_catalogue(field: &str, key: &str, args: &[(&str, &str)]) -> Self {
        let args: Vec<(String, String)> = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self {
            field: field.into(),
            message: crate::i18n::Tr::new("en")
                .lookup(key, &args)
                .unwrap_or_else(|| key.to_string()),
            key: Some(key.to_string()),
            args,
        }
    }

    /// The same error, said in the language of `tr` when its message is in the catalogue.
    pub fn in_language(self, tr: &crate::i18n::Tr) -> Self {
        let message = self
            .key
            .as_deref()
            .and_then(|key| tr.lookup(key, &self.args))
            .unwrap_or(self.message);
        Self { message, ..self }
    }
}

/// Field errors in the language of `tr` (see [`FieldError::in_language`]).
pub fn in_language(tr: &crate::i18n::Tr, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors.into_iter().map(|e| e.in_language(tr)).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("email, password or code not right")]
    InvalidCredentials,
    #[error("authenticator code needed")]
    CodeNeeded,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("some answers need another look")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("too many attempts")]
    RateLimited { retry_after_secs: i64 },
    #[error("request body too large")]
    TooLarge,
    #[error("steps still owed")]
    StepsRequired(Vec<String>),
    #[error("internal error")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<dyad_store::StoreError> for AppError {
    fn from(e: dyad_store::StoreError) -> Self {
        match e {
            dyad_store::StoreError::NotFound => AppError::NotFound,
            // Crypto-shredded: say so plainly instead of failing as an internal error.
            dyad_store::StoreError::KeyDestroyed => AppError::Conflict(
                "This participant's data was erased at their request and can no longer be read."
                    .into(),
            ),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// The problem document of RFC 9457, with dyad's stable `code`.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    pub operation_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<ProblemField>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub required: Vec<String>,
}

#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials | AppError::CodeNeeded => {
                StatusCode::UNAUTHORIZED
            }
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::StepsRequired(_) => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::CodeNeeded => "totp_required",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Validation(_) => "invalid_input",
            AppError::BadRequest(_) => "bad_request",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::TooLarge => "payload_too_large",
            AppError::StepsRequired(_) => "steps_required",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let detail = match self {
            AppError::Unauthenticated => "Sign in to continue.".to_string(),
            AppError::InvalidCredentials => "The email, password or code is not right.".to_string(),
            AppError::CodeNeeded => "Enter the code from your authenticator app.".to_string(),
            AppError::Forbidden => "Your account may not do this.".to_string(),
            AppError::NotFound => "There is nothing here.".to_string(),
            AppError::Conflict(d) | AppError::BadRequest(d) => d.clone(),
            AppError::Validation(_) => "Some values need another look.".to_string(),
            AppError::RateLimited { retry_after_secs } => {
                format!("Too many attempts. Try again in {retry_after_secs} seconds.")
            }
            AppError::TooLarge => {
                "This is more than dyad accepts in one request; nothing was saved. Send less at once."
                    .to_string()
            }
            AppError::StepsRequired(_) => {
                "Finish setting up your account first (password, authenticator).".to_string()
            }
            AppError::Internal(_) => {
                "Something went wrong on our side. Nothing you entered was lost; please try again."
                    .to_string()
            }
        };
        let errors = match self {
            AppError::Validation(fields) => fields
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    message: f.message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let required = match self {
            AppError::StepsRequired(steps) => steps.clone(),
            AppError::CodeNeeded => vec!["totp".to_string()],
            _ => Vec::new(),
        };
        Problem {
            kind: format!("urn:dyad:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            code: self.code().to_string(),
            operation_id: operation_id(),
            errors,
            required,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        if let AppError::Internal(cause) = &self {
            // The cause never holds personal data: store and template errors only.
            tracing::error!(operation_id = %problem.operation_id, %cause, "request failed");
        }
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let AppError::RateLimited { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// JSON body extractor whose rejections are problem documents too.
pub struct Json<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(match rejection {
                axum::extract::rejection::JsonRejection::JsonDataError(e) => {
                    AppError::Validation(vec![FieldError::new("body", e.body_text())])
                }
                // A body without Content-Length that ran past the limit while being read.
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
                other => AppError::BadRequest(other.body_text()),
            }),
        }
    }
}

/// Query-string extractor whose rejections are problem documents too (axum's own answers
/// `text/plain`): a value of the wrong type is named as invalid input (422).
pub struct Query<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(rejection) => Err(AppError::Validation(vec![FieldError::new(
                "query",
                rejection.body_text(),
            )])),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The body-size limit (tower-http) answers a bare `413` before any handler runs; this turns it
/// into a problem document for the API and the error page for pages.
pub async fn explain_too_large(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let tr = crate::auth::request_tr(&req);
    let response = next.run(req).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || is_problem {
        return response;
    }
    let problem = AppError::TooLarge;
    if api {
        problem.into_response()
    } else {
        let operation_id = problem.problem().operation_id;
        crate::pages::error_page(
            &tr,
            StatusCode::PAYLOAD_TOO_LARGE,
            "bad_request",
            &operation_id,
        )
    }
}
