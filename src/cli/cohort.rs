//! `sandpit cohort …`: a trainer's commands, run against a Sandpit server
//! through its JSON API (`--server`, `--token`).

pub(super) mod client;
mod launch;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use reqwest::Method;
use serde_json::{Value, json};

use crate::timezone::TimeZone;
use client::{Client, Remote, when};
use launch::{launch, progress_line};

#[derive(Debug, Args)]
pub struct CohortArgs {
    #[command(flatten)]
    pub remote: Remote,
    #[command(subcommand)]
    pub command: CohortCommand,
}

#[derive(Debug, Subcommand)]
pub enum CohortCommand {
    /// Create a cohort from a roster file or a number of seats, and print its links.
    #[command(group(clap::ArgGroup::new("learners").required(true)))]
    Create {
        #[arg(long)]
        name: String,
        /// A scenario id (see `sandpit scenario list`).
        #[arg(long)]
        scenario: String,
        /// RFC 3339 (2030-01-31T09:00:00Z), `now`, or from now: `+30m`, `+2h`, `+1d`.
        #[arg(long)]
        starts_at: String,
        /// Like --starts-at.
        #[arg(long)]
        ends_at: String,
        /// One learner per line (`Name`, `email`, `Name <email>`) or CSV `name,email,team`.
        #[arg(long, group = "learners")]
        roster_file: Option<PathBuf>,
        /// A number of anonymous seats.
        #[arg(long, group = "learners")]
        seats: Option<u32>,
        /// Warm sandboxes beyond the roster [server default: 1].
        #[arg(long)]
        spare: Option<u32>,
        /// A cap on this cohort's live sandboxes.
        #[arg(long)]
        max_sandboxes: Option<u32>,
        /// The IANA time zone its times are shown and exported in
        /// (Europe/Paris) [server default: its `time_zone`].
        #[arg(long, value_parser = time_zone)]
        time_zone: Option<TimeZone>,
    },
    /// Launch a cohort's warm pool.
    Launch {
        id: String,
        /// Wait until every sandbox is ready, with a progress bar on stderr.
        #[arg(long)]
        wait: bool,
        /// The longest --wait waits, in seconds.
        #[arg(long, default_value_t = 900)]
        timeout: u64,
    },
    /// Show a cohort and its pool.
    Status { id: String },
    /// Download a cohort's attempts, completions or xAPI statements.
    Export {
        id: String,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long, value_enum, default_value_t = ExportWhat::Attempts)]
        what: ExportWhat,
        /// Write to this file instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// The cells' separator in CSV (UTF-8 with a byte order mark).
        #[arg(long, value_enum, default_value_t = CsvSeparator::Semicolon)]
        sep: CsvSeparator,
    },
    /// End a cohort: remove all its sandboxes (records stay).
    Teardown { id: String },
    /// Archive a cohort that is over: out of `list`, records kept.
    Archive { id: String },
    /// Take a cohort out of the archive.
    Restore { id: String },
    /// List your cohorts (all of them for an admin), with their progress.
    List {
        /// List the archived cohorts instead.
        #[arg(long)]
        archived: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Xapi,
}

/// `;` for spreadsheets set for French (and most European languages), `,`
/// for those set for English.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CsvSeparator {
    Semicolon,
    Comma,
}

/// `--time-zone`: an IANA name, checked before anything is sent.
fn time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::parse(name).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportWhat {
    Attempts,
    Completions,
}

pub(super) fn print_json(v: &Value) {
    println!("{v}");
}

/// An RFC 3339 time from the server, shortened for a terminal, in the
/// cohort's time zone (`zone`, its name; UTC when the server gave none).
fn time(v: &Value, zone: &Value) -> String {
    let zone = zone
        .as_str()
        .and_then(|z| TimeZone::parse(z).ok())
        .unwrap_or(TimeZone::UTC);
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map_or_else(|| text(v), |t| zone.display(t.with_timezone(&chrono::Utc)))
}

