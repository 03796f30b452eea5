//! An independent brute-force oracle for linearizability, written without
//! reference to the checker's search: our own sequential specifications of
//! the eight models, an exhaustive enumeration of linearizations, and
//! independent validation of the checker's witnesses and explanations.
//!
//! Deliberately simple: histories here have at most eight operations.

use faultline_check::{Explanation, Function, ModelSpec, Operation, Value, Witness};
use std::collections::VecDeque;

/// The eight models, as this oracle understands them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Register,
    CasRegister,
    Kv,
    Counter,
    Set,
    Queue,
    Lock,
    Bank,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Register => "register",
            Kind::CasRegister => "cas-register",
            Kind::Kv => "kv",
            Kind::Counter => "counter",
            Kind::Set => "set",
            Kind::Queue => "queue",
            Kind::Lock => "lock",
            Kind::Bank => "bank",
        }
    }
}

/// A model and its initial value (used by register, cas-register and kv;
/// the bank's is the list of its accounts' balances).
#[derive(Clone, Debug)]
pub struct Spec {
    pub kind: Kind,
    pub initial: Value,
}

/// The state of the object.
#[derive(Clone, Debug, PartialEq)]
pub enum State {
    Register(Value),
    /// Keys that were written, with their values; the others hold `initial`.
    Kv(Vec<(Value, Value)>),
    Counter(i64),
    /// Distinct members.
    Set(Vec<Value>),
    Queue(VecDeque<Value>),
    /// Whether the lock is held.
    Lock(bool),
    /// Every account's balance.
    Bank(Vec<i64>),
}

/// A kv value as text, for append.
fn text_of(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Nil => String::new(),
        Value::Int(i) => i.to_string(),
        other => panic!("the oracle does not append to {other:?}"),
    }
}

fn suffix_of(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        other => panic!("the oracle does not append {other:?}"),
    }
}

/// A list of integers (a bank's balances, a transfer's input).
pub fn integers(value: &Value) -> Vec<i64> {
    let Value::List(items) = value else { panic!("the oracle expects a list of integers, not {value:?}") };
    items
        .iter()
        .map(|item| match item {
            Value::Int(i) => *i,
            other => panic!("the oracle expects integers, not {other:?}"),
        })
        .collect()
}

fn same_members(read: &[Value], members: &[Value]) -> bool {
    read.iter().all(|v| members.contains(v)) && members.iter().all(|m| read.contains(m))
}

impl Spec {
    /// The checker's model for this spec.
    pub fn model_spec(&self) -> ModelSpec {
        ModelSpec::by_name(self.kind.name()).unwrap().with_initial(self.initial.clone())
    }

    pub fn init(&self) -> State {
        match self.kind {
            Kind::Register | Kind::CasRegister => State::Register(self.initial.clone()),
            Kind::Kv => State::Kv(Vec::new()),
            Kind::Counter => State::Counter(0),
            Kind::Set => State::Set(Vec::new()),
            Kind::Queue => State::Queue(VecDeque::new()),
            Kind::Lock => State::Lock(false),
            Kind::Bank => State::Bank(integers(&self.initial)),
        }
    }

    /// The value a kv key holds.
    pub fn kv_value(&self, entries: &[(Value, Value)], key: &Value) -> Value {
        entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_else(|| self.initial.clone())
    }

