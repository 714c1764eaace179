//! Finished [`Report`]s for every regression case (tests/regression/<case>/), built in process
//! exactly as `lockgate diff` builds them (`run::assess`), with the case's clock, for the
//! snapshot tests of each report format. Deterministic: same case, same report.
#![allow(dead_code)]

use lockgate::context::WhyIndex;
use lockgate::diff;
use lockgate::lockfile::{self, Lockfile};
use lockgate::policy::{Config, Policy, utc_date};
use lockgate::registry::Packument;
use lockgate::report::{Command, LockfileInfo, Report, SCHEMA};
use lockgate::signals::{self, Lookup};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn regression_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression")
}

/// `(case name, report)` for every case, sorted by name.
pub fn regression_reports() -> Vec<(String, Report)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(regression_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| (d.file_name().unwrap().to_string_lossy().into_owned(), regression_report(d)))
        .collect()
}

/// The report of one case directory, under the default policy.
pub fn regression_report(dir: &Path) -> Report {
    regression_report_with(dir, Config::default())
}

/// The report of one case directory under the given policy.
pub fn regression_report_with(dir: &Path, config: Config) -> Report {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
    let now: jiff::Timestamp = meta["now"].as_str().unwrap().parse().unwrap();
    let base = read_lockfile(&dir.join("base/package-lock.json"));
    let head = read_lockfile(&dir.join("head/package-lock.json"));
    let mut registry = BTreeMap::new();
    for file in std::fs::read_dir(dir.join("registry")).unwrap() {
        let doc: Packument = serde_json::from_slice(&std::fs::read(file.unwrap().path()).unwrap()).unwrap();
        registry.insert(doc.name.clone().unwrap(), doc);
    }
    let lookup = |name: &str| match registry.get(name) {
        Some(p) => Lookup::Found(p),
        None => Lookup::NotFound,
    };
    let is_registry_url = |_: &str, url: &str| signals::is_public_npm_url(url);
    let policy = Policy::new(config, utc_date(now));
    let changes = diff::diff(Some(&base), Some(&head));
    let why = BTreeMap::from([(head.path.clone(), WhyIndex::new(&head))]);
    let packages = lockgate::run::assess(&changes, &lookup, &is_registry_url, now, &policy, &why);
    let verdict = packages.iter().map(|p| p.verdict).max().unwrap_or(lockgate::report::Verdict::Pass);
    Report {
        schema: SCHEMA,
        command: Command::Diff,
        verdict,
        base: Some("origin/main".into()),
        head: "HEAD".into(),
        offline: false,
        now: now.to_string(),
        registry: Some("https://registry.npmjs.org/".into()),
        config: "defaults (no .github/lockgate.yml)".into(),
        notes: policy.notes().to_vec(),
        lockfiles: vec![LockfileInfo {
            path: head.path.clone(),
            format: head.format,
            base_format: None,
            base_path: None,
            change: lockgate::diff::ChangeKind::Updated,
            packages: changes.len(),
        }],
        packages,
    }
}

fn read_lockfile(path: &Path) -> Lockfile {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lockfile::parse("package-lock.json", &bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
