//! yarn berry (yarn 2, 3, 4) `yarn.lock`.
//!
//! # Why a hand-written line parser and not serde-saphyr
//!
//! Berry lockfiles are written by yarn's own `stringifySyml`, which emits a tiny, fixed subset of
//! YAML: block mappings indented by two spaces, one `key: value` or `key:` per line, keys and
//! values either plain or double-quoted (JSON escapes), `#` comment lines, nothing else (no
//! sequences, flow collections, anchors, tags, block scalars or multi-document streams). yarn
//! itself reads it back with a dedicated fast path rather than a general YAML parser. We do the
//! same, for three measured reasons:
//!
//! * Correctness: yarn writes entry keys listing every descriptor that resolved to the package,
//!   which regularly exceeds 1024 characters (`resolve@patch:...` with 30 ranges). YAML forbids
//!   implicit keys longer than 1024 characters, and serde-saphyr 2.2 duly rejects the real
//!   1.9 MB lockfile in the fixtures at such a key ("simple key expected ':'"), as well as a
//!   synthetic one. A conforming YAML parser cannot read valid yarn lockfiles.
//! * Speed: serde-saphyr took about 40 ms (release) for a 195 KB berry lockfile and 360 ms to
//!   reach the long key of the 1.9 MB one, before building any model; this parser turns the
//!   1.9 MB file into the model in about 15 ms.
//! * Lines and hostile input: every node here carries its 1-based line, nesting is capped
//!   ([`MAX_DEPTH`]), and anchors/aliases/tags/flow collections are refused outright instead of
//!   being expanded, so there is no alias bomb to budget for. Work and memory are linear in the
//!   input size.
//!
//! The indentation tree ([`walk_tree`]) is shared with the yarn classic parser, which differs
//! only in how a line splits into key and value.
//!
//! # Mapping to the model
//!
//! * Entries are keyed by descriptor lists (`"a@npm:^1.0.0, a@npm:^1.1.0"`); the `resolution`
//!   locator gives the real name and the protocol (source kind). Descriptors installed under a
//!   different name (`alias@npm:real@^1`) become their own entry with `alias` set, as npm lists
//!   an aliased copy separately; both share the entry's line.
//! * `integrity` is berry's `checksum` verbatim (`10c0/<hex>`, `8/<hex>`, or bare hex in older
//!   lockfiles). It is yarn's hash of its own cache zip, prefixed with the cache key: it is
//!   *not* an SRI hash of the registry tarball and cannot be compared with `dist.integrity`.
//! * `resolved` is `None` for registry packages (berry records no URL); for git, tarball, file,
//!   link/portal and workspace packages it is the locator's reference (URL with `#commit=`,
//!   path...). A URL dependency pointing at this very package's registry tarball
//!   (`left-pad@https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz`) is a registry
//!   package with that URL as `resolved`, as in the yarn classic parser.
//! * Patched packages (`patch:`) are reported as the package they patch (name, version, source
//!   and `resolved` of the inner locator); the patch itself is visible in the entry key, which
//!   spells the `patch:` descriptor. The unpatched package is listed by yarn too, under its own
//!   key, and so is a separate entry.
//! * Workspaces (`name@workspace:path`, always `linkType: soft`) become [`Importer`]s with their
//!   `dependencies` and `peerDependencies`; non-root workspaces are also entries with
//!   [`Source::Workspace`], since other workspaces depend on them like on any package. The root
//!   workspace (`workspace:.`) is only an importer.
//! * Flags stay empty: berry folds `devDependencies` into `dependencies` and records no per-package
//!   dev/optional flag. Optional edges are known, though: `dependenciesMeta.<dep>.optional` and
//!   `peerDependenciesMeta.<dep>.optional` mark the [`Dependency`].
//! * `install_script` stays false: whether a package builds is recorded in the cache/manifest,
//!   not in the lockfile.

use super::tarball::is_registry_tarball;
use super::yarn_classic::{parse_quoted, split_ident};
use super::{Dependency, Entry, Flags, Format, Importer, Lockfile, ParseError, Source};
use std::borrow::Cow;
use std::collections::HashMap;

/// Deepest nesting of blocks accepted (counting the top level). Berry writes at most four
/// (`entry > dependenciesMeta > dep > built`); two spare levels tolerate future fields.
pub const MAX_DEPTH: usize = 6;

/// `__metadata.version` values written by released yarn berry versions: 4 (yarn 2), 5 and 6
/// (yarn 3), 7 and 8 (yarn 4.0), up to 10 (later yarn 4 releases; 4.18.1 writes 10). The entry
/// format has stayed the same throughout; an unknown version is refused rather than guessed at.
const KNOWN_VERSIONS: std::ops::RangeInclusive<u32> = 4..=10;

/// yarn berry lockfiles open with a `__metadata:` block; classic ones never have it.
pub fn looks_like_berry(text: &str) -> bool {
    text.lines().take(64).any(|l| l.starts_with("__metadata:"))
}

