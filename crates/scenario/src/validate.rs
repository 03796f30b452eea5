//! The rules a scenario must follow beyond its shape. They keep every run
//! small enough for a browser tab and make sure each action names something
//! that exists, so the simulator can trust a valid scenario without
//! checking again.

use crate::error::ScenarioError;
use crate::model::*;

type Result<T = ()> = std::result::Result<T, ScenarioError>;

pub(crate) const NODES_MAX: u32 = 16;
pub(crate) const CLIENTS_MAX: u32 = 32;
pub const KEYS_MAX: u32 = 1_000;
pub(crate) const PER_MILLE_MAX: u32 = 1_000;
pub(crate) const ATTEMPTS_MAX: u32 = 100;
pub(crate) const OPERATIONS_MAX: u32 = 100_000;
pub(crate) const TICKS_MAX: u64 = 100_000_000;
/// Every step is kept (for stepping back and for the trace): in the page
/// that is up to about 1,000 bytes a step (465 MB after 477,001 steps of the
/// Raft benchmark, `frame_cost_at_the_end_of_a_long_run`), and a wasm32 tab
/// has 4 GB at the very most. Two million steps stay well inside it.
pub(crate) const STEPS_MAX: u64 = 2_000_000;
pub(crate) const IN_FLIGHT_MAX: u32 = 1_000_000;
pub(crate) const NAME_CHARS_MAX: usize = 200;
pub(crate) const DESCRIPTION_CHARS_MAX: usize = 5_000;
pub(crate) const ACTIONS_MAX: usize = 100_000;
/// Bound on every other tick count (delays, timeouts, pauses, action
/// times). Ten times the longest run, so nothing useful is refused, and small
/// enough that the simulator can add any two tick counts without overflow.
pub(crate) const TICK_COUNT_MAX: u64 = 1_000_000_000;
/// Bound on Raft's election timeout (and so on its heartbeat interval).
pub(crate) const RAFT_TIMEOUT_TICKS_MAX: u64 = 1_000_000;
/// Bound on each node's initial log.
pub(crate) const RAFT_LOG_ENTRIES_MAX: usize = 10_000;
/// Bound on initial terms: far beyond what any puzzle needs, and small
/// enough that the simulator can count terms up without overflow.
pub(crate) const RAFT_TERM_MAX: u64 = 1_000_000_000;

/// Most accounts a resource manager holds.
pub(crate) const ACCOUNTS_PER_RESOURCE_MANAGER_MAX: u32 = 8;
/// Most money an account starts with, and a transfer moves: the whole
/// bank's total stays far inside the checker's 64-bit signed integers.
pub(crate) const AMOUNT_MAX: u64 = 1_000_000_000_000;

/// Checks every rule and returns the first broken one, naming its field.
pub fn validate(scenario: &Scenario) -> Result {
    check_version(scenario.version)?;
    at_most_chars("name", &scenario.name, NAME_CHARS_MAX)?;
    at_most_chars("description", &scenario.description, DESCRIPTION_CHARS_MAX)?;
    match &scenario.protocol {
        ProtocolSpec::PrimaryBackup { nodes } => {
            in_range("protocol.nodes", (*nodes).into(), 1, NODES_MAX.into())?;
        }
        ProtocolSpec::Raft(raft) => check_raft(raft)?,
        ProtocolSpec::TwoPhaseCommit(spec) => check_two_phase_commit(spec)?,
        ProtocolSpec::Crdt(spec) => check_crdt(spec)?,
        ProtocolSpec::QuorumKv(spec) => check_quorum_kv(spec)?,
    }
    check_network(&scenario.network)?;
    check_workload(&scenario.workload)?;
    check_workload_fits_the_clients(scenario)?;
    check_limits(&scenario.limits)?;
    // Initial logs name keys, so they are checked once the keys are known good.
    if let ProtocolSpec::Raft(raft) = &scenario.protocol {
        check_raft_initial(scenario, raft)?;
    }
    check_actions(scenario)
}

pub(crate) fn check_version(version: u32) -> Result {
    if version == SCENARIO_VERSION {
        return Ok(());
    }
    Err(ScenarioError::at(
        "version",
        format!("unknown scenario version {version} (this Faultline reads version {SCENARIO_VERSION})"),
    ))
}

