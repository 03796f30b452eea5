//! A log whose full chunks are shared, never copied: what a node keeps,
//! what it persists and what every snapshot of the simulator holds are the
//! same chunks. Raft's log and two-phase commit's durable logs are kept so.

use std::rc::Rc;

/// Entries per chunk of a [`SharedLog`].
pub const LOG_CHUNK_ENTRIES: usize = 64;

/// A log whose full chunks are shared, never copied: the node's log, its
/// disk and every snapshot the simulator keeps for seeking hold the same
/// chunks. Cloning or persisting costs one reference count per chunk and
/// copies at most the last, partial chunk when it changes; a whole-log copy
/// per step and per snapshot would make memory grow with log length times
/// run length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedLog<T> {
    /// Every chunk but the last is full, so equal logs chunk alike.
    chunks: Vec<Rc<Vec<T>>>,
    len: usize,
}

impl<T: Clone> SharedLog<T> {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The entry at `position` (from 0).
    pub fn get(&self, position: usize) -> &T {
        &self.chunks[position / LOG_CHUNK_ENTRIES][position % LOG_CHUNK_ENTRIES]
    }
    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).map(|p| self.get(p))
    }
    pub fn push(&mut self, entry: T) {
        if self.chunks.last().is_none_or(|chunk| chunk.len() == LOG_CHUNK_ENTRIES) {
            self.chunks.push(Rc::new(Vec::with_capacity(LOG_CHUNK_ENTRIES)));
        }
        Rc::make_mut(self.chunks.last_mut().expect("just ensured")).push(entry);
        self.len += 1;
    }
    /// Keep the first `len` entries.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.chunks.truncate(len.div_ceil(LOG_CHUNK_ENTRIES));
        let full_chunks = self.chunks.len().saturating_sub(1);
        if let Some(last) = self.chunks.last_mut() {
            let keep = len - full_chunks * LOG_CHUNK_ENTRIES;
            if last.len() != keep {
                Rc::make_mut(last).truncate(keep);
            }
        }
        self.len = len;
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }
    /// Copies of the entries at positions `start..end`.
    pub fn slice_to_vec(&self, start: usize, end: usize) -> Vec<T> {
        (start..end).map(|p| self.get(p).clone()).collect()
    }
}

impl<T> Default for SharedLog<T> {
    fn default() -> Self {
        SharedLog { chunks: Vec::new(), len: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::{Command, Entry};
    use faultline_scenario::NodeId;

    fn entry(term: u64) -> Entry {
        Entry { term, command: Command::Noop { leader: NodeId(0) }, prefix_hash: term }
    }

    #[test]
    fn a_shared_log_behaves_like_a_vector_and_shares_its_full_chunks() {
        let mut log = SharedLog::default();
        let mut plain: Vec<Entry> = Vec::new();
        for i in 0..200u64 {
            log.push(entry(i));
            plain.push(entry(i));
        }
        let snapshot = log.clone();
        for (len, extra) in [(150, 3), (64, 70), (0, 5), (130, 0)] {
            log.truncate(len);
            plain.truncate(len);
            for i in 0..extra {
                log.push(entry(1_000 + i));
                plain.push(entry(1_000 + i));
            }
            assert_eq!(log.len(), plain.len());
            assert!(log.iter().eq(plain.iter()));
            assert_eq!(log.last(), plain.last());
            // Built differently, equal content chunks alike, so compares equal.
            let mut rebuilt = SharedLog::default();
            plain.iter().cloned().for_each(|e| rebuilt.push(e));
            assert_eq!(log, rebuilt);
        }
        // The snapshot kept its own content: sharing never leaks changes.
        assert_eq!(snapshot.len(), 200);
        assert!(snapshot.iter().map(|e| e.term).eq(0..200));
    }
}
