//! Exercises for learners: "make two-phase commit block with one crash",
//! "produce a stale read", "lose an acknowledged write in this buggy Raft".
//!
//! An exercise is data, one JSON file in `static/exercises/` named by its
//! id: a title, the protocol family it is about, the task in a sentence or
//! two, a [`Goal`], a [`FaultBudget`], hints, an explanation shown once it
//! is solved, a solution (timed actions, written as a scenario's), and a
//! complete scenario (its seed fixed, often with scripted client requests
//! that do not reach the goal by themselves). [`IDS`] lists them and
//! [`CATALOG`] compiles their texts in, so that tests and tools read the
//! same files as the page, which may carry them too or fetch them and
//! [`parse`] them. Texts stay in the files; the code only composes the
//! short sentences that say what a run did.
//!
//! Judging ([`Exercise::judge`]) is the same mechanism as everything else
//! in Faultline: the page records the learner's actions into the
//! exercise's scenario, and the judge replays that scenario from its start
//! in a fresh simulation, to the exercise's horizon. It answers three
//! things: whether the scenario is still the exercise (every setting
//! unchanged and the exercise's own actions all there: only added actions
//! are the learner's), how much of the budget those actions use (what
//! mends, like a restart or a heal, is free), and whether the goal was met,
//! at which tick, in a sentence. Goals are a few predicates with
//! parameters over the trace (roles held), the history (linearizability,
//! a removed item read back) and how the run ended (a broken invariant),
//! each evaluated through `dyn AnySimulation` so that no code is compiled
//! once per protocol. The "show me" of the page is
//! `exercise.with_actions(&exercise.solution)`, and the tests replay
//! exactly that.
//!
//! The page's download has a budget, which shapes the code: the file is
//! read through one small JSON tree rather than serde's derives, and the
//! scenario and the solution by the scenario crate's own decoder.
//!
//! Like the rest of the core, this reads no clock, draws no randomness and
//! knows nothing of the browser.

mod budget;
mod file;
mod goal;
mod judge;

pub use budget::{BudgetUse, FaultBudget, FaultKind};
pub use goal::{Goal, GoalOutcome, InvariantGoal, RoleCount, CHECK_BUDGET_STEPS, JUDGE_STEPS_MAX};
pub use judge::Judgement;

use faultline_scenario::{Scenario, TimedAction};
use std::fmt;

/// The catalog from one list of ids: [`IDS`], and [`CATALOG`] with each
/// file's text compiled in.
macro_rules! catalog {
    ($($id:literal,)*) => {
        /// Every exercise's id, in the order the page lists them: by
        /// protocol, the simpler first. The page compiles in only these and
        /// fetches each file, `static/exercises/ID.json`, when its panel
        /// opens, reading it with [`parse`]: the texts stay out of its
        /// download.
        pub const IDS: &[&str] = &[$($id),*];

        /// Every exercise as (id, the text of its file), in [`IDS`]' order.
        pub const CATALOG: &[(&str, &str)] =
            &[$(($id, include_str!(concat!("../../../static/exercises/", $id, ".json")))),*];
    };
}

catalog! {
    "pb-stale-read",
    "2pc-block",
    "2pc-volatile-vote",
    "raft-no-leader",
    "raft-two-leaders",
    "raft-local-reads",
    "raft-no-step-down",
    "raft-vote-without-log-check",
    "raft-figure-8",
    "crdt-cart",
    "crdt-lww",
    "crdt-duplicate",
    "quorum-sloppy",
}

/// One exercise, read from its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exercise {
    pub id: String,
    pub title: String,
    /// The protocol family, for people ("Raft", "Two-phase commit").
    pub protocol: String,
    /// What to make happen, in a sentence or two.
    pub task: String,
    pub goal: Goal,
    pub budget: FaultBudget,
    pub hints: Vec<String>,
    /// What the learner has just seen and why it happens, once solved.
    pub explanation: String,
    /// How far the judge runs the scenario (its `ticks_max` unless the
    /// file says less).
    pub horizon_ticks: u64,
    pub scenario: Scenario,
    /// Timed actions that solve it, added to the scenario as a learner's.
    pub solution: Vec<TimedAction>,
}

/// Why an exercise's file could not be read: the exercise, the field
/// (`scenario.protocol.nodes`, `solution[1].node`; empty when the file as a
/// whole is at fault) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExerciseError {
    pub exercise: String,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ExerciseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exercise {}: ", self.exercise)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExerciseError {}

/// The exercise called `id` in [`CATALOG`].
pub fn exercise(id: &str) -> Result<Exercise, ExerciseError> {
    let (id, text) = CATALOG.iter().find(|(known, _)| *known == id).ok_or_else(|| ExerciseError {
        exercise: id.to_string(),
        field: String::new(),
        message: "no exercise has this id".into(),
    })?;
    parse(id, text)
}

/// Every exercise of [`CATALOG`], in order.
pub fn exercises() -> Result<Vec<Exercise>, ExerciseError> {
    CATALOG.iter().map(|(id, text)| parse(id, text)).collect()
}

/// An exercise from the text of its file, `id` its name.
pub fn parse(id: &str, text: &str) -> Result<Exercise, ExerciseError> {
    file::exercise(id, text)
}
