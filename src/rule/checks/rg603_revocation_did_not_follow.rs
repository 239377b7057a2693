//! RG603 revocation-did-not-follow: after an identity's latest recorded reset (an audit-log
//! event, timed to the second), a session or credential of the identity that was still not
//! revoked when the revocation window (`--revocation-window`, 24 hours) had passed, or that was
//! revoked only after it. The message names, per system, how long each part took to catch up.
//!
//! Split with RG101–RG108 and RG105 (which judge by password timestamps): an item those rules
//! already report for the same reset is counted in the message, not reported again. RG603
//! reports what only the event shows: sessions of systems whose export holds no session
//! validity (Okta, Google) judged by their audit logs; credentials whose identity's password
//! timestamps do not show this reset (the password export is older, or missing); app passwords;
//! and revocations that came after the window, which no state export can show.

use super::ledger::{describe, event_on, first_removal, latest_resets, span, LedgerReset};
use super::{answerable, credential_name};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::ledger::EventKind;
use crate::inventory::{CredentialKind, CredentialStatus, Evidence, SourceKind};
use crate::rule::revocation::revoked_by_own_reset;
use crate::rule::Context;

/// The credentials a reset should end, and whether RG101–RG108 judge them (all but app
/// passwords, which RG201 judges by age).
const KINDS: &[(CredentialKind, bool)] = &[
    (CredentialKind::AccessKey, true),
    (CredentialKind::SigningCertificate, true),
    (CredentialKind::PersonalAccessToken, true),
    (CredentialKind::ApiToken, true),
    (CredentialKind::OAuthGrant, true),
    (CredentialKind::ClientSecret, true),
    (CredentialKind::ClientCertificate, true),
    (CredentialKind::VaultToken, true),
    (CredentialKind::ServiceAccountToken, true),
    (CredentialKind::DeployKey, true),
    (CredentialKind::SshKey, true),
    (CredentialKind::KeyCredential, true),
    (CredentialKind::RecoveryMethod, true),
    (CredentialKind::SecondaryHash, true),
    (CredentialKind::AppPassword, false),
];

/// Systems whose sign-in sessions a reset should end, and that can show it.
const SESSION_SYSTEMS: &[SourceKind] = &[
    SourceKind::EntraId,
    SourceKind::Okta,
    SourceKind::GoogleWorkspace,
];

/// What became of one part of the identity after the reset.
#[derive(Default)]
struct Outcomes {
    open: Vec<(String, Evidence)>,
    late: Vec<(String, Evidence)>,
    caught: Vec<String>,
    unprovable: Vec<String>,
    elsewhere: usize,
}

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let window = ctx.options.revocation_window_hours.max(0) * 3600;
    for r in latest_resets(ctx) {
        let deadline = r.at.as_second() + window;
        if ctx.options.as_of.as_second() < deadline {
            // The window is still open: too early to judge.
            continue;
        }
        let mut o = Outcomes::default();
        sessions(ctx, &r, deadline, &mut o);
        credentials(ctx, &r, deadline, &mut o);
        if o.open.is_empty() && o.late.is_empty() {
            continue;
        }
        report(ctx, out, &r, &o);
    }
}

fn sessions(ctx: &Context<'_>, r: &LedgerReset<'_>, deadline: i64, o: &mut Outcomes) {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    let since = r.at.as_second() - skew;
    for &ai in &ctx.correlation.identities[r.identity].accounts {
        let a = &inv.accounts[ai];
        if !SESSION_SYSTEMS.contains(&a.source) {
            continue;
        }
        let by_event = event_on(ctx, EventKind::SessionsRevoked, ai)
            .filter(|(_, t)| t.as_second() >= since)
            .min_by_key(|(_, t)| *t)
            .map(|(e, t)| (t, e.evidence.clone()));
        let by_state = a
            .sessions_valid_from
            .known()
            .filter(|t| t.as_second() >= since)
            .map(|t| {
                let ev = a.sessions_evidence.clone().unwrap_or_else(|| a.evidence.clone());
                (t, ev)
            });
        let caught = match (by_event, by_state) {
            (Some(x), Some(y)) => Some(if x.0 <= y.0 { x } else { y }),
            (x, y) => x.or(y),
        };
        let name = format!("sessions of {} on {}", a.login, a.system);
        match caught {
            Some((t, _)) if t.as_second() <= deadline => o.caught.push(format!(
                "{name} revoked {} after",
                span(t.as_second() - r.at.as_second())
            )),
            Some((t, ev)) => o.late.push((
                format!(
                    "{name} revoked only {} after the reset",
                    span(t.as_second() - r.at.as_second())
                ),
                ev,
            )),
            None => {
                // RG105 reports sessions valid from before a password change that includes this
                // reset.
                let rg105 = match (a.sessions_valid_from.known(), a.password_last_set.known()) {
                    (Some(v), Some(p)) => p.as_second() >= since && v.as_second() < p.as_second() - skew,
                    _ => false,
                };
                if rg105 {
                    o.elsewhere += 1;
                } else if a.sessions_valid_from.is_known() || ctx.has_events_of(&a.system) {
                    let ev = a.sessions_evidence.clone().unwrap_or_else(|| a.evidence.clone());
                    o.open.push((format!("{name} not revoked"), ev));
                } else {
                    o.unprovable.push(format!(
                        "{name} (neither its audit log nor its session validity was given)"
                    ));
                }
            }
        }
    }
}

