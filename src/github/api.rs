//! The GitHub REST calls lockgate makes, through octocrab: the sticky comment, the check run,
//! and reading files of commits the checkout lacks. Every call retries rate limits (primary
//! and secondary), 5xx answers and timeouts with backoff, within a total time budget.

use super::env::Token;
use crate::escape::{url_path, url_segment};
use bytes::Bytes;
use http::{Method, StatusCode, header};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Attempts per request (the first plus retries).
const MAX_ATTEMPTS: u32 = 4;
/// The longest single wait for a rate limit; GitHub asks for up to an hour, a CI job cannot.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// All GitHub calls of one run together; past it, no more retries.
const TOTAL_BUDGET: Duration = Duration::from_secs(300);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A larger answer is not one lockgate asked for (lockfiles have their own limit).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// 100 pages of 100 comments: a pull request with more is not one a sticky comment can help.
const MAX_COMMENT_PAGES: u32 = 100;
/// GitHub's limit of annotations per check-run request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The token may not do this (a fork pull request's read-only token, missing permissions).
    #[error("GitHub refused {what} (HTTP {status}): {message}")]
    Denied { what: String, status: u16, message: String },
    /// GitHub did not answer usefully after the retries.
    #[error("GitHub did not answer {what}: {message}")]
    Unavailable { what: String, message: String },
    #[error("GitHub rejected {what} (HTTP {status}): {message}")]
    Rejected { what: String, status: u16, message: String },
    #[error("cannot set up the GitHub client: {0}")]
    Setup(String),
}

impl ApiError {
    pub fn is_denied(&self) -> bool {
        matches!(self, ApiError::Denied { .. })
    }

    /// Whether later writes are pointless too: the token cannot write, or GitHub is not
    /// answering (trying again would only stretch the job by the retry waits).
    pub fn stops_writes(&self) -> bool {
        !matches!(self, ApiError::Rejected { .. })
    }
}

pub struct Response {
    pub status: StatusCode,
    pub body: Bytes,
}

pub struct Api {
    client: octocrab::Octocrab,
    /// `/repos/{owner}/{repo}`, percent-encoded.
    repo_path: String,
    deadline: Instant,
}

impl Api {
    pub fn new(api_url: &str, owner: &str, repo: &str, token: Option<&Token>) -> Result<Api, ApiError> {
        // octocrab's rustls connector takes the process-wide provider; ring is what the registry
        // client installs too (no aws-lc C build).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = octocrab::Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| ApiError::Setup(format!("GITHUB_API_URL {api_url:?}: {e}")))?
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .set_write_timeout(Some(REQUEST_TIMEOUT))
            .add_header(header::USER_AGENT, format!("lockgate/{}", env!("CARGO_PKG_VERSION")))
            .add_header(http::HeaderName::from_static("x-github-api-version"), "2022-11-28".into());
        if let Some(t) = token {
            builder = builder.personal_token(t.expose().to_owned());
        }
        // The error of a failed build is about the TLS set-up, never the token.
        let client = builder.build().map_err(|e| ApiError::Setup(e.to_string()))?;
        Ok(Api {
            client,
            repo_path: format!("/repos/{}/{}", url_segment(owner), url_segment(repo)),
            deadline: Instant::now() + TOTAL_BUDGET,
        })
    }

