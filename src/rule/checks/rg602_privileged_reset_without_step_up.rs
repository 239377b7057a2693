//! RG602 privileged-reset-without-step-up: a privileged (Tier-0) account's password reset by an
//! actor who is not privileged, or without strong authentication shown in the event.
//!
//! Privilege is decided as RG302 and RG204 decide it, across the identity (`ledger::privileged`).
//! Levels: error when the actor is not privileged or the event shows the actor did not
//! authenticate strongly (`strong_auth` false: CloudTrail `mfaAuthenticated` false, a call signed
//! with a long-term key); note when the event says nothing about strong authentication (Google
//! Reports, Vault) or does not name the actor, since step-up cannot be shown. Failed resets and
//! a user's own changes are not judged.

use super::ledger::{privileged, same_person};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::{EventKind, Outcome};
use crate::inventory::when::format_instant;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for e in &ctx.inventory.events {
        if e.kind != EventKind::PasswordReset || e.outcome == Outcome::Failure {
            continue;
        }
        let Some(at) = e.at.known() else { continue };
        let actor = e.actor.as_deref().filter(|a| !a.is_empty());
        if actor.is_some_and(|a| same_person(ctx, &e.system, a, &e.target)) {
            continue;
        }
        let Some(target) = privileged(ctx, &e.system, &e.target) else {
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
