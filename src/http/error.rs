//! The one error type at the HTTP edge: each variant maps to a status code.
//! 5xx bodies say nothing of the cause, which is logged once.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Unknown, expired or malformed ids and tokens: all look the same.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    /// No valid session or API token.
    #[error("{0}")]
    Unauthorized(String),
    /// A limit is reached (capacity, wrong passwords): try again later.
    #[error("{message}")]
    TooMany {
        message: String,
        retry_after: std::time::Duration,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
    /// The container engine cannot be reached: nothing was lost, try later.
    #[error(
        "The sandbox engine is unreachable right now; your work is safe. Try again in a minute."
    )]
    EngineUnavailable,
}

impl From<crate::sandbox::SandboxError> for HttpError {
    fn from(e: crate::sandbox::SandboxError) -> Self {
        use crate::sandbox::SandboxError as E;
        match e {
            E::UnknownExercise { .. } => Self::NotFound,
            E::NotUsable(..) => Self::Conflict(e.to_string()),
            E::Invalid(m) => Self::BadRequest(m),
            E::UnknownCohort(_) => Self::NotFound,
            E::NameTaken { .. } | E::NotOver(_) => Self::Conflict(e.to_string()),
            E::NoCapacity {
                reason,
                retry_after,
            } => Self::TooMany {
                message: format!("No room for another sandbox right now: {reason}."),
                retry_after,
            },
            E::Runtime(r) if r.is_unreachable() => {
                tracing::error!(error = %r, "the engine is unreachable");
                Self::EngineUnavailable
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl From<crate::auth::AuthError> for HttpError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as E;
        match e {
            E::WrongCredentials => Self::Unauthorized(e.to_string()),
            E::RateLimited { retry_after } => Self::TooMany {
                message: e.to_string(),
                retry_after,
            },
            E::Invalid(m) => Self::BadRequest(m),
            E::Unacceptable(rule) => Self::BadRequest(rule.to_string()),
            E::Store(crate::store::StoreError::Duplicate(what)) => {
                Self::Conflict(format!("there is already {what}"))
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl From<crate::store::StoreError> for HttpError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Internal(e.into())
    }
}

impl HttpError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::EngineUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Seconds a client should wait, for `429`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooMany { retry_after, .. } => Some(retry_after.as_secs().max(1)),
            Self::EngineUnavailable => Some(30),
            _ => None,
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                "Something went wrong on our side. Try again in a moment.".into()
            }
            other => other.to_string(),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry = self.retry_after();
        let mut response = (status, self.public_message()).into_response();
        if let Some(secs) = retry {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
