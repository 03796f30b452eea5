//! Faultline's JSON history format: parsing, writing, and the round trip.

use faultline_check::format::{parse, to_json, to_json_with_initial, Format};
use faultline_check::{Function, History, Operation, Value};
use proptest::prelude::*;

const EXAMPLE: &str = r#"{"operations": [
  {"client": 0, "f": "write", "key": 0, "input": 5, "output": null, "invoke": 34, "complete": 63},
  {"client": 1, "f": "read", "key": 0, "output": 5, "invoke": 39, "complete": 59},
  {"client": 2, "f": "read", "key": 0, "invoke": 40}
]}
"#;

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

#[test]
fn the_example_parses_and_is_written_back_identically() {
    for format in [Format::Json, Format::Auto] {
        let parsed = parse(EXAMPLE, format).unwrap();
        assert_eq!(parsed.format, Format::Json);
        assert_eq!(parsed.lines, vec![2, 3, 4]);
        assert_eq!(parsed.initial, None);
        let key = Some(Value::Int(0));
        let expected = vec![
            Operation { key: key.clone(), ..op(0, Function::Write, Value::Int(5), Some(Value::Nil), 34, Some(63)) },
            Operation { key: key.clone(), ..op(1, Function::Read, Value::Nil, Some(Value::Int(5)), 39, Some(59)) },
            Operation { key, ..op(2, Function::Read, Value::Nil, None, 40, None) },
        ];
        assert_eq!(parsed.history.operations, expected);
        assert_eq!(to_json(&parsed.history), EXAMPLE);
    }
}

#[test]
fn optional_fields_and_their_meanings() {
    let text = r#"
    {
      "initial": [1, "a", null, true],
      "operations": [
        {"client": 3, "f": "cas", "input": [1, 2], "output": false, "invoke": 0, "complete": null},
        {"client": 4, "f": "append", "key": null, "input": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "invoke": 1,
         "complete": 1},
        {"invoke": 18446744073709551615, "f": "add", "client": 18446744073709551615, "input": -9223372036854775808}
      ]
    }"#;
    let parsed = parse(text, Format::Auto).unwrap();
    assert_eq!(parsed.format, Format::Json);
    assert_eq!(
        parsed.initial,
        Some(Value::List(vec![Value::Int(1), Value::Str("a".into()), Value::Nil, Value::Bool(true)]))
    );
    assert_eq!(parsed.lines, vec![5, 6, 8]);
    let ops = &parsed.history.operations;
    assert_eq!(
        ops[0],
        op(3, Function::Cas, Value::List(vec![Value::Int(1), Value::Int(2)]), Some(Value::Bool(false)), 0, None)
    );
    assert_eq!(ops[1].key, Some(Value::Nil), "a null key is a key");
    assert_eq!(ops[1].input, Value::Str("x\"\\/\u{8}\u{c}\n\r\té😀".into()));
    assert_eq!(ops[1].output, None, "a left-out output is unknown");
    assert_eq!((ops[1].invoke, ops[1].complete), (1, Some(1)), "complete may equal invoke");
    assert_eq!(ops[2], op(u64::MAX, Function::Add, Value::Int(i64::MIN), None, u64::MAX, None));
    // Written back (with the initial value) and read again: the same.
    let again = parse(&to_json_with_initial(&parsed.history, parsed.initial.as_ref()), Format::Auto).unwrap();
    assert_eq!(again.history, parsed.history);
    assert_eq!(again.initial, parsed.initial);
}

#[test]
fn every_function_name_is_accepted() {
    for function in Function::ALL {
        let text = format!(r#"{{"operations": [{{"client": 0, "f": "{}", "invoke": 0}}]}}"#, function.name());
        let parsed = parse(&text, Format::Json).unwrap();
        assert_eq!(parsed.history.operations[0].function, function);
        assert_eq!(parsed.lines, vec![1]);
    }
}

/// A bank history as Faultline's JSON writes it: the initial balances,
/// committed and aborted transfers, transfers of unknown outcome (which
/// never returned), reads of every balance.
const BANK: &str = r#"{"initial": [100, 100, 100], "operations": [
  {"client": 0, "f": "transfer", "input": [0, 2, 30], "output": true, "invoke": 3, "complete": 9},
  {"client": 1, "f": "transfer", "input": [1, 0, 500], "output": false, "invoke": 4, "complete": 6},
  {"client": 2, "f": "transfer", "input": [2, 1, 10], "invoke": 5},
  {"client": 3, "f": "transfer", "input": [1, 2, 0], "invoke": 7},
  {"client": 1, "f": "read", "output": [70, 100, 130], "invoke": 10, "complete": 12},
  {"client": 4, "f": "read", "invoke": 11}
]}
"#;

