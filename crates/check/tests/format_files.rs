//! The history parsers against histories recorded by other tools
//! (shared/data/histories: Porcupine's key-value logs, Knossos's EDN).

use faultline_check::format::{parse, Format};
use faultline_check::{Function, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn data_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/histories"));
    assert!(dir.is_dir(), "the shared histories are missing: {}", dir.display());
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn edn_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "edn"))
        .collect();
    files.sort();
    files
}

/// Invocations minus failures, counted crudely in the text (the nemesis
/// only ever logs `:info`), to compare with what the parser keeps.
fn expected_operations(text: &str) -> usize {
    text.matches(":type :invoke").count() - text.matches(":type :fail").count()
}

#[test]
fn porcupine_histories_have_the_documented_operation_counts() {
    let dir = data_dir().join("porcupine-kv");
    let expected = [
        ("c01-ok.txt", 58, 1),
        ("c01-bad.txt", 38, 1),
        ("c10-ok.txt", 337, 10),
        ("c10-bad.txt", 405, 10),
        ("c50-ok.txt", 1712, 50),
        ("c50-bad.txt", 2024, 50),
    ];
    for (file, count, clients) in expected {
        let text = read(&dir.join(file));
        let parsed = parse(&text, Format::Auto).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(parsed.format, Format::Edn, "{file}");
        assert_eq!(parsed.history.operations.len(), count, "{file}");
        assert_eq!(parsed.lines.len(), count, "{file}");
        assert_eq!(parsed.initial, Some(Value::Str(String::new())), "{file}");
        let mut seen: Vec<u64> = parsed.history.operations.iter().map(|op| op.client).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), clients, "{file}");
        for (op, line) in parsed.history.operations.iter().zip(&parsed.lines) {
            assert!(matches!(op.function, Function::Get | Function::Put | Function::Append), "{file}: {op}");
            assert!(matches!(op.key, Some(Value::Str(_))), "{file}: {op}");
            let complete = op.complete.expect("Porcupine's histories have no pending operations");
            assert!(op.invoke < complete, "{file}: {op}");
            assert!(op.output.is_some(), "{file}: {op}");
            if op.function == Function::Get {
                assert_eq!(op.input, Value::Nil);
                assert!(matches!(op.output, Some(Value::Str(_))), "{file}: {op}");
            } else {
                assert!(matches!(op.input, Value::Str(_)), "{file}: {op}");
                assert_eq!(op.output, Some(Value::Nil), "{file}: {op}");
            }
            // One event per line: the invocation is event `line - 1`.
            assert_eq!(op.invoke as usize, line - 1, "{file}");
        }
    }
}

#[test]
fn first_porcupine_operation_is_read_exactly() {
    let text = read(&data_dir().join("porcupine-kv/c01-ok.txt"));
    let parsed = parse(&text, Format::Auto).unwrap();
    let first = &parsed.history.operations[0];
    assert_eq!(first.client, 0);
    assert_eq!(first.function, Function::Append);
    assert_eq!(first.key, Some(Value::Str("0".into())));
    assert_eq!(first.input, Value::Str("x 0 0 y".into()));
    assert_eq!(first.output, Some(Value::Nil));
    assert_eq!((first.invoke, first.complete), (0, Some(1)));
    assert_eq!(parsed.lines[0], 1);
}

fn check_knossos_file(path: &Path, functions: &[Function]) -> usize {
    let name = path.display();
    let text = read(path);
    let parsed = parse(&text, Format::Auto).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(parsed.format, Format::Edn, "{name}");
    assert_eq!(parsed.initial, Some(Value::Int(0)), "{name}");
    let ops = &parsed.history.operations;
    assert_eq!(ops.len(), expected_operations(&text), "{name}");
    assert!(parsed.lines.windows(2).all(|w| w[0] <= w[1]), "{name}: lines out of order");
    assert!(ops.windows(2).all(|w| w[0].invoke < w[1].invoke), "{name}: invocations out of order");
    for op in ops {
        assert!(functions.contains(&op.function), "{name}: {op}");
        if let Some(complete) = op.complete {
            assert!(op.invoke < complete, "{name}: {op}");
        } else {
            assert_eq!(op.output, None, "{name}: {op}");
        }
        match op.function {
            Function::Read => {
                assert_eq!(op.input, Value::Nil, "{name}: {op}");
                assert!(matches!(op.output, None | Some(Value::Int(_))), "{name}: {op}");
            }
            Function::Write => assert!(matches!(op.input, Value::Int(_)), "{name}: {op}"),
            Function::Cas => {
                assert!(matches!(&op.input, Value::List(pair) if pair.len() == 2), "{name}: {op}");
                assert!(matches!(op.output, None | Some(Value::Bool(true))), "{name}: {op}");
            }
            _ => {}
        }
    }
    ops.len()
}

