//! Calls for help on a learner's page, and the board of a learner who is
//! an ambassador: `POST /s/{token}/help/{exercise}` (with an optional
//! `message`) asks for help, `POST /s/{token}/help-close` withdraws the
//! call; `GET /s/{token}/ambassador` is the ambassador's board (their
//! link is their key to it, as to their own page), where each peer can be
//! watched and helped live (see `watch`).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::community::{Community, Why};
use crate::http::pages::base;
use crate::http::{AppState, HttpError, i18n};
use crate::store::Helper;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}/help/{exercise}", post(ask))
        .route("/s/{token}/help-close", post(close))
        .route("/s/{token}/ambassador", get(board))
}

/// What the learner's page shows of help: their open call (the exercise
/// it is about), and a link to their board when they are an ambassador.
pub(super) async fn section(
    community: &Community,
    learner: Option<Uuid>,
    exercise: Option<&str>,
    lang: &str,
    token: &str,
) -> Result<Value, HttpError> {
    let Some(learner) = learner else {
        return Ok(Value::Null);
    };
    let open = community.open_help(learner).await?;
    let ambassador = community.is_ambassador(Helper::Learner(learner)).await?;
    let watchers = community.watchers(learner).await?;
    Ok(json!({
        "watchers": super::watch::watchers_json(&watchers, token, lang),
        "watchers_url": format!("/s/{token}/watchers?lang={lang}"),
        "open": open.is_some(),
        "ask_url": exercise.map(|e| format!("/s/{token}/help/{e}?lang={lang}")),
        "close_url": format!("/s/{token}/help-close?lang={lang}"),
        "board_url": ambassador.then(|| format!("/s/{token}/ambassador?lang={lang}")),
        "max": crate::community::MAX_HELP_MESSAGE,
    }))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AskForm {
    message: Option<String>,
}

/// POST /s/{token}/help/{exercise}
async fn ask(
    State(state): State<AppState>,
    _: super::FromThisSite,
    live: super::LiveLink,
    Path((_, exercise)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    axum::Form(form): axum::Form<AskForm>,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &HeaderMap::new());
    let learner = roster_learner(&live, lang)?;
    state
        .community
        .ask_help(
            learner,
            live.sandbox.id,
            &live.sandbox.scenario_id,
            &exercise,
            form.message.as_deref(),
        )
        .await
        .map_err(|e| HttpError::community_in(lang, e))?;
    Ok(back(&live, lang))
}

/// POST /s/{token}/help-close
async fn close(
    State(state): State<AppState>,
    _: super::FromThisSite,
    live: super::LiveLink,
    Query(q): Query<LangQuery>,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &HeaderMap::new());
    let learner = roster_learner(&live, lang)?;
    state.community.close_help(learner).await?;
    Ok(back(&live, lang))
}

/// GET /s/{token}/ambassador: the board of a learner who is an ambassador
/// (404 for anyone else).
async fn board(
    State(state): State<AppState>,
    live: super::LiveLink,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let learner = live.link.roster_learner().ok_or(HttpError::NotFound)?;
    let helper = Helper::Learner(learner);
    if !state.community.is_ambassador(helper).await? {
        return Err(HttpError::NotFound);
    }
    let board = state
        .community
        .board(helper, None, chrono::Utc::now())
        .await?;
    let mut data = base(lang, &i18n::text(lang, "help-board-title"));
    let watch = format!("/s/{}/watch?lang={lang}", live.token.as_str());
    data["board"] = board_data(&state, &board, lang, &watch, "");
    data["back_url"] = format!("/s/{}?lang={lang}", live.token.as_str()).into();
    let mut response = state.pages.render("ambassador", &data);
    crate::http::private_page(&mut response);
    Ok(response)
}

/// A board as its page shows it.
pub(in crate::http) fn board_data(
    state: &AppState,
    board: &crate::community::Board,
    lang: &str,
    watch_url: &str,
    csrf: &str,
) -> Value {
    json!({
        "care": board.care,
        "watch_url": watch_url,
        "csrf": csrf,
        "peers": board.peers.iter().map(|p| {
            let exercise = p
                .exercise
                .as_deref()
                .map(|e| state.scenarios.exercise_title(&p.scenario, e, lang));
            json!({
                "learner": p.learner,
                "name": p.name,
                "cohort": p.cohort,
                "why": i18n::text(lang, match p.why {
                    Why::Asked => "help-why-asked",
                    Why::Failing => "help-why-failing",
                    Why::Idle => "help-why-idle",
                }),
                "asked": p.why == Why::Asked,
                "exercise": exercise,
                "message": p.message,
                "failed_checks": p.failed_checks,
                "last_failed_output": p.last_failed_output,
                "idle_minutes": p.idle_minutes,
            })
        }).collect::<Vec<_>>(),
    })
}

fn roster_learner(live: &super::LiveLink, lang: &str) -> Result<Uuid, HttpError> {
    live.link
        .roster_learner()
        .ok_or_else(|| HttpError::BadRequest(i18n::text(lang, "help-no-roster")))
}

fn back(live: &super::LiveLink, lang: &str) -> Response {
    Redirect::to(&format!("/s/{}?lang={lang}#help", live.token.as_str())).into_response()
}
