//! `lockgate action`: the run inside GitHub Actions. The event decides what to compare; the
//! ordinary pipeline (run.rs) produces the report; this layer only moves the finished report to
//! GitHub: one sticky pull request comment, a check run with annotations, the job summary and
//! the step outputs. A token that cannot write, or a GitHub that does not answer, never changes
//! the verdict: annotations then go to the log as workflow commands and the summary says why.

pub mod api;
pub mod commands;
pub mod env;
pub mod event;
pub mod privileges;

use crate::cli::{ActionArgs, CommonArgs, OutputFormat};
use crate::escape::log_line;
use crate::repo::{FileSet, Repo, Snapshot};
use crate::report::{Package, Report, Verdict, markdown};
use crate::signals::Severity;
use api::{Api, ApiError};
use commands::Level;
use env::{CommentMode, Env, EnvError};
use event::{EventError, Plan};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// First in the body of lockgate's pull request comment; how the next run finds it.
pub const MARKER: &str = "<!-- lockgate:comment v1 -->";

/// At most this many annotations per run (20 check-run requests); the rest are in the report.
const MAX_ANNOTATIONS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Env(#[from] EnvError),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Run(#[from] crate::run::Error),
    #[error(
        "{0}\nlockgate needs these files to judge the change; check the token's `contents: read` permission or fetch the commits (actions/checkout with fetch-depth: 0)."
    )]
    Fetch(ApiError),
}

impl Error {
    /// 2 for bad input, 3 when the registry or GitHub (for files the checkout lacks) could not
    /// be reached.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Run(e) => e.exit_code(),
            Error::Fetch(ApiError::Unavailable { .. }) => 3,
            _ => 2,
        }
    }
}

/// The end of a run: the verdict and the process exit code for it.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub verdict: Verdict,
    pub exit_code: u8,
}

pub fn action(args: &ActionArgs) -> Result<Outcome, Error> {
    let env = Env::from_process()?;
    let run_as = std::env::var(privileges::VAR).ok();
    if let Some(uid) =
        privileges::drop_root(&env, run_as.as_deref()).map_err(|e| Error::Usage(e.to_string()))?
    {
        tracing::debug!("running as uid {uid}");
    }
    let result = run(&env, args);
    if let Err(e) = &result {
        // The job summary says why there is no verdict, so nobody has to dig in the log.
        if let Some(path) = &env.step_summary {
            let text = format!(
                "### lockgate: no verdict\n\n```text\n{}\n```\n",
                e.to_string().replace("```", "'''")
            );
            let _ = commands::append(path, &text);
        }
    }
    result
}

