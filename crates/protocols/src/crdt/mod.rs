//! Conflict-free replicated data types: replicas that accept updates on
//! both sides of a partition and converge once it heals.
//!
//! - [`types`]: the types themselves, state-based (G-Counter, PN-Counter,
//!   G-Set, 2P-Set, OR-Set, LWW-Register, MV-Register), whose merges are
//!   commutative, associative and idempotent.
//! - [`ops`]: the same types operation-based, whose concurrent effects
//!   commute, and [`ops::CausalDelivery`], which applies each effect after
//!   its causes and exactly once.
//! - [`object`]: the object a replica holds, any type either way (and the
//!   planted bugs), behind one enum.
//! - [`replica`]: [`Crdt`], the replica as a node of the simulator
//!   (gossip of states, or causal broadcast of operations).
//! - [`observer`]: each type's specification, checked after every step on
//!   the updates each replica delivered, and convergence at quiet.
//! - [`service`]: the clients' updates and reads, and how their history is
//!   checked.

pub mod explore;
pub mod object;
pub mod observer;
pub mod ops;
pub mod replica;
pub mod service;
pub mod types;

pub use replica::{build, Crdt};
