//! Audit policy as CSV: `auditpol /get /category:* /r` on a host (columns `Machine Name, Policy
//! Target, Subcategory, Subcategory GUID, Inclusion Setting, Exclusion Setting`, a blank line
//! after the header) and the Advanced Audit Policy of a GPO in SYSVOL
//! (`Policies/{GUID}/Machine/Microsoft/Windows NT/Audit/audit.csv`, which adds `Setting Value`:
//! 0 none, 1 success, 2 failure, 3 both).
//!
//! Subcategory names and the inclusion text are localised, so rows are keyed by the subcategory
//! GUID and the value is read from `Setting Value` when present, else from the inclusion text in
//! English, German or French. Each subcategory that decides whether resets and logons are
//! recorded becomes a `Setting { component: "windows-audit", key, value }` with value `none`,
//! `success`, `failure` or `success-and-failure`:
//! - `user-account-management` {0CCE9235-…}: events 4723 (password change) and 4724 (reset);
//! - `security-group-management` {0CCE9237-…}: 4732 (member added to a local group);
//! - `credential-validation` {0CCE923F-…}: 4776 (NTLM validation);
//! - `logon` {0CCE9215-…}: 4624/4625.
//!
//! The GUIDs are `ntsecapi.h`'s `Audit_AccountManagement_UserAccount`, `…_SecurityGroup`,
//! `Audit_AccountLogon_CredentialValidation` and `Audit_Logon_Logon` (Microsoft's "Auditing
//! Constants" and [MS-GPAC] 2.2.1.2 list the same values).

use super::system_of;
use crate::diag::Diagnostic;
use crate::inventory::{Evidence, Record, Scope, Setting};
use crate::source::Output;

/// The subcategories judged, by GUID (upper-case, with braces).
pub(crate) const SUBCATEGORIES: &[(&str, &str)] = &[
    (
        "{0CCE9235-69AE-11D9-BED3-505054503030}",
        "user-account-management",
    ),
    (
        "{0CCE9237-69AE-11D9-BED3-505054503030}",
        "security-group-management",
    ),
    (
        "{0CCE923F-69AE-11D9-BED3-505054503030}",
        "credential-validation",
    ),
    ("{0CCE9215-69AE-11D9-BED3-505054503030}", "logon"),
];

/// The normalised value of a numeric audit setting (0 none, 1 success, 2 failure, 3 both).
pub(crate) fn value_of_number(n: &str) -> Option<&'static str> {
    Some(match n.trim() {
        "0" => "none",
        "1" => "success",
        "2" => "failure",
        "3" => "success-and-failure",
        _ => return None,
    })
}

/// The normalised value of an inclusion text (English, German, French).
fn value_of_text(t: &str) -> Option<&'static str> {
    let t = t.trim().to_lowercase();
    Some(match t.as_str() {
        "no auditing" | "keine überwachung" | "pas d'audit" | "aucun audit" => "none",
        "success" | "erfolg" | "succès" => "success",
        "failure" | "fehler" | "échec" => "failure",
        "success and failure" | "erfolg und fehler" | "succès et échec" => "success-and-failure",
        _ => return None,
    })
}

pub(crate) fn parse(uri: &str, text: &str) -> Output {
    let mut out = Output::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(_) => return out,
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (machine, guid, inclusion, number) = (
        col("machine name"),
        col("subcategory guid"),
        col("inclusion setting"),
        col("setting value"),
    );
    let lines = crate::source::text::LineIndex::new(text);
    let mut cut = crate::source::text::CsvCut::new(headers.len());
    for row in reader.records() {
        let Ok(row) = row else { continue };
        let line = row
            .position()
            .map_or(1, |p| super::csv_row_line(&lines, p.byte()));
        cut.see(&row, line);
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).unwrap_or("").trim();
        let g = cell(guid).to_ascii_uppercase();
        let Some((_, key)) = SUBCATEGORIES.iter().find(|(id, _)| *id == g) else {
            continue;
        };
        let value = match number {
            Some(_) => value_of_number(cell(number)),
            None => value_of_text(cell(inclusion)),
        };
        let Some(value) = value else {
            out.diag(Diagnostic::malformed(
                uri,
                line,
                format!("audit setting of `{key}` not recognised; treated as unknown"),
            ));
            continue;
        };
        let named = Some(cell(machine)).filter(|m| !m.is_empty());
        out.record(Record::Setting(Setting {
            system: system_of(uri, named),
            component: "windows-audit".into(),
            key: (*key).to_string(),
            value: value.to_string(),
            scope: Scope::Global,
            evidence: Some(Evidence::at(uri, line)),
        }));
    }
    if let Some(d) = cut.diagnostic(uri, text) {
        out.diag(d);
    }
    out
}
