//! A linearizability checker that depends on no other Faultline crate but
//! `faultline-collections` (sorted-`Vec` maps and sets, which depends on
//! nothing).
//!
//! - [`history`]: operations with client, function, input, output (or
//!   unknown), invocation and completion times.
//! - [`model`]: sequential specifications behind one trait: register,
//!   compare-and-set register, key-value store, counter (adds may be
//!   negative), set (add and remove), FIFO queue, lock, bank (transfers
//!   between accounts).
//! - [`AnyState`]: `ModelSpec` is a model too, so that the search compiled
//!   once serves every model (the page's size).
//! - [`check`]: Wing–Gong/Lowe search with a state cache, partitions
//!   (P-compositionality) searched interleaved under one budget, verdicts
//!   with a witness or an explanation and a 1-minimal failing sub-history.
//! - [`consistency`]: weaker models (sequential consistency, read-your-writes,
//!   monotonic reads; the last two for registers, counters and sets), to
//!   name the strongest model a history satisfies.
//! - [`format`]: the project's JSON, Jepsen EDN and Jepsen log histories.

mod any_model;
pub mod check;
pub mod consistency;
pub mod format;
pub mod history;
pub mod model;
mod search;
pub mod text;

pub use any_model::AnyState;
pub use check::{check, Checker, Explanation, Incomplete, Progress, Verdict, Witness, DEFAULT_BUDGET_STEPS};
pub use consistency::{session_guarantees, strongest_model, Decision, WeakerModels, WEAKER_BUDGET_STEPS};
pub use format::{parse, to_json, Format, ParseError, ParsedHistory};
pub use history::{Function, History, Operation, Value};
pub use model::{Model, ModelSpec, Refusal, SessionSemantics};
