//! The learner's side: the page behind a sandbox link, and its Check.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::i18n::Message;
use super::pages::base;
use super::{AppState, HttpError, i18n, markdown};
use crate::lang::Lang;
use crate::sandbox::LinkToken;
use crate::scenario::{Exercise, ExerciseId, Scenario};
use crate::store::{Attempt, LinkRecord, SandboxRecord};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(page))
        .route("/s/{token}/progress", get(progress))
        .route("/s/{token}/check/{exercise}", post(check))
}

#[derive(Debug, Deserialize, Default)]
struct PageQuery {
    step: Option<String>,
    lang: Option<String>,
}

/// A link's sandbox and scenario, or None for anything that should 404.
struct Opened<'a> {
    token: LinkToken,
    link: LinkRecord,
    sandbox: SandboxRecord,
    scenario: &'a Scenario,
}

async fn open<'a>(state: &'a AppState, token: &str) -> Result<Option<Opened<'a>>, HttpError> {
    let Some(token) = LinkToken::parse(token) else {
        return Ok(None);
    };
    let Some((link, sandbox)) = state.app.service.open_link(&token).await? else {
        return Ok(None);
    };
    let scenario = crate::scenario::ScenarioId::parse(&sandbox.scenario_id)
        .ok()
        .and_then(|id| state.app.scenarios.get(&id));
    Ok(scenario.map(|scenario| Opened {
        token,
        link,
        sandbox,
        scenario,
    }))
}

/// Where the learner is: which exercises are done, which one is current.
struct Progress {
    done: Vec<bool>,
    attempts: Vec<Attempt>,
}

impl Progress {
    async fn load(state: &AppState, opened: &Opened<'_>) -> Result<Self, HttpError> {
        let done = Self::load_done(state, opened).await?.done;
        let attempts = state.app.store.attempts(opened.sandbox.id).await?;
        Ok(Self { done, attempts })
    }

    /// Only which exercises are done, without the attempts: what a press
    /// of Check needs (the attempts grow with every press).
    async fn load_done(state: &AppState, opened: &Opened<'_>) -> Result<Self, HttpError> {
        let completions = state.app.store.completions(opened.sandbox.id).await?;
        let done = opened
            .scenario
            .exercises
            .iter()
            .map(|e| completions.contains_key(e.id.as_str()))
            .collect();
        Ok(Self {
            done,
            attempts: Vec::new(),
        })
    }

    /// The first exercise not done; None when all are.
    fn current(&self) -> Option<usize> {
        self.done.iter().position(|d| !d)
    }

    /// Exercises up to the current one may be opened and checked.
    fn unlocked(&self, index: usize) -> bool {
        self.current().is_none_or(|c| index <= c)
    }

    fn last_attempt(&self, exercise: &ExerciseId) -> Option<&Attempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.exercise_id == exercise.as_str())
    }
}

