//! The parts of an npm registry document (a "packument", `GET /<name>`) that signals use.
//!
//! Registry JSON is untrusted and varies between registries and eras: old manifests have
//! maintainers as strings, `deprecated: false`, non-string script values; a fully unpublished
//! package has an object in `time`. Every field here is optional and a value of the wrong type
//! reads as absent, so one odd version never makes a whole package unreadable. Absent is
//! *unavailable* to signals, never a finding.
//!
//! Decoding is hand-written on serde visitors rather than derived: a derived struct fails on a
//! duplicate key and `#[serde(untagged)]` buffers the whole value before choosing, which for
//! `versions` of a 50 MB packument means holding a second full copy of the document. Here every
//! value is looked at once, as it streams past, and whatever the model does not keep (readmes,
//! per-version `_npmOperationalInternal`, wrongly typed values) is skipped without being stored.
//! Duplicate keys resolve to the last one, as in `JSON.parse`.

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Packument {
    pub name: Option<String>,
    /// `created`, `modified` and one publish instant per version (RFC 3339), as strings.
    pub time: BTreeMap<String, String>,
    pub dist_tags: BTreeMap<String, String>,
    pub versions: BTreeMap<String, Manifest>,
    /// The package's current maintainers (npmjs); stripped by some mirrors.
    pub maintainers: Option<Vec<Person>>,
}

/// One version's manifest as the registry publishes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    pub version: Option<String>,
    /// Who published this version; added server-side by npmjs, absent on many mirrors and
    /// self-hosted registries.
    pub npm_user: Option<NpmUser>,
    pub maintainers: Option<Vec<Person>>,
    pub scripts: BTreeMap<String, String>,
    pub dependencies: BTreeMap<String, String>,
    pub optional_dependencies: BTreeMap<String, String>,
    pub peer_dependencies: BTreeMap<String, String>,
    pub dist: Option<Dist>,
    /// The deprecation message; `deprecated: false` or `""` reads as not deprecated.
    pub deprecated: Option<String>,
    pub has_install_script: Option<bool>,
    /// npm sets this when the package has a binding.gyp (it then runs `node-gyp rebuild`).
    pub gypfile: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dist {
    pub integrity: Option<String>,
    pub shasum: Option<String>,
    pub tarball: Option<String>,
    /// Present when the version was published with a provenance attestation.
    pub attestations: Option<Attestations>,
    pub signatures: Option<Vec<Signature>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attestations {
    pub url: Option<String>,
    pub provenance: Option<Provenance>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    pub predicate_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signature {
    pub keyid: Option<String>,
    pub sig: Option<String>,
}

/// `_npmUser`: the publishing account. For trusted publishing (OIDC) npmjs records
/// `"GitHub Actions" <npm-oidc-no-reply@github.com>` with a `trustedPublisher`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NpmUser {
    pub name: Option<String>,
    pub email: Option<String>,
    pub trusted_publisher: Option<TrustedPublisher>,
    /// The account that approved a staged publish, when the registry records one.
    pub approver: Option<Person>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedPublisher {
    pub id: Option<String>,
    pub oidc_config_id: Option<String>,
}

/// An npm account as `{name, email}`; old documents write `"Name <email>"`. A list entry of
/// any other shape reads as a person with neither, so the list keeps its length.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Person {
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Person {
    fn parse(s: &str) -> Person {
        let (name, email) = match s.split_once('<') {
            Some((n, rest)) => (n.trim(), rest.split_once('>').map(|(e, _)| e.trim())),
            None => (s.trim(), None),
        };
        Person {
            name: Some(name.to_owned()).filter(|n| !n.is_empty()),
            email: email.filter(|e| !e.is_empty()).map(str::to_owned),
        }
    }
}

/// A model type read from whatever JSON value stands where it is expected. Each hook returns
/// `None` (or the type's [`Lenient::fallback`]) for shapes it does not accept; values it does
/// not accept are consumed without being stored.
trait Lenient: Sized {
    fn from_str(_: &str) -> Option<Self> {
        Self::fallback()
    }
    fn from_bool(_: bool) -> Option<Self> {
        Self::fallback()
    }
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::fallback())
    }
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::fallback())
    }
    /// What a value of the wrong shape (numbers and `null` included) reads as.
    fn fallback() -> Option<Self> {
        None
    }
}

