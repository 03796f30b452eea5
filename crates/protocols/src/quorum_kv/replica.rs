//! A node as a replica: what it stores and answers, anti-entropy with the
//! other replicas of its keys, and hand-off of what it holds for others.

use super::version::Siblings;
use super::{Context, Hint, Message, QuorumKv, Version};
use faultline_scenario::{NodeId, QuorumKvVariant};

/// Most keys one digest or digest reply carries: every key a scenario may
/// have, so a digest is never cut short (a reply adds the shared keys a
/// digest left out, which a cut-short digest would never stop doing).
pub const DIGEST_KEYS_MAX: usize = faultline_scenario::KEYS_MAX as usize;

impl QuorumKv {
    /// A key's versions as a read here sees them: as a replica, and what
    /// it holds for others (a stand-in answers with its hints).
    pub(super) fn versions_held(&self, key: u32) -> Siblings {
        let mut versions = self.disk.versions(key).cloned().unwrap_or_default();
        for hint in self.disk.hints.iter().filter(|hint| hint.key == key) {
            versions.merge(&hint.versions, self.spec.conflicts);
        }
        versions
    }

    /// Store a coordinator's write: as a replica, or as a hint for the
    /// replica this node stands in for.
    pub(super) fn store_write(&mut self, ctx: &mut Context, key: u32, version: &Version, hint_for: Option<NodeId>) {
        match hint_for {
            Some(owner) if owner != self.id => {
                self.counters.hints_stored += 1;
                self.hold_for(owner, key, &Siblings::one(version.clone()));
                ctx.persist(self.disk.clone());
                self.schedule_peer_work(ctx);
            }
            _ => self.take_versions(ctx, key, &Siblings::one(version.clone())),
        }
    }

    /// Take in versions of a key: as a replica (persisted, and its
    /// co-replicas to be compared with), or, when the ring says this node
    /// holds the key no longer, as hints for its replicas.
    pub(super) fn take_versions(&mut self, ctx: &mut Context, key: u32, versions: &Siblings) {
        if !self.is_replica_of(key) {
            for owner in self.replicas_of(key) {
                self.hold_for(owner, key, versions);
            }
            ctx.persist(self.disk.clone());
            self.schedule_peer_work(ctx);
            return;
        }
        if self.disk.versions_mut(key).merge(versions, self.spec.conflicts) {
            ctx.persist(self.disk.clone());
            self.changed(ctx, key);
        }
    }

    /// A key changed here: its other replicas may lack it.
    fn changed(&mut self, ctx: &mut Context, key: u32) {
        self.changes += 1;
        for replica in self.replicas_of(key) {
            if replica != self.id {
                if let Err(at) = self.unconfirmed.binary_search(&replica) {
                    self.unconfirmed.insert(at, replica);
                }
            }
        }
        self.schedule_peer_work(ctx);
    }

    /// Keep versions for `owner` (merged with any already kept for it).
    fn hold_for(&mut self, owner: NodeId, key: u32, versions: &Siblings) {
        let conflicts = self.spec.conflicts;
        match self.disk.hints.iter_mut().find(|hint| hint.for_node == owner && hint.key == key) {
            Some(hint) => {
                hint.versions.merge(versions, conflicts);
            }
            None => self.disk.hints.push(Hint { for_node: owner, key, versions: versions.clone() }),
        }
    }

    /// After the ring changed (or at start): keys this node is no longer a
    /// replica of become hints for their replicas, and hints for a node no
    /// longer a replica of their key go to the key's replicas (this one
    /// included, when it is one). Persists when anything moved.
    pub(super) fn rehome(&mut self, ctx: &mut Context) {
        let mut moved = false;
        let keys = std::mem::take(&mut self.disk.keys);
        for (key, versions) in keys {
            match self.is_replica_of(key) {
                true => self.disk.keys.push((key, versions)),
                false => {
                    moved = true;
                    for owner in self.replicas_of(key) {
                        self.hold_for(owner, key, &versions);
                    }
                }
            }
        }
        let hints = std::mem::take(&mut self.disk.hints);
        for hint in hints {
            let replicas = self.replicas_of(hint.key);
            if replicas.contains(&hint.for_node) && hint.for_node != self.id {
                self.disk.hints.push(hint);
                continue;
            }
            moved = true;
            for owner in replicas {
                match owner == self.id {
                    true => {
                        self.disk.versions_mut(hint.key).merge(&hint.versions, self.spec.conflicts);
                    }
                    false => self.hold_for(owner, hint.key, &hint.versions),
                }
            }
        }
        if moved {
            self.changes += 1;
            ctx.persist(self.disk.clone());
        }
    }

