//! The rows of both tables from an aggregator's groups.

use super::group_key::DependencyGroup;
use super::partial::Partial;
use super::window::Window;
use super::Aggregator;
use crate::rows::{nullable, truncate, DependencyRow, TrafficRow};
use crate::time::Timestamp;
use crate::whatif::{Percentiles, WhatIf};
use std::collections::BTreeMap;
use std::ops::Range;

impl Aggregator {
    /// The window the tables cover: the explicit one, or the one ending at the next whole hour
    /// after the newest point; `None` for an input without any point of the profile.
    pub fn window(&self) -> Option<Window> {
        let end = self.spec.at.or_else(|| self.newest.map(|n| Timestamp(n).next_hour()))?;
        Some(Window::ending_at(end, &self.spec))
    }

    /// The rows of both tables, sorted by their columns.
    pub fn tables(&self) -> Tables {
        let Some(exporter) = &self.exporter else {
            return self.tables_of_points();
        };
        // The stages' points go into a copy of the groups, so that `tables` can be asked for
        // again as more samples come (progress) and the stages' state stays raw.
        let mut points = Aggregator {
            profile: self.profile.clone(),
            spec: self.spec,
            traffic_index: self.traffic_index.clone(),
            traffic: self.traffic.clone(),
            dependency_index: self.dependency_index.clone(),
            dependency: self.dependency.clone(),
            interner: self.interner.clone(),
            newest: self.newest,
            stats: self.stats,
            what_if: self.what_if.clone(),
            exporter: None,
            every_window: false,
            oldest: self.oldest,
        };
        if let Some(newest) = exporter.newest() {
            points.note_time(newest);
        }
        if let Some(window) = points.window() {
            exporter.emit(window.end, &mut |point, time| points.observe_point(point, time));
        }
        points.tables_of_points()
    }

    /// The rows of both tables, as [`Aggregator::tables`] gives them, ending the aggregator: the
    /// stages' points go into its own groups instead of a copy of them.
    pub fn into_tables(mut self) -> Tables {
        let Some(exporter) = self.exporter.take() else {
            return self.tables_of_points();
        };
        self.every_window = false;
        if let Some(newest) = exporter.newest() {
            self.note_time(newest);
        }
        if let Some(window) = self.window() {
            exporter.emit(window.end, &mut |point, time| self.observe_point(point, time));
        }
        self.tables_of_points()
    }

    fn tables_of_points(&self) -> Tables {
        let Some(window) = self.window() else {
            return Tables {
                window: None,
                traffic: Vec::new(),
                dependency: Vec::new(),
                traffic_percentiles: Vec::new(),
            };
        };
        let first_bucket = self.first_bucket(window.end);
        let open = self.spec.at.is_none();
        let seen =
            |g: &DependencyGroup| g.in_window > 0 || (open && g.last.is_some_and(|l| l >= window.dependency_start.0));
        self.rows_of(window, first_bucket..i64::MAX, seen, &self.what_if)
    }

