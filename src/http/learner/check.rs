//! Check and `/progress`: a learner's Check runs the exercise's check in
//! the sandbox and answers with the verdict and the progress the page
//! shows; `/progress` tells the page's script where the learner is.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{FromThisSite, LiveLink, Opened};
use crate::http::i18n::Message;
use crate::http::{AppState, HttpError, i18n};
use crate::lang::Lang;
use crate::scenario::ExerciseId;
use crate::store::Attempt;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}/progress", get(progress))
        .route("/s/{token}/check/{exercise}", post(check))
}

/// The language of the page the learner pressed Check on.
#[derive(Debug, Deserialize, Default)]
struct LangQuery {
    lang: Option<String>,
}

/// Where the learner is: which exercises are done, which one is current.
pub(super) struct Progress {
    /// Per exercise: passed, or not part of the link (see `part`).
    pub done: Vec<bool>,
    /// Per exercise: whether the link opens onto it (all, but for a
    /// refresher's link, which opens onto one).
    pub part: Vec<bool>,
    attempts: Vec<Attempt>,
}

impl Progress {
    pub async fn load(state: &AppState, opened: &Opened<'_>) -> Result<Self, HttpError> {
        let Self { done, part, .. } = Self::load_done(state, opened).await?;
        let attempts = state.store.attempts(opened.sandbox.id).await?;
        Ok(Self {
            done,
            part,
            attempts,
        })
    }

    /// Only which exercises are done, without the attempts: what a press
    /// of Check needs (the attempts grow with every press).
    async fn load_done(state: &AppState, opened: &Opened<'_>) -> Result<Self, HttpError> {
        let completions = state.store.completions(opened.sandbox.id).await?;
        let only = opened.link.only_exercise.as_deref();
        let part: Vec<bool> = opened
            .scenario
            .exercises
            .iter()
            .map(|e| only.is_none_or(|o| o == e.id.as_str()))
            .collect();
        let done = opened
            .scenario
            .exercises
            .iter()
            .zip(&part)
            .map(|(e, part)| !part || completions.contains_key(e.id.as_str()))
            .collect();
        Ok(Self {
            done,
            part,
            attempts: Vec::new(),
        })
    }

    /// Exercises of the link passed.
    pub fn done_count(&self) -> usize {
        self.done
            .iter()
            .zip(&self.part)
            .filter(|(d, p)| **d && **p)
            .count()
    }

    /// Exercise `index`'s number among the link's, from 1 (a refresher's
    /// one exercise is its step 1).
    pub fn number(&self, index: usize) -> usize {
        self.part[..=index].iter().filter(|p| **p).count()
    }

    /// Exercises of the link.
    pub fn total(&self) -> usize {
        self.part.iter().filter(|p| **p).count()
    }

    /// The first exercise not done; None when all are.
    pub fn current(&self) -> Option<usize> {
        self.done.iter().position(|d| !d)
    }

    /// Exercises up to the current one may be opened and checked.
    pub fn unlocked(&self, index: usize) -> bool {
        self.current().is_none_or(|c| index <= c)
    }

    pub fn last_attempt(&self, exercise: &ExerciseId) -> Option<&Attempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.exercise_id == exercise.as_str())
    }
}

/// GET /s/{token}/progress: where the learner is and the time left, for
/// the page's script.
async fn progress(
    State(state): State<AppState>,
    live: LiveLink,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let opened = live.opened(&state)?;
    let lang = i18n::negotiate(None, &headers);
    let time = state.service.time_status(opened.sandbox.id).await?;
    let progress = Progress::load_done(&state, &opened).await?;
    let exercises: Vec<Value> = opened
        .scenario
        .exercises
        .iter()
        .zip(progress.done.iter().zip(&progress.part))
        .filter(|(_, (_, part))| **part)
        .map(|(e, (done, _))| json!({"id": e.id, "done": done}))
        .collect();
    let mut body = json!({
        "scenario": opened.scenario.id,
        "exercises": exercises,
        "current": progress.current().map(|i| &opened.scenario.exercises[i].id),
        "completed": progress.current().is_none(),
    });
    if let (Value::Object(body), Value::Object(time)) =
        (&mut body, super::time::time_json(&time, lang))
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
    _: FromThisSite,
    live: LiveLink,
    Path((_, exercise)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    run_check(&state, live, &exercise, lang, &headers)
        .await
        .unwrap_or_else(|e| e.response_in(lang))
}

async fn run_check(
    state: &AppState,
    live: LiveLink,
    exercise: &str,
    lang: &'static str,
    headers: &HeaderMap,
) -> Result<Response, HttpError> {
    let opened = live.opened(state)?;
    let exercise = ExerciseId::parse(exercise).map_err(|_| HttpError::NotFound)?;
    let index = opened
        .scenario
        .exercises
        .iter()
        .position(|e| e.id == exercise)
        .ok_or(HttpError::NotFound)?;
    let before = Progress::load_done(state, &opened).await?;
    if !before.part[index] {
        return Err(HttpError::NotFound);
    }
    if !before.unlocked(index) {
        return Err(HttpError::Conflict(Message::new("check-locked")));
    }
    let result = state
        .service
        .check(
            opened.sandbox.id,
            opened.scenario,
            &exercise,
            Lang::of_page(lang),
        )
        .await?;
    if !crate::http::wants_json(headers) {
        // A form post without JavaScript: show the step again, with its feedback.
        return Ok(
            Redirect::to(&format!("/s/{}?step={exercise}", opened.token.as_str())).into_response(),
        );
    }
    let after = Progress::load_done(state, &opened).await?;
    let next = after.current().map(|i| &opened.scenario.exercises[i].id);
    let (done, total) = (after.done_count(), after.total());
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
            // What the page shows of the progress, said as it says it.
            "progress": {
                "done": done,
                "total": total,
                "percent": done * 100 / total.max(1),
                "text": i18n::text_with(lang, "progress-text", &[("done", json!(done)), ("total", json!(total))]),
            },
        })),
    )
        .into_response())
}
