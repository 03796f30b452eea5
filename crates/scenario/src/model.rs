//! The scenario as plain data. Everything the simulator needs to reproduce a
//! run bit for bit lives here: protocol and parameters, network settings,
//! client workload, limits, the seed, and the timed actions (faults, manual
//! steps, scripted client operations). The UI records user actions into
//! `actions`; the simulator only ever replays them.
//!
//! Each part of the format is declared once, here, with the macros of
//! `json::declare`: a section (`section!`) names each field with its type
//! and its default, or the hint shown when a required field is missing; a
//! named enum (`names!`) names each variant; a tagged union (`tagged!`)
//! names each variant and its fields. The structs and enums, their
//! defaults, field lists, decoders and encoders all follow from those
//! declarations, and the scenario types implement serde's traits through
//! them (in `json`), so that every serde document shows them in the one
//! hand-writable JSON shape.

use crate::json::declare::{names, section, tagged};
use crate::json::field::Context;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version written into every scenario. Bump it (and keep a reader for
/// the old one) whenever the meaning of a field changes.
pub const SCENARIO_VERSION: u32 = 1;

/// A node of the simulated cluster, numbered from 0. Shown to people as `n0`, `n1`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

/// A client of the workload, numbered from 0. Shown as `c0`, `c1`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(pub u32);

/// A message of the simulated network. Ids are handed out in send order, so
/// the same scenario gives the same ids, which lets actions name a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub u64);

/// A link between two nodes, both directions: written `[a, b]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Link(pub NodeId, pub NodeId);

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.0, self.1)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}
impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}
impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

section! {
    /// One complete, replayable scenario.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Scenario {
        /// Always [`SCENARIO_VERSION`] when written by this version. Required
        /// in JSON, where it is read before anything else.
        version: u32 = SCENARIO_VERSION,
        /// A short title shown in the UI.
        name: String = String::new(),
        /// What the scenario shows, for people.
        description: String = String::new(),
        /// The one seed every random choice of the run derives from.
        seed: u64 => "any whole number, for example \"seed\": 1",
        protocol: ProtocolSpec => "for example \"protocol\": { \"name\": \"primary-backup\", \"nodes\": 3 }",
        network: NetworkConfig = NetworkConfig::default(),
        workload: WorkloadConfig = WorkloadConfig::default(),
        limits: Limits = Limits::default(),
        /// Timed actions, applied in order of `at_tick`, then in list order.
        actions: Vec<TimedAction> = Vec::new(),
    }
    value: expected "a scenario object", named "a scenario";
    // Which client operations the actions may name depends on the protocol:
    // a required field, so read before them.
    context |scenario| Context { family: Some(scenario.protocol.client_family()) };
}

/// The hint for a protocol's missing `nodes`.
const NODES_HINT: &str = "how many nodes the cluster has, 1 to 16";

tagged! {
    /// Which protocol runs on the nodes, with its parameters.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum ProtocolSpec by "name" {
        /// A primary–backup replicated register: node 0 is the primary, it
        /// applies writes and replicates them asynchronously; any node serves
        /// reads (so reads can be stale).
        PrimaryBackup = "primary-backup" { nodes: u32 => NODES_HINT },
        /// Raft with a key-value store on top.
        Raft = "raft" (RaftSpec),
        /// Two-phase commit: a transaction coordinator (node 0) and resource
        /// managers (nodes 1 and up) holding bank accounts.
        TwoPhaseCommit = "two-phase-commit" (TwoPhaseCommitSpec),
        /// Replicas of one conflict-free replicated data type: every node
        /// accepts updates and reads at once, and replicas converge by
        /// exchanging states or operations.
        Crdt = "crdt" (CrdtSpec),
        /// A Dynamo-style key-value store on a consistent-hashing ring: each
        /// key lives on `replicas` successive nodes, and any node
        /// coordinates reads and writes that wait for a quorum of them.
        QuorumKv = "quorum-kv" (QuorumKvSpec),
    }
}

impl ProtocolSpec {
    pub fn node_count(&self) -> u32 {
        match self {
            ProtocolSpec::PrimaryBackup { nodes } => *nodes,
            ProtocolSpec::Raft(raft) => raft.nodes,
            ProtocolSpec::TwoPhaseCommit(spec) => spec.node_count(),
            ProtocolSpec::Crdt(spec) => spec.nodes,
            ProtocolSpec::QuorumKv(spec) => spec.nodes,
        }
    }

