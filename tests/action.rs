//! `lockgate action` end to end, run as the container runs it: the real binary, environment
//! variables only (GITHUB_*, INPUT_* with dashes kept, RUNNER_TEMP), the workspace as the
//! current directory. Real git repositories, the registry test server, and the fake GitHub API
//! (tests/common/github_server.rs), which checks every request against GitHub's REST
//! description. Event payloads are @octokit/webhooks-examples with their SHAs pointed at the
//! test repository.

mod common;
#[path = "common/github_server.rs"]
mod github_server;
#[path = "common/registry_server.rs"]
mod registry_server;

use common::GitRepo;
use github_server::{Fault, GithubServer};
use registry_server::{RegistryServer, packument_json};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const MARKER: &str = "<!-- lockgate:comment v1 -->";
const OWNER_REPO: &str = "octocat/Hello-World";
const REPO_PATH: &str = "/repos/octocat/Hello-World";

fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression").join(case)
}

fn webhook(name: &str) -> Value {
    let path = common::fixtures().join("github/webhooks").join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The axios compromise (tests/regression/axios-1.14.1): fails with the default policy.
struct Axios {
    repo: GitRepo,
    base: String,
    head: String,
    registry: RegistryServer,
    now: String,
}

fn serve_case(server: &RegistryServer, case: &str) {
    for file in std::fs::read_dir(case_dir(case).join("registry")).unwrap() {
        let doc: Value = serde_json::from_slice(&std::fs::read(file.unwrap().path()).unwrap()).unwrap();
        let name = doc["name"].as_str().unwrap().replace('/', "%2f");
        server.packument(&format!("/{name}"), &doc.to_string());
    }
}

fn axios() -> Axios {
    let registry = RegistryServer::start();
    serve_case(&registry, "axios-1.14.1");
    let repo = GitRepo::new();
    repo.copy(&case_dir("axios-1.14.1").join("base/package-lock.json"), "package-lock.json");
    let base = repo.commit("base");
    repo.copy(&case_dir("axios-1.14.1").join("head/package-lock.json"), "package-lock.json");
    let head = repo.commit("head");
    let meta: Value =
        serde_json::from_slice(&std::fs::read(case_dir("axios-1.14.1").join("case.json")).unwrap()).unwrap();
    Axios { repo, base, head, registry, now: meta["now"].as_str().unwrap().to_owned() }
}

/// A pull_request-shaped payload (real example) with our SHAs.
fn pr_payload(name: &str, base: &str, head: &str) -> Value {
    let mut p = webhook(name);
    p["pull_request"]["base"]["sha"] = json!(base);
    p["pull_request"]["head"]["sha"] = json!(head);
    p
}

fn pr_number(p: &Value) -> u64 {
    p["pull_request"]["number"].as_u64().unwrap()
}

struct ActionRun {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    /// The file the `sarif` output names, read before the next run overwrites it.
    sarif: String,
}

impl ActionRun {
    fn report(&self) -> Value {
        let path = &self.outputs["report"];
        serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("report {path}: {e}"))).unwrap()
    }

    /// Workflow-command lines the runner would act on (after trimming leading whitespace),
    /// from stdout and stderr.
    fn commands(&self) -> Vec<String> {
        self.stdout
            .lines()
            .chain(self.stderr.lines())
            .map(str::trim_start)
            .filter(|l| l.starts_with("::"))
            .map(str::to_owned)
            .collect()
    }

    fn annotations(&self, level: &str) -> Vec<String> {
        self.commands().into_iter().filter(|l| l.starts_with(&format!("::{level} "))).collect()
    }
}

impl std::fmt::Debug for ActionRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- outputs {:?}",
            self.code, self.stdout, self.stderr, self.outputs
        )
    }
}

/// Parse `name<<DELIM\nvalue\nDELIM\n` entries as the runner does.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delim) = line.split_once("<<").unwrap_or_else(|| panic!("not a heredoc output: {line:?}"));
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delim {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_owned(), value.join("\n"));
    }
    out
}

struct Setup<'a> {
    workspace: &'a Path,
    gh: &'a GithubServer,
    registry: Option<&'a RegistryServer>,
    event: &'a str,
    payload: Value,
    sha: Option<&'a str>,
    inputs: Vec<(&'a str, String)>,
    now: Option<&'a str>,
    token: bool,
    log: Option<&'a str>,
    /// Appended to the server's URL in GITHUB_API_URL (GitHub Enterprise Server's `/api/v3`).
    api_path: &'a str,
}

