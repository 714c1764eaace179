//! `--format markdown`: the pull request comment and the job summary.
//!
//! Written for a reviewer with ten seconds: the first line is the verdict and one sentence
//! naming the package that blocks the merge and why; then one table row per package that
//! matters (failures first) with a link to its lockfile line; then, folded, the evidence per
//! package (publishers, provenance, publish times, install scripts and dependencies before and
//! after, why the package is here) and the exact allow entry that would accept it.
//!
//! Every string from a lockfile or the registry goes through [`crate::escape`]: prose with
//! [`escape::markdown`], names and versions as code spans, scripts and diffs as fenced blocks,
//! so none of it can become markup, a link, a mention or an issue reference. Output is
//! deterministic (same report, same bytes) and never longer than [`Options::max_chars`]: past
//! the budget, packages are counted instead of shown and the reader is told where the full
//! report is.

use super::{Command, Package, Report, Verdict, plural};
use crate::context::{Context, Release};
use crate::diff::ChangeKind;
use crate::escape::{self, markdown as md, markdown_block, markdown_code as code};
use crate::signals::{self, Detail, Finding, ScriptChange, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Clone)]
pub struct Options {
    /// `https://github.com/OWNER/REPO/blob/SHA`: lockfile lines link to `{blob_base}/{path}#L{line}`.
    pub blob_base: Option<String>,
    /// Hard cap on the output's size, in bytes (so also in characters).
    pub max_chars: usize,
    /// Where the complete report is, named when something had to be left out.
    pub full_report: Option<String>,
}

impl Options {
    /// For a pull request comment: GitHub refuses bodies over 65,536 characters; the margin is
    /// for the marker and what the caller wraps around the report.
    pub fn comment() -> Options {
        Options { blob_base: None, max_chars: 60_000, full_report: None }
    }

    /// For the job summary (GitHub's limit is 1 MiB per step).
    pub fn summary() -> Options {
        Options { blob_base: None, max_chars: 900_000, full_report: None }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::summary()
    }
}

/// Longest script text or message shown; the JSON report has them whole.
const MAX_TEXT: usize = 2_000;
/// Longest name or version shown.
const MAX_NAME: usize = 214;
/// Diff lines shown per diff.
const MAX_DIFF_LINES: usize = 80;

