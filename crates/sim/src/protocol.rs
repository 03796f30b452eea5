//! The sans-I/O interface between the simulator and a protocol node.
//!
//! A node is a deterministic state machine. It is handed one input at a time
//! (start or restart with its durable state, a message, a timer, a client
//! request) together with a [`Context`] that carries the current virtual time
//! and the node's seeded random source, and it answers only by pushing
//! [`Effect`]s into that context. It has no other way to learn the time, draw
//! randomness or touch the outside world, which is what makes every run
//! reproducible from its scenario.

use crate::rng::SimRng;
use faultline_scenario::{ClientId, NodeId, Operation, OperationOutput};
use serde::Serialize;
use std::fmt::Debug;

/// A timer of a node, named by the node. Setting a timer that is already set
/// moves it.
pub type TimerId = u64;

/// Who asked, and for which attempt: a node echoes it back in its reply so
/// the simulator can route the reply to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RequestId {
    pub client: ClientId,
    /// The index of the operation in the history: the same for every retry.
    pub operation_index: u32,
    /// 1 for the first send, 2 for the first retry, ...
    pub attempt: u32,
}

/// A client's request as a node receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientRequest {
    pub id: RequestId,
    pub operation: Operation,
}

/// What a node asks the simulator to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect<M, D> {
    Send {
        to: NodeId,
        message: M,
    },
    SetTimer {
        timer: TimerId,
        after_ticks: u64,
    },
    CancelTimer {
        timer: TimerId,
    },
    Reply {
        request: RequestId,
        output: OperationOutput,
    },
    /// Replace the node's durable state (its "disk") with this value.
    Persist(D),
}

/// Everything a node may know about its environment during one step.
pub struct Context<'a, M, D> {
    pub node: NodeId,
    pub node_count: u32,
    pub now_tick: u64,
    pub rng: &'a mut SimRng,
    effects: &'a mut Vec<Effect<M, D>>,
}

impl<'a, M, D> Context<'a, M, D> {
    pub(crate) fn new(
        node: NodeId,
        node_count: u32,
        now_tick: u64,
        rng: &'a mut SimRng,
        effects: &'a mut Vec<Effect<M, D>>,
    ) -> Self {
        Context { node, node_count, now_tick, rng, effects }
    }

    pub fn send(&mut self, to: NodeId, message: M) {
        self.effects.push(Effect::Send { to, message });
    }

    /// Send a copy to every other node, in node order.
    pub fn broadcast(&mut self, message: M)
    where
        M: Clone,
    {
        for peer in self.peers() {
            self.effects.push(Effect::Send { to: peer, message: message.clone() });
        }
    }

    /// Every node but this one, in node order.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> {
        let me = self.node;
        (0..self.node_count).map(NodeId).filter(move |&n| n != me)
    }

    /// Fire `timer` after `after_ticks` (at least 1: a node cannot act again
    /// within the same tick through a timer).
    pub fn set_timer(&mut self, timer: TimerId, after_ticks: u64) {
        self.effects.push(Effect::SetTimer { timer, after_ticks: after_ticks.max(1) });
    }

    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.effects.push(Effect::CancelTimer { timer });
    }

    pub fn reply(&mut self, request: RequestId, output: OperationOutput) {
        self.effects.push(Effect::Reply { request, output });
    }

    pub fn persist(&mut self, durable: D) {
        self.effects.push(Effect::Persist(durable));
    }
}

/// What the inspector shows of a node: a role and a few labelled values, as
/// the node itself believes them (its local view). The optional parts are
/// for protocols with terms and logs; the page draws them when present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NodeView {
    pub role: String,
    pub fields: Vec<(String, String)>,
    /// The node's current term (drawn as a colour).
    pub term: Option<u64>,
    /// The node's newest log entries, at most [`LOG_ENTRIES_VIEWED_MAX`],
    /// oldest first.
    pub log: Vec<LogEntryView>,
    /// How many entries the whole log holds: `log[0]` is the entry at index
    /// `log_length - log.len() + 1`.
    pub log_length: u64,
    /// Entries up to this index (from 1) are committed.
    pub commit_index: Option<u64>,
    pub voted_for: Option<NodeId>,
    /// When the node's election timer fires, if it is set.
    pub timeout_at_tick: Option<u64>,
}

impl NodeView {
    /// Log entries older than the first the view carries.
    pub fn entries_before_log(&self) -> u64 {
        self.log_length.saturating_sub(self.log.len() as u64)
    }

