//! Sequential specifications: what each object does when its operations
//! happen one at a time. A model turns a state and an operation into the
//! next state, or says what the operation would have returned instead.

use crate::history::{Function, Operation, Value};
use crate::text::Text;
use faultline_collections::VecSet;
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt::{self, Debug};
use std::hash::Hash;
use std::rc::Rc;

/// Why an operation cannot take effect in a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Refusal {
    /// It would have returned this, not what it did.
    Output { expected: Value },
    /// It cannot happen at all in this state (acquiring a held lock).
    Impossible { why: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Output { expected } => write!(f, "it would have returned {expected}"),
            Refusal::Impossible { why } => f.write_str(why),
        }
    }
}

/// How the session guarantees (read-your-writes, monotonic reads) read an
/// object's values: each kind of object lets a read's value tell, in its own
/// way, which updates the read certainly reflects or certainly misses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionSemantics {
    /// Registers (one, or one per key): a read returns one write's value
    /// whole, and a value written once names its write.
    Register,
    /// A counter: a read returns the sum of the adds it reflects. Decided
    /// only for histories without negative adds (see
    /// [`WeakerModels::decide`](crate::WeakerModels::decide)).
    Counter,
    /// A set with add and remove: a read returns every member.
    Set,
    /// Values that tell no such thing (a queue, a lock, a bank's balances,
    /// which many transfers change at once): the guarantees are not decided.
    None,
}

/// A sequential specification.
pub trait Model {
    type State: Clone + Eq + Hash + Debug;

    /// The name used on the command line and in the UI.
    fn name(&self) -> &'static str;

    fn init(&self) -> Self::State;

    /// Whether this model knows the operation (its function and the shape
    /// of its input and output). Formats and the CLI reject the others, so
    /// `step` may assume accepted operations.
    fn accepts(&self, operation: &Operation) -> Result<(), String>;

    /// The operation takes effect in `state`: the next state, or why its
    /// recorded output is impossible there. An unknown output (`None`)
    /// matches anything.
    fn step(&self, state: &Self::State, operation: &Operation) -> Result<Self::State, Refusal>;

    /// Whether the operation leaves every state as it is (a read). The
    /// search takes such an operation into effect as soon as its output
    /// matches, without trying alternatives: that loses no linearization.
    fn is_read_only(&self, _operation: &Operation) -> bool {
        false
    }

    /// What a read's value tells about the updates it reflects, which is
    /// what the session guarantees of [`WeakerModels`](crate::WeakerModels)
    /// are decided from. The default, [`SessionSemantics::None`], leaves
    /// them undecided.
    fn session_semantics(&self) -> SessionSemantics {
        SessionSemantics::None
    }

    /// Whether the operation only moves the state forward in the order
    /// [`may_reach`](Model::may_reach) knows (an append extends a key's
    /// text; a put does not).
    fn extends(&self, _operation: &Operation) -> bool {
        true
    }

    /// Whether, from `state`, operations that only extend it can lead to a
    /// state where the read-only `operation` matches. `false` lets the
    /// search abandon a configuration early: a read that returned must take
    /// effect some time, and if neither the state nor any pending
    /// non-extending operation can lead to its output, nothing can. The
    /// default, `true`, never prunes.
    fn may_reach(&self, _state: &Self::State, _operation: &Operation) -> bool {
        true
    }

    /// Like [`may_reach`](Model::may_reach), after the non-extending
    /// `reset` takes effect in `state`. Override when that can be told
    /// without building the state.
    fn may_reach_after(&self, state: &Self::State, reset: &Operation, operation: &Operation) -> bool {
        self.step(state, reset).is_ok_and(|after| self.may_reach(&after, operation))
    }

    /// Whether the output of the read-only `operation` could come from the
    /// initial state and some of `others` (a read of a value some write in
    /// `others` wrote). A necessary condition only, used when shrinking a
    /// failing history, so that it keeps the writes its reads saw instead of
    /// failing for a different reason, a value from nowhere. The default,
    /// `true`, never constrains.
    fn justified(&self, _operation: &Operation, _others: &[&Operation]) -> bool {
        true
    }

    /// The independent part of the object the operation touches, for
    /// P-compositionality: a history is linearizable iff every partition's
    /// sub-history is. `None`: the object is one partition.
    fn partition_key(&self, _operation: &Operation) -> Option<Value> {
        None
    }

    /// The state, for explanations ("the register held 3").
    fn describe(&self, state: &Self::State) -> String;
}

fn expect_output(operation: &Operation, expected: &Value) -> Result<(), Refusal> {
    match &operation.output {
        Some(actual) if actual != expected => Err(Refusal::Output { expected: expected.clone() }),
        _ => Ok(()),
    }
}

