//! no-provenance: informational, the locked version has no provenance attestation.

use super::provenance_regression::{Trust, records_publish_metadata};
use super::{Facts, Finding, Outcome, Settings, Severity, Signal, published_at};

/// npm provenance became generally available on this day; nothing published before could have
/// it, so its absence there says nothing.
const PROVENANCE_GA: &str = "2023-04-19T00:00:00Z";

pub const SIGNAL: Signal = Signal {
    id: "no-provenance",
    description: "The version has no provenance attestation (informational)",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
Most packages on npm are still published without a provenance attestation, so its absence says
little on its own: this finding is `info` and never changes a verdict. It is there so a report
shows which dependencies can be traced to a source commit and build (`dist.attestations`) and
which cannot. A drop in provenance compared with earlier releases is provenance-regression.
Versions published before npm provenance existed (2023-04-19) are not reported.

Unavailable when the registry records no publish metadata at all (see provenance-regression).
";

fn evaluate(facts: &Facts, _settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    if !records_publish_metadata(published.packument) {
        return Outcome::unavailable(
            "the registry records no publish metadata (_npmUser, signatures, attestations)",
        );
    }
    if Trust::of(published.manifest).provenance {
        return Outcome::clean();
    }
    let ga: jiff::Timestamp = PROVENANCE_GA.parse().unwrap_or_default();
    if published_at(published.packument, published.version).is_some_and(|t| t < ga) {
        return Outcome::clean();
    }
    Outcome::finding(
        Finding::builder(SIGNAL.id, Severity::Info)
            .message(format!("{} {} has no provenance attestation", facts.change.name, published.version))
            .evidence("attestations", serde_json::Value::Null)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn info_only_when_missing() {
        let p = packument(&[
            ("1.0.0", "2025-01-01T00:00:00Z", by("a", "a@example.com")),
            ("1.0.1", "2025-02-01T00:00:00Z", with_provenance(by("a", "a@example.com"), "x", "1.0.1")),
        ]);
        let out = eval(&SIGNAL, &added("x", "1.0.0"), Some(&p));
        assert_eq!(out.findings[0].severity, Severity::Info);
        assert_eq!(out.findings[0].message, "x 1.0.0 has no provenance attestation");
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.1"), Some(&p)), Outcome::clean());
        let old = packument(&[("1.0.0", "2018-01-01T00:00:00Z", by("a", "a@example.com"))]);
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&old)), Outcome::clean());
        let bare = packument(&[("1.0.0", "2025-01-01T00:00:00Z", manifest())]);
        assert!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&bare)).unavailable.is_some());
    }
}
