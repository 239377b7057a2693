//! Cisco IOS / IOS-XE `show running-config` text (formats-host.md §2.13, c23).
//!
//! Owns the reading of the running-config's structure: `!` comment lines, top-level commands
//! and their indented sub-mode lines (a line that starts with a space belongs to the last
//! top-level command), banner blocks (`banner motd ^C … ^C`, any delimiter; their text is never
//! read as commands), and `no <command>` negations. `show running-config` omits defaults, so a
//! command that is not there is the device default: recorded as the value `none` without
//! evidence, never as "not collected".
//!
//! Facts: `hostname`; `username NAME [privilege N] (secret|password) [TYPE] VALUE` (privilege
//! defaults to 1; type 0 clear and 7 reversible become `PlaintextSecret`s, types 4/5/8/9 are
//! hashes recorded only as a setting); `enable password|secret [level N] [TYPE] VALUE`; line
//! passwords (`password 7 …` under `line …`); `aaa new-model`, `aaa accounting exec|commands`;
//! `logging host`/`logging A.B.C.D`, `no logging on`, `logging buffered`; `line vty`
//! `transport input`; `snmp-server community` (the community itself is a password: only its
//! access, never its text, is recorded); `ip http server`.

use super::{type7, Device, Exposed, User};
use crate::diag::Diagnostic;
use crate::inventory::{PasswordState, Scope};
use crate::source::secret_id::FileSecrets;
use crate::source::Output;
use std::collections::BTreeMap;

/// Whether `complete` (whole lines of the head) and the tail read like a running-config.
pub fn sniff(complete: &str, tail: &str) -> bool {
    let mut hostname = false;
    let mut marks = 0;
    let (mut version, mut interface, mut line, mut bang) = (false, false, false, false);
    for l in complete.lines() {
        let l = l.trim_end();
        if let Some(rest) = l.strip_prefix("hostname ") {
            hostname |= !rest.trim().is_empty() && !rest.contains('=') && !rest.contains(':');
        } else if let Some(v) = l.strip_prefix("version ") {
            version |= v
                .split('.')
                .next()
                .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
        } else if l.starts_with("interface ") {
            interface = true;
        } else if l.starts_with("line vty ") || l.starts_with("line con ") {
            line = true;
        } else if l == "!" {
            bang = true;
        }
    }
    let end = tail.trim_end().ends_with("\nend") || tail.trim() == "end";
    for f in [version, interface, line, bang, end] {
        marks += usize::from(f);
    }
    hostname && marks >= 2
}

/// A top-level command and its sub-mode lines.
struct Section<'t> {
    line: u32,
    words: Vec<&'t str>,
    /// The sub-mode lines: (line number, words).
    sub: Vec<(u32, Vec<&'t str>)>,
}

/// Splits the text into top-level sections, leaving out comments and banner text.
fn sections(text: &str) -> Vec<Section<'_>> {
    let mut out: Vec<Section<'_>> = Vec::new();
    // The delimiter of the banner being skipped.
    let mut banner: Option<String> = None;
    for (n, raw) in crate::source::numbered_lines(text) {
        let l = raw.trim_end_matches('\r');
        if let Some(delim) = &banner {
            if l.contains(delim.as_str()) {
                banner = None;
            }
            continue;
        }
        let trimmed = l.trim();
        if trimmed.is_empty() || trimmed.starts_with('!') {
            continue;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        if l.starts_with(' ') || l.starts_with('\t') {
            if let Some(s) = out.last_mut() {
                s.sub.push((n, words));
            }
            continue;
        }
        if words.first() == Some(&"banner") {
            // `banner KIND DELIM text… DELIM`: the delimiter is the first character after the
            // kind (show run prints the ETX character as the two characters `^C`).
            let after_kind = trimmed
                .splitn(3, char::is_whitespace)
                .nth(2)
                .unwrap_or("")
                .trim_start();
            let delim = if after_kind.starts_with("^C") {
                "^C".to_string()
            } else {
                after_kind
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default()
            };
            if !delim.is_empty() {
                let rest = after_kind.get(delim.len()..).unwrap_or("");
                if !rest.contains(delim.as_str()) {
                    banner = Some(delim);
                }
            }
            continue;
        }
        out.push(Section {
            line: n,
            words,
            sub: Vec::new(),
        });
    }
    out
}

