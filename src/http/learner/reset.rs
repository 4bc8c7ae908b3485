//! A learner's resets (the whole sandbox, or one step by its scenario's
//! reset script), and the page shown when their sandbox failed.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde_json::json;

use crate::http::pages::base;
use crate::http::{AppState, HttpError, i18n};
use crate::sandbox::{LinkToken, SandboxError};
use crate::scenario::ExerciseId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}/reset", post(reset_sandbox))
        .route("/s/{token}/reset/{exercise}", post(reset_exercise))
}

/// For a link whose sandbox failed: a page that says so and offers a
/// reset. Any other link that does not open gets the usual 404 page.
pub(in crate::http) async fn failed_page(
    state: &AppState,
    token: &str,
    lang: &str,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    let Some(token) = LinkToken::parse(token) else {
        return Ok(state.pages.not_found(headers));
    };
    let Some((_, sandbox)) = state.service.failed_link(&token).await? else {
        return Ok(state.pages.not_found(headers));
    };
    let Ok(scenario) = state.scenarios.named(&sandbox.scenario_id) else {
        return Ok(state.pages.not_found(headers));
    };
    let completions = state.store.completions(sandbox.id).await?;
    let done = scenario
        .exercises
        .iter()
        .filter(|e| completions.contains_key(e.id.as_str()))
        .count();
    let mut data = base(lang, &i18n::text(lang, "sandbox-failed-title"));
    data["scenario"] = json!({"id": scenario.id, "title": scenario.title.get(lang)});
    let reason = crate::sandbox::failure_message(sandbox.error.as_deref().unwrap_or_default());
    data["reason"] = json!(crate::http::i18n::Message::of(reason).say(lang));
    data["token"] = json!(token.as_str());
    data["progress"] = json!({"done": done, "total": scenario.exercises.len()});
    let mut response = state.pages.render("learner_failed", &data);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The page for "the engine cannot be reached", with a 503.
pub(in crate::http) fn engine_down_page(state: &AppState, lang: &str) -> Response {
    let data = base(lang, &i18n::text(lang, "engine-down-title"));
    let mut response = state.pages.render("engine_down", &data);
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(30));
    response
}

/// A fresh sandbox for the link, progress kept.
async fn reset_sandbox(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    crate::http::same_site(&headers, &state)?;
    let lang = i18n::negotiate(None, &headers);
    let token = LinkToken::parse(&token).ok_or(HttpError::NotFound)?;
    let sandbox = match state.service.reset_link(&token).await {
        Ok(Some(sandbox)) => sandbox,
        Ok(None) => return Err(HttpError::NotFound),
        Err(e) => {
            return match HttpError::from(e) {
                e @ HttpError::TooMany { .. } if !crate::http::wants_json(&headers) => {
                    Ok(super::start::busy_page(
                        &state,
                        lang,
                        e.retry_after().unwrap_or(30),
                        "post",
                        &format!("/s/{}/reset", token.as_str()),
                    ))
                }
                HttpError::EngineUnavailable if !crate::http::wants_json(&headers) => {
                    Ok(engine_down_page(&state, lang))
                }
                // Said in the page's language (a step that is locked, a
                // sandbox that is no longer running).
                e => Ok(e.response_in(lang)),
            };
        }
    };
    if crate::http::wants_json(&headers) {
        return Ok(axum::Json(json!({"reset": true, "state": sandbox.state})).into_response());
    }
    Ok(Redirect::to(&format!("/s/{}", token.as_str())).into_response())
}

/// Runs one step's reset script in the link's sandbox.
async fn reset_exercise(
    State(state): State<AppState>,
    Path((token, exercise)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    crate::http::same_site(&headers, &state)?;
    let lang = i18n::negotiate(None, &headers);
    let token = LinkToken::parse(&token).ok_or(HttpError::NotFound)?;
    let exercise = ExerciseId::parse(&exercise).map_err(|_| HttpError::NotFound)?;
    let Some((_, sandbox)) = state.service.open_link(&token).await? else {
        return Err(HttpError::NotFound);
    };
    let scenario = state
        .scenarios
        .named(&sandbox.scenario_id)
        .map_err(|_| HttpError::NotFound)?;
    match state
        .service
        .reset_exercise(sandbox.id, scenario, &exercise)
        .await
    {
        Ok(_) => {}
        Err(SandboxError::Invalid(_)) => return Err(HttpError::NotFound),
        Err(e) => {
            return match HttpError::from(e) {
                HttpError::EngineUnavailable if !crate::http::wants_json(&headers) => {
                    Ok(engine_down_page(&state, lang))
                }
                // Said in the page's language (a step that is locked, a
                // sandbox that is no longer running).
                e => Ok(e.response_in(lang)),
            };
        }
    }
    if crate::http::wants_json(&headers) {
        return Ok(axum::Json(json!({"exercise": exercise, "reset": true})).into_response());
    }
    Ok(Redirect::to(&format!("/s/{}?step={exercise}", token.as_str())).into_response())
}
