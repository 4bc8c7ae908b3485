//! `sandpit programme …`: a change lead's commands, run against a Sandpit
//! server through its JSON API (`--server`, `--token`), as `sandpit
//! cohort` does: programmes, their impact study, phases, pulse questions,
//! the real tool's use, and the indicators.

mod api;
mod indicators;
mod parse;
mod show;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::cohort::client::{Client, Remote};
use super::cohort::{print_json, text};
use crate::timezone::TimeZone;
use api::{Api, segment};
use parse::{ImpactArg, PlannedPhase, ScenarioPhase};

#[derive(Debug, Args)]
pub struct ProgrammeArgs {
    #[command(flatten)]
    pub remote: Remote,
    /// The language of the server's messages, such as an import's bad lines.
    #[arg(long, global = true, value_parser = ["en", "fr"])]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: ProgrammeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// Create a programme (you lead it); it starts in its first phase.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        summary: String,
        /// The IANA time zone its days are counted in [server default: its `time_zone`].
        #[arg(long, value_parser = time_zone)]
        time_zone: Option<TimeZone>,
        /// A scenario serving it and its phase, such as `wiki-basics:realise`; repeat for more.
        #[arg(long = "scenario", value_name = "SCENARIO:PHASE", value_parser = parse::scenario_phase)]
        scenarios: Vec<ScenarioPhase>,
        /// A phase's planned dates, such as `realise:2030-03-01:2030-04-30`
        /// (either date may be left empty); repeat for more.
        #[arg(long = "phase", value_name = "PHASE:START:END", value_parser = parse::planned_phase)]
        phases: Vec<PlannedPhase>,
    },
    /// List the programmes you lead or train in (all of them for an admin).
    List,
    /// Show a programme: its phases and scenarios.
    Show {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
    },
    /// Move a programme into a phase today (the phase it leaves ends today).
    Phase {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
        /// prepare, engage, realise or anchor.
        #[arg(value_parser = parse::phase)]
        phase: &'static str,
    },
    /// Import and list the teams of the impact study.
    #[command(subcommand)]
    Teams(TeamsCommand),
    /// Import the people of the impact study.
    #[command(subcommand)]
    People(PeopleCommand),
    /// Replace a team's impacts: per scenario, its impact and whether (and by when) it is required.
    Impacts {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
        /// The team's name.
        team: String,
        /// `SCENARIO:LEVEL[:DUE]`: LEVEL is none, low or high; DUE, a date
        /// (YYYY-MM-DD) or `required`, makes it required of the team's
        /// people; repeat for more scenarios.
        #[arg(long = "scenario", value_name = "SCENARIO:LEVEL[:DUE]", required = true, value_parser = parse::impact)]
        impacts: Vec<ImpactArg>,
    },
    /// Put one of your cohorts in a phase of a programme.
    Attach {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
        /// The cohort's id.
        #[arg(value_parser = parse::id)]
        cohort: Uuid,
        #[arg(long, value_parser = parse::phase)]
        phase: &'static str,
    },
    /// Add and list pulse questions.
    #[command(subcommand)]
    Pulse(PulseCommand),
    /// Record the real tool's active users: one team and week, or a CSV file of them.
    #[command(group(ArgGroup::new("figures").required(true).args(["team", "file"])))]
    Usage {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
        /// The team's name.
        #[arg(long, requires_all = ["week", "active"])]
        team: Option<String>,
        /// Any day of the week (YYYY-MM-DD).
        #[arg(long, value_parser = parse::date, requires = "team")]
        week: Option<chrono::NaiveDate>,
        /// Active users that week.
        #[arg(long, requires = "team")]
        active: Option<u32>,
        /// A CSV file with the columns team, week, active_users (English or French), `,` or `;`.
        #[arg(long, conflicts_with = "team")]
        file: Option<PathBuf>,
    },
    /// Read an indicator: reach, proficiency, struggle, trend, confidence, usage, ratings or help.
    Indicators(indicators::IndicatorsArgs),
}