    /// The same protocol and parameters with `nodes` nodes. Two-phase
    /// commit's coordinator is one of them (so it needs 2 at least); Raft's
    /// initial states, one per node, are left out when they no longer fit.
    /// The count is checked by `validate`, not here.
    pub fn with_node_count(&self, nodes: u32) -> Result<ProtocolSpec, String> {
        Ok(match self {
            ProtocolSpec::PrimaryBackup { .. } => ProtocolSpec::PrimaryBackup { nodes },
            ProtocolSpec::Raft(raft) => {
                let mut raft = raft.clone();
                raft.nodes = nodes;
                if raft.initial.len() != nodes as usize {
                    raft.initial.clear();
                }
                ProtocolSpec::Raft(raft)
            }
            ProtocolSpec::TwoPhaseCommit(_) if nodes < 2 => {
                return Err("two-phase commit needs 2 nodes at least: a coordinator and a resource manager".into())
            }
            ProtocolSpec::TwoPhaseCommit(spec) => {
                let mut spec = spec.clone();
                spec.resource_managers = nodes - 1;
                ProtocolSpec::TwoPhaseCommit(spec)
            }
            ProtocolSpec::Crdt(spec) => ProtocolSpec::Crdt(CrdtSpec { nodes, ..spec.clone() }),
            ProtocolSpec::QuorumKv(spec) => ProtocolSpec::QuorumKv(spec.with_node_count(nodes)),
        })
    }

    /// The family of client operations the protocol's clients use.
    pub fn client_family(&self) -> ClientFamily {
        match self {
            ProtocolSpec::PrimaryBackup { .. } | ProtocolSpec::Raft(_) | ProtocolSpec::QuorumKv(_) => {
                ClientFamily::KeyValue
            }
            ProtocolSpec::TwoPhaseCommit(_) => ClientFamily::Bank,
            ProtocolSpec::Crdt(_) => ClientFamily::Crdt,
        }
    }

    /// Whether nodes may join and leave during a run (add-node and
    /// remove-node actions): the quorum store's ring lets them.
    pub fn supports_membership_changes(&self) -> bool {
        match self {
            ProtocolSpec::PrimaryBackup { .. }
            | ProtocolSpec::Raft(_)
            | ProtocolSpec::TwoPhaseCommit(_)
            | ProtocolSpec::Crdt(_) => false,
            ProtocolSpec::QuorumKv(_) => true,
        }
    }
}

section! {
    /// The quorum store's parameters: N (`replicas`), R (`read_quorum`)
    /// and W (`write_quorum`), the ring, and how conflicts and failures are
    /// handled.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct QuorumKvSpec {
        nodes: u32 => NODES_HINT,
        /// N: how many successive nodes on the ring hold each key (its
        /// preference list).
        replicas: u32 = 3,
        /// R: a read waits for this many replicas' answers.
        read_quorum: u32 = 2,
        /// W: a write waits for this many replicas to store it.
        write_quorum: u32 = 2,
        /// Points on the ring per node.
        virtual_nodes: u32 = 8,
        /// What replicas keep of writes that are concurrent (neither saw
        /// the other): all of them as siblings, or the latest by timestamp.
        conflicts: QuorumConflicts = QuorumConflicts::Siblings,
        /// When a replica does not answer in time, write to (and read from)
        /// the next nodes on the ring instead, which keep what they hold
        /// for it as a hint and hand it off when it is back.
        sloppy_quorum: bool = false,
        /// How long a coordinator waits for a quorum's answers before it
        /// turns to the next nodes (sloppy) or gives up.
        quorum_timeout_ticks: u64 = 40,
        /// How often a replica compares its keys with a peer's (anti-entropy)
        /// while they may differ, and hands off what it holds for others.
        anti_entropy_interval_ticks: u64 = 50,
        variant: QuorumKvVariant = QuorumKvVariant::Correct,
    }
}

impl QuorumKvSpec {
    pub fn new(nodes: u32) -> QuorumKvSpec {
        QuorumKvSpec::with_required(nodes)
    }

    /// The same store on `nodes` nodes; N, R and W are lowered to fit.
    pub fn with_node_count(&self, nodes: u32) -> QuorumKvSpec {
        let replicas = self.replicas.min(nodes.max(1));
        QuorumKvSpec {
            nodes,
            replicas,
            read_quorum: self.read_quorum.min(replicas),
            write_quorum: self.write_quorum.min(replicas),
            ..self.clone()
        }
    }
}

names! {
    /// What a quorum store's replicas keep of concurrent writes.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum QuorumConflicts as "conflict handling" {
        /// Versions carry vector clocks; concurrent ones are kept side by
        /// side as siblings, and a read returns them all (merged), for the
        /// client's next write to resolve.
        Siblings = "siblings",
        /// Versions carry the coordinator's clock; the latest wins and the
        /// others are dropped.
        LastWriterWins = "last-writer-wins",
    }
}

