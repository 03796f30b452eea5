//! History formats: Faultline's own JSON, Jepsen's EDN (Knossos's one
//! vector of maps, or Porcupine's one map per line), and the operation
//! lines of a Jepsen log. Every parser turns text into a [`History`], with
//! the line each operation was invoked on, or a one-line [`ParseError`]
//! that names the line and what was expected there.
//!
//! The parsers are hand-written (no parser crates), never panic on any
//! input, and bound what they accept: at most [`MAX_INPUT_BYTES`] of text
//! and [`MAX_DEPTH`] levels of nesting, so no input can exhaust the stack.
//!
//! How each format maps events to operations:
//!
//! - **JSON**: `{"operations": [{"client", "f", "key"?, "input"?,
//!   "output"?, "invoke", "complete"?}, ...], "initial"?: value}`. An
//!   absent `output` is unknown, `null` is nil; an absent or null
//!   `complete` never returned.
//! - **EDN** (Knossos and Porcupine): each `:invoke` is paired with the next
//!   completion of the same `:process`. `:ok` gives the output (a read of
//!   nil is unknown, Knossos's convention), `:fail` drops the operation (it
//!   certainly did not happen), `:info` leaves it never returned. Events of
//!   the `:nemesis` are skipped. A `:transfer` that completed `:ok`
//!   committed (`true`).
//! - **Jepsen log** (`INFO  jepsen.util - 2<TAB>:invoke<TAB>:cas<TAB>[3 0]`):
//!   the same pairing, for a compare-and-set register that starts with no
//!   value: a read of nil constrains, a failed cas returned false, a failed
//!   read returned nothing useful.

mod edn;
mod events;
mod jepsen_log;
mod json;

use crate::history::{History, Value};
use crate::model::ModelSpec;
use std::fmt;

pub use json::{to_json, to_json_with_initial, write_json_string};

/// The largest input any parser accepts.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// The deepest nesting of brackets any parser accepts.
pub const MAX_DEPTH: usize = 64;

/// A history format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Tell the format from the text (see [`detect`]).
    Auto,
    /// Faultline's own JSON, what the simulator writes.
    Json,
    /// Jepsen's EDN: one vector or list of event maps, or one map per line.
    Edn,
    /// The operation lines of a Jepsen log.
    JepsenLog,
}

impl Format {
    pub const NAMES: [&'static str; 4] = ["auto", "json", "edn", "jepsen-log"];

    /// The format called `name` (`auto`, `json`, `edn` or `jepsen-log`).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "auto" => Some(Format::Auto),
            "json" => Some(Format::Json),
            "edn" => Some(Format::Edn),
            "jepsen-log" => Some(Format::JepsenLog),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Json => "json",
            Format::Edn => "edn",
            Format::JepsenLog => "jepsen-log",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed history, with where each operation came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedHistory {
    pub history: History,
    /// The format actually used (never [`Format::Auto`]).
    pub format: Format,
    /// The 1-based line of each operation's invocation, in the order of
    /// `history.operations`.
    pub lines: Vec<usize>,
    /// The initial value of the register (or of every key, or the bank's
    /// balances) that the format implies: JSON's `"initial"` field if
    /// given; `0` for Knossos EDN, `""` for Porcupine's key-value EDN (any
    /// get/put/append), none for EDN with transfers (a bank's balances have
    /// no default); nil for Jepsen logs.
    pub initial: Option<Value>,
}

/// Why a text is not a history: the 1-based line, and what was expected
/// there. Its `Display` is one line: `line 12: expected ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Messages are kept well under this many characters.
const MAX_MESSAGE_CHARS: usize = 240;

impl ParseError {
    /// An error at `line`; the message is made one line and bounded in
    /// length, whatever text it quotes.
    pub fn new(line: usize, message: impl Into<String>) -> ParseError {
        let message: String = message.into();
        let mut clean = String::with_capacity(message.len().min(MAX_MESSAGE_CHARS + 4));
        for (count, c) in message.chars().enumerate() {
            if count >= MAX_MESSAGE_CHARS {
                clean.push('…');
                break;
            }
            clean.push(if c.is_control() { ' ' } else { c });
        }
        if clean.trim().is_empty() {
            clean = "invalid input".to_string();
        }
        ParseError { line: line.max(1), message: clean }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parse `text` as a history in `format` (or the format [`detect`] finds).
pub fn parse(text: &str, format: Format) -> Result<ParsedHistory, ParseError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(ParseError::new(1, format!("the input is larger than {} MiB", MAX_INPUT_BYTES >> 20)));
    }
    // A byte-order mark is not part of any format.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = match format {
        Format::Auto => detect(text)?,
        other => other,
    };
    match format {
        Format::Json => json::parse(text),
        Format::Edn => edn::parse(text),
        Format::JepsenLog => jepsen_log::parse(text),
        Format::Auto => unreachable!("detect() never returns Auto"),
    }
}

/// Tell the format of `text` from its first line that is neither blank nor
/// a `;` comment: a Jepsen log operation line is a log; `{"` (whitespace
/// allowed between) is JSON; `{:`, `[` or `(` is EDN; otherwise, a Jepsen
/// log if any later line has the shape of a log operation line.
pub fn detect(text: &str) -> Result<Format, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut offset = 0;
    for (index, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        let number = index + 1;
        // A log line may itself start with a bracket (`[main] INFO ...`).
        if jepsen_log::shape(line).is_some() {
            return Ok(Format::JepsenLog);
        }
        if trimmed.starts_with('{') {
            // `{` then (perhaps after whitespace and newlines) `"` or `}`:
            // JSON. Anything else after `{` is an EDN map.
            let brace = start + (line.len() - line.trim_start().len());
            let after = text[brace + 1..].trim_start();
            return Ok(if after.starts_with('"') || after.starts_with('}') { Format::Json } else { Format::Edn });
        }
        if trimmed.starts_with('[') || trimmed.starts_with('(') {
            return Ok(Format::Edn);
        }
        if text[start..].split('\n').any(|l| jepsen_log::shape(l).is_some()) {
            return Ok(Format::JepsenLog);
        }
        return Err(ParseError::new(
            number,
            "cannot tell the format (JSON, EDN or a Jepsen log); say which with --format",
        ));
    }
    Err(empty())
}

/// The error for an input with nothing but blanks and comments.
fn empty() -> ParseError {
    ParseError::new(1, "the history is empty")
}

/// `text` quoted for an error message: escaped, and cut short if long.
fn snippet(text: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count >= MAX {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out
}

/// Parse a history for checking against the model called `model`: the
/// model starts from `initial` if given, else from what the format implies
/// (a bank has no default: one of the two must give its balances), and
/// every operation must be one the model knows. Errors are one line and
/// name the input's line where there is one. What `faultline check` and the
/// page's `checkHistory` both do before they search.
pub fn parse_for_model(
    text: &str,
    format: Format,
    model: &str,
    initial: Option<Value>,
) -> Result<(ParsedHistory, ModelSpec), String> {
    let spec = ModelSpec::by_name(model)?;
    let parsed = parse(text, format).map_err(|e| e.to_string())?;
    let spec = match initial.or_else(|| parsed.initial.clone()) {
        Some(initial) => spec.with_initial(initial),
        None => spec,
    };
    // A bank without its initial balances cannot check even an empty history.
    spec.ready()?;
    for (operation, line) in parsed.history.operations.iter().zip(&parsed.lines) {
        spec.accepts(operation).map_err(|e| format!("line {line}: {e}"))?;
    }
    Ok((parsed, spec))
}
