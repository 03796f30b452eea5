//! The continuous linearizability check of the history at the current
//! position. The check is resumable: each animation frame gives it a slice
//! of a few milliseconds, so it never blocks the page; when the history
//! changes (an operation invoked, completed or given up) it starts over.
//! A history pasted into the page is checked the same way
//! ([`LiveCheck::of_history`]), under larger budgets, and may be cancelled.

use faultline_check::consistency::SequentialSearch;
use faultline_check::{
    Checker, Decision, History, Model, ModelSpec, Progress, Value, Verdict, WeakerModels, WEAKER_BUDGET_STEPS,
};
use faultline_sim::{AnySimulation, HistoryCheck, HistoryEntry};

/// Search steps one check may take in all.
pub const CHECK_BUDGET_STEPS: u64 = 20_000_000;
/// Milliseconds of work one check may take in all, across frames.
pub const CHECK_BUDGET_MS: f64 = 5_000.0;
/// Milliseconds of work per animation frame: well inside a 16 ms frame.
pub const CHECK_SLICE_MS: f64 = 6.0;
/// Search steps between two looks at the clock.
const STEPS_BETWEEN_CLOCK_READS: u64 = 4_096;
/// The same for the search for sequential consistency, whose steps cost
/// more: each clones and hashes the model's state, which for a key-value
/// store of long texts takes several microseconds (4,096 of them held a
/// frame for 60 ms on Porcupine's c50-bad.txt).
const WEAKER_STEPS_BETWEEN_CLOCK_READS: u64 = 256;

/// What the badge shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum CheckState {
    /// Nothing to check yet.
    #[default]
    Empty,
    /// The protocol promises less than linearizability, so its history is
    /// not checked for it; `property` is what it promises instead.
    NotChecked {
        property: &'static str,
        explanation: &'static str,
    },
    Checking {
        steps: u64,
    },
    Done(Verdict),
}

/// What identifies a history for the check: it only grows, and an entry
/// changes only by completing or being given up on.
fn signature(history: &[HistoryEntry]) -> (usize, usize, usize) {
    let completed = history.iter().filter(|e| e.complete_tick.is_some()).count();
    let given_up = history.iter().filter(|e| e.gave_up).count();
    (history.len(), completed, given_up)
}

/// The linearizability search, with the model's type erased.
trait VerdictSearch {
    /// Take up to `steps` steps: the verdict, once there is one.
    fn run(&mut self, steps: u64) -> Option<Verdict>;
    /// End the search now, undecided, for `reason`.
    fn stop(&mut self, reason: &str) -> Verdict;
    fn steps(&self) -> u64;
    fn progress(&self) -> Progress;
}

impl<M: Model> VerdictSearch for Checker<M> {
    fn run(&mut self, steps: u64) -> Option<Verdict> {
        Checker::run(self, steps).cloned()
    }
    fn stop(&mut self, reason: &str) -> Verdict {
        Checker::stop(self, reason).clone()
    }
    fn steps(&self) -> u64 {
        Checker::steps(self)
    }
    fn progress(&self) -> Progress {
        Checker::progress(self)
    }
}

/// One model's searches over one history, with the model's type erased so
/// the page can check any protocol's history.
trait ModelCheck {
    /// The linearizability search.
    fn verdict_search(&mut self) -> &mut dyn VerdictSearch;
    /// Take up to `steps` steps of the search for sequential consistency:
    /// the weaker models it meets, once decided or out of budget.
    fn run_weaker(&mut self, steps: u64) -> Option<WeakerModels>;
}

struct TypedCheck<M: Model> {
    model: M,
    history: History,
    /// The registers' or keys' value before any write, for the session
    /// guarantees.
    initial: Option<Value>,
    checker: Checker<M>,
    /// After a "not linearizable": the search for a weaker model it meets.
    sequential: Option<SequentialSearch<M>>,
}

impl<M: Model + Clone + 'static> TypedCheck<M> {
    fn boxed(model: M, history: History, initial: Option<Value>, budget_steps: u64) -> Box<dyn ModelCheck> {
        let checker = Checker::new(model.clone(), history.clone(), budget_steps);
        Box::new(TypedCheck { model, history, initial, checker, sequential: None })
    }
}

