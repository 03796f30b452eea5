//! What the declarations (`declare.rs`) are made of: the traits through
//! which every field reads itself from the JSON tree and writes itself
//! back, their implementations for plain values, and the checks and
//! messages every part of the format shares.

use super::value::{Number, Path, Value};
use crate::error::{quote, suggest, ScenarioError};
use crate::model::{ClientFamily, ClientId, Link, MessageId, NodeId};

pub(crate) type Result<T> = std::result::Result<T, ScenarioError>;
/// An object's fields, in written order.
pub(crate) type Fields = [(String, Value)];
/// An object's fields being written, in order.
pub(crate) type Written = Vec<(&'static str, Value)>;

/// What decoding a value knows from elsewhere in the document.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Context {
    /// The client operations the scenario's protocol takes; none when the
    /// protocol is not known (an action read alone, through serde).
    pub(crate) family: Option<ClientFamily>,
}

/// A value a field can hold: read from the JSON tree, with errors naming
/// `path`, and written back.
pub(crate) trait FieldValue: Sized {
    fn decode(value: &Value, path: &Path, cx: Context) -> Result<Self>;
    fn encode(&self) -> Value;
}

/// A value that can stand in a list.
pub(crate) trait ListItem: FieldValue {
    /// What a list of these looks like, for "expected {LIST}, found ...".
    const LIST: &'static str;
    /// At most how many items a list may hold, and what they are called.
    /// `validate` checks the same bound (a scenario built in Rust needs it
    /// too); checking here refuses a flood before decoding it.
    const ITEMS_MAX: Option<(usize, &'static str)> = None;
}

/// How a declared field reads from and writes to the object it stands in:
/// by its name, when it holds a [`FieldValue`]; or flattened, when it holds
/// a tagged union whose tag is the field and whose variant's fields stand
/// beside it (an action beside `at_tick`, an operation beside `client`).
pub(crate) trait Field: Sized {
    /// Whether the field brings fields of its own into its object. Such a
    /// field checks the object for unknown fields itself, since which fields
    /// exist depends on its tag.
    const FLATTENED: bool = false;

    /// `missing` is the hint when the field is absent; `siblings` are the
    /// names of the other fields of the object, which a flattened field lets
    /// pass.
    fn decode_field(
        fields: &Fields,
        path: &Path,
        name: &'static str,
        missing: &dyn Fn() -> String,
        siblings: &[&str],
        cx: Context,
    ) -> Result<Self>;

    fn encode_field(&self, name: &'static str, out: &mut Written);

    /// Every name the field may bring into its object.
    fn known_names(name: &'static str, out: &mut Vec<&'static str>) {
        out.push(name);
    }
}

impl<T: FieldValue> Field for T {
    fn decode_field(
        fields: &Fields,
        path: &Path,
        name: &'static str,
        missing_hint: &dyn Fn() -> String,
        _siblings: &[&str],
        cx: Context,
    ) -> Result<T> {
        let path = path.field(name);
        match find(fields, name) {
            Some(value) => T::decode(value, &path, cx),
            None => Err(missing(&path, &missing_hint())),
        }
    }

    fn encode_field(&self, name: &'static str, out: &mut Written) {
        out.push((name, self.encode()));
    }
}

/// A struct declared with `section!`.
pub(crate) trait Section: Sized {
    /// Every field's name, in declared order, which is the written order.
    const FIELDS: &'static [&'static str];
    /// Whether a field is flattened (and so checks for unknown fields).
    const FLATTENS: bool;

    /// The section from an object whose unknown fields were refused already:
    /// its required fields in declared order, then the others in written
    /// order. `context` names the section in hints ("a log entry").
    fn decode_fields(fields: &Fields, path: &Path, context: &str, cx: Context) -> Result<Self>;

    fn encode_fields(&self, out: &mut Written);
}

/// A section that stands alone as an object. `expected` describes the
/// object, `context` names it in messages about its fields.
pub(crate) fn decode_object<S: Section>(
    value: &Value,
    path: &Path,
    expected: &str,
    context: &str,
    cx: Context,
) -> Result<S> {
    let fields = expect_object(value, path, expected)?;
    // Unknown fields first, so that a misspelt required field gets its
    // did-you-mean rather than a complaint that it is missing.
    if !S::FLATTENS {
        reject_unknown(fields, path, context, S::FIELDS, &[])?;
    }
    S::decode_fields(fields, path, context, cx)
}

pub(crate) fn encode_object<S: Section>(section: &S) -> Value {
    let mut fields = Vec::new();
    section.encode_fields(&mut fields);
    object(fields)
}

/// A tagged union declared with `tagged!`: one JSON field (the tag) names
/// the variant, whose fields stand beside it.
pub(crate) trait Tagged: Sized {
    /// Every variant's name, in declared order.
    const KINDS: &'static [&'static str];
    fn kind(&self) -> &'static str;
    /// The fields the variant called `kind` declares.
    fn fields_of(kind: &str) -> &'static [&'static str];
    /// Every name the variant called `kind` may bring into its object
    /// (a flattened field brings several).
    fn known_of(kind: &str, out: &mut Vec<&'static str>);
    /// The variant called `kind` (one of `KINDS`), from an object whose
    /// unknown fields were refused already; `context` names the variant in
    /// hints ("a pause action").
    fn decode_variant(kind: &str, fields: &Fields, path: &Path, context: &str, cx: Context) -> Result<Self>;
    fn encode_variant(&self, out: &mut Written);
}

