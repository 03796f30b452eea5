//! Fault semantics, on a tiny protocol built to make them visible: every
//! node runs a periodic timer, counts its ticks in volatile state, persists
//! a durable counter, and pings its neighbour.
//!
//! Checked: a crash loses volatile state and keeps durable state, cancels
//! the node's timers, and messages reaching a crashed node are dropped; a
//! crash-stopped node never returns; a paused node takes no steps but keeps
//! its state and handles what arrived once it resumes; partitions drop
//! messages on cut links only; links are FIFO unless the network reorders.

use faultline_protocols::kv::KeyValueService;
use faultline_scenario::{Action, KvOperation, Link, NodeId, ProtocolSpec, Scenario, TimedAction};
use faultline_sim::{
    ClientRequest, Context, DropReason, Endpoint, NodeStatus, NodeView, Protocol, Simulation, StepKind, TraceStep,
};

faultline_sim::kinds! {
    /// The ticker's one kind of message, and its one role.
    enum Only {
        Ping => ("Ping", "P", "", "a node pings its neighbour"),
    }
}

const TICK_TIMER: u64 = 1;
const PERIOD_TICKS: u64 = 10;

#[derive(Clone, Debug)]
struct Ticker {
    id: NodeId,
    node_count: u32,
    /// Volatile: timer firings since this incarnation started.
    fires_since_start: u64,
    /// Volatile: pings received since this incarnation started.
    pings_received: u64,
    /// A copy of the durable counter.
    durable_fires: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct Ping {
    sequence: u64,
}

impl Protocol for Ticker {
    type Config = ();
    /// Unused: the ticker's scenarios have no clients.
    type Service = KeyValueService;
    type Message = Ping;
    type MessageKind = Only;
    type Role = Only;
    type Durable = u64;
    type Ghost = ();

