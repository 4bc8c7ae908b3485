//! The `sandpit` binary: parse the command line and hand over to the library.

use clap::{CommandFactory, FromArgMatches};

fn main() -> std::process::ExitCode {
    // `--version` names the store's schema too, which upgrades go by.
    let matches = sandpit::cli::Cli::command()
        .version(&*Box::leak(sandpit::cli::version().into_boxed_str()))
        .get_matches();
    let cli = match sandpit::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    sandpit::cli::init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(sandpit::cli::run(cli))
}
