//! The omniscient observer of a CRDT run. It records every update as it is
//! made (where, when in true time, and what its replica had delivered
//! before: its causal past), and after every step checks the replica that
//! stepped against each type's specification, evaluated on exactly the
//! updates that replica has delivered:
//!
//! - a counter is the sum of its updates;
//! - a G-Set holds every added element; a 2P-Set, those added and not
//!   removed by a remove that had seen an add of them;
//! - an OR-Set holds an element while one of its adds is in no remove's
//!   causal past (add wins over a concurrent remove);
//! - an LWW-Register holds the write latest in true time;
//! - an MV-Register holds the writes no other delivered write had seen.
//!
//! Since the specification is a function of the delivered updates, strong
//! eventual consistency (replicas that delivered the same updates are
//! equal) follows from it; it is also checked directly, so a divergence is
//! named as such. At quiet, every replica must hold the same updates and
//! the same value (convergence).

use super::object::{vector_label, Update};
use super::types::{set_of, ReplicaId, SetUpdate, VersionVector};
use super::Crdt;
use faultline_collections::{VecMap, VecSet};
use faultline_scenario::{CrdtOutput, CrdtShape, CrdtType, NodeId};
use faultline_sim::{ClusterView, InvariantViolation};

/// An update as the observer saw it made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateRecord {
    pub origin: ReplicaId,
    /// The origin's how-manieth update, from 1.
    pub seq: u64,
    /// When it was made, in true time (not the replica's clock).
    pub true_tick: u64,
    pub update: Update,
    /// What its replica had delivered before making it.
    pub past: VersionVector,
}

/// What the observer remembers across steps.
#[derive(Clone, Debug, Default)]
pub struct Observer {
    data_type: Option<CrdtType>,
    /// Every update made, by origin, in order (`[origin][seq - 1]`).
    /// Vectors by node number here, not maps: each map type is code the
    /// page carries.
    updates: Vec<Vec<UpdateRecord>>,
    /// Per node, the specification evaluated on the updates it delivered
    /// so far, kept up to date as it delivers more (its deliveries only
    /// grow: a replica's disk keeps them across crashes).
    specified: Vec<Specified>,
    /// Since when the replicas that are up have not all held the same
    /// updates, if they do not.
    apart_since_tick: Option<u64>,
}

/// Replicas apart for at least this many gossip intervals (a partition, a
/// crash, not the moment an update takes to spread) are marked as having
/// converged when they agree again.
const APART_GOSSIP_INTERVALS_MIN: u64 = 4;

impl Observer {
    pub fn updates_made(&self) -> u64 {
        self.updates.iter().map(|made| made.len() as u64).sum()
    }

    /// After a step: when the replicas that are up agree again after being
    /// apart for a while, the milestone that says so.
    pub fn convergence_milestone(&mut self, now_tick: u64, cluster: &ClusterView<Crdt>) -> Option<String> {
        let mut up = cluster.up_nodes().map(|(_, replica)| replica);
        let first = up.next()?;
        let same = |r: &Crdt| r.value() == first.value() && r.replica().delivered == first.replica().delivered;
        let agree = up.all(same);
        match (agree, self.apart_since_tick) {
            (false, None) => self.apart_since_tick = Some(now_tick),
            (true, Some(since)) => {
                self.apart_since_tick = None;
                let apart_ticks = now_tick - since;
                if apart_ticks >= APART_GOSSIP_INTERVALS_MIN * first.gossip_interval_ticks() {
                    return Some(format!("replicas converged on {} after {apart_ticks} ticks apart", first.value()));
                }
            }
            _ => {}
        }
        None
    }

