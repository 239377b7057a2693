//! RG601 reset-without-approval: a delegated password reset (someone else set the account's
//! password) that no help-desk ticket justifies, or whose ticket was approved by the account
//! itself or by the person who performed the reset; and a self-service reset of a privileged or
//! break-glass account.
//!
//! A ticket justifies a reset when it names the account (its `account` column, matched through
//! the identity: `DOMAIN\user`, `user@domain` and the same person's other accounts), was opened
//! before the reset (within the scan's clock skew) and was still open, or closed at most an hour
//! before it (`ledger_people::TICKET_CLOSE_GRACE`), and its approval state is not rejected or
//! cancelled. Levels: error for a privileged or break-glass target or a self-approved ticket,
//! warning for other accounts, note when no ticket export was scanned at all (the approval cannot
//! be shown either way). Failed resets are not judged.

use super::ledger_people::{break_glass, names, privileged, refused, same_person, tickets_for};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::{EventKind, Outcome};
use crate::inventory::when::format_instant;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for (i, e) in inv.events.iter().enumerate() {
        if super::ledger::is_echo(&inv.events, i) {
            continue;
        }
        if e.outcome == Outcome::Failure || e.target.is_empty() {
            continue;
        }
        if !matches!(
            e.kind,
            EventKind::SelfServiceReset | EventKind::PasswordReset
        ) {
            continue;
        }
        let Some(at) = e.at.known() else { continue };
        let when = format_instant(at);
        // By SID first: a renamed account is still the privileged one.
        let (target_system, target_login) = ctx.event_target(i);
        let target_priv = privileged(ctx, target_system, target_login);
        let glass = break_glass(&e.target);
        let subject = Subject::Account {
            system: &e.system,
            login: &e.target,
        };
        match e.kind {
            EventKind::SelfServiceReset => {
                if target_priv.is_none() && !glass {
                    continue;
                }
                let what = match &target_priv {
                    Some(p) => format!("privileged ({})", p.why),
                    None => "a break-glass account".to_string(),
                };
                let mut f = out
                    .finding(
                        Level::Error,
                        subject,
                        e.evidence.clone(),
                        format!(
                            "{} in {} reset its own password through self-service ({}) at {when}, and it is {what}: whoever controls its recovery methods controls the account, with no help-desk check.",
                            e.target, e.system, e.action
                        ),
                    )
                    .account(&e.target);
                if let Some(p) = target_priv {
                    f = f.related(p.evidence, p.why);
                }
                out.push(f);
            }
            EventKind::PasswordReset => {
                let actor = e.actor.as_deref().unwrap_or("");
                if !actor.is_empty() && same_person(ctx, &e.system, actor, &e.target) {
                    continue;
                }
                let by = if actor.is_empty() {
                    "an actor the log does not name".to_string()
                } else {
                    actor.to_string()
                };
                let high = target_priv.is_some() || glass;
                let tickets: Vec<_> = tickets_for(ctx, e);
                let usable: Vec<_> = tickets.iter().filter(|t| !refused(t)).collect();
                let (level, message, related) = if inv.tickets.is_empty() {
                    (
                        Level::Note,
                        format!(
                            "{} in {} was reset by {by} at {when} ({}); no ticket export was scanned, so its approval cannot be shown.",
                            e.target, e.system, e.action
                        ),
                        Vec::new(),
                    )
                } else if usable.is_empty() {
                    let refused_note = if tickets.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({} rejected or cancelled)",
                            tickets.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    };
                    (
                        if high { Level::Error } else { Level::Warning },
                        format!(
                            "{} in {} was reset by {by} at {when} ({}) with no approved ticket open for that account{refused_note}.",
                            e.target, e.system, e.action
                        ),
                        tickets
                            .iter()
                            .map(|t| (t.evidence.clone(), format!("ticket {} not approved", t.id)))
                            .collect(),
                    )
                } else {
                    // Approved by someone other than the account and the actor?
                    let independent = usable.iter().any(|t| match t.approved_by.as_deref() {
                        None => true,
                        Some(cell) => names(cell).any(|n| {
                            !same_person(ctx, &e.system, n, &e.target)
                                && (actor.is_empty() || !same_person(ctx, &e.system, n, actor))
                        }),
                    });
                    if independent {
                        continue;
                    }
                    let t = usable[0];
                    let approver = t.approved_by.as_deref().unwrap_or("");
                    let whom = if names(approver).all(|n| same_person(ctx, &e.system, n, &e.target)) {
                        "the account itself"
                    } else {
                        "the person who performed the reset"
                    };
                    (
                        Level::Error,
                        format!(
                            "{} in {} was reset by {by} at {when} ({}) under ticket {} {}, approved by {approver}: {whom}. An approval by the requester or the actor is no approval.",
                            e.target, e.system, e.action, t.system, t.id
                        ),
                        vec![(t.evidence.clone(), format!("ticket {} approved by {approver}", t.id))],
                    )
                };
                let mut f = out
                    .finding(level, subject, e.evidence.clone(), message)
                    .account(&e.target);
                for (ev, msg) in related {
                    f = f.related(ev, msg);
                }
                if let Some(p) = target_priv {
                    f = f.related(p.evidence, p.why);
                }
                out.push(f);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    
    use crate::finding::Finding;
    use crate::inventory::ledger::{Event, Ticket};
    use crate::inventory::{
        Account, Evidence, Membership, Privilege, Record, SourceKind, When,
    };
    

    fn at(s: &str) -> When {
        When::parse_instant(s).unwrap()
    }

    fn event(kind: EventKind, target: &str, actor: &str, line: u32) -> Record {
        Record::Event(Event {
            at: at("2026-08-20T10:00:00Z"),
            system: "aws".into(),
            source: SourceKind::AwsIam,
            kind,
            target: target.into(),
            actor: Some(actor.into()),
            outcome: Outcome::Success,
            action: "UpdateLoginProfile".into(),
            credential: None,
            detail: None,
            strong_auth: None,
            target_sid: None,
            event_id: Some(format!("e{line}")),
            evidence: Evidence::at("trail.json", line),
        })
    }

    fn ticket(id: &str, account: &str, approver: Option<&str>, closed: &str) -> Record {
        Record::Ticket(Ticket {
            system: "servicenow".into(),
            id: id.into(),
            account: Some(account.into()),
            requested_by: None,
            approved_by: approver.map(str::to_string),
            reason: None,
            approval: None,
            opened: at("2026-08-20T09:00:00Z"),
            closed: if closed.is_empty() {
                When::Unknown
            } else {
                at(closed)
            },
            evidence: Evidence::at("incidents.csv", 2),
        })
    }

    /// `root` in the directory is privileged through an admin-group membership.
    fn run(mut records: Vec<Record>) -> Vec<Finding> {
        records.push(Record::Account(Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            "admin.ops",
            Evidence::at("ad.ldif", 1),
        )));
        records.push(Record::Membership(Membership {
            system: "corp.example.test".into(),
            group: "Domain Admins".into(),
            gid: None,
            member: "admin.ops".into(),
            primary: false,
            grants: Some(Privilege::Admin),
            evidence: Evidence::at("ad.ldif", 9),
        }));
        super::super::run_check("RG601", check, records, jiff::Timestamp::UNIX_EPOCH)
    }

    /// The index `tickets_for` takes its candidates from finds every ticket that testing each
    /// ticket with `same_person` finds, in ticket order.
    #[test]
    fn tickets_for_finds_what_testing_every_ticket_finds() {
        use crate::correlate::{Correlation, IdentityMap};
        use crate::inventory::Inventory;
        use crate::rule::RuleOptions;
        let mut aws = Account::new(
            SourceKind::AwsIam,
            "aws",
            "m.okafor",
            Evidence::at("iam.json", 1),
        );
        aws.aliases = vec!["AIDAEXAMPLEOKAFOR".into()];
        let mut records = vec![
            Record::Account(aws),
            event(EventKind::PasswordReset, "m.okafor", "helpdesk1", 1),
            event(EventKind::PasswordReset, "AIDAEXAMPLEOKAFOR", "helpdesk1", 2),
            event(EventKind::PasswordReset, "j.doe", "helpdesk1", 3),
        ];
        let cells = [
            "M.Okafor",
            "AIDAEXAMPLEOKAFOR",
            "x.y; m.okafor@example.org",
            "j.doe",
            "",
            ";",
            "CORP\\m.okafor",
        ];
        for (i, cell) in cells.iter().enumerate() {
            records.push(ticket(&format!("INC{i}"), cell, None, ""));
        }
        let inv = Inventory::from_records(records);
        let corr = Correlation::build(&inv, &IdentityMap::default());
        let options = RuleOptions::new(jiff::Timestamp::UNIX_EPOCH);
        let ctx = Context::new(&inv, &corr, &options);
        let mut found = Vec::new();
        for e in &inv.events {
            let every: Vec<&str> = inv
                .tickets
                .iter()
                .filter(|t| {
                    t.account.as_deref().is_some_and(|cell| {
                        names(cell).any(|n| same_person(&ctx, &e.system, n, &e.target))
                    })
                })
                .map(|t| t.id.as_str())
                .collect();
            let indexed: Vec<&str> = tickets_for(&ctx, e).iter().map(|t| t.id.as_str()).collect();
            assert_eq!(indexed, every, "{}", e.target);
            found.push((e.target.as_str(), indexed));
        }
        found.sort();
        let okafor = ["INC0", "INC1", "INC2", "INC6"];
        assert_eq!(
            found,
            vec![
                ("AIDAEXAMPLEOKAFOR", okafor.to_vec()),
                ("j.doe", vec!["INC3"]),
                ("m.okafor", okafor.to_vec()),
            ]
        );
    }

    #[test]
    fn the_ticket_window_and_its_approver_decide() {
        // Closed 30 minutes before the reset: near enough; no approver column: counts.
        let ok = run(vec![
            event(EventKind::PasswordReset, "alice", "helpdesk1", 1),
            ticket("INC1", "CORP\\Alice", None, "2026-08-20T09:30:00Z"),
        ]);
        assert!(ok.is_empty(), "{ok:#?}");
        // Closed two hours before: no longer open at the reset.
        let late = run(vec![
            event(EventKind::PasswordReset, "alice", "helpdesk1", 1),
            ticket("INC1", "alice@example.org", None, "2026-08-20T08:00:00Z"),
        ]);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].level, Level::Warning);
        // Approved by the actor and by the account: no approval; one independent approver is.
        let own = run(vec![
            event(EventKind::PasswordReset, "alice", "helpdesk1", 1),
            ticket("INC1", "alice", Some("helpdesk1@example.org, alice"), ""),
        ]);
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].level, Level::Error);
        assert!(own[0].message.contains("INC1"), "{}", own[0].message);
        let fine = run(vec![
            event(EventKind::PasswordReset, "alice", "helpdesk1", 1),
            ticket("INC1", "alice", Some("helpdesk1, bob"), ""),
        ]);
        assert!(fine.is_empty());
        // A rejected ticket justifies nothing; a privileged target makes it an error.
        let mut rejected = ticket("INC2", "admin.ops", Some("bob"), "");
        if let Record::Ticket(t) = &mut rejected {
            t.approval = Some("Rejected".into());
        }
        let f = run(vec![
            event(EventKind::PasswordReset, "admin.ops", "helpdesk1", 1),
            rejected,
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Error);
        assert!(f[0].message.contains("INC2 rejected"), "{}", f[0].message);
        assert_eq!(f[0].related.len(), 2);
    }

    #[test]
    fn own_changes_failures_and_missing_exports() {
        // The user's own reset (actor is the target) and a failed reset are not judged.
        let mut failed = event(EventKind::PasswordReset, "alice", "helpdesk1", 2);
        if let Record::Event(e) = &mut failed {
            e.outcome = Outcome::Failure;
        }
        assert!(run(vec![
            event(EventKind::PasswordReset, "alice", "ALICE@example.org", 1),
            failed,
            ticket("INC9", "someone-else", None, ""),
        ])
        .is_empty());
        // No ticket export at all: a note per delegated reset.
        let f = run(vec![event(EventKind::PasswordReset, "alice", "helpdesk1", 1)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Note);
    }

    #[test]
    fn self_service_of_privileged_or_break_glass_accounts() {
        let f = run(vec![
            event(EventKind::SelfServiceReset, "admin.ops", "admin.ops", 1),
            event(EventKind::SelfServiceReset, "breakglass-01", "breakglass-01", 2),
            event(EventKind::SelfServiceReset, "alice", "alice", 3),
        ]);
        let lines: Vec<Option<u32>> = f.iter().map(|f| f.location.line).collect();
        assert_eq!(lines, [Some(1), Some(2)]);
        assert!(f.iter().all(|f| f.level == Level::Error));
    }
}
