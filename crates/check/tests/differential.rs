//! Differential test: the checker against an independent brute-force
//! oracle (tests/oracle), on random small histories of every model (a
//! set's with adds and removes; the bank's with two to three accounts,
//! transfers that commit when they can and now and then abort anyway,
//! saying which whenever they return, and reads that are stale, split the
//! money wrongly, or create or destroy it).
//!
//! Each history has 1–8 operations from 1–4 sequential clients with random
//! overlaps and ties, outputs mostly from a real execution and sometimes
//! corrupted or unknown, and operations that never returned (only as a
//! client's last). The verdicts must agree; a witness must be a real
//! linearization, and an explanation's minimal sub-history must fail and,
//! when it claims to be, be 1-minimal. Every fourth history is "heavy":
//! more never-returned operations and longer overlaps.
//!
//! `FAULTLINE_DIFF_CASES` overrides the cases per model (default 10,000).
//! Run with `--nocapture` to see the per-model summary lines.
//!
//! Sequential consistency (`differential_sequential_consistency`): the
//! same generator, every third history with each client's timeline shifted
//! by its own offset (program order kept, real time across clients
//! scrambled), against `oracle::sequentially_consistent`; the checker must
//! answer `Holds` exactly when the oracle does (`Unknown` fails), directly
//! and through `WeakerModels::decide`, and linearizable must imply
//! sequentially consistent (by the oracle and by the checker) except where
//! a never-returned operation is followed by more of its client's
//! operations. An eighth run, kv-cross-key, aims at SC not being
//! compositional across keys. `FAULTLINE_SC_CASES` overrides its cases per
//! run (default 4,000).
//!
//! Session guarantees (`differential_session_guarantees_are_certain`): a
//! violation of read-your-writes or monotonic reads is never claimed for a
//! history the oracle finds linearizable (registers, kv, counters, sets),
//! nor, for a counter, one it finds sequentially consistent.

mod oracle;

use faultline_check::consistency::sequentially_consistent;
use faultline_check::{
    check, Decision, Function, History, Operation, Value, Verdict, WeakerModels, DEFAULT_BUDGET_STEPS,
};
use oracle::{Kind, Spec, State};
use std::time::Instant;

// ----- deterministic randomness ------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// splitmix64
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn text(s: &str) -> Value {
    Value::Str(s.to_string())
}

// ----- the generator ---------------------------------------------------------

/// Per model: percent of observable outputs (or, for the lock, of calls)
/// corrupted, tuned so both verdicts are common.
fn corruption_percent(kind: Kind) -> u64 {
    match kind {
        Kind::Register => 50,
        Kind::CasRegister => 30,
        Kind::Kv => 55,
        Kind::Counter => 48,
        Kind::Set => 45,
        Kind::Queue => 48,
        Kind::Lock => 9,
        Kind::Bank => 30,
    }
}

/// A random call, a little biased by the state so real executions stay
/// interesting (a lock is mostly acquired when free).
fn random_call(kind: Kind, rng: &mut Rng, state: &State, keys: u64) -> (Function, Option<Value>, Value) {
    use Function::*;
    match kind {
        Kind::Register => {
            if rng.chance(50) {
                (Read, None, Value::Nil)
            } else {
                (Write, None, int(1 + rng.below(3) as i64))
            }
        }
        Kind::CasRegister => match rng.below(10) {
            0..=3 => (Read, None, Value::Nil),
            4..=5 => (Write, None, int(rng.below(3) as i64)),
            _ => {
                let expected = if rng.chance(15) { Value::Nil } else { int(rng.below(3) as i64) };
                (Cas, None, Value::List(vec![expected, int(rng.below(3) as i64)]))
            }
        },
        Kind::Kv => {
            let key = Some(int(1 + rng.below(keys) as i64));
            match rng.below(10) {
                0..=3 => (if rng.chance(10) { Read } else { Get }, key, Value::Nil),
                4..=6 => {
                    let value = if rng.chance(10) { int(7) } else { rng.pick(&[text("a"), text("b")]) };
                    (if rng.chance(10) { Write } else { Put }, key, value)
                }
                _ => (Append, key, rng.pick(&[text("x"), text("y")])),
            }
        }
        Kind::Counter => {
            if rng.chance(40) {
                (Read, None, Value::Nil)
            } else {
                (Add, None, rng.pick(&[int(1), int(1), int(2), int(-1)]))
            }
        }
        Kind::Set => match rng.below(10) {
            0..=3 => (Read, None, Value::Nil),
            4..=7 => (Add, None, int(1 + rng.below(3) as i64)),
            _ => (Remove, None, int(1 + rng.below(3) as i64)),
        },
        Kind::Queue => {
            if rng.chance(50) {
                (Dequeue, None, Value::Nil)
            } else {
                (Enqueue, None, int(1 + rng.below(3) as i64))
            }
        }
        Kind::Lock => {
            let held = matches!(state, State::Lock(true));
            let sensible = if held { Release } else { Acquire };
            let other = if held { Acquire } else { Release };
            (if rng.chance(85) { sensible } else { other }, None, Value::Nil)
        }
        Kind::Bank => {
            let State::Bank(balances) = state else { panic!("a bank's state is balances") };
            if rng.chance(40) {
                (Read, None, Value::Nil)
            } else {
                let accounts = balances.len() as u64;
                let from = rng.below(accounts);
                let to = (from + 1 + rng.below(accounts - 1)) % accounts;
                let amount = rng.pick(&[0, 10, 20, 30, 30, 50]);
                (Transfer, None, Value::List(vec![int(from as i64), int(to as i64), int(amount)]))
            }
        }
    }
}

/// Values an observable output could plausibly have been: what the object
/// held at some time (so a corrupted read is often merely stale).
fn observed_values(spec: &Spec, state: &State, seen: &mut Vec<Value>) {
    let mut note = |v: Value| {
        if !seen.contains(&v) {
            seen.push(v);
        }
    };
    match state {
        State::Register(v) => note(v.clone()),
        State::Kv(entries) => {
            note(spec.initial.clone());
            for (_, v) in entries {
                note(v.clone());
            }
        }
        State::Counter(total) => note(int(*total)),
        State::Queue(items) => {
            note(Value::Nil);
            for v in items {
                note(v.clone());
            }
        }
        State::Bank(balances) => note(Value::List(balances.iter().map(|&b| int(b)).collect())),
        State::Set(_) | State::Lock(_) => {}
    }
}

