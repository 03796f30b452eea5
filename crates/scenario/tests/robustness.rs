//! Hostile input: random bytes and damaged versions of valid scenarios and
//! links, 100,000 cases in all. Decoding must never panic, everything it
//! accepts must be valid and round-trip, and every refusal must be a short,
//! single-line message for people.
//!
//! The cases come from a fixed seed, so a failure names its case number and
//! replays exactly.

mod common;

use faultline_scenario::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

const SEED: u64 = 0x5eed_fa17_1e00_0001;
const JSON_CASES: usize = 70_000;
const URL_CASES: usize = 30_000;
/// Messages stay short whatever the input (no input text is echoed whole).
/// The longest legitimate one lists every action's name ("unknown action
/// ... (known: ...)", about 330 characters with 20 actions).
const MESSAGE_CHARS_MAX: usize = 400;

/// splitmix64: tiny, fast and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that sit on or past a boundary, or have the wrong type.
const ODD_VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "-0",
    "1.5",
    "-2.5",
    "1e3",
    "1e400",
    "-1e400",
    "0.0",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "-9223372036854775809",
    "1000",
    "1001",
    "100000001",
    "true",
    "false",
    "null",
    "\"\"",
    "\"x\"",
    "\"1\"",
    "[]",
    "{}",
    "[[0], [0]]",
    "[[99]]",
    "[1, 2]",
    "{\"a\": 1}",
];

/// Names the format uses, to swap one for another.
const NAMES: &[&str] = &[
    "version",
    "name",
    "description",
    "seed",
    "protocol",
    "network",
    "workload",
    "limits",
    "actions",
    "at_tick",
    "action",
    "node",
    "ticks",
    "islands",
    "from",
    "to",
    "message",
    "timer",
    "client",
    "operation",
    "key",
    "value",
    "nodes",
    "clients",
    "keys",
    "delay_ticks_min",
    "delay_ticks_max",
    "loss_per_mille",
    "think_ticks_min",
    "read_per_mille",
    "append_per_mille",
    "timeout_ticks",
    "ticks_max",
    "primary-backup",
    "raft",
    "election_timeout_ticks_min",
    "election_timeout_ticks_max",
    "heartbeat_ticks",
    "reads",
    "variant",
    "initial",
    "term",
    "voted_for",
    "log",
    "any-node",
    "correct",
    "vote-without-log-check",
    "no-step-down",
    "crash",
    "crash-stop",
    "restart",
    "pause",
    "partition",
    "heal",
    "isolate",
    "cut-link",
    "drop-message",
    "delay-message",
    "fire-timer",
    "client-request",
    "add-node",
    "remove-node",
    "read",
    "write",
    "append",
    "two-phase-commit",
    "resource_managers",
    "accounts_per_resource_manager",
    "initial_balance",
    "transfer_amount_max",
    "cooperative_termination",
    "volatile-vote",
    "transfer",
    "read-balances",
    "amount",
    "",
    "\\u0000",
    "\\ud800",
    "\\n",
    "é✓",
    "Some(",
    "a\\\"b",
];

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\n",
    "\"version\"",
    "\"seed\"",
    "\"protocol\"",
    "\"actions\"",
    "\"action\"",
    "\"node\"",
    "\"crash\"",
    "\"heal\"",
    "\"raft\"",
    "\"term\"",
    "\"voted_for\"",
    "\"log\"",
    "1",
    "0",
    "-1",
    "1.5",
    "1e999",
    "null",
    "true",
    "\"",
    "\\",
    "\"\\u0000\"",
];

fn base_inputs() -> Vec<String> {
    let every_action = common::every_action_scenario();
    let raft = common::raft_scenario();
    let two_phase_commit = common::two_phase_commit_scenario();
    let mut inputs: Vec<String> = common::static_scenarios().into_iter().map(|(_, text)| text).collect();
    for scenario in [every_action, raft, two_phase_commit] {
        inputs.push(to_json_pretty(&scenario));
        inputs.push(to_json_compact(&scenario));
    }
    inputs
}

/// One to three damaging edits of `text`.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(10) {
            0 => {
                if let Some(byte) = bytes.get_mut(at) {
                    *byte ^= 1 << rng.below(8);
                }
            }
            1 => bytes.insert(at, rng.next() as u8),
            2 => {
                let token = rng.pick(TOKENS).as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + 1 + rng.below(8)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            4 => bytes.truncate(at),
            5 => {
                let value = *rng.pick(ODD_VALUES);
                replace_one_of(rng, &mut bytes, number_spans, value);
            }
            6 => {
                let name = format!("\"{}\"", rng.pick(NAMES));
                replace_one_of(rng, &mut bytes, string_spans, &name);
            }
            // Wrong types: a number, list, object... where text was.
            7 => {
                let value = *rng.pick(ODD_VALUES);
                replace_one_of(rng, &mut bytes, string_spans, value);
            }
            8 => swap_lines(rng, &mut bytes),
            _ => duplicate_line(rng, &mut bytes),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Where the numbers are: runs of digits.
fn number_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            spans.push((start, i));
        }
        i += 1;
    }
    spans
}

