//! The real tool's use: its active users per team and week, posted as
//! JSON or a CSV file (`/api/v1/programmes/{id}/usage`, `…/usage.csv`) and
//! read beside the trained people (`…/indicators/usage`, JSON or CSV).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::super::ErrorBody;
use super::super::error::{Body, Caller, Ids};
use super::super::programmes::read_csv;
use super::{ApiResult, Format, FormatQuery, csv_file, scope};
use crate::programme::{Programmes, TeamUsage};

/// Active users of the real tool in a team, one week.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBody {
    pub team: String,
    /// Any day of the week (kept as its Monday).
    pub week: NaiveDate,
    pub active_users: u32,
}

/// How many figures were recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageRecorded {
    pub recorded: usize,
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/usage", tag = "programmes", operation_id = "recordUsage",
    summary = "Record the real tool's active users per team and week",
    description = "From the production tool's own figures, so that training shows beside real use. A week sent again replaces its figure.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body = Vec<UsageBody>,
    responses(
        (status = 200, description = "Recorded", body = UsageRecorded),
        (status = 400, description = "An entry is wrong; the message names it", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn record_usage(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    Body(body): Body<Vec<UsageBody>>,
) -> ApiResult<Json<UsageRecorded>> {
    let usage: Vec<TeamUsage> = body
        .into_iter()
        .map(|u| TeamUsage {
            team: u.team,
            week: u.week,
            active_users: u.active_users,
        })
        .collect();
    let recorded = programmes.record_usage(&user, id, &usage).await?;
    Ok(Json(UsageRecorded { recorded }))
}

#[utoipa::path(post, path = "/api/v1/programmes/{id}/usage.csv", tag = "programmes", operation_id = "recordUsageCsv",
    summary = "Record the real tool's active users per team and week from a CSV file, all or nothing",
    description = "Columns (a header line is required; English or French words): team/équipe, week/semaine (any day of the week: 2030-01-14 or 14/01/2030), active_users/utilisateurs actifs. UTF-8 or Windows-1252, `,` or `;`, with or without a byte order mark. A week sent again replaces its figure. Every bad line is reported with its number, in the language of `Accept-Language`.",
    params(("id" = Uuid, Path, description = "The programme's id")),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "Recorded", body = UsageRecorded),
        (status = 400, description = "Bad lines, each with its number; nothing was recorded", body = ErrorBody),
        (status = 403, description = "Only its lead or an admin", body = ErrorBody),
        (status = 404, description = "No such programme", body = ErrorBody),
    ))]
pub async fn record_usage_csv(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<UsageRecorded>> {
    let usage = read_csv(&programmes, &user, id, &headers, |teams| {
        crate::programme::import::parse_usage(&body, teams)
    })
    .await?;
    let recorded = programmes.record_usage(&user, id, &usage).await?;
    Ok(Json(UsageRecorded { recorded }))
}

/// One team's week of real use, beside its trained people.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageWeekView {
    pub team: String,
    /// The ISO week's Monday.
    pub week: NaiveDate,
    pub active_users: u64,
    /// `active_users / headcount`.
    pub active_share: f64,
    /// People of the team who had completed what is required of them by
    /// the end of that week.
    pub trained: u64,
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/indicators/usage", tag = "programmes", operation_id = "usage",
    summary = "Used: the real tool's active users per team and week, beside the team's trained people",
    description = "As CSV (`format=csv`): a header line (`team;week;active_users;active_share;trained`), one line per team and week.",
    params(
        ("id" = Uuid, Path, description = "The programme's id"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
        ("sep" = Option<String>, Query, description = "CSV's cell separator: `semicolon` (the default) or `comma`"),
    ),
    responses(
        (status = 200, description = "Every recorded week, by team then week", content(
            (Vec<UsageWeekView> = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad `format` or `sep`; the message names it", body = ErrorBody),
        (status = 404, description = "No such programme (or not yours to see)", body = ErrorBody),
    ))]
pub async fn usage(
    Caller(user): Caller,
    State(programmes): State<Programmes>,
    Ids(id): Ids<Uuid>,
    q: Result<Query<FormatQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let (_, format, p, _) = scope(&programmes, &user, id, q).await?;
    let weeks = programmes.usage_weeks(&p).await?;
    if let Format::Csv(sep) = format {
        return csv_file(crate::programme::usage_csv(&weeks, sep), &p, "usage");
    }
    Ok(Json(
        weeks
            .into_iter()
            .map(|u| UsageWeekView {
                team: u.team,
                week: u.week,
                active_users: u.active_users,
                active_share: u.active_share,
                trained: u.trained,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}
