//! `sandpit images …`

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Build images that are missing or out of date (all when none are named).
    Build {
        names: Vec<String>,
        /// Rebuild the named images even when they are up to date.
        #[arg(long)]
        force: bool,
    },
    /// List the images Sandpit can build.
    List,
    /// Build the image of Sandpit itself (`sandpit/server`), with this
    /// binary, for deploy/compose/compose.yaml.
    Server {
        /// Rebuild it even when it is up to date.
        #[arg(long)]
        force: bool,
    },
}

pub async fn run(cmd: ImagesCommand, config: Config) -> anyhow::Result<ExitCode> {
    let catalog = crate::app::image_catalog(&config)?;
    match cmd {
        ImagesCommand::List => {
            for name in catalog.names() {
                println!("{name}\t{}", crate::images::ImageCatalog::tag(name));
            }
        }
        ImagesCommand::Build { names, force } => {
            crate::images::ImageBuilder::connect()
                .await?
                .ensure(&catalog, &names, force, &super::print_progress)
                .await?;
        }
        ImagesCommand::Server { force } => {
            let exe = std::env::current_exe()?;
            let binary = std::fs::read(&exe)
                .map_err(|e| anyhow::anyhow!("reading this program, {}: {e}", exe.display()))?;
            let catalog = catalog.with_server(binary);
            let server = crate::images::SERVER.to_owned();
            crate::images::ImageBuilder::connect()
                .await?
                .ensure(
                    &catalog,
                    std::slice::from_ref(&server),
                    force,
                    &super::print_progress,
                )
                .await?;
            println!("{}", catalog.reference(&server));
        }
    }
    Ok(ExitCode::SUCCESS)
}
