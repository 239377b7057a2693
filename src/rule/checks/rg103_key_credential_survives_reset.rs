//! RG103 key-credential-survives-reset: `msDS-KeyCredentialLink` keys created before the identity's
//! last reset, and `altSecurityIdentities` mappings on a reset account.

use super::{describe_reset, owner_of, predates};
use crate::finding::{Finding, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind, CredentialStatus};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &ctx.inventory.credentials {
        let mapping = match c.kind {
            CredentialKind::KeyCredential => false,
            CredentialKind::IdentityMapping => true,
            _ => continue,
        };
        if matches!(
            c.status,
            CredentialStatus::Inactive | CredentialStatus::Revoked | CredentialStatus::Expired
        ) {
            continue;
        }
        let Some((identity, login)) = owner_of(ctx, c) else {
            continue;
        };
        let Some(reset) = identity.last_reset else {
            continue;
        };
        let (level, message) = match c.issued.known() {
            Some(created) if predates(ctx, created, &reset) => {
                let used_after = c.last_used.known().filter(|u| *u > reset.at);
                let tail = match used_after {
                    Some(u) => format!(" It was used to log on around {}, after the reset.", format_day(u)),
                    None => " Key-trust logon does not use the password.".to_string(),
                };
                (
                    if used_after.is_some() { Level::Error } else { Level::Warning },
                    format!(
                        "{} of {login} was created {}, before the password reset of {}, and still authenticates.{tail}",
                        c.label,
                        format_day(created),
                        format_day(reset.at)
                    ),
                )
            }
            Some(_) => continue,
            None if mapping => (
                Level::Note,
                format!(
                    "{} of {login} authenticates without the password and is not dated, so it may predate the password reset of {}.",
                    c.label,
                    format_day(reset.at)
                ),
            ),
            None => continue,
        };
        let (ev, text) = describe_reset(ctx, &reset);
        out.push(
            Finding::new(
                "RG103",
                level,
                Subject::Credential {
                    id: &c.id,
                    account: c.owner.as_ref(),
                },
                c.evidence.clone(),
                message,
            )
            .account(login)
            .credential(c)
            .related(ev, format!("the reset: {text}")),
        );
    }
    out
}
