//! YAML for pnpm-lock.yaml: a small tree of maps, sequences and scalars, with the line of every
//! mapping key.
//!
//! Two readers produce the same tree. serde-saphyr reads any YAML under explicit budgets, but
//! at roughly 10-20 MB/s a big monorepo lockfile would take hundreds of milliseconds. pnpm
//! writes its lockfile with js-yaml in one fixed style (block mappings, one-line flow
//! collections, indented `- item` sequences, quoted or plain one-line scalars, `|-` literal
//! blocks for multi-line text; no comments, anchors, tags or folded scalars), so a line reader
//! that accepts exactly that style handles real lockfiles about ten times faster. It gives up (returns `None`) on anything outside the style, even valid YAML, and the
//! text is then read again by serde-saphyr; so the fast reader never has to decide a question
//! where it could disagree with a real YAML parser, and every error message comes from
//! serde-saphyr with its line.

use super::super::ParseError;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// A YAML node. Scalars keep their text; typed scalars (numbers, booleans) are interpreted by
/// the caller, which knows what each field should hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Scalar(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Key<'a>, Node<'a>)>),
}

/// A mapping key and the 1-based line it is written on.
#[derive(Debug, Clone, PartialEq)]
pub struct Key<'a> {
    pub text: Cow<'a, str>,
    pub line: u32,
}

/// pnpm nests at most six levels deep (importers > path > dependencies > name > {specifier});
/// anything much deeper is not a pnpm lockfile and is refused before it can cost stack or time.
const MAX_DEPTH: usize = 32;

/// Parses every YAML document of `text` (newer pnpm may put an "env lockfile" document in
/// front of the main one).
pub fn parse<'a>(path: &str, text: &'a str) -> Result<Vec<Node<'a>>, ParseError> {
    match parse_fast(text) {
        Some(docs) => Ok(docs),
        None => parse_full(path, text),
    }
}

/// The general reader, used for anything the fast reader does not accept.
pub fn parse_full<'a>(path: &str, text: &'a str) -> Result<Vec<Node<'a>>, ParseError> {
    let options = full_options(text.len());
    serde_saphyr::from_str_multiple_with_options::<Node<'a>, Vec<Node<'a>>>(text, options).map_err(|e| {
        let line = e.location().map(|l| u32::try_from(l.line()).unwrap_or(u32::MAX));
        ParseError::new(path, line, format!("invalid YAML: {}", e.without_snippet()))
    })
}

/// Budgets sized to the input: a node, event or scalar byte needs at least one byte of text,
/// so honest input never comes near them, while alias expansion (the only way YAML can grow)
/// is capped far below anything that could hurt. pnpm itself never writes anchors or aliases.
fn full_options(len: usize) -> serde_saphyr::Options {
    let proportional = len.saturating_add(1024);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_documents = 4;
    budget.max_nodes = proportional;
    budget.max_events = proportional.saturating_mul(2);
    budget.max_total_scalar_bytes = proportional;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_merge_keys = 1_000;
    budget.max_recorded_anchor_events = 100_000;
    budget.max_recorded_anchor_bytes = 4 * 1024 * 1024;
    budget.max_inclusion_depth = 0;

    let mut aliases = serde_saphyr::options::AliasLimits::default();
    aliases.max_total_replayed_events = 100_000;
    aliases.max_replay_stack_depth = MAX_DEPTH;

    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits = aliases;
    options.with_snippet = false;
    // A package may be called `null` or `true`; as a key it is a name, not a value.
    options.null_as_string = true;
    // Read scalars as pnpm's js-yaml does (YAML 1.2 core schema): `yes`/`no` are text.
    options.strict_booleans = true;
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::AsString;
    options
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML mapping, sequence or scalar")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Owned(v.to_string())))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Owned(v.to_string())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Owned(v.to_string())))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Node::Scalar(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Node::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node<'de>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<serde_saphyr::Spanned<String>>()? {
            let value = map.next_value::<Node<'de>>()?;
            let line = u32::try_from(key.referenced.line()).unwrap_or(u32::MAX);
            entries.push((Key { text: Cow::Owned(key.value), line }, value));
        }
        Ok(Node::Map(entries))
    }
}

/// One line: its number, indentation, the text between the indentation and any trailing
/// spaces (empty for a blank line), and the whole line for literal block scalars.
#[derive(Clone, Copy)]
struct Line<'a> {
    no: u32,
    indent: usize,
    text: &'a str,
    raw: &'a str,
}

