//! Small builders for the signals' unit tests.

use super::{Facts, Lookup, Outcome, Settings, Signal};
use crate::diff::{Change, ChangeKind};
use crate::lockfile::{Entry, Flags, Source};
use crate::registry::Packument;
use crate::registry::packument::{
    Attestations, Dist, Manifest, NpmUser, Person, Provenance, TrustedPublisher,
};
use jiff::Timestamp;
use std::collections::BTreeMap;

pub const NOW: &str = "2025-09-15T12:00:00Z";

pub fn now() -> Timestamp {
    NOW.parse().unwrap()
}

pub fn manifest() -> Manifest {
    Manifest::default()
}

pub fn by(name: &str, email: &str) -> Manifest {
    Manifest { npm_user: Some(user(name, email)), ..Manifest::default() }
}

pub fn user(name: &str, email: &str) -> NpmUser {
    NpmUser { name: Some(name.into()), email: Some(email.into()), ..NpmUser::default() }
}

pub fn person(name: &str) -> Person {
    Person { name: Some(name.into()), email: Some(format!("{name}@example.com")) }
}

pub fn trusted_publisher() -> NpmUser {
    NpmUser {
        name: Some("GitHub Actions".into()),
        email: Some("npm-oidc-no-reply@github.com".into()),
        trusted_publisher: Some(TrustedPublisher {
            id: Some("github".into()),
            oidc_config_id: Some("oidc:1".into()),
        }),
        approver: None,
    }
}

pub fn with_provenance(mut m: Manifest, name: &str, version: &str) -> Manifest {
    let dist = m.dist.get_or_insert_with(Dist::default);
    dist.attestations = Some(Attestations {
        url: Some(format!("https://registry.npmjs.org/-/npm/v1/attestations/{name}@{version}")),
        provenance: Some(Provenance { predicate_type: Some("https://slsa.dev/provenance/v1".into()) }),
    });
    m
}

pub fn with_scripts(mut m: Manifest, scripts: &[(&str, &str)]) -> Manifest {
    m.scripts = scripts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    m
}

pub fn with_deps(mut m: Manifest, deps: &[(&str, &str)]) -> Manifest {
    m.dependencies = deps.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    m
}

/// A packument with these versions (version, publish time, manifest); `created` is the first.
pub fn packument(versions: &[(&str, &str, Manifest)]) -> Packument {
    let mut p = Packument { name: Some("pkg".into()), ..Packument::default() };
    for (v, t, m) in versions {
        p.time.insert(v.to_string(), t.to_string());
        let mut m = m.clone();
        m.version = Some(v.to_string());
        p.versions.insert(v.to_string(), m);
    }
    if let Some((_, t, _)) = versions.first() {
        p.time.insert("created".into(), t.to_string());
    }
    p
}

pub fn entry(name: &str, version: &str) -> Entry {
    Entry {
        name: name.into(),
        alias: None,
        version: version.into(),
        source: Source::Registry,
        resolved: Some(tarball(name, version)),
        integrity: None,
        flags: Flags::default(),
        install_script: false,
        dependencies: vec![],
        key: format!("node_modules/{name}"),
        line: 10,
    }
}

pub fn tarball(name: &str, version: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    format!("https://registry.npmjs.org/{name}/-/{base}-{version}.tgz")
}

pub fn updated(name: &str, from: &str, to: &str) -> Change {
    change(ChangeKind::Updated, Some(entry(name, from)), Some(entry(name, to)))
}

pub fn added(name: &str, version: &str) -> Change {
    change(ChangeKind::Added, None, Some(entry(name, version)))
}

pub fn change(kind: ChangeKind, from: Option<Entry>, to: Option<Entry>) -> Change {
    let name = to.as_ref().or(from.as_ref()).map(|e| e.name.clone()).unwrap_or_default();
    Change { lockfile: "package-lock.json".into(), name, kind, from, to }
}

pub fn npmjs(_name: &str, url: &str) -> bool {
    url.starts_with("https://registry.npmjs.org/")
}

/// Evaluate one signal with default settings, no other packuments known.
pub fn eval(signal: &Signal, change: &Change, packument: Option<&Packument>) -> Outcome {
    eval_with(signal, change, packument, &BTreeMap::new(), &Settings::default())
}

pub fn eval_with(
    signal: &Signal,
    change: &Change,
    packument: Option<&Packument>,
    others: &BTreeMap<String, Packument>,
    settings: &Settings,
) -> Outcome {
    let lookup = |name: &str| match others.get(name) {
        Some(p) => Lookup::Found(p),
        None => Lookup::NotFound,
    };
    let facts = Facts {
        change,
        packument: match packument {
            Some(p) => Lookup::Found(p),
            None => Lookup::NotFetched("offline"),
        },
        now: now(),
        packuments: &lookup,
        is_registry_url: &npmjs,
    };
    (signal.evaluate)(&facts, settings)
}

/// Findings as JSON for snapshots (signal, severity, message, evidence).
pub fn findings_json(outcome: &Outcome) -> serde_json::Value {
    serde_json::json!({
        "findings": outcome.findings.iter().map(|f| serde_json::json!({
            "severity": f.severity,
            "message": f.message,
            "evidence": f.evidence,
        })).collect::<Vec<_>>(),
        "unavailable": outcome.unavailable,
    })
}
