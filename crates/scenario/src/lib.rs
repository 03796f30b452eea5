//! Faultline scenarios: the one format behind URLs, embeds, exercises, tests
//! and time travel. Pure data; no dependency on the simulator or the browser.
//!
//! - The data model: [`Scenario`] and its parts.
//! - JSON ([`from_json`], [`to_json_pretty`], [`to_json_compact`]): the
//!   hand-writable, versioned format; the model's serde impls use it too.
//! - [`validate()`]: the rules beyond shape, each error naming its field.
//! - Links ([`to_url_fragment`], [`from_url_fragment`]): compressed JSON
//!   in a URL fragment.

mod error;
mod json;
mod model;
mod url;
mod validate;

pub use error::ScenarioError;
pub use json::{from_json, to_json_compact, to_json_pretty};
pub use model::*;
pub use url::{from_url_fragment, to_url_fragment};
pub use validate::{validate, KEYS_MAX};
