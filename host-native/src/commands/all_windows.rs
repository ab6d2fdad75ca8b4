//! `planet-bq analyze --all-windows` on standard output: each window's tables in turn.

use crate::table_print;
use planet_core::whatif::with_percentiles;
use planet_core::{Analysis, Timestamp, WindowEnds};
use std::collections::BTreeSet;
use std::fmt::Write;

/// One line about the windows, for the summary after `--out`.
pub fn summary(ends: &WindowEnds) -> String {
    let span = |list: &[Timestamp]| match (list.first(), list.last()) {
        (Some(first), Some(last)) => format!("{} ending {first} to {last}", list.len()),
        _ => "none".to_string(),
    };
    format!("windows: traffic {}; dependency {}", span(&ends.traffic), span(&ends.dependency))
}

/// Every window, oldest first, with the tables it has: the traffic table for the hourly
/// windows, the dependency table for the daily ones, both when a window is both.
pub fn render(analysis: &Analysis) -> String {
    let Some(ends) = &analysis.windows else {
        return String::new();
    };
    let Some(last) = analysis.window else {
        return format!("{}\n", summary(ends));
    };
    let traffic_length = last.end.0 - last.traffic_start.0;
    let dependency_length = last.end.0 - last.dependency_start.0;
    let traffic_ends: BTreeSet<Timestamp> = ends.traffic.iter().copied().collect();
    let dependency_ends: BTreeSet<Timestamp> = ends.dependency.iter().copied().collect();
    let mut out = format!("{}\n", summary(ends));
    for end in traffic_ends.union(&dependency_ends) {
        let _ = writeln!(out);
        if traffic_ends.contains(end) {
            let range = rows_at(analysis.traffic.iter().map(|r| r.inventory_date), *end);
            let start = Timestamp(end.0 - traffic_length);
            let title = format!("Traffic (hourly) [{start}, {end}), inventory_date {end}");
            let table = if analysis.traffic_percentiles.is_empty() {
                table_print::render(&title, &analysis.traffic[range])
            } else {
                let rows = with_percentiles(&analysis.traffic[range.clone()], &analysis.traffic_percentiles[range]);
                table_print::render(&title, &rows)
            };
            let _ = writeln!(out, "{table}");
        }
        if dependency_ends.contains(end) {
            let range = rows_at(analysis.dependency.iter().map(|r| r.inventory_date), *end);
            let start = Timestamp(end.0 - dependency_length);
            let title = format!("Dependency (daily) [{start}, {end}), inventory_date {end}");
            let _ = writeln!(out, "{}", table_print::render(&title, &analysis.dependency[range]));
        }
    }
    out
}

/// The rows of one window: those with its `inventory_date`, which are consecutive.
fn rows_at(dates: impl Iterator<Item = Timestamp>, end: Timestamp) -> std::ops::Range<usize> {
    let dates: Vec<Timestamp> = dates.collect();
    let from = dates.partition_point(|d| *d < end);
    from..from + dates[from..].partition_point(|d| *d == end)
}
