//! One run of lockgate, from arguments to a finished report: read lockfiles, diff, assemble.

use crate::cli::{CommonArgs, DiffArgs, OutputFormat, ScanArgs};
use crate::diff::{self, Change, ChangeKind};
use crate::lockfile::{self, Lockfile, ParseError};
use crate::repo::{Repo, RepoError, Snapshot};
use crate::report::{self, Command, LockfileInfo, Package, Report, Verdict};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// Why a run could not produce a verdict. Each variant maps to an exit code of the CLI contract.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{err}{at}")]
    Parse { err: ParseError, at: String },
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {path}: {message}")]
    Output { path: String, message: String },
}

impl Error {
    /// 2: bad usage or unreadable input (every variant so far); 3 is reserved for the registry
    /// or GitHub being unreachable.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// A lockfile as it is at base and at head; either side may be absent.
struct Pair {
    base: Option<Lockfile>,
    head: Option<Lockfile>,
}

pub fn diff(args: &DiffArgs) -> Result<Report, Error> {
    if !args.common.offline {
        return Err(registry_not_built());
    }
    let repo = Repo::open_git(&args.common.repo)?;
    let base = Snapshot::Rev(args.base.clone());
    let head = match &args.head {
        Some(rev) => Snapshot::Rev(rev.clone()),
        None => Snapshot::WorkingTree,
    };
    repo.check_rev(&base)?;
    repo.check_rev(&head)?;

    let pairs = read_pairs(&repo, &base, &head, &args.common.lockfiles)?;
    let mut lockfiles = Vec::new();
    let mut packages = Vec::new();
    for pair in &pairs {
        let changes = diff::diff(pair.base.as_ref(), pair.head.as_ref());
        lockfiles.push(lockfile_info(pair, &changes));
        packages.extend(changes.iter().map(Package::from_change));
    }
    Ok(finish(Report {
        schema: report::SCHEMA,
        command: Command::Diff,
        verdict: Verdict::Pass,
        base: Some(args.base.clone()),
        head: args.head.clone().unwrap_or_else(|| "working tree".into()),
        offline: args.common.offline,
        lockfiles,
        packages,
    }))
}

pub fn scan(args: &ScanArgs) -> Result<Report, Error> {
    if !args.common.offline {
        return Err(registry_not_built());
    }
    let snapshot = match &args.rev {
        Some(rev) => Snapshot::Rev(rev.clone()),
        None => Snapshot::WorkingTree,
    };
    let repo = match snapshot {
        Snapshot::Rev(_) => Repo::open_git(&args.common.repo)?,
        Snapshot::WorkingTree => {
            if !args.common.repo.is_dir() {
                return Err(Error::Usage(format!("{} is not a directory", args.common.repo.display())));
            }
            Repo::open_any(&args.common.repo)
        }
    };
    repo.check_rev(&snapshot)?;
    let paths = lockfile_paths(&repo, &snapshot, &args.common.lockfiles)?;
    let mut lockfiles = Vec::new();
    let mut packages = Vec::new();
    for path in paths {
        let Some(lock) = read_lockfile(&repo, &snapshot, &path)? else {
            return Err(repo.missing(&path, &snapshot).into());
        };
        let changes = diff::scan(&lock);
        lockfiles.push(LockfileInfo {
            path: lock.path.clone(),
            format: lock.format,
            base_format: None,
            base_path: None,
            change: ChangeKind::Unchanged,
            packages: changes.len(),
        });
        packages.extend(changes.iter().map(Package::from_change));
    }
    Ok(finish(Report {
        schema: report::SCHEMA,
        command: Command::Scan,
        verdict: Verdict::Pass,
        base: None,
        head: args.rev.clone().unwrap_or_else(|| "working tree".into()),
        offline: args.common.offline,
        lockfiles,
        packages,
    }))
}

fn registry_not_built() -> Error {
    Error::Usage(
        "registry checks are not part of this build yet; pass --offline to report what the lockfiles say"
            .into(),
    )
}

/// Mark every registry signal unavailable when offline, and derive the overall verdict.
fn finish(mut report: Report) -> Report {
    if report.offline {
        for p in &mut report.packages {
            p.unavailable = report::REGISTRY_SIGNALS.iter().map(|s| s.to_string()).collect();
        }
    }
    report.verdict = report.packages.iter().map(|p| p.verdict).max().unwrap_or(Verdict::Pass);
    report
}

/// Render the report and deliver it to `--output` or stdout.
pub fn emit(report: &Report, common: &CommonArgs) -> Result<(), Error> {
    let text = match common.format {
        OutputFormat::Text => report::text::render(report),
        OutputFormat::Json => report::json::render(report),
    };
    match &common.output {
        Some(path) => write_atomically(path, text.as_bytes()),
        None => {
            // A closed pipe (`lockgate ... | head`) is not an error worth reporting.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// Write to a temporary file beside `path` and rename it into place, so a reader never sees a
/// half-written report and a failed run leaves no partial file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let err = |e: std::io::Error| Error::Output { path: path.display().to_string(), message: e.to_string() };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| err(std::io::Error::other("not a file name")))?;
    let tmp = dir.join(format!(".{}.lockgate-{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// The lockfile paths to look at in one snapshot: the given ones, or all discovered.
fn lockfile_paths(repo: &Repo, snapshot: &Snapshot, given: &[String]) -> Result<Vec<String>, Error> {
    if given.is_empty() {
        return Ok(repo.discover(snapshot)?);
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
    let mut out = Vec::new();
    for g in given {
        let rel = repo.relative_path(g, &cwd)?;
        if !out.contains(&rel) {
            out.push(rel);
        }
    }
    Ok(out)
}

fn read_lockfile(repo: &Repo, snapshot: &Snapshot, path: &str) -> Result<Option<Lockfile>, Error> {
    let Some(bytes) = repo.read(snapshot, path)? else { return Ok(None) };
    lockfile::parse(path, &bytes).map(Some).map_err(|err| Error::Parse {
        err,
        at: match snapshot {
            Snapshot::WorkingTree => String::new(),
            Snapshot::Rev(rev) => format!(" (in revision {rev})"),
        },
    })
}

/// Read every lockfile at base and head and pair them: by path, then, for lockfiles that exist
/// on one side only, by directory, so a migration (package-lock.json -> pnpm-lock.yaml in the
/// same folder) diffs packages instead of removing and re-adding everything.
fn read_pairs(repo: &Repo, base: &Snapshot, head: &Snapshot, given: &[String]) -> Result<Vec<Pair>, Error> {
    let (base_paths, head_paths) = if given.is_empty() {
        (lockfile_paths(repo, base, given)?, lockfile_paths(repo, head, given)?)
    } else {
        let paths = lockfile_paths(repo, base, given)?;
        (paths.clone(), paths)
    };
    let all: BTreeSet<&String> = base_paths.iter().chain(&head_paths).collect();
    let mut pairs = Vec::new();
    for path in all {
        let b = if base_paths.contains(path) { read_lockfile(repo, base, path)? } else { None };
        let h = if head_paths.contains(path) { read_lockfile(repo, head, path)? } else { None };
        if b.is_none() && h.is_none() {
            if !given.is_empty() {
                return Err(repo.missing(path, head).into());
            }
            continue;
        }
        pairs.push(Pair { base: b, head: h });
    }
    pair_by_directory(&mut pairs);
    Ok(pairs)
}

fn pair_by_directory(pairs: &mut Vec<Pair>) {
    let dir = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    let mut i = 0;
    while i < pairs.len() {
        if pairs[i].base.is_none() {
            let head_dir = pairs[i].head.as_ref().map(|h| dir(&h.path));
            let mate = pairs
                .iter()
                .position(|p| p.head.is_none() && p.base.as_ref().map(|b| dir(&b.path)) == head_dir);
            if let Some(j) = mate {
                let base = pairs[j].base.take();
                pairs[i].base = base;
                pairs.remove(j);
                i = 0;
                continue;
            }
        }
        i += 1;
    }
}

fn lockfile_info(pair: &Pair, changes: &[Change]) -> LockfileInfo {
    let (path, format, change) = match (&pair.base, &pair.head) {
        (_, Some(h)) => (
            h.path.clone(),
            h.format,
            if pair.base.is_some() { ChangeKind::Updated } else { ChangeKind::Added },
        ),
        (Some(b), None) => (b.path.clone(), b.format, ChangeKind::Removed),
        (None, None) => unreachable!("pairs always hold a lockfile"),
    };
    let base_format = pair.base.as_ref().map(|b| b.format).filter(|f| *f != format);
    let base_path = pair.base.as_ref().map(|b| b.path.clone()).filter(|p| *p != path);
    let change = if change == ChangeKind::Updated && changes.is_empty() && base_format.is_none() {
        ChangeKind::Unchanged
    } else {
        change
    };
    LockfileInfo { path, format, base_format, base_path, change, packages: changes.len() }
}
