//! A node as a coordinator: a client's read or write, from asking the key's
//! replicas to answering the client, with read repair after a read and a
//! sloppy quorum's stand-ins when replicas do not answer in time.

use super::version::{Siblings, Stamp, Version};
use super::{Acknowledged, Context, Message, QuorumKv, RequestNumber, DEADLINE_TIMER};
use faultline_scenario::{KvOperation, KvOutput, NodeId, QuorumKvVariant};
use faultline_sim::{ClientRequest, Importance};

/// Most requests one node coordinates at once; beyond, it refuses (the
/// client tries another node).
pub const PENDING_MAX: usize = 32;

/// Where a request is.
#[derive(Clone, Debug)]
enum Phase {
    /// Asking replicas for their versions (a read, or a write's first
    /// phase).
    Reading,
    /// A read answered: waiting for the other replicas' answers, to
    /// repair those behind.
    Repairing,
    /// Storing the new version.
    Writing(Version),
}

/// A request this node coordinates.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    /// The number replies of the current phase carry.
    number: RequestNumber,
    client: ClientRequest<KvOperation>,
    key: u32,
    phase: Phase,
    /// Every node on the ring for this key, replicas first.
    walk: Vec<NodeId>,
    /// The nodes asked in this phase, and for whom each stands in (itself,
    /// or a replica that did not answer).
    asked: Vec<(NodeId, NodeId)>,
    /// Those that answered this phase, with the digest of their versions
    /// (reads).
    answered: Vec<(NodeId, u64)>,
    /// Every version the answers held, merged.
    merged: Siblings,
    deadline_tick: u64,
}

impl Pending {
    fn key_of(operation: &KvOperation) -> u32 {
        match *operation {
            KvOperation::Read { key } | KvOperation::Write { key, .. } | KvOperation::Append { key, .. } => key,
        }
    }
}

impl QuorumKv {
    /// A client's request: ask the key's replicas for their versions.
    pub(super) fn coordinate(&mut self, ctx: &mut Context, client: ClientRequest<KvOperation>) {
        if self.pending.len() >= PENDING_MAX {
            self.counters.requests_refused += 1;
            ctx.reply(client.id, KvOutput::Refused);
            return;
        }
        let key = Pending::key_of(&client.operation);
        let pending = Pending {
            number: 0,
            client,
            key,
            phase: Phase::Reading,
            walk: self.ring.walk(key),
            asked: Vec::new(),
            answered: Vec::new(),
            merged: Siblings::default(),
            deadline_tick: 0,
        };
        self.pending.push(pending);
        let at = self.pending.len() - 1;
        self.start_phase(ctx, at, Phase::Reading);
    }

    /// Begin a phase: ask the key's N replicas (this node answers at once).
    fn start_phase(&mut self, ctx: &mut Context, at: usize, phase: Phase) {
        let number = self.next_request;
        self.next_request += 1;
        let replicas = self.spec.replicas as usize;
        let pending = &mut self.pending[at];
        pending.number = number;
        pending.phase = phase;
        pending.asked = pending.walk.iter().take(replicas).map(|&node| (node, node)).collect();
        pending.answered.clear();
        pending.deadline_tick = ctx.now_tick + self.spec.quorum_timeout_ticks;
        let asked = pending.asked.clone();
        for (node, owner) in asked {
            self.ask(ctx, at, node, owner);
        }
        self.advance(ctx, at);
        self.arm_deadline(ctx);
    }

    /// Send the current phase's question to `node`, standing in for
    /// `owner`; this node answers its own at once.
    fn ask(&mut self, ctx: &mut Context, at: usize, node: NodeId, owner: NodeId) {
        let (number, key) = (self.pending[at].number, self.pending[at].key);
        let hint_for = (node != owner).then_some(owner);
        match (&self.pending[at].phase, node == self.id) {
            (Phase::Reading, true) => {
                let versions = self.versions_held(key);
                self.record_read(at, node, versions);
            }
            (Phase::Reading, false) => ctx.send(node, Message::Read { request: number, key }),
            (Phase::Writing(version), true) => {
                let version = version.clone();
                self.store_write(ctx, key, &version, hint_for);
                self.pending[at].answered.push((node, 0));
            }
            (Phase::Writing(version), false) => {
                let version = version.clone();
                ctx.send(node, Message::Write { request: number, key, version, hint_for });
            }
            (Phase::Repairing, _) => debug_assert!(false, "a repair asks nothing"),
        }
    }

    fn record_read(&mut self, at: usize, node: NodeId, versions: Siblings) {
        let conflicts = self.spec.conflicts;
        let pending = &mut self.pending[at];
        if pending.answered.iter().any(|(answered, _)| *answered == node) {
            return; // a duplicated reply
        }
        pending.answered.push((node, versions.digest()));
        pending.merged.merge(&versions, conflicts);
    }

