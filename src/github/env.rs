//! The runner's environment: `GITHUB_*` variables and the action's `INPUT_*` values, read into
//! plain data. Every error names the variable and says what to do.

use std::fmt;
use std::path::PathBuf;

/// A value the environment got wrong (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct EnvError {
    pub var: String,
    pub message: String,
}

/// The GitHub token. Its `Debug` never shows it, so no log or error can carry it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Diff on pull requests, merge groups, pushes and manual runs given base and head; scan
    /// otherwise.
    Auto,
    Diff,
    Scan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentMode {
    Always,
    /// Post when there are findings; mark an earlier comment resolved when they are gone.
    OnFindings,
    Never,
}

/// The action's inputs (action.yml). Empty values count as not given, as the runner passes
/// every declared input, defaulted or not.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub token: Option<Token>,
    /// Paths or globs (newline- or comma-separated); empty: discover.
    pub lockfiles: Vec<String>,
    /// The policy file inside the repository.
    pub config: Option<String>,
    pub mode: Mode,
    pub base: Option<String>,
    pub head: Option<String>,
    pub fail_on: Option<String>,
    pub warn_only: bool,
    pub comment: CommentMode,
    pub check_run: bool,
    pub registry: Option<String>,
    pub min_release_age: Option<String>,
}

/// Everything `lockgate action` reads from its environment.
#[derive(Debug, Clone)]
pub struct Env {
    pub event_name: String,
    pub event_path: PathBuf,
    pub owner: String,
    pub repo: String,
    /// REST API root without a trailing slash (`https://HOST/api/v3` on GitHub Enterprise Server).
    pub api_url: String,
    /// Web root, for links to lockfile lines (`GITHUB_SERVER_URL`).
    pub server_url: String,
    pub workspace: PathBuf,
    pub sha: Option<String>,
    pub output: Option<PathBuf>,
    pub step_summary: Option<PathBuf>,
    pub runner_temp: Option<PathBuf>,
    /// `GITHUB_RUN_ID`, to name where the full report is.
    pub run_id: Option<String>,
    pub inputs: Inputs,
}

