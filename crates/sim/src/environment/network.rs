//! The network: messages leave with a delay drawn from the network's range
//! (FIFO per link unless reordered), may be lost (decided at send) or
//! duplicated, are refused on a cut link or a full network, and on arrival
//! are dropped if their receiver is down, gone or cut off. A message here
//! is its id, ends, kind and label: its payload stays with the world.

use super::{Environment, Event, PayloadSlot, QueueKey, StepScratch, CLASS_FORCED, CLASS_NORMAL};
use crate::trace::{DropReason, Endpoint, MessageKindId, SendFate, SentMessage, StepKind, TraceStep};
use crate::world::{MessageView, NodeStatus};
use faultline_scenario::MessageId;

#[derive(Clone, Debug)]
pub(super) struct InFlight {
    pub(super) id: MessageId,
    pub(super) from: Endpoint,
    pub(super) to: Endpoint,
    kind: MessageKindId,
    pub(super) label: String,
    payload: PayloadSlot,
    sent_tick: u64,
    pub(super) key: QueueKey,
    /// Decided at send: the network will lose it on arrival.
    doomed: Option<DropReason>,
    /// The sender's clocks when it was sent.
    lamport: u64,
    vector: Vec<u32>,
}

impl InFlight {
    pub(super) fn view(&self) -> MessageView {
        MessageView {
            id: self.id,
            from: self.from,
            to: self.to,
            kind: self.kind,
            label: self.label.clone(),
            sent_tick: self.sent_tick,
            deliver_tick: self.key.tick,
            doomed: self.doomed.is_some(),
        }
    }
}

/// What became of a message handed to the network: where the world keeps
/// its payload while it travels.
pub(crate) enum Sent {
    /// Refused at once (a cut link, a full network): it never left.
    Refused,
    Once(PayloadSlot),
    /// The network duplicated it: the original's slot and its copy's.
    Twice(PayloadSlot, PayloadSlot),
}

/// A message at its delivery time.
pub(crate) enum Arrival {
    /// Its receiver is paused: it waits for the pause to end.
    Deferred,
    /// The network lost it, or its receiver is down, gone or cut off: its
    /// payload goes too.
    Dropped(TraceStep, PayloadSlot),
    /// It reaches `to` with the payload in `payload`; the receiver's step
    /// has begun.
    Delivered { scratch: StepScratch, from: Endpoint, to: Endpoint, payload: PayloadSlot, step: StepKind },
}

impl Environment {
    /// Hand a message to the network. Its id is the next one even when it
    /// is refused, so ids follow the order of sends.
    pub(crate) fn send(
        &mut self,
        from: Endpoint,
        to: Endpoint,
        kind: MessageKindId,
        label: String,
        scratch: &mut StepScratch,
    ) -> Sent {
        let id = self.next_id();
        let cut = matches!((from, to), (Endpoint::Node(a), Endpoint::Node(b)) if self.cut_links.contains(&(a, b)));
        let refused = if cut {
            Some(DropReason::Partition)
        } else if self.in_flight.len() >= self.settings.limits.in_flight_max as usize {
            Some(DropReason::NetworkFull)
        } else {
            None
        };
        if let Some(reason) = refused {
            self.stats.messages_dropped += 1;
            scratch.sent.push(SentMessage { id, to, kind, label, fate: SendFate::Dropped { reason } });
            return Sent::Refused;
        }
        let network = &self.settings.network;
        let doomed = self.network_rng.chance_per_mille(network.loss_per_mille).then_some(DropReason::Lost);
        let duplicate = self.network_rng.chance_per_mille(network.duplicate_per_mille);
        let message = InFlight {
            id,
            from,
            to,
            kind,
            label,
            payload: self.take_payload_slot(),
            sent_tick: self.now_tick,
            key: QueueKey { tick: 0, class: CLASS_NORMAL, seq: 0 }, // set by enqueue
            doomed,
            lamport: scratch.lamport,
            vector: scratch.vector.clone(),
        };
        if !duplicate {
            let slot = message.payload;
            self.enqueue(message, scratch);
            return Sent::Once(slot);
        }
        let copy_id = self.next_id();
        let copy = InFlight { id: copy_id, doomed: None, payload: self.take_payload_slot(), ..message.clone() };
        let slots = (message.payload, copy.payload);
        self.enqueue(message, scratch);
        self.enqueue(copy, scratch);
        Sent::Twice(slots.0, slots.1)
    }

    /// A payload slot no message in flight uses.
    fn take_payload_slot(&mut self) -> PayloadSlot {
        self.free_payload_slots.pop().unwrap_or_else(|| {
            self.payload_slot_count += 1;
            PayloadSlot(self.payload_slot_count - 1)
        })
    }

    /// The id of a new message, counted as sent.
    fn next_id(&mut self) -> MessageId {
        let id = MessageId(self.next_message_id);
        self.next_message_id += 1;
        self.stats.messages_sent += 1;
        id
    }

    /// Put a message on the wire with a delay drawn from the network's
    /// range, keeping its link FIFO unless the network reorders it.
    fn enqueue(&mut self, mut message: InFlight, scratch: &mut StepScratch) {
        let network = &self.settings.network;
        let delay_ticks = self.network_rng.between(network.delay_ticks_min, network.delay_ticks_max);
        let reorder = self.network_rng.chance_per_mille(network.reorder_per_mille);
        let link = (message.from, message.to);
        let last = self.link_last_deliver_tick.get(&link).copied().unwrap_or(0);
        let drawn = self.now_tick + delay_ticks;
        let deliver_tick = if reorder { drawn } else { drawn.max(last) };
        self.link_last_deliver_tick.insert(link, last.max(deliver_tick));
        message.key = self.schedule(deliver_tick, CLASS_NORMAL, Event::Deliver { message: message.id });
        scratch.sent.push(SentMessage {
            id: message.id,
            to: message.to,
            kind: message.kind,
            label: message.label.clone(),
            fate: SendFate::InFlight { deliver_tick },
        });
        self.in_flight.insert(message.id, message);
    }

