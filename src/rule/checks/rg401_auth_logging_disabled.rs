//! RG401 auth-logging-disabled: sshd's effective `LogLevel` below INFO (QUIET, FATAL, ERROR),
//! globally or in a Match block, and sudoers `!syslog` (or `!log_allowed`) in force for a user
//! after sudo applies its Defaults in file order (the adapter resolves them per user).

use crate::finding::{Emit, Level, Subject};
use crate::inventory::Scope;
use crate::rule::Context;

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
