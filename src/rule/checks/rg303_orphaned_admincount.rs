//! RG303 orphaned-admincount: adminCount=1 without privileged membership.

use super::directory::{enabled_directory_accounts, who};
use crate::finding::{Finding, Level, Subject};
use crate::inventory::DirectoryObject;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    enabled_directory_accounts(ctx)
        .filter(|(_, _, d)| d.admin_count && d.privileged_groups.is_empty() && d.object == DirectoryObject::User)
        .map(|(_, a, _)| {
            let message = format!(
                "{} keeps adminCount=1 but is in no privileged group: a former administrator whose credentials may never have been rotated.",
                who(a)
            );
            Finding::new("RG303", Level::Note, Subject::Account { system: &a.system, login: &a.login }, a.evidence.clone(), message)
                .account(&a.login)
        })
        .collect()
}
