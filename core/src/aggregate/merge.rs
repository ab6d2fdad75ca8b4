//! Merging two aggregators of the same profile and window, here or across Workers: what a merge
//! takes of the other aggregator is [`AggregatorParts`], which serializes, so an aggregator
//! filled in another WebAssembly memory merges exactly as one filled here.

use super::group_key::{DependencyGroup, TrafficGroup};
use super::interner::Translation;
use super::partial::merge_into;
use super::{Aggregator, Stats};
use crate::exporter::ExporterParts;
use std::sync::Arc;

/// Everything [`Aggregator::merge_parts`] reads of another aggregator; the profile, window and
/// what-if options are left out, since both sides must have the same.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct AggregatorParts {
    stats: Stats,
    exporter: Option<ExporterParts>,
    newest: Option<i64>,
    oldest: Option<i64>,
    /// The tag values, in the order of the numbers the groups' keys hold.
    values: Vec<Arc<str>>,
    traffic: super::chunked::Chunked<TrafficGroup>,
    dependency: super::chunked::Chunked<DependencyGroup>,
}

impl Aggregator {
    /// Merges another aggregator built with the same profile and window.
    pub fn merge(&mut self, mut other: Aggregator) {
        if self.exporter.is_none() {
            self.exporter = other.exporter.take();
        }
        self.merge_parts(other.into_parts());
    }

    /// What a merge takes of this aggregator (see [`AggregatorParts`]).
    pub(crate) fn into_parts(self) -> AggregatorParts {
        AggregatorParts {
            stats: self.stats,
            exporter: self.exporter.map(|e| e.into_parts()),
            newest: self.newest,
            oldest: self.oldest,
            values: self.interner.into_values(),
            traffic: self.traffic,
            dependency: self.dependency,
        }
    }

    /// Merges the parts of another aggregator built with the same profile and window.
    pub(crate) fn merge_parts(&mut self, other: AggregatorParts) {
        self.stats.add(&other.stats);
        if let (Some(mine), Some(theirs)) = (self.exporter.as_mut(), other.exporter) {
            mine.merge(theirs);
        }
        for n in other.newest.into_iter().chain(other.oldest) {
            self.note_time(n);
        }
        let mut recount = Vec::new();
        // Their tag values' numbers become this aggregator's.
        let mut translation = Translation::default();
        for mut g in other.traffic {
            for id in &mut g.key[1..] {
                *id = translation.id(*id, &other.values, &mut self.interner);
            }
            match self.traffic_index.get(&g.key) {
                Some(&i) => {
                    let i = i as usize;
                    let mine = &mut self.traffic[i];
                    if let Some(p) = g.aggregated {
                        merge_into(&mut mine.aggregated, *p);
                    }
                    let both = mine.seen.merge(g.seen);
                    self.stats.duplicates += both;
                    if both > 0 {
                        // A point in both: the buckets are counted again from the points.
                        recount.push(i);
                        continue;
                    }
                    for (b, p) in &g.buckets {
                        match mine.buckets.iter_mut().find(|(mb, _)| mb == b) {
                            Some((_, mp)) => mp.merge(p),
                            None => mine.push_bucket(*b, p.clone()),
                        }
                    }
                }
                None => {
                    self.traffic_index.insert(g.key, self.traffic.len() as u32);
                    self.traffic.push(g);
                }
            }
        }
        for i in recount {
            self.recount(i);
        }
        for mut g in other.dependency {
            for id in &mut g.key[1..] {
                *id = translation.id(*id, &other.values, &mut self.interner);
            }
            match self.dependency_index.get(&g.key) {
                Some(&i) => {
                    let mine = &mut self.dependency[i as usize];
                    mine.in_window += g.in_window;
                    mine.aggregated |= g.aggregated;
                    for b in &g.buckets {
                        if let Err(at) = mine.buckets.binary_search(b) {
                            mine.buckets.insert(at, *b);
                        }
                    }
                    mine.last = match (mine.last, g.last) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                }
                None => {
                    self.dependency_index.insert(g.key, self.dependency.len() as u32);
                    self.dependency.push(g);
                }
            }
        }
    }
}
