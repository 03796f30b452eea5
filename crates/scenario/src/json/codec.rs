//! Between the model and the JSON tree. Decoding checks shape only (types,
//! known fields, required fields); the rules that relate fields to each other
//! live in `validate`, so they also hold for scenarios built in Rust.

use super::value::{Number, Path, Value};
use crate::error::{quote, suggest, ScenarioError};
use crate::model::*;
use crate::validate::{check_version, ACTIONS_MAX, RAFT_LOG_ENTRIES_MAX};

type Result<T> = std::result::Result<T, ScenarioError>;
type Fields = [(String, Value)];

const SCENARIO_FIELDS: &[&str] =
    &["version", "name", "description", "seed", "protocol", "network", "workload", "limits", "actions"];
const PROTOCOL_NAMES: &[&str] = &["primary-backup", "raft", "two-phase-commit"];
const PRIMARY_BACKUP_FIELDS: &[&str] = &["name", "nodes"];
const RAFT_FIELDS: &[&str] = &[
    "name",
    "nodes",
    "election_timeout_ticks_min",
    "election_timeout_ticks_max",
    "heartbeat_ticks",
    "reads",
    "variant",
    "initial",
];
const TWO_PHASE_COMMIT_FIELDS: &[&str] = &[
    "name",
    "resource_managers",
    "accounts_per_resource_manager",
    "initial_balance",
    "transfer_amount_max",
    "abort_per_mille",
    "vote_timeout_ticks",
    "decision_timeout_ticks",
    "cooperative_termination",
    "variant",
];
const RAFT_INITIAL_FIELDS: &[&str] = &["term", "voted_for", "log"];
const RAFT_ENTRY_FIELDS: &[&str] = &["term", "key", "value"];
const NETWORK_FIELDS: &[&str] =
    &["delay_ticks_min", "delay_ticks_max", "loss_per_mille", "duplicate_per_mille", "reorder_per_mille"];
const WORKLOAD_FIELDS: &[&str] = &[
    "clients",
    "think_ticks_min",
    "think_ticks_max",
    "keys",
    "read_per_mille",
    "append_per_mille",
    "timeout_ticks",
    "attempts_max",
    "operations_max",
];
const LIMITS_FIELDS: &[&str] = &["ticks_max", "steps_max", "in_flight_max"];

/// Each action kind (its `Action::name()`) and the fields it takes besides
/// `at_tick` and `action`.
const ACTION_FIELDS: &[(&str, &[&str])] = &[
    ("crash", &["node"]),
    ("crash-stop", &["node"]),
    ("restart", &["node"]),
    ("pause", &["node", "ticks"]),
    ("partition", &["islands"]),
    ("heal", &[]),
    ("isolate", &["node"]),
    ("reconnect", &["node"]),
    ("cut-link", &["from", "to"]),
    ("repair-link", &["from", "to"]),
    ("drop-message", &["message"]),
    ("duplicate-message", &["message"]),
    ("delay-message", &["message", "ticks"]),
    ("deliver-message", &["message"]),
    ("fire-timer", &["node", "timer"]),
    ("add-node", &[]),
    ("remove-node", &["node"]),
    ("client-request", &["client", "node", "operation", "key", "value", "from", "to", "amount"]),
];

/// Each client operation (as `operation` names it), the fields it takes
/// besides `client`, `node` and `operation`, and its family.
const OPERATION_FIELDS: &[(&str, &[&str], ClientFamily)] = &[
    ("read", &["key"], ClientFamily::KeyValue),
    ("write", &["key", "value"], ClientFamily::KeyValue),
    ("append", &["key", "value"], ClientFamily::KeyValue),
    ("transfer", &["from", "to", "amount"], ClientFamily::Bank),
    ("read-balances", &[], ClientFamily::Bank),
];

// ---------------------------------------------------------------- decoding

pub(crate) fn decode_scenario(value: &Value) -> Result<Scenario> {
    let root = Path::Root;
    let fields = expect_object(value, &root, "a scenario object")?;
    // A newer version may rename or add fields, so the version is checked
    // before anything else: its message is the helpful one.
    let version_path = root.field("version");
    let version = match find(fields, "version") {
        Some(value) => expect_u32(value, &version_path)?,
        None => return Err(missing(&version_path, "every scenario starts with \"version\": 1")),
    };
    check_version(version)?;

    // The defaults for every optional field; the seed and protocol given
    // here are placeholders for the required fields read below.
    let mut scenario = Scenario::new("", 0, ProtocolSpec::PrimaryBackup { nodes: 0 });
    let mut seed = None;
    // The protocol first, wherever it stands: which client operations the
    // actions may name depends on it.
    let protocol = find(fields, "protocol").map(|value| decode_protocol(value, &root.field("protocol"))).transpose()?;
    let family = protocol.as_ref().map(ProtocolSpec::client_family);
    for (key, value) in fields {
        let path = root.field(key);
        match key.as_str() {
            "version" => {}
            "name" => scenario.name = expect_string(value, &path)?.to_owned(),
            "description" => scenario.description = expect_string(value, &path)?.to_owned(),
            "seed" => seed = Some(expect_u64(value, &path)?),
            "protocol" => {}
            "network" => scenario.network = decode_network(value, &path)?,
            "workload" => scenario.workload = decode_workload(value, &path)?,
            "limits" => scenario.limits = decode_limits(value, &path)?,
            "actions" => scenario.actions = decode_actions(value, &path, family)?,
            _ => return Err(unknown_field(&path, key, "a scenario", SCENARIO_FIELDS)),
        }
    }
    scenario.seed = seed.ok_or_else(|| missing(&root.field("seed"), "any whole number, for example \"seed\": 1"))?;
    scenario.protocol = protocol.ok_or_else(|| {
        missing(&root.field("protocol"), "for example \"protocol\": { \"name\": \"primary-backup\", \"nodes\": 3 }")
    })?;
    Ok(scenario)
}

