//! RG604 used-after-reset: proof that something survived an identity's latest recorded reset:
//! a legacy-protocol sign-in (Entra `clientAppUsed` IMAP4, POP3, Authenticated SMTP, Exchange
//! ActiveSync, Other clients, …) or an app-password sign-in (Google Reports `login_success` with
//! `login_type` `application_specific_password`) that succeeded after it, or a credential issued
//! before it and used after it (a `CredentialUsed` audit event, or the credential's own last-use
//! time: AWS service-specific credentials, API tokens, keys).
//!
//! Entra sign-ins show no app password of their own: `authenticationDetails`
//! `authenticationMethod` has no app-password value (Graph documents Password, SMS, Voice,
//! Authenticator App, Software OATH token, Satisfied by token, Previously satisfied), and an app
//! password signs in through a legacy client, which the `clientAppUsed` test already catches.
//!
//! Split with RG101 (which reports a credential used after the reset its password timestamps
//! show, as an error): a last-use time RG101 already judges against this same reset is not
//! reported again; RG604 reports audit-log uses, and last-use times when the password
//! timestamps do not show this reset.

use super::ledger::{describe, latest_resets, span, LedgerReset};
use super::{answerable, credential_name};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::when::{format_day, format_instant};
use crate::rule::Context;
use crate::source::entra::audit::is_legacy_client;
use crate::source::google::reports::is_app_password_sign_in;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Further uses named in related locations, at most.
const MAX_RELATED: usize = 10;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for r in latest_resets(ctx) {
        legacy_sign_ins(ctx, &r, out);
        credential_uses(ctx, &r, out);
    }
}

fn legacy_sign_ins(ctx: &Context<'_>, r: &LedgerReset<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    let after = r.at.as_second() + ctx.options.skew_seconds;
    let mut by_account: BTreeMap<usize, Vec<(&Event, Timestamp)>> = BTreeMap::new();
    // The events that name an account of the identity, per account in event order.
    for &ai in &ctx.correlation.identities[r.identity].accounts {
        for &ei in ctx.events_of_account(ai) {
            let e = &inv.events[ei as usize];
            if e.kind != EventKind::SignIn
                || e.outcome != Outcome::Success
                || !e.detail.as_deref().is_some_and(survivor_sign_in)
            {
                continue;
            }
            let Some(t) = e.at.known().filter(|t| t.as_second() > after) else {
                continue;
            };
            by_account.entry(ai).or_default().push((e, t));
        }
    }
    let (reset_text, reset_ev) = (describe(r), r.event.evidence.clone());
    for (ai, uses) in by_account {
        let a = &inv.accounts[ai];
        let (first, t) = uses[0];
        let client = first.detail.as_deref().map_or("legacy", client_name);
        let why = if first.detail.as_deref().is_some_and(is_app_password_sign_in) {
            "An app password is a second password the reset does not change: it outlived the \
             reset (or one was made after it)."
        } else {
            "Legacy protocols authenticate with a password or an app password alone, so a stored \
             password or an app password outlived the reset (or the new password went straight \
             into a legacy client)."
        };
        let mut message = format!(
            "{} on {} signed in with {client} at {}, {} after the {reset_text}. {why}",
            a.login,
            a.system,
            format_instant(t),
            span(t.as_second() - r.at.as_second()),
        );
        if uses.len() > 1 {
            let mut clients: Vec<&str> = uses
                .iter()
                .filter_map(|(e, _)| e.detail.as_deref().map(client_name))
                .collect();
            clients.sort_unstable();
            clients.dedup();
            message.push_str(&format!(
                " {} legacy sign-in(s) in all after the reset ({}).",
                uses.len(),
                clients.join(", ")
            ));
        }
        message.push_str(
            " Delete the user's app passwords, sign the legacy clients out, and block legacy \
             authentication.",
        );
        let mut f = out
            .finding(
                Level::Error,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                first.evidence.clone(),
                message,
            )
            .account(&a.login)
            .used_after_reset(Some(t))
            .related(reset_ev.clone(), format!("the reset: {reset_text}"));
        for (e, at) in uses.iter().skip(1).take(MAX_RELATED) {
            f = f.related(
                e.evidence.clone(),
                format!(
                    "{} sign-in at {}",
                    e.detail.as_deref().map_or("legacy", client_name),
                    format_instant(*at)
                ),
            );
        }
        out.push(f);
    }
}

