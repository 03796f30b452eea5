//! The search for a linearization of one partition of a history: Wing and
//! Gong's algorithm with Lowe's just-in-time linearization and a cache of
//! visited (set of linearized operations, model state) pairs, as in
//! Porcupine. It is resumable: `run` takes a step budget and can be called
//! again, so a browser can spread a search over animation frames.
//!
//! The history is a list of call and return events ordered by time (a call
//! before a return at equal times: equal times are concurrent). Walking the
//! list from the start, the search tries to take each call's operation into
//! effect now; on success it lifts the operation's two events out of the
//! list and starts again from the front. Meeting a return event means that
//! operation should already have taken effect: backtrack. Operations that
//! never returned have their return at the end and are optional: the
//! search succeeds once every returned operation has taken effect.

use crate::history::History;
use crate::model::{Model, Refusal};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Words a bitset holds inline: partitions of up to 256 operations clone
/// their set without allocating.
const INLINE_WORDS: usize = 4;

/// A set of operations, by their index within the partition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Bitset {
    Inline([u64; INLINE_WORDS]),
    Heap(Vec<u64>),
}

impl Bitset {
    fn new(len: usize) -> Bitset {
        let words = len.div_ceil(64);
        if words <= INLINE_WORDS {
            Bitset::Inline([0; INLINE_WORDS])
        } else {
            Bitset::Heap(vec![0; words])
        }
    }
    fn words(&mut self) -> &mut [u64] {
        match self {
            Bitset::Inline(words) => words,
            Bitset::Heap(words) => words,
        }
    }
    fn set(&mut self, i: usize) {
        self.words()[i / 64] |= 1 << (i % 64);
    }
    fn clear(&mut self, i: usize) {
        self.words()[i / 64] &= !(1 << (i % 64));
    }
    fn contains(&self, i: usize) -> bool {
        let words = match self {
            Bitset::Inline(words) => &words[..],
            Bitset::Heap(words) => &words[..],
        };
        words[i / 64] & (1 << (i % 64)) != 0
    }
}

/// FxHash (from rustc): fast, and the same on every run and platform, so a
/// search takes the same number of steps everywhere.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, byte: u8) {
        self.write_u64(byte as u64);
    }
    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = BuildHasherDefault<FxHasher>;

/// "No entry": the end of the event list.
const NONE: u32 = u32::MAX;
/// The list's head sentinel.
const HEAD: u32 = 0;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SearchStatus {
    Running,
    /// The operations in the order they took effect (partition indices).
    Linearizable {
        order: Vec<usize>,
    },
    NotLinearizable,
}

/// Where the search got furthest: the explanation of a failure.
#[derive(Clone, Debug)]
pub(crate) struct Deepest<S> {
    /// The longest sequence of operations that took effect (partition indices).
    pub order: Vec<usize>,
    /// The state after them.
    pub state: S,
    /// The operation whose return was reached there without it having
    /// taken effect: the one that cannot be placed.
    pub blocked: Option<usize>,
}

pub(crate) struct PartitionSearch<M: Model> {
    /// History indices of the partition's operations; a partition index is
    /// a position in this list.
    pub operations: Vec<usize>,
    required: Vec<bool>,
    /// The operations the model says do not just extend the state (puts):
    /// the only ways a read that cannot be reached now may still match.
    resets: Vec<usize>,
    // The event list: entry 0 is the head; entries 1..=2n are events.
    entry_operation: Vec<u32>,
    entry_is_call: Vec<bool>,
    /// For a call entry, its return entry.
    entry_return: Vec<u32>,
    next: Vec<u32>,
    prev: Vec<u32>,
    cursor: u32,
    state: M::State,
    linearized: Bitset,
    /// (call entry lifted, the state before it, whether it was forced: a
    /// read taken into effect as soon as it matched, so that if what follows
    /// fails, the configuration before it fails too).
    stack: Vec<(u32, M::State, bool)>,
    cache: HashSet<(Bitset, M::State), FxBuild>,
    required_remaining: usize,
    pub status: SearchStatus,
    pub steps: u64,
    pub deepest: Deepest<M::State>,
}

