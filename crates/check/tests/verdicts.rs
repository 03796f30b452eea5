//! Verdicts on small hand-written histories, one table row per case, and
//! the properties every verdict must have: a witness respects real time and
//! the model; an explanation's minimal sub-history fails and is 1-minimal.

use faultline_check::{check, Function, History, Model, ModelSpec, Operation, Verdict, DEFAULT_BUDGET_STEPS};

/// `(client, function, key, input, output, invoke, complete)`, with output
/// and complete as text: "-" for unknown / never.
type Row = (u64, &'static str, Option<i64>, i64, &'static str, u64, &'static str);

fn value(text: &str) -> faultline_check::Value {
    match text {
        "nil" => faultline_check::Value::Nil,
        "true" => faultline_check::Value::Bool(true),
        "false" => faultline_check::Value::Bool(false),
        number => faultline_check::Value::Int(number.parse().unwrap()),
    }
}

fn history(rows: &[Row]) -> History {
    History::new(
        rows.iter()
            .map(|&(client, f, key, input, output, invoke, complete)| {
                let function = Function::from_name(f).unwrap();
                let input = match function {
                    Function::Cas => faultline_check::Value::List(vec![
                        faultline_check::Value::Int(input / 10),
                        faultline_check::Value::Int(input % 10),
                    ]),
                    Function::Write | Function::Put | Function::Add | Function::Enqueue => {
                        faultline_check::Value::Int(input)
                    }
                    _ => faultline_check::Value::Nil,
                };
                Operation {
                    client,
                    function,
                    key: key.map(faultline_check::Value::Int),
                    input,
                    output: if output == "-" { None } else { Some(value(output)) },
                    invoke,
                    complete: if complete == "-" { None } else { Some(complete.parse().unwrap()) },
                }
            })
            .collect(),
    )
}

fn verdict(model: &ModelSpec, rows: &[Row]) -> Verdict {
    faultline_check::with_model!(model, m => check(m, history(rows), DEFAULT_BUDGET_STEPS, || None))
}

const REGISTER_0: fn() -> ModelSpec = || ModelSpec::by_name("register").unwrap().with_initial(value("0"));

struct Case {
    name: &'static str,
    model: fn() -> ModelSpec,
    rows: &'static [Row],
    linearizable: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "sequential write then read",
        model: REGISTER_0,
        rows: &[(0, "write", None, 1, "nil", 0, "1"), (1, "read", None, 0, "1", 2, "3")],
        linearizable: true,
    },
    Case {
        name: "stale read after a completed write",
        model: REGISTER_0,
        rows: &[(0, "write", None, 1, "nil", 0, "1"), (1, "read", None, 0, "0", 2, "3")],
        linearizable: false,
    },
    Case {
        name: "concurrent read may see either",
        model: REGISTER_0,
        rows: &[
            (0, "write", None, 1, "nil", 0, "5"),
            (1, "read", None, 0, "0", 1, "2"),
            (2, "read", None, 0, "1", 3, "4"),
        ],
        linearizable: true,
    },
    Case {
        name: "reads go back in time",
        model: REGISTER_0,
        rows: &[
            (0, "write", None, 1, "nil", 0, "9"),
            (1, "read", None, 0, "1", 1, "2"),
            (2, "read", None, 0, "0", 3, "4"),
        ],
        linearizable: false,
    },
    Case {
        name: "a write that never returned may take effect",
        model: REGISTER_0,
        rows: &[(0, "write", None, 7, "-", 0, "-"), (1, "read", None, 0, "7", 5, "6")],
        linearizable: true,
    },
    Case {
        name: "a write that never returned may not take effect",
        model: REGISTER_0,
        rows: &[
            (0, "write", None, 7, "-", 0, "-"),
            (1, "read", None, 0, "0", 5, "6"),
            (1, "read", None, 0, "7", 7, "8"),
        ],
        linearizable: true,
    },
    Case {
        name: "but it cannot take effect before it was invoked",
        model: REGISTER_0,
        rows: &[(1, "read", None, 0, "7", 0, "1"), (0, "write", None, 7, "-", 2, "-")],
        linearizable: false,
    },
    Case {
        name: "equal times are concurrent",
        model: REGISTER_0,
        rows: &[(0, "write", None, 1, "nil", 0, "3"), (1, "read", None, 0, "0", 3, "4")],
        linearizable: true,
    },
    Case {
        name: "cas applies only on a match",
        model: || ModelSpec::by_name("cas-register").unwrap().with_initial(value("0")),
        rows: &[
            (0, "cas", None, 1, "true", 0, "1"),
            (1, "cas", None, 2, "false", 2, "3"),
            (2, "read", None, 0, "1", 4, "5"),
        ],
        linearizable: true,
    },
    Case {
        name: "cas claims success it cannot have had",
        model: || ModelSpec::by_name("cas-register").unwrap().with_initial(value("0")),
        rows: &[(0, "cas", None, 12, "true", 0, "1")],
        linearizable: false,
    },
    Case {
        name: "keys are independent",
        model: || ModelSpec::by_name("kv").unwrap().with_initial(value("0")),
        rows: &[
            (0, "put", Some(1), 5, "nil", 0, "1"),
            (1, "get", Some(2), 0, "0", 2, "3"),
            (1, "get", Some(1), 0, "5", 4, "5"),
        ],
        linearizable: true,
    },
    Case {
        name: "one key stale among good ones",
        model: || ModelSpec::by_name("kv").unwrap().with_initial(value("0")),
        rows: &[
            (0, "put", Some(1), 5, "nil", 0, "1"),
            (1, "get", Some(2), 0, "0", 2, "3"),
            (2, "put", Some(2), 3, "nil", 0, "1"),
            (1, "get", Some(1), 0, "0", 4, "5"),
        ],
        linearizable: false,
    },
    Case {
        name: "counter adds up",
        model: || ModelSpec::Counter,
        rows: &[
            (0, "add", None, 2, "nil", 0, "3"),
            (1, "add", None, 3, "nil", 1, "2"),
            (2, "read", None, 0, "5", 4, "5"),
        ],
        linearizable: true,
    },
    Case {
        name: "counter loses an add",
        model: || ModelSpec::Counter,
        rows: &[
            (0, "add", None, 2, "nil", 0, "1"),
            (1, "add", None, 3, "nil", 2, "3"),
            (2, "read", None, 0, "3", 4, "5"),
        ],
        linearizable: false,
    },
    Case {
        name: "queue is FIFO",
        model: || ModelSpec::Queue,
        rows: &[
            (0, "enqueue", None, 1, "nil", 0, "1"),
            (0, "enqueue", None, 2, "nil", 2, "3"),
            (1, "dequeue", None, 0, "1", 4, "5"),
            (1, "dequeue", None, 0, "2", 6, "7"),
            (1, "dequeue", None, 0, "nil", 8, "9"),
        ],
        linearizable: true,
    },
    Case {
        name: "queue dequeues out of order",
        model: || ModelSpec::Queue,
        rows: &[
            (0, "enqueue", None, 1, "nil", 0, "1"),
            (0, "enqueue", None, 2, "nil", 2, "3"),
            (1, "dequeue", None, 0, "2", 4, "5"),
        ],
        linearizable: false,
    },
    Case {
        name: "lock held twice",
        model: || ModelSpec::Lock,
        rows: &[(0, "acquire", None, 0, "nil", 0, "1"), (1, "acquire", None, 0, "nil", 2, "3")],
        linearizable: false,
    },
    Case {
        name: "lock handed over",
        model: || ModelSpec::Lock,
        rows: &[
            (0, "acquire", None, 0, "nil", 0, "1"),
            (0, "release", None, 0, "nil", 2, "4"),
            (1, "acquire", None, 0, "nil", 3, "5"),
        ],
        linearizable: true,
    },
    Case {
        name: "an acquire that never returned need not happen",
        model: || ModelSpec::Lock,
        rows: &[(0, "acquire", None, 0, "nil", 0, "1"), (1, "acquire", None, 0, "-", 2, "-")],
        linearizable: true,
    },
];

