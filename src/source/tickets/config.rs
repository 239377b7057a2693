//! The `tickets:` section of the config file: which files are help-desk exports, of which tool,
//! and which column (CSV header or JSON field path) holds each ticket field. Raw serde structs
//! (`deny_unknown_fields`, so a misspelt key is a located error) validated into
//! [`TicketSources`], with the defaults of each tool filled in.
//!
//! ```yaml
//! tickets:
//!   - system: servicenow            # the name findings use; `servicenow`/`jira` also pick the tool
//!     tool: servicenow              # servicenow | jira | generic (default: from `system`)
//!     files: ["exports/incidents*.csv"]   # globs on paths relative to the scan root
//!     timezone: Europe/Berlin       # for times written without an offset (default UTC)
//!     date_format: "%d.%m.%Y %H:%M:%S"    # strftime, when the export uses another format
//!     columns: {id: number, account: u_target_user, requested_by: caller_id,
//!               approved_by: u_approved_by, reason: short_description,
//!               opened: opened_at, closed: closed_at, approval: approval}
//! ```

use globset::{Glob, GlobMatcher};
use jiff::tz::TimeZone;
use serde::Deserialize;

/// One entry of `tickets:` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTicketSource {
    pub system: String,
    #[serde(default)]
    pub tool: Option<Tool>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub date_format: Option<String>,
    #[serde(default)]
    pub columns: RawColumns,
}

/// The column map as written: each value a CSV header or a JSON field path (`a.b.c`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumns {
    pub id: Option<String>,
    pub account: Option<String>,
    pub requested_by: Option<String>,
    pub approved_by: Option<String>,
    pub reason: Option<String>,
    pub opened: Option<String>,
    pub closed: Option<String>,
    /// The approval state (ServiceNow `approval`: approved, rejected, requested, not requested).
    pub approval: Option<String>,
}

/// The help-desk tool an export comes from: it decides the default columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Servicenow,
    Jira,
    /// Any other tool: `id` and `opened` must be mapped.
    Generic,
}

/// The ticket fields, in a fixed order (the index of a column list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketField {
    Id,
    Account,
    RequestedBy,
    ApprovedBy,
    Reason,
    Opened,
    Closed,
    Approval,
}

impl TicketField {
    pub const ALL: [TicketField; 8] = [
        TicketField::Id,
        TicketField::Account,
        TicketField::RequestedBy,
        TicketField::ApprovedBy,
        TicketField::Reason,
        TicketField::Opened,
        TicketField::Closed,
        TicketField::Approval,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TicketField::Id => "id",
            TicketField::Account => "account",
            TicketField::RequestedBy => "requested_by",
            TicketField::ApprovedBy => "approved_by",
            TicketField::Reason => "reason",
            TicketField::Opened => "opened",
            TicketField::Closed => "closed",
            TicketField::Approval => "approval",
        }
    }
}

/// One ticket source, validated: candidate columns per field (the first present wins).
#[derive(Clone, Debug)]
pub struct TicketSource {
    pub system: String,
    pub tool: Tool,
    pub files: Vec<GlobMatcher>,
    pub timezone: TimeZone,
    pub date_format: Option<String>,
    /// Per field (in [`TicketField::ALL`] order), the columns to try.
    pub columns: Vec<Vec<String>>,
}

impl TicketSource {
    /// The candidates of one field.
    pub fn candidates(&self, field: TicketField) -> &[String] {
        let i = TicketField::ALL
            .iter()
            .position(|f| *f == field)
            .unwrap_or(0);
        self.columns.get(i).map_or(&[], Vec::as_slice)
    }

    /// A source of the tool's defaults (an export found by sniffing, with no config entry).
    pub fn default_for(tool: Tool) -> TicketSource {
        let system = match tool {
            Tool::Servicenow => "servicenow",
            Tool::Jira => "jira",
            Tool::Generic => "tickets",
        };
        TicketSource {
            system: system.to_string(),
            tool,
            files: Vec::new(),
            timezone: TimeZone::UTC,
            date_format: None,
            columns: TicketField::ALL
                .iter()
                .map(|f| defaults(tool, *f).iter().map(|s| s.to_string()).collect())
                .collect(),
        }
    }
}

/// Every configured ticket source, in file order.
#[derive(Clone, Debug, Default)]
pub struct TicketSources {
    pub sources: Vec<TicketSource>,
}