/// The URL of a scenario's web UI, on its own origin.
fn web_url(state: &AppState, token: &LinkToken, port: u16, path: &str) -> String {
    let config = &state.app.config;
    // Proxied URLs carry the web key, never the link's own token.
    let token = &token.web_key();
    if config.proxy_path_fallback {
        return format!(
            "{}/s/{}/proxy/{port}{path}",
            state.public_url,
            token.as_str()
        );
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
        && let Some(link) = state.app.service.awaiting_start(&parsed).await?
    {
        return Ok(super::learner_start::start_page(
            &state, lang, &parsed, &link,
        ));
    }
    let opened = match open(&state, &token).await {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            if let Some(page) = super::expiry::ended_page(&state, &token, lang).await? {
                return Ok(page);
            }
            return super::reset::failed_page(&state, &token, lang, &headers).await;
        }
        Err(e @ HttpError::TooMany { .. }) => {
            return Ok(super::learner_start::busy_page(
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
        .filter(|&i| progress.unlocked(i));
    let viewing = requested.or(current);
    let token_str = opened.token.as_str();

    let steps: Vec<Value> = scenario
        .exercises
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let status = if progress.done[i] {
                "done"
            } else if Some(i) == current {
                "current"
            } else {
                "locked"
            };
            json!({
                "number": i + 1,
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
    let done_count = progress.done.iter().filter(|d| **d).count();
    let total = scenario.exercises.len();

    let mut data = base(lang, scenario.title.get(lang));
    data["scenario"] = json!({"id": scenario.id, "title": scenario.title.get(lang), "summary": scenario.summary.get(lang)});
    data["learner"] = json!(opened.link.learner);
    data["token"] = json!(token_str);
    data["steps"] = json!(steps);
    data["progress"] =
        json!({"done": done_count, "total": total, "percent": done_count * 100 / total.max(1)});
    data["completed"] = json!(current.is_none());
    let time = state.app.service.time_status(opened.sandbox.id).await?;
    let zone = super::expiry::cohort_zone(&state, &opened.sandbox).await?;
    data["time"] = super::expiry::page_time(&state, &time, lang, zone);
    data["step"] = match viewing {
        Some(i) => step_data(
            &scenario.exercises[i],
            i,
            progress.done[i],
            progress.last_attempt(&scenario.exercises[i].id),
            lang,
            token_str,
        ),
        None => Value::Null,
    };
    // A web-only scenario opens on its first web UI.
    data["terminal"] = json!(scenario.terminal);
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
        let cookie = format!(
            "{}={l}; Path=/; Max-Age=31536000; SameSite=Lax",
            i18n::LANG_COOKIE
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    super::private_page(&mut response);
    Ok(response)
}

fn step_data(
    ex: &Exercise,
    index: usize,
    done: bool,
    last: Option<&Attempt>,
    lang: &str,
    token: &str,
) -> Value {
    let instructions = markdown::render(ex.instructions.get(lang));
    let hint = ex.hint.as_ref().map(|h| markdown::render(h.get(lang)));
    json!({
        "number": index + 1,
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

async fn progress(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let Some(opened) = open(&state, &token).await? else {
        return super::expiry::ended_json(&state, &token)
            .await?
            .ok_or(HttpError::NotFound);
    };
    let lang = i18n::negotiate(None, &headers);
    let time = state.app.service.time_status(opened.sandbox.id).await?;
    let progress = Progress::load(&state, &opened).await?;
    let exercises: Vec<Value> = opened
        .scenario
        .exercises
        .iter()
        .zip(&progress.done)
        .map(|(e, done)| json!({"id": e.id, "done": done}))
        .collect();
    let mut body = json!({
        "scenario": opened.scenario.id,
        "exercises": exercises,
        "current": progress.current().map(|i| &opened.scenario.exercises[i].id),
        "completed": progress.current().is_none(),
    });
    if let (Value::Object(body), Value::Object(time)) =
        (&mut body, super::expiry::time_json(&time, lang))
    {
        body.extend(time);
    }
    Ok(axum::Json(body).into_response())
}

/// POST /s/{token}/check/{exercise}?lang=: the check gives its feedback,
/// and errors are said, in the language of the page the learner pressed
/// Check on (`?lang=`, which the page puts in the form's address).
async fn check(
    State(state): State<AppState>,
    Path((token, exercise)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    run_check(&state, &token, &exercise, lang, &headers)
        .await
        .unwrap_or_else(|e| e.response_in(lang))
}

async fn run_check(
    state: &AppState,
    token: &str,
    exercise: &str,
    lang: &'static str,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    super::same_site(headers, state)?;
    let Some(opened) = open(state, token).await? else {
        return super::expiry::ended_json(state, token)
            .await?
            .ok_or(HttpError::NotFound);
    };
    let exercise = ExerciseId::parse(exercise).map_err(|_| HttpError::NotFound)?;
    let index = opened
        .scenario
        .exercises
        .iter()
        .position(|e| e.id == exercise)
        .ok_or(HttpError::NotFound)?;
    let before = Progress::load_done(state, &opened).await?;
    if !before.unlocked(index) {
        return Err(HttpError::Conflict(Message::new("check-locked")));
    }
    let result = state
        .app
        .service
        .check(
            opened.sandbox.id,
            opened.scenario,
            &exercise,
            Lang::of_page(lang),
        )
        .await?;
    if !super::wants_json(headers) {
        // A form post without JavaScript: show the step again, with its feedback.
        return Ok(
            Redirect::to(&format!("/s/{}?step={exercise}", opened.token.as_str())).into_response(),
        );
    }
    let after = Progress::load_done(state, &opened).await?;
    let next = after.current().map(|i| &opened.scenario.exercises[i].id);
    Ok((
        StatusCode::OK,
        axum::Json(json!({
            "exercise": exercise,
            "outcome": result.outcome,
            "feedback": if result.outcome == crate::store::Outcome::Error {
                ""
            } else {
                result.feedback.as_str()
            },
            "first_pass": result.first_pass,
            "duration_ms": result.duration.as_millis() as u64,
            "next": next,
            "completed": next.is_none(),
        })),
    )
        .into_response())
}
