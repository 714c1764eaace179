//! provenance-regression: earlier releases of the same line were built with provenance or
//! published through trusted publishing; the locked version was not.

use super::{Facts, Finding, Outcome, Settings, Severity, Signal, earlier_releases, same_line};
use crate::registry::Packument;
use crate::registry::packument::Manifest;
use serde::Serialize;

pub const SIGNAL: Signal = Signal {
    id: "provenance-regression",
    description: "Earlier releases had provenance or trusted publishing; this one does not",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
A package that publishes from CI with a provenance attestation (`dist.attestations`) or through
npm trusted publishing (`_npmUser.trustedPublisher`, publisher `GitHub Actions
<npm-oidc-no-reply@github.com>`), or with a recorded approver (`_npmUser.approver`), gives every
release a verifiable origin. A stolen token publishes from somewhere else and the trust level
drops: nx 21.5.0 and axios 1.14.1 lacked the provenance their previous releases had.

The locked version is compared with the most recent of the last N earlier releases of the same
release line (same major; same major.minor below 1.0; N = `provenance-regression.lookback`,
default 5) that had any of these:
- high: the locked version has none of them.
- medium: it kept some but lost others (trusted publishing -> a token publish with provenance).

A maintainer's manual hotfix from a laptop looks the same, so on its own this only warns; the
verdict fails when it comes with new install-time code or a dependency from a stranger.

Unavailable when the registry records neither a publisher (`_npmUser`) nor an attestation on
any version: trusted publishing and approvers are recorded only in `_npmUser`, so a mirror that
strips it hides exactly the drop this signal looks for. The registry's own `dist.signatures`
do not count: npmjs signs every version, however it was published.
";

/// The trust features one version was published with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Trust {
    pub provenance: bool,
    pub trusted_publisher: bool,
    pub approver: bool,
}

impl Trust {
    pub fn of(m: &Manifest) -> Trust {
        let user = m.npm_user.as_ref();
        Trust {
            provenance: m.dist.as_ref().is_some_and(|d| d.attestations.is_some()),
            trusted_publisher: user.is_some_and(|u| u.trusted_publisher.is_some()),
            approver: user.is_some_and(|u| u.approver.is_some()),
        }
    }

    pub fn any(self) -> bool {
        self.provenance || self.trusted_publisher || self.approver
    }

    fn lost(self, now: Trust) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.provenance && !now.provenance {
            out.push("provenance attestation");
        }
        if self.trusted_publisher && !now.trusted_publisher {
            out.push("trusted publishing");
        }
        if self.approver && !now.approver {
            out.push("approver");
        }
        out
    }
}

/// Whether this registry keeps publish metadata at all; a mirror that strips `_npmUser` and
/// signatures strips attestations too, and then "no provenance" means nothing.
pub fn records_publish_metadata(p: &Packument) -> bool {
    p.versions.values().any(|m| {
        m.npm_user.is_some()
            || m.dist.as_ref().is_some_and(|d| d.signatures.is_some() || d.attestations.is_some())
    })
}

/// Whether the trust features [`Trust`] compares can be seen at all. Signatures are left out on
/// purpose: a mirror may copy `dist` (signatures included) yet strip `_npmUser`, and with it
/// every trace of trusted publishing.
fn records_trust_metadata(p: &Packument) -> bool {
    p.versions
        .values()
        .any(|m| m.npm_user.is_some() || m.dist.as_ref().is_some_and(|d| d.attestations.is_some()))
}

pub fn publisher(m: &Manifest) -> Option<&str> {
    m.npm_user.as_ref().and_then(|u| u.name.as_deref())
}