    /// A message's delivery comes up (`key` is its place in the queue).
    pub(crate) fn arrive(&mut self, key: QueueKey, id: MessageId) -> Arrival {
        let mut message = self.in_flight.remove(&id).expect("a queued delivery is in flight");
        debug_assert_eq!(message.key, key);
        if let Endpoint::Node(node) = message.to {
            let resume = self.nodes[node.0 as usize].paused_until_tick;
            if self.now_tick < resume && message.doomed.is_none() {
                // A paused node takes no steps: the message waits for it.
                message.key = self.schedule(resume, CLASS_NORMAL, Event::Deliver { message: id });
                self.in_flight.insert(id, message);
                return Arrival::Deferred;
            }
        }
        let (from, to, kind, label, payload) = (message.from, message.to, message.kind, message.label, message.payload);
        // The message leaves the network either way; the world takes its
        // payload out of the slot before anything else is sent.
        self.free_payload_slots.push(payload);
        if let Some(reason) = message.doomed.or_else(|| self.refusal_on_arrival(from, to)) {
            self.stats.messages_dropped += 1;
            let scratch = self.begin(None, Some((id, 0, &[])));
            let step = StepKind::Drop { message: id, from, to, kind, label, reason };
            return Arrival::Dropped(self.finish(scratch, step), payload);
        }
        self.stats.messages_delivered += 1;
        let scratch = self.begin(Some(to), Some((id, message.lamport, &message.vector)));
        Arrival::Delivered {
            scratch,
            from,
            to,
            payload,
            step: StepKind::Deliver { message: id, from, to, kind, label },
        }
    }

    /// Why a message that was not lost cannot be delivered now, if it
    /// cannot: its receiver is gone or down, or the link is cut.
    fn refusal_on_arrival(&self, from: Endpoint, to: Endpoint) -> Option<DropReason> {
        let receiver_status = match to {
            Endpoint::Node(to) => self.nodes[to.0 as usize].status,
            Endpoint::Client(_) => NodeStatus::Up,
        };
        match (from, to, receiver_status) {
            (_, _, NodeStatus::Removed) => Some(DropReason::NodeRemoved),
            (_, _, NodeStatus::Crashed | NodeStatus::Stopped) => Some(DropReason::NodeDown),
            (Endpoint::Node(from), Endpoint::Node(to), _) if self.cut_links.contains(&(from, to)) => {
                Some(DropReason::Partition)
            }
            _ => None,
        }
    }

    // ----- message faults ------------------------------------------------

    /// Take a message off the network. Returns the action's note and the
    /// slot of the payload to drop, or the note of an action that did
    /// nothing (the message was not in flight).
    pub(super) fn drop_message(&mut self, message: MessageId) -> Result<(String, PayloadSlot), String> {
        let Some(dropped) = self.in_flight.remove(&message) else {
            return Err(format!("{message} is not in flight: nothing to drop"));
        };
        self.queue.remove(&dropped.key);
        self.free_payload_slots.push(dropped.payload);
        self.stats.messages_dropped += 1;
        Ok((format!("{message} ({}) dropped", dropped.label), dropped.payload))
    }

    /// Send a copy of a message in flight, which takes its own chances:
    /// the original's loss (decided at send) is not the copy's. Returns the
    /// copy's id with the payload slots of the original and of the copy, or
    /// the note of an action that did nothing.
    pub(super) fn duplicate_message(
        &mut self,
        message: MessageId,
        scratch: &mut StepScratch,
    ) -> Result<(MessageId, PayloadSlot, PayloadSlot), String> {
        let Some(original) = self.in_flight.get(&message).cloned() else {
            return Err(format!("{message} is not in flight: nothing to duplicate"));
        };
        let copy_id = self.next_id();
        let original_slot = original.payload;
        let copy = InFlight {
            id: copy_id,
            sent_tick: self.now_tick,
            doomed: None,
            payload: self.take_payload_slot(),
            ..original
        };
        let copy_slot = copy.payload;
        self.enqueue(copy, scratch);
        Ok((copy_id, original_slot, copy_slot))
    }

    /// Move a message's delivery `ticks` later. Returns the action's note.
    pub(super) fn delay_message(&mut self, message: MessageId, ticks: u64) -> String {
        let Some(key) = self.in_flight.get(&message).map(|m| m.key) else {
            return format!("{message} is not in flight: nothing to delay");
        };
        let new_key = self.reschedule_delivery(message, key, key.tick + ticks, CLASS_NORMAL);
        format!("{message} now arrives at tick {}", new_key.tick)
    }

    /// Deliver a message now, before anything else of this tick (a manual
    /// step). Returns the action's note.
    pub(super) fn deliver_message_now(&mut self, message: MessageId) -> String {
        let Some(key) = self.in_flight.get(&message).map(|m| m.key) else {
            return format!("{message} is not in flight: nothing to deliver");
        };
        self.reschedule_delivery(message, key, self.now_tick, CLASS_FORCED);
        String::new()
    }

    fn reschedule_delivery(&mut self, message: MessageId, key: QueueKey, tick: u64, class: u8) -> QueueKey {
        self.queue.remove(&key);
        let new_key = self.schedule(tick, class, Event::Deliver { message });
        if let Some(in_flight) = self.in_flight.get_mut(&message) {
            in_flight.key = new_key;
        }
        new_key
    }
}
