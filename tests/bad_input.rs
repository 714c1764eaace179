//! Hostile and broken input must end in exit code 2 with a message naming the file, the line
//! and the problem: never a panic, never unbounded memory or time.

mod common;
use common::{GitRepo, Run, lockgate};

const V3_HEADER: &str = "{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n";

fn scan_file(name: &str, contents: &[u8]) -> (GitRepo, Run) {
    let repo = GitRepo::new();
    repo.write(name, contents);
    let run = lockgate(repo.path(), &["scan", "--offline"]);
    (repo, run)
}

fn assert_input_error(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, 2, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for n in needles {
        assert!(run.stderr.contains(n), "stderr lacks {n:?}:\n{}", run.stderr);
    }
}

#[test]
fn not_a_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    let run = lockgate(dir.path(), &["diff", "--offline", "--base", "HEAD"]);
    assert_input_error(&run, &["not inside a git repository", "--repo"]);
}

#[test]
fn unknown_revision() {
    let repo = GitRepo::new();
    repo.write("README", b"x");
    repo.commit("init");
    let run = lockgate(repo.path(), &["diff", "--offline", "--base", "no-such-branch"]);
    assert_input_error(&run, &["\"no-such-branch\" does not exist", "git fetch"]);
    let run = lockgate(repo.path(), &["scan", "--offline", "--rev=--upload-pack=evil"]);
    assert_input_error(&run, &["does not exist"]);
}

#[test]
fn lockfile_outside_the_repository() {
    let repo = GitRepo::new();
    repo.commit("init");
    let run = lockgate(repo.path(), &["scan", "--offline", "--lockfile", "../../etc/package-lock.json"]);
    assert_input_error(&run, &["outside the repository"]);
    let run = lockgate(repo.path(), &["scan", "--offline", "--lockfile", "/etc/passwd"]);
    assert_input_error(&run, &["outside the repository"]);
}

#[test]
fn named_lockfile_missing() {
    let repo = GitRepo::new();
    repo.commit("init");
    let run = lockgate(repo.path(), &["scan", "--offline", "--lockfile", "package-lock.json"]);
    assert_input_error(&run, &["package-lock.json is not in the working tree"]);
}

#[test]
fn bun_binary_lockfile_is_refused_with_advice() {
    let (_repo, run) = scan_file("bun.lockb", b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x00\x01\x02");
    assert_input_error(&run, &["bun.lockb", "--save-text-lockfile", "bun.lock"]);
}

#[test]
fn a_gigabyte_lockfile_is_refused_without_reading_it() {
    let repo = GitRepo::new();
    let file = std::fs::File::create(repo.path().join("package-lock.json")).unwrap();
    // Sparse: costs no disk, and lockgate must refuse it from its size alone.
    file.set_len(1 << 30).unwrap();
    let run = lockgate(repo.path(), &["scan", "--offline"]);
    assert_input_error(&run, &["package-lock.json", "1073741824 bytes", "limit"]);
}

#[test]
fn not_utf8() {
    let mut bytes = V3_HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"  \"packages\": {\n    \"\xff\xfe\": {}\n  }\n}\n");
    let (_repo, run) = scan_file("package-lock.json", &bytes);
    assert_input_error(&run, &["package-lock.json:6", "UTF-8"]);
}

#[test]
fn truncated_json_names_the_line() {
    let text = format!("{V3_HEADER}  \"packages\": {{\n    \"\": {{\n      \"name\": \"app\"\n");
    let (_repo, run) = scan_file("package-lock.json", text.as_bytes());
    assert_input_error(&run, &["package-lock.json:"]);
}

#[test]
fn deeply_nested_json() {
    let text = format!("{V3_HEADER}  \"packages\": {}{}\n}}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (_repo, run) = scan_file("package-lock.json", text.as_bytes());
    assert_input_error(&run, &["package-lock.json:"]);
}

#[test]
fn unknown_lockfile_version() {
    let text = "{\n  \"name\": \"app\",\n  \"lockfileVersion\": 99,\n  \"packages\": {}\n}\n";
    let (_repo, run) = scan_file("package-lock.json", text.as_bytes());
    assert_input_error(&run, &["package-lock.json", "99"]);
}

#[test]
fn control_characters_in_a_name() {
    let text = format!(
        "{V3_HEADER}  \"packages\": {{\n    \"\": {{ \"name\": \"app\" }},\n    \"node_modules/evil\\u001b[2J\": {{\n      \"version\": \"1.0.0\"\n    }}\n  }}\n}}\n"
    );
    let (_repo, run) = scan_file("package-lock.json", text.as_bytes());
    assert_input_error(&run, &["package-lock.json:", "control character"]);
    assert!(!run.stderr.contains('\x1b'), "the escape sequence reached the terminal");
}

#[test]
fn yaml_alias_bomb_fails_fast() {
    let mut text = String::from("lockfileVersion: '9.0'\n\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", [prev.as_str(); 10].join(", ")));
    }
    text.push_str("packages:\n  bomb@1.0.0: *a11\n");
    let started = std::time::Instant::now();
    let (_repo, run) = scan_file("pnpm-lock.yaml", text.as_bytes());
    assert_input_error(&run, &["pnpm-lock.yaml"]);
    // Not a performance target: a generous bound that only an exponential expansion exceeds.
    assert!(started.elapsed().as_secs() < 20, "alias expansion was not bounded");
}

#[test]
fn garbage_yarn_lock() {
    let (_repo, run) = scan_file("yarn.lock", b"# yarn lockfile v1\n\n\"a@^1\":\n  version \"1.0.0\n");
    assert_input_error(&run, &["yarn.lock:"]);
}

#[test]
fn failed_run_writes_no_output_file() {
    let repo = GitRepo::new();
    repo.write("package-lock.json", b"{ not json");
    let run = lockgate(repo.path(), &["scan", "--offline", "--format", "json", "--output", "report.json"]);
    assert_input_error(&run, &["package-lock.json:1"]);
    assert!(!repo.path().join("report.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(repo.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("lockgate"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}

#[test]
fn unknown_option_is_usage_error() {
    let repo = GitRepo::new();
    let run = lockgate(repo.path(), &["scan", "--no-such-flag"]);
    assert_eq!(run.code, 2);
}
