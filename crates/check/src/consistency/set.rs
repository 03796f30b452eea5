//! Read-your-writes and monotonic reads for a set with add and remove, from
//! the members its reads return.
//!
//! A member a client should see (it added it, or saw it in an earlier read)
//! but does not is a violation only when nothing could have removed it: no
//! remove of that value, by any client, was invoked before the read
//! returned. Such a remove may have taken effect first (and a replicated set
//! may order a remove and an add either way), so any one of them makes the
//! missing member ambiguous, and ambiguity is not a violation.

use super::{sessions, Decision};
use crate::history::{Function, History, Operation, Value};
use faultline_collections::{VecMap, VecSet};

/// A set's history, indexed by value for the session checks.
pub(super) struct SetHistory<'h> {
    history: &'h History,
    /// When the first remove of each removed value was invoked (whether it
    /// returned or not: it may have taken effect either way).
    first_removal: VecMap<&'h Value, u64>,
    /// Every value some add added (returned or not).
    added: VecSet<&'h Value>,
}

/// A read whose members are known: its output, and the members in it.
struct SetRead<'h> {
    output: &'h Value,
    members: VecSet<&'h Value>,
}

impl<'h> SetHistory<'h> {
    /// `None` (the session guarantees are not applicable) when an operation
    /// is not a set's add, remove or read.
    pub(super) fn new(history: &'h History) -> Option<SetHistory<'h>> {
        let mut first_removal: VecMap<&Value, u64> = VecMap::new();
        let mut added = VecSet::new();
        for operation in &history.operations {
            match operation.function {
                Function::Read => {}
                Function::Add => {
                    added.insert(&operation.input);
                }
                Function::Remove => {
                    let invoked = first_removal.entry(&operation.input).or_insert(operation.invoke);
                    *invoked = (*invoked).min(operation.invoke);
                }
                _ => return None,
            }
        }
        Some(SetHistory { history, first_removal, added })
    }

    /// The read's members, if it is a read whose output is known (a list).
    fn read(operation: &'h Operation) -> Option<SetRead<'h>> {
        match (operation.function, &operation.output) {
            (Function::Read, Some(output @ Value::List(members))) => {
                Some(SetRead { output, members: members.iter().collect() })
            }
            _ => None,
        }
    }

    /// Whether `member` is missing from `read`, and no remove of it was
    /// invoked before the read returned (equal times are concurrent: a
    /// remove invoked as the read returned may have come first).
    fn certainly_missing(&self, member: &Value, read: &SetRead, operation: &Operation) -> bool {
        let may_have_been_removed = self
            .first_removal
            .get(member)
            .is_some_and(|&invoked| operation.complete.is_none_or(|returned| invoked <= returned));
        !read.members.contains(member) && !may_have_been_removed
    }

    /// Read-your-writes: a client's read contains every value the client
    /// added (and saw return) before it, unless something may have removed it.
    pub(super) fn read_your_writes(&self) -> Decision {
        let operations = &self.history.operations;
        for session in sessions(self.history) {
            // Each value the client added, with its latest add that returned.
            let mut own_adds: VecMap<&Value, usize> = VecMap::new();
            for &index in &session {
                let operation = &operations[index];
                if let Some(read) = Self::read(operation) {
                    let missing = own_adds.iter().find(|(member, _)| self.certainly_missing(member, &read, operation));
                    if let Some((member, &add)) = missing {
                        return Decision::Violated {
                            operations: vec![add, index],
                            why: format!(
                                "client {} added {member} and then read {}: {member} was missing, \
                                 and nobody had removed it",
                                operation.client, read.output
                            ),
                        };
                    }
                } else if operation.function == Function::Add && operation.is_complete() {
                    own_adds.insert(&operation.input, index);
                }
            }
        }
        Decision::Holds
    }

    /// Monotonic reads: a member one of a client's reads returned is in the
    /// client's later reads too, unless something may have removed it.
    /// Members nobody added came from nowhere: not a session question.
    pub(super) fn monotonic_reads(&self) -> Decision {
        let operations = &self.history.operations;
        for session in sessions(self.history) {
            // Each member the client saw in a read that returned, with the
            // latest such read and its output.
            let mut seen: VecMap<&Value, (usize, &Value)> = VecMap::new();
            for &index in &session {
                let operation = &operations[index];
                let Some(read) = Self::read(operation) else { continue };
                let missing = seen.iter().find(|(member, _)| self.certainly_missing(member, &read, operation));
                if let Some((member, &(earlier, earlier_output))) = missing {
                    return Decision::Violated {
                        operations: vec![earlier, index],
                        why: format!(
                            "client {} read {earlier_output} and later {}: {member} went missing, \
                             and nobody had removed it",
                            operation.client, read.output
                        ),
                    };
                }
                if operation.is_complete() {
                    for &member in read.members.iter().filter(|member| self.added.contains(*member)) {
                        seen.insert(member, (index, read.output));
                    }
                }
            }
        }
        Decision::Holds
    }
}
