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
    /// Every level the rule can emit (`rules` lists them; a test checks the fixtures keep to them).
    levels: Vec<String>,
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
    /// Every level the rule can emit, most severe first.
    pub levels: Vec<Level>,
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
    let mut levels = Vec::new();
    for l in &raw.levels {
        match Level::parse(l) {
            Some(l) if !levels.contains(&l) => levels.push(l),
            Some(_) => bad(format!("levels lists `{l}` twice")),
            None => bad(format!("levels: `{l}` must be error, warning or note")),
        }
    }
    if level.is_some_and(|l| !levels.contains(&l)) {
        bad(format!(
            "levels must include the default level `{}`",
            raw.level
        ));
    }
    levels.sort_by_key(|l| std::cmp::Reverse(l.rank()));
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
        levels,
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

/// Where each rule's page lives: `docs/rules/RGxxx.md` on the repository's default branch.
pub const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules/");

impl RuleMeta {
    /// The rule's documentation page (SARIF `helpUri`), generated by `resetgap rules docs`.
    pub fn help_uri(&self) -> String {
        format!("{DOCS_BASE}{}.md", self.code)
    }

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

    /// The levels as `error/warning/note`.
    pub fn levels_text(&self) -> String {
        let names: Vec<&str> = self.levels.iter().map(|l| l.as_str()).collect();
        names.join("/")
    }

    /// The docs as plain text, with fixed sections (what `rules explain` prints).
    pub fn help_text(&self) -> String {
        let mut out = format!(
            "{} {}\n\n{}\n\nLevels: {}; security-severity {}\n\nWhat it does\n{}\n\nWhy is this bad\n{}\n\nHow to fix\n{}\n",
            self.code,
            self.name,
            self.summary,
            self.levels_text(),
            self.security_severity,
            self.what,
            self.why,
            self.fix
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

    /// The rule's documentation page (`docs/rules/RGxxx.md`), generated from the YAML by
    /// `resetgap rules docs`: the SARIF markdown help plus the facts a reviewer looks up.
    pub fn doc_page(&self) -> String {
        let mut out = format!(
            "<!-- Generated by `resetgap rules docs docs/rules` from rules/checks/{code}.yml: edit that file, not this one. -->\n\n# {code} {name}\n\n{summary}\n\n| | |\n|---|---|\n| Levels | {levels} (default {level}) |\n| Security severity | {sev} |\n| Precision | {precision} |\n| Tags | {tags} |\n\n## What it does\n\n{what}\n\n## Why is this bad\n\n{why}\n\n## How to fix\n\n{fix}\n",
            code = self.code,
            name = self.name,
            summary = self.summary,
            levels = self.levels_text(),
            level = self.level.as_str(),
            sev = self.security_severity,
            precision = self.precision,
            tags = self.tags.join(", "),
            what = self.what,
            why = self.why,
            fix = self.fix,
        );
        if !self.frameworks.is_empty() {
            out.push_str("\n## Frameworks\n\n");
            for (fw, ids) in &self.frameworks {
                out.push_str(&format!("- {fw}: {}\n", ids.join("; ")));
            }
        }
        if !self.references.is_empty() {
            out.push_str("\n## References\n\n");
            for r in &self.references {
                out.push_str(&format!("- <{r}>\n"));
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

/// The index page of `docs/rules/` (`README.md`): one line per rule.
pub fn docs_index(catalog: &crate::rule::Catalog) -> String {
    let mut out = String::from(
        "<!-- Generated by `resetgap rules docs docs/rules`: edit rules/checks/*.yml, not this file. -->\n\n# resetgap rules\n\n| Code | Name | Levels | Severity | Summary |\n|---|---|---|---|---|\n",
    );
    for r in &catalog.rules {
        let m = &r.meta;
        out.push_str(&format!(
            "| [{code}]({code}.md) | {} | {} | {} | {} |\n",
            m.name,
            m.levels_text(),
            m.security_severity,
            m.summary.replace('|', "\\|"),
            code = m.code,
        ));
    }
    out
}