/// A sign-in that only a password kept outside the reset makes: a legacy-protocol client
/// (Entra `clientAppUsed`) or an app password (Google `login_type`).
fn survivor_sign_in(detail: &str) -> bool {
    is_legacy_client(detail) || is_app_password_sign_in(detail)
}

/// The client of a sign-in for prose: the Entra client as written, "an app password" for
/// Google's app-password `login_type`.
fn client_name(detail: &str) -> &str {
    if is_app_password_sign_in(detail) {
        "an app password"
    } else {
        detail
    }
}

fn credential_uses(ctx: &Context<'_>, r: &LedgerReset<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    let after = r.at.as_second() + skew;
    let identity = &ctx.correlation.identities[r.identity];
    let state_covers = identity
        .last_reset
        .is_some_and(|s| s.at.as_second() >= r.at.as_second() - skew);
    let (reset_text, reset_ev) = (describe(r), r.event.evidence.clone());
    // Only the credentials the identity answers for (`answerable`), in inventory order.
    for &ci in ctx.credentials_of_identity(r.identity) {
        let c = &inv.credentials[ci as usize];
        let Some((_, login, by)) = answerable(ctx, c)
            .into_iter()
            .find(|(i, _, _)| std::ptr::eq(*i, identity))
        else {
            continue;
        };
        // Issued before the reset: a credential made after it is a new one.
        let Some(issued) = c.issued.known().filter(|i| i.as_second() < r.at.as_second() - skew)
        else {
            continue;
        };
        let uses: Vec<(&Event, Timestamp)> = ctx
            .events_of_credential(&c.id)
            .iter()
            .map(|&ei| &inv.events[ei as usize])
            .filter(|e| {
                e.kind == EventKind::CredentialUsed
                    && e.outcome != Outcome::Failure
                    && e.credential.as_deref() == Some(c.id.as_str())
            })
            .filter_map(|e| Some((e, e.at.known()?)))
            .filter(|(_, t)| t.as_second() > after)
            .collect();
        let last_used = c.last_used.known().filter(|u| u.as_second() > after);
        // RG101 already reports a last use after the reset its password timestamps show.
        if last_used.is_some() && state_covers {
            continue;
        }
        let (location, at, how) = match (uses.first(), last_used) {
            (Some((e, t)), _) => (e.evidence.clone(), *t, format!("logged as {}", e.action)),
            (None, Some(u)) => {
                let inferred = c.detail.as_deref().is_some_and(|d| d.contains("inferred"));
                let how = if inferred {
                    "its last use as the export implies it".to_string()
                } else {
                    "its last-use time".to_string()
                };
                (c.evidence.clone(), u, how)
            }
            (None, None) => continue,
        };
        let message = format!(
            "{} that {login} answers for was issued {} and used at {} ({how}), {} after the \
             {reset_text}: it survived the reset and someone still holds it. Revoke it now and \
             find who used it.",
            credential_name(c),
            format_day(issued),
            format_instant(at),
            span(at.as_second() - r.at.as_second()),
        );
        let mut f = out
            .finding(
                Level::Error,
                Subject::Credential {
                    id: &c.id,
                    account: Some(by),
                },
                location,
                message,
            )
            .account(login)
            .credential(c)
            .used_after_reset(Some(at))
            .related(reset_ev.clone(), format!("the reset: {reset_text}"))
            .related(c.evidence.clone(), "the credential");
        for (e, t) in uses.iter().skip(1).take(MAX_RELATED) {
            f = f.related(e.evidence.clone(), format!("used at {}", format_instant(*t)));
        }
        out.push(f);
    }
}
