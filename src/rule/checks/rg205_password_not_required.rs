//! RG205 password-not-required: enabled accounts with PASSWD_NOTREQD (AD) or the `N` flag of
//! `sambaAcctFlags` (Samba's LDAP schema).

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Emit, Level, Subject};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for (a, d) in enabled_directory_accounts(ctx) {
        if !(d.flags.password_not_required) {
            continue;
        }
        // AD says it in userAccountControl, Samba's LDAP schema in sambaAcctFlags.
        let flag = if d.uac.is_some() {
            "PASSWD_NOTREQD"
        } else {
            "sambaAcctFlags N"
        };
        let message = format!(
            "{} may have an empty password ({flag}), whatever the password policy says.",
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
