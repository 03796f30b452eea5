//! Jepsen EDN histories, Jepsen log lines, and telling formats apart.

use faultline_check::format::{detect, parse, Format, ParseError};
use faultline_check::{Function, Operation, Value};

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn pair(a: i64, b: i64) -> Value {
    Value::List(vec![int(a), int(b)])
}

fn op(
    client: u64,
    function: Function,
    input: Value,
    output: Option<Value>,
    invoke: u64,
    complete: Option<u64>,
) -> Operation {
    Operation { client, function, key: None, input, output, invoke, complete }
}

fn error(text: &str, format: Format) -> ParseError {
    match parse(text, format) {
        Ok(parsed) => panic!("expected an error, parsed {:?}", parsed.history),
        Err(e) => e,
    }
}

// ----- EDN ---------------------------------------------------------------

#[test]
fn knossos_vector_pairs_events_by_process() {
    let text = r#"; a comment
[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 1, :type :invoke, :f :read, :value 7}   ; reads take no input
 {:process 0, :type :ok, :f :write, :value 1}
 {:process :nemesis, :type :info, :f :start, :value "partition"}
 {:process 1, :type :ok, :f :read, :value 1}
 {:process 2, :type :invoke, :f :cas, :value [1 2]}
 {:process 3, :type :invoke, :f :cas, :value [5 6]}
 {:process 2, :type :ok, :f :cas, :value [1 2]}
 {:process 3, :type :fail, :f :cas, :value [5 6]}
 {:process 4, :type :invoke, :f :write, :value 9}
 {:process 4, :type :info, :f :write, :value 9}
 {:process 5, :type :invoke :f :read :value nil}
 {:process 5, :type :ok, :f :read, :value nil}
 {:process 6, :type :invoke, :f :write, :value 3}]
"#;
    let parsed = parse(text, Format::Auto).unwrap();
    assert_eq!(parsed.format, Format::Edn);
    assert_eq!(parsed.initial, Some(int(0)));
    assert_eq!(
        parsed.history.operations,
        vec![
            op(0, Function::Write, int(1), Some(Value::Nil), 0, Some(2)),
            op(1, Function::Read, Value::Nil, Some(int(1)), 1, Some(4)),
            op(2, Function::Cas, pair(1, 2), Some(Value::Bool(true)), 5, Some(7)),
            // process 3's cas failed: dropped.
            op(4, Function::Write, int(9), None, 9, None),
            // Knossos: a read of nil constrains nothing.
            op(5, Function::Read, Value::Nil, None, 11, Some(12)),
            // Never completed.
            op(6, Function::Write, int(3), None, 13, None),
        ]
    );
    assert_eq!(parsed.lines, vec![2, 3, 7, 11, 13, 15]);
}

#[test]
fn porcupine_lines_and_a_list_give_the_same_history() {
    let lines = r#"{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
{:process 0, :type :invoke, :f :get, :key "7", :value nil}
{:process 9, :type :ok, :f :append, :key "0", :value "x 9 0 y"}
{:process 0, :type :ok, :f :get, :key "7", :value ""}
{:process 1, :type :invoke, :f :put, :key "7", :value "a"}
{:process 1, :type :ok, :f :put, :key "7", :value "a"}
{:process 2, :type :invoke, :f :get, :key "7", :value nil}
{:process 2, :type :ok, :f :get, :key "7", :value nil}
"#;
    let parsed = parse(lines, Format::Auto).unwrap();
    assert_eq!(parsed.format, Format::Edn);
    assert_eq!(parsed.initial, Some(Value::Str(String::new())));
    let key = |k: &str| Some(Value::Str(k.into()));
    assert_eq!(
        parsed.history.operations,
        vec![
            Operation {
                key: key("0"),
                ..op(9, Function::Append, Value::Str("x 9 0 y".into()), Some(Value::Nil), 0, Some(2))
            },
            Operation {
                key: key("7"),
                ..op(0, Function::Get, Value::Nil, Some(Value::Str(String::new())), 1, Some(3))
            },
            Operation { key: key("7"), ..op(1, Function::Put, Value::Str("a".into()), Some(Value::Nil), 4, Some(5)) },
            Operation { key: key("7"), ..op(2, Function::Get, Value::Nil, None, 6, Some(7)) },
        ]
    );
    assert_eq!(parsed.lines, vec![1, 2, 5, 7]);
    let list = format!("({lines})");
    let as_list = parse(&list, Format::Edn).unwrap();
    assert_eq!(as_list.history, parsed.history);
    assert_eq!(as_list.lines, parsed.lines);
}

