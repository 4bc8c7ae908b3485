//! Importing an impact study from the CSV files spreadsheets save (see
//! `crate::tabular`): its teams, then their people. Every bad line is
//! reported with its number, and nothing is returned unless every line is
//! good, so that an import never half-applies.

mod problem;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use problem::{ImportError, ImportErrors, ImportProblem, Listing};

use super::{PersonRow, TeamKind, TeamRow};
use crate::sandbox::email::check_email;
use crate::tabular::{EMAIL_WORDS, NAME_WORDS, Row, TEAM_WORDS, Table};

/// The most lines a file may have, header, blank and comment lines
/// included: far more than any organisation's study, few enough to read
/// and check in a moment.
pub const MAX_LINES: u64 = 20_000;
/// The longest name, site or team, in characters.
pub const MAX_FIELD: usize = 200;
/// The highest maturity level (the lowest is 1).
pub const MAX_MATURITY: u8 = 5;

/// A teams file's header words, lower case, English and French.
const TEAM_NAME_WORDS: &[&str] = &[
    "team",
    "name",
    "team name",
    "équipe",
    "equipe",
    "nom",
    "nom de l’équipe",
    "nom de l'équipe",
];
const KIND_WORDS: &[&str] = &["kind", "type", "nature"];
const SITE_WORDS: &[&str] = &[
    "site",
    "department",
    "direction",
    "service",
    "département",
    "departement",
];
const HEADCOUNT_WORDS: &[&str] = &["headcount", "effectif", "effectifs", "people", "agents"];
const MATURITY_WORDS: &[&str] = &["maturity", "maturité", "maturite"];

/// The words a team's kind may be written as, lower case.
const BUSINESS_WORDS: &[&str] = &["business", "métier", "metier"];
const SUPPORT_WORDS: &[&str] = &[
    "support",
    "support function",
    "fonction support",
    "fonction-support",
];

/// Reads a teams file: a header naming the columns name, kind, headcount
/// and maturity (and site if there is one), in English or French and in
/// any order, then one team per line.
pub fn parse_teams(bytes: &[u8]) -> Result<Vec<TeamRow>, ImportErrors> {
    let mut names: HashMap<String, u64> = HashMap::new();
    read(bytes, Listing::Teams, team_columns, |c, row| {
        team(c, row, &mut names)
    })
}

/// Reads a people file: a header naming the columns team, and name or
/// email (or both), then one person per line. Each person's team must be
/// one of `teams` (letter case aside); it comes back spelt as there.
pub fn parse_people(bytes: &[u8], teams: &[String]) -> Result<Vec<PersonRow>, ImportErrors> {
    if teams.is_empty() {
        return Err(ImportErrors(vec![ImportError::whole(
            ImportProblem::NoTeams,
        )]));
    }
    let teams: HashMap<String, &str> = teams
        .iter()
        .map(|t| (t.to_lowercase(), t.as_str()))
        .collect();
    let mut emails: HashMap<String, u64> = HashMap::new();
    read(bytes, Listing::People, person_columns, |c, row| {
        person(c, row, &teams, &mut emails)
    })
}

/// Decodes and reads a file: its header through `columns`, then every
/// other row through `each`, keeping every mistake.
fn read<C, T>(
    bytes: &[u8],
    listing: Listing,
    columns: impl FnOnce(&Row) -> Result<C, Vec<ImportError>>,
    mut each: impl FnMut(&C, &Row) -> Result<T, Vec<ImportError>>,
) -> Result<Vec<T>, ImportErrors> {
    let fail = |e: ImportError| Err(ImportErrors(vec![e]));
    let table = match Table::from_bytes(bytes) {
        Ok(table) => table,
        Err(e) => {
            let encoding = match &e {
                crate::tabular::Undecodable::Malformed { encoding, .. } => *encoding,
            };
            return fail(ImportError::at(
                e.line(),
                ImportProblem::NotEncoded(encoding),
            ));
        }
    };
    if table.lines() > MAX_LINES {
        return fail(ImportError::whole(ImportProblem::TooLong {
            lines: table.lines(),
        }));
    }
    let mut rows = table.rows();
    let header = match rows.next() {
        None => return fail(ImportError::whole(ImportProblem::Empty(listing))),
        Some(Err(e)) => return fail(ImportError::at(e.line, ImportProblem::Unreadable(e.detail))),
        Some(Ok(header)) => header,
    };
    let columns = columns(&header).map_err(ImportErrors)?;
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for row in rows {
        match row {
            Ok(row) => match each(&columns, &row) {
                Ok(item) => out.push(item),
                Err(mut problems) => errors.append(&mut problems),
            },
            Err(e) => errors.push(ImportError::at(e.line, ImportProblem::Unreadable(e.detail))),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(ImportError::whole(ImportProblem::Empty(listing)));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ImportErrors(errors))
    }
}

