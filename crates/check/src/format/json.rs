//! Faultline's own history format, what the simulator writes:
//!
//! ```json
//! {"operations": [
//!   {"client": 0, "f": "write", "key": 0, "input": 5, "output": null, "invoke": 34, "complete": 63},
//!   {"client": 1, "f": "read", "key": 0, "output": 5, "invoke": 39, "complete": 59},
//!   {"client": 2, "f": "read", "key": 0, "invoke": 40}
//! ]}
//! ```
//!
//! `key` and `input` may be left out (no key; nil input); a left-out
//! `output` is unknown while `null` is nil; a left-out or null `complete`
//! never returned. An optional top-level `"initial"` gives the register's
//! (or every key's) value before the first operation, or a bank's
//! balances:
//!
//! ```json
//! {"initial": [100, 100, 100], "operations": [
//!   {"client": 0, "f": "transfer", "input": [0, 2, 30], "output": true, "invoke": 3, "complete": 9},
//!   {"client": 1, "f": "read", "output": [70, 100, 130], "invoke": 10, "complete": 12}
//! ]}
//! ```
//!
//! A small hand-written JSON parser (rather than serde_json) so that every
//! operation, and every error, has its line.

use super::{empty, snippet, Format, ParseError, ParsedHistory, MAX_DEPTH};
use crate::history::{Function, History, Operation, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

struct Node<'a> {
    line: usize,
    kind: Json<'a>,
}

enum Json<'a> {
    Null,
    Bool(bool),
    /// Any integer from -2^64 to 2^64 (`u64` fields and `i64` values).
    Int(i128),
    Str(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<Field<'a>>),
}

struct Field<'a> {
    name: Cow<'a, str>,
    /// The line of the field's name.
    line: usize,
    value: Node<'a>,
}

fn describe(node: &Node) -> String {
    match &node.kind {
        Json::Null => "null".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Int(i) => i.to_string(),
        Json::Str(s) => format!("\"{}\"", snippet(s)),
        Json::Array(_) => "a list".to_string(),
        Json::Object(_) => "an object".to_string(),
    }
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.pos += 1;
        }
    }

    /// Before the history: whitespace, and lines that are `;` comments.
    fn skip_leading_comments(&mut self) {
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b';') {
                return;
            }
            while let Some(b) = self.peek() {
                if b == b'\n' {
                    break;
                }
                self.pos += 1;
            }
        }
    }

    /// What is at the current position, for messages.
    fn found(&self) -> String {
        match self.src.get(self.pos..).and_then(|rest| rest.chars().next()) {
            None if self.pos >= self.bytes.len() => "the end of the input".to_string(),
            None => "a stray byte".to_string(),
            Some(c) => format!("'{}'", snippet(&c.to_string())),
        }
    }

    fn error(&self, expected: &str) -> ParseError {
        ParseError::new(self.line, format!("expected {expected}, found {}", self.found()))
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(self.line, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        self.skip_whitespace();
        let line = self.line;
        let kind = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Json::Str(self.string()?),
            Some(b'-' | b'0'..=b'9') => Json::Int(self.number()?),
            Some(b't') => self.literal("true", Json::Bool(true))?,
            Some(b'f') => self.literal("false", Json::Bool(false))?,
            Some(b'n') => self.literal("null", Json::Null)?,
            _ => return Err(self.error("a JSON value")),
        };
        Ok(Node { line, kind })
    }

    fn literal(&mut self, word: &str, kind: Json<'a>) -> Result<Json<'a>, ParseError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.error("a JSON value"))
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json<'a>, ParseError> {
        let open_line = self.line;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                None => return Err(self.unclosed("list", open_line, ']')),
                Some(_) => return Err(self.error("',' or ']' after an item of a list")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json<'a>, ParseError> {
        let open_line = self.line;
        self.pos += 1;
        let mut fields = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(fields));
        }
        loop {
            self.skip_whitespace();
            let line = self.line;
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.unclosed("object", open_line, '}')),
                Some(_) => return Err(self.error("a field name in double quotes")),
            }
            let name = self.string()?;
            self.skip_whitespace();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.unclosed("object", open_line, '}')),
                Some(_) => return Err(self.error("':' after a field name")),
            }
            let value = self.value(depth + 1)?;
            fields.push(Field { name, line, value });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(fields));
                }
                None => return Err(self.unclosed("object", open_line, '}')),
                Some(_) => return Err(self.error("',' or '}' after a field")),
            }
        }
    }

    fn unclosed(&self, what: &str, open_line: usize, close: char) -> ParseError {
        ParseError::new(
            self.line,
            format!("the input ends inside the {what} opened on line {open_line} (expected '{close}')"),
        )
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(ParseError::new(self.line, "the input ends inside a string (expected '\"')")),
                Some(b'"') => {
                    let text = self.src.get(start..self.pos).unwrap_or("");
                    self.pos += 1;
                    return Ok(Cow::Borrowed(text));
                }
                Some(b'\\') => break,
                Some(b) if b < 0x20 => return Err(self.control_character()),
                Some(_) => self.pos += 1,
            }
        }
        let mut text = String::from(self.src.get(start..self.pos).unwrap_or(""));
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => return Err(ParseError::new(self.line, "the input ends inside a string (expected '\"')")),
                Some(b'"') => {
                    text.push_str(self.src.get(run..self.pos).unwrap_or(""));
                    self.pos += 1;
                    return Ok(Cow::Owned(text));
                }
                Some(b'\\') => {
                    text.push_str(self.src.get(run..self.pos).unwrap_or(""));
                    let c = match self.bytes.get(self.pos + 1).copied() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let c = self.unicode_escape()?;
                            text.push(c);
                            run = self.pos;
                            continue;
                        }
                        _ => {
                            self.pos += 1;
                            return Err(
                                self.error("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) after '\\'")
                            );
                        }
                    };
                    text.push(c);
                    self.pos += 2;
                    run = self.pos;
                }
                Some(b) if b < 0x20 => return Err(self.control_character()),
                Some(_) => self.pos += 1,
            }
        }
    }

    fn control_character(&self) -> ParseError {
        ParseError::new(self.line, "a string has a raw control character or line break in it (escape it)")
    }

    /// `\uXXXX` (or a surrogate pair of them) at the current position.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let bad = |p: &Parser| ParseError::new(p.line, "expected four hex digits of a character after \\u in a string");
        let first = self.hex4(self.pos + 2).ok_or_else(|| bad(self))?;
        self.pos += 6;
        if (0xD800..0xDC00).contains(&first) {
            let second = (self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u"))
                .then(|| self.hex4(self.pos + 2))
                .flatten()
                .filter(|low| (0xDC00..0xE000).contains(low))
                .ok_or_else(|| {
                    ParseError::new(self.line, "a \\u escape of a high surrogate without its low surrogate")
                })?;
            self.pos += 6;
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code).ok_or_else(|| bad(self));
        }
        char::from_u32(first).ok_or_else(|| ParseError::new(self.line, "a \\u escape of a lone low surrogate"))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        let mut code = 0;
        for &d in digits {
            code = code * 16 + (d as char).to_digit(16)?;
        }
        Some(code)
    }

    fn number(&mut self) -> Result<i128, ParseError> {
        let start = self.pos;
        let mut end = start;
        while end < self.bytes.len() && matches!(self.bytes[end], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            end += 1;
        }
        self.pos = end;
        let token = self.src.get(start..end).unwrap_or("");
        let (negative, digits) = match token.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, token),
        };
        if digits.contains(['.', 'e', 'E']) {
            return Err(ParseError::new(
                self.line,
                format!("the floating-point number {} is not supported (integers only)", snippet(token)),
            ));
        }
        let valid = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !(digits.len() > 1 && digits.starts_with('0'));
        if !valid {
            return Err(ParseError::new(self.line, format!("{} is not a JSON number", snippet(token))));
        }
        let mut magnitude: i128 = 0;
        for b in digits.bytes() {
            magnitude = magnitude * 10 + i128::from(b - b'0');
            if magnitude > i128::from(u64::MAX) {
                return Err(ParseError::new(self.line, format!("the integer {} is too large", snippet(token))));
            }
        }
        Ok(if negative { -magnitude } else { magnitude })
    }
}

