//! The CRDT types a replica can hold, state-based: each has its local
//! updates (`apply`), its `merge` with another replica's state, and its
//! `value` as a client reads it. Merge is commutative, associative and
//! idempotent for every type (`tests/crdt_laws.rs` checks it over generated
//! states), which is what lets replicas that exchanged their states in any
//! order, any number of times, end up equal.
//!
//! Everything is ordered (`VecMap`, `VecSet`: sorted vectors, as these
//! states hold a handful of replicas and elements, and each B-tree type
//! costs the page's download about 4 KB): equal states compare
//! equal and iterate alike, on every platform.

use faultline_collections::{VecMap, VecSet};
use std::fmt::{self, Debug, Display};

/// A replica, by its node's number.
pub type ReplicaId = u32;

/// A state-based CRDT.
pub trait StateCrdt: Clone + Debug + PartialEq + Default {
    /// A local update.
    type Update: Clone + Debug;
    /// What a read returns.
    type Value: Clone + Debug + PartialEq;

    /// Apply a client's update at `replica`, at `tick` (only registers that
    /// order writes by time read it).
    fn apply(&mut self, replica: ReplicaId, tick: u64, update: &Self::Update);
    /// Take in another replica's state.
    fn merge(&mut self, other: &Self);
    fn value(&self) -> Self::Value;
}

/// A grow-only counter: each replica counts its own increments; the value
/// is their sum, and a merge keeps each replica's highest count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GCounter {
    counts: VecMap<ReplicaId, u64>,
}

impl StateCrdt for GCounter {
    /// Increment by this much.
    type Update = u64;
    type Value = u64;

    fn apply(&mut self, replica: ReplicaId, _tick: u64, by: &u64) {
        let count = self.counts.entry(replica).or_default();
        *count = count.saturating_add(*by);
    }

    fn merge(&mut self, other: &Self) {
        for (&replica, &count) in &other.counts {
            let mine = self.counts.entry(replica).or_default();
            *mine = (*mine).max(count);
        }
    }

    fn value(&self) -> u64 {
        self.counts.values().fold(0u64, |sum, &count| sum.saturating_add(count))
    }
}

/// A counter that also goes down: two grow-only counters, of increments
/// and of decrements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PnCounter {
    up: GCounter,
    down: GCounter,
}

impl StateCrdt for PnCounter {
    /// Add this much (negative: subtract).
    type Update = i64;
    type Value = i64;

    fn apply(&mut self, replica: ReplicaId, tick: u64, by: &i64) {
        match *by >= 0 {
            true => self.up.apply(replica, tick, &by.unsigned_abs()),
            false => self.down.apply(replica, tick, &by.unsigned_abs()),
        }
    }

    fn merge(&mut self, other: &Self) {
        self.up.merge(&other.up);
        self.down.merge(&other.down);
    }

    fn value(&self) -> i64 {
        let (up, down) = (self.up.value() as i128, self.down.value() as i128);
        (up - down).clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }
}

/// A set update: add or remove an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetUpdate {
    Add(u64),
    Remove(u64),
}

/// A grow-only set: adds only (a remove does nothing), merged by union.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GSet {
    elements: VecSet<u64>,
}

impl StateCrdt for GSet {
    type Update = SetUpdate;
    type Value = VecSet<u64>;

    fn apply(&mut self, _replica: ReplicaId, _tick: u64, update: &SetUpdate) {
        if let SetUpdate::Add(element) = update {
            self.elements.insert(*element);
        }
    }

    fn merge(&mut self, other: &Self) {
        self.elements.extend(other.elements.iter().copied());
    }

    fn value(&self) -> VecSet<u64> {
        self.elements.clone()
    }
}

/// A two-phase set: a removed element never comes back (the removal is a
/// tombstone that wins over every add, earlier or later).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TwoPhaseSet {
    added: GSet,
    removed: GSet,
}

impl StateCrdt for TwoPhaseSet {
    type Update = SetUpdate;
    type Value = VecSet<u64>;

    fn apply(&mut self, replica: ReplicaId, tick: u64, update: &SetUpdate) {
        match *update {
            SetUpdate::Add(element) => self.added.apply(replica, tick, &SetUpdate::Add(element)),
            // Only what this replica has seen added can be removed.
            SetUpdate::Remove(element) if self.added.elements.contains(&element) => {
                self.removed.apply(replica, tick, &SetUpdate::Add(element))
            }
            SetUpdate::Remove(_) => {}
        }
    }

    fn merge(&mut self, other: &Self) {
        self.added.merge(&other.added);
        self.removed.merge(&other.removed);
    }

    fn value(&self) -> VecSet<u64> {
        set_of(self.added.elements.difference(&self.removed.elements).copied())
    }
}

