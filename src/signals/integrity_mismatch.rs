//! integrity-mismatch: the lockfile's hash or tarball URL is not what the registry publishes
//! for that name and version.

use super::{Facts, Finding, Outcome, Settings, Severity, Signal};

pub const SIGNAL: Signal = Signal {
    id: "integrity-mismatch",
    description: "The lockfile's integrity or resolved tarball differs from the registry's",
    docs: DOCS,
    evaluate,
};

const DOCS: &str = "\
A lockfile is code review's blind spot: a pull request can point `lodash@4.17.21` at another
tarball, or keep the URL and change the hash, and the diff looks like noise (lockfile
injection). The package manager installs exactly what the lockfile says, so every locked
registry package is checked against the registry's own `dist` for that name and version:

- the integrity: each hash of the lockfile's SRI string is compared with the registry's hash of
  the same algorithm: `sha512-` with `dist.integrity`, `sha1-` (base64) with `dist.shasum` (hex),
  and the `#<sha1>` fragment yarn v1 writes on resolved URLs with `dist.shasum`;
- the tarball: when the resolved URL is on the configured registry, its path must end with the
  registry's `dist.tarball` path from the package name on (mirrors may add a prefix).

critical on any difference, so the verdict fails.

Unavailable when no pair of hashes is comparable: yarn berry's `checksum` is a hash of yarn's own
zip archive, not of the npm tarball, so berry lockfiles cannot be checked this way; nor can a
registry document without `dist`. A resolved URL on another host is untrusted-source's job.
";

/// One hash as (algorithm, raw digest bytes).
type Digest = (String, Vec<u8>);

/// Parse an SRI string (`sha512-<base64> sha1-<base64>`), ignoring options and bad tokens.
fn parse_sri(sri: &str) -> Vec<Digest> {
    sri.split_whitespace()
        .filter_map(|token| {
            let (algo, rest) = token.split_once('-')?;
            let b64 = rest.split('?').next().unwrap_or(rest);
            Some((algo.to_ascii_lowercase(), base64_decode(b64)?))
        })
        .collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Standard or URL-safe base64, padding optional. `None` for anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if out.is_empty() { None } else { Some(out) }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The path of a URL without scheme, host, query and fragment.
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..end]
}

