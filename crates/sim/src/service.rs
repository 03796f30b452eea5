//! The client side of a protocol: what its clients ask and get back, how a
//! workload draws their requests from the seed, what a reply means for a
//! client waiting on it, and how the history they record is checked.
//!
//! The simulator runs the clients themselves (closed loops with think time,
//! timeouts and retries, the same for every protocol); a [`Service`] fills in
//! what differs. Raft and primary–backup share the key-value store's.

use crate::history::HistoryEntry;
use crate::rng::SimRng;
use crate::style::{Kinds, Style};
use faultline_scenario::{ClientOperation, ClientOutput, NodeId};
use std::fmt::{Debug, Display};

/// What a reply tells a client besides an answer: to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// This node cannot serve the request; another one might (a client
    /// retries elsewhere at once, keeping any node it was pointed at).
    Refused,
    /// Another node serves it: `to`, or an unknown one. The client sends
    /// its next attempts there until that node does not answer.
    Redirected { to: Option<NodeId> },
}

/// Where clients send their requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// To a node drawn from the seed, and a retry to another one (or where
    /// a redirect pointed).
    AnyNode,
    /// Always to this node (two-phase commit's coordinator).
    Node(NodeId),
    /// Each client to its home node (client c to the c-th member, wrapping
    /// around), and a retry to where the operation was first sent: a
    /// session that sticks to one replica (CRDTs). That replica recognises
    /// a retried update and applies it once, where another replica would
    /// apply it again; and a client reads its own writes.
    Home,
}

/// How a service's history is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryCheck {
    /// Checked for linearizability against this sequential model.
    Linearizable(faultline_check::ModelSpec),
    /// The service promises convergence, not linearizability (a CRDT): its
    /// history is checked against this model to show what it does satisfy
    /// (linearizable by luck, or the session guarantees); a history that
    /// is not linearizable is expected under partitions, not a failure.
    Convergent(faultline_check::ModelSpec),
    /// The service promises less than linearizability (an eventually
    /// consistent store): its history is not checked for it, and the named
    /// property is checked instead (at quiet, by the protocol).
    Promises { property: &'static str, explanation: &'static str },
}

impl HistoryCheck {
    /// The model the history is checked against, if it is checked.
    pub fn model(&self) -> Option<&faultline_check::ModelSpec> {
        match self {
            HistoryCheck::Linearizable(model) | HistoryCheck::Convergent(model) => Some(model),
            HistoryCheck::Promises { .. } => None,
        }
    }
}

/// Whether a run's replicas were seen to agree: the run became quiet (where
/// a convergent protocol checks that every replica holds the same value)
/// after its last fault and its clients' last operation so far, and did
/// not end with a broken invariant or quiet property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convergence {
    /// Quiet after the last fault, which cut the network: after the heal.
    AfterHeal,
    /// Quiet after the last fault (crashes, pauses, messages lost).
    AfterFaults,
    /// Quiet, and no fault so far.
    Converged,
    /// Not quiet since the last fault or update (or ever): not known to agree.
    NotYet,
    /// The run ended with a broken invariant or quiet property.
    Broken,
}

impl Convergence {
    /// Of the run as far as it has gone: its faults and its clients'
    /// operations up to now, its last quiet tick, and how it ended.
    pub fn of_run(sim: &dyn crate::AnySimulation) -> Convergence {
        if matches!(
            sim.ended(),
            Some(crate::EndReason::InvariantViolated { .. } | crate::EndReason::QuietViolated { .. })
        ) {
            return Convergence::Broken;
        }
        let last_operation_tick = sim.history().iter().map(|entry| entry.invoke_tick).max();
        Convergence::of(sim.scenario(), sim.now_tick(), sim.stats().last_quiet_tick, last_operation_tick)
    }

    /// From the scenario's faults up to `now_tick`, the last client
    /// operation's invocation and the last quiet tick.
    pub fn of(
        scenario: &faultline_scenario::Scenario,
        now_tick: u64,
        last_quiet_tick: Option<u64>,
        last_operation_tick: Option<u64>,
    ) -> Convergence {
        if last_quiet_tick < last_operation_tick {
            return Convergence::NotYet;
        }
        let faults = scenario.actions.iter().filter(|timed| timed.at_tick <= now_tick && timed.action.is_fault());
        let cut_network = |action: &faultline_scenario::Action| {
            use faultline_scenario::Action::*;
            matches!(action, Partition { .. } | Isolate { .. } | CutLink { .. } | CutLinks { .. })
        };
        let last_fault = faults.clone().map(|timed| timed.at_tick).max();
        let partitioned = faults.clone().any(|timed| cut_network(&timed.action));
        match (last_quiet_tick, last_fault) {
            (Some(quiet), Some(fault)) if quiet >= fault && partitioned => Convergence::AfterHeal,
            (Some(quiet), Some(fault)) if quiet >= fault => Convergence::AfterFaults,
            (Some(_), None) => Convergence::Converged,
            _ => Convergence::NotYet,
        }
    }
}

