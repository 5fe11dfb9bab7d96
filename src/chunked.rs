//! A growable array stored in fixed-size chunks.
//!
//! `scan` holds each input's matched records in it while reading, and the correlation its
//! connections; `watch` keeps one connection slot per open connection for as long as it
//! runs. In a `Vec` the capacity doubles, so up to a third of the memory is spare
//! capacity (at 100k open connections, or 700k records at 1 GB of logs), and each doubling
//! holds the old and the new array at once. Chunks waste at most one chunk and never move
//! what they hold.

use std::ops::{Index, IndexMut};

/// Elements per chunk: small enough that the last, partly used chunk costs little, large
/// enough that the list of chunks stays short.
const CHUNK: usize = 1024;

/// A `Vec`-like array that grows one chunk at a time.
#[derive(Clone, Debug)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No element is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `x`.
    pub fn push(&mut self, x: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(x),
            _ => {
                // The first chunk grows as a `Vec` does: a small input holds a few slots.
                let cap = if self.chunks.is_empty() { 16 } else { CHUNK };
                let mut c = Vec::with_capacity(cap);
                c.push(x);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }

    /// The elements in order, to change in place.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.chunks.iter_mut().flatten()
    }

    /// Keeps the elements `keep` accepts, in order, moving them down in place as
    /// `Vec::retain` does: nothing is allocated, and the chunks left empty at the end are
    /// freed.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let mut kept = 0;
        for i in 0..self.len {
            if keep(&self[i]) {
                self.swap(kept, i);
                kept += 1;
            }
        }
        self.truncate(kept);
    }

    /// Swaps elements `a <= b`.
    fn swap(&mut self, a: usize, b: usize) {
        let ((ca, ia), (cb, ib)) = ((a / CHUNK, a % CHUNK), (b / CHUNK, b % CHUNK));
        if ca == cb {
            self.chunks[ca].swap(ia, ib);
        } else {
            let (low, high) = self.chunks.split_at_mut(cb);
            std::mem::swap(&mut low[ca][ia], &mut high[0][ib]);
        }
    }

    /// Drops the elements from `len` on.
    fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.chunks.truncate(len.div_ceil(CHUNK));
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(len - (len - 1) / CHUNK * CHUNK);
        }
        self.len = len;
    }

    /// Reverses the order of the elements, one chunk at a time: the old chunks are freed
    /// as the new ones fill, so at most one chunk more is held.
    pub fn reverse(&mut self) {
        let mut old = std::mem::take(self);
        while let Some(c) = old.chunks.pop() {
            for x in c.into_iter().rev() {
                self.push(x);
            }
        }
    }

    /// The elements as one `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        let mut v = Vec::with_capacity(self.len);
        for c in self.chunks {
            v.extend(c);
        }
        v
    }
}

/// The elements in order, each chunk freed as soon as its last element is taken: moving
/// the elements on into another list holds them twice only a chunk at a time.
impl<T> IntoIterator for Chunked<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T> IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_across_chunks_and_retains_in_order() {
        let mut c = Chunked::default();
        for i in 0..3 * CHUNK + 5 {
            c.push(i);
        }
        assert_eq!(c.len(), 3 * CHUNK + 5);
        assert_eq!(c[CHUNK], CHUNK);
        assert_eq!(c[3 * CHUNK + 4], 3 * CHUNK + 4);
        c[8] = 80;
        assert_eq!(c[8], 80);
        c.retain(|&x| x % 2 == 0);
        assert_eq!(c.len(), (3 * CHUNK + 5).div_ceil(2));
        assert_eq!(c[CHUNK], 2 * CHUNK);
        assert!(c.iter().all(|x| x % 2 == 0));
        assert_eq!(c.into_vec().len(), (3 * CHUNK + 5).div_ceil(2));
    }

    #[test]
    fn retaining_in_place_frees_emptied_chunks_and_keeps_growing_right() {
        let mut c = Chunked::default();
        for i in 0..3 * CHUNK {
            c.push(i);
        }
        let mut seen = Vec::new();
        c.retain(|&x| {
            seen.push(x);
            x % 3 == 0 || x == 3 * CHUNK - 1
        });
        // Each element asked about once, in order, as `Vec::retain` does.
        assert!(seen.into_iter().eq(0..3 * CHUNK));
        let want: Vec<usize> = (0..3 * CHUNK)
            .filter(|&x| x % 3 == 0 || x == 3 * CHUNK - 1)
            .collect();
        assert_eq!(c.len(), want.len());
        assert_eq!(c.chunks.len(), want.len().div_ceil(CHUNK));
        for x in 0..CHUNK {
            c.push(10 * CHUNK + x);
        }
        let all: Vec<usize> = c.iter().copied().collect();
        assert_eq!(all[..want.len()], want[..]);
        assert!(all[want.len()..].iter().copied().eq(10 * CHUNK..11 * CHUNK));
        assert_eq!(c[want.len() + 1], 10 * CHUNK + 1);
        c.retain(|_| false);
        assert_eq!((c.len(), c.chunks.len()), (0, 0));
    }

    #[test]
    fn reverses_across_a_partly_filled_last_chunk() {
        let n = 2 * CHUNK + 7;
        let mut c = Chunked::default();
        for i in 0..n {
            c.push(i);
        }
        c.reverse();
        assert_eq!(c.len(), n);
        // Indexing still finds every element where a reversed `Vec` holds it.
        assert_eq!(c[0], n - 1);
        assert_eq!(c[CHUNK], n - 1 - CHUNK);
        assert_eq!(c[n - 1], 0);
        assert!(c.into_iter().eq((0..n).rev()));
    }
}