/// A wrong-ish output in place of `truth`.
fn corrupt(kind: Kind, rng: &mut Rng, truth: &Value, seen: &[Value]) -> Value {
    match (kind, truth) {
        (Kind::CasRegister | Kind::Bank, Value::Bool(b)) => Value::Bool(!b),
        (Kind::Bank, Value::List(balances)) => {
            let mut balances = oracle::integers(&Value::List(balances.clone()));
            match rng.below(10) {
                // Stale, or from the future.
                0..=4 => return rng.pick(seen),
                // Money moved between the wrong accounts: the total holds.
                5..=7 => {
                    let from = rng.below(balances.len() as u64) as usize;
                    let to = (from + 1) % balances.len();
                    balances[from] -= 10;
                    balances[to] += 10;
                }
                // A transfer half-applied: money created or destroyed.
                _ => {
                    let account = rng.below(balances.len() as u64) as usize;
                    balances[account] += rng.pick(&[-30, -10, 10, 20]);
                }
            }
            Value::List(balances.into_iter().map(int).collect())
        }
        (Kind::Set, Value::List(members)) => {
            if rng.chance(50) {
                // Toggle one value's membership.
                let v = int(1 + rng.below(3) as i64);
                let mut list: Vec<Value> = members.iter().filter(|&m| *m != v).cloned().collect();
                if !members.contains(&v) {
                    list.push(v);
                }
                Value::List(list)
            } else {
                Value::List((1..=3).filter(|_| rng.chance(50)).map(int).collect())
            }
        }
        (Kind::Counter, Value::Int(total)) => {
            if rng.chance(50) {
                rng.pick(seen)
            } else {
                int(total + rng.pick(&[-1, 1, 2]))
            }
        }
        (Kind::Register | Kind::CasRegister, _) => {
            if rng.chance(70) {
                rng.pick(seen)
            } else {
                rng.pick(&[Value::Nil, int(0), int(1), int(2), int(3)])
            }
        }
        (Kind::Kv, _) => {
            if rng.chance(80) {
                rng.pick(seen)
            } else {
                rng.pick(&[text(""), text("a"), text("x"), text("ax"), text("xy"), Value::Nil])
            }
        }
        (Kind::Queue, _) => {
            if rng.chance(60) {
                rng.pick(seen)
            } else {
                rng.pick(&[Value::Nil, int(1), int(2), int(3)])
            }
        }
        (kind, truth) => panic!("no corruption for {kind:?} {truth:?}"),
    }
}

/// Whether the model checks this function's output.
fn observable(function: Function) -> bool {
    matches!(function, Function::Read | Function::Get | Function::Cas | Function::Dequeue | Function::Transfer)
}

struct Slot {
    client: u64,
    invoke: u64,
    complete: Option<u64>,
    /// When it takes effect in the real execution (`None`: never).
    point: Option<u64>,
}

/// A random history of one model: (spec, history). `heavy`: more
/// never-returned operations and longer, more overlapping intervals.
fn generate(kind: Kind, seed: u64, heavy: bool) -> (Spec, History) {
    let mut rng = Rng::new(seed);
    let (pending_percent, longest) = if heavy { (55, 9) } else { (15, 5) };
    let initial = match kind {
        Kind::Register => rng.pick(&[Value::Nil, int(0)]),
        Kind::CasRegister => rng.pick(&[int(0), int(0), Value::Nil]),
        Kind::Kv => rng.pick(&[text(""), text(""), Value::Nil, text("a")]),
        Kind::Bank => {
            let balances: &[i64] = rng.pick(&[&[50, 50][..], &[100, 0, 50], &[30, 30, 30], &[0, 40]]);
            Value::List(balances.iter().map(|&b| int(b)).collect())
        }
        _ => Value::Nil,
    };
    let spec = Spec { kind, initial };
    let keys = 1 + rng.below(2);
    let n = 1 + rng.below(8) as usize;
    let clients = 1 + rng.below(4);

    // Intervals: each client's operations one after another.
    let client_of: Vec<u64> = (0..n).map(|_| rng.below(clients)).collect();
    let mut slots = Vec::new();
    for client in 0..clients {
        let count = client_of.iter().filter(|&&c| c == client).count();
        let mut t = rng.below(4);
        for j in 0..count {
            let invoke = t + rng.below(3);
            if j + 1 == count && rng.chance(pending_percent) {
                let point = if rng.chance(50) { Some(invoke + rng.below(longest + 1)) } else { None };
                slots.push(Slot { client, invoke, complete: None, point });
            } else {
                let duration = rng.below(longest);
                let complete = invoke + duration;
                slots.push(Slot {
                    client,
                    invoke,
                    complete: Some(complete),
                    point: Some(invoke + rng.below(duration + 1)),
                });
                t = complete + 1;
            }
        }
    }

    // The real execution: calls chosen in point order, ties broken at random.
    let mut effective: Vec<(u64, u64, usize)> =
        slots.iter().enumerate().filter_map(|(i, s)| s.point.map(|p| (p, rng.next(), i))).collect();
    effective.sort();
    let mut state = spec.init();
    let mut seen = Vec::new();
    observed_values(&spec, &state, &mut seen);
    // Per slot: function, key, input, and the output of the real execution.
    type Call = (Function, Option<Value>, Value, Value);
    let mut calls: Vec<Option<Call>> = vec![None; slots.len()];
    for &(_, _, i) in &effective {
        let (function, key, input) = random_call(kind, &mut rng, &state, keys);
        // A bank transfer aborts when it cannot commit, and now and then
        // when it could (a conflict, say).
        let aborts = kind == Kind::Bank && function == Function::Transfer && rng.chance(15);
        let truth = match spec.effect(&state, function, &key, &input) {
            Ok((next, output)) if !aborts => {
                state = next;
                output
            }
            _ if kind == Kind::Bank => Some(Value::Bool(false)),
            Ok(_) => unreachable!("only transfers abort"),
            Err(()) => None, // an impossible lock call: the history will fail
        };
        observed_values(&spec, &state, &mut seen);
        calls[i] = Some((function, key, input, truth.unwrap_or(Value::Nil)));
    }
    for call in calls.iter_mut().filter(|c| c.is_none()) {
        let (function, key, input) = random_call(kind, &mut rng, &state, keys);
        *call = Some((function, key, input, Value::Nil));
    }

    let corruption = corruption_percent(kind);
    let mut operations: Vec<Operation> = slots
        .iter()
        .zip(calls)
        .map(|(slot, call)| {
            let (mut function, key, input, truth) = call.unwrap();
            let output = if slot.complete.is_none() {
                None
            } else if observable(function) {
                // A bank transfer that returned says whether it committed:
                // one of unknown outcome is one that never returned.
                let may_be_unknown = !(kind == Kind::Bank && function == Function::Transfer);
                match rng.below(100) {
                    p if p < 10 && may_be_unknown => None,
                    p if p < 10 => Some(truth),
                    p if p < 10 + corruption => Some(corrupt(kind, &mut rng, &truth, &seen)),
                    _ => Some(truth),
                }
            } else {
                if kind == Kind::Lock && rng.chance(corruption) {
                    function = if function == Function::Acquire { Function::Release } else { Function::Acquire };
                }
                if rng.chance(5) {
                    None
                } else {
                    Some(Value::Nil)
                }
            };
            // A set read lists members in any order, sometimes twice.
            let output = match output {
                Some(Value::List(mut members)) if kind == Kind::Set => {
                    rng.shuffle(&mut members);
                    if !members.is_empty() && rng.chance(10) {
                        let again = rng.pick(&members);
                        members.push(again);
                    }
                    Some(Value::List(members))
                }
                other => other,
            };
            Operation {
                client: slot.client,
                function,
                key,
                input,
                output,
                invoke: slot.invoke,
                complete: slot.complete,
            }
        })
        .collect();
    if rng.chance(50) {
        rng.shuffle(&mut operations);
    }
    // Only histories the checker would be given: the formats and the CLI
    // refuse operations the model does not accept.
    let model = spec.model_spec();
    for operation in &operations {
        if let Err(why) = model.accepts(operation) {
            panic!("the generator made an operation the {} model refuses: {why}: {operation:?}", kind.name());
        }
    }
    (spec, History::new(operations))
}

