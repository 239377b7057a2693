//! BloodHound collections (SharpHound CE, bloodhound-python, legacy SharpHound v4 output):
//! `users.json`, `computers.json`, `domains.json` and `groups.json` read for the `Aces` arrays
//! only (issue 12, "Who can reset whom"), as `ResetRight` records.
//!
//! Format: `{"data": [{"ObjectIdentifier": SID, "Properties": {"name", "samaccountname",
//! "domain", …}, "Aces": [{"PrincipalSID", "PrincipalType", "RightName", "IsInherited"}]}],
//! "meta": {"type": "users", "version": 5|6, …}}` (SharpHoundCommon `OutputTypes`; `meta` is
//! written last, so the sniffer reads the file's tail).
//!
//! Rights read: `ForceChangePassword`, `AddKeyCredentialLink`, `GenericAll`, `GenericWrite`,
//! `WriteDacl`, `WriteOwner`, `Owns`, `AllExtendedRights` (a reset over accounts; DCSync over a
//! domain), `ReadLAPSPassword`, `ReadGMSAPassword`, and `GetChanges` with `GetChangesAll` on a
//! domain (DCSync; also `GenericAll` there). Other edges (AddMember, WriteSPN, …) are not reset
//! rights and are skipped.
//!
//! Targets keep their `ObjectIdentifier` SID (`ResetRight::target_sid`), so RG606 finds the
//! account by SID when the export's name differs from the directory's (a rename since).
//! Holders are named by the objects of the same file (`samaccountname`, else `name` before the
//! `@`) and by well-known SID (SharpHound prefixes those with the domain: `CORP.EXAMPLE.TEST-S-1-5-32-548`);
//! a holder in another file keeps its SID, which is enough for RG606 to tell Tier 0 by RID.
//! Groups' `Members` are not read: memberships come from the directory export.
//!
//! Not here: whether any of it is a finding (RG606).

use super::json::{self, Node};
use super::registry::{BySniff, ParseInput, Sniff};
use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Record, ResetRight, RightKind, RightTarget, SourceKind};
use std::collections::{BTreeMap, HashMap};

/// Which collection file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    Users,
    Computers,
    Groups,
    Domains,
}

fn sniff(file: &Sniff<'_>) -> Option<Collection> {
    if !file.looks_like_json() || !json::has_key(file.head, "data") {
        return None;
    }
    let tail = file.tail();
    let meta = tail.rfind("\"meta\"").map(|i| &tail[i..])?;
    if !json::has_key(meta, "version") {
        return None;
    }
    let ty = json::key_value_after(meta, "type")?;
    let ty = ty.strip_prefix('"')?.split('"').next()?;
    match ty.to_ascii_lowercase().as_str() {
        "users" => Some(Collection::Users),
        "computers" => Some(Collection::Computers),
        "groups" => Some(Collection::Groups),
        "domains" => Some(Collection::Domains),
        _ => None,
    }
}

/// SharpHound CE / bloodhound-python collections.
pub static SOURCE: BySniff<Collection> = BySniff {
    name: "bloodhound",
    sniff,
    read,
    join: super::registry::no_join,
    dated_by_file_time: false,
};

fn read(kind: Collection, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text)
}

/// A principal SID as SharpHound writes it, without the domain prefix of well-known SIDs.
fn bare_sid(s: &str) -> &str {
    match s.find("-S-1-") {
        Some(i) if !s.starts_with("S-1-") => &s[i + 1..],
        _ => s,
    }
}

/// An object's short name: `samaccountname`, else `name` before the `@`.
fn short_name(props: Option<&Node<'_>>) -> Option<String> {
    let p = props?;
    if let Some(s) = p.get_ci("samaccountname").and_then(Node::str) {
        if !s.is_empty() {
            return Some(s.to_string());
        }
    }
    let n = p.get_ci("name").and_then(Node::str)?;
    Some(n.split('@').next().unwrap_or(n).to_string()).filter(|s| !s.is_empty())
}

