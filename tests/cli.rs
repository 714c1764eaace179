//! The CLI end to end on real git repositories and on lockfiles written by the real package
//! managers (tests/fixtures/lockfiles, see its README and generate.sh).

mod common;
use common::{GitRepo, fixtures, lockgate};
use serde_json::Value;
use std::path::Path;

/// The lockfile format each generated fixture directory must be read as.
fn expected_format(dir: &str) -> &'static str {
    let table: &[(&str, &str)] = &[
        ("npm-6.", "npm-v1"),
        ("npm-8.", "npm-v2"),
        ("npm-11.", "npm-v3"),
        ("npm-12.", "npm-v3"),
        ("yarn-1.", "yarn-v1"),
        ("yarn-2.", "yarn-berry-v4"),
        ("yarn-3.", "yarn-berry-v6"),
        ("yarn-4.0.", "yarn-berry-v8"),
        ("yarn-4.18.", "yarn-berry-v10"),
        ("pnpm-7.", "pnpm-v5"),
        ("pnpm-8.", "pnpm-v6"),
        ("pnpm-9.", "pnpm-v9"),
        ("pnpm-10.", "pnpm-v9"),
        ("pnpm-11.", "pnpm-v9"),
        ("pnpm-12.", "pnpm-v9"),
        ("bun-1.1.", "bun-v0"),
        ("bun-1.2.", "bun-v1"),
        ("bun-1.3.", "bun-v1"),
        ("bun-1.4.", "bun-v2"),
    ];
    table
        .iter()
        .find(|(prefix, _)| dir.starts_with(prefix))
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no expected format for fixture {dir}; add it to the table"))
}

fn fixture_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(fixtures().join("lockfiles"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("before").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "expected generated fixtures for every format, found {dirs:?}");
    dirs
}

/// Copy a fixture tree (lockfile, package.json files) into the repository root.
fn copy_tree(repo: &GitRepo, from: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap().to_string_lossy().replace('\\', "/");
        repo.copy(&entry, &rel);
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

fn clear_tree(repo: &GitRepo) {
    for e in std::fs::read_dir(repo.path()).unwrap().flatten() {
        if e.file_name() == ".git" {
            continue;
        }
        let p = e.path();
        if p.is_dir() { std::fs::remove_dir_all(p).unwrap() } else { std::fs::remove_file(p).unwrap() }
    }
}

/// A repository whose HEAD~1 holds `before/` and HEAD holds `after/` of a fixture.
fn repo_with_pair(dir: &str) -> GitRepo {
    let repo = GitRepo::new();
    copy_tree(&repo, &fixtures().join("lockfiles").join(dir).join("before"));
    repo.commit("before");
    clear_tree(&repo);
    copy_tree(&repo, &fixtures().join("lockfiles").join(dir).join("after"));
    repo.commit("after");
    repo
}

fn changes(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {} -> {}",
                p["change"].as_str().unwrap(),
                p["name"].as_str().unwrap(),
                p["from"].as_str().unwrap_or("-"),
                p["to"].as_str().unwrap_or("-")
            )
        })
        .collect();
    out.sort();
    out
}

fn line_of(repo: &GitRepo, rel: &str, line: u64) -> String {
    let text = std::fs::read_to_string(repo.path().join(rel)).unwrap();
    text.lines().nth(line as usize - 1).unwrap_or_default().to_owned()
}

#[test]
fn every_format_diffs_the_same_bump() {
    for dir in fixture_dirs() {
        let repo = repo_with_pair(&dir);
        let run = lockgate(
            repo.path(),
            &["diff", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"],
        );
        assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["schema"], 1);
        let lockfiles = report["lockfiles"].as_array().unwrap();
        assert_eq!(lockfiles.len(), 1, "{dir}: {lockfiles:?}");
        assert_eq!(lockfiles[0]["format"], expected_format(&dir), "{dir}");
        let got = changes(&report);
        // The sample project bumps debug 4.3.1 -> 4.4.0 (which moves ms 2.1.2 -> 2.1.3) and the
        // workspace's nested debug 2.6.8 -> 2.6.9: two updates of one name, not adds/removes.
        let mut wanted = vec!["updated debug 4.3.1 -> 4.4.0", "updated ms 2.1.2 -> 2.1.3"];
        // npm 6 has no workspaces, so the workspace's debug 2.6.x copy is not in its lockfile.
        if !dir.starts_with("npm-6.") {
            wanted.push("updated debug 2.6.8 -> 2.6.9");
        }
        for want in wanted {
            assert!(got.contains(&want.to_owned()), "{dir}: missing {want:?} in {got:#?}");
        }
        assert!(!got.iter().any(|c| c.starts_with("added") || c.starts_with("removed")), "{dir}: {got:#?}");
        // Every line number points at the package's own entry in the head lockfile.
        let path = lockfiles[0]["path"].as_str().unwrap();
        for p in report["packages"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let text = line_of(&repo, path, p["line"].as_u64().unwrap());
            assert!(text.contains(name), "{dir}: line {} of {path} is {text:?}, not {name}", p["line"]);
            assert_eq!(p["verdict"], "pass");
            assert!(p["unavailable"].as_array().unwrap().iter().any(|s| s == "new-publisher"));
        }
    }
}

