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
//!
//! A world is two parts. The `Environment` is everything that does not
//! depend on the protocol (time, queue, network, clients, clocks, actions,
//! stats): it is not generic, so it is compiled once. `World<P>` adds what
//! the protocol types (its nodes' states and disks, the payloads of the
//! messages in flight, the operations its clients send, the observer's
//! ghost) and the glue between the two: it asks the environment what comes
//! next, runs the protocol's handlers, and hands their effects back as
//! plain data. Keep that glue thin: every line of it is compiled once per
//! protocol.

use crate::environment::{
    Arrival, Attempt, Due, Environment, Event, FollowUp, PayloadSlot, QueueKey, ReplyOutcome, Sent, StepScratch,
};
use crate::history::HistoryEntry;
use crate::protocol::{
    ClientRequest, ClusterView, Context, Effect, InvariantViolation, NodeView, OperationOf, OutputOf, Protocol,
    RequestId, TimerId,
};
use crate::service::Service;
use crate::style::{Kinds, Style};
use crate::trace::{Endpoint, MessageKindId, StepKind, TraceStep};
use faultline_scenario::{Action, ClientId, MessageId, NodeId, Scenario, TimedAction};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// Most nodes a run numbers, joined ones included (as scenarios allow).
pub const NODES_MAX: u32 = 16;

/// Most timers a node may have set at once. Protocols need a handful; more
/// means a protocol bug, and an unbounded timer table would be one too.
pub const TIMERS_PER_NODE_MAX: usize = 64;

/// What a message carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload<P: Protocol> {
    Peer(P::Message),
    Request(ClientRequest<OperationOf<P>>),
    Reply { request: RequestId, output: OutputOf<P> },
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

/// A node's state as the protocol types it; the environment keeps the rest
/// (status, pause, timers, random stream).
#[derive(Clone, Debug)]
pub(crate) struct NodeSlot<P: Protocol> {
    /// The volatile state; `None` while the node is down (or before it
    /// first starts).
    pub(crate) state: Option<P>,
    pub(crate) durable: P::Durable,
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
    /// Of those, the workload's (the others are scripted requests).
    pub workload_operations_invoked: u64,
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

/// What the protocol brings to a run, shared by every snapshot.
#[derive(Debug)]
struct ProtocolSetup<P: Protocol> {
    config: P::Config,
    service: P::Service,
}

/// An input to a node's handler.
enum Input<P: Protocol> {
    Start,
    Message { from: NodeId, message: P::Message },
    Request(ClientRequest<OperationOf<P>>),
    Timer(TimerId),
}

/// All mutable state of a run: the environment and the protocol's part.
pub struct World<P: Protocol> {
    environment: Environment,
    setup: Arc<ProtocolSetup<P>>,
    /// Node `n`'s state and disk are `nodes[n]`.
    nodes: Vec<NodeSlot<P>>,
    /// The payload of every message in flight (the environment has the
    /// rest of it), in the slot the environment gave it.
    payloads: Vec<Option<Payload<P>>>,
    /// The operation each client invoked last, as the protocol types it, to
    /// send again when it retries (the environment knows whether the
    /// client still waits on it).
    client_operations: Vec<Option<OperationOf<P>>>,
    draw_state: <P::Service as Service>::DrawState,
    /// What the observer remembers to check the protocol's invariants.
    ghost: P::Ghost,
}

// A derive would demand `P::Config: Clone` bounds spelled out on the setup
// too; the Arc makes that unnecessary.
impl<P: Protocol> Clone for World<P> {
    fn clone(&self) -> Self {
        World {
            environment: self.environment.clone(),
            setup: Arc::clone(&self.setup),
            nodes: self.nodes.clone(),
            payloads: self.payloads.clone(),
            client_operations: self.client_operations.clone(),
            draw_state: self.draw_state.clone(),
            ghost: self.ghost.clone(),
        }
    }
}

impl<P: Protocol> World<P> {
    /// The world at tick 0: every node about to start, every client about to
    /// wake.
    pub fn new(scenario: &Scenario, config: P::Config, service: P::Service) -> World<P> {
        let environment = Environment::new(scenario, P::client_routing(&config));
        let nodes = (0..environment.node_count())
            .map(|n| NodeSlot { state: None, durable: P::initial_durable(NodeId(n), &config) })
            .collect();
        World {
            client_operations: vec![None; environment.client_count() as usize],
            draw_state: service.initial_draw_state(),
            environment,
            setup: Arc::new(ProtocolSetup { config, service }),
            nodes,
            payloads: Vec::new(),
            ghost: P::Ghost::default(),
        }
    }

