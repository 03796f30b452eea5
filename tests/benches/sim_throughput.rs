//! Simulated events per second for 5-node primary–backup, Raft,
//! two-phase-commit and CRDT (OR-Set, state- and operation-based) clusters
//! under client load
//! (`faultline_tests::benchmark_scenarios`), natively.
//!
//!     cargo bench -p faultline-tests --bench sim_throughput
//!
//! The same scenario is measured in WebAssembly by the web crate's
//! `bench` browser test (see scripts/bench). An "event" is one step of the
//! trace: a delivery, a drop, a timer, a client invocation, retry or
//! completion, or an applied action.

use std::time::Instant;

const RUNS: usize = 7;

fn main() {
    for (name, scenario) in faultline_tests::benchmark_scenarios() {
        // One unmeasured run first: page faults and allocator growth are not
        // the simulator's speed.
        faultline_protocols::build(scenario.clone()).run_to_end();
        let mut rates = Vec::with_capacity(RUNS);
        let mut steps_per_run = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let mut sim = faultline_protocols::build(scenario.clone());
            sim.run_to_end();
            let seconds = started.elapsed().as_secs_f64();
            steps_per_run = sim.position();
            rates.push(steps_per_run as f64 / seconds);
        }
        rates.sort_by(|a, b| a.partial_cmp(b).expect("rates are finite"));
        println!(
            "native {name}: {steps_per_run} events per run, {RUNS} runs: median {:.0} events/s (min {:.0}, max {:.0})",
            rates[RUNS / 2],
            rates[0],
            rates[RUNS - 1]
        );
    }
}
