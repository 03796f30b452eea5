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

    /// This entry as the checker reads it, with what the service made of
    /// its operation and output (every service keeps the client and the
    /// times as they are).
    pub fn to_check_operation(
        &self,
        function: faultline_check::Function,
        key: Option<faultline_check::Value>,
        input: faultline_check::Value,
        output: Option<faultline_check::Value>,
    ) -> faultline_check::Operation {
        faultline_check::Operation {
            client: self.client.0 as u64,
            function,
            key,
            input,
            output,
            invoke: self.invoke_tick,
            complete: self.complete_tick,
        }
    }
}
