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
use super::types::{ReplicaId, SetUpdate, VersionVector};
use super::Crdt;
use faultline_scenario::{CrdtOutput, CrdtType, NodeId};
use faultline_sim::{ClusterView, InvariantViolation};
use std::collections::{BTreeMap, BTreeSet};

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

impl UpdateRecord {
    /// Whether `other` was delivered at this update's replica before it was made.
    fn has_seen(&self, other: &UpdateRecord) -> bool {
        covers(&self.past, other)
    }
}

fn covers(vector: &VersionVector, update: &UpdateRecord) -> bool {
    vector.get(&update.origin).is_some_and(|&count| count >= update.seq)
}

/// What the observer remembers across steps.
#[derive(Clone, Debug, Default)]
pub struct Observer {
    data_type: Option<CrdtType>,
    /// Every update made, by origin, in order (`[origin][seq - 1]`).
    updates: BTreeMap<ReplicaId, Vec<UpdateRecord>>,
    /// Per node, the delivered updates and value last found right: a step
    /// that changed neither needs no new check.
    checked: BTreeMap<NodeId, (VersionVector, CrdtOutput)>,
}

impl Observer {
    pub fn updates_made(&self) -> u64 {
        self.updates.values().map(|made| made.len() as u64).sum()
    }

    /// After a step of `node`: take in an update it made, then check it.
    pub fn check_step(&mut self, node: NodeId, cluster: &ClusterView<Crdt>) -> Result<(), InvariantViolation> {
        let Some(replica) = cluster.node(node) else { return Ok(()) };
        let data_type = *self.data_type.get_or_insert(replica.data_type());
        if let Some(record) = &replica.replica().last_update {
            let made = self.updates.entry(record.origin).or_default();
            if made.len() as u64 + 1 == record.seq {
                made.push(record.clone());
            }
        }
        let delivered = &replica.replica().delivered;
        let value = replica.value();
        if self.checked.get(&node).is_some_and(|(v, seen)| v == delivered && *seen == value) {
            return Ok(());
        }
        self.check_against_specification(data_type, node, delivered, &value)?;
        check_strong_eventual_consistency(node, cluster)?;
        self.checked.insert(node, (delivered.clone(), value));
        Ok(())
    }

    fn check_against_specification(
        &self,
        data_type: CrdtType,
        node: NodeId,
        delivered: &VersionVector,
        value: &CrdtOutput,
    ) -> Result<(), InvariantViolation> {
        let delivered_updates: Vec<&UpdateRecord> = self
            .updates
            .iter()
            .flat_map(|(origin, made)| made.iter().take(delivered.get(origin).copied().unwrap_or(0) as usize))
            .collect();
        let specified = specified_value(data_type, &delivered_updates);
        if specified == *value {
            return Ok(());
        }
        Err(InvariantViolation {
            invariant: specification_name(data_type).to_string(),
            nodes: vec![node],
            detail: format!(
                "{node} holds {value}, but the {} updates it delivered ({}) make {specified}",
                delivered_updates.len(),
                vector_label(delivered)
            ),
        })
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

/// The value the type's specification gives for exactly these updates.
pub fn specified_value(data_type: CrdtType, delivered: &[&UpdateRecord]) -> CrdtOutput {
    match data_type {
        CrdtType::GCounter | CrdtType::PnCounter => CrdtOutput::Count(
            delivered
                .iter()
                .filter_map(|u| match u.update {
                    Update::Count(by) => Some(by),
                    _ => None,
                })
                .fold(0i64, i64::saturating_add),
        ),
        CrdtType::GSet => members(delivered.iter().filter_map(|u| added(u))),
        CrdtType::TwoPhaseSet => {
            let adds: Vec<&UpdateRecord> = delivered.iter().copied().filter(|u| added(u).is_some()).collect();
            // A remove takes effect only where its replica had seen an add.
            let tombstoned: BTreeSet<u64> = delivered
                .iter()
                .filter_map(|r| removed(r).filter(|&e| adds.iter().any(|a| added(a) == Some(e) && r.has_seen(a))))
                .collect();
            members(adds.iter().filter_map(|a| added(a)).filter(|e| !tombstoned.contains(e)))
        }
        CrdtType::OrSet => {
            let removes: Vec<&UpdateRecord> = delivered.iter().copied().filter(|u| removed(u).is_some()).collect();
            let survives = |add: &UpdateRecord| {
                !removes.iter().any(|remove| removed(remove) == added(add) && remove.has_seen(add))
            };
            members(delivered.iter().filter(|u| added(u).is_some() && survives(u)).filter_map(|u| added(u)))
        }
        CrdtType::LwwRegister => {
            let latest = delivered.iter().filter_map(|u| written(u).map(|value| (u.true_tick, u.origin, value))).max();
            CrdtOutput::Register(latest.map(|(_, _, value)| value).into_iter().collect())
        }
        CrdtType::MvRegister => {
            let writes: Vec<&UpdateRecord> = delivered.iter().copied().filter(|u| written(u).is_some()).collect();
            let concurrent = writes.iter().filter(|w| !writes.iter().any(|later| later.has_seen(w)));
            let values: BTreeSet<u64> = concurrent.filter_map(|w| written(w)).collect();
            CrdtOutput::Register(values.into_iter().collect())
        }
    }
}

fn added(update: &UpdateRecord) -> Option<u64> {
    match update.update {
        Update::Set(SetUpdate::Add(element)) => Some(element),
        _ => None,
    }
}

fn removed(update: &UpdateRecord) -> Option<u64> {
    match update.update {
        Update::Set(SetUpdate::Remove(element)) => Some(element),
        _ => None,
    }
}

fn written(update: &UpdateRecord) -> Option<u64> {
    match update.update {
        Update::Write(value) => Some(value),
        _ => None,
    }
}

fn members(elements: impl Iterator<Item = u64>) -> CrdtOutput {
    CrdtOutput::Members(elements.collect::<BTreeSet<u64>>().into_iter().collect())
}