pub fn parse(path: &str, text: &str) -> Result<Lockfile, ParseError> {
    let mut entries = Vec::new();
    let mut importers = Vec::new();
    let mut version = None;
    let mut seen = Vec::new();
    let mut copied = 0;
    walk_tree(path, text, Dialect::Berry, MAX_DEPTH, |node| {
        if node.key == "__metadata" {
            if version.is_some() {
                return Err(err(path, node.line, "second `__metadata` block"));
            }
            version = Some(metadata_version(path, &node)?);
            return Ok(());
        }
        let descriptors = split_key(&node.key, |k| {
            Ok(k.split(',').map(str::trim).filter(|d| !d.is_empty()).map(Cow::Borrowed).collect())
        })
        .map_err(|m| err(path, node.line, m))?;
        if descriptors.is_empty() {
            return Err(err(path, node.line, "entry key lists no descriptor"));
        }
        seen.extend(descriptors.iter().map(|d| (d.clone(), node.line)));
        let descriptors: Vec<&str> = descriptors.iter().map(|d| &**d).collect();
        let fields = BerryFields::read(path, &node)?;

        let (real_name, reference) = split_ident(fields.resolution).ok_or_else(|| {
            err(path, fields.resolution_line, "resolution is not a `name@reference` locator")
        })?;
        let (source, resolved) = classify(real_name, reference).map_err(|m| {
            err(path, fields.resolution_line, format!("resolution {:?}: {m}", fields.resolution))
        })?;
        let mut dependencies = fields.dependencies;
        dependencies.sort();

        if source == Source::Workspace {
            let ws_path = reference.strip_prefix("workspace:").unwrap_or(reference);
            importers.push(Importer { path: ws_path.to_owned(), dependencies: dependencies.clone() });
            if ws_path == "." {
                return Ok(());
            }
        }
        let groups = group_by_ident(&descriptors);
        let count = groups.len();
        for (i, (ident, group)) in groups.into_iter().enumerate() {
            let dependencies = deps_for_group(path, node.line, &mut dependencies, i, count, &mut copied)?;
            let alias = (ident != real_name).then(|| ident.to_owned());
            entries.push(Entry {
                name: real_name.to_owned(),
                alias,
                version: fields.version.to_owned(),
                source,
                resolved: resolved.clone(),
                integrity: fields.checksum.map(str::to_owned),
                flags: Flags::default(),
                install_script: false,
                dependencies,
                key: group.join(", "),
                line: node.line,
            });
        }
        Ok(())
    })?;
    let version = version
        .ok_or_else(|| ParseError::new(path, None, "no `__metadata` block: not a yarn berry lockfile"))?;
    check_duplicates(path, seen)?;
    Ok(Lockfile { path: path.to_owned(), format: Format::YarnBerry(version), entries, importers })
}

fn err(path: &str, line: u32, msg: impl Into<String>) -> ParseError {
    ParseError::new(path, Some(line), msg)
}

fn metadata_version(path: &str, meta: &Node<'_>) -> Result<u32, ParseError> {
    let Value::Map(fields) = &meta.value else {
        return Err(err(path, meta.line, "`__metadata` is not a block"));
    };
    let node = fields
        .iter()
        .find(|f| f.key == "version")
        .ok_or_else(|| err(path, meta.line, "`__metadata` has no `version`"))?;
    let Value::Scalar(raw) = &node.value else {
        return Err(err(path, node.line, "`__metadata.version` is not a number"));
    };
    let version: u32 = raw
        .parse()
        .map_err(|_| err(path, node.line, format!("`__metadata.version` {raw:?} is not a number")))?;
    if !KNOWN_VERSIONS.contains(&version) {
        return Err(err(
            path,
            node.line,
            format!(
                "unsupported yarn lockfile version {version} (lockgate reads __metadata.version {} to {})",
                KNOWN_VERSIONS.start(),
                KNOWN_VERSIONS.end()
            ),
        ));
    }
    Ok(version)
}

/// The fields of one berry entry lockgate uses.
struct BerryFields<'n> {
    version: &'n str,
    resolution: &'n str,
    resolution_line: u32,
    checksum: Option<&'n str>,
    dependencies: Vec<Dependency>,
}