#[test]
fn every_format_scans_with_all_features() {
    for dir in fixture_dirs() {
        let repo = repo_with_pair(&dir);
        let run = lockgate(repo.path(), &["scan", "--offline", "--format", "json"]);
        assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["offline"], true);
        let packages = report["packages"].as_array().unwrap();
        for p in packages {
            assert_eq!(p["change"], "unchanged", "{dir}");
            assert_eq!(p["from"], p["to"], "{dir}");
        }
        let find = |name: &str| packages.iter().find(|p| p["name"] == name);
        // The alias is reported under the real name and keeps the alias.
        let aliased = find("is-number").unwrap_or_else(|| panic!("{dir}: no is-number (alias-number)"));
        assert_eq!(aliased["to"], "7.0.0", "{dir}");
        // pnpm shares one snapshot between the aliased and the plain is-number, so it records
        // no alias for it.
        if !dir.starts_with("pnpm-") {
            assert_eq!(aliased["alias"], "alias-number", "{dir}");
        }
        assert!(find("@isaacs/string-locale-compare").is_some(), "{dir}: scoped package");
        let debugs: Vec<_> =
            packages.iter().filter(|p| p["name"] == "debug").map(|p| p["to"].clone()).collect();
        // debug 4 (root), 3 (via follow-redirects) and 2 (the workspace), side by side.
        let expected = if dir.starts_with("npm-6.") { 2 } else { 3 };
        assert_eq!(debugs.len(), expected, "{dir}: nested duplicates {debugs:?}");
        let git = find("tiny-git-dep").unwrap_or_else(|| panic!("{dir}: no tiny-git-dep"));
        assert_eq!(git["source"], "git", "{dir}");
        // A URL dependency on a registry-shaped tarball of the same name: parsers call it a
        // registry package; the registry stage still checks its host against the configured one.
        let tarball = find("left-pad").unwrap_or_else(|| panic!("{dir}: no left-pad"));
        assert_eq!(tarball["to"], "1.3.0", "{dir}");
        assert!(matches!(tarball["source"].as_str(), Some("registry" | "tarball")), "{dir}: {tarball}");
    }
}