pub(crate) fn decode_protocol(value: &Value, path: &Path) -> Result<ProtocolSpec> {
    let fields = expect_object(value, path, "an object like { \"name\": \"primary-backup\", \"nodes\": 3 }")?;
    let name_path = path.field("name");
    let name_value = find(fields, "name")
        .ok_or_else(|| missing(&name_path, &format!("known protocols: {}", PROTOCOL_NAMES.join(", "))))?;
    let name = expect_string(name_value, &name_path)?;
    // Each protocol has its own parameters, so the name decides which fields exist.
    match name {
        "primary-backup" => {
            reject_unknown(fields, path, "a primary-backup protocol", PRIMARY_BACKUP_FIELDS)?;
            Ok(ProtocolSpec::PrimaryBackup { nodes: decode_nodes(fields, path)? })
        }
        "raft" => Ok(ProtocolSpec::Raft(decode_raft(fields, path)?)),
        "two-phase-commit" => Ok(ProtocolSpec::TwoPhaseCommit(decode_two_phase_commit(fields, path)?)),
        _ => {
            let hint = match suggest(name, PROTOCOL_NAMES) {
                Some(near) => format!("did you mean {}?", quote(near)),
                None => format!("known: {}", PROTOCOL_NAMES.join(", ")),
            };
            Err(ScenarioError::at(name_path, format!("unknown protocol {} ({hint})", quote(name))))
        }
    }
}

/// The required `nodes` of a protocol object.
fn decode_nodes(fields: &Fields, path: &Path) -> Result<u32> {
    let nodes_path = path.field("nodes");
    let nodes = find(fields, "nodes").ok_or_else(|| missing(&nodes_path, "how many nodes the cluster has, 1 to 16"))?;
    expect_u32(nodes, &nodes_path)
}

/// Only `name` and `nodes` are required; the rest default as in `RaftSpec::new`.
fn decode_raft(fields: &Fields, path: &Path) -> Result<RaftSpec> {
    // Unknown fields first, so that a misspelt "nodes" gets its suggestion
    // rather than a complaint that "nodes" is missing.
    reject_unknown(fields, path, "a raft protocol", RAFT_FIELDS)?;
    let mut raft = RaftSpec::new(decode_nodes(fields, path)?);
    for (key, value) in fields {
        let path = path.field(key);
        match key.as_str() {
            "name" | "nodes" => {}
            "election_timeout_ticks_min" => {
                raft.election_timeout_ticks_min = expect_u64(value, &path)?;
            }
            "election_timeout_ticks_max" => {
                raft.election_timeout_ticks_max = expect_u64(value, &path)?;
            }
            "heartbeat_ticks" => raft.heartbeat_ticks = expect_u64(value, &path)?,
            "reads" => {
                let name = expect_string(value, &path)?;
                raft.reads = RaftReads::by_name(name)
                    .ok_or_else(|| unknown_name(&path, "read mode", name, &RaftReads::NAMES))?;
            }
            "variant" => {
                let name = expect_string(value, &path)?;
                raft.variant = RaftVariant::by_name(name)
                    .ok_or_else(|| unknown_name(&path, "variant", name, &RaftVariant::NAMES))?;
            }
            "initial" => raft.initial = decode_raft_initial(value, &path)?,
            _ => return Err(unknown_field(&path, key, "a raft protocol", RAFT_FIELDS)),
        }
    }
    Ok(raft)
}

/// Only `name` and `resource_managers` are required; the rest default as in
/// `TwoPhaseCommitSpec::new`.
fn decode_two_phase_commit(fields: &Fields, path: &Path) -> Result<TwoPhaseCommitSpec> {
    reject_unknown(fields, path, "a two-phase-commit protocol", TWO_PHASE_COMMIT_FIELDS)?;
    let count_path = path.field("resource_managers");
    let count = find(fields, "resource_managers")
        .ok_or_else(|| missing(&count_path, "how many resource managers hold the accounts, 1 to 15"))?;
    let mut spec = TwoPhaseCommitSpec::new(expect_u32(count, &count_path)?);
    for (key, value) in fields {
        let path = path.field(key);
        match key.as_str() {
            "name" | "resource_managers" => {}
            "accounts_per_resource_manager" => spec.accounts_per_resource_manager = expect_u32(value, &path)?,
            "initial_balance" => spec.initial_balance = expect_u64(value, &path)?,
            "transfer_amount_max" => spec.transfer_amount_max = expect_u64(value, &path)?,
            "abort_per_mille" => spec.abort_per_mille = expect_u32(value, &path)?,
            "vote_timeout_ticks" => spec.vote_timeout_ticks = expect_u64(value, &path)?,
            "decision_timeout_ticks" => spec.decision_timeout_ticks = expect_u64(value, &path)?,
            "cooperative_termination" => spec.cooperative_termination = expect_bool(value, &path)?,
            "variant" => {
                let name = expect_string(value, &path)?;
                spec.variant = TwoPhaseCommitVariant::by_name(name)
                    .ok_or_else(|| unknown_name(&path, "variant", name, &TwoPhaseCommitVariant::NAMES))?;
            }
            _ => return Err(unknown_field(&path, key, "a two-phase-commit protocol", TWO_PHASE_COMMIT_FIELDS)),
        }
    }
    Ok(spec)
}

