//! A small EDN reader, and Jepsen's EDN histories: one vector or list of
//! event maps (Knossos), or one event map per line (Porcupine).
//!
//! The reader knows maps, vectors, lists, sets, keywords, symbols, strings
//! with escapes, characters, integers, nil and booleans, `;` comments,
//! commas as whitespace, `#_` discards and tagged literals. Numbers a
//! history cannot hold (floats, ratios, integers beyond 64 bits) and tagged
//! literals are read, and are an error only where a value is needed, so
//! fields nobody looks at (`:time`, `:error`) can hold anything.

use super::events::{returns_value, takes_no_input, Builder, EventType};
use super::{empty, snippet, ParseError, ParsedHistory, MAX_DEPTH};
use crate::format::Format;
use crate::history::{Function, Value};
use std::borrow::Cow;

/// A form read, with the line it starts on.
#[derive(Debug)]
pub(crate) struct Node<'a> {
    pub line: usize,
    pub kind: Kind<'a>,
}

#[derive(Debug)]
pub(crate) enum Kind<'a> {
    Nil,
    True,
    False,
    Int(i64),
    Str(Cow<'a, str>),
    /// Without its leading `:`.
    Keyword(&'a str),
    Symbol(&'a str),
    List(Vec<Node<'a>>),
    Vector(Vec<Node<'a>>),
    Set(Vec<Node<'a>>),
    /// A map (its entries are read and dropped: no value is a map).
    Map,
    /// A tagged literal (`#inst "..."`): its tag; the form is read and dropped.
    Tagged(&'a str),
    /// Read, but no history can hold it: why (a float, a huge integer).
    Unsupported(String),
}

const BLANK: u8 = 1;
const DELIMITER: u8 = 2;

/// Each byte's class: blank (whitespace and commas; also delimiters), or
/// delimiter (ends a number, symbol, keyword or character).
static CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let blanks = b" \t\n\r,\x0b\x0c";
    let mut i = 0;
    while i < blanks.len() {
        classes[blanks[i] as usize] = BLANK | DELIMITER;
        i += 1;
    }
    let delimiters = b"()[]{}\";";
    let mut i = 0;
    while i < delimiters.len() {
        classes[delimiters[i] as usize] = DELIMITER;
        i += 1;
    }
    classes
};

fn is_blank(b: u8) -> bool {
    CLASSES[b as usize] & BLANK != 0
}

/// Whether `b` ends a token (a number, symbol, keyword or character).
fn is_delimiter(b: u8) -> bool {
    CLASSES[b as usize] & DELIMITER != 0
}

fn closer_name(close: u8) -> char {
    close as char
}

/// Reads EDN forms from text, counting lines.
pub(crate) struct Reader<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `src`, whose first line is line `line` of the input.
    pub(crate) fn new(src: &'a str, line: usize) -> Reader<'a> {
        Reader { src, bytes: src.as_bytes(), pos: 0, line }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skip whitespace, commas and comments.
    fn skip_blank(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b == b'\n' {
                self.line += 1;
                self.pos += 1;
            } else if is_blank(b) {
                self.pos += 1;
            } else if b == b';' {
                while let Some(&c) = self.bytes.get(self.pos) {
                    if c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Skip whitespace, comments and `#_` discarded forms.
    fn skip_ignored(&mut self, depth: usize) -> Result<(), ParseError> {
        loop {
            self.skip_blank();
            if self.peek() == Some(b'#') && self.bytes.get(self.pos + 1) == Some(&b'_') {
                self.pos += 2;
                self.read(depth + 1)?;
            } else {
                return Ok(());
            }
        }
    }

    /// Whether only whitespace and comments are left.
    pub(crate) fn at_end(&mut self) -> Result<bool, ParseError> {
        self.skip_ignored(0)?;
        Ok(self.pos >= self.bytes.len())
    }

    /// The line the reader is on.
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// How many bytes of the text the reader has consumed: after
    /// [`Reader::read`], where the form read ends.
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    /// Read one form, nested `depth` levels deep.
    pub(crate) fn read(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(self.line, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        self.skip_ignored(depth)?;
        let line = self.line;
        let Some(b) = self.peek() else {
            return Err(ParseError::new(line, "expected a value, found the end of the input"));
        };
        let kind = match b {
            b'(' => Kind::List(self.read_seq(b')', "list", depth)?),
            b'[' => Kind::Vector(self.read_seq(b']', "vector", depth)?),
            b'{' => self.read_map(depth)?,
            b')' | b']' | b'}' => {
                return Err(ParseError::new(line, format!("unexpected '{}' with nothing open to close", b as char)));
            }
            b'"' => Kind::Str(self.read_string()?),
            // A character is a one-character string to a history.
            b'\\' => Kind::Str(Cow::Owned(self.read_char()?.to_string())),
            b'#' => self.read_dispatch(depth)?,
            b':' => {
                let name = self.token(self.pos + 1);
                if name.is_empty() {
                    return Err(ParseError::new(line, "a ':' with no keyword name after it"));
                }
                Kind::Keyword(name)
            }
            _ => {
                let token = self.token(self.pos);
                if token.is_empty() {
                    return Err(ParseError::new(line, format!("unexpected character {:?}", b as char)));
                }
                atom(token)
            }
        };
        Ok(Node { line, kind })
    }

    /// The token starting at `start` (up to a delimiter); moves past it.
    fn token(&mut self, start: usize) -> &'a str {
        let mut end = start.min(self.bytes.len());
        while end < self.bytes.len() && !is_delimiter(self.bytes[end]) {
            end += 1;
        }
        self.pos = end;
        // `start` follows an ASCII byte and `end` is at an ASCII delimiter
        // or the end, so both are character boundaries.
        self.src.get(start..end).unwrap_or("")
    }

    /// Consume the opening bracket at the current position, and return the
    /// line it is on.
    fn open(&mut self) -> usize {
        self.pos += 1;
        self.line
    }

    /// The next form of a sequence opened on `open_line` and closed by
    /// `close`, or `None` once it is closed.
    fn next_in_seq(
        &mut self,
        open_line: usize,
        close: u8,
        what: &str,
        depth: usize,
    ) -> Result<Option<Node<'a>>, ParseError> {
        if self.more_in_seq(open_line, close, what, depth)? {
            self.read(depth + 1).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Whether a sequence opened on `open_line` and closed by `close` has
    /// another form (the reader is then at its start), or is closed (the
    /// reader is then past its closing bracket).
    fn more_in_seq(&mut self, open_line: usize, close: u8, what: &str, depth: usize) -> Result<bool, ParseError> {
        self.skip_ignored(depth + 1)?;
        match self.peek() {
            None => Err(ParseError::new(
                self.line,
                format!(
                    "the input ends inside the {what} opened on line {open_line} (expected '{}')",
                    closer_name(close)
                ),
            )),
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            Some(c @ (b')' | b']' | b'}')) => Err(ParseError::new(
                self.line,
                format!(
                    "unexpected '{}': the {what} opened on line {open_line} ends with '{}'",
                    c as char,
                    closer_name(close)
                ),
            )),
            Some(_) => Ok(true),
        }
    }

    fn read_seq(&mut self, close: u8, what: &str, depth: usize) -> Result<Vec<Node<'a>>, ParseError> {
        let open_line = self.open();
        let mut items = Vec::new();
        while let Some(item) = self.next_in_seq(open_line, close, what, depth)? {
            items.push(item);
        }
        Ok(items)
    }

    fn read_map(&mut self, depth: usize) -> Result<Kind<'a>, ParseError> {
        self.visit_map(depth, |_, _| Ok(()))?;
        Ok(Kind::Map)
    }

    /// Read the map at the reader, handing each entry to `visit` rather
    /// than keeping them all.
    fn visit_map(
        &mut self,
        depth: usize,
        mut visit: impl FnMut(Node<'a>, Node<'a>) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        let open_line = self.open();
        while let Some(key) = self.next_in_seq(open_line, b'}', "map", depth)? {
            match self.next_in_seq(open_line, b'}', "map", depth)? {
                Some(value) => visit(key, value)?,
                None => {
                    return Err(ParseError::new(
                        key.line,
                        format!("the map opened on line {open_line} has a key ({}) with no value", describe(&key)),
                    ))
                }
            }
        }
        Ok(())
    }

    fn read_dispatch(&mut self, depth: usize) -> Result<Kind<'a>, ParseError> {
        let line = self.line;
        match self.bytes.get(self.pos + 1).copied() {
            Some(b'{') => {
                self.pos += 1;
                Ok(Kind::Set(self.read_seq(b'}', "set", depth)?))
            }
            Some(b'#') => {
                let token = self.token(self.pos + 2);
                Ok(Kind::Unsupported(format!("##{} is not supported (integers only)", snippet(token))))
            }
            Some(c) if !is_delimiter(c) && c != b'_' => {
                let tag = self.token(self.pos + 1);
                self.read(depth + 1)?;
                Ok(Kind::Tagged(tag))
            }
            _ => Err(ParseError::new(line, "a '#' that starts no set, tag or discard")),
        }
    }

    fn read_string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let open_line = self.line;
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        loop {
            match self.peek() {
                None => return Err(unterminated(self.line, open_line)),
                Some(b'"') => {
                    let text = self.src.get(start..self.pos).unwrap_or("");
                    self.pos += 1;
                    return Ok(Cow::Borrowed(text));
                }
                Some(b'\\') => break,
                Some(b'\n') => {
                    self.line += 1;
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
        let mut text = String::from(self.src.get(start..self.pos).unwrap_or(""));
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => return Err(unterminated(self.line, open_line)),
                Some(b'"') => {
                    text.push_str(self.src.get(run..self.pos).unwrap_or(""));
                    self.pos += 1;
                    return Ok(Cow::Owned(text));
                }
                Some(b'\\') => {
                    text.push_str(self.src.get(run..self.pos).unwrap_or(""));
                    let escaped = match self.bytes.get(self.pos + 1).copied() {
                        Some(b'n') => '\n',
                        Some(b't') => '\t',
                        Some(b'r') => '\r',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'u') => {
                            let hex = self.bytes.get(self.pos + 2..self.pos + 6);
                            let c = hex.and_then(hex_char).ok_or_else(|| {
                                ParseError::new(
                                    self.line,
                                    "expected four hex digits of a character after \\u in a string",
                                )
                            })?;
                            self.pos += 4;
                            c
                        }
                        None => return Err(unterminated(self.line, open_line)),
                        Some(other) => {
                            let shown =
                                self.src.get(self.pos + 1..).and_then(|s| s.chars().next()).unwrap_or(other as char);
                            return Err(ParseError::new(
                                self.line,
                                format!("unknown escape '\\{}' in a string", snippet(&shown.to_string())),
                            ));
                        }
                    };
                    text.push(escaped);
                    self.pos += 2;
                    run = self.pos;
                }
                Some(b'\n') => {
                    self.line += 1;
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn read_char(&mut self) -> Result<char, ParseError> {
        let line = self.line;
        let start = self.pos + 1;
        let Some(first) = self.src.get(start..).and_then(|s| s.chars().next()) else {
            return Err(ParseError::new(line, "a '\\' with no character after it"));
        };
        if first == '\n' {
            self.line += 1;
        }
        let rest = self.token(start + first.len_utf8());
        if rest.is_empty() {
            return Ok(first);
        }
        let name = self.src.get(start..self.pos).unwrap_or("");
        match name {
            "newline" => Ok('\n'),
            "space" => Ok(' '),
            "tab" => Ok('\t'),
            "return" => Ok('\r'),
            "formfeed" => Ok('\u{c}'),
            "backspace" => Ok('\u{8}'),
            _ => name
                .strip_prefix('u')
                .filter(|hex| hex.len() == 4)
                .and_then(|hex| hex_char(hex.as_bytes()))
                .ok_or_else(|| ParseError::new(line, format!("unknown character \\{}", snippet(name)))),
        }
    }
}

fn unterminated(line: usize, open_line: usize) -> ParseError {
    ParseError::new(line, format!("the input ends inside the string opened on line {open_line} (expected '\"')"))
}

/// The character of four hex digits (not a surrogate).
fn hex_char(hex: &[u8]) -> Option<char> {
    if hex.len() != 4 {
        return None;
    }
    let mut code = 0u32;
    for &h in hex {
        code = code * 16 + (h as char).to_digit(16)?;
    }
    char::from_u32(code)
}

/// A number, a symbol, nil or a boolean.
fn atom(token: &str) -> Kind<'_> {
    let bytes = token.as_bytes();
    let starts_number = matches!(bytes, [b'0'..=b'9', ..] | [b'+' | b'-', b'0'..=b'9', ..]);
    if !starts_number {
        return match token {
            "nil" => Kind::Nil,
            "true" => Kind::True,
            "false" => Kind::False,
            _ => Kind::Symbol(token),
        };
    }
    let (negative, unsigned) = match bytes[0] {
        b'-' => (true, &token[1..]),
        b'+' => (false, &token[1..]),
        _ => (false, token),
    };
    let digits = unsigned.strip_suffix('N').unwrap_or(unsigned);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let mut magnitude: i128 = 0;
        for b in digits.bytes() {
            magnitude = match magnitude.checked_mul(10).and_then(|m| m.checked_add(i128::from(b - b'0'))) {
                Some(m) if m <= i128::from(u64::MAX) => m,
                _ => return Kind::Unsupported(format!("the integer {} does not fit in 64 bits", snippet(token))),
            };
        }
        let value = if negative { -magnitude } else { magnitude };
        return match i64::try_from(value) {
            Ok(v) => Kind::Int(v),
            Err(_) => Kind::Unsupported(format!("the integer {} does not fit in 64 bits", snippet(token))),
        };
    }
    if unsigned.contains(['.', 'e', 'E']) || unsigned.ends_with('M') {
        Kind::Unsupported(format!("the floating-point number {} is not supported (integers only)", snippet(token)))
    } else if unsigned.contains('/') {
        Kind::Unsupported(format!("the ratio {} is not supported (integers only)", snippet(token)))
    } else {
        Kind::Unsupported(format!("{} is not a number", snippet(token)))
    }
}

/// A short description of a form, for messages.
pub(crate) fn describe(node: &Node) -> String {
    match &node.kind {
        Kind::Nil => "nil".to_string(),
        Kind::True => "true".to_string(),
        Kind::False => "false".to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Str(s) => format!("\"{}\"", snippet(s)),
        Kind::Keyword(k) => format!(":{}", snippet(k)),
        Kind::Symbol(s) => format!("the symbol {}", snippet(s)),
        Kind::List(_) => "a list".to_string(),
        Kind::Vector(_) => "a vector".to_string(),
        Kind::Set(_) => "a set".to_string(),
        Kind::Map => "a map".to_string(),
        Kind::Tagged(tag) => format!("a #{} tagged value", snippet(tag)),
        Kind::Unsupported(why) => why.clone(),
    }
}

/// The value of a form: nil, booleans, integers, strings (and characters,
/// symbols, and keywords with their `:`), and vectors, lists and sets of
/// them.
pub(crate) fn to_value(node: &Node) -> Result<Value, ParseError> {
    Ok(match &node.kind {
        Kind::Nil => Value::Nil,
        Kind::True => Value::Bool(true),
        Kind::False => Value::Bool(false),
        Kind::Int(i) => Value::Int(*i),
        Kind::Str(s) => Value::Str(s.to_string()),
        Kind::Keyword(k) => Value::Str(format!(":{k}")),
        Kind::Symbol(s) => Value::Str(s.to_string()),
        Kind::List(items) | Kind::Vector(items) | Kind::Set(items) => {
            Value::List(items.iter().map(to_value).collect::<Result<_, _>>()?)
        }
        Kind::Map => {
            return Err(ParseError::new(
                node.line,
                "a map is not supported as a value (only nil, booleans, integers, strings, keywords and vectors)",
            ))
        }
        Kind::Tagged(tag) => {
            return Err(ParseError::new(node.line, format!("the tagged value #{} is not supported", snippet(tag))))
        }
        Kind::Unsupported(why) => return Err(ParseError::new(node.line, why.clone())),
    })
}

/// The fields of an event map that matter, and the line it starts on.
#[derive(Default)]
struct Fields<'a> {
    line: usize,
    process: Option<Node<'a>>,
    kind: Option<Node<'a>>,
    f: Option<Node<'a>>,
    value: Option<Node<'a>>,
    key: Option<Node<'a>>,
}

impl<'a> Fields<'a> {
    /// Keep an entry if it matters.
    fn take(&mut self, key: Node<'a>, value: Node<'a>) -> Result<(), ParseError> {
        let Kind::Keyword(name) = key.kind else { return Ok(()) };
        let slot = match name {
            "process" => &mut self.process,
            "type" => &mut self.kind,
            "f" => &mut self.f,
            "value" => &mut self.value,
            "key" => &mut self.key,
            _ => return Ok(()),
        };
        if slot.is_some() {
            return Err(ParseError::new(key.line, format!("the event has :{name} twice")));
        }
        *slot = Some(value);
        Ok(())
    }
}

/// The event map at the reader (`depth` levels deep).
fn read_event<'a>(reader: &mut Reader<'a>, depth: usize) -> Result<Fields<'a>, ParseError> {
    reader.skip_ignored(depth)?;
    if reader.peek() == Some(b'{') && depth < MAX_DEPTH {
        let mut fields = Fields { line: reader.line, ..Fields::default() };
        reader.visit_map(depth, |key, value| fields.take(key, value))?;
        Ok(fields)
    } else {
        let node = reader.read(depth)?;
        Err(ParseError::new(node.line, format!("{EXPECTED_MAP}, found {}", describe(&node))))
    }
}

/// Events paired into operations.
struct Events {
    builder: Builder,
    /// The position of the next event.
    at: u64,
    /// Whether the history uses key-value operations (Porcupine's).
    key_value: bool,
    /// Whether it has transfers: a bank, whose balances have no default.
    bank: bool,
}

const EXPECTED_MAP: &str = "expected a map like {:process 1, :type :invoke, ...}";

impl Events {
    fn event(&mut self, fields: Fields) -> Result<(), ParseError> {
        let at = self.at;
        self.at += 1;
        let line = fields.line;
        let process = fields.process.as_ref().ok_or_else(|| ParseError::new(line, "the event has no :process"))?;
        let client = match process.kind {
            Kind::Keyword("nemesis") => return Ok(()),
            Kind::Int(n) if n >= 0 => n as u64,
            _ => {
                return Err(ParseError::new(
                    process.line,
                    format!(":process must be a non-negative integer or :nemesis, not {}", describe(process)),
                ))
            }
        };
        let kind_node = fields.kind.as_ref().ok_or_else(|| ParseError::new(line, "the event has no :type"))?;
        let kind = match kind_node.kind {
            Kind::Keyword(name) => EventType::from_name(name),
            _ => None,
        }
        .ok_or_else(|| {
            ParseError::new(
                kind_node.line,
                format!(":type must be :invoke, :ok, :fail or :info, not {}", describe(kind_node)),
            )
        })?;
        let f = fields.f.as_ref().ok_or_else(|| ParseError::new(line, "the event has no :f"))?;
        let function = match &f.kind {
            Kind::Keyword(name) => Function::from_name(name)
                .ok_or_else(|| ParseError::new(f.line, format!("unknown operation :{}", snippet(name))))?,
            Kind::Str(name) => Function::from_name(name)
                .ok_or_else(|| ParseError::new(f.line, format!("unknown operation \"{}\"", snippet(name))))?,
            _ => return Err(ParseError::new(f.line, format!(":f must be a keyword like :read, not {}", describe(f)))),
        };
        if matches!(function, Function::Get | Function::Put | Function::Append) {
            self.key_value = true;
        }
        if function == Function::Transfer {
            self.bank = true;
        }
        let value = |node: Option<&Node>| node.map(to_value).transpose().map(|v| v.unwrap_or(Value::Nil));
        match kind {
            EventType::Invoke => {
                let key = fields.key.as_ref().map(to_value).transpose()?;
                let input = if takes_no_input(function) { Value::Nil } else { value(fields.value.as_ref())? };
                self.builder.invoke(client, function, key, input, at, line)
            }
            EventType::Ok => {
                let index = self.builder.complete(client, function, kind, line)?;
                let output = if returns_value(function) {
                    match value(fields.value.as_ref())? {
                        // Knossos: a read of nil returned nothing useful.
                        Value::Nil if matches!(function, Function::Read | Function::Get) => None,
                        v => Some(v),
                    }
                } else if matches!(function, Function::Cas | Function::Transfer) {
                    // It applied (a transfer: committed).
                    Some(Value::Bool(true))
                } else {
                    Some(Value::Nil)
                };
                let operation = self.builder.operation(index);
                operation.output = output;
                operation.complete = Some(at);
                Ok(())
            }
            EventType::Fail => {
                let index = self.builder.complete(client, function, kind, line)?;
                self.builder.drop_operation(index);
                Ok(())
            }
            EventType::Info => self.builder.complete(client, function, kind, line).map(|_| ()),
        }
    }
}

/// Parse a Jepsen EDN history.
pub(crate) fn parse(text: &str) -> Result<ParsedHistory, ParseError> {
    let mut reader = Reader::new(text, 1);
    let mut events = Events { builder: Builder::default(), at: 0, key_value: false, bank: false };
    let mut any = false;
    loop {
        reader.skip_ignored(0)?;
        let Some(b) = reader.peek() else { break };
        any = true;
        if b == b'[' || b == b'(' {
            // Knossos: one vector or list of events, read one at a time.
            let (close, what) = if b == b'[' { (b']', "vector") } else { (b')', "list") };
            let open_line = reader.open();
            while reader.more_in_seq(open_line, close, what, 0)? {
                events.event(read_event(&mut reader, 1)?)?;
            }
        } else {
            events.event(read_event(&mut reader, 0)?)?;
        }
    }
    if !any {
        return Err(empty());
    }
    let initial = match (events.bank, events.key_value) {
        (true, _) => None,
        (false, true) => Some(Value::Str(String::new())),
        (false, false) => Some(Value::Int(0)),
    };
    let (history, lines) = events.builder.finish();
    Ok(ParsedHistory { history, format: Format::Edn, lines, initial })
}
