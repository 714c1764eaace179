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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}
