//! What can be wrong with an imported file, each mistake with its line,
//! in English and as a message key for the pages.

use serde_json::Value;

use super::{MAX_FIELD, MAX_LINES, MAX_MATURITY};
use crate::sandbox::email::EmailProblem;

/// Which listing of an impact study a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Teams,
    People,
    Usage,
}

/// One mistake in a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportProblem {
    #[error(
        "this line is not {0} text, though the file starts with the mark of {0}; save it again as CSV (UTF-8)"
    )]
    NotEncoded(&'static str),
    #[error(
        "this line is not UTF-8 text, though the rest of the file is; save it again as CSV (UTF-8)"
    )]
    Mixed,
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    #[error("the file has {lines} lines; an import takes at most {MAX_LINES}")]
    TooLong { lines: u64 },
    #[error("{}", empty(*.0))]
    Empty(Listing),
    #[error("{}", no_header(*.0))]
    NoHeader(Listing),
    #[error("the first line names no `{0}` column")]
    MissingColumn(String),
    #[error("the `{0}` field is empty")]
    Blank(String),
    #[error("the `{0}` field is longer than {MAX_FIELD} characters or holds control characters")]
    Field(String),
    #[error(
        "`{0}` is not a kind of team: write business (or métier) or support (or fonction support)"
    )]
    Kind(String),
    #[error(
        "`{0}` is not a headcount: write a whole number of people, 0 or more, such as 1200 or 1 200"
    )]
    Headcount(String),
    #[error(
        "`{0}` is not a maturity level: write a whole number from 1 (not ready) to {MAX_MATURITY} (ready)"
    )]
    Maturity(String),
    #[error("the team {name} is already on line {first}")]
    DuplicateTeam { name: String, first: u64 },
    #[error(transparent)]
    Email(#[from] EmailProblem),
    #[error("{email} is already on line {first}")]
    DuplicateEmail { email: String, first: u64 },
    #[error("no name or email")]
    Nothing,
    #[error("the team {team} is not one of the programme's teams ({known})")]
    UnknownTeam { team: String, known: String },
    #[error("the programme has no teams yet: import its teams first, then their people")]
    NoTeams,
    #[error(
        "`{0}` is not a date: write the week's Monday or any day of it, such as 2030-01-14 or 14/01/2030"
    )]
    Week(String),
    #[error("`{0}` is not a number of active users: write a whole number, 0 or more")]
    ActiveUsers(String),
    #[error("the team {team} already has the week of {week} on line {first}")]
    DuplicateWeek {
        team: String,
        week: String,
        first: u64,
    },
}

fn empty(listing: Listing) -> &'static str {
    match listing {
        Listing::Teams => {
            "the file lists no team: give a first line naming the columns, then one team per line"
        }
        Listing::People => {
            "the file lists nobody: give a first line naming the columns, then one person per line"
        }
        Listing::Usage => {
            "the file lists no figure: give a first line naming the columns, then one team and week per line"
        }
    }
}

fn no_header(listing: Listing) -> &'static str {
    match listing {
        Listing::Teams => {
            "the first line must name the columns, such as `name;kind;site;headcount;maturity`"
        }
        Listing::People => "the first line must name the columns, such as `name;email;team`",
        Listing::Usage => "the first line must name the columns, such as `team;week;active_users`",
    }
}

/// A mistake, and the line it is on (as a text editor numbers lines) when
/// it is on one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub line: Option<u64>,
    pub problem: ImportProblem,
}

/// Every mistake of a file, in the order of its lines (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportErrors(pub Vec<ImportError>);

impl ImportError {
    pub(super) fn at(line: u64, problem: impl Into<ImportProblem>) -> Self {
        Self {
            line: Some(line),
            problem: problem.into(),
        }
    }

    pub(super) fn whole(problem: ImportProblem) -> Self {
        Self {
            line: None,
            problem,
        }
    }

    /// The message key (in `locales/`) and its arguments, for the pages;
    /// `import-line` wraps a problem that has a line.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, Value)>) {
        self.problem.message()
    }
}

impl ImportProblem {
    /// The message key (in `locales/`) and its arguments.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, Value)>) {
        let text = |name: &'static str, value: &String| (name, Value::from(value.as_str()));
        match self {
            Self::NotEncoded(encoding) => {
                ("import-not-encoded", vec![("encoding", (*encoding).into())])
            }
            Self::Mixed => ("import-mixed", vec![]),
            Self::Unreadable(detail) => ("import-unreadable", vec![text("detail", detail)]),
            Self::TooLong { lines } => (
                "import-too-long",
                vec![("lines", (*lines).into()), ("max", MAX_LINES.into())],
            ),
            Self::Empty(Listing::Teams) => ("import-teams-empty", vec![]),
            Self::Empty(Listing::People) => ("import-people-empty", vec![]),
            Self::Empty(Listing::Usage) => ("import-usage-empty", vec![]),
            Self::NoHeader(Listing::Teams) => ("import-teams-no-header", vec![]),
            Self::NoHeader(Listing::People) => ("import-people-no-header", vec![]),
            Self::NoHeader(Listing::Usage) => ("import-usage-no-header", vec![]),
            Self::MissingColumn(words) => ("import-no-column", vec![text("words", words)]),
            Self::Blank(column) => ("import-blank", vec![text("column", column)]),
            Self::Field(column) => (
                "import-field-invalid",
                vec![text("column", column), ("max", MAX_FIELD.into())],
            ),
            Self::Kind(value) => ("import-kind", vec![text("value", value)]),
            Self::Headcount(value) => ("import-headcount", vec![text("value", value)]),
            Self::Maturity(value) => (
                "import-maturity",
                vec![text("value", value), ("max", MAX_MATURITY.into())],
            ),
            Self::DuplicateTeam { name, first } => (
                "import-duplicate-team",
                vec![text("team", name), ("first", (*first).into())],
            ),
            Self::Email(e) => e.message(),
            Self::DuplicateEmail { email, first } => (
                "import-duplicate-email",
                vec![text("email", email), ("first", (*first).into())],
            ),
            Self::Nothing => ("import-nothing", vec![]),
            Self::UnknownTeam { team, known } => (
                "import-unknown-team",
                vec![text("team", team), text("known", known)],
            ),
            Self::NoTeams => ("import-no-teams", vec![]),
            Self::Week(value) => ("import-week", vec![text("value", value)]),
            Self::ActiveUsers(value) => ("import-active-users", vec![text("value", value)]),
            Self::DuplicateWeek { team, week, first } => (
                "import-duplicate-week",
                vec![
                    text("team", team),
                    text("week", week),
                    ("first", (*first).into()),
                ],
            ),
        }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

impl std::error::Error for ImportError {}

impl std::fmt::Display for ImportErrors {
    /// One mistake as it is; several as "3 mistakes, nothing was imported:
    /// line 2: …; line 4: …".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let [one] = self.0.as_slice() {
            return one.fmt(f);
        }
        write!(f, "{} mistakes, nothing was imported: ", self.0.len())?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

impl ImportErrors {
    /// The lines that have a mistake, in order (a line may have several).
    pub fn lines(&self) -> Vec<u64> {
        self.0.iter().filter_map(|e| e.line).collect()
    }
}
