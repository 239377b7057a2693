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
//!
//! Also the identity's Entra per-user MFA state (`per_user_mfa`), and the note RG602 and RG606
//! add for a privileged identity whose per-user MFA is disabled with no other strong-auth
//! evidence (`weak_mfa_note`).

use crate::correlate::normalize_login;
use crate::inventory::ledger::{Event, EventKind, Ticket};
use crate::inventory::{
    Account, AccountKind, CredentialKind, Evidence, OwnerRef, PerUserMfa, PerUserMfaState,
};
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
        for &mi in ctx.privileged_memberships(&a.system, &a.login) {
            let m = &inv.memberships[mi as usize];
            {
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
    let inv = ctx.inventory;
    // Candidates from the index: every ticket `same_person` can accept names the target by its
    // normalised login, by a name that links to the target's identity, or by a login or alias
    // of an account of that identity on the event's system. Each is then checked as before.
    let target = normalize_login(&e.target);
    if target.is_empty() {
        return Vec::new();
    }
    let index = ctx.ticket_names();
    let mut candidates: Vec<u32> = index.normalized(&target).to_vec();
    let owner = OwnerRef {
        system: Some(e.system.clone()),
        login: e.target.clone(),
    };
    if let Some(identity) = ctx.correlation.owner_identity_index(inv, &owner) {
        candidates.extend_from_slice(index.identity(identity));
        for &ai in &ctx.correlation.identities[identity].accounts {
            let a = &inv.accounts[ai];
            if a.system == e.system {
                candidates.extend_from_slice(index.exact(&a.login));
                for alias in &a.aliases {
                    candidates.extend_from_slice(index.exact(alias));
                }
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .map(|ti| &inv.tickets[ti as usize])
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

/// The per-user MFA state of the identity `login` on `system` belongs to: the state on its own
/// account, else on another account of its identity (an AD admin's synced Entra account).
/// `None` when no export showed one.
pub fn per_user_mfa<'a>(
    ctx: &'a Context<'_>,
    system: &str,
    login: &str,
) -> Option<(&'a Account, &'a PerUserMfa)> {
    let inv = ctx.inventory;
    let own = inv
        .account(system, login)
        .map(|i| &inv.accounts[i])
        .and_then(|a| Some((a, a.per_user_mfa.as_ref()?)));
    own.or_else(|| {
        let mut found: Vec<(&Account, &PerUserMfa)> = identity_accounts(ctx, system, login)
            .into_iter()
            .map(|i| &inv.accounts[i])
            .filter_map(|a| Some((a, a.per_user_mfa.as_ref()?)))
            .collect();
        // The strongest state, then a fixed order.
        found.sort_by(|a, b| {
            (b.1.state, &a.0.system, &a.0.login).cmp(&(a.1.state, &b.0.system, &b.0.login))
        });
        found.into_iter().next()
    })
}

/// Other evidence that an identity authenticates strongly: a sign-in whose log shows strong
/// authentication (Entra `authenticationRequirement` multi-factor, Okta `auth_via_mfa`), or a
/// registered phishing-resistant or app-based method (Entra FIDO2, Windows Hello, Microsoft
/// Authenticator, software OATH; Okta and Google factors are not told apart here).
fn strong_auth_elsewhere(ctx: &Context<'_>, accounts: &[usize]) -> bool {
    let inv = ctx.inventory;
    let names: Vec<(&str, &str)> = accounts
        .iter()
        .map(|&i| {
            (
                inv.accounts[i].system.as_str(),
                inv.accounts[i].login.as_str(),
            )
        })
        .collect();
    let is_ours = |system: &str, login: &str| {
        names
            .iter()
            .any(|(s, l)| *s == system && l.eq_ignore_ascii_case(login))
    };
    let signed_in_strongly = inv.events.iter().any(|e| {
        e.kind == EventKind::SignIn && e.strong_auth == Some(true) && is_ours(&e.system, &e.target)
    });
    const STRONG: [&str; 4] = [
        "fido2",
        "windowsHelloForBusiness",
        "microsoftAuthenticator",
        "softwareOath",
    ];
    let strong_method = inv.credentials.iter().any(|c| {
        c.kind == CredentialKind::RecoveryMethod
            && STRONG
                .iter()
                .any(|m| c.label.contains(&format!("Entra {m} ")))
            && c.owner.as_ref().is_some_and(|o| {
                is_ours(o.system.as_deref().unwrap_or(""), &o.login)
                    || (o.system.is_none()
                        && names.iter().any(|(_, l)| l.eq_ignore_ascii_case(&o.login)))
            })
    });
    signed_in_strongly || strong_method
}

/// For a privileged account's message: a note when the identity's per-user MFA is disabled and
/// nothing else in the scan shows it authenticates strongly (a sign-in with MFA, a registered
/// strong method), with the line of the state. Conditional Access, which the scan does not read,
/// may still require MFA: the note says so.
pub fn weak_mfa_note(ctx: &Context<'_>, system: &str, login: &str) -> Option<(String, Evidence)> {
    let (a, mfa) = per_user_mfa(ctx, system, login)?;
    if mfa.state != PerUserMfaState::Disabled {
        return None;
    }
    let inv = ctx.inventory;
    let mut accounts = identity_accounts(ctx, system, login);
    if let Some(i) = inv.account(&a.system, &a.login) {
        accounts.push(i);
    }
    if strong_auth_elsewhere(ctx, &accounts) {
        return None;
    }
    Some((
        format!(
            "{}'s Entra per-user MFA is disabled ({}) and no sign-in or registered method in the \
             scan shows it authenticating strongly (Conditional Access, not read here, may still \
             require MFA)",
            a.login, mfa.evidence
        ),
        mfa.evidence.clone(),
    ))
}
