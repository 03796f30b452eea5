//! What protocols narrate, in their own words, for the page's event log
//! and timeline: checked on built-in scenarios whose story is known.

use faultline_scenario::{Action, NodeId, TimedAction};
use faultline_sim::{Importance, TraceStep};

fn run(name: &str) -> Vec<TraceStep> {
    run_with(name, vec![])
}

/// A built-in scenario with more actions, as a person would add them.
fn run_with(name: &str, more: Vec<TimedAction>) -> Vec<TraceStep> {
    let path = format!("{}/../static/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut scenario = faultline_scenario::from_json(&text).expect("a valid built-in");
    scenario.actions.extend(more);
    let mut sim = faultline_protocols::build(scenario);
    sim.run_to_end();
    sim.trace().to_vec()
}

fn milestones(trace: &[TraceStep]) -> Vec<String> {
    trace.iter().flat_map(|step| step.milestones()).map(str::to_string).collect()
}

#[test]
fn built_in_scenarios_narrate_their_milestones() {
    let restart_tc = || vec![TimedAction { at_tick: 400, action: Action::Restart { node: NodeId(0) } }];
    let cases: [(&str, Vec<TimedAction>, &str, usize); 4] = [
        // The default scenario elects one leader and keeps it.
        ("raft", vec![], "became leader in term 1", 1),
        // The coordinator crashes after both RMs voted: both are blocked.
        ("2pc-coordinator-crash", vec![], "is blocked: it voted commit on T1", 2),
        ("2pc-coordinator-crash", vec![], "the TC decided", 0),
        // Restarted, it finds T1 undecided in its log and aborts it.
        ("2pc-coordinator-crash", restart_tc(), "the TC decided abort T1: its log says", 1),
    ];
    for (scenario, more, words, count) in cases {
        let said = milestones(&run_with(scenario, more));
        let matching = said.iter().filter(|text| text.contains(words)).count();
        assert_eq!(matching, count, "{scenario}: {words:?} in {said:?}");
    }
}

#[test]
fn a_leader_is_narrated_by_the_step_at_which_it_became_leader() {
    let trace = run("raft");
    let step = trace.iter().find(|step| step.narration.iter().any(|n| n.text.contains("became leader"))).unwrap();
    let leader = step.process.expect("a node's step").to_string();
    let text = &step.narration.iter().find(|n| n.text.contains("became leader")).unwrap().text;
    assert!(text.starts_with(&format!("{leader} became leader")), "{text} at {leader}'s step");
    let details = trace.iter().flat_map(|s| &s.narration).filter(|n| n.importance == Importance::Detail).count();
    assert!(details >= 1, "its candidacy is told too");
}
