//! The scenario as JSON: the format people write by hand, that files in
//! `static/scenarios/` use, and that share links carry (compressed).
//!
//! ```json
//! {
//!   "version": 1,
//!   "name": "Stale read",
//!   "description": "",
//!   "seed": 7,
//!   "protocol": { "name": "primary-backup", "nodes": 3 },
//!   "network": { "delay_ticks_min": 5, "delay_ticks_max": 15 },
//!   "workload": { "clients": 2 },
//!   "limits": { "ticks_max": 5000 },
//!   "actions": [
//!     { "at_tick": 300, "action": "isolate", "node": 0 },
//!     { "at_tick": 320, "action": "partition", "islands": [[0], [1, 2]] },
//!     { "at_tick": 420, "action": "client-request", "client": 0, "node": 1, "operation": "write", "key": 0, "value": 5 }
//!   ]
//! }
//! ```
//!
//! `version`, `seed` and `protocol` are required. `name` and `description`
//! default to empty, `actions` to none, and `network`, `workload` and
//! `limits` (whole or field by field) to their `Default`s. Field names are
//! the model's field names, and every field is written, in declared order.
//! Unknown fields are errors, so typos do not pass silently.
//!
//! An action's `action` is `Action::name()`; the kind's own fields stand
//! beside it (`add-node` and `heal` have none). A client request flattens
//! its operation: `operation` names it (`KvOperation::name()` or
//! `BankOperation::name()`, of the protocol's family) and its fields stand
//! beside it: `"read"` takes `key`, `"write"` and `"append"` take `key` and
//! `value`, `"transfer"` takes `from`, `to` and `amount`, and
//! `"read-balances"` takes nothing.
//!
//! A protocol's `name` is `ProtocolSpec::name()`, and its parameters stand
//! beside it. Primary–backup takes only `nodes`. Raft takes more; only
//! `name` and `nodes` are required, the rest default as in `RaftSpec::new`:
//!
//! ```json
//! "protocol": {
//!   "name": "raft", "nodes": 3,
//!   "election_timeout_ticks_min": 150, "election_timeout_ticks_max": 300,
//!   "heartbeat_ticks": 50, "reads": "log", "variant": "correct",
//!   "initial": [
//!     { "term": 3, "voted_for": 0, "log": [{ "term": 1, "key": 0, "value": 7 }] },
//!     { "term": 3, "voted_for": null, "log": [] },
//!     { "term": 2 }
//!   ]
//! }
//! ```
//!
//! `reads` is `RaftReads::name()`, `variant` is `RaftVariant::name()`.
//! `initial` is empty (every node starts fresh) or holds one durable state
//! per node: its `term` (required), `voted_for` (a node, or null or absent
//! for no vote) and `log` (absent for none), whose entries are writes.
//!
//! Two-phase commit requires `resource_managers`; the rest default as in
//! `TwoPhaseCommitSpec::new`, and `variant` is `TwoPhaseCommitVariant::name()`:
//!
//! ```json
//! "protocol": {
//!   "name": "two-phase-commit", "resource_managers": 2,
//!   "accounts_per_resource_manager": 1, "initial_balance": 100, "transfer_amount_max": 50,
//!   "abort_per_mille": 0, "vote_timeout_ticks": 100, "decision_timeout_ticks": 150,
//!   "cooperative_termination": false, "variant": "correct"
//! }
//! ```
//!
//! Each part of the format is declared once, in `model.rs`, with the macros
//! of `declare`: a section's fields with their types and defaults (or, when
//! required, the hint shown when one is missing), a named setting's names,
//! a tagged union's variants with their fields. The field lists, decoders
//! and encoders follow from those declarations (`field` holds the traits
//! they implement); `codec` adds the rules that relate parts to each other.
//! Within an object, decoding reports unknown fields first (so a misspelt
//! required field gets its did-you-mean rather than a complaint that it is
//! missing), then the required fields in declared order, then the others in
//! written order. A scenario's `version` is read before anything else, and
//! its protocol, a required field, before its actions, whose client
//! operations depend on it. Decoding checks shape only; `validate` checks
//! the rules beyond it.
//!
//! The model's serde impls use the same shape, so a scenario or action
//! embedded in another serde document (a trace, say) reads the same way.

