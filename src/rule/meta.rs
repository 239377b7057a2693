//! Rule metadata: the YAML files in `rules/checks/` (code, name, level, severity, docs, references,
//! framework mapping; embedded by the rule table in `checks`), parsed as raw syntax and validated
//! into `RuleMeta`. Every problem in every file is collected and reported as
//! `file:line:col: message`.

use crate::finding::Level;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    code: String,
    name: String,
    level: String,
    security_severity: String,
    precision: String,
    tags: Vec<String>,
    summary: String,
    docs: RawDocs,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    frameworks: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocs {
    what: String,
    why: String,
    fix: String,
}

/// A validated rule description.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub security_severity: String,
    pub precision: String,
    pub tags: Vec<String>,
    pub summary: String,
    pub what: String,
    pub why: String,
    pub fix: String,
    pub references: Vec<String>,
    pub frameworks: BTreeMap<String, Vec<String>>,
}

const PRECISIONS: &[&str] = &["very-high", "high", "medium", "low"];

/// Parses and validates one rule file; returns every problem found.
pub fn parse(file: &str, text: &str) -> Result<RuleMeta, Vec<String>> {
    let raw: RawMeta = crate::yaml::from_str(text).map_err(|e| vec![format!("{file}:{e}")])?;
    let mut problems = Vec::new();
    let mut bad = |msg: String| problems.push(format!("{file}:1:1: {msg}"));
    let code_ok = raw.code.len() == 5
        && raw.code.starts_with("RG")
        && raw.code[2..].bytes().all(|b| b.is_ascii_digit());
    if !code_ok {
        bad(format!("code `{}` must look like RG123", raw.code));
    }
    let name_ok = !raw.name.is_empty()
        && raw
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !name_ok {
        bad(format!("name `{}` must be kebab-case", raw.name));
    }
    let level = Level::parse(&raw.level);
    if level.is_none() {
        bad(format!(
            "level `{}` must be error, warning or note",
            raw.level
        ));
    }
    match raw.security_severity.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 10.0 => {}
        _ => bad(format!(
            "security_severity `{}` must be a number in (0, 10]",
            raw.security_severity
        )),
    }
    if !PRECISIONS.contains(&raw.precision.as_str()) {
        bad(format!(
            "precision `{}` must be one of {PRECISIONS:?}",
            raw.precision
        ));
    }
    if !raw.tags.iter().any(|t| t == "security") {
        bad("tags must include `security`".into());
    }
    if raw.tags.len() > 20 {
        bad("at most 20 tags (GitHub's limit)".into());
    }
    for (section, text) in [
        ("summary", &raw.summary),
        ("docs.what", &raw.docs.what),
        ("docs.why", &raw.docs.why),
        ("docs.fix", &raw.docs.fix),
    ] {
        if text.trim().is_empty() {
            bad(format!("{section} must not be empty"));
        }
    }
    if raw.summary.len() > 1024 {
        bad("summary must be at most 1024 characters".into());
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(RuleMeta {
        code: raw.code,
        name: raw.name,
        level: level.unwrap_or(Level::Warning),
        security_severity: raw.security_severity,
        precision: raw.precision,
        tags: raw.tags,
        summary: raw.summary.trim().to_string(),
        what: raw.docs.what.trim().to_string(),
        why: raw.docs.why.trim().to_string(),
        fix: raw.docs.fix.trim().to_string(),
        references: raw.references,
        frameworks: raw.frameworks,
    })
}

impl RuleMeta {
    /// Full description: what the rule finds.
    pub fn full_description(&self) -> String {
        let mut s = self.what.replace('\n', " ").trim().to_string();
        if s.len() > 1024 {
            let mut cut = 1021;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        s
    }

    /// The docs as plain text, with fixed sections (what `rules explain` prints).
    pub fn help_text(&self) -> String {
        let mut out = format!(
            "{} {}\n\n{}\n\nWhat it does\n{}\n\nWhy is this bad\n{}\n\nHow to fix\n{}\n",
            self.code, self.name, self.summary, self.what, self.why, self.fix
        );
        if !self.frameworks.is_empty() {
            out.push_str("\nFrameworks\n");
            for (fw, ids) in &self.frameworks {
                out.push_str(&format!("  {fw}: {}\n", ids.join(", ")));
            }
        }
        if !self.references.is_empty() {
            out.push_str("\nReferences\n");
            for r in &self.references {
                out.push_str(&format!("  {r}\n"));
            }
        }
        out
    }

    /// The docs as Markdown (SARIF `help.markdown`).
    pub fn help_markdown(&self) -> String {
        let mut out = format!(
            "**{} {}**: {}\n\n## What it does\n{}\n\n## Why is this bad\n{}\n\n## How to fix\n{}\n",
            self.code, self.name, self.summary, self.what, self.why, self.fix
        );
        if !self.frameworks.is_empty() {
            out.push_str("\n## Frameworks\n");
            for (fw, ids) in &self.frameworks {
                out.push_str(&format!("- {fw}: {}\n", ids.join(", ")));
            }
        }
        if !self.references.is_empty() {
            out.push_str("\n## References\n");
            for r in &self.references {
                out.push_str(&format!("- <{r}>\n"));
            }
        }
        out
    }
}