/// Points lie within their operations' intervals; within a partition (a
/// key) the order respects real time; and replaying the order through the
/// model reproduces every recorded output.
fn assert_witness_is_valid(model: &ModelSpec, history: &History, order: &[usize], points: &[Option<u64>]) {
    for (i, operation) in history.operations.iter().enumerate() {
        match points[i] {
            Some(point) => {
                assert!(point >= operation.invoke, "op {i} takes effect before its invocation");
                assert!(operation.complete.is_none_or(|c| point <= c), "op {i} takes effect after it returned");
            }
            None => assert!(operation.complete.is_none(), "returned op {i} has no linearization point"),
        }
    }
    for (a, &x) in order.iter().enumerate() {
        for &y in order[a + 1..].iter().filter(|&&y| history.operations[y].key == history.operations[x].key) {
            assert!(!history.operations[y].precedes(&history.operations[x]), "order breaks real time: {y} before {x}");
        }
    }
    faultline_check::with_model!(model, m => {
        let mut state = m.init();
        for &i in order {
            state = m.step(&state, &history.operations[i]).unwrap_or_else(|r| panic!("the witness fails at op {i}: {r}"));
        }
    });
}

#[test]
fn verdicts_on_the_table_of_cases() {
    for case in CASES {
        let model = (case.model)();
        let verdict = verdict(&model, case.rows);
        let history = history(case.rows);
        match (&verdict, case.linearizable) {
            (Verdict::Linearizable(witness), true) => {
                assert_witness_is_valid(&model, &history, &witness.order, &witness.points);
            }
            (Verdict::NotLinearizable(explanation), false) => {
                assert!(!explanation.reason.is_empty(), "{}", case.name);
                assert!(explanation.minimal_is_1_minimal, "{}", case.name);
                assert!(
                    explanation.minimal.contains(&explanation.blocked)
                        || explanation.minimal.len() < history.operations.len()
                );
                // The minimal sub-history fails, and dropping any one of its
                // operations makes it pass.
                let sub =
                    |indices: &[usize]| History::new(indices.iter().map(|&i| history.operations[i].clone()).collect());
                let fails = |h: History| {
                    matches!(
                        faultline_check::with_model!(&model, m => check(m, h, DEFAULT_BUDGET_STEPS, || None)),
                        Verdict::NotLinearizable(_)
                    )
                };
                assert!(fails(sub(&explanation.minimal)), "{}: the minimal history passes", case.name);
                // A read that no remaining write explains fails for another
                // reason; the shrinking keeps such reads' writes (when the
                // whole history's reads are all explained).
                let reads_explained = |h: &History| {
                    faultline_check::with_model!(&model, m => {
                        let all: Vec<&Operation> = h.operations.iter().collect();
                        all.iter().all(|op| !m.is_read_only(op) || m.justified(op, &all))
                    })
                };
                let keep_explained = reads_explained(&history);
                for skip in 0..explanation.minimal.len() {
                    let mut fewer = explanation.minimal.clone();
                    fewer.remove(skip);
                    let fewer_history = sub(&fewer);
                    let still_the_same_failure =
                        fails(fewer_history.clone()) && (!keep_explained || reads_explained(&fewer_history));
                    assert!(!still_the_same_failure, "{}: not 1-minimal: {:?} still fails", case.name, fewer);
                }
            }
            (other, expected) => panic!("{}: expected linearizable={expected}, got {other:?}", case.name),
        }
    }
}

