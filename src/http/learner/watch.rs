//! Live help through a learner's link.
//!
//! The helper's side, for a learner who is an ambassador (their link is
//! their key, as to their board):
//! - `POST /s/{token}/watch` (`learner`): starts a help session on a peer
//!   in their care, and leads to its page;
//! - `GET /s/{token}/watch/{session}`: the peer's live terminal, read only
//!   until the peer lets them type;
//! - `GET /s/{token}/watch/{session}/terminal`: its websocket;
//! - `GET /s/{token}/watch/{session}/replays/{recording}`: a replay of one
//!   of the peer's recorded terminals (and `…/frames`, its frames).
//!
//! The helped learner's side:
//! - `GET /s/{token}/watchers`: who watches their terminal (JSON);
//! - `POST /s/{token}/watchers/{session}` (`allow=1` or `0`): lets that
//!   helper type, or stops them at once.
//!
//! Someone else's session, a peer outside the helper's care or a link that
//! is not an ambassador's get 403, on the page and on the websocket.

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::terminal::{SizeQuery, helper_terminal};
use crate::community::Watcher;
use crate::http::pages::base;
use crate::http::{AppState, HttpError, i18n, same_origin};
use crate::store::{HelpSessionRecord, Helper};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}/watch", post(start))
        .route("/s/{token}/watch/{session}", get(page))
        .route("/s/{token}/watch/{session}/terminal", get(terminal))
        .route(
            "/s/{token}/watch/{session}/replays/{recording}",
            get(replay_page),
        )
        .route(
            "/s/{token}/watch/{session}/replays/{recording}/frames",
            get(replay_frames),
        )
        .route("/s/{token}/watchers", get(watchers))
        .route("/s/{token}/watchers/{session}", post(let_type))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StartForm {
    learner: String,
}

/// The ambassador a link is: its roster learner, if they are one (403
/// otherwise: a link may watch nobody).
async fn ambassador(
    state: &AppState,
    live: &super::LiveLink,
    lang: &str,
) -> Result<Helper, HttpError> {
    let learner = live
        .link
        .roster_learner()
        .ok_or_else(|| HttpError::Forbidden(i18n::text(lang, "help-not-in-care")))?;
    let helper = Helper::Learner(learner);
    if state.community.is_ambassador(helper).await? {
        Ok(helper)
    } else {
        Err(HttpError::Forbidden(i18n::text(lang, "help-not-in-care")))
    }
}

/// The help session `session` of the ambassador whose link this is (403
/// for another's, or a peer out of their care).
async fn own_session(
    state: &AppState,
    live: &super::LiveLink,
    session: &str,
    lang: &str,
) -> Result<HelpSessionRecord, HttpError> {
    let helper = ambassador(state, live, lang).await?;
    let id = Uuid::parse_str(session).map_err(|_| HttpError::NotFound)?;
    state
        .community
        .help_session(helper, None, id)
        .await
        .map_err(|e| HttpError::community_in(lang, e))
}

/// POST /s/{token}/watch
async fn start(
    State(state): State<AppState>,
    _: super::FromThisSite,
    live: super::LiveLink,
    Query(q): Query<LangQuery>,
    axum::Form(form): axum::Form<StartForm>,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &HeaderMap::new());
    let helper = ambassador(&state, &live, lang).await?;
    let learner = Uuid::parse_str(form.learner.trim())
        .map_err(|_| HttpError::BadRequest(i18n::text(lang, "help-which-learner")))?;
    let session = state
        .community
        .start_help(helper, None, learner)
        .await
        .map_err(|e| HttpError::community_in(lang, e))?;
    Ok(Redirect::to(&format!(
        "/s/{}/watch/{session}?lang={lang}",
        live.token.as_str()
    ))
    .into_response())
}

