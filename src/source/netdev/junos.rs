//! Juniper Junos configuration in `set` format (`show configuration | display set`;
//! formats-host.md §2.14, c24).
//!
//! Owns the reading of set-format statements: words with double-quoted strings (backslash
//! escapes), `#` comment lines, and the statements that change earlier ones in file order:
//! `delete P` removes the statements under P, `deactivate P` keeps them but not applied
//! (`activate P` applies them again); `set apply-groups G` makes the statements under
//! `groups G` apply at the top level. Only applied statements count.
//!
//! Facts: `system host-name`; `system login user U class C` (admin when C is `super-user` or a
//! `system login class C permissions all`); `authentication encrypted-password` (`$9$…` is
//! Juniper's reversible obfuscation, as good as clear text: a `PlaintextSecret`; other schemes
//! are hashes recorded as a setting); any other quoted `$9$` secret (RADIUS/TACACS+ secrets,
//! SNMP); `system services telnet|ftp`; `snmp community` (only its authorization is recorded,
//! never the community); `system syslog host`; `system accounting`.

use super::{Device, Exposed, User};
use crate::diag::Diagnostic;
use crate::inventory::{PasswordState, Scope};
use crate::source::secret_id::FileSecrets;
use crate::source::Output;
use std::collections::{BTreeMap, BTreeSet};

const VERBS: &[&str] = &["set", "delete", "deactivate", "activate"];

/// Whether the whole lines of the head read like set-format statements.
pub fn sniff(complete: &str) -> bool {
    let mut system = 0;
    for l in complete.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let verb = t.split_whitespace().next().unwrap_or("");
        if !VERBS.contains(&verb) {
            return false;
        }
        if t.starts_with("set system ") {
            system += 1;
        }
    }
    system >= 2
}

/// The words of one statement; quoted strings lose their quotes. `None` for an unterminated
/// quote.
fn words(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else {
            return Some(out);
        };
        let mut w = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => w.push(chars.next()?),
                    ch => w.push(ch),
                }
            }
        } else {
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                w.push(ch);
                chars.next();
            }
        }
        out.push(w);
    }
}

struct Statement {
    line: u32,
    path: Vec<String>,
    active: bool,
}

fn under(path: &[String], prefix: &[String]) -> bool {
    path.len() >= prefix.len() && path[..prefix.len()] == *prefix
}

/// The applied statements in file order, with `groups G …` expanded for applied groups.
fn statements(path: &str, text: &str, out: &mut Output) -> Vec<(u32, Vec<String>)> {
    let mut list: Vec<Statement> = Vec::new();
    for (n, raw) in crate::source::numbered_lines(text) {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some(mut w) = words(t) else {
            out.diag(Diagnostic::malformed(
                path,
                n,
                "unterminated quoted string; statement skipped",
            ));
            continue;
        };
        let verb = w.remove(0);
        match verb.as_str() {
            "set" => list.push(Statement {
                line: n,
                path: w,
                active: true,
            }),
            "delete" => list.retain(|s| !under(&s.path, &w)),
            "deactivate" | "activate" => {
                for s in list.iter_mut().filter(|s| under(&s.path, &w)) {
                    s.active = verb == "activate";
                }
            }
            _ => out.diag(Diagnostic::malformed(
                path,
                n,
                "not a set-format statement (set, delete, deactivate, activate); skipped",
            )),
        }
    }
    let applied: BTreeSet<String> = list
        .iter()
        .filter(|s| s.active)
        .filter_map(|s| match s.path.as_slice() {
            [a, g] if a == "apply-groups" => Some(g.clone()),
            _ => None,
        })
        .collect();
    let mut result = Vec::new();
    for s in list.into_iter().filter(|s| s.active) {
        match s.path.as_slice() {
            [g, name, rest @ ..] if g == "groups" => {
                if applied.contains(name) && !rest.is_empty() {
                    result.push((s.line, rest.to_vec()));
                }
            }
            _ => result.push((s.line, s.path)),
        }
    }
    result
}

struct UserFacts {
    line: u32,
    class: Option<(String, u32)>,
    password: PasswordState,
}

