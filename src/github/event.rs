//! The event payload (`GITHUB_EVENT_PATH`): only the fields lockgate needs, typed, every other
//! field ignored. What to compare is decided here from the event alone.

use super::env::{Mode, is_sha};
use serde::Deserialize;
use std::path::Path;

/// GitHub caps webhook payloads at 25 MB; a larger file is not an event.
const MAX_EVENT_BYTES: u64 = 25 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct EventError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub pull_request: Option<PullRequest>,
    #[serde(default)]
    pub merge_group: Option<MergeGroup>,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub repository: Option<Repository>,
}

#[derive(Debug, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub base: Ref,
    pub head: Ref,
}

#[derive(Debug, Deserialize)]
pub struct Ref {
    pub sha: String,
    /// `null` when the fork was deleted.
    #[serde(default)]
    pub repo: Option<Repository>,
}

#[derive(Debug, Deserialize)]
pub struct MergeGroup {
    pub head_sha: String,
    pub base_sha: String,
}

#[derive(Debug, Deserialize)]
pub struct Repository {
    pub full_name: String,
}

pub fn read(path: &Path) -> Result<Payload, EventError> {
    let err = |message: String| EventError { path: path.display().to_string(), message };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read the event payload: {e}")))?;
    if meta.len() > MAX_EVENT_BYTES {
        return Err(err(format!("{} bytes, larger than GitHub's 25 MB payload limit", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read the event payload: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| err(format!("not a GitHub event payload: {e}")))
}

/// What one run compares, decided from the event and the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Diff {
        base: String,
        head: String,
        /// The pull request to comment on.
        pr: Option<u64>,
        /// The head comes from another repository (its token is read-only).
        fork: bool,
    },
    /// `None`: the checked-out working tree.
    Scan { rev: Option<String> },
}

impl Plan {
    /// The commit the check run and annotations belong to.
    pub fn head_sha(&self) -> Option<&str> {
        match self {
            Plan::Diff { head, .. } => Some(head),
            Plan::Scan { rev } => rev.as_deref(),
        }
    }

    pub fn is_fork(&self) -> bool {
        matches!(self, Plan::Diff { fork: true, .. })
    }

    pub fn pr(&self) -> Option<u64> {
        match self {
            Plan::Diff { pr, .. } => *pr,
            Plan::Scan { .. } => None,
        }
    }
}

/// `base`/`head` inputs apply to manual runs; `mode` forces a diff or a scan.
pub fn plan(
    event_name: &str,
    payload: &Payload,
    github_sha: Option<&str>,
    mode: Mode,
    base_input: Option<&str>,
    head_input: Option<&str>,
) -> Result<Plan, String> {
    let sha = |what: &str, s: &str| -> Result<String, String> {
        if is_sha(s) {
            Ok(s.to_owned())
        } else {
            Err(format!("the event's {what} {s:?} is not a commit SHA"))
        }
    };
    let found = match event_name {
        "pull_request" | "pull_request_target" => {
            let pr = payload
                .pull_request
                .as_ref()
                .ok_or_else(|| format!("a {event_name} event without `pull_request`"))?;
            let head_repo = pr.head.repo.as_ref().map(|r| r.full_name.as_str());
            let base_repo = payload.repository.as_ref().map(|r| r.full_name.as_str());
            Some(Plan::Diff {
                base: sha("pull_request.base.sha", &pr.base.sha)?,
                head: sha("pull_request.head.sha", &pr.head.sha)?,
                pr: Some(pr.number),
                fork: head_repo.is_none() || head_repo != base_repo,
            })
        }
        "merge_group" => {
            let mg = payload.merge_group.as_ref().ok_or("a merge_group event without `merge_group`")?;
            Some(Plan::Diff {
                base: sha("merge_group.base_sha", &mg.base_sha)?,
                head: sha("merge_group.head_sha", &mg.head_sha)?,
                pr: None,
                fork: false,
            })
        }
        "push" => {
            let after = payload.after.as_deref().filter(|a| !is_zero(a));
            let before = payload.before.as_deref().filter(|b| !is_zero(b));
            match (before, after) {
                _ if payload.deleted => None,
                (Some(b), Some(a)) => Some(Plan::Diff {
                    base: sha("before", b)?,
                    head: sha("after", a)?,
                    pr: None,
                    fork: false,
                }),
                // A new branch has no `before`: everything it locks is new to it.
                (None, Some(a)) => Some(Plan::Scan { rev: Some(sha("after", a)?) }),
                _ => None,
            }
        }
        "workflow_dispatch" => match (base_input, head_input) {
            (Some(b), h) => Some(Plan::Diff {
                base: b.to_owned(),
                head: h
                    .map(str::to_owned)
                    .or_else(|| github_sha.map(str::to_owned))
                    .ok_or("the `base` input needs a `head` input or GITHUB_SHA to compare with")?,
                pr: None,
                fork: false,
            }),
            (None, Some(_)) => return Err("the `head` input needs a `base` input".into()),
            (None, None) => None,
        },
        _ => None,
    };
    let scan = || Plan::Scan { rev: github_sha.map(str::to_owned) };
    Ok(match (mode, found) {
        (Mode::Scan, Some(Plan::Diff { head, .. })) => Plan::Scan { rev: Some(head) },
        (Mode::Scan, Some(p)) => p,
        (Mode::Diff, Some(p @ Plan::Diff { .. })) => p,
        (Mode::Diff, _) => {
            return Err(format!(
                "mode is diff, but a {event_name} event has no base and head to compare (give the base and head inputs, or use mode: auto)"
            ));
        }
        (Mode::Auto, Some(p)) => p,
        // schedule, a deleted branch, a manual run without base/head, any other event: scan
        // what is checked out (the default branch for schedule).
        (_, None) => scan(),
    })
}

fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    fn payload(json: &str) -> Payload {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn pull_requests_diff_base_and_head() {
        let p = payload(&format!(
            r#"{{"action":"opened","number":7,"pull_request":{{"number":7,"base":{{"sha":"{A}","repo":{{"full_name":"o/r"}}}},"head":{{"sha":"{B}","repo":{{"full_name":"fork/r"}}}}}},"repository":{{"full_name":"o/r","default_branch":"main"}}}}"#
        ));
        let plan = plan("pull_request_target", &p, None, Mode::Auto, None, None).unwrap();
        assert_eq!(plan, Plan::Diff { base: A.into(), head: B.into(), pr: Some(7), fork: true });
        assert_eq!(plan.head_sha(), Some(B));
        assert_eq!(
            super::plan("pull_request", &p, None, Mode::Scan, None, None).unwrap(),
            Plan::Scan { rev: Some(B.into()) }
        );
    }

    #[test]
    fn pushes_and_other_events() {
        let p = payload(&format!(r#"{{"before":"{A}","after":"{B}"}}"#));
        assert!(matches!(
            plan("push", &p, None, Mode::Auto, None, None).unwrap(),
            Plan::Diff { pr: None, .. }
        ));
        let p = payload(&format!(
            r#"{{"before":"0000000000000000000000000000000000000000","after":"{B}","created":true}}"#
        ));
        assert_eq!(
            plan("push", &p, None, Mode::Auto, None, None).unwrap(),
            Plan::Scan { rev: Some(B.into()) }
        );
        let p = payload(r#"{"schedule":"0 0 * * *"}"#);
        assert_eq!(
            plan("schedule", &p, Some(A), Mode::Auto, None, None).unwrap(),
            Plan::Scan { rev: Some(A.into()) }
        );
        assert!(plan("schedule", &p, Some(A), Mode::Diff, None, None).is_err());
        let p = payload(r#"{"inputs":{}}"#);
        assert_eq!(
            plan("workflow_dispatch", &p, Some(A), Mode::Auto, Some("v1.0"), None).unwrap(),
            Plan::Diff { base: "v1.0".into(), head: A.into(), pr: None, fork: false }
        );
        assert!(plan("workflow_dispatch", &p, Some(A), Mode::Auto, None, Some("x")).is_err());
    }

    #[test]
    fn hostile_shas_are_refused() {
        let p = payload(&format!(r#"{{"before":"--upload-pack=x","after":"{B}"}}"#));
        assert!(plan("push", &p, None, Mode::Auto, None, None).is_err());
    }
}