fn decode_raft_initial(value: &Value, path: &Path) -> Result<Vec<RaftInitialNode>> {
    let items = expect_array(
        value,
        path,
        "a list with one state per node, like [{ \"term\": 3, \"voted_for\": 0, \"log\": [] }]",
    )?;
    items.iter().enumerate().map(|(index, item)| decode_raft_initial_node(item, &path.index(index))).collect()
}

/// `term` is required; `voted_for` may be absent or null (no vote), and
/// `log` absent (empty).
fn decode_raft_initial_node(value: &Value, path: &Path) -> Result<RaftInitialNode> {
    let fields = expect_object(value, path, "a node's state like { \"term\": 3, \"voted_for\": 0, \"log\": [] }")?;
    reject_unknown(fields, path, "a node's initial state", RAFT_INITIAL_FIELDS)?;
    let term_path = path.field("term");
    let term = find(fields, "term")
        .ok_or_else(|| missing(&term_path, "the node's current term, 0 for a node that never saw one"))?;
    let mut node = RaftInitialNode { term: expect_u64(term, &term_path)?, voted_for: None, log: Vec::new() };
    if let Some(value) = find(fields, "voted_for") {
        let path = path.field("voted_for");
        node.voted_for = match value {
            Value::Null => None,
            Value::Number(_) => Some(NodeId(expect_u32(value, &path)?)),
            other => {
                return Err(ScenarioError::at(
                    path,
                    format!("expected a node number, or null for no vote, found {}", describe(other)),
                ))
            }
        };
    }
    if let Some(value) = find(fields, "log") {
        node.log = decode_raft_log(value, &path.field("log"))?;
    }
    Ok(node)
}

fn decode_raft_log(value: &Value, path: &Path) -> Result<Vec<RaftInitialEntry>> {
    let items = expect_array(value, path, "a list of entries like [{ \"term\": 1, \"key\": 0, \"value\": 7 }]")?;
    // Checked here too (validate repeats it) to fail before decoding a flood.
    if items.len() > RAFT_LOG_ENTRIES_MAX {
        return Err(ScenarioError::at(
            path,
            format!("{} entries is more than the {RAFT_LOG_ENTRIES_MAX} allowed", items.len()),
        ));
    }
    items.iter().enumerate().map(|(index, item)| decode_raft_entry(item, &path.index(index))).collect()
}

/// All three fields are required: an entry is a client's write.
fn decode_raft_entry(value: &Value, path: &Path) -> Result<RaftInitialEntry> {
    let fields = expect_object(value, path, "an entry like { \"term\": 1, \"key\": 0, \"value\": 7 }")?;
    reject_unknown(fields, path, "a log entry", RAFT_ENTRY_FIELDS)?;
    let field = |name: &'static str| {
        find(fields, name)
            .ok_or_else(|| missing(&path.field(name), &format!("a log entry needs {}", RAFT_ENTRY_FIELDS.join(", "))))
    };
    Ok(RaftInitialEntry {
        term: expect_u64(field("term")?, &path.field("term"))?,
        key: expect_u32(field("key")?, &path.field("key"))?,
        value: expect_u64(field("value")?, &path.field("value"))?,
    })
}

/// An unknown name for a setting that takes one of `known`: all are listed,
/// since there are few, after the likely one when the name looks misspelt.
fn unknown_name(path: &Path, what: &str, name: &str, known: &[&str]) -> ScenarioError {
    let near = match suggest(name, known) {
        Some(near) => format!("did you mean {}? ", quote(near)),
        None => String::new(),
    };
    ScenarioError::at(path, format!("unknown {what} {} ({near}known: {})", quote(name), known.join(", ")))
}

/// Missing fields keep their defaults, so a section can name only what it changes.
pub(crate) fn decode_network(value: &Value, path: &Path) -> Result<NetworkConfig> {
    let mut network = NetworkConfig::default();
    for (key, value) in expect_object(value, path, "an object of network settings")? {
        let path = path.field(key);
        match key.as_str() {
            "delay_ticks_min" => network.delay_ticks_min = expect_u64(value, &path)?,
            "delay_ticks_max" => network.delay_ticks_max = expect_u64(value, &path)?,
            "loss_per_mille" => network.loss_per_mille = expect_u32(value, &path)?,
            "duplicate_per_mille" => network.duplicate_per_mille = expect_u32(value, &path)?,
            "reorder_per_mille" => network.reorder_per_mille = expect_u32(value, &path)?,
            _ => return Err(unknown_field(&path, key, "network", NETWORK_FIELDS)),
        }
    }
    Ok(network)
}

