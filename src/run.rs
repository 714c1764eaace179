//! One run of lockgate, from arguments to a finished report: read lockfiles, diff, assemble.

use crate::cli::{CommonArgs, DiffArgs, OutputFormat, ScanArgs};
use crate::context::{Context, WhyIndex};
use crate::diff::{self, Change, ChangeKind};
use crate::lockfile::{self, Lockfile, ParseError, Source};
use crate::policy::{self, Config, ConfigError, FailOn, Policy};
use crate::registry::npmrc::{self, NpmrcError, RegistryConfig};
use crate::registry::{self, ClientOptions, RegistryError};
use crate::repo::{Repo, RepoError, Snapshot};
use crate::report::{self, Command, LockfileInfo, Package, Report, Verdict};
use crate::signals::{self, Facts};
use std::collections::{BTreeMap, BTreeSet};
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
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Npmrc(#[from] NpmrcError),
    #[error(
        "{0}\nThe registry must answer for lockgate to judge packages; retry later, or pass --offline to report only what the lockfiles say."
    )]
    Registry(#[from] RegistryError),
}

impl Error {
    /// The CLI contract: 2 for bad usage or unreadable input, 3 when the registry could not
    /// be reached.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Registry(_) => 3,
            _ => 2,
        }
    }
}

/// A lockfile as it is at base and at head; either side may be absent.
struct Pair {
    base: Option<Lockfile>,
    head: Option<Lockfile>,
}

pub fn diff(args: &DiffArgs) -> Result<Report, Error> {
    let repo = Repo::open_git(&args.common.repo)?;
    let base = Snapshot::Rev(args.base.clone());
    let head = match &args.head {
        Some(rev) => Snapshot::Rev(rev.clone()),
        None => Snapshot::WorkingTree,
    };
    diff_snapshots(&repo, &base, &head, &args.common)
}

/// Diff two snapshots of `repo` (revisions, the working tree, or files fetched elsewhere).
pub fn diff_snapshots(
    repo: &Repo,
    base: &Snapshot,
    head: &Snapshot,
    common: &CommonArgs,
) -> Result<Report, Error> {
    repo.check_rev(base)?;
    repo.check_rev(head)?;
    // Policy and .npmrc come from the base: a pull request must not be able to loosen its own
    // gate or point the registry at a server of its choosing.
    let setup = Setup::new(repo, base, common)?;

    let pairs = read_pairs(repo, base, head, &common.lockfiles)?;
    let mut lockfiles = Vec::new();
    let mut changes = Vec::new();
    let mut why = BTreeMap::new();
    for pair in &pairs {
        let path = pair.head.as_ref().or(pair.base.as_ref()).map(|l| l.path.as_str()).unwrap_or_default();
        if setup.policy.ignores_path(path) {
            continue;
        }
        let found = diff::diff(pair.base.as_ref(), pair.head.as_ref());
        lockfiles.push(lockfile_info(pair, &found));
        if let Some(lock) = pair.head.as_ref().or(pair.base.as_ref()) {
            why.insert(lock.path.clone(), WhyIndex::new(lock));
        }
        changes.extend(found);
    }
    let packages = judge(&setup, &changes, &why)?;
    Ok(setup.finish(
        Command::Diff,
        base.rev().map(str::to_owned),
        head.rev().map(str::to_owned),
        lockfiles,
        packages,
    ))
}

pub fn scan(args: &ScanArgs) -> Result<Report, Error> {
    let snapshot = match &args.rev {
        Some(rev) => Snapshot::Rev(rev.clone()),
        None => Snapshot::WorkingTree,
    };
    let repo = match snapshot {
        Snapshot::WorkingTree => {
            if !args.common.repo.is_dir() {
                return Err(Error::Usage(format!("{} is not a directory", args.common.repo.display())));
            }
            Repo::open_any(&args.common.repo)
        }
        _ => Repo::open_git(&args.common.repo)?,
    };
    scan_snapshot(&repo, &snapshot, &args.common)
}

