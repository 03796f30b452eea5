//! Two-phase commit, as the book tells it: a transaction coordinator (TC,
//! node 0) and resource managers (RMs, nodes 1 and up) that hold a bank's
//! accounts.
//!
//! Prepare phase: the TC durably logs that a transaction started and sends
//! Prepare to every RM. Each RM either durably logs its vote to commit and
//! says so, or durably logs Abort, says so and aborts; it may abort on its
//! own (no money to debit, or by chance), never commit on its own. Commit
//! phase: with every vote to commit the TC durably logs Commit, else (an
//! abort, or a vote that does not come in time) Abort, and sends the
//! decision; each RM durably logs it, applies it and confirms. The TC sends
//! a decision again to RMs that did not confirm it.
//!
//! Recovery: an RM that crashed before voting knows nothing of the
//! transaction (and the TC, missing its vote, aborts); one that crashed
//! after voting to commit must ask the TC; one that logged the decision
//! has applied it with the log entry (balances and log are persisted
//! together, so redo and undo are the same write). A TC that restarts
//! aborts what it started and never decided (presumed abort) and sends
//! again what it decided and was not confirmed.
//!
//! Blocking: an RM that voted to commit and hears no decision asks the TC
//! again and again, and is blocked while the TC is away. With cooperative
//! termination it also asks the other RMs: one that knows the decision
//! answers, one that never voted aborts and answers abort; if every RM
//! voted and none heard the decision, they stay blocked.
//!
//! The TC runs one transaction at a time (what arrives meanwhile waits, one
//! request per client), and an RM still waiting on a decision answers the
//! next Prepare only once it decided: so reads, which are transactions too
//! (every RM reports its balances with its vote), see every committed
//! transfer and none half done.
//!
//! An omniscient observer checks after every step that no RM commits a
//! transaction another aborts, that no RM commits before every RM voted to
//! commit, and that money is conserved in the committed state; and
//! whenever the system is quiet, that every transaction is decided at every
//! RM. Each `TwoPhaseCommitVariant` but `Correct` plants one bug.

pub mod bank;
pub mod explore;

use crate::shared_log::SharedLog;
use bank::BankService;
use faultline_collections::{VecMap, VecSet};
use faultline_scenario::{BankOperation, BankOutput, ClientId, NodeId, TwoPhaseCommitSpec, TwoPhaseCommitVariant};
use faultline_sim::{
    ClientRequest, ClusterView, Colour, Countdown, Importance, InvariantViolation, Kinds, LogEntryView, NodeView,
    Protocol, Routing, Style, Tag, TimerId, LOG_ENTRIES_VIEWED_MAX,
};
use std::fmt;

/// The transaction coordinator, by convention.
pub const COORDINATOR: NodeId = NodeId(0);

/// The coordinator's wait for the votes of the transaction it runs.
pub const VOTE_TIMER: TimerId = 1;
/// The coordinator's wait before sending unconfirmed decisions again.
pub const RESEND_TIMER: TimerId = 2;
/// A prepared RM's wait for the decision before it asks (again).
pub const DECISION_TIMER: TimerId = 3;

/// A simulation of a two-phase-commit scenario.
pub fn build(scenario: faultline_scenario::Scenario) -> Box<dyn faultline_sim::AnySimulation> {
    Box::new(simulation(scenario))
}

/// A typed simulation of a two-phase-commit scenario.
pub fn simulation(scenario: faultline_scenario::Scenario) -> faultline_sim::Simulation<TwoPhaseCommit> {
    let faultline_scenario::ProtocolSpec::TwoPhaseCommit(spec) = &scenario.protocol else {
        unreachable!("a two-phase-commit scenario")
    };
    let service = BankService::new(spec, scenario.workload.read_per_mille);
    let config = Config::new(spec, &service);
    faultline_sim::Simulation::new(scenario, config, service)
}

/// A node's view of the simulator during one step.
type Context<'a> = faultline_sim::Context<'a, TwoPhaseCommit>;

/// The parameters every node shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub spec: TwoPhaseCommitSpec,
    /// The bank's money, which every committed state must hold.
    pub total: u64,
}

impl Config {
    fn new(spec: &TwoPhaseCommitSpec, service: &BankService) -> Config {
        Config { spec: spec.clone(), total: service.initial_balances().iter().sum() }
    }

    /// The RM that holds `account`.
    pub fn holder(&self, account: u32) -> NodeId {
        NodeId(1 + account / self.spec.accounts_per_resource_manager)
    }

    /// The accounts an RM holds.
    fn accounts_of(&self, rm: NodeId) -> std::ops::Range<u32> {
        let per_rm = self.spec.accounts_per_resource_manager;
        (rm.0 - 1) * per_rm..rm.0 * per_rm
    }

    /// Every RM, in node order.
    fn resource_managers(&self) -> impl Iterator<Item = NodeId> {
        (1..=self.spec.resource_managers).map(NodeId)
    }

    /// How a committed transaction changes the money an RM holds.
    fn delta(&self, rm: NodeId, work: Work) -> i128 {
        let Work::Transfer { from, to, amount } = work else { return 0 };
        let amount = amount as i128;
        (self.holder(to) == rm) as i128 * amount - (self.holder(from) == rm) as i128 * amount
    }
}

/// A transaction's number, given by the coordinator in order (and never
/// again, across its restarts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TxId(pub u64);

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}", self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Commit,
    Abort,
}

impl Decision {
    fn name(self) -> &'static str {
        match self {
            Decision::Commit => "commit",
            Decision::Abort => "abort",
        }
    }
}

/// What a transaction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    Transfer { from: u32, to: u32, amount: u64 },
    ReadBalances,
}