/// The linearizability check alone: its weaker models are not checked.
struct PlainCheck<M: Model> {
    checker: Checker<M>,
}

impl<M: Model + Clone> ModelCheck for PlainCheck<M> {
    fn verdict_search(&mut self) -> &mut dyn VerdictSearch {
        &mut self.checker
    }
    fn run_weaker(&mut self, _steps: u64) -> Option<WeakerModels> {
        Some(WeakerModels {
            sequentially_consistent: Decision::NotApplicable,
            read_your_writes: Decision::NotApplicable,
            monotonic_reads: Decision::NotApplicable,
        })
    }
}

/// A convergent service's check (a CRDT): linearizability, then the
/// session guarantees, decided directly; no search for sequential
/// consistency, which a replicated object that answers before it agrees
/// rarely meets.
struct ConvergentCheck<M: Model> {
    checker: Checker<M>,
    /// What the session guarantees are decided on, kept until the search
    /// is done: they are decided then, in a work slice, not while the
    /// page follows the run.
    history: History,
    initial: Option<Value>,
    semantics: faultline_check::SessionSemantics,
}

impl<M: Model + Clone + 'static> ConvergentCheck<M> {
    fn boxed(model: M, history: History, initial: Option<Value>) -> Box<dyn ModelCheck> {
        let semantics = model.session_semantics();
        let checker = Checker::new(model, history.clone(), CHECK_BUDGET_STEPS);
        Box::new(ConvergentCheck { checker, history, initial, semantics })
    }
}

impl<M: Model + Clone> ModelCheck for ConvergentCheck<M> {
    fn verdict_search(&mut self) -> &mut dyn VerdictSearch {
        &mut self.checker
    }
    fn run_weaker(&mut self, _steps: u64) -> Option<WeakerModels> {
        let initial = self.initial.clone();
        let (read_your_writes, monotonic_reads) =
            faultline_check::session_guarantees(self.semantics, &self.history, initial);
        Some(WeakerModels { sequentially_consistent: Decision::NotApplicable, read_your_writes, monotonic_reads })
    }
}

impl<M: Model + Clone> ModelCheck for TypedCheck<M> {
    fn verdict_search(&mut self) -> &mut dyn VerdictSearch {
        &mut self.checker
    }
    fn run_weaker(&mut self, steps: u64) -> Option<WeakerModels> {
        let search = self.sequential.get_or_insert_with(|| SequentialSearch::new(&self.model, &self.history));
        search.run(&self.model, &self.history, steps);
        if search.decision.is_none() && search.steps < WEAKER_BUDGET_STEPS {
            return None;
        }
        let sequential = search
            .decision
            .clone()
            .unwrap_or(Decision::Unknown { why: format!("the search budget of {WEAKER_BUDGET_STEPS} steps ran out") });
        // The session guarantees are direct checks: no search, no budget.
        let mut weaker = WeakerModels::decide(&self.model, &self.history, self.initial.clone(), 0);
        weaker.sequentially_consistent = sequential;
        Some(weaker)
    }
}

pub struct LiveCheck {
    checked: Option<(usize, usize, usize)>,
    search: Option<Box<dyn ModelCheck>>,
    /// Searching for the weaker models (after a "not linearizable").
    weakening: bool,
    /// Milliseconds worked so far, and at most.
    work_ms: f64,
    budget_ms: f64,
    pub state: CheckState,
    /// The weaker models, once decided (for non-linearizable histories, and
    /// every convergent service's).
    pub weaker: Option<WeakerModels>,
    /// The service promises convergence, not linearizability (a CRDT).
    pub convergent: bool,
}

impl Default for LiveCheck {
    fn default() -> LiveCheck {
        LiveCheck {
            checked: None,
            search: None,
            weakening: false,
            work_ms: 0.0,
            budget_ms: CHECK_BUDGET_MS,
            state: CheckState::Empty,
            weaker: None,
            convergent: false,
        }
    }
}

