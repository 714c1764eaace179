//! Where lockfile bytes come from: a git revision (read from the object database, never by
//! checking anything out) or the working tree.

use crate::lockfile::{MAX_LOCKFILE_BYTES, detect_kind};
use std::path::{Component, Path, PathBuf};

/// Everything that can go wrong while locating and reading lockfiles. All of these are the
/// user's input being wrong (exit code 2), and each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{dir} is not inside a git repository ({message}); pass --repo with the repository's directory")]
    NotARepo { dir: String, message: String },
    #[error(
        "revision {rev:?} does not exist in {dir}; fetch it first (e.g. `git fetch origin {rev}`) or check the name"
    )]
    UnknownRevision { rev: String, dir: String },
    #[error("revision {rev:?} does not point at a commit or tree: {message}")]
    NotATree { rev: String, message: String },
    #[error("lockfile path {path:?} is outside the repository; give a path relative to the repository root")]
    OutsideRepo { path: String },
    #[error(
        "{path}: not a lockfile name lockgate knows (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock)"
    )]
    NotALockfile { path: String },
    #[error("{path}{at}: is {size} bytes, larger than the {MAX_LOCKFILE_BYTES} byte limit for a lockfile")]
    TooLarge { path: String, at: String, size: u64 },
    #[error("{path}{at}: {message}")]
    Read { path: String, at: String, message: String },
    #[error("{path} is not in {what}; check --lockfile")]
    Missing { path: String, what: String },
    #[error("{0} is a bare repository; lockgate needs a working tree when --head/--rev is not given")]
    Bare(String),
}

/// A git repository or a plain directory, and the directory lockfile paths are relative to.
pub struct Repo {
    root: PathBuf,
    git: Option<gix::Repository>,
}

/// Which snapshot of the project to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snapshot {
    WorkingTree,
    Rev(String),
    /// Files of a revision the local repository lacks, fetched by other means (the GitHub
    /// contents API when a shallow checkout has only the merge commit).
    Files(std::sync::Arc<FileSet>),
}

/// The files of one revision, held in memory: every lockfile of it, plus the policy and
/// `.npmrc` when it has them.
#[derive(Clone, PartialEq, Eq)]
pub struct FileSet {
    /// The revision (a commit SHA) the files are from.
    pub rev: String,
    /// Repository-relative path -> contents.
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for FileSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSet").field("rev", &self.rev).field("paths", &self.files.keys()).finish()
    }
}

impl Snapshot {
    /// The revision as a report names it (`None` for the working tree).
    pub fn rev(&self) -> Option<&str> {
        match self {
            Snapshot::WorkingTree => None,
            Snapshot::Rev(rev) => Some(rev),
            Snapshot::Files(set) => Some(&set.rev),
        }
    }

    fn describe(&self) -> String {
        match self {
            Snapshot::WorkingTree => "the working tree".into(),
            Snapshot::Rev(rev) => format!("revision {rev}"),
            Snapshot::Files(set) => format!("revision {}", set.rev),
        }
    }

    fn at(&self) -> String {
        match self.rev() {
            None => String::new(),
            Some(rev) => format!(" (at {rev})"),
        }
    }
}

impl Repo {
    /// Open the git repository containing `dir`; paths are relative to its work tree root.
    ///
    /// A repository owned by another user (the workspace inside an action's container belongs
    /// to the runner's uid) is opened with reduced trust: git refuses it ("dubious
    /// ownership"), gix only stops trusting its configuration for running programs. lockgate
    /// only reads objects, so no `safe.directory` override is needed (tests/action.rs checks
    /// this as root).
    pub fn open_git(dir: &Path) -> Result<Repo, RepoError> {
        let git = gix::discover(dir)
            .map_err(|e| RepoError::NotARepo { dir: dir.display().to_string(), message: e.to_string() })?;
        let root = match git.workdir() {
            Some(w) => w.to_path_buf(),
            None => git.git_dir().to_path_buf(),
        };
        Ok(Repo { root, git: Some(git) })
    }

