//! RG607 tier0-rotation-missing: after a recorded reset of a Tier-0 identity, the secrets an
//! attacker who held Tier 0 could have taken must be rotated too, each *after* that reset
//! (issue 12): krbtgt twice, the Seamless SSO computer account `AZUREADSSOACC$`, the Entra
//! Connect `MSOL_*` accounts, the trust accounts, the LAPS passwords of the hosts the identity
//! administered, and Vault root tokens.
//!
//! The reset: the latest successful password-setting event (`EventKind::sets_password`) of an
//! account whose identity holds a privileged account (as RG302/RG606 decide:
//! `privileged_reason`). One finding per reset account, listing every item proven missing
//! (error) and every item the export cannot prove either way (note when nothing is proven
//! missing). Items whose system was not exported at all (no AD account of the identity, no Vault
//! export) are not judged: the organisation may not run them.
//!
//! What proves a rotation: a directory account's `pwdLastSet` after the reset; for krbtgt's
//! *second* rotation the directory keeps only the latest password time, so two rotations are
//! proven only by two successful reset events on krbtgt after the reset, at least
//! [`KRBTGT_GAP_HOURS`] apart (Microsoft's guidance: wait for replication and the ticket
//! lifetime between the two). A LAPS password's rotation time is its expiration minus the
//! policy's password age, which the export does not hold: [`LAPS_AGE_DAYS`] (the default of both
//! LAPS versions) is assumed, and an expiration within that age after the reset is not provable.

use super::directory::who;
use super::rg606_reset_rights_outside_tier0::privileged_reason;
use crate::correlate::normalize_login;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::{Event, Outcome};
use crate::inventory::{
    when::format_day, Account, Credential, CredentialKind, CredentialStatus, DirectoryObject, Evidence,
    Inventory, Laps, Privilege, SourceKind,
};
use crate::rule::Context;
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// The least time between krbtgt's two rotations: the default maximum TGT lifetime (10 hours).
pub const KRBTGT_GAP_HOURS: i64 = 10;
/// The LAPS password age assumed (`PasswordAgeDays`, default 30 for Windows and legacy LAPS).
pub const LAPS_AGE_DAYS: i64 = 30;

/// One item of the checklist.
struct Item {
    /// Proven missing (`true`) or not provable (`false`).
    missing: bool,
    text: String,
    evidence: Evidence,
}

fn password_evidence(a: &Account) -> Evidence {
    a.password_evidence
        .clone()
        .unwrap_or_else(|| a.evidence.clone())
}

