//! Ordered maps and sets as sorted vectors: [`VecMap`] and [`VecSet`].
//!
//! They stand in for `BTreeMap` and `BTreeSet` where a map holds a handful
//! of entries (a node's peers, a vector clock, a client's sessions, the
//! checker's bookkeeping, the page's state). The reason is the page's
//! download: every key/value type of a `BTreeMap` compiles its own B-tree
//! (search, insertion with splits, removal with merges, iteration), about
//! 4 KB of WebAssembly each, and the page held some 45 of them. Here each
//! type costs a binary search and a `Vec` insertion or removal.
//!
//! The behaviour is the B-tree's, for the subset of its API used here:
//! iteration in key order, `insert` replacing the value (and keeping the
//! key) of an equal key, the same `Debug` output, and equality, order and
//! hash over the entries in key order. What differs is the cost: looking
//! up is O(log n), inserting or removing O(n) (a `memmove`). Maps that
//! grow with a run (the simulator's event queue, what is in flight) keep
//! `BTreeMap`.
//!
//! Building from an iterator inserts one by one (no sort: each element
//! type's sort is code too), so it is O(n²) moves at worst and O(n) for
//! input already in order.
//!
//! Depends on nothing.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::ops::{Bound, Index, RangeBounds};

/// The positions of `items` (sorted by `cmp`'s key) inside `range`.
fn span<T, Q: ?Sized, R: RangeBounds<Q>>(items: &[T], range: R, cmp: impl Fn(&T, &Q) -> Ordering) -> (usize, usize) {
    let start = match range.start_bound() {
        Bound::Included(low) => items.partition_point(|item| cmp(item, low) == Ordering::Less),
        Bound::Excluded(low) => items.partition_point(|item| cmp(item, low) != Ordering::Greater),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(high) => items.partition_point(|item| cmp(item, high) != Ordering::Greater),
        Bound::Excluded(high) => items.partition_point(|item| cmp(item, high) == Ordering::Less),
        Bound::Unbounded => items.len(),
    };
    (start, end.max(start))
}

/// An iterator over a slice, mapping each item: the iterators of
/// [`VecMap`] and [`VecSet`].
macro_rules! iterator {
    ($(#[$doc:meta])* $name:ident<$($lt:lifetime,)? $($param:ident),*>, $inner:ty, $item:ty, |$x:pat_param| $map:expr) => {
        $(#[$doc])*
        pub struct $name<$($lt,)? $($param),*>($inner);

        impl<$($lt,)? $($param),*> Iterator for $name<$($lt,)? $($param),*> {
            type Item = $item;
            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$x| $map)
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
        }

        impl<$($lt,)? $($param),*> DoubleEndedIterator for $name<$($lt,)? $($param),*> {
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$x| $map)
            }
        }

        impl<$($lt,)? $($param),*> ExactSizeIterator for $name<$($lt,)? $($param),*> {}
    };
}

/// An ordered map as a vector of entries sorted by key, for maps that hold
/// a handful of entries (see the crate's documentation: a `BTreeMap` costs
/// the page's download about 4 KB per key/value type).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VecMap<K, V> {
    /// Sorted by key, keys distinct.
    entries: Vec<(K, V)>,
}

impl<K, V> VecMap<K, V> {
    pub const fn new() -> VecMap<K, V> {
        VecMap { entries: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    /// The entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut(self.entries.iter_mut())
    }

    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys(self.entries.iter())
    }

    pub fn values(&self) -> Values<'_, K, V> {
        Values(self.entries.iter())
    }

    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut(self.entries.iter_mut())
    }

    pub fn into_keys(self) -> IntoKeys<K, V> {
        IntoKeys(self.entries.into_iter())
    }

    pub fn into_values(self) -> IntoValues<K, V> {
        IntoValues(self.entries.into_iter())
    }

    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    pub fn pop_first(&mut self) -> Option<(K, V)> {
        if self.entries.is_empty() {
            None
        } else {
            Some(self.entries.remove(0))
        }
    }

    pub fn pop_last(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    /// Keeps the entries for which `keep` is true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// `Ok` with the entry's position, or `Err` with where it would go.
    fn find<Q: ?Sized + Ord>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: ?Sized + Ord>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_key_value<Q: ?Sized + Ord>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| (&self.entries[i].0, &self.entries[i].1))
    }

    pub fn get_mut<Q: ?Sized + Ord>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: ?Sized + Ord>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Inserts `value` under `key`; an equal key already there keeps its
    /// key and gives back its old value, as `BTreeMap::insert` does.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: ?Sized + Ord>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    pub fn remove_entry<Q: ?Sized + Ord>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i))
    }

    /// The entry for `key`, to read, fill or change in place.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let found = self.find(&key);
        Entry { map: self, key, found }
    }

    /// The entries whose keys are in `range`, in key order.
    pub fn range<Q: ?Sized + Ord, R: RangeBounds<Q>>(&self, range: R) -> Iter<'_, K, V>
    where
        K: Borrow<Q>,
    {
        let (start, end) = span(&self.entries, range, |(k, _), q| k.borrow().cmp(q));
        Iter(self.entries[start..end].iter())
    }
}