impl TwoPhaseSet {
    /// Whether this replica has seen `element` added (removed or not).
    pub fn has_added(&self, element: u64) -> bool {
        self.added.elements.contains(&element)
    }
}

/// A set of what `items` yields, inserted one by one (as `collect` into a
/// `VecSet` does too: no sort, whose code the page would carry per type).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> VecSet<T> {
    let mut set = VecSet::new();
    set.extend(items);
    set
}

/// An add's unique tag in an observed-remove set: the replica that added,
/// and how many adds it had made.
pub type Tag = (ReplicaId, u64);

/// An observed-remove set (the shopping cart): every add gets a unique tag,
/// and a remove takes away only the tags its replica has seen. So an add
/// concurrent with a remove survives it (add wins), and an element removed
/// after every add of it is gone for good.
///
/// Without tombstones (the optimized OR-Set of Bieniusa et al., 2012): a
/// replica keeps only the live tags, and counts the adds it has seen from
/// each replica. A tag one side holds and the other lacks was removed
/// there if that side had seen its add, and is new to it otherwise. So the
/// state stays as small as the set, however long the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrSet {
    /// Each element's live tags (an element without any is left out).
    adds: VecMap<u64, VecSet<Tag>>,
    /// Adds seen from each replica (a replica's own: its next tag).
    adds_made: VecMap<ReplicaId, u64>,
}

impl OrSet {
    /// The tags of `element`'s adds that no remove has taken away: why it
    /// is in the set.
    pub fn live_tags(&self, element: u64) -> VecSet<Tag> {
        self.adds.get(&element).cloned().unwrap_or_default()
    }

    fn has_seen(&self, (replica, count): Tag) -> bool {
        self.adds_made.get(&replica).is_some_and(|&made| made >= count)
    }
}

impl StateCrdt for OrSet {
    type Update = SetUpdate;
    type Value = VecSet<u64>;

    fn apply(&mut self, replica: ReplicaId, _tick: u64, update: &SetUpdate) {
        match *update {
            SetUpdate::Add(element) => {
                let made = self.adds_made.entry(replica).or_default();
                *made += 1;
                self.adds.entry(element).or_default().insert((replica, *made));
            }
            SetUpdate::Remove(element) => {
                self.adds.remove(&element);
            }
        }
    }

    fn merge(&mut self, other: &Self) {
        let elements = set_of(self.adds.keys().chain(other.adds.keys()).copied());
        for element in elements {
            let (mine, theirs) = (self.live_tags(element), other.live_tags(element));
            // Live on both sides; or on one side, added unseen by the other.
            let live = set_of(
                mine.iter()
                    .filter(|&&tag| theirs.contains(&tag) || !other.has_seen(tag))
                    .chain(theirs.iter().filter(|&&tag| !mine.contains(&tag) && !self.has_seen(tag)))
                    .copied(),
            );
            match live.is_empty() {
                true => self.adds.remove(&element),
                false => self.adds.insert(element, live),
            };
        }
        for (&replica, &made) in &other.adds_made {
            let mine = self.adds_made.entry(replica).or_default();
            *mine = (*mine).max(made);
        }
    }

    fn value(&self) -> VecSet<u64> {
        set_of(self.adds.keys().copied())
    }
}

/// A write's stamp in a last-writer-wins register: the tick it was made at,
/// then the writing replica to break ties (so every replica picks the same
/// winner).
pub type Stamp = (u64, ReplicaId);

/// A last-writer-wins register: the write with the greatest stamp wins.
/// Concurrent writes lose silently: only one survives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LwwRegister {
    /// The winning write so far, if any.
    latest: Option<(Stamp, u64)>,
}

impl StateCrdt for LwwRegister {
    /// Write this value.
    type Update = u64;
    type Value = Option<u64>;

    fn apply(&mut self, replica: ReplicaId, tick: u64, value: &u64) {
        self.keep_latest(((tick, replica), *value));
    }

    fn merge(&mut self, other: &Self) {
        if let Some(write) = other.latest {
            self.keep_latest(write);
        }
    }

    fn value(&self) -> Option<u64> {
        self.latest.map(|(_, value)| value)
    }
}

impl LwwRegister {
    /// Keep `write` if its stamp is the greatest so far (the operation-based
    /// register's effect, too).
    pub(crate) fn keep_latest(&mut self, write: (Stamp, u64)) {
        if self.latest.is_none_or(|latest| write > latest) {
            self.latest = Some(write);
        }
    }
}

impl MvRegister {
    /// A write by `replica`: its version has seen every version here, and
    /// one more write of its own.
    pub(crate) fn write_by(&self, replica: ReplicaId, value: u64) -> (VersionVector, u64) {
        let mut seen = VersionVector::new();
        for (version, _) in &self.versions {
            for (&writer, &count) in version {
                let mine = seen.entry(writer).or_default();
                *mine = (*mine).max(count);
            }
        }
        *seen.entry(replica).or_default() += 1;
        (seen, value)
    }

