//! The world: every piece of mutable state of a run, and the one transition
//! that advances it by a step. Cloning a world is a snapshot; the simulation
//! keeps a few for seeking.
//!
//! One step is exactly one of: an action of the scenario applied, a message
//! delivered (or dropped on arrival), a timer fired, a client invoking,
//! retrying or giving up. Events are ordered by (tick, class, sequence
//! number): the sequence number is handed out in scheduling order, so
//! simultaneous events always run in the same order. An action at tick T runs
//! after every event of earlier ticks and before any event at tick T.

use crate::history::HistoryEntry;
use crate::protocol::{
    ClientRequest, ClusterView, Context, Effect, InvariantViolation, NodeView, OperationOf, OutputOf, Protocol,
    RequestId, TimerId,
};
use crate::rng::{stream, SimRng};
use crate::service::{Retry, Routing, Service};
use crate::style::Kinds;
use crate::trace::{DropReason, Endpoint, MessageKindId, Narration, SendFate, SentMessage, StepKind, TraceStep};
use faultline_scenario::{
    Action, ClientId, Limits, Link, MessageId, NetworkConfig, NodeId, Scenario, TimedAction, WorkloadConfig,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// Most nodes a run numbers, joined ones included (as scenarios allow).
pub const NODES_MAX: u32 = 16;

/// The node an action is about, if it is about one.
fn action_node(action: &Action) -> Option<NodeId> {
    match action {
        Action::Crash { node }
        | Action::CrashStop { node }
        | Action::Restart { node }
        | Action::Pause { node, .. }
        | Action::Isolate { node }
        | Action::Reconnect { node }
        | Action::FireTimer { node, .. }
        | Action::RemoveNode { node }
        | Action::ClientRequest { node, .. } => Some(*node),
        _ => None,
    }
}

/// Most timers a node may have set at once. Protocols need a handful; more
/// means a protocol bug, and an unbounded timer table would be one too.
pub const TIMERS_PER_NODE_MAX: usize = 64;

/// The position of an event in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct QueueKey {
    tick: u64,
    /// 0 for events a manual step moved to the front, 1 otherwise.
    class: u8,
    seq: u64,
}

const CLASS_FORCED: u8 = 0;
const CLASS_NORMAL: u8 = 1;

#[derive(Clone, Debug)]
enum Event {
    Start { node: NodeId },
    Deliver { message: MessageId },
    Timer { node: NodeId, timer: TimerId },
    ClientWake { client: ClientId },
    ClientTimeout { client: ClientId },
}

/// What a message carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload<P: Protocol> {
    Peer(P::Message),
    Request(ClientRequest<OperationOf<P>>),
    Reply { request: RequestId, output: OutputOf<P> },
}

#[derive(Clone, Debug)]
struct InFlight<P: Protocol> {
    id: MessageId,
    from: Endpoint,
    to: Endpoint,
    payload: Payload<P>,
    kind: MessageKindId,
    label: String,
    sent_tick: u64,
    key: QueueKey,
    /// Decided at send: the network will lose it on arrival.
    doomed: Option<DropReason>,
    /// The sender's clocks when it was sent.
    lamport: u64,
    vector: Vec<u32>,
}

/// A message in flight, as the UI shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageView {
    pub id: MessageId,
    pub from: Endpoint,
    pub to: Endpoint,
    pub kind: MessageKindId,
    pub label: String,
    pub sent_tick: u64,
    pub deliver_tick: u64,
    /// The network has already decided to lose it.
    pub doomed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeStatus {
    Up,
    /// Crashed; comes back with a restart.
    Crashed,
    /// Crash-stopped; never comes back.
    Stopped,
    /// Left the cluster for good (a remove-node action).
    Removed,
}

#[derive(Clone, Debug)]
pub(crate) struct NodeSlot<P: Protocol> {
    /// The volatile state; `None` while the node is down.
    pub(crate) state: Option<P>,
    status: NodeStatus,
    pub(crate) durable: P::Durable,
    /// The node takes no steps while `now_tick < paused_until_tick`.
    paused_until_tick: u64,
    rng: SimRng,
    timers: BTreeMap<TimerId, QueueKey>,
}

/// A node as the inspector shows it: the global view (status) and the
/// node's local view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeReport {
    pub id: NodeId,
    pub status: NodeStatus,
    pub paused_until_tick: Option<u64>,
    pub view: Option<NodeView>,
    pub durable: String,
    /// (label, tick) of every timer set.
    pub timers: Vec<(String, u64)>,
}

/// An event the user may choose in manual mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EnabledEvent {
    Deliver { message: MessageId, from: Endpoint, to: Endpoint, label: String, due_tick: u64 },
    Timer { node: NodeId, timer: TimerId, label: String, due_tick: u64 },
}

impl EnabledEvent {
    /// The action that makes this event happen next.
    pub fn as_action(&self) -> Action {
        match self {
            EnabledEvent::Deliver { message, .. } => Action::DeliverMessage { message: *message },
            EnabledEvent::Timer { node, timer, .. } => Action::FireTimer { node: *node, timer: *timer },
        }
    }
}

#[derive(Clone, Debug)]
struct CurrentOperation<O> {
    operation_index: u32,
    operation: O,
    attempt: u32,
    node: NodeId,
}

#[derive(Clone, Debug)]
struct ClientSlot<O> {
    current: Option<CurrentOperation<O>>,
    timeout_key: Option<QueueKey>,
    wake_key: Option<QueueKey>,
    /// The node a redirect pointed at (Raft's "not leader, try n2"): the
    /// client sends there first, until that node times out.
    redirected_to: Option<NodeId>,
}

impl<O> Default for ClientSlot<O> {
    fn default() -> Self {
        ClientSlot { current: None, timeout_key: None, wake_key: None, redirected_to: None }
    }
}

/// Counters of a run, kept as the run goes so they are right at any step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    pub steps: u64,
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    /// Faults: crashes, restarts, pauses, partitions, heals, message faults.
    pub faults_applied: u64,
    /// Every action, faults and manual steps and scripted requests included.
    pub actions_applied: u64,
    pub operations_invoked: u64,
    pub operations_completed: u64,
    /// Steps after which the system was quiet, so its quiet properties
    /// were checked.
    pub quiet_checks: u64,
    /// The last tick the system was quiet at.
    pub last_quiet_tick: Option<u64>,
}

impl RunStats {
    pub fn operations_pending(&self) -> u64 {
        self.operations_invoked - self.operations_completed
    }
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum EndReason {
    /// No event and no action is left: nothing can happen any more.
    Quiescent { tick: u64 },
    /// The next event is after `limits.ticks_max`.
    TickLimit { ticks_max: u64 },
    /// The trace holds `limits.steps_max` steps.
    StepLimit { steps_max: u64 },
    /// A safety invariant of the protocol broke at the last step.
    InvariantViolated { violation: InvariantViolation },
    /// A node tried to have more than `TIMERS_PER_NODE_MAX` timers set at
    /// once: a protocol bug, and a timer table that would grow without end.
    TimerLimit { node: NodeId, timers_max: usize },
    /// A node asked for something the simulator cannot do (a message to a
    /// node that does not exist): a protocol bug, stopped before it spreads.
    ProtocolFault { node: NodeId, detail: String },
    /// A property that must hold whenever the system is quiet (every node
    /// up, the network healed, nothing in flight, no client waiting) did
    /// not, at the last step.
    QuietViolated { violation: InvariantViolation },
}

impl EndReason {
    /// The protocol broke a rule (an invariant, a quiet property) or did
    /// something the simulator cannot do: the run stopped on a bug, not on
    /// a limit.
    pub fn is_violation(&self) -> bool {
        matches!(
            self,
            EndReason::InvariantViolated { .. }
                | EndReason::QuietViolated { .. }
                | EndReason::TimerLimit { .. }
                | EndReason::ProtocolFault { .. }
        )
    }