/// Parses one collection file; `path` is the file relative to the scan root.
pub fn parse(kind: Collection, path: &str, text: &str) -> Output {
    let doc = json::Doc::parse(path, text);
    let mut out = Output::default();
    doc.report_breaks(&mut out);
    let data: Vec<&Node<'_>> = doc
        .values
        .iter()
        .filter_map(|v| v.get("data").and_then(Node::items))
        .flatten()
        .collect();
    // Names of this file's objects, for the holders.
    let mut names: HashMap<String, String> = HashMap::new();
    for o in &data {
        if let (Some(id), Some(n)) = (
            o.get_ci("ObjectIdentifier").and_then(Node::str),
            short_name(o.get_ci("Properties")),
        ) {
            names.insert(id.to_ascii_uppercase(), n);
        }
    }
    let mut skipped = 0usize;
    for o in data {
        let props = o.get_ci("Properties");
        let system = props
            .and_then(|p| p.get_ci("domain"))
            .and_then(Node::str)
            .map(str::to_ascii_lowercase);
        let Some(system) = system else {
            out.diag(doc.malformed_at(o, "Properties", "object has no Properties.domain"));
            continue;
        };
        let target = match kind {
            Collection::Domains => RightTarget::Scope("*".to_string()),
            Collection::Groups => continue,
            _ => match short_name(props) {
                Some(n) => RightTarget::Account(n),
                None => {
                    out.diag(doc.malformed_at(
                        o,
                        "Properties",
                        "object has no samaccountname or name",
                    ));
                    continue;
                }
            },
        };
        // The target account's SID (`ObjectIdentifier`), for accounts only (a domain's rights
        // are over its scope).
        let target_sid = match kind {
            Collection::Users | Collection::Computers => o
                .get_ci("ObjectIdentifier")
                .and_then(Node::str)
                .filter(|s| s.to_ascii_uppercase().starts_with("S-1-")),
            _ => None,
        };
        let Some(aces) = o.get_ci("Aces").and_then(Node::items) else {
            continue;
        };
        // DCSync needs both rights: (GetChanges, GetChangesAll, all inherited, first ACE).
        let mut replication: BTreeMap<String, (bool, bool, bool, &Node<'_>, bool)> =
            BTreeMap::new();
        for ace in aces {
            let (Some(sid), Some(right)) = (
                ace.get_ci("PrincipalSID").and_then(Node::str),
                ace.get_ci("RightName").and_then(Node::str),
            ) else {
                out.diag(doc.malformed_at(
                    ace,
                    "RightName",
                    "ACE without PrincipalSID or RightName",
                ));
                continue;
            };
            let inherited = ace
                .get_ci("IsInherited")
                .and_then(Node::as_bool)
                .unwrap_or(false);
            let is_group = ace
                .get_ci("PrincipalType")
                .and_then(Node::str)
                .is_some_and(|t| t.eq_ignore_ascii_case("group"));
            let domain = kind == Collection::Domains;
            let kinds: &[RightKind] = match (right, domain) {
                ("GetChanges" | "GetChangesAll", true) => {
                    let r = replication
                        .entry(sid.to_string())
                        .or_insert((false, false, true, ace, is_group));
                    if right == "GetChanges" {
                        r.0 = true;
                    } else {
                        r.1 = true;
                    }
                    r.2 &= inherited;
                    continue;
                }
                ("GenericAll" | "AllExtendedRights", true) => &[RightKind::DcSync],
                (_, true) => {
                    skipped += 1;
                    continue;
                }
                ("ForceChangePassword" | "AllExtendedRights", false) => {
                    &[RightKind::ForceChangePassword]
                }
                ("AddKeyCredentialLink", false) => &[RightKind::WriteKeyCredentialLink],
                ("GenericAll", false) => &[RightKind::GenericAll],
                ("GenericWrite", false) => &[RightKind::GenericWrite],
                ("WriteDacl", false) => &[RightKind::WriteDacl],
                ("WriteOwner", false) => &[RightKind::WriteOwner],
                ("Owns", false) => &[RightKind::Owner],
                ("ReadLAPSPassword", false) => &[RightKind::ReadLapsPassword],
                ("ReadGMSAPassword", false) => &[RightKind::ReadGmsaPassword],
                _ => {
                    skipped += 1;
                    continue;
                }
            };
            for k in kinds {
                out.record(Record::ResetRight(right_record(
                    &doc, &names, &system, sid, is_group, &target, target_sid, *k, right,
                    inherited, ace,
                )));
            }
        }
        for (sid, (a, b, inherited, ace, is_group)) in replication {
            if a && b {
                out.record(Record::ResetRight(right_record(
                    &doc,
                    &names,
                    &system,
                    &sid,
                    is_group,
                    &target,
                    target_sid,
                    RightKind::DcSync,
                    "GetChanges and GetChangesAll",
                    inherited,
                    ace,
                )));
            }
        }
    }
    if skipped > 0 {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(path, None),
            format!("{skipped} ACE(s) carry edges that are not reset rights (AddMember, WriteSPN, …): not read"),
        ));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn right_record(
    doc: &json::Doc<'_>,
    names: &HashMap<String, String>,
    system: &str,
    principal: &str,
    is_group: bool,
    target: &RightTarget,
    target_sid: Option<&str>,
    right: RightKind,
    edge: &str,
    inherited: bool,
    ace: &Node<'_>,
) -> ResetRight {
    let sid = bare_sid(principal);
    let (holder, holder_is_group) = names
        .get(&principal.to_ascii_uppercase())
        .map(|n| (n.clone(), is_group))
        .or_else(|| super::directory::acl::well_known(sid))
        .unwrap_or_else(|| (sid.to_string(), is_group));
    ResetRight {
        system: system.to_string(),
        source: SourceKind::ActiveDirectory,
        holder,
        holder_sid: Some(sid.to_string()),
        holder_is_group: holder_is_group || is_group,
        target: target.clone(),
        target_sid: target_sid.map(str::to_string),
        right,
        detail: Some(format!("BloodHound {edge}")),
        inherited,
        evidence: Evidence::at(doc.path, doc.key_line(ace, "RightName")),
    }
}

#[cfg(test)]
mod tests;
