//! Which registry to ask about a package, and with which credentials, read from `.npmrc` files
//! the way npm reads them.
//!
//! Precedence, highest first: `--registry`, the `npm_config_registry` environment variable, the
//! repository's `.npmrc`, the user's `.npmrc` (`$npm_config_userconfig`, else `~/.npmrc`), and
//! finally `https://registry.npmjs.org/`. As in npm, `--registry` replaces the default registry
//! only: `@scope:registry=` lines still route their scope.
//!
//! Credentials (`//host/path/:_authToken=`, `:_auth=`, `:username=` + `:_password=`) apply to
//! requests whose URL is under that host and path, the longest configured prefix winning, and
//! never over plain http unless the user configured that http registry themselves. `${VAR}`
//! (and `${VAR?}`, empty when unset) expands from the environment, as npm does.
//!
//! The repository's `.npmrc` can come from the pull request under review. A hostile one can
//! point the registry elsewhere and ask for `${SOME_SECRET}` to be sent there, so callers that
//! gate untrusted changes should pass the `.npmrc` text of the trusted base revision
//! ([`RegistryConfig::from_npmrc_texts`]) rather than the working tree's.

use reqwest::Url;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub const NPMJS: &str = "https://registry.npmjs.org/";

/// Hosts whose tarball URLs npm (and yarn) rewrite to the configured registry on install, so a
/// lockfile `resolved` URL on them does not mean the package came from elsewhere.
const PUBLIC_HOSTS: [&str; 2] = ["registry.npmjs.org", "registry.yarnpkg.com"];

/// .npmrc files larger than this are refused rather than read (no real one comes close).
const MAX_NPMRC_BYTES: u64 = 1 << 20;

/// A credential value. Its `Debug` and `Display` never show it; only the client reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for building the `Authorization` header. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `_authToken`: `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `_auth`, `username` + `_password`, or user:password in the registry URL, already in the
    /// base64 `user:password` form: `Authorization: Basic <value>`.
    Basic(Secret),
}

impl Credential {
    /// The `Authorization` header value.
    pub fn header_value(&self) -> String {
        match self {
            Credential::Bearer(t) => format!("Bearer {}", t.expose()),
            Credential::Basic(b) => format!("Basic {}", b.expose()),
        }
    }
}

