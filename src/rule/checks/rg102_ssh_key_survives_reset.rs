//! RG102 ssh-key-survives-reset: authorized SSH keys older than the account's last reset (of any
//! linked account), and keys on accounts whose password is locked or pending a forced change but
//! not expired. A note when the key cannot be dated.

use super::{describe_reset, predates};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{
    when::format_day, AccountScope, CredentialKind, CredentialStatus, IssuedBasis, PasswordState,
    When,
};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for c in &inv.credentials {
        if c.kind != CredentialKind::SshKey
            || matches!(
                c.status,
                CredentialStatus::Inactive | CredentialStatus::Revoked | CredentialStatus::Expired
            )
        {
            continue;
        }
        if c.expires.known().is_some_and(|e| e <= ctx.options.as_of) {
            continue;
        }
        let Some(owner) = &c.owner else { continue };
        let accounts = ctx.correlation.owner_accounts(inv, owner);
        let Some(&acc_idx) = accounts.first() else {
            continue;
        };
        let account = &inv.accounts[acc_idx];
        let identity = ctx.correlation.identity_of(acc_idx);
        // An expired or disabled account refuses key logins too.
        let expired = matches!(account.expires, When::Known(e) if e <= ctx.options.as_of);
        if expired || account.enabled == Some(false) {
            continue;
        }
        let host = (account.scope == AccountScope::Local).then_some(account.system.as_str());

        let mut reasons = Vec::new();
        let mut related = Vec::new();
        let mut level = None;

        if let Some(reset) = identity.last_reset {
            let (ev, text) = describe_reset(ctx, &reset);
            match c.issued.known() {
                Some(issued) if predates(ctx, issued, &reset) => {
                    let basis = match c.issued_basis {
                        IssuedBasis::Manifest => {
                            "its key file was last written (collection manifest)"
                        }
                        IssuedBasis::FileModified => "its key file was last modified",
                        _ => "it was added",
                    };
                    reasons.push(format!(
                        "{basis} {}, before the password reset of {}, so the key survived the reset",
                        format_day(issued),
                        format_day(reset.at)
                    ));
                    related.push((ev, format!("the reset: {text}")));
                    level = Some(Level::Warning);
                }
                Some(_) => {}
                None => {
                    reasons.push(format!(
                        "it cannot be dated, so it may predate the password reset of {}",
                        format_day(reset.at)
                    ));
                    related.push((ev, format!("the reset: {text}")));
                    level = Some(Level::Note);
                }
            }
        }
        {
            let state = match account.password {
                PasswordState::Locked => {
                    Some("the password is locked but the account is not expired")
                }
                PasswordState::PendingChange => {
                    Some("a forced password change is pending but keys skip it")
                }
                _ => None,
            };
            if let Some(state) = state {
                reasons.push(format!("{state}, so the key still logs in"));
                let ev = account
                    .password_evidence
                    .clone()
                    .unwrap_or_else(|| account.evidence.clone());
                related.push((
                    ev,
                    format!("password state of {} on {}", account.login, account.system),
                ));
                level = Some(Level::Warning);
            }
        }
        let Some(level) = level else { continue };
        let message = format!(
            "SSH key {} of {} on {} still logs in without the password: {}.",
            c.id,
            owner.login,
            account.system,
            reasons.join("; ")
        );
        let mut f = out.finding(level,
            Subject::Credential {
                id: &c.id,
                account: Some(owner),
            },
            c.evidence.clone(),
            message,
        )
        .account(&owner.login)
        .host(host)
        .credential(c);
        for (ev, text) in related {
            f = f.related(ev, text);
        }
        out.push(f);
    }
}
