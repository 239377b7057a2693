//! RG106 reset-not-propagated: a synchronised store's password older than the directory reset.

use super::describe_reset;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::when::format_pair;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    let interval = ctx.options.sync_interval_minutes * 60;
    for (i, a) in inv.accounts.iter().enumerate() {
        if a.synced_from.is_none() {
            continue;
        }
        let identity = ctx.correlation.identity_of(i);
        // The latest reset among the identity's directory accounts (AD or LDAP entries).
        let directory_reset = identity
            .accounts
            .iter()
            .filter(|&&j| inv.accounts[j].directory.is_some())
            .filter_map(|&j| inv.accounts[j].password_last_set.known().map(|t| (t, j)))
            .max();
        let Some((reset_at, _)) = directory_reset else {
            continue;
        };
        let store = a.password_last_set.known();
        let behind = match store {
            Some(t) => t.as_second() + interval < reset_at.as_second(),
            None => false,
        };
        if !behind {
            continue;
        }
        let Some(store) = store else { continue };
        let (store, reset) = format_pair(store, reset_at);
        let message = format!(
            "The password of {} on {} last changed {store}, but the directory reset it {reset}: the reset did not reach this synchronised store, where the old password may still work.",
            a.login,
            a.system,
        );
        let evidence = a
            .password_evidence
            .clone()
            .unwrap_or_else(|| a.evidence.clone());
        let mut f = out.finding(Level::Warning,
            Subject::Account {
                system: &a.system,
                login: &a.login,
            },
            evidence,
            message,
        )
        .account(&a.login);
        if let Some(reset) = identity.last_reset {
            let (ev, text) = describe_reset(ctx, &reset);
            f = f.related(ev, format!("the directory reset: {text}"));
        }
        out.push(f);
    }
}
