//! RG105 sessions-not-revoked-at-reset: sessions valid from before the last password change.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::when::format_pair;
use crate::rule::revocation::sessions_sentence;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for a in &ctx.inventory.accounts {
        let (Some(valid_from), Some(changed)) =
            (a.sessions_valid_from.known(), a.password_last_set.known())
        else {
            continue;
        };
        if valid_from.as_second() >= changed.as_second() - ctx.options.skew_seconds {
            continue;
        }
        let (from, change) = format_pair(valid_from, changed);
        let message = format!(
            "Sessions and refresh tokens of {} on {} are valid from {from}, before the password change of {change}. {}",
            a.login,
            a.system,
            sessions_sentence(a)
        );
        let evidence = a
            .sessions_evidence
            .clone()
            .unwrap_or_else(|| a.evidence.clone());
        let mut f = out.finding(Level::Warning,
            Subject::Account {
                system: &a.system,
                login: &a.login,
            },
            evidence,
            message,
        )
        .account(&a.login);
        if let Some(ev) = &a.password_evidence {
            f = f.related(ev.clone(), "the password change");
        }
        out.push(f);
    }
}
