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

/// A bank history (initial balances, transfers, reads) in a temporary
/// directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("faultline-check-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str, contents: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Client 0 moves 30 from account 0 to account 2; client 1 reads after it
/// returned, seeing `read`; client 2's transfer of 500 aborted; client 3's
/// transfer never returned.
fn bank_history(initial: Option<&str>, read: &str) -> String {
    let initial = initial.map(|i| format!("\"initial\": {i},\n ")).unwrap_or_default();
    format!(
        r#"{{{initial}"operations": [
  {{"client": 0, "f": "transfer", "input": [0, 2, 30], "output": true, "invoke": 0, "complete": 5}},
  {{"client": 2, "f": "transfer", "input": [1, 0, 500], "output": false, "invoke": 1, "complete": 3}},
  {{"client": 3, "f": "transfer", "input": [1, 2, 10], "invoke": 2}},
  {{"client": 1, "f": "read", "output": {read}, "invoke": 6, "complete": 8}}
]}}
"#
    )
}

#[test]
fn a_linearizable_bank_history_exits_0() {
    let dir = TempDir::new("bank-good");
    for (initial, read, flag) in [
        (Some("[100, 100, 100]"), "[70, 100, 130]", None),
        // The transfer that never returned may have taken effect.
        (Some("[100, 100, 100]"), "[70, 90, 140]", None),
        // --initial gives the balances when the file does not.
        (None, "[70, 100, 130]", Some("[100, 100, 100]")),
        // And wins over the file's.
        (Some("[1, 2, 3]"), "[70, 100, 130]", Some("[100, 100, 100]")),
    ] {
        let file = dir.file("bank.json", &bank_history(initial, read));
        let mut args = vec!["check", &file, "--model", "bank"];
        if let Some(balances) = flag {
            args.extend(["--initial", balances]);
        }
        let output = faultline(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}:\n{stdout}{stderr}");
        assert!(stdout.contains("LINEARIZABLE (bank model, 4 operations"), "{stdout}");
    }
    // A transfer whose outcome is unknown never returned: it may have
    // aborted (the read after its invocation sees the old balances) or
    // committed (the read sees the new ones).
    for (read, note) in [("[100, 100]", true), ("[70, 130]", false)] {
        let file = dir.file(
            "unknown.json",
            &format!(
                r#"{{"initial": [100, 100], "operations": [
  {{"client": 0, "f": "transfer", "input": [0, 1, 30], "invoke": 0}},
  {{"client": 1, "f": "read", "output": {read}, "invoke": 6, "complete": 8}}
]}}"#
            ),
        );
        let output = faultline(&["check", &file, "--model", "bank"]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{read}: {stdout}");
        assert_eq!(stdout.contains("; 1 that never returned never took effect"), note, "{read}: {stdout}");
    }
}

