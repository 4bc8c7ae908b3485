//! Importing an impact study from the CSV files spreadsheets save (see
//! `crate::tabular`): its teams, then their people; and the real tool's
//! active users per team and week. Every bad line is
//! reported with its number, and nothing is returned unless every line is
//! good, so that an import never half-applies.

mod people;
mod problem;
mod teams;
#[cfg(test)]
mod tests;
mod usage;

pub use people::parse_people;
pub use problem::{ImportError, ImportErrors, ImportProblem, Listing};
pub use teams::parse_teams;
pub use usage::parse_usage;

use crate::tabular::{Row, Table, Undecodable};

/// The most lines a file may have, header, blank and comment lines
/// included: far more than any organisation's study, few enough to read
/// and check in a moment.
pub const MAX_LINES: u64 = 20_000;
/// The longest name, site or team, in characters.
pub const MAX_FIELD: usize = 200;
/// The highest maturity level (the lowest is 1).
pub const MAX_MATURITY: u8 = 5;

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
            let line = e.line();
            let problem = match e {
                Undecodable::Malformed { encoding, .. } => ImportProblem::NotEncoded(encoding),
                Undecodable::Mixed { .. } => ImportProblem::Mixed,
            };
            return fail(ImportError::at(line, problem));
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

/// Where each column in `wanted` is in the header, if it is there; the
/// mistake of a first line that names none of them (it is not a header:
/// the file's first row of data, most likely).
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
