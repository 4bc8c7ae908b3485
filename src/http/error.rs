//! The one error type at the HTTP edge: each variant maps to a status code.
//! 5xx bodies say nothing of the cause, which is logged once. What the
//! domain's errors say comes from the catalogue, in the page's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::i18n::Message;

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Unknown, expired or malformed ids and tokens: all look the same.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(Message),
    #[error("{0}")]
    Forbidden(String),
    /// No valid session or API token.
    #[error("{0}")]
    Unauthorized(String),
    /// A limit is reached (capacity, wrong passwords): try again later.
    #[error("{message}")]
    TooMany {
        message: Message,
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
            E::NotUsable(..) | E::CohortOver { .. } | E::NameTaken { .. } | E::NotOver(_) => {
                match e.message() {
                    Some(m) => Self::Conflict(Message::of(m)),
                    None => Self::Internal(e.into()),
                }
            }
            E::Invalid(m) => Self::BadRequest(m),
            E::UnknownCohort(_) => Self::NotFound,
            E::NoCapacity {
                reason,
                retry_after,
            } => Self::TooMany {
                message: Message::new("error-no-room")
                    .with_message("reason", Message::of(reason.message())),
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

impl From<crate::programme::ProgrammeError> for HttpError {
    fn from(e: crate::programme::ProgrammeError) -> Self {
        use crate::programme::ProgrammeError;
        match e {
            ProgrammeError::Invalid(m) | ProgrammeError::Exists(m) => Self::BadRequest(m),
            ProgrammeError::NotFound => Self::NotFound,
            ProgrammeError::Forbidden => Self::Forbidden(e.to_string()),
            ProgrammeError::Store(e) => e.into(),
        }
    }
}

impl HttpError {
    /// A community refusal on a page: what is wrong said in `lang`; what
    /// is not the caller's is "not found", as everywhere on pages.
    pub fn community_in(lang: &str, e: crate::community::CommunityError) -> Self {
        use crate::community::CommunityError as E;
        match e {
            E::Invalid(m) => Self::BadRequest(Message::of(m.message()).say(lang)),
            E::Forbidden => Self::NotFound,
            E::NotInCare => Self::Forbidden(super::i18n::text(lang, "help-not-in-care")),
            e => e.into(),
        }
    }
}

impl From<crate::community::CommunityError> for HttpError {
    fn from(e: crate::community::CommunityError) -> Self {
        use crate::community::CommunityError as E;
        match e {
            E::Invalid(m) => Self::BadRequest(m.to_string()),
            E::NotFound => Self::NotFound,
            E::Forbidden | E::NotInCare => Self::Forbidden(e.to_string()),
            E::Ended => Self::Conflict(Message::new("help-session-ended")),
            E::TooManyConnections => Self::TooMany {
                message: Message::new("help-too-many-connections"),
                retry_after: std::time::Duration::from_secs(10),
            },
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::auth::AuthError> for HttpError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as E;
        match e {
            E::WrongCredentials => Self::Unauthorized(e.to_string()),
            E::RateLimited { retry_after } => Self::TooMany {
                message: Message::new("error-rate-limited")
                    .with("seconds", retry_after.as_secs().max(1)),
                retry_after,
            },
            E::Invalid(m) => Self::BadRequest(m),
            E::Unacceptable(rule) => Self::BadRequest(rule.to_string()),
            E::Store(crate::store::StoreError::Duplicate(what)) => {
                Self::Conflict(Message::new("error-duplicate").with("what", what))
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

    /// The message a client may see, in English (the API's language).
    pub fn public_message(&self) -> String {
        self.message_in("en")
    }

    /// The message a client may see, in `lang`.
    pub fn message_in(&self, lang: &str) -> String {
        match self {
            Self::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                super::i18n::text(lang, "error-internal")
            }
            Self::EngineUnavailable => super::i18n::text(lang, "error-engine-down"),
            Self::Conflict(m) | Self::TooMany { message: m, .. } => m.say(lang),
            other => other.to_string(),
        }
    }

    /// The error as a response whose body is in `lang`.
    pub fn response_in(self, lang: &str) -> Response {
        let status = self.status();
        let retry = self.retry_after();
        let mut response = (status, self.message_in(lang)).into_response();
        if let Some(secs) = retry {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        self.response_in("en")
    }
}