    fn find(&self, number: RequestNumber) -> Option<usize> {
        self.pending.iter().position(|pending| pending.number == number)
    }

    pub(super) fn on_read_reply(&mut self, ctx: &mut Context, from: NodeId, number: RequestNumber, versions: Siblings) {
        let Some(at) = self.find(number) else { return };
        if !self.pending[at].asked.iter().any(|(node, _)| *node == from) {
            return;
        }
        self.record_read(at, from, versions);
        self.advance(ctx, at);
    }

    pub(super) fn on_write_ack(&mut self, ctx: &mut Context, from: NodeId, number: RequestNumber) {
        let Some(at) = self.find(number) else { return };
        let pending = &mut self.pending[at];
        if !pending.asked.iter().any(|(node, _)| *node == from) || pending.answered.iter().any(|(n, _)| *n == from) {
            return;
        }
        pending.answered.push((from, 0));
        self.advance(ctx, at);
    }

    /// The replicas answered for in this phase, each once: a replica and a
    /// stand-in for it count as one (a late answer from the replica after
    /// its stand-in's is no second copy).
    fn owners_answered(&self, at: usize) -> Vec<NodeId> {
        let pending = &self.pending[at];
        let mut owners: Vec<NodeId> = pending
            .answered
            .iter()
            .filter_map(|(node, _)| pending.asked.iter().find(|(asked, _)| asked == node).map(|&(_, owner)| owner))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        owners
    }

    /// Move a request on as far as its answers allow.
    fn advance(&mut self, ctx: &mut Context, at: usize) {
        let answers = self.owners_answered(at).len();
        let (answered, asked) = (self.pending[at].answered.len(), self.pending[at].asked.len());
        match &self.pending[at].phase {
            Phase::Reading if answers >= self.spec.read_quorum as usize => self.read_done(ctx, at),
            Phase::Repairing if answered == asked => self.finish_repair(ctx, at),
            Phase::Writing(_) if answers >= self.acknowledgements_needed() => self.write_done(ctx, at),
            _ => {}
        }
    }

    /// Stores a write waits for: W, or with the planted bug one fewer.
    fn acknowledgements_needed(&self) -> usize {
        match self.spec.variant {
            QuorumKvVariant::AcknowledgeBeforeQuorum => self.spec.write_quorum as usize - 1,
            _ => self.spec.write_quorum as usize,
        }
    }

    /// R answered: a read answers the client and waits for the rest to
    /// repair; a write makes its version and stores it.
    fn read_done(&mut self, ctx: &mut Context, at: usize) {
        let pending = &self.pending[at];
        match pending.client.operation {
            KvOperation::Read { .. } => {
                self.counters.reads_answered += 1;
                ctx.reply(pending.client.id, KvOutput::Value(pending.merged.resolved()));
                self.pending[at].phase = Phase::Repairing;
                self.advance(ctx, at);
            }
            KvOperation::Write { .. } | KvOperation::Append { .. } => {
                let version = self.new_version(ctx, at);
                self.start_phase(ctx, at, Phase::Writing(version));
            }
        }
    }

    /// The write's version: its clock has seen every version the read
    /// found and this coordinator's own latest version of the key, plus
    /// this write; its values are the put's value, or what it has seen
    /// with the append's value after (unless it is there already: a
    /// retried append). Taking in its own latest version is what lets a
    /// clock's entry for this node stand for all its earlier writes of the
    /// key: two writes it coordinates at once, whose reads saw neither,
    /// are ordered here, and the later keeps the earlier's values.
    fn new_version(&mut self, ctx: &mut Context, at: usize) -> Version {
        let key = self.pending[at].key;
        if let Some(own) = self.disk.own_latest(key).cloned() {
            self.pending[at].merged.merge_version(&own, self.spec.conflicts);
        }
        let pending = &self.pending[at];
        let mut clock = pending.merged.joined_clock();
        let mine = clock.get(&self.id.0).copied().unwrap_or(0);
        let count = mine.max(self.disk.writes_coordinated) + 1;
        clock.insert(self.id.0, count);
        let values: Vec<u64> = match pending.client.operation {
            KvOperation::Write { value, .. } => vec![value],
            KvOperation::Append { value, .. } => {
                let mut values = pending.merged.resolved();
                if !values.contains(&value) {
                    values.push(value);
                }
                values
            }
            KvOperation::Read { .. } => unreachable!("reads make no version"),
        };
        self.disk.writes_coordinated = count;
        let version =
            Version { clock, stamp: Stamp { tick: ctx.now_tick, node: self.id, count }, values: values.into() };
        self.disk.set_own_latest(key, version.clone());
        ctx.persist(self.disk.clone());
        version
    }

