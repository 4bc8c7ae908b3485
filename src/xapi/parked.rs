//! Statements the LRS refused, as admins read and export them: whose they
//! are and what they say, read back from the statement itself, with the
//! LRS's status and answer.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::export::{CsvRow, Separator, rfc3339, to_csv};
use crate::store::ParkedRow;

/// One parked statement, for the admin page and its exports.
#[derive(Debug, Clone, Serialize)]
pub struct ParkedStatement {
    pub statement_id: String,
    pub cohort_id: String,
    pub cohort_name: Option<String>,
    /// The actor's name, as the statement gives it.
    pub learner: Option<String>,
    /// The actor's identifier: an email address or an account name.
    pub actor: Option<String>,
    /// The verb's last word (`passed`) or, failing that, its IRI.
    pub verb: Option<String>,
    /// When what the statement tells happened.
    pub timestamp: Option<String>,
    /// When the LRS refused it.
    pub parked_at: String,
    /// The LRS's HTTP status.
    pub status: i64,
    /// What the LRS answered.
    pub answer: String,
    pub tries: i64,
    /// The statement as it was sent.
    pub statement: Value,
}

impl ParkedStatement {
    pub fn from_row(row: &ParkedRow) -> Self {
        let statement: Value = serde_json::from_str(&row.body).unwrap_or(Value::Null);
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let actor = &statement["actor"];
        let actor_id = text(&actor["mbox"])
            .map(|m| m.trim_start_matches("mailto:").to_owned())
            .or_else(|| text(&actor["account"]["name"]));
        let verb = text(&statement["verb"]["id"]).map(|iri| match iri.rsplit_once('/') {
            Some((_, last)) if !last.is_empty() => last.to_owned(),
            _ => iri,
        });
        Self {
            statement_id: row.id.clone(),
            cohort_id: row.cohort_id.clone(),
            cohort_name: row.cohort_name.clone(),
            learner: text(&actor["name"]),
            actor: actor_id,
            verb,
            timestamp: text(&statement["timestamp"]),
            parked_at: rfc3339(row.parked_at),
            status: row.status,
            answer: row.answer.clone(),
            tries: row.tries,
            statement,
        }
    }

    /// When what it tells happened, as a time.
    pub fn happened(&self) -> Option<DateTime<Utc>> {
        let at = DateTime::parse_from_rfc3339(self.timestamp.as_deref()?).ok()?;
        Some(at.with_timezone(&Utc))
    }
}

impl CsvRow for ParkedStatement {
    const HEADERS: &'static [&'static str] = &[
        "statement_id",
        "cohort_id",
        "cohort_name",
        "learner",
        "actor",
        "verb",
        "timestamp",
        "parked_at",
        "status",
        "answer",
        "tries",
        "statement",
    ];

    fn cells(&self) -> Vec<String> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.statement_id.clone(),
            self.cohort_id.clone(),
            text(&self.cohort_name),
            text(&self.learner),
            text(&self.actor),
            text(&self.verb),
            text(&self.timestamp),
            self.parked_at.clone(),
            self.status.to_string(),
            self.answer.clone(),
            self.tries.to_string(),
            self.statement.to_string(),
        ]
    }
}

/// CSV as spreadsheets open it without asking: a UTF-8 byte order mark,
/// `separator` between cells, every cell neutralised (the LRS's answer and
/// the learner's name are not ours to trust).
pub fn parked_csv(rows: &[ParkedStatement], separator: Separator) -> Result<Vec<u8>, csv::Error> {
    to_csv(rows, separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(body: &str) -> ParkedRow {
        ParkedRow {
            id: "6690e6c9-3ef0-4ed3-8b37-7f3964730bee".into(),
            cohort_id: "c".into(),
            cohort_name: Some("Wave; 1".into()),
            body: body.into(),
            parked_at: DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            status: 422,
            answer: "=HYPERLINK(\"x\")".into(),
            tries: 3,
        }
    }

    #[test]
    fn a_parked_statement_says_whose_it_is_and_what_was_refused() {
        let p = ParkedStatement::from_row(&row(
            r#"{"actor":{"name":"Bob","mbox":"mailto:bob@corp.local"},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"timestamp":"2024-05-01T09:00:00.000Z"}"#,
        ));
        assert_eq!(p.learner.as_deref(), Some("Bob"));
        assert_eq!(p.actor.as_deref(), Some("bob@corp.local"));
        assert_eq!(p.verb.as_deref(), Some("passed"));
        assert_eq!(p.timestamp.as_deref(), Some("2024-05-01T09:00:00.000Z"));
        assert_eq!(
            p.happened().unwrap().to_rfc3339(),
            "2024-05-01T09:00:00+00:00"
        );
        assert_eq!(p.parked_at, "2024-05-01T10:00:00.000Z");
        let account = ParkedStatement::from_row(&row(
            r#"{"actor":{"account":{"homePage":"http://x","name":"42"}},"verb":{"id":"urn:v"}}"#,
        ));
        assert_eq!(account.actor.as_deref(), Some("42"));
        assert_eq!(account.verb.as_deref(), Some("urn:v"));
        let broken = ParkedStatement::from_row(&row("not json"));
        assert_eq!((broken.learner, broken.verb), (None, None));
    }

    #[test]
    fn the_csv_has_a_bom_semicolons_and_no_formulas() {
        let p = ParkedStatement::from_row(&row(r#"{"actor":{"name":"Bob"}}"#));
        let csv = String::from_utf8(parked_csv(&[p], Separator::Semicolon).unwrap()).unwrap();
        assert!(
            csv.starts_with("\u{feff}statement_id;cohort_id;cohort_name;"),
            "{csv}"
        );
        let line = csv.lines().nth(1).unwrap();
        assert!(line.contains(";\"Wave; 1\";Bob;"), "{line}");
        assert!(
            line.contains(";422;\"'=HYPERLINK(\"\"x\"\")\";3;"),
            "{line}"
        );
    }
}