impl From<&BankOperation> for Work {
    fn from(operation: &BankOperation) -> Work {
        match *operation {
            BankOperation::Transfer { from, to, amount } => Work::Transfer { from, to, amount },
            BankOperation::ReadBalances => Work::ReadBalances,
        }
    }
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Work::Transfer { from, to, amount } => write!(f, "{amount} a{from}→a{to}"),
            Work::ReadBalances => f.write_str("read"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// TC → RM: vote on this transaction.
    Prepare { tx: TxId, work: Work },
    /// RM → TC: its vote, and for a read its accounts' balances.
    Vote { tx: TxId, commit: bool, balances: Vec<(u32, u64)> },
    /// The decision: from the TC, or from an RM that knows it.
    Decision { tx: TxId, decision: Decision },
    /// A prepared RM asks for the decision (the TC, or its peers).
    DecisionRequest { tx: TxId },
    /// RM → TC: the decision is logged here.
    Ack { tx: TxId },
}

faultline_sim::kinds! {
    /// Two-phase commit's messages, as the book names them.
    pub enum MessageKind {
        Prepare => ("Prepare", "P", "#8e6cc0", "the coordinator asks every RM to vote on a transaction"),
        VoteCommit => ("Vote-commit", "V", "#2e8b57", "an RM logged its vote to commit and says so"),
        VoteAbort => ("Vote-abort", "v", "#d64545", "an RM logged abort and says so"),
        Commit => ("Commit", "C", "#1f6b41", "the decision to commit, logged by its sender"),
        Abort => ("Abort", "A", "#a12b2b", "the decision to abort, logged by its sender"),
        DecisionRequest => ("Decision-request", "?", "#d9962b", "a prepared RM asks for the decision"),
        Ack => ("Ack", "k", "#8a94a3", "an RM confirms it logged the decision"),
    }
}

faultline_sim::kinds! {
    /// The coordinator, and an RM's local state of its latest transaction.
    pub enum Role {
        Coordinator => ("TC", "TC", "#3867d6", "the transaction coordinator: runs each transaction's two phases and logs its decision", Strong),
        Working => ("working", "W", "#5d6b7e", "no vote given that waits for a decision"),
        Prepared => ("prepared", "P", "#d9962b", "voted to commit and logged it: may no longer abort on its own", Tentative),
        Blocked => ("blocked", "B", "#d64545", "voted to commit and cannot learn the decision", Alert),
        Committed => ("committed", "C", "#2e8b57", "logged and applied its latest transaction's commit"),
        Aborted => ("aborted", "A", "#8a94a3", "logged its latest transaction's abort"),
    }
}

/// One record of a durable log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// TC: this transfer started (for this client's request).
    Start { tx: TxId, client: ClientId, operation_index: u32, work: Work },
    /// TC: its decision. RM: the decision it applied.
    Decided { tx: TxId, decision: Decision },
    /// TC: every RM confirmed the decision.
    End { tx: TxId },
    /// RM: it voted to commit (it is prepared), at this tick.
    VotedCommit { tx: TxId, work: Work, at_tick: u64 },
}

impl Record {
    fn label(&self) -> String {
        match self {
            Record::Start { tx, work, .. } => format!("start {tx}: {work}"),
            Record::Decided { tx, decision } => format!("{} {tx}", decision.name()),
            Record::End { tx } => format!("end {tx}"),
            Record::VotedCommit { tx, .. } => format!("vote commit {tx}"),
        }
    }

    fn colour(&self) -> Colour {
        Colour::Css(match self {
            Record::Start { .. } => "#8e6cc0",
            Record::Decided { decision: Decision::Commit, .. } => "#2e8b57",
            Record::Decided { decision: Decision::Abort, .. } => "#d64545",
            Record::End { .. } => "#8a94a3",
            Record::VotedCommit { .. } => "#d9962b",
        })
    }
}

/// A node's disk: its log, and an RM's balances (written with the log
/// entry that changes them, in one persist).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    pub log: SharedLog<Record>,
    pub balances: VecMap<u32, u64>,
    /// TC: the transactions it ever started, reads included, so a number
    /// is never given twice.
    pub transactions_started: u64,
}

/// A transaction as an RM knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RmTx {
    Prepared { work: Work },
    Decided(Decision),
}

/// The transaction the TC runs now.
#[derive(Clone, Debug)]
struct Running {
    tx: TxId,
    request: ClientRequest<BankOperation>,
    work: Work,
    votes: VecSet<NodeId>,
    balances: VecMap<u32, u64>,
}

#[derive(Clone, Debug)]
pub struct TwoPhaseCommit {
    id: NodeId,
    config: Config,
    /// A mirror of the disk, persisted on every change.
    disk: Disk,
    // ----- the coordinator's volatile state
    running: Option<Running>,
    /// Requests waiting for the running transaction, one per client, oldest
    /// first.
    waiting: Vec<ClientRequest<BankOperation>>,
    /// Each client's latest transfer decided: (operation index, outcome),
    /// so a retry is answered and not run again.
    sessions: VecMap<ClientId, (u32, BankOutput)>,
    /// Decided, not yet confirmed by every RM: who confirmed.
    unconfirmed: VecMap<TxId, (Decision, VecSet<NodeId>)>,
    /// Every transfer decided (as the log says, or as sent). It grows with
    /// the run, but numbers are given in order, so an insertion is a push.
    decisions: VecMap<TxId, Decision>,
    /// The decision-before-log variant: decided and sent, not yet logged.
    unlogged: VecMap<TxId, Decision>,
    vote_deadline_tick: Option<u64>,
    /// Whether the resend timer is set.
    resend_armed: bool,
    // ----- an RM's volatile state
    /// Every transaction it heard of: grows with the run, mostly at its end
    /// (numbers are given in order), where a `VecMap` insertion is a push.
    transactions: VecMap<TxId, RmTx>,
    /// The transaction it voted to commit and waits on, at most one.
    prepared: Option<TxId>,
    /// Since when it waited on it, and whether it is blocked (asked, and
    /// no answer within a timeout).
    prepared_since_tick: u64,
    blocked_since_tick: Option<u64>,
    decision_deadline_tick: Option<u64>,
    /// Prepares that arrived while it waited on a decision, in order.
    deferred: Vec<(TxId, Work)>,
    /// The latest transaction it decided, for its role.
    latest_decided: Option<(TxId, Decision)>,
    /// What this step changed, for the observer: the transfer the TC
    /// started, or the transactions an RM voted on or decided.
    changed: Vec<TxId>,
    /// Set when an RM was made to do what only a broken protocol asks
    /// (commit a transaction it holds no vote for); the observer reports it.
    breach: Option<String>,
}