impl<'n> BerryFields<'n> {
    fn read(path: &str, node: &'n Node<'_>) -> Result<Self, ParseError> {
        let Value::Map(fields) = &node.value else {
            return Err(err(path, node.line, "entry is a plain value, expected a block of fields"));
        };
        let mut version = None;
        let mut resolution = None;
        let mut checksum = None;
        let mut deps: Option<&[Node<'_>]> = None;
        let mut peers: Option<&[Node<'_>]> = None;
        let mut deps_meta: Option<&[Node<'_>]> = None;
        let mut peers_meta: Option<&[Node<'_>]> = None;
        for f in fields {
            match &*f.key {
                "version" => set_once(path, f, &mut version, scalar(path, f)?)?,
                "resolution" => set_once(path, f, &mut resolution, (scalar(path, f)?, f.line))?,
                "checksum" => set_once(path, f, &mut checksum, scalar(path, f)?)?,
                "dependencies" => set_once(path, f, &mut deps, map(path, f)?)?,
                "peerDependencies" => set_once(path, f, &mut peers, map(path, f)?)?,
                "dependenciesMeta" => set_once(path, f, &mut deps_meta, map(path, f)?)?,
                "peerDependenciesMeta" => set_once(path, f, &mut peers_meta, map(path, f)?)?,
                // linkType (implied by the protocol), languageName, conditions, bin, future fields.
                _ => {}
            }
        }
        let (resolution, resolution_line) =
            resolution.ok_or_else(|| err(path, node.line, "entry has no `resolution`"))?;
        let version = version.ok_or_else(|| err(path, node.line, "entry has no `version`"))?;

        let mut dependencies = Vec::new();
        let optional_deps = optional_names(path, deps_meta)?;
        for d in deps.unwrap_or_default() {
            let req = scalar(path, d)?;
            let optional = optional_deps.binary_search(&&*d.key).is_ok();
            dependencies.push(dep(&d.key, req, optional, false));
        }
        let optional_peers = optional_names(path, peers_meta)?;
        for d in peers.unwrap_or_default() {
            let req = scalar(path, d)?;
            let optional = optional_peers.binary_search(&&*d.key).is_ok();
            dependencies.push(dep(&d.key, req, optional, true));
        }
        Ok(BerryFields { version, resolution, resolution_line, checksum, dependencies })
    }
}

fn dep(name: &str, req: &str, optional: bool, peer: bool) -> Dependency {
    Dependency { name: name.to_owned(), req: req.to_owned(), optional, peer, dev: false }
}

fn set_once<T>(path: &str, f: &Node<'_>, slot: &mut Option<T>, value: T) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(err(path, f.line, format!("field `{}` appears twice in this entry", f.key)));
    }
    *slot = Some(value);
    Ok(())
}

fn scalar<'n>(path: &str, f: &'n Node<'_>) -> Result<&'n str, ParseError> {
    match &f.value {
        Value::Scalar(s) => Ok(s),
        Value::Map(_) => Err(err(path, f.line, format!("`{}` is a block, expected a value", f.key))),
    }
}

fn map<'n, 'a>(path: &str, f: &'n Node<'a>) -> Result<&'n [Node<'a>], ParseError> {
    match &f.value {
        Value::Map(m) => Ok(m),
        Value::Scalar(_) => Err(err(path, f.line, format!("`{}` is a value, expected a block", f.key))),
    }
}

/// Package names under `dependenciesMeta`/`peerDependenciesMeta` with `optional: true`, sorted
/// for binary search. Meta keys are a name or `name@version`.
fn optional_names<'n>(path: &str, meta: Option<&'n [Node<'_>]>) -> Result<Vec<&'n str>, ParseError> {
    let mut out = Vec::new();
    for m in meta.unwrap_or_default() {
        let is_optional = map(path, m)?
            .iter()
            .any(|f| f.key == "optional" && matches!(&f.value, Value::Scalar(v) if v == "true"));
        if is_optional {
            out.push(split_ident(&m.key).map_or(&*m.key, |(name, _)| name));
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Descriptors grouped by the name they are installed under, in order of first appearance.
/// Real keys have one to three names; a hashed index takes over beyond that so a hostile key
/// with many names stays linear.
pub(super) fn group_by_ident<'d>(descriptors: &[&'d str]) -> Vec<(&'d str, Vec<&'d str>)> {
    const LINEAR: usize = 8;
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for &d in descriptors {
        let ident = split_ident(d).map_or(d, |(name, _)| name);
        let found = if groups.len() <= LINEAR {
            groups.iter().position(|(g, _)| *g == ident)
        } else {
            index.get(ident).copied()
        };
        match found.and_then(|i| groups.get_mut(i)) {
            Some((_, list)) => list.push(d),
            None => {
                groups.push((ident, vec![d]));
                if groups.len() > LINEAR {
                    if index.is_empty() {
                        index.extend(groups.iter().enumerate().map(|(i, (g, _))| (*g, i)));
                    } else {
                        index.insert(ident, groups.len() - 1);
                    }
                }
            }
        }
    }
    groups
}

/// Cap on dependency lists copied because one lockfile entry is installed under several names
/// (aliases). Real lockfiles copy a few hundred; without a cap a hostile entry with many names
/// and many dependencies would need memory quadratic in its size.
pub(super) const MAX_ALIAS_DEP_COPIES: usize = 1_000_000;

/// The dependencies for install name `i` of `count`: the last one takes the list, the others
/// copy it, charged to `copied`.
pub(super) fn deps_for_group(
    path: &str,
    line: u32,
    deps: &mut Vec<Dependency>,
    i: usize,
    count: usize,
    copied: &mut usize,
) -> Result<Vec<Dependency>, ParseError> {
    if i + 1 >= count {
        return Ok(std::mem::take(deps));
    }
    *copied = copied.saturating_add(deps.len());
    if *copied > MAX_ALIAS_DEP_COPIES {
        return Err(err(
            path,
            line,
            format!(
                "entries installed under several names need more than {MAX_ALIAS_DEP_COPIES} dependency copies"
            ),
        ));
    }
    Ok(deps.clone())
}

/// Source kind and `resolved` for the reference part of a berry locator.
fn classify(name: &str, reference: &str) -> Result<(Source, Option<String>), &'static str> {
    let mut reference = Cow::Borrowed(reference);
    // A patch wraps another locator, percent-encoded; patches of patches are legal but shallow.
    for _ in 0..4 {
        let Some(patched) = reference.strip_prefix("patch:") else {
            return classify_plain(name, &reference);
        };
        let inner = patched.split('#').next().unwrap_or_default();
        let inner = percent_decode(inner).ok_or("patched locator is not valid percent-encoding")?;
        let (_, inner_ref) = split_ident(&inner).ok_or("patched locator has no `@`")?;
        reference = Cow::Owned(inner_ref.to_owned());
    }
    Err("patches nested too deeply")
}

fn classify_plain(name: &str, reference: &str) -> Result<(Source, Option<String>), &'static str> {
    let owned = || Some(reference.to_owned());
    if reference.starts_with("npm:") {
        return Ok((Source::Registry, None));
    }
    if reference.starts_with("workspace:") {
        return Ok((Source::Workspace, owned()));
    }
    if reference.starts_with("link:") || reference.starts_with("portal:") {
        return Ok((Source::Link, owned()));
    }
    // `exec:` runs a local script to produce the package: local code, like `file:`.
    if reference.starts_with("file:") || reference.starts_with("exec:") {
        return Ok((Source::File, owned()));
    }
    let is_git = reference.contains("#commit=")
        || reference.contains("#commit:")
        || ["git+", "git:", "ssh:", "git@", "github:", "gitlab:", "bitbucket:"]
            .iter()
            .any(|p| reference.starts_with(p));
    if is_git {
        return Ok((Source::Git, owned()));
    }
    if reference.starts_with("https://") || reference.starts_with("http://") {
        let source = if is_registry_tarball(name, reference) { Source::Registry } else { Source::Tarball };
        return Ok((source, owned()));
    }
    Err(
        "unknown protocol (lockgate knows npm:, workspace:, patch:, git, http(s), file:, link:, portal:, exec:)",
    )
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

// ---------------------------------------------------------------------------------------------
// The indentation tree shared by both yarn dialects.

/// One line of a yarn lockfile (`key: value`, `key value` or `key:`) and what is nested under
/// it.
#[derive(Debug)]
pub(super) struct Node<'a> {
    pub key: Cow<'a, str>,
    pub line: u32,
    pub value: Value<'a>,
}

#[derive(Debug)]
pub(super) enum Value<'a> {
    Scalar(Cow<'a, str>),
    /// A `key:` line: what is indented under it (possibly nothing).
    Map(Vec<Node<'a>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// yarn 1: `key "value"`; top-level headers are raw descriptor lists ending in `:`.
    Classic,
    /// yarn 2+: `key: value`.
    Berry,
}

struct Frame<'a> {
    indent: usize,
    nodes: Vec<Node<'a>>,
}

/// Reads the block structure of a yarn lockfile and hands each complete top-level node (entry)
/// to `emit`, so only one entry's subtree is alive at a time. Linear in the input; nesting is
/// limited to `max_depth` levels.
pub(super) fn walk_tree<'a>(
    path: &str,
    text: &'a str,
    dialect: Dialect,
    max_depth: usize,
    mut emit: impl FnMut(Node<'a>) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    let mut frames = vec![Frame { indent: 0, nodes: Vec::new() }];
    // The previous content line was `key:` and may be followed by a deeper block.
    let mut block_open = false;
    for (idx, raw) in text.split('\n').enumerate() {
        let line = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let content = raw.trim_end_matches([' ', '\t', '\r']);
        let rest = content.trim_start_matches(' ');
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if ["<<<<<<<", "=======", ">>>>>>>", "|||||||"].iter().any(|m| rest.starts_with(m)) {
            return Err(err(path, line, "unresolved git merge conflict marker"));
        }
        if rest.starts_with('\t') {
            return Err(err(path, line, "tab in indentation (yarn lockfiles indent with spaces)"));
        }
        let indent = content.len() - rest.len();
        let top_indent = frames.last().map_or(0, |f| f.indent);
        if indent > top_indent {
            if !block_open {
                return Err(err(
                    path,
                    line,
                    format!("unexpected indentation ({indent} spaces) under a line that opens no block"),
                ));
            }
            if frames.len() >= max_depth {
                return Err(err(path, line, format!("blocks nested deeper than {max_depth} levels")));
            }
            frames.push(Frame { indent, nodes: Vec::new() });
        } else {
            while frames.last().is_some_and(|f| indent < f.indent) {
                close_frame(&mut frames);
            }
            if frames.last().map_or(0, |f| f.indent) != indent {
                return Err(err(
                    path,
                    line,
                    format!("indentation of {indent} spaces matches no enclosing block"),
                ));
            }
        }
        let top_level = frames.len() == 1;
        let (key, value) = split_line(rest, dialect, top_level).map_err(|m| err(path, line, m))?;
        if top_level && let Some(done) = frames.last_mut().and_then(|f| f.nodes.pop()) {
            emit(done)?;
        }
        block_open = value.is_none();
        let value = value.map_or_else(|| Value::Map(Vec::new()), Value::Scalar);
        if let Some(frame) = frames.last_mut() {
            frame.nodes.push(Node { key, line, value });
        }
    }
    while frames.len() > 1 {
        close_frame(&mut frames);
    }
    if let Some(done) = frames.pop().and_then(|mut f| f.nodes.pop()) {
        emit(done)?;
    }
    Ok(())
}

/// Every top-level node of a lockfile at once; for tests.
#[cfg(test)]
pub(super) fn parse_tree<'a>(
    path: &str,
    text: &'a str,
    dialect: Dialect,
    max_depth: usize,
) -> Result<Vec<Node<'a>>, ParseError> {
    let mut nodes = Vec::new();
    walk_tree(path, text, dialect, max_depth, |n| {
        nodes.push(n);
        Ok(())
    })?;
    Ok(nodes)
}

