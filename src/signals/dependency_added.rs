//! dependency-added: the locked version declares dependencies the previous version did not.

use super::{
    Detail, Facts, Finding, Lookup, Outcome, Settings, Severity, Signal, age_hours, created_at, typosquat,
};
use crate::registry::Packument;
use crate::registry::packument::Manifest;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const SIGNAL: Signal = Signal {
    id: "dependency-added",
    description: "The version declares dependencies the previous version did not",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
A compromised release does not need to touch the package's own code: adding one dependency that
runs a postinstall is enough (axios 1.14.1 added `plain-crypto-js`, created the day before;
event-stream 3.3.6 added the brand-new `flatmap-stream`). This signal lists the dependencies
(`dependencies`, `optionalDependencies`, `peerDependencies`, which npm 7+ installs too) of the
locked version that the previous version did not declare, and what is known about each:

- `registry`: the spec is a registry range or tag (not a git, tarball, file or GitHub URL);
- `age_days`: how long ago the dependency first appeared on the registry;
- `same_publisher`: whether an account that published or maintains the depending package also
  published or maintains the dependency (trusted-publishing identities do not count);
- `popular`: whether the name is in the bundled list of popular npm packages.

A dependency is from a *stranger* when it is not a registry spec, the registry does not know it,
it is younger than `new-package.days`, or it is neither popular nor published by the depending
package's accounts. Severity: high when an added dependency is not from the registry, unknown to
it, or new; medium when one is only by other, less known people, or could not be looked up; low
otherwise (a well-known dependency, or one from the same people).

The verdict fails when a dependency from a stranger comes with a changed identity or trust level
(new-publisher, maintainers-changed, provenance-regression).

Unavailable when the previous version's manifest is not on the registry. Nothing for a first
release.
";

#[derive(Debug, Serialize)]
struct Added<'a> {
    name: &'a str,
    spec: &'a str,
    kind: &'static str,
    registry: bool,
    known: Option<bool>,
    age_days: Option<i64>,
    same_publisher: Option<bool>,
    popular: bool,
    stranger: bool,
}

fn declared(m: &Manifest) -> BTreeMap<&str, (&str, &'static str)> {
    let mut out = BTreeMap::new();
    for (map, kind) in
        [(&m.peer_dependencies, "peer"), (&m.optional_dependencies, "optional"), (&m.dependencies, "prod")]
    {
        for (name, spec) in map {
            out.insert(name.as_str(), (spec.as_str(), kind));
        }
    }
    out
}

/// The real registry name behind `npm:real@range`, and whether the spec resolves on a registry.
fn resolve<'a>(name: &'a str, spec: &'a str) -> (&'a str, bool) {
    let spec = spec.trim();
    if let Some(rest) = spec.strip_prefix("npm:") {
        // `npm:@scope/name@range` or `npm:name@range`: the version separator is the last `@`
        // that is not the scope's.
        let real = match rest.char_indices().skip(1).find(|(_, c)| *c == '@') {
            Some((i, _)) => &rest[..i],
            None => rest,
        };
        return (real, true);
    }
    let lower = spec.to_ascii_lowercase();
    let url_like = [
        "git:",
        "git+",
        "git@",
        "http:",
        "https:",
        "file:",
        "link:",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    // `user/repo` is GitHub shorthand; `workspace:` and `catalog:` are local to the project.
    let shorthand = !spec.starts_with('@') && spec.contains('/') && !spec.contains(' ');
    let local = lower.starts_with("workspace:") || lower.starts_with("catalog:");
    (name, !(url_like || shorthand || local))
}

/// Human accounts that published or maintain a package (trusted-publishing identities are CI
/// workflows, not people, and would make every two CI-published packages look related).
fn accounts(p: &Packument) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    for m in p.versions.values() {
        if let Some(u) = &m.npm_user
            && u.trusted_publisher.is_none()
            && let Some(n) = u.name.as_deref()
        {
            out.insert(n);
        }
        for person in m.maintainers.iter().flatten() {
            out.extend(person.name.as_deref());
        }
    }
    for person in p.maintainers.iter().flatten() {
        out.extend(person.name.as_deref());
    }
    out
}

fn evaluate(facts: &Facts, settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let (previous, old_manifest) = match facts.previous_manifest(published.packument) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let old = declared(old_manifest);
    let new = declared(published.manifest);
    let own = accounts(published.packument);
    let mut added = Vec::new();
    for (&name, &(spec, kind)) in &new {
        if old.contains_key(name) {
            continue;
        }
        let (real, registry) = resolve(name, spec);
        let popular = typosquat::is_popular(real);
        let lookup =
            if registry { (facts.packuments)(real) } else { Lookup::NotFetched("not a registry spec") };
        let (known, age_days, same_publisher) = match lookup {
            Lookup::Found(p) => {
                let age = created_at(p).map(|c| age_hours(facts.now, c) / 24);
                let theirs = accounts(p);
                let same =
                    if own.is_empty() || theirs.is_empty() { None } else { Some(!own.is_disjoint(&theirs)) };
                (Some(true), age, same)
            }
            Lookup::NotFound => (Some(false), None, None),
            Lookup::NotFetched(_) => (None, None, None),
        };
        let young = age_days.is_some_and(|d| d < settings.new_package_days);
        let stranger =
            !registry || known == Some(false) || young || (same_publisher == Some(false) && !popular);
        added.push(Added {
            name: real,
            spec,
            kind,
            registry,
            known,
            age_days,
            same_publisher,
            popular,
            stranger,
        });
    }
    if added.is_empty() {
        return Outcome::clean();
    }
    let stranger = added.iter().any(|a| a.stranger);
    let unknown_origin = added.iter().any(|a| {
        !a.registry || a.known == Some(false) || a.age_days.is_some_and(|d| d < settings.new_package_days)
    });
    let severity = if unknown_origin {
        Severity::High
    } else if stranger || added.iter().any(|a| a.registry && a.known.is_none()) {
        Severity::Medium
    } else {
        Severity::Low
    };
    let list: Vec<String> = added.iter().map(describe).collect();
    Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!(
                "{} {} adds {} not in {previous}: {}",
                facts.change.name,
                published.version,
                if added.len() == 1 { "a dependency" } else { "dependencies" },
                list.join("; ")
            ))
            .evidence("previous", previous)
            .evidence(
                "dependencies",
                serde_json::json!({
                    "old": old.keys().collect::<Vec<_>>(),
                    "new": new.keys().collect::<Vec<_>>(),
                }),
            )
            .evidence("added", &added)
            .detail(Detail::DependencyAdded { stranger })
            .build(),
    )
}

