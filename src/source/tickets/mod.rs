//! Help-desk ticket exports (issue 12): ServiceNow list CSV and Table API JSON
//! (`{"result": [...]}`), Jira CSV export and REST search JSON (`{"issues": [{"key",
//! "fields"}]}`), read through the column map of the config file's `tickets:` section
//! ([`config`]) into `Ticket` records for the reset ledger.
//!
//! Owns which files are ticket exports and reading them. A file is a ticket export when a
//! configured entry's `files` glob matches its path (relative to the scan root), or, with no
//! glob matching, when its header (CSV) or items (JSON) carry the id and opened columns of a
//! configured entry or of a tool's defaults (ServiceNow: `number` and `opened_at` plus another
//! ServiceNow column; Jira: `Issue key` and `Created`), so a default export needs no config.
//!
//! Values: a CSV cell, or the JSON value at a dot path; a JSON object gives its
//! `display_value`, `emailAddress`, `name`, `displayName` or `value` (ServiceNow reference
//! fields, Jira users), a JSON array its entries joined by `, `; CSV columns repeated under the
//! same header (Jira's multi-value fields) are joined the same way. ServiceNow Table API times
//! given as `{"display_value", "value"}` are read from `value`, which the API writes in UTC;
//! other times go through [`dates`] in the entry's `timezone`. An empty closed time means the
//! ticket is still open (`closed` Unknown).
//!
//! Rows without an id are skipped with a located warning; a date that cannot be read is a
//! located warning and the time is unknown. Nothing here decides findings.

pub mod config;
pub mod dates;
#[cfg(test)]
mod tests;

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::ledger::Ticket;
use crate::inventory::{Evidence, Record, When};
use crate::source::json::{self, Doc, Node, Shape};
use crate::source::registry::{Claim, FileSource, ParseInput, Sniff};
use crate::source::Output;
use config::{TicketField, TicketSource, Tool};
use std::collections::BTreeMap;

pub use config::{RawTicketSource, TicketSources};

/// Which entry reads a claimed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The configured entry at this index.
    Configured(usize),
    /// A tool's defaults, for an export no entry names.
    Default(Tool),
}

/// The ticket exports source.
pub struct TicketsSource;

pub static SOURCE: TicketsSource = TicketsSource;

impl FileSource for TicketsSource {
    fn name(&self) -> &'static str {
        "tickets"
    }

    fn claim<'s>(&'s self, file: &Sniff<'_>) -> Option<Claim<'s>> {
        let configured = file
            .options()
            .map(|o| o.tickets.sources.as_slice())
            .unwrap_or(&[]);
        let pick = pick(file, configured)?;
        Some(Box::new(move |input: &ParseInput<'_>| {
            let source = match pick {
                Pick::Configured(i) => input.options.tickets.sources.get(i).cloned(),
                Pick::Default(tool) => Some(TicketSource::default_for(tool)),
            };
            match source {
                Some(s) => parse(&s, input.uri, input.text),
                None => Output::default(),
            }
        }))
    }
}

/// Decides whether a file is a ticket export, and which entry reads it.
pub fn pick(file: &Sniff<'_>, configured: &[TicketSource]) -> Option<Pick> {
    if let Some(i) = configured
        .iter()
        .position(|s| s.files.iter().any(|g| g.is_match(file.uri)))
    {
        return Some(Pick::Configured(i));
    }
    let head = file.body_head();
    let names = if file.looks_like_json() {
        json_names(head)?
    } else {
        csv_header(head)?
    };
    let present = |list: &[String]| list.iter().any(|c| names.iter().any(|n| n == c));
    if let Some(i) = configured.iter().position(|s| {
        s.files.is_empty()
            && present(&top(s.candidates(TicketField::Id)))
            && present(&top(s.candidates(TicketField::Opened)))
    }) {
        return Some(Pick::Configured(i));
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("Issue key") && has("Created") || has("key") && has("fields") {
        return Some(Pick::Default(Tool::Jira));
    }
    let servicenow_id = has("number") || has("Number");
    let servicenow_opened = has("opened_at") || has("Opened");
    let servicenow_more = [
        "short_description",
        "Short description",
        "caller_id",
        "Caller",
        "sys_id",
        "opened_by",
        "Opened by",
    ]
    .iter()
    .any(|n| has(n));
    if servicenow_id && servicenow_opened && servicenow_more {
        return Some(Pick::Default(Tool::Servicenow));
    }
    None
}

/// The first segment of each candidate (JSON paths are sniffed by their top key).
fn top(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|c| c.split('.').next().unwrap_or(c).to_string())
        .collect()
}

