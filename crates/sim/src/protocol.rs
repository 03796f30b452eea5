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
use crate::service::{Routing, Service};
use crate::style::{Colour, Kinds, Style};
use crate::trace::{Importance, Narration};
use faultline_scenario::{ClientId, NodeId};
use serde::Serialize;
use std::fmt::Debug;

/// A timer of a node, named by the node. Setting a timer that is already set
/// moves it.
pub type TimerId = u64;

/// The timer the simulator sets at every member that is up when a node
/// joins or leaves (for protocols with [`Protocol::MEMBERSHIP_CHANGES`]),
/// firing at the next tick: the news of a change of membership reaching
/// the nodes. [`Context::members`] then has the new members. A protocol
/// uses no timer of this number for itself.
pub const MEMBERSHIP_CHANGED_TIMER: TimerId = u64::MAX;

/// The operations a protocol's clients send.
pub type OperationOf<P> = <<P as Protocol>::Service as Service>::Operation;
/// What a protocol's nodes answer its clients.
pub type OutputOf<P> = <<P as Protocol>::Service as Service>::Output;

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
pub struct ClientRequest<O> {
    pub id: RequestId,
    pub operation: O,
}

/// What a node asks the simulator to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect<P: Protocol> {
    Send {
        to: NodeId,
        message: P::Message,
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
        output: OutputOf<P>,
    },
    /// Replace the node's durable state (its "disk") with this value.
    Persist(P::Durable),
    /// Tell the page what happened, in the protocol's words.
    Narrate(Narration),
}

/// Everything a node may know about its environment during one step.
pub struct Context<'a, P: Protocol> {
    pub node: NodeId,
    /// Nodes are numbered `0..node_count` (some may have left the cluster).
    pub node_count: u32,
    pub now_tick: u64,
    pub rng: &'a mut SimRng,
    /// The nodes in the cluster now, in node order: all of `0..node_count`
    /// unless the protocol lets nodes join and leave.
    members: &'a [NodeId],
    effects: &'a mut Vec<Effect<P>>,
}

impl<'a, P: Protocol> Context<'a, P> {
    pub(crate) fn new(
        node: NodeId,
        node_count: u32,
        members: &'a [NodeId],
        now_tick: u64,
        rng: &'a mut SimRng,
        effects: &'a mut Vec<Effect<P>>,
    ) -> Self {
        Context { node, node_count, now_tick, rng, members, effects }
    }

    pub fn send(&mut self, to: NodeId, message: P::Message) {
        self.effects.push(Effect::Send { to, message });
    }

    /// Send a copy to every other member, in node order.
    pub fn broadcast(&mut self, message: P::Message) {
        for peer in self.peers() {
            self.effects.push(Effect::Send { to: peer, message: message.clone() });
        }
    }

    /// The nodes in the cluster now, in node order (this one among them).
    pub fn members(&self) -> &'a [NodeId] {
        self.members
    }

    /// Every member but this node, in node order.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + 'a {
        let me = self.node;
        self.members.iter().copied().filter(move |&n| n != me)
    }

    /// Fire `timer` after `after_ticks` (at least 1: a node cannot act again
    /// within the same tick through a timer).
    pub fn set_timer(&mut self, timer: TimerId, after_ticks: u64) {
        self.effects.push(Effect::SetTimer { timer, after_ticks: after_ticks.max(1) });
    }

    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.effects.push(Effect::CancelTimer { timer });
    }

    pub fn reply(&mut self, request: RequestId, output: OutputOf<P>) {
        self.effects.push(Effect::Reply { request, output });
    }

    pub fn persist(&mut self, durable: P::Durable) {
        self.effects.push(Effect::Persist(durable));
    }

    /// Say what happened, for the page's event log: a `Milestone` (a leader
    /// elected, a decision) is also marked on its timeline. Costs nothing
    /// to the run itself (it is not part of the trace's hash).
    pub fn narrate(&mut self, importance: Importance, text: String) {
        self.effects.push(Effect::Narrate(Narration { importance, text }));
    }
}