impl TwoPhaseCommit {
    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }

    /// The transaction this RM voted to commit and waits on, if any.
    pub fn prepared(&self) -> Option<TxId> {
        self.prepared
    }

    /// Whether this RM waits on a decision it could not learn in time.
    pub fn is_blocked(&self) -> bool {
        self.blocked_since_tick.is_some()
    }

    fn variant(&self) -> TwoPhaseCommitVariant {
        self.config.spec.variant
    }

    fn log(&mut self, ctx: &mut Context, record: Record) {
        self.disk.log.push(record);
        ctx.persist(self.disk.clone());
    }

    fn role(&self) -> Role {
        match (self.is_coordinator(), self.prepared, self.blocked_since_tick, self.latest_decided) {
            (true, ..) => Role::Coordinator,
            (false, Some(_), Some(_), _) => Role::Blocked,
            (false, Some(_), None, _) => Role::Prepared,
            (false, None, _, Some((_, Decision::Commit))) => Role::Committed,
            (false, None, _, Some((_, Decision::Abort))) => Role::Aborted,
            (false, None, _, None) => Role::Working,
        }
    }

    // ----- the coordinator ----------------------------------------------------

    fn coordinator_start(&mut self, ctx: &mut Context) {
        // Rebuild from the log: who asked for what, what was decided and
        // confirmed. What started and was never decided is aborted now
        // (presumed abort): no RM can have committed it.
        let mut started: VecMap<TxId, (ClientId, u32)> = VecMap::new();
        let mut decided: VecMap<TxId, Decision> = VecMap::new();
        let mut ended: VecSet<TxId> = VecSet::new();
        for record in self.disk.log.iter() {
            match *record {
                Record::Start { tx, client, operation_index, .. } => {
                    started.insert(tx, (client, operation_index));
                }
                Record::Decided { tx, decision } => {
                    decided.insert(tx, decision);
                }
                Record::End { tx } => {
                    ended.insert(tx);
                }
                Record::VotedCommit { .. } => {}
            }
        }
        for (&tx, &(client, operation_index)) in &started {
            let decision = match decided.get(&tx) {
                Some(&decision) => decision,
                None => {
                    self.log(ctx, Record::Decided { tx, decision: Decision::Abort });
                    let words = format!("the TC decided abort {tx}: its log says it started and was never decided");
                    ctx.narrate(Importance::Milestone, words);
                    Decision::Abort
                }
            };
            self.sessions.insert(client, (operation_index, outcome(decision)));
            self.decisions.insert(tx, decision);
            if !ended.contains(&tx) {
                self.unconfirmed.insert(tx, (decision, VecSet::new()));
            }
        }
        self.send_unconfirmed(ctx);
    }

    /// A client's request: answered at once if its transfer was decided,
    /// ignored if it is older than what the client asked since (a late or
    /// duplicated copy: a client has one operation at a time, so it gave
    /// up on that one) or already runs or waits, queued otherwise.
    fn coordinator_request(&mut self, ctx: &mut Context, request: ClientRequest<BankOperation>) {
        let (client, index) = (request.id.client, request.id.operation_index);
        if let Some((decided, output)) = self.sessions.get(&client) {
            match index.cmp(decided) {
                std::cmp::Ordering::Less => return,
                std::cmp::Ordering::Equal => return ctx.reply(request.id, output.clone()),
                std::cmp::Ordering::Greater => {}
            }
        }
        let running = self.running.as_ref().filter(|running| running.request.id.client == client);
        if running.is_some_and(|running| running.request.id.operation_index >= index) {
            return; // its answer will come (or the client gave up on it)
        }
        let waiting = self.waiting.iter().find(|waiting| waiting.id.client == client);
        if waiting.is_some_and(|waiting| waiting.id.operation_index >= index) {
            return;
        }
        self.waiting.retain(|waiting| waiting.id.client != client);
        self.waiting.push(request);
        if self.running.is_none() {
            self.start_next(ctx);
        }
    }

    /// Start the oldest waiting request's transaction.
    fn start_next(&mut self, ctx: &mut Context) {
        debug_assert!(self.running.is_none(), "one transaction at a time");
        if self.waiting.is_empty() {
            return;
        }
        let request = self.waiting.remove(0);
        let tx = TxId(self.disk.transactions_started + 1);
        self.disk.transactions_started += 1;
        let work = Work::from(&request.operation);
        match work {
            Work::Transfer { .. } => {
                let (client, operation_index) = (request.id.client, request.id.operation_index);
                self.log(ctx, Record::Start { tx, client, operation_index, work });
                self.changed.push(tx);
            }
            // A read changes nothing: only its number is kept.
            Work::ReadBalances => ctx.persist(self.disk.clone()),
        }
        let votes = VecSet::new();
        self.running = Some(Running { tx, request, work, votes, balances: VecMap::new() });
        for rm in self.config.resource_managers() {
            ctx.send(rm, Message::Prepare { tx, work });
        }
        let timeout = self.config.spec.vote_timeout_ticks;
        self.vote_deadline_tick = Some(ctx.now_tick + timeout);
        ctx.set_timer(VOTE_TIMER, timeout);
    }

    fn coordinator_vote(&mut self, ctx: &mut Context, from: NodeId, tx: TxId, commit: bool, balances: Vec<(u32, u64)>) {
        let Some(running) = self.running.as_mut().filter(|running| running.tx == tx) else { return };
        if !commit {
            return self.decide(ctx, Decision::Abort);
        }
        running.votes.insert(from);
        running.balances.extend(balances);
        if running.votes.len() == self.config.spec.resource_managers as usize {
            self.decide(ctx, Decision::Commit);
        }
    }

    fn coordinator_vote_timeout(&mut self, ctx: &mut Context) {
        if self.running.is_none() {
            return;
        }
        let decision = match self.variant() {
            // The bug: a missing vote is taken for a yes.
            TwoPhaseCommitVariant::CommitOnVoteTimeout => Decision::Commit,
            _ => Decision::Abort,
        };
        self.decide(ctx, decision);
    }

    /// Decide the running transaction: log the decision, send it to every
    /// RM, answer the client, and start the next one. A read has nothing to
    /// decide at the RMs: its answer is the balances the votes carried.
    fn decide(&mut self, ctx: &mut Context, decision: Decision) {
        let running = self.running.take().expect("deciding the running transaction");
        ctx.cancel_timer(VOTE_TIMER);
        self.vote_deadline_tick = None;
        let tx = running.tx;
        if running.work == Work::ReadBalances {
            let output = match decision {
                Decision::Commit => BankOutput::Balances(running.balances.values().copied().collect()),
                Decision::Abort => BankOutput::Aborted,
            };
            ctx.reply(running.request.id, output);
            return self.start_next(ctx);
        }
        match self.variant() {
            // The bug: sent now, logged when the first RM confirms.
            TwoPhaseCommitVariant::DecisionBeforeLog => {
                self.unlogged.insert(tx, decision);
            }
            _ => self.log(ctx, Record::Decided { tx, decision }),
        }
        let words = format!("the TC decided {} {tx}", decision.name());
        ctx.narrate(Importance::Milestone, words);
        for rm in self.config.resource_managers() {
            ctx.send(rm, Message::Decision { tx, decision });
        }
        self.decisions.insert(tx, decision);
        self.unconfirmed.insert(tx, (decision, VecSet::new()));
        self.arm_resend(ctx);
        let request = running.request.id;
        self.sessions.insert(request.client, (request.operation_index, outcome(decision)));
        ctx.reply(request, outcome(decision));
        self.start_next(ctx);
    }

    fn coordinator_ack(&mut self, ctx: &mut Context, from: NodeId, tx: TxId) {
        if let Some(decision) = self.unlogged.remove(&tx) {
            self.log(ctx, Record::Decided { tx, decision });
        }
        let Some((_, confirmed)) = self.unconfirmed.get_mut(&tx) else { return };
        confirmed.insert(from);
        if confirmed.len() == self.config.spec.resource_managers as usize {
            self.unconfirmed.remove(&tx);
            self.log(ctx, Record::End { tx });
            if self.unconfirmed.is_empty() {
                ctx.cancel_timer(RESEND_TIMER);
                self.resend_armed = false;
            }
        }
    }

    /// Send every unconfirmed decision again to the RMs that did not confirm
    /// it, and wait again while any is left.
    fn send_unconfirmed(&mut self, ctx: &mut Context) {
        for (&tx, (decision, confirmed)) in &self.unconfirmed {
            for rm in self.config.resource_managers().filter(|rm| !confirmed.contains(rm)) {
                ctx.send(rm, Message::Decision { tx, decision: *decision });
            }
        }
        self.resend_armed = false;
        self.arm_resend(ctx);
    }

    /// Wait to send unconfirmed decisions again, unless already waiting:
    /// setting the timer again would move it, and under steady load it
    /// would never fire.
    fn arm_resend(&mut self, ctx: &mut Context) {
        if !self.resend_armed && !self.unconfirmed.is_empty() {
            ctx.set_timer(RESEND_TIMER, self.config.spec.decision_timeout_ticks);
            self.resend_armed = true;
        }
    }

    /// What the TC knows of `tx`'s decision: decided, or never going to be
    /// anything but abort (not running, and not started: presumed abort).
    fn coordinator_decision(&self, tx: TxId) -> Option<Decision> {
        if self.running.as_ref().is_some_and(|running| running.tx == tx) {
            return None;
        }
        Some(self.decisions.get(&tx).copied().unwrap_or(Decision::Abort))
    }

    // ----- a resource manager ---------------------------------------------------

    fn resource_manager_start(&mut self, ctx: &mut Context) {
        let mut voted_at_tick = VecMap::new();
        let mut decided = Vec::new();
        for record in self.disk.log.iter() {
            match *record {
                Record::VotedCommit { tx, work, at_tick } => {
                    self.transactions.insert(tx, RmTx::Prepared { work });
                    voted_at_tick.insert(tx, at_tick);
                }
                Record::Decided { tx, decision } => {
                    self.transactions.insert(tx, RmTx::Decided(decision));
                    decided.push((tx, decision));
                }
                Record::Start { .. } | Record::End { .. } => {}
            }
        }
        for (tx, decision) in decided {
            self.note_decided(tx, decision);
        }
        // Voted to commit and never heard the decision: it must ask.
        let waiting_on = self.transactions.iter().find(|(_, state)| matches!(state, RmTx::Prepared { .. }));
        if let Some((&tx, _)) = waiting_on {
            self.prepared = Some(tx);
            self.prepared_since_tick = voted_at_tick.get(&tx).copied().unwrap_or(ctx.now_tick);
            self.ask_for_decision(ctx, tx);
        }
    }

    fn resource_manager_prepare(&mut self, ctx: &mut Context, tx: TxId, work: Work) {
        match self.transactions.get(&tx) {
            Some(RmTx::Decided(decision)) => {
                let commit = *decision == Decision::Commit;
                ctx.send(COORDINATOR, Message::Vote { tx, commit, balances: Vec::new() });
            }
            Some(RmTx::Prepared { .. }) => {
                ctx.send(COORDINATOR, Message::Vote { tx, commit: true, balances: Vec::new() });
            }
            None if self.prepared.is_some() => {
                // It waits on an earlier decision: this one after it.
                if !self.deferred.iter().any(|(deferred, _)| *deferred == tx) {
                    self.deferred.push((tx, work));
                }
            }
            None => self.vote(ctx, tx, work),
        }
    }

    fn vote(&mut self, ctx: &mut Context, tx: TxId, work: Work) {
        let Work::Transfer { from, amount, .. } = work else {
            // A read: the balances, with nothing to log.
            let balances = self.disk.balances.iter().map(|(&account, &balance)| (account, balance)).collect();
            return ctx.send(COORDINATOR, Message::Vote { tx, commit: true, balances });
        };
        let short_of_money = self.disk.balances.get(&from).is_some_and(|&balance| balance < amount);
        let by_chance = ctx.rng.chance_per_mille(self.config.spec.abort_per_mille);
        if short_of_money || by_chance {
            self.apply(ctx, tx, Decision::Abort, Some(work));
            return ctx.send(COORDINATOR, Message::Vote { tx, commit: false, balances: Vec::new() });
        }
        self.transactions.insert(tx, RmTx::Prepared { work });
        self.changed.push(tx);
        match self.variant() {
            // The bug: the vote lives only in memory.
            TwoPhaseCommitVariant::VolatileVote => {}
            _ => self.log(ctx, Record::VotedCommit { tx, work, at_tick: ctx.now_tick }),
        }
        self.prepared = Some(tx);
        self.prepared_since_tick = ctx.now_tick;
        ctx.send(COORDINATOR, Message::Vote { tx, commit: true, balances: Vec::new() });
        self.wait_for_decision(ctx);
    }

    fn wait_for_decision(&mut self, ctx: &mut Context) {
        let timeout = self.config.spec.decision_timeout_ticks;
        self.decision_deadline_tick = Some(ctx.now_tick + timeout);
        ctx.set_timer(DECISION_TIMER, timeout);
    }

    /// Log a decision for `tx` and apply it (a commit moves the money of the
    /// accounts held here), in one persist: so there is nothing to redo or
    /// undo after a crash. `work` is what the transaction does, if known.
    fn apply(&mut self, ctx: &mut Context, tx: TxId, decision: Decision, work: Option<Work>) {
        if let (Decision::Commit, Some(Work::Transfer { from, to, amount })) = (decision, work) {
            if let Some(balance) = self.disk.balances.get_mut(&from) {
                *balance = balance.saturating_sub(amount);
            }
            if let Some(balance) = self.disk.balances.get_mut(&to) {
                *balance = balance.saturating_add(amount);
            }
        }
        self.transactions.insert(tx, RmTx::Decided(decision));
        self.note_decided(tx, decision);
        self.changed.push(tx);
        self.log(ctx, Record::Decided { tx, decision });
        if self.prepared == Some(tx) {
            self.prepared = None;
            self.blocked_since_tick = None;
            self.decision_deadline_tick = None;
            ctx.cancel_timer(DECISION_TIMER);
        }
    }

    /// The latest transaction decided here (a late decision on an older
    /// one does not change what the page shows).
    fn note_decided(&mut self, tx: TxId, decision: Decision) {
        if self.latest_decided.is_none_or(|(latest, _)| latest <= tx) {
            self.latest_decided = Some((tx, decision));
        }
    }

    fn resource_manager_decision(&mut self, ctx: &mut Context, from: NodeId, tx: TxId, decision: Decision) {
        if let Some(RmTx::Prepared { work }) = self.transactions.get(&tx).copied() {
            self.apply(ctx, tx, decision, Some(work));
        } else if !self.transactions.contains_key(&tx) {
            // Never voted on it (or forgot the vote): it can only log what it
            // is told; of a commit it does not know the work. Only a broken
            // coordinator or a forgotten vote asks this: the observer says so.
            if decision == Decision::Commit {
                self.breach = Some(format!("{} was told to commit {tx}, for which it has no vote to commit", self.id));
            }
            self.deferred.retain(|(deferred, _)| *deferred != tx);
            self.apply(ctx, tx, decision, None);
        }
        if from == COORDINATOR {
            ctx.send(COORDINATOR, Message::Ack { tx });
        }
        self.vote_on_deferred(ctx);
    }

    /// Once it waits on no decision, vote on what waited, in order.
    fn vote_on_deferred(&mut self, ctx: &mut Context) {
        while self.prepared.is_none() && !self.deferred.is_empty() {
            let (tx, work) = self.deferred.remove(0);
            self.resource_manager_prepare(ctx, tx, work);
        }
    }

    fn resource_manager_decision_timeout(&mut self, ctx: &mut Context) {
        let Some(tx) = self.prepared else { return };
        if self.variant() == TwoPhaseCommitVariant::AbortAfterVotingYes {
            // The bug: tired of waiting, it aborts on its own.
            let work = match self.transactions.get(&tx) {
                Some(RmTx::Prepared { work }) => Some(*work),
                _ => None,
            };
            self.apply(ctx, tx, Decision::Abort, work);
            return self.vote_on_deferred(ctx);
        }
        if self.blocked_since_tick.is_none() {
            let id = self.id;
            let words = format!("{id} is blocked: it voted commit on {tx} and has no decision from the TC");
            ctx.narrate(Importance::Milestone, words);
            self.blocked_since_tick = Some(ctx.now_tick);
        }
        self.ask_for_decision(ctx, tx);
    }

    /// Ask the TC (and, with cooperative termination, every other RM) for
    /// the decision on `tx`, and wait again.
    fn ask_for_decision(&mut self, ctx: &mut Context, tx: TxId) {
        ctx.send(COORDINATOR, Message::DecisionRequest { tx });
        if self.config.spec.cooperative_termination {
            for rm in self.config.resource_managers().filter(|&rm| rm != self.id) {
                ctx.send(rm, Message::DecisionRequest { tx });
            }
        }
        self.wait_for_decision(ctx);
    }

    /// Another RM asks (cooperative termination): answer with the decision
    /// if known; if it never voted on `tx`, it may still abort it, and does.
    fn resource_manager_decision_request(&mut self, ctx: &mut Context, from: NodeId, tx: TxId) {
        let decision = match self.transactions.get(&tx) {
            Some(RmTx::Decided(decision)) => *decision,
            Some(RmTx::Prepared { .. }) => return, // uncertain too: no help
            None => {
                let work = self.deferred.iter().find(|(deferred, _)| *deferred == tx).map(|(_, work)| *work);
                self.deferred.retain(|(deferred, _)| *deferred != tx);
                self.apply(ctx, tx, Decision::Abort, work);
                Decision::Abort
            }
        };
        ctx.send(from, Message::Decision { tx, decision });
    }

    /// The coordinator: the transaction it runs and its votes, what waits.
    fn fill_coordinator_view(&self, view: &mut NodeView) {
        let rms = self.config.spec.resource_managers;
        let mut caption = Vec::new();
        if let Some(running) = &self.running {
            let (tx, votes) = (running.tx, running.votes.len());
            let title = format!("{tx} ({}): {votes} of {rms} votes to commit", running.work);
            view.tags.push(Tag { name: "transaction", text: format!("{tx} voting"), colour: None, title });
            caption.push(format!("{votes} of {rms} votes"));
            let voted: Vec<String> = running.votes.iter().map(|rm| rm.to_string()).collect();
            let voted = if voted.is_empty() { "nobody yet".to_string() } else { voted.join(", ") };
            view.fields.push(("running".to_string(), format!("{tx} ({})", running.work)));
            view.fields.push(("voted to commit".to_string(), voted));
        }
        match self.waiting.len() {
            0 => {}
            waiting => caption.push(plural(waiting, "request") + " queued"),
        }
        match self.unconfirmed.len() {
            0 => {}
            unconfirmed => caption.push(plural(unconfirmed, "decision") + " unconfirmed"),
        }
        view.caption = if caption.is_empty() { "idle".to_string() } else { caption.join(" · ") };
        view.countdown = self.vote_deadline_tick.map(|at_tick| Countdown { label: "votes due in", at_tick });
        view.fields.extend([
            ("transactions started".to_string(), self.disk.transactions_started.to_string()),
            ("requests queued".to_string(), self.waiting.len().to_string()),
            ("decisions not yet confirmed".to_string(), self.unconfirmed.len().to_string()),
        ]);
    }

    /// A resource manager: its transaction's state, balances, what waits.
    fn fill_resource_manager_view(&self, view: &mut NodeView) {
        if let Some(tx) = self.prepared.or(self.latest_decided.map(|(tx, _)| tx)) {
            let title = format!("{tx}: {}", view.role.name);
            view.tags.push(Tag { name: "transaction", text: tx.to_string(), colour: None, title });
        }
        let balances: Vec<String> =
            self.disk.balances.iter().map(|(account, balance)| format!("a{account}={balance}")).collect();
        view.caption = balances.join(" ");
        view.countdown = self.decision_deadline_tick.map(|at_tick| Countdown { label: "asks in", at_tick });
        view.waiting = self.waiting_text();
        view.fields =
            self.disk.balances.iter().map(|(account, balance)| (format!("a{account}"), balance.to_string())).collect();
        view.fields.push(("total held".to_string(), self.disk.balances.values().sum::<u64>().to_string()));
        if let Some(tx) = self.prepared {
            view.fields.push(("voted to commit".to_string(), format!("{tx}, at tick {}", self.prepared_since_tick)));
        }
        if !self.deferred.is_empty() {
            let deferred: Vec<String> = self.deferred.iter().map(|(tx, _)| tx.to_string()).collect();
            view.fields.push(("prepares waiting".to_string(), deferred.join(", ")));
        }
    }

    fn waiting_text(&self) -> Option<String> {
        let (tx, since) = (self.prepared?, self.blocked_since_tick?);
        let whom = match self.config.spec.cooperative_termination {
            true => "the coordinator n0, or another RM that knows it",
            false => "the coordinator n0",
        };
        Some(format!("blocked since tick {since}: voted to commit {tx} and waits for its decision from {whom}"))
    }
}

