//! The policy: `.github/lockgate.yml`, the allow list, and the verdict.
//!
//! Signals say what they see; the policy decides what it means. One weak, common signal on its
//! own warns and never fails (a fresh patch of a popular package, a provenance gap on a manual
//! hotfix, a new maintainer, an install script that was already there): teams switch off gates
//! that cry wolf. What real compromises show together fails:
//!
//! | rule | fails when |
//! |---|---|
//! | `trust-drop-with-install-code` | new-publisher, maintainers-changed or provenance-regression, and install-script added/changed |
//! | `trust-drop-with-stranger-dependency` | new-publisher, maintainers-changed or provenance-regression, and dependency-added from a stranger |
//! | `fresh-install-code` | install-script added/changed (or a first release's) in a release younger than `rules.install-window-hours` (48) |
//! | `new-package-with-install-script` | new-package and install-script |
//! | `typosquat-with-install-script` | typosquat and install-script |
//! | severity | any finding at or above `fail-on` (default `critical`: integrity-mismatch, unpublished) |
//!
//! A rule that fires counts as a critical finding. The package verdict is `fail` when its most
//! severe finding reaches `fail-on`, `warn` when any finding reaches `warn-on` (default `low`;
//! `info` findings never warn), `pass` otherwise; the overall verdict is the worst package's.
//! The score (0-100, higher is riskier) ranks packages: 100 for a fired rule or a critical
//! finding, else 40 per high, 20 per medium and 5 per low finding, capped at 100.
//! docs/verdict.md is the user-facing version of these rules.

use crate::signals::{self, Detail, Facts, Finding, Outcome, Settings, Severity, Signal};
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// Where the configuration is looked for, relative to the repository root.
pub const DEFAULT_PATH: &str = ".github/lockgate.yml";

/// A configuration file larger than this is not a configuration file.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `fail-on` / `--fail-on`: the least severe finding that fails the gate, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Never => None,
        }
    }
}

impl FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "critical" => Ok(FailOn::Critical),
            "high" => Ok(FailOn::High),
            "medium" => Ok(FailOn::Medium),
            "low" => Ok(FailOn::Low),
            "never" => Ok(FailOn::Never),
            other => {
                Err(format!("unknown fail-on level {other:?}: expected critical, high, medium, low or never"))
            }
        }
    }
}

/// Why the configuration could not be used: the file, the 1-based line when known, and what.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub path: String,
    pub line: Option<u64>,
    pub message: String,
}

/// `.github/lockgate.yml`. Every key is optional; unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default = "default_fail_on")]
    pub fail_on: FailOn,
    /// The least severe finding that makes a package `warn`.
    #[serde(default = "default_warn_on")]
    pub warn_on: Severity,
    /// Registry URL; `--registry` overrides it, and it overrides `.npmrc`.
    #[serde(default)]
    pub registry: Option<String>,
    /// Lockfiles to leave out, as globs on repository-relative paths (`examples/**`).
    #[serde(default, deserialize_with = "path_globs")]
    pub ignore_paths: Vec<Pattern>,
    #[serde(default)]
    pub signals: SignalsConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub allow: Vec<AllowEntry>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            fail_on: default_fail_on(),
            warn_on: default_warn_on(),
            registry: None,
            ignore_paths: Vec::new(),
            signals: SignalsConfig::default(),
            rules: RulesConfig::default(),
            allow: Vec::new(),
        }
    }
}

fn default_fail_on() -> FailOn {
    FailOn::Critical
}

fn default_warn_on() -> Severity {
    Severity::Low
}

