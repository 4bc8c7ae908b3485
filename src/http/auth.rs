//! Who is asking: trainers and admins sign in with a password (a cookie
//! session whose forms carry a CSRF token) or send an API token. The
//! extractors here are what every trainer, admin and API handler takes.
//! A user whose password was printed for them is sent to the change page
//! by every page and refused by the API (API tokens excepted: they are
//! made deliberately, never from that password) until they replace it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

use super::{AppState, HttpError, cookies, same_origin};
use crate::store::{Role, Session, User};

/// The header a same-origin script sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Compares secrets in time that does not depend on where they differ
/// (their lengths are no secret).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Browser logins share Sandpit's origin; with the path-prefix proxy on,
/// sandboxes share it too and could act as a signed-in trainer, so
/// sessions are refused then (API tokens, which browsers never send on
/// their own, still work).
pub(super) fn sessions_allowed(state: &AppState) -> bool {
    !state.config.proxy_path_fallback
}

async fn session_from(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, HttpError> {
    if !sessions_allowed(state) {
        return Ok(None);
    }
    match state.cookies.get(headers, cookies::SESSION) {
        Some(value) if value.len() <= 128 => Ok(state.auth.session(&value).await?),
        _ => Ok(None),
    }
}

/// The page to replace a printed password on.
pub const CHANGE_PASSWORD_PATH: &str = "/account/password";

/// `path` with `?next=` set to where the request was going.
fn with_next(path: &str, parts: &Parts) -> String {
    let next = parts
        .uri
        .path_and_query()
        .map_or("/trainer", |p| p.as_str());
    format!("{path}?next={}", urlencode(next))
}

/// A signed-in trainer or admin on a page; anyone else is sent to the login
/// page and comes back after, and a user who must replace a printed
/// password is sent to the change page first.
pub struct PageSession(pub Session);

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        if session.user().must_change_password {
            let target = if parts.method == Method::GET {
                with_next(CHANGE_PASSWORD_PATH, parts)
            } else {
                CHANGE_PASSWORD_PATH.to_owned()
            };
            return Err(Redirect::to(&target).into_response());
        }
        Ok(session)
    }
}

/// A signed-in user on a page that serves them even before they replaced a
/// printed password: the change page itself, and signing out.
pub struct SignedIn(pub PageSession);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match session_from(state, &parts.headers).await {
            Ok(Some(s)) => Ok(Self(PageSession(s))),
            Ok(None) => Err(Redirect::to(&with_next("/login", parts)).into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

impl PageSession {
    pub fn user(&self) -> &User {
        &self.0.user
    }

    /// Checks a form's CSRF token (and that the request came from this
    /// site): every state-changing form of a signed-in page calls this.
    pub fn check_csrf(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        token: &str,
    ) -> Result<(), HttpError> {
        if !same_origin(headers, &state.site) || !same_secret(token, &self.0.csrf_token) {
            return Err(HttpError::Forbidden(
                "This form has expired or came from another site. Reload the page and try again."
                    .into(),
            ));
        }
        Ok(())
    }
}

/// The caller of the JSON API: an API token (`Authorization: Bearer …`), or
/// a session cookie from Sandpit's own pages, which must then send its CSRF
/// token in `X-CSRF-Token` on anything but GET.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| {
                    HttpError::Unauthorized(
                        "the Authorization header must be `Bearer <API token>`".into(),
                    )
                })?;
            return match state.auth.token_user(token).await? {
                Some(user) => Ok(Self(user)),
                None => Err(HttpError::Unauthorized(
                    "this API token is unknown or revoked".into(),
                )),
            };
        }
        let Some(session) = session_from(state, &parts.headers).await? else {
            return Err(HttpError::Unauthorized(
                "sign in, or send an API token as `Authorization: Bearer <token>`".into(),
            ));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !same_origin(&parts.headers, &state.site) || !same_secret(sent, &session.csrf_token)
            {
                return Err(HttpError::Forbidden(format!(
                    "a signed-in page must send its CSRF token in `{CSRF_HEADER}`"
                )));
            }
        }
        if session.user.must_change_password {
            return Err(HttpError::Forbidden(format!(
                "replace your one-time password at {CHANGE_PASSWORD_PATH} first"
            )));
        }
        Ok(Self(session.user))
    }
}

impl ApiUser {
    /// Trainers act on their own cohorts; admins on all.
    pub fn may_manage(&self, owner: &uuid::Uuid) -> bool {
        self.0.role == Role::Admin || self.0.id == *owner
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }
}
