//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).
//!
//! Shape, following GitHub's "SARIF support for code scanning" reference:
//!
//! - One rule per signal in [`signals::ALL`] (rule id = signal id), always all of them and in
//!   that order, so rule metadata and `ruleIndex` do not change from run to run.
//! - One result per finding of severity low or above, on a package whose verdict is warn or
//!   fail. `info` findings (no-provenance) are left out: as `note` alerts they would be noise
//!   in code scanning, and they never change a verdict. Findings an allow entry accepted are
//!   kept, with a `suppressions` entry carrying the entry's reason, so code scanning shows them
//!   as dismissed instead of reopening them.
//! - Each result sits on the package's line in the lockfile, relative to the repository root
//!   (`%SRCROOT%`).
//! - `security-severity` is read by GitHub from the rule only, and rules should change only
//!   with the tool. A signal's findings vary in severity (recent-release is high under 24 h
//!   and low under 7 days), so a rule carries the highest severity its signal produces under
//!   the default policy, raised when the policy overrides a signal to something higher and a
//!   finding in this report shows it. Under-ranking a high finding in a security view is worse
//!   than over-ranking a low one; the result's `level` and `properties.severity` keep the
//!   finding's own severity, and lockgate's verdict stays the gate.
//! - `partialFingerprints` are hashes of signal, lockfile path, package name and version, not
//!   of the line: a rescan after unrelated lockfile edits matches the same alerts. GitHub only
//!   reads `primaryLocationLineHash`, and `upload-sarif` keeps one that is already set.
//!
//! Uploading `diff` results has a limit worth knowing: a later upload in the same category
//! holds only that run's changes, so code scanning closes earlier alerts as fixed. A
//! scheduled `scan` is the upload that tracks the state of the lockfiles.
//!
//! Untrusted text (messages, package names, allow reasons) goes into plain-text fields only,
//! with control and bidirectional-override characters shown as visible escapes; the Markdown
//! help is lockgate's own documentation. The output is byte-for-byte the same for the same
//! report.

use super::{Command, Package, Report, Verdict};
use crate::escape;
use crate::signals::{self, DOCS_BASE, Finding, Severity, Signal};
use serde::Serialize;
use std::collections::BTreeMap;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/lockgate/lockgate";
/// Version of the `lockgate/v1` fingerprint; a change of its inputs gets a new key.
const FINGERPRINT_KEY: &str = "lockgate/v1";
/// GitHub truncates or rejects longer descriptions.
const MAX_DESCRIPTION: usize = 1024;
/// Messages are alert titles; registry text can be arbitrarily long.
const MAX_MESSAGE: usize = 4096;
/// GitHub rejects a run with more results than this.
const MAX_RESULTS: usize = 25_000;

pub fn render(report: &Report) -> String {
    let log = Log { schema: SCHEMA_URI, version: "2.1.0", runs: vec![run(report)] };
    let json =
        serde_json::to_string_pretty(&log).expect("the SARIF model holds only strings, numbers and maps");
    let mut out = json_escape_controls(&json);
    out.push('\n');
    out
}

fn run(report: &Report) -> Run {
    let rules: Vec<Rule> = signals::ALL.iter().map(|s| rule(s, report)).collect();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut results = Vec::new();
    for package in &report.packages {
        if package.verdict != Verdict::Pass {
            for finding in package.findings.iter().filter(|f| f.severity >= Severity::Low) {
                results.push(result(package, finding, None, &mut seen));
            }
        }
        for allowed in package.allowed.iter().filter(|a| a.finding.severity >= Severity::Low) {
            results.push(result(package, &allowed.finding, Some(&allowed.reason), &mut seen));
        }
    }
    let mut left_out = None;
    if results.len() > MAX_RESULTS {
        // Keep the most severe (a stable sort keeps lockfile order within a severity).
        results.sort_by_key(|r| std::cmp::Reverse(r.severity));
        left_out = Some(results.len() - MAX_RESULTS);
        results.truncate(MAX_RESULTS);
    }
    let category = match report.command {
        Command::Diff => "lockgate/diff/",
        Command::Scan => "lockgate/scan/",
    };
    let mut notifications: Vec<Notification> =
        report.notes.iter().map(|n| Notification { level: "warning", message: Text::plain(n) }).collect();
    if let Some(n) = left_out {
        notifications.push(Notification {
            level: "warning",
            message: Text::plain(&format!(
                "{n} less severe results left out: GitHub code scanning accepts at most {MAX_RESULTS} per run"
            )),
        });
    }
    if report.offline {
        notifications.push(Notification {
            level: "warning",
            message: Text::plain("registry signals were not evaluated (--offline)"),
        });
    }
    Run {
        tool: Tool {
            driver: Driver {
                name: "lockgate",
                version: env!("CARGO_PKG_VERSION"),
                semantic_version: env!("CARGO_PKG_VERSION"),
                information_uri: INFORMATION_URI,
                rules,
            },
        },
        automation_details: AutomationDetails { id: category },
        invocations: vec![Invocation {
            execution_successful: true,
            tool_execution_notifications: notifications,
        }],
        original_uri_base_ids: BTreeMap::from([(
            "%SRCROOT%",
            UriBase {
                description: Text { text: "The root of the repository the lockfiles belong to.".into() },
            },
        )]),
        results,
        column_kind: "unicodeCodePoints",
        properties: RunProperties {
            verdict: report.verdict.as_str(),
            now: report.now.clone(),
            config: escape::terminal(&report.config).into_owned(),
        },
    }
}

