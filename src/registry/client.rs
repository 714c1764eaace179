//! Fetching packuments: bounded concurrency, retries, size cap, streaming decode, cache.
//!
//! Bodies are never held whole. Each response streams, chunk by chunk, through a bounded
//! channel to a blocking task that decodes it with `serde_json::from_reader` into the
//! [`Packument`] model (which keeps only the fields signals use) and, when a cache is
//! configured, appends the same bytes to the cache entry. Memory per request is therefore the
//! channel (a few chunks) plus the decoded model, whatever the document's size; buffering to
//! the cap instead would cost up to `concurrency * max_body_bytes`. The cost is one blocking
//! thread per in-flight decode, bounded by the concurrency limit.

use super::cache::{Cache, Meta};
use super::npmrc::{RegistryConfig, redact_url};
use super::packument::Packument;
use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

/// What the registry said about one package name.
#[derive(Debug, Clone)]
pub enum Lookup {
    Found(Arc<Packument>),
    /// 404 (or 410): the registry does not know the name, e.g. a private package. Also used
    /// for names no registry can hold (empty, `..`), which are not requested.
    NotFound,
    /// 401 / 403: the registry knows better than to tell us (missing or refused credentials).
    Denied {
        status: u16,
    },
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryError {
    /// Connection failures, timeouts, 429 and 5xx kept happening: CLI exit code 3.
    #[error("registry unreachable: GET {url} failed {attempts} time(s); last error: {last_error}")]
    Unreachable { url: String, attempts: u32, last_error: String },
    #[error("GET {url}: response exceeds the {limit}-byte limit; not read further")]
    TooLarge { url: String, limit: u64 },
    #[error("GET {url}: the registry sent a document that is not valid JSON ({message})")]
    Malformed { url: String, message: String },
    #[error("GET {url}: unexpected HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("GET {url}: {message}")]
    Protocol { url: String, message: String },
    #[error("cannot set up the registry client: {0}")]
    Setup(String),
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Limit for one attempt, from connecting to the end of the body.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts after the first for connection errors, timeouts, truncated bodies, 429, 5xx.
    pub retries: u32,
    /// First backoff; doubles per retry up to `backoff_max`, each jittered down to half.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub retry_after_max: Duration,
    /// Largest (decompressed) body read; larger responses fail with [`RegistryError::TooLarge`].
    pub max_body_bytes: u64,
    pub cache_dir: Option<PathBuf>,
    pub user_agent: String,
    /// Show "asking the registry about N packages… k/N" on standard error while fetching.
    /// The CLI sets it for a terminal only; library users and tests leave it off.
    pub progress: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            concurrency: 16,
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
            retry_after_max: Duration::from_secs(60),
            max_body_bytes: 256 * 1024 * 1024,
            cache_dir: None,
            user_agent: concat!("lockgate/", env!("CARGO_PKG_VERSION")).to_owned(),
            progress: false,
        }
    }
}

/// A registry client; cheap to clone (shares its connection pool and limits).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: RegistryConfig,
    options: ClientOptions,
    cache: Option<Cache>,
    permits: Semaphore,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// How one attempt ended, when it did not produce an answer.
enum Failure {
    /// Worth another attempt; `wait` is the server's `Retry-After`, if any.
    Retry {
        message: String,
        wait: Option<Duration>,
    },
    /// The cached body behind a 304 is unusable: fetch again without validators.
    CacheDamaged,
    Fatal(RegistryError),
}

const MAX_REDIRECTS: usize = 5;

impl Client {
    pub fn new(config: RegistryConfig, options: ClientOptions) -> Result<Client, RegistryError> {
        // reqwest is built without a default crypto provider (to stay off aws-lc's C build);
        // ring is installed process-wide. An already installed provider is fine too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // Redirects are followed by hand so credentials are chosen per hop.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.connect_timeout)
            .user_agent(options.user_agent.clone())
            .gzip(true)
            .build()
            .map_err(|e| RegistryError::Setup(error_chain(&e)))?;
        let cache = match &options.cache_dir {
            Some(dir) => Some(
                Cache::open(dir)
                    .map_err(|e| RegistryError::Setup(format!("cache directory {}: {e}", dir.display())))?,
            ),
            None => None,
        };
        let permits = Semaphore::new(options.concurrency.max(1));
        Ok(Client { inner: Arc::new(Inner { http, config, options, cache, permits }) })
    }

