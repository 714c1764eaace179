//! bun.lock parsing against lockfiles written by real bun releases (tests/fixtures/generate.sh):
//! bun 1.1.45 (lockfileVersion 0), 1.2.23 and 1.3.14 (1), 1.4.5 (2).

use lockgate::lockfile::{Entry, Format, Lockfile, Source, parse};

const VERSIONS: [(&str, u32); 4] =
    [("bun-1.1.45", 0), ("bun-1.2.23", 1), ("bun-1.3.14", 1), ("bun-1.4.5", 2)];

fn fixture_text(dir: &str, side: &str) -> String {
    let path = format!("{}/tests/fixtures/lockfiles/{dir}/{side}/bun.lock", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(dir: &str, side: &str) -> Lockfile {
    let text = fixture_text(dir, side);
    parse(&format!("{dir}/{side}/bun.lock"), text.as_bytes()).unwrap_or_else(|e| panic!("{dir}/{side}: {e}"))
}

fn entry<'a>(l: &'a Lockfile, key: &str) -> &'a Entry {
    l.entries.iter().find(|e| e.key == key).unwrap_or_else(|| panic!("no entry with key {key:?}"))
}

#[test]
fn every_fixture_parses_with_its_version() {
    for (dir, version) in VERSIONS {
        for side in ["before", "after"] {
            let l = load(dir, side);
            assert_eq!(l.format, Format::Bun(version), "{dir}/{side}");
            assert_eq!(l.path, format!("{dir}/{side}/bun.lock"));
            assert_eq!(l.entries.len(), 20, "{dir}/{side}");
            let paths: Vec<&str> = l.importers.iter().map(|i| i.path.as_str()).collect();
            assert_eq!(paths, ["", "packages/ws-a", "packages/ws-b"], "{dir}/{side}");
        }
    }
}

/// Each entry's line is the line its key is written on, for every entry of every fixture.
#[test]
fn lines_point_at_package_keys() {
    for (dir, _) in VERSIONS {
        let text = fixture_text(dir, "before");
        let lines: Vec<&str> = text.lines().collect();
        let l = load(dir, "before");
        for e in &l.entries {
            let line = lines.get(e.line as usize - 1).copied().unwrap_or("");
            assert!(
                line.starts_with(&format!("    \"{}\": [", e.key)),
                "{dir}: {} claims line {}: {line:?}",
                e.key,
                e.line
            );
        }
    }
    let l = load("bun-1.3.14", "before");
    assert_eq!(entry(&l, "@isaacs/string-locale-compare").line, 41);
    assert_eq!(entry(&l, "core-js").line, 45);
    assert_eq!(entry(&l, "lockgate-fixture-ws-a/debug/ms").line, 79);
    // bun 1.1.45 writes no configVersion line, so everything sits one line higher.
    assert_eq!(entry(&load("bun-1.1.45", "before"), "core-js").line, 44);
}

#[test]
fn registry_scoped_alias_and_nested_copies() {
    let l = load("bun-1.2.23", "before");
    let scoped = entry(&l, "@isaacs/string-locale-compare");
    assert_eq!(scoped.name, "@isaacs/string-locale-compare");
    assert_eq!(scoped.version, "1.1.0");
    assert_eq!(scoped.source, Source::Registry);
    assert_eq!(scoped.alias, None);
    assert_eq!(scoped.resolved, None, "bun writes \"\" for the default registry");
    assert_eq!(
        scoped.integrity.as_deref(),
        Some(
            "sha512-SQ7Kzhh9+D+ZW9MA0zkYv3VXhIDNx+LzM6EJ+/65I3QY+enU6Itte7E5XX7EWrqLW2FN4n06GWzBnPoC3th2aQ=="
        )
    );

    let alias = entry(&l, "alias-number");
    assert_eq!(alias.name, "is-number");
    assert_eq!(alias.alias.as_deref(), Some("alias-number"));
    assert_eq!(alias.version, "7.0.0");
    assert_eq!(entry(&l, "is-number").alias, None);

    // Three copies of debug and two nested copies of ms, told apart by key.
    let debugs: Vec<(&str, &str)> = l
        .entries
        .iter()
        .filter(|e| e.name == "debug")
        .map(|e| (e.key.as_str(), e.version.as_str()))
        .collect();
    assert_eq!(
        debugs,
        [("debug", "4.3.1"), ("follow-redirects/debug", "3.1.0"), ("lockgate-fixture-ws-a/debug", "2.6.8"),]
    );
    let nested_ms = entry(&l, "follow-redirects/debug/ms");
    assert_eq!((nested_ms.name.as_str(), nested_ms.version.as_str()), ("ms", "2.0.0"));
    assert_eq!(nested_ms.alias, None);
    assert_eq!(entry(&l, "ms").version, "2.1.2");

    let fr = entry(&l, "follow-redirects");
    assert_eq!(fr.dependencies.len(), 1);
    assert_eq!((fr.dependencies[0].name.as_str(), fr.dependencies[0].req.as_str()), ("debug", "=3.1.0"));
}

