//! Reading a roster's text: pasted lines or a CSV file (`,` or `;`, CRLF,
//! a byte order mark), every line checked and every mistake kept with the
//! line it is on, as a text editor numbers lines.

use std::collections::HashMap;

use crate::tabular::{EMAIL_WORDS, NAME_WORDS, Row, TEAM_WORDS, Table};

use super::{
    MAX_LEARNERS, RosterEntry, RosterError, RosterErrors, RosterProblem, bad_field, check_email,
};

/// Parses a roster: one learner per line, as `Name`, `email`,
/// `Name <email>` or CSV fields `name, email, team` separated by `,` or
/// `;` (whichever the first line uses more; a header line naming the
/// columns may come first and reorder them). Blank lines and lines
/// starting with `#` are skipped. Either every line is good, or every
/// mistake is returned.
pub fn parse_roster(text: &str) -> Result<Vec<RosterEntry>, RosterErrors> {
    let mut columns = [Some(0usize), Some(1), Some(2)]; // name, email, team
    let mut first = true;
    let mut out: Vec<RosterEntry> = Vec::new();
    let mut errors: Vec<RosterError> = Vec::new();
    let mut emails: HashMap<String, u64> = HashMap::new();
    let mut learners = 0usize;
    for row in Table::from_text(text).rows() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                errors.push(RosterError::at(e.line, RosterProblem::Unreadable(e.detail)));
                break;
            }
        };
        if std::mem::take(&mut first) && is_header(&row) {
            columns = [
                row.column(NAME_WORDS),
                row.column(EMAIL_WORDS),
                row.column(TEAM_WORDS),
            ];
            if columns[0].is_none() && columns[1].is_none() {
                // Without its columns no line below can be read right.
                return Err(RosterErrors(vec![RosterError::at(
                    row.line,
                    RosterProblem::Header,
                )]));
            }
            continue;
        }
        learners += 1;
        match learner(&row, &columns, &mut emails) {
            Ok(entry) => out.push(entry),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if learners > MAX_LEARNERS {
        errors.push(RosterError::whole(RosterProblem::TooMany));
    }
    if learners == 0 && errors.is_empty() {
        errors.push(RosterError::whole(RosterProblem::Empty));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(RosterErrors(errors))
    }
}

/// One learner's line, or everything wrong with it.
fn learner(
    row: &Row,
    columns: &[Option<usize>; 3],
    emails: &mut HashMap<String, u64>,
) -> Result<RosterEntry, Vec<RosterError>> {
    let line = row.line;
    let get = |c: Option<usize>| row.get(c);
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
    let mut problems = Vec::new();
    if let Some(e) = &email {
        match check_email(e) {
            Err(p) => problems.push(RosterError::at(line, p)),
            Ok(()) => {
                if let Some(first) = emails.get(&e.to_lowercase()) {
                    let problem = RosterProblem::Duplicate {
                        email: e.clone(),
                        first: *first,
                    };
                    problems.push(RosterError::at(line, problem));
                } else {
                    emails.insert(e.to_lowercase(), line);
                }
            }
        }
    }
    let name = match (name, &email) {
        (Some(n), _) => n,
        (None, Some(e)) => e.split('@').next().unwrap_or(e).to_owned(),
        (None, None) => return Err(vec![RosterError::at(line, RosterProblem::Nothing)]),
    };
    for (what, value) in [("name", Some(&name)), ("team", team.as_ref())] {
        if value.is_some_and(|v| bad_field(v)) {
            problems.push(RosterError::at(line, RosterProblem::Field(what)));
        }
    }
    if problems.is_empty() {
        Ok(RosterEntry { name, email, team })
    } else {
        Err(problems)
    }
}

/// A first line naming columns: a known name, and no address.
fn is_header(row: &Row) -> bool {
    row.names_any(&[NAME_WORDS, EMAIL_WORDS, TEAM_WORDS])
        && !row.fields.iter().any(|f| f.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::super::EmailProblem;
    use super::*;

    fn entry(name: &str, email: Option<&str>, team: Option<&str>) -> RosterEntry {
        RosterEntry {
            name: name.into(),
            email: email.map(Into::into),
            team: team.map(Into::into),
        }
    }

    fn first(e: &RosterErrors) -> &RosterError {
        &e.0[0]
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
    fn a_french_spreadsheet_file_with_crlf_a_bom_and_semicolons_parses() {
        let file = "\u{feff}Matricule;Nom;E-mail;Équipe\r\n\"4; 2\";Jean Dupont;jean@example.org;Équipe A\r\n;Zoé;zoe@example.org;\r\n";
        let r = parse_roster(file).unwrap();
        assert_eq!(
            r,
            vec![
                entry("Jean Dupont", Some("jean@example.org"), Some("Équipe A")),
                entry("Zoé", Some("zoe@example.org"), None),
            ]
        );
        // A comma inside quotes does not make the file comma-separated.
        let r = parse_roster("\"Lovelace, Ada\";ada@example.org\r\n").unwrap();
        assert_eq!(
            r,
            vec![entry("Lovelace, Ada", Some("ada@example.org"), None)]
        );
    }

    #[test]
    fn every_mistake_is_named_with_the_line_an_editor_shows_whatever_the_line_endings() {
        // Bad lines 3, 6 and 8, after blank and comment lines that the
        // reader skips, in LF, CRLF and old-Mac CR files.
        let lines = [
            "name,email",
            "Ada,ada@example.org",
            "Bob,bob@intranet",
            "",
            "# a comment",
            "Cy,cy@corp.local",
            "Di,di@example.org",
            "Ed,DI@example.org",
        ];
        for ending in ["\n", "\r\n", "\r"] {
            let text = lines.join(ending) + ending;
            let e = parse_roster(&text).unwrap_err();
            assert_eq!(e.lines(), [3, 6, 8], "{ending:?}: {e}");
            assert!(
                matches!(&e.0[2].problem, RosterProblem::Duplicate { first: 7, .. }),
                "{e:?}"
            );
        }
    }

    #[test]
    fn a_quoted_field_over_two_lines_does_not_shift_the_lines_after_it() {
        let e = parse_roster("\"Ada\nLovelace\",ada@example.org\nBob,bob@x\n").unwrap_err();
        assert_eq!(e.lines(), [1, 3], "{e}");
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
        assert_eq!(
            first(&parse_roster("Ada\u{7}\n").unwrap_err()).line,
            Some(1)
        );
        let many = "x\n".repeat(MAX_LEARNERS + 1);
        assert!(
            parse_roster(&many)
                .unwrap_err()
                .to_string()
                .contains("at most")
        );
    }

    #[test]
    fn an_address_an_lrs_would_refuse_is_refused_with_its_line_in_every_form() {
        for roster in [
            "Ada <ada@example.org>\nBob <bob@corp.local>\n",
            "ada@example.org\nbob@corp.local\n",
            "name,email\nAda,ada@example.org\nBob,bob@corp.local\n",
        ] {
            let e = parse_roster(roster).unwrap_err();
            let e = first(&e);
            let line = if roster.starts_with("name") { 3 } else { 2 };
            assert_eq!(e.line, Some(line), "{roster}");
            assert!(
                matches!(&e.problem, RosterProblem::Email(EmailProblem::Reserved { email, tld })
                    if email == "bob@corp.local" && tld == "local"),
                "{e:?}"
            );
        }
        let e = parse_roster("Ada, ada@intranet\n").unwrap_err();
        assert_eq!(first(&e).message().0, "email-no-dot");
        assert_eq!(
            e.to_string(),
            "line 1: `ada@intranet`: the domain `intranet` has no dot; give a real domain, such as example.org"
        );
    }
}