/// The descriptors of an entry key, borrowing from the lockfile text when the key does.
pub(super) fn split_key<'a>(
    key: &Cow<'a, str>,
    split: impl for<'s> Fn(&'s str) -> Result<Vec<Cow<'s, str>>, String>,
) -> Result<Vec<Cow<'a, str>>, String> {
    match key {
        Cow::Borrowed(k) => split(k),
        Cow::Owned(k) => Ok(split(k)?.into_iter().map(|d| Cow::Owned(d.into_owned())).collect()),
    }
}

/// Refuses a descriptor listed by two entries: yarn would silently use one of them, and a
/// reviewer could be shown the other. Sorting instead of hashing keeps this O(n log n) for any
/// input.
pub(super) fn check_duplicates(path: &str, mut seen: Vec<(Cow<'_, str>, u32)>) -> Result<(), ParseError> {
    seen.sort_unstable();
    let dup = seen
        .windows(2)
        .filter_map(|w| match w {
            [(a, first), (b, second)] if a == b => Some((a, *first, *second)),
            _ => None,
        })
        .min_by_key(|(_, _, second)| *second);
    match dup {
        Some((d, first, second)) => {
            Err(err(path, second, format!("descriptor {d:?} is already listed by the entry on line {first}")))
        }
        None => Ok(()),
    }
}

fn close_frame(frames: &mut Vec<Frame<'_>>) {
    if let Some(done) = frames.pop()
        && let Some(parent) = frames.last_mut().and_then(|f| f.nodes.last_mut())
    {
        parent.value = Value::Map(done.nodes);
    }
}

type LineParts<'a> = (Cow<'a, str>, Option<Cow<'a, str>>);

/// Splits a line (without indentation) into key and value; `None` value for `key:`.
fn split_line(rest: &str, dialect: Dialect, top_level: bool) -> Result<LineParts<'_>, String> {
    match dialect {
        Dialect::Berry => split_berry(rest),
        Dialect::Classic if top_level => match rest.strip_suffix(':') {
            Some(header) => Ok((Cow::Borrowed(header.trim_end()), None)),
            None => Err(format!("expected an entry header ending in `:`, found {:?}", truncate(rest))),
        },
        Dialect::Classic => split_classic(rest),
    }
}