names! {
    /// The quorum store as it should be, or with one deliberate bug.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum QuorumKvVariant as "variant" {
        Correct = "correct",
        /// The coordinator acknowledges a write once W − 1 replicas stored
        /// it.
        AcknowledgeBeforeQuorum = "acknowledge-before-quorum",
        /// A node that holds a write for another as a hint (sloppy quorum)
        /// never hands it off.
        HintsNeverHandedOff = "hints-never-handed-off",
    }
}

section! {
    /// Two-phase commit's parameters, and its bank: every resource manager
    /// holds `accounts_per_resource_manager` accounts, numbered across the
    /// cluster (RM n1 holds accounts 0.., n2 the next ones), each starting
    /// with `initial_balance`.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct TwoPhaseCommitSpec {
        /// How many resource managers (RMs); with the coordinator, the cluster
        /// has one node more.
        resource_managers: u32 => "how many resource managers hold the accounts, 1 to 15",
        accounts_per_resource_manager: u32 = 1,
        initial_balance: u64 = 100,
        /// The workload's transfers move between 1 and this much.
        transfer_amount_max: u64 = 50,
        /// Chance that an RM votes to abort a transfer it could commit (it may
        /// always abort on its own; without money to debit it always does).
        abort_per_mille: u32 = 0,
        /// How long the coordinator waits for the votes before deciding abort.
        vote_timeout_ticks: u64 = 100,
        /// How long an RM that voted to commit waits for the decision before it
        /// asks for it (and again as long as it waits), and how often the
        /// coordinator sends a decision again to RMs that did not confirm it.
        /// Longer than the vote timeout, so an RM does not count itself blocked
        /// while a coordinator that is up still waits for votes.
        decision_timeout_ticks: u64 = 150,
        /// An RM that waits for a decision asks the other RMs too (the
        /// cooperative termination protocol), not only the coordinator.
        cooperative_termination: bool = false,
        variant: TwoPhaseCommitVariant = TwoPhaseCommitVariant::Correct,
    }
}

impl TwoPhaseCommitSpec {
    pub fn new(resource_managers: u32) -> TwoPhaseCommitSpec {
        TwoPhaseCommitSpec::with_required(resource_managers)
    }

    /// The coordinator and the resource managers.
    pub fn node_count(&self) -> u32 {
        self.resource_managers.saturating_add(1)
    }

    /// Accounts in the whole bank.
    pub fn accounts(&self) -> u64 {
        self.resource_managers as u64 * self.accounts_per_resource_manager as u64
    }
}

names! {
    /// Two-phase commit as the book tells it, or with one deliberate bug.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum TwoPhaseCommitVariant as "variant" {
        Correct = "correct",
        /// An RM that voted to commit and hears no decision in time aborts on
        /// its own.
        AbortAfterVotingYes = "abort-after-voting-yes",
        /// The coordinator sends its decision before logging it (it logs it
        /// once the first RM confirms).
        DecisionBeforeLog = "decision-before-log",
        /// An RM keeps its vote only in memory: after a crash it does not know
        /// it voted.
        VolatileVote = "volatile-vote",
        /// The coordinator decides commit when a vote does not arrive in time.
        CommitOnVoteTimeout = "commit-on-vote-timeout",
    }
}

section! {
    /// A CRDT's parameters: which type the replicas hold, how they exchange
    /// what they know, and what the workload's updates draw from.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct CrdtSpec {
        nodes: u32 => NODES_HINT,
        /// The type every replica holds.
        data_type: CrdtType => CRDT_TYPE_HINT,
        replication: CrdtReplication = CrdtReplication::State,
        /// How often a replica that may know something a peer lacks
        /// exchanges with its peers (it falls silent once every peer has
        /// confirmed everything it has).
        gossip_interval_ticks: u64 = 20,
        /// How many peers a replica exchanges with each round.
        gossip_fan_out: u32 = 1,
        /// Sets hold elements `1..=elements`; the workload draws from them.
        elements: u64 = 5,
        /// A counter's update adds (or subtracts) from 1 to this much.
        amount_max: u64 = 3,
        /// Of the workload's updates, the share that remove an element (sets
        /// with removes) or subtract (PN-Counter).
        remove_per_mille: u32 = 300,
        /// With the skewed-clocks variant: node n's clock runs n times this
        /// many ticks ahead of true time.
        clock_skew_ticks: u64 = 30,
        variant: CrdtVariant = CrdtVariant::Correct,
    }
}

/// The hint for a CRDT's missing `data_type`.
const CRDT_TYPE_HINT: &str =
    "which type the replicas hold: g-counter, pn-counter, g-set, 2p-set, or-set, lww-register or mv-register";

impl CrdtSpec {
    pub fn new(nodes: u32, data_type: CrdtType) -> CrdtSpec {
        CrdtSpec::with_required(nodes, data_type)
    }
}

