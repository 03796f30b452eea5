//! A JSON tree that keeps object fields in order and refuses duplicate
//! keys, plus the two writers. The codec walks this tree by hand (instead of
//! deriving serde impls for the model) so that every error can name the
//! field at fault and the written layout stays pleasant to edit.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    /// Fields in written order; keys are unique.
    Object(Vec<(String, Value)>),
}

/// A JSON number as the parser saw it. Scenario fields are all whole and
/// non-negative; the other two kinds exist to say precisely what was wrong.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::Unsigned(n) => write!(f, "{n}"),
            Number::Negative(n) => write!(f, "{n}"),
            // Plain notation for huge floats would print hundreds of digits.
            Number::Float(x) if x.abs() >= 1e16 => write!(f, "{x:e}"),
            Number::Float(x) => write!(f, "{x:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(Number::Unsigned(n)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(match u64::try_from(n) {
            Ok(n) => Number::Unsigned(n),
            Err(_) => Number::Negative(n),
        }))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Number(Number::Float(x)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // JSON allows repeated keys and most parsers keep the last one, which
        // silently ignores the first: in a hand-written file that is a typo.
        // A B-tree, not a sorted `Vec`: an object may have any number of
        // keys (a share link is anyone's input), and inserting into a
        // `Vec` in no order would take quadratic time.
        let mut seen = BTreeSet::new();
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!(
                    "the field {} appears twice in one object",
                    crate::error::quote(&key)
                )));
            }
            fields.push((key, map.next_value()?));
        }
        Ok(Value::Object(fields))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(Number::Unsigned(n)) => serializer.serialize_u64(*n),
            Value::Number(Number::Negative(n)) => serializer.serialize_i64(*n),
            Value::Number(Number::Float(x)) => serializer.serialize_f64(*x),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl Value {
    /// Everything on one line without spaces: the form that goes into links.
    pub(crate) fn to_compact(&self) -> String {
        let mut out = String::new();
        self.write_inline(&mut out, ",", ":", "");
        out
    }

    /// The layout people edit: one top-level field per line, one list
    /// element per line for top-level lists (the actions), and everything
    /// deeper inline, so an action or a config section reads as one line.
    pub(crate) fn to_pretty(&self) -> String {
        let mut out = String::new();
        match self {
            Value::Object(fields) if !fields.is_empty() => {
                out.push_str("{\n");
                for (index, (key, value)) in fields.iter().enumerate() {
                    out.push_str("  ");
                    write_string(&mut out, key);
                    out.push_str(": ");
                    match value {
                        Value::Array(items) if !items.is_empty() => {
                            out.push_str("[\n");
                            for (item_index, item) in items.iter().enumerate() {
                                out.push_str("    ");
                                item.write_readable(&mut out);
                                out.push_str(separator(item_index, items.len()));
                            }
                            out.push_str("  ]");
                        }
                        value => value.write_readable(&mut out),
                    }
                    out.push_str(separator(index, fields.len()));
                }
                out.push('}');
            }
            value => value.write_readable(&mut out),
        }
        out.push('\n');
        out
    }

    /// One line, with the spacing of the example in the format's docs:
    /// `{ "a": 1, "b": [[0], [1, 2]] }`.
    fn write_readable(&self, out: &mut String) {
        self.write_inline(out, ", ", ": ", " ");
    }

    fn write_inline(&self, out: &mut String, comma: &str, colon: &str, brace_pad: &str) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let _ = write!(out, "{n}");
            }
            Value::String(s) => write_string(out, s),
            Value::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(comma);
                    }
                    item.write_inline(out, comma, colon, brace_pad);
                }
                out.push(']');
            }
            Value::Object(fields) if fields.is_empty() => out.push_str("{}"),
            Value::Object(fields) => {
                out.push('{');
                out.push_str(brace_pad);
                for (index, (key, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push_str(comma);
                    }
                    write_string(out, key);
                    out.push_str(colon);
                    value.write_inline(out, comma, colon, brace_pad);
                }
                out.push_str(brace_pad);
                out.push('}');
            }
        }
    }
}

fn separator(index: usize, len: usize) -> &'static str {
    if index + 1 < len {
        ",\n"
    } else {
        "\n"
    }
}

fn write_string(out: &mut String, s: &str) {
    // serde_json's escaping is the reference; writing a str cannot fail.
    out.push_str(&serde_json::to_string(s).expect("a string always serializes"));
}

/// Where a value sits in the document, built on the stack while walking the
/// tree so that no path string is made unless an error needs it.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub(crate) fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    pub(crate) fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Field(parent, name) => {
                let plain = !name.is_empty()
                    && name.len() <= 40
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                match (plain, parent) {
                    (true, Path::Root) => f.write_str(name),
                    (true, parent) => write!(f, "{parent}.{name}"),
                    // Keys from hostile input may hold anything; quote them.
                    (false, parent) => write!(f, "{parent}[{}]", crate::error::quote(name)),
                }
            }
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_json_access() {
        let root = Path::Root;
        let actions = root.field("actions");
        let second = actions.index(2);
        assert_eq!(second.field("node").to_string(), "actions[2].node");
        assert_eq!(root.field("a b\n").to_string(), r#"["a b\u{a}"]"#);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let err = serde_json::from_str::<Value>(r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }

    #[test]
    fn pretty_puts_list_elements_on_their_own_lines() {
        let value: Value = serde_json::from_str(r#"{"a":{"b":[[0],[1,2]]},"c":[{"d":1},{}],"e":[]}"#).unwrap();
        assert_eq!(
            value.to_pretty(),
            "{\n  \"a\": { \"b\": [[0], [1, 2]] },\n  \"c\": [\n    { \"d\": 1 },\n    {}\n  ],\n  \"e\": []\n}\n"
        );
        assert_eq!(value.to_compact(), r#"{"a":{"b":[[0],[1,2]]},"c":[{"d":1},{}],"e":[]}"#);
    }
}