#[derive(Debug, Subcommand)]
pub enum TeamsCommand {
    /// Add or update teams from a CSV file (UTF-8 or Windows-1252, `,` or `;`), all or nothing.
    Import {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
        /// Columns: name, kind (business or support), site, headcount, maturity (1–5).
        file: PathBuf,
    },
    /// The teams, their headcount, maturity, people and impacts.
    List {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Add people, or update those known by e-mail address, from a CSV file, all or nothing.
    Import {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
        /// Columns: name, email, team (one of the programme's teams).
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PulseCommand {
    /// Add a question asked of a phase's learners, before their first exercise or after their last.
    #[command(group(ArgGroup::new("text").required(true).multiple(true).args(["en", "fr"])))]
    Add {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
        #[arg(long, value_parser = parse::phase)]
        phase: &'static str,
        /// before or after.
        #[arg(long, value_parser = parse::moment)]
        moment: &'static str,
        /// The question in English.
        #[arg(long)]
        en: Option<String>,
        /// The question in French.
        #[arg(long)]
        fr: Option<String>,
    },
    /// The programme's pulse questions.
    List {
        /// The programme's id (`sandpit programme list`).
        #[arg(value_parser = parse::id)]
        id: Uuid,
    },
}

/// `--time-zone`: an IANA name, checked before anything is sent.
fn time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::parse(name).map_err(|e| e.to_string())
}

pub async fn run(args: ProgrammeArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.remote)?.in_language(args.lang.as_deref());
    let api = Api { client };
    let json = args.remote.json;
    match args.command {
        ProgrammeCommand::Create {
            name,
            summary,
            time_zone,
            scenarios,
            phases,
        } => {
            let mut body = json!({
                "name": name,
                "summary": summary,
                "scenarios": scenarios,
                "phases": phases,
            });
            if let Some(zone) = time_zone {
                body["time_zone"] = zone.name().into();
            }
            let p = api
                .client
                .json(Method::POST, "/programmes", Some(&body))
                .await?;
            if json {
                print_json(&p);
            } else {
                println!(
                    "Created programme `{}`, id {}",
                    text(&p["name"]),
                    text(&p["id"])
                );
                show::programme(&p);
            }
        }
        ProgrammeCommand::List => {
            let list = api.client.json(Method::GET, "/programmes", None).await?;
            if json {
                print_json(&list);
            } else {
                show::programmes(&list);
            }
        }
        ProgrammeCommand::Show { id } => {
            let p = api.json(Method::GET, id, "", None).await?;
            if json {
                print_json(&p);
            } else {
                show::programme(&p);
            }
        }
        ProgrammeCommand::Phase { id, phase } => {
            let body = json!({ "phase": phase });
            let p = api.json(Method::PUT, id, "/phase", Some(&body)).await?;
            if json {
                print_json(&p);
            } else {
                println!(
                    "Programme `{}` is now in phase {}.",
                    text(&p["name"]),
                    text(&p["phase"])
                );
            }
        }
        ProgrammeCommand::Teams(TeamsCommand::Import { id, file }) => {
            let counts = api.import(id, "teams.csv", &file).await?;
            imported(&counts, "teams", &file, json);
        }
        ProgrammeCommand::People(PeopleCommand::Import { id, file }) => {
            let counts = api.import(id, "people.csv", &file).await?;
            imported(&counts, "people", &file, json);
        }
        ProgrammeCommand::Teams(TeamsCommand::List { id }) => {
            let teams = api.json(Method::GET, id, "/teams", None).await?;
            if json {
                print_json(&teams);
            } else {
                show::teams(&teams);
            }
        }
        ProgrammeCommand::Impacts { id, team, impacts } => {
            let body = serde_json::to_value(&impacts)?;
            let path = format!("/teams/{}/impacts", segment(&team));
            api.send(Method::PUT, id, &path, Some(&body)).await?;
            // The team as the server now has it.
            let teams = api.json(Method::GET, id, "/teams", None).await?;
            let set = teams
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| {
                    t["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(team.trim()))
                })
                .cloned()
                .unwrap_or(Value::Null);
            if json {
                print_json(&set);
            } else {
                println!(
                    "Team `{}` now: {}",
                    text(&set["name"]),
                    show::impacts(&set["impacts"])
                );
            }
        }
        ProgrammeCommand::Attach { id, cohort, phase } => {
            let body = json!({ "phase": phase });
            api.send(Method::PUT, id, &format!("/cohorts/{cohort}"), Some(&body))
                .await?;
            if json {
                print_json(&json!({ "programme": id, "cohort": cohort, "phase": phase }));
            } else {
                println!("Cohort {cohort} is in phase {phase} of programme {id}.");
            }
        }
        ProgrammeCommand::Pulse(PulseCommand::Add {
            id,
            phase,
            moment,
            en,
            fr,
        }) => {
            let body = json!({ "phase": phase, "moment": moment, "text_en": en, "text_fr": fr });
            let q = api.json(Method::POST, id, "/pulses", Some(&body)).await?;
            if json {
                print_json(&q);
            } else {
                println!(
                    "Added pulse question {} ({}, {}).",
                    text(&q["id"]),
                    text(&q["phase"]),
                    text(&q["moment"])
                );
            }
        }
        ProgrammeCommand::Pulse(PulseCommand::List { id }) => {
            let questions = api.json(Method::GET, id, "/pulses", None).await?;
            if json {
                print_json(&questions);
            } else {
                show::pulses(&questions);
            }
        }
        ProgrammeCommand::Usage {
            id,
            team,
            week,
            active,
            file,
        } => {
            // A file goes as it is to the server, which reads it (any
            // encoding, either separator) and names every bad line.
            let recorded = match (file, team, week, active) {
                (Some(file), ..) => api.import(id, "usage.csv", &file).await?,
                (None, Some(team), Some(week), Some(active_users)) => {
                    let body = serde_json::json!([{
                        "team": team,
                        "week": week,
                        "active_users": active_users,
                    }]);
                    api.json(Method::POST, id, "/usage", Some(&body)).await?
                }
                _ => anyhow::bail!("give --team, --week and --active, or --file"),
            };
            if json {
                print_json(&recorded);
            } else {
                println!("Recorded {} weekly figures.", text(&recorded["recorded"]));
            }
        }
        ProgrammeCommand::Indicators(args) => {
            return indicators::run(&api, args, json).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn imported(counts: &Value, what: &str, file: &Path, json: bool) {
    if json {
        print_json(counts);
    } else {
        println!(
            "Imported {what} from {}: {} added, {} updated.",
            file.display(),
            text(&counts["added"]),
            text(&counts["updated"])
        );
    }
}
