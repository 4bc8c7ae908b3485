//! The command line: `sandpit <command>`.

mod backup;
mod cohort;
mod demo;
mod host;
mod images;
mod programme;
mod scenario;
mod serve;
mod serving;
mod teardown;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;

/// Sandpit: throwaway, seeded, checked sandboxes for training on a new tool.
#[derive(Debug, Parser)]
#[command(name = "sandpit", version, about)]
pub struct Cli {
    /// A TOML configuration file (settings there are overridden by SANDPIT_* variables).
    #[arg(long, global = true, env = "SANDPIT_CONFIG")]
    pub config: Option<PathBuf>,
    /// The data directory: store, recordings, unpacked scenarios [default: ./sandpit-data].
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, validate and test scenarios.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// Build the images scenarios run in.
    #[command(subcommand)]
    Images(images::ImagesCommand),
    /// Keep sandboxes off this host's services: the one step needing root.
    #[command(subcommand)]
    Host(host::HostCommand),
    /// Serve learners' pages, terminals and tools over HTTP.
    Serve(serve::ServeArgs),
    /// Create learner links.
    #[command(subcommand)]
    Link(serve::LinkCommand),
    /// Manage trainer and admin accounts (in the data directory).
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage API tokens (in the data directory).
    #[command(subcommand)]
    Token(user::TokenCommand),
    /// Create, launch, watch, export and tear down cohorts on a running server.
    Cohort(cohort::CohortArgs),
    /// Lead change programmes on a running server: impact study, phases, pulses, usage, indicators.
    Programme(programme::ProgrammeArgs),
    /// Tear down a cohort, a sandbox or everything on a running server (admins).
    Teardown(teardown::TeardownArgs),
    /// Load a made-up change programme to look around (in the data directory), or remove it.
    Demo(demo::DemoArgs),
    /// Back the data directory up into one archive, while the server runs.
    Backup(backup::BackupArgs),
    /// Restore a backup into the data directory (the server stopped).
    Restore(backup::RestoreArgs),
}

/// This build's version and the newest store schema it knows, as
/// `--version` and `/healthz` say them.
pub fn version() -> String {
    format!(
        "{} (store schema {})",
        env!("CARGO_PKG_VERSION"),
        crate::store::Store::schema()
    )
}

/// Logs go to stderr; RUST_LOG sets the level (default: info);
/// SANDPIT_LOG_FORMAT=json makes them JSON.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // SANDPIT_LOG_FORMAT=json: one JSON object per line, fields and the
    // request's span (with its id) included, for log collectors.
    if std::env::var("SANDPIT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

/// Runs a parsed command line and returns the process's exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let result = async {
        let mut config = Config::load(cli.config.as_deref())?;
        if let Some(dir) = cli.data_dir {
            config.data_dir = dir;
        }
        match cli.command {
            Command::Scenario(cmd) => scenario::run(cmd, config).await,
            Command::Images(cmd) => images::run(cmd, config).await,
            Command::Host(cmd) => host::run(cmd, config).await,
            Command::Serve(args) => serve::serve(args, config).await,
            Command::Link(cmd) => serve::link(cmd, config).await,
            Command::User(cmd) => user::user(cmd, config).await,
            Command::Token(cmd) => user::token(cmd, config).await,
            Command::Cohort(args) => cohort::run(args).await,
            Command::Programme(args) => programme::run(args).await,
            Command::Teardown(args) => teardown::run(args).await,
            Command::Demo(args) => demo::run(args, config).await,
            Command::Backup(args) => backup::backup(args, config).await,
            Command::Restore(args) => backup::restore(args, config).await,
        }
    }
    .await;
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints build progress as `[image] message` on stderr.
pub(crate) fn print_progress(image: &str, message: &str) {
    eprintln!("[{image}] {message}");
}
