//! `--format sarif`: every report lockgate writes validates against the official SARIF 2.1.0
//! schema (tests/fixtures/sarif/, extracted by scripts/fetch-sarif-schema.sh), carries what
//! GitHub code scanning needs, and keeps hostile registry text inert.

mod common;
#[path = "common/reports.rs"]
mod reports;

use common::{GitRepo, lockgate};
use lockgate::diff::ChangeKind;
use lockgate::lockfile::{Format, Source};
use lockgate::policy::{Allowed, Verdict};
use lockgate::report::{Command, LockfileInfo, Package, Report, SCHEMA, sarif};
use lockgate::signals::{self, Finding, Severity};
use serde_json::Value;
use std::sync::OnceLock;

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = common::fixtures().join("sarif/sarif-schema-2.1.0.json");
        let text = std::fs::read_to_string(&path).expect("schema file");
        // The OASIS text has a malformed `pattern` for `language` (a stray `]`), which a
        // validator that checks its schema's regexes rejects. SARIF's errata and Microsoft's
        // copy replace it with this one; lockgate never writes `language`, so validation of
        // everything it does write is untouched. Exactly two occurrences, or the file changed.
        let malformed = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
        assert_eq!(text.matches(malformed).count(), 2, "the schema file is not the one expected");
        let text = text.replace(malformed, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
        let schema: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(
            schema["$id"],
            "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
        );
        jsonschema::draft7::options().should_validate_formats(true).build(&schema).expect("schema compiles")
    })
}

/// Parse and validate; panics with every schema error.
fn validate(what: &str, text: &str) -> Value {
    let log: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
    let errors: Vec<String> =
        validator().iter_errors(&log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: SARIF does not validate:\n{}", errors.join("\n"));
    log
}

/// What GitHub's ingestion requires beyond the schema ("SARIF support for code scanning").
fn check_github_requirements(what: &str, log: &Value) {
    assert_eq!(log["version"], "2.1.0", "{what}");
    assert!(log["$schema"].as_str().is_some_and(|s| !s.is_empty()), "{what}");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "lockgate", "{what}");
    assert!(driver["semanticVersion"].is_string() && driver["informationUri"].is_string(), "{what}");
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = signals::ALL.iter().map(|s| s.id).collect();
    assert_eq!(ids, want, "{what}: one rule per signal, in signals::ALL order");
    for rule in rules {
        for field in ["shortDescription", "fullDescription"] {
            let text = rule[field]["text"].as_str().unwrap();
            assert!(!text.is_empty() && text.chars().count() <= 1024, "{what}: {field} {text}");
        }
        assert!(rule["name"].as_str().unwrap().chars().count() <= 255);
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        let id = rule["id"].as_str().unwrap();
        assert_eq!(rule["helpUri"], format!("{}#{id}", signals::DOCS_BASE));
        assert_eq!(rule["properties"]["tags"], serde_json::json!(["security", "supply-chain"]));
        if id != "no-provenance" {
            let score: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
            assert!(score > 0.0 && score <= 10.0, "{what}: {id} security-severity {score}");
        }
    }
    assert!(run["automationDetails"]["id"].as_str().unwrap().starts_with("lockgate/"), "{what}");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true, "{what}");
    for result in run["results"].as_array().unwrap() {
        let rule_id = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], rule_id, "{what}: ruleIndex points at the rule");
        assert!(!result["message"]["text"].as_str().unwrap().is_empty(), "{what}");
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()), "{what}");
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1, "{what}");
        let physical = &locations[0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
        let fp = &result["partialFingerprints"];
        assert!(fp["lockgate/v1"].as_str().is_some_and(|h| h.len() == 40), "{what}: {fp}");
        assert!(fp["primaryLocationLineHash"].is_string(), "{what}: {fp}");
    }
}

fn findings_expected(report: &Report) -> usize {
    report
        .packages
        .iter()
        .map(|p| {
            let live = if p.verdict == Verdict::Pass {
                0
            } else {
                p.findings.iter().filter(|f| f.severity >= Severity::Low).count()
            };
            live + p.allowed.iter().filter(|a| a.finding.severity >= Severity::Low).count()
        })
        .sum()
}

