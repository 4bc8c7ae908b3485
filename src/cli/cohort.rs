//! `sandpit cohort …`: a trainer's commands, run against a Sandpit server
//! through its JSON API (`--server`, `--token`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Debug, Args)]
pub struct CohortArgs {
    /// The Sandpit server to talk to.
    #[arg(
        long,
        global = true,
        env = "SANDPIT_SERVER",
        default_value = "http://localhost:8080"
    )]
    pub server: String,
    /// An API token (`sandpit token create`).
    #[arg(long, global = true, env = "SANDPIT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
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
    },
    /// End a cohort: remove all its sandboxes (records stay).
    Teardown { id: String },
    /// List your cohorts (all of them for an admin).
    List,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Xapi,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportWhat {
    Attempts,
    Completions,
}

/// The API, as one trainer.
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    fn new(args: &CohortArgs) -> anyhow::Result<Self> {
        let base = args.server.trim_end_matches('/').to_owned();
        if !base.starts_with("http://") {
            anyhow::bail!(
                "--server must be an http:// URL (this build speaks plain HTTP; put Sandpit behind a local TLS proxy for https), not `{base}`"
            );
        }
        let token = args.token.clone().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            anyhow::anyhow!(
                "no API token: pass --token or set SANDPIT_TOKEN (an admin makes one with `sandpit token create --user NAME --name LABEL`)"
            )
        })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(600))
            .build()?;
        Ok(Self {
            http,
            base,
            token: token.trim().to_owned(),
        })
    }

    /// Sends a request; a non-2xx answer becomes an error with the server's message.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<reqwest::Response> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach Sandpit at {}", self.base))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        let mut message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("the server answered {status}: {}", text.trim()));
        if status == StatusCode::TOO_MANY_REQUESTS
            && let Some(secs) = retry
        {
            message.push_str(&format!(" (try again in {secs} s)"));
        }
        Err(anyhow::anyhow!(message))
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let response = self.send(method, path, body).await?;
        response.json().await.context("reading the server's answer")
    }
}

/// `now`, `+90m`, `+2h`, `+1d`, or RFC 3339 as it is.
fn when(s: &str) -> anyhow::Result<String> {
    let s = s.trim();
    let now = chrono::Utc::now();
    if s == "now" {
        return Ok(now.to_rfc3339());
    }
    if let Some(rel) = s.strip_prefix('+') {
        let (n, unit) = rel.split_at(rel.len().saturating_sub(1));
        let n: i64 = n
            .parse()
            .with_context(|| format!("`{s}` is not a time: use RFC 3339, `now` or `+2h`"))?;
        let delta = match unit {
            "m" => chrono::TimeDelta::minutes(n),
            "h" => chrono::TimeDelta::hours(n),
            "d" => chrono::TimeDelta::days(n),
            _ => anyhow::bail!("`{s}`: a relative time ends in m, h or d"),
        };
        return Ok((now + delta).to_rfc3339());
    }
    // The server checks RFC 3339 and names the field.
    Ok(s.to_owned())
}

