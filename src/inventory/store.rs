//! `Inventory`: the merged, sorted and deduplicated records of a scan, with lookup indices.

use super::ledger::{Event, ResetRight, Ticket};
use super::merge;
use super::model::*;
use crate::diag::Diagnostic;
use rayon::slice::ParallelSliceMut as _;
use serde::Serialize;
use std::sync::OnceLock;

#[derive(Debug, Default, Serialize)]
pub struct Inventory {
    pub hosts: Vec<Host>,
    pub accounts: Vec<Account>,
    pub credentials: Vec<Credential>,
    pub memberships: Vec<Membership>,
    pub sudo_grants: Vec<SudoGrant>,
    /// In each system's evaluation order (file order with includes expanded), systems sorted.
    pub settings: Vec<Setting>,
    /// Trust-file entries and trust settings (`.rhosts`, `.k5login`, CA trust), sorted.
    pub trusts: Vec<TrustEntry>,
    /// Audit-log events (resets, changes, revocations, sign-ins), by time, then system and
    /// target; the same event exported twice (same system and event id) is kept once.
    pub events: Vec<Event>,
    /// Help-desk tickets, by system and id.
    pub tickets: Vec<Ticket>,
    /// Rights to reset or take over accounts, sorted.
    pub reset_rights: Vec<ResetRight>,
    /// System, then login or alias: looked up with borrowed names, no allocation. Built on
    /// first use (`account`), or beforehand by `index_logins`.
    #[serde(skip)]
    by_login: OnceLock<LoginIndex>,
}

/// System, then login or alias, to the account's index. Each system's table holds positions,
/// (account, name) with name 0 the login and name `k` the alias `k - 1`, and compares the
/// accounts' own strings: no name is copied (a directory of 100,000 accounts has 300,000 names).
/// A lookup finds its system's table first (systems are few), so a hit reads the account and
/// its name, not its system again.
#[derive(Default)]
struct LoginIndex {
    systems: foldhash::HashMap<String, hashbrown::HashTable<(u32, u32)>>,
    hasher: foldhash::fast::FixedState,
}

impl std::fmt::Debug for LoginIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginIndex")
            .field("systems", &self.systems.len())
            .finish()
    }
}

/// Name `n` of `a`: its login, then its aliases.
pub(crate) fn name_of(a: &Account, n: u32) -> &str {
    match n.checked_sub(1) {
        None => &a.login,
        Some(k) => a.aliases.get(k as usize).map_or("", String::as_str),
    }
}

impl LoginIndex {
    fn find(&self, accounts: &[Account], system: &str, name: &str) -> Option<usize> {
        use std::hash::BuildHasher as _;
        self.systems
            .get(system)?
            .find(self.hasher.hash_one(name), |&(i, n)| {
                name_of(&accounts[i as usize], n) == name
            })
            .map(|&(i, _)| i as usize)
    }

    /// Adds name `n` of account `i`; `replace`: over an account that already has it (a login),
    /// else only when none has (an alias).
    fn add(&mut self, accounts: &[Account], i: usize, n: u32, replace: bool) {
        use std::hash::BuildHasher as _;
        let Ok(account) = u32::try_from(i) else {
            return;
        };
        let a = &accounts[i];
        let name = name_of(a, n);
        let hasher = self.hasher.clone();
        let hash = hasher.hash_one(name);
        let rehash = |&(j, m): &(u32, u32)| hasher.hash_one(name_of(&accounts[j as usize], m));
        let same = |&(j, m): &(u32, u32)| name_of(&accounts[j as usize], m) == name;
        let Some(table) = self.systems.get_mut(a.system.as_str()) else {
            return;
        };
        match table.entry(hash, same, rehash) {
            hashbrown::hash_table::Entry::Occupied(mut held) => {
                if replace {
                    *held.get_mut() = (account, n);
                }
            }
            hashbrown::hash_table::Entry::Vacant(free) => {
                free.insert((account, n));
            }
        }
    }
}

/// The login index of `accounts`: each login, then each alias that names no account of its own.
fn index_logins(accounts: &[Account]) -> LoginIndex {
    // Each system's table sized at once (merged accounts come by system: counted by runs).
    let mut sizes: foldhash::HashMap<&str, usize> = Default::default();
    for run in accounts.chunk_by(|a, b| a.system == b.system) {
        if let Some(first) = run.first() {
            *sizes.entry(first.system.as_str()).or_default() +=
                run.iter().map(|a| 1 + a.aliases.len()).sum::<usize>();
        }
    }
    let mut index = LoginIndex {
        systems: sizes
            .into_iter()
            .map(|(system, names)| {
                (
                    system.to_string(),
                    hashbrown::HashTable::with_capacity(names),
                )
            })
            .collect(),
        hasher: foldhash::fast::FixedState::default(),
    };
    for i in 0..accounts.len() {
        index.add(accounts, i, 0, true);
    }
    // Other names of an account in its system (an Okta user id, an Entra object id, an ARN)
    // find it too, unless they name an account of their own.
    for (i, a) in accounts.iter().enumerate() {
        for n in 1..=a.aliases.len() {
            index.add(accounts, i, u32::try_from(n).unwrap_or(u32::MAX), false);
        }
    }
    index
}

