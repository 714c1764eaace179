//! bun.lock, bun's text lockfile: `lockfileVersion` 0 (bun 1.1.x), 1 (bun 1.2, 1.3) and 2
//! (bun 1.4, which adds `"hasInstallScript": true` to the info of packages with install scripts).
//!
//! The file is JSON with trailing commas (and, being read by bun's JSONC parser, possibly
//! comments):
//!
//! ```text
//! { "lockfileVersion": 1,
//!   "workspaces": { "": { "name": "app", "dependencies": {..}, .. }, "packages/a": {..} },
//!   "trustedDependencies": ["esbuild"],
//!   "packages": { "<install path>": ["name@resolution", ...kind-specific elements] } }
//! ```
//!
//! A package key is its node_modules install path without the `node_modules/` parts (`debug`,
//! `send/debug` for a nested copy, `@scope/a`); its last component is the name it is installed
//! under, which differs from the real name of an `npm:` alias. The array's shape depends on the
//! resolution written after `name@`, exactly as bun's own reader decides it:
//!
//! | resolution                     | array                                              |
//! |--------------------------------|----------------------------------------------------|
//! | semver version (registry)      | `[id, registry-url-or-"", info, integrity]`        |
//! | `github:` / `git+...`          | `[id, info, bun-tag, integrity?]`                  |
//! | `http(s)://...` (tarball)      | `[id, info, integrity?]`                           |
//! | local tarball path             | `[id, info, integrity?]`                           |
//! | `file:` / `link:`              | `[id, info]`                                       |
//! | `workspace:`                   | `[id]` (v1), `[id, info]` (v0)                     |
//! | `root:`                        | `[id, { bin }]`, the root package itself: no entry |
//!
//! where `info` holds `dependencies`, `optionalDependencies`, `peerDependencies`,
//! `optionalPeers`, `bundled`, `hasInstallScript` (v2), `os`, `cpu`, `bin`. Elements past the
//! ones listed are ignored, so a newer bun adding one does not break us; a missing or mistyped
//! one is an error.
//!
//! A package counts as running an install script when v2 says so or when the top-level
//! `trustedDependencies` (the packages the project allowed to run scripts) names it. Before v2
//! the lockfile does not say which other packages have scripts (bun also runs those on its
//! built-in allowlist).
//!
//! bun records no version for non-registry packages, so their `version` is empty; `resolved`
//! keeps the resolution as written (`github:u/r#sha`, `file:path`, a URL). A tarball URL that is
//! the public npm registry's own tarball of the package (a URL dependency on
//! `registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz`) is a registry entry of that version.
//!
//! bun records no dev/optional/peer flags per package. They are derived like npm does: a package
//! is `dev` when every path from the workspaces to it goes through a devDependency, and likewise
//! for optional and peer edges. Dependencies resolve the way bun's installer does: from key
//! `a/b`, a dependency `d` is `a/b/d`, else `a/d`, else `d`.
//!
//! Parsing: serde_json refuses trailing commas and comments, so one linear pre-pass copies the
//! text, blanking comments and trailing commas with spaces (newlines kept), and serde_json parses
//! the copy. Every byte stays where it was, so serde_json's line/column errors point into the
//! original file. The same pass refuses nesting deeper than bun ever writes (before any
//! recursive parsing) and records where each key of `packages` and `workspaces` starts, which
//! gives every entry its line without searching the text per entry. This was preferred to the
//! `jsonc-parser` crate (MIT, maintained by dprint, has ranges): that would add a second JSON
//! implementation to audit for one file format, and its recursive-descent parser documents no
//! nesting limit.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Dependency, Entry, Flags, Format, Importer, LineIndex, Lockfile, ParseError, Source};

/// The `lockfileVersion` values bun has written so far. bun bumps it on incompatible changes,
/// so a newer one must be refused rather than guessed at.
const KNOWN_VERSIONS: [u64; 3] = [0, 1, 2];

/// Real bun.lock files nest about five levels deep. The limit refuses hostile nesting up front,
/// also inside fields serde_json would otherwise skip without looking.
const MAX_DEPTH: usize = 64;

