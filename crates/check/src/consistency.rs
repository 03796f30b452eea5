//! Models weaker than linearizability, so that a history that is not
//! linearizable can still be placed: is it sequentially consistent (one
//! order of all operations, legal for the object, respecting each client's
//! own order but not real time)? Does each client read its own writes, and
//! never see time go backwards (monotonic reads)?
//!
//! The session guarantees are read from the values, by the object's
//! [`SessionSemantics`]: registers here, counters in `consistency/counter.rs`,
//! sets in `consistency/set.rs`. Each reports a violation only when the
//! values make it certain; anything they leave ambiguous holds.

mod counter;
mod set;

use crate::check::Verdict;
use crate::history::{Function, History, Operation, Value};
use crate::model::{Model, SessionSemantics};
use crate::search::FxHasher;
use faultline_collections::VecMap;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasherDefault;

/// Search steps the sequential-consistency search gets by default. Much less
/// than a linearizability check's: without real time to prune it, the search
/// over a large history rarely ends within any budget, and naming a weaker
/// model is a bonus, not the verdict.
pub const WEAKER_BUDGET_STEPS: u64 = 2_000_000;

/// Whether a history satisfies a model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum Decision {
    Holds,
    /// With the operations (history indices) that show it and why.
    Violated {
        operations: Vec<usize>,
        why: String,
    },
    /// The budget ran out.
    Unknown {
        why: String,
    },
    /// The model does not apply to this kind of object.
    NotApplicable,
}

struct Frame<S> {
    /// Per client, how many of its operations are placed (or skipped).
    positions: Vec<u32>,
    state: S,
    /// The next choice to try: 2 × client + (0 take effect, 1 skip).
    choice: u32,
    /// A client whose next operation is a matching read: the only choice
    /// worth trying (as in the linearizability search, a matching read
    /// loses nothing by going first).
    forced: Option<u32>,
}

/// The search for a sequentially consistent order: depth first over which
/// client's next operation takes effect, with a cache of visited (positions,
/// state). Operations that never returned may take effect anywhere, or be
/// skipped. Resumable.
pub struct SequentialSearch<M: Model> {
    clients: Vec<Vec<usize>>,
    frames: Vec<Frame<M::State>>,
    visited: HashSet<(Vec<u32>, M::State), BuildHasherDefault<FxHasher>>,
    pub steps: u64,
    pub decision: Option<Decision>,
}

impl<M: Model> SequentialSearch<M> {
    pub fn new(model: &M, history: &History) -> SequentialSearch<M> {
        // Each client's returned operations in its own order. An operation
        // that never returned is outside that order (the client stopped
        // waiting and went on; it may take effect at any point, or never):
        // it gets a sequence of its own. This keeps "linearizable implies
        // sequentially consistent" true.
        let mut by_client: VecMap<u64, Vec<usize>> = VecMap::new();
        let mut clients: Vec<Vec<usize>> = Vec::new();
        for (index, operation) in history.operations.iter().enumerate() {
            if operation.is_complete() {
                by_client.entry(operation.client).or_default().push(index);
            } else {
                clients.push(vec![index]);
            }
        }
        clients.splice(
            0..0,
            by_client.into_values().map(|mut ops| {
                history.sort_by_invoke(&mut ops);
                ops
            }),
        );
        let mut search =
            SequentialSearch { frames: Vec::new(), visited: HashSet::default(), steps: 0, decision: None, clients };
        let positions = vec![0; search.clients.len()];
        let state = model.init();
        let forced = search.forced_choice(model, history, &positions, &state);
        search.frames.push(Frame { positions, state, choice: 0, forced });
        search
    }

    fn forced_choice(&self, model: &M, history: &History, positions: &[u32], state: &M::State) -> Option<u32> {
        (0..self.clients.len()).find_map(|c| {
            let operation = &history.operations[*self.clients[c].get(positions[c] as usize)?];
            (model.is_read_only(operation) && model.step(state, operation).is_ok()).then_some(c as u32)
        })
    }

    /// Search for at most `steps_max` steps; `decision` is set when done.
    pub fn run(&mut self, model: &M, history: &History, steps_max: u64) {
        let mut taken = 0;
        while taken < steps_max && self.decision.is_none() {
            taken += 1;
            let Some(top) = self.frames.last_mut() else {
                self.decision = Some(Decision::Violated {
                    operations: Vec::new(),
                    why: "no single order of all operations that keeps each client's own order is legal".into(),
                });
                break;
            };
            if top.positions.iter().zip(&self.clients).all(|(&p, ops)| p as usize == ops.len()) {
                self.decision = Some(Decision::Holds);
                break;
            }
            let choices = match top.forced {
                Some(c) => (2 * c)..(2 * c + 1),
                None => 0..(2 * self.clients.len() as u32),
            };
            let choice = top.choice.max(choices.start);
            if choice >= choices.end {
                self.frames.pop();
                continue;
            }
            top.choice = choice + 1;
            let (client, skip) = ((choice / 2) as usize, choice % 2 == 1);
            let Some(&index) = self.clients[client].get(top.positions[client] as usize) else { continue };
            let operation = &history.operations[index];
            let next_state = if skip {
                if operation.is_complete() {
                    continue; // only an operation that never returned may not take effect
                }
                top.state.clone()
            } else {
                match model.step(&top.state, operation) {
                    Ok(state) => state,
                    Err(_) => continue,
                }
            };
            let mut positions = top.positions.clone();
            positions[client] += 1;
            if self.visited.insert((positions.clone(), next_state.clone())) {
                let forced = self.forced_choice(model, history, &positions, &next_state);
                self.frames.push(Frame { positions, state: next_state, choice: 0, forced });
            }
        }
        self.steps += taken;
    }
}

