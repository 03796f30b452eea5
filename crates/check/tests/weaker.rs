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
