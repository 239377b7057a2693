//! RG602 privileged-reset-without-step-up: a privileged (Tier-0) account's password reset by an
//! actor who is not privileged, or without strong authentication shown in the event.
//!
//! Privilege is decided as RG302 and RG204 decide it, across the identity (`ledger_people::privileged`).
//! Levels: error when the actor is not privileged or the event shows the actor did not
//! authenticate strongly (`strong_auth` false: CloudTrail `mfaAuthenticated` false, a call signed
//! with a long-term key); note when the event says nothing about strong authentication (Google
//! Reports, Vault) or does not name the actor, since step-up cannot be shown. Failed resets and
//! a user's own changes are not judged.

use super::ledger_people::{privileged, same_person};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::{EventKind, Outcome};
use crate::inventory::when::format_instant;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let events = &ctx.inventory.events;
    let index = super::ledger::AccountIndex::new(ctx.inventory);
    for (i, e) in events.iter().enumerate() {
        if super::ledger::is_echo(events, i) {
            continue;
        }
        if e.kind != EventKind::PasswordReset || e.outcome == Outcome::Failure {
            continue;
        }
        let Some(at) = e.at.known() else { continue };
        let actor = e.actor.as_deref().filter(|a| !a.is_empty());
        if actor.is_some_and(|a| same_person(ctx, &e.system, a, &e.target)) {
            continue;
        }
        // By SID first: a renamed account is still the privileged one.
        let (target_system, target_login) = index.target_of(ctx.inventory, e);
        let Some(target) = privileged(ctx, target_system, target_login) else {
            continue;
        };
        let actor_priv = actor.and_then(|a| privileged(ctx, &e.system, a));
        let mut problems = Vec::new();
        let mut level = Level::Note;
        match actor {
            None => problems.push("the log does not name who performed it".to_string()),
            Some(a) if actor_priv.is_none() => {
                level = Level::Error;
                problems.push(format!("{a} is not privileged"));
            }
            Some(_) => {}
        }
        match e.strong_auth {
            Some(true) => {}
            Some(false) => {
                level = Level::Error;
                problems.push("the event shows no strong authentication (no MFA)".into());
            }
            None => problems.push("the event carries no strong-authentication evidence".into()),
        }
        if problems.is_empty() {
            continue;
        }
        let message = format!(
            "{} in {} is privileged ({}) and was reset by {} at {} ({}): {}. A Tier-0 reset needs a Tier-0 actor with step-up authentication.",
            e.target,
            e.system,
            target.why,
            actor.unwrap_or("an unnamed actor"),
            format_instant(at),
            e.action,
            problems.join("; ")
        );
        let mut f = out
            .finding(
                level,
                Subject::Account {
                    system: &e.system,
                    login: &e.target,
                },
                e.evidence.clone(),
                message,
            )
            .account(&e.target)
            .related(target.evidence, target.why);
        if let Some(p) = actor_priv {
            f = f.related(p.evidence, p.why);
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    
    use crate::finding::Finding;
    use crate::inventory::ledger::Event;
    use crate::inventory::{
        Account, AccountKind, Evidence, Membership, Privilege, Record, SourceKind,
        When,
    };
    

    fn reset(target: &str, actor: Option<&str>, strong: Option<bool>, line: u32) -> Record {
        Record::Event(Event {
            // An hour apart: resets within minutes of each other are one reset's echoes.
            at: When::parse_instant(&format!("2026-08-20T{:02}:00:00Z", 8 + line)).unwrap(),
            system: "vault".into(),
            source: SourceKind::Vault,
            kind: EventKind::PasswordReset,
            target: target.into(),
            actor: actor.map(str::to_string),
            outcome: Outcome::Success,
            action: "update auth/userpass/users/x/password".into(),
            credential: None,
            detail: None,
            strong_auth: strong,
            target_sid: None,
            event_id: Some(format!("r{line}")),
            evidence: Evidence::at("audit.log", line),
        })
    }

    fn run(records: Vec<Record>) -> Vec<Finding> {
        let mut all = records;
        for (login, line) in [("ops-admin", 1), ("ops-admin2", 2)] {
            all.push(Record::Account(Account::new(
                SourceKind::LinuxHost,
                "vault01",
                login,
                Evidence::at("etc/passwd", line),
            )));
            all.push(Record::Membership(Membership {
                system: "vault01".into(),
                group: "wheel".into(),
                gid: Some(10),
                member: login.into(),
                primary: false,
                grants: Some(Privilege::Admin),
                evidence: Evidence::at("etc/group", 3),
            }));
        }
        let mut root = Account::new(
            SourceKind::LinuxHost,
            "vault01",
            "root",
            Evidence::at("etc/passwd", 9),
        );
        root.kind = AccountKind::Root;
        all.push(Record::Account(root));
        super::super::run_check("RG602", check, all, jiff::Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn levels_follow_the_actor_and_the_evidence_of_step_up() {
        let f = run(vec![
            // Privileged actor with MFA: fine.
            reset("ops-admin", Some("ops-admin2"), Some(true), 1),
            // Privileged actor, no MFA: error.
            reset("ops-admin", Some("ops-admin2"), Some(false), 2),
            // Privileged actor, the log says nothing: note.
            reset("ops-admin", Some("ops-admin2"), None, 3),
            // Unprivileged actor, even with MFA: error.
            reset("ops-admin", Some("helpdesk1"), Some(true), 4),
            // No actor named: note.
            reset("ops-admin", None, Some(true), 5),
            // Not privileged target: not judged.
            reset("alice", Some("helpdesk1"), Some(false), 6),
            // The account's own change: not judged.
            reset("ops-admin", Some("ops-admin"), Some(false), 7),
        ]);
        let got: Vec<(Option<u32>, Level)> =
            f.iter().map(|f| (f.location.line, f.level)).collect();
        assert_eq!(
            got,
            [
                (Some(2), Level::Error),
                (Some(3), Level::Note),
                (Some(4), Level::Error),
                (Some(5), Level::Note),
            ]
        );
        assert!(f[2].message.contains("helpdesk1 is not privileged"));
        // Root counts as privileged on its own system; a root elsewhere is another account.
        let mut on_host = reset("root", Some("helpdesk1"), Some(true), 1);
        if let Record::Event(e) = &mut on_host {
            e.system = "vault01".into();
        }
        let f = run(vec![on_host, reset("root", Some("helpdesk1"), Some(true), 2)]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("root account"), "{}", f[0].message);
    }
}
