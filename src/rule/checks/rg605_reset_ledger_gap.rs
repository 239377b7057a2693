//! RG605 reset-ledger-gap: a reset one record shows and the log that should hold it does not
//! (issue 12).
//!
//! - The directory's password time moved (an AD user's `pwdLastSet`, not the initial password)
//!   inside the window an exported Security log covers, and no successful 4723/4724 (or other
//!   password-setting event) for that account is in the log within the clock tolerance: a
//!   warning. The window of a system's log runs from its earliest to its latest exported event;
//!   a reset outside the window, but within [`NEAR_DAYS`] of it, is a note (not provable).
//! - A reset recorded by a cloud system (Entra, Okta, Google) for an account synchronised from
//!   the directory (`synced_from`), whose on-premises account shows no reset in the directory's
//!   log around it (within [`MATCH_MINUTES`]) while that log covers the time: a warning.
//! - A directory whose resets cannot be logged at all: User Account Management not audited for
//!   successes on a domain controller or in a GPO (the settings RG401 reads), while the directory
//!   records resets in the last [`NEAR_DAYS`]: one warning per setting, naming the resets.
//!
//! Events of one system are one log: a reset processed by a domain controller whose log was not
//! exported is missing from it, so messages name the computers whose logs were read.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::{Event, Outcome};
use crate::inventory::{
    when::format_day, Account, DirectoryObject, Evidence, SourceKind,
};
use crate::rule::Context;
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// How far outside a log's window a directory reset is still worth a note, and how far back the
/// logging-off finding looks.
pub const NEAR_DAYS: i64 = 30;
/// How far apart a cloud reset and its directory event may be (Entra Connect writeback, sync).
pub const MATCH_MINUTES: i64 = 15;

/// What one system's exported log covers.
struct Window {
    first: Timestamp,
    last: Timestamp,
    /// The computers whose logs these are (the `Computer/RecordID` event ids).
    computers: BTreeSet<String>,
    evidence: Evidence,
}

impl Window {
    fn covers(&self, t: Timestamp) -> bool {
        self.first <= t && t <= self.last
    }
    fn describe(&self) -> String {
        let from = if self.computers.is_empty() {
            String::new()
        } else {
            format!(
                ", read from {}",
                self.computers.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        };
        format!(
            "{} to {}{from}",
            super::rg607_tier0_rotation_missing::instant(self.first),
            super::rg607_tier0_rotation_missing::instant(self.last)
        )
    }
}

fn directory_user(a: &Account) -> bool {
    a.source == SourceKind::ActiveDirectory
        && a.directory
            .as_deref()
            .is_some_and(|d| d.object == DirectoryObject::User)
}

/// The directory's recorded reset of an account: its password time, unless it is the initial one.
fn recorded_reset(a: &Account) -> Option<Timestamp> {
    if a.password_is_initial() {
        return None;
    }
    a.password_last_set.known()
}

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    let mut windows: BTreeMap<(SourceKind, String), Window> = BTreeMap::new();
    // Successful password-setting events by account.
    let mut resets: BTreeMap<usize, Vec<(Timestamp, &Event)>> = BTreeMap::new();
    for (ei, e) in inv.events.iter().enumerate() {
        let Some(at) = e.at.known() else { continue };
        let w = windows
            .entry((e.source, e.system.to_lowercase()))
            .or_insert_with(|| Window {
                first: at,
                last: at,
                computers: BTreeSet::new(),
                evidence: e.evidence.clone(),
            });
        w.first = w.first.min(at);
        w.last = w.last.max(at);
        if e.source == SourceKind::ActiveDirectory {
            if let Some((computer, _)) = e.event_id.as_deref().and_then(|id| id.rsplit_once('/')) {
                w.computers.insert(computer.to_string());
            }
        }
        if e.kind.sets_password() && e.outcome == Outcome::Success {
            if let Some(i) = ctx.event_account(ei) {
                resets.entry(i).or_default().push((at, e));
            }
        }
    }
    let logged_near = |i: usize, t: Timestamp, within: i64| {
        resets
            .get(&i)
            .is_some_and(|list| list.iter().any(|(at, _)| (at.as_second() - t.as_second()).abs() <= within))
    };

    // The directory moved; the log does not show it.
    for (i, a) in inv.accounts.iter().enumerate() {
        if !directory_user(a) {
            continue;
        }
        let (Some(p), Some(w)) = (
            recorded_reset(a),
            windows.get(&(SourceKind::ActiveDirectory, a.system.to_lowercase())),
        ) else {
            continue;
        };
        if logged_near(i, p, skew + 60) {
            continue;
        }
        let evidence = a
            .password_evidence
            .clone()
            .unwrap_or_else(|| a.evidence.clone());
        let near = NEAR_DAYS * 86_400;
        let (level, message) = if w.covers(p) {
            (
                Level::Warning,
                format!(
                    "{} in {} had its password set {} (pwdLastSet), inside the exported Security log ({}), but the log has no 4723 or 4724 for it: who reset it, and on whose authority, is not on record. Export the Security log of every domain controller, or find why the event is missing.",
                    a.login,
                    a.system,
                    super::rg607_tier0_rotation_missing::instant(p),
                    w.describe()
                ),
            )
        } else if p.as_second() > w.first.as_second() - near && p.as_second() < w.last.as_second() + near {
            (
                Level::Note,
                format!(
                    "{} in {} had its password set {} (pwdLastSet), outside the exported Security log ({}): the reset cannot be proven or disproven from the logs given.",
                    a.login,
                    a.system,
                    super::rg607_tier0_rotation_missing::instant(p),
                    w.describe()
                ),
            )
        } else {
            continue;
        };
        out.push(
            out.finding(
                level,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                evidence,
                message,
            )
            .account(&a.login)
            .related(w.evidence.clone(), "the exported Security log"),
        );
    }