/// "1 record", "3 records".
fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        _ => format!("{count} {noun}s"),
    }
}

fn outcome(decision: Decision) -> BankOutput {
    match decision {
        Decision::Commit => BankOutput::Committed,
        Decision::Abort => BankOutput::Aborted,
    }
}

impl Protocol for TwoPhaseCommit {
    type Config = Config;
    type Service = BankService;
    type Message = Message;
    type MessageKind = MessageKind;
    type Role = Role;
    type Durable = Disk;
    type Ghost = Observer;

    fn new(node: NodeId, _node_count: u32, config: &Config) -> Self {
        TwoPhaseCommit {
            id: node,
            config: config.clone(),
            disk: Disk::default(),
            running: None,
            waiting: Vec::new(),
            sessions: VecMap::new(),
            unconfirmed: VecMap::new(),
            decisions: VecMap::new(),
            unlogged: VecMap::new(),
            vote_deadline_tick: None,
            resend_armed: false,
            transactions: VecMap::new(),
            prepared: None,
            prepared_since_tick: 0,
            blocked_since_tick: None,
            decision_deadline_tick: None,
            deferred: Vec::new(),
            latest_decided: None,
            changed: Vec::new(),
            breach: None,
        }
    }

    /// An RM's disk starts with its accounts at their opening balance.
    fn initial_durable(node: NodeId, config: &Config) -> Disk {
        let mut disk = Disk::default();
        if node != COORDINATOR {
            disk.balances.extend(config.accounts_of(node).map(|account| (account, config.spec.initial_balance)));
        }
        disk
    }