fn check_raft(raft: &RaftSpec) -> Result {
    in_range("protocol.nodes", raft.nodes.into(), 1, NODES_MAX.into())?;
    if raft.heartbeat_ticks == 0 {
        return Err(ScenarioError::at(
            "protocol.heartbeat_ticks",
            "must be at least 1: a leader needs some time between heartbeats",
        ));
    }
    if raft.election_timeout_ticks_max > RAFT_TIMEOUT_TICKS_MAX {
        return Err(ScenarioError::at(
            "protocol.election_timeout_ticks_max",
            format!("{} ticks is more than the {RAFT_TIMEOUT_TICKS_MAX} allowed", raft.election_timeout_ticks_max),
        ));
    }
    min_not_above_max(
        "protocol.election_timeout_ticks_min",
        raft.election_timeout_ticks_min,
        "election_timeout_ticks_max",
        raft.election_timeout_ticks_max,
    )?;
    if raft.heartbeat_ticks >= raft.election_timeout_ticks_min {
        return Err(ScenarioError::at(
            "protocol.heartbeat_ticks",
            format!(
                "{} is not less than election_timeout_ticks_min ({}): followers would time out between heartbeats",
                raft.heartbeat_ticks, raft.election_timeout_ticks_min
            ),
        ));
    }
    Ok(())
}

fn check_two_phase_commit(spec: &TwoPhaseCommitSpec) -> Result {
    let path = |name: &str| format!("protocol.{name}");
    if !(1..NODES_MAX).contains(&spec.resource_managers) {
        return Err(ScenarioError::at(
            path("resource_managers"),
            format!(
                "must be from 1 to {} (the coordinator is one more node, {NODES_MAX} in all), found {}",
                NODES_MAX - 1,
                spec.resource_managers
            ),
        ));
    }
    in_range(
        &path("accounts_per_resource_manager"),
        spec.accounts_per_resource_manager.into(),
        1,
        ACCOUNTS_PER_RESOURCE_MANAGER_MAX.into(),
    )?;
    if spec.accounts() < 2 {
        return Err(ScenarioError::at(
            path("accounts_per_resource_manager"),
            "1 resource manager with 1 account makes a bank of 1 account, and a transfer needs 2: \
             give it 2 accounts or more, or add a resource manager",
        ));
    }
    in_range(&path("initial_balance"), spec.initial_balance, 0, AMOUNT_MAX)?;
    if spec.transfer_amount_max == 0 {
        return Err(ScenarioError::at(path("transfer_amount_max"), "must be at least 1: a transfer moves some money"));
    }
    in_range(&path("transfer_amount_max"), spec.transfer_amount_max, 1, AMOUNT_MAX)?;
    per_mille(&path("abort_per_mille"), spec.abort_per_mille)?;
    at_least_one_tick(&path("vote_timeout_ticks"), spec.vote_timeout_ticks, "a wait for votes")?;
    at_least_one_tick(&path("decision_timeout_ticks"), spec.decision_timeout_ticks, "a wait for a decision")
}

/// Most a counter's update moves, and the largest element or value a
/// scripted request names: sums over every update of a run stay far inside
/// the checker's 64-bit signed integers.
pub(crate) const CRDT_VALUE_MAX: u64 = 1_000_000_000;
/// Most elements a set's workload draws from.
pub(crate) const CRDT_ELEMENTS_MAX: u64 = 1_000;

fn check_crdt(spec: &CrdtSpec) -> Result {
    let path = |name: &str| format!("protocol.{name}");
    in_range(&path("nodes"), spec.nodes.into(), 1, NODES_MAX.into())?;
    at_least_one_tick(&path("gossip_interval_ticks"), spec.gossip_interval_ticks, "a gossip interval")?;
    in_range(&path("gossip_fan_out"), spec.gossip_fan_out.into(), 1, (NODES_MAX - 1).into())?;
    in_range(&path("elements"), spec.elements, 1, CRDT_ELEMENTS_MAX)?;
    in_range(&path("amount_max"), spec.amount_max, 1, CRDT_VALUE_MAX)?;
    per_mille(&path("remove_per_mille"), spec.remove_per_mille)?;
    tick_count(&path("clock_skew_ticks"), spec.clock_skew_ticks)?;
    spec.variant.applies_to(spec.data_type, spec.replication).map_err(|why| ScenarioError::at(path("variant"), why))
}

