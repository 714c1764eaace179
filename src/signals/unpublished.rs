//! unpublished: the locked version is gone from the registry.

use super::{Facts, Finding, Lookup, Outcome, Settings, Severity, Signal, cmp_versions};
use crate::lockfile::Source;

pub const SIGNAL: Signal = Signal {
    id: "unpublished",
    description: "The locked version no longer exists on the registry",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
npm removes malware: the compromised axios 1.14.1, ua-parser-js 0.7.29 and event-stream 3.3.6
were unpublished within hours or weeks, and a malicious package is often replaced by a
`0.0.1-security` placeholder. A lockfile that still locks such a version is a finding even when
nothing else is known about it.

- critical: the registry knows the package, but not the locked version (or records the whole
  package as unpublished).

Unavailable when the registry does not know the package at all (a 404: private packages on
another registry look the same) or was not asked. Nothing for git, tarball or local packages.
";

fn evaluate(facts: &Facts, _settings: &Settings) -> Outcome {
    let Some(entry) = facts.target() else { return Outcome::clean() };
    if entry.source != Source::Registry {
        return Outcome::clean();
    }
    let packument = match facts.packument {
        Lookup::Found(p) => p,
        Lookup::NotFound => return Outcome::unavailable("the registry does not know this package"),
        Lookup::NotFetched(why) => return Outcome::unavailable(why),
    };
    if packument.versions.contains_key(&entry.version) {
        return Outcome::clean();
    }
    let mut remaining: Vec<&str> = packument.versions.keys().map(String::as_str).collect();
    remaining.sort_by(|a, b| cmp_versions(b, a));
    let latest = packument.dist_tags.get("latest");
    let note = match (remaining.len(), latest) {
        (0, _) => "the registry lists no versions of it any more".to_owned(),
        (_, Some(l)) => format!("latest is now {l}"),
        (_, None) => format!("{} other versions remain", remaining.len()),
    };
    Outcome::finding(
        Finding::builder(SIGNAL.id, Severity::Critical)
            .message(format!(
                "{} {} is no longer on the registry ({note}); unpublished versions are often malware takedowns",
                facts.change.name, entry.version
            ))
            .evidence("version", &entry.version)
            .evidence("latest", latest)
            .evidence("remaining_versions", remaining.iter().take(5).collect::<Vec<_>>())
            .evidence("unpublished", remaining.is_empty())
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn version_taken_down() {
        let mut p = packument(&[
            ("0.7.28", "2021-04-01T00:00:00Z", manifest()),
            ("0.7.30", "2021-10-22T00:00:00Z", manifest()),
        ]);
        p.dist_tags.insert("latest".into(), "0.7.30".into());
        let out = eval(&SIGNAL, &updated("ua-parser-js", "0.7.28", "0.7.29"), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
        assert_eq!(eval(&SIGNAL, &updated("ua-parser-js", "0.7.28", "0.7.30"), Some(&p)), Outcome::clean());
    }

    #[test]
    fn unknown_package_is_unavailable() {
        let change = added("private-thing", "1.0.0");
        let lookup = |_: &str| Lookup::NotFound;
        let facts = super::super::Facts {
            change: &change,
            packument: Lookup::NotFound,
            now: now(),
            packuments: &lookup,
            is_registry_url: &npmjs,
        };
        assert!(evaluate(&facts, &Settings::default()).unavailable.is_some());
    }
}
