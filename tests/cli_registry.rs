//! The registry-facing CLI end to end: the real `lockgate` binary on real git repositories,
//! asking the test registry over HTTP on 127.0.0.1. Covers where the policy and the registry
//! settings come from (`.github/lockgate.yml`, `--config`, `.npmrc`), the flags that change the
//! verdict (`--fail-on`, expired allow entries), reproducibility (`--now`), the revalidation
//! cache (`--offline-cache`), and how registry answers map to the report and exit codes.
//!
//! The scenarios reuse the regression cases (tests/regression/<case>/): real incidents with
//! lockfiles and registry documents in the npmjs shape.

mod common;
#[path = "common/registry_server.rs"]
mod registry_server;

use common::{GitRepo, Run, lockgate};
use registry_server::{RegistryServer, Route};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression").join(case)
}

fn case_now(case: &str) -> String {
    let meta: Value =
        serde_json::from_slice(&std::fs::read(case_dir(case).join("case.json")).unwrap()).unwrap();
    meta["now"].as_str().unwrap().to_owned()
}

/// The case's registry documents: package name -> document.
fn case_docs(case: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for file in std::fs::read_dir(case_dir(case).join("registry")).unwrap() {
        let doc: Value = serde_json::from_slice(&std::fs::read(file.unwrap().path()).unwrap()).unwrap();
        out.insert(doc["name"].as_str().unwrap().to_owned(), doc);
    }
    out
}

/// The path the client asks for (`/@scope%2fname`).
fn registry_path(name: &str) -> String {
    format!("/{}", name.replace('/', "%2f"))
}

fn serve(server: &RegistryServer, docs: &BTreeMap<String, Value>) {
    for (name, doc) in docs {
        server.packument(&registry_path(name), &serde_json::to_string_pretty(doc).unwrap());
    }
}

/// A repository whose HEAD~1 is the case's base lockfile plus `base_files`, and whose HEAD is
/// the head lockfile plus `head_files` (which may replace base files).
fn case_repo(case: &str, base_files: &[(&str, &str)], head_files: &[(&str, &str)]) -> GitRepo {
    let repo = GitRepo::new();
    repo.copy(&case_dir(case).join("base/package-lock.json"), "package-lock.json");
    for (path, text) in base_files {
        repo.write(path, text.as_bytes());
    }
    repo.commit("base");
    repo.copy(&case_dir(case).join("head/package-lock.json"), "package-lock.json");
    for (path, text) in head_files {
        repo.write(path, text.as_bytes());
    }
    repo.commit("head");
    repo
}

/// `lockgate diff --base HEAD~1 --head HEAD --now <case's now> --format json` plus `extra`.
fn diff(repo: &GitRepo, case: &str, extra: &[&str]) -> Run {
    diff_at(repo, &case_now(case), "json", extra)
}

/// `lockgate diff --base HEAD~1 --head HEAD --now <now> --format <format>` plus `extra`.
fn diff_at(repo: &GitRepo, now: &str, format: &str, extra: &[&str]) -> Run {
    let mut args = vec!["diff", "--base", "HEAD~1", "--head", "HEAD", "--now", now, "--format", format];
    args.extend_from_slice(extra);
    lockgate(repo.path(), &args)
}

fn package<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the report: {report:#}"))
}

fn signals_of(p: &Value, field: &str) -> Vec<String> {
    p[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.get("signal").unwrap_or(v).as_str().unwrap().to_owned())
        .collect()
}

