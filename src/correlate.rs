//! Correlation: links accounts of the same person or service across systems into identities, and
//! finds each identity's last reset with the evidence that proves it.
//!
//! Heuristic: the normalised login (case-folded; `DOMAIN\user`, `user@domain` and `user` compare
//! on the local part). Root accounts and Unix system accounts (UID below 1000) are never linked
//! across systems: `root` on two hosts is two accounts. An `--identities` file overrides the
//! heuristic for the accounts it names.

use crate::inventory::{Account, AccountKind, AccountScope, Inventory, OwnerRef, TimePrecision};
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// The `--identities` file: identity name → list of `system:login` (system is a host name, `aws`,
/// or a source family `linux` meaning every Linux host).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct IdentityMap(pub BTreeMap<String, Vec<String>>);

impl IdentityMap {
    pub fn parse(file: &str, text: &str) -> Result<IdentityMap, String> {
        let map: IdentityMap = crate::yaml::from_str(text).map_err(|e| format!("{file}:{e}"))?;
        let mut problems = Vec::new();
        for (name, members) in &map.0 {
            for m in members {
                if !m.contains(':') || m.starts_with(':') || m.ends_with(':') {
                    problems.push(format!(
                        "{file}: identity `{name}`: `{m}` must be written `system:login` (e.g. `web01:alice`, `aws:a.smith`)"
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(map)
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// The latest password change of an identity.
#[derive(Debug, Clone, Copy)]
pub struct Reset {
    pub at: Timestamp,
    /// The account whose record proves it.
    pub account: usize,
    /// The record has day granularity (shadow `lastchg`): `at` is the start of that UTC day.
    pub day_granular: bool,
}

#[derive(Debug)]
pub struct Identity {
    /// Normalised login, or the name from the identities file.
    pub key: String,
    pub accounts: Vec<usize>,
    pub last_reset: Option<Reset>,
}

#[derive(Debug)]
pub struct Correlation {
    pub identities: Vec<Identity>,
    /// Identity index of each account.
    pub of_account: Vec<usize>,
    /// Linkable identities by normalised login.
    by_key: HashMap<String, usize>,
}

/// `DOMAIN\User`, `user@example.org` and `USER` all normalise to `user`.
pub fn normalize_login(login: &str) -> String {
    let local = login.rsplit('\\').next().unwrap_or(login);
    let local = local.split('@').next().unwrap_or(local);
    local.trim().to_lowercase()
}

/// The keys an account is linked by: its normalised login, and for directory accounts the local
/// part of UPN and mail aliases.
fn link_keys(a: &Account) -> Vec<String> {
    let mut keys = vec![normalize_login(&a.login)];
    if a.directory.is_some() {
        for alias in &a.aliases {
            if alias.contains('@') && !alias.contains(['=', ':', '/', ',']) {
                keys.push(normalize_login(alias));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

fn linkable(a: &Account) -> bool {
    match a.kind {
        AccountKind::Root => false,
        // A service account local to one machine (`www-data`) is not the same-named service
        // account of another system.
        AccountKind::Service => a.scope != AccountScope::Local,
        AccountKind::Human | AccountKind::Unknown => true,
    }
}

/// A password change that counts as a reset: a known time that is not the initial password set
/// when the account was created (AWS sets `password_last_changed` at creation too).
fn reset_time(a: &Account) -> Option<Timestamp> {
    if a.password_is_initial() {
        return None;
    }
    a.password_last_set.known()
}

impl Correlation {
    pub fn build(inv: &Inventory, overrides: &IdentityMap) -> Correlation {
        let mut identities: Vec<Identity> = Vec::new();
        let mut of_account = vec![usize::MAX; inv.accounts.len()];
        let mut by_key: HashMap<String, usize> = HashMap::new();

        // Explicit identities first: they win over the heuristic.
        for (name, members) in &overrides.0 {
            let idx = identities.len();
            identities.push(Identity {
                key: name.clone(),
                accounts: Vec::new(),
                last_reset: None,
            });
            for m in members {
                // Systems and logins may both hold `:` (`entra:example.org`,
                // `system:serviceaccount:ns:sa`), so match the whole `system:login` text, or a
                // source family followed by the login (`linux:alice` on every Linux host).
                for (i, a) in inv.accounts.iter().enumerate() {
                    let exact = m
                        .get(..a.system.len())
                        .is_some_and(|s| s.eq_ignore_ascii_case(&a.system))
                        && m[a.system.len()..].strip_prefix(':') == Some(a.login.as_str());
                    let family = m.split_once(':').is_some_and(|(fam, login)| {
                        fam.eq_ignore_ascii_case(a.source.as_str()) && login == a.login
                    });
                    if (exact || family) && of_account[i] == usize::MAX {
                        of_account[i] = idx;
                        identities[idx].accounts.push(i);
                    }
                }
            }
            by_key.insert(name.to_lowercase(), idx);
        }
        // Heuristic links: accounts that share a normalised login, or (for directory accounts) the
        // local part of a UPN or mail alias, form one identity (union-find).
        let n = inv.accounts.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        let mut first_with_key: BTreeMap<String, usize> = BTreeMap::new();
        for (i, a) in inv.accounts.iter().enumerate() {
            if of_account[i] != usize::MAX || !linkable(a) {
                continue;
            }
            for key in link_keys(a) {
                match first_with_key.get(&key) {
                    Some(&j) => {
                        let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                        parent[ri.max(rj)] = ri.min(rj);
                    }
                    None => {
                        first_with_key.insert(key, i);
                    }
                }
            }
        }
        let mut identity_of_root: HashMap<usize, usize> = HashMap::new();
        for (i, a) in inv.accounts.iter().enumerate() {
            if of_account[i] != usize::MAX {
                continue;
            }
            let idx = if linkable(a) {
                let root = find(&mut parent, i);
                *identity_of_root.entry(root).or_insert_with(|| {
                    identities.push(Identity {
                        key: normalize_login(&inv.accounts[root].login),
                        accounts: Vec::new(),
                        last_reset: None,
                    });
                    identities.len() - 1
                })
            } else {
                identities.push(Identity {
                    key: format!("{}:{}", a.system, a.login),
                    accounts: Vec::new(),
                    last_reset: None,
                });
                identities.len() - 1
            };
            of_account[i] = idx;
            identities[idx].accounts.push(i);
        }
        for (key, &j) in &first_with_key {
            by_key.entry(key.clone()).or_insert(of_account[j]);
        }
        // Accounts named in the identities file are found by their own logins too.
        for (idx, id) in identities.iter().enumerate().take(overrides.0.len()) {
            for &i in &id.accounts {
                by_key
                    .entry(normalize_login(&inv.accounts[i].login))
                    .or_insert(idx);
            }
        }
        for id in &mut identities {
            for &i in &id.accounts {
                let a = &inv.accounts[i];
                if let Some(at) = reset_time(a) {
                    if id.last_reset.is_none_or(|r| at > r.at) {
                        id.last_reset = Some(Reset {
                            at,
                            account: i,
                            day_granular: a.password_precision == TimePrecision::Day,
                        });
                    }
                }
            }
        }
        Correlation {
            identities,
            of_account,
            by_key,
        }
    }

    pub fn identity_of(&self, account: usize) -> &Identity {
        &self.identities[self.of_account[account]]
    }

    /// The accounts an owner reference points at: the exact account when the system is known,
    /// else the accounts of the identity with that normalised login.
    /// A reference whose system has no such account (an app password listed without the users
    /// export, a Vault token of a user Vault has no record of) falls back to the login.
    pub fn owner_accounts(&self, inv: &Inventory, owner: &OwnerRef) -> Vec<usize> {
        if let Some(i) = owner
            .system
            .as_deref()
            .and_then(|s| inv.account(s, &owner.login))
        {
            return vec![i];
        }
        self.by_key
            .get(&normalize_login(&owner.login))
            .map(|&i| self.identities[i].accounts.clone())
            .unwrap_or_default()
    }

    /// The identity an owner reference belongs to, if any (same fallback as `owner_accounts`).
    pub fn owner_identity(&self, inv: &Inventory, owner: &OwnerRef) -> Option<&Identity> {
        self.owner_identity_index(inv, owner)
            .map(|i| &self.identities[i])
    }

    /// The index in `identities` of `owner_identity`.
    pub fn owner_identity_index(&self, inv: &Inventory, owner: &OwnerRef) -> Option<usize> {
        if let Some(i) = owner
            .system
            .as_deref()
            .and_then(|s| inv.account(s, &owner.login))
        {
            return Some(self.of_account[i]);
        }
        self.by_key.get(&normalize_login(&owner.login)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Evidence, Record, SourceKind, When};

    fn account(system: &str, login: &str, kind: AccountKind, reset: Option<&str>) -> Record {
        let mut a = Account::new(SourceKind::AwsIam, system, login, Evidence::at("x", 1));
        a.kind = kind;
        if let Some(r) = reset {
            a.password_last_set = When::parse_instant(r).unwrap();
        }
        Record::Account(a)
    }

    #[test]
    fn normalizes_domain_forms() {
        assert_eq!(normalize_login("CORP\\M.Okafor"), "m.okafor");
        assert_eq!(normalize_login("m.okafor@example.org"), "m.okafor");
        assert_eq!(normalize_login("M.OKAFOR"), "m.okafor");
    }

    #[test]
    fn links_by_login_and_takes_latest_reset() {
        let inv = Inventory::from_records(vec![
            account(
                "aws",
                "m.okafor",
                AccountKind::Human,
                Some("2026-08-03T14:22:51Z"),
            ),
            account(
                "web01",
                "M.Okafor",
                AccountKind::Human,
                Some("2026-01-01T00:00:00Z"),
            ),
            account(
                "aws",
                "root",
                AccountKind::Root,
                Some("2026-09-01T00:00:00Z"),
            ),
            account("web01", "root", AccountKind::Root, None),
        ]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        let aws = inv.account("aws", "m.okafor").unwrap();
        let web = inv.account("web01", "M.Okafor").unwrap();
        assert_eq!(c.of_account[aws], c.of_account[web]);
        let r = c.identity_of(web).last_reset.unwrap();
        assert_eq!(r.account, aws);
        let r1 = inv.account("aws", "root").unwrap();
        let r2 = inv.account("web01", "root").unwrap();
        assert_ne!(c.of_account[r1], c.of_account[r2], "roots are never linked");
    }

    #[test]
    fn identity_file_overrides_heuristic() {
        let inv = Inventory::from_records(vec![
            account("aws", "mara", AccountKind::Human, None),
            account(
                "web01",
                "mokafor",
                AccountKind::Human,
                Some("2026-01-01T00:00:00Z"),
            ),
        ]);
        let map = IdentityMap::parse("ids.yml", "mara-okafor:\n  - aws:mara\n  - web01:mokafor\n")
            .unwrap();
        let c = Correlation::build(&inv, &map);
        let a = inv.account("aws", "mara").unwrap();
        assert_eq!(c.identity_of(a).key, "mara-okafor");
        assert!(c.identity_of(a).last_reset.is_some());
        assert!(IdentityMap::parse("ids.yml", "x:\n  - nocolon\n").is_err());
    }

    #[test]
    fn directory_upn_links_a_different_login() {
        let mut ad = Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            "mokafor",
            Evidence::at("ad.ldif", 1),
        );
        ad.kind = AccountKind::Human;
        ad.aliases = vec![
            "m.okafor@corp.example.test".into(),
            "CN=Mara Okafor,DC=corp,DC=example,DC=test".into(),
        ];
        ad.directory = Some(Box::new(crate::inventory::DirectoryAccount {
            dn: "CN=Mara Okafor,DC=corp,DC=example,DC=test".into(),
            object: crate::inventory::DirectoryObject::User,
            uac: Some(0x200),
            flags: crate::inventory::DirectoryFlags::default(),
            pwd_last_set: When::Unknown,
            must_change: false,
            password_changed: When::Unknown,
            pwd_last_set_written: When::Unknown,
            spns: vec![],
            admin_count: false,
            privileged_groups: vec![],
            last_logon: When::Unknown,
            laps: crate::inventory::Laps::NotApplicable,
            readable_password_attributes: vec![],
            locked: false,
        }));
        let inv = Inventory::from_records(vec![
            Record::Account(ad),
            account(
                "aws",
                "m.okafor",
                AccountKind::Human,
                Some("2026-08-03T14:22:51Z"),
            ),
        ]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        let a = inv.account("corp.example.test", "mokafor").unwrap();
        let b = inv.account("aws", "m.okafor").unwrap();
        assert_eq!(c.of_account[a], c.of_account[b]);
        // A user name captured beside a secret finds the identity by either name.
        let by_upn = OwnerRef {
            system: None,
            login: "m.okafor".into(),
        };
        let by_sam = OwnerRef {
            system: None,
            login: "MOKAFOR".into(),
        };
        assert_eq!(c.owner_accounts(&inv, &by_upn).len(), 2);
        assert_eq!(c.owner_accounts(&inv, &by_sam).len(), 2);
    }

    /// Scope and precision are facts of the account, whatever its source.
    #[test]
    fn local_service_accounts_stay_apart_and_day_precision_carries_to_the_reset() {
        let service = |system: &str, scope: AccountScope| {
            let mut a = Account::new(SourceKind::Vault, system, "backup", Evidence::at("x", 1));
            a.kind = AccountKind::Service;
            a.scope = scope;
            a
        };
        let mut dated = service("host-b", AccountScope::Local);
        dated.password_last_set = When::parse_instant("2026-08-01T00:00:00Z").unwrap();
        dated.password_precision = TimePrecision::Day;
        let inv = Inventory::from_records(vec![
            Record::Account(service("host-a", AccountScope::Local)),
            Record::Account(dated),
            Record::Account(service("cloud", AccountScope::Domain)),
            Record::Account(service("tenant", AccountScope::Domain)),
        ]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        let of = |system: &str| c.of_account[inv.account(system, "backup").unwrap()];
        assert_ne!(
            of("host-a"),
            of("host-b"),
            "local service accounts never link"
        );
        assert_ne!(of("host-a"), of("cloud"));
        assert_eq!(
            of("cloud"),
            of("tenant"),
            "domain service accounts link by login"
        );
        let reset = c.identities[of("host-b")].last_reset.unwrap();
        assert!(reset.day_granular);
    }

    #[test]
    fn initial_password_is_not_a_reset() {
        let mut a = Account::new(SourceKind::AwsIam, "aws", "j", Evidence::at("x", 1));
        a.created = When::parse_instant("2026-05-12T09:30:00Z").unwrap();
        a.password_last_set = When::parse_instant("2026-05-12T09:30:05Z").unwrap();
        let inv = Inventory::from_records(vec![Record::Account(a)]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        assert!(c.identities[0].last_reset.is_none());
    }
}
