//! A teams file: one team of the impact study per line, with its kind,
//! site, headcount and maturity.

use std::collections::HashMap;

use super::{
    Column, ImportError, ImportErrors, ImportProblem, Listing, MAX_MATURITY, columns, missing, read,
};
use crate::programme::{TeamKind, TeamRow};
use crate::tabular::{Row, folded};

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
        match names.get(&folded(name)) {
            Some(first) => problems.push(ImportError::at(
                line,
                ImportProblem::DuplicateTeam {
                    name: name.to_owned(),
                    first: *first,
                },
            )),
            None => {
                names.insert(folded(name), line);
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

/// A team's kind as written in English or French, letter case and spaces
/// aside.
fn parse_kind(text: &str) -> Option<TeamKind> {
    let text = folded(text);
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
pub(super) fn parse_headcount(text: &str) -> Option<u32> {
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
