//! The Markdown report (PR comment, job summary): snapshots over every regression case, and
//! hostile strings in every field that comes from a lockfile or the registry, checked with a
//! real CommonMark/GFM parser (pulldown-cmark) for anything that would render as markup, a
//! link, a mention or an issue reference, or break the table.

mod common;
#[path = "common/reports.rs"]
mod reports;

use lockgate::report::Verdict;
use lockgate::report::markdown::{Options, render};
use pulldown_cmark::{Event, Options as CmarkOptions, Parser, Tag, TagEnd};

const BLOB: &str = "https://github.com/acme/app/blob/0123456789abcdef0123456789abcdef01234567";

fn comment_options() -> Options {
    Options {
        blob_base: Some(BLOB.into()),
        full_report: Some("the job summary".into()),
        ..Options::comment()
    }
}

#[test]
fn regression_cases_snapshot() {
    for (case, report) in reports::regression_reports() {
        let text = render(&report, &comment_options());
        assert_inert(&text, &case);
        // Same input, same bytes: the report is rebuilt (fresh hash maps inside) and rendered again.
        let again =
            render(&reports::regression_report(&reports::regression_dir().join(&case)), &comment_options());
        assert_eq!(text, again, "{case}: rendering is not deterministic");
        insta::assert_snapshot!(format!("markdown__{case}"), text);
    }
}

/// The README shows the axios comment as it renders today.
#[test]
fn readme_example_is_current() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- example-comment:start -->\n").expect("start marker") + 31;
    let end = readme.find("<!-- example-comment:end -->").expect("end marker");
    let report = reports::regression_report(&reports::regression_dir().join("axios-1.14.1"));
    assert_eq!(&readme[start..end], render(&report, &comment_options()), "update the README example");
}

#[test]
fn first_line_names_the_verdict_and_the_culprit() {
    let reports = reports::regression_reports();
    let axios = &reports.iter().find(|(c, _)| c == "axios-1.14.1").unwrap().1;
    let text = render(axios, &comment_options());
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("### ❌ lockgate: fail"));
    lines.next();
    let sentence = lines.next().unwrap();
    assert!(sentence.starts_with("2 packages block this merge: `axios` `1.14.0` → `1.14.1`"), "{sentence}");
    assert!(sentence.contains("lost the provenance"), "{sentence}");
    // The lockfile line is linked at the head commit.
    let line = axios.packages.iter().find(|p| p.name == "axios").unwrap().line;
    assert!(text.contains(&format!("]({BLOB}/package-lock.json#L{line})")), "{text}");
    // Why plain-crypto-js is here, and the allow entry to accept axios.
    assert!(text.contains("`plain-crypto-js` ← `axios` ← `package.json`"), "{text}");
    assert!(text.contains("  - package: \"axios\"\n    signals: [new-publisher, provenance-regression"));

    let benign = &reports.iter().find(|(c, _)| c == "lodash-settled-patch").unwrap().1;
    let text = render(benign, &comment_options());
    assert!(text.starts_with("### ✅ lockgate: pass\n"), "{text}");
}

