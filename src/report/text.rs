//! `--format text`: a short, aligned summary for a terminal, verdict last.
//!
//! Colour marks the verdict and severities when the report goes to a terminal (see
//! [`Style::for_stdout`]). Colour codes only ever wrap lockgate's own words; untrusted text
//! still goes through [`terminal`], so it cannot set or reset colours itself.

use super::{Command, Package, Report, Verdict, plural};
use crate::diff::ChangeKind;
use crate::escape::terminal;
use crate::signals::Severity;
use anstyle::{AnsiColor, Style as Ansi};
use std::fmt::Write;

/// How the text report looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// ANSI colours for verdicts and severities.
    pub colour: bool,
}

impl Style {
    pub const PLAIN: Style = Style { colour: false };

    /// The style for standard output: colour when it is a terminal, unless `NO_COLOR` is set
    /// (no-color.org: present and not empty) or `TERM=dumb`; `CLICOLOR_FORCE` (not `0`) forces
    /// it on for a pipe, and `NO_COLOR` still wins over it.
    pub fn for_stdout() -> Style {
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let forced = env("CLICOLOR_FORCE").is_some_and(|v| v != "0");
        let dumb = env("TERM").is_some_and(|t| t == "dumb");
        let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
        Style { colour: env("NO_COLOR").is_none() && (forced || (tty && !dumb)) }
    }

    /// `text` (lockgate's own words, never untrusted input) in `ansi` when colour is on.
    fn paint(self, ansi: Ansi, text: &str) -> String {
        if self.colour { format!("{}{text}{}", ansi.render(), ansi.render_reset()) } else { text.to_owned() }
    }

    fn verdict(self, verdict: Verdict) -> String {
        let colour = match verdict {
            Verdict::Fail => AnsiColor::Red,
            Verdict::Warn => AnsiColor::Yellow,
            Verdict::Pass => AnsiColor::Green,
        };
        self.paint(Ansi::new().fg_color(Some(colour.into())).bold(), verdict.as_str())
    }

    /// A severity padded to `width` (padding outside the colour, so columns stay aligned).
    fn severity(self, severity: Severity, width: usize) -> String {
        let ansi = match severity {
            Severity::Critical => Ansi::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            Severity::High => Ansi::new().fg_color(Some(AnsiColor::Red.into())),
            Severity::Medium => Ansi::new().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Low => Ansi::new().fg_color(Some(AnsiColor::Cyan.into())),
            Severity::Info => Ansi::new().dimmed(),
        };
        let text = severity.as_str();
        let pad = width.saturating_sub(text.len());
        format!("{}{}", self.paint(ansi, text), " ".repeat(pad))
    }
}

/// Past this many rows per lockfile the table is cut; the JSON report has everything.
const MAX_ROWS: usize = 200;

/// The report without colour.
pub fn render(report: &Report) -> String {
    render_with(report, Style::PLAIN)
}

