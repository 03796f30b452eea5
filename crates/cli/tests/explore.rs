//! `faultline explore`: the correct Raft, two-phase commit and every CRDT
//! type, both ways, survive a sweep; every buggy variant, and Raft's reads from any node, are caught,
//! and the scenario printed for the failure replays to the same failure
//! with `faultline run`.

use std::process::Command;

fn faultline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).output().unwrap()
}

/// A sweep that passed and whose summary counts each of `counters` above 0.
/// Returns the summary.
fn assert_passed_exercising(args: &[&str], counters: &[&str]) -> String {
    let output = faultline(args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{args:?}: {stdout}");
    assert!(stdout.contains("no invariant violated"), "{stdout}");
    for counter in counters {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(counter))
            .unwrap_or_else(|| panic!("no {counter} in {stdout}"));
        let value: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(value > 0, "{counter} is 0: the sweep exercised nothing");
    }
    stdout.to_string()
}

#[test]
fn the_correct_variant_survives_a_sweep_and_reports_what_it_exercised() {
    assert_passed_exercising(
        &["explore", "--protocol", "raft", "--seeds", "60", "--nodes", "5"],
        &["leaders elected", "entries committed", "faults applied", "operations completed", "appends completed"],
    );
}

#[test]
fn correct_two_phase_commit_survives_a_sweep_and_reports_what_it_exercised() {
    for extra in [&[][..], &["--cooperative-termination", "yes"][..]] {
        let mut args = vec!["explore", "--protocol", "two-phase-commit", "--seeds", "300"];
        args.extend_from_slice(extra);
        let counters = [
            "transactions committed",
            "transactions aborted",
            "times an RM was blocked",
            "quiet moments checked",
            "faults applied",
            "transfers answered",
        ];
        assert_passed_exercising(&args, &counters);
    }
}

#[test]
fn every_correct_crdt_type_survives_a_sweep_both_ways() {
    let types = ["g-counter", "pn-counter", "g-set", "2p-set", "or-set", "lww-register", "mv-register"];
    for data_type in types {
        for replication in ["state", "operation"] {
            let args =
                ["explore", "--protocol", "crdt", "--type", data_type, "--replication", replication, "--seeds", "200"];
            assert_passed_exercising(&args, &["updates made", "quiet moments checked", "faults applied"]);
        }
    }
}

#[test]
fn the_quorum_store_survives_sweeps_in_its_configurations_and_counts_what_is_not_linearizable() {
    for extra in [
        &[][..],
        &["--sloppy-quorum", "yes"][..],
        &["--conflicts", "last-writer-wins"][..],
        &["--read-quorum", "1", "--write-quorum", "1"][..],
        // Stand-ins and late replicas answering for the same replica.
        &["--sloppy-quorum", "yes", "--write-quorum", "3"][..],
    ] {
        let mut args = vec!["explore", "--protocol", "quorum-kv", "--seeds", "300"];
        args.extend_from_slice(extra);
        let counters =
            ["acknowledged writes checked", "nodes joined", "nodes left", "quiet moments checked", "faults applied"];
        let stdout = assert_passed_exercising(&args, &counters);
        let counted = stdout.split("; ").nth(1).and_then(|rest| rest.split(' ').next()).map(str::parse::<u64>);
        assert!(
            matches!(counted, Some(Ok(_))) && stdout.contains("histories not linearizable (allowed"),
            "{extra:?}: the sweep does not say how many histories are not linearizable:\n{stdout}"
        );
    }
}

/// (protocol, extra arguments, what the failure must say)
const CAUGHT: &[(&str, &[&str], &str)] = &[
    ("raft", &["--variant", "vote-without-log-check"], "invariant violated"),
    ("raft", &["--variant", "commit-old-term-by-counting"], "invariant violated"),
    ("raft", &["--variant", "volatile-voted-for"], "election safety violated"),
    ("raft", &["--variant", "no-step-down"], "election safety violated"),
    ("raft", &["--reads", "any-node"], "not linearizable"),
    ("two-phase-commit", &["--variant", "abort-after-voting-yes"], "atomicity violated"),
    ("two-phase-commit", &["--variant", "decision-before-log"], "atomicity violated"),
    ("two-phase-commit", &["--variant", "volatile-vote"], "invariant violated"),
    ("two-phase-commit", &["--variant", "commit-on-vote-timeout"], "invariant violated"),
    (
        "crdt",
        &["--type", "g-counter", "--replication", "operation", "--variant", "no-duplicate-detection"],
        "counter counts every update once violated",
    ),
    (
        "crdt",
        &["--type", "or-set", "--variant", "merge-not-idempotent"],
        "observed-remove semantics (add wins) violated",
    ),
    ("crdt", &["--type", "lww-register", "--variant", "skewed-clocks"], "last writer wins violated"),
    ("quorum-kv", &["--variant", "acknowledge-before-quorum"], "an acknowledged write is held by W replicas violated"),
    ("quorum-kv", &["--variant", "hints-never-handed-off"], "hand-off completes violated"),
    ("crdt", &["--type", "or-set", "--variant", "plain-set"], "observed-remove semantics (add wins) violated"),
    (
        "crdt",
        &["--type", "or-set", "--replication", "operation", "--variant", "plain-set"],
        "observed-remove semantics (add wins) violated",
    ),
];