/// Most points a node has on the quorum store's ring (the partitioning
/// library's own bound).
pub(crate) const VIRTUAL_NODES_MAX: u32 = 1_000;

fn check_quorum_kv(spec: &QuorumKvSpec) -> Result {
    let path = |name: &str| format!("protocol.{name}");
    in_range(&path("nodes"), spec.nodes.into(), 1, NODES_MAX.into())?;
    if !(1..=spec.nodes).contains(&spec.replicas) {
        return Err(ScenarioError::at(
            path("replicas"),
            format!("N must be from 1 to the {} nodes the cluster starts with, found {}", spec.nodes, spec.replicas),
        ));
    }
    for (name, quorum) in [("read_quorum", spec.read_quorum), ("write_quorum", spec.write_quorum)] {
        let letter = if name == "read_quorum" { 'R' } else { 'W' };
        if !(1..=spec.replicas).contains(&quorum) {
            return Err(ScenarioError::at(
                path(name),
                format!("{letter} must be from 1 to N (replicas, {}), found {quorum}", spec.replicas),
            ));
        }
    }
    if spec.virtual_nodes == 0 {
        return Err(ScenarioError::at(path("virtual_nodes"), "must be at least 1: a node needs a point on the ring"));
    }
    in_range(&path("virtual_nodes"), spec.virtual_nodes.into(), 1, VIRTUAL_NODES_MAX.into())?;
    at_least_one_tick(&path("quorum_timeout_ticks"), spec.quorum_timeout_ticks, "a wait for a quorum")?;
    at_least_one_tick(
        &path("anti_entropy_interval_ticks"),
        spec.anti_entropy_interval_ticks,
        "an anti-entropy interval",
    )?;
    if spec.variant == QuorumKvVariant::HintsNeverHandedOff && !spec.sloppy_quorum {
        return Err(ScenarioError::at(
            path("variant"),
            "hints-never-handed-off is a bug of hinted hand-off: it needs \"sloppy_quorum\": true",
        ));
    }
    Ok(())
}

/// A scripted request's operation is one its type has, with values in range.
fn check_crdt_operation(scenario: &Scenario, operation: &CrdtOperation, field: &dyn Fn(&str) -> String) -> Result {
    let ProtocolSpec::Crdt(spec) = &scenario.protocol else { return Ok(()) };
    let takes = spec.data_type.operation_names();
    if !takes.contains(&operation.name()) {
        return Err(ScenarioError::at(
            field("operation"),
            format!("a {} takes {}; it has no {}", spec.data_type.name(), takes.join(", "), operation.name()),
        ));
    }
    let (name, value, min) = match *operation {
        CrdtOperation::Increment { by } | CrdtOperation::Decrement { by } => ("by", by, 1),
        CrdtOperation::Add { element } | CrdtOperation::Remove { element } => ("element", element, 0),
        CrdtOperation::Write { value } => ("value", value, 0),
        CrdtOperation::Read => return Ok(()),
    };
    in_range(&field(name), value, min, CRDT_VALUE_MAX)
}

/// The workload's key-value settings mean nothing to other families.
fn check_workload_fits_the_clients(scenario: &Scenario) -> Result {
    let workload = &scenario.workload;
    match scenario.protocol.client_family() {
        ClientFamily::KeyValue => Ok(()),
        ClientFamily::Bank if workload.append_per_mille != 0 => Err(ScenarioError::at(
            "workload.append_per_mille",
            format!(
                "{}'s clients transfer money and read balances; they do not append (leave it out or make it 0)",
                scenario.protocol.name()
            ),
        )),
        ClientFamily::Bank if workload.keys != 1 => Err(ScenarioError::at(
            "workload.keys",
            format!(
                "{} has accounts, not keys (leave it out; protocol.accounts_per_resource_manager sets the accounts)",
                scenario.protocol.name()
            ),
        )),
        ClientFamily::Bank => Ok(()),
        ClientFamily::Crdt if workload.append_per_mille != 0 => Err(ScenarioError::at(
            "workload.append_per_mille",
            "a CRDT's clients update and read its one object; they do not append (leave it out or make it 0)",
        )),
        ClientFamily::Crdt if workload.keys != 1 => {
            Err(ScenarioError::at("workload.keys", "a CRDT scenario replicates one object, not keys (leave it out)"))
        }
        ClientFamily::Crdt => Ok(()),
    }
}

