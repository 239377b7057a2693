//! What a report assessed, stated by the report itself: the as-of time, the evidence collection
//! times, the resetgap version and rule-set hash, the inputs per source, and for every rule
//! whether it was assessed or not (and what input it needs). Every format writes it, so that a
//! rule with no findings is never mistaken for a pass when its input was missing.

use crate::inventory::{Evidence, Inventory};
use crate::rule::coverage::Coverage;
use crate::rule::Catalog;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// When the evidence of one host tree was collected (its manifest).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<Timestamp>,
    pub evidence: Evidence,
}

/// Records read per kind of source.
#[derive(Clone, Debug, Serialize)]
pub struct Input {
    pub source: &'static str,
    pub accounts: usize,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    pub tool: &'static str,
    pub version: &'static str,
    /// Every age is computed against this time.
    pub as_of: Timestamp,
    /// `sha256:` of the rule definitions and extractor patterns (`Catalog::rule_set_hash`).
    pub rule_set: String,
    /// The paths and directories scanned, as given.
    pub roots: Vec<String>,
    pub files: u64,
    pub accounts: usize,
    pub credentials: usize,
    pub inputs: Vec<Input>,
    /// Host trees and their collection times; exports carry none that resetgap reads.
    pub collections: Vec<Collection>,
    pub coverage: Vec<Coverage>,
}

impl Scope {
    pub fn build(
        as_of: Timestamp,
        rule_set: String,
        roots: Vec<String>,
        catalog: &Catalog,
        inventory: &Inventory,
        files: u64,
    ) -> Scope {
        // Counted by runs: accounts of one source mostly sit together.
        let mut per_source: BTreeMap<&'static str, usize> = BTreeMap::new();
        for run in inventory.accounts.chunk_by(|a, b| a.source == b.source) {
            if let Some(first) = run.first() {
                *per_source.entry(first.source.as_str()).or_default() += run.len();
            }
        }
        let mut collections: Vec<Collection> = inventory
            .hosts
            .iter()
            .map(|h| Collection {
                host: h.name.clone(),
                collected_at: h.collected_at.known(),
                evidence: h.evidence.clone(),
            })
            .collect();
        collections.sort_by(|a, b| (&a.host, &a.evidence).cmp(&(&b.host, &b.evidence)));
        Scope {
            tool: "resetgap",
            version: env!("CARGO_PKG_VERSION"),
            as_of,
            rule_set,
            roots,
            files,
            accounts: inventory.accounts.len(),
            credentials: inventory.credentials.len(),
            inputs: per_source
                .into_iter()
                .map(|(source, accounts)| Input { source, accounts })
                .collect(),
            collections,
            coverage: catalog.coverage(inventory, files),
        }
    }

    /// `HOST YYYY-MM-DD` for each host tree whose manifest dates its collection.
    pub fn dated_collections(&self) -> Vec<String> {
        self.collections
            .iter()
            .filter_map(|c| {
                Some(format!(
                    "{} {}",
                    c.host,
                    crate::inventory::when::format_day(c.collected_at?)
                ))
            })
            .collect()
    }

    /// Rules that were not assessed, with the input each needs.
    pub fn not_assessed(&self) -> impl Iterator<Item = &Coverage> {
        self.coverage.iter().filter(|c| !c.assessed)
    }

    pub fn is_assessed(&self, rule: &str) -> bool {
        self.coverage
            .iter()
            .find(|c| c.rule == rule)
            .is_none_or(|c| c.assessed)
    }
}

/// How a scanned path is named in reports: its last component (`estate` for
/// `/srv/evidence/estate`), `.` for the current directory.
pub fn root_name(path: &std::path::Path) -> String {
    let resolved = if path.file_name().is_none() {
        std::fs::canonicalize(path).ok()
    } else {
        None
    };
    resolved
        .as_deref()
        .unwrap_or(path)
        .file_name()
        .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned())
}