impl LiveCheck {
    /// A check of `history` against `model` (a history pasted into the
    /// page) within `budget_steps` search steps and `budget_ms` of work:
    /// linearizability, then, if it fails, the weaker models. Work on it
    /// with [`work`](LiveCheck::work).
    pub fn of_history(model: ModelSpec, history: History, budget_steps: u64, budget_ms: f64) -> LiveCheck {
        let initial = model.initial();
        let state = match history.operations.is_empty() {
            true => CheckState::Empty,
            false => CheckState::Checking { steps: 0 },
        };
        let search = Some(TypedCheck::boxed(model, history, initial, budget_steps));
        LiveCheck { search, budget_ms, state, ..LiveCheck::default() }
    }

    /// Stop now, for `reason`: the verdict is what the search found so far
    /// (unknown with how far it got, or a failure already found, not yet
    /// shrunk), and weaker models not yet decided are unknown.
    pub fn stop(&mut self, reason: &str) {
        let Some(search) = self.search.as_mut() else { return };
        if let CheckState::Checking { .. } = self.state {
            self.state = CheckState::Done(search.verdict_search().stop(reason));
        }
        self.weakening = false;
        if matches!(self.verdict(), Some(Verdict::NotLinearizable(_))) && self.weaker.is_none() {
            let unknown = || Decision::Unknown { why: reason.to_string() };
            self.weaker = Some(WeakerModels {
                sequentially_consistent: unknown(),
                read_your_writes: unknown(),
                monotonic_reads: unknown(),
            });
        }
    }

    /// Whether the linearizability search found a failure and is
    /// shrinking it.
    pub fn shrinking(&mut self) -> bool {
        self.progress().is_some_and(|(progress, ..)| progress.shrinking)
    }

    /// How far the linearizability search has got, its steps, and the
    /// milliseconds worked on it so far.
    pub fn progress(&mut self) -> Option<(Progress, u64, f64)> {
        let search = self.search.as_mut()?.verdict_search();
        Some((search.progress(), search.steps(), self.work_ms))
    }

    /// Start over if the run's history changed. Returns whether it did.
    pub fn follow(&mut self, sim: &dyn AnySimulation) -> bool {
        let current = signature(sim.history());
        if self.checked == Some(current) {
            return false;
        }
        self.checked = Some(current);
        self.work_ms = 0.0;
        self.weakening = false;
        self.weaker = None;
        self.search = None;
        self.convergent = matches!(sim.history_check(), HistoryCheck::Convergent(_));
        let model = match sim.history_check() {
            HistoryCheck::Linearizable(model) | HistoryCheck::Convergent(model) => model,
            HistoryCheck::Promises { property, explanation } => {
                self.state = CheckState::NotChecked { property, explanation };
                return true;
            }
        };
        if sim.history().is_empty() {
            self.state = CheckState::Empty;
            return true;
        }
        let (history, initial) = (sim.check_history(), model.initial());
        // One model type for every search, `ModelSpec`, so the page carries
        // each search's code once. The weaker models' search only for the
        // models the protocols use it for (a key-value store, a bank).
        self.search = Some(match &model {
            // The models a CRDT's history is checked against, and only those.
            ModelSpec::Counter | ModelSpec::Set | ModelSpec::Register(_) if self.convergent => {
                ConvergentCheck::boxed(model, history, initial)
            }
            ModelSpec::KeyValue(_) | ModelSpec::Bank(_) => {
                TypedCheck::boxed(model, history, initial, CHECK_BUDGET_STEPS)
            }
            _ => Box::new(PlainCheck { checker: Checker::new(model, history, CHECK_BUDGET_STEPS) }),
        });
        self.state = CheckState::Checking { steps: 0 };
        true
    }