    /// The call takes effect in `state`: the next state and the output it
    /// must return (`None` when the model ignores the output), or `Err` when
    /// it cannot happen at all in this state. A bank transfer here commits
    /// (an aborted one is [`apply`](Spec::apply)'s business): it cannot
    /// overdraw, or overflow the credited balance.
    pub fn effect(
        &self,
        state: &State,
        function: Function,
        key: &Option<Value>,
        input: &Value,
    ) -> Result<(State, Option<Value>), ()> {
        use Function::*;
        match (self.kind, state) {
            (Kind::Register, State::Register(v)) => match function {
                Read => Ok((state.clone(), Some(v.clone()))),
                Write => Ok((State::Register(input.clone()), None)),
                f => panic!("register has no {f}"),
            },
            (Kind::CasRegister, State::Register(v)) => match function {
                Read => Ok((state.clone(), Some(v.clone()))),
                Write => Ok((State::Register(input.clone()), None)),
                Cas => {
                    let Value::List(pair) = input else { panic!("cas input {input:?}") };
                    assert_eq!(pair.len(), 2);
                    if *v == pair[0] {
                        Ok((State::Register(pair[1].clone()), Some(Value::Bool(true))))
                    } else {
                        Ok((state.clone(), Some(Value::Bool(false))))
                    }
                }
                f => panic!("cas-register has no {f}"),
            },
            (Kind::Kv, State::Kv(entries)) => {
                let key = key.as_ref().expect("kv operations have a key");
                let current = self.kv_value(entries, key);
                let set = |new: Value| {
                    let mut next: Vec<(Value, Value)> = entries.iter().filter(|(k, _)| k != key).cloned().collect();
                    next.push((key.clone(), new));
                    State::Kv(next)
                };
                match function {
                    Get | Read => Ok((state.clone(), Some(current))),
                    Put | Write => Ok((set(input.clone()), None)),
                    Append => Ok((set(Value::Str(text_of(&current) + &suffix_of(input))), None)),
                    f => panic!("kv has no {f}"),
                }
            }
            (Kind::Counter, State::Counter(total)) => match (function, input) {
                (Add, Value::Int(amount)) => Ok((State::Counter(total.wrapping_add(*amount)), None)),
                (Read, _) => Ok((state.clone(), Some(Value::Int(*total)))),
                (f, i) => panic!("counter has no {f} {i:?}"),
            },
            (Kind::Set, State::Set(members)) => match function {
                Add => {
                    let mut next = members.clone();
                    if !next.contains(input) {
                        next.push(input.clone());
                    }
                    Ok((State::Set(next), None))
                }
                Remove => Ok((State::Set(members.iter().filter(|&m| m != input).cloned().collect()), None)),
                Read => Ok((state.clone(), Some(Value::List(members.clone())))),
                f => panic!("set has no {f}"),
            },
            (Kind::Queue, State::Queue(items)) => match function {
                Enqueue => {
                    let mut next = items.clone();
                    next.push_back(input.clone());
                    Ok((State::Queue(next), None))
                }
                Dequeue => {
                    let mut next = items.clone();
                    let front = next.pop_front().unwrap_or(Value::Nil);
                    Ok((State::Queue(next), Some(front)))
                }
                f => panic!("queue has no {f}"),
            },
            (Kind::Lock, State::Lock(held)) => match (function, *held) {
                (Acquire, false) => Ok((State::Lock(true), None)),
                (Release, true) => Ok((State::Lock(false), None)),
                (Acquire, true) | (Release, false) => Err(()),
                (f, _) => panic!("lock has no {f}"),
            },
            (Kind::Bank, State::Bank(balances)) => match function {
                Read => Ok((state.clone(), Some(Value::List(balances.iter().map(|&b| Value::Int(b)).collect())))),
                Transfer => {
                    let parts = integers(input);
                    let (from, to, amount) = (parts[0] as usize, parts[1] as usize, parts[2]);
                    if balances[from] < amount {
                        return Err(());
                    }
                    let mut next = balances.clone();
                    next[from] -= amount;
                    next[to] = next[to].checked_add(amount).ok_or(())?;
                    Ok((State::Bank(next), Some(Value::Bool(true))))
                }
                f => panic!("bank has no {f}"),
            },
            (kind, state) => panic!("state {state:?} for {kind:?}"),
        }
    }

    /// Whether the recorded output agrees with the one the spec requires.
    pub fn output_matches(&self, recorded: &Option<Value>, required: &Option<Value>) -> bool {
        match (recorded, required) {
            (None, _) | (_, None) => true,
            (Some(Value::List(read)), Some(Value::List(members))) if self.kind == Kind::Set => {
                same_members(read, members)
            }
            (Some(actual), Some(expected)) => actual == expected,
        }
    }

