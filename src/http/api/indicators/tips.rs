//! `/api/v1/programmes/{id}/tips`: what the programme's learners left for
//! each other (tips and questions, their review, votes and answers), as
//! JSON or CSV, with their team and never their author.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::super::ErrorBody;
use super::super::error::{Caller, Ids};
use super::{ApiResult, Format, IndicatorQuery, csv_file, scope};
use crate::community::{Community, ExportedTip};
use crate::http::HttpError;
use crate::programme::Programmes;

/// An answer to a question.
#[derive(Debug, Serialize, ToSchema)]
pub struct TipAnswerView {
    /// The trainer's account name.
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A tip or question.
#[derive(Debug, Serialize, ToSchema)]
pub struct TipView {
    pub id: Uuid,
    pub scenario: String,
    pub exercise: String,
    /// `tip` or `question`.
    pub kind: String,
    pub body: String,
    /// The language of the page it was written on.
    pub lang: String,
    /// `pending`, `approved` (shown to later learners) or `rejected`.
    pub status: String,
    /// The author's team, when they are one of the programme's people.
    pub team: Option<String>,
    /// Learners it helped, one vote each.
    pub votes: i64,
    pub answers: Vec<TipAnswerView>,
    pub created_at: DateTime<Utc>,
}

impl From<ExportedTip> for TipView {
    fn from(t: ExportedTip) -> Self {
        let tip = t.tip.tip;
        Self {
            id: *tip.id,
            scenario: tip.scenario_id,
            exercise: tip.exercise_id,
            kind: tip.kind,
            body: tip.body,
            lang: tip.lang,
            status: tip.status,
            team: t.tip.team,
            votes: tip.votes,
            answers: t
                .answers
                .into_iter()
                .map(|a| TipAnswerView {
                    author: a.author,
                    body: a.body,
                    created_at: a.created_at,
                })
                .collect(),
            created_at: tip.created_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/tips", tag = "programmes", operation_id = "programme_tips",
    summary = "The tips and questions the programme's learners left, with their review, votes and answers",
    description = "Newest first; the author's team, never the author. As CSV (`format=csv`): a header line \
        (`created_at;scenario_id;exercise_id;kind;status;team;votes;answers;text;answer_texts`), one line per tip \
        or question, times in the programme's time zone, answers one per line of their cell (`author: text`).",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only the learners of this team"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "The tips and questions", content(
            (Vec<TipView> = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn programme_tips(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    State(community): State<Community>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let tips = community
        .programme_tips(*p.id, filter.scope())
        .await
        .map_err(HttpError::from)?;
    match format {
        Format::Json => {
            let views: Vec<TipView> = tips.into_iter().map(Into::into).collect();
            Ok(Json(views).into_response())
        }
        Format::Csv(sep) => csv_file(
            crate::community::tips_csv(&tips, p.time_zone, sep),
            &p,
            "tips",
        ),
    }
}
