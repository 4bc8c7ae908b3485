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
    }
    Ok(ExitCode::SUCCESS)
}