#[test]
fn knossos_cas_register_histories_parse() {
    let cas = [Function::Read, Function::Write, Function::Cas];
    let mut total = 0;
    let mut files = 0;
    for dir in ["knossos/cas-register/good", "knossos/cas-register/bad"] {
        for path in edn_files(&data_dir().join(dir)) {
            total += check_knossos_file(&path, &cas);
            files += 1;
        }
    }
    assert!(files >= 100, "only {files} cas-register files");
    assert!(total > 5_000, "only {total} operations");
}

#[test]
fn knossos_cas_register_details() {
    let dir = data_dir().join("knossos/cas-register");
    // A :fail write is dropped; the read of 3 stays.
    let parsed = parse(&read(&dir.join("bad/immediate-failure.edn")), Format::Auto).unwrap();
    let ops = &parsed.history.operations;
    assert_eq!(ops.len(), 1);
    assert_eq!((ops[0].client, ops[0].function, &ops[0].output), (1, Function::Read, &Some(Value::Int(3))));
    assert_eq!((ops[0].invoke, ops[0].complete), (0, Some(3)));
    assert_eq!(parsed.lines, vec![1]);

    // A list with comments; the read invoked with :value 4 has no input.
    let parsed = parse(&read(&dir.join("bad/rethink-fail-minimal.edn")), Format::Auto).unwrap();
    let ops = &parsed.history.operations;
    assert_eq!(ops.len(), 4);
    assert_eq!(parsed.lines, vec![1, 4, 5, 12]);
    assert_eq!(ops[1].output, Some(Value::Int(3)));

    // Only the nemesis and failures: nothing left.
    let parsed = parse(&read(&dir.join("good/mongodb-v0-ack-rollback-11.edn")), Format::Auto).unwrap();
    assert!(parsed.history.operations.is_empty());

    // :info operations never return.
    let parsed = parse(&read(&dir.join("bad/cas-failure.edn")), Format::Auto).unwrap();
    assert!(parsed.history.operations.iter().any(|op| op.complete.is_none()));
    // A read of nil constrains nothing (Knossos).
    assert_eq!(parsed.history.operations[0].output, None);
}

#[test]
fn knossos_mutex_history_parses() {
    let path = data_dir().join("knossos/mutex/bad/etcd.edn");
    let count = check_knossos_file(&path, &[Function::Acquire, Function::Release]);
    assert!(count > 100, "{count}");
}

#[test]
fn knossos_multi_register_is_a_clean_error() {
    for path in edn_files(&data_dir().join("knossos/multi-register/good")) {
        let text = read(&path);
        for format in [Format::Auto, Format::Edn] {
            let error = parse(&text, format).expect_err("transactions are not supported");
            assert_eq!(error.to_string(), "line 3: unknown operation :txn", "{}", path.display());
        }
    }
}

#[test]
fn parsing_c50_bad_is_fast() {
    let text = read(&data_dir().join("porcupine-kv/c50-bad.txt"));
    let mut best = f64::MAX;
    for _ in 0..20 {
        let start = Instant::now();
        let parsed = parse(&text, Format::Auto).unwrap();
        best = best.min(start.elapsed().as_secs_f64());
        assert_eq!(parsed.history.operations.len(), 2024);
    }
    eprintln!("c50-bad.txt (2024 operations): {:.3} ms", best * 1e3);
    let limit = if cfg!(debug_assertions) { 100.0 } else { 5.0 };
    assert!(best * 1e3 < limit, "parsing c50-bad.txt took {:.3} ms", best * 1e3);
}

#[test]
fn every_shared_history_survives_a_json_round_trip() {
    let dir = data_dir();
    let mut files: Vec<PathBuf> = ["porcupine-kv"]
        .iter()
        .flat_map(|d| {
            let mut f: Vec<PathBuf> = std::fs::read_dir(dir.join(d))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            f.sort();
            f
        })
        .collect();
    for d in ["knossos/cas-register/good", "knossos/cas-register/bad", "knossos/mutex/bad"] {
        files.extend(edn_files(&dir.join(d)));
    }
    for path in files {
        let parsed = parse(&read(&path), Format::Auto).unwrap();
        let json = faultline_check::format::to_json_with_initial(&parsed.history, parsed.initial.as_ref());
        let again = parse(&json, Format::Auto).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(again.format, Format::Json);
        assert_eq!(again.history, parsed.history, "{}", path.display());
        assert_eq!(again.initial, parsed.initial, "{}", path.display());
    }
}