    pub fn config(&self) -> &RegistryConfig {
        &self.inner.config
    }

    /// The packument of every distinct name, one request each, at most `concurrency` at once.
    /// The first registry failure (after its retries) ends the whole fetch.
    pub async fn fetch_all(
        &self,
        names: impl IntoIterator<Item = String>,
    ) -> Result<BTreeMap<String, Lookup>, RegistryError> {
        let names: BTreeSet<String> = names.into_iter().collect();
        // Dropped on every return, which stops it and blanks its line before any error prints.
        let progress = self.inner.options.progress.then(|| super::progress::Progress::stderr(names.len()));
        let mut tasks = JoinSet::new();
        for name in names {
            let client = self.clone();
            tasks.spawn(async move {
                let lookup = client.fetch(&name).await;
                (name, lookup)
            });
        }
        let mut out = BTreeMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (name, lookup) =
                joined.map_err(|e| RegistryError::Setup(format!("fetch task failed: {e}")))?;
            if let Some(p) = &progress {
                p.tick();
            }
            // Returning drops the JoinSet, which aborts the fetches still running.
            out.insert(name, lookup?);
        }
        Ok(out)
    }

    /// One package's packument, with retries.
    pub async fn fetch(&self, name: &str) -> Result<Lookup, RegistryError> {
        let Some(url) = self.inner.config.packument_url(name) else {
            return Ok(Lookup::NotFound);
        };
        let shown = redact_url(&url);
        let options = &self.inner.options;
        let mut validators = self.inner.cache.as_ref().and_then(|c| c.lookup(url.as_str()));
        let mut attempts = 0u32;
        let mut damaged_once = false;
        loop {
            attempts += 1;
            let result = {
                let _permit = self
                    .inner
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| RegistryError::Setup("client closed".into()))?;
                self.attempt(&url, &shown, validators.as_ref()).await
            };
            match result {
                Ok(lookup) => return Ok(lookup),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::CacheDamaged) if !damaged_once => {
                    tracing::warn!("cache entry for {shown} is damaged; fetching it again");
                    damaged_once = true;
                    validators = None;
                    attempts -= 1;
                }
                Err(Failure::CacheDamaged) => {
                    return Err(RegistryError::Protocol {
                        url: shown,
                        message: "the registry answered 304 to an unconditional request".into(),
                    });
                }
                Err(Failure::Retry { message, wait }) => {
                    if attempts > options.retries {
                        return Err(RegistryError::Unreachable { url: shown, attempts, last_error: message });
                    }
                    let backoff = self.backoff(attempts);
                    let wait = wait.map_or(backoff, |w| w.min(options.retry_after_max).max(backoff / 4));
                    tracing::warn!(
                        "GET {shown}: {message}; retrying in {} ms ({attempts}/{})",
                        wait.as_millis(),
                        options.retries + 1
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Exponential backoff for the `attempt`-th failure, jittered within its upper half so
    /// many clients failing together do not retry together.
    fn backoff(&self, attempt: u32) -> Duration {
        let o = &self.inner.options;
        let exp = o.backoff_base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(o.backoff_max);
        cap.mul_f64(0.5 + 0.5 * random_fraction())
    }

    async fn attempt(&self, url: &Url, shown: &str, validators: Option<&Meta>) -> Result<Lookup, Failure> {
        let response = self.send(url, shown, validators).await?;
        let status = response.status();
        tracing::debug!("GET {shown}: {status}");
        match status {
            StatusCode::OK => self.decode_response(response, url, shown).await,
            StatusCode::NOT_MODIFIED => match validators {
                Some(_) => self.decode_cached(url).await,
                None => Err(Failure::CacheDamaged),
            },
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(Lookup::NotFound),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Ok(Lookup::Denied { status: status.as_u16() })
            }
            s if s == StatusCode::TOO_MANY_REQUESTS
                || s == StatusCode::REQUEST_TIMEOUT
                || s.is_server_error() =>
            {
                Err(Failure::Retry {
                    message: format!("HTTP {}", s.as_u16()),
                    wait: retry_after(response.headers()),
                })
            }
            s => Err(Failure::Fatal(RegistryError::Status { url: shown.to_owned(), status: s.as_u16() })),
        }
    }

    /// Sends the request, following redirects; each hop carries only its own credential.
    async fn send(
        &self,
        url: &Url,
        shown: &str,
        validators: Option<&Meta>,
    ) -> Result<reqwest::Response, Failure> {
        let mut target = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
            if let Some(meta) = validators {
                if let Some(v) = meta.etag.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    headers.insert(header::IF_NONE_MATCH, v);
                }
                if let Some(v) = meta.last_modified.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    headers.insert(header::IF_MODIFIED_SINCE, v);
                }
            }
            if let Some(credential) = self.inner.config.credential_for(&target)
                && let Ok(mut value) = HeaderValue::from_str(&credential.header_value())
            {
                value.set_sensitive(true);
                headers.insert(header::AUTHORIZATION, value);
            }
            let response = self
                .inner
                .http
                .get(target.clone())
                .headers(headers)
                .timeout(self.inner.options.timeout)
                .send()
                .await
                .map_err(|e| Failure::Retry { message: error_chain(&e), wait: None })?;
            if !response.status().is_redirection() || response.status() == StatusCode::NOT_MODIFIED {
                return Ok(response);
            }
            let next = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| target.join(l).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"));
            let Some(next) = next else {
                return Err(Failure::Fatal(RegistryError::Protocol {
                    url: shown.to_owned(),
                    message: format!("HTTP {} without a usable Location", response.status().as_u16()),
                }));
            };
            tracing::debug!("GET {}: redirected to {}", redact_url(&target), redact_url(&next));
            target = next;
        }
        Err(Failure::Fatal(RegistryError::Protocol {
            url: shown.to_owned(),
            message: format!("more than {MAX_REDIRECTS} redirects"),
        }))
    }

    async fn decode_response(
        &self,
        mut response: reqwest::Response,
        url: &Url,
        shown: &str,
    ) -> Result<Lookup, Failure> {
        let limit = self.inner.options.max_body_bytes;
        let too_large = || Failure::Fatal(RegistryError::TooLarge { url: shown.to_owned(), limit });
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let header = |name: header::HeaderName| {
            response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        let (etag, last_modified) = (header(header::ETAG), header(header::LAST_MODIFIED));
        // A response without validators could never be revalidated, so it is not stored.
        let writer = match &self.inner.cache {
            Some(cache) if etag.is_some() || last_modified.is_some() => {
                match cache.writer(url.as_str(), etag, last_modified) {
                    Ok(w) => Some(w),
                    Err(e) => {
                        tracing::warn!("cannot write to the cache: {e}");
                        None
                    }
                }
            }
            _ => None,
        };
        let (tx, rx) = mpsc::channel::<Result<Bytes, ()>>(8);
        let decoder = tokio::task::spawn_blocking(move || {
            let mut writer = writer;
            let mut reader = ChannelReader { rx, current: Bytes::new(), failed: false };
            let decoded = decode(&mut Tee { inner: &mut reader, writer: writer.as_mut() });
            (decoded, writer)
        });
        let mut received: u64 = 0;
        let mut failure = None;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    received += chunk.len() as u64;
                    if received > limit {
                        failure = Some(too_large());
                        break;
                    }
                    if tx.send(Ok(chunk)).await.is_err() {
                        // The decoder stopped early: the document is already known bad.
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    failure = Some(Failure::Retry { message: error_chain(&e), wait: None });
                    break;
                }
            }
        }
        if failure.is_some() {
            let _ = tx.send(Err(())).await;
        }
        drop(tx);
        drop(response);
        let (decoded, writer) = decoder
            .await
            .map_err(|e| Failure::Fatal(RegistryError::Setup(format!("decoder task failed: {e}"))))?;
        if let Some(failure) = failure {
            return Err(failure);
        }
        match decoded {
            Ok(packument) => {
                if let Some(writer) = writer {
                    let path = writer_commit(writer).await;
                    if let Err(e) = path {
                        tracing::warn!("cannot write to the cache: {e}");
                    }
                }
                Ok(Lookup::Found(Arc::new(packument)))
            }
            // A body cut short without the transport noticing (no length, connection closed).
            Err(e) if e.is_eof() => {
                Err(Failure::Retry { message: format!("truncated body ({e})"), wait: None })
            }
            Err(e) => Err(Failure::Fatal(RegistryError::Malformed {
                url: shown.to_owned(),
                message: e.to_string(),
            })),
        }
    }

    async fn decode_cached(&self, url: &Url) -> Result<Lookup, Failure> {
        let Some(cache) = self.inner.cache.clone() else { return Err(Failure::CacheDamaged) };
        let key = url.as_str().to_owned();
        let decoded = tokio::task::spawn_blocking(move || {
            let (_, mut body) = cache.open_body(&key).ok()?;
            match decode(&mut body) {
                Ok(p) => Some(p),
                Err(_) => {
                    cache.remove(&key);
                    None
                }
            }
        })
        .await
        .map_err(|e| Failure::Fatal(RegistryError::Setup(format!("cache task failed: {e}"))))?;
        decoded.map(|p| Lookup::Found(Arc::new(p))).ok_or(Failure::CacheDamaged)
    }
}

