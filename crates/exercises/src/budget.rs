//! What a learner may do: a number of actions of each kind. Only what
//! breaks something counts; what mends it (restart, heal, reconnect,
//! repairing links) is free, so a learner can always undo a fault.

use faultline_scenario::{Action, TimedAction};

/// The kinds of action a budget counts, as the page records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// `crash` and `crash-stop`.
    Crash,
    /// `partition` (into two islands or more), `isolate`, `cut-link`, `cut-links`.
    Partition,
    /// `pause`.
    Pause,
    /// `drop-message`, `duplicate-message`, `delay-message`.
    MessageFault,
    /// Manual mode's choices: `deliver-message` (a message first) and
    /// `fire-timer` (a node's timer now).
    ManualStep,
    /// `client-request`, sent from a node's menu.
    ClientRequest,
    /// `add-node` and `remove-node`.
    MembershipChange,
}

impl FaultKind {
    pub const ALL: [FaultKind; 7] = [
        FaultKind::Crash,
        FaultKind::Partition,
        FaultKind::Pause,
        FaultKind::MessageFault,
        FaultKind::ManualStep,
        FaultKind::ClientRequest,
        FaultKind::MembershipChange,
    ];

    /// The kind's name, plural, as a budget is read out ("1 of 2 crashes"),
    /// and with `_` for spaces as a budget names it in JSON.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crashes",
            FaultKind::Partition => "partitions",
            FaultKind::Pause => "pauses",
            FaultKind::MessageFault => "message faults",
            FaultKind::ManualStep => "manual steps",
            FaultKind::ClientRequest => "client requests",
            FaultKind::MembershipChange => "membership changes",
        }
    }

    /// The kind an action counts as, in a run of `node_count` nodes, or
    /// `None` when it is free. A partition into one island of every node
    /// mends the network (a drag that brings the nodes back together
    /// records one), so it is free like a heal; one island of some nodes
    /// is a split (the simulator puts the others on an island of their own).
    pub fn of(action: &Action, node_count: u32) -> Option<FaultKind> {
        Some(match action {
            Action::Crash { .. } | Action::CrashStop { .. } => FaultKind::Crash,
            Action::Partition { islands } if mends(islands, node_count) => return None,
            Action::Partition { .. } | Action::Isolate { .. } | Action::CutLink { .. } | Action::CutLinks { .. } => {
                FaultKind::Partition
            }
            Action::Pause { .. } => FaultKind::Pause,
            Action::DropMessage { .. } | Action::DuplicateMessage { .. } | Action::DelayMessage { .. } => {
                FaultKind::MessageFault
            }
            Action::DeliverMessage { .. } | Action::FireTimer { .. } => FaultKind::ManualStep,
            Action::ClientRequest { .. } => FaultKind::ClientRequest,
            Action::AddNode | Action::RemoveNode { .. } => FaultKind::MembershipChange,
            Action::Restart { .. }
            | Action::Heal
            | Action::Reconnect { .. }
            | Action::RepairLink { .. }
            | Action::RepairLinks { .. } => return None,
        })
    }
}

/// How many actions of each kind an exercise allows. In JSON an object
/// of counts named like the kinds (`"crashes": 1`, `"message_faults": 1`);
/// a kind left out allows none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultBudget {
    /// By kind, in [`FaultKind::ALL`]'s order.
    allowed: [u32; FaultKind::ALL.len()],
}

impl FaultBudget {
    pub fn allowed(&self, kind: FaultKind) -> u32 {
        self.allowed[kind as usize]
    }

    /// The same budget, allowing `count` actions of `kind`.
    pub fn with(mut self, kind: FaultKind, count: u32) -> FaultBudget {
        self.allowed[kind as usize] = count;
        self
    }

    /// What `actions` (the learner's) use of the budget: one entry per kind
    /// that is allowed or used, in [`FaultKind::ALL`]'s order.
    pub fn used_by(&self, actions: &[TimedAction], node_count: u32) -> Vec<BudgetUse> {
        let counts_as = |timed: &&TimedAction, kind| FaultKind::of(&timed.action, node_count) == Some(kind);
        let used = |kind| actions.iter().filter(|timed| counts_as(timed, kind)).count() as u32;
        FaultKind::ALL
            .into_iter()
            .map(|kind| BudgetUse { kind, used: used(kind), allowed: self.allowed(kind) })
            .filter(|usage| usage.used > 0 || usage.allowed > 0)
            .collect()
    }
}

/// One kind's actions used, of those allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetUse {
    pub kind: FaultKind,
    pub used: u32,
    pub allowed: u32,
}

impl BudgetUse {
    pub fn is_exceeded(&self) -> bool {
        self.used > self.allowed
    }

    /// Every action of this kind allowed is used: one more would exceed.
    pub fn is_spent(&self) -> bool {
        self.used >= self.allowed
    }
}

/// Whether a partition into `islands` puts every one of `node_count` nodes
/// on one island.
fn mends(islands: &[Vec<faultline_scenario::NodeId>], node_count: u32) -> bool {
    let mut listed: Vec<u32> = islands.iter().flatten().map(|node| node.0).collect();
    listed.sort_unstable();
    listed.dedup();
    islands.iter().filter(|island| !island.is_empty()).count() < 2 && listed.len() as u32 >= node_count
}
