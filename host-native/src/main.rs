//! `planet-bq`: the command-line entry point.

use clap::Parser;
use planet_bq::cli::{Cli, Command};
use planet_bq::commands;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = planet_bq::args::default_subcommand(planet_bq::args::normalize(std::env::args_os()));
    let cli = Cli::parse_from(args);
    let live = match &cli.command {
        Command::Analyze(_) | Command::Completions(_) | Command::Man(_) | Command::Federate(_) => None,
        Command::Run(a) => Some(a.live.clone()),
        Command::Once(a) => Some(a.live.clone()),
        Command::Backfill(a) => Some(a.live.clone()),
        Command::Init(a) | Command::Check(a) => Some(a.clone()),
    };
    if let Some(live) = &live {
        if let Err(e) = planet_bq::logging::init(live) {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    }
    // `run` has its own handler (the first signal lets the running job finish); every other
    // command stops at once, without leaving temporary files behind.
    if !matches!(cli.command, Command::Run(_) | Command::Federate(_)) {
        if let Err(e) = planet_bq::temp_files::remove_on_signal() {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let result = match cli.command {
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
        command => match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(runtime) => runtime.block_on(async move {
                match command {
                    Command::Run(a) => commands::run::run(a).await,
                    Command::Once(a) => commands::once::once(a).await,
                    Command::Backfill(a) => commands::backfill::backfill(a).await,
                    Command::Init(a) => commands::init::init(a).await,
                    Command::Check(a) => commands::check::check(a).await,
                    Command::Federate(a) => commands::federate::federate(a).await,
                    Command::Analyze(_) | Command::Completions(_) | Command::Man(_) => Ok(()),
                }
            }),
            Err(e) => Err(anyhow::Error::new(e).context("starting the async runtime")),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output has what it wanted (`| head`).
        Err(e) if planet_bq::output::is_stdout_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
