//! Command-line definitions (DESIGN.md, "CLI contract"). Names here are a public contract.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "lockgate",
    version,
    about = "Supply-chain gate for JavaScript lockfiles: what a change adds, and whether to trust it",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the lockfiles at two revisions and judge every added or changed package.
    Diff(DiffArgs),
    /// Judge every package locked at one revision (default: the working tree).
    Scan(ScanArgs),
    /// Inside GitHub Actions: read the event and the action's inputs (INPUT_*), diff or scan,
    /// and report through a pull request comment, a check run, the job summary and outputs.
    Action(ActionArgs),
}

/// Everything else comes from the environment, as the runner sets it; these are for
/// reproducing a run locally.
#[derive(Debug, Args)]
pub struct ActionArgs {
    /// Use this RFC 3339 instant as "now" for every age computation (reproducible reports).
    #[arg(long, value_name = "RFC3339", env = "LOCKGATE_NOW")]
    pub now: Option<String>,
    /// Registry requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The revision the change starts from (branch, tag, commit, e.g. origin/main).
    #[arg(long, value_name = "REV")]
    pub base: String,
    /// The revision the change ends at. Default: the working tree.
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The revision to scan. Default: the working tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The repository (any directory inside it).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// A lockfile to check, relative to the repository root (repeatable). Default: every
    /// lockfile in the repository outside node_modules.
    #[arg(long = "lockfile", value_name = "PATH")]
    pub lockfiles: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of standard output (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not contact any registry: report what the lockfiles say; registry signals are marked
    /// as not evaluated.
    #[arg(long)]
    pub offline: bool,
    /// Policy file. Default: .github/lockgate.yml as of the base revision (diff) or the scanned
    /// revision (scan), so a pull request cannot loosen its own gate.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Registry URL; overrides `registry=` from .npmrc (default https://registry.npmjs.org).
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// The least severe finding that fails the run; overrides the policy file.
    #[arg(long, value_name = "LEVEL", value_parser = ["critical", "high", "medium", "low", "never"])]
    pub fail_on: Option<String>,
    /// Directory for the registry response cache (ETag revalidation), e.g. persisted by CI.
    #[arg(long, value_name = "DIR")]
    pub offline_cache: Option<PathBuf>,
    /// Use this RFC 3339 instant as "now" for every age computation (reproducible reports).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Releases younger than this are "fresh" (recent-release at high severity): hours, or a
    /// number with `h` or `d` (`72h`, `3d`); overrides `recent-release.fresh-hours`.
    #[arg(long, value_name = "AGE")]
    pub min_release_age: Option<String>,
    /// The policy file's path inside the repository, read from the trusted revision (the
    /// action's `config` input); not a command-line flag.
    #[arg(skip)]
    pub config_in_repo: Option<String>,
    /// Registry requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}
