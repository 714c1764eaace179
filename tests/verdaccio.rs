//! End to end against a real npm registry: Verdaccio on 127.0.0.1 with no uplinks, started by
//! scripts/test.sh (scripts/verdaccio.sh), which passes its URL in LOCKGATE_VERDACCIO_URL.
//!
//! Packages are published the way their owners would (`npm publish` from a package directory
//! with a token, or the raw `PUT /<name>` npm sends), lockfiles are made by the real npm against
//! that registry, committed to a git repository, and `lockgate diff` judges the change with
//! `--registry` pointing at Verdaccio. Without the variable the tests skip, except under CI=true,
//! where they fail: a gate whose end-to-end test silently stopped running is not tested.
//!
//! Names carry a per-run tag, so the tests can run again against a registry that already holds
//! an earlier run's packages.

mod common;

use common::{GitRepo, Run, lockgate_env};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const URL_VAR: &str = "LOCKGATE_VERDACCIO_URL";

/// The postinstall command the second publisher adds (shell quoting and all, as npm stores it).
const POSTINSTALL: &str = "node -e \"require('./setup.js')\"";

/// The registry URL (ending in `/`), `None` to skip; panics under CI=true without one.
fn registry_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => {
            let url = url.trim();
            Some(if url.ends_with('/') { url.to_owned() } else { format!("{url}/") })
        }
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "{URL_VAR} is not set, so the Verdaccio end-to-end test cannot run. Run the tests with \
             scripts/test.sh, which installs and starts Verdaccio (scripts/verdaccio.sh) and sets it; \
             if it did, look above for why Verdaccio did not start."
        ),
        _ => {
            eprintln!(
                "skipped: {URL_VAR} is not set (scripts/test.sh starts Verdaccio and sets it; or run \
                 `scripts/verdaccio.sh start DIR` yourself and export the URL it prints)"
            );
            None
        }
    }
}

/// A short tag that makes this run's package and account names unique on a shared registry.
fn run_tag(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{test}{nanos}{}", std::process::id()).bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h as u32)
}

/// One registry account: its name, e-mail, token, and a userconfig file for npm that points at
/// the registry with that token.
struct Account {
    name: String,
    email: String,
    token: String,
    npmrc: PathBuf,
}

/// The registry under test plus a scratch directory for package sources, npm's cache and the
/// accounts' npmrc files.
struct Registry {
    url: String,
    /// `//127.0.0.1:<port>/`, npm's key prefix for credentials of this registry.
    nerf: String,
    scratch: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Registry {
    fn new(url: String) -> Registry {
        let nerf =
            url.strip_prefix("http:").or_else(|| url.strip_prefix("https:")).unwrap_or(&url).to_owned();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        // No connection reuse: Node closes idle keep-alive sockets after 5 s, and a request
        // sent on one just as it closes fails with a connection error (seen as a rare flake).
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("http client");
        let registry = Registry { url, nerf, scratch: tempfile::tempdir().expect("temp dir"), rt, http };
        let (status, body) = registry.request(reqwest::Method::GET, "-/ping", None, None);
        assert_eq!(status, 200, "Verdaccio at {} does not answer /-/ping: {body}", registry.url);
        registry
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        self.rt.block_on(async {
            let mut req = self.http.request(method.clone(), &url).header("accept", "application/json");
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            if let Some(b) = body {
                req = req.header("content-type", "application/json").body(b.to_string());
            }
            let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap_or_default())
        })
    }

