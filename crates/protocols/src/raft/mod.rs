//! Raft, as in the paper (Ongaro and Ousterhout, 2014), with a key-value
//! store on top.
//!
//! Leader election with randomized timeouts, log replication with the
//! consistency check and backtracking, commitment of the current term's
//! entries by counting a quorum. currentTerm, votedFor and the log are
//! durable; the role, commitIndex, lastApplied, the state machine and every
//! timer are volatile. A new leader appends a no-op so that it can commit
//! earlier terms' entries through it. Clients are redirected to the leader;
//! a (client, operation) pair is applied once however often it is retried.
//! Reads go through the log (linearizable), or with `reads: any-node` are
//! served from the asked node's own state (stale reads possible).
//!
//! Safety invariants are checked after every step by an omniscient ghost
//! observer (`check_invariants`): election safety, leader append-only, log
//! matching, leader completeness and state machine safety. To make that
//! cheap, every entry carries the hash of the log up to and including it,
//! so two logs agree up to an index exactly when their hashes there agree.
//!
//! Each `RaftVariant` other than `Correct` plants one bug from the list
//! students are asked to find.

pub mod explore;

use crate::kv::KeyValueService;
use crate::shared_log::SharedLog;
use faultline_collections::{VecMap, VecSet};
use faultline_scenario::{ClientId, KvOperation, KvOutput, NodeId, RaftReads, RaftSpec, RaftVariant};
use faultline_sim::{
    ClientRequest, ClusterView, Colour, Countdown, Importance, InvariantViolation, Kinds, LogEntryView, NodeView,
    Protocol, RequestId, Style, Tag, TimerId, LOG_ENTRIES_VIEWED_MAX,
};

/// A simulation of a Raft scenario.
pub fn build(scenario: faultline_scenario::Scenario) -> Box<dyn faultline_sim::AnySimulation> {
    let faultline_scenario::ProtocolSpec::Raft(spec) = &scenario.protocol else { unreachable!("a raft scenario") };
    let (spec, service) = (spec.clone(), KeyValueService::new(&scenario.workload));
    Box::new(faultline_sim::Simulation::<Raft>::new(scenario, spec, service))
}

/// A Raft node's view of the simulator during one step.
type Context<'a> = faultline_sim::Context<'a, Raft>;

pub const ELECTION_TIMER: TimerId = 1;
/// A leader's heartbeat; a candidate's resend of its vote requests.
pub const HEARTBEAT_TIMER: TimerId = 2;

/// Most entries one AppendEntries carries: bounds a message's size.
pub const ENTRIES_PER_MESSAGE_MAX: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A new leader's first entry.
    Noop {
        leader: NodeId,
    },
    Client {
        request: RequestId,
        operation: KvOperation,
    },
}

impl Command {
    /// What identifies the command for the log hash: who asked for it and
    /// what it does, so entries differing in either hash differently.
    fn identity(&self) -> u64 {
        let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        match self {
            Command::Noop { leader } => mix(0x4e4f_4f50, leader.0 as u64),
            Command::Client { request, operation } => {
                let (kind, key, value) = match operation {
                    KvOperation::Read { key } => (1, *key, 0),
                    KvOperation::Write { key, value } => (2, *key, *value),
                    KvOperation::Append { key, value } => (3, *key, *value),
                };
                [request.client.0 as u64, request.operation_index as u64, kind, key as u64, value]
                    .into_iter()
                    .fold(0x434c_4945_4e54, mix)
            }
        }
    }