names! {
    /// The conflict-free replicated data types.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum CrdtType as "CRDT type" {
        /// A counter that only goes up.
        GCounter = "g-counter",
        /// A counter that goes up and down.
        PnCounter = "pn-counter",
        /// A set that only grows.
        GSet = "g-set",
        /// A set whose removed elements never come back.
        TwoPhaseSet = "2p-set",
        /// An observed-remove set (the shopping cart): an add concurrent
        /// with a remove survives it.
        OrSet = "or-set",
        /// A register whose latest write (by timestamp) wins.
        LwwRegister = "lww-register",
        /// A register that keeps concurrent writes side by side.
        MvRegister = "mv-register",
    }
}

impl CrdtType {
    /// What the type holds, which decides its operations.
    pub fn shape(self) -> CrdtShape {
        match self {
            CrdtType::GCounter | CrdtType::PnCounter => CrdtShape::Counter,
            CrdtType::GSet | CrdtType::TwoPhaseSet | CrdtType::OrSet => CrdtShape::Set,
            CrdtType::LwwRegister | CrdtType::MvRegister => CrdtShape::Register,
        }
    }

    /// Whether the type takes removes (sets) or decrements (counters).
    pub fn takes_removes(self) -> bool {
        matches!(self, CrdtType::PnCounter | CrdtType::TwoPhaseSet | CrdtType::OrSet)
    }

    /// The operations its clients may send, as scenarios name them.
    pub fn operation_names(self) -> &'static [&'static str] {
        match self {
            CrdtType::GCounter => &["increment", "read"],
            CrdtType::PnCounter => &["increment", "decrement", "read"],
            CrdtType::GSet => &["add", "read"],
            CrdtType::TwoPhaseSet | CrdtType::OrSet => &["add", "remove", "read"],
            CrdtType::LwwRegister | CrdtType::MvRegister => &["write", "read"],
        }
    }
}

/// What a CRDT type holds: a number, a set of elements, or a register's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrdtShape {
    Counter,
    Set,
    Register,
}

names! {
    /// How replicas exchange what they know.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum CrdtReplication as "replication" {
        /// Replicas send their whole state to peers (anti-entropy gossip)
        /// and merge what they receive.
        State = "state",
        /// Replicas broadcast each update as an operation, delivered in
        /// causal order and exactly once.
        Operation = "operation",
    }
}

names! {
    /// The CRDTs as they should be, or with one deliberate bug.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum CrdtVariant as "variant" {
        Correct = "correct",
        /// Operation-based counters: a duplicated operation is applied again.
        NoDuplicateDetection = "no-duplicate-detection",
        /// State-based OR-Set: merge adds the other replica's counts of adds
        /// and removes instead of keeping the larger, so merging the same
        /// state twice counts it twice.
        MergeNotIdempotent = "merge-not-idempotent",
        /// LWW-Register: each node stamps writes with its own clock, and the
        /// clocks disagree (see `clock_skew_ticks`).
        SkewedClocks = "skewed-clocks",
        /// OR-Set built as a plain set: a remove deletes the element, a
        /// merge unites the sets (a removed element comes back), and a
        /// remove and a concurrent add end differently at different replicas.
        PlainSet = "plain-set",
    }
}

impl CrdtVariant {
    /// Whether the variant applies to this type and replication, or why not.
    pub fn applies_to(self, data_type: CrdtType, replication: CrdtReplication) -> Result<(), String> {
        let fits = match self {
            CrdtVariant::Correct => true,
            CrdtVariant::NoDuplicateDetection => {
                data_type.shape() == CrdtShape::Counter && replication == CrdtReplication::Operation
            }
            CrdtVariant::MergeNotIdempotent => data_type == CrdtType::OrSet && replication == CrdtReplication::State,
            CrdtVariant::SkewedClocks => data_type == CrdtType::LwwRegister,
            CrdtVariant::PlainSet => data_type == CrdtType::OrSet,
        };
        if fits {
            return Ok(());
        }
        Err(match self {
            CrdtVariant::NoDuplicateDetection => {
                "no-duplicate-detection is a bug of operation-based counters: it needs a g-counter or pn-counter \
                 with operation replication"
            }
            CrdtVariant::MergeNotIdempotent => {
                "merge-not-idempotent is a bug of the state-based OR-Set: it needs the or-set type with state \
                 replication"
            }
            CrdtVariant::SkewedClocks => "skewed-clocks is a bug of the lww-register (only it reads clocks)",
            CrdtVariant::PlainSet => "plain-set is an OR-Set built wrongly: it needs the or-set type",
            CrdtVariant::Correct => unreachable!("the correct variant fits every type"),
        }
        .to_string())
    }
}

