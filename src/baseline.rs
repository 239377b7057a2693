//! Baselines and diffs: reading a report resetgap wrote before (SARIF or JSON) as a set of
//! findings keyed by fingerprint, marking the current findings `new` or `unchanged` against it
//! (`--baseline`), counting the ones that are gone (fixed), and `resetgap diff OLD NEW`.
//!
//! Only fingerprints decide (SARIF `partialFingerprints` under `finding::FINGERPRINT_KEY`, JSON
//! `fingerprint`): never lines, file names or times, so a baseline survives exports being
//! regenerated and reordered.

use crate::finding::{BaselineState, Finding, FINGERPRINT_KEY};
use anyhow::{bail, Context as _, Result};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// One finding of a stored report, as much as a diff shows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    pub rule: String,
    pub level: String,
    /// `path:line` (or `path`).
    pub location: String,
    pub message: String,
    pub fingerprint: String,
}

/// A stored report's findings by fingerprint.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub entries: BTreeMap<String, Entry>,
}

/// Counts against a baseline: new and unchanged findings, and baseline findings no longer found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub new: usize,
    pub unchanged: usize,
    pub fixed: usize,
}

impl Report {
    /// Reads a SARIF log or a JSON report written by resetgap.
    pub fn load(path: &Path) -> Result<Report> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the report {}", path.display()))?;
        Report::parse(&text).with_context(|| format!("{} is not a resetgap report", path.display()))
    }

    pub fn parse(text: &str) -> Result<Report> {
        let v: Value = serde_json::from_str(text).context("not JSON")?;
        let mut entries = BTreeMap::new();
        if let Some(runs) = v.get("runs").and_then(Value::as_array) {
            for run in runs {
                let tool = run.pointer("/tool/driver/name").and_then(Value::as_str);
                if tool != Some("resetgap") {
                    bail!("a SARIF run of `{}`, not resetgap", tool.unwrap_or("?"));
                }
                for r in run
                    .get("results")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if r.get("baselineState").and_then(Value::as_str) == Some("absent") {
                        continue;
                    }
                    let fps = r.get("partialFingerprints");
                    let Some(fp) = fps
                        .and_then(|p| p.get(FINGERPRINT_KEY))
                        .and_then(Value::as_str)
                    else {
                        bail!(
                            "a result without a `{FINGERPRINT_KEY}` fingerprint (written by another version of resetgap?)"
                        );
                    };
                    let loc = r.pointer("/locations/0/physicalLocation");
                    let path = loc
                        .and_then(|l| l.pointer("/artifactLocation/uri"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let line = loc
                        .and_then(|l| l.pointer("/region/startLine"))
                        .and_then(Value::as_u64);
                    let e = Entry {
                        rule: str_at(r, "ruleId"),
                        level: r
                            .get("level")
                            .and_then(Value::as_str)
                            .unwrap_or("warning")
                            .to_string(),
                        location: located(path, line),
                        message: str_at(r.get("message").unwrap_or(&Value::Null), "text"),
                        fingerprint: fp.to_string(),
                    };
                    entries.insert(e.fingerprint.clone(), e);
                }
            }
        } else if v.get("tool").and_then(Value::as_str) == Some("resetgap") {
            let Some(findings) = v.get("findings").and_then(Value::as_array) else {
                bail!("no `findings` array");
            };
            for f in findings {
                let Some(fp) = f.get("fingerprint").and_then(Value::as_str) else {
                    bail!("a finding without a fingerprint");
                };
                let loc = f.get("location").unwrap_or(&Value::Null);
                let e = Entry {
                    rule: str_at(f, "rule"),
                    level: str_at(f, "level"),
                    location: located(
                        loc.get("path").and_then(Value::as_str).unwrap_or(""),
                        loc.get("line").and_then(Value::as_u64),
                    ),
                    message: str_at(f, "message"),
                    fingerprint: fp.to_string(),
                };
                entries.insert(e.fingerprint.clone(), e);
            }
        } else {
            bail!("neither a SARIF log nor a resetgap JSON report");
        }
        Ok(Report { entries })
    }

    /// The current findings as a report (for `diff`-style comparisons in tests and tools).
    pub fn from_findings(findings: &[Finding]) -> Report {
        let entries = findings
            .iter()
            .map(|f| {
                let e = Entry {
                    rule: f.rule.to_string(),
                    level: f.level.as_str().to_string(),
                    location: f.location.to_string(),
                    message: f.message.clone(),
                    fingerprint: f.fingerprint.clone(),
                };
                (e.fingerprint.clone(), e)
            })
            .collect();
        Report { entries }
    }
}

