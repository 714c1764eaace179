//! recent-release: the locked version is only hours or days old.

use super::{
    Detail, Facts, Finding, Outcome, Settings, Severity, Signal, age_hours, describe_age, published_at,
};

pub const SIGNAL: Signal = Signal {
    id: "recent-release",
    description: "The version was published only hours or days ago",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
Compromised releases are usually found and removed within hours or days (axios 1.14.1: about
three hours; ua-parser-js 0.7.29: about four; @solana/web3.js 1.95.6: five; nx 21.5.0: about five
and a half), so a very young version is worth a second look before merging. The age is `--now`
(or the clock) minus the registry's `time[version]`.

- high: younger than `recent-release.fresh-hours` (default 24).
- low: younger than `recent-release.recent-days` (default 7).

Fresh patches of popular packages are published every day, so on its own this only warns. The
verdict fails when install-time code appeared (install-script added or changed) in a release
younger than the install window (`rules.install-window-hours`, default 48).

Unavailable when the registry gives no publish time for the version.
";

fn evaluate(facts: &Facts, settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(at) = published_at(published.packument, published.version) else {
        return Outcome::unavailable("the registry gives no publish time for this version");
    };
    let hours = age_hours(facts.now, at);
    let severity = if hours < settings.fresh_hours {
        Severity::High
    } else if hours < settings.recent_days.saturating_mul(24) {
        Severity::Low
    } else {
        return Outcome::clean();
    };
    Outcome::finding(
        Finding::builder(SIGNAL.id, severity)
            .message(format!(
                "{} {} was published {} ago ({at})",
                facts.change.name,
                published.version,
                describe_age(hours)
            ))
            .evidence("published", at.to_string())
            .evidence("now", facts.now.to_string())
            .evidence("age_hours", hours)
            .detail(Detail::RecentRelease { age_hours: hours })
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn thresholds() {
        // NOW is 2025-09-15T12:00:00Z.
        let p = packument(&[
            ("1.0.0", "2020-01-01T00:00:00Z", manifest()),
            ("1.0.1", "2025-09-15T09:00:00Z", manifest()),
            ("1.0.2", "2025-09-12T12:00:00Z", manifest()),
            ("1.0.3", "2025-09-08T11:00:00Z", manifest()),
        ]);
        let out = eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
        assert_eq!(out.findings[0].detail, Detail::RecentRelease { age_hours: 3 });
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.2"), Some(&p)).findings[0].severity, Severity::Low);
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.3"), Some(&p)), Outcome::clean());
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&p)), Outcome::clean());
    }

    #[test]
    fn configurable_and_unavailable() {
        let p = packument(&[("1.0.1", "2025-09-14T00:00:00Z", manifest())]);
        let s = Settings { fresh_hours: 48, ..Settings::default() };
        let out = eval_with(&SIGNAL, &added("x", "1.0.1"), Some(&p), &Default::default(), &s);
        assert_eq!(out.findings[0].severity, Severity::High);
        let mut p = p;
        p.time.clear();
        assert!(eval(&SIGNAL, &added("x", "1.0.1"), Some(&p)).unavailable.is_some());
    }
}