    // A cloud reset of a synchronised account with no directory event.
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    for (ei, e) in inv.events.iter().enumerate().rev() {
        if !e.kind.sets_password()
            || e.outcome != Outcome::Success
            || !matches!(e.source, SourceKind::EntraId | SourceKind::Okta | SourceKind::GoogleWorkspace)
        {
            continue;
        }
        let (Some(at), Some(i)) = (e.at.known(), ctx.event_account(ei)) else {
            continue;
        };
        let cloud = &inv.accounts[i];
        if cloud.synced_from.is_none() || !seen.insert(i) {
            continue;
        }
        let identity = ctx.correlation.identity_of(i);
        for &j in &identity.accounts {
            let a = &inv.accounts[j];
            if !directory_user(a) {
                continue;
            }
            let Some(w) = windows.get(&(SourceKind::ActiveDirectory, a.system.to_lowercase())) else {
                continue;
            };
            let within = MATCH_MINUTES * 60;
            if !w.covers(at) || logged_near(j, at, within) {
                continue;
            }
            let pwd = recorded_reset(a).filter(|p| (p.as_second() - at.as_second()).abs() <= within);
            let message = format!(
                "{} in {} was reset at {} ({}), but its on-premises account {} in {} (the system of record it is synchronised from) shows no reset in the directory's Security log ({}){}: the cloud and the directory disagree on whether, and when, the password changed.",
                cloud.login,
                cloud.system,
                super::rg607_tier0_rotation_missing::instant(at),
                e.action,
                a.login,
                a.system,
                w.describe(),
                if pwd.is_some() { ", though its pwdLastSet moved then" } else { ", and its pwdLastSet did not move then" },
            );
            out.push(
                out.finding(
                    Level::Warning,
                    Subject::Account {
                        system: &cloud.system,
                        login: &cloud.login,
                    },
                    e.evidence.clone(),
                    message,
                )
                .account(&cloud.login)
                .related(a.evidence.clone(), format!("{}'s directory entry", a.login))
                .related(w.evidence.clone(), "the exported Security log"),
            );
        }
    }

