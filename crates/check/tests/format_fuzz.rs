//! Random and mutated inputs through every parser: no panic, and every
//! error is one short line that starts with its line number.
//!
//! Deterministic (splitmix64 from a fixed seed). `FORMAT_FUZZ_INPUTS=N`
//! runs N inputs instead of the default 30,000, `FORMAT_FUZZ_SEED=S` starts
//! from another seed.

use faultline_check::format::{parse, to_json, Format, ParsedHistory};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}

const SEED_BYTES: usize = 3 * 1024;

const FILES: &[&str] = &[
    "porcupine-kv/c01-ok.txt",
    "porcupine-kv/c10-bad.txt",
    "knossos/cas-register/bad/rethink-fail-smaller.edn",
    "knossos/cas-register/bad/cas-failure.edn",
    "knossos/cas-register/bad/bad-analysis.edn",
    "knossos/cas-register/good/memstress3-0.edn",
    "knossos/cas-register/good/mongodb-v0-ack-rollback-.edn",
    "knossos/multi-register/good/multi-register.edn",
    "knossos/mutex/bad/etcd.edn",
];

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
INFO  jepsen.util - 4\t:invoke\t:read\tnil
INFO  jepsen.util - 4\t:fail\t:read\t:timed-out
INFO  jepsen.util - 5\t:invoke\t:write\t2
INFO  jepsen.util - 5\t:info\t:write\t:timed-out
INFO  jepsen.util - 6\t:invoke\t:write\t3
INFO  jepsen.util - 6\t:fail\t:write\t3\t:error
";

const JSON: &str = r#"{"initial": [0, "a"], "operations": [
  {"client": 0, "f": "write", "key": 0, "input": 5, "output": null, "invoke": 34, "complete": 63},
  {"client": 1, "f": "read", "key": "k\u00e9\n", "output": [1, true, null], "invoke": 39, "complete": 59},
  {"client": 2, "f": "cas", "key": 0, "input": [1, 2], "output": false, "invoke": 40, "complete": null},
  {"client": 3, "f": "read", "key": 0, "invoke": 41}
]}
"#;