fn notes(report: &Value) -> Vec<String> {
    report["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect()
}

/// Accepts every finding on the two packages the axios case fails on.
const ALLOW_AXIOS: &str = "\
allow:
  - package: axios
    signals: all
    reason: reviewed by security
  - package: plain-crypto-js
    signals: all
    reason: reviewed by security
";

/// The axios case fails with the defaults; the same config, depending on where it is written,
/// turns it into a pass or does not.
#[test]
fn policy_comes_from_the_base_revision() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    let url = server.url();

    // Control: without any config the case fails.
    let repo = case_repo("axios-1.14.1", &[], &[]);
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["config"], "defaults (no .github/lockgate.yml)");

    // The allow list committed at the base applies.
    let repo = case_repo("axios-1.14.1", &[(".github/lockgate.yml", ALLOW_AXIOS)], &[]);
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    let report = run.json();
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["config"], ".github/lockgate.yml at HEAD~1");
    let axios = package(&report, "axios");
    assert!(signals_of(axios, "findings").is_empty(), "{axios:#}");
    let allowed = axios["allowed"].as_array().unwrap();
    assert!(allowed.iter().any(|a| a["finding"]["signal"] == "new-publisher"), "{axios:#}");
    assert!(allowed.iter().all(|a| a["reason"] == "reviewed by security"), "{axios:#}");

    // The same allow list added by the pull request itself does not: a PR cannot loosen its
    // own gate (otherwise a compromised dependency update would ship its own exemption). The
    // base has a config; the head rewrites it.
    let repo = case_repo(
        "axios-1.14.1",
        &[(".github/lockgate.yml", "fail-on: critical\n")],
        &[(".github/lockgate.yml", &format!("fail-on: critical\n{ALLOW_AXIOS}"))],
    );
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 1, "head-only allow entry applied: {}", run.stdout);
    let report = run.json();
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["config"], ".github/lockgate.yml at HEAD~1");
    assert!(package(&report, "axios")["allowed"].is_null(), "{report:#}");
    // A head that adds the config where the base has none: defaults, not the head's file.
    let repo = case_repo("axios-1.14.1", &[], &[(".github/lockgate.yml", ALLOW_AXIOS)]);
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 1, "head-only config applied: {}", run.stdout);
    assert_eq!(run.json()["config"], "defaults (no .github/lockgate.yml)");
}

/// `--config FILE` replaces the base revision's file (an operator's explicit choice).
#[test]
fn config_flag_overrides_the_repository_file() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[(".github/lockgate.yml", "fail-on: critical\n")], &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lockgate.yml");
    std::fs::write(&file, ALLOW_AXIOS).unwrap();
    let file = file.to_str().unwrap();
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url, "--config", file]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    let report = run.json();
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["config"], file);
}

#[test]
fn unknown_config_keys_are_errors_naming_key_and_line() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lockgate.yml");
    // `expire` for `expires`, on line 6.
    std::fs::write(&file, "fail-on: high\nallow:\n  - package: axios\n    signals: all\n    reason: r\n    expire: 2026-12-31\n")
        .unwrap();
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url, "--config", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no report on a usage error: {}", run.stdout);
    assert!(run.stderr.contains(&format!("{}:6:", file.display())), "{}", run.stderr);
    assert!(run.stderr.contains("expire"), "{}", run.stderr);

    // The same from the base revision's file: the message names that file and revision.
    let repo = case_repo("axios-1.14.1", &[(".github/lockgate.yml", "fail-on: high\nfail_on: low\n")], &[]);
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".github/lockgate.yml at HEAD~1:2:"), "{}", run.stderr);
    assert!(run.stderr.contains("fail_on"), "{}", run.stderr);
    // Nothing was asked of the registry: configuration errors stop the run first.
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// An allow entry applies through its `expires` day (UTC, by `--now`) and not after; the
/// report's notes say which entries expired.
#[test]
fn expired_allow_entries_stop_applying() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    let url = server.url();
    // The case is judged at 2026-03-31T01:00:00Z.
    let with_expiry = |day: &str| {
        ALLOW_AXIOS.replace(
            "reason: reviewed by security\n",
            &format!("reason: reviewed by security\n    expires: {day}\n"),
        )
    };

    let repo = case_repo("axios-1.14.1", &[(".github/lockgate.yml", &with_expiry("2026-03-31"))], &[]);
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 0, "entry on its last day must apply: {}", run.stdout);
    assert!(notes(&run.json()).is_empty(), "{}", run.stdout);

    let repo = case_repo("axios-1.14.1", &[(".github/lockgate.yml", &with_expiry("2026-03-30"))], &[]);
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 1, "expired entry still applied: {}", run.stdout);
    let report = run.json();
    assert_eq!(report["verdict"], "fail");
    assert!(package(&report, "axios")["allowed"].is_null(), "{report:#}");
    assert_eq!(
        notes(&report),
        [
            "allow entry for axios (reviewed by security) expired on 2026-03-30 and no longer applies",
            "allow entry for plain-crypto-js (reviewed by security) expired on 2026-03-30 and no longer applies",
        ]
    );
    // The text report says it too.
    let text = lockgate(
        repo.path(),
        &[
            "diff",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
            "--now",
            &case_now("axios-1.14.1"),
            "--registry",
            &url,
        ],
    );
    assert!(
        text.stdout.contains("note: allow entry for axios (reviewed by security) expired on 2026-03-30"),
        "{}",
        text.stdout
    );
}

