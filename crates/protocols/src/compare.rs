//! The CAP scorecard: one timed fault script (partitions, crashes, heals)
//! replayed on every protocol that serves the key-value workload (Raft,
//! primary–backup, the quorum store in three configurations, and a CRDT
//! register), each scored on what the script did to it: how many
//! operations it answered during the partition (availability), whether the
//! history is linearizable and else what weaker model holds, and whether
//! its replicas agree at the end.

use faultline_check::{Decision, Verdict, WeakerModels};
use faultline_scenario::{
    Action, ClientFamily, ClientOperation, CrdtOperation, CrdtSpec, CrdtType, KvOperation, ProtocolSpec, QuorumKvSpec,
    RaftSpec, Scenario,
};
use faultline_sim::{AnySimulation, HistoryCheck};

/// Search steps each history's check may take: a scorecard's runs are
/// small, and an undecided check says so.
pub const CHECK_BUDGET_STEPS: u64 = 1_000_000;
/// Most steps each contender's run may take.
pub const STEPS_PER_RUN_MAX: u64 = 200_000;
/// Ticks each run is given past the script's end, for its clients to
/// finish and its replicas to settle before they are compared.
pub const SETTLE_TICKS: u64 = 3_000;

/// One protocol's run of the script.
#[derive(Clone, Debug)]
pub struct Contender {
    /// "Quorum store, R = 2, W = 2".
    pub label: String,
    pub scenario: Scenario,
}

/// The ticks the script's network is split: from its first partition
/// (or isolation, or cut link) to the heal after it (or the isolated
/// node's reconnection), or the run's end.
pub fn partition_window(script: &Scenario) -> Option<(u64, u64)> {
    let cuts = |action: &Action| {
        matches!(
            action,
            Action::Partition { .. } | Action::Isolate { .. } | Action::CutLink { .. } | Action::CutLinks { .. }
        )
    };
    let first = script.actions.iter().find(|timed| cuts(&timed.action))?;
    let start = first.at_tick;
    // A heal ends it; so does reconnecting the node, when it began by
    // isolating one. (Repairing some links may leave others cut.)
    let isolated = match first.action {
        Action::Isolate { node } => Some(node),
        _ => None,
    };
    let mends = |action: &Action| match action {
        Action::Heal => true,
        Action::Reconnect { node } => Some(*node) == isolated,
        _ => false,
    };
    let end = script
        .actions
        .iter()
        .find(|timed| timed.at_tick >= start && mends(&timed.action))
        .map_or(script.limits.ticks_max, |timed| timed.at_tick);
    Some((start, end))
}

/// The script on each protocol of the key-value workload. The script is a
/// scenario of any key-value protocol; its faults, workload and scripted
/// requests are kept (a CRDT register's clients write and read one value:
/// appends become writes, every key the one register). Actions a protocol
/// does not take (a node joining) are left out for it.
pub fn contenders(script: &Scenario) -> Result<Vec<Contender>, String> {
    faultline_scenario::validate(script).map_err(|error| error.to_string())?;
    if script.protocol.client_family() != ClientFamily::KeyValue {
        return Err(format!(
            "the fault script runs {}, whose clients are not a key-value store's: take a scenario of raft, \
             primary-backup or quorum-kv",
            script.protocol.name()
        ));
    }
    let nodes = script.protocol.node_count();
    let replicas = nodes.min(3);
    let quorum = |read_quorum: u32, write_quorum: u32, sloppy_quorum: bool| {
        let mut spec = QuorumKvSpec::new(nodes);
        spec.replicas = replicas;
        spec.read_quorum = read_quorum.min(replicas);
        spec.write_quorum = write_quorum.min(replicas);
        spec.sloppy_quorum = sloppy_quorum;
        ProtocolSpec::QuorumKv(spec)
    };
    let majority = replicas / 2 + 1;
    let protocols = [
        ("Raft".to_string(), ProtocolSpec::Raft(RaftSpec::new(nodes))),
        ("Primary–backup".to_string(), ProtocolSpec::PrimaryBackup { nodes }),
        (format!("Quorum store, N = {replicas}, R = W = 1"), quorum(1, 1, false)),
        (format!("Quorum store, N = {replicas}, R = W = {majority}"), quorum(majority, majority, false)),
        (format!("Quorum store, N = {replicas}, R = W = {majority}, sloppy"), quorum(majority, majority, true)),
        ("CRDT LWW-register".to_string(), ProtocolSpec::Crdt(CrdtSpec::new(nodes, CrdtType::LwwRegister))),
    ];
    protocols
        .into_iter()
        .map(|(label, protocol)| {
            let scenario = on_protocol(script, protocol);
            faultline_scenario::validate(&scenario).map_err(|error| format!("{label}: {error}"))?;
            Ok(Contender { label, scenario })
        })
        .collect()
}

