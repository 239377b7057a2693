//! RG204 password-never-expires: enabled users with DONT_EXPIRE_PASSWORD; error when privileged.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::DirectoryObject;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for (a, d) in enabled_directory_accounts(ctx) {
        if d.object != DirectoryObject::User || !d.flags.password_never_expires {
            continue;
        }
        let privileged = !d.privileged_groups.is_empty();
        let level = if privileged {
            Level::Error
        } else {
            Level::Warning
        };
        let extra = if privileged {
            format!(" It is privileged ({}).", d.privileged_groups.join(", "))
        } else {
            String::new()
        };
        let message = format!("The password of {} never expires (DONT_EXPIRE_PASSWORD), so nothing forces it to rotate.{extra}", who(a));
        out.push(
            out.finding(level,
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
