//! The rules of the format that its declarations (in `model.rs`) do not
//! carry: the scenario's version is read first, protocols and actions name
//! their variant with a tag and have their own messages, a client request
//! flattens its operation of the protocol's family, and lists say what they
//! hold. Decoding checks shape only (types, known fields, required fields);
//! the rules that relate fields to each other live in `validate`, so they
//! also hold for scenarios built in Rust.

use super::field::*;
use super::value::{Path, Value};
use crate::error::{quote, ScenarioError};
use crate::model::*;
use crate::validate::{check_version, ACTIONS_MAX, RAFT_LOG_ENTRIES_MAX};

pub(crate) fn decode_scenario(value: &Value) -> Result<Scenario> {
    if let Value::Object(fields) = value {
        check_version_first(fields)?;
    }
    Scenario::decode(value, &Path::Root, Context::default())
}

/// A newer version may rename or add fields, so the version is checked
/// before anything else: its message is the helpful one.
fn check_version_first(fields: &Fields) -> Result<()> {
    let hint = || "every scenario starts with \"version\": 1".to_owned();
    check_version(u32::decode_field(fields, &Path::Root, "version", &hint, &[], Context::default())?)
}

/// A value read alone, as serde reads the parts of a scenario.
pub(crate) fn decode_alone<T: FieldValue>(value: &Value) -> Result<T> {
    T::decode(value, &Path::Root, Context::default())
}

// ---------------------------------------------------------------- protocols

/// A protocol's own fields stand beside its name, and messages list them
/// after "name".
impl FieldValue for ProtocolSpec {
    fn decode(value: &Value, path: &Path, cx: Context) -> Result<ProtocolSpec> {
        let fields = expect_object(value, path, "an object like { \"name\": \"primary-backup\", \"nodes\": 3 }")?;
        let known_protocols = || format!("known protocols: {}", ProtocolSpec::NAMES.join(", "));
        let name = decode_kind::<ProtocolSpec>(fields, path, ProtocolSpec::TAG, &known_protocols, "protocol")?;
        let context = format!("a {name} protocol");
        let known: Vec<&str> = [ProtocolSpec::TAG].iter().chain(ProtocolSpec::fields_of(name)).copied().collect();
        reject_unknown(fields, path, &context, &known, &[])?;
        ProtocolSpec::decode_variant(name, fields, path, &context, cx)
    }

    fn encode(&self) -> Value {
        let mut fields = Vec::new();
        encode_tagged(self, ProtocolSpec::TAG, &mut fields);
        object(fields)
    }
}

// ---------------------------------------------------------------- actions

/// An action's kind is the field that holds it (`action`); the kind's own
/// fields stand beside it, with `at_tick` when the action is timed, and
/// messages list only the kind's.
impl Field for Action {
    const FLATTENED: bool = true;

    fn decode_field(
        fields: &Fields,
        path: &Path,
        name: &'static str,
        missing: &dyn Fn() -> String,
        siblings: &[&str],
        cx: Context,
    ) -> Result<Action> {
        let kind = decode_kind::<Action>(fields, path, name, missing, "action")?;
        let context = format!("{} {kind} action", article(kind));
        let mut known = Vec::new();
        Action::known_of(kind, &mut known);
        let unlisted: Vec<&str> = siblings.iter().copied().chain([name]).collect();
        reject_unknown(fields, path, &context, &known, &unlisted)?;
        Action::decode_variant(kind, fields, path, &context, cx)
    }

    fn encode_field(&self, name: &'static str, out: &mut Written) {
        encode_tagged(self, name, out);
    }
}

/// An action alone, without `at_tick`.
pub(crate) fn decode_action(value: &Value) -> Result<Action> {
    let fields = expect_object(value, &Path::Root, "an action like { \"action\": \"crash\", \"node\": 0 }")?;
    let hint = || WHICH_ACTION.to_owned();
    Action::decode_field(fields, &Path::Root, Action::TAG, &hint, &[], Context::default())
}

pub(crate) fn encode_action(action: &Action) -> Value {
    let mut fields = Vec::new();
    action.encode_field(Action::TAG, &mut fields);
    object(fields)
}

/// "an" before a vowel ("an add-node action"), "a" otherwise.
fn article(word: &str) -> &'static str {
    match word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    }
}

// ---------------------------------------------------------------- client operations

/// Every family, in the order messages list their operations.
const FAMILIES: [ClientFamily; 3] = [ClientFamily::KeyValue, ClientFamily::Bank, ClientFamily::Crdt];

