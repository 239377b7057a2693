//! RG301 local-admin-account: local administrators per host. UID 0 other than root, members of
//! groups whose membership grants administrator or root-equivalent privilege (as the source
//! adapter decided, whatever the source; primary groups included), and users whom sudo, as the
//! adapter resolved it for the host, lets run a root shell as root. One finding per account per
//! host at the strongest granting line; the rest are related. A sudo grant that rests on what
//! the files cannot show (a host netgroup) is a note saying so; a host whose sudo refuses to run
//! (a sudoers syntax error with `error_recovery=false`) grants nothing through sudo.
//!
//! Network devices: a local user with IOS `privilege 15` or a Junos `super-user` class (or a
//! class with `permissions all`), as the `netdev` source recorded it.
//!
//! A host is a system with local accounts or a collected host record (or sudoers), or one whose
//! Windows Administrators group (`S-1-5-32-544`) was exported; privilege in a directory or a
//! cloud tenant is for the directory rules. Windows: members are decided by SID by the adapter
//! (`source::windows`); a domain group among them names its members from the AD export when one
//! was given (accounts whose privileged groups include it); a Group Policy (`gpo:{GUID}`: Restricted
//! Groups, GPP Groups.xml) grants on the computers in the GPO's scope, which the file does not name.
//! A local member on a host whose registry export sets `LocalAccountTokenFilterPolicy` = 1
//! (remote UAC off; default 0) is said to administer the host over the network with its password
//! or NT hash (pass-the-hash), the value's line a related location.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::{AccountScope, Evidence, Principal, Privilege, SourceKind};
use crate::rule::Context;
use std::collections::BTreeMap;