#[test]
fn every_planted_bug_is_caught_within_1000_seeds_and_replays() {
    let dir = std::env::temp_dir().join(format!("faultline-explore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (protocol, extra, expected) in CAUGHT {
        let mut args = vec!["explore", "--protocol", protocol, "--seeds", "1000"];
        args.extend_from_slice(extra);
        let output = faultline(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{extra:?} was not caught:\n{stdout}");
        let first = stdout.lines().next().unwrap();
        assert!(first.contains(expected), "{extra:?}: {first}");
        // The scenario after the two header lines reproduces the failure.
        let scenario: String = stdout.lines().skip(2).collect::<Vec<_>>().join("\n");
        let file = dir.join("failure.json");
        std::fs::write(&file, scenario).unwrap();
        let replay = faultline(&["run", file.to_str().unwrap()]);
        let replayed = String::from_utf8_lossy(&replay.stdout);
        assert!(
            replay.status.success(),
            "{extra:?}: the printed scenario does not run: {}",
            String::from_utf8_lossy(&replay.stderr)
        );
        if expected.contains("violated") {
            // "seed S: FAILED: invariant violated at step N: <the violation>"
            let failure = first.split(": ").skip(3).collect::<Vec<_>>().join(": ");
            assert!(
                replayed.contains(&failure),
                "{extra:?}: the replay ended otherwise:\n{replayed}\nexpected: {failure}"
            );
        } else {
            assert!(replayed.contains("check:    not linearizable"), "{extra:?}: {replayed}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_explore_arguments_are_explained() {
    for (args, expected) in [
        (&["explore"][..], "explore needs --protocol NAME (one of: raft, two-phase-commit, crdt, quorum-kv)"),
        (&["explore", "--protocol", "crdt", "--type", "bag"][..], "unknown type `bag` (known: g-counter, pn-counter"),
        (&["explore", "--protocol", "crdt", "--replication", "delta"][..], "unknown replication `delta`"),
        (
            &["explore", "--protocol", "crdt", "--type", "g-set", "--variant", "plain-set"][..],
            "plain-set is an OR-Set built wrongly",
        ),
        (
            &["explore", "--protocol", "paxos"][..],
            "unknown protocol `paxos` (known: primary-backup, raft, two-phase-commit, crdt, quorum-kv)",
        ),
        (&["explore", "--protocol", "two-phase-commit", "--nodes", "1"][..], "two-phase-commit needs 2 nodes or more"),
        (
            &["explore", "--protocol", "two-phase-commit", "--cooperative-termination", "maybe"][..],
            "--cooperative-termination takes yes or no",
        ),
        (&["explore", "--protocol", "primary-backup"][..], "explore cannot sweep primary-backup"),
        (&["explore", "--protocol", "raft", "--variant", "sloppy"][..], "unknown variant `sloppy`"),
        (&["explore", "--protocol", "raft", "--reads", "sometimes"][..], "unknown reads `sometimes`"),
        (&["explore", "--protocol", "raft", "--colour", "blue"][..], "unknown option --colour for this protocol"),
        (&["explore", "--protocol", "raft", "--nodes", "40"][..], "--nodes must be 1 to 16"),
        (
            &["explore", "--protocol", "quorum-kv", "--read-quorum", "4"][..],
            "protocol.read_quorum: R must be from 1 to N (replicas, 3), found 4",
        ),
        (
            &["explore", "--protocol", "quorum-kv", "--replicas", "2", "--write-quorum", "3"][..],
            "protocol.write_quorum: W must be from 1 to N (replicas, 2), found 3",
        ),
        (&["explore", "--protocol", "quorum-kv", "--sloppy-quorum", "maybe"][..], "--sloppy-quorum takes yes or no"),
        (&["explore", "--protocol", "quorum-kv", "--conflicts", "newest"][..], "unknown conflict handling `newest`"),
    ] {
        let output = faultline(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
