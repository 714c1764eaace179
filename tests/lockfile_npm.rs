//! The npm parser on lockfiles written by real npm 6 (v1), 8 (v2) and 11 (v3, also as
//! npm-shrinkwrap.json) for the sample project of tests/fixtures/generate.sh.

use lockgate::lockfile::{Entry, Format, Lockfile, Source, parse};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lockfiles");

fn load(rel: &str) -> (String, Lockfile) {
    let full = format!("{DIR}/{rel}");
    let bytes = std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    let lockfile = parse(rel, &bytes).unwrap_or_else(|e| panic!("{e}"));
    (String::from_utf8(bytes).expect("fixture is UTF-8"), lockfile)
}

fn entry<'a>(l: &'a Lockfile, key: &str) -> &'a Entry {
    l.entries.iter().find(|e| e.key == key).unwrap_or_else(|| panic!("{}: no entry {key}", l.path))
}

fn text_line(text: &str, line: u32) -> &str {
    text.lines().nth(line as usize - 1).unwrap_or_else(|| panic!("no line {line}"))
}

/// Every entry's line is the line of its own key: the install path for v2/v3, the last
/// path segment (at the depth of nesting) for v1.
fn assert_lines_point_at_keys(text: &str, l: &Lockfile) {
    for e in &l.entries {
        let written = if l.format == Format::Npm(1) {
            e.key.rsplit("node_modules/").next().unwrap_or_default()
        } else {
            e.key.as_str()
        };
        let line = text_line(text, e.line);
        assert!(line.trim_start().starts_with(&format!("\"{written}\": {{")), "{}: {line}", e.key);
    }
}

/// npm 8 and npm 11 write the same `packages` section for the sample project.
fn check_packages_format(rel: &str, format: Format) {
    let (text, l) = load(rel);
    assert_eq!(l.format, format);
    assert_eq!(l.entries.len(), 20);
    assert_lines_point_at_keys(&text, &l);

    let alias = entry(&l, "node_modules/alias-number");
    assert_eq!((alias.name.as_str(), alias.alias.as_deref()), ("is-number", Some("alias-number")));
    assert_eq!((alias.version.as_str(), alias.source), ("7.0.0", Source::Registry));
    assert_eq!(alias.line, 43);
    assert_eq!(text_line(&text, alias.line), "    \"node_modules/alias-number\": {");

    let git = entry(&l, "node_modules/tiny-git-dep");
    assert_eq!((git.source, git.version.as_str()), (Source::Git, "1.0.0"));
    assert_eq!(
        git.resolved.as_deref(),
        Some("git+file:///tmp/lockgate-fixture-git/tiny-git-dep#ccbdabb4fccf877a5081cc3fd885d8db102b4cc3")
    );

    // Declared as a URL, but it is left-pad's own registry tarball, and the lockfile records it
    // exactly like a registry dependency.
    let tarball = entry(&l, "node_modules/left-pad");
    assert_eq!((tarball.source, tarball.version.as_str()), (Source::Registry, "1.3.0"));
    assert_eq!(
        tarball.resolved.as_deref(),
        Some("https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz")
    );
    let root = &l.importers[0];
    assert_eq!(root.path, "");
    let left_pad = root.dependencies.iter().find(|d| d.name == "left-pad").expect("left-pad");
    assert_eq!(left_pad.req, "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz");

    let file = entry(&l, "node_modules/file-dep");
    assert_eq!((file.source, file.version.as_str()), (Source::Link, "1.0.0"));
    assert_eq!(file.resolved.as_deref(), Some("local/file-dep"));
    assert_eq!(file.dependencies[0].name, "is-number");
    assert_eq!(file.dependencies[0].req, "^7.0.0");

    let ws = entry(&l, "node_modules/lockgate-fixture-ws-a");
    assert_eq!((ws.source, ws.version.as_str()), (Source::Workspace, "1.0.0"));
    assert_eq!(ws.resolved.as_deref(), Some("packages/ws-a"));
    let importers: Vec<&str> = l.importers.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(importers, ["", "packages/ws-a", "packages/ws-b"]);
    let ws_a = &l.importers[1];
    assert_eq!((ws_a.dependencies[0].name.as_str(), ws_a.dependencies[0].req.as_str()), ("debug", "2.6.8"));
    assert_eq!(l.importers[2].dependencies[0].name, "lockgate-fixture-ws-a");

    let core_js = entry(&l, "node_modules/core-js");
    assert!(core_js.install_script);
    assert_eq!(l.entries.iter().filter(|e| e.install_script).count(), 1);

    assert!(entry(&l, "node_modules/fsevents").flags.optional);
    assert!(entry(&l, "node_modules/picocolors").flags.dev);
    assert!(entry(&l, "node_modules/redux").flags.peer);
    let thunk = entry(&l, "node_modules/redux-thunk");
    assert!(thunk.dependencies.iter().any(|d| d.name == "redux" && d.peer && d.req == "^5.0.0"));
    assert!(root.dependencies.iter().any(|d| d.name == "fsevents" && d.optional));
    assert!(root.dependencies.iter().any(|d| d.name == "picocolors" && d.dev));

    let debugs: Vec<(&str, &str)> = l
        .entries
        .iter()
        .filter(|e| e.name == "debug")
        .map(|e| (e.key.as_str(), e.version.as_str()))
        .collect();
    assert_eq!(
        debugs,
        [
            ("node_modules/debug", "4.3.1"),
            ("node_modules/follow-redirects/node_modules/debug", "3.1.0"),
            ("packages/ws-a/node_modules/debug", "2.6.8"),
        ]
    );
    let nested = entry(&l, "node_modules/follow-redirects/node_modules/debug");
    assert_eq!(nested.dependencies[0].name, "ms");
    assert_eq!(text_line(&text, nested.line), "    \"node_modules/follow-redirects/node_modules/debug\": {");
    assert!(l.entries.iter().all(|e| e.source != Source::Tarball && e.source != Source::File));
}