/// What the page shows of a node, as the node itself believes it (its
/// local view): its role, a few labelled values, and, for protocols that
/// keep one, its log. Built for every node every frame, so it carries only
/// the newest [`LOG_ENTRIES_VIEWED_MAX`] log entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeView {
    /// The role's style (the node's ring and the word under its name).
    pub role: Style,
    /// Labelled values for the inspector.
    pub fields: Vec<(String, String)>,
    /// The node's colour from its own state (a Raft term), if it has one:
    /// nodes that agree look alike, a stale one stands out.
    pub colour: Option<Colour>,
    /// Short texts drawn over the node ("t3", "vote n2", "T4 prepared").
    pub tags: Vec<Tag>,
    /// The newest log entries, oldest first.
    pub log: Vec<LogEntryView>,
    /// How many entries the whole log holds: `log[0]` is the entry at index
    /// `log_length - log.len() + 1`.
    pub log_length: u64,
    /// What the log is and how much of it is settled, for the inspector
    /// ("401 entries, 398 committed").
    pub log_summary: String,
    /// A line drawn under the node ("a1 100 · a2 50"), empty for none.
    pub caption: String,
    /// A timer the node is waiting on, drawn as a countdown.
    pub countdown: Option<Countdown>,
    /// What the node is stuck waiting for, and since when, when it cannot
    /// go on by itself ("blocked since tick 812: waits for n0's decision on
    /// T3").
    pub waiting: Option<String>,
}

impl NodeView {
    /// A view with just a role: a protocol fills in what it has.
    pub fn new(role: impl Kinds) -> NodeView {
        NodeView {
            role: role.style(),
            fields: Vec::new(),
            colour: None,
            tags: Vec::new(),
            log: Vec::new(),
            log_length: 0,
            log_summary: String::new(),
            caption: String::new(),
            countdown: None,
            waiting: None,
        }
    }

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
    /// What the entry holds ("write k0=5", "commit T3").
    pub label: String,
    /// A short note beside it ("t3" for its term), empty for none.
    pub note: String,
    pub colour: Colour,
    /// Settled for good (committed), drawn filled; otherwise hollow.
    pub settled: bool,
}

/// A short text drawn over a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// What it shows, as a CSS class ("term", "vote").
    pub name: &'static str,
    pub text: String,
    pub colour: Option<Colour>,
    /// The longer explanation, as a tooltip.
    pub title: String,
}