const EDN: &str = r#"; odds and ends
({:process 1, :type :invoke, :f :put, :key [:x 1], :value "a\"b\\c\n\u00e9", :time #inst "2015-01-01"}
 #_ {:process 99 :type :nonsense}
 {:process 1, :type :ok, :f :put, :key [:x 1], :value nil, :error [:timeout 1/2 ##Inf 1.5 \a \newline]}
 {:process 2N, :type :invoke, :f :enqueue, :key :k, :value #{1 2}}
 {:process 2, :type :info, :f :enqueue, :key :k}
 {:process :nemesis, :type :info, :f :start, :value "Cut off {:n1 #{:n2}}"})
"#;

/// Fragments worth inserting: the syntax of every format.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "#{",
    "#_",
    "#inst ",
    "##NaN",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    ":",
    ";",
    ",",
    "\n",
    "\t",
    "\r\n",
    " - ",
    "-",
    "0",
    "-1",
    "1.5",
    "1e9",
    "99999999999999999999999",
    "nil",
    "null",
    "true",
    ":invoke",
    ":ok",
    ":fail",
    ":info",
    ":process",
    ":nemesis",
    ":f",
    ":txn",
    ":read",
    ":cas",
    ":value",
    "\"f\": ",
    "\"client\": ",
    "\"complete\": -1",
    "é",
    "\u{feff}",
    "\u{0}",
    "😀",
];

fn seeds() -> Vec<String> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/histories"));
    let mut seeds = vec![LOG.to_string(), JSON.to_string(), EDN.to_string()];
    // The simulator's JSON, as `to_json` writes it.
    let porcupine = std::fs::read_to_string(dir.join("porcupine-kv/c01-bad.txt")).unwrap();
    let mut history = parse(&porcupine, Format::Edn).unwrap().history;
    history.operations.truncate(20);
    seeds.push(to_json(&history));
    for file in FILES {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        seeds.push(first_events(&text));
    }
    seeds
}

/// The events in about the first `SEED_BYTES` of a history, ending at a
/// line that closes a map, with the vector or list closed again.
fn first_events(text: &str) -> String {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        if end + line.len() > SEED_BYTES {
            break;
        }
        end += line.len();
    }
    let mut head = text[..end].trim_end().to_string();
    while !head.is_empty() && !head.ends_with('}') {
        head.truncate(head.rfind('\n').unwrap_or(0));
    }
    let opener = text.lines().map(str::trim_start).find(|l| !l.is_empty() && !l.starts_with(';'));
    match opener.and_then(|l| l.chars().next()) {
        Some('[') => head.push_str("]\n"),
        Some('(') => head.push_str(")\n"),
        _ => head.push('\n'),
    }
    head
}

fn mutate(rng: &mut SplitMix64, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mutations = match rng.below(20) {
        0..=11 => 1,
        12..=16 => 2,
        _ => 3 + rng.below(2),
    };
    for _ in 0..mutations {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(9) {
            // Flip a byte.
            0 if len > 0 => {
                let i = rng.below(len);
                bytes[i] = if rng.below(2) == 0 { bytes[i] ^ (1 << rng.below(8)) } else { rng.next() as u8 };
            }
            // Truncate.
            1 => bytes.truncate(at),
            // Insert a token or a random byte.
            2 | 3 => {
                let inserted: Vec<u8> =
                    if rng.below(4) == 0 { vec![rng.next() as u8] } else { rng.pick(TOKENS).as_bytes().to_vec() };
                bytes.splice(at..at, inserted);
            }
            // Delete a range.
            4 => {
                let end = (at + 1 + rng.below(16)).min(len);
                if at < end {
                    bytes.drain(at..end);
                }
            }
            // Remove a bracket (or a quote).
            5 => {
                let brackets: Vec<usize> = bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| matches!(b, b'[' | b']' | b'{' | b'}' | b'(' | b')' | b'"'))
                    .map(|(i, _)| i)
                    .collect();
                if !brackets.is_empty() {
                    bytes.remove(*rng.pick(&brackets));
                }
            }
            // Duplicate a range.
            6 => {
                let end = (at + rng.below(64)).min(len);
                let copy = bytes[at..end].to_vec();
                let to = rng.below(len + 1);
                bytes.splice(to..to, copy);
            }
            // Change a digit (keeps the structure, changes the values).
            7 => {
                let digits: Vec<usize> =
                    bytes.iter().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i).collect();
                if !digits.is_empty() {
                    bytes[*rng.pick(&digits)] = b'0' + rng.below(10) as u8;
                }
            }
            // Swap two lines.
            _ => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = text.split('\n').collect();
                if lines.len() > 1 {
                    let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(a, b);
                }
                bytes = lines.join("\n").into_bytes();
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A short random text from the formats' alphabet.
fn random_text(rng: &mut SplitMix64) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(60) {
        if rng.below(3) == 0 {
            text.push(char::from(b' ' + rng.below(95) as u8));
        } else {
            text.push_str(rng.pick::<&str>(TOKENS));
        }
    }
    text
}

fn check_result(
    text: &str,
    format: Format,
    result: &Result<ParsedHistory, faultline_check::format::ParseError>,
) -> Result<(), String> {
    let last_line = text.matches('\n').count() + 1;
    match result {
        Ok(parsed) => {
            let ops = &parsed.history.operations;
            if parsed.format == Format::Auto {
                return Err("the format used is Auto".into());
            }
            if format != Format::Auto && parsed.format != format {
                return Err(format!("asked for {format}, used {}", parsed.format));
            }
            if parsed.lines.len() != ops.len() {
                return Err("one line per operation".into());
            }
            if parsed.lines.iter().any(|&l| l == 0 || l > last_line) {
                return Err(format!("an operation's line is outside 1..={last_line}: {:?}", parsed.lines));
            }
            if let Some(op) = ops.iter().find(|op| op.complete.is_some_and(|c| c < op.invoke)) {
                return Err(format!("completed before invoked: {op:?}"));
            }
            Ok(())
        }
        Err(e) => {
            let shown = e.to_string();
            if !shown.starts_with("line ") || shown.contains(['\n', '\r']) || shown.chars().count() >= 300 {
                return Err(format!("badly shaped error: {shown:?}"));
            }
            if e.message.trim().is_empty() {
                return Err("empty message".into());
            }
            if e.line == 0 || e.line > last_line {
                return Err(format!("error line {} is outside 1..={last_line}: {shown}", e.line));
            }
            Ok(())
        }
    }
}

#[test]
fn fuzzed_inputs_never_panic_and_errors_are_one_short_line() {
    let count: usize = std::env::var("FORMAT_FUZZ_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(30_000);
    let seeds = seeds();
    let seed = std::env::var("FORMAT_FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0x5EED_F0A7_11E5);
    let mut rng = SplitMix64(seed);
    let formats = [Format::Auto, Format::Json, Format::Edn, Format::JepsenLog];
    let mut parsed = [0usize; 4];
    let mut failed = [0usize; 4];
    for seed in &seeds {
        for format in formats {
            let result = parse(seed, format);
            check_result(seed, format, &result).unwrap();
        }
    }
    let valid = seeds.iter().filter(|seed| parse(seed, Format::Auto).is_ok()).count();
    assert_eq!(valid, seeds.len() - 1, "every seed but the multi-register's parses");
    for index in 0..count {
        let text = if index % 10 == 0 {
            random_text(&mut rng)
        } else {
            let seed = rng.pick(&seeds).clone();
            let mut text = mutate(&mut rng, &seed);
            // Now and then, mutate a mutant.
            if rng.below(4) == 0 {
                text = mutate(&mut rng, &text);
            }
            text
        };
        for (f, &format) in formats.iter().enumerate() {
            let result = catch_unwind(AssertUnwindSafe(|| parse(&text, format)))
                .unwrap_or_else(|_| panic!("input {index} panicked with format {format}: {text:?}"));
            if let Err(why) = check_result(&text, format, &result) {
                panic!("input {index} with format {format}: {why}\ninput: {text:?}");
            }
            match result {
                Ok(_) => parsed[f] += 1,
                Err(_) => failed[f] += 1,
            }
        }
    }
    eprintln!("{count} inputs; parsed/failed per format (auto, json, edn, jepsen-log): {parsed:?} / {failed:?}");
    // The mutations keep a fair share of the inputs valid.
    assert!(parsed.iter().all(|&p| p > count / 200), "{parsed:?}");
}
