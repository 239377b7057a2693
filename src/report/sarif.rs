//! SARIF 2.1.0 writer: a small typed model (serde) of the parts we emit, and the conversion from
//! findings, rules and diagnostics.
//!
//! A typed model of our own instead of `serde-sarif`: serde-sarif's builder types make every
//! field optional and untyped where we want the contract (see README, "SARIF") enforced by the
//! compiler, and its output order of `properties` maps is not under our control. The model below
//! is checked against the official schema by `shared/tools/validate-sarif` in the tests.
//!
//! Contract: one run; every enabled rule once, sorted; results sorted, at most 25,000
//! (`github::select`); paths relative to `%SRCROOT%` (the git work tree or the scanned
//! directory, `uri::UriBase`); fingerprints from rule and subject (`finding::Subject`); no secret
//! values, no absolute paths, no wall-clock times (the as-of time and collection times are the
//! evidence's). The run's `properties.scope` states what was assessed; a rule with no input is a
//! `not-assessed` notification.

use crate::diag::Severity;
use crate::inventory::Evidence;
use crate::report::github::{select, MAX_RESULTS};
use crate::report::uri::UriBase;
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails>,
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    /// What the run assessed (`report::scope`).
    properties: RunProperties,
}

#[derive(Serialize)]
struct RunProperties {
    scope: crate::report::scope::Scope,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct BaseId {
    description: Text,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    full_name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: String,
    #[serde(rename = "security-severity")]
    security_severity: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    frameworks: BTreeMap<String, Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    descriptor: NotificationDescriptor,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<RuleReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct RuleReference {
    id: String,
    index: usize,
}

#[derive(Serialize)]
struct NotificationDescriptor {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    used_after_reset: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

/// Percent-encodes what a URI reference may not hold literally (spaces, `%`, `#`, `?`, non-ASCII).
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn physical(e: &Evidence, base: &UriBase) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri_escape(&base.rebase(&e.path)),
            uri_base_id: SRCROOT,
        },
        // A result about a whole file points at its first line (GitHub shows it there anyway).
        region: Region {
            start_line: e.line.unwrap_or(1).max(1),
        },
    }
}

/// Escapes characters that SARIF message text treats as link syntax.
fn plain(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

pub fn build(report: &crate::report::Report<'_>) -> Log {
    let (catalog, findings, diagnostics) = (report.catalog, report.findings, report.diagnostics);
    let delivery = report.delivery;
    let base = &delivery.uri_base;
    let (findings, _) = select(findings, catalog, delivery.sarif_suppressed, MAX_RESULTS);
    let rules = catalog
        .rules
        .iter()
        .map(|r| {
            let m = &r.meta;
            ReportingDescriptor {
                id: m.code.clone(),
                name: m.name.clone(),
                short_description: Text {
                    text: m.summary.clone(),
                },
                full_description: Text {
                    text: m.full_description(),
                },
                help_uri: m.help_uri(),
                help: Help {
                    text: m.help_text(),
                    markdown: m.help_markdown(),
                },
                default_configuration: DefaultConfiguration {
                    level: m.level.as_str(),
                },
                properties: RuleProperties {
                    tags: m.tags.clone(),
                    precision: m.precision.clone(),
                    security_severity: m.security_severity.clone(),
                    frameworks: m.frameworks.clone(),
                },
            }
        })
        .collect();
    let results = findings
        .iter()
        .filter_map(|&f| {
            let rule_index = catalog.index_of(f.rule)?;
            let mut text = plain(&f.message);
            if !f.related.is_empty() {
                let links: Vec<String> = f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| format!("[{}]({})", plain(&r.message), i + 1))
                    .collect();
                text.push_str(&format!(" Related evidence: {}.", links.join("; ")));
            }
            Some(SarifResult {
                rule_id: f.rule.to_string(),
                rule_index,
                level: f.level.as_str(),
                message: Text { text },
                locations: vec![Location {
                    id: None,
                    physical_location: physical(&f.location, base),
                    message: None,
                }],
                related_locations: f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Location {
                        id: Some(i + 1),
                        physical_location: physical(&r.location, base),
                        message: Some(Text {
                            text: plain(&r.message),
                        }),
                    })
                    .collect(),
                partial_fingerprints: BTreeMap::from([
                    ("primaryLocationLineHash", format!("{}:1", f.fingerprint)),
                    (crate::finding::FINGERPRINT_KEY, f.fingerprint.clone()),
                ]),
                baseline_state: f.baseline_state.map(|b| b.as_str()),
                suppressions: f
                    .suppressed
                    .iter()
                    .map(|s| Suppression {
                        kind: "external",
                        status: "accepted",
                        justification: s.justification(),
                    })
                    .collect(),
                properties: ResultProperties {
                    identity: f.identity.clone(),
                    system: f.system.clone(),
                    subject: f.subject.clone(),
                    used_after_reset: f.used_after_reset,
                    account: f.account.clone(),
                    host: f.host.clone(),
                    credential: f.credential.clone(),
                },
            })
        })
        .collect();
    let mut notifications: Vec<Notification> = diagnostics
        .iter()
        .map(|d| Notification {
            level: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            },
            message: Text {
                text: plain(&d.message),
            },
            descriptor: NotificationDescriptor { id: d.kind.code() },
            associated_rule: None,
            locations: vec![Location {
                id: None,
                physical_location: physical(&d.location, base),
                message: None,
            }],
        })
        .chain(report.scope.not_assessed().filter_map(|c| {
            Some(Notification {
                level: "warning",
                message: Text {
                    text: format!("{} was not assessed. It needs {}.", c.rule, c.needs),
                },
                descriptor: NotificationDescriptor { id: "not-assessed" },
                associated_rule: Some(RuleReference {
                    id: c.rule.to_string(),
                    index: catalog.index_of(c.rule)?,
                }),
                locations: Vec::new(),
            })
        }))
        .collect();
    if let Some((kept, total)) = delivery.truncated {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{total} results exceed GitHub's limit of {kept} per run: only the {kept} most severe (by level, then security-severity) are in this log."
                ),
            },
            descriptor: NotificationDescriptor { id: "results-truncated" },
            associated_rule: None,
            locations: Vec::new(),
        });
    }
    if let Some(b) = delivery.baseline {
        notifications.push(Notification {
            level: "note",
            message: Text {
                text: format!(
                    "Against the baseline: {} new, {} unchanged, {} fixed (absent).",
                    b.new, b.unchanged, b.fixed
                ),
            },
            descriptor: NotificationDescriptor { id: "baseline" },
            associated_rule: None,
            locations: Vec::new(),
        });
    }
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "resetgap",
                    full_name: "resetgap: credentials that survive a password reset",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            automation_details: delivery.automation_id().map(|id| AutomationDetails { id }),
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseId {
                    description: Text {
                        text: base.description().into(),
                    },
                },
            )]),
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            results,
            properties: RunProperties {
                scope: report.scope.clone(),
            },
        }],
    }
}

pub fn write(out: &mut dyn std::io::Write, log: &Log) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, log).map_err(crate::report::json_io_error)?;
    out.write_all(b"\n")
}
