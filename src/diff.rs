//! What a change to the lockfiles did, package by package.
//!
//! Entries are grouped by real package name. Versions present on both sides are unchanged;
//! the versions that disappeared and appeared are then paired up, closest version first, so
//! that bumping one of several side-by-side copies is one update and not a removal plus an
//! unrelated addition. What cannot be paired is a plain addition or removal.

use crate::lockfile::{Entry, Lockfile, Source};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Updated,
    Removed,
    Unchanged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Updated => "updated",
            ChangeKind::Removed => "removed",
            ChangeKind::Unchanged => "unchanged",
        }
    }
}

/// One package-level change in one lockfile. `from` is the base entry (absent for additions),
/// `to` the head entry (absent for removals). For several installed copies of one version, the
/// entry is the first in lockfile order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The head lockfile's path, or the base's for a lockfile removed by the change.
    pub lockfile: String,
    pub name: String,
    pub kind: ChangeKind,
    pub from: Option<Entry>,
    pub to: Option<Entry>,
}

impl Change {
    /// The entry that describes the package as it will be after the change (head when there is
    /// one): the one the registry is asked about and annotations point at.
    pub fn current(&self) -> &Entry {
        match (&self.to, &self.from) {
            (Some(to), _) => to,
            (None, Some(from)) => from,
            (None, None) => unreachable!("a Change always has at least one side"),
        }
    }
}

/// The repository's own packages (workspaces, `link:` and `file:` folders) are not supply
/// chain: their code is part of the pull request itself, and no registry knows them.
fn is_dependency(entry: &Entry) -> bool {
    !matches!(entry.source, Source::Workspace | Source::Link | Source::File)
}

/// Diff two versions of one lockfile (either may be absent: a lockfile added or removed by the
/// change). The formats may differ (yarn v1 -> berry): comparison is by package and version.
pub fn diff(base: Option<&Lockfile>, head: Option<&Lockfile>) -> Vec<Change> {
    let lockfile = head.or(base).map(|l| l.path.clone()).unwrap_or_default();
    let same_format = match (base, head) {
        (Some(b), Some(h)) => b.format == h.format,
        _ => false,
    };
    let mut by_name: BTreeMap<&str, (Vec<&Entry>, Vec<&Entry>)> = BTreeMap::new();
    for e in base.iter().flat_map(|l| &l.entries).filter(|e| is_dependency(e)) {
        by_name.entry(&e.name).or_default().0.push(e);
    }
    for e in head.iter().flat_map(|l| &l.entries).filter(|e| is_dependency(e)) {
        by_name.entry(&e.name).or_default().1.push(e);
    }

    let mut changes = Vec::new();
    for (name, (old, new)) in by_name {
        let old = distinct_versions(&old);
        let new = distinct_versions(&new);
        let mut removed: Vec<&Entry> = Vec::new();
        for o in &old {
            match new.iter().find(|n| n.version == o.version) {
                Some(n) if same_version_differs(o, n, same_format) => {
                    changes.push(change(&lockfile, name, ChangeKind::Updated, Some(o), Some(n)))
                }
                Some(_) => {}
                None => removed.push(o),
            }
        }
        let mut added: Vec<&Entry> =
            new.iter().filter(|n| !old.iter().any(|o| o.version == n.version)).copied().collect();

        // Pair the closest versions first; with a handful of copies per name this is cheap.
        while !removed.is_empty() && !added.is_empty() {
            let mut best = (0, 0, distance(&removed[0].version, &added[0].version));
            for (i, r) in removed.iter().enumerate() {
                for (j, a) in added.iter().enumerate() {
                    let d = distance(&r.version, &a.version);
                    if d < best.2 {
                        best = (i, j, d);
                    }
                }
            }
            let r = removed.remove(best.0);
            let a = added.remove(best.1);
            changes.push(change(&lockfile, name, ChangeKind::Updated, Some(r), Some(a)));
        }
        for r in removed {
            changes.push(change(&lockfile, name, ChangeKind::Removed, Some(r), None));
        }
        for a in added {
            changes.push(change(&lockfile, name, ChangeKind::Added, None, Some(a)));
        }
    }
    changes.sort_by(|a, b| (&a.name, version_of(a)).cmp(&(&b.name, version_of(b))));
    changes
}

/// Every package of one lockfile as an unchanged entry (the `scan` command).
pub fn scan(lockfile: &Lockfile) -> Vec<Change> {
    let mut by_name: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in lockfile.entries.iter().filter(|e| is_dependency(e)) {
        by_name.entry(&e.name).or_default().push(e);
    }
    let mut changes = Vec::new();
    for (name, entries) in by_name {
        for e in distinct_versions(&entries) {
            changes.push(change(&lockfile.path, name, ChangeKind::Unchanged, Some(e), Some(e)));
        }
    }
    changes
}

fn version_of(c: &Change) -> &str {
    &c.current().version
}

fn change(lockfile: &str, name: &str, kind: ChangeKind, from: Option<&Entry>, to: Option<&Entry>) -> Change {
    Change {
        lockfile: lockfile.to_owned(),
        name: name.to_owned(),
        kind,
        from: from.cloned(),
        to: to.cloned(),
    }
}

