//! Signing in and out: the login form (a double-submit CSRF cookie, as
//! there is no session yet), the limit on wrong passwords by name and
//! client address, and where a new session goes next.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use axum_extra::extract::cookie::CookieJar;

use super::auth::{CHANGE_PASSWORD_PATH, SignedIn, same_secret, sessions_allowed, urlencode};
use super::cookies::SESSION;
use super::pages::base;
use super::{AppState, HttpError, i18n, same_origin};

/// The login form's double-submit CSRF cookie (there is no session yet).
const LOGIN_CSRF_COOKIE: &str = "sandpit_login_csrf";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// Where to go after signing in: a path on this site, nothing else.
pub(super) fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/login")
                && !n.bytes().any(|b| b.is_ascii_control()) =>
        {
            n.to_owned()
        }
        _ => "/trainer".to_owned(),
    }
}

#[derive(Debug, Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    render_login(
        &state,
        &headers,
        q.lang.as_deref(),
        q.next.as_deref(),
        None,
        StatusCode::OK,
    )
}

fn render_login(
    state: &AppState,
    headers: &HeaderMap,
    lang: Option<&str>,
    next: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = i18n::negotiate(lang, headers);
    let csrf = crate::auth::random_secret(20);
    let mut data = base(lang, &i18n::text(lang, "login-title"));
    data["next"] = local_next(next).into();
    data["csrf"] = csrf.clone().into();
    data["error"] = error.into();
    data["sessions_allowed"] = sessions_allowed(state).into();
    let mut response = state.pages.render("login", &data);
    *response.status_mut() = status;
    let jar = CookieJar::new().add(state.cookies.cookie(LOGIN_CSRF_COOKIE, csrf, 3600));
    (jar, response).into_response()
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let lang = i18n::negotiate(None, &headers);
    let again = |error: String, status| {
        render_login(
            &state,
            &headers,
            None,
            form.next.as_deref(),
            Some(error),
            status,
        )
    };
    if !sessions_allowed(&state) {
        return again(i18n::text(lang, "login-off"), StatusCode::FORBIDDEN);
    }
    let expected = state
        .cookies
        .get(&headers, LOGIN_CSRF_COOKIE)
        .unwrap_or_default();
    if !same_origin(&headers, &state.site)
        || expected.is_empty()
        || !same_secret(&expected, &form.csrf)
    {
        return again(i18n::text(lang, "form-expired"), StatusCode::FORBIDDEN);
    }
    let client = state.site.client_addr(peer.ip(), &headers);
    match state
        .auth
        .login(&form.name, &form.password, &client.to_string())
        .await
    {
        Ok(started) => {
            let next = local_next(form.next.as_deref());
            let target = if started.session.user.must_change_password {
                format!("{CHANGE_PASSWORD_PATH}?next={}", urlencode(&next))
            } else {
                next
            };
            let max_age = crate::auth::SESSION_LIFETIME.num_seconds();
            let jar = CookieJar::new()
                .add(state.cookies.cookie(SESSION, started.cookie, max_age))
                .add(state.cookies.removal(LOGIN_CSRF_COOKIE));
            (jar, Redirect::to(&target)).into_response()
        }
        Err(e) => {
            let e = HttpError::from(e);
            let status = e.status();
            let message = match &e {
                HttpError::Unauthorized(_) => i18n::text(lang, "login-wrong"),
                HttpError::TooMany { .. } => i18n::text(lang, "login-limited"),
                other => other.public_message(),
            };
            let mut response = again(message, status);
            if let Some(secs) = e.retry_after() {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, secs.into());
            }
            response
        }
    }
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LogoutForm>,
) -> Result<Response, HttpError> {
    session.check_csrf(&state, &headers, &form.csrf)?;
    if let Some(value) = state.cookies.get(&headers, SESSION) {
        state.auth.logout(&value).await?;
    }
    let jar = CookieJar::new().add(state.cookies.removal(SESSION));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_next(Some("/trainer/cohorts/1")), "/trainer/cohorts/1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/login",
            "x",
            "/a\nb",
        ] {
            assert_eq!(local_next(Some(bad)), "/trainer", "{bad:?}");
        }
        assert_eq!(local_next(None), "/trainer");
    }
}
