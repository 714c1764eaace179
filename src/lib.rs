//! lockgate: a supply-chain gate for JavaScript lockfiles.
//!
//! The pipeline (DESIGN.md): [`repo`] reads lockfile bytes from git or the working tree,
//! [`lockfile`] parses them into one model, [`diff`] finds what changed, [`report`] renders the
//! result; [`run`] wires the stages together for the CLI in [`cli`].

pub mod cli;
pub mod diff;
pub mod escape;
pub mod github;
pub mod lockfile;
pub mod policy;
pub mod registry;
pub mod repo;
pub mod report;
pub mod run;
pub mod signals;
