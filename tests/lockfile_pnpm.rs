//! pnpm-lock.yaml files written by real pnpm 7 (lockfileVersion 5.4), 8 ('6.0') and 9-12
//! ('9.0') for the sample project in tests/fixtures/lockfiles (see its README).

use lockgate::lockfile::{self, Dependency, Entry, Format, Lockfile, Source};
use std::path::PathBuf;

/// Every pnpm fixture directory and the lockfile major version it was written with.
const PNPM: [(&str, u32); 6] = [
    ("pnpm-7.33.7", 5),
    ("pnpm-8.15.9", 6),
    ("pnpm-9.15.9", 9),
    ("pnpm-10.34.9", 9),
    ("pnpm-11.28.11", 9),
    ("pnpm-12.21.0", 9),
];

const GIT_COMMIT: &str = "ccbdabb4fccf877a5081cc3fd885d8db102b4cc3";

struct Fixture {
    name: String,
    major: u32,
    text: String,
    lock: Lockfile,
}

fn fixture(dir: &str, major: u32, side: &str) -> Fixture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lockfiles")
        .join(dir)
        .join(side)
        .join("pnpm-lock.yaml");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lock = lockfile::parse("pnpm-lock.yaml", &bytes).unwrap_or_else(|e| panic!("{dir}/{side}: {e}"));
    let text = String::from_utf8(bytes).expect("UTF-8");
    Fixture { name: format!("{dir}/{side}"), major, text, lock }
}

fn all(side: &str) -> Vec<Fixture> {
    PNPM.iter().map(|(dir, major)| fixture(dir, *major, side)).collect()
}

impl Fixture {
    fn one(&self, name: &str, version: &str) -> &Entry {
        let found: Vec<&Entry> =
            self.lock.entries.iter().filter(|e| e.name == name && e.version == version).collect();
        match found.as_slice() {
            [e] => e,
            other => panic!("{}: {} entries for {name}@{version}", self.name, other.len()),
        }
    }

    fn named(&self, name: &str) -> &Entry {
        let found: Vec<&Entry> = self.lock.entries.iter().filter(|e| e.name == name).collect();
        match found.as_slice() {
            [e] => e,
            other => panic!("{}: {} entries named {name}", self.name, other.len()),
        }
    }

    fn versions(&self, name: &str) -> Vec<&str> {
        let mut v: Vec<&str> =
            self.lock.entries.iter().filter(|e| e.name == name).map(|e| e.version.as_str()).collect();
        v.sort_unstable();
        v
    }

    fn line(&self, line: u32) -> &str {
        self.text.lines().nth(line as usize - 1).unwrap_or_else(|| panic!("{}: no line {line}", self.name))
    }

    /// The 1-based line on which `text` is written, for checking entries against the file.
    fn line_of(&self, text: &str) -> u32 {
        let found: Vec<usize> =
            self.text.lines().enumerate().filter(|(_, l)| *l == text).map(|(i, _)| i + 1).collect();
        match found.as_slice() {
            [l] => *l as u32,
            other => panic!("{}: {text:?} on lines {other:?}", self.name),
        }
    }

    fn importer_dep(&self, path: &str, name: &str) -> &Dependency {
        let importer = self.lock.importers.iter().find(|i| i.path == path).expect("importer");
        importer.dependencies.iter().find(|d| d.name == name).expect("dependency")
    }
}

#[test]
fn formats() {
    for f in all("before").into_iter().chain(all("after")) {
        assert_eq!(f.lock.format, Format::Pnpm(f.major), "{}", f.name);
        assert_eq!(f.lock.path, "pnpm-lock.yaml");
    }
}

#[test]
fn every_entry_points_at_its_key() {
    for f in all("before").into_iter().chain(all("after")) {
        for e in &f.lock.entries {
            // 9.x entries point at the `packages:` key, which lacks the snapshot's peers.
            let expected = match e.key.strip_prefix("link:") {
                Some(path) => path,
                None if f.major == 9 => e.key.split('(').next().unwrap_or(&e.key),
                None => e.key.as_str(),
            };
            let written = f.line(e.line).trim().trim_end_matches(':').trim_matches('\'');
            assert_eq!(written, expected, "{}: {} at line {}", f.name, e.key, e.line);
        }
    }
}