    fn label(&self) -> String {
        match self {
            Command::Noop { .. } => "no-op".to_string(),
            Command::Client { operation, .. } => operation.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub term: u64,
    pub command: Command,
    /// The hash of the log up to and including this entry.
    pub prefix_hash: u64,
}

fn chain(previous: u64, term: u64, command: &Command) -> u64 {
    let mut h = previous ^ 0x9e37_79b9_7f4a_7c15;
    for word in [term, command.identity()] {
        h = (h.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    h
}

/// What survives a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaftDurable {
    pub current_term: u64,
    pub voted_for: Option<NodeId>,
    pub log: SharedLog<Entry>,
}

faultline_sim::kinds! {
    /// What a Raft node is in its current term.
    pub enum Role {
        Follower => ("follower", "F", "", "answers leaders and candidates, times out without them"),
        Candidate => ("candidate", "C", "", "asks for votes to lead the next term", Tentative),
        Leader => ("leader", "L", "", "leads its term: appends commands and replicates its log", Strong),
    }
}

faultline_sim::kinds! {
    /// Raft's messages.
    pub enum MessageKind {
        RequestVote => ("RequestVote", "R", "#d9822b", "a candidate asks for a vote"),
        VoteGranted => ("Vote granted", "V", "#b8860b", "a node gives a candidate its vote for the term"),
        VoteRefused => ("Vote refused", "v", "#a1887f", "a node refuses its vote (voted already, or its log is newer)"),
        AppendEntries => ("AppendEntries", "A", "#3867d6", "a leader's entries (none: a heartbeat) and commit index"),
        AppendReply => ("AppendReply", "a", "#6c8ebf", "a follower's answer: how far its log matches"),
    }
}

/// The colour of a term: nodes in the same term look alike, a stale one
/// stands out, and log entries show the term they were made in.
pub fn term_colour(term: u64) -> Colour {
    Colour::Hue(((term * 67 + 200) % 360) as u16)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    RequestVote {
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    AppendEntries {
        term: u64,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    },
    /// `match_index`: on success, the last index now known to match; on
    /// failure, a hint: the follower's log length.
    AppendReply {
        term: u64,
        success: bool,
        match_index: u64,
    },
}

#[derive(Clone, Debug)]
pub struct Raft {
    id: NodeId,
    node_count: u32,
    spec: RaftSpec,
    // Durable, mirrored here and persisted on every change.
    current_term: u64,
    voted_for: Option<NodeId>,
    log: SharedLog<Entry>,
    // Volatile.
    role: Role,
    leader: Option<NodeId>,
    commit_index: u64,
    last_applied: u64,
    votes: VecSet<NodeId>,
    next_index: Vec<u64>,
    match_index: Vec<u64>,
    /// Leader: the last index sent to each follower so far. A success that
    /// acknowledges less answers an older message, and sends nothing more:
    /// the reply to the newest one will (or the next heartbeat, if it is
    /// lost). Without this, every heartbeat under load started another
    /// chain of sends, and the messages in flight grew without end.
    sent_up_to: Vec<u64>,
    /// Leader: the client request waiting for each log index.
    pending: VecMap<u64, RequestId>,
    /// The state machine: each key's values (a write leaves one, an append
    /// adds one). Volatile: rebuilt by applying the log again.
    store: VecMap<u32, Vec<u64>>,
    /// Per client: the last operation applied and what it returned.
    sessions: VecMap<ClientId, (u32, KvOutput)>,
    election_deadline_tick: Option<u64>,
    /// The lowest log index this step changed, for the observer's log
    /// matching check (only entries that changed need comparing).
    log_changed_from: Option<u64>,
    /// Set when the node was asked to do something only a safety violation
    /// elsewhere can cause (overwrite a committed entry); the observer
    /// reports it.
    breach: Option<String>,
}

impl Raft {
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn current_term(&self) -> u64 {
        self.current_term
    }
    pub fn log(&self) -> &SharedLog<Entry> {
        &self.log
    }
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    pub fn store(&self) -> &VecMap<u32, Vec<u64>> {
        &self.store
    }

    fn values_of(&self, key: u32) -> Vec<u64> {
        self.store.get(&key).cloned().unwrap_or_default()
    }

    fn majority(&self) -> usize {
        self.node_count as usize / 2 + 1
    }

    fn last_log_index(&self) -> u64 {
        self.log.len() as u64
    }

    fn term_at(&self, index: u64) -> u64 {
        if index == 0 {
            0
        } else {
            self.log.get(index as usize - 1).term
        }
    }

    fn prefix_hash(&self, index: u64) -> u64 {
        if index == 0 {
            0
        } else {
            self.log.get(index as usize - 1).prefix_hash
        }
    }

    fn persist(&self, ctx: &mut Context) {
        ctx.persist(RaftDurable { current_term: self.current_term, voted_for: self.voted_for, log: self.log.clone() });
    }

    fn note_log_change(&mut self, from_index: u64) {
        self.log_changed_from = Some(self.log_changed_from.map_or(from_index, |f| f.min(from_index)));
    }

    fn push_entry(&mut self, term: u64, command: Command) {
        let prefix_hash = chain(self.prefix_hash(self.last_log_index()), term, &command);
        self.log.push(Entry { term, command, prefix_hash });
        self.note_log_change(self.last_log_index());
    }

    fn reset_election_timer(&mut self, ctx: &mut Context) {
        let timeout = ctx.rng.between(self.spec.election_timeout_ticks_min, self.spec.election_timeout_ticks_max);
        self.election_deadline_tick = Some(ctx.now_tick + timeout);
        ctx.set_timer(ELECTION_TIMER, timeout);
    }

    /// A higher term was seen: adopt it and follow.
    fn observe_term(&mut self, ctx: &mut Context, term: u64) {
        if term <= self.current_term {
            return;
        }
        self.current_term = term;
        self.voted_for = None;
        if self.role == Role::Leader && self.spec.variant == RaftVariant::NoStepDown {
            // (keeps believing it leads, hence keeps `leader`)
            // The bug: the leader carries on, now claiming the new term.
            self.persist(ctx);
            return;
        }
        // Whoever led before does not lead this term: redirect nowhere
        // until this term's leader is heard from.
        self.leader = None;
        if self.role != Role::Follower {
            let (id, was) = (self.id, self.role.style().name);
            ctx.narrate(Importance::Detail, format!("{id} stepped down ({was} no more): it heard of term {term}"));
        }
        self.become_follower(ctx);
        self.persist(ctx);
    }

    fn become_follower(&mut self, ctx: &mut Context) {
        ctx.cancel_timer(HEARTBEAT_TIMER);
        if self.role == Role::Leader {
            // Requests waiting here will not be answered: their clients
            // time out and retry at the new leader.
            self.pending.clear();
        }
        self.role = Role::Follower;
        self.votes.clear();
        self.reset_election_timer(ctx);
    }

    fn start_election(&mut self, ctx: &mut Context) {
        self.role = Role::Candidate;
        self.current_term += 1;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.votes = VecSet::from([self.id]);
        let (id, term) = (self.id, self.current_term);
        ctx.narrate(Importance::Detail, format!("{id} timed out and stands for election in term {term}"));
        self.persist(ctx);
        self.reset_election_timer(ctx);
        if self.votes.len() >= self.majority() {
            self.become_leader(ctx);
            return;
        }
        self.request_votes(ctx);
    }

    /// Ask every peer that has not granted its vote yet, and ask again a
    /// heartbeat later: servers retry RPCs that get no timely answer.
    fn request_votes(&mut self, ctx: &mut Context) {
        let request = Message::RequestVote {
            term: self.current_term,
            last_log_index: self.last_log_index(),
            last_log_term: self.term_at(self.last_log_index()),
        };
        for peer in self.peers().into_iter().filter(|p| !self.votes.contains(p)) {
            ctx.send(peer, request.clone());
        }
        ctx.set_timer(HEARTBEAT_TIMER, self.spec.heartbeat_ticks);
    }

    fn become_leader(&mut self, ctx: &mut Context) {
        debug_assert_eq!(self.role, Role::Candidate);
        self.role = Role::Leader;
        self.leader = Some(self.id);
        let (id, term, votes) = (self.id, self.current_term, self.votes.len());
        ctx.narrate(Importance::Milestone, format!("{id} became leader in term {term} ({votes} votes)"));
        self.election_deadline_tick = None;
        ctx.cancel_timer(ELECTION_TIMER);
        let next = self.last_log_index() + 1;
        self.next_index = vec![next; self.node_count as usize];
        self.match_index = vec![0; self.node_count as usize];
        self.sent_up_to = vec![0; self.node_count as usize];
        // A no-op of the new term commits everything before it once it is
        // on a majority. The figure-8 variant goes without, as the paper's
        // figure does: otherwise the no-op would mask its bug.
        if self.spec.variant != RaftVariant::CommitOldTermByCounting {
            self.push_entry(self.current_term, Command::Noop { leader: self.id });
        }
        self.persist(ctx);
        self.advance_commit(ctx); // a single-node cluster commits at once
        self.replicate_to_all(ctx);
    }

    fn peers(&self) -> Vec<NodeId> {
        let me = self.id;
        (0..self.node_count).map(NodeId).filter(|&p| p != me).collect()
    }

    fn replicate_to_all(&mut self, ctx: &mut Context) {
        for peer in self.peers() {
            self.send_append(ctx, peer);
        }
        ctx.set_timer(HEARTBEAT_TIMER, self.spec.heartbeat_ticks);
    }

    fn send_append(&mut self, ctx: &mut Context, peer: NodeId) {
        let next = self.next_index[peer.0 as usize].clamp(1, self.last_log_index() + 1);
        let prev_log_index = next - 1;
        let end = (prev_log_index as usize + ENTRIES_PER_MESSAGE_MAX).min(self.log.len());
        let entries = self.log.slice_to_vec(prev_log_index as usize, end);
        self.sent_up_to[peer.0 as usize] = end as u64;
        ctx.send(
            peer,
            Message::AppendEntries {
                term: self.current_term,
                prev_log_index,
                prev_log_term: self.term_at(prev_log_index),
                entries,
                leader_commit: self.commit_index,
            },
        );
    }

    /// Whether a candidate's log is at least as up to date as ours.
    fn log_up_to_date(&self, last_log_index: u64, last_log_term: u64) -> bool {
        let my_last_term = self.term_at(self.last_log_index());
        last_log_term > my_last_term || (last_log_term == my_last_term && last_log_index >= self.last_log_index())
    }

    fn handle_request_vote(
        &mut self,
        ctx: &mut Context,
        from: NodeId,
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    ) {
        self.observe_term(ctx, term);
        let log_ok =
            self.spec.variant == RaftVariant::VoteWithoutLogCheck || self.log_up_to_date(last_log_index, last_log_term);
        let granted = term == self.current_term
            && self.role != Role::Leader
            && self.voted_for.is_none_or(|v| v == from)
            && log_ok;
        if granted {
            self.voted_for = Some(from);
            self.persist(ctx);
            self.reset_election_timer(ctx);
        }
        ctx.send(from, Message::Vote { term: self.current_term, granted });
    }

    fn handle_vote(&mut self, ctx: &mut Context, from: NodeId, term: u64, granted: bool) {
        self.observe_term(ctx, term);
        if self.role == Role::Candidate && term == self.current_term && granted {
            self.votes.insert(from);
            if self.votes.len() >= self.majority() {
                self.become_leader(ctx);
            }
        }
    }

    fn handle_append(
        &mut self,
        ctx: &mut Context,
        from: NodeId,
        term: u64,
        (prev_log_index, prev_log_term): (u64, u64),
        entries: Vec<Entry>,
        leader_commit: u64,
    ) {
        self.observe_term(ctx, term);
        if term < self.current_term {
            let reply = Message::AppendReply { term: self.current_term, success: false, match_index: 0 };
            ctx.send(from, reply);
            return;
        }
        if self.role == Role::Leader {
            // Only possible when election safety is already broken (the
            // no-step-down variant): ignore the rival.
            return;
        }
        if self.role == Role::Candidate {
            self.become_follower(ctx);
        } else {
            self.reset_election_timer(ctx);
        }
        self.leader = Some(from);
        if prev_log_index > self.last_log_index() || self.term_at(prev_log_index) != prev_log_term {
            let hint = self.last_log_index().min(prev_log_index.saturating_sub(1));
            ctx.send(from, Message::AppendReply { term: self.current_term, success: false, match_index: hint });
            return;
        }
        // The last index this message vouches for: entries beyond it in our
        // log are unverified (perhaps stale) and must not count as matching.
        let last_new = prev_log_index + entries.len() as u64;
        let mut changed = false;
        for (offset, entry) in entries.into_iter().enumerate() {
            let index = prev_log_index + 1 + offset as u64;
            if index <= self.last_log_index() {
                if self.term_at(index) == entry.term {
                    continue; // already have it (a duplicate or reordered message)
                }
                if index <= self.commit_index {
                    // Only a broken leader asks this (a buggy variant): refuse,
                    // and let the observer stop the run here.
                    self.breach = Some(format!(
                        "{} was told to overwrite its committed entry {index} (term {}) with one of term {}",
                        self.id,
                        self.term_at(index),
                        entry.term
                    ));
                    return;
                }
                // A conflicting entry and everything after it go.
                self.log.truncate(index as usize - 1);
                self.note_log_change(index);
            }
            self.push_entry(entry.term, entry.command);
            changed = true;
        }
        if changed {
            self.persist(ctx);
        }
        if leader_commit > self.commit_index {
            // Never backwards: a late, duplicated message may vouch for less
            // than an earlier one did.
            self.commit_index = self.commit_index.max(leader_commit.min(last_new));
            self.apply_committed(ctx);
        }
        ctx.send(from, Message::AppendReply { term: self.current_term, success: true, match_index: last_new });
    }

    fn handle_append_reply(&mut self, ctx: &mut Context, from: NodeId, term: u64, success: bool, match_index: u64) {
        self.observe_term(ctx, term);
        if self.role != Role::Leader || term != self.current_term {
            return;
        }
        let peer = from.0 as usize;
        if success {
            self.match_index[peer] = self.match_index[peer].max(match_index);
            self.next_index[peer] = self.match_index[peer] + 1;
            self.advance_commit(ctx);
            let answers_the_newest = match_index >= self.sent_up_to[peer];
            if answers_the_newest && self.next_index[peer] <= self.last_log_index() {
                self.send_append(ctx, from);
            }
        } else {
            // Back up, using the follower's hint to skip ahead.
            // Never below what the follower is known to match (a stale or
            // duplicated failure must not undo progress).
            self.next_index[peer] =
                (self.next_index[peer].saturating_sub(1)).min(match_index + 1).max(self.match_index[peer] + 1).max(1);
            self.send_append(ctx, from);
        }
    }

    /// Commit the highest index stored on a majority, if it is of the
    /// current term (figure 8: earlier terms' entries are committed only
    /// through a later one).
    fn advance_commit(&mut self, ctx: &mut Context) {
        for index in (self.commit_index + 1..=self.last_log_index()).rev() {
            let stored = 1
                + (0..self.node_count as usize)
                    .filter(|&p| p != self.id.0 as usize && self.match_index[p] >= index)
                    .count();
            let own_term = self.term_at(index) == self.current_term;
            if stored >= self.majority() && (own_term || self.spec.variant == RaftVariant::CommitOldTermByCounting) {
                self.commit_index = index;
                self.apply_committed(ctx);
                break;
            }
        }
    }

    fn apply_committed(&mut self, ctx: &mut Context) {
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let entry = self.log.get(self.last_applied as usize - 1).clone();
            let Command::Client { request, operation } = entry.command else { continue };
            let output = match self.sessions.get(&request.client) {
                // Applied before (a retry appended twice): same answer, no effect.
                Some((applied, output)) if *applied == request.operation_index => output.clone(),
                Some((applied, _)) if *applied > request.operation_index => continue,
                _ => {
                    let output = match operation {
                        KvOperation::Read { key } => KvOutput::Value(self.values_of(key)),
                        KvOperation::Write { key, value } => {
                            self.store.insert(key, vec![value]);
                            KvOutput::WriteOk
                        }
                        KvOperation::Append { key, value } => {
                            self.store.entry(key).or_default().push(value);
                            KvOutput::WriteOk
                        }
                    };
                    self.sessions.insert(request.client, (request.operation_index, output.clone()));
                    output
                }
            };
            if self.pending.remove(&self.last_applied).is_some() {
                ctx.reply(request, output);
            }
        }
    }
}

impl Protocol for Raft {
    type Config = RaftSpec;
    type Service = KeyValueService;
    type Message = Message;
    type MessageKind = MessageKind;
    type Role = Role;
    type Durable = RaftDurable;
    type Ghost = RaftGhost;

    /// Elections and heartbeats go on for ever: a cluster waiting only on
    /// them has nothing left to finish.
    fn is_background_timer(timer: TimerId) -> bool {
        matches!(timer, ELECTION_TIMER | HEARTBEAT_TIMER)
    }

    fn new(node: NodeId, node_count: u32, spec: &RaftSpec) -> Self {
        Raft {
            id: node,
            node_count,
            spec: spec.clone(),
            current_term: 0,
            voted_for: None,
            log: SharedLog::default(),
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            last_applied: 0,
            votes: VecSet::new(),
            next_index: Vec::new(),
            match_index: Vec::new(),
            sent_up_to: Vec::new(),
            pending: VecMap::new(),
            store: VecMap::new(),
            sessions: VecMap::new(),
            election_deadline_tick: None,
            log_changed_from: None,
            breach: None,
        }
    }

    fn initial_durable(node: NodeId, spec: &RaftSpec) -> RaftDurable {
        let Some(initial) = spec.initial.get(node.0 as usize) else { return RaftDurable::default() };
        let mut log = SharedLog::<Entry>::default();
        for (i, entry) in initial.log.iter().enumerate() {
            // The book's requests: a write, by a client of its own (the
            // highest client id), numbered by position so each is distinct.
            let command = Command::Client {
                request: RequestId { client: ClientId(u32::MAX), operation_index: i as u32, attempt: 1 },
                operation: KvOperation::Write { key: entry.key, value: entry.value },
            };
            let prefix_hash = chain(log.last().map_or(0, |e| e.prefix_hash), entry.term, &command);
            log.push(Entry { term: entry.term, command, prefix_hash });
        }
        RaftDurable { current_term: initial.term, voted_for: initial.voted_for, log }
    }

    fn on_start(&mut self, ctx: &mut Context, durable: &RaftDurable) {
        self.current_term = durable.current_term;
        self.voted_for = match self.spec.variant {
            // The bug: votedFor is not read back from disk.
            RaftVariant::VolatileVotedFor => None,
            _ => durable.voted_for,
        };
        self.log = durable.log.clone();
        self.log_changed_from = Some(1);
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context, from: NodeId, message: Message) {
        self.log_changed_from = None;
        match message {
            Message::RequestVote { term, last_log_index, last_log_term } => {
                self.handle_request_vote(ctx, from, term, last_log_index, last_log_term)
            }
            Message::Vote { term, granted } => self.handle_vote(ctx, from, term, granted),
            Message::AppendEntries { term, prev_log_index, prev_log_term, entries, leader_commit } => {
                self.handle_append(ctx, from, term, (prev_log_index, prev_log_term), entries, leader_commit)
            }
            Message::AppendReply { term, success, match_index } => {
                self.handle_append_reply(ctx, from, term, success, match_index)
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context, timer: TimerId) {
        self.log_changed_from = None;
        match (timer, self.role) {
            (ELECTION_TIMER, Role::Follower | Role::Candidate) => self.start_election(ctx),
            (HEARTBEAT_TIMER, Role::Leader) => self.replicate_to_all(ctx),
            (HEARTBEAT_TIMER, Role::Candidate) => self.request_votes(ctx),
            _ => {} // a timer of a role the node no longer has
        }
    }

    fn on_client_request(&mut self, ctx: &mut Context, request: ClientRequest<KvOperation>) {
        self.log_changed_from = None;
        if let (RaftReads::AnyNode, KvOperation::Read { key }) = (self.spec.reads, &request.operation) {
            // Served from whatever this node has applied: possibly stale.
            ctx.reply(request.id, KvOutput::Value(self.values_of(*key)));
            return;
        }
        if self.role != Role::Leader {
            ctx.reply(request.id, KvOutput::NotLeader { leader: self.leader.filter(|&l| l != self.id) });
            return;
        }
        if let Some((applied, output)) = self.sessions.get(&request.id.client) {
            if *applied == request.id.operation_index {
                ctx.reply(request.id, output.clone()); // a retry of something already done
                return;
            }
        }
        self.push_entry(self.current_term, Command::Client { request: request.id, operation: request.operation });
        self.pending.insert(self.last_log_index(), request.id);
        self.persist(ctx);
        self.advance_commit(ctx); // a single-node cluster commits at once

        // New entries go out with the next heartbeat, batched, as real
        // implementations do: a leader may crash holding entries nobody
        // else has (the paper's figure 8 starts that way).
    }

    fn message_kind(message: &Message) -> MessageKind {
        match message {
            Message::RequestVote { .. } => MessageKind::RequestVote,
            Message::Vote { granted: true, .. } => MessageKind::VoteGranted,
            Message::Vote { granted: false, .. } => MessageKind::VoteRefused,
            Message::AppendEntries { .. } => MessageKind::AppendEntries,
            Message::AppendReply { .. } => MessageKind::AppendReply,
        }
    }

    fn message_label(message: &Message) -> String {
        match message {
            Message::RequestVote { term, .. } => format!("RequestVote t{term}"),
            Message::Vote { term, granted } => format!("Vote t{term} {}", if *granted { "yes" } else { "no" }),
            Message::AppendEntries { term, entries, leader_commit, .. } if entries.is_empty() => {
                format!("AppendEntries t{term} heartbeat c{leader_commit}")
            }
            Message::AppendEntries { term, entries, leader_commit, prev_log_index, .. } => format!(
                "AppendEntries t{term} [{}..{}] c{leader_commit}",
                prev_log_index + 1,
                prev_log_index + entries.len() as u64
            ),
            Message::AppendReply { term, success: true, match_index } => {
                format!("AppendReply t{term} ok m{match_index}")
            }
            Message::AppendReply { term, success: false, .. } => format!("AppendReply t{term} no"),
        }
    }

    fn timer_label(timer: TimerId) -> String {
        match timer {
            ELECTION_TIMER => "election".to_string(),
            HEARTBEAT_TIMER => "heartbeat".to_string(),
            other => format!("timer {other}"),
        }
    }

    fn role_style(&self) -> Style {
        self.role.style()
    }

    fn view(&self) -> NodeView {
        let mut fields = vec![
            ("term".to_string(), self.current_term.to_string()),
            ("voted for".to_string(), self.voted_for.map_or("nobody".to_string(), |v| v.to_string())),
            ("leader".to_string(), self.leader.map_or("unknown".to_string(), |l| l.to_string())),
            ("commit index".to_string(), self.commit_index.to_string()),
            ("last applied".to_string(), self.last_applied.to_string()),
        ];
        if let Some(deadline) = self.election_deadline_tick {
            fields.push(("election timeout at".to_string(), deadline.to_string()));
        }
        if self.role == Role::Leader {
            // What the leader knows of each follower's log.
            for peer in self.peers() {
                let (next, matched) = (self.next_index[peer.0 as usize], self.match_index[peer.0 as usize]);
                fields.push((format!("{peer}: next / match index"), format!("{next} / {matched}")));
            }
        }
        for (key, values) in &self.store {
            fields.push((format!("k{key}"), KvOutput::Value(values.clone()).to_string()));
        }
        let term = self.current_term;
        let mut tags = vec![Tag {
            name: "term",
            text: format!("t{term}"),
            colour: Some(term_colour(term)),
            title: format!("term {term}"),
        }];
        if let Some(voted_for) = self.voted_for {
            // The vote of the current term, beside the term it belongs to.
            let (text, title) = (format!("vote {voted_for}"), format!("voted for {voted_for} in term {term}"));
            tags.push(Tag { name: "vote", text, colour: None, title });
        }
        let first_viewed = self.log.len().saturating_sub(LOG_ENTRIES_VIEWED_MAX);
        let log = (first_viewed..self.log.len())
            .map(|position| {
                let entry = self.log.get(position);
                let settled = (position as u64) < self.commit_index;
                let (label, note) = (entry.command.label(), format!("t{}", entry.term));
                LogEntryView { label, note, colour: term_colour(entry.term), settled }
            })
            .collect();
        NodeView {
            fields,
            colour: Some(term_colour(term)),
            tags,
            log,
            log_length: self.log.len() as u64,
            log_summary: format!("{} entries, {} committed", self.log.len(), self.commit_index),
            countdown: self.election_deadline_tick.map(|at_tick| Countdown { label: "timeout", at_tick }),
            ..NodeView::new(self.role)
        }
    }

    fn durable_view(durable: &RaftDurable) -> String {
        format!(
            "term {}, voted for {}, {} log entries",
            durable.current_term,
            durable.voted_for.map_or("nobody".to_string(), |v| v.to_string()),
            durable.log.len()
        )
    }

    /// Every node that is up has applied the same commands: the same state
    /// machine.
    fn replicas_agree(cluster: &ClusterView<Self>) -> Option<bool> {
        let mut nodes = cluster.up_nodes().map(|(_, node)| &node.store);
        let first = nodes.next()?;
        Some(nodes.all(|store| store == first))
    }

    fn ghost_summary(ghost: &RaftGhost) -> Vec<(String, u64)> {
        vec![
            ("leaders elected".to_string(), ghost.leaders.len() as u64),
            ("entries committed".to_string(), ghost.committed.len() as u64),
        ]
    }

    fn check_invariants(
        ghost: &mut RaftGhost,
        stepped: Option<NodeId>,
        cluster: &ClusterView<Self>,
    ) -> Result<(), InvariantViolation> {
        let Some(node) = stepped else { return Ok(()) };
        let Some(raft) = cluster.node(node) else { return Ok(()) };
        if let Some(breach) = &raft.breach {
            return Err(violation("state machine safety", vec![node], breach.clone()));
        }
        ghost.check_election_safety(node, raft)?;
        ghost.check_leader_append_only(node, raft)?;
        ghost.check_log_matching(node, raft, cluster)?;
        ghost.check_commits(node, raft)?;
        Ok(())
    }
}

/// The observer's memory, for the invariants.
#[derive(Clone, Debug, Default)]
pub struct RaftGhost {
    /// The leader of each term seen so far: grows with the run, at its end
    /// (terms only increase), where a `VecMap` insertion is a push.
    leaders: VecMap<u64, NodeId>,
    /// For each node seen leading: the term, and its log's length and hash
    /// then, which its log must keep as a prefix while it leads that term.
    leader_logs: VecMap<NodeId, (u64, u64, u64)>,
    /// For each committed index (index i at i - 1), as first seen
    /// committed: the hash of the log up to it, the node that committed it,
    /// and that node's term then.
    committed: Vec<(u64, NodeId, u64)>,
}

fn violation(invariant: &str, nodes: Vec<NodeId>, detail: String) -> InvariantViolation {
    InvariantViolation { invariant: invariant.to_string(), nodes, detail }
}

impl RaftGhost {
    /// How many log indexes are known committed.
    pub fn committed_count(&self) -> u64 {
        self.committed.len() as u64
    }

    /// At most one leader per term.
    fn check_election_safety(&mut self, node: NodeId, raft: &Raft) -> Result<(), InvariantViolation> {
        if raft.role != Role::Leader {
            return Ok(());
        }
        let first = *self.leaders.entry(raft.current_term).or_insert(node);
        if first != node {
            return Err(violation(
                "election safety",
                vec![first, node],
                format!("{first} and {node} both lead term {}", raft.current_term),
            ));
        }
        Ok(())
    }

    /// A leader never overwrites or deletes entries in its log.
    fn check_leader_append_only(&mut self, node: NodeId, raft: &Raft) -> Result<(), InvariantViolation> {
        if raft.role != Role::Leader {
            self.leader_logs.remove(&node);
            return Ok(());
        }
        let now = (raft.current_term, raft.last_log_index(), raft.prefix_hash(raft.last_log_index()));
        if let Some(&(term, length, hash)) =
            self.leader_logs.get(&node).filter(|&&(term, _, _)| term == raft.current_term)
        {
            if raft.last_log_index() < length || raft.prefix_hash(length) != hash {
                return Err(violation(
                    "leader append-only",
                    vec![node],
                    format!("{node}, leading term {term}, changed its log at or before index {length}"),
                ));
            }
        } else {
            // Newly leading this term (or leading on into a new term, as the
            // no-step-down variant does): leader completeness. Every entry committed in
            // an earlier term must be in its log (the hash chain makes the
            // last such index enough). A stale leader of an older term need
            // not have what later terms committed.
            let term = raft.current_term;
            if let Some(index) = self.committed.iter().rposition(|&(_, _, committed_in)| committed_in < term) {
                let (hash, by, committed_in) = self.committed[index];
                let index = index as u64 + 1;
                if raft.last_log_index() < index || raft.prefix_hash(index) != hash {
                    return Err(violation(
                        "leader completeness",
                        vec![node, by],
                        format!("{node} leads term {term} without the entries up to index {index} that {by} committed in term {committed_in}"),
                    ));
                }
            }
        }
        self.leader_logs.insert(node, now);
        Ok(())
    }

    /// If two logs have an entry with the same index and term, they are
    /// identical up to that index. Only entries this step changed need
    /// comparing with the other live logs.
    fn check_log_matching(
        &mut self,
        node: NodeId,
        raft: &Raft,
        cluster: &ClusterView<Raft>,
    ) -> Result<(), InvariantViolation> {
        let Some(from) = raft.log_changed_from else { return Ok(()) };
        for (other, other_raft) in cluster.up_nodes().filter(|&(o, _)| o != node) {
            let shared = raft.last_log_index().min(other_raft.last_log_index());
            for index in from..=shared {
                if raft.term_at(index) == other_raft.term_at(index)
                    && raft.prefix_hash(index) != other_raft.prefix_hash(index)
                {
                    return Err(violation(
                        "log matching",
                        vec![node, other],
                        format!(
                            "{node} and {other} both have an entry of term {} at index {index}, but their logs differ before it",
                            raft.term_at(index)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// State machine safety: no two nodes apply different entries at the
    /// same index. Every node's committed prefix must be the one first seen
    /// committed (it is what the node applies).
    fn check_commits(&mut self, node: NodeId, raft: &Raft) -> Result<(), InvariantViolation> {
        let commit = raft.commit_index;
        if commit == 0 {
            return Ok(());
        }
        let known = self.committed.len() as u64;
        let shared = commit.min(known);
        if shared > 0 && raft.prefix_hash(shared) != self.committed[shared as usize - 1].0 {
            let by = self.committed[shared as usize - 1].1;
            return Err(violation(
                "state machine safety",
                vec![node, by],
                format!("{node} committed a different entry at or before index {shared} than {by} did"),
            ));
        }
        for index in known + 1..=commit {
            self.committed.push((raft.prefix_hash(index), node, raft.current_term));
        }
        Ok(())
    }
}
