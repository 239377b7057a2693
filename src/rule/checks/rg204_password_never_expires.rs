//! RG204 password-never-expires: enabled privileged (error) and service (warning) accounts with
//! DONT_EXPIRE_PASSWORD. Other users are not reported: NIST SP 800-63B-4 §3.1.1.2 forbids
//! periodic password changes for people, so the flag on a personal account is no weakness; for
//! privileged and service accounts nothing else ever rotates the password.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::DirectoryObject;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for (a, d) in enabled_directory_accounts(ctx) {
        if d.object != DirectoryObject::User || !d.flags.password_never_expires {
            continue;
        }
        let (level, what) = if !d.privileged_groups.is_empty() {
            (
                Level::Error,
                format!("privileged ({})", d.privileged_groups.join(", ")),
            )
        } else if !d.spns.is_empty() {
            (
                Level::Warning,
                format!("a service account (SPN {})", d.spns[0]),
            )
        } else {
            continue;
        };
        let message = format!(
            "The password of {} never expires (DONT_EXPIRE_PASSWORD). It is {what}, so no reset ever rotates it.",
            who(a)
        );
        out.push(
            out.finding(
                level,
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
