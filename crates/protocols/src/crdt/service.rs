//! A CRDT's client side: clients update and read the one object at any
//! replica, which answers at once. The history is checked against the
//! checker's model of the type's shape (a counter, a set with add and
//! remove, a register), not because it should be linearizable (under a
//! partition it is not, and need not be) but to say what it does satisfy.

use faultline_check::{Function, ModelSpec, Value};
use faultline_scenario::{
    ClientOperation, ClientOutput, CrdtOperation, CrdtOutput, CrdtShape, CrdtSpec, CrdtType, WorkloadConfig,
};
use faultline_sim::{HistoryCheck, HistoryEntry, Kinds, OperationLook, Retry, Service, SimRng};

faultline_sim::kinds! {
    /// What a CRDT's client does.
    pub enum CrdtOperationKind {
        Increment => ("increment", "+", "#5fa57c", "a counter goes up"),
        Decrement => ("decrement", "−", "#c0792a", "a PN-Counter goes down"),
        Add => ("add", "a", "#5fa57c", "a set gains an element"),
        Remove => ("remove", "x", "#c0504d", "a set loses an element, as far as this replica has seen it added"),
        Write => ("write", "w", "#a47cc4", "a register is written"),
        Read => ("read", "r", "#7d9be0", "the replica's value, answered at once"),
    }
}

/// The type and the workload's mix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrdtService {
    data_type: CrdtType,
    elements: u64,
    amount_max: u64,
    remove_per_mille: u32,
    read_per_mille: u32,
}

impl CrdtService {
    pub fn new(spec: &CrdtSpec, workload: &WorkloadConfig) -> CrdtService {
        CrdtService {
            data_type: spec.data_type,
            elements: spec.elements,
            amount_max: spec.amount_max,
            remove_per_mille: spec.remove_per_mille,
            read_per_mille: workload.read_per_mille,
        }
    }
}

impl Service for CrdtService {
    type Operation = CrdtOperation;
    type Output = CrdtOutput;
    type OperationKind = CrdtOperationKind;
    /// The next value a register's write writes: every write its own, so
    /// a read tells which write it saw.
    type DrawState = u64;

    fn initial_draw_state(&self) -> u64 {
        1
    }

    /// A read, or an update the type takes: counters move by 1 to
    /// `amount_max`, sets add or remove one of `1..=elements`, registers
    /// are written the next unique value.
    fn draw_operation(&self, next_value: &mut u64, rng: &mut SimRng) -> CrdtOperation {
        if rng.chance_per_mille(self.read_per_mille) {
            return CrdtOperation::Read;
        }
        let removes = self.data_type.takes_removes() && rng.chance_per_mille(self.remove_per_mille);
        match self.data_type.shape() {
            CrdtShape::Counter => {
                let by = rng.between(1, self.amount_max);
                match removes {
                    true => CrdtOperation::Decrement { by },
                    false => CrdtOperation::Increment { by },
                }
            }
            CrdtShape::Set => {
                let element = rng.between(1, self.elements);
                match removes {
                    true => CrdtOperation::Remove { element },
                    false => CrdtOperation::Add { element },
                }
            }
            CrdtShape::Register => {
                let value = *next_value;
                *next_value += 1;
                CrdtOperation::Write { value }
            }
        }
    }

    fn operation_of(operation: &ClientOperation) -> Option<CrdtOperation> {
        match operation {
            ClientOperation::Crdt(operation) => Some(operation.clone()),
            _ => None,
        }
    }

    /// A replica answers everything at once.
    fn retry(_output: &CrdtOutput) -> Option<Retry> {
        None
    }

    fn operation_kind(operation: &CrdtOperation) -> CrdtOperationKind {
        match operation {
            CrdtOperation::Increment { .. } => CrdtOperationKind::Increment,
            CrdtOperation::Decrement { .. } => CrdtOperationKind::Decrement,
            CrdtOperation::Add { .. } => CrdtOperationKind::Add,
            CrdtOperation::Remove { .. } => CrdtOperationKind::Remove,
            CrdtOperation::Write { .. } => CrdtOperationKind::Write,
            CrdtOperation::Read => CrdtOperationKind::Read,
        }
    }

