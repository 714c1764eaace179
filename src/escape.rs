//! Making untrusted strings (package names, versions, registry text) safe for each sink.

use std::borrow::Cow;

/// For a terminal: control characters (ESC sequences, carriage returns that overwrite a line,
/// C1 controls) and bidirectional overrides (which can make text read differently from what it
/// is) are shown as visible `\u{..}` escapes instead of being interpreted.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_terminal_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_terminal_escape(c) {
            push_visible(&mut out, "\\", c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// For Markdown prose and table cells in GitHub comments, job summaries and check-run output.
///
/// The result renders as exactly the text given, on one line: HTML and Markdown syntax are
/// escaped, `|` cannot end a table cell, and what GitHub would turn into a notification or a
/// link on its own (`@user`, `@org/team`, `#123`, `GH-1`, bare URLs and e-mail addresses) is
/// broken with an invisible zero-width space. Entities cannot do that last part: GitHub finds
/// mentions and references in the rendered text, where `&#64;` is an `@` again.
pub fn markdown(s: &str) -> String {
    // A backslash escapes itself in Markdown: `\\u{1b}` shows as `\u{1b}`.
    inert_text(s, "\\\\", |c, out| match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        // `#` escaped so a leading one is no heading.
        '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' | '{' | '}' | '+' | '-' | '='
        | '\'' | '$' | '#' => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    })
}

/// For text inside raw HTML (`<summary>`): entities for markup, and the same breaks as
/// [`markdown`] for mentions and references. Callers put untrusted values in `<code>` as well.
pub fn html(s: &str) -> String {
    inert_text(s, "\\", |c, out| match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '|' | '`' | '*' | '_' | '[' | ']' | '~' | '\\' | '\'' => out.push_str(&format!("&#{};", c as u32)),
        c => out.push(c),
    })
}

/// What [`markdown`] and [`html`] share: one line (line breaks and tabs become spaces), control
/// and bidirectional characters as visible escapes (`escape` is the backslash as the sink
/// writes one), and a zero-width space after `@` and `#`, inside `://` and in `w.`, where
/// GitHub would otherwise notify someone, link an issue or autolink a URL (any `w.` is split;
/// it costs nothing). Every other character goes through `markup`.
fn inert_text(s: &str, escape: &str, markup: impl Fn(char, &mut String)) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if needs_terminal_escape(c) => push_visible(&mut out, escape, c),
            '.' if prev.is_some_and(|p| p.eq_ignore_ascii_case(&'w')) => {
                out.push(ZWSP);
                out.push('.');
            }
            c => {
                markup(c, &mut out);
                if c == '@' || c == '#' || c == ':' && chars.peek() == Some(&'/') {
                    out.push(ZWSP);
                }
            }
        }
        prev = Some(c);
    }
    out
}

/// Inline code (`` `name` ``) for a table cell or a sentence: HTML, Markdown, mentions and
/// references are inert inside code, so only the delimiters, `|` (which GitHub's tables split
/// on even inside code) and line breaks need care.
pub fn markdown_code(s: &str) -> String {
    let body = code_text(s, true);
    let fence = "`".repeat(longest_run(&body, '`') + 1);
    // A code span that starts or ends with a backtick (or is only spaces) needs a space of
    // padding, which Markdown strips again.
    let pad = if body.starts_with('`') || body.ends_with('`') || body.trim().is_empty() { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A fenced code block holding `s` verbatim (script bodies, diffs): the fence is longer than
/// any backtick run inside, so nothing can close it early; control characters are shown.
pub fn markdown_block(s: &str, info: &str) -> String {
    let body = code_text(s, false);
    let fence = "`".repeat(longest_run(&body, '`').max(2) + 1);
    let newline = if body.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{info}\n{body}{newline}{fence}\n")
}

/// The text of a code span (`inline`: one line, `|` escaped for tables) or a code block (line
/// breaks and tabs kept): control characters shown, and no HTML comment opener. One is inert in
/// code, but a bot looking for its hidden marker by substring would still find it: markers stay
/// out of untrusted text entirely.
fn code_text(s: &str, inline: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\t' if !inline => out.push(c),
            '\n' | '\r' | '\t' if inline => out.push(' '),
            '|' if inline => out.push_str("\\|"),
            c if needs_terminal_escape(c) => push_visible(&mut out, "\\", c),
            c => out.push(c),
        }
    }
    out.replace("<!--", "<\u{200B}!--")
}

/// `c` as `\u{..}`, with the backslash written as the sink needs it.
fn push_visible(out: &mut String, backslash: &str, c: char) {
    out.push_str(&format!("{backslash}u{{{:x}}}", c as u32));
}

