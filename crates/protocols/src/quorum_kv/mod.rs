//! A Dynamo-style key-value store on a consistent-hashing ring.
//!
//! Each key lives on the first N distinct nodes clockwise from its hash
//! (its preference list, `partitioning::Ring`). Any node coordinates a
//! client's request:
//!
//! - a read asks the key's N replicas and answers once R have answered,
//!   with every version they hold merged; the replies that come later are
//!   still awaited, and replicas found behind are sent the merged versions
//!   (read repair);
//! - a write first reads (R answers, for the clocks of what is there), then
//!   sends a new version, whose vector clock has seen all of them, to the
//!   N replicas, and acknowledges once W have stored it.
//!
//! Versions whose clocks are concurrent (two writes, neither of which saw
//! the other) stay side by side as siblings, and a read returns their
//! values merged (the next write resolves them); with last-writer-wins
//! only the latest timestamp stays. A replica that does not answer in time
//! is, with a sloppy quorum, replaced by the next node on the ring, which
//! keeps the write as a hint for it and hands it off later; without, the
//! request is refused (the client tries another coordinator). Replicas of a
//! key compare digests of their keys with each other (anti-entropy) while
//! they may differ, so after a partition heals they agree again. When a
//! node joins or leaves, each node hands off the keys it no longer holds
//! to their new replicas (streaming) while clients go on.
//!
//! R + W > N makes every read quorum meet every write quorum, and still
//! the history need not be linearizable: a write that reached fewer than W
//! before a failure is seen by one read and missed by the next, read repair
//! is not part of the read, and a sloppy quorum is no quorum of the key's
//! own replicas. The history is checked against the `kv` model to show it.

mod coordinator;
pub mod explore;
pub mod observer;
mod replica;
pub mod version;

use self::coordinator::Pending;
use self::observer::Observer;
use self::version::{siblings_label, Siblings, Stamp, Version};
use crate::kv::KeyValueService;
use crate::partitioning::Ring;
use faultline_scenario::{KvOperation, NodeId, QuorumConflicts, QuorumKvSpec};
use faultline_sim::{
    ClientRequest, ClusterView, InvariantViolation, NodeView, Protocol, Tag, MEMBERSHIP_CHANGED_TIMER,
};

/// A simulation of a quorum store's scenario.
pub fn build(scenario: faultline_scenario::Scenario) -> Box<dyn faultline_sim::AnySimulation> {
    Box::new(explore::simulation(scenario))
}

type Context<'a> = faultline_sim::Context<'a, QuorumKv>;

faultline_sim::kinds! {
    /// Every node is alike: a replica of the keys whose preference list it
    /// is on, and a coordinator of the requests it is sent.
    pub enum Role {
        Node => ("node", "N", "", "stores the keys it is a replica of, coordinates the requests it is sent", Strong),
    }
}

faultline_sim::kinds! {
    /// The quorum store's messages.
    pub enum MessageKind {
        Read => ("Read", "r", "#7d9be0", "a coordinator asks a replica for a key's versions"),
        ReadReply => ("Read reply", "v", "#5b7fc7", "a replica's versions of a key"),
        Write => ("Write", "w", "#a47cc4", "a coordinator sends a replica a key's new version (a hint, for a stand-in)"),
        WriteAck => ("Write ack", "k", "#8e5fb0", "a replica stored a write"),
        Repair => ("Repair", "R", "#c0792a", "versions a replica lacked: read repair, or anti-entropy's push"),
        Digest => ("Digest", "D", "#16a085", "anti-entropy: a digest of each key two replicas share"),
        DigestReply => ("Digest reply", "d", "#48c9b0", "anti-entropy: the versions of each key whose digest differed"),
        Handoff => ("Hand-off", "H", "#d4a017", "a key's versions sent to the replica they belong to (a hint, or streaming)"),
        HandoffAck => ("Hand-off ack", "h", "#b8860b", "the replica took a hand-off: the sender may forget it"),
    }
}

