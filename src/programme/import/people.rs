//! A people file: one person per line, with the team they belong to.

use std::collections::HashMap;

use super::{Column, ImportError, ImportErrors, ImportProblem, Listing, columns, missing, read};
use crate::programme::PersonRow;
use crate::sandbox::email::check_email;
use crate::tabular::{EMAIL_WORDS, NAME_WORDS, Row, TEAM_WORDS, folded};

/// Reads a people file: a header naming the columns team, and name or
/// email (or both), then one person per line. Each person's team must be
/// one of `teams` (letter case and spaces aside); it comes back spelt as
/// there.
pub fn parse_people(bytes: &[u8], teams: &[String]) -> Result<Vec<PersonRow>, ImportErrors> {
    if teams.is_empty() {
        return Err(ImportErrors(vec![ImportError::whole(
            ImportProblem::NoTeams,
        )]));
    }
    let teams = Teams::of(teams);
    let mut emails: HashMap<String, u64> = HashMap::new();
    read(bytes, Listing::People, person_columns, |c, row| {
        person(c, row, &teams, &mut emails)
    })
}

/// The programme's teams: by name as compared (see `folded`), and listed
/// for messages.
pub(super) struct Teams<'a> {
    by_name: HashMap<String, &'a str>,
    listed: String,
}

impl<'a> Teams<'a> {
    pub(super) fn of(teams: &'a [String]) -> Self {
        Self {
            by_name: teams.iter().map(|t| (folded(t), t.as_str())).collect(),
            listed: listed(teams),
        }
    }

    /// The team `name` names, spelt as the programme does, or the mistake
    /// of naming none.
    pub(super) fn find(
        &self,
        line: u64,
        name: &str,
        problems: &mut Vec<ImportError>,
    ) -> Option<&'a str> {
        let known = self.by_name.get(&folded(name)).copied();
        if known.is_none() {
            problems.push(ImportError::at(
                line,
                ImportProblem::UnknownTeam {
                    team: name.to_owned(),
                    known: self.listed.clone(),
                },
            ));
        }
        known
    }
}

struct PersonColumns {
    name: Option<Column>,
    email: Option<Column>,
    team: Column,
}

fn person_columns(header: &Row) -> Result<PersonColumns, Vec<ImportError>> {
    let [name, email, team] = columns(
        header,
        Listing::People,
        [NAME_WORDS, EMAIL_WORDS, TEAM_WORDS],
    )?;
    let mut problems = Vec::new();
    if name.is_none() && email.is_none() {
        problems.push(missing(header, &[NAME_WORDS, EMAIL_WORDS]));
    }
    match team {
        Some(team) if problems.is_empty() => Ok(PersonColumns { name, email, team }),
        team => {
            if team.is_none() {
                problems.push(missing(header, &[TEAM_WORDS]));
            }
            Err(problems)
        }
    }
}

/// One person's line, or everything wrong with it.
fn person(
    c: &PersonColumns,
    row: &Row,
    teams: &Teams<'_>,
    emails: &mut HashMap<String, u64>,
) -> Result<PersonRow, Vec<ImportError>> {
    let line = row.line;
    let mut problems = Vec::new();
    let field = |c: &Option<Column>| c.as_ref().and_then(|c| row.get(Some(c.at)));
    let (name, email) = (field(&c.name), field(&c.email));
    if name.is_none() && email.is_none() {
        problems.push(ImportError::at(line, ImportProblem::Nothing));
    }
    if let (Some(n), Some(column)) = (name, &c.name) {
        column.check(line, n, &mut problems);
    }
    if let Some(e) = email {
        match check_email(e) {
            Err(p) => problems.push(ImportError::at(line, ImportProblem::Email(p))),
            Ok(()) => match emails.get(&e.to_lowercase()) {
                Some(first) => problems.push(ImportError::at(
                    line,
                    ImportProblem::DuplicateEmail {
                        email: e.to_owned(),
                        first: *first,
                    },
                )),
                None => {
                    emails.insert(e.to_lowercase(), line);
                }
            },
        }
    }
    let team = c
        .team
        .required(row, &mut problems)
        .and_then(|t| teams.find(line, t, &mut problems));
    match (team, name.or(email)) {
        (Some(team), Some(shown)) if problems.is_empty() => Ok(PersonRow {
            // Like a roster, a person given by address alone is named by
            // its local part.
            name: match name {
                Some(n) => n.to_owned(),
                None => shown.split('@').next().unwrap_or(shown).to_owned(),
            },
            email: email.map(str::to_owned),
            team: team.to_owned(),
        }),
        _ => Err(problems),
    }
}

/// The teams a person may belong to, for a message: sorted, and at most a
/// screenful.
fn listed(teams: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut names: Vec<&str> = teams.iter().map(String::as_str).collect();
    names.sort_by_key(|n| folded(n));
    names.dedup_by_key(|n| folded(n));
    let mut list = names
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        list.push_str(", …");
    }
    list
}
