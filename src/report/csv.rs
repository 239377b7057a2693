//! The CSV export (`--format csv`): one row per finding, in the story's order (identities first,
//! most urgent first), RFC 4180 via the `csv` crate. Bound for spreadsheets, so every text cell
//! that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return) is
//! prefixed with `'` (`guard`).

use crate::inventory::when::format_instant;
use crate::report::Report;

pub const HEADER: [&str; 14] = [
    "identity",
    "subject",
    "system",
    "rule",
    "rule name",
    "level",
    "security-severity",
    "used_after_reset",
    "issued",
    "file",
    "line",
    "message",
    "fingerprint",
    "suppressed",
];

/// Makes a cell inert in a spreadsheet: one that would start a formula gets a leading `'`.
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

pub fn write(out: &mut dyn std::io::Write, r: &Report<'_>) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    // The story holds every finding once; any it missed follow in report order.
    let mut order: Vec<usize> = r.story.iter().flat_map(|g| g.findings.clone()).collect();
    let mut seen = vec![false; r.findings.len()];
    order.retain(|&i| i < seen.len() && !std::mem::replace(&mut seen[i], true));
    order.extend((0..r.findings.len()).filter(|&i| !seen[i]));
    for i in order {
        let f = &r.findings[i];
        let meta = r.catalog.index_of(f.rule).map(|k| &r.catalog.rules[k].meta);
        let time = |t: Option<jiff::Timestamp>| t.map(format_instant).unwrap_or_default();
        let cells = [
            f.identity.clone().unwrap_or_default(),
            f.subject.clone(),
            f.system.clone().unwrap_or_default(),
            f.rule.to_string(),
            meta.map(|m| m.name.clone()).unwrap_or_default(),
            f.level.as_str().to_string(),
            meta.map(|m| m.security_severity.clone())
                .unwrap_or_default(),
            time(f.used_after_reset),
            time(f.issued),
            f.location.path.clone(),
            f.location.line.map(|l| l.to_string()).unwrap_or_default(),
            f.message.clone(),
            f.fingerprint.clone(),
            f.suppressed
                .as_ref()
                .map(|s| s.justification())
                .unwrap_or_default(),
        ];
        w.write_record(cells.iter().map(|c| guard(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::guard;

    #[test]
    fn guard_prefixes_formula_starts_only() {
        for hostile in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard(hostile), format!("'{hostile}"));
        }
        for plain in ["m.okafor", "8.1", "", "a=b"] {
            assert_eq!(guard(plain), plain);
        }
    }
}
