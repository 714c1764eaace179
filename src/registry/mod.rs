//! What the registry says about packages.

pub mod npmrc;
pub mod packument;

pub use packument::Packument;
