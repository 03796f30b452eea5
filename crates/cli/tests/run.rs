//! `faultline run` on every example scenario, and its handling of bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn faultline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static/scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_example_runs_and_prints_its_summary() {
    let examples = examples();
    assert!(examples.len() >= 3, "expected at least three example scenarios");
    for path in examples {
        let output = faultline().arg("run").arg(&path).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{}: {stdout}{}", path.display(), String::from_utf8_lossy(&output.stderr));
        for label in
            ["scenario:", "protocol:", "ended:", "steps:", "messages:", "faults:", "history:", "trace:", "check:"]
        {
            assert!(stdout.contains(label), "{}: no `{label}` in\n{stdout}", path.display());
        }
        assert!(stdout.contains(" sent, ") && stdout.contains(" delivered, ") && stdout.contains(" dropped"));
        assert!(stdout.contains(" completed, ") && stdout.contains(" pending"));
    }
}

/// A CRDT's history is not held to linearizability: the check line says
/// what it did satisfy, and its history file checks with the set model.
#[test]
fn the_shopping_cart_says_what_a_crdt_does_and_does_not_guarantee() {
    let dir = std::env::temp_dir().join(format!("faultline-cli-cart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = dir.join("history.json");
    let cart = examples().into_iter().find(|p| p.ends_with("crdt-shopping-cart.json")).unwrap();
    let output = faultline().arg("run").arg(&cart).arg("--history").arg(&history).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let expected = "check:    not linearizable — as expected of a CRDT under partition; converged after the heal; \
                    read-your-writes: yes; monotonic reads: yes";
    assert!(stdout.contains(expected), "{stdout}");
    let check = faultline().arg("check").arg(&history).arg("--model").arg("set").output().unwrap();
    let verdict = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "not linearizable: {verdict}");
    assert!(verdict.contains("NOT LINEARIZABLE (set model"), "{verdict}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trace_and_history_files_are_written_as_json() {
    let dir = std::env::temp_dir().join(format!("faultline-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (trace, history) = (dir.join("trace.json"), dir.join("history.json"));
    let example = examples().into_iter().find(|p| p.ends_with("stale-read.json")).unwrap();
    let status = faultline()
        .arg("run")
        .arg(&example)
        .arg("--trace")
        .arg(&trace)
        .arg("--history")
        .arg(&history)
        .status()
        .unwrap();
    assert!(status.success());
    let trace: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let steps = trace["steps"].as_array().unwrap();
    assert_eq!(steps.len() as u64, trace["stats"]["steps"].as_u64().unwrap());
    assert!(steps.iter().all(|s| s["lamport"].is_u64() && s["vector"].is_array() && s["tick"].is_u64()));
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    let operations = written["operations"].as_array().unwrap();
    assert!(!operations.is_empty());
    assert!(operations.iter().all(|op| op["invoke"].is_u64() && op["f"].is_string()));
    assert!(written.get("initial").is_some_and(|initial| initial.is_null()), "no initial value written");
    // The history file is the checker's own format, initial value included:
    // it checks as it is. Raft's default scenario has appends (values as text).
    let raft = examples().into_iter().find(|p| p.ends_with("raft.json")).unwrap();
    let raft_history = dir.join("raft-history.json");
    assert!(faultline().arg("run").arg(&raft).arg("--history").arg(&raft_history).status().unwrap().success());
    assert!(std::fs::read_to_string(&raft_history).unwrap().contains(r#""f": "append""#));
    for (history, expected_code, expected) in [(&history, 1, "NOT LINEARIZABLE"), (&raft_history, 0, "LINEARIZABLE")] {
        let output = faultline()
            .args(["check".as_ref(), history.as_os_str(), "--model".as_ref(), "kv".as_ref()])
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(expected_code), "{}: {stdout}", history.display());
        assert!(stdout.contains(&format!(": {expected} ")), "{stdout}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_explained_with_exit_status_3() {
    let dir = std::env::temp_dir().join(format!("faultline-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let invalid = dir.join("invalid.json");
    std::fs::write(&invalid, r#"{"version": 1, "seed": 1, "protocol": {"name": "primary-backup", "nodes": 0}}"#)
        .unwrap();
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (vec!["run".as_ref(), invalid.as_os_str()], "protocol.nodes"),
        (vec!["run".as_ref(), "/no/such/file.json".as_ref()], "cannot read /no/such/file.json"),
        (vec!["run".as_ref()], "run needs a scenario file"),
        (vec!["run".as_ref(), invalid.as_os_str(), "--trace".as_ref()], "--trace needs a file name"),
        (vec!["frobnicate".as_ref()], "unknown command frobnicate"),
    ];
    for (args, expected) in cases {
        let output = faultline().args(&args).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: expected `{expected}` in {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
