//! A GitHub REST API stand-in for tests: a real HTTP/1.1 server on 127.0.0.1 (std threads, one per
//! connection, keep-alive, chunked request bodies) that checks every request against GitHub's own
//! REST description (tests/fixtures/github/openapi-subset.json, extracted from `@octokit/openapi`
//! by scripts/extract-github-fixtures.sh) and keeps the state a run of `lockgate action` changes.
//!
//! ```ignore
//! #[path = "common/github_server.rs"]
//! mod github_server;
//! use github_server::{Fault, GithubServer};
//!
//! let gh = GithubServer::start();            // stops when dropped
//! let api = gh.url();                        // "http://127.0.0.1:PORT", give it as GITHUB_API_URL
//! gh.put_file(sha, "package-lock.json", bytes);  // GET /repos/o/r/contents/{path}?ref=SHA, blobs, trees
//! gh.seed_comment(7, "<!-- lockgate -->old", "github-actions[bot]");
//! gh.fail("POST", "/repos/o/r/check-runs", Fault::Forbidden, 1);  // next matching request fails
//! gh.read_only(true);                        // every write answers 403, as a fork PR's token does
//! // ... run the code under test ...
//! assert_eq!(gh.violations(), Vec::<String>::new());
//! gh.comments(7); gh.check_runs(); gh.issues(); gh.requests();
//! ```
//!
//! Routes (any owner/repo; comments, issues, check runs and files are not kept per repository):
//! issue comments (list with `per_page`/`page` and a `Link` header, create, update, delete),
//! check runs (create, update; annotations accumulate across updates as on GitHub), issues (list
//! with `state`/`labels`/`creator` filters, create, update), pulls/get, repos/get, contents (JSON
//! with base64 content, or raw bytes for `Accept: application/vnd.github.raw` / `.raw+json`), git
//! blobs and trees. Comments and issues the server creates are written by `github-actions[bot]`
//! (`user.type` "Bot").
//!
//! Checks, each failure recorded in `violations()` (which tests assert empty):
//! - the method and path are an operation of the description (else 404; POST is taken where
//!   PATCH is, as GitHub does);
//! - path parameters match their schema (else 404); query parameters are declared, match their
//!   schema and `per_page` <= 100 (answered normally, as GitHub ignores or clamps them);
//! - JSON bodies match the operation's requestBody schema (else GitHub's 422 "Invalid request.");
//! - `authorization: token|Bearer ...` (else 401), `user-agent` (else 403), an `accept` that is a
//!   GitHub media type (else 415), `x-github-api-version` one the description knows (else 400);
//! - malformed HTTP (bad chunk framing, oversized bodies: 400);
//! - the server's own answers match the operation's response schema ("server bug: ...").
//!
//! Faults (`fail`): 403 "Resource not accessible by integration", 404, 422 "Validation Failed",
//! 429 + `retry-after`, the 403 secondary rate limit (+ `retry-after: 1`), the 403 primary rate
//! limit (`x-ratelimit-remaining: 0`, `x-ratelimit-reset`), 5xx (502/503 with an HTML body, as
//! GitHub's front end sends), a delay before the normal answer, and a dropped connection.
#![allow(dead_code)]

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Percent-decoded path, without the query.
    pub path: String,
    /// Decoded query parameters (the last value wins for repeated names).
    pub query: BTreeMap<String, String>,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The body parsed as JSON (None when empty or not JSON).
    pub body: Option<Value>,
    pub status: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub user: String,
}

/// What the next matching requests get instead of their normal answer.
#[derive(Clone, Debug)]
pub enum Fault {
    /// 403 "Resource not accessible by integration" (a fork PR's read-only token).
    Forbidden,
    /// 404 "Not Found".
    NotFound,
    /// 422 "Validation Failed" with GitHub's `errors` array.
    Unprocessable,
    /// 429 with `retry-after: <secs>`.
    TooManyRequests { retry_after: u64 },
    /// 403 "You have exceeded a secondary rate limit..." with `retry-after: 1`.
    SecondaryRateLimit,
    /// 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many seconds ahead.
    PrimaryRateLimit { reset_in: u64 },
    /// 500, 502, 503...
    Status(u16),
    /// Wait this long, then answer normally (for client timeouts).
    Delay(Duration),
    /// Close the connection without answering.
    Close,
}

struct FaultRule {
    method: String,
    path_prefix: String,
    fault: Fault,
    remaining: usize,
}

struct CheckRun {
    run: Value,
    annotations: Vec<Value>,
}

struct Pull {
    number: u64,
    head_sha: String,
    base_sha: String,
    head_repo: Option<String>,
}

#[derive(Default)]
struct State {
    comments: BTreeMap<u64, Vec<Value>>,
    next_id: u64,
    check_runs: Vec<CheckRun>,
    issues: Vec<Value>,
    next_issue: u64,
    /// (ref, path) -> bytes
    files: BTreeMap<(String, String), Vec<u8>>,
    pulls: Vec<Pull>,
    default_branch: String,
    faults: Vec<FaultRule>,
    read_only: bool,
    trees_truncated: bool,
    requests: Vec<Recorded>,
    violations: Vec<String>,
}

pub struct GithubServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The bot that a workflow's GITHUB_TOKEN acts as; comments and issues the server creates are its.
pub const BOT_LOGIN: &str = "github-actions[bot]";
const MAX_BODY: usize = 8 * 1024 * 1024;

