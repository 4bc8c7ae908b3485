//! Rosters: the learners of a cohort, from pasted lines, a CSV file, or a
//! number of anonymous seats. Every mistake names its line.

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

/// What is wrong with a roster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RosterError(pub String);

/// `count` anonymous seats: "Seat 1" … "Seat N".
pub fn seats(count: usize) -> Result<Vec<RosterEntry>, RosterError> {
    if count == 0 || count > MAX_LEARNERS {
        return Err(RosterError(format!(
            "a cohort has 1 to {MAX_LEARNERS} seats, not {count}"
        )));
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
        let record = record.map_err(|e| RosterError(format!("roster: {e}")))?;
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
                return Err(RosterError(format!(
                    "line {line}: a header needs a `name` or an `email` column"
                )));
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
            check_email(e).map_err(|m| RosterError(format!("line {line}: {m}")))?;
            if let Some(first) = emails.insert(e.to_lowercase(), line) {
                return Err(RosterError(format!(
                    "line {line}: {e} is already on line {first}"
                )));
            }
        }
        let name = match (name, &email) {
            (Some(n), _) => n,
            (None, Some(e)) => e.split('@').next().unwrap_or(e).to_owned(),
            (None, None) => {
                return Err(RosterError(format!("line {line}: no name or email")));
            }
        };
        for (what, value) in [("name", Some(&name)), ("team", team.as_ref())] {
            if let Some(v) = value
                && (v.chars().count() > MAX_FIELD || v.chars().any(char::is_control))
            {
                return Err(RosterError(format!(
                    "line {line}: the {what} is longer than {MAX_FIELD} characters or holds control characters"
                )));
            }
        }
        out.push(RosterEntry { name, email, team });
        if out.len() > MAX_LEARNERS {
            return Err(RosterError(format!(
                "a cohort has at most {MAX_LEARNERS} learners"
            )));
        }
    }
    if out.is_empty() {
        return Err(RosterError(
            "the roster is empty: list one learner per line".into(),
        ));
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

fn check_email(e: &str) -> Result<(), String> {
    let ok = e.len() <= MAX_FIELD
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && e.matches('@').count() == 1;
    if ok {
        Ok(())
    } else {
        Err(format!("`{e}` is not an email address"))
    }
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
        assert_eq!(e.0, "line 2: `not-an-email` is not an email address");
        let e = parse_roster("a@x.org\nA@X.org\n").unwrap_err();
        assert!(
            e.0.starts_with("line 2: A@X.org is already on line 1"),
            "{e}"
        );
        assert!(parse_roster("\n \n").unwrap_err().0.contains("empty"));
        assert!(parse_roster("Ada\u{7}\n").unwrap_err().0.contains("line 1"));
        let many = "x\n".repeat(MAX_LEARNERS + 1);
        assert!(parse_roster(&many).unwrap_err().0.contains("at most"));
    }

    #[test]
    fn seats_are_numbered_and_bounded() {
        assert_eq!(seats(2).unwrap()[1], entry("Seat 2", None, None));
        assert!(seats(0).is_err());
        assert!(seats(MAX_LEARNERS + 1).is_err());
    }
}
