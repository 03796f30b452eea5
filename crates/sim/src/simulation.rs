//! A run of a scenario: the world at the current position, the trace of
//! every step computed so far (which may reach past the position after a
//! seek back), and snapshots of the world every [`SNAPSHOT_INTERVAL_STEPS`]
//! steps so that seeking anywhere costs at most that many replayed steps.
//!
//! Recording an action while positioned in the past forks a new future: the
//! computed steps after the position and the actions not yet applied are
//! dropped, and the new action is applied at the next tick.

use crate::history::HistoryEntry;
use crate::protocol::Protocol;
use crate::service::{HistoryCheck, OperationLook, Service};
use crate::style::{Kinds, Style};
use crate::trace::{trace_hash, TraceStep};
use crate::world::{EnabledEvent, EndReason, MessageView, NodeReport, RunStats, World};
use faultline_scenario::{Action, ClientId, ClientOperation, NodeId, Scenario, TimedAction};
use std::fmt;

/// Steps between snapshots at the start of a run. Seeking replays fewer
/// steps than the interval; each snapshot is a clone of the world.
pub const SNAPSHOT_INTERVAL_STEPS: u64 = 256;

/// The most snapshots a run keeps. Past it, every other one is dropped and
/// the interval doubles: memory stays bounded however long the run, and a
/// seek replays at most `steps / SNAPSHOTS_MAX * 2` steps.
pub const SNAPSHOTS_MAX: usize = 512;

pub struct Simulation<P: Protocol> {
    timeline: Timeline,
    world: World<P>,
    /// `snapshots[i]` is the world before step `i * snapshot_interval_steps`.
    snapshots: Vec<World<P>>,
}

/// What a run keeps besides its worlds: the scenario with every action
/// recorded so far, the trace computed so far, and how far apart the
/// snapshots are. Not generic, like the world's environment: only the
/// worlds themselves are the protocol's.
struct Timeline {
    scenario: Scenario,
    trace: Vec<TraceStep>,
    snapshot_interval_steps: u64,
}

/// What recording an action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub at_tick: u64,
    /// Steps of the old future that were dropped by the fork.
    pub steps_dropped: u64,
    /// Actions of the old future that were dropped by the fork.
    pub actions_dropped: usize,
}

/// Why an action could not be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// The run already passed its time limit.
    PastTickLimit { at_tick: u64, ticks_max: u64 },
    /// The scenario would no longer be valid (for example an unknown node).
    Invalid(String),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::PastTickLimit { at_tick, ticks_max } => {
                write!(f, "tick {at_tick} is past the scenario's time limit ({ticks_max} ticks)")
            }
            RecordError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for RecordError {}

impl Timeline {
    /// Keep the step taken at `position`. A step computed before (after a
    /// seek back) must come out the same, or determinism is broken.
    fn keep(&mut self, position: u64, step: TraceStep) -> &TraceStep {
        let position = position as usize;
        if position < self.trace.len() {
            debug_assert_eq!(step, self.trace[position], "replay diverged at step {position}");
        } else {
            self.trace.push(step);
        }
        &self.trace[position]
    }

    /// Whether the world before step `next` is the next snapshot to take,
    /// with `snapshot_count` taken so far.
    fn snapshot_due(&self, next: u64, snapshot_count: usize) -> bool {
        let interval = self.snapshot_interval_steps;
        next.is_multiple_of(interval) && snapshot_count as u64 == next / interval
    }

    /// The snapshot to start from to reach `position`.
    fn snapshot_index(&self, position: u64) -> usize {
        (position / self.snapshot_interval_steps) as usize
    }

