//! RG207 reset-pending: a forced password change still pending on an enabled account.

use super::directory::is_enabled;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{PasswordState, When};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let max = ctx.options.pending_reset_max_age_days;
    for a in &ctx.inventory.accounts {
        let pending = a.password == PasswordState::PendingChange
            || a.directory.as_deref().is_some_and(|d| d.must_change);
        if !pending || !is_enabled(ctx, a) {
            continue;
        }
        // When the reset was forced: the metadata time of pwdLastSet (AD) or pwdChangedTime (LDAP).
        let since = a.directory.as_deref().map_or(When::Unknown, |d| {
            if d.pwd_last_set_written.is_known() {
                d.pwd_last_set_written
            } else {
                d.pwd_last_set
            }
        });
        let (level, age_text) = match since.days_until(ctx.options.as_of) {
            Some(days) if days > max => {
                (Level::Warning, format!("for {days} days (maximum {max})"))
            }
            Some(_) => continue,
            None => (Level::Note, "since an unknown date".to_string()),
        };
        let message = format!(
            "{} on {} has had a forced password change pending {age_text}: the temporary password is still the one in use.",
            a.login, a.system
        );
        let evidence = a
            .password_evidence
            .clone()
            .unwrap_or_else(|| a.evidence.clone());
        out.push(
            out.finding(level,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                evidence,
                message,
            )
            .account(&a.login),
        );
    }
}
