//! Two-phase commit: the book's scenarios end as the book says, step by
//! step where it matters (who is blocked, when, and what each RM decides),
//! and the observer's checks hold on a busy bank.

use faultline_protocols::two_phase_commit::{simulation, Decision, Record, TwoPhaseCommit, TxId};
use faultline_scenario::{Action, BankOutput, ClientOutput, NodeId, Scenario};
use faultline_sim::{EndReason, Simulation};

fn builtin(name: &str) -> Scenario {
    let path = format!("{}/../static/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    faultline_scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

const T1: TxId = TxId(1);
const N0: NodeId = NodeId(0);
const N1: NodeId = NodeId(1);
const N2: NodeId = NodeId(2);

fn node(sim: &Simulation<TwoPhaseCommit>, node: NodeId) -> &TwoPhaseCommit {
    sim.world().node_state(node).unwrap_or_else(|| panic!("{node} is down at tick {}", sim.world().now_tick()))
}

/// What the RM's disk says it decided for T1, if anything.
fn logged_decision(sim: &Simulation<TwoPhaseCommit>, rm: NodeId) -> Option<Decision> {
    sim.world().node_durable(rm).unwrap().log.iter().find_map(|record| match record {
        Record::Decided { tx, decision } if *tx == T1 => Some(*decision),
        _ => None,
    })
}

fn balances(sim: &Simulation<TwoPhaseCommit>) -> Vec<u64> {
    [N1, N2].iter().flat_map(|&rm| sim.world().node_durable(rm).unwrap().balances.values().copied()).collect()
}

/// The client's answer, if it got one.
fn answer(sim: &Simulation<TwoPhaseCommit>) -> Option<BankOutput> {
    match sim.history()[0].output.clone() {
        Some(ClientOutput::Bank(output)) => Some(output),
        _ => None,
    }
}

fn run(name: &str) -> Simulation<TwoPhaseCommit> {
    let mut sim = simulation(builtin(name));
    let end = sim.run_to_end().clone();
    assert!(matches!(end, EndReason::Quiescent { .. } | EndReason::TickLimit { .. }), "{name}: {end}");
    sim
}

#[test]
fn an_rm_votes_to_abort_and_everyone_aborts() {
    let sim = run("2pc-vote-abort");
    assert_eq!(logged_decision(&sim, N1), Some(Decision::Abort), "n1 aborted on its own");
    assert_eq!(logged_decision(&sim, N2), Some(Decision::Abort), "n2 voted to commit, then aborted");
    assert_eq!(balances(&sim), [100, 100]);
    assert_eq!(answer(&sim), Some(BankOutput::Aborted));
}

#[test]
fn an_rm_that_crashed_before_voting_aborts_and_so_does_everyone() {
    let mut sim = simulation(builtin("2pc-rm-crash-before-vote"));
    sim.run_until_tick(150);
    assert_eq!(logged_decision(&sim, N1), Some(Decision::Abort), "n0 gave up on n2's vote");
    assert_eq!(logged_decision(&sim, N2), None, "n2 is down and never voted");
    sim.run_to_end();
    assert_eq!(logged_decision(&sim, N2), Some(Decision::Abort), "back, n2 learns the abort");
    assert_eq!(balances(&sim), [100, 100]);
    assert_eq!(answer(&sim), Some(BankOutput::Aborted));
}

#[test]
fn an_rm_that_crashed_after_voting_asks_the_coordinator_and_commits() {
    let mut sim = simulation(builtin("2pc-rm-crash-after-vote"));
    sim.run_until_tick(140);
    assert_eq!(logged_decision(&sim, N1), Some(Decision::Commit));
    let n2_disk = &sim.world().node_durable(N2).unwrap().log;
    assert!(n2_disk.iter().any(|r| matches!(r, Record::VotedCommit { tx, .. } if *tx == T1)), "n2 logged its vote");
    assert_eq!(logged_decision(&sim, N2), None, "n2 went down before the decision reached it");
    sim.run_until_tick(161);
    assert_eq!(node(&sim, N2).prepared(), Some(T1), "back, n2 knows it voted and waits");
    sim.run_to_end();
    assert_eq!(logged_decision(&sim, N2), Some(Decision::Commit));
    assert_eq!(balances(&sim), [70, 130]);
    assert_eq!(answer(&sim), Some(BankOutput::Committed));
}

#[test]
fn rms_stay_blocked_while_the_coordinator_is_down_and_decide_when_it_returns() {
    let mut sim = simulation(builtin("2pc-coordinator-crash"));
    sim.run_until_tick(300);
    for rm in [N1, N2] {
        assert_eq!(node(&sim, rm).prepared(), Some(T1), "{rm} voted to commit");
        assert!(node(&sim, rm).is_blocked(), "{rm} is blocked");
        assert_eq!(logged_decision(&sim, rm), None);
    }
    let waiting = faultline_sim::Protocol::view(node(&sim, N1)).waiting.unwrap();
    assert!(waiting.starts_with("blocked since tick 130: voted to commit T1"), "{waiting}");
    // A user restarts the coordinator.
    sim.record_not_before(Action::Restart { node: N0 }, 301).unwrap();
    sim.run_to_end();
    for rm in [N1, N2] {
        assert_eq!(logged_decision(&sim, rm), Some(Decision::Abort), "{rm}: nobody committed, so n0 aborts");
        assert!(!node(&sim, rm).is_blocked());
    }
    assert_eq!(balances(&sim), [100, 100]);
}

#[test]
fn cooperative_termination_rescues_an_rm_when_another_knows_the_decision() {
    let mut sim = simulation(builtin("2pc-cooperative-rescue"));
    sim.run_to_end();
    assert!(sim.world().node_state(N0).is_none(), "the coordinator stays down");
    assert_eq!(logged_decision(&sim, N1), Some(Decision::Commit));
    assert_eq!(logged_decision(&sim, N2), Some(Decision::Commit), "n1 told n2");
    assert_eq!(balances(&sim), [70, 130]);
}

#[test]
fn cooperative_termination_cannot_help_when_every_rm_voted_and_none_heard() {
    let mut sim = simulation(builtin("2pc-cooperative-blocked"));
    sim.run_until_tick(480);
    for rm in [N1, N2] {
        assert!(node(&sim, rm).is_blocked(), "{rm} is blocked though it asked its peer");
    }
    // They did ask each other.
    let asked_peer = sim
        .trace()
        .iter()
        .flat_map(|step| &step.sent)
        .any(|sent| sent.label.starts_with("Decision-request") && sent.to == faultline_sim::Endpoint::Node(N2));
    assert!(asked_peer);
    sim.run_to_end();
    for rm in [N1, N2] {
        assert_eq!(logged_decision(&sim, rm), Some(Decision::Abort), "{rm} decides once n0 returns");
    }
}

/// The busy bank of the built-in list: many transfers commit and abort, the
/// total holds in every read, and the run drains to quiet, where every
/// transaction is decided at every RM.
#[test]
fn a_busy_bank_keeps_its_money_and_decides_everything() {
    let sim = run("2pc");
    let summary: std::collections::BTreeMap<String, u64> =
        faultline_sim::World::ghost_summary(sim.world()).into_iter().collect();
    assert!(summary["transactions committed"] > 50, "{summary:?}");
    assert!(summary["transactions aborted"] > 20, "{summary:?}");
    let mut reads = 0;
    for entry in sim.history() {
        if let Some(ClientOutput::Bank(BankOutput::Balances(balances))) = &entry.output {
            assert_eq!(balances.iter().sum::<u64>(), 600, "a read saw {balances:?}");
            reads += 1;
        }
    }
    assert!(reads > 30, "only {reads} reads");
    assert!(sim.stats().quiet_checks > 10, "the run was quiet only {} times", sim.stats().quiet_checks);
}

/// Every built-in two-phase-commit scenario's history is linearizable
/// against the bank.
#[test]
fn every_built_in_history_is_linearizable() {
    let dir = format!("{}/../static/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".json").filter(|stem| stem.starts_with("2pc")) else { continue };
        let sim = run(stem);
        let faultline_sim::HistoryCheck::Linearizable(model) = faultline_sim::AnySimulation::history_check(&sim) else {
            panic!("{stem}: the bank is checked for linearizability")
        };
        let history = faultline_sim::AnySimulation::check_history(&sim);
        let verdict = faultline_check::with_model!(&model, m => faultline_check::check(m, history, 1_000_000, || None));
        assert!(matches!(verdict, faultline_check::Verdict::Linearizable(_)), "{stem}: {}", verdict.name());
        checked += 1;
    }
    assert_eq!(checked, 7);
}

/// A client's request copied by the network and held back until after the
/// client's next one is not a new transfer: the coordinator ignores it.
#[test]
fn a_late_copy_of_a_finished_request_is_not_run_again() {
    let transfer = |at: u64, from: u32, to: u32, amount: u64| {
        format!(
            r#"{{"at_tick": {at}, "action": "client-request", "client": 0, "node": 0, "operation": "transfer", "from": {from}, "to": {to}, "amount": {amount}}}"#
        )
    };
    let text = format!(
        r#"{{"version": 1, "seed": 1,
            "protocol": {{"name": "two-phase-commit", "resource_managers": 2}},
            "network": {{"delay_ticks_min": 10, "delay_ticks_max": 10}},
            "workload": {{"clients": 1, "operations_max": 0, "timeout_ticks": 300}},
            "limits": {{"ticks_max": 2000}},
            "actions": [{}, {{"at_tick": 12, "action": "duplicate-message", "message": 0}},
                        {{"at_tick": 13, "action": "delay-message", "message": 1, "ticks": 500}},
                        {}, {{"at_tick": 800, "action": "client-request", "client": 0, "node": 0, "operation": "read-balances"}}]}}"#,
        transfer(10, 0, 1, 30),
        transfer(200, 1, 0, 5)
    );
    let mut sim = simulation(faultline_scenario::from_json(&text).unwrap());
    sim.run_to_end();
    // The copy arrived (at tick 522), after the second transfer was decided.
    let copy_arrived = sim.trace().iter().any(|step| step.cause == Some(faultline_scenario::MessageId(1)));
    assert!(copy_arrived);
    let read = sim.history().last().unwrap().output.clone();
    assert_eq!(read, Some(ClientOutput::Bank(BankOutput::Balances(vec![75, 125]))));
    assert_eq!(balances(&sim), [75, 125]);
    let started = sim.world().node_durable(N0).unwrap().transactions_started;
    assert_eq!(started, 3, "two transfers and a read, nothing run twice");
}

/// A request scripted to a resource manager is pointed at the coordinator,
/// where the client's retry goes through.
#[test]
fn a_request_to_a_resource_manager_is_redirected_to_the_coordinator() {
    let mut scenario = builtin("2pc-vote-abort");
    scenario.actions = vec![faultline_scenario::TimedAction {
        at_tick: 10,
        action: Action::ClientRequest {
            client: faultline_scenario::ClientId(0),
            node: N1,
            operation: faultline_scenario::BankOperation::Transfer { from: 0, to: 1, amount: 30 }.into(),
        },
    }];
    let mut sim = simulation(scenario);
    sim.run_to_end();
    let entry = &sim.history()[0];
    assert_eq!(entry.attempts, [N1, N0], "sent to n1, retried at n0");
    assert_eq!(answer(&sim), Some(BankOutput::Committed));
    assert_eq!(balances(&sim), [70, 130]);
}