    /// Add `action` at `at_tick` to the scenario, after the `applied`
    /// actions; when `position` is in the past, drop the old future (the
    /// steps after it and the actions not yet applied). Returns what was
    /// recorded and how many snapshots are still true.
    fn record(
        &mut self,
        action: Action,
        at_tick: u64,
        position: u64,
        applied: usize,
    ) -> Result<(Recorded, usize), RecordError> {
        let ticks_max = self.scenario.limits.ticks_max;
        if at_tick > ticks_max {
            return Err(RecordError::PastTickLimit { at_tick, ticks_max });
        }
        let forking = (position as usize) < self.trace.len();
        let mut actions = self.scenario.actions.clone();
        let actions_dropped = if forking { actions.split_off(applied).len() } else { 0 };
        let insert_at = applied + actions[applied..].partition_point(|a| a.at_tick <= at_tick);
        actions.insert(insert_at, TimedAction { at_tick, action });
        let candidate = Scenario { actions, ..self.scenario.clone() };
        // The same rules as an authored scenario: a recorded run must stay
        // a scenario that loads and replays.
        faultline_scenario::validate(&candidate).map_err(|e| RecordError::Invalid(e.to_string()))?;

        self.scenario = candidate;
        let steps_dropped = (self.trace.len() as u64).saturating_sub(position);
        self.trace.truncate(position as usize);
        let snapshots_kept = self.snapshot_index(position) + 1;
        Ok((Recorded { at_tick, steps_dropped, actions_dropped }, snapshots_kept))
    }
}

impl<P: Protocol> Simulation<P> {
    /// A run of `scenario`, positioned before its first step. The scenario is
    /// expected to be valid (see `faultline_scenario::validate`); the
    /// simulator does not panic on an invalid one, but notes what it ignored.
    pub fn new(scenario: Scenario, config: P::Config, service: P::Service) -> Simulation<P> {
        let world = World::new(&scenario, config, service);
        Simulation {
            snapshots: vec![world.clone()],
            timeline: Timeline { scenario, trace: Vec::new(), snapshot_interval_steps: SNAPSHOT_INTERVAL_STEPS },
            world,
        }
    }

    /// The scenario with every action recorded so far: replaying it gives
    /// this run.
    pub fn scenario(&self) -> &Scenario {
        &self.timeline.scenario
    }
    pub fn world(&self) -> &World<P> {
        &self.world
    }
    /// Every step computed so far, including any past the position.
    pub fn trace(&self) -> &[TraceStep] {
        &self.timeline.trace
    }
    /// The number of steps applied to the current world.
    pub fn position(&self) -> u64 {
        self.world.step_count()
    }

    /// Take one step. Returns it, or `None` when the run has ended.
    pub fn step(&mut self) -> Option<&TraceStep> {
        self.step_bounded(u64::MAX)
    }

    fn step_bounded(&mut self, tick_bound: u64) -> Option<&TraceStep> {
        let position = self.world.step_count();
        let step = self.world.step(&self.timeline.scenario.actions, tick_bound)?;
        if self.timeline.snapshot_due(self.world.step_count(), self.snapshots.len()) {
            self.snapshots.push(self.world.clone());
            if self.snapshots.len() > SNAPSHOTS_MAX {
                self.thin_snapshots();
            }
        }
        Some(self.timeline.keep(position, step))
    }

    /// Keep every other snapshot and double the interval.
    fn thin_snapshots(&mut self) {
        let kept: Vec<World<P>> = std::mem::take(&mut self.snapshots).into_iter().step_by(2).collect();
        self.snapshots = kept;
        self.timeline.snapshot_interval_steps *= 2;
        debug_assert!(self.snapshots.len() <= SNAPSHOTS_MAX);
    }

    /// Take every step up to and including tick `tick`. Returns how many.
    pub fn run_until_tick(&mut self, tick: u64) -> u64 {
        let before = self.position();
        while self.step_bounded(tick).is_some() {}
        self.position() - before
    }

    /// Take the steps up to and including tick `tick`, but at most
    /// `steps_max` of them. Returns how many were taken.
    pub fn run_until_tick_bounded(&mut self, tick: u64, steps_max: u64) -> u64 {
        let mut taken = 0;
        while taken < steps_max && self.step_bounded(tick).is_some() {
            taken += 1;
        }
        taken
    }

    /// Run until the run ends (a limit, or nothing left to happen).
    pub fn run_to_end(&mut self) -> &EndReason {
        while self.step().is_some() {}
        self.world.ended().expect("a run that stops stepping has ended")
    }