const ZWSP: char = '\u{200B}';

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Cut `s` to at most `max` characters, marking the cut, so one hostile string cannot take a
/// whole report's budget.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((at, _)) => Cow::Owned(format!("{}… ({} more characters)", &s[..at], s[at..].chars().count())),
    }
}

/// Control characters (C0, DEL, C1) and the bidirectional marks and overrides: what no sink
/// should receive raw from untrusted text.
pub(crate) fn needs_terminal_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// For the data part of a GitHub workflow command (`::error file=x::DATA`): the runner decodes
/// `%25`, `%0D` and `%0A`, so escaping these keeps the whole message on one line, where it
/// cannot start a command of its own.
pub fn workflow_data(s: &str) -> String {
    percent_encode(s, &['%', '\r', '\n'])
}

/// For a property value of a workflow command (`file=`, `title=`): as [`workflow_data`], plus
/// `:` and `,`, which would end the value.
pub fn workflow_property(s: &str) -> String {
    percent_encode(s, &['%', '\r', '\n', ':', ','])
}

fn percent_encode(s: &str, special: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if special.contains(&c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A repository path in a URL (`blob/SHA/{path}`, SARIF `artifactLocation.uri`): `/` stays,
/// everything outside the unreserved set is percent-encoded, so a file name cannot end the URL
/// or add to it.
pub fn url_path(path: &str) -> String {
    url_encode(path, b"-._~/")
}

/// One URL path segment or query value: as [`url_path`], with `/` encoded too.
pub fn url_segment(s: &str) -> String {
    url_encode(s, b"-._~")
}

fn url_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// For one line of free text in a GitHub Actions log (stdout or stderr, which the runner both
/// reads for commands): the runner trims leading whitespace and treats a line that then starts
/// with `::` as a command, and the legacy syntax `##[command]` anywhere. Line breaks become
/// visible `\n` so untrusted text can never begin a line; a line that would still start with
/// `::` gets a `| ` prefix, and `##[` becomes `#\#[`.
pub fn log_line(s: &str) -> String {
    let one_line = s.replace('\r', "\\r").replace('\n', "\\n");
    let mut out = one_line.replace("##[", "#\\#[");
    if out.trim_start().starts_with("::") {
        out.insert_str(0, "| ");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_escapes() {
        assert_eq!(workflow_data("a%b\r\n::error::x"), "a%25b%0D%0A::error::x");
        assert_eq!(workflow_data("%0A"), "%250A");
        assert_eq!(workflow_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        assert_eq!(workflow_property("package-lock.json"), "package-lock.json");
    }

    #[test]
    fn log_lines_never_start_a_command() {
        for hostile in
            ["::add-mask::x", "  ::error::x", "a\n::error::pwned", "x\r\n ::stop-commands::t", "##[error]x"]
        {
            let line = log_line(hostile);
            assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
            assert!(!line.trim_start().starts_with("::"), "{line}");
            assert!(!line.contains("##["), "{line}");
        }
        assert_eq!(log_line("plain text"), "plain text");
    }

    #[test]
    fn terminal_escapes() {
        assert_eq!(terminal("left-pad"), "left-pad");
        assert_eq!(terminal("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(terminal("x\ry"), "x\\u{d}y");
        assert_eq!(terminal("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(terminal("\u{9b}2J"), "\\u{9b}2J");
    }

    #[test]
    fn markdown_prose_is_inert() {
        assert_eq!(markdown("axios 1.14.1"), "axios 1.14.1");
        assert_eq!(markdown("<img src=x onerror=alert(1)>"), "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;");
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("@org/team"), "@\u{200B}org/team");
        assert_eq!(markdown("fixes #123"), "fixes \\#\u{200B}123");
        assert_eq!(markdown("[x](javascript:alert(1))"), "\\[x\\]\\(javascript:alert\\(1\\)\\)");
        assert_eq!(markdown("https://evil.example"), "https:\u{200B}//evil.example");
        assert_eq!(markdown("www.evil.example"), "www\u{200B}.evil.example");
        assert_eq!(markdown("a\n::error::x"), "a ::error::x");
        assert_eq!(markdown("\x1b[31m"), "\\\\u{1b}\\[31m");
    }

    #[test]
    fn markdown_code_spans_hold() {
        assert_eq!(markdown_code("left-pad"), "`left-pad`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(markdown_code("a|b\nc"), "`a\\|b c`");
        assert_eq!(markdown_code(""), "`  `");
    }

    #[test]
    fn markdown_blocks_cannot_be_closed_from_inside() {
        let block = markdown_block("echo ```\n</details>", "sh");
        assert!(block.starts_with("````sh\n"));
        assert!(block.ends_with("\n````\n"));
        assert_eq!(markdown_block("a", ""), "```\na\n```\n");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcdef", 3), "abc… (3 more characters)");
        assert_eq!(truncate("ééé", 1), "é… (2 more characters)");
    }
}
