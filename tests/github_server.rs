//! The fake GitHub API (tests/common/github_server.rs) itself, driven over raw HTTP/1.1 so each
//! test controls framing (keep-alive, chunked bodies) exactly.

#[path = "common/github_server.rs"]
mod github_server;

use github_server::{Fault, GithubServer, blob_sha};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One keep-alive connection.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

const AUTH: &[(&str, &str)] = &[("authorization", "Bearer ghs_test"), ("user-agent", "lockgate-test")];

impl Conn {
    fn open(gh: &GithubServer) -> Conn {
        let s = TcpStream::connect(gh.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn { writer: s.try_clone().unwrap(), reader: BufReader::new(s) }
    }

    fn send_raw(&mut self, head: &str, body: &[u8]) -> Reply {
        self.writer.write_all(head.as_bytes()).unwrap();
        self.writer.write_all(body).unwrap();
        self.read_reply()
    }

    fn read_reply(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status =
            line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{line:?}"));
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap();
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
        let len: usize = headers["content-length"].parse().unwrap();
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        Reply { status, headers, body }
    }

    fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
        let body = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() {
            head.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        self.send_raw(&head, &body)
    }

    fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.request(method, path, AUTH, body.as_ref())
    }
}

fn no_violations(gh: &GithubServer) {
    assert_eq!(gh.violations(), Vec::<String>::new());
}

fn link_rels(link: &str) -> BTreeMap<String, String> {
    link.split(", ")
        .map(|part| {
            let (url, rel) = part.split_once("; rel=").unwrap();
            (rel.trim_matches('"').to_owned(), url.trim_matches(|c| c == '<' || c == '>').to_owned())
        })
        .collect()
}

#[test]
fn comments_paginate_with_link_headers_over_one_keep_alive_connection() {
    let gh = GithubServer::start();
    for i in 0..150 {
        gh.seed_comment(7, &format!("comment {i}"), "someone");
    }
    let mut conn = Conn::open(&gh);
    let mut url = "/repos/o/r/issues/7/comments?per_page=100".to_owned();
    let mut bodies = Vec::new();
    let mut pages = 0;
    loop {
        let r = conn.call("GET", &url, None);
        assert_eq!(r.status, 200);
        pages += 1;
        for c in r.json().as_array().unwrap() {
            bodies.push(c["body"].as_str().unwrap().to_owned());
            assert_eq!(c["user"]["login"], "someone");
        }
        let Some(link) = r.headers.get("link") else { break };
        let rels = link_rels(link);
        if pages == 1 {
            assert!(rels["last"].ends_with("page=2"), "{link}");
        }
        match rels.get("next") {
            Some(next) => url = next.strip_prefix(&gh.url()).unwrap().to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(bodies.len(), 150);
    assert_eq!(bodies[149], "comment 149");
    // Default page size is 30.
    let r = conn.call("GET", "/repos/o/r/issues/7/comments", None);
    assert_eq!(r.json().as_array().unwrap().len(), 30);
    assert!(link_rels(&r.headers["link"])["last"].ends_with("page=5"));
    no_violations(&gh);
    assert_eq!(gh.requests().len(), 3);
}

#[test]
fn comment_create_update_delete() {
    let gh = GithubServer::start();
    let mut conn = Conn::open(&gh);
    let r = conn.call("POST", "/repos/o/r/issues/3/comments", Some(json!({"body": "hello"})));
    assert_eq!(r.status, 201);
    let c = r.json();
    assert_eq!(c["user"]["login"], "github-actions[bot]");
    assert_eq!(c["user"]["type"], "Bot");
    let id = c["id"].as_u64().unwrap();
    assert!(r.headers["location"].ends_with(&format!("/issues/comments/{id}")));
    let r = conn.call("PATCH", &format!("/repos/o/r/issues/comments/{id}"), Some(json!({"body": "edited"})));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["body"], "edited");
    assert_eq!(
        gh.comments(3),
        vec![github_server::Comment { id, body: "edited".into(), user: "github-actions[bot]".into() }]
    );
    // GitHub takes POST for PATCH (octocrab's update_comment sends POST).
    let r = conn.call("POST", &format!("/repos/o/r/issues/comments/{id}"), Some(json!({"body": "again"})));
    assert_eq!((r.status, r.json()["body"].as_str()), (200, Some("again")));
    let r = conn.call("DELETE", &format!("/repos/o/r/issues/comments/{id}"), None);
    assert_eq!(r.status, 204);
    assert!(gh.comments(3).is_empty());
    let r = conn.call("DELETE", &format!("/repos/o/r/issues/comments/{id}"), None);
    assert_eq!(r.status, 404);
    no_violations(&gh);
}

#[test]
fn check_runs_accumulate_annotations_across_updates() {
    let gh = GithubServer::start();
    let mut conn = Conn::open(&gh);
    let ann = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                json!({"path": "package-lock.json", "start_line": i + 1, "end_line": i + 1,
                            "annotation_level": "warning", "message": format!("m{i}")})
            })
            .collect()
    };
    let r = conn.call(
        "POST",
        "/repos/o/r/check-runs",
        Some(json!({"name": "lockgate", "head_sha": "a".repeat(40), "status": "in_progress",
                    "output": {"title": "t", "summary": "s", "annotations": ann(50)}})),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_u64().unwrap();
    let r = conn.call(
        "PATCH",
        &format!("/repos/o/r/check-runs/{id}"),
        Some(json!({"conclusion": "failure", "output": {"title": "t2", "summary": "s2", "annotations": ann(20)}})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "completed");
    let runs = gh.check_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["output"]["annotations"].as_array().unwrap().len(), 70);
    assert_eq!(runs[0]["output"]["annotations_count"], 70);
    assert_eq!(runs[0]["output"]["title"], "t2");
    assert_eq!(runs[0]["conclusion"], "failure");
    no_violations(&gh);
}

