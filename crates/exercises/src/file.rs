//! Reading an exercise's file. serde_json reads the text into a small tree
//! through one visitor (serde's derives, one per type, would cost the
//! page's download several times as much), the fields are taken out by
//! hand so that an error names its path, and the scenario and the solution
//! go back to JSON text for the scenario crate's decoder, which reads
//! client operations by the protocol's family.

use crate::{Exercise, ExerciseError, FaultBudget, FaultKind, Goal, InvariantGoal, RoleCount};
use faultline_check::format::write_json_string;
use faultline_scenario::{from_json, ScenarioError};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt::{self, Write};

type Result<T> = std::result::Result<T, ExerciseError>;

/// An exercise from the text of its file; errors name the field at fault.
pub(crate) fn exercise(id: &str, text: &str) -> Result<Exercise> {
    read(id, text).map_err(|error| ExerciseError { exercise: id.to_string(), ..error })
}

const FIELDS: [&str; 10] =
    ["title", "protocol", "task", "goal", "budget", "hints", "explanation", "horizon_ticks", "solution", "scenario"];

fn read(id: &str, text: &str) -> Result<Exercise> {
    let json: Json = serde_json::from_str(text).map_err(|error| wrong("", error.to_string()))?;
    let file = Object::new(&json, "", &FIELDS)?;
    let scenario = file.required("scenario")?;
    let written = from_json(&scenario.to_text_with_actions(None)).map_err(|error| in_field("scenario.", error))?;
    // The solution is read as the actions of the scenario in place of its
    // own, so that its client requests are the protocol's and its nodes
    // exist.
    let solution = from_json(&scenario.to_text_with_actions(Some(file.required("solution")?)))
        .map_err(|error| in_field("", ScenarioError { path: error.path.replacen("actions", "solution", 1), ..error }))?
        .actions;
    let mut exercise = Exercise {
        id: id.to_string(),
        title: file.text("title")?,
        protocol: file.text("protocol")?,
        task: file.text("task")?,
        goal: goal(file.required("goal")?)?,
        budget: budget(file.required("budget")?)?,
        hints: file.texts("hints")?,
        explanation: file.text("explanation")?,
        horizon_ticks: 0,
        scenario: written,
        solution,
    };
    let ticks_max = exercise.scenario.limits.ticks_max;
    exercise.horizon_ticks = file.number("horizon_ticks", Some(ticks_max))?;
    if exercise.horizon_ticks > ticks_max {
        let message = format!("{} is past the scenario's ticks_max ({ticks_max})", exercise.horizon_ticks);
        return Err(wrong("horizon_ticks", message));
    }
    if let Goal::RoleCount(RoleCount { at_least, at_most, .. }) = exercise.goal {
        if at_least > at_most {
            return Err(wrong("goal", format!("at_least ({at_least}) is more than at_most ({at_most})")));
        }
    }
    Ok(exercise)
}

fn goal(json: &Json) -> Result<Goal> {
    let named = |name: &str| matches!(json, Json::Text(text) if text == name);
    if named("not-linearizable") {
        return Ok(Goal::NotLinearizable);
    }
    if named("removed-item-returns") {
        return Ok(Goal::RemovedItemReturns);
    }
    match json {
        Json::Object(fields) if fields.len() == 1 && fields[0].0 == "invariant-violated" => {
            let goal = Object::new(&fields[0].1, "goal.invariant-violated", &["invariant"])?;
            let invariant = goal.get("invariant").map(|_| goal.text("invariant")).transpose()?;
            Ok(Goal::InvariantViolated(InvariantGoal { invariant }))
        }
        Json::Object(fields) if fields.len() == 1 && fields[0].0 == "role-count" => {
            let goal = Object::new(&fields[0].1, "goal.role-count", &["role", "at_least", "at_most", "ticks"])?;
            Ok(Goal::RoleCount(RoleCount {
                role: goal.text("role")?,
                at_least: goal.count("at_least", 0)?,
                at_most: goal.count("at_most", u32::MAX)?,
                ticks: goal.number("ticks", None)?,
            }))
        }
        _ => Err(wrong(
            "goal",
            "expected \"not-linearizable\", \"removed-item-returns\", { \"invariant-violated\": { ... } } or { \
             \"role-count\": { ... } }",
        )),
    }
}

/// The budget's counts, named like [`FaultKind::name`] with `_` for spaces.
const BUDGET_KINDS: [&str; FaultKind::ALL.len()] =
    ["crashes", "partitions", "pauses", "message_faults", "manual_steps", "client_requests", "membership_changes"];

fn budget(json: &Json) -> Result<FaultBudget> {
    let budget = Object::new(json, "budget", &BUDGET_KINDS)?;
    let mut allowed = FaultBudget::default();
    for (kind, name) in FaultKind::ALL.into_iter().zip(BUDGET_KINDS) {
        allowed = allowed.with(kind, budget.count(name, 0)?);
    }
    Ok(allowed)
}

fn wrong(field: &str, message: impl Into<String>) -> ExerciseError {
    ExerciseError { exercise: String::new(), field: field.to_string(), message: message.into() }
}

/// A scenario error, its path put under `prefix`.
fn in_field(prefix: &str, error: ScenarioError) -> ExerciseError {
    wrong(format!("{prefix}{}", error.path).trim_end_matches('.'), error.message)
}