#[test]
fn exact_lines() {
    let v5 = fixture("pnpm-7.33.7", 5, "before");
    assert_eq!(v5.one("core-js", "3.37.1").line, 51);
    assert_eq!(v5.one("redux-thunk", "3.1.0").line, 124);
    assert_eq!(v5.one("tiny-git-dep", "1.0.0").line, 130);
    assert_eq!(v5.named("lockgate-fixture-ws-a").line, 33);

    let v6 = fixture("pnpm-8.15.9", 6, "before");
    assert_eq!(v6.one("core-js", "3.37.1").line, 65);
    assert_eq!(v6.one("redux-thunk", "3.1.0").line, 138);

    for (dir, _) in &PNPM[2..] {
        let v9 = fixture(dir, 9, "before");
        assert_eq!(v9.one("core-js", "3.37.1").line, 64, "{dir}");
        let thunk = v9.one("redux-thunk", "3.1.0");
        // The snapshot (line 174) carries the peers; the entry points at `packages:`.
        assert_eq!((thunk.line, thunk.key.as_str()), (121, "redux-thunk@3.1.0(redux@5.0.1)"), "{dir}");
        assert_eq!(v9.named("lockgate-fixture-ws-a").line, 47, "{dir}");
    }
}

#[test]
fn registry_packages() {
    for f in all("before") {
        let scoped = f.one("@isaacs/string-locale-compare", "1.1.0");
        assert_eq!(scoped.source, Source::Registry, "{}", f.name);
        assert_eq!(scoped.resolved, None);
        assert!(
            scoped.integrity.as_deref().is_some_and(|i| i.starts_with("sha512-SQ7Kzhh9+D+ZW9MA0zkYv3VX")),
            "{}",
            f.name
        );
        assert_eq!(scoped.alias, None);
        let expected_key = match f.major {
            5 => "/@isaacs/string-locale-compare/1.1.0",
            6 => "/@isaacs/string-locale-compare@1.1.0",
            _ => "@isaacs/string-locale-compare@1.1.0",
        };
        assert_eq!(scoped.key, expected_key);

        // Nested duplicates are separate entries.
        assert_eq!(f.versions("debug"), ["2.6.8", "3.1.0", "4.3.1"], "{}", f.name);
        assert_eq!(f.versions("ms"), ["2.0.0", "2.1.2"], "{}", f.name);
        let follow = f.one("follow-redirects", "1.5.10");
        assert_eq!(
            follow.dependencies.iter().map(|d| (d.name.as_str(), d.req.as_str())).collect::<Vec<_>>(),
            [("debug", "3.1.0")]
        );

        // is-number 7.0.0 is both the alias-number alias and file-dep's is-number: one copy,
        // installed under its own name as well, so no alias on the entry.
        assert_eq!(f.one("is-number", "7.0.0").alias, None, "{}", f.name);
    }
}

#[test]
fn flags_and_install_scripts() {
    for f in all("before") {
        // requiresBuild: written by pnpm 7 and 8, dropped from lockfileVersion 9.
        let builds = f.major < 9;
        assert_eq!(f.one("core-js", "3.37.1").install_script, builds, "{}", f.name);
        let fsevents = f.one("fsevents", "2.3.3");
        assert_eq!(fsevents.install_script, builds, "{}", f.name);
        assert!(fsevents.flags.optional && !fsevents.flags.dev, "{}", f.name);

        // dev: pnpm's own flag in 5.x/6.x, computed from the importers in 9.x.
        assert!(f.one("picocolors", "1.0.0").flags.dev, "{}", f.name);
        for (name, version) in
            [("debug", "4.3.1"), ("debug", "2.6.8"), ("ms", "2.0.0"), ("core-js", "3.37.1")]
        {
            let e = f.one(name, version);
            assert!(!e.flags.dev && !e.flags.optional, "{}: {name}@{version}", f.name);
        }

        let debug = f.one("debug", "4.3.1");
        let supports = debug.dependencies.iter().find(|d| d.name == "supports-color").expect("peer");
        assert!(supports.peer && supports.optional && supports.req == "*", "{}", f.name);
    }
}

#[test]
fn peer_dependencies() {
    for f in all("before") {
        let thunk = f.one("redux-thunk", "3.1.0");
        let redux = thunk.dependencies.iter().find(|d| d.name == "redux").expect("redux edge");
        assert!(redux.peer, "{}", f.name);
        if f.major == 5 {
            // pnpm 7 did not install missing peers: only the declared range is known.
            assert_eq!(redux.req, "^5.0.0");
            assert!(f.versions("redux").is_empty());
        } else {
            assert_eq!(redux.req, "5.0.1", "{}", f.name);
            assert!(thunk.key.ends_with("3.1.0(redux@5.0.1)"), "{}", thunk.key);
            assert_eq!(f.one("redux", "5.0.1").source, Source::Registry);
        }
    }
}

