//! The new-cohort form: name, scenario, dates, capacity, and the roster as
//! pasted text, an uploaded CSV file or a number of anonymous seats. A
//! mistake re-renders the form with everything the trainer typed, and a
//! message on the field at fault.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod validate;

use self::validate::validate;
use super::Trainer;
use crate::http::HttpError;
use crate::sandbox::SandboxError;
use crate::timezone::TimeZone;

/// The largest roster file accepted.
const MAX_FILE_BYTES: usize = 512 * 1024;
/// The form's text fields are short; the roster text is the long one.
const MAX_FIELD_BYTES: usize = 512 * 1024;

/// What the trainer typed, kept as text so that it can be shown again.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct CohortForm {
    #[serde(skip_serializing)]
    csrf: String,
    name: String,
    scenario: String,
    starts_at: String,
    ends_at: String,
    /// The IANA zone the times above are in.
    time_zone: String,
    spare: String,
    max_sandboxes: String,
    roster_text: String,
    seats: String,
    /// Set when an uploaded file's text was moved into `roster_text`.
    #[serde(skip_deserializing)]
    from_file: Option<String>,
    #[serde(skip)]
    file: Option<(String, Vec<u8>)>,
}

/// One mistake, on one field (the id of its input).
struct FieldError {
    field: &'static str,
    message: String,
}

/// GET /trainer/cohorts/new
pub(super) async fn form(t: Trainer) -> Response {
    let start = (Utc::now() + TimeDelta::hours(1))
        .with_minute(0)
        .and_then(|d| d.with_second(0))
        .and_then(|d| d.with_nanosecond(0))
        .unwrap_or_else(Utc::now);
    let end = start + TimeDelta::hours(4);
    let zone = t.state.config.time_zone;
    let f = CohortForm {
        scenario: t
            .state
            .scenarios
            .keys()
            .next()
            .map(|k| k.to_string())
            .unwrap_or_default(),
        starts_at: zone.local_input(start),
        ends_at: zone.local_input(end),
        time_zone: zone.name().into(),
        spare: "1".into(),
        ..CohortForm::default()
    };
    render(&t, &f, &[], Some((start, end)), StatusCode::OK)
}

/// POST /trainer/cohorts/new (multipart when a file may be attached; a
/// plain urlencoded form works too).
pub(super) async fn create(t: Trainer, headers: HeaderMap, request: Request) -> Response {
    let result = async {
        let mut f = read_form(&t, &headers, request).await?;
        t.session.check_csrf(&t.state, &headers, &f.csrf)?;
        let validated = validate(&t, &mut f);
        // A name taken already is said with the other mistakes, first.
        let taken = match t
            .state
            .store
            .cohort_named(t.user().id, f.name.trim())
            .await?
        {
            Some(c) => Some(name_taken(&t, &c.name, c.archived_at.is_some())),
            None => None,
        };
        let (scenario, req) = match (validated, taken) {
            (Ok(request), None) => request,
            (Ok(_), Some(taken)) => {
                return Ok(render(&t, &f, &[taken], None, StatusCode::BAD_REQUEST));
            }
            (Err(mut errors), taken) => {
                if let Some(taken) = taken {
                    errors.insert(0, taken);
                }
                return Ok(render(&t, &f, &errors, None, StatusCode::BAD_REQUEST));
            }
        };
        match t.state.service.create_cohort(t.user(), scenario, req).await {
            Ok(cohort) => {
                Ok(Redirect::to(&format!("/trainer/cohorts/{}", cohort.id)).into_response())
            }
            Err(SandboxError::NameTaken { name, archived }) => {
                let errors = [name_taken(&t, &name, archived)];
                Ok(render(&t, &f, &errors, None, StatusCode::BAD_REQUEST))
            }
            Err(SandboxError::Invalid(message)) => {
                let errors = [FieldError {
                    field: "cohort-form",
                    message,
                }];
                Ok(render(&t, &f, &errors, None, StatusCode::BAD_REQUEST))
            }
            Err(e) => Err(HttpError::from(e)),
        }
    }
    .await;
    t.respond(result)
}

