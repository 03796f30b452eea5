//! The omniscient observer of a quorum store: after every step, a write the
//! stepping node just acknowledged is held by at least W nodes' disks; at
//! quiet, the replicas of every key agree and nothing is held where it does
//! not belong.

use super::version::Siblings;
use super::{Disk, QuorumKv};
use faultline_scenario::NodeId;
use faultline_sim::{ClusterView, InvariantViolation};

/// What [`check_quiet`] checks, as the page and the summaries name it.
pub const QUIET_PROPERTIES: [&str; 2] = [
    "the replicas of every key hold the same versions",
    "no node holds a key it is not a replica of, nor a hint, once hand-off completes",
];

#[derive(Clone, Debug, Default)]
pub struct Observer {
    writes_checked: u64,
    /// By node, the acknowledgements last checked: a step that runs no
    /// handler (a pause, say) leaves a node's list as it was, and it is
    /// not checked twice.
    last_checked: Vec<Vec<super::Acknowledged>>,
}

impl Observer {
    pub fn writes_checked(&self) -> u64 {
        self.writes_checked
    }

    /// Every write `node` acknowledged in this step is on at least W disks.
    pub fn check_step(&mut self, node: NodeId, cluster: &ClusterView<QuorumKv>) -> Result<(), InvariantViolation> {
        let Some(state) = cluster.node(node) else { return Ok(()) };
        let index = node.0 as usize;
        if self.last_checked.len() <= index {
            self.last_checked.resize(index + 1, Vec::new());
        }
        if self.last_checked[index] == state.acknowledged() {
            return Ok(());
        }
        self.last_checked[index] = state.acknowledged().to_vec();
        for acknowledged in state.acknowledged() {
            self.writes_checked += 1;
            let holders: Vec<NodeId> = (0..cluster.node_count())
                .map(NodeId)
                .filter(|&n| cluster.durable(n).holds(acknowledged, state.spec.conflicts))
                .collect();
            let w = state.spec.write_quorum as usize;
            if holders.len() < w {
                return Err(InvariantViolation {
                    invariant: "an acknowledged write is held by W replicas".to_string(),
                    nodes: holders.clone(),
                    detail: format!(
                        "{node} acknowledged write {}:{} of k{} when {} held it ({}), and W is {w}",
                        acknowledged.stamp.node,
                        acknowledged.stamp.count,
                        acknowledged.key,
                        holders.len(),
                        nodes_label(&holders)
                    ),
                });
            }
        }
        Ok(())
    }
}

fn nodes_label(nodes: &[NodeId]) -> String {
    match nodes {
        [] => "none".to_string(),
        _ => nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", "),
    }
}

/// At quiet (every member up, the network whole, nothing in flight): every
/// key's replicas, as the ring of the members has them, hold the same
/// versions, and no node holds a key it is not a replica of or a hint.
pub fn check_quiet(cluster: &ClusterView<QuorumKv>) -> Result<(), InvariantViolation> {
    check_placement(cluster, |_| true)
}

/// Whether every key's replicas that are up hold the same versions, and
/// nothing is held out of place but hints for nodes that are down (the
/// scorecard asks at the end of a run, when some may be).
pub fn replicas_agree(cluster: &ClusterView<QuorumKv>) -> bool {
    check_placement(cluster, |owner| cluster.node(owner).is_some()).is_ok()
}

/// Every up node holds only keys it is a replica of and no hint for an
/// owner `hint_counts` names; then every key's up replicas agree.
fn check_placement(
    cluster: &ClusterView<QuorumKv>,
    hint_counts: impl Fn(NodeId) -> bool,
) -> Result<(), InvariantViolation> {
    let Some((_, any)) = cluster.up_nodes().next() else { return Ok(()) };
    let mut keys: Vec<u32> = Vec::new();
    for (node, state) in cluster.up_nodes() {
        let disk = state.disk();
        if let Some(hint) = disk.hints.iter().find(|hint| hint_counts(hint.for_node)) {
            return Err(InvariantViolation {
                invariant: "hand-off completes".to_string(),
                nodes: vec![node, hint.for_node],
                detail: format!(
                    "{node} still holds k{} for {} ({} hints in all) when the system is quiet",
                    hint.key,
                    hint.for_node,
                    disk.hints.len()
                ),
            });
        }
        for (key, _) in &disk.keys {
            if !any.replicas_of(*key).contains(&node) {
                return Err(InvariantViolation {
                    invariant: "keys live on their replicas".to_string(),
                    nodes: vec![node],
                    detail: format!("{node} holds k{key}, whose replicas are {}", nodes_label(&any.replicas_of(*key))),
                });
            }
            if !keys.contains(key) {
                keys.push(*key);
            }
        }
    }
    keys.sort_unstable();
    for key in keys {
        check_replicas_agree(cluster, any, key)?;
    }
    Ok(())
}

fn check_replicas_agree(cluster: &ClusterView<QuorumKv>, any: &QuorumKv, key: u32) -> Result<(), InvariantViolation> {
    // Only the replicas that are up (all of them at quiet; the scorecard
    // asks at the end of a run, when some may be down).
    let replicas: Vec<NodeId> = any.replicas_of(key).into_iter().filter(|&n| cluster.node(n).is_some()).collect();
    let Some(&first) = replicas.first() else { return Ok(()) };
    let digest_at = |node: NodeId| -> Option<u64> {
        let disk: &Disk = cluster.node(node).map(QuorumKv::disk)?;
        Some(disk.versions(key).map_or(Siblings::default().digest(), |versions| versions.digest()))
    };
    for &other in &replicas[1..] {
        if digest_at(first) != digest_at(other) {
            let label = |node: NodeId| {
                cluster
                    .node(node)
                    .and_then(|state| state.disk().versions(key).map(super::version::siblings_label))
                    .unwrap_or_else(|| "nothing".to_string())
            };
            return Err(InvariantViolation {
                invariant: "replicas converge".to_string(),
                nodes: vec![first, other],
                detail: format!("at quiet, {first} holds k{key}={} and {other} holds {}", label(first), label(other)),
            });
        }
    }
    Ok(())
}