pub fn parse(path: &str, text: &str) -> Result<Lockfile, ParseError> {
    let scan = Scan::run(text);
    let lines = LineIndex::new(text);
    if let Some(at) = scan.too_deep_at {
        return Err(ParseError::new(
            path,
            Some(lines.line(at)),
            format!("nested deeper than {MAX_DEPTH} levels; bun.lock never is, refusing the file"),
        ));
    }
    if scan.first_byte != Some(b'{') {
        let line = scan.first_offset.map(|o| lines.line(o));
        return Err(ParseError::new(path, line, "bun.lock must be a JSON object"));
    }
    // Only whole comments and ASCII commas were blanked, so the copy is still UTF-8; parsing it
    // as `str` spares serde_json a UTF-8 check per string.
    let json = std::str::from_utf8(&scan.json)
        .map_err(|_| ParseError::new(path, None, "internal error: comment removal broke UTF-8"))?;
    let raw: RawLockfile = serde_json::from_str(json).map_err(|e| json_error(path, &e))?;
    let cx = Cx { path, lines: &lines, scan: &scan };

    let version = match &raw.lockfile_version {
        None => return Err(cx.top_err("lockfileVersion", "missing \"lockfileVersion\"")),
        Some(Node::Num(n)) => match n.as_u64() {
            Some(v) if KNOWN_VERSIONS.contains(&v) => v,
            _ => {
                return Err(cx.top_err(
                    "lockfileVersion",
                    format!(
                        "unsupported bun.lock lockfileVersion {n}; lockgate reads versions 0 to 2 \
                         (a newer bun wrote this file: update lockgate)"
                    ),
                ));
            }
        },
        Some(other) => {
            return Err(cx.top_err(
                "lockfileVersion",
                format!("\"lockfileVersion\" must be a number, found {}", other.kind()),
            ));
        }
    };

    let trusted = trusted_names(&cx, raw.trusted_dependencies.as_ref())?;
    let workspaces = match &raw.workspaces {
        None => return Err(ParseError::new(path, None, "missing \"workspaces\" object")),
        Some(Node::Map(items)) => items.as_slice(),
        Some(other) => {
            let msg = format!("\"workspaces\" must be an object, found {}", other.kind());
            return Err(cx.top_err("workspaces", msg));
        }
    };
    let packages = match &raw.packages {
        None => &[][..],
        Some(Node::Map(items)) => items.as_slice(),
        Some(other) => {
            return Err(
                cx.top_err("packages", format!("\"packages\" must be an object, found {}", other.kind()))
            );
        }
    };
    cx.check_offsets("workspaces", &scan.workspace_keys, workspaces)?;
    cx.check_offsets("packages", &scan.package_keys, packages)?;

    let mut importers = Vec::with_capacity(workspaces.len());
    // Workspace path -> (package name, version), to fill in `workspace:` entries.
    let mut workspace_info: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    for (i, (ws_path, value)) in workspaces.iter().enumerate() {
        let line = cx.key_line(&scan.workspace_keys, i);
        let err = |msg: String| ParseError::new(path, line, format!("workspace {ws_path:?}: {msg}"));
        let Node::Map(obj) = value else {
            return Err(err(format!("expected an object, found {}", value.kind())));
        };
        let name = opt_str(obj, "name").map_err(err)?;
        let ver = opt_str(obj, "version").map_err(err)?;
        let dependencies = parse_deps(obj, true).map_err(err)?;
        workspace_info.insert(ws_path.to_string(), (name.map(str::to_owned), ver.map(str::to_owned)));
        importers.push(Importer { path: ws_path.to_string(), dependencies });
    }

    let mut entries = Vec::with_capacity(packages.len());
    // Package key -> index in `entries` (`None` for the root package), for duplicate detection
    // and dependency resolution.
    let mut index: HashMap<&str, Option<usize>> = HashMap::with_capacity(packages.len());
    for (i, (key, value)) in packages.iter().enumerate() {
        let line = cx.key_line(&scan.package_keys, i).unwrap_or(0);
        let err = |msg: String| ParseError::new(path, Some(line), format!("package {key:?}: {msg}"));
        if index.contains_key(key.as_ref()) {
            return Err(err("duplicate package key".into()));
        }
        let Some(mut entry) = parse_entry(key, value, line).map_err(err)? else {
            index.insert(key, None);
            continue;
        };
        if entry.source == Source::Workspace {
            let ws_path = entry.resolved.as_deref().and_then(|r| r.strip_prefix("workspace:"));
            if let Some((_, Some(ver))) = ws_path.and_then(|p| workspace_info.get(p)) {
                entry.version = ver.clone();
            }
            // Since v1 a workspace entry carries no dependencies; its importer has them.
            if entry.dependencies.is_empty()
                && let Some(imp) = importers.iter().find(|imp| Some(imp.path.as_str()) == ws_path)
            {
                entry.dependencies = imp.dependencies.clone();
            }
        }
        entry.install_script |= trusted.contains(entry.name.as_str())
            || entry.alias.as_deref().is_some_and(|a| trusted.contains(a));
        index.insert(key, Some(entries.len()));
        entries.push(entry);
    }

    let importer_prefixes: Vec<Option<&str>> = importers
        .iter()
        .map(|imp| {
            if imp.path.is_empty() {
                None
            } else {
                workspace_info.get(&imp.path).and_then(|(name, _)| name.as_deref())
            }
        })
        .collect();
    derive_flags(&mut entries, &index, &importers, &importer_prefixes);

    Ok(Lockfile { path: path.to_owned(), format: Format::Bun(version as u32), entries, importers })
}

/// What the parser needs to place an error.
struct Cx<'a> {
    path: &'a str,
    lines: &'a LineIndex,
    scan: &'a Scan,
}

impl Cx<'_> {
    fn top_err(&self, key: &str, msg: impl Into<String>) -> ParseError {
        let line = self.scan.top_keys.iter().find(|(k, _)| k == key).map(|&(_, o)| self.lines.line(o));
        ParseError::new(self.path, line, msg)
    }

    fn key_line(&self, offsets: &[(usize, usize)], i: usize) -> Option<u32> {
        offsets.get(i).map(|&(start, _)| self.lines.line(start))
    }

    /// The pre-pass and serde_json read the same valid JSON, so they see the same keys in the
    /// same order. Checked anyway: a wrong line number would send reviewers to the wrong entry.
    fn check_offsets(
        &self,
        section: &str,
        offsets: &[(usize, usize)],
        items: &[(Cow<str>, Node)],
    ) -> Result<(), ParseError> {
        let consistent = offsets.len() == items.len()
            && offsets.iter().zip(items).all(|(&(s, e), (key, _))| {
                // Raw text equals the key unless it uses escapes, which are rare and skipped.
                let raw = self.scan.raw_key(s, e);
                raw.contains('\\') || raw == key
            });
        if consistent {
            Ok(())
        } else {
            Err(self.top_err(section, format!("could not locate the keys of \"{section}\" in the file")))
        }
    }
}

/// The top level of bun.lock, as far as lockgate reads it.
#[derive(Deserialize)]
struct RawLockfile<'a> {
    #[serde(rename = "lockfileVersion", borrow)]
    lockfile_version: Option<Node<'a>>,
    #[serde(borrow)]
    workspaces: Option<Node<'a>>,
    #[serde(borrow)]
    packages: Option<Node<'a>>,
    #[serde(rename = "trustedDependencies", borrow)]
    trusted_dependencies: Option<Node<'a>>,
}

