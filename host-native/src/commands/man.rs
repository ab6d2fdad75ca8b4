//! `planet-bq man [COMMAND]`: man pages (roff) generated from the command-line definition, so
//! they never disagree with `--help`.

use crate::cli::Cli;
use anyhow::Context;
use clap::{Args, CommandFactory};
use std::io::Write;
use std::path::PathBuf;

/// Options of `planet-bq man`.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Print the page of this subcommand, planet-bq-COMMAND(1), instead of planet-bq(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,

    /// Write every page (planet-bq.1 and one planet-bq-COMMAND.1 per subcommand) into DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

/// The command tree as the pages show it: subcommands named `planet-bq-run` and so on, and no
/// `help` subcommand (`--help` is there, and a page for `help` would say nothing).
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Prints one page, or writes them all with `--dir`.
pub fn run(args: ManArgs) -> anyhow::Result<()> {
    if let Some(dir) = args.dir {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        return clap_mangen::generate_to(command(), &dir)
            .with_context(|| format!("writing man pages into {}", dir.display()));
    }
    let mut page = Vec::new();
    render(args.command.as_deref(), &mut page)?;
    crate::output::print(&String::from_utf8_lossy(&page)).context("writing the man page")
}

/// The roff source of planet-bq(1), or of planet-bq-`name`(1).
fn render(name: Option<&str>, out: &mut dyn Write) -> anyhow::Result<()> {
    let cmd = command();
    let page = match name {
        None => cmd,
        Some(name) => cmd.find_subcommand(name).cloned().with_context(|| {
            let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
            format!("no subcommand {name:?} (one of: {})", names.join(", "))
        })?,
    };
    clap_mangen::Man::new(page).render(out).context("writing the man page")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: Option<&str>) -> String {
        let mut out = Vec::new();
        render(name, &mut out).expect("rendered");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn main_page_lists_the_subcommand_pages() {
        let text = page(None);
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "roff expected: {}", &text[..40]);
        assert!(text.contains(".TH planet-bq 1"), "{text}");
        assert!(text.contains("planet\\-bq\\-run(1)"), "{text}");
    }

    #[test]
    fn subcommand_pages_document_flags_and_their_variables() {
        let text = page(Some("run"));
        assert!(text.contains(".TH planet-bq-run 1"), "{text}");
        assert!(text.contains("influxdb\\-addr") && text.contains("INFLUXDB_PASSWORD"), "{text}");
    }

    #[test]
    fn an_unknown_subcommand_names_the_known_ones() {
        let err = render(Some("nope"), &mut Vec::new()).expect_err("unknown");
        assert!(format!("{err:#}").contains("one of: analyze, run"), "{err:#}");
    }
}
