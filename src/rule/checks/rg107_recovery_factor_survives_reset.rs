//! RG107 recovery-factor-survives-reset: authentication and recovery methods older than the reset.

use super::{describe_reset, owner_of, predates};
use crate::finding::{Finding, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind, CredentialStatus};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in ctx
        .inventory
        .credentials
        .iter()
        .filter(|c| c.kind == CredentialKind::RecoveryMethod)
    {
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
            Some(at) if predates(ctx, at, &reset) => (
                Level::Warning,
                format!(
                    "{} of {login} was registered {}, before the password reset of {}, and is still present: whoever registered it can pass MFA or recover the account.",
                    c.label,
                    format_day(at),
                    format_day(reset.at)
                ),
            ),
            Some(_) => continue,
            None => (
                Level::Note,
                format!(
                    "{} of {login} has no registration date, so it may predate the password reset of {}.",
                    c.label,
                    format_day(reset.at)
                ),
            ),
        };
        let (ev, text) = describe_reset(ctx, &reset);
        out.push(
            Finding::new(
                "RG107",
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
