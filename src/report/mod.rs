//! The finished result of a run, as plain data, and its renderings.
//!
//! Renderers see only this model: never the registry, git or the lockfile parsers.

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::context::Context;
use crate::diff::{Change, ChangeKind};
use crate::lockfile::{Entry, Format, Source};
use crate::policy::{Allowed, PackageVerdict, RuleHit, Unavailable};
use crate::signals::Finding;
use serde::Serialize;

/// Version of the JSON report layout. Bump only on an incompatible change.
pub const SCHEMA: u32 = 1;

pub use crate::policy::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Command {
    Diff,
    Scan,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: u32,
    pub command: Command,
    pub verdict: Verdict,
    /// What was compared: `base` and `head` for diff (`head` is "working tree" by default),
    /// `rev` for scan.
    pub base: Option<String>,
    pub head: String,
    /// True when no registry was asked (`--offline`): registry signals were not evaluated.
    pub offline: bool,
    /// The instant ages were computed against (`--now` or the clock), RFC 3339.
    pub now: String,
    /// The default registry asked (no credentials in it); absent when offline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// Where the policy came from (`.github/lockgate.yml at origin/main`, or "defaults").
    pub config: String,
    /// Things the reader should know about the run (expired allow entries...).
    pub notes: Vec<String>,
    pub lockfiles: Vec<LockfileInfo>,
    pub packages: Vec<Package>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockfileInfo {
    pub path: String,
    /// The head format, or the base format of a lockfile the change deletes.
    pub format: Format,
    /// The base format, when it differs from the head one (a migration such as yarn v1 -> berry)
    /// or the lockfile has a different path at base (package-lock.json -> pnpm-lock.yaml).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_format: Option<Format>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    /// Status of the lockfile itself in a diff.
    pub change: ChangeKind,
    pub packages: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Package {
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub change: ChangeKind,
    pub lockfile: String,
    /// Line of the package's entry in the head lockfile (base lockfile for removals).
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    pub dev: bool,
    pub optional: bool,
    /// The lockfile says this version runs an install script.
    pub install_script: bool,
    pub score: u32,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// Combination rules that fired (what makes a set of findings a failure).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleHit>,
    /// Findings an allow entry of the policy accepted, with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<Allowed>,
    /// Ids of the signals that could not be evaluated for this package...
    pub unavailable: Vec<String>,
    /// ...and why, per signal.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unavailable_reasons: Vec<Unavailable>,
    /// Why the package is in the lockfile: the package, its dependents up to a direct
    /// dependency, and the `package.json` asking for it. Empty when the lockfile does not say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependency_path: Vec<String>,
    /// What the registry says of this version and the one it is compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
}

impl Package {
    /// Attach the policy's judgement.
    pub fn judged(mut self, v: PackageVerdict) -> Package {
        self.score = v.score;
        self.verdict = v.verdict;
        self.unavailable = v.unavailable.iter().map(|u| u.signal.to_owned()).collect();
        self.unavailable_reasons = v.unavailable;
        self.findings = v.findings;
        self.rules = v.rules;
        self.allowed = v.allowed;
        self
    }

    /// A package as the lockfiles describe it, before any registry signal is evaluated.
    pub fn from_change(change: &Change) -> Package {
        let current: &Entry = change.current();
        Package {
            name: change.name.clone(),
            from: change.from.as_ref().map(|e| e.version.clone()),
            to: change.to.as_ref().map(|e| e.version.clone()),
            change: change.kind,
            lockfile: change.lockfile.clone(),
            line: current.line,
            alias: current.alias.clone(),
            source: current.source,
            resolved: current.resolved.clone(),
            integrity: current.integrity.clone(),
            dev: current.flags.dev,
            optional: current.flags.optional,
            install_script: current.install_script,
            score: 0,
            verdict: Verdict::Pass,
            findings: Vec::new(),
            rules: Vec::new(),
            allowed: Vec::new(),
            unavailable: Vec::new(),
            unavailable_reasons: Vec::new(),
            dependency_path: Vec::new(),
            context: None,
        }
    }
}

/// `1 package`, `2 packages`.
pub(crate) fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}
