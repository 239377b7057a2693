//! `Inventory`: the merged, sorted and deduplicated records of a scan, with lookup indices.

use super::ledger::{Event, ResetRight, Ticket};
use super::merge;
use super::model::*;
use crate::diag::Diagnostic;
use foldhash::{HashMap, HashMapExt};
use serde::Serialize;

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
    /// System, then login or alias: looked up with borrowed names, no allocation.
    #[serde(skip)]
    by_login: HashMap<String, HashMap<String, usize>>,
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
        // Each list at its final size at once: growing by doubling would copy the records, and
        // hold the old copy and the new at once.
        let (n_accounts, n_credentials) = records.iter().fold((0, 0), |(a, c), r| match r {
            Record::Account(_) => (a + 1, c),
            Record::Credential(_) => (a, c + 1),
            _ => (a, c),
        });
        let mut accounts = Vec::with_capacity(n_accounts);
        let mut credentials = Vec::with_capacity(n_credentials);
        for r in records {
            match r {
                Record::Account(a) => accounts.push(a),
                Record::Credential(c) => credentials.push(c),
                Record::Host(h) => inv.hosts.push(h),
                Record::Membership(m) => inv.memberships.push(m),
                Record::SudoGrant(g) => inv.sudo_grants.push(g),
                Record::Setting(s) => inv.settings.push(s),
                Record::Trust(t) => inv.trusts.push(t),
                Record::Event(e) => inv.events.push(e),
                Record::Ticket(t) => inv.tickets.push(t),
                Record::ResetRight(r) => inv.reset_rights.push(r),
            }
        }
        inv.hosts
            .sort_by(|a, b| (&a.name, &a.root, &a.evidence).cmp(&(&b.name, &b.root, &b.evidence)));
        inv.hosts
            .dedup_by(|a, b| a.name == b.name && a.root == b.root);
        let observed = merge::Observed::from_hosts(&inv.hosts);
        let mut notes = Vec::new();
        inv.accounts = merge::accounts(accounts, &observed, &mut notes);
        inv.credentials = merge::credentials(credentials, &observed, &mut notes);
        inv.memberships.sort();
        inv.memberships.dedup();
        inv.sudo_grants.sort();
        inv.sudo_grants.dedup();
        inv.trusts.sort();
        inv.trusts.dedup();
        inv.events.sort();
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
        // Accounts are sorted by system: each system's map is built from one run.
        for run in inv.accounts.chunk_by(|a, b| a.system == b.system) {
            let names = run.len() + run.iter().map(|a| a.aliases.len()).sum::<usize>();
            inv.by_login
                .entry(run[0].system.clone())
                .or_insert_with(|| HashMap::with_capacity(names));
        }
        for (i, a) in inv.accounts.iter().enumerate() {
            if let Some(m) = inv.by_login.get_mut(&a.system) {
                m.insert(a.login.clone(), i);
            }
        }
        // Other names of an account in its system (an Okta user id, an Entra object id, an ARN)
        // find it too, unless they name an account of their own.
        for (i, a) in inv.accounts.iter().enumerate() {
            if let Some(m) = inv.by_login.get_mut(&a.system) {
                for alias in &a.aliases {
                    m.entry(alias.clone()).or_insert(i);
                }
            }
        }
        (inv, notes)
    }

    /// The account `login` on `system`.
    pub fn account(&self, system: &str, login: &str) -> Option<usize> {
        self.by_login.get(system)?.get(login).copied()
    }
}