pub(super) fn instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    // The latest successful password-setting event of each account.
    let mut latest: BTreeMap<usize, (&Event, Timestamp)> = BTreeMap::new();
    for (ei, e) in inv.events.iter().enumerate() {
        if !e.kind.sets_password() || e.outcome != Outcome::Success {
            continue;
        }
        let (Some(at), Some(i)) = (e.at.known(), ctx.event_account(ei)) else {
            continue;
        };
        if latest.get(&i).is_none_or(|(_, t)| at > *t) {
            latest.insert(i, (e, at));
        }
    }
    // What does not depend on the reset, found once: not once per Tier 0 reset.
    let root_tokens = root_tokens(inv);
    let mut domain_facts: BTreeMap<String, DomainFacts> = BTreeMap::new();
    for (i, (event, at)) in latest {
        let target = &inv.accounts[i];
        let identity = ctx.correlation.identity_of(i);
        let Some(why) = std::iter::once(i)
            .chain(identity.accounts.iter().copied())
            .find_map(|j| privileged_reason(&inv.accounts[j]).map(|w| (j, w)))
        else {
            continue;
        };
        // Skip krbtgt's own reset: that is a rotation, not a reset of a person.
        if target
            .directory
            .as_deref()
            .is_some_and(|d| d.object == DirectoryObject::Krbtgt)
        {
            continue;
        }
        let after = |t: Timestamp| t.as_second() > at.as_second() - skew;
        let mut items: Vec<Item> = Vec::new();
        let domains: BTreeSet<String> = identity
            .accounts
            .iter()
            .map(|&j| &inv.accounts[j])
            .filter(|a| a.source == SourceKind::ActiveDirectory)
            .map(|a| a.system.clone())
            .collect();
        for domain in &domains {
            let facts = domain_facts
                .entry(domain.clone())
                .or_insert_with(|| DomainFacts::new(inv, domain));
            krbtgt(ctx, facts, domain, at, &mut items);
            for a in facts.special.iter().map(|&j| &inv.accounts[j]) {
                let login = a.login.to_ascii_uppercase();
                let what = if login.trim_end_matches('$') == "AZUREADSSOACC" {
                    "the Seamless SSO computer account"
                } else if login.starts_with("MSOL_") {
                    "the Entra Connect account"
                } else if a
                    .directory
                    .as_deref()
                    .is_some_and(|d| d.object == DirectoryObject::Trust)
                {
                    "the trust account (its password is the trust key)"
                } else {
                    continue;
                };
                match a.password_last_set.known() {
                    Some(t) if after(t) => {}
                    Some(t) => items.push(Item {
                        missing: true,
                        text: format!(
                            "{} {} of {domain} last set its password {}, before the reset",
                            what,
                            a.login,
                            format_day(t)
                        ),
                        evidence: password_evidence(a),
                    }),
                    None => items.push(Item {
                        missing: false,
                        text: format!(
                            "{what} {} of {domain}: the export has no password time",
                            a.login
                        ),
                        evidence: a.evidence.clone(),
                    }),
                }
            }
        }
        laps(ctx, identity, &domains, at, &mut items);
        vault(&root_tokens, at, skew, &mut items);
        if items.is_empty() {
            continue;
        }
        let (missing, unprovable): (Vec<&Item>, Vec<&Item>) = items.iter().partition(|x| x.missing);
        let level = if missing.is_empty() {
            Level::Note
        } else {
            Level::Error
        };
        let by = match &event.actor {
            Some(a) if !a.eq_ignore_ascii_case(&event.target) => format!(" by {a}"),
            _ => String::new(),
        };
        let (privileged_account, why) = why;
        let whose = if privileged_account == i {
            String::new()
        } else {
            format!(" through {}", who(&inv.accounts[privileged_account]))
        };
        let mut message = format!(
            "{} is Tier 0{whose} ({why}); {} its {} at {}{by} ({}).",
            who(target),
            if missing.is_empty() {
                "the export cannot show that every rotation an eviction needs followed"
            } else {
                "not every rotation an eviction needs followed"
            },
            event.kind.describe(),
            instant(at),
            event.action,
        );
        if !missing.is_empty() {
            let texts: Vec<&str> = missing.iter().map(|x| x.text.as_str()).collect();
            message.push_str(&format!(" Missing: {}.", texts.join("; ")));
        }
        if !unprovable.is_empty() {
            let texts: Vec<&str> = unprovable.iter().map(|x| x.text.as_str()).collect();
            message.push_str(&format!(" Not provable from the export: {}.", texts.join("; ")));
        }
        let mut f = out
            .finding(
                level,
                Subject::Account {
                    system: &target.system,
                    login: &target.login,
                },
                event.evidence.clone(),
                message,
            )
            .account(&target.login)
            .related(target.evidence.clone(), format!("{}'s entry", target.login));
        for x in missing.iter().chain(&unprovable) {
            f = f.related(x.evidence.clone(), x.text.clone());
        }
        out.push(f);
    }
}

