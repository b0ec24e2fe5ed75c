//! [`SmallString`]: the text of names, number literals and string pieces in the tree.
//!
//! A file has a name or a literal every few tokens, nearly all of them short; as
//! `String`s they were a third of the parser's allocations. A `SmallString` keeps up
//! to [`INLINE`] bytes in place and only longer text on the heap. It is as large as a
//! `String`, reads as a `str` (`Deref`), and compares, hashes, orders and prints
//! exactly as its text does.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// The most bytes kept in place.
pub const INLINE: usize = 22;

#[derive(Clone)]
pub struct SmallString(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl SmallString {
    pub fn new(text: &str) -> SmallString {
        let mut bytes = [0; INLINE];
        match bytes.get_mut(..text.len()) {
            Some(prefix) => {
                prefix.copy_from_slice(text.as_bytes());
                SmallString(Repr::Inline {
                    len: text.len() as u8,
                    bytes,
                })
            }
            None => SmallString(Repr::Heap(text.into())),
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Inline bytes are always a whole `str`, copied in by `new`.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(text) => text,
        }
    }
}

impl Default for SmallString {
    fn default() -> SmallString {
        SmallString::new("")
    }
}

impl Deref for SmallString {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SmallString {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SmallString {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for SmallString {
    fn from(text: &str) -> SmallString {
        SmallString::new(text)
    }
}

impl From<String> for SmallString {
    fn from(text: String) -> SmallString {
        SmallString::new(&text)
    }
}

impl From<&SmallString> for String {
    fn from(text: &SmallString) -> String {
        text.as_str().to_string()
    }
}

impl fmt::Debug for SmallString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SmallString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for SmallString {
    fn eq(&self, other: &SmallString) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SmallString {}

impl PartialEq<str> for SmallString {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SmallString {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SmallString {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SmallString> for str {
    fn eq(&self, other: &SmallString) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<SmallString> for &str {
    fn eq(&self, other: &SmallString) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<SmallString> for String {
    fn eq(&self, other: &SmallString) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialOrd for SmallString {
    fn partial_cmp(&self, other: &SmallString) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmallString {
    fn cmp(&self, other: &SmallString) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SmallString {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_text_read_back_the_same() {
        for text in [
            "",
            "a",
            "input",
            "é€😀",
            &"x".repeat(INLINE),
            &"y".repeat(INLINE + 1),
        ] {
            let s = SmallString::new(text);
            assert_eq!(s.as_str(), text);
            assert_eq!(s, text);
            assert_eq!(format!("{s:?}"), format!("{text:?}"));
        }
        assert_eq!(
            std::mem::size_of::<SmallString>(),
            std::mem::size_of::<String>()
        );
    }
}
