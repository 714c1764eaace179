//! pnpm-lock.yaml: lockfileVersion 5.x (pnpm 3-7), 6.x (pnpm 8) and 9.x (pnpm 9 and later).
//!
//! Where each version keeps things:
//! - 5.x: `packages` keyed `/name/1.0.0` or `/@scope/name/1.0.0_peer@2.0.0`, each with its
//!   metadata, dependencies, `dev`/`optional` flags and `requiresBuild`. Direct dependencies
//!   are `dependencies: {name: ref}` plus a separate `specifiers` map, at the top level for a
//!   single project or under `importers` for a workspace.
//! - 6.x: the same with keys `/name@1.0.0(peer@2.0.0)` and `{specifier, version}` importer
//!   values.
//! - 9.x: `packages` keyed `name@1.0.0` holds metadata only; `snapshots` keyed
//!   `name@1.0.0(peer@2.0.0)` holds each installed copy with its dependencies. The `dev` flags
//!   and `requiresBuild` are gone, so `dev` is computed here from what the importers reach.
//!
//! One entry per `packages` key (5.x, 6.x) or per `snapshots` key (9.x, where several
//! snapshots of one package that differ only by peers are several entries with the same
//! version, and all point at the `packages` line, which holds the resolution). Entry.key is the
//! key exactly as pnpm writes it. `link:` dependencies of importers become one entry per target
//! directory, with Source::Workspace when the target is an importer of this lockfile.

mod yaml;

use super::{Dependency, Entry, Flags, Format, Importer, Lockfile, ParseError, Source};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use yaml::{Key, Node};

pub fn parse(path: &str, text: &str) -> Result<Lockfile, ParseError> {
    let docs = yaml::parse(path, text)?;
    let cx = Cx { path };
    // pnpm 10+ may put an "env lockfile" (config and package-manager dependencies) in a
    // document in front of the main one; its packages are installed too.
    let Some((main, env)) = docs.split_last() else {
        return Err(ParseError::new(path, None, "empty file: no pnpm lockfile content"));
    };
    let mut entries = Vec::new();
    for doc in env {
        entries.extend(cx.document(doc)?.entries);
    }
    let main = cx.document(main)?;
    if entries.is_empty() {
        // The usual single-document file: keep the main entries without copying them over.
        entries = main.entries;
    } else {
        entries.extend(main.entries);
    }
    Ok(Lockfile {
        path: path.to_owned(),
        format: Format::Pnpm(main.major),
        entries,
        importers: main.importers,
    })
}

struct Cx<'p> {
    path: &'p str,
}

struct Document {
    major: u32,
    entries: Vec<Entry>,
    importers: Vec<Importer>,
}

type Map<'n> = [(Key<'n>, Node<'n>)];

#[derive(Clone, Copy, PartialEq, Eq)]
enum DepKind {
    Prod,
    Dev,
    Optional,
}

/// A dependency edge as the lockfile writes it: the name it is installed under and pnpm's
/// reference (`1.0.0`, `1.0.0(peer@2.0.0)`, `/real@1.0.0`, `link:../x`, a URL...).
struct DepRef<'n> {
    name: &'n str,
    reference: &'n str,
    line: u32,
    kind: DepKind,
}

struct RawImporter<'n> {
    path: &'n str,
    line: u32,
    deps: Vec<DepRef<'n>>,
    specifiers: Vec<Option<Cow<'n, str>>>,
}

/// What `packages:` says about one package.
struct Meta<'n> {
    key: &'n str,
    line: u32,
    name: String,
    version: String,
    source: Source,
    resolved: Option<String>,
    integrity: Option<String>,
    dev: bool,
    optional: bool,
    install_script: bool,
    deps: Vec<DepRef<'n>>,
    peers: Vec<(&'n str, &'n str, bool)>,
}

/// One entry under construction, with the edges still as references.
struct Pending<'n> {
    entry: Entry,
    deps: Vec<DepRef<'n>>,
    peers: Vec<(&'n str, &'n str, bool)>,
}

