//! Checking a whole history: split it into independent partitions
//! (P-compositionality), search them interleaved under one step budget so
//! that one hard partition cannot hide an easy violation in another, stop
//! at the first partition proven non-linearizable, explain it, and shrink
//! it to a 1-minimal failing sub-history by delta debugging, all within the
//! same budget. Resumable, like the search it drives.

use crate::history::{History, Operation, Value};
use crate::model::Model;
use crate::search::{PartitionSearch, SearchStatus};
use faultline_collections::VecMap;
use serde::Serialize;

/// Steps a partition searches before the next partition gets its turn.
pub const SLICE_STEPS: u64 = 2_048;

/// Search steps a check may take by default: enough for every reference
/// history in ../shared/data/histories, and a few seconds at most.
pub const DEFAULT_BUDGET_STEPS: u64 = 50_000_000;

/// The result of a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    Linearizable(Witness),
    NotLinearizable(Explanation),
    Unknown(Incomplete),
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Linearizable(_) => "linearizable",
            Verdict::NotLinearizable(_) => "not linearizable",
            Verdict::Unknown(_) => "unknown",
        }
    }
}

/// A linearization: the order the operations took effect in, and a point
/// in time for each within its invocation and completion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// History indices, partition by partition, each in effect order.
    /// Operations that never returned and never took effect are absent.
    pub order: Vec<usize>,
    /// For every history index, when it took effect; `None` for an
    /// operation that never returned and did not take effect.
    pub points: Vec<Option<u64>>,
}

/// Why a history is not linearizable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The partition (key) that failed; `None` when the object is one partition.
    pub key: Option<Value>,
    /// The longest sequence of operations (history indices) that could take
    /// effect in an order respecting real time.
    pub prefix: Vec<usize>,
    /// The operation that cannot be placed after it.
    pub blocked: usize,
    /// The object's state after the prefix ("the register held 3").
    pub state: String,
    /// Why the blocked operation cannot take effect there, in a sentence
    /// that names it, the state and the refusal.
    pub reason: String,
    /// Just the refusal ("it would have returned 6"), for interfaces that
    /// compose their own sentence; empty when no single refusal applies.
    pub refusal: String,
    /// A small failing sub-history (history indices, in time order).
    pub minimal: Vec<usize>,
    /// Whether `minimal` is 1-minimal: removing any one operation makes it
    /// linearizable, or leaves a read with a value none of the rest wrote.
    /// False when the budget ran out while shrinking.
    pub minimal_is_1_minimal: bool,
}

/// How far a check got before its budget ran out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    pub reason: String,
    pub steps: u64,
    pub partitions: usize,
    pub partitions_done: usize,
    /// Per unfinished partition: (key, most operations placed, operations).
    pub unfinished: Vec<(Option<Value>, usize, usize)>,
}

/// How far a check in progress has got, cheap enough to ask between two
/// slices of work: for a progress line, not for a verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub partitions: usize,
    /// Partitions whose search has ended (linearizable or not).
    pub partitions_decided: usize,
    pub operations: usize,
    /// The operations of the decided partitions, and the most each
    /// undecided one has placed in a row so far.
    pub operations_placed: usize,
    /// A partition failed and its failing part is being shrunk.
    pub shrinking: bool,
}

struct Partition<M: Model> {
    key: Option<Value>,
    search: PartitionSearch<M>,
}

/// Delta debugging (Zeller's ddmin) as a resumable state machine: each
/// candidate sub-history is tested by its own search.
///
/// When every read of the failing partition is justified by its writes (see
/// [`Model::justified`]), a candidate counts as failing only if its reads
/// are justified too. Otherwise shrinking would drop the write a stale read
/// missed and keep the read alone, failing for a different and
/// uninformative reason: a value from nowhere.
struct Minimizer<M: Model> {
    current: Vec<usize>,
    granularity: usize,
    /// Candidates of this round: 0..n are the chunks, n..2n their complements.
    candidate: usize,
    keep_reads_justified: bool,
    test: Option<(Vec<usize>, PartitionSearch<M>)>,
}

