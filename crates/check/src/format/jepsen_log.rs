//! The operation lines of a Jepsen log, as Jepsen's etcd tests print them:
//!
//! ```text
//! INFO  jepsen.util - 2<TAB>:invoke<TAB>:cas<TAB>[3 0]
//! INFO  jepsen.util - 2<TAB>:fail<TAB>:cas<TAB>[3 0]
//! INFO  jepsen.util - 4    :fail    :read    nil    :timed-out
//! ```
//!
//! An optional prefix ending in a `-` field, then the process, the event
//! type, the function and the value, separated by any run of spaces and
//! tabs (logs are found both ways, and mixed). The value is one EDN form,
//! which may hold spaces itself (`[3 0]`, `"a b"`); the EDN reader tells
//! where it ends, and whatever follows it is the error field, ignored. A
//! line with no value has nil. Every other line is skipped, and so are the
//! nemesis's.
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
    /// The rest of the line: the value (EDN text), perhaps followed by the
    /// error field; empty when the line has no value.
    value: &'a str,
}

/// What separates a log line's fields.
fn is_separator(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The fields of a line: the texts between runs of separators.
#[derive(Clone)]
struct Fields<'a> {
    line: &'a str,
    /// Where the next field's search starts.
    at: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = &self.line[self.at..];
        let field = rest.trim_start_matches(is_separator);
        let start = self.at + (rest.len() - field.len());
        let length = field.find(is_separator).unwrap_or(field.len());
        if length == 0 {
            return None;
        }
        self.at = start + length;
        Some(&self.line[start..start + length])
    }
}

/// The fields of `line` if it is a log operation line: the process, type
/// and function fields at the start of the line or right after a field
/// that is a lone `-` (the first place they are found).
pub(crate) fn shape(line: &str) -> Option<Shape<'_>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = Fields { line, at: 0 };
    loop {
        if let Some(shape) = operation(fields.clone()) {
            return Some(shape);
        }
        // On to the field after the next `-`.
        while fields.next()? != "-" {}
    }
}

/// The operation whose process is the next of `fields`, if it is one.
fn operation(mut fields: Fields<'_>) -> Option<Shape<'_>> {
    let process = fields.next()?;
    let process = if process == ":nemesis" {
        None
    } else if process.bytes().all(|b| b.is_ascii_digit()) {
        Some(process.parse::<u64>().ok()?)
    } else {
        return None;
    };
    let kind = EventType::from_name(fields.next()?.strip_prefix(':')?)?;
    let f = fields.next()?.strip_prefix(':')?;
    if f.is_empty() {
        return None;
    }
    let value = fields.line[fields.at..].trim_start_matches(is_separator);
    Some(Shape { process, kind, f, value })
}

/// The value at the start of `text` (the rest of the log line numbered
/// `line`): one EDN form, ended by a separator or the end of the line;
/// what follows it is the error field, ignored. Nil if there is none.
fn value(text: &str, line: usize) -> Result<Value, ParseError> {
    let mut reader = Reader::new(text, line);
    if reader.at_end()? {
        return Ok(Value::Nil);
    }
    let node = reader.read(0)?;
    // The reader stops at a character boundary; `get` keeps this panic-free.
    let after = text.get(reader.offset()..).unwrap_or("");
    if !after.is_empty() && !after.starts_with(is_separator) {
        return Err(ParseError::new(
            reader.line(),
            format!(
                "expected one EDN value in the value field, then a space or a tab before the error field: {}",
                snippet(text.trim())
            ),
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
