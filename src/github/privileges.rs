//! Giving up root before any untrusted input is read.
//!
//! GitHub runs a docker action as the image's user and creates `$GITHUB_OUTPUT`,
//! `$GITHUB_STEP_SUMMARY` and the workspace as the runner's user (uid 1001, not writable by
//! others), so the image has to start as root to write them (see the Dockerfile). The image
//! names an unprivileged user in `LOCKGATE_RUN_AS` instead: lockgate opens the files it must
//! write while still root, then switches to that user for everything else (the event payload,
//! lockfiles, registry and GitHub answers). Outside the image the variable is unset and
//! nothing changes.

use super::Env;
use super::commands;

/// `uid:gid` to switch to when started as root.
pub const VAR: &str = "LOCKGATE_RUN_AS";

/// Where the action writes its reports, relative to the workspace.
pub const REPORT_DIR: &str = ".lockgate";

#[derive(Debug, thiserror::Error)]
#[error("{VAR}: {0}")]
pub struct PrivilegeError(String);

/// Switch to the user in `LOCKGATE_RUN_AS` when running as root. Returns the uid now in effect
/// when a switch happened. Fails closed: if the switch cannot be made, the run stops.
pub fn drop_root(env: &Env, run_as: Option<&str>) -> Result<Option<u32>, PrivilegeError> {
    let Some(spec) = run_as.filter(|s| !s.is_empty()) else { return Ok(None) };
    let (uid, gid) = parse(spec)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let err = |what: &str, e: std::io::Error| PrivilegeError(format!("{what}: {e}"));

    // What must stay writable: the runner's file-command files, opened now and kept open...
    for path in [&env.output, &env.step_summary].into_iter().flatten() {
        commands::preopen(path).map_err(|e| err(&format!("cannot open {}", path.display()), e))?;
    }
    // ...and the report directory, handed to the unprivileged user (stale reports of an earlier
    // run, possibly root's, go first).
    let dir = env.workspace.join(REPORT_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| err(&format!("cannot create {}", dir.display()), e))?;
    for name in ["report.json", "report.sarif"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
        .map_err(|e| err(&format!("cannot hand {} to {uid}:{gid}", dir.display()), e))?;

    // Supplementary groups first, then the group, then the user: after setuid the others are
    // no longer allowed. The process is still single-threaded here (no runtime yet), so the
    // calls apply to the whole process.
    // SAFETY: plain system calls on integers; a null list with size 0 clears the groups.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0 {
            return Err(err("setgroups", std::io::Error::last_os_error()));
        }
        if libc::setgid(gid) != 0 {
            return Err(err("setgid", std::io::Error::last_os_error()));
        }
        if libc::setuid(uid) != 0 {
            return Err(err("setuid", std::io::Error::last_os_error()));
        }
        if libc::getuid() != uid || libc::geteuid() != uid || libc::getegid() != gid || libc::setuid(0) == 0 {
            return Err(PrivilegeError(format!("still privileged after switching to {uid}:{gid}")));
        }
    }
    Ok(Some(uid))
}

fn parse(spec: &str) -> Result<(u32, u32), PrivilegeError> {
    let bad = || PrivilegeError(format!("{spec:?} is not uid:gid (e.g. 65532:65532)"));
    let (u, g) = spec.split_once(':').ok_or_else(bad)?;
    let (uid, gid) = (u.parse::<u32>().map_err(|_| bad())?, g.parse::<u32>().map_err(|_| bad())?);
    if uid == 0 || gid == 0 {
        return Err(PrivilegeError(format!("{spec:?} is root; name an unprivileged user")));
    }
    Ok((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_specs() {
        assert_eq!(parse("65532:65532").unwrap(), (65532, 65532));
        assert!(parse("0:0").is_err());
        assert!(parse("65532").is_err());
        assert!(parse("nobody:nogroup").is_err());
    }
}
