//! Shared by the integration tests: valid scenarios, hand-made and generated.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use faultline_scenario::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::Union;
use std::path::PathBuf;

/// The most money an account starts with, and a transfer moves.
const AMOUNT_MAX: u64 = 1_000_000_000_000;
/// The longest timeout.
const TICK_COUNT_MAX: u64 = 1_000_000_000;

/// `static/scenarios/` at the top of the workspace.
pub fn static_scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../static/scenarios")
}

/// The JSON text of every built-in scenario, with its file name.
pub fn static_scenarios() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(static_scenarios_dir())
        .expect("static/scenarios exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("readable scenario"))
        })
        .collect();
    files.sort();
    files
}

/// A valid scenario with one action of every kind.
pub fn every_action_scenario() -> Scenario {
    let mut scenario = Scenario::new("Every action \"kind\"\n", u64::MAX, ProtocolSpec::PrimaryBackup { nodes: 5 });
    scenario.description = "Tabs\tand ünïcödé ✓".to_owned();
    scenario.workload.clients = 3;
    scenario.workload.keys = 4;
    let (n, m) = (NodeId, MessageId);
    let actions = [
        Action::Crash { node: n(2) },
        Action::CrashStop { node: n(4) },
        Action::Restart { node: n(2) },
        Action::Pause { node: n(1), ticks: 50 },
        Action::Partition { islands: vec![vec![n(0)], vec![n(1), n(2)]] },
        Action::Heal,
        Action::Isolate { node: n(0) },
        Action::Reconnect { node: n(0) },
        Action::CutLink { from: n(0), to: n(3) },
        Action::RepairLink { from: n(0), to: n(3) },
        Action::CutLinks { links: vec![Link(n(0), n(1)), Link(n(2), n(1))] },
        Action::RepairLinks { links: vec![Link(n(1), n(0))] },
        Action::DropMessage { message: m(12) },
        Action::DuplicateMessage { message: m(13) },
        Action::DelayMessage { message: m(14), ticks: 40 },
        Action::DeliverMessage { message: m(15) },
        Action::FireTimer { node: n(3), timer: 2 },
        Action::ClientRequest {
            client: ClientId(2),
            node: n(1),
            operation: KvOperation::Write { key: 3, value: 5 }.into(),
        },
        Action::ClientRequest { client: ClientId(0), node: n(1), operation: KvOperation::Read { key: 0 }.into() },
    ];
    scenario.actions = actions
        .into_iter()
        .enumerate()
        .map(|(index, action)| TimedAction { at_tick: 100 + 10 * index as u64, action })
        .collect();
    scenario
}

/// A valid Raft scenario in the shape of the book's puzzles: three nodes in
/// their third term with diverging logs, a buggy variant, stale reads.
pub fn raft_scenario() -> Scenario {
    let entry = |term, key, value| RaftInitialEntry { term, key, value };
    let mut raft = RaftSpec::new(3);
    raft.election_timeout_ticks_min = 120;
    raft.election_timeout_ticks_max = 240;
    raft.heartbeat_ticks = 40;
    raft.reads = RaftReads::AnyNode;
    raft.variant = RaftVariant::CommitOldTermByCounting;
    raft.initial = vec![
        RaftInitialNode {
            term: 3,
            voted_for: Some(NodeId(0)),
            log: vec![entry(1, 0, 7), entry(1, 1, 8), entry(3, 0, 9)],
        },
        RaftInitialNode { term: 3, voted_for: None, log: vec![entry(1, 0, 7), entry(2, 1, u64::MAX)] },
        RaftInitialNode { term: 2, voted_for: Some(NodeId(1)), log: vec![] },
    ];
    let mut scenario = Scenario::new("Figure 8", 3, ProtocolSpec::Raft(raft));
    scenario.description = "An old entry counted as committed".to_owned();
    scenario.workload.keys = 2;
    scenario.actions = vec![
        TimedAction { at_tick: 10, action: Action::Crash { node: NodeId(0) } },
        TimedAction {
            at_tick: 200,
            action: Action::ClientRequest {
                client: ClientId(1),
                node: NodeId(2),
                operation: KvOperation::Read { key: 1 }.into(),
            },
        },
    ];
    scenario
}