impl<'a> Setup<'a> {
    fn new(workspace: &'a Path, gh: &'a GithubServer, event: &'a str, payload: Value) -> Setup<'a> {
        Setup {
            workspace,
            gh,
            registry: None,
            event,
            payload,
            sha: None,
            inputs: Vec::new(),
            now: None,
            token: true,
            log: None,
            api_path: "",
        }
    }

    fn input(mut self, name: &'a str, value: &str) -> Self {
        self.inputs.push((name, value.to_owned()));
        self
    }

    fn run(&self) -> ActionRun {
        let tmp = tempfile::tempdir().unwrap();
        let event_path = tmp.path().join("event.json");
        std::fs::write(&event_path, serde_json::to_vec_pretty(&self.payload).unwrap()).unwrap();
        let output = tmp.path().join("output");
        let summary = tmp.path().join("summary.md");
        let runner_temp = tmp.path().join("runner-temp");
        std::fs::create_dir(&runner_temp).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockgate"));
        // Only what the runner gives a container action: nothing from the test's own
        // environment (which may itself be a GitHub Actions job).
        cmd.env_clear()
            .arg("action")
            .current_dir(self.workspace)
            .env("HOME", tmp.path())
            .env("npm_config_userconfig", "/nonexistent/lockgate-test-npmrc")
            .env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("GITHUB_EVENT_NAME", self.event)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_REPOSITORY", OWNER_REPO)
            .env("GITHUB_API_URL", format!("{}{}", self.gh.url(), self.api_path))
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_WORKSPACE", self.workspace)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_RUN_ID", "4242")
            .env("RUNNER_TEMP", &runner_temp)
            // Declared inputs arrive even when empty, as the runner passes them.
            .env("INPUT_MODE", "auto")
            .env("INPUT_COMMENT", "on-findings")
            .env("INPUT_CHECK-RUN", "true")
            .env("INPUT_LOCKFILES", "")
            .env("INPUT_CONFIG", ".github/lockgate.yml");
        if self.token {
            cmd.env("INPUT_GITHUB-TOKEN", "ghs_testtoken0123456789");
        }
        if let Some(sha) = self.sha {
            cmd.env("GITHUB_SHA", sha);
        }
        if let Some(r) = self.registry {
            cmd.env("INPUT_REGISTRY", r.url());
        }
        if let Some(now) = self.now {
            cmd.env("LOCKGATE_NOW", now);
        }
        if let Some(log) = self.log {
            cmd.env("LOCKGATE_LOG", log);
        }
        for (name, value) in &self.inputs {
            cmd.env(format!("INPUT_{}", name.to_ascii_uppercase()), value);
        }
        let out = cmd.output().expect("lockgate runs");
        let run = ActionRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&std::fs::read_to_string(&output).unwrap_or_default()),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
            sarif: String::new(),
        };
        let mut run = run;
        if let Some(p) = run.outputs.get("sarif").filter(|p| !p.is_empty()) {
            assert!(Path::new(p).is_relative(), "outputs name paths in the workspace: {p}");
            let p = self.workspace.join(p);
            run.sarif = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("sarif {}: {e}", p.display()));
        }
        assert!(
            !run.stdout.contains("ghs_testtoken") && !run.stderr.contains("ghs_testtoken"),
            "token leaked: {run:?}"
        );
        // The report file lives in the workspace, which the next run may overwrite: keep a copy.
        if let Some(p) = run.outputs.get("report").filter(|p| !p.is_empty()) {
            let keep = std::env::temp_dir().join(format!(
                "lockgate-action-test-{}-{}.json",
                std::process::id(),
                unique()
            ));
            assert!(Path::new(p).is_relative(), "outputs name paths in the workspace: {p}");
            std::fs::copy(self.workspace.join(p), &keep).unwrap();
            let mut run = run;
            run.outputs.insert("report".into(), keep.display().to_string());
            return run;
        }
        run
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

fn axios_setup<'a>(a: &'a Axios, gh: &'a GithubServer, event: &'a str, payload: Value) -> Setup<'a> {
    let mut s = Setup::new(a.repo.path(), gh, event, payload);
    s.registry = Some(&a.registry);
    s.now = Some(&a.now);
    s
}

/// The requests with this method ("*" for any) whose path starts with `prefix`.
fn requests_to(gh: &GithubServer, method: &str, prefix: &str) -> Vec<github_server::Recorded> {
    gh.requests()
        .into_iter()
        .filter(|r| (method == "*" || r.method.eq_ignore_ascii_case(method)) && r.path.starts_with(prefix))
        .collect()
}

fn assert_clean(gh: &GithubServer) {
    assert_eq!(gh.violations(), Vec::<String>::new(), "requests GitHub would reject");
}

/// Line of `name` in the head lockfile, from the report.
fn line_of(report: &Value, name: &str) -> u64 {
    report["packages"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["line"]
        .as_u64()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Events

#[test]
fn pull_request_posts_comment_check_run_summary_and_outputs() {
    let a = axios();
    let gh = GithubServer::start();
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_clean(&gh);

    let comments = gh.comments(pr);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].body.starts_with(MARKER), "{}", comments[0].body);
    assert!(comments[0].body.contains("axios") && comments[0].body.contains("fail"));
    assert!(comments[0].body.len() <= 65_536);

    let runs = gh.check_runs();
    assert_eq!(runs.len(), 1);
    let cr = &runs[0];
    assert_eq!(cr["name"], "lockgate");
    assert_eq!(cr["head_sha"], a.head.as_str());
    assert_eq!(cr["conclusion"], "failure");
    assert!(cr["output"]["title"].as_str().unwrap().starts_with("fail"));
    let report = run.report();
    let annotations = cr["output"]["annotations"].as_array().unwrap();
    let axios_note = annotations.iter().find(|n| n["title"].as_str().unwrap().contains("axios")).unwrap();
    assert_eq!(axios_note["path"], "package-lock.json");
    assert_eq!(axios_note["start_line"].as_u64().unwrap(), line_of(&report, "axios"));
    assert_eq!(axios_note["annotation_level"], "failure");

    assert_eq!(run.outputs["verdict"], "fail");
    assert!(run.outputs["findings"].parse::<usize>().unwrap() > 0);
    assert_eq!(report["verdict"], "fail");
    let sarif: Value = serde_json::from_str(&run.sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(run.summary.contains("lockgate") && run.summary.contains("axios"), "{}", run.summary);
    // The check run carries the annotations: none are duplicated in the log.
    assert!(run.annotations("error").is_empty(), "{run:?}");
}

#[test]
fn rerun_updates_the_comment_instead_of_duplicating() {
    let a = axios();
    let gh = GithubServer::start();
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    let first = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(first.code, 1, "{first:?}");
    let id = gh.comments(pr)[0].id;
    let before = gh.requests().len();

    let second =
        axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.synchronize", &a.base, &a.head)).run();
    assert_eq!(second.code, 1, "{second:?}");
    let comments = gh.comments(pr);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].id, id);
    let later = &gh.requests()[before..];
    let kinds: Vec<(String, String)> = later
        .iter()
        .filter(|r| r.path.contains("/issues/"))
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert!(kinds.contains(&("PATCH".into(), format!("{REPO_PATH}/issues/comments/{id}"))), "{kinds:?}");
    assert!(!kinds.iter().any(|(m, _)| m == "POST"), "{kinds:?}");
    assert_clean(&gh);
}

