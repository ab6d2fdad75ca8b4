//! The series cache of the line-protocol and CSV parsers: raw series keys (line protocol: the text
//! before the first unescaped space; CSV: a row without its time and value cells) to what the
//! aggregator made of them, so that repeated series skip the tag parsing and the group lookup.
//!
//! Keys are stored one after the other in one buffer, in the order they were first seen, and
//! the lookup first tries the series of the previous line and the one remembered after it.
//! Exports repeat their series in a fixed order (every series once per tick, or all points of
//! one series in a row), so most lines are found without hashing, by comparing the line with
//! bytes that sit next to the previous key in memory. A boxed key per series in a hash table
//! cost a cache miss per line on 5000 series (a profile showed a quarter of the parser's time
//! in the key comparison of the table lookup). Other orders fall back to the hash table.

use crate::aggregate::{FxBuild, SeriesHandle};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// At most this many series keys are remembered; the cache starts over when full, so memory
/// stays bounded whatever the number of series.
const MAX_CACHED_SERIES: usize = 1 << 16;

/// Lines read without the cache after it filled up without paying off.
const REST_LINES: usize = 4 * MAX_CACHED_SERIES;

/// At most this many key bytes are kept (the cache starts over past it too).
const MAX_CACHED_BYTES: usize = 64 << 20;

/// Passes a 64-bit hash through: the index is keyed by hashes already computed.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HashIsKey(u64);

impl Hasher for HashIsKey {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; any other input is still hashed, if poorly.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A remembered series.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Its key is `bytes[start..end]`.
    start: usize,
    end: usize,
    measurement_end: usize,
    handle: SeriesHandle,
    /// The next entry whose key has the same 64-bit hash, if any.
    same_hash: Option<usize>,
}

/// Series keys of lines already read, with the end of their measurement and their handle.
#[derive(Debug, Default)]
pub(crate) struct SeriesCache {
    bytes: Vec<u8>,
    entries: Vec<Entry>,
    /// Hash of a key to the last entry with that hash.
    index: HashMap<u64, usize, BuildHasherDefault<HashIsKey>>,
    /// The entry found or added last.
    last: Option<usize>,
    /// Lines found since the cache last started over.
    hits: usize,
    /// Lines left during which the cache is not used (see [`SeriesCache::remember`]).
    resting: usize,
}

/// The id of a remembered series, valid until the cache starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesId(usize);

impl SeriesCache {
    fn key(&self, entry: usize) -> &[u8] {
        let e = &self.entries[entry];
        &self.bytes[e.start..e.end]
    }

    fn hash(key: &[u8]) -> u64 {
        FxBuild::default().hash_one(key)
    }

    /// The series of a key, if remembered, with the end of its measurement and its handle.
    #[inline]
    pub(crate) fn find(&mut self, key: &[u8]) -> Option<(SeriesId, usize, SeriesHandle)> {
        if self.resting > 0 {
            return None;
        }
        let found = self.find_entry(key)?;
        self.hits += 1;
        self.last = Some(found);
        let e = &self.entries[found];
        Some((SeriesId(found), e.measurement_end, e.handle))
    }

    fn find_entry(&self, key: &[u8]) -> Option<usize> {
        if let Some(last) = self.last {
            // The same series again, or the one that came after it last time.
            for guess in [last, last + 1] {
                if guess < self.entries.len() && self.key(guess) == key {
                    return Some(guess);
                }
            }
        }
        let mut candidate = self.index.get(&Self::hash(key)).copied();
        while let Some(i) = candidate {
            if self.key(i) == key {
                return Some(i);
            }
            candidate = self.entries[i].same_hash;
        }
        None
    }

    /// Changes the handle of a remembered series.
    pub(crate) fn set_handle(&mut self, id: SeriesId, handle: SeriesHandle) {
        if let Some(e) = self.entries.get_mut(id.0) {
            e.handle = handle;
        }
    }