#[test]
fn invalid_bodies_get_githubs_422_and_are_violations() {
    let gh = GithubServer::start();
    let mut conn = Conn::open(&gh);
    // annotation_level is an enum without "fatal".
    let bad = json!({"name": "x", "head_sha": "a", "output": {"title": "t", "summary": "s", "annotations": [
        {"path": "p", "start_line": 1, "end_line": 1, "annotation_level": "fatal", "message": "m"}]}});
    let r = conn.call("POST", "/repos/o/r/check-runs", Some(bad));
    assert_eq!(r.status, 422);
    assert!(r.json()["message"].as_str().unwrap().starts_with("Invalid request."));
    assert!(gh.violations().iter().any(|v| v.contains("fatal")), "{:?}", gh.violations());
    assert!(gh.check_runs().is_empty());

    // More than 50 annotations in one request (maxItems: 50).
    let gh = GithubServer::start();
    let mut conn = Conn::open(&gh);
    let many: Vec<Value> = (0..51)
        .map(|_| json!({"path": "p", "start_line": 1, "end_line": 1, "annotation_level": "notice", "message": "m"}))
        .collect();
    let r = conn.call(
        "POST",
        "/repos/o/r/check-runs",
        Some(json!({"name": "x", "head_sha": "a", "output": {"title": "t", "summary": "s", "annotations": many}})),
    );
    assert_eq!(r.status, 422);
    assert_eq!(gh.violations().len(), 1, "{:?}", gh.violations());

    // A required field missing, an unknown path, an unknown query parameter, missing auth.
    let gh = GithubServer::start();
    let mut conn = Conn::open(&gh);
    assert_eq!(conn.call("POST", "/repos/o/r/issues/1/comments", Some(json!({"text": "x"}))).status, 422);
    assert_eq!(conn.call("GET", "/repos/o/r/nonsense", None).status, 404);
    assert_eq!(conn.call("PUT", "/repos/o/r/issues/1/comments", None).status, 404);
    assert_eq!(conn.call("GET", "/repos/o/r/issues/1/comments?perpage=5", None).status, 200);
    assert_eq!(conn.call("GET", "/repos/o/r/issues/1/comments?per_page=500", None).status, 200);
    assert_eq!(conn.call("GET", "/repos/o/r/issues/abc/comments", None).status, 404);
    assert_eq!(conn.request("GET", "/repos/o/r", &[("user-agent", "x")], None).status, 401);
    assert_eq!(conn.request("GET", "/repos/o/r", &[("authorization", "token x")], None).status, 403);
    let bad_accept = [AUTH[0], AUTH[1], ("accept", "text/html")];
    assert_eq!(conn.request("GET", "/repos/o/r", &bad_accept, None).status, 415);
    // GitHub's 65536-character limit on comment bodies (characters, not bytes).
    let ok = "é".repeat(65_536);
    assert_eq!(conn.call("POST", "/repos/o/r/issues/1/comments", Some(json!({"body": ok}))).status, 201);
    let r = conn.call("POST", "/repos/o/r/issues/1/comments", Some(json!({"body": "x".repeat(65_537)})));
    assert_eq!((r.status, r.json()["message"].as_str()), (422, Some("Validation Failed")));
    let versioned = [AUTH[0], AUTH[1], ("x-github-api-version", "2022-11-28")];
    assert_eq!(conn.request("GET", "/repos/o/r", &versioned, None).status, 200);
    let versioned = [AUTH[0], AUTH[1], ("x-github-api-version", "2026-03-10")];
    assert_eq!(conn.request("GET", "/repos/o/r", &versioned, None).status, 200);
    let versioned = [AUTH[0], AUTH[1], ("x-github-api-version", "2023-01-01")];
    assert_eq!(conn.request("GET", "/repos/o/r", &versioned, None).status, 400);
    let v = gh.violations();
    assert_eq!(v.len(), 11, "{v:#?}");
}

