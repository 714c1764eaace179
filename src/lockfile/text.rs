//! Helpers shared by the parsers: decoding bytes to text and mapping byte offsets to lines.

use super::ParseError;

/// Lockfiles are UTF-8 (an optional BOM is tolerated). Anything else is refused with the line of
/// the first bad byte, because a parser guessing at an encoding could misread names.
pub fn decode<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            Err(ParseError::new(
                path,
                Some(line),
                format!("not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
            ))
        }
    }
}

/// Maps byte offsets in a text to 1-based line numbers in O(log n).
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// The byte offset at which 1-based line `line` starts.
    pub fn start_of(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(1), 1);
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
        assert_eq!(idx.start_of(2), Some(2));
    }

    #[test]
    fn bad_utf8_names_line() {
        let err = decode("x.lock", b"ok\nok\n\xff\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(decode("x", b"\xEF\xBB\xBFhi").unwrap() == "hi");
    }
}
