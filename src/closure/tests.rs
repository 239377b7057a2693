//! Unit tests of the closure records.