/// A column: where it is, and its header as the file writes it (which
/// names it in messages, in the file's own language).
#[derive(Debug, Clone)]
struct Column {
    at: usize,
    header: String,
}

impl Column {
    fn find(header: &Row, words: &[&str]) -> Option<Self> {
        header.column(words).map(|at| Self {
            at,
            header: header.fields[at].clone(),
        })
    }

    /// This column's field in `row`, or the mistake of leaving it empty.
    fn required<'r>(&self, row: &'r Row, problems: &mut Vec<ImportError>) -> Option<&'r str> {
        let value = row.get(Some(self.at));
        if value.is_none() {
            problems.push(ImportError::at(
                row.line,
                ImportProblem::Blank(self.header.clone()),
            ));
        }
        value
    }

    /// Whether `value` (of this column) is too long or holds control
    /// characters; if so, the mistake is kept.
    fn check(&self, line: u64, value: &str, problems: &mut Vec<ImportError>) -> bool {
        let bad = value.chars().count() > MAX_FIELD || value.chars().any(char::is_control);
        if bad {
            problems.push(ImportError::at(
                line,
                ImportProblem::Field(self.header.clone()),
            ));
        }
        !bad
    }
}

/// Each column in `wanted` found in the header, or one mistake per column
/// missing (or one for them all when the first line names none: it is
/// not a header).
fn columns<const N: usize>(
    header: &Row,
    listing: Listing,
    wanted: [&[&str]; N],
) -> Result<[Option<Column>; N], Vec<ImportError>> {
    if !header.names_any(&wanted) {
        return Err(vec![ImportError::at(
            header.line,
            ImportProblem::NoHeader(listing),
        )]);
    }
    Ok(wanted.map(|words| Column::find(header, words)))
}

/// The mistake of a header without a column that must be there.
fn missing(header: &Row, words: &[&[&str]]) -> ImportError {
    let words: Vec<String> = words
        .iter()
        .flat_map(|w| w.iter())
        .map(|w| (*w).to_owned())
        .collect();
    ImportError::at(header.line, ImportProblem::MissingColumn(words.join(" / ")))
}

struct TeamColumns {
    name: Column,
    kind: Column,
    site: Option<Column>,
    headcount: Column,
    maturity: Column,
}

fn team_columns(header: &Row) -> Result<TeamColumns, Vec<ImportError>> {
    let wanted = [
        TEAM_NAME_WORDS,
        KIND_WORDS,
        SITE_WORDS,
        HEADCOUNT_WORDS,
        MATURITY_WORDS,
    ];
    let [name, kind, site, headcount, maturity] = columns(header, Listing::Teams, wanted)?;
    match (name, kind, headcount, maturity) {
        (Some(name), Some(kind), Some(headcount), Some(maturity)) => Ok(TeamColumns {
            name,
            kind,
            site,
            headcount,
            maturity,
        }),
        (name, kind, headcount, maturity) => Err([
            (name.is_none(), TEAM_NAME_WORDS),
            (kind.is_none(), KIND_WORDS),
            (headcount.is_none(), HEADCOUNT_WORDS),
            (maturity.is_none(), MATURITY_WORDS),
        ]
        .into_iter()
        .filter(|(gone, _)| *gone)
        .map(|(_, words)| missing(header, &[words]))
        .collect()),
    }
}