#[test]
fn head_defaults_to_the_working_tree() {
    let repo = GitRepo::new();
    let dir = fixtures().join("lockfiles").join("npm-11.21.2");
    copy_tree(&repo, &dir.join("before"));
    repo.commit("before");
    copy_tree(&repo, &dir.join("after"));
    let run = lockgate(repo.path(), &["diff", "--offline", "--base", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["head"], "working tree");
    assert!(changes(&report).contains(&"updated debug 4.3.1 -> 4.4.0".to_owned()));
}

#[test]
fn lockfile_added_or_removed_by_the_change() {
    let repo = GitRepo::new();
    repo.write("README", b"x");
    repo.commit("empty");
    copy_tree(&repo, &fixtures().join("lockfiles/npm-11.21.2/after"));
    repo.commit("add lockfile");
    let run = lockgate(
        repo.path(),
        &["diff", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["lockfiles"][0]["change"], "added");
    let all = changes(&report);
    assert!(all.len() > 10 && all.iter().all(|c| c.starts_with("added ")), "{all:#?}");
    for p in report["packages"].as_array().unwrap() {
        assert!(p["from"].is_null());
    }

    let run = lockgate(
        repo.path(),
        &["diff", "--offline", "--base", "HEAD", "--head", "HEAD~1", "--format", "json"],
    );
    let report = run.json();
    assert_eq!(report["lockfiles"][0]["change"], "removed");
    assert!(changes(&report).iter().all(|c| c.starts_with("removed ")));
    for p in report["packages"].as_array().unwrap() {
        assert!(p["to"].is_null());
    }
}

/// A migration between formats is still a package-level diff: yarn classic -> berry at the same
/// path, and package-lock.json -> pnpm-lock.yaml in the same folder.
#[test]
fn format_migrations_diff_packages() {
    let dirs = fixture_dirs();
    let pick = |prefix: &str| dirs.iter().find(|d| d.starts_with(prefix)).cloned();
    let migrations =
        [("yarn-1.", "yarn-4."), ("npm-11.", "pnpm-"), ("npm-6.", "npm-11."), ("bun-1.1.", "bun-1.4.")];
    for (from, to) in migrations {
        let (Some(from), Some(to)) = (pick(from), pick(to)) else { panic!("fixtures for {from} and {to}") };
        let repo = GitRepo::new();
        copy_tree(&repo, &fixtures().join("lockfiles").join(&from).join("before"));
        repo.commit("before");
        clear_tree(&repo);
        copy_tree(&repo, &fixtures().join("lockfiles").join(&to).join("after"));
        repo.commit("after");
        let run = lockgate(
            repo.path(),
            &["diff", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"],
        );
        assert_eq!(run.code, 0, "{from}->{to}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["lockfiles"].as_array().unwrap().len(), 1, "{from}->{to}: {report}");
        assert_eq!(report["lockfiles"][0]["base_format"], expected_format(&from));
        let got = changes(&report);
        assert!(got.contains(&"updated debug 4.3.1 -> 4.4.0".to_owned()), "{from}->{to}: {got:#?}");
        // Packages locked on both sides are matched across formats; only what the new
        // package manager genuinely adds (yarn berry locks node-gyp for install scripts) is new.
        assert!(!got.iter().any(|c| c.starts_with("removed")), "{from}->{to}: {got:#?}");
        for name in ["is-number", "left-pad", "core-js", "@isaacs/string-locale-compare", "picocolors"] {
            assert!(
                !got.iter().any(|c| c.contains(&format!(" {name} "))),
                "{from}->{to}: {name} in {got:#?}"
            );
        }
    }
}

#[test]
fn monorepo_discovery_and_lockfile_selection() {
    let repo = GitRepo::new();
    let lf = fixtures().join("lockfiles");
    repo.copy(&lf.join("npm-11.21.2/before/package-lock.json"), "apps/web/package-lock.json");
    repo.copy(&lf.join("yarn-1.22.22/before/yarn.lock"), "apps/api/yarn.lock");
    // Installed copies of dependencies' own lockfiles are not ours.
    repo.copy(&lf.join("npm-11.21.2/before/package-lock.json"), "node_modules/x/package-lock.json");
    repo.commit("base");
    repo.copy(&lf.join("npm-11.21.2/after/package-lock.json"), "apps/web/package-lock.json");
    repo.copy(&lf.join("yarn-1.22.22/after/yarn.lock"), "apps/api/yarn.lock");
    repo.commit("head");

    let run = lockgate(
        repo.path(),
        &["diff", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"],
    );
    let report = run.json();
    let paths: Vec<&str> =
        report["lockfiles"].as_array().unwrap().iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["apps/api/yarn.lock", "apps/web/package-lock.json"]);

    let run = lockgate(
        &repo.path().join("apps/web"),
        &[
            "diff",
            "--offline",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
            "--lockfile",
            "package-lock.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["lockfiles"].as_array().unwrap().len(), 1);
    assert_eq!(report["lockfiles"][0]["path"], "apps/web/package-lock.json");
}

#[test]
fn text_report_is_aligned_with_the_verdict_last() {
    let repo = repo_with_pair("npm-11.21.2");
    let run = lockgate(repo.path(), &["diff", "--offline", "--base", "HEAD~1", "--head", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.last().unwrap().starts_with("verdict: pass"), "{}", run.stdout);
    assert!(run.stdout.contains("registry signals not evaluated (--offline)"));
    let rows: Vec<&&str> = lines.iter().filter(|l| l.starts_with("  updated")).collect();
    assert!(rows.len() >= 3, "{}", run.stdout);
    let arrow = rows[0].find(" -> ").unwrap();
    assert!(rows.iter().all(|r| r.find(" -> ") == Some(arrow)), "columns not aligned:\n{}", run.stdout);
}

#[test]
fn output_file_is_written_whole() {
    let repo = repo_with_pair("npm-11.21.2");
    let run =
        lockgate(repo.path(), &["scan", "--offline", "--format", "json", "--output", "out/report.json"]);
    // The directory must exist: lockgate does not create arbitrary directories.
    assert_eq!(run.code, 2);
    std::fs::create_dir(repo.path().join("out")).unwrap();
    let run =
        lockgate(repo.path(), &["scan", "--offline", "--format", "json", "--output", "out/report.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let report: Value =
        serde_json::from_slice(&std::fs::read(repo.path().join("out/report.json")).unwrap()).unwrap();
    assert_eq!(report["command"], "scan");
}

#[test]
fn an_unreachable_registry_is_exit_code_3_not_a_pass() {
    let repo = repo_with_pair("npm-11.21.2");
    // A port nothing listens on: every attempt is refused, then lockgate gives up.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let run = lockgate(repo.path(), &["diff", "--base", "HEAD~1", "--head", "HEAD", "--registry", &url]);
    assert_eq!(run.code, 3, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("registry unreachable"), "{}", run.stderr);
    assert!(run.stderr.contains("--offline"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no report may claim a verdict: {}", run.stdout);
}