    /// After a step of `node`: take in an update it made, then check it.
    pub fn check_step(&mut self, node: NodeId, cluster: &ClusterView<Crdt>) -> Result<(), InvariantViolation> {
        let Some(replica) = cluster.node(node) else { return Ok(()) };
        let data_type = *self.data_type.get_or_insert(replica.data_type());
        if let Some(record) = &replica.replica().last_update {
            let origin = record.origin as usize;
            if origin >= self.updates.len() {
                self.updates.resize(origin + 1, Vec::new());
            }
            let made = &mut self.updates[origin];
            if made.len() as u64 + 1 == record.seq {
                made.push(record.clone());
            }
        }
        let delivered = &replica.replica().delivered;
        if node.0 as usize >= self.specified.len() {
            self.specified.resize(node.0 as usize + 1, Specified::new(data_type));
        }
        let specified = &mut self.specified[node.0 as usize];
        if specified.delivered == *delivered && specified.checked_value.as_ref() == Some(replica.value()) {
            return Ok(());
        }
        specified.deliver_up_to(delivered, &self.updates);
        let expected = specified.value();
        if expected != *replica.value() {
            return Err(InvariantViolation {
                invariant: specification_name(data_type).to_string(),
                nodes: vec![node],
                detail: format!(
                    "{node} holds {}, but the {} updates it delivered ({}) make {expected}",
                    replica.value(),
                    delivered.values().sum::<u64>(),
                    vector_label(delivered)
                ),
            });
        }
        specified.checked_value = Some(expected);
        check_strong_eventual_consistency(node, cluster)
    }
}

/// The identity of an update: its origin and how-manieth of the origin's.
type UpdateId = (ReplicaId, u64);

/// One replica's specified value, on the updates it delivered, built up one
/// delivered update at a time in a causal order.
#[derive(Clone, Debug)]
struct Specified {
    data_type: CrdtType,
    delivered: VersionVector,
    /// The value last found right (a step that changes neither the
    /// deliveries nor the value needs no check).
    checked_value: Option<CrdtOutput>,
    count: i64,
    /// Sets: each element's adds that no delivered remove has seen (a
    /// G-Set's and a 2P-Set's too: they differ in `tombstoned`).
    live_adds: VecMap<u64, VecSet<UpdateId>>,
    /// 2P-Set: elements removed for good.
    tombstoned: VecSet<u64>,
    /// LWW: the latest write in true time (tick, origin, value).
    latest: Option<(u64, ReplicaId, u64)>,
    /// MV: the writes no delivered write has seen, with their values.
    concurrent_writes: VecMap<UpdateId, u64>,
}

impl Specified {
    fn new(data_type: CrdtType) -> Specified {
        Specified {
            data_type,
            delivered: VersionVector::new(),
            checked_value: None,
            count: 0,
            live_adds: VecMap::new(),
            tombstoned: VecSet::new(),
            latest: None,
            concurrent_writes: VecMap::new(),
        }
    }

    /// Take in the updates `delivered` counts that are not in yet, causes
    /// first: ordered by the true time they were made (an update's causes
    /// were all made earlier), then origin and number.
    fn deliver_up_to(&mut self, delivered: &VersionVector, updates: &[Vec<UpdateRecord>]) {
        let mut new: Vec<&UpdateRecord> = Vec::new();
        for (origin, &count) in delivered {
            let had = self.delivered.get(origin).copied().unwrap_or(0);
            let made = updates.get(*origin as usize).map_or(&[][..], Vec::as_slice);
            new.extend(made.iter().take(count as usize).skip(had as usize));
        }
        // The keys are unique, so an unstable sort gives the one order.
        new.sort_unstable_by_key(|u| (u.true_tick, u.origin, u.seq));
        for update in new {
            self.deliver(update);
        }
        for (&origin, &count) in delivered {
            let mine = self.delivered.entry(origin).or_default();
            *mine = (*mine).max(count);
        }
    }

    fn deliver(&mut self, update: &UpdateRecord) {
        let id = (update.origin, update.seq);
        let seen = |id: &UpdateId| update.past.get(&id.0).is_some_and(|&count| count >= id.1);
        match (self.data_type, update.update) {
            (_, Update::Count(by)) => self.count = self.count.saturating_add(by),
            (_, Update::Set(SetUpdate::Add(element))) => {
                self.live_adds.entry(element).or_default().insert(id);
            }
            // A 2P-Set's remove takes effect where an add of it was seen,
            // and for good.
            (CrdtType::TwoPhaseSet, Update::Set(SetUpdate::Remove(element))) => {
                if self.live_adds.get(&element).is_some_and(|adds| adds.iter().any(seen)) {
                    self.tombstoned.insert(element);
                }
            }
            // An OR-Set's remove takes away the adds it had seen.
            (_, Update::Set(SetUpdate::Remove(element))) => {
                if let Some(adds) = self.live_adds.get_mut(&element) {
                    adds.retain(|add| !seen(add));
                }
            }
            (CrdtType::MvRegister, Update::Write(value)) => {
                self.concurrent_writes.retain(|write, _| !seen(write));
                self.concurrent_writes.insert(id, value);
            }
            (_, Update::Write(value)) => {
                let write = (update.true_tick, update.origin, value);
                self.latest = self.latest.max(Some(write));
            }
        }
    }

