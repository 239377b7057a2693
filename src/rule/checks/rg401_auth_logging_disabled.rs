//! RG401 auth-logging-disabled: sshd's effective `LogLevel` below INFO (QUIET, FATAL, ERROR),
//! globally or in a Match block, and sudoers `!syslog` (or `!log_allowed`) still in force after
//! sudo's last-match-wins evaluation.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::{Scope, Setting};
use crate::rule::Context;
use std::collections::BTreeMap;

const QUIET_LEVELS: &[&str] = &["QUIET", "SILENT", "FATAL", "ERROR"];

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
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
    // sudoers: the last setting of a flag per scope wins.
    let mut last: BTreeMap<(&str, &str, &Scope), &Setting> = BTreeMap::new();
    for s in ctx
        .inventory
        .settings
        .iter()
        .filter(|s| s.component == "sudoers")
    {
        if s.key == "syslog" || s.key == "log_allowed" {
            last.insert((s.system.as_str(), s.key.as_str(), &s.scope), s);
        }
    }
    for ((system, key, scope), s) in last {
        if s.value != "false" {
            continue;
        }
        let Some(ev) = &s.evidence else { continue };
        let what = if key == "syslog" {
            "sends nothing to syslog"
        } else {
            "does not log allowed commands"
        };
        let message = format!(
            "sudo on {system} {what} (`!{key}`{}): privilege use is not recorded.",
            match scope {
                Scope::Global => String::new(),
                Scope::Conditional(c) => format!(" for `{c}`"),
            }
        );
        out.push(
            out.finding(Level::Warning,
                Subject::Setting {
                    host: system,
                    setting: &format!("sudoers:{key}"),
                    scope: scope_key(scope),
                },
                ev.clone(),
                message,
            )
            .host(Some(system)),
        );
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
