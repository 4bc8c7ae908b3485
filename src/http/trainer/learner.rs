//! One learner of a cohort: every attempt they made, with the check's
//! output and the detail kept for trainers.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use uuid::Uuid;

use super::{Trainer, text_with, when};
use crate::http::{HttpError, i18n, replay};
use crate::sandbox::SandboxError;

/// GET /trainer/cohorts/{id}/learners/{learner}
pub(super) async fn page(t: Trainer, Path((id, learner)): Path<(String, String)>) -> Response {
    let result = async {
        let (cohort, scenario) = t.cohort(&id).await?;
        let learner = Uuid::parse_str(&learner).map_err(|_| HttpError::NotFound)?;
        let (learner, attempts) = match t.state.service.learner_detail(*cohort.id, learner).await {
            Ok(found) => found,
            // Another cohort's learner, or none: not found.
            Err(SandboxError::Invalid(_)) => return Err(HttpError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let title_of = |exercise: &str| {
            scenario
                .exercises
                .iter()
                .find(|e| e.id.as_str() == exercise)
                .map_or_else(|| exercise.to_owned(), |e| e.title.get(t.lang).to_owned())
        };
        let rows: Vec<_> = attempts
            .iter()
            .rev()
            .map(|a| {
                let outcome_key = format!("outcome-{}", a.outcome);
                let outcome = text_with(t.lang, &outcome_key, &[]);
                json!({
                    "time": when(a.created_at, cohort.time_zone),
                    "time_iso": a.created_at.to_rfc3339(),
                    "exercise": title_of(&a.exercise_id),
                    "outcome": if outcome == outcome_key { a.outcome.clone() } else { outcome },
                    "outcome_class": a.outcome,
                    "completion": a.completion,
                    "duration": format!("{:.1} s", a.duration_ms as f64 / 1000.0),
                    "output": a.output,
                    "detail": a.detail,
                })
            })
            .collect();
        let sandbox = i18n::state_name(t.lang, learner.sandbox_state.as_deref());
        let mut data = t.base(&learner.name);
        data["cohort"] = json!({
            "name": cohort.name,
            "url": format!("/trainer/cohorts/{}", cohort.id),
            "scenario": scenario.title.get(t.lang),
        });
        data["learner"] = json!({
            "name": learner.name,
            "email": learner.email,
            "team": learner.team,
            "position": learner.position,
            "sandbox": sandbox,
            "claimed_at": learner.claimed_at.map(|t| when(t, cohort.time_zone)),
        });
        data["attempts"] = rows.into();
        let base = format!(
            "/trainer/cohorts/{}/learners/{}/replays",
            cohort.id, learner.id
        );
        data["replays"] =
            replay::list(&t.state, *learner.id, None, &base, t.lang, cohort.time_zone)
                .await?
                .into();
        Ok(t.render("trainer_learner", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// The cohort's learner and one of their recordings, for the cohort's
/// trainer (or an admin); anything else is not found.
async fn recording_of(
    t: &Trainer,
    id: &str,
    learner: &str,
    recording: &str,
) -> Result<
    (
        crate::store::Cohort,
        crate::store::Learner,
        crate::store::RecordingRecord,
    ),
    HttpError,
> {
    let (cohort, _) = t.cohort(id).await?;
    let learner = Uuid::parse_str(learner).map_err(|_| HttpError::NotFound)?;
    let (learner, _) = match t.state.service.learner_detail(*cohort.id, learner).await {
        Ok(found) => found,
        Err(SandboxError::Invalid(_)) => return Err(HttpError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let recording = replay::of_learner(&t.state, *learner.id, recording).await?;
    Ok((cohort, learner, recording))
}

/// GET /trainer/cohorts/{id}/learners/{learner}/replays/{recording}: the
/// player.
pub(super) async fn replay_page(
    t: Trainer,
    Path((id, learner, recording)): Path<(String, String, String)>,
) -> Response {
    let result = async {
        let (cohort, learner, recording) = recording_of(&t, &id, &learner, &recording).await?;
        let here = format!(
            "/trainer/cohorts/{}/learners/{}/replays/{}",
            cohort.id, learner.id, recording.id
        );
        let mut data = t.base(&learner.name);
        replay::page(
            &mut data,
            t.lang,
            &learner.name,
            &recording,
            (
                &format!("{here}/frames?lang={}", t.lang),
                Some(&format!("{here}/cast")),
                &format!("/trainer/cohorts/{}/learners/{}", cohort.id, learner.id),
            ),
            cohort.time_zone,
        );
        Ok(t.render("replay", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// GET /trainer/cohorts/{id}/learners/{learner}/replays/{recording}/frames
pub(super) async fn replay_frames(
    t: Trainer,
    Path((id, learner, recording)): Path<(String, String, String)>,
) -> Response {
    let result = async {
        let (_, _, recording) = recording_of(&t, &id, &learner, &recording).await?;
        replay::frames(&t.state, &recording, t.lang).await
    }
    .await;
    result.unwrap_or_else(|e| e.response_in(t.lang))
}

/// GET /trainer/cohorts/{id}/learners/{learner}/replays/{recording}/cast:
/// the recording as asciicast v2, for asciinema and other players.
pub(super) async fn replay_cast(
    t: Trainer,
    Path((id, learner, recording)): Path<(String, String, String)>,
) -> Response {
    let result = async {
        let (_, _, recording) = recording_of(&t, &id, &learner, &recording).await?;
        replay::cast(&t.state, &recording).await
    }
    .await;
    result.unwrap_or_else(|e| e.response_in(t.lang))
}