/// One team's line, or everything wrong with it.
fn team(
    c: &TeamColumns,
    row: &Row,
    names: &mut HashMap<String, u64>,
) -> Result<TeamRow, Vec<ImportError>> {
    let line = row.line;
    let mut problems = Vec::new();
    let name = c
        .name
        .required(row, &mut problems)
        .filter(|n| c.name.check(line, n, &mut problems));
    if let Some(name) = name {
        match names.get(&name.to_lowercase()) {
            Some(first) => problems.push(ImportError::at(
                line,
                ImportProblem::DuplicateTeam {
                    name: name.to_owned(),
                    first: *first,
                },
            )),
            None => {
                names.insert(name.to_lowercase(), line);
            }
        }
    }
    let kind = c.kind.required(row, &mut problems).and_then(|k| {
        let kind = parse_kind(k);
        if kind.is_none() {
            problems.push(ImportError::at(line, ImportProblem::Kind(k.to_owned())));
        }
        kind
    });
    let site = c.site.as_ref().and_then(|s| {
        row.get(Some(s.at))
            .filter(|v| s.check(line, v, &mut problems))
    });
    let headcount = c.headcount.required(row, &mut problems).and_then(|h| {
        let n = parse_headcount(h);
        if n.is_none() {
            problems.push(ImportError::at(
                line,
                ImportProblem::Headcount(h.to_owned()),
            ));
        }
        n
    });
    let maturity = c.maturity.required(row, &mut problems).and_then(|m| {
        let level = m
            .parse::<u8>()
            .ok()
            .filter(|l| (1..=MAX_MATURITY).contains(l));
        if level.is_none() {
            problems.push(ImportError::at(line, ImportProblem::Maturity(m.to_owned())));
        }
        level
    });
    match (name, kind, headcount, maturity) {
        (Some(name), Some(kind), Some(headcount), Some(maturity)) if problems.is_empty() => {
            Ok(TeamRow {
                name: name.to_owned(),
                kind,
                site: site.map(str::to_owned),
                headcount,
                maturity,
            })
        }
        _ => Err(problems),
    }
}

/// A team's kind as written in English or French, letter case aside.
fn parse_kind(text: &str) -> Option<TeamKind> {
    let text = text.to_lowercase();
    if BUSINESS_WORDS.contains(&text.as_str()) {
        Some(TeamKind::Business)
    } else if SUPPORT_WORDS.contains(&text.as_str()) {
        Some(TeamKind::Support)
    } else {
        None
    }
}

/// A whole number of people, 0 or more, its thousands perhaps apart as
/// French spreadsheets write them (`1 200`, with a space, a no-break space
/// or a narrow one); the groups must then be of three digits, so that a
/// typo such as `12 00` is not read as 1200.
fn parse_headcount(text: &str) -> Option<u32> {
    let groups: Vec<&str> = text
        .split([' ', '\u{a0}', '\u{202f}', '\u{2009}'])
        .collect();
    let digits = |g: &&str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let (first, rest) = groups.split_first()?;
    let grouped = rest.is_empty() || (first.len() <= 3 && rest.iter().all(|g| g.len() == 3));
    if !grouped || !groups.iter().all(digits) {
        return None;
    }
    groups.concat().parse().ok()
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
    teams: &HashMap<String, &str>,
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
    let team = c.team.required(row, &mut problems).and_then(|t| {
        let known = teams.get(&t.to_lowercase()).copied();
        if known.is_none() {
            problems.push(ImportError::at(
                line,
                ImportProblem::UnknownTeam {
                    team: t.to_owned(),
                    known: known_teams(teams),
                },
            ));
        }
        known
    });
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
fn known_teams(teams: &HashMap<String, &str>) -> String {
    const SHOWN: usize = 20;
    let mut names: Vec<&str> = teams.values().copied().collect();
    names.sort_by_key(|n| n.to_lowercase());
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
