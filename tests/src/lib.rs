//! Shared fixtures for Faultline's cross-crate tests, used natively (the
//! tests in `tests/tests/`) and in WebAssembly (the web crate's browser
//! tests), so both sides check exactly the same scenarios.

use faultline_scenario::{ProtocolSpec, Scenario};
use faultline_sim::schedule::random_faults;

/// How many seeded fault schedules the determinism corpus holds.
pub const DETERMINISM_SEEDS: u64 = 24;

/// The expected trace hash of every corpus scenario, computed natively.
/// Rewrite with `UPDATE_EXPECT=1 cargo test -p faultline-tests`.
pub const EXPECTED_TRACE_HASHES_JSON: &str = include_str!("../data/trace_hashes.json");

/// A 5-node primary–backup cluster with three clients, over 3000 ticks.
pub fn determinism_base() -> Scenario {
    let mut base = Scenario::new("determinism corpus", 0, ProtocolSpec::PrimaryBackup { nodes: 5 });
    base.workload.clients = 3;
    base.workload.keys = 2;
    base.workload.operations_max = 150;
    base.limits.ticks_max = 3_000;
    base
}

/// The corpus: the base with a random fault schedule for each seed 1..=N.
pub fn determinism_scenarios() -> Vec<Scenario> {
    (1..=DETERMINISM_SEEDS).map(|seed| random_faults(&determinism_base(), seed)).collect()
}

/// Run a scenario to its end and hash its trace.
pub fn trace_hash_of(scenario: &Scenario) -> u64 {
    let mut sim = faultline_protocols::build(scenario.clone());
    sim.run_to_end();
    faultline_sim::trace_hash(sim.trace())
}

/// `(seed, hash as 16 hex digits)` pairs from the expected-hashes file.
pub fn expected_trace_hashes() -> Vec<(u64, String)> {
    let value: serde_json::Value =
        serde_json::from_str(EXPECTED_TRACE_HASHES_JSON).expect("tests/data/trace_hashes.json is JSON");
    value["hashes"]
        .as_array()
        .expect("a `hashes` array")
        .iter()
        .map(|entry| {
            let seed = entry["seed"].as_u64().expect("a numeric seed");
            let hash = entry["hash"].as_str().expect("a hash string").to_string();
            (seed, hash)
        })
        .collect()
}

/// The quorum store's built-in scenarios and their trace hashes, pinned:
/// a protocol whose nodes join and leave gives the same trace natively
/// (`tests/tests/quorum_kv.rs`) and in WebAssembly (the web crate's
/// determinism test). A change is deliberate and explained.
pub const QUORUM_KV_TRACE_HASHES: [(&str, &str); 3] = [
    ("quorum-add-node", "62c4b4d000d3c6af"),
    ("quorum-cap", "7d64a968afac34f4"),
    ("quorum-sloppy-missed-read", "6a6d96aa696ab7fb"),
];

/// What every benchmark shares: eight clients with hardly a pause between
/// operations, a lossy, reordering network, and room for a long run, so
/// that setup cost does not matter.
fn under_steady_load(name: &str, protocol: ProtocolSpec, operations_max: u32) -> Scenario {
    let mut scenario = Scenario::new(name, 2026, protocol);
    scenario.workload.clients = 8;
    scenario.workload.think_ticks_min = 1;
    scenario.workload.think_ticks_max = 5;
    scenario.workload.operations_max = operations_max;
    scenario.network.loss_per_mille = 5;
    scenario.network.reorder_per_mille = 50;
    scenario.limits.ticks_max = 1_000_000;
    scenario.limits.steps_max = 2_000_000;
    scenario
}

/// The benchmark's scenario: a 5-node primary–backup cluster with 4 keys.
pub fn benchmark_scenario() -> Scenario {
    let mut scenario = under_steady_load("benchmark", ProtocolSpec::PrimaryBackup { nodes: 5 }, 20_000);
    scenario.workload.keys = 4;
    scenario
}

/// The Raft benchmark: a 5-node cluster with 4 keys. Reads, writes and
/// appends go through the log.
pub fn raft_benchmark_scenario() -> Scenario {
    let raft = ProtocolSpec::Raft(faultline_scenario::RaftSpec::new(5));
    let mut scenario = under_steady_load("raft benchmark", raft, 5_000);
    scenario.workload.keys = 4;
    // The key-value store's three operations, as the default page runs them.
    scenario.workload.read_per_mille = 400;
    scenario.workload.append_per_mille = 300;
    scenario.workload.timeout_ticks = 300;
    scenario.workload.attempts_max = 10;
    scenario
}

/// The two-phase-commit benchmark: a coordinator and four resource
/// managers of two accounts each; a quarter of the operations are reads.
pub fn two_phase_commit_benchmark_scenario() -> Scenario {
    let mut spec = faultline_scenario::TwoPhaseCommitSpec::new(4);
    spec.accounts_per_resource_manager = 2;
    spec.abort_per_mille = 20;
    let protocol = ProtocolSpec::TwoPhaseCommit(spec);
    let mut scenario = under_steady_load("two-phase-commit benchmark", protocol, 5_000);
    scenario.workload.read_per_mille = 250;
    scenario.workload.timeout_ticks = 1_000;
    scenario.workload.attempts_max = 10;
    scenario
}

/// The CRDT benchmarks: five replicas of the shopping cart (an OR-Set of
/// 20 elements), state-based or operation-based; a third of the updates
/// remove.
pub fn crdt_benchmark_scenario(replication: faultline_scenario::CrdtReplication) -> Scenario {
    let mut spec = faultline_scenario::CrdtSpec::new(5, faultline_scenario::CrdtType::OrSet);
    spec.replication = replication;
    spec.elements = 20;
    spec.remove_per_mille = 330;
    let mut scenario = under_steady_load("crdt benchmark", ProtocolSpec::Crdt(spec), 5_000);
    scenario.workload.read_per_mille = 400;
    scenario
}

/// The quorum store's benchmark: five nodes, N = 3, R = W = 2, on 16 keys
/// with appends.
pub fn quorum_kv_benchmark_scenario() -> Scenario {
    let spec = faultline_scenario::QuorumKvSpec::new(5);
    let mut scenario = under_steady_load("quorum-kv benchmark", ProtocolSpec::QuorumKv(spec), 5_000);
    scenario.workload.keys = 16;
    scenario.workload.read_per_mille = 400;
    scenario.workload.append_per_mille = 300;
    scenario
}

/// The benchmarks' scenarios, by name.
pub fn benchmark_scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("primary-backup", benchmark_scenario()),
        ("raft", raft_benchmark_scenario()),
        ("two-phase-commit", two_phase_commit_benchmark_scenario()),
        ("crdt or-set state-based", crdt_benchmark_scenario(faultline_scenario::CrdtReplication::State)),
        ("crdt or-set operation-based", crdt_benchmark_scenario(faultline_scenario::CrdtReplication::Operation)),
        ("quorum-kv", quorum_kv_benchmark_scenario()),
    ]
}
