//! The regression suite: real npm compromises and benign look-alikes, each a base/head lockfile
//! pair plus the registry documents as npmjs served them at the time (tests/regression/<case>/;
//! tests/regression/generate.py writes them and says what is reconstructed). Every case states
//! the verdict lockgate must reach; the suite prints a table and fails when any verdict changes.
//! The findings behind each verdict are snapshotted too, so a change in evidence shows in review.
//!
//! Two passes: `regression_suite` judges each case in process (parser, diff, signals, policy);
//! `regression_suite_cli` runs the real `lockgate diff` on a git repository holding the two
//! lockfiles, against the case's documents served over HTTP on 127.0.0.1, and checks the exit
//! code, the JSON report and that the binary judges every package as the library does.

mod common;
#[path = "common/registry_server.rs"]
mod registry_server;
#[path = "common/reports.rs"]
mod reports;

use common::{GitRepo, lockgate};
use lockgate::diff::ChangeKind;
use lockgate::policy::Verdict;
use lockgate::report::Package;
use registry_server::RegistryServer;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct CaseMeta {
    description: String,
    now: String,
    expected: String,
}

fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 19, "cases missing: {}", dirs.len());
    dirs
}

/// One case judged in process, as `lockgate diff` judges it (`run::assess`, through
/// tests/common/reports.rs): the case's metadata, the overall verdict and every package.
fn run_case(dir: &Path) -> (CaseMeta, Verdict, Vec<Package>) {
    let meta: CaseMeta = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
    let report = reports::regression_report(dir);
    (meta, report.verdict, report.packages)
}

fn versions(p: &Package) -> String {
    format!("{} -> {}", p.from.as_deref().unwrap_or("-"), p.to.as_deref().unwrap_or("-"))
}