#[test]
fn git_tarball_file_and_workspace_entries() {
    let l = load("bun-1.2.23", "before");
    let git = entry(&l, "tiny-git-dep");
    assert_eq!(git.source, Source::Git);
    assert_eq!(git.version, "");
    assert_eq!(
        git.resolved.as_deref(),
        Some("git+http://127.0.0.1:19419/tiny-git-dep.git#ccbdabb4fccf877a5081cc3fd885d8db102b4cc3")
    );

    // A URL dependency on the public registry's own tarball is that registry release.
    let url = entry(&l, "left-pad");
    assert_eq!((url.source, url.version.as_str()), (Source::Registry, "1.3.0"));
    assert_eq!(url.resolved.as_deref(), Some("https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz"));
    assert_eq!(url.integrity, None, "bun 1.2 writes no integrity for tarballs");
    let newer = load("bun-1.3.14", "before");
    assert!(entry(&newer, "left-pad").integrity.as_deref().is_some_and(|i| i.starts_with("sha512-XI5MPzVN")));

    let file = entry(&l, "file-dep");
    assert_eq!(file.source, Source::File);
    assert_eq!(file.resolved.as_deref(), Some("file:local/file-dep"));
    assert_eq!(file.dependencies[0].name, "is-number");
    assert_eq!(file.dependencies[0].req, "^7.0.0");

    for (dir, _) in VERSIONS {
        let l = load(dir, "before");
        let ws = entry(&l, "lockgate-fixture-ws-a");
        assert_eq!(ws.source, Source::Workspace, "{dir}");
        assert_eq!(ws.version, "1.0.0", "{dir}");
        assert_eq!(ws.resolved.as_deref(), Some("workspace:packages/ws-a"), "{dir}");
        assert!(ws.flags.is_empty(), "{dir}");
        // v0 lists the workspace's dependencies on the entry, v1+ only on the importer.
        let deps: Vec<(&str, &str)> =
            ws.dependencies.iter().map(|d| (d.name.as_str(), d.req.as_str())).collect();
        assert_eq!(deps, [("debug", "2.6.8")], "{dir}");
    }
}

#[test]
fn importers_list_direct_dependencies() {
    let l = load("bun-1.3.14", "before");
    let root = &l.importers[0];
    assert_eq!(root.path, "");
    let names: Vec<&str> = root.dependencies.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "@isaacs/string-locale-compare",
            "alias-number",
            "core-js",
            "debug",
            "file-dep",
            "follow-redirects",
            "left-pad",
            "redux-thunk",
            "tiny-git-dep",
            "picocolors",
            "fsevents",
        ]
    );
    let dep = |name: &str| root.dependencies.iter().find(|d| d.name == name).unwrap();
    assert_eq!(dep("alias-number").req, "npm:is-number@7.0.0");
    assert!(dep("picocolors").dev && !dep("picocolors").optional);
    assert!(dep("fsevents").optional && !dep("fsevents").dev);
    assert!(!dep("debug").dev && !dep("debug").optional && !dep("debug").peer);

    let ws_b = &l.importers[2];
    assert_eq!(ws_b.path, "packages/ws-b");
    assert_eq!(ws_b.dependencies[0].name, "lockgate-fixture-ws-a");
    assert_eq!(ws_b.dependencies[0].req, "workspace:*");
    // bun 1.1 recorded the workspace's path instead of the spec.
    let v0 = load("bun-1.1.45", "before");
    assert_eq!(v0.importers[2].dependencies[0].req, "packages/ws-a");

    // Optional peers of packages are marked.
    let debug = entry(&l, "debug");
    let peer = debug.dependencies.iter().find(|d| d.name == "supports-color").unwrap();
    assert!(peer.peer && peer.optional);
}

