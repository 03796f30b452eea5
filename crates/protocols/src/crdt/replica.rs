//! A CRDT replica as a node of the simulator. Every node holds the
//! object, answers its clients at once (no coordination), and exchanges
//! what it knows with its peers:
//!
//! - state-based: every gossip interval it sends its whole state to
//!   `gossip_fan_out` peers, who merge it and answer with theirs when they
//!   have updates it lacked;
//! - operation-based: each update's effect is broadcast at once, stamped
//!   with the sender's vector clock, and delivered in causal order exactly
//!   once (`CausalDelivery`); every gossip interval a replica also sends
//!   a peer that has not confirmed everything its vector, the peer answers
//!   with the effects the replica lacks and its own vector, and the replica
//!   sends the effects the peer lacks in a `CatchUp`, which nothing answers
//!   (at most three messages a round; a sync left unanswered is followed by
//!   one with the effects, for a link that works one way only). So effects
//!   lost to a partition or a crash get through once it heals. Effects go
//!   where a recent vector says they are missing, which still sends some
//!   twice: a broadcast or another round's answer can bring them in the
//!   meantime; `CausalDelivery` applies each once.
//!
//! A replica gossips only while it may know something a peer lacks: it
//! remembers the updates each peer confirmed (the vectors their messages
//! carry) and falls silent once every peer has confirmed all it has. So a
//! run becomes quiet exactly when every replica knows every replica holds
//! the same updates, and the quiet property checks they hold the same value.

use super::object::{vector_label, Effect, Object, StateObject, Update};
use super::observer::{check_converged, Observer, UpdateRecord};
use super::ops::{CausalDelivery, Stamped};
use super::service::CrdtService;
use super::types::{ReplicaId, SetUpdate, VersionVector};
use crate::shared_log::SharedLog;
use faultline_collections::VecMap;
use faultline_scenario::{
    ClientId, CrdtOperation, CrdtOutput, CrdtReplication, CrdtSpec, CrdtType, CrdtVariant, NodeId,
};
use faultline_sim::{
    ClientRequest, ClusterView, Colour, Importance, InvariantViolation, NodeView, Protocol, Routing, Tag,
};

/// A simulation of a CRDT scenario.
pub fn build(scenario: faultline_scenario::Scenario) -> Box<dyn faultline_sim::AnySimulation> {
    Box::new(super::explore::simulation(scenario))
}

type Context<'a> = faultline_sim::Context<'a, Crdt>;

faultline_sim::kinds! {
    /// Every node is a replica like the others.
    pub enum Role {
        Replica => ("replica", "R", "", "accepts updates and reads at once, converges with the others by gossip", Strong),
    }
}

faultline_sim::kinds! {
    /// A CRDT's messages.
    pub enum MessageKind {
        Operation => ("Operation", "O", "#8e44ad", "an update's effect, broadcast to every replica as it is made"),
        Sync => ("Sync", "S", "#16a085", "gossip: what the sender has (its state, or its vector)"),
        SyncReply => ("Sync reply", "s", "#48c9b0", "the answer to a sync: what the asker lacked, and what this replica has"),
        CatchUp => ("Catch-up", "C", "#1abc9c", "operation-based: the effects a sync's answer showed the peer lacks; the round's last message"),
    }
}

/// The one timer: gossip while a peer may lack something.
const SYNC_TIMER: u64 = 1;
/// Most effects one sync carries; the rest follow in later rounds.
pub const SYNC_EFFECTS_MAX: usize = 64;

/// What a replica sends along with its vector of delivered updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// Its whole state (state-based).
    State(StateObject),
    /// Effects the receiver has not confirmed, in the order they were
    /// applied here (a causal order).
    Effects(Vec<Stamped<Effect>>),
    /// Nothing the receiver lacks.
    Nothing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Operation-based: one update's effect, broadcast when it is made.
    Operation(Stamped<Effect>),
    /// Gossip, answered with a `SyncReply`.
    Sync {
        delivered: VersionVector,
        payload: Payload,
    },
    SyncReply {
        delivered: VersionVector,
        payload: Payload,
    },
    /// Operation-based: after a `SyncReply`, the effects its vector showed
    /// missing. Nothing answers it, so a round of gossip is at most three
    /// messages; the next round confirms it.
    CatchUp {
        delivered: VersionVector,
        effects: Vec<Stamped<Effect>>,
    },
}