    fn client_routing(_config: &Config) -> Routing {
        Routing::Node(COORDINATOR)
    }

    fn on_start(&mut self, ctx: &mut Context, disk: &Disk) {
        self.changed.clear();
        self.disk = disk.clone();
        match self.is_coordinator() {
            true => self.coordinator_start(ctx),
            false => self.resource_manager_start(ctx),
        }
    }

    fn on_message(&mut self, ctx: &mut Context, from: NodeId, message: Message) {
        self.changed.clear();
        match (self.is_coordinator(), message) {
            (true, Message::Vote { tx, commit, balances }) => self.coordinator_vote(ctx, from, tx, commit, balances),
            (true, Message::Ack { tx }) => self.coordinator_ack(ctx, from, tx),
            (true, Message::DecisionRequest { tx }) => {
                if let Some(decision) = self.coordinator_decision(tx) {
                    ctx.send(from, Message::Decision { tx, decision });
                }
            }
            (false, Message::Prepare { tx, work }) => self.resource_manager_prepare(ctx, tx, work),
            (false, Message::Decision { tx, decision }) => self.resource_manager_decision(ctx, from, tx, decision),
            (false, Message::DecisionRequest { tx }) => self.resource_manager_decision_request(ctx, from, tx),
            // Nothing else is ever sent to this role.
            (_, _) => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Context, timer: TimerId) {
        self.changed.clear();
        match (self.is_coordinator(), timer) {
            (true, VOTE_TIMER) => self.coordinator_vote_timeout(ctx),
            (true, RESEND_TIMER) => self.send_unconfirmed(ctx),
            (false, DECISION_TIMER) => self.resource_manager_decision_timeout(ctx),
            _ => {}
        }
    }

    fn on_client_request(&mut self, ctx: &mut Context, request: ClientRequest<BankOperation>) {
        self.changed.clear();
        match self.is_coordinator() {
            true => self.coordinator_request(ctx, request),
            // Only a scripted request comes here: the client retries there.
            false => ctx.reply(request.id, BankOutput::NotCoordinator { coordinator: COORDINATOR }),
        }
    }

    fn message_kind(message: &Message) -> MessageKind {
        match message {
            Message::Prepare { .. } => MessageKind::Prepare,
            Message::Vote { commit: true, .. } => MessageKind::VoteCommit,
            Message::Vote { commit: false, .. } => MessageKind::VoteAbort,
            Message::Decision { decision: Decision::Commit, .. } => MessageKind::Commit,
            Message::Decision { decision: Decision::Abort, .. } => MessageKind::Abort,
            Message::DecisionRequest { .. } => MessageKind::DecisionRequest,
            Message::Ack { .. } => MessageKind::Ack,
        }
    }

    fn message_label(message: &Message) -> String {
        match message {
            Message::Prepare { tx, work } => format!("Prepare {tx} ({work})"),
            Message::Vote { tx, commit: true, balances } if !balances.is_empty() => {
                let shown: Vec<String> =
                    balances.iter().map(|(account, balance)| format!("a{account}={balance}")).collect();
                format!("Vote-commit {tx} {}", shown.join(" "))
            }
            Message::Vote { tx, commit: true, .. } => format!("Vote-commit {tx}"),
            Message::Vote { tx, commit: false, .. } => format!("Vote-abort {tx}"),
            Message::Decision { tx, decision: Decision::Commit } => format!("Commit {tx}"),
            Message::Decision { tx, decision: Decision::Abort } => format!("Abort {tx}"),
            Message::DecisionRequest { tx } => format!("Decision-request {tx}"),
            Message::Ack { tx } => format!("Ack {tx}"),
        }
    }

    fn timer_label(timer: TimerId) -> String {
        match timer {
            VOTE_TIMER => "vote timeout".to_string(),
            RESEND_TIMER => "resend decisions".to_string(),
            DECISION_TIMER => "decision timeout".to_string(),
            other => format!("timer {other}"),
        }
    }

    fn role_style(&self) -> Style {
        self.role().style()
    }

    fn view(&self) -> NodeView {
        let mut view = NodeView::new(self.role());
        let log = &self.disk.log;
        let first_viewed = log.len().saturating_sub(LOG_ENTRIES_VIEWED_MAX);
        view.log = (first_viewed..log.len())
            .map(|position| {
                let record = log.get(position);
                LogEntryView { label: record.label(), note: String::new(), colour: record.colour(), settled: true }
            })
            .collect();
        view.log_length = log.len() as u64;
        view.log_summary = plural(log.len(), "durable record");
        match self.is_coordinator() {
            true => self.fill_coordinator_view(&mut view),
            false => self.fill_resource_manager_view(&mut view),
        }
        view
    }

    /// The disk: an RM's balances, and the log's newest records (what a
    /// crashed node will find when it restarts).
    fn durable_view(disk: &Disk) -> String {
        let balances: Vec<String> =
            disk.balances.iter().map(|(account, balance)| format!("a{account}={balance}")).collect();
        let newest: Vec<String> =
            (disk.log.len().saturating_sub(4)..disk.log.len()).map(|position| disk.log.get(position).label()).collect();
        let records = match (disk.log.len(), newest.len()) {
            (0, _) => "nothing logged".to_string(),
            (all, shown) if all == shown => format!("{}: {}", plural(all, "record"), newest.join(", ")),
            (all, _) => format!("{}, the newest: {}", plural(all, "record"), newest.join(", ")),
        };
        match balances.is_empty() {
            true => records,
            false => format!("{}; {records}", balances.join(" ")),
        }
    }

    fn ghost_summary(observer: &Observer) -> Vec<(String, u64)> {
        vec![
            ("transactions committed".to_string(), observer.committed_transactions),
            ("transactions aborted".to_string(), observer.aborted_transactions),
            ("times an RM was blocked".to_string(), observer.blockings),
        ]
    }

    /// The bank's money as it will be once every decided commit is
    /// applied: what the RMs' disks hold, plus what committed transfers
    /// still owe RMs that have not applied them yet.
    fn observe(observer: &Observer, cluster: &ClusterView<Self>) -> Vec<(String, String)> {
        let Some(config) = cluster.up_nodes().next().map(|(_, node)| &node.config) else { return Vec::new() };
        let money = observer.committed_state_money(cluster, config);
        let owed = observer.not_yet_applied;
        let value = match owed {
            0 => format!("{money} of {}", config.total),
            _ => format!(
                "{money} of {} ({} on the RMs' disks, {owed:+} committed and not yet applied)",
                config.total,
                money - owed
            ),
        };
        vec![("money in the committed state".to_string(), value)]
    }

    fn check_invariants(
        observer: &mut Observer,
        stepped: Option<NodeId>,
        cluster: &ClusterView<Self>,
    ) -> Result<(), InvariantViolation> {
        let Some(node) = stepped else { return Ok(()) };
        let Some(state) = cluster.node(node) else { return Ok(()) };
        if let Some(breach) = &state.breach {
            return Err(violation("commit only what was voted to commit", vec![node], breach.clone()));
        }
        observer.note_blocking(node, state);
        if state.changed.is_empty() {
            return Ok(());
        }
        for &tx in &state.changed {
            match state.is_coordinator() {
                true => observer.coordinator_changed(state, tx),
                false => observer.resource_manager_changed(node, state, tx)?,
            }
        }
        observer.check_money(cluster)
    }

    fn quiet_properties() -> &'static [&'static str] {
        &["every transaction decided at every RM"]
    }

