//! A registry stand-in for tests: a real HTTP/1.1 server on 127.0.0.1 (hand-rolled on tokio, so
//! every fault is under the test's control) serving npm-shaped documents, with injectable
//! latency, error statuses, `Retry-After`, stalls, truncated and endless bodies, redirects,
//! gzip and ETag / Last-Modified revalidation. It records each request it answers.
//!
//! It runs on a thread of its own with its own runtime, so it serves both `#[tokio::test]`s and
//! the blocking client, and stops when dropped.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Debug)]
pub enum Body {
    Bytes(Vec<u8>),
    /// Streamed from a file in chunks (for documents too big to keep in the test's memory).
    File(PathBuf),
    /// `{"name":"x","readme":"aaaa…` of this many bytes, generated as it is sent.
    Generated(u64),
}

#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub body: Body,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Compress with gzip when the request accepts it.
    pub gzip: bool,
    /// Send `Content-Length` (otherwise the body ends when the connection closes).
    pub content_length: bool,
}

impl Route {
    pub fn json(body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            body: Body::Bytes(body.into()),
            etag: None,
            last_modified: None,
            headers: Vec::new(),
            gzip: false,
            content_length: true,
        }
    }

    pub fn status(status: u16) -> Route {
        Route { status, ..Route::json(format!("{{\"error\":\"HTTP {status}\"}}")) }
    }
}

/// What the next request to a path gets instead of its route (consumed one per request).
#[derive(Clone, Debug)]
pub enum Fault {
    Status(u16, Vec<(String, String)>),
    /// Wait this long before answering normally.
    Stall(Duration),
    /// Announce the full length, send half the body, close.
    Truncate,
    /// Close the connection without answering.
    Close,
    Redirect(String),
}

#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub status: u16,
    /// Body bytes written (before the peer went away, if it did).
    pub body_bytes: u64,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    faults: HashMap<String, VecDeque<Fault>>,
    latency: Duration,
    requests: Vec<Request>,
}

