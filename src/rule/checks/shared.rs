//! Lookups several rules need over the same scan, each built once, on first use, and shared by
//! every rule of the evaluation (`rule::Context` holds them): the account an audit event names
//! (`AccountIndex`), the events of each account and of each credential, the systems that have
//! an audit log, the credentials each identity answers for, and the tickets by the names they
//! are about.
//!
//! Each lookup lists its items in inventory order, so a rule that walks one sees the same items
//! in the same order as a walk over the whole inventory that skips the others.

use super::ledger::AccountIndex;
use super::ledger_people::names;
use crate::correlate::normalize_login;
use crate::inventory::{Credential, OwnerRef};
use crate::rule::Context;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::OnceLock;

/// The lazily built lookups of one evaluation. It borrows nothing, so `Context` stays covariant
/// in its lifetime. Each is built sequentially: rules run on rayon's pool, and a parallel
/// iterator inside `get_or_init` could steal another rule's job that waits on the same lock, on
/// the same thread, for ever.
#[derive(Default)]
pub struct Shared {
    accounts: OnceLock<AccountIndex>,
    events_of_account: OnceLock<Vec<Vec<u32>>>,
    event_systems: OnceLock<HashSet<String>>,
    events_of_credential: OnceLock<HashMap<String, Vec<u32>>>,
    credentials_of_identity: OnceLock<Vec<Vec<u32>>>,
    privileged_memberships: OnceLock<HashMap<(String, String), Vec<u32>>>,
    ticket_names: OnceLock<TicketNames>,
    credential_owners: OnceLock<Vec<OwnerSlot>>,
    event_accounts: OnceLock<Vec<u32>>,
}

/// Where a credential's `owner` resolves, as `Correlation::owner_identity_index` and
/// `checks::owner_login` resolve it: the owner's account on its system and the owner's identity
/// (`NONE` for neither). Rules ask this of every credential, several rules each.
#[derive(Clone, Copy)]
pub(crate) struct OwnerSlot {
    account: u32,
    identity: u32,
}

const NONE: u32 = u32::MAX;

impl OwnerSlot {
    fn of(ctx: &Context<'_>, owner: &OwnerRef) -> Self {
        let (account, identity) = ctx.correlation.resolve_owner(ctx.inventory, owner);
        let slot = |i: Option<usize>| i.and_then(|i| u32::try_from(i).ok()).unwrap_or(NONE);
        OwnerSlot {
            account: slot(account),
            identity: slot(identity),
        }
    }

    /// The owner's account (an index into `inventory.accounts`).
    pub(crate) fn account(self) -> Option<usize> {
        (self.account != NONE).then_some(self.account as usize)
    }

    /// The owner's identity (an index into `correlation.identities`).
    pub(crate) fn identity(self) -> Option<usize> {
        (self.identity != NONE).then_some(self.identity as usize)
    }
}

/// Indices into `inventory.tickets` by each name a ticket's account cell holds
/// (`ledger_people::names`): as written, normalised (`normalize_login`), and by the identity
/// that normalised name links to. `ledger_people::tickets_for` takes its candidates from here
/// instead of testing every ticket against every reset.
pub(crate) struct TicketNames {
    exact: HashMap<String, Vec<u32>>,
    normalized: HashMap<String, Vec<u32>>,
    identity: HashMap<usize, Vec<u32>>,
}

impl TicketNames {
    fn build(ctx: &Context<'_>) -> Self {
        let mut index = TicketNames {
            exact: HashMap::new(),
            normalized: HashMap::new(),
            identity: HashMap::new(),
        };
        fn add<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<u32>>, key: K, ticket: u32) {
            let list = map.entry(key).or_default();
            if list.last() != Some(&ticket) {
                list.push(ticket);
            }
        }
        for (ti, t) in ctx.inventory.tickets.iter().enumerate() {
            let ti = ti as u32;
            for name in t.account.as_deref().into_iter().flat_map(names) {
                add(&mut index.exact, name.to_string(), ti);
                let normalized = normalize_login(name);
                if normalized.is_empty() {
                    continue;
                }
                if let Some(identity) = ctx.correlation.identity_of_key(&normalized) {
                    add(&mut index.identity, identity, ti);
                }
                add(&mut index.normalized, normalized, ti);
            }
        }
        index
    }

    /// Tickets naming exactly `name` (a login or alias as its account spells it).
    pub(crate) fn exact(&self, name: &str) -> &[u32] {
        self.exact.get(name).map_or(&[], Vec::as_slice)
    }

    /// Tickets naming someone whose normalised login is `normalized`.
    pub(crate) fn normalized(&self, normalized: &str) -> &[u32] {
        self.normalized.get(normalized).map_or(&[], Vec::as_slice)
    }

    /// Tickets naming someone whose normalised login links to `identity`.
    pub(crate) fn identity(&self, identity: usize) -> &[u32] {
        self.identity.get(&identity).map_or(&[], Vec::as_slice)
    }
}

