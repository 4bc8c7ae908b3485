//! The indicators as CSV files, each its table: UTF-8 with a byte order
//! mark, `;` or `,` between cells and formulas neutralised
//! (`crate::export`), a header line of English column names. Decimals are
//! written as the spreadsheets that expect that separator read them: `0,25`
//! with `;` (French and most European languages), `0.25` with `,`. An
//! absent figure is an empty cell.

use crate::export::{CsvRow, Separator, to_csv};

use super::struggle::TOP_OUTPUTS;
use super::{
    Confidence, HelpGiven, Proficiency, Ratings, Reach, Retention, Struggle, TeamReach, Trend,
    UsageWeek,
};

/// A decimal as spreadsheets using `separator` read it.
fn decimal(value: f64, separator: Separator) -> String {
    let text = value.to_string();
    match separator {
        Separator::Semicolon => text.replace('.', ","),
        Separator::Comma => text,
    }
}

fn opt(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A line of the reach table: a team's, or the total.
struct ReachLine(Vec<String>);

impl CsvRow for ReachLine {
    const HEADERS: &'static [&'static str] = &[
        "row",
        "team",
        "kind",
        "site",
        "headcount",
        "maturity",
        "people",
        "invited",
        "started",
        "completed",
        "completed_share",
        "required",
        "due_on",
        "status",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The reach table: one line per team (`row` = `team`), then the
/// programme's (`row` = `total`). Required scenarios are separated by
/// spaces.
pub fn reach_csv(reach: &Reach, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let line = |row: &str, t: &TeamReach| {
        ReachLine(vec![
            row.to_owned(),
            t.team.clone(),
            t.kind.clone(),
            opt(t.site.as_ref()),
            t.headcount.to_string(),
            if row == "total" {
                String::new()
            } else {
                t.maturity.to_string()
            },
            t.people.to_string(),
            t.invited.to_string(),
            t.started.to_string(),
            t.completed.to_string(),
            decimal(t.completed_share, separator),
            t.required.join(" "),
            opt(t.due_on),
            t.status.as_str().to_owned(),
        ])
    };
    let mut rows: Vec<ReachLine> = reach.teams.iter().map(|t| line("team", t)).collect();
    rows.push(line("total", &reach.total));
    to_csv(&rows, separator)
}

/// A line of the proficiency table.
struct ProficiencyLine(Vec<String>);

impl CsvRow for ProficiencyLine {
    const HEADERS: &'static [&'static str] = &[
        "scenario_id",
        "exercise_id",
        "exercise_title",
        "attempted",
        "passed",
        "first_try_passed",
        "first_try_rate",
        "median_seconds_to_pass",
        "median_attempts_to_pass",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The proficiency table: one line per exercise, in the programme's order.
pub fn proficiency_csv(p: &Proficiency, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let rows: Vec<ProficiencyLine> = p
        .exercises
        .iter()
        .map(|e| {
            ProficiencyLine(vec![
                e.scenario.clone(),
                e.exercise.clone(),
                e.title.clone(),
                e.attempted.to_string(),
                e.passed.to_string(),
                e.first_try_passed.to_string(),
                opt(e.first_try_rate.map(|r| decimal(r, separator))),
                opt(e.median_seconds_to_pass),
                opt(e.median_attempts_to_pass.map(|a| decimal(a, separator))),
            ])
        })
        .collect();
    to_csv(&rows, separator)
}

/// A line of the ratings table.
struct RatingLine(Vec<String>);

impl CsvRow for RatingLine {
    const HEADERS: &'static [&'static str] = &[
        "scenario_id",
        "exercise_id",
        "exercise_title",
        "ratings",
        "useful",
        "usable",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The ratings table: one line per exercise, in the programme's order; a
/// mean not shown (fewer ratings than `min_group`) is an empty cell.
pub fn ratings_csv(r: &Ratings, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let rows: Vec<RatingLine> = r
        .exercises
        .iter()
        .map(|e| {
            RatingLine(vec![
                e.scenario.clone(),
                e.exercise.clone(),
                e.title.clone(),
                e.ratings.to_string(),
                opt(e.useful.map(|m| decimal(m, separator))),
                opt(e.usable.map(|m| decimal(m, separator))),
            ])
        })
        .collect();
    to_csv(&rows, separator)
}

/// A line of the help table: a helper's, or the total.
struct HelpLine(Vec<String>);

impl CsvRow for HelpLine {
    const HEADERS: &'static [&'static str] = &[
        "row",
        "helper",
        "kind",
        "sessions",
        "learners",
        "minutes",
        "unblocked",
        "calls",
        "calls_answered",
        "answered_percent",
        "median_minutes_to_unblock",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The help table: one line per helper (`row` = `helper`), most sessions
/// first, then the total (`row` = `total`), which alone has the calls.
pub fn help_csv(h: &HelpGiven, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let mut rows: Vec<HelpLine> = h
        .helpers
        .iter()
        .map(|x| {
            HelpLine(vec![
                "helper".into(),
                x.name.clone(),
                x.kind.into(),
                x.sessions.to_string(),
                x.learners.to_string(),
                decimal(x.minutes, separator),
                x.unblocked.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ])
        })
        .collect();
    rows.push(HelpLine(vec![
        "total".into(),
        String::new(),
        String::new(),
        h.sessions.to_string(),
        h.learners.to_string(),
        decimal(h.minutes, separator),
        h.unblocked.to_string(),
        h.calls.to_string(),
        h.calls_answered.to_string(),
        opt(h.answered_percent.map(|p| decimal(p, separator))),
        opt(h.median_minutes_to_unblock.map(|m| decimal(m, separator))),
    ]));
    to_csv(&rows, separator)
}

/// A line of the retention table: a team's, or the total.
struct RetentionLine(Vec<String>);

impl CsvRow for RetentionLine {
    const HEADERS: &'static [&'static str] = &[
        "row",
        "team",
        "due",
        "taken",
        "passed_first_try",
        "retention_percent",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The retention table: one line per team (`row` = `team`), then the
/// total (`row` = `total`).
pub fn retention_csv(r: &Retention, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let line = |row: &str, t: &super::TeamRetention| {
        RetentionLine(vec![
            row.into(),
            t.team.clone().unwrap_or_default(),
            t.due.to_string(),
            t.taken.to_string(),
            t.passed_first_try.to_string(),
            opt(t.retention_percent.map(|p| decimal(p, separator))),
        ])
    };
    let mut rows: Vec<RetentionLine> = r.teams.iter().map(|t| line("team", t)).collect();
    rows.push(line("total", &r.total));
    to_csv(&rows, separator)
}

/// A line of the struggle table.
struct StruggleLine(Vec<String>);

impl CsvRow for StruggleLine {
    const HEADERS: &'static [&'static str] = &[
        "rank",
        "scenario_id",
        "exercise_id",
        "exercise_title",
        "attempted",
        "failed_checks",
        "abandoned",
        "output_1",
        "output_1_count",
        "output_2",
        "output_2_count",
        "output_3",
        "output_3_count",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The struggle table: one line per exercise, by rank, with its
/// [`TOP_OUTPUTS`] most frequent failing outputs and their counts (empty
/// cells where there are fewer).
pub fn struggle_csv(s: &Struggle, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let rows: Vec<StruggleLine> = s
        .exercises
        .iter()
        .map(|e| {
            let mut cells = vec![
                e.rank.to_string(),
                e.scenario.clone(),
                e.exercise.clone(),
                e.title.clone(),
                e.attempted.to_string(),
                e.failed_checks.to_string(),
                e.abandoned.to_string(),
            ];
            for i in 0..TOP_OUTPUTS {
                let o = e.failing_outputs.get(i);
                cells.push(opt(o.map(|o| o.output.clone())));
                cells.push(opt(o.map(|o| o.count)));
            }
            StruggleLine(cells)
        })
        .collect();
    to_csv(&rows, separator)
}

/// A line of the trend table.
struct TrendLine(Vec<String>);

impl CsvRow for TrendLine {
    const HEADERS: &'static [&'static str] = &[
        "cohort",
        "scenario_id",
        "phase",
        "starts_at",
        "learners",
        "started",
        "completed",
        "completed_share",
        "attempted",
        "first_try_rate",
        "median_seconds_to_pass",
        "median_attempts_to_pass",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The trend table: one line per cohort, by start; starts in RFC 3339 UTC.
pub fn trend_csv(t: &Trend, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let rows: Vec<TrendLine> = t
        .cohorts
        .iter()
        .map(|c| {
            TrendLine(vec![
                c.name.clone(),
                c.scenario.clone(),
                opt(c.phase.as_ref()),
                crate::export::rfc3339(c.starts_at),
                c.learners.to_string(),
                c.started.to_string(),
                c.completed.to_string(),
                decimal(c.completed_share, separator),
                c.attempted.to_string(),
                opt(c.first_try_rate.map(|r| decimal(r, separator))),
                opt(c.median_seconds_to_pass),
                opt(c.median_attempts_to_pass.map(|a| decimal(a, separator))),
            ])
        })
        .collect();
    to_csv(&rows, separator)
}

/// A line of the confidence table.
struct ConfidenceLine(Vec<String>);

impl CsvRow for ConfidenceLine {
    const HEADERS: &'static [&'static str] = &[
        "phase",
        "moment",
        "question_en",
        "question_fr",
        "group",
        "answers",
        "average",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The confidence table: per question, a line for all its answers (`group`
/// empty), then one per team; an average not shown is an empty cell.
/// Comments are not in it (the JSON has them).
pub fn confidence_csv(c: &Confidence, separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let mut rows = Vec::new();
    for q in &c.questions {
        let groups =
            std::iter::once(("", &q.all)).chain(q.teams.iter().map(|(t, s)| (t.as_str(), s)));
        for (group, scores) in groups {
            rows.push(ConfidenceLine(vec![
                q.phase.clone(),
                q.moment.clone(),
                opt(q.text_en.as_ref()),
                opt(q.text_fr.as_ref()),
                group.to_owned(),
                scores.answers.to_string(),
                opt(scores.average.map(|a| decimal(a, separator))),
            ]));
        }
    }
    to_csv(&rows, separator)
}

/// A line of the usage table.
struct UsageLine(Vec<String>);

impl CsvRow for UsageLine {
    const HEADERS: &'static [&'static str] =
        &["team", "week", "active_users", "active_share", "trained"];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// The usage table: one line per team and week.
pub fn usage_csv(weeks: &[UsageWeek], separator: Separator) -> Result<Vec<u8>, csv::Error> {
    let rows: Vec<UsageLine> = weeks
        .iter()
        .map(|u| {
            UsageLine(vec![
                u.team.clone(),
                u.week.to_string(),
                u.active_users.to_string(),
                decimal(u.active_share, separator),
                u.trained.to_string(),
            ])
        })
        .collect();
    to_csv(&rows, separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_take_a_comma_beside_semicolons_and_a_point_beside_commas() {
        assert_eq!(decimal(0.25, Separator::Semicolon), "0,25");
        assert_eq!(decimal(0.25, Separator::Comma), "0.25");
        assert_eq!(decimal(2.0, Separator::Semicolon), "2");
        assert_eq!(decimal(1.5, Separator::Semicolon), "1,5");
    }

    #[test]
    fn every_table_has_as_many_headers_as_cells() {
        assert_eq!(StruggleLine::HEADERS.len(), 7 + 2 * TOP_OUTPUTS);
        let reach = Reach {
            programme: uuid::Uuid::nil(),
            today: chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            teams: Vec::new(),
            total: TeamReach {
                team: String::new(),
                kind: String::new(),
                site: None,
                headcount: 0,
                maturity: 0,
                people: 0,
                invited: 0,
                started: 0,
                completed: 0,
                completed_share: 0.0,
                required: Vec::new(),
                due_on: None,
                status: super::super::ReachStatus::None,
            },
        };
        let bytes = reach_csv(&reach, Separator::Semicolon).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0].split(';').count(),
            lines[1].split(';').count(),
            "{text}"
        );
        assert_eq!(lines[1], "total;;;;0;;0;0;0;0;0;;;none");
    }
}
