//! Nodes joining and leaving during a run, on a tiny protocol that lets
//! them: every node greets every member when it starts and whenever its
//! timer fires, and counts the greetings it got. Its scenario names
//! primary–backup (the greeter has no parameters of its own), so it is run
//! without validation, which refuses add-node for primary–backup.

use faultline_protocols::kv::KeyValueService;
use faultline_scenario::{Action, KvOperation, NodeId, ProtocolSpec, Scenario, TimedAction};
use faultline_sim::{
    ClientRequest, Context, DropReason, NodeStatus, NodeView, Protocol, Simulation, StepKind, TimerId,
};
use std::collections::BTreeSet;

faultline_sim::kinds! {
    /// The greeter's one kind of message, and its one role.
    enum Only {
        Hello => ("Hello", "H", "", "a node greets another"),
    }
}

const GREET_TIMER: TimerId = 1;

#[derive(Clone, Debug)]
struct Greeter {
    /// Who greeted this node, in this incarnation.
    greeted_by: BTreeSet<NodeId>,
}

impl Protocol for Greeter {
    type Config = ();
    type Service = KeyValueService;
    type Message = ();
    type MessageKind = Only;
    type Role = Only;
    type Durable = ();
    type Ghost = ();
    const MEMBERSHIP_CHANGES: bool = true;

    fn new(_: NodeId, _: u32, _: &()) -> Self {
        Greeter { greeted_by: BTreeSet::new() }
    }
    fn on_start(&mut self, ctx: &mut Context<Self>, _: &()) {
        ctx.broadcast(());
        ctx.set_timer(GREET_TIMER, 40);
    }
    fn on_message(&mut self, _: &mut Context<Self>, from: NodeId, _: ()) {
        self.greeted_by.insert(from);
    }
    fn on_timer(&mut self, ctx: &mut Context<Self>, _: TimerId) {
        ctx.broadcast(());
        ctx.set_timer(GREET_TIMER, 40);
    }
    fn on_client_request(&mut self, _: &mut Context<Self>, _: ClientRequest<KvOperation>) {}
    fn message_kind(_: &()) -> Only {
        Only::Hello
    }
    fn message_label(_: &()) -> String {
        "Hello".to_string()
    }
    fn view(&self) -> NodeView {
        NodeView::new(Only::Hello)
    }
}

fn run(actions: Vec<(u64, Action)>) -> Simulation<Greeter> {
    let mut scenario = Scenario::new("greeters", 5, ProtocolSpec::PrimaryBackup { nodes: 3 });
    scenario.workload.clients = 1;
    scenario.workload.operations_max = 0;
    scenario.limits.ticks_max = 300;
    scenario.actions = actions.into_iter().map(|(at_tick, action)| TimedAction { at_tick, action }).collect();
    let service = KeyValueService::new(&scenario.workload);
    let mut sim = Simulation::new(scenario, (), service);
    sim.run_to_end();
    sim
}

#[test]
fn a_node_that_joins_starts_fresh_and_greets_and_is_greeted_by_the_members() {
    let sim = run(vec![(50, Action::AddNode)]);
    let world = sim.world();
    let n3 = NodeId(3);
    assert_eq!(world.node_count(), 4);
    assert_eq!(world.members(), &[NodeId(0), NodeId(1), NodeId(2), n3]);
    assert_eq!(world.node_status(n3), Some(NodeStatus::Up));
    let everyone_else = |me: u32| (0..4).map(NodeId).filter(|&n| n != NodeId(me)).collect::<BTreeSet<_>>();
    for n in 0..4 {
        assert_eq!(world.node_state(NodeId(n)).unwrap().greeted_by, everyone_else(n), "n{n}");
    }
    // It started in the step after the action, and its clocks follow the
    // clients' (the vector clock grew by one process).
    let started = sim.trace().iter().position(|s| matches!(s.kind, StepKind::Start { node, .. } if node == n3));
    let added = sim.trace().iter().position(|s| matches!(&s.kind, StepKind::Action { action: Action::AddNode, .. }));
    assert_eq!(started, added.map(|a| a + 1));
    let last = sim.trace().last().unwrap();
    assert_eq!(last.vector.len(), 3 + 1 + 1, "3 nodes, 1 client, 1 joined node");
    assert!(sim.trace().iter().any(|s| s.process == Some(faultline_sim::Endpoint::Node(n3)) && s.vector[4] > 0));
}

