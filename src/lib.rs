//! resetgap: finds the credentials and access paths that survive a password reset.
//!
//! The pipeline runs one way:
//!
//! ```text
//! discover (parallel walk) -> parse (source adapters, rayon) -> inventory (merge)
//!   -> correlate (identities) -> rules (rayon) -> sort -> report (one writer)
//! ```

pub mod diag;
pub mod inventory;
pub mod source;