fn print_json(v: &Value) {
    println!("{v}");
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub async fn run(args: CohortArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args)?;
    let json = args.json;
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
        } => {
            let mut body = json!({
                "name": name,
                "scenario": scenario,
                "starts_at": when(&starts_at)?,
                "ends_at": when(&ends_at)?,
            });
            if let Some(path) = roster_file {
                let roster = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading the roster {}", path.display()))?;
                body["roster_text"] = roster.into();
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
                    text(&cohort["starts_at"]),
                    text(&cohort["ends_at"])
                );
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
        } => export(&client, &id, format, what, output, json).await,
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
        CohortCommand::List => {
            let cohorts = client.json(Method::GET, "/cohorts", None).await?;
            if json {
                print_json(&cohorts);
            } else {
                println!(
                    "{:<36}  {:<10}  {:>8}  {:<16}  {:<20}  NAME",
                    "ID", "STATE", "LEARNERS", "SCENARIO", "STARTS"
                );
                for c in cohorts.as_array().into_iter().flatten() {
                    println!(
                        "{:<36}  {:<10}  {:>8}  {:<16}  {:<20}  {}",
                        text(&c["id"]),
                        text(&c["state"]),
                        text(&c["learner_count"]),
                        text(&c["scenario"]),
                        text(&c["starts_at"]),
                        text(&c["name"])
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn count(v: &Value, key: &str) -> u64 {
    v["counts"][key].as_u64().unwrap_or(0)
}

/// `[#####-----] 12/20 ready · 8 provisioning · 0 failed`
fn progress_line(status: &Value) -> String {
    const WIDTH: u64 = 30;
    let target = status["target"].as_u64().unwrap_or(0);
    let ready = count(status, "ready");
    let filled = (ready.min(target) * WIDTH).checked_div(target).unwrap_or(0) as usize;
    format!(
        "[{}{}] {ready}/{target} ready · {} provisioning · {} failed",
        "#".repeat(filled),
        "-".repeat(WIDTH as usize - filled),
        count(status, "provisioning"),
        count(status, "failed"),
    )
}

async fn launch(
    client: &Client,
    id: &str,
    wait: bool,
    timeout: Duration,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let reservation = client
        .json(Method::POST, &format!("/cohorts/{id}/launch"), None)
        .await?;
    let refused = reservation["refused"].as_u64().unwrap_or(0);
    if !json {
        println!(
            "Launching: {} sandboxes starting.",
            text(&reservation["started"])
        );
    }
    if refused > 0 {
        eprintln!(
            "{refused} sandboxes refused: {}",
            text(&reservation["refusal"])
        );
    }
    if !wait {
        if json {
            print_json(&reservation);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last = String::new();
    let status = loop {
        let status = client
            .json(Method::GET, &format!("/cohorts/{id}/status"), None)
            .await?;
        let line = progress_line(&status);
        if tty {
            eprint!("\r{line}\x1b[K");
            let _ = std::io::stderr().flush();
        } else if line != last {
            eprintln!("{line}");
        }
        last = line;
        let (ready, provisioning) = (count(&status, "ready"), count(&status, "provisioning"));
        let target = status["target"].as_u64().unwrap_or(0);
        if let Some(reason) = status["failing"].as_str() {
            if tty {
                eprintln!();
            }
            anyhow::bail!("provisioning keeps failing: {reason}");
        }
        if provisioning == 0 && (ready >= target || refused > 0) {
            break status;
        }
        if started.elapsed() >= timeout {
            if tty {
                eprintln!();
            }
            anyhow::bail!(
                "gave up waiting after {} s: {ready} of {target} sandboxes ready",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    if tty {
        eprintln!();
    }
    let (ready, target) = (
        count(&status, "ready"),
        status["target"].as_u64().unwrap_or(0),
    );
    if json {
        print_json(&json!({ "reservation": reservation, "status": status }));
    } else {
        println!("{ready} of {target} sandboxes ready.");
    }
    if ready < target {
        anyhow::bail!(
            "only {ready} of {target} sandboxes are ready: {}",
            text(&reservation["refusal"])
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(
    client: &Client,
    id: &str,
    format: ExportFormat,
    what: ExportWhat,
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
    let bytes = client
        .send(Method::GET, &format!("/cohorts/{id}/export/{file}"), None)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_are_from_now() {
        let t = chrono::DateTime::parse_from_rfc3339(&when("+2h").unwrap()).unwrap();
        let d = t.with_timezone(&chrono::Utc) - chrono::Utc::now();
        assert!(d > chrono::TimeDelta::minutes(119) && d <= chrono::TimeDelta::hours(2));
        assert_eq!(
            when("2030-01-01T09:00:00Z").unwrap(),
            "2030-01-01T09:00:00Z"
        );
        assert!(when("+2y").is_err());
        assert!(when("+h").is_err());
    }

    #[test]
    fn the_bar_fills_with_ready_sandboxes() {
        let s = json!({ "target": 20, "counts": { "ready": 10, "provisioning": 8, "failed": 1 } });
        assert_eq!(
            progress_line(&s),
            format!(
                "[{}{}] 10/20 ready · 8 provisioning · 1 failed",
                "#".repeat(15),
                "-".repeat(15)
            )
        );
    }
}
