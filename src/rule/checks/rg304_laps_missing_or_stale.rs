//! RG304 laps-missing-or-stale: computers without LAPS, or whose LAPS password stopped rotating.
//!
//! Directory side: a computer account without a LAPS expiration time, or whose LAPS password
//! expired more than the grace period ago. Host side (`source::windows`): the built-in
//! Administrator (RID 500) enabled on a Windows host whose LAPS policy does not manage it.
//! Windows LAPS reads its policy from the first root that holds any value: CSP
//! (`Software\Microsoft\Policies\LAPS`), GPO (`…\CurrentVersion\Policies\LAPS`), local
//! (`…\CurrentVersion\LAPS\Config`), then the legacy Microsoft LAPS key
//! (`Software\Policies\Microsoft Services\AdmPwd`), and `BackupDirectory` 0 (the default)
//! backs up nothing (Microsoft Learn, "Configure policy settings for Windows LAPS"). When the
//! directory export shows a LAPS expiration time for the host's computer account, the directory
//! side judges it. Without a registry export of the policy keys the host side cannot judge and
//! says so in a note.

use super::directory::enabled_directory_accounts;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, DirectoryObject, Laps, SourceKind};
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
    windows_hosts(ctx, out);
}

/// The LAPS policy roots in Windows LAPS's order (`source::windows::reg` records `root:state`).
const ROOTS: &[&str] = &["csp", "gpo", "local", "legacy"];

fn windows_hosts(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for a in inv.accounts.iter().filter(|a| {
        a.source == SourceKind::WindowsHost
            && a.enabled == Some(true)
            && a.aliases
                .iter()
                .any(|sid| crate::source::windows::is_builtin_admin(sid))
    }) {
        let host = a.system.as_str();
        let computer = format!("{host}$");
        let in_directory = inv.accounts.iter().any(|c| {
            c.login.eq_ignore_ascii_case(&computer)
                && c.directory
                    .as_ref()
                    .is_some_and(|d| matches!(d.laps, Laps::Expires(_)))
        });
        if in_directory {
            continue;
        }
        let laps: Vec<_> = inv
            .settings
            .iter()
            .filter(|s| s.system == host && s.component == "windows" && s.key == "laps")
            .collect();
        let active = ROOTS.iter().find_map(|root| {
            laps.iter().find_map(|s| {
                let (r, state) = s.value.split_once(':')?;
                (r == *root).then_some((*root, state, *s))
            })
        });
        let (level, why, related) = match active {
            Some((_, "ad" | "entra" | "enabled", _)) => continue,
            Some((root, _, s)) => (
                Level::Warning,
                format!(
                    "its LAPS policy (the {root} root, the first that holds a value) backs up no password (BackupDirectory 0 or AdmPwdEnabled 0)"
                ),
                s.evidence.clone(),
            ),
            None => match laps.iter().find(|s| s.value == "none") {
                Some(s) => (
                    Level::Warning,
                    "the registry export holds no LAPS policy (none of the CSP, GPO, local or legacy AdmPwd roots has a value)".to_string(),
                    s.evidence.clone(),
                ),
                None => (
                    Level::Note,
                    "whether LAPS manages it cannot be told: no registry export of the LAPS policy keys was given".to_string(),
                    None,
                ),
            },
        };
        let set = a
            .password_last_set
            .known()
            .map(|t| format!(" Its password was last set {}.", format_day(t)))
            .unwrap_or_default();
        let tail = if level == Level::Note {
            "if LAPS does not rotate it, its password survives every domain reset"
        } else {
            "its password is not rotated by LAPS and survives every domain reset"
        };
        let message = format!(
            "The built-in Administrator (RID 500) of {host}, {}, is enabled and {why}: {tail}.{set}",
            a.login
        );
        let mut f = out
            .finding(
                level,
                Subject::Account {
                    system: host,
                    login: &a.login,
                },
                a.evidence.clone(),
                message,
            )
            .account(&a.login)
            .host(Some(host));
        if let Some(ev) = related {
            f = f.related(ev, "the LAPS policy in the registry export".to_string());
        }
        out.push(f);
    }
}