fn describe(a: &Added) -> String {
    let mut facts: Vec<String> = Vec::new();
    if !a.registry {
        facts.push("not from the registry".into());
    }
    match (a.known, a.age_days) {
        (Some(false), _) => facts.push("unknown to the registry".into()),
        (_, Some(0)) => facts.push("created today".into()),
        (_, Some(1)) => facts.push("created 1 day ago".into()),
        (_, Some(d)) => facts.push(format!("created {d} days ago")),
        _ => {}
    }
    match a.same_publisher {
        Some(true) => facts.push("same publisher".into()),
        Some(false) => facts.push("other publisher".into()),
        None => {}
    }
    if a.popular {
        facts.push("popular".into());
    }
    if facts.is_empty() {
        format!("{}@{}", a.name, a.spec)
    } else {
        format!("{}@{} ({})", a.name, a.spec, facts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use std::collections::BTreeMap;

    fn axios() -> Packument {
        packument(&[
            (
                "1.14.0",
                "2026-03-27T00:00:00Z",
                with_deps(by("jasonsaayman", "j@example.com"), &[("follow-redirects", "^1.15.6")]),
            ),
            (
                "1.14.1",
                "2026-03-31T00:21:00Z",
                with_deps(
                    by("jasonsaayman", "ifstap@proton.me"),
                    &[("follow-redirects", "^1.15.6"), ("plain-crypto-js", "^4.2.1")],
                ),
            ),
        ])
    }

    #[test]
    fn stranger_dependency() {
        let mut others = BTreeMap::new();
        others.insert(
            "plain-crypto-js".to_owned(),
            packument(&[("4.2.0", "2025-09-14T05:57:00Z", by("nrwise", "nrwise@proton.me"))]),
        );
        let out = eval_with(
            &SIGNAL,
            &updated("axios", "1.14.0", "1.14.1"),
            Some(&axios()),
            &others,
            &Settings::default(),
        );
        insta::assert_json_snapshot!(findings_json(&out));
        assert_eq!(out.findings[0].detail, Detail::DependencyAdded { stranger: true });
    }

    #[test]
    fn known_dependency_from_same_people_is_low() {
        let mut others = BTreeMap::new();
        others.insert(
            "plain-crypto-js".to_owned(),
            packument(&[("4.2.0", "2020-01-01T00:00:00Z", by("jasonsaayman", "j@example.com"))]),
        );
        let out = eval_with(
            &SIGNAL,
            &updated("axios", "1.14.0", "1.14.1"),
            Some(&axios()),
            &others,
            &Settings::default(),
        );
        assert_eq!(out.findings[0].severity, Severity::Low);
        assert_eq!(out.findings[0].detail, Detail::DependencyAdded { stranger: false });
    }

    #[test]
    fn established_dependency_from_other_people_is_medium_but_a_stranger() {
        let mut others = BTreeMap::new();
        others.insert(
            "plain-crypto-js".to_owned(),
            packument(&[("4.2.0", "2020-01-01T00:00:00Z", by("someone", "s@example.com"))]),
        );
        let out = eval_with(
            &SIGNAL,
            &updated("axios", "1.14.0", "1.14.1"),
            Some(&axios()),
            &others,
            &Settings::default(),
        );
        assert_eq!(out.findings[0].severity, Severity::Medium);
        assert_eq!(out.findings[0].detail, Detail::DependencyAdded { stranger: true });
    }

    #[test]
    fn unknown_to_registry_and_not_fetched() {
        // `eval` knows no other packuments: the dependency is unknown to the registry.
        let out = eval(&SIGNAL, &updated("axios", "1.14.0", "1.14.1"), Some(&axios()));
        assert!(out.findings[0].message.contains("unknown to the registry"));
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn specs() {
        assert_eq!(resolve("x", "^1.0.0"), ("x", true));
        assert_eq!(resolve("x", "latest"), ("x", true));
        assert_eq!(resolve("x", "npm:@scope/real@^2"), ("@scope/real", true));
        assert_eq!(resolve("x", "npm:real@^2"), ("real", true));
        assert_eq!(resolve("x", "github:user/repo"), ("x", false));
        assert_eq!(resolve("x", "user/repo#main"), ("x", false));
        assert_eq!(resolve("x", "https://evil.example/x.tgz"), ("x", false));
        assert_eq!(resolve("x", "git+ssh://git@github.com/a/b.git"), ("x", false));
        assert_eq!(resolve("x", ">=1.0.0 <2"), ("x", true));
        assert_eq!(resolve("x", "npm:"), ("", true));
        assert_eq!(resolve("x", "npm:é"), ("é", true));
    }

    #[test]
    fn no_new_dependency_is_clean() {
        let p = axios();
        assert_eq!(eval(&SIGNAL, &added("axios", "1.14.0"), Some(&p)), Outcome::clean());
    }
}
