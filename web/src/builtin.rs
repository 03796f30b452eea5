//! The built-in scenarios of `static/scenarios/`. The picker's list,
//! `(file stem, name)`, is written by `build.rs` from the files; only the
//! scenarios the page may need before any request are compiled in (the
//! default, and each protocol's first, which the settings panel starts a
//! protocol from). The others are fetched from the page's own origin when
//! picked, so their long descriptions stay out of the download.

use faultline_scenario::Scenario;

include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

pub const DEFAULT_SCENARIO: &str = "raft";

/// The scenarios compiled in, as (file stem, JSON text).
const COMPILED: [(&str, &str); 5] = [
    ("raft", include_str!("../../static/scenarios/raft.json")),
    ("2pc", include_str!("../../static/scenarios/2pc.json")),
    ("calm", include_str!("../../static/scenarios/calm.json")),
    ("crdt-cart", include_str!("../../static/scenarios/crdt-cart.json")),
    ("quorum-add-node", include_str!("../../static/scenarios/quorum-add-node.json")),
];

/// The built-in scenarios, as (file stem, name), in picker order.
pub fn builtins() -> impl Iterator<Item = (&'static str, &'static str)> {
    BUILTIN_SCENARIOS.iter().copied()
}

pub fn is_builtin(stem: &str) -> bool {
    builtins().any(|(known, _)| known == stem)
}

/// The text of a scenario compiled in.
pub fn compiled_text(stem: &str) -> Option<&'static str> {
    COMPILED.iter().find(|(name, _)| *name == stem).map(|(_, text)| *text)
}

/// The scenarios compiled in, in picker order: one of each protocol.
pub fn templates() -> impl Iterator<Item = Scenario> {
    builtins().filter_map(|(stem, _)| compiled_text(stem)).filter_map(|text| faultline_scenario::from_json(text).ok())
}

/// Hand `done` the built-in scenario `stem`: at once when it is compiled
/// in, else once fetched from `static/scenarios/`; or why there is none.
pub fn with_builtin(stem: &str, done: impl FnOnce(Result<Scenario, String>) + 'static) {
    if !is_builtin(stem) {
        return done(Err(format!("there is no built-in scenario called `{stem}`")));
    }
    if let Some(text) = compiled_text(stem) {
        return done(faultline_scenario::from_json(text).map_err(|e| e.to_string()));
    }
    let stem = stem.to_string();
    crate::fetch::fetch_text(&format!("static/scenarios/{stem}.json"), move |text| {
        done(text.and_then(|text| faultline_scenario::from_json(&text).map_err(|e| format!("{stem}: {e}"))))
    });
}
