//! RG606 reset-rights-outside-tier0: principals outside Tier 0 that can reset, or take over, a
//! privileged account (issue 12), and DCSync rights held outside Tier 0.
//!
//! Reads `Inventory::reset_rights` (AD security descriptors, BloodHound `Aces`, admin roles).
//! Tier 0 here: SYSTEM, Enterprise Domain Controllers, the groups privileged by RID
//! (`ad::privileged_sid`: Administrators, Domain/Enterprise/Schema/Key Admins, Domain
//! Controllers, Account/Server/Print/Backup Operators), the domain's Administrator and krbtgt,
//! accounts that are members of those groups or are domain controllers, and groups nested into
//! them (a membership of the group that grants admin). SELF, CREATOR OWNER and OWNER RIGHTS are
//! the object itself, not another principal. A privileged target is what RG302 calls privileged:
//! an account in a privileged group, a domain controller, or krbtgt.
//!
//! Admin roles (`ResetRole`): Entra lets only Global Administrators and Privileged
//! Authentication Administrators reset a Global Administrator (Helpdesk, Password, User and
//! Authentication Administrators are refused on admins), and Okta lets only Super
//! Administrators manage Super Administrators. So the one role finding is a Privileged
//! Authentication Administrator, tenant-wide, who is not a Global Administrator while the export
//! shows Global Administrators (a warning: Microsoft marks the role privileged, and it is Tier 0
//! only if the organisation treats it so).
//!
//! One finding per target account, naming every holder outside Tier 0 and its rights; one per
//! DCSync holder. A target whose identity's Entra per-user MFA is disabled, with no other
//! strong-auth evidence, gets a note (`ledger_people::weak_mfa_note`): whoever resets it next
//! meets no second factor either. Group holders are expanded through `Inventory::memberships` (nested groups
//! with a visited set) into the related locations.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::{
    DirectoryObject, Evidence, Inventory, Privilege, ResetRight, RightKind, RightTarget,
};
use crate::rule::Context;
use crate::source::directory::ad;
use std::collections::{BTreeMap, BTreeSet};

/// Members listed by name in a message; the rest are counted.
const MAX_NAMED: usize = 5;
/// Membership locations attached to one finding.
const MAX_RELATED: usize = 20;

/// Principals that stand for the object itself in an ACE.
fn is_self_reference(sid: Option<&str>, name: &str) -> bool {
    matches!(sid, Some("S-1-5-10" | "S-1-3-0" | "S-1-3-4"))
        || (sid.is_none() && matches!(name, "SELF" | "CREATOR OWNER" | "OWNER RIGHTS"))
}

/// Tier 0 by SID alone.
fn tier0_sid(sid: &str) -> bool {
    let up = sid.to_ascii_uppercase();
    matches!(up.as_str(), "S-1-5-18" | "S-1-5-9")
        || ad::privileged_sid(&up)
        || (ad::domain_sid(&up).is_some() && matches!(ad::rid_of(&up), Some(500 | 502)))
}

/// The account `login` of `system`, when it was exported.
fn account<'a>(
    inv: &'a Inventory,
    system: &str,
    login: &str,
) -> Option<&'a crate::inventory::Account> {
    inv.account(system, login).map(|i| &inv.accounts[i])
}

/// Why an account is privileged (Tier 0), if it is.
pub(super) fn privileged_reason(a: &crate::inventory::Account) -> Option<String> {
    let d = a.directory.as_deref()?;
    if !d.privileged_groups.is_empty() {
        return Some(d.privileged_groups.join(", "));
    }
    match d.object {
        DirectoryObject::DomainController => Some("a domain controller".into()),
        DirectoryObject::Krbtgt => Some("the krbtgt account".into()),
        _ => None,
    }
}

/// Whether the holder of `r` is Tier 0.
fn tier0_holder(inv: &Inventory, r: &ResetRight) -> bool {
    if r.holder_sid.as_deref().is_some_and(tier0_sid) {
        return true;
    }
    if r.holder_is_group {
        // A group nested into a privileged group: its memberships grant admin.
        return inv.memberships.iter().any(|m| {
            m.system == r.system && m.group == r.holder && m.grants == Some(Privilege::Admin)
        });
    }
    account(inv, &r.system, &r.holder).is_some_and(|a| privileged_reason(a).is_some())
}