/// The script with its protocol replaced.
fn on_protocol(script: &Scenario, protocol: ProtocolSpec) -> Scenario {
    let mut scenario = script.clone();
    let membership = protocol.supports_membership_changes();
    let register = protocol.client_family() == ClientFamily::Crdt;
    scenario.protocol = protocol;
    scenario.actions.retain(|timed| membership || !matches!(timed.action, Action::AddNode | Action::RemoveNode { .. }));
    if register {
        scenario.workload.keys = 1;
        scenario.workload.append_per_mille = 0;
        for timed in &mut scenario.actions {
            if let Action::ClientRequest { operation, .. } = &mut timed.action {
                *operation = as_register_operation(operation);
            }
        }
    }
    scenario
}

fn as_register_operation(operation: &ClientOperation) -> ClientOperation {
    match operation {
        ClientOperation::KeyValue(KvOperation::Read { .. }) => ClientOperation::Crdt(CrdtOperation::Read),
        ClientOperation::KeyValue(KvOperation::Write { value, .. } | KvOperation::Append { value, .. }) => {
            ClientOperation::Crdt(CrdtOperation::Write { value: *value })
        }
        other => other.clone(),
    }
}

/// What the script did to one protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    pub label: String,
    /// Operations invoked while the network was split, and how many of
    /// them got an answer.
    pub invoked_during_partition: u32,
    pub answered_during_partition: u32,
    /// `None` when the check ran out of budget.
    pub linearizable: Option<bool>,
    /// The strongest model the history satisfies ("linearizable",
    /// "sequentially consistent", "read-your-writes and monotonic reads").
    pub strongest_model: String,
    /// Whether the replicas agree at the end of the run, given
    /// [`SETTLE_TICKS`] past the script's end (`None`: the protocol
    /// replicates no data to compare).
    pub converged: Option<bool>,
    /// How the run ended, when not simply done ("the step limit").
    pub ended: String,
    /// The run scored: the contender's scenario with its clients stopped
    /// at the script's end and time to settle (what "open this run" opens).
    pub scenario: Scenario,
}

/// Run a contender to its end and score it. The clients stop at the
/// script's end (the run is taken once to count the operations they invoke
/// by then, and again with no more), and the run goes on up to
/// [`SETTLE_TICKS`] more for the replicas to settle before they are
/// compared.
pub fn score(contender: &Contender, window: Option<(u64, u64)>) -> Score {
    let mut scenario = contender.scenario.clone();
    scenario.limits.steps_max = scenario.limits.steps_max.min(STEPS_PER_RUN_MAX);
    let mut first = crate::build(scenario.clone());
    first.run_until_tick(scenario.limits.ticks_max);
    let invoked = first.stats().workload_operations_invoked;
    scenario.workload.operations_max = scenario.workload.operations_max.min(invoked as u32);
    scenario.limits.ticks_max = scenario.limits.ticks_max.saturating_add(SETTLE_TICKS);
    let mut sim = crate::build(scenario.clone());
    let ended = sim.run_to_end();
    let in_window = |tick: u64| window.is_some_and(|(start, end)| (start..end).contains(&tick));
    let during: Vec<_> = sim.history().iter().filter(|entry| in_window(entry.invoke_tick)).collect();
    let answered = during.iter().filter(|entry| entry.is_complete()).count();
    let (linearizable, strongest_model) = judge(sim.as_ref());
    Score {
        label: contender.label.clone(),
        invoked_during_partition: during.len() as u32,
        answered_during_partition: answered as u32,
        linearizable,
        strongest_model,
        converged: sim.replicas_agree(),
        ended: match ended {
            faultline_sim::EndReason::Quiescent { .. } | faultline_sim::EndReason::TickLimit { .. } => String::new(),
            other => other.to_string(),
        },
        scenario,
    }
}

/// Linearizable or not, and the strongest model that holds.
fn judge(sim: &dyn AnySimulation) -> (Option<bool>, String) {
    let model = match sim.history_check() {
        HistoryCheck::Linearizable(model) | HistoryCheck::Convergent(model) => model,
        HistoryCheck::Promises { property, .. } => return (None, format!("not checked: promises {property}")),
    };
    let history = sim.check_history();
    // `ModelSpec` itself as the model: the page compiles the search once.
    let verdict = faultline_check::check(model.clone(), history.clone(), CHECK_BUDGET_STEPS, || None);
    let linearizable = match verdict {
        Verdict::Linearizable(_) => Some(true),
        Verdict::NotLinearizable(_) => Some(false),
        Verdict::Unknown(_) => None,
    };
    let weaker = match linearizable {
        Some(true) => None,
        _ => Some(WeakerModels::decide(&model, &history, model.initial(), CHECK_BUDGET_STEPS)),
    };
    let strongest = match (&verdict, &weaker) {
        (Verdict::Unknown(_), Some(w)) if w.sequentially_consistent == Decision::Holds => {
            "sequentially consistent at least (linearizability undecided)".to_string()
        }
        _ => faultline_check::strongest_model(&verdict, weaker.as_ref()).to_string(),
    };
    (linearizable, strongest)
}

/// The scorecard: every contender's score, in order.
pub fn scorecard(script: &Scenario) -> Result<Vec<Score>, String> {
    let window = partition_window(script);
    Ok(contenders(script)?.iter().map(|contender| score(contender, window)).collect())
}
