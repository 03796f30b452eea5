//! The client side of a protocol: what its clients ask and get back, how a
//! workload draws their requests from the seed, what a reply means for a
//! client waiting on it, and how the history they record is checked.
//!
//! The simulator runs the clients themselves (closed loops with think time,
//! timeouts and retries, the same for every protocol); a [`Service`] fills in
//! what differs. Raft and primary–backup share the key-value store's.

use crate::history::HistoryEntry;
use crate::rng::SimRng;
use crate::style::{Kinds, Style};
use faultline_scenario::{ClientOperation, ClientOutput, NodeId};
use std::fmt::{Debug, Display};

/// What a reply tells a client besides an answer: to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// This node cannot serve the request; another one might (a client
    /// retries elsewhere at once, keeping any node it was pointed at).
    Refused,
    /// Another node serves it: `to`, or an unknown one. The client sends
    /// its next attempts there until that node does not answer.
    Redirected { to: Option<NodeId> },
}

/// Where clients send their requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// To a node drawn from the seed, and a retry to another one (or where
    /// a redirect pointed).
    AnyNode,
    /// Always to this node (two-phase commit's coordinator).
    Node(NodeId),
}

/// How a service's history is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryCheck {
    /// Checked for linearizability against this sequential model.
    Linearizable(faultline_check::ModelSpec),
    /// The service promises less than linearizability (an eventually
    /// consistent store): its history is not checked for it, and the named
    /// property is checked instead (at quiet, by the protocol).
    Promises { property: &'static str, explanation: &'static str },
}

/// A client operation as the page's lanes show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationLook {
    /// Its kind's style (the bar's colour).
    pub kind: Style,
    /// A short label for the bar: "w 5", "r→3 5".
    pub label: String,
}

/// The client side of a protocol. A value of this type holds the service's
/// parameters from the scenario (keys, shares of reads and appends); what
/// drawing changes as it goes lives in [`DrawState`](Service::DrawState),
/// inside the world, so snapshots carry it.
pub trait Service: Clone + Debug + 'static {
    /// A request a client sends.
    type Operation: Clone + Debug + PartialEq + Display + Into<ClientOperation>;
    /// What a node answers.
    type Output: Clone + Debug + PartialEq + Display + Into<ClientOutput>;
    /// The kinds of operations, for the lanes' colours and the legend.
    type OperationKind: Kinds;
    /// What the workload remembers between draws (the next unique value).
    type DrawState: Clone + Debug;

    fn initial_draw_state(&self) -> Self::DrawState;

    /// The next operation of the workload, drawn from `rng` (the workload's
    /// stream: every draw here shifts every later one).
    fn draw_operation(&self, state: &mut Self::DrawState, rng: &mut SimRng) -> Self::Operation;

    /// This service's operation, if `operation` is one (a scripted request
    /// of another family is not).
    fn operation_of(operation: &ClientOperation) -> Option<Self::Operation>;

    /// Whether a reply asks the client to try again rather than answering.
    fn retry(output: &Self::Output) -> Option<Retry>;

    fn operation_kind(operation: &Self::Operation) -> Self::OperationKind;

    /// How the lanes show an operation and, once answered, its output.
    fn look(entry: &HistoryEntry) -> OperationLook;

    /// How the history is judged.
    fn history_check(&self) -> HistoryCheck;

    /// The history as the checker reads it: operation `i` of the result is
    /// entry `i`.
    fn to_check_history(&self, entries: &[HistoryEntry]) -> faultline_check::History;
}
