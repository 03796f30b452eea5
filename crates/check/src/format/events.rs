//! Pairing Jepsen-style events (an invocation, then the same process's
//! completion) into operations, shared by the EDN and log parsers.

use super::ParseError;
use crate::history::{Function, History, Operation, Value};
use faultline_collections::VecMap;

/// How an event ends an operation, or starts one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl EventType {
    pub(crate) fn from_name(name: &str) -> Option<EventType> {
        match name {
            "invoke" => Some(EventType::Invoke),
            "ok" => Some(EventType::Ok),
            "fail" => Some(EventType::Fail),
            "info" => Some(EventType::Info),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            EventType::Invoke => "invoke",
            EventType::Ok => "ok",
            EventType::Fail => "fail",
            EventType::Info => "info",
        }
    }
}

/// Whether an invocation's `:value` is not an input but a placeholder for
/// the result (reads, gets and dequeues take nothing).
pub(crate) fn takes_no_input(function: Function) -> bool {
    matches!(function, Function::Read | Function::Get | Function::Dequeue)
}

/// Whether the completion's `:value` is the operation's result.
pub(crate) fn returns_value(function: Function) -> bool {
    takes_no_input(function)
}

/// Operations being assembled from events.
#[derive(Default)]
pub(crate) struct Builder {
    operations: Vec<Operation>,
    lines: Vec<usize>,
    dropped: Vec<bool>,
    /// Each process's invocation that has not completed yet.
    open: VecMap<u64, usize>,
    dropped_count: usize,
}

impl Builder {
    /// `client` invokes `function` at position `at`, on `line`.
    pub(crate) fn invoke(
        &mut self,
        client: u64,
        function: Function,
        key: Option<Value>,
        input: Value,
        at: u64,
        line: usize,
    ) -> Result<(), ParseError> {
        if let Some(&open) = self.open.get(&client) {
            return Err(ParseError::new(
                line,
                format!(
                    "process {client} invokes :{function} before its :{} invoked on line {} completed",
                    self.operations[open].function, self.lines[open]
                ),
            ));
        }
        self.open.insert(client, self.operations.len());
        self.operations.push(Operation { client, function, key, input, output: None, invoke: at, complete: None });
        self.lines.push(line);
        self.dropped.push(false);
        Ok(())
    }

    /// `client`'s open invocation completes with an event of type `kind` on
    /// `line`: the index of the operation, for the caller to fill in.
    pub(crate) fn complete(
        &mut self,
        client: u64,
        function: Function,
        kind: EventType,
        line: usize,
    ) -> Result<usize, ParseError> {
        let Some(index) = self.open.remove(&client) else {
            return Err(ParseError::new(
                line,
                format!("process {client} completes (:{} :{function}) with no invocation open", kind.name()),
            ));
        };
        let invoked = self.operations[index].function;
        if invoked != function {
            return Err(ParseError::new(
                line,
                format!(
                    "process {client} completes :{function}, but its open invocation (line {}) is :{invoked}",
                    self.lines[index]
                ),
            ));
        }
        Ok(index)
    }

    pub(crate) fn operation(&mut self, index: usize) -> &mut Operation {
        &mut self.operations[index]
    }

    /// The operation certainly did not take effect: leave it out.
    pub(crate) fn drop_operation(&mut self, index: usize) {
        if !self.dropped[index] {
            self.dropped[index] = true;
            self.dropped_count += 1;
        }
    }

    /// The history (in invocation order) and each operation's line.
    pub(crate) fn finish(self) -> (History, Vec<usize>) {
        if self.dropped_count == 0 {
            return (History::new(self.operations), self.lines);
        }
        let kept = self.operations.len() - self.dropped_count;
        let mut operations = Vec::with_capacity(kept);
        let mut lines = Vec::with_capacity(kept);
        for ((operation, line), dropped) in self.operations.into_iter().zip(self.lines).zip(self.dropped) {
            if !dropped {
                operations.push(operation);
                lines.push(line);
            }
        }
        (History::new(operations), lines)
    }
}