    /// Create an account the way `npm adduser` does; Verdaccio answers with a token.
    fn add_user(&self, name: &str) -> Account {
        let email = format!("{name}@example.invalid");
        let body = json!({
            "_id": format!("org.couchdb.user:{name}"),
            "name": name,
            "password": format!("pw-{name}-not-secret"),
            "email": email,
            "type": "user",
            "roles": [],
        });
        // Verdaccio's htpasswd store refuses (403, user not created) a registration that races
        // another one for its file lock: one at a time here, and a retry for other processes.
        static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let path = format!("-/user/org.couchdb.user:{name}");
        let mut attempt = 0;
        let (status, text) = loop {
            let (status, text) = self.request(reqwest::Method::PUT, &path, None, Some(&body));
            attempt += 1;
            if status != 403 || attempt == 5 {
                break (status, text);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        };
        assert_eq!(status, 201, "creating user {name}: {text}");
        let token = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["token"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no token in {text}"));
        let npmrc = self.scratch.path().join(format!("{name}.npmrc"));
        std::fs::write(&npmrc, format!("registry={}\n{}:_authToken={token}\n", self.url, self.nerf)).unwrap();
        Account { name: name.to_owned(), email, token, npmrc }
    }

    /// A package directory holding `manifest` as package.json and a file so the tarball has
    /// content.
    fn package_dir(&self, manifest: &Value) -> PathBuf {
        let name = manifest["name"].as_str().unwrap().replace('/', "+");
        let version = manifest["version"].as_str().unwrap();
        let dir = self.scratch.path().join(format!("src-{name}-{version}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("package.json"), serde_json::to_vec_pretty(manifest).unwrap()).unwrap();
        std::fs::write(dir.join("index.js"), "module.exports = {};\n").unwrap();
        std::fs::write(dir.join("setup.js"), "// what an install script would run\n").unwrap();
        dir
    }

    /// `npm publish` as `account`.
    fn publish(&self, account: &Account, manifest: Value) {
        let dir = self.package_dir(&manifest);
        self.npm(&dir, &["publish", "--registry", &self.url], &account.npmrc, &[]);
    }

    /// Publish with the request npm sends (`PUT /<name>` with the version manifest and the
    /// tarball), adding to the manifest the publisher fields npmjs records server-side and
    /// Verdaccio keeps when the client sends them.
    fn publish_raw(&self, account: &Account, mut manifest: Value, maintainers: &[&Account]) {
        let dir = self.package_dir(&manifest);
        let out = self.npm(&dir, &["pack", "--json", "--pack-destination", "."], &account.npmrc, &[]);
        let packed: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("npm pack --json: {e}"));
        let packed = &packed[0];
        let filename = packed["filename"].as_str().expect("npm pack filename");
        let tarball = std::fs::read(dir.join(filename)).unwrap();
        let name = manifest["name"].as_str().unwrap().to_owned();
        let version = manifest["version"].as_str().unwrap().to_owned();
        let person = |a: &Account| json!({ "name": a.name, "email": a.email });
        manifest["_id"] = json!(format!("{name}@{version}"));
        manifest["_npmUser"] = person(account);
        manifest["maintainers"] = Value::Array(maintainers.iter().map(|a| person(a)).collect());
        manifest["dist"] = json!({
            "integrity": packed["integrity"],
            "shasum": packed["shasum"],
            "tarball": format!("{}{name}/-/{filename}", self.url),
        });
        let body = json!({
            "_id": name,
            "name": name,
            "dist-tags": { "latest": version },
            "versions": { version.clone(): manifest },
            "access": null,
            "_attachments": {
                filename: {
                    "content_type": "application/octet-stream",
                    "data": base64(&tarball),
                    "length": tarball.len(),
                }
            }
        });
        let path = name.replace('/', "%2f");
        let (status, text) = self.request(reqwest::Method::PUT, &path, Some(&account.token), Some(&body));
        assert!(status == 200 || status == 201, "PUT {name}@{version} as {}: {status} {text}", account.name);
    }

    /// Run npm in `dir` with `userconfig` as its user config and a private cache; returns
    /// stdout, panics with npm's output on failure.
    fn npm(&self, dir: &Path, args: &[&str], userconfig: &Path, env: &[(&str, Option<&str>)]) -> Vec<u8> {
        let mut cmd = Command::new("npm");
        cmd.args(args)
            .current_dir(dir)
            .env("npm_config_userconfig", userconfig)
            .env("npm_config_cache", self.scratch.path().join("npm-cache"))
            .env("npm_config_audit", "false")
            .env("npm_config_fund", "false")
            .env("npm_config_update_notifier", "false")
            .env_remove("NPM_CONFIG_USERCONFIG")
            .env_remove("npm_config_registry")
            .env_remove("NPM_CONFIG_REGISTRY");
        for (name, value) in env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("cannot run npm (is it on PATH?): {e}"));
        assert!(
            out.status.success(),
            "npm {args:?} in {} failed:\n{}\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Write the project's package.json, lock it with the real npm against the registry (no
    /// install, no scripts, `resolved` URLs kept as a normal npm config would) and commit.
    fn lock_and_commit(
        &self,
        repo: &GitRepo,
        dependencies: Value,
        env: &[(&str, Option<&str>)],
        message: &str,
    ) {
        let manifest =
            json!({ "name": "e2e-app", "version": "1.0.0", "private": true, "dependencies": dependencies });
        repo.write("package.json", serde_json::to_string_pretty(&manifest).unwrap().as_bytes());
        let empty = self.scratch.path().join("empty.npmrc");
        std::fs::write(&empty, "").unwrap();
        self.npm(
            repo.path(),
            &[
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--omit-lockfile-registry-resolved=false",
                "--registry",
                &self.url,
            ],
            &empty,
            env,
        );
        repo.commit(message);
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

fn diff(repo: &GitRepo, registry: &str, now: &str, format: &str, env: &[(&str, Option<&str>)]) -> Run {
    lockgate_env(
        repo.path(),
        &[
            "diff",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
            "--registry",
            registry,
            "--now",
            now,
            "--format",
            format,
        ],
        env,
    )
}

fn package<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{name} is not in the report:\n{report:#}"))
}

fn finding<'a>(package: &'a Value, signal: &str) -> &'a Value {
    package["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["signal"] == signal))
        .unwrap_or_else(|| panic!("{} has no {signal} finding:\n{package:#}", package["name"]))
}

fn has_finding(package: &Value, signal: &str) -> bool {
    package["findings"].as_array().is_some_and(|fs| fs.iter().any(|f| f["signal"] == signal))
}

fn unavailable_reason<'a>(package: &'a Value, signal: &str) -> Option<&'a str> {
    package["unavailable_reasons"]
        .as_array()?
        .iter()
        .find(|u| u["signal"] == signal)
        .and_then(|u| u["reason"].as_str())
}

fn assert_no_secret(run: &Run, secret: &str, what: &str) {
    assert!(!secret.is_empty());
    assert!(!run.stdout.contains(secret), "{what}: the token appears on stdout:\n{}", run.stdout);
    assert!(!run.stderr.contains(secret), "{what}: the token appears on stderr:\n{}", run.stderr);
}

/// The attack as a self-hosted registry shows it: account A publishes a package, account B
/// publishes a patch that adds a postinstall script and a dependency on a package B published
/// minutes before. Alongside, a scoped package from a registry that needs a token moves too.
#[test]
fn npm_publish_attack_and_a_private_scope() {
    let Some(url) = registry_url() else { return };
    let reg = Registry::new(url.clone());
    let tag = run_tag("npm-publish");
    let victim = format!("e2e-victim-{tag}");
    let payload = format!("e2e-payload-{tag}");
    let private = format!("@e2e/internal-{tag}");
    let alice = reg.add_user(&format!("alice-{tag}"));
    let mallory = reg.add_user(&format!("mallory-{tag}"));

    reg.publish(&alice, json!({ "name": victim, "version": "1.0.0", "license": "MIT" }));
    reg.publish(&alice, json!({ "name": private, "version": "1.0.0", "license": "MIT" }));
    // The scope really is private: anonymous reads are refused, the token is let through.
    let scoped_path = private.replace('/', "%2f");
    assert_eq!(reg.request(reqwest::Method::GET, &scoped_path, None, None).0, 401);
    assert_eq!(reg.request(reqwest::Method::GET, &scoped_path, Some(&alice.token), None).0, 200);

    let repo = GitRepo::new();
    // The project's .npmrc as a team with a private scope writes it: the token comes from the
    // environment (a CI secret), never from the file.
    let npmrc = format!("@e2e:registry={url}\n{}:_authToken=${{E2E_TOKEN}}\n", reg.nerf);
    repo.write(".npmrc", npmrc.as_bytes());
    let token_env = [("E2E_TOKEN", Some(alice.token.as_str()))];
    reg.lock_and_commit(
        &repo,
        json!({ victim.clone(): "^1.0.0", private.clone(): "^1.0.0" }),
        &token_env,
        "base",
    );

    reg.publish(&mallory, json!({ "name": payload, "version": "1.0.0", "license": "MIT" }));
    reg.publish(
        &mallory,
        json!({
            "name": victim,
            "version": "1.0.1",
            "license": "MIT",
            "scripts": { "postinstall": POSTINSTALL },
            "dependencies": { payload.clone(): "^1.0.0" },
        }),
    );
    reg.publish(&alice, json!({ "name": private, "version": "1.0.1", "license": "MIT" }));
    reg.lock_and_commit(
        &repo,
        json!({ victim.clone(): "^1.0.1", private.clone(): "^1.0.1" }),
        &token_env,
        "head",
    );

    let lock = std::fs::read_to_string(repo.path().join("package-lock.json")).unwrap();
    assert!(
        lock.contains(&format!("{url}{payload}/-/{payload}-1.0.0.tgz")),
        "npm kept resolved URLs:\n{lock}"
    );

    // Trace logging on, to show the token stays out of logs as well as reports.
    let now = now();
    let with_token = [("E2E_TOKEN", Some(alice.token.as_str())), ("LOCKGATE_LOG", Some("trace"))];
    let run = diff(&repo, &url, &now, "json", &with_token);
    assert_eq!(run.code, 1, "a failing verdict exits 1\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_no_secret(&run, &alice.token, "json report with the token");
    let report = run.json();
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["offline"], false);
    assert_eq!(report["now"], now.as_str());

    let v = package(&report, &victim);
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str(), v["change"].as_str()),
        (Some("1.0.0"), Some("1.0.1"), Some("updated"))
    );
    assert_eq!(v["verdict"], "fail", "{v:#}");
    assert_eq!(v["install_script"], true, "npm's lockfile records hasInstallScript: {v:#}");
    let script = finding(v, "install-script");
    assert_eq!(script["severity"], "high", "{script:#}");
    assert_eq!(script["evidence"]["status"], "added", "{script:#}");
    assert_eq!(script["evidence"]["previous"], "1.0.0", "{script:#}");
    assert_eq!(script["evidence"]["scripts"]["new"]["postinstall"], POSTINSTALL, "{script:#}");
    assert!(script["message"].as_str().unwrap().contains(POSTINSTALL), "{script:#}");
    let dep = finding(v, "dependency-added");
    let added = dep["evidence"]["added"].as_array().expect("added list");
    assert_eq!(added.len(), 1, "{dep:#}");
    assert_eq!(added[0]["name"], payload.as_str(), "{dep:#}");
    assert_eq!(added[0]["stranger"], true, "{dep:#}");
    let recent = finding(v, "recent-release");
    assert!(recent["evidence"]["age_hours"].as_i64().is_some_and(|h| h < 1), "{recent:#}");
    // npm publish gives Verdaccio no _npmUser, and it adds none: who published is unknown.
    assert!(!has_finding(v, "new-publisher"), "{v:#}");
    let reason =
        unavailable_reason(v, "new-publisher").unwrap_or_else(|| panic!("new-publisher available? {v:#}"));
    assert!(reason.contains("_npmUser"), "{reason}");
    let rules: Vec<&str> =
        v["rules"].as_array().into_iter().flatten().filter_map(|r| r["rule"].as_str()).collect();
    assert!(
        rules.contains(&"fresh-install-code"),
        "install-time code in an hours-old release fails it: {v:#}"
    );

    let p = package(&report, &payload);
    assert_eq!((p["change"].as_str(), p["to"].as_str()), (Some("added"), Some("1.0.0")));
    let new_package = finding(p, "new-package");
    assert_eq!(new_package["evidence"]["versions"], 1, "{new_package:#}");
    // Just as fresh and from the same plain-http registry, but nothing runs at install: a
    // warning, not a failure.
    assert_eq!(p["verdict"], "warn", "{p:#}");

    // The private package was fetched with the token: its publish time is known.
    let s = package(&report, &private);
    assert_eq!((s["from"].as_str(), s["to"].as_str()), (Some("1.0.0"), Some("1.0.1")));
    assert!(has_finding(s, "recent-release"), "{s:#}");
    assert_eq!(s["verdict"], "warn", "a benign fresh patch warns: {s:#}");
    assert!(!s["install_script"].as_bool().unwrap(), "{s:#}");
    assert!(unavailable_reason(s, "recent-release").is_none(), "{s:#}");
    // The lockfile matches what the registry serves, and every package resolves to the registry
    // configured for its name (the scope's, from .npmrc). untrusted-source still flags the
    // plain-http transport of this test registry, which is its documented rule.
    for p in [v, s] {
        assert!(!has_finding(p, "integrity-mismatch"), "{p:#}");
        if has_finding(p, "untrusted-source") {
            let message = finding(p, "untrusted-source")["message"].as_str().unwrap();
            assert!(message.contains("plain http"), "{message}");
        }
    }

    // The text report and a report file keep it out too.
    let text = diff(&repo, &url, &now, "text", &with_token);
    assert_eq!(text.code, 1, "{}\n{}", text.stdout, text.stderr);
    assert_no_secret(&text, &alice.token, "text report with the token");
    assert!(text.stdout.contains(&victim), "{}", text.stdout);
    let out = reg.scratch.path().join("report.json");
    let out_arg = out.to_str().unwrap();
    let args = ["diff", "--base", "HEAD~1", "--head", "HEAD", "--registry", &url, "--now", &now];
    let file = lockgate_env(
        repo.path(),
        &[&args[..], &["--format", "json", "--output", out_arg]].concat(),
        &with_token,
    );
    assert_eq!(file.code, 1, "{}", file.stderr);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(!written.contains(&alice.token), "the token appears in the report file");
    assert_eq!(serde_json::from_str::<Value>(&written).unwrap()["verdict"], "fail");

    // Without the token (a fork's pull request has no secrets): still a verdict, the private
    // package is reported as refused, not as an error of the run and not as a finding.
    let without = diff(&repo, &url, &now, "json", &[("E2E_TOKEN", None)]);
    assert_eq!(without.code, 1, "stdout:\n{}\nstderr:\n{}", without.stdout, without.stderr);
    assert!(without.stderr.contains("E2E_TOKEN"), "says which variable was missing:\n{}", without.stderr);
    assert_no_secret(&without, &alice.token, "report without the token");
    let report = without.json();
    let s = package(&report, &private);
    assert!(!has_finding(s, "recent-release"), "{s:#}");
    let reason = unavailable_reason(s, "recent-release").unwrap_or_else(|| panic!("{s:#}"));
    assert!(reason.contains("401/403"), "{reason}");
    assert!(unavailable_reason(s, "new-publisher").is_some(), "{s:#}");
    assert!(has_finding(package(&report, &victim), "install-script"));

    // A wrong token: refused the same way, and that token is not echoed either.
    let bogus = "e2e-bogus-token-do-not-print";
    let wrong =
        diff(&repo, &url, &now, "json", &[("E2E_TOKEN", Some(bogus)), ("LOCKGATE_LOG", Some("debug"))]);
    assert_eq!(wrong.code, 1, "stdout:\n{}\nstderr:\n{}", wrong.stdout, wrong.stderr);
    assert_no_secret(&wrong, bogus, "report with a wrong token");
    let report = wrong.json();
    let reason =
        unavailable_reason(package(&report, &private), "recent-release").unwrap_or_default().to_owned();
    assert!(reason.contains("401/403"), "{reason}");
}

/// The same attack with the publisher recorded: versions published with the raw `PUT` carrying
/// `_npmUser` and `maintainers`, as npmjs stores them. Now the new account is named.
#[test]
fn raw_publish_with_npm_user_names_the_new_publisher() {
    let Some(url) = registry_url() else { return };
    let reg = Registry::new(url.clone());
    let tag = run_tag("raw-put");
    let victim = format!("e2e-raw-victim-{tag}");
    let payload = format!("e2e-raw-payload-{tag}");
    let alice = reg.add_user(&format!("alice-{tag}"));
    let mallory = reg.add_user(&format!("mallory-{tag}"));

    reg.publish_raw(&alice, json!({ "name": victim, "version": "1.0.0", "license": "MIT" }), &[&alice]);
    let repo = GitRepo::new();
    reg.lock_and_commit(&repo, json!({ victim.clone(): "^1.0.0" }), &[], "base");

    reg.publish_raw(&mallory, json!({ "name": payload, "version": "1.0.0", "license": "MIT" }), &[&mallory]);
    reg.publish_raw(
        &mallory,
        json!({
            "name": victim,
            "version": "1.0.1",
            "license": "MIT",
            "scripts": { "postinstall": POSTINSTALL },
            "dependencies": { payload.clone(): "^1.0.0" },
        }),
        &[&alice, &mallory],
    );
    // Verdaccio stores the publisher fields as sent.
    let (status, doc) = reg.request(reqwest::Method::GET, &victim, None, None);
    assert_eq!(status, 200, "{doc}");
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["versions"]["1.0.1"]["_npmUser"]["name"], mallory.name.as_str(), "{doc:#}");

