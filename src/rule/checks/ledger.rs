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
    folded: HashMap<(String, String), usize>,
    by_sid: HashMap<String, usize>,
}

impl AccountIndex {
    pub fn new(inv: &Inventory) -> Self {
        let mut folded = HashMap::with_capacity(inv.accounts.len());
        let mut by_sid = HashMap::new();
        for (i, a) in inv.accounts.iter().enumerate() {
            folded
                .entry((a.system.to_lowercase(), a.login.to_lowercase()))
                .or_insert(i);
            if let Some(sid) = &a.sid {
                by_sid.entry(sid.to_ascii_uppercase()).or_insert(i);
            }
        }
        for (i, a) in inv.accounts.iter().enumerate() {
            for alias in &a.aliases {
                folded
                    .entry((a.system.to_lowercase(), alias.to_lowercase()))
                    .or_insert(i);
            }
        }
        AccountIndex { folded, by_sid }
    }

    pub fn find(&self, inv: &Inventory, system: &str, login: &str) -> Option<usize> {
        inv.account(system, login).or_else(|| {
            self.folded
                .get(&(system.to_lowercase(), login.to_lowercase()))
                .copied()
        })
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

    /// The system and login of the account an event is about, as the inventory spells them
    /// (a renamed account's current name), else as the event names it.
    pub fn target_of<'a>(&self, inv: &'a Inventory, e: &'a Event) -> (&'a str, &'a str) {
        match self.find_event(inv, e) {
            Some(i) => (&inv.accounts[i].system, &inv.accounts[i].login),
            None => (&e.system, &e.target),
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
        assert_eq!(
            index.target_of(&inv, &renamed),
            ("corp.example.test", "m.okafor-adm")
        );
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
        assert_eq!(
            index.target_of(&inv, &foreign),
            ("corp.example.test", "m.okafor")
        );
        // No SID in the event, or none on the account: by name.
        assert_eq!(login(&ev("M.OKAFOR", None)), Some("m.okafor"));
        assert_eq!(
            login(&ev("t.berg", Some(&format!("{CORP}-1311")))),
            Some("t.berg")
        );
        assert_eq!(login(&ev("nobody", Some(&format!("{CORP}-9999")))), None);
    }
}
