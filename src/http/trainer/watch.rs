//! Live help from an account: a trainer (for the learners of their
//! cohorts, every learner for an admin) or an account that is an
//! ambassador watches a learner's terminal, read only until the learner
//! lets them type.
//!
//! - `POST /trainer/help/watch` (`learner`, `csrf`): starts a help session
//!   and leads to its page;
//! - `GET /trainer/watch/{session}`: the learner's live terminal;
//! - `GET /trainer/watch/{session}/terminal`: its websocket (403 for
//!   another account's session or a learner out of its care);
//! - `GET /trainer/watch/{session}/replays/{recording}` (and `…/frames`):
//!   a replay of one of the learner's recorded terminals.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::Trainer;
use crate::community::CommunityError;
use crate::http::auth::PageSession;
use crate::http::learner::{SizeQuery, helper_replay, helper_terminal, replays_of, watch_page};
use crate::http::{AppState, HttpError, same_origin};
use crate::store::Helper;

#[derive(Debug, Deserialize)]
pub(super) struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    learner: String,
}

/// POST /trainer/help/watch
pub(super) async fn start(
    t: Trainer,
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<StartForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let learner = Uuid::parse_str(form.learner.trim())
            .map_err(|_| HttpError::BadRequest(t.text("help-which-learner")))?;
        let user = t.user();
        let session = match state
            .community
            .start_help(Helper::User(user.id), Some(user), learner)
            .await
        {
            Ok(session) => session,
            Err(CommunityError::NotInCare) => return Ok(not_in_care(&t)),
            Err(e) => return Err(HttpError::community_in(t.lang, e)),
        };
        Ok(Redirect::to(&format!("/trainer/watch/{session}?lang={}", t.lang)).into_response())
    }
    .await;
    t.respond(result)
}

/// GET /trainer/watch/{session}
pub(super) async fn page(t: Trainer, Path(id): Path<String>) -> Response {
    let result = async {
        let id = Uuid::parse_str(&id).map_err(|_| HttpError::NotFound)?;
        let user = t.user();
        let session = match t
            .state
            .community
            .help_session(Helper::User(user.id), Some(user), id)
            .await
        {
            Ok(session) => session,
            Err(CommunityError::NotInCare) => return Ok(not_in_care(&t)),
            Err(e) => return Err(HttpError::community_in(t.lang, e)),
        };
        let mut data = watch_page(
            &t.state,
            t.base(""),
            &session,
            t.lang,
            &format!("/trainer/watch/{id}/terminal"),
            &format!("/trainer/help?lang={}", t.lang),
        )
        .await?;
        data["replays"] = replays_of(
            &t.state,
            &session,
            &format!("/trainer/watch/{id}/replays"),
            t.lang,
        )
        .await?
        .into();
        Ok(t.render("watch", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// The page for a learner out of the account's care (or a session of
/// another account's): 403, saying so.
fn not_in_care(t: &Trainer) -> Response {
    let title = t.text("trainer-problem-title");
    let mut data = t.base(&title);
    data["heading"] = title.into();
    data["message"] = t.text("help-not-in-care").into();
    let mut response = t.render("trainer_message", &data, StatusCode::FORBIDDEN);
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

/// GET /trainer/watch/{session}/terminal
pub(super) async fn terminal(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
    Query(size): Query<SizeQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, HttpError> {
    if !same_origin(&headers, &state.site) {
        return Err(HttpError::Forbidden("cross-origin terminal refused".into()));
    }
    let id = Uuid::parse_str(&id).map_err(|_| HttpError::NotFound)?;
    let user = session.user();
    let watching = state
        .community
        .watch(Helper::User(user.id), Some(user), id)
        .await?;
    helper_terminal(&state, ws, watching, (size.rows, size.cols)).await
}

/// The account's help session `id`, if it may still see it.
async fn session_of(t: &Trainer, id: &str) -> Result<crate::store::HelpSessionRecord, HttpError> {
    let id = Uuid::parse_str(id).map_err(|_| HttpError::NotFound)?;
    let user = t.user();
    t.state
        .community
        .help_session(Helper::User(user.id), Some(user), id)
        .await
        .map_err(|e| HttpError::community_in(t.lang, e))
}

/// GET /trainer/watch/{session}/replays/{recording}
pub(super) async fn replay_page(
    t: Trainer,
    Path((id, recording)): Path<(String, String)>,
) -> Response {
    let result = async {
        let session = session_of(&t, &id).await?;
        let data = helper_replay(
            &t.state,
            t.base(""),
            &session,
            &recording,
            &format!("/trainer/watch/{id}/replays"),
            &format!("/trainer/watch/{id}?lang={}", t.lang),
            t.lang,
        )
        .await?;
        Ok(t.render("replay", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// GET /trainer/watch/{session}/replays/{recording}/frames
pub(super) async fn replay_frames(
    t: Trainer,
    Path((id, recording)): Path<(String, String)>,
) -> Response {
    let result = async {
        let session = session_of(&t, &id).await?;
        let recording = crate::http::learner::of_session(&t.state, &session, &recording).await?;
        crate::http::replay::frames(&t.state, &recording, t.lang).await
    }
    .await;
    result.unwrap_or_else(|e| e.response_in(t.lang))
}