/// What the snapshot records per package: verdict, score, rules, findings, unavailable signals.
fn summary(judged: &[Package]) -> serde_json::Value {
    judged
        .iter()
        .map(|j| {
            serde_json::json!({
                "package": format!("{} {}", j.name, versions(j)),
                "verdict": j.verdict,
                "score": j.score,
                "rules": j.rules.iter().map(|r| format!("{}: {}", r.rule, r.message)).collect::<Vec<_>>(),
                "findings": j.findings.iter().map(|f| format!("{} [{}] {}", f.signal, f.severity, f.message)).collect::<Vec<_>>(),
                "unavailable": j.unavailable_reasons.iter().map(|u| format!("{}: {}", u.signal, u.reason)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

#[test]
fn regression_suite() {
    let dirs = case_dirs();

    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    let mut snapshots = Vec::new();
    for dir in &dirs {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (meta, got, judged) = run_case(dir);
        let why: Vec<String> = judged
            .iter()
            .map(|j| {
                let mut because: Vec<String> = j.rules.iter().map(|r| r.rule.to_owned()).collect();
                if because.is_empty() {
                    because = j
                        .findings
                        .iter()
                        .filter(|f| f.severity > lockgate::signals::Severity::Info)
                        .map(|f| f.signal.to_owned())
                        .collect();
                }
                format!("{} {} {} ({})", j.name, versions(j), j.verdict, because.join(", "))
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

/// The registry path of a package name, as the client asks for it (`/@scope%2fname`).
fn registry_path(name: &str) -> String {
    format!("/{}", name.replace('/', "%2f"))
}

/// One case through the real binary: a git repository whose HEAD~1 and HEAD hold the base and
/// head lockfiles, and the case's documents served over HTTP on 127.0.0.1.
fn run_case_cli(dir: &Path, meta: &CaseMeta) -> common::Run {
    let repo = GitRepo::new();
    repo.copy(&dir.join("base/package-lock.json"), "package-lock.json");
    repo.commit("base");
    repo.copy(&dir.join("head/package-lock.json"), "package-lock.json");
    repo.commit("head");
    let server = RegistryServer::start();
    for (name, doc) in read_registry_raw(&dir.join("registry")) {
        server.packument(&registry_path(&name), &doc);
    }
    let url = server.url();
    let run = lockgate(
        repo.path(),
        &[
            "diff",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
            "--registry",
            &url,
            "--now",
            &meta.now,
            "--format",
            "json",
        ],
    );
    // One request per package name, however many entries need it.
    let asked: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    let distinct: BTreeSet<&String> = asked.iter().collect();
    assert_eq!(distinct.len(), asked.len(), "{}: a package was requested twice: {asked:?}", dir.display());
    run
}

/// The registry documents of a case, by package name, as served (bytes untouched).
fn read_registry_raw(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        out.insert(doc["name"].as_str().unwrap().to_owned(), text);
    }
    out
}

/// Signals that need the locked version's manifest; all of them are unavailable when the
/// registry no longer lists the version.
const NEED_MANIFEST: &[&str] =
    &["new-publisher", "maintainers-changed", "provenance-regression", "deprecated"];

/// Checks one package of the CLI report against the registry documents themselves and against
/// the in-process judgement of the same change.
fn check_package(
    case: &str,
    p: &serde_json::Value,
    raw: &BTreeMap<String, serde_json::Value>,
    direct: &[Package],
) {
    let name = p["name"].as_str().unwrap();
    let to = p["to"].as_str();
    let what = format!("{case}: {name} {}", to.unwrap_or("-"));
    let unavailable: BTreeSet<&str> =
        p["unavailable"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    let reasons = p["unavailable_reasons"].as_array().map_or(0, Vec::len);
    assert_eq!(reasons, unavailable.len(), "{what}: every unavailable signal says why");
    for f in p["findings"].as_array().unwrap() {
        let signal = f["signal"].as_str().unwrap();
        let evidence = f["evidence"].as_object();
        assert!(evidence.is_some_and(|e| !e.is_empty()), "{what}: {signal} finding without evidence: {f}");
        assert!(!f["message"].as_str().unwrap_or_default().is_empty(), "{what}: {signal} without message");
        assert!(f["docs_url"].as_str().unwrap_or_default().ends_with(&format!("#{signal}")), "{what}: {f}");
        assert!(!unavailable.contains(signal), "{what}: {signal} is both a finding and unavailable");
    }
    // Absent registry data must show as unavailable, never be silently clean.
    if let (Some(doc), Some(to)) = (raw.get(name), to) {
        match doc["versions"].get(to) {
            None => {
                for s in NEED_MANIFEST {
                    assert!(
                        unavailable.contains(s),
                        "{what}: version gone, {s} not listed unavailable: {unavailable:?}"
                    );
                }
            }
            Some(m) if m.get("_npmUser").is_none() => {
                assert!(unavailable.contains("new-publisher"), "{what}: no _npmUser, {unavailable:?}")
            }
            Some(_) => {
                assert!(!unavailable.contains("new-publisher"), "{what}: _npmUser is there: {unavailable:?}")
            }
        }
    }
    // The binary judges exactly as the library does in process.
    let same = direct.iter().find(|j| j.name == name && j.to.as_deref() == to);
    let Some(j) = same else { panic!("{what}: not in the in-process diff") };
    assert_eq!(p["verdict"], j.verdict.as_str(), "{what}: verdict differs from in-process");
    assert_eq!(p["score"], j.score, "{what}: score differs from in-process");
    let signals: Vec<&str> =
        p["findings"].as_array().unwrap().iter().map(|f| f["signal"].as_str().unwrap()).collect();
    let want: Vec<&str> = j.findings.iter().map(|f| f.signal).collect();
    assert_eq!(signals, want, "{what}: findings differ from in-process");
    let want: BTreeSet<&str> = j.unavailable_reasons.iter().map(|u| u.signal).collect();
    assert_eq!(unavailable, want, "{what}: unavailable differs from in-process");
}

/// One case end to end: (case, expected, got, exit code, mismatch if any). Panics on a report
/// that contradicts the registry documents or the in-process judgement.
fn cli_case(dir: &Path) -> (String, String, String, i32, Option<String>) {
    let case = dir.file_name().unwrap().to_string_lossy().into_owned();
    let (meta, _, direct) = run_case(dir);
    let run = run_case_cli(dir, &meta);
    let report = run.json();
    let got = report["verdict"].as_str().unwrap_or("?").to_owned();
    let want_code = if meta.expected == "fail" { 1 } else { 0 };
    let mismatch = (got != meta.expected || run.code != want_code).then(|| {
        format!(
            "{case}: expected {} (exit {want_code}), got {got} (exit {}); stderr: {}",
            meta.expected, run.code, run.stderr
        )
    });
    assert_eq!(
        report["now"].as_str().map(|n| n.parse::<jiff::Timestamp>().unwrap()),
        Some(meta.now.parse().unwrap())
    );
    assert_eq!(report["lockfiles"][0]["format"], "npm-v3", "{case}");
    let raw: BTreeMap<String, serde_json::Value> = read_registry_raw(&dir.join("registry"))
        .into_iter()
        .map(|(n, t)| (n, serde_json::from_str(&t).unwrap()))
        .collect();
    let packages = report["packages"].as_array().unwrap();
    let judged = direct.iter().filter(|j| j.change != ChangeKind::Removed).count();
    assert_eq!(packages.iter().filter(|p| p["change"] != "removed").count(), judged, "{case}");
    for p in packages.iter().filter(|p| p["change"] != "removed") {
        check_package(&case, p, &raw, &direct);
    }
    (case, meta.expected, got, run.code, mismatch)
}

/// The suite again, end to end: the real `lockgate diff` on a real git repository against the
/// test registry over HTTP. Catches what the in-process pass cannot: lockfile discovery, the
/// registry client, `--now`, the JSON report and the exit code.
#[test]
fn regression_suite_cli() {
    let dirs = case_dirs();

    // A case is a few short processes (git, lockgate); a thread each keeps the suite quick.
    let results: Vec<(String, String, String, i32, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = dirs.iter().map(|dir| scope.spawn(move || cli_case(dir))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    for (case, expected, got, code, mismatch) in results {
        mismatches.extend(mismatch);
        rows.push((case, expected, got, code));
    }

    println!("\nCLI pass (lockgate diff --format json against the test registry)");
    println!("{:<40} {:<9} {:<5} exit", "case", "expected", "got");
    for (case, expected, got, code) in &rows {
        println!("{case:<40} {expected:<9} {got:<5} {code}");
    }
    let passed = rows.len() - mismatches.len();
    println!("\nregression (CLI): {passed} of {} cases reach the expected verdict and exit code", rows.len());
    assert!(mismatches.is_empty(), "CLI verdicts differ:\n{}", mismatches.join("\n"));
}
