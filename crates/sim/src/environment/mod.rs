//! The environment of a run: everything in the world that does not depend
//! on which protocol runs. Time and the event queue, the network (delays,
//! loss, duplication, reordering, cut links, what is in flight), the nodes'
//! status, pauses, timers and random streams, the clients' closed loops,
//! the logical clocks, the actions of the scenario, the stats and the end.
//!
//! None of it is generic: `World<P>` holds one and calls it with plain data
//! (message ids and kinds, labels, erased client operations), so this code
//! is compiled once however many protocols the simulator is built with. A
//! protocol's typed state (node states, disks, message payloads) stays in
//! the world, which asks here what happens next and hands back what the
//! protocol did.

mod actions;
mod clients;
mod network;

pub(crate) use actions::FollowUp;
pub(crate) use clients::{Attempt, ReplyOutcome};
pub(crate) use network::{Arrival, Sent};

use crate::history::HistoryEntry;
use crate::protocol::TimerId;
use crate::rng::{stream, SimRng};
use crate::service::Routing;
use crate::trace::{Endpoint, Narration, SentMessage, StepKind, TraceStep};
use crate::world::{EnabledEvent, EndReason, MessageView, NodeReport, NodeStatus, RunStats, TIMERS_PER_NODE_MAX};
use clients::ClientSlot;
use faultline_collections::{VecMap, VecSet};
use faultline_scenario::{
    Action, ClientId, Limits, MessageId, NetworkConfig, NodeId, Scenario, TimedAction, WorkloadConfig,
};
use network::InFlight;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The position of an event in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct QueueKey {
    tick: u64,
    /// 0 for events a manual step moved to the front, 1 otherwise.
    class: u8,
    seq: u64,
}

/// Where a message's payload waits while the message is in flight: a slot
/// of the world's payload table, used again once the message is gone, so
/// the table is as long as the most messages ever in flight at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PayloadSlot(u32);

