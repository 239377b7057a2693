//! Helpers shared by the directory rules: which accounts are directory accounts, whether they are
//! enabled, and how old their password is.

use crate::inventory::{Account, DirectoryAccount, When};
use crate::rule::Context;

/// Enabled, not expired directory accounts with their directory facts.
pub fn enabled_directory_accounts<'a>(
    ctx: &'a Context<'_>,
) -> impl Iterator<Item = (&'a Account, &'a DirectoryAccount)> + 'a {
    ctx.inventory
        .accounts
        .iter()
        .filter_map(|a| a.directory.as_deref().map(|d| (a, d)))
        .filter(move |(a, d)| is_enabled(ctx, a) && !d.flags.disabled)
}

/// Not disabled and not expired as of the scan.
pub fn is_enabled(ctx: &Context<'_>, a: &Account) -> bool {
    let expired = matches!(a.expires, When::Known(e) if e <= ctx.options.as_of);
    a.enabled != Some(false) && !expired
}

/// Days since the password last changed, when known.
pub fn password_age_days(ctx: &Context<'_>, a: &Account) -> Option<i64> {
    a.password_last_set.days_until(ctx.options.as_of)
}

/// "alice in corp.example.test".
pub fn who(a: &Account) -> String {
    format!("{} in {}", a.login, a.system)
}