    /// The operation, with its recorded output, takes effect in `state`.
    pub fn apply(&self, state: &State, op: &Operation) -> Option<State> {
        if self.kind == Kind::Bank && op.function == Function::Transfer {
            // A transfer that returned says whether it committed; one whose
            // outcome is unknown never returned (and, when it takes effect,
            // committed). The bank model refuses any other.
            assert!(
                op.output.is_some() || op.complete.is_none(),
                "a bank transfer that returned has a known outcome: {op:?}"
            );
            if op.output == Some(Value::Bool(false)) {
                return Some(state.clone()); // aborted: no effect, whatever the balances
            }
        }
        let (next, required) = self.effect(state, op.function, &op.key, &op.input).ok()?;
        self.output_matches(&op.output, &required).then_some(next)
    }

    /// Replay a sequence of operations from the initial state.
    pub fn replay<'a>(&self, ops: impl IntoIterator<Item = &'a Operation>) -> Result<State, usize> {
        let mut state = self.init();
        for (position, op) in ops.into_iter().enumerate() {
            state = self.apply(&state, op).ok_or(position)?;
        }
        Ok(state)
    }
}

/// `a` returned before `b` was invoked (strictly): every linearization
/// puts `a` first. Written here again rather than using `Operation::precedes`.
pub fn before(a: &Operation, b: &Operation) -> bool {
    match a.complete {
        Some(done) => done < b.invoke,
        None => false,
    }
}

/// Brute force: for every subset of the never-returned operations, and
/// every order of the chosen operations that respects real time, replay
/// through the spec. (The enumeration extends orders one operation at a
/// time and abandons a prefix as soon as the spec rejects it; every order
/// is still reached unless one of its prefixes is already illegal.)
pub fn linearizable(spec: &Spec, ops: &[Operation]) -> bool {
    let pending: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].complete.is_none()).collect();
    let returned: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].complete.is_some()).collect();
    for mask in 0u32..(1 << pending.len()) {
        let mut chosen = returned.clone();
        chosen.extend(pending.iter().enumerate().filter(|(bit, _)| mask & (1 << bit) != 0).map(|(_, &i)| i));
        let mut placed = vec![false; ops.len()];
        if extend(spec, ops, &chosen, &mut placed, 0, &spec.init()) {
            return true;
        }
    }
    false
}

fn extend(spec: &Spec, ops: &[Operation], chosen: &[usize], placed: &mut [bool], count: usize, state: &State) -> bool {
    if count == chosen.len() {
        return true;
    }
    for &next in chosen {
        if placed[next] {
            continue;
        }
        // `next` may come now only if no chosen, unplaced operation must precede it.
        if chosen.iter().any(|&other| !placed[other] && before(&ops[other], &ops[next])) {
            continue;
        }
        if let Some(after) = spec.apply(state, &ops[next]) {
            placed[next] = true;
            let done = extend(spec, ops, chosen, placed, count + 1, &after);
            placed[next] = false;
            if done {
                return true;
            }
        }
    }
    false
}

/// The operations at `indices`, as a history of their own.
pub fn sub(ops: &[Operation], indices: &[usize]) -> Vec<Operation> {
    indices.iter().map(|&i| ops[i].clone()).collect()
}

fn distinct_in_range(what: &str, indices: &[usize], len: usize) -> Result<(), String> {
    for (a, &i) in indices.iter().enumerate() {
        if i >= len {
            return Err(format!("{what} has index {i} out of range"));
        }
        if indices[..a].contains(&i) {
            return Err(format!("{what} has index {i} twice"));
        }
    }
    Ok(())
}

/// The partition an operation belongs to (its key for kv, else one).
fn partition(spec: &Spec, op: &Operation) -> Option<Value> {
    if spec.kind == Kind::Kv {
        op.key.clone()
    } else {
        None
    }
}

