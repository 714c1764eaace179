//! yarn classic and berry parsers against the real lockfiles that yarn 1.22.22, 2.4.2, 3.8.7,
//! 4.0.2 and 4.18.1 wrote for the fixture project (tests/fixtures/lockfiles/generate.sh).

use lockgate::lockfile::{Entry, Format, Lockfile, Source, parse};

fn load(dir: &str, side: &str) -> Lockfile {
    let rel = format!("tests/fixtures/lockfiles/{dir}/{side}/yarn.lock");
    let bytes = std::fs::read(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    parse(&rel, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// The one entry with this name, version and alias.
fn entry<'l>(l: &'l Lockfile, name: &str, version: &str, alias: Option<&str>) -> &'l Entry {
    let found: Vec<&Entry> = l
        .entries
        .iter()
        .filter(|e| e.name == name && e.version == version && e.alias.as_deref() == alias)
        .collect();
    match found.as_slice() {
        [e] => e,
        other => panic!("{}: {} entries for {name}@{version} alias {alias:?}", l.path, other.len()),
    }
}

fn dep_req<'e>(e: &'e Entry, name: &str) -> &'e str {
    e.dependencies
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.req.as_str())
        .unwrap_or_else(|| panic!("{} has no dependency {name}", e.name))
}

#[test]
fn yarn_classic_1_22_before() {
    let l = load("yarn-1.22.22", "before");
    assert_eq!(l.format, Format::YarnClassic);
    assert_eq!(l.entries.len(), 16);
    // yarn 1 lists neither the root's nor the workspaces' own dependencies.
    assert!(l.importers.is_empty());
    assert!(!l.entries.iter().any(|e| e.name.starts_with("lockgate-fixture")));

    let e = entry(&l, "@isaacs/string-locale-compare", "1.1.0", None);
    assert_eq!((e.line, e.source), (5, Source::Registry));
    assert_eq!(e.key, "@isaacs/string-locale-compare@1.1.0");
    assert_eq!(
        e.resolved.as_deref(),
        Some(
            "https://registry.yarnpkg.com/@isaacs/string-locale-compare/-/string-locale-compare-1.1.0.tgz#291c227e93fd407a96ecd59879a35809120e432b"
        )
    );
    assert!(e.integrity.as_deref().is_some_and(|i| i.starts_with("sha512-SQ7Kzhh9")));

    let alias = entry(&l, "is-number", "7.0.0", Some("alias-number"));
    assert_eq!((alias.line, alias.source), (10, Source::Registry));
    assert_eq!(alias.key, "alias-number@npm:is-number@7.0.0");
    let plain = entry(&l, "is-number", "7.0.0", None);
    assert_eq!((plain.line, plain.key.as_str()), (58, "is-number@^7.0.0"));

    let d = entry(&l, "debug", "2.6.8", None);
    assert_eq!((d.line, dep_req(d, "ms")), (20, "2.0.0"));
    let d = entry(&l, "debug", "4.3.1", None);
    assert_eq!((d.line, dep_req(d, "ms")), (27, "2.1.2"));
    let d = entry(&l, "debug", "3.1.0", None);
    assert_eq!((d.line, d.key.as_str()), (34, "debug@=3.1.0"));
    assert_eq!(dep_req(entry(&l, "follow-redirects", "1.5.10", None), "debug"), "=3.1.0");

    let f = entry(&l, "file-dep", "1.0.0", None);
    assert_eq!((f.line, f.source), (41, Source::File));
    assert_eq!((f.resolved.as_deref(), f.integrity.as_deref()), (None, None));
    assert_eq!(dep_req(f, "is-number"), "^7.0.0");

    // A URL dependency on the registry tarball of this very package is a registry package; the
    // sha1 yarn appends to the URL stands in for the missing integrity field.
    let lp = entry(&l, "left-pad", "1.3.0", None);
    assert_eq!((lp.line, lp.source), (63, Source::Registry));
    assert_eq!(lp.key, "left-pad@https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz");
    assert_eq!(lp.integrity.as_deref(), Some("5b8a3a7765dfe001261dde915589e782f8c94d1e"));

    let g = entry(&l, "tiny-git-dep", "1.0.0", None);
    assert_eq!((g.line, g.source), (87, Source::Git));
    assert_eq!(
        g.resolved.as_deref(),
        Some("git+file:///tmp/lockgate-fixture-git/tiny-git-dep#ccbdabb4fccf877a5081cc3fd885d8db102b4cc3")
    );
    // The fragment of a git URL is a commit, not a hash of the package.
    assert_eq!(g.integrity, None);

    // yarn 1 has no per-package optional/dev flags; fsevents (optional) and picocolors (dev)
    // look like any other package.
    let fse = entry(&l, "fsevents", "2.3.3", None);
    assert_eq!((fse.line, fse.source), (53, Source::Registry));
    assert!(fse.flags.is_empty());
    assert!(entry(&l, "picocolors", "1.0.0", None).flags.is_empty());
    assert!(l.entries.iter().all(|e| !e.install_script));
}