#[test]
fn pull_request_target_reads_the_head_through_the_api_when_checkout_has_only_the_base() {
    let a = axios();
    // actions/checkout on pull_request_target: the base branch, depth 1. The head commit (from
    // the pull request) is not in it.
    a.repo.git(&["branch", "feature", &a.head]);
    a.repo.git(&["reset", "-q", "--hard", &a.base]);
    let ws = tempfile::tempdir().unwrap();
    let url = format!("file://{}", a.repo.path().display());
    let clone = Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--branch", "main", &url, "."])
        .current_dir(ws.path())
        .output()
        .unwrap();
    assert!(clone.status.success(), "{}", String::from_utf8_lossy(&clone.stderr));
    let gh = GithubServer::start();
    let head_bytes = std::fs::read(case_dir("axios-1.14.1").join("head/package-lock.json")).unwrap();
    gh.put_file(&a.head, "package-lock.json", head_bytes);

    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    let mut s = Setup::new(ws.path(), &gh, "pull_request_target", payload);
    s.registry = Some(&a.registry);
    s.now = Some(&a.now);
    s.sha = Some(&a.base);
    let run = s.run();
    assert_eq!(run.code, 1, "{run:?}");
    let contents = requests_to(&gh, "GET", &format!("{REPO_PATH}/contents/package-lock.json"));
    assert_eq!(contents.len(), 1, "{:?}", gh.requests());
    assert_eq!(contents[0].query.get("ref"), Some(&a.head));
    assert_eq!(contents[0].headers.get("accept").map(String::as_str), Some("application/vnd.github.raw"));
    assert_eq!(gh.comments(pr).len(), 1);
    assert_eq!(gh.check_runs()[0]["head_sha"], a.head.as_str());
    assert_eq!(run.report()["base"], a.base.as_str());
    assert_clean(&gh);
}

#[test]
fn pull_request_shallow_merge_checkout_reads_both_sides_through_the_api() {
    let a = axios();
    // actions/checkout on pull_request: only the merge commit, neither base nor head.
    let ws = GitRepo::new();
    ws.copy(&case_dir("axios-1.14.1").join("head/package-lock.json"), "package-lock.json");
    let merge = ws.commit("Merge head into base");
    let gh = GithubServer::start();
    gh.put_file(
        &a.base,
        "package-lock.json",
        std::fs::read(case_dir("axios-1.14.1").join("base/package-lock.json")).unwrap(),
    );
    gh.put_file(
        &a.head,
        "package-lock.json",
        std::fs::read(case_dir("axios-1.14.1").join("head/package-lock.json")).unwrap(),
    );
    gh.put_file(&a.base, "README.md", "not a lockfile");

    let mut s =
        Setup::new(ws.path(), &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.head));
    s.registry = Some(&a.registry);
    s.now = Some(&a.now);
    s.sha = Some(&merge);
    let run = s.run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.outputs["verdict"], "fail");
    // Lockfiles discovered through the tree listing, read through the contents API.
    assert!(!requests_to(&gh, "GET", &format!("{REPO_PATH}/git/trees/{}", a.base)).is_empty());
    assert_eq!(requests_to(&gh, "GET", &format!("{REPO_PATH}/contents/package-lock.json")).len(), 2);
    assert!(requests_to(&gh, "GET", &format!("{REPO_PATH}/contents/README.md")).is_empty());
    assert_clean(&gh);
}

#[test]
fn merge_group_diffs_base_and_head_with_a_check_run_and_no_comment() {
    let a = axios();
    let gh = GithubServer::start();
    let mut payload = webhook("merge_group.checks_requested");
    payload["merge_group"]["base_sha"] = json!(a.base);
    payload["merge_group"]["head_sha"] = json!(a.head);
    let run = axios_setup(&a, &gh, "merge_group", payload).run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.report()["command"], "diff");
    let runs = gh.check_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["head_sha"], a.head.as_str());
    assert!(requests_to(&gh, "*", &format!("{REPO_PATH}/issues")).is_empty());
    assert_clean(&gh);
}

