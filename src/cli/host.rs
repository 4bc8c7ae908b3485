//! `sandpit host install | remove | check`: the one privileged step of an
//! installation, apart from `serve`. A sandbox network's gateway is the
//! host, so without a firewall rule a sandbox could connect to any host
//! service listening on all interfaces. `install` (as root) puts the rule
//! in place for the configured `subnet_range`, and does nothing where it is
//! already; `serve` then runs as an unprivileged user and proves the rule
//! works with a probe sandbox.

use std::process::ExitCode;

use clap::Subcommand;

use crate::app::App;
use crate::config::{Config, HostGuardMode};
use crate::runtime::{HostGuard, disk};

#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Install the firewall rule that keeps sandboxes off this host's
    /// services, and make the disks directory a shared mount so that an
    /// unprivileged serve can have sandboxes' disks mounted (as root;
    /// idempotent: run it at every boot).
    Install {
        /// Print the iptables commands instead of running them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Undo `install` for the configured range and data directory (as root).
    Remove,
    /// Prove the rule works: a probe sandbox tries to reach this host.
    Check,
}

pub async fn run(cmd: HostCommand, config: Config) -> anyhow::Result<ExitCode> {
    let range = config.subnet_range;
    let disks = config.disks()?;
    match cmd {
        HostCommand::Install { dry_run: true } => {
            println!("# what `sandpit host install` runs, each only where its rule is missing:");
            for command in HostGuard::commands(range) {
                println!("{command}");
            }
            println!(
                "# and, unless the mount holding {} is shared already (for a serve that is not root):",
                disks.display()
            );
            for command in disk::share_commands(&disks) {
                println!("{command}");
            }
            Ok(ExitCode::SUCCESS)
        }
        HostCommand::Install { dry_run: false } => {
            need_root("install")?;
            HostGuard::install(range)
                .await
                .map_err(|e| anyhow::anyhow!("installing the host guard: {e}"))?;
            println!(
                "the host guard is in place: new connections from {range} to this host are dropped"
            );
            let shared = disk::share(&disks, &config.data_dir)
                .await
                .map_err(|e| anyhow::anyhow!("preparing the disks directory: {e}"))?;
            println!(
                "sandboxes' disks go to {}, a shared mount{}",
                disks.display(),
                if shared { " (made one now)" } else { "" }
            );
            Ok(ExitCode::SUCCESS)
        }
        HostCommand::Remove => {
            need_root("remove")?;
            HostGuard::of(range)
                .remove()
                .await
                .map_err(|e| anyhow::anyhow!("removing the host guard: {e}"))?;
            println!(
                "the host guard for {range} is removed: sandboxes can reach this host's services"
            );
            if disk::unshare(&disks)
                .await
                .map_err(|e| anyhow::anyhow!("undoing the disks directory's mount: {e}"))?
            {
                println!("{} is no longer a mount of its own", disks.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        HostCommand::Check => {
            // What is in place is checked, not put in place.
            let app = App::open(Config {
                host_guard: HostGuardMode::Off,
                ..config
            })
            .await?;
            app.ensure_images(&["base".to_owned()], &super::print_progress)
                .await?;
            let reachable = app
                .runtime
                .host_reachable(&app.images.reference("base"))
                .await?;
            app.store.close().await;
            match reachable {
                Some(false) => {
                    println!("sandboxes in {range} cannot reach this host: the host guard works");
                    Ok(ExitCode::SUCCESS)
                }
                Some(true) => {
                    println!(
                        "SANDBOXES IN {range} CAN REACH THIS HOST'S SERVICES: run `sudo sandpit host install`"
                    );
                    Ok(ExitCode::FAILURE)
                }
                None => {
                    println!("this engine cannot run the probe");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn need_root(what: &str) -> anyhow::Result<()> {
    if rustix::process::geteuid().is_root() {
        return Ok(());
    }
    anyhow::bail!(
        "`sandpit host {what}` changes the host's firewall: run it as root (sudo), \
         or see what it would run with `sandpit host install --dry-run`"
    )
}
