//! Two-phase commit's part of `faultline explore`: a few resource managers
//! under light client load over slow links, and a nemesis that crashes the
//! coordinator right after it started a transaction or decided one, and
//! bounces a resource manager right after it voted to commit: the moments
//! where what must be durable shows whether it was.

use super::{MessageKind, TwoPhaseCommit, COORDINATOR};
use crate::explore::{bounce, protocol_kind, variant_by_name, ExploreSettings, Explorer};
use faultline_scenario::{
    BankOperation, ClientOperation, ProtocolSpec, Scenario, TwoPhaseCommitSpec, TwoPhaseCommitVariant,
};
use faultline_sim::{AnySimulation, Endpoint, SimRng, Simulation, StepKind};

/// Chance that the nemesis crashes the coordinator right after it sent a
/// transaction's Prepares (the votes then find it down).
const NEMESIS_CRASH_AFTER_PREPARE_PER_MILLE: u32 = 150;
/// Chance that the nemesis crashes the coordinator right after it decided
/// (before the RMs confirm).
const NEMESIS_CRASH_AFTER_DECISION_PER_MILLE: u32 = 250;
/// Chance that the nemesis bounces an RM right after it voted to commit.
const NEMESIS_BOUNCE_AFTER_VOTE_PER_MILLE: u32 = 200;

pub struct TwoPhaseCommitExplorer;

impl Explorer for TwoPhaseCommitExplorer {
    /// `--nodes` counts the coordinator too (4: three RMs).
    fn base_scenario(&self, settings: &ExploreSettings) -> Result<Scenario, String> {
        let nodes = settings.nodes.unwrap_or(4);
        if nodes < 2 {
            return Err(format!("two-phase-commit needs 2 nodes or more (a coordinator and an RM), not {nodes}"));
        }
        let mut spec = TwoPhaseCommitSpec::new(nodes - 1);
        // A transfer needs two accounts, even with one RM.
        spec.accounts_per_resource_manager = if nodes == 2 { 2 } else { 1 };
        spec.variant =
            variant_by_name(settings.variant_name(), &TwoPhaseCommitVariant::NAMES, &TwoPhaseCommitVariant::ALL)?;
        if let Some(cooperative) = settings.option("cooperative-termination", &["cooperative-termination"])? {
            spec.cooperative_termination = match cooperative {
                "yes" | "true" => true,
                "no" | "false" => false,
                other => return Err(format!("--cooperative-termination takes yes or no, not `{other}`")),
            };
        }
        // Some transfers find too little money, some RMs abort by chance.
        spec.transfer_amount_max = 60;
        spec.abort_per_mille = 50;
        spec.vote_timeout_ticks = 120;
        spec.decision_timeout_ticks = 150;
        let mut scenario = Scenario::new("explore", 0, ProtocolSpec::TwoPhaseCommit(spec));
        scenario.workload.clients = 2;
        scenario.workload.think_ticks_min = 20;
        scenario.workload.think_ticks_max = 100;
        scenario.workload.read_per_mille = 300;
        scenario.workload.operations_max = 24;
        // A transaction may wait out a coordinator's outage.
        scenario.workload.timeout_ticks = 400;
        scenario.workload.attempts_max = 4;
        // The clients are done well before the faults stop (at 80%), so the
        // run drains to quiet after them, where the quiet property is checked.
        scenario.limits.ticks_max = 8_000;
        scenario.network.delay_ticks_min = 5;
        scenario.network.delay_ticks_max = 50;
        Ok(scenario)
    }

    fn run_seed(&self, scenario: Scenario, seed: u64) -> Box<dyn AnySimulation> {
        Box::new(run_with_nemesis(scenario, seed))
    }

    fn counters(&self, sim: &dyn AnySimulation) -> Vec<(&'static str, u64)> {
        let completed_transfers = sim
            .history()
            .iter()
            .filter(|entry| entry.is_complete())
            .filter(|entry| matches!(entry.operation, ClientOperation::Bank(BankOperation::Transfer { .. })))
            .count();
        vec![("transfers answered", completed_transfers as u64)]
    }

    fn describe(&self, scenario: &Scenario, settings: &ExploreSettings) -> String {
        let ProtocolSpec::TwoPhaseCommit(spec) = &scenario.protocol else { unreachable!("a 2PC scenario") };
        let cooperative = if spec.cooperative_termination { ", cooperative termination" } else { "" };
        let rms = match spec.resource_managers {
            1 => "1 RM".to_string(),
            n => format!("{n} RMs"),
        };
        format!("a coordinator and {rms}, variant {}{cooperative}", settings.variant_name())
    }
}

/// Its faults are recorded into the scenario as timed actions at the next
/// tick, like a user's clicks, so the scenario printed for a failure replays
/// it exactly without the nemesis. Every choice comes from the seed.
fn run_with_nemesis(scenario: Scenario, seed: u64) -> Simulation<TwoPhaseCommit> {
    let mut rng = SimRng::for_stream(seed, faultline_sim::rng::stream::NEMESIS);
    // It stops where the schedule's faults stop (healed, every node
    // restarted), so the run can drain to quiet.
    let horizon_tick = scenario.limits.ticks_max * 8 / 10;
    let mut sim = super::simulation(scenario);
    let kind_of = protocol_kind::<MessageKind>;
    while let Some(step) = sim.step() {
        let StepKind::Deliver { to: Endpoint::Node(node), kind, .. } = step.kind else { continue };
        let sent =
            |wanted: &[MessageKind]| step.sent.iter().any(|m| kind_of(m.kind).is_some_and(|k| wanted.contains(&k)));
        let started = node == COORDINATOR && sent(&[MessageKind::Prepare]);
        let decided = node == COORDINATOR && sent(&[MessageKind::Commit, MessageKind::Abort]);
        let voted_commit = kind_of(kind) == Some(MessageKind::Prepare) && sent(&[MessageKind::VoteCommit]);
        // A vote to commit a transfer leaves the RM prepared (a read's vote
        // does not).
        let voted_commit = voted_commit && sim.world().node_state(node).is_some_and(|rm| rm.prepared().is_some());
        let now = sim.world().now_tick();
        if now >= horizon_tick {
            continue;
        }
        let down_ticks = if (decided && rng.chance_per_mille(NEMESIS_CRASH_AFTER_DECISION_PER_MILLE))
            || (started && rng.chance_per_mille(NEMESIS_CRASH_AFTER_PREPARE_PER_MILLE))
        {
            Some(50 + rng.below(250))
        } else if voted_commit && rng.chance_per_mille(NEMESIS_BOUNCE_AFTER_VOTE_PER_MILLE) {
            Some(1 + rng.below(100))
        } else {
            None
        };
        if let Some(down_ticks) = down_ticks {
            bounce(&mut sim, node, now, down_ticks);
        }
    }
    sim
}