// ----- comparison --------------------------------------------------------------

fn show(history: &History) -> String {
    let mut out = String::new();
    for (i, op) in history.operations.iter().enumerate() {
        let complete = op.complete.map_or("never".to_string(), |c| c.to_string());
        let key = op.key.as_ref().map_or(String::new(), |k| format!(" key {k}"));
        let output = op.output.as_ref().map_or("unknown".to_string(), |o| o.to_string());
        out.push_str(&format!(
            "    #{i} [{}, {complete}] client {} {}{key} {} -> {output}\n",
            op.invoke, op.client, op.function, op.input
        ));
    }
    out
}

/// The checker's verdict, or its panic message.
fn checker_verdict(spec: &Spec, history: &History) -> Result<Verdict, String> {
    let model = spec.model_spec();
    std::panic::catch_unwind(
        || faultline_check::with_model!(&model, m => check(m, history.clone(), DEFAULT_BUDGET_STEPS, || None)),
    )
    .map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("the checker panicked: {message}")
    })
}

/// Ok(verdict) when the checker agrees with the oracle and its witness or
/// explanation holds up; Err(why) otherwise.
fn compare(spec: &Spec, history: &History) -> Result<bool, String> {
    let ops = &history.operations;
    let expected = oracle::linearizable(spec, ops);
    let verdict = checker_verdict(spec, history)?;
    match (&verdict, expected) {
        (Verdict::Linearizable(witness), true) => oracle::check_witness(spec, ops, witness)
            .map(|()| true)
            .map_err(|why| format!("bad witness: {why}\n  checker: {verdict:?}")),
        (Verdict::NotLinearizable(explanation), false) => oracle::check_explanation(spec, ops, explanation)
            .map(|()| false)
            .map_err(|why| format!("bad explanation: {why}\n  checker: {verdict:?}")),
        (Verdict::Linearizable(witness), false) => {
            let why =
                oracle::check_witness(spec, ops, witness).err().unwrap_or_else(|| "(the witness checks out!)".into());
            Err(format!("checker: linearizable, oracle: not linearizable; witness: {why}\n  checker: {verdict:?}"))
        }
        (Verdict::NotLinearizable(_), true) => {
            Err(format!("checker: not linearizable, oracle: linearizable\n  checker: {verdict:?}"))
        }
        (Verdict::Unknown(_), _) => {
            Err(format!("checker: unknown, oracle: linearizable={expected}\n  checker: {verdict:?}"))
        }
    }
}

/// Drop operations one at a time while the disagreement persists.
fn shrink(spec: &Spec, history: &History) -> History {
    let mut current = history.clone();
    'outer: loop {
        for skip in 0..current.operations.len() {
            let mut fewer = current.clone();
            fewer.operations.remove(skip);
            if compare(spec, &fewer).is_err() {
                current = fewer;
                continue 'outer;
            }
        }
        return current;
    }
}