section! {
    /// Raft's parameters.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RaftSpec {
        nodes: u32 => NODES_HINT,
        /// A follower that hears nothing for a time drawn from this range
        /// becomes a candidate.
        election_timeout_ticks_min: u64 = 150,
        election_timeout_ticks_max: u64 = 300,
        /// How often a leader sends AppendEntries when it has nothing new.
        heartbeat_ticks: u64 = 50,
        reads: RaftReads = RaftReads::Log,
        variant: RaftVariant = RaftVariant::Correct,
        /// Each node's durable state at the start (empty: every node starts
        /// fresh). The book's puzzles start a cluster in its third term.
        initial: Vec<RaftInitialNode> = Vec::new(),
    }
}

impl RaftSpec {
    pub fn new(nodes: u32) -> RaftSpec {
        RaftSpec::with_required(nodes)
    }
}

names! {
    /// How Raft serves reads.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum RaftReads as "read mode" {
        /// Through the log, like writes: linearizable.
        Log = "log",
        /// From the local state of whichever node is asked: stale reads possible.
        AnyNode = "any-node",
    }
}

names! {
    /// Raft as in the paper, or with one deliberate bug, for exercises.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum RaftVariant as "variant" {
        Correct = "correct",
        /// Votes are granted without checking that the candidate's log is at
        /// least as up to date.
        VoteWithoutLogCheck = "vote-without-log-check",
        /// A leader commits entries of earlier terms by counting replicas (the
        /// paper's figure 8).
        CommitOldTermByCounting = "commit-old-term-by-counting",
        /// votedFor is not persisted: a restarted node may vote twice in a term.
        VolatileVotedFor = "volatile-voted-for",
        /// A leader that sees a higher term adopts it but stays leader.
        NoStepDown = "no-step-down",
    }
}

section! {
    /// One node's durable state at the start of a scenario.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RaftInitialNode {
        term: u64 => "the node's current term, 0 for a node that never saw one",
        /// The node it voted for in `term`, if any (null or absent in JSON
        /// for none).
        voted_for: Option<NodeId> = None,
        log: Vec<RaftInitialEntry> = Vec::new(),
    }
    value: expected "a node's state like { \"term\": 3, \"voted_for\": 0, \"log\": [] }", named "a node's initial state";
}

section! {
    /// A log entry at the start of a scenario: a client's write of `value` to
    /// `key` (the book's "request #9" is a write of 9), made in `term`. Every
    /// field is required.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RaftInitialEntry {
        term: u64,
        key: u32,
        value: u64,
    }
    value: expected "an entry like { \"term\": 1, \"key\": 0, \"value\": 7 }", named "a log entry";
}

section! {
    /// How the simulated network treats every message. Probabilities are per
    /// mille (integers), never floats, so that runs are bit-for-bit reproducible.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct NetworkConfig {
        /// Each message's delay is drawn uniformly from this inclusive range.
        delay_ticks_min: u64 = 5,
        delay_ticks_max: u64 = 15,
        /// Chance that a message is lost.
        loss_per_mille: u32 = 0,
        /// Chance that a message is delivered twice (the copy gets its own delay).
        duplicate_per_mille: u32 = 0,
        /// Chance that a message may overtake earlier messages on the same link;
        /// otherwise each link delivers in send order (FIFO).
        reorder_per_mille: u32 = 0,
    }
    value: expected "an object of network settings", named "network";
}

section! {
    /// The clients: each runs a closed loop (one operation at a time), waits a
    /// think time between operations, and on a timeout retries (at another
    /// node, or at the same one where the protocol keeps each client to one).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct WorkloadConfig {
        clients: u32 = 2,
        /// Pause between the end of one operation and the start of the next.
        think_ticks_min: u64 = 10,
        think_ticks_max: u64 = 40,
        /// Keys are `0..keys`.
        keys: u32 = 1,
        /// Share of operations that are reads (gets).
        read_per_mille: u32 = 500,
        /// Share of operations that are appends; what is left after reads and
        /// appends are writes (puts). Reads and appends together are at most
        /// 1000.
        append_per_mille: u32 = 0,
        /// How long a client waits for a reply before retrying.
        timeout_ticks: u64 = 100,
        /// Attempts per operation (the first one included). When all time out
        /// the operation stays pending in the history: its outcome is unknown.
        attempts_max: u32 = 3,
        /// The workload stops issuing operations once this many were invoked:
        /// the bound on the history.
        operations_max: u32 = 200,
    }
    value: expected "an object of workload settings", named "workload";
}