/// The fast reader for pnpm's own output style; `None` means "not in that style".
pub fn parse_fast(text: &str) -> Option<Vec<Node<'_>>> {
    // Control characters other than line breaks (tabs, NUL...) and byte order marks have YAML
    // meanings or are errors; leave all of that to the full parser. Checked in blocks so the
    // compiler can vectorize the scan.
    let control = |b: u8| (b < 0x20 && b != b'\n' && b != b'\r') || b == 0x7f;
    if text.as_bytes().chunks(256).any(|c| c.iter().fold(false, |acc, &b| acc | control(b)))
        || text.contains('\u{feff}')
    {
        return None;
    }
    let has_cr = text.as_bytes().contains(&b'\r');
    let mut docs = Vec::new();
    // Sized exactly: growing a vector this large would copy it several times.
    let mut lines = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
    for (i, raw) in text.split('\n').enumerate() {
        let no = u32::try_from(i).ok()?.checked_add(1)?;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        // A CR that does not end a line is a line break of its own in YAML.
        if has_cr && raw.as_bytes().contains(&b'\r') {
            return None;
        }
        let body = raw.trim_start_matches(' ');
        let indent = raw.len() - body.len();
        if body.is_empty() {
            lines.push(Line { no, indent, text: "", raw });
            continue;
        }
        if indent == 0 && (body.starts_with("---") || body.starts_with("...")) {
            if body != "---" {
                return None;
            }
            docs.push(std::mem::take(&mut lines));
            continue;
        }
        if body.starts_with('#') || (indent == 0 && body.starts_with('%')) {
            return None;
        }
        lines.push(Line { no, indent, text: body.trim_end_matches(' '), raw });
    }
    docs.push(lines);

    let mut out = Vec::new();
    for lines in &docs {
        let mut p = Fast { lines, pos: 0 };
        if p.peek().is_none() {
            continue;
        }
        let map = p.block_map(0, 1)?;
        if p.peek().is_some() {
            return None;
        }
        out.push(Node::Map(map));
    }
    Some(out)
}

struct Fast<'l, 'a> {
    lines: &'l [Line<'a>],
    pos: usize,
}

impl<'a> Fast<'_, 'a> {
    /// The next non-blank line, skipping blank ones.
    fn peek(&mut self) -> Option<Line<'a>> {
        while let Some(line) = self.lines.get(self.pos) {
            if !line.text.is_empty() {
                return Some(*line);
            }
            self.pos += 1;
        }
        None
    }

    /// A literal block scalar (`|` or `|-`, how js-yaml writes multi-line text such as
    /// deprecation messages) whose header ended the previous line, inside a mapping at
    /// `parent` indentation.
    fn literal(&mut self, header: &str, parent: usize) -> Option<Node<'a>> {
        let strip = match header {
            "|" => false,
            "|-" => true,
            // Keep chomping, indentation indicators, comments: rare, and left to the full reader.
            _ => return None,
        };
        let start = self.pos;
        let content_indent = match self.peek() {
            Some(l) if l.indent > parent => l.indent,
            _ => {
                self.pos = start;
                return Some(Node::Scalar(Cow::Borrowed("")));
            }
        };
        self.pos = start;
        let mut parts: Vec<&'a str> = Vec::new();
        while let Some(line) = self.lines.get(self.pos) {
            if line.text.is_empty() {
                // Spaces beyond the indentation on an empty line would be content.
                if line.raw.len() > content_indent {
                    return None;
                }
                parts.push("");
            } else if line.indent >= content_indent {
                parts.push(line.raw.get(content_indent..)?);
            } else if line.indent > parent {
                return None;
            } else {
                break;
            }
            self.pos += 1;
        }
        while parts.last() == Some(&"") {
            parts.pop();
        }
        let mut text = parts.join("\n");
        if !strip && !text.is_empty() {
            text.push('\n');
        }
        Some(Node::Scalar(Cow::Owned(text)))
    }

    fn block_map(&mut self, indent: usize, depth: usize) -> Option<Vec<(Key<'a>, Node<'a>)>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut entries = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let (key, rest) = block_key(line.text)?;
            self.pos += 1;
            if rest.starts_with('|') {
                let value = self.literal(rest, indent)?;
                entries.push((Key { text: key, line: line.no }, value));
                continue;
            }
            let next = self.peek();
            let value = if rest.is_empty() {
                match next {
                    Some(n) if n.indent > indent => {
                        if n.text == "-" || n.text.starts_with("- ") {
                            Node::Seq(self.block_seq(n.indent, depth + 1)?)
                        } else {
                            Node::Map(self.block_map(n.indent, depth + 1)?)
                        }
                    }
                    // `key:` followed by `- item` at the same indentation is valid YAML that
                    // js-yaml never writes.
                    Some(n) if n.indent == indent && n.text.starts_with('-') => return None,
                    _ => Node::Null,
                }
            } else {
                // A deeper line after an inline value would continue a multi-line scalar.
                if next.is_some_and(|n| n.indent > indent) {
                    return None;
                }
                inline_value(rest, depth + 1, line.no)?
            };
            entries.push((Key { text: key, line: line.no }, value));
        }
        if has_duplicate_keys(&entries) {
            return None;
        }
        Some(entries)
    }

    fn block_seq(&mut self, indent: usize, depth: usize) -> Option<Vec<Node<'a>>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let rest = line.text.strip_prefix("- ")?.trim_start_matches(' ');
            // `- key: value` starts a mapping inside the sequence; pnpm never writes one.
            if rest.is_empty() || looks_like_mapping(rest) {
                return None;
            }
            self.pos += 1;
            if self.peek().is_some_and(|n| n.indent > indent) {
                return None;
            }
            items.push(inline_value(rest, depth + 1, line.no)?);
        }
        Some(items)
    }
}

