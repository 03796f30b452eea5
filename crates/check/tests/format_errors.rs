//! Bad histories: every error names its line and what was expected.

use faultline_check::format::{parse, parse_for_model, Format, MAX_INPUT_BYTES};

/// (input, format, expected line, a part of the expected message)
const CASES: &[(&str, Format, usize, &str)] = &[
    // ----- empty -----
    ("", Format::Auto, 1, "the history is empty"),
    ("\n\n  \n", Format::Edn, 1, "the history is empty"),
    ("; just a comment\n", Format::Json, 1, "the history is empty"),
    ("", Format::JepsenLog, 1, "the history is empty"),
    // ----- cannot tell -----
    ("\n\nhello\n", Format::Auto, 3, "cannot tell the format (JSON, EDN or a Jepsen log); say which with --format"),
    ("#{1}", Format::Auto, 1, "cannot tell the format"),
    // ----- EDN: truncated -----
    (
        "[{:process 0, :type :invoke, :f :read",
        Format::Edn,
        1,
        "the input ends inside the map opened on line 1 (expected '}')",
    ),
    (
        "[{:process 0 :type :invoke :f :read}\n {:process 0 :type :ok",
        Format::Auto,
        2,
        "ends inside the map opened on line 2",
    ),
    (
        "[{:process 0 :type :invoke :f :read}\n",
        Format::Auto,
        2,
        "the input ends inside the vector opened on line 1 (expected ']')",
    ),
    ("({:process 0 :type :invoke :f :read}", Format::Auto, 1, "ends inside the list opened on line 1 (expected ')')"),
    ("{:process 0 :type :invoke :f :write :value \"ab\nc", Format::Edn, 2, "ends inside the string opened on line 1"),
    ("{:process 0 :type :invoke :f :write :value", Format::Edn, 1, "ends inside the map opened on line 1"),
    (
        "{:process 0 :type :invoke :f :write\n :value}",
        Format::Edn,
        2,
        "the map opened on line 1 has a key (:value) with no value",
    ),
    ("{:process 0 :type :invoke :f :write :value #{1", Format::Edn, 1, "ends inside the set opened on line 1"),
    // ----- EDN: unbalanced -----
    ("[{:process 0 :type :invoke :f :read)]", Format::Edn, 1, "unexpected ')': the map opened on line 1 ends with '}'"),
    (
        "[{:process 0 :type :invoke :f :read}\n)",
        Format::Edn,
        2,
        "unexpected ')': the vector opened on line 1 ends with ']'",
    ),
    ("{:process 0 :type :invoke :f :read}}", Format::Edn, 1, "unexpected '}' with nothing open to close"),
    ("{:process 0 :type :invoke :f :read}\n]", Format::Edn, 2, "unexpected ']' with nothing open to close"),
    // ----- EDN: shapes and types -----
    ("[1]", Format::Edn, 1, "expected a map like {:process 1, :type :invoke, ...}, found 1"),
    (
        "[{:process 0 :type :invoke :f :read}\n [:not :a :map]]",
        Format::Edn,
        2,
        "expected a map like {:process 1, :type :invoke, ...}",
    ),
    (
        "{:process \"a\", :type :invoke, :f :read}",
        Format::Edn,
        1,
        ":process must be a non-negative integer or :nemesis, not \"a\"",
    ),
    ("{:process -1, :type :invoke, :f :read}", Format::Edn, 1, "not -1"),
    ("{:process 1.5, :type :invoke, :f :read}", Format::Edn, 1, "not the floating-point number 1.5"),
    ("{:process 99999999999999999999999, :type :invoke, :f :read}", Format::Edn, 1, "does not fit in 64 bits"),
    ("{:type :invoke, :f :read}", Format::Edn, 1, "the event has no :process"),
    ("{:process 1 :f :read}", Format::Edn, 1, "the event has no :type"),
    ("{:process 1 :type :invoke}", Format::Edn, 1, "the event has no :f"),
    ("{:process 1 :type :begin :f :read}", Format::Edn, 1, ":type must be :invoke, :ok, :fail or :info, not :begin"),
    ("{:process 1 :type :invoke :f 7}", Format::Edn, 1, ":f must be a keyword like :read, not 7"),
    ("{:process 1 :process 2 :type :invoke :f :read}", Format::Edn, 1, "the event has :process twice"),
    ("[{:type :invoke,\n  :f :txn,\n  :process 3}]", Format::Auto, 2, "unknown operation :txn"),
    (
        "{:process 1 :type :invoke :f :write :value 1.5}",
        Format::Edn,
        1,
        "the floating-point number 1.5 is not supported",
    ),
    ("{:process 1 :type :invoke :f :write :value 1/2}", Format::Edn, 1, "the ratio 1/2 is not supported"),
    ("{:process 1 :type :invoke :f :write :value 9223372036854775808}", Format::Edn, 1, "does not fit in 64 bits"),
    ("{:process 1 :type :invoke :f :write :value {:a 1}}", Format::Edn, 1, "a map is not supported as a value"),
    (
        "{:process 1 :type :invoke :f :write :value #inst \"2020\"}",
        Format::Edn,
        1,
        "the tagged value #inst is not supported",
    ),
    ("{:process 1 :type :invoke :f :write :value \"a\\qb\"}", Format::Edn, 1, "unknown escape '\\q' in a string"),
    ("{:process 1 :type :invoke :f :write :value \\bogus}", Format::Edn, 1, "unknown character \\bogus"),
    ("{:process 1 :type :invoke :f :write :value :}", Format::Edn, 1, "a ':' with no keyword name"),
    ("{:process 1 :type :invoke :f :write :value # }", Format::Edn, 1, "a '#' that starts no set, tag or discard"),
    // ----- EDN: pairing -----
    (
        "{:process 1 :type :ok :f :read :value 1}",
        Format::Edn,
        1,
        "process 1 completes (:ok :read) with no invocation open",
    ),
    (
        "{:process 1 :type :invoke :f :read}\n{:process 1 :type :invoke :f :write :value 2}",
        Format::Edn,
        2,
        "process 1 invokes :write before its :read invoked on line 1 completed",
    ),
    (
        "{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :write}",
        Format::Edn,
        2,
        "process 1 completes :write, but its open invocation (line 1) is :read",
    ),
    (
        "{:process 1 :type :invoke :f :read}\n{:process 1 :type :fail :f :read}\n{:process 1 :type :info :f :read}",
        Format::Edn,
        3,
        "with no invocation open",
    ),
    // ----- JSON -----
    (
        "{\"operations\": [\n{\"client\": 0, \"f\": \"write\", \"input\": 1.5, \"invoke\": 0}]}",
        Format::Json,
        2,
        "the floating-point number 1.5 is not supported",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"write\", \"input\": 1e3, \"invoke\": 0}]}",
        Format::Json,
        1,
        "floating-point",
    ),
    (
        "{\"operations\": [\n{\"client\": 0, \"f\": \"read\", \"invoke\": 0,\n \"complete\": -1}]}",
        Format::Json,
        3,
        "\"complete\" must be a non-negative integer, not -1",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"read\", \"invoke\": 5, \"complete\": 4}]}",
        Format::Json,
        1,
        "\"complete\" (4) is before \"invoke\" (5)",
    ),
    (
        "{\"operations\": [\n{\"client\": 0, \"f\": \"read\",\n \"invoke\": 0, \"extra\": 1}]}",
        Format::Json,
        3,
        "unknown field \"extra\" in an operation (expected client, f, key, input, output, invoke, complete)",
    ),
    (
        "{\"operations\": [],\n \"model\": \"kv\"}",
        Format::Json,
        2,
        "unknown field \"model\" (expected \"operations\" or \"initial\")",
    ),
    ("{\"initial\": 0}", Format::Json, 1, "expected a field \"operations\""),
    ("{\"operations\": {}}", Format::Json, 1, "\"operations\" must be a list of operations, not an object"),
    (
        "{\"operations\": [\n  {\"client\": 0, \"f\": \"read\",\n",
        Format::Auto,
        3,
        "the input ends inside the object opened on line 2",
    ),
    (
        "{\"operations\": [\n  {\"client\": 0, \"f\": \"read\", \"invoke\": 0}\n",
        Format::Json,
        3,
        "the input ends inside the list opened on line 1 (expected ']')",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"read\", \"invoke\": 0]}",
        Format::Json,
        1,
        "expected ',' or '}' after a field, found ']'",
    ),
    (
        "{\"operations\": [1]}",
        Format::Json,
        1,
        "expected an operation like {\"client\": 0, \"f\": \"write\", ...}, found 1",
    ),
    ("{\"operations\": [{\"f\": \"read\", \"invoke\": 0}]}", Format::Json, 1, "the operation has no \"client\""),
    ("{\"operations\": [{\"client\": 0, \"f\": \"read\"}]}", Format::Json, 1, "the operation has no \"invoke\""),
    ("{\"operations\": [{\"client\": 0, \"invoke\": 0}]}", Format::Json, 1, "the operation has no \"f\""),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"txn\", \"invoke\": 0}]}",
        Format::Json,
        1,
        "unknown operation \"txn\" (expected one of read, write",
    ),
    (
        "{\"operations\": [{\"client\": \"a\", \"f\": \"read\", \"invoke\": 0}]}",
        Format::Json,
        1,
        "\"client\" must be a non-negative integer, not \"a\"",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"client\": 1, \"f\": \"read\", \"invoke\": 0}]}",
        Format::Json,
        1,
        "the operation has \"client\" twice",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"read\", \"invoke\": 0, \"output\": {}}]}",
        Format::Json,
        1,
        "an object is not supported as a value",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"write\", \"invoke\": 0, \"input\": 9223372036854775808}]}",
        Format::Json,
        1,
        "does not fit in a 64-bit signed value",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"write\", \"invoke\": 18446744073709551616}]}",
        Format::Json,
        1,
        "is too large",
    ),
    (
        "{\"operations\": [{\"client\": 01, \"f\": \"write\", \"invoke\": 0}]}",
        Format::Json,
        1,
        "01 is not a JSON number",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"wr\nite\", \"invoke\": 0}]}",
        Format::Json,
        1,
        "raw control character",
    ),
    ("{\"operations\": [{\"client\": 0, \"f\": \"\\x\", \"invoke\": 0}]}", Format::Json, 1, "expected an escape"),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"\\ud800\", \"invoke\": 0}]}",
        Format::Json,
        1,
        "without its low surrogate",
    ),
    (
        "{\"operations\": [{\"client\": 0, \"f\": \"write\", \"invoke\": 0, \"input\": tru}]}",
        Format::Json,
        1,
        "expected a JSON value, found 't'",
    ),
    (
        "{\"operations\": []}\n{\"operations\": []}",
        Format::Json,
        2,
        "expected the end of the input after the history's object, found '{'",
    ),
    ("{\"operations\": []", Format::Auto, 1, "the input ends inside the object opened on line 1 (expected '}')"),
    ("{\"operations\" []}", Format::Json, 1, "expected ':' after a field name, found '['"),
    ("{operations: []}", Format::Json, 1, "expected a field name in double quotes, found 'o'"),
    ("[1, 2]", Format::Json, 1, "expected a JSON object like {\"operations\": [...]}, found '['"),
    // ----- Jepsen log -----
    ("INFO  jepsen.util - 2\t:invoke\t:txn\t[3 0]", Format::Auto, 1, "unknown operation :txn"),
    (
        "log\nINFO  jepsen.util - 2\t:info\t:cas\t[3 0]",
        Format::Auto,
        2,
        "process 2 completes (:info :cas) with no invocation open",
    ),
    ("nothing to see\n", Format::JepsenLog, 1, "no Jepsen log operation lines found"),
];