/// A password or secret as `TYPE VALUE` or `VALUE` (type 0) from `words` after the keyword.
fn typed_value<'t>(words: &[&'t str]) -> Option<(u8, &'t str)> {
    match words {
        [t, v, ..] if t.len() == 1 && t.bytes().all(|b| b.is_ascii_digit()) => {
            Some((t.parse().ok()?, v))
        }
        [v, ..] => Some((0, v)),
        [] => None,
    }
}

/// What a clear or reversible password is, for messages.
fn label_for(kind: &str, ty: u8) -> String {
    match ty {
        0 => format!("Cisco IOS {kind}, type 0 (clear text)"),
        _ => format!("Cisco IOS {kind}, type 7 (reversible: as good as clear text)"),
    }
}

struct UserFacts {
    line: u32,
    privilege: Option<(u8, u32)>,
    password: PasswordState,
}

/// The secret of a type 0 or 7 value, for the in-scan matcher only: a type 0 value runs to the
/// end of the line (it may hold spaces); a type 7 value is decoded when well formed, else kept
/// as written (still reversible by design).
fn exposed_secret(ty: u8, after_kw: &[&str]) -> Option<String> {
    match ty {
        0 => {
            let skip = usize::from(after_kw.first() == Some(&"0"));
            let v = after_kw.get(skip..).unwrap_or(&[]).join(" ");
            (!v.is_empty()).then_some(v)
        }
        7 => {
            let v = after_kw.get(1)?;
            Some(type7::decode(v).unwrap_or_else(|| (*v).to_string()))
        }
        _ => None,
    }
}

fn tag(ty: u8) -> &'static str {
    if ty == 0 {
        "ios:type0"
    } else {
        "ios:type7"
    }
}