#[test]
fn chunked_request_bodies_are_read() {
    let gh = GithubServer::start();
    let mut conn = Conn::open(&gh);
    let body = br#"{"body": "chunked hello"}"#;
    let (a, b) = body.split_at(7);
    let mut chunked = format!("{:x}\r\n", a.len()).into_bytes();
    chunked.extend_from_slice(a);
    chunked.extend_from_slice(format!("\r\n{:x};ext=1\r\n", b.len()).as_bytes());
    chunked.extend_from_slice(b);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let head = "POST /repos/o/r/issues/9/comments HTTP/1.1\r\nhost: x\r\nauthorization: token t\r\n\
                user-agent: t\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    let r = conn.send_raw(head, &chunked);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(gh.comments(9)[0].body, "chunked hello");
    // The connection is still usable afterwards.
    assert_eq!(conn.call("GET", "/repos/o/r/issues/9/comments", None).status, 200);
    no_violations(&gh);

    // A chunk longer than its announced size is a malformed request.
    let r = conn.send_raw(head, b"2\r\n{}}\r\n0\r\n\r\n");
    assert_eq!(r.status, 400);
    assert!(gh.violations()[0].starts_with("malformed HTTP request"), "{:?}", gh.violations());
}

#[test]
fn faults_apply_to_the_next_matching_requests_only() {
    let gh = GithubServer::start();
    let mut conn = Conn::open(&gh);
    let path = "/repos/o/r/issues/1/comments";
    gh.fail("POST", path, Fault::Forbidden, 1);
    gh.fail("GET", "/repos/o/r/issues", Fault::TooManyRequests { retry_after: 3 }, 1);
    gh.fail("GET", "/repos/o/r/issues", Fault::SecondaryRateLimit, 1);
    gh.fail("GET", "/repos/o/r/issues", Fault::PrimaryRateLimit { reset_in: 60 }, 1);
    gh.fail("GET", "/repos/o/r/issues", Fault::Status(502), 1);
    gh.fail("GET", "/repos/o/r/issues", Fault::NotFound, 1);
    gh.fail("GET", "/repos/o/r/issues", Fault::Unprocessable, 1);

    let r = conn.call("POST", path, Some(json!({"body": "x"})));
    assert_eq!(
        (r.status, r.json()["message"].as_str().unwrap()),
        (403, "Resource not accessible by integration")
    );
    assert_eq!(conn.call("POST", path, Some(json!({"body": "x"}))).status, 201);

    let r = conn.call("GET", path, None);
    assert_eq!((r.status, r.headers["retry-after"].as_str()), (429, "3"));
    let r = conn.call("GET", path, None);
    assert_eq!((r.status, r.headers["retry-after"].as_str()), (403, "1"));
    assert!(r.json()["message"].as_str().unwrap().contains("secondary rate limit"));
    let r = conn.call("GET", path, None);
    assert_eq!((r.status, r.headers["x-ratelimit-remaining"].as_str()), (403, "0"));
    assert!(r.headers["x-ratelimit-reset"].parse::<u64>().unwrap() > 0);
    let r = conn.call("GET", path, None);
    assert_eq!((r.status, r.headers["content-type"].as_str()), (502, "text/html"));
    assert_eq!(conn.call("GET", path, None).status, 404);
    let r = conn.call("GET", path, None);
    assert_eq!((r.status, r.json()["message"].as_str().unwrap()), (422, "Validation Failed"));
    assert_eq!(conn.call("GET", path, None).status, 200);

    gh.fail("*", "/repos/o/r", Fault::Delay(Duration::from_millis(300)), 1);
    let t = Instant::now();
    assert_eq!(conn.call("GET", "/repos/o/r", None).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    gh.fail("GET", "/repos/o/r", Fault::Close, 1);
    let mut other = Conn::open(&gh);
    other
        .writer
        .write_all(b"GET /repos/o/r HTTP/1.1\r\nauthorization: token t\r\nuser-agent: t\r\n\r\n")
        .unwrap();
    let mut rest = Vec::new();
    assert_eq!(other.reader.read_to_end(&mut rest).unwrap(), 0);
    no_violations(&gh);
}

#[test]
fn read_only_mode_refuses_every_write() {
    let gh = GithubServer::start();
    gh.read_only(true);
    let mut conn = Conn::open(&gh);
    let r = conn.call("POST", "/repos/o/r/issues/1/comments", Some(json!({"body": "x"})));
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["message"], "Resource not accessible by integration");
    let r = conn.call("POST", "/repos/o/r/check-runs", Some(json!({"name": "n", "head_sha": "a"})));
    assert_eq!(r.status, 403);
    assert_eq!(conn.call("GET", "/repos/o/r/issues/1/comments", None).status, 200);
    assert!(gh.comments(1).is_empty());
    assert!(gh.check_runs().is_empty());
    no_violations(&gh);
}