#[test]
fn push_diffs_before_and_after() {
    let a = axios();
    let gh = GithubServer::start();
    let mut payload = webhook("push");
    payload["before"] = json!(a.base);
    payload["after"] = json!(a.head);
    let mut s = axios_setup(&a, &gh, "push", payload);
    s.sha = Some(&a.head);
    let run = s.run();
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.report();
    assert_eq!((report["command"].as_str(), report["base"].as_str()), (Some("diff"), Some(a.base.as_str())));
    assert_eq!(gh.check_runs()[0]["head_sha"], a.head.as_str());
    assert!(requests_to(&gh, "*", &format!("{REPO_PATH}/issues")).is_empty());
    assert_clean(&gh);
}

#[test]
fn schedule_scans_the_checked_out_default_branch() {
    let a = axios();
    let gh = GithubServer::start();
    let mut s = axios_setup(&a, &gh, "schedule", webhook("schedule"));
    s.sha = Some(&a.head);
    let run = s.run();
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.report();
    assert_eq!(report["command"], "scan");
    assert_eq!(report["head"], a.head.as_str());
    assert_eq!(gh.check_runs()[0]["head_sha"], a.head.as_str());
    assert_eq!(run.outputs["verdict"], "fail");
    assert_clean(&gh);
}

#[test]
fn workflow_dispatch_without_base_and_head_scans() {
    let a = axios();
    let gh = GithubServer::start();
    let mut s = axios_setup(&a, &gh, "workflow_dispatch", webhook("workflow_dispatch"));
    s.sha = Some(&a.base);
    let run = s.run();
    // The base lockfile alone (axios 1.14.0) is fine.
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.report();
    assert_eq!((report["command"].as_str(), report["head"].as_str()), (Some("scan"), Some(a.base.as_str())));
    assert_ne!(run.outputs["verdict"], "fail");
    assert_ne!(gh.check_runs()[0]["conclusion"], "failure");
    assert_clean(&gh);
}

#[test]
fn workflow_dispatch_with_base_and_head_diffs() {
    let a = axios();
    let gh = GithubServer::start();
    let s = axios_setup(&a, &gh, "workflow_dispatch", webhook("workflow_dispatch"))
        .input("base", &a.base)
        .input("head", &a.head);
    let run = s.run();
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.report();
    assert_eq!(report["command"], "diff");
    assert_eq!(report["head"], a.head.as_str());
    assert_clean(&gh);
}

// ---------------------------------------------------------------------------------------------
// Tokens that cannot write, and the comment's life cycle

#[test]
fn fork_pull_request_falls_back_to_log_annotations_and_keeps_the_verdict() {
    let a = axios();
    let gh = GithubServer::start();
    gh.read_only(true);
    let payload = pr_payload("pull_request.opened.fork", &a.base, &a.head);
    let pr = pr_number(&payload);
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(gh.comments(pr).is_empty());
    assert!(gh.check_runs().is_empty());
    let report = run.report();
    let errors = run.annotations("error");
    let expected = format!("::error file=package-lock.json,line={},title=", line_of(&report, "axios"));
    assert!(errors.iter().any(|l| l.starts_with(&expected)), "{run:?}");
    // Said once, not once per write.
    let said: Vec<_> =
        run.annotations("warning").into_iter().filter(|l| l.contains("cannot write")).collect();
    assert_eq!(said.len(), 1, "{run:?}");
    assert!(run.summary.contains("cannot write"), "{}", run.summary);
    assert_eq!(run.outputs["verdict"], "fail");
    // After the first refusal nothing else is attempted.
    let writes: Vec<_> = gh.requests().into_iter().filter(|r| r.method != "GET").collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_clean(&gh);
}

#[test]
fn without_a_token_nothing_is_posted_and_the_verdict_stands() {
    let a = axios();
    let gh = GithubServer::start();
    let mut s = axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.head));
    s.token = false;
    let run = s.run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(gh.requests().is_empty());
    assert!(!run.annotations("error").is_empty());
}

#[test]
fn comment_is_marked_resolved_when_the_findings_are_gone() {
    let a = axios();
    let gh = GithubServer::start();
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    let first = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(first.code, 1, "{first:?}");
    assert_eq!(gh.comments(pr).len(), 1);

    // The next push reverts the lockfile change.
    a.repo.copy(&case_dir("axios-1.14.1").join("base/package-lock.json"), "package-lock.json");
    let fixed = a.repo.commit("revert");
    let second =
        axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.synchronize", &a.base, &fixed)).run();
    assert_eq!(second.code, 0, "{second:?}");
    let comments = gh.comments(pr);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.starts_with(MARKER));
    assert!(
        comments[0].body.contains("resolved") && !comments[0].body.contains("axios"),
        "{}",
        comments[0].body
    );
    assert_eq!(second.outputs["verdict"], "pass");
    assert_eq!(gh.check_runs().last().unwrap()["conclusion"], "success");
    assert_clean(&gh);
}

#[test]
fn no_comment_is_created_for_a_clean_pull_request() {
    let a = axios();
    let gh = GithubServer::start();
    let payload = pr_payload("pull_request.opened", &a.base, &a.base);
    let pr = pr_number(&payload);
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(gh.comments(pr).is_empty());
    let always = axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.base))
        .input("comment", "always")
        .run();
    assert_eq!(always.code, 0);
    assert_eq!(gh.comments(pr).len(), 1);
    assert_clean(&gh);
}

