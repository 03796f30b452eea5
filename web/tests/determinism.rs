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
