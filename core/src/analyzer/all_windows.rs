//! Every window of an export from one pass: the bucket partials, and the rows of any window
//! derived from them, again and again, with other row filters, without reading the points again.
//!
//! Exact for every option: the buckets hold each window's points exactly (min, max, exact sum,
//! count, and the percentiles' histogram when asked for at read time), so a window's rows are
//! those of an analysis with that explicit window. Two options act on points as they are read
//! and so cannot change afterwards: `min_bandwidth` (the points it drops are not kept) and
//! turning `percentiles` on (the histograms are only kept when it was on at read time).
//! [`AllWindows::needs_reread`] names them; renames and the row filters recompute freely.

use super::{Analysis, AnalysisStats};
use crate::aggregate::{Aggregator, Tables, Window, WindowEnds};
use crate::error::{Error, ParseIssue, Result};
use crate::rows::{DependencyRow, TrafficRow};
use crate::time::{Timestamp, HOUR};
use crate::whatif::{Percentiles, WhatIf};

/// Most hours an export may span for every window to be computed (about two years of hourly
/// windows): past it, a stray timestamp would cost time and memory for nothing.
pub const MAX_SPAN_HOURS: i64 = 2 * 366 * 24;

/// The bucket partials of every window of an analysis, and its warnings and counters.
#[derive(Debug, Clone)]
pub struct AllWindows {
    aggregator: Aggregator,
    /// The what-if options the points were read with.
    read_with: WhatIf,
    ends: WindowEnds,
    /// Malformed lines that were skipped (the first 1000).
    pub warnings: Vec<ParseIssue>,
    /// Counters of the read.
    pub stats: AnalysisStats,
}

/// The rows of several windows, one after the other in window order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowsRows {
    /// Every traffic window's rows, by `inventory_date`, then as one window sorts them.
    pub traffic: Vec<TrafficRow>,
    /// Every dependency window's rows, likewise.
    pub dependency: Vec<DependencyRow>,
    /// Percentiles of each traffic row when the `percentiles` option is on; empty otherwise.
    pub traffic_percentiles: Vec<Option<Percentiles>>,
}

impl AllWindows {
    pub(super) fn new(
        aggregator: Aggregator,
        dependency_hour: u8,
        warnings: Vec<ParseIssue>,
        stats: AnalysisStats,
        profile: &str,
    ) -> Result<AllWindows> {
        if aggregator.reads_exporter_metrics() {
            return Err(crate::options::all_windows_refused(profile));
        }
        if !aggregator.keeps_every_window() {
            return Err(Error::Option {
                name: "allWindows".into(),
                reason: "the analysis was not started with allWindows".into(),
            });
        }
        let ends = aggregator.window_ends(dependency_hour, MAX_SPAN_HOURS).ok_or_else(|| Error::Option {
            name: "allWindows".into(),
            reason: format!(
                "the data spans more than {MAX_SPAN_HOURS} hours (a stray timestamp?): analyze a narrower export, or windows one by one with `at`"
            ),
        })?;
        let read_with = aggregator.what_if().clone();
        let mut stats = stats;
        stats.aggregate = aggregator.stats();
        stats.groups = aggregator.group_count() as u64;
        Ok(AllWindows { aggregator, read_with, ends, warnings, stats })
    }

    /// The window ends within the data: hourly traffic, daily dependency.
    pub fn ends(&self) -> &WindowEnds {
        &self.ends
    }

    /// The last window: the one a default analysis of the same inputs picks.
    pub fn last_window(&self) -> Option<Window> {
        self.ends.traffic.last().map(|end| Window::ending_at(*end, &self.aggregator.spec()))
    }

    /// The what-if options the points were read with.
    pub fn read_with(&self) -> &WhatIf {
        &self.read_with
    }

    /// The options of `what_if` that cannot be derived from the partials (camelCase names, as
    /// JavaScript spells them): they need the points read again. Empty when none.
    pub fn needs_reread(&self, what_if: &WhatIf) -> Vec<&'static str> {
        let mut names = Vec::new();
        if what_if.min_bandwidth != self.read_with.min_bandwidth {
            names.push("minBandwidth");
        }
        if what_if.percentiles && !self.read_with.percentiles {
            names.push("percentiles");
        }
        names
    }

    fn check(&self, what_if: &WhatIf) -> Result<()> {
        match self.needs_reread(what_if).first() {
            None => Ok(()),
            Some(name) => Err(Error::Option {
                name: (*name).to_string(),
                reason: "acts on the points as they are read: changing it needs the inputs read again".into(),
            }),
        }
    }

    /// The rows of the window ending at `end` (a whole hour), exactly those of an analysis
    /// with `at = end` and these what-if options.
    pub fn window(&self, end: Timestamp, what_if: &WhatIf) -> Result<Tables> {
        self.check(what_if)?;
        if end.0.rem_euclid(HOUR) != 0 {
            return Err(Error::Option {
                name: "end".into(),
                reason: format!("{end} is not a whole hour: every window ends on one"),
            });
        }
        Ok(self.aggregator.tables_ending_at(end, what_if))
    }

    /// Every window's rows: the traffic rows of each traffic window, then the dependency rows of
    /// each dependency window, in window order.
    pub fn rows(&self, what_if: &WhatIf) -> Result<WindowsRows> {
        self.check(what_if)?;
        let mut out = WindowsRows::default();
        for end in &self.ends.traffic {
            let tables = self.aggregator.tables_ending_at(*end, what_if);
            out.traffic.extend(tables.traffic);
            out.traffic_percentiles.extend(tables.traffic_percentiles);
        }
        for end in &self.ends.dependency {
            out.dependency.extend(self.aggregator.tables_ending_at(*end, what_if).dependency);
        }
        Ok(out)
    }

    /// Every window's rows with the options of the read, as an [`Analysis`] whose `window` is
    /// the last one (the window a default analysis picks) and whose `windows` lists them all.
    pub fn into_analysis(self) -> Result<Analysis> {
        let WindowsRows { traffic, dependency, traffic_percentiles } = self.rows(&self.read_with)?;
        Ok(Analysis {
            window: self.last_window(),
            traffic,
            dependency,
            traffic_percentiles,
            warnings: self.warnings,
            stats: self.stats,
            windows: Some(self.ends),
        })
    }
}