section! {
    /// Bounds on the run. Reaching one ends the run with a visible reason.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Limits {
        /// The run ends when virtual time passes this tick.
        ticks_max: u64 = 5_000,
        /// The run ends after this many steps (the bound on the trace).
        steps_max: u64 = 200_000,
        /// Messages in flight beyond this are dropped at send ("network full").
        in_flight_max: u32 = 10_000,
    }
    value: expected "an object of limits", named "limits";
}

section! {
    /// An action applied at a virtual time. Actions at tick T are applied after
    /// every event of earlier ticks and before any event at tick T, which makes
    /// an action recorded live (always at `now + 1`) replay identically.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct TimedAction {
        at_tick: u64 => "the tick at which the action happens",
        /// Flattened: its kind and fields stand beside `at_tick`.
        action: Action => WHICH_ACTION,
    }
    value: expected "an action like { \"at_tick\": 100, \"action\": \"crash\", \"node\": 0 }", named "an action";
}

impl Action {
    /// The node the action is about (done to, or sent to), if one.
    pub fn node(&self) -> Option<NodeId> {
        match self {
            Action::Crash { node }
            | Action::CrashStop { node }
            | Action::Restart { node }
            | Action::Pause { node, .. }
            | Action::Isolate { node }
            | Action::Reconnect { node }
            | Action::FireTimer { node, .. }
            | Action::RemoveNode { node }
            | Action::ClientRequest { node, .. } => Some(*node),
            _ => None,
        }
    }

    /// Whether the action is a fault (a crash, a cut, a message dropped by
    /// hand): not a manual step, a scripted request or a membership change.
    pub fn is_fault(&self) -> bool {
        !matches!(
            self,
            Action::DeliverMessage { .. }
                | Action::FireTimer { .. }
                | Action::ClientRequest { .. }
                | Action::AddNode
                | Action::RemoveNode { .. }
        )
    }
}

/// The hint for an action's missing `action`.
pub(crate) const WHICH_ACTION: &str = "which action, for example \"action\": \"crash\"";

tagged! {
    /// A fault, a manual step, or a scripted client operation.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Action by "action" {
        /// Crash with recovery: volatile state is lost, durable state kept; the
        /// node comes back with `Restart`.
        Crash = "crash" { node: NodeId },
        /// Crash-stop: the node never comes back.
        CrashStop = "crash-stop" { node: NodeId },
        /// Restart a crashed node from its durable state.
        Restart = "restart" { node: NodeId },
        /// An omission failure: the node takes no steps for `ticks`, keeps its
        /// state; what arrives meanwhile waits until it resumes.
        Pause = "pause" { node: NodeId, ticks: u64 },
        /// The network becomes exactly these islands: every link between nodes
        /// of different islands is cut, every link within an island works
        /// (cuts made before inside an island are repaired). Nodes named in no
        /// island form one more island together.
        Partition = "partition" { islands: Vec<Vec<NodeId>> },
        /// Repair every cut link.
        Heal = "heal",
        /// Cut every link to and from one node.
        Isolate = "isolate" { node: NodeId },
        /// Repair every link to and from one node.
        Reconnect = "reconnect" { node: NodeId },
        /// Cut one directed link.
        CutLink = "cut-link" { from: NodeId, to: NodeId },
        /// Repair one directed link.
        RepairLink = "repair-link" { from: NodeId, to: NodeId },
        /// Cut each link `[a, b]` in both directions (a stroke drawn across
        /// links on the page cuts them all at once).
        CutLinks = "cut-links" { links: Vec<Link> },
        /// Repair each link `[a, b]` in both directions.
        RepairLinks = "repair-links" { links: Vec<Link> },
        /// Lose one message in flight.
        DropMessage = "drop-message" { message: MessageId },
        /// Deliver one message in flight a second time (the copy gets a fresh delay).
        DuplicateMessage = "duplicate-message" { message: MessageId },
        /// Hold one message in flight for `ticks` more.
        DelayMessage = "delay-message" { message: MessageId, ticks: u64 },
        /// Manual step: deliver this message first at this tick.
        DeliverMessage = "deliver-message" { message: MessageId },
        /// Manual step: fire this node's timer first at this tick.
        FireTimer = "fire-timer" { node: NodeId, timer: u64 },
        /// A node joins the cluster: the next node number, starting fresh.
        /// Only protocols that support membership changes take it.
        AddNode = "add-node",
        /// A node leaves the cluster for good (unlike a crash-stop, the others
        /// stop counting it). Only protocols that support membership changes
        /// take it.
        RemoveNode = "remove-node" { node: NodeId },
        /// A scripted client operation, sent by `client` to `node`. The
        /// operation is flattened: its name and fields stand beside them.
        ClientRequest = "client-request" { client: ClientId, node: NodeId, operation: ClientOperation },
    }
}

