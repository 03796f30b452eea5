#![cfg(target_arch = "wasm32")]
//! Simulated events per second in WebAssembly, in Chromium, for the same
//! scenarios as the native benchmark (`faultline_tests::benchmark_scenarios`).
//! Run in release by scripts/bench; in a debug test run it only checks that
//! the measurement works, on a shortened run.

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().expect("a window").performance().expect("performance").now()
}

#[wasm_bindgen_test]
fn events_per_second_in_wasm() {
    for (name, mut scenario) in faultline_tests::benchmark_scenarios() {
        let runs = if cfg!(debug_assertions) {
            scenario.workload.operations_max = 200;
            1
        } else {
            7
        };
        // One unmeasured run first, as natively.
        faultline_protocols::build(scenario.clone()).run_to_end();
        let mut rates = Vec::new();
        let mut steps = 0;
        for _ in 0..runs {
            let started = now_ms();
            let mut sim = faultline_protocols::build(scenario.clone());
            sim.run_to_end();
            let seconds = (now_ms() - started) / 1000.0;
            steps = sim.position();
            rates.push(steps as f64 / seconds.max(1e-6));
        }
        rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert!(steps > 1000, "the {name} benchmark ran only {steps} steps");
        console_log!(
            "wasm {name}: {steps} events per run, {runs} runs: median {:.0} events/s (min {:.0}, max {:.0})",
            rates[runs / 2],
            rates[0],
            rates[runs - 1]
        );
    }
}