    /// One request with retries. `Ok` for 2xx and 404 (callers decide what a 404 means);
    /// errors for the rest.
    async fn send(
        &self,
        method: Method,
        path: &str,
        accept: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Response, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.once(method.clone(), path, accept, body).await;
            let (retry_after, message) = match outcome {
                Ok((status, headers, bytes)) => {
                    if status.is_success() || status == StatusCode::NOT_FOUND && method == Method::GET {
                        return Ok(Response { status, body: bytes });
                    }
                    let message = error_message(&bytes);
                    match retry_delay(status, &headers, &message, attempt) {
                        Some(wait) => (wait, format!("HTTP {}: {message}", status.as_u16())),
                        None if matches!(status.as_u16(), 401 | 403 | 404) => {
                            return Err(ApiError::Denied {
                                what: what.into(),
                                status: status.as_u16(),
                                message,
                            });
                        }
                        None => {
                            return Err(ApiError::Rejected {
                                what: what.into(),
                                status: status.as_u16(),
                                message,
                            });
                        }
                    }
                }
                Err(message) => (backoff(attempt), message),
            };
            let wait = retry_after.min(MAX_WAIT);
            if attempt >= MAX_ATTEMPTS || Instant::now() + wait > self.deadline {
                return Err(ApiError::Unavailable {
                    what: what.into(),
                    message: format!("{message} (after {attempt} attempts)"),
                });
            }
            tracing::warn!("GitHub {what}: {message}; retrying in {} ms", wait.as_millis());
            tokio::time::sleep(wait).await;
        }
    }

    async fn once(
        &self,
        method: Method,
        path: &str,
        accept: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes), String> {
        let builder = http::Request::builder().method(method).uri(path).header(header::ACCEPT, accept);
        let request = self.client.build_request(builder, body).map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self.client.execute(request).await.map_err(|e| format!("request failed: {e}"))?;
            let (parts, body) = response.into_parts();
            let collected = http_body_util::Limited::new(body, MAX_BODY_BYTES)
                .collect()
                .await
                .map_err(|e| format!("reading the answer failed: {e}"))?;
            Ok((parts.status, parts.headers, collected.to_bytes()))
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
        }
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, ApiError> {
        let r = self.send(method, path, "application/vnd.github+json", body, what).await?;
        if r.status == StatusCode::NOT_FOUND {
            return Err(ApiError::Denied { what: what.into(), status: 404, message: "Not Found".into() });
        }
        if r.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&r.body).map_err(|e| ApiError::Rejected {
            what: what.into(),
            status: r.status.as_u16(),
            message: format!("the answer is not JSON: {e}"),
        })
    }

    /// The first comment on the issue/PR that lockgate made: its body starts with `marker`
    /// and a bot wrote it (anyone can paste the marker into a comment of their own; lockgate
    /// must not take that one over). All pages are read.
    pub async fn find_comment(&self, issue: u64, marker: &str) -> Result<Option<u64>, ApiError> {
        #[derive(Deserialize)]
        struct User {
            #[serde(rename = "type", default)]
            kind: String,
        }
        #[derive(Deserialize)]
        struct Comment {
            id: u64,
            #[serde(default)]
            body: Option<String>,
            #[serde(default)]
            user: Option<User>,
        }
        for page in 1..=MAX_COMMENT_PAGES {
            let path = format!("{}/issues/{issue}/comments?per_page=100&page={page}", self.repo_path);
            let value = self.json(Method::GET, &path, None, "the list of pull request comments").await?;
            let comments: Vec<Comment> = serde_json::from_value(value).map_err(|e| ApiError::Rejected {
                what: "the list of pull request comments".into(),
                status: 200,
                message: format!("unexpected shape: {e}"),
            })?;
            let found = comments.iter().find(|c| {
                c.body.as_deref().is_some_and(|b| b.trim_start().starts_with(marker))
                    && c.user.as_ref().is_some_and(|u| u.kind == "Bot")
            });
            if let Some(c) = found {
                return Ok(Some(c.id));
            }
            if comments.len() < 100 {
                break;
            }
        }
        Ok(None)
    }

    pub async fn create_comment(&self, issue: u64, body: &str) -> Result<u64, ApiError> {
        let path = format!("{}/issues/{issue}/comments", self.repo_path);
        let v = self
            .json(Method::POST, &path, Some(&json!({ "body": body })), "creating the pull request comment")
            .await?;
        Ok(v["id"].as_u64().unwrap_or(0))
    }

    pub async fn update_comment(&self, id: u64, body: &str) -> Result<(), ApiError> {
        let path = format!("{}/issues/comments/{id}", self.repo_path);
        self.json(Method::PATCH, &path, Some(&json!({ "body": body })), "updating the pull request comment")
            .await?;
        Ok(())
    }

    /// Create a completed check run with the first batch of annotations; the rest follow in
    /// updates of at most [`ANNOTATIONS_PER_REQUEST`] each (GitHub appends them).
    pub async fn create_check_run(
        &self,
        head_sha: &str,
        conclusion: &str,
        title: &str,
        summary: &str,
        annotations: &[Value],
    ) -> Result<u64, ApiError> {
        let mut batches = annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = batches.next().unwrap_or(&[]);
        let body = json!({
            "name": "lockgate",
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": conclusion,
            "completed_at": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "output": { "title": title, "summary": summary, "annotations": first },
        });
        let path = format!("{}/check-runs", self.repo_path);
        let created = self.json(Method::POST, &path, Some(&body), "creating the check run").await?;
        let id = created["id"].as_u64().ok_or_else(|| ApiError::Rejected {
            what: "creating the check run".into(),
            status: 201,
            message: "the answer has no id".into(),
        })?;
        for batch in batches {
            let body = json!({ "output": { "title": title, "summary": summary, "annotations": batch } });
            let path = format!("{}/check-runs/{id}", self.repo_path);
            self.json(Method::PATCH, &path, Some(&body), "adding annotations to the check run").await?;
        }
        Ok(id)
    }

    /// Paths of every file in the commit's tree (`None`: the listing was truncated).
    pub async fn list_files(&self, sha: &str) -> Result<Option<Vec<String>>, ApiError> {
        let what = format!("the file list of commit {sha}");
        let path = format!("{}/git/trees/{}?recursive=1", self.repo_path, url_segment(sha));
        let v = self.json(Method::GET, &path, None, &what).await?;
        if v["truncated"].as_bool() == Some(true) {
            return Ok(None);
        }
        let files = v["tree"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter(|e| e["type"].as_str() == Some("blob"))
                    .filter_map(|e| e["path"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(files))
    }

    /// A file's bytes at a commit, through the contents API's raw media type; `None` when the
    /// commit has no such file.
    pub async fn read_file(&self, sha: &str, file: &str) -> Result<Option<Vec<u8>>, ApiError> {
        let what = format!("{file} at {sha}");
        let path = format!("{}/contents/{}?ref={}", self.repo_path, url_path(file), url_segment(sha));
        let r = self.send(Method::GET, &path, "application/vnd.github.raw", None, &what).await?;
        if r.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(r.body.to_vec()))
    }
}