fn evaluate(facts: &Facts, _settings: &Settings) -> Outcome {
    let published = match facts.published() {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let Some(dist) = &published.manifest.dist else {
        return Outcome::unavailable("the registry document has no dist for this version");
    };
    let entry = published.entry;

    // What the registry publishes, by algorithm.
    let mut registry: Vec<Digest> = dist.integrity.as_deref().map(parse_sri).unwrap_or_default();
    if let Some(sha1) = dist.shasum.as_deref().and_then(hex_decode)
        && !registry.iter().any(|(a, _)| a == "sha1")
    {
        registry.push(("sha1".into(), sha1));
    }
    // What the lockfile records.
    let mut locked: Vec<(Digest, String)> = Vec::new();
    if let Some(i) = &entry.integrity {
        for d in parse_sri(i) {
            locked.push((d, "integrity".into()));
        }
    }
    if let Some(frag) = entry.resolved.as_deref().and_then(|r| r.rsplit_once('#')).map(|(_, f)| f)
        && frag.len() == 40
        && let Some(sha1) = hex_decode(frag)
    {
        locked.push((("sha1".into(), sha1), "resolved".into()));
    }

    let mut compared = 0;
    let mut mismatches = Vec::new();
    for ((algo, digest), field) in &locked {
        if let Some((_, theirs)) = registry.iter().find(|(a, _)| a == algo) {
            compared += 1;
            if theirs != digest {
                mismatches.push(serde_json::json!({
                    "field": field,
                    "algorithm": algo,
                    "old": hex(theirs),
                    "new": hex(digest),
                }));
            }
        }
    }

    // The tarball the lockfile points at, when it is on the registry.
    let mut tarball_mismatch = None;
    if let (Some(resolved), Some(tarball)) = (&entry.resolved, &dist.tarball)
        && (facts.is_registry_url)(&entry.name, resolved)
    {
        let theirs = url_path(tarball);
        if let Some(i) = theirs.find(&format!("/{}/-/", entry.name)) {
            compared += 1;
            let tail = &theirs[i..];
            if !url_path(resolved).ends_with(tail) {
                tarball_mismatch = Some(serde_json::json!({ "old": tarball, "new": resolved }));
            }
        }
    }

    if mismatches.is_empty() && tarball_mismatch.is_none() {
        if compared == 0 {
            return Outcome::unavailable(if entry.integrity.is_some() {
                "the lockfile's checksum is not comparable with the registry's hashes (yarn berry checksums hash yarn's own archive)"
            } else {
                "the lockfile records no integrity hash for this entry"
            });
        }
        return Outcome::clean();
    }
    let what = match (mismatches.is_empty(), tarball_mismatch.is_none()) {
        (false, false) => "integrity and resolved tarball differ",
        (false, true) => "integrity differs",
        _ => "resolved tarball differs",
    };
    Outcome::finding(
        Finding::builder(SIGNAL.id, Severity::Critical)
            .message(format!(
                "{} {}: the lockfile's {what} from what the registry publishes for this version",
                facts.change.name, published.version
            ))
            .evidence("hashes", mismatches)
            .evidence("tarball", tarball_mismatch)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::registry::packument::Dist;

    // Real values from the registry's document for abbrev 1.1.1.
    const SHA512: &str =
        "sha512-nne9/IiQ/hzIhY6pdDnbBtz7DjPTKrY00P/zvPSm5pOFkl6xuGrGnXn/VtTNNfNtAfZ9/1RtehkszU9qcTii0Q==";
    const SHASUM: &str = "f8f2c887ad10bf67f634f005b6987fed3179aac8";

    fn abbrev() -> crate::registry::Packument {
        let mut m = manifest();
        m.dist = Some(Dist {
            integrity: Some(SHA512.into()),
            shasum: Some(SHASUM.into()),
            tarball: Some("https://registry.npmjs.org/abbrev/-/abbrev-1.1.1.tgz".into()),
            ..Dist::default()
        });
        packument(&[("1.1.1", "2017-09-28T00:00:00Z", m)])
    }

    fn with(integrity: Option<&str>, resolved: Option<&str>) -> crate::diff::Change {
        let mut c = added("abbrev", "1.1.1");
        let e = c.to.as_mut().unwrap();
        e.integrity = integrity.map(Into::into);
        e.resolved = resolved.map(Into::into);
        c
    }

    #[test]
    fn matching_hashes_are_clean() {
        let p = abbrev();
        assert_eq!(
            eval(&SIGNAL, &with(Some(SHA512), Some(&tarball("abbrev", "1.1.1"))), Some(&p)),
            Outcome::clean()
        );
        // sha1 in base64 (npm v1 lockfiles) against the hex shasum.
        let sha1_b64 = "sha1-+PLIh60Qv2f2NPAFtph/7TF5qsg=";
        assert_eq!(eval(&SIGNAL, &with(Some(sha1_b64), None), Some(&p)), Outcome::clean());
        // yarn v1: `#<sha1 hex>` on the resolved URL.
        let yarn = format!("https://registry.yarnpkg.com/abbrev/-/abbrev-1.1.1.tgz#{SHASUM}");
        assert_eq!(eval(&SIGNAL, &with(None, Some(&yarn)), Some(&p)), Outcome::clean());
    }

    #[test]
    fn tampered_integrity() {
        let p = abbrev();
        let other =
            "sha512-AAAA/IiQ/hzIhY6pdDnbBtz7DjPTKrY00P/zvPSm5pOFkl6xuGrGnXn/VtTNNfNtAfZ9/1RtehkszU9qcTii0Q==";
        let out = eval(&SIGNAL, &with(Some(other), Some(&tarball("abbrev", "1.1.1"))), Some(&p));
        insta::assert_json_snapshot!(findings_json(&out));
        let bad_sha1 = "sha1-AAAAh60Qv2f2NPAFtph/7TF5qsg=";
        assert_eq!(eval(&SIGNAL, &with(Some(bad_sha1), None), Some(&p)).findings.len(), 1);
    }

    #[test]
    fn other_tarball_on_the_registry() {
        let p = abbrev();
        let out = eval(
            &SIGNAL,
            &with(Some(SHA512), Some("https://registry.npmjs.org/evil/-/evil-1.0.0.tgz")),
            Some(&p),
        );
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert!(out.findings[0].message.contains("resolved tarball differs"));
        // A mirror prefix on the same path is fine.
        let mirror = |_: &str, _: &str| true;
        let change = with(Some(SHA512), Some("https://mirror.example/api/npm/abbrev/-/abbrev-1.1.1.tgz"));
        let lookup = |_: &str| super::super::Lookup::NotFound;
        let facts = super::super::Facts {
            change: &change,
            packument: super::super::Lookup::Found(&p),
            now: now(),
            packuments: &lookup,
            is_registry_url: &mirror,
        };
        assert_eq!(evaluate(&facts, &Settings::default()), Outcome::clean());
    }

    #[test]
    fn berry_checksum_is_unavailable() {
        let p = abbrev();
        let out = eval(&SIGNAL, &with(Some("10c0/9e8e6e8a6f1b"), None), Some(&p));
        assert!(out.unavailable.unwrap().contains("yarn berry"));
    }

    #[test]
    fn decoders() {
        assert_eq!(base64_decode("TWFu"), Some(b"Man".to_vec()));
        assert_eq!(base64_decode("TWE="), Some(b"Ma".to_vec()));
        assert_eq!(base64_decode("T!"), None);
        assert_eq!(hex_decode("0aff"), Some(vec![10, 255]));
        assert_eq!(hex_decode("0af"), None);
        assert_eq!(hex_decode("éé"), None);
        assert_eq!(url_path("https://h/a/b.tgz?x#y"), "/a/b.tgz");
        assert_eq!(url_path("https://h"), "");
    }
}