/// The tag, then the variant's fields.
pub(crate) fn encode_tagged<T: Tagged>(value: &T, tag: &'static str, out: &mut Written) {
    out.push((tag, Value::String(value.kind().to_owned())));
    value.encode_variant(out);
}

/// The variant named by the `tag` field, one of `T::KINDS`; `what` names
/// the kind of thing for a misspelt name ("unknown action ...").
pub(crate) fn decode_kind<T: Tagged>(
    fields: &Fields,
    path: &Path,
    tag: &str,
    missing_hint: &dyn Fn() -> String,
    what: &str,
) -> Result<&'static str> {
    let tag_path = path.field(tag);
    let value = find(fields, tag).ok_or_else(|| missing(&tag_path, &missing_hint()))?;
    let name = expect_string(value, &tag_path)?;
    match T::KINDS.iter().find(|kind| **kind == name) {
        Some(kind) => Ok(kind),
        None => {
            let hint = match suggest(name, T::KINDS) {
                Some(near) => format!("did you mean {}?", quote(near)),
                None => format!("known: {}", T::KINDS.join(", ")),
            };
            Err(ScenarioError::at(tag_path, format!("unknown {what} {} ({hint})", quote(name))))
        }
    }
}

/// The hint for a missing field that lists what the thing needs.
pub(crate) fn needs(context: &str, names: &[&str]) -> String {
    format!("{context} needs {}", names.join(", "))
}

// ---------------------------------------------------------------- values

impl FieldValue for u64 {
    fn decode(value: &Value, path: &Path, _: Context) -> Result<u64> {
        let message = match value {
            Value::Number(Number::Unsigned(n)) => return Ok(*n),
            Value::Number(Number::Negative(n)) => format!("must not be negative, found {n}"),
            Value::Number(Number::Float(x)) => float_problem(*x),
            other => format!("expected a whole number, found {}", describe(other)),
        };
        Err(ScenarioError::at(path, message))
    }

    fn encode(&self) -> Value {
        Value::Number(Number::Unsigned(*self))
    }
}

/// What is wrong with a float where a whole number belongs.
fn float_problem(x: f64) -> String {
    let shown = Number::Float(x);
    if x < 0.0 {
        format!("must not be negative, found {shown}")
    } else if x.fract() != 0.0 {
        format!("expected a whole number, found {shown}")
    } else if x >= u64::MAX as f64 {
        // The parser turns whole numbers beyond u64 into floats.
        format!("{shown} is too large (at most {})", u64::MAX)
    } else {
        format!("write whole numbers without a decimal point or exponent, found {shown}")
    }
}

impl FieldValue for u32 {
    fn decode(value: &Value, path: &Path, cx: Context) -> Result<u32> {
        let n = u64::decode(value, path, cx)?;
        u32::try_from(n).map_err(|_| ScenarioError::at(path, format!("{n} is too large (at most {})", u32::MAX)))
    }

    fn encode(&self) -> Value {
        u64::from(*self).encode()
    }
}

