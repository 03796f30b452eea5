//! The scenario's actions: faults (crashes, restarts, pauses, partitions
//! and cut links, message faults), manual steps, membership changes and
//! scripted client requests. Each is checked against the run as it is (an
//! action naming a node that does not exist, or a message no longer in
//! flight, does nothing and says so in its note) and carried out here, but
//! for what touches the protocol's typed state: that is left to the world
//! as a [`FollowUp`].

use super::{Environment, Event, NodeSlot, PayloadSlot, StepScratch, CLASS_FORCED, CLASS_NORMAL};
use crate::protocol::MEMBERSHIP_CHANGED_TIMER;
use crate::trace::Endpoint;
use crate::world::{NodeStatus, NODES_MAX};
use faultline_scenario::{Action, ClientId, ClientOperation, Link, NodeId};

/// What an action leaves for the world to do with the protocol's state.
pub(crate) enum FollowUp<'a> {
    Nothing,
    /// The node went down (crashed, crash-stopped or left): its volatile
    /// state is lost.
    NodeDown(NodeId),
    /// The node restarts from its disk.
    Restart(NodeId),
    /// A node joined, with a fresh disk; it starts at its next step.
    NodeJoined(NodeId),
    /// A message was dropped: its payload goes too.
    PayloadDropped(PayloadSlot),
    /// A message was duplicated: the copy carries the same payload.
    PayloadCopied {
        original: PayloadSlot,
        copy: PayloadSlot,
    },
    /// A scripted request: the client sends `operation` to `node`, if it is
    /// one of the protocol's operations.
    Request {
        client: ClientId,
        node: NodeId,
        operation: &'a ClientOperation,
    },
}

impl Environment {
    /// Count an action and begin its step, at the node or client it is
    /// about (if that exists), or nowhere in particular.
    pub(crate) fn begin_action(&mut self, action: &Action) -> StepScratch {
        self.stats.actions_applied += 1;
        if action.is_fault() {
            self.stats.faults_applied += 1;
        }
        let process = match action {
            Action::Crash { node }
            | Action::CrashStop { node }
            | Action::Restart { node }
            | Action::Pause { node, .. }
            | Action::FireTimer { node, .. }
                if node.0 < self.node_count() =>
            {
                Some(Endpoint::Node(*node))
            }
            Action::ClientRequest { client, .. } if (client.0 as usize) < self.clients.len() => {
                Some(Endpoint::Client(*client))
            }
            _ => None,
        };
        self.begin(process, None)
    }

