//! Each goal on small runs where it must hold and where it must not, and
//! the errors a bad exercise file gets.

use faultline_exercises::{parse, Exercise, ExerciseError, GoalOutcome, Judgement};

/// A two-phase commit transfer whose coordinator crashes after the votes
/// are sent (at tick 35) when `crash` is set.
const TWO_PHASE_COMMIT: &str = r#"{
    "version": 1, "seed": 1,
    "protocol": { "name": "two-phase-commit", "resource_managers": 2, "vote_timeout_ticks": 60, "decision_timeout_ticks": 100 },
    "network": { "delay_ticks_min": 10, "delay_ticks_max": 10 },
    "workload": { "clients": 1, "operations_max": 0, "timeout_ticks": 300, "attempts_max": 2 },
    "limits": { "ticks_max": 1000 },
    "actions": [{ "at_tick": 10, "action": "client-request", "client": 0, "node": 0, "operation": "transfer", "from": 0, "to": 1, "amount": 30 }]
}"#;
const COORDINATOR_CRASH: &str = r#"[{ "at_tick": 35, "action": "crash", "node": 0 }]"#;

/// A store that answers with one replica (R = W = 1): a write at n0 and a
/// read at n1, stale when n0 is cut off first.
const QUORUM_ONE: &str = r#"{
    "version": 1, "seed": 1,
    "protocol": { "name": "quorum-kv", "nodes": 3, "replicas": 3, "read_quorum": 1, "write_quorum": 1 },
    "network": { "delay_ticks_min": 5, "delay_ticks_max": 10 },
    "workload": { "clients": 2, "operations_max": 0, "timeout_ticks": 150, "attempts_max": 1 },
    "limits": { "ticks_max": 400 },
    "actions": [
        { "at_tick": 20, "action": "client-request", "client": 0, "node": 0, "operation": "write", "key": 0, "value": 1 },
        { "at_tick": 100, "action": "client-request", "client": 1, "node": 1, "operation": "read", "key": 0 }
    ]
}"#;
const CUT_OFF_N0: &str = r#"[{ "at_tick": 10, "action": "partition", "islands": [[0], [1, 2]] }]"#;

/// Two LWW replicas whose clocks disagree by `skew`: c1 writes at n1 at
/// tick 100, c0 at n0 at tick 120.
fn lww(variant: &str) -> String {
    format!(
        r#"{{
        "version": 1, "seed": 1,
        "protocol": {{ "name": "crdt", "nodes": 2, "data_type": "lww-register", "clock_skew_ticks": 50, "variant": "{variant}" }},
        "workload": {{ "clients": 2, "operations_max": 0 }},
        "limits": {{ "ticks_max": 400 }},
        "actions": [
            {{ "at_tick": 100, "action": "client-request", "client": 1, "node": 1, "operation": "write", "value": 1 }},
            {{ "at_tick": 120, "action": "client-request", "client": 0, "node": 0, "operation": "write", "value": 2 }}
        ]
    }}"#
    )
}