    /// Remembers what the aggregator made of a series: updates it when `id` (from [`find`]
    /// since the last change) names it, adds it otherwise.
    pub(crate) fn remember(&mut self, id: Option<SeriesId>, key: &[u8], measurement_end: usize, handle: SeriesHandle) {
        if let Some(e) = id.and_then(|id| self.entries.get_mut(id.0)) {
            e.measurement_end = measurement_end;
            e.handle = handle;
            return;
        }
        if self.resting > 0 {
            self.resting -= 1;
            return;
        }
        if self.entries.len() >= MAX_CACHED_SERIES || self.bytes.len() + key.len() > MAX_CACHED_BYTES {
            // Filled with fewer hits than entries: the series come back too far apart (a
            // fleet of more series than the cache holds, read tick by tick). Remembering them
            // costs a hash and a copy per line for nothing, so the cache rests for a while,
            // then tries again (the order of the input may change).
            if self.hits < self.entries.len() {
                self.resting = REST_LINES;
            }
            self.bytes.clear();
            self.entries.clear();
            self.index.clear();
            self.last = None;
            self.hits = 0;
            if self.resting > 0 {
                return;
            }
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        let new = self.entries.len();
        let same_hash = self.index.insert(Self::hash(key), new);
        self.entries.push(Entry { start, end: self.bytes.len(), measurement_end, handle, same_hash });
        self.last = Some(new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_of(keys: &[&str]) -> SeriesCache {
        let mut cache = SeriesCache::default();
        for (i, key) in keys.iter().enumerate() {
            cache.remember(None, key.as_bytes(), i, SeriesHandle::Other);
        }
        cache
    }

    #[test]
    fn keys_are_found_in_any_order_and_unknown_keys_are_not() {
        let keys = ["m,k=a", "m,k=b", "m,k=c", "n", "m,k=a,x=y"];
        let mut cache = cache_of(&keys);
        for order in [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 2, 0, 4, 1]] {
            for i in order {
                let (_, measurement_end, _) = cache.find(keys[i].as_bytes()).expect("remembered");
                assert_eq!(measurement_end, i, "{}", keys[i]);
            }
        }
        for unknown in ["m,k=", "m,k=d", "", "m,k=a,x=y,"] {
            assert_eq!(cache.find(unknown.as_bytes()), None, "{unknown}");
        }
    }

    #[test]
    fn keys_with_the_same_hash_are_told_apart() {
        let mut cache = cache_of(&["a", "b"]);
        // Two entries made to share one hash chain, as a 64-bit collision would.
        let hash_of_a = SeriesCache::hash(b"a");
        cache.index.insert(hash_of_a, 1);
        cache.entries[1].same_hash = Some(0);
        cache.last = None;
        assert_eq!(cache.find(b"a").map(|(id, ..)| id), Some(SeriesId(0)));
        cache.last = None;
        assert_eq!(cache.find(b"b").map(|(id, ..)| id), Some(SeriesId(1)));
    }

    #[test]
    fn a_remembered_series_takes_its_new_handle() {
        let mut cache = cache_of(&["m,k=a", "m,k=b"]);
        let (id, ..) = cache.find(b"m,k=a").expect("remembered");
        cache.remember(Some(id), b"m,k=a", 1, SeriesHandle::Unresolved);
        cache.set_handle(id, SeriesHandle::Unresolved);
        assert_eq!(cache.find(b"m,k=a").map(|(_, m, h)| (m, h)), Some((1, SeriesHandle::Unresolved)));
        assert_eq!(cache.entries.len(), 2);
    }

    #[test]
    fn a_cache_that_fills_without_hits_rests_then_works_again() {
        let mut cache = SeriesCache::default();
        for i in 0..MAX_CACHED_SERIES {
            cache.remember(None, format!("m,k={i}").as_bytes(), 1, SeriesHandle::Other);
        }
        // Full, never hit: the next series is not remembered, nor any for REST_LINES lines.
        cache.remember(None, b"m,k=next", 1, SeriesHandle::Other);
        assert_eq!(cache.find(b"m,k=next"), None);
        assert_eq!(cache.entries.len(), 0);
        for _ in 0..REST_LINES {
            cache.remember(None, b"m,k=again", 1, SeriesHandle::Other);
        }
        assert_eq!(cache.find(b"m,k=again"), None);
        // Then it remembers again.
        cache.remember(None, b"m,k=again", 1, SeriesHandle::Other);
        assert_eq!(cache.find(b"m,k=again").map(|(_, m, h)| (m, h)), Some((1, SeriesHandle::Other)));
    }

    #[test]
    fn the_cache_forgets_everything_when_full_and_keeps_working() {
        let mut cache = SeriesCache::default();
        for i in 0..=MAX_CACHED_SERIES {
            let key = format!("m,k={i}");
            cache.remember(None, key.as_bytes(), 1, SeriesHandle::Other);
            // Each series read twice: the cache pays off, so it does not rest when full.
            assert!(cache.find(key.as_bytes()).is_some());
        }
        assert_eq!(cache.entries.len(), 1);
        let last = format!("m,k={MAX_CACHED_SERIES}");
        assert_eq!(cache.find(last.as_bytes()).map(|(_, m, h)| (m, h)), Some((1, SeriesHandle::Other)));
        assert_eq!(cache.find(b"m,k=0"), None);
    }
}
