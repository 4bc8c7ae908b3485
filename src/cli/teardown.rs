//! `sandpit teardown`: an admin tears down one cohort, one sandbox or
//! everything on a running server, through the API, and reads the report.

use std::process::ExitCode;

use clap::{ArgGroup, Args};
use reqwest::Method;
use serde_json::{Value, json};

use super::cohort::client::{Client, Remote};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["cohort", "sandbox", "all"])))]
pub struct TeardownArgs {
    #[command(flatten)]
    pub remote: Remote,
    /// Tear down this cohort (its id).
    #[arg(long)]
    pub cohort: Option<String>,
    /// Tear down this sandbox (its id).
    #[arg(long)]
    pub sandbox: Option<String>,
    /// End every cohort and remove every sandbox.
    #[arg(long)]
    pub all: bool,
}

pub async fn run(args: TeardownArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.remote)?;
    let (what, report) = if let Some(cohort) = &args.cohort {
        eprintln!("tearing down cohort {cohort}…");
        let path = format!("/admin/cohorts/{}/teardown", segment(cohort)?);
        ("cohort", client.json(Method::POST, &path, None).await?)
    } else if let Some(sandbox) = &args.sandbox {
        eprintln!("tearing down sandbox {sandbox}…");
        let path = format!("/admin/sandboxes/{}/teardown", segment(sandbox)?);
        ("sandbox", client.json(Method::POST, &path, None).await?)
    } else {
        eprintln!("tearing down every cohort and every sandbox…");
        let body = json!({"confirm": "everything"});
        (
            "all",
            client
                .json(Method::POST, "/admin/teardown-all", Some(&body))
                .await?,
        )
    };
    // The kept reports, with their resource-hours.
    let ids: Vec<i64> = match what {
        "all" => report["reports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .collect(),
        _ => report["report_id"].as_i64().into_iter().collect(),
    };
    let mut kept = Vec::new();
    for id in ids {
        eprintln!("reading report {id}…");
        kept.push(
            client
                .json(Method::GET, &format!("/admin/teardowns/{id}"), None)
                .await?,
        );
    }
    let failed = report["failed"].as_array().map_or(0, Vec::len);
    if args.remote.json {
        println!("{}", json!({"teardown": report, "reports": kept}));
    } else {
        println!("removed: {}", report["removed"].as_u64().unwrap_or(0));
        for r in &kept {
            let name = r["cohort_name"]
                .as_str()
                .or(r["sandbox_id"].as_str())
                .unwrap_or("no cohort");
            println!(
                "report {} ({} {name}): {} removed, {:.3} GiB·h memory, {:.3} CPU·h",
                r["id"],
                r["scope"].as_str().unwrap_or_default(),
                r["removed"],
                r["memory_gib_hours"].as_f64().unwrap_or(0.0),
                r["cpu_hours"].as_f64().unwrap_or(0.0),
            );
        }
        for f in report["failed"].as_array().into_iter().flatten() {
            println!(
                "not removed: {} ({})",
                f["sandbox"].as_str().unwrap_or_default(),
                f["error"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// An id as a path segment: a UUID, nothing that could change the path.
fn segment(id: &str) -> anyhow::Result<String> {
    let id = id.trim();
    uuid::Uuid::parse_str(id)
        .map(|u| u.to_string())
        .map_err(|_| anyhow::anyhow!("`{id}` is not an id (a UUID)"))
}
