//! The quorum store: its built-in scenarios end as the books say (the CAP
//! proof's stale read with R = W = 1, a sloppy quorum's write missed by a
//! strict read, a node joining a loaded ring), one client alone always
//! sees a linearizable history with R + W > N, concurrent writes become
//! siblings, and a busy run with crashes and membership changes keeps the
//! observer's invariant and ends with every key's replicas agreeing.

use faultline_protocols::quorum_kv::explore::simulation;
use faultline_protocols::quorum_kv::QuorumKv;
use faultline_scenario::{
    Action, ClientOutput, KvOperation, KvOutput, NodeId, ProtocolSpec, QuorumConflicts, QuorumKvSpec, Scenario,
    TimedAction,
};
use faultline_sim::{AnySimulation, EndReason, Simulation};

fn builtin(name: &str) -> Scenario {
    let path = format!("{}/../static/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let scenario = faultline_scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    faultline_scenario::validate(&scenario).unwrap();
    scenario
}

fn run(scenario: Scenario) -> Simulation<QuorumKv> {
    let mut sim = simulation(scenario);
    sim.run_to_end();
    sim
}

/// Each read's (invocation tick, values), in history order; `None` for a
/// read that got no answer.
fn reads(sim: &Simulation<QuorumKv>) -> Vec<(u64, Option<Vec<u64>>)> {
    sim.history()
        .iter()
        .filter(|entry| {
            matches!(entry.operation, faultline_scenario::ClientOperation::KeyValue(KvOperation::Read { .. }))
        })
        .map(|entry| {
            let values = match &entry.output {
                Some(ClientOutput::KeyValue(KvOutput::Value(values))) => Some(values.clone()),
                _ => None,
            };
            (entry.invoke_tick, values)
        })
        .collect()
}

fn write_acknowledged(sim: &Simulation<QuorumKv>) -> bool {
    sim.history().iter().any(|entry| entry.output == Some(ClientOutput::KeyValue(KvOutput::WriteOk)))
}

/// The run drained to quiet, where the quiet properties held.
fn ended_quiet(sim: &Simulation<QuorumKv>) {
    assert!(matches!(sim.ended(), Some(EndReason::Quiescent { .. })), "{:?}", sim.ended());
    assert!(sim.stats().last_quiet_tick.is_some(), "never quiet");
}

fn linearizable(sim: &Simulation<QuorumKv>) -> bool {
    let faultline_sim::HistoryCheck::Convergent(model) = sim.history_check() else {
        panic!("a quorum store promises convergence")
    };
    let history = sim.check_history();
    let verdict = faultline_check::with_model!(&model, m => faultline_check::check(m, history, 1_000_000, || None));
    match verdict {
        faultline_check::Verdict::Linearizable(_) => true,
        faultline_check::Verdict::NotLinearizable(_) => false,
        faultline_check::Verdict::Unknown(_) => panic!("undecided"),
    }
}

#[test]
fn the_cap_proof_with_r_and_w_of_one_reads_the_old_value_across_the_partition() {
    let sim = run(builtin("quorum-cap"));
    assert!(write_acknowledged(&sim), "n0 alone acknowledges the write (W = 1)");
    assert_eq!(reads(&sim), [(100, Some(vec![])), (500, Some(vec![1]))], "v0 across the partition, 1 after the heal");
    assert!(!linearizable(&sim));
    ended_quiet(&sim);
}

#[test]
fn the_cap_proof_with_quorums_refuses_the_write_instead() {
    let mut scenario = builtin("quorum-cap");
    let ProtocolSpec::QuorumKv(spec) = &mut scenario.protocol else { unreachable!() };
    spec.read_quorum = 2;
    spec.write_quorum = 2;
    let sim = run(scenario);
    assert!(!write_acknowledged(&sim), "n0 cannot reach W = 2 replicas: no answer");
    // n1's read reaches n2 (R = 2) and returns the old value, which is
    // right: the write was never acknowledged.
    assert_eq!(reads(&sim)[0], (100, Some(vec![])));
    assert!(linearizable(&sim));
}

#[test]
fn a_sloppy_quorums_write_is_missed_by_a_strict_read_until_it_is_handed_off() {
    let sim = run(builtin("quorum-sloppy-missed-read"));
    assert!(write_acknowledged(&sim), "two stand-ins stored it (W = 2)");
    assert_eq!(reads(&sim), [(201, Some(vec![])), (500, Some(vec![1]))]);
    assert!(!linearizable(&sim), "an acknowledged write, then a read that misses it");
    let stats = sim.world().node_state(NodeId(0)).unwrap().counters().clone();
    assert!(stats.sloppy_stand_ins > 0 && stats.hand_offs_sent > 0, "{stats:?}");
    ended_quiet(&sim);
    // Without the sloppy quorum the write is refused and the reads agree.
    let mut scenario = builtin("quorum-sloppy-missed-read");
    let ProtocolSpec::QuorumKv(spec) = &mut scenario.protocol else { unreachable!() };
    spec.sloppy_quorum = false;
    let strict = run(scenario);
    assert!(!write_acknowledged(&strict));
    assert!(linearizable(&strict));
}

#[test]
fn a_node_joining_a_loaded_ring_receives_its_keys_while_the_clients_work() {
    let scenario = builtin("quorum-add-node");
    let sim = run(scenario.clone());
    ended_quiet(&sim);
    assert_eq!(sim.history().iter().filter(|entry| entry.is_complete()).count(), 120, "every operation answered");
    let newcomer = sim.world().node_state(NodeId(5)).unwrap();
    let streamed = newcomer.disk().keys.len();
    assert!(streamed > 0, "n5 holds no key");
    // Exactly the keys the ring of six gives it, and each one is held by
    // exactly its three replicas.
    for key in 0..scenario.workload.keys {
        let replicas = newcomer.replicas_of(key);
        assert_eq!(replicas.len(), 3);
        for n in 0..6 {
            let holds = sim.world().node_state(NodeId(n)).unwrap().disk().versions(key).is_some();
            let written = sim.history().iter().any(|e| {
                matches!(&e.operation, faultline_scenario::ClientOperation::KeyValue(op) if op.is_update() && key_of(op) == key)
            });
            assert_eq!(holds, written && replicas.contains(&NodeId(n)), "k{key} at n{n}, replicas {replicas:?}");
        }
    }
}

fn key_of(operation: &KvOperation) -> u32 {
    match *operation {
        KvOperation::Read { key } | KvOperation::Write { key, .. } | KvOperation::Append { key, .. } => key,
    }
}

/// Five nodes, N = 3, busy clients on `keys` keys, no faults.
fn busy(seed: u64, clients: u32, spec: QuorumKvSpec) -> Scenario {
    let mut scenario = Scenario::new("busy", seed, ProtocolSpec::QuorumKv(spec));
    scenario.workload.clients = clients;
    scenario.workload.keys = 2;
    scenario.workload.read_per_mille = 400;
    scenario.workload.append_per_mille = 300;
    scenario.workload.operations_max = 80;
    scenario.limits.ticks_max = 20_000;
    scenario
}

#[test]
fn one_client_alone_sees_a_linearizable_history_when_r_plus_w_exceeds_n() {
    for seed in 1..=20 {
        for conflicts in QuorumConflicts::ALL {
            let mut spec = QuorumKvSpec::new(5);
            spec.conflicts = conflicts;
            let sim = run(busy(seed, 1, spec));
            assert!(linearizable(&sim), "seed {seed}, {}", conflicts.name());
            ended_quiet(&sim);
        }
    }
}

#[test]
fn concurrent_writes_become_siblings_and_the_next_write_resolves_them() {
    // Two clients write k0 at two coordinators at the same tick: neither
    // write's read phase sees the other.
    let mut scenario = Scenario::new("siblings", 1, ProtocolSpec::QuorumKv(QuorumKvSpec::new(3)));
    scenario.workload.operations_max = 0;
    let request = |at_tick, client, node, operation| TimedAction {
        at_tick,
        action: Action::ClientRequest {
            client: faultline_scenario::ClientId(client),
            node: NodeId(node),
            operation: faultline_scenario::ClientOperation::KeyValue(operation),
        },
    };
    scenario.actions = vec![
        request(10, 0, 0, KvOperation::Write { key: 0, value: 1 }),
        request(10, 1, 1, KvOperation::Write { key: 0, value: 2 }),
        request(200, 0, 2, KvOperation::Read { key: 0 }),
        request(300, 1, 2, KvOperation::Append { key: 0, value: 3 }),
        request(500, 0, 0, KvOperation::Read { key: 0 }),
    ];
    let sim = run(scenario.clone());
    assert_eq!(reads(&sim), [(200, Some(vec![1, 2])), (500, Some(vec![1, 2, 3]))]);
    let siblings_before_resolved =
        sim.world().node_state(NodeId(0)).unwrap().disk().versions(0).unwrap().versions().len();
    assert_eq!(siblings_before_resolved, 1, "the append saw both and replaced them");
    // With last-writer-wins one of the two is lost.
    let ProtocolSpec::QuorumKv(spec) = &mut scenario.protocol else { unreachable!() };
    spec.conflicts = QuorumConflicts::LastWriterWins;
    let sim = run(scenario);
    let first = reads(&sim)[0].1.clone().unwrap();
    assert_eq!(first.len(), 1, "one write won: {first:?}");
}

#[test]
fn a_busy_run_with_crashes_joins_and_leaves_keeps_its_invariants_and_converges() {
    for seed in 1..=10 {
        let mut scenario = busy(seed, 4, QuorumKvSpec::new(5));
        scenario.actions = vec![
            TimedAction { at_tick: 100, action: Action::Crash { node: NodeId(1) } },
            TimedAction { at_tick: 150, action: Action::AddNode },
            TimedAction { at_tick: 300, action: Action::Restart { node: NodeId(1) } },
            TimedAction { at_tick: 400, action: Action::RemoveNode { node: NodeId(3) } },
        ];
        let sim = run(scenario);
        ended_quiet(&sim);
        let checked = sim.ghost_summary();
        assert!(checked[0].1 > 20, "seed {seed}: {checked:?}");
        assert!(sim.world().node_state(NodeId(3)).is_none(), "n3 left");
    }
}

#[test]
fn the_built_in_scenarios_keep_their_pinned_traces() {
    for (stem, expected) in faultline_tests::QUORUM_KV_TRACE_HASHES {
        let sim = run(builtin(stem));
        assert_eq!(format!("{:016x}", sim.trace_hash()), expected, "{stem}");
    }
}

/// A scripted request of client `client` to `node`.
fn request(at_tick: u64, client: u32, node: u32, operation: KvOperation) -> TimedAction {
    TimedAction {
        at_tick,
        action: Action::ClientRequest {
            client: faultline_scenario::ClientId(client),
            node: NodeId(node),
            operation: faultline_scenario::ClientOperation::KeyValue(operation),
        },
    }
}

#[test]
fn two_appends_a_coordinator_takes_at_once_both_survive() {
    // Neither append's read sees the other; the coordinator orders them
    // itself, and the second keeps the first's value.
    let mut scenario = Scenario::new("one coordinator", 1, ProtocolSpec::QuorumKv(QuorumKvSpec::new(3)));
    scenario.workload.operations_max = 0;
    scenario.actions = vec![
        request(20, 0, 0, KvOperation::Append { key: 0, value: 1 }),
        request(20, 1, 0, KvOperation::Append { key: 0, value: 2 }),
        request(300, 0, 1, KvOperation::Read { key: 0 }),
    ];
    let sim = run(scenario);
    assert_eq!(sim.history().iter().filter(|e| e.output == Some(ClientOutput::KeyValue(KvOutput::WriteOk))).count(), 2);
    // Both values, in the order the coordinator made the versions.
    let read = reads(&sim)[0].1.clone().unwrap();
    assert!(read == [1, 2] || read == [2, 1], "{read:?}");
    assert!(linearizable(&sim));
}

#[test]
fn replicas_sharing_many_keys_still_come_to_agree() {
    let mut spec = QuorumKvSpec::new(3);
    spec.anti_entropy_interval_ticks = 100;
    let mut scenario = busy(1, 4, spec);
    scenario.workload.keys = 600;
    scenario.workload.read_per_mille = 0;
    scenario.workload.operations_max = 700;
    scenario.limits.ticks_max = 40_000;
    let sim = run(scenario);
    ended_quiet(&sim);
    let held = sim.world().node_state(NodeId(0)).unwrap().disk().keys.len();
    assert!(held > 300, "n0 holds {held} keys");
}

#[test]
fn anti_entropy_and_hand_off_keep_their_pace_while_clients_keep_writing() {
    // W = 3: a write to a key of n1's waits for a stand-in while n1 is
    // down, which keeps a hint for it.
    let mut spec = QuorumKvSpec::new(5);
    spec.sloppy_quorum = true;
    spec.write_quorum = 3;
    let mut scenario = busy(1, 8, spec);
    scenario.workload.keys = 16;
    scenario.workload.think_ticks_min = 1;
    scenario.workload.think_ticks_max = 5;
    scenario.workload.operations_max = 2_000;
    scenario.actions = vec![
        TimedAction { at_tick: 50, action: Action::Crash { node: NodeId(1) } },
        TimedAction { at_tick: 300, action: Action::Restart { node: NodeId(1) } },
    ];
    let sim = run(scenario);
    assert!(matches!(sim.ended(), Some(EndReason::Quiescent { .. })), "{:?}", sim.ended());
    // While the clients write (until well past tick 2,000), every node's
    // peer work runs every interval (50 ticks), not once they stop: each
    // holds some of the 16 keys, and they change all the time.
    for node in [0, 2, 3, 4] {
        let firings = sim
            .trace()
            .iter()
            .filter(|s| (400..2_000).contains(&s.tick))
            .filter(|s| matches!(s.kind, faultline_sim::StepKind::Timer { node: n, timer: 1, .. } if n == NodeId(node)))
            .count();
        assert!(firings >= 20, "n{node}'s anti-entropy ran {firings} times in 1,600 ticks");
    }
    let handed_off = |s: &&faultline_sim::TraceStep| matches!(&s.kind, faultline_sim::StepKind::Deliver { label, .. } if label.starts_with("Hand-off ack"));
    assert!(sim.trace().iter().filter(|s| s.tick < 2_000).any(|s| handed_off(&s)), "no hand-off before tick 2,000");
}

#[test]
fn replicas_that_are_up_agreeing_is_agreement_when_one_is_down_at_the_end() {
    let mut scenario = builtin("quorum-cap");
    scenario.actions.push(TimedAction { at_tick: 250, action: Action::Crash { node: NodeId(2) } });
    scenario.actions.sort_by_key(|timed| timed.at_tick);
    let sim = run(scenario);
    assert!(sim.world().node_state(NodeId(2)).is_none(), "n2 stays down");
    assert_eq!(sim.replicas_agree(), Some(true));
}