/// Judge every package locked in one snapshot of `repo`.
pub fn scan_snapshot(repo: &Repo, snapshot: &Snapshot, common: &CommonArgs) -> Result<Report, Error> {
    repo.check_rev(snapshot)?;
    let setup = Setup::new(repo, snapshot, common)?;
    let paths = lockfile_paths(repo, snapshot, &common.lockfiles)?;
    let mut lockfiles = Vec::new();
    let mut changes = Vec::new();
    let mut why = BTreeMap::new();
    for path in paths {
        if setup.policy.ignores_path(&path) {
            continue;
        }
        let Some(lock) = read_lockfile(repo, snapshot, &path)? else {
            return Err(repo.missing(&path, snapshot).into());
        };
        let found = diff::scan(&lock);
        lockfiles.push(LockfileInfo {
            path: lock.path.clone(),
            format: lock.format,
            base_format: None,
            base_path: None,
            change: ChangeKind::Unchanged,
            packages: found.len(),
        });
        why.insert(lock.path.clone(), WhyIndex::new(&lock));
        changes.extend(found);
    }
    let packages = judge(&setup, &changes, &why)?;
    Ok(setup.finish(Command::Scan, None, snapshot.rev().map(str::to_owned), lockfiles, packages))
}

/// Everything a run decides before looking at packages: the clock, the policy, the registry.
struct Setup {
    now: jiff::Timestamp,
    policy: Policy,
    config_source: String,
    /// `None` when offline.
    registry: Option<(RegistryConfig, ClientOptions)>,
}

impl Setup {
    fn new(repo: &Repo, trusted: &Snapshot, common: &CommonArgs) -> Result<Setup, Error> {
        let now = match &common.now {
            Some(text) => text.parse::<jiff::Timestamp>().map_err(|e| {
                Error::Usage(format!(
                    "--now {text:?} is not an RFC 3339 instant (e.g. 2026-03-31T12:00:00Z): {e}"
                ))
            })?,
            None => jiff::Timestamp::now(),
        };
        let in_repo = common.config_in_repo.as_deref().unwrap_or(policy::DEFAULT_PATH);
        let (config, config_source) = match &common.config {
            Some(path) => (Config::load(path)?, path.display().to_string()),
            None => match repo.read(trusted, in_repo)? {
                Some(bytes) => {
                    let label = format!("{in_repo}{}", at(trusted));
                    let text = String::from_utf8(bytes).map_err(|_| ConfigError {
                        path: label.clone(),
                        line: None,
                        message: "not valid UTF-8".into(),
                    })?;
                    (Config::from_yaml(&label, &text)?, label)
                }
                None if common.config_in_repo.is_some() => {
                    return Err(Error::Usage(format!(
                        "the policy file {in_repo} is not in {}; fix the `config` input or commit the file",
                        match trusted.rev() {
                            Some(rev) => format!("revision {rev}"),
                            None => "the working tree".into(),
                        }
                    )));
                }
                None => (Config::default(), "defaults (no .github/lockgate.yml)".into()),
            },
        };
        let registry_override = common.registry.clone().or_else(|| config.registry.clone());
        let mut policy = Policy::new(config, policy::utc_date(now));
        if let Some(level) = &common.fail_on {
            policy.set_fail_on(level.parse::<FailOn>().map_err(Error::Usage)?);
        }
        if let Some(age) = &common.min_release_age {
            policy.set_min_release_age_hours(policy::parse_age_hours(age).map_err(Error::Usage)?);
        }
        let registry = if common.offline {
            None
        } else {
            let env = |name: &str| std::env::var(name).ok();
            let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
            let user = npmrc::read_user_npmrc(home.as_deref(), &env)?;
            let project = repo.read(trusted, ".npmrc")?.map(|bytes| {
                (format!(".npmrc{}", at(trusted)), String::from_utf8_lossy(&bytes).into_owned())
            });
            let config = RegistryConfig::from_npmrc_texts(
                user.as_ref().map(|(l, t)| (l.clone(), t.as_str())),
                project.as_ref().map(|(l, t)| (l.clone(), t.as_str())),
                &env,
                registry_override.as_deref(),
            )?;
            let options = ClientOptions {
                concurrency: usize::from(common.concurrency),
                cache_dir: common.offline_cache.clone(),
                // In place updates only make sense on a terminal; a CI log would keep every one.
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr())
                    && std::env::var_os("GITHUB_ACTIONS").is_none_or(|v| v != "true"),
                ..ClientOptions::default()
            };
            Some((config, options))
        };
        Ok(Setup { now, policy, config_source, registry })
    }

    fn finish(
        &self,
        command: Command,
        base: Option<String>,
        head: Option<String>,
        lockfiles: Vec<LockfileInfo>,
        packages: Vec<Package>,
    ) -> Report {
        let verdict = packages.iter().map(|p| p.verdict).max().unwrap_or(Verdict::Pass);
        Report {
            schema: report::SCHEMA,
            command,
            verdict,
            base,
            head: head.unwrap_or_else(|| "working tree".into()),
            offline: self.registry.is_none(),
            now: self.now.to_string(),
            registry: self.registry.as_ref().map(|(c, _)| npmrc::redact_url(c.registry_for(""))),
            config: self.config_source.clone(),
            notes: self.policy.notes().to_vec(),
            lockfiles,
            packages,
        }
    }
}

