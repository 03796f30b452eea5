//! Raft: the book's puzzles and the paper's figure 8 end as the book says,
//! and crash recovery keeps exactly the durable state.

use faultline_protocols::raft::{Raft, Role};
use faultline_scenario::{ClientOperation, KvOperation, NodeId, ProtocolSpec, RaftVariant, Scenario};
use faultline_sim::{EndReason, Simulation, StepKind};

fn builtin(name: &str) -> Scenario {
    let path = format!("{}/../static/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    faultline_scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn simulation(scenario: Scenario) -> Simulation<Raft> {
    let ProtocolSpec::Raft(spec) = scenario.protocol.clone() else { panic!("not a Raft scenario") };
    let service = faultline_protocols::kv::KeyValueService::new(&scenario.workload);
    Simulation::new(scenario, spec, service)
}

/// The first (node, term) seen leading.
fn first_leader(sim: &mut Simulation<Raft>) -> (NodeId, u64) {
    while sim.step().is_some() {
        for n in 0..sim.scenario().protocol.node_count() {
            if let Some(raft) = sim.world().node_state(NodeId(n)) {
                if raft.role() == Role::Leader {
                    return (NodeId(n), raft.current_term());
                }
            }
        }
    }
    panic!("nobody was ever elected");
}

fn values_in_log(raft: &Raft) -> Vec<u64> {
    raft.log()
        .iter()
        .filter_map(|e| match &e.command {
            faultline_protocols::raft::Command::Client {
                operation: faultline_scenario::KvOperation::Write { value, .. },
                ..
            } => Some(*value),
            _ => None,
        })
        .collect()
}

#[test]
fn puzzle_1_only_the_node_with_the_term_3_entries_can_lead_next() {
    let mut sim = simulation(builtin("raft-puzzle-1"));
    assert_eq!(first_leader(&mut sim), (NodeId(0), 4));
    sim.run_to_end();
    for n in 0..3 {
        let raft = sim.world().node_state(NodeId(n)).unwrap();
        assert!(values_in_log(raft).ends_with(&[5, 6]), "n{n} lacks the term-3 entries: {:?}", values_in_log(raft));
        assert!(raft.commit_index() >= 6, "n{n} did not commit them");
    }
}

#[test]
fn puzzle_2_an_entry_replicated_to_nobody_is_lost_safely() {
    let mut sim = simulation(builtin("raft-puzzle-2"));
    let end = sim.run_to_end().clone();
    assert!(matches!(end, EndReason::TickLimit { .. }), "{end:?}");
    for n in 0..3 {
        let raft = sim.world().node_state(NodeId(n)).unwrap();
        assert!(!values_in_log(raft).contains(&9), "#9 survived on n{n}");
        assert_ne!(raft.store().get(&0), Some(&vec![9]));
    }
}

#[test]
fn puzzle_3_the_follower_with_the_entry_wins_and_commits_it() {
    let mut sim = simulation(builtin("raft-puzzle-3"));
    let (leader, term) = first_leader(&mut sim);
    assert_eq!(leader, NodeId(1), "only n1 can win: its log is the most up to date");
    assert!(term >= 4);
    sim.run_to_end();
    for n in [1, 2] {
        let raft = sim.world().node_state(NodeId(n)).unwrap();
        assert_eq!(raft.store().get(&0), Some(&vec![9]), "#9 was not committed and applied on n{n}");
    }
}

#[test]
fn figure_8_counting_replicas_of_an_old_term_loses_a_committed_entry() {
    let scenario = builtin("raft-figure-8");
    let mut buggy = simulation(scenario.clone());
    match buggy.run_to_end() {
        EndReason::InvariantViolated { violation } => assert_eq!(violation.invariant, "leader completeness"),
        other => panic!("the buggy rule was not caught: {other:?}"),
    }
    let mut correct_scenario = scenario;
    let ProtocolSpec::Raft(spec) = &mut correct_scenario.protocol else { unreachable!() };
    spec.variant = RaftVariant::Correct;
    let mut correct = simulation(correct_scenario);
    let end = correct.run_to_end().clone();
    assert!(matches!(end, EndReason::TickLimit { .. }), "the correct rule broke an invariant: {end:?}");
    // With the real rule the term-2 entry is committed through the new
    // leader's own-term no-op, so n4 (whose last entry is of term 3) can
    // never win, and the entry stays, committed.
    let n2 = correct.world().node_state(NodeId(2)).unwrap();
    assert_eq!(n2.log().get(1).term, 2);
    assert!(n2.commit_index() >= 3, "committed through an entry of the leader's term");
    assert_ne!(correct.world().node_state(NodeId(4)).map(Raft::role), Some(Role::Leader));
}

#[test]
fn a_restarted_node_keeps_term_vote_and_log_and_relearns_the_commit_index() {
    let mut scenario = builtin("raft");
    scenario.actions = vec![
        faultline_scenario::TimedAction {
            at_tick: 3_000,
            action: faultline_scenario::Action::Crash { node: NodeId(2) },
        },
        faultline_scenario::TimedAction {
            at_tick: 3_200,
            action: faultline_scenario::Action::Restart { node: NodeId(2) },
        },
    ];
    let mut sim = simulation(scenario);
    sim.run_until_tick(2_999);
    let before = sim.world().node_state(NodeId(2)).unwrap().clone();
    assert!(before.commit_index() > 0);
    sim.run_until_tick(3_100);
    let durable = sim.world().node_durable(NodeId(2)).unwrap().clone();
    assert_eq!(
        (durable.current_term, durable.voted_for, durable.log.len()),
        (before.current_term(), before.voted_for(), before.log().len())
    );
    // Right at its restart (later in the same tick, a leader's message may
    // already bring it entries).
    sim.run_until_tick(3_199);
    let restart = |kind: Option<&StepKind>| {
        matches!(kind, Some(StepKind::Action { action: faultline_scenario::Action::Restart { node: NodeId(2) }, .. }))
    };
    while !restart(sim.trace().last().map(|s| &s.kind)) {
        sim.step().expect("the run goes on to the restart");
    }
    let restarted = sim.world().node_state(NodeId(2)).unwrap();
    assert_eq!(restarted.current_term(), before.current_term());
    assert_eq!(restarted.log(), before.log());
    assert_eq!(restarted.commit_index(), 0, "the commit index is volatile");
    assert!(restarted.store().is_empty(), "the state machine is rebuilt from the log");
    sim.run_until_tick(4_000);
    assert!(
        sim.world().node_state(NodeId(2)).unwrap().commit_index() >= before.commit_index(),
        "it relearns what is committed"
    );
}

#[test]
fn initial_logs_that_break_log_matching_are_refused() {
    let text = r#"{ "version": 1, "seed": 1, "protocol": { "name": "raft", "nodes": 3, "initial": [
        {"term": 1, "log": [{"term": 1, "key": 0, "value": 1}]},
        {"term": 1, "log": [{"term": 1, "key": 0, "value": 2}]},
        {"term": 1, "log": [{"term": 1, "key": 0, "value": 1}]}] } }"#;
    let error = faultline_scenario::from_json(text).unwrap_err().to_string();
    assert!(
        error.starts_with("protocol.initial[1].log[0]: n0 and n1 both have an entry of term 1 at index 1"),
        "{error}"
    );
}

