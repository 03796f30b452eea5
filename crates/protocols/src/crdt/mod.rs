//! Conflict-free replicated data types: replicas that accept updates on
//! both sides of a partition and converge once it heals.
//!
//! - [`types`]: the types themselves, state-based (G-Counter, PN-Counter,
//!   G-Set, 2P-Set, OR-Set, LWW-Register, MV-Register), whose merges are
//!   commutative, associative and idempotent.
//! - [`ops`]: the same types operation-based (counter, OR-Set, LWW- and
//!   MV-Register), whose concurrent effects commute, and
//!   [`ops::CausalDelivery`], which applies each effect after its causes
//!   and exactly once.
//!
//! The protocol that replicates them over the simulated network (gossip of
//! states, or causal broadcast of operations) builds on these.

pub mod ops;
pub mod types;