impl Inventory {
    /// Merges records from every source (see `merge` for the precedence), dropping the notes on
    /// conflicting exports. Records of one system must arrive in that system's evaluation order
    /// (sources emit a host's records together); the result is deterministic.
    pub fn from_records(records: Vec<Record>) -> Inventory {
        Inventory::merge(records).0
    }

    /// Merges records from every source, with a note for every field two exports disagree on.
    /// The result does not depend on the order of `records` across files or on file names.
    pub fn merge(records: Vec<Record>) -> (Inventory, Vec<Diagnostic>) {
        let mut inv = Inventory::default();
        let (accounts, credentials) = split(records, &mut inv);
        inv.hosts
            .sort_by(|a, b| (&a.name, &a.root, &a.evidence).cmp(&(&b.name, &b.root, &b.evidence)));
        inv.hosts
            .dedup_by(|a, b| a.name == b.name && a.root == b.root);
        let observed = merge::Observed::from_hosts(&inv.hosts);
        // Accounts and credentials merge on their own, side by side; their notes keep this
        // order (accounts' first).
        let (mut notes, mut credential_notes) = (Vec::new(), Vec::new());
        (inv.accounts, inv.credentials) = rayon::join(
            || merge::accounts(accounts, &observed, &mut notes),
            || merge::credentials(credentials, &observed, &mut credential_notes),
        );
        notes.append(&mut credential_notes);
        inv.memberships.sort();
        inv.memberships.dedup();
        inv.sudo_grants.sort();
        inv.sudo_grants.dedup();
        inv.trusts.sort();
        inv.trusts.dedup();
        // Stable, like `sort`.
        inv.events.par_sort();
        inv.events.dedup();
        inv.events.dedup_by(|b, a| {
            a.event_id.is_some() && a.event_id == b.event_id && a.system == b.system
        });
        inv.tickets.sort();
        inv.tickets.dedup();
        inv.reset_rights.sort();
        inv.reset_rights.dedup();
        // Stable: keeps each system's evaluation order.
        inv.settings.sort_by(|a, b| a.system.cmp(&b.system));
        (inv, notes)
    }

    /// The account `login` on `system` (or the account `login` is an alias of).
    pub fn account(&self, system: &str, login: &str) -> Option<usize> {
        self.logins().find(&self.accounts, system, login)
    }

    /// Builds the index `account` looks logins up in, if it is not built yet: `scan::analyse`
    /// builds it beside correlation (which needs none) and the rules (which wait for it when
    /// they ask first). Accounts added after it is built are not in it.
    pub fn index_logins(&self) {
        self.logins();
    }

    fn logins(&self) -> &LoginIndex {
        self.by_login.get_or_init(|| index_logins(&self.accounts))
    }
}

/// Sorts the records into the inventory's lists, and returns the accounts and credentials (the
/// merge's input). The longer of those two lists (the credentials of an estate, the accounts of
/// a directory) is collected into the records' own memory (std's in-place collect: an `Account`
/// or a `Credential` is no larger than a `Record`, with the same alignment), so no second copy
/// of it is allocated and first touched; the other lists are reserved at their final size,
/// since growing by doubling would copy them.
fn split(records: Vec<Record>, inv: &mut Inventory) -> (Vec<Account>, Vec<Credential>) {
    let (n_accounts, n_credentials, n_events) =
        records.iter().fold((0, 0, 0), |(a, c, e), r| match r {
            Record::Account(_) => (a + 1, c, e),
            Record::Credential(_) => (a, c + 1, e),
            Record::Event(_) => (a, c, e + 1),
            _ => (a, c, e),
        });
    inv.events.reserve_exact(n_events);
    if n_accounts > n_credentials {
        let mut credentials = Vec::with_capacity(n_credentials);
        let accounts = collect_in_place(records, inv, &mut credentials, |kept| match kept {
            Kept::Account(a) => Picked::Kept(a),
            Kept::Credential(c) => Picked::Other(c),
        });
        (accounts, credentials)
    } else {
        let mut accounts = Vec::with_capacity(n_accounts);
        let credentials = collect_in_place(records, inv, &mut accounts, |kept| match kept {
            Kept::Credential(c) => Picked::Kept(c),
            Kept::Account(a) => Picked::Other(a),
        });
        (accounts, credentials)
    }
}

/// What `collect_in_place` does with one of the merge's input.
enum Picked<T, U> {
    Kept(T),
    Other(U),
}

