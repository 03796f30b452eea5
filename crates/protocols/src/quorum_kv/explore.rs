//! The quorum store's part of `faultline explore`: five nodes holding each
//! key three times (N = 3, R = 2, W = 2 unless chosen), busy clients on a
//! few keys, the sweep's faults, and in most seeds a node that joins and
//! one that leaves while the clients work, so keys stream between nodes.
//! Histories are not held to linearizability (the store promises
//! convergence); the sweep counts those that are not.

use super::QuorumKv;
use crate::explore::{variant_by_name, ExploreSettings, Explorer};
use crate::kv::KeyValueService;
use faultline_scenario::{
    Action, NodeId, ProtocolSpec, QuorumConflicts, QuorumKvSpec, QuorumKvVariant, Scenario, TimedAction,
};
use faultline_sim::{AnySimulation, SimRng, Simulation};

pub struct QuorumKvExplorer;

/// The options `faultline explore --protocol quorum-kv` takes.
const OPTIONS: [&str; 5] = ["replicas", "read-quorum", "write-quorum", "sloppy-quorum", "conflicts"];

/// The random stream of the membership changes a seed gets (apart from the
/// simulator's streams, which number from 0).
const MEMBERSHIP_STREAM: u64 = 0x6d65_6d62;
/// Chance that a seed's run has a node join, and (separately) one leave.
const JOIN_PER_MILLE: u32 = 600;
const LEAVE_PER_MILLE: u32 = 500;

fn number_option(settings: &ExploreSettings, name: &str, default: u32) -> Result<u32, String> {
    match settings.option(name, &OPTIONS)? {
        Some(text) => text.parse().map_err(|_| format!("--{name} takes a whole number, found `{text}`")),
        None => Ok(default),
    }
}

impl Explorer for QuorumKvExplorer {
    fn base_scenario(&self, settings: &ExploreSettings) -> Result<Scenario, String> {
        let mut spec = QuorumKvSpec::new(settings.nodes.unwrap_or(5));
        spec.replicas = number_option(settings, "replicas", 3)?;
        spec.read_quorum = number_option(settings, "read-quorum", 2)?;
        spec.write_quorum = number_option(settings, "write-quorum", 2)?;
        spec.sloppy_quorum = match settings.option("sloppy-quorum", &OPTIONS)? {
            None | Some("no") => false,
            Some("yes") => true,
            Some(other) => return Err(format!("--sloppy-quorum takes yes or no, found `{other}`")),
        };
        if let Some(name) = settings.option("conflicts", &OPTIONS)? {
            spec.conflicts = variant_by_name(name, &QuorumConflicts::NAMES, &QuorumConflicts::ALL)
                .map_err(|e| e.replace("variant", "conflict handling"))?;
        }
        spec.variant = variant_by_name(settings.variant_name(), &QuorumKvVariant::NAMES, &QuorumKvVariant::ALL)?;
        if spec.variant == QuorumKvVariant::HintsNeverHandedOff {
            spec.sloppy_quorum = true;
        }
        let mut scenario = Scenario::new("explore", 0, ProtocolSpec::QuorumKv(spec));
        scenario.workload.clients = 3;
        scenario.workload.think_ticks_min = 5;
        scenario.workload.think_ticks_max = 60;
        scenario.workload.keys = 3;
        scenario.workload.read_per_mille = 400;
        scenario.workload.append_per_mille = 300;
        scenario.workload.operations_max = 60;
        scenario.workload.timeout_ticks = 200;
        scenario.workload.attempts_max = 5;
        scenario.limits.ticks_max = 6_000;
        scenario.network.delay_ticks_min = 3;
        scenario.network.delay_ticks_max = 30;
        // Refuses R or W above N, and the like, naming the option's field.
        faultline_scenario::validate(&scenario).map_err(|error| error.to_string())?;
        Ok(scenario)
    }

    fn run_seed(&self, scenario: Scenario, seed: u64) -> Box<dyn AnySimulation> {
        let mut sim = simulation(with_membership_changes(scenario, seed));
        while sim.step().is_some() {}
        Box::new(sim)
    }

    fn counters(&self, sim: &dyn AnySimulation) -> Vec<(&'static str, u64)> {
        let joins = sim.scenario().actions.iter().filter(|a| matches!(a.action, Action::AddNode)).count();
        let leaves = sim.scenario().actions.iter().filter(|a| matches!(a.action, Action::RemoveNode { .. })).count();
        vec![("nodes joined", joins as u64), ("nodes left", leaves as u64)]
    }

    fn describe(&self, scenario: &Scenario, settings: &ExploreSettings) -> String {
        let ProtocolSpec::QuorumKv(spec) = &scenario.protocol else { unreachable!("a quorum-kv scenario") };
        format!(
            "{} nodes, N = {}, R = {}, W = {}, {}{}, variant {}",
            spec.nodes,
            spec.replicas,
            spec.read_quorum,
            spec.write_quorum,
            spec.conflicts.name(),
            if spec.sloppy_quorum { ", sloppy quorum" } else { "" },
            settings.variant_name()
        )
    }
}

/// The sweep's scenario with, in most seeds, a node joining in the first
/// half of the faults' time and one of the first nodes leaving later,
/// while the clients work.
fn with_membership_changes(mut scenario: Scenario, seed: u64) -> Scenario {
    let mut rng = SimRng::for_stream(seed, MEMBERSHIP_STREAM);
    let horizon_ticks = (scenario.limits.ticks_max * 8 / 10).max(2);
    let nodes = scenario.protocol.node_count();
    if rng.chance_per_mille(JOIN_PER_MILLE) {
        let at_tick = 1 + rng.below(horizon_ticks / 2);
        scenario.actions.push(TimedAction { at_tick, action: Action::AddNode });
    }
    if rng.chance_per_mille(LEAVE_PER_MILLE) && nodes > 1 {
        let at_tick = horizon_ticks / 2 + rng.below(horizon_ticks / 2);
        let node = NodeId(rng.below(nodes as u64) as u32);
        scenario.actions.push(TimedAction { at_tick, action: Action::RemoveNode { node } });
    }
    scenario.actions.sort_by_key(|action| action.at_tick);
    scenario
}

/// A quorum store's simulation, typed (the explorer and the tests step it).
pub fn simulation(scenario: Scenario) -> Simulation<QuorumKv> {
    let ProtocolSpec::QuorumKv(spec) = scenario.protocol.clone() else { unreachable!("a quorum-kv scenario") };
    let service = KeyValueService::convergent(&scenario.workload);
    Simulation::new(scenario, spec, service)
}