/// The default columns of each tool, tried in order (CSV headers and JSON paths alike).
///
/// ServiceNow: the list CSV export writes field names (`number`, `opened_at`), the Excel-style
/// export labels (`Number`, `Opened`); the Table API JSON uses field names. Jira: the CSV export
/// writes labels (`Issue key`, `Created`); the REST search JSON has `key` and `fields.*`.
pub fn defaults(tool: Tool, field: TicketField) -> &'static [&'static str] {
    use TicketField::*;
    match (tool, field) {
        (Tool::Servicenow, Id) => &["number", "Number"],
        (Tool::Servicenow, Account) => &[
            "u_target_user",
            "u_account",
            "requested_for",
            "Requested for",
            "caller_id",
            "Caller",
        ],
        (Tool::Servicenow, RequestedBy) => &["opened_by", "Opened by", "caller_id", "Caller"],
        (Tool::Servicenow, ApprovedBy) => &["u_approved_by", "approved_by", "Approved by"],
        (Tool::Servicenow, Reason) => &["short_description", "Short description"],
        (Tool::Servicenow, Opened) => &["opened_at", "Opened", "sys_created_on", "Created"],
        (Tool::Servicenow, Closed) => &["closed_at", "Closed", "resolved_at", "Resolved"],
        (Tool::Servicenow, Approval) => &["approval", "Approval"],
        (Tool::Jira, Id) => &["Issue key", "key"],
        (Tool::Jira, Account) => &[
            "Custom field (Affected user)",
            "Custom field (Account)",
            "fields.customfield_affected_user",
        ],
        (Tool::Jira, RequestedBy) => &["Reporter", "fields.reporter"],
        (Tool::Jira, ApprovedBy) => &["Custom field (Approvers)", "Approvers", "fields.approvers"],
        (Tool::Jira, Reason) => &["Summary", "fields.summary"],
        (Tool::Jira, Opened) => &["Created", "fields.created"],
        (Tool::Jira, Closed) => &["Resolved", "fields.resolutiondate"],
        (Tool::Jira, Approval) => &["Custom field (Approval status)"],
        (Tool::Generic, _) => &[],
    }
}

/// Validates the raw entries; every problem is reported (`file:line:col: message` when the
/// value can be found in `text`, else `file: tickets[n]: message`).
pub fn build(file: &str, text: &str, raw: &[RawTicketSource]) -> Result<TicketSources, String> {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let n = i + 1;
        let at = |value: &str| locate(file, text, value, n);
        let system = r.system.trim();
        if system.is_empty() {
            problems.push(format!("{file}: tickets[{n}]: `system` must not be empty"));
        }
        let tool = r
            .tool
            .unwrap_or(match system.to_ascii_lowercase().as_str() {
                "servicenow" => Tool::Servicenow,
                "jira" => Tool::Jira,
                _ => Tool::Generic,
            });
        let mut files = Vec::new();
        for g in &r.files {
            match Glob::new(g) {
                Ok(g) => files.push(g.compile_matcher()),
                Err(e) => problems.push(format!("{}: bad glob in `files`: {}", at(g), e.kind())),
            }
        }
        let timezone = match r.timezone.as_deref().map(str::trim) {
            None | Some("") | Some("UTC") | Some("utc") => TimeZone::UTC,
            Some(name) => match parse_timezone(name) {
                Some(tz) => tz,
                None => {
                    problems.push(format!(
                        "{}: unknown `timezone` `{name}` (an IANA name such as Europe/Berlin, \
                         or an offset such as +02:00)",
                        at(name)
                    ));
                    TimeZone::UTC
                }
            },
        };
        if let Some(f) = &r.date_format {
            if !f.contains('%') {
                problems.push(format!(
                    "{}: `date_format` must be a strftime pattern such as %d.%m.%Y %H:%M",
                    at(f)
                ));
            }
        }
        let given = [
            &r.columns.id,
            &r.columns.account,
            &r.columns.requested_by,
            &r.columns.approved_by,
            &r.columns.reason,
            &r.columns.opened,
            &r.columns.closed,
            &r.columns.approval,
        ];
        let mut columns = Vec::new();
        for (field, value) in TicketField::ALL.iter().zip(given) {
            match value.as_deref().map(str::trim) {
                Some("") => problems.push(format!(
                    "{file}: tickets[{n}]: column `{}` must not be empty",
                    field.key()
                )),
                Some(v) => columns.push(vec![v.to_string()]),
                None => columns.push(
                    defaults(tool, *field)
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ),
            }
        }
        if tool == Tool::Generic {
            for (field, value) in [
                (TicketField::Id, &r.columns.id),
                (TicketField::Opened, &r.columns.opened),
            ] {
                if value.is_none() {
                    problems.push(format!(
                        "{}: `{}` is neither servicenow nor jira: set `tool:` or map column `{}`",
                        at(system),
                        r.system,
                        field.key()
                    ));
                }
            }
        }
        sources.push(TicketSource {
            system: system.to_string(),
            tool,
            files,
            timezone,
            date_format: r.date_format.clone(),
            columns,
        });
    }
    if problems.is_empty() {
        Ok(TicketSources { sources })
    } else {
        Err(problems.join("\n"))
    }
}

fn parse_timezone(name: &str) -> Option<TimeZone> {
    if let Ok(tz) = TimeZone::get(name) {
        return Some(tz);
    }
    // A fixed offset: +02:00, -0530.
    let sign = match name.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = name[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    let secs = sign * (h * 3600 + m * 60);
    let offset = jiff::tz::Offset::from_seconds(secs).ok()?;
    Some(TimeZone::fixed(offset))
}

/// `file:line:col` of the first occurrence of `value` in the config text, else the entry number.
fn locate(file: &str, text: &str, value: &str, n: usize) -> String {
    if !value.is_empty() {
        for (i, line) in text.lines().enumerate() {
            if let Some(col) = line.find(value) {
                return format!("{file}:{}:{}", i + 1, col + 1);
            }
        }
    }
    format!("{file}: tickets[{n}]")
}
