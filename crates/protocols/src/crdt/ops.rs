//! The CRDT types, operation-based: an update is prepared at the replica a
//! client asked (`prepare`, which reads the replica's state) into an
//! effect that every replica applies (`effect`, which must commute with
//! any concurrent effect). Replicas exchange effects, not states, through a
//! [`CausalDelivery`]: an effect is applied only after every effect its
//! sender had applied before preparing it, and exactly once however often
//! the network delivers it.

use super::types::{
    set_of, GSet, LwwRegister, MvRegister, ReplicaId, SetUpdate, Stamp, StateCrdt, Tag, TwoPhaseSet, VersionVector,
};
use faultline_collections::{VecMap, VecSet};
use std::fmt::{self, Debug, Display};

/// An operation-based CRDT.
pub trait OpCrdt: Clone + Debug + PartialEq + Default {
    type Update: Clone + Debug;
    /// What travels to every replica.
    type Effect: Clone + Debug + PartialEq;
    type Value: Clone + Debug + PartialEq;

    /// The effect of a client's update at `replica`, at `tick`, from this
    /// replica's state (an OR-Set's remove names the tags it has seen).
    fn prepare(&self, replica: ReplicaId, tick: u64, update: &Self::Update) -> Self::Effect;
    /// Apply an effect, this replica's own or another's.
    fn effect(&mut self, effect: &Self::Effect);
    fn value(&self) -> Self::Value;
}

/// A counter: an effect adds its amount.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpCounter {
    total: i64,
}

impl OpCrdt for OpCounter {
    type Update = i64;
    type Effect = i64;
    type Value = i64;

    fn prepare(&self, _replica: ReplicaId, _tick: u64, by: &i64) -> i64 {
        *by
    }

    fn effect(&mut self, by: &i64) {
        self.total = self.total.saturating_add(*by);
    }

    fn value(&self) -> i64 {
        self.total
    }
}

/// A grow-only set: an effect adds its element (a remove has none, so it
/// prepares an add of nothing: `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpGSet(GSet);

impl OpCrdt for OpGSet {
    type Update = SetUpdate;
    type Effect = Option<u64>;
    type Value = VecSet<u64>;

    fn prepare(&self, _replica: ReplicaId, _tick: u64, update: &SetUpdate) -> Option<u64> {
        match *update {
            SetUpdate::Add(element) => Some(element),
            SetUpdate::Remove(_) => None,
        }
    }

    fn effect(&mut self, element: &Option<u64>) {
        if let Some(element) = *element {
            self.0.apply(0, 0, &SetUpdate::Add(element));
        }
    }

    fn value(&self) -> VecSet<u64> {
        self.0.value()
    }
}

/// A two-phase set: an effect adds, or tombstones an element. A remove of
/// an element its replica has not seen added prepares nothing (`None`):
/// elsewhere an add of it may have arrived, and the tombstone would take
/// effect there but not here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpTwoPhaseSet(TwoPhaseSet);

impl OpCrdt for OpTwoPhaseSet {
    type Update = SetUpdate;
    type Effect = Option<SetUpdate>;
    type Value = VecSet<u64>;

    fn prepare(&self, _replica: ReplicaId, _tick: u64, update: &SetUpdate) -> Option<SetUpdate> {
        match *update {
            SetUpdate::Remove(element) if !self.0.has_added(element) => None,
            update => Some(update),
        }
    }

    /// A remove's add arrived first (causal delivery), so applying it as
    /// the state-based set does tombstones the element everywhere alike.
    fn effect(&mut self, update: &Option<SetUpdate>) {
        if let Some(update) = update {
            self.0.apply(0, 0, update);
        }
    }

    fn value(&self) -> VecSet<u64> {
        self.0.value()
    }
}

/// An OR-Set's effect: an add with its fresh tag, or a remove of the tags
/// the removing replica had seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrSetEffect {
    Add { element: u64, tag: Tag },
    Remove { element: u64, tags: VecSet<Tag> },
}

/// An observed-remove set, operation-based.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpOrSet {
    /// Each element's live tags.
    tags: VecMap<u64, VecSet<Tag>>,
    /// Adds made here, by replica (a replica's next tag). Counted from the
    /// effects applied, so a replica's own adds are counted once.
    adds_made: VecMap<ReplicaId, u64>,
}

impl OpCrdt for OpOrSet {
    type Update = SetUpdate;
    type Effect = OrSetEffect;
    type Value = VecSet<u64>;

    fn prepare(&self, replica: ReplicaId, _tick: u64, update: &SetUpdate) -> OrSetEffect {
        match *update {
            SetUpdate::Add(element) => {
                let made = self.adds_made.get(&replica).copied().unwrap_or(0);
                OrSetEffect::Add { element, tag: (replica, made + 1) }
            }
            SetUpdate::Remove(element) => {
                OrSetEffect::Remove { element, tags: self.tags.get(&element).cloned().unwrap_or_default() }
            }
        }
    }

