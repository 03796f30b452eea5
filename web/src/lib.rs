//! The Faultline playground in the browser. This is the only crate that
//! touches wasm-bindgen, web-sys and js-sys; everything it shows comes from
//! the pure-Rust core through `faultline_sim::AnySimulation`.
//!
//! - [`api`]: the functions JavaScript may call (`checkHistory`).
//! - [`app`]: the page's state and behaviour, without the DOM.
//! - [`chronicle`]: the run's story (narration, actions) for the event log and the timeline.
//! - [`diagram`]: the space-time diagram as SVG text from an incremental index of the trace: a frame, and keyed
//!   plot elements that stay put while the window slides.
//! - [`live_check`]: the resumable linearizability check of the history.
//! - [`own_history`]: a history pasted or dropped into the page, checked and drawn like the run's.
//! - [`render`]: SVG and HTML text from that state.
//! - [`experiment`]: the book's partitioning experiment (words per partition, the share moved) as bars.
//! - [`scorecard`]: the CAP scorecard: the run's faults on every key-value protocol, as a table.
//! - [`lab`]: those two panels' state and events (the word list fetched from the page's origin).
//! - [`ring`]: the quorum store's ring (members' points, keys, what moved at the last join or leave).
//! - [`settings`]: the run's settings (protocol, nodes, network, seed) as the page changes them.
//! - [`stage`]: where nodes stand: islands, drags that regroup them, strokes that cut links.
//! - [`dom`]: retained rendering: the live DOM patched to equal that text.
//! - [`page`]: the DOM: skeleton, events, share links, animation loop.

pub mod api;
pub mod app;
pub mod builtin;
pub mod chronicle;
pub mod diagram;
pub mod dom;
pub mod embed;
pub mod exercises;
pub mod experiment;
pub mod fetch;
pub mod lab;
pub mod live_check;
pub mod own_history;
pub mod page;
pub mod render;
pub mod ring;
pub mod scorecard;
pub mod settings;
pub mod stage;
pub mod tours;

pub use page::start;

// The unit tests in this crate run natively and, in scripts/test, in
// headless Chromium like the others.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
