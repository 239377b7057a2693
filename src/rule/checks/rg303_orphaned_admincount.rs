//! RG303 orphaned-admincount: adminCount=1 without privileged membership.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::DirectoryObject;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for (a, d) in enabled_directory_accounts(ctx) {
        if !(d.admin_count && d.privileged_groups.is_empty() && d.object == DirectoryObject::User) {
            continue;
        }
        let message = format!(
            "{} keeps adminCount=1 but is in no privileged group: a former administrator whose credentials may never have been rotated.",
            who(a)
        );
        out.push(
            out.finding(
                Level::Note,
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