fn to_value(node: &Node) -> Result<Value, ParseError> {
    Ok(match &node.kind {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Int(i) => Value::Int(i64::try_from(*i).map_err(|_| {
            ParseError::new(node.line, format!("the integer {i} does not fit in a 64-bit signed value"))
        })?),
        Json::Str(s) => Value::Str(s.to_string()),
        Json::Array(items) => Value::List(items.iter().map(to_value).collect::<Result<_, _>>()?),
        Json::Object(_) => {
            return Err(ParseError::new(
                node.line,
                "an object is not supported as a value (only null, booleans, integers, strings and lists)",
            ))
        }
    })
}

fn to_u64(node: &Node, name: &str) -> Result<u64, ParseError> {
    match node.kind {
        Json::Int(i) if i >= 0 => Ok(i as u64),
        _ => Err(ParseError::new(
            node.line,
            format!("\"{name}\" must be a non-negative integer, not {}", describe(node)),
        )),
    }
}

const OPERATION_FIELDS: [&str; 7] = ["client", "f", "key", "input", "output", "invoke", "complete"];

fn operation(node: &Node) -> Result<Operation, ParseError> {
    let Json::Object(fields) = &node.kind else {
        return Err(ParseError::new(
            node.line,
            format!("expected an operation like {{\"client\": 0, \"f\": \"write\", ...}}, found {}", describe(node)),
        ));
    };
    let mut slots: [Option<&Node>; 7] = [None; 7];
    for field in fields {
        let Some(index) = OPERATION_FIELDS.iter().position(|name| *name == field.name) else {
            return Err(ParseError::new(
                field.line,
                format!(
                    "unknown field \"{}\" in an operation (expected {})",
                    snippet(&field.name),
                    OPERATION_FIELDS.join(", ")
                ),
            ));
        };
        if slots[index].is_some() {
            return Err(ParseError::new(field.line, format!("the operation has \"{}\" twice", field.name)));
        }
        slots[index] = Some(&field.value);
    }
    let [client, f, key, input, output, invoke, complete] = slots;
    let missing = |name: &str| ParseError::new(node.line, format!("the operation has no \"{name}\""));
    let client = to_u64(client.ok_or_else(|| missing("client"))?, "client")?;
    let f = f.ok_or_else(|| missing("f"))?;
    let function = match &f.kind {
        Json::Str(name) => Function::from_name(name),
        _ => None,
    }
    .ok_or_else(|| {
        let names: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
        ParseError::new(f.line, format!("unknown operation {} (expected one of {})", describe(f), names.join(", ")))
    })?;
    let invoke_node = invoke.ok_or_else(|| missing("invoke"))?;
    let invoke = to_u64(invoke_node, "invoke")?;
    let complete = match complete {
        None | Some(Node { kind: Json::Null, .. }) => None,
        Some(node) => {
            let complete = to_u64(node, "complete")?;
            if complete < invoke {
                return Err(ParseError::new(
                    node.line,
                    format!("\"complete\" ({complete}) is before \"invoke\" ({invoke})"),
                ));
            }
            Some(complete)
        }
    };
    Ok(Operation {
        client,
        function,
        key: key.map(to_value).transpose()?,
        input: input.map(to_value).transpose()?.unwrap_or(Value::Nil),
        output: output.map(to_value).transpose()?,
        invoke,
        complete,
    })
}