fn read<'de, T: Lenient, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(LenientVisitor::<T>(PhantomData))
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for LenientVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(T::from_bool(v))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(T::fallback())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(T::fallback())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(T::fallback())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(T::fallback())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(T::fallback())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        read(d)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::from_seq(seq)
    }
}

struct Seed<T>(PhantomData<T>);

impl<'de, T: Lenient> DeserializeSeed<'de> for Seed<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        read(d)
    }
}

fn seed<T>() -> Seed<T> {
    Seed(PhantomData)
}

/// A struct field: how the value under its key is stored.
trait Slot {
    fn fill<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error>;
}

impl<T: Lenient> Slot for Option<T> {
    fn fill<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error> {
        *self = map.next_value_seed(seed::<T>())?;
        Ok(())
    }
}

impl<V: Lenient> Slot for BTreeMap<String, V> {
    fn fill<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error> {
        *self = map.next_value_seed(seed::<BTreeMap<String, V>>())?.unwrap_or_default();
        Ok(())
    }
}

impl Lenient for String {
    fn from_str(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}

impl Lenient for bool {
    fn from_bool(b: bool) -> Option<Self> {
        Some(b)
    }
}

/// Entries whose value has the wrong shape are dropped, the others kept.
impl<V: Lenient> Lenient for BTreeMap<String, V> {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            match map.next_value_seed(seed::<V>())? {
                Some(v) => {
                    out.insert(key, v);
                }
                None => {
                    // Last key wins, including when the last value is unusable.
                    out.remove(&key);
                }
            }
        }
        Ok(Some(out))
    }
}

/// Elements of the wrong shape are dropped (or kept as their type's fallback).
impl<T: Lenient> Lenient for Vec<T> {
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element_seed(seed::<T>())? {
            out.extend(item);
        }
        Ok(Some(out))
    }
}

impl Lenient for Person {
    fn from_str(s: &str) -> Option<Self> {
        Some(Person::parse(s))
    }
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut out = Person::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => out.name.fill(&mut map)?,
                "email" => out.email.fill(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(out))
    }
    fn fallback() -> Option<Self> {
        Some(Person::default())
    }
}

/// Implements [`Lenient`] (from a JSON object, key by key) and [`Deserialize`] (which requires
/// an object at the top) for a model struct.
macro_rules! lenient_struct {
    ($ty:ident { $($key:literal => $field:ident),* $(,)? }) => {
        lenient_struct!($ty { $($key => $field),* } finish |_out| {});
    };
    ($ty:ident { $($key:literal => $field:ident),* $(,)? } finish |$out:ident| $finish:block) => {
        impl Lenient for $ty {
            fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
                let mut out = $ty::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        $($key => out.$field.fill(&mut map)?,)*
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                {
                    let $out: &mut $ty = &mut out;
                    $finish
                }
                Ok(Some(out))
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                read::<$ty, D>(d)?.ok_or_else(|| {
                    de::Error::custom(concat!("expected a JSON object for ", stringify!($ty)))
                })
            }
        }
    };
}

lenient_struct!(Packument {
    "name" => name,
    "time" => time,
    "dist-tags" => dist_tags,
    "versions" => versions,
    "maintainers" => maintainers,
});

lenient_struct!(Manifest {
    "version" => version,
    "_npmUser" => npm_user,
    "maintainers" => maintainers,
    "scripts" => scripts,
    "dependencies" => dependencies,
    "optionalDependencies" => optional_dependencies,
    "peerDependencies" => peer_dependencies,
    "dist" => dist,
    "deprecated" => deprecated,
    "hasInstallScript" => has_install_script,
    "gypfile" => gypfile,
} finish |m| {
    if m.deprecated.as_deref().is_some_and(|d| d.trim().is_empty()) {
        m.deprecated = None;
    }
});

