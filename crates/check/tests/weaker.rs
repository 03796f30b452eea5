//! Sequential consistency and the session guarantees, on small tables of
//! histories whose answers are worked out by hand.

use faultline_check::{Decision, Function, History, ModelSpec, Operation, Value, WeakerModels};

/// (client, "w"/"r", value, invoke, complete) on one register starting at 0.
fn register(rows: &[(u64, &str, i64, u64, u64)]) -> History {
    History::new(
        rows.iter()
            .map(|&(client, kind, value, invoke, complete)| {
                let write = kind == "w";
                Operation {
                    client,
                    function: if write { Function::Write } else { Function::Read },
                    key: None,
                    input: if write { Value::Int(value) } else { Value::Nil },
                    output: Some(if write { Value::Nil } else { Value::Int(value) }),
                    invoke,
                    complete: Some(complete),
                }
            })
            .collect(),
    )
}

fn decide(history: &History) -> WeakerModels {
    let spec = ModelSpec::by_name("register").unwrap().with_initial(Value::Int(0));
    faultline_check::with_model!(&spec, m => WeakerModels::decide(&m, history, spec.initial(), 1_000_000))
}

fn holds(decision: &Decision) -> bool {
    *decision == Decision::Holds
}

#[test]
fn weaker_models_on_a_table_of_histories() {
    // (name, history, sequentially consistent, read-your-writes, monotonic reads)
    type Case<'a> = (&'a str, &'a [(u64, &'a str, i64, u64, u64)], bool, bool, bool);
    let cases: &[Case] = &[
        (
            "a stale read by another client is sequentially consistent",
            &[(0, "w", 1, 0, 1), (1, "r", 0, 2, 3)],
            true,
            true,
            true,
        ),
        (
            "reading your own write back as old breaks every model",
            &[(0, "w", 1, 0, 1), (0, "r", 0, 2, 3)],
            false,
            false,
            true,
        ),
        (
            "seeing a new value then an old one breaks monotonic reads",
            &[(0, "w", 1, 0, 1), (1, "r", 1, 2, 3), (1, "r", 0, 4, 5)],
            false,
            true,
            false,
        ),
        (
            "two clients disagreeing on the order of two writes",
            &[
                (0, "w", 1, 0, 1),
                (1, "w", 2, 0, 1),
                (2, "r", 1, 2, 3),
                (2, "r", 2, 4, 5),
                (3, "r", 2, 2, 3),
                (3, "r", 1, 4, 5),
            ],
            false,
            true,
            true,
        ),
        ("a value nobody wrote is not a session question", &[(0, "r", 9, 0, 1)], false, true, true),
    ];
    for &(name, rows, sequential, ryw, monotonic) in cases {
        let decided = decide(&register(rows));
        assert_eq!(holds(&decided.sequentially_consistent), sequential, "{name}: {decided:?}");
        assert_eq!(holds(&decided.read_your_writes), ryw, "{name}: {decided:?}");
        assert_eq!(holds(&decided.monotonic_reads), monotonic, "{name}: {decided:?}");
    }
}

#[test]
fn violations_name_their_operations() {
    let decided = decide(&register(&[(0, "w", 1, 0, 1), (0, "r", 0, 2, 3)]));
    let Decision::Violated { operations, why } = decided.read_your_writes else { panic!("{decided:?}") };
    assert_eq!(operations, vec![0, 1]);
    assert_eq!(why, "client 0 wrote 1 and then read 0, an older value");
}

#[test]
fn session_guarantees_do_not_apply_to_appends() {
    let spec = ModelSpec::by_name("kv").unwrap();
    let history = History::new(vec![Operation {
        client: 0,
        function: Function::Append,
        key: Some(Value::Int(1)),
        input: Value::Str("x".into()),
        output: Some(Value::Nil),
        invoke: 0,
        complete: Some(1),
    }]);
    let decided = faultline_check::with_model!(&spec, m => WeakerModels::decide(&m, &history, spec.initial(), 1000));
    assert_eq!(decided.read_your_writes, Decision::NotApplicable);
    assert_eq!(decided.sequentially_consistent, Decision::Holds);
}

