//! The object a replica holds: one of the CRDT types, state-based or
//! operation-based, as the scenario chose, or one of the planted bugs.
//! One enum rather than a protocol per type keeps a single simulator in the
//! page (each protocol type compiles the whole simulator once more).

use super::ops::{OpCounter, OpCrdt, OpGSet, OpLwwRegister, OpMvRegister, OpOrSet, OpTwoPhaseSet, OrSetEffect};
use super::types::{
    set_of, GCounter, GSet, LwwRegister, MvRegister, OrSet, PnCounter, ReplicaId, SetUpdate, Stamp, StateCrdt,
    TwoPhaseSet, VersionVector,
};
use faultline_collections::{VecMap, VecSet};
use faultline_scenario::{CrdtOperation, CrdtOutput, CrdtReplication, CrdtType, CrdtVariant};

/// A client's update as the types take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// A counter's change (negative: a PN-Counter's decrement).
    Count(i64),
    Set(SetUpdate),
    Write(u64),
}

impl Update {
    /// The update an operation asks for; `None` for a read.
    pub fn of(operation: &CrdtOperation) -> Option<Update> {
        Some(match *operation {
            CrdtOperation::Increment { by } => Update::Count(as_count(by)),
            CrdtOperation::Decrement { by } => Update::Count(-as_count(by)),
            CrdtOperation::Add { element } => Update::Set(SetUpdate::Add(element)),
            CrdtOperation::Remove { element } => Update::Set(SetUpdate::Remove(element)),
            CrdtOperation::Write { value } => Update::Write(value),
            CrdtOperation::Read => return None,
        })
    }
}

/// Amounts are at most `CRDT_VALUE_MAX` (validation): far inside i64.
fn as_count(by: u64) -> i64 {
    i64::try_from(by).unwrap_or(i64::MAX)
}

/// An operation-based update's effect, as it travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Count(i64),
    /// A G-Set's add (or nothing), and the plain set's add or remove.
    Element(Option<SetUpdate>),
    OrSet(OrSetEffect),
    Lww((Stamp, u64)),
    Mv((VersionVector, u64)),
}

/// A state-based object. Merging two objects of different variants cannot
/// happen: every replica of a run holds the same type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateObject {
    GCounter(GCounter),
    PnCounter(PnCounter),
    GSet(GSet),
    TwoPhaseSet(TwoPhaseSet),
    OrSet(OrSet),
    Lww(LwwRegister),
    Mv(MvRegister),
    /// The merge-not-idempotent bug.
    CountingSet(CountingSet),
    /// The plain-set bug, state-based.
    PlainSet(PlainSet),
}

/// An operation-based object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpObject {
    Counter(OpCounter),
    GSet(OpGSet),
    TwoPhaseSet(OpTwoPhaseSet),
    OrSet(OpOrSet),
    Lww(OpLwwRegister),
    Mv(OpMvRegister),
    /// The plain-set bug, operation-based.
    PlainSet(PlainSet),
}

/// What a replica holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object {
    State(StateObject),
    Op(OpObject),
}

impl Object {
    /// A fresh object of the scenario's type, replication and variant.
    pub fn new(data_type: CrdtType, replication: CrdtReplication, variant: CrdtVariant) -> Object {
        match replication {
            CrdtReplication::State => Object::State(StateObject::new(data_type, variant)),
            CrdtReplication::Operation => Object::Op(OpObject::new(data_type, variant)),
        }
    }

    pub fn value(&self) -> CrdtOutput {
        match self {
            Object::State(object) => object.value(),
            Object::Op(object) => object.value(),
        }
    }

    /// The internal state in words, for the inspector: counts per replica,
    /// tags and tombstones, versions.
    pub fn describe(&self) -> String {
        match self {
            Object::State(object) => object.describe(),
            Object::Op(object) => object.describe(),
        }
    }
}

