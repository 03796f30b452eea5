//! Time travel: seeking anywhere gives the state a straight run reaches, and
//! an action recorded live replays to the same run from the scenario alone.

use faultline_protocols::build;
use faultline_scenario::{Action, NodeId};
use faultline_sim::SNAPSHOT_INTERVAL_STEPS;
use faultline_tests::determinism_scenarios;

/// Everything observable at a position, for comparing two ways of getting there.
fn observable(sim: &dyn faultline_sim::AnySimulation) -> String {
    format!(
        "{} {} {:?} {:?} {:?} {:?} {:?}",
        sim.position(),
        sim.now_tick(),
        sim.nodes(),
        sim.messages_in_flight(),
        sim.history(),
        sim.stats(),
        sim.cut_links()
    )
}

#[test]
fn seeking_back_and_forth_matches_a_straight_run() {
    let scenario = determinism_scenarios().remove(3);
    let mut full = build(scenario.clone());
    full.run_to_end();
    let total = full.position();
    assert!(total > 3 * SNAPSHOT_INTERVAL_STEPS, "the run is too short to cross snapshots: {total} steps");
    let targets = [total / 2, 7, total, 0, SNAPSHOT_INTERVAL_STEPS, SNAPSHOT_INTERVAL_STEPS - 1, total - 1, 1];
    for &target in &targets {
        full.seek(target);
        let mut straight = build(scenario.clone());
        while straight.position() < target {
            straight.step().expect("the straight run reaches the target");
        }
        assert_eq!(observable(full.as_ref()), observable(straight.as_ref()), "seek to {target} differs");
    }
    // Seeking never changes the computed trace.
    assert_eq!(full.trace().len() as u64, total);
}

#[test]
fn an_action_recorded_live_replays_identically() {
    let scenario = determinism_scenarios().remove(0);
    let mut live = build(scenario.clone());
    live.run_until_tick(400);
    live.record_not_before(Action::Crash { node: NodeId(2) }, 0).unwrap();
    live.run_until_tick(700);
    live.record_not_before(Action::Isolate { node: NodeId(0) }, 750).unwrap();
    live.run_until_tick(1_200);
    live.record_not_before(Action::Restart { node: NodeId(2) }, 0).unwrap();
    live.run_to_end();

    let mut replay = build(live.scenario().clone());
    replay.run_to_end();
    assert_eq!(live.trace(), replay.trace());
}

#[test]
fn recording_in_the_past_forks_a_new_future() {
    let scenario = determinism_scenarios().remove(1);
    let mut sim = build(scenario.clone());
    sim.run_until_tick(1_500);
    sim.record_not_before(Action::Crash { node: NodeId(1) }, 0).unwrap();
    sim.run_to_end();
    let long_trace = sim.trace().len() as u64;

    sim.seek(long_trace / 3);
    let tick_at_fork = sim.now_tick();
    let recorded = sim.record_not_before(Action::Pause { node: NodeId(0), ticks: 100 }, 0).unwrap();
    assert!(recorded.steps_dropped > 0, "the old future was not dropped");
    assert_eq!(recorded.at_tick, tick_at_fork + 1);
    assert_eq!(sim.trace().len() as u64, long_trace / 3);
    // The crash at 1500 was in the old future: it is gone.
    assert!(recorded.actions_dropped >= 1);
    assert!(!sim.scenario().actions.iter().any(|a| a.action == Action::Crash { node: NodeId(1) } && a.at_tick > 1_000));
    sim.run_to_end();

    let mut replay = build(sim.scenario().clone());
    replay.run_to_end();
    assert_eq!(sim.trace(), replay.trace());
}

#[test]
fn recording_after_a_quiet_end_reopens_the_run() {
    let mut scenario = determinism_scenarios().remove(2);
    scenario.actions.clear();
    scenario.workload.operations_max = 5;
    let mut sim = build(scenario);
    let end = sim.run_to_end();
    assert!(matches!(end, faultline_sim::EndReason::Quiescent { .. }), "{end:?}");
    let steps = sim.position();
    sim.record_not_before(Action::Crash { node: NodeId(0) }, 0).unwrap();
    sim.run_to_end();
    assert_eq!(sim.position(), steps + 1, "the crash was not applied");
}

#[test]
fn recording_past_the_time_limit_is_refused_with_a_reason() {
    let mut scenario = determinism_scenarios().remove(2);
    scenario.limits.ticks_max = 100;
    let mut sim = build(scenario);
    let error = sim.record_not_before(Action::Heal, 500).unwrap_err();
    assert!(error.to_string().contains("time limit"), "{error}");
    let error = sim.record_not_before(Action::Crash { node: NodeId(9) }, 0).unwrap_err();
    assert!(error.to_string().contains("node 9 does not exist"), "{error}");
}
