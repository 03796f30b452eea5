//! CRDTs: the built-in scenarios end as the books say (the shopping cart
//! brings back an item re-added concurrently with its removal, a counter
//! incremented on both sides of a partition converges to the sum, clock
//! skew loses a write, a counter without duplicate detection over-counts),
//! and a busy run of every type, both ways, converges with its observer's
//! checks holding at every step.

use faultline_protocols::crdt::explore::{replicas, simulation};
use faultline_protocols::crdt::object::{Object, StateObject};
use faultline_protocols::crdt::Crdt;
use faultline_protocols::Protocol;
use faultline_scenario::{
    ClientOutput, CrdtOutput, CrdtReplication, CrdtSpec, CrdtType, NodeId, ProtocolSpec, Scenario,
};
use faultline_sim::{EndReason, Simulation};

fn builtin(name: &str) -> Scenario {
    let path = format!("{}/../static/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    faultline_scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every replica's value, `None` for one that is down.
fn values(sim: &Simulation<Crdt>) -> Vec<Option<CrdtOutput>> {
    (0..sim.world().node_count()).map(|n| sim.world().node_state(NodeId(n)).map(|r| r.value().clone())).collect()
}

/// What each read returned, in history order, as (invocation tick, output).
fn reads(sim: &Simulation<Crdt>) -> Vec<(u64, CrdtOutput)> {
    sim.history()
        .iter()
        .filter_map(|entry| match &entry.output {
            Some(ClientOutput::Crdt(output)) if *output != CrdtOutput::Done => {
                Some((entry.invoke_tick, output.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Which replicas the page marks diverged.
fn diverged(sim: &Simulation<Crdt>) -> Vec<bool> {
    let reports = sim.world().node_reports();
    reports.iter().map(|r| r.view.as_ref().is_some_and(|v| v.tags.iter().any(|t| t.name == "diverged"))).collect()
}

fn members(elements: &[u64]) -> CrdtOutput {
    CrdtOutput::Members(elements.to_vec())
}

#[test]
fn the_shopping_cart_brings_back_the_item_added_concurrently_with_its_removal() {
    let mut sim = simulation(builtin("crdt-shopping-cart"));
    sim.run_until_tick(290);
    assert_eq!(values(&sim), [Some(members(&[2])), Some(members(&[1, 3]))], "each side sees its own cart");
    let end = sim.run_to_end().clone();
    assert!(matches!(end, EndReason::Quiescent { .. }), "{end}");
    assert_eq!(values(&sim), [Some(members(&[1, 2, 3])), Some(members(&[1, 2, 3]))], "A, B and C after the heal");
    assert_eq!(
        reads(&sim),
        [(200, members(&[2])), (200, members(&[1, 3])), (450, members(&[1, 2, 3])), (450, members(&[1, 2, 3]))]
    );
    // The observer marks the moment the two sides agree again, after the heal.
    let milestones: Vec<(u64, &str)> =
        sim.trace().iter().flat_map(|step| step.milestones().map(move |text| (step.tick, text))).collect();
    assert_eq!(milestones.len(), 1, "{milestones:?}");
    let (tick, text) = milestones[0];
    assert!(tick > 300 && text.starts_with("replicas converged on {1 2 3} after "), "{milestones:?}");
    // Why A is back: the remove at n0 tombstoned only the add it had seen
    // (n0's, tag n0#1); the add c1 made at n1 during the partition (tag
    // n1#1) was concurrent with it and survives.
    for replica in replicas(&sim) {
        let Object::State(StateObject::OrSet(cart)) = &replica.expect("up").object else { panic!("an OR-Set") };
        assert_eq!(cart.live_tags(1).into_iter().collect::<Vec<_>>(), [(1, 1)]);
    }
}

#[test]
fn a_counter_incremented_on_both_sides_of_a_partition_converges_to_the_sum() {
    let mut sim = simulation(builtin("crdt-counter-partition"));
    sim.run_until_tick(390);
    let count = CrdtOutput::Count;
    assert_eq!(values(&sim), [Some(count(8)), Some(count(6)), Some(count(6))]);
    // Every replica is marked diverged: each disagrees with another.
    assert_eq!(diverged(&sim), [true, true, true]);
    let end = sim.run_to_end().clone();
    assert!(matches!(end, EndReason::Quiescent { .. }), "{end}");
    assert_eq!(values(&sim), [Some(count(14)), Some(count(14)), Some(count(14))]);
    assert_eq!(diverged(&sim), [false, false, false]);
    // The moment they agreed again is a milestone of the run.
    let milestones: Vec<&str> = sim.trace().iter().flat_map(|step| step.milestones()).collect();
    assert!(milestones.iter().any(|m| m.starts_with("replicas converged on 14 after")), "{milestones:?}");
    let after_heal: Vec<CrdtOutput> =
        reads(&sim).into_iter().filter(|(tick, _)| *tick >= 600).map(|(_, r)| r).collect();
    assert_eq!(after_heal, [count(14), count(14), count(14)]);
}

#[test]
fn clock_skew_makes_a_last_writer_wins_register_lose_the_later_write() {
    let mut sim = simulation(builtin("crdt-lww-clock-skew"));
    let end = sim.run_to_end().clone();
    let EndReason::InvariantViolated { violation } = end else { panic!("expected a violation, got {end}") };
    assert_eq!(violation.invariant, "last writer wins");
    // The write of 2 at tick 120 came after the write of 1 at tick 100, yet
    // n1's clock stamped its write later: 1 wins.
    assert_eq!(values(&sim)[0], Some(CrdtOutput::Register(vec![1])));
}

#[test]
fn duplicates_are_ignored_by_the_correct_counter_and_counted_twice_by_the_buggy_one() {
    let duplicates_ignored = |sim: &Simulation<Crdt>| -> Vec<String> {
        (0..3)
            .map(|n| sim.world().node_state(NodeId(n)).unwrap().view())
            .map(|view| view.fields.iter().find(|(name, _)| name == "duplicates ignored").unwrap().1.clone())
            .collect()
    };
    let mut correct = simulation(builtin("crdt-counter-duplicates"));
    let end = correct.run_to_end().clone();
    assert!(matches!(end, EndReason::Quiescent { .. }), "{end}");
    assert_eq!(values(&correct), vec![Some(CrdtOutput::Count(6)); 3]);
    let ignored = duplicates_ignored(&correct);
    assert!(ignored.iter().all(|count| count != "0"), "every replica met duplicates: {ignored:?}");

    let mut buggy = simulation(builtin("crdt-counter-duplicates-buggy"));
    let end = buggy.run_to_end().clone();
    let EndReason::InvariantViolated { violation } = end else { panic!("expected a violation, got {end}") };
    assert_eq!(violation.invariant, "counter counts every update once");

    // The duplicates are the network's: without them the correct counter
    // meets none, and the buggy one counts right. Anti-entropy sends an
    // effect only where a recent vector says it is missing, and these
    // scenarios gossip every 50 ticks, longer than a round takes (three
    // messages of at most 15 ticks) and than a broadcast: no round's
    // effects cross another's or a broadcast. (With rounds closer, some
    // would: anti-entropy is a source of duplicates too.)
    for stem in ["crdt-counter-duplicates", "crdt-counter-duplicates-buggy"] {
        let mut scenario = builtin(stem);
        scenario.network.duplicate_per_mille = 0;
        let mut sim = simulation(scenario);
        let end = sim.run_to_end().clone();
        assert!(matches!(end, EndReason::Quiescent { .. }), "{stem} without duplication: {end}");
        assert_eq!(values(&sim), vec![Some(CrdtOutput::Count(6)); 3], "{stem} without duplication");
        assert_eq!(duplicates_ignored(&sim), vec!["0"; 3], "{stem} without duplication");
    }
}

/// A busy run of `data_type` under a partition that heals: the observer's
/// checks hold at every step, and the replicas end equal.
fn busy_run_converges(data_type: CrdtType, replication: CrdtReplication) {
    let mut spec = CrdtSpec::new(3, data_type);
    spec.replication = replication;
    let mut scenario = Scenario::new("busy", 11, ProtocolSpec::Crdt(spec));
    scenario.workload.clients = 3;
    scenario.workload.operations_max = 80;
    scenario.network.duplicate_per_mille = 100;
    scenario.network.reorder_per_mille = 300;
    scenario.network.loss_per_mille = 50;
    scenario.limits.ticks_max = 4_000;
    let at = |at_tick, action| faultline_scenario::TimedAction { at_tick, action };
    scenario.actions = vec![
        at(100, faultline_scenario::Action::Partition { islands: vec![vec![NodeId(0)], vec![NodeId(1), NodeId(2)]] }),
        at(400, faultline_scenario::Action::Crash { node: NodeId(2) }),
        at(500, faultline_scenario::Action::Restart { node: NodeId(2) }),
        at(900, faultline_scenario::Action::Heal),
    ];
    let mut sim = simulation(scenario);
    let end = sim.run_to_end().clone();
    assert!(matches!(end, EndReason::Quiescent { .. }), "{data_type:?} {replication:?}: {end}");
    let values = values(&sim);
    assert!(values.iter().all(|value| *value == values[0]), "{data_type:?} {replication:?}: {values:?}");
    assert!(sim.world().ghost().updates_made() > 20, "{data_type:?} {replication:?}: the clients updated");
}

#[test]
fn every_type_converges_both_ways_after_a_partition_with_a_crash() {
    for data_type in CrdtType::ALL {
        for replication in CrdtReplication::ALL {
            busy_run_converges(data_type, replication);
        }
    }
}

/// Over a link that works one way only, an operation-based replica's
/// syncs go unanswered: it then sends the effects themselves, so the
/// other side catches up before the network heals.
#[test]
fn effects_cross_a_link_that_works_one_way_only() {
    let scenario = faultline_scenario::from_json(
        r#"{"version": 1, "seed": 1,
            "protocol": {"name": "crdt", "nodes": 2, "data_type": "g-counter", "replication": "operation"},
            "workload": {"clients": 2, "operations_max": 0},
            "limits": {"ticks_max": 3000},
            "actions": [
                {"at_tick": 1, "action": "partition", "islands": [[0], [1]]},
                {"at_tick": 10, "action": "client-request", "client": 1, "node": 1, "operation": "increment", "by": 4},
                {"at_tick": 20, "action": "client-request", "client": 0, "node": 0, "operation": "increment", "by": 1},
                {"at_tick": 400, "action": "repair-link", "from": 1, "to": 0},
                {"at_tick": 2500, "action": "heal"}
            ]}"#,
    )
    .unwrap();
    let mut sim = simulation(scenario);
    sim.run_until_tick(1000);
    let count = CrdtOutput::Count;
    assert_eq!(values(&sim), [Some(count(5)), Some(count(4))], "n1's update reached n0; n0's cannot reach n1 yet");
    let end = sim.run_to_end().clone();
    assert!(matches!(end, EndReason::Quiescent { .. }), "{end}");
    assert_eq!(values(&sim), [Some(count(5)), Some(count(5))]);
}
