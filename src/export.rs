//! Exports of a cohort's records: every attempt and every completion, as
//! JSON or as CSV that is safe to open in a spreadsheet (a byte order mark,
//! `;` or `,` between cells, no formulas), with times in the cohort's time
//! zone. The xAPI statements (`crate::xapi`) are built from the same records,
//! and name the same programme, phase and team.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::scenario::Scenario;
use crate::store::{Cohort, CohortAttempt, CohortProgramme, Learner, Store, StoreError};

/// Everything recorded about a cohort, read in one go.
#[derive(Debug, Clone)]
pub struct CohortRecords {
    pub cohort: Cohort,
    /// The roster, in order.
    pub learners: Vec<Learner>,
    /// When each learner's link first claimed a sandbox.
    pub first_claims: HashMap<Uuid, DateTime<Utc>>,
    /// Every attempt, oldest first.
    pub attempts: Vec<CohortAttempt>,
    /// The programme the cohort serves, its phase and its learners' teams.
    pub programme: Option<CohortProgramme>,
}

impl CohortRecords {
    pub async fn load(store: &Store, cohort: Cohort) -> Result<Self, StoreError> {
        let learners = store.learners(*cohort.id).await?;
        let first_claims = store.first_claims(*cohort.id).await?;
        let attempts = store.cohort_attempts(*cohort.id).await?;
        let programme = store.cohort_programme(*cohort.id).await?;
        Ok(Self {
            cohort,
            learners,
            first_claims,
            attempts,
            programme,
        })
    }

    /// A learner's team: that of the programme's person they are matched
    /// to, else the one their roster line named; never empty.
    pub fn team_of<'a>(&'a self, learner: &'a Learner) -> Option<&'a str> {
        self.programme
            .as_ref()
            .and_then(|p| p.teams.get(&learner.id))
            .or(learner.team.as_ref())
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
    }

    /// The name of the programme the cohort serves.
    pub fn programme_name(&self) -> Option<&str> {
        self.programme.as_ref().map(|p| p.programme.as_str())
    }

    /// The programme's phase the cohort serves.
    pub fn phase(&self) -> Option<&str> {
        self.programme.as_ref().and_then(|p| p.phase.as_deref())
    }

    /// The learner an attempt was made by, if known.
    pub fn learner_of(&self, attempt: &CohortAttempt) -> Option<&Learner> {
        let id = Uuid::parse_str(attempt.learner_id.as_deref()?).ok()?;
        self.learners.iter().find(|l| *l.id == id)
    }
}

/// An exercise's title, or its id when the scenario no longer has it.
pub fn exercise_title<'a>(scenario: Option<&'a Scenario>, exercise: &'a str) -> &'a str {
    scenario
        .and_then(|s| s.exercises.iter().find(|e| e.id.as_str() == exercise))
        .map_or(exercise, |e| e.title.main())
}

/// Times of records that belong to no one cohort (parked xAPI
/// statements): RFC 3339, UTC, milliseconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One attempt (press of Check), with whose it was.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptRow {
    pub cohort_id: Uuid,
    pub cohort_name: String,
    /// The programme the cohort serves, if any.
    pub programme: Option<String>,
    /// The programme's phase the cohort serves.
    pub phase: Option<String>,
    pub learner_id: Option<Uuid>,
    pub learner_name: Option<String>,
    pub learner_email: Option<String>,
    /// The team of the programme's person the learner is matched to, else
    /// the one their roster line named.
    pub team: Option<String>,
    pub exercise_id: String,
    pub exercise_title: String,
    /// passed, failed or error (the check could not run).
    pub outcome: String,
    /// What the learner was shown.
    pub output: String,
    /// The check's stderr or the engine's error, for trainers.
    pub detail: String,
    pub duration_ms: i64,
    pub created_at: String,
    /// True when this attempt was the exercise's first pass.
    pub is_completion: bool,
}

/// One exercise a learner passed.
#[derive(Debug, Clone, Serialize)]
pub struct CompletionRow {
    pub cohort_id: Uuid,
    pub cohort_name: String,
    /// The programme the cohort serves, if any.
    pub programme: Option<String>,
    /// The programme's phase the cohort serves.
    pub phase: Option<String>,
    pub learner_id: Option<Uuid>,
    pub learner_name: Option<String>,
    pub learner_email: Option<String>,
    /// The team of the programme's person the learner is matched to, else
    /// the one their roster line named.
    pub team: Option<String>,
    pub exercise_id: String,
    pub exercise_title: String,
    pub completed_at: String,
    /// Checks of this exercise before the one that passed.
    pub attempts_before_pass: u32,
    /// When the learner's link first claimed a sandbox.
    pub claimed_at: Option<String>,
    /// From that claim to this pass.
    pub seconds_from_claim_to_pass: Option<i64>,
}

