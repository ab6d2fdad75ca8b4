//! The windows of an analysis: asked for ([`WindowSpec`]) and used ([`Window`]).

use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};

/// Which points count: an explicit window, or one that ends at the hour after the newest point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSpec {
    /// Window end (`inventory_date`); `None` for the next whole hour after the newest point.
    pub at: Option<Timestamp>,
    /// Length of the traffic window.
    pub traffic_window: Duration,
    /// Length of the dependency window.
    pub dependency_window: Duration,
}

/// The windows actually used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Window end, exclusive; also `inventory_date`.
    pub end: Timestamp,
    /// Traffic window start, inclusive.
    pub traffic_start: Timestamp,
    /// Dependency window start, inclusive.
    pub dependency_start: Timestamp,
}

impl Window {
    /// The windows ending at `end`.
    pub fn ending_at(end: Timestamp, spec: &WindowSpec) -> Window {
        Window {
            end,
            traffic_start: Timestamp(end.0.saturating_sub(spec.traffic_window.0)),
            dependency_start: Timestamp(end.0.saturating_sub(spec.dependency_window.0)),
        }
    }
}