#[test]
fn the_marker_is_found_on_a_later_page_and_impostors_are_ignored() {
    let a = axios();
    let gh = GithubServer::start();
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    // Someone pastes the marker into a comment of their own: lockgate must not take it over.
    let impostor = gh.seed_comment(pr, &format!("{MARKER}\nnot lockgate's"), "mallory");
    for i in 0..150 {
        gh.seed_comment(pr, &format!("review comment {i}"), "octocat");
    }
    let ours = gh.seed_comment(pr, &format!("{MARKER}\nold report"), "github-actions[bot]");
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 1, "{run:?}");
    let comments = gh.comments(pr);
    assert_eq!(comments.len(), 152, "no new comment");
    let updated = comments.iter().find(|c| c.id == ours).unwrap();
    assert!(updated.body.contains("axios"), "{}", updated.body);
    assert!(comments.iter().find(|c| c.id == impostor).unwrap().body.contains("not lockgate's"));
    let pages: Vec<_> = requests_to(&gh, "GET", &format!("{REPO_PATH}/issues/{pr}/comments"))
        .into_iter()
        .map(|r| r.query.get("page").cloned().unwrap_or_default())
        .collect();
    assert_eq!(pages, ["1", "2"]);
    assert_clean(&gh);
}

// ---------------------------------------------------------------------------------------------
// Rate limits and outages

#[test]
fn rate_limits_are_retried() {
    let a = axios();
    let gh = GithubServer::start();
    gh.fail("POST", &format!("{REPO_PATH}/issues/"), Fault::TooManyRequests { retry_after: 1 }, 1);
    gh.fail("POST", &format!("{REPO_PATH}/check-runs"), Fault::SecondaryRateLimit, 1);
    gh.fail("GET", &format!("{REPO_PATH}/issues/"), Fault::PrimaryRateLimit { reset_in: 1 }, 1);
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(gh.comments(pr).len(), 1);
    assert_eq!(gh.check_runs().len(), 1);
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429 || **s == 403).count(), 3, "{statuses:?}");
    assert!(run.annotations("error").is_empty(), "{run:?}");
    assert_clean(&gh);
}

#[test]
fn server_errors_are_retried() {
    let a = axios();
    let gh = GithubServer::start();
    gh.fail("POST", &format!("{REPO_PATH}/check-runs"), Fault::Status(500), 1);
    gh.fail("GET", &format!("{REPO_PATH}/issues/"), Fault::Status(502), 1);
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(gh.comments(pr).len(), 1);
    assert_eq!(gh.check_runs().len(), 1);
    assert_eq!(requests_to(&gh, "POST", &format!("{REPO_PATH}/check-runs")).len(), 2);
    assert_clean(&gh);
}

#[test]
fn persistent_server_errors_keep_the_verdict_and_say_so() {
    let a = axios();
    let gh = GithubServer::start();
    gh.fail("*", "/repos/", Fault::Status(503), 1000);
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 1, "the verdict, not 3: {run:?}");
    assert_eq!(run.outputs["verdict"], "fail");
    let said: Vec<_> =
        run.annotations("warning").into_iter().filter(|l| l.contains("could not be posted")).collect();
    assert_eq!(said.len(), 1, "{run:?}");
    assert!(run.summary.contains("could not be posted"));
    assert!(!run.annotations("error").is_empty(), "findings fall back to log annotations: {run:?}");
    // One request retried (4 attempts), then nothing more is tried.
    assert_eq!(gh.requests().len(), 4, "{:?}", gh.requests());
}

#[test]
fn warn_only_reports_fail_but_exits_0() {
    let a = axios();
    let gh = GithubServer::start();
    let run = axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.head))
        .input("warn-only", "true")
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.outputs["verdict"], "fail");
    assert_eq!(gh.check_runs()[0]["conclusion"], "neutral");
    assert!(run.summary.contains("warn-only"));
}

#[test]
fn missing_runner_environment_is_exit_2_naming_the_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_lockgate")).env_clear().arg("action").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("::error title=lockgate::") && stdout.contains("GITHUB_EVENT_NAME"),
        "{stdout}"
    );
}

#[test]
fn bad_input_is_exit_2_naming_the_input() {
    let a = axios();
    let gh = GithubServer::start();
    let run = axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.head))
        .input("fail-on", "sometimes")
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("INPUT_FAIL-ON"), "{run:?}");
    assert!(gh.requests().is_empty());
}

#[test]
fn workspace_owned_by_another_user_still_opens() {
    // In the container the workspace belongs to the runner's uid, not the container's; git
    // would refuse ("dubious ownership"). Only testable as root.
    if !Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n")) {
        eprintln!("skipped: needs root to chown");
        return;
    }
    let a = axios();
    let chown = Command::new("chown").args(["-R", "4242:4242"]).arg(a.repo.path()).status().unwrap();
    assert!(chown.success());
    let gh = GithubServer::start();
    let run = axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.head)).run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(requests_to(&gh, "GET", &format!("{REPO_PATH}/contents")).is_empty(), "read from the local git");
}

// ---------------------------------------------------------------------------------------------
// Many findings, hostile text

