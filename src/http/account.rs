//! A signed-in user's own account: the page to change their password
//! (current one, new one twice), which is also where a printed one-time
//! password sends them until they have.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::auth::{CHANGE_PASSWORD_PATH, SignedIn};
use super::cookies;
use super::login::local_next;
use super::trainer::Trainer;
use super::{AppState, HttpError};
use crate::auth::{AuthError, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, PasswordRule};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        CHANGE_PASSWORD_PATH,
        get(page)
            .post(change)
            .layer(axum::extract::DefaultBodyLimit::max(16 * 1024)),
    )
}

/// A signed-in user, whether or not they must change their password first.
struct Account(Trainer);

impl FromRequestParts<AppState> for Account {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, state).await?;
        Ok(Self(Trainer::with_session(session, parts, state)))
    }
}

#[derive(Debug, Deserialize, Default)]
struct PageQuery {
    next: Option<String>,
}

/// GET /account/password
async fn page(
    Account(t): Account,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Response {
    render(&t, q.next.as_deref(), None, StatusCode::OK)
}

fn render(t: &Trainer, next: Option<&str>, error: Option<String>, status: StatusCode) -> Response {
    let mut data: Value = t.base(&t.text("account-password-title"));
    data["must_change"] = t.user().must_change_password.into();
    data["next"] = local_next(next).into();
    data["error"] = error.into();
    data["min"] = MIN_PASSWORD_CHARS.into();
    t.render("account_password", &data, status)
}

#[derive(Debug, Deserialize)]
struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    next: Option<String>,
}

/// POST /account/password: on success, on to where the user was going.
async fn change(
    Account(t): Account,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ChangeForm>,
) -> Response {
    if let Err(e) = t.session.check_csrf(&t.state, &headers, &form.csrf) {
        return t.error_page(e);
    }
    let next = form.next.as_deref();
    if form.new != form.confirm {
        let error = t.text("account-password-mismatch");
        return render(&t, next, Some(error), StatusCode::BAD_REQUEST);
    }
    let client = t.state.site.client_addr(peer.ip(), &headers);
    let cookie = t
        .state
        .cookies
        .get(&headers, cookies::SESSION)
        .unwrap_or_default();
    let result = t
        .state
        .auth
        .change_password(
            t.user(),
            &form.current,
            &form.new,
            &client.to_string(),
            &cookie,
        )
        .await;
    let (error, status) = match result {
        Ok(()) => {
            let mut target = local_next(next);
            // Sent here from the change page itself: nowhere else to go back to.
            if target.starts_with(CHANGE_PASSWORD_PATH) {
                target = "/trainer".into();
            }
            return Redirect::to(&target).into_response();
        }
        Err(AuthError::WrongCredentials) => {
            (t.text("account-password-wrong"), StatusCode::BAD_REQUEST)
        }
        Err(AuthError::Unacceptable(rule)) => {
            let error = match rule {
                PasswordRule::TooShort => t.text_with(
                    "account-password-too-short",
                    &[("min", MIN_PASSWORD_CHARS.into())],
                ),
                PasswordRule::TooLong => t.text_with(
                    "account-password-too-long",
                    &[("max", MAX_PASSWORD_BYTES.into())],
                ),
                PasswordRule::Unchanged => t.text("account-password-unchanged"),
            };
            (error, StatusCode::BAD_REQUEST)
        }
        Err(e @ AuthError::RateLimited { .. }) => {
            let e = HttpError::from(e);
            let mut response = render(
                &t,
                next,
                Some(t.text("login-limited")),
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Some(secs) = e.retry_after() {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, secs.into());
            }
            return response;
        }
        Err(e) => return t.error_page(e.into()),
    };
    render(&t, next, Some(error), status)
}
