//! What GitHub code scanning needs of a SARIF log beyond the format itself: a category
//! (`automationDetails.id`), URIs from the repository root (`uri::UriBase`), suppressed results
//! left out unless asked for (GitHub shows them as open alerts), and at most 25,000 results (it
//! rejects a larger run whole), keeping the most severe. `Delivery` carries these choices and the
//! baseline summary to the writers.

use crate::baseline::Summary;
use crate::finding::Finding;
use crate::report::uri::UriBase;
use crate::rule::Catalog;

/// GitHub's limit of results per run; a run with more is rejected whole.
pub const MAX_RESULTS: usize = 25_000;

/// Whether suppressed findings are written to SARIF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SarifSuppressed {
    // Leave them out (GitHub ignores SARIF `suppressions` and would show them as open alerts).
    // (Plain comments: doc comments on variants would switch `--help` to its long layout.)
    #[default]
    Omit,
    // Write them with `suppressions` (kind `external`, status `accepted`).
    Include,
}

/// Report choices that are not the findings themselves.
#[derive(Clone, Debug, Default)]
pub struct Delivery {
    /// `--category NAME`: `automationDetails.id` = `NAME/`; none leaves upload-sarif to choose.
    pub category: Option<String>,
    pub uri_base: UriBase,
    /// Results dropped by the cap: (kept, total).
    pub truncated: Option<(usize, usize)>,
    /// Set with `--baseline`.
    pub baseline: Option<Summary>,
    pub sarif_suppressed: SarifSuppressed,
}

impl Delivery {
    /// `automationDetails.id` for the category (GitHub: the category is the id up to its last `/`).
    pub fn automation_id(&self) -> Option<String> {
        self.category.as_ref().map(|c| {
            let c = c.trim();
            if c.ends_with('/') {
                c.to_string()
            } else {
                format!("{c}/")
            }
        })
    }
}

/// The findings a SARIF log holds: suppressed ones only when included, and at most `max` of them,
/// the most severe by level then the rule's security-severity (ties keep report order). Returns
/// them in report order and the count before the cap.
pub fn select<'a>(
    findings: &'a [Finding],
    catalog: &Catalog,
    suppressed: SarifSuppressed,
    max: usize,
) -> (Vec<&'a Finding>, usize) {
    let eligible: Vec<(usize, &Finding)> = findings
        .iter()
        .filter(|f| suppressed == SarifSuppressed::Include || f.suppressed.is_none())
        .enumerate()
        .collect();
    let total = eligible.len();
    if total <= max {
        return (eligible.into_iter().map(|(_, f)| f).collect(), total);
    }
    let severity = |f: &Finding| -> u32 {
        catalog
            .find(f.rule)
            .and_then(|r| r.meta.security_severity.parse::<f64>().ok())
            .map_or(0, |s| (s * 10.0).round() as u32)
    };
    let mut ranked = eligible;
    ranked.sort_by(|(ia, a), (ib, b)| {
        b.level
            .rank()
            .cmp(&a.level.rank())
            .then_with(|| severity(b).cmp(&severity(a)))
            .then_with(|| ia.cmp(ib))
    });
    ranked.truncate(max);
    ranked.sort_by_key(|(i, _)| *i);
    (ranked.into_iter().map(|(_, f)| f).collect(), total)
}