/// A JSON value as a terminal shows it: `-` for null, strings unquoted.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
pub async fn run(args: CohortArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.remote)?;
    let json = args.remote.json;
    let archive = matches!(args.command, CohortCommand::Archive { .. });
    match args.command {
        CohortCommand::Create {
            name,
            scenario,
            starts_at,
            ends_at,
            roster_file,
            seats,
            spare,
            max_sandboxes,
            time_zone,
        } => {
            let mut body = json!({
                "name": name,
                "scenario": scenario,
                "starts_at": when(&starts_at)?,
                "ends_at": when(&ends_at)?,
            });
            if let Some(path) = roster_file {
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("reading the roster {}", path.display()))?;
                let roster = crate::tabular::decode(&bytes)
                    .with_context(|| format!("reading the roster {}", path.display()))?;
                body["roster_text"] = roster.into_owned().into();
            }
            if let Some(n) = seats {
                body["seats"] = n.into();
            }
            if let Some(n) = spare {
                body["spare"] = n.into();
            }
            if let Some(n) = max_sandboxes {
                body["max_sandboxes"] = n.into();
            }
            if let Some(zone) = time_zone {
                body["time_zone"] = zone.name().into();
            }
            let cohort = client.json(Method::POST, "/cohorts", Some(&body)).await?;
            if json {
                print_json(&cohort);
            } else {
                println!(
                    "Created cohort `{}` ({}), id {}",
                    text(&cohort["name"]),
                    text(&cohort["scenario"]),
                    text(&cohort["id"])
                );
                for l in cohort["learners"].as_array().into_iter().flatten() {
                    println!(
                        "{:>4}  {:<30}  {}",
                        text(&l["position"]),
                        text(&l["name"]),
                        text(&l["link"])
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CohortCommand::Launch { id, wait, timeout } => {
            launch(&client, &id, wait, Duration::from_secs(timeout), json).await
        }
        CohortCommand::Status { id } => {
            let cohort = client
                .json(Method::GET, &format!("/cohorts/{id}"), None)
                .await?;
            if json {
                print_json(&cohort);
            } else {
                let pool = &cohort["pool"];
                println!("{} ({})", text(&cohort["name"]), text(&cohort["id"]));
                println!("  scenario  {}", text(&cohort["scenario"]));
                println!("  state     {}", text(&cohort["state"]));
                println!(
                    "  runs      {} → {}",
                    time(&cohort["starts_at"], &cohort["time_zone"]),
                    time(&cohort["ends_at"], &cohort["time_zone"])
                );
                println!("  time zone {}", text(&cohort["time_zone"]));
                println!("  learners  {}", text(&cohort["learner_count"]));
                println!("  pool      {}", progress_line(pool));
                if let Some(f) = pool["failing"].as_str() {
                    println!("  failing   {f}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CohortCommand::Export {
            id,
            format,
            what,
            output,
            sep,
        } => export(&client, &id, (format, what, sep), output, json).await,
        CohortCommand::Teardown { id } => {
            let report = client
                .json(Method::POST, &format!("/cohorts/{id}/teardown"), None)
                .await?;
            let failed = report["failed"].as_array().cloned().unwrap_or_default();
            if json {
                print_json(&report);
            } else {
                println!("Removed {} sandboxes.", text(&report["removed"]));
                for f in &failed {
                    eprintln!(
                        "could not remove {}: {}",
                        text(&f["sandbox"]),
                        text(&f["error"])
                    );
                }
            }
            if failed.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                anyhow::bail!(
                    "{} sandboxes could not be removed; run the teardown again",
                    failed.len()
                )
            }
        }
        CohortCommand::Archive { id } | CohortCommand::Restore { id } => {
            let (action, done) = if archive {
                ("archive", "Archived")
            } else {
                ("restore", "Restored")
            };
            let cohort = client
                .json(Method::POST, &format!("/cohorts/{id}/{action}"), None)
                .await?;
            if json {
                print_json(&cohort);
            } else {
                println!("{done} cohort `{}`.", text(&cohort["name"]));
            }
            Ok(ExitCode::SUCCESS)
        }
        CohortCommand::List { archived } => {
            let path = if archived {
                "/cohorts?archived=true"
            } else {
                "/cohorts"
            };
            let cohorts = client.json(Method::GET, path, None).await?;
            if json {
                print_json(&cohorts);
            } else {
                println!(
                    "{:<36}  {:<10}  {:>8}  {:<16}  {:<22}  {:<18}  {:>5}  NAME",
                    "ID", "STATE", "LEARNERS", "SCENARIO", "STARTS", "PROGRESS", "STUCK"
                );
                for c in cohorts.as_array().into_iter().flatten() {
                    let p = &c["progress"];
                    let progress = format!(
                        "{}/{} steps {}%",
                        text(&p["steps_passed"]),
                        text(&p["steps_total"]),
                        text(&p["percent"])
                    );
                    println!(
                        "{:<36}  {:<10}  {:>8}  {:<16}  {:<22}  {:<18}  {:>5}  {}",
                        text(&c["id"]),
                        text(&c["state"]),
                        text(&c["learner_count"]),
                        text(&c["scenario"]),
                        time(&c["starts_at"], &c["time_zone"]),
                        progress,
                        text(&p["stuck"]),
                        text(&c["name"])
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
async fn export(
    client: &Client,
    id: &str,
    (format, what, sep): (ExportFormat, ExportWhat, CsvSeparator),
    output: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let what = match what {
        ExportWhat::Attempts => "attempts",
        ExportWhat::Completions => "completions",
    };
    let file = match format {
        ExportFormat::Csv => format!("{what}.csv"),
        ExportFormat::Json => format!("{what}.json"),
        ExportFormat::Xapi => "xapi.json".to_owned(),
    };
    let query = match (format, sep) {
        (ExportFormat::Csv, CsvSeparator::Comma) => "?sep=comma",
        (ExportFormat::Csv, CsvSeparator::Semicolon) => "?sep=semicolon",
        _ => "",
    };
    let bytes = client
        .send(
            Method::GET,
            &format!("/cohorts/{id}/export/{file}{query}"),
            None,
        )
        .await?
        .bytes()
        .await
        .context("reading the export")?;
    match output {
        Some(path) => {
            std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            if json {
                print_json(&json!({ "path": path, "bytes": bytes.len(), "file": file }));
            } else {
                eprintln!("Wrote {} bytes to {}.", bytes.len(), path.display());
            }
        }
        None if json && matches!(format, ExportFormat::Csv) => {
            let content = String::from_utf8_lossy(&bytes);
            print_json(&json!({ "file": file, "content": content }));
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