    // Resets a directory records while its controllers do not audit them.
    let domain_controllers: BTreeSet<String> = inv
        .accounts
        .iter()
        .filter(|a| {
            a.directory
                .as_deref()
                .is_some_and(|d| d.object == DirectoryObject::DomainController)
        })
        .map(|a| a.login.trim_end_matches('$').to_ascii_uppercase())
        .collect();
    let since = ctx.options.as_of.as_second() - NEAR_DAYS * 86_400;
    let mut recent: Vec<(Timestamp, &Account)> = inv
        .accounts
        .iter()
        .filter(|a| directory_user(a))
        .filter_map(|a| Some((recorded_reset(a)?, a)))
        .filter(|(t, _)| t.as_second() >= since && t.as_second() <= ctx.options.as_of.as_second())
        .collect();
    recent.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.login.cmp(&y.1.login)));
    if recent.is_empty() {
        return;
    }
    for s in inv.settings.iter().filter(|s| {
        s.component == "windows-audit"
            && s.key == "user-account-management"
            && !s.value.contains("success")
    }) {
        let Some(ev) = &s.evidence else { continue };
        let dc = domain_controllers.contains(&s.system.to_ascii_uppercase());
        if !(dc || s.system.starts_with("gpo:")) {
            continue;
        }
        let names: Vec<String> = recent
            .iter()
            .take(5)
            .map(|(t, a)| format!("{} ({})", a.login, format_day(*t)))
            .collect();
        let more = recent.len().saturating_sub(5);
        let place = if dc {
            format!("Domain controller {}", s.system)
        } else {
            format!("Group Policy {} (the computers in its scope)", s.system.trim_start_matches("gpo:"))
        };
        let message = format!(
            "{place} does not audit successes of User Account Management (setting: {}), and the directory records {} password reset{} in the last {NEAR_DAYS} days: {}{}. None of them can be proven from a Security log: who reset them, and when, is not on record.",
            s.value,
            recent.len(),
            if recent.len() == 1 { "" } else { "s" },
            names.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() },
        );
        let mut f = out
            .finding(
                Level::Warning,
                Subject::Setting {
                    host: &s.system,
                    setting: "windows-audit:user-account-management",
                    scope: "reset-ledger",
                },
                ev.clone(),
                message,
            )
            .host(Some(&s.system));
        for (_, a) in recent.iter().take(20) {
            f = f.related(
                a.password_evidence.clone().unwrap_or_else(|| a.evidence.clone()),
                format!("{}'s recorded reset", a.login),
            );
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    
    use crate::inventory::ledger::EventKind;
    use crate::inventory::{
        AccountKind, DirectoryAccount, DirectoryFlags, Laps, Record, When,
    };
    

    fn t(s: &str) -> When {
        When::parse_instant(s).unwrap()
    }

    fn user(login: &str, pwd: &str) -> Record {
        let mut a = Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            login,
            Evidence::at("directory.ldif", 1),
        );
        a.kind = AccountKind::Human;
        a.password_last_set = t(pwd);
        a.directory = Some(Box::new(DirectoryAccount {
            dn: format!("CN={login},DC=corp,DC=example,DC=test"),
            object: DirectoryObject::User,
            uac: Some(0x200),
            flags: DirectoryFlags::default(),
            pwd_last_set: t(pwd),
            must_change: false,
            password_changed: When::Unknown,
            pwd_last_set_written: When::Unknown,
            spns: vec![],
            admin_count: false,
            privileged_groups: vec![],
            last_logon: When::Unknown,
            laps: Laps::NotApplicable,
            readable_password_attributes: vec![],
            locked: false,
        }));
        Record::Account(a)
    }

    fn event(source: SourceKind, system: &str, target: &str, at: &str, id: &str) -> Record {
        Record::Event(Event {
            at: t(at),
            system: system.into(),
            source,
            kind: EventKind::PasswordReset,
            target: target.into(),
            actor: Some("helpdesk.kim".into()),
            outcome: Outcome::Success,
            action: "4724".into(),
            credential: None,
            detail: None,
            strong_auth: None,
            target_sid: None,
            event_id: Some(id.into()),
            evidence: Evidence::at("security.xml", 1),
        })
    }

    fn run(records: Vec<Record>) -> Vec<(Level, String)> {
        super::super::run_check("RG605", check, records, Timestamp::from_second(1_796_000_000).unwrap())
            .into_iter()
            .map(|f| (f.level, f.account.unwrap_or_default()))
            .collect()
    }

    const AD: SourceKind = SourceKind::ActiveDirectory;
    const DOMAIN: &str = "corp.example.test";

    #[test]
    fn directory_resets_inside_the_window_need_an_event() {
        let f = run(vec![
            user("dave", "2026-11-01T08:00:00Z"),
            user("alice", "2026-11-18T10:00:00Z"),
            user("bob", "2026-11-19T12:02:00Z"),
            user("carol", "2026-10-25T09:00:00Z"),
            user("old", "2026-01-01T09:00:00Z"),
            event(AD, DOMAIN, "dave", "2026-11-01T08:00:00Z", "DC01/1"),
            // Within the tolerance of bob's pwdLastSet.
            event(AD, DOMAIN, "BOB", "2026-11-19T12:00:00Z", "DC01/2"),
            event(AD, DOMAIN, "erin", "2026-11-25T16:00:00Z", "DC02/3"),
        ]);
        assert_eq!(
            f,
            [
                (Level::Warning, "alice".to_string()),
                (Level::Note, "carol".to_string())
            ]
        );
    }

    #[test]
    fn no_log_no_judgement_and_a_synced_cloud_reset_needs_a_directory_event() {
        // Without any exported log, nothing is judged here (coverage says not assessed).
        assert!(run(vec![user("alice", "2026-11-18T10:00:00Z")]).is_empty());

        let mut cloud = Account::new(
            SourceKind::EntraId,
            "entra:example.org",
            "alice@corp.example.test",
            Evidence::at("users.json", 4),
        );
        cloud.kind = AccountKind::Human;
        cloud.synced_from = Some("alice".into());
        let mut ad = user("alice", "2026-09-01T00:00:00Z");
        if let Record::Account(a) = &mut ad {
            a.aliases = vec!["alice@corp.example.test".into()];
        }
        let records = |with_ad_event: bool| {
            let mut r = vec![
                ad.clone(),
                Record::Account(cloud.clone()),
                event(AD, DOMAIN, "dave", "2026-11-01T08:00:00Z", "DC01/1"),
                event(AD, DOMAIN, "erin", "2026-11-25T16:00:00Z", "DC01/3"),
                event(
                    SourceKind::EntraId,
                    "entra:example.org",
                    "alice@corp.example.test",
                    "2026-11-18T10:00:00Z",
                    "Directory_1",
                ),
            ];
            if with_ad_event {
                r.push(event(AD, DOMAIN, "alice", "2026-11-18T10:04:00Z", "DC01/2"));
            }
            r
        };
        assert_eq!(
            run(records(false)),
            [(Level::Warning, "alice@corp.example.test".to_string())]
        );
        assert!(run(records(true)).is_empty());
    }
}