/// Decide sequential consistency within `budget_steps`.
pub fn sequentially_consistent<M: Model>(model: &M, history: &History, budget_steps: u64) -> Decision {
    let mut search = SequentialSearch::new(model, history);
    search.run(model, history, budget_steps);
    search.decision.unwrap_or(Decision::Unknown { why: format!("the search budget of {budget_steps} steps ran out") })
}

/// Where a read's value came from: the initial value, or one write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Initial,
    Write(usize),
}

/// Reads and writes of registers (one per key), for the session checks.
struct Registers<'h> {
    history: &'h History,
    initial: Value,
    /// (key, value) → the writes that wrote it. A B-tree, where the small
    /// maps here are `VecMap`s: it grows with the history (one entry per
    /// value written, up to 100,000 in the page), in no particular order.
    writers: BTreeMap<(Option<Value>, Value), Vec<usize>>,
}

impl<'h> Registers<'h> {
    /// `None` when the history has operations these checks do not cover
    /// (appends, whose values are not single writes).
    fn new(history: &'h History, initial: Value) -> Option<Registers<'h>> {
        let mut writers: BTreeMap<(Option<Value>, Value), Vec<usize>> = BTreeMap::new();
        for (index, operation) in history.operations.iter().enumerate() {
            match (operation.function, &operation.input) {
                (Function::Write | Function::Put, value) => {
                    writers.entry((operation.key.clone(), value.clone())).or_default().push(index)
                }
                (Function::Cas, Value::List(pair)) if pair.len() == 2 => {
                    writers.entry((operation.key.clone(), pair[1].clone())).or_default().push(index)
                }
                (Function::Read | Function::Get | Function::Cas, _) => {}
                _ => return None,
            }
        }
        Some(Registers { history, initial, writers })
    }

    fn is_read(operation: &Operation) -> bool {
        matches!(operation.function, Function::Read | Function::Get) && operation.output.is_some()
    }

    fn is_write(operation: &Operation) -> bool {
        // A cas counts only when it certainly applied.
        matches!(operation.function, Function::Write | Function::Put)
            || (operation.function == Function::Cas && operation.output == Some(Value::Bool(true)))
    }

    /// The one write a read saw, if it can be told (values written once).
    fn source(&self, read: &Operation) -> Option<Source> {
        let value = read.output.as_ref()?;
        let writers = self.writers.get(&(read.key.clone(), value.clone()));
        match (value == &self.initial, writers.map(Vec::as_slice)) {
            (true, None | Some([])) => Some(Source::Initial),
            (false, Some([only])) => Some(Source::Write(*only)),
            _ => None, // ambiguous, or a value nobody wrote: not a session question
        }
    }

    /// Whether `older` certainly took effect before `newer`.
    fn certainly_before(&self, older: Source, newer: Source) -> bool {
        match (older, newer) {
            (Source::Initial, Source::Write(_)) => true,
            (Source::Write(a), Source::Write(b)) => self.history.operations[a].precedes(&self.history.operations[b]),
            _ => false,
        }
    }
}

/// Each client's operations (history indices) in its own order: the order
/// of invocation, which for a client that waits for each operation before
/// invoking the next is the order it saw them return. An operation that
/// never returned is in it too; the checks count only what returned.
fn sessions(history: &History) -> Vec<Vec<usize>> {
    let mut by_client: VecMap<u64, Vec<usize>> = VecMap::new();
    for (index, operation) in history.operations.iter().enumerate() {
        by_client.entry(operation.client).or_default().push(index);
    }
    by_client
        .into_values()
        .map(|mut ops| {
            history.sort_by_invoke(&mut ops);
            ops
        })
        .collect()
}

/// Read-your-writes: a client's read never returns a value certainly older
/// than the client's own last completed write to that key.
fn read_your_writes(registers: &Registers) -> Decision {
    let operations = &registers.history.operations;
    for session in sessions(registers.history) {
        let mut last_write: VecMap<Option<Value>, usize> = VecMap::new();
        for &index in &session {
            let operation = &operations[index];
            if Registers::is_read(operation) {
                if let (Some(&write), Some(source)) = (last_write.get(&operation.key), registers.source(operation)) {
                    if source != Source::Write(write) && registers.certainly_before(source, Source::Write(write)) {
                        return Decision::Violated {
                            operations: vec![write, index],
                            why: format!(
                                "client {} wrote {} and then read {}, an older value",
                                operation.client,
                                operations[write].input,
                                operation.output.as_ref().expect("reads have outputs")
                            ),
                        };
                    }
                }
            } else if Registers::is_write(operation) && operation.is_complete() {
                last_write.insert(operation.key.clone(), index);
            }
        }
    }
    Decision::Holds
}

/// Monotonic reads: a client's later read of a key never returns a value
/// certainly older than an earlier read of it returned.
fn monotonic_reads(registers: &Registers) -> Decision {
    let operations = &registers.history.operations;
    for session in sessions(registers.history) {
        let mut last_seen: VecMap<Option<Value>, (usize, Source)> = VecMap::new();
        for &index in session.iter().filter(|&&i| Registers::is_read(&operations[i])) {
            let read = &operations[index];
            let Some(source) = registers.source(read) else { continue };
            if let Some(&(earlier, earlier_source)) = last_seen.get(&read.key) {
                if registers.certainly_before(source, earlier_source) {
                    return Decision::Violated {
                        operations: vec![earlier, index],
                        why: format!(
                            "client {} read {} and later {}, an older value",
                            read.client,
                            operations[earlier].output.as_ref().expect("reads have outputs"),
                            read.output.as_ref().expect("reads have outputs")
                        ),
                    };
                }
            }
            last_seen.insert(read.key.clone(), (index, source));
        }
    }
    Decision::Holds
}

/// The weaker models, decided for one history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeakerModels {
    pub sequentially_consistent: Decision,
    pub read_your_writes: Decision,
    pub monotonic_reads: Decision,
}