/// A map's entry for one key, present or not ([`VecMap::entry`]).
pub struct Entry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    key: K,
    /// The key's position, or where it would go.
    found: Result<usize, usize>,
}

impl<'a, K, V> Entry<'a, K, V> {
    pub fn key(&self) -> &K {
        match self.found {
            Ok(i) => &self.map.entries[i].0,
            Err(_) => &self.key,
        }
    }

    /// The value, inserting `make()` first if the key is absent.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.found {
            Ok(i) => i,
            Err(i) => {
                self.map.entries.insert(i, (self.key, make()));
                i
            }
        };
        &mut self.map.entries[i].1
    }

    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Changes the value if the key is present.
    pub fn and_modify(self, change: impl FnOnce(&mut V)) -> Self {
        if let Ok(i) = self.found {
            change(&mut self.map.entries[i].1);
        }
        self
    }
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> VecMap<K, V> {
        VecMap::new()
    }
}

/// As `BTreeMap`'s: `{k: v, ...}` in key order.
impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Ord + Borrow<Q>, Q: ?Sized + Ord, V> Index<&Q> for VecMap<K, V> {
    type Output = V;

    /// Panics when the key is absent, as `BTreeMap`'s does.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (k, v) in entries {
            self.insert(k, v);
        }
    }
}

impl<'a, K: Ord + Copy, V: Copy> Extend<(&'a K, &'a V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, entries: I) {
        for (&k, &v) in entries {
            self.insert(k, v);
        }
    }
}

/// Later entries win over earlier ones with equal keys, as in `BTreeMap`.
impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> VecMap<K, V> {
        let mut map = VecMap::new();
        map.extend(entries);
        map
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for VecMap<K, V> {
    fn from(entries: [(K, V); N]) -> VecMap<K, V> {
        VecMap::from_iter(entries)
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut VecMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> std::vec::IntoIter<(K, V)> {
        self.entries.into_iter()
    }
}

iterator!(
    /// A [`VecMap`]'s entries in key order.
    Iter<'a, K, V>, std::slice::Iter<'a, (K, V)>, (&'a K, &'a V), |(k, v)| (k, v)
);
iterator!(
    /// A [`VecMap`]'s entries in key order, values mutable.
    IterMut<'a, K, V>, std::slice::IterMut<'a, (K, V)>, (&'a K, &'a mut V), |(k, v)| (&*k, v)
);
iterator!(
    /// A [`VecMap`]'s keys in order.
    Keys<'a, K, V>, std::slice::Iter<'a, (K, V)>, &'a K, |(k, _)| k
);
iterator!(
    /// A [`VecMap`]'s values in key order.
    Values<'a, K, V>, std::slice::Iter<'a, (K, V)>, &'a V, |(_, v)| v
);
iterator!(
    /// A [`VecMap`]'s values in key order, mutable.
    ValuesMut<'a, K, V>, std::slice::IterMut<'a, (K, V)>, &'a mut V, |(_, v)| v
);
iterator!(
    /// A [`VecMap`]'s keys in order, owned.
    IntoKeys<K, V>, std::vec::IntoIter<(K, V)>, K, |(k, _)| k
);
iterator!(
    /// A [`VecMap`]'s values in key order, owned.
    IntoValues<K, V>, std::vec::IntoIter<(K, V)>, V, |(_, v)| v
);

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

impl<K, V> Clone for Keys<'_, K, V> {
    fn clone(&self) -> Self {
        Keys(self.0.clone())
    }
}

impl<K, V> Clone for Values<'_, K, V> {
    fn clone(&self) -> Self {
        Values(self.0.clone())
    }
}

/// An ordered set as a sorted vector, for sets that hold a handful of
/// elements (see the crate's documentation: a `BTreeSet` costs the page's
/// download about 4 KB per element type).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VecSet<T> {
    /// Sorted, distinct.
    elements: Vec<T>,
}