/// A replica's disk: the object, and what it has delivered. Written on
/// every change, so a restarted replica loses nothing it acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replica {
    pub object: Object,
    /// Updates delivered here, by origin (how many of each replica's).
    pub delivered: VersionVector,
    /// Operation-based: causal delivery's bookkeeping.
    pub causal: CausalDelivery<Effect>,
    /// Operation-based: every effect applied here, in order, to offer
    /// peers (shared in chunks with the disk and the snapshots, not copied
    /// on every change).
    pub log: SharedLog<Stamped<Effect>>,
    /// The newest update made here, for the observer.
    pub last_update: Option<UpdateRecord>,
    /// Each client's last update applied here (by operation index): a
    /// request the network delivered twice is applied once.
    pub last_update_by_client: VecMap<ClientId, u32>,
}

impl Default for Replica {
    fn default() -> Self {
        Replica::new(CrdtType::GCounter, CrdtReplication::State, CrdtVariant::Correct)
    }
}

impl Replica {
    fn new(data_type: CrdtType, replication: CrdtReplication, variant: CrdtVariant) -> Replica {
        Replica {
            object: Object::new(data_type, replication, variant),
            delivered: VersionVector::new(),
            causal: CausalDelivery::default(),
            log: SharedLog::default(),
            last_update: None,
            last_update_by_client: VecMap::new(),
        }
    }
}

/// What a replica knows of one peer.
#[derive(Clone, Debug, Default)]
struct PeerKnowledge {
    /// The updates it confirmed having (from the vectors its messages carry).
    confirmed: VersionVector,
    /// Operation-based: it was sent a sync with only a vector and has not
    /// answered since. The next sync carries the effects it has not
    /// confirmed: over a link that works one way only, no answer comes.
    sync_unanswered: bool,
}

#[derive(Clone, Debug)]
pub struct Crdt {
    id: NodeId,
    spec: CrdtSpec,
    replica: Replica,
    /// The object's value, computed again after every change (the observer
    /// reads every replica's after every step).
    value: CrdtOutput,
    /// What this replica knows of each peer, by node number (a vector, not
    /// a map: each map type is code the page carries). Volatile.
    peers: Vec<PeerKnowledge>,
    /// Whether the sync timer is set.
    syncing: bool,
    updates_made: u64,
    merges: u64,
    duplicates_ignored: u64,
}

/// Whether `a` has every update `b` has.
fn dominates(a: &VersionVector, b: &VersionVector) -> bool {
    b.iter().all(|(replica, &count)| a.get(replica).copied().unwrap_or(0) >= count)
}

fn merge_vectors(into: &mut VersionVector, other: &VersionVector) {
    for (&replica, &count) in other {
        let mine = into.entry(replica).or_default();
        *mine = (*mine).max(count);
    }
}

impl Crdt {
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    pub fn gossip_interval_ticks(&self) -> u64 {
        self.spec.gossip_interval_ticks
    }

    pub fn data_type(&self) -> CrdtType {
        self.spec.data_type
    }

    /// What a read here returns now.
    pub fn value(&self) -> &CrdtOutput {
        &self.value
    }

    /// After the object changed.
    fn changed(&mut self, ctx: &mut Context) {
        self.value = self.replica.object.value();
        ctx.persist(self.replica.clone());
    }

    fn me(&self) -> ReplicaId {
        self.id.0
    }

    /// The replica's clock: true time, or with the skewed-clocks bug, node
    /// n's runs n × `clock_skew_ticks` ahead.
    fn clock_tick(&self, now_tick: u64) -> u64 {
        match self.spec.variant {
            CrdtVariant::SkewedClocks => now_tick + self.id.0 as u64 * self.spec.clock_skew_ticks,
            _ => now_tick,
        }
    }

