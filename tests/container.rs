//! The published action image, end to end, run the way GitHub runs a docker action.
//!
//! scripts/container-e2e.sh builds the static musl binary, packs it with podman into the
//! Dockerfile's `prebuilt` stage (the same layout as the published image: FROM scratch, the
//! binary, a CA bundle) and passes the image name in LOCKGATE_CONTAINER_IMAGE. These tests are
//! `#[ignore]`d so plain `cargo test` (scripts/test.sh) does not need podman; the script runs
//! them with `--ignored`. Without the variable they skip, except under CI=true, where they
//! fail: a gate whose container test silently stopped running is not tested.
//!
//! What the runner does and these tests copy (`docker run` as printed in a workflow log):
//! - the checkout at /github/workspace (`-w /github/workspace`), the event payload at
//!   /github/workflow/event.json, the file-command files ($GITHUB_OUTPUT,
//!   $GITHUB_STEP_SUMMARY, ...) in /github/file_commands, $HOME at /github/home;
//! - every input as `INPUT_<NAME>` (upper case, dashes kept), plus the GITHUB_* / RUNNER_* set;
//! - the image's own user (no `--user`), with everything mounted owned by the runner's user
//!   (uid 1001) and not writable by others; the container must still write its outputs.
//!
//! The registry and the GitHub REST API are the stand-ins from tests/common on 127.0.0.1 (the
//! API one checks every request against GitHub's REST description), reached with
//! `--network host` (podman's bridge network is not used on these machines).

mod common;
#[path = "common/github_server.rs"]
mod github_server;
#[path = "common/registry_server.rs"]
mod registry_server;

use common::GitRepo;
use github_server::GithubServer;
use registry_server::RegistryServer;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const IMAGE_VAR: &str = "LOCKGATE_CONTAINER_IMAGE";
/// The pull request of the event.
const PR: u64 = 2;
/// The uid:gid GitHub-hosted runners run as; what the runner creates is theirs.
const RUNNER_UID: u32 = 1001;
const RUNNER_GID: u32 = 118;
/// The job token the runner would pass; it must reach nothing but the GitHub API.
const TOKEN: &str = "ghs_containertesttoken0000000000000000";

/// The image to run, `None` to skip; panics under CI=true without one.
fn image() -> Option<String> {
    match std::env::var(IMAGE_VAR) {
        Ok(image) if !image.trim().is_empty() => Some(image.trim().to_owned()),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "{IMAGE_VAR} is not set, so the container end-to-end test cannot run. Run it with \
             scripts/container-e2e.sh, which builds the image with podman and sets it."
        ),
        _ => {
            eprintln!(
                "skipped: {IMAGE_VAR} is not set (scripts/container-e2e.sh builds the image and sets it)"
            );
            None
        }
    }
}

fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression").join(case)
}

/// Serves every registry document of a regression case at the path the client asks for.
fn serve_case(server: &RegistryServer, case: &str) {
    for file in std::fs::read_dir(case_dir(case).join("registry")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let name = doc["name"].as_str().unwrap();
        server.packument(&format!("/{}", name.replace('/', "%2f")), &text);
    }
}

/// The runner's side of one docker-action step: workspace, event, file commands, home.
struct Step {
    root: tempfile::TempDir,
    repo: GitRepo,
    env: BTreeMap<String, String>,
    github: GithubServer,
}

