//! The run's story: what the nodes narrated (a leader elected, a node
//! blocked), the faults and other actions, in step order. The event log
//! tells it, the timeline marks its milestones and faults, and the live
//! region reads the newest aloud.
//!
//! Kept incrementally beside the trace: each frame indexes only the steps
//! that are new, and a fork (the trace cut back) cuts the story back too.

use faultline_scenario::Action;
use faultline_sim::{Importance, StepKind, TraceStep};

/// The most entries the story keeps. A run that narrates more keeps its
/// first ones and says how many it left out (`left_out`).
pub const ENTRIES_MAX: usize = 20_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A protocol milestone: marked on the timeline.
    Milestone,
    /// A protocol detail: in the log only.
    Detail,
    /// A fault (a crash, a cut, a drop by hand): marked on the timeline.
    Fault,
    /// Any other action (a manual step, a scripted request).
    Action,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The trace index of the step it happened in.
    pub step: u64,
    pub tick: u64,
    pub kind: EntryKind,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct Chronicle {
    entries: Vec<Entry>,
    /// Steps of the trace looked at so far.
    indexed: usize,
    /// Entries not kept once the story was full.
    pub left_out: u64,
}

impl Chronicle {
    /// Take in the steps added since the last call.
    pub fn follow(&mut self, trace: &[TraceStep]) {
        if trace.len() < self.indexed {
            self.cut_back(trace.len() as u64);
        }
        for step in &trace[self.indexed..] {
            self.take_in(step);
        }
        self.indexed = trace.len();
    }

    /// The trace was cut back to `steps` steps (a fork): forget the rest.
    pub fn cut_back(&mut self, steps: u64) {
        let kept = self.entries.partition_point(|entry| entry.step < steps);
        self.entries.truncate(kept);
        self.indexed = self.indexed.min(steps as usize);
    }

    /// Start over (the run was rebuilt).
    pub fn reset(&mut self) {
        *self = Chronicle::default();
    }

    fn take_in(&mut self, step: &TraceStep) {
        let from_nodes = step.narration.iter().map(|narration| {
            let kind = match narration.importance {
                Importance::Milestone => EntryKind::Milestone,
                Importance::Detail => EntryKind::Detail,
            };
            (kind, narration.text.clone())
        });
        let action = match &step.kind {
            StepKind::Action { action, note } => Some(action_entry(action, note)),
            _ => None,
        };
        for (kind, text) in action.into_iter().chain(from_nodes) {
            if self.entries.len() >= ENTRIES_MAX {
                self.left_out += 1;
                continue;
            }
            self.entries.push(Entry { step: step.index, tick: step.tick, kind, text });
        }
    }

    /// The entries of steps before `position` (what has happened by then).
    pub fn up_to(&self, position: u64) -> &[Entry] {
        &self.entries[..self.entries.partition_point(|entry| entry.step < position)]
    }

    pub fn all(&self) -> &[Entry] {
        &self.entries
    }
}

/// An action as the story tells it: "crash n1", and what it did when that
/// is not obvious ("n1 is down: a down node cannot pause").
fn action_entry(action: &Action, note: &str) -> (EntryKind, String) {
    let kind = if action.is_fault() { EntryKind::Fault } else { EntryKind::Action };
    let described = crate::app::describe_action(action);
    let text = match note.is_empty() {
        true => described,
        false => format!("{described}: {note}"),
    };
    (kind, text)
}