/// Where each package's metadata comes from, and the credentials for each registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// The default registry, always ending in `/`.
    pub registry: Url,
    /// `@scope` -> that scope's registry, each ending in `/`.
    pub scopes: BTreeMap<String, Url>,
    /// Nerf-dart prefix (`//host[:port]/path/`) -> credential.
    auth: BTreeMap<String, Credential>,
    /// The files that were read, for messages.
    pub sources: Vec<PathBuf>,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig::npmjs()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct NpmrcError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl RegistryConfig {
    pub fn npmjs() -> RegistryConfig {
        RegistryConfig {
            registry: Url::parse(NPMJS).unwrap_or_else(|_| unreachable!("constant URL")),
            scopes: BTreeMap::new(),
            auth: BTreeMap::new(),
            sources: Vec::new(),
        }
    }

    /// Reads `<repo_root>/.npmrc` and the user's `.npmrc` (the file named by
    /// `npm_config_userconfig`, else `<home>/.npmrc`); a missing file is not an error.
    /// `env` looks up environment variables (for `${VAR}` and `npm_config_*`).
    pub fn from_npmrc(
        repo_root: Option<&Path>,
        home: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        registry_override: Option<&str>,
    ) -> Result<RegistryConfig, NpmrcError> {
        let user_path =
            env_config(env, "userconfig").map(PathBuf::from).or_else(|| home.map(|h| h.join(".npmrc")));
        let user = user_path.map(|p| read_npmrc(&p).map(|t| t.map(|t| (p, t)))).transpose()?.flatten();
        let project_path = repo_root.map(|r| r.join(".npmrc"));
        let project = project_path.map(|p| read_npmrc(&p).map(|t| t.map(|t| (p, t)))).transpose()?.flatten();
        let mut config = RegistryConfig::from_npmrc_texts(
            user.as_ref().map(|(p, t)| (p.display().to_string(), t.as_str())),
            project.as_ref().map(|(p, t)| (p.display().to_string(), t.as_str())),
            env,
            registry_override,
        )?;
        config.sources = user.into_iter().chain(project).map(|(p, _)| p).collect();
        Ok(config)
    }

    /// As [`RegistryConfig::from_npmrc`], from texts already read (`(label, text)`, the label
    /// naming the file in messages), e.g. the repository's `.npmrc` at the base revision.
    pub fn from_npmrc_texts(
        user: Option<(String, &str)>,
        project: Option<(String, &str)>,
        env: &dyn Fn(&str) -> Option<String>,
        registry_override: Option<&str>,
    ) -> Result<RegistryConfig, NpmrcError> {
        let mut config = RegistryConfig::npmjs();
        for (label, text) in user.iter().chain(project.iter()) {
            config.apply(label, text, env)?;
        }
        if let Some(reg) = env_config(env, "registry") {
            config.registry = registry_url(&reg).map_err(|message| NpmrcError {
                path: "environment variable npm_config_registry".into(),
                line: None,
                message,
            })?;
        }
        if let Some(reg) = registry_override {
            config.registry = registry_url(reg).map_err(|message| NpmrcError {
                path: "--registry".into(),
                line: None,
                message,
            })?;
        }
        // Credentials written into registry URLs become Basic credentials for that prefix,
        // and the URLs themselves are kept without them so they can be shown.
        for url in std::iter::once(&mut config.registry).chain(config.scopes.values_mut()) {
            if let Some(basic) = take_userinfo(url) {
                config.auth.entry(nerf_dart(url)).or_insert(Credential::Basic(basic));
            }
        }
        Ok(config)
    }

    fn apply(
        &mut self,
        label: &str,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), NpmrcError> {
        let mut in_section = false;
        // username and _password are only usable as a pair; collect them per prefix first.
        let mut users: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
        for (idx, raw) in text.lines().enumerate() {
            let line_no = idx + 1;
            let err = |message: String| NpmrcError { path: label.to_owned(), line: Some(line_no), message };
            let line = raw.trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                // npm reads top-level keys only; keys under an ini section are something else.
                in_section = true;
                continue;
            }
            if in_section {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else { continue };
            let key = key.trim();
            if key.ends_with("[]") {
                continue;
            }
            let is_secret = is_credential_key(key);
            let expanded = expand_env(key, env).and_then(|k| Ok((k, expand_env(&ini_value(value), env)?)));
            let (key, value) = match expanded {
                Ok(kv) => kv,
                Err(var) if is_secret => {
                    // A CI job without the secret (a fork's pull request) still runs, just
                    // without credentials: private packages then read as not found.
                    tracing::warn!(
                        "{label}:{line_no}: environment variable {var} is not set; \
                         {key} ignored"
                    );
                    continue;
                }
                Err(var) => return Err(err(format!("environment variable {var} is not set"))),
            };
            if key == "registry" {
                self.registry = registry_url(&value).map_err(err)?;
            } else if let Some(scope) = key.strip_suffix(":registry").filter(|s| s.starts_with('@')) {
                self.scopes.insert(scope.to_owned(), registry_url(&value).map_err(err)?);
            } else if let Some((prefix, field)) = key.rsplit_once(':').filter(|(p, _)| p.starts_with("//")) {
                let prefix = normalize_prefix(prefix);
                match field {
                    "_authToken" => {
                        self.auth.insert(prefix, Credential::Bearer(Secret(value)));
                    }
                    "_auth" => {
                        self.auth.insert(prefix, Credential::Basic(Secret(value)));
                    }
                    "username" => users.entry(prefix).or_default().0 = Some(value),
                    "_password" => users.entry(prefix).or_default().1 = Some(value),
                    _ => {}
                }
            } else if key == "_authToken" || key == "_auth" {
                tracing::warn!(
                    "{label}:{line_no}: {key} without a //host/ prefix is ignored, as npm 9+ does"
                );
            }
        }
        for (prefix, pair) in users {
            if let (Some(user), Some(password)) = pair {
                // npm stores _password base64-encoded; Basic wants base64("user:password").
                let Some(password) = base64_decode(&password) else {
                    tracing::warn!("{label}: {prefix}:_password is not base64; ignored");
                    continue;
                };
                let mut plain = user.into_bytes();
                plain.push(b':');
                plain.extend_from_slice(&password);
                self.auth.entry(prefix).or_insert(Credential::Basic(Secret(base64_encode(&plain))));
            }
        }
        Ok(())
    }

    /// The registry that serves `name`: its scope's registry when one is configured.
    pub fn registry_for(&self, name: &str) -> &Url {
        scope_of(name).and_then(|s| self.scopes.get(s)).unwrap_or(&self.registry)
    }

    /// `GET` URL of the full document for `name` (`@scope/name` as `@scope%2fname`). `None` for
    /// a name no registry can have: empty, `.`/`..`, or longer than npm allows.
    pub fn packument_url(&self, name: &str) -> Option<Url> {
        if name.is_empty() || name == "." || name == ".." || name.len() > 214 {
            return None;
        }
        let mut path = String::with_capacity(name.len() + 8);
        for (i, b) in name.bytes().enumerate() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => path.push(b as char),
                b'@' if i == 0 => path.push('@'),
                b'/' => path.push_str("%2f"),
                _ => path.push_str(&format!("%{b:02X}")),
            }
        }
        self.registry_for(name).join(&path).ok()
    }

    /// The credential to send with a request to `url`, if any.
    pub fn credential_for(&self, url: &Url) -> Option<&Credential> {
        if !matches!(url.scheme(), "https" | "http") {
            return None;
        }
        if url.scheme() == "http" && !self.is_configured_http(url) {
            return None;
        }
        let dart = nerf_dart(url);
        // Walk up the path: //host/a/b/, //host/a/, //host/.
        let mut prefix = dart.as_str();
        loop {
            if let Some(c) = self.auth.get(prefix) {
                return Some(c);
            }
            let trimmed = prefix.strip_suffix('/')?;
            let cut = trimmed.rfind('/')?;
            if cut < 2 {
                return None;
            }
            prefix = &prefix[..=cut];
        }
    }

    fn is_configured_http(&self, url: &Url) -> bool {
        std::iter::once(&self.registry).chain(self.scopes.values()).any(|r| under(url, r))
    }
}