async fn writer_commit(writer: super::cache::CacheWriter) -> io::Result<()> {
    tokio::task::spawn_blocking(move || writer.commit()).await.map_err(io::Error::other)?
}

/// Decodes the whole stream, then reads on to its end so that a damaged cache body or a
/// transport failure after the last `}` still fails the decode.
fn decode(reader: &mut dyn Read) -> Result<Packument, serde_json::Error> {
    let mut buffered = io::BufReader::with_capacity(64 * 1024, reader);
    let packument: Packument = serde_json::from_reader(&mut buffered)?;
    io::copy(&mut buffered, &mut io::sink()).map_err(serde_json::Error::io)?;
    Ok(packument)
}

/// The blocking side of the body channel. `Err(())` from the sender means the transfer failed.
struct ChannelReader {
    rx: mpsc::Receiver<Result<Bytes, ()>>,
    current: Bytes,
    failed: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.failed {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "transfer failed"));
            }
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(())) => self.failed = true,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        let chunk = self.current.split_to(n);
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(&chunk);
        Ok(n)
    }
}

/// Passes bytes through while copying them into the cache entry; a cache write error only
/// stops the copying.
struct Tee<'a> {
    inner: &'a mut ChannelReader,
    writer: Option<&'a mut super::cache::CacheWriter>,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.write_chunk(buf.get(..n).unwrap_or_default())
        {
            tracing::warn!("cannot write to the cache: {e}");
            self.writer = None;
        }
        Ok(n)
    }
}