/// The allow entry the comment suggests is valid configuration and accepts exactly that package.
#[test]
fn the_suggested_allow_entry_accepts_the_package() {
    let dir = reports::regression_dir().join("axios-1.14.1");
    let text = render(&reports::regression_report(&dir), &comment_options());
    let start = text.find("```yaml\nallow:\n  - package: \"axios\"").expect("an allow entry for axios") + 8;
    let yaml = &text[start..start + text[start..].find("```").unwrap()];
    let config =
        lockgate::policy::Config::from_yaml("suggested.yml", yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let report = reports::regression_report_with(&dir, config);
    let verdict = |name: &str| report.packages.iter().find(|p| p.name == name).unwrap().verdict;
    assert_eq!(verdict("axios"), Verdict::Pass);
    assert_eq!(verdict("plain-crypto-js"), Verdict::Fail, "the entry must not accept other packages");
}

#[test]
fn install_script_changes_show_as_a_diff() {
    let reports = reports::regression_reports();
    let (_, report) = reports.iter().find(|(c, _)| c == "ua-parser-js-0.7.29").unwrap();
    let text = render(report, &comment_options());
    assert!(text.contains("**Install scripts** (new in this version)\n```sh\npreinstall: "), "{text}");
    let (_, report) = reports.iter().find(|(c, _)| c == "axios-1.14.1").unwrap();
    let text = render(report, &comment_options());
    assert!(text.contains("**Dependencies, changed**\n```diff\n@@"), "{text}");
    assert!(text.contains("\n+plain-crypto-js@^4.2.1\n"), "{text}");
}

#[test]
fn hostile_strings_stay_text() {
    for payload in reports::HOSTILE {
        let report = reports::hostile_report(payload);
        for opts in [comment_options(), Options::summary()] {
            let text = render(&report, &opts);
            assert_inert(&text, payload);
            assert!(!text.contains("<!-- lockgate"), "a marker from input survived: {payload:?}");
        }
    }
}

#[test]
fn very_long_strings_are_cut_and_the_size_is_bounded() {
    let long = "A".repeat(100_000);
    let report = reports::hostile_report(&long);
    let text = render(&report, &comment_options());
    assert!(text.len() <= 60_000, "{}", text.len());
    assert!(text.contains("more characters)"));
    assert_inert(&text, "long");

    // Thousands of failing packages: the comment stays under GitHub's limit and says where the
    // rest is.
    let mut report = reports::hostile_report("x");
    let template = report.packages[0].clone();
    report.packages = (0..5_000)
        .map(|i| {
            let mut p = template.clone();
            p.name = format!("pkg-{i:05}");
            p
        })
        .collect();
    let text = render(&report, &comment_options());
    assert!(text.chars().count() <= 65_536 && text.len() <= 60_000, "{}", text.len());
    assert!(text.contains("This comment is cut to fit"), "{}", &text[text.len() - 500..]);
    assert!(text.contains("The full report: the job summary."));
    assert!(text.contains("`pkg-00000`"), "the worst packages come first");
    assert_inert(&text, "many");
    let summary = render(&report, &Options::summary());
    assert!(summary.len() <= 900_000 && summary.len() > text.len());
    let tiny = render(&report, &Options { max_chars: 3_000, ..comment_options() });
    assert!(tiny.len() <= 3_000);
}

/// Parse `text` as GitHub-flavoured Markdown and fail on anything an attacker could have put
/// there: HTML other than the report's own tags, links other than the report's own, images,
/// headings or lists beyond the report's, table rows with a different number of cells,
/// mentions, issue references, autolinkable URLs or e-mail addresses in text, raw control
/// characters.
fn assert_inert(text: &str, what: &str) {
    let allowed_html =
        ["<details>", "</details>", "<summary>", "</summary>", "<code>", "</code>", "<sub>", "</sub>"];
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{what}: raw control character in output");
    let mut opts = CmarkOptions::empty();
    opts.insert(CmarkOptions::ENABLE_TABLES);
    opts.insert(CmarkOptions::ENABLE_STRIKETHROUGH);
    opts.insert(CmarkOptions::ENABLE_GFM);
    let mut in_code = 0;
    let mut cells_in_row = 0;
    let mut head_cells = None;
    let mut in_link = false;
    for event in Parser::new_ext(text, opts) {
        match &event {
            Event::Html(h) | Event::InlineHtml(h) => {
                // Tags must be the report's own; the text between them follows the text rules.
                let mut rest: &str = h;
                while let Some(open) = rest.find('<') {
                    check_text(&decode_entities(&rest[..open]), what, text);
                    let close = rest[open..].find('>').map(|c| open + c + 1).unwrap_or(rest.len());
                    let tag = &rest[open..close];
                    assert!(allowed_html.contains(&tag), "{what}: HTML {tag:?} in output:\n{text}");
                    rest = &rest[close..];
                }
                check_text(&decode_entities(rest), what, text);
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                in_link = true;
                assert!(
                    dest_url.starts_with(BLOB) || dest_url.starts_with(lockgate::signals::DOCS_BASE),
                    "{what}: foreign link {dest_url}"
                );
            }
            Event::End(TagEnd::Link) => in_link = false,
            Event::Start(Tag::Image { .. }) => panic!("{what}: image in output"),
            Event::Start(Tag::Heading { .. }) if in_code == 0 => {}
            Event::Start(Tag::CodeBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock) => in_code -= 1,
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => cells_in_row = 0,
            Event::Start(Tag::TableCell) => cells_in_row += 1,
            Event::End(TagEnd::TableHead) => head_cells = Some(cells_in_row),
            Event::End(TagEnd::TableRow) => {
                assert_eq!(Some(cells_in_row), head_cells, "{what}: a table row has extra cells:\n{text}")
            }
            Event::Text(t) if in_code == 0 && !in_link => check_text(t, what, text),
            _ => {}
        }
    }
}

fn check_text(t: &str, what: &str, all: &str) {
    let chars: Vec<char> = t.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        match c {
            '@' => assert!(!next.is_alphanumeric(), "{what}: a mention survives in {t:?}\n{all}"),
            '#' => assert!(!next.is_ascii_digit(), "{what}: an issue reference survives in {t:?}"),
            _ => {}
        }
    }
    assert!(!t.contains("://"), "{what}: an autolink survives in {t:?}");
    assert!(!t.to_ascii_lowercase().contains("www."), "{what}: an autolink survives in {t:?}");
}

/// What a browser shows for HTML text: numeric and the common named entities decoded.
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail.find(';').filter(|e| *e < 10);
        let decoded = end.and_then(|e| match &tail[1..e] {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            n if n.starts_with('#') => n[1..].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
