//! RG108 secondary-hash-survives-reset: `sambaNTPassword`/`krbPrincipalKey` set before the
//! identity's last password change.

use super::{describe_reset, owner_of, predates};
use crate::finding::{Finding, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in ctx
        .inventory
        .credentials
        .iter()
        .filter(|c| c.kind == CredentialKind::SecondaryHash)
    {
        let Some((identity, login)) = owner_of(ctx, c) else {
            continue;
        };
        let Some(reset) = identity.last_reset else {
            continue;
        };
        let Some(set) = c.issued.known() else {
            continue;
        };
        if !predates(ctx, set, &reset) {
            continue;
        }
        let (ev, text) = describe_reset(ctx, &reset);
        let message = format!(
            "{} of {login} was set {}, before the password change of {}: the old hash still authenticates.",
            c.label,
            format_day(set),
            format_day(reset.at)
        );
        out.push(
            Finding::new(
                "RG108",
                Level::Warning,
                Subject::Credential {
                    id: &c.id,
                    account: c.owner.as_ref(),
                },
                c.evidence.clone(),
                message,
            )
            .account(login)
            .credential(c)
            .related(ev, format!("the password change: {text}")),
        );
    }
    out
}