/// The CSV header of the head (its first record), when it looks like one.
fn csv_header(head: &str) -> Option<Vec<String>> {
    let first = head.lines().next()?;
    if !first.contains(',') && !first.contains(';') && !first.contains('\t') {
        return None;
    }
    let delimiter = delimiter_of(first);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(first.as_bytes());
    let record = reader.records().next()?.ok()?;
    Some(record.iter().map(|c| c.trim().to_string()).collect())
}

fn delimiter_of(header: &str) -> u8 {
    let count = |c: char| header.matches(c).count();
    [(',', b','), (';', b';'), ('\t', b'\t')]
        .iter()
        .max_by_key(|(c, _)| count(*c))
        .map_or(b',', |(_, d)| *d)
}

/// The keys a JSON export's items show, looked at textually in the head: `result`/`issues`
/// wrappers and the item keys after them.
fn json_names(head: &str) -> Option<Vec<String>> {
    let wrapper = ["result", "issues"]
        .iter()
        .find(|k| json::key_value_after(head, k).is_some_and(|v| v.starts_with('[')))?;
    let start = head.find(&format!("\"{wrapper}\""))?;
    let rest = head.get(start..)?;
    let mut names = vec![wrapper.to_string()];
    // Every `"name":` in the rest of the head.
    let mut at = 0;
    while let Some(q) = rest.get(at..).and_then(|r| r.find('"')) {
        let open = at + q + 1;
        let Some(close) = rest.get(open..).and_then(|r| r.find('"')) else {
            break;
        };
        let name = &rest[open..open + close];
        let after = rest.get(open + close + 1..).unwrap_or("").trim_start();
        if after.starts_with(':') {
            names.push(name.to_string());
        }
        at = open + close + 1;
    }
    Some(names)
}

/// Parses one export with `source`'s column map.
pub fn parse(source: &TicketSource, path: &str, text: &str) -> Output {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(source, path, text)
    } else {
        parse_csv(source, path, text)
    }
}

/// One row's values by field, with the column each came from.
struct Row {
    values: BTreeMap<&'static str, (String, bool)>,
}