/// Parses one set-format configuration.
pub fn parse(path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    let mut diag = Output::default();
    let stmts = statements(path, text, &mut diag);
    let (host, host_line) = stmts
        .iter()
        .find_map(|(n, p)| match p.as_slice() {
            [a, b, name] if a == "system" && b == "host-name" => Some((name.clone(), Some(*n))),
            _ => None,
        })
        .unwrap_or_else(|| (super::name_from_path(path), None));
    let h = host.as_str();
    let mut dev = Device::new(path, "junos", names);
    dev.out.extend(diag);
    let mut users: BTreeMap<String, UserFacts> = BTreeMap::new();
    let mut all_classes: BTreeSet<String> = BTreeSet::new();
    let (mut syslog_host, mut accounting) = (None, None);
    let mut community: BTreeMap<String, (u32, u32, String)> = BTreeMap::new();

    for (n, p) in &stmts {
        let p: Vec<&str> = p.iter().map(String::as_str).collect();
        match p.as_slice() {
            ["system", "login", "user", user, rest @ ..] => {
                let u = users.entry((*user).to_string()).or_insert(UserFacts {
                    line: *n,
                    class: None,
                    password: PasswordState::Unknown,
                });
                match rest {
                    ["class", class] => u.class = Some(((*class).to_string(), *n)),
                    ["authentication", "encrypted-password", value] => {
                        u.password = PasswordState::Set;
                        let scheme = scheme(value);
                        dev.setting(
                            h,
                            "login user encrypted-password",
                            &scheme,
                            Scope::Conditional(format!("user {user}")),
                            Some(*n),
                        );
                        if scheme == "$9$" {
                            dev.exposed(
                                h,
                                Exposed {
                                    line: *n,
                                    label: "Junos local user password, $9$ (reversible: as good as clear text)".to_string(),
                                    context: format!("junos\0user\0{user}"),
                                    secret: value,
                                    owner: Some(user),
                                    tag: "junos:$9$",
                                },
                            );
                        }
                    }
                    ["authentication", "plain-text-password", ..] => {
                        dev.setting(
                            h,
                            "login user encrypted-password",
                            "plain-text-password",
                            Scope::Conditional(format!("user {user}")),
                            Some(*n),
                        );
                    }
                    _ => {}
                }
            }
            ["system", "login", "class", class, "permissions", "all"] => {
                all_classes.insert((*class).to_string());
            }
            ["system", "services", svc @ ("telnet" | "ftp"), ..] => {
                dev.setting(
                    h,
                    &format!("system services {svc}"),
                    "enabled",
                    Scope::Global,
                    Some(*n),
                );
            }
            ["system", "syslog", "host", ..] => {
                syslog_host.get_or_insert(*n);
            }
            ["system", "accounting", ..] => {
                accounting.get_or_insert(*n);
            }
            ["snmp", "community", name, rest @ ..] => {
                let next = community.len() as u32 + 1;
                let e = community.entry((*name).to_string()).or_insert((
                    next,
                    *n,
                    "read-only".to_string(),
                ));
                if let ["authorization", auth] = rest {
                    e.2 = (*auth).to_string();
                }
            }
            _ => {}
        }
        // Any other quoted `$9$` secret (RADIUS/TACACS+/SNMPv3 keys): reversible.
        if let Some((i, value)) = p.iter().enumerate().find(|(_, v)| v.starts_with("$9$")) {
            if !matches!(p.as_slice(), ["system", "login", "user", ..]) && i > 0 {
                let what = p[..i].join(" ");
                dev.exposed(
                    h,
                    Exposed {
                        line: *n,
                        label: format!("Junos `{what}`, $9$ (reversible: as good as clear text)"),
                        context: format!("junos\0{what}"),
                        secret: value,
                        owner: None,
                        tag: "junos:$9$",
                    },
                );
            }
        }
    }
    for (i, line, auth) in community.values() {
        dev.setting(
            h,
            "snmp community",
            auth,
            Scope::Conditional(format!("community #{i}")),
            Some(*line),
        );
    }
    dev.setting(
        h,
        "system syslog host",
        if syslog_host.is_some() { "set" } else { "none" },
        Scope::Global,
        syslog_host,
    );
    dev.setting(
        h,
        "system accounting",
        if accounting.is_some() { "set" } else { "none" },
        Scope::Global,
        accounting,
    );
    let users = users
        .into_iter()
        .map(|(login, f)| User {
            admin: f
                .class
                .filter(|(c, _)| c == "super-user" || c == "superuser" || all_classes.contains(c))
                .map(|(c, line)| (format!("class {c}"), line)),
            login,
            line: f.line,
            password: f.password,
        })
        .collect();
    dev.finish(h, host_line, users)
}

/// The crypt scheme of an encrypted password (`$1$`, `$5$`, `$6$`, `$9$`), never the hash.
fn scheme(value: &str) -> String {
    let mut parts = value.splitn(3, '$');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), Some(id), Some(_)) if !id.is_empty() && id.len() <= 8 => format!("${id}$"),
        _ => "unknown".to_string(),
    }
}