fn split_berry(rest: &str) -> Result<LineParts<'_>, String> {
    let (key, after) = if rest.starts_with(['"', '\'']) {
        let (key, used) = parse_quoted(rest)?;
        (key, rest.get(used..).unwrap_or_default())
    } else {
        check_plain(rest, "key")?;
        // A plain key ends at the first `:` followed by a space or the end of the line.
        let bytes = rest.as_bytes();
        let colon = bytes
            .iter()
            .enumerate()
            .position(|(i, &b)| b == b':' && matches!(bytes.get(i + 1), None | Some(b' ')))
            .ok_or_else(|| format!("expected `key: value` or `key:`, found {:?}", truncate(rest)))?;
        (Cow::Borrowed(rest.get(..colon).unwrap_or_default()), rest.get(colon..).unwrap_or_default())
    };
    let Some(after) = after.strip_prefix(':') else {
        return Err(format!("expected `:` after key {:?}", truncate(&key)));
    };
    if after.is_empty() {
        return Ok((key, None));
    }
    let Some(value) = after.strip_prefix(' ') else {
        return Err(format!("expected a space after `:` of key {:?}", truncate(&key)));
    };
    let value = value.trim_start_matches(' ');
    if value.starts_with(['"', '\'']) {
        let (v, used) = parse_quoted(value)?;
        if used != value.len() {
            return Err(format!("unexpected text after quoted value of key {:?}", truncate(&key)));
        }
        return Ok((key, Some(v)));
    }
    check_plain(value, "value")?;
    Ok((key, Some(Cow::Borrowed(value))))
}

/// yarn quotes every key and value that YAML would read as anything but a plain string, so a
/// plain one starting with an indicator is hand-written YAML (anchor, alias, tag, flow or block
/// collection) that yarn itself never produces; refusing it keeps alias expansion impossible.
fn check_plain(s: &str, what: &str) -> Result<(), String> {
    let first = s.chars().next().unwrap_or(' ');
    let bad = match first {
        '&' | '*' | '!' | '|' | '>' | '{' | '[' | '%' | '@' | '`' | '?' | ']' | '}' | ',' => true,
        '-' => s.len() == 1 || s.as_bytes().get(1) == Some(&b' '),
        _ => false,
    };
    if bad {
        return Err(format!("{what} {:?} uses YAML syntax that yarn lockfiles never contain", truncate(s)));
    }
    Ok(())
}