    fn check_quiet(observer: &Observer, _cluster: &ClusterView<Self>) -> Result<(), InvariantViolation> {
        let Some((&tx, undecided)) = observer.undecided.iter().next() else { return Ok(()) };
        let nodes: Vec<NodeId> = undecided.iter().copied().collect();
        let names: Vec<String> = nodes.iter().map(|node| node.to_string()).collect();
        Err(InvariantViolation {
            invariant: "every transaction decided at every RM".to_string(),
            detail: format!("{tx} is not decided at {}", names.join(", ")),
            nodes,
        })
    }
}

/// The omniscient observer's memory.
#[derive(Clone, Debug, Default)]
pub struct Observer {
    /// Every transaction seen: grows with the run, at its end (numbers are
    /// given in order), where a `VecMap` insertion is a push.
    transactions: VecMap<TxId, Seen>,
    /// The transfers the TC started that some RM has not decided yet.
    undecided: VecMap<TxId, VecSet<NodeId>>,
    /// Money the committed state holds beyond the RMs' disks: of each
    /// transaction committed somewhere, the part its other RMs have not
    /// applied yet.
    not_yet_applied: i128,
    committed_transactions: u64,
    aborted_transactions: u64,
    /// Times an RM became blocked.
    blockings: u64,
    blocked: VecSet<NodeId>,
}

