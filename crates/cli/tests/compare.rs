//! `faultline compare`: the CAP scorecard of the Gilbert–Lynch scenario, row
//! by row, and bad input refused.

use std::process::Command;

fn faultline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).output().unwrap()
}

fn builtin(name: &str) -> String {
    format!("{}/../../static/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

/// The row whose protocol column is `label`, split into its columns.
fn row<'a>(stdout: &'a str, label: &str) -> Vec<&'a str> {
    let line = stdout.lines().find(|line| line.starts_with(&format!("{label}  "))).unwrap_or_else(|| {
        panic!("no row {label} in\n{stdout}");
    });
    line[label.len()..].split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect()
}

#[test]
fn the_cap_proof_scores_each_protocol_on_the_same_faults() {
    let output = faultline(&["compare", &builtin("quorum-cap")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.starts_with("fault script: Quorum store: the CAP theorem's proof"), "{stdout}");
    assert!(stdout.contains("split from tick 10 to tick 300"), "{stdout}");
    // (answered during the partition, linearizable, strongest model, replicas agree)
    let expected: [(&str, [&str; 4]); 6] = [
        // n0 is cut off from the majority: no leader answers it, and n1's read waits too.
        ("Raft", ["0 of 2", "yes", "linearizable", "yes"]),
        // The primary acknowledges alone and never sends the write again.
        ("Primary–backup", ["2 of 2", "no", "sequentially consistent", "no"]),
        // Available: the write at n0 and the stale read at n1 are both answered.
        ("Quorum store, N = 3, R = W = 1", ["2 of 2", "no", "sequentially consistent", "yes"]),
        // Consistent: the write cannot reach W = 2, the read can reach R = 2.
        ("Quorum store, N = 3, R = W = 2", ["1 of 2", "yes", "linearizable", "yes"]),
        ("Quorum store, N = 3, R = W = 2, sloppy", ["1 of 2", "yes", "linearizable", "yes"]),
        ("CRDT LWW-register", ["2 of 2", "no", "sequentially consistent", "yes"]),
    ];
    for (label, columns) in expected {
        assert_eq!(row(&stdout, label), columns, "{label}");
    }
}

#[test]
fn bad_input_is_explained() {
    for (args, expected) in [
        (vec!["compare"], "compare needs a scenario file"),
        (vec!["compare", "/nonexistent.json"], "cannot read /nonexistent.json"),
        (vec!["compare", "--fast"], "unknown option --fast"),
    ] {
        let output = faultline(&args);
        assert_eq!(output.status.code(), Some(3), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(expected), "{args:?}");
    }
    let two_phase = builtin("2pc");
    let output = faultline(&["compare", &two_phase]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the fault script runs two-phase-commit, whose clients are not a key-value store's"),
        "{stderr}"
    );
}
