//! The client history: every operation a client invoked, with when it was
//! invoked, when (if ever) it completed, and what it returned. The
//! protocol's [`Service`](crate::service::Service) turns it into what the
//! linearizability checker reads.

use faultline_scenario::{ClientId, ClientOperation, ClientOutput, NodeId};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub client: ClientId,
    pub operation: ClientOperation,
    pub invoke_tick: u64,
    /// `None` while pending, and forever if the client gave up: the outcome
    /// is then unknown (the operation may or may not have taken effect).
    pub complete_tick: Option<u64>,
    pub output: Option<ClientOutput>,
    /// The node of each attempt, in order.
    pub attempts: Vec<NodeId>,
    /// The client stopped waiting for this operation.
    pub gave_up: bool,
}

impl HistoryEntry {
    pub fn is_complete(&self) -> bool {
        self.complete_tick.is_some()
    }
}