#[test]
fn every_function_and_its_output() {
    let text = r#"[
{:process 0 :type :invoke :f :enqueue :value 5}
{:process 0 :type :ok :f :enqueue :value 5}
{:process 0 :type :invoke :f :dequeue}
{:process 0 :type :ok :f :dequeue :value nil}
{:process 0 :type :invoke :f :dequeue :value 99}
{:process 0 :type :ok :f :dequeue :value 5}
{:process 0 :type :invoke :f :add :value -3}
{:process 0 :type :ok :f :add :value -3}
{:process 0 :type :invoke :f :acquire}
{:process 0 :type :ok :f :acquire}
{:process 0 :type :invoke :f :release}
{:process 0 :type :ok :f :release}
{:process 0 :type :invoke :f "write" :value #{1}}
{:process 0 :type :ok :f "write" :value #{1}}
]"#;
    let parsed = parse(text, Format::Edn).unwrap();
    let summary: Vec<(Function, Value, Option<Value>)> =
        parsed.history.operations.iter().map(|o| (o.function, o.input.clone(), o.output.clone())).collect();
    assert_eq!(
        summary,
        vec![
            (Function::Enqueue, int(5), Some(Value::Nil)),
            // A dequeue of nil: the queue was empty (it constrains).
            (Function::Dequeue, Value::Nil, Some(Value::Nil)),
            (Function::Dequeue, Value::Nil, Some(int(5))),
            (Function::Add, int(-3), Some(Value::Nil)),
            (Function::Acquire, Value::Nil, Some(Value::Nil)),
            (Function::Release, Value::Nil, Some(Value::Nil)),
            (Function::Write, Value::List(vec![int(1)]), Some(Value::Nil)),
        ]
    );
    assert_eq!(parsed.initial, Some(int(0)));
}

#[test]
fn bank_events() {
    // A transfer that completed :ok committed; :fail took no effect and is
    // left out; :info never returned. With transfers, the format implies no
    // initial value: a bank's balances have no default.
    let text = r#"[
{:process 0 :type :invoke :f :transfer :value [0 1 30]}
{:process 0 :type :ok :f :transfer :value [0 1 30]}
{:process 1 :type :invoke :f :transfer :value [1 0 500]}
{:process 1 :type :fail :f :transfer :value [1 0 500]}
{:process 2 :type :invoke :f :transfer :value [1 0 5]}
{:process 2 :type :info :f :transfer :value [1 0 5]}
{:process 3 :type :invoke :f :read}
{:process 3 :type :ok :f :read :value [70 130]}
]"#;
    let parsed = parse(text, Format::Auto).unwrap();
    let list = |values: &[i64]| Value::List(values.iter().map(|&v| int(v)).collect());
    let summary: Vec<(Function, Value, Option<Value>, Option<u64>)> =
        parsed.history.operations.iter().map(|o| (o.function, o.input.clone(), o.output.clone(), o.complete)).collect();
    assert_eq!(
        summary,
        vec![
            (Function::Transfer, list(&[0, 1, 30]), Some(Value::Bool(true)), Some(1)),
            (Function::Transfer, list(&[1, 0, 5]), None, None),
            (Function::Read, Value::Nil, Some(list(&[70, 130])), Some(7)),
        ]
    );
    assert_eq!(parsed.lines, vec![2, 6, 8]);
    assert_eq!(parsed.initial, None);
    // Every transfer that returned says whether it committed: given the
    // balances, the bank model accepts the whole history.
    let (checked, _) =
        faultline_check::format::parse_for_model(text, Format::Auto, "bank", Some(list(&[100, 100]))).unwrap();
    assert_eq!(checked.history, parsed.history);
}

