//! `--format text` colour: on for a terminal, off for pipes, files and NO_COLOR; colour codes
//! only wrap lockgate's own words.

mod common;
#[path = "common/reports.rs"]
mod reports;

use common::{GitRepo, lockgate_env};
use lockgate::report::Verdict;
use lockgate::report::text::{self, Style};

/// Remove ANSI SGR sequences (ESC [ ... m), the only ones the renderer writes.
fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn colour_marks_verdicts_and_severities_only() {
    let reports = reports::regression_reports();
    let mut seen = [false; 3];
    for (case, report) in &reports {
        let plain = text::render_with(report, Style::PLAIN);
        let coloured = text::render_with(report, Style { colour: true });
        assert_eq!(plain, text::render(report), "{case}: render() is the plain style");
        assert!(!plain.contains('\x1b'), "{case}: colour off means no escape at all");
        assert_eq!(strip_sgr(&coloured), plain, "{case}: colour changes nothing but colour");
        let last = coloured.lines().last().unwrap();
        let (code, index) = match report.verdict {
            Verdict::Fail => ("\x1b[1m\x1b[31mfail\x1b[0m", 0),
            Verdict::Warn => ("\x1b[1m\x1b[33mwarn\x1b[0m", 1),
            Verdict::Pass => ("\x1b[1m\x1b[32mpass\x1b[0m", 2),
        };
        assert!(last.starts_with(&format!("verdict: {code}")), "{case}: {last:?}");
        seen[index] = true;
        if report.verdict == Verdict::Fail {
            assert!(coloured.contains("\x1b[31mhigh\x1b[0m") || coloured.contains("\x1b[1m\x1b[31mcritical"));
        }
    }
    assert_eq!(seen, [true, true, true], "the cases cover fail, warn and pass");
    let (_, axios) = reports.iter().find(|(c, _)| c == "axios-1.14.1").unwrap();
    insta::assert_snapshot!("text-axios-colour", text::render_with(axios, Style { colour: true }));
    insta::assert_snapshot!("text-axios-plain", text::render_with(axios, Style::PLAIN));
}

const LOCK: &str = r#"{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "name": "app", "version": "1.0.0", "dependencies": { "evil": "github:attacker/evil" } },
    "node_modules/evil": {
      "version": "1.0.0",
      "resolved": "git+ssh://git@github.com/attacker/evil.git#0123456789abcdef0123456789abcdef01234567"
    }
  }
}
"#;

#[test]
fn the_binary_colours_only_a_terminal() {
    let repo = GitRepo::new();
    repo.write("package-lock.json", LOCK.as_bytes());
    repo.commit("lock");
    let scan = ["scan", "--offline", "--format", "text"];
    // Standard output is a pipe here: no colour, whatever else is set.
    let run = lockgate_env(repo.path(), &scan, &[("NO_COLOR", None), ("CLICOLOR_FORCE", None)]);
    assert!(run.stdout.contains("verdict: warn"), "{}", run.stdout);
    assert!(!run.stdout.contains('\x1b') && !run.stderr.contains('\x1b'), "{run:?}", run = run.stdout);
    // CLICOLOR_FORCE turns it on for a pipe (which proves the switch reaches the renderer)...
    let run = lockgate_env(repo.path(), &scan, &[("NO_COLOR", None), ("CLICOLOR_FORCE", Some("1"))]);
    assert!(run.stdout.contains("verdict: \x1b[1m\x1b[33mwarn\x1b[0m"), "{:?}", run.stdout);
    // ...NO_COLOR wins over it...
    let run = lockgate_env(repo.path(), &scan, &[("NO_COLOR", Some("1")), ("CLICOLOR_FORCE", Some("1"))]);
    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
    // ...and a file written with --output never has colour.
    let mut to_file = scan.to_vec();
    to_file.extend(["--output", "report.txt"]);
    let run = lockgate_env(repo.path(), &to_file, &[("NO_COLOR", None), ("CLICOLOR_FORCE", Some("1"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(repo.path().join("report.txt")).unwrap();
    assert!(written.contains("verdict: warn") && !written.contains('\x1b'), "{written:?}");
}