    /// The broken rule, when the run stopped on one.
    pub fn violation(&self) -> Option<&InvariantViolation> {
        match self {
            EndReason::InvariantViolated { violation } | EndReason::QuietViolated { violation } => Some(violation),
            _ => None,
        }
    }
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndReason::Quiescent { tick } => write!(f, "nothing left to happen after tick {tick}"),
            EndReason::TickLimit { ticks_max } => write!(f, "reached the time limit of {ticks_max} ticks"),
            EndReason::StepLimit { steps_max } => write!(f, "reached the step limit of {steps_max} steps"),
            EndReason::InvariantViolated { violation } => write!(f, "{violation}"),
            EndReason::TimerLimit { node, timers_max } => {
                write!(
                    f,
                    "{node} tried to set more than {timers_max} timers at once (a protocol bug); the run stops here"
                )
            }
            EndReason::ProtocolFault { node, detail } => {
                write!(f, "{node} {detail} (a protocol bug); the run stops here")
            }
            EndReason::QuietViolated { violation } => {
                write!(f, "the system was quiet (every node up, the network healed, nothing in flight) and {violation}")
            }
        }
    }
}

/// The parts of the scenario a run reads but never changes, shared by every
/// snapshot.
#[derive(Debug)]
struct Setup<P: Protocol> {
    seed: u64,
    /// The nodes at the start (more may join: `World::node_count`).
    initial_node_count: u32,
    config: P::Config,
    service: P::Service,
    routing: Routing,
    network: NetworkConfig,
    workload: WorkloadConfig,
    limits: Limits,
}

pub struct World<P: Protocol> {
    setup: Arc<Setup<P>>,
    now_tick: u64,
    /// The index of the next step.
    step_count: u64,
    next_seq: u64,
    next_message_id: u64,
    queue: BTreeMap<QueueKey, Event>,
    in_flight: BTreeMap<MessageId, InFlight<P>>,
    nodes: Vec<NodeSlot<P>>,
    /// The nodes in the cluster now, in node order (what `Context::peers`
    /// iterates).
    members: Vec<NodeId>,
    clients: Vec<ClientSlot<OperationOf<P>>>,
    /// Cut directed links between nodes. Clients are never partitioned.
    cut_links: BTreeSet<(NodeId, NodeId)>,
    /// The latest delivery tick per link, for FIFO delivery.
    link_last_deliver_tick: BTreeMap<(Endpoint, Endpoint), u64>,
    network_rng: SimRng,
    workload_rng: SimRng,
    history: Vec<HistoryEntry>,
    workload_operations_invoked: u32,
    draw_state: <P::Service as Service>::DrawState,
    /// Per process (nodes, then clients).
    lamport: Vec<u64>,
    vectors: Vec<Vec<u32>>,
    /// Actions before this index have been applied.
    next_action_index: usize,
    stats: RunStats,
    ended: Option<EndReason>,
    /// What the observer remembers to check the protocol's invariants.
    ghost: P::Ghost,
}

// A derive would demand `P::Config: Clone` bounds spelled out on Setup too;
// the Arc makes that unnecessary.
impl<P: Protocol> Clone for World<P> {
    fn clone(&self) -> Self {
        World {
            setup: Arc::clone(&self.setup),
            now_tick: self.now_tick,
            step_count: self.step_count,
            next_seq: self.next_seq,
            next_message_id: self.next_message_id,
            queue: self.queue.clone(),
            in_flight: self.in_flight.clone(),
            nodes: self.nodes.clone(),
            members: self.members.clone(),
            clients: self.clients.clone(),
            cut_links: self.cut_links.clone(),
            link_last_deliver_tick: self.link_last_deliver_tick.clone(),
            network_rng: self.network_rng.clone(),
            workload_rng: self.workload_rng.clone(),
            history: self.history.clone(),
            workload_operations_invoked: self.workload_operations_invoked,
            draw_state: self.draw_state.clone(),
            lamport: self.lamport.clone(),
            vectors: self.vectors.clone(),
            next_action_index: self.next_action_index,
            stats: self.stats.clone(),
            ended: self.ended.clone(),
            ghost: self.ghost.clone(),
        }
    }
}

/// What a step is being built from while it runs.
struct StepScratch {
    process: Option<Endpoint>,
    cause: Option<MessageId>,
    lamport: u64,
    vector: Vec<u32>,
    sent: Vec<SentMessage>,
    narration: Vec<Narration>,
}

impl<P: Protocol> World<P> {
    /// The world at tick 0: every node about to start, every client about to
    /// wake.
    pub fn new(scenario: &Scenario, config: P::Config, service: P::Service) -> World<P> {
        let node_count = scenario.protocol.node_count();
        let client_count = scenario.workload.clients;
        let draw_state = service.initial_draw_state();
        let setup = Arc::new(Setup {
            seed: scenario.seed,
            initial_node_count: node_count,
            routing: P::client_routing(&config),
            config,
            service,
            network: scenario.network.clone(),
            workload: scenario.workload.clone(),
            limits: scenario.limits.clone(),
        });
        let process_count = (node_count + client_count) as usize;
        let nodes = (0..node_count)
            .map(|n| NodeSlot {
                state: None,
                status: NodeStatus::Up,
                durable: P::initial_durable(NodeId(n), &setup.config),
                paused_until_tick: 0,
                rng: SimRng::for_stream(scenario.seed, stream::NODE_BASE + n as u64),
                timers: BTreeMap::new(),
            })
            .collect();
        let mut world = World {
            now_tick: 0,
            step_count: 0,
            next_seq: 0,
            next_message_id: 0,
            queue: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            nodes,
            members: (0..node_count).map(NodeId).collect(),
            clients: (0..client_count).map(|_| ClientSlot::default()).collect(),
            cut_links: BTreeSet::new(),
            link_last_deliver_tick: BTreeMap::new(),
            network_rng: SimRng::for_stream(scenario.seed, stream::NETWORK),
            workload_rng: SimRng::for_stream(scenario.seed, stream::WORKLOAD),
            history: Vec::new(),
            workload_operations_invoked: 0,
            draw_state,
            lamport: vec![0; process_count],
            vectors: vec![vec![0; process_count]; process_count],
            next_action_index: 0,
            stats: RunStats::default(),
            ended: None,
            ghost: P::Ghost::default(),
            setup,
        };
        for n in 0..node_count {
            world.schedule(0, CLASS_NORMAL, Event::Start { node: NodeId(n) });
        }
        for c in 0..client_count {
            if world.setup.workload.operations_max > 0 {
                let (min, max) = (world.setup.workload.think_ticks_min, world.setup.workload.think_ticks_max);
                let first_tick = world.workload_rng.between(min, max);
                let key = world.schedule(first_tick, CLASS_NORMAL, Event::ClientWake { client: ClientId(c) });
                world.clients[c as usize].wake_key = Some(key);
            }
        }
        world
    }

