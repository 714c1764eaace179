//! maintainers-changed: the accounts that may publish the package changed between the previous
//! version and the locked one.

use super::{Facts, Finding, Outcome, Settings, Severity, Signal};
use crate::registry::packument::Person;
use std::collections::BTreeSet;

pub const SIGNAL: Signal = Signal {
    id: "maintainers-changed",
    description: "The set of maintainers differs from the previous version's",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
npmjs stores, with each version, the package's maintainers at the time it was published. This
signal compares the locked version's list with the previous version's (the base lockfile's
version for an update; otherwise the highest earlier version in the same release line).

- medium: accounts were added (a new maintainer can publish; event-stream's new owner was
  added as a maintainer before publishing 3.3.6). Many handovers are legitimate, so on its own
  this only warns; the verdict fails when it comes with new install-time code or a dependency
  from a stranger.
- low: accounts were only removed.

Accounts are compared by name (e-mail when a registry gives no name). Unavailable when either
version's manifest lacks `maintainers` (mirrors strip it) or the previous version is no longer on
the registry. Nothing for a first release.
";

fn key(p: &Person) -> Option<&str> {
    p.name.as_deref().or(p.email.as_deref())
}

fn evaluate(facts: &Facts, _settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let (previous, old_manifest) = match facts.previous_manifest(published.packument) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let (Some(old), Some(new)) = (&old_manifest.maintainers, &published.manifest.maintainers) else {
        return Outcome::unavailable("the registry does not list maintainers for these versions");
    };
    let old: BTreeSet<&str> = old.iter().filter_map(key).collect();
    let new: BTreeSet<&str> = new.iter().filter_map(key).collect();
    let added: Vec<&str> = new.difference(&old).copied().collect();
    let removed: Vec<&str> = old.difference(&new).copied().collect();
    if added.is_empty() && removed.is_empty() {
        return Outcome::clean();
    }
    let (severity, what) = if added.is_empty() {
        (Severity::Low, format!("removed {}", removed.join(", ")))
    } else if removed.is_empty() {
        (Severity::Medium, format!("added {}", added.join(", ")))
    } else {
        (Severity::Medium, format!("added {}; removed {}", added.join(", "), removed.join(", ")))
    };
    Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!(
                "{} {}: maintainers changed since {previous} ({what})",
                facts.change.name, published.version
            ))
            .evidence("maintainers", serde_json::json!({ "old": old, "new": new }))
            .evidence("added", added)
            .evidence("removed", removed)
            .evidence("previous", previous)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::registry::packument::Manifest;

    fn with(names: &[&str]) -> Manifest {
        Manifest { maintainers: Some(names.iter().map(|n| person(n)).collect()), ..manifest() }
    }

    #[test]
    fn added_maintainer() {
        let p = packument(&[
            ("3.3.5", "2018-01-01T00:00:00Z", with(&["dominictarr"])),
            ("3.3.6", "2018-09-09T00:00:00Z", with(&["dominictarr", "right9ctrl"])),
        ]);
        let out = eval(&SIGNAL, &updated("event-stream", "3.3.5", "3.3.6"), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
    }

    #[test]
    fn removal_only_is_low_and_same_set_is_clean() {
        let p = packument(&[
            ("1.0.0", "2018-01-01T00:00:00Z", with(&["a", "b"])),
            ("1.0.1", "2018-02-01T00:00:00Z", with(&["b"])),
            ("1.0.2", "2018-03-01T00:00:00Z", with(&["b"])),
        ]);
        let out = eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p));
        assert_eq!(out.findings[0].severity, Severity::Low);
        assert_eq!(out.findings[0].evidence["removed"], serde_json::json!(["a"]));
        assert_eq!(eval(&SIGNAL, &updated("x", "1.0.1", "1.0.2"), Some(&p)), Outcome::clean());
        // An addition compares with the previous version in the registry.
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.1"), Some(&p)).findings.len(), 1);
    }

    #[test]
    fn missing_data_is_unavailable() {
        let p = packument(&[
            ("1.0.0", "2018-01-01T00:00:00Z", manifest()),
            ("1.0.1", "2018-02-01T00:00:00Z", with(&["a"])),
        ]);
        assert!(eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p)).unavailable.is_some());
        let out = eval(&SIGNAL, &updated("x", "0.9.0", "1.0.1"), Some(&p));
        assert!(out.unavailable.unwrap().contains("0.9.0"));
    }
}
