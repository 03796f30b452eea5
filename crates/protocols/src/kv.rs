//! The key-value store's client side, which Raft and primary–backup share:
//! get (`read`), put (`write`) and `append` on integer keys, where a key
//! holds a list of numbers (a put leaves one, an append adds one, a read
//! returns them all). The workload draws these from the seed, a "not
//! leader" reply redirects a client and a refusal sends it elsewhere, and
//! the history is checked for linearizability against the checker's `kv`
//! model.

use faultline_check::{Function, ModelSpec, Value};
use faultline_scenario::{ClientOperation, ClientOutput, KvOperation, KvOutput, WorkloadConfig};
use faultline_sim::{HistoryCheck, HistoryEntry, Kinds, OperationLook, Retry, Service, SimRng};

faultline_sim::kinds! {
    /// What a key-value client does.
    pub enum KvOperationKind {
        Read => ("read", "r", "#7d9be0", "get: returns every value of the key"),
        Write => ("write", "w", "#a47cc4", "put: the key holds just this value"),
        Append => ("append", "a", "#5fa57c", "adds a value after the key's values"),
    }
}

/// The store's parameters: keys, and the shares of reads and appends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValueService {
    keys: u32,
    read_per_mille: u32,
    append_per_mille: u32,
    /// Whether the store promises only that replicas converge (a quorum
    /// store), not linearizability.
    convergent: bool,
}

impl KeyValueService {
    /// A store that promises linearizability (Raft; primary–backup, which
    /// breaks it).
    pub fn new(workload: &WorkloadConfig) -> KeyValueService {
        KeyValueService {
            keys: workload.keys,
            read_per_mille: workload.read_per_mille,
            append_per_mille: workload.append_per_mille,
            convergent: false,
        }
    }

    /// A store that promises only convergence (a Dynamo-style quorum
    /// store): its history is checked to show what it satisfied, and one
    /// that is not linearizable is no failure.
    pub fn convergent(workload: &WorkloadConfig) -> KeyValueService {
        KeyValueService { convergent: true, ..KeyValueService::new(workload) }
    }
}

/// The next value a write or an append writes: unique values make every
/// read attributable to the updates it saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextValue(u64);

impl Service for KeyValueService {
    type Operation = KvOperation;
    type Output = KvOutput;
    type OperationKind = KvOperationKind;
    type DrawState = NextValue;

    fn initial_draw_state(&self) -> NextValue {
        NextValue(1)
    }

    fn draw_operation(&self, next: &mut NextValue, rng: &mut SimRng) -> KvOperation {
        // One draw picks the kind: below read_per_mille a read, then
        // appends, then writes. With no reads and no appends nothing is
        // drawn (as `chance_per_mille` does), so scenarios without appends
        // draw exactly what they drew before appends existed.
        let kind_roll_per_mille = match self.read_per_mille + self.append_per_mille {
            0 => u64::MAX,
            _ => rng.below(1000),
        };
        let key = rng.below(self.keys as u64) as u32;
        if kind_roll_per_mille < self.read_per_mille as u64 {
            return KvOperation::Read { key };
        }
        let value = next.0;
        next.0 += 1;
        match kind_roll_per_mille < (self.read_per_mille + self.append_per_mille) as u64 {
            true => KvOperation::Append { key, value },
            false => KvOperation::Write { key, value },
        }
    }

    fn operation_of(operation: &ClientOperation) -> Option<KvOperation> {
        match operation {
            ClientOperation::KeyValue(operation) => Some(operation.clone()),
            _ => None,
        }
    }

    fn retry(output: &KvOutput) -> Option<Retry> {
        match output {
            KvOutput::NotLeader { leader } => Some(Retry::Redirected { to: *leader }),
            KvOutput::Refused => Some(Retry::Refused),
            KvOutput::Value(_) | KvOutput::WriteOk => None,
        }
    }

    fn operation_kind(operation: &KvOperation) -> KvOperationKind {
        match operation {
            KvOperation::Read { .. } => KvOperationKind::Read,
            KvOperation::Write { .. } => KvOperationKind::Write,
            KvOperation::Append { .. } => KvOperationKind::Append,
        }
    }

    fn look(entry: &HistoryEntry) -> OperationLook {
        let (operation, output) = kv_parts(entry);
        let label = match (operation, output) {
            (KvOperation::Read { .. }, Some(output)) => format!("r→{output}"),
            (KvOperation::Read { .. }, None) => "r".to_string(),
            (KvOperation::Write { value, .. }, _) => format!("w {value}"),
            (KvOperation::Append { value, .. }, _) => format!("a {value}"),
        };
        OperationLook { kind: Self::operation_kind(operation).style(), label }
    }

    fn history_check(&self) -> HistoryCheck {
        match self.convergent {
            true => HistoryCheck::Convergent(check_model()),
            false => HistoryCheck::Linearizable(check_model()),
        }
    }

    fn to_check_history(&self, entries: &[HistoryEntry]) -> faultline_check::History {
        to_check_history(entries)
    }
}

/// Every key's value before anything is written to it: none.
pub fn initial_value() -> Value {
    Value::Nil
}