/// A coordinator's request number, for matching replies to the phase that
/// asked (a reply from an earlier phase, or from before a restart, is
/// ignored): the node's count of starts, then a count within this start.
pub type RequestNumber = u64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Read {
        request: RequestNumber,
        key: u32,
    },
    ReadReply {
        request: RequestNumber,
        versions: Siblings,
    },
    /// `hint_for`: with a sloppy quorum, the replica this node stands in for.
    Write {
        request: RequestNumber,
        key: u32,
        version: Version,
        hint_for: Option<NodeId>,
    },
    WriteAck {
        request: RequestNumber,
    },
    Repair {
        key: u32,
        versions: Siblings,
    },
    /// Each key both replicas hold (as the sender sees the ring), with the
    /// digest of the sender's versions.
    /// `as_of`: the sender's count of changes when it sent this, echoed in
    /// the reply, so a reply that crossed a change confirms nothing.
    Digest {
        digests: Vec<(u32, u64)>,
        as_of: u64,
    },
    /// The replier's versions of every key whose digest differed (or that
    /// the digest left out); none when they agree.
    DigestReply {
        versions: Vec<(u32, Siblings)>,
        as_of: u64,
    },
    Handoff {
        key: u32,
        versions: Siblings,
    },
    /// The digest of the hand-off taken.
    HandoffAck {
        key: u32,
        digest: u64,
    },
}

/// Versions held for another node: a sloppy quorum's write for a replica
/// that did not answer, or a key this node no longer holds after the ring
/// changed. Handed off until it is acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    pub for_node: NodeId,
    pub key: u32,
    pub versions: Siblings,
}

/// A node's disk: the keys it is a replica of, what it holds for others,
/// and how many writes it coordinated (its entry in the clocks it makes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    /// By key, in key order.
    pub keys: Vec<(u32, Siblings)>,
    pub hints: Vec<Hint>,
    pub writes_coordinated: u64,
    /// How many times the node started: request numbers begin with it, so
    /// a reply to a request from before a crash matches nothing after it.
    pub starts: u64,
    /// The latest version this node made of each key, by key: its next
    /// write of the key takes it in (see `new_version`).
    pub own_latest: Vec<(u32, Version)>,
}

impl Disk {
    pub fn versions(&self, key: u32) -> Option<&Siblings> {
        self.keys.binary_search_by_key(&key, |(k, _)| *k).ok().map(|at| &self.keys[at].1)
    }

    /// The key's versions, made empty if it had none.
    fn versions_mut(&mut self, key: u32) -> &mut Siblings {
        let at = match self.keys.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(at) => at,
            Err(at) => {
                self.keys.insert(at, (key, Siblings::default()));
                at
            }
        };
        &mut self.keys[at].1
    }

    pub fn own_latest(&self, key: u32) -> Option<&Version> {
        self.own_latest.binary_search_by_key(&key, |(k, _)| *k).ok().map(|at| &self.own_latest[at].1)
    }

    fn set_own_latest(&mut self, key: u32, version: Version) {
        match self.own_latest.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(at) => self.own_latest[at].1 = version,
            Err(at) => self.own_latest.insert(at, (key, version)),
        }
    }

    /// Whether this disk holds the acknowledged write, or one that
    /// supersedes it, as a replica or for another.
    pub fn holds(&self, write: &Acknowledged, conflicts: QuorumConflicts) -> bool {
        let holds = |versions: &Siblings| versions.holds(write, conflicts);
        self.versions(write.key).is_some_and(holds)
            || self.hints.iter().any(|hint| hint.key == write.key && holds(&hint.versions))
    }
}

/// A write a coordinator acknowledged, for the observer: the key and the
/// version's own clock entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acknowledged {
    pub key: u32,
    /// The version's stamp: its coordinator and its entry in the clock.
    pub stamp: Stamp,
}

/// The ring as a node last saw the members.
#[derive(Clone, Debug)]
struct RingView {
    members: Vec<NodeId>,
    ring: Ring,
}

impl RingView {
    fn of(members: &[NodeId], virtual_nodes: u32) -> RingView {
        let numbers: Vec<u32> = members.iter().map(|member| member.0).collect();
        let ring = Ring::of_members(&numbers, virtual_nodes).expect("validated: members and virtual nodes");
        RingView { members: members.to_vec(), ring }
    }

