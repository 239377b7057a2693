//! Local users: `Get-LocalUser | ConvertTo-Json`. Windows PowerShell 5.1 writes dates as
//! `"\/Date(1723380000000)\/"` (epoch milliseconds, UTC) and the SID as an object; PowerShell 7
//! writes ISO 8601 dates with the machine's offset and the SID as a string. A date may also be
//! an object with `value` and `DateTime` properties (5.1, for a date that went through
//! `Add-Member` or `Select-Object`): its `value` is read. One user is an object, not an array.
//!
//! Each user is an `Account` of the host (scope `Local`, its SID in `aliases`): `Enabled`,
//! `PasswordLastSet` (the last reset), `AccountExpires` (null: never). Locale dates (`Export-Csv`) are
//! not read.

use super::{host_of, ps_objects, ps_sid};
use crate::diag::Diagnostic;
use crate::inventory::{Account, AccountKind, AccountScope, Evidence, PasswordState, Record, When};
use crate::source::json::{Doc, Node};
use crate::source::Output;

/// A PowerShell date: a string in any form `source::time` reads, or an object whose `value`
/// (or `DateTime`) is one. `Ok(None)` when absent or null.
pub(crate) fn ps_date(obj: &Node<'_>, key: &str) -> Result<Option<When>, ()> {
    let Some(v) = obj.get_ci(key) else {
        return Ok(None);
    };
    if v.is_null() {
        return Ok(None);
    }
    let s = v
        .str()
        .or_else(|| v.get_str_ci("value"))
        .or_else(|| v.get_str_ci("DateTime"))
        .ok_or(())?;
    crate::source::time::parse(s, false)
        .map(Some)
        .map_err(|_| ())
}

pub(crate) fn parse(uri: &str, text: &str) -> Output {
    let mut out = Output::default();
    let doc = Doc::parse(uri, text);
    let host = host_of(uri, None);
    for o in ps_objects(&doc, &mut out) {
        let Some(login) = o
            .get_str_ci("Name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
        else {
            out.diag(Diagnostic::malformed(
                uri,
                doc.line(o),
                "local user without a Name; skipped",
            ));
            continue;
        };
        let mut a = Account::new(
            crate::inventory::SourceKind::WindowsHost,
            &host,
            login,
            Evidence::at(uri, doc.line(o)),
        );
        a.scope = AccountScope::Local;
        a.kind = AccountKind::Unknown;
        a.enabled = o.get_ci("Enabled").and_then(|v| v.as_bool());
        if let Some(sid) = ps_sid(o) {
            a.aliases.push(sid);
        }
        let mut date = |key: &str| match ps_date(o, key) {
            Ok(w) => w,
            Err(()) => {
                out.diag(Diagnostic::malformed(
                    uri,
                    doc.key_line(o, key),
                    crate::source::json::field::unknown_because(key, "a date"),
                ));
                None
            }
        };
        if let Some(set) = date("PasswordLastSet") {
            a.password_last_set = crate::source::time::not_never(set);
            a.password_evidence = Some(Evidence::at(uri, doc.key_line(o, "PasswordLastSet")));
            a.password = PasswordState::Set;
        }
        a.expires = date("AccountExpires").unwrap_or(When::Never);
        out.record(Record::Account(a));
    }
    out
}
