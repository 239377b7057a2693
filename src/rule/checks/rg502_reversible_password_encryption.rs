//! RG502 reversible-password-encryption: ENCRYPTED_TEXT_PWD_ALLOWED on enabled accounts.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Finding, Level, Subject};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    enabled_directory_accounts(ctx)
        .filter(|(_, _, d)| d.flags.reversible_encryption)
        .map(|(_, a, _)| {
            let message = format!("The password of {} is stored with reversible encryption: its cleartext can be recovered from the directory.", who(a));
            Finding::new("RG502", Level::Warning, Subject::Account { system: &a.system, login: &a.login }, a.evidence.clone(), message)
                .account(&a.login)
        })
        .collect()
}