    /// The key's replicas, then every other member in ring order (the
    /// stand-ins a sloppy quorum turns to).
    fn walk(&self, key: u32) -> Vec<NodeId> {
        self.ring.preference_list(&key_name(key), self.members.len()).into_iter().map(NodeId).collect()
    }
}

/// What the ring hashes: the key as the page names it.
pub fn key_name(key: u32) -> String {
    format!("k{key}")
}

/// The timer of work left for peers: anti-entropy with a peer that may
/// differ, and hints to hand off. Set only while there is some.
const PEER_WORK_TIMER: u64 = 1;
/// The timer of the earliest coordinator's deadline.
const DEADLINE_TIMER: u64 = 2;

/// Counters for the inspector and the sweep.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub reads_answered: u64,
    pub writes_acknowledged: u64,
    pub requests_refused: u64,
    pub repairs_sent: u64,
    pub hints_stored: u64,
    pub hand_offs_sent: u64,
    pub sloppy_stand_ins: u64,
}

#[derive(Clone, Debug)]
pub struct QuorumKv {
    id: NodeId,
    spec: QuorumKvSpec,
    disk: Disk,
    ring: RingView,
    /// Requests this node coordinates, oldest first.
    pending: Vec<Pending>,
    next_request: RequestNumber,
    /// Peers whose shared keys may differ from this node's, in node order:
    /// anti-entropy visits them until a digest shows agreement.
    unconfirmed: Vec<NodeId>,
    /// Whether the peer-work timer is set.
    peer_work_armed: bool,
    /// How many times this node's keys changed since it started: a digest
    /// reply confirms agreement only as of the digest it answers.
    changes: u64,
    /// The writes this node acknowledged in its current step, for the
    /// observer (emptied as each step begins).
    acknowledged: Vec<Acknowledged>,
    counters: Counters,
}

impl QuorumKv {
    pub fn disk(&self) -> &Disk {
        &self.disk
    }

    pub fn members_seen(&self) -> &[NodeId] {
        &self.ring.members
    }

    pub fn acknowledged(&self) -> &[Acknowledged] {
        &self.acknowledged
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The key's N replicas, as this node sees the ring.
    pub fn replicas_of(&self, key: u32) -> Vec<NodeId> {
        let mut walk = self.ring.walk(key);
        walk.truncate(self.spec.replicas as usize);
        walk
    }

    fn is_replica_of(&self, key: u32) -> bool {
        self.replicas_of(key).contains(&self.id)
    }

    /// Look at the members again; when they changed, rebuild the ring and
    /// hand off what no longer belongs here.
    fn follow_membership(&mut self, ctx: &mut Context) {
        if self.ring.members == ctx.members() {
            return;
        }
        self.ring = RingView::of(ctx.members(), self.spec.virtual_nodes);
        self.rehome(ctx);
        // Which keys two nodes share changed: a digest sent before, and
        // its reply, compared the old ones and confirm nothing now.
        self.changes += 1;
        self.unconfirmed = ctx.peers().collect();
        self.schedule_peer_work(ctx);
    }

    /// Arm the peer-work timer while there is work for peers, leaving it
    /// where it is when it is set already (moving it on every change would
    /// put the work off for as long as clients keep writing); disarm it
    /// when there is none.
    fn schedule_peer_work(&mut self, ctx: &mut Context) {
        let hints_to_hand_off = !self.disk.hints.is_empty()
            && self.spec.variant != faultline_scenario::QuorumKvVariant::HintsNeverHandedOff;
        let work = !self.unconfirmed.is_empty() || hints_to_hand_off;
        match (work, self.peer_work_armed) {
            (true, false) => ctx.set_timer(PEER_WORK_TIMER, self.spec.anti_entropy_interval_ticks),
            (false, true) => ctx.cancel_timer(PEER_WORK_TIMER),
            _ => {}
        }
        self.peer_work_armed = work;
    }
}

impl Protocol for QuorumKv {
    type Config = QuorumKvSpec;
    type Service = KeyValueService;
    type Message = Message;
    type MessageKind = MessageKind;
    type Role = Role;
    type Durable = Disk;
    type Ghost = Observer;

    const MEMBERSHIP_CHANGES: bool = true;

