//! The human report, identity first: a headline and the scope (as-of time, what was read, rules
//! not assessed), then the story (`report::story`): each identity with its linked accounts and
//! last reset, and under it every surviving credential, most urgent first; then findings without
//! an identity under their host or file; last, a table of findings by rule and level. Input
//! problems go to stderr (`cli`), counted here.

use crate::diag::printable as p;
use crate::finding::{Finding, Level};
use crate::inventory::when::format_day;
use crate::report::{plural, tally_by_rule, Report};
use std::io::Write;

/// Every piece of text from the evidence goes through `p` ([`printable`](crate::diag::printable)):
/// a name with a line break or an escape sequence cannot forge a line of this report.
fn ps(items: &[String]) -> String {
    p(&items.join(", ")).into_owned()
}

pub fn write(out: &mut dyn Write, r: &Report<'_>) -> std::io::Result<()> {
    let findings = r.findings;
    let scope = r.scope;
    let active: Vec<&Finding> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let count = |l: Level| active.iter().filter(|f| f.level == l).count();
    let suppressed = findings.len() - active.len();
    writeln!(
        out,
        "resetgap {}: {} ({} error, {} warning, {} note){}, as of {}",
        scope.version,
        plural(active.len(), "finding", "findings"),
        count(Level::Error),
        count(Level::Warning),
        count(Level::Note),
        if suppressed > 0 {
            format!(", {suppressed} suppressed")
        } else {
            String::new()
        },
        scope.as_of,
    )?;
    let identities = r
        .story
        .iter()
        .filter(|g| g.kind == "identity" && g.open > 0)
        .count();
    writeln!(
        out,
        "Read {} ({}, {}, {}) from {}; {} with open findings. Rule set {}.",
        plural(scope.files as usize, "file", "files"),
        plural(scope.accounts, "account", "accounts"),
        plural(scope.credentials, "credential", "credentials"),
        plural(scope.collections.len(), "host", "hosts"),
        if scope.roots.is_empty() {
            "no paths".to_string()
        } else {
            ps(&scope.roots)
        },
        plural(identities, "identity", "identities"),
        scope.rule_set,
    )?;
    let dated = scope.dated_collections();
    if !dated.is_empty() {
        writeln!(out, "Collected: {}.", ps(&dated))?;
    }
    let missing: Vec<_> = scope.not_assessed().collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "Not assessed, for want of the input they need (no findings there is not a pass):"
        )?;
        for c in &missing {
            writeln!(out, "  {}  needs {}", c.rule, c.needs)?;
        }
    }
    if !r.diagnostics.is_empty() {
        let incomplete = r
            .diagnostics
            .iter()
            .filter(|d| d.makes_incomplete())
            .count();
        writeln!(
            out,
            "{} ({} made the scan incomplete); they are listed on stderr.",
            plural(r.diagnostics.len(), "input problem", "input problems"),
            incomplete
        )?;
    }
    for group in r.story {
        writeln!(out)?;
        let what = match group.kind {
            "identity" => "",
            "host" => " (host)",
            _ => " (file)",
        };
        writeln!(
            out,
            "== {}{what}: {} ==",
            p(&group.name),
            if group.kind == "identity" {
                format!("{} survived or open", group.open)
            } else {
                plural(group.open, "open finding", "open findings")
            }
        )?;
        if !group.accounts.is_empty() {
            writeln!(out, "   accounts:   {}", ps(&group.accounts))?;
        }
        if !group.weak_links.is_empty() {
            writeln!(
                out,
                "   linked by:  names only (weak; confirm with --identities): {}",
                ps(&group.weak_links)
            )?;
        }
        if group.kind == "identity" {
            match &group.last_reset {
                Some(reset) => writeln!(
                    out,
                    "   last reset: {} on {} ({})",
                    format_day(reset.at),
                    p(&reset.account),
                    p(&reset.evidence.to_string())
                )?,
                None => writeln!(out, "   last reset: none on record")?,
            }
        }
        for (n, &i) in group.findings.iter().enumerate() {
            let f = &findings[i];
            writeln!(out)?;
            let mut flags = String::new();
            if f.used_after_reset.is_some() {
                flags.push_str("  USED AFTER THE RESET: act now");
            }
            if f.suppressed.is_some() {
                flags.push_str("  (suppressed)");
            }
            writeln!(
                out,
                "{:>3}. {} {}  {}{flags}",
                n + 1,
                f.rule,
                f.level.as_str(),
                p(&f.subject.to_string())
            )?;
            writeln!(out, "     at {}", p(&f.location.to_string()))?;
            writeln!(out, "     {}", p(&f.message))?;
            for rel in &f.related {
                writeln!(
                    out,
                    "     related: {}  {}",
                    p(&rel.location.to_string()),
                    p(&rel.message)
                )?;
            }
            if let Some(s) = &f.suppressed {
                writeln!(out, "     accepted: {}", p(&s.justification()))?;
            }
            if let Some(s) = &f.expired_exception {
                writeln!(out, "     exception expired: {}", p(&s.justification()))?;
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "By rule:")?;
    writeln!(
        out,
        "{:<6}  {:<36}  {:>5}  {:>7}  {:>4}  {:>10}",
        "rule", "name", "error", "warning", "note", "suppressed"
    )?;
    for t in tally_by_rule(r) {
        let (code, name) = (&t.rule.meta.code, &t.rule.meta.name);
        match t.open {
            None => writeln!(out, "{code:<6}  {name:<36}  {:>33}", "not assessed")?,
            Some([error, warning, note]) => writeln!(
                out,
                "{code:<6}  {name:<36}  {error:>5}  {warning:>7}  {note:>4}  {:>10}",
                t.suppressed
            )?,
        }
    }
    Ok(())
}