/// Missing fields keep their defaults, as for the network.
pub(crate) fn decode_workload(value: &Value, path: &Path) -> Result<WorkloadConfig> {
    let mut workload = WorkloadConfig::default();
    for (key, value) in expect_object(value, path, "an object of workload settings")? {
        let path = path.field(key);
        match key.as_str() {
            "clients" => workload.clients = expect_u32(value, &path)?,
            "think_ticks_min" => workload.think_ticks_min = expect_u64(value, &path)?,
            "think_ticks_max" => workload.think_ticks_max = expect_u64(value, &path)?,
            "keys" => workload.keys = expect_u32(value, &path)?,
            "read_per_mille" => workload.read_per_mille = expect_u32(value, &path)?,
            "append_per_mille" => workload.append_per_mille = expect_u32(value, &path)?,
            "timeout_ticks" => workload.timeout_ticks = expect_u64(value, &path)?,
            "attempts_max" => workload.attempts_max = expect_u32(value, &path)?,
            "operations_max" => workload.operations_max = expect_u32(value, &path)?,
            _ => return Err(unknown_field(&path, key, "workload", WORKLOAD_FIELDS)),
        }
    }
    Ok(workload)
}

/// Missing fields keep their defaults, as for the network.
pub(crate) fn decode_limits(value: &Value, path: &Path) -> Result<Limits> {
    let mut limits = Limits::default();
    for (key, value) in expect_object(value, path, "an object of limits")? {
        let path = path.field(key);
        match key.as_str() {
            "ticks_max" => limits.ticks_max = expect_u64(value, &path)?,
            "steps_max" => limits.steps_max = expect_u64(value, &path)?,
            "in_flight_max" => limits.in_flight_max = expect_u32(value, &path)?,
            _ => return Err(unknown_field(&path, key, "limits", LIMITS_FIELDS)),
        }
    }
    Ok(limits)
}

/// `family`: the client operations the scenario's protocol takes, if known.
fn decode_actions(value: &Value, path: &Path, family: Option<ClientFamily>) -> Result<Vec<TimedAction>> {
    let items = expect_array(value, path, "a list of actions")?;
    // Checked here too (validate repeats it) to fail before decoding a flood.
    if items.len() > ACTIONS_MAX {
        return Err(ScenarioError::at(path, format!("{} actions is more than the {ACTIONS_MAX} allowed", items.len())));
    }
    items.iter().enumerate().map(|(index, item)| decode_timed_action_of(item, &path.index(index), family)).collect()
}

pub(crate) fn decode_timed_action(value: &Value, path: &Path) -> Result<TimedAction> {
    decode_timed_action_of(value, path, None)
}

fn decode_timed_action_of(value: &Value, path: &Path, family: Option<ClientFamily>) -> Result<TimedAction> {
    let fields = expect_object(value, path, "an action like { \"at_tick\": 100, \"action\": \"crash\", \"node\": 0 }")?;
    let at_tick_path = path.field("at_tick");
    let at_tick =
        find(fields, "at_tick").ok_or_else(|| missing(&at_tick_path, "the tick at which the action happens"))?;
    let at_tick = expect_u64(at_tick, &at_tick_path)?;
    let action = decode_action_fields(fields, path, &["at_tick"], family)?;
    Ok(TimedAction { at_tick, action })
}

pub(crate) fn decode_action(value: &Value, path: &Path) -> Result<Action> {
    let fields = expect_object(value, path, "an action like { \"action\": \"crash\", \"node\": 0 }")?;
    decode_action_fields(fields, path, &[], None)
}

