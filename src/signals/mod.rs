//! Risk signals: what the lockfile and the registry say about one changed package.
//!
//! A signal is a pure function from [`Facts`] (plain data: the lockfile change, the registry
//! document, the clock) to an [`Outcome`]: findings, or the reason it could not look. Signals
//! never do I/O and never see other signals; combining findings into a verdict is the job of
//! [`crate::policy`]. Each signal lives in its own file, which holds its id, description, the
//! rules it applies (its `DOCS` text) and its tests: open one file to understand one signal.
//!
//! Missing data is never a finding. A mirror that strips `_npmUser`, a private package the
//! registry does not know, a run without network: the signal says it is *unavailable* and why,
//! and the report lists it.
//!
//! "Previous version", used by every signal that compares: for an update, the version the base
//! lockfile had (`Change::from`). For an addition or a scan, the highest version the registry
//! lists below the locked one in the same release line (same major; same major.minor for 0.x),
//! else the highest lower version of any line. See [`Facts::previous_version`].

pub mod dependency_added;
pub mod deprecated;
pub mod install_script;
pub mod integrity_mismatch;
pub mod maintainers_changed;
pub mod new_package;
pub mod new_publisher;
pub mod no_provenance;
pub mod provenance_regression;
pub mod recent_release;
pub mod typosquat;
pub mod unpublished;
pub mod untrusted_source;

use crate::diff::{Change, ChangeKind};
use crate::lockfile::{Entry, Source};
use crate::registry::Packument;
use crate::registry::packument::Manifest;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Where each signal's rules are documented; a finding links to `DOCS_BASE#<signal id>`.
pub const DOCS_BASE: &str = "https://github.com/lockgate/lockgate/blob/main/docs/signals.md";

/// Every signal, in the order reports list them.
pub static ALL: &[Signal] = &[
    integrity_mismatch::SIGNAL,
    unpublished::SIGNAL,
    new_publisher::SIGNAL,
    maintainers_changed::SIGNAL,
    provenance_regression::SIGNAL,
    install_script::SIGNAL,
    dependency_added::SIGNAL,
    recent_release::SIGNAL,
    new_package::SIGNAL,
    typosquat::SIGNAL,
    untrusted_source::SIGNAL,
    deprecated::SIGNAL,
    no_provenance::SIGNAL,
];

/// Look a signal up by its stable id.
pub fn by_id(id: &str) -> Option<&'static Signal> {
    ALL.iter().find(|s| s.id == id)
}

/// One signal: its stable id (config keys, JSON, SARIF rule ids, docs anchors), a one-line
/// description, the long text of its rules, and the check itself.
pub struct Signal {
    pub id: &'static str,
    pub description: &'static str,
    pub docs: &'static str,
    pub evaluate: fn(&Facts, &Settings) -> Outcome,
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a signal found about one package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub signal: &'static str,
    pub severity: Severity,
    /// One line, plain text (renderers escape it).
    pub message: String,
    /// The facts behind the message, typically `{"old": ..., "new": ...}` pairs.
    pub evidence: serde_json::Value,
    pub docs_url: String,
    /// What the verdict rules need to know beyond the signal id (not part of the report).
    #[serde(skip)]
    pub detail: Detail,
}

/// Typed facts the policy's combination rules read, so they never parse evidence JSON.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Detail {
    #[default]
    None,
    /// How the install-time code compares with the previous version.
    InstallScript(ScriptChange),
    /// Whether at least one added dependency comes from a stranger: not on the registry, a new
    /// package, or published by accounts that never published the depending package.
    DependencyAdded { stranger: bool },
    /// How old the release was when evaluated.
    RecentRelease { age_hours: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptChange {
    /// The previous version ran nothing at install.
    Added,
    /// The previous version ran other install-time commands.
    Changed,
    Unchanged,
    /// There is no earlier version to compare with (the package's first release).
    First,
    /// Whether the previous version had install scripts is unknown.
    Unknown,
}

impl ScriptChange {
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptChange::Added => "added",
            ScriptChange::Changed => "changed",
            ScriptChange::Unchanged => "unchanged",
            ScriptChange::First => "first release",
            ScriptChange::Unknown => "unknown",
        }
    }

    /// Install-time code that was not there in the previous version (or there is none).
    pub fn is_new_code(self) -> bool {
        matches!(self, ScriptChange::Added | ScriptChange::Changed | ScriptChange::First)
    }
}