#[test]
fn flags_are_derived_from_the_dependency_graph() {
    for (dir, _) in VERSIONS {
        let l = load(dir, "before");
        let flags = |key: &str| {
            let f = entry(&l, key).flags;
            (f.dev, f.optional, f.peer)
        };
        assert_eq!(flags("picocolors"), (true, false, false), "{dir}");
        assert_eq!(flags("fsevents"), (false, true, false), "{dir}");
        // Only redux-thunk's peer dependency brings redux in.
        assert_eq!(flags("redux"), (false, false, true), "{dir}");
        assert_eq!(flags("debug"), (false, false, false), "{dir}");
        assert_eq!(flags("lockgate-fixture-ws-a/debug/ms"), (false, false, false), "{dir}");
        let flagged = l.entries.iter().filter(|e| !e.flags.is_empty()).count();
        assert_eq!(flagged, 3, "{dir}");
    }
}

#[test]
fn install_scripts() {
    // bun 1.4 records hasInstallScript; core-js has a postinstall script.
    let v2 = load("bun-1.4.5", "before");
    let scripted: Vec<&str> =
        v2.entries.iter().filter(|e| e.install_script).map(|e| e.key.as_str()).collect();
    assert_eq!(scripted, ["core-js"]);
    // Older lockfiles only say so through trustedDependencies, which this project has none of.
    let v1 = load("bun-1.3.14", "before");
    assert!(v1.entries.iter().all(|e| !e.install_script));

    // What `bun add --trust core-js` adds to the same lockfile: a top-level list.
    let text = fixture_text("bun-1.3.14", "before");
    let trusted = text.replacen(
        "  \"packages\": {",
        "  \"trustedDependencies\": [\n    \"core-js\",\n  ],\n  \"packages\": {",
        1,
    );
    let l = parse("bun.lock", trusted.as_bytes()).unwrap();
    let core = entry(&l, "core-js");
    assert!(core.install_script);
    assert_eq!(core.line, 48, "three lines were inserted above it");
    assert_eq!(l.entries.iter().filter(|e| e.install_script).count(), 1);
}

#[test]
fn after_bumps_debug_and_ms() {
    for (dir, _) in VERSIONS {
        let before = load(dir, "before");
        let after = load(dir, "after");
        let ver = |l: &Lockfile, key: &str| entry(l, key).version.clone();
        assert_eq!(ver(&before, "debug"), "4.3.1", "{dir}");
        assert_eq!(ver(&after, "debug"), "4.4.0", "{dir}");
        assert_eq!(ver(&before, "ms"), "2.1.2", "{dir}");
        assert_eq!(ver(&after, "ms"), "2.1.3", "{dir}");
        assert_eq!(ver(&after, "lockgate-fixture-ws-a/debug"), "2.6.9", "{dir}");
        assert_eq!(ver(&after, "follow-redirects/debug"), "3.1.0", "{dir}");
        assert_eq!(entry(&after, "debug").dependencies[0].req, "^2.1.3", "{dir}");
    }
}

#[test]
fn broken_real_files_are_errors_with_lines() {
    let text = fixture_text("bun-1.3.14", "before");
    let cut = &text[..text.find("\"follow-redirects\": [").unwrap() + 5];
    let err = parse("bun.lock", cut.as_bytes()).unwrap_err();
    assert_eq!(err.line, Some(51));
    assert!(err.to_string().starts_with("bun.lock:51: "), "{err}");

    let future = text.replacen("\"lockfileVersion\": 1", "\"lockfileVersion\": 3", 1);
    let err = parse("bun.lock", future.as_bytes()).unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(err.message.contains("lockfileVersion 3"), "{err}");

    let not_array: Vec<String> = text
        .lines()
        .map(|line| match line.starts_with("    \"core-js\":") {
            true => "    \"core-js\": { \"version\": \"3.37.1\" },".to_owned(),
            false => line.to_owned(),
        })
        .collect();
    let not_array = not_array.join("\n");
    let err = parse("bun.lock", not_array.as_bytes()).unwrap_err();
    assert_eq!(err.line, Some(45));
    assert!(err.message.contains("\"core-js\""), "{err}");
}

#[test]
fn binary_lockfile_is_refused_with_advice() {
    // bun.lockb starts with this header, followed by binary tables.
    let mut bytes = b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n".to_vec();
    bytes.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x10]);
    let err = parse("bun.lockb", &bytes).unwrap_err();
    assert_eq!(err.path, "bun.lockb");
    assert!(err.message.contains("bun.lock"), "{err}");
    assert!(err.message.contains("--save-text-lockfile"), "{err}");
}