impl Cx<'_> {
    fn err(&self, line: u32, message: impl Into<String>) -> ParseError {
        ParseError::new(self.path, Some(line), message)
    }

    fn document<'n>(&self, doc: &'n Node<'n>) -> Result<Document, ParseError> {
        let Node::Map(top) = doc else {
            return Err(ParseError::new(
                self.path,
                Some(1),
                "not a pnpm lockfile: the document is not a mapping",
            ));
        };
        let major = self.lockfile_version(top)?;
        let catalogs = self.catalogs(top)?;
        let importers = self.importers(top, major, &catalogs)?;

        let mut metas = Vec::new();
        if let Some((k, node)) = get(top, "packages") {
            let packages = self.map(node, k.line, &"`packages`")?;
            metas.reserve_exact(packages.len());
            for (key, pkg) in packages {
                metas.push(self.meta(major, key, pkg)?);
            }
        }

        let mut pending: Vec<Pending<'n>> = Vec::with_capacity(metas.len());
        if major >= 9 {
            let by_key: HashMap<&str, usize> = metas.iter().enumerate().map(|(i, m)| (m.key, i)).collect();
            let mut used = vec![false; metas.len()];
            if let Some((k, node)) = get(top, "snapshots") {
                for (key, snap) in self.map(node, k.line, &"`snapshots`")? {
                    let what = Named("snapshot", &key.text);
                    let snap = self.map(snap, key.line, &what)?;
                    let pkg_key = remove_peer_suffix(&key.text);
                    let Some(&i) = by_key.get(pkg_key) else {
                        return Err(
                            self.err(key.line, format!("{what} has no entry '{pkg_key}' under `packages`"))
                        );
                    };
                    let Some(meta) = metas.get(i) else { continue };
                    if let Some(u) = used.get_mut(i) {
                        *u = true;
                    }
                    let f = Fields::of(snap);
                    let mut deps = self.dep_map(f.dependencies, "dependencies", DepKind::Prod, &what)?;
                    deps.extend(self.dep_map(
                        f.optional_dependencies,
                        "optionalDependencies",
                        DepKind::Optional,
                        &what,
                    )?);
                    let optional = self.flag(f.optional, "optional", &what)?;
                    pending.push(Pending {
                        entry: meta_entry(meta, &key.text, optional, false),
                        deps,
                        peers: meta.peers.clone(),
                    });
                }
            }
            // pnpm writes a snapshot for every package; should one be missing, the package is
            // still locked and still reported.
            for (meta, _) in metas.iter().zip(&used).filter(|(_, u)| !**u) {
                pending.push(Pending {
                    entry: meta_entry(meta, meta.key, meta.optional, meta.dev),
                    deps: Vec::new(),
                    peers: meta.peers.clone(),
                });
            }
        } else {
            for meta in metas {
                let entry = meta_entry(&meta, meta.key, meta.optional, meta.dev);
                pending.push(Pending { entry, deps: meta.deps, peers: meta.peers });
            }
        }

        Ok(finish(major, pending, importers))
    }

    fn lockfile_version(&self, top: &Map<'_>) -> Result<u32, ParseError> {
        let Some((key, node)) = get(top, "lockfileVersion") else {
            return Err(ParseError::new(self.path, Some(1), "not a pnpm lockfile: no `lockfileVersion`"));
        };
        let version = self
            .string(node, key.line, &"`lockfileVersion`")?
            .ok_or_else(|| self.err(key.line, "`lockfileVersion` is empty"))?;
        // 5.3, 5.4, '5.4-inlineSpecifiers', '6.0', '6.1', '9.0'.
        let major = version.split(['.', '-']).next().and_then(|m| m.parse::<u32>().ok());
        match major {
            Some(m @ (5 | 6 | 9)) => Ok(m),
            _ => Err(self.err(
                key.line,
                format!("unsupported pnpm lockfileVersion '{version}' (lockgate reads 5.x, 6.x and 9.x)"),
            )),
        }
    }

    /// `catalogs: {name: {package: {specifier, version}}}` (pnpm 9.5+), so that a
    /// `catalog:` dependency can be reported with the range it stands for.
    fn catalogs<'n>(&self, top: &'n Map<'n>) -> Result<HashMap<(&'n str, &'n str), &'n str>, ParseError> {
        let mut out = HashMap::new();
        let Some((k, node)) = get(top, "catalogs") else {
            return Ok(out);
        };
        for (catalog, pkgs) in self.map(node, k.line, &"`catalogs`")? {
            for (name, spec) in self.map(pkgs, catalog.line, &"a catalog")? {
                let spec = self.map(spec, name.line, &"a catalog entry")?;
                if let Some((sk, s)) = get(spec, "specifier")
                    && let Some(s) = self.string(s, sk.line, &"`specifier`")?
                {
                    out.insert((catalog.text.as_ref(), name.text.as_ref()), s);
                }
            }
        }
        Ok(out)
    }

    fn importers<'n>(
        &self,
        top: &'n Map<'n>,
        major: u32,
        catalogs: &HashMap<(&'n str, &'n str), &'n str>,
    ) -> Result<Vec<RawImporter<'n>>, ParseError> {
        let mut out = Vec::new();
        if let Some((k, node)) = get(top, "importers") {
            for (path, importer) in self.map(node, k.line, &"`importers`")? {
                let what = Named("importer", &path.text);
                let body = self.map(importer, path.line, &what)?;
                out.push(self.importer(body, &path.text, path.line, major, catalogs, &what)?);
            }
        } else {
            // A single project keeps its direct dependencies at the top level.
            out.push(self.importer(top, ".", 1, major, catalogs, &"the project")?);
        }
        Ok(out)
    }

    fn importer<'n>(
        &self,
        body: &'n Map<'n>,
        path: &'n str,
        line: u32,
        major: u32,
        catalogs: &HashMap<(&'n str, &'n str), &'n str>,
        what: &dyn fmt::Display,
    ) -> Result<RawImporter<'n>, ParseError> {
        let mut specifiers: HashMap<&str, &str> = HashMap::new();
        if let Some((k, node)) = get(body, "specifiers") {
            for (name, spec) in self.map(node, k.line, &"`specifiers`")? {
                if let Some(s) = self.string(spec, name.line, &"a specifier")? {
                    specifiers.insert(&name.text, s);
                }
            }
        }
        let mut raw = RawImporter { path, line, deps: Vec::new(), specifiers: Vec::new() };
        for (field, kind) in [
            ("dependencies", DepKind::Prod),
            ("optionalDependencies", DepKind::Optional),
            ("devDependencies", DepKind::Dev),
        ] {
            let Some((k, node)) = get(body, field) else {
                continue;
            };
            for (name, value) in self.map(node, k.line, &format_args!("`{field}` of {what}"))? {
                let dep_what = format_args!("dependency '{}' of {what}", name.text);
                // 5.x: `name: ref` with the range under `specifiers`; 6.x and later (and
                // 5.4-inlineSpecifiers): `name: {specifier, version}`.
                let (specifier, reference) = match value {
                    Node::Map(fields) => {
                        let spec = match get(fields, "specifier") {
                            Some((sk, s)) => self.string(s, sk.line, &"`specifier`")?,
                            None => None,
                        };
                        let version = match get(fields, "version") {
                            Some((vk, v)) => self.string(v, vk.line, &"`version`")?,
                            None => None,
                        };
                        (spec, version)
                    }
                    other => (
                        specifiers.get(name.text.as_ref()).copied(),
                        self.string(other, name.line, &dep_what)?,
                    ),
                };
                let reference =
                    reference.ok_or_else(|| self.err(name.line, format!("{dep_what} has no version")))?;
                let specifier = specifier.map(|s| match catalog_spec(catalogs, s, &name.text) {
                    Some(c) => Cow::Borrowed(c),
                    None if s.starts_with("catalog:") => Cow::Owned(dep_req(major, &name.text, reference)),
                    None => Cow::Borrowed(s),
                });
                raw.deps.push(DepRef { name: &name.text, reference, line: name.line, kind });
                raw.specifiers.push(specifier);
            }
        }
        Ok(raw)
    }

    fn meta<'n>(&self, major: u32, key: &'n Key<'n>, node: &'n Node<'n>) -> Result<Meta<'n>, ParseError> {
        let what = Named("package", &key.text);
        let body = self.map(node, key.line, &what)?;
        let f = Fields::of(body);
        let field = |slot: Slot<'n>, name: &str| -> Result<Option<&'n str>, ParseError> {
            match slot {
                Some((k, v)) => self.string(v, k.line, &format_args!("`{name}` of {what}")),
                None => Ok(None),
            }
        };

        let Some((rk, resolution)) = f.resolution else {
            return Err(self.err(key.line, format!("{what} has no `resolution`")));
        };
        let mut resolution_fields: [Slot<'n>; 6] = [None; 6];
        let names = ["integrity", "tarball", "type", "repo", "commit", "directory"];
        for (k, v) in self.map(resolution, rk.line, &format_args!("`resolution` of {what}"))? {
            if let Some(i) = names.iter().position(|n| k.text == *n)
                && let Some(slot) = resolution_fields.get_mut(i)
            {
                *slot = Some((k, v));
            }
        }
        let mut values = [None; 6];
        for ((value, slot), name) in values.iter_mut().zip(resolution_fields).zip(names) {
            *value = field(slot, name)?;
        }
        let [integrity, tarball, kind, repo, commit, directory] = values;
        let resolution = Resolution { integrity, tarball, kind, repo, commit, directory };
        let (source, resolved) = classify(major, &key.text, &resolution);

        let parsed = split_key(major, &key.text);
        let name = match (field(f.name, "name")?, parsed) {
            (Some(n), _) => n.to_owned(),
            (None, Some((n, _))) => n.to_owned(),
            (None, None) => {
                return Err(self.err(key.line, format!("{what}: cannot tell the package name")));
            }
        };
        let version = match (field(f.version, "version")?, parsed) {
            (Some(v), _) => v.to_owned(),
            (None, Some((_, v))) if is_registry_version(v) => strip_peers(major, v).to_owned(),
            _ => String::new(),
        };

        let mut deps = self.dep_map(f.dependencies, "dependencies", DepKind::Prod, &what)?;
        deps.extend(self.dep_map(
            f.optional_dependencies,
            "optionalDependencies",
            DepKind::Optional,
            &what,
        )?);
        let mut optional_peers = HashSet::new();
        if let Some((k, node)) = f.peer_dependencies_meta {
            for (name, m) in self.map(node, k.line, &"`peerDependenciesMeta`")? {
                let m = self.map(m, name.line, &"a `peerDependenciesMeta` entry")?;
                let optional = get(m, "optional");
                if self.flag(optional, "optional", &"a `peerDependenciesMeta` entry")? {
                    optional_peers.insert(name.text.as_ref());
                }
            }
        }
        let mut peers = Vec::new();
        if let Some((k, node)) = f.peer_dependencies {
            for (name, range) in self.map(node, k.line, &"`peerDependencies`")? {
                let range = self.string(range, name.line, &"a peer dependency range")?.unwrap_or("*");
                peers.push((name.text.as_ref(), range, optional_peers.contains(name.text.as_ref())));
            }
        }

        Ok(Meta {
            key: &key.text,
            line: key.line,
            name,
            version,
            source,
            resolved,
            integrity: resolution.integrity.map(str::to_owned),
            dev: self.flag(f.dev, "dev", &what)?,
            optional: self.flag(f.optional, "optional", &what)?,
            install_script: self.flag(f.requires_build, "requiresBuild", &what)?,
            deps,
            peers,
        })
    }

    fn dep_map<'n>(
        &self,
        slot: Slot<'n>,
        field: &str,
        kind: DepKind,
        what: &dyn fmt::Display,
    ) -> Result<Vec<DepRef<'n>>, ParseError> {
        let mut out = Vec::new();
        let Some((k, node)) = slot else {
            return Ok(out);
        };
        for (name, reference) in self.map(node, k.line, &format_args!("`{field}` of {what}"))? {
            let reference = self
                .string(reference, name.line, &format_args!("dependency '{}' of {what}", name.text))?
                .ok_or_else(|| {
                    self.err(name.line, format!("dependency '{}' of {what} has no version", name.text))
                })?;
            out.push(DepRef { name: &name.text, reference, line: name.line, kind });
        }
        Ok(out)
    }

    fn map<'n>(
        &self,
        node: &'n Node<'n>,
        line: u32,
        what: &dyn fmt::Display,
    ) -> Result<&'n Map<'n>, ParseError> {
        match node {
            Node::Map(m) => Ok(m),
            Node::Null => Ok(&[]),
            _ => Err(self.err(line, format!("{what} must be a mapping"))),
        }
    }

    fn string<'n>(
        &self,
        node: &'n Node<'n>,
        line: u32,
        what: &dyn fmt::Display,
    ) -> Result<Option<&'n str>, ParseError> {
        match node {
            Node::Scalar(s) => Ok(Some(s)),
            Node::Null => Ok(None),
            _ => Err(self.err(line, format!("{what} must be a string"))),
        }
    }

    fn flag(&self, slot: Slot<'_>, field: &str, what: &dyn fmt::Display) -> Result<bool, ParseError> {
        match slot {
            None | Some((_, Node::Null)) => Ok(false),
            Some((_, Node::Scalar(s))) if matches!(s.as_ref(), "true" | "True" | "TRUE") => Ok(true),
            Some((_, Node::Scalar(s))) if matches!(s.as_ref(), "false" | "False" | "FALSE") => Ok(false),
            Some((k, _)) => Err(self.err(k.line, format!("`{field}` of {what} must be true or false"))),
        }
    }
}

