//! A usage file: the real tool's active users, one team and week per line,
//! as the production tool's reports (or an export of them) give them.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::people::Teams;
use super::{Column, ImportError, ImportErrors, ImportProblem, Listing, columns, missing, read};
use crate::programme::{TeamUsage, monday_of};
use crate::tabular::{Row, TEAM_WORDS, folded};

const WEEK_WORDS: &[&str] = &[
    "week",
    "semaine",
    "week of",
    "semaine du",
    "date",
    "monday",
    "lundi",
];
const ACTIVE_WORDS: &[&str] = &[
    "active_users",
    "active users",
    "active",
    "users",
    "actifs",
    "utilisateurs actifs",
    "utilisateurs",
];

/// Reads a usage file: a header naming the columns team, week and active
/// users, then one line per team and week. The week is any day of it
/// (`2030-01-14` or, as French spreadsheets write dates, `14/01/2030`),
/// stored as its Monday; each team must be one of `teams`; a team's week
/// given twice is a mistake.
pub fn parse_usage(bytes: &[u8], teams: &[String]) -> Result<Vec<TeamUsage>, ImportErrors> {
    if teams.is_empty() {
        return Err(ImportErrors(vec![ImportError::whole(
            ImportProblem::NoTeams,
        )]));
    }
    let teams = Teams::of(teams);
    let mut seen: HashMap<(String, NaiveDate), u64> = HashMap::new();
    read(bytes, Listing::Usage, usage_columns, |c, row| {
        usage(c, row, &teams, &mut seen)
    })
}

struct UsageColumns {
    team: Column,
    week: Column,
    active: Column,
}

fn usage_columns(header: &Row) -> Result<UsageColumns, Vec<ImportError>> {
    let [team, week, active] = columns(
        header,
        Listing::Usage,
        [TEAM_WORDS, WEEK_WORDS, ACTIVE_WORDS],
    )?;
    match (team, week, active) {
        (Some(team), Some(week), Some(active)) => Ok(UsageColumns { team, week, active }),
        (team, week, active) => Err([
            (team.is_none(), TEAM_WORDS),
            (week.is_none(), WEEK_WORDS),
            (active.is_none(), ACTIVE_WORDS),
        ]
        .into_iter()
        .filter(|(absent, _)| *absent)
        .map(|(_, words)| missing(header, &[words]))
        .collect()),
    }
}

/// A day as written in ISO form or as French spreadsheets write it.
fn parse_day(text: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%d/%m/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text.trim(), f).ok())
}

/// A whole number of users, spaces between thousands allowed.
fn parse_count(text: &str) -> Option<u32> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// One line's figure, or everything wrong with it.
fn usage(
    c: &UsageColumns,
    row: &Row,
    teams: &Teams<'_>,
    seen: &mut HashMap<(String, NaiveDate), u64>,
) -> Result<TeamUsage, Vec<ImportError>> {
    let line = row.line;
    let mut problems = Vec::new();
    let team = c
        .team
        .required(row, &mut problems)
        .and_then(|t| teams.find(line, t, &mut problems));
    let week = c.week.required(row, &mut problems).and_then(|w| {
        let day = parse_day(w);
        if day.is_none() {
            problems.push(ImportError::at(line, ImportProblem::Week(w.to_owned())));
        }
        day.map(monday_of)
    });
    let active = c.active.required(row, &mut problems).and_then(|a| {
        let n = parse_count(a);
        if n.is_none() {
            problems.push(ImportError::at(
                line,
                ImportProblem::ActiveUsers(a.to_owned()),
            ));
        }
        n
    });
    if let (Some(team), Some(week)) = (team, week) {
        match seen.get(&(folded(team), week)) {
            Some(first) => problems.push(ImportError::at(
                line,
                ImportProblem::DuplicateWeek {
                    team: team.to_owned(),
                    week: week.to_string(),
                    first: *first,
                },
            )),
            None => {
                seen.insert((folded(team), week), line);
            }
        }
    }
    match (team, week, active) {
        (Some(team), Some(week), Some(active_users)) if problems.is_empty() => Ok(TeamUsage {
            team: team.to_owned(),
            week,
            active_users,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teams() -> Vec<String> {
        vec!["Accueil".to_owned(), "État civil".to_owned()]
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_french_file_in_windows_1252_gives_each_teams_week_as_its_monday() {
        // "État civil" in Windows-1252: É is 0xC9.
        let mut file = b"\xc9quipe;Semaine du;Utilisateurs actifs\r\n".to_vec();
        file.extend_from_slice(b"accueil;16/01/2030;12\r\n\xc9tat civil;2030-01-20;1 204\r\n");
        let rows = parse_usage(&file, &teams()).unwrap();
        assert_eq!(
            rows,
            [
                TeamUsage {
                    team: "Accueil".into(),
                    week: day("2030-01-14"),
                    active_users: 12
                },
                TeamUsage {
                    team: "État civil".into(),
                    week: day("2030-01-14"),
                    active_users: 1204
                },
            ]
        );
    }

    #[test]
    fn every_bad_line_is_named_and_nothing_comes_back() {
        let file = "team,week,active_users\n\
                    Accueil,2030-01-14,3\n\
                    Cuisine,2030-01-14,3\n\
                    Accueil,next week,3\n\
                    Accueil,2030-01-15,-2\n\
                    Accueil,2030-01-16,4\n";
        let e = parse_usage(file.as_bytes(), &teams()).unwrap_err();
        let got: Vec<(Option<u64>, ImportProblem)> =
            e.0.iter().map(|e| (e.line, e.problem.clone())).collect();
        assert_eq!(
            got,
            [
                (
                    Some(3),
                    ImportProblem::UnknownTeam {
                        team: "Cuisine".into(),
                        known: "Accueil, État civil".into()
                    }
                ),
                (Some(4), ImportProblem::Week("next week".into())),
                (Some(5), ImportProblem::ActiveUsers("-2".into())),
                (
                    Some(5),
                    ImportProblem::DuplicateWeek {
                        team: "Accueil".into(),
                        week: "2030-01-14".into(),
                        first: 2
                    }
                ),
                (
                    Some(6),
                    ImportProblem::DuplicateWeek {
                        team: "Accueil".into(),
                        week: "2030-01-14".into(),
                        first: 2
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_file_without_a_column_or_teams_is_refused_whole() {
        let e = parse_usage(b"team;active\nAccueil;3\n", &teams()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: the first line names no `week / semaine / week of / semaine du / date / monday / lundi` column"
        );
        let e = parse_usage(b"team;week;active\n", &[]).unwrap_err();
        assert_eq!(e.0[0].problem, ImportProblem::NoTeams);
    }
}