/// A witness is a linearization: every returned operation is in it, each
/// point lies within its operation's interval, within a partition the
/// order follows the points, replaying `order` reproduces every output,
/// and so does replaying all operations sorted by their points.
pub fn check_witness(spec: &Spec, ops: &[Operation], witness: &Witness) -> Result<(), String> {
    let order = &witness.order;
    let points = &witness.points;
    if points.len() != ops.len() {
        return Err(format!("{} points for {} operations", points.len(), ops.len()));
    }
    distinct_in_range("the witness order", order, ops.len())?;
    for (i, op) in ops.iter().enumerate() {
        let in_order = order.contains(&i);
        if op.complete.is_some() && !in_order {
            return Err(format!("returned op #{i} is missing from the order"));
        }
        match (points[i], in_order) {
            (Some(p), true) => {
                if p < op.invoke {
                    return Err(format!("op #{i} takes effect at {p}, before its invocation at {}", op.invoke));
                }
                if let Some(done) = op.complete {
                    if p > done {
                        return Err(format!("op #{i} takes effect at {p}, after it returned at {done}"));
                    }
                }
            }
            (None, false) => {}
            (Some(p), false) => return Err(format!("op #{i} has a point {p} but is not in the order")),
            (None, true) => return Err(format!("op #{i} is in the order but has no point")),
        }
    }
    // Within a partition, the order is the effect order: points never go back,
    // and no operation comes after one that returned before it was invoked.
    for (a, &x) in order.iter().enumerate() {
        for &y in &order[a + 1..] {
            if partition(spec, &ops[x]) != partition(spec, &ops[y]) {
                continue;
            }
            if points[y] < points[x] {
                return Err(format!("order puts #{x} (point {:?}) before #{y} (point {:?})", points[x], points[y]));
            }
            if before(&ops[y], &ops[x]) {
                return Err(format!("order puts #{x} before #{y}, which returned before #{x} was invoked"));
            }
        }
    }
    // Replay the order itself (partitions one after another: for kv, keys are
    // independent, so the whole store is replayed at once).
    if let Err(at) = spec.replay(order.iter().map(|&i| &ops[i])) {
        return Err(format!("replaying the order fails at op #{}", order[at]));
    }
    // Replay everything that took effect by its point (ties: order position).
    let mut by_point = order.clone();
    by_point.sort_by_key(|&i| points[i]);
    if let Err(at) = spec.replay(by_point.iter().map(|&i| &ops[i])) {
        return Err(format!("replaying by points {by_point:?} fails at op #{}", by_point[at]));
    }
    Ok(())
}