impl StateObject {
    fn new(data_type: CrdtType, variant: CrdtVariant) -> StateObject {
        match (data_type, variant) {
            (CrdtType::OrSet, CrdtVariant::MergeNotIdempotent) => StateObject::CountingSet(CountingSet::default()),
            (CrdtType::OrSet, CrdtVariant::PlainSet) => StateObject::PlainSet(PlainSet::default()),
            (CrdtType::GCounter, _) => StateObject::GCounter(GCounter::default()),
            (CrdtType::PnCounter, _) => StateObject::PnCounter(PnCounter::default()),
            (CrdtType::GSet, _) => StateObject::GSet(GSet::default()),
            (CrdtType::TwoPhaseSet, _) => StateObject::TwoPhaseSet(TwoPhaseSet::default()),
            (CrdtType::OrSet, _) => StateObject::OrSet(OrSet::default()),
            (CrdtType::LwwRegister, _) => StateObject::Lww(LwwRegister::default()),
            (CrdtType::MvRegister, _) => StateObject::Mv(MvRegister::default()),
        }
    }

    /// Apply a client's update made here at `stamp_tick` (the replica's
    /// clock, which only LWW reads). An update the type does not take
    /// (validation rules them out) changes nothing.
    pub fn apply(&mut self, replica: ReplicaId, stamp_tick: u64, update: Update) {
        match (self, update) {
            (StateObject::GCounter(c), Update::Count(by)) if by >= 0 => {
                c.apply(replica, stamp_tick, &by.unsigned_abs())
            }
            (StateObject::PnCounter(c), Update::Count(by)) => c.apply(replica, stamp_tick, &by),
            (StateObject::GSet(s), Update::Set(u)) => s.apply(replica, stamp_tick, &u),
            (StateObject::TwoPhaseSet(s), Update::Set(u)) => s.apply(replica, stamp_tick, &u),
            (StateObject::OrSet(s), Update::Set(u)) => s.apply(replica, stamp_tick, &u),
            (StateObject::CountingSet(s), Update::Set(u)) => s.apply(u),
            (StateObject::PlainSet(s), Update::Set(u)) => s.apply(u),
            (StateObject::Lww(r), Update::Write(v)) => r.apply(replica, stamp_tick, &v),
            (StateObject::Mv(r), Update::Write(v)) => r.apply(replica, stamp_tick, &v),
            _ => {}
        }
    }

    /// Whether merging a state whose updates this one already has changes
    /// nothing (every correct type's merge is idempotent; the
    /// merge-not-idempotent bug's is not).
    pub fn merge_is_idempotent(&self) -> bool {
        !matches!(self, StateObject::CountingSet(_))
    }

    /// Take in another replica's state.
    pub fn merge(&mut self, other: &StateObject) {
        match (self, other) {
            (StateObject::GCounter(a), StateObject::GCounter(b)) => a.merge(b),
            (StateObject::PnCounter(a), StateObject::PnCounter(b)) => a.merge(b),
            (StateObject::GSet(a), StateObject::GSet(b)) => a.merge(b),
            (StateObject::TwoPhaseSet(a), StateObject::TwoPhaseSet(b)) => a.merge(b),
            (StateObject::OrSet(a), StateObject::OrSet(b)) => a.merge(b),
            (StateObject::Lww(a), StateObject::Lww(b)) => a.merge(b),
            (StateObject::Mv(a), StateObject::Mv(b)) => a.merge(b),
            (StateObject::CountingSet(a), StateObject::CountingSet(b)) => a.merge(b),
            (StateObject::PlainSet(a), StateObject::PlainSet(b)) => a.merge(b),
            _ => debug_assert!(false, "replicas of one run hold one type"),
        }
    }

