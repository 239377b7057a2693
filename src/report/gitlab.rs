//! GitLab SAST report JSON (`--format gitlab`, for `artifacts: reports: sast:`), schema
//! version 15.2.1 of gitlab-org/security-products/security-report-schemas
//! (`dist/sast-report-format.json`). One vulnerability per unsuppressed finding: a stable UUID
//! derived from the fingerprint (so GitLab tracks it across pipelines), the rule's name, the
//! finding's message, a severity from the rule's security-severity (GitHub's bands: 9.0+ critical,
//! 7.0+ high, 4.0+ medium, else low; notes are info), the primary location and the rule code as
//! identifier with its documentation URL. Suppressed findings are left out (GitLab has no
//! justified suppression), input problems become `scan.messages`.

use crate::diag::{Diagnostic, Severity};
use crate::finding::{Finding, Level};
use crate::rule::Catalog;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The schema version the output follows.
pub const SCHEMA_VERSION: &str = "15.2.1";

#[derive(Serialize)]
struct Report<'a> {
    schema: String,
    version: &'static str,
    scan: Scan<'a>,
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Serialize)]
struct Scan<'a> {
    analyzer: Tool,
    scanner: Tool,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: &'a str,
    end_time: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<Message>,
}

#[derive(Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    url: &'static str,
    version: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Message {
    level: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Vulnerability {
    id: String,
    name: String,
    description: String,
    severity: &'static str,
    solution: String,
    location: Location,
    identifiers: Vec<Identifier>,
    links: Vec<Link>,
}

#[derive(Serialize)]
struct Location {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
}

#[derive(Serialize)]
struct Identifier {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: String,
    url: String,
}

#[derive(Serialize)]
struct Link {
    url: String,
}

/// Writes the report. `scan_time`, the scan's as-of time (now unless `--as-of` is given, so the
/// output stays deterministic), is written as the scan's start and end (`YYYY-MM-DDTHH:MM:SS`,
/// UTC, the schema's pattern).
pub fn write(
    out: &mut dyn std::io::Write,
    catalog: &Catalog,
    findings: &[Finding],
    diagnostics: &[Diagnostic],
    scan_time: jiff::Timestamp,
) -> std::io::Result<()> {
    let time = scan_time.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let tool = || Tool {
        id: "resetgap",
        name: "resetgap",
        url: env!("CARGO_PKG_REPOSITORY"),
        version: env!("CARGO_PKG_VERSION"),
        vendor: Vendor { name: "resetgap" },
    };
    let vulnerabilities = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .filter_map(|f| {
            let m = &catalog.find(f.rule)?.meta;
            Some(Vulnerability {
                id: uuid_of(&f.fingerprint),
                name: format!("{} {}", m.code, m.name),
                description: f.message.clone(),
                severity: severity(f.level, &m.security_severity),
                solution: m.fix.replace('\n', " ").trim().to_string(),
                location: Location {
                    file: f.location.path.clone(),
                    start_line: f.location.line,
                    end_line: f.location.line,
                },
                identifiers: vec![Identifier {
                    kind: "resetgap_rule_id",
                    name: format!("resetgap {}", m.code),
                    value: m.code.clone(),
                    url: m.help_uri(),
                }],
                links: m
                    .references
                    .iter()
                    .map(|r| Link { url: r.clone() })
                    .collect(),
            })
        })
        .collect();
    let messages = diagnostics
        .iter()
        .map(|d| Message {
            level: match d.severity {
                Severity::Error => "warn",
                _ => "info",
            },
            value: d.to_string(),
        })
        .collect();
    let report = Report {
        schema: format!(
            "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v{SCHEMA_VERSION}/dist/sast-report-format.json"
        ),
        version: SCHEMA_VERSION,
        scan: Scan {
            analyzer: tool(),
            scanner: tool(),
            kind: "sast",
            start_time: &time,
            end_time: &time,
            status: "success",
            messages,
        },
        vulnerabilities,
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(super::json_io_error)?;
    out.write_all(b"\n")
}

/// GitLab's severity: notes are `Info`; otherwise the rule's security-severity in GitHub's bands.
fn severity(level: Level, security_severity: &str) -> &'static str {
    if level == Level::Note {
        return "Info";
    }
    match security_severity.parse::<f64>() {
        Ok(s) if s >= 9.0 => "Critical",
        Ok(s) if s >= 7.0 => "High",
        Ok(s) if s >= 4.0 => "Medium",
        Ok(_) => "Low",
        Err(_) => "Unknown",
    }
}

/// A UUID (version 8, RFC 9562: vendor-specific) made of the fingerprint's SHA-256, so the same
/// finding keeps its id from one pipeline to the next.
fn uuid_of(fingerprint: &str) -> String {
    let mut b: [u8; 16] = Sha256::digest(fingerprint.as_bytes())[..16]
        .try_into()
        .unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_bands() {
        assert_eq!(severity(Level::Error, "9.1"), "Critical");
        assert_eq!(severity(Level::Error, "9.0"), "Critical");
        assert_eq!(severity(Level::Warning, "7.5"), "High");
        assert_eq!(severity(Level::Warning, "5.5"), "Medium");
        assert_eq!(severity(Level::Warning, "2.0"), "Low");
        assert_eq!(severity(Level::Note, "9.5"), "Info");
    }

    #[test]
    fn uuid_is_stable_and_well_formed() {
        let a = uuid_of("resetgap/v1:abc");
        assert_eq!(a, uuid_of("resetgap/v1:abc"));
        assert_ne!(a, uuid_of("resetgap/v1:abd"));
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('8'));
    }
}