/// One entry per version: the first in lockfile order stands for its nested copies.
fn distinct_versions<'a>(entries: &[&'a Entry]) -> Vec<&'a Entry> {
    let mut out: Vec<&Entry> = Vec::with_capacity(entries.len());
    for e in entries {
        if !out.iter().any(|o| o.version == e.version) {
            out.push(e);
        }
    }
    out
}

/// The same version can still be a different package: another source (registry -> git), or a
/// changed tarball/integrity, which is exactly what a lockfile injection looks like. Integrity
/// strings are only comparable within one format (yarn berry checksums are not npm SRI).
fn same_version_differs(old: &Entry, new: &Entry, same_format: bool) -> bool {
    if !same_format {
        // Formats draw the registry/tarball line differently for the same URL (pnpm records a
        // registry-shaped URL dependency as a tarball, npm as a registry package), so across a
        // migration only a move to or from git counts.
        return (old.source == Source::Git) != (new.source == Source::Git);
    }
    if old.source != new.source {
        return true;
    }
    let differs = |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
    differs(&old.integrity, &new.integrity) || differs(&old.resolved, &new.resolved)
}

/// How far apart two versions are, for pairing removed with added copies: same major first,
/// then the smallest numeric distance. Non-semver versions sort after every semver pairing.
fn distance(a: &str, b: &str) -> (u64, u64, u64, u64) {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(a), Ok(b)) => {
            (0, a.major.abs_diff(b.major), a.minor.abs_diff(b.minor), a.patch.abs_diff(b.patch))
        }
        _ => (1, 0, 0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::{Flags, Format};

    fn entry(name: &str, version: &str, key: &str) -> Entry {
        Entry {
            name: name.into(),
            alias: None,
            version: version.into(),
            source: Source::Registry,
            resolved: None,
            integrity: Some(format!("sha512-{name}{version}")),
            flags: Flags::default(),
            install_script: false,
            dependencies: vec![],
            key: key.into(),
            line: 1,
        }
    }

    fn lock(entries: Vec<Entry>) -> Lockfile {
        Lockfile { path: "package-lock.json".into(), format: Format::Npm(3), entries, importers: vec![] }
    }

    fn summary(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}->{}",
                    c.kind.as_str(),
                    c.name,
                    c.from.as_ref().map_or("-", |e| &e.version),
                    c.to.as_ref().map_or("-", |e| &e.version)
                )
            })
            .collect()
    }

    #[test]
    fn bumping_one_nested_copy_is_one_update() {
        let base = lock(vec![
            entry("debug", "4.3.4", "node_modules/debug"),
            entry("debug", "2.6.9", "node_modules/send/node_modules/debug"),
            entry("debug", "2.6.9", "node_modules/express/node_modules/debug"),
        ]);
        let head = lock(vec![
            entry("debug", "4.3.4", "node_modules/debug"),
            entry("debug", "2.6.10", "node_modules/send/node_modules/debug"),
            entry("debug", "2.6.10", "node_modules/express/node_modules/debug"),
        ]);
        assert_eq!(summary(&diff(Some(&base), Some(&head))), ["updated debug 2.6.9->2.6.10"]);
    }

    #[test]
    fn closest_versions_pair_up() {
        let base = lock(vec![entry("a", "1.0.0", "x"), entry("a", "3.0.0", "y")]);
        let head = lock(vec![entry("a", "3.1.0", "y"), entry("a", "1.0.1", "x"), entry("a", "5.0.0", "z")]);
        assert_eq!(
            summary(&diff(Some(&base), Some(&head))),
            ["updated a 1.0.0->1.0.1", "updated a 3.0.0->3.1.0", "added a -->5.0.0"]
        );
    }

    #[test]
    fn lockfile_only_on_one_side() {
        let l = lock(vec![entry("a", "1.0.0", "x"), entry("b", "2.0.0", "y")]);
        assert_eq!(summary(&diff(None, Some(&l))), ["added a -->1.0.0", "added b -->2.0.0"]);
        assert_eq!(summary(&diff(Some(&l), None)), ["removed a 1.0.0->-", "removed b 2.0.0->-"]);
    }

    #[test]
    fn same_version_with_other_integrity_is_an_update() {
        let base = lock(vec![entry("a", "1.0.0", "x")]);
        let mut tampered = entry("a", "1.0.0", "x");
        tampered.integrity = Some("sha512-other".into());
        let head = lock(vec![tampered.clone()]);
        assert_eq!(summary(&diff(Some(&base), Some(&head))), ["updated a 1.0.0->1.0.0"]);
        // Across formats integrity strings are not comparable, so only the version counts.
        let mut other_format = lock(vec![tampered]);
        other_format.format = Format::YarnClassic;
        assert!(diff(Some(&base), Some(&other_format)).is_empty());
    }

    #[test]
    fn workspace_packages_are_not_dependencies() {
        let mut ws = entry("my-app", "1.0.0", "packages/app");
        ws.source = Source::Workspace;
        let base = lock(vec![ws.clone()]);
        ws.version = "1.1.0".into();
        let head = lock(vec![ws]);
        assert!(diff(Some(&base), Some(&head)).is_empty());
    }

    #[test]
    fn scan_lists_each_version_once() {
        let l = lock(vec![entry("a", "1.0.0", "x"), entry("a", "1.0.0", "y"), entry("a", "2.0.0", "z")]);
        assert_eq!(summary(&scan(&l)), ["unchanged a 1.0.0->1.0.0", "unchanged a 2.0.0->2.0.0"]);
    }
}