    /// A repository when `dir` is in one, else the plain directory (enough to scan files).
    pub fn open_any(dir: &Path) -> Repo {
        match Repo::open_git(dir) {
            Ok(repo) => repo,
            Err(_) => Repo { root: dir.to_path_buf(), git: None },
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Fail early, with advice, when a revision does not resolve.
    pub fn check_rev(&self, snapshot: &Snapshot) -> Result<(), RepoError> {
        match snapshot {
            Snapshot::WorkingTree => {
                if self.git.as_ref().is_some_and(|g| g.workdir().is_none()) {
                    return Err(RepoError::Bare(self.root.display().to_string()));
                }
                Ok(())
            }
            Snapshot::Rev(rev) => self.tree(rev).map(|_| ()),
            Snapshot::Files(_) => Ok(()),
        }
    }

    /// Whether the local repository has this commit (a shallow checkout often lacks the base).
    pub fn has_commit(&self, rev: &str) -> bool {
        self.tree(rev).is_ok()
    }

    fn git_for(&self, rev: &str) -> Result<&gix::Repository, RepoError> {
        self.git.as_ref().ok_or_else(|| RepoError::UnknownRevision {
            rev: rev.to_owned(),
            dir: format!("{} (not a git repository)", self.root.display()),
        })
    }

    fn tree(&self, rev: &str) -> Result<gix::Tree<'_>, RepoError> {
        let git = self.git_for(rev)?;
        let unknown =
            || RepoError::UnknownRevision { rev: rev.to_owned(), dir: self.root.display().to_string() };
        // An option-looking or empty revision is never a valid rev and must not reach git.
        if rev.is_empty() || rev.starts_with('-') {
            return Err(unknown());
        }
        let id = git.rev_parse_single(rev).map_err(|_| unknown())?;
        let object = id.object().map_err(|_| unknown())?;
        object.peel_to_tree().map_err(|e| RepoError::NotATree { rev: rev.to_owned(), message: e.to_string() })
    }

    /// Every supported lockfile in the snapshot, skipping node_modules and .git, sorted.
    pub fn discover(&self, snapshot: &Snapshot) -> Result<Vec<String>, RepoError> {
        let mut found = match snapshot {
            Snapshot::Rev(rev) => {
                let tree = self.tree(rev)?;
                let files = tree.traverse().breadthfirst.files().map_err(|e| RepoError::Read {
                    path: ".".into(),
                    at: snapshot.at(),
                    message: format!("cannot list files: {e}"),
                })?;
                files
                    .into_iter()
                    .filter(|f| f.mode.is_blob())
                    .filter_map(|f| String::from_utf8(f.filepath.into()).ok())
                    .filter(|p| is_discoverable(p))
                    .collect::<Vec<_>>()
            }
            Snapshot::WorkingTree => {
                let mut out = Vec::new();
                let walker =
                    walkdir::WalkDir::new(&self.root).follow_links(false).into_iter().filter_entry(|e| {
                        !(e.file_type().is_dir()
                            && matches!(e.file_name().to_str(), Some("node_modules" | ".git")))
                    });
                for entry in walker.flatten() {
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let Ok(rel) = entry.path().strip_prefix(&self.root) else { continue };
                    let Some(rel) = rel.to_str() else { continue };
                    let rel = rel.replace('\\', "/");
                    if is_discoverable(&rel) {
                        out.push(rel);
                    }
                }
                out
            }
            Snapshot::Files(set) => set.files.keys().filter(|p| is_discoverable(p)).cloned().collect(),
        };
        found.sort();
        Ok(found)
    }

    /// Read a lockfile from the snapshot. `Ok(None)` when it does not exist there.
    pub fn read(&self, snapshot: &Snapshot, path: &str) -> Result<Option<Vec<u8>>, RepoError> {
        let too_large = |size: u64| RepoError::TooLarge { path: path.to_owned(), at: snapshot.at(), size };
        match snapshot {
            Snapshot::Rev(rev) => {
                let tree = self.tree(rev)?;
                let read_err =
                    |message: String| RepoError::Read { path: path.to_owned(), at: snapshot.at(), message };
                let Some(entry) = tree.lookup_entry_by_path(path).map_err(|e| read_err(e.to_string()))?
                else {
                    return Ok(None);
                };
                if !entry.mode().is_blob() {
                    return Ok(None);
                }
                let git = self.git_for(rev)?;
                // Check the size from the object header before inflating the blob, so a
                // hostile multi-GB blob never reaches memory.
                let header = git.find_header(entry.oid()).map_err(|e| read_err(e.to_string()))?;
                if header.size() > MAX_LOCKFILE_BYTES {
                    return Err(too_large(header.size()));
                }
                let blob = git.find_blob(entry.oid()).map_err(|e| read_err(e.to_string()))?;
                Ok(Some(blob.detach().data))
            }
            Snapshot::Files(set) => match set.files.get(path) {
                Some(bytes) if bytes.len() as u64 > MAX_LOCKFILE_BYTES => Err(too_large(bytes.len() as u64)),
                Some(bytes) => Ok(Some(bytes.clone())),
                None => Ok(None),
            },
            Snapshot::WorkingTree => {
                let full = self.root.join(path);
                let meta = match std::fs::metadata(&full) {
                    Ok(m) => m,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => {
                        return Err(RepoError::Read {
                            path: path.to_owned(),
                            at: String::new(),
                            message: e.to_string(),
                        });
                    }
                };
                if meta.len() > MAX_LOCKFILE_BYTES {
                    return Err(too_large(meta.len()));
                }
                std::fs::read(&full).map(Some).map_err(|e| RepoError::Read {
                    path: path.to_owned(),
                    at: String::new(),
                    message: e.to_string(),
                })
            }
        }
    }

    /// Turn a user-given `--lockfile` path (relative to the current directory or absolute) into
    /// a path relative to the repository root, refusing anything outside it.
    pub fn relative_path(&self, given: &str, cwd: &Path) -> Result<String, RepoError> {
        let outside = || RepoError::OutsideRepo { path: given.to_owned() };
        let given_path = Path::new(given);
        let absolute = if given_path.is_absolute() { given_path.to_path_buf() } else { cwd.join(given_path) };
        let absolute = normalize(&absolute).ok_or_else(outside)?;
        let root = normalize(&absolute_root(&self.root, cwd)).ok_or_else(outside)?;
        // A path that is already relative to the root (the common case when --repo points
        // elsewhere) is accepted as such.
        let rel = match absolute.strip_prefix(&root) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) if given_path.is_relative() => {
                let joined = normalize(&root.join(given_path)).ok_or_else(outside)?;
                joined.strip_prefix(&root).map_err(|_| outside())?.to_path_buf()
            }
            Err(_) => return Err(outside()),
        };
        let rel = rel.to_str().ok_or_else(outside)?.replace('\\', "/");
        if rel.is_empty() {
            return Err(outside());
        }
        if detect_kind(&rel).is_none() {
            return Err(RepoError::NotALockfile { path: given.to_owned() });
        }
        Ok(rel)
    }

    pub fn missing(&self, path: &str, snapshot: &Snapshot) -> RepoError {
        RepoError::Missing { path: path.to_owned(), what: snapshot.describe() }
    }
}