/// What the observer saw of one transaction.
#[derive(Clone, Debug, Default)]
struct Seen {
    work: Option<Work>,
    voted_commit: VecSet<NodeId>,
    committed: VecSet<NodeId>,
    aborted: VecSet<NodeId>,
}

fn violation(invariant: &str, nodes: Vec<NodeId>, detail: String) -> InvariantViolation {
    InvariantViolation { invariant: invariant.to_string(), nodes, detail }
}

impl Observer {
    fn note_blocking(&mut self, node: NodeId, state: &TwoPhaseCommit) {
        if state.is_blocked() && self.blocked.insert(node) {
            self.blockings += 1;
        } else if !state.is_blocked() {
            self.blocked.remove(&node);
        }
    }

    /// The TC started a transfer (the only change it reports).
    fn coordinator_changed(&mut self, tc: &TwoPhaseCommit, tx: TxId) {
        let Some(running) = tc.running.as_ref().filter(|running| running.tx == tx) else { return };
        let seen = self.transactions.entry(tx).or_default();
        if seen.work.is_none() {
            seen.work = Some(running.work);
            let mut decided = VecSet::new();
            decided.extend(seen.committed.union(&seen.aborted).copied());
            let mut undecided = VecSet::new();
            undecided.extend(tc.config.resource_managers().filter(|rm| !decided.contains(rm)));
            if !undecided.is_empty() {
                self.undecided.insert(tx, undecided);
            }
        }
    }