/// Clients that time out quickly on a lossy, duplicating network retry a lot:
/// an append retried after it was logged must still be applied once. Every
/// value is appended at most once, so a value twice in a key's list is an
/// append applied twice; nodes that applied the same prefix of the log hold
/// the same store.
#[test]
fn retried_appends_are_applied_exactly_once() {
    let mut base = builtin("raft");
    base.workload.read_per_mille = 300;
    base.workload.append_per_mille = 600;
    base.workload.timeout_ticks = 40;
    base.workload.operations_max = 150;
    base.network.duplicate_per_mille = 100;
    base.network.loss_per_mille = 50;
    base.limits.ticks_max = 6_000;
    let mut retried_appends_completed = 0;
    for seed in 1..=12 {
        let scenario = faultline_sim::schedule::random_faults_for_sweeps(&base, seed);
        let mut sim = simulation(scenario);
        let end = sim.run_to_end().clone();
        assert!(!matches!(end, EndReason::InvariantViolated { .. }), "seed {seed}: {end:?}");
        retried_appends_completed += sim
            .history()
            .iter()
            .filter(|e| matches!(e.operation, ClientOperation::KeyValue(KvOperation::Append { .. })))
            .filter(|e| e.is_complete() && e.attempts.len() > 1)
            .count();
        let mut store_at_commit_index = std::collections::BTreeMap::new();
        for n in 0..sim.scenario().protocol.node_count() {
            let Some(raft) = sim.world().node_state(NodeId(n)) else { continue };
            for (key, values) in raft.store() {
                let distinct: std::collections::BTreeSet<_> = values.iter().collect();
                assert_eq!(
                    distinct.len(),
                    values.len(),
                    "seed {seed}: n{n} applied an append twice: k{key} = {values:?}"
                );
            }
            let first = store_at_commit_index.entry(raft.commit_index()).or_insert_with(|| raft.store().clone());
            assert_eq!(first, raft.store(), "seed {seed}: n{n} differs from a node with the same commit index");
        }
    }
    assert!(
        retried_appends_completed >= 10,
        "only {retried_appends_completed} retried appends completed: the test lost its point"
    );
}

/// The page builds every node's view every frame: a view carries the newest
/// entries only, however long the log, and says how long the log is.
#[test]
fn a_node_view_carries_the_newest_entries_of_a_long_log() {
    use faultline_sim::{Protocol, LOG_ENTRIES_VIEWED_MAX};
    let mut sim = simulation(builtin("raft"));
    sim.run_to_end();
    let raft = sim.world().node_state(NodeId(0)).unwrap();
    let log_length = raft.log().len();
    assert!(log_length > 2 * LOG_ENTRIES_VIEWED_MAX, "the log is too short to tell: {log_length}");
    let view = raft.view();
    assert_eq!((view.log.len(), view.log_length), (LOG_ENTRIES_VIEWED_MAX, log_length as u64));
    let first_viewed = log_length - LOG_ENTRIES_VIEWED_MAX;
    for (offset, entry) in view.log.iter().enumerate() {
        let in_log = raft.log().get(first_viewed + offset);
        let label = match &in_log.command {
            faultline_protocols::raft::Command::Noop { .. } => "no-op".to_string(),
            faultline_protocols::raft::Command::Client { operation, .. } => operation.to_string(),
        };
        let index = (first_viewed + offset + 1) as u64;
        let settled = index <= raft.commit_index();
        let term = format!("t{}", in_log.term);
        assert_eq!((&entry.note, &entry.label, entry.settled), (&term, &label, settled), "entry {index}");
        assert_eq!(entry.colour, faultline_protocols::raft::term_colour(in_log.term), "entry {index}");
        assert_eq!(view.log_entry_at(index), Some(entry), "entry {index} by its index");
    }
    assert_eq!(view.entries_before_log(), first_viewed as u64);
    // Indexes the view does not carry: before its first entry, past the
    // log's end, and 0 (indexes start at 1).
    for index in [first_viewed as u64, log_length as u64 + 1, 0] {
        assert_eq!(view.log_entry_at(index), None, "index {index}");
    }
}