struct Grant {
    /// 0 = UID 0, 1 = sudoers, 2 = group membership, 3 = a sudoers grant that holds only if
    /// something the files cannot show holds (a host netgroup): the lowest is the primary
    /// location.
    rank: u8,
    evidence: Evidence,
    what: String,
}

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    let local = || {
        inv.accounts
            .iter()
            .filter(|a| a.scope == AccountScope::Local)
    };
    let hosts: std::collections::BTreeSet<&str> = local()
        .map(|a| a.system.as_str())
        .chain(inv.hosts.iter().map(|h| h.name.as_str()))
        .chain(inv.sudo_grants.iter().map(|g| g.system.as_str()))
        .chain(
            inv.memberships
                .iter()
                .filter(|m| m.group == crate::source::windows::ADMINISTRATORS)
                .map(|m| m.system.as_str()),
        )
        .collect();
    let mut grants: BTreeMap<(&str, String), Vec<Grant>> = BTreeMap::new();

    for a in local() {
        if a.uid == Some(0) && a.login != "root" {
            grants
                .entry((a.system.as_str(), a.login.clone()))
                .or_default()
                .push(Grant {
                    rank: 0,
                    evidence: a.evidence.clone(),
                    what: "has UID 0 (root-equivalent)".into(),
                });
        }
    }
    // Accounts of network devices: their admin "group" is a privilege level or login class.
    let device_accounts: std::collections::BTreeSet<(&str, &str)> = local()
        .filter(|a| a.source == SourceKind::NetworkDevice)
        .map(|a| (a.system.as_str(), a.login.as_str()))
        .collect();
    for m in &inv.memberships {
        if !hosts.contains(m.system.as_str()) || m.member == "root" {
            continue;
        }
        if m.grants.is_some() && device_accounts.contains(&(m.system.as_str(), m.member.as_str())) {
            grants
                .entry((m.system.as_str(), m.member.clone()))
                .or_default()
                .push(Grant {
                    rank: 2,
                    evidence: m.evidence.clone(),
                    what: format!(
                        "a device-local user with `{}` (full administrative access to the network device); a directory password reset does not change its password",
                        m.group
                    ),
                });
            continue;
        }
        let kind = match m.grants {
            Some(Privilege::Admin) => "an administrator group",
            Some(Privilege::RootEquivalent) => "a root-equivalent group",
            None => continue,
        };
        let how = if m.primary {
            "has primary group"
        } else {
            "is a member of"
        };
        grants
            .entry((m.system.as_str(), m.member.clone()))
            .or_default()
            .push(Grant {
                rank: 2,
                evidence: m.evidence.clone(),
                what: format!("{how} `{}`, {kind}{}", m.group, domain_members(ctx, &m.member)),
            });
    }
    // sudo: the adapter resolved each user's verdict on the host. A host whose sudo refuses to
    // run (a syntax error with error recovery off) grants nothing through sudo.
    let refuses = |system: &str| {
        let setting = |key: &str| {
            inv.settings
                .iter()
                .find(|s| s.system == system && s.component == "sudoers" && s.key == key)
        };
        setting("syntax_error").is_some()
            && setting("error_recovery").is_some_and(|s| s.value == "false")
    };
    for g in &inv.sudo_grants {
        if refuses(&g.system) || (!g.root_equivalent && g.conditions.is_empty()) {
            continue;
        }
        let auth = if g.nopasswd {
            " without a password"
        } else {
            ""
        };
        let condition = if g.conditions.is_empty() {
            String::new()
        } else if g.root_equivalent {
            format!(" (unless: {})", g.conditions.join("; "))
        } else {
            format!(" only if {}", g.conditions.join("; "))
        };
        let verb = if g.root_equivalent { "lets" } else { "would let" };
        let (login, who) = match &g.principal {
            Principal::User(u) => (u.clone(), "it".to_string()),
            Principal::Netgroup(n) => (format!("+{n}"), format!("members of netgroup `+{n}`")),
            Principal::All => ("ALL".into(), "every user".into()),
            // The adapter resolves groups and ids to users; nothing else writes these.
            Principal::Uid(_) | Principal::Group(_) | Principal::Gid(_) => continue,
        };
        if login == "root" || login.is_empty() {
            continue;
        }
        grants
            .entry((g.system.as_str(), login))
            .or_default()
            .push(Grant {
                rank: if g.root_equivalent { 1 } else { 3 },
                evidence: g.evidence.clone(),
                what: format!(
                    "sudoers {verb} {who} run a root shell as root{auth}{condition}"
                ),
            });
    }

    for ((host, login), mut list) in grants {
        list.sort_by(|a, b| (a.rank, &a.evidence).cmp(&(b.rank, &b.evidence)));
        list.dedup_by(|a, b| a.evidence == b.evidence && a.what == b.what);
        let primary = &list[0];
        let level = match primary.rank {
            0 => Level::Error,
            3 => Level::Note,
            _ => Level::Warning,
        };
        let whats: Vec<&str> = list.iter().map(|g| g.what.as_str()).collect();
        let subject = if login == "ALL" {
            "Every user".to_string()
        } else {
            login.clone()
        };
        let verb = if primary.rank == 3 { "may be" } else { "is" };
        let place = match host.strip_prefix("gpo:") {
            Some(gpo) => format!("every computer in the scope of Group Policy {gpo}"),
            None => host.to_string(),
        };
        let mut message = format!(
            "{subject} {verb} a local administrator on {place}: {}.",
            whats.join("; ")
        );
        // A device-local user of a person whose password was reset elsewhere: the reset did not
        // reach the device.
        let mut reset_note = None;
        if device_accounts.contains(&(host, login.as_str())) {
            let owner = crate::inventory::OwnerRef {
                system: Some(host.to_string()),
                login: login.clone(),
            };
            let reset = ctx
                .correlation
                .owner_identity(inv, &owner)
                .and_then(|i| i.last_reset)
                .filter(|r| inv.accounts[r.account].system != host);
            if let Some(reset) = reset {
                let (ev, text) = super::describe_reset(ctx, &reset);
                message.push_str(&format!(
                    " The same person's password was reset {} on {}; that reset left this device password unchanged.",
                    crate::inventory::when::format_day(reset.at),
                    inv.accounts[reset.account].system
                ));
                reset_note = Some((ev, format!("the reset: {text}")));
            }
        }
        // Windows remote UAC off: a local administrator's password or NT hash administers the
        // host over the network too (pass-the-hash).
        let mut uac_note = None;
        if let Some(ev) = remote_uac_off(ctx, host, &login) {
            message.push_str(&format!(
                " Remote UAC is off on {host} (`LocalAccountTokenFilterPolicy` = 1; default 0, which filters local administrators' network logons): this local account's password, or its NT hash alone (pass-the-hash), gives full administrative access over the network."
            ));
            uac_note = Some(ev);
        }
        let mut f = out.finding(level,
            Subject::Account {
                system: host,
                login: &login,
            },
            primary.evidence.clone(),
            message,
        )
        .account(&login)
        .host(Some(host));
        for g in &list[1..] {
            f = f.related(g.evidence.clone(), format!("also {}", g.what));
        }
        if let Some((ev, text)) = reset_note {
            f = f.related(ev, text);
        }
        if let Some(ev) = uac_note {
            f = f.related(ev, "LocalAccountTokenFilterPolicy = 1: remote UAC does not filter local administrators".to_string());
        }
        if let Some(reason) = ctx.options.allow_admins.reason(host, &login) {
            f.suppressed = Some(crate::finding::Suppression {
                reason: reason.to_string(),
                ..Default::default()
            });
        }
        out.push(f);
    }
}

