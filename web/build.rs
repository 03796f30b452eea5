//! Writes the picker's list of built-in scenarios, `(file stem, name)` in
//! the order below, from `static/scenarios/`. Only the list is compiled
//! in (and, in `src/builtin.rs`, the few scenarios the page needs before
//! any request); the page fetches the others when they are picked. The
//! build fails when a file is missing from the order or the order names a
//! file that is not there.

use std::fmt::Write as _;
use std::path::Path;

/// The picker's order. The first is the default scenario.
const ORDER: [&str; 24] = [
    "raft",
    "raft-puzzle-1",
    "raft-puzzle-2",
    "raft-puzzle-3",
    "raft-figure-8",
    "2pc",
    "2pc-vote-abort",
    "2pc-rm-crash-before-vote",
    "2pc-rm-crash-after-vote",
    "2pc-coordinator-crash",
    "2pc-cooperative-rescue",
    "2pc-cooperative-blocked",
    "calm",
    "stale-read",
    "crash-recovery",
    "crdt-cart",
    "crdt-shopping-cart",
    "crdt-counter-partition",
    "crdt-lww-clock-skew",
    "crdt-counter-duplicates",
    "crdt-counter-duplicates-buggy",
    "quorum-add-node",
    "quorum-cap",
    "quorum-sloppy-missed-read",
];

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .expect("static/scenarios exists")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .collect();
    stems.sort();
    let mut ordered: Vec<&str> = ORDER.to_vec();
    ordered.sort();
    assert_eq!(stems, ordered, "web/build.rs's ORDER must list every file in static/scenarios/, and only those");
    let mut out = String::from("pub const BUILTIN_SCENARIOS: &[(&str, &str)] = &[\n");
    for stem in ORDER {
        let path = dir.join(format!("{stem}.json"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("a scenario file");
        let json: serde_json::Value = serde_json::from_str(&text).expect("a scenario file is JSON");
        let name = json["name"].as_str().expect("a scenario has a name");
        writeln!(out, "    ({stem:?}, {name:?}),").unwrap();
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin_scenarios.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
