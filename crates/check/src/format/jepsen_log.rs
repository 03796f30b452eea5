//! The operation lines of a Jepsen log, as Jepsen's etcd tests print them:
//!
//! ```text
//! INFO  jepsen.util - 2<TAB>:invoke<TAB>:cas<TAB>[3 0]
//! INFO  jepsen.util - 2<TAB>:fail<TAB>:cas<TAB>[3 0]
//! ```
//!
//! A prefix up to ` - `, then the process, the event type, the function
//! and the value (EDN), separated by tabs (a fifth field, the error, is
//! ignored). Every other line is skipped, and so are the nemesis's.
//!
//! The object is a compare-and-set register that starts with no value, so
//! unlike Knossos's EDN a read of nil constrains (the register had no
//! value), a failed cas completed and returned false, and a failed read
//! (`:timed-out`) completed with an unknown result. `:info` never returned;
//! any other `:fail` did not take effect.

use super::edn::{to_value, Reader};
use super::events::{returns_value, takes_no_input, Builder, EventType};
use super::{empty, snippet, Format, ParseError, ParsedHistory};
use crate::history::{Function, Value};

/// The fields of a line that has the shape of a log operation line.
pub(crate) struct Shape<'a> {
    /// `None` for the nemesis.
    process: Option<u64>,
    kind: EventType,
    /// Without its `:`.
    f: &'a str,
    /// EDN text.
    value: &'a str,
}

/// The fields of `line` if it is a log operation line.
pub(crate) fn shape(line: &str) -> Option<Shape<'_>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = line.split('\t');
    let head = fields.next()?;
    let kind = fields.next()?;
    let f = fields.next()?;
    let value = fields.next()?;
    let process = match head.rfind(" - ") {
        Some(at) => &head[at + 3..],
        None => head,
    }
    .trim();
    let process = if process == ":nemesis" {
        None
    } else if !process.is_empty() && process.bytes().all(|b| b.is_ascii_digit()) {
        Some(process.parse::<u64>().ok()?)
    } else {
        return None;
    };
    let kind = EventType::from_name(kind.trim().strip_prefix(':')?)?;
    let f = f.trim().strip_prefix(':')?;
    if f.is_empty() || f.contains(char::is_whitespace) {
        return None;
    }
    Some(Shape { process, kind, f, value })
}

/// The value field of the log line numbered `line`.
fn value(text: &str, line: usize) -> Result<Value, ParseError> {
    let mut reader = Reader::new(text, line);
    if reader.at_end()? {
        return Ok(Value::Nil);
    }
    let node = reader.read(0)?;
    if !reader.at_end()? {
        return Err(ParseError::new(
            reader.line(),
            format!("expected one EDN value in the value field, found more after it: {}", snippet(text.trim())),
        ));
    }
    to_value(&node)
}

const NO_LINES: &str = "no Jepsen log operation lines found (expected lines like \
                        `INFO  jepsen.util - 2<TAB>:invoke<TAB>:cas<TAB>[3 0]`)";

/// Parse the operation lines of a Jepsen log.
pub(crate) fn parse(text: &str) -> Result<ParsedHistory, ParseError> {
    if text.lines().all(|line| line.trim().is_empty() || line.trim_start().starts_with(';')) {
        return Err(empty());
    }
    let mut builder = Builder::default();
    let mut next_at = 0u64;
    let mut any = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index + 1;
        let Some(shape) = shape(raw) else { continue };
        any = true;
        let at = next_at;
        next_at += 1;
        let Some(client) = shape.process else { continue };
        let function = Function::from_name(shape.f)
            .ok_or_else(|| ParseError::new(line, format!("unknown operation :{}", snippet(shape.f))))?;
        match shape.kind {
            EventType::Invoke => {
                let input = if takes_no_input(function) { Value::Nil } else { value(shape.value, line)? };
                builder.invoke(client, function, None, input, at, line)?;
            }
            EventType::Ok => {
                let index = builder.complete(client, function, shape.kind, line)?;
                let output = if returns_value(function) {
                    // The register starts with no value: nil is a result.
                    value(shape.value, line)?
                } else if function == Function::Cas {
                    Value::Bool(true)
                } else {
                    Value::Nil
                };
                let operation = builder.operation(index);
                operation.output = Some(output);
                operation.complete = Some(at);
            }
            EventType::Fail => {
                let index = builder.complete(client, function, shape.kind, line)?;
                match function {
                    // The cas completed, and did not apply.
                    Function::Cas => {
                        let operation = builder.operation(index);
                        operation.output = Some(Value::Bool(false));
                        operation.complete = Some(at);
                    }
                    // The read completed, but what it saw is unknown.
                    Function::Read => builder.operation(index).complete = Some(at),
                    _ => builder.drop_operation(index),
                }
            }
            EventType::Info => {
                builder.complete(client, function, shape.kind, line)?;
            }
        }
    }
    if !any {
        return Err(ParseError::new(1, NO_LINES));
    }
    let (history, lines) = builder.finish();
    Ok(ParsedHistory { history, format: Format::JepsenLog, lines, initial: Some(Value::Nil) })
}
