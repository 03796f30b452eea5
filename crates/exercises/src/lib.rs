//! Exercises for learners: "make two-phase commit block with one crash",
//! "produce a stale read", "lose an acknowledged write in this buggy Raft".
//!
//! An exercise is data, one JSON file in `static/exercises/`, compiled in
//! through [`CATALOG`] so that the page and the tests read the same files:
//! a title, the protocol family it is about, the task in a sentence or
//! two, a [`Goal`], a [`FaultBudget`], hints, an explanation shown once it
//! is solved, a solution (timed actions, written as a scenario's), and a
//! complete scenario (its seed fixed, often with scripted client requests
//! that do not reach the goal by themselves). Texts stay in the files; the
//! code only composes the short sentences that say what a run did.
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
//! Like the rest of the core, this reads no clock, draws no randomness and
//! knows nothing of the browser.

mod budget;
mod goal;
mod judge;

pub use budget::{BudgetUse, FaultBudget, FaultKind};
pub use goal::{Goal, GoalOutcome, InvariantGoal, RoleCount, CHECK_BUDGET_STEPS, JUDGE_STEPS_MAX};
pub use judge::Judgement;

use faultline_scenario::{from_json, to_json_compact, Scenario, ScenarioError, TimedAction};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

/// The exercises' ids, in [`CATALOG`]'s order: what the page compiles in.
/// It fetches each file from `static/exercises/ID.json` when its panel
/// opens, so the texts stay out of its download (a test checks that this
/// list is `CATALOG`'s).
pub const IDS: &[&str] = &[
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
];

/// An exercise's id and the text of its file, `static/exercises/ID.json`.
macro_rules! exercise_file {
    ($id:literal) => {
        ($id, include_str!(concat!("../../../static/exercises/", $id, ".json")))
    };
}

/// Every exercise, as (id, text of its file), in the order the page lists
/// them: by protocol, the simpler first.
pub const CATALOG: &[(&str, &str)] = &[
    exercise_file!("pb-stale-read"),
    exercise_file!("2pc-block"),
    exercise_file!("2pc-volatile-vote"),
    exercise_file!("raft-no-leader"),
    exercise_file!("raft-two-leaders"),
    exercise_file!("raft-local-reads"),
    exercise_file!("raft-no-step-down"),
    exercise_file!("raft-vote-without-log-check"),
    exercise_file!("raft-figure-8"),
    exercise_file!("crdt-cart"),
    exercise_file!("crdt-lww"),
    exercise_file!("crdt-duplicate"),
    exercise_file!("quorum-sloppy"),
];

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

/// The file's shape, each field kept as written and read on its own, so
/// that an error names its field; the scenario and the solution are read
/// by the scenario crate, which knows client operations by protocol.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseFile<'a> {
    #[serde(borrow)]
    title: &'a RawValue,
    #[serde(borrow)]
    protocol: &'a RawValue,
    #[serde(borrow)]
    task: &'a RawValue,
    #[serde(borrow)]
    goal: &'a RawValue,
    #[serde(borrow)]
    budget: &'a RawValue,
    #[serde(borrow)]
    hints: &'a RawValue,
    #[serde(borrow)]
    explanation: &'a RawValue,
    #[serde(borrow, default)]
    horizon_ticks: Option<&'a RawValue>,
    #[serde(borrow)]
    solution: &'a RawValue,
    #[serde(borrow)]
    scenario: &'a RawValue,
}

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

/// An exercise from the text of its file.
pub fn parse(id: &str, text: &str) -> Result<Exercise, ExerciseError> {
    let error = |field: &str, message: String| ExerciseError { exercise: id.to_string(), field: field.into(), message };
    let file: ExerciseFile = serde_json::from_str(text).map_err(|e| error("", e.to_string()))?;
    let scenario = from_json(file.scenario.get()).map_err(|e| in_field(&error, "scenario.", e))?;
    // The solution is read as the actions of the scenario without its own,
    // so that its client requests are the protocol's and its nodes exist.
    let bare = to_json_compact(&Scenario { actions: Vec::new(), ..scenario.clone() });
    let head = bare.strip_suffix("\"actions\":[]}").expect("a scenario's actions are written last");
    let solution = from_json(&format!("{head}\"actions\":{}}}", file.solution.get()))
        .map_err(|e| in_field(&error, "", ScenarioError { path: e.path.replacen("actions", "solution", 1), ..e }))?
        .actions;
    let ticks_max = scenario.limits.ticks_max;
    let horizon_ticks = file.horizon_ticks.map_or(Ok(ticks_max), |raw| read(&error, "horizon_ticks", raw))?;
    if horizon_ticks > ticks_max {
        return Err(error("horizon_ticks", format!("{horizon_ticks} is past the scenario's ticks_max ({ticks_max})")));
    }
    let goal = read(&error, "goal", file.goal)?;
    check_goal(&goal, &scenario).map_err(|message| error("goal", message))?;
    Ok(Exercise {
        id: id.to_string(),
        title: read(&error, "title", file.title)?,
        protocol: read(&error, "protocol", file.protocol)?,
        task: read(&error, "task", file.task)?,
        goal,
        budget: read(&error, "budget", file.budget)?,
        hints: read(&error, "hints", file.hints)?,
        explanation: read(&error, "explanation", file.explanation)?,
        horizon_ticks,
        scenario,
        solution,
    })
}

type ErrorIn<'e> = &'e dyn Fn(&str, String) -> ExerciseError;

/// One field of the file, or an error that names it.
fn read<'a, T: Deserialize<'a>>(error: ErrorIn, field: &str, raw: &'a RawValue) -> Result<T, ExerciseError> {
    serde_json::from_str(raw.get()).map_err(|e| {
        // The position is within the field's own text: no help to anyone.
        let full = e.to_string();
        let tail = format!(" at line {} column {}", e.line(), e.column());
        error(field, full.strip_suffix(&tail).unwrap_or(&full).to_string())
    })
}

/// A scenario error, with its path under `prefix`.
fn in_field(error: ErrorIn, prefix: &str, e: ScenarioError) -> ExerciseError {
    error(format!("{prefix}{}", e.path).trim_end_matches('.'), e.message)
}

/// What a goal names must exist: a role among the protocol's.
fn check_goal(goal: &Goal, scenario: &Scenario) -> Result<(), String> {
    let Goal::RoleCount(count) = goal else { return Ok(()) };
    if count.at_least > count.at_most {
        return Err(format!("at_least ({}) is more than at_most ({})", count.at_least, count.at_most));
    }
    let roles = faultline_protocols::build(scenario.clone()).legend().roles;
    match roles.iter().any(|style| style.name == count.role) {
        true => Ok(()),
        false => {
            let known: Vec<&str> = roles.iter().map(|style| style.name).collect();
            Err(format!("{} has no role {:?} (its roles: {})", scenario.protocol.name(), count.role, known.join(", ")))
        }
    }
}
