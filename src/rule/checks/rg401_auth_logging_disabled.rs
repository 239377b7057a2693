//! RG401 auth-logging-disabled: sshd's effective `LogLevel` below INFO (QUIET, FATAL, ERROR),
//! globally or in a Match block, and sudoers `!syslog` (or `!log_allowed`) in force for a user
//! after sudo applies its Defaults in file order (the adapter resolves them per user); the
//! host logging settings the Linux adapter resolves (auditd, journald, rsyslog, syslog-ng, PAM,
//! login.defs, Samba, PostgreSQL, MySQL/MariaDB, Apache, nginx; `source::linux::logging` and `services`), judged here with
//! the documented default each message cites when the setting is absent (evidence without a
//! line). MySQL/MariaDB: `general_log` off (default) with no connection-auditing plugin is a note.
//! OpenLDAP: a `loglevel`/`olcLogLevel` without `stats` (256), `none` and `0` included, is a
//! warning unless an accesslog overlay logs binds; an absent accesslog overlay alone is not
//! judged (binds are in the syslog at the default `stats`).
//!
//! Network devices (the `netdev` source's `ios`/`junos` settings): IOS `no logging on`, no
//! `logging host` (the running-config omits defaults, and by default no message leaves the
//! device), no `aaa accounting exec|commands`; Junos without an applied `system syslog host`.
//!
//! Windows (`source::windows`, settings `windows-audit`): a subcategory of the effective audit
//! policy (`auditpol /r`) or of a GPO's Advanced Audit Policy (`audit.csv`) that does not audit
//! successes. User Account Management is an error: resets (4724) and changes (4723) leave no
//! event. Security Group Management (4732), Credential Validation (4776) and Logon (4624) are
//! warnings. A legacy `[Event Audit]` category (`GptTmpl.inf`) is a warning that holds unless
//! advanced subcategories override it ("Force audit policy subcategory settings",
//! `SCENoApplyLegacyAuditPolicy`). A GPO's setting applies to the computers in its scope.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::{Scope, Setting};
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
    host_logging(ctx, out);
    web_access_logs(ctx, out);
    windows(ctx, out);
}

/// Whether the setting was absent (its documented default applies).
fn is_default(s: &Setting) -> bool {
    s.evidence.as_ref().is_some_and(|e| e.line.is_none())
}