#[test]
fn a_stale_read_is_explained_by_state_and_result() {
    let model = REGISTER_0();
    let rows = [(0, "write", None, 1, "nil", 0, "1"), (1, "read", None, 0, "0", 2, "3")];
    let Verdict::NotLinearizable(explanation) = verdict(&model, &rows) else { panic!("expected a violation") };
    assert_eq!(explanation.blocked, 1);
    assert_eq!(explanation.prefix, vec![0]);
    assert_eq!(explanation.state, "the register held 1");
    assert!(explanation.reason.contains("it would have returned 1"), "{}", explanation.reason);
    assert_eq!(explanation.minimal, vec![0, 1]);
}

#[test]
fn a_small_budget_gives_unknown_with_progress() {
    // Many concurrent writes and a read nobody wrote: the search must try
    // many orders before it can refute the read.
    let mut rows: Vec<Row> = (0..14).map(|c| (c, "write", None, c as i64 + 1, "nil", 0, "100")).collect();
    rows.push((99, "read", None, 0, "77", 0, "100"));
    let rows: &'static [Row] = Box::leak(rows.into_boxed_slice());
    let model = REGISTER_0();
    let verdict = faultline_check::with_model!(&model, m => check(m, history(rows), 500, || None));
    let Verdict::Unknown(incomplete) = verdict else { panic!("expected unknown, got {verdict:?}") };
    assert!(incomplete.reason.contains("500 steps"), "{}", incomplete.reason);
    assert_eq!(incomplete.partitions, 1);
    assert_eq!(incomplete.unfinished.len(), 1);
    let stopped = faultline_check::with_model!(&model, m => check(m, history(rows), u64::MAX, || Some("the time budget of 1 ms ran out".into())));
    assert!(matches!(stopped, Verdict::Unknown(ref i) if i.reason.contains("1 ms")), "{stopped:?}");
}

#[test]
fn models_reject_operations_they_do_not_know() {
    let model = ModelSpec::by_name("register").unwrap();
    let append = history(&[(0, "append", None, 1, "nil", 0, "1")]).operations.remove(0);
    assert_eq!(model.accepts(&append).unwrap_err(), "the register model has no `append` operation");
    assert!(ModelSpec::by_name("registr").unwrap_err().contains("known: register, cas-register"));
    let _ = faultline_check::model::Counter.name();
}

#[test]
fn a_completion_at_the_largest_time_still_returns_before_operations_that_never_did() {
    let history = faultline_check::format::parse(
        r#"{"operations":[{"client":0,"f":"write","input":2,"invoke":0},{"client":1,"f":"read","output":7,"invoke":1,"complete":18446744073709551615}]}"#,
        faultline_check::format::Format::Json,
    )
    .unwrap()
    .history;
    let verdict = verdict_of(&history);
    let Verdict::NotLinearizable(explanation) = verdict else { panic!("{verdict:?}") };
    assert_eq!(explanation.blocked, 1, "the read that returned is the one that cannot be placed");
}

fn verdict_of(history: &History) -> Verdict {
    let model = REGISTER_0();
    faultline_check::with_model!(&model, m => check(m, history.clone(), DEFAULT_BUDGET_STEPS, || None))
}
