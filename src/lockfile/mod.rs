//! The normalized lockfile model and the entry point that turns lockfile text into it.
//!
//! Every format parser produces the same [`Lockfile`]: a flat list of [`Entry`] values, one per
//! installed copy of a package, each pointing back at the line of the lockfile that records it.
//! Later stages (diff, registry, signals, reports) only ever see this model.

pub mod bun;
pub mod detect;
pub mod npm;
pub mod pnpm;
mod tarball;
mod text;
pub mod yarn_berry;
pub mod yarn_classic;

use serde::Serialize;
use std::fmt;

pub use detect::{Kind, detect_kind};
pub use text::LineIndex;

/// Largest lockfile lockgate will read. Real lockfiles of big monorepos are tens of MB; anything
/// larger is either hostile or not a lockfile, and refusing it keeps memory bounded.
pub const MAX_LOCKFILE_BYTES: u64 = 256 * 1024 * 1024;

/// A parsed lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lockfile {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub format: Format,
    /// One entry per installed copy, in lockfile order.
    pub entries: Vec<Entry>,
    /// What the project itself (root and each workspace) depends on directly: the start of
    /// every "why is this here" path.
    pub importers: Vec<Importer>,
}

/// The exact lockfile dialect, as it appears in reports (`"format": "npm-v3"`).
/// Serialized as its display form: `npm-v3`, `yarn-v1`, `yarn-berry-v8`, `pnpm-v9`, `bun-v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// package-lock.json / npm-shrinkwrap.json with this `lockfileVersion` (1, 2 or 3).
    Npm(u32),
    YarnClassic,
    /// yarn 2/3/4 with this `__metadata.version` (4, 6, 8...).
    YarnBerry(u32),
    /// pnpm-lock.yaml; the major of `lockfileVersion` (5, 6, 9).
    Pnpm(u32),
    /// bun.lock with this `lockfileVersion` (0, 1, 2).
    Bun(u32),
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Npm(v) => write!(f, "npm-v{v}"),
            Format::YarnClassic => f.write_str("yarn-v1"),
            Format::YarnBerry(v) => write!(f, "yarn-berry-v{v}"),
            Format::Pnpm(v) => write!(f, "pnpm-v{v}"),
            Format::Bun(v) => write!(f, "bun-v{v}"),
        }
    }
}

impl Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One installed copy of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The real package name on the registry (`@scope/name`), also for `npm:` aliases.
    pub name: String,
    /// The name the package is installed under when it differs from `name` (`npm:` alias).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The exact locked version. For git/tarball/file sources this is whatever version the
    /// lockfile records (may be the package.json version, or empty when the format omits it).
    pub version: String,
    pub source: Source,
    /// Where the lockfile says the package comes from (tarball URL, git URL with commit, path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// Subresource-integrity string (`sha512-...`), or a legacy hex sha1, as the lockfile has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    #[serde(skip_serializing_if = "Flags::is_empty")]
    pub flags: Flags,
    /// The lockfile itself says this package runs code at install (npm `hasInstallScript`,
    /// pnpm `requiresBuild`, bun `trustedDependencies`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub install_script: bool,
    /// What this package depends on (declared names and ranges), for dependency paths.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// Format-specific location of the entry (npm install path `node_modules/a/node_modules/b`,
    /// pnpm/yarn/bun key). Distinguishes nested copies of the same name@version.
    pub key: String,
    /// 1-based line of the entry in the lockfile text.
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A package registry (the resolved URL, when present, says which one).
    Registry,
    Git,
    /// A tarball fetched from an arbitrary URL (`https://host/pkg.tgz`).
    Tarball,
    /// A local directory or tarball (`file:`).
    File,
    /// A symlink to a local directory (`link:`, npm `"link": true`).
    Link,
    /// A package of this repository's own workspaces.
    Workspace,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Registry => "registry",
            Source::Git => "git",
            Source::Tarball => "tarball",
            Source::File => "file",
            Source::Link => "link",
            Source::Workspace => "workspace",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Flags {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub peer: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bundled: bool,
}

impl Flags {
    pub fn is_empty(&self) -> bool {
        !(self.dev || self.optional || self.peer || self.bundled)
    }
}

/// A declared dependency edge: `name` as the depender asks for it, `req` the range or spec
/// (`^1.2.0`, `npm:real@^1`, `workspace:*`, a git URL...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Dependency {
    pub name: String,
    pub req: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub peer: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
}

/// The root project or one workspace, and what it depends on directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Importer {
    /// Path of the workspace relative to the lockfile's directory; `""` or `"."` for the root.
    pub path: String,
    pub dependencies: Vec<Dependency>,
}

/// Why a lockfile could not be read. Always carries the lockfile path and, when known, the
/// 1-based line, so the user can go straight to the problem.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ParseError {
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
}

impl ParseError {
    pub fn new(path: &str, line: Option<u32>, message: impl Into<String>) -> Self {
        ParseError { path: path.to_owned(), line, message: message.into() }
    }
}

/// Parse lockfile bytes. `path` is the repository-relative path, used to pick the format by
/// file name and in every error message.
pub fn parse(path: &str, bytes: &[u8]) -> Result<Lockfile, ParseError> {
    if bytes.len() as u64 > MAX_LOCKFILE_BYTES {
        return Err(ParseError::new(
            path,
            None,
            format!(
                "file is {} bytes, larger than the {} byte limit for a lockfile",
                bytes.len(),
                MAX_LOCKFILE_BYTES
            ),
        ));
    }
    let kind = detect_kind(path).ok_or_else(|| {
        ParseError::new(path, None, "not a lockfile name lockgate knows (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock)")
    })?;
    if kind == Kind::BunBinary {
        return Err(ParseError::new(
            path,
            None,
            "bun.lockb is a binary lockfile lockgate cannot read; run `bun install --save-text-lockfile` (bun >= 1.1.39) to write bun.lock and commit it",
        ));
    }
    let text = text::decode(path, bytes)?;
    let mut lockfile = match kind {
        Kind::Npm => npm::parse(path, text)?,
        Kind::Yarn => {
            if yarn_berry::looks_like_berry(text) {
                yarn_berry::parse(path, text)?
            } else {
                yarn_classic::parse(path, text)?
            }
        }
        Kind::Pnpm => pnpm::parse(path, text)?,
        Kind::Bun => bun::parse(path, text)?,
        Kind::BunBinary => unreachable!("handled above"),
    };
    for entry in &lockfile.entries {
        check_name(path, entry)?;
    }
    lockfile.path = path.to_owned();
    Ok(lockfile)
}

/// Package names end up in terminals, Markdown and workflow commands. npm itself refuses names
/// with control characters, so a lockfile that has one is hostile or corrupt.
fn check_name(path: &str, entry: &Entry) -> Result<(), ParseError> {
    for s in [&entry.name, &entry.version].into_iter().chain(entry.alias.as_ref()) {
        if s.chars().any(char::is_control) {
            return Err(ParseError::new(
                path,
                Some(entry.line),
                format!("entry {:?} contains a control character", s),
            ));
        }
    }
    if entry.name.is_empty() {
        return Err(ParseError::new(path, Some(entry.line), "entry has an empty package name"));
    }
    Ok(())
}