/// A JSON value that borrows its strings from the input and keeps object keys in file order.
/// Cheaper than `serde_json::Value` (no per-string allocation, no B-tree per object) and the
/// order lets `packages` keys line up with the offsets the pre-pass recorded.
enum Node<'a> {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Num(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "an array",
            Node::Map(_) => "an object",
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Field lookup in an object's entries. Objects in bun.lock are small, so a scan is fine.
fn field<'n, 'a>(obj: &'n [(Cow<'a, str>, Node<'a>)], name: &str) -> Option<&'n Node<'a>> {
    obj.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A string borrowed from the input when it has no escapes, owned otherwise.
struct CowStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Node<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Node<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node<'a>, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node<'a>, E> {
                Ok(Node::Bool(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node<'a>, E> {
                Ok(Node::Num(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node<'a>, E> {
                Ok(Node::Num(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node<'a>, E> {
                Ok(serde_json::Number::from_f64(v).map_or(Node::Null, Node::Num))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node<'a>, E> {
                Ok(Node::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node<'a>, E> {
                Ok(Node::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'a>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some((CowStr(k), v)) = map.next_entry()? {
                    items.push((k, v));
                }
                Ok(Node::Map(items))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

fn json_error(path: &str, e: &serde_json::Error) -> ParseError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; the line goes in its own field.
    let msg = full.rfind(" at line ").map_or(full.as_str(), |i| &full[..i]);
    let what = match e.classify() {
        serde_json::error::Category::Eof => "file ends early (truncated?)",
        _ => "invalid JSON",
    };
    let line = u32::try_from(e.line()).ok().filter(|&l| l > 0);
    ParseError::new(path, line, format!("{what}: {msg} (column {})", e.column()))
}

fn trusted_names<'n>(cx: &Cx, v: Option<&'n Node>) -> Result<HashSet<&'n str>, ParseError> {
    let Some(v) = v else {
        return Ok(HashSet::new());
    };
    let bad =
        || cx.top_err("trustedDependencies", "\"trustedDependencies\" must be an array of package names");
    let Node::Seq(items) = v else {
        return Err(bad());
    };
    items.iter().map(|item| item.as_str().ok_or_else(bad)).collect()
}

fn opt_str<'n>(obj: &'n [(Cow<str>, Node)], name: &str) -> Result<Option<&'n str>, String> {
    match field(obj, name) {
        None | Some(Node::Null) => Ok(None),
        Some(Node::Str(s)) => Ok(Some(s)),
        Some(other) => Err(format!("\"{name}\" must be a string, found {}", other.kind())),
    }
}

/// The dependency groups of a workspace or of a package's info object. `dev` groups only exist
/// on workspaces.
fn parse_deps(obj: &[(Cow<str>, Node)], with_dev: bool) -> Result<Vec<Dependency>, String> {
    let optional_peers: HashSet<&str> = match field(obj, "optionalPeers") {
        None | Some(Node::Null) => HashSet::new(),
        Some(Node::Seq(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(|| "\"optionalPeers\" must be an array of names".to_owned()))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!("\"optionalPeers\" must be an array, found {}", other.kind()));
        }
    };
    let mut out = Vec::new();
    for (group, dev, optional, peer) in [
        ("dependencies", false, false, false),
        ("devDependencies", true, false, false),
        ("optionalDependencies", false, true, false),
        ("peerDependencies", false, false, true),
    ] {
        if dev && !with_dev {
            continue;
        }
        let deps = match field(obj, group) {
            None | Some(Node::Null) => continue,
            Some(Node::Map(deps)) => deps,
            Some(other) => {
                return Err(format!("\"{group}\" must be an object, found {}", other.kind()));
            }
        };
        for (name, req) in deps {
            let Node::Str(req) = req else {
                return Err(format!("\"{group}\".{name:?} must be a string, found {}", req.kind()));
            };
            out.push(Dependency {
                name: name.to_string(),
                req: req.to_string(),
                optional: optional || (peer && optional_peers.contains(name.as_ref())),
                peer,
                dev,
            });
        }
    }
    Ok(out)
}

/// How bun resolved a package, from the text after `name@` (bun's `Resolution.fromTextLockfile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    Root,
    Npm,
    Git,
    Tarball,
    LocalTarball,
    Folder,
    Link,
    Workspace,
}

fn classify(spec: &str) -> Option<Resolution> {
    const GIT: [&str; 7] = ["github:", "git+", "git://", "git@", "ssh://", "gitlab:", "bitbucket:"];
    let res = if spec.starts_with("root:") {
        Resolution::Root
    } else if spec.starts_with("link:") {
        Resolution::Link
    } else if spec.starts_with("workspace:") {
        Resolution::Workspace
    } else if spec.starts_with("file:") {
        Resolution::Folder
    } else if GIT.iter().any(|p| spec.starts_with(p)) {
        Resolution::Git
    } else if spec.starts_with("http://") || spec.starts_with("https://") {
        Resolution::Tarball
    } else if [".tgz", ".tar.gz", ".tar"].iter().any(|s| spec.ends_with(s))
        || spec.contains('/')
        || spec.starts_with('.')
    {
        Resolution::LocalTarball
    } else if spec.starts_with(|c: char| c.is_ascii_digit()) {
        Resolution::Npm
    } else {
        return None;
    };
    Some(res)
}

/// Hosts whose tarball URLs are the public npm registry's own releases.
const PUBLIC_REGISTRIES: [&str; 3] = ["registry.npmjs.org", "registry.npmjs.com", "registry.yarnpkg.com"];

/// The version in a public-registry tarball URL of package `name`
/// (`https://registry.npmjs.org/<name>/-/<name without scope>-<version>.tgz`). Other hosts are
/// not trusted to serve what the path claims, so their URLs stay tarballs.
fn registry_tarball_version<'s>(name: &str, url: &'s str) -> Option<&'s str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let path = rest.split(['?', '#']).next()?;
    let (host, path) = path.split_once('/')?;
    if !PUBLIC_REGISTRIES.contains(&host) {
        return None;
    }
    let (dir, file) = path.rsplit_once("/-/")?;
    let dir_matches = dir == name || dir.eq_ignore_ascii_case(&name.replacen('/', "%2f", 1));
    let base = name.rsplit('/').next()?;
    let version = file.strip_prefix(base)?.strip_prefix('-')?.strip_suffix(".tgz")?;
    let plausible = version.starts_with(|c: char| c.is_ascii_digit()) && !version.contains('/');
    (dir_matches && plausible).then_some(version)
}

/// `name@spec` with a scoped name's leading `@` not taken as the separator.
fn split_id(id: &str) -> Option<(&str, &str)> {
    let at = id.get(1..)?.find('@')? + 1;
    let (name, spec) = (id.get(..at)?, id.get(at + 1..)?);
    (!name.is_empty() && !name.ends_with('/')).then_some((name, spec))
}

/// The name a package key installs under: its last path component, scope included.
fn install_name(key: &str) -> &str {
    let mut prev = None;
    let mut last = None;
    each_component_end(key, |end| {
        prev = last;
        last = Some(end);
    });
    match prev {
        Some(end) => key.get(end + 1..).unwrap_or(key),
        None => key,
    }
}

/// Byte offsets where each component of a package key ends; `@scope/name` is one component.
#[cfg(test)]
fn component_ends(key: &str) -> Vec<usize> {
    let mut ends = Vec::new();
    each_component_end(key, |end| ends.push(end));
    ends
}

/// Calls `f` with the end offset of each component, in order, in one pass over the key.
fn each_component_end(key: &str, mut f: impl FnMut(usize)) {
    let bytes = key.as_bytes();
    let mut scoped = bytes.first() == Some(&b'@');
    // Whether the current `@scope/` component has already passed its one inner slash.
    let mut past_scope = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'/' {
            continue;
        }
        if scoped && !past_scope {
            past_scope = true;
            continue;
        }
        f(i);
        scoped = bytes.get(i + 1) == Some(&b'@');
        past_scope = false;
    }
    f(bytes.len());
}

