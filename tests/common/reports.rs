//! Finished [`Report`]s built from the regression cases (tests/regression/<case>/), for
//! renderer tests (SARIF, Markdown, text) that want real findings without a registry or a git
//! repository.
//!
//! Use from a test file with
//! ```ignore
//! #[path = "common/reports.rs"]
//! mod reports;
//! for (case, report) in reports::regression_reports() { ... }
//! ```
//!
//! Each case goes through the real lockfile parser, diff, signals and default policy, exactly
//! as tests/regression.rs does, with the clock fixed at the case's `now`. The result is
//! deterministic: cases sorted by name, packages in diff order, and every field that depends on
//! the run (base, head, registry, config) a fixed string. The lockfile path is
//! `package-lock.json` at the repository root.
#![allow(dead_code)]

use lockgate::diff::{self, ChangeKind};
use lockgate::lockfile::{self, Lockfile};
use lockgate::policy::{Config, Policy, overall, utc_date};
use lockgate::registry::Packument;
use lockgate::report::{Command, LockfileInfo, Package, Report, SCHEMA};
use lockgate::signals::{Facts, Lookup};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The regression case directories, sorted by name.
pub fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("tests/regression")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// `(case name, report)` for every regression case, as `lockgate diff` would report it with
/// the default policy.
pub fn regression_reports() -> Vec<(String, Report)> {
    case_dirs()
        .iter()
        .map(|dir| {
            let case = dir.file_name().expect("case dir name").to_string_lossy().into_owned();
            (case, case_report(dir))
        })
        .collect()
}

/// The report of one case directory.
pub fn case_report(dir: &Path) -> Report {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("case.json")).expect("case.json")).expect("case.json");
    let now_text = meta["now"].as_str().expect("case.json: now");
    let now: jiff::Timestamp = now_text.parse().expect("case.json: now is RFC 3339");
    let base = read_lockfile(&dir.join("base/package-lock.json"));
    let head = read_lockfile(&dir.join("head/package-lock.json"));
    let registry = read_registry(&dir.join("registry"));
    let policy = Policy::new(Config::default(), utc_date(now));
    let lookup = |name: &str| match registry.get(name) {
        Some(p) => Lookup::Found(p),
        None => Lookup::NotFound,
    };
    let is_registry_url = |_: &str, url: &str| url.starts_with("https://registry.npmjs.org/");

    let changes = diff::diff(Some(&base), Some(&head));
    let mut verdicts = Vec::new();
    let mut packages = Vec::new();
    for change in &changes {
        let package = Package::from_change(change);
        if change.kind == ChangeKind::Removed {
            packages.push(package);
            continue;
        }
        let facts = Facts {
            change,
            packument: lookup(&change.name),
            now,
            packuments: &lookup,
            is_registry_url: &is_registry_url,
        };
        let verdict = policy.judge(&facts);
        verdicts.push(verdict.clone());
        packages.push(package.judged(verdict));
    }
    Report {
        schema: SCHEMA,
        command: Command::Diff,
        verdict: overall(verdicts.iter()),
        base: Some("origin/main".into()),
        head: "HEAD".into(),
        offline: false,
        now: now.to_string(),
        registry: Some("https://registry.npmjs.org/".into()),
        config: "defaults (no .github/lockgate.yml)".into(),
        notes: Vec::new(),
        lockfiles: vec![LockfileInfo {
            path: head.path.clone(),
            format: head.format,
            base_format: None,
            base_path: None,
            change: if changes.is_empty() { ChangeKind::Unchanged } else { ChangeKind::Updated },
            packages: changes.len(),
        }],
        packages,
    }
}

fn read_lockfile(path: &Path) -> Lockfile {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lockfile::parse("package-lock.json", &bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_registry(dir: &Path) -> BTreeMap<String, Packument> {
    let mut out = BTreeMap::new();
    for file in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = file.expect("dir entry").path();
        let doc: Packument = serde_json::from_slice(&std::fs::read(&path).expect("registry document"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.insert(doc.name.clone().expect("packument name"), doc);
    }
    out
}
