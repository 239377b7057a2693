//! Helpers shared by the reset-ledger rules (RG603, RG604): each identity's latest recorded
//! reset (from audit-log `Event`s, not from password timestamps), the account an event is about,
//! and how long after a reset something happened, for messages.
//!
//! A reset is a successful event that sets a password (`EventKind::sets_password`) on an account
//! of the inventory. One reset is often logged several times (Entra writes "Reset user password"
//! and "Reset password (by admin)"; a domain controller writes 4724 and 4738; Entra Connect
//! carries an AD reset to Entra minutes later): events of one identity within [`BURST`] of the
//! first count as one reset, timed by the first.

use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::store::name_of;
use crate::inventory::Inventory;
use crate::rule::Context;
use foldhash::{HashMap, HashMapExt};
use jiff::Timestamp;

/// Resets of one identity this close together are one reset.
pub const BURST_SECONDS: i64 = 15 * 60;

/// An identity's latest recorded reset.
pub struct LedgerReset<'a> {
    pub identity: usize,
    /// The account reset (the first event's target).
    pub account: usize,
    /// The first event of the burst: its time is the reset's.
    pub event: &'a Event,
    pub at: Timestamp,
    /// The other events of the burst.
    pub also: Vec<&'a Event>,
}

/// Finds the inventory account an event names: by the event's `target_sid` first (the
/// account whose `sid` it is, whatever the name the log wrote), then by system and login (or
/// alias), exactly, else ignoring case (Windows and Entra logins are case-insensitive). An event
/// whose SID is not the SID of the account its name finds is not that account's (the same login
/// in another domain).
pub struct AccountIndex {
    /// Each case-folded `(system, name)` once, with the first account that has it as its login
    /// (logins before aliases): the account and which of its names (0 the login, `n` alias
    /// `n - 1`). Keys are hashed from the folded text without building it (ASCII, the common
    /// case) and compared against the accounts' own strings, so no string is allocated per
    /// account.
    folded: hashbrown::HashTable<(u32, u32)>,
    hasher: foldhash::fast::FixedState,
    by_sid: HashMap<String, usize>,
}

/// The name `n` of account `a`: its login (0) or alias `n - 1`.
/// Whether two strings are equal once lowercased (`str::to_lowercase`, Unicode's full mapping).
fn folded_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Hashes `text` lowercased, in 64-byte chunks of the folded bytes, so the same folded text
/// hashes the same whether it was ASCII or folded from other characters.
fn hash_folded(h: &mut impl std::hash::Hasher, text: &str) {
    if text.is_ascii() {
        let mut buf = [0u8; 64];
        let bytes = text.as_bytes();
        for chunk in bytes.chunks(64) {
            let out = &mut buf[..chunk.len()];
            out.copy_from_slice(chunk);
            out.make_ascii_lowercase();
            h.write(out);
        }
        h.write_usize(bytes.len());
    } else {
        let folded = text.to_lowercase();
        for chunk in folded.as_bytes().chunks(64) {
            h.write(chunk);
        }
        h.write_usize(folded.len());
    }
}

/// The hash of `(system, name)` folded, the key of `AccountIndex::folded`.
fn folded_hash(state: &foldhash::fast::FixedState, system: &str, name: &str) -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = state.build_hasher();
    hash_folded(&mut h, system);
    hash_folded(&mut h, name);
    h.finish()
}

impl AccountIndex {
    pub fn new(inv: &Inventory) -> Self {
        let hasher = foldhash::fast::FixedState::default();
        let mut index = AccountIndex {
            folded: hashbrown::HashTable::with_capacity(inv.accounts.len()),
            hasher,
            by_sid: HashMap::new(),
        };
        for (i, a) in inv.accounts.iter().enumerate() {
            index.insert(inv, i, 0);
            if let Some(sid) = &a.sid {
                index.by_sid.entry(sid.to_ascii_uppercase()).or_insert(i);
            }
        }
        for (i, a) in inv.accounts.iter().enumerate() {
            for n in 1..=a.aliases.len() {
                index.insert(inv, i, n as u32);
            }
        }
        index
    }

    /// Keeps account `i`'s name `n` unless an earlier account has it.
    fn insert(&mut self, inv: &Inventory, i: usize, n: u32) {
        let Ok(account) = u32::try_from(i) else {
            return;
        };
        let a = &inv.accounts[i];
        let name = name_of(a, n);
        let state = self.hasher.clone();
        let key = |&(j, m): &(u32, u32)| {
            let b = &inv.accounts[j as usize];
            (b.system.as_str(), name_of(b, m))
        };
        let hash = folded_hash(&state, &a.system, name);
        let same = |entry: &(u32, u32)| {
            let (system, other) = key(entry);
            folded_eq(system, &a.system) && folded_eq(other, name)
        };
        if self.folded.find(hash, same).is_none() {
            self.folded.insert_unique(hash, (account, n), |entry| {
                let (system, other) = key(entry);
                folded_hash(&state, system, other)
            });
        }
    }

