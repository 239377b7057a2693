//! Lookups several rules need over the same scan, each built once, on first use, and shared by
//! every rule of the evaluation (`rule::Context` holds them): the account an audit event names
//! (`AccountIndex`), the events of each account and of each credential, the systems that have
//! an audit log, and the credentials each identity answers for.
//!
//! Each lookup lists its items in inventory order, so a rule that walks one sees the same items
//! in the same order as a walk over the whole inventory that skips the others.

use super::ledger::AccountIndex;
use crate::rule::Context;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::OnceLock;

/// The lazily built lookups of one evaluation. It borrows nothing, so `Context` stays covariant
/// in its lifetime.
#[derive(Default)]
pub struct Shared {
    accounts: OnceLock<AccountIndex>,
    events_of_account: OnceLock<Vec<Vec<u32>>>,
    event_systems: OnceLock<HashSet<String>>,
    events_of_credential: OnceLock<HashMap<String, Vec<u32>>>,
    credentials_of_identity: OnceLock<Vec<Vec<u32>>>,
    privileged_memberships: OnceLock<HashMap<(String, String), Vec<u32>>>,
}

impl Context<'_> {
    /// The account an event names (`AccountIndex::find`), built once a scan.
    pub(crate) fn account_index(&self) -> &AccountIndex {
        self.shared
            .accounts
            .get_or_init(|| AccountIndex::new(self.inventory))
    }

    /// Indices into `inventory.events` of the events whose system and target name `account`
    /// (as `AccountIndex::find_event` resolves them), in event order.
    pub(crate) fn events_of_account(&self, account: usize) -> &[u32] {
        let all = self.shared.events_of_account.get_or_init(|| {
            let index = self.account_index();
            let inv = self.inventory;
            let mut out = vec![Vec::new(); inv.accounts.len()];
            for (ei, e) in inv.events.iter().enumerate() {
                if let Some(ai) = index.find_event(inv, e) {
                    out[ai].push(ei as u32);
                }
            }
            out
        });
        all.get(account).map_or(&[], Vec::as_slice)
    }

    /// Whether some audit event of `system` is in the inventory.
    pub(crate) fn has_events_of(&self, system: &str) -> bool {
        self.shared
            .event_systems
            .get_or_init(|| {
                let mut set = HashSet::new();
                for e in &self.inventory.events {
                    if !set.contains(e.system.as_str()) {
                        set.insert(e.system.clone());
                    }
                }
                set
            })
            .contains(system)
    }

    /// Indices into `inventory.events` of the events that name `credential` (by id), in event
    /// order.
    pub(crate) fn events_of_credential(&self, credential: &str) -> &[u32] {
        self.shared
            .events_of_credential
            .get_or_init(|| {
                let mut map: HashMap<String, Vec<u32>> = HashMap::new();
                for (ei, e) in self.inventory.events.iter().enumerate() {
                    if let Some(id) = e.credential.as_deref() {
                        match map.get_mut(id) {
                            Some(list) => list.push(ei as u32),
                            None => {
                                map.insert(id.to_string(), vec![ei as u32]);
                            }
                        }
                    }
                }
                map
            })
            .get(credential)
            .map_or(&[], Vec::as_slice)
    }

    /// Indices into `inventory.memberships` of the memberships of `member` on `system` that
    /// grant a privilege (`Membership::grants`), in membership order.
    pub(crate) fn privileged_memberships(&self, system: &str, member: &str) -> &[u32] {
        self.shared
            .privileged_memberships
            .get_or_init(|| {
                let mut map: HashMap<(String, String), Vec<u32>> = HashMap::new();
                for (mi, m) in self.inventory.memberships.iter().enumerate() {
                    if m.grants.is_some() {
                        map.entry((m.system.clone(), m.member.clone()))
                            .or_default()
                            .push(mi as u32);
                    }
                }
                map
            })
            .get(&(system.to_string(), member.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Indices into `inventory.credentials` of the credentials `identity` answers for (owns or
    /// is responsible for, as `answerable` resolves them), in credential order.
    pub(crate) fn credentials_of_identity(&self, identity: usize) -> &[u32] {
        let all = self.shared.credentials_of_identity.get_or_init(|| {
            let (inv, corr) = (self.inventory, self.correlation);
            let mut out: Vec<Vec<u32>> = vec![Vec::new(); corr.identities.len()];
            for (ci, c) in inv.credentials.iter().enumerate() {
                for o in c.owner.iter().chain(&c.responsible) {
                    if let Some(i) = corr.owner_identity_index(inv, o) {
                        if out[i].last() != Some(&(ci as u32)) {
                            out[i].push(ci as u32);
                        }
                    }
                }
            }
            out
        });
        all.get(identity).map_or(&[], Vec::as_slice)
    }
}
