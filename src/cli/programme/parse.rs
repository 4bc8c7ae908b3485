//! What `sandpit programme` reads from its command line and files, checked
//! before any request: ids, phases, `SCENARIO:PHASE`, `PHASE:START:END`,
//! `SCENARIO:LEVEL[:DUE]`, and a file of weekly usage figures.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::programme::{Impact, import::MAX_LINES, parse_moment, parse_phase, phase_name};
use crate::scenario::ScenarioId;
use crate::tabular::{TEAM_WORDS, Table};

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

/// One team's active users of the real tool in one week, as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct UsageRow {
    /// The file's line it is on (0 for one given on the command line).
    #[serde(skip)]
    pub line: u64,
    pub team: String,
    pub week: NaiveDate,
    pub active_users: u32,
}

const WEEK_WORDS: &[&str] = &["week", "semaine", "date", "week of", "semaine du"];
const ACTIVE_WORDS: &[&str] = &[
    "active_users",
    "active users",
    "active",
    "users",
    "actifs",
    "utilisateurs actifs",
    "utilisateurs",
];

/// A file of usage figures: a header line naming the team, week and
/// active users columns (English or French), then one figure per line;
/// every bad line is reported with its number.
pub(super) fn usage_file(bytes: &[u8]) -> Result<Vec<UsageRow>, Vec<String>> {
    let table = Table::from_bytes(bytes).map_err(|e| vec![e.to_string()])?;
    if table.lines() > MAX_LINES {
        return Err(vec![format!(
            "the file has {} lines; at most {MAX_LINES} are read",
            table.lines()
        )]);
    }
    let mut rows = table.rows();
    let header = match rows.next() {
        None => {
            return Err(vec![
                "the file is empty: give a first line naming the columns (team;week;active_users), then one figure per line".into(),
            ]);
        }
        Some(Err(e)) => return Err(vec![format!("line {}: {}", e.line, e.detail)]),
        Some(Ok(h)) => h,
    };
    let columns = [
        (header.column(TEAM_WORDS), "team"),
        (header.column(WEEK_WORDS), "week"),
        (header.column(ACTIVE_WORDS), "active_users"),
    ];
    let missing: Vec<&str> = columns
        .iter()
        .filter(|(c, _)| c.is_none())
        .map(|(_, name)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "line {}: the first line must name the columns team, week and active_users (missing: {})",
            header.line,
            missing.join(", ")
        )]);
    }
    let [(team, _), (week, _), (active, _)] = columns;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                errors.push(format!("line {}: {}", e.line, e.detail));
                break;
            }
        };
        let at = |m: String| format!("line {}: {m}", row.line);
        let Some(t) = row.get(team) else {
            errors.push(at("the team is empty".into()));
            continue;
        };
        let w = match row.get(week).map(week_day) {
            Some(Ok(w)) => w,
            Some(Err(e)) => {
                errors.push(at(e));
                continue;
            }
            None => {
                errors.push(at("the week is empty".into()));
                continue;
            }
        };
        let digits: String = row
            .get(active)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let Ok(n) = digits.parse::<u32>() else {
            errors.push(at(format!(
                "`{}` is not a number of active users: write a whole number, 0 or more",
                row.get(active).unwrap_or_default()
            )));
            continue;
        };
        out.push(UsageRow {
            line: row.line,
            team: t.to_owned(),
            week: w,
            active_users: n,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if out.is_empty() {
        return Err(vec![
            "the file has a header line but no figures: one line per team and week".into(),
        ]);
    }
    Ok(out)
}

/// A week's day as spreadsheets write it: `2030-01-07` or `07/01/2030`.
fn week_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map_err(|_| format!("`{s}` is not a day: write it as 2030-01-07 or 07/01/2030"))
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

    #[test]
    fn a_usage_file_in_windows_1252_with_semicolons_is_read() {
        let bytes = b"\xc9quipe;Semaine;Utilisateurs actifs\nVentes;07/01/2030;1 200\n\nAchats;2030-01-14;3\n";
        assert_eq!(
            usage_file(bytes).unwrap(),
            vec![
                UsageRow {
                    line: 2,
                    team: "Ventes".into(),
                    week: day("2030-01-07"),
                    active_users: 1200
                },
                UsageRow {
                    line: 4,
                    team: "Achats".into(),
                    week: day("2030-01-14"),
                    active_users: 3
                },
            ]
        );
    }

    #[test]
    fn every_bad_usage_line_is_named() {
        let errors = usage_file(
            b"team,week,active_users\nA,2030-01-07,x\nB,,3\nC,2030-01-07,4\n,2030-01-07,1\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("line 2: `x`"), "{errors:?}");
        assert!(errors[1].starts_with("line 3: the week"), "{errors:?}");
        assert!(errors[2].starts_with("line 5: the team"), "{errors:?}");
        assert!(
            usage_file(b"name,when\nA,B\n").unwrap_err()[0]
                .contains("missing: team, week, active_users")
        );
        assert!(usage_file(b"").is_err());
    }
}