#[test]
fn a_lost_transfer_exits_1_with_the_balances() {
    let dir = TempDir::new("bank-bad");
    // The read after the transfer returned sees the old balances.
    let file = dir.file("bank.json", &bank_history(Some("[100, 100, 100]"), "[100, 100, 100]"));
    let output = faultline(&["check", &file, "--model", "bank"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("NOT LINEARIZABLE (bank model, 4 operations"), "{stdout}");
    // After the committed transfer (and perhaps the one that never
    // returned), the balances were not the old ones.
    assert!(stdout.contains("after it, the balances were [70 "), "{stdout}");
    assert!(stdout.contains("total 300"), "{stdout}");
    assert!(stdout.contains("client 1 read → [100 100 100] cannot take effect after them"), "{stdout}");
    assert!(stdout.contains("it would have returned [70 "), "{stdout}");
    assert!(stdout.contains("line     3: client 0 transfer [0 2 30] → true"), "{stdout}");
    assert!(
        stdout.contains("weaker models: sequentially consistent: yes; read-your-writes: not checked for this model"),
        "{stdout}"
    );
    // --json carries the same.
    let output = faultline(&["check", &file, "--model", "bank", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["model"], "bank");
    assert!(report["result"]["state"].as_str().is_some_and(|s| s.starts_with("the balances were [70 ")), "{report}");
    assert_eq!(report["result"]["minimal"], serde_json::json!([0, 3]));
}

#[test]
fn a_bank_without_initial_balances_exits_3() {
    let dir = TempDir::new("bank-no-initial");
    let needs = "the bank model needs the accounts' initial balances: give --initial [100, 100, ...] or a history \
                 file with \"initial\"";
    let cases: &[(&str, &[&str], &str)] = &[
        // (file contents, extra arguments, expected in the message)
        (&bank_history(None, "[70, 100, 130]"), &[], needs),
        ("{\"operations\": []}", &[], needs),
        (
            &bank_history(Some("0"), "[70, 100, 130]"),
            &[],
            "the bank model needs the accounts' initial balances as a non-empty list of integers, not 0",
        ),
        (&bank_history(None, "[70, 100, 130]"), &["--initial", "[100, 100]"], "line 2: a transfer names account 2"),
        (
            &bank_history(Some("[100, 100, 100]"), "[70, 130]"),
            &[],
            "line 6: a bank read returns the 3 accounts' balances",
        ),
        (
            "{:process 0 :type :invoke :f :transfer :value [0 1 5]}\n{:process 0 :type :ok :f :transfer :value [0 1 5]}",
            &[],
            needs,
        ),
        // A transfer that returned says whether it committed.
        (
            "{\"initial\": [100, 100], \"operations\": [\n  \
             {\"client\": 0, \"f\": \"transfer\", \"input\": [0, 1, 30], \"invoke\": 0, \"complete\": 5}\n]}",
            &[],
            "line 2: a transfer that returned says whether it committed (true or false); one whose outcome is unknown \
             never returned: give it no completion",
        ),
    ];
    for (index, (contents, extra, expected)) in cases.iter().enumerate() {
        let file = dir.file(&format!("case-{index}.txt"), contents);
        let mut args = vec!["check", &file, "--model", "bank"];
        args.extend(extra.iter());
        let output = faultline(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "case {index}: {stderr}");
        assert!(stderr.contains(expected), "case {index}: expected `{expected}` in: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "case {index}: one line, please: {stderr}");
    }
}

// ----- several files, directories -------------------------------------------

/// The lines of `stdout` with every timing figure (`12 ms`) made `T ms`, so
/// runs can be compared.
fn without_timings(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            let mut out = String::new();
            let mut rest = line;
            while let Some(at) = rest.find(" ms") {
                out.push_str(rest[..at].trim_end_matches(|c: char| c.is_ascii_digit()));
                out.push_str("T ms");
                rest = &rest[at + " ms".len()..];
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// Each Porcupine history's verdict and operations (its README's table).
const PORCUPINE_KV: &[(&str, &str, usize)] = &[
    ("c01-bad.txt", "NOT LINEARIZABLE", 38),
    ("c01-ok.txt", "LINEARIZABLE", 58),
    ("c10-bad.txt", "NOT LINEARIZABLE", 405),
    ("c10-ok.txt", "LINEARIZABLE", 337),
    ("c50-bad.txt", "NOT LINEARIZABLE", 2024),
    ("c50-ok.txt", "LINEARIZABLE", 1712),
];

#[test]
fn a_directory_gets_a_line_per_file_and_a_summary_whatever_the_jobs() {
    let dir = shared_histories().join("porcupine-kv");
    let dir = dir.to_str().unwrap();
    let mut runs = Vec::new();
    for jobs in ["1", "2", "5"] {
        let output = faultline(&["check", dir, "--model", "kv", "--jobs", jobs]);
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "--jobs {jobs}: some are not linearizable:\n{stdout}{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        // LICENSE.md is not a history: left out.
        assert_eq!(lines.len(), PORCUPINE_KV.len() + 1, "--jobs {jobs}:\n{stdout}");
        for (line, (name, verdict, operations)) in lines.iter().zip(PORCUPINE_KV) {
            let start = format!("{dir}/{name}: {verdict} ({operations} operations, ");
            assert!(line.starts_with(&start), "--jobs {jobs}: expected `{start}...`, got `{line}`");
            assert!(line.ends_with(" ms)") || line.contains(" ms; key \""), "--jobs {jobs}: {line}");
            assert_eq!(line.contains("; key "), verdict.starts_with("NOT"), "--jobs {jobs}: {line}");
        }
        let summary = lines.last().unwrap();
        assert!(
            summary.starts_with("6 files: 3 linearizable, 3 not linearizable, 0 unknown, 0 unreadable (")
                && summary.ends_with(" ms)"),
            "--jobs {jobs}: {summary}"
        );
        runs.push((jobs, without_timings(&stdout)));
    }
    for (jobs, lines) in &runs[1..] {
        assert_eq!(lines, &runs[0].1, "--jobs {jobs} against --jobs 1");
    }
}

/// A directory of histories, removed when dropped; files may be in
/// subdirectories.
fn history_dir(name: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new(name);
    for (path, contents) in files {
        let path = dir.0.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

const REGISTER_GOOD_JSON: &str = r#"{"operations": [
  {"client": 0, "f": "write", "input": 1, "invoke": 0, "complete": 1},
  {"client": 1, "f": "read", "output": 1, "invoke": 2, "complete": 3}
]}"#;

/// Line 2 ends in the middle of a map.
const REGISTER_BAD_EDN: &str =
    "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :val";

/// A Jepsen log, separated by spaces: a read after the write returned sees
/// no value.
const REGISTER_STALE_LOG: &str = "\
INFO  jepsen.util - 0  :invoke  :write  1
INFO  jepsen.util - 0  :ok  :write  1
INFO  jepsen.util - 1  :invoke  :read  nil
INFO  jepsen.util - 1  :ok  :read  nil  :some-error
";

const REGISTER_GOOD_EDN: &str =
    "{:process 0, :type :invoke, :f :write, :value 2}\n{:process 0, :type :ok, :f :write, :value 2}\n";

fn mixed_dir(name: &str) -> TempDir {
    history_dir(
        name,
        &[
            ("sub/d-good.txt", REGISTER_GOOD_EDN),
            ("c-stale.log", REGISTER_STALE_LOG),
            ("a-good.json", REGISTER_GOOD_JSON),
            ("b-bad.edn", REGISTER_BAD_EDN),
            // Left out: hidden, or not a history format's extension.
            (".hidden.json", "not a history"),
            (".cache/e.json", "not a history"),
            ("notes.md", "not a history"),
        ],
    )
}

#[test]
fn a_bad_file_in_a_directory_is_reported_on_its_line_and_the_others_are_checked() {
    let dir = mixed_dir("mixed");
    let root = dir.0.to_str().unwrap();
    // (the file, the start of its line)
    let expected = [
        ("a-good.json", "LINEARIZABLE (2 operations, "),
        ("b-bad.edn", "ERROR: line 2: the input ends inside the map opened on line 2"),
        ("c-stale.log", "NOT LINEARIZABLE (2 operations, "),
        ("sub/d-good.txt", "LINEARIZABLE (1 operations, "),
    ];
    for jobs in ["1", "3"] {
        let output = faultline(&["check", root, "--model", "register", "--jobs", jobs]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "a file was bad input:\n{stdout}{stderr}");
        assert!(stderr.is_empty(), "{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), expected.len() + 1, "{stdout}");
        for (line, (name, start)) in lines.iter().zip(expected) {
            let start = format!("{root}/{name}: {start}");
            assert!(line.starts_with(&start), "--jobs {jobs}: expected `{start}...`, got `{line}`");
        }
        assert!(
            lines[4].starts_with("4 files: 2 linearizable, 1 not linearizable, 0 unknown, 1 unreadable ("),
            "{stdout}"
        );
    }
}

#[test]
fn json_with_several_files_is_an_array_of_an_object_per_file() {
    let dir = mixed_dir("json");
    let root = dir.0.to_str().unwrap();
    let output = faultline(&["check", root, "--model", "register", "--json", "--jobs", "2"]);
    assert_eq!(output.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // An object per line, between the brackets.
    assert_eq!(stdout.lines().count(), 4 + 2, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let files = report.as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["a-good.json", "b-bad.edn", "c-stale.log", "sub/d-good.txt"].map(|n| format!("{root}/{n}")),
        "{stdout}"
    );
    assert_eq!(files[0]["result"]["verdict"], "linearizable");
    assert_eq!(files[0]["format"], "json");
    assert_eq!(files[0]["operation_count"], 2);
    assert!(files[1]["error"].as_str().is_some_and(|e| e.starts_with("line 2: ")), "{stdout}");
    assert!(files[1].get("result").is_none());
    assert_eq!(files[2]["result"]["verdict"], "not-linearizable");
    assert_eq!(files[2]["format"], "jepsen-log");
    assert_eq!(files[3]["format"], "edn");
    assert!(files.iter().all(|f| f.get("error").is_some() || f["steps"].as_u64().is_some()), "{stdout}");
}

#[test]
fn several_files_exit_with_the_worst_status_bad_input_first() {
    let dir = shared_histories().join("porcupine-kv");
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    // (files in the order given, expected exit status, summary's counts:
    // linearizable, not, unknown, unreadable) with --budget-steps 1000,
    // which decides c01 and c10 but not c50.
    let cases: &[(&[&str], i32, [usize; 4])] = &[
        (&["c10-ok.txt", "c01-ok.txt"], 0, [2, 0, 0, 0]),
        (&["c01-ok.txt", "c50-ok.txt"], 2, [1, 0, 1, 0]),
        (&["c50-ok.txt", "c01-bad.txt", "c01-ok.txt"], 1, [1, 1, 1, 0]),
        (&["c01-bad.txt", "missing.txt"], 3, [0, 1, 0, 1]),
        // A file named on the command line is taken whatever its extension.
        (&["c01-ok.txt", "LICENSE.md"], 3, [1, 0, 0, 1]),
    ];
    for (names, status, [good, bad, unknown, unreadable]) in cases {
        let paths: Vec<String> = names.iter().map(|n| file(n)).collect();
        let mut args = vec!["check", "--model", "kv", "--budget-steps", "1000"];
        args.extend(paths.iter().map(String::as_str));
        let output = faultline(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(*status), "{names:?}:\n{stdout}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), names.len() + 1, "{names:?}:\n{stdout}");
        for (line, path) in lines.iter().zip(&paths) {
            assert!(line.starts_with(&format!("{path}: ")), "{names:?}: in the order given:\n{stdout}");
        }
        let summary = format!(
            "{} files: {good} linearizable, {bad} not linearizable, {unknown} unknown, {unreadable} unreadable (",
            names.len()
        );
        assert!(lines[names.len()].starts_with(&summary), "{names:?}: expected `{summary}`:\n{stdout}");
    }
    // The budgets are each file's: the second c50-ok gets its 1000 steps too.
    let c50 = file("c50-ok.txt");
    let output = faultline(&["check", &c50, &c50, "--model", "kv", "--budget-steps", "1000", "--jobs", "2"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    let unknown = format!("{c50}: UNKNOWN (1712 operations, 1000 steps, ");
    assert_eq!(stdout.lines().filter(|l| l.starts_with(&unknown)).count(), 2, "{stdout}");
    assert!(stdout.contains("; the search budget of 1000 steps ran out)"), "{stdout}");
}

#[test]
fn bad_jobs_and_empty_directories_are_refused_with_exit_status_3() {
    let empty = TempDir::new("empty");
    let only_hidden = history_dir("only-hidden", &[(".a.json", REGISTER_GOOD_JSON), ("b.md", "")]);
    let empty_path = empty.0.to_str().unwrap();
    let hidden_path = only_hidden.0.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--jobs", "0"], "--jobs needs at least 1"),
        (&["--jobs", "two"], "--jobs needs a whole number, not `two`"),
        (&["--jobs", "-1"], "--jobs needs a whole number, not `-1`"),
        (&["--jobs"], "--jobs needs a number"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["check", "x.edn", "y.edn", "--model", "kv"];
        args.extend(extra.iter());
        let output = faultline(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.starts_with(&format!("faultline: {expected}")), "{args:?}: expected `{expected}` in {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing is checked");
    }
    for dir in [empty_path, hidden_path] {
        let output = faultline(&["check", dir, "--model", "kv"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{dir}: {stderr}");
        assert_eq!(
            stderr.trim(),
            format!("faultline: no history files in {dir}: looked for .json, .edn, .txt, .log"),
            "{dir}"
        );
    }
}