impl PayloadSlot {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

const CLASS_FORCED: u8 = 0;
const CLASS_NORMAL: u8 = 1;

#[derive(Clone, Debug)]
pub(crate) enum Event {
    Start { node: NodeId },
    Deliver { message: MessageId },
    Timer { node: NodeId, timer: TimerId },
    ClientWake { client: ClientId },
    ClientTimeout { client: ClientId },
}

/// What the next step is made of.
pub(crate) enum Due {
    /// The scenario's next action.
    Action(Action),
    /// The queue's first event.
    Event(QueueKey, Event),
}

/// The parts of the scenario a run reads but never changes, shared by every
/// snapshot.
#[derive(Debug)]
struct Settings {
    seed: u64,
    /// The nodes at the start (more may join: `Environment::node_count`).
    initial_node_count: u32,
    routing: Routing,
    network: NetworkConfig,
    workload: WorkloadConfig,
    limits: Limits,
}

/// What the environment knows of a node: everything but the protocol's
/// state and disk, which the world keeps.
#[derive(Clone, Debug)]
struct NodeSlot {
    status: NodeStatus,
    /// The node takes no steps while `now_tick < paused_until_tick`.
    paused_until_tick: u64,
    rng: SimRng,
    /// A handful at most (`TIMERS_PER_NODE_MAX`): a sorted `Vec`.
    timers: VecMap<TimerId, QueueKey>,
}

impl NodeSlot {
    fn new(seed: u64, node: NodeId) -> NodeSlot {
        NodeSlot {
            status: NodeStatus::Up,
            paused_until_tick: 0,
            rng: SimRng::for_stream(seed, stream::NODE_BASE + node.0 as u64),
            timers: VecMap::new(),
        }
    }
}

/// What a step is being built from while it runs.
pub(crate) struct StepScratch {
    process: Option<Endpoint>,
    cause: Option<MessageId>,
    lamport: u64,
    vector: Vec<u32>,
    sent: Vec<SentMessage>,
    narration: Vec<Narration>,
}

impl StepScratch {
    /// Keep what the node said happened, for the step's narration.
    pub(crate) fn narrate(&mut self, narration: Narration) {
        self.narration.push(narration);
    }
}

/// Everything of a run but the protocol's typed state. Cloned with the
/// world for every snapshot.
#[derive(Clone)]
pub(crate) struct Environment {
    settings: Arc<Settings>,
    now_tick: u64,
    /// The index of the next step.
    step_count: u64,
    next_seq: u64,
    next_message_id: u64,
    /// These two grow with the run (every pending event, every message in
    /// flight, up to `limits.in_flight_max`) and change at every step: they
    /// stay B-trees, where the small maps are sorted `Vec`s (`VecMap`).
    queue: BTreeMap<QueueKey, Event>,
    in_flight: BTreeMap<MessageId, InFlight>,
    /// The payload slots no message in flight uses, below `payload_slot_count`.
    free_payload_slots: Vec<PayloadSlot>,
    payload_slot_count: u32,
    nodes: Vec<NodeSlot>,
    /// The nodes in the cluster now, in node order (what `Context::peers`
    /// iterates).
    members: Vec<NodeId>,
    clients: Vec<ClientSlot>,
    /// Cut directed links between nodes. Clients are never partitioned.
    cut_links: VecSet<(NodeId, NodeId)>,
    /// The latest delivery tick per link, for FIFO delivery. One entry per
    /// pair of processes that ever exchanged a message: looked up at every
    /// send, inserted into once per pair.
    link_last_deliver_tick: VecMap<(Endpoint, Endpoint), u64>,
    network_rng: SimRng,
    workload_rng: SimRng,
    history: Vec<HistoryEntry>,
    workload_operations_invoked: u32,
    /// Per process (nodes, then clients).
    lamport: Vec<u64>,
    vectors: Vec<Vec<u32>>,
    /// Actions before this index have been applied.
    next_action_index: usize,
    stats: RunStats,
    ended: Option<EndReason>,
}

impl Environment {
    /// The environment at tick 0: every node about to start, every client
    /// about to wake (their first wake-ups drawn from the workload stream).
    pub(crate) fn new(scenario: &Scenario, routing: Routing) -> Environment {
        let node_count = scenario.protocol.node_count();
        let client_count = scenario.workload.clients;
        let process_count = (node_count + client_count) as usize;
        let mut environment = Environment {
            settings: Arc::new(Settings {
                seed: scenario.seed,
                initial_node_count: node_count,
                routing,
                network: scenario.network.clone(),
                workload: scenario.workload.clone(),
                limits: scenario.limits.clone(),
            }),
            now_tick: 0,
            step_count: 0,
            next_seq: 0,
            next_message_id: 0,
            queue: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            free_payload_slots: Vec::new(),
            payload_slot_count: 0,
            nodes: (0..node_count).map(|n| NodeSlot::new(scenario.seed, NodeId(n))).collect(),
            members: (0..node_count).map(NodeId).collect(),
            clients: (0..client_count).map(|_| ClientSlot::default()).collect(),
            cut_links: VecSet::new(),
            link_last_deliver_tick: VecMap::new(),
            network_rng: SimRng::for_stream(scenario.seed, stream::NETWORK),
            workload_rng: SimRng::for_stream(scenario.seed, stream::WORKLOAD),
            history: Vec::new(),
            workload_operations_invoked: 0,
            lamport: vec![0; process_count],
            vectors: vec![vec![0; process_count]; process_count],
            next_action_index: 0,
            stats: RunStats::default(),
            ended: None,
        };
        for n in 0..node_count {
            environment.schedule(0, CLASS_NORMAL, Event::Start { node: NodeId(n) });
        }
        environment.schedule_first_wakes();
        environment
    }

    // ----- read access -------------------------------------------------

