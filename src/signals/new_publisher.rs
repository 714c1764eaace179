//! new-publisher: the version was published by an account that did not publish the recent
//! releases, or by a known account under a changed e-mail address.

use super::{Facts, Finding, Outcome, Settings, Severity, Signal, earlier_releases, same_email};

pub const SIGNAL: Signal = Signal {
    id: "new-publisher",
    description: "The version was published by a new account, or by a known account with a changed e-mail",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
Compares `_npmUser` (the account npmjs records as the publisher of each version) of the locked
version with the publishers of the earlier releases, most recent first by publish time.

- high: the account published none of the earlier versions (a new account: event-stream 3.3.6
  was the first release by its new owner).
- high: the account published before, but its e-mail differs from the one it used on its last
  earlier release (account takeovers often change the e-mail first: axios 1.14.1).
- medium: the account published earlier versions, but none of the last N releases
  (`new-publisher.lookback`, default 10): a returning account.
- nothing: the account is among the last N publishers with the same e-mail, or the version was
  published through npm trusted publishing (an OIDC identity of a CI workflow the package
  configured; a drop in trust is provenance-regression's job), or it is the first release.

Unavailable when the registry does not record `_npmUser` (mirrors and self-hosted registries
often strip it, Verdaccio never adds it) for this version or for any earlier one.
";

fn evaluate(facts: &Facts, settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(user) = &published.manifest.npm_user else {
        return Outcome::unavailable("the registry does not record who published this version (_npmUser)");
    };
    if user.trusted_publisher.is_some() {
        return Outcome::clean();
    }
    let Some(name) = user.name.as_deref() else {
        return Outcome::unavailable("the registry records no account name for this version's publisher");
    };
    let earlier = earlier_releases(published.packument, published.version);
    if earlier.is_empty() {
        return Outcome::clean();
    }
    // Each earlier release with a recorded publisher, most recent first.
    let publishers: Vec<(&str, &str, Option<&str>)> = earlier
        .iter()
        .filter_map(|(v, m)| {
            let u = m.npm_user.as_ref()?;
            Some((*v, u.name.as_deref()?, u.email.as_deref()))
        })
        .collect();
    if publishers.is_empty() {
        return Outcome::unavailable("the registry records no publisher (_npmUser) for earlier versions");
    }
    let recent: Vec<&str> = {
        let mut names: Vec<&str> = Vec::new();
        for (_, n, _) in publishers.iter().take(settings.publisher_lookback) {
            if !names.contains(n) {
                names.push(n);
            }
        }
        names
    };
    let email = user.email.as_deref();
    let last_own = publishers.iter().find(|(_, n, _)| *n == name);

    let finding = match last_own {
        Some((old_version, _, old_email)) => {
            if let (Some(old), Some(new)) = (old_email, email)
                && !same_email(old, new)
            {
                Finding::builder(SIGNAL.id, Severity::High)
                    .message(format!(
                        "{} {} was published by {name} <{new}>; the same account used <{old}> for {old_version}",
                        facts.change.name, published.version
                    ))
                    .evidence("account", name)
                    .evidence("email", serde_json::json!({ "old": old, "new": new }))
                    .evidence("last_release_by_account", old_version)
                    .evidence("in_recent_releases", recent.contains(&name))
            } else if !recent.contains(&name) {
                Finding::builder(SIGNAL.id, Severity::Medium)
                    .message(format!(
                        "{} {} was published by {name}, who published none of the last {} releases (last: {old_version})",
                        facts.change.name,
                        published.version,
                        settings.publisher_lookback.min(publishers.len())
                    ))
                    .evidence("publisher", serde_json::json!({ "old": recent, "new": name }))
                    .evidence("last_release_by_account", old_version)
            } else {
                return Outcome::clean();
            }
        }
        None => {
            let listed = published
                .packument
                .versions
                .get(facts.previous_version(published.packument).unwrap_or_default())
                .and_then(|m| m.maintainers.as_ref())
                .map(|ms| ms.iter().any(|p| p.name.as_deref() == Some(name)));
            Finding::builder(SIGNAL.id, Severity::High)
                .message(format!(
                    "{} {} was published by {name}, an account that published none of the {} earlier versions",
                    facts.change.name,
                    published.version,
                    earlier.len()
                ))
                .evidence("publisher", serde_json::json!({ "old": recent, "new": name }))
                .evidence("email", email)
                .evidence("listed_maintainer_of_previous_version", listed)
        }
    };
    Outcome::finding(finding.build())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn history() -> Vec<(&'static str, &'static str, crate::registry::packument::Manifest)> {
        vec![
            ("3.3.4", "2016-01-01T00:00:00Z", by("dominictarr", "dominic.tarr@gmail.com")),
            ("3.3.5", "2018-01-01T00:00:00Z", by("dominictarr", "dominic.tarr@gmail.com")),
        ]
    }

    #[test]
    fn new_account() {
        let mut versions = history();
        versions.push(("3.3.6", "2018-09-09T00:00:00Z", by("right9ctrl", "right9ctrl@outlook.com")));
        let p = packument(&versions);
        let out = eval(&SIGNAL, &updated("event-stream", "3.3.5", "3.3.6"), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
    }

    #[test]
    fn changed_email() {
        let mut versions = history();
        versions.push(("3.3.6", "2018-09-09T00:00:00Z", by("dominictarr", "attacker@proton.me")));
        let p = packument(&versions);
        let out = eval(&SIGNAL, &updated("event-stream", "3.3.5", "3.3.6"), Some(&p));
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert_eq!(
            out.findings[0].evidence["email"],
            serde_json::json!({"old": "dominic.tarr@gmail.com", "new": "attacker@proton.me"})
        );
    }

    #[test]
    fn same_account_and_case_insensitive_email_is_clean() {
        let mut versions = history();
        versions.push(("3.3.6", "2018-09-09T00:00:00Z", by("dominictarr", "Dominic.Tarr@gmail.com")));
        let p = packument(&versions);
        assert_eq!(eval(&SIGNAL, &updated("event-stream", "3.3.5", "3.3.6"), Some(&p)), Outcome::clean());
    }

    #[test]
    fn returning_account_is_medium() {
        let mut versions = vec![("1.0.0", "2015-01-01T00:00:00Z", by("old", "old@example.com"))];
        let times = ["2016", "2017", "2018"];
        let names = ["1.0.1", "1.0.2", "1.0.3"];
        for (v, y) in names.iter().zip(times) {
            let t: &'static str = Box::leak(format!("{y}-01-01T00:00:00Z").into_boxed_str());
            versions.push((v, t, by("current", "c@example.com")));
        }
        versions.push(("1.0.4", "2019-01-01T00:00:00Z", by("old", "old@example.com")));
        let p = packument(&versions);
        let settings = Settings { publisher_lookback: 2, ..Settings::default() };
        let out =
            eval_with(&SIGNAL, &updated("x", "1.0.3", "1.0.4"), Some(&p), &Default::default(), &settings);
        assert_eq!(out.findings[0].severity, Severity::Medium);
        assert_eq!(out.findings[0].evidence["last_release_by_account"], "1.0.0");
        // With the default lookback the account is recent enough.
        assert!(eval(&SIGNAL, &updated("x", "1.0.3", "1.0.4"), Some(&p)).findings.is_empty());
    }

    #[test]
    fn trusted_publishing_and_first_release_are_clean() {
        let mut versions = history();
        let m = crate::registry::packument::Manifest { npm_user: Some(trusted_publisher()), ..manifest() };
        versions.push(("3.4.0", "2019-01-01T00:00:00Z", m));
        let p = packument(&versions);
        assert_eq!(eval(&SIGNAL, &updated("x", "3.3.5", "3.4.0"), Some(&p)), Outcome::clean());
        let p = packument(&[("1.0.0", "2019-01-01T00:00:00Z", by("a", "a@example.com"))]);
        assert_eq!(eval(&SIGNAL, &added("x", "1.0.0"), Some(&p)), Outcome::clean());
    }

    #[test]
    fn stripped_registry_is_unavailable() {
        let p = packument(&[
            ("1.0.0", "2019-01-01T00:00:00Z", manifest()),
            ("1.0.1", "2019-02-01T00:00:00Z", manifest()),
        ]);
        let out = eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p));
        assert!(out.unavailable.unwrap().contains("_npmUser"));
        let p = packument(&[
            ("1.0.0", "2019-01-01T00:00:00Z", manifest()),
            ("1.0.1", "2019-02-01T00:00:00Z", by("a", "a@example.com")),
        ]);
        let out = eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), Some(&p));
        assert!(out.unavailable.unwrap().contains("earlier versions"));
        let out = eval(&SIGNAL, &updated("x", "1.0.0", "1.0.1"), None);
        assert_eq!(out.unavailable.as_deref(), Some("offline"));
    }
}