/// An npm v3 lockfile locking `packages` (name, version, resolved).
fn npm_lockfile(packages: &[(String, String, String)]) -> String {
    let mut entries = serde_json::Map::new();
    let mut deps = serde_json::Map::new();
    for (name, version, _) in packages {
        deps.insert(name.clone(), json!(version));
    }
    entries.insert("".into(), json!({ "name": "app", "version": "1.0.0", "dependencies": deps }));
    for (name, version, resolved) in packages {
        entries.insert(format!("node_modules/{name}"), json!({ "version": version, "resolved": resolved }));
    }
    serde_json::to_string_pretty(&json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": entries
    }))
    .unwrap()
}

fn deprecated_packument(name: &str, version: &str, message: &str) -> String {
    let mut doc: Value = serde_json::from_str(&packument_json(name, &[version])).unwrap();
    doc["versions"][version]["deprecated"] = json!(message);
    doc.to_string()
}

/// A repository whose head adds `packages` to an empty lockfile.
fn adding(packages: &[(String, String, String)]) -> (GitRepo, String, String) {
    let repo = GitRepo::new();
    repo.write("package-lock.json", npm_lockfile(&[]).as_bytes());
    let base = repo.commit("base");
    repo.write("package-lock.json", npm_lockfile(packages).as_bytes());
    let head = repo.commit("head");
    (repo, base, head)
}

#[test]
fn more_than_50_annotations_go_in_batches_of_50() {
    let registry = RegistryServer::start();
    let packages: Vec<_> = (0..120)
        .map(|i| {
            let name = format!("lockgate-fixture-{i:03}");
            let resolved = format!("https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz");
            registry
                .packument(&format!("/{name}"), &deprecated_packument(&name, "1.0.0", "use something else"));
            (name, "1.0.0".to_owned(), resolved)
        })
        .collect();
    let (repo, base, head) = adding(&packages);
    let gh = GithubServer::start();
    let mut s = Setup::new(repo.path(), &gh, "pull_request", pr_payload("pull_request.opened", &base, &head));
    s.registry = Some(&registry);
    s.now = Some("2026-06-01T00:00:00Z");
    let run = s.run();
    assert_eq!(run.code, 0, "deprecated only warns: {run:?}");
    assert_eq!(run.outputs["verdict"], "warn");
    let cr = &gh.check_runs()[0];
    assert_eq!(cr["conclusion"], "neutral");
    assert_eq!(cr["output"]["annotations"].as_array().unwrap().len(), 120);
    let sizes: Vec<usize> = requests_to(&gh, "*", &format!("{REPO_PATH}/check-runs"))
        .iter()
        .map(|r| r.body.as_ref().unwrap()["output"]["annotations"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert_clean(&gh);
}

/// For lockfile fields, which the parsers refuse when they hold control characters.
const HOSTILE_INLINE: &str = "::error::pwned%0A::add-mask::x<img src=x onerror=1>@org/team#123##[error]x";
/// For registry text (deprecation messages), which may hold anything.
const HOSTILE: &str = "\n::error::pwned\n::add-mask::secret %0A::warning::pwned2 <img src=x onerror=1> @org/team #123 ##[error]x\r\n::stop-commands::tok";

/// Strip inline code spans: what remains is what GitHub renders as Markdown/HTML.
fn outside_code_spans(md: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in md.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(c);
        }
    }
    out
}

fn assert_no_injection(run: &ActionRun) {
    for line in run.commands() {
        // Only lockgate's own annotation commands, with escaped properties, start a line.
        let ok = ["::error ", "::warning ", "::notice "].iter().any(|p| line.starts_with(p));
        assert!(ok, "a raw workflow command reached the log: {line:?}\n{run:?}");
        let props = line.split("::").nth(1).unwrap();
        assert!(!props.contains('\r'), "{line:?}");
    }
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("##["), "{text}");
        for l in text.lines() {
            assert!(
                !l.trim_start().starts_with("::add-mask") && !l.trim_start().starts_with("::stop-commands")
            );
        }
    }
}

fn hostile_repo(registry: &RegistryServer) -> (GitRepo, String, String) {
    let packages = vec![
        // A version string from the lockfile, a resolved URL, and a registry message, all hostile.
        (
            "lockgate-hostile-a".to_owned(),
            format!("1.0.0-{HOSTILE_INLINE}"),
            "https://registry.npmjs.org/lockgate-hostile-a/-/x.tgz".to_owned(),
        ),
        (
            "lockgate-hostile-b".to_owned(),
            "1.0.0".to_owned(),
            format!("http://evil.example/b.tgz?{HOSTILE_INLINE}"),
        ),
        (
            "lockgate-hostile-c".to_owned(),
            "1.0.0".to_owned(),
            "https://registry.npmjs.org/lockgate-hostile-c/-/lockgate-hostile-c-1.0.0.tgz".to_owned(),
        ),
    ];
    registry.packument("/lockgate-hostile-a", &packument_json("lockgate-hostile-a", &["1.0.0"]));
    registry.packument("/lockgate-hostile-b", &packument_json("lockgate-hostile-b", &["1.0.0"]));
    registry.packument("/lockgate-hostile-c", &deprecated_packument("lockgate-hostile-c", "1.0.0", HOSTILE));
    adding(&packages)
}