/// Splits `key: value` / `key:` into the key text and the (possibly empty) inline value.
fn block_key(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let (key, after) = match text.as_bytes().first()? {
        b'\'' => {
            let (key, used) = single_quoted(text)?;
            (key, text.get(used..)?)
        }
        b'"' => {
            let (key, used) = double_quoted(text)?;
            (key, text.get(used..)?)
        }
        _ => {
            let colon = find_block_colon(text)?;
            let key = text.get(..colon)?.trim_end_matches(' ');
            if !plain_ok(key) || key == "<<" {
                return None;
            }
            (Cow::Borrowed(key), text.get(colon..)?)
        }
    };
    let after = after.trim_start_matches(' ');
    let rest = after.strip_prefix(':')?;
    if rest.is_empty() {
        return Some((key, rest));
    }
    let rest = rest.strip_prefix(' ')?.trim_start_matches(' ');
    Some((key, rest))
}

/// The first `:` that ends a plain block key: followed by a space or the end of the line.
fn find_block_colon(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(rel) = bytes.get(i..)?.iter().position(|&b| b == b':') {
        let at = i + rel;
        match bytes.get(at + 1) {
            None | Some(b' ') => return Some(at),
            Some(_) => i = at + 1,
        }
    }
    None
}

fn looks_like_mapping(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b'\'') => single_quoted(text)
            .and_then(|(_, used)| text.get(used..))
            .is_none_or(|r| r.trim_start_matches(' ').starts_with(':')),
        Some(b'"') => double_quoted(text)
            .and_then(|(_, used)| text.get(used..))
            .is_none_or(|r| r.trim_start_matches(' ').starts_with(':')),
        Some(b'{') | Some(b'[') => false,
        _ => find_block_colon(text).is_some(),
    }
}

/// A value written on the same line as its key or dash: a scalar or a one-line flow collection.
fn inline_value(text: &str, depth: usize, line: u32) -> Option<Node<'_>> {
    match text.as_bytes().first()? {
        b'{' | b'[' => {
            let mut pos = 0;
            let node = flow_node(text, &mut pos, depth, line)?;
            if text.get(pos..)?.trim_start_matches(' ').is_empty() { Some(node) } else { None }
        }
        b'\'' => {
            let (s, used) = single_quoted(text)?;
            if used == text.len() { Some(Node::Scalar(s)) } else { None }
        }
        b'"' => {
            let (s, used) = double_quoted(text)?;
            if used == text.len() { Some(Node::Scalar(s)) } else { None }
        }
        _ => {
            if !plain_ok(text) || find_block_colon(text).is_some() {
                return None;
            }
            Some(plain_node(text))
        }
    }
}

fn plain_node(text: &str) -> Node<'_> {
    match text {
        "null" | "Null" | "NULL" | "~" => Node::Null,
        _ => Node::Scalar(Cow::Borrowed(text)),
    }
}

/// Whether `text` is a plain scalar whose meaning does not depend on context: it does not start
/// with an indicator and holds no comment.
fn plain_ok(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let indicator = matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    );
    if indicator {
        // `-x`, `?x`, `:x` are plain scalars; the others never start one.
        let safe_second = bytes.get(1).is_some_and(|&b| b != b' ');
        if !(matches!(first, b'-' | b'?' | b':') && safe_second) {
            return false;
        }
    }
    // A `#` after a space starts a comment.
    !bytes.windows(2).any(|w| w == b" #") && !text.ends_with(':')
}

