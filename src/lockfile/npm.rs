//! npm `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1, 2 and 3.
//!
//! v2 and v3 list every installed copy under `packages`, keyed by install path
//! (`node_modules/a/node_modules/b`); v1 (and the back-compat half of v2) nests copies in a
//! `dependencies` tree keyed by name. v2 files are read from `packages`, which is complete.
//!
//! serde_json gives values but no positions. Entry keys are deserialized borrowed from the text,
//! so where each key sits is known without searching, and a [`LineIndex`] turns that into a
//! line. Keys with JSON escapes cannot be borrowed (npm never writes them); for such a file a
//! second linear pass ([`locate`]) tokenizes the text and finds the keys in document order.
//!
//! Choices worth knowing:
//! - `devOptional` (reachable only through dev *or* optional edges) becomes `optional`, not
//!   `dev`: a production install (`--omit=dev`) still installs it through the optional edge, so
//!   calling it dev-only would understate where it runs.
//! - A key that appears twice in `packages` or in one `dependencies` map is an error. JSON.parse
//!   keeps the last copy; a reviewer reading the diff may see the first, so the file is
//!   ambiguous in exactly the way an attacker would want.
//! - Folders in `packages` (keys without a `node_modules/` segment) are importers when they are
//!   workspaces (they match the root's `workspaces` globs) or nothing links to them. A
//!   `"link": true` entry is `Source::Workspace` when its target is a workspace and
//!   `Source::Link` otherwise, and takes the version and dependencies of its target folder, so
//!   the dependencies of a `file:` directory are reached through the link entry, not as a
//!   second importer.
//! - A URL dependency on a registry tarball of the same package (`"left-pad":
//!   "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"`) is `Source::Registry`: v2/v3
//!   record it exactly like a range dependency, so calling it a tarball in v1 only would make
//!   the same install look different across lockfile versions.
//! - v1 does not record the root's own dependencies. The root importer lists the top-level
//!   copies that no package's `requires` resolves to: those are certainly direct. A direct
//!   dependency that another package also uses from the top level is missed.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::tarball::{is_registry_tarball, registry_tarball_version};
use super::{Dependency, Entry, Flags, Format, Importer, LineIndex, Lockfile, ParseError, Source};

pub fn parse(path: &str, text: &str) -> Result<Lockfile, ParseError> {
    let raw: Raw = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
    let version = lockfile_version(path, text, &raw)?;
    let (entries, importers) = match raw.packages {
        Some(packages) if version >= 2 => {
            from_packages(path, packages.0, Locator::new(path, text, Section::Packages))?
        }
        _ => {
            let deps = raw.dependencies.unwrap_or_default().0;
            from_v1(deps, Locator::new(path, text, Section::Dependencies))?
        }
    };
    Ok(Lockfile { path: path.to_owned(), format: Format::Npm(version), entries, importers })
}

fn json_error(path: &str, e: &serde_json::Error) -> ParseError {
    let line = u32::try_from(e.line()).ok().filter(|&l| l > 0);
    let full = e.to_string();
    // The line goes in ParseError's own prefix; keep only the column from serde_json's suffix.
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let (what, column) = match full.strip_suffix(&suffix) {
        Some(msg) => (msg, format!(" (column {})", e.column())),
        None => (full.as_str(), String::new()),
    };
    let message = if what.starts_with("recursion limit exceeded") {
        "JSON is nested more than 128 levels deep".to_owned()
    } else {
        match e.classify() {
            serde_json::error::Category::Eof => format!("truncated JSON: {what}{column}"),
            serde_json::error::Category::Syntax => format!("invalid JSON: {what}{column}"),
            _ => format!("unexpected lockfile content: {what}{column}"),
        }
    };
    ParseError::new(path, line, message)
}

fn lockfile_version(path: &str, text: &str, raw: &Raw) -> Result<u32, ParseError> {
    let line = || {
        text.find("\"lockfileVersion\"")
            .map(|at| text.as_bytes().iter().take(at).filter(|&&b| b == b'\n').count() as u32 + 1)
    };
    match &raw.version {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v @ 1..=3) => Ok(v as u32),
            _ => Err(ParseError::new(
                path,
                line(),
                format!("unsupported lockfileVersion {n} (lockgate reads npm lockfileVersion 1, 2 and 3)"),
            )),
        },
        Some(other) => Err(ParseError::new(
            path,
            line(),
            format!("lockfileVersion must be a number, found {}", json_type(other)),
        )),
        // Hand-made files and some tools omit it; the sections present say which layout it is.
        None => match (&raw.packages, raw.has_dependencies) {
            (Some(_), true) => Ok(2),
            (Some(_), false) => Ok(3),
            (None, true) => Ok(1),
            (None, false) => Err(ParseError::new(
                path,
                None,
                "no lockfileVersion and neither `packages` nor `dependencies`: not an npm lockfile",
            )),
        },
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// v2 / v3: the flat `packages` map.

fn from_packages(
    path: &str,
    packages: Vec<(Key, Package)>,
    mut locator: Locator,
) -> Result<(Vec<Entry>, Vec<Importer>), ParseError> {
    let lines = packages.iter().map(|(key, _)| locator.line(key)).collect::<Result<Vec<_>, _>>()?;
    let mut by_key: HashMap<&str, usize> = HashMap::with_capacity(packages.len());
    for (i, (key, _)) in packages.iter().enumerate() {
        if let Some(first) = by_key.insert(&**key, i) {
            return Err(duplicate(path, key, lines.get(first), lines.get(i)));
        }
    }
    let get = |key: &str| by_key.get(key).and_then(|&i| packages.get(i)).map(|(_, p)| p);
    let root = get("");
    let mut workspaces = Workspaces::new(root.and_then(|r| r.workspaces.as_ref()), locator.text.len());
    let root_importer =
        Importer { path: String::new(), dependencies: root.map(|r| declared(r, true)).unwrap_or_default() };

    // Links and folders need their counterpart; they are few, so that part is cloned, and
    // everything else below is moved out of the parsed document.
    let link_targets: HashSet<&str> =
        packages.iter().filter(|(_, p)| p.link.0).filter_map(|(_, p)| p.resolved.as_deref()).collect();
    let mut links: HashMap<usize, (Source, Option<String>, Vec<Dependency>)> = HashMap::new();
    let mut folder_importers: HashSet<usize> = HashSet::new();
    // Many links to one big folder would multiply its dependency list; copies stop once they
    // add up to what the whole file declares, so memory stays proportional to the input.
    let mut copy_budget: usize = packages
        .iter()
        .map(|(_, p)| p.dependencies.0.len() + p.optional_dependencies.0.len() + p.peer_dependencies.0.len())
        .sum();
    for (i, (key, pkg)) in packages.iter().enumerate() {
        if key.is_empty() {
            continue;
        }
        if install_name(key).is_none() {
            if workspaces.contains(key) || !link_targets.contains(&**key) {
                folder_importers.insert(i);
            }
        } else if pkg.link.0 {
            let target_key = pkg.resolved.as_deref().unwrap_or_default();
            let workspace = workspaces.contains(target_key);
            let source = if workspace { Source::Workspace } else { Source::Link };
            let target = get(target_key);
            let version = target.and_then(|t| t.version.clone());
            let mut deps = target.map(|t| declared(t, workspace)).unwrap_or_default();
            match copy_budget.checked_sub(deps.len()) {
                Some(left) => copy_budget = left,
                None => deps = Vec::new(),
            }
            links.insert(i, (source, version, deps));
        }
    }

    let mut importers = vec![root_importer];
    let mut entries = Vec::with_capacity(packages.len());
    for (i, ((key, mut pkg), line)) in packages.into_iter().zip(lines).enumerate() {
        let key = key.0.into_owned();
        if key.is_empty() {
            continue;
        }
        let Some(installed) = install_name(&key) else {
            if folder_importers.contains(&i) {
                let dependencies = declared_owned(&mut pkg, true);
                importers.push(Importer { path: key, dependencies });
            }
            continue;
        };
        let (name, alias) = match pkg.name.take() {
            Some(real) if !real.is_empty() && real != installed => (real, Some(installed.to_owned())),
            _ => (installed.to_owned(), None),
        };
        let mut version = pkg.version.take().unwrap_or_default();
        let (source, dependencies) = match links.remove(&i) {
            Some((source, target_version, deps)) => {
                if version.is_empty() {
                    version = target_version.unwrap_or_default();
                }
                (source, deps)
            }
            None => (classify(&name, pkg.resolved.as_deref(), &version), declared_owned(&mut pkg, false)),
        };
        entries.push(Entry {
            name,
            alias,
            version,
            source,
            resolved: pkg.resolved,
            integrity: pkg.integrity,
            flags: Flags {
                dev: pkg.dev.0,
                optional: pkg.optional.0 || pkg.dev_optional.0,
                peer: pkg.peer.0,
                bundled: pkg.in_bundle.0,
            },
            install_script: pkg.has_install_script.0,
            dependencies,
            key,
            line,
        });
    }
    Ok((entries, importers))
}

