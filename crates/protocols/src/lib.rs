//! Protocol models for Faultline, each a sans-I/O [`Protocol`] node of the
//! simulator with its client service, and [`build`], which turns a scenario
//! into a running simulation of the protocol it names.

pub mod compare;
pub mod crdt;
pub mod explore;
pub mod kv;
pub mod partitioning;
pub mod primary_backup;
pub mod quorum_kv;
pub mod raft;
pub mod shared_log;
pub mod two_phase_commit;

use faultline_scenario::Scenario;
use faultline_sim::AnySimulation;

pub use faultline_sim::Protocol;

/// A protocol as the tools find it: its name (as scenarios write it), how
/// a scenario of it becomes a simulation, and its part of `faultline
/// explore`, if it has one.
pub struct Registration {
    pub name: &'static str,
    /// A simulation of a (valid) scenario of this protocol.
    pub build: fn(Scenario) -> Box<dyn AnySimulation>,
    pub explorer: Option<&'static dyn explore::Explorer>,
}

/// Every protocol. Adding one adds its line here.
pub const PROTOCOLS: &[Registration] = &[
    Registration { name: "primary-backup", build: primary_backup::build, explorer: None },
    Registration { name: "raft", build: raft::build, explorer: Some(&raft::explore::RaftExplorer) },
    Registration {
        name: "two-phase-commit",
        build: two_phase_commit::build,
        explorer: Some(&two_phase_commit::explore::TwoPhaseCommitExplorer),
    },
    Registration { name: "crdt", build: crdt::build, explorer: Some(&crdt::explore::CrdtExplorer) },
    Registration { name: "quorum-kv", build: quorum_kv::build, explorer: Some(&quorum_kv::explore::QuorumKvExplorer) },
];

/// The registration of the protocol called `name`.
pub fn protocol_by_name(name: &str) -> Result<&'static Registration, String> {
    PROTOCOLS.iter().find(|registration| registration.name == name).ok_or_else(|| {
        let known: Vec<&str> = PROTOCOLS.iter().map(|registration| registration.name).collect();
        format!("unknown protocol `{name}` (known: {})", known.join(", "))
    })
}

/// A simulation of the scenario's protocol, positioned before its first
/// step. The scenario should have passed `faultline_scenario::validate`.
pub fn build(scenario: Scenario) -> Box<dyn AnySimulation> {
    let registration =
        protocol_by_name(scenario.protocol.name()).expect("every protocol a scenario names is registered");
    (registration.build)(scenario)
}
