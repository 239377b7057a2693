//! JUnit XML (`--format junit`) for CI test widgets (Jenkins `junit`, GitLab `reports: junit`,
//! Azure DevOps `PublishTestResults`): one `<testsuite>` per rule, one `<testcase>` per finding.
//! Errors and warnings are `<failure>`s, notes pass (their message in `<system-out>`), suppressed
//! findings are `<skipped>` with their justification. A rule without findings is one passing
//! test case, so a dashboard shows what was checked. Input problems form a last suite, one
//! `<error>` per problem that makes the scan incomplete. Deterministic: no timestamps or host
//! names; everything is escaped for XML 1.0 (characters XML cannot carry are dropped).

use crate::diag::Diagnostic;
use crate::finding::{Finding, Level};
use crate::rule::Catalog;
use std::fmt::Write as _;
use std::io::Write;

/// Writes the JUnit document.
pub fn write(
    out: &mut dyn Write,
    catalog: &Catalog,
    findings: &[Finding],
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    for rule in &catalog.rules {
        let m = &rule.meta;
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.rule == m.code).collect();
        let fails = mine
            .iter()
            .filter(|f| f.suppressed.is_none() && f.level != Level::Note)
            .count();
        let skips = mine.iter().filter(|f| f.suppressed.is_some()).count();
        let count = mine.len().max(1);
        tests += count;
        failures += fails;
        skipped += skips;
        let class = format!("resetgap.{}", m.code);
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{} {}\" tests=\"{count}\" failures=\"{fails}\" errors=\"0\" skipped=\"{skips}\" time=\"0\">",
            m.code,
            esc(&m.name)
        );
        if mine.is_empty() {
            let _ = writeln!(
                suites,
                "    <testcase name=\"{}: no findings\" classname=\"{class}\" time=\"0\"/>",
                m.code
            );
        }
        for f in mine {
            let name = format!("{} {}", f.rule, where_(f));
            let _ = writeln!(
                suites,
                "    <testcase name=\"{}\" classname=\"{class}\" file=\"{}\"{} time=\"0\">",
                esc(&name),
                esc(&f.location.path),
                f.location
                    .line
                    .map_or_else(String::new, |l| format!(" line=\"{l}\""))
            );
            let body = esc(&details(f, &m.help_uri()));
            match (&f.suppressed, f.level) {
                (Some(reason), _) => {
                    let _ = writeln!(
                        suites,
                        "      <skipped message=\"{}\"/>",
                        esc(&reason.justification())
                    );
                }
                (None, Level::Note) => {
                    let _ = writeln!(suites, "      <system-out>{body}</system-out>");
                }
                (None, level) => {
                    let _ = writeln!(
                        suites,
                        "      <failure message=\"{}\" type=\"{}\">{body}</failure>",
                        esc(first_sentence(&f.message)),
                        level.as_str()
                    );
                }
            }
            suites.push_str("    </testcase>\n");
        }
        suites.push_str("  </testsuite>\n");
    }
    if !diagnostics.is_empty() {
        let errs = diagnostics.iter().filter(|d| d.makes_incomplete()).count();
        tests += diagnostics.len();
        errors += errs;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"input problems\" tests=\"{}\" failures=\"0\" errors=\"{errs}\" skipped=\"0\" time=\"0\">",
            diagnostics.len()
        );
        for d in diagnostics {
            let _ = writeln!(
                suites,
                "    <testcase name=\"{} {}\" classname=\"resetgap.input\" file=\"{}\" time=\"0\">",
                d.kind.code(),
                esc(&d.location.to_string()),
                esc(&d.location.path)
            );
            if d.makes_incomplete() {
                let _ = writeln!(
                    suites,
                    "      <error message=\"{}\" type=\"{}\"/>",
                    esc(&d.message),
                    d.kind.code()
                );
            } else {
                let _ = writeln!(suites, "      <system-out>{}</system-out>", esc(&d.message));
            }
            suites.push_str("    </testcase>\n");
        }
        suites.push_str("  </testsuite>\n");
    }
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"resetgap {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\">\n{suites}</testsuites>\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `path:line` plus the account or host, so that test names are unique and readable.
fn where_(f: &Finding) -> String {
    let mut s = f.location.to_string();
    if let Some(a) = &f.account {
        let _ = write!(s, " ({a})");
    } else if let Some(h) = &f.host {
        let _ = write!(s, " ({h})");
    }
    s
}

fn details(f: &Finding, help: &str) -> String {
    let mut s = format!("{}\n\nat {}\n", f.message, f.location);
    for r in &f.related {
        let _ = writeln!(s, "related: {} ({})", r.message, r.location);
    }
    let _ = write!(s, "fingerprint: {}\nhelp: {help}\n", f.fingerprint);
    s
}

/// The message up to the end of its first sentence (GitHub's alert title, a failure's message).
pub(crate) fn first_sentence(message: &str) -> &str {
    match message.find(". ") {
        Some(i) => &message[..=i],
        None => message,
    }
}

/// Escapes text for an XML attribute or element; drops characters XML 1.0 cannot hold.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(esc("a<b>&\"c'\u{1}\n"), "a&lt;b&gt;&amp;&quot;c&apos;&#10;");
    }

    #[test]
    fn first_sentence_stops_at_the_first_full_stop() {
        assert_eq!(
            first_sentence("Key survives. It was used."),
            "Key survives."
        );
        assert_eq!(first_sentence("No full stop"), "No full stop");
        assert_eq!(first_sentence("v1.2 is old. x"), "v1.2 is old.");
    }
}
