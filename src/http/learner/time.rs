//! The learner's side of expiry: time left and warnings for the page and
//! `/progress`, "Extend" (`POST /s/{token}/extend`), the "This sandbox has
//! ended" page (410).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use chrono::Utc;
use serde_json::{Value, json};

use crate::http::pages::base;
use crate::http::{AppState, HttpError, i18n};
use crate::sandbox::SandboxService;
use crate::sandbox::{ExtendLimit, Extended, LinkEnd, LinkToken, TimeStatus};
use crate::scenario::ScenarioId;
use crate::store::EndReason;
use crate::timezone::TimeZone;

pub fn routes() -> Router<AppState> {
    Router::new().route("/s/{token}/extend", post(extend))
}

/// Why Extend can add nothing more, in the learner's language.
fn limit_text(lang: &str, limit: ExtendLimit) -> String {
    i18n::text(
        lang,
        match limit {
            ExtendLimit::MaxExtension => "extend-limit-max",
            ExtendLimit::CohortEnd => "extend-limit-cohort",
        },
    )
}

/// The time fields of `/progress` and of the page's data.
pub(in crate::http) fn time_json(status: &TimeStatus, lang: &str) -> Value {
    let now = Utc::now();
    let seconds_left = status.ends_at.map(|at| (at - now).num_seconds().max(0));
    json!({
        "expires_at": status.expires_at,
        "idle_deadline": status.idle_deadline,
        "ends_at": status.ends_at,
        "ending": status.ending,
        "seconds_left": seconds_left,
        "minutes_left": seconds_left.map(|s| (s + 59) / 60),
        "warning": status.warning,
        "idle_first": status.ending == Some(EndReason::Idle),
        "can_extend": status.extend_limit.is_none(),
        "extend_limit": status.extend_limit,
        "extend_limit_text": status.extend_limit.map(|l| limit_text(lang, l)),
    })
}

/// The zone a sandbox's times are shown in: its cohort's, if it has one.
pub(in crate::http) async fn cohort_zone(
    state: &AppState,
    sandbox: &crate::store::SandboxRecord,
) -> Result<Option<TimeZone>, HttpError> {
    let Some(cohort) = sandbox
        .cohort_id
        .as_deref()
        .and_then(|c| uuid::Uuid::parse_str(c).ok())
    else {
        return Ok(None);
    };
    Ok(state.store.cohort(cohort).await?.map(|c| c.time_zone))
}

/// Page data for the time box: the status plus the settings it shows;
/// `zone` is the cohort's, if the sandbox has one.
pub(in crate::http) fn page_time(
    state: &AppState,
    status: &TimeStatus,
    lang: &str,
    zone: Option<TimeZone>,
) -> Value {
    let policy = state.service.lifecycle_policy();
    let mut time = time_json(status, lang);
    time["warning_seconds"] = json!(policy.warning.num_seconds());
    time["extend_minutes"] = json!(policy.extend.num_minutes());
    // Two clocks, each labelled: the hard end as a time of day, in the
    // cohort's zone (else the page's script shows it in the browser's own;
    // without script, in the server's, named), and what is left before an
    // idle sandbox closes.
    time["time_zone"] = json!(zone.map(|z| z.name()));
    let shown = zone.unwrap_or(state.config.time_zone);
    time["expires_clock"] = json!(status.expires_at.map(|at| shown.clock(at)));
    time["idle_minutes"] = json!(
        policy
            .idle
            .map(|idle| (idle.num_seconds() + 59) / 60)
            .unwrap_or(0)
    );
    let now = Utc::now();
    time["idle_left"] = json!(status.idle_deadline.map(|at| {
        let left = (at - now).num_seconds().max(0);
        format!("{}:{:02}", left / 60, left % 60)
    }));
    // An idle deadline after the hard end never comes: not worth a line.
    time["idle_shown"] = json!(match (status.idle_deadline, status.expires_at) {
        (Some(idle), Some(end)) => idle < end,
        (Some(_), None) => true,
        (None, _) => false,
    });
    time
}

