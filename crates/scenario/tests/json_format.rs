//! The JSON format as people see it: the documented example, defaults, and
//! the layout of the written text.

mod common;

use faultline_scenario::*;

#[test]
fn the_documented_example_reads_as_expected() {
    let text = r#"{
      "version": 1,
      "name": "Stale read after isolating the primary",
      "description": "…",
      "seed": 7,
      "protocol": { "name": "primary-backup", "nodes": 3 },
      "network": { "delay_ticks_min": 5, "delay_ticks_max": 15, "loss_per_mille": 0, "duplicate_per_mille": 0, "reorder_per_mille": 0 },
      "workload": { "clients": 2, "think_ticks_min": 10, "think_ticks_max": 40, "keys": 1, "read_per_mille": 500, "timeout_ticks": 100, "attempts_max": 3, "operations_max": 200 },
      "limits": { "ticks_max": 5000, "steps_max": 200000, "in_flight_max": 10000 },
      "actions": [
        { "at_tick": 300, "action": "isolate", "node": 0 },
        { "at_tick": 320, "action": "partition", "islands": [[0], [1, 2]] },
        { "at_tick": 400, "action": "pause", "node": 1, "ticks": 50 },
        { "at_tick": 410, "action": "heal" },
        { "at_tick": 420, "action": "client-request", "client": 0, "node": 1, "operation": "write", "key": 0, "value": 5 },
        { "at_tick": 430, "action": "delay-message", "message": 12, "ticks": 40 }
      ]
    }"#;
    let mut expected =
        Scenario::new("Stale read after isolating the primary", 7, ProtocolSpec::PrimaryBackup { nodes: 3 });
    expected.description = "…".to_owned();
    let actions = [
        (300, Action::Isolate { node: NodeId(0) }),
        (320, Action::Partition { islands: vec![vec![NodeId(0)], vec![NodeId(1), NodeId(2)]] }),
        (400, Action::Pause { node: NodeId(1), ticks: 50 }),
        (410, Action::Heal),
        (
            420,
            Action::ClientRequest {
                client: ClientId(0),
                node: NodeId(1),
                operation: KvOperation::Write { key: 0, value: 5 }.into(),
            },
        ),
        (430, Action::DelayMessage { message: MessageId(12), ticks: 40 }),
    ];
    expected.actions = actions.into_iter().map(|(at_tick, action)| TimedAction { at_tick, action }).collect();
    assert_eq!(from_json(text), Ok(expected));
}

#[test]
fn only_version_seed_and_protocol_are_required() {
    let scenario =
        from_json(r#"{"version": 1, "seed": 3, "protocol": {"name": "primary-backup", "nodes": 4}}"#).unwrap();
    assert_eq!(scenario, Scenario::new("", 3, ProtocolSpec::PrimaryBackup { nodes: 4 }));
}

#[test]
fn a_raft_protocol_reads_as_expected() {
    let text = r#"{"version": 1, "seed": 1, "workload": {"keys": 2}, "protocol": {
        "name": "raft", "nodes": 3,
        "election_timeout_ticks_min": 100, "election_timeout_ticks_max": 200,
        "heartbeat_ticks": 20, "reads": "any-node", "variant": "no-step-down",
        "initial": [
            {"term": 3, "voted_for": 0, "log": [{"term": 1, "key": 0, "value": 7}, {"term": 3, "key": 1, "value": 9}]},
            {"term": 2, "voted_for": null, "log": []},
            {"term": 0}
        ]}}"#;
    let entry = |term, key, value| RaftInitialEntry { term, key, value };
    let expected = RaftSpec {
        nodes: 3,
        election_timeout_ticks_min: 100,
        election_timeout_ticks_max: 200,
        heartbeat_ticks: 20,
        reads: RaftReads::AnyNode,
        variant: RaftVariant::NoStepDown,
        initial: vec![
            RaftInitialNode { term: 3, voted_for: Some(NodeId(0)), log: vec![entry(1, 0, 7), entry(3, 1, 9)] },
            RaftInitialNode { term: 2, voted_for: None, log: vec![] },
            RaftInitialNode { term: 0, voted_for: None, log: vec![] },
        ],
    };
    assert_eq!(from_json(text).map(|scenario| scenario.protocol), Ok(ProtocolSpec::Raft(expected)));
}

