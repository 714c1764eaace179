//! The registry client against a real HTTP server on 127.0.0.1 serving npm-shaped documents,
//! with the faults a real registry shows: 404s, 429 + Retry-After, 5xx, stalls, truncated,
//! huge and gzip bodies, redirects, ETag / Last-Modified revalidation.

#[path = "common/registry_server.rs"]
mod registry_server;

use lockgate::registry::{Client, ClientOptions, Lookup, RegistryConfig, RegistryError, fetch_all_blocking};
use registry_server::{Body, Fault, RegistryServer, Route, packument_json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn options() -> ClientOptions {
    ClientOptions {
        concurrency: 4,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retries: 3,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        retry_after_max: Duration::from_secs(5),
        max_body_bytes: 8 << 20,
        ..ClientOptions::default()
    }
}

fn config_for(server: &RegistryServer) -> RegistryConfig {
    RegistryConfig::from_npmrc_texts(None, None, &|_| None, Some(&server.url())).unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn fetch(
    server: &RegistryServer,
    options: ClientOptions,
    list: &[&str],
) -> Result<BTreeMap<String, Lookup>, RegistryError> {
    Client::new(config_for(server), options).unwrap().fetch_all(names(list)).await
}

fn found(lookups: &BTreeMap<String, Lookup>, name: &str) -> Arc<lockgate::registry::Packument> {
    match lookups.get(name) {
        Some(Lookup::Found(p)) => p.clone(),
        other => panic!("{name}: {other:?}"),
    }
}

#[tokio::test]
async fn scoped_names_are_encoded_and_each_name_is_fetched_once() {
    let server = RegistryServer::start();
    server.packument("/@scope%2fpkg", &packument_json("@scope/pkg", &["1.0.0", "1.1.0"]));
    server.packument("/left-pad", &packument_json("left-pad", &["1.3.0"]));
    let lookups =
        fetch(&server, options(), &["left-pad", "@scope/pkg", "left-pad", "@scope/pkg"]).await.unwrap();
    assert_eq!(lookups.len(), 2);
    let p = found(&lookups, "@scope/pkg");
    assert_eq!(p.name.as_deref(), Some("@scope/pkg"));
    assert_eq!(p.dist_tags["latest"], "1.1.0");
    assert_eq!(p.versions.len(), 2);
    let m = &p.versions["1.1.0"];
    assert_eq!(m.npm_user.as_ref().unwrap().name.as_deref(), Some("alice"));
    assert_eq!(
        m.dist.as_ref().unwrap().tarball.as_deref(),
        Some("https://registry.npmjs.org/@scope/pkg/-/pkg-1.1.0.tgz")
    );
    assert_eq!(p.time["1.1.0"], "2023-02-01T00:00:00.000Z");
    assert_eq!(found(&lookups, "left-pad").versions.len(), 1);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    let mut paths: Vec<_> = reqs.iter().map(|r| r.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/@scope%2fpkg", "/left-pad"]);
    for r in &reqs {
        assert_eq!(r.headers["accept"], "application/json");
        assert!(r.headers["user-agent"].starts_with("lockgate/"));
        assert!(!r.headers.contains_key("authorization"));
    }
}

#[tokio::test]
async fn unknown_and_refused_packages_are_answers_not_errors() {
    let server = RegistryServer::start();
    server.route("/private-thing", Route::status(403));
    let lookups = fetch(&server, options(), &["no-such-package", "private-thing", ".."]).await.unwrap();
    assert!(matches!(lookups["no-such-package"], Lookup::NotFound));
    assert!(matches!(lookups["private-thing"], Lookup::Denied { status: 403 }));
    // `..` is never requested: it would name the registry's root.
    assert!(matches!(lookups[".."], Lookup::NotFound));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server = RegistryServer::start();
    server.packument("/a", &packument_json("a", &["1.0.0"]));
    server.packument("/b", &packument_json("b", &["1.0.0"]));
    server.fault("/a", Fault::Status(429, vec![("Retry-After".into(), "1".into())]));
    // The HTTP-date form, two seconds ahead (whole seconds, so at least one second away).
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    let date = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&at).unwrap();
    server.fault("/b", Fault::Status(503, vec![("Retry-After".into(), date)]));
    let start = Instant::now();
    let lookups = fetch(&server, options(), &["a", "b"]).await.unwrap();
    let elapsed = start.elapsed();
    found(&lookups, "a");
    found(&lookups, "b");
    assert!(elapsed >= Duration::from_millis(1000), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let statuses = |p: &str| server.requests_to(p).iter().map(|r| r.status).collect::<Vec<_>>();
    assert_eq!(statuses("/a"), [429, 200]);
    assert_eq!(statuses("/b"), [503, 200]);
}

#[tokio::test]
async fn retry_after_is_capped() {
    let server = RegistryServer::start();
    server.packument("/a", &packument_json("a", &["1.0.0"]));
    server.fault("/a", Fault::Status(429, vec![("Retry-After".into(), "3600".into())]));
    let start = Instant::now();
    let lookups =
        fetch(&server, ClientOptions { retry_after_max: Duration::from_millis(200), ..options() }, &["a"])
            .await
            .unwrap();
    found(&lookups, "a");
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn server_errors_then_success() {
    let server = RegistryServer::start();
    server.packument("/flaky", &packument_json("flaky", &["2.0.0"]));
    server.fault("/flaky", Fault::Status(500, vec![]));
    server.fault("/flaky", Fault::Status(502, vec![]));
    server.fault("/flaky", Fault::Close);
    let lookups = fetch(&server, options(), &["flaky"]).await.unwrap();
    assert_eq!(found(&lookups, "flaky").versions.len(), 1);
    let statuses: Vec<u16> = server.requests_to("/flaky").iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 502, 0, 200]);
}

#[tokio::test]
async fn a_stalled_response_times_out_and_is_retried() {
    let server = RegistryServer::start();
    server.packument("/slow", &packument_json("slow", &["1.0.0"]));
    server.fault("/slow", Fault::Stall(Duration::from_secs(5)));
    let start = Instant::now();
    let opts = ClientOptions { timeout: Duration::from_millis(400), ..options() };
    let lookups = fetch(&server, opts, &["slow"]).await.unwrap();
    found(&lookups, "slow");
    assert!(start.elapsed() < Duration::from_secs(4), "{:?}", start.elapsed());
    // The stalled request is recorded only once the server gives up stalling; the retry is not.
    assert!(server.requests_to("/slow").iter().any(|r| r.status == 200));
}

#[tokio::test]
async fn unreachable_registry_is_an_error_after_retries() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = RegistryConfig::from_npmrc_texts(
        None,
        Some((".npmrc".into(), &format!("//127.0.0.1:{port}/:_authToken=npm_SeCrEtToKeN123\n"))),
        &|_| None,
        Some(&format!("http://user:hunter2pw@127.0.0.1:{port}/")),
    )
    .unwrap();
    let client = Client::new(config, ClientOptions { retries: 2, ..options() }).unwrap();
    let start = Instant::now();
    let err = client.fetch_all(names(&["left-pad", "b", "c"])).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    let RegistryError::Unreachable { url, attempts, last_error } = &err else { panic!("{err:?}") };
    assert_eq!(*attempts, 3);
    assert!(url.starts_with(&format!("http://127.0.0.1:{port}/")), "{url}");
    assert!(last_error.contains("connect"), "{last_error}");
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!shown.contains("SeCrEtToKeN"), "{shown}");
        assert!(!shown.contains("hunter2pw"), "{shown}");
        assert!(!shown.contains("dXNlcjpodW50ZXIycHc"), "{shown}"); // base64 of user:hunter2pw
    }
}