#[test]
fn the_schema_rejects_what_it_should() {
    // A validator that accepts anything would make every other test here pointless.
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"ruleId": "r"}]}]});
    assert!(!validator().is_valid(&bad), "a result without a message must not validate");
    let bad_version = serde_json::json!({"version": "2.0.0", "runs": []});
    assert!(!validator().is_valid(&bad_version));
    let bad_line = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation":
        {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]});
    assert!(!validator().is_valid(&bad_line), "line 0 must not validate");
    // Formats are checked too (helpUri is a `uri`).
    let bad_uri = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x",
        "rules": [{"id": "r", "helpUri": "not a uri"}]}}}]});
    assert!(!validator().is_valid(&bad_uri), "a helpUri that is not a URI must not validate");
}

#[test]
fn regression_cases_render_valid_sarif() {
    let reports = reports::regression_reports();
    assert!(reports.len() >= 19, "regression cases missing: {}", reports.len());
    let mut total = 0;
    for (case, report) in &reports {
        let text = sarif::render(report);
        assert_eq!(text, sarif::render(report), "{case}: same report, same bytes");
        let log = validate(case, &text);
        check_github_requirements(case, &log);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), findings_expected(report), "{case}: one result per low+ finding");
        assert!(
            results.iter().all(|r| r["ruleId"] != "no-provenance"),
            "{case}: info findings stay out of code scanning"
        );
        if report.verdict != Verdict::Pass {
            assert!(!results.is_empty(), "{case}: a warn/fail report has results");
        }
        for r in results {
            let package = report.packages.iter().find(|p| p.name == r["properties"]["package"]).unwrap();
            assert_eq!(r["locations"][0]["physicalLocation"]["region"]["startLine"], package.line.max(1));
            assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "package-lock.json");
        }
        total += results.len();
        // The rules are the same in every report; the snapshot holds what varies.
        insta::assert_json_snapshot!(format!("sarif-{case}"), results);
    }
    assert!(total > 20, "the regression cases yield only {total} results");
    let (_, first) = &reports[0];
    let log: Value = serde_json::from_str(&sarif::render(first)).unwrap();
    insta::assert_json_snapshot!("sarif-rules", log["runs"][0]["tool"]["driver"]["rules"]);
}

#[test]
fn fingerprints_ignore_line_shifts() {
    let (case, mut report) = reports::regression_reports()
        .into_iter()
        .find(|(_, r)| r.verdict == Verdict::Fail)
        .expect("a failing case");
    let before: Value = serde_json::from_str(&sarif::render(&report)).unwrap();
    for p in &mut report.packages {
        p.line += 40;
    }
    let after: Value = serde_json::from_str(&sarif::render(&report)).unwrap();
    let prints = |log: &Value| -> Vec<Value> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    assert!(!prints(&before).is_empty(), "{case}");
    assert_eq!(prints(&before), prints(&after), "{case}: fingerprints moved with the line");
    assert_ne!(
        before["runs"][0]["results"][0]["locations"], after["runs"][0]["results"][0]["locations"],
        "the location itself does follow the line"
    );
    // ...but they do depend on what the finding is about.
    let mut other = report.clone();
    if let Some(p) = other.packages.iter_mut().find(|p| p.to.is_some()) {
        p.to = Some("9.9.9-other".into());
    }
    let changed: Value = serde_json::from_str(&sarif::render(&other)).unwrap();
    assert_ne!(prints(&after), prints(&changed), "{case}: the version is part of the fingerprint");
}

fn package(name: &str, version: &str, line: u32) -> Package {
    Package {
        name: name.into(),
        from: Some("1.0.0".into()),
        to: Some(version.into()),
        change: ChangeKind::Updated,
        lockfile: "apps/web app/package-lock.json".into(),
        line,
        alias: None,
        source: Source::Registry,
        resolved: None,
        integrity: None,
        dev: false,
        optional: false,
        install_script: false,
        score: 100,
        verdict: Verdict::Fail,
        findings: Vec::new(),
        rules: Vec::new(),
        allowed: Vec::new(),
        unavailable: Vec::new(),
        unavailable_reasons: Vec::new(),
    }
}