fn host_logging(ctx: &Context<'_>, out: &mut Emit) {
    let settings = &ctx.inventory.settings;
    let find = |system: &str, component: &str, key: &str| {
        settings
            .iter()
            .find(|s| s.system == system && s.component == component && s.key == key)
    };
    for s in settings {
        let Some(ev) = &s.evidence else { continue };
        let (h, v) = (s.system.as_str(), s.value.as_str());
        let judged: Option<(Level, String)> = match (s.component.as_str(), s.key.as_str()) {
            ("auditd", "write_logs") if v == "no" => Some((Level::Warning, format!(
                "auditd on {h} does not write its log (`write_logs = no`; auditd.conf(5) default yes): password changes, logins and sudo use leave no audit record."))),
            ("auditd", "disk_full_action" | "disk_error_action") if !is_default(s) && matches!(v, "IGNORE" | "SUSPEND") => Some((Level::Note, format!(
                "auditd on {h} sets `{} = {v}`: when the disk fills or fails, audit records stop being written while the host keeps running (HALT or SINGLE would stop it instead).", s.key))),
            ("auditd", "enabled") if v == "0" => Some((Level::Warning, format!(
                "The audit rules on {h} end with `-e 0` (augenrules moves the last `-e` to the end): the kernel audits nothing, so password changes and logins leave no audit record."))),
            ("auditd", "kernel_audit") => Some((Level::Warning, format!(
                "The kernel command line on {h} has `audit=0`: the kernel's audit subsystem is off and auditd records nothing."))),
            ("auditd", "service") => Some((Level::Warning, format!(
                "auditd is installed on {h} (auditd.conf is collected) but not enabled: systemd's `multi-user.target.wants/auditd.service` link is absent, so auditd does not start at boot."))),
            ("auditd", "missing_watches") => Some((Level::Warning, format!(
                "No audit rule on {h} watches {v}{}: a changed password, a new sudo grant or an account change leaves no audit record (Debian 12's shipped rules watch nothing).",
                if is_default(s) { "" } else { " for writes" }))),
            ("journald", "storage") if v == "none" || v == "volatile" => {
                let fwd = find(h, "journald", "forward_to_syslog").is_some_and(|f| f.value == "yes");
                let routing = find(h, "journald", "syslog_routing").map(|f| f.value.as_str()).unwrap_or("absent");
                let kept = matches!(routing, "local" | "remote");
                (!kept).then(|| (Level::Warning, format!(
                    "journald on {h} has `Storage={v}` ({}) and {}: login and sudo messages {}.",
                    if v == "none" { "it drops every message" } else { "messages are kept in memory only" },
                    match (fwd, routing) {
                        (true, "none") => format!("forwards to {} whose rules route no auth messages anywhere",
                            find(h, "journald", "syslog_daemon").map_or("a syslog daemon".to_string(), |d| format!("{},", d.value))),
                        (true, _) => "forwards to syslog, but no syslog daemon's configuration was collected".to_string(),
                        (false, _) => "does not forward to syslog (`ForwardToSyslog` no; journald.conf(5) default no since systemd 246) and no syslog daemon keeps auth messages".to_string(),
                    },
                    if v == "none" { "are not kept anywhere" } else { "are lost at every reboot" })))
            }
            ("rsyslog" | "syslog-ng", "auth_routing") => syslog_routing(settings, s),
            ("pam", "nullok") => Some((Level::Note, format!(
                "PAM on {h} accepts empty passwords (`pam_unix.so nullok` in {}): an account whose password was emptied logs in with none, and no reset applies to it.", scope_key(&s.scope)))),
            ("pam", "lockout") => Some((Level::Note, format!(
                "The PAM auth stack {} on {h} has no `pam_faillock` or `pam_tally2`: failed logins are not counted and guessing is not stopped.", scope_key(&s.scope)))),
            ("login.defs", "faillog_enab") => Some((Level::Note, format!(
                "login.defs on {h} sets `FAILLOG_ENAB no` (shadow-utils default yes): failed logins are not recorded in /var/log/faillog."))),
            ("samba", "log_level") if v.parse::<u32>().is_ok_and(|n| n < 2) => Some((
                if is_default(s) { Level::Note } else { Level::Warning },
                format!(
                    "Samba on {h} logs at level {v}{}: auth_audit records failures from level 2 and successful logins from level 3, so SMB logins are not recorded.",
                    if is_default(s) { " (`log level` absent; smb.conf(5) default 0)" } else { "" }))),
            ("postgres", "log_connections") if v == "off" => Some((Level::Note, format!(
                "PostgreSQL on {h} ({}) does not log connections (`log_connections = off`{}): successful logins, with a reset password or not, leave no trace; failed ones are still logged.",
                scope_key(&s.scope),
                if is_default(s) { "; absent, the default since PostgreSQL 8 and still in 17" } else { "" }))),
            ("openldap", "loglevel") if !v.split_whitespace().any(|w| w == "stats" || w == "any") => {
                let ops = find(h, "openldap", "accesslog_ops").map(|a| a.value.as_str()).unwrap_or("none");
                let binds = ops.split_whitespace().any(|w| matches!(w, "bind" | "session" | "all"));
                (!binds).then(|| (Level::Warning, format!(
                    "OpenLDAP slapd on {h} {} (`loglevel {v}`; slapd.conf(5) default stats): binds, failed binds and password modifications are not syslogged, so a login with a reset or surviving password leaves no trace{}.",
                    if v == "0" { "logs nothing at all, not even errors" } else { "does not log connections and operations" },
                    if ops == "none" {
                        " (no accesslog overlay records them either)".to_string()
                    } else {
                        format!("; its accesslog overlay records `{ops}` but not binds (`logops bind`, `session` or `all` would)")
                    })))
            }
            ("mysql", "general_log") if v == "off" => {
                let audit = find(h, "mysql", "connection_audit").map(|a| a.value.as_str()).unwrap_or("none");
                let verbosity = find(h, "mysql", "log_error_verbosity").map(|a| a.value.as_str());
                (!matches!(audit, "server_audit" | "audit_log")).then(|| (Level::Note, format!(
                    "MySQL/MariaDB on {h} logs no connections: `general_log` is off{} and {}: successful logins, with a reset password or a surviving one, leave no trace; {}.",
                    if is_default(s) { " (absent; the default in MySQL and MariaDB)" } else { "" },
                    if audit == "none" {
                        "the option files load no audit plugin (one installed with INSTALL SONAME is recorded in the mysql.plugin table, which they cannot show)".to_string()
                    } else {
                        format!("the audit plugin does not record connections ({audit})")
                    },
                    match verbosity {
                        Some("3") => "failed ones reach the error log (`log_error_verbosity = 3`)".to_string(),
                        Some(n) => format!("failed ones do not reach the error log either (`log_error_verbosity = {n}`; MySQL logs access-denied errors only at 3)"),
                        None => "failed ones reach the error log only at `log_error_verbosity = 3` (MySQL's default in 5.7, 2 since 8.0)".to_string(),
                    })))
            }
            _ => None,
        };
        if let Some((level, message)) = judged {
            let setting = format!("{}:{}", s.component, s.key);
            let mut f = out
                .finding(
                    level,
                    Subject::Setting { host: h, setting: &setting, scope: scope_key(&s.scope) },
                    ev.clone(),
                    message,
                )
                .host(Some(h));
            // The other settings the judgement rests on, where a line set them.
            for (component, key, what) in RELATED {
                if s.component != *component || s.key != *key {
                    continue;
                }
                for (rk, text) in *what {
                    if let Some(e) = find(h, component, rk).and_then(|r| r.evidence.clone()).filter(|e| e.line.is_some()) {
                        f = f.related(e, (*text).to_string());
                    }
                }
            }
            out.push(f);
        }
    }
}