    fn update(&mut self, ctx: &mut Context, update: Update) {
        let me = self.me();
        let record = UpdateRecord {
            origin: me,
            seq: self.replica.delivered.get(&me).copied().unwrap_or(0) + 1,
            true_tick: ctx.now_tick,
            update,
            past: self.replica.delivered.clone(),
        };
        let stamp_tick = self.clock_tick(ctx.now_tick);
        match &mut self.replica.object {
            Object::State(object) => {
                object.apply(me, stamp_tick, update);
                *self.replica.delivered.entry(me).or_default() += 1;
            }
            Object::Op(object) => {
                let Some(effect) = object.prepare(me, stamp_tick, update) else { return };
                object.effect(&effect);
                let stamped = self.replica.causal.stamp_own(me, effect);
                self.replica.log.push(stamped.clone());
                self.replica.delivered = self.replica.causal.applied.clone();
                ctx.broadcast(Message::Operation(stamped));
            }
        }
        debug_assert_eq!(self.replica.delivered.get(&me).copied(), Some(record.seq), "one update, counted once");
        self.replica.last_update = Some(record);
        self.updates_made += 1;
    }

    /// Take in what a peer sent, with the updates it holds (`theirs`).
    /// Returns whether anything changed here.
    fn take_in(&mut self, payload: Payload, theirs: &VersionVector) -> bool {
        match (payload, &mut self.replica.object) {
            (Payload::State(state), Object::State(mine)) => {
                // A state holds every update its vector counts, and a state
                // is a function of its updates: one with nothing new changes
                // nothing, unless merging it again counts it again.
                if dominates(&self.replica.delivered, theirs) && mine.merge_is_idempotent() {
                    return false;
                }
                self.merges += 1;
                mine.merge(&state);
                merge_vectors(&mut self.replica.delivered, theirs);
                true
            }
            (Payload::Effects(effects), Object::Op(_)) => {
                // Every effect is taken in, whether or not an earlier one changed anything.
                let mut changed = false;
                for stamped in effects {
                    changed |= self.receive_effect(stamped);
                }
                changed
            }
            _ => false,
        }
    }

    /// One effect arrived: apply it and any it unblocked, once each (or,
    /// with the no-duplicate-detection bug, again if it was applied before).
    fn receive_effect(&mut self, stamped: Stamped<Effect>) -> bool {
        let Object::Op(object) = &mut self.replica.object else { return false };
        if self.replica.causal.has_applied(&stamped) {
            if self.spec.variant == CrdtVariant::NoDuplicateDetection {
                object.effect(&stamped.effect);
                return true;
            }
            self.duplicates_ignored += 1;
            return false;
        }
        let ready = self.replica.causal.receive(stamped);
        for stamped in &ready {
            object.effect(&stamped.effect);
        }
        for stamped in &ready {
            self.replica.log.push(stamped.clone());
        }
        self.replica.delivered = self.replica.causal.applied.clone();
        // An early arrival waits: that changes the disk too.
        true
    }

    /// What a peer that confirmed `theirs` lacks.
    fn payload_for(&self, theirs: &VersionVector) -> Payload {
        if dominates(theirs, &self.replica.delivered) {
            return Payload::Nothing;
        }
        match &self.replica.object {
            Object::State(object) => Payload::State(object.clone()),
            Object::Op(_) => Payload::Effects(
                self.replica
                    .log
                    .iter()
                    .filter(|stamped| stamped.count() > theirs.get(&stamped.sender).copied().unwrap_or(0))
                    .take(SYNC_EFFECTS_MAX)
                    .cloned()
                    .collect(),
            ),
        }
    }

    /// What a sync to `peer` carries: the whole state (state-based); or
    /// only the vector, so that effects go once the peer's answer says
    /// which it lacks (what it confirmed may be old, and an effect a
    /// broadcast brought it since would reach it twice), unless the last
    /// such sync went unanswered: then the effects it has not confirmed.
    fn sync_payload(&mut self, peer: NodeId) -> Payload {
        if let Object::State(object) = &self.replica.object {
            return Payload::State(object.clone());
        }
        match std::mem::replace(&mut self.peer_mut(peer).sync_unanswered, true) {
            true => self.payload_for(self.confirmed_by(peer)),
            false => Payload::Nothing,
        }
    }