impl GithubServer {
    pub fn start() -> GithubServer {
        // Compile the description before the first request, so a client's timeout never
        // measures schema compilation.
        let _ = spec();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            next_id: 1_000_001,
            next_issue: 1,
            default_branch: "main".into(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_state, thread_stop) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let _ = stream.set_nodelay(true);
                let (s, st) = (thread_state.clone(), thread_stop.clone());
                std::thread::spawn(move || serve(stream, addr, s, st));
            }
        });
        GithubServer { addr, state, stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash), for GITHUB_API_URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serves `bytes` as `path` at `git_ref` (a commit SHA or a branch name): contents, blob
    /// (under its real git blob SHA) and the tree named `git_ref`.
    pub fn put_file(&self, git_ref: &str, path: &str, bytes: impl Into<Vec<u8>>) {
        self.state().files.insert((git_ref.to_owned(), path.trim_matches('/').to_owned()), bytes.into());
    }

    /// `GET /repos/{o}/{r}` answers with this `default_branch` ("main" unless set).
    pub fn set_default_branch(&self, branch: &str) {
        self.state().default_branch = branch.to_owned();
    }

    /// `GET /repos/{o}/{r}/pulls/{number}` answers with GitHub's example pull request patched
    /// with these SHAs; `head_repo` ("owner/name") makes it a pull request from a fork.
    pub fn put_pull(&self, number: u64, base_sha: &str, head_sha: &str, head_repo: Option<&str>) {
        let mut s = self.state();
        s.pulls.retain(|p| p.number != number);
        s.pulls.push(Pull {
            number,
            head_sha: head_sha.into(),
            base_sha: base_sha.into(),
            head_repo: head_repo.map(str::to_owned),
        });
    }

    /// Adds a comment to issue/PR `issue` as if `user_login` had written it.
    pub fn seed_comment(&self, issue: u64, body: &str, user_login: &str) -> u64 {
        let mut s = self.state();
        let id = s.next_id;
        s.next_id += 1;
        let c = comment_json(id, issue, body, user_login, "octocat", "Hello-World");
        s.comments.entry(issue).or_default().push(c);
        id
    }

    /// Adds an issue (state "open" or "closed") written by `user_login`; returns its number.
    pub fn seed_issue(&self, title: &str, body: &str, labels: &[&str], state: &str, user_login: &str) -> u64 {
        let mut s = self.state();
        let number = s.next_issue;
        s.next_issue += 1;
        let mut issue = issue_json(number, "octocat", "Hello-World", user_login);
        issue["title"] = json!(title);
        issue["body"] = json!(body);
        issue["state"] = json!(state);
        issue["labels"] = Value::Array(labels.iter().map(|l| label_json(l)).collect());
        s.issues.push(issue);
        number
    }

    /// The next `times` requests whose method is `method` ("*" for any) and whose path starts with
    /// `path_prefix` get `fault`. Rules are tried in the order they were added.
    pub fn fail(&self, method: &str, path_prefix: &str, fault: Fault, times: usize) {
        self.state().faults.push(FaultRule {
            method: method.to_ascii_uppercase(),
            path_prefix: path_prefix.to_owned(),
            fault,
            remaining: times,
        });
    }

    /// Tree listings say `"truncated": true`, as GitHub's do past 100,000 entries or 7 MB.
    pub fn truncate_trees(&self, on: bool) {
        self.state().trees_truncated = on;
    }

    /// Every POST/PATCH/PUT/DELETE answers 403 "Resource not accessible by integration", as with
    /// the read-only token of a pull request from a fork.
    pub fn read_only(&self, on: bool) {
        self.state().read_only = on;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The requests with this method ("*" for any) whose path starts with `path_prefix`.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| {
                (method == "*" || r.method.eq_ignore_ascii_case(method)) && r.path.starts_with(path_prefix)
            })
            .collect()
    }

    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }

    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }

    pub fn comments(&self, issue: u64) -> Vec<Comment> {
        self.state()
            .comments
            .get(&issue)
            .map(|cs| {
                cs.iter()
                    .map(|c| Comment {
                        id: c["id"].as_u64().unwrap_or(0),
                        body: c["body"].as_str().unwrap_or("").to_owned(),
                        user: c["user"]["login"].as_str().unwrap_or("").to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every check run's final state, with `output.annotations` holding all the annotations
    /// accumulated across its create and updates.
    pub fn check_runs(&self) -> Vec<Value> {
        self.state()
            .check_runs
            .iter()
            .map(|c| {
                let mut run = c.run.clone();
                run["output"]["annotations"] = Value::Array(c.annotations.clone());
                run
            })
            .collect()
    }

    pub fn issues(&self) -> Vec<Value> {
        self.state().issues.clone()
    }
}

impl Drop for GithubServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

struct Request {
    method: String,
    path: String,
    raw_query: String,
    query: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }
    fn empty(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }
    fn header(mut self, k: &str, v: impl Into<String>) -> Response {
        self.headers.push((k.to_owned(), v.into()));
        self
    }
}

fn serve(stream: TcpStream, addr: SocketAddr, state: Arc<Mutex<State>>, stop: Arc<AtomicBool>) {
    // Short read timeouts let an idle keep-alive connection notice that the server stopped.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let req = match read_request(&mut reader, &mut writer, &stop) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(msg) => {
                state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .violations
                    .push(format!("malformed HTTP request: {msg}"));
                let _ = write_response(&mut writer, &Response::json(400, &json!({"message": msg})), true);
                return;
            }
        };
        let close = req.headers.get("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let Some(resp) = handle(&req, addr, &state) else { return };
        if write_response(&mut writer, &resp, close).is_err() || close {
            return;
        }
    }
}

/// One CRLF-terminated line without its terminator; None when the peer closed the connection or
/// the server stopped.
fn read_line(reader: &mut BufReader<TcpStream>, stop: &AtomicBool) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    loop {
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(None),
            Ok(_) if line.ends_with(b"\n") => break,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
            }
            Err(_) => return Ok(None),
        }
        if line.len() > 64 * 1024 {
            return Err("header line too long".into());
        }
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

