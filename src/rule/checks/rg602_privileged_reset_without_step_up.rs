//! RG602 privileged-reset-without-step-up: a privileged (Tier-0) account's password reset by an
//! actor who is not privileged, or without strong authentication shown in the event.
//!
//! Privilege is decided as RG302 and RG204 decide it, across the identity (`ledger_people::privileged`).
//! Levels: error when the actor is not privileged or the event shows the actor did not
//! authenticate strongly (`strong_auth` false: CloudTrail `mfaAuthenticated` false, a call signed
//! with a long-term key); note when the event says nothing about strong authentication (Google
//! Reports, Vault) or does not name the actor, since step-up cannot be shown. Failed resets and
//! a user's own changes are not judged.
//!
//! Entra per-user MFA (`Account::per_user_mfa`): an Entra event that says nothing about strong
//! authentication counts as stepped up when the actor's per-user MFA is enforced (every sign-in
//! of the actor needed MFA), and a finding for other reasons says that the step-up came from the
//! state, not the event. A privileged target or actor whose per-user MFA is disabled, with no
//! sign-in or registered method showing strong authentication, gets a note in the message
//! (`ledger_people::weak_mfa_note`). Levels do not change for either.

use super::ledger_people::{per_user_mfa, privileged, same_person, weak_mfa_note};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{Evidence, PerUserMfaState, SourceKind};
use crate::inventory::ledger::{EventKind, Outcome};
use crate::inventory::when::format_instant;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let events = &ctx.inventory.events;
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
        let (target_system, target_login) = ctx.event_target(i);
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
        // Notes for the message, each with its evidence.
        let mut notes: Vec<(String, Evidence)> = Vec::new();
        match e.strong_auth {
            Some(true) => {}
            Some(false) => {
                level = Level::Error;
                problems.push("the event shows no strong authentication (no MFA)".into());
            }
            None => {
                // An Entra action by an actor whose per-user MFA is enforced: every sign-in of
                // the actor needed MFA, which the audit item does not repeat.
                let enforced = actor
                    .filter(|_| e.source == SourceKind::EntraId)
                    .and_then(|a| per_user_mfa(ctx, &e.system, a))
                    .filter(|(_, m)| m.state == PerUserMfaState::Enforced);
                match enforced {
                    Some((a, m)) => notes.push((
                        format!(
                            "step-up is taken from {}'s per-user MFA state (enforced, {}), since \
                             the event itself does not say",
                            a.login, m.evidence
                        ),
                        m.evidence.clone(),
                    )),
                    None => {
                        problems.push("the event carries no strong-authentication evidence".into())
                    }
                }
            }
        }
        if problems.is_empty() {
            continue;
        }
        notes.extend(weak_mfa_note(ctx, target_system, target_login));
        if let (Some(a), Some(_)) = (actor, &actor_priv) {
            notes.extend(weak_mfa_note(ctx, &e.system, a));
        }
        notes.dedup_by(|a, b| a.0 == b.0);
        let tail: String = notes.iter().map(|(n, _)| format!(" Note: {n}.")).collect();
        let message = format!(
            "{} in {} is privileged ({}) and was reset by {} at {} ({}): {}. A Tier-0 reset needs a Tier-0 actor with step-up authentication.{tail}",
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
        for (n, ev) in notes {
            f = f.related(ev, n);
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

    #[test]
    fn an_enforced_per_user_mfa_of_the_actor_is_step_up_for_entra_events() {
        use crate::inventory::{PerUserMfa, PerUserMfaState};
        const T: &str = "entra:example.org";
        let user = |login: &str, admin: bool, mfa: Option<PerUserMfaState>, line: u32| {
            let mut a = Account::new(SourceKind::EntraId, T, login, Evidence::at("users.json", line));
            a.per_user_mfa = mfa.map(|state| PerUserMfa {
                state,
                evidence: Evidence::at("mfa.json", line),
            });
            let mut out = vec![Record::Account(a)];
            if admin {
                out.push(Record::Membership(Membership {
                    system: T.into(),
                    group: "Tier0".into(),
                    gid: None,
                    member: login.into(),
                    primary: false,
                    grants: Some(Privilege::Admin),
                    evidence: Evidence::at("groups.json", line),
                }));
            }
            out
        };
        let entra_reset = |actor: &str, line: u32| {
            let Record::Event(mut e) = reset("admin@example.org", Some(actor), None, line) else {
                unreachable!()
            };
            e.system = T.into();
            e.source = SourceKind::EntraId;
            e.action = "Reset password (by admin)".into();
            e.evidence = Evidence::at("audits.json", line);
            Record::Event(e)
        };
        let mut records = Vec::new();
        records.extend(user("admin@example.org", true, Some(PerUserMfaState::Disabled), 1));
        records.extend(user("ops@example.org", true, Some(PerUserMfaState::Enforced), 2));
        records.extend(user("ops2@example.org", true, Some(PerUserMfaState::Enabled), 3));
        records.extend(user("helpdesk@example.org", false, Some(PerUserMfaState::Enforced), 4));
        records.extend([
            // Privileged and enforced: stepped up, no finding.
            entra_reset("ops@example.org", 1),
            // Not privileged, enforced: an error that says where the step-up came from.
            entra_reset("helpdesk@example.org", 2),
            // Privileged, only enabled: no step-up evidence.
            entra_reset("ops2@example.org", 3),
        ]);
        // A Vault event by the enforced actor: the Entra state says nothing about it.
        records.push(reset("admin@example.org", Some("ops@example.org"), None, 4));
        let f = super::super::run_check("RG602", check, records, jiff::Timestamp::UNIX_EPOCH);
        let got: Vec<(String, Level)> = f.iter().map(|f| (f.location.to_string(), f.level)).collect();
        assert_eq!(
            got,
            [
                ("audits.json:2".to_string(), Level::Error),
                ("audits.json:3".to_string(), Level::Note),
                // The Vault reset by the same enforced actor is not stepped up by it.
                ("audit.log:4".to_string(), Level::Note),
            ]
        );
        assert!(f[2].message.contains("carries no strong-authentication evidence"));
        assert!(!f[2].message.contains("step-up is taken"));
        assert!(f[0].message.contains("helpdesk@example.org is not privileged"), "{}", f[0].message);
        assert!(
            f[0].message.contains(
                "step-up is taken from helpdesk@example.org's per-user MFA state (enforced, mfa.json:4)"
            ),
            "{}",
            f[0].message
        );
        assert!(f[1].message.contains("carries no strong-authentication evidence"), "{}", f[1].message);
        // The target's per-user MFA is disabled and nothing shows MFA: noted in each.
        for f in &f {
            assert!(
                f.message.contains("admin@example.org's Entra per-user MFA is disabled (mfa.json:1)"),
                "{}",
                f.message
            );
        }
        // ops2 is privileged but enabled, not disabled: no note about it.
        assert!(!f[1].message.contains("ops2@example.org's Entra per-user MFA"));
    }

    #[test]
    fn a_strong_sign_in_silences_the_disabled_per_user_mfa_note() {
        use crate::inventory::{PerUserMfa, PerUserMfaState};
        const T: &str = "entra:example.org";
        let mut records = Vec::new();
        for (login, line) in [("admin@example.org", 1), ("ops@example.org", 2)] {
            let mut a = Account::new(SourceKind::EntraId, T, login, Evidence::at("users.json", line));
            a.per_user_mfa = Some(PerUserMfa {
                state: PerUserMfaState::Disabled,
                evidence: Evidence::at("mfa.json", line),
            });
            records.push(Record::Account(a));
            records.push(Record::Membership(Membership {
                system: T.into(),
                group: "Tier0".into(),
                gid: None,
                member: login.into(),
                primary: false,
                grants: Some(Privilege::Admin),
                evidence: Evidence::at("groups.json", line),
            }));
        }
        let Record::Event(mut e) = reset("admin@example.org", Some("ops@example.org"), None, 3) else {
            unreachable!()
        };
        e.system = T.into();
        e.source = SourceKind::EntraId;
        let mut sign_in = e.clone();
        e.evidence = Evidence::at("audits.json", 3);
        records.push(Record::Event(e));
        // admin signed in with MFA (Conditional Access): its disabled per-user MFA is not noted.
        sign_in.kind = EventKind::SignIn;
        sign_in.actor = Some("admin@example.org".into());
        sign_in.strong_auth = Some(true);
        sign_in.action = "signIn".into();
        sign_in.event_id = Some("s1".into());
        sign_in.evidence = Evidence::at("signins.json", 7);
        records.push(Record::Event(sign_in));
        let f = super::super::run_check("RG602", check, records, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(f.len(), 1);
        assert!(!f[0].message.contains("admin@example.org's Entra per-user MFA"), "{}", f[0].message);
        assert!(f[0].message.contains("ops@example.org's Entra per-user MFA is disabled"), "{}", f[0].message);
    }
}
