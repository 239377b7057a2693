//! Security templates: a GPO's `GptTmpl.inf` in SYSVOL
//! (`Policies/{GUID}/Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf`, UTF-16LE) and a host's
//! `secedit /export /cfg` file. An INI file; section and key names are case-insensitive; `;`
//! starts a comment.
//!
//! - `[Group Membership]` (Restricted Groups): `*S-1-5-32-544__Members = *S-1-5-21-…-512,CORP\x`
//!   sets the Administrators group's members; `*S-1-5-21-…-1105__Memberof = *S-1-5-32-544` makes
//!   a principal a member of it. A principal is `*SID` or a name as written; a group keyed by a
//!   name instead of `*S-1-5-32-544` is not read (names are localised). Each member is a
//!   membership of the Administrators group on the GPO (`gpo:{GUID}`: the computers in the GPO's
//!   scope; the links are not in the file) or on the host of a `secedit` export.
//! - `[Event Audit]`: `AuditAccountManage`, `AuditLogonEvents`, `AuditAccountLogon` (0 none,
//!   1 success, 2 failure, 3 both; MS-GPSB 2.2.4) as `windows-audit` settings
//!   `category:account-management`, `category:logon`, `category:account-logon`.

use super::{
    admin_membership, auditpol::value_of_number, is_builtin_admin, member_name, system_of,
    ADMINISTRATORS_SID,
};
use crate::inventory::{Evidence, Record, Scope, Setting};
use crate::source::Output;

const EVENT_AUDIT: &[(&str, &str)] = &[
    ("auditaccountmanage", "category:account-management"),
    ("auditlogonevents", "category:logon"),
    ("auditaccountlogon", "category:account-logon"),
];

/// A principal as a template writes it: `*S-1-…` is a SID, anything else a name.
fn principal(text: &str) -> (Option<&str>, &str) {
    let t = text.trim().trim_matches('"').trim();
    match t.strip_prefix('*') {
        Some(sid) => (Some(sid.trim()), ""),
        None => (None, t),
    }
}

pub(crate) fn parse(uri: &str, text: &str) -> Output {
    let mut out = Output::default();
    let system = system_of(uri, None);
    let mut section = String::new();
    for (line, l) in crate::source::numbered_lines(text) {
        let t = l.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let evidence = Evidence::at(uri, line);
        match section.as_str() {
            "group membership" => {
                let lower = key.to_ascii_lowercase();
                if let Some(group) = lower.strip_suffix("__members") {
                    if principal(group)
                        .0
                        .is_some_and(|s| s.eq_ignore_ascii_case(ADMINISTRATORS_SID))
                    {
                        for m in value.split(',').filter(|m| !m.trim().is_empty()) {
                            let (sid, name) = principal(m);
                            if sid.is_some_and(is_builtin_admin) {
                                continue;
                            }
                            let member = member_name(name, sid, &system, false);
                            out.record(admin_membership(&system, member, evidence.clone()));
                        }
                    }
                } else if lower.ends_with("__memberof") {
                    let who = &key[..key.len() - "__memberof".len()];
                    let into_admins = value.split(',').any(|g| {
                        principal(g)
                            .0
                            .is_some_and(|s| s.eq_ignore_ascii_case(ADMINISTRATORS_SID))
                    });
                    let (sid, name) = principal(who);
                    if into_admins && !sid.is_some_and(is_builtin_admin) {
                        let member = member_name(name, sid, &system, false);
                        out.record(admin_membership(&system, member, evidence));
                    }
                }
            }
            "event audit" => {
                let lower = key.to_ascii_lowercase();
                let Some((_, setting)) = EVENT_AUDIT.iter().find(|(k, _)| *k == lower) else {
                    continue;
                };
                let Some(v) = value_of_number(value) else {
                    out.diag(crate::diag::Diagnostic::malformed(
                        uri,
                        line,
                        format!("`{key}` is not 0, 1, 2 or 3; treated as unknown"),
                    ));
                    continue;
                };
                out.record(Record::Setting(Setting {
                    system: system.clone(),
                    component: "windows-audit".into(),
                    key: (*setting).to_string(),
                    value: v.to_string(),
                    scope: Scope::Global,
                    evidence: Some(evidence),
                }));
            }
            _ => {}
        }
    }
    out
}
