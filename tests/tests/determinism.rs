//! Same scenario, same trace: twice in one process, and against the hashes
//! in tests/data/trace_hashes.json, which the browser test checks too.

use faultline_tests::{determinism_scenarios, expected_trace_hashes, trace_hash_of, DETERMINISM_SEEDS};

#[test]
fn the_same_scenario_twice_gives_the_same_trace() {
    for scenario in determinism_scenarios().iter().take(6) {
        let first = trace_hash_of(scenario);
        let second = trace_hash_of(scenario);
        assert_eq!(first, second, "two runs differ for {}", faultline_scenario::to_json_compact(scenario));
    }
}

#[test]
fn different_seeds_give_different_traces() {
    let hashes: std::collections::BTreeSet<u64> = determinism_scenarios().iter().map(trace_hash_of).collect();
    assert_eq!(hashes.len() as u64, DETERMINISM_SEEDS, "some seeds produced identical traces");
}

/// The corpus must really exercise faults, or matching hashes prove little.
#[test]
fn the_corpus_exercises_faults_and_drops() {
    let mut faults = 0;
    let mut dropped = 0;
    let mut pending = 0;
    for scenario in determinism_scenarios() {
        let mut sim = faultline_protocols::build(scenario);
        sim.run_to_end();
        let stats = sim.stats();
        faults += stats.faults_applied;
        dropped += stats.messages_dropped;
        pending += stats.operations_pending();
    }
    assert!(faults >= DETERMINISM_SEEDS * 2, "only {faults} faults");
    assert!(dropped > 100, "only {dropped} dropped messages");
    assert!(pending > 0, "no operation was left with an unknown outcome");
}

#[test]
fn native_trace_hashes_match_the_expected_file() {
    let actual: Vec<(u64, String)> = determinism_scenarios()
        .iter()
        .map(|scenario| (scenario.seed, format!("{:016x}", trace_hash_of(scenario))))
        .collect();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let entries: Vec<serde_json::Value> =
            actual.iter().map(|(seed, hash)| serde_json::json!({ "seed": seed, "hash": hash })).collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({ "hashes": entries })).unwrap();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/trace_hashes.json");
        std::fs::write(path, text + "\n").unwrap();
        return;
    }
    assert_eq!(
        actual,
        expected_trace_hashes(),
        "traces changed; if that is intended, rerun with UPDATE_EXPECT=1 and say why in the commit"
    );
}
