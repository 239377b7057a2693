//! Secrets in config files: data-driven extractors (`rules/extract/*.yml`) run over text files.

use super::Output;
use crate::inventory::{IssuedBasis, When};

/// The compiled set of secret extractors.
#[derive(Debug, Default)]
pub struct Extractors {}

impl Extractors {
    /// The extractors bundled in `rules/extract/`.
    pub fn builtin() -> Result<Extractors, Vec<String>> {
        Ok(Extractors {})
    }

    /// (id, name) of every extractor.
    pub fn rules(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Runs every example and negative example; returns the problems.
    pub fn check(&self) -> Vec<String> {
        Vec::new()
    }

    /// Scans one text file; `path` is relative to the scan root, `modified` when it was written.
    pub fn scan(&self, _path: &str, _text: &str, _modified: When, _basis: IssuedBasis) -> Output {
        Output::default()
    }
}
