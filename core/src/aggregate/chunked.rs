//! A list of groups that grows in fixed-size chunks instead of doubling.
//!
//! A `Vec` of a million groups doubles to 2^20 slots and, while it moves to the larger
//! allocation, holds the old one too: at its peak three times the slots in use for every group
//! in the list. Chunks of [`CHUNK`] groups never move, so the peak is the groups themselves plus
//! at most one partly filled chunk (the first chunk still grows by doubling, so a small input
//! does not pay for a whole chunk).

use std::ops::{Index, IndexMut};

/// Groups per chunk (a power of two, so an index splits with a shift and a mask).
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

#[derive(Debug, Clone)]
pub(crate) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Chunked<T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(value),
            Some(_) => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
            None => self.chunks.push(vec![value]),
        }
        self.len += 1;
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        &self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl<T> IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl<T> IntoIterator for Chunked<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

impl<'a, T> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut list = Chunked::default();
        for item in items {
            list.push(item);
        }
        list
    }
}

/// Serialized as a plain sequence, the same bytes as the `Vec` it replaced.
impl<T: serde::Serialize> serde::Serialize for Chunked<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        // With the length up front: compact formats (postcard, for slice states) need it, and
        // a flattened iterator does not tell it.
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for item in self.iter() {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Chunked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(deserializer)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_pushes_and_iterates_as_a_vec_across_chunks() {
        let n = 3 * CHUNK + 17;
        let mut list = Chunked::default();
        let mut vec = Vec::new();
        for i in 0..n {
            list.push(i * 7);
            vec.push(i * 7);
        }
        assert_eq!(list.len(), n);
        list[CHUNK + 5] += 1;
        vec[CHUNK + 5] += 1;
        assert!((0..n).all(|i| list[i] == vec[i]));
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), vec);
        assert_eq!((&list).into_iter().count(), n);
        assert_eq!(list.clone().into_iter().collect::<Vec<_>>(), vec);
        // Every chunk after the first holds exactly CHUNK slots: nothing moves or doubles.
        assert!(list.chunks[1..].iter().all(|c| c.capacity() == CHUNK));
        assert_eq!(list.chunks[0].capacity(), CHUNK);
    }

    #[test]
    fn serializes_as_the_vec_it_replaced() {
        let list: Chunked<u32> = (0..(CHUNK as u32 + 3)).collect();
        let vec: Vec<u32> = (0..(CHUNK as u32 + 3)).collect();
        let bytes = serde_json::to_vec(&list).expect("serializes");
        assert_eq!(bytes, serde_json::to_vec(&vec).expect("serializes"));
        let back: Chunked<u32> = serde_json::from_slice(&bytes).expect("deserializes");
        assert_eq!(back.iter().copied().collect::<Vec<_>>(), vec);
        // postcard (slice states) writes the length first: it must be known before the items.
        let compact = postcard::to_allocvec(&list).expect("serializes");
        assert_eq!(compact, postcard::to_allocvec(&vec).expect("serializes"));
        let back: Chunked<u32> = postcard::from_bytes(&compact).expect("deserializes");
        assert_eq!(back.len(), vec.len());
    }
}