/// A client request's operation is the field that names it (`operation`);
/// its own fields stand beside it. Only the protocol's family is known,
/// when the protocol is.
impl Field for ClientOperation {
    const FLATTENED: bool = true;

    fn decode_field(
        fields: &Fields,
        path: &Path,
        name: &'static str,
        missing_hint: &dyn Fn() -> String,
        _siblings: &[&str],
        cx: Context,
    ) -> Result<ClientOperation> {
        let tag_path = path.field(name);
        let value = find(fields, name).ok_or_else(|| missing(&tag_path, &missing_hint()))?;
        let operation = expect_string(value, &tag_path)?;
        let Some(family) = family_of(operation, cx) else {
            return Err(unknown_operation(&tag_path, operation, cx));
        };
        reject_other_operations_fields(fields, path, operation, operation_fields_of(family, operation))?;
        let context = format!("{} {operation}", article(operation));
        Ok(match family {
            ClientFamily::KeyValue => KvOperation::decode_variant(operation, fields, path, &context, cx)?.into(),
            ClientFamily::Bank => BankOperation::decode_variant(operation, fields, path, &context, cx)?.into(),
            ClientFamily::Crdt => CrdtOperation::decode_variant(operation, fields, path, &context, cx)?.into(),
        })
    }

    fn encode_field(&self, name: &'static str, out: &mut Written) {
        match self {
            ClientOperation::KeyValue(operation) => encode_tagged(operation, name, out),
            ClientOperation::Bank(operation) => encode_tagged(operation, name, out),
            ClientOperation::Crdt(operation) => encode_tagged(operation, name, out),
        }
    }

    fn known_names(name: &'static str, out: &mut Vec<&'static str>) {
        out.push(name);
        out.extend(every_operation_field());
    }
}

/// The family whose operation this is, among those the protocol takes
/// (families share names: a key-value store and a register are both read).
fn family_of(operation: &str, cx: Context) -> Option<ClientFamily> {
    FAMILIES.into_iter().find(|family| is_known(cx, *family) && family.operation_names().contains(&operation))
}

/// Whether the scenario's protocol takes `family` (any does, when the
/// protocol is not known).
fn is_known(cx: Context, family: ClientFamily) -> bool {
    cx.family.is_none_or(|known| known == family)
}

fn unknown_operation(path: &Path, operation: &str, cx: Context) -> ScenarioError {
    let known: Vec<&str> = FAMILIES
        .into_iter()
        .filter(|family| is_known(cx, *family))
        .flat_map(ClientFamily::operation_names)
        .copied()
        .collect();
    let message = format!("unknown operation {} (known: {})", quote(operation), known.join(", "));
    ScenarioError::at(path, message)
}

fn operation_fields_of(family: ClientFamily, operation: &str) -> &'static [&'static str] {
    match family {
        ClientFamily::KeyValue => KvOperation::fields_of(operation),
        ClientFamily::Bank => BankOperation::fields_of(operation),
        ClientFamily::Crdt => CrdtOperation::fields_of(operation),
    }
}

/// The fields of every operation, each once, in declared order.
fn every_operation_field() -> Vec<&'static str> {
    let mut every = Vec::new();
    let operations =
        FAMILIES.into_iter().flat_map(|family| family.operation_names().iter().map(move |op| (family, *op)));
    for field in operations.flat_map(|(family, operation)| operation_fields_of(family, operation)) {
        if !every.contains(field) {
            every.push(*field);
        }
    }
    every
}

/// Fields of other operations are mistakes; says which.
fn reject_other_operations_fields(fields: &Fields, path: &Path, operation: &str, takes: &[&str]) -> Result<()> {
    let mut others = every_operation_field().into_iter().filter(|field| !takes.contains(field));
    let Some(extra) = others.find(|field| find(fields, field).is_some()) else { return Ok(()) };
    let message = match (operation, extra) {
        ("read", "value") => "a read has no value; remove it or make the operation a write or an append".to_owned(),
        ("read-balances", _) => format!("read-balances reads every account and takes no {extra}"),
        _ if takes.is_empty() => format!("{} {operation} takes no {extra}", article(operation)),
        _ => format!("{} {operation} has no {extra}; it takes {}", article(operation), takes.join(", ")),
    };
    Err(ScenarioError::at(path.field(extra), message))
}

// ---------------------------------------------------------------- lists