fn run(env: &Env, args: &ActionArgs) -> Result<Outcome, Error> {
    let payload = event::read(&env.event_path)?;
    let inputs = &env.inputs;
    let plan = event::plan(
        &env.event_name,
        &payload,
        env.sha.as_deref(),
        inputs.mode,
        inputs.base.as_deref(),
        inputs.head.as_deref(),
    )
    .map_err(|m| Error::Usage(format!("{} ({}): {m}", env.event_path.display(), env.event_name)))?;
    tracing::info!("event {}: {:?}", env.event_name, plan);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    // octocrab's client spawns its worker on the runtime it is built in.
    let api = {
        let _entered = rt.enter();
        Api::new(&env.api_url, &env.owner, &env.repo, inputs.token.as_ref())
    };
    let repo = Repo::open_any(&env.workspace);

    // The policy file and .npmrc are read from the base (diff) or the scanned revision, so a
    // pull request cannot loosen its own gate.
    let config_in_repo =
        inputs.config.clone().filter(|c| c.trim_start_matches("./") != crate::policy::DEFAULT_PATH);
    let trusted_extra: Vec<String> =
        vec![config_in_repo.clone().unwrap_or_else(|| crate::policy::DEFAULT_PATH.into()), ".npmrc".into()];
    let explicit: Vec<String> = inputs.lockfiles.iter().filter(|p| !is_glob(p)).cloned().collect();
    let globs: Vec<String> = inputs.lockfiles.iter().filter(|p| is_glob(p)).cloned().collect();
    let want = if globs.is_empty() && !explicit.is_empty() { Some(explicit.as_slice()) } else { None };

    let snapshot = |rev: Option<&str>, extra: &[String]| -> Result<Snapshot, Error> {
        let Some(rev) = rev else { return Ok(Snapshot::WorkingTree) };
        if repo.has_commit(rev) {
            return Ok(Snapshot::Rev(rev.to_owned()));
        }
        tracing::info!("commit {rev} is not in the checkout; reading its lockfiles through the GitHub API");
        let api = api.as_ref().map_err(|e| Error::Fetch(ApiError::Setup(e.to_string())))?;
        rt.block_on(fetch_files(api, rev, want, extra)).map(|set| Snapshot::Files(Arc::new(set)))
    };
    let (base, head) = match &plan {
        Plan::Diff { base, head, .. } => {
            (Some(snapshot(Some(base), &trusted_extra)?), snapshot(Some(head), &[])?)
        }
        Plan::Scan { rev } => (None, snapshot(rev.as_deref(), &trusted_extra)?),
    };

    let mut lockfiles = explicit.clone();
    if !globs.is_empty() {
        lockfiles.extend(expand_globs(&repo, &globs, base.iter().chain([&head]))?);
    }
    let common = CommonArgs {
        repo: env.workspace.clone(),
        lockfiles,
        format: OutputFormat::Json,
        output: None,
        offline: false,
        config: None,
        registry: inputs.registry.clone(),
        fail_on: inputs.fail_on.clone(),
        offline_cache: None,
        now: args.now.clone(),
        min_release_age: inputs.min_release_age.clone(),
        config_in_repo,
        concurrency: args.concurrency,
    };
    let report = match &base {
        Some(base) => crate::run::diff_snapshots(&repo, base, &head, &common)?,
        None => crate::run::scan_snapshot(&repo, &head, &common)?,
    };
    let verdict = report.verdict;
    let findings = count_findings(&report);
    eprintln!(
        "{}",
        log_line(&format!(
            "lockgate: verdict {verdict} ({findings} findings in {} packages)",
            report.packages.len()
        ))
    );

    let mut notes: Vec<String> = Vec::new();
    let (report_path, sarif_path) = write_reports(env, &report, &mut notes);

    let run_url = env
        .run_id
        .as_ref()
        .map(|id| format!("{}/{}/{}/actions/runs/{id}", env.server_url, env.owner, env.repo));
    let blob_base =
        plan.head_sha().map(|sha| format!("{}/{}/{}/blob/{sha}", env.server_url, env.owner, env.repo));

    // GitHub writes. A denial (fork pull request, restricted permissions) or an outage stops
    // the remaining writes; either way the verdict below stands.
    let mut check_run_done = false;
    match &api {
        Err(e) => {
            notes.push(format!("The GitHub client could not be set up ({e}); nothing was posted to GitHub."))
        }
        Ok(_) if inputs.token.is_none() => notes
            .push("No GitHub token was given (input `github-token`); nothing was posted to GitHub.".into()),
        Ok(api) => {
            let mut stop: Option<String> = None;
            if let (Some(pr), true) = (plan.pr(), inputs.comment != CommentMode::Never) {
                let opts = markdown::Options {
                    blob_base: blob_base.clone(),
                    full_report: Some(full_report_place(&run_url)),
                    ..markdown::Options::comment()
                };
                let body = format!("{MARKER}\n{}", markdown::render(&report, &opts));
                let resolved = format!(
                    "{MARKER}\n### ✅ lockgate: resolved\n\nThe findings reported here earlier are gone as of {}.\n",
                    plan.head_sha().map(|s| s.get(..12).unwrap_or(s)).unwrap_or("the latest run")
                );
                if let Err(e) =
                    rt.block_on(upsert_comment(api, pr, inputs.comment, findings > 0, &body, &resolved))
                {
                    let note = describe_failure("the pull request comment", &e, plan.is_fork());
                    // A rejected body (422) says nothing about the check run: try it anyway.
                    if e.stops_writes() {
                        stop = Some(note);
                    } else {
                        notes.push(note);
                    }
                }
            }
            if stop.is_none()
                && inputs.check_run
                && let Some(sha) = plan.head_sha().filter(|s| env::is_sha(s))
            {
                let opts = markdown::Options {
                    blob_base: blob_base.clone(),
                    full_report: Some(full_report_place(&run_url)),
                    ..markdown::Options::comment()
                };
                let summary = markdown::render(&report, &opts);
                let (conclusion, title) = check_conclusion(&report, findings, inputs.warn_only);
                let annotations = check_annotations(&report);
                match rt.block_on(api.create_check_run(sha, conclusion, &title, &summary, &annotations)) {
                    Ok(_) => check_run_done = true,
                    Err(e) => stop = Some(describe_failure("the check run", &e, plan.is_fork())),
                }
            }
            notes.extend(stop);
        }
    }

    // Without a check run, annotations go to the log as workflow commands (the runner shows
    // them on the pull request's files too).
    if !check_run_done {
        commands::print(&workflow_annotations(&report));
    }
    for note in &notes {
        commands::print(&[commands::annotation(Level::Warning, None, None, Some("lockgate"), note)]);
    }

    if let Some(path) = &env.step_summary {
        let opts = markdown::Options {
            blob_base,
            full_report: report_path.as_ref().map(|_| "the `report` output (JSON)".to_owned()),
            ..markdown::Options::summary()
        };
        let mut text = markdown::render(&report, &opts);
        for note in &notes {
            text.push_str(&format!("\n> [!WARNING]\n> {}\n", crate::escape::markdown(note)));
        }
        if inputs.warn_only && verdict == Verdict::Fail {
            text.push_str("\n`warn-only` is set: the verdict is fail, the job does not fail.\n");
        }
        if let Err(e) = commands::append(path, &text) {
            tracing::warn!("cannot write the job summary {}: {e}", path.display());
        }
    }
    if let Some(path) = &env.output {
        let out = commands::outputs_text(&[
            ("verdict", verdict.as_str().to_owned()),
            ("findings", findings.to_string()),
            ("report", report_path.map(|p| p.display().to_string()).unwrap_or_default()),
            ("sarif", sarif_path.map(|p| p.display().to_string()).unwrap_or_default()),
        ]);
        if let Err(e) = commands::append(path, &out) {
            tracing::warn!("cannot write the step outputs {}: {e}", path.display());
        }
    }
    let exit_code = if verdict == Verdict::Fail && !inputs.warn_only { 1 } else { 0 };
    Ok(Outcome { verdict, exit_code })
}