impl Finding {
    /// Start a finding of `signal` (zizmor style: `Finding::builder(..).message(..).build()`).
    pub fn builder(signal: &'static str, severity: Severity) -> FindingBuilder {
        FindingBuilder {
            signal,
            severity,
            message: String::new(),
            evidence: serde_json::Map::new(),
            detail: Detail::None,
        }
    }
}

#[must_use]
pub struct FindingBuilder {
    signal: &'static str,
    severity: Severity,
    message: String,
    evidence: serde_json::Map<String, serde_json::Value>,
    detail: Detail,
}

impl FindingBuilder {
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Add one evidence field. Values that cannot be represented as JSON become `null`.
    pub fn evidence(mut self, key: &str, value: impl Serialize) -> Self {
        self.evidence.insert(key.to_owned(), serde_json::to_value(value).unwrap_or_default());
        self
    }

    pub fn detail(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }

    pub fn build(self) -> Finding {
        Finding {
            signal: self.signal,
            severity: self.severity,
            message: self.message,
            evidence: serde_json::Value::Object(self.evidence),
            docs_url: format!("{DOCS_BASE}#{}", self.signal),
            detail: self.detail,
        }
    }
}

/// What one signal concluded for one package.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Set when the signal could not evaluate: the data it needs is missing.
    pub unavailable: Option<String>,
}

impl Outcome {
    /// Nothing to report (the signal looked and found nothing, or does not apply).
    pub fn clean() -> Outcome {
        Outcome::default()
    }

    pub fn unavailable(reason: impl Into<String>) -> Outcome {
        Outcome { findings: Vec::new(), unavailable: Some(reason.into()) }
    }

    pub fn finding(finding: Finding) -> Outcome {
        Outcome { findings: vec![finding], unavailable: None }
    }
}

/// What the registry said about a package.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    Found(&'a Packument),
    /// The registry answered that it does not know the package (404: private, or removed).
    NotFound,
    /// The registry was not asked (offline run, or a source no registry serves); the reason
    /// ends up in the report.
    NotFetched(&'a str),
}

/// Thresholds the signals apply; [`crate::policy`] fills them from `.github/lockgate.yml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// new-publisher: how many earlier releases count as "recent" publishers.
    pub publisher_lookback: usize,
    /// provenance-regression: how many earlier releases of the release line are compared.
    pub provenance_lookback: usize,
    /// recent-release: younger than this many hours is high severity.
    pub fresh_hours: i64,
    /// recent-release: younger than this many days is low severity.
    pub recent_days: i64,
    /// new-package (and dependency-added's notion of a "new" dependency): first published
    /// less than this many days ago.
    pub new_package_days: i64,
    /// typosquat: compare against the this many most popular names (the whole bundled list
    /// always counts as "known").
    pub typosquat_targets: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            publisher_lookback: 10,
            provenance_lookback: 5,
            fresh_hours: 24,
            recent_days: 7,
            new_package_days: 30,
            typosquat_targets: 20_000,
        }
    }
}

/// Everything a signal may look at for one change. Plain data and two caller-provided
/// functions: the packuments of other packages (dependency-added) and whether a URL belongs to
/// the registry configured for a package name (untrusted-source, integrity-mismatch).
/// `'a` is the borrow of the change and the functions, `'r` that of the registry documents
/// (which usually outlive the loop over changes).
pub struct Facts<'a, 'r> {
    pub change: &'a Change,
    pub packument: Lookup<'r>,
    pub now: Timestamp,
    pub packuments: &'a dyn Fn(&str) -> Lookup<'r>,
    pub is_registry_url: &'a dyn Fn(&str, &str) -> bool,
}

