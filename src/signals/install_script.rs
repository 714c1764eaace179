//! install-script: the version runs code when it is installed.

use super::{Detail, Facts, Finding, Outcome, ScriptChange, Settings, Severity, Signal};
use crate::diff::ChangeKind;
use crate::registry::packument::Manifest;
use std::collections::BTreeMap;

pub const SIGNAL: Signal = Signal {
    id: "install-script",
    description: "The version runs code at install time (preinstall/install/postinstall, or node-gyp for binding.gyp)",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
npm runs a package's `preinstall`, `install` and `postinstall` scripts when it installs it, and
when the package has a `binding.gyp` and neither an `install` nor a `preinstall` script, an
implicit `node-gyp rebuild` (the registry marks these with `gypfile: true`). Most npm malware
runs from exactly there: ua-parser-js 0.7.29, coa 2.0.3 and rc 1.2.9 added a `preinstall`,
eslint-scope 3.7.2, nx 21.5.0, the Shai-Hulud releases and plain-crypto-js a `postinstall`.

The finding shows the commands and compares them with the previous version's:
- high: `added` (the previous version ran nothing at install) or `changed` (other commands).
- medium: `first release` (no earlier version to compare with) or `unknown` (the previous
  version's manifest is not available).
- low: `unchanged` (esbuild, sharp, bcrypt and other native packages have had the same install
  script for years; it warns, never fails on its own).

The verdict fails when new install-time code comes with a changed identity or trust level
(new-publisher, maintainers-changed, provenance-regression), with a release younger than the
install window (48 h by default), or in a package that is itself new.

Without the registry document, the lockfile's own record (npm `hasInstallScript`, pnpm
`requiresBuild`, bun `trustedDependencies`) is used when it says there is a script; the commands
are then unknown. A lockfile that records nothing leaves the signal unavailable.
";

const HOOKS: [&str; 3] = ["preinstall", "install", "postinstall"];

/// The commands npm runs at install for this manifest.
pub fn install_commands(m: &Manifest) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for hook in HOOKS {
        if let Some(cmd) = m.scripts.get(hook)
            && !cmd.trim().is_empty()
        {
            out.insert(hook, cmd.clone());
        }
    }
    if m.gypfile == Some(true) && !out.contains_key("install") && !out.contains_key("preinstall") {
        out.insert("install", "node-gyp rebuild (implicit: the package has a binding.gyp)".to_owned());
    }
    if out.is_empty() && m.has_install_script == Some(true) {
        // Abbreviated documents carry the flag but not the scripts.
        out.insert("install", "(an install script the registry document does not show)".to_owned());
    }
    out
}

fn describe(commands: &BTreeMap<&str, String>) -> String {
    commands.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ")
}

fn evaluate(facts: &Facts, _settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return from_lockfile(facts).unwrap_or(outcome),
    };
    let new = install_commands(published.manifest);
    if new.is_empty() {
        return Outcome::clean();
    }
    let previous = facts.previous_version(published.packument);
    let old = previous.and_then(|v| published.packument.versions.get(v)).map(install_commands);
    let status = match (previous, &old) {
        (None, _) => ScriptChange::First,
        (Some(_), None) => ScriptChange::Unknown,
        (Some(_), Some(old)) if old.is_empty() => ScriptChange::Added,
        (Some(_), Some(old)) if *old == new => ScriptChange::Unchanged,
        (Some(_), Some(_)) => ScriptChange::Changed,
    };
    let severity = match status {
        ScriptChange::Added | ScriptChange::Changed => Severity::High,
        ScriptChange::First | ScriptChange::Unknown => Severity::Medium,
        ScriptChange::Unchanged => Severity::Low,
    };
    let since = match (status, previous) {
        (ScriptChange::First, _) => " (first release)".to_owned(),
        (_, Some(p)) => format!(" ({} since {p})", status.as_str()),
        (_, None) => String::new(),
    };
    Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!(
                "{} {} runs at install: {}{since}",
                facts.change.name,
                published.version,
                describe(&new)
            ))
            .evidence("scripts", serde_json::json!({ "old": old, "new": new }))
            .evidence("status", status)
            .evidence("previous", previous)
            .detail(Detail::InstallScript(status))
            .build(),
    )
}