/// The action in `fields`; `also_allowed` names fields the caller reads.
fn decode_action_fields(
    fields: &Fields,
    path: &Path,
    also_allowed: &[&str],
    family: Option<ClientFamily>,
) -> Result<Action> {
    let kind_path = path.field("action");
    let kind_value =
        find(fields, "action").ok_or_else(|| missing(&kind_path, "which action, for example \"action\": \"crash\""))?;
    let kind = expect_string(kind_value, &kind_path)?;
    let Some(&(_, names)) = ACTION_FIELDS.iter().find(|(name, _)| *name == kind) else {
        let kinds: Vec<&str> = ACTION_FIELDS.iter().map(|(name, _)| *name).collect();
        let hint = match suggest(kind, &kinds) {
            Some(near) => format!("did you mean {}?", quote(near)),
            None => format!("known: {}", kinds.join(", ")),
        };
        return Err(ScenarioError::at(kind_path, format!("unknown action {} ({hint})", quote(kind))));
    };
    for (key, _) in fields {
        if key != "action" && !also_allowed.contains(&key.as_str()) && !names.contains(&key.as_str()) {
            return Err(unknown_field(&path.field(key), key, &format!("{} {kind} action", article(kind)), names));
        }
    }
    let fields = ActionFields { fields, path, kind, names, family };
    Ok(match kind {
        "crash" => Action::Crash { node: fields.node("node")? },
        "crash-stop" => Action::CrashStop { node: fields.node("node")? },
        "restart" => Action::Restart { node: fields.node("node")? },
        "pause" => Action::Pause { node: fields.node("node")?, ticks: fields.u64("ticks")? },
        "partition" => Action::Partition { islands: fields.islands()? },
        "heal" => Action::Heal,
        "isolate" => Action::Isolate { node: fields.node("node")? },
        "reconnect" => Action::Reconnect { node: fields.node("node")? },
        "cut-link" => Action::CutLink { from: fields.node("from")?, to: fields.node("to")? },
        "repair-link" => Action::RepairLink { from: fields.node("from")?, to: fields.node("to")? },
        "drop-message" => Action::DropMessage { message: fields.message()? },
        "duplicate-message" => Action::DuplicateMessage { message: fields.message()? },
        "delay-message" => Action::DelayMessage { message: fields.message()?, ticks: fields.u64("ticks")? },
        "deliver-message" => Action::DeliverMessage { message: fields.message()? },
        "fire-timer" => Action::FireTimer { node: fields.node("node")?, timer: fields.u64("timer")? },
        "add-node" => Action::AddNode,
        "remove-node" => Action::RemoveNode { node: fields.node("node")? },
        "client-request" => Action::ClientRequest {
            client: ClientId(fields.u32("client")?),
            node: fields.node("node")?,
            operation: fields.operation()?,
        },
        _ => unreachable!("every name in ACTION_FIELDS has a decoder"),
    })
}

/// The fields of one action object, known to be only those its kind takes.
struct ActionFields<'v, 'p> {
    fields: &'v Fields,
    path: &'p Path<'p>,
    kind: &'v str,
    names: &'static [&'static str],
    /// The client operations the scenario's protocol takes, if known.
    family: Option<ClientFamily>,
}

impl<'v> ActionFields<'v, '_> {
    fn value(&self, name: &str) -> Result<&'v Value> {
        find(self.fields, name).ok_or_else(|| missing(&self.path.field(name), &self.required_names(name)))
    }

    /// What the action needs, for a message about a missing field: a
    /// client request's operation names its own fields.
    fn required_names(&self, missing: &str) -> String {
        let operation = match find(self.fields, "operation") {
            Some(Value::String(name)) => OPERATION_FIELDS.iter().find(|(known, _, _)| known == name),
            _ => None,
        };
        match operation {
            Some((name, takes, _)) if takes.contains(&missing) => format!("a {name} needs {}", takes.join(", ")),
            _ if self.kind == "client-request" => "a client-request action needs client, node, operation".to_string(),
            _ => format!("{} {} action needs {}", article(self.kind), self.kind, self.names.join(", ")),
        }
    }

    fn u64(&self, name: &str) -> Result<u64> {
        expect_u64(self.value(name)?, &self.path.field(name))
    }

    fn u32(&self, name: &str) -> Result<u32> {
        expect_u32(self.value(name)?, &self.path.field(name))
    }

    fn node(&self, name: &str) -> Result<NodeId> {
        Ok(NodeId(self.u32(name)?))
    }

    fn message(&self) -> Result<MessageId> {
        Ok(MessageId(self.u64("message")?))
    }

    fn islands(&self) -> Result<Vec<Vec<NodeId>>> {
        let path = self.path.field("islands");
        let islands =
            expect_array(self.value("islands")?, &path, "a list of islands, each a list of nodes, like [[0], [1, 2]]")?;
        islands
            .iter()
            .enumerate()
            .map(|(index, island)| {
                let island_path = path.index(index);
                expect_array(island, &island_path, "a list of nodes, like [1, 2]")?
                    .iter()
                    .enumerate()
                    .map(|(index, node)| Ok(NodeId(expect_u32(node, &island_path.index(index))?)))
                    .collect()
            })
            .collect()
    }

    /// A client request's operation, from `operation` and the fields it
    /// takes (`key`, `value`; `from`, `to`, `amount`).
    fn operation(&self) -> Result<ClientOperation> {
        let path = self.path.field("operation");
        let name = expect_string(self.value("operation")?, &path)?;
        let known: Vec<&str> = OPERATION_FIELDS
            .iter()
            .filter(|(_, _, family)| self.family.is_none_or(|f| f == *family))
            .map(|(name, _, _)| *name)
            .collect();
        let Some(&(_, takes, _)) =
            OPERATION_FIELDS.iter().find(|(known, _, _)| *known == name && known_has(&self.family, known))
        else {
            return Err(ScenarioError::at(
                path,
                format!("unknown operation {} (known: {})", quote(name), known.join(", ")),
            ));
        };
        // Fields of other operations are mistakes; say which.
        let others = OPERATION_FIELDS.iter().flat_map(|(_, fields, _)| fields.iter());
        if let Some(extra) = others.filter(|f| !takes.contains(f)).find(|f| find(self.fields, f).is_some()) {
            let message = match (name, *extra) {
                ("read", "value") => {
                    "a read has no value; remove it or make the operation a write or an append".to_string()
                }
                ("read-balances", _) => format!("read-balances reads every account and takes no {extra}"),
                (_, _) if takes.is_empty() => format!("a {name} takes no {extra}"),
                (_, _) => format!("a {name} has no {extra}; it takes {}", takes.join(", ")),
            };
            return Err(ScenarioError::at(self.path.field(extra), message));
        }
        Ok(match name {
            "read" => KvOperation::Read { key: self.u32("key")? }.into(),
            "write" => KvOperation::Write { key: self.u32("key")?, value: self.u64("value")? }.into(),
            "append" => KvOperation::Append { key: self.u32("key")?, value: self.u64("value")? }.into(),
            "transfer" => {
                let (from, to) = (self.u32("from")?, self.u32("to")?);
                BankOperation::Transfer { from, to, amount: self.u64("amount")? }.into()
            }
            "read-balances" => BankOperation::ReadBalances.into(),
            _ => unreachable!("every name in OPERATION_FIELDS has a decoder"),
        })
    }
}