/// Whether every read in `set` is justified by the other operations of `set`.
fn reads_justified<M: Model>(model: &M, history: &History, set: &[usize]) -> bool {
    let operations: Vec<&Operation> = set.iter().map(|&i| &history.operations[i]).collect();
    operations.iter().all(|op| !model.is_read_only(op) || model.justified(op, &operations))
}

impl<M: Model> Minimizer<M> {
    fn new(model: &M, history: &History, failing: Vec<usize>) -> Minimizer<M> {
        let keep_reads_justified = reads_justified(model, history, &failing);
        Minimizer { current: failing, granularity: 2, candidate: 0, keep_reads_justified, test: None }
    }

    fn chunk_bounds(&self, chunk: usize) -> (usize, usize) {
        let len = self.current.len();
        (chunk * len / self.granularity, (chunk + 1) * len / self.granularity)
    }

    /// The next candidate of this round, if any.
    fn candidate_set(&self) -> Option<Vec<usize>> {
        let n = self.granularity;
        // With two chunks, each complement is the other chunk: skip them.
        let candidates = if n == 2 { 2 } else { 2 * n };
        if self.candidate >= candidates {
            return None;
        }
        let (start, end) = self.chunk_bounds(self.candidate % n);
        Some(if self.candidate < n {
            self.current[start..end].to_vec()
        } else {
            self.current[..start].iter().chain(&self.current[end..]).copied().collect()
        })
    }

    /// Advance by at most `steps_max` search steps. Returns (steps taken,
    /// whether the current set is now 1-minimal).
    fn run(&mut self, model: &M, history: &History, steps_max: u64) -> (u64, bool) {
        let mut taken = 0;
        loop {
            if self.current.len() <= 1 {
                return (taken, true);
            }
            if self.test.is_none() {
                match self.candidate_set() {
                    Some(set) if self.keep_reads_justified && !reads_justified(model, history, &set) => {
                        self.candidate += 1; // fails, if at all, for the wrong reason
                        continue;
                    }
                    Some(set) => {
                        let search = PartitionSearch::new(model, history, set.clone());
                        self.test = Some((set, search));
                    }
                    None => {
                        // No candidate fails: refine, or stop at 1-minimal.
                        if self.granularity >= self.current.len() {
                            return (taken, true);
                        }
                        self.granularity = (2 * self.granularity).min(self.current.len());
                        self.candidate = 0;
                        continue;
                    }
                }
            }
            if taken >= steps_max {
                return (taken, false);
            }
            let (set, search) = self.test.as_mut().expect("a test is under way");
            taken += search.run(model, history, steps_max - taken);
            match &search.status {
                SearchStatus::Running => return (taken, false),
                SearchStatus::NotLinearizable => {
                    let n = self.granularity;
                    let was_chunk = self.candidate < n;
                    self.current = std::mem::take(set);
                    self.granularity = if was_chunk { 2 } else { (n - 1).max(2) };
                    self.candidate = 0;
                }
                SearchStatus::Linearizable { .. } => self.candidate += 1,
            }
            self.test = None;
        }
    }
}

enum Phase<M: Model> {
    Searching { turn: usize },
    // Boxed: the minimizer is large, and a phase is moved on every change.
    Minimizing { explanation: Explanation, minimizer: Box<Minimizer<M>> },
    Done(Verdict),
}

/// A check in progress. Call [`run`](Checker::run) until it returns a verdict.
pub struct Checker<M: Model> {
    model: M,
    history: History,
    partitions: Vec<Partition<M>>,
    budget_steps: u64,
    steps: u64,
    phase: Phase<M>,
}