/// What kind of service promises convergence for histories of `model`,
/// for sentences: a key-value store's is a quorum store's ("an eventually
/// consistent store"); counters, sets and registers are CRDTs'.
pub fn convergent_service_noun(model: &faultline_check::ModelSpec) -> &'static str {
    match model {
        faultline_check::ModelSpec::KeyValue(_) => "an eventually consistent store",
        _ => "a CRDT",
    }
}

/// What a convergent service's history satisfied, in one line: "not
/// linearizable — as expected of a CRDT under partition; converged after
/// the heal; read-your-writes: yes; monotonic reads: yes".
pub fn convergent_verdict(
    model: &faultline_check::ModelSpec,
    verdict: &faultline_check::Verdict,
    weaker: &faultline_check::WeakerModels,
    convergence: Convergence,
) -> String {
    use faultline_check::{Decision, Verdict};
    let noun = convergent_service_noun(model);
    let linearizability = match verdict {
        Verdict::NotLinearizable(_) if matches!(convergence, Convergence::AfterHeal) => {
            format!("not linearizable — as expected of {noun} under partition")
        }
        Verdict::NotLinearizable(_) => {
            format!("not linearizable — as expected of {noun}: replicas answer before they agree")
        }
        Verdict::Linearizable(_) => format!("linearizable this time ({noun} does not promise it)"),
        Verdict::Unknown(_) => "linearizability undecided".to_string(),
    };
    let converged = match convergence {
        Convergence::AfterHeal => "converged after the heal",
        Convergence::AfterFaults => "converged after the faults",
        Convergence::Converged => "converged",
        Convergence::NotYet => "not converged yet",
        Convergence::Broken => "did not converge as it should (see how the run ended)",
    };
    let decided = |decision: &Decision| match decision {
        Decision::Holds => "yes",
        Decision::Violated { .. } => "no",
        Decision::Unknown { .. } => "undecided",
        Decision::NotApplicable => "not decidable from the values",
    };
    format!(
        "{linearizability}; {converged}; read-your-writes: {}; monotonic reads: {}",
        decided(&weaker.read_your_writes),
        decided(&weaker.monotonic_reads)
    )
}

/// A client operation as the page's lanes show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationLook {
    /// Its kind's style (the bar's colour).
    pub kind: Style,
    /// A short label for the bar: "w 5", "r→3 5".
    pub label: String,
}

/// The client side of a protocol. A value of this type holds the service's
/// parameters from the scenario (keys, shares of reads and appends); what
/// drawing changes as it goes lives in [`DrawState`](Service::DrawState),
/// inside the world, so snapshots carry it.
pub trait Service: Clone + Debug + 'static {
    /// A request a client sends.
    type Operation: Clone + Debug + PartialEq + Display + Into<ClientOperation>;
    /// What a node answers.
    type Output: Clone + Debug + PartialEq + Display + Into<ClientOutput>;
    /// The kinds of operations, for the lanes' colours and the legend.
    type OperationKind: Kinds;
    /// What the workload remembers between draws (the next unique value).
    type DrawState: Clone + Debug;

    fn initial_draw_state(&self) -> Self::DrawState;

    /// The next operation of the workload, drawn from `rng` (the workload's
    /// stream: every draw here shifts every later one).
    fn draw_operation(&self, state: &mut Self::DrawState, rng: &mut SimRng) -> Self::Operation;

    /// This service's operation, if `operation` is one (a scripted request
    /// of another family is not).
    fn operation_of(operation: &ClientOperation) -> Option<Self::Operation>;

    /// Whether a reply asks the client to try again rather than answering.
    fn retry(output: &Self::Output) -> Option<Retry>;

    fn operation_kind(operation: &Self::Operation) -> Self::OperationKind;

    /// How the lanes show an operation and, once answered, its output.
    fn look(entry: &HistoryEntry) -> OperationLook;

    /// How the history is judged.
    fn history_check(&self) -> HistoryCheck;

    /// The history as the checker reads it: operation `i` of the result is
    /// entry `i`.
    fn to_check_history(&self, entries: &[HistoryEntry]) -> faultline_check::History;
}
