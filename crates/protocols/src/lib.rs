//! Protocol models for Faultline, each a sans-I/O [`Protocol`] node of the
//! simulator, and [`build`], which turns a scenario into a running
//! simulation of the protocol it names.

pub mod primary_backup;
pub mod raft;

use faultline_scenario::{ProtocolSpec, Scenario};
use faultline_sim::{AnySimulation, Simulation};

pub use faultline_sim::Protocol;

/// A simulation of the scenario's protocol, positioned before its first step.
/// The scenario should have passed `faultline_scenario::validate`.
pub fn build(scenario: Scenario) -> Box<dyn AnySimulation> {
    match scenario.protocol {
        ProtocolSpec::PrimaryBackup { .. } => Box::new(Simulation::<primary_backup::PrimaryBackup>::new(scenario, ())),
        ProtocolSpec::Raft(ref spec) => {
            let spec = spec.clone();
            Box::new(Simulation::<raft::Raft>::new(scenario, spec))
        }
    }
}
