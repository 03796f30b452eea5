//! wasm tests of the page in headless Chromium, run by scripts/test:
//!
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     CHROMEDRIVER=/usr/bin/chromedriver \
//!     cargo test -p faultline-web --target wasm32-unknown-unknown
//!
//! Chromium's flags come from web/webdriver.json.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

#[wasm_bindgen_test]
fn runs_in_chromium() {
    let agent = web_sys::window().unwrap().navigator().user_agent().unwrap();
    assert!(agent.contains("Chrome"), "not Chromium: {agent}");
}

#[wasm_bindgen_test]
fn start_mounts_the_playground_and_its_controls_work() {
    let document = document();
    let app = document.create_element("main").unwrap();
    app.set_id("app");
    document.body().unwrap().append_child(&app).unwrap();

    faultline_web::start();

    let heading = app.query_selector("h1").unwrap().expect("no heading");
    assert_eq!(heading.text_content().as_deref(), Some("Faultline"));
    let nodes = app.query_selector_all("#cluster [data-node]").unwrap();
    assert_eq!(nodes.length(), 5, "the default scenario, Raft, has five nodes on the ring");

    // Step twice: the clock reports two steps taken.
    let step: web_sys::HtmlElement = document.get_element_by_id("step").unwrap().dyn_into().unwrap();
    step.click();
    step.click();
    let clock = document.get_element_by_id("clock").unwrap().text_content().unwrap();
    assert!(clock.contains("step 2 of 2"), "{clock}");
    assert_eq!(document.get_element_by_id("play").unwrap().text_content().as_deref(), Some("Play"));

    // The inspector's buttons act on the selected node.
    let inspector = document.get_element_by_id("inspector").unwrap();
    assert!(inspector.text_content().unwrap().contains("Click a node"));
    app.remove();
}
