//! What the page offers to JavaScript (and to the tests and the
//! benchmarks): plain values in, plain JavaScript objects out, made by
//! serde-wasm-bindgen. Typed errors from the core become JavaScript errors
//! here, and only here (`js_error`).

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

/// Any error of the core, as the JavaScript Error a caller catches.
fn js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}

/// A value as a plain JavaScript object.
fn to_js(value: &impl serde::Serialize) -> Result<JsValue, JsError> {
    serde_wasm_bindgen::to_value(value).map_err(js_error)
}

/// The playground's state: position, islands, cut links, nodes, messages
/// in flight, and the scenario with every recorded action (`App::state`);
/// `null` before the page started. Tests read it; so can anyone at the
/// console.
#[wasm_bindgen(js_name = playgroundState)]
pub fn playground_state() -> Result<JsValue, JsError> {
    let Some(state) = crate::page::state() else { return Ok(JsValue::NULL) };
    let object = to_js(&state)?;
    let scenario =
        js_sys::JSON::parse(&state.scenario_json).map_err(|_| js_error("the scenario's JSON did not parse"))?;
    js_sys::Reflect::set(&object, &"scenario".into(), &scenario).map_err(|_| js_error("the state is not an object"))?;
    Ok(object)
}

/// The share-link fragment (`s=1.…`) of a scenario given as JSON: open
/// `page#<fragment>` to run it. Bad JSON or an invalid scenario throws an
/// Error that names the field.
#[wasm_bindgen(js_name = scenarioFragment)]
pub fn scenario_fragment(json: &str) -> Result<String, JsError> {
    let scenario = faultline_scenario::from_json(json).map_err(js_error)?;
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
/// Returns an object: `{ verdict, operations, steps, elapsed_ms,
/// parse_ms, slices, longest_slice_ms }` (the verdict's name only: its
/// whole explanation, serialized, would cost the page's download more than
/// any caller has needed so far). Bad input throws an Error whose message
/// names the line.
#[wasm_bindgen(js_name = checkHistory)]
pub fn check_history(text: &str, model: &str, slice_ms: f64, budget_ms: f64) -> Result<JsValue, JsError> {
    // Parsing counts: it is part of checking a file, natively too.
    let started = now_ms();
    let (parsed, spec) = parse_for_model(text, Format::Auto, model, None).map_err(js_error)?;
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
    to_js(&CheckReport { verdict: verdict.name(), operations, steps, elapsed_ms, parse_ms, slices, longest_slice_ms })
}

/// What `checkHistory` returns.
#[derive(serde::Serialize)]
struct CheckReport {
    verdict: &'static str,
    operations: usize,
    steps: u64,
    elapsed_ms: f64,
    parse_ms: f64,
    slices: u64,
    longest_slice_ms: f64,
}