/// "You already have a cohort named …", on the name field.
fn name_taken(t: &Trainer, name: &str, archived: bool) -> FieldError {
    let key = if archived {
        "field-name-taken-archived"
    } else {
        "field-name-taken"
    };
    FieldError {
        field: "name",
        message: t.text_with(key, &[("name", name.into())]),
    }
}

async fn read_form(
    t: &Trainer,
    headers: &HeaderMap,
    request: Request,
) -> Result<CohortForm, HttpError> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bad = |e: &dyn std::fmt::Display| HttpError::BadRequest(format!("unreadable form: {e}"));
    if !multipart {
        let axum::Form(f) = axum::Form::<CohortForm>::from_request(request, &t.state)
            .await
            .map_err(|e| bad(&e))?;
        return Ok(f);
    }
    let mut parts = Multipart::from_request(request, &t.state)
        .await
        .map_err(|e| bad(&e))?;
    let mut f = CohortForm::default();
    while let Some(field) = parts.next_field().await.map_err(|e| bad(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "roster_file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| bad(&e))?;
            if !file_name.is_empty() || !bytes.is_empty() {
                f.file = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field.text().await.map_err(|e| bad(&e))?;
        if text.len() > MAX_FIELD_BYTES {
            return Err(HttpError::BadRequest(format!(
                "the field `{name}` is too long"
            )));
        }
        let slot = match name.as_str() {
            "csrf" => &mut f.csrf,
            "name" => &mut f.name,
            "scenario" => &mut f.scenario,
            "starts_at" => &mut f.starts_at,
            "ends_at" => &mut f.ends_at,
            "time_zone" => &mut f.time_zone,
            "spare" => &mut f.spare,
            "max_sandboxes" => &mut f.max_sandboxes,
            "roster_text" => &mut f.roster_text,
            "seats" => &mut f.seats,
            _ => continue,
        };
        *slot = text;
    }
    Ok(f)
}

/// The form; `fresh` holds the instants a new form's times stand for (its
/// script shows them in the browser's own zone).
fn render(
    t: &Trainer,
    f: &CohortForm,
    errors: &[FieldError],
    fresh: Option<(DateTime<Utc>, DateTime<Utc>)>,
    status: StatusCode,
) -> Response {
    let mut data = t.base(&t.text("new-cohort-title"));
    data["form"] = json!(f);
    data["fresh"] = fresh.is_some().into();
    let (starts, ends) =
        fresh.map_or_else(Default::default, |(s, e)| (s.to_rfc3339(), e.to_rfc3339()));
    data["fresh_utc"] = json!({"starts": starts, "ends": ends});
    data["zones"] = TimeZone::names().collect::<Vec<_>>().into();
    data["scenarios"] = t
        .state
        .scenarios
        .values()
        .map(|s| {
            json!({
                "id": s.id.as_str(),
                "title": s.title.get(t.lang),
                "selected": s.id.as_str() == f.scenario.trim(),
            })
        })
        .collect();
    data["errors"] = errors
        .iter()
        .map(|e| json!({"field": e.field, "message": e.message}))
        .collect();
    let mut by_field = serde_json::Map::new();
    for field in [
        "name",
        "scenario",
        "starts_at",
        "ends_at",
        "time_zone",
        "spare",
        "max_sandboxes",
        "roster_text",
        "roster_file",
        "seats",
    ] {
        let message = errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        by_field.insert(
            field.into(),
            if message.is_empty() {
                Value::Null
            } else {
                message.into()
            },
        );
    }
    data["field_errors"] = by_field.into();
    // A roster may have many mistakes: one item each, beside the box.
    data["roster_errors"] = errors
        .iter()
        .filter(|e| e.field == "roster_text")
        .map(|e| e.message.as_str())
        .collect();
    t.render("trainer_new", &data, status)
}
