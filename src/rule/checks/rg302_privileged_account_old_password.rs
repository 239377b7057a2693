//! RG302 privileged-account-old-password: privileged directory accounts with old passwords.

use super::directory::{enabled_directory_accounts, password_age_days, who};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::DirectoryObject;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let max = ctx.options.privileged_max_age_days;
    for (a, d) in enabled_directory_accounts(ctx) {
        if d.privileged_groups.is_empty() || !matches!(d.object, DirectoryObject::User) {
            continue;
        }
        let Some(age) = password_age_days(ctx, a) else {
            continue;
        };
        if age <= max {
            continue;
        }
        let message = format!(
            "{} is privileged ({}) and its password is {age} days old (maximum {max}).",
            who(a),
            d.privileged_groups.join(", ")
        );
        out.push(
            out.finding(Level::Warning,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                a.password_evidence
                    .clone()
                    .unwrap_or_else(|| a.evidence.clone()),
                message,
            )
            .account(&a.login)
            .related(a.evidence.clone(), format!("directory entry {}", d.dn)),
        );
    }
}
