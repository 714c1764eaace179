//! The regression suite: real npm compromises and benign look-alikes, each a base/head lockfile
//! pair plus the registry documents as npmjs served them at the time (tests/regression/<case>/;
//! tests/regression/generate.py writes them and says what is reconstructed). Every case states
//! the verdict lockgate must reach; the suite prints a table and fails when any verdict changes.
//! The findings behind each verdict are snapshotted too, so a change in evidence shows in review.

use lockgate::diff::{self, Change};
use lockgate::lockfile::{Dependency, Entry, Flags, Format, Lockfile, Source};
use lockgate::policy::{Config, PackageVerdict, Policy, Verdict, overall, utc_date};
use lockgate::registry::Packument;
use lockgate::signals::{Facts, Lookup};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct CaseMeta {
    description: String,
    now: String,
    expected: String,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression")
}

/// The parts of a package-lock.json (v3) the suite needs: one entry per `node_modules/...` key,
/// with the line its key is written on.
fn read_lockfile(path: &Path) -> Lockfile {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut entries = Vec::new();
    for (key, value) in doc["packages"].as_object().unwrap() {
        let Some(idx) = key.rfind("node_modules/") else { continue };
        let name = &key[idx + "node_modules/".len()..];
        let line =
            text.lines().position(|l| l.trim_start().starts_with(&format!("\"{key}\":"))).unwrap() as u32 + 1;
        let resolved = value["resolved"].as_str().map(String::from);
        let source = match resolved.as_deref() {
            Some(r) if r.starts_with("git") => Source::Git,
            Some(r) if r.starts_with("https://registry.npmjs.org/") => Source::Registry,
            Some(_) => Source::Tarball,
            None => Source::Registry,
        };
        let mut dependencies = Vec::new();
        for (field, optional, peer) in [
            ("dependencies", false, false),
            ("optionalDependencies", true, false),
            ("peerDependencies", false, true),
        ] {
            for (dep, req) in value[field].as_object().into_iter().flatten() {
                dependencies.push(Dependency {
                    name: dep.clone(),
                    req: req.as_str().unwrap_or_default().to_owned(),
                    optional,
                    peer,
                    dev: false,
                });
            }
        }
        entries.push(Entry {
            name: name.to_owned(),
            alias: None,
            version: value["version"].as_str().unwrap().to_owned(),
            source,
            resolved,
            integrity: value["integrity"].as_str().map(String::from),
            flags: Flags::default(),
            install_script: value["hasInstallScript"].as_bool().unwrap_or(false),
            dependencies,
            key: key.clone(),
            line,
        });
    }
    Lockfile { path: "package-lock.json".into(), format: Format::Npm(3), entries, importers: vec![] }
}

fn read_registry(dir: &Path) -> BTreeMap<String, Packument> {
    let mut out = BTreeMap::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let path = file.unwrap().path();
        let doc: Packument = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        out.insert(doc.name.clone().unwrap(), doc);
    }
    out
}

struct Judged {
    change: Change,
    verdict: PackageVerdict,
}

fn run_case(dir: &Path) -> (CaseMeta, Verdict, Vec<Judged>) {
    let meta: CaseMeta = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
    let base = read_lockfile(&dir.join("base/package-lock.json"));
    let head = read_lockfile(&dir.join("head/package-lock.json"));
    let registry = read_registry(&dir.join("registry"));
    let now: jiff::Timestamp = meta.now.parse().unwrap();
    let policy = Policy::new(Config::default(), utc_date(now));
    let lookup = |name: &str| match registry.get(name) {
        Some(p) => Lookup::Found(p),
        None => Lookup::NotFound,
    };
    let is_registry_url = |_: &str, url: &str| url.starts_with("https://registry.npmjs.org/");
    let mut judged = Vec::new();
    for change in diff::diff(Some(&base), Some(&head)) {
        let facts = Facts {
            change: &change,
            packument: lookup(&change.name),
            now,
            packuments: &lookup,
            is_registry_url: &is_registry_url,
        };
        let verdict = policy.judge(&facts);
        judged.push(Judged { change, verdict });
    }
    let got = overall(judged.iter().map(|j| &j.verdict));
    (meta, got, judged)
}

fn versions(c: &Change) -> String {
    format!(
        "{} -> {}",
        c.from.as_ref().map_or("-", |e| e.version.as_str()),
        c.to.as_ref().map_or("-", |e| e.version.as_str())
    )
}

/// What the snapshot records per package: verdict, score, rules, findings, unavailable signals.
fn summary(judged: &[Judged]) -> serde_json::Value {
    judged
        .iter()
        .map(|j| {
            serde_json::json!({
                "package": format!("{} {}", j.change.name, versions(&j.change)),
                "verdict": j.verdict.verdict,
                "score": j.verdict.score,
                "rules": j.verdict.rules.iter().map(|r| format!("{}: {}", r.rule, r.message)).collect::<Vec<_>>(),
                "findings": j.verdict.findings.iter().map(|f| format!("{} [{}] {}", f.signal, f.severity, f.message)).collect::<Vec<_>>(),
                "unavailable": j.verdict.unavailable.iter().map(|u| format!("{}: {}", u.signal, u.reason)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

#[test]
fn regression_suite() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 19, "cases missing: {}", dirs.len());

    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    let mut snapshots = Vec::new();
    for dir in &dirs {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (meta, got, judged) = run_case(dir);
        let why: Vec<String> = judged
            .iter()
            .map(|j| {
                let mut because: Vec<String> = j.verdict.rules.iter().map(|r| r.rule.to_owned()).collect();
                if because.is_empty() {
                    because = j
                        .verdict
                        .findings
                        .iter()
                        .filter(|f| f.severity > lockgate::signals::Severity::Info)
                        .map(|f| f.signal.to_owned())
                        .collect();
                }
                format!(
                    "{} {} {} ({})",
                    j.change.name,
                    versions(&j.change),
                    j.verdict.verdict,
                    because.join(", ")
                )
            })
            .collect();
        if got.as_str() != meta.expected {
            mismatches.push(format!("{case}: expected {}, got {got} ({})", meta.expected, meta.description));
        }
        rows.push((case.clone(), meta.expected.clone(), got, why));
        snapshots.push((case, summary(&judged)));
    }

    println!("\n{:<40} {:<9} {:<5} packages", "case", "expected", "got");
    for (case, expected, got, why) in &rows {
        println!("{case:<40} {expected:<9} {got:<5} {}", why.first().map(String::as_str).unwrap_or("-"));
        for w in why.iter().skip(1) {
            println!("{:<56} {w}", "");
        }
    }
    let passed = rows.len() - mismatches.len();
    println!("\nregression: {passed} of {} cases reach the expected verdict", rows.len());
    assert!(mismatches.is_empty(), "verdicts changed:\n{}", mismatches.join("\n"));
    // Same verdicts; the findings behind them must not drift silently either.
    for (case, summary) in snapshots {
        insta::assert_json_snapshot!(case, summary);
    }
}