    fn look(entry: &HistoryEntry) -> OperationLook {
        let (operation, output) = crdt_parts(entry);
        let label = match (operation, output) {
            (CrdtOperation::Read, Some(output)) => format!("r→{output}"),
            (CrdtOperation::Read, None) => "r".to_string(),
            (CrdtOperation::Increment { by }, _) => format!("+{by}"),
            (CrdtOperation::Decrement { by }, _) => format!("−{by}"),
            (CrdtOperation::Add { element }, _) => format!("add {element}"),
            (CrdtOperation::Remove { element }, _) => format!("rm {element}"),
            (CrdtOperation::Write { value }, _) => format!("w {value}"),
        };
        OperationLook { kind: Self::operation_kind(operation).style(), label }
    }

    fn history_check(&self) -> HistoryCheck {
        let model = match self.data_type.shape() {
            CrdtShape::Counter => ModelSpec::Counter,
            CrdtShape::Set => ModelSpec::Set,
            CrdtShape::Register => ModelSpec::Register(faultline_check::model::Register { initial: Value::Nil }),
        };
        HistoryCheck::Convergent(model)
    }

    /// Counters as `add n` (negative for a decrement) and `read` returning
    /// the count; sets as `add e`, `remove e` and `read` returning the
    /// elements; registers as `write v` and `read` returning the value, nil
    /// before any write, or the list of a multi-value register's siblings.
    fn to_check_history(&self, entries: &[HistoryEntry]) -> faultline_check::History {
        let operations = entries.iter().map(|entry| {
            let (operation, output) = crdt_parts(entry);
            let (function, input) = match *operation {
                CrdtOperation::Increment { by } => (Function::Add, Value::Int(as_int(by))),
                CrdtOperation::Decrement { by } => (Function::Add, Value::Int(-as_int(by))),
                CrdtOperation::Add { element } => (Function::Add, Value::Int(as_int(element))),
                CrdtOperation::Remove { element } => (Function::Remove, Value::Int(as_int(element))),
                CrdtOperation::Write { value } => (Function::Write, Value::Int(as_int(value))),
                CrdtOperation::Read => (Function::Read, Value::Nil),
            };
            let output = match (output, entry.complete_tick) {
                (Some(output), Some(_)) => Some(output_value(output)),
                _ => None,
            };
            entry.to_check_operation(function, None, input, output)
        });
        faultline_check::History::new(operations.collect())
    }
}

/// What a reply says, as the checker's models read it.
fn output_value(output: &CrdtOutput) -> Value {
    let ints = |values: &[u64]| values.iter().map(|&v| Value::Int(as_int(v))).collect();
    match output {
        CrdtOutput::Done => Value::Nil,
        CrdtOutput::Count(count) => Value::Int(*count),
        CrdtOutput::Members(members) => Value::List(ints(members)),
        CrdtOutput::Register(values) => match values.as_slice() {
            [] => Value::Nil,
            [one] => Value::Int(as_int(*one)),
            siblings => Value::List(ints(siblings)),
        },
    }
}

/// Values are at most `CRDT_VALUE_MAX` (validation), or drawn far below it.
fn as_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A CRDT entry's operation and output: the world records only what the
/// service's clients sent and were answered.
fn crdt_parts(entry: &HistoryEntry) -> (&CrdtOperation, Option<&CrdtOutput>) {
    let ClientOperation::Crdt(operation) = &entry.operation else {
        unreachable!("a CRDT's history holds CRDT operations")
    };
    let output = entry.output.as_ref().map(|output| match output {
        ClientOutput::Crdt(output) => output,
        _ => unreachable!("a CRDT's history holds CRDT outputs"),
    });
    (operation, output)
}