    // ----- read access -------------------------------------------------

    pub fn now_tick(&self) -> u64 {
        self.environment.now_tick()
    }
    pub fn step_count(&self) -> u64 {
        self.environment.step_count()
    }
    pub fn seed(&self) -> u64 {
        self.environment.seed()
    }
    /// How many nodes were ever numbered: those at the start and those
    /// that joined since (some may have left).
    pub fn node_count(&self) -> u32 {
        self.environment.node_count()
    }
    /// The nodes in the cluster now, in node order.
    pub fn members(&self) -> &[NodeId] {
        self.environment.members()
    }
    pub fn client_count(&self) -> u32 {
        self.environment.client_count()
    }
    pub fn history(&self) -> &[HistoryEntry] {
        self.environment.history()
    }
    pub fn stats(&self) -> &RunStats {
        self.environment.stats()
    }
    pub fn ended(&self) -> Option<&EndReason> {
        self.environment.ended()
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
        self.environment.next_action_index()
    }
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.environment.cut_links()
    }
    pub fn is_link_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.environment.is_link_cut(from, to)
    }
    pub fn node_status(&self, node: NodeId) -> Option<NodeStatus> {
        self.environment.node_status(node)
    }
    /// The node's volatile state, if it is up: for tests and invariants.
    pub fn node_state(&self, node: NodeId) -> Option<&P> {
        self.nodes.get(node.0 as usize).and_then(|slot| slot.state.as_ref())
    }
    pub fn node_durable(&self, node: NodeId) -> Option<&P::Durable> {
        self.nodes.get(node.0 as usize).map(|slot| &slot.durable)
    }

    pub fn node_reports(&self) -> Vec<NodeReport> {
        let cluster = self.cluster();
        let report = |(n, slot): (usize, &NodeSlot<P>)| NodeReport {
            view: slot.state.as_ref().map(|state| {
                let mut view = P::view(state);
                P::annotate_view(&self.ghost, &cluster, NodeId(n as u32), &mut view);
                view
            }),
            durable: P::durable_view(&slot.durable),
            ..self.environment.node_report(NodeId(n as u32), P::timer_label)
        };
        self.nodes.iter().enumerate().map(report).collect()
    }

    /// The style of a node's role while it is up (see `Protocol::role_style`).
    pub fn node_role(&self, node: NodeId) -> Option<Style> {
        self.nodes.get(node.0 as usize)?.state.as_ref().map(P::role_style)
    }

    pub fn messages_in_flight(&self) -> Vec<MessageView> {
        self.environment.messages_in_flight()
    }

    /// The events a manual step may choose from, in the order they would
    /// happen on their own.
    pub fn enabled_events(&self) -> Vec<EnabledEvent> {
        self.environment.enabled_events(P::timer_label)
    }

    /// The tick of the next step if it happened now (ignoring deferrals).
    pub fn next_candidate_tick(&self, actions: &[TimedAction]) -> Option<u64> {
        self.environment.next_candidate_tick(actions)
    }

    /// Whether the system is quiet: every node up (none crashed or
    /// crash-stopped; a paused one with nothing to do is as good as up),
    /// every link working, nothing in flight, no client waiting for an
    /// answer, and no timer set but the protocol's background ones.
    pub fn is_quiet(&self) -> bool {
        self.environment.is_quiet(P::is_background_timer)
            && self.nodes.iter().enumerate().all(|(n, slot)| {
                slot.state.is_some() || self.environment.node_status(NodeId(n as u32)) == Some(NodeStatus::Removed)
            })
    }

    /// A request a person could send now, for the page's node menu: from
    /// the first client that waits for nothing (else `c0`, whose current
    /// operation it would abandon), an operation drawn as the workload
    /// would draw it, from a stream of its own for this `step_index`.
    /// `None` when the workload has no clients.
    pub fn suggested_request(&self, step_index: u64) -> Option<(ClientId, OperationOf<P>)> {
        let (client, mut rng) = self.environment.suggested_request_source(step_index)?;
        let mut draw_state = self.draw_state.clone();
        Some((client, self.setup.service.draw_operation(&mut draw_state, &mut rng)))
    }

    // ----- the transition ------------------------------------------------

    /// Take the next step whose tick is at most `tick_bound`. Returns `None`
    /// when the run has ended or the next step lies beyond the bound.
    ///
    /// Its parts (`apply_action`, `handle_event`, `deliver`, `check_after`)
    /// stay out of line: inlined here, and this into each of the
    /// simulation's ways to step, they made the page's WebAssembly about
    /// 3 KB larger gzipped (measured with four protocols).
    pub fn step(&mut self, actions: &[TimedAction], tick_bound: u64) -> Option<TraceStep> {
        loop {
            let step = match self.environment.next_due(actions, tick_bound)? {
                Due::Action(action) => Some(self.apply_action(action)),
                Due::Event(key, event) => self.handle_event(key, event),
            };
            if let Some(mut step) = step {
                self.check_after(&mut step);
                return Some(step);
            }
            // The event was deferred or had nothing left to do: no step.
        }
    }

    /// Count a step and check the protocol's invariants after it, and its
    /// quiet properties if the system is quiet.
    #[inline(never)] // see `step`
    fn check_after(&mut self, step: &mut TraceStep) {
        self.environment.count_step(step);
        let stepped = match step.process {
            Some(Endpoint::Node(node)) => Some(node),
            _ => None,
        };
        let cluster = ClusterView { slots: &self.nodes };
        if let Err(violation) = P::check_invariants(&mut self.ghost, stepped, &cluster) {
            self.environment.end(EndReason::InvariantViolated { violation });
            return;
        }
        let now_tick = self.environment.now_tick();
        if let Some(text) = P::observer_milestone(&mut self.ghost, now_tick, &cluster) {
            step.narration.push(crate::trace::Narration { importance: crate::trace::Importance::Milestone, text });
        }
        if self.is_quiet() {
            self.environment.count_quiet();
            let cluster = ClusterView { slots: &self.nodes };
            if let Err(violation) = P::check_quiet(&self.ghost, &cluster) {
                self.environment.end(EndReason::QuietViolated { violation });
            }
        }
    }

    #[inline(never)] // see `step`
    fn handle_event(&mut self, key: QueueKey, event: Event) -> Option<TraceStep> {
        let (scratch, kind) = match event {
            Event::Start { node } => {
                let started = self.nodes[node.0 as usize].state.is_some();
                let mut scratch = self.environment.begin_start(node, started)?;
                self.start_node(node, &mut scratch);
                (scratch, StepKind::Start { node, restart: false })
            }
            Event::Deliver { message } => return self.deliver(key, message),
            Event::Timer { node, timer } => {
                let mut scratch = self.environment.begin_timer(key, node, timer)?;
                self.run_node(node, Input::Timer(timer), &mut scratch);
                (scratch, StepKind::Timer { node, timer, label: P::timer_label(timer) })
            }
            Event::ClientWake { client } => {
                if !self.environment.client_wakes(client) {
                    return None; // this client's share of the workload is done
                }
                let operation =
                    self.setup.service.draw_operation(&mut self.draw_state, self.environment.workload_rng());
                let (node, mut scratch) = self.environment.begin_workload_operation(client);
                let kind = self.invoke(client, operation, node, &mut scratch);
                (scratch, kind)
            }
            Event::ClientTimeout { client } => {
                let mut scratch = self.environment.begin_client_timeout(key, client);
                let kind = self.retry_or_give_up(client, &mut scratch);
                (scratch, kind)
            }
        };
        Some(self.environment.finish(scratch, kind))
    }

    #[inline(never)] // see `step`
    fn deliver(&mut self, key: QueueKey, id: MessageId) -> Option<TraceStep> {
        let (mut scratch, from, to, slot, delivered) = match self.environment.arrive(key, id) {
            Arrival::Deferred => return None,
            Arrival::Dropped(step, slot) => {
                self.take_payload(slot);
                return Some(step);
            }
            Arrival::Delivered { scratch, from, to, payload, step } => (scratch, from, to, payload, step),
        };
        let step = match (from, to, self.take_payload(slot)) {
            (Endpoint::Node(from), Endpoint::Node(node), Some(Payload::Peer(message))) => {
                self.run_node(node, Input::Message { from, message }, &mut scratch);
                delivered
            }
            (_, Endpoint::Node(node), Some(Payload::Request(request))) => {
                self.run_node(node, Input::Request(request), &mut scratch);
                delivered
            }
            (_, Endpoint::Client(client), Some(Payload::Reply { request, output })) => {
                self.client_receive(client, request, output, &mut scratch).unwrap_or(delivered)
            }
            _ => unreachable!("every message in flight has its payload, and each kind goes where it is addressed"),
        };
        Some(self.environment.finish(scratch, step))
    }

    /// Start (or restart) a node: fresh volatile state from `P::new`, then
    /// `on_start` with what is on its disk.
    fn start_node(&mut self, node: NodeId, scratch: &mut StepScratch) {
        self.environment.mark_started(node);
        let state = P::new(node, self.node_count(), &self.setup.config);
        self.nodes[node.0 as usize].state = Some(state);
        self.run_node(node, Input::Start, scratch);
    }

    /// Hand an input to a running node, then carry out what it asked for.
    fn run_node(&mut self, node: NodeId, input: Input<P>, scratch: &mut StepScratch) {
        let mut effects = Vec::new();
        let node_count = self.node_count();
        let NodeSlot { state, durable } = &mut self.nodes[node.0 as usize];
        let state = state.as_mut().expect("only a running node handles inputs");
        let (rng, members, now_tick) = self.environment.node_context(node);
        let mut ctx = Context::new(node, node_count, members, now_tick, rng, &mut effects);
        match input {
            Input::Start => state.on_start(&mut ctx, durable),
            Input::Message { from, message } => state.on_message(&mut ctx, from, message),
            Input::Request(request) => state.on_client_request(&mut ctx, request),
            Input::Timer(timer) => state.on_timer(&mut ctx, timer),
        }
        for effect in effects {
            self.carry_out(node, effect, scratch);
        }
    }

    fn carry_out(&mut self, node: NodeId, effect: Effect<P>, scratch: &mut StepScratch) {
        match effect {
            Effect::Send { to, message } => {
                if self.environment.may_send_to(node, to) {
                    let kind = MessageKindId::Protocol(P::message_kind(&message).index());
                    let label = P::message_label(&message);
                    self.send(Endpoint::Node(node), Endpoint::Node(to), Payload::Peer(message), kind, label, scratch);
                }
            }
            Effect::SetTimer { timer, after_ticks } => self.environment.set_timer(node, timer, after_ticks),
            Effect::CancelTimer { timer } => self.environment.cancel_timer(node, timer),
            Effect::Reply { request, output } => {
                let label = format!("reply {output} to {}", request.client);
                let payload = Payload::Reply { request, output };
                let (from, to) = (Endpoint::Node(node), Endpoint::Client(request.client));
                self.send(from, to, payload, MessageKindId::Reply, label, scratch);
            }
            Effect::Persist(durable) => self.nodes[node.0 as usize].durable = durable,
            Effect::Narrate(narration) => scratch.narrate(narration),
        }
    }

    /// Hand a message to the network, and keep its payload in the slots it
    /// travels with.
    fn send(
        &mut self,
        from: Endpoint,
        to: Endpoint,
        payload: Payload<P>,
        kind: MessageKindId,
        label: String,
        scratch: &mut StepScratch,
    ) {
        match self.environment.send(from, to, kind, label, scratch) {
            Sent::Refused => {}
            Sent::Once(slot) => self.put_payload(slot, payload),
            Sent::Twice(slot, copy) => {
                self.put_payload(copy, payload.clone());
                self.put_payload(slot, payload);
            }
        }
    }

    fn put_payload(&mut self, slot: PayloadSlot, payload: Payload<P>) {
        let index = slot.index();
        if index >= self.payloads.len() {
            // Slots are handed out in order: a new one is the next.
            self.payloads.resize_with(index + 1, || None);
        }
        self.payloads[index] = Some(payload);
    }

    fn take_payload(&mut self, slot: PayloadSlot) -> Option<Payload<P>> {
        self.payloads.get_mut(slot.index()).and_then(Option::take)
    }

    // ----- clients ---------------------------------------------------------

    fn invoke(
        &mut self,
        client: ClientId,
        operation: OperationOf<P>,
        node: NodeId,
        scratch: &mut StepScratch,
    ) -> StepKind {
        let erased: faultline_scenario::ClientOperation = operation.clone().into();
        let operation_index = self.environment.invoke(client, erased.clone(), node);
        self.client_operations[client.0 as usize] = Some(operation);
        self.send_request(client, scratch);
        StepKind::Invoke { client, operation_index, operation: erased, node }
    }

    /// Send the client's current attempt, and wait for it.
    fn send_request(&mut self, client: ClientId, scratch: &mut StepScratch) {
        let (id, node) = self.environment.current_request(client).expect("a request belongs to an operation");
        let operation = self.client_operations[client.0 as usize].clone().expect("an invoked client has its operation");
        let label = format!("{operation} (attempt {})", id.attempt);
        let payload = Payload::Request(ClientRequest { id, operation });
        self.send(Endpoint::Client(client), Endpoint::Node(node), payload, MessageKindId::Request, label, scratch);
        self.environment.await_reply(client);
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
        let retry = P::Service::retry(&output);
        match self.environment.client_receive(client, request, retry, output.into()) {
            ReplyOutcome::Late => None,
            ReplyOutcome::Completed(kind) => Some(kind),
            ReplyOutcome::Retry => Some(self.retry_or_give_up(client, scratch)),
        }
    }

    fn retry_or_give_up(&mut self, client: ClientId, scratch: &mut StepScratch) -> StepKind {
        match self.environment.next_attempt(client) {
            Attempt::Retry(kind) => {
                self.send_request(client, scratch);
                kind
            }
            Attempt::GiveUp(kind) => kind,
        }
    }

    // ----- actions -----------------------------------------------------------

    #[inline(never)] // see `step`
    fn apply_action(&mut self, action: Action) -> TraceStep {
        let mut scratch = self.environment.begin_action(&action);
        let (note, follow_up) = self.environment.apply_action(&action, &mut scratch, P::MEMBERSHIP_CHANGES);
        let note = match follow_up {
            FollowUp::Nothing => note,
            FollowUp::NodeDown(node) => {
                self.nodes[node.0 as usize].state = None;
                note
            }
            FollowUp::Restart(node) => {
                self.start_node(node, &mut scratch);
                note
            }
            FollowUp::NodeJoined(node) => {
                self.nodes.push(NodeSlot { state: None, durable: P::initial_durable(node, &self.setup.config) });
                note
            }
            FollowUp::PayloadDropped(slot) => {
                self.take_payload(slot);
                note
            }
            FollowUp::PayloadCopied { original, copy } => {
                if let Some(payload) = self.payloads.get(original.index()).cloned().flatten() {
                    self.put_payload(copy, payload);
                }
                note
            }
            FollowUp::Request { client, node, operation } => match P::Service::operation_of(operation) {
                Some(operation) => {
                    self.invoke(client, operation, node, &mut scratch);
                    note
                }
                None => format!("{operation} is not an operation of this protocol's clients: nothing happened"),
            },
        };
        self.environment.finish(scratch, StepKind::Action { action, note })
    }

    /// Re-open a run that ended only because nothing was left to happen,
    /// when a new action gives it something to do.
    pub(crate) fn reopen_if_quiescent(&mut self) {
        self.environment.reopen_if_quiescent();
    }

    /// The tick at which an action recorded now must be applied so that a
    /// replay from the start applies it at the same point of the run.
    pub(crate) fn record_tick(&self) -> u64 {
        self.environment.record_tick()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::protocol::NodeView;
    use crate::rng::SimRng;
    use crate::service::{HistoryCheck, OperationLook, Retry};
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