    fn write_done(&mut self, ctx: &mut Context, at: usize) {
        let pending = self.pending.remove(at);
        let Phase::Writing(version) = &pending.phase else { unreachable!("a write phase") };
        self.counters.writes_acknowledged += 1;
        self.acknowledged.push(Acknowledged { key: pending.key, stamp: version.stamp });
        ctx.reply(pending.client.id, KvOutput::WriteOk);
        self.arm_deadline(ctx);
    }

    /// Every answer is in, or the deadline passed: send the merged versions
    /// to the replicas that answered with less.
    fn finish_repair(&mut self, ctx: &mut Context, at: usize) {
        let pending = self.pending.remove(at);
        let digest = pending.merged.digest();
        let replicas = &pending.walk[..(self.spec.replicas as usize).min(pending.walk.len())];
        for &(node, theirs) in &pending.answered {
            if theirs == digest || !replicas.contains(&node) {
                continue;
            }
            self.counters.repairs_sent += 1;
            ctx.narrate(Importance::Detail, format!("{} repairs k{} at {node}", self.id, pending.key));
            match node == self.id {
                true => self.take_versions(ctx, pending.key, &pending.merged),
                false => ctx.send(node, Message::Repair { key: pending.key, versions: pending.merged.clone() }),
            }
        }
        self.arm_deadline(ctx);
    }

    /// The deadline timer at the earliest deadline, or none.
    fn arm_deadline(&mut self, ctx: &mut Context) {
        match self.pending.iter().map(|pending| pending.deadline_tick).min() {
            Some(tick) => ctx.set_timer(DEADLINE_TIMER, tick.saturating_sub(ctx.now_tick)),
            None => ctx.cancel_timer(DEADLINE_TIMER),
        }
    }

    /// Requests past their deadline: a read being repaired repairs what it
    /// has; one short of its quorum turns to stand-ins (sloppy) or is
    /// refused.
    pub(super) fn on_deadlines(&mut self, ctx: &mut Context) {
        let mut at = 0;
        while at < self.pending.len() {
            if self.pending[at].deadline_tick > ctx.now_tick {
                at += 1;
                continue;
            }
            let before = self.pending.len();
            let repairing = matches!(self.pending[at].phase, Phase::Repairing);
            if repairing {
                self.finish_repair(ctx, at);
            } else if !(self.spec.sloppy_quorum && self.ask_stand_ins(ctx, at)) {
                self.refuse(ctx, at);
            }
            if self.pending.len() == before {
                at += 1;
            }
        }
        self.arm_deadline(ctx);
    }

    /// Ask the next nodes on the ring in place of each asked node that did
    /// not answer. Returns whether any was left to ask.
    fn ask_stand_ins(&mut self, ctx: &mut Context, at: usize) -> bool {
        // The replicas no one has answered for yet (by themselves or a
        // stand-in), each once.
        let answered_for = self.owners_answered(at);
        let pending = &self.pending[at];
        let mut silent: Vec<NodeId> = Vec::new();
        for &(_, owner) in &pending.asked {
            if !answered_for.contains(&owner) && !silent.contains(&owner) {
                silent.push(owner);
            }
        }
        let mut unasked =
            pending.walk.iter().copied().filter(|node| !pending.asked.iter().any(|(asked, _)| asked == node));
        let mut stand_ins = Vec::new();
        for owner in silent {
            match unasked.next() {
                Some(node) => stand_ins.push((node, owner)),
                None => break,
            }
        }
        if stand_ins.is_empty() {
            return false;
        }
        self.pending[at].deadline_tick = ctx.now_tick + self.spec.quorum_timeout_ticks;
        let named: Vec<String> = stand_ins.iter().map(|(node, owner)| format!("{node} for {owner}")).collect();
        ctx.narrate(
            Importance::Detail,
            format!(
                "{} turns to stand-ins for k{} (sloppy quorum): {}",
                self.id,
                self.pending[at].key,
                named.join(", ")
            ),
        );
        for (node, owner) in stand_ins {
            self.counters.sloppy_stand_ins += 1;
            self.pending[at].asked.push((node, owner));
            self.ask(ctx, at, node, owner);
        }
        self.advance(ctx, at);
        true
    }

    /// Too few answered in time: the client is told to try elsewhere. A
    /// write may have reached some replicas: its outcome is unknown.
    fn refuse(&mut self, ctx: &mut Context, at: usize) {
        let pending = self.pending.remove(at);
        self.counters.requests_refused += 1;
        let needed = match pending.phase {
            Phase::Writing(_) => format!("W = {}", self.spec.write_quorum),
            _ => format!("R = {}", self.spec.read_quorum),
        };
        ctx.narrate(
            Importance::Detail,
            format!(
                "{} gives up on {}: {} of {} answered, {needed} needed",
                self.id,
                pending.client.operation,
                pending.answered.len(),
                pending.asked.len()
            ),
        );
        ctx.reply(pending.client.id, KvOutput::Refused);
    }
}
