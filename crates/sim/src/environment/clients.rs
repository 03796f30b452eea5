//! The clients' closed loops: a client thinks, invokes an operation at a
//! node, waits for the answer with a timeout, retries (elsewhere, where a
//! redirect pointed, or at the same node, as the protocol's `Routing` says)
//! up to `workload.attempts_max` attempts, then gives up,
//! and thinks again. What a client asks comes from the protocol's
//! `Service`, through the world; here an operation is its place in the
//! history, and a reply is what it means to the client.

use super::{Environment, Event, QueueKey, StepScratch, CLASS_NORMAL};
use crate::history::HistoryEntry;
use crate::protocol::RequestId;
use crate::rng::{stream, SimRng};
use crate::service::{Retry, Routing};
use crate::trace::{Endpoint, StepKind};
use faultline_scenario::{ClientId, ClientOperation, ClientOutput, NodeId};

/// The operation a client waits on.
#[derive(Clone, Debug)]
struct CurrentOperation {
    operation_index: u32,
    attempt: u32,
    node: NodeId,
}

#[derive(Clone, Debug, Default)]
pub(super) struct ClientSlot {
    current: Option<CurrentOperation>,
    timeout_key: Option<QueueKey>,
    wake_key: Option<QueueKey>,
    /// The node a redirect pointed at (Raft's "not leader, try n2"): the
    /// client sends there first, until that node times out.
    redirected_to: Option<NodeId>,
}

impl ClientSlot {
    pub(super) fn is_idle(&self) -> bool {
        self.current.is_none()
    }
}

/// What a reply did for the client it reached.
pub(crate) enum ReplyOutcome {
    /// Nothing: it answers an operation or an attempt the client is done with.
    Late,
    /// It answered the client's operation, which is complete.
    Completed(StepKind),
    /// It asked the client to try again.
    Retry,
}

/// What a client does when an attempt failed.
pub(crate) enum Attempt {
    /// It tries again: the world sends the request (`StepKind::Retry`).
    Retry(StepKind),
    /// It has tried often enough (`StepKind::GiveUp`).
    GiveUp(StepKind),
}

impl Environment {
    /// Every client's first wake-up, drawn from the workload stream.
    pub(super) fn schedule_first_wakes(&mut self) {
        for c in 0..self.clients.len() {
            if self.settings.workload.operations_max > 0 {
                let (min, max) = (self.settings.workload.think_ticks_min, self.settings.workload.think_ticks_max);
                let first_tick = self.workload_rng.between(min, max);
                let key = self.schedule(first_tick, CLASS_NORMAL, Event::ClientWake { client: ClientId(c as u32) });
                self.clients[c].wake_key = Some(key);
            }
        }
    }

    /// A client wakes up: whether the workload still has an operation for
    /// it. The world then draws the operation from `workload_rng`.
    pub(crate) fn client_wakes(&mut self, client: ClientId) -> bool {
        self.clients[client.0 as usize].wake_key = None;
        self.workload_operations_invoked < self.settings.workload.operations_max
    }

    /// The workload's random stream (the operations drawn come from it).
    pub(crate) fn workload_rng(&mut self) -> &mut SimRng {
        &mut self.workload_rng
    }

    /// Where a client sends the operation it just drew (drawn after it),
    /// with the scratch of its step.
    pub(crate) fn begin_workload_operation(&mut self, client: ClientId) -> (NodeId, StepScratch) {
        let node = match self.settings.routing {
            Routing::AnyNode => {
                let drawn = self.workload_rng.below(self.members.len() as u64) as usize;
                let random_node = self.members[drawn];
                self.clients[client.0 as usize].redirected_to.unwrap_or(random_node)
            }
            Routing::Node(node) => node,
            Routing::Home => self.home_node(client),
        };
        self.workload_operations_invoked += 1;
        self.stats.workload_operations_invoked += 1;
        (node, self.begin(Some(Endpoint::Client(client)), None))
    }

    /// A client's attempt timed out: the scratch of its step. The node a
    /// redirect pointed at did not answer, so it is forgotten.
    pub(crate) fn begin_client_timeout(&mut self, key: QueueKey, client: ClientId) -> StepScratch {
        let slot = &mut self.clients[client.0 as usize];
        debug_assert_eq!(slot.timeout_key, Some(key));
        slot.timeout_key = None;
        slot.redirected_to = None;
        self.begin(Some(Endpoint::Client(client)), None)
    }

    /// A client invokes `operation` at `node`: it goes into the history, and
    /// the client waits for it (the world sends the request). Returns its
    /// index in the history.
    pub(crate) fn invoke(&mut self, client: ClientId, operation: ClientOperation, node: NodeId) -> u32 {
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
        self.history.push(HistoryEntry {
            client,
            operation,
            invoke_tick: self.now_tick,
            complete_tick: None,
            output: None,
            attempts: vec![node],
            gave_up: false,
        });
        self.stats.operations_invoked += 1;
        self.clients[c].current = Some(CurrentOperation { operation_index, attempt: 1, node });
        operation_index
    }