/// An explanation's minimal sub-history fails, and (if it says so) is
/// 1-minimal; its prefix is a legal sequence respecting real time; the key
/// is the partition of the operations it names.
pub fn check_explanation(spec: &Spec, ops: &[Operation], explanation: &Explanation) -> Result<(), String> {
    let minimal = &explanation.minimal;
    if minimal.is_empty() {
        return Err("the minimal sub-history is empty".into());
    }
    distinct_in_range("the minimal sub-history", minimal, ops.len())?;
    if linearizable(spec, &sub(ops, minimal)) {
        return Err(format!("the minimal sub-history {minimal:?} is linearizable"));
    }
    if !explanation.minimal_is_1_minimal {
        return Err(format!("minimal {minimal:?} not 1-minimal under the default budget"));
    }
    // The contract: removing any one operation makes the sub-history
    // linearizable, or, when every read of the failing partition is
    // justified, leaves a read whose value none of the rest wrote.
    let failing_key = if spec.kind == Kind::Kv { ops[explanation.blocked].key.clone() } else { None };
    let partition_ops: Vec<usize> = (0..ops.len()).filter(|&i| partition(spec, &ops[i]) == failing_key).collect();
    let keep_justified = reads_justified(spec, &sub(ops, &partition_ops));
    if keep_justified && !reads_justified(spec, &sub(ops, minimal)) {
        return Err(format!("minimal {minimal:?} has a read from nowhere, though the failing partition has none"));
    }
    for skip in 0..minimal.len() {
        let mut fewer = minimal.clone();
        fewer.remove(skip);
        let fewer_ops = sub(ops, &fewer);
        let read_from_nowhere = keep_justified && !reads_justified(spec, &fewer_ops);
        if !linearizable(spec, &fewer_ops) && !read_from_nowhere {
            return Err(format!(
                "minimal {minimal:?} is not 1-minimal: without #{} it still fails{}",
                minimal[skip],
                if keep_justified { " and every read in it is justified" } else { "" }
            ));
        }
    }
    // The prefix and the blocked operation.
    let prefix = &explanation.prefix;
    distinct_in_range("the prefix", prefix, ops.len())?;
    if explanation.blocked >= ops.len() || prefix.contains(&explanation.blocked) {
        return Err(format!("blocked #{} is out of range or in the prefix", explanation.blocked));
    }
    if let Err(at) = spec.replay(prefix.iter().map(|&i| &ops[i])) {
        return Err(format!("the prefix {prefix:?} is not legal: it fails at #{}", prefix[at]));
    }
    for (a, &x) in prefix.iter().enumerate() {
        for &y in &prefix[a + 1..] {
            if before(&ops[y], &ops[x]) {
                return Err(format!("the prefix puts #{x} before #{y}, which returned before #{x} was invoked"));
            }
        }
    }
    let expected_key = if spec.kind == Kind::Kv { ops[explanation.blocked].key.clone() } else { None };
    if explanation.key != expected_key {
        return Err(format!("explanation key {:?}, blocked op's partition {:?}", explanation.key, expected_key));
    }
    for &i in minimal.iter().chain(prefix) {
        if partition(spec, &ops[i]) != expected_key {
            return Err(format!("op #{i} is not in the failing partition {expected_key:?}"));
        }
    }
    Ok(())
}

/// A value as the text an append would build on (`None`: not text).
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.clone()),
        Value::Nil => Some(String::new()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// `text` is one of `starts` followed by any number of `pieces`.
fn composed(text: &str, starts: &[String], pieces: &[String]) -> bool {
    fn rest(text: &str, pieces: &[String]) -> bool {
        text.is_empty()
            || pieces.iter().any(|p| !p.is_empty() && text.starts_with(p.as_str()) && rest(&text[p.len()..], pieces))
    }
    starts.iter().any(|s| text.starts_with(s.as_str()) && rest(&text[s.len()..], pieces))
}

/// Whether the read `op` returned a value that the initial value and the
/// writes among `set` could explain (a necessary condition only: the value
/// was written by someone, ignoring order).
pub fn read_justified(spec: &Spec, op: &Operation, set: &[Operation]) -> bool {
    let Some(output) = &op.output else { return true };
    match (spec.kind, op.function) {
        (Kind::Register | Kind::CasRegister, Function::Read) => {
            *output == spec.initial
                || set.iter().any(|o| match (o.function, &o.input) {
                    (Function::Write, written) => written == output,
                    (Function::Cas, Value::List(pair)) => pair[1] == *output,
                    _ => false,
                })
        }
        (Kind::Kv, Function::Get | Function::Read) => {
            let same_key: Vec<&Operation> = set.iter().filter(|o| o.key == op.key).collect();
            let puts: Vec<&Value> = same_key
                .iter()
                .filter(|o| matches!(o.function, Function::Put | Function::Write))
                .map(|o| &o.input)
                .collect();
            if *output == spec.initial || puts.contains(&output) {
                return true;
            }
            let Value::Str(text) = output else { return false };
            let starts: Vec<String> = std::iter::once(&spec.initial).chain(puts).filter_map(as_text).collect();
            let pieces: Vec<String> =
                same_key.iter().filter(|o| o.function == Function::Append).filter_map(|o| as_text(&o.input)).collect();
            composed(text, &starts, &pieces)
        }
        (Kind::Set, Function::Read) => {
            let Value::List(members) = output else { return true };
            members.iter().all(|m| set.iter().any(|o| o.function == Function::Add && o.input == *m))
        }
        // Balances need transfers: the same total as at the start, and every
        // account that changed touched by a transfer that may have committed
        // and moved something.
        (Kind::Bank, Function::Read) => {
            let (read, initial) = (integers(output), integers(&spec.initial));
            let sum = |balances: &[i64]| balances.iter().map(|&b| b as i128).sum::<i128>();
            sum(&read) == sum(&initial)
                && (0..read.len()).filter(|&a| read[a] != initial[a]).all(|account| {
                    set.iter().any(|o| {
                        if o.function != Function::Transfer || o.output == Some(Value::Bool(false)) {
                            return false;
                        }
                        let parts = integers(&o.input);
                        parts[2] != 0 && (parts[0] == account as i64 || parts[1] == account as i64)
                    })
                })
        }
        _ => true,
    }
}

/// Whether every read in `set` is justified by the rest of `set`.
pub fn reads_justified(spec: &Spec, set: &[Operation]) -> bool {
    set.iter().all(|op| read_justified(spec, op, set))
}

// ----- sequential consistency ----------------------------------------------------

/// Program order: each client's operations, sorted by invocation (ties, if
/// any, by position in the history; the generator never makes them).
pub fn program_order(ops: &[Operation]) -> Vec<Vec<usize>> {
    let mut clients: Vec<u64> = ops.iter().map(|op| op.client).collect();
    clients.sort();
    clients.dedup();
    clients
        .iter()
        .map(|&client| {
            let mut own: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].client == client).collect();
            own.sort_by_key(|&i| (ops[i].invoke, i));
            own
        })
        .collect()
}