fn report(packages: Vec<Package>) -> Report {
    Report {
        schema: SCHEMA,
        command: Command::Scan,
        verdict: Verdict::Fail,
        base: None,
        head: "working tree".into(),
        offline: false,
        now: "2026-03-31T01:00:00Z".into(),
        registry: Some("https://registry.npmjs.org/".into()),
        config: "defaults".into(),
        notes: vec!["allow entry for \u{1b}[31mx expired".into()],
        lockfiles: vec![LockfileInfo {
            path: "apps/web app/package-lock.json".into(),
            format: Format::Npm(3),
            base_format: None,
            base_path: None,
            change: ChangeKind::Unchanged,
            packages: 1,
        }],
        packages,
    }
}

#[test]
fn hostile_strings_stay_inert() {
    let big = "A".repeat(100 * 1024);
    let hostile = [
        "<img src=x onerror=alert(1)>",
        "</details>",
        "| table |",
        "[link](javascript:x)",
        "@org/team",
        "#123",
        "\n::error::x",
        "::add-mask::",
        "\x1b[31m",
        "\u{202E}evil",
        "\u{7f}\u{9b}2J",
        big.as_str(),
    ];
    let mut packages = Vec::new();
    for (i, s) in hostile.iter().enumerate() {
        let mut p = package(&format!("pkg{s}"), &format!("1.0.{i}{s}"), 10 + i as u32);
        p.findings.push(
            Finding::builder("new-publisher", Severity::High)
                .message(format!("published by {s}"))
                .evidence("publisher", s)
                .build(),
        );
        p.allowed.push(Allowed {
            finding: Finding::builder("install-script", Severity::Medium)
                .message(format!("script {s}"))
                .build(),
            reason: format!("reviewed {s}"),
            package: format!("pkg{s}"),
        });
        packages.push(p);
    }
    let report = report(packages);
    let text = sarif::render(&report);
    let log = validate("hostile", &text);
    check_github_requirements("hostile", &log);

    // No raw control or bidi-override character anywhere in the file: only JSON's own
    // newlines between lines.
    let raw: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(raw.is_empty(), "raw control characters in the SARIF: {raw:?}");
    // No output line can be read as a GitHub workflow command if the SARIF goes to a log.
    assert!(text.lines().all(|l| !l.trim_start().starts_with("::")), "a line starts a workflow command");

    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2 * hostile.len());
    for r in results {
        let message = r["message"]["text"].as_str().unwrap();
        // Plain text: control characters shown, not interpreted; and bounded.
        assert!(!message.chars().any(|c| c.is_control()), "{message:?}");
        assert!(message.chars().count() <= 4096, "message of {} chars", message.chars().count());
        assert!(!message.contains('\u{202E}'));
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "apps/web%20app/package-lock.json"
        );
    }
    let first = &results[0];
    assert_eq!(
        first["message"]["text"], "published by <img src=x onerror=alert(1)>",
        "plain text kept as is"
    );
    let newline =
        results.iter().find(|r| r["message"]["text"].as_str().unwrap().contains("::error::x")).unwrap();
    assert_eq!(newline["message"]["text"], "published by \\u{a}::error::x");
    // Allowed findings are there, dismissed with the policy's reason.
    let suppressed: Vec<&Value> = results.iter().filter(|r| r["suppressions"].is_array()).collect();
    assert_eq!(suppressed.len(), hostile.len());
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
    assert_eq!(suppressed[0]["suppressions"][0]["justification"], "reviewed <img src=x onerror=alert(1)>");
    // The huge evidence survives as data (JSON-escaped), the message is cut.
    assert!(text.len() > 100 * 1024);
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["message"]["text"], "allow entry for \\u{1b}[31mx expired");
}