impl Step {
    /// A repository whose first commit holds the case's base lockfile and second the head one,
    /// with a `pull_request` event between them.
    fn pull_request(case: &str) -> Step {
        let repo = GitRepo::new();
        repo.copy(&case_dir(case).join("base/package-lock.json"), "package-lock.json");
        let base = repo.commit("base");
        repo.copy(&case_dir(case).join("head/package-lock.json"), "package-lock.json");
        let head = repo.commit("head");
        let root = tempfile::tempdir().unwrap();
        for dir in ["workflow", "file_commands", "home"] {
            std::fs::create_dir(root.path().join(dir)).unwrap();
        }
        // A real `pull_request.synchronize` delivery (@octokit/webhooks-examples), pointed at
        // this repository's two commits.
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/github/webhooks/pull_request.synchronize.json");
        let mut event: Value = serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
        event["number"] = PR.into();
        event["pull_request"]["number"] = PR.into();
        event["pull_request"]["base"]["sha"] = base.as_str().into();
        event["pull_request"]["head"]["sha"] = head.as_str().into();
        for path in
            [&["repository"][..], &["pull_request", "base", "repo"], &["pull_request", "head", "repo"]]
        {
            let repo = path.iter().fold(&mut event, |v, key| &mut v[*key]);
            repo["full_name"] = "octo-org/app".into();
        }
        std::fs::write(root.path().join("workflow/event.json"), event.to_string()).unwrap();
        for file in ["set_output_1", "step_summary_1", "set_env_1", "add_path_1", "save_state_1"] {
            std::fs::write(root.path().join("file_commands").join(file), "").unwrap();
        }
        let env = [
            ("CI", "true"),
            ("HOME", "/github/home"),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_ACTION", "__run"),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", "/github/workflow/event.json"),
            ("GITHUB_WORKSPACE", "/github/workspace"),
            ("GITHUB_REPOSITORY", "octo-org/app"),
            ("GITHUB_REPOSITORY_OWNER", "octo-org"),
            ("GITHUB_SHA", "0000000000000000000000000000000000000000"),
            ("GITHUB_REF", "refs/pull/2/merge"),
            ("GITHUB_HEAD_REF", "bump-axios"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_RUN_ID", "1"),
            ("GITHUB_RUN_ATTEMPT", "1"),
            ("GITHUB_JOB", "lockgate"),
            ("GITHUB_WORKFLOW", "lockgate"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_OUTPUT", "/github/file_commands/set_output_1"),
            ("GITHUB_STEP_SUMMARY", "/github/file_commands/step_summary_1"),
            ("GITHUB_ENV", "/github/file_commands/set_env_1"),
            ("GITHUB_PATH", "/github/file_commands/add_path_1"),
            ("GITHUB_STATE", "/github/file_commands/save_state_1"),
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
            // A host path, as the runner passes it: not mounted, so the action must not need it.
            ("RUNNER_TEMP", "/home/runner/work/_temp"),
        ];
        let mut env: BTreeMap<String, String> =
            env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        env.extend(input_defaults());
        let github = GithubServer::start();
        github.put_pull(PR, &base, &head, Some("octo-org/app"));
        env.insert("GITHUB_API_URL".into(), github.url());
        env.insert("GITHUB_GRAPHQL_URL".into(), format!("{}/graphql", github.url()));
        Step { root, repo, env, github }
    }

    fn set(&mut self, name: &str, value: &str) {
        self.env.insert(name.to_owned(), value.to_owned());
    }

    /// Hands everything to the runner's user, as on a hosted runner: directories 0755, files
    /// 0644, so only a root container (the image's default user) may write there. Only when the
    /// test runs as root (CI); elsewhere the files stay the developer's.
    fn own_like_the_runner(&self) {
        if !running_as_root() {
            return;
        }
        for top in [self.repo.path(), self.root.path()] {
            for entry in walk(top) {
                std::os::unix::fs::chown(&entry, Some(RUNNER_UID), Some(RUNNER_GID)).unwrap();
                let mode = if entry.is_dir() { 0o755 } else { 0o644 };
                std::fs::set_permissions(&entry, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
            }
        }
    }

    /// `docker run` as the runner spells it for a docker action, with podman.
    fn run(&self, image: &str) -> Finished {
        self.own_like_the_runner();
        let mount = |host: &Path, inside: &str| format!("{}:{inside}", host.display());
        let mut cmd = Command::new("podman");
        cmd.args(["run", "--rm", "--network", "host", "--workdir", "/github/workspace"])
            .args(["-v", &mount(self.repo.path(), "/github/workspace")])
            .args(["-v", &mount(&self.root.path().join("workflow"), "/github/workflow")])
            .args(["-v", &mount(&self.root.path().join("file_commands"), "/github/file_commands")])
            .args(["-v", &mount(&self.root.path().join("home"), "/github/home")]);
        let mut secret = Vec::new();
        for (name, value) in &self.env {
            if value.contains(TOKEN) {
                // `-e NAME` takes the value from podman's own environment, as the runner passes
                // secrets: never on a command line.
                cmd.args(["-e", name]);
                secret.push((name, value));
            } else {
                cmd.arg("-e").arg(format!("{name}={value}"));
            }
        }
        cmd.arg(image).env_clear();
        for name in
            ["PATH", "HOME", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "XDG_RUNTIME_DIR", "TMPDIR"]
        {
            if let Ok(value) = std::env::var(name) {
                cmd.env(name, value);
            }
        }
        cmd.envs(secret);
        let out = cmd.output().expect("podman runs");
        let read =
            |name: &str| std::fs::read_to_string(self.root.path().join("file_commands").join(name)).unwrap();
        Finished {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&read("set_output_1")),
            summary: read("step_summary_1"),
            workspace: self.repo.path().to_owned(),
        }
    }
}

/// Every input of action.yml as the runner passes it: `INPUT_<NAME>` (upper case, dashes kept)
/// set to the default, with `${{ github.token }}` evaluated to the job's token.
fn input_defaults() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let action: Value = serde_saphyr::from_str(&text).expect("action.yml is YAML");
    let inputs = action["inputs"].as_object().expect("action.yml has inputs");
    inputs
        .iter()
        .map(|(name, input)| {
            let default = input["default"].as_str().unwrap_or_default();
            let value = if default == "${{ github.token }}" { TOKEN } else { default };
            (format!("INPUT_{}", name.to_uppercase()), value.to_owned())
        })
        .collect()
}