/// Brute force: for every subset of the never-returned operations, and
/// every interleaving of the clients' sequences (with the left-out
/// operations removed) that keeps each client's program order, replay
/// through the spec. Real time across clients is ignored. (Interleavings
/// are extended one operation at a time and a prefix the spec rejects is
/// abandoned; every interleaving is reached unless a prefix of it is
/// already illegal.)
pub fn sequentially_consistent(spec: &Spec, ops: &[Operation]) -> bool {
    let pending: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].complete.is_none()).collect();
    // A never-returned operation is outside its client's program order (the
    // client stopped waiting for it and went on; it may take effect at any
    // point, or never): each is a sequence of its own.
    let mut order: Vec<Vec<usize>> = program_order(ops)
        .into_iter()
        .map(|own| own.into_iter().filter(|&i| ops[i].complete.is_some()).collect())
        .collect();
    order.extend(pending.iter().map(|&i| vec![i]));
    for mask in 0u32..(1 << pending.len()) {
        let left_out = |i: usize| pending.iter().position(|&p| p == i).is_some_and(|bit| mask & (1 << bit) == 0);
        let sequences: Vec<Vec<usize>> =
            order.iter().map(|own| own.iter().copied().filter(|&i| !left_out(i)).collect()).collect();
        let mut next = vec![0; sequences.len()];
        if interleave(spec, ops, &sequences, &mut next, &spec.init()) {
            return true;
        }
    }
    false
}

fn interleave(spec: &Spec, ops: &[Operation], sequences: &[Vec<usize>], next: &mut [usize], state: &State) -> bool {
    if sequences.iter().zip(next.iter()).all(|(own, &n)| n == own.len()) {
        return true;
    }
    for client in 0..sequences.len() {
        let Some(&op) = sequences[client].get(next[client]) else { continue };
        if let Some(after) = spec.apply(state, &ops[op]) {
            next[client] += 1;
            let done = interleave(spec, ops, sequences, next, &after);
            next[client] -= 1;
            if done {
                return true;
            }
        }
    }
    false
}
