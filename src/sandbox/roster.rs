//! Rosters: the learners of a cohort, from pasted lines, a CSV file, or a
//! number of anonymous seats. Every mistake names its line, and a roster
//! with any mistake is refused whole, with all of them.

mod parse;

use serde_json::Value;

pub use super::email::{EmailProblem, check_email};
pub use parse::parse_roster;

/// The most learners one cohort may have.
pub const MAX_LEARNERS: usize = 1000;
const MAX_FIELD: usize = 200;

/// One learner as the trainer listed them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RosterEntry {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
}

/// What is wrong with a roster, and on which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterError {
    pub line: Option<u64>,
    pub problem: RosterProblem,
}

/// Every mistake of a roster, in the order of its lines (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterErrors(pub Vec<RosterError>);

/// One mistake in a roster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterProblem {
    #[error("the roster cannot be read: {0}")]
    Unreadable(String),
    #[error("a header needs a `name` or an `email` column")]
    Header,
    #[error(transparent)]
    Email(#[from] EmailProblem),
    #[error("{email} is already on line {first}")]
    Duplicate { email: String, first: u64 },
    #[error("no name or email")]
    Nothing,
    #[error("the {0} is longer than {MAX_FIELD} characters or holds control characters")]
    Field(&'static str),
    #[error("a cohort has at most {MAX_LEARNERS} learners")]
    TooMany,
    #[error("the roster is empty: list one learner per line")]
    Empty,
    #[error("a cohort has 1 to {MAX_LEARNERS} seats, not {0}")]
    Seats(usize),
}

impl std::fmt::Display for RosterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

impl std::error::Error for RosterError {}

impl std::fmt::Display for RosterErrors {
    /// One mistake as it is; several as "3 mistakes: line 2: …; line 4: …".
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

impl std::error::Error for RosterErrors {}

impl RosterErrors {
    /// The lines that have a mistake, in order (a line may have several).
    pub fn lines(&self) -> Vec<u64> {
        self.0.iter().filter_map(|e| e.line).collect()
    }
}

impl RosterError {
    fn at(line: u64, problem: impl Into<RosterProblem>) -> Self {
        Self {
            line: Some(line),
            problem: problem.into(),
        }
    }

    fn whole(problem: RosterProblem) -> Self {
        Self {
            line: None,
            problem,
        }
    }

    /// The message key (in `locales/`) and its arguments, for the pages;
    /// `roster-line` wraps a problem that has a line.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, Value)>) {
        let (key, args) = match &self.problem {
            RosterProblem::Unreadable(e) => {
                ("roster-unreadable", vec![("detail", e.as_str().into())])
            }
            RosterProblem::Header => ("roster-header", vec![]),
            RosterProblem::Email(e) => e.message(),
            RosterProblem::Duplicate { email, first } => (
                "roster-duplicate",
                vec![("email", email.as_str().into()), ("first", (*first).into())],
            ),
            RosterProblem::Nothing => ("roster-nothing", vec![]),
            RosterProblem::Field(what) => (
                if *what == "team" {
                    "roster-team-invalid"
                } else {
                    "roster-name-invalid"
                },
                vec![("max", MAX_FIELD.into())],
            ),
            RosterProblem::TooMany => ("roster-too-many", vec![("max", MAX_LEARNERS.into())]),
            RosterProblem::Empty => ("roster-empty", vec![]),
            RosterProblem::Seats(n) => (
                "roster-seats-count",
                vec![("max", MAX_LEARNERS.into()), ("count", (*n).into())],
            ),
        };
        (key, args)
    }
}

/// `count` anonymous seats: "Seat 1" … "Seat N".
pub fn seats(count: usize) -> Result<Vec<RosterEntry>, RosterError> {
    if count == 0 || count > MAX_LEARNERS {
        return Err(RosterError::whole(RosterProblem::Seats(count)));
    }
    Ok((1..=count)
        .map(|i| RosterEntry {
            name: format!("Seat {i}"),
            email: None,
            team: None,
        })
        .collect())
}

/// Whether a name or team is too long or holds control characters.
fn bad_field(value: &str) -> bool {
    value.chars().count() > MAX_FIELD || value.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_numbered_and_bounded() {
        assert_eq!(
            seats(2).unwrap()[1],
            RosterEntry {
                name: "Seat 2".into(),
                email: None,
                team: None
            }
        );
        assert!(seats(0).is_err());
        assert!(seats(MAX_LEARNERS + 1).is_err());
    }

    #[test]
    fn several_mistakes_read_as_one_sentence_and_one_as_itself() {
        let one = RosterErrors(vec![RosterError::at(2, RosterProblem::Nothing)]);
        assert_eq!(one.to_string(), "line 2: no name or email");
        let two = RosterErrors(vec![
            RosterError::at(2, RosterProblem::Nothing),
            RosterError::whole(RosterProblem::TooMany),
        ]);
        assert_eq!(
            two.to_string(),
            "2 mistakes, nothing was imported: line 2: no name or email; a cohort has at most 1000 learners"
        );
        assert_eq!(two.lines(), [2]);
    }
}