    fn value(&self) -> CrdtOutput {
        match self.data_type.shape() {
            CrdtShape::Counter => CrdtOutput::Count(self.count),
            CrdtShape::Set => CrdtOutput::Members(
                self.live_adds
                    .iter()
                    .filter(|(element, adds)| !adds.is_empty() && !self.tombstoned.contains(element))
                    .map(|(&element, _)| element)
                    .collect(),
            ),
            CrdtShape::Register if self.data_type == CrdtType::MvRegister => {
                let values = set_of(self.concurrent_writes.values().copied());
                CrdtOutput::Register(values.into_iter().collect())
            }
            CrdtShape::Register => CrdtOutput::Register(self.latest.map(|(_, _, value)| value).into_iter().collect()),
        }
    }
}

/// The property each type's specification states, as the literature names it.
fn specification_name(data_type: CrdtType) -> &'static str {
    match data_type {
        CrdtType::GCounter | CrdtType::PnCounter => "counter counts every update once",
        CrdtType::GSet => "grow-only set semantics",
        CrdtType::TwoPhaseSet => "two-phase set semantics",
        CrdtType::OrSet => "observed-remove semantics (add wins)",
        CrdtType::LwwRegister => "last writer wins",
        CrdtType::MvRegister => "multi-value register semantics",
    }
}

/// Replicas that delivered the same updates hold the same value.
fn check_strong_eventual_consistency(node: NodeId, cluster: &ClusterView<Crdt>) -> Result<(), InvariantViolation> {
    let Some(replica) = cluster.node(node) else { return Ok(()) };
    let (delivered, value) = (&replica.replica().delivered, replica.value());
    for (other, peer) in cluster.up_nodes().filter(|(other, _)| *other != node) {
        if peer.replica().delivered == *delivered && peer.value() != value {
            return Err(InvariantViolation {
                invariant: "strong eventual consistency".into(),
                nodes: vec![node, other],
                detail: format!(
                    "{node} and {other} delivered the same updates ({}) but hold {value} and {}",
                    vector_label(delivered),
                    peer.value()
                ),
            });
        }
    }
    Ok(())
}

/// Whether the replicas that are up hold one value: "agree on {1 2 3}", or
/// "diverge: n0 {2} · n1 {1 3}".
pub fn agreement(cluster: &ClusterView<Crdt>) -> String {
    let up: Vec<(NodeId, &Crdt)> = cluster.up_nodes().collect();
    match up.split_first() {
        None => "all down".to_string(),
        Some(((_, first), rest)) if rest.iter().all(|(_, replica)| replica.value() == first.value()) => {
            format!("agree on {}", first.value())
        }
        Some(_) => {
            let each: Vec<String> = up.iter().map(|(node, replica)| format!("{node} {}", replica.value())).collect();
            format!("diverge: {}", each.join(" · "))
        }
    }
}

/// At quiet: every replica delivered the same updates and holds the same value.
pub fn check_converged(cluster: &ClusterView<Crdt>) -> Result<(), InvariantViolation> {
    let mut replicas = cluster.up_nodes();
    let Some((first, reference)) = replicas.next() else { return Ok(()) };
    for (other, replica) in replicas {
        let same = replica.replica().delivered == reference.replica().delivered && replica.value() == reference.value();
        if !same {
            return Err(InvariantViolation {
                invariant: "convergence".into(),
                nodes: vec![first, other],
                detail: format!(
                    "quiet, yet {first} holds {} ({}) and {other} holds {} ({})",
                    reference.value(),
                    vector_label(&reference.replica().delivered),
                    replica.value(),
                    vector_label(&replica.replica().delivered)
                ),
            });
        }
    }
    Ok(())
}
