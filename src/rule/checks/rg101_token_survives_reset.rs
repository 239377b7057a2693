//! RG101 token-survives-reset: a bearer credential issued before its identity's last reset and
//! still active; an error when it was used after the reset.

use super::{answerable, credential_name, describe_reset, predates};
use crate::finding::{Finding, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind, CredentialStatus};
use crate::rule::Context;

/// Credentials that authenticate on their own, without the password.
const BEARER: &[CredentialKind] = &[
    CredentialKind::AccessKey,
    CredentialKind::SigningCertificate,
    CredentialKind::PersonalAccessToken,
    CredentialKind::ApiToken,
    CredentialKind::OAuthGrant,
    CredentialKind::ClientSecret,
    CredentialKind::ClientCertificate,
    CredentialKind::VaultToken,
    CredentialKind::ServiceAccountToken,
    CredentialKind::DeployKey,
];

pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &ctx.inventory.credentials {
        if !BEARER.contains(&c.kind) || c.status != CredentialStatus::Active {
            continue;
        }
        let Some(issued) = c.issued.known() else {
            continue;
        };
        // The owner's identity, and for application secrets the people responsible for them.
        for (identity, login, answerable_ref) in answerable(ctx, c) {
            let Some(reset) = identity.last_reset else {
                continue;
            };
            if !predates(ctx, issued, &reset) {
                continue;
            }
            let used_after = c.last_used.known().filter(|u| *u > reset.at);
            let (reset_evidence, reset_text) = describe_reset(ctx, &reset);
            let held = match &c.owner {
                Some(o) if o.login == login => format!("of {login}"),
                _ => format!("that {login} is responsible for"),
            };
            let mut message = format!(
                "{} {held} was issued {} and is still active after the password reset of {}. ",
                credential_name(c),
                format_day(issued),
                format_day(reset.at),
            );
            let level = match used_after {
                Some(u) => {
                    message.push_str(&format!(
                        "It was used {}, after the reset: someone still holds it.",
                        format_day(u)
                    ));
                    Level::Error
                }
                None => {
                    message.push_str("A reset does not revoke it; rotate or delete it.");
                    Level::Warning
                }
            };
            let mut f = Finding::new(
                "RG101",
                level,
                Subject::Credential {
                    id: &c.id,
                    account: Some(answerable_ref),
                },
                c.evidence.clone(),
                message,
            )
            .account(login)
            .credential(c)
            .related(reset_evidence, format!("the reset: {reset_text}"));
            for r in &c.related {
                f = f.related(r.clone(), "further record of the same credential");
            }
            out.push(f);
        }
    }
    out
}
