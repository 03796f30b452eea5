#![cfg(target_arch = "wasm32")]
//! Native and WebAssembly runs of the same scenarios give the same traces:
//! every scenario of the determinism corpus is run here, in Chromium, and
//! its trace hash compared with the hash the native test pinned in
//! tests/data/trace_hashes.json.

use faultline_tests::{determinism_scenarios, expected_trace_hashes, trace_hash_of, DETERMINISM_SEEDS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_trace_hashes_match_the_native_ones() {
    let expected = expected_trace_hashes();
    assert_eq!(expected.len() as u64, DETERMINISM_SEEDS, "the expected-hashes file is incomplete");
    let actual: Vec<(u64, String)> = determinism_scenarios()
        .iter()
        .map(|scenario| (scenario.seed, format!("{:016x}", trace_hash_of(scenario))))
        .collect();
    assert_eq!(actual, expected);
}

/// The quorum store's scenarios, whose nodes join and leave, give the
/// traces the native test pinned.
#[wasm_bindgen_test]
fn quorum_store_traces_match_the_native_ones() {
    for (stem, expected) in faultline_tests::QUORUM_KV_TRACE_HASHES {
        let text = match stem {
            "quorum-add-node" => include_str!("../../static/scenarios/quorum-add-node.json"),
            "quorum-cap" => include_str!("../../static/scenarios/quorum-cap.json"),
            "quorum-sloppy-missed-read" => include_str!("../../static/scenarios/quorum-sloppy-missed-read.json"),
            other => panic!("no file for {other}"),
        };
        let scenario = faultline_scenario::from_json(text).expect("valid");
        assert_eq!(format!("{:016x}", trace_hash_of(&scenario)), expected, "{stem}");
    }
}
