//! Groups and their keys: the tag values a rule groups by, the byte key of a group, and the
//! handle a parser keeps per series so that later points skip the lookups.

use super::partial::Partial;
use crate::exporter::Slot;
use crate::profile::{DependencyRule, TrafficRule};

#[derive(Debug, Clone)]
pub(super) struct TrafficGroup {
    pub(super) rule: usize,
    pub(super) tags: [String; 4],
    /// Raw points by bucket; with an explicit window one bucket (0) holds them all.
    pub(super) buckets: Vec<(i64, Partial)>,
    /// Pre-aggregated rows, already windowed by the query that produced them.
    pub(super) aggregated: Option<Partial>,
}

#[derive(Debug, Clone)]
pub(super) struct DependencyGroup {
    pub(super) rule: usize,
    /// Tag values in the order of [`dependency_tags`].
    pub(super) tags: Vec<String>,
    /// Raw points inside an explicit window.
    pub(super) in_window: u64,
    /// Latest raw point time (for the open window).
    pub(super) last: Option<i64>,
    /// A pre-aggregated row with a positive count was seen.
    pub(super) aggregated: bool,
    /// Every-window mode: the buckets (sorted, distinct) holding at least one raw point.
    pub(super) buckets: Vec<i64>,
}

pub(super) fn traffic_tags(r: &TrafficRule) -> [&str; 4] {
    [&r.local_hostgroup, &r.local_hostgroup_address, &r.remote_hostgroup, &r.remote_hostgroup_address]
}

/// protocol, process, local, local address, local port, remote, remote address, remote port;
/// absent port tags read as empty and become NULL.
pub(super) fn dependency_tags(r: &DependencyRule) -> [Option<&str>; 8] {
    [
        Some(&r.protocol),
        Some(&r.local_hostgroup_process_name),
        Some(&r.local_hostgroup),
        Some(&r.local_hostgroup_address),
        r.local_hostgroup_address_port.as_deref(),
        Some(&r.remote_hostgroup),
        Some(&r.remote_hostgroup_address),
        r.remote_hostgroup_address_port.as_deref(),
    ]
}

/// Appends one value to a group key, length-prefixed so no tag value can fake a boundary.
pub(super) fn push_key_part(key: &mut Vec<u8>, value: &str) {
    key.extend_from_slice(&(value.len() as u64).to_le_bytes());
    key.extend_from_slice(value.as_bytes());
}

/// Starts a group key with the rule's index.
pub(super) fn start_key(key: &mut Vec<u8>, rule: usize) {
    key.clear();
    key.extend_from_slice(&(rule as u64).to_le_bytes());
}

/// What an aggregator concluded about one series (a measurement and its tag values), kept by a
/// parser that recognises the series again (line protocol's series key), so that later points
/// of the series skip the tag lookups and the group key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SeriesHandle {
    /// Not looked at yet.
    #[default]
    Unresolved,
    /// A measurement the profile does not use.
    Other,
    /// A metric of the profile's stages: with its stage and series once known (a raw series is
    /// all its labels); `None` while not, and for the wide Telegraf shape, where one point holds
    /// several metrics and every point's tags are read.
    Exporter(Option<(usize, Slot)>),
    /// A traffic series; `excluded` when its local hostgroup is empty; `group` once known.
    Traffic { rule: usize, excluded: bool, group: Option<usize> },
    /// A dependency series, as above.
    Dependency { rule: usize, excluded: bool, group: Option<usize> },
}

impl SeriesHandle {
    /// Whether observing a point with this handle may still read the point's tags.
    pub(crate) fn needs_tags(&self) -> bool {
        matches!(
            self,
            SeriesHandle::Unresolved
                | SeriesHandle::Exporter(None)
                | SeriesHandle::Traffic { excluded: false, group: None, .. }
                | SeriesHandle::Dependency { excluded: false, group: None, .. }
        )
    }
}