/// "package 'x'", "importer 'y'": what an error is about, formatted only if there is one.
struct Named<'a>(&'static str, &'a str);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} '{}'", self.0, self.1)
    }
}

type Slot<'n> = Option<(&'n Key<'n>, &'n Node<'n>)>;

/// The fields of a `packages:` or `snapshots:` entry that lockgate reads, found in one pass
/// (the YAML layer has already refused repeated keys).
#[derive(Default)]
struct Fields<'n> {
    resolution: Slot<'n>,
    name: Slot<'n>,
    version: Slot<'n>,
    dependencies: Slot<'n>,
    optional_dependencies: Slot<'n>,
    peer_dependencies: Slot<'n>,
    peer_dependencies_meta: Slot<'n>,
    dev: Slot<'n>,
    optional: Slot<'n>,
    requires_build: Slot<'n>,
}

impl<'n> Fields<'n> {
    fn of(body: &'n Map<'n>) -> Self {
        let mut f = Fields::default();
        for (k, v) in body {
            let slot = match k.text.as_ref() {
                "resolution" => &mut f.resolution,
                "name" => &mut f.name,
                "version" => &mut f.version,
                "dependencies" => &mut f.dependencies,
                "optionalDependencies" => &mut f.optional_dependencies,
                "peerDependencies" => &mut f.peer_dependencies,
                "peerDependenciesMeta" => &mut f.peer_dependencies_meta,
                "dev" => &mut f.dev,
                "optional" => &mut f.optional,
                "requiresBuild" => &mut f.requires_build,
                _ => continue,
            };
            *slot = Some((k, v));
        }
        f
    }
}

fn get<'m, 'n>(map: &'m Map<'n>, name: &str) -> Option<(&'m Key<'n>, &'m Node<'n>)> {
    map.iter().find(|(k, _)| k.text == name).map(|(k, v)| (k, v))
}

fn catalog_spec<'n>(
    catalogs: &HashMap<(&'n str, &'n str), &'n str>,
    specifier: &str,
    name: &str,
) -> Option<&'n str> {
    let catalog = specifier.strip_prefix("catalog:")?;
    let catalog = if catalog.is_empty() { "default" } else { catalog };
    catalogs.get(&(catalog, name)).copied()
}

struct Resolution<'n> {
    integrity: Option<&'n str>,
    tarball: Option<&'n str>,
    kind: Option<&'n str>,
    repo: Option<&'n str>,
    commit: Option<&'n str>,
    directory: Option<&'n str>,
}

fn classify(major: u32, key: &str, res: &Resolution<'_>) -> (Source, Option<String>) {
    match res.kind {
        Some("git") => {
            let resolved = match (res.repo, res.commit) {
                (Some(r), Some(c)) => Some(format!("{r}#{c}")),
                (Some(r), None) => Some(r.to_owned()),
                _ => None,
            };
            return (Source::Git, resolved);
        }
        Some("directory") => return (Source::File, res.directory.map(|d| format!("file:{d}"))),
        _ => {}
    }
    if let Some(dir) = res.directory {
        return (Source::File, Some(format!("file:{dir}")));
    }
    if let Some(tarball) = res.tarball {
        let source = if tarball.starts_with("file:") {
            Source::File
        } else if is_hosted_git(key, tarball) {
            // github:/gitlab:/bitbucket: dependencies are fetched as a tarball of one commit.
            Source::Git
        } else if is_registry_key(major, key) {
            // A registry package from a registry other than the default one.
            Source::Registry
        } else {
            Source::Tarball
        };
        return (source, Some(tarball.to_owned()));
    }
    match res.kind {
        // A resolution type from a newer pnpm (runtimes, custom resolvers): not the registry.
        Some(_) => (Source::Tarball, None),
        None => (Source::Registry, None),
    }
}