/// krbtgt of `domain`: rotated twice after the reset, far enough apart.
fn krbtgt(
    ctx: &Context<'_>,
    facts: &DomainFacts,
    domain: &str,
    at: Timestamp,
    items: &mut Vec<Item>,
) {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    let Some(k) = facts.krbtgt.map(|j| &inv.accounts[j]) else {
        let domain_entry = facts
            .first_account
            .map(|j| inv.accounts[j].evidence.clone())
            .unwrap_or_else(|| Evidence::new(domain, None));
        items.push(Item {
            missing: false,
            text: format!("krbtgt of {domain} is not in the export, so its two rotations cannot be checked"),
            evidence: Evidence::new(domain_entry.path, None),
        });
        return;
    };
    // Successful resets of krbtgt after the user's reset, in time order.
    let rotations: Vec<(Timestamp, &Event)> = facts
        .krbtgt_resets
        .iter()
        .map(|&ei| &inv.events[ei])
        .filter_map(|e| Some((e.at.known()?, e)))
        .filter(|(t, _)| t.as_second() > at.as_second() - skew)
        .collect();
    let gap_ok = rotations.windows(2).any(|w| {
        w[1].0.as_second() - w[0].0.as_second() >= KRBTGT_GAP_HOURS * 3600
    });
    if gap_ok {
        return;
    }
    if rotations.len() >= 2 {
        let (a, b) = (rotations[0], rotations[rotations.len() - 1]);
        items.push(Item {
            missing: true,
            text: format!(
                "krbtgt of {domain} was reset twice after the reset but only {} min apart ({} and {}), less than the {KRBTGT_GAP_HOURS}-hour ticket lifetime Microsoft says to wait: tickets forged with the first key may still be honoured",
                (b.0.as_second() - a.0.as_second()) / 60,
                instant(a.0),
                instant(b.0)
            ),
            evidence: b.1.evidence.clone(),
        });
        return;
    }
    match k.password_last_set.known() {
        Some(t) if t.as_second() > at.as_second() - skew => items.push(Item {
            missing: false,
            text: format!(
                "krbtgt of {domain} was rotated after the reset ({}), but the directory records only the latest password time, so a second rotation cannot be shown (export the domain controllers' Security log with 4724 on krbtgt to prove both)",
                format_day(t)
            ),
            evidence: password_evidence(k),
        }),
        Some(t) => items.push(Item {
            missing: true,
            text: format!(
                "krbtgt of {domain} last changed its password {}, before the reset: it was not rotated twice after it",
                format_day(t)
            ),
            evidence: password_evidence(k),
        }),
        None => items.push(Item {
            missing: false,
            text: format!("krbtgt of {domain}: the export has no password time"),
            evidence: k.evidence.clone(),
        }),
    }
}

/// The hosts whose local Administrators group holds the identity, directly or through a domain
/// group it is a member of, and the LAPS state of each host's computer account.
fn laps(
    ctx: &Context<'_>,
    identity: &crate::correlate::Identity,
    domains: &BTreeSet<String>,
    at: Timestamp,
    items: &mut Vec<Item>,
) {
    let inv = ctx.inventory;
    let ad: Vec<&Account> = identity
        .accounts
        .iter()
        .map(|&j| &inv.accounts[j])
        .filter(|a| a.source == SourceKind::ActiveDirectory)
        .collect();
    if ad.is_empty() {
        return;
    }
    // Names that make a local Administrators member this identity: its logins and its groups.
    let mut names: BTreeSet<String> = ad.iter().map(|a| normalize_login(&a.login)).collect();
    for m in &inv.memberships {
        if domains.iter().any(|d| d.eq_ignore_ascii_case(&m.system))
            && ad.iter().any(|a| a.login.eq_ignore_ascii_case(&m.member))
        {
            names.insert(normalize_login(&m.group));
        }
    }
    let mut hosts: BTreeMap<String, Evidence> = BTreeMap::new();
    for m in &inv.memberships {
        if m.grants != Some(Privilege::Admin) || !m.member.contains('\\') {
            continue;
        }
        let local_host = inv
            .accounts
            .iter()
            .any(|a| a.source == SourceKind::WindowsHost && a.system.eq_ignore_ascii_case(&m.system));
        let windows_group = m.group.starts_with("Administrators");
        if !(local_host || windows_group) || m.system.starts_with("gpo:") {
            continue;
        }
        let member = normalize_login(m.member.split(" (").next().unwrap_or(&m.member));
        if names.contains(&member) {
            hosts
                .entry(m.system.to_ascii_uppercase())
                .or_insert_with(|| m.evidence.clone());
        }
    }
    for (host, membership) in hosts {
        let computer = inv.accounts.iter().find(|a| {
            a.source == SourceKind::ActiveDirectory
                && a.login.trim_end_matches('$').eq_ignore_ascii_case(&host)
                && a.directory.is_some()
        });
        let Some(c) = computer else {
            items.push(Item {
                missing: false,
                text: format!("{host}, where it is a local administrator, has no computer account in the directory export, so its LAPS rotation cannot be checked"),
                evidence: membership,
            });
            continue;
        };
        let laps = c.directory.as_deref().map_or(Laps::NotApplicable, |d| d.laps);
        match laps {
            Laps::NotApplicable => {}
            Laps::Missing => items.push(Item {
                missing: true,
                text: format!("{host}, where it is a local administrator, has no LAPS-managed password: nothing rotated its local Administrator password"),
                evidence: c.evidence.clone(),
            }),
            Laps::Expires(w) => match w.known() {
                Some(exp) if exp.as_second() <= at.as_second() => items.push(Item {
                    missing: true,
                    text: format!("the LAPS password of {host}, where it is a local administrator, expires {}, before the reset: it was set before the reset and not rotated since", format_day(exp)),
                    evidence: c.evidence.clone(),
                }),
                Some(exp) if exp.as_second() - LAPS_AGE_DAYS * 86_400 > at.as_second() => {}
                Some(exp) => items.push(Item {
                    missing: false,
                    text: format!("the LAPS password of {host} expires {}, within {LAPS_AGE_DAYS} days (the default password age) of the reset, so it may have been set before it; rotate it (Reset-LapsPassword) to be sure", format_day(exp)),
                    evidence: c.evidence.clone(),
                }),
                None => items.push(Item {
                    missing: false,
                    text: format!("the LAPS password of {host} has no expiration time in the export"),
                    evidence: c.evidence.clone(),
                }),
            },
        }
    }
}

