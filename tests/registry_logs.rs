//! Tokens stay out of the logs: one run with a token, a retry and a redirect, every tracing
//! event captured at TRACE level. Its own test binary because it installs a global subscriber.

#[path = "common/registry_server.rs"]
mod registry_server;

use lockgate::registry::{ClientOptions, Lookup, RegistryConfig, fetch_all_blocking};
use registry_server::{Fault, RegistryServer, packument_json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Collects every tracing event of a run at TRACE level and checks the token is in none.
#[test]
fn tokens_never_reach_the_logs() {
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Global, not thread-local: the fetches log from the runtime's worker threads.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let server = RegistryServer::start();
    let other = RegistryServer::start();
    server.packument("/p", &packument_json("p", &["1.0.0"]));
    server.fault("/p", Fault::Status(500, vec![]));
    server.fault("/p", Fault::Redirect(format!("{}p", other.url())));
    other.packument("/p", &packument_json("p", &["1.0.0"]));
    let npmrc = format!(
        "{}:_authToken=${{TOKEN}}\n//nowhere.invalid/:_authToken=${{UNSET_TOKEN}}\n",
        server.nerf_dart()
    );
    let env = |k: &str| (k == "TOKEN").then(|| "npm_LeakCanary42".to_owned());
    let config =
        RegistryConfig::from_npmrc_texts(None, Some((".npmrc".into(), &npmrc)), &env, Some(&server.url()))
            .unwrap();
    let dbg = format!("{config:?}");
    assert!(!dbg.contains("LeakCanary"), "{dbg}");
    let options = ClientOptions { backoff_base: Duration::from_millis(10), ..ClientOptions::default() };
    let lookups = fetch_all_blocking(config, options, vec!["p".to_owned()]).unwrap();
    assert!(matches!(lookups["p"], Lookup::Found(_)));
    assert_eq!(server.requests_to("/p")[0].headers["authorization"], "Bearer npm_LeakCanary42");
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "captured: {logs}");
    assert!(logs.contains("UNSET_TOKEN is not set"), "captured: {logs}");
    assert!(!logs.contains("LeakCanary"), "{logs}");
}