/// A client's operation, of whichever family of services the scenario's
/// protocol offers. It serializes as the family's own operation, so a trace
/// shows `{"Write":{"key":0,"value":5}}`, whatever the family.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClientOperation {
    /// Raft's and primary–backup's replicated key-value store.
    KeyValue(KvOperation),
    /// Two-phase commit's bank.
    Bank(BankOperation),
    /// A CRDT's replicas.
    Crdt(CrdtOperation),
}

/// The families of client operations, one per kind of service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientFamily {
    KeyValue,
    Bank,
    Crdt,
}

impl ClientFamily {
    /// The operations' names, as scripted requests write them.
    pub fn operation_names(self) -> &'static [&'static str] {
        match self {
            ClientFamily::KeyValue => &KvOperation::NAMES,
            ClientFamily::Bank => &BankOperation::NAMES,
            ClientFamily::Crdt => &CrdtOperation::NAMES,
        }
    }
}

impl ClientOperation {
    pub fn family(&self) -> ClientFamily {
        match self {
            ClientOperation::KeyValue(_) => ClientFamily::KeyValue,
            ClientOperation::Bank(_) => ClientFamily::Bank,
            ClientOperation::Crdt(_) => ClientFamily::Crdt,
        }
    }
}

impl From<BankOperation> for ClientOperation {
    fn from(operation: BankOperation) -> Self {
        ClientOperation::Bank(operation)
    }
}

impl From<CrdtOperation> for ClientOperation {
    fn from(operation: CrdtOperation) -> Self {
        ClientOperation::Crdt(operation)
    }
}

impl From<KvOperation> for ClientOperation {
    fn from(operation: KvOperation) -> Self {
        ClientOperation::KeyValue(operation)
    }
}

impl fmt::Display for ClientOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientOperation::KeyValue(operation) => operation.fmt(f),
            ClientOperation::Bank(operation) => operation.fmt(f),
            ClientOperation::Crdt(operation) => operation.fmt(f),
        }
    }
}

/// What a client's operation returned, of whichever family (see
/// [`ClientOperation`]); serialized as the family's own output.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClientOutput {
    KeyValue(KvOutput),
    Bank(BankOutput),
    Crdt(CrdtOutput),
}

impl From<CrdtOutput> for ClientOutput {
    fn from(output: CrdtOutput) -> Self {
        ClientOutput::Crdt(output)
    }
}

impl From<BankOutput> for ClientOutput {
    fn from(output: BankOutput) -> Self {
        ClientOutput::Bank(output)
    }
}

impl From<KvOutput> for ClientOutput {
    fn from(output: KvOutput) -> Self {
        ClientOutput::KeyValue(output)
    }
}

impl fmt::Display for ClientOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientOutput::KeyValue(output) => output.fmt(f),
            ClientOutput::Bank(output) => output.fmt(f),
            ClientOutput::Crdt(output) => output.fmt(f),
        }
    }
}

tagged! {
    /// An operation on the replicated key-value object. A single register is
    /// the key-value store with one key.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    pub enum KvOperation {
        /// Get: the key's values.
        Read = "read" { key: u32 },
        /// Put: the key's values become just `value`.
        Write = "write" { key: u32, value: u64 },
        /// Append: `value` is added after the key's values (to an unwritten key
        /// it is the first).
        Append = "append" { key: u32, value: u64 },
    }
}

impl KvOperation {
    pub fn key(&self) -> u32 {
        match self {
            KvOperation::Read { key } | KvOperation::Write { key, .. } | KvOperation::Append { key, .. } => *key,
        }
    }

    /// Whether the operation changes the store.
    pub fn is_update(&self) -> bool {
        !matches!(self, KvOperation::Read { .. })
    }
}

impl fmt::Display for KvOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvOperation::Read { key } => write!(f, "read k{key}"),
            KvOperation::Write { key, value } => write!(f, "write k{key}={value}"),
            KvOperation::Append { key, value } => write!(f, "append k{key}+={value}"),
        }
    }
}

/// What an operation returned.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KvOutput {
    /// A read's result: the key's values in the order they were added
    /// (empty when the key was never written). A write leaves one value,
    /// each append adds one.
    Value(Vec<u64>),
    /// A write or an append was applied.
    WriteOk,
    /// The node refused the operation (for example it knows it cannot serve
    /// it); the client tries elsewhere.
    Refused,
    /// The node is not the leader; `leader` is the one it believes leads,
    /// where the client retries. Never recorded in a history.
    NotLeader { leader: Option<NodeId> },
}