/// One `packages` entry, or `None` for the root package.
fn parse_entry(key: &str, value: &Node, line: u32) -> Result<Option<Entry>, String> {
    if key.is_empty() {
        return Err("empty package key".into());
    }
    let Node::Seq(arr) = value else {
        return Err(format!("expected an array [\"name@version\", ...], found {}", value.kind()));
    };
    let Some(Node::Str(id)) = arr.first() else {
        return Err("the first element must be the \"name@resolution\" string".into());
    };
    let (name, spec) =
        split_id(id).ok_or_else(|| format!("invalid package id {id:?}, expected \"name@resolution\""))?;
    let res = classify(spec).ok_or_else(|| format!("unrecognized resolution {spec:?} in {id:?}"))?;

    let elem_str = |i: usize, what: &str| match arr.get(i) {
        Some(Node::Str(s)) => Ok(s.as_ref()),
        Some(other) => Err(format!("element {} ({what}) must be a string, found {}", i + 1, other.kind())),
        None => Err(format!("missing element {} ({what})", i + 1)),
    };
    let elem_obj = |i: usize| match arr.get(i) {
        Some(Node::Map(o)) => Ok(o.as_slice()),
        Some(other) => {
            Err(format!("element {} (package info) must be an object, found {}", i + 1, other.kind()))
        }
        None => Err(format!("missing element {} (package info object)", i + 1)),
    };
    // Trailing integrity that newer bun versions add for tarball and git packages.
    let opt_integrity = |i: usize| match arr.get(i) {
        None | Some(Node::Null) => Ok(None),
        Some(Node::Str(s)) => Ok(Some(s.as_ref())),
        Some(other) => Err(format!("element {} (integrity) must be a string, found {}", i + 1, other.kind())),
    };

    // A URL dependency that points at a registry's own tarball of this very package
    // (`https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz`) is that registry release,
    // and is treated like one so registry checks apply to it.
    let registry_tarball = match res {
        Resolution::Tarball => registry_tarball_version(name, spec),
        _ => None,
    };
    let (source, info, resolved, integrity) = match res {
        Resolution::Root => return Ok(None),
        Resolution::Npm => {
            let registry = elem_str(1, "registry URL")?;
            let info = elem_obj(2)?;
            let integrity = elem_str(3, "integrity")?;
            (Source::Registry, Some(info), Some(registry), Some(integrity))
        }
        Resolution::Git => {
            let info = elem_obj(1)?;
            elem_str(2, "git tag")?;
            (Source::Git, Some(info), Some(spec), opt_integrity(3)?)
        }
        Resolution::Tarball => (
            if registry_tarball.is_some() { Source::Registry } else { Source::Tarball },
            Some(elem_obj(1)?),
            Some(spec),
            opt_integrity(2)?,
        ),
        Resolution::LocalTarball => (Source::File, Some(elem_obj(1)?), Some(spec), opt_integrity(2)?),
        Resolution::Folder => (Source::File, Some(elem_obj(1)?), Some(spec), None),
        Resolution::Link => (Source::Link, Some(elem_obj(1)?), Some(spec), None),
        Resolution::Workspace => {
            let info = if arr.len() > 1 { Some(elem_obj(1)?) } else { None };
            (Source::Workspace, info, Some(spec), None)
        }
    };

    let dependencies = match info {
        Some(info) => parse_deps(info, res == Resolution::Workspace)?,
        None => Vec::new(),
    };
    let flag = |name: &str| matches!(info.and_then(|i| field(i, name)), Some(Node::Bool(true)));
    let bundled = flag("bundled");
    let installed_as = install_name(key);
    Ok(Some(Entry {
        name: name.to_owned(),
        alias: (installed_as != name).then(|| installed_as.to_owned()),
        version: match (res, registry_tarball) {
            (Resolution::Npm, _) => spec.to_owned(),
            (_, Some(v)) => v.to_owned(),
            _ => String::new(),
        },
        source,
        resolved: resolved.filter(|r| !r.is_empty()).map(str::to_owned),
        integrity: integrity.filter(|i| !i.is_empty()).map(str::to_owned),
        flags: Flags { bundled, ..Flags::default() },
        install_script: flag("hasInstallScript"),
        dependencies,
        key: key.to_owned(),
        line,
    }))
}

/// Edge classes, as bits, for the reachability passes.
const DEV: u8 = 1;
const OPTIONAL: u8 = 2;
const PEER: u8 = 4;

fn edge_class(d: &Dependency) -> u8 {
    (if d.dev { DEV } else { 0 }) | (if d.optional { OPTIONAL } else { 0 }) | (if d.peer { PEER } else { 0 })
}