/// The lockfile says there is an install script and nothing better is known.
fn from_lockfile(facts: &Facts) -> Option<Outcome> {
    let entry = facts.target()?;
    if !entry.install_script {
        return None;
    }
    let from = match facts.change.kind {
        ChangeKind::Updated => facts.change.from.as_ref(),
        _ => None,
    };
    let status = match from {
        Some(f) if !f.install_script => ScriptChange::Added,
        _ => ScriptChange::Unknown,
    };
    let severity = if status == ScriptChange::Added { Severity::High } else { Severity::Medium };
    Some(Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!(
                "{} {}: the lockfile records an install script{}",
                facts.change.name,
                entry.version,
                match from {
                    Some(f) if !f.install_script => format!(" ({} recorded none)", f.version),
                    _ => String::new(),
                }
            ))
            .evidence(
                "lockfile_install_script",
                serde_json::json!({
                    "old": from.map(|f| f.install_script),
                    "new": true,
                }),
            )
            .evidence("status", status)
            .detail(Detail::InstallScript(status))
            .build(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::registry::packument::Manifest;

    #[test]
    fn added_postinstall() {
        let p = packument(&[
            ("21.4.1", "2025-08-20T00:00:00Z", manifest()),
            (
                "21.5.0",
                "2025-08-26T22:32:00Z",
                with_scripts(manifest(), &[("postinstall", "node telemetry.js")]),
            ),
        ]);
        let out = eval(&SIGNAL, &updated("nx", "21.4.1", "21.5.0"), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
        assert_eq!(out.findings[0].detail, Detail::InstallScript(ScriptChange::Added));
    }

    #[test]
    fn unchanged_changed_and_first() {
        let script = |c: &str| with_scripts(manifest(), &[("postinstall", c)]);
        let p = packument(&[
            ("0.25.9", "2025-08-01T00:00:00Z", script("node install.js")),
            ("0.25.10", "2025-09-01T00:00:00Z", script("node install.js")),
            ("0.25.11", "2025-09-02T00:00:00Z", script("node install.js && node x.js")),
        ]);
        let out = eval(&SIGNAL, &updated("esbuild", "0.25.9", "0.25.10"), Some(&p));
        assert_eq!(out.findings[0].severity, Severity::Low);
        assert_eq!(out.findings[0].evidence["status"], "unchanged");
        let out = eval(&SIGNAL, &updated("esbuild", "0.25.10", "0.25.11"), Some(&p));
        assert_eq!(out.findings[0].detail, Detail::InstallScript(ScriptChange::Changed));
        assert_eq!(out.findings[0].severity, Severity::High);
        let out = eval(&SIGNAL, &added("esbuild", "0.25.9"), Some(&p));
        assert_eq!(out.findings[0].detail, Detail::InstallScript(ScriptChange::First));
        // An addition of a later version compares with the registry's previous version.
        let out = eval(&SIGNAL, &added("esbuild", "0.25.10"), Some(&p));
        assert_eq!(out.findings[0].evidence["status"], "unchanged");
    }

    #[test]
    fn implicit_node_gyp() {
        let gyp = Manifest { gypfile: Some(true), ..manifest() };
        assert_eq!(
            install_commands(&gyp).get("install").map(String::as_str),
            Some("node-gyp rebuild (implicit: the package has a binding.gyp)")
        );
        // An explicit install script replaces the implicit one.
        let explicit = Manifest {
            gypfile: Some(true),
            ..with_scripts(manifest(), &[("install", "prebuild-install || node-gyp rebuild")])
        };
        assert_eq!(install_commands(&explicit).len(), 1);
        assert_eq!(install_commands(&explicit)["install"], "prebuild-install || node-gyp rebuild");
        // Other scripts do not run at install.
        assert!(install_commands(&with_scripts(manifest(), &[("test", "x"), ("prepare", "y")])).is_empty());
    }

    #[test]
    fn no_script_is_clean_and_lockfile_fallback() {
        let p = packument(&[("1.0.0", "2020-01-01T00:00:00Z", manifest())]);
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&p)), Outcome::clean());
        let mut change = updated("x", "1.0.0", "1.0.1");
        change.to.as_mut().unwrap().install_script = true;
        let out = eval(&SIGNAL, &change, None);
        assert_eq!(out.findings[0].detail, Detail::InstallScript(ScriptChange::Added));
        assert!(out.findings[0].message.contains("lockfile records an install script"));
        let out = eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), None);
        assert_eq!(out.unavailable.as_deref(), Some("offline"));
    }
}