#[test]
fn npm8_lockfile_v2() {
    check_packages_format("npm-8.19.4/before/package-lock.json", Format::Npm(2));
}

#[test]
fn npm11_lockfile_v3() {
    check_packages_format("npm-11.21.2/before/package-lock.json", Format::Npm(3));
}

#[test]
fn npm11_shrinkwrap() {
    check_packages_format("npm-11.21.2-shrinkwrap/before/npm-shrinkwrap.json", Format::Npm(3));
    let (_, l) = load("npm-11.21.2-shrinkwrap/before/npm-shrinkwrap.json");
    assert_eq!(l.path, "npm-11.21.2-shrinkwrap/before/npm-shrinkwrap.json");
}

#[test]
fn after_states_record_the_bumps() {
    for rel in [
        "npm-8.19.4/after/package-lock.json",
        "npm-11.21.2/after/package-lock.json",
        "npm-11.21.2-shrinkwrap/after/npm-shrinkwrap.json",
    ] {
        let (text, l) = load(rel);
        assert_lines_point_at_keys(&text, &l);
        assert_eq!(entry(&l, "node_modules/debug").version, "4.4.0", "{rel}");
        assert_eq!(entry(&l, "node_modules/ms").version, "2.1.3", "{rel}");
        assert_eq!(entry(&l, "packages/ws-a/node_modules/debug").version, "2.6.9", "{rel}");
        assert_eq!(entry(&l, "node_modules/follow-redirects/node_modules/debug").version, "3.1.0");
    }
    let (_, l) = load("npm-6.14.18/after/package-lock.json");
    assert_eq!(entry(&l, "node_modules/debug").version, "4.4.0");
    assert_eq!(entry(&l, "node_modules/ms").version, "2.1.3");
}

#[test]
fn npm6_lockfile_v1() {
    let (text, l) = load("npm-6.14.18/before/package-lock.json");
    assert_eq!(l.format, Format::Npm(1));
    assert_eq!(l.entries.len(), 15);
    assert_lines_point_at_keys(&text, &l);

    let alias = entry(&l, "node_modules/alias-number");
    assert_eq!((alias.name.as_str(), alias.alias.as_deref()), ("is-number", Some("alias-number")));
    assert_eq!((alias.version.as_str(), alias.source), ("7.0.0", Source::Registry));
    assert_eq!(alias.line, 12);
    assert_eq!(text_line(&text, alias.line), "    \"alias-number\": {");

    // npm 6 writes git, URL and file: dependencies as the version, without `resolved`.
    let git = entry(&l, "node_modules/tiny-git-dep");
    assert_eq!(git.source, Source::Git);
    assert_eq!(
        git.version,
        "git+file:///tmp/lockgate-fixture-git/tiny-git-dep#ccbdabb4fccf877a5081cc3fd885d8db102b4cc3"
    );
    assert_eq!(git.resolved, None);
    let tarball = entry(&l, "node_modules/left-pad");
    assert_eq!(tarball.source, Source::Registry);
    // v1 writes the URL as the version; the parser reads the real version out of it.
    assert_eq!(tarball.version, "1.3.0");
    assert_eq!(
        tarball.resolved.as_deref(),
        Some("https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz")
    );
    let file = entry(&l, "node_modules/file-dep");
    assert_eq!((file.source, file.version.as_str()), (Source::File, "file:local/file-dep"));
    assert_eq!(file.dependencies[0].name, "is-number");

    // npm 6 records neither install scripts nor workspaces.
    assert!(l.entries.iter().all(|e| !e.install_script));
    assert_eq!(l.importers.len(), 1);

    assert!(entry(&l, "node_modules/fsevents").flags.optional);
    assert!(entry(&l, "node_modules/picocolors").flags.dev);

    let top = entry(&l, "node_modules/debug");
    let nested = entry(&l, "node_modules/follow-redirects/node_modules/debug");
    assert_eq!((top.version.as_str(), nested.version.as_str()), ("4.3.1", "3.1.0"));
    assert_eq!((top.line, nested.line), (22, 44));
    assert_eq!(text_line(&text, nested.line), "        \"debug\": {");
    assert_eq!(entry(&l, "node_modules/follow-redirects/node_modules/ms").version, "2.0.0");

    // v1 has no record of the root's dependencies; those that nothing else resolves to are
    // recovered, which for this project is exactly package.json's list.
    let mut root: Vec<&str> = l.importers[0].dependencies.iter().map(|d| d.name.as_str()).collect();
    root.sort_unstable();
    assert_eq!(
        root,
        [
            "@isaacs/string-locale-compare",
            "alias-number",
            "core-js",
            "debug",
            "file-dep",
            "follow-redirects",
            "fsevents",
            "left-pad",
            "picocolors",
            "redux-thunk",
            "tiny-git-dep",
        ]
    );
}