    /// Operation-based: a peer's answer to a sync says what it has; give it
    /// at once the effects it lacks in a `CatchUp` (the next round confirms
    /// them). By everything it confirmed so far, its answer included: an
    /// older answer arriving late would otherwise send effects again.
    fn pass_on_effects_lacked(&mut self, ctx: &mut Context, peer: NodeId) {
        self.peer_mut(peer).sync_unanswered = false;
        if matches!(self.replica.object, Object::Op(_)) {
            if let Payload::Effects(effects) = self.payload_for(self.confirmed_by(peer)) {
                ctx.send(peer, Message::CatchUp { delivered: self.replica.delivered.clone(), effects });
            }
        }
    }

    fn confirm(&mut self, peer: NodeId, delivered: &VersionVector) {
        merge_vectors(&mut self.peer_mut(peer).confirmed, delivered);
    }

    /// What this replica knows of `peer` (a node beyond the count it was
    /// made with, should one join, is added).
    fn peer_mut(&mut self, peer: NodeId) -> &mut PeerKnowledge {
        let at = peer.0 as usize;
        if at >= self.peers.len() {
            self.peers.resize(at + 1, PeerKnowledge::default());
        }
        &mut self.peers[at]
    }

    /// What `peer` confirmed having (nothing, if it never said).
    fn confirmed_by(&self, peer: NodeId) -> &VersionVector {
        static NOTHING: VersionVector = VersionVector::new();
        self.peers.get(peer.0 as usize).map_or(&NOTHING, |known| &known.confirmed)
    }

    /// Peers that have not confirmed everything this replica has.
    fn peers_behind(&self, ctx: &Context) -> Vec<NodeId> {
        ctx.peers().filter(|&peer| !dominates(self.confirmed_by(peer), &self.replica.delivered)).collect()
    }

    /// Gossip while a peer may lack something; fall silent otherwise.
    fn keep_syncing(&mut self, ctx: &mut Context) {
        let behind = !self.peers_behind(ctx).is_empty();
        if behind && !self.syncing {
            ctx.set_timer(SYNC_TIMER, self.spec.gossip_interval_ticks);
        } else if !behind && self.syncing {
            ctx.cancel_timer(SYNC_TIMER);
        }
        self.syncing = behind;
    }
}

impl Protocol for Crdt {
    type Config = CrdtSpec;
    type Service = CrdtService;
    type Message = Message;
    type MessageKind = MessageKind;
    type Role = Role;
    type Durable = Replica;
    type Ghost = Observer;

    fn new(node: NodeId, node_count: u32, spec: &CrdtSpec) -> Self {
        let replica = Replica::new(spec.data_type, spec.replication, spec.variant);
        Crdt {
            id: node,
            spec: spec.clone(),
            value: replica.object.value(),
            replica,
            peers: vec![PeerKnowledge::default(); node_count as usize],
            syncing: false,
            updates_made: 0,
            merges: 0,
            duplicates_ignored: 0,
        }
    }

    /// A client keeps to one replica: it reads its own writes there, and a
    /// retried update is recognised there and applied once.
    fn client_routing(_spec: &CrdtSpec) -> Routing {
        Routing::Home
    }

    fn initial_durable(_node: NodeId, spec: &CrdtSpec) -> Replica {
        Replica::new(spec.data_type, spec.replication, spec.variant)
    }

