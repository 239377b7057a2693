//! RG103 key-credential-survives-reset: `msDS-KeyCredentialLink` keys created before the identity's
//! last reset, and `altSecurityIdentities` mappings on a reset account.

use super::{describe_reset, survivors};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind};
use crate::rule::Context;


pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let kinds = &[CredentialKind::KeyCredential, CredentialKind::IdentityMapping];
    for s in survivors(ctx, kinds) {
        let (c, login, reset) = (s.cred, s.login, s.reset);
        let mapping = c.kind == CredentialKind::IdentityMapping;
        let (level, message) = match s.issued {
            Some(created) => {
                let tail = match s.used_after {
                    Some(u) => format!(
                        " It was used to log on around {}, after the reset.",
                        format_day(u)
                    ),
                    None => " Key-trust logon does not use the password.".to_string(),
                };
                (
                    if s.used_after.is_some() {
                        Level::Error
                    } else {
                        Level::Warning
                    },
                    format!(
                        "{} of {login} was created {}, before the password reset of {}, and still authenticates.{tail}",
                        c.label,
                        format_day(created),
                        format_day(reset.at)
                    ),
                )
            }
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
            out.finding(
                level,
                Subject::Credential {
                    id: &c.id,
                    account: Some(s.answerable),
                },
                c.evidence.clone(),
                message,
            )
            .account(login)
            .credential(c)
            .used_after_reset(s.used_after)
            .related(ev, format!("the reset: {text}")),
        );
    }
}
