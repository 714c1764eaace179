//! Finished [`Report`]s for every regression case (tests/regression/<case>/), built in process
//! exactly as `lockgate diff` builds them (`run::assess`), with the case's clock, for the
//! snapshot tests of each report format. Deterministic: same case, same report.
#![allow(dead_code)]

use lockgate::context::{Context, Release, WhyIndex};
use lockgate::diff;
use lockgate::lockfile::{self, Lockfile};
use lockgate::policy::{Allowed, Config, Policy, RuleHit, Unavailable, utc_date};
use lockgate::registry::Packument;
use lockgate::report::{Command, LockfileInfo, Report, SCHEMA, Verdict};
use lockgate::signals::{self, Lookup};
use lockgate::signals::{Finding, Severity};
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
    let verdict = packages.iter().map(|p| p.verdict).max().unwrap_or(Verdict::Pass);
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

/// Every string a lockfile or registry controls, set to something hostile.
pub fn hostile_report(payload: &str) -> Report {
    let reports = regression_reports();
    let mut report = reports.into_iter().find(|(c, _)| c == "axios-1.14.1").unwrap().1;
    let h = |tag: &str| format!("{tag}{payload}");
    report.notes.push(h("note"));
    report.config = h("config");
    report.base = Some(h("base"));
    report.head = h("head");
    report.registry = Some(h("registry"));
    report.lockfiles[0].path = h("lock");
    for p in &mut report.packages {
        p.name = h("name");
        p.alias = Some(h("alias"));
        p.from = Some(h("from"));
        p.to = Some(h("to"));
        p.lockfile = h("lock");
        p.verdict = Verdict::Fail;
        for f in &mut p.findings {
            f.message = h("message");
        }
        p.rules.push(RuleHit { rule: "fresh-install-code", message: h("rule"), signals: vec![] });
        p.allowed.push(Allowed {
            finding: Finding::builder("deprecated", Severity::Low).message(h("allowed")).build(),
            reason: h("reason"),
            package: h("pattern"),
        });
        p.unavailable_reasons.push(Unavailable { signal: "typosquat", reason: h("unavailable") });
        p.dependency_path = vec![h("dep"), h("parent"), "package.json".into()];
        let release = |tag: &str| Release {
            publisher: Some(h(&format!("{tag}publisher"))),
            trust: None,
            published: Some(h(&format!("{tag}time"))),
            age_hours: Some(3),
            install_scripts: BTreeMap::from([(h("hook"), h(&format!("{tag}script")))]),
            dependencies: BTreeMap::from([(h(&format!("{tag}dep")), h("range"))]),
        };
        p.context =
            Some(Context { previous: Some(h("prev")), new: release("new"), old: Some(release("old")) });
    }
    report
}

pub const HOSTILE: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "</details></summary><script>alert(1)</script>",
    "<details open><summary>x",
    "[click](https://evil.example/phish) ![i](https://evil.example/i.png)",
    "<https://evil.example> www.evil.example https://evil.example evil@evil.example",
    "@acme/security-team @octocat",
    "#123 acme/app#45 GH-7",
    "| cell | break |\n|---|---|",
    "`` ``` ~~~ code fence",
    "\n::error file=x,line=1::pwned\n::add-mask::secret\n::stop-commands::tok",
    "\x1b[31mred\x1b]8;;https://evil.example\x07link\u{202E}rtl\r",
    "*bold* _em_ ~~strike~~ # heading\n# heading\n> quote\n- list\n1. list",
    "&lt;img src=x&gt; &#64;octocat",
    "<!-- hidden --> <!-- lockgate:comment v1 -->",
    "$$\\begin{x}$$ $x$ :+1: <kbd>k</kbd>",
];