impl ListItem for TimedAction {
    const LIST: &'static str = "a list of actions";
    const ITEMS_MAX: Option<(usize, &'static str)> = Some((ACTIONS_MAX, "actions"));
}

impl ListItem for RaftInitialNode {
    const LIST: &'static str = "a list with one state per node, like [{ \"term\": 3, \"voted_for\": 0, \"log\": [] }]";
}

impl ListItem for RaftInitialEntry {
    const LIST: &'static str = "a list of entries like [{ \"term\": 1, \"key\": 0, \"value\": 7 }]";
    const ITEMS_MAX: Option<(usize, &'static str)> = Some((RAFT_LOG_ENTRIES_MAX, "entries"));
}

impl ListItem for NodeId {
    const LIST: &'static str = "a list of nodes, like [1, 2]";
}

impl ListItem for Link {
    const LIST: &'static str = "a list of links, each two nodes, like [[0, 1], [0, 2]]";
}

/// The only list of node lists is a partition's islands.
impl ListItem for Vec<NodeId> {
    const LIST: &'static str = "a list of islands, each a list of nodes, like [[0], [1, 2]]";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &Value) -> Vec<&str> {
        match value {
            Value::Object(fields) => fields.iter().map(|(key, _)| key.as_str()).collect(),
            _ => panic!("not an object"),
        }
    }