fn credentials(ctx: &Context<'_>, r: &LedgerReset<'_>, deadline: i64, o: &mut Outcomes) {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    let since = r.at.as_second() - skew;
    let identity = &ctx.correlation.identities[r.identity];
    // Whether the password timestamps show this reset (then RG101–RG108 judge the survivors).
    let state_covers = identity
        .last_reset
        .is_some_and(|s| s.at.as_second() >= since);
    // Only the credentials the identity answers for (`answerable`), in inventory order.
    for &ci in ctx.credentials_of_identity(r.identity) {
        let c = &inv.credentials[ci as usize];
        let Some(&(_, judged_elsewhere)) = KINDS.iter().find(|(k, _)| *k == c.kind) else {
            continue;
        };
        if !answerable(ctx, c)
            .iter()
            .any(|(i, _, _)| std::ptr::eq(*i, identity))
        {
            continue;
        }
        // Undated credentials cannot be placed before the event.
        let Some(issued) = c.issued.known() else {
            continue;
        };
        if issued.as_second() >= since {
            continue;
        }
        let removal = first_removal(ctx, &c.id, since);
        let name = credential_name(c);
        if let Some((e, t)) = removal {
            let after = span(t.as_second() - r.at.as_second());
            if t.as_second() <= deadline {
                o.caught.push(format!("{name} revoked {after} after"));
            } else {
                o.late.push((
                    format!("{name} revoked only {after} after the reset"),
                    e.evidence.clone(),
                ));
            }
            continue;
        }
        if matches!(
            c.status,
            CredentialStatus::Inactive | CredentialStatus::Revoked | CredentialStatus::Expired
        ) || revoked_by_own_reset(ctx, c).is_some()
        {
            continue;
        }
        if state_covers && judged_elsewhere {
            o.elsewhere += 1;
            continue;
        }
        o.open.push((format!("{name} still active"), c.evidence.clone()));
    }
}

fn report(ctx: &Context<'_>, out: &mut Emit, r: &LedgerReset<'_>, o: &Outcomes) {
    let a = &ctx.inventory.accounts[r.account];
    let hours = ctx.options.revocation_window_hours;
    let mut message = format!("The {}. ", describe(r));
    if !o.open.is_empty() {
        let items: Vec<&str> = o.open.iter().map(|(t, _)| t.as_str()).collect();
        message.push_str(&format!(
            "{hours} h later, still open: {}. ",
            items.join("; ")
        ));
    }
    if !o.late.is_empty() {
        let items: Vec<&str> = o.late.iter().map(|(t, _)| t.as_str()).collect();
        message.push_str(&format!("Late (after {hours} h): {}. ", items.join("; ")));
    }
    if !o.caught.is_empty() {
        message.push_str(&format!("Caught up: {}. ", o.caught.join("; ")));
    }
    if !o.unprovable.is_empty() {
        message.push_str(&format!("Not provable: {}. ", o.unprovable.join("; ")));
    }
    if o.elsewhere > 0 {
        message.push_str(&format!(
            "{} more surviving item(s) are reported by RG101–RG108 and RG105. ",
            o.elsewhere
        ));
    }
    message.push_str(
        "Revoke the sessions and rotate or delete these credentials; make both part of the \
         reset runbook.",
    );
    let level = if o.open.is_empty() {
        Level::Note
    } else {
        Level::Warning
    };
    let mut f = out
        .finding(
            level,
            Subject::Account {
                system: &a.system,
                login: &a.login,
            },
            r.event.evidence.clone(),
            message,
        )
        .account(&a.login);
    for (text, ev) in o.open.iter().chain(&o.late) {
        f = f.related(ev.clone(), text.clone());
    }
    for e in &r.also {
        f = f.related(
            e.evidence.clone(),
            format!("the same reset, also logged as {} on {}", e.action, e.system),
        );
    }
    out.push(f);
}