/// Whether a lockfile `resolved` URL comes from the registry configured for `package_name`
/// (scope routing included). `https://registry.npmjs.org/` and `https://registry.yarnpkg.com/`
/// always count: npm and yarn rewrite those hosts to the configured registry on install. Only
/// the registry prefix is checked, not the path below it (registries lay tarballs out
/// differently), and an unparsable URL does not count.
pub fn is_registry_url(config: &RegistryConfig, package_name: &str, url: &str) -> bool {
    let Ok(url) = Url::parse(url) else { return false };
    if url.scheme() == "https" && url.host_str().is_some_and(|h| PUBLIC_HOSTS.contains(&h)) {
        return url.port().is_none();
    }
    under(&url, config.registry_for(package_name))
}

/// `url` is `registry` or below it: same scheme, host and port, and a path under its path.
fn under(url: &Url, registry: &Url) -> bool {
    url.scheme() == registry.scheme()
        && url.host_str() == registry.host_str()
        && url.port_or_known_default() == registry.port_or_known_default()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path().starts_with(registry.path())
}

/// A URL shown in messages: no user-info, no query.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if shown.query().is_some() {
        shown.set_query(Some("…"));
    }
    shown.set_fragment(None);
    shown.to_string()
}

/// `@scope` of `@scope/name`.
fn scope_of(name: &str) -> Option<&str> {
    if name.starts_with('@') { name.split_once('/').map(|(s, _)| s) } else { None }
}

/// npm's "nerf dart": `//host[:port]/path/` of the URL's directory, without scheme.
fn nerf_dart(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = url.path();
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    format!("//{host}{port}{dir}")
}

