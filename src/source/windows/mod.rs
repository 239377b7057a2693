//! Windows hosts as exported on the host (and the Group Policy files that reach them from
//! SYSVOL): local Administrators membership, local users, audit policy and registry settings.
//!
//! Owns: recognising each export format ([`sniff`], by content; the file name only marks a `net
//! localgroup` text as the Administrators group, since that output has no SIDs), the host or GPO
//! a file speaks for ([`system_of`]), and turning each format into records. One submodule per
//! format:
//! - [`localgroup`]: `Get-LocalGroupMember -SID S-1-5-32-544 | ConvertTo-Json` / `Export-Csv`, and
//!   `net localgroup <Administrators>` text in English, German, French and Spanish;
//! - [`users`]: `Get-LocalUser | ConvertTo-Json` (Windows PowerShell 5.1 and PowerShell 7);
//! - [`auditpol`]: `auditpol /get /category:* /r` CSV and the SYSVOL Advanced Audit Policy
//!   `audit.csv`, keyed by subcategory GUID;
//! - [`inf`]: security templates (`GptTmpl.inf`, `secedit /export`): `[Group Membership]`
//!   (Restricted Groups) and `[Event Audit]`;
//! - [`gpp_groups`]: Group Policy Preferences `Groups.xml` local group changes (the file is
//!   claimed by `source::stores`, which reads its `cpassword`s and calls this reader for its
//!   `<Group>` items, so no file has two claimants);
//! - [`reg`]: `reg export` files (LAN Manager / NTLM, SMB1, WDigest, cached logons, remote UAC,
//!   LAPS policy roots, Winlogon auto-logon).
//!
//! Membership is decided by SID, never by a localised name: the Administrators group is
//! `S-1-5-32-544` and the built-in Administrator is the account with RID 500. Records:
//! `Membership { group: "Administrators (S-1-5-32-544)", grants: Admin }` on the host (or on
//! `gpo:{GUID}` for Group Policy: the computers in the GPO's scope, which the file does not
//! name); local users as `Account`s of `SourceKind::WindowsHost` (scope `Local`, their SID in
//! `aliases`); registry and audit facts as `Setting`s (components `windows` and `windows-audit`,
//! lower-case keys); a Winlogon `DefaultPassword` as a `PlaintextSecret` owned by
//! `DefaultUserName` (the value is only named, never kept).
//!
//! Layout: a file speaks for the host named by the directory after `windows/` or `hosts/` in its
//! path (`windows/WS01/local-admins.json`), else for the host its content names (auditpol's
//! `Machine Name`, the `HOST\` prefix of local members), else for its parent directory. Files
//! under a SYSVOL `Policies/{GUID}/` speak for that GPO. The layout the Windows collector writes
//! (see the README's "What it reads"):
//! `windows/<HOST>/local-admins.json`, `local-users.json`, `auditpol.csv`, `reg/*.reg`,
//! `secedit.inf`, and SYSVOL copies under `sysvol/Policies/{GUID}/…`.

pub(crate) mod auditpol;
pub(crate) mod gpp_groups;
pub(crate) mod inf;
pub(crate) mod localgroup;
pub(crate) mod reg;
#[cfg(test)]
mod tests;
pub(crate) mod users;

use super::registry::{BySniff, ParseInput, Sniff};
use super::Output;

/// The SID of the built-in Administrators group, whatever its localised name.
pub const ADMINISTRATORS_SID: &str = "S-1-5-32-544";

/// The group name memberships of the Administrators group carry (the SID decides, the name is
/// for messages).
pub const ADMINISTRATORS: &str = "Administrators (S-1-5-32-544)";

/// The Windows export formats this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    GroupMembersJson,
    GroupMembersCsv,
    NetLocalGroup,
    LocalUsersJson,
    AuditCsv,
    SecurityTemplate,
    Reg,
}

