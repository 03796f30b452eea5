//! The scenario as plain data. Everything the simulator needs to reproduce a
//! run bit for bit lives here: protocol and parameters, network settings,
//! client workload, limits, the seed, and the timed actions (faults, manual
//! steps, scripted client operations). The UI records user actions into
//! `actions`; the simulator only ever replays them.
//!
//! The scenario types implement serde's traits by hand, in `json`, so that
//! every serde document shows them in the one hand-writable JSON shape.

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

/// One complete, replayable scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Always [`SCENARIO_VERSION`] when written by this version.
    pub version: u32,
    /// A short title shown in the UI.
    pub name: String,
    /// What the scenario shows, for people.
    pub description: String,
    /// The one seed every random choice of the run derives from.
    pub seed: u64,
    pub protocol: ProtocolSpec,
    pub network: NetworkConfig,
    pub workload: WorkloadConfig,
    pub limits: Limits,
    /// Timed actions, applied in order of `at_tick`, then in list order.
    pub actions: Vec<TimedAction>,
}

/// Which protocol runs on the nodes, with its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolSpec {
    /// A primary–backup replicated register: node 0 is the primary, it
    /// applies writes and replicates them asynchronously; any node serves
    /// reads (so reads can be stale).
    PrimaryBackup { nodes: u32 },
    /// Raft with a key-value store on top.
    Raft(RaftSpec),
    /// Two-phase commit: a transaction coordinator (node 0) and resource
    /// managers (nodes 1 and up) holding bank accounts.
    TwoPhaseCommit(TwoPhaseCommitSpec),
}

impl ProtocolSpec {
    pub fn node_count(&self) -> u32 {
        match self {
            ProtocolSpec::PrimaryBackup { nodes } => *nodes,
            ProtocolSpec::Raft(raft) => raft.nodes,
            ProtocolSpec::TwoPhaseCommit(spec) => spec.node_count(),
        }
    }

    /// The name used in JSON and in the UI.
    pub fn name(&self) -> &'static str {
        match self {
            ProtocolSpec::PrimaryBackup { .. } => "primary-backup",
            ProtocolSpec::Raft(_) => "raft",
            ProtocolSpec::TwoPhaseCommit(_) => "two-phase-commit",
        }
    }

    /// The family of client operations the protocol's clients use.
    pub fn client_family(&self) -> ClientFamily {
        match self {
            ProtocolSpec::PrimaryBackup { .. } | ProtocolSpec::Raft(_) => ClientFamily::KeyValue,
            ProtocolSpec::TwoPhaseCommit(_) => ClientFamily::Bank,
        }
    }

    /// Whether nodes may join and leave during a run (add-node and
    /// remove-node actions). None of today's protocols lets them.
    pub fn supports_membership_changes(&self) -> bool {
        match self {
            ProtocolSpec::PrimaryBackup { .. } | ProtocolSpec::Raft(_) | ProtocolSpec::TwoPhaseCommit(_) => false,
        }
    }
}

/// Two-phase commit's parameters, and its bank: every resource manager
/// holds `accounts_per_resource_manager` accounts, numbered across the
/// cluster (RM n1 holds accounts 0.., n2 the next ones), each starting
/// with `initial_balance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoPhaseCommitSpec {
    /// How many resource managers (RMs); with the coordinator, the cluster
    /// has one node more.
    pub resource_managers: u32,
    pub accounts_per_resource_manager: u32,
    pub initial_balance: u64,
    /// The workload's transfers move between 1 and this much.
    pub transfer_amount_max: u64,
    /// Chance that an RM votes to abort a transfer it could commit (it may
    /// always abort on its own; without money to debit it always does).
    pub abort_per_mille: u32,
    /// How long the coordinator waits for the votes before deciding abort.
    pub vote_timeout_ticks: u64,
    /// How long an RM that voted to commit waits for the decision before it
    /// asks for it (and again as long as it waits), and how often the
    /// coordinator sends a decision again to RMs that did not confirm it.
    pub decision_timeout_ticks: u64,
    /// An RM that waits for a decision asks the other RMs too (the
    /// cooperative termination protocol), not only the coordinator.
    pub cooperative_termination: bool,
    pub variant: TwoPhaseCommitVariant,
}