/// Files `records` away (`file_away`), and collects what `pick` keeps into their own memory; the
/// rest of the merge's input goes to `others`.
fn collect_in_place<T, U>(
    records: Vec<Record>,
    inv: &mut Inventory,
    others: &mut Vec<U>,
    pick: impl Fn(Kept) -> Picked<T, U>,
) -> Vec<T> {
    records
        .into_iter()
        .filter_map(|r| match pick(file_away(r, inv)?) {
            Picked::Kept(kept) => Some(kept),
            Picked::Other(other) => {
                others.push(other);
                None
            }
        })
        .collect()
}

/// What `file_away` leaves to `split`: the merge's input.
enum Kept {
    Account(Account),
    Credential(Credential),
}

/// Files a record other than an account or a credential into its list of the inventory.
fn file_away(record: Record, inv: &mut Inventory) -> Option<Kept> {
    match record {
        Record::Account(a) => return Some(Kept::Account(a)),
        Record::Credential(c) => return Some(Kept::Credential(c)),
        Record::Host(h) => inv.hosts.push(h),
        Record::Membership(m) => inv.memberships.push(m),
        Record::SudoGrant(g) => inv.sudo_grants.push(g),
        Record::Setting(s) => inv.settings.push(s),
        Record::Trust(t) => inv.trusts.push(t),
        Record::Event(e) => inv.events.push(e),
        Record::Ticket(t) => inv.tickets.push(t),
        Record::ResetRight(r) => inv.reset_rights.push(r),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_found_before_aliases_in_each_system() {
        let account = |system: &str, login: &str, aliases: &[&str]| {
            let mut a = Account::new(SourceKind::OpenLdap, system, login, Evidence::at("f", 1));
            a.aliases = aliases.iter().map(|s| s.to_string()).collect();
            Record::Account(a)
        };
        // Arrival order puts the alias first; the login still wins, within its own system only.
        let inv = Inventory::from_records(vec![
            account("dc=a", "alice", &["bob", "uid=alice,dc=a"]),
            account("dc=a", "bob", &[]),
            account("dc=b", "carol", &["bob"]),
        ]);
        // Built beside the correlation, or on first use: the same index.
        inv.index_logins();
        let login = |system: &str, name: &str| {
            inv.account(system, name)
                .map(|i| inv.accounts[i].login.as_str())
        };
        assert_eq!(login("dc=a", "bob"), Some("bob"));
        assert_eq!(login("dc=a", "uid=alice,dc=a"), Some("alice"));
        assert_eq!(login("dc=b", "bob"), Some("carol"));
        assert_eq!(login("dc=b", "alice"), None);
        assert_eq!(login("dc=c", "bob"), None);
    }

    /// 300 records: an account where `i % 3 == account_at`, else a credential.
    fn accounts_and_credentials(account_at: &[u32]) -> Vec<Record> {
        (0..300)
            .map(|i| {
                let evidence = Evidence::at("f", i);
                if account_at.contains(&(i % 3)) {
                    Record::Account(Account::new(
                        SourceKind::AwsIam,
                        "aws",
                        &format!("u{i}"),
                        evidence,
                    ))
                } else {
                    Record::Credential(Credential::new(
                        CredentialKind::AccessKey,
                        &format!("k{i}"),
                        "AWS access key",
                        evidence,
                    ))
                }
            })
            .collect()
    }

    #[test]
    fn credentials_are_collected_in_the_records_memory_in_order() {
        let records = accounts_and_credentials(&[0]);
        let memory = records.as_ptr() as usize;
        let mut inv = Inventory::default();
        let (accounts, credentials) = split(records, &mut inv);
        // No second allocation for the credentials (std's in-place collect still applies).
        assert_eq!(credentials.as_ptr() as usize, memory);
        assert_eq!(accounts.len(), 100);
        assert_eq!(credentials.len(), 200);
        let lines: Vec<u32> = credentials.iter().filter_map(|c| c.evidence.line).collect();
        let expected: Vec<u32> = (0..300).filter(|i| i % 3 != 0).collect();
        assert_eq!(lines, expected);
        assert_eq!(accounts[1].login, "u3");
    }

    #[test]
    fn accounts_outnumbering_credentials_are_collected_in_the_records_memory_in_order() {
        let records = accounts_and_credentials(&[0, 1]);
        let memory = records.as_ptr() as usize;
        let mut inv = Inventory::default();
        let (accounts, credentials) = split(records, &mut inv);
        assert_eq!(accounts.as_ptr() as usize, memory);
        assert_eq!(accounts.len(), 200);
        assert_eq!(credentials.len(), 100);
        let logins: Vec<&str> = accounts.iter().map(|a| a.login.as_str()).take(4).collect();
        assert_eq!(logins, ["u0", "u1", "u3", "u4"]);
        let ids: Vec<&str> = credentials.iter().map(|c| c.id.as_str()).take(3).collect();
        assert_eq!(ids, ["k2", "k5", "k8"]);
    }
}