    /// Move to just after step `position - 1` (position 0 is the start).
    /// Going back restores the nearest snapshot and replays; going forward
    /// steps (computing new steps if needed). Stops early if the run ends.
    pub fn seek(&mut self, position: u64) {
        if position < self.position() {
            self.world = self.snapshots[self.timeline.snapshot_index(position)].clone();
        }
        while self.position() < position && self.step().is_some() {}
    }

    /// Record an action at the next tick. If the position is in the past,
    /// this forks: the rest of the old future is dropped.
    pub fn record(&mut self, action: Action) -> Result<Recorded, RecordError> {
        self.record_not_before(action, 0)
    }

    /// Like [`record`](Self::record), but not before tick `tick_min`: the UI
    /// passes the time it shows, which may be ahead of the last step.
    pub fn record_not_before(&mut self, action: Action, tick_min: u64) -> Result<Recorded, RecordError> {
        let at_tick = self.world.record_tick().max(tick_min);
        let (recorded, snapshots_kept) =
            self.timeline.record(action, at_tick, self.position(), self.world.next_action_index())?;
        self.snapshots.truncate(snapshots_kept);
        self.world.reopen_if_quiescent();
        Ok(recorded)
    }

    pub fn history(&self) -> &[HistoryEntry] {
        self.world.history()
    }
    /// How many snapshots the run keeps (at most [`SNAPSHOTS_MAX`]).
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }
    pub fn stats(&self) -> &RunStats {
        self.world.stats()
    }
    pub fn trace_hash(&self) -> u64 {
        trace_hash(&self.timeline.trace)
    }
}

/// A simulation of any protocol, behind one object-safe interface: what the
/// CLI and the web app hold once a scenario has chosen its protocol.
pub trait AnySimulation {
    fn scenario(&self) -> &Scenario;
    fn trace(&self) -> &[TraceStep];
    fn position(&self) -> u64;
    fn now_tick(&self) -> u64;
    /// How many nodes were ever numbered (those at the start, and any that
    /// joined; some may have left).
    fn node_count(&self) -> u32;
    fn step(&mut self) -> Option<TraceStep>;
    fn run_until_tick(&mut self, tick: u64) -> u64;
    fn run_until_tick_bounded(&mut self, tick: u64, steps_max: u64) -> u64;
    fn run_to_end(&mut self) -> EndReason;
    fn seek(&mut self, position: u64);
    fn record_not_before(&mut self, action: Action, tick_min: u64) -> Result<Recorded, RecordError>;
    fn ended(&self) -> Option<EndReason>;
    fn history(&self) -> &[HistoryEntry];
    fn stats(&self) -> RunStats;
    fn nodes(&self) -> Vec<NodeReport>;
    /// The style of a node's role while it is up: its report's role, far
    /// cheaper than every node's report.
    fn node_role(&self, node: NodeId) -> Option<Style>;
    fn messages_in_flight(&self) -> Vec<MessageView>;
    fn enabled_events(&self) -> Vec<EnabledEvent>;
    fn cut_links(&self) -> Vec<(NodeId, NodeId)>;
    /// The protocol observer's counters ("leaders elected", ...).
    fn ghost_summary(&self) -> Vec<(String, u64)>;
    /// What the protocol's observer sees now, as labelled values.
    fn observations(&self) -> Vec<(String, String)>;
    /// Whether the nodes that are up hold the same data (`None`: the
    /// protocol replicates none).
    fn replicas_agree(&self) -> Option<bool>;
    /// The styles of the protocol's roles, message kinds and operations.
    fn legend(&self) -> Legend;
    /// How the lanes show an operation of the history.
    fn look(&self, entry: &HistoryEntry) -> OperationLook;
    /// How the history is judged.
    fn history_check(&self) -> HistoryCheck;
    /// The history as the checker reads it (operation `i` is entry `i`).
    fn check_history(&self) -> faultline_check::History;
    /// Whether nodes may join and leave during a run.
    fn supports_membership_changes(&self) -> bool;
    /// The properties checked whenever the system is quiet.
    fn quiet_properties(&self) -> &'static [&'static str];
    /// Whether the system is quiet now (see `World::is_quiet`).
    fn is_quiet(&self) -> bool;
    /// A request a person could send now (`World::suggested_request`).
    fn suggested_request(&self) -> Option<(ClientId, ClientOperation)>;
}