    fn new(id: NodeId, node_count: u32, _: &()) -> Self {
        Ticker { id, node_count, fires_since_start: 0, pings_received: 0, durable_fires: 0 }
    }
    fn on_start(&mut self, ctx: &mut Context<Self>, durable: &u64) {
        self.durable_fires = *durable;
        ctx.set_timer(TICK_TIMER, PERIOD_TICKS);
    }
    fn on_message(&mut self, _: &mut Context<Self>, _: NodeId, _: Ping) {
        self.pings_received += 1;
    }
    fn on_timer(&mut self, ctx: &mut Context<Self>, timer: u64) {
        assert_eq!(timer, TICK_TIMER);
        self.fires_since_start += 1;
        self.durable_fires += 1;
        ctx.persist(self.durable_fires);
        let next = NodeId((self.id.0 + 1) % self.node_count);
        ctx.send(next, Ping { sequence: self.durable_fires });
        ctx.set_timer(TICK_TIMER, PERIOD_TICKS);
    }
    fn on_client_request(&mut self, _: &mut Context<Self>, _: ClientRequest<KvOperation>) {}
    fn message_kind(_: &Ping) -> Only {
        Only::Ping
    }
    fn message_label(message: &Ping) -> String {
        format!("Ping {}", message.sequence)
    }
    fn view(&self) -> NodeView {
        NodeView::new(Only::Ping)
    }
}

/// A run of the ticker.
fn ticker(scenario: Scenario) -> Simulation<Ticker> {
    let service = KeyValueService::new(&scenario.workload);
    Simulation::new(scenario, (), service)
}

fn ticker_scenario(actions: Vec<(u64, Action)>) -> Scenario {
    // The protocol field is only read for the node count here.
    let mut scenario = Scenario::new("ticker", 11, ProtocolSpec::PrimaryBackup { nodes: 3 });
    scenario.workload.clients = 0;
    scenario.network.delay_ticks_min = 3;
    scenario.network.delay_ticks_max = 3;
    scenario.limits.ticks_max = 400;
    scenario.actions = actions.into_iter().map(|(at_tick, action)| TimedAction { at_tick, action }).collect();
    scenario
}

fn steps_between(trace: &[TraceStep], from_tick: u64, to_tick: u64) -> impl Iterator<Item = &TraceStep> {
    trace.iter().filter(move |s| s.tick > from_tick && s.tick < to_tick)
}

fn timer_fired_at(step: &TraceStep, node: NodeId) -> bool {
    matches!(step.kind, StepKind::Timer { node: n, .. } if n == node)
}

#[test]
fn crash_loses_volatile_state_keeps_durable_state_cancels_timers_and_drops_incoming() {
    let n1 = NodeId(1);
    let mut sim: Simulation<Ticker> =
        ticker(ticker_scenario(vec![(55, Action::Crash { node: n1 }), (105, Action::Restart { node: n1 })]));
    sim.run_until_tick(54);
    let before = sim.world().node_state(n1).unwrap().clone();
    assert_eq!(before.fires_since_start, 5);
    assert!(before.pings_received > 0);
    let durable_at_crash = *sim.world().node_durable(n1).unwrap();
    assert_eq!(durable_at_crash, 5);

    sim.run_until_tick(60);
    assert_eq!(sim.world().node_status(n1), Some(NodeStatus::Crashed));
    assert!(sim.world().node_state(n1).is_none(), "volatile state survived the crash");
    assert_eq!(sim.world().node_durable(n1), Some(&durable_at_crash), "durable state was lost");
    let report = &sim.world().node_reports()[1];
    assert!(report.timers.is_empty(), "timers of a crashed node are still set: {:?}", report.timers);

    sim.run_until_tick(104);
    let trace = sim.trace();
    assert!(!steps_between(trace, 55, 105).any(|s| timer_fired_at(s, n1)), "a crashed node's timer fired");
    let dropped_for_n1 = steps_between(trace, 55, 105)
        .filter(|s| {
            matches!(s.kind, StepKind::Drop { to: Endpoint::Node(to), reason: DropReason::NodeDown, .. } if to == n1)
        })
        .count();
    assert!(dropped_for_n1 >= 4, "pings to the crashed node were not dropped ({dropped_for_n1})");
    assert!(
        !steps_between(trace, 55, 105).any(|s| s.process == Some(Endpoint::Node(n1))),
        "a crashed node took a step"
    );

    sim.run_until_tick(200);
    let after = sim.world().node_state(n1).unwrap();
    assert_eq!(after.durable_fires, durable_at_crash + after.fires_since_start, "restart did not resume from disk");
    assert!(after.fires_since_start < before.fires_since_start + 10, "volatile counter was not reset");
    assert!(sim.trace().iter().any(|s| matches!(s.kind, StepKind::Action { action: Action::Restart { .. }, .. })));
}

#[test]
fn a_crash_stopped_node_never_returns() {
    let n2 = NodeId(2);
    let mut sim: Simulation<Ticker> =
        ticker(ticker_scenario(vec![(30, Action::CrashStop { node: n2 }), (60, Action::Restart { node: n2 })]));
    sim.run_to_end();
    assert_eq!(sim.world().node_status(n2), Some(NodeStatus::Stopped));
    let restart_note = sim
        .trace()
        .iter()
        .find_map(|s| match &s.kind {
            StepKind::Action { action: Action::Restart { .. }, note } => Some(note.clone()),
            _ => None,
        })
        .unwrap();
    assert!(restart_note.contains("never comes back"), "{restart_note}");
    assert!(!steps_between(sim.trace(), 30, 401).any(|s| timer_fired_at(s, n2)));
}

#[test]
fn a_paused_node_takes_no_steps_keeps_its_state_and_catches_up() {
    let n0 = NodeId(0);
    let mut sim: Simulation<Ticker> = ticker(ticker_scenario(vec![(50, Action::Pause { node: n0, ticks: 100 })]));
    sim.run_until_tick(49);
    let before = sim.world().node_state(n0).unwrap().clone();
    sim.run_until_tick(149);
    assert!(!steps_between(sim.trace(), 50, 150).any(|s| s.process == Some(Endpoint::Node(n0))));
    let during = sim.world().node_state(n0).unwrap();
    assert_eq!((during.fires_since_start, during.pings_received), (before.fires_since_start, before.pings_received));
    sim.run_until_tick(151);
    let after = sim.world().node_state(n0).unwrap();
    assert!(after.pings_received > before.pings_received + 5, "pings that waited were not delivered on resume");
    assert_eq!(after.fires_since_start, before.fires_since_start + 1, "the deferred timer should fire once");
}

#[test]
fn partitions_drop_on_cut_links_only_and_heal() {
    let mut sim: Simulation<Ticker> = ticker(ticker_scenario(vec![
        (40, Action::Partition { islands: vec![vec![NodeId(0)], vec![NodeId(1), NodeId(2)]] }),
        (200, Action::Heal),
    ]));
    sim.run_to_end();
    let drops = |from_tick, to_tick| {
        steps_between(sim.trace(), from_tick, to_tick)
            .flat_map(|s| s.sent.iter().map(move |m| (s, m)))
            .filter(|(_, m)| matches!(m.fate, faultline_sim::SendFate::Dropped { reason: DropReason::Partition }))
            .map(|(s, m)| (s.process, m.to))
            .collect::<Vec<_>>()
    };
    let during = drops(40, 200);
    assert!(!during.is_empty());
    // Ring pings go 0→1, 1→2, 2→0: only 0→1 and 2→0 cross the cut.
    for (from, to) in &during {
        assert!(matches!(
            (from, to),
            (Some(Endpoint::Node(NodeId(0))), Endpoint::Node(NodeId(1)))
                | (Some(Endpoint::Node(NodeId(2))), Endpoint::Node(NodeId(0)))
        ));
    }
    assert!(drops(203, 401).is_empty(), "links stayed cut after the heal");
}

/// The (from, to) node pairs of messages a cut link dropped at send, in
/// ticks `from_tick..to_tick`.
fn partition_drops(sim: &Simulation<Ticker>, from_tick: u64, to_tick: u64) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = steps_between(sim.trace(), from_tick, to_tick)
        .flat_map(|s| s.sent.iter().map(move |m| (s, m)))
        .filter(|(_, m)| matches!(m.fate, faultline_sim::SendFate::Dropped { reason: DropReason::Partition }))
        .map(|(s, m)| match (s.process, m.to) {
            (Some(Endpoint::Node(from)), Endpoint::Node(to)) => (from.0, to.0),
            other => panic!("a partition drop between nodes, not {other:?}"),
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

#[test]
fn cut_links_cuts_both_ways_and_repair_links_repairs_both() {
    let links = vec![Link(NodeId(0), NodeId(1)), Link(NodeId(2), NodeId(0))];
    let mut sim: Simulation<Ticker> = ticker(ticker_scenario(vec![
        (40, Action::CutLinks { links: links.clone() }),
        (200, Action::RepairLinks { links: links[..1].to_vec() }),
    ]));
    sim.run_to_end();
    // Ring pings go 0→1, 1→2, 2→0.
    assert_eq!(partition_drops(&sim, 40, 200), vec![(0, 1), (2, 0)]);
    assert_eq!(partition_drops(&sim, 201, 400), vec![(2, 0)], "n0–n1 repaired, n2–n0 still cut");
}

#[test]
fn a_partition_replaces_earlier_cuts_with_exactly_its_islands() {
    // n1 isolated, then the islands {n0, n1} and {n2}: n0→n1 works again.
    let mut sim: Simulation<Ticker> = ticker(ticker_scenario(vec![
        (40, Action::Isolate { node: NodeId(1) }),
        (200, Action::Partition { islands: vec![vec![NodeId(0), NodeId(1)], vec![NodeId(2)]] }),
    ]));
    sim.run_to_end();
    // Ring pings go 0→1, 1→2, 2→0.
    assert_eq!(partition_drops(&sim, 40, 200), vec![(0, 1), (1, 2)], "isolating n1 cuts its two ring links");
    assert_eq!(partition_drops(&sim, 201, 400), vec![(1, 2), (2, 0)], "the partition repaired n0→n1, cut n2 off");
}

#[test]
fn links_deliver_in_order_unless_the_network_reorders() {
    let ping_order = |reorder_per_mille| {
        let mut scenario = ticker_scenario(vec![]);
        scenario.network.delay_ticks_min = 1;
        scenario.network.delay_ticks_max = 40;
        scenario.network.reorder_per_mille = reorder_per_mille;
        let mut sim: Simulation<Ticker> = ticker(scenario);
        sim.run_to_end();
        let labels: Vec<u64> = sim
            .trace()
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Deliver { from: Endpoint::Node(NodeId(0)), label, .. } => {
                    label.trim_start_matches("Ping ").parse().ok()
                }
                _ => None,
            })
            .collect();
        labels
    };
    let fifo = ping_order(0);
    assert!(fifo.len() > 20);
    assert!(fifo.windows(2).all(|w| w[0] < w[1]), "FIFO link reordered: {fifo:?}");
    let reordered = ping_order(1000);
    assert!(reordered.windows(2).any(|w| w[0] > w[1]), "a fully reordering network kept order");
}

#[test]
fn actions_at_tick_0_come_before_the_nodes_start_and_are_not_undone_by_it() {
    let mut sim: Simulation<Ticker> = ticker(ticker_scenario(vec![
        (0, Action::CrashStop { node: NodeId(0) }),
        (0, Action::Crash { node: NodeId(1) }),
        (0, Action::Restart { node: NodeId(1) }),
    ]));
    sim.run_to_end();
    assert_eq!(sim.world().node_status(NodeId(0)), Some(NodeStatus::Stopped));
    assert!(!sim
        .trace()
        .iter()
        .any(|s| s.process == Some(Endpoint::Node(NodeId(0))) && !matches!(s.kind, StepKind::Action { .. })));
    let starts_of_n1 = sim
        .trace()
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                StepKind::Start { node: NodeId(1), .. }
                    | StepKind::Action { action: Action::Restart { node: NodeId(1) }, .. }
            )
        })
        .count();
    assert_eq!(starts_of_n1, 1, "n1 started twice");
}

#[test]
fn a_long_run_keeps_a_bounded_number_of_snapshots_and_still_seeks_exactly() {
    let mut scenario = ticker_scenario(vec![]);
    let steps = (faultline_sim::SNAPSHOTS_MAX as u64 + 40) * faultline_sim::SNAPSHOT_INTERVAL_STEPS;
    scenario.limits.ticks_max = 10_000_000;
    scenario.limits.steps_max = steps;
    let mut sim: Simulation<Ticker> = ticker(scenario);
    sim.run_to_end();
    assert_eq!(sim.position(), steps);
    assert!(sim.snapshot_count() <= faultline_sim::SNAPSHOTS_MAX, "{} snapshots", sim.snapshot_count());
    for target in [1, steps / 3, steps - 7] {
        sim.seek(target);
        assert_eq!(sim.position(), target);
        let next = sim.step().cloned().unwrap();
        assert_eq!(next, sim.trace()[target as usize], "seeking to {target} replays differently");
    }
}
