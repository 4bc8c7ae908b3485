//! `sandpit serve` and `sandpit link create`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use crate::app::App;
use crate::config::Config;
use crate::sandbox::Owner;
use crate::server::preflight::Severity;
use crate::server::starting::Stage;
use crate::server::{Early, Server};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
}

pub async fn serve(args: ServeArgs, mut config: Config) -> anyhow::Result<ExitCode> {
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    // Answer from the first second: the start may take minutes (images).
    let early = Early::bind(config.listen).await?;
    let url = config
        .public_url
        .clone()
        .unwrap_or_else(|| crate::server::public_url(early.addr()));
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "creating the data directory {}: {e}",
            config.data_dir.display()
        )
    })?;
    // Held until the server stops: `link create` reads where it answers.
    let _serving = super::serving::record(&config.data_dir, &url)?;
    println!("Sandpit is starting at {url} (it answers already: /readyz says when it is ready)");
    let started = tokio::select! {
        started = start(config, &early, &url) => started,
        () = crate::server::shutdown_signal() => {
            early.close().await;
            eprintln!("stopped before it was ready");
            return Ok(ExitCode::FAILURE);
        }
    };
    let app = match started {
        Ok(app) => app,
        Err(e) => {
            early.close().await;
            return Err(e);
        }
    };
    let server = Server::on_early(app.clone(), early, url.clone())?;
    println!(
        "Sandpit is serving {} scenarios at {}",
        app.scenarios.len(),
        server.url()
    );
    first_admin(&app, server.url()).await?;
    server.run_until_stopped().await?;
    tracing::info!("stopped; sandboxes keep running");
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Opens Sandpit, runs the start-up checks (printing each finding, and
/// stopping on a fatal one) and builds the images the scenarios need,
/// saying on `early` what it is doing.
async fn start(config: Config, early: &Early, url: &str) -> anyhow::Result<Arc<App>> {
    let app = Arc::new(App::open(config).await?);
    let findings = crate::server::preflight::check(&app, url).await;
    for finding in &findings {
        eprintln!("{finding}");
        tracing::warn!("{}", finding.problem);
    }
    let fatal = findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .count();
    if fatal > 0 {
        anyhow::bail!(
            "Sandpit cannot start: {fatal} problem{} above",
            if fatal == 1 { "" } else { "s" }
        );
    }
    let images = app.scenario_images();
    let total = images.len() + usize::from(!images.iter().any(|i| i == "base"));
    app.ensure_scenario_images(&early.gate().image_progress(total))
        .await?;
    early.gate().set(Stage::HostGuard);
    if let Some(finding) = crate::server::preflight::host_guard(&app).await {
        eprintln!("{finding}");
        if finding.severity == Severity::Fatal {
            anyhow::bail!("Sandpit cannot start: the host guard is missing");
        }
        tracing::error!("{}", finding.problem);
    }
    Ok(app)
}

/// On a store with no account yet, creates `admin` and prints its password
/// once, so that a fresh install can be signed into at all; like every
/// printed password, it must be changed at the first sign-in.
async fn first_admin(app: &App, url: &str) -> anyhow::Result<()> {
    if !app.store.users().await?.is_empty() {
        return Ok(());
    }
    let (user, password) = app
        .auth
        .create_user("admin", crate::store::Role::Admin)
        .await?;
    println!(
        "First start: sign in at {url}/login as `{}` with password {password}\n\
         (shown once, and to be replaced at that first sign-in; \
         `sandpit user reset-password --name {}` prints a new one)",
        user.name, user.name
    );
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum LinkCommand {
    /// Provision a sandbox for a learner and print their link.
    Create {
        #[arg(long)]
        scenario: String,
        /// The learner's name, shown to trainers.
        #[arg(long)]
        name: Option<String>,
        /// Print JSON instead of the bare link.
        #[arg(long)]
        json: bool,
    },
}

/// Where links point: the server running on this data directory, as it
/// recorded its public URL at start; with none running, the URL a server
/// started with this configuration would have.
fn link_base(config: &Config) -> String {
    if let Some(url) = super::serving::running(&config.data_dir) {
        return url;
    }
    let url = config
        .public_url
        .clone()
        .unwrap_or_else(|| crate::server::public_url(config.listen));
    eprintln!(
        "note: no sandpit serve is running on {}; the link is for one at {url}",
        config.data_dir.display()
    );
    url
}

pub async fn link(cmd: LinkCommand, config: Config) -> anyhow::Result<ExitCode> {
    let LinkCommand::Create {
        scenario,
        name,
        json,
    } = cmd;
    let app = App::open(config).await?;
    let scenario = app.scenario(&scenario)?.clone();
    app.ensure_image(&scenario, &super::print_progress).await?;
    let owner = Owner {
        cohort: None,
        learner: name.clone(),
    };
    let (token, sandbox) = app.service.create_link(&scenario, &owner).await?;
    let url = format!("{}/s/{}", link_base(&app.config), token.as_str());
    if json {
        let out = serde_json::json!({
            "url": url,
            "token": token.as_str(),
            "sandbox": sandbox.id,
            "scenario": scenario.id,
            "learner": name,
            "expires_at": sandbox.expires_at,
        });
        println!("{out}");
    } else {
        println!("{url}");
    }
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}
