//! Registry client figures (issue 3, "Performance"), against the test registry on 127.0.0.1:
//!
//! 1. 500 packages with 50 ms injected latency per request: elapsed versus the floor
//!    `ceil(500 / concurrency) * 50 ms` (target: within 2x).
//! 2. The same 500 again with a warm `--offline-cache`: every answer must be a 304.
//! 3. Peak RSS while one packument is 50 MB (target: under 200 MB).
//!
//! Not a criterion bench (each run takes seconds and the figures are ratios, not samples):
//! `cargo bench --bench registry` prints them. `-- --quick` skips the 50 MB document.

#[path = "../tests/common/registry_server.rs"]
mod registry_server;

use lockgate::registry::{Client, ClientOptions, Lookup, RegistryConfig};
use registry_server::{Body, RegistryServer, Route, packument_json};
use std::io::Write;
use std::time::{Duration, Instant};

const PACKAGES: usize = 500;
const LATENCY: Duration = Duration::from_millis(50);

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // First, while the process is small: the peak RSS figure is for the big document alone.
    if !quick {
        runtime.block_on(big_document());
    }
    runtime.block_on(latency_and_cache());
}

async fn latency_and_cache() {
    let server = RegistryServer::start();
    let names: Vec<String> = (0..PACKAGES).map(|i| format!("pkg-{i:03}")).collect();
    for name in &names {
        server.packument(&format!("/{name}"), &packument_json(name, &["1.0.0", "1.0.1", "1.1.0", "2.0.0"]));
    }
    server.set_latency(LATENCY);
    let config = RegistryConfig::from_npmrc_texts(None, None, &|_| None, Some(&server.url())).unwrap();
    for concurrency in [16, 32] {
        let cache = tempfile::tempdir().unwrap();
        let options = ClientOptions {
            concurrency,
            cache_dir: Some(cache.path().to_owned()),
            ..ClientOptions::default()
        };
        let floor = LATENCY * PACKAGES.div_ceil(concurrency) as u32;
        for run in ["cold", "warm"] {
            server.clear_requests();
            let client = Client::new(config.clone(), options.clone()).unwrap();
            let start = Instant::now();
            let lookups = client.fetch_all(names.clone()).await.unwrap();
            let elapsed = start.elapsed();
            assert!(lookups.values().all(|l| matches!(l, Lookup::Found(_))));
            let reqs = server.requests();
            let full = reqs.iter().filter(|r| r.status == 200).count();
            let not_modified = reqs.iter().filter(|r| r.status == 304).count();
            let bytes: u64 = reqs.iter().map(|r| r.body_bytes).sum();
            println!(
                "{PACKAGES} packages, {} ms latency, concurrency {concurrency}, {run} cache: {} ms, \
                 floor {} ms, ratio {:.2}; requests {} (200: {full}, 304: {not_modified}), body bytes {bytes}",
                LATENCY.as_millis(),
                elapsed.as_millis(),
                floor.as_millis(),
                elapsed.as_secs_f64() / floor.as_secs_f64(),
                reqs.len(),
            );
        }
    }
}

/// A 50 MB packument shaped like a long-lived npmjs one: thousands of versions, each with
/// dependencies, scripts, `_npmUser`, maintainers, dist with signatures, and a readme copy.
async fn big_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let versions = write_big(&path, 50 << 20);
    let size = std::fs::metadata(&path).unwrap().len();
    let server = RegistryServer::start();
    server.route("/big", Route { body: Body::File(path.clone()), ..Route::json("") });
    let config = RegistryConfig::from_npmrc_texts(None, None, &|_| None, Some(&server.url())).unwrap();
    let client = Client::new(config, ClientOptions::default()).unwrap();
    reset_peak_rss();
    let before = rss_kib("VmRSS");
    let start = Instant::now();
    let lookups = client.fetch_all(vec!["big".to_owned()]).await.unwrap();
    let elapsed = start.elapsed();
    let Some(Lookup::Found(p)) = lookups.get("big") else { panic!("big: {lookups:?}") };
    assert_eq!(p.versions.len(), versions);
    let peak = rss_kib("VmHWM");
    println!(
        "one {:.1} MB packument ({versions} versions): fetched and decoded in {} ms; \
         RSS before {:.1} MB, peak {:.1} MB (target < 200 MB)",
        size as f64 / 1e6,
        elapsed.as_millis(),
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
    );
}

/// Writes versions until the file reaches `target` bytes, streaming (the document is never
/// whole in this process's memory). Returns the number of versions.
fn write_big(path: &std::path::Path, target: u64) -> usize {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let readme = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(100);
    write!(out, r#"{{"_id":"big","name":"big","dist-tags":{{"latest":"1.0.0"}},"versions":{{"#).unwrap();
    let mut written = 0u64;
    let mut n = 0usize;
    let mut times = String::new();
    while written < target - 1_000_000 {
        let v = format!("{}.{}.{}", n / 1000, (n / 10) % 100, n % 10);
        let deps: Vec<String> = (0..25).map(|d| format!(r#""dep-{d}":"^{d}.{n}.0""#)).collect();
        let chunk = format!(
            r#"{}"{v}":{{"name":"big","version":"{v}","description":"a big package","main":"index.js",
"scripts":{{"test":"node test.js","build":"tsc -p ."}},"dependencies":{{{}}},
"devDependencies":{{"typescript":"^5.0.0","mocha":"^10.0.0"}},
"_id":"big@{v}","_nodeVersion":"20.11.0","_npmVersion":"10.2.4",
"_npmUser":{{"name":"alice","email":"alice@example.com"}},
"maintainers":[{{"name":"alice","email":"alice@example.com"}},{{"name":"bob","email":"bob@example.com"}}],
"dist":{{"integrity":"sha512-{n:0>86}==","shasum":"{n:0>40}","tarball":"https://registry.npmjs.org/big/-/big-{v}.tgz",
"fileCount":12,"unpackedSize":45678,"signatures":[{{"keyid":"SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA","sig":"MEUCIQ{n}"}}]}},
"readme":"{readme}","readmeFilename":"README.md","directories":{{}}}}"#,
            if n == 0 { "" } else { "," },
            deps.join(","),
        );
        out.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len() as u64;
        times.push_str(&format!(r#","{v}":"2020-01-01T00:00:00.000Z""#));
        n += 1;
    }
    write!(out, r#"}},"time":{{"created":"2015-01-01T00:00:00.000Z"{times}}},"readme":"{readme}"}}"#)
        .unwrap();
    out.flush().unwrap();
    n
}

fn reset_peak_rss() {
    // Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
