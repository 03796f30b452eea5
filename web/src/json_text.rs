//! JSON text for the page's API (its state, a check's report), written
//! directly: `serde_json`'s tree type and its serializer would cost the
//! page's download more than these few flat objects need.

use std::fmt::Write as _;

/// A value that writes itself as JSON.
pub trait Json {
    fn write_json(&self, out: &mut String);
}

/// JSON text already written (a scenario from the scenario crate's writer).
pub struct Raw<'a>(pub &'a str);

impl Json for Raw<'_> {
    fn write_json(&self, out: &mut String) {
        out.push_str(self.0);
    }
}

impl Json for str {
    fn write_json(&self, out: &mut String) {
        faultline_check::format::write_json_string(out, self);
    }
}

impl Json for String {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl Json for &str {
    fn write_json(&self, out: &mut String) {
        (*self).write_json(out);
    }
}

impl Json for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

macro_rules! json_integer {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn write_json(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}

json_integer!(u32, u64, usize);

impl Json for f64 {
    /// JSON has no infinities or NaN: those are written as `null`.
    fn write_json(&self, out: &mut String) {
        match self.is_finite() {
            true => {
                let _ = write!(out, "{self}");
            }
            false => out.push_str("null"),
        }
    }
}

impl<T: Json> Json for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(value) => value.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: Json> Json for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: Json> Json for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: Json, const N: usize> Json for [T; N] {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

/// A JSON object, written field by field in the order given.
pub struct Object {
    /// `{` and the fields so far: the closing brace comes last.
    open: String,
}

impl Default for Object {
    fn default() -> Object {
        Object { open: String::from("{") }
    }
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    pub fn field(mut self, key: &str, value: &(impl Json + ?Sized)) -> Object {
        if self.open.len() > 1 {
            self.open.push(',');
        }
        key.write_json(&mut self.open);
        self.open.push(':');
        value.write_json(&mut self.open);
        self
    }

    pub fn finish(mut self) -> String {
        self.open.push('}');
        self.open
    }
}

impl Json for Object {
    fn write_json(&self, out: &mut String) {
        out.push_str(&self.open);
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn objects_arrays_and_escapes_are_valid_json() {
        let inner = Object::new().field("id", &7u64).field("label", "a \"quoted\"\n\\ \u{1}");
        let text = Object::new()
            .field("nodes", &vec![inner])
            .field("empty", &Object::new())
            .field("pair", &[1u32, 2])
            .field("none", &None::<u64>)
            .field("half", &0.5f64)
            .field("infinite", &f64::INFINITY)
            .field("scenario", &Raw("{\"seed\":1}"))
            .finish();
        assert_eq!(
            text,
            r#"{"nodes":[{"id":7,"label":"a \"quoted\"\n\\ \u0001"}],"empty":{},"pair":[1,2],"none":null,"half":0.5,"infinite":null,"scenario":{"seed":1}}"#
        );
    }
}