fn is_hosted_git(key: &str, tarball: &str) -> bool {
    let key = key.trim_start_matches('/');
    ["github.com/", "gitlab.com/", "bitbucket.org/"].iter().any(|h| key.starts_with(h))
        || tarball.starts_with("https://codeload.github.com/")
        || (tarball.starts_with("https://gitlab.com/") && tarball.contains("/-/archive/"))
        || (tarball.starts_with("https://bitbucket.org/") && tarball.contains("/get/"))
}

fn is_registry_key(major: u32, key: &str) -> bool {
    split_key(major, key).is_some_and(|(_, v)| is_registry_version(v))
}

/// Registry keys carry a version (maybe with peers); other sources carry a URL or path there.
fn is_registry_version(v: &str) -> bool {
    !v.is_empty() && !v.contains(':') && !strip_peers(6, v).contains('/')
}

/// `(name, version-with-peer-suffix)` from a package key: `/name/1.0.0_x` (5.x),
/// `/@scope/name@1.0.0(x)` (6.x), `name@1.0.0(x)` or `name@https://...` (9.x).
fn split_key(major: u32, key: &str) -> Option<(&str, &str)> {
    let (body, sep) = match major {
        5 => (key.strip_prefix('/')?, '/'),
        6 => (key.strip_prefix('/')?, '@'),
        _ => (key, '@'),
    };
    // A scope is `@scope/`; the separator comes after the name that follows it.
    let start = if body.starts_with('@') { body.find('/')? + 1 } else { 0 };
    let at = start + body.get(start..)?.find(sep)?;
    let name = body.get(..at)?;
    let version = body.get(at + 1..)?;
    if name.is_empty() || name.ends_with('/') || version.is_empty() {
        return None;
    }
    Some((name, version))
}

/// The version without pnpm's peer suffix (`_peer@1.0.0` in 5.x, `(peer@1.0.0)` later).
fn strip_peers(major: u32, version: &str) -> &str {
    let cut = if major == 5 { version.find(['_', '(']) } else { version.find('(') };
    cut.and_then(|i| version.get(..i)).unwrap_or(version)
}

/// The `packages:` key of a 9.x snapshot key: without the trailing, possibly nested,
/// parenthesised groups of peers and patch hashes.
fn remove_peer_suffix(key: &str) -> &str {
    let bytes = key.as_bytes();
    let mut end = bytes.len();
    while end > 0 && bytes.get(end - 1) == Some(&b')') {
        let mut depth = 0usize;
        let mut open = None;
        for (i, &b) in bytes.get(..end).unwrap_or_default().iter().enumerate().rev() {
            match b {
                b')' => depth += 1,
                b'(' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        open = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        match open {
            Some(i) if i > 0 => end = i,
            _ => break,
        }
    }
    key.get(..end).unwrap_or(key)
}

/// Whether a dependency reference is already a package key (`/real@1.0.0`, `real@1.0.0`,
/// `github.com/u/r/sha`, `file:x`) rather than a version to combine with the dependency name.
/// This is the decision in pnpm's `refToRelative`.
fn names_package(major: u32, reference: &str) -> bool {
    if major < 9 {
        if reference.starts_with("file:") {
            return true;
        }
        return match reference.find('(') {
            Some(p) => reference.get(..p).unwrap_or(reference).contains('/'),
            None => reference.contains('/'),
        };
    }
    if reference.starts_with('@') {
        return true;
    }
    let Some(at) = reference.find('@') else {
        return false;
    };
    let before = |c: Option<usize>| c.is_none_or(|c| at < c);
    before(reference.find(':')) && before(reference.find('('))
}

/// The package key a dependency reference points at, `None` for `link:` (a directory, not a
/// package of the lockfile). `buf` holds the key when it has to be built.
fn ref_to_key<'r>(major: u32, name: &str, reference: &'r str, buf: &'r mut String) -> Option<&'r str> {
    if reference.starts_with("link:") {
        return None;
    }
    if names_package(major, reference) {
        return Some(reference);
    }
    buf.clear();
    if major < 9 {
        buf.push('/');
    }
    buf.push_str(name);
    buf.push(if major == 5 { '/' } else { '@' });
    buf.push_str(reference);
    let built: &'r String = buf;
    Some(built.as_str())
}

/// A dependency reference as the model's `req`: the exact version for registry packages,
/// `npm:real@version` for aliases, the reference itself for links, files, URLs and git.
fn dep_req(major: u32, name: &str, reference: &str) -> String {
    if reference.starts_with("link:") || reference.starts_with("file:") {
        return reference.to_owned();
    }
    if !names_package(major, reference) {
        return if is_registry_version(reference) {
            strip_peers(major, reference).to_owned()
        } else {
            reference.to_owned()
        };
    }
    match split_key(major, reference) {
        Some((real, version)) if is_registry_version(version) => {
            let version = strip_peers(major, version);
            if real == name { version.to_owned() } else { format!("npm:{real}@{version}") }
        }
        _ => reference.to_owned(),
    }
}

fn meta_entry(meta: &Meta<'_>, key: &str, optional: bool, dev: bool) -> Entry {
    Entry {
        name: meta.name.clone(),
        alias: None,
        version: meta.version.clone(),
        source: meta.source,
        resolved: meta.resolved.clone(),
        integrity: meta.integrity.clone(),
        flags: Flags { dev, optional, ..Flags::default() },
        install_script: meta.install_script,
        dependencies: Vec::new(),
        key: key.to_owned(),
        line: meta.line,
    }
}

/// How an entry is referred to, to tell whether it is installed under an alias only.
#[derive(Clone, Copy)]
enum Alias<'n> {
    Unseen,
    RealName,
    Only(&'n str),
    Mixed,
}

/// Resolves the edges, adds `link:` entries, fills in aliases and (9.x) dev flags.
fn finish<'n>(major: u32, pending: Vec<Pending<'n>>, raw_importers: Vec<RawImporter<'n>>) -> Document {
    let index: HashMap<&str, usize> =
        pending.iter().enumerate().map(|(i, p)| (p.entry.key.as_str(), i)).collect();
    let mut buf = String::new();
    let mut resolve = |d: &DepRef<'_>| -> Option<usize> {
        let key = ref_to_key(major, d.name, d.reference, &mut buf)?;
        index.get(key).copied()
    };

    let mut aliases = vec![Alias::Unseen; pending.len()];
    let mut note = |target: usize, name: &'n str, real: &str| {
        if let Some(a) = aliases.get_mut(target) {
            *a = match (*a, name == real) {
                (_, true) | (Alias::RealName, _) => Alias::RealName,
                (Alias::Unseen, false) => Alias::Only(name),
                (Alias::Only(prev), false) if prev == name => Alias::Only(prev),
                _ => Alias::Mixed,
            };
        }
    };

    let mut adjacency: Vec<Vec<usize>> = Vec::with_capacity(pending.len());
    for p in &pending {
        let mut edges = Vec::with_capacity(p.deps.len());
        for d in &p.deps {
            if let Some(t) = resolve(d) {
                edges.push(t);
                if let Some(real) = pending.get(t).map(|t| t.entry.name.as_str()) {
                    note(t, d.name, real);
                }
            }
        }
        adjacency.push(edges);
    }
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for imp in &raw_importers {
        for d in &imp.deps {
            if let Some(t) = resolve(d) {
                if d.kind == DepKind::Dev {
                    dev_roots.push(t)
                } else {
                    prod_roots.push(t)
                }
                if let Some(real) = pending.get(t).map(|t| t.entry.name.as_str()) {
                    note(t, d.name, real);
                }
            }
        }
    }

    // 9.x dropped the dev flags; a package is dev when only devDependencies reach it.
    let dev_only = if major >= 9 {
        let prod = reachable(&adjacency, &prod_roots);
        let dev = reachable(&adjacency, &dev_roots);
        prod.iter().zip(&dev).map(|(p, d)| *d && !*p).collect()
    } else {
        Vec::new()
    };

    // Links are listed in the importers, before `packages:`, so they go first; the entries
    // then usually come out in line order already and need no sort.
    let links = link_entries(&raw_importers);
    let mut entries: Vec<Entry> = Vec::with_capacity(links.len() + pending.len());
    entries.extend(links);
    for (i, p) in pending.into_iter().enumerate() {
        let mut entry = p.entry;
        if let Some(Alias::Only(a)) = aliases.get(i) {
            entry.alias = Some((*a).to_owned());
        }
        if dev_only.get(i).copied().unwrap_or(false) {
            entry.flags.dev = true;
        }
        entry.dependencies = edges_of(major, &p.deps, &p.peers);
        entries.push(entry);
    }

    if !entries.is_sorted_by_key(|e| e.line) {
        entries.sort_by_key(|e| e.line);
    }

    let importers = raw_importers
        .into_iter()
        .map(|imp| Importer {
            path: imp.path.to_owned(),
            dependencies: imp
                .deps
                .iter()
                .zip(imp.specifiers)
                .map(|(d, spec)| Dependency {
                    name: d.name.to_owned(),
                    req: spec.map(Cow::into_owned).unwrap_or_else(|| dep_req(major, d.name, d.reference)),
                    optional: d.kind == DepKind::Optional,
                    peer: false,
                    dev: d.kind == DepKind::Dev,
                })
                .collect(),
        })
        .collect();

    Document { major, entries, importers }
}