tagged! {
    /// An operation on two-phase commit's bank: the book's money transfer
    /// from an account on one resource manager to an account (usually) on
    /// another, or a read of every balance.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    pub enum BankOperation {
        /// Move `amount` from account `from` to account `to`, atomically.
        Transfer = "transfer" { from: u32, to: u32, amount: u64 },
        /// Every account's balance, in account order.
        ReadBalances = "read-balances",
    }
}

impl fmt::Display for BankOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BankOperation::Transfer { from, to, amount } => write!(f, "transfer {amount} a{from}→a{to}"),
            BankOperation::ReadBalances => f.write_str("read balances"),
        }
    }
}

/// What a bank operation returned.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BankOutput {
    /// The transfer committed: the money moved.
    Committed,
    /// The transaction aborted: nothing changed (a read learned nothing).
    Aborted,
    /// Every account's balance, in account order.
    Balances(Vec<u64>),
    /// Asked a resource manager: transactions go to the coordinator, where
    /// the client retries. Never recorded in a history.
    NotCoordinator { coordinator: NodeId },
}

impl fmt::Display for BankOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BankOutput::Committed => f.write_str("committed"),
            BankOutput::Aborted => f.write_str("aborted"),
            BankOutput::Balances(balances) => write_values(f, balances),
            BankOutput::NotCoordinator { coordinator } => write!(f, "not the coordinator (try {coordinator})"),
        }
    }
}

tagged! {
    /// An operation on a CRDT replica. Which ones a type takes is its
    /// `operation_names`: counters count, sets add and remove elements,
    /// registers are written; every type is read.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
    pub enum CrdtOperation {
        /// A counter goes up by `by`.
        Increment = "increment" { by: u64 },
        /// A PN-Counter goes down by `by`.
        Decrement = "decrement" { by: u64 },
        /// A set gains `element`.
        Add = "add" { element: u64 },
        /// A set loses `element` (as far as this replica has seen it added).
        Remove = "remove" { element: u64 },
        /// A register is written.
        Write = "write" { value: u64 },
        /// The replica's value.
        Read = "read",
    }
}

impl CrdtOperation {
    /// Whether the operation changes the replica.
    pub fn is_update(&self) -> bool {
        !matches!(self, CrdtOperation::Read)
    }
}

impl fmt::Display for CrdtOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrdtOperation::Increment { by } => write!(f, "increment {by}"),
            CrdtOperation::Decrement { by } => write!(f, "decrement {by}"),
            CrdtOperation::Add { element } => write!(f, "add {element}"),
            CrdtOperation::Remove { element } => write!(f, "remove {element}"),
            CrdtOperation::Write { value } => write!(f, "write {value}"),
            CrdtOperation::Read => f.write_str("read"),
        }
    }
}

/// What a CRDT replica answered.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CrdtOutput {
    /// An update was applied at the replica.
    Done,
    /// A counter's value.
    Count(i64),
    /// A set's elements, in order.
    Members(Vec<u64>),
    /// A register's values: none before any write, one, or (a multi-value
    /// register's siblings) several, in order.
    Register(Vec<u64>),
}

impl fmt::Display for CrdtOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrdtOutput::Done => f.write_str("ok"),
            CrdtOutput::Count(count) => write!(f, "{count}"),
            CrdtOutput::Members(members) => {
                f.write_str("{")?;
                for (index, member) in members.iter().enumerate() {
                    write!(f, "{}{member}", if index == 0 { "" } else { " " })?;
                }
                f.write_str("}")
            }
            CrdtOutput::Register(values) if values.is_empty() => f.write_str("nil"),
            CrdtOutput::Register(values) => {
                for (index, value) in values.iter().enumerate() {
                    write!(f, "{}{value}", if index == 0 { "" } else { "|" })?;
                }
                Ok(())
            }
        }
    }
}

/// A key's values as a read shows them: `nil`, `3`, or `3 5 7` after
/// appends. Labels of messages that carry a key's values use it too.
pub fn write_values(out: &mut impl fmt::Write, values: &[u64]) -> fmt::Result {
    let Some((first, rest)) = values.split_first() else { return out.write_str("nil") };
    write!(out, "{first}")?;
    rest.iter().try_for_each(|value| write!(out, " {value}"))
}

impl fmt::Display for KvOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvOutput::Value(values) => write_values(f, values),
            KvOutput::WriteOk => write!(f, "ok"),
            KvOutput::Refused => write!(f, "refused"),
            KvOutput::NotLeader { leader: Some(leader) } => write!(f, "not leader (try {leader})"),
            KvOutput::NotLeader { leader: None } => write!(f, "not leader"),
        }
    }
}

impl Scenario {
    /// A small valid scenario to start from.
    pub fn new(name: &str, seed: u64, protocol: ProtocolSpec) -> Scenario {
        Scenario { name: name.to_string(), ..Scenario::with_required(seed, protocol) }
    }
}