impl Context<'_> {
    /// The account an event names (`AccountIndex::find`), built once a scan, for
    /// `event_account`.
    fn account_index(&self) -> &AccountIndex {
        self.shared
            .accounts
            .get_or_init(|| AccountIndex::new(self.inventory))
    }

    /// Indices into `inventory.events` of the events whose system and target name `account`
    /// (as `AccountIndex::find_event` resolves them), in event order.
    pub(crate) fn events_of_account(&self, account: usize) -> &[u32] {
        let all = self.shared.events_of_account.get_or_init(|| {
            let inv = self.inventory;
            let mut out = vec![Vec::new(); inv.accounts.len()];
            for ei in 0..inv.events.len() {
                if let Some(ai) = self.event_account(ei) {
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
                    if let Some(i) = self.owner_slot(c, o).identity() {
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

    /// The tickets by the names they are about (`TicketNames`), built once a scan.
    pub(crate) fn ticket_names(&self) -> &TicketNames {
        self.shared
            .ticket_names
            .get_or_init(|| TicketNames::build(self))
    }

    /// The position of `c` in `inventory.credentials`, found by its address: `None` for a
    /// credential that is not one of the inventory's (a copy).
    fn credential_position(&self, c: &Credential) -> Option<usize> {
        let size = std::mem::size_of::<Credential>();
        let base = self.inventory.credentials.as_ptr() as usize;
        let offset = (c as *const Credential as usize).checked_sub(base)?;
        let i = offset / size;
        (offset % size == 0 && i < self.inventory.credentials.len()).then_some(i)
    }

    /// Where the owner reference `owner` of credential `c` resolves (`OwnerSlot`). The
    /// credential's own `owner` is resolved once a scan, for every credential at once.
    pub(crate) fn owner_slot(&self, c: &Credential, owner: &OwnerRef) -> OwnerSlot {
        let own = c.owner.as_ref().is_some_and(|o| std::ptr::eq(o, owner));
        match self.credential_position(c) {
            Some(i) if own => self.shared.credential_owners.get_or_init(|| {
                self.inventory
                    .credentials
                    .iter()
                    .map(|c| {
                        c.owner.as_ref().map_or(
                            OwnerSlot {
                                account: NONE,
                                identity: NONE,
                            },
                            |o| OwnerSlot::of(self, o),
                        )
                    })
                    .collect()
            })[i],
            _ => OwnerSlot::of(self, owner),
        }
    }

    /// The account event `event` (an index into `inventory.events`) names, as
    /// `AccountIndex::find_event` finds it; resolved once a scan, for every event at once.
    pub(crate) fn event_account(&self, event: usize) -> Option<usize> {
        let all = self.shared.event_accounts.get_or_init(|| {
            let inv = self.inventory;
            if inv.events.is_empty() {
                // Nothing to resolve: the index of every account is not built.
                return Vec::new();
            }
            let index = self.account_index();
            inv.events
                .iter()
                .map(|e| {
                    index
                        .find_event(inv, e)
                        .and_then(|i| u32::try_from(i).ok())
                        .unwrap_or(NONE)
                })
                .collect()
        });
        all.get(event).filter(|&&i| i != NONE).map(|&i| i as usize)
    }

    /// The system and login of the account event `event` names, as the inventory spells them
    /// (a renamed account's current name), else as the event names it
    /// (`AccountIndex::target_of`, resolved once a scan).
    pub(crate) fn event_target(&self, event: usize) -> (&str, &str) {
        let inv = self.inventory;
        match self.event_account(event) {
            Some(i) => (&inv.accounts[i].system, &inv.accounts[i].login),
            None => (&inv.events[event].system, &inv.events[event].target),
        }
    }
}