fn at(snapshot: &Snapshot) -> String {
    match snapshot.rev() {
        None => String::new(),
        Some(rev) => format!(" at {rev}"),
    }
}

const OFFLINE: &str = "not evaluated: --offline";
const NOT_REGISTRY: &str = "the package does not come from a registry";
const DENIED: &str = "the registry refused to serve the package (HTTP 401/403); check the token in .npmrc";

/// Ask the registry about every package that needs it (one request per name), then run the
/// signals and the policy on each change. Removed packages are reported but not judged.
fn judge(setup: &Setup, changes: &[Change], why: &BTreeMap<String, WhyIndex>) -> Result<Vec<Package>, Error> {
    let wanted: BTreeSet<String> = changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Removed && c.current().source == Source::Registry)
        .map(|c| c.name.clone())
        .collect();
    let fetched: BTreeMap<String, registry::Lookup> = match &setup.registry {
        Some((config, options)) if !wanted.is_empty() => {
            registry::fetch_all_blocking(config.clone(), options.clone(), wanted)?
        }
        _ => BTreeMap::new(),
    };
    let offline = setup.registry.is_none();
    let lookup = |name: &str| -> signals::Lookup<'_> {
        match fetched.get(name) {
            Some(registry::Lookup::Found(p)) => signals::Lookup::Found(p),
            Some(registry::Lookup::NotFound) => signals::Lookup::NotFound,
            Some(registry::Lookup::Denied { .. }) => signals::Lookup::NotFetched(DENIED),
            None if offline => signals::Lookup::NotFetched(OFFLINE),
            None => signals::Lookup::NotFetched(NOT_REGISTRY),
        }
    };
    let is_registry_url = |name: &str, url: &str| {
        signals::is_public_npm_url(url)
            || setup.registry.as_ref().is_some_and(|(c, _)| npmrc::is_registry_url(c, name, url))
    };
    Ok(assess(changes, &lookup, &is_registry_url, setup.now, &setup.policy, why))
}

/// Signals, policy and evidence for each change, once the registry documents are at hand
/// (`lookup`). Removed packages are listed, not judged. Public so that tests and embedders
/// judge exactly as the CLI does.
pub fn assess<'r>(
    changes: &[Change],
    lookup: &dyn Fn(&str) -> signals::Lookup<'r>,
    is_registry_url: &dyn Fn(&str, &str) -> bool,
    now: jiff::Timestamp,
    policy: &Policy,
    why: &BTreeMap<String, WhyIndex>,
) -> Vec<Package> {
    let mut packages = Vec::with_capacity(changes.len());
    for change in changes {
        let mut package = Package::from_change(change);
        if change.kind == ChangeKind::Removed {
            packages.push(package);
            continue;
        }
        let facts =
            Facts { change, packument: lookup(&change.name), now, packuments: lookup, is_registry_url };
        let verdict = policy.judge(&facts);
        // A scan lists every locked entry; the evidence is worth its size only where a reader
        // looks: changes, and packages with something to say.
        if change.kind != ChangeKind::Unchanged || verdict.verdict != Verdict::Pass {
            package.context = Context::gather(&facts);
            package.dependency_path =
                why.get(&change.lockfile).map(|w| w.chain(&change.name)).unwrap_or_default();
        }
        packages.push(package.judged(verdict));
    }
    packages
}

/// Render the report and deliver it to `--output` or stdout.
pub fn emit(report: &Report, common: &CommonArgs) -> Result<(), Error> {
    let text = match common.format {
        // Colour only for a terminal: never in a file written with --output.
        OutputFormat::Text => report::text::render_with(
            report,
            if common.output.is_none() {
                report::text::Style::for_stdout()
            } else {
                report::text::Style::PLAIN
            },
        ),
        OutputFormat::Json => report::json::render(report),
        OutputFormat::Markdown => report::markdown::render(report, &report::markdown::Options::summary()),
        OutputFormat::Sarif => report::sarif::render(report),
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
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
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
        at: match snapshot.rev() {
            None => String::new(),
            Some(rev) => format!(" (in revision {rev})"),
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