#[test]
fn the_bank_is_placed_by_sequential_consistency_alone() {
    // A read sees many transfers at once, not one write: the session
    // guarantees do not apply, even to a history of reads alone. Sequential
    // consistency does: another client may miss a committed transfer, the
    // transferring client may not.
    let spec = ModelSpec::by_name("bank").unwrap().with_initial(Value::List(vec![Value::Int(100), Value::Int(100)]));
    let balances = |a, b| Some(Value::List(vec![Value::Int(a), Value::Int(b)]));
    let transfer = Operation {
        client: 0,
        function: Function::Transfer,
        key: None,
        input: Value::List(vec![Value::Int(0), Value::Int(1), Value::Int(30)]),
        output: Some(Value::Bool(true)),
        invoke: 0,
        complete: Some(1),
    };
    let read = |client, output| Operation {
        client,
        function: Function::Read,
        key: None,
        input: Value::Nil,
        output,
        invoke: 2,
        complete: Some(3),
    };
    // (history, sequentially consistent)
    let cases = [
        (vec![transfer.clone(), read(1, balances(100, 100))], true),
        (vec![transfer.clone(), read(0, balances(100, 100))], false),
        (vec![transfer.clone(), read(0, balances(70, 130))], true),
        (vec![transfer.clone(), read(1, balances(70, 100))], false),
        (vec![read(1, balances(100, 100))], true),
        (vec![read(1, balances(70, 130))], false),
    ];
    for (operations, sequentially_consistent) in cases {
        let history = History::new(operations);
        let decided =
            faultline_check::with_model!(&spec, m => WeakerModels::decide(&m, &history, spec.initial(), 1_000_000));
        assert_eq!(holds(&decided.sequentially_consistent), sequentially_consistent, "{history:?}: {decided:?}");
        assert_eq!(decided.read_your_writes, Decision::NotApplicable, "{history:?}");
        assert_eq!(decided.monotonic_reads, Decision::NotApplicable, "{history:?}");
    }
}

// ----- counters and sets -----------------------------------------------------

/// `(client, function, input, output, invoke, complete)`, values as text:
/// `nil`, an integer, a list like `[1 2]`; `-` for an unknown output or an
/// operation that never returned.
type Row = (u64, &'static str, &'static str, &'static str, u64, &'static str);

fn parse_value(text: &str) -> Value {
    match text {
        "nil" => Value::Nil,
        list if list.starts_with('[') => {
            Value::List(list.trim_matches(|c| c == '[' || c == ']').split_whitespace().map(parse_value).collect())
        }
        number => Value::Int(number.parse().unwrap_or_else(|_| panic!("not a value: {number}"))),
    }
}

fn history_of(rows: &[Row]) -> History {
    History::new(
        rows.iter()
            .map(|&(client, function, input, output, invoke, complete)| Operation {
                client,
                function: Function::from_name(function).unwrap_or_else(|| panic!("no function {function}")),
                key: None,
                input: parse_value(input),
                output: (output != "-").then(|| parse_value(output)),
                invoke,
                complete: (complete != "-").then(|| complete.parse().unwrap()),
            })
            .collect(),
    )
}

fn decide_for(model: &str, history: &History) -> WeakerModels {
    decide_within(model, history, 1_000_000)
}

fn decide_within(model: &str, history: &History, budget_steps: u64) -> WeakerModels {
    let spec = ModelSpec::by_name(model).unwrap();
    faultline_check::with_model!(&spec, m => WeakerModels::decide(&m, history, spec.initial(), budget_steps))
}

/// What a session guarantee is expected to be decided as.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Holds,
    /// Violated, shown by these two history indices.
    Violated([usize; 2]),
    NotApplicable,
}

impl Expect {
    fn matches(self, decision: &Decision) -> bool {
        match (self, decision) {
            (Expect::Holds, Decision::Holds) | (Expect::NotApplicable, Decision::NotApplicable) => true,
            (Expect::Violated(expected), Decision::Violated { operations, why }) => {
                operations.as_slice() == expected && !why.is_empty()
            }
            _ => false,
        }
    }
}