/// `Retry-After` as delta-seconds or an HTTP date (also what the GitHub client honours).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
    let at = SystemTime::try_from(at).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// An error and its causes on one line, without the request URL (which reqwest would show
/// with any user-info in it; callers name the redacted URL themselves).
fn error_chain(e: &reqwest::Error) -> String {
    let mut out = String::new();
    let mut current: Option<&dyn std::error::Error> = Some(e);
    let mut first = true;
    while let Some(err) = current {
        let text = if first {
            // reqwest's own Display would include the URL; describe the kind instead.
            first = false;
            if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "cannot connect".to_owned()
            } else if e.is_body() || e.is_decode() {
                "error reading the body".to_owned()
            } else {
                "request failed".to_owned()
            }
        } else {
            err.to_string()
        };
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        current = err.source();
    }
    out
}

fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    // RandomState is seeded per instance from the OS; hashing the time mixes in more.
    let bits = RandomState::new().hash_one(SystemTime::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// For synchronous callers (the CLI): runs [`Client::fetch_all`] on a runtime of its own.
pub fn fetch_all_blocking(
    config: RegistryConfig,
    options: ClientOptions,
    names: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, Lookup>, RegistryError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| RegistryError::Setup(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let client = Client::new(config, options)?;
        client.fetch_all(names).await
    })
}