/// Plain text: the renderer escapes it.
fn full_report_place(run_url: &Option<String>) -> String {
    match run_url {
        Some(url) => format!("the job summary of this workflow run ({url})"),
        None => "the job summary of this workflow run".into(),
    }
}

fn describe_failure(what: &str, e: &ApiError, fork: bool) -> String {
    if e.is_denied() {
        let why = if fork {
            "A pull request from a fork gets a read-only token"
        } else {
            "Grant the workflow `pull-requests: write` and `checks: write`"
        };
        format!(
            "The token cannot write {what} ({e}). {why}; the findings are reported as annotations in the log and in this summary instead."
        )
    } else {
        format!(
            "{what} could not be posted: {e}. The verdict does not depend on it; findings are in the log and this summary."
        )
    }
}

/// Comment policy: `always` posts every time; `on-findings` posts when there are findings and,
/// when they are gone, turns an earlier comment into a short "resolved" note (kept, not
/// deleted, so the conversation still makes sense).
async fn upsert_comment(
    api: &Api,
    pr: u64,
    mode: CommentMode,
    has_findings: bool,
    body: &str,
    resolved: &str,
) -> Result<(), ApiError> {
    let existing = api.find_comment(pr, MARKER).await?;
    let text = match (mode, has_findings, existing) {
        (CommentMode::Never, ..) => return Ok(()),
        (CommentMode::Always, ..) | (_, true, _) => body,
        (CommentMode::OnFindings, false, Some(_)) => resolved,
        (CommentMode::OnFindings, false, None) => return Ok(()),
    };
    match existing {
        Some(id) => api.update_comment(id, text).await,
        None => api.create_comment(pr, text).await.map(|_| ()),
    }
}

/// Reads what the run needs of a commit the checkout does not have: its lockfiles (the given
/// ones, or all of them) and `extra` files (policy, .npmrc) when present.
async fn fetch_files(
    api: &Api,
    rev: &str,
    want: Option<&[String]>,
    extra: &[String],
) -> Result<FileSet, Error> {
    let lockfiles: Vec<String> = match want {
        Some(w) => w.to_vec(),
        None => match api.list_files(rev).await.map_err(Error::Fetch)? {
            Some(all) => all.into_iter().filter(|p| crate::repo::is_discoverable(p)).collect(),
            None => {
                return Err(Error::Usage(format!(
                    "commit {rev} has too many files for GitHub to list; name the lockfiles in the `lockfiles` input or fetch the commit (actions/checkout with fetch-depth: 0)"
                )));
            }
        },
    };
    let mut files = BTreeMap::new();
    for path in lockfiles.iter().chain(extra) {
        if let Some(bytes) = api.read_file(rev, path).await.map_err(Error::Fetch)? {
            files.insert(path.clone(), bytes);
        }
    }
    Ok(FileSet { rev: rev.to_owned(), files })
}

fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '[', '{'])
}

