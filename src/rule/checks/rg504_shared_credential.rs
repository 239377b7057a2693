//! RG504 shared-credential: one secret used by several owners, so resetting one leaves the
//! others open. One result per shared secret, with every place it is used as related locations:
//! - the same usable `/etc/shadow` hash for accounts on several hosts or for several accounts
//!   (a copied local root password: Linux has no LAPS), joined by the in-memory
//!   `Account::password_match`, never by the hash;
//! - the same SSH public key (by fingerprint) authorised for several accounts or hosts;
//! - the same clear-text secret (`Credential::same_secret`) in files of different owners.
//!
//! Not shared: one file read for several accounts (a home two accounts share), and several
//! accounts of one identity (as correlation links them).

use crate::finding::{Emit, Level, Subject};
use crate::inventory::{AccountKind, CredentialKind, Evidence, OwnerRef, SecretMatch, SourceKind};
use crate::rule::Context;
use foldhash::{HashMap, HashMapExt};

/// The sentence naming who a single reset (or key removal) leaves exposed.
fn exposed(action: &str, places: &[String]) -> String {
    let first = &places[0];
    let rest = places[1..].join(", ");
    format!("{action} {first} alone leaves {rest} open to whoever holds it")
}

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;

    // 1. The same password hash.
    let mut by_hash: HashMap<SecretMatch, Vec<usize>> = HashMap::new();
    for (i, a) in inv.accounts.iter().enumerate() {
        if a.source != SourceKind::LinuxHost {
            continue;
        }
        if let Some(m) = a.password_match {
            by_hash.entry(m).or_default().push(i);
        }
    }
    let mut groups: Vec<Vec<usize>> = by_hash.into_values().filter(|g| g.len() > 1).collect();
    for g in &mut groups {
        g.sort_by(|&x, &y| {
            let (a, b) = (&inv.accounts[x], &inv.accounts[y]);
            (&a.system, &a.login).cmp(&(&b.system, &b.login))
        });
    }
    groups.sort_by_key(|g| g[0]);
    for g in groups {
        let accs: Vec<_> = g.iter().map(|&i| &inv.accounts[i]).collect();
        let places: Vec<String> = accs
            .iter()
            .map(|a| format!("{}@{}", a.login, a.system))
            .collect();
        let ev = |a: &crate::inventory::Account| {
            a.password_evidence.clone().unwrap_or_else(|| a.evidence.clone())
        };
        let level = if accs.iter().any(|a| a.kind == AccountKind::Root) {
            Level::Error
        } else {
            Level::Warning
        };
        let message = format!(
            "The same password hash is set for {}: the password is shared, and {}.",
            places.join(", "),
            exposed("resetting the password of", &places)
        );
        let id = format!("password-hash:{}", places.join(","));
        let owner = OwnerRef {
            system: Some(accs[0].system.clone()),
            login: accs[0].login.clone(),
        };
        let mut f = out
            .finding(
                level,
                Subject::Credential {
                    id: &id,
                    account: Some(&owner),
                },
                ev(accs[0]),
                message,
            )
            .account(&accs[0].login)
            .host(Some(&accs[0].system));
        for a in &accs[1..] {
            f = f.related(
                ev(a),
                format!("the same password hash for {} on {}", a.login, a.system),
            );
        }
        out.push(f);
    }

    // 2. The same SSH key for several accounts, and 3. the same clear-text secret.
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_secret: HashMap<SecretMatch, Vec<usize>> = HashMap::new();
    for (i, c) in inv.credentials.iter().enumerate() {
        if c.owner.is_none() {
            continue;
        }
        if c.kind == CredentialKind::SshKey {
            by_key.entry(c.id.as_str()).or_default().push(i);
        } else if let Some(m) = c.same_secret {
            by_secret.entry(m).or_default().push(i);
        }
    }
    // A credential alone in its group is never shared: only groups of two or more go on.
    let mut groups: Vec<(bool, Vec<usize>)> = by_key
        .into_values()
        .map(|g| (true, g))
        .chain(by_secret.into_values().map(|g| (false, g)))
        .filter(|(_, g)| g.len() > 1)
        .collect();
    for (_, g) in &mut groups {
        g.sort_by(|&x, &y| {
            let (a, b) = (&inv.credentials[x], &inv.credentials[y]);
            (&a.owner, &a.evidence).cmp(&(&b.owner, &b.evidence))
        });
    }
    groups.sort_by(|a, b| {
        inv.credentials[a.1[0]]
            .evidence
            .cmp(&inv.credentials[b.1[0]].evidence)
    });
    for (is_key, g) in groups {
        let mut owners: Vec<&OwnerRef> = Vec::new();
        let mut uses: Vec<(Evidence, String)> = Vec::new();
        for &i in &g {
            let c = &inv.credentials[i];
            let Some(o) = &c.owner else { continue };
            let place = match &o.system {
                Some(s) => format!("{}@{s}", o.login),
                None => o.login.clone(),
            };
            if !owners.contains(&o) {
                owners.push(o);
            }
            uses.push((c.evidence.clone(), place));
        }
        // One file read for several accounts (root and toor share /root) is one place; one
        // person's key or secret on several of their own accounts is not shared with anyone.
        let mut files: Vec<&str> = uses.iter().map(|(e, _)| e.path.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        let mut identities: Vec<*const crate::correlate::Identity> = Vec::new();
        for o in &owners {
            let id: *const crate::correlate::Identity = ctx
                .correlation
                .owner_identity(inv, o)
                .map_or(std::ptr::null(), |i| i as *const _);
            if id.is_null() || !identities.contains(&id) {
                identities.push(id);
            }
        }
        if owners.len() < 2 || files.len() < 2 || identities.len() < 2 {
            continue;
        }
        let first = &inv.credentials[g[0]];
        let places: Vec<String> = owners
            .iter()
            .map(|o| match &o.system {
                Some(s) => format!("{}@{s}", o.login),
                None => o.login.clone(),
            })
            .collect();
        let (what, id) = if is_key {
            (format!("SSH key {}", first.id), first.id.clone())
        } else {
            let id = g
                .iter()
                .map(|&i| inv.credentials[i].id.as_str())
                .min()
                .unwrap_or_default()
                .to_string();
            (format!("The same {}", first.label), id)
        };
        let message = format!(
            "{what} is {} for {}: {}.",
            if is_key { "authorised" } else { "held" },
            places.join(", "),
            exposed(
                if is_key {
                    "removing the key from"
                } else {
                    "rotating it for"
                },
                &places
            )
        );
        let mut f = out
            .finding(
                Level::Warning,
                Subject::Credential {
                    id: &id,
                    account: None,
                },
                first.evidence.clone(),
                message,
            )
            .credential(first);
        for (ev, place) in uses.into_iter().skip(1) {
            f = f.related(ev, format!("also used by {place}"));
        }
        out.push(f);
    }
}