/// GET /s/{token}/watch/{session}
async fn page(
    State(state): State<AppState>,
    live: super::LiveLink,
    Path((_, session)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let session = own_session(&state, &live, &session, lang).await?;
    let id = *session.id;
    let token = live.token.as_str();
    let mut data = watch_page(
        &state,
        base(lang, ""),
        &session,
        lang,
        &format!("/s/{token}/watch/{id}/terminal"),
        &format!("/s/{token}/ambassador?lang={lang}"),
    )
    .await?;
    data["replays"] = replays_of(
        &state,
        &session,
        &format!("/s/{token}/watch/{id}/replays"),
        lang,
    )
    .await?
    .into();
    let mut response = state.pages.render("watch", &data);
    crate::http::private_page(&mut response);
    Ok(response)
}

/// The zone of the learner's cohort (the server's when none).
async fn zone_of(state: &AppState, learner: Uuid) -> Result<crate::timezone::TimeZone, HttpError> {
    let cohort = match state.store.cohort_of_learner(learner).await? {
        Some(c) => state.store.cohort(c).await?,
        None => None,
    };
    Ok(cohort.map_or(state.config.time_zone, |c| c.time_zone))
}

/// The helped learner's recordings, each with its player under `base`.
pub(in crate::http) async fn replays_of(
    state: &AppState,
    session: &HelpSessionRecord,
    base: &str,
    lang: &str,
) -> Result<Vec<Value>, HttpError> {
    let zone = zone_of(state, *session.learner_id).await?;
    let sandbox = Some(*session.sandbox_id);
    crate::http::replay::list(state, *session.learner_id, sandbox, base, lang, zone).await
}

/// A helper's replay page of one of the helped learner's recordings.
pub(in crate::http) async fn helper_replay(
    state: &AppState,
    mut data: Value,
    session: &HelpSessionRecord,
    recording: &str,
    here: &str,
    back: &str,
    lang: &str,
) -> Result<Value, HttpError> {
    let recording = of_session(state, session, recording).await?;
    let zone = zone_of(state, *session.learner_id).await?;
    crate::http::replay::page(
        &mut data,
        lang,
        &session.learner_name,
        &recording,
        (
            &format!("{here}/{}/frames?lang={lang}", recording.id),
            None,
            back,
        ),
        zone,
    );
    Ok(data)
}

/// GET /s/{token}/watch/{session}/replays/{recording}
async fn replay_page(
    State(state): State<AppState>,
    live: super::LiveLink,
    Path((_, session, recording)): Path<(String, String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let session = own_session(&state, &live, &session, lang).await?;
    let id = *session.id;
    let token = live.token.as_str();
    let data = helper_replay(
        &state,
        base(lang, ""),
        &session,
        &recording,
        &format!("/s/{token}/watch/{id}/replays"),
        &format!("/s/{token}/watch/{id}?lang={lang}"),
        lang,
    )
    .await?;
    let mut response = state.pages.render("replay", &data);
    crate::http::private_page(&mut response);
    Ok(response)
}

/// GET /s/{token}/watch/{session}/replays/{recording}/frames
async fn replay_frames(
    State(state): State<AppState>,
    live: super::LiveLink,
    Path((_, session, recording)): Path<(String, String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let session = own_session(&state, &live, &session, lang).await?;
    let recording = of_session(&state, &session, &recording).await?;
    crate::http::replay::frames(&state, &recording, lang).await
}

/// A recording of the sandbox a help session is about: a helper replays
/// what the peer did there, not every terminal they ever had.
pub(in crate::http) async fn of_session(
    state: &AppState,
    session: &HelpSessionRecord,
    recording: &str,
) -> Result<crate::store::RecordingRecord, HttpError> {
    let found = crate::http::replay::of_learner(state, *session.learner_id, recording).await?;
    if found.sandbox_id == session.sandbox_id {
        Ok(found)
    } else {
        Err(HttpError::NotFound)
    }
}

/// The help page's data, added to `data` (the page's base): whom the
/// helper helps, on what, the terminal, and the learner's tool through the
/// session's read-only view key (kept from now on).
pub(in crate::http) async fn watch_page(
    state: &AppState,
    mut data: Value,
    session: &HelpSessionRecord,
    lang: &str,
    terminal_path: &str,
    back_url: &str,
) -> Result<Value, HttpError> {
    let key = state.service.help_view_key(*session.id);
    state
        .community
        .set_view_key(*session.id, &key.hash())
        .await?;
    let tools: Vec<Value> = state
        .scenarios
        .find(&session.scenario_id)
        .map(|s| {
            s.web_ports
                .iter()
                .map(|p| {
                    json!({
                        "title": p.title.get(lang),
                        "url": super::page::web_url_of_key(state, &key, p.port, &p.path),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    data["title"] = i18n::text_with(
        lang,
        "watch-title",
        &[("name", session.learner_name.as_str().into())],
    )
    .into();
    data["learner"] = session.learner_name.clone().into();
    data["exercise"] = session
        .exercise_id
        .as_deref()
        .map(|e| {
            state
                .scenarios
                .exercise_title(&session.scenario_id, e, lang)
        })
        .into();
    data["typing"] = session.typing.into();
    data["terminal_path"] = terminal_path.into();
    data["back_url"] = back_url.into();
    data["tools"] = tools.into();
    Ok(data)
}

/// GET /s/{token}/watch/{session}/terminal
async fn terminal(
    State(state): State<AppState>,
    live: super::LiveLink,
    Path((_, session)): Path<(String, String)>,
    Query(size): Query<SizeQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, HttpError> {
    if !same_origin(&headers, &state.site) {
        return Err(HttpError::Forbidden("cross-origin terminal refused".into()));
    }
    let helper = ambassador(&state, &live, "en").await?;
    let id = Uuid::parse_str(&session).map_err(|_| HttpError::NotFound)?;
    let watching = state.community.watch(helper, None, id).await?;
    helper_terminal(&state, ws, watching, (size.rows, size.cols)).await
}

/// Who watches, as the learner's page shows them.
pub(super) fn watchers_json(watchers: &[Watcher], token: &str, lang: &str) -> Value {
    watchers
        .iter()
        .map(|w| {
            let say = |key: &str| i18n::text_with(lang, key, &[("name", w.name.as_str().into())]);
            json!({
                "session": w.session,
                "name": w.name,
                "typing": w.typing,
                "connected": w.connected,
                "text": say(if w.typing { "watchers-typing" } else { "watchers-watching" }),
                "action": format!("/s/{token}/watchers/{}?lang={lang}", w.session),
                "allow": if w.typing { "0" } else { "1" },
                "button": say(if w.typing { "watchers-revoke" } else { "watchers-grant" }),
            })
        })
        .collect()
}

/// GET /s/{token}/watchers
async fn watchers(
    State(state): State<AppState>,
    live: super::LiveLink,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let Some(learner) = live.link.roster_learner() else {
        return Ok(axum::Json(json!([])).into_response());
    };
    let watchers = state.community.watchers(learner).await?;
    Ok(axum::Json(watchers_json(&watchers, live.token.as_str(), lang)).into_response())
}

#[derive(Debug, Deserialize)]
struct TypingForm {
    allow: String,
}

/// POST /s/{token}/watchers/{session}
async fn let_type(
    State(state): State<AppState>,
    _: super::FromThisSite,
    live: super::LiveLink,
    Path((_, session)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TypingForm>,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let learner = live.link.roster_learner().ok_or(HttpError::NotFound)?;
    let id = Uuid::parse_str(&session).map_err(|_| HttpError::NotFound)?;
    let allow = match form.allow.as_str() {
        "1" => true,
        "0" => false,
        other => {
            return Err(HttpError::BadRequest(i18n::text_with(
                lang,
                "watchers-allow",
                &[("value", other.into())],
            )));
        }
    };
    state
        .community
        .let_type(learner, id, allow)
        .await
        .map_err(|e| HttpError::community_in(lang, e))?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let watchers = state.community.watchers(learner).await?;
        return Ok(axum::Json(watchers_json(&watchers, live.token.as_str(), lang)).into_response());
    }
    Ok(Redirect::to(&format!("/s/{}?lang={lang}#help", live.token.as_str())).into_response())
}
