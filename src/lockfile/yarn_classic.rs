//! yarn classic (v1) `yarn.lock`.
//!
//! Not YAML: yarn 1 has its own format (`# yarn lockfile v1`), read here with the indentation
//! tree shared with the berry parser (a hand-written line parser, linear in the input, every
//! node with its line). Entries look like
//!
//! ```text
//! "@scope/a@^1.0.0", a@~1.2:
//!   version "1.2.3"
//!   resolved "https://registry.yarnpkg.com/a/-/a-1.2.3.tgz#<sha1>"
//!   integrity sha512-...
//!   dependencies:
//!     b "^2.0.0"
//!   optionalDependencies:
//!     c "^3.0.0"
//! ```
//!
//! # Mapping to the model
//!
//! * The name is the descriptor's name (up to the first `@` after position 0, so URLs holding
//!   `@` in the range stay intact). `alias@npm:real@^1` gives name `real`, alias `alias`. One
//!   header may list descriptors installed under different names (`"x-cjs@npm:x@^4", x@^4.1.0`);
//!   each name becomes its own entry, as npm lists an aliased copy separately. Such entries share
//!   the header's line; `key` is the descriptor list of that name.
//! * Source comes from the range and the `resolved` URL: `file:`/`link:` ranges, git URLs,
//!   GitHub shorthands and `codeload.github.com` tarballs (what yarn 1 resolves GitHub refs to)
//!   are git, other http(s) URLs are tarballs unless they have the registry layout
//!   `/<name>/-/` for this very name (or are GitHub Packages downloads).
//! * `integrity` is the `integrity` field, or for lockfiles predating it, the hex sha1 yarn
//!   appends to registry and tarball URLs (`#<sha1>`). A git URL's fragment is a commit, not a
//!   hash, and is never used as integrity.
//! * Flags stay empty: yarn 1 records no dev/optional flag per package. Optional *edges* are
//!   known (`optionalDependencies` blocks mark the [`Dependency`]), but whether a package is
//!   only reachable through them needs the root manifest, which the lockfile does not record.
//! * Importers stay empty: yarn 1 does not record the root's or workspaces' direct dependencies
//!   (they live in package.json), and workspace packages are not listed at all.

use super::tarball::is_registry_tarball;
use super::yarn_berry::{
    Dialect, Node, Value, check_duplicates, deps_for_group, group_by_ident, split_key, truncate, walk_tree,
};
use super::{Dependency, Entry, Flags, Format, Lockfile, ParseError, Source};
use std::borrow::Cow;

/// yarn 1 writes three levels (entry > field > dependency); one spare level for old variants.
const MAX_DEPTH: usize = 4;

pub fn parse(path: &str, text: &str) -> Result<Lockfile, ParseError> {
    let mut entries = Vec::new();
    let mut seen = Vec::new();
    let mut copied = 0;
    walk_tree(path, text, Dialect::Classic, MAX_DEPTH, |node| {
        let descriptors = split_key(&node.key, split_header).map_err(|m| err(path, node.line, m))?;
        seen.extend(descriptors.iter().map(|d| (d.clone(), node.line)));
        let mut fields = ClassicFields::read(path, &node)?;
        let descriptors: Vec<&str> = descriptors.iter().map(|d| &**d).collect();
        let groups = group_by_ident(&descriptors);
        let count = groups.len();
        for (i, (ident, group)) in groups.into_iter().enumerate() {
            let dependencies =
                deps_for_group(path, node.line, &mut fields.dependencies, i, count, &mut copied)?;
            let range = group.first().and_then(|d| split_ident(d)).map_or("", |(_, r)| r);
            let (real_name, range) = unalias(ident, range);
            let source = classify(real_name, range, fields.resolved);
            let integrity = fields.integrity.map(str::to_owned).or_else(|| match source {
                Source::Registry | Source::Tarball => fields.resolved.and_then(url_sha1),
                _ => None,
            });
            entries.push(Entry {
                name: real_name.to_owned(),
                alias: (ident != real_name).then(|| ident.to_owned()),
                version: fields.version.to_owned(),
                source,
                resolved: fields.resolved.map(str::to_owned),
                integrity,
                flags: Flags::default(),
                install_script: false,
                dependencies,
                key: group.join(", "),
                line: node.line,
            });
        }
        Ok(())
    })?;
    check_duplicates(path, seen)?;
    Ok(Lockfile { path: path.to_owned(), format: Format::YarnClassic, entries, importers: Vec::new() })
}