#[tokio::test]
async fn persistent_server_errors_become_unreachable() {
    let server = RegistryServer::start();
    for _ in 0..5 {
        server.fault("/down", Fault::Status(503, vec![]));
    }
    let err = fetch(&server, ClientOptions { retries: 2, ..options() }, &["down"]).await.unwrap_err();
    let RegistryError::Unreachable { attempts, last_error, .. } = &err else { panic!("{err:?}") };
    assert_eq!((*attempts, last_error.as_str()), (3, "HTTP 503"));
    assert_eq!(server.requests_to("/down").len(), 3);
    assert!(err.to_string().starts_with("registry unreachable: GET http://127.0.0.1:"), "{err}");
}

#[tokio::test]
async fn truncated_bodies_are_retried() {
    let server = RegistryServer::start();
    // Announced length not reached: the transport notices.
    server.packument("/cut", &packument_json("cut", &["1.0.0", "1.0.1"]));
    server.fault("/cut", Fault::Truncate);
    // No length at all, connection closed mid-document: only the JSON decoder can tell.
    let json = packument_json("eof", &["1.0.0"]);
    server.route("/eof", Route { content_length: false, ..Route::json(&json[..json.len() / 2]) });
    let lookups = fetch(&server, ClientOptions { retries: 1, ..options() }, &["cut"]).await.unwrap();
    assert_eq!(found(&lookups, "cut").versions.len(), 2);
    let cut = server.requests_to("/cut");
    assert_eq!(cut.len(), 2);
    assert!(cut[0].body_bytes < cut[1].body_bytes);
    let err = fetch(&server, ClientOptions { retries: 1, ..options() }, &["eof"]).await.unwrap_err();
    let RegistryError::Unreachable { attempts: 2, last_error, .. } = &err else { panic!("{err:?}") };
    assert!(last_error.contains("truncated"), "{last_error}");
}

