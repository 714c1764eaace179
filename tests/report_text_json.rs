//! The terminal (`--format text`) and JSON reports over every regression case (snapshots), and
//! hostile strings in every field a lockfile or the registry controls: the terminal output holds
//! no control character it did not put there itself, the JSON stays valid and round-trips them
//! unchanged (escaping is the consumer's job there, losing data is not).

mod common;
#[path = "common/reports.rs"]
mod reports;

use lockgate::report::{json, text};

#[test]
fn regression_cases_snapshot() {
    for (case, report) in reports::regression_reports() {
        let out = text::render(&report);
        insta::assert_snapshot!(format!("text__{case}"), out);
        let doc: serde_json::Value = serde_json::from_str(&json::render(&report)).unwrap();
        assert_eq!(doc["schema"], 1);
        insta::assert_json_snapshot!(format!("json__{case}"), doc);
    }
}

#[test]
fn hostile_strings_in_the_terminal() {
    for payload in reports::HOSTILE {
        let report = reports::hostile_report(payload);
        let out = text::render(&report);
        for c in out.chars() {
            assert!(!c.is_control() || c == '\n', "{payload:?}: raw {c:?} reaches the terminal:\n{out}");
            assert!(
                !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'),
                "{payload:?}: a bidi override reaches the terminal"
            );
        }
        // A newline in a package name must not start a line of its own that could pass for
        // lockgate's output (or a workflow command when the log is read by a runner).
        assert!(!out.lines().any(|l| l.starts_with("::")), "{payload:?}: {out}");
    }
}

#[test]
fn hostile_strings_survive_json_intact() {
    for payload in reports::HOSTILE {
        let report = reports::hostile_report(payload);
        let out = json::render(&report);
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "{payload:?}: raw control character in JSON"
        );
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["packages"][0]["name"].as_str().unwrap(), format!("name{payload}"));
        assert_eq!(
            doc["notes"].as_array().unwrap().last().unwrap().as_str().unwrap(),
            format!("note{payload}")
        );
    }
}
