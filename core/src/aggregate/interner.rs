//! Tag values stored once per aggregator, and groups keyed by their numbers.
//!
//! Hostgroups, addresses, processes and protocols repeat across many groups (a hostgroup is in
//! every pair it talks in), so a group holds the 4-byte number of each tag value instead of its
//! own copy, and the group index is keyed by those numbers: a fixed-size key, no per-group heap
//! allocation for it.

use super::hasher::FxBuild;
use std::collections::HashMap;
use std::sync::Arc;

/// Distinct tag values and their numbers.
#[derive(Debug, Clone, Default)]
pub(super) struct Interner {
    ids: HashMap<Arc<str>, u32, FxBuild>,
    values: Vec<Arc<str>>,
}

impl Interner {
    /// The number of a value, given a new one when first seen.
    pub(super) fn id(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        // More than 4 billion distinct values would not fit in memory anyway.
        let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        let value: Arc<str> = value.into();
        self.values.push(Arc::clone(&value));
        self.ids.insert(value, id);
        id
    }

    /// The value of a number this interner gave.
    pub(super) fn get(&self, id: u32) -> &str {
        value_of(&self.values, id)
    }

    /// The values in number order: all another aggregator needs to translate the numbers.
    pub(super) fn into_values(self) -> Vec<Arc<str>> {
        self.values
    }
}

fn value_of(values: &[Arc<str>], id: u32) -> &str {
    values.get(id as usize).map_or("", |v| v)
}

/// Numbers of another aggregator's interner translated into this one's, each looked up once.
#[derive(Debug, Default)]
pub(super) struct Translation {
    mine: Vec<Option<u32>>,
}

impl Translation {
    /// `theirs`: the other interner's values in number order ([`Interner::into_values`]).
    pub(super) fn id(&mut self, id: u32, theirs: &[Arc<str>], mine: &mut Interner) -> u32 {
        let i = id as usize;
        if self.mine.len() <= i {
            self.mine.resize(i + 1, None);
        }
        *self.mine[i].get_or_insert_with(|| mine.id(value_of(theirs, id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_a_number_and_translate_by_value() {
        let mut a = Interner::default();
        assert_eq!((a.id("api"), a.id("db"), a.id("api"), a.id("")), (0, 1, 0, 2));
        assert_eq!((a.get(0), a.get(1), a.get(2)), ("api", "db", ""));
        let mut b = Interner::default();
        b.id("db");
        let mut t = Translation::default();
        let a = a.into_values();
        assert_eq!(t.id(0, &a, &mut b), 1, "api is new to b");
        assert_eq!(t.id(1, &a, &mut b), 0, "db was b's first value");
        assert_eq!(b.get(1), "api");
    }
}