fn rule(signal: &Signal, report: &Report) -> Rule {
    // A policy may raise a signal's severity; a finding in the report is the evidence of it.
    let raised = report
        .packages
        .iter()
        .flat_map(|p| p.findings.iter().chain(p.allowed.iter().map(|a| &a.finding)))
        .filter(|f| f.signal == signal.id)
        .map(|f| f.severity)
        .max();
    let severity = highest_severity(signal.id).max(raised.unwrap_or(Severity::Info));
    let uri = format!("{DOCS_BASE}#{}", signal.id);
    Rule {
        id: signal.id,
        // SARIF 3.49.7: a name that only repeats the id (`unpublished`) is left out.
        name: Some(pascal_case(signal.id)).filter(|n| !n.eq_ignore_ascii_case(signal.id)),
        short_description: Text { text: truncate(signal.description, MAX_DESCRIPTION) },
        full_description: Text { text: truncate(&first_paragraph(signal.docs), MAX_DESCRIPTION) },
        help_uri: uri.clone(),
        help: Help {
            text: format!("{}\n{}\nDocumentation: {uri}", signal.description, signal.docs),
            markdown: format!("**{}**\n\n{}\n[Documentation]({uri})", signal.description, signal.docs),
        },
        default_configuration: Configuration { level: level(severity) },
        properties: RuleProperties {
            tags: ["security", "supply-chain"],
            security_severity: security_severity(severity),
        },
    }
}

fn result(
    package: &Package,
    finding: &Finding,
    allowed_because: Option<&str>,
    seen: &mut BTreeMap<String, u32>,
) -> SarifResult {
    let version = package.to.as_deref().or(package.from.as_deref()).unwrap_or_default();
    let hash = fingerprint(&[finding.signal, &package.lockfile, &package.name, version]);
    // The same package can be locked more than once at one version (nested copies); each
    // copy stays its own alert, numbered in lockfile order as GitHub's own hashes are.
    let occurrence = seen.entry(hash.clone()).or_insert(0);
    *occurrence += 1;
    let fingerprints = BTreeMap::from([
        (FINGERPRINT_KEY, hash.clone()),
        ("primaryLocationLineHash", format!("{}:{occurrence}", hash.get(..16).unwrap_or(&hash))),
    ]);
    SarifResult {
        severity: finding.severity,
        rule_id: finding.signal,
        rule_index: signals::ALL.iter().position(|s| s.id == finding.signal),
        level: level(finding.severity),
        message: Text::plain(&finding.message),
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: escape::url_path(&package.lockfile),
                    uri_base_id: "%SRCROOT%",
                },
                region: Region { start_line: package.line.max(1), start_column: 1 },
            },
        }],
        partial_fingerprints: fingerprints,
        suppressions: allowed_because
            .map(|reason| {
                vec![Suppression {
                    kind: "external",
                    status: "accepted",
                    justification: truncate(&escape::terminal(reason), MAX_MESSAGE),
                }]
            })
            .unwrap_or_default(),
        properties: ResultProperties {
            severity: finding.severity.as_str(),
            package: escape::terminal(&package.name).into_owned(),
            from: package.from.as_deref().map(|v| escape::terminal(v).into_owned()),
            to: package.to.as_deref().map(|v| escape::terminal(v).into_owned()),
            change: package.change.as_str(),
            verdict: package.verdict.as_str(),
            score: package.score,
            rules: package
                .rules
                .iter()
                .filter(|r| r.signals.contains(&finding.signal))
                .map(|r| format!("{}: {}", r.rule, escape::terminal(&r.message)))
                .collect(),
            evidence: finding.evidence.clone(),
        },
    }
}