    fn on_start(&mut self, ctx: &mut Context, durable: &Replica) {
        self.replica = durable.clone();
        self.value = self.replica.object.value();
        // What peers confirmed was volatile: ask them again.
        self.keep_syncing(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context, from: NodeId, message: Message) {
        let how = match &message {
            Message::Operation(_) => "applied an operation from",
            Message::Sync { payload: Payload::State(_), .. }
            | Message::SyncReply { payload: Payload::State(_), .. } => "merged the state of",
            Message::Sync { .. } | Message::SyncReply { .. } | Message::CatchUp { .. } => {
                "applied operations passed on by"
            }
        };
        let changed = match message {
            Message::Operation(stamped) => {
                self.confirm(from, &stamped.clock);
                self.receive_effect(stamped)
            }
            Message::Sync { delivered, payload } => {
                self.confirm(from, &delivered);
                let changed = self.take_in(payload, &delivered);
                let reply = self.payload_for(&delivered);
                ctx.send(from, Message::SyncReply { delivered: self.replica.delivered.clone(), payload: reply });
                changed
            }
            Message::SyncReply { delivered, payload } => {
                self.confirm(from, &delivered);
                let changed = self.take_in(payload, &delivered);
                self.pass_on_effects_lacked(ctx, from);
                changed
            }
            Message::CatchUp { delivered, effects } => {
                self.confirm(from, &delivered);
                self.take_in(Payload::Effects(effects), &delivered)
            }
        };
        if changed {
            let before = std::mem::replace(&mut self.value, CrdtOutput::Done);
            self.changed(ctx);
            if self.value != before {
                let words = format!("{} {how} {from}: {before} → {}", self.id, self.value);
                ctx.narrate(Importance::Detail, words);
            }
        }
        self.keep_syncing(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Context, _timer: u64) {
        self.syncing = false;
        let mut behind = self.peers_behind(ctx);
        for _ in 0..self.spec.gossip_fan_out.min(behind.len() as u32) {
            let peer = behind.swap_remove(ctx.rng.index(behind.len()));
            let payload = self.sync_payload(peer);
            ctx.send(peer, Message::Sync { delivered: self.replica.delivered.clone(), payload });
        }
        self.keep_syncing(ctx);
    }

    fn on_client_request(&mut self, ctx: &mut Context, request: ClientRequest<CrdtOperation>) {
        match Update::of(&request.operation) {
            None => ctx.reply(request.id, self.value.clone()),
            Some(_)
                if self.replica.last_update_by_client.get(&request.id.client) >= Some(&request.id.operation_index) =>
            {
                // A duplicate of a request applied already: answer again.
                ctx.reply(request.id, CrdtOutput::Done);
            }
            Some(update) => {
                self.replica.last_update_by_client.insert(request.id.client, request.id.operation_index);
                self.update(ctx, update);
                self.changed(ctx);
                ctx.reply(request.id, CrdtOutput::Done);
                self.keep_syncing(ctx);
            }
        }
    }

    fn message_kind(message: &Message) -> MessageKind {
        match message {
            Message::Operation(_) => MessageKind::Operation,
            Message::Sync { .. } => MessageKind::Sync,
            Message::SyncReply { .. } => MessageKind::SyncReply,
            Message::CatchUp { .. } => MessageKind::CatchUp,
        }
    }

    fn message_label(message: &Message) -> String {
        match message {
            Message::Operation(stamped) => {
                format!("Op {} {}", effect_label(&stamped.effect), vector_label(&stamped.clock))
            }
            Message::Sync { delivered, payload } => {
                format!("Sync {}{}", vector_label(delivered), payload_label(payload))
            }
            Message::SyncReply { delivered, payload } => {
                format!("Sync reply {}{}", vector_label(delivered), payload_label(payload))
            }
            Message::CatchUp { delivered, effects } => {
                format!("Catch-up {} + {} ops", vector_label(delivered), effects.len())
            }
        }
    }

    fn timer_label(_timer: u64) -> String {
        "gossip".to_string()
    }

    fn ghost_summary(observer: &Observer) -> Vec<(String, u64)> {
        vec![("updates made".to_string(), observer.updates_made())]
    }

    /// Whether the replicas that are up agree, and on what.
    fn observe(_observer: &Observer, cluster: &ClusterView<Self>) -> Vec<(String, String)> {
        vec![("replicas".to_string(), super::observer::agreement(cluster))]
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

    fn observer_milestone(observer: &mut Observer, now_tick: u64, cluster: &ClusterView<Self>) -> Option<String> {
        observer.convergence_milestone(now_tick, cluster)
    }

    fn quiet_properties() -> &'static [&'static str] {
        &["every replica holds the same updates and the same value"]
    }

    fn check_quiet(_observer: &Observer, cluster: &ClusterView<Self>) -> Result<(), InvariantViolation> {
        check_converged(cluster)
    }

    fn replicas_agree(cluster: &ClusterView<Self>) -> Option<bool> {
        Some(check_converged(cluster).is_ok())
    }

    fn role_style(&self) -> faultline_sim::Style {
        use faultline_sim::Kinds as _;
        Role::Replica.style()
    }

    fn view(&self) -> NodeView {
        let value = self.value.to_string();
        let mut fields = vec![
            ("value".to_string(), value.clone()),
            ("delivered".to_string(), vector_label(&self.replica.delivered)),
            ("state".to_string(), self.replica.object.describe()),
            ("updates made here".to_string(), self.updates_made.to_string()),
        ];
        match self.spec.replication {
            CrdtReplication::State => fields.push(("merges".to_string(), self.merges.to_string())),
            CrdtReplication::Operation => {
                fields.push(("effects logged".to_string(), self.replica.log.len().to_string()));
                fields.push(("duplicates ignored".to_string(), self.duplicates_ignored.to_string()));
            }
        }
        for (peer, known) in self.peers.iter().enumerate().filter(|(_, known)| !known.confirmed.is_empty()) {
            fields.push((format!("{} confirmed", NodeId(peer as u32)), vector_label(&known.confirmed)));
        }
        let waiting = self.replica.causal.waiting.len();
        NodeView {
            colour: Some(value_colour(&value)),
            fields,
            caption: value,
            waiting: (waiting > 0).then(|| format!("holds {waiting} operation(s) until their causes arrive")),
            ..NodeView::new(Role::Replica)
        }
    }

    /// A replica is marked diverged while another up replica holds a
    /// different value (colours alone could look alike).
    fn annotate_view(_observer: &Observer, cluster: &ClusterView<Self>, node: NodeId, view: &mut NodeView) {
        let Some(me) = cluster.node(node) else { return };
        let others: Vec<String> = cluster
            .up_nodes()
            .filter(|(_, other)| other.value() != me.value())
            .map(|(other_node, other)| format!("{other_node} holds {}", other.value()))
            .collect();
        if !others.is_empty() {
            view.tags.push(Tag {
                name: "diverged",
                text: "diverged".to_string(),
                colour: None,
                title: format!("{node} holds {}, but {}: not converged (yet)", me.value(), others.join(", ")),
            });
        }
    }

    fn durable_view(replica: &Replica) -> String {
        format!("{} (delivered {})", replica.object.value(), vector_label(&replica.delivered))
    }
}

/// A colour per value: replicas that agree look alike. (Two values may
/// look alike too: the observer marks diverged replicas as such.)
fn value_colour(value: &str) -> Colour {
    let hash =
        value.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ byte as u64).wrapping_mul(0x100_0000_01b3));
    Colour::Hue((hash % 360) as u16)
}

fn effect_label(effect: &Effect) -> String {
    match effect {
        Effect::Count(by) => format!("{by:+}"),
        Effect::Element(Some(SetUpdate::Add(element))) => format!("add {element}"),
        Effect::Element(Some(SetUpdate::Remove(element))) => format!("remove {element}"),
        Effect::Element(None) => "nothing".to_string(),
        Effect::OrSet(super::ops::OrSetEffect::Add { element, tag }) => format!("add {element} #{}.{}", tag.0, tag.1),
        Effect::OrSet(super::ops::OrSetEffect::Remove { element, tags }) => {
            format!("remove {element} ({} tags)", tags.len())
        }
        Effect::Lww(((tick, replica), value)) => format!("write {value} @{tick}.{replica}"),
        Effect::Mv((version, value)) => format!("write {value} [{}]", vector_label(version)),
    }
}

fn payload_label(payload: &Payload) -> String {
    match payload {
        Payload::State(_) => " + state".to_string(),
        Payload::Effects(effects) => format!(" + {} ops", effects.len()),
        Payload::Nothing => String::new(),
    }
}