/// Settings of the same component whose lines are related locations: (key, what it shows).
type Related = &'static [(&'static str, &'static str)];

/// For a judged (component, key): the settings whose lines are related locations.
const RELATED: &[(&str, &str, Related)] = &[
    ("openldap", "loglevel", &[("accesslog_ops", "the accesslog overlay, which does not log binds")]),
    ("mysql", "general_log", &[
        ("connection_audit", "the audit plugin setting that leaves connections unrecorded"),
        ("log_error_verbosity", "the error log's verbosity"),
    ]),
];

/// Web sites whose requests are not logged (`apache:access_log` `none`/`off`, `nginx:access_log`
/// `off`): a note, or a warning when the site checks HTTP Basic credentials there itself
/// (`…:basic_auth` in the same scope, cited as a related location).
fn web_access_logs(ctx: &Context<'_>, out: &mut Emit) {
    let settings = &ctx.inventory.settings;
    for s in settings.iter().filter(|s| {
        matches!(s.component.as_str(), "apache" | "nginx")
            && s.key == "access_log"
            && matches!(s.value.as_str(), "none" | "off")
    }) {
        let Some(ev) = &s.evidence else { continue };
        let (h, site) = (s.system.as_str(), scope_key(&s.scope));
        let site = if site == "global" { "the main server" } else { site };
        let why = match (s.component.as_str(), s.value.as_str()) {
            ("apache", "none") => format!("Apache on {h} logs no request to {site}: no `CustomLog` or `TransferLog` is in effect there or in the main server, and Apache 2.4 has no default access log (mod_log_config writes none unless one is set)"),
            ("apache", _) => format!("Apache on {h} writes the access log of {site} to /dev/null"),
            _ => format!("nginx on {h} has `access_log off` for {site} (without it, nginx logs to `logs/access.log` in the combined format by default)"),
        };
        let auth = settings.iter().find(|a| {
            a.system == s.system && a.component == s.component && a.key == "basic_auth" && a.scope == s.scope
        });
        let (level, effect) = match auth {
            Some(_) => (Level::Warning, "it checks HTTP Basic credentials there itself, so a password that survived a reset can be tried and used against it without a trace"),
            None => (Level::Note, "requests, including logins to applications behind it, leave no trace, so the use of a credential that survived a reset cannot be shown"),
        };
        let setting = format!("{}:access_log", s.component);
        let mut f = out
            .finding(
                level,
                Subject::Setting { host: h, setting: &setting, scope: scope_key(&s.scope) },
                ev.clone(),
                format!("{why}: {effect}."),
            )
            .host(Some(h));
        if let Some(ev) = auth.and_then(|a| a.evidence.clone()) {
            f = f.related(ev, "HTTP Basic authentication configured here");
        }
        out.push(f);
    }
}