    fn with_tag<'a>(tag: &'a str, fields: &[&'a str]) -> Vec<&'a str> {
        [tag].iter().chain(fields).copied().collect()
    }

    /// What is written is what is declared, for every section.
    #[test]
    fn every_section_writes_its_declared_fields() {
        let mut raft = RaftSpec::new(3);
        raft.initial = vec![RaftInitialNode {
            term: 1,
            voted_for: None,
            log: vec![RaftInitialEntry { term: 1, key: 0, value: 7 }],
        }];
        let mut scenario = Scenario::new("", 1, ProtocolSpec::Raft(raft.clone()));
        scenario.actions = vec![TimedAction { at_tick: 1, action: Action::Heal }];
        assert_eq!(keys(&scenario.encode()), Scenario::FIELDS);
        assert_eq!(keys(&scenario.network.encode()), NetworkConfig::FIELDS);
        assert_eq!(keys(&scenario.workload.encode()), WorkloadConfig::FIELDS);
        assert_eq!(keys(&scenario.limits.encode()), Limits::FIELDS);
        assert_eq!(keys(&raft.initial[0].encode()), RaftInitialNode::FIELDS);
        assert_eq!(keys(&raft.initial[0].log[0].encode()), RaftInitialEntry::FIELDS);
        assert_eq!(with_tag("at_tick", &["action"]), TimedAction::FIELDS);
        assert_eq!(keys(&scenario.actions[0].encode()), ["at_tick", "action"]);
    }

    /// One protocol of each kind, in declared order.
    fn every_protocol() -> Vec<ProtocolSpec> {
        vec![
            ProtocolSpec::PrimaryBackup { nodes: 3 },
            ProtocolSpec::Raft(RaftSpec::new(3)),
            ProtocolSpec::TwoPhaseCommit(TwoPhaseCommitSpec::new(2)),
            ProtocolSpec::Crdt(CrdtSpec::new(3, CrdtType::OrSet)),
            ProtocolSpec::QuorumKv(QuorumKvSpec::new(3)),
        ]
    }

    #[test]
    fn every_protocol_writes_its_name_and_declared_fields() {
        let protocols = every_protocol();
        assert_eq!(protocols.iter().map(ProtocolSpec::name).collect::<Vec<_>>(), ProtocolSpec::NAMES);
        for protocol in &protocols {
            let declared = with_tag("name", ProtocolSpec::fields_of(protocol.name()));
            assert_eq!(keys(&protocol.encode()), declared, "{}", protocol.name());
        }
        assert_eq!(ProtocolSpec::fields_of("raft"), RaftSpec::FIELDS);
    }

    /// One action of each kind, in declared order; the client requests
    /// carry one operation of each kind.
    fn every_action() -> Vec<Action> {
        let (n, m) = (NodeId(0), MessageId(0));
        let request = |operation: ClientOperation| Action::ClientRequest { client: ClientId(0), node: n, operation };
        vec![
            Action::Crash { node: n },
            Action::CrashStop { node: n },
            Action::Restart { node: n },
            Action::Pause { node: n, ticks: 1 },
            Action::Partition { islands: vec![] },
            Action::Heal,
            Action::Isolate { node: n },
            Action::Reconnect { node: n },
            Action::CutLink { from: n, to: n },
            Action::RepairLink { from: n, to: n },
            Action::CutLinks { links: vec![] },
            Action::RepairLinks { links: vec![] },
            Action::DropMessage { message: m },
            Action::DuplicateMessage { message: m },
            Action::DelayMessage { message: m, ticks: 1 },
            Action::DeliverMessage { message: m },
            Action::FireTimer { node: n, timer: 0 },
            Action::AddNode,
            Action::RemoveNode { node: n },
            request(KvOperation::Read { key: 0 }.into()),
            request(KvOperation::Write { key: 0, value: 1 }.into()),
            request(KvOperation::Append { key: 0, value: 1 }.into()),
            request(BankOperation::Transfer { from: 0, to: 1, amount: 2 }.into()),
            request(BankOperation::ReadBalances.into()),
            request(CrdtOperation::Increment { by: 1 }.into()),
            request(CrdtOperation::Decrement { by: 1 }.into()),
            request(CrdtOperation::Add { element: 1 }.into()),
            request(CrdtOperation::Remove { element: 1 }.into()),
            request(CrdtOperation::Write { value: 1 }.into()),
            request(CrdtOperation::Read.into()),
        ]
    }

    #[test]
    fn every_action_writes_its_kind_and_declared_fields() {
        let actions = every_action();
        let mut kinds: Vec<&str> = actions.iter().map(Action::name).collect();
        kinds.dedup();
        assert_eq!(kinds, Action::NAMES);
        let operations = [KvOperation::NAMES.as_slice(), &BankOperation::NAMES, &CrdtOperation::NAMES].concat();
        let mut requests = 0;
        for action in &actions {
            let encoded = encode_action(action);
            let written = keys(&encoded);
            let declared = with_tag("action", Action::fields_of(action.name()));
            match action {
                // The operation's name and fields stand in for `operation`.
                Action::ClientRequest { operation, .. } => {
                    let name = operations[requests];
                    let takes = match operation {
                        ClientOperation::KeyValue(_) => KvOperation::fields_of(name),
                        ClientOperation::Bank(_) => BankOperation::fields_of(name),
                        ClientOperation::Crdt(_) => CrdtOperation::fields_of(name),
                    };
                    assert_eq!(written, [declared, takes.to_vec()].concat(), "{name}");
                    requests += 1;
                }
                _ => assert_eq!(written, declared, "{}", action.name()),
            }
        }
        assert_eq!(requests, operations.len());
    }

    /// Written by hand, so independent of the encoder: every section, every
    /// protocol, action and operation, in the written order. Each document
    /// reads and writes back unchanged.
    const DOCUMENTS: [&str; 4] = [
        r#"{"version":1,"name":"","description":"","seed":1,"protocol":{"name":"crdt","nodes":3,"data_type":"or-set","replication":"operation","gossip_interval_ticks":7,"gossip_fan_out":2,"elements":9,"amount_max":4,"remove_per_mille":100,"clock_skew_ticks":5,"variant":"plain-set"},"network":{"delay_ticks_min":5,"delay_ticks_max":15,"loss_per_mille":0,"duplicate_per_mille":0,"reorder_per_mille":0},"workload":{"clients":2,"think_ticks_min":10,"think_ticks_max":40,"keys":1,"read_per_mille":500,"append_per_mille":0,"timeout_ticks":100,"attempts_max":3,"operations_max":200},"limits":{"ticks_max":5000,"steps_max":200000,"in_flight_max":10000},"actions":[{"at_tick":1,"action":"client-request","client":0,"node":1,"operation":"add","element":3},{"at_tick":2,"action":"client-request","client":1,"node":2,"operation":"remove","element":3},{"at_tick":3,"action":"client-request","client":1,"node":0,"operation":"read"}]}"#,
        r#"{"version":1,"name":"n","description":"d","seed":7,"protocol":{"name":"raft","nodes":3,"election_timeout_ticks_min":100,"election_timeout_ticks_max":200,"heartbeat_ticks":20,"reads":"any-node","variant":"no-step-down","initial":[{"term":3,"voted_for":0,"log":[{"term":1,"key":0,"value":7}]},{"term":2,"voted_for":null,"log":[]},{"term":0,"voted_for":null,"log":[]}]},"network":{"delay_ticks_min":1,"delay_ticks_max":2,"loss_per_mille":3,"duplicate_per_mille":4,"reorder_per_mille":5},"workload":{"clients":6,"think_ticks_min":7,"think_ticks_max":8,"keys":9,"read_per_mille":10,"append_per_mille":11,"timeout_ticks":12,"attempts_max":13,"operations_max":14},"limits":{"ticks_max":15,"steps_max":16,"in_flight_max":17},"actions":[{"at_tick":1,"action":"crash","node":1},{"at_tick":2,"action":"crash-stop","node":2},{"at_tick":3,"action":"restart","node":1},{"at_tick":4,"action":"pause","node":0,"ticks":5},{"at_tick":5,"action":"partition","islands":[[0],[1,2]]},{"at_tick":6,"action":"heal"},{"at_tick":7,"action":"isolate","node":0},{"at_tick":8,"action":"reconnect","node":0},{"at_tick":9,"action":"cut-link","from":0,"to":1},{"at_tick":10,"action":"repair-link","from":0,"to":1},{"at_tick":11,"action":"drop-message","message":12},{"at_tick":12,"action":"duplicate-message","message":13},{"at_tick":13,"action":"delay-message","message":14,"ticks":40},{"at_tick":14,"action":"deliver-message","message":15},{"at_tick":15,"action":"fire-timer","node":2,"timer":3},{"at_tick":16,"action":"add-node"},{"at_tick":17,"action":"remove-node","node":3},{"at_tick":18,"action":"client-request","client":0,"node":1,"operation":"read","key":0},{"at_tick":19,"action":"client-request","client":1,"node":2,"operation":"write","key":1,"value":5},{"at_tick":20,"action":"client-request","client":1,"node":0,"operation":"append","key":2,"value":6}]}"#,
        r#"{"version":1,"name":"","description":"","seed":1,"protocol":{"name":"two-phase-commit","resource_managers":2,"accounts_per_resource_manager":3,"initial_balance":4,"transfer_amount_max":5,"abort_per_mille":6,"vote_timeout_ticks":7,"decision_timeout_ticks":8,"cooperative_termination":true,"variant":"volatile-vote"},"network":{"delay_ticks_min":5,"delay_ticks_max":15,"loss_per_mille":0,"duplicate_per_mille":0,"reorder_per_mille":0},"workload":{"clients":2,"think_ticks_min":10,"think_ticks_max":40,"keys":1,"read_per_mille":500,"append_per_mille":0,"timeout_ticks":100,"attempts_max":3,"operations_max":200},"limits":{"ticks_max":5000,"steps_max":200000,"in_flight_max":10000},"actions":[{"at_tick":1,"action":"client-request","client":0,"node":1,"operation":"transfer","from":0,"to":5,"amount":9},{"at_tick":2,"action":"client-request","client":1,"node":2,"operation":"read-balances"}]}"#,
        r#"{"version":1,"name":"","description":"","seed":1,"protocol":{"name":"primary-backup","nodes":3},"network":{"delay_ticks_min":5,"delay_ticks_max":15,"loss_per_mille":0,"duplicate_per_mille":0,"reorder_per_mille":0},"workload":{"clients":2,"think_ticks_min":10,"think_ticks_max":40,"keys":1,"read_per_mille":500,"append_per_mille":0,"timeout_ticks":100,"attempts_max":3,"operations_max":200},"limits":{"ticks_max":5000,"steps_max":200000,"in_flight_max":10000},"actions":[]}"#,
    ];

    #[test]
    fn decoding_then_encoding_changes_nothing() {
        for document in DOCUMENTS {
            let value: Value = serde_json::from_str(document).unwrap();
            let scenario = decode_scenario(&value).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(scenario.encode().to_compact(), document);
        }
    }

    /// The defaults that the documents above do not show.
    #[test]
    fn defaults_are_as_declared() {
        let value: Value = serde_json::from_str(
            r#"{"version":1,"seed":1,"protocol":{"name":"two-phase-commit","resource_managers":2}}"#,
        )
        .unwrap();
        let ProtocolSpec::TwoPhaseCommit(spec) = decode_scenario(&value).unwrap().protocol else { panic!("not 2pc") };
        let written = ProtocolSpec::TwoPhaseCommit(spec).encode().to_compact();
        assert_eq!(
            written,
            r#"{"name":"two-phase-commit","resource_managers":2,"accounts_per_resource_manager":1,"initial_balance":100,"transfer_amount_max":50,"abort_per_mille":0,"vote_timeout_ticks":100,"decision_timeout_ticks":150,"cooperative_termination":false,"variant":"correct"}"#
        );
    }
}