fn unsupported(model: &str, operation: &Operation) -> String {
    format!("the {model} model has no `{}` operation", operation.function)
}

fn require_int(what: &str, value: &Value) -> Result<(), String> {
    match value {
        Value::Int(_) => Ok(()),
        other => Err(format!("{what} must be an integer, not {other}")),
    }
}

// ----- register and compare-and-set register ---------------------------------

/// A read/write register. `initial` is its value before any write (`Nil`
/// for "no value").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    pub initial: Value,
}

impl Model for Register {
    type State = Value;

    fn name(&self) -> &'static str {
        "register"
    }
    fn session_semantics(&self) -> SessionSemantics {
        SessionSemantics::Register
    }
    fn init(&self) -> Value {
        self.initial.clone()
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match operation.function {
            Function::Read | Function::Write => Ok(()),
            _ => Err(unsupported(self.name(), operation)),
        }
    }
    fn step(&self, state: &Value, operation: &Operation) -> Result<Value, Refusal> {
        match operation.function {
            Function::Read => expect_output(operation, state).map(|()| state.clone()),
            Function::Write => Ok(operation.input.clone()),
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn is_read_only(&self, operation: &Operation) -> bool {
        operation.function == Function::Read
    }
    fn justified(&self, operation: &Operation, others: &[&Operation]) -> bool {
        register_read_justified(&self.initial, operation, others)
    }
    fn describe(&self, state: &Value) -> String {
        format!("the register held {state}")
    }
}

/// A register read is justified by the initial value or any value written
/// (by a write, or a cas as its new value).
fn register_read_justified(initial: &Value, operation: &Operation, others: &[&Operation]) -> bool {
    let Some(output) = &operation.output else { return true };
    if operation.function != Function::Read || output == initial {
        return true;
    }
    others.iter().any(|other| match (&other.function, &other.input) {
        (Function::Write, written) => written == output,
        (Function::Cas, Value::List(pair)) => pair.get(1) == Some(output),
        _ => false,
    })
}

/// A register with compare-and-set: `cas [expected new]` sets `new` if the
/// register holds `expected`, and returns whether it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CasRegister {
    pub initial: Value,
}

impl Model for CasRegister {
    type State = Value;

    fn name(&self) -> &'static str {
        "cas-register"
    }
    fn session_semantics(&self) -> SessionSemantics {
        SessionSemantics::Register
    }
    fn init(&self) -> Value {
        self.initial.clone()
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match (&operation.function, &operation.input) {
            (Function::Read | Function::Write, _) => Ok(()),
            (Function::Cas, Value::List(pair)) if pair.len() == 2 => match &operation.output {
                None | Some(Value::Bool(_)) => Ok(()),
                Some(other) => Err(format!("a cas returns true or false, not {other}")),
            },
            (Function::Cas, other) => Err(format!("a cas takes [expected new], not {other}")),
            _ => Err(unsupported(self.name(), operation)),
        }
    }
    fn step(&self, state: &Value, operation: &Operation) -> Result<Value, Refusal> {
        match operation.function {
            Function::Read => expect_output(operation, state).map(|()| state.clone()),
            Function::Write => Ok(operation.input.clone()),
            Function::Cas => {
                let Value::List(pair) = &operation.input else { unreachable!("accepts() checks the pair") };
                let applies = *state == pair[0];
                expect_output(operation, &Value::Bool(applies))?;
                Ok(if applies { pair[1].clone() } else { state.clone() })
            }
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn is_read_only(&self, operation: &Operation) -> bool {
        // A cas known to have failed changes nothing either.
        operation.function == Function::Read
            || (operation.function == Function::Cas && operation.output == Some(Value::Bool(false)))
    }
    fn justified(&self, operation: &Operation, others: &[&Operation]) -> bool {
        register_read_justified(&self.initial, operation, others)
    }
    fn describe(&self, state: &Value) -> String {
        format!("the register held {state}")
    }
}

// ----- key-value store -------------------------------------------------------

/// A key-value store: `get` returns a key's value, `put` sets it, `append`
/// concatenates text to it. Keys are independent, so histories are checked
/// key by key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// Every key's value before any write (`""` in Porcupine's histories,
    /// `Nil` in Faultline's).
    initial: Value,
    initial_cell: Cell,
}

/// A key's value in the state. Text is kept as [`Text`] (cheap to clone and
/// hash as it grows); `Plain` never holds a `Value::Str`, so equal values
/// are always equal cells.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cell {
    Plain(Value),
    Text(Text),
}

impl Cell {
    fn of(value: &Value) -> Cell {
        match value {
            Value::Str(text) => Cell::Text(Text::new(text)),
            other => Cell::Plain(other.clone()),
        }
    }

    fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (Cell::Text(text), Value::Str(s)) => text.as_str() == s,
            (Cell::Plain(plain), other) => plain == other,
            _ => false,
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Cell::Text(text) => Value::Str(text.as_str().to_string()),
            Cell::Plain(plain) => plain.clone(),
        }
    }

    fn append(&self, suffix: &Value) -> Cell {
        let suffix_text = match suffix {
            Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
            other => std::borrow::Cow::Owned(other.to_string()),
        };
        match self {
            Cell::Text(text) => Cell::Text(text.append(&suffix_text)),
            Cell::Plain(Value::Nil) => Cell::Text(Text::new(&suffix_text)),
            Cell::Plain(other) => Cell::Text(Text::new(&other.to_string()).append(&suffix_text)),
        }
    }
}

/// The keys that were written and their values; the rest hold the initial
/// value. Checked key by key, a state holds one key, so that case is
/// inline: cloning a state never allocates (keys and texts are shared).
/// Canonical: no state with one key is ever `Many`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyValueState {
    Empty,
    One(Rc<Value>, Cell),
    /// Two or more keys, sorted.
    Many(Rc<Vec<(Rc<Value>, Cell)>>),
}

impl KeyValueState {
    fn entries(&self) -> Vec<(Rc<Value>, Cell)> {
        match self {
            KeyValueState::Empty => Vec::new(),
            KeyValueState::One(key, cell) => vec![(key.clone(), cell.clone())],
            KeyValueState::Many(entries) => entries.as_ref().clone(),
        }
    }
}

impl KeyValue {
    pub fn new(initial: Value) -> KeyValue {
        KeyValue { initial_cell: Cell::of(&initial), initial }
    }

    pub fn initial(&self) -> &Value {
        &self.initial
    }

    fn cell_of<'s>(&'s self, state: &'s KeyValueState, key: &Value) -> &'s Cell {
        match state {
            KeyValueState::One(k, cell) if **k == *key => cell,
            KeyValueState::Many(entries) => match entries.binary_search_by(|(k, _)| k.as_ref().cmp(key)) {
                Ok(i) => &entries[i].1,
                Err(_) => &self.initial_cell,
            },
            _ => &self.initial_cell,
        }
    }

    fn with(state: &KeyValueState, key: &Value, cell: Cell) -> KeyValueState {
        match state {
            KeyValueState::Empty => KeyValueState::One(Rc::new(key.clone()), cell),
            // The common case when checking key by key: reuse the shared key.
            KeyValueState::One(k, _) if **k == *key => KeyValueState::One(k.clone(), cell),
            _ => {
                let mut entries = state.entries();
                match entries.binary_search_by(|(k, _)| k.as_ref().cmp(key)) {
                    Ok(i) => entries[i].1 = cell,
                    Err(i) => entries.insert(i, (Rc::new(key.clone()), cell)),
                }
                KeyValueState::Many(Rc::new(entries))
            }
        }
    }
}

impl Model for KeyValue {
    type State = KeyValueState;