    /// Every interval while there is work: a digest to each peer that may
    /// differ, and each hint to its owner (unless hints are never handed
    /// off, the planted bug).
    pub(super) fn do_peer_work(&mut self, ctx: &mut Context) {
        // A message from before a change of membership may have named a
        // node that has left since: its hints go to the key's replicas now,
        // and it is compared with no more.
        self.rehome(ctx);
        let members = ctx.members();
        self.unconfirmed.retain(|peer| members.contains(peer));
        for peer in self.unconfirmed.clone() {
            let digests: Vec<(u32, u64)> = self
                .disk
                .keys
                .iter()
                .filter(|(key, _)| self.replicas_of(*key).contains(&peer))
                .take(DIGEST_KEYS_MAX)
                .map(|(key, versions)| (*key, versions.digest()))
                .collect();
            ctx.send(peer, Message::Digest { digests, as_of: self.changes });
        }
        if self.spec.variant != QuorumKvVariant::HintsNeverHandedOff {
            for hint in &self.disk.hints {
                self.counters.hand_offs_sent += 1;
                ctx.send(hint.for_node, Message::Handoff { key: hint.key, versions: hint.versions.clone() });
            }
        }
        self.schedule_peer_work(ctx);
    }

    /// A peer's digest: answer with this node's versions of every key they
    /// share whose digest differs, or that the digest left out.
    pub(super) fn on_digest(&mut self, ctx: &mut Context, from: NodeId, digests: &[(u32, u64)], as_of: u64) {
        let mut versions: Vec<(u32, Siblings)> = Vec::new();
        for &(key, digest) in digests {
            let mine = self.disk.versions(key).cloned().unwrap_or_default();
            if mine.digest() != digest {
                versions.push((key, mine));
            }
        }
        // The digest lists keys in order: each lookup is a binary search.
        for (key, mine) in &self.disk.keys {
            let listed = digests.binary_search_by_key(key, |(listed, _)| *listed).is_ok();
            if !listed && self.replicas_of(*key).contains(&from) {
                versions.push((*key, mine.clone()));
            }
        }
        versions.truncate(DIGEST_KEYS_MAX);
        ctx.send(from, Message::DigestReply { versions, as_of });
    }

    /// A digest's answer: agreement (as of the digest, with nothing changed
    /// here since) confirms the peer; otherwise take in its versions and
    /// push back what it lacks, and compare again next round.
    pub(super) fn on_digest_reply(
        &mut self,
        ctx: &mut Context,
        from: NodeId,
        versions: Vec<(u32, Siblings)>,
        as_of: u64,
    ) {
        if versions.is_empty() && as_of == self.changes {
            if let Ok(at) = self.unconfirmed.binary_search(&from) {
                self.unconfirmed.remove(at);
            }
            self.schedule_peer_work(ctx);
            return;
        }
        for (key, theirs) in versions {
            self.take_versions(ctx, key, &theirs);
            let mine = self.disk.versions(key).cloned().unwrap_or_default();
            if mine.digest() != theirs.digest() && !mine.is_empty() {
                self.counters.repairs_sent += 1;
                ctx.send(from, Message::Repair { key, versions: mine });
            }
        }
        if let Err(at) = self.unconfirmed.binary_search(&from) {
            self.unconfirmed.insert(at, from);
        }
        self.schedule_peer_work(ctx);
    }

    /// The owner took a hint: forget it, unless it changed since.
    pub(super) fn on_handoff_ack(&mut self, ctx: &mut Context, from: NodeId, key: u32, digest: u64) {
        let before = self.disk.hints.len();
        self.disk.hints.retain(|hint| !(hint.for_node == from && hint.key == key && hint.versions.digest() == digest));
        if self.disk.hints.len() != before {
            ctx.persist(self.disk.clone());
        }
        self.schedule_peer_work(ctx);
    }
}
