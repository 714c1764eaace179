//! What the registry says about packages: which registry serves a name and with which
//! credentials ([`npmrc`]), fetching and decoding packuments ([`client`]), the on-disk
//! revalidation cache ([`cache`]) and the document model ([`packument`]).

pub mod cache;
pub mod client;
pub mod npmrc;
pub mod packument;

pub use client::{Client, ClientOptions, Lookup, RegistryError, fetch_all_blocking};
pub use npmrc::{RegistryConfig, is_registry_url};
pub use packument::Packument;
