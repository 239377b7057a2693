//! RG107 recovery-factor-survives-reset: authentication and recovery methods older than the reset.

use super::{describe_reset, survivors};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind};
use crate::rule::revocation::verdict;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for s in survivors(ctx, &[CredentialKind::RecoveryMethod]) {
        let (c, login, reset) = (s.cred, s.login, s.reset);
        let revocation = verdict(ctx, &reset, c).sentence;
        let (level, mut message) = match s.issued {
            Some(at) => (
                Level::Warning,
                format!(
                    "{} of {login} was registered {}, before the password reset of {}, and is still present: whoever registered it can pass MFA or recover the account.",
                    c.label,
                    format_day(at),
                    format_day(reset.at)
                ),
            ),
            None => (
                Level::Note,
                format!(
                    "{} of {login} has no registration date, so it may predate the password reset of {}.",
                    c.label,
                    format_day(reset.at)
                ),
            ),
        };
        message.push(' ');
        message.push_str(&revocation);
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
            .related(ev, format!("the reset: {text}")),
        );
    }
}