fn edges_of(major: u32, deps: &[DepRef<'_>], peers: &[(&str, &str, bool)]) -> Vec<Dependency> {
    let mut out: Vec<Dependency> = deps
        .iter()
        .map(|d| Dependency {
            name: d.name.to_owned(),
            req: dep_req(major, d.name, d.reference),
            optional: d.kind == DepKind::Optional,
            peer: false,
            dev: false,
        })
        .collect();
    // Resolved peers are already among the dependencies; unresolved (optional) ones are only
    // declared, with their range.
    for &(name, range, optional) in peers {
        match out.iter_mut().find(|d| d.name == name) {
            Some(d) => d.peer = true,
            None => out.push(Dependency {
                name: name.to_owned(),
                req: range.to_owned(),
                optional,
                peer: true,
                dev: false,
            }),
        }
    }
    out
}

fn reachable(adjacency: &[Vec<usize>], roots: &[usize]) -> Vec<bool> {
    let mut seen = vec![false; adjacency.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for &r in roots {
        if let Some(s) = seen.get_mut(r)
            && !*s
        {
            *s = true;
            queue.push_back(r);
        }
    }
    while let Some(i) = queue.pop_front() {
        for &t in adjacency.get(i).map(Vec::as_slice).unwrap_or_default() {
            if let Some(s) = seen.get_mut(t)
                && !*s
            {
                *s = true;
                queue.push_back(t);
            }
        }
    }
    seen
}

/// One entry per directory that importers reach through `link:`.
fn link_entries(importers: &[RawImporter<'_>]) -> Vec<Entry> {
    let workspaces: HashMap<String, u32> =
        importers.iter().map(|i| (join_path(".", i.path), i.line)).collect();
    let mut out: Vec<Entry> = Vec::new();
    let mut by_target: HashMap<String, usize> = HashMap::new();
    for imp in importers {
        for d in &imp.deps {
            let Some(rel) = d.reference.strip_prefix("link:") else {
                continue;
            };
            let target = join_path(imp.path, rel);
            let dev = d.kind == DepKind::Dev;
            let optional = d.kind == DepKind::Optional;
            if let Some(e) = by_target.get(&target).and_then(|&i| out.get_mut(i)) {
                e.flags.dev &= dev;
                e.flags.optional &= optional;
                continue;
            }
            let (source, line) = match workspaces.get(&target) {
                Some(&line) => (Source::Workspace, line),
                None => (Source::Link, d.line),
            };
            by_target.insert(target.clone(), out.len());
            out.push(Entry {
                name: d.name.to_owned(),
                alias: None,
                // pnpm does not record the version of a linked directory.
                version: String::new(),
                source,
                resolved: Some(format!("link:{target}")),
                integrity: None,
                flags: Flags { dev, optional, ..Flags::default() },
                install_script: false,
                dependencies: Vec::new(),
                key: format!("link:{target}"),
                line,
            });
        }
    }
    out
}

/// `base/rel` with `.` and `..` resolved, `/`-separated, relative to the lockfile directory
/// (`.` for the directory itself). Absolute targets stay absolute.
fn join_path(base: &str, rel: &str) -> String {
    let absolute = rel.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    let mut ups = 0usize;
    let base_parts = if absolute { "" } else { base };
    for seg in base_parts.split(['/', '\\']).chain(rel.split(['/', '\\'])) {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    ups += 1;
                }
            }
            s => parts.push(s),
        }
    }
    let mut out = String::new();
    if absolute {
        out.push('/');
    }
    for _ in 0..ups {
        out.push_str("../");
    }
    out.push_str(&parts.join("/"));
    if out.ends_with('/') && out.len() > 1 {
        out.pop();
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn lock(text: &str) -> Lockfile {
        parse("pnpm-lock.yaml", text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn entry<'l>(l: &'l Lockfile, key: &str) -> &'l Entry {
        l.entries.iter().find(|e| e.key == key).unwrap_or_else(|| panic!("no entry {key}"))
    }

    fn error(text: &str) -> ParseError {
        match parse("pnpm-lock.yaml", text) {
            Ok(l) => panic!("expected an error, parsed {} entries", l.entries.len()),
            Err(e) => e,
        }
    }

    #[test]
    fn keys_and_peer_suffixes() {
        assert_eq!(split_key(5, "/name/1.2.3"), Some(("name", "1.2.3")));
        assert_eq!(
            split_key(5, "/@scope/name/1.2.3_peer@1.0.0+@types+x@2.0.0"),
            Some(("@scope/name", "1.2.3_peer@1.0.0+@types+x@2.0.0"))
        );
        assert_eq!(strip_peers(5, "1.2.3_peer@1.0.0"), "1.2.3");
        assert_eq!(
            split_key(6, "/@scope/name@1.2.3(peer@1.0.0)"),
            Some(("@scope/name", "1.2.3(peer@1.0.0)"))
        );
        assert_eq!(strip_peers(6, "1.2.3(peer@1.0.0)(@types/react@18.0.0)"), "1.2.3");
        assert_eq!(split_key(9, "@scope/name@1.2.3"), Some(("@scope/name", "1.2.3")));
        assert_eq!(split_key(9, "body-parser@https://h/x.tgz"), Some(("body-parser", "https://h/x.tgz")));
        assert_eq!(split_key(6, "name@1.0.0"), None, "6.x keys start with a slash");
        assert_eq!(split_key(9, "@scope@1.0.0"), None);
        assert_eq!(remove_peer_suffix("a@1.0.0(b@2.0.0(c@3.0.0))(d@4.0.0)"), "a@1.0.0");
        assert_eq!(remove_peer_suffix("a@1.0.0(patch_hash=abc)"), "a@1.0.0");
        assert_eq!(remove_peer_suffix("a@https://h/x(1).tgz"), "a@https://h/x(1).tgz");
        assert_eq!(remove_peer_suffix("(x)"), "(x)");
    }

    #[test]
    fn references() {
        let key = |major, name, reference| {
            let mut buf = String::new();
            ref_to_key(major, name, reference, &mut buf).map(str::to_owned)
        };
        assert_eq!(key(5, "a", "1.0.0_b@2.0.0").as_deref(), Some("/a/1.0.0_b@2.0.0"));
        assert_eq!(key(5, "alias", "/real/1.0.0").as_deref(), Some("/real/1.0.0"));
        assert_eq!(key(6, "a", "1.0.0(@types/b@2.0.0)").as_deref(), Some("/a@1.0.0(@types/b@2.0.0)"));
        assert_eq!(key(6, "a", "github.com/u/r/abc").as_deref(), Some("github.com/u/r/abc"));
        assert_eq!(key(9, "alias", "real@1.0.0").as_deref(), Some("real@1.0.0"));
        assert_eq!(key(9, "alias", "@s/real@1.0.0").as_deref(), Some("@s/real@1.0.0"));
        assert_eq!(key(9, "a", "1.0.0(b@2.0.0)").as_deref(), Some("a@1.0.0(b@2.0.0)"));
        assert_eq!(key(9, "a", "https://h/a.tgz").as_deref(), Some("a@https://h/a.tgz"));
        assert_eq!(key(9, "a", "link:../a"), None);

        assert_eq!(dep_req(5, "lodash1", "/lodash/1.3.1"), "npm:lodash@1.3.1");
        assert_eq!(dep_req(6, "lodash1", "/lodash@1.3.1"), "npm:lodash@1.3.1");
        assert_eq!(dep_req(9, "cjs", "string-width@4.2.3"), "npm:string-width@4.2.3");
        assert_eq!(dep_req(9, "a", "1.0.0(b@2.0.0)"), "1.0.0");
        assert_eq!(dep_req(5, "a", "1.0.0_b@2.0.0"), "1.0.0");
        assert_eq!(dep_req(9, "a", "https://h/a.tgz"), "https://h/a.tgz");
        assert_eq!(dep_req(9, "a", "link:../a"), "link:../a");

        assert_eq!(join_path("packages/pkgs/pkg-a", "../pkg-b"), "packages/pkgs/pkg-b");
        assert_eq!(join_path(".", "packages/x/"), "packages/x");
        assert_eq!(join_path("a", "../../outside"), "../outside");
        assert_eq!(join_path("a", ".."), ".");
        assert_eq!(join_path("a", "/abs/dir"), "/abs/dir");
    }

    const V5: &str = "lockfileVersion: 5.4

specifiers:
  '@scope/pkg': ^1.0.0
  lodash1: npm:lodash@1
  body-parser: git+ssh://git@github.com/expressjs/body-parser.git#1.9.0
  left-pad: https://example.com/left-pad-1.3.0.tgz
  local: file:./local
  linked: link:../elsewhere
  dev-tool: ^2.0.0

dependencies:
  '@scope/pkg': 1.0.0_react@17.0.2
  lodash1: /lodash/1.3.1
  body-parser: github.com/expressjs/body-parser/263f602e6ae34add6332c1eb4caa808893b0b711
  left-pad: '@example.com/left-pad-1.3.0.tgz'
  local: file:local
  linked: link:../elsewhere

devDependencies:
  dev-tool: 2.0.0

packages:

  /@scope/pkg/1.0.0_react@17.0.2:
    resolution: {integrity: sha512-scoped==}
    peerDependencies:
      react: ^17.0.0
      react-dom: '*'
    peerDependenciesMeta:
      react-dom:
        optional: true
    dependencies:
      react: 17.0.2
    requiresBuild: true
    dev: false

  /dev-tool/2.0.0:
    resolution: {integrity: sha512-dev==, tarball: https://npm.example.com/dev-tool/-/dev-tool-2.0.0.tgz}
    dev: true

  /lodash/1.3.1:
    resolution: {integrity: sha512-lodash==}
    engines: {'0': node, '1': rhino}
    dev: false

  /react/17.0.2:
    resolution: {integrity: sha512-react==}
    dev: false
    optional: true

  '@example.com/left-pad-1.3.0.tgz':
    resolution: {tarball: https://example.com/left-pad-1.3.0.tgz}
    name: left-pad
    version: 1.3.0
    dev: false

  file:local:
    resolution: {directory: local, type: directory}
    name: local-pkg
    version: 0.1.0
    dev: false

  github.com/expressjs/body-parser/263f602e6ae34add6332c1eb4caa808893b0b711:
    resolution: {tarball: https://codeload.github.com/expressjs/body-parser/tar.gz/263f602e6ae34add6332c1eb4caa808893b0b711}
    name: body-parser
    version: 1.9.0
    dev: false
";

    #[test]
    fn v5_single_project() {
        let l = lock(V5);
        assert_eq!(l.format, Format::Pnpm(5));

        let scoped = entry(&l, "/@scope/pkg/1.0.0_react@17.0.2");
        assert_eq!((scoped.name.as_str(), scoped.version.as_str()), ("@scope/pkg", "1.0.0"));
        assert_eq!(scoped.line, 25);
        assert_eq!(scoped.source, Source::Registry);
        assert_eq!(scoped.resolved, None);
        assert_eq!(scoped.integrity.as_deref(), Some("sha512-scoped=="));
        assert!(scoped.install_script, "requiresBuild");
        assert!(!scoped.flags.dev);
        let peer = |name: &str| scoped.dependencies.iter().find(|d| d.name == name).cloned();
        assert_eq!(
            peer("react"),
            Some(Dependency {
                name: "react".into(),
                req: "17.0.2".into(),
                optional: false,
                peer: true,
                dev: false
            })
        );
        assert_eq!(
            peer("react-dom"),
            Some(Dependency {
                name: "react-dom".into(),
                req: "*".into(),
                optional: true,
                peer: true,
                dev: false
            })
        );

        let dev = entry(&l, "/dev-tool/2.0.0");
        assert!(dev.flags.dev);
        assert_eq!(dev.source, Source::Registry, "a tarball from another registry is still the registry");
        assert_eq!(dev.resolved.as_deref(), Some("https://npm.example.com/dev-tool/-/dev-tool-2.0.0.tgz"));
        assert!(entry(&l, "/react/17.0.2").flags.optional);

        let lodash = entry(&l, "/lodash/1.3.1");
        assert_eq!(lodash.alias.as_deref(), Some("lodash1"), "only installed under its alias");

        let tarball = entry(&l, "@example.com/left-pad-1.3.0.tgz");
        assert_eq!((tarball.name.as_str(), tarball.version.as_str()), ("left-pad", "1.3.0"));
        assert_eq!(tarball.source, Source::Tarball);
        assert_eq!(tarball.resolved.as_deref(), Some("https://example.com/left-pad-1.3.0.tgz"));

        let file = entry(&l, "file:local");
        assert_eq!((file.name.as_str(), file.source), ("local-pkg", Source::File));
        assert_eq!(file.resolved.as_deref(), Some("file:local"));

        let git = entry(&l, "github.com/expressjs/body-parser/263f602e6ae34add6332c1eb4caa808893b0b711");
        assert_eq!(
            (git.name.as_str(), git.version.as_str(), git.source),
            ("body-parser", "1.9.0", Source::Git)
        );

        let link = entry(&l, "link:../elsewhere");
        assert_eq!((link.name.as_str(), link.source, link.line), ("linked", Source::Link, 18));

        let [root] = l.importers.as_slice() else { panic!("{:?}", l.importers) };
        assert_eq!(root.path, ".");
        let reqs: Vec<(&str, &str, bool)> =
            root.dependencies.iter().map(|d| (d.name.as_str(), d.req.as_str(), d.dev)).collect();
        assert_eq!(
            reqs,
            [
                ("@scope/pkg", "^1.0.0", false),
                ("lodash1", "npm:lodash@1", false),
                ("body-parser", "git+ssh://git@github.com/expressjs/body-parser.git#1.9.0", false),
                ("left-pad", "https://example.com/left-pad-1.3.0.tgz", false),
                ("local", "file:./local", false),
                ("linked", "link:../elsewhere", false),
                ("dev-tool", "^2.0.0", true),
            ]
        );
        // Entries come in file order: the link (importers) first, then `packages:`.
        assert!(l.entries.windows(2).all(|w| w[0].line <= w[1].line));
    }

    #[test]
    fn v6_workspace_with_links() {
        let l = lock(
            "lockfileVersion: '6.0'

importers:

  .:
    devDependencies:
      ws-b:
        specifier: workspace:*
        version: link:packages/ws-b

  packages/ws-a:
    dependencies:
      alias:
        specifier: npm:real@^1.0.0
        version: /real@1.0.0(peer@2.0.0)

  packages/ws-b:
    dependencies:
      ws-a:
        specifier: workspace:^
        version: link:../ws-a
      real:
        specifier: ^1.0.0
        version: 1.0.0(peer@2.0.0)

packages:

  /peer@2.0.0:
    resolution: {integrity: sha512-peer==}
    dev: false

  /real@1.0.0(peer@2.0.0):
    resolution: {integrity: sha512-real==}
    peerDependencies:
      peer: ^2.0.0
    dependencies:
      peer: 2.0.0
    dev: false
",
        );
        assert_eq!(l.format, Format::Pnpm(6));
        let paths: Vec<&str> = l.importers.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, [".", "packages/ws-a", "packages/ws-b"]);

        let ws_b = entry(&l, "link:packages/ws-b");
        assert_eq!((ws_b.name.as_str(), ws_b.source, ws_b.line), ("ws-b", Source::Workspace, 17));
        assert!(ws_b.flags.dev, "only the root's devDependencies link it");
        let ws_a = entry(&l, "link:packages/ws-a");
        assert_eq!((ws_a.source, ws_a.line, ws_a.flags.dev), (Source::Workspace, 11, false));

        let real = entry(&l, "/real@1.0.0(peer@2.0.0)");
        assert_eq!((real.name.as_str(), real.version.as_str(), real.line), ("real", "1.0.0", 32));
        assert_eq!(real.alias, None, "also installed under its own name");
        assert_eq!(real.dependencies.len(), 1);
        assert!(real.dependencies.iter().all(|d| d.peer && d.req == "2.0.0"));
        let ws_a_deps = &l.importers[1].dependencies;
        assert_eq!(ws_a_deps[0].req, "npm:real@^1.0.0");
    }

    const V9: &str = "lockfileVersion: '9.0'

catalogs:
  default:
    react:
      specifier: ^18.2.0
      version: 18.3.1

importers:

  .:
    dependencies:
      react:
        specifier: 'catalog:'
        version: 18.3.1
      ui:
        specifier: 1.0.0
        version: 1.0.0(react@18.3.1)
      cjs:
        specifier: npm:string-width@4.2.3
        version: string-width@4.2.3
    optionalDependencies:
      fsevents:
        specifier: 2.3.3
        version: 2.3.3
    devDependencies:
      ui-test:
        specifier: 1.0.0
        version: ui@1.0.0(react@17.0.2)
      left-pad:
        specifier: https://example.com/left-pad-1.3.0.tgz
        version: https://example.com/left-pad-1.3.0.tgz
      git-dep:
        specifier: git+https://example.com/g.git#v1
        version: git+https://example.com/g.git#0123456789abcdef0123456789abcdef01234567

packages:

  fsevents@2.3.3:
    resolution: {integrity: sha512-fsevents==}
    os: [darwin]

  git-dep@git+https://example.com/g.git#0123456789abcdef0123456789abcdef01234567:
    resolution: {commit: 0123456789abcdef0123456789abcdef01234567, repo: https://example.com/g.git, type: git}
    version: 2.0.0

  left-pad@https://example.com/left-pad-1.3.0.tgz:
    resolution: {tarball: https://example.com/left-pad-1.3.0.tgz}
    version: 1.3.0

  react@17.0.2:
    resolution: {integrity: sha512-react17==}

  react@18.3.1:
    resolution: {integrity: sha512-react18==}

  string-width@4.2.3:
    resolution: {integrity: sha512-sw==}

  ui@1.0.0:
    resolution: {integrity: sha512-ui==}
    peerDependencies:
      react: '>=17'

snapshots:

  fsevents@2.3.3:
    optional: true

  git-dep@git+https://example.com/g.git#0123456789abcdef0123456789abcdef01234567: {}

  left-pad@https://example.com/left-pad-1.3.0.tgz: {}

  react@17.0.2: {}

  react@18.3.1: {}

  string-width@4.2.3: {}

  ui@1.0.0(react@17.0.2):
    dependencies:
      react: 17.0.2

  ui@1.0.0(react@18.3.1):
    dependencies:
      react: 18.3.1
";

    #[test]
    fn v9_snapshots() {
        let l = lock(V9);
        assert_eq!(l.format, Format::Pnpm(9));
        assert_eq!(l.entries.len(), 8, "one entry per snapshot");

        // Two snapshots of one package: two entries, both at the `packages:` line.
        let ui17 = entry(&l, "ui@1.0.0(react@17.0.2)");
        let ui18 = entry(&l, "ui@1.0.0(react@18.3.1)");
        assert_eq!((ui17.version.as_str(), ui17.line), ("1.0.0", 60));
        assert_eq!((ui18.version.as_str(), ui18.line), ("1.0.0", 60));
        assert_eq!(ui17.integrity.as_deref(), Some("sha512-ui=="));
        assert_eq!(ui17.alias.as_deref(), Some("ui-test"));
        assert_eq!(ui18.alias, None);

        // 9.x has no dev flags: computed from reachability.
        assert!(ui17.flags.dev, "only reached from devDependencies");
        assert!(entry(&l, "react@17.0.2").flags.dev, "through a dev-only package");
        assert!(!ui18.flags.dev);
        assert!(!entry(&l, "react@18.3.1").flags.dev);
        let fsevents = entry(&l, "fsevents@2.3.3");
        assert!(fsevents.flags.optional && !fsevents.flags.dev);

        let sw = entry(&l, "string-width@4.2.3");
        assert_eq!(sw.alias.as_deref(), Some("cjs"));

        let git = entry(&l, "git-dep@git+https://example.com/g.git#0123456789abcdef0123456789abcdef01234567");
        assert_eq!((git.name.as_str(), git.version.as_str(), git.source), ("git-dep", "2.0.0", Source::Git));
        assert_eq!(
            git.resolved.as_deref(),
            Some("https://example.com/g.git#0123456789abcdef0123456789abcdef01234567")
        );
        let tarball = entry(&l, "left-pad@https://example.com/left-pad-1.3.0.tgz");
        assert_eq!((tarball.version.as_str(), tarball.source), ("1.3.0", Source::Tarball));

        let root = &l.importers[0].dependencies;
        assert_eq!(root[0].req, "^18.2.0", "catalog: resolved through `catalogs`");
        assert_eq!(root[2].req, "npm:string-width@4.2.3");
        assert!(root[3].optional && root[4].dev);
    }

    #[test]
    fn same_result_when_the_fast_reader_gives_up() {
        // A comment sends the text through serde-saphyr; the result must not change.
        for text in [V5, V9] {
            let commented = text.replacen("\n\n", " # comment\n\n", 1);
            assert!(yaml::parse_fast(&commented).is_none());
            assert_eq!(lock(text), lock(&commented));
        }
    }

    #[test]
    fn env_lockfile_document() {
        let l = lock(
            "---
lockfileVersion: '9.0'

importers:

  .:
    configDependencies:
      cfg:
        specifier: 1.0.0
        version: 1.0.0

packages:

  cfg@1.0.0:
    resolution: {integrity: sha512-cfg==}

snapshots:

  cfg@1.0.0: {}

---
lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      a:
        specifier: 1.0.0
        version: 1.0.0

packages:

  a@1.0.0:
    resolution: {integrity: sha512-a==}

snapshots:

  a@1.0.0: {}
",
        );
        let keys: Vec<(&str, u32)> = l.entries.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(keys, [("cfg@1.0.0", 14), ("a@1.0.0", 34)]);
        assert_eq!(l.importers.len(), 1);
        assert_eq!(l.importers[0].dependencies[0].name, "a");
    }

    #[test]
    fn versions() {
        for v in ["5.3", "5.4", "'5.4-inlineSpecifiers'", "'6.0'", "'6.1'", "'9.0'"] {
            lock(&format!("lockfileVersion: {v}\n"));
        }
        for v in ["4.0", "'7.0'", "'10.0'", "x", "'9'x"] {
            let text = format!("\nlockfileVersion: {v}\n");
            let e = error(&text);
            assert_eq!(e.line, Some(2), "{v}: {e}");
        }
        let e = error("'9.0'\n");
        assert!(e.message.contains("not a pnpm lockfile"), "{e}");
        let e = error("importers: {}\n");
        assert!(e.message.contains("lockfileVersion"), "{e}");
        let e = error("");
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn malformed_lockfiles_are_errors_with_lines() {
        let cases: &[(&str, u32, &str)] = &[
            // Truncated in the middle of a flow mapping.
            ("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha5", 4, "yaml"),
            // Truncated inside a quoted key.
            ("lockfileVersion: '9.0'\n\npackages:\n\n  '@a/b@1.0", 5, "yaml"),
            ("lockfileVersion: '9.0'\npackages: [a, b]\n", 2, "mapping"),
            (
                "lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    resolution: {integrity: x}\n    dev: maybe\n",
                5,
                "true or false",
            ),
            ("lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    dev: false\n", 3, "resolution"),
            ("lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    resolution: x\n", 4, "mapping"),
            ("lockfileVersion: 5.4\npackages:\n  no-slash:\n    resolution: {integrity: x}\n", 3, "name"),
            (
                "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\nsnapshots:\n  b@1.0.0: {}\n",
                6,
                "no entry",
            ),
            (
                "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\n  a@1.0.0:\n    resolution: {integrity: y}\n",
                5,
                "duplicate",
            ),
            ("lockfileVersion: '6.0'\ndependencies:\n  a:\n    specifier: ^1\n", 3, "no version"),
            ("lockfileVersion: '6.0'\ndependencies:\n  a: [1]\n", 3, "string"),
        ];
        for (text, line, needle) in cases {
            let e = error(text);
            assert_eq!(e.line, Some(*line), "{text:?}: {e}");
            assert!(e.message.to_lowercase().contains(needle), "{text:?}: {e}");
            assert!(e.to_string().starts_with(&format!("pnpm-lock.yaml:{line}: ")), "{e}");
        }
    }

    #[test]
    fn alias_bomb_fails_fast() {
        let mut text = String::from("lockfileVersion: '9.0'\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let start = Instant::now();
        let e = error(&text);
        assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn deep_nesting_fails_fast() {
        let depth = 100_000;
        let flow = format!("lockfileVersion: '9.0'\nx: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let mut block = String::from("lockfileVersion: '9.0'\n");
        for i in 0..2_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        for text in [flow, block] {
            let start = Instant::now();
            let e = error(&text);
            assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
            assert!(e.message.contains("YAML"), "{e}");
        }
    }
}
