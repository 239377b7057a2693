//! RG502 reversible-password-encryption: ENCRYPTED_TEXT_PWD_ALLOWED on enabled accounts.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Emit, Level, Subject};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for (a, d) in enabled_directory_accounts(ctx) {
        if !(d.flags.reversible_encryption) {
            continue;
        }
        let message = format!(
            "The password of {} is stored with reversible encryption: its cleartext can be recovered from the directory.",
            who(a)
        );
        out.push(
            out.finding(
                Level::Warning,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                a.evidence.clone(),
                message,
            )
            .account(&a.login),
        );
    }
}
