//! `/api/v1/programmes/{id}/indicators/help`: help between peers, what
//! ambassadors and trainers gave through live help sessions, as JSON or
//! CSV.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::super::ErrorBody;
use super::super::error::{Caller, Ids};
use super::{ApiResult, Format, IndicatorQuery, csv_file, scope};
use crate::programme::{HelpGiven, HelperFigures, Programmes};

/// What one helper gave.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelperView {
    pub name: String,
    /// `ambassador` (a learner) or `account` (a trainer, or an account named ambassador).
    pub kind: String,
    pub sessions: u64,
    /// Learners helped, each once.
    pub learners: u64,
    /// Minutes spent in help sessions, to one decimal.
    pub minutes: f64,
    /// Sessions after which the learner passed the exercise within 30 minutes.
    pub unblocked: u64,
}

impl From<HelperFigures> for HelperView {
    fn from(h: HelperFigures) -> Self {
        Self {
            name: h.name,
            kind: h.kind.to_owned(),
            sessions: h.sessions,
            learners: h.learners,
            minutes: h.minutes,
            unblocked: h.unblocked,
        }
    }
}

/// The help indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpView {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    /// Calls for help made by the learners in scope.
    pub calls: u64,
    /// Calls a help session took up while they were open.
    pub calls_answered: u64,
    /// Percent of calls answered, to one decimal; absent without calls.
    pub answered_percent: Option<f64>,
    pub sessions: u64,
    pub learners: u64,
    pub minutes: f64,
    /// Sessions after which the learner passed the exercise within 30 minutes.
    pub unblocked: u64,
    /// Median minutes from a session's start to that pass, to one decimal.
    pub median_minutes_to_unblock: Option<f64>,
    /// Most sessions first, then by name.
    pub helpers: Vec<HelperView>,
}

impl From<HelpGiven> for HelpView {
    fn from(h: HelpGiven) -> Self {
        Self {
            programme: h.programme,
            team: h.team,
            phase: h.phase,
            calls: h.calls,
            calls_answered: h.calls_answered,
            answered_percent: h.answered_percent,
            sessions: h.sessions,
            learners: h.learners,
            minutes: h.minutes,
            unblocked: h.unblocked,
            median_minutes_to_unblock: h.median_minutes_to_unblock,
            helpers: h.helpers.into_iter().map(Into::into).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/help", tag = "programmes", operation_id = "help_given",
    summary = "Help between peers: live help sessions per helper, time to unblock, calls answered",
    description = "Narrowed by the helped learners' team and cohorts' phase. A session unblocked its learner when \
        they passed the exercise it was about within 30 minutes of its start. As CSV (`format=csv`): a header line \
        (`row;helper;kind;sessions;learners;minutes;unblocked;calls;calls_answered;answered_percent;median_minutes_to_unblock`), \
        one line per helper (`row` = `helper`), then the total (`row` = `total`), which alone has the calls.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("team" = Option<String>, Query, description = "Only the learners of this team"),
        ("phase" = Option<String>, Query, description = "Only the cohorts of this phase"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "The help given", content(
            (HelpView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "No such team, not a phase, or a bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn help_given(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, filter) = scope(&programmes, &user, id, q).await?;
    let help = programmes.help_given(&p, &filter).await?;
    match format {
        Format::Json => Ok(Json(HelpView::from(help)).into_response()),
        Format::Csv(sep) => csv_file(crate::programme::help_csv(&help, sep), &p, "help"),
    }
}
