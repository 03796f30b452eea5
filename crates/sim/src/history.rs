//! The client history: every operation a client invoked, with when it was
//! invoked, when (if ever) it completed, and what it returned. This is what
//! the linearizability checker reads.

use faultline_scenario::{ClientId, NodeId, Operation, OperationOutput};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub client: ClientId,
    pub operation: Operation,
    pub invoke_tick: u64,
    /// `None` while pending, and forever if the client gave up: the outcome
    /// is then unknown (the operation may or may not have taken effect).
    pub complete_tick: Option<u64>,
    pub output: Option<OperationOutput>,
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

/// The model a simulator history is checked against: a key-value store of
/// integer registers, every key starting with no value.
pub fn check_model() -> faultline_check::ModelSpec {
    faultline_check::ModelSpec::KeyValue(faultline_check::model::KeyValue::new(faultline_check::Value::Nil))
}

/// The history as the checker reads it. Times are ticks; an operation the
/// client gave up on, or that is still pending, never returned (its
/// outcome is unknown). Operation `i` of the result is entry `i`.
pub fn to_check_history(entries: &[HistoryEntry]) -> faultline_check::History {
    use faultline_check::{Function, Value};
    use faultline_scenario::{Operation, OperationOutput};
    let int = |v: u64| Value::Int(i64::try_from(v).expect("workload values stay far below 2^63"));
    faultline_check::History::new(
        entries
            .iter()
            .map(|entry| {
                let (function, key, input) = match entry.operation {
                    Operation::Read { key } => (Function::Read, key, Value::Nil),
                    Operation::Write { key, value } => (Function::Write, key, int(value)),
                };
                let output = match (&entry.output, entry.complete_tick) {
                    (Some(OperationOutput::Value(Some(v))), Some(_)) => Some(int(*v)),
                    (Some(OperationOutput::Value(None) | OperationOutput::WriteOk), Some(_)) => Some(Value::Nil),
                    // A refusal is retried, never recorded as a completion.
                    _ => None,
                };
                faultline_check::Operation {
                    client: entry.client.0 as u64,
                    function,
                    key: Some(Value::Int(key as i64)),
                    input,
                    output,
                    invoke: entry.invoke_tick,
                    complete: entry.complete_tick,
                }
            })
            .collect(),
    )
}
