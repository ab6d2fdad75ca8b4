//! What an analysis gives: the window, both tables, the skipped lines and the counters.

use crate::aggregate::{Stats, Tables, Window, WindowEnds};
use crate::error::ParseIssue;
use crate::rows::{encode, DependencyRow, Encoding, TableTexts, TrafficRow};
use crate::whatif::{with_percentiles, Percentiles};
use serde::{Deserialize, Serialize};

/// Result of an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// The window used; `None` when the input held no point to place one.
    pub window: Option<Window>,
    /// Hourly traffic rows, sorted by their columns.
    pub traffic: Vec<TrafficRow>,
    /// Daily dependency rows, sorted by their columns.
    pub dependency: Vec<DependencyRow>,
    /// Percentiles of each traffic row, in the same order, when the `percentiles` what-if
    /// option is on; empty otherwise.
    pub traffic_percentiles: Vec<Option<Percentiles>>,
    /// Malformed lines that were skipped (the first [`super::MAX_KEPT_ISSUES`]).
    pub warnings: Vec<ParseIssue>,
    /// Counters.
    pub stats: AnalysisStats,
    /// With the `all_windows` option, the ends of every window whose rows follow one another
    /// in the tables (`window` is then the last one); `None` for one window.
    pub windows: Option<WindowEnds>,
}

impl Analysis {
    /// Both tables as text, byte for byte what `planet-bq analyze --out` writes: the traffic
    /// table with its percentile columns when the `percentiles` what-if option kept them.
    pub fn render(&self, encoding: Encoding) -> TableTexts {
        let traffic = if self.traffic_percentiles.is_empty() {
            encode(&self.traffic, encoding)
        } else {
            encode(&with_percentiles(&self.traffic, &self.traffic_percentiles), encoding)
        };
        TableTexts { traffic, dependency: encode(&self.dependency, encoding) }
    }

    /// The two tables of the window, without the warnings and counters.
    pub fn into_tables(self) -> Tables {
        Tables {
            window: self.window,
            traffic: self.traffic,
            dependency: self.dependency,
            traffic_percentiles: self.traffic_percentiles,
        }
    }
}

/// Counters of one analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisStats {
    /// Inputs read.
    pub inputs: u64,
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Malformed lines skipped (all of them, even beyond the kept warnings).
    pub skipped_lines: u64,
    /// Groups held in memory.
    pub groups: u64,
    /// What the aggregator saw.
    #[serde(flatten)]
    pub aggregate: Stats,
}
