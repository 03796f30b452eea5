//! `VecMap` and `VecSet` against `BTreeMap` and `BTreeSet` as the oracle:
//! random sequences of operations give the same answers, the same contents
//! in the same order, the same `Debug` text, and the same comparisons.

use faultline_collections::{VecMap, VecSet};
use proptest::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::ops::Bound;

#[derive(Clone, Debug)]
enum MapOp {
    Insert(u8, u32),
    Remove(u8),
    Get(u8),
    AddToEntry(u8, u32),
    OrInsert(u8, u32),
    PopFirst,
    PopLast,
    RetainEven,
    Range(Bound<u8>, Bound<u8>),
    Extend(Vec<(u8, u32)>),
}

/// Small keys, so that operations meet the keys already there.
fn map_op() -> impl Strategy<Value = MapOp> {
    let key = 0u8..24;
    let bound =
        prop_oneof![Just(Bound::Unbounded), (0u8..24).prop_map(Bound::Included), (0u8..24).prop_map(Bound::Excluded)];
    prop_oneof![
        4 => (key.clone(), any::<u32>()).prop_map(|(k, v)| MapOp::Insert(k, v)),
        2 => key.clone().prop_map(MapOp::Remove),
        2 => key.clone().prop_map(MapOp::Get),
        2 => (key.clone(), 0u32..100).prop_map(|(k, v)| MapOp::AddToEntry(k, v)),
        1 => (key.clone(), any::<u32>()).prop_map(|(k, v)| MapOp::OrInsert(k, v)),
        1 => Just(MapOp::PopFirst),
        1 => Just(MapOp::PopLast),
        1 => Just(MapOp::RetainEven),
        2 => (bound.clone(), bound).prop_map(|(a, b)| MapOp::Range(a, b)),
        1 => proptest::collection::vec((key, any::<u32>()), 0..8).prop_map(MapOp::Extend),
    ]
}