#[test]
fn contents_blobs_and_trees() {
    let gh = GithubServer::start();
    let sha = "c0ffee".repeat(6) + "c0ff";
    let lock = b"{\"lockfileVersion\": 3}\n".to_vec();
    gh.put_file(&sha, "package-lock.json", lock.clone());
    gh.put_file(&sha, "web/package-lock.json", b"{}".to_vec());
    let mut conn = Conn::open(&gh);

    let r = conn.call("GET", &format!("/repos/o/r/contents/package-lock.json?ref={sha}"), None);
    assert_eq!(r.status, 200);
    let c = r.json();
    assert_eq!((c["type"].as_str(), c["encoding"].as_str()), (Some("file"), Some("base64")));
    assert_eq!(c["sha"], blob_sha(&lock));
    assert_eq!(c["content"], "eyJsb2NrZmlsZVZlcnNpb24iOiAzfQo=\n");

    let raw = [AUTH[0], AUTH[1], ("accept", "application/vnd.github.raw+json")];
    let r = conn.request("GET", &format!("/repos/o/r/contents/package-lock.json?ref={sha}"), &raw, None);
    assert_eq!(r.body, lock);
    // Nested paths, percent-encoded or not.
    let r =
        conn.request("GET", &format!("/repos/o/r/contents/web%2Fpackage-lock.json?ref={sha}"), &raw, None);
    assert_eq!(r.body, b"{}");
    let r = conn.call("GET", &format!("/repos/o/r/contents/web?ref={sha}"), None);
    assert_eq!(r.json()[0]["path"], "web/package-lock.json");
    let r = conn.call("GET", "/repos/o/r/contents/package-lock.json?ref=main", None);
    assert_eq!((r.status, r.json()["message"].as_str()), (404, Some("No commit found for the ref main")));
    let r = conn.call("GET", &format!("/repos/o/r/contents/nope.json?ref={sha}"), None);
    assert_eq!((r.status, r.json()["message"].as_str()), (404, Some("Not Found")));
    // git hash-object of "{}" is 9e26dfeeb6e641a33dae4961196235bdb965b21b.
    assert_eq!(blob_sha(b"{}"), "9e26dfeeb6e641a33dae4961196235bdb965b21b");
    let r = conn.call("GET", "/repos/o/r/git/blobs/9e26dfeeb6e641a33dae4961196235bdb965b21b", None);
    assert_eq!(r.json()["content"], "e30=\n");

    let r = conn.call("GET", &format!("/repos/o/r/git/trees/{sha}?recursive=1"), None);
    let paths: Vec<String> =
        r.json()["tree"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(paths, ["package-lock.json", "web", "web/package-lock.json"]);
    let r = conn.call("GET", &format!("/repos/o/r/git/trees/{sha}"), None);
    let tree = r.json()["tree"].clone();
    assert_eq!(tree.as_array().unwrap().len(), 2);
    let web = tree.as_array().unwrap().iter().find(|e| e["type"] == "tree").unwrap()["sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = conn.call("GET", &format!("/repos/o/r/git/trees/{web}"), None);
    assert_eq!(r.json()["tree"][0]["path"], "package-lock.json");

    gh.truncate_trees(true);
    assert_eq!(conn.call("GET", &format!("/repos/o/r/git/trees/{sha}"), None).json()["truncated"], true);

    gh.set_default_branch("trunk");
    assert_eq!(conn.call("GET", "/repos/o/r", None).json()["default_branch"], "trunk");
    no_violations(&gh);
}

#[test]
fn issues_list_create_update() {
    let gh = GithubServer::start();
    gh.seed_issue("old", "b", &["lockgate"], "closed", "github-actions[bot]");
    let mut conn = Conn::open(&gh);
    // `nullable: true` fields (OpenAPI 3.0) take null, also a oneOf without `type` (milestone).
    let r = conn.call(
        "POST",
        "/repos/o/r/issues",
        Some(json!({"title": "Nightly", "body": "x", "labels": ["lockgate"], "milestone": null, "assignee": null})),
    );
    assert_eq!(r.status, 201);
    let n = r.json()["number"].as_u64().unwrap();
    let open = conn.call("GET", "/repos/o/r/issues?labels=lockgate&state=open", None).json();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(
        conn.call("GET", "/repos/o/r/issues?state=all&creator=github-actions%5Bbot%5D", None)
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r =
        conn.call("PATCH", &format!("/repos/o/r/issues/{n}"), Some(json!({"state": "closed", "body": "y"})));
    assert_eq!(r.json()["state"], "closed");
    assert_eq!(gh.issues()[1]["body"], "y");
    assert!(conn.call("GET", "/repos/o/r/issues", None).json().as_array().unwrap().is_empty());
    gh.put_pull(5, &"b".repeat(40), &"c".repeat(40), Some("evil/fork"));
    let pr = conn.call("GET", "/repos/o/r/pulls/5", None).json();
    assert_eq!(pr["head"]["repo"]["full_name"], "evil/fork");
    assert_eq!(pr["base"]["repo"]["full_name"], "o/r");
    no_violations(&gh);
}

#[test]
fn webhook_fixtures_are_the_shapes_lockgate_reads() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/github/webhooks");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{name}")).unwrap()).unwrap()
    };
    let pr = read("pull_request.opened.json");
    assert_eq!(
        pr["pull_request"]["head"]["repo"]["full_name"],
        pr["pull_request"]["base"]["repo"]["full_name"]
    );
    let fork = read("pull_request.opened.fork.json");
    assert_ne!(
        fork["pull_request"]["head"]["repo"]["full_name"],
        fork["pull_request"]["base"]["repo"]["full_name"]
    );
    assert_eq!(fork["pull_request"]["head"]["repo"]["fork"], true);
    assert_eq!(read("pull_request.synchronize.json")["action"], "synchronize");
    assert!(read("merge_group.checks_requested.json")["merge_group"]["head_sha"].is_string());
    assert!(read("push.json")["ref"].as_str().unwrap().starts_with("refs/heads/"));
    assert!(read("schedule.json")["schedule"].is_string());
    assert!(read("workflow_dispatch.json")["inputs"].is_object());
}

#[test]
fn dropping_the_server_stops_it() {
    let gh = GithubServer::start();
    let addr = gh.addr;
    let mut conn = Conn::open(&gh);
    assert_eq!(conn.call("GET", "/repos/o/r", None).status, 200);
    drop(gh);
    assert!(TcpStream::connect(addr).is_err());
    // The idle keep-alive connection is closed too.
    let mut rest = Vec::new();
    assert_eq!(conn.reader.read_to_end(&mut rest).unwrap(), 0);
}