impl<M: Model> PartitionSearch<M> {
    /// A search over `operations` (indices into `history`).
    pub fn new(model: &M, history: &History, operations: Vec<usize>) -> PartitionSearch<M> {
        let count = operations.len();
        assert!(count < (u32::MAX / 2) as usize, "a partition of {count} operations is too large to index");
        // (time, 0 for a call / 1 for a return / 2 for the return of an
        // operation that never returned, partition index): optional returns
        // sort after every real one, even one recorded at u64::MAX.
        let mut events: Vec<(u64, u8, u32)> = Vec::with_capacity(2 * count);
        let mut required = Vec::with_capacity(count);
        for (i, &h) in operations.iter().enumerate() {
            let operation = &history.operations[h];
            events.push((operation.invoke, 0, i as u32));
            match operation.complete {
                Some(done) => events.push((done, 1, i as u32)),
                None => events.push((u64::MAX, 2, i as u32)),
            }
            required.push(operation.complete.is_some());
        }
        events.sort_unstable();
        let entries = 2 * count + 1;
        let mut entry_operation = vec![NONE; entries];
        let mut entry_is_call = vec![false; entries];
        let mut entry_return = vec![NONE; entries];
        let mut call_entry_of = vec![NONE; count];
        for (position, &(_, kind, i)) in events.iter().enumerate() {
            let entry = position as u32 + 1;
            entry_operation[entry as usize] = i;
            entry_is_call[entry as usize] = kind == 0;
            if kind == 0 {
                call_entry_of[i as usize] = entry;
            } else {
                entry_return[call_entry_of[i as usize] as usize] = entry;
            }
        }
        let next = (0..entries as u32).map(|e| if e + 1 < entries as u32 { e + 1 } else { NONE }).collect();
        let prev = (0..entries as u32).map(|e| if e == 0 { NONE } else { e - 1 }).collect();
        let required_remaining = required.iter().filter(|&&r| r).count();
        let resets = (0..count).filter(|&i| !model.extends(&history.operations[operations[i]])).collect();
        let state = model.init();
        PartitionSearch {
            operations,
            required,
            resets,
            entry_operation,
            entry_is_call,
            entry_return,
            next,
            prev,
            cursor: if entries > 1 { 1 } else { NONE },
            deepest: Deepest { order: Vec::new(), state: state.clone(), blocked: None },
            state,
            linearized: Bitset::new(count),
            stack: Vec::new(),
            cache: HashSet::default(),
            required_remaining,
            status: SearchStatus::Running,
            steps: 0,
        }
    }

    pub fn is_done(&self) -> bool {
        self.status != SearchStatus::Running
    }

    /// How many operations the search has placed at most.
    pub fn deepest_len(&self) -> usize {
        self.deepest.order.len()
    }

    fn lift(&mut self, call: u32) {
        let ret = self.entry_return[call as usize];
        for entry in [call, ret] {
            let (p, n) = (self.prev[entry as usize], self.next[entry as usize]);
            self.next[p as usize] = n;
            if n != NONE {
                self.prev[n as usize] = p;
            }
        }
    }

    /// Undo `lift`: the removed entries kept their own links, so putting
    /// them back in the reverse order restores the list exactly.
    fn unlift(&mut self, call: u32) {
        let ret = self.entry_return[call as usize];
        for entry in [ret, call] {
            let (p, n) = (self.prev[entry as usize], self.next[entry as usize]);
            self.next[p as usize] = entry;
            if n != NONE {
                self.prev[n as usize] = entry;
            }
        }
    }

    fn current_order(&self) -> Vec<usize> {
        self.stack.iter().map(|&(call, _, _)| self.entry_operation[call as usize] as usize).collect()
    }

