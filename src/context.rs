//! What a reviewer needs to see beside the findings: who published the locked and the previous
//! version, with what provenance, when, which install-time commands and which dependencies each
//! declares, and why the package is in the lockfile at all.
//!
//! Findings only say what is wrong; a reviewer deciding whether to merge also wants the facts
//! that look fine ("same publisher as before, provenance kept"). These are gathered here from
//! the same [`Facts`] the signals see, as plain data, so the reports never touch the registry.
//! Anything the registry did not say stays `None` and renders as "unknown", never as "no".

use crate::lockfile::{Dependency, Lockfile};
use crate::signals::install_script::install_commands;
use crate::signals::provenance_regression::{Trust, records_publish_metadata};
use crate::signals::{Facts, age_hours, published_at};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The registry's account of the locked version and of the version it is compared with.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Context {
    /// The version compared with: the base lockfile's for an update, else the registry's
    /// previous release (see `signals` module docs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    pub new: Release,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Release>,
}

/// One published version as the registry describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Release {
    /// `name <email>` of the publishing account; `None` when the registry does not record it.
    pub publisher: Option<String>,
    /// Provenance / trusted publishing; `None` when the registry records no publish metadata.
    pub trust: Option<Trust>,
    /// RFC 3339 publish time, and the age in hours at the run's clock.
    pub published: Option<String>,
    pub age_hours: Option<i64>,
    /// The commands npm runs at install (`preinstall`, `install`, `postinstall`).
    pub install_scripts: BTreeMap<String, String>,
    /// Runtime and optional dependencies as declared (name -> range).
    pub dependencies: BTreeMap<String, String>,
}

impl Context {
    /// `None` when the registry has no document for the locked version (offline, not a
    /// registry package, unpublished).
    pub fn gather(facts: &Facts) -> Option<Context> {
        let published = facts.published().ok()?;
        let packument = published.packument;
        let keeps_metadata = records_publish_metadata(packument);
        let release = |version: &str| -> Option<Release> {
            let m = packument.versions.get(version)?;
            let publisher = m.npm_user.as_ref().and_then(|u| {
                let name = u.name.as_deref()?;
                Some(match u.email.as_deref() {
                    Some(email) if !email.is_empty() => format!("{name} <{email}>"),
                    _ => name.to_owned(),
                })
            });
            let at = published_at(packument, version);
            let mut dependencies = m.dependencies.clone();
            dependencies.extend(m.optional_dependencies.iter().map(|(k, v)| (k.clone(), v.clone())));
            Some(Release {
                publisher,
                trust: keeps_metadata.then(|| Trust::of(m)),
                published: at.map(|t| t.to_string()),
                age_hours: at.map(|t| age_hours(facts.now, t)),
                install_scripts: install_commands(m).into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                dependencies,
            })
        };
        let previous = facts.previous_version(packument).map(str::to_owned);
        Some(Context {
            new: release(published.version)?,
            old: previous.as_deref().and_then(release),
            previous,
        })
    }
}

/// Answers "why is this package here?" for one lockfile: the shortest chain of dependents from
/// a package some `package.json` of the project asks for.
///
/// The graph is by package name, not by installed copy: two copies of one name share their
/// dependents. That can pick a chain through the other copy, but the chain always exists, and
/// it keeps the index small and the answer short.
pub struct WhyIndex {
    /// name -> names of the packages that depend on it.
    dependents: HashMap<String, Vec<String>>,
    /// name -> the importer (project folder) that asks for it directly.
    direct: HashMap<String, String>,
}

/// Longest chain reported: deeper ones are cut with an ellipsis, they explain nothing more.
const MAX_CHAIN: usize = 8;

impl WhyIndex {
    pub fn new(lock: &Lockfile) -> WhyIndex {
        let mut dependents: HashMap<String, Vec<String>> = HashMap::new();
        for entry in &lock.entries {
            for dep in &entry.dependencies {
                let parents = dependents.entry(dep_name(dep).to_owned()).or_default();
                if !parents.contains(&entry.name) {
                    parents.push(entry.name.clone());
                }
            }
        }
        for parents in dependents.values_mut() {
            parents.sort();
        }
        let mut direct = HashMap::new();
        // Sorted so that the root project wins over workspaces and the result is deterministic.
        let mut importers: Vec<_> = lock.importers.iter().collect();
        importers.sort_by(|a, b| (a.path.len(), &a.path).cmp(&(b.path.len(), &b.path)));
        for importer in importers {
            for dep in &importer.dependencies {
                direct.entry(dep_name(dep).to_owned()).or_insert_with(|| importer.path.clone());
            }
        }
        WhyIndex { dependents, direct }
    }

