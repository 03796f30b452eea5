//! Histories in a form every format converts to: operations with a client,
//! a function and its arguments, an output (or none when unknown), and the
//! times of invocation and completion (or none when the operation never
//! returned).

use serde::Serialize;
use std::fmt;

/// A value an operation was called with or returned. Histories from other
/// tools carry integers, strings, lists and nil; models interpret them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Value>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// What an operation does. Which functions a model accepts, and what their
/// input and output mean, is the model's business (see `model.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Function {
    Read,
    Write,
    /// Compare-and-set: input `[expected new]`, output whether it applied.
    Cas,
    Get,
    Put,
    Append,
    /// Counter: add the input (negative: subtract); set: add the input as a
    /// member.
    Add,
    /// Set: remove the input as a member (if it is one).
    Remove,
    Enqueue,
    Dequeue,
    Acquire,
    Release,
    /// Bank: input `[from to amount]`, output whether it committed.
    Transfer,
}

impl Function {
    pub const ALL: [Function; 13] = [
        Function::Read,
        Function::Write,
        Function::Cas,
        Function::Get,
        Function::Put,
        Function::Append,
        Function::Add,
        Function::Remove,
        Function::Enqueue,
        Function::Dequeue,
        Function::Acquire,
        Function::Release,
        Function::Transfer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Function::Read => "read",
            Function::Write => "write",
            Function::Cas => "cas",
            Function::Get => "get",
            Function::Put => "put",
            Function::Append => "append",
            Function::Add => "add",
            Function::Remove => "remove",
            Function::Enqueue => "enqueue",
            Function::Dequeue => "dequeue",
            Function::Acquire => "acquire",
            Function::Release => "release",
            Function::Transfer => "transfer",
        }
    }

    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One operation of a history.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Operation {
    /// The client (Jepsen's process) that invoked it.
    pub client: u64,
    pub function: Function,
    /// The key, for keyed models (key-value); `None` otherwise.
    pub key: Option<Value>,
    /// The argument: a write's value, a CAS's `[expected new]`, a
    /// transfer's `[from to amount]`, `Nil` for none.
    pub input: Value,
    /// What it returned; `None` when unknown (a timed-out read, a read of
    /// nil in Knossos histories, an operation that never returned). A
    /// write's output is `Nil`.
    pub output: Option<Value>,
    /// When it was invoked, in any unit that orders the history (ticks,
    /// or the event's position in a log).
    pub invoke: u64,
    /// When it returned; `None` if it never did: it may then take effect at
    /// any point after its invocation, or never.
    pub complete: Option<u64>,
}

impl Operation {
    /// Whether the operation must have taken effect (it returned).
    pub fn is_complete(&self) -> bool {
        self.complete.is_some()
    }

    /// Whether `self` returned before `other` was invoked (so every
    /// linearization must order `self` first). Equal times are concurrent.
    pub fn precedes(&self, other: &Operation) -> bool {
        matches!(self.complete, Some(done) if done < other.invoke)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {} {}", self.client, self.function)?;
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        if self.input != Value::Nil {
            write!(f, " {}", self.input)?;
        }
        match (&self.output, self.complete) {
            (Some(Value::Nil), Some(_))
                if !matches!(self.function, Function::Read | Function::Get | Function::Dequeue) =>
            {
                write!(f, " → ok")
            }
            (Some(output), _) => write!(f, " → {output}"),
            (None, Some(_)) => write!(f, " → (unknown result)"),
            (None, None) => write!(f, " → (never returned)"),
        }
    }
}

/// A history: the operations, in any order (times order them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct History {
    pub operations: Vec<Operation>,
}

impl History {
    /// Put operation indices in invocation order (ties by index). Not
    /// generic, so the page carries one copy of the sort, not one per model.
    pub fn sort_by_invoke(&self, indices: &mut [usize]) {
        indices.sort_unstable_by_key(|&i| (self.operations[i].invoke, i));
    }

    pub fn new(operations: Vec<Operation>) -> History {
        History { operations }
    }
}
