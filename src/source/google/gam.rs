//! GAM `print asps` CSV (`gam all users print asps`), formats-cloud-saas.md §3.4.
//!
//! GAM pops `userKey` into a `User` column and flattens each user's list as `asps.N.<field>`
//! (`User,asps,asps.0.codeId,asps.0.creationTime,…`); a one-ASP-per-row form with plain `codeId`,
//! `name`, `creationTime`, `lastTimeUsed` columns is read too. Times are RFC 3339 in GAM's
//! configured timezone (default UTC; the offset is honoured), GAM's `Unknown`/`Never` words, or
//! raw epoch milliseconds. Evidence is the row's line.

use super::{ms_text, owner_of, MsTime};
use crate::diag::Diagnostic;
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, Record, When,
};
use crate::source::Output;

/// A first line naming a user column and an ASP `codeId` column.
pub(super) fn sniff(head: &str) -> Option<super::GoogleExport> {
    let first = head.lines().next()?;
    let cols: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let user = cols
        .iter()
        .any(|c| c == "user" || c == "userkey" || c == "primaryemail");
    let code = cols
        .iter()
        .any(|c| c == "codeid" || (c.starts_with("asps.") && c.ends_with(".codeid")));
    (user && code).then_some(super::GoogleExport::GamAspsCsv)
}

/// The columns of one ASP in a row.
#[derive(Default, Clone, Copy)]
struct Group {
    code: Option<usize>,
    name: Option<usize>,
    created: Option<usize>,
    used: Option<usize>,
}

pub(super) fn parse(path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let text = text.trim_start_matches('\u{feff}');
    let lines = crate::source::text::LineIndex::new(text);
    // With CRLF the csv crate puts a record's start on the `\n` that ends the previous line.
    let line_of = |p: Option<&csv::Position>| {
        let Some(mut at) = p.and_then(|p| usize::try_from(p.byte()).ok()) else {
            return 1;
        };
        while matches!(text.as_bytes().get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        lines.line_of(at)
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => {
            out.diag(Diagnostic::unparseable(
                path,
                Some(1),
                "GAM CSV header is not valid CSV",
            ));
            return out;
        }
    };
    let mut user_col = None;
    let mut groups: std::collections::BTreeMap<Option<u32>, Group> = Default::default();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        let lower = h.to_ascii_lowercase();
        if user_col.is_none() && matches!(lower.as_str(), "user" | "userkey" | "primaryemail") {
            user_col = Some(i);
            continue;
        }
        let (n, field) = match lower.strip_prefix("asps.").and_then(|r| r.split_once('.')) {
            Some((n, f)) => match n.parse::<u32>() {
                Ok(n) => (Some(n), f.to_string()),
                Err(_) => continue,
            },
            None => (None, lower.clone()),
        };
        let g = groups.entry(n).or_default();
        match field.as_str() {
            "codeid" => g.code = Some(i),
            "name" => g.name = Some(i),
            "creationtime" => g.created = Some(i),
            "lasttimeused" => g.used = Some(i),
            _ => {}
        }
    }
    let groups: Vec<Group> = groups.into_values().filter(|g| g.code.is_some()).collect();
    if groups.is_empty() {
        out.diag(Diagnostic::unparseable(
            path,
            Some(1),
            "GAM CSV has no `codeId` column",
        ));
        return out;
    }
    let mut cut = crate::source::text::CsvCut::new(headers.len());
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = line_of(e.position());
                out.diag(Diagnostic::malformed(
                    path,
                    line,
                    "row is not valid CSV; skipped",
                ));
                continue;
            }
        };
        let line = line_of(row.position());
        cut.see(&row, line);
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
        let user = cell(user_col);
        for g in &groups {
            let code = cell(g.code);
            if code.is_empty() {
                continue;
            }
            if !code.bytes().all(|b| b.is_ascii_digit()) {
                out.diag(Diagnostic::malformed(
                    path,
                    line,
                    "`codeId` is not an integer; ASP skipped",
                ));
                continue;
            }
            let mut c = Credential::new(
                CredentialKind::AppPassword,
                &format!("asp:{code}"),
                "Google app password",
                Evidence::at(path, line),
            );
            if user.is_empty() {
                out.diag(Diagnostic::malformed(
                    path,
                    line,
                    "row has no user; owner unknown",
                ));
            } else {
                c.owner = Some(owner_of(user));
            }
            let time = |i: Option<usize>| ms_text(cell(i));
            c.issued = match time(g.created) {
                MsTime::Date(w) => w,
                MsTime::Zero | MsTime::Missing => When::Unknown,
                MsTime::Bad(why) => {
                    out.diag(Diagnostic::malformed(
                        path,
                        line,
                        format!("ASP `creationTime` {why}; treated as unknown"),
                    ));
                    When::Unknown
                }
            };
            c.issued_basis = if c.issued.is_known() {
                IssuedBasis::Recorded
            } else {
                IssuedBasis::Unknown
            };
            c.last_used = match time(g.used) {
                MsTime::Date(w) => w,
                MsTime::Zero => When::Never,
                MsTime::Missing => When::Unknown,
                MsTime::Bad(why) => {
                    out.diag(Diagnostic::malformed(
                        path,
                        line,
                        format!("ASP `lastTimeUsed` {why}; treated as unknown"),
                    ));
                    When::Unknown
                }
            };
            c.expires = When::Never;
            c.status = CredentialStatus::Active;
            let name = cell(g.name);
            if !name.is_empty() {
                c.detail = Some(format!("name: {name}"));
            }
            out.record(Record::Credential(c));
        }
    }
    if let Some(d) = cut.diagnostic(path, text) {
        out.diag(d);
    }
    out
}