impl Env {
    /// Read from the process environment.
    pub fn from_process() -> Result<Env, EnvError> {
        Env::from_lookup(&|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Env, EnvError> {
        let opt = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let req = |name: &str, what: &str| {
            opt(name).ok_or_else(|| EnvError {
                var: name.into(),
                message: format!(
                    "not set; `lockgate action` runs inside GitHub Actions, which sets it ({what}). Outside Actions use `lockgate diff` or `lockgate scan`"
                ),
            })
        };
        let event_name = req("GITHUB_EVENT_NAME", "the event that triggered the workflow")?;
        let event_path = PathBuf::from(req("GITHUB_EVENT_PATH", "the event payload file")?);
        let repository = req("GITHUB_REPOSITORY", "owner/name")?;
        let (owner, repo) = split_repository(&repository).ok_or_else(|| EnvError {
            var: "GITHUB_REPOSITORY".into(),
            message: format!("{repository:?} is not owner/name"),
        })?;
        let api_url = opt("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
        let api_url = checked_url("GITHUB_API_URL", &api_url)?;
        let server_url = opt("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        let server_url = checked_url("GITHUB_SERVER_URL", &server_url)?;
        let workspace = match opt("GITHUB_WORKSPACE") {
            Some(w) => PathBuf::from(w),
            None => std::env::current_dir().map_err(|e| EnvError {
                var: "GITHUB_WORKSPACE".into(),
                message: format!("not set, and the current directory cannot be read: {e}"),
            })?,
        };
        let sha = opt("GITHUB_SHA");
        if let Some(s) = &sha {
            check_sha("GITHUB_SHA", s)?;
        }
        let inputs = Inputs::from_lookup(get)?;
        Ok(Env {
            event_name,
            event_path,
            owner,
            repo,
            api_url,
            server_url,
            workspace,
            sha,
            output: opt("GITHUB_OUTPUT").map(PathBuf::from),
            step_summary: opt("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            runner_temp: opt("RUNNER_TEMP").map(PathBuf::from),
            run_id: opt("GITHUB_RUN_ID").filter(|r| r.bytes().all(|b| b.is_ascii_digit())),
            inputs,
        })
    }
}

/// The runner passes input `foo-bar` as `INPUT_FOO-BAR` (upper case, spaces to `_`, dashes kept).
/// Shells cannot export a name with a dash, so `INPUT_FOO_BAR` is accepted too (local runs).
fn input(get: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase().replace(' ', "_");
    get(&format!("INPUT_{upper}"))
        .or_else(|| get(&format!("INPUT_{}", upper.replace('-', "_"))))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.to_ascii_uppercase())
}

impl Inputs {
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Inputs, EnvError> {
        let bad = |name: &str, message: String| EnvError { var: input_var(name), message };
        let boolean = |name: &str, default: bool| -> Result<bool, EnvError> {
            match input(get, name).as_deref() {
                None => Ok(default),
                Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
                Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
                Some(v) => Err(bad(name, format!("{v:?} is not true or false"))),
            }
        };
        let mode = match input(get, "mode").as_deref() {
            None | Some("auto") => Mode::Auto,
            Some("diff") => Mode::Diff,
            Some("scan") => Mode::Scan,
            Some(v) => return Err(bad("mode", format!("{v:?} is not auto, diff or scan"))),
        };
        let comment = match input(get, "comment").as_deref() {
            None | Some("on-findings") => CommentMode::OnFindings,
            Some("always") => CommentMode::Always,
            Some("never") => CommentMode::Never,
            Some(v) => return Err(bad("comment", format!("{v:?} is not always, on-findings or never"))),
        };
        let fail_on = input(get, "fail-on");
        if let Some(level) = &fail_on {
            level.parse::<crate::policy::FailOn>().map_err(|e| bad("fail-on", e))?;
        }
        let min_release_age = input(get, "min-release-age");
        if let Some(age) = &min_release_age {
            crate::policy::parse_age_hours(age).map_err(|e| bad("min-release-age", e))?;
        }
        let lockfiles = input(get, "lockfiles")
            .map(|v| {
                v.split(['\n', ','])
                    .map(|p| p.trim().trim_start_matches("./").to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let token =
            input(get, "github-token").or_else(|| get("GITHUB_TOKEN").filter(|t| !t.trim().is_empty()));
        Ok(Inputs {
            token: token.map(|t| Token(t.trim().to_owned())),
            lockfiles,
            config: input(get, "config"),
            mode,
            base: input(get, "base"),
            head: input(get, "head"),
            fail_on,
            warn_only: boolean("warn-only", false)?,
            comment,
            check_run: boolean("check-run", true)?,
            registry: input(get, "registry"),
            min_release_age,
        })
    }
}

fn split_repository(s: &str) -> Option<(String, String)> {
    let (owner, repo) = s.split_once('/')?;
    let ok = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    (ok(owner) && ok(repo)).then(|| (owner.to_owned(), repo.to_owned()))
}

fn checked_url(var: &str, url: &str) -> Result<String, EnvError> {
    let trimmed = url.trim_end_matches('/');
    if !(trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        || trimmed.contains(char::is_whitespace)
    {
        return Err(EnvError { var: var.into(), message: format!("{url:?} is not an http(s) URL") });
    }
    Ok(trimmed.to_owned())
}

/// A commit id from the environment or the event: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_sha(var: &str, s: &str) -> Result<(), EnvError> {
    if is_sha(s) {
        Ok(())
    } else {
        Err(EnvError { var: var.into(), message: format!("{s:?} is not a commit SHA") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Result<Env, EnvError> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Env::from_lookup(&move |k| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", "/tmp/event.json"),
        ("GITHUB_REPOSITORY", "octo/repo"),
        ("GITHUB_WORKSPACE", "/github/workspace"),
    ];

    #[test]
    fn reads_runner_variables_and_inputs() {
        let mut vars = BASE.to_vec();
        vars.extend([
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
            ("INPUT_GITHUB-TOKEN", "ghs_secret"),
            ("INPUT_FAIL-ON", "high"),
            ("INPUT_WARN-ONLY", "true"),
            ("INPUT_CHECK-RUN", "false"),
            ("INPUT_COMMENT", "always"),
            ("INPUT_LOCKFILES", "package-lock.json, apps/*/pnpm-lock.yaml\n./yarn.lock\n"),
            ("INPUT_MIN-RELEASE-AGE", "3d"),
            ("INPUT_MODE", ""),
        ]);
        let e = env(&vars).unwrap();
        assert_eq!((e.owner.as_str(), e.repo.as_str()), ("octo", "repo"));
        assert_eq!(e.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(e.inputs.token.as_ref().unwrap().expose(), "ghs_secret");
        assert_eq!(e.inputs.fail_on.as_deref(), Some("high"));
        assert!(e.inputs.warn_only && !e.inputs.check_run);
        assert_eq!(e.inputs.comment, CommentMode::Always);
        assert_eq!(e.inputs.mode, Mode::Auto);
        assert_eq!(e.inputs.lockfiles, ["package-lock.json", "apps/*/pnpm-lock.yaml", "yarn.lock"]);
        assert!(!format!("{e:?}").contains("ghs_secret"), "the token never shows in Debug");
    }

    #[test]
    fn errors_name_the_variable() {
        let e = env(&BASE[1..]).unwrap_err();
        assert_eq!(e.var, "GITHUB_EVENT_NAME");
        let mut vars = BASE.to_vec();
        vars.push(("INPUT_WARN-ONLY", "yes"));
        assert_eq!(env(&vars).unwrap_err().var, "INPUT_WARN-ONLY");
        let mut vars = BASE.to_vec();
        vars.push(("INPUT_FAIL-ON", "severe"));
        assert_eq!(env(&vars).unwrap_err().var, "INPUT_FAIL-ON");
        let mut vars = BASE.to_vec();
        vars[2] = ("GITHUB_REPOSITORY", "../x");
        assert_eq!(env(&vars).unwrap_err().var, "GITHUB_REPOSITORY");
        let mut vars = BASE.to_vec();
        vars.push(("GITHUB_SHA", "HEAD~1"));
        assert_eq!(env(&vars).unwrap_err().var, "GITHUB_SHA");
    }

    #[test]
    fn underscore_inputs_work_for_local_runs() {
        let mut vars = BASE.to_vec();
        vars.push(("INPUT_FAIL_ON", "low"));
        assert_eq!(env(&vars).unwrap().inputs.fail_on.as_deref(), Some("low"));
    }
}
