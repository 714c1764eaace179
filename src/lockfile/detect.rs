//! Which lockfile format a file is, from its name.

/// The lockfile families, told apart by file name. Within a family (npm v1/v2/v3, yarn classic
/// or berry...) the parser decides from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Npm,
    Yarn,
    Pnpm,
    Bun,
    /// bun.lockb: binary, recognized only to be refused with advice.
    BunBinary,
}

/// The file names lockgate looks for when discovering lockfiles.
pub const LOCKFILE_NAMES: &[&str] =
    &["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb"];

/// The kind of lockfile at `path` (any directory), or `None` for a name lockgate does not know.
pub fn detect_kind(path: &str) -> Option<Kind> {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    match file {
        "package-lock.json" | "npm-shrinkwrap.json" => Some(Kind::Npm),
        "yarn.lock" => Some(Kind::Yarn),
        "pnpm-lock.yaml" => Some(Kind::Pnpm),
        "bun.lock" => Some(Kind::Bun),
        "bun.lockb" => Some(Kind::BunBinary),
        // Fixture and test names such as `before.package-lock.json` or `x.yarn.lock`.
        f if f.ends_with(".package-lock.json") || f.ends_with(".npm-shrinkwrap.json") => Some(Kind::Npm),
        f if f.ends_with(".yarn.lock") => Some(Kind::Yarn),
        f if f.ends_with(".pnpm-lock.yaml") => Some(Kind::Pnpm),
        f if f.ends_with(".bun.lock") => Some(Kind::Bun),
        f if f.ends_with(".bun.lockb") => Some(Kind::BunBinary),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(detect_kind("a/b/package-lock.json"), Some(Kind::Npm));
        assert_eq!(detect_kind("npm-shrinkwrap.json"), Some(Kind::Npm));
        assert_eq!(detect_kind("yarn.lock"), Some(Kind::Yarn));
        assert_eq!(detect_kind("x/pnpm-lock.yaml"), Some(Kind::Pnpm));
        assert_eq!(detect_kind("bun.lock"), Some(Kind::Bun));
        assert_eq!(detect_kind("bun.lockb"), Some(Kind::BunBinary));
        assert_eq!(detect_kind("before.package-lock.json"), Some(Kind::Npm));
        assert_eq!(detect_kind("package.json"), None);
        assert_eq!(detect_kind("Cargo.lock"), None);
    }
}
