//! Groups and their keys: the tag values a rule groups by, the byte key of a group, and the
//! handle a parser keeps per series so that later points skip the lookups.

use super::dedup::Seen;
use super::partial::Partial;
use crate::exporter::Slot;
use crate::profile::{DependencyRule, TrafficRule};

/// A traffic group's key: its rule, then the numbers of its tag values in the order of
/// [`traffic_tags`] (see [`super::interner`]).
pub(super) type TrafficKey = [u32; 5];

/// A dependency group's key: its rule, then its tag values in the order of [`dependency_tags`].
pub(super) type DependencyKey = [u32; 9];

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct TrafficGroup {
    pub(super) key: TrafficKey,
    /// Raw points by bucket; with an explicit window one bucket (0) holds them all.
    pub(super) buckets: Vec<(i64, Partial)>,
    /// Pre-aggregated rows, already windowed by the query that produced them (boxed: rare, and
    /// a group of raw points should not pay for the room).
    pub(super) aggregated: Option<Box<Partial>>,
    /// The raw points the buckets hold, so that a point read twice counts once.
    pub(super) seen: Seen,
}

impl TrafficGroup {
    pub(super) fn rule(&self) -> usize {
        self.key[0] as usize
    }

    /// Adds a bucket, with room doubling from one: most groups never get a second, and
    /// `Vec`'s own growth starts at four.
    pub(super) fn push_bucket(&mut self, bucket: i64, partial: Partial) {
        if self.buckets.len() == self.buckets.capacity() {
            self.buckets.reserve_exact(self.buckets.capacity().max(1));
        }
        self.buckets.push((bucket, partial));
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct DependencyGroup {
    pub(super) key: DependencyKey,
    /// Raw points inside an explicit window.
    pub(super) in_window: u64,
    /// Latest raw point time (for the open window).
    pub(super) last: Option<i64>,
    /// A pre-aggregated row with a positive count was seen.
    pub(super) aggregated: bool,
    /// Every-window mode: the buckets (sorted, distinct) holding at least one raw point.
    pub(super) buckets: Vec<i64>,
}

impl DependencyGroup {
    pub(super) fn rule(&self) -> usize {
        self.key[0] as usize
    }
}

pub(crate) fn traffic_tags(r: &TrafficRule) -> [&str; 4] {
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
    /// A traffic series; `excluded` when its local hostgroup is empty; `group` once known,
    /// with the series' signature within it (see [`super::dedup`]).
    Traffic { rule: usize, excluded: bool, group: Option<(usize, u64)> },
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