/// Whether `BTreeMap::range` accepts these bounds (it panics on a start
/// after the end, and on equal bounds both excluded).
fn valid_range(start: Bound<u8>, end: Bound<u8>) -> bool {
    match (start, end) {
        (Bound::Excluded(a), Bound::Excluded(b)) => a < b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => a <= b,
        _ => true,
    }
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn same_map(vec: &VecMap<u8, u32>, tree: &BTreeMap<u8, u32>) {
    assert_eq!(vec.len(), tree.len());
    assert_eq!(vec.is_empty(), tree.is_empty());
    assert!(vec.iter().eq(tree.iter()));
    assert!(vec.iter().rev().eq(tree.iter().rev()));
    assert!(vec.keys().eq(tree.keys()));
    assert!(vec.values().eq(tree.values()));
    assert!(vec.into_iter().eq(tree.iter()));
    assert_eq!(vec.first_key_value(), tree.first_key_value());
    assert_eq!(vec.last_key_value(), tree.last_key_value());
    assert_eq!(format!("{vec:?}"), format!("{tree:?}"));
    assert_eq!(format!("{vec:#?}"), format!("{tree:#?}"));
    assert_eq!(hash_of(vec), hash_of(tree));
    for k in 0..24 {
        assert_eq!(vec.get(&k), tree.get(&k));
        assert_eq!(vec.contains_key(&k), tree.contains_key(&k));
    }
}

proptest! {
    #[test]
    fn a_vec_map_behaves_as_a_btree_map(ops in proptest::collection::vec(map_op(), 0..64)) {
        let mut vec = VecMap::new();
        let mut tree = BTreeMap::new();
        for op in ops {
            match op {
                MapOp::Insert(k, v) => prop_assert_eq!(vec.insert(k, v), tree.insert(k, v)),
                MapOp::Remove(k) => prop_assert_eq!(vec.remove(&k), tree.remove(&k)),
                MapOp::Get(k) => {
                    prop_assert_eq!(vec.get(&k), tree.get(&k));
                    prop_assert_eq!(vec.get_key_value(&k), tree.get_key_value(&k));
                    if let (Some(a), Some(b)) = (vec.get_mut(&k), tree.get_mut(&k)) {
                        *a += 1;
                        *b += 1;
                    }
                }
                MapOp::AddToEntry(k, v) => {
                    let a: &mut u32 = vec.entry(k).or_default();
                    *a = a.wrapping_add(v);
                    let b: &mut u32 = tree.entry(k).or_default();
                    *b = b.wrapping_add(v);
                    vec.entry(k).and_modify(|x| *x ^= 1);
                    tree.entry(k).and_modify(|x| *x ^= 1);
                }
                MapOp::OrInsert(k, v) => {
                    prop_assert_eq!(*vec.entry(k).key(), *tree.entry(k).key());
                    prop_assert_eq!(*vec.entry(k).or_insert(v), *tree.entry(k).or_insert(v));
                }
                MapOp::PopFirst => prop_assert_eq!(vec.pop_first(), tree.pop_first()),
                MapOp::PopLast => prop_assert_eq!(vec.pop_last(), tree.pop_last()),
                MapOp::RetainEven => {
                    vec.retain(|k, v| (u32::from(*k) + *v) & 1 == 0);
                    tree.retain(|k, v| (u32::from(*k) + *v) & 1 == 0);
                }
                MapOp::Range(start, end) => {
                    if valid_range(start, end) {
                        prop_assert!(vec.range((start, end)).eq(tree.range((start, end))));
                    }
                }
                MapOp::Extend(entries) => {
                    vec.extend(entries.iter().copied());
                    tree.extend(entries.iter().copied());
                }
            }
            same_map(&vec, &tree);
        }
        let values: Vec<u32> = vec.clone().into_values().collect();
        prop_assert_eq!(values, tree.clone().into_values().collect::<Vec<_>>());
        let keys: Vec<u8> = vec.clone().into_keys().collect();
        prop_assert_eq!(keys, tree.clone().into_keys().collect::<Vec<_>>());
        for (_, v) in vec.iter_mut() {
            *v = v.wrapping_mul(3);
        }
        for v in tree.values_mut() {
            *v = v.wrapping_mul(3);
        }
        same_map(&vec, &tree);
        for v in vec.values_mut() {
            *v = v.wrapping_add(7);
        }
        for v in tree.values_mut() {
            *v = v.wrapping_add(7);
        }
        same_map(&vec, &tree);
        for (k, v) in &mut vec {
            *v = v.wrapping_add(u32::from(*k));
        }
        for (k, v) in tree.iter_mut() {
            *v = v.wrapping_add(u32::from(*k));
        }
        same_map(&vec, &tree);
    }

    #[test]
    fn building_from_entries_keeps_the_last_of_equal_keys(
        entries in proptest::collection::vec((0u8..16, any::<u32>()), 0..32)
    ) {
        let vec: VecMap<u8, u32> = entries.iter().copied().collect();
        let tree: BTreeMap<u8, u32> = entries.iter().copied().collect();
        same_map(&vec, &tree);
    }

    #[test]
    fn maps_compare_as_btree_maps_do(
        a in proptest::collection::vec((0u8..6, 0u32..3), 0..6),
        b in proptest::collection::vec((0u8..6, 0u32..3), 0..6),
    ) {
        let (va, vb): (VecMap<u8, u32>, VecMap<u8, u32>) = (a.iter().copied().collect(), b.iter().copied().collect());
        let (ta, tb): (BTreeMap<u8, u32>, BTreeMap<u8, u32>) = (a.into_iter().collect(), b.into_iter().collect());
        prop_assert_eq!(va == vb, ta == tb);
        prop_assert_eq!(va.cmp(&vb), ta.cmp(&tb));
        prop_assert_eq!(va.partial_cmp(&vb), ta.partial_cmp(&tb));
    }

    #[test]
    fn a_vec_set_behaves_as_a_btree_set(
        ops in proptest::collection::vec((0u8..5, 0u8..24, 0u8..24), 0..64),
        other in proptest::collection::btree_set(0u8..24, 0..12),
    ) {
        let mut vec = VecSet::new();
        let mut tree = BTreeSet::new();
        let other_vec: VecSet<u8> = other.iter().copied().collect();
        for (op, x, y) in ops {
            match op {
                0 | 1 => prop_assert_eq!(vec.insert(x), tree.insert(x)),
                2 => prop_assert_eq!(vec.remove(&x), tree.remove(&x)),
                3 => {
                    let (start, end) = (Bound::Included(x.min(y)), Bound::Excluded(x.max(y)));
                    prop_assert!(vec.range((start, end)).eq(tree.range((start, end))));
                    prop_assert!(vec.range(x..).eq(tree.range(x..)));
                    prop_assert!(vec.range(..=y).eq(tree.range(..=y)));
                }
                _ => match x % 4 {
                    0 => prop_assert_eq!(vec.pop_first(), tree.pop_first()),
                    1 => prop_assert_eq!(vec.pop_last(), tree.pop_last()),
                    2 => {
                        vec.retain(|e| e % 3 != y % 3);
                        tree.retain(|e| e % 3 != y % 3);
                    }
                    _ => prop_assert_eq!(vec.take(&y), tree.take(&y)),
                },
            }
            prop_assert_eq!(vec.len(), tree.len());
            prop_assert!(vec.iter().eq(tree.iter()));
            prop_assert!(vec.iter().rev().eq(tree.iter().rev()));
            prop_assert_eq!(vec.first(), tree.first());
            prop_assert_eq!(vec.last(), tree.last());
            prop_assert_eq!(format!("{vec:?}"), format!("{tree:?}"));
            prop_assert_eq!(hash_of(&vec), hash_of(&tree));
            prop_assert!(vec.union(&other_vec).eq(tree.union(&other)));
            prop_assert!(other_vec.union(&vec).eq(other.union(&tree)));
            prop_assert!(vec.difference(&other_vec).eq(tree.difference(&other)));
            prop_assert!(vec.intersection(&other_vec).eq(tree.intersection(&other)));
            prop_assert_eq!(vec.is_subset(&other_vec), tree.is_subset(&other));
            prop_assert_eq!(vec.is_superset(&other_vec), tree.is_superset(&other));
            prop_assert_eq!(vec == other_vec, tree == other);
            prop_assert_eq!(vec.cmp(&other_vec), tree.cmp(&other));
            for e in 0..24 {
                prop_assert_eq!(vec.contains(&e), tree.contains(&e));
                prop_assert_eq!(vec.get(&e), tree.get(&e));
            }
        }
        prop_assert!(vec.clone().into_iter().eq(tree.clone()));
    }

    #[test]
    fn sets_of_maps_order_as_btree_sets_of_btree_maps(
        maps in proptest::collection::vec(proptest::collection::vec((0u8..4, 0u32..3), 0..4), 0..8)
    ) {
        // The CRDT multi-value register keeps a set of (vector clock, value).
        let vec: VecSet<(VecMap<u8, u32>, u32)> =
            maps.iter().enumerate().map(|(i, m)| (m.iter().copied().collect(), i as u32 % 3)).collect();
        let tree: BTreeSet<(BTreeMap<u8, u32>, u32)> =
            maps.iter().enumerate().map(|(i, m)| (m.iter().copied().collect(), i as u32 % 3)).collect();
        prop_assert_eq!(format!("{vec:?}"), format!("{tree:?}"));
    }
}

#[test]
fn borrowed_keys_look_up() {
    let mut map: VecMap<String, u32> = VecMap::new();
    map.insert("b".to_string(), 2);
    map.insert("a".to_string(), 1);
    assert_eq!(map.get("a"), Some(&1));
    assert_eq!(map["b"], 2);
    assert!(map.range::<str, _>((Bound::Excluded("a"), Bound::Unbounded)).eq([(&"b".to_string(), &2)]));
    let set: VecSet<String> = ["y".to_string(), "x".to_string()].into();
    assert!(set.contains("x"));
    assert_eq!(set.as_slice(), ["x".to_string(), "y".to_string()]);
    let map: VecMap<u8, u8> = [(2, 1), (1, 2), (2, 3)].into();
    assert_eq!(format!("{map:?}"), "{1: 2, 2: 3}");
}

#[test]
#[should_panic(expected = "no entry found for key")]
fn indexing_an_absent_key_panics() {
    let map: VecMap<u8, u8> = VecMap::new();
    let _ = map[&0];
}