/// The initial states: none, or one per node, each a log a Raft node could
/// have written.
fn check_raft_initial(scenario: &Scenario, raft: &RaftSpec) -> Result {
    let (nodes, given) = (raft.nodes as usize, raft.initial.len());
    if given != 0 && given != nodes {
        let need = match nodes {
            1 => "1 node needs 1 initial state".to_owned(),
            _ => format!("{nodes} nodes need {nodes} initial states"),
        };
        return Err(ScenarioError::at("protocol.initial", format!("{need}, got {given}")));
    }
    for (index, node) in raft.initial.iter().enumerate() {
        let path = format!("protocol.initial[{index}]");
        if node.term > RAFT_TERM_MAX {
            return Err(ScenarioError::at(
                format!("{path}.term"),
                format!("{} is more than the {RAFT_TERM_MAX} allowed", node.term),
            ));
        }
        if let Some(voted_for) = node.voted_for {
            node_exists(scenario.protocol.node_count(), &format!("{path}.voted_for"), voted_for)?;
        }
        if node.log.len() > RAFT_LOG_ENTRIES_MAX {
            return Err(ScenarioError::at(
                format!("{path}.log"),
                format!("{} entries is more than the {RAFT_LOG_ENTRIES_MAX} allowed", node.log.len()),
            ));
        }
        let mut previous_term = 0;
        for (entry_index, entry) in node.log.iter().enumerate() {
            let field = |name: &str| format!("{path}.log[{entry_index}].{name}");
            if entry.term == 0 {
                return Err(ScenarioError::at(field("term"), "must be at least 1: terms of entries start at 1"));
            }
            if entry.term < previous_term {
                return Err(ScenarioError::at(
                    field("term"),
                    format!(
                        "{} is less than the term of the entry before it ({previous_term}); terms never decrease along a log",
                        entry.term
                    ),
                ));
            }
            if entry.term > node.term {
                return Err(ScenarioError::at(
                    field("term"),
                    format!(
                        "{} is greater than the node's term ({}); a node cannot hold entries from a later term",
                        entry.term, node.term
                    ),
                ));
            }
            previous_term = entry.term;
            key_exists(scenario, &field("key"), entry.key)?;
        }
    }
    check_initial_logs_match(raft)
}