    reg.lock_and_commit(&repo, json!({ victim.clone(): "^1.0.1" }), &[], "head");

    let now = now();
    let run = diff(&repo, &url, &now, "json", &[]);
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["verdict"], "fail");
    let v = package(&report, &victim);
    assert_eq!(v["verdict"], "fail", "{v:#}");
    assert!(unavailable_reason(v, "new-publisher").is_none(), "{v:#}");
    let publisher = finding(v, "new-publisher");
    assert_eq!(publisher["severity"], "high", "{publisher:#}");
    assert_eq!(publisher["evidence"]["publisher"]["new"], mallory.name.as_str(), "{publisher:#}");
    assert_eq!(publisher["evidence"]["publisher"]["old"], json!([alice.name]), "{publisher:#}");
    assert_eq!(publisher["evidence"]["email"], mallory.email.as_str(), "{publisher:#}");
    assert_eq!(publisher["evidence"]["listed_maintainer_of_previous_version"], false, "{publisher:#}");
    let maintainers = finding(v, "maintainers-changed");
    assert_eq!(maintainers["evidence"]["added"], json!([mallory.name]), "{maintainers:#}");
    assert_eq!(finding(v, "install-script")["evidence"]["status"], "added");
    assert_eq!(finding(v, "dependency-added")["evidence"]["added"][0]["name"], payload.as_str());
    assert!(has_finding(v, "recent-release"), "{v:#}");
    let p = package(&report, &payload);
    assert!(has_finding(p, "new-package"), "{p:#}");
    assert!(
        unavailable_reason(p, "new-publisher").is_none(),
        "first release: nothing to compare, not unknown: {p:#}"
    );
}

#[test]
fn base64_matches_the_standard_alphabet() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foob"), "Zm9vYg==");
    assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
}