/// A valid two-phase-commit scenario: three resource managers of two
/// accounts each, cooperative termination, a buggy variant, and scripted
/// transfers and reads of the balances.
pub fn two_phase_commit_scenario() -> Scenario {
    let mut spec = TwoPhaseCommitSpec::new(3);
    spec.accounts_per_resource_manager = 2;
    spec.initial_balance = 70;
    spec.transfer_amount_max = 30;
    spec.abort_per_mille = 100;
    spec.vote_timeout_ticks = 80;
    spec.decision_timeout_ticks = 120;
    spec.cooperative_termination = true;
    spec.variant = TwoPhaseCommitVariant::AbortAfterVotingYes;
    let mut scenario = Scenario::new("Blocked", 9, ProtocolSpec::TwoPhaseCommit(spec));
    scenario.description = "A coordinator crashes between the votes and the decision".to_owned();
    let request = |client, node, operation: BankOperation| Action::ClientRequest {
        client: ClientId(client),
        node: NodeId(node),
        operation: operation.into(),
    };
    scenario.actions = vec![
        TimedAction { at_tick: 5, action: request(0, 0, BankOperation::Transfer { from: 0, to: 5, amount: 25 }) },
        TimedAction { at_tick: 30, action: Action::Crash { node: NodeId(0) } },
        TimedAction { at_tick: 400, action: request(1, 0, BankOperation::ReadBalances) },
    ];
    scenario
}

/// Valid scenarios of every shape: any sizes within the limits, text with
/// quotes and control characters, every protocol, and actions of every kind
/// the protocol takes (each family's client operations; add-node and
/// remove-node, which only the quorum store takes, are left out).
pub fn scenario() -> impl Strategy<Value = Scenario> {
    prop_oneof![
        2 => (1u32..=16, 0u32..=32, 1u32..=1000).prop_flat_map(|(nodes, clients, keys)| {
            let protocol = prop_oneof![
                Just(ProtocolSpec::PrimaryBackup { nodes }),
                raft(nodes, keys).prop_map(ProtocolSpec::Raft),
                quorum_kv(nodes).prop_map(ProtocolSpec::QuorumKv),
            ];
            scenario_of(protocol, nodes, workload(clients, keys, 1000), key_value_operation(keys).boxed())
        }),
        1 => (1u32..=15, 1u32..=8, 0u32..=32).prop_flat_map(|(resource_managers, accounts_per_resource_manager, clients)| {
            // A bank needs two accounts for a transfer.
            let accounts_per_resource_manager =
                if resource_managers == 1 { accounts_per_resource_manager.max(2) } else { accounts_per_resource_manager };
            let protocol = two_phase_commit(resource_managers, accounts_per_resource_manager)
                .prop_map(ProtocolSpec::TwoPhaseCommit);
            // Two-phase commit's clients have one "key" and never append.
            let workload = workload(clients, 1, 0);
            let accounts = resource_managers * accounts_per_resource_manager;
            scenario_of(protocol, resource_managers + 1, workload, bank_operation(accounts).boxed())
        }),
    ]
}

/// A scenario of `nodes` nodes running `protocol`, whose scripted requests
/// send `operation`s.
fn scenario_of(
    protocol: impl Strategy<Value = ProtocolSpec>,
    nodes: u32,
    workload: impl Strategy<Value = WorkloadConfig>,
    operation: BoxedStrategy<ClientOperation>,
) -> impl Strategy<Value = Scenario> {
    (workload, protocol).prop_flat_map(move |(workload, protocol)| {
        let actions = vec((0u64..=1000, action(nodes, workload.clients, operation.clone())), 0..24);
        (text(), text(), any::<u64>(), Just(protocol), network(), Just(workload), limits(), actions).prop_map(
            |(name, description, seed, protocol, network, workload, limits, steps)| {
                let mut at_tick = 0;
                let actions = steps
                    .into_iter()
                    .map(|(gap_ticks, action)| {
                        at_tick += gap_ticks;
                        TimedAction { at_tick, action }
                    })
                    .collect();
                Scenario {
                    version: SCENARIO_VERSION,
                    name,
                    description,
                    seed,
                    protocol,
                    network,
                    workload,
                    limits,
                    actions,
                }
            },
        )
    })
}