/// `'...'` with `''` as the escaped quote, on one line. Returns the text and the bytes used.
fn single_quoted(text: &str) -> Option<(Cow<'_, str>, usize)> {
    let body = text.strip_prefix('\'')?;
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut escaped = false;
    loop {
        let rel = bytes.get(i..)?.iter().position(|&b| b == b'\'')?;
        let at = i + rel;
        if bytes.get(at + 1) == Some(&b'\'') {
            escaped = true;
            i = at + 2;
            continue;
        }
        let raw = body.get(..at)?;
        let s = if escaped { Cow::Owned(raw.replace("''", "'")) } else { Cow::Borrowed(raw) };
        return Some((s, at + 2));
    }
}

/// `"..."` without escapes (js-yaml uses double quotes only for text that needs escapes, which
/// the full parser handles).
fn double_quoted(text: &str) -> Option<(Cow<'_, str>, usize)> {
    let body = text.strip_prefix('"')?;
    let end = body.find(['"', '\\'])?;
    if body.as_bytes().get(end) != Some(&b'"') {
        return None;
    }
    Some((Cow::Borrowed(body.get(..end)?), end + 2))
}

fn skip_spaces(text: &str, pos: &mut usize) {
    while text.as_bytes().get(*pos) == Some(&b' ') {
        *pos += 1;
    }
}

/// A flow node starting at `pos` (after any spaces): `{k: v, ...}`, `[a, ...]` or a scalar.
fn flow_node<'a>(text: &'a str, pos: &mut usize, depth: usize, line: u32) -> Option<Node<'a>> {
    if depth > MAX_DEPTH {
        return None;
    }
    skip_spaces(text, pos);
    match text.as_bytes().get(*pos)? {
        b'{' => {
            *pos += 1;
            let mut entries = Vec::new();
            loop {
                skip_spaces(text, pos);
                if text.as_bytes().get(*pos) == Some(&b'}') {
                    *pos += 1;
                    break;
                }
                let key = match flow_node(text, pos, depth + 1, line)? {
                    Node::Scalar(s) => s,
                    _ => return None,
                };
                if key == "<<" {
                    return None;
                }
                skip_spaces(text, pos);
                if text.as_bytes().get(*pos) != Some(&b':') {
                    return None;
                }
                *pos += 1;
                if text.as_bytes().get(*pos) != Some(&b' ') {
                    return None;
                }
                let value = flow_node(text, pos, depth + 1, line)?;
                entries.push((Key { text: key, line }, value));
                if !flow_separator(text, pos, b'}')? {
                    break;
                }
            }
            if has_duplicate_keys(&entries) {
                return None;
            }
            Some(Node::Map(entries))
        }
        b'[' => {
            *pos += 1;
            let mut items = Vec::new();
            loop {
                skip_spaces(text, pos);
                if text.as_bytes().get(*pos) == Some(&b']') {
                    *pos += 1;
                    break;
                }
                items.push(flow_node(text, pos, depth + 1, line)?);
                if !flow_separator(text, pos, b']')? {
                    break;
                }
            }
            Some(Node::Seq(items))
        }
        b'\'' => {
            let (s, used) = single_quoted(text.get(*pos..)?)?;
            *pos += used;
            Some(Node::Scalar(s))
        }
        b'"' => {
            let (s, used) = double_quoted(text.get(*pos..)?)?;
            *pos += used;
            Some(Node::Scalar(s))
        }
        _ => {
            let rest = text.get(*pos..)?;
            let bytes = rest.as_bytes();
            let mut end = bytes.len();
            for (i, &b) in bytes.iter().enumerate() {
                let ends = match b {
                    b',' | b'}' | b']' => true,
                    b':' => matches!(bytes.get(i + 1), None | Some(b' ' | b',' | b'}' | b']')),
                    _ => false,
                };
                if ends {
                    end = i;
                    break;
                }
            }
            let scalar = rest.get(..end)?.trim_end_matches(' ');
            if !plain_ok(scalar) || scalar.contains(['[', '{']) {
                return None;
            }
            *pos += end;
            Some(plain_node(scalar))
        }
    }
}

/// After a flow item: `,` (more may follow: `Some(true)`) or the closing bracket
/// (`Some(false)`, consumed).
fn flow_separator(text: &str, pos: &mut usize, close: u8) -> Option<bool> {
    skip_spaces(text, pos);
    match text.as_bytes().get(*pos)? {
        b',' => {
            *pos += 1;
            Some(true)
        }
        &b if b == close => {
            *pos += 1;
            Some(false)
        }
        _ => None,
    }
}

