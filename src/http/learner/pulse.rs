//! The pulse questions on a learner's page: asked before their first
//! exercise and after their last, when their cohort serves a programme
//! whose phase has questions; answered once, all at once (1 to 5, and an
//! optional comment), from this site only.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::http::{AppState, HttpError, i18n};
use crate::programme::Programmes;
use crate::store::PulseQuestion;

pub fn routes() -> Router<AppState> {
    Router::new().route("/s/{token}/pulse", post(answer))
}

/// The questions a cohort learner is asked now, for the page: `before` as
/// long as they have passed nothing, `after` once they have passed all.
pub(super) async fn due(
    programmes: &Programmes,
    learner: Option<&str>,
    passed: usize,
    total: usize,
    lang: &str,
    token: &str,
) -> Result<Value, HttpError> {
    let Some(learner) = learner.and_then(|l| Uuid::parse_str(l).ok()) else {
        return Ok(Value::Null);
    };
    let moment = if passed == 0 {
        "before"
    } else if passed >= total {
        "after"
    } else {
        return Ok(Value::Null);
    };
    let questions = programmes.pulse_due(learner, moment).await?;
    if questions.is_empty() {
        return Ok(Value::Null);
    }
    Ok(json!({
        "moment": moment,
        "heading": i18n::text(lang, &format!("pulse-heading-{moment}")),
        "action": format!("/s/{token}/pulse?lang={lang}&moment={moment}"),
        "questions": questions.iter().map(|q| question(q, lang)).collect::<Vec<_>>(),
    }))
}

fn question(q: &PulseQuestion, lang: &str) -> Value {
    let text = match lang {
        "fr" => q.text_fr.as_ref().or(q.text_en.as_ref()),
        _ => q.text_en.as_ref().or(q.text_fr.as_ref()),
    };
    json!({
        "id": q.id.to_string(),
        "text": text,
        "scores": (1..=5).map(|s| json!({"value": s, "id": format!("q-{}-{s}", q.id)})).collect::<Vec<_>>(),
    })
}

#[derive(Debug, Deserialize)]
struct PulseQuery {
    moment: String,
    lang: Option<String>,
}

/// POST /s/{token}/pulse?moment=before|after, with `q-<question>` (1–5)
/// and `c-<question>` (a comment) per question asked.
async fn answer(
    State(programmes): State<Programmes>,
    _: super::FromThisSite,
    live: super::LiveLink,
    Query(q): Query<PulseQuery>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(q.lang.as_deref(), &axum::http::HeaderMap::new());
    let learner = live
        .link
        .roster_learner()
        .ok_or_else(|| HttpError::BadRequest(i18n::text(lang, "pulse-not-asked")))?;
    let mut answers: BTreeMap<Uuid, (u8, Option<String>)> = BTreeMap::new();
    for (name, value) in &form {
        if let Some(id) = name.strip_prefix("q-") {
            let id = Uuid::parse_str(id)
                .map_err(|_| HttpError::BadRequest(i18n::text(lang, "pulse-not-asked")))?;
            let score: u8 = value
                .trim()
                .parse()
                .map_err(|_| HttpError::BadRequest(i18n::text(lang, "pulse-score-needed")))?;
            let comment = form.get(&format!("c-{id}")).cloned();
            answers.insert(id, (score, comment));
        }
    }
    programmes
        .answer_pulse(learner, &q.moment, &answers)
        .await
        .map_err(|e| match e {
            crate::programme::ProgrammeError::Invalid(_) => {
                HttpError::BadRequest(i18n::text(lang, "pulse-score-needed"))
            }
            e => e.into(),
        })?;
    Ok(Redirect::to(&format!("/s/{}?lang={lang}", live.token.as_str())).into_response())
}