/// Any timing within the rules (1 <= heartbeat < min <= max <= 1,000,000),
/// and half the time an initial state for every node.
/// Any quorum store within the rules: 1 <= R, W <= N <= nodes.
fn quorum_kv(nodes: u32) -> impl Strategy<Value = QuorumKvSpec> {
    let ticks = || prop_oneof![1u64..=1000, Just(TICK_COUNT_MAX)];
    let conflicts = (0..QuorumConflicts::ALL.len()).prop_map(|index| QuorumConflicts::ALL[index]);
    let variant = (0..QuorumKvVariant::ALL.len()).prop_map(|index| QuorumKvVariant::ALL[index]);
    (1..=nodes).prop_flat_map(|replicas| (Just(replicas), 1..=replicas, 1..=replicas)).prop_flat_map(
        move |(replicas, read_quorum, write_quorum)| {
            (1u32..=1000, conflicts.clone(), any::<bool>(), ticks(), ticks(), variant.clone()).prop_map(
                move |(virtual_nodes, conflicts, sloppy_quorum, quorum_timeout_ticks, anti_entropy, variant)| {
                    QuorumKvSpec {
                        nodes,
                        replicas,
                        read_quorum,
                        write_quorum,
                        virtual_nodes,
                        conflicts,
                        // The hand-off bug needs hints.
                        sloppy_quorum: sloppy_quorum || variant == QuorumKvVariant::HintsNeverHandedOff,
                        quorum_timeout_ticks,
                        anti_entropy_interval_ticks: anti_entropy,
                        variant,
                    }
                },
            )
        },
    )
}

fn raft(nodes: u32, keys: u32) -> impl Strategy<Value = RaftSpec> {
    // Mostly small, sometimes right at the bounds.
    let timing =
        (1u64..=1000, 1u64..=1000, 0u64..=1000, 0..10).prop_map(|(heartbeat, gap, spread, shape)| match shape {
            0 => (999_999, 1_000_000, 1_000_000),
            1 => (heartbeat, heartbeat + gap, 1_000_000),
            _ => (heartbeat, heartbeat + gap, heartbeat + gap + spread),
        });
    let reads = prop_oneof![Just(RaftReads::Log), Just(RaftReads::AnyNode)];
    let variant = (0..RaftVariant::ALL.len()).prop_map(|index| RaftVariant::ALL[index]);
    let initial = prop_oneof![
        Just(Vec::new()),
        vec(raft_initial_node(nodes, keys), nodes as usize).prop_map(|mut initial| {
            make_logs_match(&mut initial);
            initial
        }),
    ];
    (timing, reads, variant, initial).prop_map(move |((heartbeat_ticks, min, max), reads, variant, initial)| RaftSpec {
        nodes,
        election_timeout_ticks_min: min,
        election_timeout_ticks_max: max,
        heartbeat_ticks,
        reads,
        variant,
        initial,
    })
}

/// Any parameters within the rules: amounts and timeouts mostly small,
/// sometimes at their bounds.
fn two_phase_commit(
    resource_managers: u32,
    accounts_per_resource_manager: u32,
) -> impl Strategy<Value = TwoPhaseCommitSpec> {
    let amount = || prop_oneof![0u64..=1000, Just(AMOUNT_MAX)];
    let ticks = || prop_oneof![1u64..=1000, Just(TICK_COUNT_MAX)];
    let variant = (0..TwoPhaseCommitVariant::ALL.len()).prop_map(|index| TwoPhaseCommitVariant::ALL[index]);
    let timeouts = (ticks(), ticks());
    (amount(), amount(), 0u32..=1000, timeouts, any::<bool>(), variant).prop_map(
        move |(initial_balance, amount_max, abort_per_mille, (vote, decision), cooperative_termination, variant)| {
            TwoPhaseCommitSpec {
                resource_managers,
                accounts_per_resource_manager,
                initial_balance,
                transfer_amount_max: amount_max.max(1),
                abort_per_mille,
                vote_timeout_ticks: vote,
                decision_timeout_ticks: decision,
                cooperative_termination,
                variant,
            }
        },
    )
}

/// Cut logs so that Raft's log matching holds between them (validation
/// refuses initial logs that break it): where a later node has an entry of
/// the same term as an earlier node at the same index but their logs differ
/// up to it, the later log ends before that entry. Cutting only shortens,
/// so pairs already made consistent stay so.
fn make_logs_match(initial: &mut [RaftInitialNode]) {
    for b in 1..initial.len() {
        for a in 0..b {
            let conflict = (0..initial[a].log.len().min(initial[b].log.len())).find(|&i| {
                initial[a].log[i].term == initial[b].log[i].term && initial[a].log[..=i] != initial[b].log[..=i]
            });
            if let Some(index) = conflict {
                initial[b].log.truncate(index);
            }
        }
    }
}