/// YAML forbids repeated keys and js-yaml refuses them; the full parser reports them with
/// their line.
fn has_duplicate_keys(entries: &[(Key<'_>, Node<'_>)]) -> bool {
    if entries.len() <= 16 {
        return entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| entries.iter().skip(i + 1).any(|(o, _)| o.text == k.text));
    }
    let mut seen = HashSet::with_capacity(entries.len());
    !entries.iter().all(|(k, _)| seen.insert(k.text.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str) -> Vec<Node<'_>> {
        let fast = parse_fast(text).expect("fast reader accepts this");
        let full = parse_full("t.yaml", text).expect("full reader accepts this");
        assert_eq!(fast, full, "readers disagree on {text:?}");
        fast
    }

    #[test]
    fn pnpm_style_reads_the_same_both_ways() {
        let text = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      '@a/b':\n        specifier: ^1.0.0\n        version: 1.0.0(react@18.0.0)\n\npackages:\n\n  '@a/b@1.0.0':\n    resolution: {integrity: sha512-x==, tarball: https://h/x.tgz}\n    engines: {node: '>= 0.8', npm: 1.2.8000 || >= 1.4.16}\n    os: [darwin, linux]\n    cpu: []\n    hasBin: true\n    transitivePeerDependencies:\n      - supports-color\n      - 'it''s'\n\nsnapshots:\n\n  '@a/b@1.0.0(react@18.0.0)': {}\n  x@1.0.0:\n    optional: true\n";
        let docs = both(text);
        let Some(Node::Map(top)) = docs.first() else { panic!("no map") };
        assert_eq!(
            top.iter().map(|(k, _)| (k.text.as_ref(), k.line)).collect::<Vec<_>>(),
            [("lockfileVersion", 1), ("importers", 3), ("packages", 11), ("snapshots", 23)]
        );
    }

    #[test]
    fn literal_block_scalars() {
        let docs = both(
            "a:\n  deprecated: |-\n    line one\n\n      indented: x\n    last\n\n  b: |\n    kept\n  c: |-\n  d: 1\n",
        );
        let Some(Node::Map(top)) = docs.first() else { panic!("no map") };
        let Some((_, Node::Map(a))) = top.first() else { panic!("no a") };
        let text = |i: usize| match a.get(i) {
            Some((_, Node::Scalar(s))) => s.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(text(0), "line one\n\n  indented: x\nlast");
        assert_eq!(text(1), "kept\n");
        assert_eq!(text(2), "");
        assert_eq!(a.get(3).map(|(k, _)| k.line), Some(11));
    }

    #[test]
    fn typed_scalars_keep_text() {
        // Numbers and booleans come back as their text; the full reader renders 5.4 the same.
        both("lockfileVersion: 5.4\na: true\nb: null\nc: ~\n'null': x\nd: yes\ne: .nan\n");
    }

    #[test]
    fn multiple_documents() {
        let docs = both("---\nlockfileVersion: '9.0'\nimporters: {}\n\n---\nlockfileVersion: '9.0'\n");
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn gives_up_outside_pnpm_style() {
        for text in [
            "a: 1 # comment\n",
            "# comment\na: 1\n",
            "a: &x 1\nb: *x\n",
            "a: |+\n  text\n",
            "a: |2\n   text\n",
            "a: >\n  text\n",
            "a: |\n    text\n  less\n",
            "a: |\n  text\n   \n",
            "- |\n  text\n",
            "a: plain\n  continued\n",
            "a:\n- x\n",
            "a:\n  - k: v\n",
            "a: 'multi\n  line'\n",
            "a: \"esc\\n\"\n",
            "a:\tb\n",
            "a: 1\na: 2\n",
            "a: {x: 1, x: 2}\n",
            "<<: {a: 1}\n",
            "a: {b: [c, {d: e}}\n",
            "? complex\n: value\n",
            "a: b: c\n",
            "a\rb: c\n",
            "%YAML 1.2\n---\na: 1\n",
            " a: 1\nb: 2\n",
        ] {
            assert!(parse_fast(text).is_none(), "fast reader should give up on {text:?}");
        }
    }

    #[test]
    fn full_reader_errors_carry_line() {
        let err = parse("x.yaml", "a: 1\nb: {x: 1\nc: 2\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        let err = parse("x.yaml", "a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
    }
}