/// Raft's log matching property must already hold between the initial logs:
/// two entries with the same index and term mean identical logs up to them.
/// (Otherwise the run would start from a state no Raft cluster can reach.)
fn check_initial_logs_match(raft: &RaftSpec) -> Result {
    for (a, first) in raft.initial.iter().enumerate() {
        for (b, second) in raft.initial.iter().enumerate().skip(a + 1) {
            for (index, (x, y)) in first.log.iter().zip(&second.log).enumerate() {
                if x.term == y.term && first.log[..=index] != second.log[..=index] {
                    return Err(ScenarioError::at(
                        format!("protocol.initial[{b}].log[{index}]"),
                        format!(
                            "n{a} and n{b} both have an entry of term {} at index {}, but their logs differ up to it; Raft's log matching rules that out",
                            x.term,
                            index + 1
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_network(network: &NetworkConfig) -> Result {
    if network.delay_ticks_min == 0 {
        return Err(ScenarioError::at(
            "network.delay_ticks_min",
            "must be at least 1: a message cannot arrive in the tick it was sent",
        ));
    }
    tick_count("network.delay_ticks_max", network.delay_ticks_max)?;
    min_not_above_max("network.delay_ticks_min", network.delay_ticks_min, "delay_ticks_max", network.delay_ticks_max)?;
    per_mille("network.loss_per_mille", network.loss_per_mille)?;
    per_mille("network.duplicate_per_mille", network.duplicate_per_mille)?;
    per_mille("network.reorder_per_mille", network.reorder_per_mille)
}

fn check_workload(workload: &WorkloadConfig) -> Result {
    in_range("workload.clients", workload.clients.into(), 0, CLIENTS_MAX.into())?;
    tick_count("workload.think_ticks_max", workload.think_ticks_max)?;
    min_not_above_max(
        "workload.think_ticks_min",
        workload.think_ticks_min,
        "think_ticks_max",
        workload.think_ticks_max,
    )?;
    in_range("workload.keys", workload.keys.into(), 1, KEYS_MAX.into())?;
    per_mille("workload.read_per_mille", workload.read_per_mille)?;
    per_mille("workload.append_per_mille", workload.append_per_mille)?;
    if workload.read_per_mille + workload.append_per_mille > PER_MILLE_MAX {
        return Err(ScenarioError::at(
            "workload.append_per_mille",
            format!(
                "{} with read_per_mille {} is more than {PER_MILLE_MAX}: reads and appends share the operations, \
                 writes get the rest",
                workload.append_per_mille, workload.read_per_mille
            ),
        ));
    }
    if workload.timeout_ticks == 0 {
        return Err(ScenarioError::at(
            "workload.timeout_ticks",
            "must be at least 1: a client needs some time to wait for a reply",
        ));
    }
    tick_count("workload.timeout_ticks", workload.timeout_ticks)?;
    in_range("workload.attempts_max", workload.attempts_max.into(), 1, ATTEMPTS_MAX.into())?;
    in_range("workload.operations_max", workload.operations_max.into(), 0, OPERATIONS_MAX.into())
}

fn check_limits(limits: &Limits) -> Result {
    in_range("limits.ticks_max", limits.ticks_max, 1, TICKS_MAX)?;
    if limits.steps_max > STEPS_MAX {
        return Err(ScenarioError::at(
            "limits.steps_max",
            format!(
                "{} is more than {STEPS_MAX}: every step is kept so the run can be stepped back through, \
                 and a longer run would not fit in a browser tab",
                limits.steps_max
            ),
        ));
    }
    in_range("limits.steps_max", limits.steps_max, 1, STEPS_MAX)?;
    in_range("limits.in_flight_max", limits.in_flight_max.into(), 1, IN_FLIGHT_MAX.into())
}

fn check_actions(scenario: &Scenario) -> Result {
    if scenario.actions.len() > ACTIONS_MAX {
        return Err(ScenarioError::at(
            "actions",
            format!("{} actions is more than the {ACTIONS_MAX} allowed", scenario.actions.len()),
        ));
    }
    let mut previous_tick = 0;
    let mut membership = Membership::of(scenario);
    for (index, timed) in scenario.actions.iter().enumerate() {
        let path = format!("actions[{index}]");
        let field = |name: &str| format!("{path}.{name}");
        tick_count(&field("at_tick"), timed.at_tick)?;
        // The simulator replays actions in list order; an out-of-order list
        // would mean something different from what it looks like.
        if timed.at_tick < previous_tick {
            return Err(ScenarioError::at(
                field("at_tick"),
                format!(
                    "{} is earlier than the action before it (tick {previous_tick}); list actions in time order",
                    timed.at_tick
                ),
            ));
        }
        previous_tick = timed.at_tick;
        check_action(scenario, &mut membership, &timed.action, &field)?;
    }
    Ok(())
}

/// The nodes as the actions so far left them: add-node gives the next
/// number, remove-node takes one out for good.
struct Membership {
    /// Nodes are numbered `0..numbered`.
    numbered: u32,
    removed: Vec<bool>,
}

impl Membership {
    fn of(scenario: &Scenario) -> Membership {
        let numbered = scenario.protocol.node_count();
        Membership { numbered, removed: vec![false; numbered as usize] }
    }

    fn members(&self) -> usize {
        self.removed.iter().filter(|removed| !**removed).count()
    }

    /// Apply an add-node or a remove-node, or say why it cannot be.
    fn change(&mut self, scenario: &Scenario, action: &Action, field: &dyn Fn(&str) -> String) -> Result {
        match action {
            Action::AddNode if self.numbered >= NODES_MAX => Err(ScenarioError::at(
                field("action"),
                format!("adding a node would number it {}, past the {NODES_MAX} nodes a run may have", self.numbered),
            )),
            Action::AddNode => {
                self.numbered += 1;
                self.removed.push(false);
                Ok(())
            }
            Action::RemoveNode { node } => {
                node_exists(self.numbered, &field("node"), *node)?;
                if self.removed[node.0 as usize] {
                    return Err(ScenarioError::at(field("node"), format!("{node} was removed already")));
                }
                if self.members() == 1 {
                    return Err(ScenarioError::at(
                        field("node"),
                        format!("{node} is the last node of the cluster; removing it would leave none"),
                    ));
                }
                self.removed[node.0 as usize] = true;
                Ok(())
            }
            _ => Ok(()),
        }?;
        if scenario.protocol.supports_membership_changes() {
            return Ok(());
        }
        Err(ScenarioError::at(
            field("action"),
            format!("{} does not let nodes join or leave during a run", scenario.protocol.name()),
        ))
    }
}

fn check_action(
    scenario: &Scenario,
    membership: &mut Membership,
    action: &Action,
    field: &dyn Fn(&str) -> String,
) -> Result {
    let numbered = membership.numbered;
    let node = |name: &str, node: NodeId| node_exists(numbered, &field(name), node);
    match action {
        Action::Crash { node: n }
        | Action::CrashStop { node: n }
        | Action::Restart { node: n }
        | Action::Isolate { node: n }
        | Action::Reconnect { node: n }
        | Action::FireTimer { node: n, .. } => node("node", *n),
        Action::Pause { node: n, ticks } => {
            node("node", *n)?;
            at_least_one_tick(&field("ticks"), *ticks, "a pause")
        }
        Action::Partition { islands } => check_islands(numbered, islands, &field("islands")),
        Action::AddNode | Action::RemoveNode { .. } => membership.change(scenario, action, field),
        Action::Heal | Action::DropMessage { .. } | Action::DuplicateMessage { .. } | Action::DeliverMessage { .. } => {
            Ok(())
        }
        Action::CutLink { from, to } | Action::RepairLink { from, to } => {
            node("from", *from)?;
            node("to", *to)
        }
        Action::CutLinks { links } | Action::RepairLinks { links } => check_links(numbered, links, &field("links")),
        Action::DelayMessage { ticks, .. } => at_least_one_tick(&field("ticks"), *ticks, "a delay"),
        Action::ClientRequest { client, node: n, operation } => {
            let clients = scenario.workload.clients;
            if client.0 >= clients {
                let have = match clients {
                    0 => "the workload has no clients".to_owned(),
                    _ => format!("the workload has clients 0..={}", clients - 1),
                };
                return Err(ScenarioError::at(field("client"), format!("client {} does not exist ({have})", client.0)));
            }
            node("node", *n)?;
            let family = scenario.protocol.client_family();
            if operation.family() != family {
                return Err(ScenarioError::at(
                    field("operation"),
                    format!(
                        "{operation} is not an operation of {}'s clients (they take {})",
                        scenario.protocol.name(),
                        family.operation_names().join(", ")
                    ),
                ));
            }
            match operation {
                ClientOperation::KeyValue(operation) => key_exists(scenario, &field("key"), operation.key()),
                ClientOperation::Bank(operation) => check_bank_operation(scenario, operation, field),
                ClientOperation::Crdt(operation) => check_crdt_operation(scenario, operation, field),
            }
        }
    }
}

fn check_bank_operation(scenario: &Scenario, operation: &BankOperation, field: &dyn Fn(&str) -> String) -> Result {
    let ProtocolSpec::TwoPhaseCommit(spec) = &scenario.protocol else { return Ok(()) };
    let BankOperation::Transfer { from, to, amount } = *operation else { return Ok(()) };
    let accounts = spec.accounts();
    for (name, account) in [("from", from), ("to", to)] {
        if account as u64 >= accounts {
            return Err(ScenarioError::at(
                field(name),
                format!("account {account} does not exist (accounts are 0..={})", accounts.saturating_sub(1)),
            ));
        }
    }
    if from == to {
        return Err(ScenarioError::at(
            field("to"),
            format!("a transfer moves money between two accounts; from and to are both {from}"),
        ));
    }
    if amount == 0 {
        return Err(ScenarioError::at(field("amount"), "must be at least 1: a transfer moves some money"));
    }
    if amount > AMOUNT_MAX {
        return Err(ScenarioError::at(
            field("amount"),
            format!("{amount} is more than the {AMOUNT_MAX} a transfer may move"),
        ));
    }
    Ok(())
}

fn key_exists(scenario: &Scenario, path: &str, key: u32) -> Result {
    let keys = scenario.workload.keys;
    if key < keys {
        return Ok(());
    }
    Err(ScenarioError::at(path, format!("key {key} does not exist (keys are 0..={})", keys.saturating_sub(1))))
}

fn check_islands(numbered: u32, islands: &[Vec<NodeId>], path: &str) -> Result {
    // Which island named each node so far; nodes are few (at most 16).
    let mut island_of = vec![None; numbered as usize];
    for (island_index, island) in islands.iter().enumerate() {
        for (index, &node) in island.iter().enumerate() {
            let path = format!("{path}[{island_index}][{index}]");
            node_exists(numbered, &path, node)?;
            let slot = &mut island_of[node.0 as usize];
            if let Some(earlier) = *slot {
                let message = if earlier == island_index {
                    format!("node {} appears twice in this island", node.0)
                } else {
                    format!("node {} is already in island {earlier}; a node can be in one island only", node.0)
                };
                return Err(ScenarioError::at(path, message));
            }
            *slot = Some(island_index);
        }
    }
    Ok(())
}

/// Each link joins two different nodes that exist.
fn check_links(numbered: u32, links: &[Link], path: &str) -> Result {
    for (index, &Link(a, b)) in links.iter().enumerate() {
        let path = format!("{path}[{index}]");
        node_exists(numbered, &format!("{path}[0]"), a)?;
        node_exists(numbered, &format!("{path}[1]"), b)?;
        if a == b {
            return Err(ScenarioError::at(path, format!("a link joins two different nodes; found node {} twice", a.0)));
        }
    }
    Ok(())
}

/// Nodes are numbered `0..nodes` (so far).
fn node_exists(nodes: u32, path: &str, node: NodeId) -> Result {
    if node.0 < nodes {
        return Ok(());
    }
    Err(ScenarioError::at(
        path,
        format!("node {} does not exist (the cluster has nodes 0..={})", node.0, nodes.saturating_sub(1)),
    ))
}

fn at_most_chars(path: &str, text: &str, chars_max: usize) -> Result {
    let chars = text.chars().count();
    if chars <= chars_max {
        return Ok(());
    }
    Err(ScenarioError::at(path, format!("{chars} characters is longer than the {chars_max} allowed")))
}

fn in_range(path: &str, value: u64, min: u64, max: u64) -> Result {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(ScenarioError::at(path, format!("must be from {min} to {max}, found {value}")))
}

fn per_mille(path: &str, value: u32) -> Result {
    if value <= PER_MILLE_MAX {
        return Ok(());
    }
    Err(ScenarioError::at(path, format!("{value} is more than {PER_MILLE_MAX} (per mille: 1000 means always)")))
}

fn tick_count(path: &str, ticks: u64) -> Result {
    if ticks <= TICK_COUNT_MAX {
        return Ok(());
    }
    Err(ScenarioError::at(path, format!("{ticks} ticks is more than the {TICK_COUNT_MAX} allowed")))
}

fn at_least_one_tick(path: &str, ticks: u64, what: &str) -> Result {
    if ticks == 0 {
        return Err(ScenarioError::at(path, format!("{what} lasts at least 1 tick")));
    }
    tick_count(path, ticks)
}

/// `min_path` is the full path of the min field, `max_name` the max
/// field's name within the same section.
fn min_not_above_max(min_path: &str, min: u64, max_name: &str, max: u64) -> Result {
    if min <= max {
        return Ok(());
    }
    Err(ScenarioError::at(min_path, format!("{min} is greater than {max_name} ({max})")))
}
