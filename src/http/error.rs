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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::sandbox::SandboxError> for HttpError {
    fn from(e: crate::sandbox::SandboxError) -> Self {
        use crate::sandbox::SandboxError as E;
        match e {
            E::UnknownExercise { .. } => Self::NotFound,
            E::NotUsable(..) => Self::Conflict(e.to_string()),
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
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
        (status, self.public_message()).into_response()
    }
}