fn split_classic(rest: &str) -> Result<LineParts<'_>, String> {
    let (key, after) = if rest.starts_with('"') {
        let (key, used) = parse_quoted(rest)?;
        (key, rest.get(used..).unwrap_or_default())
    } else {
        let end = rest.find([' ', ':']).unwrap_or(rest.len());
        (Cow::Borrowed(rest.get(..end).unwrap_or_default()), rest.get(end..).unwrap_or_default())
    };
    if after == ":" {
        return Ok((key, None));
    }
    let Some(value) = after.strip_prefix(' ') else {
        return Err(format!("expected `key value` or `key:`, found {:?}", truncate(rest)));
    };
    let value = value.trim_start_matches(' ');
    if value.starts_with('"') {
        let (v, used) = parse_quoted(value)?;
        if used != value.len() {
            return Err(format!("unexpected text after quoted value of key {:?}", truncate(&key)));
        }
        return Ok((key, Some(v)));
    }
    if value.is_empty() {
        return Err(format!("key {:?} has no value", truncate(&key)));
    }
    Ok((key, Some(Cow::Borrowed(value))))
}

pub(super) fn truncate(s: &str) -> Cow<'_, str> {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => Cow::Owned(format!("{}...", s.get(..i).unwrap_or_default())),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(body: &str) -> String {
        format!("# header\n\n__metadata:\n  version: 8\n  cacheKey: 10c0\n\n{body}")
    }

    fn parse_ok(text: &str) -> Lockfile {
        parse("yarn.lock", text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse_err(text: &str) -> ParseError {
        match parse("yarn.lock", text) {
            Ok(l) => panic!("expected an error, parsed {l:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn registry_entry_with_multi_descriptor_key() {
        let l = parse_ok(&lock(
            "\"@scope/a@npm:^1.0.0, @scope/a@npm:^1.1.0\":\n  version: 1.2.3\n  resolution: \"@scope/a@npm:1.2.3\"\n  dependencies:\n    b: \"npm:^2.0.0\"\n    c: ~1.0.0\n  peerDependencies:\n    react: \">=16\"\n  peerDependenciesMeta:\n    react:\n      optional: true\n  dependenciesMeta:\n    c:\n      optional: true\n  checksum: 10c0/abcdef\n  languageName: node\n  linkType: hard\n",
        ));
        assert_eq!(l.format, Format::YarnBerry(8));
        assert_eq!(l.entries.len(), 1);
        let e = &l.entries[0];
        assert_eq!(e.name, "@scope/a");
        assert_eq!(e.alias, None);
        assert_eq!(e.version, "1.2.3");
        assert_eq!(e.source, Source::Registry);
        assert_eq!(e.resolved, None);
        assert_eq!(e.integrity.as_deref(), Some("10c0/abcdef"));
        assert_eq!(e.key, "@scope/a@npm:^1.0.0, @scope/a@npm:^1.1.0");
        assert_eq!(e.line, 7);
        assert_eq!(
            e.dependencies,
            vec![
                dep("b", "npm:^2.0.0", false, false),
                dep("c", "~1.0.0", true, false),
                dep("react", ">=16", true, true),
            ]
        );
        assert!(e.flags.is_empty());
    }

    #[test]
    fn plain_key_and_unquoted_values() {
        let l =
            parse_ok(&lock("a@npm:^1.0.0:\n  version: 1.0.0\n  resolution: a@npm:1.0.0\n  linkType: hard\n"));
        assert_eq!(l.entries[0].name, "a");
        assert_eq!(l.entries[0].key, "a@npm:^1.0.0");
    }

    #[test]
    fn alias_gets_real_name_and_own_entry() {
        let l = parse_ok(&lock(
            "\"pkg@npm:@yao-pkg/pkg@^6.4.1, @yao-pkg/pkg@npm:^6.0.0\":\n  version: 6.5.0\n  resolution: \"@yao-pkg/pkg@npm:6.5.0\"\n  linkType: hard\n",
        ));
        assert_eq!(l.entries.len(), 2);
        assert_eq!(l.entries[0].name, "@yao-pkg/pkg");
        assert_eq!(l.entries[0].alias.as_deref(), Some("pkg"));
        assert_eq!(l.entries[0].key, "pkg@npm:@yao-pkg/pkg@^6.4.1");
        assert_eq!(l.entries[1].alias, None);
        assert_eq!(l.entries[1].key, "@yao-pkg/pkg@npm:^6.0.0");
        assert_eq!(l.entries[0].line, l.entries[1].line);
    }

    #[test]
    fn patch_is_the_underlying_package() {
        let l = parse_ok(&lock(
            "\"resolve@patch:resolve@npm%3A^1.20.0#optional!builtin<compat/resolve>\":\n  version: 1.22.11\n  resolution: \"resolve@patch:resolve@npm%3A1.22.11#optional!builtin<compat/resolve>::version=1.22.11&hash=c3c19d\"\n  checksum: 10c0/ff\n  linkType: hard\n",
        ));
        let e = &l.entries[0];
        assert_eq!((e.name.as_str(), e.version.as_str()), ("resolve", "1.22.11"));
        assert_eq!(e.source, Source::Registry);
        assert_eq!(e.resolved, None);
        assert!(e.key.contains("patch:"));
    }

    #[test]
    fn git_tarball_file_link_sources() {
        let l = parse_ok(&lock(concat!(
            "\"g@https://github.com/o/g.git\":\n  version: 0.0.0\n  resolution: \"g@https://github.com/o/g.git#commit=c26001a6\"\n  linkType: hard\n\n",
            "\"h@git+ssh://git@github.com/o/h.git#1.0\":\n  version: 1.0.0\n  resolution: \"h@git+ssh://git@github.com/o/h.git#commit:263f602e\"\n  linkType: hard\n\n",
            "\"t@https://host/t.tgz\":\n  version: 1.0.0\n  resolution: \"t@https://host/t.tgz\"\n  linkType: hard\n\n",
            "\"f@file:./local\":\n  version: 0.1.0\n  resolution: \"f@file:./local#./local::hash=abc&locator=root%40workspace%3A.\"\n  linkType: hard\n\n",
            "\"l@link:../l\":\n  version: 0.0.0-use.local\n  resolution: \"l@link:../l::locator=root%40workspace%3A.\"\n  linkType: soft\n\n",
            "\"p@portal:../p\":\n  version: 0.0.0-use.local\n  resolution: \"p@portal:../p::locator=root%40workspace%3A.\"\n  linkType: soft\n",
        )));
        let got: Vec<_> = l.entries.iter().map(|e| (e.name.as_str(), e.source)).collect();
        assert_eq!(
            got,
            [
                ("g", Source::Git),
                ("h", Source::Git),
                ("t", Source::Tarball),
                ("f", Source::File),
                ("l", Source::Link),
                ("p", Source::Link)
            ]
        );
        assert_eq!(l.entries[0].resolved.as_deref(), Some("https://github.com/o/g.git#commit=c26001a6"));
        assert_eq!(l.entries[2].resolved.as_deref(), Some("https://host/t.tgz"));
    }

    #[test]
    fn workspaces_are_importers() {
        let l = parse_ok(&lock(concat!(
            "\"root@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"root@workspace:.\"\n  dependencies:\n    ws-a: \"workspace:*\"\n  languageName: unknown\n  linkType: soft\n\n",
            "\"ws-a@workspace:*, ws-a@workspace:packages/ws-a\":\n  version: 0.0.0-use.local\n  resolution: \"ws-a@workspace:packages/ws-a\"\n  dependencies:\n    lodash: \"npm:^4\"\n  languageName: unknown\n  linkType: soft\n",
        )));
        assert_eq!(l.importers.len(), 2);
        assert_eq!(l.importers[0].path, ".");
        assert_eq!(l.importers[0].dependencies[0].name, "ws-a");
        assert_eq!(l.importers[1].path, "packages/ws-a");
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].source, Source::Workspace);
        assert_eq!(l.entries[0].name, "ws-a");
        assert_eq!(l.entries[0].line, 15);
    }

    #[test]
    fn key_longer_than_1024_chars() {
        let key: Vec<String> = (0..200).map(|i| format!("pkg@npm:^1.{i}.0")).collect();
        let key = key.join(", ");
        assert!(key.len() > 1024);
        let l = parse_ok(&lock(&format!(
            "\"{key}\":\n  version: 1.2.3\n  resolution: \"pkg@npm:1.2.3\"\n  linkType: hard\n"
        )));
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].key, key);
    }

    #[test]
    fn crlf_and_comments() {
        let text = lock("a@npm:1:\n  # note\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n")
            .replace('\n', "\r\n");
        assert_eq!(parse_ok(&text).entries[0].version, "1.0.0");
    }

    #[test]
    fn metadata_version_errors() {
        let e = parse_err("a@npm:1:\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n");
        assert!(e.message.contains("__metadata"), "{e}");
        let e = parse_err("__metadata:\n  version: 99\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("99"), "{e}");
        let e = parse_err("__metadata:\n  cacheKey: 8\n");
        assert_eq!(e.line, Some(1));
        let e = parse_err("__metadata:\n  version: eight\n");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn truncated_file_names_the_line() {
        let e = parse_err(&lock("\"a@npm:^1.0.0\":\n  version: 1.0.0\n  resolution: \"a@npm:1."));
        assert_eq!(e.line, Some(9));
        assert!(e.message.contains("unterminated"), "{e}");
        let e = parse_err(&lock("\"a@npm:^1.0.0\":\n  version: 1.0.0\n"));
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("resolution"), "{e}");
    }

    #[test]
    fn garbage_indentation_names_the_line() {
        let e = parse_err(&lock("a@npm:1:\n  version: 1.0.0\n     resolution: \"a@npm:1.0.0\"\n"));
        assert_eq!(e.line, Some(9));
        let e = parse_err(&lock("a@npm:1:\n    version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n"));
        assert_eq!(e.line, Some(9));
        assert!(e.message.contains("matches no enclosing block"), "{e}");
        let e = parse_err(&lock("a@npm:1:\n\tversion: 1.0.0\n"));
        assert_eq!(e.line, Some(8));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut body = String::from("a@npm:1:\n");
        for depth in 1..100 {
            body.push_str(&"  ".repeat(depth));
            body.push_str("k:\n");
        }
        let e = parse_err(&lock(&body));
        assert!(e.message.contains("nested deeper"), "{e}");
        assert_eq!(e.line, Some(7 + MAX_DEPTH as u32));
    }

    #[test]
    fn yaml_features_yarn_never_writes_are_refused() {
        for body in [
            "a@npm:1: &x\n",
            "a@npm:1:\n  version: *x\n",
            "a@npm:1:\n  version: [1]\n",
            "a@npm:1:\n  - 1\n",
            "a@npm:1:\n  version: !!str 1\n",
        ] {
            let e = parse_err(&lock(body));
            assert!(e.line.is_some(), "{e}");
        }
    }

    #[test]
    fn duplicates_are_refused() {
        let e = parse_err(&lock(
            "a@npm:1:\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n\n\"a@npm:1\":\n  version: 6.6.6\n  resolution: \"a@npm:6.6.6\"\n",
        ));
        assert_eq!(e.line, Some(11));
        let e = parse_err(&lock(
            "a@npm:1:\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n  resolution: \"a@npm:6.6.6\"\n",
        ));
        assert_eq!(e.line, Some(10));
    }

    #[test]
    fn unknown_protocol_is_an_error() {
        let e = parse_err(&lock("a@foo:1:\n  version: 1.0.0\n  resolution: \"a@foo:1\"\n"));
        assert_eq!(e.line, Some(9));
    }

    #[test]
    fn url_to_own_registry_tarball_is_registry() {
        let l = parse_ok(&lock(concat!(
            "\"left-pad@https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz\":\n  version: 1.3.0\n  resolution: \"left-pad@https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz\"\n\n",
            "\"evil@https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz\":\n  version: 1.3.0\n  resolution: \"evil@https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz\"\n\n",
            "\"gen@exec:./gen.js\":\n  version: 0.0.0\n  resolution: \"gen@exec:./gen.js#./gen.js::hash=1\"\n",
        )));
        assert_eq!(l.entries[0].source, Source::Registry);
        assert!(l.entries[0].resolved.as_deref().is_some_and(|r| r.ends_with("left-pad-1.3.0.tgz")));
        // Someone else's tarball under this name is not this package's registry copy.
        assert_eq!(l.entries[1].source, Source::Tarball);
        assert_eq!(l.entries[2].source, Source::File);
    }

    #[test]
    fn meta_keys_with_versions_mark_optional_edges() {
        let l = parse_ok(&lock(
            "a@npm:1:\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n  dependencies:\n    b: ^1\n    c: ^1\n  dependenciesMeta:\n    b@1.0.0:\n      optional: true\n    c:\n      built: false\n",
        ));
        let deps = &l.entries[0].dependencies;
        assert_eq!((deps[0].name.as_str(), deps[0].optional), ("b", true));
        assert_eq!((deps[1].name.as_str(), deps[1].optional), ("c", false));
    }

    #[test]
    fn many_names_in_one_key_stay_linear_and_bounded() {
        // 20 000 install names for one package: grouping must not be quadratic.
        let key: Vec<String> = (0..20_000).map(|i| format!("n{i}@npm:real@^1")).collect();
        let l = parse_ok(&lock(&format!(
            "\"{}\":\n  version: 1.0.0\n  resolution: \"real@npm:1.0.0\"\n  dependencies:\n    d: ^1\n",
            key.join(", ")
        )));
        assert_eq!(l.entries.len(), 20_000);
        assert_eq!(l.entries[19_999].alias.as_deref(), Some("n19999"));
        // ...but copying a large dependency list to each of them is refused.
        let key: Vec<String> = (0..2_000).map(|i| format!("n{i}@npm:real@^1")).collect();
        let deps: String = (0..1_000).map(|i| format!("    d{i}: ^1\n")).collect();
        let e = parse_err(&lock(&format!(
            "\"{}\":\n  version: 1.0.0\n  resolution: \"real@npm:1.0.0\"\n  dependencies:\n{deps}",
            key.join(", ")
        )));
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("dependency copies"), "{e}");
    }

    #[test]
    fn merge_conflict_markers() {
        let e = parse_err(&lock("<<<<<<< HEAD\na@npm:1:\n"));
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("merge conflict"), "{e}");
    }

    #[test]
    fn tree_keeps_lines_and_nesting() {
        let nodes =
            parse_tree("x", "a:\n  b:\n    c: 1\n  d: \"e\\\"f\"\ng: h\n", Dialect::Berry, 6).unwrap();
        assert_eq!(nodes.len(), 2);
        let Value::Map(a) = &nodes[0].value else { panic!() };
        assert_eq!(a[1].line, 4);
        assert!(matches!(&a[1].value, Value::Scalar(s) if s == "e\"f"));
        let Value::Map(b) = &a[0].value else { panic!() };
        assert_eq!((b[0].key.as_ref(), b[0].line), ("c", 3));
        assert_eq!(nodes[1].line, 5);
    }
}
