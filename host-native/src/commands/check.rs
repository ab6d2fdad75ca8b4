//! `planet-bq check`: can the source be read and the destination written? Each says what it
//! found ([`Finding`]); this prints it.

use super::setup::live_profile;
use crate::cli::LiveArgs;
use crate::finding::Finding;
use crate::sink;
use crate::source;
use anyhow::{bail, Result};

/// `planet-bq check`.
pub async fn check(args: LiveArgs) -> Result<()> {
    let profile = live_profile(&args)?;
    let source = source::from_args(&args)?;
    let mut problems = print(&source.check(&profile).await);
    if args.inventory.inventory.is_some() || profile.metrics.as_ref().is_some_and(|m| m.inventory_required) {
        let found = match super::setup::inventory(&args, &profile).await {
            Ok(Some(inventory)) => Finding::Ok(format!("inventory: {} entries", inventory.hosts().len())),
            Ok(None) => Finding::Ok("inventory: none".into()),
            Err(e) => Finding::Problem(format!("{e:#}")),
        };
        problems += print(&[found]);
    }
    // The first destination the flags give (`check` looks at it even with --dry-run).
    let found = match sink::chosen(&args)?.into_iter().next() {
        Some((_, opening)) => match opening.await {
            Ok(sink) => sink.check().await,
            Err(e) => vec![Finding::Problem(format!("{e:#}"))],
        },
        None => vec![Finding::Problem(sink::no_destination())],
    };
    problems += print(&found);
    if problems == 0 {
        Ok(())
    } else {
        bail!("{problems} problem(s) found")
    }
}

/// Prints findings, one line each; returns how many are problems.
fn print(found: &[Finding]) -> usize {
    let mut problems = 0;
    for finding in found {
        match finding {
            Finding::Ok(text) => println!("ok: {text}"),
            Finding::Note(text) => println!("note: {text}"),
            Finding::Problem(text) => {
                println!("problem: {text}");
                problems += 1;
            }
        }
    }
    problems
}