#[test]
fn fail_on_overrides_the_policy() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);
    // A failing change passes the gate with --fail-on never; the findings are still reported.
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url, "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "warn");
    assert!(signals_of(package(&report, "axios"), "findings").contains(&"new-publisher".to_owned()));

    // bcrypt's only finding is a low one (an install script it always had): a warn by default,
    // still a warn at --fail-on medium, a failure at --fail-on low.
    let server = RegistryServer::start();
    serve(&server, &case_docs("bcrypt-patch"));
    let url = server.url();
    let repo = case_repo("bcrypt-patch", &[], &[]);
    let run = diff(&repo, "bcrypt-patch", &["--registry", &url]);
    assert_eq!((run.code, run.json()["verdict"].clone()), (0, Value::from("warn")), "{}", run.stderr);
    let run = diff(&repo, "bcrypt-patch", &["--registry", &url, "--fail-on", "medium"]);
    assert_eq!((run.code, run.json()["verdict"].clone()), (0, Value::from("warn")), "{}", run.stderr);
    let run = diff(&repo, "bcrypt-patch", &["--registry", &url, "--fail-on", "low"]);
    assert_eq!((run.code, run.json()["verdict"].clone()), (1, Value::from("fail")), "{}", run.stderr);

    // The flag beats the file: the base config says `fail-on: low`, the flag says never.
    let repo = case_repo("bcrypt-patch", &[(".github/lockgate.yml", "fail-on: low\n")], &[]);
    assert_eq!(diff(&repo, "bcrypt-patch", &["--registry", &url]).code, 1);
    assert_eq!(diff(&repo, "bcrypt-patch", &["--registry", &url, "--fail-on", "never"]).code, 0);
    // An unknown level is a usage error.
    assert_eq!(diff(&repo, "bcrypt-patch", &["--registry", &url, "--fail-on", "severe"]).code, 2);
}

/// With `--now`, the same inputs give the same report, byte for byte; the instant is part of
/// the report and decides ages.
#[test]
fn now_makes_the_report_reproducible() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);
    let first = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    let second = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(first.code, 1);
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout, "two runs with the same --now differ");
    assert_eq!(first.json()["now"], "2026-03-31T01:00:00Z");

    // A month later the same change is no longer fresh: ages follow --now, not the clock.
    let later = diff_at(&repo, "2026-05-01T00:00:00Z", "json", &["--registry", &url]);
    let report = later.json();
    assert_eq!(report["now"], "2026-05-01T00:00:00Z");
    assert!(
        !signals_of(package(&report, "axios"), "findings").contains(&"recent-release".to_owned()),
        "{report:#}"
    );
    // A malformed instant is a usage error.
    let bad = lockgate(
        repo.path(),
        &["diff", "--base", "HEAD~1", "--head", "HEAD", "--registry", &url, "--now", "yesterday"],
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--now") && bad.stderr.contains("RFC 3339"), "{}", bad.stderr);
}