/// Parses one running-config.
pub fn parse(path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    let secs = sections(text);
    let (host, host_line) = secs
        .iter()
        .find(|s| s.words.first() == Some(&"hostname") && s.words.len() >= 2)
        .map(|s| (s.words[1].to_string(), Some(s.line)))
        .unwrap_or_else(|| (super::name_from_path(path), None));
    let h = host.as_str();
    let mut dev = Device::new(path, "ios", names);
    let mut users: BTreeMap<String, UserFacts> = BTreeMap::new();
    let (mut aaa_new_model, mut accounting, mut log_host) = (None, Vec::new(), None);
    let mut community = 0u32;

    for s in &secs {
        let w = &s.words;
        match w.as_slice() {
            ["username", name, rest @ ..] => {
                let u = users.entry((*name).to_string()).or_insert(UserFacts {
                    line: s.line,
                    privilege: None,
                    password: PasswordState::Unknown,
                });
                let mut i = 0;
                while i < rest.len() {
                    match rest[i] {
                        "privilege" => {
                            if let Some(p) = rest.get(i + 1).and_then(|p| p.parse().ok()) {
                                u.privilege = Some((p, s.line));
                            }
                            i += 2;
                        }
                        "nopassword" => {
                            u.password = PasswordState::Empty;
                            i += 1;
                        }
                        kw @ ("secret" | "password") => {
                            let Some((ty, _)) = typed_value(&rest[i + 1..]) else {
                                dev.out.diag(Diagnostic::malformed(
                                    path,
                                    s.line,
                                    format!("`username {name} {kw}` without a value"),
                                ));
                                break;
                            };
                            u.password = PasswordState::Set;
                            dev.setting(
                                h,
                                &format!("username {kw} type"),
                                &ty.to_string(),
                                Scope::Conditional(format!("username {name}")),
                                Some(s.line),
                            );
                            if let Some(secret) = exposed_secret(ty, &rest[i + 1..]) {
                                dev.exposed(
                                    h,
                                    Exposed {
                                        line: s.line,
                                        label: label_for(&format!("local user {kw}"), ty),
                                        context: format!("ios\0username\0{name}\0{kw}"),
                                        secret: &secret,
                                        owner: Some(name),
                                        tag: tag(ty),
                                    },
                                );
                            }
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            ["enable", kw @ ("password" | "secret"), rest @ ..] => {
                let rest = match rest {
                    ["level", _, r @ ..] => r,
                    r => r,
                };
                let Some((ty, _)) = typed_value(rest) else {
                    continue;
                };
                dev.setting(
                    h,
                    &format!("enable {kw}"),
                    &format!("type {ty}"),
                    Scope::Global,
                    Some(s.line),
                );
                if *kw == "password" {
                    if let Some(secret) = exposed_secret(ty, rest) {
                        dev.exposed(
                            h,
                            Exposed {
                                line: s.line,
                                label: label_for("enable password", ty),
                                context: "ios\0enable password".into(),
                                secret: &secret,
                                owner: None,
                                tag: tag(ty),
                            },
                        );
                    }
                }
            }
            ["aaa", "new-model"] => aaa_new_model = Some(s.line),
            ["aaa", "accounting", what, rest @ ..] if matches!(*what, "exec" | "commands") => {
                let what = match (*what, rest.first()) {
                    ("commands", Some(level)) if level.bytes().all(|b| b.is_ascii_digit()) => {
                        format!("commands {level}")
                    }
                    (w, _) => w.to_string(),
                };
                accounting.push((what, s.line));
            }
            ["logging", "host", ..] => {
                log_host.get_or_insert(s.line);
            }
            ["logging", addr] if addr.parse::<std::net::IpAddr>().is_ok() => {
                log_host.get_or_insert(s.line);
            }
            ["no", "logging", "on"] => {
                dev.setting(h, "logging on", "false", Scope::Global, Some(s.line));
            }
            ["logging", "buffered", ..] => {
                dev.setting(h, "logging buffered", "true", Scope::Global, Some(s.line));
            }
            ["snmp-server", "community", _secret, rest @ ..] => {
                community += 1;
                // `[view V] [ro|rw] [acl]`: read-only when no access is given.
                let access = rest
                    .iter()
                    .find(|t| t.eq_ignore_ascii_case("ro") || t.eq_ignore_ascii_case("rw"))
                    .map_or("RO".to_string(), |t| t.to_ascii_uppercase());
                dev.setting(
                    h,
                    "snmp-server community",
                    &access,
                    Scope::Conditional(format!("community #{community}")),
                    Some(s.line),
                );
            }
            ["ip", "http", "server"] => {
                dev.setting(h, "ip http server", "true", Scope::Global, Some(s.line));
            }
            ["line", kind, range @ ..] => {
                let name = format!("line {kind} {}", range.join(" "));
                let mut transport = None;
                for (n, sw) in &s.sub {
                    match sw.as_slice() {
                        ["transport", "input", protos @ ..] => {
                            transport = Some((protos.join(" ").to_ascii_lowercase(), *n));
                        }
                        ["password", rest @ ..] => {
                            let Some((ty, _)) = typed_value(rest) else {
                                continue;
                            };
                            if let Some(secret) = exposed_secret(ty, rest) {
                                dev.exposed(
                                    h,
                                    Exposed {
                                        line: *n,
                                        label: label_for(&format!("`{name}` password"), ty),
                                        context: format!("ios\0{name}\0password"),
                                        secret: &secret,
                                        owner: None,
                                        tag: tag(ty),
                                    },
                                );
                            }
                        }
                        _ => {}
                    }
                }
                if *kind == "vty" {
                    // Absent: the release's default applies (value `default`); the `line vty`
                    // header locates it.
                    let (value, line) = transport.unwrap_or(("default".to_string(), s.line));
                    dev.setting(
                        h,
                        "line vty transport input",
                        &value,
                        Scope::Conditional(name.trim_end().to_string()),
                        Some(line),
                    );
                }
            }
            _ => {}
        }
    }

    dev.setting(
        h,
        "aaa new-model",
        if aaa_new_model.is_some() {
            "true"
        } else {
            "false"
        },
        Scope::Global,
        aaa_new_model,
    );
    if accounting.is_empty() {
        dev.setting(h, "aaa accounting", "none", Scope::Global, None);
    } else {
        let line = accounting[0].1;
        let kinds: Vec<String> = accounting.into_iter().map(|(w, _)| w).collect();
        dev.setting(
            h,
            "aaa accounting",
            &kinds.join(", "),
            Scope::Global,
            Some(line),
        );
    }
    dev.setting(
        h,
        "logging host",
        if log_host.is_some() { "set" } else { "none" },
        Scope::Global,
        log_host,
    );

    let users = users
        .into_iter()
        .map(|(login, f)| User {
            admin: f
                .privilege
                .filter(|(p, _)| *p == 15)
                .map(|(_, line)| ("privilege 15".to_string(), line)),
            login,
            line: f.line,
            password: f.password,
        })
        .collect();
    dev.finish(h, host_line, users)
}
