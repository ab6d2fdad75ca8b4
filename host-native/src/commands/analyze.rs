//! `planet-bq analyze`: both tables from export files, with no server.

use crate::cli::{AnalyzeArgs, OutFormat};
use crate::engine::{Engine, EngineOutput, Session};
use crate::http::Retry;
use crate::output::{print, write_all_or_none};
use crate::table_print;
use anyhow::{Context, Result};
use planet_core::rows::{Encoding, TableTexts};
use planet_core::whatif::with_percentiles;
use planet_core::{Analysis, Options, WhatIf};
use std::io::Read;

/// Builds core options from the flags.
pub fn options(args: &AnalyzeArgs) -> Result<Options> {
    let profile = super::setup::profile(&args.profile)?;
    // analyze has no --retries: a few quick retries of a transient failure of the URL.
    let retry = Retry { retries: 2, delay: std::time::Duration::from_millis(500) };
    let options = Options {
        at: args.at,
        traffic_window: args.traffic_window,
        dependency_window: args.dependency_window,
        format: args.format,
        precision: args.precision,
        strict: args.strict,
        profile,
        what_if: WhatIf {
            min_bandwidth: args.min_bandwidth,
            exclude_ports: args.exclude_ports.clone(),
            exclude_addresses: args.exclude_addresses.clone(),
            hide_empty_remote: args.hide_empty_remote,
            rename: args.rename.iter().cloned().collect(),
            percentiles: args.percentiles,
        },
        max_line_bytes: args.max_line_bytes,
        inventory: crate::inventory::load_blocking(&args.inventory, retry)?,
        all_windows: args.all_windows,
        dependency_hour: args.dependency_hour,
    };
    // A missing or useless inventory, or --all-windows with a profile it cannot take, is said
    // before any file is read.
    options.check_inventory()?;
    options.check_all_windows()?;
    Ok(options)
}

/// Streams every file through one analysis on the chosen engine.
pub fn analyze_files(args: &AnalyzeArgs, options: Options) -> Result<EngineOutput> {
    let engine = args.engine.load()?;
    let threads = match args.threads {
        Some(n) => usize::try_from(n).unwrap_or(1),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    if matches!(engine, Engine::Native) && threads > 1 {
        let analyzer = super::analyze_threads::analyze(&args.files, &options, threads, args.min_slice_bytes)?;
        let analysis = analyzer.finish()?;
        let TableTexts { traffic, dependency } = analysis.render(Encoding::Ndjson);
        return Ok(EngineOutput { analysis, traffic_ndjson: traffic, dependency_ndjson: dependency });
    }
    let mut session = Session::new(&engine, options)?;
    for path in &args.files {
        let name = path.display().to_string();
        // Files are opened one at a time, when their turn comes.
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("opening {name}"))?)
        };
        session.read_input(&name, reader)?;
    }
    session.finish()
}

/// Runs the subcommand.
pub fn run(args: AnalyzeArgs) -> Result<()> {
    let options = options(&args)?;
    let output = analyze_files(&args, options)?;
    let analysis = &output.analysis;
    report_warnings(analysis, args.all_warnings);
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let (ext, TableTexts { traffic, dependency }) = match args.out_format {
                // The engine's own bytes: with --engine wasm, what the guest wrote (percentile
                // columns included when asked for).
                OutFormat::Ndjson => (
                    "ndjson",
                    TableTexts { traffic: output.traffic_ndjson.clone(), dependency: output.dependency_ndjson.clone() },
                ),
                OutFormat::Csv => ("csv", analysis.render(Encoding::Csv)),
            };
            let traffic_path = dir.join(format!("traffic.{ext}"));
            let dependency_path = dir.join(format!("dependency.{ext}"));
            write_all_or_none(&[(&traffic_path, traffic.as_bytes()), (&dependency_path, dependency.as_bytes())])?;
            eprintln!(
                "wrote {} traffic and {} dependency rows to {} ({})",
                analysis.traffic.len(),
                analysis.dependency.len(),
                dir.display(),
                window_text(analysis)
            );
        }
        None if analysis.windows.is_some() => print(&super::all_windows::render(analysis))?,
        None => {
            let traffic = if analysis.traffic_percentiles.is_empty() {
                table_print::render("Traffic (hourly)", &analysis.traffic)
            } else {
                let rows = with_percentiles(&analysis.traffic, &analysis.traffic_percentiles);
                table_print::render("Traffic (hourly)", &rows)
            };
            let dependency = table_print::render("Dependency (daily)", &analysis.dependency);
            print(&format!("{}\n\n{traffic}\n{dependency}\n", window_text(analysis)))?;
        }
    }
    let s = &analysis.stats;
    eprintln!(
        "read {} lines ({} points, {} aggregate rows) from {} input(s); {} groups; {} left out without a local hostgroup; {} malformed line(s) skipped",
        s.lines, s.aggregate.points, s.aggregate.aggregate_rows, s.inputs, s.groups, s.aggregate.without_local_hostgroup, s.skipped_lines
    );
    if s.aggregate.duplicates > 0 {
        eprintln!(
            "{} duplicate point(s) (same series and time as an earlier one) counted once; where the value differed, the last one read was kept",
            s.aggregate.duplicates
        );
    }
    Ok(())
}

fn window_text(analysis: &Analysis) -> String {
    if let Some(ends) = &analysis.windows {
        return super::all_windows::summary(ends);
    }
    match analysis.window {
        Some(w) => format!(
            "window: traffic [{}, {}), dependency [{}, {}), inventory_date {}",
            w.traffic_start, w.end, w.dependency_start, w.end, w.end
        ),
        None => "window: none (the input holds no point of the profile's measurements)".to_string(),
    }
}

fn report_warnings(analysis: &Analysis, all: bool) {
    let shown = if all { analysis.warnings.len() } else { 10 };
    for w in analysis.warnings.iter().take(shown) {
        eprintln!("warning: {w}");
    }
    let skipped = analysis.stats.skipped_lines;
    if skipped as usize > shown.min(analysis.warnings.len()) {
        eprintln!("warning: {skipped} malformed line(s) skipped in all (--all-warnings to list them, --strict to stop at the first)");
    }
}