/// The locked version as the registry publishes it.
pub struct Published<'a> {
    pub entry: &'a Entry,
    pub packument: &'a Packument,
    pub version: &'a str,
    pub manifest: &'a Manifest,
}

impl<'a, 'r> Facts<'a, 'r> {
    /// The entry the change leaves in the lockfile; `None` for a removal, which no signal
    /// judges (removing a package adds no risk).
    pub fn target(&self) -> Option<&'a Entry> {
        match self.change.kind {
            ChangeKind::Removed => None,
            _ => self.change.to.as_ref(),
        }
    }

    /// The locked version's manifest, or the outcome to return when there is none: nothing for
    /// a removal or a non-registry source (git, tarball, file: no registry document describes
    /// them), *unavailable* when the registry was not asked or does not know the package or
    /// version (unpublished judges the latter).
    pub fn published(&self) -> Result<Published<'_>, Outcome> {
        let Some(entry) = self.target() else { return Err(Outcome::clean()) };
        if entry.source != Source::Registry {
            return Err(Outcome::clean());
        }
        let packument = match self.packument {
            Lookup::Found(p) => p,
            Lookup::NotFound => return Err(Outcome::unavailable("the registry does not know this package")),
            Lookup::NotFetched(why) => return Err(Outcome::unavailable(why)),
        };
        match packument.versions.get_key_value(entry.version.as_str()) {
            Some((version, manifest)) => Ok(Published { entry, packument, version, manifest }),
            None => {
                Err(Outcome::unavailable(format!("the registry document has no version {}", entry.version)))
            }
        }
    }

    /// The version to compare the locked one with (see the module docs). For an update this is
    /// the base lockfile's version even when the registry no longer lists it: callers then find
    /// no manifest for it and must treat the comparison as unknown, not as a first release.
    pub fn previous_version<'s>(&'s self, packument: &'s Packument) -> Option<&'s str> {
        let target = self.target()?;
        if let (ChangeKind::Updated, Some(from)) = (self.change.kind, &self.change.from)
            && from.version != target.version
        {
            return Some(from.version.as_str());
        }
        previous_in_registry(packument, &target.version)
    }

    /// The previous version and its manifest, for signals that compare the two. `Err` is the
    /// outcome to return: clean when there is no previous version (a first release), unavailable
    /// when the registry no longer lists it.
    pub fn previous_manifest<'s>(
        &'s self,
        packument: &'s Packument,
    ) -> Result<(&'s str, &'s Manifest), Outcome> {
        let Some(previous) = self.previous_version(packument) else { return Err(Outcome::clean()) };
        match packument.versions.get(previous) {
            Some(manifest) => Ok((previous, manifest)),
            None => Err(Outcome::unavailable(format!(
                "the registry no longer lists the previous version {previous}"
            ))),
        }
    }
}

/// The highest version below `version` in the same release line, else the highest below it.
pub fn previous_in_registry<'p>(packument: &'p Packument, version: &str) -> Option<&'p str> {
    let target = semver::Version::parse(version).ok()?;
    let mut best_line: Option<(semver::Version, &str)> = None;
    let mut best_any: Option<(semver::Version, &str)> = None;
    for key in packument.versions.keys() {
        let Ok(v) = semver::Version::parse(key) else { continue };
        if v >= target {
            continue;
        }
        let slot = if same_line(&v, &target) { &mut best_line } else { &mut best_any };
        if slot.as_ref().is_none_or(|(b, _)| v > *b) {
            *slot = Some((v, key));
        }
    }
    best_line.or(best_any).map(|(_, k)| k)
}

/// Same major, or same major.minor below 1.0 (where a minor bump is the breaking one).
pub fn same_line(a: &semver::Version, b: &semver::Version) -> bool {
    a.major == b.major && (a.major > 0 || a.minor == b.minor)
}

