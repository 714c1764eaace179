//! The parts of an npm registry document (a "packument", `GET /<name>`) that signals use.
//!
//! Registry JSON is untrusted and varies between registries and eras: old manifests have
//! maintainers as strings, `deprecated: false`, non-string script values; a fully unpublished
//! package has an object in `time`. Every field here is optional and a value of the wrong type
//! reads as absent, so one odd version never makes a whole package unreadable. Absent is
//! *unavailable* to signals, never a finding.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Packument {
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    /// `created`, `modified` and one publish instant per version (RFC 3339), as strings.
    #[serde(default, deserialize_with = "string_map")]
    pub time: BTreeMap<String, String>,
    #[serde(default, rename = "dist-tags", deserialize_with = "string_map")]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "versions")]
    pub versions: BTreeMap<String, Manifest>,
    /// The package's current maintainers (npmjs); stripped by some mirrors.
    #[serde(default, deserialize_with = "people")]
    pub maintainers: Option<Vec<Person>>,
}

/// One version's manifest as the registry publishes it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Manifest {
    #[serde(default, deserialize_with = "lenient")]
    pub version: Option<String>,
    /// Who published this version; added server-side by npmjs, absent on many mirrors and
    /// self-hosted registries.
    #[serde(default, rename = "_npmUser", deserialize_with = "lenient")]
    pub npm_user: Option<NpmUser>,
    #[serde(default, deserialize_with = "people")]
    pub maintainers: Option<Vec<Person>>,
    #[serde(default, deserialize_with = "string_map")]
    pub scripts: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "string_map")]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies", deserialize_with = "string_map")]
    pub optional_dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "peerDependencies", deserialize_with = "string_map")]
    pub peer_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient")]
    pub dist: Option<Dist>,
    /// The deprecation message; `deprecated: false` or `""` reads as not deprecated.
    #[serde(default, deserialize_with = "lenient")]
    pub deprecated: Option<String>,
    #[serde(default, rename = "hasInstallScript", deserialize_with = "lenient")]
    pub has_install_script: Option<bool>,
    /// npm sets this when the package has a binding.gyp (it then runs `node-gyp rebuild`).
    #[serde(default, deserialize_with = "lenient")]
    pub gypfile: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Dist {
    #[serde(default, deserialize_with = "lenient")]
    pub integrity: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub shasum: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub tarball: Option<String>,
    /// Present when the version was published with a provenance attestation.
    #[serde(default, deserialize_with = "lenient")]
    pub attestations: Option<Attestations>,
    #[serde(default, deserialize_with = "lenient")]
    pub signatures: Option<Vec<Signature>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Attestations {
    #[serde(default, deserialize_with = "lenient")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub provenance: Option<Provenance>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Provenance {
    #[serde(default, rename = "predicateType", deserialize_with = "lenient")]
    pub predicate_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Signature {
    #[serde(default, deserialize_with = "lenient")]
    pub keyid: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub sig: Option<String>,
}

/// `_npmUser`: the publishing account. For trusted publishing (OIDC) npmjs records
/// `"GitHub Actions" <npm-oidc-no-reply@github.com>` with a `trustedPublisher`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct NpmUser {
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub email: Option<String>,
    #[serde(default, rename = "trustedPublisher", deserialize_with = "lenient")]
    pub trusted_publisher: Option<TrustedPublisher>,
    /// The account that approved a staged publish, when the registry records one.
    #[serde(default, deserialize_with = "lenient")]
    pub approver: Option<Person>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TrustedPublisher {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, rename = "oidcConfigId", deserialize_with = "lenient")]
    pub oidc_config_id: Option<String>,
}

/// An npm account as `{name, email}`; old documents write `"Name <email>"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Person {
    pub name: Option<String>,
    pub email: Option<String>,
}

impl<'de> Deserialize<'de> for Person {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Object {
                #[serde(default, deserialize_with = "lenient")]
                name: Option<String>,
                #[serde(default, deserialize_with = "lenient")]
                email: Option<String>,
            },
            Other(serde::de::IgnoredAny),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Text(s) => {
                let (name, email) = match s.split_once('<') {
                    Some((n, rest)) => {
                        (n.trim().to_owned(), rest.split_once('>').map(|(e, _)| e.trim().to_owned()))
                    }
                    None => (s.trim().to_owned(), None),
                };
                Person { name: Some(name).filter(|n| !n.is_empty()), email }
            }
            Raw::Object { name, email } => Person { name, email },
            Raw::Other(_) => Person::default(),
        })
    }
}

/// A value of the expected type, or `None` for anything else (including `null`).
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Maybe<T> {
        Value(T),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Maybe::<T>::deserialize(d)? {
        Maybe::Value(v) => Some(v),
        Maybe::Other(_) => None,
    })
}

/// A map of strings, skipping entries whose value is not a string.
fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw: Option<BTreeMap<String, serde_json::Value>> = lenient(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect())
}

fn people<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Person>>, D::Error> {
    lenient(d)
}

/// Versions whose manifest is not an object are dropped rather than failing the package.
fn versions<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Manifest>, D::Error> {
    struct Entry(Option<Manifest>);
    impl<'de> Deserialize<'de> for Entry {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            lenient(d).map(Entry)
        }
    }
    let raw: Option<BTreeMap<String, Entry>> = lenient(d)?;
    Ok(raw.unwrap_or_default().into_iter().filter_map(|(k, v)| Some((k, v.0?))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_shapes() {
        let doc = r#"{
          "name": "x",
          "time": {"created": "2020-01-01T00:00:00.000Z", "1.0.0": "2020-01-01T00:00:00.000Z",
                   "unpublished": {"time": "2021-01-01T00:00:00.000Z"}},
          "versions": {
            "1.0.0": {
              "version": "1.0.0",
              "_npmUser": {"name": "alice", "email": "a@example.com",
                           "trustedPublisher": {"id": "github", "oidcConfigId": "oidc:1"}},
              "maintainers": ["Bob <bob@example.com>", {"name": "alice", "email": "a@example.com"}, 7],
              "scripts": {"postinstall": "node x.js", "weird": 1},
              "deprecated": false,
              "dist": {"integrity": "sha512-abc", "tarball": "https://r/x/-/x-1.0.0.tgz",
                       "attestations": {"url": "u", "provenance": {"predicateType": "https://slsa.dev/provenance/v1"}}}
            },
            "2.0.0": "garbage"
          }
        }"#;
        let p: Packument = serde_json::from_str(doc).unwrap();
        assert_eq!(p.time.len(), 2);
        assert_eq!(p.versions.len(), 1);
        let m = &p.versions["1.0.0"];
        let user = m.npm_user.as_ref().unwrap();
        assert_eq!(user.name.as_deref(), Some("alice"));
        assert_eq!(user.trusted_publisher.as_ref().unwrap().id.as_deref(), Some("github"));
        let maintainers = m.maintainers.as_ref().unwrap();
        assert_eq!(
            maintainers[0],
            Person { name: Some("Bob".into()), email: Some("bob@example.com".into()) }
        );
        assert_eq!(maintainers[2], Person::default());
        assert_eq!(m.scripts.len(), 1);
        assert_eq!(m.deprecated, None);
        let dist = m.dist.as_ref().unwrap();
        assert!(dist.attestations.as_ref().unwrap().provenance.is_some());
        assert_eq!(dist.signatures, None);
    }
}
