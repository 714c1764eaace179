//! `--format json`: the machine-readable report (DESIGN.md, `"schema": 1`).

use super::Report;

pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report)
        .expect("the report holds only strings, numbers and string-keyed maps");
    out.push('\n');
    out
}