#[tokio::test]
async fn invalid_json_is_not_retried() {
    let server = RegistryServer::start();
    server.route("/bad", Route::json("{\"name\": \"bad\", \"versions\": {]}"));
    let err = fetch(&server, options(), &["bad"]).await.unwrap_err();
    assert!(matches!(err, RegistryError::Malformed { .. }), "{err:?}");
    assert_eq!(server.requests_to("/bad").len(), 1);
}

#[tokio::test]
async fn bodies_over_the_cap_fail_without_being_read() {
    let server = RegistryServer::start();
    let huge: u64 = 400 << 20;
    // Announced: refused from the header.
    server.route("/announced", Route { body: Body::Generated(huge), ..Route::json("") });
    // Not announced: refused once the cap is passed.
    server.route("/endless", Route { body: Body::Generated(huge), content_length: false, ..Route::json("") });
    let opts = ClientOptions { max_body_bytes: 1 << 20, ..options() };
    for name in ["announced", "endless"] {
        let start = Instant::now();
        let err = fetch(&server, opts.clone(), &[name]).await.unwrap_err();
        let RegistryError::TooLarge { limit, .. } = &err else { panic!("{err:?}") };
        assert_eq!(*limit, 1 << 20);
        assert!(err.to_string().contains("exceeds the 1048576-byte limit"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(3));
    }
    // Give the server a moment to notice the closed connections and record them.
    for _ in 0..50 {
        if server.requests().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "not retried");
    for r in reqs {
        // Socket buffers take a few MB at most; never the 400 MB.
        assert!(r.body_bytes < 32 << 20, "{}: {} bytes sent", r.path, r.body_bytes);
    }
}

#[tokio::test]
async fn gzip_bodies_are_decoded() {
    let server = RegistryServer::start();
    let json = packument_json("zipped", &["1.0.0", "2.0.0", "3.0.0"]);
    server.route("/zipped", Route { gzip: true, ..Route::json(json.as_str()) });
    let lookups = fetch(&server, options(), &["zipped"]).await.unwrap();
    assert_eq!(found(&lookups, "zipped").versions.len(), 3);
    let req = &server.requests_to("/zipped")[0];
    assert!(req.headers["accept-encoding"].contains("gzip"));
    assert!(req.body_bytes < json.len() as u64 / 2, "sent compressed");
}

#[tokio::test]
async fn a_warm_cache_revalidates_with_304s() {
    let server = RegistryServer::start();
    let cache = tempfile::tempdir().unwrap();
    server.packument("/etagged", &packument_json("etagged", &["1.0.0"]));
    let dated = "Wed, 21 Oct 2025 07:28:00 GMT";
    server.route(
        "/dated",
        Route { last_modified: Some(dated.into()), ..Route::json(packument_json("dated", &["1.0.0"])) },
    );
    server.route("/plain", Route::json(packument_json("plain", &["1.0.0"])));
    let opts = ClientOptions { cache_dir: Some(cache.path().to_owned()), ..options() };
    let list = ["etagged", "dated", "plain"];

    let cold = fetch(&server, opts.clone(), &list).await.unwrap();
    let cold_etagged = found(&cold, "etagged");
    let reqs = server.requests();
    assert!(reqs.iter().all(|r| r.status == 200));
    assert!(reqs.iter().all(|r| !r.headers.contains_key("if-none-match")));

    server.clear_requests();
    let warm = fetch(&server, opts.clone(), &list).await.unwrap();
    assert_eq!(found(&warm, "etagged"), cold_etagged);
    assert_eq!(found(&warm, "dated").name.as_deref(), Some("dated"));
    let etagged = &server.requests_to("/etagged")[0];
    assert_eq!((etagged.status, etagged.body_bytes), (304, 0));
    assert!(etagged.headers["if-none-match"].starts_with('"'));
    let dated_req = &server.requests_to("/dated")[0];
    assert_eq!(dated_req.status, 304);
    assert_eq!(dated_req.headers["if-modified-since"], dated);
    // Without validators there is nothing to revalidate: a full download again.
    assert_eq!(server.requests_to("/plain")[0].status, 200);

    // A new document on the registry: its new ETag no longer matches, so it is downloaded.
    server.packument("/etagged", &packument_json("etagged", &["1.0.0", "1.1.0"]));
    server.clear_requests();
    let changed = fetch(&server, opts.clone(), &["etagged"]).await.unwrap();
    assert_eq!(found(&changed, "etagged").versions.len(), 2);
    assert_eq!(server.requests_to("/etagged")[0].status, 200);
}

#[tokio::test]
async fn a_damaged_cache_entry_is_refetched_not_trusted() {
    let server = RegistryServer::start();
    let cache = tempfile::tempdir().unwrap();
    server.packument("/pkg", &packument_json("pkg", &["1.0.0"]));
    let opts = ClientOptions { cache_dir: Some(cache.path().to_owned()), ..options() };
    fetch(&server, opts.clone(), &["pkg"]).await.unwrap();
    let entries: Vec<_> = std::fs::read_dir(cache.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    // Change the body in place, keeping its length: `"alice"` becomes `"mallo"`.
    let mut bytes = std::fs::read(&entries[0]).unwrap();
    let at = bytes.windows(7).position(|w| w == b"\"alice\"").unwrap();
    bytes[at + 1..at + 6].copy_from_slice(b"mallo");
    std::fs::write(&entries[0], &bytes).unwrap();

    server.clear_requests();
    let again = fetch(&server, opts.clone(), &["pkg"]).await.unwrap();
    let p = found(&again, "pkg");
    assert_eq!(p.versions["1.0.0"].npm_user.as_ref().unwrap().name.as_deref(), Some("alice"));
    let reqs = server.requests_to("/pkg");
    let statuses: Vec<u16> = reqs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [304, 200]);
    assert!(!reqs[1].headers.contains_key("if-none-match"));
    // The entry was rewritten and is good again.
    server.clear_requests();
    fetch(&server, opts, &["pkg"]).await.unwrap();
    assert_eq!(server.requests_to("/pkg")[0].status, 304);
}

#[tokio::test]
async fn credentials_go_only_to_their_registry() {
    let main = RegistryServer::start();
    let other = RegistryServer::start();
    main.packument("/@corp%2fui", &packument_json("@corp/ui", &["1.0.0"]));
    other.packument("/@oss%2flib", &packument_json("@oss/lib", &["1.0.0"]));
    other.packument("/moved", &packument_json("moved", &["1.0.0"]));
    main.fault("/moved", Fault::Redirect(format!("{}moved", other.url())));
    let npmrc = format!(
        "registry={}\n@oss:registry={}\n{}:_authToken=main-token-123\n",
        main.url(),
        other.url(),
        main.nerf_dart()
    );
    let config =
        RegistryConfig::from_npmrc_texts(None, Some((".npmrc".into(), &npmrc)), &|_| None, None).unwrap();
    let client = Client::new(config, options()).unwrap();
    let lookups = client.fetch_all(names(&["@corp/ui", "@oss/lib", "moved"])).await.unwrap();
    found(&lookups, "@corp/ui");
    found(&lookups, "@oss/lib");
    found(&lookups, "moved");
    assert_eq!(main.requests_to("/@corp%2fui")[0].headers["authorization"], "Bearer main-token-123");
    assert_eq!(main.requests_to("/moved")[0].headers["authorization"], "Bearer main-token-123");
    assert_eq!(main.requests_to("/moved")[0].status, 302);
    // The other registry (another port is another origin) never sees the token, redirected
    // to or not.
    assert!(!other.requests().is_empty());
    for r in other.requests() {
        assert!(!r.headers.contains_key("authorization"), "{r:?}");
    }
}

#[test]
fn npmrc_files_route_scopes_and_expand_tokens() {
    let public = RegistryServer::start();
    let corp = RegistryServer::start();
    public.packument("/left-pad", &packument_json("left-pad", &["1.3.0"]));
    corp.packument("/@corp%2fsecret-sauce", &packument_json("@corp/secret-sauce", &["0.1.0"]));
    let repo = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".npmrc"), format!("registry={}\n", public.url())).unwrap();
    std::fs::write(
        repo.path().join(".npmrc"),
        format!("@corp:registry={}\n{}:_authToken=${{CORP_NPM_TOKEN}}\n", corp.url(), corp.nerf_dart()),
    )
    .unwrap();
    let env = |k: &str| (k == "CORP_NPM_TOKEN").then(|| "tok-from-env".to_owned());
    let config = RegistryConfig::from_npmrc(Some(repo.path()), Some(home.path()), &env, None).unwrap();
    assert_eq!(config.sources.len(), 2);
    // The blocking wrapper, as the CLI calls it.
    let lookups = fetch_all_blocking(config, options(), names(&["left-pad", "@corp/secret-sauce"])).unwrap();
    found(&lookups, "left-pad");
    found(&lookups, "@corp/secret-sauce");
    assert_eq!(corp.requests()[0].headers["authorization"], "Bearer tok-from-env");
    assert_eq!(corp.requests()[0].path, "/@corp%2fsecret-sauce");
    assert_eq!(public.requests().len(), 1);
    assert!(!public.requests()[0].headers.contains_key("authorization"));
}
