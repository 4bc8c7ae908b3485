//! What the API reads and writes: views of cohorts, learners and
//! scenarios, and the checked request that creates a cohort.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::ApiError;
use crate::sandbox::roster::{self, RosterEntry};
use crate::sandbox::{CohortRequest, CohortSummary, PoolStatus};
use crate::store::Cohort;
use crate::timezone::TimeZone;

/// The longest roster field (name, email, team).
const MAX_FIELD: usize = 200;
/// The most spare sandboxes a cohort keeps (the service's own limit).
const MAX_SPARE: u32 = 50;

/// An exercise of a scenario.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExerciseView {
    pub id: String,
    pub title: String,
}

/// A scenario cohorts can use.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub exercises: Vec<ExerciseView>,
}

/// A cohort as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Cohort)]
pub struct CohortView {
    pub id: Uuid,
    pub name: String,
    pub scenario: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub spare: i64,
    pub max_sandboxes: Option<i64>,
    #[schema(value_type = CohortState)]
    pub state: &'static str,
    pub launched_at: Option<DateTime<Utc>>,
    pub torn_down_at: Option<DateTime<Utc>>,
    /// Set once archived: out of the default list.
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub learner_count: i64,
    /// The IANA zone its times are shown and exported in.
    #[schema(value_type = String, example = "Europe/Paris")]
    pub time_zone: TimeZone,
}

/// Where a cohort stands: `ended` once past its end, `torn_down` once its
/// sandboxes were removed. (The schema of [`CohortView::state`].)
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CohortState {
    Created,
    Launched,
    Ended,
    TornDown,
}

impl From<&Cohort> for CohortView {
    fn from(c: &Cohort) -> Self {
        let state = if c.torn_down_at.is_some() {
            "torn_down"
        } else if c.ends_at <= Utc::now() {
            "ended"
        } else if c.launched_at.is_some() {
            "launched"
        } else {
            "created"
        };
        Self {
            id: *c.id,
            name: c.name.clone(),
            scenario: c.scenario_id.clone(),
            owner_id: *c.owner_id,
            owner_name: c.owner_name.clone(),
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            spare: c.spare,
            max_sandboxes: c.max_sandboxes,
            state,
            launched_at: c.launched_at,
            torn_down_at: c.torn_down_at,
            archived_at: c.archived_at,
            created_at: c.created_at,
            learner_count: c.learners,
            time_zone: c.time_zone,
        }
    }
}

/// A learner with their link and, once it was opened, their sandbox.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Learner)]
pub struct LearnerView {
    pub id: Uuid,
    pub position: i64,
    pub name: String,
    pub email: Option<String>,
    pub team: Option<String>,
    /// The learner's key: `{public_url}/s/{token}`.
    #[schema(format = "uri")]
    pub link: String,
    pub sandbox_id: Option<String>,
    /// `provisioning`, `ready`, `claimed`, `failed`, `expired` or `destroyed`; null before the link is opened.
    pub sandbox_state: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
}

/// A new cohort with its learners' links.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortWithLearners {
    #[serde(flatten)]
    pub cohort: CohortView,
    pub learners: Vec<LearnerView>,
}

/// A cohort in the list, with its learners' progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortListed {
    #[serde(flatten)]
    pub cohort: CohortView,
    pub progress: CohortSummary,
}

/// A cohort and its warm pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortWithPool {
    #[serde(flatten)]
    pub cohort: CohortView,
    pub pool: PoolStatus,
}

/// `POST /api/v1/cohorts`: exactly one of `roster`, `roster_text` and
/// `seats`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCohort {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// A scenario's id.
    pub scenario: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// The learners, 1 to 1000.
    #[serde(default)]
    pub roster: Option<Vec<RosterEntry>>,
    /// Pasted lines (`Name`, `email`, `Name <email>`) or CSV `name,email,team`.
    #[serde(default)]
    pub roster_text: Option<String>,
    /// Anonymous seats.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000)]
    pub seats: Option<u32>,
    /// Spare ready sandboxes beyond the roster; 1 when absent.
    #[serde(default)]
    #[schema(maximum = 50)]
    pub spare: Option<u32>,
    /// This cohort's cap on live sandboxes (roster + spare when absent).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub max_sandboxes: Option<u32>,
    /// An IANA zone name; the server's `time_zone` when absent.
    #[serde(default)]
    pub time_zone: Option<String>,
}

fn time(field: &str, value: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ApiError::bad(format!(
                "`{field}` is not an RFC 3339 time such as 2030-01-31T09:00:00Z ({e})"
            ))
        })
}

/// A roster given as JSON objects, held to the rules of a pasted one:
/// every mistake is named, and none is taken if any is wrong.
fn checked_roster(entries: Vec<RosterEntry>) -> Result<Vec<RosterEntry>, ApiError> {
    if entries.is_empty() || entries.len() > roster::MAX_LEARNERS {
        return Err(ApiError::bad(format!(
            "`roster` has 1 to {} learners",
            roster::MAX_LEARNERS
        )));
    }
    let mut emails = std::collections::HashMap::new();
    let mut mistakes = Vec::new();
    let tidy = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let (name, email, team) = (e.name.trim().to_owned(), tidy(e.email), tidy(e.team));
        let before = mistakes.len();
        for (field, value) in [
            ("name", Some(&name)),
            ("email", email.as_ref()),
            ("team", team.as_ref()),
        ] {
            if let Some(v) = value
                && (v.chars().count() > MAX_FIELD || v.chars().any(char::is_control))
            {
                mistakes.push(format!(
                    "`roster[{i}].{field}` is longer than {MAX_FIELD} characters or holds control characters"
                ));
            }
        }
        if name.is_empty() {
            mistakes.push(format!("`roster[{i}].name` is empty"));
        }
        if let Some(e) = &email {
            if let Err(problem) = roster::check_email(e) {
                mistakes.push(format!("`roster[{i}].email`: {problem}"));
            } else if let Some(first) = emails.get(&e.to_lowercase()) {
                mistakes.push(format!(
                    "`roster[{i}].email` is already `roster[{first}].email`"
                ));
            } else {
                emails.insert(e.to_lowercase(), i);
            }
        }
        if mistakes.len() == before {
            out.push(RosterEntry { name, email, team });
        }
    }
    match mistakes.as_slice() {
        [] => Ok(out),
        [one] => Err(ApiError::bad(one.clone())),
        many => Err(ApiError::bad(format!(
            "{} mistakes in `roster`, nothing was imported: {}",
            many.len(),
            many.join("; ")
        ))),
    }
}