    fn name(&self) -> &'static str {
        "kv"
    }
    fn session_semantics(&self) -> SessionSemantics {
        SessionSemantics::Register
    }
    fn init(&self) -> Self::State {
        KeyValueState::Empty
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match operation.function {
            Function::Get | Function::Put | Function::Append | Function::Read | Function::Write
                if operation.key.is_some() =>
            {
                Ok(())
            }
            Function::Get | Function::Put | Function::Append | Function::Read | Function::Write => {
                Err(format!("a key-value `{}` needs a key", operation.function))
            }
            _ => Err(unsupported(self.name(), operation)),
        }
    }
    fn step(&self, state: &Self::State, operation: &Operation) -> Result<Self::State, Refusal> {
        let key = operation.key.as_ref().expect("accepts() requires a key");
        match operation.function {
            Function::Get | Function::Read => {
                let cell = self.cell_of(state, key);
                match &operation.output {
                    Some(output) if !cell.matches(output) => Err(Refusal::Output { expected: cell.to_value() }),
                    _ => Ok(state.clone()),
                }
            }
            Function::Put | Function::Write => Ok(Self::with(state, key, Cell::of(&operation.input))),
            Function::Append => Ok(Self::with(state, key, self.cell_of(state, key).append(&operation.input))),
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn is_read_only(&self, operation: &Operation) -> bool {
        matches!(operation.function, Function::Get | Function::Read)
    }
    fn extends(&self, operation: &Operation) -> bool {
        !matches!(operation.function, Function::Put | Function::Write)
    }
    /// Appends only add text at the end: a read can still match only if
    /// the key's text so far begins its output.
    fn may_reach(&self, state: &Self::State, operation: &Operation) -> bool {
        let (Some(key), Some(Value::Str(output))) = (&operation.key, &operation.output) else {
            return true;
        };
        match self.cell_of(state, key) {
            Cell::Text(text) => output.starts_with(text.as_str()),
            Cell::Plain(Value::Nil) => true, // appending to nothing starts a text
            Cell::Plain(_) => true,          // not a text: no prefix order to rely on
        }
    }
    /// A put replaces the key's value, so only its value matters.
    fn may_reach_after(&self, _state: &Self::State, reset: &Operation, operation: &Operation) -> bool {
        if reset.key != operation.key {
            return true;
        }
        match (&reset.input, &operation.output) {
            (Value::Str(start), Some(Value::Str(output))) => output.starts_with(start.as_str()),
            _ => true,
        }
    }
    /// A get's text must be a concatenation of a starting value (the
    /// initial one or a put's) and appended pieces, all from `others` on the
    /// same key; a non-text value must be the initial one or a put's.
    fn justified(&self, operation: &Operation, others: &[&Operation]) -> bool {
        let Some(output) = &operation.output else { return true };
        if !self.is_read_only(operation) || *output == self.initial {
            return true;
        }
        let same_key = || others.iter().filter(|o| o.key == operation.key);
        let starts: Vec<&Value> =
            std::iter::once(&self.initial).chain(same_key().filter(|o| !self.extends(o)).map(|o| &o.input)).collect();
        let Value::Str(text) = output else { return starts.contains(&output) };
        let pieces: Vec<String> = same_key()
            .filter(|o| o.function == Function::Append)
            .map(|o| match &o.input {
                Value::Str(s) => s.clone(),
                other => other.to_string(),
            })
            .filter(|piece| !piece.is_empty())
            .collect();
        // reachable[i]: text[..i] is a start followed by pieces. A start is
        // rendered as appending renders it (see `Cell::append`).
        let mut reachable = vec![false; text.len() + 1];
        for start in starts {
            let rendered = match start {
                Value::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
                Value::Nil => std::borrow::Cow::Borrowed(""),
                other => std::borrow::Cow::Owned(other.to_string()),
            };
            if text.starts_with(rendered.as_ref()) {
                reachable[rendered.len()] = true;
            }
        }
        for i in 0..text.len() {
            if reachable[i] {
                for piece in &pieces {
                    if text[i..].starts_with(piece.as_str()) {
                        reachable[i + piece.len()] = true;
                    }
                }
            }
        }
        reachable[text.len()]
    }
    fn partition_key(&self, operation: &Operation) -> Option<Value> {
        operation.key.clone()
    }
    fn describe(&self, state: &Self::State) -> String {
        let entries = state.entries();
        if entries.is_empty() {
            return format!("every key held {}", self.initial);
        }
        let entries: Vec<String> = entries.iter().map(|(k, v)| format!("key {k} held {}", v.to_value())).collect();
        entries.join(", ")
    }
}

// ----- counter, set, queue, lock -----------------------------------------------

/// A counter: `add n` adds `n`, which may be negative (a decrement, as in a
/// PN-counter), and `read` returns the total. Starts at 0; wraps around at
/// 64 bits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter;

impl Model for Counter {
    type State = i64;

    fn name(&self) -> &'static str {
        "counter"
    }
    fn session_semantics(&self) -> SessionSemantics {
        SessionSemantics::Counter
    }
    fn init(&self) -> i64 {
        0
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match operation.function {
            Function::Add => require_int("an add's amount", &operation.input),
            Function::Read => match &operation.output {
                None | Some(Value::Int(_)) => Ok(()),
                Some(other) => Err(format!("a counter read returns an integer, not {other}")),
            },
            _ => Err(unsupported(self.name(), operation)),
        }
    }
    fn step(&self, state: &i64, operation: &Operation) -> Result<i64, Refusal> {
        match (&operation.function, &operation.input) {
            (Function::Add, Value::Int(amount)) => Ok(state.wrapping_add(*amount)),
            (Function::Read, _) => expect_output(operation, &Value::Int(*state)).map(|()| *state),
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn is_read_only(&self, operation: &Operation) -> bool {
        operation.function == Function::Read
    }
    fn describe(&self, state: &i64) -> String {
        format!("the counter was {state}")
    }
}

/// A set: add and remove members, read returns every member. `add v` adds
/// `v`, `remove v` removes it (removing a value that is not a member is
/// allowed and changes nothing), and `read` returns the members as a list,
/// in any order. Starts empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Set;

impl Model for Set {
    /// A sorted `Vec`: cloned at every step anyway.
    type State = VecSet<Value>;

    fn name(&self) -> &'static str {
        "set"
    }
    fn session_semantics(&self) -> SessionSemantics {
        SessionSemantics::Set
    }
    fn init(&self) -> Self::State {
        VecSet::new()
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match (&operation.function, &operation.output) {
            (Function::Add | Function::Remove, _) => Ok(()),
            (Function::Read, None | Some(Value::List(_))) => Ok(()),
            (Function::Read, Some(other)) => Err(format!("a set read returns a list of the members, not {other}")),
            _ => Err(format!("{} (a set has add, remove and read)", unsupported(self.name(), operation))),
        }
    }
    fn step(&self, state: &Self::State, operation: &Operation) -> Result<Self::State, Refusal> {
        match operation.function {
            Function::Add => {
                let mut next = state.clone();
                next.insert(operation.input.clone());
                Ok(next)
            }
            Function::Remove => {
                let mut next = state.clone();
                next.remove(&operation.input);
                Ok(next)
            }
            Function::Read => {
                if let Some(Value::List(members)) = &operation.output {
                    // The read's members, in any order and perhaps repeated,
                    // are exactly the state's: each found in the (sorted)
                    // state, and every one of the state's found. No set is
                    // built: inserting in any order into a sorted vector
                    // would cost m² in the search's inner loop.
                    let slice = state.as_slice();
                    let mut found = vec![false; slice.len()];
                    let all_members = members.iter().all(|m| match slice.binary_search(m) {
                        Ok(at) => {
                            found[at] = true;
                            true
                        }
                        Err(_) => false,
                    });
                    if !all_members || !found.iter().all(|&f| f) {
                        return Err(Refusal::Output { expected: Value::List(state.iter().cloned().collect()) });
                    }
                }
                Ok(state.clone())
            }
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn is_read_only(&self, operation: &Operation) -> bool {
        operation.function == Function::Read
    }
    /// Every member a read returns must have been added by an add among
    /// `others`: the set starts empty, and a remove never puts a member in.
    /// A member missing from a read needs nothing (a remove may explain it,
    /// and so may an add that had not yet taken effect).
    fn justified(&self, operation: &Operation, others: &[&Operation]) -> bool {
        let Some(Value::List(members)) = &operation.output else { return true };
        let added = |member: &Value| others.iter().any(|o| o.function == Function::Add && o.input == *member);
        members.iter().all(added)
    }
    fn describe(&self, state: &Self::State) -> String {
        format!("the set held {}", Value::List(state.iter().cloned().collect()))
    }
}

/// A FIFO queue: `enqueue v`, and `dequeue` returns the oldest value, or
/// nil when the queue is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queue;

impl Model for Queue {
    type State = VecDeque<Value>;

    fn name(&self) -> &'static str {
        "queue"
    }
    fn init(&self) -> Self::State {
        VecDeque::new()
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match operation.function {
            Function::Enqueue | Function::Dequeue => Ok(()),
            _ => Err(unsupported(self.name(), operation)),
        }
    }
    fn step(&self, state: &Self::State, operation: &Operation) -> Result<Self::State, Refusal> {
        match operation.function {
            Function::Enqueue => {
                let mut next = state.clone();
                next.push_back(operation.input.clone());
                Ok(next)
            }
            Function::Dequeue => {
                expect_output(operation, state.front().unwrap_or(&Value::Nil))?;
                let mut next = state.clone();
                next.pop_front();
                Ok(next)
            }
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn describe(&self, state: &Self::State) -> String {
        format!("the queue held {}", Value::List(state.iter().cloned().collect()))
    }
}

/// A mutual-exclusion lock, initially free: `acquire` only when free,
/// `release` only when held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lock;

impl Model for Lock {
    /// Whether the lock is held.
    type State = bool;

    fn name(&self) -> &'static str {
        "lock"
    }
    fn init(&self) -> bool {
        false
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match operation.function {
            Function::Acquire | Function::Release => Ok(()),
            _ => Err(unsupported(self.name(), operation)),
        }
    }
    fn step(&self, held: &bool, operation: &Operation) -> Result<bool, Refusal> {
        match (operation.function, *held) {
            (Function::Acquire, false) => Ok(true),
            (Function::Acquire, true) => Err(Refusal::Impossible { why: "the lock was already held".into() }),
            (Function::Release, true) => Ok(false),
            (Function::Release, false) => Err(Refusal::Impossible { why: "the lock was not held".into() }),
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn describe(&self, held: &bool) -> String {
        if *held { "the lock was held" } else { "the lock was free" }.to_string()
    }
}

// ----- bank ---------------------------------------------------------------------

/// The start of every complaint about a bank without usable initial
/// balances.
const BANK_NEEDS_INITIAL: &str = "the bank model needs the accounts' initial balances";

/// How to give them.
const BANK_GIVE_INITIAL: &str = "give --initial [100, 100, ...] or a history file with \"initial\"";

/// The complaint about a transfer that returned an unknown outcome.
const TRANSFER_RETURNED_UNKNOWN: &str = "a transfer that returned says whether it committed (true or false); \
     one whose outcome is unknown never returned: give it no completion";

/// Accounts numbered from 0, each with an integer balance. `transfer [from
/// to amount]` moves `amount` from one account to another and returns
/// whether it committed (`true`) or aborted (`false`: no effect, possible
/// whatever the balances); a committed transfer never overdraws its source,
/// so the total never changes. A transfer that returned says which: one
/// whose outcome is unknown is one that never returned (no completion),
/// which the search may leave out (it aborted) or take into effect (it
/// committed). `read` returns every balance, in account
/// order. The initial balances, and with them the number of accounts, have
/// no default: they must be given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bank {
    /// The balances before any transfer, one per account; or why there are
    /// none (not given, or not a list of integers). Every operation is
    /// refused with that reason.
    initial: Result<Rc<[i64]>, String>,
}

impl Bank {
    /// A bank whose accounts start with these balances.
    pub fn new(balances: Vec<i64>) -> Bank {
        Bank { initial: Ok(balances.into()) }
    }

    /// A bank that has not been told its initial balances: it accepts no
    /// operation, and [`ModelSpec::ready`] says why.
    pub fn without_initial() -> Bank {
        Bank { initial: Err(format!("{BANK_NEEDS_INITIAL}: {BANK_GIVE_INITIAL}")) }
    }

    /// A bank whose accounts start with `initial`, a list of integers; any
    /// other value leaves it without initial balances, saying why.
    pub fn from_value(initial: &Value) -> Bank {
        let balances = match initial {
            Value::List(items) if !items.is_empty() => items
                .iter()
                .map(|item| match item {
                    Value::Int(balance) => Some(*balance),
                    _ => None,
                })
                .collect::<Option<Vec<i64>>>(),
            _ => None,
        };
        match balances {
            Some(balances) => Bank::new(balances),
            None => Bank {
                initial: Err(format!(
                    "{BANK_NEEDS_INITIAL} as a non-empty list of integers, not {initial}: {BANK_GIVE_INITIAL}"
                )),
            },
        }
    }

    /// The initial balances, or why there are none.
    pub fn initial(&self) -> Result<&[i64], &str> {
        self.initial.as_deref().map_err(String::as_str)
    }
}

/// A transfer's `[from to amount]`, if its input has that shape.
fn transfer_parts(input: &Value) -> Option<(i64, i64, i64)> {
    match input {
        Value::List(items) => match items.as_slice() {
            [Value::Int(from), Value::Int(to), Value::Int(amount)] => Some((*from, *to, *amount)),
            _ => None,
        },
        _ => None,
    }
}

/// Balances as a value, as a read returns them.
fn balances_value(balances: &[i64]) -> Value {
    Value::List(balances.iter().map(|&balance| Value::Int(balance)).collect())
}

/// The sum of balances, which no `i64` overflow can make wrong.
fn total(balances: impl IntoIterator<Item = i64>) -> i128 {
    balances.into_iter().map(i128::from).sum()
}

/// A read's balances (`accepts` makes them integers).
fn read_balances(read: &[Value]) -> impl Iterator<Item = i64> + '_ {
    read.iter().map(|value| match value {
        Value::Int(balance) => *balance,
        _ => 0,
    })
}

impl Model for Bank {
    /// Every account's balance, in account order.
    type State = Rc<[i64]>;

    fn name(&self) -> &'static str {
        "bank"
    }
    fn init(&self) -> Self::State {
        self.initial.clone().unwrap_or_else(|_| Rc::from(Vec::new()))
    }
    fn accepts(&self, operation: &Operation) -> Result<(), String> {
        let accounts = self.initial()?.len();
        if !matches!(operation.function, Function::Transfer | Function::Read) {
            return Err(unsupported(self.name(), operation));
        }
        if let Some(key) = &operation.key {
            return Err(format!("a bank `{}` takes no key, not {key}", operation.function));
        }
        if operation.function == Function::Read {
            return match &operation.output {
                None => Ok(()),
                Some(Value::List(read))
                    if read.len() == accounts && read.iter().all(|v| matches!(v, Value::Int(_))) =>
                {
                    Ok(())
                }
                Some(other) => Err(format!(
                    "a bank read returns the {accounts} accounts' balances, a list of {accounts} integers, not {other}"
                )),
            };
        }
        let Some((from, to, amount)) = transfer_parts(&operation.input) else {
            return Err(format!("a transfer takes [from to amount], three integers, not {}", operation.input));
        };
        for account in [from, to] {
            if usize::try_from(account).map_or(true, |account| account >= accounts) {
                return Err(format!(
                    "a transfer names account {account}, which does not exist \
                     (the bank has {accounts} accounts, numbered from 0)"
                ));
            }
        }
        if from == to {
            return Err(format!("a transfer moves money between two accounts, not from account {from} to itself"));
        }
        if amount < 0 {
            return Err(format!("a transfer's amount cannot be negative, not {amount}"));
        }
        match &operation.output {
            Some(Value::Bool(_)) => Ok(()),
            None if operation.complete.is_none() => Ok(()),
            None => Err(TRANSFER_RETURNED_UNKNOWN.to_string()),
            Some(other) => Err(format!("a transfer returns true (committed) or false (aborted), not {other}")),
        }
    }
    fn step(&self, state: &Self::State, operation: &Operation) -> Result<Self::State, Refusal> {
        match operation.function {
            Function::Read => match &operation.output {
                Some(Value::List(read)) if !read_balances(read).eq(state.iter().copied()) => {
                    Err(Refusal::Output { expected: balances_value(state) })
                }
                _ => Ok(state.clone()),
            },
            Function::Transfer => {
                // An aborted transfer changes nothing, whatever the balances.
                if operation.output == Some(Value::Bool(false)) {
                    return Ok(state.clone());
                }
                let (from, to, amount) = transfer_parts(&operation.input).expect("accepts() checks the transfer");
                let (from, to) = (from as usize, to as usize);
                let held = state[from];
                if held < amount {
                    return Err(Refusal::Impossible {
                        why: format!("account {from} held {held}, less than the {amount} transferred"),
                    });
                }
                let credited = state[to].checked_add(amount).ok_or_else(|| Refusal::Impossible {
                    why: format!("account {to} held {}, and {amount} more would overflow a 64-bit balance", state[to]),
                })?;
                let mut next = state.to_vec();
                // amount <= held, and amount >= 0: no overflow.
                next[from] = held - amount;
                next[to] = credited;
                Ok(next.into())
            }
            _ => unreachable!("accepts() rejects {}", operation.function),
        }
    }
    fn is_read_only(&self, operation: &Operation) -> bool {
        operation.function == Function::Read
            || (operation.function == Function::Transfer && operation.output == Some(Value::Bool(false)))
    }
    /// Transfers never change the total: a read whose balances add up to
    /// another total can never match.
    fn may_reach(&self, state: &Self::State, operation: &Operation) -> bool {
        match (&operation.function, &operation.output) {
            (Function::Read, Some(Value::List(read))) => total(read_balances(read)) == total(state.iter().copied()),
            _ => true,
        }
    }
    /// Balances other than the initial ones need transfers: the total must
    /// be the initial total, and every account whose balance changed must
    /// be the source or destination of a transfer among `others` that may
    /// have committed (not aborted) and moved a nonzero amount.
    fn justified(&self, operation: &Operation, others: &[&Operation]) -> bool {
        let (Function::Read, Some(Value::List(read)), Ok(initial)) =
            (operation.function, &operation.output, self.initial())
        else {
            return true;
        };
        if read.len() != initial.len() {
            return true; // accepts() refuses it: not a question of justification
        }
        if total(read_balances(read)) != total(initial.iter().copied()) {
            return false;
        }
        let moved_money = |account: usize| {
            others.iter().any(|other| {
                other.function == Function::Transfer
                    && other.output != Some(Value::Bool(false))
                    && transfer_parts(&other.input).is_some_and(|(from, to, amount)| {
                        amount != 0 && (from == account as i64 || to == account as i64)
                    })
            })
        };
        read_balances(read)
            .zip(initial)
            .enumerate()
            .all(|(account, (read, &start))| read == start || moved_money(account))
    }
    fn describe(&self, state: &Self::State) -> String {
        format!("the balances were {}, total {}", balances_value(state), total(state.iter().copied()))
    }
}

/// The models by name, for the CLI and the UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelSpec {
    Register(Register),
    CasRegister(CasRegister),
    KeyValue(KeyValue),
    Counter,
    Set,
    Queue,
    Lock,
    Bank(Bank),
}

impl ModelSpec {
    pub const NAMES: [&'static str; 8] = ["register", "cas-register", "kv", "counter", "set", "queue", "lock", "bank"];

    /// The model called `name`, with the initial value its formats imply
    /// by default: registers start with no value (nil), key-value stores
    /// with "" (Porcupine's convention). A bank has no default: it is
    /// not [`ready`](ModelSpec::ready) until given its initial balances.
    pub fn by_name(name: &str) -> Result<ModelSpec, String> {
        Ok(match name {
            "register" => ModelSpec::Register(Register { initial: Value::Nil }),
            "cas-register" => ModelSpec::CasRegister(CasRegister { initial: Value::Nil }),
            "kv" => ModelSpec::KeyValue(KeyValue::new(Value::Str(String::new()))),
            "counter" => ModelSpec::Counter,
            "set" => ModelSpec::Set,
            "queue" => ModelSpec::Queue,
            "lock" => ModelSpec::Lock,
            "bank" => ModelSpec::Bank(Bank::without_initial()),
            other => return Err(format!("unknown model `{other}` (known: {})", ModelSpec::NAMES.join(", "))),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Register(m) => m.name(),
            ModelSpec::CasRegister(m) => m.name(),
            ModelSpec::KeyValue(m) => m.name(),
            ModelSpec::Counter => Counter.name(),
            ModelSpec::Set => Set.name(),
            ModelSpec::Queue => Queue.name(),
            ModelSpec::Lock => Lock.name(),
            ModelSpec::Bank(m) => m.name(),
        }
    }

    /// Registers and key-value stores start from this value; a bank's
    /// accounts from these balances (a list of integers: anything else
    /// leaves the bank not [`ready`](ModelSpec::ready), saying why).
    pub fn with_initial(self, initial: Value) -> ModelSpec {
        match self {
            ModelSpec::Register(_) => ModelSpec::Register(Register { initial }),
            ModelSpec::CasRegister(_) => ModelSpec::CasRegister(CasRegister { initial }),
            ModelSpec::KeyValue(_) => ModelSpec::KeyValue(KeyValue::new(initial)),
            ModelSpec::Bank(_) => ModelSpec::Bank(Bank::from_value(&initial)),
            other => other,
        }
    }

    /// The value registers and keys start from, for the register-like
    /// models, and the bank's initial balances (as a list), if it has them;
    /// `None` for the others.
    pub fn initial(&self) -> Option<Value> {
        match self {
            ModelSpec::Register(m) => Some(m.initial.clone()),
            ModelSpec::CasRegister(m) => Some(m.initial.clone()),
            ModelSpec::KeyValue(m) => Some(m.initial().clone()),
            ModelSpec::Bank(m) => m.initial().ok().map(balances_value),
            _ => None,
        }
    }

    /// Whether the model has all it needs to check a history: a bank needs
    /// its initial balances. The error says what is missing and how to
    /// give it.
    pub fn ready(&self) -> Result<(), String> {
        match self {
            ModelSpec::Bank(m) => m.initial().map(|_| ()).map_err(str::to_string),
            _ => Ok(()),
        }
    }

    /// Whether the model knows the operation.
    pub fn accepts(&self, operation: &Operation) -> Result<(), String> {
        match self {
            ModelSpec::Register(m) => m.accepts(operation),
            ModelSpec::CasRegister(m) => m.accepts(operation),
            ModelSpec::KeyValue(m) => m.accepts(operation),
            ModelSpec::Counter => Counter.accepts(operation),
            ModelSpec::Set => Set.accepts(operation),
            ModelSpec::Queue => Queue.accepts(operation),
            ModelSpec::Lock => Lock.accepts(operation),
            ModelSpec::Bank(m) => m.accepts(operation),
        }
    }
}

/// Call `$body` with `$model` bound to the concrete model of a `ModelSpec`,
/// so generic code runs on any model without dynamic dispatch in the search.
#[macro_export]
macro_rules! with_model {
    ($spec:expr, $model:ident => $body:expr) => {
        match $spec {
            $crate::model::ModelSpec::Register(m) => {
                let $model = m.clone();
                $body
            }
            $crate::model::ModelSpec::CasRegister(m) => {
                let $model = m.clone();
                $body
            }
            $crate::model::ModelSpec::KeyValue(m) => {
                let $model = m.clone();
                $body
            }
            $crate::model::ModelSpec::Counter => {
                let $model = $crate::model::Counter;
                $body
            }
            $crate::model::ModelSpec::Set => {
                let $model = $crate::model::Set;
                $body
            }
            $crate::model::ModelSpec::Queue => {
                let $model = $crate::model::Queue;
                $body
            }
            $crate::model::ModelSpec::Lock => {
                let $model = $crate::model::Lock;
                $body
            }
            $crate::model::ModelSpec::Bank(m) => {
                let $model = m.clone();
                $body
            }
        }
    };
}