fn err(path: &str, line: u32, msg: impl Into<String>) -> ParseError {
    ParseError::new(path, Some(line), msg)
}

struct ClassicFields<'n> {
    version: &'n str,
    resolved: Option<&'n str>,
    integrity: Option<&'n str>,
    dependencies: Vec<Dependency>,
}

impl<'n> ClassicFields<'n> {
    fn read(path: &str, node: &'n Node<'_>) -> Result<Self, ParseError> {
        let Value::Map(fields) = &node.value else {
            return Err(err(path, node.line, "entry header is not followed by a block"));
        };
        let mut version = None;
        let mut resolved = None;
        let mut integrity = None;
        let mut dependencies = Vec::new();
        let mut seen_blocks = [false; 2];
        for f in fields {
            let slot = match &*f.key {
                "version" => &mut version,
                "resolved" => &mut resolved,
                "integrity" => &mut integrity,
                "dependencies" | "optionalDependencies" => {
                    let optional = f.key == "optionalDependencies";
                    let seen = &mut seen_blocks[usize::from(optional)];
                    if std::mem::replace(seen, true) {
                        return Err(twice(path, f));
                    }
                    let Value::Map(deps) = &f.value else {
                        return Err(err(path, f.line, format!("`{}` is not a block", f.key)));
                    };
                    for d in deps {
                        let Value::Scalar(req) = &d.value else {
                            return Err(err(path, d.line, "dependency is a block, expected a range"));
                        };
                        dependencies.push(Dependency {
                            name: d.key.to_string(),
                            req: req.to_string(),
                            optional,
                            peer: false,
                            dev: false,
                        });
                    }
                    continue;
                }
                // uid, and fields of yarn versions to come.
                _ => continue,
            };
            let Value::Scalar(v) = &f.value else {
                return Err(err(path, f.line, format!("`{}` is a block, expected a value", f.key)));
            };
            if slot.replace(&**v).is_some() {
                return Err(twice(path, f));
            }
        }
        let version = version.ok_or_else(|| err(path, node.line, "entry has no `version`"))?;
        dependencies.sort();
        Ok(ClassicFields { version, resolved, integrity, dependencies })
    }
}

fn twice(path: &str, f: &Node<'_>) -> ParseError {
    err(path, f.line, format!("field `{}` appears twice in this entry", f.key))
}

/// Splits an entry header (`"@a/b@^1", c@~2`, without the trailing `:`) into descriptors.
fn split_header(header: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut out = Vec::new();
    let mut rest = header.trim_start();
    loop {
        let (descriptor, after) = if rest.starts_with('"') {
            let (d, used) = parse_quoted(rest)?;
            (d, rest.get(used..).unwrap_or_default())
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let d = rest.get(..end).unwrap_or_default().trim_end();
            if d.contains(['"', ' ']) {
                return Err(format!("malformed descriptor {:?} in entry header", truncate(d)));
            }
            (Cow::Borrowed(d), rest.get(end..).unwrap_or_default())
        };
        if descriptor.is_empty() {
            return Err("empty descriptor in entry header".to_owned());
        }
        out.push(descriptor);
        let after = after.trim_start();
        if after.is_empty() {
            return Ok(out);
        }
        let Some(next) = after.strip_prefix(',') else {
            return Err(format!("expected `,` between descriptors, found {:?}", truncate(after)));
        };
        rest = next.trim_start();
    }
}