/// A protocol's kinds, for the page's legend and drawing: `messages[i]` is
/// the style of `MessageKindId::Protocol(i)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Legend {
    pub roles: Vec<Style>,
    pub messages: Vec<Style>,
    pub operations: Vec<Style>,
}

impl<P: Protocol> AnySimulation for Simulation<P> {
    fn scenario(&self) -> &Scenario {
        Simulation::scenario(self)
    }
    fn trace(&self) -> &[TraceStep] {
        Simulation::trace(self)
    }
    fn position(&self) -> u64 {
        Simulation::position(self)
    }
    fn now_tick(&self) -> u64 {
        self.world.now_tick()
    }
    fn node_count(&self) -> u32 {
        self.world.node_count()
    }
    fn step(&mut self) -> Option<TraceStep> {
        Simulation::step(self).cloned()
    }
    fn run_until_tick(&mut self, tick: u64) -> u64 {
        Simulation::run_until_tick(self, tick)
    }
    fn run_until_tick_bounded(&mut self, tick: u64, steps_max: u64) -> u64 {
        Simulation::run_until_tick_bounded(self, tick, steps_max)
    }
    fn run_to_end(&mut self) -> EndReason {
        Simulation::run_to_end(self).clone()
    }
    fn seek(&mut self, position: u64) {
        Simulation::seek(self, position)
    }
    fn record_not_before(&mut self, action: Action, tick_min: u64) -> Result<Recorded, RecordError> {
        Simulation::record_not_before(self, action, tick_min)
    }
    fn ended(&self) -> Option<EndReason> {
        self.world.ended().cloned()
    }
    fn history(&self) -> &[HistoryEntry] {
        Simulation::history(self)
    }
    fn stats(&self) -> RunStats {
        Simulation::stats(self).clone()
    }
    fn nodes(&self) -> Vec<NodeReport> {
        self.world.node_reports()
    }
    fn node_role(&self, node: NodeId) -> Option<Style> {
        self.world.node_role(node)
    }
    fn messages_in_flight(&self) -> Vec<MessageView> {
        self.world.messages_in_flight()
    }
    fn enabled_events(&self) -> Vec<EnabledEvent> {
        self.world.enabled_events()
    }
    fn cut_links(&self) -> Vec<(NodeId, NodeId)> {
        self.world.cut_links().collect()
    }
    fn ghost_summary(&self) -> Vec<(String, u64)> {
        self.world.ghost_summary()
    }
    fn observations(&self) -> Vec<(String, String)> {
        P::observe(self.world.ghost(), &self.world.cluster())
    }
    fn replicas_agree(&self) -> Option<bool> {
        P::replicas_agree(&self.world.cluster())
    }
    fn legend(&self) -> Legend {
        Legend {
            roles: P::Role::styles(),
            messages: P::MessageKind::styles(),
            operations: <P::Service as Service>::OperationKind::styles(),
        }
    }
    fn look(&self, entry: &HistoryEntry) -> OperationLook {
        P::Service::look(entry)
    }
    fn history_check(&self) -> HistoryCheck {
        self.world.service().history_check()
    }
    fn check_history(&self) -> faultline_check::History {
        self.world.service().to_check_history(self.world.history())
    }
    fn supports_membership_changes(&self) -> bool {
        P::MEMBERSHIP_CHANGES
    }
    fn quiet_properties(&self) -> &'static [&'static str] {
        P::quiet_properties()
    }
    fn is_quiet(&self) -> bool {
        self.world.is_quiet()
    }
    fn suggested_request(&self) -> Option<(ClientId, ClientOperation)> {
        let (client, operation) = self.world.suggested_request(self.position())?;
        Some((client, operation.into()))
    }
}