    /// The first account whose login (else alias) on `system` is `name` ignoring case.
    fn find_folded(&self, inv: &Inventory, system: &str, name: &str) -> Option<usize> {
        let hash = folded_hash(&self.hasher, system, name);
        self.folded
            .find(hash, |&(j, m)| {
                let b = &inv.accounts[j as usize];
                folded_eq(&b.system, system) && folded_eq(name_of(b, m), name)
            })
            .map(|&(j, _)| j as usize)
    }

    pub fn find(&self, inv: &Inventory, system: &str, login: &str) -> Option<usize> {
        inv.account(system, login)
            .or_else(|| self.find_folded(inv, system, login))
    }

    /// The account an event is about: by `target_sid`, then by name (see the type).
    pub fn find_event(&self, inv: &Inventory, e: &Event) -> Option<usize> {
        let sid = e.target_sid.as_deref().map(str::to_ascii_uppercase);
        if let Some(&i) = sid.as_ref().and_then(|s| self.by_sid.get(s)) {
            return Some(i);
        }
        let i = self.find(inv, &e.system, &e.target)?;
        match (&sid, &inv.accounts[i].sid) {
            (Some(theirs), Some(ours)) if !theirs.eq_ignore_ascii_case(ours) => None,
            _ => Some(i),
        }
    }
}

/// Each identity's latest recorded reset, in identity order.
pub fn latest_resets<'a>(ctx: &'a Context<'_>) -> Vec<LedgerReset<'a>> {
    let inv = ctx.inventory;
    // Per identity, its reset events in time order (`inventory.events` is sorted by time).
    let mut by_identity: HashMap<usize, Vec<(&Event, usize, Timestamp)>> = HashMap::new();
    for (ei, e) in inv.events.iter().enumerate() {
        if !e.kind.sets_password() || e.outcome != Outcome::Success {
            continue;
        }
        let (Some(at), Some(account)) = (e.at.known(), ctx.event_account(ei)) else {
            continue;
        };
        let Some(&identity) = ctx.correlation.of_account.get(account) else {
            continue;
        };
        if identity == usize::MAX {
            continue;
        }
        by_identity
            .entry(identity)
            .or_default()
            .push((e, account, at));
    }
    let mut out: Vec<LedgerReset<'a>> = by_identity
        .into_iter()
        .filter_map(|(identity, events)| {
            // The start of the last burst: walk back while the gap to the previous is short.
            let mut start = events.len().checked_sub(1)?;
            while start > 0
                && events[start].2.as_second() - events[start - 1].2.as_second() <= BURST_SECONDS
            {
                start -= 1;
            }
            let (event, account, at) = events[start];
            Some(LedgerReset {
                identity,
                account,
                event,
                at,
                also: events[start + 1..].iter().map(|(e, _, _)| *e).collect(),
            })
        })
        .collect();
    out.sort_by_key(|r| r.identity);
    out
}

/// Whether an event is the given kind, succeeded, and is about `account`.
pub fn event_on<'a>(
    ctx: &'a Context<'_>,
    kind: EventKind,
    account: usize,
) -> impl Iterator<Item = (&'a Event, Timestamp)> + 'a {
    ctx.events_of_account(account)
        .iter()
        .filter_map(move |&ei| {
            let e = &ctx.inventory.events[ei as usize];
            (e.kind == kind && e.outcome == Outcome::Success).then_some(())?;
            Some((e, e.at.known()?))
        })
}

/// A duration for prose: `40 min`, `3 h 10 min`, `2 d 4 h`.
pub fn span(seconds: i64) -> String {
    let m = seconds.max(0) / 60;
    let (d, h, m) = (m / 1440, (m / 60) % 24, m % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) if m == 0 => format!("{h} h"),
        (0, _) => format!("{h} h {m} min"),
        _ if h == 0 => format!("{d} d"),
        _ => format!("{d} d {h} h"),
    }
}

/// The description of a reset for messages: "password reset of m.okafor on corp.example.test at
/// 2026-08-03T14:22:51Z by helpdesk.kim (4724)".
pub fn describe(r: &LedgerReset<'_>) -> String {
    let e = r.event;
    let by = match &e.actor {
        Some(a) if !a.eq_ignore_ascii_case(&e.target) => format!(" by {a}"),
        _ => String::new(),
    };
    format!(
        "{} of {} on {} at {}{by} ({})",
        e.kind.describe(),
        e.target,
        e.system,
        crate::inventory::when::format_instant(r.at),
        e.action
    )
}