/// Every attempt of a cohort, oldest first.
pub fn attempt_rows(records: &CohortRecords, scenario: Option<&Scenario>) -> Vec<AttemptRow> {
    let cohort = &records.cohort;
    let zone = cohort.time_zone;
    records
        .attempts
        .iter()
        .map(|a| {
            let learner = records.learner_of(a);
            AttemptRow {
                cohort_id: *cohort.id,
                cohort_name: cohort.name.clone(),
                programme: records.programme_name().map(str::to_owned),
                phase: records.phase().map(str::to_owned),
                learner_id: learner.map(|l| *l.id),
                learner_name: learner.map(|l| l.name.clone()),
                learner_email: learner.and_then(|l| l.email.clone()),
                team: learner.and_then(|l| records.team_of(l)).map(str::to_owned),
                exercise_id: a.exercise_id.clone(),
                exercise_title: exercise_title(scenario, &a.exercise_id).to_owned(),
                outcome: a.outcome.clone(),
                output: a.output.clone(),
                detail: a.detail.clone(),
                duration_ms: a.duration_ms,
                created_at: zone.rfc3339(a.created_at),
                is_completion: a.completion,
            }
        })
        .collect()
}

/// Every completion of a cohort, in the order they happened.
pub fn completion_rows(records: &CohortRecords, scenario: Option<&Scenario>) -> Vec<CompletionRow> {
    let cohort = &records.cohort;
    let zone = cohort.time_zone;
    // Checks so far per (learner or sandbox, exercise).
    let mut tried: HashMap<(&str, &str), u32> = HashMap::new();
    let mut rows = Vec::new();
    for a in &records.attempts {
        let who = a.learner_id.as_deref().unwrap_or(&a.sandbox_id);
        let before = tried.entry((who, &a.exercise_id)).or_default();
        if a.completion {
            let learner = records.learner_of(a);
            let claimed = learner.and_then(|l| records.first_claims.get(&l.id).copied());
            rows.push(CompletionRow {
                cohort_id: *cohort.id,
                cohort_name: cohort.name.clone(),
                programme: records.programme_name().map(str::to_owned),
                phase: records.phase().map(str::to_owned),
                learner_id: learner.map(|l| *l.id),
                learner_name: learner.map(|l| l.name.clone()),
                learner_email: learner.and_then(|l| l.email.clone()),
                team: learner.and_then(|l| records.team_of(l)).map(str::to_owned),
                exercise_id: a.exercise_id.clone(),
                exercise_title: exercise_title(scenario, &a.exercise_id).to_owned(),
                completed_at: zone.rfc3339(a.created_at),
                attempts_before_pass: *before,
                claimed_at: claimed.map(|t| zone.rfc3339(t)),
                seconds_from_claim_to_pass: claimed
                    .map(|c| (a.created_at - c).num_seconds().max(0)),
            });
        }
        *before += 1;
    }
    rows
}

/// A row of a CSV export.
pub trait CsvRow {
    const HEADERS: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

fn text(v: &Option<impl ToString>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl CsvRow for AttemptRow {
    const HEADERS: &'static [&'static str] = &[
        "cohort_id",
        "cohort_name",
        "programme",
        "phase",
        "learner_id",
        "learner_name",
        "learner_email",
        "team",
        "exercise_id",
        "exercise_title",
        "outcome",
        "output",
        "detail",
        "duration_ms",
        "created_at",
        "is_completion",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.cohort_id.to_string(),
            self.cohort_name.clone(),
            text(&self.programme),
            text(&self.phase),
            text(&self.learner_id),
            text(&self.learner_name),
            text(&self.learner_email),
            text(&self.team),
            self.exercise_id.clone(),
            self.exercise_title.clone(),
            self.outcome.clone(),
            self.output.clone(),
            self.detail.clone(),
            self.duration_ms.to_string(),
            self.created_at.clone(),
            self.is_completion.to_string(),
        ]
    }
}

