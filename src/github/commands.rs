//! What the runner reads from the job itself: workflow commands on stdout (annotations, when
//! the API cannot take them), `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`.

use crate::escape::{workflow_data, workflow_property};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One `::error file=..,line=..,title=..::message` line. Every part is escaped, so untrusted
/// text cannot end the command or start another line. The legacy `##[command]` syntax, which
/// old runners looked for anywhere in a line, is broken up with a zero-width space too.
pub fn annotation(
    level: Level,
    file: Option<&str>,
    line: Option<u32>,
    title: Option<&str>,
    message: &str,
) -> String {
    let defuse = |s: &str| s.replace("##[", "##\u{200B}[");
    let (title, message) = (title.map(defuse), defuse(message));
    let title = title.as_deref();
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", workflow_property(f)));
    }
    if let Some(l) = line {
        props.push(format!("line={l}"));
    }
    if let Some(t) = title {
        props.push(format!("title={}", workflow_property(t)));
    }
    let props = if props.is_empty() { String::new() } else { format!(" {}", props.join(",")) };
    format!("::{}{}::{}", level.command(), props, workflow_data(&message))
}

/// Print lines to stdout in one write (a closed stdout is not worth failing the verdict for).
pub fn print(lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let mut text = lines.join("\n");
    text.push('\n');
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `name<<DELIM` ... `DELIM` entries for `GITHUB_OUTPUT`: the multiline-safe form, with a
/// delimiter that occurs in no value.
pub fn outputs_text(values: &[(&str, String)]) -> String {
    let mut seed = random_u64();
    let delimiter = loop {
        let d = format!("ghadelimiter_{seed:016x}");
        if values.iter().all(|(k, v)| !v.contains(&d) && !k.contains(&d)) {
            break d;
        }
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    };
    let mut out = String::new();
    for (name, value) in values {
        out.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    out
}

/// Unpredictable enough for a delimiter: std's hasher keys are random per process.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// Append to a file the runner gave us (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`).
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(files) = PREOPENED.get() {
        let mut files = files.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, f)) = files.iter_mut().find(|(p, _)| p == path) {
            return f.write_all(text.as_bytes());
        }
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(text.as_bytes())
}

/// Files opened for appending before the process gave up root (see `privileges`), used by
/// [`append`] for the same path.
static PREOPENED: std::sync::OnceLock<std::sync::Mutex<Vec<(std::path::PathBuf, std::fs::File)>>> =
    std::sync::OnceLock::new();

/// Open `path` for appending now, for later [`append`]s to it.
pub fn preopen(path: &Path) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    let files = PREOPENED.get_or_init(Default::default);
    files.lock().unwrap_or_else(|e| e.into_inner()).push((path.to_path_buf(), f));
    Ok(())
}

/// A stderr writer for log lines in action mode: tracing writes each event through a fresh
/// writer, so one writer's bytes are one event; it goes out as one line made safe by
/// [`crate::escape::log_line`] (no untrusted text can start a workflow command).
#[derive(Default)]
pub struct SafeLog {
    buf: Vec<u8>,
}

impl Write for SafeLog {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SafeLog {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let line = crate::escape::log_line(text.strip_suffix('\n').unwrap_or(&text));
        let _ = std::io::stderr().lock().write_all(format!("{line}\n").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_one_escaped_line() {
        let line = annotation(
            Level::Error,
            Some("a,b:c.json"),
            Some(12),
            Some("evil\n::add-mask::x"),
            "1.0.0\n::error::pwned %0A",
        );
        assert_eq!(
            line,
            "::error file=a%2Cb%3Ac.json,line=12,title=evil%0A%3A%3Aadd-mask%3A%3Ax::1.0.0%0A::error::pwned %250A"
        );
        assert!(!line.contains('\n'));
        assert_eq!(annotation(Level::Notice, None, None, None, "hi"), "::notice::hi");
        assert!(!annotation(Level::Notice, None, None, Some("##[error]"), "##[error]x").contains("##["));
        assert!(!annotation(Level::Notice, None, None, Some("##[error]"), "##[error]x").contains("##["));
    }

    #[test]
    fn outputs_use_a_fresh_delimiter() {
        let text = outputs_text(&[("verdict", "fail".into()), ("report", "/tmp/a b\nc".into())]);
        let first = text.lines().next().unwrap();
        let delim = first.strip_prefix("verdict<<").unwrap();
        assert!(delim.starts_with("ghadelimiter_") && delim.len() > 20);
        assert_eq!(text, format!("verdict<<{delim}\nfail\n{delim}\nreport<<{delim}\n/tmp/a b\nc\n{delim}\n"));
    }
}