#[test]
fn yarn_classic_1_22_after_bumps_debug() {
    let before = load("yarn-1.22.22", "before");
    let after = load("yarn-1.22.22", "after");
    assert_eq!(after.entries.len(), before.entries.len());
    let d = entry(&after, "debug", "2.6.9", None);
    assert_eq!((d.line, d.key.as_str()), (20, "debug@2.6.9"));
    let d = entry(&after, "debug", "4.4.0", None);
    assert_eq!((d.line, dep_req(d, "ms")), (27, "^2.1.3"));
    let ms = entry(&after, "ms", "2.1.3", None);
    assert_eq!((ms.line, ms.key.as_str()), (72, "ms@^2.1.3"));
    assert!(!after.entries.iter().any(|e| e.name == "debug" && e.version == "4.3.1"));
}

/// Where the berry fixtures differ between yarn versions.
struct Berry {
    dir: &'static str,
    metadata: u32,
    /// yarn 2 writes one line less before fsevents (no `conditions` on an earlier entry).
    shift: u32,
    checksum_prefix: &'static str,
}

const BERRY: &[Berry] = &[
    Berry { dir: "yarn-2.4.2", metadata: 4, shift: 0, checksum_prefix: "" },
    Berry { dir: "yarn-3.8.7", metadata: 6, shift: 1, checksum_prefix: "" },
    Berry { dir: "yarn-4.0.2", metadata: 8, shift: 1, checksum_prefix: "" },
    Berry { dir: "yarn-4.18.1", metadata: 10, shift: 1, checksum_prefix: "10c0/" },
];