impl FieldValue for bool {
    fn decode(value: &Value, path: &Path, _: Context) -> Result<bool> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(ScenarioError::at(path, format!("expected true or false, found {}", describe(other)))),
        }
    }

    fn encode(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FieldValue for String {
    fn decode(value: &Value, path: &Path, _: Context) -> Result<String> {
        expect_string(value, path).map(str::to_owned)
    }

    fn encode(&self) -> Value {
        Value::String(self.clone())
    }
}

/// Ids are written as their bare numbers.
macro_rules! id_value {
    ($id:ident, $number:ty) => {
        impl FieldValue for $id {
            fn decode(value: &Value, path: &Path, cx: Context) -> Result<$id> {
                <$number>::decode(value, path, cx).map($id)
            }

            fn encode(&self) -> Value {
                self.0.encode()
            }
        }
    };
}

id_value!(NodeId, u32);
id_value!(ClientId, u32);
id_value!(MessageId, u64);

/// A link is written as its two nodes, `[a, b]`.
impl FieldValue for Link {
    fn decode(value: &Value, path: &Path, cx: Context) -> Result<Link> {
        const SHAPE: &str = "a link, two nodes like [0, 1]";
        match expect_array(value, path, SHAPE)? {
            [a, b] => Ok(Link(NodeId::decode(a, &path.index(0), cx)?, NodeId::decode(b, &path.index(1), cx)?)),
            items => Err(ScenarioError::at(path, format!("expected {SHAPE}, found a list of {}", items.len()))),
        }
    }

    fn encode(&self) -> Value {
        Value::Array(vec![self.0.encode(), self.1.encode()])
    }
}

/// Null for none. The only optional node is a Raft node's vote.
impl FieldValue for Option<NodeId> {
    fn decode(value: &Value, path: &Path, cx: Context) -> Result<Option<NodeId>> {
        match value {
            Value::Null => Ok(None),
            Value::Number(_) => NodeId::decode(value, path, cx).map(Some),
            other => Err(ScenarioError::at(
                path,
                format!("expected a node number, or null for no vote, found {}", describe(other)),
            )),
        }
    }

    fn encode(&self) -> Value {
        self.map_or(Value::Null, |node| node.encode())
    }
}

impl<T: ListItem> FieldValue for Vec<T> {
    fn decode(value: &Value, path: &Path, cx: Context) -> Result<Vec<T>> {
        let items = expect_array(value, path, T::LIST)?;
        if let Some((items_max, noun)) = T::ITEMS_MAX {
            if items.len() > items_max {
                let message = format!("{} {noun} is more than the {items_max} allowed", items.len());
                return Err(ScenarioError::at(path, message));
            }
        }
        items.iter().enumerate().map(|(index, item)| T::decode(item, &path.index(index), cx)).collect()
    }

    fn encode(&self) -> Value {
        Value::Array(self.iter().map(T::encode).collect())
    }
}

/// A setting that takes one of `known` names (declared with `names!`).
pub(crate) fn decode_name<T>(
    value: &Value,
    path: &Path,
    what: &str,
    known: &[&str],
    by_name: fn(&str) -> Option<T>,
) -> Result<T> {
    let name = expect_string(value, path)?;
    by_name(name).ok_or_else(|| unknown_name(path, what, name, known))
}

/// An unknown name for a setting that takes one of `known`: all are listed,
/// since there are few, after the likely one when the name looks misspelt.
fn unknown_name(path: &Path, what: &str, name: &str, known: &[&str]) -> ScenarioError {
    let near = match suggest(name, known) {
        Some(near) => format!("did you mean {}? ", quote(near)),
        None => String::new(),
    };
    ScenarioError::at(path, format!("unknown {what} {} ({near}known: {})", quote(name), known.join(", ")))
}

// ---------------------------------------------------------------- shared checks

pub(crate) fn find<'v>(fields: &'v Fields, key: &str) -> Option<&'v Value> {
    fields.iter().find(|(name, _)| name == key).map(|(_, value)| value)
}

/// Refuses the first field that is neither `known` (which messages list)
/// nor `unlisted` (fields the caller reads, such as a tag).
pub(crate) fn reject_unknown(
    fields: &Fields,
    path: &Path,
    context: &str,
    known: &[&str],
    unlisted: &[&str],
) -> Result<()> {
    let is_known = |key: &str| known.contains(&key) || unlisted.contains(&key);
    match fields.iter().find(|(key, _)| !is_known(key)) {
        Some((key, _)) => Err(unknown_field(&path.field(key), key, context, known)),
        None => Ok(()),
    }
}

fn unknown_field(path: &Path, key: &str, context: &str, known: &[&str]) -> ScenarioError {
    let hint = match suggest(key, known) {
        Some(near) => format!("did you mean {near}?"),
        None if known.is_empty() => "it takes no other fields".to_owned(),
        None => format!("known: {}", known.join(", ")),
    };
    // The path already shows the field's name.
    ScenarioError::at(path, format!("{context} has no such field ({hint})"))
}

pub(crate) fn missing(path: &Path, hint: &str) -> ScenarioError {
    ScenarioError::at(path, format!("missing; {hint}"))
}

/// How a wrong value is named in a message.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("the text {}", quote(s)),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

pub(crate) fn expect_object<'v>(value: &'v Value, path: &Path, expected: &str) -> Result<&'v Fields> {
    match value {
        Value::Object(fields) => Ok(fields),
        other => Err(ScenarioError::at(path, format!("expected {expected}, found {}", describe(other)))),
    }
}

fn expect_array<'v>(value: &'v Value, path: &Path, expected: &str) -> Result<&'v [Value]> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(ScenarioError::at(path, format!("expected {expected}, found {}", describe(other)))),
    }
}

pub(crate) fn expect_string<'v>(value: &'v Value, path: &Path) -> Result<&'v str> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(ScenarioError::at(path, format!("expected text in quotes, found {}", describe(other)))),
    }
}

pub(crate) fn object(fields: Written) -> Value {
    Value::Object(fields.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}
