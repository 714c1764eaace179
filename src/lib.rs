//! lockgate: a supply-chain gate for JavaScript lockfiles.

pub mod lockfile;