fn str_at(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn located(path: &str, line: Option<u64>) -> String {
    match line {
        Some(l) => format!("{path}:{l}"),
        None => path.to_string(),
    }
}

/// Marks each finding `new` or `unchanged` against the baseline and counts the fixed ones.
pub fn apply(findings: &mut [Finding], baseline: &Report) -> Summary {
    let mut summary = Summary::default();
    let mut seen = std::collections::BTreeSet::new();
    for f in findings.iter_mut() {
        if baseline.entries.contains_key(&f.fingerprint) {
            f.baseline_state = Some(BaselineState::Unchanged);
            seen.insert(f.fingerprint.as_str());
            summary.unchanged += 1;
        } else {
            f.baseline_state = Some(BaselineState::New);
            summary.new += 1;
        }
    }
    summary.fixed = baseline
        .entries
        .keys()
        .filter(|k| !seen.contains(k.as_str()))
        .count();
    summary
}

/// `resetgap diff OLD NEW`: findings only in NEW, only in OLD (fixed), and in both.
#[derive(Debug, Serialize)]
pub struct Diff {
    pub summary: Summary,
    pub new: Vec<Entry>,
    pub fixed: Vec<Entry>,
    pub unchanged: Vec<Entry>,
}

pub fn diff(old: &Report, new: &Report) -> Diff {
    let sorted = |mut v: Vec<Entry>| {
        v.sort_by(|a, b| {
            (&a.rule, &a.location, &a.fingerprint).cmp(&(&b.rule, &b.location, &b.fingerprint))
        });
        v
    };
    let added = sorted(
        new.entries
            .iter()
            .filter(|(k, _)| !old.entries.contains_key(*k))
            .map(|(_, e)| e.clone())
            .collect(),
    );
    let fixed = sorted(
        old.entries
            .iter()
            .filter(|(k, _)| !new.entries.contains_key(*k))
            .map(|(_, e)| e.clone())
            .collect(),
    );
    let unchanged = sorted(
        new.entries
            .iter()
            .filter(|(k, _)| old.entries.contains_key(*k))
            .map(|(_, e)| e.clone())
            .collect(),
    );
    Diff {
        summary: Summary {
            new: added.len(),
            unchanged: unchanged.len(),
            fixed: fixed.len(),
        },
        new: added,
        fixed,
        unchanged,
    }
}

impl Diff {
    pub fn write_text(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(
            out,
            "{} new, {} fixed, {} unchanged",
            self.summary.new, self.summary.fixed, self.summary.unchanged
        )?;
        for (title, list) in [
            ("new", &self.new),
            ("fixed", &self.fixed),
            ("unchanged", &self.unchanged),
        ] {
            if list.is_empty() {
                continue;
            }
            writeln!(out)?;
            writeln!(out, "{title}:")?;
            for e in list {
                writeln!(
                    out,
                    "  {} {:<7} {}  {}",
                    e.rule, e.level, e.location, e.message
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_sarif_and_diffs() {
        let json = r#"{"tool":"resetgap","version":"0","findings":[
            {"rule":"RG101","level":"error","message":"m1","location":{"path":"a","line":3},"fingerprint":"f1"},
            {"rule":"RG102","level":"note","message":"m2","location":{"path":"b"},"fingerprint":"f2"}]}"#;
        let sarif = format!(
            r#"{{"runs":[{{"tool":{{"driver":{{"name":"resetgap"}}}},"results":[
            {{"ruleId":"RG101","level":"error","message":{{"text":"m1"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"a"}},"region":{{"startLine":3}}}}}}],"partialFingerprints":{{"{FINGERPRINT_KEY}":"f1"}}}},
            {{"ruleId":"RG103","level":"warning","message":{{"text":"m3"}},"locations":[],"partialFingerprints":{{"{FINGERPRINT_KEY}":"f3"}}}}]}}]}}"#
        );
        let old = Report::parse(json).unwrap();
        let new = Report::parse(&sarif).unwrap();
        assert_eq!(old.entries["f1"].location, "a:3");
        let d = diff(&old, &new);
        assert_eq!(
            d.summary,
            Summary {
                new: 1,
                unchanged: 1,
                fixed: 1
            }
        );
        assert_eq!(d.new[0].fingerprint, "f3");
        assert_eq!(d.fixed[0].fingerprint, "f2");
        assert!(Report::parse(
            r#"{"runs":[{"tool":{"driver":{"name":"gitleaks"}},"results":[]}]}"#
        )
        .is_err());
        assert!(Report::parse("[]").is_err());
    }
}
