//! RG203 krbtgt-not-rotated: krbtgt password older than `--krbtgt-max-age`.

use super::directory::password_age_days;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, DirectoryObject};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let max = ctx.options.krbtgt_max_age_days;
    for a in &ctx.inventory.accounts {
        let Some(d) = a.directory.as_deref() else {
            continue;
        };
        if d.object != DirectoryObject::Krbtgt {
            continue;
        }
        let Some(age) = password_age_days(ctx, a) else {
            continue;
        };
        if age <= max {
            continue;
        }
        let level = if age > 2 * max {
            Level::Error
        } else {
            Level::Warning
        };
        let changed = a
            .password_last_set
            .known()
            .map(format_day)
            .unwrap_or_default();
        let message = format!(
            "{} in {} last changed its password {changed}, {age} days ago (maximum {max}): forged Kerberos tickets survive every user reset until it is rotated twice.",
            a.login, a.system
        );
        let evidence = a
            .password_evidence
            .clone()
            .unwrap_or_else(|| a.evidence.clone());
        out.push(
            out.finding(level,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                evidence,
                message,
            )
            .account(&a.login),
        );
    }
}
