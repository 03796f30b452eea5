//! The trace: one record per step of the run, enough to draw a space-time
//! diagram (who, when, which message caused it, what it sent) and to check
//! that two runs were the same (the trace hash).

use crate::protocol::{RequestId, TimerId};
use faultline_scenario::{Action, ClientId, ClientOperation, ClientOutput, MessageId, NodeId};
use serde::Serialize;
use std::fmt;

/// A process of the space-time diagram: a node or a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    Node(NodeId),
    Client(ClientId),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Node(n) => n.fmt(f),
            Endpoint::Client(c) => c.fmt(f),
        }
    }
}

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// The network's configured loss.
    Lost,
    /// The link between the two nodes was cut.
    Partition,
    /// The receiver was crashed (or crash-stopped).
    NodeDown,
    /// The receiver had left the cluster.
    NodeRemoved,
    /// A user or scenario action dropped it.
    Action,
    /// More messages were in flight than `limits.in_flight_max`.
    NetworkFull,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Lost => "lost by the network",
            DropReason::Partition => "the link is cut",
            DropReason::NodeDown => "the receiver is down",
            DropReason::NodeRemoved => "the receiver left the cluster",
            DropReason::Action => "dropped by an action",
            DropReason::NetworkFull => "too many messages in flight",
        })
    }
}

/// A message's kind, with the protocol's type erased: a client's request,
/// a reply to a client, or one of the protocol's own kinds (its position in
/// `Protocol::MessageKind::ALL`; `AnySimulation::legend` has their styles).
///
/// Kept out of the trace's JSON (and so out of its hash): the label already
/// names the kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKindId {
    #[default]
    Request,
    Reply,
    Protocol(u8),
}

/// A message sent during a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SentMessage {
    pub id: MessageId,
    pub to: Endpoint,
    #[serde(skip)]
    pub kind: MessageKindId,
    pub label: String,
    /// When it is due, or why it never left.
    pub fate: SendFate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SendFate {
    InFlight { deliver_tick: u64 },
    Dropped { reason: DropReason },
}

/// What happened in a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum StepKind {
    /// A node started, or restarted from its durable state.
    Start { node: NodeId, restart: bool },
    /// A message arrived and was handled.
    Deliver {
        message: MessageId,
        from: Endpoint,
        to: Endpoint,
        #[serde(skip)]
        kind: MessageKindId,
        label: String,
    },
    /// A message reached its delivery time but was not delivered.
    Drop {
        message: MessageId,
        from: Endpoint,
        to: Endpoint,
        #[serde(skip)]
        kind: MessageKindId,
        label: String,
        reason: DropReason,
    },
    /// A node's timer fired.
    Timer { node: NodeId, timer: TimerId, label: String },
    /// A client invoked an operation (its first attempt).
    Invoke { client: ClientId, operation_index: u32, operation: ClientOperation, node: NodeId },
    /// A client got its answer; the operation is complete.
    Complete { client: ClientId, operation_index: u32, output: ClientOutput },
    /// A client's attempt timed out and it retried at another node.
    Retry { request: RequestId, node: NodeId },
    /// A client gave up: the operation's outcome stays unknown.
    GiveUp { client: ClientId, operation_index: u32 },
    /// A scenario or user action was applied. `note` says what it did when
    /// that is not obvious (for example a restart of a running node is ignored).
    Action { action: Action, note: String },
}

/// How much a narrated event matters: milestones (a leader elected, a
/// transaction decided) are marked on the page's timeline; details are
/// only told in its event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Importance {
    Milestone,
    Detail,
}

/// What a node says happened, in its protocol's own words ("n2 became
/// leader in term 3"), for the page's event log and timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Narration {
    pub importance: Importance,
    pub text: String,
}

/// One step of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    /// The step's position in the run, from 0.
    pub index: u64,
    pub tick: u64,
    /// Where the step happened; `None` for steps of the network or of the
    /// environment as a whole (a partition, a message lost in transit).
    pub process: Option<Endpoint>,
    /// The process's Lamport clock after the step (0 when `process` is None).
    pub lamport: u64,
    /// The process's vector clock after the step, indexed by nodes then
    /// clients (empty when `process` is None).
    pub vector: Vec<u32>,
    /// The message whose delivery caused this step.
    pub cause: Option<MessageId>,
    pub sent: Vec<SentMessage>,
    pub kind: StepKind,
    /// What the node narrated during the step. Kept out of the trace's JSON
    /// (and so out of its hash): it tells, it does not happen.
    #[serde(skip)]
    pub narration: Vec<Narration>,
}

impl TraceStep {
    /// The milestones the step told (a leader elected, replicas converged).
    pub fn milestones(&self) -> impl Iterator<Item = &str> {
        self.narration.iter().filter(|n| n.importance == Importance::Milestone).map(|n| n.text.as_str())
    }
}

/// FNV-1a, 64 bits: tiny, stable, and the same on every platform. Not for
/// security; only to compare traces.
#[derive(Clone, Debug)]
pub struct StableHasher {
    state: u64,
}

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher { state: 0xcbf2_9ce4_8422_2325 }
    }
}

impl StableHasher {
    pub fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state ^= byte as u64;
            self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn finish(&self) -> u64 {
        self.state
    }
}

/// The hash of a whole trace: every field of every step, through its JSON
/// form (which is the same natively and in WebAssembly).
pub fn trace_hash(steps: &[TraceStep]) -> u64 {
    let mut hasher = StableHasher::default();
    for step in steps {
        let json = serde_json::to_vec(step).expect("trace steps always serialize");
        hasher.write(&json);
        hasher.write(b"\n");
    }
    hasher.finish()
}