/// `--format markdown` from the binary: the comment a reviewer reads, with the evidence the
/// registry gave (publishers, the dependency diff) and why each package is in the lockfile.
#[test]
fn markdown_report_carries_the_evidence() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);
    let run = diff_at(&repo, &case_now("axios-1.14.1"), "markdown", &["--registry", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let md = &run.stdout;
    assert!(md.starts_with("### ❌ lockgate: fail\n\n2 packages block this merge: `axios`"), "{md}");
    assert!(md.contains("| ❌ | `axios` | `1.14.0` → `1.14.1` | new publisher, provenance lost"), "{md}");
    assert!(
        md.contains("| Published by | GitHub Actions &lt;npm\\-oidc\\-no\\-reply@\u{200B}github.com&gt; |"),
        "{md}"
    );
    assert!(md.contains("\n+plain-crypto-js@^4.2.1\n"), "{md}");
    assert!(md.contains("**Why it is here:** `plain-crypto-js` ← `axios` ← `package.json`"), "{md}");
    assert!(md.contains(&format!("registry `{}/`", url.trim_end_matches('/'))), "{md}");
    // The JSON report carries the same evidence for machines.
    let json = diff(&repo, "axios-1.14.1", &["--registry", &url]).json();
    let axios = package(&json, "axios");
    assert_eq!(axios["dependency_path"], serde_json::json!(["axios", "package.json"]));
    assert_eq!(axios["context"]["previous"], "1.14.0");
    assert_eq!(axios["context"]["old"]["trust"]["trusted_publisher"], true);
    assert_eq!(axios["context"]["new"]["trust"]["trusted_publisher"], false);
}

/// A package the registry does not know (404: a private package, say) is part of the report,
/// marked as unknown to the registry; the run goes on and ends with the policy's verdict.
#[test]
fn unknown_package_is_reported_not_an_error() {
    let server = RegistryServer::start();
    let mut docs = case_docs("axios-1.14.1");
    docs.remove("plain-crypto-js");
    serve(&server, &docs);
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert!(run.code == 0 || run.code == 1, "a 404 must not end the run: {} {}", run.code, run.stderr);
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
    let statuses: Vec<u16> = server.requests_to("/plain-crypto-js").iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404], "asked once, no retries on a 404");
    let report = run.json();
    let p = package(&report, "plain-crypto-js");
    assert_eq!(p["to"], "4.2.1");
    let unavailable = signals_of(p, "unavailable");
    for s in
        ["new-publisher", "maintainers-changed", "provenance-regression", "unpublished", "recent-release"]
    {
        assert!(unavailable.contains(&s.to_owned()), "{s} not unavailable: {p:#}");
    }
    let reasons = p["unavailable_reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r["reason"] == "the registry does not know this package"), "{p:#}");
    // Not knowing a package is not evidence against it: no finding comes from registry data.
    for s in signals_of(p, "findings") {
        assert!(!unavailable.contains(&s), "{s} is both a finding and unavailable: {p:#}");
    }
    // The dependency it is pulled in by knows it is nowhere on the registry.
    let axios = package(&report, "axios");
    let added = axios["findings"].as_array().unwrap().iter().find(|f| f["signal"] == "dependency-added");
    assert!(added.is_some(), "{axios:#}");
}

/// A registry that keeps failing is an error of the run (exit 3, a clear message, no report):
/// never a pass.
#[test]
fn registry_failing_after_retries_exits_3() {
    let server = RegistryServer::start();
    for name in case_docs("axios-1.14.1").keys() {
        server.route(&registry_path(name), Route::status(500));
    }
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);
    let started = std::time::Instant::now();
    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no report when the registry cannot answer: {}", run.stdout);
    assert!(run.stderr.contains("registry unreachable"), "{}", run.stderr);
    assert!(run.stderr.contains("HTTP 500"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("http://{}/", server.addr)), "names the registry: {}", run.stderr);
    // One try and three retries (with backoff) for the package that ended the run.
    let most = ["/axios", "/follow-redirects", "/plain-crypto-js"]
        .iter()
        .map(|p| server.requests_to(p).len())
        .max()
        .unwrap();
    assert_eq!(most, 4, "{:?}", server.requests());
    assert!(started.elapsed().as_secs() < 30);
}