#[test]
fn every_bad_input_names_its_line_and_what_was_expected() {
    let mut failures = Vec::new();
    for &(text, format, line, message) in CASES {
        match parse(text, format) {
            Ok(parsed) => failures.push(format!("{text:?} ({format}): parsed {:?}", parsed.history)),
            Err(e) => {
                if e.line != line || !e.message.contains(message) {
                    failures.push(format!("{text:?} ({format}): got `{e}`, want line {line} with `{message}`"));
                }
                let shown = e.to_string();
                assert!(shown.starts_with(&format!("line {}: ", e.line)) && !shown.contains('\n'), "{shown}");
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for (open, close) in [("[", "]"), ("(", ")"), ("#{", "}"), ("#_", ""), ("#tag ", "")] {
        let value = format!("{}1{}", open.repeat(100_000), close.repeat(100_000));
        let text = format!("{{:process 1 :type :invoke :f :write :value {value}}}");
        let e = parse(&text, Format::Edn).unwrap_err();
        assert!(e.message.contains("nested more than 64 levels deep"), "{open}: {e}");
    }
    let text = format!(
        "{{\"operations\": [{{\"client\": 0, \"f\": \"write\", \"invoke\": 0, \"input\": {}1{}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = parse(&text, Format::Json).unwrap_err();
    assert!(e.message.contains("nested more than 64 levels deep"), "{e}");
    // Some nesting is fine.
    let text = format!("{{:process 1 :type :invoke :f :write :value {}1{}}}", "[".repeat(40), "]".repeat(40));
    assert!(parse(&text, Format::Edn).is_ok());
}

#[test]
fn oversized_input_is_refused() {
    let text = " ".repeat(MAX_INPUT_BYTES + 1);
    for format in [Format::Auto, Format::Json, Format::Edn, Format::JepsenLog] {
        let e = parse(&text, format).unwrap_err();
        assert_eq!(e.to_string(), "line 1: the input is larger than 64 MiB");
    }
}

#[test]
fn long_quoted_text_is_cut_short() {
    let name = "x".repeat(10_000);
    let text = format!("{{:process 1 :type :invoke :f :{name}}}");
    let e = parse(&text, Format::Edn).unwrap_err();
    let shown = e.to_string();
    assert!(shown.starts_with("line 1: unknown operation :xxxx"), "{shown}");
    assert!(shown.chars().count() < 100, "{shown}");
}

/// Bank histories that parse but that the bank model refuses: the message
/// names the operation's line and what is wrong with it. (JSON text, then
/// the expected message.)
const BANK_CASES: &[(&str, &str)] = &[
    (
        "{\"initial\": [100, 100],\n \"operations\": [\n {\"client\": 0, \"f\": \"write\", \"input\": 1, \"invoke\": 0}]}",
        "line 3: the bank model has no `write` operation",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"read\", \"output\": [100, 100], \"invoke\": 0},\n{\"client\": 0, \"f\": \"transfer\", \"input\": [0, 1], \"invoke\": 1}]}",
        "line 3: a transfer takes [from to amount], three integers, not [0 1]",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"transfer\", \"input\": 5, \"invoke\": 1}]}",
        "line 2: a transfer takes [from to amount], three integers, not 5",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"transfer\", \"input\": [0, \"1\", 5], \"invoke\": 1}]}",
        "line 2: a transfer takes [from to amount], three integers, not [0 \"1\" 5]",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n\n{\"client\": 0, \"f\": \"transfer\", \"input\": [1, 1, 5], \"invoke\": 1}]}",
        "line 3: a transfer moves money between two accounts, not from account 1 to itself",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"transfer\", \"input\": [0, 2, 5], \"invoke\": 1}]}",
        "line 2: a transfer names account 2, which does not exist (the bank has 2 accounts, numbered from 0)",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"transfer\", \"input\": [0, 1, -5], \"invoke\": 1}]}",
        "line 2: a transfer's amount cannot be negative, not -5",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"transfer\", \"input\": [0, 1, 5], \"output\": null, \"invoke\": 1, \"complete\": 2}]}",
        "line 2: a transfer returns true (committed) or false (aborted), not nil",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"read\", \"invoke\": 0},\n{\"client\": 0, \"f\": \"transfer\", \"input\": [0, 1, 5], \"invoke\": 1, \"complete\": 2}]}",
        "line 3: a transfer that returned says whether it committed (true or false); one whose outcome is unknown never returned: give it no completion",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"transfer\", \"key\": 3, \"input\": [0, 1, 5], \"invoke\": 1}]}",
        "line 2: a bank `transfer` takes no key, not 3",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"read\", \"output\": [200], \"invoke\": 0, \"complete\": 1}]}",
        "line 2: a bank read returns the 2 accounts' balances, a list of 2 integers, not [200]",
    ),
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"read\", \"output\": 200, \"invoke\": 0, \"complete\": 1}]}",
        "line 2: a bank read returns the 2 accounts' balances, a list of 2 integers, not 200",
    ),
    // The balances themselves.
    (
        "{\"operations\": [\n{\"client\": 0, \"f\": \"read\", \"invoke\": 0}]}",
        "the bank model needs the accounts' initial balances: give --initial [100, 100, ...] or a history file with \"initial\"",
    ),
    (
        "{\"operations\": []}",
        "the bank model needs the accounts' initial balances: give --initial",
    ),
    (
        "{\"initial\": 100, \"operations\": []}",
        "the bank model needs the accounts' initial balances as a non-empty list of integers, not 100: give --initial",
    ),
    (
        "{\"initial\": [100, null], \"operations\": []}",
        "as a non-empty list of integers, not [100 nil]",
    ),
    // A syntax error is still the parser's, with its line.
    (
        "{\"initial\": [100, 100], \"operations\": [\n{\"client\": 0, \"f\": \"transfer\", \"input\": [0, 1, 1.5], \"invoke\": 1}]}",
        "line 2: the floating-point number 1.5 is not supported",
    ),
];

#[test]
fn malformed_bank_operations_name_their_line() {
    let mut failures = Vec::new();
    for &(text, expected) in BANK_CASES {
        match parse_for_model(text, Format::Auto, "bank", None) {
            Ok((parsed, _)) => failures.push(format!("{text:?}: accepted {:?}", parsed.history)),
            Err(e) if !e.contains(expected) || e.contains('\n') => {
                failures.push(format!("{text:?}: got `{e}`, want `{expected}`"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), BANK_CASES.len(), failures.join("\n"));
}