/// The `LocalAccountTokenFilterPolicy` = 1 line of `host` when `login` is a local account (no
/// `DOMAIN\\` prefix, no domain SID) in its Administrators group (`S-1-5-32-544`). The default
/// 0 (absent) filters the tokens of local administrators who log on over the network; the
/// built-in Administrator (RID 500) is not filtered either way and is not recorded as a member.
fn remote_uac_off(ctx: &Context<'_>, host: &str, login: &str) -> Option<Evidence> {
    let inv = ctx.inventory;
    if login.contains('\\') || login.contains("(S-1-") {
        return None;
    }
    inv.memberships.iter().find(|m| {
        m.system == host && m.member == login && m.group == crate::source::windows::ADMINISTRATORS
    })?;
    inv.settings
        .iter()
        .find(|s| {
            s.system == host
                && s.component == "windows"
                && s.key == "localaccounttokenfilterpolicy"
                && s.value == "1"
        })
        .and_then(|s| s.evidence.clone())
        .filter(|e| e.line.is_some())
}

/// For a domain principal in a Windows Administrators group (`CORP\\Domain Admins`, or `Domain
/// Admins (S-1-5-21-…-512)` from a SID), the AD accounts whose privileged groups include it: every
/// one of them administers the host. Empty for a local member or a group the export does not
/// show.
fn domain_members(ctx: &Context<'_>, member: &str) -> String {
    let name = match member.split_once('\\') {
        Some((_, name)) => name,
        None => match member.split_once(" (S-1-5-21-") {
            Some((name, _)) => name,
            None => return String::new(),
        },
    };
    let logins: Vec<&str> = ctx
        .inventory
        .accounts
        .iter()
        .filter(|a| {
            a.directory.as_ref().is_some_and(|d| {
                d.privileged_groups
                    .iter()
                    .any(|g| g.eq_ignore_ascii_case(name))
            })
        })
        .map(|a| a.login.as_str())
        .collect();
    if logins.is_empty() {
        return String::new();
    }
    format!(
        " (a domain group; its members in the directory export: {})",
        logins.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::{Correlation, IdentityMap};
    use crate::inventory::{Account, Inventory, Membership, Record, SourceKind};
    use crate::rule::RuleOptions;

    fn membership(system: &str, group: &str, grants: Option<Privilege>, line: u32) -> Record {
        Record::Membership(Membership {
            system: system.into(),
            group: group.into(),
            gid: None,
            member: "jdoe".into(),
            primary: false,
            grants,
            evidence: Evidence::at("groups.json", line),
        })
    }

    /// RG301 reads the privilege the adapter recorded, from any source: here a host's local groups
    /// as a Windows adapter would record them (no Linux group names, no Linux source).
    #[test]
    fn any_source_that_records_an_admin_membership_on_a_host() {
        let mut local = Account::new(
            SourceKind::ConfigFile,
            "win01",
            "jdoe",
            Evidence::at("users.json", 1),
        );
        local.scope = AccountScope::Local;
        let domain = Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            "jdoe",
            Evidence::at("ad.ldif", 1),
        );
        let inv = Inventory::from_records(vec![
            Record::Account(local),
            Record::Account(domain),
            membership("win01", "Administrators", Some(Privilege::Admin), 2),
            // A group named like a Linux admin group grants nothing unless the adapter says so.
            membership("win01", "sudo", None, 5),
            // Privilege in a directory is not local administration of a host.
            membership(
                "corp.example.test",
                "Domain Admins",
                Some(Privilege::Admin),
                9,
            ),
        ]);
        let correlation = Correlation::build(&inv, &IdentityMap::default());
        let options = RuleOptions::new(jiff::Timestamp::UNIX_EPOCH);
        let ctx = Context::new(&inv, &correlation, &options);
        let mut emit = Emit::new("RG301");
        check(&ctx, &mut emit);
        let findings = emit.into_findings();
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(f.host.as_deref(), Some("win01"));
        assert_eq!(f.account.as_deref(), Some("jdoe"));
        assert_eq!(f.location, Evidence::at("groups.json", 2));
        assert_eq!(f.level, Level::Warning);
        assert!(
            f.message
                .contains("is a member of `Administrators`, an administrator group"),
            "{}",
            f.message
        );
    }

    /// `LocalAccountTokenFilterPolicy` = 1 on the host: a local member of Administrators is said to
    /// work over the network (the value's line related); a domain member and a recorded default
    /// (no line) are not.
    #[test]
    fn remote_uac_off_is_named_for_local_members_only() {
        let admin = |member: &str, line: u32| {
            Record::Membership(Membership {
                system: "WS07".into(),
                group: crate::source::windows::ADMINISTRATORS.into(),
                gid: None,
                member: member.into(),
                primary: false,
                grants: Some(Privilege::Admin),
                evidence: Evidence::at("windows/WS07/local-admins.json", line),
            })
        };
        let latfp = |system: &str, line: Option<u32>| {
            Record::Setting(crate::inventory::Setting {
                system: system.into(),
                component: "windows".into(),
                key: "localaccounttokenfilterpolicy".into(),
                value: if line.is_some() { "1" } else { "0" }.into(),
                scope: crate::inventory::Scope::Global,
                evidence: Some(Evidence::new("windows/x/reg/policies.reg", line)),
            })
        };
        let run = |records: Vec<Record>| {
            let inv = Inventory::from_records(records);
            let correlation = Correlation::build(&inv, &IdentityMap::default());
            let options = RuleOptions::new(jiff::Timestamp::UNIX_EPOCH);
            let ctx = Context::new(&inv, &correlation, &options);
            let mut emit = Emit::new("RG301");
            check(&ctx, &mut emit);
            emit.into_findings()
        };
        let found = run(vec![
            admin("support", 8),
            admin("CORP\\helpdesk", 14),
            latfp("WS07", Some(7)),
        ]);
        assert_eq!(found.len(), 2, "{found:#?}");
        let local = found.iter().find(|f| f.account.as_deref() == Some("support")).unwrap();
        assert!(local.message.contains("`LocalAccountTokenFilterPolicy` = 1"), "{}", local.message);
        assert!(local.related.iter().any(|r| r.location.line == Some(7)));
        let domain = found.iter().find(|f| f.account.as_deref() != Some("support")).unwrap();
        assert!(!domain.message.contains("LocalAccountTokenFilterPolicy"));
        // The default (absent, 0) and another host's value say nothing.
        for other in [latfp("WS07", None), latfp("WS08", Some(7))] {
            let found = run(vec![admin("support", 8), other]);
            assert!(!found[0].message.contains("LocalAccountTokenFilterPolicy"));
        }
    }
}
