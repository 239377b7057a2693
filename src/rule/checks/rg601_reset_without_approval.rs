//! RG601 reset-without-approval: a delegated password reset (someone else set the account's
//! password) that no help-desk ticket justifies, or whose ticket was approved by the account
//! itself or by the person who performed the reset; and a self-service reset of a privileged or
//! break-glass account.
//!
//! A ticket justifies a reset when it names the account (its `account` column, matched through
//! the identity: `DOMAIN\user`, `user@domain` and the same person's other accounts), was opened
//! before the reset (within the scan's clock skew) and was still open, or closed at most an hour
//! before it (`ledger::TICKET_CLOSE_GRACE`), and its approval state is not rejected or
//! cancelled. Levels: error for a privileged or break-glass target or a self-approved ticket,
//! warning for other accounts, note when no ticket export was scanned at all (the approval cannot
//! be shown either way). Failed resets are not judged.

use super::ledger::{break_glass, names, privileged, refused, same_person, tickets_for};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::{EventKind, Outcome};
use crate::inventory::when::format_instant;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for e in &inv.events {
        if e.outcome == Outcome::Failure || e.target.is_empty() {
            continue;
        }
        let Some(at) = e.at.known() else { continue };
        let when = format_instant(at);
        let target_priv = privileged(ctx, &e.system, &e.target);
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