#[test]
fn hostile_text_never_becomes_a_workflow_command_in_the_log() {
    let registry = RegistryServer::start();
    let (repo, base, head) = hostile_repo(&registry);
    let gh = GithubServer::start();
    gh.read_only(true);
    let mut s =
        Setup::new(repo.path(), &gh, "pull_request", pr_payload("pull_request.opened.fork", &base, &head));
    s.registry = Some(&registry);
    s.now = Some("2026-06-01T00:00:00Z");
    let run = s.run();
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    // The findings did reach the log, escaped.
    assert!(
        run.annotations("warning")
            .iter()
            .chain(run.annotations("error").iter())
            .any(|l| l.contains("::error::pwned%0A::add-mask::secret")),
        "{run:?}"
    );
    assert_no_injection(&run);
    assert!(run.stdout.contains("onerror"), "{run:?}");
    // Even with debug logging, which echoes registry and lockfile text to stderr.
    let mut s =
        Setup::new(repo.path(), &gh, "pull_request", pr_payload("pull_request.opened.fork", &base, &head));
    s.registry = Some(&registry);
    s.now = Some("2026-06-01T00:00:00Z");
    s.log = Some("trace");
    let run = s.run();
    assert_no_injection(&run);
}

#[test]
fn hostile_text_is_inert_in_the_comment_and_the_check_run() {
    let registry = RegistryServer::start();
    let (repo, base, head) = hostile_repo(&registry);
    let gh = GithubServer::start();
    let payload = pr_payload("pull_request.opened", &base, &head);
    let pr = pr_number(&payload);
    let mut s = Setup::new(repo.path(), &gh, "pull_request", payload);
    s.registry = Some(&registry);
    s.now = Some("2026-06-01T00:00:00Z");
    let run = s.run();
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    assert_no_injection(&run);
    let comments = gh.comments(pr);
    assert_eq!(comments.len(), 1, "{run:?}");
    let body = &comments[0].body;
    assert!(body.contains("pwned"), "the hostile text is reported: {body}");
    let rendered = outside_code_spans(body);
    // (Workflow commands mean nothing in a comment: only the log is parsed for them.)
    for bad in ["<img", "@org", "#123"] {
        assert!(!rendered.contains(bad), "{bad:?} outside a code span:\n{body}");
    }
    // Every table row stays one row.
    for line in body.lines().filter(|l| l.starts_with('|')) {
        assert!(line.ends_with('|'), "{line:?}");
    }
    let summary_rendered = outside_code_spans(&run.summary);
    assert!(!summary_rendered.contains("<img") && !summary_rendered.contains("@org"), "{}", run.summary);
    assert_clean(&gh);
}

#[test]
fn a_refused_lockfile_is_reported_on_one_escaped_line() {
    let packages = vec![(
        "lockgate-hostile-a".to_owned(),
        format!("1.0.0{HOSTILE}"),
        "https://registry.npmjs.org/lockgate-hostile-a/-/x.tgz".to_owned(),
    )];
    let (repo, base, head) = adding(&packages);
    let gh = GithubServer::start();
    let run =
        Setup::new(repo.path(), &gh, "pull_request", pr_payload("pull_request.opened", &base, &head)).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("control character") && run.stdout.contains("pwned"), "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert_no_injection(&run);
    assert!(run.summary.contains("no verdict"), "{}", run.summary);
}

// ---------------------------------------------------------------------------------------------
// Inputs and limits

#[test]
fn a_huge_report_keeps_the_comment_under_githubs_limit() {
    let registry = RegistryServer::start();
    let long = "this version is deprecated, please upgrade; ".repeat(8);
    let packages: Vec<_> = (0..400)
        .map(|i| {
            let name = format!("lockgate-fixture-{i:03}");
            let resolved = format!("https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz");
            registry.packument(&format!("/{name}"), &deprecated_packument(&name, "1.0.0", &long));
            (name, "1.0.0".to_owned(), resolved)
        })
        .collect();
    let (repo, base, head) = adding(&packages);
    let gh = GithubServer::start();
    let payload = pr_payload("pull_request.opened", &base, &head);
    let pr = pr_number(&payload);
    let mut s = Setup::new(repo.path(), &gh, "pull_request", payload);
    s.registry = Some(&registry);
    s.now = Some("2026-06-01T00:00:00Z");
    let run = s.run();
    assert_eq!(run.code, 0, "{run:?}");
    let body = &gh.comments(pr)[0].body;
    assert!(body.chars().count() <= 65_536, "{}", body.len());
    // Cut short, and saying where the rest is.
    assert!(
        !body.contains("lockgate-fixture-399") && body.contains("job summary"),
        "{}",
        &body[body.len() - 300..]
    );
    // The summary has every package.
    assert!(run.summary.contains("lockgate-fixture-399"));
    let cr = &gh.check_runs()[0];
    assert!(cr["output"]["summary"].as_str().unwrap().chars().count() <= 65_535);
    assert_eq!(cr["output"]["annotations"].as_array().unwrap().len(), 400);
    assert_clean(&gh);
}

#[test]
fn lockfiles_input_takes_globs() {
    let a = axios();
    // A second project whose lockfile makes the same change, outside the glob.
    let case = case_dir("axios-1.14.1");
    a.repo.git(&["checkout", "-q", &a.base]);
    a.repo.copy(&case.join("base/package-lock.json"), "apps/web/package-lock.json");
    a.repo.copy(&case.join("base/package-lock.json"), "tools/package-lock.json");
    let base = a.repo.commit("base with apps");
    a.repo.copy(&case.join("head/package-lock.json"), "apps/web/package-lock.json");
    a.repo.copy(&case.join("head/package-lock.json"), "tools/package-lock.json");
    let head = a.repo.commit("head with apps");
    let gh = GithubServer::start();
    let run = axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &base, &head))
        .input("lockfiles", "apps/*/package-lock.json")
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.report();
    let paths: Vec<&str> =
        report["lockfiles"].as_array().unwrap().iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["apps/web/package-lock.json"]);
}

