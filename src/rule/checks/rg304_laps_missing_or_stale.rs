//! RG304 laps-missing-or-stale: computers without LAPS, or whose LAPS password stopped rotating.

use super::directory::enabled_directory_accounts;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, DirectoryObject, Laps};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let grace = ctx.options.laps_grace_days;
    for (a, d) in enabled_directory_accounts(ctx) {
        if d.object != DirectoryObject::Computer {
            continue;
        }
        let message = match d.laps {
            Laps::Missing => format!(
                "Computer {} in {} has no LAPS-managed local administrator password: its local admin password survives every domain reset.",
                a.login, a.system
            ),
            Laps::Expires(when) => match when.days_until(ctx.options.as_of) {
                Some(days) if days > grace => format!(
                    "Computer {} in {} has a LAPS password that expired {} ({days} days ago) and has not rotated since.",
                    a.login,
                    a.system,
                    when.known().map(format_day).unwrap_or_default()
                ),
                _ => continue,
            },
            Laps::NotApplicable => continue,
        };
        out.push(
            out.finding(Level::Warning,
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
