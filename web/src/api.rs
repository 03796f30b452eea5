//! What the page offers to JavaScript (and to an embedding page, and to
//! the benchmarks): plain values in, JSON text out. Typed errors from the
//! core become JavaScript errors here, and only here.

use crate::json_text::Object;
use faultline_check::format::{parse_for_model, Format};
use faultline_check::Checker;
use wasm_bindgen::prelude::*;

/// Search steps between two looks at the clock while checking in slices.
const STEPS_BETWEEN_CLOCK_READS: u64 = 4_096;

/// The time budget when the caller gives none: a check never holds the
/// page longer than this.
const DEFAULT_BUDGET_MS: f64 = 10_000.0;

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// The playground's state as JSON text: position, islands, cut links,
/// nodes, messages in flight, and the scenario with every recorded action
/// (`App::state_json`). Tests read it; so can anyone at the console.
#[wasm_bindgen(js_name = playgroundState)]
pub fn playground_state() -> String {
    crate::page::state_json()
}

/// The share-link fragment (`s=1.…`) of a scenario given as JSON: open
/// `page#<fragment>` to run it. Bad JSON or an invalid scenario throws an
/// Error that names the field.
#[wasm_bindgen(js_name = scenarioFragment)]
pub fn scenario_fragment(json: &str) -> Result<String, JsError> {
    let scenario = faultline_scenario::from_json(json).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(faultline_scenario::to_url_fragment(&scenario))
}

/// Check a history (any format `faultline check` reads) against a model.
///
/// `budget_ms` bounds the whole check (10 s when 0 or less); the result is
/// then "unknown" with how far it got.
///
/// With `slice_ms` > 0 the check runs the way the page runs it, in slices
/// that each stop once `slice_ms` has passed, and the result reports the
/// longest slice (what one animation frame waited on the check).
///
/// `elapsed_ms` counts parsing and checking, as the native benchmark does.
///
/// Returns JSON: `{ "verdict", "operations", "steps", "elapsed_ms",
/// "slices", "longest_slice_ms" }` (the verdict's name only: its whole
/// explanation, serialized, would cost the page's download more than any
/// caller has needed so far). Bad input throws an Error
/// whose message names the line.
#[wasm_bindgen(js_name = checkHistory)]
pub fn check_history(text: &str, model: &str, slice_ms: f64, budget_ms: f64) -> Result<String, JsError> {
    // Parsing counts: it is part of checking a file, natively too.
    let started = now_ms();
    let (parsed, spec) = parse_for_model(text, Format::Auto, model, None).map_err(|e| JsError::new(&e))?;
    let operations = parsed.history.operations.len();
    let parse_ms = now_ms() - started;
    let budget_ms = if budget_ms > 0.0 { budget_ms } else { DEFAULT_BUDGET_MS };
    let (verdict, steps, slices, longest_slice_ms) = {
        // `ModelSpec` as the model: the search compiled once for all models.
        let mut checker = Checker::new(spec, parsed.history, faultline_check::DEFAULT_BUDGET_STEPS);
        let mut slices = 0u64;
        let mut longest_slice_ms: f64 = 0.0;
        let verdict = 'check: loop {
            let slice_started = now_ms();
            slices += 1;
            loop {
                if let Some(verdict) = checker.run(STEPS_BETWEEN_CLOCK_READS) {
                    longest_slice_ms = longest_slice_ms.max(now_ms() - slice_started);
                    break 'check verdict.clone();
                }
                let now = now_ms();
                if now - started >= budget_ms {
                    break 'check checker.stop(&format!("the time budget of {budget_ms} ms ran out")).clone();
                }
                if slice_ms > 0.0 && now - slice_started >= slice_ms {
                    longest_slice_ms = longest_slice_ms.max(now - slice_started);
                    break;
                }
            }
        };
        (verdict, checker.steps(), slices, longest_slice_ms)
    };
    let elapsed_ms = now_ms() - started;
    let report = Object::new()
        .field("verdict", verdict.name())
        .field("operations", &operations)
        .field("steps", &steps)
        .field("elapsed_ms", &elapsed_ms)
        .field("parse_ms", &parse_ms)
        .field("slices", &slices)
        .field("longest_slice_ms", &longest_slice_ms);
    Ok(report.finish())
}