/// Vault root tokens still valid, in inventory order.
fn root_tokens(inv: &Inventory) -> Vec<&Credential> {
    inv.credentials
        .iter()
        .filter(|c| {
            c.kind == CredentialKind::VaultToken
                && c.detail.as_deref().is_some_and(|d| d.contains("root policy"))
                && !matches!(
                    c.status,
                    CredentialStatus::Revoked | CredentialStatus::Expired | CredentialStatus::Inactive
                )
        })
        .collect()
}

/// Vault root tokens issued before the reset (or undated) and still valid.
fn vault(root_tokens: &[&Credential], at: Timestamp, skew: i64, items: &mut Vec<Item>) {
    for c in root_tokens {
        let issued = c.issued.known();
        if issued.is_some_and(|t| t.as_second() > at.as_second() + skew) {
            continue;
        }
        items.push(Item {
            missing: true,
            text: format!(
                "{} is still valid{}",
                super::credential_name(c),
                issued.map_or(" (issue time not exported)".to_string(), |t| format!(
                    ", issued {} before the reset",
                    format_day(t)
                ))
            ),
            evidence: c.evidence.clone(),
        });
    }
}

/// What the check reads of one AD domain (matched ignoring ASCII case), found in one pass over
/// the accounts and events.
struct DomainFacts {
    /// The domain's krbtgt directory account, the first in inventory order.
    krbtgt: Option<usize>,
    /// The first account of the domain (any source).
    first_account: Option<usize>,
    /// The domain's AD accounts whose passwords an eviction rotates besides krbtgt (Seamless
    /// SSO, Entra Connect, trust accounts), in inventory order.
    special: Vec<usize>,
    /// Successful password-setting events on the domain's krbtgt, in event (time) order.
    krbtgt_resets: Vec<usize>,
}

impl DomainFacts {
    fn new(inv: &Inventory, domain: &str) -> Self {
        let mut facts = DomainFacts {
            krbtgt: None,
            first_account: None,
            special: Vec::new(),
            krbtgt_resets: Vec::new(),
        };
        for (j, a) in inv.accounts.iter().enumerate() {
            if !a.system.eq_ignore_ascii_case(domain) {
                continue;
            }
            facts.first_account.get_or_insert(j);
            if facts.krbtgt.is_none() && a.login.eq_ignore_ascii_case("krbtgt") && a.directory.is_some() {
                facts.krbtgt = Some(j);
            }
            if a.source != SourceKind::ActiveDirectory {
                continue;
            }
            let login = a.login.to_ascii_uppercase();
            if login.trim_end_matches('$') == "AZUREADSSOACC"
                || login.starts_with("MSOL_")
                || a.directory.as_deref().is_some_and(|d| d.object == DirectoryObject::Trust)
            {
                facts.special.push(j);
            }
        }
        for (ei, e) in inv.events.iter().enumerate() {
            if e.kind.sets_password()
                && e.outcome == Outcome::Success
                && e.system.eq_ignore_ascii_case(domain)
                && e.target.eq_ignore_ascii_case("krbtgt")
            {
                facts.krbtgt_resets.push(ei);
            }
        }
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    
    use crate::inventory::{
        AccountKind, DirectoryAccount, DirectoryFlags, Record, When,
    };
    

    fn t(s: &str) -> When {
        When::parse_instant(s).unwrap()
    }

    fn ad(login: &str, object: DirectoryObject, pwd: &str, groups: &[&str], line: u32) -> Record {
        let mut a = Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            login,
            Evidence::at("directory.ldif", line),
        );
        a.kind = AccountKind::Human;
        a.password_last_set = t(pwd);
        a.directory = Some(Box::new(DirectoryAccount {
            dn: format!("CN={login},DC=corp,DC=example,DC=test"),
            object,
            uac: Some(0x200),
            flags: DirectoryFlags::default(),
            pwd_last_set: t(pwd),
            must_change: false,
            password_changed: When::Unknown,
            pwd_last_set_written: When::Unknown,
            spns: vec![],
            admin_count: false,
            privileged_groups: groups.iter().map(|g| g.to_string()).collect(),
            last_logon: When::Unknown,
            laps: Laps::NotApplicable,
            readable_password_attributes: vec![],
            locked: false,
        }));
        Record::Account(a)
    }