/// Recognises a Windows export by content.
pub fn sniff(file: &Sniff<'_>) -> Option<Kind> {
    let head = file.lower_head();
    if head.starts_with("windows registry editor version 5.00") || head.starts_with("regedit4") {
        return Some(Kind::Reg);
    }
    if file.looks_like_json() {
        let has = |k: &str| head.contains(&format!("\"{k}\""));
        // Local users carry `ObjectClass` and `PrincipalSource` too: test them first.
        if has("sid")
            && has("passwordlastset")
            && (has("passwordrequired") || has("usermaychangepassword"))
        {
            return Some(Kind::LocalUsersJson);
        }
        if has("objectclass") && has("principalsource") && has("sid") {
            return Some(Kind::GroupMembersJson);
        }
        // An INI file's `[Section]` also starts like JSON: go on.
    }
    let mut lines = head.lines().map(str::trim);
    let mut first = lines.next().unwrap_or("");
    if first.starts_with("#type") {
        if first.contains("microsoft.powershell.commands.localprincipal") {
            return Some(Kind::GroupMembersCsv);
        }
        first = lines.next().unwrap_or("");
    }
    let columns: Vec<&str> = first.split(',').map(|c| c.trim_matches('"')).collect();
    if ["name", "sid", "objectclass", "principalsource"]
        .iter()
        .all(|c| columns.contains(c))
    {
        return Some(Kind::GroupMembersCsv);
    }
    if columns.starts_with(&[
        "machine name",
        "policy target",
        "subcategory",
        "subcategory guid",
    ]) {
        return Some(Kind::AuditCsv);
    }
    if file.file_name().to_ascii_lowercase().ends_with(".inf")
        && (head.contains("[group membership]") || head.contains("[event audit]"))
    {
        return Some(Kind::SecurityTemplate);
    }
    localgroup::looks_like_net(head).then_some(Kind::NetLocalGroup)
}

/// Windows host exports and the Group Policy files that reach Windows hosts.
pub static SOURCE: BySniff<Kind> = BySniff {
    name: "windows",
    sniff,
    read,
    join: super::registry::no_join,
    dated_by_file_time: true,
};

fn read(kind: Kind, input: &ParseInput<'_>) -> Output {
    let (uri, text) = (input.uri, input.text);
    match kind {
        Kind::GroupMembersJson => localgroup::parse_json(uri, text),
        Kind::GroupMembersCsv => localgroup::parse_csv(uri, text),
        Kind::NetLocalGroup => localgroup::parse_net(uri, text),
        Kind::LocalUsersJson => users::parse(uri, text),
        Kind::AuditCsv => auditpol::parse(uri, text),
        Kind::SecurityTemplate => inf::parse(uri, text),
        Kind::Reg => reg::parse(uri, text, input.options),
    }
}

/// The GPO a SYSVOL file belongs to: `gpo:{GUID}` from a `Policies/{GUID}/` segment (any case),
/// or `None` when the path has none.
pub fn gpo_of(uri: &str) -> Option<String> {
    let parts: Vec<&str> = uri.split(['/', '\\']).collect();
    parts.windows(2).find_map(|w| {
        (w[0].eq_ignore_ascii_case("policies") && w[1].starts_with('{') && w[1].ends_with('}'))
            .then(|| format!("gpo:{}", w[1].to_ascii_uppercase()))
    })
}

/// The host a host-side export speaks for: the directory after `windows/` or `hosts/`, else
/// `named` (what the content names: auditpol's `Machine Name`, a `HOST\` member prefix), else the
/// file's parent directory, else `windows-host`. Upper-cased: Windows computer names are
/// case-insensitive and shown upper-case.
pub fn host_of(uri: &str, named: Option<&str>) -> String {
    let parts: Vec<&str> = uri.split('/').filter(|p| !p.is_empty()).collect();
    let by_layout = parts.iter().enumerate().find_map(|(i, p)| {
        ((p.eq_ignore_ascii_case("windows") || p.eq_ignore_ascii_case("hosts"))
            && i + 2 < parts.len())
        .then(|| parts[i + 1])
    });
    let parent = (parts.len() >= 2).then(|| parts[parts.len() - 2]);
    by_layout
        .or(named.filter(|n| !n.trim().is_empty()))
        .or(parent)
        .unwrap_or("windows-host")
        .trim()
        .to_ascii_uppercase()
}

/// The system a file's facts belong to: its GPO for SYSVOL files, else its host.
pub fn system_of(uri: &str, named: Option<&str>) -> String {
    gpo_of(uri).unwrap_or_else(|| host_of(uri, named))
}

/// The relative id (last sub-authority) of a SID: `500` of `S-1-5-21-…-500`.
pub fn rid(sid: &str) -> Option<u32> {
    let sid = sid.trim();
    if !sid.to_ascii_uppercase().starts_with("S-1-") {
        return None;
    }
    sid.rsplit('-').next()?.parse().ok()
}

/// An account or domain SID (`S-1-5-21-…`): the only kind whose RID means a built-in account.
pub fn is_account_sid(sid: &str) -> bool {
    sid.trim().to_ascii_uppercase().starts_with("S-1-5-21-")
}