// ---------------------------------------------------------------- the tree

/// A JSON value, as written.
enum Json {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
    List(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value as JSON text; an object's `actions` replaced by `actions`
    /// when given (a scenario with another list of actions).
    fn to_text_with_actions(&self, actions: Option<&Json>) -> String {
        let mut text = String::new();
        match (self, actions) {
            (Json::Object(fields), Some(actions)) => {
                let fields = fields.iter().filter(|(name, _)| name != "actions");
                let fields: Vec<(String, &Json)> =
                    fields.map(|(name, value)| (name.clone(), value)).chain([("actions".into(), actions)]).collect();
                write_object(&mut text, fields.iter().map(|(name, value)| (name.as_str(), *value)));
            }
            _ => self.write(&mut text),
        }
        text
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Json::Unsigned(number) => _ = write!(out, "{number}"),
            Json::Signed(number) => _ = write!(out, "{number}"),
            Json::Float(number) => _ = write!(out, "{number:?}"),
            Json::Text(text) => write_json_string(out, text),
            Json::List(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    out.push_str(if index == 0 { "" } else { "," });
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(fields) => write_object(out, fields.iter().map(|(name, value)| (name.as_str(), value))),
        }
    }
}

fn write_object<'a>(out: &mut String, fields: impl Iterator<Item = (&'a str, &'a Json)>) {
    out.push('{');
    for (index, (name, value)) in fields.enumerate() {
        out.push_str(if index == 0 { "" } else { "," });
        write_json_string(out, name);
        out.push(':');
        value.write(out);
    }
    out.push('}');
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, value: bool) -> std::result::Result<Json, E> {
        Ok(Json::Bool(value))
    }
    fn visit_u64<E>(self, number: u64) -> std::result::Result<Json, E> {
        Ok(Json::Unsigned(number))
    }
    fn visit_i64<E>(self, number: i64) -> std::result::Result<Json, E> {
        Ok(Json::Signed(number))
    }
    fn visit_f64<E>(self, number: f64) -> std::result::Result<Json, E> {
        Ok(Json::Float(number))
    }
    fn visit_str<E>(self, text: &str) -> std::result::Result<Json, E> {
        Ok(Json::Text(text.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Json, A::Error> {
        let mut fields = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            fields.push((name, map.next_value()?));
        }
        Ok(Json::Object(fields))
    }
}

/// An object of the file at `path` ("" for the file itself, "budget"),
/// whose fields are taken out by name.
struct Object<'a> {
    fields: &'a [(String, Json)],
    path: &'a str,
}

impl<'a> Object<'a> {
    /// The object `json`, whose fields must all be `known`.
    fn new(json: &'a Json, path: &'a str, known: &[&str]) -> Result<Object<'a>> {
        let Json::Object(fields) = json else { return Err(wrong(path, "expected an object")) };
        for (index, (name, _)) in fields.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                return Err(wrong(path, format!("unknown field {name:?} (known: {})", known.join(", "))));
            }
            // A repeated field would hide the first: in a file written by
            // hand, a mistake.
            if fields[..index].iter().any(|(seen, _)| seen == name) {
                return Err(wrong(path, format!("the field {name:?} appears twice")));
            }
        }
        Ok(Object { fields, path })
    }

    fn path(&self, name: &str) -> String {
        match self.path {
            "" => name.to_string(),
            path => format!("{path}.{name}"),
        }
    }

    fn get(&self, name: &str) -> Option<&'a Json> {
        self.fields.iter().find(|(field, _)| field == name).map(|(_, value)| value)
    }

    fn required(&self, name: &str) -> Result<&'a Json> {
        self.get(name).ok_or_else(|| wrong(&self.path(name), "missing"))
    }

    fn text(&self, name: &str) -> Result<String> {
        match self.required(name)? {
            Json::Text(text) => Ok(text.clone()),
            _ => Err(wrong(&self.path(name), "expected text in quotes")),
        }
    }

    fn texts(&self, name: &str) -> Result<Vec<String>> {
        let Json::List(items) = self.required(name)? else {
            return Err(wrong(&self.path(name), "expected a list of texts in quotes"));
        };
        let mut texts = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let Json::Text(text) = item else {
                return Err(wrong(&format!("{}[{index}]", self.path(name)), "expected text in quotes"));
            };
            texts.push(text.clone());
        }
        Ok(texts)
    }

    /// A whole number, or `default` when the field is absent (`None`: it
    /// is required).
    fn number(&self, name: &str, default: Option<u64>) -> Result<u64> {
        match (self.get(name), default) {
            (Some(json), _) => whole(json, &self.path(name)),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(wrong(&self.path(name), "missing")),
        }
    }

    /// A whole number that fits 32 bits, `default` when absent.
    fn count(&self, name: &str, default: u32) -> Result<u32> {
        small(self.number(name, Some(default.into()))?, &self.path(name))
    }
}

fn whole(json: &Json, path: &str) -> Result<u64> {
    match json {
        Json::Unsigned(number) => Ok(*number),
        _ => Err(wrong(path, "expected a whole number")),
    }
}

fn small(number: u64, path: &str) -> Result<u32> {
    u32::try_from(number).map_err(|_| wrong(path, format!("{number} is too large")))
}