fn duplicate(path: &str, key: &str, first: Option<&u32>, again: Option<&u32>) -> ParseError {
    let first = first.map(|l| format!(" (also on line {l})")).unwrap_or_default();
    ParseError::new(
        path,
        again.copied(),
        format!(
            "{key:?} is listed twice{first}; npm would silently keep the last copy, so the lockfile is ambiguous"
        ),
    )
}

/// The package name an install path installs, or `None` for a folder (root, workspace, link
/// target) that has no `node_modules/` segment.
fn install_name(key: &str) -> Option<&str> {
    last_node_modules(key).and_then(|at| key.get(at + NODE_MODULES.len()..))
}

const NODE_MODULES: &str = "node_modules/";

/// Start of the last path segment that is `node_modules`. A byte scan: this runs for every
/// entry, and a substring searcher costs more to set up than these short keys take to scan.
fn last_node_modules(key: &str) -> Option<usize> {
    let bytes = key.as_bytes();
    let mut found = None;
    let mut segment = 0;
    loop {
        let rest = bytes.get(segment..)?;
        if rest.starts_with(NODE_MODULES.as_bytes()) {
            found = Some(segment);
        }
        match rest.iter().position(|&b| b == b'/') {
            Some(slash) => segment += slash + 1,
            None => return found,
        }
    }
}

fn declared(pkg: &Package, include_dev: bool) -> Vec<Dependency> {
    let mut maps = Package {
        dependencies: pkg.dependencies.clone(),
        optional_dependencies: pkg.optional_dependencies.clone(),
        peer_dependencies: pkg.peer_dependencies.clone(),
        peer_dependencies_meta: pkg.peer_dependencies_meta.clone(),
        dev_dependencies: if include_dev { pkg.dev_dependencies.clone() } else { Ordered::default() },
        ..Package::default()
    };
    declared_owned(&mut maps, include_dev)
}