    fn reset(target: &str, at: &str, line: u32) -> Record {
        Record::Event(Event {
            at: t(at),
            system: "corp.example.test".into(),
            source: SourceKind::ActiveDirectory,
            kind: crate::inventory::ledger::EventKind::PasswordReset,
            target: target.into(),
            actor: Some("ir.lead".into()),
            outcome: Outcome::Success,
            action: "4724".into(),
            credential: None,
            detail: None,
            strong_auth: None,
            target_sid: None,
            event_id: Some(format!("DC01/{line}")),
            evidence: Evidence::at("security.xml", line),
        })
    }

    fn run(records: Vec<Record>) -> Vec<crate::finding::Finding> {
        super::super::run_check("RG607", check, records, Timestamp::from_second(1_796_000_000).unwrap())
    }

    #[test]
    fn krbtgt_before_the_reset_is_missing_and_once_after_is_not_provable() {
        let base = |krbtgt: &str| {
            vec![
                ad("tadmin", DirectoryObject::User, "2026-11-20T09:00:00Z", &["Domain Admins"], 10),
                ad("krbtgt", DirectoryObject::Krbtgt, krbtgt, &[], 20),
                reset("tadmin", "2026-11-20T09:00:00Z", 1),
            ]
        };
        let f = run(base("2026-06-01T00:00:00Z"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Error);
        assert!(f[0].message.contains("krbtgt of corp.example.test last changed its password 2026-06-01"), "{}", f[0].message);
        let f = run(base("2026-11-20T10:00:00Z"));
        assert_eq!(f[0].level, Level::Note);
        assert!(f[0].message.contains("a second rotation cannot be shown"), "{}", f[0].message);
        // Two logged resets of krbtgt too close together are proven wrong.
        let mut r = base("2026-11-20T10:30:00Z");
        r.push(reset("krbtgt", "2026-11-20T10:00:00Z", 2));
        r.push(reset("krbtgt", "2026-11-20T10:30:00Z", 3));
        let f = run(r);
        assert_eq!(f[0].level, Level::Error);
        assert!(f[0].message.contains("only 30 min apart"), "{}", f[0].message);
        // Far enough apart: nothing to report.
        let mut r = base("2026-11-20T22:00:00Z");
        r.push(reset("krbtgt", "2026-11-20T10:00:00Z", 2));
        r.push(reset("krbtgt", "2026-11-20T22:00:00Z", 3));
        assert!(run(r).is_empty());
    }

    #[test]
    fn unprivileged_resets_and_unexported_systems_are_not_judged() {
        // A reset of an ordinary user: nothing.
        let f = run(vec![
            ad("bob", DirectoryObject::User, "2026-11-20T09:00:00Z", &[], 10),
            ad("krbtgt", DirectoryObject::Krbtgt, "2026-01-01T00:00:00Z", &[], 20),
            reset("bob", "2026-11-20T09:00:00Z", 1),
        ]);
        assert!(f.is_empty());
        // A Tier-0 reset with krbtgt missing from the export: a note naming it.
        let f = run(vec![
            ad("tadmin", DirectoryObject::User, "2026-11-20T09:00:00Z", &["Domain Admins"], 10),
            reset("tadmin", "2026-11-20T09:00:00Z", 1),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Note);
        assert!(f[0].message.contains("krbtgt of corp.example.test is not in the export"));
        // A failed reset is no reset.
        let mut failed = reset("tadmin", "2026-11-20T09:00:00Z", 1);
        if let Record::Event(e) = &mut failed {
            e.outcome = Outcome::Failure;
        }
        let f = run(vec![
            ad("tadmin", DirectoryObject::User, "2026-11-20T09:00:00Z", &["Domain Admins"], 10),
            failed,
        ]);
        assert!(f.is_empty());
    }
}
