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

/// Every key's value before anything is written to it: none.
pub fn initial_value() -> faultline_check::Value {
    faultline_check::Value::Nil
}

/// The model a simulator history is checked against: a key-value store,
/// every key starting with [`initial_value`].
pub fn check_model() -> faultline_check::ModelSpec {
    faultline_check::ModelSpec::KeyValue(faultline_check::model::KeyValue::new(initial_value()))
}

/// How a key's values are written for the checker.
///
/// The checker's kv model appends by concatenating text (as Porcupine's
/// does), so a history with appends writes every value as text: each number
/// followed by a space, "3 5 " being 3 then 5. Then a write of 3 ("3 ") and
/// an append of 3 to an unwritten key ("" + "3 ") read back alike, as they
/// do in the store. A history without appends keeps plain integers, which
/// read better and are what any register checker expects. (A read of more
/// than one value needs text too, appends or not, and so does a number
/// beyond the checker's 64-bit signed integers.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueEncoding {
    Integers,
    SpaceTerminatedText,
}

impl ValueEncoding {
    fn for_history(entries: &[HistoryEntry]) -> ValueEncoding {
        let too_big = |value: &u64| i64::try_from(*value).is_err();
        let needs_text = |entry: &HistoryEntry| match (&entry.operation, &entry.output) {
            (Operation::Append { .. }, _) => true,
            (Operation::Write { value, .. }, _) if too_big(value) => true,
            (_, Some(OperationOutput::Value(values))) => values.len() > 1 || values.iter().any(too_big),
            _ => false,
        };
        match entries.iter().any(needs_text) {
            true => ValueEncoding::SpaceTerminatedText,
            false => ValueEncoding::Integers,
        }
    }

    /// One number, as an update's input.
    fn element(self, value: u64) -> faultline_check::Value {
        match self {
            ValueEncoding::Integers => faultline_check::Value::Int(as_int(value)),
            ValueEncoding::SpaceTerminatedText => faultline_check::Value::Str(format!("{value} ")),
        }
    }

    /// A read's result.
    fn values(self, values: &[u64]) -> faultline_check::Value {
        match (self, values) {
            (_, []) => faultline_check::Value::Nil,
            (ValueEncoding::Integers, [value]) => faultline_check::Value::Int(as_int(*value)),
            // `for_history` picks text when any read saw more than one value.
            (_, values) => faultline_check::Value::Str(values.iter().map(|value| format!("{value} ")).collect()),
        }
    }
}

fn as_int(value: u64) -> i64 {
    i64::try_from(value).expect("`for_history` picks text for a history with a value beyond i64")
}