/// The public npm registry under either of its names: npm rewrites registry.npmjs.org to the
/// configured registry at install and yarn v1 writes registry.yarnpkg.com (an alias of the same
/// registry), so lockfile URLs on these hosts count as the configured registry. Callers compose
/// their `is_registry_url` from this and the configured registries.
pub fn is_public_npm_url(url: &str) -> bool {
    let lower = url.get(..30).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://registry.npmjs.org/") || lower.starts_with("https://registry.yarnpkg.com/")
}

/// When the registry says `version` was published.
pub fn published_at(packument: &Packument, version: &str) -> Option<Timestamp> {
    packument.time.get(version).and_then(|t| t.parse::<Timestamp>().ok())
}

/// Versions published before `version`, most recent first: by publish time when the registry
/// records it, else by semver order.
pub fn earlier_releases<'p>(packument: &'p Packument, version: &str) -> Vec<(&'p str, &'p Manifest)> {
    if let Some(t) = published_at(packument, version) {
        let mut out: Vec<(Timestamp, &str, &Manifest)> = packument
            .versions
            .iter()
            .filter(|(k, _)| k.as_str() != version)
            .filter_map(|(k, m)| Some((published_at(packument, k)?, k.as_str(), m)))
            .filter(|(ts, _, _)| *ts < t)
            .collect();
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(a.1)));
        return out.into_iter().map(|(_, k, m)| (k, m)).collect();
    }
    let Ok(target) = semver::Version::parse(version) else { return Vec::new() };
    let mut out: Vec<(semver::Version, &str, &Manifest)> = packument
        .versions
        .iter()
        .filter_map(|(k, m)| Some((semver::Version::parse(k).ok()?, k.as_str(), m)))
        .filter(|(v, _, _)| *v < target)
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0));
    out.into_iter().map(|(_, k, m)| (k, m)).collect()
}

/// When the package first appeared: `time.created`, else the earliest version time.
pub fn created_at(packument: &Packument) -> Option<Timestamp> {
    if let Some(t) = packument.time.get("created").and_then(|t| t.parse::<Timestamp>().ok()) {
        return Some(t);
    }
    packument
        .time
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "created" | "modified" | "unpublished"))
        .filter_map(|(_, t)| t.parse::<Timestamp>().ok())
        .min()
}

/// Whole hours from `then` to `now`; a future instant (clock skew) counts as 0.
pub fn age_hours(now: Timestamp, then: Timestamp) -> i64 {
    let secs = now.as_second().saturating_sub(then.as_second());
    secs.max(0) / 3600
}

/// A human age: "5 hours", "3 days".
pub fn describe_age(hours: i64) -> String {
    match hours {
        0 => "less than an hour".to_owned(),
        1 => "1 hour".to_owned(),
        h if h < 48 => format!("{h} hours"),
        h => format!("{} days", h / 24),
    }
}