    fn new(node: NodeId, node_count: u32, spec: &QuorumKvSpec) -> Self {
        let members: Vec<NodeId> = (0..node_count).map(NodeId).collect();
        QuorumKv {
            id: node,
            spec: spec.clone(),
            disk: Disk::default(),
            ring: RingView::of(&members, spec.virtual_nodes),
            pending: Vec::new(),
            next_request: 1,
            unconfirmed: Vec::new(),
            changes: 0,
            peer_work_armed: false,
            acknowledged: Vec::new(),
            counters: Counters::default(),
        }
    }

    /// A (re)started node does not know what its peers got meanwhile: it
    /// compares with all of them.
    fn on_start(&mut self, ctx: &mut Context, disk: &Disk) {
        self.disk = disk.clone();
        self.disk.starts += 1;
        self.next_request = self.disk.starts << 32;
        self.changes = self.disk.starts << 32;
        ctx.persist(self.disk.clone());
        self.ring = RingView::of(ctx.members(), self.spec.virtual_nodes);
        self.rehome(ctx);
        // Which keys two nodes share changed: a digest sent before, and
        // its reply, compared the old ones and confirm nothing now.
        self.changes += 1;
        self.unconfirmed = ctx.peers().collect();
        self.schedule_peer_work(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context, from: NodeId, message: Message) {
        self.acknowledged.clear();
        self.follow_membership(ctx);
        match message {
            Message::Read { request, key } => {
                let versions = self.versions_held(key);
                ctx.send(from, Message::ReadReply { request, versions });
            }
            Message::ReadReply { request, versions } => self.on_read_reply(ctx, from, request, versions),
            Message::Write { request, key, version, hint_for } => {
                self.store_write(ctx, key, &version, hint_for);
                ctx.send(from, Message::WriteAck { request });
            }
            Message::WriteAck { request } => self.on_write_ack(ctx, from, request),
            Message::Repair { key, versions } => self.take_versions(ctx, key, &versions),
            Message::Digest { digests, as_of } => self.on_digest(ctx, from, &digests, as_of),
            Message::DigestReply { versions, as_of } => self.on_digest_reply(ctx, from, versions, as_of),
            Message::Handoff { key, versions } => {
                self.take_versions(ctx, key, &versions);
                ctx.send(from, Message::HandoffAck { key, digest: versions.digest() });
            }
            Message::HandoffAck { key, digest } => self.on_handoff_ack(ctx, from, key, digest),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context, timer: u64) {
        self.acknowledged.clear();
        self.follow_membership(ctx);
        match timer {
            PEER_WORK_TIMER => {
                self.peer_work_armed = false;
                self.do_peer_work(ctx)
            }
            DEADLINE_TIMER => self.on_deadlines(ctx),
            MEMBERSHIP_CHANGED_TIMER => {} // followed above
            _ => debug_assert!(false, "unknown timer {timer}"),
        }
    }

    fn on_client_request(&mut self, ctx: &mut Context, request: ClientRequest<KvOperation>) {
        self.acknowledged.clear();
        self.follow_membership(ctx);
        self.coordinate(ctx, request);
    }

    fn timer_label(timer: u64) -> String {
        match timer {
            PEER_WORK_TIMER => "anti-entropy and hand-off",
            DEADLINE_TIMER => "quorum deadline",
            MEMBERSHIP_CHANGED_TIMER => "membership changed",
            _ => "unknown",
        }
        .to_string()
    }

    fn ghost_summary(observer: &Observer) -> Vec<(String, u64)> {
        vec![("acknowledged writes checked".to_string(), observer.writes_checked())]
    }

    fn check_invariants(
        observer: &mut Observer,
        stepped: Option<NodeId>,
        cluster: &ClusterView<Self>,
    ) -> Result<(), InvariantViolation> {
        match stepped {
            Some(node) => observer.check_step(node, cluster),
            None => Ok(()),
        }
    }

    fn quiet_properties() -> &'static [&'static str] {
        &observer::QUIET_PROPERTIES
    }

    fn check_quiet(_observer: &Observer, cluster: &ClusterView<Self>) -> Result<(), InvariantViolation> {
        observer::check_quiet(cluster)
    }

    /// Every key's replicas that are up agree, and nothing is left to hand
    /// off to a node that is up.
    fn replicas_agree(cluster: &ClusterView<Self>) -> Option<bool> {
        Some(observer::replicas_agree(cluster))
    }

    fn message_kind(message: &Message) -> MessageKind {
        match message {
            Message::Read { .. } => MessageKind::Read,
            Message::ReadReply { .. } => MessageKind::ReadReply,
            Message::Write { .. } => MessageKind::Write,
            Message::WriteAck { .. } => MessageKind::WriteAck,
            Message::Repair { .. } => MessageKind::Repair,
            Message::Digest { .. } => MessageKind::Digest,
            Message::DigestReply { .. } => MessageKind::DigestReply,
            Message::Handoff { .. } => MessageKind::Handoff,
            Message::HandoffAck { .. } => MessageKind::HandoffAck,
        }
    }

    fn message_label(message: &Message) -> String {
        // A request number as the node's start, then its count: "#2.14".
        let number = |request: &RequestNumber| format!("#{}.{}", request >> 32, request & 0xffff_ffff);
        match message {
            Message::Read { request, key } => format!("Read k{key} {}", number(request)),
            Message::ReadReply { request, versions } => {
                format!("Read reply {} {}", number(request), siblings_label(versions))
            }
            Message::Write { request, key, version, hint_for } => {
                let hint = hint_for.map_or(String::new(), |node| format!(" (hint for {node})"));
                let versions = siblings_label(&Siblings::one(version.clone()));
                format!("Write k{key}={versions} {}{hint}", number(request))
            }
            Message::WriteAck { request } => format!("Write ack {}", number(request)),
            Message::Repair { key, versions } => format!("Repair k{key}={}", siblings_label(versions)),
            Message::Digest { digests, .. } => format!("Digest of {} keys", digests.len()),
            Message::DigestReply { versions, .. } if versions.is_empty() => "Digest reply: in sync".to_string(),
            Message::DigestReply { versions, .. } => format!("Digest reply: {} keys differ", versions.len()),
            Message::Handoff { key, versions } => format!("Hand-off k{key}={}", siblings_label(versions)),
            Message::HandoffAck { key, .. } => format!("Hand-off ack k{key}"),
        }
    }

    fn role_style(&self) -> faultline_sim::Style {
        use faultline_sim::Kinds as _;
        Role::Node.style()
    }

    fn view(&self) -> NodeView {
        let mut fields = vec![
            ("reads answered".to_string(), self.counters.reads_answered.to_string()),
            ("writes acknowledged".to_string(), self.counters.writes_acknowledged.to_string()),
            ("requests refused".to_string(), self.counters.requests_refused.to_string()),
            ("requests coordinating".to_string(), self.pending.len().to_string()),
            ("hints held".to_string(), self.disk.hints.len().to_string()),
        ];
        for (key, versions) in &self.disk.keys {
            fields.push((format!("k{key}"), siblings_label(versions)));
        }
        let mut tags = Vec::new();
        if !self.disk.hints.is_empty() {
            tags.push(Tag {
                name: "hints",
                text: format!("{} hints", self.disk.hints.len()),
                colour: None,
                title: "holds writes for other nodes, to hand off".to_string(),
            });
        }
        // Under the node: a key or two with their values, else how many
        // keys it holds (the inspector lists them all).
        let caption = match self.disk.keys.len() {
            0 => String::new(),
            1 | 2 => self
                .disk
                .keys
                .iter()
                .map(|(key, versions)| format!("k{key} {}", version::values_label(&versions.resolved())))
                .collect::<Vec<_>>()
                .join(" · "),
            held => format!("{held} keys"),
        };
        NodeView { fields, tags, caption, ..NodeView::new(Role::Node) }
    }

    fn durable_view(disk: &Disk) -> String {
        let mut parts: Vec<String> =
            disk.keys.iter().map(|(key, versions)| format!("k{key}={}", siblings_label(versions))).collect();
        for hint in &disk.hints {
            parts.push(format!("hint for {}: k{}={}", hint.for_node, hint.key, siblings_label(&hint.versions)));
        }
        if parts.is_empty() {
            return "empty".to_string();
        }
        parts.join(", ")
    }
}
