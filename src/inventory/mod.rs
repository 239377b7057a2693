//! The inventory: every account, credential, host, membership, sudo grant, setting, trust entry,
//! and the reset ledger's events, tickets and reset rights that the sources found, merged into one sorted, deduplicated collection.
//!
//! This module owns the record types (`model`), the time type (`when`) and the merge. It does not
//! parse input (see `source`) and does not link accounts across systems (see `correlate`).

pub mod ledger;
pub mod merge;
pub mod model;
pub mod when;

pub use ledger::*;
pub use model::*;
pub use when::When;
pub mod store;

pub use store::Inventory;