impl CsvRow for CompletionRow {
    const HEADERS: &'static [&'static str] = &[
        "cohort_id",
        "cohort_name",
        "programme",
        "phase",
        "learner_id",
        "learner_name",
        "learner_email",
        "team",
        "exercise_id",
        "exercise_title",
        "completed_at",
        "attempts_before_pass",
        "claimed_at",
        "seconds_from_claim_to_pass",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.cohort_id.to_string(),
            self.cohort_name.clone(),
            text(&self.programme),
            text(&self.phase),
            text(&self.learner_id),
            text(&self.learner_name),
            text(&self.learner_email),
            text(&self.team),
            self.exercise_id.clone(),
            self.exercise_title.clone(),
            self.completed_at.clone(),
            self.attempts_before_pass.to_string(),
            text(&self.claimed_at),
            text(&self.seconds_from_claim_to_pass),
        ]
    }
}

/// A cell a spreadsheet would not run as a formula: one that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (OWASP's advice for CSV injection). Learners' output is untrusted.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The separator between a CSV file's cells. Spreadsheets open a CSV file
/// with the list separator of their language: `;` in French (and most
/// languages that write decimals with a comma), `,` in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Separator {
    /// `;`, the default: what spreadsheets set for French expect.
    #[default]
    Semicolon,
    /// `,`, for spreadsheets set for English.
    Comma,
}

impl Separator {
    /// From a `?sep=` query value; the default when absent or empty.
    pub fn from_query(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim).unwrap_or_default() {
            "" | "semicolon" | ";" => Ok(Self::Semicolon),
            "comma" | "," => Ok(Self::Comma),
            other => Err(format!("`sep` is `semicolon` or `comma`, not `{other}`")),
        }
    }

    /// Its name in a `?sep=` query.
    pub fn query(self) -> &'static str {
        match self {
            Self::Semicolon => "semicolon",
            Self::Comma => "comma",
        }
    }

    /// The separator spreadsheets in `lang` expect.
    pub fn for_lang(lang: &str) -> Self {
        if lang == "en" {
            Self::Comma
        } else {
            Self::Semicolon
        }
    }

    fn byte(self) -> u8 {
        match self {
            Self::Semicolon => b';',
            Self::Comma => b',',
        }
    }
}

/// UTF-8's byte order mark: without it, spreadsheets read UTF-8 as their
/// legacy code page and mangle every accent.
pub const BOM: &str = "\u{feff}";

/// A CSV writer whose output starts with the byte order mark.
pub fn csv_writer(separator: Separator) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(separator.byte())
        .from_writer(BOM.as_bytes().to_vec())
}

/// Rows as CSV with a header line, every cell neutralised.
pub fn to_csv<R: CsvRow>(rows: &[R], separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv_writer(separator);
    out.write_record(R::HEADERS)?;
    for row in rows {
        out.write_record(row.cells().iter().map(|c| neutralise(c).into_owned()))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// A file name safe in a `Content-Disposition` header: ASCII letters,
/// digits and dashes from the cohort's name, then the cohort's short id.
pub fn file_name(cohort: &Cohort, what: &str, extension: &str) -> String {
    file_name_for(&cohort.name, *cohort.id, what, extension)
}

/// [`file_name`] for anything with a name and an id (a programme…).
pub fn file_name_for(name: &str, id: Uuid, what: &str, extension: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let short = &id.simple().to_string()[..8];
    if slug.is_empty() {
        format!("sandpit-{short}-{what}.{extension}")
    } else {
        format!("sandpit-{slug}-{short}-{what}.{extension}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_come_from_the_query_and_anything_else_is_named() {
        assert_eq!(Separator::from_query(None), Ok(Separator::Semicolon));
        assert_eq!(Separator::from_query(Some("comma")), Ok(Separator::Comma));
        assert_eq!(
            Separator::from_query(Some("semicolon")),
            Ok(Separator::Semicolon)
        );
        assert_eq!(
            Separator::from_query(Some("tab")),
            Err("`sep` is `semicolon` or `comma`, not `tab`".to_owned())
        );
        assert_eq!(Separator::for_lang("fr"), Separator::Semicolon);
        assert_eq!(Separator::for_lang("en"), Separator::Comma);
    }

    #[test]
    fn formula_cells_are_neutralised_and_others_left_alone() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for good in ["", "hello", "1", "a=b", " =x", "'quoted"] {
            assert_eq!(neutralise(good), good);
        }
    }
}