/// A warm `--offline-cache` revalidates every document (`If-None-Match`) and downloads none.
#[test]
fn offline_cache_second_run_only_revalidates() {
    let server = RegistryServer::start();
    let docs = case_docs("axios-1.14.1");
    serve(&server, &docs);
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();

    let first = diff(&repo, "axios-1.14.1", &["--registry", &url, "--offline-cache", cache_dir]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let cold: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert!(!cold.is_empty() && cold.iter().all(|s| *s == 200), "{cold:?}");
    server.clear_requests();

    let second = diff(&repo, "axios-1.14.1", &["--registry", &url, "--offline-cache", cache_dir]);
    assert_eq!(second.code, 1, "{}", second.stderr);
    let warm = server.requests();
    assert_eq!(warm.len(), cold.len(), "one request per package: {warm:?}");
    for r in &warm {
        assert_eq!(r.status, 304, "{}: a full download on a warm cache", r.path);
        assert_eq!(r.body_bytes, 0);
        assert!(r.headers.contains_key("if-none-match"), "{:?}", r.headers);
    }
    // The cached documents give the same judgement.
    assert_eq!(first.stdout, second.stdout);
}

/// The project's `.npmrc` is read at the base revision, like the policy: a pull request must
/// not be able to send lockgate to a registry of its choosing (which could serve clean-looking
/// documents for a compromised version).
#[test]
fn npmrc_comes_from_the_base_revision() {
    let trusted = RegistryServer::start();
    let attacker = RegistryServer::start();
    let docs = case_docs("shai-hulud-tinycolor-4.1.1");
    serve(&trusted, &docs);
    serve(&attacker, &docs);
    let base_npmrc = format!("registry={}\n", trusted.url());
    let head_npmrc = format!("registry={0}\n@ctrl:registry={0}\n", attacker.url());
    let head_config = format!("registry: {}\n", attacker.url());
    let repo = case_repo(
        "shai-hulud-tinycolor-4.1.1",
        &[(".npmrc", &base_npmrc)],
        &[(".npmrc", &head_npmrc), (".github/lockgate.yml", &head_config)],
    );
    let run = diff(&repo, "shai-hulud-tinycolor-4.1.1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["registry"], trusted.url());
    assert!(attacker.requests().is_empty(), "the head's .npmrc was used: {:?}", attacker.requests());
    let asked: Vec<String> = trusted.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(asked, ["/@ctrl%2ftinycolor"]);

    // Control: scanning the head revision trusts the head's files, and so reaches the second
    // server; the assertion above would have seen a request there.
    trusted.clear_requests();
    let now = case_now("shai-hulud-tinycolor-4.1.1");
    let run = lockgate(repo.path(), &["scan", "--rev", "HEAD", "--now", &now, "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(!attacker.requests().is_empty());
    assert!(trusted.requests().is_empty());
}

/// Strip what mirrors and self-hosted registries do not keep: the publisher (`_npmUser`),
/// maintainers, and provenance attestations; `keep_signatures` leaves the registry's signatures
/// in `dist` (a mirror copying `dist` as is).
fn mirror(docs: &BTreeMap<String, Value>, keep_signatures: bool) -> BTreeMap<String, Value> {
    let mut out = docs.clone();
    for doc in out.values_mut() {
        let doc = doc.as_object_mut().unwrap();
        doc.remove("maintainers");
        for m in doc.get_mut("versions").unwrap().as_object_mut().unwrap().values_mut() {
            let m = m.as_object_mut().unwrap();
            m.remove("_npmUser");
            m.remove("maintainers");
            if let Some(dist) = m.get_mut("dist").and_then(Value::as_object_mut) {
                dist.remove("attestations");
                if !keep_signatures {
                    dist.remove("signatures");
                }
            }
        }
    }
    out
}

/// Absent registry data is *unavailable*, listed per package, never a finding: on a mirror the
/// identity and trust signals cannot look, and say so. Every regression case, served as the
/// mirror these machines reach serves documents (no `_npmUser`, no `maintainers`, `dist` with
/// only integrity, shasum and tarball); the cases whose releases carried provenance or trusted
/// publishing also with the registry's signatures left in `dist`, where a drop in trust would
/// otherwise hide behind signatures that every version has.
#[test]
fn mirror_documents_make_identity_signals_unavailable() {
    let mut cases: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("case.json").is_file())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
    cases.sort();
    assert!(cases.len() >= 19);
    let had_trust = |case: &str| {
        case_docs(case).values().any(|doc| {
            doc["versions"].as_object().unwrap().values().any(|m| {
                m["dist"].get("attestations").is_some() || m["_npmUser"].get("trustedPublisher").is_some()
            })
        })
    };
    let runs: Vec<(&str, bool)> = cases
        .iter()
        .flat_map(|c| {
            let signed = had_trust(c).then_some((c.as_str(), true));
            std::iter::once((c.as_str(), false)).chain(signed)
        })
        .collect();
    assert!(runs.len() > cases.len() + 3, "cases with provenance: {runs:?}");
    // Each run is a few short processes; a thread per run keeps the test quick.
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            runs.iter().map(|&(case, keep)| scope.spawn(move || check_mirror_case(case, keep))).collect();
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

fn check_mirror_case(case: &str, keep_signatures: bool) {
    const IDENTITY: [&str; 3] = ["new-publisher", "maintainers-changed", "provenance-regression"];
    let what = format!("{case} (signatures kept: {keep_signatures})");
    let docs = mirror(&case_docs(case), keep_signatures);
    let server = RegistryServer::start();
    serve(&server, &docs);
    let url = server.url();
    let repo = case_repo(case, &[], &[]);
    let run = diff(&repo, case, &["--registry", &url]);
    assert!(run.code == 0 || run.code == 1, "{what}: {}", run.stderr);
    let report = run.json();
    let mut judged = 0;
    for p in report["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let Some(doc) = docs.get(name) else { continue };
        if p["change"] == "removed" {
            continue;
        }
        judged += 1;
        let findings = signals_of(p, "findings");
        let unavailable = signals_of(p, "unavailable");
        for s in IDENTITY {
            assert!(!findings.contains(&s.to_owned()), "{what}: {name}: {s} fired on missing data: {p:#}");
            // A first release has nothing to compare with; everything else must say why not.
            if p["change"] == "updated" || s == "new-publisher" {
                assert!(
                    unavailable.contains(&s.to_owned()),
                    "{what}: {name}: {s} not listed unavailable: {p:#}"
                );
            }
        }
        if doc["versions"].get(p["to"].as_str().unwrap()).is_some() {
            let reasons = p["unavailable_reasons"].as_array().unwrap();
            let reason =
                reasons.iter().find(|r| r["signal"] == "new-publisher").map(|r| r["reason"].to_string());
            assert!(reason.is_some_and(|r| r.contains("_npmUser")), "{what}: {p:#}");
        }
    }
    assert!(judged > 0, "{what}: nothing judged");
}

/// The progress line ("asking the registry about N packages… k/N") is for terminals only: a
/// pipe (every other test here) and GitHub Actions logs never see a carriage return. The
/// terminal case runs the binary under `script` (util-linux), which gives it a real pty.
#[test]
fn progress_line_only_on_a_terminal() {
    let server = RegistryServer::start();
    serve(&server, &case_docs("axios-1.14.1"));
    server.set_latency(std::time::Duration::from_millis(400));
    let url = server.url();
    let repo = case_repo("axios-1.14.1", &[], &[]);

    let run = diff(&repo, "axios-1.14.1", &["--registry", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains('\r') && !run.stderr.contains("asking the registry"), "{:?}", run.stderr);

    let now = case_now("axios-1.14.1");
    let under_pty = |github_actions: Option<&str>| -> String {
        let binary = env!("CARGO_BIN_EXE_lockgate");
        let command = format!(
            "{binary} diff --base HEAD~1 --head HEAD --now {now} --registry {url} --format json --output out.json"
        );
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qefc", &command, "/dev/null"])
            .current_dir(repo.path())
            .env("npm_config_userconfig", "/nonexistent/lockgate-test-npmrc")
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_ACTIONS");
        if let Some(v) = github_actions {
            cmd.env("GITHUB_ACTIONS", v);
        }
        let out = cmd.output().expect("script (util-linux) runs");
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tty = under_pty(None);
    assert!(tty.contains("\rlockgate: asking the registry about 2 packages\u{2026} 0/2"), "{tty:?}");
    // Cleared at the end: the last thing on the line is the blanking, nothing after it.
    assert!(tty.trim_end_matches(['\r', '\n']).ends_with(' '), "{tty:?}");
    let ci = under_pty(Some("true"));
    assert!(!ci.contains("asking the registry"), "{ci:?}");
}
