//! The HTML, Markdown and CSV reports: parsed back, checked against the JSON report and the
//! story, escaped against hostile file names, and byte-identical from one run to the next.

use crate::common::{resetgap, scan_json, AS_OF};
use serde_json::Value;

fn scan(args: &[&str], format: &str) -> String {
    let out = resetgap()
        .arg("scan")
        .args(args)
        .args(["--as-of", AS_OF, "--no-progress", "--fail-on", "none"])
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A tree with one `.env` file whose name is hostile: a formula start, a table pipe and markup.
const HOSTILE: &str = "=1+2|<script>alert(1)<\\script>.env";

fn hostile_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "fixtures/estate/repos/billing-api/.env",
        dir.path().join(HOSTILE),
    )
    .unwrap();
    dir
}

#[test]
fn csv_has_one_row_per_finding_in_story_order() {
    let text = scan(&["fixtures/estate"], "csv");
    let (_, json, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    let findings = json["findings"].as_array().unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
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
            "suppressed"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), findings.len());
    let story: Vec<&Value> = json["story"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["findings"].as_array().unwrap())
        .map(|i| &findings[i.as_u64().unwrap() as usize])
        .collect();
    for (row, f) in rows.iter().zip(story) {
        assert_eq!(&row[12], f["fingerprint"].as_str().unwrap());
        assert_eq!(&row[3], f["rule"].as_str().unwrap());
    }
    assert_eq!(&rows[0][0], "m.okafor");
    assert!(
        !rows[0][7].is_empty(),
        "the first row was used after the reset"
    );
}

#[test]
fn csv_guards_formula_cells() {
    let dir = hostile_tree();
    let text = scan(&[dir.path().to_str().unwrap()], "csv");
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(&row[9], format!("'{HOSTILE}"));
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unguarded cell {cell:?}"
            );
        }
    }
}

#[test]
fn markdown_tells_the_story_in_order_with_escaped_tables() {
    let md = scan(&["fixtures/estate"], "markdown");
    let (_, json, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    for section in [
        "# resetgap report",
        "## Scope",
        "## Findings by rule",
        "## Remediation",
    ] {
        assert!(md.contains(section), "{section}");
    }
    for rule in ["RG105", "RG106", "RG107", "RG108"] {
        assert!(
            md.contains(&format!("| {rule} | an ")),
            "{rule} not assessed"
        );
    }
    // The group headings follow the story's order, m.okafor first.
    let headings: Vec<&str> = md
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter(|h| h.contains(": "))
        .collect();
    let story: Vec<String> = json["story"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().replace('_', "\\_"))
        .collect();
    assert_eq!(headings.len(), story.len(), "{headings:?}");
    for (h, name) in headings.iter().zip(&story) {
        assert!(h.starts_with(name.as_str()), "{h} vs {name}");
    }
    let open = json["story"][0]["open"].as_u64().unwrap();
    assert!(headings[0].starts_with(&format!("m.okafor: {open} survived or open")));
    let first = md.lines().find(|l| l.starts_with("| 1 | ")).unwrap();
    assert!(
        first.contains("**Used after the reset (2026-08-18): act now.**"),
        "{first}"
    );

    let dir = hostile_tree();
    let md = scan(&[dir.path().to_str().unwrap()], "markdown");
    assert!(!md.contains("<script>"), "raw markup in Markdown");
    let row = md.lines().find(|l| l.starts_with("| 1 | RG501")).unwrap();
    assert!(row.contains("=1+2\\|&lt;script&gt;"), "{row}");
    // Every table row still has its six cells: no `|` leaked from a value.
    let unescaped = row.replace("\\|", "").matches('|').count();
    assert_eq!(unescaped, 7, "{row}");
}

#[test]
fn html_escapes_hostile_names_and_loads_nothing() {
    let dir = hostile_tree();
    let html = scan(&[dir.path().to_str().unwrap()], "html");
    assert!(!html.contains("<script"), "raw markup in HTML");
    assert!(html.contains("=1+2|&lt;script&gt;alert(1)&lt;\\script&gt;.env"));
    assert!(html.contains("default-src 'none'"), "CSP forbids loads");
    for external in ["http://", "src=", "@import", "url("] {
        let at = html
            .find(external)
            .map(|i| &html[i.saturating_sub(80)..i + 40]);
        assert!(at.is_none() || external == "http://", "{external}: {at:?}");
    }
}

#[test]
fn html_is_self_contained_and_deterministic() {
    let a = scan(&["fixtures/estate"], "html");
    let b = scan(&["fixtures/estate"], "html");
    assert!(a == b, "two runs differ");
    assert!(a.starts_with("<!DOCTYPE html>") && a.ends_with("</html>\n"));
    for external in ["<script", "src=", "@import", "url(", "<link"] {
        assert!(!a.contains(external), "{external}");
    }
    // Only the rule references link out, and only as plain anchors.
    for (i, _) in a.match_indices("https://") {
        assert!(
            a[..i].ends_with("href=\"") || a[..i].ends_with('>'),
            "{}",
            &a[i - 40..i + 20]
        );
    }
    let md = scan(&["fixtures/estate"], "markdown");
    assert_eq!(md, scan(&["fixtures/estate"], "markdown"));
}
