//! Placeholder: being written.

use super::{Lockfile, ParseError};

/// yarn berry lockfiles open with a `__metadata:` block; classic ones never have it.
pub fn looks_like_berry(text: &str) -> bool {
    text.lines().take(64).any(|l| l.starts_with("__metadata:"))
}

pub fn parse(path: &str, _text: &str) -> Result<Lockfile, ParseError> {
    Err(ParseError::new(path, None, "format not implemented yet"))
}