/// Where the string literals are, quotes included.
fn string_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            spans.push((start, (i + 1).min(bytes.len())));
        }
        i += 1;
    }
    spans
}

fn replace_one_of(rng: &mut Rng, bytes: &mut Vec<u8>, spans_of: fn(&[u8]) -> Vec<(usize, usize)>, with: &str) {
    let spans = spans_of(bytes);
    if !spans.is_empty() {
        let (start, end) = *rng.pick(&spans);
        bytes.splice(start..end, with.bytes());
    }
}

fn lines(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    spans.push((start, bytes.len()));
    spans
}

fn swap_lines(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let spans = lines(bytes);
    let (a, b) = (*rng.pick(&spans), *rng.pick(&spans));
    let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    if first == second {
        return;
    }
    let mut swapped = bytes[..first.0].to_vec();
    swapped.extend_from_slice(&bytes[second.0..second.1]);
    swapped.extend_from_slice(&bytes[first.1..second.0]);
    swapped.extend_from_slice(&bytes[first.0..first.1]);
    swapped.extend_from_slice(&bytes[second.1..]);
    *bytes = swapped;
}

fn duplicate_line(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let (start, end) = *rng.pick(&lines(bytes));
    let line = bytes[start..end].to_vec();
    bytes.splice(end..end, line);
}

fn random_bytes(rng: &mut Rng) -> String {
    let len = rng.below(64);
    let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn token_soup(rng: &mut Rng) -> String {
    (0..rng.below(40)).map(|_| *rng.pick(TOKENS)).collect()
}

/// Why `error` would not help a person, if it would not.
fn message_problem(error: &ScenarioError) -> Option<&'static str> {
    let text = error.to_string();
    if error.message.is_empty() {
        return Some("empty message");
    }
    if text.chars().count() > MESSAGE_CHARS_MAX {
        return Some("message too long");
    }
    if text.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}') {
        return Some("message not on one line");
    }
    let own_words = without_quotes(&text);
    if ["Some(", "None", "Error {", "Error(", "Ok(", "Err(", "`"].iter().any(|noise| own_words.contains(noise)) {
        return Some("Rust debug noise in message");
    }
    if error.line.is_some() != error.column.is_some() {
        return Some("line without column");
    }
    None
}

/// `text` without its quoted parts, which repeat the input and may hold anything.
fn without_quotes(text: &str) -> String {
    let mut kept = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            kept.push(c);
            continue;
        }
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
    }
    kept
}

/// Runs one case and checks its outcome; panics with the case's identity.
fn check(case: &str, input: &str, decode: fn(&str) -> Result<Scenario, ScenarioError>) {
    let shown: String = input.chars().take(300).collect();
    let outcome = catch_unwind(AssertUnwindSafe(|| decode(input)))
        .unwrap_or_else(|_| panic!("{case} (seed {SEED:#x}) panicked on input {shown:?}"));
    match outcome {
        Ok(scenario) => {
            assert_eq!(validate(&scenario), Ok(()), "{case}: accepted an invalid scenario from {shown:?}");
            assert_eq!(
                from_json(&to_json_pretty(&scenario)).as_ref(),
                Ok(&scenario),
                "{case}: accepted {shown:?} but it does not round-trip"
            );
        }
        Err(error) => {
            if let Some(problem) = message_problem(&error) {
                panic!("{case} (seed {SEED:#x}): {problem}: {error:?}\n  input: {shown:?}");
            }
        }
    }
}

#[test]
fn the_json_decoder_survives_hostile_input() {
    let bases = base_inputs();
    let mut rng = Rng(SEED);
    for case in 0..JSON_CASES {
        let input = match rng.below(20) {
            0..=2 => random_bytes(&mut rng),
            3..=5 => token_soup(&mut rng),
            _ => {
                let base = rng.pick(&bases).clone();
                mutate(&mut rng, &base)
            }
        };
        check(&format!("json case {case}"), &input, from_json);
    }
}

#[test]
fn the_url_decoder_survives_hostile_input() {
    let bases = base_inputs();
    let fragments: Vec<String> = bases.iter().map(|text| to_url_fragment(&from_json(text).unwrap())).collect();
    let mut rng = Rng(SEED ^ 0x0u64.wrapping_sub(1));
    for case in 0..URL_CASES {
        let input = match rng.below(10) {
            // A damaged link: the text of a valid one, edited.
            0..=4 => {
                let fragment = rng.pick(&fragments).clone();
                mutate(&mut rng, &fragment)
            }
            // A well-formed link to damaged JSON, which gets past the
            // base64 and deflate layers.
            5..=6 => {
                let base = rng.pick(&bases).clone();
                common::fragment_for(mutate(&mut rng, &base).as_bytes())
            }
            7 => {
                let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
                common::fragment_for(&bytes)
            }
            8 => {
                const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                let data: String = (0..rng.below(200)).map(|_| char::from(*rng.pick(ALPHABET))).collect();
                format!("s=1.{data}")
            }
            _ => random_bytes(&mut rng),
        };
        check(&format!("url case {case}"), &input, from_url_fragment);
    }
}