macro_rules! signal_configs {
    ($( $field:ident => $id:literal, $ty:ident { $( $(#[$doc:meta])* $opt:ident : $opt_ty:ty ),* } )*) => {
        $(
            #[derive(Debug, Clone, Default, Deserialize)]
            #[serde(deny_unknown_fields, rename_all = "kebab-case")]
            pub struct $ty {
                /// `false` turns the signal off.
                pub enabled: Option<bool>,
                /// Replaces the severity of every finding of the signal.
                pub severity: Option<Severity>,
                $( $(#[$doc])* pub $opt: Option<$opt_ty>, )*
            }
        )*

        /// `signals:`: one section per signal id.
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SignalsConfig {
            $( #[serde(default, rename = $id)] pub $field: $ty, )*
        }

        impl SignalsConfig {
            /// (enabled, severity override) of a signal by id.
            pub fn common(&self, id: &str) -> (bool, Option<Severity>) {
                match id {
                    $( $id => (self.$field.enabled.unwrap_or(true), self.$field.severity), )*
                    _ => (true, None),
                }
            }
        }
    };
}

signal_configs! {
    new_publisher => "new-publisher", NewPublisherConfig {
        /// How many earlier releases count as recent publishers (10).
        lookback: usize
    }
    maintainers_changed => "maintainers-changed", MaintainersChangedConfig {}
    install_script => "install-script", InstallScriptConfig {}
    recent_release => "recent-release", RecentReleaseConfig {
        /// Younger than this is high severity (24).
        fresh_hours: i64,
        /// Younger than this is low severity (7).
        recent_days: i64
    }
    new_package => "new-package", NewPackageConfig {
        /// A package created less than this many days ago is new (30).
        days: i64
    }
    provenance_regression => "provenance-regression", ProvenanceRegressionConfig {
        /// How many earlier releases of the line are compared (5).
        lookback: usize
    }
    no_provenance => "no-provenance", NoProvenanceConfig {}
    dependency_added => "dependency-added", DependencyAddedConfig {}
    integrity_mismatch => "integrity-mismatch", IntegrityMismatchConfig {}
    untrusted_source => "untrusted-source", UntrustedSourceConfig {}
    deprecated => "deprecated", DeprecatedConfig {}
    unpublished => "unpublished", UnpublishedConfig {}
    typosquat => "typosquat", TyposquatConfig {
        /// Compare with this many of the most popular names (all).
        targets: usize
    }
}

/// `rules:`: the combination rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RulesConfig {
    /// Install-time code in a release younger than this fails (`fresh-install-code`).
    #[serde(default = "default_install_window")]
    pub install_window_hours: i64,
    /// `false` turns every combination rule off (only severities decide).
    #[serde(default = "default_true")]
    pub combinations: bool,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig { install_window_hours: default_install_window(), combinations: true }
    }
}

fn default_install_window() -> i64 {
    48
}

fn default_true() -> bool {
    true
}

/// One `allow:` entry: findings of these signals on matching packages do not count.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// A package name or a glob over names (`@my-org/*`).
    #[serde(deserialize_with = "name_glob")]
    pub package: Pattern,
    pub signals: AllowSignals,
    #[serde(deserialize_with = "reason")]
    pub reason: String,
    /// The last day (UTC) the entry applies; from the next day on it is ignored and the
    /// report says so.
    #[serde(default, deserialize_with = "date")]
    pub expires: Option<Date>,
}

/// `signals: all` or a list of signal ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowSignals {
    All,
    Only(Vec<&'static str>),
}

impl AllowSignals {
    fn covers(&self, id: &str) -> bool {
        match self {
            AllowSignals::All => true,
            AllowSignals::Only(ids) => ids.contains(&id),
        }
    }
}

impl<'de> Deserialize<'de> for AllowSignals {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let ids = match Raw::deserialize(d)? {
            Raw::One(s) if s == "all" => return Ok(AllowSignals::All),
            Raw::One(s) => vec![s],
            Raw::Many(v) => v,
        };
        let mut out = Vec::new();
        for id in ids {
            match signals::by_id(&id) {
                Some(s) => out.push(s.id),
                None => {
                    return Err(serde::de::Error::custom(format!(
                        "unknown signal {id:?} in allow entry (expected `all` or ids such as new-publisher, install-script)"
                    )));
                }
            }
        }
        Ok(AllowSignals::Only(out))
    }
}

/// A glob as written in the file, compiled.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl Pattern {
    pub fn is_match(&self, s: &str) -> bool {
        self.matcher.is_match(s)
    }

    fn glob(&self) -> Glob {
        self.matcher.glob().clone()
    }
}

fn compile(text: &str, literal_separator: bool) -> Result<Pattern, String> {
    GlobBuilder::new(text)
        .literal_separator(literal_separator)
        .build()
        .map(|g| Pattern { text: text.to_owned(), matcher: g.compile_matcher() })
        .map_err(|e| format!("invalid glob {text:?}: {}", e.kind()))
}

fn name_glob<'de, D: Deserializer<'de>>(d: D) -> Result<Pattern, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Err(serde::de::Error::custom("allow entry has an empty package"));
    }
    // In a package name `*` may cross the scope's `/` (`*eslint*` matches `@x/eslint-y`).
    compile(&text, false).map_err(serde::de::Error::custom)
}

fn path_globs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Pattern>, D::Error> {
    // gitignore-like: `*` stays within a directory, `**` crosses them.
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|t| compile(t.trim_start_matches("./"), true).map_err(serde::de::Error::custom))
        .collect()
}