/// A syslog daemon's `auth_routing` (rsyslog or syslog-ng, the same judgement with the daemon's
/// own vocabulary). When both configurations were collected (one may be the leftover of the
/// daemon it replaced), only the better routing is judged, rsyslog on a tie, and the message
/// names the other.
fn syslog_routing(settings: &[Setting], s: &Setting) -> Option<(Level, String)> {
    let rank = |v: &str| match v {
        "remote" => 2,
        "local" => 1,
        _ => 0,
    };
    let (h, v, daemon) = (s.system.as_str(), s.value.as_str(), s.component.as_str());
    let other = settings.iter().find(|o| {
        o.system == s.system
            && o.key == "auth_routing"
            && o.component != daemon
            && matches!(o.component.as_str(), "rsyslog" | "syslog-ng")
    });
    if let Some(o) = other {
        let (mine, theirs) = (rank(v), rank(&o.value));
        if theirs > mine || (theirs == mine && daemon == "syslog-ng") {
            return None;
        }
    }
    let also = other.map_or(String::new(), |o| {
        format!(
            " {}'s configuration is also collected and {}; the better of the two is judged.",
            o.component,
            if o.value == "none" { "routes them nowhere" } else { "keeps them only on the host" }
        )
    });
    let (none_why, no_remote) = if daemon == "rsyslog" {
        (
            "no selector receives them at info, or a `stop` drops them first",
            "no `@host`, `@@host` or `omfwd` target",
        )
    } else {
        (
            "no `log` path's filters admit them at info, or a `flags(final)` path discards them first",
            "no `network()`, `syslog()`, `tcp()` or `udp()` destination",
        )
    };
    match v {
        "none" => Some((Level::Warning, format!(
            "{daemon} on {h} routes auth and authpriv messages nowhere ({none_why}): sshd and sudo logins are not written to any log.{also}"))),
        "local" => Some((Level::Note, format!(
            "{daemon} on {h} keeps auth and authpriv messages only on the host ({no_remote}): whoever holds root after a surviving credential is used can erase the trace.{also}"))),
        _ => None,
    }
}

/// (setting key, subcategory, what goes unlogged, whether not auditing its successes is an error).
const WINDOWS_AUDIT: &[(&str, &str, &str, bool)] = &[
    ("user-account-management", "User Account Management", "password resets (event 4724) and changes (4723) are not logged", true),
    ("security-group-management", "Security Group Management", "members added to local groups such as Administrators (event 4732) are not logged", false),
    ("credential-validation", "Credential Validation", "NTLM validations of local accounts (event 4776) are not logged", false),
    ("logon", "Logon", "logons, including with a credential that survived a reset (event 4624), are not logged", false),
    ("category:account-management", "the legacy Account Management category (AuditAccountManage)", "password resets and changes (4724, 4723) are not logged", false),
    ("category:logon", "the legacy Logon category (AuditLogonEvents)", "logons (4624) are not logged", false),
    ("category:account-logon", "the legacy Account Logon category (AuditAccountLogon)", "credential validations (4776) are not logged", false),
];

fn windows(ctx: &Context<'_>, out: &mut Emit) {
    for s in ctx
        .inventory
        .settings
        .iter()
        .filter(|s| s.component == "windows-audit")
    {
        let Some((_, name, effect, error)) = WINDOWS_AUDIT.iter().find(|(k, ..)| *k == s.key)
        else {
            continue;
        };
        if s.value.contains("success") {
            continue;
        }
        let Some(ev) = &s.evidence else { continue };
        let place = match s.system.strip_prefix("gpo:") {
            Some(gpo) => format!("Group Policy {gpo} does not audit successes of {name} on the computers in its scope"),
            None => format!("Windows on {} does not audit successes of {name}", s.system),
        };
        let unless = if s.key.starts_with("category:") {
            ", unless advanced audit subcategories override the category (SCENoApplyLegacyAuditPolicy)"
        } else {
            ""
        };
        let message = format!("{place} (setting: {}): {effect}{unless}.", s.value);
        let level = if *error { Level::Error } else { Level::Warning };
        out.push(
            out.finding(
                level,
                Subject::Setting {
                    host: &s.system,
                    setting: &format!("windows-audit:{}", s.key),
                    scope: "global",
                },
                ev.clone(),
                message,
            )
            .host(Some(&s.system)),
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