/// Sets dev/optional/peer on entries reachable only through such edges (see module docs).
fn derive_flags(
    entries: &mut [Entry],
    index: &HashMap<&str, Option<usize>>,
    importers: &[Importer],
    prefixes: &[Option<&str>],
) {
    // Every text in front of a `/` in some key. Probing `prefix/dep` can only hit when `prefix`
    // is one of these, so most packages (not nested anywhere) cost one lookup per edge, not two.
    let parents: HashSet<&str> =
        index.keys().flat_map(|&k| k.match_indices('/').filter_map(move |(i, _)| k.get(..i))).collect();
    let mut buf = String::new();
    let mut resolve = |from: &[&str], dep: &str| -> Option<usize> {
        for prefix in from {
            buf.clear();
            buf.push_str(prefix);
            buf.push('/');
            buf.push_str(dep);
            if let Some(&slot) = index.get(buf.as_str()) {
                return slot;
            }
        }
        index.get(dep).copied().flatten()
    };

    let mut roots: Vec<(usize, u8)> = Vec::new();
    for (imp, prefix) in importers.iter().zip(prefixes) {
        let from: Vec<&str> = prefix.iter().copied().filter(|p| parents.contains(p)).collect();
        for d in &imp.dependencies {
            if let Some(t) = resolve(&from, &d.name) {
                roots.push((t, edge_class(d)));
            }
        }
    }
    // Adjacency in one flat buffer: entry `n`'s edges are `targets[starts[n]..starts[n + 1]]`.
    let mut starts: Vec<usize> = Vec::with_capacity(entries.len() + 1);
    let mut targets: Vec<(usize, u8)> = Vec::with_capacity(entries.len() * 4);
    let mut ends: Vec<usize> = Vec::new();
    let mut from: Vec<&str> = Vec::new();
    for e in entries.iter() {
        starts.push(targets.len());
        ends.clear();
        each_component_end(&e.key, |end| ends.push(end));
        // Nearest ancestor first: `a/b` looks in `a/b/`, then `a/`, then the top level.
        from.clear();
        from.extend(ends.iter().rev().filter_map(|&end| e.key.get(..end)).filter(|p| parents.contains(p)));
        targets.extend(e.dependencies.iter().filter_map(|d| Some((resolve(&from, &d.name)?, edge_class(d)))));
    }
    starts.push(targets.len());
    let edges = |n: usize| -> &[(usize, u8)] {
        match (starts.get(n), starts.get(n + 1)) {
            (Some(&a), Some(&b)) => targets.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    };

    let reach = |excluded: u8| -> Vec<bool> {
        let mut seen = vec![false; entries.len()];
        let mut stack: Vec<usize> = Vec::new();
        let workspaces = entries.iter().enumerate().filter(|(_, e)| e.source == Source::Workspace);
        let starts = roots.iter().filter(|(_, c)| c & excluded == 0).map(|&(t, _)| t);
        for t in starts.chain(workspaces.map(|(i, _)| i)) {
            if let Some(s) = seen.get_mut(t)
                && !*s
            {
                *s = true;
                stack.push(t);
            }
        }
        while let Some(n) = stack.pop() {
            for &(t, c) in edges(n) {
                if c & excluded == 0
                    && let Some(s) = seen.get_mut(t)
                    && !*s
                {
                    *s = true;
                    stack.push(t);
                }
            }
        }
        seen
    };
    let any = reach(0);
    let prod = reach(DEV);
    let required = reach(OPTIONAL);
    let non_peer = reach(PEER);
    for (i, e) in entries.iter_mut().enumerate() {
        if e.source == Source::Workspace || !any.get(i).copied().unwrap_or(false) {
            continue;
        }
        e.flags.dev = !prod.get(i).copied().unwrap_or(true);
        e.flags.optional = !required.get(i).copied().unwrap_or(true);
        e.flags.peer = !non_peer.get(i).copied().unwrap_or(true);
    }
}

/// The JSONC pre-pass: a copy of the text that serde_json accepts, plus where keys start.
struct Scan {
    json: Vec<u8>,
    first_byte: Option<u8>,
    first_offset: Option<usize>,
    /// Offset of the first bracket that opens a level past [`MAX_DEPTH`].
    too_deep_at: Option<usize>,
    /// Top-level keys (decoded) and the offset of their opening quote.
    top_keys: Vec<(String, usize)>,
    /// Spans (opening quote to after closing quote) of the keys directly inside `packages` and
    /// `workspaces`, in file order.
    package_keys: Vec<(usize, usize)>,
    workspace_keys: Vec<(usize, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum InSection {
    Packages,
    Workspaces,
    Other,
}

impl Scan {
    fn run(text: &str) -> Scan {
        let src = text.as_bytes();
        let mut json = src.to_vec();
        let mut scan = Scan {
            json: Vec::new(),
            first_byte: None,
            first_offset: None,
            too_deep_at: None,
            top_keys: Vec::new(),
            package_keys: Vec::new(),
            workspace_keys: Vec::new(),
        };
        let mut depth = 0usize;
        let mut section = InSection::Other;
        let mut last_string: Option<(usize, usize)> = None;
        let mut pending_comma: Option<usize> = None;
        let mut i = 0;
        while let Some(&b) = src.get(i) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => {}
                b'/' if src.get(i + 1) == Some(&b'/') => {
                    while let Some(&c) = src.get(i)
                        && c != b'\n'
                    {
                        blank(&mut json, i);
                        i += 1;
                    }
                    continue;
                }
                b'/' if src.get(i + 1) == Some(&b'*') => {
                    blank(&mut json, i);
                    blank(&mut json, i + 1);
                    i += 2;
                    while let Some(&c) = src.get(i) {
                        if c == b'*' && src.get(i + 1) == Some(&b'/') {
                            blank(&mut json, i);
                            blank(&mut json, i + 1);
                            i += 2;
                            break;
                        }
                        if c != b'\n' {
                            blank(&mut json, i);
                        }
                        i += 1;
                    }
                    continue;
                }
                _ => {
                    if scan.first_byte.is_none() {
                        scan.first_byte = Some(b);
                        scan.first_offset = Some(i);
                    }
                    match b {
                        b'"' => {
                            let start = i;
                            i += 1;
                            // Jump between quotes and backslashes instead of stepping per byte.
                            loop {
                                let rest = src.get(i..).unwrap_or(&[]);
                                match rest.iter().position(|&c| c == b'"' || c == b'\\') {
                                    None => {
                                        i = src.len();
                                        break;
                                    }
                                    Some(p) if rest.get(p) == Some(&b'"') => {
                                        i += p + 1;
                                        break;
                                    }
                                    Some(p) => i += p + 2,
                                }
                            }
                            i = i.min(src.len());
                            last_string = Some((start, i));
                            pending_comma = None;
                            continue;
                        }
                        b',' => pending_comma = Some(i),
                        b'}' | b']' => {
                            if let Some(p) = pending_comma.take() {
                                blank(&mut json, p);
                            }
                            depth = depth.saturating_sub(1);
                        }
                        b'{' | b'[' => {
                            pending_comma = None;
                            depth += 1;
                            if depth > MAX_DEPTH && scan.too_deep_at.is_none() {
                                scan.too_deep_at = Some(i);
                            }
                            if depth == 2 {
                                section = match scan.top_keys.last() {
                                    Some((k, _)) if b == b'{' && k == "packages" => InSection::Packages,
                                    Some((k, _)) if b == b'{' && k == "workspaces" => InSection::Workspaces,
                                    _ => InSection::Other,
                                };
                            }
                        }
                        b':' => {
                            pending_comma = None;
                            if let Some((s, e)) = last_string {
                                if depth == 1 {
                                    scan.top_keys.push((decode_key(text, s, e), s));
                                } else if depth == 2 {
                                    match section {
                                        InSection::Packages => scan.package_keys.push((s, e)),
                                        InSection::Workspaces => scan.workspace_keys.push((s, e)),
                                        InSection::Other => {}
                                    }
                                }
                            }
                        }
                        _ => pending_comma = None,
                    }
                }
            }
            i += 1;
        }
        scan.json = json;
        scan
    }

    /// The text between a key's quotes, as written (escapes not decoded).
    fn raw_key(&self, start: usize, end: usize) -> &str {
        let inner = self.json.get(start + 1..end.saturating_sub(1)).unwrap_or(&[]);
        std::str::from_utf8(inner).unwrap_or("")
    }
}

fn blank(json: &mut [u8], i: usize) {
    if let Some(b) = json.get_mut(i) {
        *b = b' ';
    }
}

/// A top-level key's text. Escapes are decoded so that `"p\u0061ckages"` is still recognized
/// as the section serde_json will see.
fn decode_key(text: &str, start: usize, end: usize) -> String {
    let Some(quoted) = text.get(start..end) else {
        return String::new();
    };
    if quoted.contains('\\') {
        serde_json::from_str(quoted).unwrap_or_default()
    } else {
        quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or("").to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Lockfile {
        match parse("bun.lock", text) {
            Ok(l) => l,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    fn parse_err(text: &str) -> ParseError {
        match parse("bun.lock", text) {
            Ok(l) => panic!("expected an error, got {l:?}"),
            Err(e) => e,
        }
    }

    fn find<'a>(l: &'a Lockfile, key: &str) -> &'a Entry {
        l.entries.iter().find(|e| e.key == key).unwrap_or_else(|| panic!("no entry {key}"))
    }

    fn doc(packages: &str) -> String {
        format!(
            "{{\n  \"lockfileVersion\": 1,\n  \"workspaces\": {{\n    \"\": {{ \"name\": \"app\", \"dependencies\": {{ \"a\": \"^1\" }} }},\n  }},\n  \"packages\": {{\n{packages}\n  }}\n}}\n"
        )
    }

    #[test]
    fn registry_entry() {
        let l = parse_ok(&doc(
            r#"    "a": ["a@1.2.3", "", { "dependencies": { "b": "^2" }, "bin": { "a": "x.js" } }, "sha512-AAA="],
    "b": ["b@2.0.0", "https://npm.example.com/b/-/b-2.0.0.tgz", {}, "sha512-BBB="],"#,
        ));
        assert_eq!(l.format, Format::Bun(1));
        let a = find(&l, "a");
        assert_eq!((a.name.as_str(), a.version.as_str(), a.source), ("a", "1.2.3", Source::Registry));
        assert_eq!(a.resolved, None);
        assert_eq!(a.integrity.as_deref(), Some("sha512-AAA="));
        assert_eq!(a.line, 7);
        assert_eq!(a.dependencies[0].name, "b");
        assert_eq!(a.dependencies[0].req, "^2");
        let b = find(&l, "b");
        assert_eq!(b.resolved.as_deref(), Some("https://npm.example.com/b/-/b-2.0.0.tgz"));
        assert_eq!(b.line, 8);
        assert!(a.flags.is_empty() && b.flags.is_empty());
    }

    #[test]
    fn git_tarball_file_link_workspace_root() {
        let l = parse_ok(&doc(
            r#"    "g": ["g@github:u/r#abc1234", { "dependencies": { "x": "1" } }, "u-r-abc1234"],
    "h": ["h@git+ssh://git@host/r.git#0123456789abcdef", {}, "0123456789abcdef", "sha512-H="],
    "t": ["t@https://example.com/t-1.0.0.tgz", {}],
    "t2": ["t2@https://example.com/t2.tgz", {}, "sha512-T2="],
    "lt": ["lt@./vendor/lt-1.0.0.tgz", {}],
    "f": ["f@file:deps/f", {}],
    "k": ["k@link:../k", {}],
    "w": ["w@workspace:packages/w"],
    "app": ["app@root:", { "bin": "cli.js" }],"#,
        ));
        let g = find(&l, "g");
        assert_eq!((g.source, g.version.as_str()), (Source::Git, ""));
        assert_eq!(g.resolved.as_deref(), Some("github:u/r#abc1234"));
        assert_eq!(g.integrity, None);
        assert_eq!(find(&l, "h").integrity.as_deref(), Some("sha512-H="));
        assert_eq!(find(&l, "h").source, Source::Git);
        assert_eq!(find(&l, "t").source, Source::Tarball);
        assert_eq!(find(&l, "t").version, "");
        assert_eq!(find(&l, "t").resolved.as_deref(), Some("https://example.com/t-1.0.0.tgz"));
        assert_eq!(find(&l, "t2").integrity.as_deref(), Some("sha512-T2="));
        assert_eq!(find(&l, "lt").source, Source::File);
        assert_eq!(find(&l, "f").source, Source::File);
        assert_eq!(find(&l, "f").resolved.as_deref(), Some("file:deps/f"));
        assert_eq!(find(&l, "k").source, Source::Link);
        assert_eq!(find(&l, "w").source, Source::Workspace);
        assert_eq!(find(&l, "w").line, 14);
        assert!(l.entries.iter().all(|e| e.key != "app"), "root package is not an entry");
    }

    #[test]
    fn arity_is_checked_per_kind() {
        let e = parse_err(&doc(r#"    "a": ["a@1.0.0", {}, "sha512-A="],"#));
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("\"a\"") && e.message.contains("element 2"), "{e}");
        let e = parse_err(&doc(r#"    "g": ["g@github:u/r#abc", {}],"#));
        assert!(e.message.contains("missing element 3"), "{e}");
        let e = parse_err(&doc(r#"    "f": ["f@file:x"],"#));
        assert!(e.message.contains("package info"), "{e}");
        let e = parse_err(&doc(r#"    "x": { "version": "1" },"#));
        assert!(e.message.contains("package \"x\": expected an array"), "{e}");
        assert_eq!(e.line, Some(7));
        let e = parse_err(&doc(r#"    "x": [1],"#));
        assert!(e.message.contains("first element"), "{e}");
        let e = parse_err(&doc(r#"    "x": ["x@latest", "", {}, ""],"#));
        assert!(e.message.contains("unrecognized resolution"), "{e}");
        let e = parse_err(&doc(r#"    "x": ["x", "", {}, ""],"#));
        assert!(e.message.contains("invalid package id"), "{e}");
        let e = parse_err(&doc(r#"    "a": ["a@1.0.0", "", { "dependencies": { "b": 1 } }, ""],"#));
        assert!(e.message.contains("must be a string"), "{e}");
    }

    #[test]
    fn alias_and_nested_keys() {
        let l = parse_ok(&doc(r#"    "a": ["a@1.0.0", "", { "dependencies": { "b": "^1" } }, "sha512-A="],
    "b": ["b@2.0.0", "", {}, "sha512-B2="],
    "a/b": ["b@1.0.0", "", {}, "sha512-B1="],
    "old": ["real@1.0.0", "", {}, "sha512-R="],
    "@s/x": ["@s/x@1.0.0", "", {}, "sha512-X="],
    "@s/x/@t/y": ["@t/y@1.0.0", "", {}, "sha512-Y="],
    "@s/x/z": ["@other/z@3.0.0", "", {}, "sha512-Z="],"#));
        let nested = find(&l, "a/b");
        assert_eq!(
            (nested.name.as_str(), nested.version.as_str(), nested.alias.as_deref()),
            ("b", "1.0.0", None)
        );
        let old = find(&l, "old");
        assert_eq!((old.name.as_str(), old.alias.as_deref()), ("real", Some("old")));
        assert_eq!(find(&l, "@s/x").alias, None);
        assert_eq!(find(&l, "@s/x/@t/y").alias, None);
        assert_eq!(find(&l, "@s/x/@t/y").name, "@t/y");
        assert_eq!(find(&l, "@s/x/z").alias.as_deref(), Some("z"));
    }

    #[test]
    fn registry_tarball_urls() {
        let v = |n, u| registry_tarball_version(n, u);
        let yarn = "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz";
        assert_eq!(v("left-pad", yarn), Some("1.3.0"));
        let scoped = "https://registry.npmjs.org/@s/x/-/x-2.0.0-rc.1.tgz";
        assert_eq!(v("@s/x", scoped), Some("2.0.0-rc.1"));
        let encoded = "http://registry.npmjs.org/@s%2Fx/-/x-2.0.0.tgz?t=1";
        assert_eq!(v("@s/x", encoded), Some("2.0.0"));
        // Same path on another host: whoever runs it decides what the tarball holds.
        let mirror = "https://evil.example/left-pad/-/left-pad-1.3.0.tgz";
        assert_eq!(v("left-pad", mirror), None);
        let other_pkg = "https://registry.npmjs.org/other/-/left-pad-1.3.0.tgz";
        assert_eq!(v("left-pad", other_pkg), None);
        let tag = "https://registry.npmjs.org/left-pad/-/left-pad-latest.tgz";
        assert_eq!(v("left-pad", tag), None);
        let prefixed = "https://registry.npmjs.org/x/left-pad/-/left-pad-1.3.0.tgz";
        assert_eq!(v("left-pad", prefixed), None);
        assert_eq!(v("x", "file:/x/-/x-1.0.0.tgz"), None);
        let l = parse_ok(&doc(
            r#"    "lp": ["lp@https://registry.yarnpkg.com/lp/-/lp-1.3.0.tgz", {}, "sha512-L="],"#,
        ));
        let lp = find(&l, "lp");
        assert_eq!((lp.source, lp.version.as_str()), (Source::Registry, "1.3.0"));
        assert_eq!(lp.resolved.as_deref(), Some("https://registry.yarnpkg.com/lp/-/lp-1.3.0.tgz"));
    }

    #[test]
    fn key_helpers() {
        assert_eq!(split_id("@s/x@1.0.0"), Some(("@s/x", "1.0.0")));
        assert_eq!(split_id("x@npm:y"), Some(("x", "npm:y")));
        assert_eq!(split_id("@s/x"), None);
        assert_eq!(split_id("@"), None);
        assert_eq!(split_id(""), None);
        assert_eq!(component_ends("a/@s/b/c"), vec![1, 6, 8]);
        assert_eq!(component_ends("@s/b"), vec![4]);
        assert_eq!(install_name("a/@s/b"), "@s/b");
        assert_eq!(install_name("a/@s/b/c"), "c");
        assert_eq!(install_name("@s"), "@s");
    }

    #[test]
    fn trailing_commas_and_comments() {
        let text = r#"// leading comment
{
  /* block
     comment */ "lockfileVersion": 1, // after
  "workspaces": { "": { "name": "x", "dependencies": { "u": "https://h/x//y.tgz" }, }, },
  "packages": {
    // a comment line mentioning "packages": { "fake": [] },
    "u": ["u@https://h/x//y.tgz", { "dependencies": { "a": "/* not a comment */" }, }, ],
    "s": ["s@1.0.0", "", { /* "fake": */ }, "sha512-//==",],
  },
}"#;
        let l = parse_ok(text);
        assert_eq!(l.entries.len(), 2);
        let u = find(&l, "u");
        assert_eq!(u.resolved.as_deref(), Some("https://h/x//y.tgz"));
        assert_eq!(u.dependencies[0].req, "/* not a comment */");
        assert_eq!(u.line, 8);
        let s = find(&l, "s");
        assert_eq!(s.integrity.as_deref(), Some("sha512-//=="));
        assert_eq!(s.line, 9);
        assert_eq!(l.importers[0].dependencies[0].req, "https://h/x//y.tgz");
    }

    #[test]
    fn crlf_lines() {
        let text = doc(r#"    "a": ["a@1.0.0", "", {}, "x"],"#).replace('\n', "\r\n");
        assert_eq!(find(&parse_ok(&text), "a").line, 7);
    }

    #[test]
    fn double_comma_is_an_error() {
        let e = parse_err(&doc(r#"    "a": ["a@1.0.0", "", {}, "x",,],"#));
        assert_eq!(e.line, Some(7));
    }

    #[test]
    fn versions() {
        let v0 = parse_ok(r#"{"lockfileVersion": 0, "workspaces": {"": {}}, "packages": {}}"#);
        assert_eq!(v0.format, Format::Bun(0));
        assert_eq!(v0.format.to_string(), "bun-v0");
        let v2 = parse_ok(
            r#"{"lockfileVersion": 2, "workspaces": {"": {}}, "packages": {
            "c": ["c@3.0.0", "", { "hasInstallScript": true }, "sha512-C="],
            "d": ["d@1.0.0", "", { "hasInstallScript": false }, "sha512-D="]}}"#,
        );
        assert_eq!(v2.format, Format::Bun(2));
        assert!(find(&v2, "c").install_script);
        assert!(!find(&v2, "d").install_script);
        let e = parse_err("{\n\"lockfileVersion\": 3,\n\"workspaces\": {}, \"packages\": []}");
        assert!(e.message.contains("unsupported bun.lock lockfileVersion 3"), "{e}");
        assert_eq!(e.line, Some(2));
        let e = parse_err(r#"{"lockfileVersion": "1", "workspaces": {}}"#);
        assert!(e.message.contains("must be a number"), "{e}");
        let e = parse_err(r#"{"workspaces": {}}"#);
        assert!(e.message.contains("missing \"lockfileVersion\""), "{e}");
        let e = parse_err(r#"[1, {}, {}]"#);
        assert!(e.message.contains("JSON object"), "{e}");
        let e = parse_err("{\"lockfileVersion\": 1,\n\"workspaces\": {},\n\"packages\": []}");
        assert!(e.message.contains("\"packages\" must be an object"), "{e}");
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn truncated_and_deep() {
        let full = doc(r#"    "a": ["a@1.0.0", "", {}, "sha512-A="],"#);
        let cut = &full[..full.find("sha512").unwrap_or(0)];
        let e = parse_err(cut);
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("truncated"), "{e}");
        let deep =
            format!("{{\"lockfileVersion\": 1, \"x\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse_err(&deep);
        assert!(e.message.contains("nested deeper than 64"), "{e}");
        assert_eq!(e.line, Some(1));
        let deep = format!(
            "{{\"lockfileVersion\": 1, \"workspaces\": {{}}, \"packages\": {{\"a\": {}{}}}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(parse_err(&deep).message.contains("nested deeper"));
        assert!(parse("bun.lock", "").is_err());
        assert!(parse("bun.lock", "{\"a\": \"unterminated").is_err());
        assert!(parse("bun.lock", "{ /* unterminated").is_err());
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let e = parse_err(&doc(r#"    "a": ["a@1.0.0", "", {}, "x"],
    "a": ["a@2.0.0", "", {}, "y"],"#));
        assert_eq!(e.line, Some(8));
        assert!(e.message.contains("duplicate"), "{e}");
    }

    #[test]
    fn workspaces_are_importers() {
        let text = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": { "name": "root", "dependencies": { "lib": "workspace:*" }, "devDependencies": { "d": "^1" } },
    "packages/lib": {
      "name": "lib",
      "version": "0.3.0",
      "dependencies": { "a": "^1" },
      "optionalDependencies": { "o": "^1" },
      "peerDependencies": { "p": "^1", "q": "^1" },
      "optionalPeers": ["q"],
    },
  },
  "trustedDependencies": ["a", "alias-of-o"],
  "packages": {
    "lib": ["lib@workspace:packages/lib"],
    "a": ["a@1.0.0", "", { "dependencies": { "s": "^1" } }, "x"],
    "d": ["d@1.0.0", "", { "dependencies": { "s": "^1" }, "optionalDependencies": { "od": "1" } }, "x"],
    "lib/o": ["o@1.0.0", "", {}, "x"],
    "alias-of-o": ["o@2.0.0", "", {}, "x"],
    "od": ["od@1.0.0", "", { "os": "darwin", "cpu": ["arm64"] }, "x"],
    "p": ["p@1.0.0", "", { "dependencies": { "pd": "1" } }, "x"],
    "pd": ["pd@1.0.0", "", {}, "x"],
    "s": ["s@1.0.0", "", {}, "x"],
    "stray": ["stray@1.0.0", "", { "bundled": true }, "x"],
  }
}"#;
        let l = parse_ok(text);
        assert_eq!(l.importers.len(), 2);
        assert_eq!(l.importers[0].path, "");
        let root_deps: Vec<_> =
            l.importers[0].dependencies.iter().map(|d| (d.name.as_str(), d.dev)).collect();
        assert_eq!(root_deps, vec![("lib", false), ("d", true)]);
        let lib = &l.importers[1];
        assert_eq!(lib.path, "packages/lib");
        let q = lib.dependencies.iter().find(|d| d.name == "q").map(|d| (d.peer, d.optional));
        assert_eq!(q, Some((true, true)));
        let p = lib.dependencies.iter().find(|d| d.name == "p").map(|d| (d.peer, d.optional));
        assert_eq!(p, Some((true, false)));

        let ws = find(&l, "lib");
        assert_eq!((ws.source, ws.version.as_str()), (Source::Workspace, "0.3.0"));
        assert_eq!(ws.dependencies.len(), lib.dependencies.len());
        assert!(ws.flags.is_empty());

        assert!(find(&l, "a").install_script);
        assert!(find(&l, "alias-of-o").install_script, "trusted by the installed (alias) name");
        assert!(!find(&l, "lib/o").install_script);

        // s: reached from lib's prod dep a and from root's dev dep d -> neither dev nor optional.
        assert!(find(&l, "s").flags.is_empty());
        assert_eq!(find(&l, "d").flags, Flags { dev: true, ..Flags::default() });
        assert_eq!(find(&l, "od").flags, Flags { dev: true, optional: true, ..Flags::default() });
        // lib's optional dep `o` resolves to the copy nested under the workspace name.
        assert_eq!(find(&l, "lib/o").flags, Flags { optional: true, ..Flags::default() });
        assert!(find(&l, "alias-of-o").flags.is_empty(), "unreached entries get no flags");
        assert_eq!(find(&l, "p").flags, Flags { peer: true, ..Flags::default() });
        assert_eq!(find(&l, "pd").flags, Flags { peer: true, ..Flags::default() });
        assert!(find(&l, "stray").flags.bundled);
    }

    #[test]
    fn wrong_shapes_name_the_place() {
        let e = parse_err("{\"lockfileVersion\": 1,\n\"workspaces\": {\n\"\": []\n}}");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("workspace \"\""), "{e}");
        let e =
            parse_err("{\"lockfileVersion\": 1,\n\"workspaces\": {\"\": {}},\n\"trustedDependencies\": [1]}");
        assert_eq!(e.line, Some(3));
        let e = parse_err("{\"lockfileVersion\": 1,\n\"workspaces\": {\"\": {\"dependencies\": []}}}");
        assert!(e.message.contains("\"dependencies\" must be an object"), "{e}");
        let e = parse_err(r#"{"lockfileVersion": 1}"#);
        assert!(e.message.contains("workspaces"), "{e}");
    }

    #[test]
    fn escaped_keys() {
        let text = r#"{"lockfileVersion": 1, "workspaces": {"": {}}, "p\u0061ckages": {
  "\u0061": ["a@1.0.0", "", {}, "x"]
}}"#;
        let l = parse_ok(text);
        assert_eq!(find(&l, "a").line, 2);
    }
}