    /// The rows of `window`: traffic from the buckets in `traffic_buckets` (and pre-aggregated
    /// rows), dependencies of the groups `dependency_seen` says had a point in the window (and
    /// pre-aggregated ones), with `what_if`'s row filters and renames.
    pub(super) fn rows_of(
        &self,
        window: Window,
        traffic_buckets: Range<i64>,
        dependency_seen: impl Fn(&DependencyGroup) -> bool,
        what_if: &WhatIf,
    ) -> Tables {
        // Renames can give two groups one name: such groups merge, keyed by rule and renamed
        // tags (borrowed: no group's values are copied before its row is made). Without
        // renames every group is its own row, made as soon as its total is known.
        let mut renamed: BTreeMap<(usize, [&str; 4]), Partial> = BTreeMap::new();
        let filters = *what_if != WhatIf::default();
        // Room for a row per group up front: growing a list of a million rows by doubling
        // holds the old and the new list at once.
        let room = |wanted: bool| if wanted { self.traffic.len() } else { 0 };
        let mut rows = TrafficRows {
            window,
            what_if,
            rows: Vec::with_capacity(room(!what_if.percentiles)),
            with_percentiles: Vec::with_capacity(room(what_if.percentiles)),
        };
        for g in &self.traffic {
            let mut total: Option<Partial> = g.aggregated.as_deref().cloned();
            for (b, p) in &g.buckets {
                if traffic_buckets.contains(b) {
                    match total.as_mut() {
                        Some(t) => t.merge(p),
                        None => total = Some(p.clone()),
                    }
                }
            }
            let Some(p) = total else { continue };
            let mut tags: [&str; 4] = std::array::from_fn(|i| self.interner.get(g.key[i + 1]));
            for i in [0, 2] {
                tags[i] = what_if.renamed(tags[i]);
            }
            if filters && !what_if.keeps_traffic(&tags.map(str::to_string)) {
                continue;
            }
            if what_if.rename.is_empty() {
                rows.push(&self.profile.traffic[g.rule()].direction, tags, &p);
                continue;
            }
            match renamed.entry((g.rule(), tags)) {
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(&p),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(p);
                }
            }
        }
        for ((rule, tags), p) in renamed {
            rows.push(&self.profile.traffic[rule].direction, tags, &p);
        }
        let mut dependency = Vec::with_capacity(self.dependency.len());
        for g in &self.dependency {
            if !g.aggregated && !dependency_seen(g) {
                continue;
            }
            let r = &self.profile.dependency[g.rule()];
            let t: [&str; 8] = std::array::from_fn(|i| self.interner.get(g.key[i + 1]));
            dependency.push(DependencyRow {
                inventory_date: window.end,
                dependency_direction: r.direction.clone(),
                protocol: t[0].to_string(),
                local_hostgroup_process_name: nullable(t[1]),
                local_hostgroup: t[2].to_string(),
                local_hostgroup_address: nullable(t[3]),
                local_hostgroup_address_port: nullable(t[4]),
                remote_hostgroup: t[5].to_string(),
                remote_hostgroup_address: nullable(t[6]),
                remote_hostgroup_address_port: nullable(t[7]),
            });
        }
        dependency.sort_unstable();
        what_if.apply_to_dependencies(&mut dependency);
        let (traffic, traffic_percentiles) = rows.sorted();
        Tables { window: Some(window), traffic, dependency, traffic_percentiles }
    }
}

/// The two tables of one window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// The window used; `None` when the input held no point to place one.
    pub window: Option<Window>,
    /// Hourly traffic rows, sorted.
    pub traffic: Vec<TrafficRow>,
    /// Daily dependency rows, sorted.
    pub dependency: Vec<DependencyRow>,
    /// Percentiles of each traffic row, in the same order, with the `percentiles` what-if
    /// option; empty otherwise.
    pub traffic_percentiles: Vec<Option<Percentiles>>,
}

/// Traffic rows as they are made, with their percentiles only when the what-if option wants
/// them (a second list of a million rows is memory the common case should not pay for).
struct TrafficRows<'a> {
    window: Window,
    what_if: &'a WhatIf,
    rows: Vec<TrafficRow>,
    with_percentiles: Vec<(TrafficRow, Option<Percentiles>)>,
}

impl TrafficRows<'_> {
    fn push(&mut self, direction: &str, tags: [&str; 4], p: &Partial) {
        let [local, local_address, remote, remote_address] = tags;
        let row = TrafficRow {
            inventory_date: self.window.end,
            traffic_direction: direction.to_string(),
            local_hostgroup: local.to_string(),
            local_hostgroup_address: nullable(local_address),
            remote_hostgroup: remote.to_string(),
            remote_hostgroup_address: nullable(remote_address),
            traffic_bandwidth_bits_min_1h: truncate(p.min),
            traffic_bandwidth_bits_max_1h: truncate(p.max),
            traffic_bandwidth_bits_avg_1h: truncate(p.mean()),
        };
        if self.what_if.percentiles {
            let percentiles = p.histogram.as_ref().and_then(|h| Percentiles::of(h, p.min, p.max));
            self.with_percentiles.push((row, percentiles));
        } else {
            self.rows.push(row);
        }
    }

    /// The rows sorted by their columns, and their percentiles in the same order (empty
    /// without the option).
    fn sorted(mut self) -> (Vec<TrafficRow>, Vec<Option<Percentiles>>) {
        if self.what_if.percentiles {
            self.with_percentiles.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            self.with_percentiles.into_iter().unzip()
        } else {
            self.rows.sort_unstable();
            (self.rows, Vec::new())
        }
    }
}