#[test]
fn pass_packages_and_info_findings_are_not_alerts() {
    let mut quiet = package("left-pad", "1.3.1", 5);
    quiet.verdict = Verdict::Pass;
    quiet.findings.push(Finding::builder("recent-release", Severity::Low).message("fresh").build());
    let mut warned = package("right-pad", "2.0.0", 9);
    warned.verdict = Verdict::Warn;
    warned.findings.push(Finding::builder("no-provenance", Severity::Info).message("no provenance").build());
    warned.findings.push(Finding::builder("recent-release", Severity::Low).message("recent").build());
    let log = validate("quiet", &sarif::render(&report(vec![quiet, warned])));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["message"]["text"], "recent");
    assert_eq!(results[0]["level"], "note");
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "lockgate/scan/");
}

#[test]
fn a_policy_raising_a_signal_raises_its_rule() {
    let rule_severity = |report: &Report, id: &str| -> String {
        let log: Value = serde_json::from_str(&sarif::render(report)).unwrap();
        let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().clone();
        let rule = rules.into_iter().find(|r| r["id"] == id).unwrap();
        rule["properties"]["security-severity"].as_str().unwrap().to_owned()
    };
    let mut p = package("x", "1.0.1", 3);
    p.findings.push(Finding::builder("deprecated", Severity::Low).message("deprecated").build());
    assert_eq!(rule_severity(&report(vec![p.clone()]), "deprecated"), "3.0");
    assert_eq!(rule_severity(&report(vec![p.clone()]), "integrity-mismatch"), "9.5");
    p.findings[0].severity = Severity::Critical;
    assert_eq!(rule_severity(&report(vec![p]), "deprecated"), "9.5");
}

/// An npm v3 lockfile whose `evil` comes from git (untrusted-source fires with no registry).
const LOCK_WITH_GIT: &str = r#"{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "app",
      "version": "1.0.0",
      "dependencies": {
        "evil": "github:attacker/evil"
      }
    },
    "node_modules/evil": {
      "version": "1.0.0",
      "resolved": "git+ssh://git@github.com/attacker/evil.git#0123456789abcdef0123456789abcdef01234567"
    }
  }
}
"#;

const LOCK_EMPTY: &str = r#"{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "app",
      "version": "1.0.0"
    }
  }
}
"#;

#[test]
fn the_binary_writes_valid_sarif() {
    let repo = GitRepo::new();
    repo.write("package-lock.json", LOCK_EMPTY.as_bytes());
    repo.commit("base");
    repo.write("package-lock.json", LOCK_WITH_GIT.as_bytes());
    repo.commit("head");
    let run = lockgate(
        repo.path(),
        &[
            "diff",
            "--offline",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
            "--format",
            "sarif",
            "--now",
            "2026-03-31T01:00:00Z",
        ],
    );
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    let log = validate("cli diff", &run.stdout);
    check_github_requirements("cli diff", &log);
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "lockgate/diff/");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{}", run.stdout);
    assert_eq!(results[0]["ruleId"], "untrusted-source");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "package-lock.json"
    );
    let line = LOCK_WITH_GIT.lines().position(|l| l.contains("\"node_modules/evil\"")).unwrap() + 1;
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], line);
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(notes.to_string().contains("--offline"), "{notes}");

    // A scan too, to a file.
    let run = lockgate(repo.path(), &["scan", "--offline", "--format", "sarif", "--output", "out.sarif"]);
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    let text = std::fs::read_to_string(repo.path().join("out.sarif")).unwrap();
    let log = validate("cli scan", &text);
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "lockgate/scan/");
}

#[test]
fn results_beyond_githubs_limit_are_cut_least_severe_first() {
    let mut packages = Vec::new();
    for i in 0..2_501 {
        let mut p = package(&format!("p{i}"), "1.0.1", i + 1);
        p.verdict = Verdict::Warn;
        for _ in 0..10 {
            p.findings.push(Finding::builder("recent-release", Severity::Low).message("recent").build());
        }
        packages.push(p);
    }
    packages[2_500]
        .findings
        .push(Finding::builder("unpublished", Severity::Critical).message("gone").build());
    // Parsed, not validated: 25,000 results through the schema take long in a debug build.
    let log: Value = serde_json::from_str(&sarif::render(&report(packages))).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);
    assert_eq!(results[0]["ruleId"], "unpublished", "the critical finding is kept, first");
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(notes.contains("11 less severe results left out"), "{notes}");
}
