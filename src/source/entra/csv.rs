//! PowerShell `Export-Csv` of users (`Get-MgUser ... | Export-Csv`): a `#TYPE` line (Windows
//! PowerShell, unless `-NoTypeInformation`), a header of property names, every cell quoted,
//! booleans `True`/`False`, nested objects as their type name, and dates in the exporting
//! machine's locale (`8/3/2026 2:22:51 PM` in en-US, `03.08.2026 14:22:51` in de-DE).
//!
//! A locale date cannot be read without knowing the locale (3 August or 8 March?), so a file
//! holding one is refused with one error naming the fix, unless the user passed
//! `--assume-date-locale en-US` ([`super::EntraOptions::assume_us_dates`]): then
//! `M/D/YYYY h:mm:ss AM/PM` is read as UTC and any other locale text is reported per cell.
//! Rows are read by the same code as Graph JSON users (each cell a string value on its row's line).

use super::graph::{count_upn, Walker};
use super::EntraOptions;
use crate::diag::Diagnostic;
use crate::source::json::{Member, Node, Val};
use crate::source::time::looks_like_locale;
use crate::source::Output;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// `head` is the lower-cased start of the file.
pub(super) fn sniff(head: &str) -> bool {
    let mut lines = head.lines();
    let Some(mut first) = lines.next() else {
        return false;
    };
    if first.starts_with("#type") {
        if first.contains("microsoft.graph.powershell.models.microsoftgraphuser") {
            return true;
        }
        first = lines.next().unwrap_or("");
    }
    let columns: Vec<&str> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let has = |name: &str| columns.contains(&name);
    has("userprincipalname")
        && [
            "lastpasswordchangedatetime",
            "accountenabled",
            "signinsessionsvalidfromdatetime",
            "onpremisessyncenabled",
        ]
        .iter()
        .any(|c| has(c))
}

pub(super) fn parse(path: &str, text: &str, options: &EntraOptions) -> Output {
    let mut body = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Windows PowerShell's `#TYPE <class>` line.
    if body.starts_with("#TYPE") || body.starts_with("#type") {
        body = body
            .find('\n')
            .and_then(|i| body.get(i + 1..))
            .unwrap_or("");
    }
    let skip = text.len() - body.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut header: Option<Vec<String>> = None;
    let mut rows: Vec<(usize, csv::StringRecord)> = Vec::new();
    let mut out_diags = Vec::new();
    let lines = crate::source::text::LineIndex::new(text);
    for result in reader.records() {
        match result {
            Ok(rec) => {
                let mut at = skip + rec.position().map_or(0, |p| p.byte() as usize);
                // With CRLF the csv crate starts the next record at the `\n`.
                while matches!(text.as_bytes().get(at), Some(b'\r' | b'\n')) {
                    at += 1;
                }
                if header.is_none() {
                    header = Some(rec.iter().map(|c| c.trim().to_string()).collect());
                } else {
                    rows.push((at, rec));
                }
            }
            Err(e) => {
                let line = e
                    .position()
                    .map_or(1, |p| lines.line_of(skip + p.byte() as usize));
                out_diags.push(Diagnostic::malformed(
                    path,
                    line,
                    "CSV row could not be read; skipped",
                ));
            }
        }
    }
    let Some(header) = header else {
        let mut out = Output::default();
        out.diag(Diagnostic::unparseable(
            path,
            None,
            "CSV export with no header",
        ));
        return out;
    };
    if !header
        .iter()
        .any(|h| h.eq_ignore_ascii_case("UserPrincipalName"))
    {
        let mut out = Output::default();
        out.diag(Diagnostic::unparseable(
            path,
            Some(1),
            "PowerShell CSV export without a `UserPrincipalName` column; export JSON instead \
             (Get-MgUser -All -Property ... | ConvertTo-Json -Depth 5)",
        ));
        return out;
    }
    if !options.assume_us_dates {
        let locale_row = rows
            .iter()
            .find(|(_, rec)| rec.iter().any(|c| looks_like_locale(c.trim())));
        if let Some((at, _)) = locale_row {
            let mut out = Output::default();
            out.diag(Diagnostic::unparseable(
                path,
                Some(lines.line_of(*at)),
                "PowerShell Export-Csv wrote dates in the exporting machine's locale (such as \
                 `8/3/2026 2:22:51 PM`, which may be 3 August or 8 March); resetgap does not \
                 guess the locale and refused this file. Export JSON instead \
                 (`Get-MgUser -All -Property ... | ConvertTo-Json -Depth 5`), or pass \
                 --assume-date-locale en-US if it was exported with en-US dates",
            ));
            return out;
        }
    }
    let mut members = BTreeMap::new();
    let mut guests = BTreeMap::new();
    let upn_col = header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("UserPrincipalName"));
    for (_, rec) in &rows {
        if let Some(upn) = upn_col.and_then(|i| rec.get(i)) {
            count_upn(upn, &mut members, &mut guests);
        }
    }
    let tenant = [members, guests].into_iter().find_map(|m| {
        m.into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(d, _)| format!("entra:{d}"))
    });
    let mut walker = Walker::new(path, text, options, tenant);
    for d in out_diags {
        walker.out.diag(d);
    }
    let mut cut = crate::source::text::CsvCut::new(header.len());
    for (at, rec) in &rows {
        cut.see(rec, lines.line_of(*at));
    }
    if let Some(d) = cut.diagnostic(path, body) {
        walker.out.diag(d);
    }
    for (at, rec) in &rows {
        let members: Vec<Member<'_>> = header
            .iter()
            .zip(rec.iter())
            .map(|(h, cell)| Member {
                key_at: *at,
                key: Cow::Borrowed(h.as_str()),
                value: Node::new(
                    *at,
                    if cell.is_empty() {
                        Val::Null
                    } else {
                        Val::Str(Cow::Owned(cell.to_string()))
                    },
                ),
            })
            .collect();
        let node = Node::new(*at, Val::Obj(members));
        if node.get_str_ci("UserPrincipalName").is_none() {
            walker.out.diag(Diagnostic::malformed(
                path,
                lines.line_of(*at),
                "CSV row with an empty `UserPrincipalName`; skipped",
            ));
            continue;
        }
        walker.user(&node);
    }
    walker.finish()
}
