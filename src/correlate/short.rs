//! A list sized to its length.
//!
//! Most lists a connection keeps (its ids, patterns, steps reached, users) hold one or
//! two elements, or none, for as long as it is open: a `Vec` spends 24 bytes on the
//! handle and keeps room for four once it holds one. These are read far more often than
//! they change, so each change reallocating to the exact length costs little.

use std::ops::{Deref, DerefMut};

/// A boxed slice that can grow and shrink by reallocating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Short<T>(Box<[T]>);

impl<T> Default for Short<T> {
    fn default() -> Self {
        Short(Box::default())
    }
}

impl<T> Short<T> {
    fn edit(&mut self, f: impl FnOnce(&mut Vec<T>)) {
        let mut v = std::mem::take(&mut self.0).into_vec();
        f(&mut v);
        self.0 = v.into_boxed_slice();
    }

    /// Appends `x`.
    pub fn push(&mut self, x: T) {
        self.edit(|v| {
            v.reserve_exact(1);
            v.push(x);
        });
    }

    /// Inserts `x` at `i`.
    pub fn insert(&mut self, i: usize, x: T) {
        self.edit(|v| {
            v.reserve_exact(1);
            v.insert(i, x);
        });
    }

    /// Keeps the elements `keep` accepts.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        if !self.0.is_empty() {
            self.edit(|v| v.retain(keep));
        }
    }
}

impl<T> Deref for Short<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> DerefMut for Short<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T> IntoIterator for Short<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_vec().into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_shrinks_to_its_length() {
        let mut s = Short::default();
        s.push(3);
        s.push(1);
        s.insert(1, 2);
        assert_eq!(&s[..], &[3, 2, 1]);
        s.retain(|&x| x != 2);
        assert_eq!(&s[..], &[3, 1]);
        s[0] = 4;
        assert_eq!(s.into_iter().collect::<Vec<_>>(), vec![4, 1]);
    }
}
