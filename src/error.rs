//! API errors: a stable machine code for clients, the full cause for the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::store::StoreError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid login (any reason: malformed, expired, unknown user, bad HMAC, bad token).
    #[error("not logged in")]
    Unauthenticated,
    /// Wrong login name or password (the same answer for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The admin API's bearer token is missing or wrong.
    #[error("invalid admin token")]
    InvalidAdminToken,
    /// Logged in, but without a required role.
    #[error("forbidden")]
    Forbidden,
    /// The request is malformed; the code says how.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The addressed resource does not exist; the code says which kind.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The resource is in a state that forbids the request; the code says which.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too many failures (brute-force protection).
    #[error("too many attempts")]
    TooManyRequests {
        /// Seconds until retrying can succeed.
        retry_after: u64,
    },
    /// A dependency (Redis, the database) cannot answer: the request cannot be decided.
    #[error("dependency unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug or an unexpected failure.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The stable machine code of a 4xx answer.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "not-logged-in",
            ApiError::InvalidCredentials => "invalid-credentials",
            ApiError::InvalidAdminToken => "invalid-admin-token",
            ApiError::Forbidden => "forbidden",
            ApiError::BadRequest(code) | ApiError::NotFound(code) | ApiError::Conflict(code) => {
                code
            }
            ApiError::TooManyRequests { .. } => "too-many-attempts",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<crate::php_sessions::PhpSessionError> for ApiError {
    fn from(e: crate::php_sessions::PhpSessionError) -> Self {
        use crate::php_sessions::PhpSessionError as E;
        match e {
            E::InvalidId => ApiError::BadRequest("invalid-session-id"),
            E::BadData(_) => ApiError::BadRequest("invalid-session-data"),
            E::Unstorable(_) => ApiError::BadRequest("unstorable-session"),
            E::NotFound => ApiError::NotFound("unknown-session"),
            E::Locked => ApiError::Conflict("session-locked"),
            E::LockLost => ApiError::Conflict("session-lock-lost"),
            E::HasReferences => ApiError::Conflict("session-has-references"),
            E::Undecodable(_) => ApiError::Conflict("undecodable-session"),
            E::NotPlain(_) => ApiError::Conflict("not-plain-json"),
            e if e.is_unavailable() => ApiError::Unavailable(e.into()),
            e => ApiError::Internal(e.into()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Unavailable(e.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated
            | ApiError::InvalidCredentials
            | ApiError::InvalidAdminToken => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // 5xx: the cause chain goes to the log (once, here), the body says nothing.
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                HttpResponse::InternalServerError().finish()
            }
            ApiError::Unavailable(e) => {
                tracing::error!(error = ?e, "dependency unavailable");
                HttpResponse::ServiceUnavailable()
                    .insert_header(("Retry-After", "1"))
                    .json(json!({ "code": self.code() }))
            }
            ApiError::InvalidAdminToken => HttpResponse::Unauthorized()
                .insert_header(("WWW-Authenticate", "Bearer"))
                .json(json!({ "code": self.code() })),
            ApiError::TooManyRequests { retry_after } => HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", retry_after.to_string()))
                .json(json!({ "code": self.code() })),
            e => HttpResponse::build(e.status_code()).json(json!({ "code": e.code() })),
        }
    }
}