fn read_exact(reader: &mut BufReader<TcpStream>, stop: &AtomicBool, n: usize) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match reader.read(&mut out[got..]) {
            Ok(0) => return Err("body ended early".into()),
            Ok(k) => got += k,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                if stop.load(Ordering::SeqCst) {
                    return Err("server stopped".into());
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(out)
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
    stop: &AtomicBool,
) -> Result<Option<Request>, String> {
    let line = loop {
        match read_line(reader, stop)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue, // stray CRLF between requests
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().ok_or("no request target")?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let Some(h) = read_line(reader, stop)? else { return Ok(None) };
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    if headers.get("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let body = if headers.get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        let mut body = Vec::new();
        loop {
            let size_line = read_line(reader, stop)?.ok_or("chunked body ended early")?;
            let size_hex = size_line.split(';').next().unwrap_or("").trim();
            let size =
                usize::from_str_radix(size_hex, 16).map_err(|_| format!("bad chunk size {size_hex:?}"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while let Some(t) = read_line(reader, stop)? {
                    if t.is_empty() {
                        break;
                    }
                }
                break;
            }
            if body.len() + size > MAX_BODY {
                return Err("body too large".into());
            }
            body.extend(read_exact(reader, stop, size)?);
            let crlf = read_line(reader, stop)?.ok_or("chunk without CRLF")?;
            if !crlf.is_empty() {
                return Err("chunk data longer than its size".into());
            }
        }
        body
    } else {
        let len: usize = match headers.get("content-length") {
            Some(v) => v.parse().map_err(|_| "bad content-length")?,
            None => 0,
        };
        if len > MAX_BODY {
            return Err("body too large".into());
        }
        read_exact(reader, stop, len)?
    };
    let (raw_path, raw_query) = target.split_once('?').unwrap_or((&target, ""));
    let query = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    Ok(Some(Request {
        method,
        path: percent_decode(raw_path, false),
        raw_query: raw_query.to_owned(),
        query,
        headers,
        body,
    }))
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn write_response(w: &mut TcpStream, resp: &Response, close: bool) -> std::io::Result<()> {
    let now = now_secs();
    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    let has = |name: &str| resp.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    for (k, v) in &resp.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has("x-ratelimit-remaining") {
        out.push_str(&format!(
            "x-ratelimit-limit: 5000\r\nx-ratelimit-remaining: 4999\r\nx-ratelimit-used: 1\r\nx-ratelimit-reset: {}\r\nx-ratelimit-resource: core\r\n",
            now + 3600
        ));
    }
    out.push_str(
        "x-github-api-version-selected: 2022-11-28\r\nx-github-media-type: github.v3; format=json\r\n",
    );
    out.push_str(&format!("x-github-request-id: 0000:{:X}\r\n", now));
    out.push_str(&format!("content-length: {}\r\n", resp.body.len()));
    if close {
        out.push_str("connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&resp.body);
    w.write_all(&bytes)?;
    w.flush()
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for now (civil-from-days, so no date crate is needed).
fn now_iso() -> String {
    let secs = now_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

// ---------------------------------------------------------------------------------------------
// The REST description

struct Param {
    name: String,
    location: String,
    required: bool,
    /// "integer", "number", "boolean" or "string": how to read the raw text before validating.
    kind: String,
    schema: jsonschema::Validator,
}

struct Operation {
    id: String,
    method: String,
    template: Vec<String>,
    docs: String,
    params: Vec<Param>,
    body: Option<jsonschema::Validator>,
    body_required: bool,
    /// status -> schema of the `application/json` response.
    responses: BTreeMap<u16, jsonschema::Validator>,
}

struct Spec {
    doc: Value,
    ops: Vec<Operation>,
    /// 2022-11-28 (the description's baseline) and the versions its breaking-change patches name.
    api_versions: BTreeSet<String>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/github/openapi-subset.json");
        let text = std::fs::read_to_string(path).expect("read openapi-subset.json");
        let doc: Value = serde_json::from_str(&text).expect("parse openapi-subset.json");
        let mut schemas = Map::new();
        for (name, s) in doc["components"]["schemas"].as_object().expect("components.schemas") {
            schemas.insert(name.clone(), to_json_schema(s));
        }
        // Each validator embeds only the component schemas its schema reaches: compiling the
        // whole set for each of the ~100 schemas took seconds in a debug build.
        let compile = |schema: &Value| -> jsonschema::Validator {
            let schema = to_json_schema(schema);
            let mut reached = Map::new();
            let mut pending = Vec::new();
            collect_refs(&schema, &mut pending);
            while let Some(name) = pending.pop() {
                if reached.contains_key(&name) {
                    continue;
                }
                let Some(s) = schemas.get(&name) else { panic!("dangling ref to {name}") };
                collect_refs(s, &mut pending);
                reached.insert(name, s.clone());
            }
            let root = json!({ "allOf": [schema], "components": { "schemas": reached } });
            jsonschema::draft4::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("compile schema: {e}"))
        };
        let resolve = |v: &Value| -> Value {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => r
                    .strip_prefix("#/")
                    .map(|p| p.split('/').fold(&doc, |node, seg| &node[seg]).clone())
                    .unwrap_or(Value::Null),
                None => v.clone(),
            }
        };
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if method == "parameters" {
                    continue;
                }
                let mut params = Vec::new();
                let all =
                    item["parameters"].as_array().into_iter().chain(op["parameters"].as_array()).flatten();
                for p in all {
                    let p = resolve(p);
                    let schema = &p["schema"];
                    params.push(Param {
                        name: p["name"].as_str().unwrap_or("").to_owned(),
                        location: p["in"].as_str().unwrap_or("").to_owned(),
                        required: p["required"].as_bool().unwrap_or(false),
                        kind: schema["type"].as_str().unwrap_or("string").to_owned(),
                        schema: compile(schema),
                    });
                }
                let body = &op["requestBody"]["content"]["application/json"]["schema"];
                let mut responses = BTreeMap::new();
                for (code, r) in op["responses"].as_object().into_iter().flatten() {
                    let r = resolve(r);
                    let s = &r["content"]["application/json"]["schema"];
                    if let (Ok(code), false) = (code.parse::<u16>(), s.is_null()) {
                        responses.insert(code, compile(s));
                    }
                }
                ops.push(Operation {
                    id: op["operationId"].as_str().unwrap_or("").to_owned(),
                    method: method.to_ascii_uppercase(),
                    template: path.trim_start_matches('/').split('/').map(str::to_owned).collect(),
                    docs: op["externalDocs"]["url"]
                        .as_str()
                        .unwrap_or("https://docs.github.com/rest")
                        .to_owned(),
                    params,
                    body: (!body.is_null()).then(|| compile(body)),
                    body_required: op["requestBody"]["required"].as_bool().unwrap_or(false),
                    responses,
                });
            }
        }
        // Literal segments win over parameters ("issues/comments/{id}" before "issues/{n}").
        ops.sort_by_key(|o| std::cmp::Reverse(o.template.iter().filter(|s| !s.starts_with('{')).count()));
        let mut api_versions = BTreeSet::from(["2022-11-28".to_owned()]);
        for item in doc["paths"].as_object().into_iter().flat_map(|p| p.values()) {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                for change in op["x-github-breaking-changes"].as_array().into_iter().flatten() {
                    if let Some(v) = change["version"].as_str() {
                        api_versions.insert(v.to_owned());
                    }
                }
            }
        }
        Spec { doc, ops, api_versions }
    })
}

/// OpenAPI 3.0 schema -> JSON Schema draft 4: `nullable: true` becomes a type union (or an
/// `anyOf` with null when there is no `type`); the walk follows the schema structure, so a
/// property that happens to be called "nullable" is left alone.
fn to_json_schema(s: &Value) -> Value {
    let Some(obj) = s.as_object() else { return s.clone() };
    let mut out = Map::new();
    for (k, v) in obj {
        let v = match k.as_str() {
            "properties" | "patternProperties" => Value::Object(
                v.as_object().into_iter().flatten().map(|(n, p)| (n.clone(), to_json_schema(p))).collect(),
            ),
            "items" | "additionalProperties" | "not" => to_json_schema(v),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(v.as_array().into_iter().flatten().map(to_json_schema).collect())
            }
            "nullable" | "example" | "examples" | "discriminator" | "readOnly" | "writeOnly" | "xml"
            | "externalDocs" | "deprecated" => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
        if let Some(t) = out.get("type").and_then(Value::as_str).map(str::to_owned) {
            out.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(e)) = out.get_mut("enum")
                && !e.contains(&Value::Null)
            {
                e.push(Value::Null);
            }
        } else {
            return json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] });
        }
    }
    Value::Object(out)
}