impl Row {
    fn get(&self, f: TicketField) -> Option<&str> {
        self.values
            .get(f.key())
            .map(|(v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn build_ticket(
    source: &TicketSource,
    row: &Row,
    evidence: Evidence,
    out: &mut Output,
) -> Option<Ticket> {
    let line = evidence.line.unwrap_or(1);
    let Some(id) = row.get(TicketField::Id) else {
        out.diag(Diagnostic::malformed(
            &evidence.path,
            line,
            format!("{} ticket row has no id; skipped", source.system),
        ));
        return None;
    };
    let time = |f: TicketField, out: &mut Output| -> When {
        let Some((text, utc)) = row.values.get(f.key()) else {
            return When::Unknown;
        };
        let tz = if *utc {
            jiff::tz::TimeZone::UTC
        } else {
            source.timezone.clone()
        };
        match dates::parse(text, &tz, source.date_format.as_deref()) {
            Ok(w) => w,
            Err(why) => {
                out.diag(Diagnostic::malformed(
                    &evidence.path,
                    line,
                    format!("ticket {id}: `{}` {why}; treated as unknown", f.key()),
                ));
                When::Unknown
            }
        }
    };
    let opened = time(TicketField::Opened, out);
    let closed = time(TicketField::Closed, out);
    let text = |f: TicketField| row.get(f).map(str::to_string);
    Some(Ticket {
        system: source.system.clone(),
        id: id.to_string(),
        account: text(TicketField::Account),
        requested_by: text(TicketField::RequestedBy),
        approved_by: text(TicketField::ApprovedBy),
        reason: text(TicketField::Reason),
        approval: text(TicketField::Approval),
        opened,
        closed,
        evidence,
    })
}

fn parse_csv(source: &TicketSource, path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let lines = crate::source::text::LineIndex::new(text);
    // A record's position may point at the line break before it (CRLF): skip the breaks.
    let line_at = |p: Option<&csv::Position>| {
        p.map_or(1, |p| {
            let mut at = usize::try_from(p.byte()).unwrap_or(usize::MAX);
            while matches!(text.as_bytes().get(at), Some(b'\r' | b'\n')) {
                at += 1;
            }
            lines.line_of(at.min(text.len()))
        })
    };
    let first = text.lines().next().unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(delimiter_of(first))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(_) => {
            out.diag(Diagnostic::unparseable(
                path,
                Some(1),
                "ticket export has no readable CSV header",
            ));
            return out;
        }
    };
    // Per field: the indexes of the first candidate header present (all its repeats).
    let mut columns: Vec<(TicketField, Vec<usize>)> = Vec::new();
    for f in TicketField::ALL {
        let found = source.candidates(f).iter().find_map(|c| {
            let idx: Vec<usize> = headers
                .iter()
                .enumerate()
                .filter(|(_, h)| *h == c)
                .map(|(i, _)| i)
                .collect();
            (!idx.is_empty()).then_some(idx)
        });
        if let Some(idx) = found {
            columns.push((f, idx));
        }
    }
    if !columns.iter().any(|(f, _)| *f == TicketField::Id) {
        out.diag(Diagnostic::unparseable(
            path,
            Some(1),
            format!(
                "ticket export has none of the id columns of `{}` ({}); map `columns: {{id: ...}}` \
                 in the config file",
                source.system,
                source.candidates(TicketField::Id).join(", ")
            ),
        ));
        return out;
    }
    let mut cut = crate::source::text::CsvCut::new(headers.len());
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = line_at(e.position());
                out.diag(Diagnostic::malformed(
                    path,
                    line,
                    "ticket row is not valid CSV; skipped",
                ));
                continue;
            }
        };
        let line = line_at(record.position());
        cut.see(&record, line);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row = Row {
            values: BTreeMap::new(),
        };
        for (f, idx) in &columns {
            let parts: Vec<&str> = idx
                .iter()
                .filter_map(|i| record.get(*i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            row.values.insert(f.key(), (parts.join(", "), false));
        }
        if let Some(t) = build_ticket(source, &row, Evidence::at(path, line), &mut out) {
            out.record(Record::Ticket(t));
        }
    }
    if let Some(d) = cut.diagnostic(path, text) {
        out.diag(d);
    }
    out
}

fn parse_json(source: &TicketSource, path: &str, text: &str) -> Output {
    let doc = Doc::parse(path, text);
    let mut out = Output::default();
    let id_keys = top(source.candidates(TicketField::Id));
    let is_item = |o: &Node<'_>| id_keys.iter().any(|k| o.has(k));
    let shape = Shape {
        list_keys: &["result", "issues"],
        is_item: &is_item,
        what: "tickets",
    };
    let mut display_hint = false;
    for item in doc.items(&shape, &mut out) {
        let mut row = Row {
            values: BTreeMap::new(),
        };
        for f in TicketField::ALL {
            let found = source
                .candidates(f)
                .iter()
                .find_map(|c| at_path(item.node, c));
            if let Some(node) = found {
                let is_time = matches!(f, TicketField::Opened | TicketField::Closed);
                let (value, utc) = json_value(node, is_time);
                if node.get("link").is_some() && node.get("display_value").is_none() {
                    display_hint = true;
                }
                row.values.insert(f.key(), (value, utc));
            }
        }
        let line = doc.id_line(
            item.node,
            &id_keys.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        if let Some(t) = build_ticket(source, &row, Evidence::at(path, line), &mut out) {
            out.record(Record::Ticket(t));
        }
    }
    doc.report_breaks(&mut out);
    if display_hint {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(path, None),
            "ServiceNow reference fields hold sys_ids, not names; export with \
             sysparm_display_value=all (or true) so accounts and approvers can be matched",
        ));
    }
    out
}

/// The node at a dot path.
fn at_path<'n, 'a>(node: &'n Node<'a>, path: &str) -> Option<&'n Node<'a>> {
    let mut cur = node;
    for seg in path.split('.') {
        cur = cur.get(seg)?;
    }
    (!cur.is_null()).then_some(cur)
}

/// A value's text, and whether it is a time the API wrote in UTC.
fn json_value(node: &Node<'_>, is_time: bool) -> (String, bool) {
    if let Some(s) = node.str() {
        return (s.trim().to_string(), false);
    }
    if let Some(n) = node.num() {
        return (n.to_string(), false);
    }
    if let Some(items) = node.items() {
        let parts: Vec<String> = items
            .iter()
            .map(|i| json_value(i, false).0)
            .filter(|s| !s.is_empty())
            .collect();
        return (parts.join(", "), false);
    }
    if node.is_obj() {
        if is_time {
            if let Some(v) = node.get("value").and_then(Node::str) {
                return (v.trim().to_string(), true);
            }
        }
        for key in [
            "display_value",
            "emailAddress",
            "name",
            "displayName",
            "value",
        ] {
            if let Some(v) = node.get(key).and_then(Node::str) {
                if !v.trim().is_empty() {
                    return (v.trim().to_string(), false);
                }
            }
        }
    }
    (String::new(), false)
}
