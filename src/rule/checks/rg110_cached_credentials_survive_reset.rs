//! RG110 cached-credentials-survive-reset (SSSD): a domain with `cache_credentials = true`
//! while `[pam] offline_credentials_expiration` is 0 (sssd.conf(5) default: no limit). A
//! directory reset does not reach the offline cache: the old password keeps unlocking the host
//! whenever it cannot reach the directory.
//!
//! Windows (`source::windows`, `reg export` of Winlogon): `CachedLogonsCount` above 0 (Windows
//! default 10) keeps a verifier of the last domain logons on the computer; a reset in the
//! directory does not reach it, so the old password logs on while no domain controller is
//! reachable (a laptop off the network), until the user's next online logon. Judged only where
//! the export holds the value (a default has no line to point at).

use crate::finding::{Emit, Level, Subject};
use crate::inventory::Scope;
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let settings = &ctx.inventory.settings;
    for s in settings
        .iter()
        .filter(|s| s.component == "sssd" && s.key == "cache_credentials" && s.value == "true")
    {
        let Some(ev) = &s.evidence else { continue };
        let expiry = settings.iter().find(|x| {
            x.system == s.system
                && x.component == "sssd"
                && x.key == "offline_credentials_expiration"
        });
        let days = expiry.map_or("0", |x| x.value.as_str());
        if days.trim() != "0" {
            continue;
        }
        let domain = match &s.scope {
            Scope::Conditional(c) => c.as_str(),
            Scope::Global => "",
        };
        let how = match expiry.and_then(|x| x.evidence.as_ref()) {
            Some(_) => "`offline_credentials_expiration = 0`",
            None => "no `offline_credentials_expiration` (sssd.conf(5) default 0, SSSD 2.8)",
        };
        let message = format!(
            "SSSD on {} caches the passwords of [{domain}] with {how}: cached passwords never \
             expire offline, so a password reset in the directory does not reach this host's \
             cache and the old password keeps working whenever the directory is unreachable.",
            s.system
        );
        let mut f = out
            .finding(
                Level::Warning,
                Subject::Setting {
                    host: &s.system,
                    setting: "sssd:cache_credentials",
                    scope: domain,
                },
                ev.clone(),
                message,
            )
            .host(Some(&s.system));
        if let Some(pev) = expiry.and_then(|x| x.evidence.clone()) {
            f = f.related(pev, "offline_credentials_expiration");
        }
        out.push(f);
    }
    windows(ctx, out);
}

fn windows(ctx: &Context<'_>, out: &mut Emit) {
    for s in ctx
        .inventory
        .settings
        .iter()
        .filter(|s| s.component == "windows" && s.key == "cachedlogonscount")
    {
        let Some(ev) = &s.evidence else { continue };
        let Ok(n) = s.value.trim().parse::<u32>() else {
            continue;
        };
        if n == 0 {
            continue;
        }
        let message = format!(
            "Windows on {} caches the last {n} domain logons (CachedLogonsCount {n}; Windows \
             default 10): a password reset in the directory does not reach the cache, so the old \
             password keeps logging on while no domain controller is reachable (a laptop off the \
             network) until the user's next online logon.",
            s.system
        );
        out.push(
            out.finding(
                Level::Warning,
                Subject::Setting {
                    host: &s.system,
                    setting: "windows:cachedlogonscount",
                    scope: "global",
                },
                ev.clone(),
                message,
            )
            .host(Some(&s.system)),
        );
    }
}