mod codec;
pub(crate) mod declare;
pub(crate) mod field;
pub(crate) mod value;

use crate::error::ScenarioError;
use crate::model::{Action, Limits, NetworkConfig, ProtocolSpec, Scenario, TimedAction, WorkloadConfig};
use crate::validate::validate;
use field::FieldValue;
use value::Value;

/// Reads a scenario from JSON text and checks it with [`validate()`].
pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::whole("the text is empty; a scenario is a JSON object, starting with {"));
    }
    let value: Value = serde_json::from_str(text).map_err(syntax_error)?;
    let scenario = codec::decode_scenario(&value)?;
    validate(&scenario)?;
    Ok(scenario)
}

/// The layout for people: one field per line, one action per line.
pub fn to_json_pretty(scenario: &Scenario) -> String {
    scenario.encode().to_pretty()
}

/// One line without spaces, for links and embedding.
pub fn to_json_compact(scenario: &Scenario) -> String {
    scenario.encode().to_compact()
}

/// serde_json's message without its " at line L column C" tail (the
/// position goes into the error's own fields) and in plainer words.
fn syntax_error(error: serde_json::Error) -> ScenarioError {
    let (line, column) = (error.line(), error.column());
    let full = error.to_string();
    let tail = format!(" at line {line} column {column}");
    let bare = full.strip_suffix(&tail).unwrap_or(&full);
    let message = match bare {
        "EOF while parsing a list" => "the text ends inside a list (a ']' is missing)".to_owned(),
        "EOF while parsing an object" => "the text ends inside an object (a '}' is missing)".to_owned(),
        "EOF while parsing a string" => "the text ends inside a string (a '\"' is missing)".to_owned(),
        "EOF while parsing a value" => "the text ends where a value was expected".to_owned(),
        "expected value" => "expected a value (a number, text in quotes, a list or an object)".to_owned(),
        "expected ident" => "expected true, false or null".to_owned(),
        "trailing characters" => "unexpected text after the end of the scenario".to_owned(),
        "recursion limit exceeded" => "lists or objects are nested too deeply".to_owned(),
        "key must be a string" => "expected a field name in double quotes".to_owned(),
        "number out of range" => "the number is too large".to_owned(),
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "a tab or line break inside text in quotes must be written as \\t or \\n".to_owned()
        }
        other => other.replace('`', "'"),
    };
    ScenarioError {
        path: String::new(),
        message,
        line: (line > 0).then_some(line),
        // serde_json counts a position before the first character as column 0.
        column: (line > 0).then_some(column.max(1)),
    }
}

/// Serde impls that go through the JSON tree, so every serde format sees
/// the shape documented above. Deserializing needs a self-describing format.
macro_rules! serde_via_tree {
    ($type:ty, $encode:path, $decode:expr) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $encode(self).serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
                let decode: fn(&Value) -> Result<$type, ScenarioError> = $decode;
                decode(&value).map_err(serde::de::Error::custom)
            }
        }
    };
}

// A whole scenario is validated too: one read from anywhere is as trusted as
// one from `from_json`. The parts are only shape-checked, since their rules
// depend on the rest of the scenario.
serde_via_tree!(Scenario, FieldValue::encode, |value| {
    let scenario = codec::decode_scenario(value)?;
    validate(&scenario)?;
    Ok(scenario)
});
serde_via_tree!(ProtocolSpec, FieldValue::encode, codec::decode_alone);
serde_via_tree!(NetworkConfig, FieldValue::encode, codec::decode_alone);
serde_via_tree!(WorkloadConfig, FieldValue::encode, codec::decode_alone);
serde_via_tree!(Limits, FieldValue::encode, codec::decode_alone);
serde_via_tree!(TimedAction, FieldValue::encode, codec::decode_alone);
serde_via_tree!(Action, codec::encode_action, codec::decode_action);
