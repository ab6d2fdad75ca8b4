//! `planet-bq completions SHELL`: the shell's completion script on standard output.

use crate::cli::Cli;
use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Options of `planet-bq completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Writes the completion script of every subcommand and flag for `args.shell`.
pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    // Generated into memory first: clap_complete panics when its writer fails (a closed pipe,
    // as with `| head`), and an error message is the better answer.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "planet-bq", &mut script);
    crate::output::print(&String::from_utf8_lossy(&script)).context("writing the completion script")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: Shell) -> String {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "planet-bq", &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn scripts_complete_subcommands_and_live_flags() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let text = script(shell);
            for word in ["once", "backfill", "influxdb-addr", "bq-project-id", "completions"] {
                assert!(text.contains(word), "{shell}: {word} missing");
            }
        }
    }
}
