//! RG205 password-not-required: enabled accounts with PASSWD_NOTREQD.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Finding, Level, Subject};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    enabled_directory_accounts(ctx)
        .filter(|(_, _, d)| d.flags.password_not_required)
        .map(|(_, a, _)| {
            let message = format!("{} may have an empty password (PASSWD_NOTREQD), whatever the password policy says.", who(a));
            Finding::new("RG205", Level::Warning, Subject::Account { system: &a.system, login: &a.login }, a.evidence.clone(), message)
                .account(&a.login)
        })
        .collect()
}