    /// Take in one write (the operation-based register's effect).
    pub(crate) fn take_in(&mut self, write: (VersionVector, u64)) {
        self.merge(&MvRegister { versions: VecSet::from([write]) });
    }
}

/// A version vector: how many writes of each replica a version has seen.
pub type VersionVector = VecMap<ReplicaId, u64>;

/// Whether `a` has seen everything `b` has (and so supersedes it).
fn dominates(a: &VersionVector, b: &VersionVector) -> bool {
    b.iter().all(|(replica, &count)| a.get(replica).copied().unwrap_or(0) >= count)
}

/// A multi-value register: a write supersedes the versions its replica had
/// seen; concurrent writes are all kept (siblings) until a later write that
/// has seen them all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MvRegister {
    /// The versions no other version supersedes, with their values.
    versions: VecSet<(VersionVector, u64)>,
}

impl StateCrdt for MvRegister {
    /// Write this value.
    type Update = u64;
    /// Every value among the concurrent writes, in order.
    type Value = VecSet<u64>;

    fn apply(&mut self, replica: ReplicaId, _tick: u64, value: &u64) {
        self.versions = VecSet::from([self.write_by(replica, *value)]);
    }

    fn merge(&mut self, other: &Self) {
        let all = set_of(self.versions.union(&other.versions).cloned());
        // Keep the versions no other (different) version dominates.
        self.versions = set_of(
            all.iter()
                .filter(|(version, _)| {
                    !all.iter().any(|(other_version, _)| other_version != version && dominates(other_version, version))
                })
                .cloned(),
        );
    }

    fn value(&self) -> VecSet<u64> {
        set_of(self.versions.iter().map(|(_, value)| *value))
    }
}

// ----- internal states in words, for the inspector -----------------------------

/// "n0:3 n2:1", or "none".
pub fn write_counts(f: &mut fmt::Formatter<'_>, counts: &VecMap<ReplicaId, u64>) -> fmt::Result {
    let mut any = false;
    for (replica, count) in counts.iter().filter(|(_, &count)| count > 0) {
        write!(f, "{}n{replica}:{count}", if any { " " } else { "" })?;
        any = true;
    }
    if !any {
        f.write_str("none")?;
    }
    Ok(())
}

/// "{1 3}".
pub fn write_elements(f: &mut fmt::Formatter<'_>, elements: &VecSet<u64>) -> fmt::Result {
    f.write_str("{")?;
    for (index, element) in elements.iter().enumerate() {
        write!(f, "{}{element}", if index == 0 { "" } else { " " })?;
    }
    f.write_str("}")
}

/// An OR-Set's state (either way): each element's live tags, then the adds
/// seen, "1: n0#1 n1#1 · 3: n1#2 · adds seen n0:1 n1:2".
pub fn write_tagged(
    f: &mut fmt::Formatter<'_>,
    tags: &VecMap<u64, VecSet<Tag>>,
    adds_seen: &VecMap<ReplicaId, u64>,
) -> fmt::Result {
    for (element, tags) in tags {
        write!(f, "{element}:")?;
        for (replica, count) in tags {
            write!(f, " n{replica}#{count}")?;
        }
        f.write_str(" · ")?;
    }
    f.write_str("adds seen ")?;
    write_counts(f, adds_seen)
}

impl Display for GCounter {
    /// Each replica's own increments: "n0:3 n1:5".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_counts(f, &self.counts)
    }
}

impl Display for PnCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "up {} · down {}", self.up, self.down)
    }
}

impl Display for GSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_elements(f, &self.elements)
    }
}

impl Display for TwoPhaseSet {
    /// The removed elements are tombstones: they stay for good.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "added {} · tombstones {}", self.added, self.removed)
    }
}

impl Display for OrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tagged(f, &self.adds, &self.adds_made)
    }
}

impl Display for LwwRegister {
    /// "5, stamped 120 by n1".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.latest {
            Some(((tick, replica), value)) => write!(f, "{value}, stamped {tick} by n{replica}"),
            None => f.write_str("never written"),
        }
    }
}

impl Display for MvRegister {
    /// Each sibling with its version: "3 [n0:1] · 5 [n1:1]".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.versions.is_empty() {
            return f.write_str("never written");
        }
        for (index, (version, value)) in self.versions.iter().enumerate() {
            write!(f, "{}{value} [", if index == 0 { "" } else { " · " })?;
            write_counts(f, version)?;
            f.write_str("]")?;
        }
        Ok(())
    }
}