lenient_struct!(Dist {
    "integrity" => integrity,
    "shasum" => shasum,
    "tarball" => tarball,
    "attestations" => attestations,
    "signatures" => signatures,
});

lenient_struct!(Attestations { "url" => url, "provenance" => provenance });
lenient_struct!(Provenance { "predicateType" => predicate_type });
lenient_struct!(Signature { "keyid" => keyid, "sig" => sig });
lenient_struct!(NpmUser {
    "name" => name,
    "email" => email,
    "trustedPublisher" => trusted_publisher,
    "approver" => approver,
});
lenient_struct!(TrustedPublisher { "id" => id, "oidcConfigId" => oidc_config_id });

impl<'de> Deserialize<'de> for Person {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(read::<Person, D>(d)?.unwrap_or_default())
    }
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

    #[test]
    fn duplicates_last_wins_and_odd_values_skip() {
        let doc = r#"{
          "name": 5, "name": "y",
          "readme": {"deep": [[[[{"a": [1, 2, {"b": null}]}]]]]},
          "versions": {
            "1.0.0": {"version": "1.0.0", "version": "1.0.0", "deprecated": "",
                      "dependencies": {"a": "^1", "a": {"x": 1}, "b": "2"},
                      "dist": {"signatures": [{"keyid": "k", "sig": "s"}, "junk", 3]}},
            "1.0.1": {"deprecated": "  "},
            "1.0.2": {"deprecated": "use 2.x", "gypfile": true, "hasInstallScript": "yes"}
          },
          "time": null,
          "maintainers": "alice <a@example.com>"
        }"#;
        let p: Packument = serde_json::from_str(doc).unwrap();
        assert_eq!(p.name.as_deref(), Some("y"));
        assert!(p.time.is_empty());
        assert_eq!(p.maintainers, None);
        let m = &p.versions["1.0.0"];
        assert_eq!(m.deprecated, None);
        assert_eq!(m.dependencies.len(), 1);
        assert_eq!(m.dependencies["b"], "2");
        let sigs = m.dist.as_ref().unwrap().signatures.as_ref().unwrap();
        assert_eq!(sigs.len(), 1);
        assert_eq!(sigs[0].keyid.as_deref(), Some("k"));
        assert_eq!(p.versions["1.0.1"].deprecated, None);
        let m = &p.versions["1.0.2"];
        assert_eq!(m.deprecated.as_deref(), Some("use 2.x"));
        assert_eq!(m.gypfile, Some(true));
        assert_eq!(m.has_install_script, None);
    }

    #[test]
    fn top_level_must_be_an_object() {
        assert!(serde_json::from_str::<Packument>("[]").is_err());
        assert!(serde_json::from_str::<Packument>("\"x\"").is_err());
        assert!(serde_json::from_str::<Packument>("{\"versions\": {").is_err());
        assert!(serde_json::from_str::<Packument>("{}").unwrap() == Packument::default());
    }

    #[test]
    fn deep_nesting_in_skipped_values_is_skipped_without_recursion() {
        let deep = format!("{{\"readme\": {}{}, \"name\": \"n\"}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(serde_json::from_str::<Packument>(&deep).unwrap().name.as_deref(), Some("n"));
        let deep = format!(
            "{{\"versions\": {{\"1\": {{\"dist\": {}{}, \"version\": \"1\"}}}}}}",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let p = serde_json::from_str::<Packument>(&deep).unwrap();
        assert_eq!(p.versions["1"].dist, None);
        assert_eq!(p.versions["1"].version.as_deref(), Some("1"));
        let unclosed = format!("{{\"readme\": {}", "[".repeat(1000));
        assert!(serde_json::from_str::<Packument>(&unclosed).is_err());
    }

    #[test]
    fn reads_from_a_stream() {
        let doc = br#"{"name":"s","versions":{"1.0.0":{"scripts":{"install":"node-gyp rebuild"}}}}"#;
        let p: Packument = serde_json::from_reader(std::io::BufReader::new(&doc[..])).unwrap();
        assert_eq!(p.versions["1.0.0"].scripts["install"], "node-gyp rebuild");
    }
}