    fn effect(&mut self, effect: &OrSetEffect) {
        match effect {
            OrSetEffect::Add { element, tag } => {
                self.tags.entry(*element).or_default().insert(*tag);
                let made = self.adds_made.entry(tag.0).or_default();
                *made = (*made).max(tag.1);
            }
            OrSetEffect::Remove { element, tags } => {
                if let Some(live) = self.tags.get_mut(element) {
                    live.retain(|tag| !tags.contains(tag));
                    if live.is_empty() {
                        self.tags.remove(element);
                    }
                }
            }
        }
    }

    fn value(&self) -> VecSet<u64> {
        set_of(self.tags.keys().copied())
    }
}

/// A last-writer-wins register: an effect is a stamped write, and the
/// greatest stamp wins whatever the order of arrival (the state-based
/// register's rule).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpLwwRegister(LwwRegister);

impl OpCrdt for OpLwwRegister {
    type Update = u64;
    type Effect = (Stamp, u64);
    type Value = Option<u64>;

    fn prepare(&self, replica: ReplicaId, tick: u64, value: &u64) -> (Stamp, u64) {
        ((tick, replica), *value)
    }

    fn effect(&mut self, write: &(Stamp, u64)) {
        self.0.keep_latest(*write);
    }

    fn value(&self) -> Option<u64> {
        self.0.value()
    }
}

/// A multi-value register: an effect is a write with the version it has
/// seen; it supersedes what that version covers, and concurrent writes stay
/// side by side (the state-based register, taking in one write at a time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpMvRegister(MvRegister);

impl OpCrdt for OpMvRegister {
    type Update = u64;
    type Effect = (VersionVector, u64);
    type Value = VecSet<u64>;

    fn prepare(&self, replica: ReplicaId, _tick: u64, value: &u64) -> (VersionVector, u64) {
        self.0.write_by(replica, *value)
    }

    fn effect(&mut self, write: &(VersionVector, u64)) {
        self.0.take_in(write.clone());
    }

    fn value(&self) -> VecSet<u64> {
        self.0.value()
    }
}

/// An effect as it travels: who prepared it, and the sender's vector clock
/// of applied effects once it had applied this one (its own entry counts
/// this effect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamped<E> {
    pub sender: ReplicaId,
    pub clock: VersionVector,
    pub effect: E,
}

impl<E> Stamped<E> {
    /// Which of its sender's effects this is, from 1.
    pub fn count(&self) -> u64 {
        self.clock.get(&self.sender).copied().unwrap_or(0)
    }
}

/// Causal, exactly-once delivery of effects at one replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CausalDelivery<E> {
    /// Effects applied here, by sender.
    pub applied: VersionVector,
    /// Effects that arrived before one of their causal predecessors,
    /// waiting (at most one per sender and count: duplicates are dropped).
    pub waiting: VecMap<(ReplicaId, u64), Stamped<E>>,
}

impl<E> Default for CausalDelivery<E> {
    fn default() -> Self {
        CausalDelivery { applied: VersionVector::new(), waiting: VecMap::new() }
    }
}

impl<E: Clone> CausalDelivery<E> {
    /// Stamp this replica's own new effect (it applies it at once).
    pub fn stamp_own(&mut self, me: ReplicaId, effect: E) -> Stamped<E> {
        *self.applied.entry(me).or_default() += 1;
        Stamped { sender: me, clock: self.applied.clone(), effect }
    }

    /// An effect arrived: the effects now deliverable, in a causal order
    /// (it, and any waiting ones it unblocked), with their stamps. A
    /// duplicate, or one already applied, gives nothing.
    pub fn receive(&mut self, stamped: Stamped<E>) -> Vec<Stamped<E>> {
        if self.has_applied(&stamped) {
            return Vec::new(); // applied before: exactly once
        }
        self.waiting.insert((stamped.sender, stamped.count()), stamped);
        let mut ready = Vec::new();
        while let Some(key) = self.waiting.iter().find(|(_, s)| self.deliverable(s)).map(|(&key, _)| key) {
            let stamped = self.waiting.remove(&key).expect("just found");
            self.applied.insert(stamped.sender, key.1);
            ready.push(stamped);
        }
        ready
    }

    /// Whether this effect was applied here already.
    pub fn has_applied(&self, stamped: &Stamped<E>) -> bool {
        stamped.count() <= self.applied.get(&stamped.sender).copied().unwrap_or(0)
    }

    /// The next effect of its sender, and everything its sender had
    /// applied from others is applied here too.
    fn deliverable(&self, stamped: &Stamped<E>) -> bool {
        let have = |replica: &ReplicaId| self.applied.get(replica).copied().unwrap_or(0);
        stamped.clock.iter().all(|(replica, &count)| match *replica == stamped.sender {
            true => count == have(replica) + 1,
            false => count <= have(replica),
        })
    }
}

// ----- internal states in words, for the inspector -----------------------------

impl Display for OpCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "total {}", self.total)
    }
}

impl Display for OpGSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.0, f)
    }
}

impl Display for OpTwoPhaseSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.0, f)
    }
}

impl Display for OpOrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::types::write_tagged(f, &self.tags, &self.adds_made)
    }
}

impl Display for OpLwwRegister {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.0, f)
    }
}

impl Display for OpMvRegister {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.0, f)
    }
}
