//! RG401 auth-logging-disabled: sshd's effective `LogLevel` below INFO (QUIET, FATAL, ERROR),
//! globally or in a Match block, and sudoers `!syslog` (or `!log_allowed`) in force for a user
//! after sudo applies its Defaults in file order (the adapter resolves them per user).
//!
//! Network devices (the `netdev` source's `ios`/`junos` settings): IOS `no logging on`, no
//! `logging host` (the running-config omits defaults, and by default no message leaves the
//! device), no `aaa accounting exec|commands`; Junos without an applied `system syslog host`.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::Scope;
use crate::rule::Context;

const QUIET_LEVELS: &[&str] = &["QUIET", "SILENT", "FATAL", "ERROR"];

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    network_devices(ctx, out);
    for s in &ctx.inventory.settings {
        if s.component == "sshd"
            && s.key == "loglevel"
            && QUIET_LEVELS.contains(&s.value.to_uppercase().as_str())
        {
            if let Some(ev) = &s.evidence {
                let scope = scope_text(&s.scope);
                let message = format!(
                    "sshd on {} logs at LogLevel {}{scope}: logins, including key logins after a reset, are not recorded.",
                    s.system, s.value
                );
                out.push(
                    out.finding(Level::Warning,
                        Subject::Setting {
                            host: &s.system,
                            setting: "sshd:loglevel",
                            scope: scope_key(&s.scope),
                        },
                        ev.clone(),
                        message,
                    )
                    .host(Some(&s.system)),
                );
            }
        }
    }
    // sudoers: the adapter resolved the Defaults as sudo applies them (file order across global,
    // host- and user-bound entries): a Global value is any other user's, "user NAME" a user's
    // own, "Defaults>…"/"Defaults!…" a Runas- or command-bound entry.
    for s in ctx.inventory.settings.iter().filter(|s| {
        s.component == "sudoers" && (s.key == "syslog" || s.key == "log_allowed") && s.value == "false"
    }) {
        let Some(ev) = &s.evidence else { continue };
        let (system, key, scope) = (s.system.as_str(), s.key.as_str(), &s.scope);
        let what = if key == "syslog" {
            "sends nothing to syslog"
        } else {
            "does not log allowed commands"
        };
        let whom = match scope {
            Scope::Global => " for every user".to_string(),
            Scope::Conditional(c) => match c.strip_prefix("user ") {
                Some(login) => format!(" for {login}"),
                None => format!(" under `{c}`"),
            },
        };
        let message = format!(
            "sudo on {system} {what}{whom} (`!{key}`): privilege use is not recorded."
        );
        let mut f = out
            .finding(
                Level::Warning,
                Subject::Setting {
                    host: system,
                    setting: &format!("sudoers:{key}"),
                    scope: scope_key(scope),
                },
                ev.clone(),
                message,
            )
            .host(Some(system));
        if let Scope::Conditional(c) = scope {
            if let Some(login) = c.strip_prefix("user ") {
                f = f.account(login);
            }
        }
        out.push(f);
    }
}

fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::Global => String::new(),
        Scope::Conditional(c) => format!(" for connections matching `{c}`"),
    }
}

fn scope_key(scope: &Scope) -> &str {
    match scope {
        Scope::Global => "global",
        Scope::Conditional(c) => c,
    }
}

/// What each network-device logging setting means when it is off or absent, for the message.
fn device_gap(component: &str, key: &str, value: &str) -> Option<&'static str> {
    Some(match (component, key, value) {
        ("ios", "logging on", "false") => {
            "has logging turned off (`no logging on`): logins, failed logins and configuration changes are recorded nowhere but the console"
        }
        ("ios", "logging host", "none") => {
            "sends its log to no syslog host (no `logging host`; show running-config omits defaults, and by default IOS sends no message to a remote host): what it logs stays on the device, in a buffer a reload clears"
        }
        ("ios", "aaa accounting", "none") => {
            "has no `aaa accounting exec` or `aaa accounting commands`: who logged in and which commands they ran is not recorded off the device"
        }
        ("junos", "system syslog host", "none") => {
            "has no applied `system syslog host` (none configured, or deactivated, or only in a group that is not applied): authentication and configuration events stay in the device's local log files"
        }
        _ => return None,
    })
}

/// Network devices: one result per logging gap per device. An absent setting (no evidence of
/// its own) points at the device's host-name line.
fn network_devices(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for s in &inv.settings {
        let Some(gap) = device_gap(&s.component, &s.key, &s.value) else {
            continue;
        };
        let location = s.evidence.clone().or_else(|| {
            inv.hosts
                .iter()
                .find(|h| h.name == s.system)
                .map(|h| h.evidence.clone())
        });
        let Some(location) = location else { continue };
        let message = format!(
            "Network device {} {gap}. A reset, or a surviving local account being used, leaves no trace that outlives the device.",
            s.system
        );
        out.push(
            out.finding(
                Level::Warning,
                Subject::Setting {
                    host: &s.system,
                    setting: &format!("{}:{}", s.component, s.key),
                    scope: "global",
                },
                location,
                message,
            )
            .host(Some(&s.system)),
        );
    }
}
