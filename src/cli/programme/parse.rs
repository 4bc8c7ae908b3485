//! What `sandpit programme` reads from its command line and files, checked
//! before any request: ids, phases, `SCENARIO:PHASE`, `PHASE:START:END`,
//! `SCENARIO:LEVEL[:DUE]`, and a file of weekly usage figures.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::programme::{Impact, parse_moment, parse_phase, phase_name};
use crate::scenario::ScenarioId;

/// A programme's or a cohort's id: a UUID, so nothing that could change
/// the request's path.
pub(super) fn id(s: &str) -> Result<Uuid, String> {
    Uuid::parse_str(s.trim()).map_err(|_| format!("`{s}` is not an id (a UUID)"))
}

/// A phase's name: `prepare`, `engage`, `realise` or `anchor`.
pub(super) fn phase(s: &str) -> Result<&'static str, String> {
    parse_phase(s).map(phase_name).map_err(|e| e.to_string())
}

/// When a pulse question is asked: `before` or `after`.
pub(super) fn moment(s: &str) -> Result<&'static str, String> {
    parse_moment(s).map_err(|e| e.to_string())
}

/// A day, `YYYY-MM-DD`.
pub(super) fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date: write it as YYYY-MM-DD (2030-01-31)"))
}

fn scenario(s: &str, whole: &str) -> Result<String, String> {
    ScenarioId::parse(s.trim())
        .map(|id| id.as_str().to_owned())
        .map_err(|e| format!("in `{whole}`: {e}"))
}

/// `SCENARIO:PHASE`: a scenario serving the programme, in a phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioPhase {
    pub scenario: String,
    pub phase: &'static str,
}

pub(super) fn scenario_phase(s: &str) -> Result<ScenarioPhase, String> {
    let Some((id, p)) = s.split_once(':') else {
        return Err(format!(
            "`{s}` is not SCENARIO:PHASE (such as `wiki-basics:realise`)"
        ));
    };
    Ok(ScenarioPhase {
        scenario: scenario(id, s)?,
        phase: phase(p).map_err(|e| format!("in `{s}`: {e}"))?,
    })
}

/// `PHASE:START:END`: a phase's planned dates, either of them left empty
/// when not known (`realise::2030-04-30`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedPhase {
    pub phase: &'static str,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
}

pub(super) fn planned_phase(s: &str) -> Result<PlannedPhase, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [p, start, end] = parts[..] else {
        return Err(format!(
            "`{s}` is not PHASE:START:END (such as `realise:2030-03-01:2030-04-30`)"
        ));
    };
    let day = |d: &str| -> Result<Option<NaiveDate>, String> {
        if d.trim().is_empty() {
            Ok(None)
        } else {
            date(d).map(Some).map_err(|e| format!("in `{s}`: {e}"))
        }
    };
    Ok(PlannedPhase {
        phase: phase(p).map_err(|e| format!("in `{s}`: {e}"))?,
        planned_start: day(start)?,
        planned_end: day(end)?,
    })
}

/// `SCENARIO:LEVEL[:DUE]`: a scenario's impact on a team (`none`, `low`,
/// `high`); with DUE, a date or `required`, the team's people must
/// complete it (by then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactArg {
    pub scenario: String,
    pub impact: Impact,
    pub required: bool,
    pub due_on: Option<NaiveDate>,
}

pub(super) fn impact(s: &str) -> Result<ImpactArg, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let (id, level, due) = match parts[..] {
        [id, level] => (id, level, None),
        [id, level, due] => (id, level, Some(due.trim())),
        _ => {
            return Err(format!(
                "`{s}` is not SCENARIO:LEVEL[:DUE] (such as `wiki-basics:high:2030-06-30`, \
                 `wiki-basics:high:required` or `wiki-basics:low`)"
            ));
        }
    };
    let impact = match level.trim() {
        "none" => Impact::None,
        "low" => Impact::Low,
        "high" => Impact::High,
        other => {
            return Err(format!(
                "in `{s}`: `{other}` is not an impact level (none, low or high)"
            ));
        }
    };
    let (required, due_on) = match due {
        None => (false, None),
        Some("required") => (true, None),
        Some(d) => (true, Some(date(d).map_err(|e| format!("in `{s}`: {e}"))?)),
    };
    Ok(ImpactArg {
        scenario: scenario(id, s)?,
        impact,
        required,
        due_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn scenario_phases_are_checked_before_anything_is_sent() {
        assert_eq!(
            scenario_phase("wiki-basics:realise").unwrap(),
            ScenarioPhase {
                scenario: "wiki-basics".into(),
                phase: "realise"
            }
        );
        assert!(
            scenario_phase("wiki")
                .unwrap_err()
                .contains("SCENARIO:PHASE")
        );
        assert!(
            scenario_phase("wiki:launch")
                .unwrap_err()
                .contains("`launch` is not a phase")
        );
        assert!(
            scenario_phase("Wiki:realise")
                .unwrap_err()
                .contains("`Wiki`")
        );
    }

    #[test]
    fn planned_phases_may_leave_a_date_out() {
        assert_eq!(
            planned_phase("realise::2030-04-30").unwrap(),
            PlannedPhase {
                phase: "realise",
                planned_start: None,
                planned_end: Some(day("2030-04-30")),
            }
        );
        assert!(planned_phase("realise:2030-03-01").is_err());
        assert!(
            planned_phase("realise:2030-13-01:")
                .unwrap_err()
                .contains("`2030-13-01` is not a date")
        );
        assert!(
            planned_phase("later::")
                .unwrap_err()
                .contains("not a phase")
        );
    }

    #[test]
    fn impacts_say_whether_and_by_when_they_are_required() {
        assert_eq!(
            impact("tiny:high:2030-06-30").unwrap(),
            ImpactArg {
                scenario: "tiny".into(),
                impact: Impact::High,
                required: true,
                due_on: Some(day("2030-06-30")),
            }
        );
        let required = impact("tiny:low:required").unwrap();
        assert!(required.required && required.due_on.is_none());
        let optional = impact("tiny:none").unwrap();
        assert!(!optional.required && optional.impact == Impact::None);
        assert!(impact("tiny:huge").unwrap_err().contains("`huge`"));
        assert!(impact("tiny").unwrap_err().contains("SCENARIO:LEVEL"));
        assert!(impact("tiny:high:soon").unwrap_err().contains("`soon`"));
    }

    #[test]
    fn ids_are_uuids() {
        assert!(id("8d6f0c1e-4f7a-4b8e-9a51-2f1c0b7d9e10").is_ok());
        assert!(id("../admin").unwrap_err().contains("not an id"));
    }
}