fn expand_globs<'a>(
    repo: &Repo,
    globs: &[String],
    snapshots: impl Iterator<Item = &'a Snapshot>,
) -> Result<Vec<String>, Error> {
    let mut set = globset::GlobSetBuilder::new();
    for g in globs {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .map_err(|e| Error::Usage(format!("INPUT_LOCKFILES: {g:?} is not a valid glob: {e}")))?;
        set.add(glob);
    }
    let set = set.build().map_err(|e| Error::Usage(format!("INPUT_LOCKFILES: {e}")))?;
    let mut out = Vec::new();
    for snapshot in snapshots {
        for path in repo.discover(snapshot).map_err(crate::run::Error::from)? {
            if set.is_match(&path) && !out.contains(&path) {
                out.push(path);
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(format!("INPUT_LOCKFILES: no lockfile matches {}", globs.join(", "))));
    }
    Ok(out)
}

/// Findings that count: everything above `info` (no-provenance alone is not worth a comment).
fn count_findings(report: &Report) -> usize {
    report
        .packages
        .iter()
        .map(|p| p.findings.iter().filter(|f| f.severity > Severity::Info).count() + p.rules.len())
        .sum()
}

fn worth_annotating(p: &Package) -> bool {
    p.change != crate::diff::ChangeKind::Removed
        && (!p.rules.is_empty() || p.findings.iter().any(|f| f.severity > Severity::Info))
}

/// A required check should block on fail and not on warn: fail -> failure, warn -> neutral
/// (shown, not blocking), pass -> success. `warn-only` reports a fail as neutral.
fn check_conclusion(report: &Report, findings: usize, warn_only: bool) -> (&'static str, String) {
    let n = report.packages.iter().filter(|p| p.verdict != Verdict::Pass).count();
    let what = format!("{n} of {} packages need attention, {findings} findings", report.packages.len());
    match report.verdict {
        Verdict::Fail if warn_only => ("neutral", format!("fail (warn-only): {what}")),
        Verdict::Fail => ("failure", format!("fail: {what}")),
        Verdict::Warn => ("neutral", format!("warn: {what}")),
        Verdict::Pass => ("success", format!("pass: {} packages checked", report.packages.len())),
    }
}

fn annotation_parts(p: &Package) -> (Level, String, String) {
    let level = match p.verdict {
        Verdict::Fail => Level::Error,
        Verdict::Warn => Level::Warning,
        Verdict::Pass => Level::Notice,
    };
    let version = match (&p.from, &p.to) {
        (Some(f), Some(t)) if f != t => format!("{f} -> {t}"),
        (_, Some(t)) => t.clone(),
        (Some(f), None) => f.clone(),
        (None, None) => String::new(),
    };
    let title: String = format!("lockgate {}: {} {}", p.verdict, p.name, version).chars().take(255).collect();
    let mut lines: Vec<String> = p.rules.iter().map(|r| format!("FAIL {}: {}", r.rule, r.message)).collect();
    lines.extend(
        p.findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .map(|f| format!("{} {}: {} ({})", f.severity, f.signal, f.message, f.docs_url)),
    );
    let message: String = lines.join("\n").chars().take(4000).collect();
    (level, title, message)
}

/// The packages worth an annotation, with the annotation's level, title and message: what the
/// check run and the log fallback both show.
fn annotated(report: &Report) -> impl Iterator<Item = (&Package, Level, String, String)> {
    report.packages.iter().filter(|p| worth_annotating(p)).take(MAX_ANNOTATIONS).map(|p| {
        let (level, title, message) = annotation_parts(p);
        (p, level, title, message)
    })
}

/// Check-run annotations on the head lockfile's lines.
fn check_annotations(report: &Report) -> Vec<Value> {
    annotated(report)
        .map(|(p, level, title, message)| {
            let level = match level {
                Level::Error => "failure",
                Level::Warning => "warning",
                Level::Notice => "notice",
            };
            let line = p.line.max(1);
            json!({
                "path": p.lockfile, "start_line": line, "end_line": line,
                "annotation_level": level, "title": title, "message": message,
            })
        })
        .collect()
}

fn workflow_annotations(report: &Report) -> Vec<String> {
    annotated(report)
        .map(|(p, level, title, message)| {
            commands::annotation(level, Some(&p.lockfile), Some(p.line.max(1)), Some(&title), &message)
        })
        .collect()
}

/// The JSON and SARIF reports, for the `report` and `sarif` outputs (an artifact, code
/// scanning), in `.lockgate/` of the workspace; the outputs name them relative to it.
///
/// Not under RUNNER_TEMP: a docker action sees the runner's temporary directory only at a path
/// of its own, if at all (actions/runner#1984), so a later step could not find the file there.
/// The workspace is mounted at the same place for every step, and `actions/upload-artifact` and
/// `upload-sarif` resolve relative paths against it.
fn write_reports(env: &Env, report: &Report, notes: &mut Vec<String>) -> (Option<PathBuf>, Option<PathBuf>) {
    const DIR: &str = privileges::REPORT_DIR;
    let dir = env.workspace.join(DIR);
    let mut write = |name: &str, text: String| {
        let path = dir.join(name);
        let written = std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))
            .and_then(|()| crate::run::write_atomically(&path, text.as_bytes()).map_err(|e| e.to_string()));
        match written {
            Ok(()) => Some(Path::new(DIR).join(name)),
            Err(e) => {
                notes.push(format!("The report could not be written: {e}"));
                None
            }
        }
    };
    let json = write("report.json", crate::report::json::render(report));
    let sarif = write("report.sarif", crate::report::sarif::render(report));
    (json, sarif)
}