/// Whether an operation called `name` is one of the family's (any
/// family's, when it is not known).
fn known_has(family: &Option<ClientFamily>, name: &str) -> bool {
    OPERATION_FIELDS.iter().any(|(known, _, f)| *known == name && family.is_none_or(|family| family == *f))
}

/// "an" before a vowel ("an add-node action"), "a" otherwise.
fn article(word: &str) -> &'static str {
    match word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    }
}

fn find<'v>(fields: &'v Fields, key: &str) -> Option<&'v Value> {
    fields.iter().find(|(name, _)| name == key).map(|(_, value)| value)
}

fn reject_unknown(fields: &Fields, path: &Path, context: &str, known: &[&str]) -> Result<()> {
    match fields.iter().find(|(key, _)| !known.contains(&key.as_str())) {
        Some((key, _)) => Err(unknown_field(&path.field(key), key, context, known)),
        None => Ok(()),
    }
}

fn unknown_field(path: &Path, key: &str, context: &str, known: &[&str]) -> ScenarioError {
    let hint = match suggest(key, known) {
        Some(near) => format!("did you mean {near}?"),
        None if known.is_empty() => "it takes no other fields".to_owned(),
        None => format!("known: {}", known.join(", ")),
    };
    // The path already shows the field's name.
    ScenarioError::at(path, format!("{context} has no such field ({hint})"))
}

fn missing(path: &Path, hint: &str) -> ScenarioError {
    ScenarioError::at(path, format!("missing; {hint}"))
}

/// How a wrong value is named in a message.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("the text {}", quote(s)),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn expect_object<'v>(value: &'v Value, path: &Path, expected: &str) -> Result<&'v Fields> {
    match value {
        Value::Object(fields) => Ok(fields),
        other => Err(ScenarioError::at(path, format!("expected {expected}, found {}", describe(other)))),
    }
}

fn expect_array<'v>(value: &'v Value, path: &Path, expected: &str) -> Result<&'v [Value]> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(ScenarioError::at(path, format!("expected {expected}, found {}", describe(other)))),
    }
}

fn expect_string<'v>(value: &'v Value, path: &Path) -> Result<&'v str> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(ScenarioError::at(path, format!("expected text in quotes, found {}", describe(other)))),
    }
}

fn expect_u64(value: &Value, path: &Path) -> Result<u64> {
    let message = match value {
        Value::Number(Number::Unsigned(n)) => return Ok(*n),
        Value::Number(Number::Negative(n)) => format!("must not be negative, found {n}"),
        Value::Number(Number::Float(x)) => {
            let shown = Number::Float(*x);
            if *x < 0.0 {
                format!("must not be negative, found {shown}")
            } else if x.fract() != 0.0 {
                format!("expected a whole number, found {shown}")
            } else if *x >= u64::MAX as f64 {
                // The parser turns whole numbers beyond u64 into floats.
                format!("{shown} is too large (at most {})", u64::MAX)
            } else {
                format!("write whole numbers without a decimal point or exponent, found {shown}")
            }
        }
        other => format!("expected a whole number, found {}", describe(other)),
    };
    Err(ScenarioError::at(path, message))
}

fn expect_bool(value: &Value, path: &Path) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(ScenarioError::at(path, format!("expected true or false, found {}", describe(other)))),
    }
}

fn expect_u32(value: &Value, path: &Path) -> Result<u32> {
    let n = expect_u64(value, path)?;
    u32::try_from(n).map_err(|_| ScenarioError::at(path, format!("{n} is too large (at most {})", u32::MAX)))
}

// ---------------------------------------------------------------- encoding

pub(crate) fn encode_scenario(scenario: &Scenario) -> Value {
    object(vec![
        ("version", number(scenario.version)),
        ("name", Value::String(scenario.name.clone())),
        ("description", Value::String(scenario.description.clone())),
        ("seed", number(scenario.seed)),
        ("protocol", encode_protocol(&scenario.protocol)),
        ("network", encode_network(&scenario.network)),
        ("workload", encode_workload(&scenario.workload)),
        ("limits", encode_limits(&scenario.limits)),
        ("actions", Value::Array(scenario.actions.iter().map(encode_timed_action).collect())),
    ])
}

