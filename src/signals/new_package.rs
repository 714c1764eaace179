//! new-package: the package itself appeared on the registry only recently.

use super::{Facts, Finding, Outcome, Settings, Severity, Signal, age_hours, created_at, describe_age};

pub const SIGNAL: Signal = Signal {
    id: "new-package",
    description: "The package first appeared on the registry only recently",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
A package created days ago has no track record: flatmap-stream (pulled in by event-stream 3.3.6)
and plain-crypto-js (pulled in by axios 1.14.1, created the day before) were both brand new. The
package's age is `--now` minus the registry's `time.created` (or its earliest version time).

- medium: created less than `new-package.days` ago (default 30).

Alone this warns. The verdict fails for a new package that runs install-time code
(install-script), and dependency-added treats a dependency this young as one from a stranger.

Unavailable when the registry gives no times for the package.
";

fn evaluate(facts: &Facts, settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(created) = created_at(published.packument) else {
        return Outcome::unavailable("the registry gives no creation time for this package");
    };
    let hours = age_hours(facts.now, created);
    if hours >= settings.new_package_days.saturating_mul(24) {
        return Outcome::clean();
    }
    Outcome::finding(
        Finding::builder(SIGNAL.id, Severity::Medium)
            .message(format!(
                "{} first appeared on the registry {} ago ({created}); {} versions published",
                facts.change.name,
                describe_age(hours),
                published.packument.versions.len()
            ))
            .evidence("created", created.to_string())
            .evidence("age_hours", hours)
            .evidence("versions", published.packument.versions.len())
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn young_package() {
        let p = packument(&[
            ("4.2.0", "2026-03-30T05:57:00Z", manifest()),
            ("4.2.1", "2026-03-30T23:59:00Z", manifest()),
        ]);
        let change = added("plain-crypto-js", "4.2.1");
        let lookup = |_: &str| super::super::Lookup::NotFound;
        let facts = super::super::Facts {
            change: &change,
            packument: super::super::Lookup::Found(&p),
            now: "2026-03-31T01:00:00Z".parse().unwrap(),
            packuments: &lookup,
            is_registry_url: &npmjs,
        };
        let out = evaluate(&facts, &Settings::default());
        insta::assert_json_snapshot!(findings_json(&out));
    }

    #[test]
    fn old_package_is_clean_and_created_falls_back_to_versions() {
        let mut p = packument(&[("1.0.0", "2025-09-01T00:00:00Z", manifest())]);
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&p)).findings.len(), 1);
        p.time.remove("created");
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&p)).findings.len(), 1);
        let p = packument(&[("1.0.0", "2015-09-01T00:00:00Z", manifest())]);
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&p)), Outcome::clean());
    }
}