/// Parse Faultline's JSON history format.
pub(crate) fn parse(text: &str) -> Result<ParsedHistory, ParseError> {
    let mut parser = Parser { src: text, bytes: text.as_bytes(), pos: 0, line: 1 };
    parser.skip_leading_comments();
    match parser.peek() {
        None => return Err(empty()),
        Some(b'{') => {}
        Some(_) => return Err(parser.error("a JSON object like {\"operations\": [...]}")),
    }
    let top = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("the end of the input after the history's object"));
    }
    let Json::Object(fields) = &top.kind else { unreachable!("the history starts with '{{'") };
    let mut operations = None;
    let mut initial = None;
    for field in fields {
        let slot = match &*field.name {
            "operations" => &mut operations,
            "initial" => &mut initial,
            other => {
                return Err(ParseError::new(
                    field.line,
                    format!("unknown field \"{}\" (expected \"operations\" or \"initial\")", snippet(other)),
                ))
            }
        };
        if slot.is_some() {
            return Err(ParseError::new(field.line, format!("the history has \"{}\" twice", field.name)));
        }
        *slot = Some(&field.value);
    }
    let operations = operations
        .ok_or_else(|| ParseError::new(top.line, "expected a field \"operations\" with the list of operations"))?;
    let Json::Array(items) = &operations.kind else {
        return Err(ParseError::new(
            operations.line,
            format!("\"operations\" must be a list of operations, not {}", describe(operations)),
        ));
    };
    let mut history = Vec::with_capacity(items.len());
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        history.push(operation(item)?);
        lines.push(item.line);
    }
    Ok(ParsedHistory {
        history: History::new(history),
        format: Format::Json,
        lines,
        initial: initial.map(to_value).transpose()?,
    })
}

/// `history` in Faultline's JSON format, one operation per line.
pub fn to_json(history: &History) -> String {
    to_json_with_initial(history, None)
}

/// `history` in Faultline's JSON format, with an `"initial"` field if
/// `initial` is given.
pub fn to_json_with_initial(history: &History, initial: Option<&Value>) -> String {
    let mut out = String::with_capacity(64 + history.operations.len() * 96);
    out.push('{');
    if let Some(initial) = initial {
        out.push_str("\"initial\": ");
        write_value(&mut out, initial);
        out.push_str(", ");
    }
    out.push_str("\"operations\": [");
    for (index, operation) in history.operations.iter().enumerate() {
        out.push_str(if index == 0 { "\n  " } else { ",\n  " });
        write_operation(&mut out, operation);
    }
    if !history.operations.is_empty() {
        out.push('\n');
    }
    out.push_str("]}\n");
    out
}

fn write_operation(out: &mut String, operation: &Operation) {
    let _ = write!(out, "{{\"client\": {}, \"f\": \"{}\"", operation.client, operation.function.name());
    if let Some(key) = &operation.key {
        out.push_str(", \"key\": ");
        write_value(out, key);
    }
    if operation.input != Value::Nil {
        out.push_str(", \"input\": ");
        write_value(out, &operation.input);
    }
    if let Some(output) = &operation.output {
        out.push_str(", \"output\": ");
        write_value(out, output);
    }
    let _ = write!(out, ", \"invoke\": {}", operation.invoke);
    if let Some(complete) = operation.complete {
        let _ = write!(out, ", \"complete\": {complete}");
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Str(s) => write_json_string(out, s),
        Value::List(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
    }
}

/// `s` as a JSON string, quoted and escaped (the page's API writes its
/// JSON with this too).
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