    fn value(&self) -> CrdtOutput {
        match self {
            StateObject::GCounter(c) => CrdtOutput::Count(i64::try_from(c.value()).unwrap_or(i64::MAX)),
            StateObject::PnCounter(c) => CrdtOutput::Count(c.value()),
            StateObject::GSet(s) => members(s.value()),
            StateObject::TwoPhaseSet(s) => members(s.value()),
            StateObject::OrSet(s) => members(s.value()),
            StateObject::CountingSet(s) => members(s.value()),
            StateObject::PlainSet(s) => members(s.0.clone()),
            StateObject::Lww(r) => CrdtOutput::Register(r.value().into_iter().collect()),
            StateObject::Mv(r) => CrdtOutput::Register(r.value().into_iter().collect()),
        }
    }

    fn describe(&self) -> String {
        match self {
            StateObject::GCounter(c) => c.to_string(),
            StateObject::PnCounter(c) => c.to_string(),
            StateObject::GSet(s) => s.to_string(),
            StateObject::TwoPhaseSet(s) => s.to_string(),
            StateObject::OrSet(s) => s.to_string(),
            StateObject::Lww(r) => r.to_string(),
            StateObject::Mv(r) => r.to_string(),
            StateObject::CountingSet(s) => s.to_string(),
            StateObject::PlainSet(s) => s.to_string(),
        }
    }
}

impl OpObject {
    fn new(data_type: CrdtType, variant: CrdtVariant) -> OpObject {
        match (data_type, variant) {
            (CrdtType::OrSet, CrdtVariant::PlainSet) => OpObject::PlainSet(PlainSet::default()),
            (CrdtType::GCounter | CrdtType::PnCounter, _) => OpObject::Counter(OpCounter::default()),
            (CrdtType::GSet, _) => OpObject::GSet(OpGSet::default()),
            (CrdtType::TwoPhaseSet, _) => OpObject::TwoPhaseSet(OpTwoPhaseSet::default()),
            (CrdtType::OrSet, _) => OpObject::OrSet(OpOrSet::default()),
            (CrdtType::LwwRegister, _) => OpObject::Lww(OpLwwRegister::default()),
            (CrdtType::MvRegister, _) => OpObject::Mv(OpMvRegister::default()),
        }
    }

    /// The effect of a client's update made here at `stamp_tick`; `None`
    /// for an update the type does not take (validation rules them out).
    pub fn prepare(&self, replica: ReplicaId, stamp_tick: u64, update: Update) -> Option<Effect> {
        Some(match (self, update) {
            (OpObject::Counter(c), Update::Count(by)) => Effect::Count(c.prepare(replica, stamp_tick, &by)),
            (OpObject::GSet(s), Update::Set(u)) => {
                Effect::Element(s.prepare(replica, stamp_tick, &u).map(SetUpdate::Add))
            }
            (OpObject::TwoPhaseSet(s), Update::Set(u)) => Effect::Element(s.prepare(replica, stamp_tick, &u)),
            (OpObject::OrSet(s), Update::Set(u)) => Effect::OrSet(s.prepare(replica, stamp_tick, &u)),
            (OpObject::PlainSet(_), Update::Set(u)) => Effect::Element(Some(u)),
            (OpObject::Lww(r), Update::Write(v)) => Effect::Lww(r.prepare(replica, stamp_tick, &v)),
            (OpObject::Mv(r), Update::Write(v)) => Effect::Mv(r.prepare(replica, stamp_tick, &v)),
            _ => return None,
        })
    }

    /// Apply an effect, this replica's own or another's.
    pub fn effect(&mut self, effect: &Effect) {
        match (self, effect) {
            (OpObject::Counter(c), Effect::Count(by)) => c.effect(by),
            (OpObject::GSet(s), Effect::Element(update)) => s.effect(&update.and_then(|u| match u {
                SetUpdate::Add(element) => Some(element),
                SetUpdate::Remove(_) => None,
            })),
            (OpObject::TwoPhaseSet(s), Effect::Element(update)) => s.effect(update),
            (OpObject::PlainSet(s), Effect::Element(Some(update))) => s.apply(*update),
            (OpObject::OrSet(s), Effect::OrSet(e)) => s.effect(e),
            (OpObject::Lww(r), Effect::Lww(write)) => r.effect(write),
            (OpObject::Mv(r), Effect::Mv(write)) => r.effect(write),
            _ => debug_assert!(false, "effects of one run fit its type"),
        }
    }