/// A durable state a Raft node could have: entry terms from 1 up to the
/// node's term, never decreasing (none when the term is 0).
fn raft_initial_node(nodes: u32, keys: u32) -> impl Strategy<Value = RaftInitialNode> {
    let term = prop_oneof![0u64..=5, 0u64..=1_000_000_000];
    let voted_for = proptest::option::of((0..nodes).prop_map(NodeId));
    let entries = vec((any::<u64>(), 0..keys, any::<u64>()), 0..6);
    (term, voted_for, entries).prop_map(|(term, voted_for, entries)| {
        let mut log: Vec<RaftInitialEntry> = match term {
            0 => Vec::new(),
            _ => entries
                .into_iter()
                .map(|(draw, key, value)| RaftInitialEntry { term: 1 + draw % term, key, value })
                .collect(),
        };
        log.sort_by_key(|entry| entry.term);
        RaftInitialNode { term, voted_for, log }
    })
}

fn text() -> impl Strategy<Value = String> {
    "(?s).{0,40}"
}

fn network() -> impl Strategy<Value = NetworkConfig> {
    (1u64..=1_000_000, 0u64..=1_000_000, 0u32..=1000, 0u32..=1000, 0u32..=1000).prop_map(
        |(delay_ticks_min, spread, loss, duplicate, reorder)| NetworkConfig {
            delay_ticks_min,
            delay_ticks_max: delay_ticks_min + spread,
            loss_per_mille: loss,
            duplicate_per_mille: duplicate,
            reorder_per_mille: reorder,
        },
    )
}

/// Appends take at most `appends_max` per mille (and what reads leave).
fn workload(clients: u32, keys: u32, appends_max: u32) -> impl Strategy<Value = WorkloadConfig> {
    (
        0u64..=1000,
        0u64..=1000,
        (0u32..=1000).prop_flat_map(move |read| (Just(read), 0..=appends_max.min(1000 - read))),
        1u64..=1_000_000,
        1u32..=100,
        0u32..=100_000,
    )
        .prop_map(move |(think_ticks_min, spread, (read, append), timeout_ticks, attempts_max, operations_max)| {
            WorkloadConfig {
                clients,
                think_ticks_min,
                think_ticks_max: think_ticks_min + spread,
                keys,
                read_per_mille: read,
                append_per_mille: append,
                timeout_ticks,
                attempts_max,
                operations_max,
            }
        })
}

fn limits() -> impl Strategy<Value = Limits> {
    (1u64..=100_000_000, 1u64..=2_000_000, 1u32..=1_000_000).prop_map(|(ticks_max, steps_max, in_flight_max)| Limits {
        ticks_max,
        steps_max,
        in_flight_max,
    })
}

/// Up to three links `[a, b]` of two different nodes (none with one node).
fn links(nodes: u32) -> BoxedStrategy<Vec<Link>> {
    if nodes < 2 {
        return Just(vec![]).boxed();
    }
    let link = (0..nodes, 1..nodes).prop_map(move |(a, offset)| Link(NodeId(a), NodeId((a + offset) % nodes)));
    proptest::collection::vec(link, 0..=3).boxed()
}

