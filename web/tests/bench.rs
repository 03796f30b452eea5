#![cfg(target_arch = "wasm32")]
//! Simulated events per second in WebAssembly, in Chromium, for the same
//! scenarios as the native benchmark (`faultline_tests::benchmark_scenarios`).
//! Run in release by scripts/bench; in a debug test run it only checks that
//! the measurement works, on a shortened run.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().expect("a window").performance().expect("performance").now()
}

/// Let the browser run its event loop: the test runner asks the page how
/// the tests are going, and gives up on an answer after 20 s.
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn events_per_second_in_wasm() {
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
            yield_to_browser().await;
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

/// What one frame of the page costs to build at the end of a long run: the
/// cluster, the side panels and the lanes, as `redraw_panels` builds them,
/// and the lanes put into the page.
#[wasm_bindgen_test]
fn frame_cost_at_the_end_of_a_long_run() {
    use faultline_web::{app::App, render};
    let mut scenario = faultline_tests::raft_benchmark_scenario();
    if cfg!(debug_assertions) {
        scenario.workload.operations_max = 200;
    }
    let mut app = App::new(scenario, None);
    app.sim.run_to_end();
    app.view_tick = app.sim.now_tick() as f64;
    app.selected_node = Some(faultline_scenario::NodeId(0));
    let document = web_sys::window().unwrap().document().unwrap();
    let holder = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&holder).unwrap();
    let mut parts: Vec<(&str, f64)> = Vec::new();
    let mut time = |name: &'static str, build: &dyn Fn() -> String| {
        let started = now_ms();
        let mut html = String::new();
        for _ in 0..10 {
            html = build();
        }
        parts.push((name, (now_ms() - started) / 10.0));
        html
    };
    time("cluster", &|| render::cluster_svg(&app));
    time("inspector", &|| render::inspector_html(&app));
    time("history", &|| render::history_html(&app));
    let lanes = time("lanes", &|| render::lanes_svg(&app));
    let started = now_ms();
    for _ in 0..10 {
        holder.set_inner_html("");
        holder.set_inner_html(&lanes);
        let _ = holder.get_bounding_client_rect(); // forces layout
    }
    parts.push(("lanes into the page", (now_ms() - started) / 10.0));
    holder.remove();
    assert!(app.sim.history().len() >= 200, "the run is too short to measure");
    assert_eq!(lanes.matches("data-op=").count(), app.sim.history().len().min(render::LANE_OPERATIONS_DRAWN_MAX));
    let listed: Vec<String> = parts.iter().map(|(name, ms)| format!("{name} {ms:.2} ms")).collect();
    console_log!("wasm frame at the end of {} operations: {}", app.sim.history().len(), listed.join(", "));
    // The whole linear memory, which only grows: an upper bound on what the
    // run (its trace, snapshots and history) holds.
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().dyn_into().expect("wasm memory");
    let memory_bytes = js_sys::ArrayBuffer::from(memory.buffer()).byte_length() as f64;
    console_log!(
        "wasm memory after {} steps: {:.0} MB ({:.0} bytes per step at most)",
        app.sim.position(),
        memory_bytes / 1e6,
        memory_bytes / app.sim.position() as f64
    );
}