impl TwoPhaseCommitSpec {
    pub fn new(resource_managers: u32) -> TwoPhaseCommitSpec {
        TwoPhaseCommitSpec {
            resource_managers,
            accounts_per_resource_manager: 1,
            initial_balance: 100,
            transfer_amount_max: 50,
            abort_per_mille: 0,
            vote_timeout_ticks: 100,
            decision_timeout_ticks: 100,
            cooperative_termination: false,
            variant: TwoPhaseCommitVariant::Correct,
        }
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

/// Two-phase commit as the book tells it, or with one deliberate bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoPhaseCommitVariant {
    Correct,
    /// An RM that voted to commit and hears no decision in time aborts on
    /// its own.
    AbortAfterVotingYes,
    /// The coordinator sends its decision before logging it (it logs it
    /// once the first RM confirms).
    DecisionBeforeLog,
    /// An RM keeps its vote only in memory: after a crash it does not know
    /// it voted.
    VolatileVote,
    /// The coordinator decides commit when a vote does not arrive in time.
    CommitOnVoteTimeout,
}

impl TwoPhaseCommitVariant {
    pub const NAMES: [&'static str; 5] =
        ["correct", "abort-after-voting-yes", "decision-before-log", "volatile-vote", "commit-on-vote-timeout"];
    pub const ALL: [TwoPhaseCommitVariant; 5] = [
        TwoPhaseCommitVariant::Correct,
        TwoPhaseCommitVariant::AbortAfterVotingYes,
        TwoPhaseCommitVariant::DecisionBeforeLog,
        TwoPhaseCommitVariant::VolatileVote,
        TwoPhaseCommitVariant::CommitOnVoteTimeout,
    ];
    pub fn name(self) -> &'static str {
        Self::NAMES[Self::ALL.iter().position(|&v| v == self).expect("every variant is listed")]
    }
    pub fn by_name(name: &str) -> Option<TwoPhaseCommitVariant> {
        Self::NAMES.iter().position(|&n| n == name).map(|i| Self::ALL[i])
    }
}

/// Raft's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftSpec {
    pub nodes: u32,
    /// A follower that hears nothing for a time drawn from this range
    /// becomes a candidate.
    pub election_timeout_ticks_min: u64,
    pub election_timeout_ticks_max: u64,
    /// How often a leader sends AppendEntries when it has nothing new.
    pub heartbeat_ticks: u64,
    pub reads: RaftReads,
    pub variant: RaftVariant,
    /// Each node's durable state at the start (empty: every node starts
    /// fresh). The book's puzzles start a cluster in its third term.
    pub initial: Vec<RaftInitialNode>,
}

impl RaftSpec {
    pub fn new(nodes: u32) -> RaftSpec {
        RaftSpec {
            nodes,
            election_timeout_ticks_min: 150,
            election_timeout_ticks_max: 300,
            heartbeat_ticks: 50,
            reads: RaftReads::Log,
            variant: RaftVariant::Correct,
            initial: Vec::new(),
        }
    }
}

/// How Raft serves reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaftReads {
    /// Through the log, like writes: linearizable.
    Log,
    /// From the local state of whichever node is asked: stale reads possible.
    AnyNode,
}

impl RaftReads {
    pub const NAMES: [&'static str; 2] = ["log", "any-node"];
    pub fn name(self) -> &'static str {
        match self {
            RaftReads::Log => "log",
            RaftReads::AnyNode => "any-node",
        }
    }
    pub fn by_name(name: &str) -> Option<RaftReads> {
        match name {
            "log" => Some(RaftReads::Log),
            "any-node" => Some(RaftReads::AnyNode),
            _ => None,
        }
    }
}

/// Raft as in the paper, or with one deliberate bug, for exercises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaftVariant {
    Correct,
    /// Votes are granted without checking that the candidate's log is at
    /// least as up to date.
    VoteWithoutLogCheck,
    /// A leader commits entries of earlier terms by counting replicas (the
    /// paper's figure 8).
    CommitOldTermByCounting,
    /// votedFor is not persisted: a restarted node may vote twice in a term.
    VolatileVotedFor,
    /// A leader that sees a higher term adopts it but stays leader.
    NoStepDown,
}