/// The history as the checker reads it. Times are ticks; an operation the
/// client gave up on, or that is still pending, never returned (its
/// outcome is unknown). Operation `i` of the result is entry `i`.
pub fn to_check_history(entries: &[HistoryEntry]) -> faultline_check::History {
    use faultline_check::{Function, Value};
    let encoding = ValueEncoding::for_history(entries);
    faultline_check::History::new(
        entries
            .iter()
            .map(|entry| {
                let (function, key, input) = match entry.operation {
                    Operation::Read { key } => (Function::Read, key, Value::Nil),
                    Operation::Write { key, value } => (Function::Write, key, encoding.element(value)),
                    Operation::Append { key, value } => (Function::Append, key, encoding.element(value)),
                };
                let output = match (&entry.output, entry.complete_tick) {
                    (Some(OperationOutput::Value(values)), Some(_)) => Some(encoding.values(values)),
                    (Some(OperationOutput::WriteOk), Some(_)) => Some(Value::Nil),
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

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_check::Value;

    /// A completed operation of client 0 from `invoke` to `complete`.
    fn entry(operation: Operation, output: OperationOutput, invoke_tick: u64, complete_tick: u64) -> HistoryEntry {
        HistoryEntry {
            client: ClientId(0),
            operation,
            invoke_tick,
            complete_tick: Some(complete_tick),
            output: Some(output),
            attempts: vec![NodeId(0)],
            gave_up: false,
        }
    }

    fn write(value: u64) -> (Operation, OperationOutput) {
        (Operation::Write { key: 0, value }, OperationOutput::WriteOk)
    }
    fn append(value: u64) -> (Operation, OperationOutput) {
        (Operation::Append { key: 0, value }, OperationOutput::WriteOk)
    }
    fn read(values: &[u64]) -> (Operation, OperationOutput) {
        (Operation::Read { key: 0 }, OperationOutput::Value(values.to_vec()))
    }

    /// One after another, ten ticks each.
    fn sequential(operations: &[(Operation, OperationOutput)]) -> Vec<HistoryEntry> {
        let at = |i: usize| 10 * i as u64;
        operations.iter().enumerate().map(|(i, (op, out))| entry(op.clone(), out.clone(), at(i), at(i) + 5)).collect()
    }

    fn linearizable(entries: &[HistoryEntry]) -> bool {
        let verdict = faultline_check::with_model!(&check_model(), m => {
            faultline_check::check(m, to_check_history(entries), 100_000, || None)
        });
        match verdict {
            faultline_check::Verdict::Linearizable(_) => true,
            faultline_check::Verdict::NotLinearizable(_) => false,
            faultline_check::Verdict::Unknown(why) => panic!("undecided: {why:?}"),
        }
    }

    #[test]
    fn the_checker_reads_appends_as_the_store_applies_them() {
        // (sequential history, linearizable?)
        let cases: Vec<(Vec<(Operation, OperationOutput)>, bool)> = vec![
            (vec![read(&[])], true),
            (vec![write(3), read(&[3])], true),
            (vec![write(3), append(5), read(&[3, 5])], true),
            (vec![append(5), read(&[5])], true),
            (vec![append(5), append(7), read(&[5, 7])], true),
            (vec![write(3), append(5), write(8), read(&[8])], true),
            (vec![write(3), append(5), write(8), append(9), read(&[8, 9])], true),
            // Not what the store does: a lost append, a doubled one, the
            // wrong order, a write that did not reset, a value from nowhere.
            (vec![write(3), append(5), read(&[3])], false),
            (vec![append(5), read(&[5, 5])], false),
            (vec![append(5), append(7), read(&[7, 5])], false),
            (vec![write(3), append(5), write(8), read(&[3, 5, 8])], false),
            (vec![append(5), read(&[1, 5])], false),
            // 35 is not 3 then 5: values never run together.
            (vec![write(3), append(5), read(&[35])], false),
        ];
        for (operations, expected) in cases {
            let entries = sequential(&operations);
            assert_eq!(linearizable(&entries), expected, "{operations:?}");
        }
    }

    #[test]
    fn values_are_integers_without_appends_and_space_terminated_text_with_them() {
        let registers = to_check_history(&sequential(&[write(3), read(&[3]), read(&[])]));
        let outputs: Vec<_> = registers.operations.iter().map(|op| op.output.clone()).collect();
        assert_eq!(outputs, vec![Some(Value::Nil), Some(Value::Int(3)), Some(Value::Nil)]);
        assert_eq!(registers.operations[0].input, Value::Int(3));

        let lists = to_check_history(&sequential(&[write(3), append(5), read(&[3, 5])]));
        let inputs: Vec<_> = lists.operations.iter().map(|op| op.input.clone()).collect();
        assert_eq!(inputs, vec![Value::Str("3 ".into()), Value::Str("5 ".into()), Value::Nil]);
        assert_eq!(lists.operations[2].output, Some(Value::Str("3 5 ".into())));
    }

    #[test]
    fn a_value_beyond_the_checkers_integers_is_written_as_text() {
        let huge = u64::MAX;
        let entries = sequential(&[write(huge), read(&[huge])]);
        let history = to_check_history(&entries);
        assert_eq!(history.operations[0].input, Value::Str(format!("{huge} ")));
        assert_eq!(history.operations[1].output, Some(Value::Str(format!("{huge} "))));
        assert!(linearizable(&entries));
        assert!(!linearizable(&sequential(&[write(huge), read(&[huge - 1])])));
    }

    #[test]
    fn an_unanswered_append_may_or_may_not_have_happened() {
        let mut entries = sequential(&[append(5), read(&[5, 7])]);
        entries.insert(
            0,
            HistoryEntry {
                client: ClientId(1),
                operation: Operation::Append { key: 0, value: 7 },
                invoke_tick: 0,
                complete_tick: None,
                output: None,
                attempts: vec![NodeId(1), NodeId(2)],
                gave_up: true,
            },
        );
        assert!(linearizable(&entries), "the unanswered append took effect after 5");
        entries[2].output = Some(OperationOutput::Value(vec![5]));
        assert!(linearizable(&entries), "or not yet");
        entries[2].output = Some(OperationOutput::Value(vec![7]));
        assert!(!linearizable(&entries), "but 5 was appended before the read began");
    }
}