/// A key prefix as written (`//Host:443/path`) in the form [`nerf_dart`] produces.
fn normalize_prefix(prefix: &str) -> String {
    match Url::parse(&format!("https:{prefix}")) {
        Ok(u) => {
            let mut dart = nerf_dart(&u);
            // `//host/path` without a trailing slash still names the directory `path/`.
            if !u.path().ends_with('/') {
                dart = format!(
                    "//{}{}{}/",
                    u.host_str().unwrap_or_default(),
                    u.port().map(|p| format!(":{p}")).unwrap_or_default(),
                    u.path()
                );
            }
            dart
        }
        Err(_) => prefix.to_owned(),
    }
}

fn is_credential_key(key: &str) -> bool {
    ["_authToken", "_auth", "_password", "username"]
        .iter()
        .any(|f| key.strip_suffix(f).is_some_and(|k| k.is_empty() || k.ends_with(':')))
}

fn registry_url(value: &str) -> Result<Url, String> {
    let mut url = Url::parse(value.trim()).map_err(|e| format!("registry is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("registry must be an http(s) URL, not {}", redact_url(&url)));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Removes user:password from the URL, returning it as a Basic credential.
fn take_userinfo(url: &mut Url) -> Option<Secret> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let user = percent_decode(url.username());
    let password = percent_decode(url.password().unwrap_or_default());
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let mut plain = user;
    plain.push(b':');
    plain.extend_from_slice(&password);
    Some(Secret(base64_encode(&plain)))
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes.get(i), bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            (Some(b'%'), Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (Some(&b), _, _) => {
                out.push(b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    out
}

/// `npm_config_<name>` in either case, as npm reads it.
fn env_config(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(&format!("npm_config_{name}"))
        .or_else(|| env(&format!("NPM_CONFIG_{}", name.to_ascii_uppercase())))
        .filter(|v| !v.is_empty())
}

fn read_npmrc(path: &Path) -> Result<Option<String>, NpmrcError> {
    let err = |message: String| NpmrcError { path: path.display().to_string(), line: None, message };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(e.to_string())),
        Ok(m) if m.len() > MAX_NPMRC_BYTES => {
            return Err(err(format!("larger than {MAX_NPMRC_BYTES} bytes")));
        }
        Ok(_) => {}
    }
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(e.to_string())),
    }
}

/// A value as the `ini` package reads it: quoted values unquoted (double quotes as JSON),
/// unquoted ones cut at an unescaped `;` or `#` comment.
fn ini_value(raw: &str) -> String {
    let v = raw.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(v) {
            return s;
        }
        return v[1..v.len() - 1].to_owned();
    }
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        return v[1..v.len() - 1].to_owned();
    }
    let mut out = String::with_capacity(v.len());
    let mut escaped = false;
    for c in v.chars() {
        if escaped {
            if !matches!(c, ';' | '#' | '\\') {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ';' || c == '#' {
            break;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push('\\');
    }
    out.trim().to_owned()
}

/// npm's envReplace: `${VAR}` is the variable's value (an error when unset), `${VAR?}` the
/// value or nothing, and `\${VAR}` stays literal. The error names the variable.
fn expand_env(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        if let Some(lit) = before.strip_suffix('\\') {
            out.push_str(lit);
            out.push_str("${");
            rest = &after[2..];
            continue;
        }
        out.push_str(before);
        let Some(end) = after.find('}') else {
            out.push_str(after);
            return Ok(out);
        };
        let inner = &after[2..end];
        let (var, optional) = match inner.strip_suffix('?') {
            Some(v) => (v, true),
            None => (inner, false),
        };
        if var.is_empty() || var.contains(['$', '{', '?']) {
            out.push_str(&after[..=end]);
        } else {
            match env(var) {
                Some(v) => out.push_str(&v),
                None if optional => {}
                None => return Err(var.to_owned()),
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.trim().bytes().take_while(|&c| c != b'=') {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The user's own `.npmrc` (`npm_config_userconfig`, else `<home>/.npmrc`) as `(label, text)`;
/// `None` when there is none. The project's `.npmrc` is read by the caller, from the revision
/// it trusts.
pub fn read_user_npmrc(
    home: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>, NpmrcError> {
    let Some(path) =
        env_config(env, "userconfig").map(PathBuf::from).or_else(|| home.map(|h| h.join(".npmrc")))
    else {
        return Ok(None);
    };
    Ok(read_npmrc(&path)?.map(|text| (path.display().to_string(), text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: BTreeMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| vars.get(k).cloned()
    }

    fn config(user: &str, project: &str, vars: &[(&str, &str)], over: Option<&str>) -> RegistryConfig {
        RegistryConfig::from_npmrc_texts(
            Some(("~/.npmrc".into(), user)),
            Some((".npmrc".into(), project)),
            &env(vars),
            over,
        )
        .unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn registries_and_scopes() {
        let c = config(
            "registry=https://user.example/npm\n@corp:registry=https://corp.example/\n",
            "; project wins\nregistry = \"https://mirror.example/npm/\"\n@other:registry=http://127.0.0.1:4873 # local\n",
            &[],
            None,
        );
        assert_eq!(c.registry.as_str(), "https://mirror.example/npm/");
        assert_eq!(c.registry_for("left-pad").as_str(), "https://mirror.example/npm/");
        assert_eq!(c.registry_for("@corp/x").as_str(), "https://corp.example/");
        assert_eq!(c.registry_for("@other/y").as_str(), "http://127.0.0.1:4873/");
        assert_eq!(c.packument_url("@corp/x").unwrap().as_str(), "https://corp.example/@corp%2fx");
        assert_eq!(c.packument_url("left-pad").unwrap().as_str(), "https://mirror.example/npm/left-pad");
        let over = config(
            "",
            "registry=https://mirror.example/",
            &[("npm_config_registry", "https://env.example")],
            Some("https://cli.example/r"),
        );
        assert_eq!(over.registry.as_str(), "https://cli.example/r/");
        let env_only = config(
            "",
            "registry=https://mirror.example/",
            &[("NPM_CONFIG_REGISTRY", "https://env.example")],
            None,
        );
        assert_eq!(env_only.registry.as_str(), "https://env.example/");
    }

    #[test]
    fn hostile_names_stay_one_path_segment() {
        let c = RegistryConfig::npmjs();
        assert_eq!(c.packument_url(".."), None);
        assert_eq!(c.packument_url(""), None);
        assert_eq!(
            c.packument_url("a/../../b?x#y").unwrap().as_str(),
            "https://registry.npmjs.org/a%2f..%2f..%2fb%3Fx%23y"
        );
        assert_eq!(c.packument_url("x@y").unwrap().as_str(), "https://registry.npmjs.org/x%40y");
    }

    #[test]
    fn tokens_by_prefix_with_env_expansion() {
        let c = config(
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
            "//corp.example/npm/:_authToken=\"${CORP}\"\n//127.0.0.1:4873/:_auth=dXNlcjpwYXNz\n//other.example/:_authToken=${MISSING}\n",
            &[("NPM_TOKEN", "npm_abc"), ("CORP", "corp-secret")],
            None,
        );
        let bearer = |s: &str| Some(Credential::Bearer(Secret::new(s)));
        assert_eq!(c.credential_for(&url("https://registry.npmjs.org/left-pad")).cloned(), bearer("npm_abc"));
        assert_eq!(c.credential_for(&url("https://corp.example/npm/@c%2fx")).cloned(), bearer("corp-secret"));
        assert_eq!(
            c.credential_for(&url("https://corp.example/npm/deep/er/x")).cloned(),
            bearer("corp-secret")
        );
        // Not under the configured path, another port, another host: nothing.
        assert_eq!(c.credential_for(&url("https://corp.example/other/x")), None);
        assert_eq!(c.credential_for(&url("https://corp.example:8443/npm/x")), None);
        assert_eq!(c.credential_for(&url("https://evil.example/npm/x")), None);
        assert_eq!(c.credential_for(&url("https://registry.npmjs.org.evil.example/x")), None);
        // An unset variable drops the credential instead of sending "${MISSING}".
        assert_eq!(c.credential_for(&url("https://other.example/x")), None);
        // Plain http only to an http registry the user configured.
        assert_eq!(c.credential_for(&url("http://registry.npmjs.org/left-pad")), None);
        assert_eq!(c.credential_for(&url("http://127.0.0.1:4873/x")), None);
        let local =
            config("", "registry=http://127.0.0.1:4873/\n//127.0.0.1:4873/:_auth=dXNlcjpwYXNz\n", &[], None);
        assert_eq!(
            local.credential_for(&url("http://127.0.0.1:4873/x")).cloned(),
            Some(Credential::Basic(Secret::new("dXNlcjpwYXNz")))
        );
    }

    #[test]
    fn username_password_and_url_userinfo() {
        // _password is base64("s3cret"); the header is base64("me:s3cret").
        let c = config(
            "//a.example/:username=me\n//a.example/:_password=czNjcmV0\n",
            "@b:registry=https://me:s3cret@b.example/r/\n",
            &[],
            None,
        );
        let basic = Some(Credential::Basic(Secret::new(base64_encode(b"me:s3cret"))));
        assert_eq!(base64_encode(b"me:s3cret"), "bWU6czNjcmV0");
        assert_eq!(c.credential_for(&url("https://a.example/x")).cloned(), basic);
        assert_eq!(c.registry_for("@b/x").as_str(), "https://b.example/r/");
        assert_eq!(c.credential_for(&url("https://b.example/r/@b%2fx")).cloned(), basic);
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(!format!("{c:?}").contains("bWU6czNjcmV0"));
    }

    #[test]
    fn missing_variable_outside_credentials_is_an_error() {
        let e = RegistryConfig::from_npmrc_texts(
            None,
            Some((".npmrc".into(), "\n\nregistry=${REG}\n")),
            &env(&[]),
            None,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), ".npmrc:3: environment variable REG is not set");
        let e = RegistryConfig::from_npmrc_texts(
            None,
            Some((".npmrc".into(), "registry=ftp://x/")),
            &env(&[]),
            None,
        )
        .unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn ini_values_and_env_syntax() {
        assert_eq!(ini_value(" abc ; comment"), "abc");
        assert_eq!(ini_value("a\\;b"), "a;b");
        assert_eq!(ini_value("'quoted # x'"), "quoted # x");
        assert_eq!(ini_value("\"json\\tstr\""), "json\tstr");
        let e = env(&[("A", "1")]);
        assert_eq!(expand_env("x${A}y${B?}z", &e).unwrap(), "x1yz");
        assert_eq!(expand_env("\\${A}", &e).unwrap(), "${A}");
        assert_eq!(expand_env("${B}", &e).unwrap_err(), "B");
        assert_eq!(expand_env("${unclosed", &e).unwrap(), "${unclosed");
        assert_eq!(base64_decode("czNjcmV0").unwrap(), b"s3cret");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("!!"), None);
    }

    #[test]
    fn registry_urls_for_the_untrusted_source_signal() {
        let c = config(
            "",
            "registry=https://mirror.example/npm/\n@corp:registry=https://corp.example/\n",
            &[],
            None,
        );
        let yes = |name: &str, u: &str| assert!(is_registry_url(&c, name, u), "{name} {u}");
        let no = |name: &str, u: &str| assert!(!is_registry_url(&c, name, u), "{name} {u}");
        yes("lodash", "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz");
        yes("lodash", "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz");
        yes("lodash", "https://mirror.example/npm/lodash/-/lodash-4.17.21.tgz");
        yes("@corp/x", "https://corp.example/@corp/x/-/x-1.0.0.tgz");
        yes("@corp/x", "https://registry.npmjs.org/@corp/x/-/x-1.0.0.tgz");
        no("@corp/x", "https://mirror.example/npm/@corp/x/-/x-1.0.0.tgz");
        no("lodash", "http://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz");
        no("lodash", "https://registry.npmjs.org:8443/lodash/-/lodash-4.17.21.tgz");
        no("lodash", "https://registry.npmjs.org@evil.example/lodash.tgz");
        no("lodash", "https://mirror.example/npm/../evil/lodash.tgz");
        no("lodash", "https://mirror.example/npmx/lodash.tgz");
        no("lodash", "http://mirror.example/npm/lodash.tgz");
        no("lodash", "git+https://github.com/lodash/lodash.git");
        no("lodash", "not a url");
    }
}
