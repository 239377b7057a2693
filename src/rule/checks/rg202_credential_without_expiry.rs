//! RG202 credential-without-expiry: tokens that never expire, secrets valid beyond the policy.

use super::credential_name;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{CredentialKind, CredentialStatus, When};
use crate::rule::Context;

const NEVER_EXPIRING_IS_A_FINDING: &[CredentialKind] = &[
    CredentialKind::PersonalAccessToken,
    CredentialKind::ApiToken,
    CredentialKind::VaultToken,
    CredentialKind::ServiceAccountToken,
];

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let max = ctx.options.max_secret_lifetime_days;
    for c in &ctx.inventory.credentials {
        if c.status != CredentialStatus::Active {
            continue;
        }
        let whose = c
            .owner
            .as_ref()
            .map(|o| format!(" of {}", o.login))
            .unwrap_or_default();
        let message = if NEVER_EXPIRING_IS_A_FINDING.contains(&c.kind) && c.expires == When::Never {
            format!(
                "{}{whose} never expires: if it leaks, it works until someone revokes it.",
                credential_name(c)
            )
        } else if matches!(
            c.kind,
            CredentialKind::ClientSecret | CredentialKind::ClientCertificate
        ) {
            let (Some(start), Some(end)) = (c.issued.known(), c.expires.known()) else {
                continue;
            };
            let days = (end.as_second() - start.as_second()) / 86_400;
            if days <= max {
                continue;
            }
            format!(
                "{}{whose} is valid for {days} days, over the maximum of {max}.",
                credential_name(c)
            )
        } else {
            continue;
        };
        let mut f = out.finding(Level::Warning,
            Subject::Credential {
                id: &c.id,
                account: c.owner.as_ref(),
            },
            c.evidence.clone(),
            message,
        )
        .credential(c);
        if let Some(o) = &c.owner {
            f = f.account(&o.login);
        }
        out.push(f);
    }
}
