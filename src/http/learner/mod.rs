//! The learner's side, everything under `/s/{token}`: the Start page and
//! button (`start`), the page with the steps and the workspace (`page`),
//! Check and `/progress` (`check`), the terminal websocket (`terminal`),
//! time left, Extend and the "ended" page (`time`), resets and the page of
//! a failed sandbox (`reset`).
//!
//! [`LiveLink`] turns `/s/{token}` into a link whose sandbox is live, and
//! answers every other case once, the same way for every JSON route.

mod check;
mod help;
pub(in crate::http) use help::board_data;
pub(super) mod page;
mod pulse;
mod refresher;
mod reset;
mod start;
mod terminal;
mod time;
mod tips;
mod watch;
pub(in crate::http) use terminal::{SizeQuery, helper_terminal};
pub(in crate::http) use watch::{helper_replay, of_session, replays_of, watch_page};

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::{AppState, HttpError};
use crate::sandbox::LinkToken;
use crate::scenario::Scenario;
use crate::store::{LinkRecord, SandboxRecord};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(page::routes())
        .merge(check::routes())
        .merge(start::routes())
        .merge(reset::routes())
        .merge(terminal::routes())
        .merge(time::routes())
        .merge(pulse::routes())
        .merge(tips::routes())
        .merge(help::routes())
        .merge(watch::routes())
        .merge(refresher::routes())
}

/// A link's sandbox and scenario, when the link opens.
pub(in crate::http) struct Opened<'a> {
    pub token: LinkToken,
    pub link: LinkRecord,
    pub sandbox: SandboxRecord,
    pub scenario: &'a Scenario,
}

/// The link and its live sandbox; None for anything that should 404 or
/// 410 (see [`LiveLink`] for the JSON routes' answer).
pub(in crate::http) async fn open<'a>(
    state: &'a AppState,
    token: &str,
) -> Result<Option<Opened<'a>>, HttpError> {
    let Some(token) = LinkToken::parse(token) else {
        return Ok(None);
    };
    let Some((link, sandbox)) = state.service.open_link(&token).await? else {
        return Ok(None);
    };
    let scenario = crate::scenario::ScenarioId::parse(&sandbox.scenario_id)
        .ok()
        .and_then(|id| state.scenarios.get(&id));
    Ok(scenario.map(|scenario| Opened {
        token,
        link,
        sandbox,
        scenario,
    }))
}

/// The language a refusal is said in: the page's (`?lang=`, which the
/// page puts in its forms' addresses), else the browser's.
fn lang_of(parts: &Parts) -> &'static str {
    #[derive(serde::Deserialize)]
    struct LangQuery {
        lang: Option<String>,
    }
    let asked = Query::<LangQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|Query(q)| q.lang);
    super::i18n::negotiate(asked.as_deref(), &parts.headers)
}

/// A learner's request sent from this site, checked before anything else
/// (403 otherwise): the POSTs of the page (Check, Extend).
pub(in crate::http) struct FromThisSite;

impl FromRequestParts<AppState> for FromThisSite {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        super::same_site(&parts.headers, state).map_err(|e| e.response_in(lang_of(parts)))?;
        Ok(Self)
    }
}

/// The `{token}` of a learner's JSON route (`/progress`, Check, Extend)
/// whose link opens onto a live sandbox. Anything else is answered here:
/// `410 Gone` with why for a link whose sandbox ended, `404` otherwise.
pub(in crate::http) struct LiveLink {
    pub token: LinkToken,
    pub link: LinkRecord,
    pub sandbox: SandboxRecord,
}

impl LiveLink {
    /// With its scenario (one the server serves: checked when opened).
    pub fn opened(self, state: &AppState) -> Result<Opened<'_>, HttpError> {
        let scenario = state
            .scenarios
            .named(&self.sandbox.scenario_id)
            .map_err(|_| HttpError::NotFound)?;
        Ok(Opened {
            token: self.token,
            link: self.link,
            sandbox: self.sandbox,
            scenario,
        })
    }
}

impl FromRequestParts<AppState> for LiveLink {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| HttpError::NotFound.into_response())?;
        let token = params
            .iter()
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| HttpError::NotFound.into_response())?;
        let lang = lang_of(parts);
        let refuse = |e: HttpError| e.response_in(lang);
        match open(state, token).await {
            Ok(Some(opened)) => Ok(Self {
                token: opened.token,
                link: opened.link,
                sandbox: opened.sandbox,
            }),
            Ok(None) => Err(match time::ended_json(state, token).await {
                Ok(Some(gone)) => gone,
                Ok(None) => refuse(HttpError::NotFound),
                Err(e) => refuse(e),
            }),
            Err(e) => Err(refuse(e)),
        }
    }
}
