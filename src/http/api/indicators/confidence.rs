//! `/api/v1/programmes/{id}/indicators/confidence`: the pulse answers per
//! question, in all and per team, as JSON or CSV.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::super::ErrorBody;
use super::super::error::{Caller, Ids};
use super::{ApiResult, Format, FormatQuery, csv_file, scope};
use crate::programme::Programmes;

/// A group's answers to a question.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoresView {
    pub answers: usize,
    /// The mean, to two decimals; absent below `min_group` answers.
    pub average: Option<f64>,
}

/// One question's answers, in all and per team.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionConfidenceView {
    pub id: Uuid,
    pub phase: String,
    pub moment: String,
    pub text_en: Option<String>,
    pub text_fr: Option<String>,
    pub all: ScoresView,
    /// By team name.
    pub teams: std::collections::BTreeMap<String, ScoresView>,
    /// Shown once the question has `min_group` answers in all; sorted, not
    /// in the order given.
    pub comments: Vec<String>,
}

/// The confidence indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfidenceView {
    /// Below this many answers a group's mean is not shown.
    pub min_group: usize,
    pub questions: Vec<QuestionConfidenceView>,
}

fn scores_view(s: crate::programme::Scores) -> ScoresView {
    ScoresView {
        answers: s.answers,
        average: s.average,
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/confidence", tag = "programmes", operation_id = "confidence",
    summary = "Confidence: the pulse answers per question, in all and per team, never by person",
    description = "As CSV (`format=csv`): a header line (`phase;moment;question_en;question_fr;group;answers;average`), \
        per question a line for all its answers (`group` empty) then one per team; an average not shown \
        (fewer answers than `min_group`) is an empty cell. Comments are in the JSON only.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "The answers", content(
            (ConfidenceView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn confidence(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<FormatQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, _) = scope(&programmes, &user, id, q).await?;
    let c = programmes.confidence(&p).await?;
    if let Format::Csv(sep) = format {
        return csv_file(crate::programme::confidence_csv(&c, sep), &p, "confidence");
    }
    Ok(Json(ConfidenceView {
        min_group: c.min_group,
        questions: c
            .questions
            .into_iter()
            .map(|q| QuestionConfidenceView {
                id: q.id,
                phase: q.phase,
                moment: q.moment,
                text_en: q.text_en,
                text_fr: q.text_fr,
                all: scores_view(q.all),
                teams: q
                    .teams
                    .into_iter()
                    .map(|(t, s)| (t, scores_view(s)))
                    .collect(),
                comments: q.comments,
            })
            .collect(),
    })
    .into_response())
}
