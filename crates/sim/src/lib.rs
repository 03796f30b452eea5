//! Faultline's deterministic simulator.
//!
//! A [`Simulation`] runs a [`Scenario`](faultline_scenario::Scenario) over
//! nodes of one [`Protocol`]: virtual time in integer ticks, a seeded network
//! with delay, loss, duplication, reordering and partitions, timed faults,
//! clients whose operations form a [`HistoryEntry`] history, and a trace of
//! every step with its logical clocks. Nothing here reads a clock, draws
//! ambient randomness, or knows about the browser.

mod environment;
pub mod history;
pub mod protocol;
pub mod rng;
pub mod schedule;
pub mod service;
pub mod simulation;
pub mod style;
pub mod trace;
pub mod world;

pub use history::HistoryEntry;
pub use protocol::{
    ClientRequest, ClusterView, Context, Countdown, Effect, InvariantViolation, LogEntryView, NodeView, OperationOf,
    OutputOf, Protocol, RequestId, Tag, TimerId, LOG_ENTRIES_VIEWED_MAX, MEMBERSHIP_CHANGED_TIMER,
};
pub use rng::SimRng;
pub use service::{
    convergent_service_noun, convergent_verdict, Convergence, HistoryCheck, OperationLook, Retry, Routing, Service,
};
pub use simulation::{
    AnySimulation, Legend, RecordError, Recorded, Simulation, SNAPSHOTS_MAX, SNAPSHOT_INTERVAL_STEPS,
};
pub use style::{Colour, Emphasis, Kinds, Style};
pub use trace::{
    trace_hash, DropReason, Endpoint, Importance, MessageKindId, Narration, SendFate, SentMessage, StepKind, TraceStep,
};
pub use world::{EnabledEvent, EndReason, MessageView, NodeReport, NodeStatus, RunStats, World};