    /// `["plain-crypto-js", "axios", "package.json"]`: the package, its dependents up to a
    /// direct dependency, and the manifest that asks for that one. Empty when the lockfile
    /// records no path (formats without importers, or an orphaned entry).
    pub fn chain(&self, name: &str) -> Vec<String> {
        let mut came_from: HashMap<&str, &str> = HashMap::new();
        let mut queue = VecDeque::from([name]);
        came_from.insert(name, "");
        while let Some(current) = queue.pop_front() {
            if let Some(importer) = self.direct.get(current) {
                let mut chain = vec![current.to_owned()];
                let mut at = current;
                while let Some(&next) = came_from.get(at).filter(|n| !n.is_empty()) {
                    chain.push(next.to_owned());
                    at = next;
                }
                chain.reverse();
                if chain.len() > MAX_CHAIN {
                    chain.truncate(MAX_CHAIN - 1);
                    chain.push("…".to_owned());
                }
                chain.push(manifest_path(importer));
                return chain;
            }
            for parent in self.dependents.get(current).into_iter().flatten() {
                if !came_from.contains_key(parent.as_str()) {
                    came_from.insert(parent, current);
                    queue.push_back(parent);
                }
            }
        }
        Vec::new()
    }
}

/// The installed name of a dependency: `"alias": "npm:real@1"` installs as `alias`, but the
/// lockfile's entry carries the real name, which is what the index is keyed by.
fn dep_name(dep: &Dependency) -> &str {
    match dep.req.strip_prefix("npm:") {
        Some(rest) => {
            let at = rest.get(1..).and_then(|r| r.find('@')).map_or(rest.len(), |i| i + 1);
            &rest[..at]
        }
        None => &dep.name,
    }
}

fn manifest_path(importer: &str) -> String {
    let dir = importer.trim_matches('/');
    if dir.is_empty() || dir == "." { "package.json".to_owned() } else { format!("{dir}/package.json") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::{Entry, Importer};

    fn dep(name: &str) -> Dependency {
        Dependency { name: name.into(), req: "^1".into(), optional: false, peer: false, dev: false }
    }

    fn entry(name: &str, deps: &[&str]) -> Entry {
        Entry {
            name: name.into(),
            alias: None,
            version: "1.0.0".into(),
            source: crate::lockfile::Source::Registry,
            resolved: None,
            integrity: None,
            flags: crate::lockfile::Flags::default(),
            install_script: false,
            dependencies: deps.iter().map(|d| dep(d)).collect(),
            key: format!("node_modules/{name}"),
            line: 1,
        }
    }

    fn lock(entries: Vec<Entry>, importers: Vec<(&str, &[&str])>) -> Lockfile {
        Lockfile {
            path: "package-lock.json".into(),
            format: crate::lockfile::Format::Npm(3),
            entries,
            importers: importers
                .into_iter()
                .map(|(path, deps)| Importer {
                    path: path.into(),
                    dependencies: deps.iter().map(|d| dep(d)).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn shortest_chain_to_a_manifest() {
        let l = lock(
            vec![
                entry("axios", &["follow-redirects", "plain-crypto-js"]),
                entry("plain-crypto-js", &[]),
                entry("deep", &["mid"]),
                entry("mid", &["plain-crypto-js"]),
                entry("follow-redirects", &[]),
            ],
            vec![("", &["axios", "deep"]), ("packages/web", &["plain-crypto-js"])],
        );
        let why = WhyIndex::new(&l);
        // Direct in a workspace beats two hops from the root.
        assert_eq!(why.chain("plain-crypto-js"), ["plain-crypto-js", "packages/web/package.json"]);
        assert_eq!(why.chain("follow-redirects"), ["follow-redirects", "axios", "package.json"]);
        assert_eq!(why.chain("axios"), ["axios", "package.json"]);
        assert!(why.chain("orphan").is_empty());
    }

    #[test]
    fn cycles_and_long_chains_end() {
        let mut entries = vec![entry("a", &["b"]), entry("b", &["a", "c0"])];
        for i in 0..20 {
            entries.push(entry(&format!("c{i}"), &[&format!("c{}", i + 1)]));
        }
        let l = lock(entries, vec![("", &["a"])]);
        let why = WhyIndex::new(&l);
        let chain = why.chain("c20");
        assert_eq!(chain.len(), MAX_CHAIN + 1);
        assert_eq!(chain[0], "c20");
        assert_eq!(chain[MAX_CHAIN - 1], "…");
        assert_eq!(chain[MAX_CHAIN], "package.json");
        let l = lock(vec![entry("a", &["b"]), entry("b", &["a"])], vec![]);
        assert!(WhyIndex::new(&l).chain("a").is_empty());
    }

    #[test]
    fn aliases_resolve_to_the_real_name() {
        let mut e = entry("app-lib", &[]);
        e.dependencies.push(Dependency { req: "npm:@scope/string@^2".into(), ..dep("str") });
        let l = lock(vec![e, entry("@scope/string", &[])], vec![("", &["app-lib"])]);
        assert_eq!(WhyIndex::new(&l).chain("@scope/string"), ["@scope/string", "app-lib", "package.json"]);
    }
}