pub fn render(report: &Report, opts: &Options) -> String {
    let listed = listed(report);
    let mut out = String::new();
    headline(&mut out, report, &listed);
    subtitle(&mut out, report);

    // Room for the footer and the "left out" note, whatever happens.
    let budget = opts.max_chars.saturating_sub(1_500);
    let mut omitted_rows = 0;
    let mut omitted_details = 0;

    if !listed.is_empty() {
        out.push_str("\n| | Package | Version | Signals | Lockfile |\n|---|---|---|---|---|\n");
        // Rows take at most half of the budget; the evidence gets the rest.
        let row_budget = budget / 2;
        for p in &listed {
            let row = table_row(p, opts);
            if out.len() + row.len() > row_budget {
                omitted_rows += 1;
                continue;
            }
            out.push_str(&row);
        }
    }
    out.push('\n');
    counts(&mut out, report, &listed);

    for p in &listed {
        let section = details(p, report, opts);
        if out.len() + section.len() > budget {
            omitted_details += 1;
            continue;
        }
        out.push_str(&section);
    }

    if omitted_rows > 0 || omitted_details > 0 {
        let where_ = opts
            .full_report
            .as_deref()
            .map(md)
            .unwrap_or_else(|| "run `lockgate` with `--format json`".to_owned());
        let _ = writeln!(
            out,
            "\n> [!NOTE]\n> This comment is cut to fit: {} not in the table, {} without details. \
             The full report: {where_}.",
            plural(omitted_rows, "package"),
            plural(omitted_details, "package")
        );
    }
    footer(&mut out, report);
    debug_assert!(out.len() <= opts.max_chars || opts.max_chars < 2_000);
    if out.len() > opts.max_chars {
        // Only reachable with a budget too small for the fixed parts; never exceed it.
        let mut cut = opts.max_chars;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// The packages worth a row: those the policy fails or warns about, or with a finding above
/// `info`; failures first, then by score.
fn listed(report: &Report) -> Vec<&Package> {
    let mut out: Vec<&Package> = report
        .packages
        .iter()
        .filter(|p| p.verdict != Verdict::Pass || p.findings.iter().any(|f| f.severity > Severity::Info))
        .collect();
    out.sort_by(|a, b| {
        b.verdict.cmp(&a.verdict).then(b.score.cmp(&a.score)).then(a.name.cmp(&b.name)).then(a.to.cmp(&b.to))
    });
    out
}

fn headline(out: &mut String, report: &Report, listed: &[&Package]) {
    let (icon, word) = match report.verdict {
        Verdict::Fail => ("❌", "fail"),
        Verdict::Warn => ("⚠️", "warn"),
        Verdict::Pass => ("✅", "pass"),
    };
    // The packages that carry the verdict: the failing ones for a fail, the warning ones for a warn.
    let culprits: Vec<&&Package> = listed.iter().filter(|p| p.verdict == report.verdict).collect();
    let judged = report.packages.iter().filter(|p| p.change != ChangeKind::Removed).count();
    let count = |one: &str, many: &str| match culprits.len() {
        1 => format!("1 package {one}"),
        n => format!("{n} packages {many}"),
    };
    let sentence = match report.verdict {
        Verdict::Fail => format!("{} this merge: {}", count("blocks", "block"), why_sentence(&culprits)),
        Verdict::Warn => {
            format!("{} a look before merging: {}", count("needs", "need"), why_sentence(&culprits))
        }
        Verdict::Pass => match report.command {
            Command::Diff if judged == 0 => "no package was added or changed.".to_owned(),
            Command::Diff => format!("nothing risky in {}.", plural(judged, "added or changed package")),
            Command::Scan => format!("nothing risky in {}.", plural(judged, "locked package")),
        },
    };
    let _ = writeln!(out, "### {icon} lockgate: {word}\n\n{sentence}");
}

/// "axios 1.14.1 was published by a new account, lost its provenance and adds a dependency
/// from a stranger; and 2 more".
fn why_sentence(packages: &[&&Package]) -> String {
    let Some(first) = packages.first() else { return String::new() };
    let reasons: Vec<String> =
        first.findings.iter().filter(|f| f.severity >= Severity::Medium).take(3).map(phrase).collect();
    let reasons = if reasons.is_empty() {
        first.rules.first().map(|r| md(&escape::truncate(&r.message, 200))).unwrap_or_default()
    } else {
        join_and(&reasons)
    };
    let mut s = format!("{} {}", code(&escape::truncate(&first.name, MAX_NAME)), version_code(first));
    if !reasons.is_empty() {
        s.push(' ');
        s.push_str(&reasons);
    }
    match packages.len() {
        1 => s.push('.'),
        2 => s.push_str("; and 1 more package."),
        n => {
            let _ = write!(s, "; and {} more packages.", n - 1);
        }
    }
    s
}

/// A verb phrase for a finding, completing "axios 1.14.1 ...".
fn phrase(f: &Finding) -> String {
    match (f.signal, f.detail) {
        ("install-script", Detail::InstallScript(ScriptChange::Added)) => "adds an install script".into(),
        ("install-script", Detail::InstallScript(ScriptChange::Changed)) => {
            "changes its install script".into()
        }
        ("install-script", _) => "runs an install script".into(),
        ("dependency-added", Detail::DependencyAdded { stranger: true }) => {
            "adds a dependency from a stranger".into()
        }
        ("dependency-added", _) => "adds a dependency".into(),
        ("recent-release", Detail::RecentRelease { age_hours }) => {
            format!("was published {} ago", signals::describe_age(age_hours))
        }
        ("integrity-mismatch", _) => "does not match the registry's checksum".into(),
        ("unpublished", _) => "is no longer on the registry".into(),
        ("new-publisher", _) => "was published by a new account".into(),
        ("maintainers-changed", _) => "changed maintainers".into(),
        ("provenance-regression", _) => "lost the provenance earlier releases had".into(),
        ("new-package", _) => "is a brand-new package".into(),
        ("typosquat", _) => "has a name that imitates a popular package".into(),
        ("untrusted-source", _) => "comes from outside the registry".into(),
        ("deprecated", _) => "is deprecated".into(),
        ("no-provenance", _) => "has no provenance".into(),
        (other, _) => format!("has a {other} finding"),
    }
}

/// The short label of a finding in the table.
fn label(f: &Finding) -> String {
    match (f.signal, f.detail) {
        ("install-script", Detail::InstallScript(change)) => format!("install script ({})", change.as_str()),
        ("dependency-added", Detail::DependencyAdded { stranger: true }) => {
            "new dependency (stranger)".into()
        }
        ("recent-release", Detail::RecentRelease { age_hours }) => {
            format!("fresh release ({})", signals::describe_age(age_hours))
        }
        ("provenance-regression", _) => "provenance lost".into(),
        (id, _) => id.replace('-', " "),
    }
}

fn subtitle(out: &mut String, report: &Report) {
    let mut parts = Vec::new();
    match report.command {
        Command::Diff => parts.push(format!(
            "{} → {}",
            code(&escape::truncate(report.base.as_deref().unwrap_or("?"), 80)),
            code(&escape::truncate(&report.head, 80))
        )),
        Command::Scan => parts.push(format!("scan of {}", code(&escape::truncate(&report.head, 80)))),
    }
    let locks: Vec<String> = report.lockfiles.iter().map(|l| code(&escape::truncate(&l.path, 200))).collect();
    if !locks.is_empty() {
        parts.push(locks.join(", "));
    }
    match &report.registry {
        Some(r) => parts.push(format!("registry {}", code(&escape::truncate(r, 200)))),
        None => parts.push("offline: registry signals not evaluated".into()),
    }
    parts.push(format!("policy: {}", md(&escape::truncate(&report.config, 200))));
    let _ = writeln!(out, "\n<sub>{}</sub>", parts.join(" · "));
}

fn version_code(p: &Package) -> String {
    let v = |s: &str| code(&escape::truncate(s, MAX_NAME));
    match (&p.from, &p.to, p.change) {
        (Some(from), Some(to), ChangeKind::Updated) => format!("{} → {}", v(from), v(to)),
        (_, Some(to), ChangeKind::Added) => format!("{} (new)", v(to)),
        (Some(from), None, _) => format!("{} (removed)", v(from)),
        (_, Some(to), _) => v(to),
        (None, None, _) => "?".into(),
    }
}

fn table_row(p: &Package, opts: &Options) -> String {
    let icon = match p.verdict {
        Verdict::Fail => "❌",
        Verdict::Warn => "⚠️",
        Verdict::Pass => "ℹ️",
    };
    let labels: Vec<String> =
        p.findings.iter().filter(|f| f.severity > Severity::Info).map(|f| md(&label(f))).collect();
    let mut name = code(&escape::truncate(&p.name, MAX_NAME));
    if let Some(alias) = &p.alias {
        let _ = write!(name, " as {}", code(&escape::truncate(alias, MAX_NAME)));
    }
    format!("| {icon} | {name} | {} | {} | {} |\n", version_code(p), labels.join(", "), location(p, opts))
}

/// `[package-lock.json:123](…/blob/SHA/package-lock.json#L123)`, or the plain location.
fn location(p: &Package, opts: &Options) -> String {
    let text = md(&format!("{}:{}", escape::truncate(&p.lockfile, 200), p.line));
    match &opts.blob_base {
        Some(base) if p.change != ChangeKind::Removed => {
            format!("[{text}]({}/{}#L{})", base.trim_end_matches('/'), escape::url_path(&p.lockfile), p.line)
        }
        _ => text,
    }
}

fn counts(out: &mut String, report: &Report, listed: &[&Package]) {
    let judged = report.packages.iter().filter(|p| p.change != ChangeKind::Removed).count();
    let removed = report.packages.len() - judged;
    let quiet = judged.saturating_sub(listed.len());
    let mut parts = Vec::new();
    if !listed.is_empty() && quiet > 0 {
        parts.push(format!(
            "{} {} no findings",
            plural(quiet, if report.command == Command::Scan { "other package" } else { "other change" }),
            if quiet == 1 { "has" } else { "have" }
        ));
    }
    if removed > 0 {
        parts.push(format!("{} removed", plural(removed, "package")));
    }
    let mut unavailable: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &report.packages {
        for id in &p.unavailable {
            *unavailable.entry(id.as_str()).or_default() += 1;
        }
    }
    if !report.offline && !unavailable.is_empty() {
        let list: Vec<String> = unavailable.iter().map(|(id, n)| format!("{} ({n})", code(id))).collect();
        parts.push(format!("not evaluated for lack of registry data: {}", list.join(", ")));
    }
    if !parts.is_empty() {
        let _ = writeln!(out, "{}.", capitalise(&parts.join("; ")));
    }
    for note in &report.notes {
        let _ = writeln!(out, "\n> [!WARNING]\n> {}", md(&escape::truncate(note, MAX_TEXT)));
    }
}

fn details(p: &Package, report: &Report, opts: &Options) -> String {
    let mut s = String::new();
    let verdict = match p.verdict {
        Verdict::Fail => "❌ fails",
        Verdict::Warn => "⚠️ warns",
        Verdict::Pass => "ℹ️ passes",
    };
    let html_version = match (&p.from, &p.to) {
        (Some(from), Some(to)) if p.change == ChangeKind::Updated => {
            format!("<code>{}</code> → <code>{}</code>", html(from), html(to))
        }
        (_, Some(to)) => format!("<code>{}</code>", html(to)),
        (Some(from), None) => format!("<code>{}</code> (removed)", html(from)),
        (None, None) => String::new(),
    };
    let _ = write!(
        s,
        "\n<details><summary>{verdict}: <code>{}</code> {html_version} (score {})</summary>\n\n",
        html(&p.name),
        p.score
    );

    if !p.rules.is_empty() {
        s.push_str("**Why this verdict**\n");
        for r in &p.rules {
            let _ = writeln!(s, "- {}: {}", code(r.rule), md(&escape::truncate(&r.message, MAX_TEXT)));
        }
        s.push('\n');
    }
    s.push_str("**Findings**\n");
    for f in &p.findings {
        let _ = writeln!(
            s,
            "- **{}** [{}]({}): {}",
            f.severity,
            f.signal,
            f.docs_url,
            md(&escape::truncate(&f.message, MAX_TEXT))
        );
    }
    for a in &p.allowed {
        let _ = writeln!(
            s,
            "- accepted by the policy entry for {}: [{}]({}) ({})",
            code(&escape::truncate(&a.package, MAX_NAME)),
            a.finding.signal,
            a.finding.docs_url,
            md(&escape::truncate(&a.reason, MAX_TEXT))
        );
    }
    if p.findings.is_empty() && p.allowed.is_empty() {
        s.push_str("- none\n");
    }

    if let Some(ctx) = &p.context {
        context_table(&mut s, p, ctx);
        script_diff(&mut s, ctx);
        dependency_diff(&mut s, ctx);
    }
    if !p.dependency_path.is_empty() {
        let chain: Vec<String> =
            p.dependency_path.iter().map(|n| code(&escape::truncate(n, MAX_NAME))).collect();
        let _ = writeln!(s, "\n**Why it is here:** {}", chain.join(" ← "));
    }
    if !p.unavailable_reasons.is_empty() {
        s.push_str("\n**Not evaluated**\n");
        for u in &p.unavailable_reasons {
            let _ = writeln!(s, "- {}: {}", code(u.signal), md(&escape::truncate(&u.reason, MAX_TEXT)));
        }
    }
    if p.verdict != Verdict::Pass {
        allow_entry(&mut s, p, report);
    }
    let _ = opts;
    s.push_str("\n</details>\n");
    s
}

fn context_table(s: &mut String, p: &Package, ctx: &Context) {
    let old_head = match &ctx.previous {
        Some(v) => code(&escape::truncate(v, MAX_NAME)),
        None => "previous".into(),
    };
    let new_head = code(&escape::truncate(p.to.as_deref().unwrap_or("?"), MAX_NAME));
    let _ = write!(s, "\n| | {old_head} | {new_head} |\n|---|---|---|\n");
    let old = ctx.old.as_ref();
    let row = |s: &mut String, what: &str, f: &dyn Fn(&Release) -> String| {
        let before = match (old, &ctx.previous) {
            (Some(r), _) => f(r),
            (None, Some(_)) => "not on the registry".into(),
            (None, None) => "first release".into(),
        };
        let _ = writeln!(s, "| {what} | {before} | {} |", f(&ctx.new));
    };
    row(s, "Published by", &|r| match &r.publisher {
        Some(who) => md(&escape::truncate(who, MAX_NAME)),
        None => "unknown (the registry does not say)".into(),
    });
    row(s, "Provenance", &|r| match r.trust {
        None => "unknown (the registry does not say)".into(),
        Some(t) => {
            let mut has = Vec::new();
            if t.trusted_publisher {
                has.push("trusted publishing");
            }
            if t.provenance {
                has.push("provenance attestation");
            }
            if t.approver {
                has.push("approved publish");
            }
            if has.is_empty() { "**none**".into() } else { has.join(", ") }
        }
    });
    row(s, "Published", &|r| match (&r.published, r.age_hours) {
        (Some(at), Some(h)) => format!("{} ({} ago)", md(at), signals::describe_age(h.max(0))),
        _ => "unknown".into(),
    });
    row(s, "Install scripts", &|r| {
        if r.install_scripts.is_empty() {
            "none".into()
        } else {
            r.install_scripts.keys().map(|k| code(&escape::truncate(k, 40))).collect::<Vec<_>>().join(", ")
        }
    });
    row(s, "Dependencies", &|r| r.dependencies.len().to_string());
}

fn script_diff(s: &mut String, ctx: &Context) {
    let text = |r: &Release| -> String {
        r.install_scripts.iter().map(|(k, v)| format!("{k}: {}\n", escape::truncate(v, MAX_TEXT))).collect()
    };
    let new = text(&ctx.new);
    let old = ctx.old.as_ref().map(text).unwrap_or_default();
    if new == old || new.is_empty() && ctx.old.is_none() {
        return;
    }
    if old.is_empty() {
        s.push_str("\n**Install scripts** (new in this version)\n");
        s.push_str(&markdown_block(&new, "sh"));
    } else {
        s.push_str("\n**Install scripts, changed**\n");
        s.push_str(&markdown_block(&unified(&old, &new), "diff"));
    }
}

fn dependency_diff(s: &mut String, ctx: &Context) {
    let Some(old) = &ctx.old else { return };
    if old.dependencies == ctx.new.dependencies {
        return;
    }
    let text = |deps: &BTreeMap<String, String>| -> String {
        deps.iter()
            .map(|(k, v)| format!("{}@{}\n", escape::truncate(k, MAX_NAME), escape::truncate(v, MAX_NAME)))
            .collect()
    };
    s.push_str("\n**Dependencies, changed**\n");
    s.push_str(&markdown_block(&unified(&text(&old.dependencies), &text(&ctx.new.dependencies)), "diff"));
}

/// A unified diff with its hunks only (no file header), cut at [`MAX_DIFF_LINES`].
fn unified(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff.unified_diff().context_radius(3).to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut out: String = lines.iter().take(MAX_DIFF_LINES).map(|l| format!("{l}\n")).collect();
    if lines.len() > MAX_DIFF_LINES {
        let _ = writeln!(out, "… {} more lines", lines.len() - MAX_DIFF_LINES);
    }
    out
}

/// The `.github/lockgate.yml` entry that would accept exactly these findings, valid YAML as
/// is: the reason is a placeholder to replace and the expiry thirty days from the run.
fn allow_entry(s: &mut String, p: &Package, report: &Report) {
    let signals: Vec<&str> =
        p.findings.iter().filter(|f| f.severity > Severity::Info).map(|f| f.signal).collect();
    if signals.is_empty() {
        return;
    }
    let expires = report
        .now
        .parse::<jiff::Timestamp>()
        .ok()
        .and_then(|t| t.checked_add(jiff::SignedDuration::from_hours(24 * 30)).ok())
        .map(|t| crate::policy::utc_date(t).to_string())
        .unwrap_or_else(|| "2099-12-31".into());
    // JSON strings are valid YAML double-quoted scalars: a hostile name cannot break the entry.
    let name = serde_json::to_string(&p.name).unwrap_or_default();
    let version = p.to.as_deref().unwrap_or("?");
    let yaml = format!(
        "allow:\n  - package: {name}\n    signals: [{}]\n    reason: {}\n    expires: {expires}  # the last day this exception applies\n",
        signals.join(", "),
        serde_json::to_string(&format!(
            "TODO: why {version} is trusted (link the maintainers' announcement)"
        ))
        .unwrap_or_default()
    );
    s.push_str("\n**To accept it**, after checking the evidence, add to `.github/lockgate.yml` on the base branch:\n");
    s.push_str(&markdown_block(&yaml, "yaml"));
}

fn footer(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "\n<sub>lockgate {} · {} · checked at {} · [what the signals mean]({})</sub>",
        env!("CARGO_PKG_VERSION"),
        plural(report.packages.len(), "package"),
        md(&report.now),
        signals::DOCS_BASE
    );
}

fn html(s: &str) -> String {
    escape::html(&escape::truncate(s, MAX_NAME))
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
