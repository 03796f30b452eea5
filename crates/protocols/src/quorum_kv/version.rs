//! What a quorum store's replica keeps of a key: its versions, each with a
//! vector clock (which writes it has seen) and a timestamp, and the rule
//! that merges what two replicas hold. Concurrent versions (neither clock
//! has seen the other) stay side by side as siblings, or, with
//! last-writer-wins, only the latest by timestamp stays.

use super::Acknowledged;
use crate::crdt::types::VersionVector;
use faultline_scenario::{NodeId, QuorumConflicts};
use std::rc::Rc;

/// When and where a version was written: the coordinator's tick, then its
/// node and its count of writes, so two versions never tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub tick: u64,
    pub node: NodeId,
    pub count: u64,
}

/// One written value of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// The writes this version has seen, by coordinator: its own is the
    /// coordinator's entry.
    pub clock: VersionVector,
    pub stamp: Stamp,
    /// The key's values (a put leaves one, an append adds one), shared.
    pub values: Rc<[u64]>,
}

impl Version {
    /// Whether this version has seen every write `other` has.
    pub fn descends_from(&self, other: &Version) -> bool {
        other.clock.iter().all(|(node, &count)| self.clock.get(node).is_some_and(|&mine| mine >= count))
    }
}

/// A key's versions at one replica: none, one, or several siblings that
/// are pairwise concurrent, ordered by stamp.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Siblings(Vec<Version>);

impl Siblings {
    pub fn one(version: Version) -> Siblings {
        Siblings(vec![version])
    }

    pub fn versions(&self) -> &[Version] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Take in `incoming`: under `Siblings`, a version another has seen
    /// goes, and concurrent ones stay; under `LastWriterWins` only the
    /// latest stamp stays. Returns whether anything changed.
    pub fn merge_version(&mut self, incoming: &Version, conflicts: QuorumConflicts) -> bool {
        match conflicts {
            QuorumConflicts::LastWriterWins => match self.0.first() {
                Some(current) if current.stamp >= incoming.stamp => false,
                _ => {
                    self.0 = vec![incoming.clone()];
                    true
                }
            },
            QuorumConflicts::Siblings => {
                if self.0.iter().any(|mine| mine.descends_from(incoming)) {
                    return false;
                }
                self.0.retain(|mine| !incoming.descends_from(mine));
                let at = self.0.partition_point(|mine| mine.stamp < incoming.stamp);
                self.0.insert(at, incoming.clone());
                debug_assert!(self.is_antichain(), "siblings are pairwise concurrent");
                true
            }
        }
    }

    /// Take in every version of `other`. Returns whether anything changed.
    pub fn merge(&mut self, other: &Siblings, conflicts: QuorumConflicts) -> bool {
        let mut changed = false;
        for version in &other.0 {
            changed |= self.merge_version(version, conflicts);
        }
        changed
    }

    fn is_antichain(&self) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, a)| self.0.iter().skip(i + 1).all(|b| !a.descends_from(b) && !b.descends_from(a)))
    }

    /// The clock that has seen every version here.
    pub fn joined_clock(&self) -> VersionVector {
        let mut joined = VersionVector::new();
        for version in &self.0 {
            for (&node, &count) in &version.clock {
                let entry = joined.entry(node).or_default();
                *entry = (*entry).max(count);
            }
        }
        joined
    }

    /// What a read returns: the values of every sibling, oldest stamp
    /// first, each value once (as a shopping cart merges). One version's
    /// values as they are.
    pub fn resolved(&self) -> Vec<u64> {
        let mut values: Vec<u64> = Vec::new();
        for version in &self.0 {
            for &value in version.values.iter() {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        values
    }

    /// Whether the acknowledged write is here, or a version that
    /// supersedes it: one whose clock has seen it, or with last-writer-wins
    /// one stamped no earlier (it beat the write, or is it).
    pub fn holds(&self, write: &Acknowledged, conflicts: QuorumConflicts) -> bool {
        let Stamp { node, count, .. } = write.stamp;
        self.0.iter().any(|version| match conflicts {
            QuorumConflicts::Siblings => version.clock.get(&node.0).is_some_and(|&seen| seen >= count),
            QuorumConflicts::LastWriterWins => version.stamp >= write.stamp,
        })
    }

    /// A digest of the versions, equal at two replicas exactly when they
    /// hold the same (FNV-1a over clocks, stamps and values).
    pub fn digest(&self) -> u64 {
        let mut hash = Fnv::new();
        for version in &self.0 {
            for (&node, &count) in &version.clock {
                hash.add(node.into());
                hash.add(count);
            }
            hash.add(u64::MAX);
            hash.add(version.stamp.tick);
            hash.add(version.stamp.node.0.into());
            hash.add(version.stamp.count);
            for &value in version.values.iter() {
                hash.add(value);
            }
            hash.add(u64::MAX);
        }
        hash.0
    }
}

/// FNV-1a over 64-bit words.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn add(&mut self, word: u64) {
        for byte in word.to_le_bytes() {
            self.0 = (self.0 ^ byte as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The key's values as a read shows them: "3", "3 5 7", or "∅".
pub fn values_label(values: &[u64]) -> String {
    if values.is_empty() {
        return "∅".to_string();
    }
    let mut label = String::new();
    let _ = faultline_scenario::write_values(&mut label, values);
    label
}

/// A clock as the inspector shows it: "n0:2 n3:1".
pub fn clock_label(clock: &VersionVector) -> String {
    let entries: Vec<String> = clock.iter().map(|(node, count)| format!("n{node}:{count}")).collect();
    entries.join(" ")
}

/// A key's versions as the inspector shows them: "3 [n0:2]", siblings
/// separated by " | ".
pub fn siblings_label(siblings: &Siblings) -> String {
    if siblings.is_empty() {
        return "∅".to_string();
    }
    let versions: Vec<String> = siblings
        .versions()
        .iter()
        .map(|version| format!("{} [{}]", values_label(&version.values), clock_label(&version.clock)))
        .collect();
    versions.join(" | ")
}