/// The accounts a group holder's right reaches: its members, through nested groups, each with
/// the location of the membership that makes it one.
fn members(inv: &Inventory, system: &str, group: &str) -> Vec<(String, Evidence)> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out: BTreeMap<String, Evidence> = BTreeMap::new();
    let mut stack = vec![group.to_string()];
    while let Some(g) = stack.pop() {
        if !seen.insert(g.to_ascii_lowercase()) {
            continue;
        }
        for m in inv
            .memberships
            .iter()
            .filter(|m| m.system == system && m.group.eq_ignore_ascii_case(&g))
        {
            let nested = inv
                .memberships
                .iter()
                .any(|x| x.system == system && x.group.eq_ignore_ascii_case(&m.member));
            if nested {
                stack.push(m.member.clone());
            } else {
                out.entry(m.member.clone())
                    .or_insert_with(|| m.evidence.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// "Helpdesk (a group: bob, carol)" or "svc-sync".
fn describe_holder(r: &ResetRight, members: &[(String, Evidence)]) -> String {
    if !r.holder_is_group {
        return r.holder.clone();
    }
    if members.is_empty() {
        return format!("{} (a group with no member in the export)", r.holder);
    }
    let names: Vec<&str> = members
        .iter()
        .take(MAX_NAMED)
        .map(|(n, _)| n.as_str())
        .collect();
    let more = members.len().saturating_sub(MAX_NAMED);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{} (a group: {}{tail})", r.holder, names.join(", "))
}

fn right_text(r: &ResetRight) -> String {
    let mut s = r.right.describe().to_string();
    // Details the description already says are left out; the others (all extended rights, the
    // LAPS attribute, a role's name) tell how the right is held.
    const SAID: &[&str] = &[
        "User-Force-Change-Password",
        "write msDS-KeyCredentialLink",
        "full control",
        "WRITE_DAC",
        "WRITE_OWNER",
        "write all properties",
        "owner",
        "msDS-GroupMSAMembership",
        "DS-Replication-Get-Changes and -Get-Changes-All",
    ];
    if let Some(d) = r.detail.as_deref().filter(|d| !SAID.contains(d)) {
        s.push_str(&format!(" ({d})"));
    }
    if r.inherited {
        s.push_str(" (inherited)");
    }
    s
}

/// `r` with its holder named: a holder a source could only give as a SID (a BloodHound ACE whose
/// principal is in another file) takes the name another record gives that SID (the LDIF
/// export's descriptors), else the login of the exported account with that `objectSid`. A
/// target the export names with its SID (BloodHound `ObjectIdentifier`) is the exported account
/// with that SID, whatever name the export gives it (an account renamed since the collection).
fn named(
    r: &ResetRight,
    names: &BTreeMap<String, (String, bool)>,
    by_sid: &BTreeMap<String, &crate::inventory::Account>,
) -> ResetRight {
    let mut r = r.clone();
    if r.holder_sid.as_deref() == Some(r.holder.as_str()) {
        let key = r.holder.to_ascii_uppercase();
        if let Some((n, g)) = names.get(&key) {
            r.holder = n.clone();
            r.holder_is_group |= *g;
        } else if let Some(a) = by_sid.get(&key) {
            r.holder = a.login.clone();
        }
    }
    if let (RightTarget::Account(_), Some(a)) = (
        &r.target,
        r.target_sid
            .as_deref()
            .and_then(|s| by_sid.get(&s.to_ascii_uppercase())),
    ) {
        r.target = RightTarget::Account(a.login.clone());
        r.system = a.system.clone();
    }
    r
}

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    let mut names: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for r in &inv.reset_rights {
        if let Some(sid) = r.holder_sid.as_deref().filter(|s| *s != r.holder) {
            names
                .entry(sid.to_ascii_uppercase())
                .or_insert_with(|| (r.holder.clone(), r.holder_is_group));
        }
    }
    let by_sid: BTreeMap<String, &crate::inventory::Account> = inv
        .accounts
        .iter()
        .filter_map(|a| Some((a.sid.as_deref()?.to_ascii_uppercase(), a)))
        .collect();
    let rights: Vec<ResetRight> = inv
        .reset_rights
        .iter()
        .map(|r| named(r, &names, &by_sid))
        .collect();
    // (system, target login) -> the rights held over it outside Tier 0.
    let mut over: BTreeMap<(String, String), Vec<&ResetRight>> = BTreeMap::new();
    // (system, holder) -> its DCSync rights.
    let mut dcsync: BTreeMap<(String, String), Vec<&ResetRight>> = BTreeMap::new();
    for r in &rights {
        if is_self_reference(r.holder_sid.as_deref(), &r.holder) || tier0_holder(inv, r) {
            continue;
        }
        match (&r.target, r.right) {
            (_, RightKind::DcSync) => dcsync
                .entry((r.system.clone(), r.holder.clone()))
                .or_default()
                .push(r),
            (RightTarget::Account(login), _) if !login.eq_ignore_ascii_case(&r.holder) => over
                .entry((r.system.clone(), login.clone()))
                .or_default()
                .push(r),
            _ => {}
        }
    }

    entra_roles(&rights, out);

    for ((system, holder), rights) in dcsync {
        let r = rights[0];
        let ms = if r.holder_is_group {
            members(inv, &system, holder.as_str())
        } else {
            Vec::new()
        };
        let message = format!(
            "{} outside Tier 0 {} on {system}: it can read the password hash of every account, so \
             no reset of any account locks it out (it replicates the new hash right after the reset).",
            describe_holder(r, &ms),
            right_text(r),
        );
        let mut f = out
            .finding(
                Level::Error,
                Subject::Account {
                    system: &system,
                    login: &holder,
                },
                r.evidence.clone(),
                message,
            )
            .account(&holder);
        if let Some(a) = account(inv, &system, &holder) {
            f = f.related(a.evidence.clone(), format!("{holder}'s directory entry"));
        }
        for (m, ev) in ms.iter().take(MAX_RELATED) {
            f = f.related(ev.clone(), format!("{m} is a member of {holder}"));
        }
        out.push(f);
    }

    for ((system, login), rights) in over {
        let Some(target) = account(inv, &system, &login) else {
            continue;
        };
        if target.enabled == Some(false) {
            continue;
        }
        let Some(why) = privileged_reason(target) else {
            continue;
        };
        // Holder -> its rights, in a fixed order.
        let mut by_holder: BTreeMap<&str, Vec<&ResetRight>> = BTreeMap::new();
        for r in &rights {
            by_holder.entry(r.holder.as_str()).or_default().push(r);
        }
        let mut parts = Vec::new();
        let mut related: Vec<(Evidence, String)> = Vec::new();
        for (holder, rs) in &by_holder {
            let r = rs[0];
            let ms = if r.holder_is_group {
                members(inv, &system, holder)
            } else {
                Vec::new()
            };
            let texts: Vec<String> = rs.iter().map(|r| right_text(r)).collect();
            parts.push(format!("{} {}", describe_holder(r, &ms), texts.join("; ")));
            for r in rs {
                related.push((
                    r.evidence.clone(),
                    format!("{holder}: {}", r.right.describe()),
                ));
            }
            if let Some(a) = account(inv, &system, holder) {
                related.push((a.evidence.clone(), format!("{holder}'s directory entry")));
            }
            for (m, ev) in ms {
                related.push((ev, format!("{m} is a member of {holder}")));
            }
        }
        let weak = super::ledger_people::weak_mfa_note(ctx, &system, &login);
        let message = format!(
            "{login} in {system} is privileged ({why}) and principals outside Tier 0 can reset or \
             take it over: {}. A reset does not remove the right: the holder sets the password \
             again, or adds a key credential, right after the help desk's reset.{}",
            parts.join("; "),
            weak.as_ref()
                .map(|(n, _)| format!(" Note: {n}."))
                .unwrap_or_default(),
        );
        if let Some((n, ev)) = weak {
            related.insert(0, (ev, n));
        }
        let first = by_holder
            .values()
            .next()
            .map(|rs| rs[0].evidence.clone())
            .unwrap_or_else(|| target.evidence.clone());
        let mut f = out
            .finding(
                Level::Error,
                Subject::Account {
                    system: &system,
                    login: &login,
                },
                first,
                message,
            )
            .account(&login)
            .related(target.evidence.clone(), format!("{login}'s directory entry"));
        for (ev, msg) in related.into_iter().take(MAX_RELATED) {
            f = f.related(ev, msg);
        }
        out.push(f);
    }
}

const GLOBAL_ADMINISTRATOR: &str = "Global Administrator";
const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "Privileged Authentication Administrator";

/// A tenant-wide Privileged Authentication Administrator who is not a Global Administrator,
/// where the export names Global Administrators it may reset.
fn entra_roles(rights: &[ResetRight], out: &mut Emit) {
    let role = |r: &ResetRight, name: &str| {
        r.right == RightKind::ResetRole
            && r.source == crate::inventory::SourceKind::EntraId
            && r.target == RightTarget::Scope("*".into())
            && r.detail.as_deref() == Some(name)
    };
    let key = |r: &ResetRight| (r.system.clone(), r.holder_sid.clone().unwrap_or_else(|| r.holder.clone()));
    let global: BTreeMap<(String, String), &ResetRight> = rights
        .iter()
        .filter(|r| role(r, GLOBAL_ADMINISTRATOR))
        .map(|r| (key(r), r))
        .collect();
    let mut seen = BTreeSet::new();
    for r in rights.iter().filter(|r| role(r, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR)) {
        if global.contains_key(&key(r)) || !seen.insert(key(r)) {
            continue;
        }
        let admins: Vec<&&ResetRight> = global
            .iter()
            .filter(|((s, _), _)| *s == r.system)
            .map(|(_, g)| g)
            .collect();
        if admins.is_empty() {
            continue;
        }
        let names: Vec<&str> = admins.iter().take(MAX_NAMED).map(|g| g.holder.as_str()).collect();
        let more = admins.len().saturating_sub(MAX_NAMED);
        let message = format!(
            "{}{} holds {PRIVILEGED_AUTHENTICATION_ADMINISTRATOR} over the whole tenant {} without \
             being a {GLOBAL_ADMINISTRATOR}: it may reset the password and the authentication \
             methods of every {GLOBAL_ADMINISTRATOR} ({}{}), and set them again right after the \
             help desk's reset. Treat the role as Tier 0 (eligible through PIM only) or remove it.",
            r.holder,
            if r.holder_is_group { " (a group)" } else { "" },
            r.system,
            names.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() },
        );
        let mut f = out
            .finding(
                Level::Warning,
                Subject::Account {
                    system: &r.system,
                    login: &r.holder,
                },
                r.evidence.clone(),
                message,
            )
            .account(&r.holder);
        for g in admins.iter().take(MAX_RELATED) {
            f = f.related(g.evidence.clone(), format!("{} is a {GLOBAL_ADMINISTRATOR}", g.holder));
        }
        out.push(f);
    }
}