#[test]
fn set_removes_in_every_format() {
    // The same set history (an add, a remove of it that returned, a remove
    // that failed and so never happened, a read) in JSON, EDN and a Jepsen
    // log: the set model accepts each, and they agree on the operations.
    let json = r#"{"operations": [
  {"client": 0, "f": "add", "input": 1, "output": null, "invoke": 0, "complete": 1},
  {"client": 1, "f": "remove", "input": 1, "output": null, "invoke": 2, "complete": 3},
  {"client": 0, "f": "read", "output": [], "invoke": 4, "complete": 5}
]}"#;
    let edn = r#"[
{:process 0 :type :invoke :f :add :value 1}
{:process 0 :type :ok :f :add :value 1}
{:process 1 :type :invoke :f :remove :value 1}
{:process 1 :type :ok :f :remove :value 1}
{:process 2 :type :invoke :f :remove :value 7}
{:process 2 :type :fail :f :remove :value 7}
{:process 0 :type :invoke :f :read :value nil}
{:process 0 :type :ok :f :read :value []}
]"#;
    let log = "\
INFO  jepsen.util - 0\t:invoke\t:add\t1
INFO  jepsen.util - 0\t:ok\t:add\t1
INFO  jepsen.util - 1\t:invoke\t:remove\t1
INFO  jepsen.util - 1\t:ok\t:remove\t1
INFO  jepsen.util - 2\t:invoke\t:remove\t7
INFO  jepsen.util - 2\t:fail\t:remove\t7
INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 0\t:ok\t:read\t[]
";
    let expected = vec![
        (0, Function::Add, int(1), Some(Value::Nil)),
        (1, Function::Remove, int(1), Some(Value::Nil)),
        (0, Function::Read, Value::Nil, Some(Value::List(vec![]))),
    ];
    for (text, format) in [(json, Format::Json), (edn, Format::Edn), (log, Format::JepsenLog)] {
        let (parsed, _) = faultline_check::format::parse_for_model(text, Format::Auto, "set", None)
            .unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(parsed.format, format);
        let summary: Vec<(u64, Function, Value, Option<Value>)> = parsed
            .history
            .operations
            .iter()
            .map(|o| (o.client, o.function, o.input.clone(), o.output.clone()))
            .collect();
        assert_eq!(summary, expected, "{format}");
    }
}