/// (what the case shows, model, history, read-your-writes, monotonic reads)
type SessionCase = (&'static str, &'static str, &'static [Row], Expect, Expect);

const SESSION_CASES: &[SessionCase] = &[
    // ----- counter
    (
        "a client reads its own adds back",
        "counter",
        &[(1, "add", "1", "nil", 0, "1"), (1, "add", "2", "nil", 2, "3"), (1, "read", "nil", "3", 4, "5")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a read below the client's own adds",
        "counter",
        &[(1, "add", "1", "nil", 0, "1"), (1, "add", "2", "nil", 2, "3"), (1, "read", "nil", "2", 4, "5")],
        Expect::Violated([1, 2]),
        Expect::Holds,
    ),
    (
        "another client may not have seen an add yet",
        "counter",
        &[(1, "add", "3", "nil", 0, "1"), (2, "read", "nil", "0", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "an own add that never returned need not be seen",
        "counter",
        &[(1, "add", "3", "nil", 0, "-"), (1, "read", "nil", "0", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a counter that only grows goes back",
        "counter",
        &[
            (0, "add", "5", "nil", 0, "1"),
            (1, "add", "2", "nil", 0, "1"),
            (2, "read", "nil", "7", 2, "3"),
            (2, "read", "nil", "5", 4, "5"),
        ],
        Expect::Holds,
        Expect::Violated([2, 3]),
    ),
    (
        "later reads that grow or stay",
        "counter",
        &[
            (0, "add", "5", "nil", 0, "9"),
            (2, "read", "nil", "0", 1, "2"),
            (2, "read", "nil", "0", 3, "4"),
            (2, "read", "nil", "5", 5, "6"),
            (2, "read", "nil", "5", 7, "8"),
        ],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a read whose output is unknown is skipped",
        "counter",
        &[(0, "add", "5", "nil", 0, "1"), (2, "read", "nil", "5", 2, "3"), (2, "read", "nil", "-", 4, "5")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a read no adds add up to is not a session question",
        "counter",
        &[(0, "add", "2", "nil", 0, "1"), (2, "read", "nil", "9", 2, "3"), (2, "read", "nil", "2", 4, "5")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "an add of nothing changes nothing",
        "counter",
        &[(1, "add", "0", "nil", 0, "1"), (1, "read", "nil", "0", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a decrement anywhere: values cannot tell which updates a read reflects",
        "counter",
        &[
            (0, "add", "5", "nil", 0, "1"),
            (2, "read", "nil", "5", 2, "3"),
            (1, "add", "-2", "nil", 4, "-"),
            (2, "read", "nil", "3", 6, "7"),
        ],
        Expect::NotApplicable,
        Expect::NotApplicable,
    ),
    (
        "adds that together wrap around a 64-bit counter",
        "counter",
        &[
            (0, "add", "9223372036854775807", "nil", 0, "1"),
            (0, "add", "1", "nil", 2, "3"),
            (0, "read", "nil", "0", 4, "5"),
        ],
        Expect::NotApplicable,
        Expect::NotApplicable,
    ),
    // ----- set
    (
        "a client reads its own add back",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (1, "read", "nil", "[1]", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "an own add missing, and nothing removed it",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (1, "add", "2", "nil", 2, "3"), (1, "read", "nil", "[2]", 4, "5")],
        Expect::Violated([0, 2]),
        Expect::Holds,
    ),
    (
        "a remove invoked before the read returned may have removed it",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (2, "remove", "1", "nil", 3, "-"), (1, "read", "nil", "[]", 2, "4")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a remove invoked as the read returned is concurrent with it",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (1, "read", "nil", "[]", 2, "4"), (2, "remove", "1", "nil", 4, "5")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a remove invoked after the read returned cannot explain it",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (1, "read", "nil", "[]", 2, "3"), (2, "remove", "1", "nil", 4, "5")],
        Expect::Violated([0, 1]),
        Expect::Holds,
    ),
    (
        "a remove of another value explains nothing",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (2, "remove", "2", "nil", 0, "9"), (1, "read", "nil", "[]", 2, "3")],
        Expect::Violated([0, 2]),
        Expect::Holds,
    ),
    (
        "an own add that never returned need not be seen",
        "set",
        &[(1, "add", "1", "nil", 0, "-"), (1, "read", "nil", "[]", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a read before the own add need not see it",
        "set",
        &[(1, "read", "nil", "[]", 0, "1"), (1, "add", "1", "nil", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "another client may not have seen an add yet",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (2, "read", "nil", "[]", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a member seen and then lost, and nothing removed it",
        "set",
        &[(0, "add", "1", "nil", 0, "1"), (2, "read", "nil", "[1]", 2, "3"), (2, "read", "nil", "[]", 4, "5")],
        Expect::Holds,
        Expect::Violated([1, 2]),
    ),
    (
        "a member seen, then removed, then gone",
        "set",
        &[
            (0, "add", "1", "nil", 0, "1"),
            (2, "read", "nil", "[1]", 2, "3"),
            (0, "remove", "1", "nil", 4, "5"),
            (2, "read", "nil", "[]", 6, "7"),
        ],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "removing a value that is not a member changes nothing",
        "set",
        &[(1, "remove", "2", "nil", 0, "1"), (1, "add", "1", "nil", 2, "3"), (1, "read", "nil", "[1]", 4, "5")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a member nobody added is not a session question",
        "set",
        &[(2, "read", "nil", "[9]", 0, "1"), (2, "read", "nil", "[]", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    (
        "a read whose output is unknown is skipped",
        "set",
        &[(1, "add", "1", "nil", 0, "1"), (1, "read", "nil", "-", 2, "3")],
        Expect::Holds,
        Expect::Holds,
    ),
    // ----- objects whose values tell nothing of the kind
    (
        "a queue",
        "queue",
        &[(1, "enqueue", "1", "nil", 0, "1"), (1, "dequeue", "nil", "nil", 2, "3")],
        Expect::NotApplicable,
        Expect::NotApplicable,
    ),
];

#[test]
fn session_guarantees_of_counters_and_sets_on_a_table_of_histories() {
    for &(name, model, rows, read_your_writes, monotonic_reads) in SESSION_CASES {
        let decided = decide_for(model, &history_of(rows));
        assert!(read_your_writes.matches(&decided.read_your_writes), "{model}: {name}: {decided:?}");
        assert!(monotonic_reads.matches(&decided.monotonic_reads), "{model}: {name}: {decided:?}");
    }
}

#[test]
fn a_counter_that_breaks_a_session_guarantee_is_not_sequentially_consistent() {
    // The counter only grows and a client's own order is kept: what is
    // certain from the values rules out every sequential order too.
    for &(name, model, rows, read_your_writes, monotonic_reads) in SESSION_CASES {
        let violated = |expect: Expect| matches!(expect, Expect::Violated(_));
        if model == "counter" && (violated(read_your_writes) || violated(monotonic_reads)) {
            let decided = decide_for(model, &history_of(rows));
            assert!(matches!(decided.sequentially_consistent, Decision::Violated { .. }), "{name}: {decided:?}");
        }
    }
}

#[test]
fn counter_and_set_violations_say_who_saw_what() {
    let why = |decision: Decision| match decision {
        Decision::Violated { why, .. } => why,
        other => panic!("expected a violation, got {other:?}"),
    };
    let counter_adds =
        history_of(&[(1, "add", "1", "nil", 0, "1"), (1, "add", "2", "nil", 2, "3"), (1, "read", "nil", "2", 4, "5")]);
    assert_eq!(why(decide_for("counter", &counter_adds).read_your_writes), "client 1 added 3 in all and then read 2");
    let counter_back = history_of(&[
        (0, "add", "5", "nil", 0, "1"),
        (1, "add", "2", "nil", 0, "1"),
        (2, "read", "nil", "7", 2, "3"),
        (2, "read", "nil", "5", 4, "5"),
    ]);
    assert_eq!(
        why(decide_for("counter", &counter_back).monotonic_reads),
        "client 2 read 7 and later 5: a counter that only grows went back"
    );
    let set_add = history_of(&[(1, "add", "3", "nil", 0, "1"), (1, "read", "nil", "[1 2]", 2, "3")]);
    assert_eq!(
        why(decide_for("set", &set_add).read_your_writes),
        "client 1 added 3 and then read [1 2]: 3 was missing, and nobody had removed it"
    );
    let set_lost = history_of(&[
        (0, "add", "1", "nil", 0, "1"),
        (0, "add", "2", "nil", 0, "1"),
        (2, "read", "nil", "[1 2]", 2, "3"),
        (2, "read", "nil", "[2]", 4, "5"),
    ]);
    assert_eq!(
        why(decide_for("set", &set_lost).monotonic_reads),
        "client 2 read [1 2] and later [2]: 1 went missing, and nobody had removed it"
    );
}

#[test]
fn session_guarantees_never_panic_on_odd_values() {
    // Histories a model would refuse (the formats check them, but `decide`
    // may be given anything): no panic, and nothing claimed from nonsense.
    let odd = [
        ("counter", Function::Add, Value::Str("x".into()), Some(Value::Nil)),
        ("counter", Function::Read, Value::Nil, Some(Value::List(vec![]))),
        ("set", Function::Read, Value::Nil, Some(Value::Int(3))),
        ("set", Function::Remove, Value::List(vec![Value::Nil]), None),
        ("set", Function::Write, Value::Int(2), Some(Value::Nil)),
    ];
    for (model, function, input, output) in odd {
        let operation = Operation { client: 0, function, key: None, input, output, invoke: 5, complete: Some(1) };
        // The session guarantees alone (no search: `step` may assume the
        // operations it is given are ones the model accepts).
        let decided = decide_within(model, &History::new(vec![operation.clone(), operation]), 0);
        assert!(!matches!(decided.read_your_writes, Decision::Violated { .. }), "{model}: {decided:?}");
        assert!(!matches!(decided.monotonic_reads, Decision::Violated { .. }), "{model}: {decided:?}");
    }
}

// ----- the strongest model named -------------------------------------------

#[test]
fn the_strongest_model_is_named_for_every_combination() {
    use faultline_check::{strongest_model, Explanation, Incomplete, Verdict, Witness};
    let violated = || Decision::Violated { operations: vec![0, 1], why: "why".into() };
    let unknown = || Decision::Unknown { why: "budget".into() };
    let not_linearizable = Verdict::NotLinearizable(Explanation {
        key: None,
        prefix: vec![],
        blocked: 0,
        state: String::new(),
        reason: String::new(),
        refusal: String::new(),
        minimal: vec![0],
        minimal_is_1_minimal: true,
    });
    let weaker = |sequential: Decision, ryw: Decision, monotonic: Decision| WeakerModels {
        sequentially_consistent: sequential,
        read_your_writes: ryw,
        monotonic_reads: monotonic,
    };
    use Decision::{Holds, NotApplicable};
    let cases = [
        (weaker(Holds, Holds, Holds), "sequentially consistent"),
        (weaker(violated(), Holds, Holds), "read-your-writes and monotonic reads"),
        (weaker(violated(), Holds, violated()), "read-your-writes"),
        (weaker(violated(), violated(), Holds), "monotonic reads"),
        (weaker(violated(), violated(), violated()), "none of these"),
        (weaker(violated(), NotApplicable, NotApplicable), "none of these"),
        (
            weaker(unknown(), Holds, Holds),
            "read-your-writes and monotonic reads at least (sequential consistency undecided)",
        ),
        (weaker(unknown(), Holds, violated()), "read-your-writes at least (sequential consistency undecided)"),
        (weaker(unknown(), violated(), Holds), "monotonic reads at least (sequential consistency undecided)"),
        (weaker(unknown(), NotApplicable, NotApplicable), "unknown (sequential consistency undecided)"),
    ];
    for (models, expected) in cases {
        assert_eq!(strongest_model(&not_linearizable, Some(&models)), expected, "{models:?}");
    }
    let linearizable = Verdict::Linearizable(Witness { order: vec![], points: vec![] });
    assert_eq!(strongest_model(&linearizable, None), "linearizable");
    let unknown_verdict = Verdict::Unknown(Incomplete {
        reason: String::new(),
        steps: 0,
        partitions: 1,
        partitions_done: 0,
        unfinished: vec![],
    });
    assert_eq!(strongest_model(&unknown_verdict, None), "unknown");
    assert_eq!(strongest_model(&not_linearizable, None), "none of these");
}

#[test]
fn a_counter_history_is_placed_by_its_session_guarantees() {
    use faultline_check::{check, strongest_model, DEFAULT_BUDGET_STEPS};
    // Client 2 reads 7 and then 5 (not linearizable, not sequentially
    // consistent, not monotonic), but every client reads its own adds.
    let history = history_of(&[
        (0, "add", "5", "nil", 0, "1"),
        (1, "add", "2", "nil", 2, "3"),
        (2, "read", "nil", "7", 4, "5"),
        (2, "read", "nil", "5", 6, "7"),
        (1, "read", "nil", "7", 8, "9"),
    ]);
    let spec = ModelSpec::Counter;
    let verdict = faultline_check::with_model!(&spec, m => check(m, history.clone(), DEFAULT_BUDGET_STEPS, || None));
    let decided = decide_for("counter", &history);
    assert_eq!(decided.read_your_writes, Decision::Holds, "{decided:?}");
    assert!(matches!(decided.monotonic_reads, Decision::Violated { .. }), "{decided:?}");
    assert_eq!(strongest_model(&verdict, Some(&decided)), "read-your-writes");
}
