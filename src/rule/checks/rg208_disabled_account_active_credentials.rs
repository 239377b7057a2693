//! RG208 disabled-account-active-credentials: active credentials of a disabled or suspended
//! account.

use super::credential_name;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::CredentialStatus;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for c in &inv.credentials {
        if c.status != CredentialStatus::Active {
            continue;
        }
        let Some(owner) = &c.owner else { continue };
        let Some(system) = &owner.system else {
            continue;
        };
        let Some(i) = inv.account(system, &owner.login) else {
            continue;
        };
        let a = &inv.accounts[i];
        if a.enabled != Some(false) {
            continue;
        }
        let message = format!(
            "{} of {} is still active although the account is disabled on {}: disabling stopped the password, not this credential.",
            credential_name(c),
            a.login,
            a.system
        );
        out.push(
            out.finding(Level::Error,
                Subject::Credential {
                    id: &c.id,
                    account: Some(owner),
                },
                c.evidence.clone(),
                message,
            )
            .account(&a.login)
            .credential(c)
            .related(
                a.evidence.clone(),
                format!("the disabled account {} on {}", a.login, a.system),
            ),
        );
    }
}
