//! The trainer's tips page, `/trainer/tips`: the tips and questions of
//! their cohorts' learners waiting for review, and questions nobody
//! answered (an admin's: every cohort's). Approve, reject, answer; each
//! form answers with a redirect back to the page.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Trainer, when};
use crate::http::{AppState, HttpError};

/// GET /trainer/tips
pub(super) async fn page(t: Trainer) -> Response {
    let result = async {
        let queue = t.state.community.to_review(t.user()).await?;
        let zone = t.state.config.time_zone;
        let items: Vec<_> = queue
            .iter()
            .map(|(r, answers)| {
                let scenario = t.state.scenarios.find(&r.tip.scenario_id);
                let exercise = t.state.scenarios.exercise_title(
                    &r.tip.scenario_id,
                    &r.tip.exercise_id,
                    t.lang,
                );
                json!({
                    "id": r.tip.id.to_string(),
                    "question": r.tip.kind == "question",
                    "pending": r.tip.status == "pending",
                    "body": r.tip.body,
                    "learner": r.learner_name,
                    "cohort": r.cohort_name,
                    "cohort_url": format!("/trainer/cohorts/{}", r.cohort_id),
                    "exercise": exercise,
                    "scenario": scenario.map_or(r.tip.scenario_id.clone(), |s| s.title.get(t.lang).to_owned()),
                    "when": when(r.tip.created_at, zone),
                    "review_url": format!("/trainer/tips/{}/review", r.tip.id),
                    "answer_url": format!("/trainer/tips/{}/answer", r.tip.id),
                    "answers": answers.iter().map(|a| json!({"author": a.author, "body": a.body})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut data = t.base(&t.text("tips-review-title"));
        data["heading"] = t.text("tips-review-title").into();
        data["tips"] = items.into();
        data["max"] = crate::community::MAX_BODY.into();
        Ok::<_, HttpError>(t.render("trainer_tips", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// A form of the tips page: `status` (approved | rejected) to review,
/// `body` to answer.
#[derive(Debug, Deserialize)]
pub(super) struct TipForm {
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    body: String,
}

/// What a form of the tips page does to its tip.
enum Act {
    Review,
    Answer,
}

/// POST /trainer/tips/{id}/review with `status` = approved | rejected.
pub(super) async fn review(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TipForm>,
) -> Response {
    act(t, state, id, headers, form, Act::Review).await
}

/// POST /trainer/tips/{id}/answer with `body`.
pub(super) async fn answer(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TipForm>,
) -> Response {
    act(t, state, id, headers, form, Act::Answer).await
}

/// Does `act` to tip `id`, then back to the tips page; a refusal is a
/// page that says what is wrong.
async fn act(
    t: Trainer,
    state: AppState,
    id: String,
    headers: HeaderMap,
    form: TipForm,
    act: Act,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let id = Uuid::parse_str(&id).map_err(|_| HttpError::NotFound)?;
        let community = &state.community;
        match act {
            Act::Review => community.review(t.user(), id, &form.status).await,
            Act::Answer => community.answer(t.user(), id, &form.body).await.map(|_| ()),
        }
        .map_err(|e| HttpError::community_in(t.lang, e))?;
        Ok(Redirect::to("/trainer/tips").into_response())
    }
    .await;
    t.respond(result)
}
