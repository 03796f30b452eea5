//! The continuous linearizability check of the history at the current
//! position. The check is resumable: each animation frame gives it a slice
//! of a few milliseconds, so it never blocks the page; when the history
//! changes (an operation invoked, completed or given up) it starts over.

use faultline_check::consistency::SequentialSearch;
use faultline_check::model::KeyValue;
use faultline_check::{Checker, Decision, History, Verdict, WeakerModels, WEAKER_BUDGET_STEPS};
use faultline_sim::history::{check_model, to_check_history};
use faultline_sim::HistoryEntry;

/// Search steps one check may take in all.
pub const CHECK_BUDGET_STEPS: u64 = 20_000_000;
/// Milliseconds of work one check may take in all, across frames.
pub const CHECK_BUDGET_MS: f64 = 5_000.0;
/// Milliseconds of work per animation frame: well inside a 16 ms frame.
pub const CHECK_SLICE_MS: f64 = 6.0;
/// Search steps between two looks at the clock.
const STEPS_BETWEEN_CLOCK_READS: u64 = 4_096;

/// What the badge shows.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckState {
    /// Nothing to check yet.
    Empty,
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

pub struct LiveCheck {
    checked: Option<(usize, usize, usize)>,
    model: KeyValue,
    history: History,
    checker: Option<Checker<KeyValue>>,
    /// After a "not linearizable": the search for a weaker model it meets.
    sequential: Option<SequentialSearch<KeyValue>>,
    work_ms: f64,
    pub state: CheckState,
    /// The weaker models, once decided (only for non-linearizable histories).
    pub weaker: Option<WeakerModels>,
}

impl Default for LiveCheck {
    fn default() -> Self {
        let faultline_check::ModelSpec::KeyValue(model) = check_model() else {
            unreachable!("simulator histories are key-value histories")
        };
        LiveCheck {
            checked: None,
            model,
            history: History::default(),
            checker: None,
            sequential: None,
            work_ms: 0.0,
            state: CheckState::Empty,
            weaker: None,
        }
    }
}

impl LiveCheck {
    /// Start over if the history changed. Returns whether it did.
    pub fn follow(&mut self, history: &[HistoryEntry]) -> bool {
        let current = signature(history);
        if self.checked == Some(current) {
            return false;
        }
        self.checked = Some(current);
        self.work_ms = 0.0;
        self.sequential = None;
        self.weaker = None;
        if history.is_empty() {
            self.checker = None;
            self.state = CheckState::Empty;
            return true;
        }
        self.history = to_check_history(history);
        self.checker = Some(Checker::new(self.model.clone(), self.history.clone(), CHECK_BUDGET_STEPS));
        self.state = CheckState::Checking { steps: 0 };
        true
    }

    /// Work until `now_ms()` passes `slice_ms` from the start, or the check
    /// ends. Returns whether the state changed to a verdict.
    pub fn work(&mut self, now_ms: &mut dyn FnMut() -> f64, slice_ms: f64) -> bool {
        if self.sequential.is_some() {
            return self.work_on_weaker(now_ms, slice_ms);
        }
        let Some(checker) = self.checker.as_mut() else { return false };
        let started = now_ms();
        loop {
            if let Some(verdict) = checker.run(STEPS_BETWEEN_CLOCK_READS) {
                if matches!(verdict, Verdict::NotLinearizable(_)) {
                    self.sequential = Some(SequentialSearch::new(&self.model, &self.history));
                }
                self.state = CheckState::Done(verdict.clone());
                self.checker = None;
                return true;
            }
            let elapsed = now_ms() - started;
            if self.work_ms + elapsed >= CHECK_BUDGET_MS {
                let reason = format!("the time budget of {} s ran out", CHECK_BUDGET_MS / 1000.0);
                self.state = CheckState::Done(checker.stop(&reason).clone());
                self.checker = None;
                return true;
            }
            if elapsed >= slice_ms {
                self.work_ms += elapsed;
                self.state = CheckState::Checking { steps: checker.steps() };
                return false;
            }
        }
    }

    /// A slice of the search for the weaker models; decides them when done.
    fn work_on_weaker(&mut self, now_ms: &mut dyn FnMut() -> f64, slice_ms: f64) -> bool {
        let Some(search) = self.sequential.as_mut() else { return false };
        let started = now_ms();
        while search.decision.is_none() && search.steps < WEAKER_BUDGET_STEPS && now_ms() - started < slice_ms {
            search.run(&self.model, &self.history, STEPS_BETWEEN_CLOCK_READS);
        }
        if search.decision.is_none() && search.steps < WEAKER_BUDGET_STEPS {
            return false;
        }
        let sequential = search
            .decision
            .clone()
            .unwrap_or(Decision::Unknown { why: format!("the search budget of {WEAKER_BUDGET_STEPS} steps ran out") });
        // The session guarantees are direct checks: no search, no budget.
        let mut weaker = WeakerModels::decide(&self.model, &self.history, Some(self.model.initial().clone()), 0);
        weaker.sequentially_consistent = sequential;
        self.weaker = Some(weaker);
        self.sequential = None;
        true
    }

    pub fn verdict(&self) -> Option<&Verdict> {
        match &self.state {
            CheckState::Done(verdict) => Some(verdict),
            _ => None,
        }
    }
}