/// Checks a creation request field by field, so that every mistake names
/// its field (the service checks the same rules again). A request that
/// names no zone gets `default_zone`.
pub fn cohort_request(
    body: CreateCohort,
    default_zone: TimeZone,
) -> Result<CohortRequest, ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::bad(
            "`name` has 1 to 100 characters, and no control characters",
        ));
    }
    let time_zone = match body.time_zone.as_deref() {
        None => default_zone,
        Some(name) => {
            TimeZone::parse(name).map_err(|e| ApiError::bad(format!("`time_zone`: {e}")))?
        }
    };
    let starts_at = time("starts_at", &body.starts_at)?;
    let ends_at = time("ends_at", &body.ends_at)?;
    if ends_at <= starts_at {
        return Err(ApiError::bad("`ends_at` must be after `starts_at`"));
    }
    if ends_at <= Utc::now() {
        return Err(ApiError::bad("`ends_at` is in the past"));
    }
    let spare = body.spare.unwrap_or(1);
    if spare > MAX_SPARE {
        return Err(ApiError::bad(format!("`spare` is at most {MAX_SPARE}")));
    }
    if body.max_sandboxes == Some(0) {
        return Err(ApiError::bad("`max_sandboxes` is at least 1"));
    }
    let given = [
        body.roster.is_some(),
        body.roster_text.is_some(),
        body.seats.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ApiError::bad(
            "give exactly one of `roster`, `roster_text` and `seats`",
        ));
    }
    let roster = match (body.roster, body.roster_text, body.seats) {
        (Some(entries), _, _) => checked_roster(entries)?,
        (_, Some(text), _) => {
            roster::parse_roster(&text).map_err(|e| ApiError::bad(format!("`roster_text`: {e}")))?
        }
        (_, _, Some(n)) => {
            roster::seats(n as usize).map_err(|e| ApiError::bad(format!("`seats`: {e}")))?
        }
        _ => unreachable!("exactly one was given"),
    };
    Ok(CohortRequest {
        name: name.to_owned(),
        starts_at,
        ends_at,
        roster,
        spare,
        max_sandboxes: body.max_sandboxes,
        time_zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cohort_request_of(body: CreateCohort) -> Result<CohortRequest, ApiError> {
        cohort_request(body, TimeZone::PARIS)
    }

    fn body(extra: serde_json::Value) -> CreateCohort {
        let mut v = serde_json::json!({
            "name": "Ops", "scenario": "tiny",
            "starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-01T17:00:00+01:00",
        });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn exactly_one_roster_source_is_taken() {
        let r = cohort_request_of(body(serde_json::json!({"seats": 3}))).unwrap();
        assert_eq!(r.roster.len(), 3);
        assert_eq!(r.spare, 1);
        assert_eq!(r.ends_at.to_rfc3339(), "2030-01-01T16:00:00+00:00");
        for extra in [
            serde_json::json!({}),
            serde_json::json!({"seats": 2, "roster_text": "Ada"}),
        ] {
            let e = cohort_request_of(body(extra)).unwrap_err();
            assert!(e.message.contains("exactly one"), "{}", e.message);
        }
    }

    #[test]
    fn mistakes_name_their_field() {
        let e = cohort_request_of(body(
            serde_json::json!({"seats": 1, "starts_at": "tomorrow"}),
        ))
        .unwrap_err();
        assert!(e.message.starts_with("`starts_at`"), "{}", e.message);
        let e = cohort_request_of(body(serde_json::json!({"roster": [
            {"name": "Ada", "email": "a@x.org"}, {"name": "Bob", "email": "A@x.org"}
        ]})))
        .unwrap_err();
        assert!(e.message.starts_with("`roster[1].email`"), "{}", e.message);
        let e =
            cohort_request_of(body(serde_json::json!({"roster": [{"name": " "}]}))).unwrap_err();
        assert!(e.message.starts_with("`roster[0].name`"), "{}", e.message);
        let e =
            cohort_request_of(body(serde_json::json!({"roster_text": "Bob, nope"}))).unwrap_err();
        assert!(
            e.message.starts_with("`roster_text`: line 1"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_time_zone_is_the_servers_unless_named_and_an_unknown_name_is_refused() {
        let r = cohort_request_of(body(serde_json::json!({"seats": 1}))).unwrap();
        assert_eq!(r.time_zone, TimeZone::PARIS);
        let r = cohort_request_of(body(
            serde_json::json!({"seats": 1, "time_zone": "America/New_York"}),
        ))
        .unwrap();
        assert_eq!(r.time_zone.name(), "America/New_York");
        let e = cohort_request_of(body(
            serde_json::json!({"seats": 1, "time_zone": "Europe/Lyon"}),
        ))
        .unwrap_err();
        assert_eq!(
            e.message,
            "`time_zone`: `Europe/Lyon` is not a time zone name from the IANA database (such as Europe/Paris, America/New_York or UTC)"
        );
    }
}
