//! The learner's page behind a sandbox link: the steps, the current
//! step's instructions and Check form, the clocks, and the workspace tabs
//! (terminal, tool UIs). A link not started yet shows its Start page; one
//! that ended, its "ended" page; one whose sandbox failed, a reset.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::pages::base;
use crate::http::{AppState, HttpError, i18n, markdown};
use crate::sandbox::LinkToken;
use crate::scenario::Exercise;
use crate::store::Attempt;

use super::check::Progress;
use super::open;

pub fn routes() -> Router<AppState> {
    Router::new().route("/s/{token}", get(page))
}

#[derive(Debug, Deserialize, Default)]
struct PageQuery {
    step: Option<String>,
    lang: Option<String>,
}

/// The URL of a scenario's web UI, on its own origin.
fn web_url(state: &AppState, token: &LinkToken, port: u16, path: &str) -> String {
    // Proxied URLs carry the web key, never the link's own token.
    web_url_of_key(state, &token.web_key(), port, path)
}

/// The URL of a web UI through the proxy, for a web key (a link's, or a
/// helper's read-only view's).
pub(in crate::http) fn web_url_of_key(
    state: &AppState,
    token: &LinkToken,
    port: u16,
    path: &str,
) -> String {
    let config = &state.config;
    // Tools by path: on their own origin, else (the fallback) on Sandpit's.
    let by_path = state.tools_url.as_deref().or(config
        .proxy_path_fallback
        .then_some(state.public_url.as_str()));
    if let Some(base) = by_path {
        return format!("{base}/s/{}/proxy/{port}{path}", token.as_str());
    }
    let (scheme, rest) = state
        .public_url
        .split_once("://")
        .unwrap_or(("http", &state.public_url));
    let host_port = rest.split('/').next().unwrap_or(rest);
    let port_suffix = host_port
        .rsplit_once(':')
        .map(|(_, p)| format!(":{p}"))
        .unwrap_or_default();
    format!(
        "{scheme}://{port}-{}.{}{port_suffix}{path}",
        token.as_str(),
        config.sandbox_domain
    )
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    // A cohort link not started yet shows its Start button: a GET never
    // claims a sandbox.
    if let Some(parsed) = LinkToken::parse(&token)
        && let Some(link) = state.service.awaiting_start(&parsed).await?
    {
        return Ok(super::start::start_page(&state, lang, &parsed, &link));
    }
    let opened = match open(&state, &token).await {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            if let Some(page) = super::time::ended_page(&state, &token, lang).await? {
                return Ok(page);
            }
            return super::reset::failed_page(&state, &token, lang, &headers).await;
        }
        Err(e @ HttpError::TooMany { .. }) => {
            return Ok(super::start::busy_page(
                &state,
                lang,
                e.retry_after().unwrap_or(30),
                "get",
                &format!("/s/{token}"),
            ));
        }
        Err(HttpError::EngineUnavailable) => {
            return Ok(super::reset::engine_down_page(&state, lang));
        }
        Err(e) => return Err(e),
    };
    let scenario = opened.scenario;
    let progress = Progress::load(&state, &opened).await?;
    let current = progress.current();
    let requested = q
        .step
        .as_deref()
        .and_then(|s| scenario.exercises.iter().position(|e| e.id.as_str() == s))
        .filter(|&i| progress.part[i] && progress.unlocked(i));
    let viewing = requested.or(current);
    let token_str = opened.token.as_str();

    let steps: Vec<Value> = scenario
        .exercises
        .iter()
        .enumerate()
        .filter(|(i, _)| progress.part[*i])
        .map(|(i, e)| {
            let status = if progress.done[i] {
                "done"
            } else if Some(i) == current {
                "current"
            } else {
                "locked"
            };
            json!({
                "number": progress.number(i),
                "id": e.id,
                "title": e.title.get(lang),
                "status": status,
                "done": progress.done[i],
                "locked": status == "locked",
                "viewing": Some(i) == viewing,
                "url": format!("/s/{token_str}?step={}", e.id),
            })
        })
        .collect();
    let done_count = progress.done_count();
    let total = progress.total();

    let mut data = base(lang, scenario.title.get(lang));
    data["scenario"] = json!({"id": scenario.id, "title": scenario.title.get(lang), "summary": scenario.summary.get(lang)});
    data["learner"] = json!(opened.link.learner);
    data["token"] = json!(token_str);
    data["steps"] = json!(steps);
    data["progress"] =
        json!({"done": done_count, "total": total, "percent": done_count * 100 / total.max(1)});
    data["completed"] = json!(current.is_none());
    data["pulse"] = super::pulse::due(
        &state.programmes,
        opened.link.learner_id.as_deref(),
        done_count,
        total,
        lang,
        token_str,
    )
    .await?;
    let time = state.service.time_status(opened.sandbox.id).await?;
    let zone = super::time::cohort_zone(&state, &opened.sandbox).await?;
    data["time"] = super::time::page_time(&state, &time, lang, zone);
    data["help"] = super::help::section(
        &state.community,
        opened.link.roster_learner(),
        viewing.map(|i| scenario.exercises[i].id.as_str()),
        lang,
        token_str,
    )
    .await?;
    data["community"] = match viewing {
        Some(i) => {
            super::tips::section(
                &state.community,
                opened.link.roster_learner(),
                &scenario.id.to_string(),
                scenario.exercises[i].id.as_str(),
                lang,
                token_str,
            )
            .await?
        }
        None => Value::Null,
    };
    data["step"] = match viewing {
        Some(i) => step_data(
            &scenario.exercises[i],
            progress.number(i),
            progress.done[i],
            progress.last_attempt(&scenario.exercises[i].id),
            lang,
            token_str,
            &crate::http::scenario_assets::base(&scenario.id),
        ),
        None => Value::Null,
    };
    // A web-only scenario opens on its first web UI.
    data["terminal"] = json!(scenario.terminal);
    data["terminal_path"] = json!(format!("/s/{token_str}/terminal"));
    data["web_ports"] = scenario
        .web_ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "port": p.port,
                "title": p.title.get(lang),
                "url": web_url(&state, &opened.token, p.port, &p.path),
                "open": i == 0 && !scenario.terminal,
            })
        })
        .collect();
    let mut response = state.pages.render("learner", &data);
    if let Some(l) = q.lang.as_deref().filter(|l| i18n::LANGUAGES.contains(l)) {
        response = (crate::http::cookies::remember_language(l), response).into_response();
    }
    crate::http::private_page(&mut response);
    Ok(response)
}

fn step_data(
    ex: &Exercise,
    number: usize,
    done: bool,
    last: Option<&Attempt>,
    lang: &str,
    token: &str,
    assets: &str,
) -> Value {
    let instructions = markdown::render(ex.instructions.get(lang), Some(assets));
    let hint = ex
        .hint
        .as_ref()
        .map(|h| markdown::render(h.get(lang), Some(assets)));
    json!({
        "number": number,
        "id": ex.id,
        "title": ex.title.get(lang),
        "done": done,
        "instructions": instructions,
        "hint": hint,
        "check_url": format!("/s/{token}/check/{}?lang={lang}", ex.id),
        "reset_url": ex.reset.as_ref().map(|_| format!("/s/{token}/reset/{}", ex.id)),
        "feedback": last.map(|a| json!({
            "outcome": a.outcome,
            "passed": a.outcome == "passed",
            "failed": a.outcome == "failed",
            "error": a.outcome == "error",
            // An error's own text is for trainers (it is in English and
            // may say how the check works); the verdict says it all.
            "text": if a.outcome == "error" { "" } else { a.output.as_str() },
        })),
    })
}
