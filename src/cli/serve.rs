//! `sandpit serve` and `sandpit link create`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use crate::app::App;
use crate::config::Config;
use crate::http::AppState;
use crate::sandbox::Owner;
use crate::server::Server;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
}

/// The base URL learners use.
/// On loopback it is `http://sandpit.localhost:<port>` (browsers resolve
/// `*.localhost` to loopback): then a proxied tool at
/// `<port>-<key>.sandpit.localhost` (the default `sandbox_domain`) is on
/// the same site, though another origin, and its cookies work inside the
/// learner page's frame.
pub fn public_url(config: &Config, bound: std::net::SocketAddr) -> String {
    config.public_url.clone().unwrap_or_else(|| {
        if bound.ip().is_loopback() {
            format!("http://sandpit.localhost:{}", bound.port())
        } else {
            format!("http://{bound}")
        }
    })
}

/// Builds every image the scenarios need, so no learner waits for a build.
async fn ensure_images(app: &App) -> anyhow::Result<()> {
    let mut needed: Vec<String> = app.scenarios.values().map(|s| s.image.clone()).collect();
    needed.sort();
    needed.dedup();
    if !needed.is_empty() {
        app.ensure_images(&needed, &super::print_progress).await?;
    }
    Ok(())
}

pub async fn serve(args: ServeArgs, mut config: Config) -> anyhow::Result<ExitCode> {
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let app = Arc::new(App::open(config).await?);
    ensure_images(&app).await?;
    let listen = app.config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("listening on {listen}: {e}"))?;
    let bound = listener.local_addr()?;
    let state = AppState::new(app.clone(), public_url(&app.config, bound))?;
    // Held until the server stops: `link create` reads where it answers.
    let _serving = super::serving::record(&app.config.data_dir, &state.public_url)?;
    println!(
        "Sandpit is serving {} scenarios at {}",
        app.scenarios.len(),
        state.public_url
    );
    first_admin(&app, &state.public_url).await?;
    Server::new(listener, state).run(shutdown_signal()).await?;
    tracing::info!("stopped; sandboxes keep running");
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
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

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
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
    let url = public_url(config, config.listen);
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