fn reason<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Err(serde::de::Error::custom(
            "allow entry needs a reason: say why the finding is acceptable",
        ));
    }
    Ok(text)
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let text = String::deserialize(d)?;
    text.trim().parse::<Date>().map(Some).map_err(|_| {
        serde::de::Error::custom(format!("expires must be a date written YYYY-MM-DD, not {text:?}"))
    })
}

impl Config {
    /// Parse the configuration text; `path` names the file in errors.
    pub fn from_yaml(path: &str, text: &str) -> Result<Config, ConfigError> {
        let err = |line, message: String| ConfigError { path: path.to_owned(), line, message };
        if text.len() > MAX_CONFIG_BYTES {
            return Err(err(None, format!("the file is larger than {MAX_CONFIG_BYTES} bytes")));
        }
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let options = serde_saphyr::options! {
            budget: serde_saphyr::budget! {
                max_depth: 16,
                max_events: 100_000,
                max_aliases: 100,
                max_anchors: 100,
                max_nodes: 50_000,
                max_total_scalar_bytes: MAX_CONFIG_BYTES,
                max_documents: 1,
            },
        };
        serde_saphyr::from_str_with_options::<Config>(text, options).map_err(|e| {
            let line = e.location().map(|l| l.line()).filter(|l| *l > 0);
            err(line, clean_message(&e.without_snippet().to_string()))
        })
    }
}

/// One line, without the library's own position suffix (the error already leads with the line)
/// and in the words of a configuration file rather than of the library's options.
fn clean_message(raw: &str) -> String {
    let mut message = raw.lines().next().unwrap_or_default().trim();
    if let Some(i) = message.rfind(" at line ")
        && message[i + 9..].split(", column ").all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        message = &message[..i];
    }
    match message.strip_prefix("duplicate mapping key: ") {
        Some(key) => {
            format!("duplicate key `{}`", key.split(", set DuplicateKeyPolicy").next().unwrap_or(key))
        }
        None => message.to_owned(),
    }
}

impl Config {
    /// Read and parse a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ConfigError {
            path: shown.clone(),
            line: None,
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| ConfigError {
            path: shown.clone(),
            line: None,
            message: "not UTF-8 text".into(),
        })?;
        Config::from_yaml(&shown, &text)
    }

    /// The signals' thresholds, defaults where the file says nothing.
    pub fn settings(&self) -> Settings {
        let d = Settings::default();
        let s = &self.signals;
        Settings {
            publisher_lookback: s.new_publisher.lookback.unwrap_or(d.publisher_lookback),
            provenance_lookback: s.provenance_regression.lookback.unwrap_or(d.provenance_lookback),
            fresh_hours: s.recent_release.fresh_hours.unwrap_or(d.fresh_hours),
            recent_days: s.recent_release.recent_days.unwrap_or(d.recent_days),
            new_package_days: s.new_package.days.unwrap_or(d.new_package_days),
            typosquat_targets: s.typosquat.targets.unwrap_or(d.typosquat_targets),
        }
    }
}

/// A finding an allow entry took out of the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Allowed {
    pub finding: Finding,
    pub reason: String,
    /// The `package` pattern of the entry that matched.
    pub package: String,
}

/// A signal that could not be evaluated for a package, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unavailable {
    pub signal: &'static str,
    pub reason: String,
}

/// A combination rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleHit {
    pub rule: &'static str,
    pub message: String,
    /// The signals whose findings made it fire.
    pub signals: Vec<&'static str>,
}

/// The policy's judgement of one package.
#[derive(Debug, Clone, Serialize)]
pub struct PackageVerdict {
    pub score: u32,
    pub verdict: Verdict,
    /// Findings that count (after severity overrides and the allow list), most severe first.
    pub findings: Vec<Finding>,
    pub allowed: Vec<Allowed>,
    pub unavailable: Vec<Unavailable>,
    pub rules: Vec<RuleHit>,
}

impl PackageVerdict {
    /// Ids of the signals that could not be evaluated (the JSON report's `unavailable`).
    pub fn unavailable_ids(&self) -> Vec<&'static str> {
        self.unavailable.iter().map(|u| u.signal).collect()
    }
}

struct ActiveAllow {
    package: Pattern,
    signals: AllowSignals,
    reason: String,
}

/// A loaded configuration, ready to judge packages.
pub struct Policy {
    config: Config,
    settings: Settings,
    allow: Vec<ActiveAllow>,
    ignore: GlobSet,
    notes: Vec<String>,
}

