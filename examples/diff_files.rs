//! Diff two lockfiles on disk with the library, without git or a registry:
//!
//! ```sh
//! cargo run --example diff_files -- old/package-lock.json new/package-lock.json
//! ```
//!
//! The file names pick the format (package-lock.json, yarn.lock, pnpm-lock.yaml, bun.lock, or
//! any name ending in one of those, such as `before.yarn.lock`).

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, head] = args.as_slice() else {
        bail!("usage: diff_files BASE_LOCKFILE HEAD_LOCKFILE");
    };
    let read = |path: &str| -> Result<lockgate::lockfile::Lockfile> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
        Ok(lockgate::lockfile::parse(path, &bytes)?)
    };
    let (base, head) = (read(base)?, read(head)?);
    println!("{} ({}) -> {} ({})", base.path, base.format, head.path, head.format);
    for change in lockgate::diff::diff(Some(&base), Some(&head)) {
        let from = change.from.as_ref().map_or("-", |e| e.version.as_str());
        let to = change.to.as_ref().map_or("-", |e| e.version.as_str());
        let line = change.current().line;
        println!(
            "{:9} {} {from} -> {to} (line {line})",
            change.kind.as_str(),
            lockgate::escape::terminal(&change.name)
        );
    }
    Ok(())
}