/// Splits `name@range` at the first `@` after position 0 (a leading `@` starts a scope).
pub(super) fn split_ident(descriptor: &str) -> Option<(&str, &str)> {
    let at = descriptor.get(1..)?.find('@')? + 1;
    Some((descriptor.get(..at)?, descriptor.get(at + 1..)?))
}

/// For `npm:real@range` returns the real name and range, otherwise `ident` and the range.
fn unalias<'d>(ident: &'d str, range: &'d str) -> (&'d str, &'d str) {
    match range.strip_prefix("npm:") {
        Some(inner) => match split_ident(inner) {
            Some((real, r)) => (real, r),
            // `npm:@scope/real` without a range: the latest version of that package.
            None if inner.starts_with('@') => (inner, ""),
            None => (ident, inner),
        },
        None => (ident, range),
    }
}

fn classify(name: &str, range: &str, resolved: Option<&str>) -> Source {
    if range.starts_with("file:") {
        return Source::File;
    }
    if range.starts_with("link:") || range.starts_with("portal:") {
        return Source::Link;
    }
    if range.starts_with("workspace:") {
        return Source::Workspace;
    }
    if is_git_range(range) {
        return Source::Git;
    }
    match resolved {
        Some(url) if is_git_url(url) || url.starts_with("https://codeload.github.com/") => Source::Git,
        Some(url) if is_http(url) => {
            if is_registry_tarball(name, url) {
                Source::Registry
            } else {
                Source::Tarball
            }
        }
        Some(url) if url.starts_with("file:") => Source::File,
        _ if is_http(range) => Source::Tarball,
        _ => Source::Registry,
    }
}