#[test]
fn edn_syntax_odds_and_ends() {
    // Keys of any kind, keywords as values, strings with escapes, #_
    // discards, tagged values and floats in fields nobody reads, big
    // integers with N, characters.
    let text = r#"
{:process 1, :type :invoke, :f :put, :key [:x 1], :value "a\"b\\c\n\u00e9", :time #inst "2015-01-01", :extra 1.5}
#_ {:process 99 :type :nonsense}
{:process 1, :type :ok, :f :put, :key [:x 1], :value nil, :error [:timeout 1/2 ##Inf]}
{:process 2N, :type :invoke, :f :put, :key :k, :value \a}
{:process 2, :type :info, :f :put, :key :k}
{:process 3, :type :invoke, :f :write, :value [true false nil sym 9223372036854775807 -9223372036854775808]}
"#;
    let parsed = parse(text, Format::Auto).unwrap();
    let ops = &parsed.history.operations;
    assert_eq!(ops.len(), 3);
    assert_eq!(ops[0].key, Some(Value::List(vec![Value::Str(":x".into()), int(1)])));
    assert_eq!(ops[0].input, Value::Str("a\"b\\c\né".into()));
    assert_eq!(ops[1].key, Some(Value::Str(":k".into())));
    assert_eq!(ops[1].input, Value::Str("a".into()));
    assert_eq!((ops[1].output.clone(), ops[1].complete), (None, None));
    assert_eq!(
        ops[2].input,
        Value::List(vec![
            Value::Bool(true),
            Value::Bool(false),
            Value::Nil,
            Value::Str("sym".into()),
            int(i64::MAX),
            int(i64::MIN)
        ])
    );
    assert_eq!(parsed.lines, vec![2, 5, 7]);
    assert_eq!(parsed.initial, Some(Value::Str(String::new())));
}

#[test]
fn multi_line_maps_report_the_line_they_start_on() {
    let text = "[{:type :invoke,\n  :f :read,\n  :process 0}\n {:type :ok,\n  :f :read,\n  :value 3,\n  :process 0}]";
    let parsed = parse(text, Format::Auto).unwrap();
    assert_eq!(parsed.lines, vec![1]);
    assert_eq!(parsed.history.operations[0].output, Some(int(3)));
}

// ----- Jepsen log ---------------------------------------------------------

const LOG: &str = "\
2016-01-01 INFO  jepsen.core - Running test
INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]
INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - :nemesis\t:info\t:start\tnil
INFO  jepsen.util - 0\t:ok\t:read\tnil
INFO  jepsen.util - 2\t:fail\t:cas\t[3 0]
INFO  jepsen.util - 1\t:invoke\t:write\t4
INFO  jepsen.util - 1\t:ok\t:write\t4
INFO  jepsen.util - 3\t:invoke\t:cas\t[4 1]
INFO  jepsen.util - 3\t:ok\t:cas\t[4 1]
WARN  some.other.logger - 7\tnot an operation
INFO  jepsen.util - 4\t:invoke\t:read\tnil
INFO  jepsen.util - 4\t:fail\t:read\t:timed-out
INFO  jepsen.util - 5\t:invoke\t:write\t2
INFO  jepsen.util - 5\t:info\t:write\t:timed-out
INFO  jepsen.util - 6\t:invoke\t:write\t3
INFO  jepsen.util - 6\t:fail\t:write\t3\t:some-error
INFO  jepsen.util - 7\t:invoke\t:read\tnil
INFO  jepsen.util - 8\t:invoke\t:cas\t[1 2]
INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 0\t:ok\t:read\t1
";

#[test]
fn jepsen_log_rules() {
    for format in [Format::JepsenLog, Format::Auto] {
        let parsed = parse(LOG, format).unwrap();
        assert_eq!(parsed.format, Format::JepsenLog);
        assert_eq!(parsed.initial, Some(Value::Nil));
        assert_eq!(
            parsed.history.operations,
            vec![
                // A failed cas completed and returned false.
                op(2, Function::Cas, pair(3, 0), Some(Value::Bool(false)), 0, Some(4)),
                // A read of nil: the register had no value (it constrains).
                op(0, Function::Read, Value::Nil, Some(Value::Nil), 1, Some(3)),
                op(1, Function::Write, int(4), Some(Value::Nil), 5, Some(6)),
                op(3, Function::Cas, pair(4, 1), Some(Value::Bool(true)), 7, Some(8)),
                // A failed read completed, result unknown.
                op(4, Function::Read, Value::Nil, None, 9, Some(10)),
                // :info: unknown outcome, never returned.
                op(5, Function::Write, int(2), None, 11, None),
                // process 6's failed write is dropped; 7 and 8 never returned.
                op(7, Function::Read, Value::Nil, None, 15, None),
                op(8, Function::Cas, pair(1, 2), None, 16, None),
                op(0, Function::Read, Value::Nil, Some(int(1)), 17, Some(18)),
            ]
        );
        assert_eq!(parsed.lines, vec![2, 3, 7, 9, 12, 14, 18, 19, 20]);
    }
}

#[test]
fn jepsen_log_with_crlf_and_no_prefix() {
    let text = "1\t:invoke\t:write\t5\r\n1\t:ok\t:write\t5\r\n";
    let parsed = parse(text, Format::Auto).unwrap();
    assert_eq!(parsed.format, Format::JepsenLog);
    assert_eq!(parsed.history.operations, vec![op(1, Function::Write, int(5), Some(Value::Nil), 0, Some(1))]);
}

#[test]
fn jepsen_log_errors() {
    let cases: &[(&str, usize, &str)] = &[
        ("INFO  jepsen.util - 2\t:invoke\t:txn\t[3 0]\n", 1, "unknown operation :txn"),
        ("x\nINFO  jepsen.util - 2\t:ok\t:read\t1\n", 2, "process 2 completes (:ok :read) with no invocation open"),
        (
            "INFO  jepsen.util - 2\t:invoke\t:read\tnil\nINFO  jepsen.util - 2\t:invoke\t:read\tnil\n",
            2,
            "before its :read invoked on line 1 completed",
        ),
        ("INFO  jepsen.util - 2\t:invoke\t:write\t[1\n", 1, "the input ends inside the vector"),
        // One value, then no separator before what follows. (`1 2` is the
        // value 1 and the error field 2: see `jepsen_log_lines`.)
        ("INFO  jepsen.util - 2\t:invoke\t:write\t[1 2]3\n", 1, "expected one EDN value"),
        ("INFO  jepsen.util - 2\t:invoke\t:write\t1.5\n", 1, "floating-point"),
        ("just some log\nanother line\n", 1, "no Jepsen log operation lines found"),
        ("   \n; only a comment\n", 1, "the history is empty"),
    ];
    for &(text, line, message) in cases {
        let e = error(text, Format::JepsenLog);
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.message.contains(message), "{text:?}: {e}");
    }
    let e = error("just some log\n", Format::JepsenLog);
    assert_eq!(
        e.to_string(),
        "line 1: no Jepsen log operation lines found (expected lines like \
         `INFO  jepsen.util - 2<TAB>:invoke<TAB>:cas<TAB>[3 0]`)"
    );
}

/// What a log gives: the operations (client, function, input, output,
/// whether it returned), or the error's line and a part of its message.
type LogResult = Result<Vec<(u64, Function, Value, Option<Value>, bool)>, (usize, &'static str)>;

/// Log lines with their fields separated by tabs, spaces or both, and what
/// each gives. Completions come after their invocation, in the same input.
fn log_lines() -> Vec<(&'static str, LogResult)> {
    let never = |client, function, input| Ok(vec![(client, function, input, None, false)]);
    let no_lines = Err((1, "no Jepsen log operation lines found"));
    vec![
        // The same line, separated every way.
        ("INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]", never(2, Function::Cas, pair(3, 0))),
        ("INFO  jepsen.util - 2 :invoke :cas [3 0]", never(2, Function::Cas, pair(3, 0))),
        ("INFO jepsen.util -\t2  \t:invoke   :cas \t [3 0]  ", never(2, Function::Cas, pair(3, 0))),
        ("INFO\tjepsen.util\t-\t2\t:invoke\t:cas\t[3 0]\r", never(2, Function::Cas, pair(3, 0))),
        ("  2 :invoke :cas [3 0]", never(2, Function::Cas, pair(3, 0))),
        ("[main] INFO jepsen.util - 2 :invoke :cas [3 0]", never(2, Function::Cas, pair(3, 0))),
        // After the value, the error field, whatever it holds.
        ("2 :invoke :cas [3 0] :timed-out", never(2, Function::Cas, pair(3, 0))),
        ("2 :invoke :cas [3 0]\t[:timeout \"connection reset\" {:a 1}]", never(2, Function::Cas, pair(3, 0))),
        ("2 :invoke :write 1 2", never(2, Function::Write, int(1))),
        ("2 :invoke :write 1 indeterminate: \"read timed out", never(2, Function::Write, int(1))),
        ("2 :invoke :write \"a b\" :x", never(2, Function::Write, Value::Str("a b".into()))),
        (
            "2 :invoke :write [[1 2] [3 [4]]] x",
            never(
                2,
                Function::Write,
                Value::List(vec![pair(1, 2), Value::List(vec![int(3), Value::List(vec![int(4)])])]),
            ),
        ),
        // No value: nil.
        ("2 :invoke :write", never(2, Function::Write, Value::Nil)),
        ("2\t:invoke\t:write\t", never(2, Function::Write, Value::Nil)),
        // Completions.
        (
            "INFO  jepsen.util - 0 :invoke :read nil\nINFO  jepsen.util - 0  :ok  :read  3",
            Ok(vec![(0, Function::Read, Value::Nil, Some(int(3)), true)]),
        ),
        // A read of nil constrains: the register had no value.
        ("0 :invoke :read nil\n0 :ok :read nil", Ok(vec![(0, Function::Read, Value::Nil, Some(Value::Nil), true)])),
        // A failed read with its error: completed, result unknown.
        (
            "INFO  jepsen.util - 4 :invoke :read nil\nINFO  jepsen.util - 4 :fail :read nil :timed-out",
            Ok(vec![(4, Function::Read, Value::Nil, None, true)]),
        ),
        (
            "4 :invoke :cas [1 2]\n4 :ok :cas [1 2] :ignored",
            Ok(vec![(4, Function::Cas, pair(1, 2), Some(Value::Bool(true)), true)]),
        ),
        (
            "4 :invoke :cas [1 2]\n4 :fail :cas [1 2]",
            Ok(vec![(4, Function::Cas, pair(1, 2), Some(Value::Bool(false)), true)]),
        ),
        ("5 :invoke :write 2\n5 :info :write 2 :timed-out", never(5, Function::Write, int(2))),
        ("6 :invoke :write 3\n6 :fail :write 3 :some-error", Ok(vec![])),
        // The nemesis's lines are operation lines, and skipped.
        ("INFO  jepsen.util - :nemesis :info :start nil", Ok(vec![])),
        ("INFO  jepsen.util - :nemesis :info :start \"partitioned [n1 n2]\"", Ok(vec![])),
        // Not operation lines: skipped.
        ("2016-01-01 12:00:00 INFO  jepsen.core - Running test", no_lines.clone()),
        ("WARN  some.other.logger - 7 not an operation", no_lines.clone()),
        ("INFO  jepsen.util - x :invoke :read nil", no_lines.clone()),
        ("INFO  jepsen.util - -2 :invoke :read nil", no_lines.clone()),
        ("INFO  jepsen.util - 2 invoke :read nil", no_lines.clone()),
        ("INFO  jepsen.util - 2 :invoked :read nil", no_lines.clone()),
        ("INFO  jepsen.util - 2 :invoke read nil", no_lines.clone()),
        ("INFO  jepsen.util - 2 :invoke : nil", no_lines.clone()),
        ("INFO  jepsen.util - 2 :invoke", no_lines.clone()),
        ("INFO jepsen.util -2 :invoke :read nil", no_lines.clone()),
        ("INFO jepsen.util 2 :invoke :read nil", no_lines.clone()),
        ("99999999999999999999 :invoke :read nil", no_lines),
        // Operation lines that are wrong, with their line.
        ("2 :invoke :cas [3 0", Err((1, "the input ends inside the vector opened on line 1"))),
        (
            "2 :invoke :cas [3 0]:timed-out",
            Err((1, "expected one EDN value in the value field, then a space or a tab")),
        ),
        ("2 :invoke :write 1.5 :x", Err((1, "floating-point"))),
        ("2 :invoke :write {:a 1}", Err((1, "a map is not supported as a value"))),
        ("log\nINFO  jepsen.util - 2 :invoke :txn [3 0]", Err((2, "unknown operation :txn"))),
        ("x\n\nINFO  jepsen.util - 2 :ok :read 1", Err((3, "process 2 completes (:ok :read) with no invocation open"))),
        (
            "2 :invoke :read nil\n2 :ok :write 1",
            Err((2, "process 2 completes :write, but its open invocation (line 1) is :read")),
        ),
    ]
}

#[test]
fn jepsen_log_lines() {
    let mut failures = Vec::new();
    for (text, expected) in log_lines() {
        let got: LogResult = match parse(text, Format::JepsenLog) {
            Ok(parsed) => Ok(parsed
                .history
                .operations
                .iter()
                .map(|o| (o.client, o.function, o.input.clone(), o.output.clone(), o.complete.is_some()))
                .collect()),
            Err(e) => match &expected {
                Err((line, message)) if e.line == *line && e.message.contains(message) => Err((*line, message)),
                _ => {
                    failures.push(format!("{text:?}: got `{e}`, want {expected:?}"));
                    continue;
                }
            },
        };
        if got != expected {
            failures.push(format!("{text:?}: got {got:?}, want {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{} lines:\n{}", failures.len(), failures.join("\n"));
}

/// `LOG` with each tab replaced by `separator`.
fn log_separated_by(separator: &str) -> String {
    LOG.replace('\t', separator)
}

#[test]
fn a_log_separated_by_spaces_is_the_same_history_as_with_tabs() {
    let tabs = parse(LOG, Format::JepsenLog).unwrap();
    assert_eq!(tabs.history.operations.len(), 9, "the log as `jepsen_log_rules` reads it");
    for separator in [" ", "    ", " \t ", "\t\t"] {
        for format in [Format::JepsenLog, Format::Auto] {
            let text = log_separated_by(separator);
            assert!(!text.contains('\t') || separator.contains('\t'));
            let spaces = parse(&text, format).unwrap_or_else(|e| panic!("{separator:?} {format}: {e}"));
            assert_eq!(spaces, tabs, "{separator:?} {format}");
        }
    }
    // Lines separated either way, in one log.
    let mixed: String = LOG
        .lines()
        .enumerate()
        .map(|(i, line)| if i % 2 == 0 { line.replace('\t', "  ") } else { line.to_string() } + "\n")
        .collect();
    assert_eq!(parse(&mixed, Format::Auto).unwrap(), tabs);
}

#[test]
fn a_bad_line_in_a_log_separated_by_spaces_is_reported_with_its_line() {
    let mut lines: Vec<String> = log_separated_by("  ").lines().map(String::from).collect();
    lines.insert(6, "INFO  jepsen.util - 9  :invoke  :cas  [1 2".to_string());
    let text = lines.join("\n");
    for format in [Format::JepsenLog, Format::Auto] {
        let e = error(&text, format);
        assert_eq!(
            e.to_string(),
            "line 7: the input ends inside the vector opened on line 7 (expected ']')",
            "{format}"
        );
    }
    lines[6] = "INFO  jepsen.util - 9  :invoke  :txn  [1 2]".to_string();
    assert_eq!(error(&lines.join("\n"), Format::Auto).to_string(), "line 7: unknown operation :txn");
}

#[test]
fn logs_separated_by_spaces_are_detected() {
    let cases = [
        "INFO  jepsen.util - 0 :invoke :read nil",
        "0 :invoke :read nil",
        "[main] INFO  jepsen.util - 0  :invoke  :cas  [1 2]",
        "starting up\nINFO  jepsen.util - 0 :invoke :read nil",
        "; a comment\n\n2016-01-01 INFO  jepsen.core - Running test\nINFO jepsen.util - :nemesis :info :start nil",
    ];
    for text in cases {
        assert_eq!(detect(text), Ok(Format::JepsenLog), "{text:?}");
    }
    // EDN and JSON with spaces stay what they are.
    assert_eq!(detect("{:process 0 :type :invoke :f :read :value nil}"), Ok(Format::Edn));
    assert_eq!(detect("[{:process 0 :type :invoke :f :read}]"), Ok(Format::Edn));
    assert_eq!(detect("{\"operations\": [{\"client\": 0, \"f\": \"read\"}]}"), Ok(Format::Json));
    assert_eq!(detect("hello world - 0 invoke read nil").unwrap_err().line, 1);
}

// ----- telling formats apart ------------------------------------------------

#[test]
fn formats_by_name() {
    for name in Format::NAMES {
        assert_eq!(Format::from_name(name).unwrap().name(), name);
    }
    assert_eq!(Format::from_name("jepsen-log"), Some(Format::JepsenLog));
    assert_eq!(Format::from_name("yaml"), None);
    assert_eq!(Format::Edn.to_string(), "edn");
}

#[test]
fn detection() {
    let cases: &[(&str, Format)] = &[
        ("{\"operations\": []}", Format::Json),
        ("\n\n  {\n   \"operations\": []}", Format::Json),
        ("; comment\n{ \"operations\": []}", Format::Json),
        ("{}", Format::Json),
        ("{:process 0}", Format::Edn),
        ("  { :process 0}", Format::Edn),
        ("[{:process 0}]", Format::Edn),
        (";; knossos\n\n({:process 0})", Format::Edn),
        ("starting up\nINFO  jepsen.util - 0\t:invoke\t:read\tnil", Format::JepsenLog),
        ("[main] INFO  jepsen.util - 0\t:invoke\t:read\tnil", Format::JepsenLog),
    ];
    for &(text, format) in cases {
        assert_eq!(detect(text), Ok(format), "{text:?}");
    }
    let e = detect("; comment\n\nhello world\n").unwrap_err();
    assert_eq!(e.to_string(), "line 3: cannot tell the format (JSON, EDN or a Jepsen log); say which with --format");
    assert_eq!(detect(" \n; x\n").unwrap_err().to_string(), "line 1: the history is empty");
    for format in [Format::Auto, Format::Json, Format::Edn, Format::JepsenLog] {
        for text in ["", "  \n\t\n", "; nothing\n;; here\n"] {
            assert_eq!(error(text, format).message, "the history is empty", "{format} {text:?}");
        }
    }
}
