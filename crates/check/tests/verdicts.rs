//! Verdicts on small hand-written histories, one table row per case, and
//! the properties every verdict must have: a witness respects real time and
//! the model; an explanation's minimal sub-history fails and is 1-minimal.

use faultline_check::{
    check, Explanation, Function, History, Model, ModelSpec, Operation, Value, Verdict, DEFAULT_BUDGET_STEPS,
};

/// `(client, function, key, input, output, invoke, complete)`, with output
/// and complete as text: "-" for unknown / never.
type Row = (u64, &'static str, Option<i64>, i64, &'static str, u64, &'static str);

/// `nil`, `true`, `false`, an integer, or a list of integers like `[1 2]`.
fn value(text: &str) -> faultline_check::Value {
    match text {
        "nil" => faultline_check::Value::Nil,
        list if list.starts_with('[') => faultline_check::Value::List(
            list.trim_matches(|c| c == '[' || c == ']').split_whitespace().map(value).collect(),
        ),
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
                    Function::Write | Function::Put | Function::Add | Function::Remove | Function::Enqueue => {
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

/// The verdict, which must not depend on how the model is given: the page
/// checks with `ModelSpec` itself as the model (one compiled search for
/// all), the CLI with each model's own type.
fn verdict(model: &ModelSpec, rows: &[Row]) -> Verdict {
    let typed = faultline_check::with_model!(model, m => check(m, history(rows), DEFAULT_BUDGET_STEPS, || None));
    let erased = check(model.clone(), history(rows), DEFAULT_BUDGET_STEPS, || None);
    assert_eq!(typed, erased, "the {} model's verdict as a ModelSpec", model.name());
    typed
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
        name: "counter adds a negative amount",
        model: || ModelSpec::Counter,
        rows: &[
            (0, "add", None, 5, "nil", 0, "1"),
            (1, "add", None, -2, "nil", 2, "3"),
            (2, "read", None, 0, "3", 4, "5"),
            (0, "add", None, -4, "nil", 6, "7"),
            (2, "read", None, 0, "-1", 8, "9"),
        ],
        linearizable: true,
    },
    Case {
        name: "counter misses a decrement that returned",
        model: || ModelSpec::Counter,
        rows: &[
            (0, "add", None, 5, "nil", 0, "1"),
            (1, "add", None, -2, "nil", 2, "3"),
            (2, "read", None, 0, "5", 4, "5"),
        ],
        linearizable: false,
    },
    Case {
        name: "set removes a member",
        model: || ModelSpec::Set,
        rows: &[
            (0, "add", None, 1, "nil", 0, "1"),
            (0, "add", None, 2, "nil", 2, "3"),
            (1, "remove", None, 1, "nil", 4, "5"),
            (2, "read", None, 0, "[2]", 6, "7"),
        ],
        linearizable: true,
    },
    Case {
        name: "removing a value that is not a member changes nothing",
        model: || ModelSpec::Set,
        rows: &[
            (0, "remove", None, 1, "nil", 0, "1"),
            (0, "add", None, 2, "nil", 2, "3"),
            (1, "remove", None, 3, "nil", 4, "5"),
            (2, "read", None, 0, "[2]", 6, "7"),
        ],
        linearizable: true,
    },
    Case {
        name: "a remove concurrent with a read may come after it",
        model: || ModelSpec::Set,
        rows: &[
            (0, "add", None, 1, "nil", 0, "1"),
            (1, "remove", None, 1, "nil", 2, "5"),
            (2, "read", None, 0, "[1]", 3, "4"),
        ],
        linearizable: true,
    },
    Case {
        name: "set reads a member removed before",
        model: || ModelSpec::Set,
        rows: &[
            (0, "add", None, 1, "nil", 0, "1"),
            (1, "remove", None, 1, "nil", 2, "3"),
            (2, "read", None, 0, "[1]", 4, "5"),
        ],
        linearizable: false,
    },
    Case {
        name: "set member added back after a remove",
        model: || ModelSpec::Set,
        rows: &[
            (0, "add", None, 1, "nil", 0, "1"),
            (1, "remove", None, 1, "nil", 2, "3"),
            (2, "read", None, 0, "[]", 4, "5"),
            (0, "add", None, 1, "nil", 6, "7"),
            (2, "read", None, 0, "[]", 8, "9"),
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
        assert_eq!(points[i].is_some(), order.contains(&i), "op {i}: a point exactly when in the order");
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

/// The explanation's minimal sub-history fails, and dropping any one of its
/// operations makes it pass (or leaves a read nothing explains).
fn assert_explanation_is_valid(name: &str, model: &ModelSpec, history: &History, explanation: &Explanation) {
    assert!(!explanation.reason.is_empty(), "{name}");
    assert!(explanation.minimal_is_1_minimal, "{name}");
    assert!(explanation.minimal.contains(&explanation.blocked) || explanation.minimal.len() < history.operations.len());
    let sub = |indices: &[usize]| History::new(indices.iter().map(|&i| history.operations[i].clone()).collect());
    let fails = |h: History| {
        matches!(
            faultline_check::with_model!(model, m => check(m, h, DEFAULT_BUDGET_STEPS, || None)),
            Verdict::NotLinearizable(_)
        )
    };
    assert!(fails(sub(&explanation.minimal)), "{name}: the minimal history passes");
    // A read that no remaining write explains fails for another reason; the
    // shrinking keeps such reads' writes (when the whole history's reads are
    // all explained).
    let reads_explained = |h: &History| {
        faultline_check::with_model!(model, m => {
            let all: Vec<&Operation> = h.operations.iter().collect();
            all.iter().all(|op| !m.is_read_only(op) || m.justified(op, &all))
        })
    };
    let keep_explained = reads_explained(history);
    for skip in 0..explanation.minimal.len() {
        let mut fewer = explanation.minimal.clone();
        fewer.remove(skip);
        let fewer_history = sub(&fewer);
        let still_the_same_failure =
            fails(fewer_history.clone()) && (!keep_explained || reads_explained(&fewer_history));
        assert!(!still_the_same_failure, "{name}: not 1-minimal: {fewer:?} still fails");
    }
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
                assert_explanation_is_valid(case.name, &model, &history, explanation);
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
fn progress_counts_decided_partitions_and_placed_operations() {
    // Key 1: a put and the get that reads it, decided at once. Key 2: many
    // concurrent puts and a get nobody wrote, which takes a while to refute.
    let mut rows: Vec<Row> = vec![(0, "put", Some(1), 5, "nil", 0, "1"), (0, "get", Some(1), 0, "5", 2, "3")];
    rows.extend((1..11).map(|c| (c, "put", Some(2), c as i64, "nil", 0, "100")));
    rows.push((99, "get", Some(2), 0, "77", 0, "100"));
    let model = ModelSpec::by_name("kv").unwrap().with_initial(Value::Int(0));
    let mut checker = faultline_check::Checker::new(model, history(&rows), DEFAULT_BUDGET_STEPS);
    let start = checker.progress();
    let expected = faultline_check::Progress { partitions: 2, operations: 13, ..Default::default() };
    assert_eq!(start, expected);
    let (mut last, mut shrank) = (start, false);
    while checker.run(16).is_none() {
        let now = checker.progress();
        assert!(now.partitions_decided >= last.partitions_decided, "{last:?} then {now:?}");
        assert!(now.operations_placed <= now.operations, "{now:?}");
        shrank |= now.shrinking;
        last = now;
    }
    assert!(matches!(checker.verdict(), Some(Verdict::NotLinearizable(_))));
    assert!(shrank, "the failing key was shrunk: {last:?}");
    assert_eq!(last.partitions_decided, 2, "both keys' searches ended before shrinking: {last:?}");
}

#[test]
fn the_set_accepts_add_remove_and_read() {
    let model = ModelSpec::Set;
    let row = |f: &'static str, input: i64, output: &'static str| history(&[(0, f, None, input, output, 0, "1")]);
    for fine in [row("add", 1, "nil"), row("remove", 1, "nil"), row("read", 0, "[1 2]"), row("read", 0, "-")] {
        assert_eq!(model.accepts(&fine.operations[0]), Ok(()), "{}", fine.operations[0]);
    }
    let refused = [
        (row("read", 0, "3"), "a set read returns a list of the members, not 3"),
        (row("write", 1, "nil"), "the set model has no `write` operation (a set has add, remove and read)"),
    ];
    for (history, expected) in refused {
        assert_eq!(model.accepts(&history.operations[0]).unwrap_err(), expected);
    }
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

// ----- the bank -------------------------------------------------------------------

/// `(client, function, input, output, invoke, complete)` for the bank: a
/// transfer's input is "from to amount"; an output is "true" (committed),
/// "false" (aborted), a read's balances ("70 130 100"), or "-" for unknown;
/// complete is "-" for never.
type BankRow = (u64, &'static str, &'static str, &'static str, u64, &'static str);

fn ints(text: &str) -> Value {
    Value::List(text.split_whitespace().map(|n| Value::Int(n.parse().unwrap())).collect())
}

fn bank_history(rows: &[BankRow]) -> History {
    History::new(
        rows.iter()
            .map(|&(client, f, input, output, invoke, complete)| {
                let function = Function::from_name(f).unwrap();
                Operation {
                    client,
                    function,
                    key: None,
                    input: if function == Function::Transfer { ints(input) } else { Value::Nil },
                    output: match output {
                        "-" => None,
                        "true" => Some(Value::Bool(true)),
                        "false" => Some(Value::Bool(false)),
                        balances => Some(ints(balances)),
                    },
                    invoke,
                    complete: if complete == "-" { None } else { Some(complete.parse().unwrap()) },
                }
            })
            .collect(),
    )
}

/// What a bank case must come to.
#[derive(Debug)]
enum Expected {
    Linearizable,
    /// Not linearizable: the operation (row) that cannot be placed, and
    /// words the explanation's reason must contain.
    Blocked(usize, &'static str),
}

struct BankCase {
    name: &'static str,
    initial: &'static [i64],
    rows: &'static [BankRow],
    expected: Expected,
}

const BANK_CASES: &[BankCase] = &[
    BankCase {
        name: "a committed transfer, then a read that sees it",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 30", "true", 0, "1"), (1, "read", "", "70 130 100", 2, "3")],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "a lost transfer: a read after it completed shows the old balances",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 30", "true", 0, "1"), (1, "read", "", "100 100 100", 2, "3")],
        expected: Expected::Blocked(
            1,
            "the balances were [70 130 100], total 300, so it would have returned [70 130 100]",
        ),
    },
    BankCase {
        name: "a transfer seen half-applied destroys money",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 30", "true", 0, "9"), (1, "read", "", "70 100 100", 2, "3")],
        expected: Expected::Blocked(1, "total 300, so it would have returned [70 130 100]"),
    },
    BankCase {
        name: "a transfer seen half-applied creates money",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 30", "true", 0, "9"), (1, "read", "", "100 130 100", 2, "3")],
        expected: Expected::Blocked(1, "total 300"),
    },
    BankCase {
        name: "an aborted transfer that shows its effect",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 30", "false", 0, "1"), (1, "read", "", "70 130 100", 2, "3")],
        expected: Expected::Blocked(1, "it would have returned [100 100 100]"),
    },
    BankCase {
        name: "an aborted transfer changes nothing, even one that could not have committed",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 500", "false", 0, "1"), (1, "read", "", "100 100 100", 2, "3")],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "an overdraft committed",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 150", "true", 0, "1")],
        expected: Expected::Blocked(0, "account 0 held 100, less than the 150 transferred"),
    },
    BankCase {
        name: "money passes through an account",
        initial: &[100, 100, 100],
        rows: &[
            (0, "transfer", "0 1 100", "true", 0, "1"),
            (1, "transfer", "1 2 150", "true", 2, "3"),
            (2, "read", "", "0 50 250", 4, "5"),
        ],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "concurrent transfers take effect in the order that affords them",
        initial: &[100, 100, 100],
        rows: &[
            (1, "transfer", "1 2 150", "true", 0, "5"),
            (0, "transfer", "0 1 100", "true", 0, "5"),
            (2, "read", "", "0 50 250", 6, "7"),
        ],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "a transfer that no order affords",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 100", "true", 2, "3"), (1, "transfer", "1 2 150", "true", 0, "1")],
        expected: Expected::Blocked(1, "account 1 held 100, less than the 150 transferred"),
    },
    BankCase {
        name: "a read concurrent with a transfer may see the balances before it",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 2 40", "true", 0, "10"), (1, "read", "", "100 100 100", 2, "3")],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "a read concurrent with a transfer may see the balances after it",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 2 40", "true", 0, "10"), (1, "read", "", "60 100 140", 2, "3")],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "reads concurrent with a transfer cannot see it and then not",
        initial: &[100, 100, 100],
        rows: &[
            (0, "transfer", "0 2 40", "true", 0, "10"),
            (1, "read", "", "60 100 140", 2, "3"),
            (1, "read", "", "100 100 100", 4, "5"),
        ],
        expected: Expected::Blocked(2, "it would have returned [60 100 140]"),
    },
    BankCase {
        name: "a transfer that never returned may have committed",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 30", "-", 0, "-"), (1, "read", "", "70 130 100", 5, "6")],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "a transfer that never returned may not have taken effect",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 30", "-", 0, "-"), (1, "read", "", "100 100 100", 5, "6")],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "a transfer that never returned takes effect once, not undone",
        initial: &[100, 100, 100],
        rows: &[
            (0, "transfer", "0 1 30", "-", 0, "-"),
            (1, "read", "", "70 130 100", 5, "6"),
            (1, "read", "", "100 100 100", 7, "8"),
        ],
        expected: Expected::Blocked(2, "it would have returned [70 130 100]"),
    },
    BankCase {
        name: "a transfer that never returned may commit after reads that missed it",
        initial: &[100, 100, 100],
        rows: &[
            (0, "transfer", "0 1 30", "-", 0, "-"),
            (1, "read", "", "100 100 100", 2, "3"),
            (1, "read", "", "70 130 100", 4, "5"),
        ],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "a transfer that never returned and could not have committed had no effect",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 150", "-", 0, "-"), (1, "read", "", "100 100 100", 2, "3")],
        expected: Expected::Linearizable,
    },
    BankCase {
        name: "a transfer that never returned cannot overdraw either",
        initial: &[100, 100, 100],
        rows: &[(0, "transfer", "0 1 150", "-", 0, "-"), (1, "read", "", "-50 250 100", 2, "3")],
        expected: Expected::Blocked(1, "it would have returned [100 100 100]"),
    },
    BankCase {
        name: "a credit that would overflow a balance is refused, not a panic",
        initial: &[i64::MAX, 1],
        rows: &[(0, "transfer", "1 0 1", "true", 0, "1")],
        expected: Expected::Blocked(0, "would overflow a 64-bit balance"),
    },
    BankCase {
        name: "a zero transfer from an empty account commits",
        initial: &[0, 5],
        rows: &[(0, "transfer", "0 1 0", "true", 0, "1"), (1, "read", "", "0 5", 2, "3")],
        expected: Expected::Linearizable,
    },
];

fn bank(initial: &[i64]) -> ModelSpec {
    ModelSpec::by_name("bank").unwrap().with_initial(ints(&initial.iter().map(|b| format!("{b} ")).collect::<String>()))
}

#[test]
fn bank_verdicts_on_the_table_of_cases() {
    for case in BANK_CASES {
        let model = bank(case.initial);
        assert_eq!(model.ready(), Ok(()), "{}", case.name);
        let history = bank_history(case.rows);
        for operation in &history.operations {
            model.accepts(operation).unwrap_or_else(|e| panic!("{}: {operation}: {e}", case.name));
        }
        let verdict =
            faultline_check::with_model!(&model, m => check(m, history.clone(), DEFAULT_BUDGET_STEPS, || None));
        match (&verdict, &case.expected) {
            (Verdict::Linearizable(witness), Expected::Linearizable) => {
                assert_witness_is_valid(&model, &history, &witness.order, &witness.points);
            }
            (Verdict::NotLinearizable(explanation), Expected::Blocked(blocked, reason)) => {
                assert_eq!(explanation.blocked, *blocked, "{}: {explanation:?}", case.name);
                assert!(explanation.reason.contains(reason), "{}: {}", case.name, explanation.reason);
                assert!(explanation.state.starts_with("the balances were ["), "{}: {}", case.name, explanation.state);
                assert_explanation_is_valid(case.name, &model, &history, explanation);
            }
            (other, expected) => panic!("{}: expected {expected:?}, got {other:?}", case.name),
        }
    }
}

#[test]
fn a_lost_transfer_is_explained_by_the_balances() {
    let case = &BANK_CASES[1];
    let model = bank(case.initial);
    let history = bank_history(case.rows);
    let verdict = faultline_check::with_model!(&model, m => check(m, history, DEFAULT_BUDGET_STEPS, || None));
    let Verdict::NotLinearizable(explanation) = verdict else { panic!("expected a violation, got {verdict:?}") };
    assert_eq!(explanation.prefix, vec![0]);
    assert_eq!(explanation.state, "the balances were [70 130 100], total 300");
    assert_eq!(explanation.refusal, "it would have returned [70 130 100]");
    assert_eq!(
        explanation.reason,
        "client 1 read → [100 100 100] cannot take effect after them: the balances were [70 130 100], total 300, \
         so it would have returned [70 130 100]"
    );
    assert_eq!(explanation.minimal, vec![0, 1]);
}

#[test]
fn a_read_with_the_wrong_total_shrinks_to_itself() {
    // Nothing explains balances that add up to another total: the read
    // fails alone, whatever else the history holds.
    let model = bank(&[100, 100, 100]);
    let rows: &[BankRow] = &[
        (0, "transfer", "0 1 30", "true", 0, "1"),
        (1, "transfer", "2 1 30", "true", 2, "3"),
        (2, "read", "", "70 160 60", 4, "5"),
    ];
    let history = bank_history(rows);
    let verdict = faultline_check::with_model!(&model, m => check(m, history, DEFAULT_BUDGET_STEPS, || None));
    let Verdict::NotLinearizable(explanation) = verdict else { panic!("expected a violation, got {verdict:?}") };
    assert_eq!(explanation.blocked, 2);
    assert_eq!(explanation.minimal, vec![2]);
}

#[test]
fn the_bank_rejects_operations_it_does_not_know() {
    let model = bank(&[100, 100, 100, 100]);
    let op = |function: Function, key: Option<Value>, input: Value, output: Option<Value>| Operation {
        client: 0,
        function,
        key,
        input,
        output,
        invoke: 0,
        complete: Some(1),
    };
    let transfer = |input: &str, output: Option<Value>| op(Function::Transfer, None, ints(input), output);
    let committed = Some(Value::Bool(true));
    let cases: Vec<(Operation, &str)> = vec![
        (op(Function::Write, None, Value::Int(1), Some(Value::Nil)), "the bank model has no `write` operation"),
        (
            op(Function::Transfer, None, Value::Int(5), committed.clone()),
            "a transfer takes [from to amount], three integers, not 5",
        ),
        (transfer("0 1", committed.clone()), "three integers, not [0 1]"),
        (
            op(Function::Transfer, None, Value::List(vec![Value::Int(0), Value::Int(1), Value::Str("5".into())]), None),
            "three integers, not [0 1 \"5\"]",
        ),
        (
            transfer("2 2 5", committed.clone()),
            "a transfer moves money between two accounts, not from account 2 to itself",
        ),
        (
            transfer("0 4 5", committed.clone()),
            "account 4, which does not exist (the bank has 4 accounts, numbered from 0)",
        ),
        (transfer("-1 0 5", committed.clone()), "account -1, which does not exist"),
        (transfer("0 1 -5", committed.clone()), "a transfer's amount cannot be negative, not -5"),
        (transfer("0 1 5", Some(Value::Nil)), "a transfer returns true (committed) or false (aborted), not nil"),
        (
            transfer("0 1 5", None),
            "a transfer that returned says whether it committed (true or false); one whose outcome is unknown never \
             returned: give it no completion",
        ),
        (
            op(Function::Transfer, Some(Value::Int(0)), ints("0 1 5"), committed.clone()),
            "a bank `transfer` takes no key, not 0",
        ),
        (
            op(Function::Read, None, Value::Nil, Some(ints("100 100 100"))),
            "a bank read returns the 4 accounts' balances, a list of 4 integers, not [100 100 100]",
        ),
        (op(Function::Read, None, Value::Nil, Some(Value::Int(400))), "not 400"),
        (
            op(Function::Read, None, Value::Nil, Some(Value::List(vec![Value::Nil; 4]))),
            "a list of 4 integers, not [nil nil nil nil]",
        ),
    ];
    for (operation, expected) in cases {
        let error = model.accepts(&operation).expect_err(expected);
        assert!(error.contains(expected), "{operation}: got `{error}`, want `{expected}`");
    }
    let never_returned = |operation: Operation| Operation { complete: None, ..operation };
    for fine in [
        transfer("0 3 0", Some(Value::Bool(false))),
        transfer("0 3 0", committed.clone()),
        // One whose outcome is unknown never returned.
        never_returned(transfer("3 0 1000", None)),
        op(Function::Read, None, Value::Nil, None),
        op(Function::Read, None, Value::Nil, Some(ints("1 2 3 -4"))),
    ] {
        assert_eq!(model.accepts(&fine), Ok(()), "{fine}");
    }
}

#[test]
fn the_bank_needs_its_initial_balances() {
    let needs = "the bank model needs the accounts' initial balances: give --initial [100, 100, ...] or a history \
                 file with \"initial\"";
    let without = ModelSpec::by_name("bank").unwrap();
    assert_eq!(without.ready(), Err(needs.to_string()));
    assert_eq!(without.initial(), None);
    let read = Operation {
        client: 0,
        function: Function::Read,
        key: None,
        input: Value::Nil,
        output: None,
        invoke: 0,
        complete: None,
    };
    assert_eq!(without.accepts(&read), Err(needs.to_string()));
    for bad in [Value::Int(0), Value::Nil, Value::List(vec![]), Value::List(vec![Value::Int(1), Value::Nil])] {
        let spec = ModelSpec::by_name("bank").unwrap().with_initial(bad.clone());
        let error = spec.ready().unwrap_err();
        assert!(
            error.starts_with(
                "the bank model needs the accounts' initial balances as a non-empty list of integers, not "
            ),
            "{error}"
        );
        assert!(error.contains(&bad.to_string()) && error.ends_with("or a history file with \"initial\""), "{error}");
    }
    let given = bank(&[100, 50, 150]);
    assert_eq!(given.ready(), Ok(()));
    assert_eq!(given.initial(), Some(ints("100 50 150")));
    faultline_check::with_model!(&given, m => {
        assert_eq!(m.describe(&m.init()), "the balances were [100 50 150], total 300");
    });
}
