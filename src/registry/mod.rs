//! What the registry says about packages.

pub mod packument;

pub use packument::Packument;