impl RaftVariant {
    pub const NAMES: [&'static str; 5] =
        ["correct", "vote-without-log-check", "commit-old-term-by-counting", "volatile-voted-for", "no-step-down"];
    pub const ALL: [RaftVariant; 5] = [
        RaftVariant::Correct,
        RaftVariant::VoteWithoutLogCheck,
        RaftVariant::CommitOldTermByCounting,
        RaftVariant::VolatileVotedFor,
        RaftVariant::NoStepDown,
    ];
    pub fn name(self) -> &'static str {
        Self::NAMES[Self::ALL.iter().position(|&v| v == self).expect("every variant is listed")]
    }
    pub fn by_name(name: &str) -> Option<RaftVariant> {
        Self::NAMES.iter().position(|&n| n == name).map(|i| Self::ALL[i])
    }
}

/// One node's durable state at the start of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftInitialNode {
    pub term: u64,
    pub voted_for: Option<NodeId>,
    pub log: Vec<RaftInitialEntry>,
}

/// A log entry at the start of a scenario: a client's write of `value` to
/// `key` (the book's "request #9" is a write of 9), made in `term`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftInitialEntry {
    pub term: u64,
    pub key: u32,
    pub value: u64,
}

/// How the simulated network treats every message. Probabilities are per
/// mille (integers), never floats, so that runs are bit-for-bit reproducible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkConfig {
    /// Each message's delay is drawn uniformly from this inclusive range.
    pub delay_ticks_min: u64,
    pub delay_ticks_max: u64,
    /// Chance that a message is lost.
    pub loss_per_mille: u32,
    /// Chance that a message is delivered twice (the copy gets its own delay).
    pub duplicate_per_mille: u32,
    /// Chance that a message may overtake earlier messages on the same link;
    /// otherwise each link delivers in send order (FIFO).
    pub reorder_per_mille: u32,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            delay_ticks_min: 5,
            delay_ticks_max: 15,
            loss_per_mille: 0,
            duplicate_per_mille: 0,
            reorder_per_mille: 0,
        }
    }
}

/// The clients: each runs a closed loop (one operation at a time), waits a
/// think time between operations, and on a timeout retries at another node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadConfig {
    pub clients: u32,
    /// Pause between the end of one operation and the start of the next.
    pub think_ticks_min: u64,
    pub think_ticks_max: u64,
    /// Keys are `0..keys`.
    pub keys: u32,
    /// Share of operations that are reads (gets).
    pub read_per_mille: u32,
    /// Share of operations that are appends; what is left after reads and
    /// appends are writes (puts). Reads and appends together are at most
    /// 1000.
    pub append_per_mille: u32,
    /// How long a client waits for a reply before retrying elsewhere.
    pub timeout_ticks: u64,
    /// Attempts per operation (the first one included). When all time out
    /// the operation stays pending in the history: its outcome is unknown.
    pub attempts_max: u32,
    /// The workload stops issuing operations once this many were invoked:
    /// the bound on the history.
    pub operations_max: u32,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        WorkloadConfig {
            clients: 2,
            think_ticks_min: 10,
            think_ticks_max: 40,
            keys: 1,
            read_per_mille: 500,
            append_per_mille: 0,
            timeout_ticks: 100,
            attempts_max: 3,
            operations_max: 200,
        }
    }
}

/// Bounds on the run. Reaching one ends the run with a visible reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The run ends when virtual time passes this tick.
    pub ticks_max: u64,
    /// The run ends after this many steps (the bound on the trace).
    pub steps_max: u64,
    /// Messages in flight beyond this are dropped at send ("network full").
    pub in_flight_max: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { ticks_max: 5_000, steps_max: 200_000, in_flight_max: 10_000 }
    }
}

/// An action applied at a virtual time. Actions at tick T are applied after
/// every event of earlier ticks and before any event at tick T, which makes
/// an action recorded live (always at `now + 1`) replay identically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedAction {
    pub at_tick: u64,
    pub action: Action,
}