/// Registries sometimes publish the same account with different capitalisation of the e-mail.
pub fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Compare versions for display order: semver when both parse, else text.
pub fn cmp_versions(a: &str, b: &str) -> Ordering {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Run every signal on one package. `enabled` filters by id (the policy's `enabled: false`).
pub fn evaluate_all(
    facts: &Facts,
    settings: &Settings,
    enabled: impl Fn(&str) -> bool,
) -> Vec<(&'static Signal, Outcome)> {
    ALL.iter().filter(|s| enabled(s.id)).map(|s| (s, (s.evaluate)(facts, settings))).collect()
}

/// docs/signals.md: every signal's description and rules, in report order. A test keeps the
/// committed file equal to this.
pub fn render_docs() -> String {
    let mut out = String::from(
        "# Signals\n\n<!-- Generated from the DOCS text of each src/signals/*.rs; regenerate with\n     \
         LOCKGATE_UPDATE_DOCS=1 cargo test --lib signals::tests::docs_are_current -->\n\n\
         Each signal looks at one changed package and either reports findings, finds nothing, or says\n\
         it is *unavailable* (the data it needs is missing: never a finding). How findings combine into\n\
         a verdict: [verdict.md](verdict.md).\n\n| id | fires when |\n|---|---|\n",
    );
    for s in ALL {
        out.push_str(&format!("| [`{}`](#{}) | {} |\n", s.id, s.id, s.description));
    }
    for s in ALL {
        out.push_str(&format!("\n## {}\n\n{}.\n\n{}", s.id, s.description, s.docs));
    }
    out
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn ids_are_unique_and_documented() {
        let mut ids: Vec<&str> = ALL.iter().map(|s| s.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        for s in ALL {
            assert!(!s.description.contains('\n'), "{}: description must be one line", s.id);
            assert!(s.docs.len() > 100, "{}: docs text too short", s.id);
            assert!(s.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", s.id);
        }
    }

    #[test]
    fn docs_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/signals.md");
        let want = render_docs();
        if std::env::var_os("LOCKGATE_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/signals.md is stale: run LOCKGATE_UPDATE_DOCS=1 cargo test --lib signals::tests::docs_are_current"
        );
    }

    #[test]
    fn previous_version_prefers_same_line() {
        let p = packument(&[
            ("1.9.0", "2020-01-01T00:00:00Z", manifest()),
            ("2.0.0", "2020-02-01T00:00:00Z", manifest()),
            ("2.1.0", "2020-03-01T00:00:00Z", manifest()),
            ("3.0.0", "2020-04-01T00:00:00Z", manifest()),
            ("2.1.1", "2020-05-01T00:00:00Z", manifest()),
        ]);
        assert_eq!(previous_in_registry(&p, "2.1.1"), Some("2.1.0"));
        assert_eq!(previous_in_registry(&p, "3.0.0"), Some("2.1.1"));
        assert_eq!(previous_in_registry(&p, "1.9.0"), None);
        // 0.x: the minor is the line.
        let p = packument(&[
            ("0.1.5", "2020-01-01T00:00:00Z", manifest()),
            ("0.2.0", "2020-02-01T00:00:00Z", manifest()),
            ("0.2.1", "2020-03-01T00:00:00Z", manifest()),
        ]);
        assert_eq!(previous_in_registry(&p, "0.2.1"), Some("0.2.0"));
        assert_eq!(previous_in_registry(&p, "0.2.0"), Some("0.1.5"));
    }

    #[test]
    fn earlier_releases_by_time() {
        let p = packument(&[
            ("1.0.0", "2020-01-01T00:00:00Z", manifest()),
            ("2.0.0", "2020-02-01T00:00:00Z", manifest()),
            ("1.0.1", "2020-03-01T00:00:00Z", manifest()),
            ("2.0.1", "2020-04-01T00:00:00Z", manifest()),
        ]);
        let v: Vec<&str> = earlier_releases(&p, "2.0.1").into_iter().map(|(v, _)| v).collect();
        assert_eq!(v, ["1.0.1", "2.0.0", "1.0.0"]);
    }

    #[test]
    fn public_registry_urls() {
        assert!(is_public_npm_url("https://registry.npmjs.org/a/-/a-1.0.0.tgz"));
        assert!(is_public_npm_url("HTTPS://Registry.Yarnpkg.com/a/-/a-1.0.0.tgz#abc"));
        assert!(!is_public_npm_url("http://registry.npmjs.org/a/-/a-1.0.0.tgz"));
        assert!(!is_public_npm_url("https://registry.npmjs.org.evil.example/a.tgz"));
        assert!(!is_public_npm_url("https://r"));
    }

    #[test]
    fn ages() {
        let now: Timestamp = "2025-01-02T12:00:00Z".parse().unwrap();
        assert_eq!(age_hours(now, "2025-01-02T09:30:00Z".parse().unwrap()), 2);
        assert_eq!(age_hours(now, "2025-01-03T00:00:00Z".parse().unwrap()), 0);
        assert_eq!(describe_age(50), "2 days");
    }
}