/// The operation and its path parameters, and whether the path exists for some other method.
type Matched<'a> = (Option<(&'a Operation, BTreeMap<String, String>)>, bool);

fn match_op<'a>(spec: &'a Spec, method: &str, path: &str) -> Matched<'a> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut path_known = false;
    for op in &spec.ops {
        let mut params = BTreeMap::new();
        let mut ok = true;
        for (i, t) in op.template.iter().enumerate() {
            let last = i + 1 == op.template.len();
            if t == "{path}" && last {
                // The contents path parameter spans the rest of the path, slashes included.
                params.insert("path".to_owned(), segs.get(i..).map(|r| r.join("/")).unwrap_or_default());
                break;
            }
            match segs.get(i) {
                Some(s) if t.starts_with('{') && !s.is_empty() => {
                    params.insert(t.trim_matches(|c| c == '{' || c == '}').to_owned(), (*s).to_owned());
                }
                Some(s) if s == t => {}
                _ => {
                    ok = false;
                    break;
                }
            }
            if last && segs.len() != op.template.len() {
                ok = false;
            }
        }
        if ok {
            path_known = true;
            if op.method == method {
                return (Some((op, params)), true);
            }
        }
    }
    (None, path_known)
}

/// Names of the `#/components/schemas/` entries `v` refers to directly.
fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x.as_str().and_then(|r| r.strip_prefix("#/components/schemas/"))) {
                    ("$ref", Some(name)) => out.push(name.to_owned()),
                    _ => collect_refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn coerce(kind: &str, raw: &str) -> Value {
    match kind {
        "integer" => raw.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(raw)),
        "number" => raw
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
            .unwrap_or_else(|| json!(raw)),
        "boolean" => match raw {
            "true" => json!(true),
            "false" => json!(false),
            _ => json!(raw),
        },
        _ => json!(raw),
    }
}

fn schema_errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).take(10).collect()
}

fn example(name: &str) -> Value {
    spec().doc["components"]["examples"][name]["value"].clone()
}

// ---------------------------------------------------------------------------------------------
// Requests

fn error(status: u16, message: &str, docs: &str) -> Response {
    Response::json(
        status,
        &json!({ "message": message, "documentation_url": docs, "status": status.to_string() }),
    )
}

fn not_accessible(docs: &str) -> Response {
    error(403, "Resource not accessible by integration", docs)
}

fn accept_ok(accept: &str) -> bool {
    accept.split(',').any(|m| {
        let m = m.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        m == "*/*"
            || m == "application/*"
            || m == "application/json"
            || m.starts_with("application/vnd.github")
    })
}

fn wants_raw(req: &Request) -> bool {
    req.headers.get("accept").is_some_and(|a| {
        a.contains("application/vnd.github.raw") || a.contains("application/vnd.github.v3.raw")
    })
}

