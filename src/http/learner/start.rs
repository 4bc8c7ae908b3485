//! The first visit of a cohort link: a page with a Start button. Only the
//! button (a POST from this site) claims the learner's sandbox and starts
//! its clock; a GET never does, since mail scanners and chat link previews
//! fetch links before the learner ever clicks them.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde_json::json;

use crate::http::pages::base;
use crate::http::{AppState, HttpError, i18n};
use crate::sandbox::LinkToken;
use crate::store::{LinkRecord, SandboxRecord};

pub fn routes() -> Router<AppState> {
    Router::new().route("/s/{token}/start", post(start))
}

/// The page a cohort link shows before its sandbox is started.
pub(in crate::http) fn start_page(
    state: &AppState,
    lang: &str,
    token: &LinkToken,
    link: &LinkRecord,
) -> Response {
    let scenario = crate::scenario::ScenarioId::parse(&link.scenario_id)
        .ok()
        .and_then(|id| state.scenarios.get(&id));
    let title = scenario.map_or(link.scenario_id.as_str(), |s| s.title.get(lang));
    let mut data = base(lang, title);
    data["scenario"] = json!({
        "title": title,
        "summary": scenario.map(|s| s.summary.get(lang)),
        "exercises": scenario.map_or(0, |s| s.exercises.len()),
        "minutes": scenario.map(|s| s.time_limit.as_secs() / 60),
    });
    data["learner"] = json!(link.learner);
    // Idle closing is news to someone told only of the time limit.
    data["idle_minutes"] = json!(
        state
            .service
            .lifecycle_policy()
            .idle
            .map(|idle| (idle.num_seconds() + 59) / 60)
    );
    data["action"] = json!(format!("/s/{}/start", token.as_str()));
    let mut response = state.pages.render("start", &data);
    // What a preview fetched must not be cached as the learner's page.
    crate::http::private_page(&mut response);
    response
}

/// POST /s/{token}/start: claims (or builds) the learner's sandbox, then
/// shows their page.
async fn start(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    if !crate::http::same_origin(&headers, &state.site) {
        return Err(HttpError::Forbidden(
            "This request came from another site.".into(),
        ));
    }
    let Some(token) = LinkToken::parse(&token) else {
        return Ok(state.pages.not_found(&headers));
    };
    let lang = i18n::negotiate(None, &headers);
    match state.service.open_link(&token).await {
        Ok(Some((link, sandbox))) => {
            prestart_terminal(&state, &sandbox, link.token_hash);
            Ok(Redirect::to(&format!("/s/{}", token.as_str())).into_response())
        }
        Ok(None) => Ok(
            match super::time::ended_page(&state, token.as_str(), lang).await? {
                Some(ended) => ended,
                None => state.pages.not_found(&headers),
            },
        ),
        Err(e) => match HttpError::from(e) {
            e @ HttpError::TooMany { .. } => Ok(busy_page(
                &state,
                lang,
                e.retry_after().unwrap_or(30),
                "post",
                &format!("/s/{}/start", token.as_str()),
            )),
            e => Err(e),
        },
    }
}

/// Starts the learner's shell while their browser follows the redirect and
/// loads the page, so that the terminal shows a prompt as soon as it opens.
fn prestart_terminal(state: &AppState, sandbox: &SandboxRecord, link: String) {
    let (app, hub, id) = (state.clone(), state.terminals.clone(), sandbox.id);
    let scenario_id = sandbox.scenario_id.clone();
    tokio::spawn(async move {
        let Some(scenario) = crate::scenario::ScenarioId::parse(&scenario_id)
            .ok()
            .and_then(|s| app.scenarios.get(&s))
        else {
            return;
        };
        if let Err(e) = hub.prestart(id, &link, scenario).await {
            // The terminal starts (or says why not) when the page opens it.
            tracing::debug!(sandbox = %id, error = %e, "could not start the shell ahead");
        }
    });
}

/// No room for the learner's sandbox yet: a page that says so, with
/// `Retry-After`, and a form that repeats the refused request (`method` to
/// `action`); the page's script counts down and sends it again by itself.
pub(in crate::http) fn busy_page(
    state: &AppState,
    lang: &str,
    retry_after: u64,
    method: &str,
    action: &str,
) -> Response {
    let mut data = base(lang, &i18n::text(lang, "busy-title"));
    data["retry_after"] = json!(retry_after);
    data["retry"] = json!({"method": method, "action": action});
    let mut response = state.pages.render("busy", &data);
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    // A retry must reach the server, never a cache.
    crate::http::private_page(&mut response);
    response
}
