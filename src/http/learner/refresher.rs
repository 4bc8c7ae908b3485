//! A refresher's invitation, `/r/{token}`: a page that says which exercise
//! is re-checked and a Start button (a GET never starts anything: mail
//! scanners fetch links too); `POST /r/{token}/start` builds a fresh
//! sandbox (within the server's cap, else the busy page) reached through a
//! link of its own that opens onto that exercise only, and leads there.
//! Pressing Start again leads to the same sandbox.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::http::pages::base;
use crate::http::{AppState, HttpError, i18n};
use crate::sandbox::LinkToken;
use crate::store::InviteRecord;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/r/{token}", get(page))
        .route("/r/{token}/start", axum::routing::post(start))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The invitation a token opens; unknown tokens are all "not found".
async fn invitation(state: &AppState, token: &str) -> Result<(LinkToken, InviteRecord), HttpError> {
    let token = LinkToken::parse(token).ok_or(HttpError::NotFound)?;
    let invite = state
        .service
        .invitation(&token)
        .await?
        .ok_or(HttpError::NotFound)?;
    Ok((token, invite))
}

/// GET /r/{token}
async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let (token, invite) = match invitation(&state, &token).await {
        Ok(found) => found,
        Err(HttpError::NotFound) => return Ok(state.pages.not_found(&headers)),
        Err(e) => return Err(e),
    };
    let exercise = state
        .scenarios
        .exercise_title(&invite.scenario_id, &invite.exercise_id, lang);
    let mut data = base(
        lang,
        &i18n::text_with(
            lang,
            "refresher-title",
            &[("exercise", exercise.as_str().into())],
        ),
    );
    data["exercise"] = exercise.into();
    data["learner"] = invite.learner_name.clone().into();
    data["started"] = invite.started_at.is_some().into();
    data["action"] = format!("/r/{}/start?lang={lang}", token.as_str()).into();
    let mut response = state.pages.render("refresher", &data);
    crate::http::private_page(&mut response);
    Ok(response)
}

/// POST /r/{token}/start
async fn start(
    State(state): State<AppState>,
    _: super::FromThisSite,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let (token, invite) = invitation(&state, &token).await?;
    let scenario = state.scenarios.find(&invite.scenario_id).ok_or_else(|| {
        HttpError::Conflict(
            crate::http::i18n::Message::new("error-scenario-missing")
                .with("scenario", invite.scenario_id.as_str()),
        )
    })?;
    match state.service.start_refresher(&invite, scenario).await {
        Ok(link) => Ok(Redirect::to(&format!("/s/{}?lang={lang}", link.as_str())).into_response()),
        Err(e) => match HttpError::from(e) {
            e @ HttpError::TooMany { .. } => Ok(super::start::busy_page(
                &state,
                lang,
                e.retry_after().unwrap_or(30),
                "post",
                &format!("/r/{}/start?lang={lang}", token.as_str()),
            )),
            e => Err(e),
        },
    }
}