/// Whether `events[i]` repeats an earlier event of the same reset: the same kind on the same
/// account by the same actor within [`BURST_SECONDS`] (Entra logs an admin reset as "Reset user
/// password" and "Reset password (by admin)"). `events` is the inventory's, sorted by time.
pub fn is_echo(events: &[Event], i: usize) -> bool {
    let e = &events[i];
    let Some(at) = e.at.known() else {
        return false;
    };
    events[..i]
        .iter()
        .rev()
        .take_while(|p| {
            p.at.known()
                .is_some_and(|t| at.as_second() - t.as_second() <= BURST_SECONDS)
        })
        .any(|p| {
            p.kind == e.kind
                && p.outcome == e.outcome
                && p.system == e.system
                && p.target.eq_ignore_ascii_case(&e.target)
                && p.actor.as_deref().map(str::to_lowercase)
                    == e.actor.as_deref().map(str::to_lowercase)
        })
}

/// The first successful removal of credential `credential` at or after `since` (Unix seconds):
/// a deletion, or an update that made it inactive (AWS `UpdateAccessKey --status Inactive`),
/// with its time. One definition for RG603 and the closure report, through the per-scan index
/// of events by credential.
pub fn first_removal<'a>(
    ctx: &'a Context<'_>,
    credential: &str,
    since: i64,
) -> Option<(&'a Event, Timestamp)> {
    ctx.events_of_credential(credential)
        .iter()
        .map(|&ei| &ctx.inventory.events[ei as usize])
        .filter(|e| {
            e.outcome == Outcome::Success
                && e.credential.as_deref() == Some(credential)
                && (e.kind == EventKind::CredentialDeleted
                    || (e.kind == EventKind::CredentialUpdated
                        && e.detail
                            .as_deref()
                            .is_some_and(|d| d.to_ascii_lowercase().contains("inactive"))))
        })
        .filter_map(|e| Some((e, e.at.known()?)))
        .filter(|(_, t)| t.as_second() >= since)
        .min_by_key(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(59), "0 min");
        assert_eq!(span(40 * 60), "40 min");
        assert_eq!(span(3 * 3600), "3 h");
        assert_eq!(span(3 * 3600 + 600), "3 h 10 min");
        assert_eq!(span(2 * 86400 + 4 * 3600 + 59), "2 d 4 h");
        assert_eq!(span(86400), "1 d");
        assert_eq!(span(-5), "0 min");
    }

    #[test]
    fn the_second_record_of_one_entra_reset_is_an_echo() {
        use super::is_echo;
        use crate::inventory::ledger::{Event, EventKind, Outcome};
        use crate::inventory::{Evidence, SourceKind, When};
        let ev = |at: &str, action: &str, actor: &str| Event {
            at: When::parse_instant(at).unwrap(),
            system: "entra:example.org".into(),
            source: SourceKind::EntraId,
            kind: EventKind::PasswordReset,
            target: "m.okafor@example.org".into(),
            actor: Some(actor.into()),
            outcome: Outcome::Success,
            action: action.into(),
            credential: None,
            detail: None,
            strong_auth: None,
            target_sid: None,
            event_id: None,
            evidence: Evidence::at("audits.json", 1),
        };
        let events = [
            ev(
                "2026-08-05T10:00:00Z",
                "Reset user password",
                "hd1@example.org",
            ),
            ev(
                "2026-08-05T10:00:02Z",
                "Reset password (by admin)",
                "HD1@example.org",
            ),
            ev(
                "2026-08-05T10:05:00Z",
                "Reset user password",
                "hd2@example.org",
            ),
            ev(
                "2026-08-05T11:00:00Z",
                "Reset user password",
                "hd1@example.org",
            ),
        ];
        let echoes: Vec<bool> = (0..events.len()).map(|i| is_echo(&events, i)).collect();
        assert_eq!(echoes, [false, true, false, false]);
    }

    /// The index answers as the map of `to_lowercase` strings it replaced: first account wins,
    /// logins before aliases, Unicode case folding (the Kelvin sign folds to ASCII `k`, a final
    /// sigma), names longer than the 64-byte hashing chunk.
    #[test]
    fn folded_lookups_answer_as_lowercased_strings_do() {
        use super::AccountIndex;
        use crate::inventory::{Account, Evidence, Inventory, Record, SourceKind};
        let long = format!("{}Svc", "a".repeat(70));
        let accounts: Vec<(&str, &str, Vec<&str>)> = vec![
            ("Corp", "Alice", vec!["alice@corp.example.test"]),
            ("corp", "ALICE", vec![]),
            ("corp", "bob", vec!["Alice"]),
            ("corp", "\u{212A}elvin", vec![]),
            ("corp", "ΟΔΥΣΣΕΥΣ", vec![]),
            ("corp", &long, vec!["İnci"]),
            ("other", "alice", vec![]),
        ];
        let records = accounts
            .iter()
            .enumerate()
            .map(|(i, (system, login, aliases))| {
                let mut a = Account::new(
                    SourceKind::EntraId,
                    system,
                    login,
                    Evidence::at("users.json", i as u32 + 1),
                );
                a.aliases = aliases.iter().map(|s| s.to_string()).collect();
                Record::Account(a)
            })
            .collect();
        let inv = Inventory::from_records(records);
        // The map the index replaced.
        let mut reference = std::collections::HashMap::new();
        for (i, a) in inv.accounts.iter().enumerate() {
            reference
                .entry((a.system.to_lowercase(), a.login.to_lowercase()))
                .or_insert(i);
        }
        for (i, a) in inv.accounts.iter().enumerate() {
            for alias in &a.aliases {
                reference
                    .entry((a.system.to_lowercase(), alias.to_lowercase()))
                    .or_insert(i);
            }
        }
        let index = AccountIndex::new(&inv);
        let queries = [
            ("CORP", "alice"),
            ("corp", "Alice@Corp.Example.Test"),
            ("corp", "kelvin"),
            ("corp", "KELVIN"),
            ("corp", "οδυσσευς"),
            ("corp", "ΟΔΥΣΣΕΥΣ"),
            ("corp", "odysseus"),
            ("corp", &long.to_uppercase()),
            ("corp", "i\u{307}nci"),
            ("corp", "inci"),
            ("OTHER", "Alice"),
            ("other", "bob"),
            ("", ""),
        ];
        let mut found = 0;
        for (system, name) in queries {
            let expected = reference
                .get(&(system.to_lowercase(), name.to_lowercase()))
                .copied();
            assert_eq!(
                index.find_folded(&inv, system, name),
                expected,
                "{system} {name}"
            );
            found += usize::from(expected.is_some());
        }
        assert_eq!(found, 9, "the queries cover found and missing names");
    }

    #[test]
    fn events_find_their_account_by_sid_first() {
        use super::AccountIndex;
        use crate::inventory::ledger::{Event, EventKind, Outcome};
        use crate::inventory::{Account, Evidence, Inventory, Record, SourceKind, When};
        const CORP: &str = "S-1-5-21-1004336348-1177238915-682003330";
        let acct = |system: &str, login: &str, sid: Option<String>, line: u32| {
            let mut a = Account::new(
                SourceKind::ActiveDirectory,
                system,
                login,
                Evidence::at("ad.ldif", line),
            );
            a.sid = sid;
            Record::Account(a)
        };
        let inv = Inventory::from_records(vec![
            // m.okafor was renamed m.okafor-adm after the event was logged.
            acct(
                "corp.example.test",
                "m.okafor-adm",
                Some(format!("{CORP}-1107")),
                1,
            ),
            // A new account took the old name.
            acct(
                "corp.example.test",
                "m.okafor",
                Some(format!("{CORP}-2290")),
                2,
            ),
            // An account without a SID (an export without objectSid).
            acct("corp.example.test", "t.berg", None, 3),
        ]);
        let ev = |target: &str, sid: Option<&str>| Event {
            at: When::parse_instant("2026-08-03T14:22:51Z").unwrap(),
            system: "corp.example.test".into(),
            source: SourceKind::ActiveDirectory,
            kind: EventKind::PasswordReset,
            target: target.into(),
            target_sid: sid.map(str::to_string),
            actor: None,
            outcome: Outcome::Success,
            action: "4724".into(),
            credential: None,
            detail: None,
            strong_auth: None,
            event_id: None,
            evidence: Evidence::at("e.xml", 1),
        };
        let index = AccountIndex::new(&inv);
        let login = |e: &Event| {
            index
                .find_event(&inv, e)
                .map(|i| inv.accounts[i].login.as_str())
        };
        // The old name and the renamed account's SID: the renamed account, not the namesake.
        let renamed = ev("m.okafor", Some(&format!("{CORP}-1107")));
        assert_eq!(login(&renamed), Some("m.okafor-adm"));
        // The SID is compared case-insensitively.
        assert_eq!(
            login(&ev("x", Some(&format!("s{}-1107", &CORP[1..])))),
            Some("m.okafor-adm")
        );
        // A SID of another domain: the account of the same name is not that account.
        let foreign = ev(
            "m.okafor",
            Some("S-1-5-21-3623811015-3361044348-30300820-1107"),
        );
        assert_eq!(login(&foreign), None);
        // No SID in the event, or none on the account: by name.
        assert_eq!(login(&ev("M.OKAFOR", None)), Some("m.okafor"));
        assert_eq!(
            login(&ev("t.berg", Some(&format!("{CORP}-1311")))),
            Some("t.berg")
        );
        assert_eq!(login(&ev("nobody", Some(&format!("{CORP}-9999")))), None);
    }
}