fn action(nodes: u32, clients: u32, operation: BoxedStrategy<ClientOperation>) -> impl Strategy<Value = Action> {
    let node = move || (0..nodes).prop_map(NodeId);
    let message = || any::<u64>().prop_map(MessageId);
    let ticks = || 1u64..=100_000;
    let mut kinds: Vec<BoxedStrategy<Action>> = vec![
        node().prop_map(|node| Action::Crash { node }).boxed(),
        node().prop_map(|node| Action::CrashStop { node }).boxed(),
        node().prop_map(|node| Action::Restart { node }).boxed(),
        (node(), ticks()).prop_map(|(node, ticks)| Action::Pause { node, ticks }).boxed(),
        islands(nodes).prop_map(|islands| Action::Partition { islands }).boxed(),
        Just(Action::Heal).boxed(),
        node().prop_map(|node| Action::Isolate { node }).boxed(),
        node().prop_map(|node| Action::Reconnect { node }).boxed(),
        (node(), node()).prop_map(|(from, to)| Action::CutLink { from, to }).boxed(),
        (node(), node()).prop_map(|(from, to)| Action::RepairLink { from, to }).boxed(),
        links(nodes).prop_map(|links| Action::CutLinks { links }).boxed(),
        links(nodes).prop_map(|links| Action::RepairLinks { links }).boxed(),
        message().prop_map(|message| Action::DropMessage { message }).boxed(),
        message().prop_map(|message| Action::DuplicateMessage { message }).boxed(),
        (message(), ticks()).prop_map(|(message, ticks)| Action::DelayMessage { message, ticks }).boxed(),
        message().prop_map(|message| Action::DeliverMessage { message }).boxed(),
        (node(), any::<u64>()).prop_map(|(node, timer)| Action::FireTimer { node, timer }).boxed(),
    ];
    // A scripted request needs a client to send it.
    if clients > 0 {
        kinds.push(
            ((0..clients).prop_map(ClientId), node(), operation)
                .prop_map(|(client, node, operation)| Action::ClientRequest { client, node, operation })
                .boxed(),
        );
    }
    Union::new(kinds)
}

/// Any action, valid in a scenario or not: of every kind (add-node and
/// remove-node too, which no protocol takes yet) and with every family's
/// operations, for the round trips of actions alone.
pub fn any_action() -> impl Strategy<Value = Action> {
    let operation = prop_oneof![key_value_operation(u32::MAX), bank_operation(u32::MAX)].boxed();
    let membership =
        prop_oneof![Just(Action::AddNode), any::<u32>().prop_map(|node| Action::RemoveNode { node: NodeId(node) })];
    prop_oneof![8 => action(16, 32, operation), 1 => membership]
}

/// A key-value operation on one of `keys` keys.
fn key_value_operation(keys: u32) -> impl Strategy<Value = ClientOperation> {
    prop_oneof![
        (0..keys).prop_map(|key| ClientOperation::from(KvOperation::Read { key })),
        (0..keys, any::<u64>()).prop_map(|(key, value)| ClientOperation::from(KvOperation::Write { key, value })),
        (0..keys, any::<u64>()).prop_map(|(key, value)| ClientOperation::from(KvOperation::Append { key, value })),
    ]
}

/// A bank operation among `accounts` accounts: a transfer between two of
/// them (when there are two), or a read of every balance.
fn bank_operation(accounts: u32) -> BoxedStrategy<ClientOperation> {
    let read_balances = Just(ClientOperation::from(BankOperation::ReadBalances));
    if accounts < 2 {
        return read_balances.boxed();
    }
    let amount = prop_oneof![1u64..=1000, Just(AMOUNT_MAX)];
    let transfer = (0..accounts, 1..accounts, amount).prop_map(move |(from, offset, amount)| {
        let to = ((u64::from(from) + u64::from(offset)) % u64::from(accounts)) as u32;
        ClientOperation::from(BankOperation::Transfer { from, to, amount })
    });
    prop_oneof![2 => transfer, 1 => read_balances].boxed()
}

/// Up to four islands (some maybe empty); each node in at most one.
fn islands(nodes: u32) -> impl Strategy<Value = Vec<Vec<NodeId>>> {
    (1usize..=4, vec(0usize..=4, nodes as usize)).prop_map(|(island_count, assignment)| {
        let mut islands = vec![Vec::new(); island_count];
        for (node, island) in assignment.into_iter().enumerate() {
            if let Some(island) = islands.get_mut(island) {
                island.push(NodeId(node as u32));
            }
        }
        islands
    })
}

/// A link fragment carrying `bytes` as its (deflated) scenario, whatever
/// they are; written independently of the crate's encoder.
pub fn fragment_for(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let compressed = miniz_oxide::deflate::compress_to_vec(bytes, 1);
    let mut bits = 0u32;
    let mut bit_count = 0;
    let mut encoded = String::from("s=1.");
    for byte in compressed {
        bits = bits << 8 | u32::from(byte);
        bit_count += 8;
        while bit_count >= 6 {
            bit_count -= 6;
            encoded.push(char::from(ALPHABET[(bits >> bit_count & 0x3f) as usize]));
        }
    }
    if bit_count > 0 {
        encoded.push(char::from(ALPHABET[(bits << (6 - bit_count) & 0x3f) as usize]));
    }
    encoded
}
