//! RG206 roastable-account-old-password: SPN or no-preauth users with old passwords.

use super::directory::{enabled_directory_accounts, password_age_days, who};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::DirectoryObject;
use crate::rule::Context;

/// PingCastle P-Kerberoasting: privileged accounts with an SPN and a password older than 40 days.
const PRIVILEGED_MAX_AGE_DAYS: i64 = 40;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let max = ctx.options.service_max_age_days;
    for (a, d) in enabled_directory_accounts(ctx) {
        if d.object != DirectoryObject::User {
            continue;
        }
        let kerberoastable = !d.spns.is_empty();
        let asrep = d.flags.preauth_not_required;
        if !kerberoastable && !asrep {
            continue;
        }
        let Some(age) = password_age_days(ctx, a) else {
            continue;
        };
        let privileged = !d.privileged_groups.is_empty();
        let level = if privileged && age > PRIVILEGED_MAX_AGE_DAYS {
            Level::Error
        } else if age > max {
            Level::Warning
        } else {
            continue;
        };
        let how = match (kerberoastable, asrep) {
            (true, true) => {
                "has a service principal name and does not require Kerberos pre-authentication"
            }
            (true, false) => "has a service principal name (Kerberoastable)",
            _ => "does not require Kerberos pre-authentication (AS-REP roastable)",
        };
        let privilege = if privileged {
            format!(" and is privileged ({})", d.privileged_groups.join(", "))
        } else {
            String::new()
        };
        let message = format!(
            "{} {how}{privilege}; its password is {age} days old, so a ticket cracked offline stays valid.",
            who(a)
        );
        out.push(
            out.finding(level,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                a.evidence.clone(),
                message,
            )
            .account(&a.login)
            .related(
                a.password_evidence
                    .clone()
                    .unwrap_or_else(|| a.evidence.clone()),
                "the last password change",
            ),
        );
    }
}
