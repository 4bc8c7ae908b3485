//! Replays of a learner's terminal, for the pages that may show them (a
//! trainer's learner page, a helper's help page): the list of a learner's
//! recordings, the player page, its frames (JSON) and the recording as
//! asciicast v2. Each caller checks access first; these only read.
//!
//! The frames' JSON: `{"rows":24,"cols":80,"duration":12.5,
//! "frames":[{"t":0.0,"frame":{…}},…],"marks":[{"t":3.2,"label":"…",
//! "outcome":"failed"},…]}`: each frame is what the live terminal sends
//! (see `learner::terminal`), the first and one every 5 s full; marks are
//! the checks run in the recorded sandbox, seconds from the recording's
//! start.

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{AppState, HttpError, i18n};
use crate::store::RecordingRecord;

/// A check run while a recording went: when, from its start, and what.
fn marks(
    state: &AppState,
    recording: &RecordingRecord,
    attempts: &[crate::store::Attempt],
    scenario: &str,
    lang: &str,
) -> Vec<Value> {
    attempts
        .iter()
        .filter_map(|a| {
            let t = (a.created_at - recording.started_at).num_milliseconds();
            (t >= 0).then(|| {
                let exercise = state
                    .scenarios
                    .exercise_title(scenario, &a.exercise_id, lang);
                let outcome = i18n::text(lang, &format!("outcome-{}", a.outcome));
                json!({
                    "t": t as f64 / 1000.0,
                    "at": clock(t / 1000),
                    "label": format!("{exercise}: {outcome}"),
                    "outcome": a.outcome,
                })
            })
        })
        .collect()
}

/// `m:ss` (or `h:mm:ss`).
fn clock(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The recording `id` if it is one of `learner`'s sandboxes'.
pub(in crate::http) async fn of_learner(
    state: &AppState,
    learner: Uuid,
    id: &str,
) -> Result<RecordingRecord, HttpError> {
    let id = Uuid::parse_str(id).map_err(|_| HttpError::NotFound)?;
    state
        .store
        .recording(id)
        .await?
        .filter(|r| r.learner_id.as_deref() == Some(learner.to_string().as_str()))
        .ok_or(HttpError::NotFound)
}

/// `learner`'s recordings (of `sandbox` only, if given) as a page lists
/// them, each with its player at `{base}/{id}`, oldest first, times in
/// `zone`.
pub(in crate::http) async fn list(
    state: &AppState,
    learner: Uuid,
    sandbox: Option<Uuid>,
    base: &str,
    lang: &str,
    zone: crate::timezone::TimeZone,
) -> Result<Vec<Value>, HttpError> {
    let recordings = state.store.learner_recordings(learner).await?;
    Ok(recordings
        .iter()
        .filter(|r| sandbox.is_none_or(|s| *r.sandbox_id == s))
        .map(|r| {
            json!({
                "url": format!("{base}/{}?lang={lang}", r.id),
                "started": zone.display(r.started_at),
                "size": i18n::text_with(lang, "replay-size", &[("kib", u64::try_from(r.bytes).unwrap_or(0).div_ceil(1024).into())]),
                "cut": r.cut_at.is_some(),
            })
        })
        .collect())
}

/// The player page's data, added to `data` (the page's base).
pub(in crate::http) fn page(
    data: &mut Value,
    lang: &str,
    learner: &str,
    recording: &RecordingRecord,
    urls: (&str, Option<&str>, &str),
    zone: crate::timezone::TimeZone,
) {
    let (frames, cast, back) = urls;
    let title = i18n::text_with(lang, "replay-title", &[("name", learner.into())]);
    data["title"] = title.clone().into();
    data["heading"] = title.into();
    data["started"] = zone.display(recording.started_at).into();
    data["frames_url"] = frames.into();
    data["cast_url"] = cast.into();
    data["back_url"] = back.into();
    data["cut"] = recording.cut_at.is_some().into();
}

/// The frames of `recording` and the checks run meanwhile (JSON).
pub(in crate::http) async fn frames(
    state: &AppState,
    recording: &RecordingRecord,
    lang: &str,
) -> Result<Response, HttpError> {
    let sandbox = *recording.sandbox_id;
    let replay = state
        .terminals
        .replay(sandbox, &recording.file)
        .await
        .map_err(|e| HttpError::Internal(e.context(format!("replaying {}", recording.file))))?
        .ok_or(HttpError::NotFound)?;
    let record = state.store.sandbox(sandbox).await?;
    let attempts = state.store.attempts(sandbox).await?;
    let marks = marks(state, recording, &attempts, &record.scenario_id, lang);
    #[derive(serde::Serialize)]
    struct Body<'a> {
        #[serde(flatten)]
        replay: &'a crate::terminal::replay::Replay,
        marks: Vec<Value>,
    }
    let mut response = axum::Json(Body {
        replay: &replay,
        marks,
    })
    .into_response();
    super::private_page(&mut response);
    Ok(response)
}

/// `recording` as its asciicast v2 file.
pub(in crate::http) async fn cast(
    state: &AppState,
    recording: &RecordingRecord,
) -> Result<Response, HttpError> {
    let text = state
        .terminals
        .recording(*recording.sandbox_id, &recording.file)
        .await
        .map_err(|e| HttpError::Internal(anyhow::Error::new(e).context("reading a recording")))?
        .ok_or(HttpError::NotFound)?;
    Ok(super::export::attachment(
        text.into_bytes(),
        "application/x-asciicast",
        &recording.file,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn clocks_read_as_minutes_and_seconds() {
        assert_eq!(super::clock(0), "0:00");
        assert_eq!(super::clock(75), "1:15");
        assert_eq!(super::clock(3725), "1:02:05");
    }
}