fn evaluate(facts: &Facts, settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    if !records_trust_metadata(published.packument) {
        return Outcome::unavailable(
            "the registry records no publisher (_npmUser) and no provenance attestation for any version",
        );
    }
    let now = Trust::of(published.manifest);
    let Ok(target) = semver::Version::parse(published.version) else { return Outcome::clean() };
    let reference = earlier_releases(published.packument, published.version)
        .into_iter()
        .filter(|(v, _)| semver::Version::parse(v).is_ok_and(|v| same_line(&v, &target)))
        .take(settings.provenance_lookback)
        .find(|(_, m)| Trust::of(m).any());
    let Some((ref_version, ref_manifest)) = reference else { return Outcome::clean() };
    let before = Trust::of(ref_manifest);
    let lost = before.lost(now);
    if lost.is_empty() {
        return Outcome::clean();
    }
    let severity = if now.any() { Severity::Medium } else { Severity::High };
    let who = |m: &Manifest| publisher(m).map(|p| format!(" by {p}")).unwrap_or_default();
    Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!(
                "{} {} was published{} without {}, which {ref_version} had (published{})",
                facts.change.name,
                published.version,
                who(published.manifest),
                lost.join(" and "),
                who(ref_manifest),
            ))
            .evidence("lost", &lost)
            .evidence(
                "old",
                serde_json::json!({ "version": ref_version, "publisher": publisher(ref_manifest), "trust": before }),
            )
            .evidence(
                "new",
                serde_json::json!({ "version": published.version, "publisher": publisher(published.manifest), "trust": now }),
            )
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::registry::packument::{Dist, Manifest, Signature};

    fn ci(v: &str) -> Manifest {
        with_provenance(Manifest { npm_user: Some(trusted_publisher()), ..manifest() }, "axios", v)
    }

    #[test]
    fn trusted_publishing_dropped() {
        let p = packument(&[
            ("1.13.6", "2026-02-01T00:00:00Z", ci("1.13.6")),
            ("1.14.0", "2026-03-01T00:00:00Z", ci("1.14.0")),
            ("1.14.1", "2026-03-31T00:21:00Z", by("jasonsaayman", "ifstap@proton.me")),
        ]);
        let out = eval(&SIGNAL, &updated("axios", "1.14.0", "1.14.1"), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
    }

    #[test]
    fn partial_drop_is_medium() {
        let token_with_provenance = with_provenance(by("maintainer", "m@example.com"), "x", "1.0.1");
        let p = packument(&[
            ("1.0.0", "2025-01-01T00:00:00Z", ci("1.0.0")),
            ("1.0.1", "2025-02-01T00:00:00Z", token_with_provenance),
        ]);
        let out = eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p));
        assert_eq!(out.findings[0].severity, Severity::Medium);
        assert_eq!(out.findings[0].evidence["lost"], serde_json::json!(["trusted publishing"]));
    }

    #[test]
    fn other_line_or_beyond_lookback_is_clean() {
        let p = packument(&[
            ("1.0.0", "2025-01-01T00:00:00Z", ci("1.0.0")),
            ("2.0.0", "2025-02-01T00:00:00Z", by("m", "m@example.com")),
            ("2.0.1", "2025-03-01T00:00:00Z", by("m", "m@example.com")),
        ]);
        assert_eq!(eval(&SIGNAL, &updated("x", "2.0.0", "2.0.1"), Some(&p)), Outcome::clean());
        let mut versions = vec![("1.0.0", "2025-01-01T00:00:00Z", ci("1.0.0"))];
        for (i, v) in ["1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "1.0.6"].into_iter().enumerate() {
            let t: &'static str = Box::leak(format!("2025-02-0{}T00:00:00Z", i + 1).into_boxed_str());
            versions.push((v, t, by("m", "m@example.com")));
        }
        let p = packument(&versions);
        assert_eq!(eval(&SIGNAL, &updated("x", "1.0.5", "1.0.6"), Some(&p)), Outcome::clean());
        assert_eq!(eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p)).findings.len(), 1);
    }

    #[test]
    fn stripped_registry_is_unavailable() {
        let p = packument(&[
            ("1.0.0", "2025-01-01T00:00:00Z", manifest()),
            ("1.0.1", "2025-02-01T00:00:00Z", manifest()),
        ]);
        assert!(eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p)).unavailable.is_some());
    }

    /// A mirror that copies `dist` but strips `_npmUser` and attestations: axios 1.14.0 was
    /// published through trusted publishing, which only `_npmUser` records. Clean here would
    /// hide the drop.
    #[test]
    fn signatures_alone_are_no_trust_record() {
        let signed = |_v: &str| {
            let mut m = manifest();
            m.dist = Some(Dist {
                signatures: Some(vec![Signature { keyid: Some("k".into()), sig: Some("s".into()) }]),
                ..Dist::default()
            });
            m
        };
        let p = packument(&[
            ("1.14.0", "2026-03-01T00:00:00Z", signed("1.14.0")),
            ("1.14.1", "2026-03-31T00:21:00Z", signed("1.14.1")),
        ]);
        let out = eval(&SIGNAL, &updated("axios", "1.14.0", "1.14.1"), Some(&p));
        assert!(out.findings.is_empty());
        assert!(out.unavailable.as_deref().is_some_and(|r| r.contains("_npmUser")), "{out:?}");
        // Attestations alone (publisher stripped) still allow comparing provenance.
        let p = packument(&[
            ("1.14.0", "2026-03-01T00:00:00Z", with_provenance(signed("1.14.0"), "axios", "1.14.0")),
            ("1.14.1", "2026-03-31T00:21:00Z", signed("1.14.1")),
        ]);
        let out = eval(&SIGNAL, &updated("axios", "1.14.0", "1.14.1"), Some(&p));
        assert_eq!(out.findings.len(), 1, "{out:?}");
    }
}