/// The model a key-value history is checked against: a key-value store,
/// every key starting with [`initial_value`].
pub fn check_model() -> ModelSpec {
    ModelSpec::KeyValue(faultline_check::model::KeyValue::new(initial_value()))
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
    fn for_history(entries: &[(&KvOperation, Option<&KvOutput>)]) -> ValueEncoding {
        let too_big = |value: &u64| i64::try_from(*value).is_err();
        let needs_text = |(operation, output): &(&KvOperation, Option<&KvOutput>)| match (operation, output) {
            (KvOperation::Append { .. }, _) => true,
            (KvOperation::Write { value, .. }, _) if too_big(value) => true,
            (_, Some(KvOutput::Value(values))) => values.len() > 1 || values.iter().any(too_big),
            _ => false,
        };
        match entries.iter().any(needs_text) {
            true => ValueEncoding::SpaceTerminatedText,
            false => ValueEncoding::Integers,
        }
    }

    /// One number, as an update's input.
    fn element(self, value: u64) -> Value {
        match self {
            ValueEncoding::Integers => Value::Int(as_int(value)),
            ValueEncoding::SpaceTerminatedText => Value::Str(format!("{value} ")),
        }
    }

    /// A read's result.
    fn values(self, values: &[u64]) -> Value {
        match (self, values) {
            (_, []) => Value::Nil,
            (ValueEncoding::Integers, [value]) => Value::Int(as_int(*value)),
            // `for_history` picks text when any read saw more than one value.
            (_, values) => Value::Str(values.iter().map(|value| format!("{value} ")).collect()),
        }
    }
}

fn as_int(value: u64) -> i64 {
    i64::try_from(value).expect("`for_history` picks text for a history with a value beyond i64")
}

/// A key-value entry's operation and output. The world records only what
/// the service's clients sent and were answered, so a key-value service's
/// history holds nothing else.
fn kv_parts(entry: &HistoryEntry) -> (&KvOperation, Option<&KvOutput>) {
    let ClientOperation::KeyValue(operation) = &entry.operation else {
        unreachable!("a key-value service's history holds key-value operations")
    };
    let output = entry.output.as_ref().map(|output| match output {
        ClientOutput::KeyValue(output) => output,
        _ => unreachable!("a key-value service's history holds key-value outputs"),
    });
    (operation, output)
}

/// The history as the checker reads it. Times are ticks; an operation the
/// client gave up on, or that is still pending, never returned (its
/// outcome is unknown). Operation `i` of the result is entry `i`.
pub fn to_check_history(entries: &[HistoryEntry]) -> faultline_check::History {
    let parts: Vec<_> = entries.iter().map(kv_parts).collect();
    let encoding = ValueEncoding::for_history(&parts);
    let operations = entries.iter().zip(&parts).map(|(entry, &(operation, output))| {
        let (function, key, input) = match *operation {
            KvOperation::Read { key } => (Function::Read, key, Value::Nil),
            KvOperation::Write { key, value } => (Function::Write, key, encoding.element(value)),
            KvOperation::Append { key, value } => (Function::Append, key, encoding.element(value)),
        };
        let output = match (output, entry.complete_tick) {
            (Some(KvOutput::Value(values)), Some(_)) => Some(encoding.values(values)),
            (Some(KvOutput::WriteOk), Some(_)) => Some(Value::Nil),
            // A refusal is retried, never recorded as a completion.
            _ => None,
        };
        entry.to_check_operation(function, Some(Value::Int(key as i64)), input, output)
    });
    faultline_check::History::new(operations.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_scenario::{ClientId, NodeId};

    /// A completed operation of client 0 from `invoke` to `complete`.
    fn entry(operation: KvOperation, output: KvOutput, invoke_tick: u64, complete_tick: u64) -> HistoryEntry {
        HistoryEntry {
            client: ClientId(0),
            operation: operation.into(),
            invoke_tick,
            complete_tick: Some(complete_tick),
            output: Some(output.into()),
            attempts: vec![NodeId(0)],
            gave_up: false,
        }
    }

    fn write(value: u64) -> (KvOperation, KvOutput) {
        (KvOperation::Write { key: 0, value }, KvOutput::WriteOk)
    }
    fn append(value: u64) -> (KvOperation, KvOutput) {
        (KvOperation::Append { key: 0, value }, KvOutput::WriteOk)
    }
    fn read(values: &[u64]) -> (KvOperation, KvOutput) {
        (KvOperation::Read { key: 0 }, KvOutput::Value(values.to_vec()))
    }

    /// One after another, ten ticks each.
    fn sequential(operations: &[(KvOperation, KvOutput)]) -> Vec<HistoryEntry> {
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
        let cases: Vec<(Vec<(KvOperation, KvOutput)>, bool)> = vec![
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
                operation: KvOperation::Append { key: 0, value: 7 }.into(),
                invoke_tick: 0,
                complete_tick: None,
                output: None,
                attempts: vec![NodeId(1), NodeId(2)],
                gave_up: true,
            },
        );
        assert!(linearizable(&entries), "the unanswered append took effect after 5");
        entries[2].output = Some(KvOutput::Value(vec![5]).into());
        assert!(linearizable(&entries), "or not yet");
        entries[2].output = Some(KvOutput::Value(vec![7]).into());
        assert!(!linearizable(&entries), "but 5 was appended before the read began");
    }
}
