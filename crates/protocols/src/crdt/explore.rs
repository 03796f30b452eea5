//! CRDTs' part of `faultline explore`: three replicas of the chosen type
//! (`--type`, `--replication`), busy clients at every replica, and the
//! sweep's own faults (crashes, partitions, pauses, lost, duplicated and
//! reordered messages). No nemesis of its own: a CRDT has no worst moment
//! to strike, every update at every replica is one. The observer checks
//! each replica against its type's specification after every step, and
//! convergence whenever the run is quiet.

use super::replica::{Crdt, Replica};
use crate::explore::{variant_by_name, ExploreSettings, Explorer};
use faultline_scenario::{CrdtReplication, CrdtSpec, CrdtType, CrdtVariant, ProtocolSpec, Scenario};
use faultline_sim::{AnySimulation, Simulation};

pub struct CrdtExplorer;

/// The options `faultline explore --protocol crdt` takes.
const OPTIONS: [&str; 2] = ["type", "replication"];

impl Explorer for CrdtExplorer {
    /// `--type` (or-set when absent) and `--replication` (state when
    /// absent); the variant must fit them.
    fn base_scenario(&self, settings: &ExploreSettings) -> Result<Scenario, String> {
        let data_type = match settings.option("type", &OPTIONS)? {
            Some(name) => {
                variant_by_name(name, &CrdtType::NAMES, &CrdtType::ALL).map_err(|e| e.replace("variant", "type"))?
            }
            None => CrdtType::OrSet,
        };
        let replication = match settings.option("replication", &OPTIONS)? {
            Some(name) => variant_by_name(name, &CrdtReplication::NAMES, &CrdtReplication::ALL)
                .map_err(|e| e.replace("variant", "replication"))?,
            None => CrdtReplication::State,
        };
        let variant = variant_by_name(settings.variant_name(), &CrdtVariant::NAMES, &CrdtVariant::ALL)?;
        variant.applies_to(data_type, replication)?;
        let mut spec = CrdtSpec::new(settings.nodes.unwrap_or(3), data_type);
        spec.replication = replication;
        spec.variant = variant;
        spec.elements = 4;
        let mut scenario = Scenario::new("explore", 0, ProtocolSpec::Crdt(spec));
        scenario.workload.clients = 3;
        scenario.workload.think_ticks_min = 5;
        scenario.workload.think_ticks_max = 60;
        scenario.workload.read_per_mille = 300;
        scenario.workload.operations_max = 60;
        // Faults stop at 80% of the run; the clients are done well before,
        // so it drains to quiet, where convergence is checked.
        scenario.limits.ticks_max = 6_000;
        scenario.network.delay_ticks_min = 3;
        scenario.network.delay_ticks_max = 30;
        Ok(scenario)
    }

    fn run_seed(&self, scenario: Scenario, _seed: u64) -> Box<dyn AnySimulation> {
        let mut sim = simulation(scenario);
        while sim.step().is_some() {}
        Box::new(sim)
    }

    fn counters(&self, sim: &dyn AnySimulation) -> Vec<(&'static str, u64)> {
        let updates = sim.history().iter().filter(|entry| entry.is_complete()).count();
        vec![("operations answered", updates as u64)]
    }

    fn describe(&self, scenario: &Scenario, settings: &ExploreSettings) -> String {
        let ProtocolSpec::Crdt(spec) = &scenario.protocol else { unreachable!("a CRDT scenario") };
        format!(
            "{} {} of {} {}, {}-based, variant {}",
            spec.nodes,
            if spec.nodes == 1 { "replica" } else { "replicas" },
            if spec.data_type.name().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" },
            spec.data_type.name(),
            spec.replication.name(),
            settings.variant_name()
        )
    }
}

/// A CRDT scenario's simulation, typed (the explorer and the tests step it).
pub fn simulation(scenario: Scenario) -> Simulation<Crdt> {
    let ProtocolSpec::Crdt(spec) = scenario.protocol.clone() else { unreachable!("a CRDT scenario") };
    let service = super::service::CrdtService::new(&spec, &scenario.workload);
    Simulation::new(scenario, spec, service)
}

/// The disk of each node, for tests that look inside.
pub fn replicas(sim: &Simulation<Crdt>) -> Vec<Option<&Replica>> {
    (0..sim.world().node_count())
        .map(|n| sim.world().node_state(faultline_scenario::NodeId(n)).map(Crdt::replica))
        .collect()
}
