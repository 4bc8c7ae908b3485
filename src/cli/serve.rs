//! `sandpit serve` and `sandpit link create`.

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
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
    /// For a classroom on this machine's network: listen on ADDR (by
    /// default the address this machine's default route leaves from), link
    /// learners there, serve tools on the next port, and print the address
    /// with a QR code.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "auto")]
    pub lan: Option<String>,
}

/// The address a classroom reaches this machine at: `wanted`, or with
/// `auto` the one its default route leaves from (asked of the kernel's
/// routing table: connecting a UDP socket sends nothing).
fn lan_address(wanted: &str) -> anyhow::Result<IpAddr> {
    if wanted != "auto" {
        let ip = wanted.parse::<IpAddr>().map_err(|_| {
            anyhow::anyhow!("--lan: `{wanted}` is not an IP address (e.g. --lan 192.168.1.10)")
        })?;
        if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() {
            anyhow::bail!(
                "--lan: {ip} is not an address other machines reach this one at; give this machine's address on the classroom's network (e.g. --lan 192.168.1.10)"
            );
        }
        return Ok(ip);
    }
    let socket = std::net::UdpSocket::bind(("0.0.0.0", 0))?;
    // 192.0.2.1 is a documentation address (RFC 5737): only the route to it
    // is looked up.
    let found = socket
        .connect(("192.0.2.1", 9))
        .and_then(|()| socket.local_addr())
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    found.ok_or_else(|| {
        anyhow::anyhow!(
            "--lan: this machine has no route to a network, so no address to give learners; name the one they reach it at: --lan 192.168.1.10"
        )
    })
}

/// `config` for a classroom at `ip`: Sandpit on `ip` (port from `--listen`
/// or the configuration), its links there, and tools by path on the next
/// port (a port of their own, so signing in stays allowed) unless the
/// configuration places them.
fn for_lan(config: &mut Config, ip: IpAddr) -> anyhow::Result<()> {
    let port = config.listen.port();
    config.listen = SocketAddr::new(ip, port);
    config.public_url = None;
    if config.tools_listen.is_none() {
        let tools_port = match port {
            0 => 0,
            _ => port.checked_add(1).ok_or_else(|| {
                anyhow::anyhow!(
                    "--lan: tools are served on the port after Sandpit's, and there is none after {port}; choose another with --listen"
                )
            })?,
        };
        config.tools_listen = Some(SocketAddr::new(ip, tools_port));
        config.tools_url = None;
    }
    Ok(())
}

/// `url` as a QR code in text, light modules as full blocks (as
/// `qrencode -t UTF8` prints), so that light text on a dark terminal reads
/// as dark on light, as scanners expect. On a terminal the colours are
/// said outright (white on black), whatever its theme.
pub fn qr_code(url: &str, on_terminal: bool) -> anyhow::Result<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(url.as_bytes())?;
    let text = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    if !on_terminal {
        return Ok(text);
    }
    Ok(text
        .lines()
        .map(|line| format!("\x1b[97;40m{line}\x1b[0m"))
        .collect::<Vec<_>>()
        .join("\n"))
}

pub async fn serve(args: ServeArgs, mut config: Config) -> anyhow::Result<ExitCode> {
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let lan = args.lan.as_deref().map(lan_address).transpose()?;
    if let Some(ip) = lan {
        for_lan(&mut config, ip)?;
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
    let server = Server::on_early(app.clone(), early, url.clone()).await?;
    println!(
        "Sandpit is serving {} scenarios at {}",
        app.scenarios.len(),
        server.url()
    );
    if lan.is_some() {
        println!(
            "Learners on this network open {url} (the code below leads there); \
             their tools are served at {tools}. Trainers sign in at {url}/login; \
             each learner's link is on their cohort's page.\n{code}",
            url = server.url(),
            tools = server.tools_url().unwrap_or(server.url()),
            code = qr_code(server.url(), std::io::stdout().is_terminal())?,
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classroom_gets_sandpit_on_its_address_and_tools_on_the_next_port() {
        let mut config = Config {
            public_url: Some("https://sandpit.example.org".into()),
            ..Config::default()
        };
        for_lan(&mut config, "192.0.2.10".parse().unwrap()).unwrap();
        assert_eq!(config.listen.to_string(), "192.0.2.10:8080");
        assert_eq!(config.public_url, None);
        assert_eq!(config.tools_listen.unwrap().to_string(), "192.0.2.10:8081");
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        for_lan(&mut config, "192.0.2.10".parse().unwrap()).unwrap();
        assert_eq!(config.tools_listen.unwrap().to_string(), "192.0.2.10:0");
        let mut config = Config {
            listen: "127.0.0.1:65535".parse().unwrap(),
            ..Config::default()
        };
        let e = for_lan(&mut config, "192.0.2.10".parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("there is none after 65535"), "{e}");
    }

    #[test]
    fn a_lan_address_given_is_taken_and_a_wrong_one_named() {
        assert_eq!(lan_address("192.0.2.10").unwrap().to_string(), "192.0.2.10");
        let e = lan_address("classroom").unwrap_err().to_string();
        assert!(e.contains("`classroom` is not an IP address"), "{e}");
        for wrong in ["127.0.0.1", "0.0.0.0", "::"] {
            let e = lan_address(wrong).unwrap_err().to_string();
            assert!(e.contains("is not an address other machines reach"), "{e}");
        }
    }
}
