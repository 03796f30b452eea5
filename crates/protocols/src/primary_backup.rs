//! A primary–backup replicated key-value store.
//!
//! Node 0 is the primary. It applies each update (write or append),
//! persists it, replies to the client at once, and only then replicates the
//! key's new values to the backups, without waiting for them (asynchronous
//! replication). Backups forward updates they receive to the primary. Every
//! node serves reads from its own copy.
//!
//! That is what makes it a good first protocol: small, and wrong in a way a
//! learner can see. A read at a backup that has not yet received a write the
//! primary acknowledged returns an old value (a stale read, so the history is
//! not linearizable); a primary cut off from its backups keeps acknowledging
//! writes nobody else has. There is no failover: while the primary is down,
//! updates fail (clients time out and retry), reads still work. Retried
//! and duplicated updates are applied once (the primary remembers each
//! client's last update), so those are not among its flaws.

use crate::kv::KeyValueService;
use faultline_collections::VecMap;
use faultline_scenario::{ClientId, KvOperation, KvOutput, NodeId};
use faultline_sim::{ClientRequest, NodeView, Protocol};
use std::fmt::Write as _;
use std::rc::Rc;

/// A simulation of a primary–backup scenario.
pub fn build(scenario: faultline_scenario::Scenario) -> Box<dyn faultline_sim::AnySimulation> {
    let service = KeyValueService::new(&scenario.workload);
    Box::new(faultline_sim::Simulation::<PrimaryBackup>::new(scenario, (), service))
}

/// A primary–backup node's view of the simulator during one step.
type Context<'a> = faultline_sim::Context<'a, PrimaryBackup>;

faultline_sim::kinds! {
    /// What a node is, for good: node 0 is the primary.
    pub enum Role {
        Primary => ("primary", "P", "", "orders and applies every update, then replicates it", Strong),
        Backup => ("backup", "B", "", "serves reads from its copy, forwards updates to the primary"),
    }
}

faultline_sim::kinds! {
    /// Primary–backup's messages.
    pub enum MessageKind {
        Replicate => ("Replicate", "R", "#3867d6", "the primary sends a key's new values to a backup"),
        Forward => ("Forward", "F", "#6c8ebf", "a backup passes a client's update to the primary"),
    }
}

/// The primary, by convention.
pub const PRIMARY: NodeId = NodeId(0);

/// A key's values with the primary's version number: the version orders
/// updates, so a backup never goes back to older values when messages are
/// reordered or duplicated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// Shared, not copied: the store is persisted (cloned) on every update,
    /// and each `Replicate` carries the list.
    pub values: Rc<[u64]>,
    pub version: u64,
}

/// The values of every key. Persisted on every change: a node that
/// restarts keeps what it had.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    pub entries: VecMap<u32, Versioned>,
    /// The primary's record of the last update it applied for each client
    /// (by operation index), so a retried or duplicated update is applied
    /// once: an append applied twice would show in every later read.
    pub last_update_by_client: VecMap<ClientId, u32>,
}

impl Store {
    fn highest_version(&self) -> u64 {
        self.entries.values().map(|v| v.version).max().unwrap_or(0)
    }