    pub(crate) fn now_tick(&self) -> u64 {
        self.now_tick
    }
    pub(crate) fn step_count(&self) -> u64 {
        self.step_count
    }
    pub(crate) fn seed(&self) -> u64 {
        self.settings.seed
    }
    pub(crate) fn node_count(&self) -> u32 {
        self.nodes.len() as u32
    }
    pub(crate) fn members(&self) -> &[NodeId] {
        &self.members
    }
    pub(crate) fn client_count(&self) -> u32 {
        self.clients.len() as u32
    }
    pub(crate) fn history(&self) -> &[HistoryEntry] {
        &self.history
    }
    pub(crate) fn stats(&self) -> &RunStats {
        &self.stats
    }
    pub(crate) fn ended(&self) -> Option<&EndReason> {
        self.ended.as_ref()
    }
    pub(crate) fn next_action_index(&self) -> usize {
        self.next_action_index
    }
    pub(crate) fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut_links.iter().copied()
    }
    pub(crate) fn is_link_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut_links.contains(&(from, to))
    }
    pub(crate) fn node_status(&self, node: NodeId) -> Option<NodeStatus> {
        self.nodes.get(node.0 as usize).map(|slot| slot.status)
    }

    /// What the environment shows of a node; the world adds the
    /// protocol's view of it and of its disk.
    pub(crate) fn node_report(&self, node: NodeId, timer_label: fn(TimerId) -> String) -> NodeReport {
        let slot = &self.nodes[node.0 as usize];
        NodeReport {
            id: node,
            status: slot.status,
            paused_until_tick: (self.now_tick < slot.paused_until_tick).then_some(slot.paused_until_tick),
            view: None,
            durable: String::new(),
            timers: slot.timers.iter().map(|(&timer, key)| (timer_label(timer), key.tick)).collect(),
        }
    }

    /// The events a manual step may choose from, in the order they would
    /// happen on their own.
    pub(crate) fn enabled_events(&self, timer_label: fn(TimerId) -> String) -> Vec<EnabledEvent> {
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
                    label: timer_label(*timer),
                    due_tick: key.tick,
                }),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn messages_in_flight(&self) -> Vec<MessageView> {
        self.in_flight.values().map(InFlight::view).collect()
    }

    /// The tick of the next step if it happened now (ignoring deferrals).
    pub(crate) fn next_candidate_tick(&self, actions: &[TimedAction]) -> Option<u64> {
        let event_tick = self.queue.keys().next().map(|k| k.tick);
        let action_tick = actions.get(self.next_action_index).map(|a| a.at_tick);
        let tick = match (event_tick, action_tick) {
            (Some(e), Some(a)) => e.min(a),
            (e, a) => e.or(a)?,
        };
        Some(tick.max(self.now_tick))
    }

    /// Whether the environment is quiet: every link working, nothing in
    /// flight, no client waiting for an answer, and no node but a removed
    /// one with a timer set that is not a background one. (The world adds
    /// that every node still in the cluster runs.) The cheap tests come
    /// first: this runs after every step.
    pub(crate) fn is_quiet(&self, is_background_timer: fn(TimerId) -> bool) -> bool {
        self.in_flight.is_empty()
            && self.cut_links.is_empty()
            && self.clients.iter().all(ClientSlot::is_idle)
            && self.nodes.iter().all(|slot| {
                slot.status == NodeStatus::Removed || slot.timers.keys().all(|&timer| is_background_timer(timer))
            })
    }

    // ----- choosing and counting steps -----------------------------------

    /// Advance time to what happens next at or before `tick_bound`, and
    /// take it off the scenario or the queue. `None` when the run has ended
    /// (the reason is kept) or the next step lies beyond the bound.
    pub(crate) fn next_due(&mut self, actions: &[TimedAction], tick_bound: u64) -> Option<Due> {
        if self.ended.is_some() {
            return None;
        }
        let limits = &self.settings.limits;
        if self.step_count >= limits.steps_max {
            self.ended = Some(EndReason::StepLimit { steps_max: limits.steps_max });
            return None;
        }
        let Some(tick) = self.next_candidate_tick(actions) else {
            self.ended = Some(EndReason::Quiescent { tick: self.now_tick });
            return None;
        };
        if tick > limits.ticks_max {
            self.ended = Some(EndReason::TickLimit { ticks_max: limits.ticks_max });
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
        if action_first {
            let action = actions[self.next_action_index].action.clone();
            self.next_action_index += 1;
            Some(Due::Action(action))
        } else {
            let (key, event) = self.queue.pop_first()?;
            Some(Due::Event(key, event))
        }
    }

    /// Count a step that happened.
    pub(crate) fn count_step(&mut self, step: &TraceStep) {
        debug_assert_eq!(step.index, self.step_count);
        self.step_count += 1;
        self.stats.steps += 1;
    }

    /// Count a step after which the system was quiet.
    pub(crate) fn count_quiet(&mut self) {
        self.stats.quiet_checks += 1;
        self.stats.last_quiet_tick = Some(self.now_tick);
    }

    /// End the run after the current step, for the first reason given.
    pub(crate) fn end(&mut self, reason: EndReason) {
        self.ended.get_or_insert(reason);
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

    fn schedule(&mut self, tick: u64, class: u8, event: Event) -> QueueKey {
        let key = QueueKey { tick, class, seq: self.next_seq };
        self.next_seq += 1;
        let previous = self.queue.insert(key, event);
        debug_assert!(previous.is_none(), "sequence numbers are unique");
        key
    }

    // ----- logical clocks ------------------------------------------------

    fn process_index(&self, endpoint: Endpoint) -> usize {
        match endpoint {
            // Nodes that joined during the run come after the clients, so
            // that no process changes its index.
            Endpoint::Node(n) if n.0 >= self.settings.initial_node_count => self.clients.len() + n.0 as usize,
            Endpoint::Node(n) => n.0 as usize,
            Endpoint::Client(c) => self.settings.initial_node_count as usize + c.0 as usize,
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

    /// The step, from what was gathered while it ran.
    pub(crate) fn finish(&self, scratch: StepScratch, kind: StepKind) -> TraceStep {
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

    // ----- nodes ---------------------------------------------------------

    /// A node's start event comes up: the scratch of its start step, or
    /// `None` when there is no step. A node that already started (or went
    /// down) before its start, by an action at tick 0, does not start
    /// again; a paused one starts when its pause ends.
    pub(crate) fn begin_start(&mut self, node: NodeId, started: bool) -> Option<StepScratch> {
        let slot = &self.nodes[node.0 as usize];
        if slot.status != NodeStatus::Up || started {
            return None;
        }
        if self.now_tick < slot.paused_until_tick {
            let resume = slot.paused_until_tick;
            self.schedule(resume, CLASS_NORMAL, Event::Start { node });
            return None;
        }
        Some(self.begin(Some(Endpoint::Node(node)), None))
    }

    /// A node (re)starts: it is up, with no timer set yet.
    pub(crate) fn mark_started(&mut self, node: NodeId) {
        let slot = &mut self.nodes[node.0 as usize];
        debug_assert!(slot.timers.is_empty(), "a starting node has no timers");
        slot.status = NodeStatus::Up;
    }

    /// A node's timer comes up: the scratch of its step, or `None` while
    /// the node is paused (the timer then fires when the pause ends).
    pub(crate) fn begin_timer(&mut self, key: QueueKey, node: NodeId, timer: TimerId) -> Option<StepScratch> {
        let slot = &mut self.nodes[node.0 as usize];
        debug_assert_eq!(slot.timers.get(&timer), Some(&key), "a fired timer is the one set");
        if self.now_tick < slot.paused_until_tick {
            let resume = slot.paused_until_tick;
            let new_key = self.schedule(resume, CLASS_NORMAL, Event::Timer { node, timer });
            self.nodes[node.0 as usize].timers.insert(timer, new_key);
            return None;
        }
        slot.timers.remove(&timer);
        Some(self.begin(Some(Endpoint::Node(node)), None))
    }

    /// What a node's handler is given besides its state: its random
    /// stream, the members, and the time.
    pub(crate) fn node_context(&mut self, node: NodeId) -> (&mut SimRng, &[NodeId], u64) {
        (&mut self.nodes[node.0 as usize].rng, &self.members, self.now_tick)
    }

    pub(crate) fn set_timer(&mut self, node: NodeId, timer: TimerId, after_ticks: u64) {
        self.cancel_timer(node, timer);
        if self.nodes[node.0 as usize].timers.len() >= TIMERS_PER_NODE_MAX {
            self.end(EndReason::TimerLimit { node, timers_max: TIMERS_PER_NODE_MAX });
            return;
        }
        let key = self.schedule(self.now_tick + after_ticks, CLASS_NORMAL, Event::Timer { node, timer });
        self.nodes[node.0 as usize].timers.insert(timer, key);
    }

    pub(crate) fn cancel_timer(&mut self, node: NodeId, timer: TimerId) {
        if let Some(old) = self.nodes[node.0 as usize].timers.remove(&timer) {
            self.queue.remove(&old);
        }
    }

    /// Whether `from` may send to `to`: a node that does not exist ends the
    /// run (a protocol bug, stopped before it spreads).
    pub(crate) fn may_send_to(&mut self, from: NodeId, to: NodeId) -> bool {
        if to.0 < self.node_count() {
            return true;
        }
        let detail = format!("sent a message to {to}, which does not exist");
        self.end(EndReason::ProtocolFault { node: from, detail });
        false
    }

    /// Crash a node: its timers are gone (the world drops its volatile
    /// state); its disk stays. Messages already on their way to it are
    /// dropped when they arrive.
    fn take_down(&mut self, node: NodeId, status: NodeStatus) {
        let slot = &mut self.nodes[node.0 as usize];
        slot.status = status;
        slot.paused_until_tick = 0;
        for (_, key) in std::mem::take(&mut slot.timers) {
            let removed = self.queue.remove(&key);
            debug_assert!(matches!(removed, Some(Event::Timer { .. })));
        }
    }
}
