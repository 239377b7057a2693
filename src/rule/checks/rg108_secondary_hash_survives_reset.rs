//! RG108 secondary-hash-survives-reset: `sambaNTPassword`/`krbPrincipalKey` set before the
//! identity's last password change.

use super::{describe_reset, survivors};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind};
use crate::rule::Context;


pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for s in survivors(ctx, &[CredentialKind::SecondaryHash]) {
        let (c, login, reset) = (s.cred, s.login, s.reset);
        let Some(set) = s.issued else { continue };
        let (ev, text) = describe_reset(ctx, &reset);
        let message = format!(
            "{} of {login} was set {}, before the password change of {}: the old hash still authenticates.",
            c.label,
            format_day(set),
            format_day(reset.at)
        );
        out.push(
            out.finding(
                Level::Warning,
                Subject::Credential {
                    id: &c.id,
                    account: Some(s.answerable),
                },
                c.evidence.clone(),
                message,
            )
            .account(login)
            .credential(c)
            .related(ev, format!("the password change: {text}")),
        );
    }
}
