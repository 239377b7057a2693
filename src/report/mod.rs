//! Reports: the one writer. SARIF 2.1.0 (`sarif`), a readable summary (`text`) and JSON
//! (`json`: findings and diagnostics as plain serde data), JUnit XML (`junit`), the GitLab SAST
//! report (`gitlab`), HTML, Markdown and CSV (`html`, `markdown`, `csv`), and the
//! `--emit-inventory` JSON Lines (`inventory`). Input arrives sorted.

pub mod csv;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod inventory;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod scope;
pub mod story;
pub mod text;
pub mod uri;

use crate::diag::Diagnostic;
use crate::finding::Finding;
use crate::rule::Catalog;
use serde::Serialize;

/// Everything a report writer needs: the findings (sorted by rule, location, fingerprint), the
/// input problems, what was assessed, and the story (findings grouped by identity, by urgency).
pub struct Report<'a> {
    pub catalog: &'a Catalog,
    pub findings: &'a [Finding],
    pub diagnostics: &'a [Diagnostic],
    pub scope: &'a scope::Scope,
    pub story: &'a [story::Group],
    /// One closure record per reset in the ledger (`closure`), for the "Reset closure" sections.
    pub closure: &'a [crate::closure::ClosureRecord],
    /// CI choices (category, URI root, result cap, suppressed results) and the baseline summary.
    pub delivery: &'a github::Delivery,
}

/// A JSON write error as an I/O error that keeps its kind (so a closed pipe stays `BrokenPipe`).
pub fn json_io_error(e: serde_json::Error) -> std::io::Error {
    match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind),
        None => std::io::Error::other(e),
    }
}

/// Open findings of one rule by level, and its suppressed ones: the by-rule table every
/// human-readable format ends with. `None` when the rule was not assessed.
pub struct RuleTally<'a> {
    pub rule: &'a crate::rule::Rule,
    /// `[error, warning, note]` of the findings not suppressed.
    pub open: Option<[usize; 3]>,
    pub suppressed: usize,
}

/// One `RuleTally` per enabled rule, in catalog order, counted in one pass over the findings.
pub fn tally_by_rule<'a>(r: &Report<'a>) -> Vec<RuleTally<'a>> {
    let mut counts = vec![([0usize; 3], 0usize); r.catalog.rules.len()];
    for f in r.findings {
        let Some(i) = r.catalog.index_of(f.rule) else {
            continue;
        };
        if f.suppressed.is_some() {
            counts[i].1 += 1;
        } else {
            counts[i].0[3 - usize::from(f.level.rank())] += 1;
        }
    }
    r.catalog
        .rules
        .iter()
        .zip(counts)
        .map(|(rule, (open, suppressed))| RuleTally {
            rule,
            open: r.scope.is_assessed(&rule.meta.code).then_some(open),
            suppressed,
        })
        .collect()
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The scope, the story and the reset closure records of a scan: what a `Report` borrows beside
/// the findings. `roots` name what was scanned (`scope::root_name` of each path, and live
/// directory URLs).
pub fn assemble(
    plan: &crate::scan::ScanPlan,
    result: &crate::scan::ScanResult,
    roots: Vec<String>,
) -> (
    scope::Scope,
    Vec<story::Group>,
    Vec<crate::closure::ClosureRecord>,
) {
    assemble_with(
        &plan.rule_options,
        Catalog::rule_set_hash(&plan.extractors),
        &plan.catalog,
        result,
        roots,
        true,
    )
}

/// `assemble` for a result whose crawl ran elsewhere (`correlate`: the shards' rule-set hash).
/// The closure records are built only `with_closure` (the formats that show them: HTML,
/// Markdown and `resetgap closure`), since matching every reset with every finding is work the
/// other formats would throw away.
pub fn assemble_with(
    options: &crate::rule::RuleOptions,
    rule_set: String,
    catalog: &Catalog,
    result: &crate::scan::ScanResult,
    roots: Vec<String>,
    with_closure: bool,
) -> (
    scope::Scope,
    Vec<story::Group>,
    Vec<crate::closure::ClosureRecord>,
) {
    let scope = scope::Scope::build(
        options.as_of,
        rule_set,
        roots,
        catalog,
        &result.inventory,
        result.files,
    );
    let story = story::build(
        &result.inventory,
        &result.correlation,
        catalog,
        &result.findings,
    );
    let closure = if with_closure {
        let ctx = crate::rule::Context::new(&result.inventory, &result.correlation, options);
        crate::closure::build(&ctx, &result.findings, &scope)
    } else {
        Vec::new()
    };
    (scope, story, closure)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Sarif,
    Json,
    // JUnit XML: a test suite per rule, a test case per finding. (Plain comments: doc comments
    // on value variants would switch clap's `--help` to its long layout.)
    Junit,
    // GitLab SAST report JSON (`artifacts: reports: sast:`).
    Gitlab,
    Html,
    Markdown,
    Csv,
}

impl Format {
    /// Whether the format has a "Reset closure" section.
    pub fn shows_closure(self) -> bool {
        matches!(self, Format::Html | Format::Markdown)
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'static str,
    version: &'static str,
    scope: &'a scope::Scope,
    /// The story: groups (identities, then hosts and files) with indices into `findings`.
    story: &'a [story::Group],
    findings: &'a [Finding],
    diagnostics: &'a [Diagnostic],
    /// New, unchanged and fixed counts against `--baseline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<crate::baseline::Summary>,
}

pub fn write(out: &mut dyn std::io::Write, format: Format, r: &Report<'_>) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(out, r),
        Format::Sarif => sarif::write(out, &sarif::build(r)),
        Format::Junit => junit::write(out, r.catalog, r.findings, r.diagnostics),
        Format::Gitlab => gitlab::write(out, r.catalog, r.findings, r.diagnostics, r.scope.as_of),
        Format::Html => html::write(out, r),
        Format::Markdown => markdown::write(out, r),
        Format::Csv => csv::write(out, r),
        Format::Json => {
            let report = JsonReport {
                tool: "resetgap",
                version: env!("CARGO_PKG_VERSION"),
                scope: r.scope,
                story: r.story,
                findings: r.findings,
                diagnostics: r.diagnostics,
                baseline: r.delivery.baseline,
            };
            serde_json::to_writer_pretty(&mut *out, &report)
                .map_err(crate::report::json_io_error)?;
            out.write_all(b"\n")
        }
    }
}