impl WeakerModels {
    /// Decide them: sequential consistency by search within `budget_steps`;
    /// the session guarantees directly, from the values, as the model's
    /// [`SessionSemantics`] says: for registers and key-value stores without
    /// appends, whose `initial` value is given; for counters whose adds are
    /// never negative; for sets. For other objects and histories (a bank's
    /// reads see many transfers at once, not one write; a counter with
    /// decrements) the session guarantees are not applicable.
    pub fn decide<M: Model>(model: &M, history: &History, initial: Option<Value>, budget_steps: u64) -> WeakerModels {
        let (read_your_writes, monotonic_reads) = session_guarantees(model.session_semantics(), history, initial);
        WeakerModels {
            sequentially_consistent: sequentially_consistent(model, history, budget_steps),
            read_your_writes,
            monotonic_reads,
        }
    }
}

/// (read-your-writes, monotonic reads) for the object's kind of values:
/// direct checks, without the sequential-consistency search (which the page
/// leaves out for a replicated object that promises only convergence).
pub fn session_guarantees(
    semantics: SessionSemantics,
    history: &History,
    initial: Option<Value>,
) -> (Decision, Decision) {
    let not_applicable = (Decision::NotApplicable, Decision::NotApplicable);
    match semantics {
        SessionSemantics::Register => match initial.and_then(|initial| Registers::new(history, initial)) {
            Some(registers) => (read_your_writes(&registers), monotonic_reads(&registers)),
            None => not_applicable,
        },
        SessionSemantics::Counter => match counter::GrowingCounter::new(history) {
            Some(counter) => (counter.read_your_writes(), counter.monotonic_reads()),
            None => not_applicable,
        },
        SessionSemantics::Set => match set::SetHistory::new(history) {
            Some(set) => (set.read_your_writes(), set.monotonic_reads()),
            None => not_applicable,
        },
        SessionSemantics::None => not_applicable,
    }
}

/// The strongest of the models a history satisfies, for the UI: from
/// linearizable, through sequentially consistent, to the session guarantees
/// (whatever the object: a register, a counter or a set). While sequential
/// consistency is undecided, the session guarantees that hold are named as
/// a lower bound.
pub fn strongest_model(linearizability: &Verdict, weaker: Option<&WeakerModels>) -> &'static str {
    match (linearizability, weaker) {
        (Verdict::Linearizable(_), _) => "linearizable",
        (_, Some(w)) if w.sequentially_consistent == Decision::Holds => "sequentially consistent",
        (_, Some(w)) if matches!(w.sequentially_consistent, Decision::Unknown { .. }) => {
            match (w.read_your_writes == Decision::Holds, w.monotonic_reads == Decision::Holds) {
                (true, true) => "read-your-writes and monotonic reads at least (sequential consistency undecided)",
                (true, false) => "read-your-writes at least (sequential consistency undecided)",
                (false, true) => "monotonic reads at least (sequential consistency undecided)",
                (false, false) => "unknown (sequential consistency undecided)",
            }
        }
        (_, Some(w)) if w.read_your_writes == Decision::Holds && w.monotonic_reads == Decision::Holds => {
            "read-your-writes and monotonic reads"
        }
        (_, Some(w)) if w.read_your_writes == Decision::Holds => "read-your-writes",
        (_, Some(w)) if w.monotonic_reads == Decision::Holds => "monotonic reads",
        (Verdict::Unknown(_), _) => "unknown",
        _ => "none of these",
    }
}