    fn resource_manager_changed(
        &mut self,
        rm: NodeId,
        state: &TwoPhaseCommit,
        tx: TxId,
    ) -> Result<(), InvariantViolation> {
        let config = &state.config;
        let seen = self.transactions.entry(tx).or_default();
        match state.transactions.get(&tx) {
            Some(RmTx::Prepared { work }) => {
                seen.work.get_or_insert(*work);
                seen.voted_commit.insert(rm);
            }
            Some(RmTx::Decided(Decision::Commit)) if !seen.committed.contains(&rm) => {
                if let Some(&other) = seen.aborted.iter().next() {
                    return Err(violation(
                        "atomicity",
                        vec![rm, other],
                        format!("{rm} committed {tx}, which {other} aborted"),
                    ));
                }
                let missing: Vec<NodeId> =
                    config.resource_managers().filter(|r| !seen.voted_commit.contains(r)).collect();
                if let Some(&first) = missing.first() {
                    return Err(violation(
                        "commit only after every vote to commit",
                        vec![rm, first],
                        format!("{rm} committed {tx}, but {first} never voted to commit it"),
                    ));
                }
                // Its share of the money moved now; the others' once they
                // apply it.
                let work = seen.work.unwrap_or(Work::ReadBalances);
                let first = seen.committed.is_empty();
                seen.committed.insert(rm);
                if first {
                    self.committed_transactions += 1;
                    let others = config.resource_managers().filter(|&r| r != rm);
                    self.not_yet_applied += others.map(|r| config.delta(r, work)).sum::<i128>();
                } else {
                    self.not_yet_applied -= config.delta(rm, work);
                }
                self.decided(tx, rm);
            }
            Some(RmTx::Decided(Decision::Abort)) if !seen.aborted.contains(&rm) => {
                if let Some(&other) = seen.committed.iter().next() {
                    return Err(violation(
                        "atomicity",
                        vec![rm, other],
                        format!("{rm} aborted {tx}, which {other} committed"),
                    ));
                }
                if seen.aborted.is_empty() {
                    self.aborted_transactions += 1;
                }
                seen.aborted.insert(rm);
                self.decided(tx, rm);
            }
            _ => {}
        }
        Ok(())
    }

    /// What the RMs' disks hold, with every transaction committed anywhere
    /// applied everywhere.
    fn committed_state_money(&self, cluster: &ClusterView<TwoPhaseCommit>, config: &Config) -> i128 {
        let on_disks: i128 = config
            .resource_managers()
            .map(|rm| cluster.durable(rm).balances.values().map(|&balance| balance as i128).sum::<i128>())
            .sum();
        on_disks + self.not_yet_applied
    }

    fn decided(&mut self, tx: TxId, rm: NodeId) {
        if let Some(undecided) = self.undecided.get_mut(&tx) {
            undecided.remove(&rm);
            if undecided.is_empty() {
                self.undecided.remove(&tx);
            }
        }
    }

    /// Money is conserved in the committed state: what the RMs' disks hold,
    /// with every transaction committed anywhere applied everywhere, is
    /// what the bank started with.
    fn check_money(&self, cluster: &ClusterView<TwoPhaseCommit>) -> Result<(), InvariantViolation> {
        let Some(config) = cluster.up_nodes().next().map(|(_, node)| &node.config) else { return Ok(()) };
        let committed_state = self.committed_state_money(cluster, config);
        if committed_state == config.total as i128 {
            return Ok(());
        }
        Err(violation(
            "money conserved",
            config.resource_managers().collect(),
            format!("the committed state holds {committed_state}, not the {} the bank started with", config.total),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_scenario::{ProtocolSpec, Scenario};

    /// The quiet property speaks up about a transaction some RM never
    /// decided, naming it and the RMs; a run of the correct protocol gives
    /// it nothing to say.
    #[test]
    fn the_quiet_property_names_an_undecided_transaction() {
        let mut scenario = Scenario::new("quiet", 3, ProtocolSpec::TwoPhaseCommit(TwoPhaseCommitSpec::new(2)));
        scenario.workload.operations_max = 10;
        let mut sim = simulation(scenario);
        sim.run_to_end();
        let world = sim.world();
        assert!(world.is_quiet());
        assert_eq!(TwoPhaseCommit::check_quiet(world.ghost(), &world.cluster()), Ok(()));
        let mut observer = world.ghost().clone();
        observer.undecided.insert(TxId(4), [NodeId(2)].into());
        let violation = TwoPhaseCommit::check_quiet(&observer, &world.cluster()).unwrap_err();
        assert_eq!(violation.to_string(), "every transaction decided at every RM violated: T4 is not decided at n2");
        assert_eq!(violation.nodes, [NodeId(2)]);
    }
}
