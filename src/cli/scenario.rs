//! `sandpit scenario …`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::Config;
use crate::sandbox::{ExerciseProof, Step};

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// List the scenarios Sandpit would serve (and the ones it rejects).
    List,
    /// Validate scenario directories (all configured scenarios when none are named).
    Validate { dirs: Vec<PathBuf> },
    /// Prove a scenario sound in a real sandbox: each check fails, its solve
    /// runs, the check passes. Removes everything it made.
    Test {
        id: String,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: ScenarioCommand, config: Config) -> anyhow::Result<ExitCode> {
    match cmd {
        ScenarioCommand::List => list(&config),
        ScenarioCommand::Validate { dirs } => validate(&config, &dirs),
        ScenarioCommand::Test { id, json } => test(config, &id, json).await,
    }
}

fn list(config: &Config) -> anyhow::Result<ExitCode> {
    let images = crate::app::image_catalog(config)?;
    let (ok, bad) = crate::app::load_scenarios(config, &images)?;
    println!(
        "{:<24} {:<8} {:>9} {:>6}  TITLE",
        "ID", "IMAGE", "EXERCISES", "LIMIT"
    );
    for s in &ok {
        let limit = format!("{}m", s.time_limit.as_secs() / 60);
        println!(
            "{:<24} {:<8} {:>9} {:>6}  {}",
            s.id,
            s.image,
            s.exercises.len(),
            limit,
            s.title.main()
        );
    }
    for e in &bad {
        eprintln!("invalid: {e}");
    }
    Ok(if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn validate(config: &Config, dirs: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let images = crate::app::image_catalog(config)?;
    let names = images.names().map(str::to_owned).collect();
    let results: Vec<_> = if dirs.is_empty() {
        let (ok, bad) = crate::app::load_scenarios(config, &images)?;
        ok.into_iter()
            .map(Ok)
            .chain(bad.into_iter().map(Err))
            .collect()
    } else {
        dirs.iter()
            .map(|d| crate::scenario::load_dir(d, Some(&names)))
            .collect()
    };
    let mut failed = false;
    for r in results {
        match r {
            Ok(s) => println!("ok: {} ({} exercises)", s.id, s.exercises.len()),
            Err(e) => {
                failed = true;
                println!("invalid: {e}");
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

fn cell(step: &Option<Step>) -> String {
    match step {
        None => "-".into(),
        Some(s) => {
            let word = s.summary.split(':').next().unwrap_or_default();
            format!(
                "{}{word} {}",
                if s.ok { "" } else { "✗ " },
                secs(s.duration)
            )
        }
    }
}

fn print_row(p: &ExerciseProof) {
    println!(
        "{:<24} {:<14} {:<14} {:<14}",
        p.exercise,
        cell(&p.check_before),
        cell(&p.solve),
        cell(&p.check_after)
    );
    for (what, step) in [
        ("check before", &p.check_before),
        ("solve", &p.solve),
        ("check after", &p.check_after),
    ] {
        if let Some(s) = step.as_ref().filter(|s| !s.ok) {
            println!("    ✗ {what}: {}", s.summary);
        }
    }
}

async fn test(config: Config, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    let scenario = app.scenario(id)?.clone();
    app.ensure_image(&scenario, &super::print_progress).await?;

    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "interrupted: finishing the current step, then removing the sandbox (Ctrl-C again to abandon)"
            );
            on_signal.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });

    if !json {
        println!(
            "scenario {} ({}): {} exercises",
            scenario.id,
            scenario.title.main(),
            scenario.exercises.len()
        );
        println!(
            "{:<24} {:<14} {:<14} {:<14}",
            "EXERCISE", "CHECK BEFORE", "SOLVE", "CHECK AFTER"
        );
    }
    let report = crate::sandbox::prove(&app.service, &scenario, &cancel, &|p| {
        if !json {
            print_row(p);
        }
    })
    .await;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "provisioned in {}; sandbox removed: {}",
            secs(report.provision),
            if report.cleaned_up { "yes" } else { "NO" }
        );
        if let Some(e) = &report.error {
            println!("error: {e}");
        }
        let passed = report.exercises.iter().filter(|p| p.passed()).count();
        println!(
            "{}: {passed} of {} exercises proven",
            if report.passed() { "PASSED" } else { "FAILED" },
            scenario.exercises.len()
        );
    }
    app.store.close().await;
    Ok(
        if report.passed() && report.exercises.len() == scenario.exercises.len() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