    /// Carry out an action. Returns its note, which explains an action that
    /// did nothing or something unexpected and is empty otherwise, and what
    /// is left for the world to do. `membership_changes`: whether the
    /// protocol lets nodes join and leave.
    pub(crate) fn apply_action<'a>(
        &mut self,
        action: &'a Action,
        scratch: &mut StepScratch,
        membership_changes: bool,
    ) -> (String, FollowUp<'a>) {
        let node_count = self.node_count();
        let valid_node = |n: &NodeId| n.0 < node_count;
        if let Some(node) = action.node().filter(|n| valid_node(n)) {
            if self.nodes[node.0 as usize].status == NodeStatus::Removed {
                return (format!("{node} left the cluster: nothing happened"), FollowUp::Nothing);
            }
        }
        let noted = |note: String| (note, FollowUp::Nothing);
        let done = |follow_up: FollowUp<'a>| (String::new(), follow_up);
        match action {
            Action::Crash { node }
            | Action::CrashStop { node }
            | Action::Restart { node }
            | Action::Pause { node, .. }
                if !valid_node(node) =>
            {
                noted(format!("there is no {node}: nothing happened"))
            }
            Action::Crash { node } => match self.nodes[node.0 as usize].status {
                NodeStatus::Up => {
                    self.take_down(*node, NodeStatus::Crashed);
                    done(FollowUp::NodeDown(*node))
                }
                _ => noted(format!("{node} is already down")),
            },
            Action::CrashStop { node } => match self.nodes[node.0 as usize].status {
                NodeStatus::Stopped => noted(format!("{node} is already crash-stopped")),
                _ => {
                    self.take_down(*node, NodeStatus::Stopped);
                    done(FollowUp::NodeDown(*node))
                }
            },
            Action::Restart { node } => match self.nodes[node.0 as usize].status {
                NodeStatus::Crashed => done(FollowUp::Restart(*node)),
                NodeStatus::Stopped => noted(format!("{node} crash-stopped: it never comes back")),
                NodeStatus::Up => noted(format!("{node} is running: nothing to restart")),
                NodeStatus::Removed => noted(format!("{node} left the cluster: nothing happened")),
            },
            Action::Pause { node, ticks } => noted(self.pause(*node, *ticks)),
            Action::Isolate { node } | Action::Reconnect { node } if !valid_node(node) => {
                noted(format!("there is no {node}: nothing happened"))
            }
            Action::CutLink { from, to } | Action::RepairLink { from, to } if !valid_node(from) || !valid_node(to) => {
                noted(format!("there is no link {from}→{to}: nothing happened"))
            }
            Action::CutLinks { links } | Action::RepairLinks { links }
                if links.iter().any(|link| !valid_node(&link.0) || !valid_node(&link.1)) =>
            {
                noted("a link names a node that does not exist: nothing happened".to_string())
            }
            Action::Partition { .. }
            | Action::Heal
            | Action::Isolate { .. }
            | Action::Reconnect { .. }
            | Action::CutLink { .. }
            | Action::RepairLink { .. }
            | Action::CutLinks { .. }
            | Action::RepairLinks { .. } => {
                self.change_links(action);
                done(FollowUp::Nothing)
            }
            Action::DropMessage { message } => match self.drop_message(*message) {
                Ok((note, slot)) => (note, FollowUp::PayloadDropped(slot)),
                Err(note) => noted(note),
            },
            Action::DuplicateMessage { message } => match self.duplicate_message(*message, scratch) {
                Ok((copy_id, original, copy)) => {
                    (format!("{message} duplicated as {copy_id}"), FollowUp::PayloadCopied { original, copy })
                }
                Err(note) => noted(note),
            },
            Action::DelayMessage { message, ticks } => noted(self.delay_message(*message, *ticks)),
            Action::DeliverMessage { message } => noted(self.deliver_message_now(*message)),
            Action::FireTimer { node, timer } => {
                let Some(key) = self.nodes.get(node.0 as usize).and_then(|slot| slot.timers.get(timer)).copied() else {
                    return noted(format!("{node} has no timer {timer} set: nothing to fire"));
                };
                self.queue.remove(&key);
                let new_key = self.schedule(self.now_tick, CLASS_FORCED, Event::Timer { node: *node, timer: *timer });
                self.nodes[node.0 as usize].timers.insert(*timer, new_key);
                done(FollowUp::Nothing)
            }
            Action::AddNode => match self.add_node(membership_changes) {
                Ok(node) => (format!("{node} joins the cluster"), FollowUp::NodeJoined(node)),
                Err(note) => noted(note),
            },
            Action::RemoveNode { node } => match self.remove_node(*node, membership_changes) {
                Ok(()) => (format!("{node} leaves the cluster"), FollowUp::NodeDown(*node)),
                Err(note) => noted(note),
            },
            Action::ClientRequest { client, node, .. }
                if client.0 as usize >= self.clients.len() || !valid_node(node) =>
            {
                noted(format!("there is no {client} or no {node}: nothing happened"))
            }
            Action::ClientRequest { client, node, operation } => {
                done(FollowUp::Request { client: *client, node: *node, operation })
            }
        }
    }

    /// A node (that exists) takes no steps for `ticks`. Returns the note.
    fn pause(&mut self, node: NodeId, ticks: u64) -> String {
        let slot = &mut self.nodes[node.0 as usize];
        if slot.status != NodeStatus::Up {
            return format!("{node} is down: a down node cannot pause");
        }
        slot.paused_until_tick = slot.paused_until_tick.max(self.now_tick + ticks);
        format!("{node} takes no steps until tick {}", slot.paused_until_tick)
    }

    /// Cut or repair links as a network action (whose nodes exist) says.
    fn change_links(&mut self, action: &Action) {
        let node_count = self.node_count();
        match action {
            Action::Partition { islands } => {
                let mut island_of = vec![islands.len(); node_count as usize];
                for (i, island) in islands.iter().enumerate() {
                    for node in island.iter().filter(|n| n.0 < node_count) {
                        island_of[node.0 as usize] = i;
                    }
                }
                // Exactly these islands: what was cut before is replaced.
                self.cut_links.clear();
                for a in 0..node_count {
                    for b in 0..node_count {
                        if island_of[a as usize] != island_of[b as usize] {
                            self.cut_links.insert((NodeId(a), NodeId(b)));
                        }
                    }
                }
            }
            Action::Heal => self.cut_links.clear(),
            Action::Isolate { node } => {
                for other in (0..node_count).map(NodeId).filter(|o| o != node) {
                    self.cut_links.insert((*node, other));
                    self.cut_links.insert((other, *node));
                }
            }
            Action::Reconnect { node } => self.cut_links.retain(|(a, b)| a != node && b != node),
            Action::CutLink { from, to } => {
                self.cut_links.insert((*from, *to));
            }
            Action::RepairLink { from, to } => {
                self.cut_links.remove(&(*from, *to));
            }
            Action::CutLinks { links } => {
                for &Link(a, b) in links {
                    self.cut_links.insert((a, b));
                    self.cut_links.insert((b, a));
                }
            }
            Action::RepairLinks { links } => {
                for &Link(a, b) in links {
                    self.cut_links.remove(&(a, b));
                    self.cut_links.remove(&(b, a));
                }
            }
            _ => debug_assert!(false, "{action:?} does not change links"),
        }
    }

    /// A node joins: the next number, started at once (its start is the
    /// next step). Returns it, or the note of an action that did nothing.
    fn add_node(&mut self, membership_changes: bool) -> Result<NodeId, String> {
        if !membership_changes {
            return Err("this protocol does not let nodes join during a run: nothing happened".to_string());
        }
        if self.node_count() >= NODES_MAX {
            return Err(format!("a run has at most {NODES_MAX} nodes: nothing happened"));
        }
        let node = NodeId(self.node_count());
        self.nodes.push(NodeSlot::new(self.settings.seed, node));
        self.members.push(node);
        // Its clock comes after every other process's (see `process_index`).
        self.lamport.push(0);
        self.vectors.iter_mut().for_each(|vector| vector.push(0));
        self.vectors.push(vec![0; self.lamport.len()]);
        debug_assert_eq!(self.process_index(Endpoint::Node(node)), self.lamport.len() - 1);
        self.schedule(self.now_tick, CLASS_NORMAL, Event::Start { node });
        self.tell_members_of_change(node);
        Ok(node)
    }

    /// Every member that is up, but `changed` (which starts or just left),
    /// hears of a change of membership at the next tick: its
    /// [`MEMBERSHIP_CHANGED_TIMER`] fires, as an administrator's word would
    /// reach it. One that is down learns the members when it restarts.
    fn tell_members_of_change(&mut self, changed: NodeId) {
        let listeners: Vec<NodeId> = self
            .members
            .iter()
            .copied()
            .filter(|&member| member != changed && self.nodes[member.0 as usize].status == NodeStatus::Up)
            .collect();
        for member in listeners {
            self.set_timer(member, MEMBERSHIP_CHANGED_TIMER, 1);
        }
    }

    /// A node leaves for good: down like a crash-stop, and no longer a
    /// member, so the others stop counting it. An error is the note of an
    /// action that did nothing.
    fn remove_node(&mut self, node: NodeId, membership_changes: bool) -> Result<(), String> {
        if !membership_changes {
            return Err("this protocol does not let nodes leave during a run: nothing happened".to_string());
        }
        if node.0 >= self.node_count() {
            return Err(format!("there is no {node}: nothing happened"));
        }
        if self.members == [node] {
            return Err(format!("{node} is the last node: it stays"));
        }
        self.take_down(node, NodeStatus::Removed);
        self.members.retain(|&member| member != node);
        self.tell_members_of_change(node);
        Ok(())
    }
}
