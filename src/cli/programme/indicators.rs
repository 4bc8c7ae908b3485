//! `sandpit programme indicators ID KIND`: one of a programme's change
//! indicators, as a table, as the API's JSON (`--json`) or as its CSV
//! download (`--csv`), narrowed to a team and a phase where the API can.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use super::super::cohort::CsvSeparator;
use super::{Api, parse, print_json, text};
use crate::programme::MAX_IDLE_HOURS;

#[derive(Debug, Args)]
pub struct IndicatorsArgs {
    /// The programme's id (`sandpit programme list`).
    #[arg(value_parser = parse::id)]
    id: Uuid,
    #[arg(value_enum)]
    what: Indicator,
    /// Only this team (reach, proficiency, struggle, trend, ratings).
    #[arg(long)]
    team: Option<String>,
    /// Only the cohorts of this phase (reach, proficiency, struggle, trend, ratings).
    #[arg(long, value_parser = parse::phase)]
    phase: Option<&'static str>,
    /// The CSV download instead (reach, proficiency, struggle).
    #[arg(long)]
    csv: bool,
    /// The CSV's cell separator.
    #[arg(long, value_enum, default_value_t = CsvSeparator::Semicolon, requires = "csv")]
    sep: CsvSeparator,
    /// Hours without an attempt after which an unpassed exercise counts as abandoned (struggle) [server default: 24].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_IDLE_HOURS)))]
    idle_hours: Option<u32>,
    /// Write the CSV to this file instead of stdout.
    #[arg(short = 'o', long, requires = "csv")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Indicator {
    Reach,
    Proficiency,
    Struggle,
    Trend,
    Confidence,
    Usage,
    Ratings,
    Help,
}

impl Indicator {
    fn name(self) -> &'static str {
        match self {
            Self::Reach => "reach",
            Self::Proficiency => "proficiency",
            Self::Struggle => "struggle",
            Self::Trend => "trend",
            Self::Confidence => "confidence",
            Self::Usage => "usage",
            Self::Ratings => "ratings",
            Self::Help => "help",
        }
    }

    /// Whether its route takes `team` and `phase`.
    fn narrows(self) -> bool {
        matches!(
            self,
            Self::Reach
                | Self::Proficiency
                | Self::Struggle
                | Self::Trend
                | Self::Ratings
                | Self::Help
        )
    }
}

/// The query the arguments make, or why the API cannot answer them.
fn query(a: &IndicatorsArgs) -> anyhow::Result<String> {
    let name = a.what.name();
    if !a.what.narrows() && (a.team.is_some() || a.phase.is_some()) {
        anyhow::bail!("the {name} indicator cannot be narrowed to a team or a phase");
    }
    if a.idle_hours.is_some() && a.what != Indicator::Struggle {
        anyhow::bail!("--idle-hours is for the struggle indicator only");
    }
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(team) = &a.team {
        q.append_pair("team", team.trim());
    }
    if let Some(phase) = a.phase {
        q.append_pair("phase", phase);
    }
    if a.csv {
        q.append_pair("format", "csv");
        q.append_pair(
            "sep",
            match a.sep {
                CsvSeparator::Semicolon => "semicolon",
                CsvSeparator::Comma => "comma",
            },
        );
    }
    if let Some(h) = a.idle_hours {
        q.append_pair("idle_hours", &h.to_string());
    }
    let q = q.finish();
    Ok(if q.is_empty() { q } else { format!("?{q}") })
}

