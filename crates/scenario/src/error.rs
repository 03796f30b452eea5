//! The one error type of this crate. People read these messages (in the
//! editor, under a broken share link, in a failing test), so each names the
//! place at fault and stays on one line.

use std::fmt;

/// Why a scenario could not be read or is not valid.
///
/// `path` names the offending field the way it is written in JSON
/// (`actions[2].node`, `network.delay_ticks_min`), empty when the problem is
/// not in one field. `line` and `column` (1-based) are set for JSON syntax
/// errors, where there is no field to name yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl ScenarioError {
    /// An error about the field at `path`.
    pub(crate) fn at(path: impl fmt::Display, message: impl Into<String>) -> ScenarioError {
        ScenarioError { path: path.to_string(), message: message.into(), line: None, column: None }
    }

    /// An error about the input as a whole (a damaged link, for example).
    pub(crate) fn whole(message: impl Into<String>) -> ScenarioError {
        ScenarioError::at("", message)
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "line {line}, column {column}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// `text` as a JSON-style quoted string that is safe to put inside a
/// one-line message: control and line-separator characters are escaped and
/// long text is cut, because the text may come from a hostile link.
pub(crate) fn quote(text: &str) -> String {
    const CHARS_MAX: usize = 32;
    let mut quoted = String::with_capacity(text.len().min(4 * CHARS_MAX) + 2);
    quoted.push('"');
    for (index, c) in text.chars().enumerate() {
        if index == CHARS_MAX {
            quoted.push('…');
            break;
        }
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                quoted.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The candidate closest to a misspelt `word`, when one is close enough to
/// be a likely typo: one edit away for short names, two for longer ones.
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // Words much longer than any candidate cannot be near one; skipping them
    // keeps the quadratic distance cheap on hostile input.
    if word.chars().count() > 40 {
        return None;
    }
    candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.chars().count() / 3).clamp(1, 2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_cuts() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("x\ny"), r#""x\u{a}y""#);
        assert_eq!(quote(&"z".repeat(100)), format!("\"{}…\"", "z".repeat(32)));
    }

    #[test]
    fn suggests_near_words_only() {
        assert_eq!(suggest("crsh", &["crash", "heal"]), Some("crash"));
        assert_eq!(suggest("delay_tick_min", &["delay_ticks_min"]), Some("delay_ticks_min"));
        assert_eq!(suggest("banana", &["crash", "heal"]), None);
        assert_eq!(suggest("x", &["to"]), None);
    }
}
