//! The people in the reset ledger, for RG601 and RG602 (`ledger` has the resets): whether two names in logs and
//! tickets are the same person, whether an account (or the identity it belongs to) is
//! privileged or break-glass, and which tickets justify a reset.
//!
//! "Privileged" is decided as the directory rules decide it (RG204, RG302): an account of the
//! identity is in a privileged AD group (`DirectoryAccount::privileged_groups`, by RID), is a
//! member of a group whose membership grants administrator or root-equivalent privilege
//! (`Membership::grants`, as the source adapter decided), or is a root account. A name in an
//! event that has no account of its own is looked up through the identity with that
//! normalised login (`Correlation::owner_identity`), so a Google or CloudTrail event about
//! `m.okafor` reaches the AD account `m.okafor` in Domain Admins.

use crate::correlate::normalize_login;
use crate::inventory::ledger::{Event, Ticket};
use crate::inventory::{AccountKind, Evidence, OwnerRef};
use crate::rule::Context;
use jiff::SignedDuration;

/// How long before a reset a ticket may have been closed and still count ("closed near the
/// event": the help desk closed the ticket, then performed the reset a little later).
pub const TICKET_CLOSE_GRACE: SignedDuration = SignedDuration::from_hours(1);

/// Logins that name a break-glass (emergency access) account.
const BREAK_GLASS: [&str; 4] = ["breakglass", "break-glass", "break_glass", "emergency"];

/// Why an account is privileged, with the evidence that shows it.
pub struct Privileged {
    pub why: String,
    pub evidence: Evidence,
}

/// The accounts (indexes) of the identity `login` on `system` belongs to: its own account's
/// identity, else the identity with that normalised login.
fn identity_accounts(ctx: &Context<'_>, system: &str, login: &str) -> Vec<usize> {
    let inv = ctx.inventory;
    let owner = OwnerRef {
        system: Some(system.to_string()),
        login: login.to_string(),
    };
    match ctx.correlation.owner_identity(inv, &owner) {
        Some(identity) => identity.accounts.clone(),
        None => Vec::new(),
    }
}

/// Why `login` on `system` (or any account of its identity) is privileged, if it is.
pub fn privileged(ctx: &Context<'_>, system: &str, login: &str) -> Option<Privileged> {
    let inv = ctx.inventory;
    let mut found: Vec<Privileged> = Vec::new();
    for i in identity_accounts(ctx, system, login) {
        let a = &inv.accounts[i];
        if let Some(d) = a.directory.as_deref() {
            if !d.privileged_groups.is_empty() {
                found.push(Privileged {
                    why: format!(
                        "{} in {} is in {}",
                        a.login,
                        a.system,
                        d.privileged_groups.join(", ")
                    ),
                    evidence: a.evidence.clone(),
                });
            }
        }
        if a.kind == AccountKind::Root {
            found.push(Privileged {
                why: format!("{} in {} is a root account", a.login, a.system),
                evidence: a.evidence.clone(),
            });
        }
        for m in &inv.memberships {
            if m.grants.is_some() && m.system == a.system && m.member == a.login {
                found.push(Privileged {
                    why: format!(
                        "{} in {} is a member of the administrator group {}",
                        a.login, a.system, m.group
                    ),
                    evidence: m.evidence.clone(),
                });
            }
        }
    }
    found.sort_by(|a, b| (&a.evidence, &a.why).cmp(&(&b.evidence, &b.why)));
    found.into_iter().next()
}

/// Whether the login names a break-glass account.
pub fn break_glass(login: &str) -> bool {
    let l = normalize_login(login);
    BREAK_GLASS.iter().any(|b| l.contains(b))
}

/// Whether two names from logs and tickets are the same person: the same normalised login
/// (`DOMAIN\user`, `user@domain`, `USER`), or accounts of the same identity.
pub fn same_person(ctx: &Context<'_>, system: &str, a: &str, b: &str) -> bool {
    let (na, nb) = (normalize_login(a), normalize_login(b));
    if na.is_empty() || nb.is_empty() {
        return false;
    }
    if na == nb {
        return true;
    }
    let inv = ctx.inventory;
    let id = |login: &str| {
        ctx.correlation.owner_identity_index(
            inv,
            &OwnerRef {
                system: Some(system.to_string()),
                login: login.to_string(),
            },
        )
    };
    matches!((id(a), id(b)), (Some(x), Some(y)) if x == y)
}

/// The names in a ticket cell that may list several (`a, b`, `a; b`).
pub fn names(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Whether a ticket's approval state says it was not approved.
pub fn refused(t: &Ticket) -> bool {
    t.approval.as_deref().is_some_and(|s| {
        let s = s.trim().to_ascii_lowercase();
        s == "rejected" || s == "cancelled" || s == "canceled" || s == "declined"
    })
}

/// The tickets about the event's target that were open at the event: opened before it (within
/// the scan's clock skew) and not closed more than [`TICKET_CLOSE_GRACE`] before it (an empty
/// closed time is a ticket still open).
pub fn tickets_for<'a>(ctx: &'a Context<'_>, e: &'a Event) -> Vec<&'a Ticket> {
    let Some(at) = e.at.known() else {
        return Vec::new();
    };
    let skew = SignedDuration::from_secs(ctx.options.skew_seconds);
    ctx.inventory
        .tickets
        .iter()
        .filter(|t| {
            t.account
                .as_deref()
                .is_some_and(|acc| names(acc).any(|n| same_person(ctx, &e.system, n, &e.target)))
        })
        .filter(|t| {
            let opened = t.opened.known();
            let closed = t.closed.known();
            let latest_open = at.saturating_add(skew).unwrap_or(at);
            let earliest_close = at.saturating_sub(TICKET_CLOSE_GRACE).unwrap_or(at);
            opened.is_some_and(|o| o <= latest_open) && closed.is_none_or(|c| c >= earliest_close)
        })
        .collect()
}
