//! Read-your-writes and monotonic reads for a counter, from its values.
//!
//! A counter whose adds are never negative only grows, so a read's value is
//! a lower bound on what it reflects: a read that returns less than an
//! earlier read, or less than the client's own adds, certainly misses
//! updates it had to reflect. A decrement anywhere in the history takes that
//! certainty away (5 may be 3 + 2, or 3 + 2 + 4 − 4: the value no longer
//! tells which updates a read reflects), so such histories are not decided.

use super::{sessions, Decision};
use crate::history::{Function, History, Operation, Value};

/// A counter's history in which the value can only grow.
pub(super) struct GrowingCounter<'h> {
    history: &'h History,
    /// Every add together, returned or not: no read can reflect more.
    total: i64,
}

impl<'h> GrowingCounter<'h> {
    /// `None` (the session guarantees are not applicable) unless every
    /// operation is an add or a read, no add is negative, and all the adds
    /// together fit in 64 bits: a decrement, or a total that wraps around,
    /// lets the value go down, and then values cannot tell which updates a
    /// read reflects. An add of 0 changes nothing, so it is allowed.
    pub(super) fn new(history: &'h History) -> Option<GrowingCounter<'h>> {
        let mut total: i64 = 0;
        for operation in &history.operations {
            match operation.function {
                Function::Read => {}
                Function::Add => total = total.checked_add(non_negative_amount(operation)?)?,
                _ => return None,
            }
        }
        Some(GrowingCounter { history, total })
    }

    /// What a read returned, if known and reachable. A value below 0 or
    /// above every add together reflects no set of updates: like a
    /// register's value nobody wrote, it is not a session question.
    fn read_value(&self, operation: &Operation) -> Option<i64> {
        match (operation.function, &operation.output) {
            (Function::Read, Some(Value::Int(value))) if (0..=self.total).contains(value) => Some(*value),
            _ => None,
        }
    }

    /// Read-your-writes: a client's read returns at least the sum of the
    /// client's own adds that returned before it.
    pub(super) fn read_your_writes(&self) -> Decision {
        let operations = &self.history.operations;
        for session in sessions(self.history) {
            let mut own_total: i64 = 0;
            let mut last_own_add = None;
            for &index in &session {
                let operation = &operations[index];
                if let Some(value) = self.read_value(operation) {
                    match last_own_add {
                        Some(add) if value < own_total => {
                            return Decision::Violated {
                                operations: vec![add, index],
                                why: format!(
                                    "client {} added {own_total} in all and then read {value}",
                                    operation.client
                                ),
                            }
                        }
                        _ => {}
                    }
                } else if operation.function == Function::Add && operation.is_complete() {
                    // Never more than `total`, which fits: saturating only to rule out a panic.
                    own_total = own_total.saturating_add(non_negative_amount(operation).unwrap_or(0));
                    last_own_add = Some(index);
                }
            }
        }
        Decision::Holds
    }

    /// Monotonic reads: a client's read never returns less than one of its
    /// earlier reads returned.
    pub(super) fn monotonic_reads(&self) -> Decision {
        let operations = &self.history.operations;
        for session in sessions(self.history) {
            // The highest value a returned read of the client saw, and that read.
            let mut highest: Option<(usize, i64)> = None;
            for &index in &session {
                let operation = &operations[index];
                let Some(value) = self.read_value(operation) else { continue };
                if let Some((earlier, seen)) = highest.filter(|&(_, seen)| value < seen) {
                    return Decision::Violated {
                        operations: vec![earlier, index],
                        why: format!(
                            "client {} read {seen} and later {value}: a counter that only grows went back",
                            operation.client
                        ),
                    };
                }
                if operation.is_complete() && highest.is_none_or(|(_, seen)| value > seen) {
                    highest = Some((index, value));
                }
            }
        }
        Decision::Holds
    }
}

/// An add's amount, if it is an integer that is not negative.
fn non_negative_amount(add: &Operation) -> Option<i64> {
    match add.input {
        Value::Int(amount) if amount >= 0 => Some(amount),
        _ => None,
    }
}