    /// The request of a client's current attempt, and the node it goes to.
    pub(crate) fn current_request(&self, client: ClientId) -> Option<(RequestId, NodeId)> {
        let current = self.clients[client.0 as usize].current.as_ref()?;
        let id = RequestId { client, operation_index: current.operation_index, attempt: current.attempt };
        Some((id, current.node))
    }

    /// The client's attempt was sent: it waits for it until the timeout.
    pub(crate) fn await_reply(&mut self, client: ClientId) {
        let timeout_tick = self.now_tick + self.settings.workload.timeout_ticks;
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
        let (min, max) = (self.settings.workload.think_ticks_min, self.settings.workload.think_ticks_max);
        if self.workload_operations_invoked >= self.settings.workload.operations_max {
            return;
        }
        let think_ticks = self.workload_rng.between(min, max).max(1);
        let key = self.schedule(self.now_tick + think_ticks, CLASS_NORMAL, Event::ClientWake { client });
        self.clients[client.0 as usize].wake_key = Some(key);
    }

    /// A reply to `request` reached its client: `retry` is what the
    /// protocol's service reads in it, `output` the answer it carries.
    pub(crate) fn client_receive(
        &mut self,
        client: ClientId,
        request: RequestId,
        retry: Option<Retry>,
        output: ClientOutput,
    ) -> ReplyOutcome {
        let Some(current) = self.clients[client.0 as usize].current.as_ref() else {
            return ReplyOutcome::Late;
        };
        if current.operation_index != request.operation_index {
            return ReplyOutcome::Late; // a reply to an operation the client finished or gave up on
        }
        if let Some(retry) = retry {
            if request.attempt != current.attempt {
                return ReplyOutcome::Late; // a late refusal of an earlier attempt: the current one is still on its way
            }
            let slot = &mut self.clients[client.0 as usize];
            if let Retry::Redirected { to } = retry {
                slot.redirected_to = to.filter(|n| self.members.contains(n));
            }
            if let Some(timeout) = slot.timeout_key.take() {
                self.queue.remove(&timeout);
            }
            return ReplyOutcome::Retry;
        }
        let operation_index = current.operation_index;
        let entry = &mut self.history[operation_index as usize];
        debug_assert!(entry.complete_tick.is_none(), "an operation completes once");
        entry.complete_tick = Some(self.now_tick);
        entry.output = Some(output.clone());
        self.stats.operations_completed += 1;
        let slot = &mut self.clients[client.0 as usize];
        slot.current = None;
        if let Some(timeout) = slot.timeout_key.take() {
            self.queue.remove(&timeout);
        }
        self.schedule_wake(client);
        ReplyOutcome::Completed(StepKind::Complete { client, operation_index, output })
    }

    /// A client's attempt failed (timed out or was refused): it retries,
    /// or gives up after `workload.attempts_max` attempts.
    pub(crate) fn next_attempt(&mut self, client: ClientId) -> Attempt {
        let current = self.clients[client.0 as usize].current.take().expect("a timeout belongs to an operation");
        if current.attempt >= self.settings.workload.attempts_max {
            self.clients[client.0 as usize].current = Some(current.clone());
            self.abandon_current(client);
            self.schedule_wake(client);
            return Attempt::GiveUp(StepKind::GiveUp { client, operation_index: current.operation_index });
        }
        let node = self.retry_node(client, current.node);
        let attempt = current.attempt + 1;
        let operation_index = current.operation_index;
        self.history[operation_index as usize].attempts.push(node);
        self.clients[client.0 as usize].current = Some(CurrentOperation { attempt, node, ..current });
        Attempt::Retry(StepKind::Retry { request: RequestId { client, operation_index, attempt }, node })
    }

    /// A client's home node, with `Routing::Home`.
    fn home_node(&self, client: ClientId) -> NodeId {
        let at = client.0 as usize % self.members.len().max(1);
        self.members.get(at).copied().unwrap_or(NodeId(0))
    }

    /// Where a client retries: at the node a redirect named, else anywhere
    /// but the node that did not answer (or always the one node requests go
    /// to, or where a session sticks).
    fn retry_node(&mut self, client: ClientId, last: NodeId) -> NodeId {
        let members = self.members.len() as u64;
        match (self.settings.routing, self.clients[client.0 as usize].redirected_to) {
            (Routing::Node(node), _) => node,
            (Routing::Home, _) => last,
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

    /// Who would send a request a person asks for now (the first client
    /// that waits for nothing, else `c0`, whose current operation it would
    /// abandon), and a random stream of its own for this `step_index` to
    /// draw it from. `None` when the workload has no clients.
    pub(crate) fn suggested_request_source(&self, step_index: u64) -> Option<(ClientId, SimRng)> {
        if self.clients.is_empty() {
            return None;
        }
        let idle = self.clients.iter().position(ClientSlot::is_idle);
        let client = ClientId(idle.unwrap_or(0) as u32);
        let stream = stream::SUGGESTED_REQUEST_BASE.wrapping_add(step_index);
        Some((client, SimRng::for_stream(self.settings.seed, stream)))
    }
}