/// The page of a link whose sandbox has ended (410 Gone): why, and what
/// the learner completed; None when the link is not one of those.
pub(in crate::http) async fn ended_page(
    state: &AppState,
    token: &str,
    lang: &str,
) -> Result<Option<Response>, HttpError> {
    let Some(token) = LinkToken::parse(token) else {
        return Ok(None);
    };
    let Some(ended) = state.service.ended_link(&token).await? else {
        return Ok(None);
    };
    let scenario_id = ended
        .sandbox
        .as_ref()
        .map_or(&ended.link.scenario_id, |s| &s.scenario_id);
    let scenario = ScenarioId::parse(scenario_id)
        .ok()
        .and_then(|id| state.scenarios.get(&id));
    let completions = match &ended.sandbox {
        Some(sandbox) => state.store.completions(sandbox.id).await?,
        None => Default::default(),
    };
    let steps: Vec<Value> = scenario
        .map(|s| {
            s.exercises
                .iter()
                .map(|e| json!({"title": e.title.get(lang), "done": completions.contains_key(e.id.as_str())}))
                .collect()
        })
        .unwrap_or_default();
    let done = steps.iter().filter(|s| s["done"] == true).count();
    let mut data = base(lang, &i18n::text(lang, "ended-title"));
    data["scenario"] = json!(scenario.map(|s| s.title.get(lang)));
    data["reason"] = json!(i18n::text(lang, end_message(ended.end)));
    data["end"] = json!(ended.end);
    data["steps"] = json!(steps);
    data["done"] = json!(done);
    data["total"] = json!(steps.len());
    // The refreshers due to the learner: a link to each.
    let refreshers = match ended.link.roster_learner() {
        Some(learner) => state.service.due_refreshers_of(learner).await?,
        None => Vec::new(),
    };
    data["refreshers"] = refreshers
        .iter()
        .map(|(d, token)| {
            json!({
                "url": format!("/r/{}?lang={lang}", token.as_str()),
                "exercise": state.scenarios.exercise_title(&d.scenario_id, &d.exercise_id, lang),
                "started": d.started_at.is_some(),
            })
        })
        .collect::<Vec<_>>()
        .into();
    let mut response = state.pages.render("ended", &data);
    *response.status_mut() = StatusCode::GONE;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(Some(response))
}

/// The sentence that says why a link's sandbox ended.
fn end_message(end: LinkEnd) -> &'static str {
    match end {
        LinkEnd::Expired => "ended-expired",
        LinkEnd::Idle => "ended-idle",
        LinkEnd::TornDown => "ended-torn-down",
        LinkEnd::CohortOver => "ended-cohort-over",
    }
}

/// `410 Gone` for the JSON routes of an ended link; None when it is not one.
pub(in crate::http) async fn ended_json(
    state: &AppState,
    token: &str,
) -> Result<Option<Response>, HttpError> {
    let Some(token) = LinkToken::parse(token) else {
        return Ok(None);
    };
    Ok(state.service.ended_link(&token).await?.map(|ended| {
        (
            StatusCode::GONE,
            axum::Json(json!({"ended": true, "reason": ended.end})),
        )
            .into_response()
    }))
}

/// POST /s/{token}/extend: more time, within the limits.
async fn extend(
    State(service): State<SandboxService>,
    _: super::FromThisSite,
    live: super::LiveLink,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let lang = i18n::negotiate(None, &headers);
    let link = live.token;
    let extended = service.extend(live.sandbox.id).await?;
    if !crate::http::wants_json(&headers) {
        // The form without JavaScript: the page shows the new time, or why not.
        return Ok(Redirect::to(&format!("/s/{}", link.as_str())).into_response());
    }
    Ok(match extended {
        Extended::Done(status) => {
            (StatusCode::OK, axum::Json(time_json(&status, lang))).into_response()
        }
        Extended::Refused(status) => {
            let mut body = time_json(&status, lang);
            body["error"] = json!(status.extend_limit.map_or_else(
                || i18n::text(lang, "extend-limit-max"),
                |l| limit_text(lang, l)
            ));
            (StatusCode::CONFLICT, axum::Json(body)).into_response()
        }
    })
}
