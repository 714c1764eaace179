//! What the registry says about packages: which registry serves a name and with which
//! credentials ([`npmrc`]), fetching and decoding packuments ([`client`]), the on-disk
//! revalidation cache ([`cache`]), the document model ([`packument`]) and the terminal progress
//! line ([`progress`]).

pub mod cache;
pub mod client;
pub mod npmrc;
pub mod packument;
pub mod progress;

pub use client::{Client, ClientOptions, Lookup, RegistryError, fetch_all_blocking};
pub use npmrc::{RegistryConfig, is_registry_url};
pub use packument::Packument;