impl<T> VecSet<T> {
    pub const fn new() -> VecSet<T> {
        VecSet { elements: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    pub fn clear(&mut self) {
        self.elements.clear();
    }

    /// The elements in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.elements.iter()
    }

    /// The elements in order, as a slice.
    pub fn as_slice(&self) -> &[T] {
        &self.elements
    }

    pub fn first(&self) -> Option<&T> {
        self.elements.first()
    }

    pub fn last(&self) -> Option<&T> {
        self.elements.last()
    }

    pub fn pop_first(&mut self) -> Option<T> {
        if self.elements.is_empty() {
            None
        } else {
            Some(self.elements.remove(0))
        }
    }

    pub fn pop_last(&mut self) -> Option<T> {
        self.elements.pop()
    }

    /// Keeps the elements for which `keep` is true, in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.elements.retain(keep);
    }
}

impl<T: Ord> VecSet<T> {
    /// `Ok` with the element's position, or `Err` with where it would go.
    fn find<Q: ?Sized + Ord>(&self, value: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.elements.binary_search_by(|e| e.borrow().cmp(value))
    }

    pub fn contains<Q: ?Sized + Ord>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.find(value).is_ok()
    }

    pub fn get<Q: ?Sized + Ord>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
    {
        self.find(value).ok().map(|i| &self.elements[i])
    }

    /// Whether `value` was new. An equal element already there stays (and
    /// `value` is dropped), as in `BTreeSet::insert`.
    pub fn insert(&mut self, value: T) -> bool {
        match self.find(&value) {
            Ok(_) => false,
            Err(i) => {
                self.elements.insert(i, value);
                true
            }
        }
    }

    /// Whether `value` was there.
    pub fn remove<Q: ?Sized + Ord>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.take(value).is_some()
    }

    pub fn take<Q: ?Sized + Ord>(&mut self, value: &Q) -> Option<T>
    where
        T: Borrow<Q>,
    {
        self.find(value).ok().map(|i| self.elements.remove(i))
    }

    /// The elements in `range`, in order.
    pub fn range<Q: ?Sized + Ord, R: RangeBounds<Q>>(&self, range: R) -> std::slice::Iter<'_, T>
    where
        T: Borrow<Q>,
    {
        let (start, end) = span(&self.elements, range, |e, q| e.borrow().cmp(q));
        self.elements[start..end].iter()
    }

    /// The elements of either set, in order, each once (from `self` when
    /// in both).
    pub fn union<'a>(&'a self, other: &'a VecSet<T>) -> Union<'a, T> {
        Union { a: &self.elements, b: &other.elements }
    }

    /// The elements of `self` not in `other`, in order.
    pub fn difference<'a>(&'a self, other: &'a VecSet<T>) -> impl Iterator<Item = &'a T> + 'a {
        self.elements.iter().filter(move |e| !other.contains(*e))
    }

    /// The elements of `self` also in `other`, in order.
    pub fn intersection<'a>(&'a self, other: &'a VecSet<T>) -> impl Iterator<Item = &'a T> + 'a {
        self.elements.iter().filter(move |e| other.contains(*e))
    }

    pub fn is_subset(&self, other: &VecSet<T>) -> bool {
        self.len() <= other.len() && self.elements.iter().all(|e| other.contains(e))
    }

    pub fn is_superset(&self, other: &VecSet<T>) -> bool {
        other.is_subset(self)
    }
}

/// The union of two [`VecSet`]s in order ([`VecSet::union`]).
pub struct Union<'a, T> {
    a: &'a [T],
    b: &'a [T],
}

impl<'a, T: Ord> Iterator for Union<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        let (a, b) = (self.a.first(), self.b.first());
        let order = match (a, b) {
            (None, None) => return None,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y),
        };
        if order != Ordering::Greater {
            self.a = &self.a[1..];
        }
        if order != Ordering::Less {
            self.b = &self.b[1..];
        }
        if order == Ordering::Greater {
            b
        } else {
            a
        }
    }
}

impl<T> Default for VecSet<T> {
    fn default() -> VecSet<T> {
        VecSet::new()
    }
}

/// As `BTreeSet`'s: `{a, b, ...}` in order.
impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        for value in values {
            self.insert(value);
        }
    }
}

impl<'a, T: Ord + Copy + 'a> Extend<&'a T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, values: I) {
        for &value in values {
            self.insert(value);
        }
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> VecSet<T> {
        let mut set = VecSet::new();
        set.extend(values);
        set
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for VecSet<T> {
    fn from(values: [T; N]) -> VecSet<T> {
        VecSet::from_iter(values)
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> std::slice::Iter<'a, T> {
        self.elements.iter()
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> std::vec::IntoIter<T> {
        self.elements.into_iter()
    }
}
