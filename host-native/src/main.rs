//! `planet-bq`: the command-line entry point.

use clap::Parser;
use planet_bq::cli::{Cli, Command};
use planet_bq::commands;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse_from(planet_bq::args::normalize(std::env::args_os()));
    let result = match cli.command {
        Command::Analyze(args) => commands::analyze::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