/// How long to wait before retrying, or `None` when the answer is final.
fn retry_delay(
    status: StatusCode,
    headers: &http::HeaderMap,
    message: &str,
    attempt: u32,
) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let retry_after = crate::registry::client::retry_after(headers);
    let reset = || {
        let reset = header("x-ratelimit-reset")?.parse::<i64>().ok()?;
        let now = jiff::Timestamp::now().as_second();
        Some(Duration::from_secs(u64::try_from(reset.saturating_sub(now)).unwrap_or(0) + 1))
    };
    let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::FORBIDDEN
            && (header("x-ratelimit-remaining") == Some("0")
                || retry_after.is_some()
                || message.to_ascii_lowercase().contains("rate limit"));
    if rate_limited {
        // GitHub: honor retry-after, else wait for the reset, else at least a minute (which
        // the cap turns into the longest wait lockgate accepts).
        return Some(retry_after.or_else(reset).unwrap_or(MAX_WAIT));
    }
    if status.is_server_error() {
        return Some(retry_after.unwrap_or_else(|| backoff(attempt)));
    }
    None
}

/// 1 s, 2 s, 4 s...
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5))
}

/// GitHub's `{"message": ...}`, cut short; the raw text when it is not JSON.
fn error_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(v) => v["message"].as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let mut cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn retry_decisions() {
        let none = headers(&[]);
        assert_eq!(
            retry_delay(StatusCode::TOO_MANY_REQUESTS, &headers(&[("retry-after", "3")]), "", 1),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_delay(StatusCode::FORBIDDEN, &none, "You have exceeded a secondary rate limit", 1),
            Some(MAX_WAIT)
        );
        let soon = (jiff::Timestamp::now().as_second() + 5).to_string();
        let wait = retry_delay(
            StatusCode::FORBIDDEN,
            &headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &soon)]),
            "",
            1,
        )
        .unwrap();
        assert!(wait >= Duration::from_secs(5) && wait <= Duration::from_secs(7), "{wait:?}");
        assert_eq!(
            retry_delay(StatusCode::FORBIDDEN, &none, "Resource not accessible by integration", 1),
            None
        );
        assert_eq!(retry_delay(StatusCode::BAD_GATEWAY, &none, "", 2), Some(Duration::from_secs(2)));
        assert_eq!(retry_delay(StatusCode::UNPROCESSABLE_ENTITY, &none, "", 1), None);
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(url_segment("pnpm-lock.yaml"), "pnpm-lock.yaml");
        assert_eq!(url_segment("a b/../?x#"), "a%20b%2F..%2F%3Fx%23");
    }

    #[test]
    fn error_messages_are_short() {
        assert_eq!(error_message(br#"{"message":"Bad credentials"}"#), "Bad credentials");
        assert_eq!(error_message(&[b'x'; 500]).chars().count(), 301);
    }
}
