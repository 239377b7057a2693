//! The human summary: a table of findings by rule and level, then each finding with its rule
//! code, location, account and related evidence, then the input problems.

use crate::diag::Diagnostic;
use crate::finding::{Finding, Level};
use crate::rule::Catalog;
use std::io::Write;

pub fn write(
    out: &mut dyn Write,
    catalog: &Catalog,
    findings: &[Finding],
    diagnostics: &[Diagnostic],
    files: u64,
) -> std::io::Result<()> {
    let active: Vec<&Finding> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let count = |l: Level| active.iter().filter(|f| f.level == l).count();
    writeln!(
        out,
        "resetgap {}: {} findings ({} error, {} warning, {} note), {} suppressed; {} files scanned; {} input problems",
        env!("CARGO_PKG_VERSION"),
        active.len(),
        count(Level::Error),
        count(Level::Warning),
        count(Level::Note),
        findings.len() - active.len(),
        files,
        diagnostics.len(),
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<6}  {:<36}  {:>5}  {:>7}  {:>4}  {:>10}",
        "rule", "name", "error", "warning", "note", "suppressed"
    )?;
    for r in &catalog.rules {
        let of = |l: Level| {
            active
                .iter()
                .filter(|f| f.rule == r.meta.code && f.level == l)
                .count()
        };
        let suppressed = findings
            .iter()
            .filter(|f| f.rule == r.meta.code && f.suppressed.is_some())
            .count();
        writeln!(
            out,
            "{:<6}  {:<36}  {:>5}  {:>7}  {:>4}  {:>10}",
            r.meta.code,
            r.meta.name,
            of(Level::Error),
            of(Level::Warning),
            of(Level::Note),
            suppressed
        )?;
    }
    for f in findings {
        writeln!(out)?;
        let who = match (&f.account, &f.host) {
            (Some(a), Some(h)) => format!("  {a}@{h}"),
            (Some(a), None) => format!("  {a}"),
            (None, Some(h)) => format!("  {h}"),
            (None, None) => String::new(),
        };
        let state = if f.suppressed.is_some() {
            " (suppressed)"
        } else {
            ""
        };
        writeln!(
            out,
            "{} {}{state}  {}{who}",
            f.rule,
            f.level.as_str(),
            f.location
        )?;
        writeln!(out, "  {}", f.message)?;
        for r in &f.related {
            writeln!(out, "  related: {}  {}", r.location, r.message)?;
        }
        if let Some(reason) = &f.suppressed {
            writeln!(out, "  accepted: {reason}")?;
        }
    }
    if !diagnostics.is_empty() {
        writeln!(out)?;
        writeln!(out, "input problems:")?;
        for d in diagnostics {
            writeln!(out, "  {d}")?;
        }
    }
    Ok(())
}
