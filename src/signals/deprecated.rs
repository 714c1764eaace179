//! deprecated: the registry marks the locked version deprecated.

use super::{Facts, Finding, Outcome, Settings, Severity, Signal};

pub const SIGNAL: Signal = Signal {
    id: "deprecated",
    description: "The registry marks the version deprecated",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
Maintainers deprecate versions that are broken, insecure or abandoned, and npm sometimes
deprecates a compromised version before it is removed. The finding quotes the registry's
deprecation message (`versions[v].deprecated`).

- low: the version is deprecated.

An absent or empty `deprecated` field means not deprecated (mirrors that strip the field cannot
be told apart from a clean version). Nothing for packages that do not come from a registry.
";

fn evaluate(facts: &Facts, _settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(message) = published.manifest.deprecated.as_deref().map(str::trim).filter(|m| !m.is_empty())
    else {
        return Outcome::clean();
    };
    Outcome::finding(
        Finding::builder(SIGNAL.id, Severity::Low)
            .message(format!("{} {} is deprecated: {message}", facts.change.name, published.version))
            .evidence("deprecated", message)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::registry::packument::Manifest;

    #[test]
    fn deprecated_version() {
        let m = Manifest {
            deprecated: Some("CircularJSON is in maintenance only, flatted is its successor.".into()),
            ..manifest()
        };
        let p =
            packument(&[("0.5.9", "2018-10-23T00:00:00Z", m), ("0.5.8", "2018-10-01T00:00:00Z", manifest())]);
        let out = eval(&SIGNAL, &added("circular-json", "0.5.9"), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
        assert_eq!(eval(&SIGNAL, &added("circular-json", "0.5.8"), Some(&p)), Outcome::clean());
    }
}