fn cases_per_model() -> u64 {
    std::env::var("FAULTLINE_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

fn differential(kind: Kind, model_index: u64) {
    let cases = cases_per_model();
    let start = Instant::now();
    let (mut linearizable, mut not_linearizable) = (0u64, 0u64);
    let (mut with_ties, mut with_pending, mut with_unknown, mut with_two_keys) = (0u64, 0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    for case in 0..cases {
        let seed = (model_index << 40) ^ case.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let (spec, history) = generate(kind, seed, case % 4 == 3);
        let ops = &history.operations;
        if ops.iter().any(|a| ops.iter().any(|b| a.client != b.client && a.complete == Some(b.invoke))) {
            with_ties += 1;
        }
        if ops.iter().any(|o| o.complete.is_none()) {
            with_pending += 1;
        }
        if ops.iter().any(|o| o.complete.is_some() && o.output.is_none()) {
            with_unknown += 1;
        }
        if ops.iter().any(|a| a.key.is_some() && ops.iter().any(|b| b.key.is_some() && a.key != b.key)) {
            with_two_keys += 1;
        }
        match compare(&spec, &history) {
            Ok(true) => linearizable += 1,
            Ok(false) => not_linearizable += 1,
            Err(why) => failures.push((case, spec, history, why)),
        }
    }
    let pct = |n: u64| 100.0 * n as f64 / cases.max(1) as f64;
    let keys = if kind == Kind::Kv { format!(", two keys {:.0}%", pct(with_two_keys)) } else { String::new() };
    println!(
        "{:<13} cases {cases:>6}  linearizable {linearizable:>6} ({:4.1}%)  not linearizable {not_linearizable:>6} ({:4.1}%)  \
         mismatches {}  [ties {:.0}%, never-returned {:.0}%, unknown outputs {:.0}%{keys}]  {:.2?}",
        kind.name(),
        pct(linearizable),
        pct(not_linearizable),
        failures.len(),
        pct(with_ties),
        pct(with_pending),
        pct(with_unknown),
        start.elapsed(),
    );
    let mut kinds: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (_, _, _, why) in &failures {
        let kind: String = why.split(['[', '#', '\n']).next().unwrap_or_default().trim().to_string();
        *kinds.entry(kind).or_default() += 1;
    }
    for (kind, count) in &kinds {
        println!("  {count:>6} x {kind}");
    }
    for (case, spec, history, why) in failures.iter().take(3) {
        let small = shrink(spec, history);
        let small_why = compare(spec, &small).err().unwrap_or_default();
        println!(
            "MISMATCH {} case {case} (initial {}):\n  {why}\n  history:\n{}  shrunk to:\n{}  {small_why}\n",
            kind.name(),
            spec.initial,
            show(history),
            show(&small)
        );
    }
    assert!(failures.is_empty(), "{}: {} of {cases} histories disagree with the oracle", kind.name(), failures.len());
    if cases >= 1000 {
        assert!(pct(linearizable) > 15.0 && pct(not_linearizable) > 15.0, "{}: unbalanced verdicts", kind.name());
    }
}

#[test]
fn differential_register() {
    differential(Kind::Register, 1);
}

#[test]
fn differential_cas_register() {
    differential(Kind::CasRegister, 2);
}

#[test]
fn differential_kv() {
    differential(Kind::Kv, 3);
}

#[test]
fn differential_counter() {
    differential(Kind::Counter, 4);
}

#[test]
fn differential_set() {
    differential(Kind::Set, 5);
}

#[test]
fn differential_queue() {
    differential(Kind::Queue, 6);
}

#[test]
fn differential_lock() {
    differential(Kind::Lock, 7);
}

#[test]
fn differential_bank() {
    differential(Kind::Bank, 9);
}

/// The oracle itself, on cases whose answers are known by hand.
#[test]
fn oracle_sanity() {
    let op = |client, function, input: Value, output: Option<Value>, invoke, complete| Operation {
        client,
        function,
        key: None,
        input,
        output,
        invoke,
        complete,
    };
    let register = Spec { kind: Kind::Register, initial: int(0) };
    // Stale read after a completed write.
    let stale = [
        op(0, Function::Write, int(1), Some(Value::Nil), 0, Some(1)),
        op(1, Function::Read, Value::Nil, Some(int(0)), 2, Some(3)),
    ];
    assert!(!oracle::linearizable(&register, &stale));
    // Equal times are concurrent.
    let tie = [
        op(0, Function::Write, int(1), Some(Value::Nil), 0, Some(2)),
        op(1, Function::Read, Value::Nil, Some(int(0)), 2, Some(3)),
    ];
    assert!(oracle::linearizable(&register, &tie));
    // A never-returned write may or may not take effect, but not before its invocation.
    let maybe = |output| {
        [
            op(0, Function::Write, int(7), None, 0, None),
            op(1, Function::Read, Value::Nil, Some(int(output)), 5, Some(6)),
        ]
    };
    assert!(oracle::linearizable(&register, &maybe(7)));
    assert!(oracle::linearizable(&register, &maybe(0)));
    let early =
        [op(1, Function::Read, Value::Nil, Some(int(7)), 0, Some(1)), op(0, Function::Write, int(7), None, 2, None)];
    assert!(!oracle::linearizable(&register, &early));
    // Set reads compare as sets.
    let set = Spec { kind: Kind::Set, initial: Value::Nil };
    let adds = |read: Vec<i64>| {
        [
            op(0, Function::Add, int(1), Some(Value::Nil), 0, Some(1)),
            op(0, Function::Add, int(2), Some(Value::Nil), 2, Some(3)),
            op(1, Function::Read, Value::Nil, Some(Value::List(read.into_iter().map(int).collect())), 4, Some(5)),
        ]
    };
    assert!(oracle::linearizable(&set, &adds(vec![2, 1])));
    assert!(oracle::linearizable(&set, &adds(vec![2, 1, 2])));
    assert!(!oracle::linearizable(&set, &adds(vec![1])));
    // A remove takes a member out; removing a value that is not one changes nothing.
    let removes = |read: Vec<i64>| {
        [
            op(0, Function::Add, int(1), Some(Value::Nil), 0, Some(1)),
            op(0, Function::Remove, int(1), Some(Value::Nil), 2, Some(3)),
            op(0, Function::Remove, int(2), Some(Value::Nil), 4, Some(5)),
            op(1, Function::Read, Value::Nil, Some(Value::List(read.into_iter().map(int).collect())), 6, Some(7)),
        ]
    };
    assert!(oracle::linearizable(&set, &removes(vec![])));
    assert!(!oracle::linearizable(&set, &removes(vec![1])));
    // The lock ignores outputs but not its state.
    let lock = Spec { kind: Kind::Lock, initial: Value::Nil };
    let twice = [
        op(0, Function::Acquire, Value::Nil, None, 0, Some(1)),
        op(1, Function::Acquire, Value::Nil, Some(int(9)), 2, Some(3)),
    ];
    assert!(!oracle::linearizable(&lock, &twice));
    // kv appends concatenate onto the initial value, key by key.
    let kv = Spec { kind: Kind::Kv, initial: text("a") };
    let kop = |key: i64, function, input, output, invoke, complete| Operation {
        key: Some(int(key)),
        ..op(0, function, input, output, invoke, complete)
    };
    let appends = [
        kop(1, Function::Append, text("x"), Some(Value::Nil), 0, Some(1)),
        kop(2, Function::Put, text("b"), Some(Value::Nil), 2, Some(3)),
        kop(1, Function::Get, Value::Nil, Some(text("ax")), 4, Some(5)),
        kop(2, Function::Get, Value::Nil, Some(text("b")), 6, Some(7)),
    ];
    assert!(oracle::linearizable(&kv, &appends));
    let mut wrong = appends.clone();
    wrong[2].output = Some(text("x"));
    assert!(!oracle::linearizable(&kv, &wrong));
    // The bank: a committed transfer moves money and never overdraws; an
    // aborted one changes nothing; one of unknown outcome never returned:
    // it committed at some point after its invocation, or had no effect.
    let bank = Spec { kind: Kind::Bank, initial: Value::List(vec![int(100), int(100)]) };
    let balances = |a: i64, b: i64| Some(Value::List(vec![int(a), int(b)]));
    let transfer = |amount: i64, output: Option<Value>, complete| {
        op(0, Function::Transfer, Value::List(vec![int(0), int(1), int(amount)]), output, 0, complete)
    };
    let read = |output, invoke| op(1, Function::Read, Value::Nil, output, invoke, Some(invoke + 1));
    let committed = Some(Value::Bool(true));
    let aborted = Some(Value::Bool(false));
    assert!(oracle::linearizable(&bank, &[transfer(30, committed.clone(), Some(1)), read(balances(70, 130), 2)]));
    assert!(!oracle::linearizable(&bank, &[transfer(30, committed.clone(), Some(1)), read(balances(100, 100), 2)]));
    assert!(!oracle::linearizable(&bank, &[transfer(30, committed.clone(), Some(5)), read(balances(70, 100), 2)]));
    assert!(!oracle::linearizable(&bank, &[transfer(150, committed.clone(), Some(1))]));
    assert!(oracle::linearizable(&bank, &[transfer(150, aborted.clone(), Some(1)), read(balances(100, 100), 2)]));
    assert!(!oracle::linearizable(&bank, &[transfer(30, aborted, Some(1)), read(balances(70, 130), 2)]));
    let unknown = transfer(30, None, None);
    assert!(oracle::linearizable(&bank, &[unknown.clone(), read(balances(70, 130), 2)]));
    assert!(oracle::linearizable(&bank, &[unknown.clone(), read(balances(100, 100), 2)]));
    // It may commit late, but once seen it stays committed, and whole.
    let late = [unknown.clone(), read(balances(100, 100), 2), read(balances(70, 130), 4)];
    assert!(oracle::linearizable(&bank, &late));
    let undone = [unknown.clone(), read(balances(70, 130), 2), read(balances(100, 100), 4)];
    assert!(!oracle::linearizable(&bank, &undone));
    assert!(!oracle::linearizable(&bank, &[unknown, read(balances(70, 100), 2)]));
    // A transfer that returned says whether it committed: the model refuses
    // one of unknown outcome, so the generator never makes one.
    let returned_unknown = transfer(30, None, Some(1));
    let refused = bank.model_spec().accepts(&returned_unknown).expect_err("a returned transfer of unknown outcome");
    assert!(refused.contains("one whose outcome is unknown never returned"), "{refused}");
    assert_eq!(bank.model_spec().accepts(&transfer(30, None, None)), Ok(()));
}

// ----- sequential consistency ----------------------------------------------------

/// The runs: label, model, seed index, and whether to use the kv
/// cross-key generator instead of the general one.
const RUNS: [(&str, Kind, u64, bool); 9] = [
    ("register", Kind::Register, 1, false),
    ("cas-register", Kind::CasRegister, 2, false),
    ("kv", Kind::Kv, 3, false),
    ("counter", Kind::Counter, 4, false),
    ("set", Kind::Set, 5, false),
    ("queue", Kind::Queue, 6, false),
    ("lock", Kind::Lock, 7, false),
    ("kv-cross-key", Kind::Kv, 8, true),
    ("bank", Kind::Bank, 9, false),
];

/// A kv history aimed at sequential consistency not being compositional
/// (Dekker, IRIW): two keys, 2–3 clients of 1–3 puts and gets each, every
/// get returning nil or a value some put wrote to its key (chosen at
/// random, not from an execution), clients' timelines independent.
fn generate_kv_cross(seed: u64) -> (Spec, History) {
    let mut rng = Rng::new(seed);
    let spec = Spec { kind: Kind::Kv, initial: Value::Nil };
    let clients = 2 + rng.below(2);
    let mut operations = Vec::new();
    let mut next_value = 1;
    for client in 0..clients {
        let mut t = rng.below(6);
        for j in 0..1 + rng.below(3) {
            if operations.len() == 8 {
                break;
            }
            let key = Some(int(1 + rng.below(2) as i64));
            let (function, input) = if rng.chance(45) {
                next_value += 1;
                (Function::Put, int(next_value - 1))
            } else {
                (Function::Get, Value::Nil)
            };
            let invoke = t + rng.below(3);
            let complete = if j > 0 && rng.chance(10) { None } else { Some(invoke + rng.below(4)) };
            operations.push(Operation { client, function, key, input, output: None, invoke, complete });
            match complete {
                Some(c) => t = c + 1,
                // Usually a client that never heard back stops; sometimes it
                // goes on, leaving a never-returned operation mid-program.
                None if rng.chance(50) => t = invoke + 1,
                None => break,
            }
        }
    }
    let puts: Vec<(Option<Value>, Value)> =
        operations.iter().filter(|o| o.function == Function::Put).map(|o| (o.key.clone(), o.input.clone())).collect();
    for op in &mut operations {
        if op.complete.is_none() {
            continue;
        }
        op.output = Some(Value::Nil);
        if op.function == Function::Get {
            let written: Vec<Value> = puts.iter().filter(|(k, _)| *k == op.key).map(|(_, v)| v.clone()).collect();
            if !written.is_empty() && rng.chance(60) {
                op.output = Some(rng.pick(&written));
            }
        }
    }
    rng.shuffle(&mut operations);
    (spec, History::new(operations))
}

/// Shift each client's whole timeline by its own offset: program order is
/// kept (so the real execution stays a legal sequentially consistent
/// order) but real time across clients no longer matches it.
fn skew(history: &mut History, seed: u64) {
    let mut rng = Rng::new(seed ^ 0x5EE5_0F0F_A5A5_0001);
    let offsets: Vec<u64> = (0..4).map(|_| rng.below(13)).collect();
    for op in &mut history.operations {
        let offset = offsets[op.client as usize];
        op.invoke += offset;
        op.complete = op.complete.map(|c| c + offset);
    }
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The checker's sequential-consistency decision, directly and through
/// `WeakerModels::decide`, or its panic message.
fn checker_sc(spec: &Spec, history: &History) -> Result<(Decision, Decision), String> {
    let model = spec.model_spec();
    let initial = model.initial();
    std::panic::catch_unwind(|| {
        faultline_check::with_model!(&model, m => (
            sequentially_consistent(&m, history, DEFAULT_BUDGET_STEPS),
            WeakerModels::decide(&m, history, initial.clone(), DEFAULT_BUDGET_STEPS).sequentially_consistent,
        ))
    })
    .map_err(|panic| format!("the checker panicked: {}", panic_message(panic)))
}

struct ScOutcome {
    sc: bool,
    linearizable: bool,
    /// For a `Violated` decision: `None` if it names no operations, else
    /// whether the named operations, taken alone, are not sequentially
    /// consistent (by the oracle).
    named_alone_fail: Option<Option<bool>>,
    mid_program: bool,
}

/// Ok when the checker's sequential-consistency decision agrees with the
/// oracle and both implications hold; Err(why) otherwise.
fn compare_sc(spec: &Spec, history: &History) -> Result<ScOutcome, String> {
    let ops = &history.operations;
    let sc = oracle::sequentially_consistent(spec, ops);
    let linearizable = oracle::linearizable(spec, ops);
    // Linearizable implies sequentially consistent, always: a never-returned
    // operation is outside its client's program order, so a linearization
    // that places it after the client's later operations is a legal
    // sequentially consistent order too.
    let mid_program = mid_program_pending(ops);
    if linearizable && !sc {
        return Err("oracle: linearizable but not sequentially consistent (oracle bug)".into());
    }
    let (decision, via_decide) = checker_sc(spec, history)?;
    let verdict = checker_verdict(spec, history)?;
    let mut named_alone_fail = None;
    match (&decision, sc) {
        (Decision::Holds, true) => {}
        (Decision::Violated { operations, why }, false) => {
            let mut sorted = operations.clone();
            sorted.sort();
            sorted.dedup();
            if sorted.len() != operations.len() || sorted.iter().any(|&i| i >= ops.len()) {
                return Err(format!("checker: violated with bad operations {operations:?} ({why})"));
            }
            // Informational only: the decision's contract does not say the
            // named operations fail on their own (or that any are named).
            named_alone_fail = Some(
                (!operations.is_empty()).then(|| !oracle::sequentially_consistent(spec, &oracle::sub(ops, operations))),
            );
        }
        (Decision::Holds, false) => return Err("checker: holds, oracle: not sequentially consistent".into()),
        (Decision::Violated { operations, why }, true) => {
            return Err(format!("checker: violated, oracle: sequentially consistent\n  checker: {operations:?} {why}"))
        }
        (Decision::Unknown { why }, _) => return Err(format!("checker: unknown, oracle: sc={sc}\n  checker: {why}")),
        (Decision::NotApplicable, _) => return Err(format!("checker: not applicable, oracle: sc={sc}")),
    }
    if (via_decide == Decision::Holds) != (decision == Decision::Holds)
        || matches!(via_decide, Decision::Unknown { .. })
    {
        return Err(format!("WeakerModels::decide disagrees: {via_decide:?}, sequentially_consistent: {decision:?}"));
    }
    if let Verdict::Linearizable(_) = verdict {
        if decision != Decision::Holds && !mid_program {
            return Err(format!("checker: linearizable but not sequentially consistent: {decision:?}"));
        }
    }
    Ok(ScOutcome { sc, linearizable, named_alone_fail, mid_program })
}

/// Some client invoked another operation after one that never returned.
fn mid_program_pending(ops: &[Operation]) -> bool {
    ops.iter().any(|p| p.complete.is_none() && ops.iter().any(|o| o.client == p.client && o.invoke > p.invoke))
}

fn shrink_sc(spec: &Spec, history: &History) -> History {
    let mut current = history.clone();
    'outer: loop {
        for skip in 0..current.operations.len() {
            let mut fewer = current.clone();
            fewer.operations.remove(skip);
            if compare_sc(spec, &fewer).is_err() {
                current = fewer;
                continue 'outer;
            }
        }
        return current;
    }
}

#[derive(Default)]
struct ScStats {
    cases: u64,
    skewed: u64,
    sc: u64,
    linearizable: u64,
    sc_not_linearizable: u64,
    /// The same two counts among the histories that were not skewed.
    plain_not_linearizable: u64,
    plain_sc_not_linearizable: u64,
    /// Histories with a never-returned operation mid-program, and those
    /// linearizable but not sequentially consistent (only possible there).
    mid_program: u64,
    linearizable_not_sc: u64,
    /// kv only: every key alone is sequentially consistent, the store is not.
    not_local: u64,
    violated: u64,
    named: u64,
    named_alone_fail: u64,
    failures: Vec<(u64, Spec, History, String)>,
    elapsed: std::time::Duration,
}

fn sc_differential(kind: Kind, model_index: u64, cross_key: bool, cases: u64) -> ScStats {
    let start = Instant::now();
    let mut stats = ScStats { cases, ..ScStats::default() };
    for case in 0..cases {
        let seed = (model_index << 40) ^ 0x5C00_0000_0000_0000 ^ case.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let (spec, mut history) = if cross_key { generate_kv_cross(seed) } else { generate(kind, seed, case % 4 == 3) };
        if case % 3 == 1 {
            skew(&mut history, seed);
            stats.skewed += 1;
        }
        // Program order must be unambiguous: no client invokes twice at once.
        let ops = &history.operations;
        assert!(
            !ops.iter().enumerate().any(|(i, a)| ops[..i].iter().any(|b| a.client == b.client && a.invoke == b.invoke)),
            "the generator made a same-client invocation tie"
        );
        match compare_sc(&spec, &history) {
            Ok(outcome) => {
                stats.sc += outcome.sc as u64;
                stats.linearizable += outcome.linearizable as u64;
                stats.sc_not_linearizable += (outcome.sc && !outcome.linearizable) as u64;
                stats.mid_program += outcome.mid_program as u64;
                stats.linearizable_not_sc += (outcome.linearizable && !outcome.sc) as u64;
                if case % 3 != 1 {
                    stats.plain_not_linearizable += !outcome.linearizable as u64;
                    stats.plain_sc_not_linearizable += (outcome.sc && !outcome.linearizable) as u64;
                }
                if let Some(named) = outcome.named_alone_fail {
                    stats.violated += 1;
                    if let Some(alone) = named {
                        stats.named += 1;
                        stats.named_alone_fail += alone as u64;
                    }
                }
            }
            Err(why) => stats.failures.push((case, spec.clone(), history.clone(), why)),
        }
        if kind == Kind::Kv {
            let ops = &history.operations;
            let mut keys: Vec<&Option<Value>> = ops.iter().map(|o| &o.key).collect();
            keys.sort();
            keys.dedup();
            let per_key = keys.iter().all(|&key| {
                let own: Vec<Operation> = ops.iter().filter(|o| &o.key == key).cloned().collect();
                oracle::sequentially_consistent(&spec, &own)
            });
            stats.not_local += (per_key && !oracle::sequentially_consistent(&spec, ops)) as u64;
        }
    }
    stats.elapsed = start.elapsed();
    stats
}

#[test]
fn differential_sequential_consistency() {
    let cases: u64 = std::env::var("FAULTLINE_SC_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(4_000);
    let start = Instant::now();
    let results: Vec<ScStats> = std::thread::scope(|scope| {
        let handles: Vec<_> = RUNS
            .iter()
            .map(|&(_, kind, index, cross)| scope.spawn(move || sc_differential(kind, index, cross, cases)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let pct = |n: u64, of: u64| 100.0 * n as f64 / of.max(1) as f64;
    let mut total = ScStats::default();
    for ((label, ..), s) in RUNS.iter().zip(&results) {
        let not_lin = s.cases - s.linearizable;
        println!(
            "sc {:<13} cases {:>6} (skewed {:>5})  linearizable {:4.1}%  sc {:4.1}%  sc among not linearizable {:>5}/{:<5} ({:4.1}%; unskewed {:4.1}%)  \
             violated {:>5}, naming operations {:>5} (alone not sc {:>5})  mismatches {}  {:.2?}",
            label,
            s.cases,
            s.skewed,
            pct(s.linearizable, s.cases),
            pct(s.sc, s.cases),
            s.sc_not_linearizable,
            not_lin,
            pct(s.sc_not_linearizable, not_lin),
            pct(s.plain_sc_not_linearizable, s.plain_not_linearizable),
            s.violated,
            s.named,
            s.named_alone_fail,
            s.failures.len(),
            s.elapsed,
        );
        total.cases += s.cases;
        total.skewed += s.skewed;
        total.sc += s.sc;
        total.linearizable += s.linearizable;
        total.sc_not_linearizable += s.sc_not_linearizable;
        total.plain_not_linearizable += s.plain_not_linearizable;
        total.plain_sc_not_linearizable += s.plain_sc_not_linearizable;
        total.violated += s.violated;
        total.named += s.named;
        total.named_alone_fail += s.named_alone_fail;
    }
    let not_lin = total.cases - total.linearizable;
    println!(
        "sc total         cases {:>6} (skewed {:>5})  linearizable {:4.1}%  sc {:4.1}%  sc among not linearizable {}/{} ({:4.1}%; unskewed {}/{})  \
         not sc {}  wall {:.2?}",
        total.cases,
        total.skewed,
        pct(total.linearizable, total.cases),
        pct(total.sc, total.cases),
        total.sc_not_linearizable,
        not_lin,
        pct(total.sc_not_linearizable, not_lin),
        total.plain_sc_not_linearizable,
        total.plain_not_linearizable,
        total.cases - total.sc,
        start.elapsed(),
    );
    let (mid, lin_not_sc) = results.iter().fold((0, 0), |(a, b), s| (a + s.mid_program, b + s.linearizable_not_sc));
    println!(
        "sc never-returned operation mid-program: {mid} histories, of which linearizable but not sc: {lin_not_sc}"
    );
    println!(
        "sc kv: every key alone sequentially consistent but the store not: {} (general) + {} (cross-key) histories",
        results[2].not_local, results[7].not_local
    );
    let mut failed = 0;
    for ((label, ..), s) in RUNS.iter().zip(&results) {
        failed += s.failures.len();
        let mut reasons: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for (_, _, _, why) in &s.failures {
            *reasons.entry(why.lines().next().unwrap_or_default().to_string()).or_default() += 1;
        }
        for (why, count) in &reasons {
            println!("  sc {} {count:>6} x {why}", label);
        }
        for (case, spec, history, why) in s.failures.iter().take(3) {
            let small = shrink_sc(spec, history);
            let small_why = compare_sc(spec, &small).err().unwrap_or_default();
            println!(
                "SC MISMATCH {} case {case} (initial {}):\n  {why}\n  history:\n{}  shrunk to:\n{}  {small_why}\n",
                label,
                spec.initial,
                show(history),
                show(&small)
            );
        }
    }
    assert_eq!(failed, 0, "{failed} of {} histories disagree with the sequential-consistency oracle", total.cases);
    if cases >= 1000 {
        for ((label, ..), s) in RUNS.iter().zip(&results) {
            let not_lin = s.cases - s.linearizable;
            assert!(
                s.sc_not_linearizable > 0 && s.sc_not_linearizable < not_lin,
                "{}: no contrast between sequential consistency and linearizability",
                label
            );
        }
    }
}

/// The sequential-consistency oracle (and the checker) on cases whose
/// answers are known by hand.
#[test]
fn oracle_sc_sanity() {
    let op = |client, function, input: Value, output: Option<Value>, invoke, complete| Operation {
        client,
        function,
        key: None,
        input,
        output,
        invoke,
        complete,
    };
    let ok = Some(Value::Nil);
    let expect = |spec: &Spec, ops: &[Operation], sc: bool, linearizable: bool| {
        let history = History::new(ops.to_vec());
        assert_eq!(oracle::sequentially_consistent(spec, ops), sc, "oracle sc on\n{}", show(&history));
        assert_eq!(oracle::linearizable(spec, ops), linearizable, "oracle linearizable on\n{}", show(&history));
        let (decision, _) = checker_sc(spec, &history).unwrap();
        assert_eq!(decision == Decision::Holds, sc, "checker {decision:?} on\n{}", show(&history));
    };
    let register = Spec { kind: Kind::Register, initial: int(0) };
    // A stale read by another client: not linearizable, but SC.
    let stale = [
        op(0, Function::Write, int(1), ok.clone(), 0, Some(1)),
        op(1, Function::Read, Value::Nil, Some(int(0)), 2, Some(3)),
    ];
    expect(&register, &stale, true, false);
    // The same client reading its write's predecessor: not SC.
    let own = [
        op(0, Function::Write, int(1), ok.clone(), 0, Some(1)),
        op(0, Function::Read, Value::Nil, Some(int(0)), 2, Some(3)),
    ];
    expect(&register, &own, false, false);
    // Program order is by invocation, not by position in the history.
    let own_reversed = [own[1].clone(), own[0].clone()];
    expect(&register, &own_reversed, false, false);
    // A read of a never-returned write invoked later in real time: SC only.
    let early =
        [op(1, Function::Read, Value::Nil, Some(int(7)), 0, Some(1)), op(0, Function::Write, int(7), None, 2, None)];
    expect(&register, &early, true, false);
    // IRIW: two readers see two writes in opposite orders.
    let iriw = [
        op(0, Function::Write, int(1), ok.clone(), 0, Some(1)),
        op(1, Function::Write, int(2), ok.clone(), 0, Some(1)),
        op(2, Function::Read, Value::Nil, Some(int(1)), 2, Some(3)),
        op(2, Function::Read, Value::Nil, Some(int(2)), 4, Some(5)),
        op(3, Function::Read, Value::Nil, Some(int(2)), 2, Some(3)),
        op(3, Function::Read, Value::Nil, Some(int(1)), 4, Some(5)),
    ];
    expect(&register, &iriw, false, false);
    // kv: Dekker across two keys. Each key alone is SC; the store is not
    // (sequential consistency is not compositional).
    let kv = Spec { kind: Kind::Kv, initial: Value::Nil };
    let kop = |client, key: i64, function, input, output, invoke, complete| Operation {
        key: Some(int(key)),
        ..op(client, function, input, output, invoke, complete)
    };
    let dekker = [
        kop(0, 1, Function::Put, int(1), ok.clone(), 0, Some(1)),
        kop(0, 2, Function::Get, Value::Nil, Some(Value::Nil), 2, Some(3)),
        kop(1, 2, Function::Put, int(1), ok.clone(), 0, Some(1)),
        kop(1, 1, Function::Get, Value::Nil, Some(Value::Nil), 2, Some(3)),
    ];
    expect(&kv, &dekker, false, false);
    for key in [1, 2] {
        let alone: Vec<Operation> = dekker.iter().filter(|o| o.key == Some(int(key))).cloned().collect();
        expect(&kv, &alone, true, false);
    }
    // A never-returned put followed by its client's get of the old value:
    // linearizable (the put may take effect after the get), and SC too: the
    // client stopped waiting for the put, so program order does not pin it.
    let late = [
        kop(2, 1, Function::Get, Value::Nil, Some(int(1)), 10, Some(12)),
        kop(0, 1, Function::Get, Value::Nil, Some(Value::Nil), 7, Some(7)),
        kop(0, 1, Function::Put, int(1), None, 4, None),
    ];
    expect(&kv, &late, true, true);
    assert!(matches!(checker_verdict(&kv, &History::new(late.to_vec())), Ok(Verdict::Linearizable(_))));
    // Queue: enqueues by two clients may be ordered either way, but one
    // client's enqueues come out in its order.
    let queue = Spec { kind: Kind::Queue, initial: Value::Nil };
    let two = [
        op(0, Function::Enqueue, int(1), ok.clone(), 0, Some(1)),
        op(1, Function::Enqueue, int(2), ok.clone(), 2, Some(3)),
        op(2, Function::Dequeue, Value::Nil, Some(int(2)), 4, Some(5)),
        op(2, Function::Dequeue, Value::Nil, Some(int(1)), 6, Some(7)),
    ];
    expect(&queue, &two, true, false);
    let mut one = two.clone();
    one[1].client = 0;
    expect(&queue, &one, false, false);
    // Lock: two acquires without a release are never SC; a never-returned
    // acquire may be left out.
    let lock = Spec { kind: Kind::Lock, initial: Value::Nil };
    let twice = [
        op(0, Function::Acquire, Value::Nil, ok.clone(), 0, Some(1)),
        op(1, Function::Acquire, Value::Nil, ok.clone(), 5, Some(6)),
    ];
    expect(&lock, &twice, false, false);
    let mut maybe = twice.clone();
    maybe[0].complete = None;
    maybe[0].output = None;
    expect(&lock, &maybe, true, true);
    // Bank: another client's read may miss a committed transfer (SC), but
    // not the transferring client's own read. A transfer of unknown outcome
    // never returned: it may have aborted (the client's later read sees the
    // old balances) or committed (the new ones), in either model; but once
    // a client saw it committed, that client never sees it undone.
    let bank = Spec { kind: Kind::Bank, initial: Value::List(vec![int(100), int(100)]) };
    let transfer = |output: Option<Value>, complete| {
        op(0, Function::Transfer, Value::List(vec![int(0), int(1), int(30)]), output, 0, complete)
    };
    let read = |client, balances: [i64; 2], invoke| {
        op(client, Function::Read, Value::Nil, Some(Value::List(balances.map(int).to_vec())), invoke, Some(invoke + 1))
    };
    let old = |client| read(client, [100, 100], 2);
    expect(&bank, &[transfer(Some(Value::Bool(true)), Some(1)), old(1)], true, false);
    expect(&bank, &[transfer(Some(Value::Bool(true)), Some(1)), old(0)], false, false);
    expect(&bank, &[transfer(None, None), old(0)], true, true);
    expect(&bank, &[transfer(None, None), read(0, [70, 130], 2)], true, true);
    expect(&bank, &[transfer(None, None), read(1, [70, 130], 2), read(1, [100, 100], 4)], false, false);
}

// ----- session guarantees ----------------------------------------------------------

/// The session guarantees claim a violation only when the values make it
/// certain: no history the oracle finds linearizable violates them, for any
/// object they are decided for (registers, counters, sets with removes); and
/// a counter's violation (its value only grows, and a client's reads are in
/// its own order) rules out sequential consistency too. Every third history
/// is skewed, as in the sequential-consistency runs. Each run must find some
/// violations, so that it tests something. Half of `FAULTLINE_DIFF_CASES`
/// per model.
#[test]
fn differential_session_guarantees_are_certain() {
    let cases = cases_per_model() / 2;
    let kinds = [(Kind::Register, 1), (Kind::CasRegister, 2), (Kind::Kv, 3), (Kind::Counter, 4), (Kind::Set, 5)];
    for (kind, index) in kinds {
        let start = Instant::now();
        let mut violated_histories = 0u64;
        for case in 0..cases {
            let seed = 0x5E55_1010_0000_0000 ^ (index << 40) ^ case;
            let (spec, mut history) = generate(kind, seed, case % 4 == 3);
            if case % 3 == 2 {
                skew(&mut history, seed);
            }
            let model = spec.model_spec();
            // No search (budget 0): only the session guarantees are wanted.
            let decided =
                faultline_check::with_model!(&model, m => WeakerModels::decide(&m, &history, model.initial(), 0));
            let violations: Vec<&Decision> = [&decided.read_your_writes, &decided.monotonic_reads]
                .into_iter()
                .filter(|decision| matches!(decision, Decision::Violated { .. }))
                .collect();
            if violations.is_empty() {
                continue;
            }
            violated_histories += 1;
            let ops = &history.operations;
            assert!(!oracle::linearizable(&spec, ops), "{}: linearizable, yet {violations:?}: {ops:?}", kind.name());
            if kind == Kind::Counter {
                assert!(
                    !oracle::sequentially_consistent(&spec, ops),
                    "counter: sequentially consistent, yet {violations:?}: {ops:?}"
                );
            }
        }
        println!(
            "session {:<13} cases {cases:>6}  with a violation {violated_histories:>5}  {:.2?}",
            kind.name(),
            start.elapsed()
        );
        if cases >= 1000 {
            assert!(violated_histories > 0, "{}: no violations found: the run tests nothing", kind.name());
        }
    }
}