#[test]
fn raft_takes_defaults_for_all_but_its_node_count() {
    let scenario = from_json(r#"{"version": 1, "seed": 3, "protocol": {"name": "raft", "nodes": 5}}"#).unwrap();
    assert_eq!(scenario.protocol, ProtocolSpec::Raft(RaftSpec::new(5)));
    let mut raft = RaftSpec::new(5);
    raft.variant = RaftVariant::VolatileVotedFor;
    let scenario = from_json(
        r#"{"version": 1, "seed": 3, "protocol": {"name": "raft", "variant": "volatile-voted-for", "nodes": 5}}"#,
    )
    .unwrap();
    assert_eq!(scenario.protocol, ProtocolSpec::Raft(raft));
}

#[test]
fn raft_is_written_with_every_field() {
    let mut raft = RaftSpec::new(1);
    let written = |raft: &RaftSpec| {
        let scenario = Scenario::new("", 1, ProtocolSpec::Raft(raft.clone()));
        let pretty = to_json_pretty(&scenario);
        let line = pretty.lines().find(|line| line.contains("\"protocol\"")).unwrap();
        line.trim().to_owned()
    };
    assert_eq!(
        written(&raft),
        r#""protocol": { "name": "raft", "nodes": 1, "election_timeout_ticks_min": 150, "election_timeout_ticks_max": 300, "heartbeat_ticks": 50, "reads": "log", "variant": "correct", "initial": [] },"#
    );
    raft.initial =
        vec![RaftInitialNode { term: 3, voted_for: None, log: vec![RaftInitialEntry { term: 1, key: 0, value: 7 }] }];
    assert!(
        written(&raft).ends_with(
            r#""initial": [{ "term": 3, "voted_for": null, "log": [{ "term": 1, "key": 0, "value": 7 }] }] },"#
        ),
        "{}",
        written(&raft)
    );
}

#[test]
fn a_partial_section_takes_defaults_for_the_rest() {
    let scenario = from_json(
        r#"{"version": 1, "seed": 3, "protocol": {"name": "primary-backup", "nodes": 4},
            "network": {"loss_per_mille": 20}, "workload": {"clients": 5}, "limits": {}}"#,
    )
    .unwrap();
    assert_eq!(scenario.network, NetworkConfig { loss_per_mille: 20, ..NetworkConfig::default() });
    assert_eq!(scenario.workload, WorkloadConfig { clients: 5, ..WorkloadConfig::default() });
    assert_eq!(scenario.limits, Limits::default());
}

#[test]
fn pretty_output_puts_one_action_per_line() {
    let mut scenario = Scenario::new("Demo", 7, ProtocolSpec::PrimaryBackup { nodes: 3 });
    scenario.actions = vec![
        TimedAction {
            at_tick: 320,
            action: Action::Partition { islands: vec![vec![NodeId(0)], vec![NodeId(1), NodeId(2)]] },
        },
        TimedAction {
            at_tick: 420,
            action: Action::ClientRequest {
                client: ClientId(0),
                node: NodeId(1),
                operation: KvOperation::Read { key: 0 }.into(),
            },
        },
    ];
    let expected = r#"{
  "version": 1,
  "name": "Demo",
  "description": "",
  "seed": 7,
  "protocol": { "name": "primary-backup", "nodes": 3 },
  "network": { "delay_ticks_min": 5, "delay_ticks_max": 15, "loss_per_mille": 0, "duplicate_per_mille": 0, "reorder_per_mille": 0 },
  "workload": { "clients": 2, "think_ticks_min": 10, "think_ticks_max": 40, "keys": 1, "read_per_mille": 500, "append_per_mille": 0, "timeout_ticks": 100, "attempts_max": 3, "operations_max": 200 },
  "limits": { "ticks_max": 5000, "steps_max": 200000, "in_flight_max": 10000 },
  "actions": [
    { "at_tick": 320, "action": "partition", "islands": [[0], [1, 2]] },
    { "at_tick": 420, "action": "client-request", "client": 0, "node": 1, "operation": "read", "key": 0 }
  ]
}
"#;
    assert_eq!(to_json_pretty(&scenario), expected);
}

#[test]
fn compact_output_has_no_spaces_outside_strings() {
    let scenario = Scenario::new("a b", 7, ProtocolSpec::PrimaryBackup { nodes: 3 });
    let compact = to_json_compact(&scenario);
    assert!(
        compact.starts_with(
            r#"{"version":1,"name":"a b","description":"","seed":7,"protocol":{"name":"primary-backup","nodes":3},"#
        ),
        "{compact}"
    );
    assert!(compact.ends_with(r#""actions":[]}"#), "{compact}");
    assert_eq!(compact.matches(' ').count(), 1);
}

#[test]
fn every_built_in_scenario_is_valid() {
    let files = common::static_scenarios();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    for expected in ["calm.json", "crash-recovery.json", "stale-read.json"] {
        assert!(names.contains(&expected), "static/scenarios/{expected} is missing");
    }
    for (name, text) in &files {
        let scenario = from_json(text).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert!(!scenario.name.is_empty(), "{name} needs a name");
        assert!(!scenario.description.is_empty(), "{name} needs a description");
    }
}

#[test]
fn errors_are_std_errors() {
    let error: Box<dyn std::error::Error> = Box::new(from_json("{").unwrap_err());
    assert!(error.to_string().starts_with("line 1, column 1: "), "{error}");
}