/// A fault, a manual step, or a scripted client operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Crash with recovery: volatile state is lost, durable state kept; the
    /// node comes back with `Restart`.
    Crash { node: NodeId },
    /// Crash-stop: the node never comes back.
    CrashStop { node: NodeId },
    /// Restart a crashed node from its durable state.
    Restart { node: NodeId },
    /// An omission failure: the node takes no steps for `ticks`, keeps its
    /// state; what arrives meanwhile waits until it resumes.
    Pause { node: NodeId, ticks: u64 },
    /// Cut every link between nodes of different islands. Nodes named in no
    /// island form one more island together.
    Partition { islands: Vec<Vec<NodeId>> },
    /// Repair every cut link.
    Heal,
    /// Cut every link to and from one node.
    Isolate { node: NodeId },
    /// Repair every link to and from one node.
    Reconnect { node: NodeId },
    /// Cut one directed link.
    CutLink { from: NodeId, to: NodeId },
    /// Repair one directed link.
    RepairLink { from: NodeId, to: NodeId },
    /// Lose one message in flight.
    DropMessage { message: MessageId },
    /// Deliver one message in flight a second time (the copy gets a fresh delay).
    DuplicateMessage { message: MessageId },
    /// Hold one message in flight for `ticks` more.
    DelayMessage { message: MessageId, ticks: u64 },
    /// Manual step: deliver this message first at this tick.
    DeliverMessage { message: MessageId },
    /// Manual step: fire this node's timer first at this tick.
    FireTimer { node: NodeId, timer: u64 },
    /// A node joins the cluster: the next node number, starting fresh.
    /// Only protocols that support membership changes take it.
    AddNode,
    /// A node leaves the cluster for good (unlike a crash-stop, the others
    /// stop counting it). Only protocols that support membership changes
    /// take it.
    RemoveNode { node: NodeId },
    /// A scripted client operation, sent by `client` to `node`.
    ClientRequest { client: ClientId, node: NodeId, operation: ClientOperation },
}

impl Action {
    /// The name used in JSON and in the UI.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Crash { .. } => "crash",
            Action::CrashStop { .. } => "crash-stop",
            Action::Restart { .. } => "restart",
            Action::Pause { .. } => "pause",
            Action::Partition { .. } => "partition",
            Action::Heal => "heal",
            Action::Isolate { .. } => "isolate",
            Action::Reconnect { .. } => "reconnect",
            Action::CutLink { .. } => "cut-link",
            Action::RepairLink { .. } => "repair-link",
            Action::DropMessage { .. } => "drop-message",
            Action::DuplicateMessage { .. } => "duplicate-message",
            Action::DelayMessage { .. } => "delay-message",
            Action::DeliverMessage { .. } => "deliver-message",
            Action::FireTimer { .. } => "fire-timer",
            Action::AddNode => "add-node",
            Action::RemoveNode { .. } => "remove-node",
            Action::ClientRequest { .. } => "client-request",
        }
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
}

/// The families of client operations, one per kind of service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientFamily {
    KeyValue,
    Bank,
}

impl ClientFamily {
    /// The operations' names, as scripted requests write them.
    pub fn operation_names(self) -> &'static [&'static str] {
        match self {
            ClientFamily::KeyValue => &["read", "write", "append"],
            ClientFamily::Bank => &["transfer", "read-balances"],
        }
    }
}

impl ClientOperation {
    pub fn family(&self) -> ClientFamily {
        match self {
            ClientOperation::KeyValue(_) => ClientFamily::KeyValue,
            ClientOperation::Bank(_) => ClientFamily::Bank,
        }
    }
}

impl From<BankOperation> for ClientOperation {
    fn from(operation: BankOperation) -> Self {
        ClientOperation::Bank(operation)
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
        }
    }
}

/// An operation on the replicated key-value object. A single register is
/// the key-value store with one key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KvOperation {
    /// Get: the key's values.
    Read { key: u32 },
    /// Put: the key's values become just `value`.
    Write { key: u32, value: u64 },
    /// Append: `value` is added after the key's values (to an unwritten key
    /// it is the first).
    Append { key: u32, value: u64 },
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

/// An operation on two-phase commit's bank: the book's money transfer
/// from an account on one resource manager to an account (usually) on
/// another, or a read of every balance.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BankOperation {
    /// Move `amount` from account `from` to account `to`, atomically.
    Transfer { from: u32, to: u32, amount: u64 },
    /// Every account's balance, in account order.
    ReadBalances,
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
}

impl fmt::Display for BankOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BankOutput::Committed => f.write_str("committed"),
            BankOutput::Aborted => f.write_str("aborted"),
            BankOutput::Balances(balances) => write_values(f, balances),
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
        Scenario {
            version: SCENARIO_VERSION,
            name: name.to_string(),
            description: String::new(),
            seed,
            protocol,
            network: NetworkConfig::default(),
            workload: WorkloadConfig::default(),
            limits: Limits::default(),
            actions: Vec::new(),
        }
    }
}