    /// Work until `now_ms()` passes `slice_ms` from the start, or the check
    /// ends. Returns whether the state changed to a verdict.
    pub fn work(&mut self, now_ms: &mut dyn FnMut() -> f64, slice_ms: f64) -> bool {
        if self.weakening {
            return self.work_on_weaker(now_ms, slice_ms);
        }
        if !matches!(self.state, CheckState::Checking { .. }) {
            return false;
        }
        let Some(search) = self.search.as_mut().map(|search| search.verdict_search()) else { return false };
        let started = now_ms();
        loop {
            if let Some(verdict) = search.run(STEPS_BETWEEN_CLOCK_READS) {
                self.work_ms += now_ms() - started;
                self.weakening = self.convergent || matches!(verdict, Verdict::NotLinearizable(_));
                self.state = CheckState::Done(verdict);
                return true;
            }
            let elapsed = now_ms() - started;
            if self.work_ms + elapsed >= self.budget_ms {
                self.work_ms += elapsed;
                let reason = format!("the time budget of {} s ran out", self.budget_ms / 1000.0);
                self.state = CheckState::Done(search.stop(&reason));
                // A CRDT's session guarantees are decided directly: they
                // are shown even when linearizability is left undecided.
                self.weakening = self.convergent;
                return true;
            }
            if elapsed >= slice_ms {
                self.work_ms += elapsed;
                self.state = CheckState::Checking { steps: search.steps() };
                return false;
            }
        }
    }

    /// A slice of the search for the weaker models; decides them when done.
    fn work_on_weaker(&mut self, now_ms: &mut dyn FnMut() -> f64, slice_ms: f64) -> bool {
        let Some(search) = self.search.as_mut() else { return false };
        let started = now_ms();
        while now_ms() - started < slice_ms {
            if let Some(weaker) = search.run_weaker(WEAKER_STEPS_BETWEEN_CLOCK_READS) {
                self.weaker = Some(weaker);
                self.weakening = false;
                return true;
            }
        }
        false
    }

    /// Whether the check has work left: a verdict to reach, or the weaker
    /// models to decide after a "not linearizable".
    pub fn is_working(&self) -> bool {
        self.weakening || matches!(self.state, CheckState::Checking { .. })
    }

    pub fn verdict(&self) -> Option<&Verdict> {
        match &self.state {
            CheckState::Done(verdict) => Some(verdict),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_check::Incomplete;

    /// A search that never decides, and session guarantees that hold.
    struct Endless;

    impl VerdictSearch for Endless {
        fn run(&mut self, _steps: u64) -> Option<Verdict> {
            None
        }
        fn stop(&mut self, reason: &str) -> Verdict {
            let incomplete = Incomplete {
                reason: reason.to_string(),
                steps: 0,
                partitions: 1,
                partitions_done: 0,
                unfinished: Vec::new(),
            };
            Verdict::Unknown(incomplete)
        }
        fn steps(&self) -> u64 {
            0
        }
        fn progress(&self) -> Progress {
            Progress::default()
        }
    }

    impl ModelCheck for Endless {
        fn verdict_search(&mut self) -> &mut dyn VerdictSearch {
            self
        }
        fn run_weaker(&mut self, _steps: u64) -> Option<WeakerModels> {
            Some(WeakerModels {
                sequentially_consistent: Decision::NotApplicable,
                read_your_writes: Decision::Holds,
                monotonic_reads: Decision::Holds,
            })
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_convergent_check_out_of_time_still_decides_its_session_guarantees() {
        for convergent in [true, false] {
            let mut check = LiveCheck {
                search: Some(Box::new(Endless)),
                state: CheckState::Checking { steps: 0 },
                convergent,
                ..LiveCheck::default()
            };
            // A clock that jumps past the whole budget at every look.
            let mut now = 0.0;
            let mut clock = || {
                now += CHECK_BUDGET_MS;
                now
            };
            assert!(check.work(&mut clock, CHECK_SLICE_MS), "the verdict changed");
            assert!(matches!(check.verdict(), Some(Verdict::Unknown(_))));
            // The next frame, with time to spare.
            check.work(&mut || 0.0, CHECK_SLICE_MS);
            assert_eq!(check.weaker.is_some(), convergent, "convergent: {convergent}");
            assert!(!check.is_working());
        }
    }
}
