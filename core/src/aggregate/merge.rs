//! Merging two aggregators of the same profile and window.

use super::group_key::{push_key_part, start_key};
use super::partial::merge_into;
use super::Aggregator;

impl Aggregator {
    /// Merges another aggregator built with the same profile and window.
    pub fn merge(&mut self, other: Aggregator) {
        self.stats.add(&other.stats);
        match (self.exporter.as_mut(), other.exporter) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, theirs) => self.exporter = theirs,
            (Some(_), None) => {}
        }
        for n in other.newest.into_iter().chain(other.oldest) {
            self.note_time(n);
        }
        let mut recount = Vec::new();
        for g in other.traffic {
            start_key(&mut self.key, g.rule);
            g.tags.iter().for_each(|t| push_key_part(&mut self.key, t));
            match self.traffic_index.get(self.key.as_slice()) {
                Some(&i) => {
                    let mine = &mut self.traffic[i];
                    if let Some(p) = &g.aggregated {
                        merge_into(&mut mine.aggregated, p);
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
                            None => mine.buckets.push((*b, p.clone())),
                        }
                    }
                }
                None => {
                    self.traffic_index.insert(self.key.as_slice().into(), self.traffic.len());
                    self.traffic.push(g);
                }
            }
        }
        for i in recount {
            self.recount(i);
        }
        for g in other.dependency {
            start_key(&mut self.key, g.rule);
            g.tags.iter().for_each(|t| push_key_part(&mut self.key, t));
            match self.dependency_index.get(self.key.as_slice()) {
                Some(&i) => {
                    let mine = &mut self.dependency[i];
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
                    self.dependency_index.insert(self.key.as_slice().into(), self.dependency.len());
                    self.dependency.push(g);
                }
            }
        }
    }
}