#[test]
fn min_release_age_and_fail_on_inputs_override_the_policy() {
    let registry = RegistryServer::start();
    let name = "lockgate-fixture-young";
    registry.packument(&format!("/{name}"), &packument_json(name, &["1.0.0"]));
    let packages = vec![(
        name.to_owned(),
        "1.0.0".to_owned(),
        format!("https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz"),
    )];
    let (repo, base, head) = adding(&packages);
    let gh = GithubServer::start();
    let setup = |inputs: &[(&'static str, &str)]| {
        let mut s =
            Setup::new(repo.path(), &gh, "pull_request", pr_payload("pull_request.opened", &base, &head));
        s.registry = Some(&registry);
        s.now = Some("2026-06-01T00:00:00Z");
        for (k, v) in inputs {
            s = s.input(k, v);
        }
        s.run()
    };
    // Published 2023-01-01: old by default.
    let plain = setup(&[("fail-on", "high")]);
    assert_eq!(plain.code, 0, "{plain:?}");
    let strict = setup(&[("fail-on", "high"), ("min-release-age", "1500d")]);
    assert_eq!(strict.code, 1, "{strict:?}");
    let report = strict.report();
    let signals: Vec<&str> = report["packages"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["signal"].as_str().unwrap())
        .collect();
    assert!(signals.contains(&"recent-release"), "{report:#}");
}

#[test]
fn config_input_is_read_from_the_base_revision() {
    let a = axios();
    let allow = "allow:\n  - package: axios\n    signals: all\n    reason: reviewed\n  - package: plain-crypto-js\n    signals: all\n    reason: reviewed\n";
    // Only the pull request's head carries the permissive policy: it must not apply.
    a.repo.write(".github/custom-lockgate.yml", allow.as_bytes());
    let head_with_policy = a.repo.commit("loosen the gate");
    let gh = GithubServer::start();
    let run =
        axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &head_with_policy))
            .input("config", ".github/custom-lockgate.yml")
            .run();
    assert_eq!(run.code, 2, "the policy file is missing at the base: {run:?}");
    assert!(run.stdout.contains(".github/custom-lockgate.yml"), "{run:?}");

    // Once the base has it, it applies.
    let repo = GitRepo::new();
    let case = case_dir("axios-1.14.1");
    repo.copy(&case.join("base/package-lock.json"), "package-lock.json");
    repo.write(".github/custom-lockgate.yml", allow.as_bytes());
    let base = repo.commit("base");
    repo.copy(&case.join("head/package-lock.json"), "package-lock.json");
    let head = repo.commit("head");
    let mut s = Setup::new(repo.path(), &gh, "pull_request", pr_payload("pull_request.opened", &base, &head));
    s.registry = Some(&a.registry);
    s.now = Some(&a.now);
    let run = s.input("config", ".github/custom-lockgate.yml").run();
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_rejected_comment_does_not_stop_the_check_run() {
    let a = axios();
    let gh = GithubServer::start();
    gh.fail("POST", &format!("{REPO_PATH}/issues/"), Fault::Unprocessable, 1);
    let payload = pr_payload("pull_request.opened", &a.base, &a.head);
    let pr = pr_number(&payload);
    let run = axios_setup(&a, &gh, "pull_request", payload).run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(gh.comments(pr).is_empty());
    assert_eq!(gh.check_runs().len(), 1);
    assert!(run.summary.contains("could not be posted"), "{}", run.summary);
    // The check run holds the annotations; the log does not repeat them.
    assert!(run.annotations("error").is_empty(), "{run:?}");
}

#[test]
fn enterprise_server_api_url_keeps_its_path() {
    let a = axios();
    let gh = GithubServer::start();
    let mut s = axios_setup(&a, &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.head));
    s.api_path = "/api/v3/";
    let run = s.run();
    assert_eq!(run.code, 1, "{run:?}");
    let requests = gh.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(r.path.starts_with("/api/v3/repos/octocat/Hello-World/"), "{}", r.path);
    }
}

#[test]
fn files_github_cannot_serve_are_exit_3() {
    let a = axios();
    // Only the merge commit is checked out: the lockfiles must come from the API, which fails.
    let ws = GitRepo::new();
    ws.copy(&case_dir("axios-1.14.1").join("head/package-lock.json"), "package-lock.json");
    let merge = ws.commit("Merge head into base");
    let gh = GithubServer::start();
    gh.fail("GET", &format!("{REPO_PATH}/git/trees/"), Fault::Status(503), 100);
    let mut s =
        Setup::new(ws.path(), &gh, "pull_request", pr_payload("pull_request.opened", &a.base, &a.head));
    s.registry = Some(&a.registry);
    s.now = Some(&a.now);
    s.sha = Some(&merge);
    let run = s.run();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stdout.starts_with("::error title=lockgate::") && run.stdout.contains("fetch-depth"),
        "{run:?}"
    );
    assert!(run.summary.contains("no verdict"), "{}", run.summary);
}
