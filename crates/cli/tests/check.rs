//! `faultline check` on every reference history in ../shared/data/histories
//! (recorded by other tools, with known verdicts), and on malformed input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).output().unwrap()
}

fn shared_histories() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/histories")
}

fn files_in(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

/// (directory, extension, model, expected exit status: 0 linearizable, 1 not)
type ExpectedStatus = Box<dyn Fn(&Path) -> i32>;

fn reference_sets() -> Vec<(PathBuf, &'static str, &'static str, ExpectedStatus)> {
    let root = shared_histories();
    vec![
        (
            root.join("porcupine-kv"),
            "txt",
            "kv",
            Box::new(|p: &Path| if p.to_string_lossy().contains("-bad") { 1 } else { 0 }),
        ),
        (root.join("knossos/cas-register/good"), "edn", "cas-register", Box::new(|_: &Path| 0)),
        (root.join("knossos/cas-register/bad"), "edn", "cas-register", Box::new(|_: &Path| 1)),
        (root.join("knossos/mutex/bad"), "edn", "lock", Box::new(|_: &Path| 1)),
    ]
}

#[test]
fn every_reference_history_gets_its_expected_verdict_with_default_budgets() {
    let mut checked = 0;
    for (dir, extension, model, expected) in reference_sets() {
        let files = files_in(&dir, extension);
        assert!(!files.is_empty(), "no reference histories in {}", dir.display());
        for file in files {
            let output = faultline(&["check", file.to_str().unwrap(), "--model", model]);
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(expected(&file)),
                "{} with --model {model}:\n{stdout}{stderr}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 6 + 2, "only {checked} reference histories checked");
}

#[test]
fn json_output_carries_the_whole_result() {
    let file = shared_histories().join("porcupine-kv/c01-bad.txt");
    let output = faultline(&["check", file.to_str().unwrap(), "--model", "kv", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["result"]["verdict"], "not-linearizable");
    assert!(report["result"]["minimal"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(report["result"]["reason"].as_str().is_some_and(|r| r.contains("would have returned")));
    assert_eq!(report["operations"].as_array().unwrap().len(), report["lines"].as_array().unwrap().len());
}

#[test]
fn a_tiny_budget_gives_unknown_with_exit_status_2() {
    let file = shared_histories().join("porcupine-kv/c50-ok.txt");
    let output = faultline(&["check", file.to_str().unwrap(), "--model", "kv", "--budget-steps", "1000"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("UNKNOWN") && stdout.contains("budget of 1000 steps ran out"), "{stdout}");
    assert!(stdout.contains("operations placed"), "progress is reported: {stdout}");
}

/// Malformed inputs: each gives exit status 3 and a message naming the line.
#[test]
fn malformed_input_is_explained_with_its_line_and_exit_status_3() {
    let dir = std::env::temp_dir().join(format!("faultline-check-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: &[(&str, &str, &str, &str)] = &[
        // (file contents, model, format, expected in the message)
        ("", "register", "auto", "empty"),
        ("{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :val", "register", "edn", "line 2"),
        ("{:process \"a\", :type :invoke, :f :read, :value nil}", "register", "edn", "line 1"),
        ("{:process 0, :type :invoke, :f :frobnicate, :value nil}", "register", "edn", "line 1"),
        ("{:process 0, :type :invoke, :f :append, :key 1, :value \"x\"}\n{:process 0, :type :ok, :f :append, :key 1, :value \"x\"}", "register", "edn", "line 1: the register model has no `append` operation"),
        ("{\"operations\": [\n {\"client\": 0, \"f\": \"read\", \"invoke\": 1.5}\n]}", "register", "json", "line 2"),
        ("{\"operations\": [\n {\"client\": 0, \"f\": \"read\", \"invoke\": 3, \"complete\": 1}\n]}", "register", "json", "line 2"),
        ("[{:process 0, :type :ok, :f :read, :value 1}]", "register", "edn", "line 1"),
        ("hello there\nthis is not a history\n", "register", "auto", "line 1"),
    ];
    for (index, (contents, model, format, expected)) in cases.iter().enumerate() {
        let file = dir.join(format!("case-{index}.txt"));
        std::fs::write(&file, contents).unwrap();
        let output = faultline(&["check", file.to_str().unwrap(), "--model", model, "--format", format]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "case {index}: {stderr}");
        assert!(stderr.contains(expected), "case {index}: expected `{expected}` in: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "case {index}: one line, please: {stderr}");
    }
    let usage: &[(&[&str], &str)] = &[
        (&["check"], "check needs a history file"),
        (&["check", "x.edn"], "check needs --model"),
        (&["check", "x.edn", "--model", "registr"], "unknown model `registr`"),
        (&["check", "x.edn", "--model", "kv", "--format", "yaml"], "unknown format `yaml`"),
        (&["check", "x.edn", "--model", "kv", "--budget-steps", "lots"], "--budget-steps needs a whole number"),
        (&["check", "/no/such/file", "--model", "kv"], "cannot read /no/such/file"),
    ];
    for (args, expected) in usage {
        let output = faultline(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: expected `{expected}` in {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
