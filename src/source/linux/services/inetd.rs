//! inetd (`etc/inetd.conf`: `service socktype proto wait user server args`; a line starting
//! with `#`, including update-inetd's `#<off>#`, is off) and xinetd (`etc/xinetd.conf` with
//! `defaults { }`, `includedir DIR` — files in name order, skipping names with a dot or ending
//! in `~` — and `service NAME { attr = value }` blocks anywhere). xinetd: a service is enabled
//! unless `disable = yes` or its name is listed in `defaults`' `disabled` (xinetd.conf(5));
//! `disable` absent means enabled. Emits `inetd:service` / `xinetd:service` = `enabled`, scoped
//! by the legacy service's name (telnet, rsh, rlogin, rexec, tftp), at the line that runs it.

use super::LEGACY;
use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::HostFs;
use crate::source::linux::logging::{content_lines, emit, text};
use crate::source::Output;

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    if let Some(t) = text(fs, "/etc/inetd.conf", out) {
        let shown = fs.evidence_path("/etc/inetd.conf");
        for (n, line) in content_lines(&t) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let Some(svc) = f.first() else { continue };
            let server = f.get(5..).unwrap_or_default();
            let name = LEGACY.iter().find(|(s, d, _)| {
                svc == s || server.iter().any(|a| a.rsplit('/').next() == Some(d))
            });
            if let Some((_, _, name)) = name {
                let scope = Scope::Conditional(format!("service {name}"));
                emit(
                    out,
                    system,
                    "inetd",
                    "service",
                    "enabled",
                    scope,
                    Evidence::at(&shown, n),
                );
            }
        }
    }
    xinetd(fs, system, out);
}

struct Block {
    name: String,
    attrs: Vec<(String, String, String)>,
    ev: Evidence,
}

fn xinetd(fs: &HostFs, system: &str, out: &mut Output) {
    let main = "/etc/xinetd.conf";
    let Some(t) = text(fs, main, out) else { return };
    let mut blocks = Vec::new();
    let mut dirs = Vec::new();
    parse(&t, &fs.evidence_path(main), &mut blocks, &mut dirs);
    for dir in dirs {
        for name in fs.list_dir(&dir, out).unwrap_or_default() {
            if name.contains('.') || name.ends_with('~') {
                continue;
            }
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            if let Some(t) = text(fs, &path, out) {
                parse(&t, &fs.evidence_path(&path), &mut blocks, &mut Vec::new());
            }
        }
    }
    let mut disabled: Vec<String> = Vec::new();
    for b in blocks.iter().filter(|b| b.name == "defaults") {
        for (k, op, v) in &b.attrs {
            if k == "disabled" {
                if op == "-=" {
                    disabled.retain(|d| !v.split_whitespace().any(|x| x == d));
                } else {
                    disabled.extend(v.split_whitespace().map(str::to_string));
                }
            }
        }
    }
    for b in blocks.iter().filter(|b| b.name != "defaults") {
        let attr = |k: &str| {
            b.attrs
                .iter()
                .rev()
                .find(|a| a.0 == k)
                .map(|a| a.2.as_str())
        };
        let id = attr("id").unwrap_or(&b.name);
        if attr("disable").is_some_and(|v| v.eq_ignore_ascii_case("yes"))
            || disabled.iter().any(|d| d == id)
        {
            continue;
        }
        let server = attr("server").unwrap_or("");
        let name = LEGACY
            .iter()
            .find(|(s, d, _)| b.name == *s || server.rsplit('/').next() == Some(d));
        if let Some((_, _, name)) = name {
            let scope = Scope::Conditional(format!("service {name}"));
            emit(
                out,
                system,
                "xinetd",
                "service",
                "enabled",
                scope,
                b.ev.clone(),
            );
        }
    }
}

fn parse(t: &str, shown: &str, blocks: &mut Vec<Block>, dirs: &mut Vec<String>) {
    let mut current: Option<Block> = None;
    for (n, line) in content_lines(t) {
        if let Some(dir) = line.strip_prefix("includedir") {
            dirs.push(dir.trim().to_string());
            continue;
        }
        if line == "}" {
            blocks.extend(current.take());
            continue;
        }
        if line == "{" {
            continue;
        }
        let head = line.trim_end_matches('{').trim();
        if head == "defaults" || head.starts_with("service ") {
            blocks.extend(current.take());
            let name = head
                .strip_prefix("service ")
                .unwrap_or(head)
                .trim()
                .to_string();
            current = Some(Block {
                name,
                attrs: Vec::new(),
                ev: Evidence::at(shown, n),
            });
            continue;
        }
        if let Some(b) = current.as_mut() {
            let (k, op, v) = if let Some((k, v)) = line.split_once("+=") {
                (k, "+=", v)
            } else if let Some((k, v)) = line.split_once("-=") {
                (k, "-=", v)
            } else if let Some((k, v)) = line.split_once('=') {
                (k, "=", v)
            } else {
                continue;
            };
            b.attrs
                .push((k.trim().to_string(), op.to_string(), v.trim().to_string()));
        }
    }
    blocks.extend(current);
}