#[test]
fn yarn_berry_before() {
    for v in BERRY {
        let l = load(v.dir, "before");
        let ctx = v.dir;
        assert_eq!(l.format, Format::YarnBerry(v.metadata), "{ctx}");
        // 38 packages + one extra entry for the alias; the root workspace is only an importer.
        assert_eq!(l.entries.len(), 39, "{ctx}");

        let alias = entry(&l, "is-number", "7.0.0", Some("alias-number"));
        assert_eq!((alias.line, alias.source), (31, Source::Registry), "{ctx}");
        assert_eq!(alias.key, "alias-number@npm:is-number@7.0.0", "{ctx}");
        assert_eq!(alias.resolved, None, "{ctx}");
        // berry's checksum is kept verbatim: the cache key prefix only in recent yarn 4.
        let checksum = alias.integrity.as_deref().unwrap_or_default();
        assert!(checksum.starts_with(v.checksum_prefix) && !checksum.starts_with("sha"), "{ctx}");
        let plain = entry(&l, "is-number", "7.0.0", None);
        assert_eq!((plain.line, plain.key.as_str()), (31, "is-number@npm:^7.0.0"), "{ctx}");

        let d = entry(&l, "debug", "2.6.8", None);
        assert_eq!((d.line, d.key.as_str()), (52, "debug@npm:2.6.8"), "{ctx}");
        let d = entry(&l, "debug", "4.3.1", None);
        assert_eq!(d.line, 61, "{ctx}");
        assert!(dep_req(d, "ms").ends_with("2.1.2"), "{ctx}");
        let peer = d.dependencies.iter().find(|x| x.name == "supports-color");
        // Only the peer's meta is recorded, not the peer itself: no edge to invent.
        assert!(peer.is_none(), "{ctx}");

        let f = entry(&l, "file-dep", "1.0.0", None);
        assert_eq!((f.line, f.source), (108, Source::File), "{ctx}");
        assert!(
            f.resolved
                .as_deref()
                .is_some_and(|r| r.starts_with("file:./local/file-dep#./local/file-dep::hash=")),
            "{ctx}: {:?}",
            f.resolved
        );
        assert!(dep_req(f, "is-number").ends_with("^7.0.0"), "{ctx}");

        // fsevents twice: the package, and yarn's builtin patch of it (same version, the key
        // says `patch:`).
        let fse: Vec<&Entry> = l.entries.iter().filter(|e| e.name == "fsevents").collect();
        assert_eq!(fse.len(), 2, "{ctx}");
        assert_eq!((fse[0].line, fse[0].version.as_str()), (126, "2.3.3"), "{ctx}");
        assert_eq!((fse[1].line, fse[1].version.as_str()), (135 + v.shift, "2.3.3"), "{ctx}");
        assert!(!fse[0].key.contains("patch:") && fse[1].key.contains("patch:"), "{ctx}");
        assert!(fse.iter().all(|e| e.source == Source::Registry && e.resolved.is_none()), "{ctx}");

        let lp = entry(&l, "left-pad", "1.3.0", None);
        assert_eq!((lp.line, lp.source), (158 + v.shift, Source::Registry), "{ctx}");
        assert_eq!(
            lp.resolved.as_deref(),
            Some("https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz"),
            "{ctx}"
        );

        let g = entry(&l, "tiny-git-dep", "1.0.0", None);
        assert_eq!((g.line, g.source), (315 + v.shift, Source::Git), "{ctx}");
        assert_eq!(
            g.resolved.as_deref(),
            Some(
                "git+http://127.0.0.1:19419/tiny-git-dep.git#commit=ccbdabb4fccf877a5081cc3fd885d8db102b4cc3"
            ),
            "{ctx}"
        );

        // Workspaces: entries (except the root) and importers.
        let ws_a = entry(&l, "lockgate-fixture-ws-a", "0.0.0-use.local", None);
        assert_eq!((ws_a.line, ws_a.source), (165 + v.shift, Source::Workspace), "{ctx}");
        assert_eq!(
            ws_a.key, "lockgate-fixture-ws-a@workspace:*, lockgate-fixture-ws-a@workspace:packages/ws-a",
            "{ctx}"
        );
        assert!(!l.entries.iter().any(|e| e.name == "lockgate-fixture"), "{ctx}");
        let paths: Vec<&str> = l.importers.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["packages/ws-a", "packages/ws-b", "."], "{ctx}");
        let root = &l.importers[2];
        assert_eq!(root.dependencies.len(), 11, "{ctx}");
        let req = |n: &str| root.dependencies.iter().find(|d| d.name == n).map(|d| d.req.as_str());
        assert_eq!(req("alias-number"), Some("npm:is-number@7.0.0"), "{ctx}");
        assert_eq!(req("tiny-git-dep"), Some("git+http://127.0.0.1:19419/tiny-git-dep.git#v1.0.0"), "{ctx}");
        let optional: Vec<&str> =
            root.dependencies.iter().filter(|d| d.optional).map(|d| d.name.as_str()).collect();
        assert_eq!(optional, ["fsevents"], "{ctx}");
        let ws_b = &l.importers[1];
        assert_eq!(ws_b.dependencies.len(), 1, "{ctx}");
        assert_eq!(ws_b.dependencies[0].name, "lockgate-fixture-ws-a", "{ctx}");
        assert_eq!(ws_b.dependencies[0].req, "workspace:*", "{ctx}");

        // Optional peer edges come from peerDependenciesMeta.
        let fdir = entry(&l, "fdir", "6.5.0", None);
        assert_eq!(fdir.line, 96, "{ctx}");
        let pico = fdir.dependencies.iter().find(|d| d.name == "picomatch");
        assert!(pico.is_some_and(|p| p.peer && p.optional && p.req == "^3 || ^4"), "{ctx}");
        assert!(l.entries.iter().all(|e| e.flags.is_empty() && !e.install_script), "{ctx}");
    }
}

#[test]
fn yarn_berry_after_bumps_debug() {
    for v in BERRY {
        let ctx = v.dir;
        let after = load(v.dir, "after");
        assert_eq!(after.entries.len(), 39, "{ctx}");
        let d = entry(&after, "debug", "2.6.9", None);
        assert_eq!((d.line, d.key.as_str()), (52, "debug@npm:2.6.9"), "{ctx}");
        let d = entry(&after, "debug", "4.4.0", None);
        assert_eq!(d.line, 61, "{ctx}");
        assert!(dep_req(d, "ms").ends_with("^2.1.3"), "{ctx}");
        let ms = entry(&after, "ms", "2.1.3", None);
        assert_eq!((ms.line, ms.key.as_str()), (225 + v.shift, "ms@npm:^2.1.3"), "{ctx}");
        let ws_a = after.importers.iter().find(|i| i.path == "packages/ws-a").map(|i| &i.dependencies);
        assert!(ws_a.is_some_and(|d| d.len() == 1 && d[0].req.ends_with("2.6.9")), "{ctx}");
    }
}