#[test]
fn a_node_that_leaves_is_greeted_no_more_and_messages_to_it_are_dropped() {
    let sim = run(vec![(42, Action::RemoveNode { node: NodeId(1) })]);
    let world = sim.world();
    assert_eq!(world.members(), &[NodeId(0), NodeId(2)]);
    assert_eq!(world.node_status(NodeId(1)), Some(NodeStatus::Removed));
    // Greetings already on their way when it left are dropped as such...
    let dropped_as_removed =
        sim.trace().iter().filter(|s| matches!(s.kind, StepKind::Drop { reason: DropReason::NodeRemoved, .. })).count();
    assert!(dropped_as_removed > 0, "no greeting met a removed node");
    // ...and later ones are not sent to it at all.
    let sent_to_n1_after = sim
        .trace()
        .iter()
        .filter(|s| s.tick > 42)
        .flat_map(|s| &s.sent)
        .filter(|m| m.to == faultline_sim::Endpoint::Node(NodeId(1)))
        .count();
    assert_eq!(sent_to_n1_after, 0);
    // Actions on it do nothing, and say so.
    let sim = run(vec![(30, Action::RemoveNode { node: NodeId(1) }), (60, Action::Restart { node: NodeId(1) })]);
    let note = sim.trace().iter().find_map(|s| match &s.kind {
        StepKind::Action { action: Action::Restart { .. }, note } => Some(note.clone()),
        _ => None,
    });
    assert_eq!(note.as_deref(), Some("n1 left the cluster: nothing happened"));
}

#[test]
fn every_member_that_is_up_hears_of_a_change_at_the_next_tick_and_one_that_is_down_does_not() {
    let heard = |sim: &Simulation<Greeter>| -> Vec<(u64, NodeId)> {
        sim.trace()
            .iter()
            .filter_map(|s| match s.kind {
                StepKind::Timer { node, timer, .. } if timer == faultline_sim::MEMBERSHIP_CHANGED_TIMER => {
                    Some((s.tick, node))
                }
                _ => None,
            })
            .collect()
    };
    let joined = run(vec![(20, Action::Crash { node: NodeId(2) }), (50, Action::AddNode)]);
    assert_eq!(heard(&joined), [(51, NodeId(0)), (51, NodeId(1))], "not n2 (down), not n3 (it starts)");
    let left = run(vec![(50, Action::RemoveNode { node: NodeId(0) })]);
    assert_eq!(heard(&left), [(51, NodeId(1)), (51, NodeId(2))]);
}

#[test]
fn the_last_node_stays_and_a_run_numbers_at_most_16_nodes() {
    let sim = run(vec![(10, Action::RemoveNode { node: NodeId(0) }), (11, Action::RemoveNode { node: NodeId(1) })]);
    let sim_with_last = run(vec![
        (10, Action::RemoveNode { node: NodeId(0) }),
        (11, Action::RemoveNode { node: NodeId(1) }),
        (12, Action::RemoveNode { node: NodeId(2) }),
    ]);
    assert_eq!(sim.world().members(), &[NodeId(2)]);
    assert_eq!(sim_with_last.world().members(), &[NodeId(2)], "the last node stays");
    let adds = (0..20).map(|i| (10 + i, Action::AddNode)).collect();
    let sim = run(adds);
    assert_eq!(sim.world().node_count(), 16);
    let refused = sim
        .trace()
        .iter()
        .filter(|s| matches!(&s.kind, StepKind::Action { note, .. } if note.contains("at most 16 nodes")))
        .count();
    assert_eq!(refused, 20 - 13);
}

/// Whether a protocol lets nodes join and leave is said twice: by its
/// scenario parameters (which validation reads) and by its node type
/// (which the simulator reads). They agree for every registered protocol.
#[test]
fn the_scenario_and_the_simulator_agree_on_who_lets_nodes_join() {
    let dir = format!("{}/../static/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let scenario = faultline_scenario::from_json(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let sim = faultline_protocols::build(scenario.clone());
        assert_eq!(
            sim.supports_membership_changes(),
            scenario.protocol.supports_membership_changes(),
            "{}",
            scenario.protocol.name()
        );
        seen.insert(scenario.protocol.name());
    }
    let registered: std::collections::BTreeSet<_> = faultline_protocols::PROTOCOLS.iter().map(|p| p.name).collect();
    assert_eq!(seen, registered, "a built-in scenario for every protocol");
}