pub(crate) fn encode_protocol(protocol: &ProtocolSpec) -> Value {
    let name = Value::String(protocol.name().to_owned());
    match protocol {
        ProtocolSpec::PrimaryBackup { nodes } => object(vec![("name", name), ("nodes", number(*nodes))]),
        ProtocolSpec::Raft(raft) => object(vec![
            ("name", name),
            ("nodes", number(raft.nodes)),
            ("election_timeout_ticks_min", number(raft.election_timeout_ticks_min)),
            ("election_timeout_ticks_max", number(raft.election_timeout_ticks_max)),
            ("heartbeat_ticks", number(raft.heartbeat_ticks)),
            ("reads", Value::String(raft.reads.name().to_owned())),
            ("variant", Value::String(raft.variant.name().to_owned())),
            ("initial", Value::Array(raft.initial.iter().map(encode_raft_initial_node).collect())),
        ]),
        ProtocolSpec::TwoPhaseCommit(spec) => object(vec![
            ("name", name),
            ("resource_managers", number(spec.resource_managers)),
            ("accounts_per_resource_manager", number(spec.accounts_per_resource_manager)),
            ("initial_balance", number(spec.initial_balance)),
            ("transfer_amount_max", number(spec.transfer_amount_max)),
            ("abort_per_mille", number(spec.abort_per_mille)),
            ("vote_timeout_ticks", number(spec.vote_timeout_ticks)),
            ("decision_timeout_ticks", number(spec.decision_timeout_ticks)),
            ("cooperative_termination", Value::Bool(spec.cooperative_termination)),
            ("variant", Value::String(spec.variant.name().to_owned())),
        ]),
    }
}

/// Every field, `voted_for` as null when the node has not voted.
fn encode_raft_initial_node(node: &RaftInitialNode) -> Value {
    object(vec![
        ("term", number(node.term)),
        ("voted_for", node.voted_for.map_or(Value::Null, |node| number(node.0))),
        ("log", Value::Array(node.log.iter().map(encode_raft_entry).collect())),
    ])
}

fn encode_raft_entry(entry: &RaftInitialEntry) -> Value {
    object(vec![("term", number(entry.term)), ("key", number(entry.key)), ("value", number(entry.value))])
}

pub(crate) fn encode_network(network: &NetworkConfig) -> Value {
    object(vec![
        ("delay_ticks_min", number(network.delay_ticks_min)),
        ("delay_ticks_max", number(network.delay_ticks_max)),
        ("loss_per_mille", number(network.loss_per_mille)),
        ("duplicate_per_mille", number(network.duplicate_per_mille)),
        ("reorder_per_mille", number(network.reorder_per_mille)),
    ])
}

pub(crate) fn encode_workload(workload: &WorkloadConfig) -> Value {
    object(vec![
        ("clients", number(workload.clients)),
        ("think_ticks_min", number(workload.think_ticks_min)),
        ("think_ticks_max", number(workload.think_ticks_max)),
        ("keys", number(workload.keys)),
        ("read_per_mille", number(workload.read_per_mille)),
        ("append_per_mille", number(workload.append_per_mille)),
        ("timeout_ticks", number(workload.timeout_ticks)),
        ("attempts_max", number(workload.attempts_max)),
        ("operations_max", number(workload.operations_max)),
    ])
}

pub(crate) fn encode_limits(limits: &Limits) -> Value {
    object(vec![
        ("ticks_max", number(limits.ticks_max)),
        ("steps_max", number(limits.steps_max)),
        ("in_flight_max", number(limits.in_flight_max)),
    ])
}

pub(crate) fn encode_timed_action(timed: &TimedAction) -> Value {
    let mut fields = vec![("at_tick", number(timed.at_tick))];
    fields.extend(action_fields(&timed.action));
    object(fields)
}

pub(crate) fn encode_action(action: &Action) -> Value {
    object(action_fields(action))
}