impl Policy {
    /// `today` (UTC, from `--now` or the clock) decides which allow entries have expired.
    pub fn new(config: Config, today: Date) -> Policy {
        let mut notes = Vec::new();
        let mut allow = Vec::new();
        for entry in &config.allow {
            match entry.expires {
                Some(expires) if expires < today => notes.push(format!(
                    "allow entry for {} ({}) expired on {expires} and no longer applies",
                    entry.package.text, entry.reason
                )),
                _ => allow.push(ActiveAllow {
                    package: entry.package.clone(),
                    signals: entry.signals.clone(),
                    reason: entry.reason.clone(),
                }),
            }
        }
        let mut ignore = GlobSetBuilder::new();
        for p in &config.ignore_paths {
            ignore.add(p.glob());
        }
        // Every glob compiled once already; a set of valid globs always builds.
        let ignore = ignore.build().unwrap_or_else(|_| GlobSet::empty());
        let settings = config.settings();
        Policy { config, settings, allow, ignore, notes }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// `--fail-on` replaces the file's `fail-on`.
    pub fn set_fail_on(&mut self, fail_on: FailOn) {
        self.config.fail_on = fail_on;
    }

    /// `--min-release-age` / the action's `min-release-age`: replaces
    /// `recent-release.fresh-hours`. The low-severity window grows with it when needed, so a
    /// release is never "fresh" without also being "recent".
    pub fn set_min_release_age_hours(&mut self, hours: i64) {
        self.settings.fresh_hours = hours;
        self.settings.recent_days = self.settings.recent_days.max(hours.saturating_add(23) / 24);
    }

    /// Notes for the report: allow entries that expired.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Whether a lockfile (repository-relative path) is excluded by `ignore-paths`.
    pub fn ignores_path(&self, lockfile: &str) -> bool {
        self.ignore.is_match(lockfile.trim_start_matches("./"))
    }

    pub fn signal_enabled(&self, id: &str) -> bool {
        self.config.signals.common(id).0
    }

    /// Run every enabled signal on one package and judge the result.
    pub fn judge(&self, facts: &Facts) -> PackageVerdict {
        let outcomes = signals::evaluate_all(facts, &self.settings, |id| self.signal_enabled(id));
        self.apply(&facts.change.name, outcomes)
    }

    /// Judge signal outcomes for the package `name` (the pure half of [`Policy::judge`]).
    pub fn apply(&self, name: &str, outcomes: Vec<(&'static Signal, Outcome)>) -> PackageVerdict {
        let mut findings = Vec::new();
        let mut allowed = Vec::new();
        let mut unavailable = Vec::new();
        for (signal, outcome) in outcomes {
            if let Some(reason) = outcome.unavailable {
                unavailable.push(Unavailable { signal: signal.id, reason });
            }
            let (_, severity) = self.config.signals.common(signal.id);
            for mut finding in outcome.findings {
                if let Some(s) = severity {
                    finding.severity = s;
                }
                match self.allow.iter().find(|a| a.package.is_match(name) && a.signals.covers(finding.signal))
                {
                    Some(a) => allowed.push(Allowed {
                        finding,
                        reason: a.reason.clone(),
                        package: a.package.text.clone(),
                    }),
                    None => findings.push(finding),
                }
            }
        }
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let rules = if self.config.rules.combinations {
            combinations(&findings, &self.config.rules)
        } else {
            Vec::new()
        };

        let worst = findings.iter().map(|f| f.severity).max();
        let effective = if rules.is_empty() { worst } else { Some(Severity::Critical) };
        let verdict = match (effective, self.config.fail_on.threshold()) {
            (Some(s), Some(t)) if s >= t => Verdict::Fail,
            (Some(s), _) if s >= self.config.warn_on || !rules.is_empty() => Verdict::Warn,
            _ => Verdict::Pass,
        };
        PackageVerdict { score: score(&findings, &rules), verdict, findings, allowed, unavailable, rules }
    }
}

/// Parse a minimum release age: whole hours (`24`), or a number with `h` or `d` (`72h`, `3d`).
pub fn parse_age_hours(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (digits, factor) = match t.strip_suffix('d') {
        Some(d) => (d, 24),
        None => (t.strip_suffix('h').unwrap_or(t), 1),
    };
    digits
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=24 * 3650).contains(n))
        .map(|n| n * factor)
        .filter(|h| *h <= 24 * 3650)
        .ok_or_else(|| {
            format!("minimum release age {text:?} is not a number of hours or days (e.g. 24, 72h, 3d; at most 3650d)")
        })
}

/// The UTC calendar day of an instant: what allow-entry expiry dates are compared with.
pub fn utc_date(now: jiff::Timestamp) -> Date {
    now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}