    /// The entry at log `index` (from 1), if the view carries it.
    pub fn log_entry_at(&self, index: u64) -> Option<&LogEntryView> {
        let position = index.checked_sub(self.entries_before_log() + 1)?;
        self.log.get(usize::try_from(position).ok()?)
    }
}

/// Log entries a [`NodeView`] carries at most: the newest. The page builds
/// every node's view every frame, and draws a dozen entries under a node
/// and lists these in the inspector; the view must not grow with the log.
pub const LOG_ENTRIES_VIEWED_MAX: usize = 40;

/// One log entry, for drawing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntryView {
    pub term: u64,
    pub label: String,
}

/// A broken safety invariant: which, where, and what was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvariantViolation {
    /// The invariant's name, as the literature has it ("election safety").
    pub invariant: String,
    /// The nodes involved.
    pub nodes: Vec<NodeId>,
    pub detail: String,
}

impl std::fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} violated: {}", self.invariant, self.detail)
    }
}

/// The omniscient observer's view of the cluster after a step: every
/// node's volatile state (`None` while down) and durable state.
pub struct ClusterView<'a, P: Protocol> {
    pub(crate) slots: &'a [crate::world::NodeSlot<P>],
}

impl<'a, P: Protocol> ClusterView<'a, P> {
    pub fn node_count(&self) -> u32 {
        self.slots.len() as u32
    }
    pub fn node(&self, node: NodeId) -> Option<&'a P> {
        self.slots.get(node.0 as usize).and_then(|slot| slot.state.as_ref())
    }
    pub fn durable(&self, node: NodeId) -> &'a P::Durable {
        &self.slots[node.0 as usize].durable
    }
    /// Every node that is up, in node order.
    pub fn up_nodes(&self) -> impl Iterator<Item = (NodeId, &'a P)> + 'a {
        self.slots.iter().enumerate().filter_map(|(n, slot)| slot.state.as_ref().map(|s| (NodeId(n as u32), s)))
    }
}

/// A protocol node. Implementations must be deterministic functions of their
/// inputs: no clocks, no ambient randomness, no HashMap iteration where the
/// order reaches an effect.
pub trait Protocol: Clone + Debug + 'static {
    /// Parameters shared by every node, from the scenario.
    type Config: Clone + Debug;
    type Message: Clone + Debug + PartialEq;
    /// What survives a crash. A node starts from `Default::default()`.
    type Durable: Clone + Debug + Default + PartialEq;

    /// What the omniscient observer remembers across steps to check the
    /// protocol's invariants (the leaders seen per term, the entries seen
    /// committed): ghost state, never seen by a node.
    type Ghost: Clone + Debug + Default;

    /// A node with fresh volatile state. Called at the start and on every
    /// restart, so volatile state is lost by construction.
    fn new(node: NodeId, node_count: u32, config: &Self::Config) -> Self;

    /// The node's disk before the run starts.
    fn initial_durable(_node: NodeId, _config: &Self::Config) -> Self::Durable {
        Self::Durable::default()
    }

    /// Counters the observer keeps, for summaries ("leaders elected").
    fn ghost_summary(_ghost: &Self::Ghost) -> Vec<(String, u64)> {
        Vec::new()
    }

    /// Check the protocol's safety invariants after a step (`stepped` is the
    /// node that took it, if any). The run stops at the first violation.
    fn check_invariants(
        _ghost: &mut Self::Ghost,
        _stepped: Option<NodeId>,
        _cluster: &ClusterView<Self>,
    ) -> Result<(), InvariantViolation> {
        Ok(())
    }

    /// The node starts, or restarts from its durable state.
    fn on_start(&mut self, ctx: &mut Context<Self::Message, Self::Durable>, durable: &Self::Durable);

    fn on_message(&mut self, ctx: &mut Context<Self::Message, Self::Durable>, from: NodeId, message: Self::Message);

    fn on_timer(&mut self, ctx: &mut Context<Self::Message, Self::Durable>, timer: TimerId);

    fn on_client_request(&mut self, ctx: &mut Context<Self::Message, Self::Durable>, request: ClientRequest);

    /// A short label for a message, for the trace and the UI ("Replicate k0=5").
    fn message_label(message: &Self::Message) -> String;

    /// A short label for a timer ("election", "heartbeat").
    fn timer_label(timer: TimerId) -> String {
        format!("timer {timer}")
    }

    /// The node's local view, for the inspector.
    fn view(&self) -> NodeView;

    /// The durable state, for the inspector.
    fn durable_view(durable: &Self::Durable) -> String {
        format!("{durable:?}")
    }
}