    /// Take a key's values if they are newer than what we have. Returns
    /// whether they were.
    fn apply(&mut self, key: u32, incoming: Versioned) -> bool {
        match self.entries.get(&key) {
            Some(current) if current.version >= incoming.version => false,
            _ => {
                self.entries.insert(key, incoming);
                true
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Primary → backup: this key now has these values. The whole list, not
    /// the update, so a backup that missed an update still converges.
    Replicate { key: u32, values: Rc<[u64]>, version: u64 },
    /// Backup → primary: a client's update, to be applied and answered by the primary.
    Forward { request: ClientRequest<KvOperation> },
}

#[derive(Clone, Debug)]
pub struct PrimaryBackup {
    id: NodeId,
    store: Store,
    /// The version the primary gives its next write.
    next_version: u64,
    updates_applied: u64,
    reads_served: u64,
}

impl PrimaryBackup {
    pub fn is_primary(&self) -> bool {
        self.id == PRIMARY
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The primary applies an update, answers the client, then replicates.
    fn update_as_primary(&mut self, ctx: &mut Context, request: &ClientRequest<KvOperation>) {
        debug_assert!(self.is_primary(), "only the primary orders updates");
        let client = request.id.client;
        if self.store.last_update_by_client.get(&client).is_some_and(|&last| last >= request.id.operation_index) {
            // A retry of an update already applied, or a duplicated forward
            // (or an abandoned one overtaken by the client's next update):
            // answer again, apply nothing.
            ctx.reply(request.id, KvOutput::WriteOk);
            return;
        }
        let (key, values) = match request.operation {
            KvOperation::Write { key, value } => (key, Rc::from([value])),
            KvOperation::Append { key, value } => {
                let old: &[u64] = self.store.entries.get(&key).map_or(&[], |v| &v.values);
                (key, old.iter().copied().chain([value]).collect())
            }
            KvOperation::Read { .. } => unreachable!("reads are served where they arrive"),
        };
        let version = self.next_version;
        self.next_version += 1;
        let applied = self.store.apply(key, Versioned { values: values.clone(), version });
        assert!(applied, "the primary's versions only grow");
        self.store.last_update_by_client.insert(client, request.id.operation_index);
        self.updates_applied += 1;
        ctx.persist(self.store.clone());
        ctx.reply(request.id, KvOutput::WriteOk);
        ctx.broadcast(Message::Replicate { key, values, version });
    }
}

impl Protocol for PrimaryBackup {
    type Config = ();
    type Service = KeyValueService;
    type Message = Message;
    type MessageKind = MessageKind;
    type Role = Role;
    type Durable = Store;
    type Ghost = ();

    fn new(node: NodeId, _node_count: u32, _config: &()) -> Self {
        PrimaryBackup { id: node, store: Store::default(), next_version: 1, updates_applied: 0, reads_served: 0 }
    }

    /// Every node that is up holds the same values of every key.
    fn replicas_agree(cluster: &faultline_sim::ClusterView<Self>) -> Option<bool> {
        let mut stores = cluster.up_nodes().map(|(_, node)| node.store.entries.iter().map(|(k, v)| (k, &v.values)));
        let first: Vec<_> = stores.next()?.collect();
        Some(stores.all(|store| store.eq(first.iter().copied())))
    }

    fn on_start(&mut self, _ctx: &mut Context, durable: &Store) {
        self.store = durable.clone();
        self.next_version = self.store.highest_version() + 1;
    }

    fn on_message(&mut self, ctx: &mut Context, _from: NodeId, message: Message) {
        match message {
            Message::Replicate { key, values, version } => {
                if self.store.apply(key, Versioned { values, version }) {
                    ctx.persist(self.store.clone());
                }
            }
            Message::Forward { request } => match self.is_primary() && request.operation.is_update() {
                true => self.update_as_primary(ctx, &request),
                // Only updates are forwarded, and only to the primary.
                false => ctx.reply(request.id, KvOutput::Refused),
            },
        }
    }

    fn on_timer(&mut self, _ctx: &mut Context, _timer: u64) {
        // Primary–backup sets no timers.
    }

    fn on_client_request(&mut self, ctx: &mut Context, request: ClientRequest<KvOperation>) {
        match request.operation {
            KvOperation::Read { key } => {
                self.reads_served += 1;
                let values = self.store.entries.get(&key).map_or(Vec::new(), |v| v.values.to_vec());
                ctx.reply(request.id, KvOutput::Value(values));
            }
            KvOperation::Write { .. } | KvOperation::Append { .. } if self.is_primary() => {
                self.update_as_primary(ctx, &request)
            }
            KvOperation::Write { .. } | KvOperation::Append { .. } => ctx.send(PRIMARY, Message::Forward { request }),
        }
    }

    fn message_kind(message: &Message) -> MessageKind {
        match message {
            Message::Replicate { .. } => MessageKind::Replicate,
            Message::Forward { .. } => MessageKind::Forward,
        }
    }

    fn message_label(message: &Message) -> String {
        match message {
            Message::Replicate { key, values, version } => {
                let mut label = format!("Replicate k{key}=");
                let _ = faultline_scenario::write_values(&mut label, values);
                let _ = write!(label, " v{version}");
                label
            }
            Message::Forward { request } => format!("Forward {}", request.operation),
        }
    }

    fn role_style(&self) -> faultline_sim::Style {
        use faultline_sim::Kinds as _;
        if self.is_primary() { Role::Primary } else { Role::Backup }.style()
    }

    fn view(&self) -> NodeView {
        let mut fields = vec![
            ("updates applied".to_string(), self.updates_applied.to_string()),
            ("reads served".to_string(), self.reads_served.to_string()),
        ];
        for (key, v) in &self.store.entries {
            fields.push((format!("k{key}"), format!("{} (v{})", values_label(&v.values), v.version)));
        }
        let role = if self.is_primary() { Role::Primary } else { Role::Backup };
        NodeView { fields, ..NodeView::new(role) }
    }

    fn durable_view(durable: &Store) -> String {
        if durable.entries.is_empty() {
            return "empty".to_string();
        }
        let entries: Vec<String> =
            durable.entries.iter().map(|(k, v)| format!("k{k}={} (v{})", values_label(&v.values), v.version)).collect();
        entries.join(", ")
    }
}

/// A key's values as a read shows them: "3", or "3 5 7" after appends.
fn values_label(values: &[u64]) -> String {
    let mut label = String::new();
    let _ = faultline_scenario::write_values(&mut label, values);
    label
}