/// The worst of the package verdicts (`pass` when there are none).
pub fn overall<'a>(packages: impl IntoIterator<Item = &'a PackageVerdict>) -> Verdict {
    packages.into_iter().map(|p| p.verdict).max().unwrap_or(Verdict::Pass)
}

fn score(findings: &[Finding], rules: &[RuleHit]) -> u32 {
    if !rules.is_empty() || findings.iter().any(|f| f.severity == Severity::Critical) {
        return 100;
    }
    let sum: u32 = findings
        .iter()
        .map(|f| match f.severity {
            Severity::Critical => 100,
            Severity::High => 40,
            Severity::Medium => 20,
            Severity::Low => 5,
            Severity::Info => 0,
        })
        .sum();
    sum.min(100)
}

const IDENTITY: [&str; 3] = ["new-publisher", "maintainers-changed", "provenance-regression"];

/// The combination rules (module docs): the patterns real compromises leave.
fn combinations(findings: &[Finding], rules: &RulesConfig) -> Vec<RuleHit> {
    let present = |id: &str| findings.iter().any(|f| f.signal == id);
    let identity: Vec<&'static str> = IDENTITY.iter().copied().filter(|id| present(id)).collect();
    let install = findings.iter().find_map(|f| match f.detail {
        Detail::InstallScript(s) => Some(s),
        _ => None,
    });
    let new_code = install.is_some_and(|s| s.is_new_code());
    let stranger_dep =
        findings.iter().any(|f| matches!(f.detail, Detail::DependencyAdded { stranger: true }));
    let fresh = findings.iter().find_map(|f| match f.detail {
        Detail::RecentRelease { age_hours } if age_hours < rules.install_window_hours => Some(age_hours),
        _ => None,
    });
    let script_status = install.map(|s| s.as_str()).unwrap_or_default();

    let mut hits = Vec::new();
    let with =
        |extra: &[&'static str]| identity.iter().copied().chain(extra.iter().copied()).collect::<Vec<_>>();
    if !identity.is_empty() && new_code {
        hits.push(RuleHit {
            rule: "trust-drop-with-install-code",
            message: format!("{} together with install-time code ({script_status})", identity.join(", ")),
            signals: with(&["install-script"]),
        });
    }
    if !identity.is_empty() && stranger_dep {
        hits.push(RuleHit {
            rule: "trust-drop-with-stranger-dependency",
            message: format!("{} together with a new dependency from a stranger", identity.join(", ")),
            signals: with(&["dependency-added"]),
        });
    }
    if let Some(hours) = fresh
        && new_code
    {
        hits.push(RuleHit {
            rule: "fresh-install-code",
            message: format!(
                "install-time code ({script_status}) in a release {} old (window: {} h)",
                signals::describe_age(hours),
                rules.install_window_hours
            ),
            signals: vec!["install-script", "recent-release"],
        });
    }
    if present("new-package") && install.is_some() {
        hits.push(RuleHit {
            rule: "new-package-with-install-script",
            message: "a brand-new package that runs code at install".into(),
            signals: vec!["new-package", "install-script"],
        });
    }
    if present("typosquat") && install.is_some() {
        hits.push(RuleHit {
            rule: "typosquat-with-install-script",
            message: "a near miss of a popular name that runs code at install".into(),
            signals: vec!["typosquat", "install-script"],
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::{ScriptChange, by_id};

    fn today() -> Date {
        "2026-06-01".parse().unwrap()
    }

    fn f(signal: &'static str, severity: Severity, detail: Detail) -> Finding {
        Finding::builder(signal, severity).message(format!("{signal} finding")).detail(detail).build()
    }

    fn judge(policy: &Policy, findings: Vec<Finding>) -> PackageVerdict {
        let outcomes =
            findings.into_iter().map(|fi| (by_id(fi.signal).unwrap(), Outcome::finding(fi))).collect();
        policy.apply("pkg", outcomes)
    }

    fn default_policy() -> Policy {
        Policy::new(Config::default(), today())
    }

    fn install(s: ScriptChange) -> Finding {
        let sev = if s.is_new_code() { Severity::High } else { Severity::Low };
        f("install-script", sev, Detail::InstallScript(s))
    }

    fn recent(hours: i64) -> Finding {
        f(
            "recent-release",
            if hours < 24 { Severity::High } else { Severity::Low },
            Detail::RecentRelease { age_hours: hours },
        )
    }

    fn verdict_of(findings: Vec<Finding>) -> (Verdict, Vec<&'static str>) {
        let v = judge(&default_policy(), findings);
        (v.verdict, v.rules.iter().map(|r| r.rule).collect())
    }

    #[test]
    fn release_age_parsing() {
        assert_eq!(parse_age_hours("24"), Ok(24));
        assert_eq!(parse_age_hours("72h"), Ok(72));
        assert_eq!(parse_age_hours(" 3d "), Ok(72));
        assert!(parse_age_hours("3w").is_err());
        assert!(parse_age_hours("-1").is_err());
        assert!(parse_age_hours("").is_err());
        let mut p = Policy::new(Config::default(), utc_date(jiff::Timestamp::UNIX_EPOCH));
        p.set_min_release_age_hours(240);
        assert_eq!((p.settings().fresh_hours, p.settings().recent_days), (240, 10));
    }

    #[test]
    fn one_weak_signal_warns() {
        for single in [
            recent(2),
            f("provenance-regression", Severity::High, Detail::None),
            f("new-publisher", Severity::High, Detail::None),
            f("maintainers-changed", Severity::Medium, Detail::None),
            install(ScriptChange::Unchanged),
            install(ScriptChange::Added),
            f("dependency-added", Severity::High, Detail::DependencyAdded { stranger: true }),
            f("new-package", Severity::Medium, Detail::None),
            f("typosquat", Severity::Medium, Detail::None),
        ] {
            let id = single.signal;
            assert_eq!(verdict_of(vec![single]), (Verdict::Warn, vec![]), "{id}");
        }
        assert_eq!(verdict_of(vec![f("no-provenance", Severity::Info, Detail::None)]).0, Verdict::Pass);
        assert_eq!(verdict_of(vec![]).0, Verdict::Pass);
    }

    #[test]
    fn weak_signals_that_do_not_combine_still_warn() {
        // A maintainer's manual hotfix: new publisher, no provenance, fresh, unchanged script.
        let v = verdict_of(vec![
            f("provenance-regression", Severity::High, Detail::None),
            f("new-publisher", Severity::Medium, Detail::None),
            recent(3),
            install(ScriptChange::Unchanged),
            f("dependency-added", Severity::Low, Detail::DependencyAdded { stranger: false }),
        ]);
        assert_eq!(v, (Verdict::Warn, vec![]));
    }

    #[test]
    fn combinations_fail() {
        let idt = || f("new-publisher", Severity::High, Detail::None);
        assert_eq!(
            verdict_of(vec![idt(), install(ScriptChange::Added)]),
            (Verdict::Fail, vec!["trust-drop-with-install-code"])
        );
        assert_eq!(
            verdict_of(vec![
                f("maintainers-changed", Severity::Medium, Detail::None),
                install(ScriptChange::Changed)
            ])
            .0,
            Verdict::Fail
        );
        assert_eq!(
            verdict_of(vec![
                f("provenance-regression", Severity::High, Detail::None),
                f("dependency-added", Severity::High, Detail::DependencyAdded { stranger: true })
            ]),
            (Verdict::Fail, vec!["trust-drop-with-stranger-dependency"])
        );
        assert_eq!(
            verdict_of(vec![install(ScriptChange::Added), recent(47)]),
            (Verdict::Fail, vec!["fresh-install-code"])
        );
        assert_eq!(verdict_of(vec![install(ScriptChange::Added), recent(49)]).0, Verdict::Warn);
        assert_eq!(verdict_of(vec![install(ScriptChange::Unchanged), recent(1)]).0, Verdict::Warn);
        assert_eq!(
            verdict_of(vec![
                f("new-package", Severity::Medium, Detail::None),
                install(ScriptChange::Unchanged)
            ]),
            (Verdict::Fail, vec!["new-package-with-install-script"])
        );
        assert_eq!(
            verdict_of(vec![f("typosquat", Severity::Medium, Detail::None), install(ScriptChange::First)]),
            (Verdict::Fail, vec!["typosquat-with-install-script"])
        );
        // Identity with a known dependency, or with an unchanged script, is not a combination.
        assert_eq!(
            verdict_of(vec![
                idt(),
                f("dependency-added", Severity::Low, Detail::DependencyAdded { stranger: false })
            ])
            .0,
            Verdict::Warn
        );
        assert_eq!(verdict_of(vec![idt(), install(ScriptChange::Unchanged)]).0, Verdict::Warn);
    }

    #[test]
    fn critical_fails_and_scores() {
        let v = judge(&default_policy(), vec![f("integrity-mismatch", Severity::Critical, Detail::None)]);
        assert_eq!((v.verdict, v.score), (Verdict::Fail, 100));
        let v = judge(
            &default_policy(),
            vec![recent(2), f("maintainers-changed", Severity::Medium, Detail::None)],
        );
        assert_eq!(v.score, 60);
        assert_eq!(v.findings[0].signal, "recent-release", "most severe first");
        let v = judge(
            &default_policy(),
            vec![
                f("new-publisher", Severity::High, Detail::None),
                f("provenance-regression", Severity::High, Detail::None),
                recent(1),
            ],
        );
        assert_eq!((v.verdict, v.score), (Verdict::Warn, 100));
    }

    #[test]
    fn fail_on_threshold() {
        let mut p = default_policy();
        p.set_fail_on(FailOn::High);
        assert_eq!(judge(&p, vec![recent(2)]).verdict, Verdict::Fail);
        assert_eq!(
            judge(&p, vec![f("maintainers-changed", Severity::Medium, Detail::None)]).verdict,
            Verdict::Warn
        );
        p.set_fail_on(FailOn::Never);
        let v = judge(&p, vec![f("unpublished", Severity::Critical, Detail::None)]);
        assert_eq!(v.verdict, Verdict::Warn);
        let v = judge(&p, vec![install(ScriptChange::Added), recent(1)]);
        assert_eq!((v.verdict, v.rules.len()), (Verdict::Warn, 1));
        assert_eq!("never".parse::<FailOn>(), Ok(FailOn::Never));
        assert!("sometimes".parse::<FailOn>().is_err());
    }

    #[test]
    fn allow_list() {
        let yaml = "\
allow:
  - package: \"@ctrl/*\"
    signals: [install-script]
    reason: reviewed the build script
  - package: pkg
    signals: all
    reason: vendored
    expires: 2026-05-31
  - package: other
    signals: all
    reason: still valid
    expires: 2026-06-01
";
        let config = Config::from_yaml("lockgate.yml", yaml).unwrap();
        let policy = Policy::new(config, today());
        assert_eq!(
            policy.notes(),
            ["allow entry for pkg (vendored) expired on 2026-05-31 and no longer applies"]
        );
        // The expired entry no longer hides findings for `pkg`.
        let v = judge(&policy, vec![install(ScriptChange::Added), recent(1)]);
        assert_eq!(v.verdict, Verdict::Fail);
        // For a matching package, the allowed finding leaves the verdict and breaks the rule.
        let outcomes = vec![
            (by_id("install-script").unwrap(), Outcome::finding(install(ScriptChange::Added))),
            (by_id("recent-release").unwrap(), Outcome::finding(recent(1))),
        ];
        let v = policy.apply("@ctrl/tinycolor", outcomes);
        assert_eq!(v.verdict, Verdict::Warn);
        assert_eq!(v.allowed.len(), 1);
        assert_eq!(v.allowed[0].reason, "reviewed the build script");
        assert_eq!(v.allowed[0].package, "@ctrl/*");
        assert!(v.rules.is_empty());
        // The entry expiring today still applies.
        let v = policy.apply(
            "other",
            vec![(
                by_id("unpublished").unwrap(),
                Outcome::finding(f("unpublished", Severity::Critical, Detail::None)),
            )],
        );
        assert_eq!(v.verdict, Verdict::Pass);
    }

    #[test]
    fn severity_overrides_and_disabled_signals() {
        let yaml = "\
signals:
  recent-release:
    severity: critical
  typosquat:
    enabled: false
  new-package:
    days: 90
";
        let config = Config::from_yaml("lockgate.yml", yaml).unwrap();
        assert_eq!(config.settings().new_package_days, 90);
        let policy = Policy::new(config, today());
        assert!(!policy.signal_enabled("typosquat"));
        assert!(policy.signal_enabled("new-publisher"));
        let v = judge(&policy, vec![recent(100)]);
        assert_eq!((v.verdict, v.findings[0].severity), (Verdict::Fail, Severity::Critical));
    }

    #[test]
    fn unavailable_is_listed_not_judged() {
        let v = default_policy()
            .apply("pkg", vec![(by_id("new-publisher").unwrap(), Outcome::unavailable("no _npmUser"))]);
        assert_eq!(v.verdict, Verdict::Pass);
        assert_eq!(v.unavailable_ids(), ["new-publisher"]);
        assert_eq!(v.unavailable[0].reason, "no _npmUser");
    }

    #[test]
    fn ignore_paths() {
        let config =
            Config::from_yaml("c.yml", "ignore-paths: [\"examples/**\", \"*/fixtures/package-lock.json\"]\n")
                .unwrap();
        let policy = Policy::new(config, today());
        assert!(policy.ignores_path("examples/a/b/package-lock.json"));
        assert!(policy.ignores_path("./examples/package-lock.json"));
        assert!(policy.ignores_path("test/fixtures/package-lock.json"));
        assert!(!policy.ignores_path("a/test/fixtures/package-lock.json"));
        assert!(!policy.ignores_path("package-lock.json"));
    }

    #[test]
    fn full_config_parses() {
        let yaml = "\
fail-on: high
warn-on: medium
registry: https://registry.example.com/
ignore-paths: []
signals:
  new-publisher: { lookback: 20 }
  recent-release: { fresh-hours: 12, recent-days: 3 }
  provenance-regression: { lookback: 3, severity: medium }
  typosquat: { targets: 1000 }
rules:
  install-window-hours: 72
  combinations: true
allow: []
";
        let c = Config::from_yaml("c.yml", yaml).unwrap();
        assert_eq!(c.fail_on, FailOn::High);
        assert_eq!(c.warn_on, Severity::Medium);
        assert_eq!(c.registry.as_deref(), Some("https://registry.example.com/"));
        assert_eq!(c.rules.install_window_hours, 72);
        let s = c.settings();
        assert_eq!(
            (s.publisher_lookback, s.fresh_hours, s.recent_days, s.provenance_lookback, s.typosquat_targets),
            (20, 12, 3, 3, 1000)
        );
        assert_eq!(c.signals.common("provenance-regression"), (true, Some(Severity::Medium)));
        assert!(Config::from_yaml("c.yml", "").is_ok());
        assert!(Config::from_yaml("c.yml", "# only a comment\n").is_ok());
    }

    #[test]
    fn documented_example_parses() {
        let doc = include_str!("../docs/verdict.md");
        let yaml = doc.split("```yaml\n").nth(1).and_then(|rest| rest.split("```").next()).unwrap();
        let config = Config::from_yaml("docs/verdict.md", yaml).unwrap();
        assert_eq!(config.allow.len(), 1);
        assert_eq!(config.allow[0].expires, Some("2026-12-31".parse().unwrap()));
        assert!(!Policy::new(config, today()).signal_enabled("no-provenance"));
    }

    fn error(yaml: &str) -> ConfigError {
        Config::from_yaml(".github/lockgate.yml", yaml).unwrap_err()
    }

    #[test]
    fn unknown_keys_name_key_and_line() {
        let e = error("fail-on: high\nfial-on: low\n");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("fial-on"), "{e}");
        assert_eq!(
            e.to_string(),
            ".github/lockgate.yml:2: unknown field `fial-on`, expected one of fail-on, warn-on, registry, ignore-paths, signals, rules, allow"
        );

        let e = error("signals:\n  recent-release:\n    fresh-hours: 12\n    fresh-days: 3\n");
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("fresh-days"), "{e}");

        let e = error("signals:\n  new-publishr: {}\n");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("new-publishr"), "{e}");

        let e = error("allow:\n  - package: x\n    signals: all\n    reason: r\n    expire: 2026-01-01\n");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.contains("expire"), "{e}");
    }

    #[test]
    fn bad_values_name_the_line() {
        let e = error("fail-on: sometimes\n");
        assert_eq!(e.line, Some(1), "{e}");
        let e = error("allow:\n  - package: x\n    signals: [new-publisher, nope]\n    reason: r\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("nope"), "{e}");
        let e = error("allow:\n  - package: x\n    signals: all\n");
        assert!(e.message.contains("reason"), "{e}");
        let e = error("allow:\n  - package: x\n    signals: all\n    reason: \"  \"\n");
        assert!(e.message.contains("needs a reason"), "{e}");
        let e = error("allow:\n  - package: x\n    signals: all\n    reason: r\n    expires: next week\n");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.contains("YYYY-MM-DD"), "{e}");
        let e = error("allow:\n  - package: \"a[\"\n    signals: all\n    reason: r\n");
        assert!(e.message.contains("invalid glob"), "{e}");
        let e = error("fail-on: high\nfail-on: low\n");
        assert_eq!(e.to_string(), ".github/lockgate.yml:2: duplicate key `fail-on`");
        let e = error("a: &a [1]\nb: *a\nc: *a\n");
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(Config::from_yaml("c.yml", &format!("ignore-paths: {deep}\n")).is_err());
        let bombs = (0..20)
            .map(|i| format!("a{i}: &a{i} [*a{}, *a{}]\n", i.max(1) - 1, i.max(1) - 1))
            .collect::<String>();
        assert!(Config::from_yaml("c.yml", &bombs).is_err());
        assert!(Config::from_yaml("c.yml", &"x".repeat(MAX_CONFIG_BYTES + 1)).is_err());
        assert!(Config::from_yaml("c.yml", "- 1\n- 2\n").is_err());
        assert!(Config::from_yaml("c.yml", "\u{0}").is_err());
    }
}