fn is_http(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

fn is_git_url(s: &str) -> bool {
    ["git+", "git://", "ssh://", "git@"].iter().any(|p| s.starts_with(p))
}

fn is_git_range(range: &str) -> bool {
    if is_git_url(range) || ["github:", "gitlab:", "bitbucket:", "gist:"].iter().any(|p| range.starts_with(p))
    {
        return true;
    }
    if is_http(range) {
        let url = range.split('#').next().unwrap_or(range);
        return url.ends_with(".git");
    }
    // GitHub shorthand `owner/repo` or `owner/repo#ref`.
    let repo = range.split('#').next().unwrap_or(range);
    match repo.split_once('/') {
        Some((owner, name)) => {
            let ok = |s: &str| {
                !s.is_empty()
                    && !s.starts_with('.')
                    && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            };
            ok(owner) && ok(name)
        }
        None => false,
    }
}

/// The hex sha1 yarn appends to tarball URLs (`...tgz#<40 hex>`).
fn url_sha1(url: &str) -> Option<String> {
    let (_, frag) = url.rsplit_once('#')?;
    (frag.len() == 40 && frag.bytes().all(|b| b.is_ascii_hexdigit())).then(|| frag.to_owned())
}

/// Reads a quoted string at the start of `s`: double quotes with JSON escapes (what both yarn
/// versions write), or YAML single quotes (`''` for `'`). Returns the text and the bytes used.
pub(super) fn parse_quoted(s: &str) -> Result<(Cow<'_, str>, usize), String> {
    let bytes = s.as_bytes();
    let quote = match bytes.first() {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => return Err("expected a quoted string".to_owned()),
    };
    let escapes = quote == b'"';
    let mut owned: Option<String> = None;
    // `start..` is text not yet copied into `owned`; `i` is where the scan resumes. Both only
    // ever sit just after an ASCII byte, so slicing at them cannot split a character.
    let mut start = 1;
    let mut i = 1;
    loop {
        // `str::find` with a single char is memchr-fast; these strings are most of the file.
        let rest = s.get(i..).unwrap_or_default();
        let close = rest.find(quote as char).ok_or("unterminated quoted string")?;
        let j = i + match rest.get(..close).and_then(|r| r.find('\\')) {
            Some(backslash) if escapes => backslash,
            _ => close,
        };
        let pending = s.get(start..j).unwrap_or_default();
        if bytes.get(j) == Some(&quote) {
            if !escapes && bytes.get(j + 1) == Some(&b'\'') {
                let buf = owned.get_or_insert_with(String::new);
                buf.push_str(pending);
                buf.push('\'');
                start = j + 2;
                i = j + 2;
                continue;
            }
            let text = match owned {
                Some(mut buf) => {
                    buf.push_str(pending);
                    Cow::Owned(buf)
                }
                None => Cow::Borrowed(pending),
            };
            return Ok((text, j + 1));
        }
        let buf = owned.get_or_insert_with(String::new);
        buf.push_str(pending);
        let mut end = j + 2;
        match bytes.get(j + 1).ok_or("unterminated quoted string")? {
            b'"' => buf.push('"'),
            b'\\' => buf.push('\\'),
            b'/' => buf.push('/'),
            b'b' => buf.push('\u{8}'),
            b'f' => buf.push('\u{c}'),
            b'n' => buf.push('\n'),
            b'r' => buf.push('\r'),
            b't' => buf.push('\t'),
            b'u' => {
                let mut code = hex4(s, end)?;
                end += 4;
                if (0xD800..0xDC00).contains(&code) {
                    let low = s
                        .get(end..end + 2)
                        .filter(|p| *p == "\\u")
                        .and_then(|_| hex4(s, end + 2).ok())
                        .filter(|l| (0xDC00..0xE000).contains(l))
                        .ok_or("unpaired surrogate in \\u escape")?;
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    end += 6;
                }
                buf.push(char::from_u32(code).ok_or("bad \\u escape")?);
            }
            &other => {
                let shown = s.get(j + 1..).and_then(|r| r.chars().next()).unwrap_or(other as char);
                return Err(format!("unknown escape `\\{shown}` in quoted string"));
            }
        }
        start = end;
        i = end;
    }
}

fn hex4(s: &str, at: usize) -> Result<u32, &'static str> {
    let hex = s.get(at..at + 4).ok_or("truncated \\u escape")?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("bad \\u escape");
    }
    u32::from_str_radix(hex, 16).map_err(|_| "bad \\u escape")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n";

    fn parse_ok(body: &str) -> Lockfile {
        parse("yarn.lock", &format!("{HEADER}{body}")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse_err(body: &str) -> ParseError {
        match parse("yarn.lock", &format!("{HEADER}{body}")) {
            Ok(l) => panic!("expected an error, parsed {l:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn registry_entry_quoted_and_unquoted_descriptors() {
        let l = parse_ok(concat!(
            "\"@scope/a@^1.0.0\", \"@scope/a@~1.2\":\n",
            "  version \"1.2.3\"\n",
            "  resolved \"https://registry.yarnpkg.com/@scope/a/-/a-1.2.3.tgz#5608aeadfc00be6c2901df5f9861788de0d597c8\"\n",
            "  integrity sha512-abc==\n",
            "  dependencies:\n",
            "    b \"^2.0.0\"\n",
            "    \"@s/c\" \"1\"\n",
            "  optionalDependencies:\n",
            "    fsevents \"^2\"\n",
            "\n",
            "b@^2.0.0, b@^2.1:\n",
            "  version \"2.1.0\"\n",
            "  resolved \"https://registry.yarnpkg.com/b/-/b-2.1.0.tgz#80aec64c9d6d97e65cc2a9caa93c0aa6abf73aaa\"\n",
        ));
        assert_eq!(l.format, Format::YarnClassic);
        assert!(l.importers.is_empty());
        let a = &l.entries[0];
        assert_eq!((a.name.as_str(), a.version.as_str(), a.line), ("@scope/a", "1.2.3", 5));
        assert_eq!(a.source, Source::Registry);
        assert_eq!(a.key, "@scope/a@^1.0.0, @scope/a@~1.2");
        assert_eq!(a.integrity.as_deref(), Some("sha512-abc=="));
        assert_eq!(
            a.dependencies.iter().map(|d| (d.name.as_str(), d.req.as_str(), d.optional)).collect::<Vec<_>>(),
            [("@s/c", "1", false), ("b", "^2.0.0", false), ("fsevents", "^2", true)]
        );
        let b = &l.entries[1];
        assert_eq!((b.name.as_str(), b.line, b.key.as_str()), ("b", 15, "b@^2.0.0, b@^2.1"));
        // No integrity field: the sha1 from the URL fragment.
        assert_eq!(b.integrity.as_deref(), Some("80aec64c9d6d97e65cc2a9caa93c0aa6abf73aaa"));
        assert!(b.flags.is_empty());
    }

    #[test]
    fn alias_split_from_plain_descriptors() {
        let l = parse_ok(concat!(
            "\"string-width-cjs@npm:string-width@^4.2.0\", \"string-width@^1.0.2 || 2 || 3 || 4\", string-width@^4.1.0:\n",
            "  version \"4.2.3\"\n",
            "  resolved \"https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz#269c7117d27b05ad2e536830a8ec895ef9c6d010\"\n",
            "\n",
            "\"pkg@npm:@yao-pkg/pkg@^6.4.1\":\n",
            "  version \"6.5.0\"\n",
            "  resolved \"https://registry.yarnpkg.com/@yao-pkg/pkg/-/pkg-6.5.0.tgz#269c7117d27b05ad2e536830a8ec895ef9c6d010\"\n",
        ));
        assert_eq!(l.entries.len(), 3);
        let e = &l.entries[0];
        assert_eq!((e.name.as_str(), e.alias.as_deref()), ("string-width", Some("string-width-cjs")));
        assert_eq!(e.key, "string-width-cjs@npm:string-width@^4.2.0");
        assert_eq!(e.source, Source::Registry);
        let e = &l.entries[1];
        assert_eq!((e.name.as_str(), e.alias.as_deref()), ("string-width", None));
        assert_eq!(e.key, "string-width@^1.0.2 || 2 || 3 || 4, string-width@^4.1.0");
        assert_eq!(e.line, 5);
        let e = &l.entries[2];
        assert_eq!((e.name.as_str(), e.alias.as_deref()), ("@yao-pkg/pkg", Some("pkg")));
        assert_eq!(e.source, Source::Registry);
    }

    #[test]
    fn git_file_link_tarball_sources() {
        let l = parse_ok(concat!(
            "\"a@git+ssh://git@github.com/o/a.git#1.9.0\":\n  version \"1.9.0\"\n  resolved \"git+ssh://git@github.com/o/a.git#263f602e6ae34add6332c1eb4caa808893b0b711\"\n\n",
            "b@o/b#main:\n  version \"1.6.1\"\n  resolved \"https://codeload.github.com/o/b/tar.gz/c95eeeaafba1131dd8d35bc130d4a79b2ff9261a\"\n\n",
            "\"c@file:./c\":\n  version \"0.0.1\"\n\n",
            "\"d@https://host/d.tgz\":\n  version \"1.0.0\"\n  resolved \"https://host/d.tgz#b45377420f8aa0117921bf6baca7db9a6eb23bc7\"\n\n",
            "\"e@link:../e\":\n  version \"0.0.0\"\n\n",
            "f@^1:\n  version \"1.0.0\"\n  resolved \"https://evil.example/other/-/other-1.0.0.tgz\"\n\n",
            "\"g@git+https://github.com/o/g.git\":\n  version \"2.0.0\"\n  resolved \"git+https://github.com/o/g.git#c95eeeaafba1131dd8d35bc130d4a79b2ff9261a\"\n",
        ));
        let got: Vec<_> = l.entries.iter().map(|e| (e.name.as_str(), e.source)).collect();
        assert_eq!(
            got,
            [
                ("a", Source::Git),
                ("b", Source::Git),
                ("c", Source::File),
                ("d", Source::Tarball),
                ("e", Source::Link),
                ("f", Source::Tarball),
                ("g", Source::Git),
            ]
        );
        // A git fragment is a commit, never an integrity.
        assert_eq!(l.entries[0].integrity, None);
        assert_eq!(l.entries[3].integrity.as_deref(), Some("b45377420f8aa0117921bf6baca7db9a6eb23bc7"));
        assert_eq!(l.entries[2].resolved, None);
    }

    #[test]
    fn url_with_at_keeps_the_name() {
        assert_eq!(
            split_ident("a@git+ssh://git@github.com/o/a.git"),
            Some(("a", "git+ssh://git@github.com/o/a.git"))
        );
        assert_eq!(split_ident("@s/a@^1"), Some(("@s/a", "^1")));
        assert_eq!(split_ident("@s/a"), None);
        assert_eq!(split_ident(""), None);
    }

    #[test]
    fn empty_lockfile() {
        let l = parse_ok("");
        assert!(l.entries.is_empty());
    }

    #[test]
    fn truncated_file_names_the_line() {
        let e = parse_err("a@^1:\n  version \"1.0.0\"\n  resolved \"https://registry.yarnpkg.com/a/-/a-1.");
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("unterminated"), "{e}");
        let e = parse_err("a@^1:\n  version \"1.0.0\"\n\nb@^1:\n");
        assert_eq!(e.line, Some(8));
        assert!(e.message.contains("version"), "{e}");
        let e = parse_err("a@^1:\n  version \"1.0.0\"\n\nb@^1");
        assert_eq!(e.line, Some(8));
    }

    #[test]
    fn garbage_indentation_names_the_line() {
        let e = parse_err("a@^1:\n  version \"1.0.0\"\n   resolved \"x\"\n");
        assert_eq!(e.line, Some(7));
        let e = parse_err("a@^1:\n  version \"1.0.0\"\n    x \"1\"\n");
        assert_eq!(e.line, Some(7));
        let e = parse_err("  version \"1.0.0\"\n");
        assert_eq!(e.line, Some(5));
        let e = parse_err("a@^1:\n  dependencies:\n    b:\n      c:\n        d:\n          e \"1\"\n");
        assert!(e.message.contains("nested deeper"), "{e}");
    }

    #[test]
    fn merge_conflict_markers_are_errors() {
        let e = parse_err("<<<<<<< HEAD\na@^1:\n  version \"1.0.0\"\n");
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("merge conflict"), "{e}");
    }

    #[test]
    fn duplicate_descriptor_is_an_error() {
        let e = parse_err("a@^1:\n  version \"1.0.0\"\n\n\"a@^1\":\n  version \"6.6.6\"\n");
        assert_eq!(e.line, Some(8));
        let e = parse_err("a@^1:\n  version \"1.0.0\"\n  version \"6.6.6\"\n");
        assert_eq!(e.line, Some(7));
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(parse_quoted(r#""a\"b" x"#).unwrap(), (Cow::Owned("a\"b".into()), 6));
        assert_eq!(parse_quoted(r#""plain""#).unwrap().0, "plain");
        assert_eq!(parse_quoted(r#""\u00e9\ud83d\ude00""#).unwrap().0, "é😀");
        assert_eq!(parse_quoted("'it''s'").unwrap().0, "it's");
        assert!(parse_quoted(r#""\ud800""#).is_err());
        assert!(parse_quoted(r#""\q""#).is_err());
        assert!(parse_quoted(r#""abc"#).is_err());
        assert!(parse_quoted(r#""\u12"#).is_err());
    }

    #[test]
    fn header_splitting() {
        assert_eq!(split_header(r#""a@^1", b@2,c@3"#).unwrap(), ["a@^1", "b@2", "c@3"]);
        assert!(split_header(r#""a@^1" b@2"#).is_err());
        assert!(split_header("a@1, , b@2").is_err());
    }
}