pub fn render_with(report: &Report, style: Style) -> String {
    let mut out = String::new();
    match report.command {
        Command::Diff => {
            let base = report.base.as_deref().unwrap_or("?");
            let _ = writeln!(out, "lockgate diff: {} -> {}", terminal(base), terminal(&report.head));
        }
        Command::Scan => {
            let _ = writeln!(out, "lockgate scan: {}", terminal(&report.head));
        }
    }

    for lock in &report.lockfiles {
        let rows: Vec<&Package> = report
            .packages
            .iter()
            .filter(|p| p.lockfile == lock.path)
            .filter(|p| report.command == Command::Diff || worth_listing(p))
            .collect();
        let format = match (lock.base_format, &lock.base_path) {
            (Some(b), Some(p)) => format!("{} -> {} (was {})", b, lock.format, terminal(p)),
            (Some(b), None) => format!("{} -> {}", b, lock.format),
            _ => lock.format.to_string(),
        };
        let status = match lock.change {
            ChangeKind::Added => ", new lockfile",
            ChangeKind::Removed => ", deleted",
            _ => "",
        };
        let count = match report.command {
            Command::Diff => {
                plural(report.packages.iter().filter(|p| p.lockfile == lock.path).count(), "change")
            }
            Command::Scan => plural(lock.packages, "package"),
        };
        let _ = writeln!(out, "\n{}  {}  ({}{})", terminal(&lock.path), format, count, status);
        write_rows(&mut out, &rows, style);
    }

    let _ = writeln!(out);
    if report.lockfiles.is_empty() {
        let _ = writeln!(out, "no lockfiles found");
    }
    if report.offline {
        let _ = writeln!(out, "registry signals not evaluated (--offline)");
    }
    // Which signals could not be evaluated, and for how many packages: missing data is never a
    // finding, but the reader must know what was not checked.
    let mut unavailable: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for p in &report.packages {
        for id in &p.unavailable {
            *unavailable.entry(id.as_str()).or_default() += 1;
        }
    }
    if !report.offline && !unavailable.is_empty() {
        let list: Vec<String> = unavailable.iter().map(|(id, n)| format!("{id} ({n})")).collect();
        let _ = writeln!(out, "not evaluated (registry data missing): {}", list.join(", "));
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {}", terminal(note));
    }
    let changed = report.packages.iter().filter(|p| p.change != ChangeKind::Unchanged).count();
    let summary = match report.command {
        Command::Diff => {
            format!("{} in {}", plural(changed, "package change"), plural(report.lockfiles.len(), "lockfile"))
        }
        Command::Scan => format!(
            "{} in {}",
            plural(report.packages.len(), "package"),
            plural(report.lockfiles.len(), "lockfile")
        ),
    };
    let _ = writeln!(out, "verdict: {}  ({})", style.verdict(report.verdict), summary);
    out
}

/// In a scan, thousands of unremarkable packages would bury the few that matter.
fn worth_listing(p: &Package) -> bool {
    !p.findings.is_empty() || p.install_script || p.source != crate::lockfile::Source::Registry
}

fn write_rows(out: &mut String, rows: &[&Package], style: Style) {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .take(MAX_ROWS)
        .map(|p| {
            let mut notes = Vec::new();
            if p.install_script {
                notes.push("install script".to_owned());
            }
            if p.source != crate::lockfile::Source::Registry {
                notes.push(p.source.as_str().to_owned());
            }
            if let Some(alias) = &p.alias {
                notes.push(format!("as {}", terminal(alias)));
            }
            if p.dev {
                notes.push("dev".to_owned());
            }
            [
                p.change.as_str().to_owned(),
                terminal(&p.name).into_owned(),
                p.from.as_deref().map_or("-".into(), |v| terminal(v).into_owned()),
                p.to.as_deref().map_or("-".into(), |v| terminal(v).into_owned()),
                format!(
                    "line {}{}",
                    p.line,
                    if notes.is_empty() { String::new() } else { format!("  [{}]", notes.join(", ")) }
                ),
            ]
        })
        .collect();
    let width = |i: usize| cells.iter().map(|c| c[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    for (c, p) in cells.iter().zip(rows) {
        if p.change == ChangeKind::Unchanged {
            // A scan: one version, nothing changed.
            let _ = writeln!(out, "  {:w1$}  {:w3$}  {}", c[1], c[3], c[4]);
        } else {
            let _ = writeln!(out, "  {:w0$}  {:w1$}  {:>w2$} -> {:w3$}  {}", c[0], c[1], c[2], c[3], c[4]);
        }
        for rule in &p.rules {
            let fail = style.paint(Ansi::new().fg_color(Some(AnsiColor::Red.into())).bold(), "FAIL");
            let _ = writeln!(out, "      {fail} {}: {}", rule.rule, terminal(&rule.message));
        }
        for f in &p.findings {
            let _ = writeln!(
                out,
                "      {} {}: {}",
                style.severity(f.severity, 8),
                f.signal,
                terminal(&f.message)
            );
        }
        for a in &p.allowed {
            let _ = writeln!(out, "      allowed  {} ({})", a.finding.signal, terminal(&a.reason));
        }
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(out, "  ... and {} more (use --format json for all)", rows.len() - MAX_ROWS);
    }
}
