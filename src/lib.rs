//! resetgap: finds the credentials and access paths that survive a password reset.
//!
//! The pipeline runs one way:
//!
//! ```text
//! discover (parallel walk) -> parse (source adapters, rayon) -> inventory (merge)
//!   -> correlate (identities) -> rules (rayon) -> sort -> report (one writer)
//! ```

pub mod baseline;
pub mod cli;
pub mod closure;
pub mod config;
pub mod correlate;
pub mod diag;
pub mod discover;
pub mod exceptions;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod inventory;
pub mod progress;
pub mod report;
pub mod rule;
pub mod scan;
pub mod shard;
pub mod source;
pub mod yaml;
