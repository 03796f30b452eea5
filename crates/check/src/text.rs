//! Text held in a model's state, cheap to clone, hash and extend.
//!
//! Key-value histories append to the same key hundreds of times, so its
//! value grows to kilobytes, and the search clones and hashes states at
//! every step. A `Text` shares its bytes (cloning is a reference count) and
//! carries a polynomial hash that an append extends in time proportional to
//! the suffix, not the whole text.

use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// The polynomial hash's base (odd, so multiplication is invertible mod 2^64).
const BASE: u64 = 0x0000_0100_0000_01b3;

fn hash_of(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |h, &b| h.wrapping_mul(BASE).wrapping_add(b as u64 + 1))
}

#[derive(Clone, Debug)]
pub struct Text {
    content: Rc<str>,
    /// Σ (byte + 1) · BASE^(n-1-i), wrapping: hash(a + b) = hash(a) · BASE^|b| + hash(b).
    hash: u64,
}

impl Text {
    pub fn new(text: &str) -> Text {
        Text { content: Rc::from(text), hash: hash_of(text.as_bytes()) }
    }

    pub fn as_str(&self) -> &str {
        &self.content
    }

    /// This text followed by `suffix`.
    pub fn append(&self, suffix: &str) -> Text {
        let mut joined = String::with_capacity(self.content.len() + suffix.len());
        joined.push_str(&self.content);
        joined.push_str(suffix);
        let shift = BASE.wrapping_pow(suffix.len() as u32);
        Text { content: Rc::from(joined), hash: self.hash.wrapping_mul(shift).wrapping_add(hash_of(suffix.as_bytes())) }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.hash == other.hash && (Rc::ptr_eq(&self.content, &other.content) || self.content == other.content)
    }
}

impl Eq for Text {}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_gives_the_hash_of_the_whole() {
        let built = Text::new("").append("x 1 2 y").append("").append("x 30 4 y");
        let direct = Text::new("x 1 2 yx 30 4 y");
        assert_eq!(built, direct);
        assert_eq!(built.hash, direct.hash);
        assert_eq!(built.as_str(), "x 1 2 yx 30 4 y");
        assert_ne!(Text::new("ab"), Text::new("ba"));
        assert_ne!(Text::new(""), Text::new("\u{0}"));
    }
}