/// Returns None when the connection is to be dropped without an answer.
fn handle(req: &Request, addr: SocketAddr, state: &Mutex<State>) -> Option<Response> {
    let spec = spec();
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let mut violations = Vec::new();
    let what = format!("{} {}", req.method, req.path);
    let body: Option<Value> = if req.body.is_empty() { None } else { serde_json::from_slice(&req.body).ok() };

    let record = |status: u16, violations: Vec<String>| {
        let mut s = lock();
        s.violations.extend(violations);
        s.requests.push(Recorded {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: body.clone(),
            status,
        });
    };

    let (mut matched, path_known) = match_op(spec, &req.method, &req.path);
    if matched.is_none() && req.method == "POST" {
        // GitHub's REST API takes POST wherever it takes PATCH (octocrab's update_comment
        // relies on it).
        matched = match_op(spec, "PATCH", &req.path).0;
    }
    let Some((op, path_params)) = matched else {
        let (status, msg) =
            if path_known { (404, "no such method for this path") } else { (404, "no such path") };
        violations.push(format!("{what}: {msg} in the REST description subset"));
        let resp = error(status, "Not Found", "https://docs.github.com/rest");
        record(resp.status, violations);
        return Some(resp);
    };
    let docs = op.docs.as_str();

    // Headers GitHub requires.
    let auth = req.headers.get("authorization").map(String::as_str).unwrap_or("");
    let auth_ok = ["token ", "bearer "].iter().any(|scheme| {
        auth.len() > scheme.len()
            && auth.is_char_boundary(scheme.len())
            && auth[..scheme.len()].eq_ignore_ascii_case(scheme)
    });
    let mut early: Option<Response> = None;
    if !auth_ok {
        violations.push(format!("{what}: no `authorization: token|Bearer ...` header"));
        early = Some(error(401, "Requires authentication", docs));
    }
    if req.headers.get("user-agent").is_none_or(|u| u.is_empty()) {
        violations.push(format!("{what}: no user-agent header"));
        early = early.or_else(|| {
            Some(error(
                403,
                "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
                docs,
            ))
        });
    }
    // Versions: the description's baseline and those its breaking-change patches name (the
    // patches themselves are not applied: answers have the 2022-11-28 shapes).
    if let Some(version) = req.headers.get("x-github-api-version")
        && !spec.api_versions.contains(version)
    {
        violations.push(format!("{what}: x-github-api-version {version:?} is not a GitHub API version"));
        early =
            early.or_else(|| Some(error(400, &format!("API version '{version}' is not supported."), docs)));
    }
    if let Some(accept) = req.headers.get("accept")
        && !accept_ok(accept)
    {
        violations.push(format!("{what}: accept {accept:?} is not a GitHub media type"));
        early = early.or_else(|| Some(error(415, "Unsupported 'Accept' header", docs)));
    }

    // Parameters. GitHub ignores unknown query parameters and clamps out-of-range ones, so these
    // are violations without changing the answer; a bad path parameter is GitHub's 404.
    let mut bad_path_param = false;
    for p in &op.params {
        let raw = match p.location.as_str() {
            "path" => path_params.get(&p.name),
            "query" => req.query.get(&p.name),
            _ => continue,
        };
        match raw {
            None if p.required => {
                violations.push(format!("{what}: missing {} parameter {}", p.location, p.name))
            }
            None => {}
            Some(raw) => {
                for e in schema_errors(&p.schema, &coerce(&p.kind, raw)) {
                    bad_path_param |= p.location == "path";
                    violations.push(format!("{what}: {} parameter {}={raw:?}: {e}", p.location, p.name));
                }
            }
        }
    }
    if let Some(n) = req.query.get("per_page").and_then(|v| v.parse::<u64>().ok())
        && n > 100
    {
        violations.push(format!("{what}: per_page={n}, GitHub serves at most 100"));
    }
    for name in req.query.keys() {
        if !op.params.iter().any(|p| p.location == "query" && &p.name == name) {
            violations.push(format!("{what}: query parameter {name:?} is not in {}", op.id));
        }
    }

    if bad_path_param {
        early = early.or_else(|| Some(error(404, "Not Found", docs)));
    }

    // Body.
    let n_before = violations.len();
    match (&op.body, req.body.is_empty()) {
        (Some(_), true) if op.body_required => violations.push(format!("{what}: no request body")),
        (None, false) => violations.push(format!("{what}: {} takes no request body", op.id)),
        (Some(schema), false) => {
            let ct = req.headers.get("content-type").map(String::as_str).unwrap_or("");
            if !ct.to_ascii_lowercase().contains("json") {
                violations.push(format!("{what}: content-type {ct:?} is not JSON"));
            }
            match &body {
                None => {
                    violations.push(format!("{what}: body is not JSON"));
                    early = early.or_else(|| Some(error(400, "Problems parsing JSON", docs)));
                }
                Some(b) => {
                    let errs = schema_errors(schema, b);
                    if !errs.is_empty() {
                        let msg = format!("Invalid request.\n\n{}", errs.join("\n"));
                        early = early.or_else(|| Some(error(422, &msg, docs)));
                        violations.extend(errs.into_iter().map(|e| format!("{what}: body: {e}")));
                    }
                }
            }
        }
        _ => {}
    }
    // A limit GitHub enforces that the description does not state.
    let resource = match op.id.as_str() {
        "issues/create-comment" | "issues/update-comment" => Some("IssueComment"),
        "issues/create" | "issues/update" => Some("Issue"),
        _ => None,
    };
    if let (Some(resource), Some(text)) = (resource, body.as_ref().and_then(|b| b["body"].as_str()))
        && text.chars().count() > 65_536
    {
        violations.push(format!(
            "{what}: body has {} characters, GitHub takes at most 65536",
            text.chars().count()
        ));
        early = early.or_else(|| {
            Some(Response::json(
                422,
                &json!({
                    "message": "Validation Failed",
                    "errors": [{ "resource": resource, "code": "custom", "field": "body",
                                 "message": "body is too long (maximum is 65536 characters)" }],
                    "documentation_url": docs,
                    "status": "422"
                }),
            ))
        });
    }
    if early.is_none() && violations.len() > n_before {
        early = Some(error(422, "Invalid request.", docs));
    }
    if let Some(resp) = early {
        record(resp.status, violations);
        return Some(resp);
    }

    // Injected faults, then the read-only token.
    let fault = {
        let mut s = lock();
        let rule = s.faults.iter_mut().find(|f| {
            f.remaining > 0
                && (f.method == "*" || f.method == req.method)
                && req.path.starts_with(&f.path_prefix)
        });
        rule.map(|r| {
            r.remaining -= 1;
            r.fault.clone()
        })
    };
    let faulted = match fault {
        None => None,
        Some(Fault::Delay(d)) => {
            std::thread::sleep(d);
            None
        }
        Some(Fault::Close) => {
            record(0, violations);
            return None;
        }
        Some(Fault::Forbidden) => Some(not_accessible(docs)),
        Some(Fault::NotFound) => Some(error(404, "Not Found", docs)),
        Some(Fault::Unprocessable) => Some(Response::json(
            422,
            &json!({
                "message": "Validation Failed",
                "errors": [{ "resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)" }],
                "documentation_url": docs,
                "status": "422"
            }),
        )),
        Some(Fault::TooManyRequests { retry_after }) => Some(
            error(429, "API rate limit exceeded", docs).header("retry-after", retry_after.to_string()),
        ),
        Some(Fault::SecondaryRateLimit) => Some(
            error(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000.",
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            )
            .header("retry-after", "1"),
        ),
        Some(Fault::PrimaryRateLimit { reset_in }) => Some(
            error(
                403,
                "API rate limit exceeded for installation ID 1. If you reach out to GitHub Support for help, please include the request ID 0000:0000.",
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            )
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-used", "5000")
            .header("x-ratelimit-reset", (now_secs() + reset_in).to_string())
            .header("x-ratelimit-resource", "core"),
        ),
        Some(Fault::Status(code)) => Some(if code == 502 || code == 503 {
            // GitHub's front end answers these with HTML, not JSON.
            Response {
                status: code,
                headers: vec![("content-type".into(), "text/html".into())],
                body: b"<html><body><h1>Server Error</h1></body></html>".to_vec(),
            }
        } else {
            error(code, "Server Error", docs)
        }),
    };
    let is_write = matches!(req.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE");
    let resp = match faulted {
        Some(r) => r,
        None if is_write && lock().read_only => not_accessible(docs),
        None => {
            let base = format!("http://{addr}");
            let resp = dispatch(op, &path_params, req, body.as_ref(), &base, &mut lock());
            if let (Some(schema), true) = (op.responses.get(&resp.status), resp.is_json())
                && let Ok(v) = serde_json::from_slice::<Value>(&resp.body)
            {
                for e in schema_errors(schema, &v) {
                    violations.push(format!("server bug: {} {} response: {e}", op.id, resp.status));
                }
            }
            resp
        }
    };
    record(resp.status, violations);
    Some(resp)
}

impl Response {
    fn is_json(&self) -> bool {
        self.headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
    }
}

// ---------------------------------------------------------------------------------------------
// Resources

fn num(p: &BTreeMap<String, String>, name: &str) -> u64 {
    p.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// One page of `items` with GitHub's `Link` header (first/prev/next/last as they apply).
fn paginate(items: Vec<Value>, req: &Request, base: &str) -> Response {
    let per_page =
        req.query.get("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let page = req.query.get("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let mut resp = Response::json(200, &Value::Array(slice));
    let link = |p: usize, rel: &str| {
        let mut q: Vec<String> = req
            .raw_query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("page=") && !kv.starts_with("per_page="))
            .map(str::to_owned)
            .collect();
        q.push(format!("per_page={per_page}"));
        q.push(format!("page={p}"));
        format!("<{base}{}?{}>; rel=\"{rel}\"", req.path, q.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link(page - 1, "prev"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
    }
    if !links.is_empty() {
        resp = resp.header("link", links.join(", "));
    }
    resp
}

fn dispatch(
    op: &Operation,
    p: &BTreeMap<String, String>,
    req: &Request,
    body: Option<&Value>,
    base: &str,
    s: &mut State,
) -> Response {
    let docs = op.docs.as_str();
    let (owner, repo) =
        (p.get("owner").cloned().unwrap_or_default(), p.get("repo").cloned().unwrap_or_default());
    let field = |name: &str| body.and_then(|b| b.get(name)).cloned().unwrap_or(Value::Null);
    match op.id.as_str() {
        "issues/list-comments" => {
            let items = s.comments.get(&num(p, "issue_number")).cloned().unwrap_or_default();
            paginate(items, req, base)
        }
        "issues/create-comment" => {
            let issue = num(p, "issue_number");
            let id = s.next_id;
            s.next_id += 1;
            let c = comment_json(id, issue, field("body").as_str().unwrap_or(""), BOT_LOGIN, &owner, &repo);
            s.comments.entry(issue).or_default().push(c.clone());
            let location = c["url"].as_str().unwrap_or("").to_owned();
            Response::json(201, &c).header("location", location)
        }
        "issues/update-comment" | "issues/delete-comment" => {
            let id = num(p, "comment_id");
            let found = s.comments.values_mut().find_map(|cs| {
                let i = cs.iter().position(|c| c["id"].as_u64() == Some(id))?;
                Some((cs, i))
            });
            match found {
                None => error(404, "Not Found", docs),
                Some((cs, i)) if op.id == "issues/delete-comment" => {
                    cs.remove(i);
                    Response::empty(204)
                }
                Some((cs, i)) => {
                    let c = &mut cs[i];
                    c["body"] = field("body");
                    c["updated_at"] = json!(now_iso());
                    Response::json(200, c)
                }
            }
        }
        "checks/create" => {
            let id = 4_000_000_001 + s.check_runs.len() as u64;
            let mut run = example("check-run");
            let html = format!("https://github.com/{owner}/{repo}/runs/{id}");
            let url = format!("{base}/repos/{owner}/{repo}/check-runs/{id}");
            let now = now_iso();
            for (k, v) in [
                ("id", json!(id)),
                ("node_id", json!(format!("CR_kwDO{id}"))),
                ("name", field("name")),
                ("head_sha", field("head_sha")),
                (
                    "external_id",
                    if field("external_id").is_null() { json!("") } else { field("external_id") },
                ),
                ("url", json!(url)),
                ("html_url", json!(html)),
                (
                    "details_url",
                    if field("details_url").is_null() { json!(html) } else { field("details_url") },
                ),
                ("status", json!("queued")),
                ("conclusion", Value::Null),
                ("started_at", if field("started_at").is_null() { json!(now) } else { field("started_at") }),
                ("completed_at", Value::Null),
                ("pull_requests", json!([])),
                (
                    "output",
                    json!({ "title": null, "summary": null, "text": null, "annotations_count": 0,
                            "annotations_url": format!("{url}/annotations") }),
                ),
            ] {
                run[k] = v;
            }
            run["app"]["slug"] = json!("github-actions");
            run["app"]["name"] = json!("GitHub Actions");
            let mut c = CheckRun { run, annotations: Vec::new() };
            apply_check_update(&mut c, body);
            s.check_runs.push(c);
            Response::json(201, s.check_runs.last().map_or(&Value::Null, |c| &c.run))
        }
        "checks/update" => {
            let id = num(p, "check_run_id");
            match s.check_runs.iter_mut().find(|c| c.run["id"].as_u64() == Some(id)) {
                None => error(404, "Not Found", docs),
                Some(c) => {
                    apply_check_update(c, body);
                    Response::json(200, &c.run)
                }
            }
        }
        "repos/get-content" => {
            let path = p.get("path").cloned().unwrap_or_default();
            let path = path.trim_matches('/').to_owned();
            let git_ref = req.query.get("ref").cloned().unwrap_or_else(|| s.default_branch.clone());
            if let Some(bytes) = s.files.get(&(git_ref.clone(), path.clone())) {
                if wants_raw(req) {
                    return Response {
                        status: 200,
                        headers: vec![("content-type".into(), "application/vnd.github.raw".into())],
                        body: bytes.clone(),
                    };
                }
                return Response::json(200, &content_json(&owner, &repo, &git_ref, &path, bytes, base, true));
            }
            let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
            let mut entries: BTreeMap<String, Value> = BTreeMap::new();
            for ((r, f), bytes) in &s.files {
                if r != &git_ref || !f.starts_with(&prefix) {
                    continue;
                }
                let rest = &f[prefix.len()..];
                match rest.split_once('/') {
                    None => {
                        let mut e = content_json(&owner, &repo, &git_ref, f, bytes, base, false);
                        if let Some(o) = e.as_object_mut() {
                            o.remove("content");
                            o.remove("encoding");
                        }
                        entries.insert(rest.to_owned(), e);
                    }
                    Some((dir, _)) => {
                        let full = format!("{prefix}{dir}");
                        let sha = tree_sha(&git_ref, &full);
                        entries.entry(dir.to_owned()).or_insert_with(|| {
                            json!({
                                "type": "dir", "size": 0, "name": dir, "path": full, "sha": sha,
                                "url": format!("{base}/repos/{owner}/{repo}/contents/{full}?ref={git_ref}"),
                                "git_url": format!("{base}/repos/{owner}/{repo}/git/trees/{sha}"),
                                "html_url": format!("https://github.com/{owner}/{repo}/tree/{git_ref}/{full}"),
                                "download_url": null,
                                "_links": {
                                    "self": format!("{base}/repos/{owner}/{repo}/contents/{full}?ref={git_ref}"),
                                    "git": format!("{base}/repos/{owner}/{repo}/git/trees/{sha}"),
                                    "html": format!("https://github.com/{owner}/{repo}/tree/{git_ref}/{full}")
                                }
                            })
                        });
                    }
                }
            }
            if entries.is_empty() && !s.files.keys().any(|(r, _)| r == &git_ref) {
                error(404, &format!("No commit found for the ref {git_ref}"), docs)
            } else if entries.is_empty() {
                error(404, "Not Found", docs)
            } else {
                Response::json(200, &Value::Array(entries.into_values().collect()))
            }
        }
        "git/get-blob" => {
            let sha = p.get("file_sha").cloned().unwrap_or_default();
            match s.files.values().find(|b| blob_sha(b) == sha) {
                None => error(404, "Not Found", docs),
                Some(bytes) if wants_raw(req) => Response {
                    status: 200,
                    headers: vec![("content-type".into(), "application/vnd.github.raw".into())],
                    body: bytes.clone(),
                },
                Some(bytes) => Response::json(
                    200,
                    &json!({
                        "sha": sha, "node_id": format!("B_{sha}"), "size": bytes.len(),
                        "url": format!("{base}/repos/{owner}/{repo}/git/blobs/{sha}"),
                        "content": base64_lines(bytes), "encoding": "base64"
                    }),
                ),
            }
        }
        "git/get-tree" => {
            let sha = p.get("tree_sha").cloned().unwrap_or_default();
            let recursive = req.query.contains_key("recursive");
            // A tree is named by a ref given to put_file, or by a directory's synthetic SHA.
            let mut dirs: BTreeSet<(String, String)> = BTreeSet::new();
            for (r, f) in s.files.keys() {
                dirs.insert((r.clone(), String::new()));
                let mut d = String::new();
                for seg in f.split('/').rev().skip(1).collect::<Vec<_>>().into_iter().rev() {
                    d = if d.is_empty() { seg.to_owned() } else { format!("{d}/{seg}") };
                    dirs.insert((r.clone(), d.clone()));
                }
            }
            let Some((git_ref, dir)) =
                dirs.iter().find(|(r, d)| (d.is_empty() && r == &sha) || tree_sha(r, d) == sha).cloned()
            else {
                return error(404, "Not Found", docs);
            };
            let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
            let mut tree = Vec::new();
            for (r, d) in &dirs {
                if r == &git_ref && !d.is_empty() && d.starts_with(&prefix) {
                    let rest = &d[prefix.len()..];
                    if recursive || !rest.contains('/') {
                        let tsha = tree_sha(r, d);
                        tree.push(json!({ "path": rest, "mode": "040000", "type": "tree", "sha": tsha,
                            "url": format!("{base}/repos/{owner}/{repo}/git/trees/{tsha}") }));
                    }
                }
            }
            for ((r, f), bytes) in &s.files {
                if r == &git_ref && f.starts_with(&prefix) {
                    let rest = &f[prefix.len()..];
                    if recursive || !rest.contains('/') {
                        let bsha = blob_sha(bytes);
                        tree.push(json!({ "path": rest, "mode": "100644", "type": "blob", "sha": bsha,
                            "size": bytes.len(), "url": format!("{base}/repos/{owner}/{repo}/git/blobs/{bsha}") }));
                    }
                }
            }
            tree.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
            Response::json(
                200,
                &json!({ "sha": sha, "url": format!("{base}/repos/{owner}/{repo}/git/trees/{sha}"),
                         "tree": tree, "truncated": s.trees_truncated }),
            )
        }
        "repos/get" => {
            let mut r = example("full-repository-default-response");
            r["name"] = json!(repo);
            r["full_name"] = json!(format!("{owner}/{repo}"));
            r["owner"]["login"] = json!(owner);
            r["default_branch"] = json!(s.default_branch);
            r["html_url"] = json!(format!("https://github.com/{owner}/{repo}"));
            r["url"] = json!(format!("{base}/repos/{owner}/{repo}"));
            r["fork"] = json!(false);
            if let Some(o) = r.as_object_mut() {
                // Not a fork or a template copy; the example's nested repositories also lack
                // fields the schema requires.
                for k in ["parent", "source", "template_repository"] {
                    o.remove(k);
                }
                o.entry("language").or_insert(Value::Null);
            }
            Response::json(200, &r)
        }
        "issues/list-for-repo" => {
            let state = req.query.get("state").map(String::as_str).unwrap_or("open");
            let labels: Vec<&str> = req
                .query
                .get("labels")
                .map(|l| l.split(',').map(str::trim).filter(|l| !l.is_empty()).collect())
                .unwrap_or_default();
            let creator = req.query.get("creator");
            let items: Vec<Value> = s
                .issues
                .iter()
                .filter(|i| state == "all" || i["state"].as_str() == Some(state))
                .filter(|i| {
                    labels.iter().all(|l| {
                        i["labels"]
                            .as_array()
                            .is_some_and(|ls| ls.iter().any(|x| x["name"].as_str() == Some(l)))
                    })
                })
                .filter(|i| creator.is_none_or(|c| i["user"]["login"].as_str() == Some(c)))
                .rev() // newest first, GitHub's default sort
                .cloned()
                .collect();
            paginate(items, req, base)
        }
        "issues/create" => {
            let number = s.next_issue;
            s.next_issue += 1;
            let mut issue = issue_json(number, &owner, &repo, BOT_LOGIN);
            issue["title"] = match field("title") {
                Value::Number(n) => json!(n.to_string()),
                t => t,
            };
            issue["body"] = field("body");
            issue["labels"] = labels_of(&field("labels"));
            s.issues.push(issue.clone());
            let location = issue["url"].as_str().unwrap_or("").to_owned();
            Response::json(201, &issue).header("location", location)
        }
        "issues/update" => {
            let number = num(p, "issue_number");
            let Some(issue) = s.issues.iter_mut().find(|i| i["number"].as_u64() == Some(number)) else {
                return error(404, "Not Found", docs);
            };
            for k in ["title", "body", "state", "state_reason"] {
                if let Some(v) = body.and_then(|b| b.get(k)) {
                    issue[k] = v.clone();
                }
            }
            if let Some(l) = body.and_then(|b| b.get("labels")) {
                issue["labels"] = labels_of(l);
            }
            let closed = issue["state"].as_str() == Some("closed");
            issue["closed_at"] = if closed { json!(now_iso()) } else { Value::Null };
            issue["updated_at"] = json!(now_iso());
            Response::json(200, issue)
        }
        "pulls/get" => {
            let number = num(p, "pull_number");
            let Some(pull) = s.pulls.iter().find(|x| x.number == number) else {
                return error(404, "Not Found", docs);
            };
            let mut pr = example("pull-request");
            pr["number"] = json!(number);
            pr["state"] = json!("open");
            // The example's team lacks the `type` the schema requires.
            pr["requested_teams"] = json!([]);
            pr["url"] = json!(format!("{base}/repos/{owner}/{repo}/pulls/{number}"));
            pr["html_url"] = json!(format!("https://github.com/{owner}/{repo}/pull/{number}"));
            pr["head"]["sha"] = json!(pull.head_sha);
            pr["base"]["sha"] = json!(pull.base_sha);
            pr["base"]["repo"]["name"] = json!(repo);
            pr["base"]["repo"]["full_name"] = json!(format!("{owner}/{repo}"));
            pr["base"]["repo"]["owner"]["login"] = json!(owner);
            match &pull.head_repo {
                Some(fork) => {
                    let (fo, fr) = fork.split_once('/').unwrap_or((fork, fork));
                    pr["head"]["repo"]["name"] = json!(fr);
                    pr["head"]["repo"]["full_name"] = json!(fork);
                    pr["head"]["repo"]["owner"]["login"] = json!(fo);
                    pr["head"]["repo"]["fork"] = json!(true);
                    pr["head"]["label"] = json!(format!("{fo}:{}", pr["head"]["ref"].as_str().unwrap_or("")));
                    pr["head"]["user"]["login"] = json!(fo);
                }
                None => pr["head"]["repo"] = pr["base"]["repo"].clone(),
            }
            Response::json(200, &pr)
        }
        other => error(404, &format!("{other} is not served by the test server"), docs),
    }
}

/// Applies a check-run create/update body as GitHub does: output fields replace, annotations
/// append, a conclusion completes the run.
fn apply_check_update(c: &mut CheckRun, body: Option<&Value>) {
    let Some(b) = body else { return };
    for k in ["name", "details_url", "external_id", "started_at", "status", "conclusion", "completed_at"] {
        if let Some(v) = b.get(k) {
            c.run[k] = v.clone();
        }
    }
    if !b.get("conclusion").is_none_or(Value::is_null) {
        c.run["status"] = json!("completed");
    }
    if c.run["status"].as_str() == Some("completed") && c.run["completed_at"].is_null() {
        c.run["completed_at"] = json!(now_iso());
    }
    if let Some(out) = b.get("output") {
        for k in ["title", "summary", "text"] {
            if let Some(v) = out.get(k) {
                c.run["output"][k] = v.clone();
            }
        }
        if let Some(a) = out.get("annotations").and_then(Value::as_array) {
            c.annotations.extend(a.iter().cloned());
        }
        c.run["output"]["annotations_count"] = json!(c.annotations.len());
    }
}

fn user_json(login: &str) -> Value {
    let bot = login.ends_with("[bot]");
    let id = if login == BOT_LOGIN { 41_898_282 } else { 1_000 + login.bytes().map(u64::from).sum::<u64>() };
    // "[" and "]" are not allowed in a URI; GitHub percent-encodes a bot's login in its URLs.
    let enc = login.replace('[', "%5B").replace(']', "%5D");
    let api = format!("https://api.github.com/users/{enc}");
    json!({
        "login": login, "id": id, "node_id": format!("MDQ6VXNlcj{id}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"), "gravatar_id": "",
        "url": api,
        "html_url": if bot { format!("https://github.com/apps/{}", login.trim_end_matches("[bot]")) }
                    else { format!("https://github.com/{login}") },
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": if bot { "Bot" } else { "User" },
        "user_view_type": "public",
        "site_admin": false
    })
}

fn comment_json(id: u64, issue: u64, body: &str, login: &str, owner: &str, repo: &str) -> Value {
    let mut c = example("issue-comment");
    let now = now_iso();
    c["id"] = json!(id);
    c["node_id"] = json!(format!("IC_kwDO{id}"));
    c["url"] = json!(format!("https://api.github.com/repos/{owner}/{repo}/issues/comments/{id}"));
    c["html_url"] = json!(format!("https://github.com/{owner}/{repo}/pull/{issue}#issuecomment-{id}"));
    c["issue_url"] = json!(format!("https://api.github.com/repos/{owner}/{repo}/issues/{issue}"));
    c["body"] = json!(body);
    c["user"] = user_json(login);
    c["created_at"] = json!(now);
    c["updated_at"] = json!(now);
    c["author_association"] = json!("NONE");
    c
}

fn label_json(name: &str) -> Value {
    let id = 208_045_946 + name.bytes().map(u64::from).sum::<u64>();
    json!({
        "id": id, "node_id": format!("LA_{id}"),
        "url": format!("https://api.github.com/repos/octocat/Hello-World/labels/{name}"),
        "name": name, "description": null, "color": "f29513", "default": false
    })
}

fn labels_of(v: &Value) -> Value {
    Value::Array(
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str().or_else(|| l["name"].as_str()))
            .map(label_json)
            .collect(),
    )
}

fn issue_json(number: u64, owner: &str, repo: &str, login: &str) -> Value {
    let mut i = example("issue");
    let now = now_iso();
    let id = 2_000_000_000 + number;
    let api = format!("https://api.github.com/repos/{owner}/{repo}/issues/{number}");
    i["id"] = json!(id);
    i["node_id"] = json!(format!("I_kwDO{id}"));
    i["number"] = json!(number);
    i["url"] = json!(api);
    i["labels_url"] = json!(format!("{api}/labels{{/name}}"));
    i["comments_url"] = json!(format!("{api}/comments"));
    i["events_url"] = json!(format!("{api}/events"));
    i["html_url"] = json!(format!("https://github.com/{owner}/{repo}/issues/{number}"));
    i["repository_url"] = json!(format!("https://api.github.com/repos/{owner}/{repo}"));
    i["user"] = user_json(login);
    i["state"] = json!("open");
    i["locked"] = json!(false);
    i["assignee"] = Value::Null;
    i["assignees"] = json!([]);
    i["milestone"] = Value::Null;
    i["comments"] = json!(0);
    i["closed_at"] = Value::Null;
    i["closed_by"] = Value::Null;
    i["created_at"] = json!(now);
    i["updated_at"] = json!(now);
    i["author_association"] = json!("NONE");
    if let Some(o) = i.as_object_mut() {
        // An issue, not a pull request.
        o.remove("pull_request");
    }
    i
}

fn content_json(
    owner: &str,
    repo: &str,
    git_ref: &str,
    path: &str,
    bytes: &[u8],
    base: &str,
    with_content: bool,
) -> Value {
    let sha = blob_sha(bytes);
    let name = path.rsplit('/').next().unwrap_or(path);
    let self_url = format!("{base}/repos/{owner}/{repo}/contents/{path}?ref={git_ref}");
    let git_url = format!("{base}/repos/{owner}/{repo}/git/blobs/{sha}");
    let html_url = format!("https://github.com/{owner}/{repo}/blob/{git_ref}/{path}");
    // GitHub leaves `content` empty (encoding "none") for files over 1 MB.
    let (content, encoding) =
        if bytes.len() > 1024 * 1024 { (String::new(), "none") } else { (base64_lines(bytes), "base64") };
    let mut v = json!({
        "type": "file", "encoding": encoding, "size": bytes.len(), "name": name, "path": path,
        "content": content, "sha": sha, "url": self_url, "git_url": git_url, "html_url": html_url,
        "download_url": format!("https://raw.githubusercontent.com/{owner}/{repo}/{git_ref}/{path}"),
        "_links": { "self": self_url, "git": git_url, "html": html_url }
    });
    if !with_content && let Some(o) = v.as_object_mut() {
        o.remove("content");
    }
    v
}

/// Base64 in 60-character lines joined by "\n", as the contents and blobs APIs send it.
fn base64_lines(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    let lines: Vec<&str> = out.as_bytes().chunks(60).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
    let mut s = lines.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

/// The git blob SHA-1 of `bytes` (`git hash-object`).
pub fn blob_sha(bytes: &[u8]) -> String {
    let mut data = format!("blob {}\0", bytes.len()).into_bytes();
    data.extend_from_slice(bytes);
    sha1_hex(&data)
}

fn tree_sha(git_ref: &str, dir: &str) -> String {
    sha1_hex(format!("tree {git_ref}\0{dir}").as_bytes())
}

fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}
