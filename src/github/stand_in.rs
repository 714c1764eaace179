//! STAND-IN until report::markdown lands: the lead's `report::markdown::render(&Report,
//! &Options)` replaces this whole file (same signature, same Options fields). It produces a
//! short, honest table with every untrusted string escaped.

use crate::report::{Report, Verdict};
use std::fmt::Write;

/// STAND-IN until report::markdown lands (the contract's `markdown::Options`).
pub struct Options {
    pub blob_base: Option<String>,
    pub max_chars: usize,
    pub full_report: Option<String>,
}

impl Options {
    pub fn comment() -> Options {
        Options { blob_base: None, max_chars: 60_000, full_report: None }
    }
    pub fn summary() -> Options {
        Options { blob_base: None, max_chars: 900_000, full_report: None }
    }
}

/// STAND-IN until report::markdown lands.
pub fn render(report: &Report, opts: &Options) -> String {
    let mut out = String::new();
    let icon = match report.verdict {
        Verdict::Pass => "✅",
        Verdict::Warn => "⚠️",
        Verdict::Fail => "❌",
    };
    let _ = writeln!(out, "### {icon} lockgate: {}\n", report.verdict.as_str());
    let listed: Vec<_> = report.packages.iter().filter(|p| p.verdict != Verdict::Pass).collect();
    if listed.is_empty() {
        let _ = writeln!(out, "No package change needs attention ({} checked).", report.packages.len());
        return out;
    }
    let _ = writeln!(out, "| verdict | package | version | lockfile | findings |\n|---|---|---|---|---|");
    let footer_room = 400;
    let mut shown = 0;
    for p in &listed {
        let version = match (&p.from, &p.to) {
            (Some(f), Some(t)) if f != t => format!("{} → {}", code(f), code(t)),
            (_, Some(t)) => code(t),
            (Some(f), None) => format!("{} → removed", code(f)),
            (None, None) => String::new(),
        };
        let place = match &opts.blob_base {
            Some(base) => format!("[{}]({}/{}#L{})", code(&p.lockfile), base, url_path(&p.lockfile), p.line),
            None => format!("{} line {}", code(&p.lockfile), p.line),
        };
        let findings: Vec<String> = p
            .rules
            .iter()
            .map(|r| format!("**{}**: {}", r.rule, code(&r.message)))
            .chain(
                p.findings
                    .iter()
                    .map(|f| format!("{} {}: {}", f.severity.as_str(), f.signal, code(&f.message))),
            )
            .collect();
        let row = format!(
            "| {} | {} | {} | {} | {} |\n",
            p.verdict.as_str(),
            code(&p.name),
            version,
            place,
            findings.join("<br>")
        );
        if out.len() + row.len() + footer_room > opts.max_chars {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    if shown < listed.len() {
        let _ = writeln!(
            out,
            "\n{} more not shown here{}.",
            listed.len() - shown,
            opts.full_report.as_deref().map(|w| format!("; the full report is in {w}")).unwrap_or_default()
        );
    }
    out
}

/// Untrusted text as an inline code span: no Markdown, HTML, mention or issue link inside one
/// renders. A backtick cannot be escaped in a span, so it becomes `'`; `|` would end the table
/// cell even inside a span in GFM, so it is escaped; line breaks would end the row.
fn code(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .take(500)
        .map(|c| match c {
            '`' => '\'',
            '\n' | '\r' => ' ',
            c if c.is_control() => '�',
            c => c,
        })
        .collect();
    format!("`{}`", cleaned.replace('|', "\\|"))
}

fn url_path(p: &str) -> String {
    p.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// STAND-IN until escape::markdown lands: prose that may quote an error message from GitHub or
/// the file system, made inert (no HTML, mentions, issue links, emphasis or links).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' | '#' => {
                out.push(c);
                out.push('\u{2060}');
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_code_are_inert() {
        let t = text("<img src=x> @org/team #123 [x](y) `c`\n::x");
        assert!(!t.contains('<') && !t.contains("@o") && !t.contains("#1") && !t.contains('\n'), "{t}");
        assert_eq!(code("a|b`c\nd"), "`a\\|b'c d`");
    }
}