pub(super) async fn run(api: &Api, a: IndicatorsArgs, json: bool) -> anyhow::Result<ExitCode> {
    let path = format!("/indicators/{}{}", a.what.name(), query(&a)?);
    if a.csv {
        let bytes = api
            .send(Method::GET, a.id, &path, None)
            .await?
            .bytes()
            .await
            .context("reading the CSV")?;
        match &a.output {
            Some(file) => {
                std::fs::write(file, &bytes)
                    .with_context(|| format!("writing {}", file.display()))?;
                if json {
                    print_json(&serde_json::json!({ "path": file, "bytes": bytes.len() }));
                } else {
                    eprintln!("Wrote {} bytes to {}.", bytes.len(), file.display());
                }
            }
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes)?;
                out.flush()?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let v = api.json(Method::GET, a.id, &path, None).await?;
    if json {
        print_json(&v);
        return Ok(ExitCode::SUCCESS);
    }
    match a.what {
        Indicator::Reach => reach(&v),
        Indicator::Proficiency => proficiency(&v),
        Indicator::Struggle => struggle(&v),
        Indicator::Trend => trend(&v),
        Indicator::Confidence => confidence(&v),
        Indicator::Usage => usage(&v),
        Indicator::Ratings => ratings(&v),
        Indicator::Help => help(&v),
    }
    Ok(ExitCode::SUCCESS)
}

fn rows(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// A share as a percentage, to one decimal.
fn percent(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_owned(), |f| format!("{:.1}%", f * 100.0))
}

fn narrowed(v: &Value) -> String {
    let team = v["team"].as_str().unwrap_or("all");
    let phase = v["phase"].as_str().unwrap_or("all");
    format!("team: {team}, phase: {phase}")
}

fn reach(v: &Value) {
    println!("Reach on {} ({})", text(&v["today"]), narrowed(v));
    println!(
        "{:<24}  {:>9}  {:>7}  {:>7}  {:>9}  {:>7}  {:<10}  STATUS",
        "TEAM", "HEADCOUNT", "INVITED", "STARTED", "COMPLETED", "SHARE", "DUE"
    );
    let line = |name: &str, t: &Value| {
        println!(
            "{:<24}  {:>9}  {:>7}  {:>7}  {:>9}  {:>7}  {:<10}  {}",
            name,
            text(&t["headcount"]),
            text(&t["invited"]),
            text(&t["started"]),
            text(&t["completed"]),
            percent(&t["completed_share"]),
            text(&t["due_on"]),
            text(&t["status"])
        );
    };
    for t in rows(&v["teams"]) {
        line(&text(&t["team"]), t);
    }
    line("(total)", &v["total"]);
}

fn proficiency(v: &Value) {
    println!("Proficiency ({})", narrowed(v));
    println!(
        "{:<32}  {:>9}  {:>6}  {:>9}  {:>11}  {:>13}  TITLE",
        "EXERCISE", "ATTEMPTED", "PASSED", "FIRST TRY", "MEDIAN TIME", "MEDIAN CHECKS"
    );
    for e in rows(&v["exercises"]) {
        let seconds = e["median_seconds_to_pass"]
            .as_i64()
            .map_or_else(|| "-".to_owned(), |s| format!("{s} s"));
        println!(
            "{:<32}  {:>9}  {:>6}  {:>9}  {:>11}  {:>13}  {}",
            format!("{}/{}", text(&e["scenario"]), text(&e["exercise"])),
            text(&e["attempted"]),
            text(&e["passed"]),
            percent(&e["first_try_rate"]),
            seconds,
            text(&e["median_attempts_to_pass"]),
            text(&e["title"])
        );
    }
}

fn ratings(v: &Value) {
    println!(
        "Useful and usable ({}; means from {} ratings on)",
        narrowed(v),
        text(&v["min_group"])
    );
    println!(
        "{:<32}  {:>7}  {:>6}  {:>6}  TITLE",
        "EXERCISE", "RATINGS", "USEFUL", "USABLE"
    );
    for e in rows(&v["exercises"]) {
        println!(
            "{:<32}  {:>7}  {:>6}  {:>6}  {}",
            format!("{}/{}", text(&e["scenario"]), text(&e["exercise"])),
            text(&e["ratings"]),
            text(&e["useful"]),
            text(&e["usable"]),
            text(&e["title"])
        );
    }
}

fn help(v: &Value) {
    println!("Help between peers ({})", narrowed(v));
    println!(
        "{} calls for help, {} answered ({} %); {} help sessions, {} learners helped, {} min; \
         {} unblocked their learner (median {} min to unblock)",
        text(&v["calls"]),
        text(&v["calls_answered"]),
        text(&v["answered_percent"]),
        text(&v["sessions"]),
        text(&v["learners"]),
        text(&v["minutes"]),
        text(&v["unblocked"]),
        text(&v["median_minutes_to_unblock"])
    );
    println!(
        "{:<24}  {:<10}  {:>8}  {:>8}  {:>7}  {:>9}",
        "HELPER", "ROLE", "SESSIONS", "LEARNERS", "MINUTES", "UNBLOCKED"
    );
    for h in rows(&v["helpers"]) {
        println!(
            "{:<24}  {:<10}  {:>8}  {:>8}  {:>7}  {:>9}",
            text(&h["name"]),
            text(&h["kind"]),
            text(&h["sessions"]),
            text(&h["learners"]),
            text(&h["minutes"]),
            text(&h["unblocked"])
        );
    }
}

fn struggle(v: &Value) {
    println!(
        "Where people struggle ({}; abandoned after {} h without an attempt)",
        narrowed(v),
        text(&v["idle_hours"])
    );
    println!(
        "{:>4}  {:<32}  {:>6}  {:>9}  {:>9}  TITLE",
        "RANK", "EXERCISE", "FAILED", "ABANDONED", "ATTEMPTED"
    );
    for e in rows(&v["exercises"]) {
        println!(
            "{:>4}  {:<32}  {:>6}  {:>9}  {:>9}  {}",
            text(&e["rank"]),
            format!("{}/{}", text(&e["scenario"]), text(&e["exercise"])),
            text(&e["failed_checks"]),
            text(&e["abandoned"]),
            text(&e["attempted"]),
            text(&e["title"])
        );
        for o in rows(&e["failing_outputs"]) {
            println!("{:>10} × {}", text(&o["count"]), text(&o["output"]));
        }
    }
}

fn trend(v: &Value) {
    println!(
        "{:<28}  {:<10}  {:<8}  {:>8}  {:>7}  {:>9}  {:>7}  {:>9}  {:>8}",
        "COHORT",
        "STARTS",
        "PHASE",
        "LEARNERS",
        "STARTED",
        "COMPLETED",
        "SHARE",
        "FIRST TRY",
        "MEDIAN S"
    );
    for c in rows(&v["cohorts"]) {
        println!(
            "{:<28}  {:<10}  {:<8}  {:>8}  {:>7}  {:>9}  {:>7}  {:>9}  {:>8}",
            text(&c["name"]),
            text(&c["starts_at"]).chars().take(10).collect::<String>(),
            text(&c["phase"]),
            text(&c["learners"]),
            text(&c["started"]),
            text(&c["completed"]),
            percent(&c["completed_share"]),
            percent(&c["first_try_rate"]),
            text(&c["median_seconds_to_pass"])
        );
    }
}

fn confidence(v: &Value) {
    println!(
        "Confidence (a group's average shows from {} answers)",
        text(&v["min_group"])
    );
    for q in rows(&v["questions"]) {
        let question = q["text_en"]
            .as_str()
            .or(q["text_fr"].as_str())
            .unwrap_or("-");
        println!("{} {}: {question}", text(&q["phase"]), text(&q["moment"]));
        let scores = |s: &Value| {
            format!(
                "{} answers, average {}",
                text(&s["answers"]),
                text(&s["average"])
            )
        };
        println!("  {:<24}  {}", "(all)", scores(&q["all"]));
        if let Some(teams) = q["teams"].as_object() {
            for (team, s) in teams {
                println!("  {team:<24}  {}", scores(s));
            }
        }
        for c in rows(&q["comments"]) {
            println!("  “{}”", text(c));
        }
    }
}

fn usage(v: &Value) {
    println!(
        "{:<24}  {:<10}  {:>6}  {:>7}  {:>7}",
        "TEAM", "WEEK", "ACTIVE", "SHARE", "TRAINED"
    );
    for w in rows(v) {
        println!(
            "{:<24}  {:<10}  {:>6}  {:>7}  {:>7}",
            text(&w["team"]),
            text(&w["week"]),
            text(&w["active_users"]),
            percent(&w["active_share"]),
            text(&w["trained"])
        );
    }
}
