//! untrusted-source: the package does not come from the configured registry.

use super::{Facts, Finding, Outcome, Settings, Severity, Signal};
use crate::lockfile::Source;

pub const SIGNAL: Signal = Signal {
    id: "untrusted-source",
    description: "Resolved from git, a tarball URL, plain http, or a host other than the configured registry",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
Everything the registry vouches for (publisher, provenance, takedowns of malware) only applies
to packages that come from it. This signal reads the lockfile alone:

- high: a registry package resolved over plain `http:` (anyone on the path can swap it), or from
  a host that is not the registry configured for its name (`--registry`, `.npmrc` `registry=` /
  `@scope:registry=`; registry.npmjs.org always counts, since npm rewrites that host to the
  configured one at install). A lockfile pointing a registry package at another host is the
  classic lockfile-injection trick.
- high: a tarball URL over plain `http:`.
- medium: a git dependency, or a tarball from an `https:` URL: code that no registry reviewed,
  versioned by whoever controls the repository or URL.

Local `file:`/`link:` and workspace packages are the project's own and are not flagged. Never
unavailable: the lockfile says where each package comes from.
";

fn evaluate(facts: &Facts, _settings: &Settings) -> Outcome {
    let Some(entry) = facts.target() else { return Outcome::clean() };
    let resolved = entry.resolved.as_deref().unwrap_or("");
    let plain_http = resolved.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    let (severity, what) = match entry.source {
        Source::Git => (Severity::Medium, "is installed from git".to_owned()),
        Source::Tarball if plain_http => (Severity::High, "is downloaded over plain http".to_owned()),
        Source::Tarball => (Severity::Medium, "is downloaded from a tarball URL".to_owned()),
        Source::Registry if plain_http => (Severity::High, "is downloaded over plain http".to_owned()),
        Source::Registry if resolved.contains("://") && !(facts.is_registry_url)(&entry.name, resolved) => {
            let host =
                resolved.split_once("://").map_or("", |(_, r)| r.split(['/', '?', '#']).next().unwrap_or(""));
            (Severity::High, format!("resolves to {host}, not the configured registry"))
        }
        _ => return Outcome::clean(),
    };
    let old = facts.change.from.as_ref().and_then(|f| f.resolved.as_deref());
    Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!("{} {} {what}: {resolved}", facts.change.name, entry.version))
            .evidence("source", entry.source.as_str())
            .evidence("resolved", serde_json::json!({ "old": old, "new": entry.resolved }))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn at(resolved: &str, source: Source) -> crate::diff::Change {
        let mut c = updated("lodash", "4.17.20", "4.17.21");
        let e = c.to.as_mut().unwrap();
        e.resolved = Some(resolved.into());
        e.source = source;
        c
    }

    #[test]
    fn other_host() {
        let out =
            eval(&SIGNAL, &at("https://evil.example/lodash/-/lodash-4.17.21.tgz", Source::Registry), None);
        insta::assert_json_snapshot!(findings_json(&out));
    }

    #[test]
    fn kinds() {
        let sev = |r: &str, s: Source| eval(&SIGNAL, &at(r, s), None).findings.first().map(|f| f.severity);
        assert_eq!(
            sev("http://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz", Source::Registry),
            Some(Severity::High)
        );
        assert_eq!(
            sev("git+ssh://git@github.com/lodash/lodash.git#abc", Source::Git),
            Some(Severity::Medium)
        );
        assert_eq!(sev("https://example.com/x.tgz", Source::Tarball), Some(Severity::Medium));
        assert_eq!(sev("HTTP://example.com/x.tgz", Source::Tarball), Some(Severity::High));
        assert_eq!(sev("https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz", Source::Registry), None);
        assert_eq!(sev("file:../lodash", Source::File), None);
        // yarn berry and pnpm write no URL for registry packages.
        assert_eq!(sev("lodash@npm:4.17.21", Source::Registry), None);
    }
}