/// A timer drawn under a node as the ticks left before it fires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Countdown {
    /// "timeout".
    pub label: &'static str,
    pub at_tick: u64,
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
/// order reaches an effect. A protocol brings everything that is its own as
/// types: its messages and their kinds, its roles, its disk, its client
/// service, its invariants after every step and its properties at quiet.
pub trait Protocol: Clone + Debug + 'static {
    /// Parameters shared by every node, from the scenario.
    type Config: Clone + Debug;
    /// What its clients ask and get back, and how their history is checked.
    type Service: Service;
    type Message: Clone + Debug + PartialEq;
    /// The kinds of its messages, for the page's colours and glyphs.
    type MessageKind: Kinds;
    /// The roles a node can be in, for the page's rings and legend.
    type Role: Kinds;
    /// What survives a crash. A node starts from `Default::default()`.
    type Durable: Clone + Debug + Default + PartialEq;

    /// What the omniscient observer remembers across steps to check the
    /// protocol's invariants (the leaders seen per term, the entries seen
    /// committed): ghost state, never seen by a node.
    type Ghost: Clone + Debug + Default;

    /// Whether nodes may join or leave during a run (add-node and
    /// remove-node actions). Protocols that do not support it refuse them
    /// (the scenario's validation says so first).
    const MEMBERSHIP_CHANGES: bool = false;

    /// A node with fresh volatile state. Called at the start and on every
    /// restart, so volatile state is lost by construction.
    fn new(node: NodeId, node_count: u32, config: &Self::Config) -> Self;

    /// The node's disk before the run starts.
    fn initial_durable(_node: NodeId, _config: &Self::Config) -> Self::Durable {
        Self::Durable::default()
    }

    /// Where clients send their requests.
    fn client_routing(_config: &Self::Config) -> Routing {
        Routing::AnyNode
    }

    /// Counters the observer keeps, for summaries ("leaders elected").
    fn ghost_summary(_ghost: &Self::Ghost) -> Vec<(String, u64)> {
        Vec::new()
    }

    /// What the omniscient observer sees now that a person watching would
    /// want to read (the money in a bank's committed state): labelled
    /// values for the page, not counters to add up over runs.
    fn observe(_ghost: &Self::Ghost, _cluster: &ClusterView<Self>) -> Vec<(String, String)> {
        Vec::new()
    }

    /// What the observer adds to an up node's view from what it sees across
    /// the nodes, which the node itself cannot (a CRDT replica marked
    /// diverged while another holds a different value). The default adds
    /// nothing.
    fn annotate_view(_ghost: &Self::Ghost, _cluster: &ClusterView<Self>, _node: NodeId, _view: &mut NodeView) {}

    /// Check the protocol's safety invariants after a step (`stepped` is the
    /// node that took it, if any). The run stops at the first violation.
    fn check_invariants(
        _ghost: &mut Self::Ghost,
        _stepped: Option<NodeId>,
        _cluster: &ClusterView<Self>,
    ) -> Result<(), InvariantViolation> {
        Ok(())
    }

    /// A milestone only the omniscient observer sees in the step just taken
    /// (replicas that had diverged agree again), marked on the page's
    /// timeline like a node's. Called after the invariants held. Not part
    /// of the trace's hash, like every narration.
    fn observer_milestone(_ghost: &mut Self::Ghost, _now_tick: u64, _cluster: &ClusterView<Self>) -> Option<String> {
        None
    }

    /// The names of the properties [`check_quiet`](Protocol::check_quiet)
    /// checks ("every transaction decided at every RM"), for summaries and
    /// the page; none by default.
    fn quiet_properties() -> &'static [&'static str] {
        &[]
    }

    /// Check the properties that must hold whenever the system is quiet:
    /// every node up, the network healed, nothing in flight, no client
    /// waiting, and no timer set but the protocol's background ones.
    fn check_quiet(_ghost: &Self::Ghost, _cluster: &ClusterView<Self>) -> Result<(), InvariantViolation> {
        Ok(())
    }

    /// Whether the nodes that are up hold the same data now, as far as they
    /// replicate it (every replica of a key, for a partitioned store):
    /// `None` for a protocol that replicates no data, and by default. The
    /// scorecard asks it at the end of a run.
    fn replicas_agree(_cluster: &ClusterView<Self>) -> Option<bool> {
        None
    }

    /// Whether a timer runs for ever in the background (a heartbeat, an
    /// election timeout), so that a system waiting only on such timers is
    /// quiet. Other timers mean a node still has work to finish.
    fn is_background_timer(_timer: TimerId) -> bool {
        false
    }

    /// The node starts, or restarts from its durable state.
    fn on_start(&mut self, ctx: &mut Context<Self>, durable: &Self::Durable);

    fn on_message(&mut self, ctx: &mut Context<Self>, from: NodeId, message: Self::Message);

    fn on_timer(&mut self, ctx: &mut Context<Self>, timer: TimerId);

    fn on_client_request(&mut self, ctx: &mut Context<Self>, request: ClientRequest<OperationOf<Self>>);

    fn message_kind(message: &Self::Message) -> Self::MessageKind;

    /// A short label for a message, for the trace and the UI ("Replicate k0=5").
    fn message_label(message: &Self::Message) -> String;

    /// A short label for a timer ("election", "heartbeat").
    fn timer_label(timer: TimerId) -> String {
        format!("timer {timer}")
    }

    /// The node's local view, for the page.
    fn view(&self) -> NodeView;

    /// The style of the node's role: what [`view`](Protocol::view) shows,
    /// without building the rest of the view. Exercises watch roles after
    /// every step; a protocol whose view is costly answers directly.
    fn role_style(&self) -> Style {
        self.view().role
    }

    /// The durable state, for the inspector.
    fn durable_view(durable: &Self::Durable) -> String {
        format!("{durable:?}")
    }
}