/// `action` (its kind) first, then the kind's fields in declaration order.
fn action_fields(action: &Action) -> Vec<(&'static str, Value)> {
    let node = |node: &NodeId| number(node.0);
    let mut fields = vec![("action", Value::String(action.name().to_owned()))];
    match action {
        Action::Crash { node: n }
        | Action::CrashStop { node: n }
        | Action::Restart { node: n }
        | Action::Isolate { node: n }
        | Action::Reconnect { node: n } => fields.push(("node", node(n))),
        Action::Pause { node: n, ticks } => {
            fields.extend([("node", node(n)), ("ticks", number(*ticks))]);
        }
        Action::Partition { islands } => {
            let islands = islands.iter().map(|island| Value::Array(island.iter().map(node).collect())).collect();
            fields.push(("islands", Value::Array(islands)));
        }
        Action::Heal => {}
        Action::CutLink { from, to } | Action::RepairLink { from, to } => {
            fields.extend([("from", node(from)), ("to", node(to))]);
        }
        Action::DropMessage { message } | Action::DuplicateMessage { message } | Action::DeliverMessage { message } => {
            fields.push(("message", number(message.0)))
        }
        Action::DelayMessage { message, ticks } => {
            fields.extend([("message", number(message.0)), ("ticks", number(*ticks))]);
        }
        Action::FireTimer { node: n, timer } => {
            fields.extend([("node", node(n)), ("timer", number(*timer))]);
        }
        Action::AddNode => {}
        Action::RemoveNode { node: n } => fields.push(("node", node(n))),
        Action::ClientRequest { client, node: n, operation } => {
            fields.extend([("client", number(client.0)), ("node", node(n))]);
            match operation {
                ClientOperation::KeyValue(KvOperation::Read { key }) => {
                    fields.extend([("operation", Value::String("read".to_owned())), ("key", number(*key))])
                }
                ClientOperation::KeyValue(KvOperation::Write { key, value }) => fields.extend([
                    ("operation", Value::String("write".to_owned())),
                    ("key", number(*key)),
                    ("value", number(*value)),
                ]),
                ClientOperation::Bank(BankOperation::Transfer { from, to, amount }) => fields.extend([
                    ("operation", Value::String("transfer".to_owned())),
                    ("from", number(*from)),
                    ("to", number(*to)),
                    ("amount", number(*amount)),
                ]),
                ClientOperation::Bank(BankOperation::ReadBalances) => {
                    fields.push(("operation", Value::String("read-balances".to_owned())))
                }
                ClientOperation::KeyValue(KvOperation::Append { key, value }) => fields.extend([
                    ("operation", Value::String("append".to_owned())),
                    ("key", number(*key)),
                    ("value", number(*value)),
                ]),
            }
        }
    }
    fields
}

fn object(fields: Vec<(&str, Value)>) -> Value {
    Value::Object(fields.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}

fn number(n: impl Into<u64>) -> Value {
    Value::Number(Number::Unsigned(n.into()))
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

    /// The lists that error messages quote must match what is written.
    #[test]
    fn field_lists_match_the_encoder() {
        let scenario = Scenario::new("", 1, ProtocolSpec::PrimaryBackup { nodes: 3 });
        assert_eq!(keys(&encode_scenario(&scenario)), SCENARIO_FIELDS);
        assert_eq!(keys(&encode_protocol(&scenario.protocol)), PRIMARY_BACKUP_FIELDS);
        let mut raft = RaftSpec::new(3);
        raft.initial =
            vec![
                RaftInitialNode { term: 1, voted_for: None, log: vec![RaftInitialEntry { term: 1, key: 0, value: 7 }] };
                3
            ];
        assert_eq!(keys(&encode_protocol(&ProtocolSpec::Raft(raft.clone()))), RAFT_FIELDS);
        assert_eq!(keys(&encode_raft_initial_node(&raft.initial[0])), RAFT_INITIAL_FIELDS);
        assert_eq!(keys(&encode_raft_entry(&raft.initial[0].log[0])), RAFT_ENTRY_FIELDS);
        assert_eq!(keys(&encode_network(&scenario.network)), NETWORK_FIELDS);
        assert_eq!(keys(&encode_workload(&scenario.workload)), WORKLOAD_FIELDS);
        assert_eq!(keys(&encode_limits(&scenario.limits)), LIMITS_FIELDS);
    }

    #[test]
    fn action_field_table_matches_the_encoder() {
        let (n, m) = (NodeId(0), MessageId(0));
        let write = KvOperation::Write { key: 0, value: 1 }.into();
        let actions = [
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
            Action::DropMessage { message: m },
            Action::DuplicateMessage { message: m },
            Action::DelayMessage { message: m, ticks: 1 },
            Action::DeliverMessage { message: m },
            Action::FireTimer { node: n, timer: 0 },
            Action::AddNode,
            Action::RemoveNode { node: n },
            Action::ClientRequest { client: ClientId(0), node: n, operation: write },
        ];
        assert_eq!(actions.len(), ACTION_FIELDS.len());
        for (action, (name, names)) in actions.iter().zip(ACTION_FIELDS) {
            assert_eq!(action.name(), *name);
            let encoded = encode_action(action);
            assert_eq!(keys(&encoded)[0], "action");
            match action {
                // A client request writes its operation's fields only.
                Action::ClientRequest { .. } => {
                    assert_eq!(&keys(&encoded)[1..], ["client", "node", "operation", "key", "value"])
                }
                _ => assert_eq!(&keys(&encoded)[1..], *names),
            }
        }
    }

    #[test]
    fn operation_field_table_matches_the_encoder() {
        let operations: [ClientOperation; 5] = [
            KvOperation::Read { key: 0 }.into(),
            KvOperation::Write { key: 0, value: 1 }.into(),
            KvOperation::Append { key: 0, value: 1 }.into(),
            BankOperation::Transfer { from: 0, to: 1, amount: 2 }.into(),
            BankOperation::ReadBalances.into(),
        ];
        assert_eq!(operations.len(), OPERATION_FIELDS.len());
        for (operation, (name, takes, family)) in operations.into_iter().zip(OPERATION_FIELDS) {
            assert_eq!(operation.family(), *family);
            let encoded = encode_action(&Action::ClientRequest { client: ClientId(0), node: NodeId(0), operation });
            assert_eq!(&keys(&encoded)[1..4], ["client", "node", "operation"]);
            assert_eq!(&keys(&encoded)[4..], *takes, "{name}");
        }
    }
}