fn absolute_root(root: &Path, cwd: &Path) -> PathBuf {
    if root.is_absolute() { root.to_path_buf() } else { cwd.join(root) }
}

/// Lexically resolve `.` and `..`; `None` when `..` climbs above the filesystem root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

/// Lockfiles under node_modules are installed copies of dependencies' own lockfiles, not ours.
pub fn is_discoverable(path: &str) -> bool {
    let in_ignored_dir = path.split('/').any(|c| c == "node_modules" || c == ".git");
    let name = path.rsplit('/').next().unwrap_or(path);
    !in_ignored_dir && crate::lockfile::detect::LOCKFILE_NAMES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discoverable() {
        assert!(is_discoverable("package-lock.json"));
        assert!(is_discoverable("apps/web/pnpm-lock.yaml"));
        assert!(!is_discoverable("node_modules/x/package-lock.json"));
        assert!(!is_discoverable("a/before.package-lock.json"));
    }

    #[test]
    fn relative_paths_stay_inside() {
        let repo = Repo { root: PathBuf::from("/r"), git: None };
        let cwd = Path::new("/r/sub");
        assert_eq!(repo.relative_path("package-lock.json", cwd).unwrap(), "sub/package-lock.json");
        assert_eq!(repo.relative_path("/r/yarn.lock", cwd).unwrap(), "yarn.lock");
        assert_eq!(repo.relative_path("../yarn.lock", cwd).unwrap(), "yarn.lock");
        assert!(matches!(repo.relative_path("../../etc/yarn.lock", cwd), Err(RepoError::OutsideRepo { .. })));
        assert!(matches!(
            repo.relative_path("/etc/package-lock.json", cwd),
            Err(RepoError::OutsideRepo { .. })
        ));
        assert!(matches!(repo.relative_path("Cargo.toml", cwd), Err(RepoError::NotALockfile { .. })));
    }
}