#[test]
fn other_sources() {
    for f in all("before") {
        let left_pad = f.one("left-pad", "1.3.0");
        assert_eq!(left_pad.source, Source::Tarball, "{}", f.name);
        assert_eq!(
            left_pad.resolved.as_deref(),
            Some("https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz")
        );

        let git = f.one("tiny-git-dep", "1.0.0");
        assert_eq!(git.source, Source::Git, "{}", f.name);
        let repo = if f.major < 9 {
            "http://127.0.0.1:19419/tiny-git-dep.git"
        } else {
            "file:///tmp/lockgate-fixture-git/tiny-git-dep"
        };
        assert_eq!(git.resolved.as_deref(), Some(format!("{repo}#{GIT_COMMIT}").as_str()), "{}", f.name);

        let file = f.named("file-dep");
        assert_eq!(file.source, Source::File, "{}", f.name);
        assert_eq!(file.resolved.as_deref(), Some("file:local/file-dep"));
        // pnpm 7 records the directory's version; 8 and later do not.
        assert_eq!(file.version, if f.major == 5 { "1.0.0" } else { "" }, "{}", f.name);
        assert_eq!(file.dependencies.len(), 1);
        assert_eq!(
            (file.dependencies[0].name.as_str(), file.dependencies[0].req.as_str()),
            ("is-number", "7.0.0")
        );

        let ws = f.named("lockgate-fixture-ws-a");
        assert_eq!(ws.source, Source::Workspace, "{}", f.name);
        assert_eq!(ws.key, "link:packages/ws-a");
        assert_eq!(ws.resolved.as_deref(), Some("link:packages/ws-a"));
        assert_eq!(ws.line, f.line_of("  packages/ws-a:"));
        assert!(!ws.flags.dev);
    }
}

#[test]
fn importers() {
    for f in all("before") {
        let paths: Vec<&str> = f.lock.importers.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, [".", "packages/ws-a", "packages/ws-b"], "{}", f.name);
        let root = &f.lock.importers[0];
        assert_eq!(root.dependencies.len(), 11, "{}", f.name);

        assert_eq!(f.importer_dep(".", "alias-number").req, "npm:is-number@7.0.0");
        assert_eq!(f.importer_dep(".", "@isaacs/string-locale-compare").req, "1.1.0");
        assert_eq!(f.importer_dep(".", "file-dep").req, "file:./local/file-dep");
        let git = &f.importer_dep(".", "tiny-git-dep").req;
        assert!(git.starts_with("git+") && git.ends_with("#v1.0.0"), "{}: {git}", f.name);
        let picocolors = f.importer_dep(".", "picocolors");
        assert!(picocolors.dev && !picocolors.optional);
        let fsevents = f.importer_dep(".", "fsevents");
        assert!(fsevents.optional && !fsevents.dev);
        assert_eq!(f.importer_dep("packages/ws-a", "debug").req, "2.6.8");
        assert_eq!(f.importer_dep("packages/ws-b", "lockgate-fixture-ws-a").req, "workspace:*");
    }
}

#[test]
fn after_bumps_both_debug_copies() {
    for (before, after) in all("before").iter().zip(all("after")) {
        assert_eq!(after.versions("debug"), ["2.6.9", "3.1.0", "4.4.0"], "{}", after.name);
        assert_eq!(after.versions("ms"), ["2.0.0", "2.1.3"], "{}", after.name);
        assert_eq!(after.importer_dep(".", "debug").req, "4.4.0");
        assert_eq!(after.importer_dep("packages/ws-a", "debug").req, "2.6.9");
        assert_eq!(after.one("debug", "4.4.0").dependencies[0].req, "2.1.3");
        // Everything else is unchanged.
        let rest = |f: &Fixture| -> Vec<(String, String, Source)> {
            let mut v: Vec<_> = f
                .lock
                .entries
                .iter()
                .filter(|e| e.name != "debug" && e.name != "ms")
                .map(|e| (e.name.clone(), e.version.clone(), e.source))
                .collect();
            v.sort();
            v
        };
        assert_eq!(rest(before), rest(&after), "{}", after.name);
    }
}