    // ----- read access -------------------------------------------------

    pub fn now_tick(&self) -> u64 {
        self.now_tick
    }
    pub fn step_count(&self) -> u64 {
        self.step_count
    }
    pub fn seed(&self) -> u64 {
        self.setup.seed
    }
    /// How many nodes were ever numbered: those at the start and those
    /// that joined since (some may have left).
    pub fn node_count(&self) -> u32 {
        self.nodes.len() as u32
    }
    /// The nodes in the cluster now, in node order.
    pub fn members(&self) -> &[NodeId] {
        &self.members
    }
    pub fn client_count(&self) -> u32 {
        self.clients.len() as u32
    }
    pub fn history(&self) -> &[HistoryEntry] {
        &self.history
    }
    pub fn stats(&self) -> &RunStats {
        &self.stats
    }
    pub fn ended(&self) -> Option<&EndReason> {
        self.ended.as_ref()
    }
    pub fn ghost_summary(&self) -> Vec<(String, u64)> {
        P::ghost_summary(&self.ghost)
    }
    /// The omniscient observer's view of every node now.
    pub fn cluster(&self) -> ClusterView<'_, P> {
        ClusterView { slots: &self.nodes }
    }
    /// What the protocol's observer remembers (for a protocol's own tools,
    /// such as its explore nemesis).
    pub fn ghost(&self) -> &P::Ghost {
        &self.ghost
    }
    /// The protocol's client service, with the scenario's parameters.
    pub fn service(&self) -> &P::Service {
        &self.setup.service
    }
    pub fn next_action_index(&self) -> usize {
        self.next_action_index
    }
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut_links.iter().copied()
    }
    pub fn is_link_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut_links.contains(&(from, to))
    }
    pub fn node_status(&self, node: NodeId) -> Option<NodeStatus> {
        self.nodes.get(node.0 as usize).map(|slot| slot.status)
    }
    /// The node's volatile state, if it is up: for tests and invariants.
    pub fn node_state(&self, node: NodeId) -> Option<&P> {
        self.nodes.get(node.0 as usize).and_then(|slot| slot.state.as_ref())
    }
    pub fn node_durable(&self, node: NodeId) -> Option<&P::Durable> {
        self.nodes.get(node.0 as usize).map(|slot| &slot.durable)
    }

    pub fn node_reports(&self) -> Vec<NodeReport> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(n, slot)| NodeReport {
                id: NodeId(n as u32),
                status: slot.status,
                paused_until_tick: (self.now_tick < slot.paused_until_tick).then_some(slot.paused_until_tick),
                view: slot.state.as_ref().map(P::view),
                durable: P::durable_view(&slot.durable),
                timers: slot.timers.iter().map(|(&timer, key)| (P::timer_label(timer), key.tick)).collect(),
            })
            .collect()
    }

    pub fn messages_in_flight(&self) -> Vec<MessageView> {
        self.in_flight
            .values()
            .map(|m| MessageView {
                id: m.id,
                from: m.from,
                to: m.to,
                kind: m.kind,
                label: m.label.clone(),
                sent_tick: m.sent_tick,
                deliver_tick: m.key.tick,
                doomed: m.doomed.is_some(),
            })
            .collect()
    }

    /// The events a manual step may choose from, in the order they would
    /// happen on their own.
    pub fn enabled_events(&self) -> Vec<EnabledEvent> {
        self.queue
            .iter()
            .filter_map(|(key, event)| match event {
                Event::Deliver { message } => {
                    let m = &self.in_flight[message];
                    Some(EnabledEvent::Deliver {
                        message: m.id,
                        from: m.from,
                        to: m.to,
                        label: m.label.clone(),
                        due_tick: key.tick,
                    })
                }
                Event::Timer { node, timer } => Some(EnabledEvent::Timer {
                    node: *node,
                    timer: *timer,
                    label: P::timer_label(*timer),
                    due_tick: key.tick,
                }),
                _ => None,
            })
            .collect()
    }

    /// The tick of the next step if it happened now (ignoring deferrals).
    pub fn next_candidate_tick(&self, actions: &[TimedAction]) -> Option<u64> {
        let event_tick = self.queue.keys().next().map(|k| k.tick);
        let action_tick = actions.get(self.next_action_index).map(|a| a.at_tick);
        let tick = match (event_tick, action_tick) {
            (Some(e), Some(a)) => e.min(a),
            (e, a) => e.or(a)?,
        };
        Some(tick.max(self.now_tick))
    }

    // ----- the transition ------------------------------------------------

    /// Take the next step whose tick is at most `tick_bound`. Returns `None`
    /// when the run has ended or the next step lies beyond the bound.
    pub fn step(&mut self, actions: &[TimedAction], tick_bound: u64) -> Option<TraceStep> {
        loop {
            if self.ended.is_some() {
                return None;
            }
            if self.step_count >= self.setup.limits.steps_max {
                self.ended = Some(EndReason::StepLimit { steps_max: self.setup.limits.steps_max });
                return None;
            }
            let Some(tick) = self.next_candidate_tick(actions) else {
                self.ended = Some(EndReason::Quiescent { tick: self.now_tick });
                return None;
            };
            if tick > self.setup.limits.ticks_max {
                self.ended = Some(EndReason::TickLimit { ticks_max: self.setup.limits.ticks_max });
                return None;
            }
            if tick > tick_bound {
                return None;
            }
            let action_first = match (actions.get(self.next_action_index), self.queue.keys().next()) {
                (Some(action), Some(key)) => action.at_tick <= key.tick,
                (Some(_), None) => true,
                _ => false,
            };
            debug_assert!(tick >= self.now_tick, "time never goes back");
            self.now_tick = tick;
            let step = if action_first {
                let action = actions[self.next_action_index].action.clone();
                self.next_action_index += 1;
                Some(self.apply_action(action))
            } else {
                let (key, event) = self.queue.pop_first().expect("the queue has a first event");
                self.handle_event(key, event)
            };
            if let Some(step) = step {
                debug_assert_eq!(step.index, self.step_count);
                self.step_count += 1;
                self.stats.steps += 1;
                let stepped = match step.process {
                    Some(Endpoint::Node(node)) => Some(node),
                    _ => None,
                };
                let cluster = ClusterView { slots: &self.nodes };
                if let Err(violation) = P::check_invariants(&mut self.ghost, stepped, &cluster) {
                    self.end(EndReason::InvariantViolated { violation });
                } else if self.is_quiet() {
                    self.stats.quiet_checks += 1;
                    self.stats.last_quiet_tick = Some(self.now_tick);
                    let cluster = ClusterView { slots: &self.nodes };
                    if let Err(violation) = P::check_quiet(&self.ghost, &cluster) {
                        self.end(EndReason::QuietViolated { violation });
                    }
                }
                return Some(step);
            }
            // The event was deferred or had nothing left to do: no step.
        }
    }

    /// Whether the system is quiet: every node up (none crashed or
    /// crash-stopped; a paused one with nothing to do is as good as up),
    /// every link working, nothing in flight, no client waiting for an
    /// answer, and no timer set but the protocol's background ones. The
    /// cheap tests come first: this runs after every step.
    pub fn is_quiet(&self) -> bool {
        self.in_flight.is_empty()
            && self.cut_links.is_empty()
            && self.clients.iter().all(|client| client.current.is_none())
            && self.nodes.iter().all(|slot| {
                slot.status == NodeStatus::Removed
                    || slot.state.is_some() && slot.timers.keys().all(|&timer| P::is_background_timer(timer))
            })
    }

    /// End the run after the current step, for the first reason given.
    fn end(&mut self, reason: EndReason) {
        self.ended.get_or_insert(reason);
    }

    fn schedule(&mut self, tick: u64, class: u8, event: Event) -> QueueKey {
        let key = QueueKey { tick, class, seq: self.next_seq };
        self.next_seq += 1;
        let previous = self.queue.insert(key, event);
        debug_assert!(previous.is_none(), "sequence numbers are unique");
        key
    }

    fn process_index(&self, endpoint: Endpoint) -> usize {
        match endpoint {
            // Nodes that joined during the run come after the clients, so
            // that no process changes its index.
            Endpoint::Node(n) if n.0 >= self.setup.initial_node_count => self.clients.len() + n.0 as usize,
            Endpoint::Node(n) => n.0 as usize,
            Endpoint::Client(c) => self.setup.initial_node_count as usize + c.0 as usize,
        }
    }

    /// Start a step at `process`: advance its clocks, merging the cause's.
    fn begin(&mut self, process: Option<Endpoint>, cause: Option<(MessageId, u64, &[u32])>) -> StepScratch {
        let Some(endpoint) = process else {
            return StepScratch {
                process: None,
                cause: cause.map(|c| c.0),
                lamport: 0,
                vector: Vec::new(),
                sent: Vec::new(),
                narration: Vec::new(),
            };
        };
        let p = self.process_index(endpoint);
        let mut lamport = self.lamport[p];
        let vector = &mut self.vectors[p];
        if let Some((_, cause_lamport, cause_vector)) = cause {
            lamport = lamport.max(cause_lamport);
            for (mine, theirs) in vector.iter_mut().zip(cause_vector) {
                *mine = (*mine).max(*theirs);
            }
        }
        lamport += 1;
        vector[p] += 1;
        self.lamport[p] = lamport;
        let vector = vector.clone();
        StepScratch { process, cause: cause.map(|c| c.0), lamport, vector, sent: Vec::new(), narration: Vec::new() }
    }

    fn finish(&self, scratch: StepScratch, kind: StepKind) -> TraceStep {
        TraceStep {
            index: self.step_count,
            tick: self.now_tick,
            process: scratch.process,
            lamport: scratch.lamport,
            vector: scratch.vector,
            cause: scratch.cause,
            sent: scratch.sent,
            kind,
            narration: scratch.narration,
        }
    }

    fn handle_event(&mut self, key: QueueKey, event: Event) -> Option<TraceStep> {
        match event {
            Event::Start { node } => {
                let slot = &self.nodes[node.0 as usize];
                // Actions at tick 0 run first: a node crashed (or crashed and
                // restarted) before its start does not start again.
                if slot.status != NodeStatus::Up || slot.state.is_some() {
                    return None;
                }
                if self.now_tick < slot.paused_until_tick {
                    let resume = slot.paused_until_tick;
                    self.schedule(resume, CLASS_NORMAL, Event::Start { node });
                    return None;
                }
                let mut scratch = self.begin(Some(Endpoint::Node(node)), None);
                self.start_node(node, &mut scratch);
                Some(self.finish(scratch, StepKind::Start { node, restart: false }))
            }
            Event::Deliver { message } => self.deliver(key, message),
            Event::Timer { node, timer } => {
                let slot = &mut self.nodes[node.0 as usize];
                debug_assert_eq!(slot.timers.get(&timer), Some(&key), "a fired timer is the one set");
                if self.now_tick < slot.paused_until_tick {
                    let resume = slot.paused_until_tick;
                    let new_key = self.schedule(resume, CLASS_NORMAL, Event::Timer { node, timer });
                    self.nodes[node.0 as usize].timers.insert(timer, new_key);
                    return None;
                }
                slot.timers.remove(&timer);
                let mut scratch = self.begin(Some(Endpoint::Node(node)), None);
                self.run_node(node, &mut scratch, |state, ctx| state.on_timer(ctx, timer));
                Some(self.finish(scratch, StepKind::Timer { node, timer, label: P::timer_label(timer) }))
            }
            Event::ClientWake { client } => {
                self.clients[client.0 as usize].wake_key = None;
                if self.workload_operations_invoked >= self.setup.workload.operations_max {
                    return None; // this client's share of the workload is done
                }
                let operation = self.setup.service.draw_operation(&mut self.draw_state, &mut self.workload_rng);
                let node = match self.setup.routing {
                    Routing::AnyNode => {
                        let drawn = self.workload_rng.below(self.members.len() as u64) as usize;
                        let random_node = self.members[drawn];
                        self.clients[client.0 as usize].redirected_to.unwrap_or(random_node)
                    }
                    Routing::Node(node) => node,
                };
                self.workload_operations_invoked += 1;
                let mut scratch = self.begin(Some(Endpoint::Client(client)), None);
                let kind = self.invoke(client, operation, node, &mut scratch);
                Some(self.finish(scratch, kind))
            }
            Event::ClientTimeout { client } => {
                let slot = &mut self.clients[client.0 as usize];
                debug_assert_eq!(slot.timeout_key, Some(key));
                slot.timeout_key = None;
                // The node a redirect pointed at did not answer: forget it.
                slot.redirected_to = None;
                let mut scratch = self.begin(Some(Endpoint::Client(client)), None);
                let kind = self.retry_or_give_up(client, &mut scratch);
                Some(self.finish(scratch, kind))
            }
        }
    }

    fn deliver(&mut self, key: QueueKey, id: MessageId) -> Option<TraceStep> {
        let mut message = self.in_flight.remove(&id).expect("a queued delivery is in flight");
        debug_assert_eq!(message.key, key);
        if let Endpoint::Node(node) = message.to {
            let resume = self.nodes[node.0 as usize].paused_until_tick;
            if self.now_tick < resume && message.doomed.is_none() {
                // A paused node takes no steps: the message waits for it.
                message.key = self.schedule(resume, CLASS_NORMAL, Event::Deliver { message: id });
                self.in_flight.insert(id, message);
                return None;
            }
        }
        let receiver_status = match message.to {
            Endpoint::Node(to) => self.nodes[to.0 as usize].status,
            Endpoint::Client(_) => NodeStatus::Up,
        };
        let reason = message.doomed.or_else(|| match (message.from, message.to, receiver_status) {
            (_, _, NodeStatus::Removed) => Some(DropReason::NodeRemoved),
            (_, _, NodeStatus::Crashed | NodeStatus::Stopped) => Some(DropReason::NodeDown),
            (Endpoint::Node(from), Endpoint::Node(to), _) if self.cut_links.contains(&(from, to)) => {
                Some(DropReason::Partition)
            }
            _ => None,
        });
        let (from, to, kind) = (message.from, message.to, message.kind);
        if let Some(reason) = reason {
            self.stats.messages_dropped += 1;
            let scratch = self.begin(None, Some((id, 0, &[])));
            let step = StepKind::Drop { message: id, from, to, kind, label: message.label, reason };
            return Some(self.finish(scratch, step));
        }
        self.stats.messages_delivered += 1;
        let mut scratch = self.begin(Some(to), Some((id, message.lamport, &message.vector)));
        let delivered = StepKind::Deliver { message: id, from, to, kind, label: message.label };
        let step = match (to, message.payload) {
            (Endpoint::Node(node), Payload::Peer(payload)) => {
                let Endpoint::Node(from) = from else { unreachable!("peer messages come from nodes") };
                self.run_node(node, &mut scratch, |state, ctx| state.on_message(ctx, from, payload));
                delivered
            }
            (Endpoint::Node(node), Payload::Request(request)) => {
                self.run_node(node, &mut scratch, |state, ctx| state.on_client_request(ctx, request));
                delivered
            }
            (Endpoint::Client(client), Payload::Reply { request, output }) => {
                self.client_receive(client, request, output, &mut scratch).unwrap_or(delivered)
            }
            (to, payload) => unreachable!("{payload:?} is never addressed to {to}"),
        };
        Some(self.finish(scratch, step))
    }

    /// Start (or restart) a node: fresh volatile state from `P::new`, then
    /// `on_start` with what is on its disk.
    fn start_node(&mut self, node: NodeId, scratch: &mut StepScratch) {
        let node_count = self.node_count();
        let slot = &mut self.nodes[node.0 as usize];
        debug_assert!(slot.timers.is_empty(), "a starting node has no timers");
        slot.status = NodeStatus::Up;
        slot.state = Some(P::new(node, node_count, &self.setup.config));
        let durable = slot.durable.clone();
        self.run_node(node, scratch, |state, ctx| state.on_start(ctx, &durable));
    }

    fn run_node(&mut self, node: NodeId, scratch: &mut StepScratch, handler: impl FnOnce(&mut P, &mut Context<P>)) {
        let mut effects = Vec::new();
        let node_count = self.node_count();
        let slot = &mut self.nodes[node.0 as usize];
        let state = slot.state.as_mut().expect("only a running node handles inputs");
        let mut ctx = Context::new(node, node_count, &self.members, self.now_tick, &mut slot.rng, &mut effects);
        handler(state, &mut ctx);
        for effect in effects {
            match effect {
                Effect::Send { to, .. } if to.0 >= self.node_count() => {
                    let detail = format!("sent a message to {to}, which does not exist");
                    self.end(EndReason::ProtocolFault { node, detail });
                }
                Effect::Send { to, message } => {
                    let kind = MessageKindId::Protocol(P::message_kind(&message).index());
                    let label = P::message_label(&message);
                    let (from, to) = (Endpoint::Node(node), Endpoint::Node(to));
                    self.send(from, to, Payload::Peer(message), kind, label, scratch);
                }
                Effect::SetTimer { timer, after_ticks } => {
                    if let Some(old) = self.nodes[node.0 as usize].timers.remove(&timer) {
                        self.queue.remove(&old);
                    }
                    if self.nodes[node.0 as usize].timers.len() >= TIMERS_PER_NODE_MAX {
                        self.end(EndReason::TimerLimit { node, timers_max: TIMERS_PER_NODE_MAX });
                        continue;
                    }
                    let key = self.schedule(self.now_tick + after_ticks, CLASS_NORMAL, Event::Timer { node, timer });
                    self.nodes[node.0 as usize].timers.insert(timer, key);
                }
                Effect::CancelTimer { timer } => {
                    if let Some(old) = self.nodes[node.0 as usize].timers.remove(&timer) {
                        self.queue.remove(&old);
                    }
                }
                Effect::Reply { request, output } => {
                    let label = format!("reply {output} to {}", request.client);
                    let payload = Payload::Reply { request, output };
                    let (from, to) = (Endpoint::Node(node), Endpoint::Client(request.client));
                    self.send(from, to, payload, MessageKindId::Reply, label, scratch);
                }
                Effect::Persist(durable) => self.nodes[node.0 as usize].durable = durable,
                Effect::Narrate(narration) => scratch.narration.push(narration),
            }
        }
    }

    fn send(
        &mut self,
        from: Endpoint,
        to: Endpoint,
        payload: Payload<P>,
        kind: MessageKindId,
        label: String,
        scratch: &mut StepScratch,
    ) {
        let id = MessageId(self.next_message_id);
        self.next_message_id += 1;
        self.stats.messages_sent += 1;
        let cut = matches!((from, to), (Endpoint::Node(a), Endpoint::Node(b)) if self.cut_links.contains(&(a, b)));
        let refused = if cut {
            Some(DropReason::Partition)
        } else if self.in_flight.len() >= self.setup.limits.in_flight_max as usize {
            Some(DropReason::NetworkFull)
        } else {
            None
        };
        if let Some(reason) = refused {
            self.stats.messages_dropped += 1;
            scratch.sent.push(SentMessage { id, to, kind, label, fate: SendFate::Dropped { reason } });
            return;
        }
        let network = &self.setup.network;
        let doomed = self.network_rng.chance_per_mille(network.loss_per_mille).then_some(DropReason::Lost);
        let duplicate = self.network_rng.chance_per_mille(network.duplicate_per_mille);
        let message = InFlight {
            id,
            from,
            to,
            payload,
            kind,
            label,
            sent_tick: self.now_tick,
            key: QueueKey { tick: 0, class: CLASS_NORMAL, seq: 0 }, // set by enqueue
            doomed,
            lamport: scratch.lamport,
            vector: scratch.vector.clone(),
        };
        if duplicate {
            let copy_id = MessageId(self.next_message_id);
            self.next_message_id += 1;
            self.stats.messages_sent += 1;
            let copy = InFlight { id: copy_id, doomed: None, ..message.clone() };
            self.enqueue(message, scratch);
            self.enqueue(copy, scratch);
        } else {
            self.enqueue(message, scratch);
        }
    }

    /// Put a message on the wire with a delay drawn from the network's
    /// range, keeping its link FIFO unless the network reorders it.
    fn enqueue(&mut self, mut message: InFlight<P>, scratch: &mut StepScratch) {
        let network = &self.setup.network;
        let delay_ticks = self.network_rng.between(network.delay_ticks_min, network.delay_ticks_max);
        let reorder = self.network_rng.chance_per_mille(network.reorder_per_mille);
        let link = (message.from, message.to);
        let last = self.link_last_deliver_tick.get(&link).copied().unwrap_or(0);
        let drawn = self.now_tick + delay_ticks;
        let deliver_tick = if reorder { drawn } else { drawn.max(last) };
        self.link_last_deliver_tick.insert(link, last.max(deliver_tick));
        message.key = self.schedule(deliver_tick, CLASS_NORMAL, Event::Deliver { message: message.id });
        scratch.sent.push(SentMessage {
            id: message.id,
            to: message.to,
            kind: message.kind,
            label: message.label.clone(),
            fate: SendFate::InFlight { deliver_tick },
        });
        self.in_flight.insert(message.id, message);
    }

    // ----- clients ---------------------------------------------------------

    fn invoke(
        &mut self,
        client: ClientId,
        operation: OperationOf<P>,
        node: NodeId,
        scratch: &mut StepScratch,
    ) -> StepKind {
        let c = client.0 as usize;
        if self.clients[c].current.is_some() {
            // Only a scripted request can arrive while the client waits: the
            // client stops waiting, and the old operation's outcome is unknown.
            self.abandon_current(client);
        }
        if let Some(wake) = self.clients[c].wake_key.take() {
            self.queue.remove(&wake);
        }
        let operation_index = self.history.len() as u32;
        let erased: faultline_scenario::ClientOperation = operation.clone().into();
        self.history.push(HistoryEntry {
            client,
            operation: erased.clone(),
            invoke_tick: self.now_tick,
            complete_tick: None,
            output: None,
            attempts: vec![node],
            gave_up: false,
        });
        self.stats.operations_invoked += 1;
        self.clients[c].current = Some(CurrentOperation { operation_index, operation, attempt: 1, node });
        self.send_request(client, scratch);
        StepKind::Invoke { client, operation_index, operation: erased, node }
    }

    fn send_request(&mut self, client: ClientId, scratch: &mut StepScratch) {
        let current = self.clients[client.0 as usize].current.as_ref().expect("a request belongs to an operation");
        let request = ClientRequest {
            id: RequestId { client, operation_index: current.operation_index, attempt: current.attempt },
            operation: current.operation.clone(),
        };
        let label = format!("{} (attempt {})", request.operation, current.attempt);
        let (from, to) = (Endpoint::Client(client), Endpoint::Node(current.node));
        self.send(from, to, Payload::Request(request), MessageKindId::Request, label, scratch);
        let timeout_tick = self.now_tick + self.setup.workload.timeout_ticks;
        let key = self.schedule(timeout_tick, CLASS_NORMAL, Event::ClientTimeout { client });
        self.clients[client.0 as usize].timeout_key = Some(key);
    }

    fn abandon_current(&mut self, client: ClientId) {
        let slot = &mut self.clients[client.0 as usize];
        if let Some(current) = slot.current.take() {
            self.history[current.operation_index as usize].gave_up = true;
        }
        if let Some(timeout) = slot.timeout_key.take() {
            self.queue.remove(&timeout);
        }
    }

    fn schedule_wake(&mut self, client: ClientId) {
        let (min, max) = (self.setup.workload.think_ticks_min, self.setup.workload.think_ticks_max);
        if self.workload_operations_invoked >= self.setup.workload.operations_max {
            return;
        }
        let think_ticks = self.workload_rng.between(min, max).max(1);
        let key = self.schedule(self.now_tick + think_ticks, CLASS_NORMAL, Event::ClientWake { client });
        self.clients[client.0 as usize].wake_key = Some(key);
    }

    /// A reply reached a client. Returns the step kind when it completed the
    /// current operation or made the client retry; `None` for a late reply.
    fn client_receive(
        &mut self,
        client: ClientId,
        request: RequestId,
        output: OutputOf<P>,
        scratch: &mut StepScratch,
    ) -> Option<StepKind> {
        let current = self.clients[client.0 as usize].current.as_ref()?;
        if current.operation_index != request.operation_index {
            return None; // a reply to an operation the client finished or gave up on
        }
        if let Some(retry) = P::Service::retry(&output) {
            if request.attempt != current.attempt {
                return None; // a late refusal of an earlier attempt: the current one is still on its way
            }
            let slot = &mut self.clients[client.0 as usize];
            if let Retry::Redirected { to } = retry {
                slot.redirected_to = to.filter(|n| self.members.contains(n));
            }
            if let Some(timeout) = slot.timeout_key.take() {
                self.queue.remove(&timeout);
            }
            return Some(self.retry_or_give_up(client, scratch));
        }
        let operation_index = current.operation_index;
        let entry = &mut self.history[operation_index as usize];
        debug_assert!(entry.complete_tick.is_none(), "an operation completes once");
        let output: faultline_scenario::ClientOutput = output.into();
        entry.complete_tick = Some(self.now_tick);
        entry.output = Some(output.clone());
        self.stats.operations_completed += 1;
        let slot = &mut self.clients[client.0 as usize];
        slot.current = None;
        if let Some(timeout) = slot.timeout_key.take() {
            self.queue.remove(&timeout);
        }
        self.schedule_wake(client);
        Some(StepKind::Complete { client, operation_index, output })
    }

    fn retry_or_give_up(&mut self, client: ClientId, scratch: &mut StepScratch) -> StepKind {
        let current = self.clients[client.0 as usize].current.take().expect("a timeout belongs to an operation");
        if current.attempt >= self.setup.workload.attempts_max {
            self.clients[client.0 as usize].current = Some(current.clone());
            self.abandon_current(client);
            self.schedule_wake(client);
            return StepKind::GiveUp { client, operation_index: current.operation_index };
        }
        let node = self.retry_node(client, current.node);
        let attempt = current.attempt + 1;
        let operation_index = current.operation_index;
        self.history[operation_index as usize].attempts.push(node);
        self.clients[client.0 as usize].current = Some(CurrentOperation { attempt, node, ..current });
        self.send_request(client, scratch);
        StepKind::Retry { request: RequestId { client, operation_index, attempt }, node }
    }

    /// Where a client retries: at the node a redirect named, else anywhere
    /// but the node that did not answer (or always the one node requests go
    /// to).
    fn retry_node(&mut self, client: ClientId, last: NodeId) -> NodeId {
        let members = self.members.len() as u64;
        match (self.setup.routing, self.clients[client.0 as usize].redirected_to) {
            (Routing::Node(node), _) => node,
            (Routing::AnyNode, Some(redirected)) => redirected,
            (Routing::AnyNode, None) if members > 1 => {
                // The members after the last node tried, in a ring (all of
                // them but it, when it has left).
                let after = self.members.iter().position(|&m| m == last).map_or(0, |at| at as u64 + 1);
                let offset = match self.members.contains(&last) {
                    true => self.workload_rng.below(members - 1),
                    false => self.workload_rng.below(members),
                };
                self.members[((after + offset) % members) as usize]
            }
            (Routing::AnyNode, None) => self.members.first().copied().unwrap_or(last),
        }
    }

    // ----- actions -----------------------------------------------------------

    fn apply_action(&mut self, action: Action) -> TraceStep {
        self.stats.actions_applied += 1;
        if action.is_fault() {
            self.stats.faults_applied += 1;
        }
        let process = match &action {
            Action::Crash { node }
            | Action::CrashStop { node }
            | Action::Restart { node }
            | Action::Pause { node, .. }
            | Action::FireTimer { node, .. }
                if node.0 < self.node_count() =>
            {
                Some(Endpoint::Node(*node))
            }
            Action::ClientRequest { client, .. } if (client.0 as usize) < self.clients.len() => {
                Some(Endpoint::Client(*client))
            }
            _ => None,
        };
        let mut scratch = self.begin(process, None);
        let note = self.apply_action_effects(&action, &mut scratch);
        self.finish(scratch, StepKind::Action { action, note })
    }

    /// Carry out an action; the returned note explains an action that did
    /// nothing or something unexpected, and is empty otherwise.
    fn apply_action_effects(&mut self, action: &Action, scratch: &mut StepScratch) -> String {
        let node_count = self.node_count();
        let valid_node = |n: &NodeId| n.0 < node_count;
        if let Some(node) = action_node(action).filter(|n| valid_node(n)) {
            if self.nodes[node.0 as usize].status == NodeStatus::Removed {
                return format!("{node} left the cluster: nothing happened");
            }
        }
        match action {
            Action::Crash { node }
            | Action::CrashStop { node }
            | Action::Restart { node }
            | Action::Pause { node, .. }
                if !valid_node(node) =>
            {
                format!("there is no {node}: nothing happened")
            }
            Action::Crash { node } => match self.nodes[node.0 as usize].status {
                NodeStatus::Up => {
                    self.take_down(*node, NodeStatus::Crashed);
                    String::new()
                }
                _ => format!("{node} is already down"),
            },
            Action::CrashStop { node } => match self.nodes[node.0 as usize].status {
                NodeStatus::Stopped => format!("{node} is already crash-stopped"),
                _ => {
                    self.take_down(*node, NodeStatus::Stopped);
                    String::new()
                }
            },
            Action::Restart { node } => match self.nodes[node.0 as usize].status {
                NodeStatus::Crashed => {
                    self.start_node(*node, scratch);
                    String::new()
                }
                NodeStatus::Stopped => format!("{node} crash-stopped: it never comes back"),
                NodeStatus::Up => format!("{node} is running: nothing to restart"),
                NodeStatus::Removed => unreachable!("actions on removed nodes are noted above"),
            },
            Action::Pause { node, ticks } => {
                let slot = &mut self.nodes[node.0 as usize];
                if slot.status != NodeStatus::Up {
                    return format!("{node} is down: a down node cannot pause");
                }
                slot.paused_until_tick = slot.paused_until_tick.max(self.now_tick + ticks);
                format!("{node} takes no steps until tick {}", slot.paused_until_tick)
            }
            Action::Partition { islands } => {
                let mut island_of = vec![islands.len(); node_count as usize];
                for (i, island) in islands.iter().enumerate() {
                    for node in island.iter().filter(|n| valid_node(n)) {
                        island_of[node.0 as usize] = i;
                    }
                }
                // Exactly these islands: what was cut before is replaced.
                self.cut_links.clear();
                for a in 0..node_count {
                    for b in 0..node_count {
                        if island_of[a as usize] != island_of[b as usize] {
                            self.cut_links.insert((NodeId(a), NodeId(b)));
                        }
                    }
                }
                String::new()
            }
            Action::Heal => {
                self.cut_links.clear();
                String::new()
            }
            Action::Isolate { node } | Action::Reconnect { node } if !valid_node(node) => {
                format!("there is no {node}: nothing happened")
            }
            Action::Isolate { node } => {
                for other in (0..node_count).map(NodeId).filter(|o| o != node) {
                    self.cut_links.insert((*node, other));
                    self.cut_links.insert((other, *node));
                }
                String::new()
            }
            Action::Reconnect { node } => {
                self.cut_links.retain(|(a, b)| a != node && b != node);
                String::new()
            }
            Action::CutLink { from, to } | Action::RepairLink { from, to } if !valid_node(from) || !valid_node(to) => {
                format!("there is no link {from}→{to}: nothing happened")
            }
            Action::CutLink { from, to } => {
                self.cut_links.insert((*from, *to));
                String::new()
            }
            Action::RepairLink { from, to } => {
                self.cut_links.remove(&(*from, *to));
                String::new()
            }
            Action::CutLinks { links } | Action::RepairLinks { links }
                if links.iter().any(|link| !valid_node(&link.0) || !valid_node(&link.1)) =>
            {
                "a link names a node that does not exist: nothing happened".to_string()
            }
            Action::CutLinks { links } => {
                for &Link(a, b) in links {
                    self.cut_links.insert((a, b));
                    self.cut_links.insert((b, a));
                }
                String::new()
            }
            Action::RepairLinks { links } => {
                for &Link(a, b) in links {
                    self.cut_links.remove(&(a, b));
                    self.cut_links.remove(&(b, a));
                }
                String::new()
            }
            Action::DropMessage { message } => match self.in_flight.remove(message) {
                Some(dropped) => {
                    self.queue.remove(&dropped.key);
                    self.stats.messages_dropped += 1;
                    format!("{message} ({}) dropped", dropped.label)
                }
                None => format!("{message} is not in flight: nothing to drop"),
            },
            Action::DuplicateMessage { message } => match self.in_flight.get(message).cloned() {
                Some(original) => {
                    let copy_id = MessageId(self.next_message_id);
                    self.next_message_id += 1;
                    self.stats.messages_sent += 1;
                    // The copy takes its own chances: the original's loss
                    // (decided at send) is not the copy's.
                    let copy = InFlight { id: copy_id, sent_tick: self.now_tick, doomed: None, ..original };
                    self.enqueue(copy, scratch);
                    format!("{message} duplicated as {copy_id}")
                }
                None => format!("{message} is not in flight: nothing to duplicate"),
            },
            Action::DelayMessage { message, ticks } => {
                let Some(key) = self.in_flight.get(message).map(|m| m.key) else {
                    return format!("{message} is not in flight: nothing to delay");
                };
                self.queue.remove(&key);
                let new_key = self.schedule(key.tick + ticks, CLASS_NORMAL, Event::Deliver { message: *message });
                self.in_flight.get_mut(message).expect("checked above").key = new_key;
                format!("{message} now arrives at tick {}", new_key.tick)
            }
            Action::DeliverMessage { message } => {
                let Some(key) = self.in_flight.get(message).map(|m| m.key) else {
                    return format!("{message} is not in flight: nothing to deliver");
                };
                self.queue.remove(&key);
                let new_key = self.schedule(self.now_tick, CLASS_FORCED, Event::Deliver { message: *message });
                self.in_flight.get_mut(message).expect("checked above").key = new_key;
                String::new()
            }
            Action::FireTimer { node, timer } => {
                let Some(key) = self.nodes.get(node.0 as usize).and_then(|slot| slot.timers.get(timer)).copied() else {
                    return format!("{node} has no timer {timer} set: nothing to fire");
                };
                self.queue.remove(&key);
                let new_key = self.schedule(self.now_tick, CLASS_FORCED, Event::Timer { node: *node, timer: *timer });
                self.nodes[node.0 as usize].timers.insert(*timer, new_key);
                String::new()
            }
            Action::AddNode => self.add_node(),
            Action::RemoveNode { node } => self.remove_node(*node),
            Action::ClientRequest { client, node, .. }
                if client.0 as usize >= self.clients.len() || !valid_node(node) =>
            {
                format!("there is no {client} or no {node}: nothing happened")
            }
            Action::ClientRequest { client, node, operation } => match P::Service::operation_of(operation) {
                Some(operation) => {
                    self.invoke(*client, operation, *node, scratch);
                    String::new()
                }
                None => format!("{operation} is not an operation of this protocol's clients: nothing happened"),
            },
        }
    }

    /// A request a person could send now, for the page's node menu: from
    /// the first client that waits for nothing (else `c0`, whose current
    /// operation it would abandon), an operation drawn as the workload
    /// would draw it, from a stream of its own for this `step_index`.
    /// `None` when the workload has no clients.
    pub fn suggested_request(&self, step_index: u64) -> Option<(ClientId, OperationOf<P>)> {
        let idle = self.clients.iter().position(|client| client.current.is_none());
        let client = ClientId(idle.unwrap_or(0) as u32);
        if self.clients.is_empty() {
            return None;
        }
        let mut draw_state = self.draw_state.clone();
        let stream = stream::SUGGESTED_REQUEST_BASE.wrapping_add(step_index);
        let mut rng = SimRng::for_stream(self.setup.seed, stream);
        Some((client, self.setup.service.draw_operation(&mut draw_state, &mut rng)))
    }

    /// A node joins: the next number, a fresh disk, started at once (its
    /// start is the next step). Returns the action's note.
    fn add_node(&mut self) -> String {
        if !P::MEMBERSHIP_CHANGES {
            return "this protocol does not let nodes join during a run: nothing happened".to_string();
        }
        if self.node_count() >= NODES_MAX {
            return format!("a run has at most {NODES_MAX} nodes: nothing happened");
        }
        let node = NodeId(self.node_count());
        self.nodes.push(NodeSlot {
            state: None,
            status: NodeStatus::Up,
            durable: P::initial_durable(node, &self.setup.config),
            paused_until_tick: 0,
            rng: SimRng::for_stream(self.setup.seed, stream::NODE_BASE + node.0 as u64),
            timers: BTreeMap::new(),
        });
        self.members.push(node);
        // Its clock comes after every other process's (see `process_index`).
        self.lamport.push(0);
        self.vectors.iter_mut().for_each(|vector| vector.push(0));
        self.vectors.push(vec![0; self.lamport.len()]);
        debug_assert_eq!(self.process_index(Endpoint::Node(node)), self.lamport.len() - 1);
        self.schedule(self.now_tick, CLASS_NORMAL, Event::Start { node });
        format!("{node} joins the cluster")
    }

    /// A node leaves for good: down like a crash-stop, and no longer a
    /// member, so the others stop counting it. Returns the action's note.
    fn remove_node(&mut self, node: NodeId) -> String {
        if !P::MEMBERSHIP_CHANGES {
            return "this protocol does not let nodes leave during a run: nothing happened".to_string();
        }
        if node.0 >= self.node_count() {
            return format!("there is no {node}: nothing happened");
        }
        if self.members == [node] {
            return format!("{node} is the last node: it stays");
        }
        self.take_down(node, NodeStatus::Removed);
        self.members.retain(|&member| member != node);
        format!("{node} leaves the cluster")
    }

    /// Crash a node: its volatile state and timers are gone; its disk stays.
    /// Messages already on their way to it are dropped when they arrive.
    fn take_down(&mut self, node: NodeId, status: NodeStatus) {
        let slot = &mut self.nodes[node.0 as usize];
        slot.state = None;
        slot.status = status;
        slot.paused_until_tick = 0;
        for (_, key) in std::mem::take(&mut slot.timers) {
            let removed = self.queue.remove(&key);
            debug_assert!(matches!(removed, Some(Event::Timer { .. })));
        }
    }

    /// Re-open a run that ended only because nothing was left to happen,
    /// when a new action gives it something to do.
    pub(crate) fn reopen_if_quiescent(&mut self) {
        if matches!(self.ended, Some(EndReason::Quiescent { .. })) {
            self.ended = None;
        }
    }

    /// The tick at which an action recorded now must be applied so that a
    /// replay from the start applies it at the same point of the run.
    pub(crate) fn record_tick(&self) -> u64 {
        self.now_tick + 1
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::protocol::NodeView;
    use crate::service::{HistoryCheck, OperationLook};
    use faultline_scenario::{ClientOperation, KvOperation, KvOutput, ProtocolSpec};

    crate::kinds! {
        pub(crate) enum Nothing {
            Nothing => ("nothing", "", "", "the only kind"),
        }
    }

    /// A service whose clients never act (the tests here run no workload).
    #[derive(Clone, Debug)]
    pub(crate) struct NoClients;

    impl Service for NoClients {
        type Operation = KvOperation;
        type Output = KvOutput;
        type OperationKind = Nothing;
        type DrawState = ();
        fn initial_draw_state(&self) {}
        fn draw_operation(&self, _state: &mut (), _rng: &mut SimRng) -> KvOperation {
            unreachable!("the tests run no workload")
        }
        fn operation_of(_operation: &ClientOperation) -> Option<KvOperation> {
            None
        }
        fn retry(_output: &KvOutput) -> Option<Retry> {
            None
        }
        fn operation_kind(_operation: &KvOperation) -> Nothing {
            Nothing::Nothing
        }
        fn look(_entry: &HistoryEntry) -> OperationLook {
            OperationLook { kind: Nothing::Nothing.style(), label: String::new() }
        }
        fn history_check(&self) -> HistoryCheck {
            HistoryCheck::Promises { property: "nothing", explanation: "the tests run no workload" }
        }
        fn to_check_history(&self, _entries: &[HistoryEntry]) -> faultline_check::History {
            faultline_check::History::default()
        }
    }

    /// A node that misbehaves as its config says: sets one timer more than
    /// allowed, or sends to a node that does not exist.
    #[derive(Clone, Debug)]
    struct Misbehaving {
        fault: Fault,
    }

    #[derive(Clone, Copy, Debug)]
    enum Fault {
        TooManyTimers,
        SendsNowhere,
    }

    impl Protocol for Misbehaving {
        type Config = Fault;
        type Service = NoClients;
        type Message = ();
        type MessageKind = Nothing;
        type Role = Nothing;
        type Durable = ();
        type Ghost = ();
        fn new(_node: NodeId, _node_count: u32, fault: &Fault) -> Self {
            Misbehaving { fault: *fault }
        }
        fn on_start(&mut self, ctx: &mut Context<Self>, _durable: &()) {
            match self.fault {
                Fault::TooManyTimers => (0..=TIMERS_PER_NODE_MAX as u64).for_each(|timer| ctx.set_timer(timer, 5)),
                Fault::SendsNowhere => ctx.send(NodeId(ctx.node_count), ()),
            }
        }
        fn on_message(&mut self, _ctx: &mut Context<Self>, _from: NodeId, _message: ()) {}
        fn on_timer(&mut self, _ctx: &mut Context<Self>, _timer: TimerId) {}
        fn on_client_request(&mut self, _ctx: &mut Context<Self>, _request: ClientRequest<KvOperation>) {}
        fn message_kind(_message: &()) -> Nothing {
            Nothing::Nothing
        }
        fn message_label(_message: &()) -> String {
            "nothing".to_string()
        }
        fn view(&self) -> NodeView {
            NodeView::new(Nothing::Nothing)
        }
    }

    fn run(fault: Fault) -> (EndReason, u64) {
        let mut scenario = Scenario::new("misbehaving", 1, ProtocolSpec::PrimaryBackup { nodes: 2 });
        scenario.workload.operations_max = 0;
        let mut sim = crate::Simulation::<Misbehaving>::new(scenario, fault, NoClients);
        let end = sim.run_to_end().clone();
        (end, sim.position())
    }

    #[test]
    fn a_protocol_that_breaks_a_simulator_limit_ends_the_run_with_the_reason() {
        let (end, steps) = run(Fault::TooManyTimers);
        assert_eq!(end, EndReason::TimerLimit { node: NodeId(0), timers_max: TIMERS_PER_NODE_MAX });
        assert_eq!(steps, 1, "the run ends after the step that broke the limit");
        assert!(end.to_string().contains("more than 64 timers"), "{end}");

        let (end, steps) = run(Fault::SendsNowhere);
        let detail = "sent a message to n2, which does not exist".to_string();
        assert_eq!(end, EndReason::ProtocolFault { node: NodeId(0), detail });
        assert_eq!(steps, 1);
    }
}