struct Finished {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    workspace: PathBuf,
}

impl Finished {
    fn output(&self, name: &str) -> &str {
        self.outputs.get(name).map(String::as_str).unwrap_or_else(|| {
            panic!(
                "no output {name:?} in {:?}\nstdout:\n{}\nstderr:\n{}",
                self.outputs, self.stdout, self.stderr
            )
        })
    }

    /// A path output, as later steps on the host see it: relative to the workspace, or under
    /// the container's /github/workspace.
    fn file(&self, name: &str) -> PathBuf {
        let path = self.output(name);
        let rel = path.strip_prefix("/github/workspace/").unwrap_or(path);
        assert!(!Path::new(rel).is_absolute(), "output {name} = {path:?} is not inside the workspace");
        self.workspace.join(rel)
    }
}

/// `$GITHUB_OUTPUT`: `name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            out.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_owned(), value.to_owned());
        }
    }
    out
}

fn walk(top: &Path) -> Vec<PathBuf> {
    let mut out = vec![top.to_owned()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() && !out[i].is_symlink() {
            for entry in std::fs::read_dir(&out[i]).unwrap() {
                out.push(entry.unwrap().path());
            }
        }
        i += 1;
    }
    out
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The axios compromise on a pull request, with action.yml's defaults: the container fails the
/// step, comments on the pull request, creates a check run with annotations, and writes the
/// four outputs, the job summary and the reports where later steps find them.
#[test]
#[ignore = "needs the image: scripts/container-e2e.sh"]
fn pull_request_with_the_axios_compromise_fails_comments_checks_and_outputs() {
    let Some(image) = image() else { return };
    let registry = RegistryServer::start();
    serve_case(&registry, "axios-1.14.1");
    let mut step = Step::pull_request("axios-1.14.1");
    step.set("INPUT_REGISTRY", &registry.url());
    let done = step.run(&image);
    let context = format!("stdout:\n{}\nstderr:\n{}", done.stdout, done.stderr);

    assert_eq!(done.code, 1, "the gate fails the step\n{context}");
    assert_eq!(done.output("verdict"), "fail");
    let findings: u64 = done.output("findings").parse().expect("findings is a count");
    assert!(findings >= 2, "axios and plain-crypto-js both have findings: {findings}");
    assert!(done.summary.contains("axios"), "the job summary names the package:\n{}", done.summary);
    assert!(done.summary.contains("plain-crypto-js"), "summary:\n{}", done.summary);

    let github = &step.github;
    assert_eq!(github.violations(), Vec::<String>::new(), "requests GitHub would refuse\n{context}");
    let comments = github.comments(PR);
    assert_eq!(comments.len(), 1, "one sticky comment: {comments:?}\n{context}");
    assert!(comments[0].body.contains("plain-crypto-js"), "{}", comments[0].body);
    let runs = github.check_runs();
    assert_eq!(runs.len(), 1, "one check run: {runs:#?}");
    assert_eq!(runs[0]["conclusion"], "failure", "{:#}", runs[0]);
    let annotations = runs[0]["output"]["annotations"].as_array().cloned().unwrap_or_default();
    assert!(
        annotations.iter().any(|a| a["path"] == "package-lock.json"),
        "annotations on the lockfile lines: {annotations:#?}"
    );
    for request in github.requests() {
        let auth = request.headers.get("authorization").map(String::as_str).unwrap_or_default();
        assert!(auth.ends_with(TOKEN), "{} {} without the job token", request.method, request.path);
    }

    let report: Value = serde_json::from_slice(&std::fs::read(done.file("report")).unwrap()).unwrap();
    assert_eq!(report["verdict"], "fail", "{report:#}");
    let names: Vec<&str> =
        report["packages"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(names.contains(&"axios") && names.contains(&"plain-crypto-js"), "{names:?}");
    // The image starts as root (GitHub requires it to write the file commands) but lockgate
    // gives root up before reading anything untrusted: the reports it wrote afterwards belong
    // to the unprivileged user.
    use std::os::unix::fs::MetadataExt;
    for output in ["report", "sarif"] {
        let owner = std::fs::metadata(done.file(output)).unwrap().uid();
        assert_eq!(owner, 65532, "{output} written as uid {owner}: lockgate did not drop root");
    }
    let sarif: Value = serde_json::from_slice(&std::fs::read(done.file("sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().is_some_and(|r| !r.is_empty()), "{sarif:#}");

    // The registry was asked from inside the container, and the token never went to it.
    assert!(!registry.requests_to("/axios").is_empty(), "no registry request reached 127.0.0.1");
    for request in registry.requests() {
        assert!(
            !request.headers.values().any(|v| v.contains(TOKEN)),
            "the GitHub token went to the registry: {request:?}"
        );
    }
    assert!(!done.stdout.contains(TOKEN) && !done.stderr.contains(TOKEN), "the token was printed\n{context}");
}

/// `warn-only` keeps the verdict but lets the step pass; `comment: never` and `check-run: false`
/// leave GitHub alone.
#[test]
#[ignore = "needs the image: scripts/container-e2e.sh"]
fn warn_only_without_comment_or_check_run_reports_fail_but_exits_zero() {
    let Some(image) = image() else { return };
    let registry = RegistryServer::start();
    serve_case(&registry, "axios-1.14.1");
    let mut step = Step::pull_request("axios-1.14.1");
    step.set("INPUT_REGISTRY", &registry.url());
    step.set("INPUT_WARN-ONLY", "true");
    step.set("INPUT_COMMENT", "never");
    step.set("INPUT_CHECK-RUN", "false");
    let done = step.run(&image);

    assert_eq!(done.code, 0, "stdout:\n{}\nstderr:\n{}", done.stdout, done.stderr);
    assert_eq!(done.output("verdict"), "fail");
    assert!(step.github.comments(PR).is_empty() && step.github.check_runs().is_empty());
}

/// A registry that cannot be reached is an error (exit 3), never a pass.
#[test]
#[ignore = "needs the image: scripts/container-e2e.sh"]
fn unreachable_registry_is_an_error_not_a_pass() {
    let Some(image) = image() else { return };
    let mut step = Step::pull_request("axios-1.14.1");
    step.set("INPUT_REGISTRY", "http://127.0.0.1:9/");
    let done = step.run(&image);

    assert_eq!(done.code, 3, "stdout:\n{}\nstderr:\n{}", done.stdout, done.stderr);
    assert_ne!(done.outputs.get("verdict").map(String::as_str), Some("pass"));
}