    fn value(&self) -> CrdtOutput {
        match self {
            OpObject::Counter(c) => CrdtOutput::Count(c.value()),
            OpObject::GSet(s) => members(s.value()),
            OpObject::TwoPhaseSet(s) => members(s.value()),
            OpObject::OrSet(s) => members(s.value()),
            OpObject::PlainSet(s) => members(s.0.clone()),
            OpObject::Lww(r) => CrdtOutput::Register(r.value().into_iter().collect()),
            OpObject::Mv(r) => CrdtOutput::Register(r.value().into_iter().collect()),
        }
    }

    fn describe(&self) -> String {
        match self {
            OpObject::Counter(c) => c.to_string(),
            OpObject::GSet(s) => s.to_string(),
            OpObject::TwoPhaseSet(s) => s.to_string(),
            OpObject::OrSet(s) => s.to_string(),
            OpObject::PlainSet(s) => s.to_string(),
            OpObject::Lww(r) => r.to_string(),
            OpObject::Mv(r) => r.to_string(),
        }
    }
}

fn members(elements: VecSet<u64>) -> CrdtOutput {
    CrdtOutput::Members(elements.into_iter().collect())
}

impl std::fmt::Display for CountingSet {
    /// Each element's adds and removes: "1: +2 −1 · 3: +1".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, (element, (adds, removes))) in self.counts.iter().enumerate() {
            write!(f, "{}{element}: +{adds} −{removes}", if index == 0 { "" } else { " · " })?;
        }
        Ok(())
    }
}

impl std::fmt::Display for PlainSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::types::write_elements(f, &self.0)
    }
}

/// The merge-not-idempotent bug: a set that counts each element's adds and
/// removes (present while adds outnumber removes; a remove cancels every
/// add its replica has seen, as an OR-Set's does), and merges by adding the
/// other replica's counts, as if they were new updates. Alone, a replica is
/// right; merging the same state twice counts it twice, and a remove
/// somewhere no longer cancels the adds counted again elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CountingSet {
    /// Each element's (adds, removes).
    counts: VecMap<u64, (u64, u64)>,
}

impl CountingSet {
    fn apply(&mut self, update: SetUpdate) {
        match update {
            SetUpdate::Add(element) => self.counts.entry(element).or_default().0 += 1,
            SetUpdate::Remove(element) => {
                if let Some((adds, removes)) = self.counts.get_mut(&element) {
                    *removes = *adds;
                }
            }
        }
    }

    fn merge(&mut self, other: &CountingSet) {
        for (&element, &(adds, removes)) in &other.counts {
            let mine = self.counts.entry(element).or_default();
            *mine = (mine.0.saturating_add(adds), mine.1.saturating_add(removes));
        }
    }

    fn value(&self) -> VecSet<u64> {
        set_of(self.counts.iter().filter(|(_, (adds, removes))| adds > removes).map(|(&element, _)| element))
    }
}

/// The plain-set bug: an OR-Set built as an ordinary set. A remove deletes
/// the element; a merge unites the sets (so a removed element comes back
/// from any replica that still has it); operation-based, an add and a
/// concurrent remove end differently depending on their order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlainSet(VecSet<u64>);

impl PlainSet {
    fn apply(&mut self, update: SetUpdate) {
        match update {
            SetUpdate::Add(element) => self.0.insert(element),
            SetUpdate::Remove(element) => self.0.remove(&element),
        };
    }

    fn merge(&mut self, other: &PlainSet) {
        self.0.extend(other.0.iter().copied());
    }
}

/// A version vector in words: "n0:3 n2:1", or "none".
pub fn vector_label(vector: &VersionVector) -> String {
    struct Label<'a>(&'a VersionVector);
    impl std::fmt::Display for Label<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            super::types::write_counts(f, self.0)
        }
    }
    Label(vector).to_string()
}