/// A cart (OR-Set) split from tick 50 to 300: c0 adds 1, c1 adds 1 at tick
/// `second_add`, c0 removes 1 at tick 150 and reads at 450.
fn cart(second_add: u64) -> String {
    let request = |tick: u64, client: u32, operation: &str| {
        let node = client;
        (
            tick,
            format!(
                r#"{{ "at_tick": {tick}, "action": "client-request", "client": {client}, "node": {node}, {operation} }}"#
            ),
        )
    };
    let mut actions = vec![
        request(10, 0, r#""operation": "add", "element": 1"#),
        (50, r#"{ "at_tick": 50, "action": "partition", "islands": [[0], [1]] }"#.to_string()),
        request(second_add, 1, r#""operation": "add", "element": 1"#),
        request(150, 0, r#""operation": "remove", "element": 1"#),
        (300, r#"{ "at_tick": 300, "action": "heal" }"#.to_string()),
        request(450, 0, r#""operation": "read""#),
    ];
    actions.sort_by_key(|(tick, _)| *tick);
    let actions: Vec<String> = actions.into_iter().map(|(_, action)| action).collect();
    format!(
        r#"{{
        "version": 1, "seed": 1,
        "protocol": {{ "name": "crdt", "nodes": 2, "data_type": "or-set" }},
        "workload": {{ "clients": 2, "operations_max": 0 }},
        "limits": {{ "ticks_max": 600 }},
        "actions": [{}]
    }}"#,
        actions.join(", ")
    )
}

fn exercise_text(goal: &str, scenario: &str, solution: &str) -> String {
    format!(
        r#"{{ "title": "t", "protocol": "p", "task": "t", "goal": {goal}, "budget": {{ "crashes": 1, "partitions": 1 }},
        "hints": [], "explanation": "e", "solution": {solution}, "scenario": {scenario} }}"#
    )
}

fn exercise(goal: &str, scenario: &str) -> Exercise {
    parse("test", &exercise_text(goal, scenario, "[]")).unwrap_or_else(|error| panic!("{error}"))
}

/// The goal judged on the scenario with `actions` (JSON) added.
fn judge(goal: &str, scenario: &str, actions: &str) -> GoalOutcome {
    let exercise = exercise(goal, scenario);
    let actions = parse("test", &exercise_text(goal, scenario, actions)).expect("the actions are valid").solution;
    match exercise.judge(&exercise.with_actions(&actions)) {
        Judgement::Judged { goal, .. } => goal,
        Judgement::NotThisExercise { why } => panic!("{why}"),
    }
}

fn met(outcome: GoalOutcome) -> (u64, String) {
    match outcome {
        GoalOutcome::Met { tick, why } => (tick, why),
        GoalOutcome::NotMet { why } => panic!("not met: {why}"),
    }
}

fn not_met(outcome: GoalOutcome) -> String {
    match outcome {
        GoalOutcome::NotMet { why } => why,
        GoalOutcome::Met { tick, why } => panic!("met at tick {tick}: {why}"),
    }
}

#[test]
fn not_linearizable_from_the_stale_read_on() {
    let (tick, why) = met(judge(r#""not-linearizable""#, QUORUM_ONE, CUT_OFF_N0));
    assert!((100..=130).contains(&tick), "the stale read completes after tick 100, not at {tick}");
    assert!(why.contains("read 0 → nil") && why.contains("would have returned 1"), "{why}");
    let why = not_met(judge(r#""not-linearizable""#, QUORUM_ONE, "[]"));
    assert!(why.contains("linearizable so far"), "{why}");
}

#[test]
fn invariant_violated_by_name_or_any() {
    let skewed = lww("skewed-clocks");
    let (_, why) = met(judge(r#"{ "invariant-violated": { "invariant": "last writer wins" } }"#, &skewed, "[]"));
    assert!(why.contains("last writer wins violated"), "{why}");
    met(judge(r#"{ "invariant-violated": {} }"#, &skewed, "[]"));
    let why = not_met(judge(r#"{ "invariant-violated": { "invariant": "convergence" } }"#, &skewed, "[]"));
    assert!(why.contains("another rule"), "{why}");
    let why = not_met(judge(r#"{ "invariant-violated": {} }"#, &lww("correct"), "[]"));
    assert_eq!(why, "every invariant held up to tick 400");
}

#[test]
fn role_count_at_least() {
    let blocked = |least: u32, ticks: u64| {
        format!(r#"{{ "role-count": {{ "role": "blocked", "at_least": {least}, "ticks": {ticks} }} }}"#)
    };
    let (tick, why) = met(judge(&blocked(1, 300), TWO_PHASE_COMMIT, COORDINATOR_CRASH));
    assert!(why.contains("have been blocked at once for 300 ticks"), "{why}");
    let (tick_of_two, _) = met(judge(&blocked(2, 300), TWO_PHASE_COMMIT, COORDINATOR_CRASH));
    assert_eq!(tick, tick_of_two, "both RMs block at the same tick");
    let why = not_met(judge(&blocked(1, 2000), TWO_PHASE_COMMIT, COORDINATOR_CRASH));
    assert!(why.contains("of the 2000 needed"), "{why}");
    let why = not_met(judge(&blocked(1, 300), TWO_PHASE_COMMIT, "[]"));
    assert_eq!(why, "the longest time a node was blocked was 0 ticks, of the 300 needed");
}

#[test]
fn role_count_at_most() {
    // A crashed node has no role: without its coordinator, the cluster has none.
    let no_coordinator = r#"{ "role-count": { "role": "TC", "at_most": 0, "ticks": 500 } }"#;
    let (tick, why) = met(judge(no_coordinator, TWO_PHASE_COMMIT, COORDINATOR_CRASH));
    assert_eq!((tick, why.as_str()), (535, "no node has been TC for 500 ticks, since tick 35"));
    not_met(judge(no_coordinator, TWO_PHASE_COMMIT, "[]"));
}

#[test]
fn a_removed_item_returns_only_if_every_add_was_before_the_remove() {
    let (tick, why) = met(judge(r#""removed-item-returns""#, &cart(100), "[]"));
    assert!(tick > 450 && why.starts_with("c0 removed 1 at tick"), "{why}");
    // An add that began after the remove, on the other side: the read
    // shows that add, not a removed item coming back.
    not_met(judge(r#""removed-item-returns""#, &cart(160), "[]"));
}

fn error_of(text: &str) -> ExerciseError {
    parse("bad", text).expect_err("the file is bad")
}

#[test]
fn errors_name_the_exercise_and_the_field() {
    let good = exercise_text(r#""not-linearizable""#, QUORUM_ONE, CUT_OFF_N0);
    let field_of = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        let error = error_of(&good.replacen(from, to, 1));
        assert!(error.to_string().starts_with("exercise bad: "), "{error}");
        error.field
    };
    assert_eq!(field_of(r#""not-linearizable""#, r#""not-linearisable""#), "goal");
    assert_eq!(field_of(r#""crashes": 1"#, r#""crash": 1"#), "budget");
    assert_eq!(field_of(r#""hints": []"#, r#""hints": 3"#), "hints");
    assert_eq!(field_of(r#""nodes": 3"#, r#""nodes": 0"#), "scenario.protocol.nodes");
    assert_eq!(field_of(r#""islands": [[0], [1, 2]]"#, r#""islands": [[0], [1, 7]]"#), "solution[0].islands[1][1]");
    assert_eq!(field_of(r#""title": "t","#, r#""title": "t", "horizon_ticks": 500,"#), "horizon_ticks");
    assert!(error_of(&good.replacen(r#""task": "t","#, r#""task": "t", "tip": 1,"#, 1)).message.contains("tip"));
    let twice = error_of(&good.replacen(r#""task": "t","#, r#""task": "t", "task": "u","#, 1));
    assert_eq!((twice.field.as_str(), twice.message.as_str()), ("", "the field \"task\" appears twice"));
    assert_eq!(error_of("{").field, "");
}

#[test]
fn a_role_count_needs_bounds_in_order() {
    let goal = r#"{ "role-count": { "role": "blocked", "at_least": 2, "at_most": 1, "ticks": 10 } }"#;
    let error = error_of(&exercise_text(goal, TWO_PHASE_COMMIT, "[]"));
    assert_eq!((error.field.as_str(), error.message.as_str()), ("goal", "at_least (2) is more than at_most (1)"));
}
