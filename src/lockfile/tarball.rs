//! Recognizing a registry's own tarball URL for a package, shared by the parsers whose lockfiles
//! record URLs (npm, yarn classic and berry).

/// Registry tarballs live at `<registry>/<name>/-/<basename>-<version>.tgz` (scoped names also
/// as `@scope%2fname`), on any host and under any path prefix (Artifactory, Verdaccio...), or on
/// GitHub Packages at `/download/<name>/<version>/<digest>`. The name must be this entry's: a
/// registry tarball of another package is not "the registry". Which host is trusted is not
/// decided here but by the untrusted-source signal.
pub(super) fn is_registry_tarball(name: &str, url: &str) -> bool {
    let Some(url_path) = url_path(url) else { return false };
    is_github_packages_download(name, url_path) || layout_version(name, url_path).is_some()
}

/// The version in the file name of a `<registry>/<name>/-/<basename>-<version>.tgz` URL.
pub(super) fn registry_tarball_version<'u>(name: &str, url: &'u str) -> Option<&'u str> {
    layout_version(name, url_path(url)?)
}

/// The path of an http(s) URL, without query or fragment.
fn url_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    rest.get(rest.find('/')?..)
}

fn layout_version<'u>(name: &str, url_path: &'u str) -> Option<&'u str> {
    let dash = url_path.as_bytes().windows(3).rposition(|w| w == b"/-/")?;
    let (dir, file) = (url_path.get(..dash)?, url_path.get(dash + 3..)?);
    if file.contains('/') {
        return None;
    }
    let base = name.rsplit('/').next().unwrap_or(name);
    let version = file.strip_prefix(base)?.strip_prefix('-')?.strip_suffix(".tgz")?;
    let under = |n: &str| dir.strip_suffix(n).is_some_and(|p| p.ends_with('/'));
    let named = under(name)
        || (name.starts_with('@')
            && (under(&name.replacen('/', "%2f", 1)) || under(&name.replacen('/', "%2F", 1))));
    named.then_some(version)
}

/// GitHub Packages serves tarballs as `/download/@scope/name/<version>/<digest>`.
fn is_github_packages_download(name: &str, url_path: &str) -> bool {
    url_path
        .strip_prefix("/download/")
        .and_then(|rest| rest.strip_prefix(name))
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|rest| rest.split('/').filter(|s| !s.is_empty()).count() == 2)
}
