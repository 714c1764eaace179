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
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_terminal_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// For the data part of a GitHub workflow command (`::error file=x::DATA`): the runner decodes
/// `%25`, `%0D` and `%0A`, so escaping these keeps the whole message on one line, where it
/// cannot start a command of its own.
pub fn workflow_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// For a property value of a workflow command (`file=`, `title=`): as [`workflow_data`], plus
/// `:` and `,`, which would end the value.
pub fn workflow_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
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
}
