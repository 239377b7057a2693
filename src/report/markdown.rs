//! The Markdown report (`--format markdown`): the story for a pull-request comment or a wiki page.
//! A summary, the scope with the rules not assessed, a section per identity (then host or file)
//! with its findings in the story's order, a table by rule (as the text report has it, last), and
//! the fix of every rule that fired. Every piece of text from the evidence goes through `text`
//! (inline) or `cell` (table).

use crate::finding::{Finding, Level};
use crate::inventory::when::{format_day, format_instant};
use crate::report::{plural, tally_by_rule, Report};
use std::io::Write;

/// Escapes inline Markdown: backslash-escapes the punctuation that starts markup, writes `<`,
/// `>` and `&` as entities (no raw HTML), folds line breaks into spaces, and writes other
/// control characters (ANSI escapes) as escapes (`\u{1b}`).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            // ANSI escapes and bidi controls: shown as escapes, never passed to a terminal.
            c if crate::diag::unprintable(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A table cell: inline text with `|` escaped (done by `text`).
pub fn cell(s: &str) -> String {
    text(s)
}

pub fn write(out: &mut dyn Write, r: &Report<'_>) -> std::io::Result<()> {
    let s = r.scope;
    let active: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let count = |l: Level| active.iter().filter(|f| f.level == l).count();
    let roots = if s.roots.is_empty() {
        "no paths".to_string()
    } else {
        s.roots.join(", ")
    };
    writeln!(out, "# resetgap report: {}\n", text(&roots))?;
    let used = active
        .iter()
        .filter(|f| f.used_after_reset.is_some())
        .count();
    writeln!(
        out,
        "**{}** ({} error, {} warning, {} note), {} used after the reset, {} suppressed; as of {}.\n",
        plural(active.len(), "finding", "findings"),
        count(Level::Error),
        count(Level::Warning),
        count(Level::Note),
        used,
        r.findings.len() - active.len(),
        format_instant(s.as_of)
    )?;
    let identities: Vec<_> = r
        .story
        .iter()
        .filter(|g| g.kind == "identity" && g.open > 0)
        .map(|g| format!("{} ({})", text(&g.name), g.open))
        .collect();
    if !identities.is_empty() {
        writeln!(
            out,
            "Identities with credentials that survived the reset: {}.\n",
            identities.join(", ")
        )?;
    }

    writeln!(out, "## Scope\n")?;
    writeln!(
        out,
        "- Read {} ({}, {}, {}) from {}.",
        plural(s.files as usize, "file", "files"),
        plural(s.accounts, "account", "accounts"),
        plural(s.credentials, "credential", "credentials"),
        plural(s.collections.len(), "host tree", "host trees"),
        text(&roots)
    )?;
    let dated = s.dated_collections();
    if !dated.is_empty() {
        writeln!(out, "- Collected: {}.", text(&dated.join(", ")))?;
    }
    writeln!(out, "- resetgap {}, rule set `{}`.", s.version, s.rule_set)?;
    if !r.diagnostics.is_empty() {
        writeln!(
            out,
            "- {} (see the JSON report or stderr).",
            plural(r.diagnostics.len(), "input problem", "input problems")
        )?;
    }
    let missing: Vec<_> = s.not_assessed().collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "\n**Not assessed** for want of the input they read (no findings there is not a pass):\n"
        )?;
        writeln!(out, "| Rule | Needs |\n| --- | --- |")?;
        for c in missing {
            writeln!(out, "| {} | {} |", c.rule, cell(c.needs))?;
        }
    }

    for g in r.story {
        let what = match g.kind {
            "identity" => "",
            "host" => " (host)",
            _ => " (file)",
        };
        writeln!(
            out,
            "\n## {}{what}: {}\n",
            text(&g.name),
            if g.kind == "identity" {
                format!("{} survived or open", g.open)
            } else {
                plural(g.open, "open finding", "open findings")
            }
        )?;
        if !g.accounts.is_empty() {
            writeln!(out, "- Accounts: {}", text(&g.accounts.join(", ")))?;
        }
        if g.kind == "identity" {
            match &g.last_reset {
                Some(reset) => writeln!(
                    out,
                    "- Last reset: {} on {} ({})",
                    format_day(reset.at),
                    text(&reset.account),
                    text(&reset.evidence.to_string())
                )?,
                None => writeln!(out, "- Last reset: none on record")?,
            }
        }
        writeln!(
            out,
            "\n| # | Rule | Level | Subject | Evidence | Finding |\n| ---: | --- | --- | --- | --- | --- |"
        )?;
        for (n, &i) in g.findings.iter().enumerate() {
            let Some(f) = r.findings.get(i) else { continue };
            let mut flags = String::new();
            if let Some(at) = f.used_after_reset {
                flags.push_str(&format!(
                    "**Used after the reset ({}): act now.** ",
                    format_day(at)
                ));
            }
            if let Some(reason) = &f.suppressed {
                flags.push_str(&format!(
                    "_Suppressed: {}._ ",
                    cell(&reason.justification())
                ));
            }
            if let Some(expired) = &f.expired_exception {
                flags.push_str(&format!(
                    "_Exception expired: {}._ ",
                    cell(&expired.justification())
                ));
            }
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {flags}{} |",
                n + 1,
                f.rule,
                f.level.as_str(),
                cell(&f.subject),
                cell(&f.location.to_string()),
                cell(&f.message)
            )?;
        }
    }

    if !r.closure.is_empty() {
        writeln!(out, "\n## Reset closure\n")?;
        crate::closure::render::section(out, r.closure, &[], "###")?;
    }

    writeln!(out, "\n## Findings by rule\n")?;
    writeln!(
        out,
        "| Rule | Name | Error | Warning | Note | Suppressed |\n| --- | --- | ---: | ---: | ---: | ---: |"
    )?;
    for t in tally_by_rule(r) {
        let code = &t.rule.meta.code;
        let name = cell(&t.rule.meta.name);
        match t.open {
            None => writeln!(out, "| {code} | {name} | not assessed | | | |")?,
            Some([error, warning, note]) => writeln!(
                out,
                "| {code} | {name} | {error} | {warning} | {note} | {} |",
                t.suppressed
            )?,
        }
    }

    let fired: Vec<_> = r
        .catalog
        .rules
        .iter()
        .filter(|rule| r.findings.iter().any(|f| f.rule == rule.meta.code))
        .collect();
    if !fired.is_empty() {
        writeln!(out, "\n## Remediation\n")?;
        for rule in fired {
            let fix = rule
                .meta
                .fix
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(
                out,
                "- **{} {}**: {}",
                rule.meta.code,
                text(&rule.meta.name),
                fix
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_pipes_markup_and_html() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(text("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(text("*bold* [l](u)\nnext"), "\\*bold\\* \\[l\\](u) next");
        assert_eq!(text("m.okafor@web01"), "m.okafor@web01");
    }
}
