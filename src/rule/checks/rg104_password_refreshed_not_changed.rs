//! RG104 password-refreshed-not-changed: `pwdLastSet` written after the password last changed.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::when::format_pair;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for (a, d) in enabled_directory_accounts(ctx) {
        let (Some(refreshed), Some(changed)) = (d.pwd_last_set.known(), d.password_changed.known())
        else {
            continue;
        };
        if refreshed.as_second() <= changed.as_second() + ctx.options.skew_seconds {
            continue;
        }
        let (refreshed, changed) = format_pair(refreshed, changed);
        let message = format!(
            "{} looks reset: pwdLastSet says {refreshed}, but the password itself last changed {changed}. The old password still works.",
            who(a),
        );
        let evidence = a
            .password_evidence
            .clone()
            .unwrap_or_else(|| a.evidence.clone());
        out.push(
            out.finding(Level::Error,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                evidence,
                message,
            )
            .account(&a.login)
            .related(a.evidence.clone(), format!("directory entry {}", d.dn)),
        );
    }
}