/// The most severe finding each signal produces under the default policy (see the signal's
/// `DOCS`). A new signal must be added here; a test checks every signal is.
fn highest_severity(id: &str) -> Severity {
    match id {
        "integrity-mismatch" | "unpublished" => Severity::Critical,
        "new-publisher"
        | "provenance-regression"
        | "install-script"
        | "dependency-added"
        | "recent-release"
        | "untrusted-source" => Severity::High,
        "maintainers-changed" | "new-package" | "typosquat" => Severity::Medium,
        "deprecated" => Severity::Low,
        _ => Severity::Info,
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. An info-only
/// rule carries none (it is not a security result on its own).
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// SHA-1 (through gix, already a dependency) of the fields joined by NUL, in hex. Not a
/// security boundary: a stable identity for an alert.
fn fingerprint(fields: &[&str]) -> String {
    let mut hasher = gix::hash::hasher(gix::hash::Kind::Sha1);
    for field in fields {
        hasher.update(field.as_bytes());
        hasher.update(&[0]);
    }
    // Only a deliberate SHA-1 collision fails here; the null id still yields valid SARIF.
    hasher.try_finalize().unwrap_or_else(|_| gix::hash::ObjectId::null(gix::hash::Kind::Sha1)).to_string()
}

/// `new-publisher` -> `NewPublisher`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The first paragraph of a signal's documentation as one line of plain text.
fn first_paragraph(docs: &str) -> String {
    let paragraph = docs.trim_start().split("\n\n").next().unwrap_or_default();
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ").replace(['`', '*'], "")
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars.saturating_sub(1)) {
        Some((cut, _)) if s.chars().count() > max_chars => format!("{}…", &s[..cut]),
        _ => s.to_owned(),
    }
}

/// serde_json escapes C0 controls in strings but writes DEL, C1 controls and bidirectional
/// overrides raw. Escaping them as `\uXXXX` keeps the JSON equal and the file free of them.
/// Outside strings the pretty printer only writes spaces and newlines, which are kept.
fn json_escape_controls(json: &str) -> String {
    let risky = |c: char| c != '\n' && escape::needs_terminal_escape(c);
    if !json.chars().any(risky) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if risky(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    invocations: Vec<Invocation>,
    original_uri_base_ids: BTreeMap<&'static str, UriBase>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

impl Text {
    /// Untrusted text for a plain-text field: one visible line, bounded.
    fn plain(s: &str) -> Text {
        Text { text: truncate(&escape::terminal(s), MAX_MESSAGE) }
    }
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 2],
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
struct UriBase {
    description: Text,
}

#[derive(Serialize)]
struct RunProperties {
    verdict: &'static str,
    now: String,
    config: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    /// For ordering only.
    #[serde(skip)]
    severity: Severity,
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: &'static str,
    package: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    change: &'static str,
    verdict: &'static str,
    score: u32,
    /// The combination rules this finding took part in (what made the package fail).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rules: Vec<String>,
    evidence: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_has_a_highest_severity() {
        for s in signals::ALL {
            let want = if s.id == "no-provenance" { Severity::Info } else { Severity::Low };
            assert!(highest_severity(s.id) >= want, "{} missing from highest_severity", s.id);
        }
    }

    #[test]
    fn names_and_descriptions() {
        assert_eq!(pascal_case("new-publisher"), "NewPublisher");
        assert_eq!(pascal_case("install-script"), "InstallScript");
        assert_eq!(first_paragraph("Compares `a`\nwith *b*.\n\n- more"), "Compares a with b.");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(escape::url_path("a b/#c?/package-lock.json"), "a%20b/%23c%3F/package-lock.json");
    }

    #[test]
    fn fingerprint_is_sha1_of_nul_joined_fields() {
        // printf 'a\0b\0' | sha1sum
        assert_eq!(fingerprint(&["a", "b"]), "5b4085401e259f3918fb1701d3d9399c2c8cce73");
    }

    #[test]
    fn raw_controls_are_escaped_in_json() {
        let json = serde_json::to_string(&"a\u{7f}b\u{9b}c\u{202e}d").unwrap();
        let safe = json_escape_controls(&json);
        assert_eq!(safe, r#""a\u007fb\u009bc\u202ed""#);
        assert_eq!(serde_json::from_str::<String>(&safe).unwrap(), "a\u{7f}b\u{9b}c\u{202e}d");
    }
}