    /// Search for at most `steps_max` steps. Returns the steps taken.
    pub fn run(&mut self, model: &M, history: &History, steps_max: u64) -> u64 {
        let mut taken = 0;
        while taken < steps_max && self.status == SearchStatus::Running {
            taken += 1;
            if self.required_remaining == 0 {
                self.status = SearchStatus::Linearizable { order: self.current_order() };
                break;
            }
            let entry = self.cursor;
            assert!(entry != NONE, "an unplaced returned operation's return event is always ahead");
            let index = self.entry_operation[entry as usize] as usize;
            if self.entry_is_call[entry as usize] {
                let operation = &history.operations[self.operations[index]];
                let read_only = model.is_read_only(operation);
                match model.step(&self.state, operation) {
                    Ok(next_state) => {
                        self.linearized.set(index);
                        if self.cache.insert((self.linearized.clone(), next_state.clone())) {
                            let before = std::mem::replace(&mut self.state, next_state);
                            self.stack.push((entry, before, read_only));
                            self.lift(entry);
                            if self.required[index] {
                                self.required_remaining -= 1;
                            }
                            if self.stack.len() > self.deepest.order.len() {
                                self.deepest =
                                    Deepest { order: self.current_order(), state: self.state.clone(), blocked: None };
                            }
                            self.cursor = self.next[HEAD as usize];
                        } else {
                            // Been here with this state before, and it failed.
                            self.linearized.clear(index);
                            if read_only {
                                // A matching read loses nothing by going
                                // first: what follows it failed, so this
                                // configuration fails too.
                                self.backtrack();
                            } else {
                                self.cursor = self.next[entry as usize];
                            }
                        }
                    }
                    Err(_) if read_only && self.required[index] && !self.may_still_match(model, history, index) => {
                        // A read that returned can never match from here.
                        self.note_blocked(index);
                        self.backtrack();
                    }
                    Err(_) => self.cursor = self.next[entry as usize],
                }
            } else {
                // This operation returned before taking effect: backtrack.
                debug_assert!(self.required[index], "optional returns are last, and reached only when done");
                self.note_blocked(index);
                self.backtrack();
            }
        }
        self.steps += taken;
        taken
    }

    /// Remember the first operation found impossible to place at the
    /// deepest point: the explanation names it.
    fn note_blocked(&mut self, index: usize) {
        if self.stack.len() == self.deepest.order.len() && self.deepest.blocked.is_none() {
            self.deepest.blocked = Some(index);
        }
    }

    /// Whether the read at `index` can still match: from the current state
    /// by extending it, or after one of the pending resets.
    fn may_still_match(&self, model: &M, history: &History, index: usize) -> bool {
        let read = &history.operations[self.operations[index]];
        model.may_reach(&self.state, read)
            || self
                .resets
                .iter()
                .filter(|&&r| !self.linearized.contains(r))
                .any(|&r| model.may_reach_after(&self.state, &history.operations[self.operations[r]], read))
    }

    /// The current configuration has no linearization: undo the last
    /// choice and try the next one, undoing forced reads as they go (when
    /// what follows a forced read fails, so does what precedes it).
    fn backtrack(&mut self) {
        loop {
            let Some((call, before, forced)) = self.stack.pop() else {
                self.status = SearchStatus::NotLinearizable;
                return;
            };
            let undone = self.entry_operation[call as usize] as usize;
            self.linearized.clear(undone);
            self.state = before;
            self.unlift(call);
            if self.required[undone] {
                self.required_remaining += 1;
            }
            if !forced {
                self.cursor = self.next[call as usize];
                return;
            }
        }
    }

    /// Why the blocked operation could not be placed after the deepest
    /// prefix, if the model refuses it there.
    pub fn blocked_refusal(&self, model: &M, history: &History) -> Option<(usize, Option<Refusal>)> {
        let blocked = self.deepest.blocked?;
        let operation = &history.operations[self.operations[blocked]];
        Some((blocked, model.step(&self.deepest.state, operation).err()))
    }
}