pub struct RegistryServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RegistryServer {
    pub fn start() -> RegistryServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let thread_state = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("listener");
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                // Headers and body go out in separate writes; without this,
                                // Nagle + delayed ACK add 40 ms to every response.
                                let _ = stream.set_nodelay(true);
                                tokio::spawn(serve(stream, thread_state.clone()));
                            }
                        }
                    }
                }
            });
        });
        RegistryServer { addr, state, shutdown: Some(tx), thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// `//127.0.0.1:PORT/`, the .npmrc credential prefix.
    pub fn nerf_dart(&self) -> String {
        format!("//{}/", self.addr)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.state.lock().unwrap().routes.insert(path.to_owned(), route);
    }

    /// Serves `json` at `path` with an ETag derived from its content.
    pub fn packument(&self, path: &str, json: &str) {
        let etag = format!("\"{:x}-{}\"", json.len(), json.bytes().map(u64::from).sum::<u64>());
        self.route(path, Route { etag: Some(etag), ..Route::json(json) });
    }

    pub fn fault(&self, path: &str, fault: Fault) {
        self.state.lock().unwrap().faults.entry(path.to_owned()).or_default().push_back(fault);
    }

    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A minimal npm-shaped packument: `versions` with `_npmUser`, `maintainers`, `dist`, and the
/// `time` entries npmjs writes.
pub fn packument_json(name: &str, versions: &[&str]) -> String {
    let mut vs = Vec::new();
    let mut times = vec![
        "\"created\": \"2020-01-01T00:00:00.000Z\"".to_owned(),
        "\"modified\": \"2024-06-01T00:00:00.000Z\"".to_owned(),
    ];
    let base = name.rsplit('/').next().unwrap_or(name);
    for (i, v) in versions.iter().enumerate() {
        vs.push(format!(
            r#""{v}": {{
      "name": "{name}", "version": "{v}", "description": "test package",
      "license": "MIT", "main": "index.js",
      "scripts": {{"test": "node test.js"}},
      "dependencies": {{"dep-a": "^1.0.0"}},
      "_id": "{name}@{v}", "_nodeVersion": "20.11.0", "_npmVersion": "10.2.4",
      "_npmUser": {{"name": "alice", "email": "alice@example.com"}},
      "maintainers": [{{"name": "alice", "email": "alice@example.com"}}],
      "dist": {{
        "integrity": "sha512-{i:0>86}==",
        "shasum": "{i:0>40}",
        "tarball": "https://registry.npmjs.org/{name}/-/{base}-{v}.tgz",
        "fileCount": 3, "unpackedSize": 1234,
        "signatures": [{{"keyid": "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA", "sig": "MEUCIQ{i}"}}]
      }},
      "_npmOperationalInternal": {{"host": "s3://npm-registry-packages", "tmp": "tmp/{base}_{i}"}},
      "directories": {{}}
    }}"#
        ));
        times.push(format!("\"{v}\": \"2023-0{}-01T00:00:00.000Z\"", (i % 9) + 1));
    }
    let latest = versions.last().copied().unwrap_or("0.0.0");
    format!(
        r##"{{
  "_id": "{name}", "_rev": "3-abc", "name": "{name}",
  "dist-tags": {{"latest": "{latest}"}},
  "versions": {{
    {}
  }},
  "time": {{{}}},
  "maintainers": [{{"name": "alice", "email": "alice@example.com"}}],
  "description": "test package", "readme": "# {name}\n\nA test package.", "readmeFilename": "README.md",
  "license": "MIT"
}}"##,
        vs.join(",\n    "),
        times.join(", ")
    )
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buf = Vec::with_capacity(4096);
    loop {
        // Read one request head (GET only: no request bodies).
        let head_end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            if buf.len() > 64 * 1024 {
                return;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end);
        let mut lines = head.split("\r\n");
        let path = lines.next().and_then(|l| l.split(' ').nth(1)).unwrap_or("/").to_owned();
        let headers: BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let (latency, fault, route) = {
            let mut s = state.lock().unwrap();
            let fault = s.faults.get_mut(&path).and_then(|q| q.pop_front());
            (s.latency, fault, s.routes.get(&path).cloned())
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        // Returns the entry's index, to correct its byte count later.
        let record = |status: u16, body_bytes: u64| {
            let mut s = state.lock().unwrap();
            s.requests.push(Request { path: path.clone(), headers: headers.clone(), status, body_bytes });
            s.requests.len() - 1
        };
        let mut route = route.unwrap_or_else(|| Route::status(404));
        let mut truncate = false;
        match fault {
            Some(Fault::Status(code, extra)) => {
                route = Route { headers: extra, ..Route::status(code) };
            }
            Some(Fault::Stall(d)) => tokio::time::sleep(d).await,
            Some(Fault::Truncate) => truncate = true,
            Some(Fault::Close) => {
                record(0, 0);
                return;
            }
            Some(Fault::Redirect(to)) => {
                route = Route { headers: vec![("Location".into(), to)], ..Route::status(302) };
            }
            None => {}
        }
        let etag_match = route.etag.is_some() && headers.get("if-none-match") == route.etag.as_ref();
        let date_match =
            route.last_modified.is_some() && headers.get("if-modified-since") == route.last_modified.as_ref();
        if route.status == 200 && (etag_match || date_match) {
            route = Route {
                status: 304,
                body: Body::Bytes(Vec::new()),
                etag: route.etag,
                last_modified: route.last_modified,
                ..Route::json("")
            };
        }
        let gzip = route.gzip && headers.get("accept-encoding").is_some_and(|v| v.contains("gzip"));
        let mut body = route.body.clone();
        if gzip && let Body::Bytes(bytes) = &body {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(bytes).unwrap();
            body = Body::Bytes(enc.finish().unwrap());
        }
        let len = match &body {
            Body::Bytes(b) => b.len() as u64,
            Body::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Body::Generated(n) => *n,
        };
        let mut out = format!("HTTP/1.1 {} X\r\n", route.status);
        if route.content_length || truncate {
            out.push_str(&format!("Content-Length: {len}\r\n"));
        } else {
            out.push_str("Connection: close\r\n");
        }
        out.push_str("Content-Type: application/json\r\n");
        if gzip {
            out.push_str("Content-Encoding: gzip\r\n");
        }
        if let Some(e) = &route.etag {
            out.push_str(&format!("ETag: {e}\r\n"));
        }
        if let Some(d) = &route.last_modified {
            out.push_str(&format!("Last-Modified: {d}\r\n"));
        }
        for (k, v) in &route.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let limit = if truncate { len / 2 } else { len };
        // A test looks at the log as soon as its client has the whole response, which can be
        // before this task runs again after its last write (a flaky miss under load; an empty
        // 503 is complete with its head). A response sent in one write is therefore logged before
        // anything is written, and corrected if a write fails; streamed bodies (the large-body
        // tests, which wait for the log) are logged after.
        let early = (route.status == 304 || matches!(body, Body::Bytes(_)))
            .then(|| record(route.status, if route.status == 304 { 0 } else { limit }));
        if stream.write_all(out.as_bytes()).await.is_err() {
            match early {
                Some(i) => {
                    if let Some(r) = state.lock().unwrap().requests.get_mut(i) {
                        r.body_bytes = 0;
                    }
                }
                None => {
                    record(route.status, 0);
                }
            }
            return;
        }
        let sent = if route.status == 304 { Ok(0) } else { write_body(&mut stream, &body, limit).await };
        match (early, &sent) {
            (None, sent) => {
                record(route.status, (*sent).unwrap_or_else(|n| n));
            }
            (Some(i), Err(written)) => {
                if let Some(r) = state.lock().unwrap().requests.get_mut(i) {
                    r.body_bytes = *written;
                }
            }
            (Some(_), Ok(_)) => {}
        }
        if truncate || !route.content_length || sent.is_err() {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

/// Writes up to `limit` bytes of the body; `Err(written)` when the peer went away first.
async fn write_body(stream: &mut TcpStream, body: &Body, limit: u64) -> Result<u64, u64> {
    let mut written = 0u64;
    match body {
        Body::Bytes(b) => {
            let part = &b[..limit as usize];
            stream.write_all(part).await.map_err(|_| 0u64)?;
            written = part.len() as u64;
        }
        Body::File(path) => {
            let mut file = tokio::fs::File::open(path).await.map_err(|_| 0u64)?;
            let mut chunk = vec![0u8; 64 * 1024];
            while written < limit {
                let n = file.read(&mut chunk).await.map_err(|_| written)?;
                if n == 0 {
                    break;
                }
                let n = n.min((limit - written) as usize);
                stream.write_all(&chunk[..n]).await.map_err(|_| written)?;
                written += n as u64;
            }
        }
        Body::Generated(_) => {
            let prefix = b"{\"name\":\"huge\",\"readme\":\"";
            let fill = vec![b'a'; 64 * 1024];
            let n = (prefix.len() as u64).min(limit) as usize;
            stream.write_all(&prefix[..n]).await.map_err(|_| 0u64)?;
            written = n as u64;
            while written < limit {
                let n = ((limit - written) as usize).min(fill.len());
                stream.write_all(&fill[..n]).await.map_err(|_| written)?;
                written += n as u64;
            }
        }
    }
    stream.flush().await.map_err(|_| written)?;
    Ok(written)
}