/// What a package or folder declares, one edge per name. A name in several sections gets the
/// edge npm gives it: arborist adds peer, prod, optional, then dev edges, each replacing an
/// earlier edge of the same name (so `dependencies` + `optionalDependencies` is optional, and a
/// peer the root also lists in `devDependencies` is a dev edge).
fn declared_owned(pkg: &mut Package, include_dev: bool) -> Vec<Dependency> {
    let prod = std::mem::take(&mut pkg.dependencies.0);
    let optional = std::mem::take(&mut pkg.optional_dependencies.0);
    let dev = if include_dev { std::mem::take(&mut pkg.dev_dependencies.0) } else { Vec::new() };
    let peer = std::mem::take(&mut pkg.peer_dependencies.0);
    let edge =
        |(name, req): (String, String), optional, peer, dev| Dependency { name, req, optional, peer, dev };
    if optional.is_empty() && dev.is_empty() && peer.is_empty() {
        return prod.into_iter().map(|e| edge(e, false, false, false)).collect();
    }
    let optional_peers: HashSet<String> = std::mem::take(&mut pkg.peer_dependencies_meta.0)
        .into_iter()
        .filter(|(_, meta)| meta.optional.0)
        .map(|(name, _)| name)
        .collect();
    let in_order = peer
        .into_iter()
        .map(|e| {
            let optional = optional_peers.contains(&e.0);
            edge(e, optional, true, false)
        })
        .chain(prod.into_iter().map(|e| edge(e, false, false, false)))
        .chain(optional.into_iter().map(|e| edge(e, true, false, false)))
        .chain(dev.into_iter().map(|e| edge(e, false, false, true)));
    let mut out: Vec<Dependency> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for dep in in_order {
        match index.get(&dep.name).and_then(|&i| out.get_mut(i)) {
            Some(earlier) => *earlier = dep,
            None => {
                index.insert(dep.name.clone(), out.len());
                out.push(dep);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// v1: the nested `dependencies` tree.

fn from_v1(deps: Vec<(Key, V1Dep)>, mut locator: Locator) -> Result<(Vec<Entry>, Vec<Importer>), ParseError> {
    let needed = needed_from_top(&deps);
    let needed: HashSet<String> = needed.into_iter().map(str::to_owned).collect();
    let mut entries = Vec::new();
    let mut top = Vec::new();
    walk_v1(&mut locator, deps, "", &mut entries, Some(&mut top))?;
    top.retain(|d| !needed.contains(&d.name));
    Ok((entries, vec![Importer { path: String::new(), dependencies: top }]))
}

/// Names of the top-level copies that some package's `requires` resolves to, by node's lookup
/// (the package's own node_modules, then each ancestor's, then the top). Those copies are there
/// for that package; the others can only be there because the root asked for them.
/// Work is edges x nesting depth, and serde_json caps the depth.
fn needed_from_top<'a>(top: &'a [(Key<'a>, V1Dep<'a>)]) -> HashSet<&'a str> {
    fn visit<'a>(dep: &'a V1Dep<'a>, chain: &mut Vec<Names<'a>>, needed: &mut HashSet<&'a str>) {
        chain.push(Names::new(&dep.dependencies.0));
        for (name, _) in &dep.requires.0 {
            if !chain.iter().any(|names| names.contains(name)) {
                needed.insert(name.as_str());
            }
        }
        for (_, child) in &dep.dependencies.0 {
            visit(child, chain, needed);
        }
        chain.pop();
    }
    let mut needed = HashSet::new();
    let mut chain = Vec::new();
    for (_, dep) in top {
        visit(dep, &mut chain, &mut needed);
    }
    needed
}

/// The names installed in one nested node_modules: mostly a handful, compared directly.
enum Names<'a> {
    Few(&'a [(Key<'a>, V1Dep<'a>)]),
    Many(HashSet<&'a str>),
}

impl<'a> Names<'a> {
    fn new(map: &'a [(Key<'a>, V1Dep<'a>)]) -> Self {
        if map.len() <= 8 { Names::Few(map) } else { Names::Many(map.iter().map(|(k, _)| &**k).collect()) }
    }

    fn contains(&self, name: &str) -> bool {
        match self {
            Names::Few(map) => map.iter().any(|(k, _)| &**k == name),
            Names::Many(set) => set.contains(name),
        }
    }
}

fn walk_v1(
    locator: &mut Locator,
    deps: Vec<(Key, V1Dep)>,
    prefix: &str,
    out: &mut Vec<Entry>,
    mut top: Option<&mut Vec<Dependency>>,
) -> Result<(), ParseError> {
    let duplicate_at = first_duplicate(deps.iter().map(|(k, _)| &**k));
    let mut lines = Vec::with_capacity(deps.len());
    for (i, (installed, dep)) in deps.into_iter().enumerate() {
        let line = locator.line(&installed)?;
        let installed = installed.0.into_owned();
        let key = format!("{prefix}node_modules/{installed}");
        if let Some((first, again)) = duplicate_at
            && again == i
        {
            return Err(duplicate(locator.path, &key, lines.get(first), Some(&line)));
        }
        lines.push(line);
        let written = dep.version.unwrap_or_default();
        let (name, alias, version) = match written.strip_prefix("npm:") {
            Some(spec) => {
                let (real, version) = split_name_version(spec);
                let alias = (real != installed).then(|| installed.clone());
                (real.to_owned(), alias, version.to_owned())
            }
            None => (installed.clone(), None, written.clone()),
        };
        let flags = Flags {
            dev: dep.dev.0,
            optional: dep.optional.0 || dep.dev_optional.0,
            peer: dep.peer.0,
            bundled: dep.bundled.0,
        };
        if let Some(top) = top.as_deref_mut() {
            top.push(Dependency {
                name: installed,
                req: written,
                optional: flags.optional,
                peer: flags.peer,
                dev: flags.dev,
            });
        }
        let source = classify(&name, dep.resolved.as_deref(), &version);
        // v1 writes a URL dependency's URL as its version; a registry-shaped tarball URL names
        // the real version, which is what the registry must be asked about.
        let (version, resolved) = match tarball_version(&name, &version) {
            Some(real) if source == Source::Registry => (real, dep.resolved.or(Some(version))),
            _ => (version, dep.resolved),
        };
        let dependencies = dep
            .requires
            .0
            .into_iter()
            .map(|(name, req)| Dependency { name, req, optional: false, peer: false, dev: false })
            .collect();
        let nested_prefix = format!("{key}/");
        out.push(Entry {
            name,
            alias,
            version,
            source,
            resolved,
            integrity: dep.integrity,
            flags,
            install_script: false,
            dependencies,
            key,
            line,
        });
        // Depth is bounded: serde_json refused anything nested more than 128 levels.
        walk_v1(locator, dep.dependencies.0, &nested_prefix, out, None)?;
    }
    Ok(())
}

/// Indexes of the first repeated key and of its first copy.
fn first_duplicate<'a>(keys: impl ExactSizeIterator<Item = &'a str>) -> Option<(usize, usize)> {
    if keys.len() <= 16 {
        // Most v1 maps are this small: comparing pairs beats building a hash map.
        let all: Vec<&str> = keys.collect();
        return all.iter().enumerate().find_map(|(i, key)| {
            all.get(..i).and_then(|before| before.iter().position(|k| k == key)).map(|first| (first, i))
        });
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, key) in keys.enumerate() {
        if let Some(&first) = seen.get(key) {
            return Some((first, i));
        }
        seen.insert(key, i);
    }
    None
}

/// `@scope/name@1.2.3` -> (`@scope/name`, `1.2.3`); the leading `@` of a scope is not the
/// separator.
fn split_name_version(spec: &str) -> (&str, &str) {
    let search_from = usize::from(spec.starts_with('@'));
    match spec.get(search_from..).and_then(|s| s.find('@')) {
        Some(at) => {
            let at = at + search_from;
            (spec.get(..at).unwrap_or(spec), spec.get(at + 1..).unwrap_or_default())
        }
        None => (spec, ""),
    }
}

// ---------------------------------------------------------------------------------------------
// Source classification.

/// Where a package comes from, judged from `resolved` when the lockfile has it and otherwise
/// from the version (v1 writes git, tarball and `file:` specs as the version).
fn classify(name: &str, resolved: Option<&str>, version: &str) -> Source {
    let spec = match resolved {
        Some(r) if !r.is_empty() => r,
        _ => version,
    };
    const GIT: &[&str] = &["git+", "git://", "github:", "gitlab:", "bitbucket:", "gist:", "ssh://"];
    if GIT.iter().any(|p| spec.starts_with(p)) {
        return Source::Git;
    }
    if spec.starts_with("file:") {
        return Source::File;
    }
    if spec.starts_with("link:") {
        return Source::Link;
    }
    if spec.starts_with("https://") || spec.starts_with("http://") {
        return if is_registry_tarball(name, spec) {
            Source::Registry
        } else if is_git_http(spec) {
            Source::Git
        } else {
            Source::Tarball
        };
    }
    if spec.starts_with('.') || spec.starts_with('/') || (spec.contains('/') && !spec.contains(':')) {
        return Source::File;
    }
    if spec.contains(':') {
        // Some protocol lockgate does not know: whatever it is, it is not the registry.
        return Source::Tarball;
    }
    // A plain version (npm omits `resolved` with omit-lockfile-registry-resolved), or an empty
    // version of a bundled package, which ships inside its parent's registry tarball.
    Source::Registry
}

/// The version in a registry tarball URL's file name (`<registry>/<name>/-/<base>-<version>.tgz`).
fn tarball_version(name: &str, url: &str) -> Option<String> {
    let version = registry_tarball_version(name, url)?;
    semver::Version::parse(version).ok().map(|_| version.to_owned())
}

/// An http(s) git remote: `https://host/owner/repo.git` or a URL pinned to a commit.
fn is_git_http(url: &str) -> bool {
    let (before, fragment) = url.split_once('#').unwrap_or((url, ""));
    let commit = (7..=64).contains(&fragment.len()) && fragment.bytes().all(|b| b.is_ascii_hexdigit());
    commit || before.ends_with(".git")
}

// ---------------------------------------------------------------------------------------------
// Workspaces.

/// The root's `workspaces` globs. Matching spends from a step budget proportional to the file,
/// so thousands of hostile patterns times thousands of folders cannot take superlinear time;
/// once it is spent, remaining folders count as plain links.
struct Workspaces {
    patterns: Vec<String>,
    budget: usize,
}

impl Workspaces {
    fn new(declared: Option<&Value>, text_len: usize) -> Self {
        let list = match declared {
            Some(Value::Array(a)) => a.as_slice(),
            // The yarn-style `{ "packages": [...], "nohoist": [...] }` form npm also accepts.
            Some(Value::Object(o)) => match o.get("packages") {
                Some(Value::Array(a)) => a.as_slice(),
                _ => &[],
            },
            _ => &[],
        };
        let patterns = list.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        Workspaces { patterns, budget: text_len.saturating_add(1_000_000) }
    }

    fn contains(&mut self, folder: &str) -> bool {
        if folder.is_empty() || folder.starts_with("../") || folder.starts_with('/') {
            return false;
        }
        let mut matched = false;
        for p in &self.patterns {
            match p.strip_prefix('!') {
                Some(neg) if glob_match(neg, folder, &mut self.budget) => return false,
                Some(_) => {}
                None => matched |= glob_match(p, folder, &mut self.budget),
            }
        }
        matched
    }
}

/// Glob match by path segment: `**` spans any number of segments, `*` and `?` stay within one.
/// Every step is paid from `budget`; an empty budget means no match.
fn glob_match(pattern: &str, path: &str, budget: &mut usize) -> bool {
    fn segments(s: &str) -> Vec<&str> {
        let s = s.strip_prefix("./").unwrap_or(s);
        s.split('/').filter(|x| !x.is_empty() && *x != ".").collect()
    }
    let p = segments(pattern);
    let s = segments(path);
    let Some(left) = budget.checked_sub((p.len() + 1) * (s.len() + 1)) else {
        *budget = 0;
        return false;
    };
    *budget = left;
    // ok[i][j]: first i pattern segments match first j path segments.
    let width = s.len() + 1;
    let mut ok = vec![false; (p.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    if let Some(cell) = ok.get_mut(0) {
        *cell = true;
    }
    for (i, pseg) in p.iter().enumerate() {
        for j in 0..width {
            let value = if *pseg == "**" {
                ok.get(at(i, j)).copied().unwrap_or(false)
                    || (j > 0 && ok.get(at(i + 1, j - 1)).copied().unwrap_or(false))
            } else {
                j > 0
                    && ok.get(at(i, j - 1)).copied().unwrap_or(false)
                    && s.get(j - 1).is_some_and(|seg| segment_match(pseg, seg, budget))
            };
            if let Some(cell) = ok.get_mut(at(i + 1, j)) {
                *cell = value;
            }
        }
    }
    ok.get(at(p.len(), s.len())).copied().unwrap_or(false)
}

/// `*` / `?` wildcard match within one segment (greedy, one backtrack point).
fn segment_match(pattern: &str, text: &str, budget: &mut usize) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let Some(left) = budget.checked_sub(1) else { return false };
        *budget = left;
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

// ---------------------------------------------------------------------------------------------
// Positions: one forward pass over the already validated text.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    /// The keys of the top-level `packages` map.
    Packages,
    /// The keys of every map of the nested `dependencies` tree, in document (pre-)order.
    Dependencies,
}

/// Where an entry key is written: the raw text between its quotes, and its line.
#[derive(Debug, Clone, Copy)]
struct KeySpan {
    start: usize,
    end: usize,
    line: u32,
}

/// What an open container is, as far as finding entry keys cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    /// `packages`, or a v1 `dependencies` map: its keys are entries.
    Entries,
    /// A v1 entry, whose `dependencies` holds nested entries.
    V1Entry,
    Other,
}

struct Frame {
    object: bool,
    role: Role,
    expect_key: bool,
    /// The last key of a `Root` / `V1Entry` object opens the section being read.
    opens_section: bool,
}

/// The entry keys of `section`, in document order. serde_json already accepted the text, so
/// this only tracks strings and nesting; on any input it stays in bounds and linear.
fn locate(text: &str, section: Section) -> Vec<KeySpan> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line: u32 = 1;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while let Some(&c) = bytes.get(j) {
                    match c {
                        b'\\' => j += 2,
                        b'"' => break,
                        _ => j += 1,
                    }
                }
                let end = j.min(bytes.len());
                if let Some(top) = stack.last_mut()
                    && top.object
                    && top.expect_key
                {
                    top.expect_key = false;
                    let span = KeySpan { start, end, line };
                    top.opens_section = match (top.role, section) {
                        (Role::Entries, _) => {
                            out.push(span);
                            false
                        }
                        (Role::Root, Section::Packages) => span_is(text, &span, "packages"),
                        (Role::Root, Section::Dependencies) | (Role::V1Entry, _) => {
                            span_is(text, &span, "dependencies")
                        }
                        _ => false,
                    };
                }
                i = end + 1;
                continue;
            }
            b'{' => {
                let role = match stack.last() {
                    None => Role::Root,
                    Some(parent) if parent.object => match parent.role {
                        Role::Root | Role::V1Entry if parent.opens_section => Role::Entries,
                        Role::Entries if section == Section::Dependencies => Role::V1Entry,
                        _ => Role::Other,
                    },
                    Some(_) => Role::Other,
                };
                stack.push(Frame { object: true, role, expect_key: true, opens_section: false });
            }
            b'[' => stack.push(Frame {
                object: false,
                role: Role::Other,
                expect_key: false,
                opens_section: false,
            }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut()
                    && top.object
                {
                    top.expect_key = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether the key written at `span` is `key` (decoding escapes, which npm never writes).
fn span_is(text: &str, span: &KeySpan, key: &str) -> bool {
    let raw = text.get(span.start..span.end).unwrap_or_default();
    if !raw.contains('\\') {
        return raw == key;
    }
    text.get(span.start.saturating_sub(1)..span.end + 1)
        .and_then(|quoted| serde_json::from_str::<String>(quoted).ok())
        .is_some_and(|decoded| decoded == key)
}

/// Finds the line of each entry key, handed over in document order.
struct Locator<'a> {
    path: &'a str,
    text: &'a str,
    section: Section,
    lines: LineIndex,
    /// How many keys were asked for so far: the index of the next key among all entry keys.
    seen: usize,
    /// The tokenizer's findings, once a key turned out not to be borrowed from the text.
    spans: Option<Vec<KeySpan>>,
}

impl<'a> Locator<'a> {
    fn new(path: &'a str, text: &'a str, section: Section) -> Self {
        Locator { path, text, section, lines: LineIndex::new(text), seen: 0, spans: None }
    }

    fn line(&mut self, key: &Key) -> Result<u32, ParseError> {
        let n = self.seen;
        self.seen += 1;
        if self.spans.is_none()
            && let Some(at) = key.offset_in(self.text)
        {
            return Ok(self.lines.line(at));
        }
        let (text, section) = (self.text, self.section);
        let spans = self.spans.get_or_insert_with(|| locate(text, section));
        match spans.get(n) {
            // Checked against the key serde_json decoded, so a disagreement is an error rather
            // than shifted lines.
            Some(span) if span_is(text, span, key) => Ok(span.line),
            _ => Err(ParseError::new(
                self.path,
                None,
                format!("internal error: lost track of where {:?} is written", &**key),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deserialization. Only the fields lockgate uses; unknown fields are skipped.

#[derive(Default)]
struct Raw<'a> {
    version: Option<Value>,
    packages: Option<Ordered<Key<'a>, Package>>,
    dependencies: Option<Ordered<Key<'a>, V1Dep<'a>>>,
    has_dependencies: bool,
}

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RawVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for RawVisitor<'a> {
            type Value = Raw<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a package-lock.json object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'a>, A::Error> {
                let mut raw = Raw::default();
                let mut seen_version = false;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "lockfileVersion" => {
                            if seen_version {
                                return Err(de::Error::duplicate_field("lockfileVersion"));
                            }
                            seen_version = true;
                            raw.version = Some(map.next_value()?);
                        }
                        "packages" => {
                            if raw.packages.is_some() {
                                return Err(de::Error::duplicate_field("packages"));
                            }
                            raw.packages = Some(map.next_value()?);
                        }
                        "dependencies" => {
                            if raw.has_dependencies {
                                return Err(de::Error::duplicate_field("dependencies"));
                            }
                            raw.has_dependencies = true;
                            // npm writes the v1 half of a v2 file after `packages`; once both
                            // the version and `packages` are known it is never read, so skip it.
                            let v2 = raw.version.as_ref().and_then(Value::as_u64).is_some_and(|v| v >= 2);
                            if v2 && raw.packages.is_some() {
                                map.next_value::<IgnoredAny>()?;
                            } else {
                                raw.dependencies = Some(map.next_value()?);
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(raw)
            }
        }
        d.deserialize_map(RawVisitor(std::marker::PhantomData))
    }
}

/// One `packages` entry (v2/v3), or a folder (root, workspace, link target).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Package {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    link: Truthy,
    dev: Truthy,
    optional: Truthy,
    dev_optional: Truthy,
    peer: Truthy,
    in_bundle: Truthy,
    has_install_script: Truthy,
    dependencies: Ordered<String, String>,
    optional_dependencies: Ordered<String, String>,
    peer_dependencies: Ordered<String, String>,
    peer_dependencies_meta: Ordered<String, PeerMeta>,
    dev_dependencies: Ordered<String, String>,
    workspaces: Option<Value>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct PeerMeta {
    optional: Truthy,
}

/// One node of the v1 `dependencies` tree.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct V1Dep<'a> {
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    dev: Truthy,
    optional: Truthy,
    dev_optional: Truthy,
    peer: Truthy,
    bundled: Truthy,
    requires: Ordered<String, String>,
    #[serde(borrow)]
    dependencies: Ordered<Key<'a>, V1Dep<'a>>,
}

/// A JSON object kept in document order (serde_json's own map would sort it). `null` and
/// booleans (v1's top-level `"requires": true`) read as empty.
#[derive(Clone)]
struct Ordered<K, T>(Vec<(K, T)>);

impl<K, T> Default for Ordered<K, T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, T: Deserialize<'de>> Deserialize<'de> for Ordered<K, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<K, T>(std::marker::PhantomData<(K, T)>);
        impl<'de, K: Deserialize<'de>, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<K, T> {
            type Value = Ordered<K, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<K, T>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Ordered(Vec::new()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Ordered(Vec::new()))
            }
        }
        d.deserialize_any(OrderedVisitor(std::marker::PhantomData))
    }
}