#[test]
fn a_bank_history_round_trips() {
    let parsed = parse(BANK, Format::Auto).unwrap();
    assert_eq!(parsed.format, Format::Json);
    assert_eq!(parsed.lines, vec![2, 3, 4, 5, 6, 7]);
    let ints = |values: &[i64]| Value::List(values.iter().map(|&v| Value::Int(v)).collect());
    assert_eq!(parsed.initial, Some(ints(&[100, 100, 100])));
    let transfer = |client, input: &[i64], output, invoke, complete| {
        op(client, Function::Transfer, ints(input), output, invoke, complete)
    };
    let expected = vec![
        transfer(0, &[0, 2, 30], Some(Value::Bool(true)), 3, Some(9)),
        transfer(1, &[1, 0, 500], Some(Value::Bool(false)), 4, Some(6)),
        transfer(2, &[2, 1, 10], None, 5, None),
        transfer(3, &[1, 2, 0], None, 7, None),
        op(1, Function::Read, Value::Nil, Some(ints(&[70, 100, 130])), 10, Some(12)),
        op(4, Function::Read, Value::Nil, None, 11, None),
    ];
    assert_eq!(parsed.history.operations, expected);
    assert_eq!(to_json_with_initial(&parsed.history, parsed.initial.as_ref()), BANK);
    let without_initial = to_json(&parsed.history);
    let again = parse(&without_initial, Format::Json).unwrap();
    assert_eq!((again.history, again.initial), (parsed.history.clone(), None));
    // What the checker reads: the bank model, its balances from the file.
    let (checked, spec) = faultline_check::format::parse_for_model(BANK, Format::Auto, "bank", None).unwrap();
    assert_eq!(checked.history, parsed.history);
    assert_eq!(spec.initial(), Some(ints(&[100, 100, 100])));
    // --initial wins over the file's.
    let (_, spec) =
        faultline_check::format::parse_for_model(BANK, Format::Auto, "bank", Some(ints(&[200, 0, 100]))).unwrap();
    assert_eq!(spec.initial(), Some(ints(&[200, 0, 100])));
}

#[test]
fn an_empty_operation_list_is_an_empty_history() {
    let parsed = parse(r#"{"operations": []}"#, Format::Auto).unwrap();
    assert!(parsed.history.operations.is_empty());
    assert_eq!(to_json(&History::default()), "{\"operations\": []}\n");
    assert_eq!(parse(&to_json(&History::default()), Format::Json).unwrap().history, History::default());
}

#[test]
fn leading_comment_lines_and_a_byte_order_mark_are_skipped() {
    let text = "\u{feff}; written by hand\n;\n{\"operations\": [\n{\"client\": 1, \"f\": \"read\", \"invoke\": 5}]}";
    let parsed = parse(text, Format::Auto).unwrap();
    assert_eq!(parsed.format, Format::Json);
    assert_eq!(parsed.lines, vec![4]);
}

fn value_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        "\\PC{0,8}".prop_map(Value::Str),
        any::<String>().prop_map(Value::Str),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| prop::collection::vec(inner, 0..4).prop_map(Value::List))
}

fn operation_strategy() -> impl Strategy<Value = Operation> {
    (
        any::<u64>(),
        prop::sample::select(Function::ALL.to_vec()),
        prop::option::of(value_strategy()),
        value_strategy(),
        prop::option::of(value_strategy()),
        any::<u64>(),
        prop::option::of(prop_oneof![Just(0u64), 0u64..1000, any::<u64>()]),
    )
        .prop_map(|(client, function, key, input, output, invoke, delta)| Operation {
            client,
            function,
            key,
            input,
            output,
            invoke,
            complete: delta.map(|d| invoke.saturating_add(d)),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn to_json_round_trips(operations in prop::collection::vec(operation_strategy(), 0..12),
                           initial in prop::option::of(value_strategy())) {
        let history = History::new(operations);
        let text = to_json(&history);
        let parsed = parse(&text, Format::Json).unwrap();
        prop_assert_eq!(&parsed.history, &history);
        // One operation per line, after the opening line.
        let lines: Vec<usize> = (0..history.operations.len()).map(|i| i + 2).collect();
        prop_assert_eq!(&parsed.lines, &lines);
        prop_assert_eq!(parse(&text, Format::Auto).unwrap().history, history.clone());
        let with_initial = to_json_with_initial(&history, initial.as_ref());
        let parsed = parse(&with_initial, Format::Auto).unwrap();
        prop_assert_eq!(parsed.history, history);
        prop_assert_eq!(parsed.initial, initial);
    }
}
