//! Rosters: the learners of a cohort, from pasted lines, a CSV file, or a
//! number of anonymous seats. Every mistake names its line.

use serde_json::Value;

pub use super::email::{EmailProblem, check_email};

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

/// Parses a roster: one learner per line, as `Name`, `email`,
/// `Name <email>` or CSV fields `name, email, team` (a header line naming
/// the columns may come first and reorder them). Blank lines are skipped.
pub fn parse_roster(text: &str) -> Result<Vec<RosterEntry>, RosterError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut columns = [Some(0usize), Some(1), Some(2)]; // name, email, team
    let mut out: Vec<RosterEntry> = Vec::new();
    let mut emails = std::collections::HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| RosterError::whole(RosterProblem::Unreadable(e.to_string())))?;
        let line = record.position().map_or(i as u64 + 1, |p| p.line());
        let fields: Vec<&str> = record.iter().collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if out.is_empty() && emails.is_empty() && is_header(&fields) {
            let find = |names: &[&str]| {
                fields
                    .iter()
                    .position(|f| names.iter().any(|n| f.eq_ignore_ascii_case(n)))
            };
            columns = [
                find(&["name", "learner", "full name"]),
                find(&["email", "e-mail", "mail"]),
                find(&["team", "group", "department"]),
            ];
            if columns[0].is_none() && columns[1].is_none() {
                return Err(RosterError::at(line, RosterProblem::Header));
            }
            emails.insert(String::new(), 0); // the header is seen
            continue;
        }
        let get = |c: Option<usize>| {
            c.and_then(|c| fields.get(c))
                .map(|f| f.trim())
                .filter(|f| !f.is_empty())
        };
        let (mut name, mut email) = (
            get(columns[0]).map(str::to_owned),
            get(columns[1]).map(str::to_owned),
        );
        let team = get(columns[2]).map(str::to_owned);
        // A single field may be `Name <email>` or a bare email.
        if let Some(n) = name.clone().filter(|_| email.is_none()) {
            if let Some((display, addr)) = n.strip_suffix('>').and_then(|s| s.rsplit_once('<')) {
                name = Some(display.trim().trim_matches('"').to_owned()).filter(|s| !s.is_empty());
                email = Some(addr.trim().to_owned());
            } else if n.contains('@') && !n.contains(' ') {
                email = Some(n);
                name = None;
            }
        }
        if let Some(e) = &email {
            check_email(e).map_err(|p| RosterError::at(line, p))?;
            if let Some(first) = emails.insert(e.to_lowercase(), line) {
                return Err(RosterError::at(
                    line,
                    RosterProblem::Duplicate {
                        email: e.clone(),
                        first,
                    },
                ));
            }
        }
        let name = match (name, &email) {
            (Some(n), _) => n,
            (None, Some(e)) => e.split('@').next().unwrap_or(e).to_owned(),
            (None, None) => {
                return Err(RosterError::at(line, RosterProblem::Nothing));
            }
        };
        for (what, value) in [("name", Some(&name)), ("team", team.as_ref())] {
            if let Some(v) = value
                && (v.chars().count() > MAX_FIELD || v.chars().any(char::is_control))
            {
                return Err(RosterError::at(line, RosterProblem::Field(what)));
            }
        }
        out.push(RosterEntry { name, email, team });
        if out.len() > MAX_LEARNERS {
            return Err(RosterError::whole(RosterProblem::TooMany));
        }
    }
    if out.is_empty() {
        return Err(RosterError::whole(RosterProblem::Empty));
    }
    Ok(out)
}

fn is_header(fields: &[&str]) -> bool {
    const WORDS: [&str; 8] = [
        "name",
        "learner",
        "full name",
        "email",
        "e-mail",
        "mail",
        "team",
        "group",
    ];
    fields
        .iter()
        .any(|f| WORDS.iter().any(|w| f.eq_ignore_ascii_case(w)))
        && !fields.iter().any(|f| f.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, email: Option<&str>, team: Option<&str>) -> RosterEntry {
        RosterEntry {
            name: name.into(),
            email: email.map(Into::into),
            team: team.map(Into::into),
        }
    }

    #[test]
    fn pasted_lines_in_every_form_parse() {
        let r = parse_roster(
            "Ada Lovelace <ada@example.com>\n\n  grace@example.com \nAlan Turing, alan@example.com, Codebreakers\nLinus\n",
        )
        .unwrap();
        assert_eq!(
            r,
            vec![
                entry("Ada Lovelace", Some("ada@example.com"), None),
                entry("grace", Some("grace@example.com"), None),
                entry(
                    "Alan Turing",
                    Some("alan@example.com"),
                    Some("Codebreakers")
                ),
                entry("Linus", None, None),
            ]
        );
    }

    #[test]
    fn a_csv_header_reorders_columns() {
        let r = parse_roster("Team,Email,Name\nOps,\"b@x.org\",\"Bee, B.\"\n").unwrap();
        assert_eq!(r, vec![entry("Bee, B.", Some("b@x.org"), Some("Ops"))]);
    }

    #[test]
    fn mistakes_name_their_line() {
        let e = parse_roster("Ada\nBob, not-an-email\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: `not-an-email` is not an email address: it needs exactly one @"
        );
        let e = parse_roster("a@x.org\nA@X.org\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 2: A@X.org is already on line 1"),
            "{e}"
        );
        assert!(
            parse_roster("\n \n")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert_eq!(parse_roster("Ada\u{7}\n").unwrap_err().line, Some(1));
        let many = "x\n".repeat(MAX_LEARNERS + 1);
        assert!(
            parse_roster(&many)
                .unwrap_err()
                .to_string()
                .contains("at most")
        );
    }

    #[test]
    fn seats_are_numbered_and_bounded() {
        assert_eq!(seats(2).unwrap()[1], entry("Seat 2", None, None));
        assert!(seats(0).is_err());
        assert!(seats(MAX_LEARNERS + 1).is_err());
    }

    #[test]
    fn an_address_an_lrs_would_refuse_is_refused_with_its_line_in_every_form() {
        for roster in [
            "Ada <ada@example.org>\nBob <bob@corp.local>\n",
            "ada@example.org\nbob@corp.local\n",
            "name,email\nAda,ada@example.org\nBob,bob@corp.local\n",
        ] {
            let e = parse_roster(roster).unwrap_err();
            let line = if roster.starts_with("name") { 3 } else { 2 };
            assert_eq!(e.line, Some(line), "{roster}");
            assert!(
                matches!(&e.problem, RosterProblem::Email(EmailProblem::Reserved { email, tld })
                    if email == "bob@corp.local" && tld == "local"),
                "{e:?}"
            );
        }
        let e = parse_roster("Ada, ada@intranet\n").unwrap_err();
        assert_eq!(e.message().0, "email-no-dot");
        assert_eq!(
            e.to_string(),
            "line 1: `ada@intranet`: the domain `intranet` has no dot; give a real domain, such as example.org"
        );
    }
}
