//! Goals: predicates over a run (its trace, its history, how it ended),
//! each with parameters so that exercises share them. A goal is followed
//! step by step while the run is simulated (roles) or decided on the run as
//! a whole (the history, the end), and says in a sentence what happened or
//! what is still missing.

use faultline_check::{Checker, Explanation, History, Verdict};
use faultline_scenario::{ClientOperation, ClientOutput, CrdtOperation, CrdtOutput, NodeId};
use faultline_sim::{AnySimulation, EndReason, Endpoint, HistoryEntry, StepKind, TraceStep};

/// What the learner must make happen. In JSON a goal without parameters
/// is its name (`"not-linearizable"`), the others an object with one
/// field, the name: `{ "role-count": { "role": "leader", "at_most": 0,
/// "ticks": 1000 } }`, `{ "invariant-violated": { "invariant": "atomicity" } }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The history is not linearizable: the checker, within a bounded
    /// search, finds no sequential order that respects real time. An
    /// undecided check does not meet it.
    NotLinearizable,
    /// The run ends on a broken safety invariant or quiet property
    /// (`EndReason::violation`): the one named, or any.
    InvariantViolated(InvariantGoal),
    /// For a stretch of `ticks` consecutive ticks, the number of nodes
    /// whose role (the name of their view's role style) is `role` stays
    /// within `at_least..=at_most`: "no leader for 1,000 ticks" is
    /// `at_most: 0`, "two leaders at once" is `at_least: 2`.
    RoleCount(RoleCount),
    /// A client reads a set (a CRDT's) that holds an element the same
    /// client removed before, though every add of that element ended
    /// before the remove began: a removed item came back.
    RemovedItemReturns,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantGoal {
    /// The invariant's name as the protocol's observer gives it
    /// ("leader completeness", "atomicity"); absent for any.
    pub invariant: Option<String>,
}

/// In JSON `at_least` is 0 and `at_most` unbounded when left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleCount {
    pub role: String,
    pub at_least: u32,
    pub at_most: u32,
    pub ticks: u64,
}

/// Whether the goal was met on a run, and a sentence in the learner's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoalOutcome {
    /// First met at `tick`, which may lie ahead of where the page shows the
    /// run: the judgement looks at the whole run.
    Met { tick: u64, why: String },
    /// `why` says what is still missing.
    NotMet { why: String },
}

impl GoalOutcome {
    pub fn is_met(&self) -> bool {
        matches!(self, GoalOutcome::Met { .. })
    }
}

/// Steps a judgement simulates at most, whatever the scenario's limits:
/// the page judges after every action, so a run must stay short (the
/// exercises' runs take a few hundred steps).
pub const JUDGE_STEPS_MAX: u64 = 20_000;

/// Search steps for each linearizability check (the bisection for the
/// first failing tick runs a dozen of them).
pub const CHECK_BUDGET_STEPS: u64 = 200_000;

/// Simulate `sim` from its start to `horizon_tick` (or its end, or
/// [`JUDGE_STEPS_MAX`] steps) and judge `goal` on the run.
pub(crate) fn evaluate(goal: &Goal, sim: &mut dyn AnySimulation, horizon_tick: u64) -> GoalOutcome {
    let mut roles = match goal {
        Goal::RoleCount(count) => Some(RoleWatch::new(count, sim)),
        _ => None,
    };
    let mut steps = 0;
    while steps < JUDGE_STEPS_MAX && sim.run_until_tick_bounded(horizon_tick, 1) == 1 {
        steps += 1;
        let (Some(watch), Some(step)) = (roles.as_mut(), sim.trace().last()) else { continue };
        if let Some(met_tick) = watch.after_step(sim, step) {
            return watch.met(met_tick);
        }
    }
    // A run that stopped early (a broken rule, a limit) ends where it
    // stopped; one that ran out of events stands still until the horizon.
    let end_tick = match sim.ended() {
        _ if steps == JUDGE_STEPS_MAX => sim.now_tick(),
        None | Some(EndReason::Quiescent { .. } | EndReason::TickLimit { .. }) => horizon_tick,
        Some(_) => sim.now_tick(),
    };
    let outcome = match (goal, roles) {
        (_, Some(watch)) => watch.at_end(end_tick),
        (Goal::NotLinearizable, _) => not_linearizable(sim),
        (Goal::InvariantViolated(InvariantGoal { invariant }), _) => {
            invariant_violated(sim, invariant.as_deref(), end_tick)
        }
        (Goal::RemovedItemReturns, _) => removed_item_returns(sim.history()),
        (Goal::RoleCount(_), None) => unreachable!("a role count is followed step by step"),
    };
    match outcome {
        GoalOutcome::NotMet { why } if steps == JUDGE_STEPS_MAX => GoalOutcome::NotMet {
            why: format!("the run was judged only up to tick {end_tick}, its first {JUDGE_STEPS_MAX} steps: {why}"),
        },
        outcome => outcome,
    }
}

