//! Faultline scenarios: the one format behind URLs, embeds, exercises, tests
//! and time travel. Pure data; no dependency on the simulator or the browser.

mod model;

pub use model::*;
