//! The community on a learner's exercise: approved tips (with "this
//! helped"), the learner's own tips and questions with trainers' answers,
//! and, once they checked the exercise, a form to rate it (useful, usable)
//! and leave a tip or a question. Plain forms: they work without script.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::community::{Community, ExerciseTips, Feedback, TipView};
use crate::http::{AppState, HttpError, i18n};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}/feedback/{exercise}", post(give))
        .route("/s/{token}/tips/{tip}/vote", post(vote))
}

/// What the page shows of the community on exercise `exercise`.
pub(super) async fn section(
    community: &Community,
    learner: Option<Uuid>,
    scenario: &str,
    exercise: &str,
    lang: &str,
    token: &str,
) -> Result<Value, HttpError> {
    let ExerciseTips {
        approved,
        own,
        rating,
        tried,
    } = community.exercise_tips(learner, scenario, exercise).await?;
    let back = format!("lang={lang}&step={exercise}");
    let tip = |t: &TipView, votable: bool| {
        json!({
            "id": t.tip.id.to_string(),
            "question": t.tip.kind == "question",
            "body": t.tip.body,
            "votes": t.tip.votes,
            "voted": t.tip.voted,
            "status": i18n::text(lang, &format!("tips-status-{}", t.tip.status)),
            "pending": t.tip.status == "pending",
            "vote_url": votable.then(|| format!("/s/{token}/tips/{}/vote?{back}", t.tip.id)),
            "answers": t.answers.iter().map(|a| json!({"author": a.author, "body": a.body})).collect::<Vec<_>>(),
        })
    };
    let scores = |name: &str, given: Option<i64>| -> Vec<Value> {
        (1..=5)
            .map(|n| json!({"value": n, "id": format!("{name}-{n}"), "checked": given == Some(n)}))
            .collect()
    };
    Ok(json!({
        "tips": approved.iter().map(|t| tip(t, learner.is_some())).collect::<Vec<_>>(),
        "own": own.iter().map(|t| tip(t, false)).collect::<Vec<_>>(),
        "can_give": learner.is_some() && tried.is_some(),
        "action": format!("/s/{token}/feedback/{exercise}?{back}"),
        "rated": rating.is_some(),
        "useful": scores("useful", rating.map(|r| r.useful)),
        "usable": scores("usable", rating.map(|r| r.usable)),
        "max": crate::community::MAX_BODY,
    }))
}

#[derive(Debug, Deserialize)]
struct Back {
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FeedbackForm {
    useful: Option<String>,
    usable: Option<String>,
    kind: Option<String>,
    body: Option<String>,
}

/// POST /s/{token}/feedback/{exercise}: a rating, a tip or question.
async fn give(
    State(state): State<AppState>,
    _: super::FromThisSite,
    live: super::LiveLink,
    Path((_, exercise)): Path<(String, String)>,
    Query(q): Query<Back>,
    axum::Form(form): axum::Form<FeedbackForm>,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &axum::http::HeaderMap::new());
    let learner = roster_learner(&live, lang)?;
    let score = |s: &Option<String>| -> Result<Option<u8>, HttpError> {
        match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| HttpError::BadRequest(i18n::text(lang, "tips-scores"))),
        }
    };
    let feedback = Feedback {
        useful: score(&form.useful)?,
        usable: score(&form.usable)?,
        kind: form.kind,
        body: form.body,
    };
    state
        .community
        .give_feedback(
            learner,
            &live.sandbox.scenario_id,
            &exercise,
            lang,
            feedback,
        )
        .await
        .map_err(|e| HttpError::community_in(lang, e))?;
    Ok(back(&live, lang, &exercise))
}

#[derive(Debug, Deserialize)]
struct VoteQuery {
    lang: Option<String>,
    step: Option<String>,
}

/// POST /s/{token}/tips/{tip}/vote: "this helped", once per learner.
async fn vote(
    State(state): State<AppState>,
    _: super::FromThisSite,
    live: super::LiveLink,
    Path((_, tip)): Path<(String, String)>,
    Query(q): Query<VoteQuery>,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &axum::http::HeaderMap::new());
    let learner = roster_learner(&live, lang)?;
    let tip = Uuid::parse_str(&tip).map_err(|_| HttpError::NotFound)?;
    state
        .community
        .vote(learner, tip)
        .await
        .map_err(|e| HttpError::community_in(lang, e))?;
    Ok(back(&live, lang, q.step.as_deref().unwrap_or("")))
}

/// The learner of a cohort's link: only they rate, write and vote.
fn roster_learner(live: &super::LiveLink, lang: &str) -> Result<Uuid, HttpError> {
    live.link
        .roster_learner()
        .ok_or_else(|| HttpError::BadRequest(i18n::text(lang, "tips-no-roster")))
}

/// Back to the exercise's community section.
fn back(live: &super::LiveLink, lang: &str, exercise: &str) -> Response {
    let step = url::form_urlencoded::byte_serialize(exercise.as_bytes()).collect::<String>();
    Redirect::to(&format!(
        "/s/{}?lang={lang}&step={step}#community",
        live.token.as_str()
    ))
    .into_response()
}
