//! The API's errors and extractors: every failure, including a body axum
//! could not read, becomes `{"error": "..."}` with the right status.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::http::auth::ApiUser;
use crate::http::{AppState, HttpError};
use crate::store::User;

/// The largest request body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// An API failure: a status, a message for the client, and for `429` how
/// long to wait.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Bad input; the message names the field.
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// Unknown ids and other trainers' cohorts look the same.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not found")
    }
}

impl From<HttpError> for ApiError {
    fn from(e: HttpError) -> Self {
        Self {
            status: e.status(),
            retry_after: e.retry_after(),
            message: e.public_message(),
        }
    }
}

impl From<crate::sandbox::SandboxError> for ApiError {
    fn from(e: crate::sandbox::SandboxError) -> Self {
        HttpError::from(e).into()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        HttpError::from(e).into()
    }
}

impl From<crate::programme::ProgrammeError> for ApiError {
    fn from(e: crate::programme::ProgrammeError) -> Self {
        use crate::programme::ProgrammeError as E;
        match e {
            E::Invalid(message) | E::Exists(message) => Self::bad(message),
            E::NotFound => Self::not_found(),
            E::Forbidden => Self::new(StatusCode::FORBIDDEN, e.to_string()),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        HttpError::from(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                    .unwrap_or(&text);
                let detail = detail.replace("expected u32", "expected a whole number, 0 or more");
                Self::bad(format!("invalid request body: {}", quote_path(&detail)))
            }
            JsonRejection::JsonSyntaxError(e) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to parse the request body as JSON: ")
                    .unwrap_or(&text);
                Self::bad(format!("the request body is not valid JSON: {detail}"))
            }
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the request body as JSON, with `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request body is larger than {} KiB", BODY_LIMIT / 1024),
                )
            }
            other => Self::new(other.status(), other.body_text()),
        }
    }
}

/// `roster[2].email: invalid type…` → `` `roster[2].email`: invalid type…``,
/// so the field stands out; messages without a path stay as they are.
fn quote_path(detail: &str) -> String {
    match detail.split_once(": ") {
        Some((path, rest))
            if !path.is_empty()
                && path
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_.[]".contains(c)) =>
        {
            format!("`{path}`: {rest}")
        }
        _ => detail.to_owned(),
    }
}

impl From<PathRejection> for ApiError {
    /// A malformed id is as unknown as any other.
    fn from(_: PathRejection) -> Self {
        Self::not_found()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, secs.into());
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sandpit\""),
            );
        }
        response
    }
}

/// What every error answer holds (the schema of [`ApiError`]'s body).
#[derive(utoipa::ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// What went wrong, in English.
    error: String,
}

/// The signed-in caller of the API (see [`ApiUser`]), with JSON rejections.
pub struct Caller(pub User);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self(ApiUser::from_request_parts(parts, state).await?.0))
    }
}

/// A JSON body whose every rejection names what is wrong, as JSON.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self(Json::<T>::from_request(req, state).await?.0))
    }
}

/// Path parameters; a malformed one is a 404 like an unknown one.
pub struct Ids<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ok(Self(
            axum::extract::Path::<T>::from_request_parts(parts, state)
                .await?
                .0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_are_quoted() {
        assert_eq!(
            quote_path("roster[1].name: invalid type: integer `1`, expected a string"),
            "`roster[1].name`: invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            quote_path("missing field `name` at line 1 column 2"),
            "missing field `name` at line 1 column 2"
        );
    }
}