/// An entry key, borrowed from the lockfile text whenever it has no escapes, which tells where
/// it is written.
struct Key<'a>(Cow<'a, str>);

impl std::ops::Deref for Key<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Key<'_> {
    /// Byte offset of the key in `text`, when it is a slice of it.
    fn offset_in(&self, text: &str) -> Option<usize> {
        let Cow::Borrowed(key) = &self.0 else { return None };
        let at = (key.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        (at.checked_add(key.len())? <= text.len()).then_some(at)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor(std::marker::PhantomData))
    }
}

/// A flag read with JavaScript truthiness, because that is how npm reads it: old lockfiles
/// carry `"bundled": "true"`, and `"dev": "false"` really does mean dev to npm.
#[derive(Debug, Default, Clone, Copy)]
struct Truthy(bool);

impl<'de> Deserialize<'de> for Truthy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TruthyVisitor;
        impl<'de> Visitor<'de> for TruthyVisitor {
            type Value = Truthy;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a flag")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Truthy, E> {
                Ok(Truthy(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Truthy, E> {
                Ok(Truthy(!v.is_empty()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Truthy, E> {
                Ok(Truthy(v != 0))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Truthy, E> {
                Ok(Truthy(v != 0))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Truthy, E> {
                Ok(Truthy(v != 0.0 && !v.is_nan()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Truthy, E> {
                Ok(Truthy(false))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Truthy, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Truthy(true))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Truthy, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Truthy(true))
            }
        }
        d.deserialize_any(TruthyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Lockfile {
        match parse("package-lock.json", text) {
            Ok(l) => l,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn err(text: &str) -> ParseError {
        match parse("package-lock.json", text) {
            Ok(l) => panic!("expected an error, got {l:?}"),
            Err(e) => e,
        }
    }

    fn entry<'a>(l: &'a Lockfile, key: &str) -> &'a Entry {
        l.entries.iter().find(|e| e.key == key).unwrap_or_else(|| panic!("no entry {key}"))
    }

    /// The 1-based line of `text` holding the first occurrence of `needle`.
    fn line_of_text(text: &str, needle: &str) -> u32 {
        let at = text.find(needle).unwrap_or_else(|| panic!("{needle} not in text"));
        text[..at].matches('\n').count() as u32 + 1
    }

    #[test]
    fn v3_alias_takes_the_real_name_from_the_name_field() {
        let text = r#"{
  "lockfileVersion": 3,
  "packages": {
    "": { "dependencies": { "alias-number": "npm:is-number@7.0.0", "@s/x": "npm:@real/y@^1" } },
    "node_modules/alias-number": {
      "name": "is-number",
      "version": "7.0.0",
      "resolved": "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz"
    },
    "node_modules/@s/x": {
      "name": "@real/y",
      "version": "1.2.0",
      "resolved": "https://registry.npmjs.org/@real/y/-/y-1.2.0.tgz"
    }
  }
}"#;
        let l = ok(text);
        assert_eq!(l.format, Format::Npm(3));
        let a = entry(&l, "node_modules/alias-number");
        assert_eq!((a.name.as_str(), a.alias.as_deref()), ("is-number", Some("alias-number")));
        assert_eq!((a.version.as_str(), a.source), ("7.0.0", Source::Registry));
        assert_eq!(a.line, 5);
        let s = entry(&l, "node_modules/@s/x");
        assert_eq!((s.name.as_str(), s.alias.as_deref()), ("@real/y", Some("@s/x")));
        assert_eq!(s.source, Source::Registry);
        assert_eq!(l.importers[0].dependencies[0].req, "npm:is-number@7.0.0");
    }

    #[test]
    fn v1_alias_splits_the_npm_spec() {
        let text = r#"{
  "lockfileVersion": 1,
  "dependencies": {
    "old": { "version": "npm:abbrev@1.0.3", "resolved": "https://registry.npmjs.org/abbrev/-/abbrev-1.0.3.tgz" },
    "sc": { "version": "npm:@scope/pkg@2.0.0-rc.1", "resolved": "https://registry.npmjs.org/@scope/pkg/-/pkg-2.0.0-rc.1.tgz" }
  }
}"#;
        let l = ok(text);
        let old = entry(&l, "node_modules/old");
        assert_eq!((old.name.as_str(), old.alias.as_deref()), ("abbrev", Some("old")));
        assert_eq!((old.version.as_str(), old.source), ("1.0.3", Source::Registry));
        let sc = entry(&l, "node_modules/sc");
        assert_eq!((sc.name.as_str(), sc.version.as_str()), ("@scope/pkg", "2.0.0-rc.1"));
        assert_eq!(sc.source, Source::Registry);
    }

    #[test]
    fn git_sources() {
        let text = r#"{
  "lockfileVersion": 2,
  "packages": {
    "node_modules/a": { "version": "0.0.8", "resolved": "git+ssh://git@github.com/substack/minimist.git#3754568bfd43a841d2d72d7fb54598635aea8fa4" },
    "node_modules/b": { "version": "1.0.0", "resolved": "git+file:///tmp/repo#ccbdabb4fccf877a5081cc3fd885d8db102b4cc3" },
    "node_modules/c": { "version": "1.0.0", "resolved": "https://github.com/o/c.git#ccbdabb4fccf877a5081cc3fd885d8db102b4cc3" }
  }
}"#;
        let l = ok(text);
        for e in &l.entries {
            assert_eq!(e.source, Source::Git, "{}", e.key);
        }
        assert_eq!(entry(&l, "node_modules/a").version, "0.0.8");
        let v1 = ok(r#"{"lockfileVersion": 1, "dependencies": {
  "g": { "version": "github:isaacs/abbrev-js#a9ee72ebc8fe3975f1b0c7aeb3a8f2a806a432eb", "from": "github:isaacs/abbrev-js" },
  "h": { "version": "git://example.com/h.git#a9ee72e" }
}}"#);
        assert!(v1.entries.iter().all(|e| e.source == Source::Git));
        // v1 records the git URL as the version and has no `resolved`.
        assert_eq!(entry(&v1, "node_modules/g").resolved, None);
        assert!(entry(&v1, "node_modules/g").version.starts_with("github:isaacs/abbrev-js#"));
    }

    #[test]
    fn tarball_versus_registry_urls() {
        let text = r#"{
  "lockfileVersion": 3,
  "packages": {
    "node_modules/left-pad": { "version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz" },
    "node_modules/@sc/pkg": { "version": "1.0.0", "resolved": "https://npm.example.com/artifactory/api/npm/remote/@sc/pkg/-/pkg-1.0.0.tgz" },
    "node_modules/@sc/enc": { "version": "1.0.0", "resolved": "https://r.example.com/@sc%2fenc/-/enc-1.0.0.tgz" },
    "node_modules/@gh/p": { "version": "1.0.0", "resolved": "https://npm.pkg.github.com/download/@gh/p/1.0.0/0123abcd" },
    "node_modules/remote": { "version": "1.1.1", "resolved": "https://registry.npmjs.org/abbrev/-/abbrev-1.1.1.tgz" },
    "node_modules/wrongfile": { "version": "1.0.0", "resolved": "https://registry.npmjs.org/wrongfile/-/evil-1.0.0.tgz" },
    "node_modules/body-parser": { "version": "1.9.0", "resolved": "https://github.com/expressjs/body-parser/archive/1.9.0.tar.gz" },
    "node_modules/codeload": { "version": "1.0.0", "resolved": "https://codeload.github.com/o/r/tar.gz/a9ee72ebc8fe3975f1b0c7aeb3a8f2a806a432eb" },
    "node_modules/odd": { "version": "1.0.0", "resolved": "this: is: not: valid" }
  }
}"#;
        let l = ok(text);
        let src = |k: &str| entry(&l, k).source;
        assert_eq!(src("node_modules/left-pad"), Source::Registry);
        assert_eq!(src("node_modules/@sc/pkg"), Source::Registry);
        assert_eq!(src("node_modules/@sc/enc"), Source::Registry);
        assert_eq!(src("node_modules/@gh/p"), Source::Registry);
        // Another package's registry tarball installed under this name is not "the registry".
        assert_eq!(src("node_modules/remote"), Source::Tarball);
        assert_eq!(src("node_modules/wrongfile"), Source::Tarball);
        assert_eq!(src("node_modules/body-parser"), Source::Tarball);
        assert_eq!(src("node_modules/codeload"), Source::Tarball);
        assert_eq!(src("node_modules/odd"), Source::Tarball);
        assert_eq!(
            entry(&l, "node_modules/body-parser").resolved.as_deref(),
            Some("https://github.com/expressjs/body-parser/archive/1.9.0.tar.gz")
        );
    }

    #[test]
    fn omitted_resolved_is_registry() {
        // npm with omit-lockfile-registry-resolved writes neither resolved nor a URL version.
        let l = ok(r#"{"lockfileVersion": 3, "packages": {
  "node_modules/a": { "version": "1.0.0", "integrity": "sha512-x" }
}}"#);
        let a = entry(&l, "node_modules/a");
        assert_eq!((a.source, a.resolved.as_deref()), (Source::Registry, None));
        assert_eq!(a.integrity.as_deref(), Some("sha512-x"));
        let v1 = ok(r#"{"lockfileVersion": 1, "dependencies": { "a": { "version": "1.0.0" } }}"#);
        assert_eq!(v1.entries[0].source, Source::Registry);
    }

    #[test]
    fn file_sources() {
        let l = ok(r#"{"lockfileVersion": 2, "packages": {
  "node_modules/once": { "version": "1.4.0", "resolved": "file:once-1.4.0.tgz", "integrity": "sha512-o" }
}}"#);
        assert_eq!(l.entries[0].source, Source::File);
        assert_eq!(l.entries[0].resolved.as_deref(), Some("file:once-1.4.0.tgz"));
        let v1 = ok(r#"{"lockfileVersion": 1, "dependencies": {
  "file-dep": { "version": "file:local/file-dep", "requires": { "is-number": "^7.0.0" } }
}}"#);
        let f = &v1.entries[0];
        assert_eq!((f.source, f.version.as_str()), (Source::File, "file:local/file-dep"));
        assert_eq!(f.dependencies[0].name, "is-number");
    }

    #[test]
    fn links_and_workspaces() {
        let text = r#"{
  "lockfileVersion": 3,
  "packages": {
    "": {
      "name": "root",
      "workspaces": ["packages/*", "!packages/skip", "tools/**"],
      "dependencies": { "file-dep": "file:./local/file-dep" },
      "devDependencies": { "picocolors": "1.0.0" }
    },
    "local/file-dep": { "version": "1.0.0", "dependencies": { "is-number": "^7.0.0" } },
    "node_modules/file-dep": { "resolved": "local/file-dep", "link": true },
    "node_modules/ws-a": { "resolved": "packages/ws-a", "link": true },
    "node_modules/skip": { "resolved": "packages/skip", "link": true },
    "node_modules/deep": { "resolved": "tools/x/deep", "link": true },
    "node_modules/outside": { "resolved": "../elsewhere", "link": true },
    "packages/skip": { "version": "0.1.0" },
    "packages/ws-a": {
      "name": "ws-a",
      "version": "2.0.0",
      "dependencies": { "debug": "2.6.8" },
      "devDependencies": { "tap": "^16" }
    },
    "packages/ws-a/node_modules/debug": { "version": "2.6.8", "resolved": "https://registry.npmjs.org/debug/-/debug-2.6.8.tgz" },
    "tools/x/deep": { "version": "3.0.0" }
  }
}"#;
        let l = ok(text);
        let fd = entry(&l, "node_modules/file-dep");
        assert_eq!((fd.source, fd.version.as_str()), (Source::Link, "1.0.0"));
        assert_eq!(fd.dependencies[0].name, "is-number");
        let ws = entry(&l, "node_modules/ws-a");
        assert_eq!((ws.source, ws.version.as_str()), (Source::Workspace, "2.0.0"));
        assert_eq!(ws.dependencies.len(), 2);
        assert!(ws.dependencies.iter().any(|d| d.name == "tap" && d.dev));
        assert_eq!(entry(&l, "node_modules/skip").source, Source::Link);
        assert_eq!(entry(&l, "node_modules/deep").source, Source::Workspace);
        assert_eq!(entry(&l, "node_modules/outside").source, Source::Link);
        let debug = entry(&l, "packages/ws-a/node_modules/debug");
        assert_eq!((debug.name.as_str(), debug.source), ("debug", Source::Registry));

        let paths: Vec<&str> = l.importers.iter().map(|i| i.path.as_str()).collect();
        // local/file-dep and packages/skip are reached through their link entries instead.
        assert_eq!(paths, ["", "packages/ws-a", "tools/x/deep"]);
        let root = &l.importers[0];
        assert!(root.dependencies.iter().any(|d| d.name == "picocolors" && d.dev));
        assert!(!l.entries.iter().any(|e| e.key == "packages/ws-a" || e.key.is_empty()));
    }

    #[test]
    fn flags_and_edges() {
        let l = ok(r#"{"lockfileVersion": 3, "packages": {
  "node_modules/a": {
    "version": "1.0.0", "dev": true, "hasInstallScript": true,
    "dependencies": { "b": "^1", "c": "^2" },
    "optionalDependencies": { "c": "^2" },
    "peerDependencies": { "d": "*", "e": "*" },
    "peerDependenciesMeta": { "e": { "optional": true } }
  },
  "node_modules/b": { "version": "1.0.0", "devOptional": true },
  "node_modules/c": { "version": "2.0.0", "optional": true, "peer": true },
  "node_modules/a/node_modules/f": { "version": "1.0.0", "inBundle": true }
}}"#);
        let a = entry(&l, "node_modules/a");
        assert!(a.install_script);
        assert_eq!(a.flags, Flags { dev: true, ..Flags::default() });
        let deps: Vec<(&str, bool, bool)> =
            a.dependencies.iter().map(|d| (d.name.as_str(), d.optional, d.peer)).collect();
        assert_eq!(deps, [("d", false, true), ("e", true, true), ("b", false, false), ("c", true, false)]);
        // devOptional: still installed by `--omit=dev` through the optional edge.
        assert_eq!(entry(&l, "node_modules/b").flags, Flags { optional: true, ..Flags::default() });
        let c = entry(&l, "node_modules/c").flags;
        assert!(c.optional && c.peer && !c.dev);
        assert!(entry(&l, "node_modules/a/node_modules/f").flags.bundled);
        assert!(!entry(&l, "node_modules/b").install_script);
    }

    #[test]
    fn a_name_in_several_sections_gets_the_edge_npm_gives_it() {
        let l = ok(r#"{"lockfileVersion": 3, "packages": {"": {
  "dependencies": { "both": "^1", "prodpeer": "^2" },
  "devDependencies": { "both": "^1.5", "react": "^18" },
  "peerDependencies": { "react": "*", "prodpeer": "*" }
}}}"#);
        let root: Vec<(&str, &str, bool, bool)> = l.importers[0]
            .dependencies
            .iter()
            .map(|d| (d.name.as_str(), d.req.as_str(), d.peer, d.dev))
            .collect();
        assert_eq!(
            root,
            [("react", "^18", false, true), ("prodpeer", "^2", false, false), ("both", "^1.5", false, true)]
        );
    }

    #[test]
    fn v1_flags_use_javascript_truthiness() {
        let l = ok(r#"{"lockfileVersion": 1, "dependencies": {
  "a": { "version": "1.0.0", "bundled": "true", "dev": false, "optional": null },
  "b": { "version": "1.0.0", "dev": 1, "optional": "" }
}}"#);
        assert_eq!(l.entries[0].flags, Flags { bundled: true, ..Flags::default() });
        assert_eq!(l.entries[1].flags, Flags { dev: true, ..Flags::default() });
    }

    #[test]
    fn v1_nested_copies_get_their_own_keys_and_lines() {
        // `debug` appears as a top-level key, as `requires` string values (not followed by `{`)
        // before each nested copy, and nested at two depths.
        let text = r#"{
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "a": {
      "version": "1.0.0",
      "requires": {
        "debug": "3.1.0"
      },
      "dependencies": {
        "debug": {
          "version": "3.1.0",
          "requires": { "debug": "1.0.0" },
          "dependencies": {
            "debug": {
              "version": "1.0.0"
            }
          }
        }
      }
    },
    "debug": {
      "version": "4.3.1",
      "requires": {
        "ms": "2.1.2"
      }
    },
    "ms": {
      "version": "2.1.2"
    }
  }
}"#;
        let l = ok(text);
        let keys: Vec<(&str, &str, u32)> =
            l.entries.iter().map(|e| (e.key.as_str(), e.version.as_str(), e.line)).collect();
        assert_eq!(
            keys,
            [
                ("node_modules/a", "1.0.0", 5),
                ("node_modules/a/node_modules/debug", "3.1.0", 11),
                ("node_modules/a/node_modules/debug/node_modules/debug", "1.0.0", 15),
                ("node_modules/debug", "4.3.1", 22),
                ("node_modules/ms", "2.1.2", 28),
            ]
        );
        assert!(l.entries.iter().all(|e| e.name != "debug" || e.source == Source::Registry));
        assert_eq!(l.entries[0].dependencies[0].req, "3.1.0");
        // a's `debug` resolves to its own nested copy, so the top-level debug is the root's.
        let root: Vec<&str> = l.importers[0].dependencies.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(root, ["a", "debug"]);
    }

    #[test]
    fn lines_follow_escaped_keys_and_odd_layout() {
        let text = "{\"lockfileVersion\":3,\"packages\":{\"\":{},\n\"node_modules/\\u0061bc\"\n:\n{\"version\":\"1.0.0\"},\n\n  \"node_modules/x\": {\"version\": \"2.0.0\", \"deprecated\": \"\\\"node_modules/y\\\": {\"},\n\"node_modules/y\": {}}}";
        let l = ok(text);
        assert_eq!(entry(&l, "node_modules/abc").line, 2);
        assert_eq!(entry(&l, "node_modules/abc").name, "abc");
        assert_eq!(entry(&l, "node_modules/x").line, 6);
        assert_eq!(entry(&l, "node_modules/y").line, 7);
    }

    #[test]
    fn v1_escaped_key_switches_to_the_tokenizer_mid_walk() {
        let text = "{\"lockfileVersion\": 1, \"dependencies\": {\n\"a\": {\"version\": \"1.0.0\", \"dependencies\": {\n  \"\\u0062\": {\"version\": \"2.0.0\"}}},\n\"c\": {\"version\": \"3.0.0\", \"requires\": {\"c\": \"x\"}}}}";
        let l = ok(text);
        let got: Vec<(&str, &str, u32)> =
            l.entries.iter().map(|e| (e.key.as_str(), e.name.as_str(), e.line)).collect();
        assert_eq!(
            got,
            [
                ("node_modules/a", "a", 2),
                ("node_modules/a/node_modules/b", "b", 3),
                ("node_modules/c", "c", 4)
            ]
        );
    }

    #[test]
    fn unsupported_versions_are_named() {
        let e = err("{\n  \"lockfileVersion\": 4,\n  \"packages\": {}\n}");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("lockfileVersion 4"), "{}", e.message);
        let e = err(r#"{"lockfileVersion": "3", "packages": {}}"#);
        assert!(e.message.contains("must be a number, found a string"), "{}", e.message);
        let e = err(r#"{"lockfileVersion": 0}"#);
        assert!(e.message.contains("lockfileVersion 0"), "{}", e.message);
        let e = err(r#"{"name": "x"}"#);
        assert!(e.message.contains("no lockfileVersion"), "{}", e.message);
        // Without a version the sections present decide.
        assert_eq!(ok(r#"{"dependencies": {}}"#).format, Format::Npm(1));
        assert_eq!(ok(r#"{"packages": {}}"#).format, Format::Npm(3));
    }

    #[test]
    fn malformed_json_reports_the_line() {
        let e = err(
            "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": { \"version\": \"1.0.0\" },\n  }\n}",
        );
        assert_eq!(e.line, Some(5));
        assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
        assert!(e.to_string().starts_with("package-lock.json:5: "), "{e}");
        let e = err("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
        assert!(e.message.starts_with("truncated JSON"), "{}", e.message);
        assert_eq!(e.line, Some(4));
        let e = err("{\n  \"lockfileVersion\": 3,\n  \"packages\": []\n}");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("unexpected lockfile content"), "{}", e.message);
        let e = err("{\"lockfileVersion\": 3,\n\"packages\": {\"node_modules/a\": {\"version\": 7}}}");
        assert_eq!(e.line, Some(2));
        let e = err("[]");
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut text = String::from("{\"lockfileVersion\": 1, \"dependencies\": ");
        for _ in 0..400 {
            text.push_str("{\"a\": {\"version\": \"1.0.0\", \"dependencies\": ");
        }
        text.push_str("{}");
        for _ in 0..400 {
            text.push_str("}}");
        }
        text.push('}');
        let e = err(&text);
        assert!(e.message.contains("nested more than 128"), "{}", e.message);
        assert_eq!(e.line, Some(1));
        // The deepest nesting allowed still parses, with one entry per level.
        let mut text = String::from("{\"lockfileVersion\": 1, \"dependencies\": ");
        for _ in 0..60 {
            text.push_str("{\"a\": {\"dependencies\": ");
        }
        text.push_str("{}");
        for _ in 0..60 {
            text.push_str("}}");
        }
        text.push('}');
        assert_eq!(ok(&text).entries.len(), 60);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = err(
            "{\"lockfileVersion\": 3, \"packages\": {\n\"node_modules/a\": {\"version\": \"1.0.0\"},\n\"node_modules/a\": {\"version\": \"6.6.6\"}}}",
        );
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("listed twice (also on line 2)"), "{}", e.message);
        let e = err("{\"lockfileVersion\": 1, \"dependencies\": {\"a\": {}, \"a\": {}}}");
        assert!(e.message.contains("\"node_modules/a\" is listed twice"), "{}", e.message);
        let e = err("{\"lockfileVersion\": 3, \"packages\": {}, \"packages\": {}}");
        assert!(e.message.contains("duplicate field `packages`"), "{}", e.message);
    }

    #[test]
    fn control_characters_are_left_for_the_caller() {
        // npm::parse reports what the file says; lockfile::parse refuses it (check_name).
        let text = r#"{"lockfileVersion": 3, "packages": {"node_modules/a\u001b[31mb": {"version": "1.0.0\u0007"}}}"#;
        let l = ok(text);
        assert_eq!(l.entries[0].name, "a\u{1b}[31mb");
        assert_eq!(l.entries[0].version, "1.0.0\u{7}");
        let e = super::super::parse("package-lock.json", text.as_bytes()).unwrap_err();
        assert!(e.message.contains("control character"), "{}", e.message);
    }

    #[test]
    fn v2_reads_packages_and_skips_the_legacy_tree() {
        let l = ok(r#"{"lockfileVersion": 2, "packages": {
  "node_modules/a": {"version": "2.0.0"}
}, "dependencies": {"a": {"version": "1.0.0", "dev": {"weird": [1, 2]}}}}"#);
        assert_eq!(l.format, Format::Npm(2));
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].version, "2.0.0");
        // A v2 file that lost its `packages` falls back to the v1 tree, as npm does.
        let l = ok(r#"{"lockfileVersion": 2, "dependencies": {"a": {"version": "1.0.0"}}}"#);
        assert_eq!((l.format, l.entries[0].key.as_str()), (Format::Npm(2), "node_modules/a"));
    }

    #[test]
    fn missing_root_still_has_a_root_importer() {
        let l = ok(r#"{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}}}"#);
        assert_eq!(l.importers.len(), 1);
        assert_eq!(l.importers[0].path, "");
        assert!(l.importers[0].dependencies.is_empty());
    }

    #[test]
    fn install_names() {
        assert_eq!(install_name("node_modules/a"), Some("a"));
        assert_eq!(install_name("node_modules/@s/a"), Some("@s/a"));
        assert_eq!(install_name("node_modules/a/node_modules/@s/b"), Some("@s/b"));
        assert_eq!(install_name("packages/x/node_modules/b"), Some("b"));
        assert_eq!(install_name("packages/my_node_modules/b"), None);
        assert_eq!(install_name("packages/x"), None);
        assert_eq!(install_name(""), None);
        assert_eq!(install_name("node_modules/a/node_modules/"), Some(""));
    }

    #[test]
    fn globs() {
        let m = |p: &str, s: &str| glob_match(p, s, &mut 10_000);
        assert!(m("packages/*", "packages/a"));
        assert!(m("./packages/*/", "packages/a"));
        assert!(!m("packages/*", "packages/a/b"));
        assert!(m("packages/**", "packages/a/b"));
        assert!(m("**/x", "a/b/x"));
        assert!(m("apps/web-?", "apps/web-1"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("exact/path", "exact/path"));
        assert!(!m("exact/path", "exact/other"));
        // Matching is paid from a budget; once spent, nothing matches any more.
        let mut budget = 30;
        assert!(glob_match("packages/*", "packages/a", &mut budget));
        assert!(budget < 30);
        assert!(!glob_match("packages/*", "packages/a", &mut budget));
        assert_eq!(budget, 0);
        assert!(!glob_match("packages/*", "packages/a", &mut budget));
    }

    #[test]
    fn linear_line_lookup_matches_text() {
        let text = r#"{
  "lockfileVersion": 3,
  "packages": {
    "": {"dependencies": {"node_modules/b": "1"}},
    "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "^1"}},
    "node_modules/b": {"version": "1.0.0"}
  }
}"#;
        let l = ok(text);
        assert_eq!(entry(&l, "node_modules/b").line, line_of_text(text, "\"node_modules/b\": {"));
    }
}

#[cfg(test)]
mod tarball_version_tests {
    use super::*;

    #[test]
    fn v1_url_version_becomes_the_real_version() {
        let v1 = r#"{
  "name": "app", "lockfileVersion": 1, "requires": true,
  "dependencies": {
    "left-pad": { "version": "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz", "integrity": "sha512-x" },
    "other": { "version": "https://example.com/builds/other.tgz" }
  }
}"#;
        let l = parse("package-lock.json", v1).unwrap();
        let lp = l.entries.iter().find(|e| e.name == "left-pad").unwrap();
        assert_eq!(lp.version, "1.3.0");
        assert_eq!(
            lp.resolved.as_deref(),
            Some("https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz")
        );
        let other = l.entries.iter().find(|e| e.name == "other").unwrap();
        assert_eq!(
            (other.version.as_str(), other.source),
            ("https://example.com/builds/other.tgz", Source::Tarball)
        );
    }
}
