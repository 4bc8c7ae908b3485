//! The new-cohort form checked field by field: every mistake is found (not
//! only the first), each on the field at fault, in the trainer's language.

use chrono::{TimeDelta, Utc};
use serde_json::Value;

use super::{CohortForm, FieldError, MAX_FILE_BYTES};
use crate::http::trainer::Trainer;
use crate::sandbox::CohortRequest;
use crate::sandbox::roster::{self, RosterEntry};
use crate::scenario::Scenario;
use crate::tabular;
use crate::timezone::{LocalTime, TimeZone};

/// Checks every field; on success, what to ask the service for.
pub(super) fn validate<'a>(
    t: &'a Trainer,
    f: &mut CohortForm,
) -> Result<(&'a Scenario, CohortRequest), Vec<FieldError>> {
    let mut errors = Vec::new();
    let fail = |errors: &mut Vec<FieldError>, field, key: &str, args: &[(&'static str, Value)]| {
        errors.push(FieldError {
            field,
            message: t.text_with(key, args),
        });
    };
    let name = f.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        fail(&mut errors, "name", "field-name-invalid", &[]);
    }
    let scenario = t.state.scenarios.named(f.scenario.trim()).ok();
    if scenario.is_none() {
        fail(&mut errors, "scenario", "field-scenario-invalid", &[]);
    }
    let zone = match f.time_zone.trim() {
        "" => Some(t.state.config.time_zone),
        name => TimeZone::parse(name).ok(),
    };
    if zone.is_none() {
        let typed = f.time_zone.trim().to_owned();
        fail(
            &mut errors,
            "time_zone",
            "field-time-zone-invalid",
            &[("zone", typed.into())],
        );
    }
    let zone = zone.unwrap_or(TimeZone::UTC);
    let read = |errors: &mut Vec<FieldError>, field, value: &str, invalid, skipped| match zone
        .read_local(value)
    {
        Some(LocalTime::At(t)) => Some(t),
        Some(LocalTime::Skipped) => {
            let args = [
                ("time", value.trim().replace('T', " ").into()),
                ("zone", zone.name().into()),
            ];
            fail(errors, field, skipped, &args);
            None
        }
        None => {
            fail(errors, field, invalid, &[]);
            None
        }
    };
    let starts = read(
        &mut errors,
        "starts_at",
        &f.starts_at,
        "field-starts-invalid",
        "field-starts-skipped",
    );
    let ends = read(
        &mut errors,
        "ends_at",
        &f.ends_at,
        "field-ends-invalid",
        "field-ends-skipped",
    );
    match (starts, ends) {
        (_, None) => {}
        (Some(s), Some(e)) if e <= s => {
            fail(&mut errors, "ends_at", "field-ends-before-start", &[])
        }
        (_, Some(e)) if e <= Utc::now() => fail(&mut errors, "ends_at", "field-ends-past", &[]),
        (Some(s), Some(e)) if e - s > TimeDelta::days(366) => {
            fail(&mut errors, "ends_at", "field-ends-too-late", &[]);
        }
        _ => {}
    }
    let spare = match f.spare.trim() {
        "" => Some(0),
        s => s.parse::<u32>().ok().filter(|n| *n <= 50),
    };
    if spare.is_none() {
        fail(&mut errors, "spare", "field-spare-invalid", &[]);
    }
    let cap = match f.max_sandboxes.trim() {
        "" => Some(None),
        s => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .map(Some),
    };
    if cap.is_none() {
        fail(&mut errors, "max_sandboxes", "field-cap-invalid", &[]);
    }
    // The roster: exactly one of the three ways. A file's text moves into
    // the text box, so that it is not lost if anything else is wrong.
    if let Some((file_name, bytes)) = f.file.take() {
        if !f.roster_text.trim().is_empty() {
            fail(&mut errors, "roster_text", "field-roster-one-way", &[]);
        } else if bytes.len() > MAX_FILE_BYTES {
            fail(&mut errors, "roster_file", "field-file-too-big", &[]);
        } else {
            // UTF-8 or, as Excel saves CSV in western Europe, Windows-1252.
            match tabular::decode(&bytes) {
                Ok(text) => {
                    f.roster_text = text.into_owned();
                    f.from_file = Some(file_name);
                }
                Err(e) => {
                    let (key, args) = e.message();
                    let detail = t.text_with(key, &args);
                    fail(
                        &mut errors,
                        "roster_file",
                        "field-file-not-text",
                        &[("detail", detail.into())],
                    )
                }
            }
        }
    }
    let has_text = !f.roster_text.trim().is_empty();
    let has_seats = !f.seats.trim().is_empty();
    let mut learners: Option<Vec<RosterEntry>> = None;
    match (has_text, has_seats) {
        (true, true) => fail(&mut errors, "roster_text", "field-roster-one-way", &[]),
        (false, false) => {
            if !errors_on(&errors, "roster_file") && !errors_on(&errors, "roster_text") {
                fail(&mut errors, "roster_text", "field-roster-missing", &[]);
            }
        }
        (true, false) => match roster::parse_roster(&f.roster_text) {
            Ok(list) if list.is_empty() => {
                fail(&mut errors, "roster_text", "field-roster-missing", &[])
            }
            Ok(list) => learners = Some(list),
            // Every mistake, each with its line: the trainer fixes them
            // all in one go; nothing is created meanwhile.
            Err(all) => {
                for e in &all.0 {
                    let (key, args) = e.message();
                    let mut detail = t.text_with(key, &args);
                    if let Some(line) = e.line {
                        detail = t.text_with(
                            "roster-line",
                            &[("line", line.into()), ("detail", detail.into())],
                        );
                    }
                    fail(
                        &mut errors,
                        "roster_text",
                        "field-roster-invalid",
                        &[("detail", detail.into())],
                    );
                }
            }
        },
        (false, true) => match f.seats.trim().parse::<usize>().map(roster::seats) {
            Ok(Ok(list)) => learners = Some(list),
            _ => fail(&mut errors, "seats", "field-seats-invalid", &[]),
        },
    }
    match (scenario, starts, ends, spare, cap, learners) {
        (Some(scenario), Some(starts_at), Some(ends_at), Some(spare), Some(max), Some(roster))
            if errors.is_empty() =>
        {
            Ok((
                scenario,
                CohortRequest {
                    name,
                    starts_at,
                    ends_at,
                    roster,
                    spare,
                    max_sandboxes: max,
                    time_zone: zone,
                },
            ))
        }
        _ => Err(errors),
    }
}

pub(super) fn errors_on(errors: &[FieldError], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}