impl<M: Model> Checker<M> {
    pub fn new(model: M, history: History, budget_steps: u64) -> Checker<M> {
        let mut by_key: VecMap<Option<Value>, Vec<usize>> = VecMap::new();
        for (index, operation) in history.operations.iter().enumerate() {
            by_key.entry(model.partition_key(operation)).or_default().push(index);
        }
        let partitions = by_key
            .into_iter()
            .map(|(key, operations)| Partition { key, search: PartitionSearch::new(&model, &history, operations) })
            .collect();
        Checker { model, history, partitions, budget_steps, steps: 0, phase: Phase::Searching { turn: 0 } }
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// How far the check has got (see [`Progress`]).
    pub fn progress(&self) -> Progress {
        let mut progress = Progress {
            partitions: self.partitions.len(),
            operations: self.history.operations.len(),
            shrinking: matches!(self.phase, Phase::Minimizing { .. }),
            ..Progress::default()
        };
        for partition in &self.partitions {
            let search = &partition.search;
            if search.is_done() {
                progress.partitions_decided += 1;
                progress.operations_placed += search.operations.len();
            } else {
                progress.operations_placed += search.deepest_len();
            }
        }
        progress
    }

    pub fn verdict(&self) -> Option<&Verdict> {
        match &self.phase {
            Phase::Done(verdict) => Some(verdict),
            _ => None,
        }
    }

    /// Work for at most `steps_max` more steps (and never past the budget).
    /// Returns the verdict once there is one.
    pub fn run(&mut self, steps_max: u64) -> Option<&Verdict> {
        let mut allowance = steps_max;
        while allowance > 0 && self.verdict().is_none() {
            let remaining = self.budget_steps.saturating_sub(self.steps);
            if remaining == 0 {
                self.budget_exhausted(format!("the search budget of {} steps ran out", self.budget_steps));
                break;
            }
            let slice = allowance.min(remaining).min(SLICE_STEPS);
            let taken = self.advance(slice);
            self.steps += taken;
            allowance = allowance.saturating_sub(taken.max(1));
        }
        self.verdict()
    }

    /// End the check as unknown (the caller's time budget ran out), unless it
    /// has already ended. Keeps a failure found so far: once a partition is
    /// proven non-linearizable, shrinking is a bonus.
    pub fn stop(&mut self, reason: &str) -> &Verdict {
        if self.verdict().is_none() {
            self.budget_exhausted(reason.to_string());
        }
        self.verdict().expect("stopped")
    }

    fn budget_exhausted(&mut self, reason: String) {
        let phase = std::mem::replace(&mut self.phase, Phase::Searching { turn: 0 });
        self.phase = Phase::Done(match phase {
            Phase::Minimizing { explanation, minimizer, .. } => Verdict::NotLinearizable(Explanation {
                minimal: minimizer.current,
                minimal_is_1_minimal: false,
                ..explanation
            }),
            Phase::Done(verdict) => verdict,
            Phase::Searching { .. } => Verdict::Unknown(Incomplete {
                reason,
                steps: self.steps,
                partitions: self.partitions.len(),
                partitions_done: self.partitions.iter().filter(|p| p.search.is_done()).count(),
                unfinished: self
                    .partitions
                    .iter()
                    .filter(|p| !p.search.is_done())
                    .map(|p| (p.key.clone(), p.search.deepest_len(), p.search.operations.len()))
                    .collect(),
            }),
        });
    }

    /// One slice of work. Returns the steps taken.
    fn advance(&mut self, slice: u64) -> u64 {
        match &mut self.phase {
            Phase::Done(_) => 0,
            Phase::Searching { turn } => {
                let Some(index) = (0..self.partitions.len())
                    .map(|offset| (*turn + offset) % self.partitions.len().max(1))
                    .find(|&i| !self.partitions[i].search.is_done())
                else {
                    self.phase = Phase::Done(Verdict::Linearizable(self.witness()));
                    return 0;
                };
                *turn = index + 1;
                let partition = &mut self.partitions[index];
                let taken = partition.search.run(&self.model, &self.history, slice);
                if partition.search.status == SearchStatus::NotLinearizable {
                    let explanation = self.explain(index);
                    let mut failing = self.partitions[index].search.operations.clone();
                    self.history.sort_by_invoke(&mut failing);
                    let minimizer = Box::new(Minimizer::new(&self.model, &self.history, failing));
                    self.phase = Phase::Minimizing { explanation, minimizer };
                }
                taken
            }
            Phase::Minimizing { minimizer, .. } => {
                let (taken, one_minimal) = minimizer.run(&self.model, &self.history, slice);
                if one_minimal {
                    let Phase::Minimizing { explanation, minimizer, .. } =
                        std::mem::replace(&mut self.phase, Phase::Searching { turn: 0 })
                    else {
                        unreachable!("in the minimizing phase")
                    };
                    self.phase = Phase::Done(Verdict::NotLinearizable(Explanation {
                        minimal: minimizer.current,
                        minimal_is_1_minimal: true,
                        ..explanation
                    }));
                }
                taken
            }
        }
    }

    fn explain(&self, index: usize) -> Explanation {
        let partition = &self.partitions[index];
        let search = &partition.search;
        let to_history = |i: usize| search.operations[i];
        let state = self.model.describe(&search.deepest.state);
        let (blocked, reason, refusal) = match search.blocked_refusal(&self.model, &self.history) {
            Some((blocked, Some(refusal))) => {
                let operation = &self.history.operations[to_history(blocked)];
                (
                    blocked,
                    format!("{operation} cannot take effect after them: {state}, so {refusal}"),
                    refusal.to_string(),
                )
            }
            Some((blocked, None)) => {
                let operation = &self.history.operations[to_history(blocked)];
                let why = "no order of the operations still running works after it, and it had to take effect before it returned";
                (blocked, format!("{operation} could take effect after them ({state}), but {why}"), why.to_string())
            }
            // Every configuration at the deepest point failed through the
            // cache: name the earliest-returning operation not placed.
            None => {
                let mut placed = vec![false; search.operations.len()];
                for &i in &search.deepest.order {
                    placed[i] = true;
                }
                let blocked = (0..search.operations.len())
                    .filter(|&i| !placed[i])
                    .min_by_key(|&i| (self.history.operations[to_history(i)].complete.unwrap_or(u64::MAX), i))
                    .expect("a failed search left an operation unplaced");
                let operation = &self.history.operations[to_history(blocked)];
                let why = "no order of the remaining operations lets it take effect before it returned";
                (blocked, format!("{why}: {operation}"), why.to_string())
            }
        };
        Explanation {
            key: partition.key.clone(),
            prefix: search.deepest.order.iter().map(|&i| to_history(i)).collect(),
            blocked: to_history(blocked),
            state,
            reason,
            refusal,
            minimal: Vec::new(),
            minimal_is_1_minimal: false,
        }
    }

    /// Linearization points: within a partition's order, each operation
    /// takes effect at the latest invocation so far, which lies within its
    /// own interval because the order respects real time.
    fn witness(&self) -> Witness {
        let mut order = Vec::new();
        let mut points = vec![None; self.history.operations.len()];
        for partition in &self.partitions {
            let SearchStatus::Linearizable { order: partition_order } = &partition.search.status else {
                unreachable!("every partition is linearizable when the witness is built")
            };
            let mut point = 0;
            for &i in partition_order {
                let h = partition.search.operations[i];
                let operation = &self.history.operations[h];
                point = point.max(operation.invoke);
                debug_assert!(operation.complete.is_none_or(|done| point <= done), "a point outside its interval");
                points[h] = Some(point);
                order.push(h);
            }
        }
        Witness { order, points }
    }
}

/// Check a history to the end, with a step budget and a way for the caller
/// to stop it (a wall-clock deadline: this crate never reads a clock).
pub fn check<M: Model>(
    model: M,
    history: History,
    budget_steps: u64,
    mut should_stop: impl FnMut() -> Option<String>,
) -> Verdict {
    let mut checker = Checker::new(model, history, budget_steps);
    loop {
        if let Some(verdict) = checker.run(SLICE_STEPS * 8) {
            return verdict.clone();
        }
        if let Some(reason) = should_stop() {
            return checker.stop(&reason).clone();
        }
    }
}