/// The built-in Administrator: an account SID with RID 500.
pub fn is_builtin_admin(sid: &str) -> bool {
    is_account_sid(sid) && rid(sid) == Some(500)
}

/// A readable name for a well-known domain group RID, for a member given only by SID.
pub fn domain_group_name(rid: u32) -> Option<&'static str> {
    Some(match rid {
        512 => "Domain Admins",
        513 => "Domain Users",
        518 => "Schema Admins",
        519 => "Enterprise Admins",
        _ => return None,
    })
}

/// A member of the Administrators group as recorded: a local account by its login (so it joins
/// the host's local users), anything else by its qualified name (`CORP\Domain Admins`).
/// `local` tells whether the principal is an account of the host itself.
pub fn member_name(name: &str, sid: Option<&str>, host: &str, local: bool) -> String {
    let name = name.trim();
    if name.is_empty() {
        let sid = sid.unwrap_or("").trim();
        return match rid(sid).and_then(domain_group_name) {
            Some(g) if is_account_sid(sid) => format!("{g} ({sid})"),
            _ => sid.to_string(),
        };
    }
    match name.split_once('\\') {
        Some((domain, login)) if local || domain.eq_ignore_ascii_case(host) => login.to_string(),
        _ => name.to_string(),
    }
}

/// A membership of the Administrators group (`S-1-5-32-544`) on `system`.
pub fn admin_membership(
    system: &str,
    member: String,
    evidence: crate::inventory::Evidence,
) -> crate::inventory::Record {
    crate::inventory::Record::Membership(crate::inventory::Membership {
        system: system.to_string(),
        group: ADMINISTRATORS.to_string(),
        gid: None,
        member,
        primary: false,
        grants: Some(crate::inventory::Privilege::Admin),
        evidence,
    })
}

/// Every object of a PowerShell `ConvertTo-Json` file: the items of a top-level array, or the
/// object itself (`ConvertTo-Json` of one item writes no array). Breaks are reported in `out`.
pub(crate) fn ps_objects<'n, 'a>(
    doc: &'n super::json::Doc<'a>,
    out: &mut Output,
) -> Vec<&'n super::json::Node<'a>> {
    doc.report_breaks(out);
    let mut objects = Vec::new();
    for v in &doc.values {
        match v.items() {
            Some(items) => objects.extend(items.iter().filter(|n| n.is_obj() && !n.partial)),
            None if v.is_obj() && !v.partial => objects.push(v),
            None => {}
        }
    }
    objects
}

/// A SID as PowerShell writes it: a string (PowerShell 7, or a flattened `Select`), or
/// Windows PowerShell 5.1's `SecurityIdentifier` object (`{"BinaryLength":28,…,"Value":"S-1-…"}`).
pub(crate) fn ps_sid(obj: &super::json::Node<'_>) -> Option<String> {
    let sid = obj.get_ci("SID")?;
    sid.str()
        .or_else(|| sid.get_str_ci("Value"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A string or enum property: PowerShell 5.1 writes enums as numbers, 7 as names.
pub(crate) fn ps_enum(obj: &super::json::Node<'_>, key: &str, names: &[&str]) -> Option<String> {
    let v = obj.get_ci(key)?;
    if let Some(s) = v.str() {
        return Some(s.to_string());
    }
    let n = usize::try_from(v.as_i64()?).ok()?;
    names.get(n).map(|s| (*s).to_string())
}

/// `PrincipalSource` of `Microsoft.PowerShell.Commands.PrincipalSource`, in enum order.
pub(crate) const PRINCIPAL_SOURCES: &[&str] = &[
    "Unknown",
    "Local",
    "ActiveDirectory",
    "AzureAD",
    "MicrosoftAccount",
];

/// The 1-based line of the CSV row that starts at byte `at` (the csv crate's record position can
/// point at blank lines before the row, as after auditpol's header, and after a CRLF row at the end
/// of the row before).
pub(crate) fn csv_row_line(lines: &crate::source::text::LineIndex<'_>, at: u64) -> u32 {
    let mut at = usize::try_from(at).unwrap_or(usize::MAX);
    // After a CRLF row the position is at the end of the row before.
    while matches!(lines.text().as_bytes().get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    let mut line = lines.line_of(at);
    while lines.line(line).is_some_and(|l| l.trim().is_empty()) && line < lines.count() {
        line += 1;
    }
    line
}