// ---------------------------------------------------------------- roles

/// Which nodes hold the role, refreshed only for the nodes a step may have
/// changed (the node that took it; every node after an action), and the
/// stretch of ticks over which the count has been within bounds.
struct RoleWatch<'g> {
    goal: &'g RoleCount,
    holders: Vec<bool>,
    since_tick: Option<u64>,
    longest_ticks: u64,
}

impl<'g> RoleWatch<'g> {
    fn new(goal: &'g RoleCount, sim: &dyn AnySimulation) -> RoleWatch<'g> {
        let mut watch = RoleWatch { goal, holders: Vec::new(), since_tick: None, longest_ticks: 0 };
        watch.refresh_all(sim);
        watch.update(sim.now_tick());
        watch
    }

    /// Follow one step; the tick at which the goal was met, once it is.
    fn after_step(&mut self, sim: &dyn AnySimulation, step: &TraceStep) -> Option<u64> {
        // The count held from `since_tick` up to this step, whatever it does.
        if let Some(met_tick) = self.met_by(step.tick) {
            return Some(met_tick);
        }
        match (&step.kind, step.process) {
            (StepKind::Action { .. }, _) => self.refresh_all(sim),
            (_, Some(Endpoint::Node(node))) => {
                let holds = self.holds_role(sim, node);
                match self.holders.get_mut(node.0 as usize) {
                    Some(held) => *held = holds,
                    None => self.refresh_all(sim),
                }
            }
            _ => return None,
        }
        self.update(step.tick);
        self.met_by(step.tick)
    }

    fn holds_role(&self, sim: &dyn AnySimulation, node: NodeId) -> bool {
        sim.node_role(node).is_some_and(|role| role.name == self.goal.role)
    }

    fn refresh_all(&mut self, sim: &dyn AnySimulation) {
        self.holders = (0..sim.node_count()).map(|n| self.holds_role(sim, NodeId(n))).collect();
    }

    fn update(&mut self, tick: u64) {
        let count = self.holders.iter().filter(|holds| **holds).count() as u32;
        let within = (self.goal.at_least..=self.goal.at_most).contains(&count);
        match (within, self.since_tick) {
            (true, None) => self.since_tick = Some(tick),
            (false, Some(since)) => {
                self.longest_ticks = self.longest_ticks.max(tick - since);
                self.since_tick = None;
            }
            _ => {}
        }
    }

    fn met_by(&self, tick: u64) -> Option<u64> {
        self.since_tick.map(|since| since + self.goal.ticks).filter(|&met| met <= tick)
    }

    fn at_end(self, end_tick: u64) -> GoalOutcome {
        if let Some(met_tick) = self.met_by(end_tick) {
            return self.met(met_tick);
        }
        let longest = self.longest_ticks.max(self.since_tick.map_or(0, |since| end_tick.saturating_sub(since)));
        let (condition, ticks) = (self.condition(), self.goal.ticks);
        GoalOutcome::NotMet { why: format!("the longest time {condition} was {longest} ticks, of the {ticks} needed") }
    }

    /// The bounds in words: "no node is leader", "2 nodes or more are leader".
    fn condition(&self) -> String {
        let RoleCount { role, at_least, at_most, .. } = self.goal;
        match (*at_least, *at_most) {
            (_, 0) => format!("no node was {role}"),
            (1, u32::MAX) => format!("a node was {role}"),
            (least, u32::MAX) => format!("{least} nodes or more were {role}"),
            (least, most) => format!("{least} to {most} nodes were {role}"),
        }
    }

    fn met(&self, met_tick: u64) -> GoalOutcome {
        let RoleCount { role, ticks, .. } = self.goal;
        let since = met_tick - ticks;
        let holders: Vec<String> =
            (0..self.holders.len()).filter(|&n| self.holders[n]).map(|n| format!("n{n}")).collect();
        let why = match holders.len() {
            0 => format!("no node has been {role} for {ticks} ticks, since tick {since}"),
            1 => format!("{} has been {role} for {ticks} ticks, since tick {since}", holders[0]),
            _ => format!("{} have been {role} at once for {ticks} ticks, since tick {since}", holders.join(" and ")),
        };
        GoalOutcome::Met { tick: met_tick, why }
    }
}

// ---------------------------------------------------------------- the end

fn invariant_violated(sim: &dyn AnySimulation, invariant: Option<&str>, end_tick: u64) -> GoalOutcome {
    let end = sim.ended();
    match end.as_ref().and_then(EndReason::violation) {
        Some(violation) if invariant.is_none_or(|name| name == violation.invariant) => {
            let tick = sim.now_tick();
            GoalOutcome::Met { tick, why: format!("the observer stopped the run at tick {tick}: {violation}") }
        }
        Some(violation) => {
            GoalOutcome::NotMet { why: format!("the run broke another rule than the goal's: {violation}") }
        }
        None => {
            let rule = invariant.unwrap_or("every invariant");
            GoalOutcome::NotMet { why: format!("{rule} held up to tick {end_tick}") }
        }
    }
}

// ---------------------------------------------------------------- the history

fn not_linearizable(sim: &dyn AnySimulation) -> GoalOutcome {
    let Some(model) = sim.history_check().model().cloned() else {
        return GoalOutcome::NotMet { why: "this protocol's history is not checked for linearizability".into() };
    };
    let history = sim.check_history();
    let verdict_at = |tick| {
        let mut checker = Checker::new(model.clone(), prefix(&history, tick), CHECK_BUDGET_STEPS);
        checker.run(CHECK_BUDGET_STEPS);
        checker.stop("the search budget ran out").clone()
    };
    let mut reason = match verdict_at(u64::MAX) {
        Verdict::NotLinearizable(explanation) => contradiction(&history, &explanation),
        Verdict::Linearizable(_) => {
            let why = "every operation's result fits one order of the operations that respects real time: the \
                       history is linearizable so far";
            return GoalOutcome::NotMet { why: why.into() };
        }
        Verdict::Unknown(incomplete) => {
            return GoalOutcome::NotMet { why: format!("the checker could not decide: {}", incomplete.reason) }
        }
    };
    // A history that is not linearizable stays so as it grows, so the
    // first tick from which it is not is found by bisection: a dozen checks.
    let (mut low, mut high) =
        (0, history.operations.iter().filter_map(|operation| operation.complete).max().unwrap_or(0));
    while low < high {
        let middle = low + (high - low) / 2;
        match verdict_at(middle) {
            Verdict::NotLinearizable(explanation) => (high, reason) = (middle, contradiction(&history, &explanation)),
            _ => low = middle + 1,
        }
    }
    GoalOutcome::Met { tick: high, why: format!("from tick {high} the history is not linearizable: {reason}") }
}

/// The operation no order explains, and why, for people: "client 0 read 0
/// → 4, but once the operations that must come first took effect, key 0
/// held 9, so it would have returned 9".
fn contradiction(history: &History, explanation: &Explanation) -> String {
    let operation = &history.operations[explanation.blocked];
    match explanation.refusal.is_empty() {
        true => explanation.reason.clone(),
        false => format!(
            "{operation}, but once the operations that must come first took effect, {}, so {}",
            explanation.state, explanation.refusal
        ),
    }
}

/// The history as it stood at `tick`: what was invoked by then, and what
/// completed later still pending.
fn prefix(history: &History, tick: u64) -> History {
    let operations = history.operations.iter().filter(|operation| operation.invoke <= tick);
    let as_then = |operation: &faultline_check::Operation| {
        let mut operation = operation.clone();
        if operation.complete.is_some_and(|complete| complete > tick) {
            (operation.complete, operation.output) = (None, None);
        }
        operation
    };
    History { operations: operations.map(as_then).collect() }
}

fn removed_item_returns(history: &[HistoryEntry]) -> GoalOutcome {
    let found = history.iter().filter_map(|remove| came_back_after(history, remove)).min_by_key(|(tick, _)| *tick);
    match found {
        Some((tick, why)) => GoalOutcome::Met { tick, why },
        None => GoalOutcome::NotMet {
            why: "no client has read back an item it removed (with every add of it before the remove)".into(),
        },
    }
}

/// If `remove` removed an element that a later read of the same client
/// returned, with every add of the element over before the remove began:
/// when that read completed, and what happened.
fn came_back_after(history: &[HistoryEntry], remove: &HistoryEntry) -> Option<(u64, String)> {
    let ClientOperation::Crdt(CrdtOperation::Remove { element }) = remove.operation else { return None };
    let removed_tick = remove.complete_tick?;
    let is_add = |entry: &HistoryEntry| entry.operation == ClientOperation::Crdt(CrdtOperation::Add { element });
    if history.iter().filter(|entry| is_add(entry)).any(|add| add.complete_tick.is_none_or(|t| t >= remove.invoke_tick))
    {
        return None;
    }
    let read = history.iter().find(|read| {
        read.client == remove.client
            && read.invoke_tick > removed_tick
            && matches!(&read.output, Some(ClientOutput::Crdt(CrdtOutput::Members(members))) if members.contains(&element))
    })?;
    let (client, read_tick) = (remove.client, read.complete_tick?);
    let output = read.output.as_ref().map(ToString::to_string).unwrap_or_default();
    let why = format!(
        "{client} removed {element} at tick {removed_tick}, and its read at tick {read_tick} returned {output}: \
         {element} came back, though every add of it was over before the remove"
    );
    Some((read_tick, why))
}
