//! Every rule and every kind of malformed input, with the message a person
//! gets for it. Each row is (input, text the message must contain).

mod common;

use faultline_scenario::*;

/// A valid scenario (5 nodes, the default 2 clients and 1 key) plus `fields`.
fn with(fields: &str) -> String {
    format!(r#"{{"version": 1, "seed": 1, "protocol": {{"name": "primary-backup", "nodes": 5}}{fields}}}"#)
}

/// A valid scenario with a 3-node Raft protocol (plus `protocol_fields`),
/// 2 keys, and `fields`.
fn raft_with(protocol_fields: &str, fields: &str) -> String {
    format!(
        r#"{{"version": 1, "seed": 1, "workload": {{"keys": 2}}, "protocol": {{"name": "raft", "nodes": 3{protocol_fields}}}{fields}}}"#
    )
}

fn raft(protocol_fields: &str) -> String {
    raft_with(protocol_fields, "")
}

/// `raft()` whose nodes start from these three states.
fn initial(states: &str) -> String {
    raft(&format!(r#", "initial": [{states}]"#))
}

const FRESH: &str = r#"{"term": 0}"#;

/// A valid two-phase-commit scenario with 2 resource managers of 2
/// accounts each (plus `protocol_fields`) and `fields`.
fn two_phase_commit_with(protocol_fields: &str, fields: &str) -> String {
    format!(
        r#"{{"version": 1, "seed": 1, "protocol": {{"name": "two-phase-commit", "resource_managers": 2, "accounts_per_resource_manager": 2{protocol_fields}}}{fields}}}"#
    )
}

/// `two_phase_commit_with` and one scripted request of client 0 to node 0.
fn bank_request(operation: &str) -> String {
    two_phase_commit_with(
        "",
        &format!(r#", "actions": [{{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, {operation}}}]"#),
    )
}

/// A valid CRDT scenario of 3 replicas of `data_type` (plus
/// `protocol_fields`) and `fields`.
fn crdt_with(data_type: &str, protocol_fields: &str, fields: &str) -> String {
    format!(
        r#"{{"version": 1, "seed": 1, "protocol": {{"name": "crdt", "nodes": 3, "data_type": "{data_type}"{protocol_fields}}}{fields}}}"#
    )
}

/// A valid scenario with a 5-node quorum store (plus `protocol_fields`).
fn quorum_with(protocol_fields: &str) -> String {
    format!(r#"{{"version": 1, "seed": 1, "protocol": {{"name": "quorum-kv", "nodes": 5{protocol_fields}}}}}"#)
}

/// `crdt_with` and one scripted request of client 0 to node 1.
fn crdt_request(data_type: &str, operation: &str) -> String {
    crdt_with(
        data_type,
        "",
        &format!(r#", "actions": [{{"at_tick": 1, "action": "client-request", "client": 0, "node": 1, {operation}}}]"#),
    )
}

fn actions(list: &str) -> String {
    with(&format!(r#", "actions": [{list}]"#))
}

fn check_table(cases: &[(String, &str)]) {
    let mut failures = Vec::new();
    for (input, expected) in cases {
        match from_json(input) {
            Ok(_) => failures.push(format!("accepted: {input}\n  expected: {expected}")),
            Err(error) if !error.to_string().contains(expected) => {
                failures.push(format!("input: {input}\n  got:      {error}\n  expected: {expected}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn syntax_errors_give_line_and_column() {
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "the text is empty; a scenario is a JSON object, starting with {"),
        (" \n".into(), "the text is empty"),
        (r#"{"version":"#.into(), "line 1, column 11: the text ends where a value was expected"),
        ("{".into(), "line 1, column 1: the text ends inside an object (a '}' is missing)"),
        (r#"{"actions": [1"#.into(), "the text ends inside a list (a ']' is missing)"),
        (r#"{"name": "abc"#.into(), "the text ends inside a string"),
        (r#"{"version": 1,}"#.into(), "line 1, column 15: trailing comma"),
        (r#"{"version" 1}"#.into(), "line 1, column 12: expected ':'"),
        (r#"{"version": 1 "seed": 2}"#.into(), "line 1, column 15: expected ',' or '}'"),
        ("{\n  \"version\": 1,\n  \"seed\": 1\n  \"protocol\": {}\n}".into(), "line 4, column 3: expected ',' or '}'"),
        (r#"{"version": 1} x"#.into(), "line 1, column 16: unexpected text after the end of the scenario"),
        (r#"{"version": tru}"#.into(), "expected true, false or null"),
        (r#"{"version": }"#.into(), "expected a value (a number, text in quotes, a list or an object)"),
        (r#"{version: 1}"#.into(), "line 1, column 2: expected a field name in double quotes"),
        ("{\"name\": \"a\tb\"}".into(), "a tab or line break inside text in quotes must be written as \\t or \\n"),
        (r#"{"version": 01}"#.into(), "line 1, column 14: invalid number"),
        (r#"{"seed": 1e400}"#.into(), "the number is too large"),
        (r#"{"name": "\x"}"#.into(), "invalid escape"),
        (format!("{}{}", "[".repeat(200), "]".repeat(200)), "lists or objects are nested too deeply"),
        (
            r#"{"version": 1, "version": 1}"#.into(),
            "line 1, column 24: the field \"version\" appears twice in one object",
        ),
        (actions(r#"{"at_tick": 1, "action": "heal", "action": "heal"}"#), "the field \"action\" appears twice"),
    ];
    check_table(&cases);
}

#[test]
fn shape_errors_name_the_field() {
    let cases: Vec<(String, &str)> = vec![
        ("[]".into(), "expected a scenario object, found a list"),
        (r#"{"seed": 1}"#.into(), "version: missing; every scenario starts with \"version\": 1"),
        (r#"{"version": 7, "seed": 1}"#.into(), "version: unknown scenario version 7 (this Faultline reads version 1)"),
        (r#"{"version": 2, "seed": 1, "topology": "ring"}"#.into(), "version: unknown scenario version 2"),
        (r#"{"version": "1"}"#.into(), "version: expected a whole number, found the text \"1\""),
        (r#"{"version": 1, "protocol": {"name": "primary-backup", "nodes": 3}}"#.into(), "seed: missing"),
        (r#"{"version": 1, "seed": 1}"#.into(), "protocol: missing; for example"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "raftt", "nodes": 3}}"#.into(), "protocol.name: unknown protocol \"raftt\" (did you mean \"raft\"?)"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "paxos", "nodes": 3}}"#.into(), "protocol.name: unknown protocol \"paxos\" (known: primary-backup, raft, two-phase-commit, crdt, quorum-kv)"),
        (r#"{"version": 1, "seed": 1, "protocol": "primary-backup"}"#.into(), "protocol: expected an object like { \"name\": \"primary-backup\", \"nodes\": 3 }, found the text \"primary-backup\""),
        (r#"{"version": 1, "seed": 1, "protocol": {"nodes": 3}}"#.into(), "protocol.name: missing; known protocols: primary-backup, raft"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "primary-backup"}}"#.into(), "protocol.nodes: missing"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "primary-backup", "node": 3}}"#.into(), "protocol.node: a primary-backup protocol has no such field (did you mean nodes?)"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "primary-backup", "nodes": 3, "heartbeat_ticks": 5}}"#.into(), "protocol.heartbeat_ticks: a primary-backup protocol has no such field (known: name, nodes)"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "raft"}}"#.into(), "protocol.nodes: missing; how many nodes the cluster has, 1 to 16"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "raft", "node": 3}}"#.into(), "protocol.node: a raft protocol has no such field (did you mean nodes?)"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "raft", "nodes": "3"}}"#.into(), "protocol.nodes: expected a whole number, found the text \"3\""),
        (raft(r#", "heartbeat_tick": 10"#), "protocol.heartbeat_tick: a raft protocol has no such field (did you mean heartbeat_ticks?)"),
        (raft(r#", "election_timeout_tick_min": 10"#), "protocol.election_timeout_tick_min: a raft protocol has no such field (did you mean election_timeout_ticks_min?)"),
        (raft(r#", "leader": 0"#), "protocol.leader: a raft protocol has no such field (known: name, nodes, election_timeout_ticks_min, election_timeout_ticks_max, heartbeat_ticks, reads, variant, initial)"),
        (raft(r#", "election_timeout_ticks_min": -5"#), "protocol.election_timeout_ticks_min: must not be negative, found -5"),
        (raft(r#", "election_timeout_ticks_max": 2.5"#), "protocol.election_timeout_ticks_max: expected a whole number, found 2.5"),
        (raft(r#", "heartbeat_ticks": null"#), "protocol.heartbeat_ticks: expected a whole number, found null"),
        (raft(r#", "reads": "leader""#), "protocol.reads: unknown read mode \"leader\" (known: log, any-node)"),
        (raft(r#", "reads": "any_node""#), "protocol.reads: unknown read mode \"any_node\" (did you mean \"any-node\"? known: log, any-node)"),
        (raft(r#", "reads": 1"#), "protocol.reads: expected text in quotes, found 1"),
        (raft(r#", "variant": "buggy""#), "protocol.variant: unknown variant \"buggy\" (known: correct, vote-without-log-check, commit-old-term-by-counting, volatile-voted-for, no-step-down)"),
        (raft(r#", "variant": "no-stepdown""#), "protocol.variant: unknown variant \"no-stepdown\" (did you mean \"no-step-down\"? known: correct,"),
        (raft(r#", "variant": ["correct"]"#), "protocol.variant: expected text in quotes, found a list"),
        (raft(r#", "initial": {}"#), "protocol.initial: expected a list with one state per node, like [{ \"term\": 3, \"voted_for\": 0, \"log\": [] }], found an object"),
        (initial("3"), "protocol.initial[0]: expected a node's state like { \"term\": 3, \"voted_for\": 0, \"log\": [] }, found 3"),
        (initial(r#"{"voted_for": 0}"#), "protocol.initial[0].term: missing; the node's current term, 0 for a node that never saw one"),
        (initial(r#"{"term": 1, "votedFor": 0}"#), "protocol.initial[0].votedFor: a node's initial state has no such field (did you mean voted_for?)"),
        (initial(r#"{"term": 1, "vote": 0}"#), "protocol.initial[0].vote: a node's initial state has no such field (known: term, voted_for, log)"),
        (initial(r#"{"terms": 1}"#), "protocol.initial[0].terms: a node's initial state has no such field (did you mean term?)"),
        (initial(r#"{"term": 1, "logs": []}"#), "protocol.initial[0].logs: a node's initial state has no such field (did you mean log?)"),
        (initial(r#"{"term": -1}"#), "protocol.initial[0].term: must not be negative, found -1"),
        (initial(r#"{"term": 1, "voted_for": "n0"}"#), "protocol.initial[0].voted_for: expected a node number, or null for no vote, found the text \"n0\""),
        (initial(r#"{"term": 1, "voted_for": false}"#), "protocol.initial[0].voted_for: expected a node number, or null for no vote, found false"),
        (initial(r#"{"term": 1, "voted_for": -1}"#), "protocol.initial[0].voted_for: must not be negative, found -1"),
        (initial(r#"{"term": 1, "voted_for": 4294967296}"#), "protocol.initial[0].voted_for: 4294967296 is too large (at most 4294967295)"),
        (initial(r#"{"term": 1, "log": {"term": 1}}"#), "protocol.initial[0].log: expected a list of entries like [{ \"term\": 1, \"key\": 0, \"value\": 7 }], found an object"),
        (initial(r#"{"term": 1, "log": [[1, 0, 7]]}"#), "protocol.initial[0].log[0]: expected an entry like { \"term\": 1, \"key\": 0, \"value\": 7 }, found a list"),
        (initial(r#"{"term": 1, "log": [{"term": 1, "key": 0}]}"#), "protocol.initial[0].log[0].value: missing; a log entry needs term, key, value"),
        (initial(r#"{"term": 1, "log": [{"key": 0, "value": 1}]}"#), "protocol.initial[0].log[0].term: missing; a log entry needs term, key, value"),
        (initial(r#"{"term": 1, "log": [{"term": 1, "key": 0, "value": 1, "index": 1}]}"#), "protocol.initial[0].log[0].index: a log entry has no such field (known: term, key, value)"),
        (initial(r#"{"term": 1, "log": [{"term": 1, "keys": 0, "value": 1}]}"#), "protocol.initial[0].log[0].keys: a log entry has no such field (did you mean key?)"),
        (initial(r#"{"term": 1, "log": [{"term": 1, "key": 4294967296, "value": 1}]}"#), "protocol.initial[0].log[0].key: 4294967296 is too large (at most 4294967295)"),
        (initial(r#"{"term": 1, "log": [{"term": 1, "key": 0, "value": "x"}]}"#), "protocol.initial[0].log[0].value: expected a whole number, found the text \"x\""),
        (initial(&format!(r#"{FRESH}, {FRESH}, {{"term": 1, "log": [{}]}}"#, vec![r#"{"term": 1, "key": 0, "value": 1}"#; 10_001].join(","))), "protocol.initial[2].log: 10001 entries is more than the 10000 allowed"),
        (with(r#", "sed": 2"#), "sed: a scenario has no such field (did you mean seed?)"),
        (with(r#", "colour": 2"#), "colour: a scenario has no such field (known: version, name, description, seed, protocol, network, workload, limits, actions)"),
        (with(r#", "network": {"delay_tick_min": 2}"#), "network.delay_tick_min: network has no such field (did you mean delay_ticks_min?)"),
        (with(r#", "workload": {"client": 2}"#), "workload.client: workload has no such field (did you mean clients?)"),
        (with(r#", "limits": {"ticks": 2}"#), "limits.ticks: limits has no such field"),
        (with(r#", "limits": {"a\nb": 2}"#), r#"limits["a\u{a}b"]: limits has no such field"#),
        (with(r#", "network": 5"#), "network: expected an object of network settings, found 5"),
        (r#"{"version": 1, "seed": -1}"#.into(), "seed: must not be negative, found -1"),
        (r#"{"version": 1, "seed": 1.5}"#.into(), "seed: expected a whole number, found 1.5"),
        (r#"{"version": 1, "seed": 1e3}"#.into(), "seed: write whole numbers without a decimal point or exponent, found 1000.0"),
        (r#"{"version": 1, "seed": 18446744073709551616}"#.into(), "seed: 1.8446744073709552e19 is too large (at most 18446744073709551615)"),
        (r#"{"version": 1, "seed": -1e30}"#.into(), "seed: must not be negative, found -1e30"),
        (r#"{"version": 1, "seed": null}"#.into(), "seed: expected a whole number, found null"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "primary-backup", "nodes": 4294967296}}"#.into(), "protocol.nodes: 4294967296 is too large (at most 4294967295)"),
        (with(r#", "name": 5"#), "name: expected text in quotes, found 5"),
        (with(r#", "description": ["a"]"#), "description: expected text in quotes, found a list"),
        (with(r#", "actions": {}"#), "actions: expected a list of actions, found an object"),
        (actions("true"), "actions[0]: expected an action like { \"at_tick\": 100, \"action\": \"crash\", \"node\": 0 }, found true"),
        (actions(r#"{"action": "heal"}"#), "actions[0].at_tick: missing; the tick at which the action happens"),
        (actions(r#"{"at_tick": 1}"#), "actions[0].action: missing; which action"),
        (actions(r#"{"at_tick": 1, "action": 3}"#), "actions[0].action: expected text in quotes, found 3"),
        (actions(r#"{"at_tick": 1, "action": "crsh", "node": 0}"#), "actions[0].action: unknown action \"crsh\" (did you mean \"crash\"?)"),
        (actions(r#"{"at_tick": 1, "action": "explode"}"#), "unknown action \"explode\" (known: crash, crash-stop, restart, pause, partition, heal, isolate, reconnect, cut-link, repair-link, cut-links, repair-links, drop-message, duplicate-message, delay-message, deliver-message, fire-timer, add-node, remove-node, client-request)"),
        (actions(r#"{"at_tick": 1, "action": "crash", "node": 0, "ticks": 5}"#), "actions[0].ticks: a crash action has no such field (known: node)"),
        (actions(r#"{"at_tick": 1, "action": "heal", "node": 0}"#), "actions[0].node: a heal action has no such field (it takes no other fields)"),
        (actions(r#"{"at_tick": 1, "action": "pause", "node": 0}"#), "actions[0].ticks: missing; a pause action needs node, ticks"),
        (actions(r#"{"at_tick": 1, "action": "crash", "node": "n1"}"#), "actions[0].node: expected a whole number, found the text \"n1\""),
        (actions(r#"{"at_tick": 1, "action": "cut-links", "links": [[0, 1, 2]]}"#), "actions[0].links[0]: expected a link, two nodes like [0, 1], found a list of 3"),
        (actions(r#"{"at_tick": 1, "action": "cut-links", "links": {"a": 1}}"#), "actions[0].links: expected a list of links, each two nodes, like [[0, 1], [0, 2]], found an object"),
        (actions(r#"{"at_tick": 1, "action": "partition", "islands": 0}"#), "actions[0].islands: expected a list of islands, each a list of nodes, like [[0], [1, 2]], found 0"),
        (actions(r#"{"at_tick": 1, "action": "partition", "islands": [[0], 1]}"#), "actions[0].islands[1]: expected a list of nodes, like [1, 2], found 1"),
        (actions(r#"{"at_tick": 1, "action": "partition", "islands": [[0], [-1]]}"#), "actions[0].islands[1][0]: must not be negative, found -1"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, "operation": "cas", "key": 0}"#), "actions[0].operation: unknown operation \"cas\" (known: read, write, append)"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, "operation": "read", "key": 0, "value": 1}"#), "actions[0].value: a read has no value; remove it or make the operation a write or an append"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, "operation": "write", "key": 0}"#), "actions[0].value: missing; a write needs key, value"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, "operation": "write", "value": 1}"#), "actions[0].key: missing"),
        (actions(r#"{"at_tick": 1, "action": "fire-timer", "node": 0, "timer": 1.5}"#), "actions[0].timer: expected a whole number, found 1.5"),
    ];
    check_table(&cases);
}

#[test]
fn validation_errors_name_the_field() {
    let long_name = "é".repeat(201);
    let long_description = "x".repeat(5001);
    let cases: Vec<(String, &str)> = vec![
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "primary-backup", "nodes": 0}}"#.into(), "protocol.nodes: must be from 1 to 16, found 0"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "primary-backup", "nodes": 17}}"#.into(), "protocol.nodes: must be from 1 to 16, found 17"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "raft", "nodes": 0}}"#.into(), "protocol.nodes: must be from 1 to 16, found 0"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "raft", "nodes": 17}}"#.into(), "protocol.nodes: must be from 1 to 16, found 17"),
        (raft(r#", "heartbeat_ticks": 0"#), "protocol.heartbeat_ticks: must be at least 1: a leader needs some time between heartbeats"),
        (raft(r#", "heartbeat_ticks": 150"#), "protocol.heartbeat_ticks: 150 is not less than election_timeout_ticks_min (150): followers would time out between heartbeats"),
        (raft(r#", "heartbeat_ticks": 200, "election_timeout_ticks_min": 100"#), "protocol.heartbeat_ticks: 200 is not less than election_timeout_ticks_min (100)"),
        (raft(r#", "election_timeout_ticks_min": 0, "heartbeat_ticks": 1"#), "protocol.heartbeat_ticks: 1 is not less than election_timeout_ticks_min (0)"),
        (raft(r#", "election_timeout_ticks_min": 301"#), "protocol.election_timeout_ticks_min: 301 is greater than election_timeout_ticks_max (300)"),
        (raft(r#", "election_timeout_ticks_min": 500, "election_timeout_ticks_max": 400"#), "protocol.election_timeout_ticks_min: 500 is greater than election_timeout_ticks_max (400)"),
        (raft(r#", "election_timeout_ticks_max": 1000001"#), "protocol.election_timeout_ticks_max: 1000001 ticks is more than the 1000000 allowed"),
        (raft(r#", "election_timeout_ticks_max": 18446744073709551615"#), "protocol.election_timeout_ticks_max: 18446744073709551615 ticks is more than the 1000000 allowed"),
        (initial(r#"{"term": 1}, {"term": 1}"#), "protocol.initial: 3 nodes need 3 initial states, got 2"),
        (initial(r#"{"term": 1}, {"term": 1}, {"term": 1}, {"term": 1}"#), "protocol.initial: 3 nodes need 3 initial states, got 4"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "raft", "nodes": 1, "initial": [{"term": 0}, {"term": 0}]}}"#.into(), "protocol.initial: 1 node needs 1 initial state, got 2"),
        (initial(&format!(r#"{FRESH}, {{"term": 2, "voted_for": 3}}, {FRESH}"#)), "protocol.initial[1].voted_for: node 3 does not exist (the cluster has nodes 0..=2)"),
        (initial(&format!(r#"{FRESH}, {FRESH}, {{"term": 1000000001}}"#)), "protocol.initial[2].term: 1000000001 is more than the 1000000000 allowed"),
        (initial(&format!(r#"{{"term": 2, "log": [{{"term": 0, "key": 0, "value": 1}}]}}, {FRESH}, {FRESH}"#)), "protocol.initial[0].log[0].term: must be at least 1: terms of entries start at 1"),
        (initial(&format!(r#"{FRESH}, {{"term": 3, "log": [{{"term": 1, "key": 0, "value": 1}}, {{"term": 3, "key": 0, "value": 2}}, {{"term": 2, "key": 0, "value": 3}}]}}, {FRESH}"#)), "protocol.initial[1].log[2].term: 2 is less than the term of the entry before it (3); terms never decrease along a log"),
        (initial(&format!(r#"{FRESH}, {FRESH}, {{"term": 2, "log": [{{"term": 1, "key": 0, "value": 1}}, {{"term": 3, "key": 0, "value": 2}}]}}"#)), "protocol.initial[2].log[1].term: 3 is greater than the node's term (2); a node cannot hold entries from a later term"),
        (initial(&format!(r#"{{"term": 0, "log": [{{"term": 1, "key": 0, "value": 1}}]}}, {FRESH}, {FRESH}"#)), "protocol.initial[0].log[0].term: 1 is greater than the node's term (0)"),
        (initial(&format!(r#"{FRESH}, {{"term": 1, "log": [{{"term": 1, "key": 1, "value": 1}}, {{"term": 1, "key": 2, "value": 1}}]}}, {FRESH}"#)), "protocol.initial[1].log[1].key: key 2 does not exist (keys are 0..=1)"),
        (r#"{"version": 1, "seed": 1, "workload": {"keys": 0}, "protocol": {"name": "raft", "nodes": 1, "initial": [{"term": 1, "log": [{"term": 1, "key": 5, "value": 1}]}]}}"#.into(), "workload.keys: must be from 1 to 1000, found 0"),
        (raft_with("", r#", "actions": [{"at_tick": 1, "action": "crash", "node": 3}]"#), "actions[0].node: node 3 does not exist (the cluster has nodes 0..=2)"),
        (with(r#", "workload": {"clients": 33}"#), "workload.clients: must be from 0 to 32, found 33"),
        (with(r#", "workload": {"keys": 0}"#), "workload.keys: must be from 1 to 1000, found 0"),
        (with(r#", "workload": {"keys": 1001}"#), "workload.keys: must be from 1 to 1000, found 1001"),
        (with(r#", "network": {"loss_per_mille": 1001}"#), "network.loss_per_mille: 1001 is more than 1000 (per mille: 1000 means always)"),
        (with(r#", "network": {"duplicate_per_mille": 5000}"#), "network.duplicate_per_mille: 5000 is more than 1000"),
        (with(r#", "network": {"reorder_per_mille": 1001}"#), "network.reorder_per_mille: 1001 is more than 1000"),
        (with(r#", "workload": {"read_per_mille": 1001}"#), "workload.read_per_mille: 1001 is more than 1000"),
        (with(r#", "workload": {"append_per_mille": 1001}"#), "workload.append_per_mille: 1001 is more than 1000"),
        (with(r#", "workload": {"read_per_mille": 600, "append_per_mille": 401}"#), "workload.append_per_mille: 401 with read_per_mille 600 is more than 1000: reads and appends share the operations, writes get the rest"),
        (with(r#", "network": {"delay_ticks_min": 20, "delay_ticks_max": 10}"#), "network.delay_ticks_min: 20 is greater than delay_ticks_max (10)"),
        (with(r#", "network": {"delay_ticks_min": 0}"#), "network.delay_ticks_min: must be at least 1: a message cannot arrive in the tick it was sent"),
        (with(r#", "network": {"delay_ticks_max": 2000000000}"#), "network.delay_ticks_max: 2000000000 ticks is more than the 1000000000 allowed"),
        (with(r#", "workload": {"think_ticks_min": 50, "think_ticks_max": 40}"#), "workload.think_ticks_min: 50 is greater than think_ticks_max (40)"),
        (with(r#", "workload": {"timeout_ticks": 0}"#), "workload.timeout_ticks: must be at least 1"),
        (with(r#", "workload": {"attempts_max": 0}"#), "workload.attempts_max: must be from 1 to 100, found 0"),
        (with(r#", "workload": {"attempts_max": 101}"#), "workload.attempts_max: must be from 1 to 100, found 101"),
        (with(r#", "workload": {"operations_max": 100001}"#), "workload.operations_max: must be from 0 to 100000, found 100001"),
        (with(r#", "limits": {"ticks_max": 0}"#), "limits.ticks_max: must be from 1 to 100000000, found 0"),
        (with(r#", "limits": {"ticks_max": 100000001}"#), "limits.ticks_max: must be from 1 to 100000000, found 100000001"),
        (with(r#", "limits": {"steps_max": 0}"#), "limits.steps_max: must be from 1 to 2000000, found 0"),
        (with(r#", "limits": {"steps_max": 2000001}"#), "limits.steps_max: 2000001 is more than 2000000: every step is kept so the run can be stepped back through, and a longer run would not fit in a browser tab"),
        (with(r#", "limits": {"in_flight_max": 0}"#), "limits.in_flight_max: must be from 1 to 1000000, found 0"),
        (with(r#", "limits": {"in_flight_max": 1000001}"#), "limits.in_flight_max: must be from 1 to 1000000, found 1000001"),
        (with(&format!(r#", "name": "{long_name}""#)), "name: 201 characters is longer than the 200 allowed"),
        (with(&format!(r#", "description": "{long_description}""#)), "description: 5001 characters is longer than the 5000 allowed"),
        (actions(r#"{"at_tick": 300, "action": "heal"}, {"at_tick": 200, "action": "heal"}"#), "actions[1].at_tick: 200 is earlier than the action before it (tick 300); list actions in time order"),
        (actions(r#"{"at_tick": 1000000001, "action": "heal"}"#), "actions[0].at_tick: 1000000001 ticks is more than the 1000000000 allowed"),
        (actions(r#"{"at_tick": 1, "action": "heal"}, {"at_tick": 2, "action": "crash", "node": 7}"#), "actions[1].node: node 7 does not exist (the cluster has nodes 0..=4)"),
        (actions(r#"{"at_tick": 1, "action": "restart", "node": 5}"#), "actions[0].node: node 5 does not exist"),
        (actions(r#"{"at_tick": 1, "action": "cut-link", "from": 0, "to": 5}"#), "actions[0].to: node 5 does not exist"),
        (actions(r#"{"at_tick": 1, "action": "repair-link", "from": 9, "to": 0}"#), "actions[0].from: node 9 does not exist"),
        (actions(r#"{"at_tick": 1, "action": "fire-timer", "node": 5, "timer": 0}"#), "actions[0].node: node 5 does not exist"),
        (actions(r#"{"at_tick": 1, "action": "cut-links", "links": [[0, 9]]}"#), "actions[0].links[0][1]: node 9 does not exist (the cluster has nodes 0..=4)"),
        (actions(r#"{"at_tick": 1, "action": "repair-links", "links": [[0, 1], [2, 2]]}"#), "actions[0].links[1]: a link joins two different nodes; found node 2 twice"),
        (actions(r#"{"at_tick": 1, "action": "partition", "islands": [[0, 1], [2, 9]]}"#), "actions[0].islands[1][1]: node 9 does not exist (the cluster has nodes 0..=4)"),
        (actions(r#"{"at_tick": 1, "action": "partition", "islands": [[0, 1], [2, 1]]}"#), "actions[0].islands[1][1]: node 1 is already in island 0; a node can be in one island only"),
        (actions(r#"{"at_tick": 1, "action": "partition", "islands": [[3, 3]]}"#), "actions[0].islands[0][1]: node 3 appears twice in this island"),
        (actions(r#"{"at_tick": 1, "action": "pause", "node": 1, "ticks": 0}"#), "actions[0].ticks: a pause lasts at least 1 tick"),
        (actions(r#"{"at_tick": 1, "action": "delay-message", "message": 3, "ticks": 0}"#), "actions[0].ticks: a delay lasts at least 1 tick"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 2, "node": 0, "operation": "read", "key": 0}"#), "actions[0].client: client 2 does not exist (the workload has clients 0..=1)"),
        (with(r#", "workload": {"clients": 0}, "actions": [{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, "operation": "read", "key": 0}]"#), "actions[0].client: client 0 does not exist (the workload has no clients)"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 0, "node": 5, "operation": "read", "key": 0}"#), "actions[0].node: node 5 does not exist"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, "operation": "write", "key": 1, "value": 3}"#), "actions[0].key: key 1 does not exist (keys are 0..=0)"),
    ];
    check_table(&cases);
}

#[test]
fn two_phase_commit_and_its_bank_are_checked_field_by_field() {
    let cases: Vec<(String, &str)> = vec![
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "two-phase-comit", "resource_managers": 2}}"#.into(), "protocol.name: unknown protocol \"two-phase-comit\" (did you mean \"two-phase-commit\"?)"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "two-phase-commit"}}"#.into(), "protocol.resource_managers: missing; how many resource managers hold the accounts, 1 to 15"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "two-phase-commit", "resource_managers": 2, "nodes": 3}}"#.into(), "protocol.nodes: a two-phase-commit protocol has no such field"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "two-phase-commit", "resource_managers": 0}}"#.into(), "protocol.resource_managers: must be from 1 to 15 (the coordinator is one more node, 16 in all), found 0"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "two-phase-commit", "resource_managers": 16}}"#.into(), "protocol.resource_managers: must be from 1 to 15"),
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "two-phase-commit", "resource_managers": 1}}"#.into(), "protocol.accounts_per_resource_manager: 1 resource manager with 1 account makes a bank of 1 account, and a transfer needs 2"),
        (two_phase_commit_with(r#", "variant": "sloppy""#, ""), "protocol.variant: unknown variant \"sloppy\" (known: correct, abort-after-voting-yes, decision-before-log, volatile-vote, commit-on-vote-timeout)"),
        (two_phase_commit_with(r#", "cooperative_termination": 1"#, ""), "protocol.cooperative_termination: expected true or false, found 1"),
        (two_phase_commit_with(r#", "initial_balance": -5"#, ""), "protocol.initial_balance: must not be negative, found -5"),
        (two_phase_commit_with(r#", "initial_balance": 1000000000001"#, ""), "protocol.initial_balance: must be from 0 to 1000000000000, found 1000000000001"),
        (two_phase_commit_with(r#", "transfer_amount_max": 0"#, ""), "protocol.transfer_amount_max: must be at least 1: a transfer moves some money"),
        (two_phase_commit_with(r#", "vote_timeout_ticks": 0"#, ""), "protocol.vote_timeout_ticks: a wait for votes lasts at least 1 tick"),
        (two_phase_commit_with("", r#", "workload": {"append_per_mille": 100}"#), "workload.append_per_mille: two-phase-commit's clients transfer money and read balances; they do not append"),
        (two_phase_commit_with("", r#", "workload": {"keys": 3}"#), "workload.keys: two-phase-commit has accounts, not keys"),
        (bank_request(r#""operation": "transfer", "from": 0, "to": 4, "amount": 5"#), "actions[0].to: account 4 does not exist (accounts are 0..=3)"),
        (bank_request(r#""operation": "transfer", "from": 7, "to": 1, "amount": 5"#), "actions[0].from: account 7 does not exist (accounts are 0..=3)"),
        (bank_request(r#""operation": "transfer", "from": 1, "to": 1, "amount": 5"#), "actions[0].to: a transfer moves money between two accounts; from and to are both 1"),
        (bank_request(r#""operation": "transfer", "from": 0, "to": 1, "amount": -5"#), "actions[0].amount: must not be negative, found -5"),
        (bank_request(r#""operation": "transfer", "from": 0, "to": 1, "amount": 0"#), "actions[0].amount: must be at least 1: a transfer moves some money"),
        (bank_request(r#""operation": "transfer", "from": 0, "to": 1, "amount": 1000000000001"#), "actions[0].amount: 1000000000001 is more than the 1000000000000 a transfer may move"),
        (bank_request(r#""operation": "transfer", "from": 0, "to": 1, "amount": 18446744073709551616"#), "actions[0].amount: 1.8446744073709552e19 is too large (at most 18446744073709551615)"),
        (bank_request(r#""operation": "transfer", "from": 0, "to": 1"#), "actions[0].amount: missing; a transfer needs from, to, amount"),
        (bank_request(r#""operation": "transfer", "from": 0, "to": 1, "amount": 2, "key": 0"#), "actions[0].key: a transfer has no key; it takes from, to, amount"),
        (bank_request(r#""operation": "read-balances", "key": 0"#), "actions[0].key: read-balances reads every account and takes no key"),
        (bank_request(r#""operation": "write", "key": 0, "value": 1"#), "actions[0].operation: unknown operation \"write\" (known: transfer, read-balances)"),
        (actions(r#"{"at_tick": 1, "action": "client-request", "client": 0, "node": 0, "operation": "transfer", "from": 0, "to": 1, "amount": 1}"#), "actions[0].operation: unknown operation \"transfer\" (known: read, write, append)"),
    ];
    check_table(&cases);
}

#[test]
fn crdts_and_their_operations_are_checked_field_by_field() {
    let cases = vec![
        (r#"{"version": 1, "seed": 1, "protocol": {"name": "crdt", "nodes": 3}}"#.to_string(), "protocol.data_type: missing; which type the replicas hold: g-counter, pn-counter, g-set, 2p-set, or-set, lww-register or mv-register"),
        (crdt_with("bag", "", ""), "protocol.data_type: unknown CRDT type \"bag\" (known: g-counter, pn-counter, g-set, 2p-set, or-set, lww-register, mv-register)"),
        (crdt_with("or-set", r#", "replication": "delta""#, ""), "protocol.replication: unknown replication \"delta\" (known: state, operation)"),
        (crdt_with("or-set", r#", "gossip_interval_ticks": 0"#, ""), "protocol.gossip_interval_ticks: a gossip interval lasts at least 1 tick"),
        (crdt_with("or-set", r#", "gossip_fan_out": 0"#, ""), "protocol.gossip_fan_out: must be from 1 to 15, found 0"),
        (crdt_with("or-set", r#", "elements": 0"#, ""), "protocol.elements: must be from 1 to 1000, found 0"),
        (crdt_with("g-counter", r#", "amount_max": 1000000001"#, ""), "protocol.amount_max: must be from 1 to 1000000000, found 1000000001"),
        (crdt_with("or-set", r#", "remove_per_mille": 1001"#, ""), "protocol.remove_per_mille: 1001 is more than 1000"),
        (crdt_with("g-set", r#", "variant": "merge-not-idempotent""#, ""), "protocol.variant: merge-not-idempotent is a bug of the state-based OR-Set"),
        (crdt_with("g-counter", r#", "variant": "no-duplicate-detection""#, ""), "protocol.variant: no-duplicate-detection is a bug of operation-based counters"),
        (crdt_with("mv-register", r#", "variant": "skewed-clocks""#, ""), "protocol.variant: skewed-clocks is a bug of the lww-register"),
        (crdt_with("or-set", "", r#", "workload": {"keys": 2}"#), "workload.keys: a CRDT scenario replicates one object, not keys"),
        (crdt_with("or-set", "", r#", "workload": {"append_per_mille": 10}"#), "workload.append_per_mille: a CRDT's clients update and read its one object"),
        (crdt_request("g-set", r#""operation": "remove", "element": 3"#), "actions[0].operation: a g-set takes add, read; it has no remove"),
        (crdt_request("g-counter", r#""operation": "decrement", "by": 3"#), "actions[0].operation: a g-counter takes increment, read; it has no decrement"),
        (crdt_request("lww-register", r#""operation": "add", "element": 3"#), "actions[0].operation: a lww-register takes write, read; it has no add"),
        (crdt_request("pn-counter", r#""operation": "increment", "by": 0"#), "actions[0].by: must be from 1 to 1000000000, found 0"),
        (crdt_request("pn-counter", r#""operation": "increment", "by": 1000000001"#), "actions[0].by: must be from 1 to 1000000000, found 1000000001"),
        (crdt_request("or-set", r#""operation": "add", "element": 5000000000"#), "actions[0].element: must be from 0 to 1000000000, found 5000000000"),
        (crdt_request("or-set", r#""operation": "add""#), "actions[0].element: missing; an add needs element"),
        (crdt_request("or-set", r#""operation": "add", "element": 1, "value": 2"#), "actions[0].value: an add has no value; it takes element"),
        (crdt_request("or-set", r#""operation": "transfer", "from": 0, "to": 1, "amount": 1"#), "actions[0].operation: unknown operation \"transfer\" (known: increment, decrement, add, remove, write, read)"),
        (crdt_request("or-set", r#""operation": "add", "element": -1"#), "actions[0].element: must not be negative, found -1"),
        (quorum_with(r#", "read_quorum": 4"#), "protocol.read_quorum: R must be from 1 to N (replicas, 3), found 4"),
        (quorum_with(r#", "write_quorum": 0"#), "protocol.write_quorum: W must be from 1 to N (replicas, 3), found 0"),
        (quorum_with(r#", "replicas": 2, "write_quorum": 3"#), "protocol.write_quorum: W must be from 1 to N (replicas, 2), found 3"),
        (quorum_with(r#", "replicas": 6"#), "protocol.replicas: N must be from 1 to the 5 nodes the cluster starts with, found 6"),
        (quorum_with(r#", "virtual_nodes": 0"#), "protocol.virtual_nodes: must be at least 1: a node needs a point on the ring"),
        (quorum_with(r#", "virtual_nodes": 1001"#), "protocol.virtual_nodes: must be from 1 to 1000, found 1001"),
        (quorum_with(r#", "quorum_timeout_ticks": 0"#), "protocol.quorum_timeout_ticks: a wait for a quorum lasts at least 1 tick"),
        (quorum_with(r#", "conflicts": "merge""#), "protocol.conflicts: unknown conflict handling \"merge\" (known: siblings, last-writer-wins)"),
        (quorum_with(r#", "variant": "hints-never-handed-off""#), "protocol.variant: hints-never-handed-off is a bug of hinted hand-off: it needs \"sloppy_quorum\": true"),
    ];
    check_table(&cases);
}

#[test]
fn nodes_join_and_leave_only_where_the_protocol_lets_them() {
    let add = r#"{"at_tick": 1, "action": "add-node"}"#;
    let sixteen = r#"{"version": 1, "seed": 1, "protocol": {"name": "raft", "nodes": 16}, "actions": [{"at_tick": 1, "action": "add-node"}]}"#;
    let one = r#"{"version": 1, "seed": 1, "protocol": {"name": "raft", "nodes": 1}, "actions": [{"at_tick": 1, "action": "remove-node", "node": 0}]}"#;
    let cases: Vec<(String, &str)> = vec![
        (actions(add), "actions[0].action: primary-backup does not let nodes join or leave during a run"),
        (
            raft_with("", &format!(r#", "actions": [{add}]"#)),
            "actions[0].action: raft does not let nodes join or leave during a run",
        ),
        (
            two_phase_commit_with("", r#", "actions": [{"at_tick": 1, "action": "remove-node", "node": 1}]"#),
            "actions[0].action: two-phase-commit does not let nodes join or leave during a run",
        ),
        (sixteen.into(), "actions[0].action: adding a node would number it 16, past the 16 nodes a run may have"),
        (one.into(), "actions[0].node: n0 is the last node of the cluster; removing it would leave none"),
        (
            actions(r#"{"at_tick": 1, "action": "remove-node", "node": 9}"#),
            "actions[0].node: node 9 does not exist (the cluster has nodes 0..=4)",
        ),
        (
            actions(r#"{"at_tick": 1, "action": "remove-node"}"#),
            "actions[0].node: missing; a remove-node action needs node",
        ),
        (
            actions(r#"{"at_tick": 1, "action": "add-node", "node": 2}"#),
            "actions[0].node: an add-node action has no such field (it takes no other fields)",
        ),
    ];
    check_table(&cases);
}

#[test]
fn limits_are_inclusive() {
    let name = "é".repeat(200);
    let text = with(&format!(
        r#", "name": "{name}", "network": {{"delay_ticks_min": 1, "delay_ticks_max": 1000000000, "loss_per_mille": 1000}},
           "workload": {{"clients": 32, "keys": 1000, "attempts_max": 100, "operations_max": 100000, "think_ticks_min": 0, "think_ticks_max": 0}},
           "limits": {{"ticks_max": 100000000, "steps_max": 2000000, "in_flight_max": 1000000}},
           "actions": [{{"at_tick": 1000000000, "action": "client-request", "client": 31, "node": 4, "operation": "read", "key": 999}}]"#
    ));
    from_json(&text).unwrap();
    let sixteen =
        r#"{"version": 1, "seed": 18446744073709551615, "protocol": {"name": "primary-backup", "nodes": 16}}"#;
    assert_eq!(from_json(sixteen).unwrap().seed, u64::MAX);

    // Raft at every bound at once: 16 nodes, the tightest and the widest
    // timing, the longest log, the highest term, the last key and node.
    let mut entries = vec![r#"{"term": 1, "key": 0, "value": 0}"#];
    entries.resize(10_000, r#"{"term": 1000000000, "key": 999, "value": 18446744073709551615}"#);
    let mut states = vec![r#"{"term": 0, "voted_for": null, "log": []}"#.to_owned(); 15];
    states.push(format!(r#"{{"term": 1000000000, "voted_for": 15, "log": [{}]}}"#, entries.join(", ")));
    let text = format!(
        r#"{{"version": 1, "seed": 1, "workload": {{"keys": 1000}}, "protocol": {{"name": "raft", "nodes": 16,
            "heartbeat_ticks": 1, "election_timeout_ticks_min": 2, "election_timeout_ticks_max": 1000000,
            "initial": [{}]}}}}"#,
        states.join(", ")
    );
    let ProtocolSpec::Raft(raft) = from_json(&text).unwrap().protocol else {
        panic!("not raft");
    };
    assert_eq!(raft.initial[15].log.len(), 10_000);
    let equal = raft_with(r#", "heartbeat_ticks": 299, "election_timeout_ticks_min": 300"#, "");
    from_json(&equal).unwrap();
}

/// Rules checked on scenarios built in Rust, where JSON cannot reach or is too slow.
#[test]
fn validate_checks_scenarios_built_in_rust() {
    let mut scenario = Scenario::new("", 1, ProtocolSpec::PrimaryBackup { nodes: 3 });
    assert_eq!(validate(&scenario), Ok(()));

    scenario.actions = vec![TimedAction { at_tick: 1, action: Action::Heal }; 100_001];
    let error = validate(&scenario).unwrap_err();
    assert_eq!(error.path, "actions");
    assert_eq!(error.to_string(), "actions: 100001 actions is more than the 100000 allowed");

    scenario.actions.clear();
    let mut raft = RaftSpec::new(3);
    raft.initial = vec![
        RaftInitialNode {
            term: 1,
            voted_for: None,
            log: vec![RaftInitialEntry { term: 1, key: 0, value: 0 }; 10_001],
        };
        3
    ];
    scenario.protocol = ProtocolSpec::Raft(raft.clone());
    assert_eq!(
        validate(&scenario).unwrap_err().to_string(),
        "protocol.initial[0].log: 10001 entries is more than the 10000 allowed"
    );
    for node in &mut raft.initial {
        node.log.truncate(10_000);
    }
    scenario.protocol = ProtocolSpec::Raft(raft);
    assert_eq!(validate(&scenario), Ok(()));

    scenario.protocol = ProtocolSpec::PrimaryBackup { nodes: 3 };
    scenario.version = 2;
    assert_eq!(
        validate(&scenario).unwrap_err().to_string(),
        "version: unknown scenario version 2 (this Faultline reads version 1)"
    );
}

#[test]
fn error_fields_hold_path_and_position_separately() {
    let error = from_json(&actions(r#"{"at_tick": 1, "action": "crash", "node": 7}"#)).unwrap_err();
    assert_eq!(
        error,
        ScenarioError {
            path: "actions[0].node".into(),
            message: "node 7 does not exist (the cluster has nodes 0..=4)".into(),
            line: None,
            column: None,
        }
    );
    let error = from_json("{\n  \"version\": 1,\n}").unwrap_err();
    assert_eq!((error.path.as_str(), error.line, error.column), ("", Some(3), Some(1)));
}

#[test]
fn url_errors_say_what_is_wrong_with_the_link() {
    let valid = to_url_fragment(&common::every_action_scenario());
    let data = valid.strip_prefix("s=1.").unwrap();
    let bad_scenario = actions(r#"{"at_tick": 1, "action": "crash", "node": 7}"#);
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "the link is damaged: it has no scenario (no s= part)"),
        ("#t=5".into(), "the link is damaged: it has no scenario (no s= part)"),
        (
            format!("#s=2.{data}"),
            "this link was made by a newer Faultline (encoding version 2); this one reads version 1",
        ),
        (format!("s=0.{data}"), "the link is damaged: unknown encoding version 0"),
        (format!("s=x.{data}"), "the link is damaged: its encoding version is not a number"),
        (format!("s=+1.{data}"), "the link is damaged: its encoding version is not a number"),
        (format!("s={data}"), "the link is damaged: its scenario has no encoding version (expected s=1.…)"),
        (
            "s=1.ab$c".into(),
            "the link is damaged: character \"$\" at position 3 of its scenario data is not allowed there",
        ),
        ("s=1.ab\ncd".into(), "character \"\\u{a}\" at position 3"),
        ("s=1.abcde".into(), "the link is damaged: its scenario data was cut short"),
        (
            "s=1.AAAA".into(),
            "the link is damaged: its scenario data does not decompress (was the link cut short when copied?)",
        ),
        (valid[..valid.len() / 2].to_owned(), "the link is damaged"),
        (valid[..valid.len() - 4].to_owned(), "the link is damaged: its scenario data does not decompress"),
        (
            common::fragment_for(b"{\"version\": 1,"),
            "the link is damaged: its scenario is not valid JSON (the text ends where a value was expected)",
        ),
        (common::fragment_for(b"\xff\xfe"), "the link is damaged: its scenario is not valid text"),
        (common::fragment_for(b" "), "the link is damaged: the text is empty"),
        (common::fragment_for(b"[1]"), "the link is damaged: expected a scenario object, found a list"),
        (common::fragment_for(bad_scenario.as_bytes()), "actions[0].node: node 7 does not exist"),
        (common::fragment_for(&vec![b' '; 5 << 20]), "the link's scenario is larger than 4 MiB"),
    ];
    let mut failures = Vec::new();
    for (input, expected) in &cases {
        match from_url_fragment(input) {
            Ok(_) => failures.push(format!("accepted: {input:.80}")),
            Err(error) if !error.to_string().contains(expected) => {
                failures.push(format!("input: {input:.80}\n  got:      {error}\n  expected: {expected}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn url_fragments_may_carry_other_parameters() {
    let scenario = common::every_action_scenario();
    let fragment = format!("#t=120&{}&panels=history", to_url_fragment(&scenario));
    assert_eq!(from_url_fragment(&fragment), Ok(scenario));
}
